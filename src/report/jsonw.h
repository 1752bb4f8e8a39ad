/* jsonw.h — a streaming JSON writer for large reports: values go straight into a buffer
 * that is written out in chunks, with no document tree in memory (building one with
 * jansson and dumping it cost the guard replay a tenth of its time). The layout is
 * jansson's JSON_INDENT(n) | JSON_PRESERVE_ORDER: a report is byte for byte what
 * kw_json_write would print, so either can render it.
 *
 * Strings are escaped twice: kw_escape (base/escape.h) first, so that target text
 * holds no control character, invalid UTF-8 or bidirectional override, then JSON's own
 * escapes (quote and backslash). Keys are the program's own ASCII names and are written
 * as they are.
 *
 *   kw_jw w;
 *   kw_jw_init(&w, out, 1);
 *   kw_jw_obj(&w, NULL);                   {
 *   kw_jw_str(&w, "addr", "192.0.2.1", 9);   "addr": "192.0.2.1",
 *   kw_jw_arr(&w, "bans"); ... kw_jw_end(&w);  "bans": [...]
 *   kw_jw_end(&w);                         }
 *   return kw_jw_finish(&w);               newline, flush, errors
 *
 * Errors (no memory, a short write, nesting deeper than KW_JW_DEPTH) are sticky: every
 * call after one does nothing, and kw_jw_finish returns the first.
 */
#ifndef KW_REPORT_JSONW_H
#define KW_REPORT_JSONW_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KW_JW_DEPTH 32

typedef struct kw_jw {
	FILE *out;         /* NULL: keep everything in sb (kw_jw_finish adds no newline) */
	kw_sb sb;
	unsigned indent;   /* spaces per level; 0: compact, no newlines */
	unsigned depth;
	bool has_items[KW_JW_DEPTH];
	bool is_array[KW_JW_DEPTH];
	int err;
} kw_jw;

void kw_jw_init(kw_jw *w, FILE *out, unsigned indent);
/* Open an object or an array: a member named key inside an object, an element (key NULL)
 * inside an array or at the top. kw_jw_end closes the innermost one. */
void kw_jw_obj(kw_jw *w, const char *key);
void kw_jw_arr(kw_jw *w, const char *key);
void kw_jw_end(kw_jw *w);
/* Values; key as above. s[0..n) is escaped; kw_jw_strz takes a C string, NULL = null. */
void kw_jw_str(kw_jw *w, const char *key, const void *s, size_t n);
void kw_jw_strz(kw_jw *w, const char *key, const char *s);
void kw_jw_int(kw_jw *w, const char *key, int64_t v);
void kw_jw_uint(kw_jw *w, const char *key, uint64_t v);
void kw_jw_bool(kw_jw *w, const char *key, bool v);
void kw_jw_null(kw_jw *w, const char *key);
/* End the document: a final newline (when writing to a FILE), flush, check. 0 or the
 * first error (-ENOMEM, -EIO, -E2BIG for too deep). The buffer is released either way
 * unless out is NULL: then the text stays in w->sb (release it with kw_sb_release). */
int kw_jw_finish(kw_jw *w);

/* The escaped JSON string of s[0..n), quotes included, appended to sb: what kw_jw_str
 * writes (for writers that build JSON lines by hand). 0 or -ENOMEM. */
int kw_json_str(kw_sb *sb, const void *s, size_t n);

#endif
