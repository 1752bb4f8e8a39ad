/* test_moduli.c — cmocka tests for src/sshd/moduli.c: parsing as sshd 9.2 does, counts
 * per size, filters and the fixed-group fallback, and BN verification.
 *
 * Owned by the "moduli" helper. Fixtures in tests/data/moduli/: debian12.moduli is
 * Debian 12's /etc/ssh/moduli and debian12.counts the per-size counts `awk` gives for it;
 * keygen1024.moduli holds 35 safe primes made by ssh-keygen -M generate/screen;
 * broken.moduli/broken.expect (from make_broken.py) pair hand-broken lines with the
 * verdict sshd's parse_prime gives each of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "sshd/moduli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA KW_TEST_DATA "/moduli/"

static void parse_file(const char *name, kw_moduli *m, kw_diags *d)
{
	size_t len;
	uint8_t *data = kwt_read_file(name, &len);
	assert_int_equal(kw_moduli_parse(name, data, len, m, d), 0);
	free(data);
}

static const kw_modulus *entry_at(const kw_moduli *m, unsigned line)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].line == line)
			return &m->v[i];
	return NULL;
}

/* ---- parsing ---- */

static void test_debian_counts(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "debian12.moduli", &m, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(m.rejected, 0);
	assert_int_equal(m.lines, 424);

	kw_moduli_summary s;
	assert_int_equal(kw_moduli_summarize(&m, &s), 0);
	size_t len;
	char *want = (char *)kwt_read_file(DATA "debian12.counts", &len);
	size_t i = 0, total = 0;
	for (char *save = NULL, *line = strtok_r(want, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned size;
		size_t count;
		assert_int_equal(sscanf(line, "%u %zu", &size, &count), 2);
		assert_true(i < s.n);
		assert_int_equal(s.v[i].size, size);
		assert_int_equal(s.v[i].count, count);
		total += count;
	}
	assert_int_equal(i, s.n);
	assert_int_equal(total, m.n);
	free(want);
	kw_moduli_summary_release(&s);

	for (i = 0; i < m.n; i++) {
		const kw_modulus *e = &m.v[i];
		assert_int_equal(e->bits, e->size + 1);
		assert_true(e->generator == 2 || e->generator == 5);
		assert_false(e->negative);
		assert_int_equal(strlen(e->hex), (e->bits + 3) / 4);
		assert_int_equal(e->tests, 6);
		assert_int_equal(e->tries, 100);
		assert_int_equal(e->line, i + 2); /* one comment line, then entries */
	}
	/* the seed's filter keeps all; strict drops the 60 2047-bit groups */
	assert_int_equal(kw_moduli_filter_min(&m, KW_MODULI_MIN_BASELINE), 423);
	assert_int_equal(kw_moduli_filter_min(&m, KW_MODULI_MIN_STRICT), 423 - 60);
	assert_int_equal(kw_moduli_filter_min(&m, 8191), 75);
	assert_int_equal(kw_moduli_filter_min(&m, 8192), 0);
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

static void test_broken_lines(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "broken.moduli", &m, &d);

	size_t len;
	char *want = (char *)kwt_read_file(DATA "broken.expect", &len);
	unsigned cases = 0, bad = 0, ok = 0;
	for (char *save = NULL, *line = strtok_r(want, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		unsigned ln;
		int off;
		assert_int_equal(sscanf(line, "%u %n", &ln, &off), 1);
		const char *verdict = line + off;
		const kw_diag *dg = kwt_diag_at(&d, ln);
		const kw_modulus *e = entry_at(&m, ln);
		cases++;
		if (strcmp(verdict, "ok") == 0) {
			if (!e || dg)
				fail_msg("line %u: want an entry, got %s", ln, dg ? dg->msg : "nothing");
			assert_int_equal(e->bits, 1024);
			ok++;
		} else if (strcmp(verdict, "quiet") == 0) {
			if (e || dg)
				fail_msg("line %u: want a silent skip", ln);
		} else {
			if (e || !dg)
				fail_msg("line %u: want diag '%s'", ln, verdict);
			if (strncmp(dg->msg, verdict, strlen(verdict)) != 0)
				fail_msg("line %u: want '%s', got '%s'", ln, verdict, dg->msg);
			assert_int_equal(dg->err, KW_E_PARSE);
			assert_string_equal(dg->file, DATA "broken.moduli");
			bad++;
		}
	}
	free(want);
	assert_int_equal(cases, 41);
	assert_int_equal(m.lines, 41);
	assert_int_equal(m.n, ok);
	assert_int_equal(m.rejected, bad);
	assert_int_equal(d.n, bad);

	/* every accepted copy of the one prime reads back as the same digits */
	const kw_modulus *base = entry_at(&m, 3);
	assert_non_null(base);
	for (size_t i = 0; i < m.n; i++)
		assert_string_equal(m.v[i].hex, base->hex);
	assert_true(entry_at(&m, 38)->negative);
	assert_false(base->negative);
	assert_int_equal(entry_at(&m, 40)->generator, 5);
	assert_int_equal(entry_at(&m, 11)->generator, 2);
	/* diagnostics describe, never quote: no hex digits of the modulus in them */
	char probe[17];
	memcpy(probe, base->hex + 20, 16);
	probe[16] = '\0';
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.v[i].msg, probe));
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

static void test_edge_inputs(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	assert_int_equal(kw_moduli_parse("x", NULL, 0, &m, &d), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.lines, 0);
	kw_moduli_release(&m);

	/* over the cap: refused before a byte is read */
	uint8_t one = '#';
	m.n = 12345;
	assert_int_equal(kw_moduli_parse("x", &one, KW_MODULI_MAX_INPUT + 1, &m, &d), KW_E_TOOBIG);
	assert_int_equal(m.n, 12345); /* untouched on failure */

	/* a generator wider than 32 bits is accepted like sshd does, flagged */
	const char *big = "1 2 6 100 7 123456789 C5\n1 2 6 100 7 5 C5\n";
	assert_int_equal(kw_moduli_parse("x", (const uint8_t *)big, strlen(big), &m, &d), 0);
	assert_int_equal(m.n, 2);
	assert_true(m.v[0].generator_big);
	assert_int_equal(m.v[0].generator, UINT_MAX);
	assert_int_equal(m.v[1].generator, 5);
	assert_int_equal(m.v[1].bits, 8);
	assert_string_equal(m.v[1].hex, "C5");
	kw_moduli_release(&m);
	assert_int_equal(d.n, 0);
	kw_diags_release(&d);
}

/* ---- filter and fallback ---- */

static void test_choose_and_fallback(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "debian12.moduli", &m, &d);
	uint32_t bits;
	size_t n;

	/* smallest size above the wanted one */
	assert_int_equal(kw_moduli_choose(&m, 0, 2048, 3000, 8192, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 3072);
	assert_int_equal(n, 76);
	assert_int_equal(kw_moduli_choose(&m, 0, 2048, 3072, 8192, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 3072);
	assert_int_equal(kw_moduli_choose(&m, 0, 2048, 7000, 8192, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 7680);
	assert_int_equal(n, 71);
	/* wanted above what is there: the largest in range */
	assert_int_equal(kw_moduli_choose(&m, 0, 2048, 8192, 8192, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 8192);
	assert_int_equal(n, 75);
	assert_int_equal(kw_moduli_choose(&m, 0, 1024, 4096, 5000, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 4096);
	/* requests clamp to 2048..8192; wild ones are refused */
	assert_int_equal(kw_moduli_choose(&m, 0, 1024, 1024, 16384, &bits, &n), KW_DH_FROM_FILE);
	assert_int_equal(bits, 2048);
	assert_int_equal(kw_moduli_choose(&m, 0, 4096, 2048, 8192, NULL, NULL), -EINVAL);
	assert_int_equal(kw_moduli_choose(&m, 0, 1024, 1024, 1024, NULL, NULL), -EINVAL);

	/* a filter keeping only 8192-bit groups leaves nothing for max 4096: group16 */
	assert_int_equal(kw_moduli_choose(&m, 8191, 2048, 3072, 4096, &bits, &n), KW_DH_GROUP16);
	assert_int_equal(bits, 4096);
	assert_int_equal(n, 0);
	assert_int_equal(kw_moduli_choose(&m, 8191, 2048, 2048, 3071, &bits, &n), KW_DH_GROUP14);
	assert_int_equal(bits, 2048);
	assert_int_equal(kw_moduli_choose(&m, 8192, 2048, 3072, 8192, &bits, &n), KW_DH_GROUP18);
	assert_int_equal(bits, 8192);

	kw_moduli_filter f;
	kw_moduli_filter_check(&m, KW_MODULI_MIN_STRICT, &f);
	assert_int_equal(f.remain, 363);
	assert_int_equal(f.removed, 60);
	assert_int_equal(f.usable, 363);
	assert_false(f.falls_back);
	assert_int_equal(f.fallback, KW_DH_FROM_FILE);
	kw_moduli_filter_check(&m, 9000, &f);
	assert_int_equal(f.remain, 0);
	assert_true(f.falls_back);
	assert_int_equal(f.fallback, KW_DH_GROUP18);
	assert_non_null(strstr(kw_dh_fixed_name(f.fallback), "8192"));
	kw_moduli_release(&m);

	/* groups outside 2048..8192 bits are never offered: a file of 1024-bit groups
	 * is as good as an empty one */
	parse_file(DATA "keygen1024.moduli", &m, &d);
	assert_int_equal(m.n, 35);
	kw_moduli_filter_check(&m, 0, &f);
	assert_int_equal(f.remain, 35);
	assert_int_equal(f.usable, 0);
	assert_true(f.falls_back);
	assert_int_equal(kw_moduli_choose(&m, 0, 1024, 1024, 2048, &bits, &n), KW_DH_GROUP14);
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

/* ---- verification ---- */

static kw_verify_result verify(const kw_modulus *e, unsigned rounds)
{
	kw_verify_opts o = { .rounds = rounds };
	kw_verify_result res;
	memset(&res, 0xa5, sizeof res);
	assert_int_equal(kw_moduli_verify_ex(e, &o, &res), 0);
	return res;
}

static void test_verify_real(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "keygen1024.moduli", &m, &d);
	for (size_t i = 0; i < m.n; i++) {
		kw_verify_result r = verify(&m.v[i], 16);
		if (!r.ok)
			fail_msg("line %u: size %d prime %d safe %d gen %d", m.v[i].line, r.size_ok,
				 r.prime, r.safe, r.generator_ok);
		assert_int_equal(r.rounds, 32);
	}
	/* libcrypto's own round count once */
	kw_verify_result r;
	assert_int_equal(kw_moduli_verify(&m.v[0], &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.rounds, 128);
	kw_moduli_release(&m);

	/* two real Debian groups, generator 2 and 5 */
	parse_file(DATA "debian12.moduli", &m, &d);
	int seen2 = 0, seen5 = 0;
	for (size_t i = 0; i < m.n && (!seen2 || !seen5); i++) {
		if ((m.v[i].generator == 2 && seen2) || (m.v[i].generator == 5 && seen5))
			continue;
		r = verify(&m.v[i], 4);
		assert_true(r.ok);
		if (m.v[i].generator == 2)
			seen2 = 1;
		else
			seen5 = 1;
	}
	assert_true(seen2 && seen5);
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

static void test_verify_corrupt(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "keygen1024.moduli", &m, &d);
	static const char hexd[] = "0123456789ABCDEF";

	/* flip one bit (not the top one: the size stays right) in 32 places */
	const kw_modulus *orig = &m.v[0];
	size_t nd = strlen(orig->hex);
	for (unsigned k = 0; k < 32; k++) {
		kw_modulus e = *orig;
		e.hex = strdup(orig->hex);
		assert_non_null(e.hex);
		size_t pos = 1 + (k * 37u) % (nd - 1);
		char *c = &e.hex[pos];
		int v = (*c >= 'A') ? (*c - 'A' + 10) : (*c >= 'a' ? *c - 'a' + 10 : *c - '0');
		*c = hexd[v ^ (1 << (k % 4))];
		kw_verify_result r = verify(&e, 0);
		assert_true(r.size_ok);
		assert_false(r.ok);
		assert_false(r.prime); /* an even, or a random odd number that is not prime */
		free(e.hex);
	}

	/* the wrong generator: ssh-keygen gives 5 only where 2 does not generate the group;
	 * 4 = 2^2 never generates it */
	unsigned fives = 0;
	for (size_t i = 0; i < m.n; i++) {
		kw_modulus e = m.v[i];
		if (e.generator == 5) {
			e.generator = 2;
			kw_verify_result r = verify(&e, 2);
			assert_true(r.prime && r.safe);
			assert_false(r.generator_ok);
			assert_false(r.ok);
			fives++;
		}
		e.generator = 4;
		assert_false(verify(&e, 1).generator_ok);
	}
	assert_true(fives > 0);

	/* the size field disagreeing with the number */
	kw_modulus e = m.v[1];
	e.size = 1024;
	kw_verify_result r = verify(&e, 2);
	assert_false(r.size_ok);
	assert_true(r.prime);
	assert_false(r.ok);
	/* sshd accepts a '-' modulus; it is no prime */
	e = m.v[1];
	e.negative = true;
	r = verify(&e, 2);
	assert_false(r.prime);
	assert_false(r.ok);
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

static void test_verify_tiny(void **state)
{
	(void)state;
	struct {
		const char *hex;
		unsigned gen;
		bool prime, safe, gen_ok;
	} cases[] = {
		{ "B", 2, true, true, true },     /* 11 = 2*5+1, 11 mod 24 = 11 */
		{ "17", 5, true, true, true },    /* 23 = 2*11+1, 23 mod 10 = 3 */
		{ "17", 2, true, true, false },   /* 2 is a square mod 23 */
		{ "17", 3, true, true, false },   /* so is 3 (7^2 = 49 = 3) */
		{ "17", 7, true, true, true },    /* 7 is not */
		{ "17", 22, true, true, false },  /* p - 1 */
		{ "D", 2, true, false, false },   /* 13: (13-1)/2 = 6 */
		{ "F", 2, false, false, false },  /* 15 */
		{ "2F", 5, true, true, true },    /* 47 = 2*23+1, 47 mod 10 = 7 */
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(cases); i++) {
		char hex[8];
		strcpy(hex, cases[i].hex);
		unsigned bits = 0;
		for (unsigned long v = strtoul(hex, NULL, 16); v; v >>= 1)
			bits++;
		kw_modulus e = { .size = bits - 1, .bits = bits, .generator = cases[i].gen, .hex = hex };
		kw_verify_result r = verify(&e, 0);
		if (r.prime != cases[i].prime || r.safe != cases[i].safe ||
		    r.generator_ok != cases[i].gen_ok)
			fail_msg("%s g=%u: prime %d safe %d gen %d", hex, cases[i].gen, r.prime, r.safe,
				 r.generator_ok);
		assert_int_equal(r.ok, cases[i].prime && cases[i].safe && cases[i].gen_ok);
	}
}

typedef struct prog {
	unsigned calls, last, total, stop_at;
} prog;

static bool on_round(void *ctx, unsigned done, unsigned total)
{
	prog *p = ctx;
	p->calls++;
	assert_int_equal(done, p->last + 1);
	assert_true(done <= total);
	p->last = done;
	p->total = total;
	return p->stop_at == 0 || done < p->stop_at;
}

static void test_verify_progress_and_limits(void **state)
{
	(void)state;
	kw_moduli m;
	kw_diags d = { 0 };
	parse_file(DATA "keygen1024.moduli", &m, &d);
	prog p = { 0 };
	kw_verify_opts o = { .rounds = 10, .progress = on_round, .ctx = &p };
	kw_verify_result r;
	assert_int_equal(kw_moduli_verify_ex(&m.v[2], &o, &r), 0);
	assert_true(r.ok);
	assert_int_equal(p.calls, 20);
	assert_int_equal(p.total, 20);

	p = (prog){ .stop_at = 5 };
	memset(&r, 0x5a, sizeof r);
	kw_verify_result before = r;
	assert_int_equal(kw_moduli_verify_ex(&m.v[2], &o, &r), -ECANCELED);
	assert_int_equal(p.calls, 5);
	assert_memory_equal(&r, &before, sizeof r); /* ret_ untouched on failure */

	o = (kw_verify_opts){ .max_bits = 512 };
	assert_int_equal(kw_moduli_verify_ex(&m.v[2], &o, &r), KW_E_TOOBIG);
	kw_moduli_release(&m);
	kw_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_counts),
		cmocka_unit_test(test_broken_lines),
		cmocka_unit_test(test_edge_inputs),
		cmocka_unit_test(test_choose_and_fallback),
		cmocka_unit_test(test_verify_real),
		cmocka_unit_test(test_verify_corrupt),
		cmocka_unit_test(test_verify_tiny),
		cmocka_unit_test(test_verify_progress_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
