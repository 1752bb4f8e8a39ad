/* hive.h — one Windows registry hive, read with libhivex from a private copy.
 *
 * A hive in an image is hostile input and may change under us (hivex maps the file
 * MAP_SHARED): kw_hive_open takes the hive's bytes (read through kw_target, capped) and
 * hands hivex a private copy in an anonymous memory file, opened without
 * HIVEX_OPEN_UNSAFE (hivex's own checks stay on). The base block is checked first: its
 * "regf" signature and its two sequence numbers, which differ when the hive was not
 * written back cleanly (hivex does not replay SYSTEM.LOG1/.LOG2, so what it reads may be
 * older than what Windows would see).
 *
 * Values are read with their type checked: a DWORD is a DWORD (or a REG_SZ holding a
 * number, which Windows itself accepts for many settings); anything else is BADTYPE, which
 * the checks report rather than guess. Key paths use backslashes, case-insensitively
 * ("ControlSet001\\Control\\Terminal Server").
 *
 * Ownership: kw_hive_open gives a kw_hive freed by kw_hive_free; strings and byte arrays
 * returned are the caller's (free()).
 */
#ifndef KW_WINDOWS_HIVE_H
#define KW_WINDOWS_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_hive kw_hive;
typedef size_t kw_hnode;            /* 0: no such key */

#define KW_HIVE_MAX ((size_t)1 << 30) /* the largest hive read (SOFTWARE is ~100 MiB) */

typedef struct kw_hive_header {
	uint32_t seq1, seq2;        /* equal: written back cleanly */
	uint32_t major, minor;      /* format version (1.3, 1.5) */
} kw_hive_header;

/* The base block of a hive: 0, or KW_E_PARSE (too short, not "regf"). Pure. */
int kw_hive_header_parse(const uint8_t *data, size_t len, kw_hive_header *ret);

/* Open a hive from its bytes (copied; data may be freed afterwards). 0, KW_E_PARSE (not
 * a hive, or hivex refused it: err says why), KW_E_TOOBIG, -ENOMEM, or an -errno. */
int kw_hive_open(const uint8_t *data, size_t len, kw_hive **ret, char *err, size_t errlen);
void kw_hive_free(kw_hive *h);
bool kw_hive_dirty(const kw_hive *h);

kw_hnode kw_hive_root(kw_hive *h);
/* The key at a backslash-separated path below `from` (0: absent). */
kw_hnode kw_hive_key(kw_hive *h, kw_hnode from, const char *path);
/* The subkeys of a key: *ret (caller frees) holds *n nodes. 0 or -errno. */
int kw_hive_children(kw_hive *h, kw_hnode key, kw_hnode **ret, size_t *n);
/* A key's name as UTF-8 (caller frees); NULL on error. */
char *kw_hive_key_name(kw_hive *h, kw_hnode key);

typedef enum kw_hval {
	KW_HVAL_ABSENT = 0,
	KW_HVAL_SET,
	KW_HVAL_BADTYPE,            /* present with a type the setting cannot have */
} kw_hval;

/* A number: REG_DWORD (either byte order), or REG_SZ/REG_EXPAND_SZ of decimal digits. */
kw_hval kw_hive_num(kw_hive *h, kw_hnode key, const char *name, uint32_t *ret);
/* A string (REG_SZ, REG_EXPAND_SZ) as UTF-8, *ret the caller's. */
kw_hval kw_hive_str(kw_hive *h, kw_hnode key, const char *name, char **ret);
/* Whether a value exists (any type) and its data length. */
kw_hval kw_hive_exists(kw_hive *h, kw_hnode key, const char *name, size_t *len);
/* Raw data of a value (any type): *data the caller's, *type the raw type number (the
 * SAM keeps RIDs in the type field of an empty default value). name "" is the default. */
kw_hval kw_hive_raw(kw_hive *h, kw_hnode key, const char *name, uint8_t **data, size_t *len,
		    uint32_t *type);

#endif
