/* sam.h — the parts of a SAM account record keyward may know, from its raw bytes.
 *
 * A local account lives under SAM\Domains\Account\Users: Names\<name> (whose default
 * value's type field is the RID) and <RID as 8 hex digits> with two binary values:
 *   F  fixed fields, little-endian: last logon (FILETIME) at 0x08, password last set at
 *      0x18, account expires at 0x20, RID at 0x30, account control bits (ACB) at 0x38,
 *      failed logons at 0x40, logons at 0x42;
 *   V  a 0xCC-byte table of (offset, length, unknown) triples, offsets relative to 0xCC;
 *      the LM hash entry is at 0x9C, the NT hash entry at 0xA8.
 * Whether a hash is present is read from the entry's LENGTH alone: the old format (revision
 * 1) holds 4 bytes of header and a 16-byte hash (20) or none (4); the AES format (revision
 * 2, Windows 10 1607+) holds 24 bytes of header plus the encrypted hash (56) or none (24).
 * The hash bytes are never read, copied or returned; they are encrypted with a key kept in
 * SYSTEM's class names, which keyward does not read either.
 *
 * Pure: bytes in, fields out; every offset bounds-checked.
 */
#ifndef KW_WINDOWS_SAM_H
#define KW_WINDOWS_SAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* account control bits (ACB_*) */
#define KW_ACB_DISABLED    0x0001u
#define KW_ACB_PWNOTREQ    0x0004u
#define KW_ACB_NORMAL      0x0010u
#define KW_ACB_PWNOEXP     0x0200u
#define KW_ACB_AUTOLOCK    0x0400u

/* well-known RIDs */
#define KW_RID_ADMINISTRATOR 500u
#define KW_RID_GUEST         501u
#define KW_RID_DEFAULTACCOUNT 503u
#define KW_RID_WDAGUTILITY   504u
#define KW_RID_FIRST_USER    1000u

typedef struct kw_sam_f {
	uint32_t rid;
	uint16_t acb;
	uint16_t logons, failed;
	int64_t last_logon;         /* Unix seconds; 0: never */
	int64_t pw_last_set;        /* Unix seconds; 0: never */
	int64_t expires;            /* Unix seconds; 0: never */
} kw_sam_f;

typedef struct kw_sam_v {
	bool has_nt, has_lm;        /* a hash is stored (the password is set) */
	uint32_t nt_len, lm_len;    /* the entries' lengths, for evidence */
} kw_sam_v;

/* 0 or KW_E_PARSE (shorter than the fields). */
int kw_sam_parse_f(const uint8_t *f, size_t len, kw_sam_f *ret);
/* 0 or KW_E_PARSE (table too short, an entry pointing outside the record). */
int kw_sam_parse_v(const uint8_t *v, size_t len, kw_sam_v *ret);

/* A Windows FILETIME (100 ns since 1601) as Unix seconds; 0 and "never" values
 * (0, 0x7FFFFFFFFFFFFFFF) give 0. */
int64_t kw_filetime_to_unix(uint64_t ft);

#endif
