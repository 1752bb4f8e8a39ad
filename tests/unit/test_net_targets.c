/* test_net_targets.c — scan targets (src/net/targets.c).
 *
 *  - every spec form of targets.h: HOST, HOST:PORT, IPv4, IPv4:PORT, bare IPv6, [IPv6],
 *    [IPv6]:PORT, IPv4-mapped IPv6, CIDR, CIDR:PORT, bare IPv6 CIDR, [CIDR]:PORT; the
 *    endpoints of a prefix (network and broadcast only for /31 and /32 in IPv4, every
 *    address in IPv6), host bits in the text cleared, the default port and default 0;
 *  - refused specs, each with the reason in the message (ports 0 and 65536, brackets,
 *    zones, numeric forms glibc would resolve, bad names, bad prefixes, over-long specs)
 *    and the spec quoted escaped; a refused spec adds nothing;
 *  - the cap: a /8 and ::/0 fail before anything is allocated, the cap counts the whole
 *    list, a custom cap, a cap of 0 meaning the default;
 *  - files: comments, blank lines, CRLF, tabs, a BOM, line numbers, FILE:LINE errors,
 *    all-or-nothing, @FILE nesting refused, missing file, folder, FIFO (never blocks),
 *    over-long and NUL lines, stdin as "-", kw_targets_add_arg, kw_targets_add_text;
 *  - kw_targets_resolve: "localhost" resolves to loopback; a .invalid name records an
 *    error and keeps its address empty; literals are left alone;
 *  - kw_target_label: random addresses and ports printed by inet_ntop round-trip through
 *    spec -> label; a hostile host name is escaped.
 * Seeded randomness (printed; KW_TEST_SEED replays).
 */
#include "net/targets.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int seed_rng(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	print_message("test_net_targets: seed %llu (KW_TEST_SEED=%llu to replay)\n",
		      (unsigned long long)seed, (unsigned long long)seed);
	rng = seed | 1;
	return 0;
}

static char *label_of(const kw_targets *t, size_t i)
{
	assert_true(i < t->n);
	char *l = kw_target_label(&t->v[i]);
	assert_non_null(l);
	return l;
}

static void assert_label(const kw_targets *t, size_t i, const char *want)
{
	char *l = label_of(t, i);
	if (strcmp(l, want) != 0)
		fail_msg("endpoint %zu: label '%s', expected '%s'", i, l, want);
	free(l);
}

/* ---- the accepted forms ---- */

