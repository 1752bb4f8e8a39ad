/* moduli.c — /etc/ssh/moduli parsing as OpenSSH 9.2's sshd does it, group counts, the
 * fixed-group fallback, and BN verification of each group (see moduli.h).
 *
 * Owned by the "moduli" helper. Pure code over bytes: no I/O, no printing.
 *
 * The parser works on read-only views of the input and reproduces sshd's C-string
 * behaviour without copying a line: a line is the bytes up to '\n' (kept, as getline()
 * keeps it) cut at the first NUL. The first field goes through an emulation of sshd's
 * strdelim() (whitespace, one '=', a quoted token); TYPE..GENERATOR through strsep(" ");
 * the modulus is the rest of the line and must not contain another space. Numbers follow
 * strtonum() (strtoll base 10, whole field, range), hex follows BN_hex2bn() (optional '-',
 * the longest run of hex digits, at least one). The bit size is counted from the digits,
 * so parsing never builds a bignum; verification does, with libcrypto.
 */
#include "sshd/moduli.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#define NPOS SIZE_MAX

/* ---- line scanning (sshd's C-string view of a line) ---- */

typedef struct line_view {
	const uint8_t *s;
	size_t n; /* bytes before the first NUL; includes the '\n' if it comes first */
} line_view;

static bool is_ws(uint8_t c) /* misc.h WHITESPACE */
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_cspace(uint8_t c) /* isspace() in the C locale, as strtoll skips */
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static size_t skip_ws(const line_view *l, size_t i)
{
	while (i < l->n && is_ws(l->s[i]))
		i++;
	return i;
}

/* sshd's strdelim() (split_equals on) from *pos. Returns false where it returns NULL.
 * *first is the first byte of the token as sshd sees it (0 for an empty token). */
static bool strdelim_view(const line_view *l, size_t *pos, uint8_t *first)
{
	if (*pos == NPOS)
		return false;
	size_t start = *pos, q = start;
	while (q < l->n && !is_ws(l->s[q]) && l->s[q] != '"' && l->s[q] != '=')
		q++;
	if (q == l->n) {
		*first = start < l->n ? l->s[start] : 0;
		*pos = NPOS;
		return true;
	}
	if (l->s[q] == '"') {
		size_t c = q + 1;
		while (c < l->n && l->s[c] != '"')
			c++;
		if (c == l->n) {
			*pos = NPOS; /* no matching quote */
			return false;
		}
		*first = q > start ? l->s[start] : (c > q + 1 ? l->s[q + 1] : 0);
		*pos = skip_ws(l, c + 1);
		return true;
	}
	*first = q > start ? l->s[start] : 0;
	bool equals = l->s[q] == '=';
	size_t p = skip_ws(l, q + 1);
	if (!equals && p < l->n && l->s[p] == '=')
		p = skip_ws(l, p + 1);
	*pos = p;
	return true;
}

typedef struct field {
	const uint8_t *p;
	size_t n;
} field;

/* strsep(&cp, " "): the field up to the next space; *pos becomes NPOS when none. */
static field strsep_view(const line_view *l, size_t *pos)
{
	size_t start = *pos, e = start;
	while (e < l->n && l->s[e] != ' ')
		e++;
	*pos = e < l->n ? e + 1 : NPOS;
	return (field){ l->s + start, e - start };
}

