/* test_algos.c — algorithm lists and ratings. Owner: helper "algos".
 *
 * The oracle tests run the real OpenSSH 9.2 sshd (`sshd -T -o KEYWORD=SPEC -f /dev/null
 * -h HOSTKEY`, host key made by ssh-keygen in a temp dir) for generated specs of every
 * kind and compare the list it prints, or its error line, with kw_algos_resolve(); and
 * the same for values set inside a matching Match block against kw_algos_assemble().
 * The rest are table tests: literal expectations from the research notes (section 2.6),
 * grades, Terrapin, and ratings-file errors with line numbers.
 */
#include "base/cleanup.h"
#include "base/err.h"
#include "sshd/algos.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define SSHD "/usr/sbin/sshd"

static char tmpdir[64];
static char hostkey[128];

static int setup_oracle(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/kw-test-algos-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(hostkey, sizeof hostkey, "%s/hk", tmpdir);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N '' -f '%s' </dev/null >/dev/null 2>&1",
		 hostkey);
	if (system(cmd) != 0)
		return -1;
	if (geteuid() == 0)
		(void)mkdir("/run/sshd", 0755);  /* sshd -T wants it when run as root */
	return access(SSHD, X_OK);
}

static int teardown_oracle(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- running sshd ---- */

struct sshd_out {
	int rc;
	char *list;      /* value of the "<t_name> " line, or NULL */
	char *last;      /* last output line (the error on failure) */
};

static void sshd_out_release(struct sshd_out *o)
{
	free(o->list);
	free(o->last);
	memset(o, 0, sizeof *o);
}

static void run_sshd_once(const char *args, const char *t_name, struct sshd_out *o)
{
	memset(o, 0, sizeof *o);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, SSHD " -T -h '%s' %s 2>&1", hostkey, args) > 0);
	FILE *p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t tl = strlen(t_name);
	while ((n = getline(&line, &cap, p)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';   /* sshd's log lines end in "\r\n" */
		if (n == 0)
			continue;
		if ((size_t)n > tl && strncmp(line, t_name, tl) == 0 && line[tl] == ' ') {
			free(o->list);
			o->list = strdup(line + tl + 1);
		}
		free(o->last);
		o->last = strdup(line);
	}
	free(line);
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	o->rc = WEXITSTATUS(st);
}

/* Other tests on the machine may remove /run/sshd while we run: make it again and retry. */
static void run_sshd(const char *args, const char *t_name, struct sshd_out *o)
{
	for (int i = 0; i < 5; i++) {
		run_sshd_once(args, t_name, o);
		if (!o->last || !strstr(o->last, "Missing privilege separation directory"))
			return;
		sshd_out_release(o);
		(void)mkdir("/run/sshd", 0755);
	}
	fail_msg("sshd keeps missing /run/sshd");
}

/* Compare one spec: ours vs sshd. In global mode resolve() and `-o`; in match mode
 * validate()+assemble() and a file with the value inside a matching Match block. */
static int compare_one(kw_alg_kind kind, const char *spec, bool match_mode)
{
	char *args = NULL;
	char path[PATH_MAX];
	if (match_mode) {
		snprintf(path, sizeof path, "%s/m.conf", tmpdir);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "Match user alice\n\t%s %s\n", kw_algos_keyword(kind), spec);
		assert_int_equal(fclose(f), 0);
		assert_true(asprintf(&args, "-C user=alice,host=h,addr=127.0.0.1 -f '%s'", path) > 0);
	} else {
		assert_true(asprintf(&args, "-f /dev/null -o '%s=%s'", kw_algos_keyword(kind), spec) > 0);
	}
	struct sshd_out o;
	run_sshd(args, kw_algos_t_name(kind), &o);
	free(args);

	char *ours = NULL, *err = NULL;
	int r;
	if (match_mode) {
		r = kw_algos_validate(kind, NULL, spec, &err);
		if (r == 0)
			r = kw_algos_assemble(kind, spec, &ours, &err);
	} else {
		r = kw_algos_resolve(kind, spec, &ours, &err);
	}
	int bad = 0;
	if (r == 0) {
		if (o.rc != 0 || !o.list || strcmp(o.list, ours) != 0) {
			print_error("%s '%s' (%s): ours '%s', sshd rc %d '%s' / '%s'\n",
				    kw_algos_keyword(kind), spec, match_mode ? "match" : "global",
				    ours, o.rc, o.list ? o.list : "(none)", o.last ? o.last : "");
			bad = 1;
		}
	} else {
		assert_int_equal(r, KW_E_PARSE);
		assert_non_null(err);
		char *want = NULL;
		if (strncmp(err, "assemble_algorithms:", 20) == 0)
			want = strdup(err);
		else if (match_mode)
			assert_true(asprintf(&want, "%s line 2: %s", path, err) > 0);
		else
			assert_true(asprintf(&want, "command-line line 0: %s", err) > 0);
		assert_non_null(want);
		if (o.rc != 255 || !o.last || strcmp(o.last, want) != 0) {
			print_error("%s '%s' (%s): ours refuses '%s', sshd rc %d '%s'\n",
				    kw_algos_keyword(kind), spec, match_mode ? "match" : "global",
				    want, o.rc, o.last ? o.last : "");
			bad = 1;
		}
		free(want);
	}
	free(ours);
	free(err);
	sshd_out_release(&o);
	return bad;
}

