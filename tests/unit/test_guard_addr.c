/* test_guard_addr.c — IP addresses and prefixes (src/guard/addr.c), with glibc's
 * inet_pton/inet_ntop as the oracle.
 *
 *  - round trips: random IPv4 and IPv6 addresses (zero runs, IPv4-mapped and -compatible
 *    ones included) printed by inet_ntop parse to the same bytes and print back to the
 *    same text; IPv6 written out in full, upper case, with leading zeros parses the same;
 *  - a differential test on mutated address texts: kw_addr_parse accepts exactly what
 *    inet_pton accepts (after an optional non-empty %zone) and gives the same bytes;
 *  - IPv4-mapped IPv6 (::ffff:1.2.3.4, ::FFFF:..., 0:0:0:0:0:ffff:102:304) is IPv4,
 *    IPv4-compatible (::1.2.3.4) is not;
 *  - refused forms: 1.2.3, 1.2.3.4.5, 256.1.1.1, 01234.1.1.1, " 1.2.3.4", "1.2.3.4 ",
 *    ::ffff:1.2.3.256, empty, 65 bytes (64 accepted), leading zeros, embedded NUL, empty
 *    zone; a refused parse leaves the output's family 0 (none);
 *  - kw_addr_format capacity handling, kw_addr_eq, kw_addr_hash, kw_addr_is_loopback;
 *  - prefixes: parse/format table incl. /0, host bits, mapped prefixes, bare addresses;
 *    refused lengths; kw_cidr_contains against a bit-by-bit oracle on random prefixes;
 *    format/parse round trips; kw_cidr_of, kw_cidr_host, kw_cidr_is_host.
 * Seeded randomness (printed; KW_TEST_SEED replays).
 */
#include "guard/addr.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static size_t below(size_t n) { return (size_t)(rnd() % n); }

static int seed_rng(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	print_message("test_guard_addr: seed %llu (KW_TEST_SEED=%llu to replay)\n",
		      (unsigned long long)seed, (unsigned long long)seed);
	rng = seed | 1;
	return 0;
}

static const uint8_t mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

static kw_addr parse_ok(const char *s)
{
	kw_addr a;
	if (kw_addr_parse(s, strlen(s), &a) != 0)
		fail_msg("'%s' refused", s);
	return a;
}

/* Random IPv6 bytes with structure: zero runs (for ::), mapped and compatible forms. */
static void random_v6(uint8_t b[16])
{
	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)rnd();
	switch (below(6)) {
	case 0: { /* a zero run */
		size_t at = below(8), len = 1 + below(8 - at);
		memset(b + 2 * at, 0, 2 * len);
		break;
	}
	case 1: /* mapped */
		memcpy(b, mapped_prefix, 12);
		break;
	case 2: /* compatible (::a.b.c.d) */
		memset(b, 0, 12);
		break;
	case 3: /* sparse: each group zero or a small value */
		for (int g = 0; g < 8; g++) {
			b[2 * g] = 0;
			b[2 * g + 1] = below(2) ? 0 : (uint8_t)below(16);
		}
		break;
	default:
		break;
	}
}

/* ---- round trips ---- */

static void test_v4_roundtrip(void **state)
{
	(void)state;
	for (size_t it = 0; it < 20000; it++) {
		uint32_t v = (uint32_t)rnd();
		if (it == 0) v = 0;
		if (it == 1) v = 0xffffffffu;
		uint8_t b[4];
		memcpy(b, &v, 4);
		char text[INET_ADDRSTRLEN], out[KW_ADDR_STRLEN];
		assert_non_null(inet_ntop(AF_INET, b, text, sizeof text));
		kw_addr a = parse_ok(text);
		assert_int_equal(a.fam, 4);
		assert_memory_equal(a.b, b, 4);
		static const uint8_t zero[12];
		assert_memory_equal(a.b + 4, zero, 12);
		assert_int_equal(kw_addr_format(&a, out, sizeof out), strlen(text));
		assert_string_equal(out, text);
	}
}

