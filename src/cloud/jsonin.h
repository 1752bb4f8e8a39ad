/* jsonin.h — reading hostile cloud JSON with jansson: bounded loading, lenient typed
 * getters, and JSON pointers that say where a record came from.
 *
 * Loading: the file is read whole (refused above max_bytes before a byte is parsed) and
 * parsed by jansson with a counting allocator: the tree may use at most max_memory bytes,
 * else KW_E_TOOBIG and a message saying which limit and how to raise it. jansson's own
 * nesting limit (2048) answers deep nesting with a parse error, never a crash.
 *
 * Getters treat what real exports do as the same thing: "" is absent (Alibaba fills every
 * unused field with ""), JSON null is absent, numbers may come as strings ("Priority":"1")
 * and booleans as strings ("true"). A value of the wrong type is reported by the caller,
 * not silently taken as absent: getters say KW_E_PARSE for it.
 *
 * A kw_jptr is a stack of path segments rendered as an RFC 6901 pointer
 * ("#/SecurityGroups/0/IpPermissions/1"), with '~' and '/' escaped.
 */
#ifndef KW_CLOUD_JSONIN_H
#define KW_CLOUD_JSONIN_H

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_json_limits {
	size_t max_bytes;          /* the file (default 1 GiB) */
	size_t max_memory;         /* jansson's tree (default 4 GiB) */
} kw_json_limits;

#define KW_JSON_DEFAULT_MAX_BYTES ((size_t)1 << 30)
#define KW_JSON_DEFAULT_MAX_MEMORY ((size_t)4 << 30)

/* Parse text[0..n) under lim (NULL: defaults). 0 and *ret (the caller's: json_decref), or
 * a negative code with msg (cap bytes) saying what and where ("line 3 column 7: ...",
 * "the JSON tree needs more than 4 GiB (--max-memory)"). */
int kw_json_parse(const char *text, size_t n, const kw_json_limits *lim, json_t **ret,
		  char *msg, size_t cap);
/* The same, one document at a time when the text is a top-level array (`jq -s` of many
 * exports): each element is parsed, handed to each(ctx, index, doc) and freed before the
 * next is parsed, so memory holds one document, not the whole array. Text that is not an
 * array is one document, index SIZE_MAX. A negative return of each stops and is returned.
 * Errors as kw_json_parse, with the element's number and absolute line and column. */
int kw_json_parse_each(const char *text, size_t n, const kw_json_limits *lim,
		       int (*each)(void *ctx, size_t index, json_t *doc), void *ctx, char *msg,
		       size_t cap);
/* Read path ("-" = stdin) whole, at most lim->max_bytes: *ret (the caller frees) and
 * *ret_n. 0 or a negative code with msg. */
int kw_json_read_file(const char *path, const kw_json_limits *lim, char **ret, size_t *ret_n,
		      char *msg, size_t cap);
/* Read path ("-" = stdin) and parse it the same way. */
int kw_json_load_file(const char *path, const kw_json_limits *lim, json_t **ret, char *msg,
		      size_t cap);
/* Bytes jansson holds now (for the benchmark's memory figure). */
size_t kw_json_memory_in_use(void);
/* Most bytes jansson held at once since the program started. */
size_t kw_json_memory_peak(void);

/* ---- getters ----
 * Each returns 1 (found, *ret set), 0 (absent: no key, null, or ""), or KW_E_PARSE (the
 * wrong type). obj may be NULL or not an object: absent. */
int kw_jget_str(const json_t *obj, const char *key, const char **ret);
/* an integer, or a string holding one ("1", " 22 ", "-1"); within [lo, hi] else KW_E_PARSE */
int kw_jget_int(const json_t *obj, const char *key, long long lo, long long hi, long long *ret);
/* true/false, or "true"/"false" (any case) */
int kw_jget_bool(const json_t *obj, const char *key, bool *ret);
/* an array (an empty one counts as found) */
int kw_jget_array(const json_t *obj, const char *key, json_t **ret);
int kw_jget_object(const json_t *obj, const char *key, json_t **ret);
/* Alibaba's nesting: obj[key][inner] is the array ("Permissions" / "Permission"). A bare
 * array at obj[key] is accepted too. */
int kw_jget_nested_array(const json_t *obj, const char *key, const char *inner, json_t **ret);

/* ---- JSON pointers ---- */
#define KW_JPTR_MAX 32             /* deeper paths end in "/..." */

typedef struct kw_jptr {
	const char *seg[KW_JPTR_MAX];  /* key, or NULL for an index */
	size_t idx[KW_JPTR_MAX];
	size_t n;                      /* may exceed KW_JPTR_MAX; those are not kept */
} kw_jptr;

static inline void kw_jptr_key(kw_jptr *p, const char *key)
{
	if (p->n < KW_JPTR_MAX)
		p->seg[p->n] = key;
	p->n++;
}
static inline void kw_jptr_idx(kw_jptr *p, size_t i)
{
	if (p->n < KW_JPTR_MAX) {
		p->seg[p->n] = NULL;
		p->idx[p->n] = i;
	}
	p->n++;
}
static inline void kw_jptr_pop(kw_jptr *p)
{
	if (p->n)
		p->n--;
}
/* "FILE#/a/0/b~1c" into out (NUL-terminated, cut with an ellipsis if longer than cap); returns its
 * length. file may be NULL ("#/a/0"). */
size_t kw_jptr_format(const kw_jptr *p, const char *file, char *out, size_t cap);

#endif