/* ---- spec generator ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static size_t split_names(const char *list, char names[][128], size_t max)
{
	size_t n = 0;
	const char *p = list;
	while (*p && n < max) {
		size_t l = strcspn(p, ",");
		if (l < 128) {
			memcpy(names[n], p, l);
			names[n][l] = '\0';
			n++;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	return n;
}

static const char *const extra_tokens[KW_ALG__COUNT][10] = {
	[KW_ALG_CIPHERS] = { "aes*", "*-cbc", "*", "AES128-CTR", "none", "bogus", "?es128-ctr",
			     "hmac-sha1", "*gcm*", "arcfour" },
	[KW_ALG_MACS] = { "*-etm@openssh.com", "hmac-sha2-*", "*", "HMAC-SHA1", "umac-64*",
			  "bogus", "aes128-ctr", "*sha1*", "hmac-sha2-256-etm", "none" },
	[KW_ALG_KEX] = { "curve25519*", "*", "*sha1", "ecdh-sha2-*", "bogus",
			 "kex-strict-s-v00@openssh.com", "SNTRUP761X25519-SHA512",
			 "diffie-hellman-group14-sha1", "ext-info-c", "*@*" },
	[KW_ALG_HOSTKEY] = { "ssh-*", "*-cert-v01@openssh.com", "RSA", "ed25519", "!ssh-dss",
			     "bogus", "ecdsa*", "ED25519-CERT", "*", "!bogus" },
	[KW_ALG_PUBKEY] = { "*cert*", "rsa-sha2-*", "ECDSA-SK", "DSA", "!ssh-rsa", "bogus",
			    "ssh-rsa", "ssh-dss", "*", "?sa-sha2-512" },
	[KW_ALG_HOSTBASED] = { "sk-*", "*nistp*", "rsa", "ssh-ed25519-cert*", "!*", "nothing*",
			       "ssh-rsa-cert-v01@openssh.com", "webauthn*", "*", "ecdsa" },
	[KW_ALG_CASIG] = { "ssh-ed25519-cert-v01@openssh.com", "*", "rsa-sha2-*", "RSA", "!ssh-rsa",
			   "bogus", "ssh-rsa", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
			   "*-cert-v01@openssh.com", "ssh-dss" },
};

static void gen_spec(kw_alg_kind kind, char *out, size_t cap, bool allow_bad)
{
	static char names[64][128];
	size_t nn = split_names(kw_algos_supported(kind), names, 64);
	assert_true(nn > 0);
	static const char *const prefixes[] = { "", "+", "-", "^" };
	size_t len = (size_t)snprintf(out, cap, "%s", prefixes[rnd(4)]);
	uint32_t k = 1 + rnd(4);
	for (uint32_t i = 0; i < k; i++) {
		const char *tok;
		uint32_t c = rnd(100);
		if (!allow_bad || c < 70)
			tok = names[rnd((uint32_t)nn)];
		else if (c < 92)
			tok = extra_tokens[kind][rnd(10)];
		else
			tok = "";    /* an empty element: sshd's validation stops there */
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", tok);
		assert_true(len < cap);
	}
	if (len == 0)   /* -o K= has no argument at all: the lexer's error, not ours */
		snprintf(out, cap, ",");
}

