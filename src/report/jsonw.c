/* jsonw.c — see jsonw.h. */
#include "report/jsonw.h"

#include "base/cleanup.h"
#include "base/err.h"
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
 * other than '"' and '\\'. The classic has-zero-byte test on x ^ c for each byte value c
 * to avoid, and on x - 0x20 for control bytes, eight bytes at a time. */
static uint64_t bad_bytes(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
	return (x & high) |                    /* >= 0x80 */
	       ((x - ones * 0x20) & ~x & high) | /* < 0x20 */
	       ((q - ones) & ~q & high) | ((b - ones) & ~b & high) | ((d - ones) & ~d & high);
}

/* Is every byte of p[0..n) plain? The last, partial word is loaded overlapping the one
 * before it, or (under 8 bytes) from two overlapping halves and padded with a plain
 * byte: every byte looked at is one of the string's. */
static bool all_plain(const uint8_t *p, size_t n)
{
	uint64_t x;
	if (n >= 8) {
		size_t i = 0;
		for (; i + 8 < n; i += 8) {
			memcpy(&x, p + i, 8);
			if (bad_bytes(x))
				return false;
		}
		memcpy(&x, p + n - 8, 8);
		return !bad_bytes(x);
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		x = (uint64_t)a << 32 | b;
	} else if (n >= 2) {
		uint16_t a, b;
		memcpy(&a, p, 2);
		memcpy(&b, p + n - 2, 2);
		x = 0x6161616100000000u | (uint64_t)a << 16 | b;
	} else {
		x = 0x6161616161616100u | (n ? p[0] : 'a');
	}
	return !bad_bytes(x);
}

int kw_json_str(kw_sb *sb, const void *s, size_t n)
{
	const uint8_t *p = s;
	/* kw_escape_is_clean already refuses a backslash: only the quote is left to look for */
	if (all_plain(p, n) || (kw_escape_is_clean(p, n) && !memchr(p, '"', n))) {
		if (n > KW_SB_MAX) {
			sb->overflow = true;
			return KW_E_TOOBIG;
		}
		char *d = kw_sb_reserve(sb, n + 2);
		if (!d)
			return sb->overflow ? KW_E_TOOBIG : -ENOMEM;
		d[0] = '"';
		if (n)
			memcpy(d + 1, p, n);
		d[n + 1] = '"';
		kw_sb_commit(sb, d + n + 2);
		return 0;
	}
	_cleanup_free_ char *e = kw_escape_dup(p, n);
	if (!e)
		return -ENOMEM;
	kw_sb_putc(sb, '"');
	for (const char *q = e; *q; q++) {
		if (*q == '"' || *q == '\\')
			kw_sb_putc(sb, '\\');
		kw_sb_putc(sb, *q);
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
