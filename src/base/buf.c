/* buf.c — bounded views and the string builder (see buf.h for the invariants). */
#include "base/buf.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool kw_buf_line(kw_buf *b, kw_buf *line, size_t max, bool *truncated)
{
	if (b->off >= b->len)
		return false;
	const uint8_t *start = b->p + b->off;
	size_t left = b->len - b->off;
	const uint8_t *nl = memchr(start, '\n', left);
	size_t n = nl ? (size_t)(nl - start) : left;
	b->off += nl ? n + 1 : n;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	bool trunc = false;
	if (n > max) {
		n = max;
		trunc = true;
	}
	*line = kw_buf_view(start, n);
	if (truncated)
		*truncated = trunc;
	return true;
}

int kw_buf_get_u8(kw_buf *b, uint8_t *v)
{
	if (kw_buf_left(b) < 1)
		return KW_E_PARSE;
	*v = b->p[b->off++];
	return 0;
}

int kw_buf_get_u32(kw_buf *b, uint32_t *v)
{
	if (kw_buf_left(b) < 4)
		return KW_E_PARSE;
	const uint8_t *q = b->p + b->off;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	b->off += 4;
	return 0;
}

int kw_buf_get_bytes(kw_buf *b, size_t n, kw_buf *out)
{
	if (kw_buf_left(b) < n)
		return KW_E_PARSE;
	*out = kw_buf_view(b->p + b->off, n);
	b->off += n;
	return 0;
}

int kw_buf_get_string(kw_buf *b, kw_buf *out)
{
	size_t save = b->off;
	uint32_t n;
	int r = kw_buf_get_u32(b, &n);
	if (r < 0)
		return r;
	r = kw_buf_get_bytes(b, n, out);
	if (r < 0)
		b->off = save;
	return r;
}

int kw_buf_skip(kw_buf *b, size_t n)
{
	if (kw_buf_left(b) < n)
		return KW_E_PARSE;
	b->off += n;
	return 0;
}

bool kw_buf_field(kw_buf *b, uint8_t sep, kw_buf *field)
{
	if (b->off > b->len)
		return false;
	if (b->off == b->len) {
		/* an empty trailing field is returned once, then we are exhausted */
		*field = kw_buf_view(b->p + b->off, 0);
		b->off = b->len + 1;
		return true;
	}
	const uint8_t *start = b->p + b->off;
	size_t left = b->len - b->off;
	const uint8_t *s = memchr(start, sep, left);
	if (!s) {
		*field = kw_buf_view(start, left);
		b->off = b->len + 1;
		return true;
	}
	*field = kw_buf_view(start, (size_t)(s - start));
	b->off += (size_t)(s - start) + 1;
	return true;
}

void kw_buf_skip_blanks(kw_buf *b)
{
	while (b->off < b->len && (b->p[b->off] == ' ' || b->p[b->off] == '\t'))
		b->off++;
}

kw_buf kw_buf_trim(kw_buf v)
{
	size_t n = kw_buf_left(&v);
	const uint8_t *p = n ? v.p + v.off : v.p;
	while (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) { p++; n--; }
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n')) n--;
	return kw_buf_view(p, n);
}

bool kw_buf_token(kw_buf *b, kw_buf *tok)
{
	kw_buf_skip_blanks(b);
	if (b->off >= b->len)
		return false;
	size_t start = b->off;
	while (b->off < b->len && b->p[b->off] != ' ' && b->p[b->off] != '\t')
		b->off++;
	*tok = kw_buf_view(b->p + start, b->off - start);
	return true;
}

bool kw_buf_has_nul(const kw_buf *b)
{
	return kw_buf_left(b) && memchr(b->p + b->off, 0, b->len - b->off) != NULL;
}

bool kw_buf_starts_with(const kw_buf *b, const char *prefix)
{
	size_t n = strlen(prefix);
	return kw_buf_left(b) >= n && memcmp(b->p + b->off, prefix, n) == 0;
}

int kw_buf_get_mpint(kw_buf *b, kw_buf *mag)
{
	kw_buf v;
	if (kw_buf_get_string(b, &v) < 0)
		return KW_E_PARSE;
	const uint8_t *p = kw_buf_cur(&v);
	size_t n = kw_buf_left(&v), max = KW_MPINT_MAX_BITS / 8;
	if (n && (p[0] & 0x80))
		return KW_E_PARSE; /* negative */
	if (n > max + 1 || (n == max + 1 && p[0]))
		return KW_E_TOOBIG;
	while (n && !p[0]) {
		p++;
		n--;
	}
	*mag = kw_buf_view(p, n);
	return 0;
}

unsigned kw_mpint_bits(kw_buf mag)
{
	size_t n = kw_buf_left(&mag);
	if (!n)
		return 0;
	unsigned top = kw_buf_cur(&mag)[0], b = 0;
	while (top) {
		b++;
		top >>= 1;
	}
	return (unsigned)((n - 1) * 8) + b;
}