static void oracle_kind(kw_alg_kind kind)
{
	int bad = 0, n = 0;
	char spec[1024];
	/* the default list itself */
	struct sshd_out o;
	run_sshd("-f /dev/null", kw_algos_t_name(kind), &o);
	assert_int_equal(o.rc, 0);
	assert_non_null(o.list);
	assert_string_equal(o.list, kw_algos_default(kind));
	sshd_out_release(&o);
	for (int i = 0; i < 100; i++, n++) {
		gen_spec(kind, spec, sizeof spec, i % 3 != 0);
		bad += compare_one(kind, spec, false);
	}
	/* fixed edge cases */
	static const char *const edges[] = { "+", "-", "^", "-*", ",", "-,", "+,", "^,",
					     "!x", "-!x", "*", "-*,!zzz", ",*", "^,*" };
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++, n++)
		bad += compare_one(kind, edges[i], false);
	/* a subpattern of 1023+ bytes makes a whole pattern list fail to match */
	char longp[1100];
	memset(longp, 'a', sizeof longp);
	memcpy(longp, "-*,", 3);
	longp[sizeof longp - 1] = '\0';
	bad += compare_one(kind, longp, false);
	n++;
	print_message("%s: %d specs compared with sshd -T, %d differences\n",
		      kw_algos_keyword(kind), n, bad);
	assert_int_equal(bad, 0);
}

static void test_oracle_ciphers(void **s) { (void)s; oracle_kind(KW_ALG_CIPHERS); }
static void test_oracle_macs(void **s) { (void)s; oracle_kind(KW_ALG_MACS); }
static void test_oracle_kex(void **s) { (void)s; oracle_kind(KW_ALG_KEX); }
static void test_oracle_hostkey(void **s) { (void)s; oracle_kind(KW_ALG_HOSTKEY); }
static void test_oracle_pubkey(void **s) { (void)s; oracle_kind(KW_ALG_PUBKEY); }
static void test_oracle_hostbased(void **s) { (void)s; oracle_kind(KW_ALG_HOSTBASED); }
static void test_oracle_casig(void **s) { (void)s; oracle_kind(KW_ALG_CASIG); }

/* Values inside a matching Match block: assembled once, against the default. */
static void test_oracle_match(void **s)
{
	(void)s;
	static const kw_alg_kind kinds[] = { KW_ALG_PUBKEY, KW_ALG_HOSTBASED, KW_ALG_CASIG };
	int bad = 0, n = 0;
	char spec[1024];
	for (size_t k = 0; k < 3; k++) {
		bad += compare_one(kinds[k], "-*", true);
		bad += compare_one(kinds[k], "^ssh-ed25519,,!x", true);
		n += 2;
		for (int i = 0; i < 20; i++, n++) {
			gen_spec(kinds[k], spec, sizeof spec, true);
			bad += compare_one(kinds[k], spec, true);
		}
	}
	print_message("Match blocks: %d specs compared with sshd -T, %d differences\n", n, bad);
	assert_int_equal(bad, 0);
}

/* ---- literal expectations (research notes 2.6 and probes of sshd 9.2) ---- */

static void expect_list(kw_alg_kind kind, const char *spec, const char *want)
{
	char *got = NULL, *err = NULL;
	int r = kw_algos_resolve(kind, spec, &got, &err);
	if (r != 0)
		fail_msg("%s: refused: %s", spec, err ? err : "?");
	assert_string_equal(got, want);
	free(got);
}

static void expect_refusal(kw_alg_kind kind, const char *spec, const char *want_err)
{
	char *got = NULL, *err = NULL;
	assert_int_equal(kw_algos_resolve(kind, spec, &got, &err), KW_E_PARSE);
	assert_null(got);
	assert_string_equal(err, want_err);
	free(err);
}

