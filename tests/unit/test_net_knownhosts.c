/* test_net_knownhosts.c — known_hosts files (src/net/knownhosts.c) against OpenSSH itself.
 *
 *  - files made by the real tools from a real sshd on 127.0.0.1 (netpeer.h): ssh-keyscan
 *    (plain, [127.0.0.1]:PORT names), ssh-keyscan -H and ssh-keygen -H (hashed names);
 *    every key's fingerprint is the one `ssh-keygen -lf` prints for the server's .pub;
 *  - `ssh-keygen -l -F NAME -f FILE` is the oracle for which lines apply to a name: one file
 *    with plain names, [host]:port, wildcards, negation, both markers, hashed lines made by
 *    ssh-keygen -H, tabs, comments, and every kind of line ssh ignores, asked for 30
 *    names; the line numbers must be the same;
 *  - lookups: markers apart (@revoked, @cert-authority), fingerprints once, the first
 *    line, the port rule (22 is the bare name), address and name together, case;
 *  - bad lines: one diagnostic each at FILE:LINE; caps (line length, NUL, file size);
 *    kw_kh_load on a missing file, a folder, a FIFO (never blocks).
 * Only 127.0.0.1 is used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "netpeer.h"

#include "base/err.h"
#include "net/knownhosts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static kwt_peer g_sshd;
static char g_dir[64];
static char g_port[16];
/* the peer's keys: "type base64" and the fingerprint ssh-keygen -lf prints */
static char g_key[3][1024];
static char g_fp[3][64];
static const char *const key_names[3] = { "ed25519", "ecdsa", "rsa" };

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", g_dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (kwt_mkdtemp(g_dir, sizeof g_dir, "kwkh.") < 0)
		return -1;
	if (kwt_peer_start(&g_sshd, KWT_PEER_SSHD, NULL) < 0) {
		fprintf(stderr, "sshd: %s\n", g_sshd.why);
		kwt_peer_stop(&g_sshd);
		return -1;
	}
	snprintf(g_port, sizeof g_port, "%d", g_sshd.port);
	for (int i = 0; i < 3; i++) {
		char pub[192], out[512];
		snprintf(pub, sizeof pub, "%s/ssh_host_%s_key.pub", g_sshd.dir, key_names[i]);
		size_t len;
		char *text = (char *)kwt_read_file(pub, &len);
		if (!text)
			return -1;
		/* "type base64 comment" -> "type base64" */
		char *sp = strchr(text, ' ');
		char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp2)
			*sp2 = '\0';
		text[strcspn(text, "\n")] = '\0';
		snprintf(g_key[i], sizeof g_key[i], "%s", text);
		free(text);
		const char *const argv[] = { "/usr/bin/ssh-keygen", "-l", "-f", pub, NULL };
		if (kwt_run(argv, out, sizeof out, NULL, 10000) != 0)
			return -1;
		/* "256 SHA256:... comment (ED25519)" */
		if (sscanf(out, "%*u %63s", g_fp[i]) != 1 || strncmp(g_fp[i], "SHA256:", 7))
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	kwt_peer_stop(&g_sshd);
	if (g_dir[0])
		kwt_rm_tree(g_dir);
	return 0;
}

/* ssh-keyscan of the peer (all key types) into path; extra: "-H" or NULL */
static void keyscan(const char *path, const char *extra)
{
	const char *argv[10];
	size_t n = 0;
	argv[n++] = "/usr/bin/ssh-keyscan";
	if (extra)
		argv[n++] = extra;
	argv[n++] = "-T";
	argv[n++] = "5";
	argv[n++] = "-t";
	argv[n++] = "rsa,ecdsa,ed25519";
	argv[n++] = "-p";
	argv[n++] = g_port;
	argv[n++] = "127.0.0.1";
	argv[n] = NULL;
	char *out = NULL;
	assert_int_equal(kwt_run_alloc(argv, &out, 1 << 20, 20000), 0);
	assert_non_null(out);
	assert_true(strlen(out) > 0);
	write_text(path, out);
	free(out);
}

static bool has_fp(const char *const *v, size_t n, const char *fp)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], fp))
			return true;
	return false;
}