/* strtonum(f, lo, hi): strtoll base 10 over the whole field, then the range. */
static bool strtonum_field(field f, long long lo, long long hi, long long *out)
{
	size_t i = 0;
	bool neg = false;
	while (i < f.n && is_cspace(f.p[i]))
		i++;
	if (i < f.n && (f.p[i] == '+' || f.p[i] == '-'))
		neg = f.p[i++] == '-';
	size_t digits = 0;
	unsigned long long v = 0;
	bool overflow = false;
	for (; i < f.n && f.p[i] >= '0' && f.p[i] <= '9'; i++, digits++) {
		if (v > (ULLONG_MAX - 9) / 10)
			overflow = true;
		else
			v = v * 10 + (unsigned)(f.p[i] - '0');
	}
	if (digits == 0 || i != f.n || overflow)
		return false; /* invalid, or out of any range we use */
	if (v > (unsigned long long)LLONG_MAX)
		return false;
	long long x = neg ? -(long long)v : (long long)v;
	if (x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static int hexval(uint8_t c) { return kw_hex_digit(c, true); }

typedef struct hexnum {
	bool neg;
	const uint8_t *sig; /* first significant digit (after leading zeros) */
	size_t nsig;        /* significant digits */
	uint64_t bits;
} hexnum;

/* BN_hex2bn(): optional '-', then the leading hex digits (at least one). */
static bool hex_field(field f, hexnum *h)
{
	size_t i = 0;
	*h = (hexnum){ 0 };
	if (f.n > 0 && f.p[0] == '-') {
		h->neg = true;
		i = 1;
	}
	size_t start = i;
	while (i < f.n && hexval(f.p[i]) >= 0)
		i++;
	if (i == start)
		return false;
	size_t z = start;
	while (z < i && f.p[z] == '0')
		z++;
	h->sig = f.p + z;
	h->nsig = i - z;
	if (h->nsig > 0) {
		unsigned top = (unsigned)hexval(h->sig[0]), tb = 0;
		while (top) {
			tb++;
			top >>= 1;
		}
		h->bits = (uint64_t)(h->nsig - 1) * 4 + tb;
	}
	if (h->nsig == 0)
		h->neg = false; /* -0 is 0 */
	return true;
}

/* ---- parser ---- */

typedef enum line_verdict {
	LINE_QUIET = 0, /* comment, blank, unmatched quote: sshd skips without a word */
	LINE_OK,
	LINE_TRUNCATED,
	LINE_TYPE,
	LINE_TESTS,
	LINE_TRIES,
	LINE_SIZE,
	LINE_GEN_HEX,
	LINE_PRIME_HEX,
	LINE_WRONG_SIZE,
	LINE_GEN_INVALID,
} line_verdict;

static const char *const verdict_msg[] = {
	[LINE_TRUNCATED] = "truncated (too few fields, or a field not separated by one space)",
	[LINE_TYPE] = "type is not 2 (safe prime)",
	[LINE_TESTS] = "invalid tests flag (composite, untested or not a number in 0..31)",
	[LINE_TRIES] = "invalid primality trial count (not a number in 1..1073741824)",
	[LINE_SIZE] = "invalid prime length (not a number in 1..65536)",
	[LINE_GEN_HEX] = "could not parse generator value (not hex)",
	[LINE_PRIME_HEX] = "could not parse prime value (not hex)",
	[LINE_WRONG_SIZE] = "prime has wrong size",
	[LINE_GEN_INVALID] = "generator is invalid (not greater than 1)",
};

typedef struct parsed {
	kw_modulus m;
	hexnum p;
	uint64_t actual_bits;
} parsed;

static line_verdict parse_line(const line_view *l, parsed *out)
{
	size_t pos = 0;
	uint8_t first = 0;
	long long v;

	/* time: sshd_config-style token; a leading blank yields one empty token first */
	if (!strdelim_view(l, &pos, &first))
		return LINE_QUIET;
	if (first == 0 && !strdelim_view(l, &pos, &first))
		return LINE_QUIET;
	if (first == 0 || first == '#')
		return LINE_QUIET;
	if (pos == NPOS)
		return LINE_TRUNCATED;

	field f = strsep_view(l, &pos); /* type */
	if (pos == NPOS || f.n == 0)
		return LINE_TRUNCATED;
	if (!strtonum_field(f, 0, 5, &v) || v != 2)
		return LINE_TYPE;

	f = strsep_view(l, &pos); /* tests */
	if (pos == NPOS || f.n == 0)
		return LINE_TRUNCATED;
	if (!strtonum_field(f, 0, 0x1f, &v) || (v & 1) || !(v & ~1LL))
		return LINE_TESTS;
	out->m.tests = (uint32_t)v;

	f = strsep_view(l, &pos); /* tries */
	if (pos == NPOS || f.n == 0)
		return LINE_TRUNCATED;
	if (!strtonum_field(f, 0, 1 << 30, &v) || v == 0)
		return LINE_TRIES;
	out->m.tries = (uint32_t)v;

	f = strsep_view(l, &pos); /* size */
	if (pos == NPOS || f.n == 0 || !strtonum_field(f, 0, KW_MODULI_MAX_SIZE, &v) || v == 0)
		return LINE_SIZE;
	out->m.size = (uint32_t)v;

	field gen = strsep_view(l, &pos);
	if (pos == NPOS || gen.n == 0)
		return LINE_TRUNCATED;
	field prime = strsep_view(l, &pos);
	if (pos != NPOS || prime.n == 0)
		return LINE_TRUNCATED;

	hexnum g;
	if (!hex_field(gen, &g))
		return LINE_GEN_HEX;
	if (!hex_field(prime, &out->p))
		return LINE_PRIME_HEX;
	out->actual_bits = out->p.bits;
	if (out->p.bits != (uint64_t)out->m.size + 1)
		return LINE_WRONG_SIZE;
	if (g.neg || g.bits <= 1) /* g <= 1 */
		return LINE_GEN_INVALID;

	out->m.bits = (uint32_t)out->p.bits;
	out->m.negative = out->p.neg;
	if (g.nsig > 8) {
		out->m.generator_big = true;
		out->m.generator = UINT_MAX;
	} else {
		unsigned gv = 0;
		for (size_t i = 0; i < g.nsig; i++)
			gv = gv << 4 | (unsigned)hexval(g.sig[i]);
		out->m.generator = gv;
	}
	return LINE_OK;
}

void kw_moduli_release(kw_moduli *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].hex);
	free(m->v);
	*m = (kw_moduli){ 0 };
}