static const struct form {
	const char *spec;
	size_t n;           /* endpoints */
	const char *first;  /* label of the first */
	const char *last;   /* label of the last */
	const char *host;   /* the name kept for resolving, or NULL for literals */
} forms[] = {
	{ "example.com", 1, "example.com:22", "example.com:22", "example.com" },
	{ "example.com:2222", 1, "example.com:2222", NULL, "example.com" },
	{ "Mixed-Case.Example.ORG:1", 1, "Mixed-Case.Example.ORG:1", NULL, "Mixed-Case.Example.ORG" },
	{ "host_with_underscore.lan", 1, "host_with_underscore.lan:22", NULL, "host_with_underscore.lan" },
	{ "rooted.example.", 1, "rooted.example.:22", NULL, "rooted.example." },
	{ "a", 1, "a:22", NULL, "a" },
	{ "localhost:65535", 1, "localhost:65535", NULL, "localhost" },
	{ "1host.example", 1, "1host.example:22", NULL, "1host.example" },
	{ "192.0.2.1", 1, "192.0.2.1:22", NULL, NULL },
	{ "192.0.2.1:8022", 1, "192.0.2.1:8022", NULL, NULL },
	{ "0.0.0.0:1", 1, "0.0.0.0:1", NULL, NULL },
	{ "2001:db8::1", 1, "[2001:db8::1]:22", NULL, NULL },
	{ "::1", 1, "[::1]:22", NULL, NULL },
	{ "2001:db8::1:22", 1, "[2001:db8::1:22]:22", NULL, NULL }, /* bare IPv6: no port */
	{ "[2001:db8::1]", 1, "[2001:db8::1]:22", NULL, NULL },
	{ "[2001:db8::1]:2200", 1, "[2001:db8::1]:2200", NULL, NULL },
	{ "[2001:DB8:0:0:0:0:0:1]:022", 1, "[2001:db8::1]:22", NULL, NULL },
	{ "::ffff:192.0.2.7", 1, "192.0.2.7:22", NULL, NULL },        /* mapped is IPv4 */
	{ "[::ffff:192.0.2.7]:23", 1, "192.0.2.7:23", NULL, NULL },
	{ "192.0.2.9/32", 1, "192.0.2.9:22", NULL, NULL },
	{ "192.0.2.0/31", 2, "192.0.2.0:22", "192.0.2.1:22", NULL },
	{ "192.0.2.0/30", 2, "192.0.2.1:22", "192.0.2.2:22", NULL },
	{ "192.0.2.0/29", 6, "192.0.2.1:22", "192.0.2.6:22", NULL },
	{ "192.0.2.0/24", 254, "192.0.2.1:22", "192.0.2.254:22", NULL },
	{ "192.0.2.77/24", 254, "192.0.2.1:22", "192.0.2.254:22", NULL }, /* host bits cleared */
	{ "192.0.2.0/24:2222", 254, "192.0.2.1:2222", "192.0.2.254:2222", NULL },
	{ "10.0.0.0/16", 65534, "10.0.0.1:22", "10.0.255.254:22", NULL },
	{ "198.51.100.128/25", 126, "198.51.100.129:22", "198.51.100.254:22", NULL },
	{ "2001:db8::/128", 1, "[2001:db8::]:22", NULL, NULL },
	{ "2001:db8::/127", 2, "[2001:db8::]:22", "[2001:db8::1]:22", NULL },
	{ "2001:db8::/126", 4, "[2001:db8::]:22", "[2001:db8::3]:22", NULL },
	{ "2001:db8::/120", 256, "[2001:db8::]:22", "[2001:db8::ff]:22", NULL },
	{ "2001:db8:1:2::/112", 65536, "[2001:db8:1:2::]:22", "[2001:db8:1:2::ffff]:22", NULL },
	{ "[2001:db8::/127]:2022", 2, "[2001:db8::]:2022", "[2001:db8::1]:2022", NULL },
	{ "::ffff:10.0.0.0/126", 2, "10.0.0.1:22", "10.0.0.2:22", NULL }, /* mapped prefix */
};

static void test_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < KW_ARRAY_LEN(forms); i++) {
		const struct form *f = &forms[i];
		kw_targets t;
		kw_targets_init(&t, 0);
		char err[256] = "";
		int r = kw_targets_add(&t, f->spec, 22, err, sizeof err);
		if (r != 0)
			fail_msg("'%s' refused: %s", f->spec, err);
		if (t.n != f->n)
			fail_msg("'%s': %zu endpoints, expected %zu", f->spec, t.n, f->n);
		assert_label(&t, 0, f->first);
		assert_label(&t, t.n - 1, f->last ? f->last : f->first);
		for (size_t k = 0; k < t.n; k++) {
			assert_string_equal(t.v[k].spec, f->spec);
			assert_int_equal(t.v[k].line, 0);
			assert_int_equal(t.v[k].resolve_err, 0);
			if (f->host) {
				assert_non_null(t.v[k].host);
				assert_string_equal(t.v[k].host, f->host);
				assert_int_equal(t.v[k].addr.fam, 0);
			} else {
				assert_null(t.v[k].host);
				assert_true(t.v[k].addr.fam == 4 || t.v[k].addr.fam == 6);
			}
		}
		/* a prefix's endpoints are consecutive and distinct */
		for (size_t k = 1; k < t.n && !f->host; k++) {
			const uint8_t *a = t.v[k - 1].addr.b, *b = t.v[k].addr.b;
			unsigned len = t.v[k].addr.fam == 4 ? 4 : 16;
			assert_true(memcmp(a, b, len) < 0);
			assert_int_equal((uint8_t)(a[len - 1] + 1), b[len - 1]);
		}
		kw_targets_release(&t);
		assert_int_equal(t.n, 0);
		assert_null(t.v);
	}
}