/* The three keys of the peer, for 127.0.0.1 at its port, and nothing for other names. */
static void expect_peer_keys(const kw_known_hosts *kh)
{
	const char *names[] = { "127.0.0.1" };
	kw_kh_match m;
	assert_int_equal(kw_kh_lookup(kh, names, 1, (uint16_t)g_sshd.port, &m), 0);
	assert_true(m.any);
	assert_int_equal(m.n_keys, 3);
	for (int i = 0; i < 3; i++)
		assert_true(has_fp(m.keys, m.n_keys, g_fp[i]));
	assert_int_equal(m.n_revoked, 0);
	assert_int_equal(m.n_ca, 0);
	assert_true(m.keys_line >= 1);
	kw_kh_match_release(&m);
	/* the same address on port 22, another address, another port: nothing */
	uint16_t ports[] = { 22, (uint16_t)(g_sshd.port == 65535 ? 1 : g_sshd.port + 1) };
	for (size_t p = 0; p < 2; p++) {
		assert_int_equal(kw_kh_lookup(kh, names, 1, ports[p], &m), 0);
		assert_false(m.any);
		assert_int_equal(m.n_keys, 0);
		kw_kh_match_release(&m);
	}
	const char *other[] = { "127.0.0.2", "localhost" };
	assert_int_equal(kw_kh_lookup(kh, other, 2, (uint16_t)g_sshd.port, &m), 0);
	assert_false(m.any);
	kw_kh_match_release(&m);
}

static void test_keyscan_plain(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof path, "keyscan");
	keyscan(path, NULL);
	kw_known_hosts kh;
	kw_diags d = { 0 };
	assert_int_equal(kw_kh_load(path, &kh, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(kh.n, 3);
	for (size_t i = 0; i < kh.n; i++) {
		assert_false(kh.v[i].hashed);
		assert_int_equal(kh.v[i].marker, KW_KH_PLAIN);
		char want[64];
		snprintf(want, sizeof want, "[127.0.0.1]:%d", g_sshd.port);
		assert_string_equal(kh.v[i].hosts, want);
		assert_true(kw_fp_sha256_valid(kh.v[i].fp, strlen(kh.v[i].fp)));
	}
	expect_peer_keys(&kh);
	kw_kh_release(&kh);
	kw_diags_release(&d);
}

static void test_keyscan_hashed(void **state)
{
	(void)state;
	/* ssh-keyscan -H, and ssh-keygen -H over a plain file */
	char a[128], b[128];
	path_of(a, sizeof a, "keyscan-H");
	keyscan(a, "-H");
	path_of(b, sizeof b, "keygen-H");
	keyscan(b, NULL);
	const char *const argv[] = { "/usr/bin/ssh-keygen", "-H", "-f", b, NULL };
	assert_int_equal(kwt_run(argv, NULL, 0, NULL, 10000), 0);
	const char *files[] = { a, b };
	for (size_t f = 0; f < 2; f++) {
		kw_known_hosts kh;
		kw_diags d = { 0 };
		assert_int_equal(kw_kh_load(files[f], &kh, &d), 0);
		assert_int_equal(d.n, 0);
		assert_int_equal(kh.n, 3);
		for (size_t i = 0; i < kh.n; i++) {
			assert_true(kh.v[i].hashed);
			assert_null(kh.v[i].hosts);
		}
		expect_peer_keys(&kh);
		kw_kh_release(&kh);
		kw_diags_release(&d);
	}
}

/* ---- ssh-keygen -l -F as the oracle ---- */

/* The line numbers ssh-keygen -l -F name -f path reports, as a bit set (lines < 128). */
static void oracle_lines(const char *path, const char *name, bool lines[128])
{
	memset(lines, 0, 128 * sizeof lines[0]);
	const char *const argv[] = { "/usr/bin/ssh-keygen", "-l", "-F", name, "-f", path, NULL };
	char *out = NULL;
	int st = kwt_run_alloc(argv, &out, 1 << 20, 10000);
	assert_true(st == 0 || st == 1); /* 1: not found */
	assert_non_null(out);
	char prefix[320];
	snprintf(prefix, sizeof prefix, "# Host %s found: line ", name);
	for (char *p = out; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(p, prefix, strlen(prefix))) {
			unsigned ln = (unsigned)strtoul(p + strlen(prefix), NULL, 10);
			assert_true(ln > 0 && ln < 128);
			lines[ln] = true;
		}
		p = nl ? nl + 1 : NULL;
	}
	free(out);
}