int kw_moduli_parse(const char *file, const uint8_t *data, size_t len, kw_moduli *ret,
		    kw_diags *d)
{
	if (!data)
		len = 0;
	if (len > KW_MODULI_MAX_INPUT)
		return KW_E_TOOBIG;

	kw_moduli m = { 0 };
	size_t cap = 0, off = 0;
	int r = 0;

	while (off < len) {
		const uint8_t *s = data + off;
		const uint8_t *nl = memchr(s, '\n', len - off);
		size_t raw = nl ? (size_t)(nl - s) + 1 : len - off;
		off += raw;
		if (m.lines == UINT_MAX) {
			r = KW_E_TOOBIG;
			goto fail;
		}
		m.lines++;

		const uint8_t *nul = memchr(s, '\0', raw);
		line_view l = { s, nul ? (size_t)(nul - s) : raw };
		parsed p = { .m = { .line = m.lines } };
		line_verdict v = parse_line(&l, &p);
		if (v == LINE_QUIET)
			continue;
		if (v != LINE_OK) {
			m.rejected++;
			if (d) {
				if (v == LINE_WRONG_SIZE)
					r = kw_diags_add(d, file, m.lines, KW_E_PARSE,
							 "%s: %llu bits, SIZE says %u (+1); sshd skips it",
							 verdict_msg[v], (unsigned long long)p.actual_bits,
							 p.m.size);
				else
					r = kw_diags_add(d, file, m.lines, KW_E_PARSE,
							 "%s; sshd skips it", verdict_msg[v]);
				if (r < 0)
					goto fail;
			}
			continue;
		}
		if ((r = KW_VEC_RESERVE(m.v, m.n, cap)) < 0)
			goto fail;
		p.m.hex = malloc(p.p.nsig + 1);
		if (!p.m.hex) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(p.m.hex, p.p.sig, p.p.nsig);
		p.m.hex[p.p.nsig] = '\0';
		m.v[m.n++] = p.m;
	}
	*ret = m;
	return 0;
fail:
	kw_moduli_release(&m);
	return r;
}

/* ---- counts, filter, fallback ---- */

int kw_moduli_summarize(const kw_moduli *m, kw_moduli_summary *ret)
{
	kw_moduli_summary s = { 0 };
	size_t cap = 0;
	for (size_t i = 0; i < m->n; i++) {
		uint32_t size = m->v[i].size;
		size_t j = 0;
		while (j < s.n && s.v[j].size < size)
			j++;
		if (j < s.n && s.v[j].size == size) {
			s.v[j].count++;
			continue;
		}
		if (KW_VEC_RESERVE(s.v, s.n, cap) < 0) {
			kw_moduli_summary_release(&s);
			return -ENOMEM;
		}
		memmove(&s.v[j + 1], &s.v[j], (s.n - j) * sizeof s.v[0]);
		s.v[j] = (kw_moduli_size_count){ .size = size, .count = 1 };
		s.n++;
	}
	*ret = s;
	return 0;
}

void kw_moduli_summary_release(kw_moduli_summary *s)
{
	if (!s)
		return;
	free(s->v);
	*s = (kw_moduli_summary){ 0 };
}

size_t kw_moduli_filter_min(const kw_moduli *m, uint32_t min_size)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].size >= min_size)
			n++;
	return n;
}