static void test_default_port(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	char err[256];
	assert_int_equal(kw_targets_add(&t, "192.0.2.1", 0, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "192.0.2.1", 2222, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "192.0.2.1:23", 2222, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "[::1]", 65535, err, sizeof err), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.v[0].port, KW_TARGET_PORT_DEFAULT);
	assert_int_equal(t.v[1].port, 2222);
	assert_int_equal(t.v[2].port, 23);
	assert_int_equal(t.v[3].port, 65535);
	/* input order is kept, duplicates too */
	assert_label(&t, 0, "192.0.2.1:22");
	assert_label(&t, 3, "[::1]:65535");
	kw_targets_release(&t);
	/* a NULL error buffer is fine */
	kw_targets_init(&t, 0);
	assert_int_equal(kw_targets_add(&t, "bad host", 22, NULL, 0), KW_E_PARSE);
	kw_targets_release(&t);
}

/* ---- refused specs ---- */

static const struct bad {
	const char *spec;
	int rc;
	const char *why; /* a part of the message */
} bads[] = {
	{ "", KW_E_PARSE, "empty host" },
	{ ":22", KW_E_PARSE, "empty host" },
	{ "host:", KW_E_PARSE, "port" },
	{ "host:0", KW_E_PARSE, "1 to 65535" },
	{ "host:65536", KW_E_PARSE, "1 to 65535" },
	{ "host:99999", KW_E_PARSE, "1 to 65535" },
	{ "host:123456", KW_E_PARSE, "1 to 65535" },
	{ "host:-1", KW_E_PARSE, "1 to 65535" },
	{ "host:+22", KW_E_PARSE, "1 to 65535" },
	{ "host:22a", KW_E_PARSE, "1 to 65535" },
	{ "host: 22", KW_E_PARSE, "1 to 65535" },
	{ "192.0.2.1:0", KW_E_PARSE, "1 to 65535" },
	{ "[::1", KW_E_PARSE, "without ']'" },
	{ "[::1]x", KW_E_PARSE, "':PORT'" },
	{ "[::1]:", KW_E_PARSE, "1 to 65535" },
	{ "[::1]:70000", KW_E_PARSE, "1 to 65535" },
	{ "[::1]:22:22", KW_E_PARSE, "1 to 65535" },
	{ "[192.0.2.1]:22", KW_E_PARSE, "IPv6" },
	{ "[example.com]:22", KW_E_PARSE, "IPv6" },
	{ "[]:22", KW_E_PARSE, "IPv6" },
	{ "[[::1]]:22", KW_E_PARSE, "':PORT'" },
	{ "::1]:22", KW_E_PARSE, "[ADDRESS]:PORT" },
	{ "[2001:db8::zz]", KW_E_PARSE, "not an IPv6 address" },
	{ "2001:db8::zz", KW_E_PARSE, "not an IPv6 address" },
	{ "2001:db8:::1", KW_E_PARSE, "not an IPv6 address" },
	{ "fe80::1%eth0", KW_E_PARSE, "zone" },
	{ "[fe80::1%eth0]:22", KW_E_PARSE, "zone" },
	{ "256.1.1.1", KW_E_PARSE, "not a valid IPv4" },
	{ "1.2.3.4.5", KW_E_PARSE, "not a valid IPv4" },
	{ "192.0.2.300:22", KW_E_PARSE, "not a valid IPv4" },
	{ "1.2.3", KW_E_PARSE, "not a valid IPv4" },
	{ "0x7f.0x1", KW_E_PARSE, "numeric form" },
	{ "0x7f000001", KW_E_PARSE, "numeric form" },
	{ "0x7f.1", KW_E_PARSE, "not a valid IPv4" },
	{ "0X7F.0.0.1", KW_E_PARSE, "not a valid IPv4" },
	{ "010.0.0.1", KW_E_PARSE, "not a valid IPv4" },
	{ "exa mple", KW_E_PARSE, "host name" },
	{ " example.com", KW_E_PARSE, "host name" },
	{ "example.com ", KW_E_PARSE, "host name" },
	{ "ex\x1b]0;pwn\x07mple", KW_E_PARSE, "host name" },
	{ "ex\xc3\xa4mple.com", KW_E_PARSE, "host name" },
	{ "@targets.txt", KW_E_PARSE, "host name" },
	{ "-oProxy", KW_E_PARSE, "'-'" },
	{ "-oProxyCommand=x", KW_E_PARSE, "host name" },
	{ "example-.com", KW_E_PARSE, "'-'" },
	{ "a..b", KW_E_PARSE, "empty host name label" },
	{ ".example", KW_E_PARSE, "empty host name label" },
	{ ".", KW_E_PARSE, "empty host name label" },
	{ "example..", KW_E_PARSE, "empty host name label" },
	{ "192.0.2.0/33", KW_E_PARSE, "prefix" },
	{ "192.0.2.0/", KW_E_PARSE, "prefix" },
	{ "192.0.2.0/a", KW_E_PARSE, "prefix" },
	{ "192.0.2.0/-1", KW_E_PARSE, "prefix" },
	{ "192.0.2.0/24/24", KW_E_PARSE, "prefix" },
	{ "2001:db8::/129", KW_E_PARSE, "prefix" },
	{ "example.com/24", KW_E_PARSE, "prefix" },
	{ "/24", KW_E_PARSE, "prefix" },
	{ "192.0.2.0/24:", KW_E_PARSE, "1 to 65535" },
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < KW_ARRAY_LEN(bads); i++) {
		const struct bad *b = &bads[i];
		kw_targets t;
		kw_targets_init(&t, 0);
		char err[256] = "";
		int r = kw_targets_add(&t, b->spec, 22, err, sizeof err);
		if (r != b->rc)
			fail_msg("'%s': %d (%s), expected %d", b->spec, r, err, b->rc);
		if (b->why && !strstr(err, b->why))
			fail_msg("'%s': message '%s' lacks '%s'", b->spec, err, b->why);
		assert_int_equal(t.n, 0);
		/* the message quotes the spec and carries no control character */
		assert_true(err[0] == '\'');
		for (const char *p = err; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		kw_targets_release(&t);
	}
	/* the hostile spec appears escaped */
	kw_targets t;
	kw_targets_init(&t, 0);
	char err[256];
	assert_int_equal(kw_targets_add(&t, "ex\x1b]0;pwn\x07mple", 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "ex\\x1b]0;pwn\\x07mple"));
	kw_targets_release(&t);
}