int kw_buf_to_size(const kw_buf *b, uint64_t *out)
{
	kw_buf v = kw_buf_view(kw_buf_cur(b), kw_buf_left(b));
	size_t n = kw_buf_left(&v);
	const uint8_t *p = kw_buf_cur(&v);
	if (n && (p[n - 1] == 'B' || p[n - 1] == 'b'))
		n--;
	if (n >= 2 && p[n - 1] == 'i' && strchr("kKmMgG", p[n - 2]))
		n--;
	unsigned shift = 0;
	if (n) {
		switch (p[n - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: break;
		}
	}
	if (shift)
		n--;
	if (n == 0)
		return KW_E_PARSE;
	v = kw_buf_view(p, n);
	uint64_t x;
	int r = kw_buf_to_u64(&v, UINT64_MAX >> shift, &x);
	if (r < 0)
		return r;
	*out = x << shift;
	return 0;
}

int kw_buf_to_u64(const kw_buf *b, uint64_t max, uint64_t *out)
{
	size_t n = kw_buf_left(b);
	const uint8_t *p = kw_buf_cur(b);
	if (n == 0 || n > 20)
		return KW_E_PARSE;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return KW_E_PARSE;
		uint64_t d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return KW_E_PARSE;
		v = v * 10 + d;
	}
	if (v > max)
		return KW_E_PARSE;
	*out = v;
	return 0;
}

char *kw_buf_strdup(const kw_buf *v)
{
	size_t n = kw_buf_left(v);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, kw_buf_cur(v), n);
	s[n] = '\0';
	return s;
}

/* ---- string builder ---- */

static char kw_sb_empty[1];

void kw_sb_init(kw_sb *sb)
{
	*sb = (kw_sb){ .s = kw_sb_empty };
}

void kw_sb_release(kw_sb *sb)
{
	if (sb->cap)
		free(sb->s);
	kw_sb_init(sb);
}

void kw_sb_clear(kw_sb *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->s[0] = '\0';
	sb->overflow = false;
}

char *kw_sb_detach(kw_sb *sb)
{
	char *s = sb->cap ? sb->s : strdup("");
	kw_sb_init(sb);
	return s;
}

static int kw_sb_grow(kw_sb *sb, size_t extra)
{
	if (extra > KW_SB_MAX || sb->len + extra > KW_SB_MAX) {
		sb->overflow = true;
		return KW_E_TOOBIG;
	}
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > KW_SB_MAX + 1) /* the inline puts check only the capacity */
		cap = KW_SB_MAX + 1;
	char *n = sb->cap ? realloc(sb->s, cap) : malloc(cap);
	if (!n)
		return -ENOMEM;
	if (!sb->cap)
		n[0] = '\0';
	sb->s = n;
	sb->cap = cap;
	return 0;
}

char *kw_sb_reserve_slow(kw_sb *sb, size_t n)
{
	return kw_sb_grow(sb, n) < 0 ? NULL : sb->s + sb->len;
}

int kw_sb_put_slow(kw_sb *sb, const void *p, size_t n)
{
	int r = kw_sb_grow(sb, n);
	if (r < 0)
		return r;
	if (n)
		memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int kw_sb_puts(kw_sb *sb, const char *s)
{
	return kw_sb_put(sb, s, strlen(s));
}

int kw_sb_vprintf(kw_sb *sb, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return KW_E_PARSE;
	}
	int r = kw_sb_grow(sb, (size_t)n);
	if (r == 0) {
		vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, again);
		sb->len += (size_t)n;
	}
	va_end(again);
	return r;
}

int kw_sb_printf(kw_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kw_sb_vprintf(sb, fmt, ap);
	va_end(ap);
	return r;
}

/* Two digits at a time from a table of "00" .. "99", from the end once the length is
 * known (kw_u64_dec in buf.h takes values under 10^8 itself). */
size_t kw_u64_dec_slow(uint64_t v, char out[KW_U64_DEC_MAX])
{
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	static const uint64_t p10[KW_U64_DEC_MAX] = {
		1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
		1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
		100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
		1000000000000000000u, 10000000000000000000u,
	};
	/* floor(log10(v)) from the bit length (1233 / 4096 ~ log10(2)), corrected once */
	uint64_t w = v | 1; /* as many digits as v (10^k is even), and never 0 */
	unsigned bits = 64u - (unsigned)__builtin_clzll(w);
	size_t t = (bits * 1233u) >> 12;
	size_t n = t + 1 - (w < p10[t]);
	char *q = out + n;
	while (v >= 100) {
		size_t r = (size_t)(v % 100);
		v /= 100;
		q -= 2;
		memcpy(q, pairs + 2 * r, 2);
	}
	if (v >= 10)
		memcpy(q - 2, pairs + 2 * v, 2);
	else
		q[-1] = (char)('0' + v);
	return n;
}

int kw_sb_put_u64(kw_sb *sb, uint64_t v)
{
	char d[KW_U64_DEC_MAX];
	return kw_sb_put(sb, d, kw_u64_dec(v, d));
}

void kw_hex_lower(const void *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int kw_hex_digit(int c, bool upper_ok)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper_ok && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kw_hex_decode(const char *s, size_t n, bool upper_ok, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = kw_hex_digit((unsigned char)s[2 * i], upper_ok);
		int lo = kw_hex_digit((unsigned char)s[2 * i + 1], upper_ok);
		if (hi < 0 || lo < 0)
			return KW_E_PARSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool kw_is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