static void test_resolve_literals(void **s)
{
	(void)s;
	expect_list(KW_ALG_CIPHERS, "+aes128-cbc",
		    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
		    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc");
	expect_list(KW_ALG_CIPHERS, "-chacha20-poly1305@openssh.com,aes*-ctr",
		    "aes128-gcm@openssh.com,aes256-gcm@openssh.com");
	expect_list(KW_ALG_CIPHERS, "^aes256-gcm@openssh.com",
		    "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
		    "aes256-ctr,aes128-gcm@openssh.com");
	expect_list(KW_ALG_MACS, "-*sha1*,umac-64*",
		    "umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
		    "hmac-sha2-512-etm@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512");
	expect_list(KW_ALG_HOSTKEY, "-ssh-rsa", kw_algos_default(KW_ALG_HOSTKEY));
	expect_list(KW_ALG_CIPHERS, "aes128-ctr,aes128-ctr,aes256-ctr,aes128-ctr", "aes128-ctr,aes256-ctr");
	expect_list(KW_ALG_CIPHERS, "-*", kw_algos_default(KW_ALG_CIPHERS));
	expect_list(KW_ALG_CIPHERS, "aes128-ctr,,bogus", "aes128-ctr");
	expect_list(KW_ALG_CIPHERS, "^aes128-ctr,,aes256*",
		    "aes128-ctr,aes256-cbc,aes256-ctr,aes256-gcm@openssh.com,"
		    "chacha20-poly1305@openssh.com,aes192-ctr,aes128-gcm@openssh.com");
	expect_list(KW_ALG_HOSTKEY, "ssh-*",
		    "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,ssh-dss,ssh-dss-cert-v01@openssh.com,"
		    "ssh-rsa,ssh-rsa-cert-v01@openssh.com");
	expect_list(KW_ALG_HOSTKEY, "ssh-ed25519,rsa", "ssh-ed25519");
	expect_list(KW_ALG_CASIG, "ssh-ed25519-cert-v01@openssh.com,ssh-rsa", "ssh-rsa");
	expect_refusal(KW_ALG_CIPHERS, "AES256-CTR", "Bad SSH2 cipher spec 'AES256-CTR'.");
	expect_refusal(KW_ALG_CIPHERS, "aes128-*", "Bad SSH2 cipher spec 'aes128-*'.");
	expect_refusal(KW_ALG_CIPHERS, "+", "Bad SSH2 cipher spec '+'.");
	expect_refusal(KW_ALG_CIPHERS, "none", "Bad SSH2 cipher spec 'none'.");
	expect_refusal(KW_ALG_MACS, "bogus", "Bad SSH2 mac spec 'bogus'.");
	expect_refusal(KW_ALG_KEX, "bogus,curve25519-sha256",
		       "Bad SSH2 KexAlgorithms 'bogus,curve25519-sha256'.");
	expect_refusal(KW_ALG_HOSTKEY, "!nothing", "Bad key types '!nothing'.");
	expect_refusal(KW_ALG_HOSTKEY, "!ssh-dss", "assemble_algorithms: hostkeyalgorithms: invalid argument");
	expect_refusal(KW_ALG_CASIG, "ssh-ed25519-cert-v01@openssh.com",
		       "assemble_algorithms: ca_sign_algorithms: invalid argument");
	expect_refusal(KW_ALG_CIPHERS, ",bogus", "assemble_algorithms: ciphers: invalid argument");
	expect_refusal(KW_ALG_CIPHERS, "", "Ciphers missing argument.");
	expect_refusal(KW_ALG_PUBKEY, "", "Missing argument.");

	char *err = NULL;
	assert_int_equal(kw_algos_validate(KW_ALG_KEX, "kexalgorithms", "", &err), KW_E_PARSE);
	assert_string_equal(err, "kexalgorithms missing argument.");
	free(err);
	assert_int_equal(kw_algos_validate(KW_ALG_CIPHERS, NULL, "-bogus", NULL), 0);
	/* Match semantics: assembled once, so "-*" really is empty */
	char *list = NULL;
	assert_int_equal(kw_algos_assemble(KW_ALG_PUBKEY, "-*", &list, NULL), 0);
	assert_string_equal(list, "");
	free(list);
}

static void test_keywords(void **s)
{
	(void)s;
	kw_alg_kind k;
	assert_int_equal(kw_algos_kind_from_keyword("pubkeyacceptedkeytypes", &k), 0);
	assert_int_equal(k, KW_ALG_PUBKEY);
	assert_int_equal(kw_algos_kind_from_keyword("HostbasedAcceptedKeyTypes", &k), 0);
	assert_int_equal(k, KW_ALG_HOSTBASED);
	assert_int_equal(kw_algos_kind_from_keyword("MACS", &k), 0);
	assert_int_equal(k, KW_ALG_MACS);
	assert_int_equal(kw_algos_kind_from_keyword("CASignatureAlgorithms", &k), 0);
	assert_int_equal(k, KW_ALG_CASIG);
	assert_int_equal(kw_algos_kind_from_keyword("Cipher", &k), -ENOENT);
	assert_string_equal(kw_algos_t_name(KW_ALG_KEX), "kexalgorithms");
	assert_string_equal(kw_algos_keyword(KW_ALG_HOSTKEY), "HostKeyAlgorithms");
	assert_true(strstr(kw_algos_default(KW_ALG_KEX), "sntrup761x25519-sha512,") ==
		    kw_algos_default(KW_ALG_KEX));
	assert_true(kw_algos_list_has(kw_algos_supported(KW_ALG_HOSTKEY), "ssh-rsa-cert-v01@openssh.com"));
	assert_false(kw_algos_list_has(kw_algos_supported(KW_ALG_CASIG), "ssh-rsa-cert-v01@openssh.com"));
}

/* ---- grades ---- */

static void expect_grade(kw_alg_kind kind, const char *name, const char *policy, kw_grade want,
			 const char *reason_part)
{
	kw_grade g;
	const char *why = NULL;
	assert_int_equal(kw_algos_grade(kind, name, policy, &g, &why), 0);
	if (g != want)
		fail_msg("%s %s: grade %s, want %s", name, policy, kw_grade_name(g), kw_grade_name(want));
	assert_non_null(why);
	if (reason_part && !strstr(why, reason_part))
		fail_msg("%s: reason '%s' lacks '%s'", name, why, reason_part);
}

static void test_grades(void **s)
{
	(void)s;
	expect_grade(KW_ALG_KEX, "diffie-hellman-group1-sha1", "baseline", KW_GRADE_FAIL, "Logjam");
	expect_grade(KW_ALG_KEX, "diffie-hellman-group14-sha1", "baseline", KW_GRADE_FAIL, "SHA-1");
	expect_grade(KW_ALG_KEX, "diffie-hellman-group-exchange-sha1", "strict", KW_GRADE_FAIL, NULL);
	expect_grade(KW_ALG_KEX, "ecdh-sha2-nistp256", "baseline", KW_GRADE_WARN, "NSA");
	expect_grade(KW_ALG_KEX, "ecdh-sha2-nistp521", "strict", KW_GRADE_FAIL, "NSA");
	expect_grade(KW_ALG_KEX, "sntrup761x25519-sha512", "strict", KW_GRADE_OK, NULL);
	expect_grade(KW_ALG_KEX, "gss-gex-sha1-foo", "baseline", KW_GRADE_UNKNOWN, "not in the ratings");
	expect_grade(KW_ALG_KEX, "diffie-hellman-group-exchange-sha1@example.com", "baseline",
		     KW_GRADE_FAIL, "SHA-1");  /* a pattern row */
	expect_grade(KW_ALG_CIPHERS, "3des-cbc", "baseline", KW_GRADE_FAIL, "Sweet32");
	expect_grade(KW_ALG_CIPHERS, "aes256-cbc", "baseline", KW_GRADE_FAIL, "CBC");
	expect_grade(KW_ALG_CIPHERS, "twofish256-cbc", "baseline", KW_GRADE_FAIL, "CBC");
	expect_grade(KW_ALG_CIPHERS, "arcfour256", "strict", KW_GRADE_FAIL, "RC4");
	expect_grade(KW_ALG_CIPHERS, "chacha20-poly1305@openssh.com", "strict", KW_GRADE_OK, "Terrapin");
	expect_grade(KW_ALG_CIPHERS, "AES128-CTR", "baseline", KW_GRADE_UNKNOWN, NULL);
	expect_grade(KW_ALG_MACS, "hmac-md5-96", "baseline", KW_GRADE_FAIL, "MD5");
	expect_grade(KW_ALG_MACS, "hmac-sha1", "baseline", KW_GRADE_FAIL, "SHA-1");
	expect_grade(KW_ALG_MACS, "hmac-sha1-96-etm@openssh.com", "baseline", KW_GRADE_FAIL, NULL);
	expect_grade(KW_ALG_MACS, "hmac-sha2-256", "baseline", KW_GRADE_WARN, "encrypt-and-MAC");
	expect_grade(KW_ALG_MACS, "hmac-sha2-256", "strict", KW_GRADE_FAIL, NULL);
	expect_grade(KW_ALG_MACS, "hmac-sha2-512-etm@openssh.com", "strict", KW_GRADE_OK, NULL);
	expect_grade(KW_ALG_HOSTKEY, "ssh-rsa", "baseline", KW_GRADE_FAIL, "SHA-1");
	expect_grade(KW_ALG_PUBKEY, "ssh-dss", "baseline", KW_GRADE_FAIL, "DSA");
	expect_grade(KW_ALG_CASIG, "ssh-rsa", "baseline", KW_GRADE_FAIL, NULL);
	expect_grade(KW_ALG_HOSTKEY, "ecdsa-sha2-nistp256-cert-v01@openssh.com", "strict", KW_GRADE_FAIL, NULL);
	expect_grade(KW_ALG_HOSTBASED, "rsa-sha2-512", "strict", KW_GRADE_OK, NULL);
	expect_grade(KW_ALG_HOSTKEY, "ssh-ed25519", "STRICT", KW_GRADE_OK, NULL);

	kw_grade g;
	assert_int_equal(kw_algos_grade(KW_ALG_KEX, "curve25519-sha256", "paranoid", &g, NULL), -ENOENT);
}

/* Every name OpenSSH 9.2 supports is in the table (nothing is "unknown"). */
static void test_grades_cover_92(void **s)
{
	(void)s;
	static char names[64][128];
	for (int k = 0; k < KW_ALG__COUNT; k++) {
		size_t n = split_names(kw_algos_supported((kw_alg_kind)k), names, 64);
		assert_true(n >= 10);
		for (size_t i = 0; i < n; i++)
			for (int p = 0; p < 2; p++) {
				kw_grade g;
				assert_int_equal(kw_algos_grade((kw_alg_kind)k, names[i],
								p ? "strict" : "baseline", &g, NULL), 0);
				if (g == KW_GRADE_UNKNOWN)
					fail_msg("%s is not rated", names[i]);
			}
	}
	/* strict is never kinder than baseline */
	const kw_ratings *r = kw_ratings_builtin();
	assert_non_null(r);
	for (int k = 0; k < KW_ALG__COUNT; k++) {
		size_t n = split_names(kw_algos_supported((kw_alg_kind)k), names, 64);
		for (size_t i = 0; i < n; i++) {
			kw_grade b, st;
			assert_int_equal(kw_ratings_grade(r, (kw_alg_kind)k, names[i], "baseline", &b, NULL), 0);
			assert_int_equal(kw_ratings_grade(r, (kw_alg_kind)k, names[i], "strict", &st, NULL), 0);
			assert_true(st >= b);
		}
	}
}

static void test_worst(void **s)
{
	(void)s;
	const kw_ratings *r = kw_ratings_builtin();
	kw_grade g;
	size_t idx = 99;
	assert_int_equal(kw_ratings_worst(r, KW_ALG_KEX, kw_algos_default(KW_ALG_KEX), "baseline", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_WARN);
	assert_int_equal(idx, 4);   /* ecdh-sha2-nistp256 */
	assert_int_equal(kw_ratings_worst(r, KW_ALG_KEX, kw_algos_default(KW_ALG_KEX), "strict", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_FAIL);
	assert_int_equal(kw_ratings_worst(r, KW_ALG_CIPHERS, kw_algos_default(KW_ALG_CIPHERS), "strict", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_OK);
	assert_int_equal(kw_ratings_worst(r, KW_ALG_MACS, "hmac-sha2-256-etm@openssh.com,frob,hmac-md5", "baseline", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_FAIL);
	assert_int_equal(idx, 2);
	assert_int_equal(kw_ratings_worst(r, KW_ALG_MACS, "hmac-sha2-256-etm@openssh.com,frob", "baseline", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_UNKNOWN);
	assert_int_equal(idx, 1);
	assert_int_equal(kw_ratings_worst(r, KW_ALG_MACS, "", "baseline", &g, &idx), 0);
	assert_int_equal(g, KW_GRADE_OK);
}

/* ---- Terrapin ---- */

static void test_terrapin(void **s)
{
	(void)s;
	const char *why = NULL;
	const char *def_c = kw_algos_default(KW_ALG_CIPHERS), *def_m = kw_algos_default(KW_ALG_MACS);
	const char *def_k = kw_algos_default(KW_ALG_KEX);
	/* Debian's 9.2 always offers strict kex */
	assert_false(kw_algos_terrapin_exposed(def_c, def_m, def_k, &why));
	assert_non_null(strstr(why, "strict kex"));
	/* an older server without strict kex, as a scan sees it */
	assert_true(kw_algos_terrapin_check(def_c, def_m, def_k, KW_STRICTKEX_FROM_LIST, &why));
	assert_non_null(strstr(why, "chacha20-poly1305"));
	assert_true(kw_algos_terrapin_check(def_c, def_m, def_k, KW_STRICTKEX_NONE, NULL));
	/* the same server with strict kex on the wire */
	char *kex = NULL;
	assert_true(asprintf(&kex, "%s,kex-strict-s-v00@openssh.com", def_k) > 0);
	assert_false(kw_algos_terrapin_check(def_c, def_m, kex, KW_STRICTKEX_FROM_LIST, &why));
	free(kex);
	/* the client marker does not count for a server */
	assert_true(kw_algos_terrapin_check(def_c, def_m, "curve25519-sha256,kex-strict-c-v00@openssh.com",
					    KW_STRICTKEX_FROM_LIST, NULL));
	/* -etm with CBC */
	assert_true(kw_algos_terrapin_check("aes128-ctr,aes256-cbc", "hmac-sha2-256-etm@openssh.com",
					    "curve25519-sha256", KW_STRICTKEX_NONE, &why));
	assert_non_null(strstr(why, "CBC"));
	/* CBC without -etm, -etm without CBC, gcm only: not exposed */
	assert_false(kw_algos_terrapin_check("aes256-cbc", "hmac-sha2-256", "x", KW_STRICTKEX_NONE, NULL));
	assert_false(kw_algos_terrapin_check("aes256-ctr", "hmac-sha2-256-etm@openssh.com", "x",
					     KW_STRICTKEX_NONE, &why));
	assert_non_null(strstr(why, "not exposed"));
	assert_false(kw_algos_terrapin_check("aes256-gcm@openssh.com", "hmac-sha2-512", "x",
					     KW_STRICTKEX_NONE, NULL));
	/* a name that only contains chacha20-poly1305 is not it */
	assert_false(kw_algos_terrapin_check("xchacha20-poly1305@openssh.com", "", "", KW_STRICTKEX_NONE, NULL));
}

/* ---- ratings file ---- */

static void expect_parse_error(const char *text, const char *want)
{
	kw_ratings *r = NULL;
	char *err = NULL;
	assert_int_equal(kw_ratings_parse(text, strlen(text), &r, &err), KW_E_PARSE);
	assert_null(r);
	assert_non_null(err);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error '%s', want prefix '%s'", err, want);
	free(err);
}

static void test_ratings_parse(void **s)
{
	(void)s;
	const char *good =
		"# custom\n"
		"policies  baseline strict paranoid\n"
		"\n"
		"  cipher aes128-ctr ok ok warn  prefer 256-bit keys (local rule)  \n"
		"kex *25519* ok OK fail local: only post-quantum kex\r\n"
		"key ssh-ed25519 ok ok ok ssh-audit OK\n"
		"casig ssh-ed25519 ok ok fail local: CA keys must be hardware backed\n"
		"key rsa-* ok warn warn local pattern\n";
	kw_ratings *r = NULL;
	char *err = NULL;
	assert_int_equal(kw_ratings_parse(good, strlen(good), &r, &err), 0);
	kw_grade g;
	const char *why;
	assert_int_equal(kw_ratings_grade(r, KW_ALG_CIPHERS, "aes128-ctr", "paranoid", &g, &why), 0);
	assert_int_equal(g, KW_GRADE_WARN);
	assert_string_equal(why, "prefer 256-bit keys (local rule)");
	assert_int_equal(kw_ratings_grade(r, KW_ALG_KEX, "curve25519-sha256", "paranoid", &g, &why), 0);
	assert_int_equal(g, KW_GRADE_FAIL);
	assert_int_equal(kw_ratings_grade(r, KW_ALG_KEX, "curve25519-sha256", "strict", &g, NULL), 0);
	assert_int_equal(g, KW_GRADE_OK);
	/* casig row overrides the generic key row, only for CASignatureAlgorithms */
	assert_int_equal(kw_ratings_grade(r, KW_ALG_CASIG, "ssh-ed25519", "paranoid", &g, NULL), 0);
	assert_int_equal(g, KW_GRADE_FAIL);
	assert_int_equal(kw_ratings_grade(r, KW_ALG_HOSTKEY, "ssh-ed25519", "paranoid", &g, NULL), 0);
	assert_int_equal(g, KW_GRADE_OK);
	assert_int_equal(kw_ratings_grade(r, KW_ALG_PUBKEY, "rsa-sha2-512", "strict", &g, &why), 0);
	assert_int_equal(g, KW_GRADE_WARN);
	assert_string_equal(why, "local pattern");
	assert_int_equal(kw_ratings_grade(r, KW_ALG_MACS, "hmac-md5", "baseline", &g, NULL), 0);
	assert_int_equal(g, KW_GRADE_UNKNOWN);
	assert_int_equal(kw_ratings_grade(r, KW_ALG_MACS, "hmac-md5", "nope", &g, NULL), -ENOENT);
	kw_ratings_free(r);

	expect_parse_error("cipher aes128-ctr ok ok\n", "line 1: missing reason");
	expect_parse_error("# c\n\ncipher aes128-ctr ok\n", "line 3: expected 2 grades");
	expect_parse_error("cipher aes128-ctr ok bad why\n", "line 1: bad grade 'bad'");
	expect_parse_error("ciper aes128-ctr ok ok why\n", "line 1: unknown kind 'ciper'");
	expect_parse_error("mac x ok ok a\nmac x ok ok b\n", "line 2: mac x is rated twice");
	expect_parse_error("mac x ok ok a\npolicies a b\n", "line 2: 'policies' must come before");
	expect_parse_error("policies\n", "line 1: 'policies' needs at least one name");
	expect_parse_error("policies a a\n", "line 1: policy 'a' named twice");
	expect_parse_error("policies a;b\n", "line 1: bad policy name");
	expect_parse_error("kex\n", "line 1: missing algorithm name");
	expect_parse_error("kex a,b ok ok x\n", "line 1: bad algorithm name");
	expect_parse_error("kex a ok ok x\x01y\n", "line 1: control character");
	static const char nul[] = "kex a ok ok x\n\nkex b\0 ok ok x\n";
	kw_ratings *r2 = NULL;
	assert_int_equal(kw_ratings_parse(nul, sizeof nul - 1, &r2, &err), KW_E_PARSE);
	assert_string_equal(err, "line 3: NUL byte");
	free(err);
	char *longline = malloc(5000);
	assert_non_null(longline);
	memset(longline, 'x', 4999);
	memcpy(longline, "kex a ok ok ", 12);
	longline[4999] = '\0';
	expect_parse_error(longline, "line 1: longer than");
	free(longline);
	/* the built-in table parses and is found */
	assert_non_null(kw_ratings_builtin());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_resolve_literals),
		cmocka_unit_test(test_grades),
		cmocka_unit_test(test_grades_cover_92),
		cmocka_unit_test(test_worst),
		cmocka_unit_test(test_terrapin),
		cmocka_unit_test(test_ratings_parse),
		cmocka_unit_test(test_oracle_ciphers),
		cmocka_unit_test(test_oracle_macs),
		cmocka_unit_test(test_oracle_kex),
		cmocka_unit_test(test_oracle_hostkey),
		cmocka_unit_test(test_oracle_pubkey),
		cmocka_unit_test(test_oracle_hostbased),
		cmocka_unit_test(test_oracle_casig),
		cmocka_unit_test(test_oracle_match),
	};
	return cmocka_run_group_tests(tests, setup_oracle, teardown_oracle);
}
