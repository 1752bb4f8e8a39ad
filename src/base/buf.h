/* buf.h — bounded byte views for parsers, and a growable string builder.
 *
 * kw_buf is the one way a parser looks at hostile bytes: a read-only view {p, len, off}
 * over memory it does not own. Every get checks the bound before it reads and returns
 * 0 or a negative KW_E_* code; on error nothing is consumed. Child views (kw_buf_line,
 * kw_buf_get_string) point into the parent's memory and live as long as it does.
 *
 * kw_sb is an owned, always NUL-terminated, growable string with a hard cap
 * (KW_SB_MAX). Invariants: s is never NULL after kw_sb_init; s[len] == '\0'.
 * Release with kw_sb_release(); take the string out with kw_sb_detach().
 */
#ifndef KW_BASE_BUF_H
#define KW_BASE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct kw_buf {
	const uint8_t *p;
	size_t len;
	size_t off;
} kw_buf;

static inline kw_buf kw_buf_view(const void *p, size_t len)
{
	return (kw_buf){ .p = (const uint8_t *)p, .len = len, .off = 0 };
}
static inline size_t kw_buf_left(const kw_buf *b) { return b->off < b->len ? b->len - b->off : 0; }
static inline const uint8_t *kw_buf_cur(const kw_buf *b) { return b->p + b->off; }
static inline bool kw_buf_eq(const kw_buf *b, const char *s);

/* Next line (without '\n' or trailing '\r'); false at end of input. Lines longer than
 * max are returned truncated with *truncated set (the rest of the line is skipped). */
bool kw_buf_line(kw_buf *b, kw_buf *line, size_t max, bool *truncated);

/* SSH wire types (RFC 4251): uint32 big-endian; string = uint32 length + bytes. */
int kw_buf_get_u8(kw_buf *b, uint8_t *v);
int kw_buf_get_u32(kw_buf *b, uint32_t *v);
int kw_buf_get_string(kw_buf *b, kw_buf *out);
int kw_buf_get_bytes(kw_buf *b, size_t n, kw_buf *out);
/* An mpint (RFC 4251 §5) as OpenSSH reads one: not negative, at most KW_MPINT_MAX_BITS
 * (a 0x00 sign byte may precede a full-size value). *mag is the magnitude without leading
 * zeros (a view). 0, KW_E_PARSE (no string, negative) or KW_E_TOOBIG. */
#define KW_MPINT_MAX_BITS 16384
int kw_buf_get_mpint(kw_buf *b, kw_buf *mag);
/* bits of a magnitude without leading zeros (0 for an empty one) */
unsigned kw_mpint_bits(kw_buf mag);
int kw_buf_skip(kw_buf *b, size_t n);

/* Split: next field up to (not including) sep; consumes the separator. Returns false when
 * the buffer is exhausted (an empty trailing field after a final separator is returned). */
bool kw_buf_field(kw_buf *b, uint8_t sep, kw_buf *field);
/* Skip/strip ASCII blanks (space, tab). */
void kw_buf_skip_blanks(kw_buf *b);
kw_buf kw_buf_trim(kw_buf v);
/* Next whitespace-separated token. */
bool kw_buf_token(kw_buf *b, kw_buf *tok);
/* Does the remaining view contain a NUL byte? */
bool kw_buf_has_nul(const kw_buf *b);
bool kw_buf_starts_with(const kw_buf *b, const char *prefix);

static inline bool kw_buf_eq(const kw_buf *b, const char *s)
{
	size_t n = 0;
	while (s[n]) n++;
	if (kw_buf_left(b) != n) return false;
	for (size_t i = 0; i < n; i++)
		if (b->p[b->off + i] != (uint8_t)s[i]) return false;
	return true;
}

/* Are a[0..n) and b[0..n) the same bytes? For the short compares parsers make on every
 * line (prefixes, cached stamps): inline, a word at a time, the last word overlapping the
 * one before; never a byte outside either range. */
