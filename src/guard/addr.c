/* addr.c — see addr.h. */
#include "guard/addr.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Dotted quad as inet_pton reads it: four parts of 1-3 digits, each <= 255, no leading
 * zero (inet_aton would read "010" as octal). The log parser's hot path: the text (7 to
 * 15 bytes) is copied into a zeroed buffer with two overlapping word copies, so each part
 * reads up to four bytes ahead without a bound check (the NUL after the text ends a part
 * like any non-digit, and the buffer is long enough for the last look-ahead). */
static int parse_v4(const char *p, size_t n, uint8_t out[4])
{
	if (n < 7 || n > 15)
		return KW_E_PARSE;
	uint8_t b[20] = { 0 };
	if (n >= 8) {
		memcpy(b, p, 8);
		memcpy(b + n - 8, p + n - 8, 8);
	} else {
		memcpy(b, p, 4);
		memcpy(b + n - 4, p + n - 4, 4);
	}
	const uint8_t *s = b;
	for (int part = 0; part < 4; part++) {
		unsigned d0 = (unsigned)s[0] - '0', d1 = (unsigned)s[1] - '0', v;
		if (d0 > 9)
			return KW_E_PARSE;
		if (d1 > 9) {
			v = d0;
			s += 1;
		} else {
			unsigned d2 = (unsigned)s[2] - '0';
			if (d0 == 0)
				return KW_E_PARSE;
			if (d2 > 9) {
				v = d0 * 10 + d1;
				s += 2;
			} else {
				v = d0 * 100 + d1 * 10 + d2;
				if (v > 255 || (unsigned)s[3] - '0' <= 9)
					return KW_E_PARSE;
				s += 3;
			}
		}
		out[part] = (uint8_t)v;
		if (part < 3 && *s++ != '.')
			return KW_E_PARSE;
	}
	return s == b + n ? 0 : KW_E_PARSE;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int kw_addr_parse(const char *p, size_t n, kw_addr *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0 || n > 64)
		return KW_E_PARSE;
	/* IPv4 first, by hand (the log parser's hot path); it accepts only digits and dots */
	uint8_t b4[4];
	if (parse_v4(p, n, b4) == 0) {
		out->fam = 4;
		memcpy(out->b, b4, 4);
		return 0;
	}
	if (memchr(p, ':', n) == NULL || memchr(p, '\0', n))
		return KW_E_PARSE; /* a NUL would end inet_pton's text early: "::1\0junk" */
	char tmp[65];
	const char *zone = memchr(p, '%', n);
	if (zone) {
		if (zone + 1 == p + n)
			return KW_E_PARSE; /* an empty zone */
		n = (size_t)(zone - p);
	}
	if (n == 0)
		return KW_E_PARSE;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	uint8_t b[16];
	if (inet_pton(AF_INET6, tmp, b) != 1)
		return KW_E_PARSE;
	if (!memcmp(b, v4mapped, 12)) {
		out->fam = 4;
		memcpy(out->b, b + 12, 4);
		return 0;
	}
	out->fam = 6;
	memcpy(out->b, b, 16);
	return 0;
}

/* Each part's digits followed by a dot, and their count, made by the compiler: format4
 * copies all four bytes of an entry and keeps count + 1. */
#define OCT_LEN(v) ((v) >= 100 ? 3 : (v) >= 10 ? 2 : 1)
#define OCT_DIG(v, i) /* character i of "DDD." / "DD." / "D." */ \
	(char)((i) < OCT_LEN(v) ? '0' + (v) / ((i) == OCT_LEN(v) - 1 ? 1 : (i) == OCT_LEN(v) - 2 ? 10 : 100) % 10 \
				: (i) == OCT_LEN(v) ? '.' : 0)
#define OCT(v) { { OCT_DIG(v, 0), OCT_DIG(v, 1), OCT_DIG(v, 2), OCT_DIG(v, 3) }, OCT_LEN(v) }
#define OCT4(v) OCT(v), OCT((v) + 1), OCT((v) + 2), OCT((v) + 3)
#define OCT16(v) OCT4(v), OCT4((v) + 4), OCT4((v) + 8), OCT4((v) + 12)
#define OCT64(v) OCT16(v), OCT16((v) + 16), OCT16((v) + 32), OCT16((v) + 48)
static const struct {
	char s[4];
	uint8_t n;
} octets[256] = { OCT64(0), OCT64(64), OCT64(128), OCT64(192) };

/* Writes at most 16 bytes at out: part i starts at most 4 * i bytes in, and the last
 * dot becomes the NUL. */
static size_t format4(const uint8_t b[4], char *out)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		memcpy(out + n, octets[b[i]].s, 4);
		n += octets[b[i]].n + 1u;
	}
	out[--n] = '\0';
	return n;
}