static void test_v6_roundtrip(void **state)
{
	(void)state;
	size_t mapped = 0;
	for (size_t it = 0; it < 20000; it++) {
		uint8_t b[16];
		random_v6(b);
		char text[INET6_ADDRSTRLEN], out[KW_ADDR_STRLEN], full[64];
		assert_non_null(inet_ntop(AF_INET6, b, text, sizeof text));
		kw_addr a = parse_ok(text);
		size_t n = kw_addr_format(&a, out, sizeof out);
		assert_int_equal(n, strlen(out));
		if (!memcmp(b, mapped_prefix, 12)) {
			mapped++;
			assert_int_equal(a.fam, 4);
			assert_memory_equal(a.b, b + 12, 4);
			char v4[INET_ADDRSTRLEN];
			assert_non_null(inet_ntop(AF_INET, b + 12, v4, sizeof v4));
			assert_string_equal(out, v4);
		} else {
			assert_int_equal(a.fam, 6);
			assert_memory_equal(a.b, b, 16);
			assert_string_equal(out, text);
		}
		/* written out in full, upper case, leading zeros: the same address */
		snprintf(full, sizeof full, "%02X%02X:%02X%02X:%02X%02X:%02X%02X:%02X%02X:%02X%02X:%02X%02X:%02X%02X",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
		kw_addr f = parse_ok(full);
		assert_true(kw_addr_eq(&f, &a));
		assert_int_equal(kw_addr_hash(&f), kw_addr_hash(&a));
	}
	assert_true(mapped > 1000);
}

/* ---- differential on mutated texts ---- */

/* The oracle: inet_pton on the address part (after a non-empty %zone for IPv6). */
static int oracle(const char *p, size_t n, kw_addr *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0 || n > 64 || memchr(p, '\0', n))
		return -1;
	char tmp[65];
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (!strchr(tmp, ':')) {
		if (inet_pton(AF_INET, tmp, out->b) != 1)
			return -1;
		out->fam = 4;
		return 0;
	}
	char *zone = strchr(tmp, '%');
	if (zone) {
		if (zone[1] == '\0')
			return -1;
		*zone = '\0';
	}
	uint8_t b[16];
	if (inet_pton(AF_INET6, tmp, b) != 1)
		return -1;
	if (!memcmp(b, mapped_prefix, 12)) {
		out->fam = 4;
		memcpy(out->b, b + 12, 4);
	} else {
		out->fam = 6;
		memcpy(out->b, b, 16);
	}
	return 0;
}

static size_t random_text(char *s, size_t cap)
{
	static const char alphabet[] = "0123456789abcdefABCDEF:.%:.0 x\0+-/";
	char base[80];
	uint8_t b[16];
	if (below(2)) {
		random_v6(b);
		inet_ntop(AF_INET6, b, base, sizeof base);
	} else {
		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(below(3) ? below(256) : below(12));
		inet_ntop(AF_INET, b, base, sizeof base);
	}
	if (below(8) == 0)
		strcat(base, below(2) ? "%eth0" : "%");
	size_t n = strlen(base);
	memcpy(s, base, n);
	size_t edits = below(4);
	for (size_t e = 0; e < edits; e++) {
		char ch = alphabet[below(sizeof alphabet - 1)];
		size_t at = below(n + 1);
		switch (below(3)) {
		case 0: /* insert */
			if (n + 1 < cap) {
				memmove(s + at + 1, s + at, n - at);
				s[at] = ch;
				n++;
			}
			break;
		case 1: /* delete */
			if (at < n) {
				memmove(s + at, s + at + 1, n - at - 1);
				n--;
			}
			break;
		default: /* replace */
			if (at < n)
				s[at] = ch;
			break;
		}
	}
	return n;
}

static void test_differential(void **state)
{
	(void)state;
	size_t accepted = 0, runs = 200000;
	for (size_t it = 0; it < runs; it++) {
		char s[96];
		size_t n = random_text(s, sizeof s);
		kw_addr a, want;
		int r = kw_addr_parse(s, n, &a);
		int w = oracle(s, n, &want);
		if ((r == 0) != (w == 0) || (r == 0 && !kw_addr_eq(&a, &want)) || (r != 0 && r != KW_E_PARSE)) {
			char shown[400] = "";
			for (size_t i = 0; i < n; i++)
				snprintf(shown + strlen(shown), sizeof shown - strlen(shown),
					 s[i] >= 0x21 && s[i] < 0x7f ? "%c" : "\\x%02x", (unsigned char)s[i]);
			fail_msg("'%s' (%zu bytes): kw_addr_parse %d, inet_pton says %s", shown, n, r,
				 w == 0 ? "valid" : "invalid");
		}
		accepted += r == 0;
	}
	assert_true(accepted > runs / 5);
	assert_true(accepted < runs - runs / 5);
}