const char *kw_dh_fixed_name(kw_dh_fixed g)
{
	switch (g) {
	case KW_DH_FROM_FILE: return "a group from the moduli file";
	case KW_DH_GROUP14: return "group14 (RFC 3526 2048-bit MODP)";
	case KW_DH_GROUP16: return "group16 (RFC 3526 4096-bit MODP)";
	case KW_DH_GROUP18: return "group18 (RFC 3526 8192-bit MODP)";
	}
	return "unknown group";
}

static kw_dh_fixed fallback_for(uint32_t max)
{
	if (max < 3072)
		return KW_DH_GROUP14;
	if (max < 6144)
		return KW_DH_GROUP16;
	return KW_DH_GROUP18;
}

static uint32_t fixed_bits(kw_dh_fixed g)
{
	return g == KW_DH_GROUP14 ? 2048 : g == KW_DH_GROUP16 ? 4096 : 8192;
}

int kw_moduli_choose(const kw_moduli *m, uint32_t min_size, uint32_t min, uint32_t wanted,
		     uint32_t max, uint32_t *ret_bits, size_t *ret_candidates)
{
	/* kexgexs.c: refuse inconsistent requests, then clamp to DH_GRP_MIN..DH_GRP_MAX */
	if (max < min || wanted < min || max < wanted || max < KW_DH_GRP_MIN)
		return -EINVAL;
	if (min < KW_DH_GRP_MIN)
		min = KW_DH_GRP_MIN;
	if (max > KW_DH_GRP_MAX)
		max = KW_DH_GRP_MAX;
	if (wanted < KW_DH_GRP_MIN)
		wanted = KW_DH_GRP_MIN;
	if (wanted > KW_DH_GRP_MAX)
		wanted = KW_DH_GRP_MAX;

	/* dh.c choose_dh: the smallest size above `wanted`, else the largest below it */
	uint32_t best = 0;
	size_t count = 0;
	for (size_t i = 0; i < m->n; i++) {
		const kw_modulus *e = &m->v[i];
		if (e->size < min_size || e->bits > max || e->bits < min)
			continue;
		if ((e->bits > wanted && e->bits < best) || (e->bits > best && best < wanted)) {
			best = e->bits;
			count = 0;
		}
		if (e->bits == best)
			count++;
	}
	if (count == 0) {
		kw_dh_fixed g = fallback_for(max);
		if (ret_bits)
			*ret_bits = fixed_bits(g);
		if (ret_candidates)
			*ret_candidates = 0;
		return (int)g;
	}
	if (ret_bits)
		*ret_bits = best;
	if (ret_candidates)
		*ret_candidates = count;
	return KW_DH_FROM_FILE;
}

void kw_moduli_filter_check(const kw_moduli *m, uint32_t min_size, kw_moduli_filter *ret)
{
	kw_moduli_filter f = { .min_size = min_size };
	for (size_t i = 0; i < m->n; i++) {
		const kw_modulus *e = &m->v[i];
		if (e->size < min_size) {
			f.removed++;
			continue;
		}
		f.remain++;
		if (e->bits >= KW_DH_GRP_MIN && e->bits <= KW_DH_GRP_MAX)
			f.usable++;
	}
	f.falls_back = f.usable == 0;
	f.fallback = f.falls_back ? fallback_for(KW_DH_GRP_MAX) : KW_DH_FROM_FILE;
	*ret = f;
}

/* ---- verification ---- */

typedef struct round_state {
	const kw_verify_opts *o;
	unsigned limit;   /* stop this number after so many passed rounds (0: run them all) */
	unsigned passed;  /* rounds passed for the current number */
	unsigned done, total;
	bool stopped;     /* we ended the test early: `limit` rounds passed */
	bool cancelled;   /* the progress callback asked to stop */
} round_state;

static int round_cb(int a, int b, BN_GENCB *cb)
{
	round_state *st = BN_GENCB_get_arg(cb);
	/* (1, i >= 0): Miller-Rabin round i passed; (1, -1): trial division passed */
	if (a != 1 || b < 0)
		return 1;
	st->passed++;
	st->done++;
	if (st->o->progress && !st->o->progress(st->o->ctx, st->done, st->total)) {
		st->cancelled = true;
		return 0;
	}
	if (st->limit && st->passed >= st->limit) {
		st->stopped = true;
		return 0;
	}
	return 1;
}

/* libcrypto 3's own Miller-Rabin count for BN_check_prime (bn_mr_min_checks). */
static unsigned default_rounds(int bits)
{
	return bits > 2048 ? 128 : 64;
}