static inline bool kw_mem_eq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	if (n >= 8) {
		uint64_t u, v;
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&u, x + i, 8);
			memcpy(&v, y + i, 8);
			if (u != v)
				return false;
		}
		memcpy(&u, x + n - 8, 8);
		memcpy(&v, y + n - 8, 8);
		return u == v;
	}
	if (n >= 4) {
		uint32_t u0, v0, u1, v1;
		memcpy(&u0, x, 4);
		memcpy(&v0, y, 4);
		memcpy(&u1, x + n - 4, 4);
		memcpy(&v1, y + n - 4, 4);
		return ((u0 ^ v0) | (u1 ^ v1)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* Parse an unsigned decimal (no sign, no spaces) in [0, max]. */
int kw_buf_to_u64(const kw_buf *b, uint64_t max, uint64_t *out);
/* A size: "123", "16M", "2G", "64KiB", "1GB": decimal with an optional K, M or G (powers
 * of 1024, any case), optionally followed by "iB" or "B". 0 or KW_E_PARSE. */
int kw_buf_to_size(const kw_buf *b, uint64_t *out);

/* ---- string builder ---- */

#define KW_SB_MAX ((size_t)64 << 20)

typedef struct kw_sb {
	char *s;
	size_t len;
	size_t cap;
	bool overflow; /* a put was refused because KW_SB_MAX was reached */
} kw_sb;

void kw_sb_init(kw_sb *sb);
void kw_sb_release(kw_sb *sb);        /* free; sb is re-initialised empty */
void kw_sb_clear(kw_sb *sb);          /* length 0, keep memory */
char *kw_sb_detach(kw_sb *sb);        /* caller owns the result; sb is empty again */
/* Out of line: grow, then append (the inline forms below call it when full). */
int kw_sb_put_slow(kw_sb *sb, const void *p, size_t n);
/* Append n bytes / one char. Inline: renderers call these for every token. */
static inline int kw_sb_put(kw_sb *sb, const void *p, size_t n)
{
	if (n < sb->cap - sb->len) { /* room for the bytes and the NUL */
		if (n)
			memcpy(sb->s + sb->len, p, n);
		sb->len += n;
		sb->s[sb->len] = '\0';
		return 0;
	}
	return kw_sb_put_slow(sb, p, n);
}
static inline int kw_sb_putc(kw_sb *sb, char c)
{
	if (sb->cap - sb->len > 1) {
		sb->s[sb->len++] = c;
		sb->s[sb->len] = '\0';
		return 0;
	}
	return kw_sb_put_slow(sb, &c, 1);
}
/* Room for n more bytes at the end, for renderers that write a whole record with one
 * bounds check: where to write them, or NULL (KW_SB_MAX reached: overflow set; or out of
 * memory). Write at most n bytes there (the builder's NUL may be overwritten), then call
 * kw_sb_commit with the end of what was written, before any other call on sb. */
char *kw_sb_reserve_slow(kw_sb *sb, size_t n);
static inline char *kw_sb_reserve(kw_sb *sb, size_t n)
{
	if (n < sb->cap - sb->len)
		return sb->s + sb->len;
	return kw_sb_reserve_slow(sb, n);
}
static inline void kw_sb_commit(kw_sb *sb, char *end)
{
	sb->len = (size_t)(end - sb->s);
	*end = '\0';
}
int kw_sb_puts(kw_sb *sb, const char *s);
int kw_sb_printf(kw_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kw_sb_vprintf(kw_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int kw_sb_put_u64(kw_sb *sb, uint64_t v); /* decimal, without printf (hot paths) */
/* p[0..n) as lowercase hexadecimal into out (2n characters and a NUL). */
void kw_hex_lower(const void *p, size_t n, char *out);
/* The value of one hexadecimal digit (0-9, a-f, and A-F when upper_ok), or -1. */
int kw_hex_digit(int c, bool upper_ok);
/* 2n hexadecimal digits s[0..2n) into out[0..n): 0, or KW_E_PARSE at the first character
 * that is not a digit (out is then partly written). */
int kw_hex_decode(const char *s, size_t n, bool upper_ok, uint8_t *out);
/* Is s[0..n) lowercase hexadecimal digits only? */
bool kw_is_hex_lower(const char *s, size_t n);
#define KW_U64_DEC_MAX 20
/* v in decimal into out (no NUL), without printf: its length. All of out may be
 * written: the bytes after the digits are scratch. Inline: renderers print a few numbers
 * for every record.
 * Under 10^8 on a little-endian machine, the eight digits at once: the halves' four
 * digits side by side in the two 32-bit lanes of a word, each split into hundreds and then
 * tens with multiply-shift divisions (exact below 10000 and 100), the most significant
 * digit in the lowest byte; leading zeros are shifted out and one 8-byte store writes the
 * digits. */
size_t kw_u64_dec_slow(uint64_t v, char out[KW_U64_DEC_MAX]);
static inline size_t kw_u64_dec(uint64_t v, char out[KW_U64_DEC_MAX])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v < 100000000u) {
		uint64_t x = v / 10000 | (v % 10000) << 32;
		uint64_t q = ((x * 10486) >> 20) & 0x0000007f0000007full;
		x = (x - q * 100) << 16 | q;
		q = ((x * 103) >> 10) & 0x000f000f000f000full;
		x = (x - q * 10) << 8 | q;
		size_t lead = x ? (size_t)__builtin_ctzll(x) / 8 : 7;
		x = (x | 0x3030303030303030ull) >> (8 * lead);
		memcpy(out, &x, 8);
		return 8 - lead;
	}
#endif
	return kw_u64_dec_slow(v, out);
}

/* Copy a view out as a new NUL-terminated string (caller frees). NULL on ENOMEM. */
char *kw_buf_strdup(const kw_buf *v);

#endif
