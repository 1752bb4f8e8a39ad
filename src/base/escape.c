/* escape.c — see escape.h. A small UTF-8 decoder decides, code point by code point,
 * what may pass through; every rejected byte is written as \xNN. */
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 sequence at p (n bytes left). Returns its length (1..4) and the code
 * point, or 0 if the bytes are not a valid, shortest-form, non-surrogate sequence. */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;
	if (c < 0x80) { *cp = c; return 1; }
	if ((c & 0xE0) == 0xC0) { len = 2; c &= 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { len = 3; c &= 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { len = 4; c &= 0x07; min = 0x10000; }
	else return 0;
	if (n < len) return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
	*cp = c;
	return len;
}

/* Code points that must not reach a terminal or a report raw. */
static bool cp_unsafe(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0xFEFF ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0xFFFE || cp == 0xFFFF;
}

int kw_escape_append(kw_sb *sb, const void *vp, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = vp;
	size_t i = 0;
	int r = 0;
	while (i < n && r == 0) {
		unsigned cp;
		size_t len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			char e[4] = { '\\', 'x', hex[p[i] >> 4], hex[p[i] & 15] };
			r = kw_sb_put(sb, e, 4);
			i++;
			continue;
		}
		if (cp == '\\') r = kw_sb_put(sb, "\\\\", 2);
		else if (cp == '\n') r = kw_sb_put(sb, "\\n", 2);
		else if (cp == '\t') r = kw_sb_put(sb, "\\t", 2);
		else if (cp == '\r') r = kw_sb_put(sb, "\\r", 2);
		else if (cp < 0x80 && cp_unsafe(cp)) {
			char e[4] = { '\\', 'x', hex[cp >> 4], hex[cp & 15] };
			r = kw_sb_put(sb, e, 4);
		} else if (cp_unsafe(cp)) r = kw_sb_printf(sb, "\\u{%04x}", cp);
		else r = kw_sb_put(sb, p + i, len);
		i += len;
	}
	return r;
}

char *kw_escape_dup(const void *p, size_t n)
{
	kw_sb sb;
	kw_sb_init(&sb);
	if (kw_escape_append(&sb, p, n) < 0) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}

char *kw_escape_str(const char *s)
{
	return kw_escape_dup(s, s ? strlen(s) : 0);
}

bool kw_escape_is_clean(const void *vp, size_t n)
{
	const unsigned char *p = vp;
	size_t i = 0;
	/* printable ASCII, the common case, without decoding */
	while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
		i++;
	while (i < n) {
		unsigned cp;
		size_t len = utf8_decode(p + i, n - i, &cp);
		if (len == 0 || cp == '\\' || cp_unsafe(cp))
			return false;
		i += len;
	}
	return true;
}