static void test_oracle(void **state)
{
	(void)state;
	const char *k1 = g_key[0], *k2 = g_key[1], *k3 = g_key[2];
	/* the hashed lines: ssh-keygen -H of plain ones (it leaves markers and wildcards alone
	 * and then refuses to rewrite the file, so those stay out of this one) */
	char hp[128];
	path_of(hp, sizeof hp, "tohash");
	char text[16384];
	snprintf(text, sizeof text, "host-j %s\n[host-k]:2022 %s\nhost-q,10.9.9.9 %s\n", k1, k2, k3);
	write_text(hp, text);
	const char *const hargv[] = { "/usr/bin/ssh-keygen", "-H", "-f", hp, NULL };
	assert_int_equal(kwt_run(hargv, NULL, 0, NULL, 10000), 0);
	size_t hl;
	char *hashed = (char *)kwt_read_file(hp, &hl);
	assert_non_null(hashed);
	assert_non_null(strstr(hashed, "|1|"));
	unsigned n_hashed = 0; /* ssh-keygen -H writes one line per name: 4 */
	for (const char *q = hashed; *q; q++)
		n_hashed += *q == '\n';
	assert_int_equal(n_hashed, 4);

	/* the key of k1 under the RSA type name: a type that does not match the blob */
	const char *k1_blob = strchr(k1, ' ') + 1;
	int n = snprintf(text, sizeof text,
		"# known_hosts for the oracle\n"                       /* 1 */
		"\n"                                                   /* 2 */
		"host-a,host-b %s comment one\n"                       /* 3 */
		"[host-a]:2222 %s\n"                                   /* 4 */
		"*.example.com,!bad.example.com %s\n"                  /* 5 */
		"@revoked *.revoked.test %s\n"                         /* 6 */
		"@cert-authority *.example.com %s\n"                   /* 7 */
		"Host-C %s\n"                                          /* 8 */
		"10.0.0.? %s\n"                                        /* 9 */
		"[10.0.0.1]:*,[10.0.0.2]:2222 %s\n"                    /* 10 */
		"host-d ssh-ed25519 AAAAbad\n"                         /* 11: bad key */
		"  \thost-e %s comment with  spaces\n"                 /* 12 */
		"@bogus host-f %s\n"                                   /* 13: bad marker */
		"host-g\n"                                             /* 14: no key */
		"host-h ssh-rsa %s\n"                                  /* 15: type mismatch */
		"!host-i,host-* %s\n"                                  /* 16 */
		"|2|abc|def %s\n"                                      /* 17: unknown hash */
		"|1|c2FsdA==|aGFzaA== %s\n"                            /* 18: 4-byte salt */
		"@revoked@revoked * %s\n"                              /* 19: bad marker */
		"@cert-authority @revoked host-l %s\n"                 /* 20: two markers */
		"host-m\t%s\n"                                         /* 21: tab */
		"@revoked\thost-n %s\n"                                /* 22: marker ends at the space */
		"host-o %s #not a comment\n"                           /* 23 */
		"host-p #%s\n"                                         /* 24: no key */
		"host-r unknown-type AAAA\n"                           /* 25: unknown type */
		"host-s,host-s %s\n"                                   /* 26 */
		"@revoked host-t %s\n"                                 /* 27 */
		"%s",                                                  /* 28..31: hashed */
		k1, k2, k1, k2, k1, k1, k3, k1, k2, k1, k1_blob, k3, k1, k1, k1, k1, k1, k2, k1, k1,
		k2, k3, hashed);
	assert_true(n > 0 && (size_t)n < sizeof text);
	free(hashed);
	char path[128];
	path_of(path, sizeof path, "oracle");
	write_text(path, text);

	kw_known_hosts kh;
	kw_diags d = { 0 };
	assert_int_equal(kw_kh_load(path, &kh, &d), 0);
	assert_int_equal(kh.lines, 27 + n_hashed);
	/* the lines ssh ignores: one diagnostic each, naming the file */
	const unsigned bad[] = { 11, 13, 14, 15, 17, 18, 19, 20, 22, 24, 25 };
	assert_int_equal(d.n, sizeof bad / sizeof bad[0]);
	assert_int_equal(kh.skipped, sizeof bad / sizeof bad[0]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const kw_diag *g = kwt_diag_at(&d, bad[i]);
		assert_non_null(g);
		assert_string_equal(g->file, path);
		assert_non_null(strstr(g->msg, "ssh ignores this line"));
	}
	assert_int_equal(kh.n, 27 + n_hashed - 2 - sizeof bad / sizeof bad[0]);

	const char *const queries[] = {
		"host-a", "host-b", "[host-a]:2222", "[host-b]:2222", "x.example.com", "bad.example.com",
		"a.b.example.com", "example.com", "host-c", "10.0.0.1", "10.0.0.12", "[10.0.0.1]:2200",
		"[10.0.0.2]:2222", "[10.0.0.2]:22", "host-d", "host-e", "host-f", "host-g", "host-h",
		"host-i", "host-zz", "host-j", "[host-k]:2022", "host-k", "host-q", "10.9.9.9",
		"host-l", "host-m", "host-n", "host-o", "host-p", "host-r", "host-s", "host-t",
		"a.revoked.test", "nothing.invalid",
	};
	size_t hits = 0;
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		bool want[128], got[128] = { false };
		oracle_lines(path, queries[q], want);
		for (size_t i = 0; i < kh.n; i++)
			if (kw_kh_entry_matches(&kh.v[i], queries[q]))
				got[kh.v[i].line] = true;
		for (unsigned ln = 0; ln < 128; ln++) {
			if (want[ln] != got[ln])
				fail_msg("%s: line %u: ssh-keygen says %s, keyward %s", queries[q], ln,
					 want[ln] ? "match" : "no match", got[ln] ? "match" : "no match");
			hits += want[ln];
		}
	}
	assert_true(hits >= 25); /* the oracle really found things */

	/* lookups with markers apart */
	kw_kh_match m;
	const char *x[] = { "x.example.com" };
	assert_int_equal(kw_kh_lookup(&kh, x, 1, 22, &m), 0);
	assert_true(m.any);
	assert_int_equal(m.n_keys, 1);
	assert_string_equal(m.keys[0], g_fp[0]);
	assert_int_equal(m.keys_line, 5);
	assert_int_equal(m.n_ca, 1);
	assert_string_equal(m.ca[0], g_fp[0]);
	assert_int_equal(m.ca_line, 7);
	assert_int_equal(m.n_revoked, 0);
	kw_kh_match_release(&m);
	const char *t[] = { "host-t" };
	assert_int_equal(kw_kh_lookup(&kh, t, 1, 22, &m), 0);
	assert_true(m.any);
	assert_int_equal(m.n_keys, 1);      /* host-* of line 16 */
	assert_string_equal(m.keys[0], g_fp[2]);
	assert_int_equal(m.n_revoked, 1);
	assert_string_equal(m.revoked[0], g_fp[2]);
	assert_int_equal(m.revoked_line, 27);
	kw_kh_match_release(&m);
	/* a name and an address together; a port other than 22 builds [name]:port; a
	 * duplicated key is listed once; upper case is looked up as lower case (ssh lowercases
	 * the host name), hashed names included */
	const char *both[] = { "HOST-A", "10.0.0.2" };
	assert_int_equal(kw_kh_lookup(&kh, both, 2, 2222, &m), 0);
	assert_int_equal(m.n_keys, 2);
	assert_true(has_fp(m.keys, m.n_keys, g_fp[1]));
	assert_true(has_fp(m.keys, m.n_keys, g_fp[0]));
	assert_int_equal(m.keys_line, 4);
	kw_kh_match_release(&m);
	const char *s[] = { "host-s", "HOST-S", "Host-J" };
	assert_int_equal(kw_kh_lookup(&kh, s, 3, 22, &m), 0);
	assert_int_equal(m.n_keys, 3); /* k3 (16: host-*), k2 (26, twice), k1 (hashed host-j) */
	assert_string_equal(m.keys[0], g_fp[2]);
	assert_string_equal(m.keys[1], g_fp[1]);
	assert_string_equal(m.keys[2], g_fp[0]);
	assert_int_equal(m.keys_line, 16);
	kw_kh_match_release(&m);
	kw_kh_release(&kh);
	kw_diags_release(&d);
}