/* 1 probably prime, 0 composite, < 0 error/cancel. */
static int check_prime(const BIGNUM *x, BN_CTX *ctx, BN_GENCB *cb, round_state *st)
{
	st->passed = 0;
	st->stopped = false;
	int r = BN_check_prime(x, ctx, cb);
	if (st->cancelled) {
		ERR_clear_error();
		return -ECANCELED;
	}
	if (st->stopped) {
		ERR_clear_error();
		return 1;
	}
	if (r < 0) {
		ERR_clear_error();
		return KW_E_CRYPTO;
	}
	return r;
}

static bool generator_ok(const kw_modulus *m, const BIGNUM *p, BN_CTX *ctx, int *err)
{
	*err = 0;
	if (m->generator_big || m->negative || m->generator < 2)
		return false;
	/* g < p - 1 */
	if (BN_num_bits(p) <= 33) {
		BN_ULONG pv = BN_get_word(p);
		if ((BN_ULONG)m->generator + 1 >= pv)
			return false;
	}
	if (m->generator == 2)
		return BN_mod_word(p, 24) == 11;
	if (m->generator == 5) {
		BN_ULONG r = BN_mod_word(p, 10);
		return r == 3 || r == 7;
	}
	/* any other generator: the Legendre symbol (g/p) is -1 */
	if (!BN_is_odd(p))
		return false;
	BIGNUM *g = BN_new();
	if (!g || !BN_set_word(g, m->generator)) {
		BN_free(g);
		*err = -ENOMEM;
		return false;
	}
	int k = BN_kronecker(g, p, ctx);
	BN_free(g);
	if (k == -2) {
		ERR_clear_error();
		*err = KW_E_CRYPTO;
		return false;
	}
	return k == -1;
}

int kw_moduli_verify_ex(const kw_modulus *m, const kw_verify_opts *opts, kw_verify_result *ret)
{
	static const kw_verify_opts defaults = { 0 };
	const kw_verify_opts *o = opts ? opts : &defaults;
	uint32_t max_bits = o->max_bits ? o->max_bits : KW_MODULI_MAX_SIZE + 1;
	if (!m->hex || m->bits > max_bits || strlen(m->hex) > (size_t)max_bits / 4 + 1)
		return KW_E_TOOBIG;

	kw_verify_result res = { 0 };
	BIGNUM *p = NULL, *q = NULL;
	BN_CTX *ctx = BN_CTX_new();
	BN_GENCB *cb = BN_GENCB_new();
	round_state st = { .o = o };
	int r = -ENOMEM;
	if (!ctx || !cb || !(q = BN_new()))
		goto out;
	if (m->hex[0] == '\0') {
		if (!(p = BN_new()))
			goto out;
	} else if (BN_hex2bn(&p, m->hex) == 0) {
		r = KW_E_CRYPTO;
		goto out;
	}
	BN_set_negative(p, m->negative);
	if (!BN_rshift1(q, p)) {
		r = KW_E_CRYPTO;
		goto out;
	}
	BN_GENCB_set(cb, round_cb, &st);

	int pbits = BN_num_bits(p);
	res.size_ok = (uint64_t)pbits == (uint64_t)m->size + 1;
	unsigned rp = default_rounds(pbits), rq = default_rounds(BN_num_bits(q));
	if (o->rounds) {
		st.limit = o->rounds;
		rp = rp < o->rounds ? rp : o->rounds;
		rq = rq < o->rounds ? rq : o->rounds;
	}
	st.total = rp + rq;

	/* p first: a corrupted modulus fails trial division or the first round */
	if ((r = check_prime(p, ctx, cb, &st)) < 0)
		goto out;
	res.prime = r == 1;
	if (res.prime) {
		if ((r = check_prime(q, ctx, cb, &st)) < 0)
			goto out;
		res.safe = r == 1;
	}
	res.generator_ok = generator_ok(m, p, ctx, &r);
	if (r < 0)
		goto out;
	res.rounds = st.done;
	res.ok = res.size_ok && res.prime && res.safe && res.generator_ok;
	*ret = res;
	r = 0;
out:
	BN_free(p);
	BN_free(q);
	BN_GENCB_free(cb);
	BN_CTX_free(ctx);
	return r;
}

int kw_moduli_verify(const kw_modulus *m, kw_verify_result *ret)
{
	return kw_moduli_verify_ex(m, NULL, ret);
}