static void test_name_limits(void **state)
{
	(void)state;
	char name[400];
	char err[256];
	kw_targets t;
	kw_targets_init(&t, 0);
	/* a 63-byte label is fine, 64 is not */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	assert_int_equal(kw_targets_add(&t, name, 22, err, sizeof err), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	assert_int_equal(kw_targets_add(&t, name, 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "63"));
	/* 255 bytes are fine (four labels of 63 and dots), 256 are not */
	size_t n = 0;
	for (int l = 0; l < 4; l++) {
		if (l)
			name[n++] = '.';
		memset(name + n, 'b', 63);
		n += 63;
	}
	name[n] = '\0';
	assert_int_equal(n, 255);
	assert_int_equal(kw_targets_add(&t, name, 22, err, sizeof err), 0);
	assert_int_equal(strlen(t.v[t.n - 1].host), 255);
	strcat(name, ":22");
	assert_int_equal(kw_targets_add(&t, name, 22, err, sizeof err), 0);
	name[n] = '\0';
	strcat(name, "c");
	assert_int_equal(kw_targets_add(&t, name, 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "255"));
	/* a spec over KW_TARGET_SPEC_MAX is refused without being read to its end */
	char *huge = malloc(100000);
	assert_non_null(huge);
	memset(huge, 'x', 99999);
	huge[99999] = '\0';
	assert_int_equal(kw_targets_add(&t, huge, 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "longer than"));
	assert_true(strlen(err) < 200);
	free(huge);
	assert_int_equal(t.n, 3);
	kw_targets_release(&t);
}

/* ---- the cap ---- */

static void test_cap(void **state)
{
	(void)state;
	kw_targets t;
	char err[256];
	kw_targets_init(&t, 0);
	assert_int_equal(t.max, KW_TARGETS_DEFAULT_CAP);

	/* a /8 is sized and refused before anything is allocated */
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(kw_targets_add(&t, "10.0.0.0/8", 22, err, sizeof err), KW_E_TOOBIG);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms < 50.0);
	assert_non_null(strstr(err, "10.0.0.0/8"));
	assert_non_null(strstr(err, "16777214"));
	assert_non_null(strstr(err, "65536"));
	assert_int_equal(t.n, 0);
	assert_int_equal(t.cap, 0);
	assert_null(t.v);

	static const char *const huge[] = { "0.0.0.0/0", "::/0", "2001:db8::/64", "2001:db8::/65", "[2001:db8::/66]:22",
					    "10.0.0.0/15", "2001:db8::/111" };
	for (size_t i = 0; i < KW_ARRAY_LEN(huge); i++) {
		assert_int_equal(kw_targets_add(&t, huge[i], 22, err, sizeof err), KW_E_TOOBIG);
		assert_non_null(strstr(err, "cap"));
		assert_null(t.v);
	}
	assert_int_equal(kw_targets_add(&t, "::/0", 22, err, sizeof err), KW_E_TOOBIG);
	assert_non_null(strstr(err, "2^128"));

	/* the cap counts the whole list: 65534 + 2 fit exactly, one more does not */
	assert_int_equal(kw_targets_add(&t, "10.0.0.0/16", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "10.1.0.0/30", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 65536);
	assert_int_equal(kw_targets_add(&t, "10.2.0.1", 22, err, sizeof err), KW_E_TOOBIG);
	assert_non_null(strstr(err, "already listed"));
	assert_int_equal(kw_targets_add(&t, "example.com", 22, err, sizeof err), KW_E_TOOBIG);
	assert_int_equal(t.n, 65536);
	assert_true(t.cap <= 65536);
	kw_targets_release(&t);

	/* a caller's cap */
	kw_targets_init(&t, 300);
	assert_int_equal(kw_targets_add(&t, "192.0.2.0/24", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "198.51.100.0/26", 22, err, sizeof err), KW_E_TOOBIG);
	assert_non_null(strstr(err, "62 endpoints"));
	assert_int_equal(t.n, 254);
	assert_int_equal(kw_targets_add(&t, "198.51.100.0/27", 22, err, sizeof err), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(kw_targets_add(&t, "203.0.113.1", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 300);
	assert_int_equal(kw_targets_add(&t, "203.0.113.1", 22, err, sizeof err), KW_E_TOOBIG);
	kw_targets_release(&t);
	assert_int_equal(t.max, 300);

	/* a raised cap lets a bigger prefix through (the caller asked for it) */
	kw_targets_init(&t, 1u << 18);
	assert_int_equal(kw_targets_add(&t, "172.16.0.0/14", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 262142);
	assert_label(&t, 0, "172.16.0.1:22");
	assert_label(&t, t.n - 1, "172.19.255.254:22");
	kw_targets_release(&t);

	kw_targets_init(&t, 1);
	assert_int_equal(kw_targets_add(&t, "192.0.2.0/31", 22, err, sizeof err), KW_E_TOOBIG);
	assert_int_equal(kw_targets_add(&t, "192.0.2.0/32", 22, err, sizeof err), 0);
	kw_targets_release(&t);
}

/* ---- files ---- */

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	return kwt_mkdtemp(dir, sizeof dir, "kw-targets-");
}

static int remove_dir(void **state)
{
	(void)state;
	return kwt_rm_tree(dir);
}

static const char *put(const char *name, const char *text, size_t len)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}
#define PUT(name, lit) put((name), (lit), sizeof(lit) - 1)

static void test_file(void **state)
{
	(void)state;
	kw_targets t;
	char err[512];
	kw_targets_init(&t, 0);
	const char *p = PUT("good.txt",
		"\xef\xbb\xbf# scan list\r\n"
		"\r\n"
		"192.0.2.1\r\n"
		"   example.com:2222   # trailing comment\n"
		"\t[2001:db8::1]:2200\t\n"
		"#192.0.2.99\n"
		"   \n"
		"198.51.100.0/30\n"
		"localhost");   /* no final newline */
	assert_int_equal(kw_targets_load_file(&t, p, 2022, err, sizeof err), 0);
	assert_int_equal(t.n, 6);
	assert_label(&t, 0, "192.0.2.1:2022");
	assert_int_equal(t.v[0].line, 3);
	assert_label(&t, 1, "example.com:2222");
	assert_int_equal(t.v[1].line, 4);
	assert_string_equal(t.v[1].spec, "example.com:2222");
	assert_label(&t, 2, "[2001:db8::1]:2200");
	assert_int_equal(t.v[2].line, 5);
	assert_label(&t, 3, "198.51.100.1:2022");
	assert_label(&t, 4, "198.51.100.2:2022");
	assert_int_equal(t.v[3].line, 8);
	assert_int_equal(t.v[4].line, 8);
	assert_label(&t, 5, "localhost:2022");
	assert_int_equal(t.v[5].line, 9);

	/* an error names FILE:LINE and the file adds nothing; earlier entries stay */
	p = PUT("bad.txt", "192.0.2.5\n# ok so far\n\n192.0.2.6:99999\n192.0.2.7\n");
	assert_int_equal(kw_targets_load_file(&t, p, 22, err, sizeof err), KW_E_PARSE);
	char want[256];
	snprintf(want, sizeof want, "%s:4: '192.0.2.6:99999': ", p);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("message '%s', expected to start with '%s'", err, want);
	assert_int_equal(t.n, 6);

	/* a file may not name another file */
	p = PUT("nest.txt", "192.0.2.5\n@other.txt\n");
	assert_int_equal(kw_targets_load_file(&t, p, 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "nest.txt:2: "));
	assert_non_null(strstr(err, "@FILE"));
	assert_int_equal(t.n, 6);

	/* over-long line, NUL byte */
	char longline[1200];
	memset(longline, 'a', sizeof longline - 1);
	longline[sizeof longline - 1] = '\n';
	assert_int_equal(kw_targets_load_file(&t, put("long.txt", longline, sizeof longline), 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "long.txt:1: line too long"));
	/* ... but a long comment is only a comment */
	memset(longline, ' ', 10);
	longline[10] = '#';
	assert_int_equal(kw_targets_load_file(&t, put("longc.txt", longline, sizeof longline), 22, err, sizeof err), 0);
	p = put("nul.txt", "192.0.2.1\n192.0.2.2\0junk\n", 25);
	assert_int_equal(kw_targets_load_file(&t, p, 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "nul.txt:2: NUL"));
	assert_int_equal(t.n, 6);

	/* the cap inside a file: FILE:LINE and KW_E_TOOBIG */
	p = PUT("big.txt", "192.0.2.1\n10.0.0.0/8\n");
	assert_int_equal(kw_targets_load_file(&t, p, 22, err, sizeof err), KW_E_TOOBIG);
	assert_non_null(strstr(err, "big.txt:2: '10.0.0.0/8'"));
	assert_int_equal(t.n, 6);

	/* empty and comment-only files add nothing and are not errors */
	assert_int_equal(kw_targets_load_file(&t, PUT("empty.txt", ""), 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_load_file(&t, PUT("comments.txt", "# a\n\n  # b\r\n"), 22, err, sizeof err), 0);
	assert_int_equal(t.n, 6);

	/* missing file, folder, FIFO (refused, never opened for a blocking read) */
	char path[128];
	snprintf(path, sizeof path, "%s/missing.txt", dir);
	assert_int_equal(kw_targets_load_file(&t, path, 22, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "missing.txt: "));
	assert_int_equal(kw_targets_load_file(&t, dir, 22, err, sizeof err), KW_E_NOTREG);
	snprintf(path, sizeof path, "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(kw_targets_load_file(&t, path, 22, err, sizeof err), KW_E_NOTREG);
	/* a path with control characters is escaped in the message */
	snprintf(path, sizeof path, "%s/x\x1b[2J.txt", dir);
	assert_int_equal(kw_targets_load_file(&t, path, 22, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "x\\x1b[2J.txt"));
	assert_null(strchr(err, '\x1b'));

	/* kw_targets_add_arg: @FILE loads, anything else is a spec */
	snprintf(path, sizeof path, "@%s/good.txt", dir);
	assert_int_equal(kw_targets_add_arg(&t, path, 22, err, sizeof err), 0);
	assert_int_equal(t.n, 12);
	assert_int_equal(kw_targets_add_arg(&t, "192.0.2.200:2", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 13);
	assert_int_equal(t.v[12].line, 0);
	assert_int_equal(kw_targets_add_arg(&t, "@", 22, err, sizeof err), -ENOENT);
	kw_targets_release(&t);
}

/* the pure half: text in memory, the name escaped in messages */
static void test_add_text(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	char err[256];
	static const char ok[] = "192.0.2.1\r\n\r\n# c\n[::1]:2 # x\n";
	assert_int_equal(kw_targets_add_text(&t, ok, sizeof ok - 1, "mem", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[1].line, 4);
	static const char bad[] = "192.0.2.2\n\n192.0.2.3:0\n";
	assert_int_equal(kw_targets_add_text(&t, bad, sizeof bad - 1, "n\x1b[2J", 22, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "n\\x1b[2J:3: '192.0.2.3:0'"));
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(t.n, 2);
	/* an empty text, a lone BOM, a line of blanks and a NUL-free tail without newline */
	assert_int_equal(kw_targets_add_text(&t, "", 0, "e", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add_text(&t, "\xef\xbb\xbf", 3, "e", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add_text(&t, " \t \r\n\t", 6, "e", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add_text(&t, "a.example", 9, "e", 22, err, sizeof err), 0);
	assert_int_equal(t.n, 3);
	/* a NUL is an error even at the very end */
	assert_int_equal(kw_targets_add_text(&t, "b.example\0", 10, "e", 22, err, sizeof err), KW_E_PARSE);
	assert_int_equal(t.n, 3);
	kw_targets_release(&t);
}

static void test_stdin(void **state)
{
	(void)state;
	const char *p = PUT("stdin.txt", "192.0.2.1\n# x\n[::1]:2\n");
	int saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	kw_targets t;
	kw_targets_init(&t, 0);
	char err[256];
	int r = kw_targets_load_file(&t, "-", 22, err, sizeof err);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(r, 0);
	assert_int_equal(t.n, 2);
	assert_label(&t, 1, "[::1]:2");
	assert_int_equal(t.v[1].line, 3);
	kw_targets_release(&t);

	/* an error on stdin is reported as <stdin>:LINE */
	p = PUT("stdin-bad.txt", "nope nope\n");
	saved = dup(STDIN_FILENO);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	dup2(fd, STDIN_FILENO);
	close(fd);
	kw_targets_init(&t, 0);
	r = kw_targets_load_file(&t, "-", 22, err, sizeof err);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(r, KW_E_PARSE);
	assert_non_null(strstr(err, "<stdin>:1: "));
	kw_targets_release(&t);
}

/* ---- resolving ---- */

static void test_resolve(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	char err[256];
	assert_int_equal(kw_targets_add(&t, "localhost", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "192.0.2.1:2", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "no-such-host.invalid:2200", 22, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "LOCALHOST:2022", 22, err, sizeof err), 0);
	kw_targets_resolve(&t);

	assert_int_equal(t.v[0].resolve_err, 0);
	assert_true(kw_addr_is_loopback(&t.v[0].addr));
	assert_string_equal(t.v[0].host, "localhost");
	assert_int_equal(t.v[0].port, 22);
	assert_label(&t, 0, "localhost:22"); /* the label keeps the name the user wrote */

	assert_int_equal(t.v[1].resolve_err, 0);
	assert_null(t.v[1].host);
	assert_label(&t, 1, "192.0.2.1:2");

	assert_true(t.v[2].resolve_err < 0);
	assert_int_equal(t.v[2].addr.fam, 0);
	assert_non_null(kw_strerror(t.v[2].resolve_err));

	assert_int_equal(t.v[3].resolve_err, 0);
	assert_true(kw_addr_is_loopback(&t.v[3].addr));
	assert_int_equal(t.v[3].port, 2022);

	/* again: resolved names are left alone, the failure is tried again */
	kw_addr before = t.v[0].addr;
	kw_targets_resolve(&t);
	assert_true(kw_addr_eq(&before, &t.v[0].addr));
	assert_true(t.v[2].resolve_err < 0);
	kw_targets_release(&t);

	kw_targets_init(&t, 0);
	kw_targets_resolve(&t); /* an empty list */
	kw_targets_release(&t);
}

/* ---- labels ---- */

static void test_label_roundtrip(void **state)
{
	(void)state;
	for (int i = 0; i < 2000; i++) {
		uint8_t b[16];
		for (int k = 0; k < 16; k++)
			b[k] = (uint8_t)rnd();
		if (rnd() % 3 == 0)
			memset(b + (rnd() % 5) * 2, 0, 4 + (rnd() % 3) * 2); /* zero runs for "::" */
		unsigned port = 1 + (unsigned)(rnd() % 65535);
		bool v6 = rnd() % 2;
		if (v6 && !memcmp(b, (const uint8_t[12]){ [10] = 0xff, [11] = 0xff }, 12))
			b[0] = 0x20; /* a mapped address prints as IPv4 */
		char a[INET6_ADDRSTRLEN], spec[80], want[80];
		assert_non_null(inet_ntop(v6 ? AF_INET6 : AF_INET, b, a, sizeof a));
		if (v6) {
			snprintf(spec, sizeof spec, "[%s]:%u", a, port);
			snprintf(want, sizeof want, "[%s]:%u", a, port);
		} else {
			snprintf(spec, sizeof spec, "%s:%u", a, port);
			snprintf(want, sizeof want, "%s:%u", a, port);
		}
		kw_targets t;
		kw_targets_init(&t, 0);
		char err[256];
		if (kw_targets_add(&t, spec, 22, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", spec, err);
		assert_int_equal(t.n, 1);
		assert_int_equal(t.v[0].port, port);
		assert_int_equal(t.v[0].addr.fam, v6 ? 6 : 4);
		assert_memory_equal(t.v[0].addr.b, b, v6 ? 16 : 4);
		assert_label(&t, 0, want);
		/* the bare IPv6 form (no port) gives the same address */
		if (v6) {
			assert_int_equal(kw_targets_add(&t, a, 22, err, sizeof err), 0);
			assert_true(kw_addr_eq(&t.v[0].addr, &t.v[1].addr));
		}
		kw_targets_release(&t);
	}
}

static void test_label_escaped(void **state)
{
	(void)state;
	/* names the parser accepts are clean; a hand-made endpoint shows the escaping */
	char host[] = "evil\x1b[31m\xe2\x80\xaehost";
	kw_target_ep e = { .spec = host, .host = host, .port = 22 };
	char *l = kw_target_label(&e);
	assert_non_null(l);
	assert_string_equal(l, "evil\\x1b[31m\\u{202e}host:22");
	free(l);
	/* no host and no address: the spec, escaped */
	char spec[] = "odd\x07";
	kw_target_ep f = { .spec = spec, .port = 1 };
	l = kw_target_label(&f);
	assert_non_null(l);
	assert_string_equal(l, "odd\\x07:1");
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_default_port),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_cap),
		cmocka_unit_test_setup_teardown(test_file, make_dir, remove_dir),
		cmocka_unit_test(test_add_text),
		cmocka_unit_test_setup_teardown(test_stdin, make_dir, remove_dir),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_label_roundtrip),
		cmocka_unit_test(test_label_escaped),
	};
	return cmocka_run_group_tests(tests, seed_rng, NULL);
}