static void test_hostport(void **state)
{
	(void)state;
	char b[KW_KH_NAME_MAX + 1];
	assert_int_equal(kw_kh_hostport("h", 22, b, sizeof b), 0);
	assert_string_equal(b, "h");
	assert_int_equal(kw_kh_hostport("h", 0, b, sizeof b), 0);
	assert_string_equal(b, "h");
	assert_int_equal(kw_kh_hostport("h", 2222, b, sizeof b), 0);
	assert_string_equal(b, "[h]:2222");
	assert_int_equal(kw_kh_hostport("::1", 65535, b, sizeof b), 0);
	assert_string_equal(b, "[::1]:65535");
	assert_int_equal(kw_kh_hostport("abcd", 2222, b, 9), KW_E_TOOBIG);
	assert_int_equal(kw_kh_hostport("abcd", 22, b, 4), KW_E_TOOBIG);
}

static void test_caps_and_files(void **state)
{
	(void)state;
	kw_known_hosts kh;
	kw_diags d = { 0 };
	/* empty and comment-only files */
	assert_int_equal(kw_kh_parse("e", (const uint8_t *)"", 0, &kh, &d), 0);
	assert_int_equal(kh.n, 0);
	kw_kh_release(&kh);
	const char *c = "# only\n\n   \n\t# indented\n";
	assert_int_equal(kw_kh_parse("c", (const uint8_t *)c, strlen(c), &kh, &d), 0);
	assert_int_equal(kh.n, 0);
	assert_int_equal(kh.lines, 4);
	assert_int_equal(d.n, 0);
	kw_kh_release(&kh);
	/* over the file cap: refused before anything is read */
	assert_int_equal(kw_kh_parse("big", (const uint8_t *)c, KW_KH_FILE_MAX + 1, &kh, &d), KW_E_TOOBIG);
	assert_int_equal(kh.n, 0);
	/* CR LF, a line over the cap, a NUL, no final newline */
	size_t big = KW_KH_LINE_MAX + 100;
	char *text = malloc(big + 4096);
	assert_non_null(text);
	kw_kh_release(&kh);
	size_t l2 = 0;
	l2 += (size_t)sprintf(text + l2, "host-1 %s\r\n", g_key[0]);
	memset(text + l2, 'a', big);
	l2 += big;
	text[l2++] = '\n';
	l2 += (size_t)sprintf(text + l2, "host-3 %s\n", g_key[1]);
	const char nulline[] = "host-4 ssh-ed25519 AA\0AA\n";
	memcpy(text + l2, nulline, sizeof nulline - 1);
	l2 += sizeof nulline - 1;
	l2 += (size_t)sprintf(text + l2, "host-5 %s", g_key[2]);
	assert_int_equal(kw_kh_parse("caps", (const uint8_t *)text, l2, &kh, &d), 0);
	free(text);
	assert_int_equal(kh.lines, 5);
	assert_int_equal(kh.n, 3);
	assert_int_equal(kh.v[0].line, 1);
	assert_string_equal(kh.v[0].fp, g_fp[0]); /* the CR is not part of the key */
	assert_int_equal(kh.v[1].line, 3);
	assert_int_equal(kh.v[2].line, 5);
	assert_string_equal(kh.v[2].fp, g_fp[2]);
	assert_non_null(kwt_diag_at(&d, 2));
	assert_non_null(kwt_diag_at(&d, 4));
	kw_kh_release(&kh);
	kw_diags_release(&d);

	/* kw_kh_load: missing, a folder, a FIFO (refused without blocking) */
	char p[128];
	path_of(p, sizeof p, "missing");
	assert_int_equal(kw_kh_load(p, &kh, &d), -ENOENT);
	assert_int_equal(kw_kh_load(g_dir, &kh, &d), KW_E_NOTREG);
	path_of(p, sizeof p, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(kw_kh_load(p, &kh, &d), KW_E_NOTREG);
	assert_int_equal(kh.n, 0);
	kw_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_keyscan_plain),
		cmocka_unit_test(test_keyscan_hashed),
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_caps_and_files),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