/* ---- mapped and refused forms ---- */

static void test_mapped(void **state)
{
	(void)state;
	kw_addr v4 = parse_ok("1.2.3.4");
	static const char *const same[] = { "::ffff:1.2.3.4", "::FFFF:1.2.3.4", "0:0:0:0:0:ffff:102:304",
					     "::ffff:0102:0304", "0000:0000:0000:0000:0000:FFFF:0102:0304",
					     "::ffff:1.2.3.4%eth0" };
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		kw_addr a = parse_ok(same[i]);
		assert_int_equal(a.fam, 4);
		assert_true(kw_addr_eq(&a, &v4));
		assert_int_equal(kw_addr_hash(&a), kw_addr_hash(&v4));
		char out[KW_ADDR_STRLEN];
		kw_addr_format(&a, out, sizeof out);
		assert_string_equal(out, "1.2.3.4");
	}
	static const char *const v6[] = { "::1.2.3.4", "::fffe:1.2.3.4", "1::ffff:1.2.3.4", "::ffff:0:102:304",
					  "64:ff9b::1.2.3.4" };
	for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
		kw_addr a = parse_ok(v6[i]);
		assert_int_equal(a.fam, 6);
		assert_false(kw_addr_eq(&a, &v4));
	}
}

static void test_refused(void **state)
{
	(void)state;
	static const struct { const char *s; size_t n; } bad[] = {
#define S(x) { x, sizeof(x) - 1 }
		S("1.2.3"), S("1.2.3.4.5"), S("256.1.1.1"), S("1.2.3.256"), S("01234.1.1.1"), S("1.2.3.1234"),
		S(" 1.2.3.4"), S("1.2.3.4 "), S("1.2.3.4\n"), S("\t1.2.3.4"), S("::ffff:1.2.3.256"), S(""),
		S("+1.2.3.4"), S("1.+2.3.4"), S("1.2.3.-4"), S("1..2.3"), S(".1.2.3"), S("1.2.3."), S("1.2.3.4."),
		S("0x1.2.3.4"), S("1.2.3.4%eth0"), S("a.b.c.d"), S("1.2.3.4/32"), S("localhost"), S("1"),
		S("::ffff:1.2.3.4.5"), S("1:2:3:4:5:6:7:8:9"), S(":::"), S("g::1"), S("1::2::3"), S(":1::"),
		S("%eth0"), S("::1 "), S(" ::1"), S("[::1]"), S("::1/128"), S("12345::"),
		/* leading zeros: inet_pton refuses them, and inet_aton reads 010 as octal 8 */
		S("01.2.3.4"), S("010.0.0.1"), S("1.2.3.04"), S("1.2.3.00"), S("::ffff:01.2.3.4"),
		/* an embedded NUL must not end the text early */
		S("::1\0junk"), S("1.2.3.4\0"), S("::1\0"),
		/* an empty zone */
		S("fe80::1%"),
#undef S
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kw_addr a;
		memset(&a, 0x5a, sizeof a);
		int r = kw_addr_parse(bad[i].s, bad[i].n, &a);
		if (r != KW_E_PARSE)
			fail_msg("'%.*s' (%zu bytes) gave %d, want KW_E_PARSE", (int)bad[i].n, bad[i].s, bad[i].n, r);
		assert_int_equal(a.fam, 0); /* "none" */
	}
	/* 64 bytes are the limit: a valid address with a zone, 64 accepted, 65 refused */
	char s[80] = "0000:0000:0000:0000:0000:0000:0000:0001%"; /* 40 bytes */
	memset(s + 40, 'z', 24);
	s[64] = 'z';
	kw_addr a;
	assert_int_equal(kw_addr_parse(s, 64, &a), 0);
	assert_int_equal(a.fam, 6);
	assert_true(kw_addr_is_loopback(&a));
	assert_int_equal(kw_addr_parse(s, 65, &a), KW_E_PARSE);
	char longv4[80];
	memset(longv4, '1', sizeof longv4);
	assert_int_equal(kw_addr_parse(longv4, 65, &a), KW_E_PARSE);
	/* the length bounds the read */
	assert_int_equal(kw_addr_parse("1.2.3.45", 7, &a), 0);
	char out[KW_ADDR_STRLEN];
	kw_addr_format(&a, out, sizeof out);
	assert_string_equal(out, "1.2.3.4");
	assert_int_equal(kw_addr_parse("::12", 3, &a), 0);
	kw_addr_format(&a, out, sizeof out);
	assert_string_equal(out, "::1");
	/* accepted edges */
	a = parse_ok("0.0.0.0");
	a = parse_ok("255.255.255.255");
	a = parse_ok("1.0.0.0");
	a = parse_ok("fe80::1%eth0");
	kw_addr_format(&a, out, sizeof out);
	assert_string_equal(out, "fe80::1");
}