/* Exactly as glibc's inet_ntop prints it (test_guard_addr compares): the longest run of
 * two or more zero groups (the first of equals) as "::", groups in lower-case hex without
 * leading zeros, and the last 32 bits as a dotted quad after ::ffff: or after six zero
 * groups. By hand: inet_ntop formats each group with sprintf. */
static size_t format6(const uint8_t b[16], char *out)
{
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	for (int i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
		} else if (cur >= 0) {
			if (best < 0 || cur_len > best_len)
				best = cur, best_len = cur_len;
			cur = -1;
		}
	}
	if (cur >= 0 && (best < 0 || cur_len > best_len))
		best = cur, best_len = cur_len;
	if (best >= 0 && best_len < 2)
		best = -1;
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				out[n++] = ':';
			continue;
		}
		if (i)
			out[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return n + format4(b + 12, out + n);
		bool lead = true;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (w[i] >> sh) & 15;
			if (d || !lead || sh == 0) {
				out[n++] = hex[d];
				lead = false;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		out[n++] = ':';
	out[n] = '\0';
	return n;
}

size_t kw_addr_format(const kw_addr *a, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (a->fam == 4) {
		if (cap < 16)
			return 0;
		return format4(a->b, out); /* by hand: replay and parse print addresses on their hot path */
	}
	if (a->fam == 6 && cap >= KW_ADDR_STRLEN)
		return format6(a->b, out);
	return 0;
}


bool kw_addr_is_loopback(const kw_addr *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	if (a->fam == 4)
		return a->b[0] == 127;
	return a->fam == 6 && !memcmp(a->b, lo6, 16);
}

static unsigned max_bits(const kw_addr *a) { return a->fam == 4 ? 32u : 128u; }

static void clear_host_bits(kw_addr *a, unsigned bits)
{
	unsigned total = max_bits(a) / 8;
	for (unsigned i = 0; i < total; i++) {
		unsigned lo = i * 8;
		if (bits >= lo + 8)
			continue;
		if (bits <= lo)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xff << (8 - (bits - lo)));
	}
}

kw_cidr kw_cidr_of(const kw_addr *a, unsigned bits)
{
	kw_cidr c = { .a = *a };
	if (bits > max_bits(a))
		bits = max_bits(a);
	c.bits = (uint8_t)bits;
	clear_host_bits(&c.a, bits);
	return c;
}

kw_cidr kw_cidr_host(const kw_addr *a) { return kw_cidr_of(a, max_bits(a)); }

bool kw_cidr_is_host(const kw_cidr *c) { return c->bits == max_bits(&c->a); }

int kw_cidr_parse(const char *p, size_t n, kw_cidr *out)
{
	memset(out, 0, sizeof *out);
	const char *slash = memchr(p, '/', n);
	size_t alen = slash ? (size_t)(slash - p) : n;
	kw_addr a;
	if (kw_addr_parse(p, alen, &a) < 0)
		return KW_E_PARSE;
	unsigned bits = max_bits(&a);
	if (slash) {
		const char *q = slash + 1;
		size_t qn = n - alen - 1;
		if (qn == 0 || qn > 3)
			return KW_E_PARSE;
		unsigned v = 0;
		for (size_t i = 0; i < qn; i++) {
			if (q[i] < '0' || q[i] > '9')
				return KW_E_PARSE;
			v = v * 10 + (unsigned)(q[i] - '0');
		}
		/* a mapped ::ffff:a.b.c.d/n counts its prefix in IPv6 bits */
		bool mapped = a.fam == 4 && memchr(p, ':', alen);
		if (mapped) {
			if (v < 96 || v > 128)
				return KW_E_PARSE;
			v -= 96;
		}
		if (v > bits)
			return KW_E_PARSE;
		bits = v;
	}
	*out = kw_cidr_of(&a, bits);
	return 0;
}

size_t kw_cidr_format(const kw_cidr *c, char *out, size_t cap)
{
	size_t n = kw_addr_format(&c->a, out, cap);
	if (kw_cidr_is_host(c) || n == 0)
		return n;
	int r = snprintf(out + n, cap - n, "/%u", c->bits);
	return r < 0 || (size_t)r >= cap - n ? n : n + (size_t)r;
}

bool kw_cidr_contains(const kw_cidr *c, const kw_addr *a)
{
	if (c->a.fam != a->fam)
		return false;
	if (a->fam == 4) {
		uint32_t x, y;
		memcpy(&x, a->b, 4);
		memcpy(&y, c->a.b, 4);
		uint32_t m = c->bits ? htonl(UINT32_MAX << (32 - c->bits)) : 0;
		return ((x ^ y) & m) == 0;
	}
	/* whole bytes of the prefix, then the bits of a partial byte (host bits of c are 0) */
	unsigned whole = c->bits / 8, rest = c->bits % 8;
	if (memcmp(a->b, c->a.b, whole) != 0)
		return false;
	return rest == 0 || (uint8_t)(a->b[whole] & (0xff << (8 - rest))) == c->a.b[whole];
}
