/* jsonw.c — see jsonw.h. */
#include "report/jsonw.h"

#include "base/cleanup.h"
#include "base/escape.h"
#include "report/out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_AT ((size_t)64 << 10)

void kw_jw_init(kw_jw *w, FILE *out, unsigned indent)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->indent = indent;
	kw_sb_init(&w->sb);
}

static void flush(kw_jw *w)
{
	if (w->err || !w->out || !w->sb.len)
		return;
	if (fwrite(w->sb.s, 1, w->sb.len, w->out) != w->sb.len)
		w->err = -EIO;
	kw_sb_clear(&w->sb);
}

static void newline(kw_jw *w)
{
	if (!w->indent)
		return;
	static const char spaces[] = "\n                                ";
	size_t n = (size_t)w->depth * w->indent;
	kw_sb_put(&w->sb, spaces, 1 + (n < sizeof spaces - 2 ? n : sizeof spaces - 2));
	for (size_t i = sizeof spaces - 2; i < n; i++)
		kw_sb_putc(&w->sb, ' ');
}

/* Separator, indentation and "key": before any value. */
static bool begin(kw_jw *w, const char *key)
{
	if (w->err)
		return false;
	if (w->sb.overflow) {
		w->err = -ENOMEM;
		return false;
	}
	if (w->depth) {
		if (w->has_items[w->depth - 1])
			kw_sb_putc(&w->sb, ',');
		w->has_items[w->depth - 1] = true;
		newline(w);
	}
	if (key && w->depth && !w->is_array[w->depth - 1]) {
		kw_sb_putc(&w->sb, '"');
		kw_sb_puts(&w->sb, key);
		kw_sb_puts(&w->sb, w->indent ? "\": " : "\":");
	}
	return true;
}

static void open(kw_jw *w, const char *key, bool array)
{
	if (!begin(w, key))
		return;
	if (w->depth == KW_JW_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	kw_sb_putc(&w->sb, array ? '[' : '{');
	w->is_array[w->depth] = array;
	w->has_items[w->depth] = false;
	w->depth++;
}

void kw_jw_obj(kw_jw *w, const char *key) { open(w, key, false); }
void kw_jw_arr(kw_jw *w, const char *key) { open(w, key, true); }

void kw_jw_end(kw_jw *w)
{
	if (w->err || !w->depth)
		return;
	w->depth--;
	if (w->has_items[w->depth])
		newline(w);
	kw_sb_putc(&w->sb, w->is_array[w->depth] ? ']' : '}');
	if (w->sb.len >= FLUSH_AT)
		flush(w);
}

/* Bytes that stand for themselves in a JSON string and on a terminal: printable ASCII
 * other than '"' and '\\'. Eight at a time (the classic has-zero-byte test on x ^ c for
 * each byte value c to avoid, and on x - 0x20 for control bytes), the rest one by one. */
static size_t plain_prefix(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
		uint64_t bad = (x & high) |                    /* >= 0x80 */
			       ((x - ones * 0x20) & ~x & high) | /* < 0x20 */
			       ((q - ones) & ~q & high) | ((b - ones) & ~b & high) | ((d - ones) & ~d & high);
		if (bad)
			break;
	}
	while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

int kw_json_str(kw_sb *sb, const void *s, size_t n)
{
	const uint8_t *p = s;
	kw_sb_putc(sb, '"');
	/* kw_escape_is_clean already refuses a backslash: only the quote is left to look for */
	if (plain_prefix(p, n) == n || (kw_escape_is_clean(p, n) && !memchr(p, '"', n))) {
		kw_sb_put(sb, p, n);
	} else {
		_cleanup_free_ char *e = kw_escape_dup(p, n);
		if (!e)
			return -ENOMEM;
		for (const char *q = e; *q; q++) {
			if (*q == '"' || *q == '\\')
				kw_sb_putc(sb, '\\');
			kw_sb_putc(sb, *q);
		}
	}
	return kw_sb_putc(sb, '"');
}

void kw_jw_str(kw_jw *w, const char *key, const void *s, size_t n)
{
	if (begin(w, key) && kw_json_str(&w->sb, s, n) < 0)
		w->err = -ENOMEM;
}

void kw_jw_strz(kw_jw *w, const char *key, const char *s)
{
	if (s)
		kw_jw_str(w, key, s, strlen(s));
	else
		kw_jw_null(w, key);
}

void kw_jw_int(kw_jw *w, const char *key, int64_t v)
{
	if (begin(w, key))
		kw_sb_printf(&w->sb, "%" PRId64, v);
}

void kw_jw_uint(kw_jw *w, const char *key, uint64_t v)
{
	if (!begin(w, key))
		return;
	kw_sb_put_u64(&w->sb, v);
}

void kw_jw_bool(kw_jw *w, const char *key, bool v)
{
	if (begin(w, key))
		kw_sb_puts(&w->sb, v ? "true" : "false");
}

void kw_jw_null(kw_jw *w, const char *key)
{
	if (begin(w, key))
		kw_sb_puts(&w->sb, "null");
}

int kw_jw_finish(kw_jw *w)
{
	if (!w->err && w->depth)
		w->err = -EINVAL; /* a container left open: a bug in the caller */
	if (!w->err && w->sb.overflow)
		w->err = -ENOMEM;
	if (!w->out)
		return w->err;
	if (!w->err)
		kw_sb_putc(&w->sb, '\n');
	flush(w);
	kw_sb_release(&w->sb);
	int r = kw_out_finish(w->out);
	return w->err ? w->err : r;
}