/* ---- format, eq, hash, loopback ---- */

static void test_format_caps(void **state)
{
	(void)state;
	kw_addr a = parse_ok("10.200.30.4");
	char out[64];
	memset(out, 'x', sizeof out);
	assert_int_equal(kw_addr_format(&a, out, 0), 0);
	assert_int_equal(out[0], 'x');
	/* like IPv6: a buffer that could not hold the longest text gets "" (never a cut address) */
	assert_int_equal(kw_addr_format(&a, out, 15), 0);
	assert_string_equal(out, "");
	assert_int_equal(kw_addr_format(&a, out, 16), 11);
	assert_string_equal(out, "10.200.30.4");
	kw_addr b = parse_ok("2001:db8::1");
	memset(out, 'x', sizeof out);
	assert_int_equal(kw_addr_format(&b, out, KW_ADDR_STRLEN - 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(kw_addr_format(&b, out, KW_ADDR_STRLEN), 11);
	assert_string_equal(out, "2001:db8::1");
	kw_addr none = { 0 };
	memset(out, 'x', sizeof out);
	assert_int_equal(kw_addr_format(&none, out, sizeof out), 0);
	assert_string_equal(out, "");
	/* the longest texts fit */
	kw_addr l4 = parse_ok("255.255.255.255"), l6 = parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	char c[KW_CIDR_STRLEN];
	kw_cidr p6 = kw_cidr_of(&l6, 127);
	assert_int_equal(kw_cidr_format(&p6, c, sizeof c), strlen("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"));
	assert_string_equal(c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	kw_cidr p4 = kw_cidr_of(&l4, 31);
	assert_int_equal(kw_cidr_format(&p4, c, sizeof c), 18);
	assert_string_equal(c, "255.255.255.254/31");
}

static void test_eq_hash_loopback(void **state)
{
	(void)state;
	kw_addr a = parse_ok("192.0.2.1"), b = parse_ok("::ffff:192.0.2.1"), c = parse_ok("192.0.2.2"),
		d = parse_ok("::c000:201"), e = parse_ok("2001:db8::1"), f = parse_ok("2001:DB8:0::1");
	assert_true(kw_addr_eq(&a, &b));
	assert_false(kw_addr_eq(&a, &c));
	assert_false(kw_addr_eq(&a, &d)); /* same low bytes, other family */
	assert_true(kw_addr_eq(&e, &f));
	assert_int_equal(kw_addr_hash(&e), kw_addr_hash(&f));
	assert_true(kw_addr_hash(&a) != kw_addr_hash(&c));
	assert_true(kw_addr_hash(&a) != kw_addr_hash(&d));
	/* the hash spreads: 4096 consecutive addresses, no collision in the low 20 bits */
	static uint8_t seen[1 << 20];
	memset(seen, 0, sizeof seen);
	for (uint32_t i = 0; i < 4096; i++) {
		kw_addr x = { .fam = 4, .b = { 10, 0, (uint8_t)(i >> 8), (uint8_t)i } };
		uint32_t h = (uint32_t)(kw_addr_hash(&x) & ((1u << 20) - 1));
		assert_true(seen[h] < 2);
		seen[h]++;
	}
	static const struct { const char *s; bool lo; } lo[] = {
		{ "127.0.0.1", true }, { "127.255.255.254", true }, { "127.0.0.0", true }, { "::ffff:127.0.0.1", true },
		{ "::1", true }, { "128.0.0.1", false }, { "126.255.255.255", false }, { "::2", false }, { "::", false },
		{ "0.0.0.0", false }, { "::127.0.0.1", false },
	};
	for (size_t i = 0; i < sizeof lo / sizeof lo[0]; i++) {
		kw_addr x = parse_ok(lo[i].s);
		if (kw_addr_is_loopback(&x) != lo[i].lo)
			fail_msg("%s: loopback %d, want %d", lo[i].s, !lo[i].lo, lo[i].lo);
	}
	kw_addr none = { 0 };
	assert_false(kw_addr_is_loopback(&none));
}

/* ---- prefixes ---- */

static void test_cidr_table(void **state)
{
	(void)state;
	static const struct { const char *in, *out; unsigned bits; } ok[] = {
		{ "0.0.0.0/0", "0.0.0.0/0", 0 }, { "1.2.3.4/0", "0.0.0.0/0", 0 }, { "0.0.0.1/0", "0.0.0.0/0", 0 },
		{ "::/0", "::/0", 0 }, { "2001:db8::1/0", "::/0", 0 },
		{ "10.1.2.3/8", "10.0.0.0/8", 8 }, { "10.1.2.3/9", "10.0.0.0/9", 9 }, { "10.255.2.3/9", "10.128.0.0/9", 9 },
		{ "192.0.2.255/25", "192.0.2.128/25", 25 }, { "1.2.3.5/31", "1.2.3.4/31", 31 },
		{ "1.2.3.4/32", "1.2.3.4", 32 }, { "1.2.3.4", "1.2.3.4", 32 },
		{ "2001:db8:abcd:1234::1/32", "2001:db8::/32", 32 }, { "2001:db8::1/64", "2001:db8::/64", 64 },
		{ "2001:db8::ffff/127", "2001:db8::fffe/127", 127 }, { "::1/128", "::1", 128 }, { "::1", "::1", 128 },
		{ "fe80::1%eth0/10", "fe80::/10", 10 }, { "fe80::1%eth0", "fe80::1", 128 },
		{ "::ffff:10.1.2.3/104", "10.0.0.0/8", 8 }, { "::ffff:1.2.3.4/128", "1.2.3.4", 32 },
		{ "::ffff:1.2.3.4/96", "0.0.0.0/0", 0 }, { "::ffff:1.2.3.4", "1.2.3.4", 32 },
		{ "1.2.3.4/008", "1.0.0.0/8", 8 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		kw_cidr c;
		if (kw_cidr_parse(ok[i].in, strlen(ok[i].in), &c) != 0)
			fail_msg("'%s' refused", ok[i].in);
		char out[KW_CIDR_STRLEN];
		assert_int_equal(kw_cidr_format(&c, out, sizeof out), strlen(ok[i].out));
		if (strcmp(out, ok[i].out) != 0)
			fail_msg("'%s' printed as '%s', want '%s'", ok[i].in, out, ok[i].out);
		assert_int_equal(c.bits, ok[i].bits);
		assert_int_equal(kw_cidr_is_host(&c), c.bits == (c.a.fam == 4 ? 32 : 128));
		kw_cidr again;
		assert_int_equal(kw_cidr_parse(out, strlen(out), &again), 0);
		assert_int_equal(again.bits, c.bits);
		assert_true(kw_addr_eq(&again.a, &c.a));
	}
	static const char *const bad[] = {
		"1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/ 8", "1.2.3.4/8 ", "/8", "",
		"1.2.3.4/1000", "1.2.3.4/0x8", "::ffff:1.2.3.4/95", "::ffff:1.2.3.4/129", "1.2.3/8", "1.2.3.4/8/8",
		"1.2.3.4//8", "2001:db8::/64%eth0", "01.2.3.4/8",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kw_cidr c;
		memset(&c, 0x5a, sizeof c);
		if (kw_cidr_parse(bad[i], strlen(bad[i]), &c) != KW_E_PARSE)
			fail_msg("'%s' accepted", bad[i]);
		static const kw_cidr empty;
		assert_memory_equal(&c, &empty, sizeof c);
	}
	/* the length bounds the read */
	kw_cidr c;
	assert_int_equal(kw_cidr_parse("10.0.0.0/89", 10, &c), 0);
	assert_int_equal(c.bits, 8);
}

static bool bit(const uint8_t *b, unsigned i) { return (b[i / 8] >> (7 - i % 8)) & 1; }

static void test_cidr_contains(void **state)
{
	(void)state;
	/* /0 holds its whole family and nothing of the other */
	kw_cidr all4, all6;
	assert_int_equal(kw_cidr_parse("0.0.0.0/0", 9, &all4), 0);
	assert_int_equal(kw_cidr_parse("::/0", 4, &all6), 0);
	kw_addr a4 = parse_ok("203.0.113.9"), a6 = parse_ok("2001:db8::9"), m = parse_ok("::ffff:203.0.113.9");
	assert_true(kw_cidr_contains(&all4, &a4));
	assert_true(kw_cidr_contains(&all4, &m));
	assert_false(kw_cidr_contains(&all4, &a6));
	assert_true(kw_cidr_contains(&all6, &a6));
	assert_false(kw_cidr_contains(&all6, &a4));
	kw_addr none = { 0 };
	assert_false(kw_cidr_contains(&all4, &none));
	assert_false(kw_cidr_contains(&all6, &none));

	/* random prefixes and addresses against a bit-by-bit oracle; the address is often
	 * a near neighbour of the prefix so both answers occur */
	size_t in = 0, runs = 100000;
	for (size_t it = 0; it < runs; it++) {
		bool v6 = below(2);
		unsigned max = v6 ? 128 : 32;
		kw_addr p = { .fam = (uint8_t)(v6 ? 6 : 4) }, x;
		for (unsigned i = 0; i < max / 8; i++)
			p.b[i] = (uint8_t)rnd();
		unsigned bits = (unsigned)below(max + 1);
		kw_cidr c = kw_cidr_of(&p, bits);
		assert_int_equal(c.bits, bits);
		x = p;
		if (below(2)) { /* flip one bit somewhere */
			unsigned at = (unsigned)below(max);
			x.b[at / 8] ^= (uint8_t)(0x80 >> (at % 8));
		}
		bool want = true;
		for (unsigned i = 0; i < bits && want; i++)
			want = bit(x.b, i) == bit(p.b, i);
		if (kw_cidr_contains(&c, &x) != want)
			fail_msg("contains mismatch at bits %u (v6 %d)", bits, v6);
		in += want;
		/* host bits are clear, the prefix holds its own base, format/parse round-trips */
		for (unsigned i = bits; i < max; i++)
			assert_false(bit(c.a.b, i));
		assert_true(kw_cidr_contains(&c, &c.a));
		char t[KW_CIDR_STRLEN];
		size_t n = kw_cidr_format(&c, t, sizeof t);
		kw_cidr back;
		if (kw_cidr_parse(t, n, &back) != 0)
			fail_msg("'%s' does not parse back", t);
		assert_int_equal(back.bits, c.bits);
		assert_true(kw_addr_eq(&back.a, &c.a));
	}
	assert_true(in > runs / 3 && in < runs - runs / 10);

	/* kw_cidr_of clamps, kw_cidr_host is the full length */
	kw_cidr h = kw_cidr_host(&a4);
	assert_int_equal(h.bits, 32);
	assert_true(kw_cidr_is_host(&h));
	kw_cidr over = kw_cidr_of(&a6, 200);
	assert_int_equal(over.bits, 128);
	assert_true(kw_cidr_is_host(&over));
	kw_cidr n24 = kw_cidr_of(&a4, 24);
	assert_false(kw_cidr_is_host(&n24));
	char t[KW_CIDR_STRLEN];
	kw_cidr_format(&n24, t, sizeof t);
	assert_string_equal(t, "203.0.113.0/24");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_roundtrip),
		cmocka_unit_test(test_v6_roundtrip),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_format_caps),
		cmocka_unit_test(test_eq_hash_loopback),
		cmocka_unit_test(test_cidr_table),
		cmocka_unit_test(test_cidr_contains),
	};
	return cmocka_run_group_tests(tests, seed_rng, NULL);
}
