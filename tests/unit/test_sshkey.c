/* test_sshkey.c — cmocka tests for src/collect/sshkey.c, with ssh-keygen as the oracle.
 *
 * Owned by the "parsers" module. Keys of every type this ssh-keygen can make are
 * generated into a mkdtemp directory; bits, fingerprint, label and comment are compared
 * with what `ssh-keygen -lf` prints for the same file. Security-key (sk-) keys cannot be
 * generated without a token, so they are fixtures (tests/data/sshkey/sk-*.pub, built from
 * real key material) — still compared with ssh-keygen -lf, as are certificates made here
 * with `ssh-keygen -s`. Private keys: OpenSSH (plain and encrypted), PEM, PKCS#8 (from
 * ssh-keygen and `openssl pkcs8`), hand-written PuTTY and SSH.com fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/err.h"
#include "collect/sshkey.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA KW_TEST_DATA "/sshkey/"

static char tmpdir[64];

/* ---- helpers ---- */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	if (st != 0)
		fail_msg("command failed (%d): %s", st, cmd);
}

/* One line of `ssh-keygen -lf` output: "BITS FP COMMENT (LABEL)". */
typedef struct kg_line {
	unsigned bits;
	char fp[KW_FP_LEN];
	char comment[512];
	char label[32];
} kg_line;

static size_t keygen_l(const char *path, kg_line *out, size_t max)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "ssh-keygen -lf '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[2048];
	size_t n = 0;
	while (n < max && fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = '\0';
		kg_line *k = &out[n];
		int off = 0;
		if (sscanf(line, "%u %50s %n", &k->bits, k->fp, &off) < 2)
			fail_msg("unexpected ssh-keygen output: %s", line);
		char *rest = line + off;
		char *paren = strrchr(rest, '(');
		assert_non_null(paren);
		snprintf(k->label, sizeof k->label, "%.*s", (int)strcspn(paren + 1, ")"), paren + 1);
		size_t cl = (size_t)(paren - rest);
		/* ssh-keygen keeps trailing blanks and a CR in the comment; we trim them */
		while (cl > 0 && (rest[cl - 1] == ' ' || rest[cl - 1] == '\t' || rest[cl - 1] == '\r'))
			cl--;
		snprintf(k->comment, sizeof k->comment, "%.*s", (int)cl, rest);
		n++;
	}
	pclose(p);
	return n;
}

/* Parse a .pub file and compare with ssh-keygen -lf. */
static void check_pub_file(const char *path, const char *want_label)
{
	size_t len;
	uint8_t *data = kwt_read_file(path, &len);
	kw_pubkey k;
	char *comment = NULL;
	int r = kw_pubkey_parse_line(kw_buf_view(data, len), &k, &comment);
	if (r != 0)
		fail_msg("%s: kw_pubkey_parse_line = %d", path, r);
	kg_line kg;
	assert_int_equal(keygen_l(path, &kg, 1), 1);
	if (k.bits != kg.bits || strcmp(k.fp, kg.fp) != 0 || strcmp(k.label, kg.label) != 0)
		fail_msg("%s: ours %u %s (%s), ssh-keygen %u %s (%s)", path, k.bits, k.fp, k.label,
			 kg.bits, kg.fp, kg.label);
	assert_non_null(comment);
	assert_string_equal(comment, kg.comment);
	if (want_label)
		assert_string_equal(k.label, want_label);
	/* the wire type is the first word of the file */
	assert_int_equal(strncmp((const char *)data, k.type, strlen(k.type)), 0);
	assert_int_equal(data[strlen(k.type)], ' ');
	free(comment);
	free(data);
}

static void classify_file(const char *path, kw_privkey_info *pi)
{
	size_t len;
	uint8_t *data = kwt_read_file(path, &len);
	memset(pi, 0x5a, sizeof *pi);
	int r = kw_privkey_classify(data, len, pi);
	if (r != 0)
		fail_msg("%s: kw_privkey_classify = %d", path, r);
	free(data);
}

static bool keygen_supports(const char *wire_name)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "ssh -Q key 2>/dev/null | grep -qx '%s'", wire_name);
	return system(cmd) == 0;
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kw-test-sshkey-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- generated keys against ssh-keygen -lf ---- */

static void test_generated_keys(void **state)
{
	(void)state;
	static const struct {
		const char *type;
		unsigned bits;
		const char *label;
		const char *wire;
	} kinds[] = {
		{ "rsa", 1024, "RSA", "ssh-rsa" },
		{ "rsa", 2048, "RSA", "ssh-rsa" },
		{ "rsa", 3072, "RSA", "ssh-rsa" },
		{ "rsa", 4096, "RSA", "ssh-rsa" },
		{ "ecdsa", 256, "ECDSA", "ecdsa-sha2-nistp256" },
		{ "ecdsa", 384, "ECDSA", "ecdsa-sha2-nistp384" },
		{ "ecdsa", 521, "ECDSA", "ecdsa-sha2-nistp521" },
		{ "ed25519", 256, "ED25519", "ssh-ed25519" },
		{ "dsa", 1024, "DSA", "ssh-dss" },
	};
	unsigned done = 0;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (!keygen_supports(kinds[i].wire)) {
			/* DSA left OpenSSH in 9.8; every other type must be there */
			assert_string_equal(kinds[i].type, "dsa");
			continue;
		}
		char path[256], pub[300];
		snprintf(path, sizeof path, "%s/id_%s_%u", tmpdir, kinds[i].type, kinds[i].bits);
		snprintf(pub, sizeof pub, "%s.pub", path);
		run("ssh-keygen -q -t %s -b %u -N '' -C 'kw test %s %u' -f '%s'", kinds[i].type,
		    kinds[i].bits, kinds[i].type, kinds[i].bits, path);
		check_pub_file(pub, kinds[i].label);

		/* the unencrypted OpenSSH private key yields the same public key */
		kw_privkey_info pi;
		classify_file(path, &pi);
		assert_int_equal(pi.format, KW_PK_OPENSSH);
		assert_int_equal(pi.encrypted, 0);
		assert_string_equal(pi.cipher, "none");
		assert_true(pi.has_pub);
		kg_line kg;
		assert_int_equal(keygen_l(pub, &kg, 1), 1);
		assert_string_equal(pi.pub.fp, kg.fp);
		assert_int_equal(pi.pub.bits, kinds[i].bits);
		assert_string_equal(pi.pub.label, kinds[i].label);
		assert_string_equal(pi.pub.type, kinds[i].wire);
		done++;
	}
	assert_true(done >= 8);
}

static void test_certificates(void **state)
{
	(void)state;
	char ca[256], path[256], pub[300], cert[300];
	snprintf(ca, sizeof ca, "%s/ca", tmpdir);
	run("ssh-keygen -q -t ed25519 -N '' -C ca -f '%s'", ca);
	static const struct {
		const char *type;
		unsigned bits;
		const char *label;
	} kinds[] = {
		{ "rsa", 2048, "RSA-CERT" },
		{ "ecdsa", 256, "ECDSA-CERT" },
		{ "ecdsa", 384, "ECDSA-CERT" },
		{ "ecdsa", 521, "ECDSA-CERT" },
		{ "ed25519", 256, "ED25519-CERT" },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		snprintf(path, sizeof path, "%s/c_%s_%u", tmpdir, kinds[i].type, kinds[i].bits);
		snprintf(pub, sizeof pub, "%s.pub", path);
		snprintf(cert, sizeof cert, "%s-cert.pub", path);
		run("ssh-keygen -q -t %s -b %u -N '' -C 'cert %zu' -f '%s'", kinds[i].type,
		    kinds[i].bits, i, path);
		run("ssh-keygen -q -s '%s' -I id%zu -n user,admin -V +52w '%s'", ca, i, pub);
		check_pub_file(cert, kinds[i].label);
	}
	/* a host certificate signed by an RSA CA */
	snprintf(ca, sizeof ca, "%s/ca_rsa", tmpdir);
	run("ssh-keygen -q -t rsa -b 2048 -N '' -C ca -f '%s'", ca);
	snprintf(pub, sizeof pub, "%s/c_ed25519_256.pub", tmpdir);
	run("ssh-keygen -q -h -s '%s' -I host -n h.example '%s'", ca, pub);
	snprintf(cert, sizeof cert, "%s/c_ed25519_256-cert.pub", tmpdir);
	check_pub_file(cert, "ED25519-CERT");
}

static void test_security_keys(void **state)
{
	(void)state;
	check_pub_file(DATA "sk-ed25519.pub", "ED25519-SK");
	check_pub_file(DATA "sk-ecdsa.pub", "ECDSA-SK");
	/* certificates of them, signed here */
	char ca[256], pub[256], cert[300];
	snprintf(ca, sizeof ca, "%s/ca_sk", tmpdir);
	run("ssh-keygen -q -t ed25519 -N '' -C ca -f '%s'", ca);
	static const char *const files[] = { "sk-ed25519", "sk-ecdsa" };
	static const char *const labels[] = { "ED25519-SK-CERT", "ECDSA-SK-CERT" };
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char src[256];
		snprintf(src, sizeof src, DATA "%s.pub", files[i]);
		uint8_t *data = kwt_read_file(src, &len);
		snprintf(pub, sizeof pub, "%s/%s.pub", tmpdir, files[i]);
		write_file(pub, data, len);
		free(data);
		run("ssh-keygen -q -s '%s' -I sk%zu -n user '%s'", ca, i, pub);
		snprintf(cert, sizeof cert, "%s/%s-cert.pub", tmpdir, files[i]);
		check_pub_file(cert, labels[i]);
	}
}

/* ---- private keys ---- */

static void test_encrypted_openssh(void **state)
{
	(void)state;
	static const char *const cmds[][2] = {
		{ "ed25519", "" },
		{ "rsa", "-b 2048" },
		{ "ecdsa", "-b 384 -Z chacha20-poly1305@openssh.com" },
	};
	static const char *const ciphers[] = { "aes256-ctr", "aes256-ctr",
					       "chacha20-poly1305@openssh.com" };
	for (size_t i = 0; i < 3; i++) {
		char path[256], pub[300];
		snprintf(path, sizeof path, "%s/enc_%s", tmpdir, cmds[i][0]);
		snprintf(pub, sizeof pub, "%s.pub", path);
		run("ssh-keygen -q -t %s %s -N 'correct horse' -C enc -f '%s'", cmds[i][0], cmds[i][1],
		    path);
		kw_privkey_info pi;
		classify_file(path, &pi);
		assert_int_equal(pi.format, KW_PK_OPENSSH);
		assert_int_equal(pi.encrypted, 1);
		assert_string_equal(pi.cipher, ciphers[i]);
		/* the public key is stored in the clear even in encrypted files */
		assert_true(pi.has_pub);
		kg_line kg;
		assert_int_equal(keygen_l(pub, &kg, 1), 1);
		assert_string_equal(pi.pub.fp, kg.fp);
		assert_int_equal(pi.pub.bits, kg.bits);
	}
}

static void test_pem_and_pkcs8(void **state)
{
	(void)state;
	static const struct {
		const char *name, *args;
		kw_privkey_format fmt;
		int enc;
		const char *cipher;
	} cases[] = {
		{ "pem_rsa", "-t rsa -b 2048 -m PEM -N ''", KW_PK_PEM_RSA, 0, "none" },
		{ "pem_rsa_enc", "-t rsa -b 2048 -m PEM -N 'correct horse'", KW_PK_PEM_RSA, 1, "AES-128-CBC" },
		{ "pem_ec", "-t ecdsa -b 256 -m PEM -N ''", KW_PK_PEM_EC, 0, "none" },
		{ "pem_ec_enc", "-t ecdsa -b 521 -m PEM -N 'correct horse'", KW_PK_PEM_EC, 1, "AES-128-CBC" },
		{ "p8", "-t rsa -b 2048 -m PKCS8 -N ''", KW_PK_PKCS8, 0, "none" },
		{ "p8_ec", "-t ecdsa -m PKCS8 -N ''", KW_PK_PKCS8, 0, "none" },
		{ "p8_enc", "-t ecdsa -m PKCS8 -N 'correct horse'", KW_PK_PKCS8_ENCRYPTED, 1, "AES-128-CBC" },
	};
	char path[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, cases[i].name);
		run("ssh-keygen -q %s -C pem -f '%s'", cases[i].args, path);
		kw_privkey_info pi;
		classify_file(path, &pi);
		if (pi.format != cases[i].fmt || pi.encrypted != cases[i].enc ||
		    strcmp(pi.cipher, cases[i].cipher) != 0)
			fail_msg("%s: %s enc=%d cipher=%s", cases[i].name, kw_privkey_format_name(pi.format),
				 pi.encrypted, pi.cipher);
		assert_false(pi.has_pub);
	}
	if (keygen_supports("ssh-dss")) {
		snprintf(path, sizeof path, "%s/pem_dsa", tmpdir);
		run("ssh-keygen -q -t dsa -m PEM -N '' -f '%s'", path);
		kw_privkey_info pi;
		classify_file(path, &pi);
		assert_int_equal(pi.format, KW_PK_PEM_DSA);
		assert_int_equal(pi.encrypted, 0);
	}

	/* openssl pkcs8 -topk8: PBES2 with AES-256, and a PKCS#12 PBE */
	char src[256];
	snprintf(src, sizeof src, "%s/pem_rsa", tmpdir);
	static const struct {
		const char *args, *cipher;
	} p8[] = {
		{ "-v2 aes256", "AES-256-CBC" },
		{ "-v2 aes128", "AES-128-CBC" },
		{ "-v2 des3", "DES-EDE3-CBC" },
		{ "-v1 PBE-SHA1-3DES", "PBE-SHA1-3DES" },
	};
	for (size_t i = 0; i < sizeof p8 / sizeof p8[0]; i++) {
		snprintf(path, sizeof path, "%s/topk8_%zu", tmpdir, i);
		run("openssl pkcs8 -topk8 %s -in '%s' -passout pass:correcthorse -out '%s'", p8[i].args,
		    src, path);
		kw_privkey_info pi;
		classify_file(path, &pi);
		assert_int_equal(pi.format, KW_PK_PKCS8_ENCRYPTED);
		assert_int_equal(pi.encrypted, 1);
		assert_string_equal(pi.cipher, p8[i].cipher);
	}
	/* an unencrypted one from openssl, with text before the armour */
	snprintf(path, sizeof path, "%s/topk8_plain", tmpdir);
	run("(echo 'Bag Attributes'; echo '    localKeyID: 01'; openssl pkcs8 -topk8 -nocrypt -in '%s') > '%s'",
	    src, path);
	kw_privkey_info pi;
	classify_file(path, &pi);
	assert_int_equal(pi.format, KW_PK_PKCS8);
	assert_int_equal(pi.encrypted, 0);
}

static void test_putty_and_ssh2(void **state)
{
	(void)state;
	kw_privkey_info pi;
	kg_line kg;

	classify_file(DATA "putty-v3-none.ppk", &pi);
	assert_int_equal(pi.format, KW_PK_PUTTY);
	assert_int_equal(pi.encrypted, 0);
	assert_string_equal(pi.cipher, "none");
	assert_true(pi.has_pub);
	assert_int_equal(keygen_l(DATA "fixture-ed25519.pub", &kg, 1), 1);
	assert_string_equal(pi.pub.fp, kg.fp);
	assert_string_equal(pi.pub.label, "ED25519");

	classify_file(DATA "putty-v2-none.ppk", &pi);
	assert_int_equal(pi.format, KW_PK_PUTTY);
	assert_int_equal(pi.encrypted, 0);
	assert_string_equal(pi.pub.fp, kg.fp);

	classify_file(DATA "putty-v3-aes.ppk", &pi);
	assert_int_equal(pi.format, KW_PK_PUTTY);
	assert_int_equal(pi.encrypted, 1);
	assert_string_equal(pi.cipher, "aes256-cbc");
	assert_true(pi.has_pub);
	assert_int_equal(keygen_l(DATA "fixture-rsa.pub", &kg, 1), 1);
	assert_string_equal(pi.pub.fp, kg.fp);
	assert_int_equal(pi.pub.bits, 2048);

	classify_file(DATA "ssh2-encrypted.key", &pi);
	assert_int_equal(pi.format, KW_PK_SSH2);
	assert_int_equal(pi.encrypted, -1);
	assert_string_equal(pi.cipher, "");
	assert_false(pi.has_pub);
}

static void test_not_private_keys(void **state)
{
	(void)state;
	kw_privkey_info pi = { .format = KW_PK_PUTTY };
	static const char *const texts[] = {
		"",
		"hello world\n",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVPbzP53VcVIutsyl5BX1N0Q/5r4iiXo5oaudZhkSjA x\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
		"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY----- trailing junk\n",
		"PuTTY-User-Key-File-9: ssh-rsa\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_int_equal(kw_privkey_classify((const uint8_t *)texts[i], strlen(texts[i]), &pi),
				 KW_E_UNSUPPORTED);
		assert_int_equal(pi.format, KW_PK_PUTTY); /* untouched on failure */
	}
	assert_int_equal(kw_privkey_classify(NULL, 0, &pi), KW_E_UNSUPPORTED);

	/* the armour must start in the first 8 KiB */
	size_t n = 9000;
	char *late = malloc(n + 64);
	memset(late, 'x', n);
	for (size_t i = 79; i < n; i += 80)
		late[i] = '\n';
	strcpy(late + n, "\n-----BEGIN PRIVATE KEY-----\n");
	assert_int_equal(kw_privkey_classify((const uint8_t *)late, strlen(late), &pi), KW_E_UNSUPPORTED);
	free(late);
}

static void test_broken_openssh(void **state)
{
	(void)state;
	kw_privkey_info pi;
	/* armour with garbage: still an OpenSSH private key, encryption unknown */
	const char *t = "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n";
	assert_int_equal(kw_privkey_classify((const uint8_t *)t, strlen(t), &pi), 0);
	assert_int_equal(pi.format, KW_PK_OPENSSH);
	assert_int_equal(pi.encrypted, -1);
	assert_false(pi.has_pub);

	/* a real key truncated after the cipher name: encrypted known, no public key */
	char path[256];
	snprintf(path, sizeof path, "%s/trunc", tmpdir);
	run("ssh-keygen -q -t ed25519 -N 'correct horse' -f '%s'", path);
	size_t len;
	uint8_t *data = kwt_read_file(path, &len);
	/* the armour line and its newline (36) + 48 base64 chars = 36 bytes: the magic and
	 * the cipher name, not the KDF */
	uint8_t *cut = malloc(36 + 48);
	memcpy(cut, data, 36 + 48);
	assert_int_equal(kw_privkey_classify(cut, 36 + 48, &pi), 0);
	assert_int_equal(pi.format, KW_PK_OPENSSH);
	assert_int_equal(pi.encrypted, 1);
	assert_string_equal(pi.cipher, "aes256-ctr");
	assert_false(pi.has_pub);
	/* every truncation of the file classifies without error */
	for (size_t i = 0; i <= len; i++) {
		int r = kw_privkey_classify(data, i, &pi);
		assert_true(r == 0 || r == KW_E_UNSUPPORTED);
	}
	free(cut);
	free(data);
}

/* ---- authorized_keys ---- */

static void test_authkeys_fixture(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "authorized_keys", &len);
	kw_authkeys ak;
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("/root/.ssh/authorized_keys", data, len, &ak, &d), 0);

	/* the same keys, in the same order, as ssh-keygen -lf finds */
	kg_line kg[64];
	size_t nk = keygen_l(DATA "authorized_keys", kg, 64);
	assert_int_equal(ak.n, nk);
	for (size_t i = 0; i < nk; i++) {
		if (strcmp(ak.v[i].key.fp, kg[i].fp) != 0 || ak.v[i].key.bits != kg[i].bits ||
		    strcmp(ak.v[i].key.label, kg[i].label) != 0)
			fail_msg("key %zu (line %u): %s vs %s", i, ak.v[i].line, ak.v[i].key.fp, kg[i].fp);
		/* ssh-keygen shows the key itself when there is no comment */
		if (ak.v[i].comment)
			assert_string_equal(ak.v[i].comment, kg[i].comment);
	}

	static const unsigned key_lines[] = { 3, 4, 5, 8, 9, 10, 11, 13, 15, 16, 17, 18, 24 };
	assert_int_equal(ak.n, sizeof key_lines / sizeof key_lines[0]);
	for (size_t i = 0; i < ak.n; i++)
		assert_int_equal(ak.v[i].line, key_lines[i]);

	const kw_authkey *k = &ak.v[0];
	assert_null(k->options);
	assert_string_equal(k->comment, "plain key");
	assert_false(k->opt_command || k->opt_from || k->opt_restrict || k->opt_cert_authority);

	k = &ak.v[1];
	assert_string_equal(k->options, "command=\"echo a, b\",from=\"10.0.0.1,192.168.0.0/16\"");
	assert_true(k->opt_command);
	assert_true(k->opt_from);
	assert_false(k->opt_restrict);
	assert_string_equal(k->key.label, "RSA");
	assert_int_equal(k->key.bits, 2048);

	k = &ak.v[2];
	assert_string_equal(k->options, "restrict,command=\"/bin/echo \\\"quoted, x\\\" y\"");
	assert_true(k->opt_restrict);
	assert_true(k->opt_command);
	assert_string_equal(k->comment, "escaped quotes");
	assert_int_equal(k->key.bits, 384);

	assert_string_equal(ak.v[3].comment, "indented   comment with  spaces");
	assert_string_equal(ak.v[4].options, "no-pty,bogus-option");
	assert_true(ak.v[5].opt_cert_authority);
	assert_string_equal(ak.v[6].options, "from=\"a b c\",no-agent-forwarding");
	assert_true(ak.v[6].opt_from);
	assert_null(ak.v[7].comment);
	assert_null(ak.v[7].options);
	assert_string_equal(ak.v[8].key.label, "ED25519-SK");
	assert_string_equal(ak.v[8].options, "no-touch-required");
	assert_string_equal(ak.v[9].key.label, "ED25519-CERT");
	assert_string_equal(ak.v[10].comment, "crlf line");
	assert_string_equal(ak.v[11].key.type, "ssh-rsa");
	assert_true(ak.v[12].opt_restrict); /* "ReStRiCt": option names ignore case */
	assert_false(ak.v[12].opt_command);

	/* diagnostics: file and line; key material is never quoted */
	static const unsigned bad[] = { 6, 7, 9, 12, 14, 19, 20, 21, 22 };
	assert_int_equal(d.n, sizeof bad / sizeof bad[0]);
	for (size_t i = 0; i < d.n; i++) {
		const kw_diag *g = kwt_diag_at(&d, bad[i]);
		if (!g)
			fail_msg("no diagnostic for line %u", bad[i]);
		assert_string_equal(g->file, "/root/.ssh/authorized_keys");
		assert_null(strstr(g->msg, "AAAA"));
	}
	assert_non_null(strstr(kwt_diag_at(&d, 6)->msg, "base64"));
	assert_non_null(strstr(kwt_diag_at(&d, 7)->msg, "does not match"));
	assert_non_null(strstr(kwt_diag_at(&d, 9)->msg, "option"));
	assert_non_null(strstr(kwt_diag_at(&d, 12)->msg, "quote"));
	assert_non_null(strstr(kwt_diag_at(&d, 20)->msg, "does not match"));
	assert_non_null(strstr(kwt_diag_at(&d, 21)->msg, "malformed"));

	kw_authkeys_release(&ak);
	assert_null(ak.v);
	kw_diags_release(&d);
	free(data);
}

static void test_authkeys_edges(void **state)
{
	(void)state;
	size_t len;
	uint8_t *pub = kwt_read_file(DATA "fixture-ed25519.pub", &len);
	pub[strcspn((char *)pub, "\n")] = '\0';
	len = strlen((char *)pub);

	/* NUL byte, a 20 KiB line, then the key without a final newline */
	size_t huge = 20000;
	size_t n = 0;
	uint8_t *buf = malloc(len * 2 + huge + 64);
	memcpy(buf + n, pub, len);
	n += len;
	buf[n++] = '\0';
	buf[n++] = '\n';
	memset(buf + n, 'A', huge);
	n += huge;
	buf[n++] = '\n';
	memcpy(buf + n, pub, len);
	n += len;

	kw_authkeys ak;
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("ak", buf, n, &ak, &d), 0);
	assert_int_equal(ak.n, 1);
	assert_int_equal(ak.v[0].line, 3);
	assert_string_equal(ak.v[0].comment, "fixture ed25519");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[1].line, 2);
	assert_int_equal(d.v[1].err, KW_E_TOOBIG);
	kw_authkeys_release(&ak);
	kw_diags_release(&d);

	/* empty input, NULL diagnostics */
	assert_int_equal(kw_authkeys_parse("ak", NULL, 0, &ak, NULL), 0);
	assert_int_equal(ak.n, 0);
	kw_authkeys_release(&ak);
	assert_int_equal(kw_authkeys_parse("ak", (const uint8_t *)"junk line\n", 10, &ak, NULL), 0);
	assert_int_equal(ak.n, 0);
	kw_authkeys_release(&ak);
	kw_authkeys_release(NULL);
	free(buf);
	free(pub);
}

/* ---- base64 and blobs ---- */

static void test_base64(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out; /* NULL: rejected */
	} v[] = {
		{ "QQ==", "A" },    { "QUI=", "AB" },  { "QUJD", "ABC" }, { "QUJDRA==", "ABCD" },
		{ "", NULL },       { "QUJ", NULL },   { "Q===", NULL },  { "QU=D", NULL },
		{ "QR==", NULL },   { "QUN=", NULL },  { "QUJ!", NULL },  { "QU D", NULL },
		{ "=QUJ", NULL },   { "QUJD\n", NULL }, { "QQ==QQ==", NULL }, { "-_AA", NULL },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t *out = NULL;
		size_t n = 0;
		int r = kw_base64_decode(v[i].in, strlen(v[i].in), &out, &n);
		if (!v[i].out) {
			if (r != KW_E_PARSE)
				fail_msg("'%s' accepted", v[i].in);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(n, strlen(v[i].out));
		assert_memory_equal(out, v[i].out, n);
		free(out);
	}
	/* round trips with libcrypto's encoder, every length to 100 */
	uint8_t raw[100], enc[160];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof raw; len++) {
		int el = EVP_EncodeBlock(enc, raw, (int)len);
		uint8_t *out = NULL;
		size_t n = 0;
		assert_int_equal(kw_base64_decode((const char *)enc, (size_t)el, &out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, raw, len);
		free(out);
	}
}

static uint8_t *pub_blob(const char *path, size_t *blen)
{
	size_t len;
	char *text = (char *)kwt_read_file(path, &len);
	char *b64 = strchr(text, ' ') + 1;
	size_t bl = strcspn(b64, " \n");
	uint8_t *blob = NULL;
	assert_int_equal(kw_base64_decode(b64, bl, &blob, blen), 0);
	free(text);
	return blob;
}

static void test_blob_errors(void **state)
{
	(void)state;
	size_t blen;
	uint8_t *blob = pub_blob(DATA "fixture-rsa.pub", &blen);
	kw_pubkey k;
	assert_int_equal(kw_pubkey_from_blob(blob, blen, &k), 0);
	assert_int_equal(k.bits, 2048);
	/* every proper prefix is malformed */
	for (size_t i = 0; i < blen; i++)
		assert_int_equal(kw_pubkey_from_blob(blob, i, &k), KW_E_PARSE);
	/* trailing data */
	uint8_t *longer = malloc(blen + 1);
	memcpy(longer, blob, blen);
	longer[blen] = 0;
	assert_int_equal(kw_pubkey_from_blob(longer, blen + 1, &k), KW_E_PARSE);
	/* a negative modulus: flip the sign bit of n's first byte (n is last, 257 bytes) */
	memcpy(longer, blob, blen);
	assert_int_equal(longer[blen - 257], 0x00);
	longer[blen - 257] = 0x80;
	assert_int_equal(kw_pubkey_from_blob(longer, blen, &k), KW_E_PARSE);
	free(longer);
	free(blob);

	/* an RSA key of 768 bits is still measured */
	uint8_t small[4 + 7 + 4 + 3 + 4 + 97];
	size_t o = 0;
	memcpy(small + o, "\0\0\0\7ssh-rsa", 11);
	o += 11;
	memcpy(small + o, "\0\0\0\3\1\0\1", 7);
	o += 7;
	memcpy(small + o, "\0\0\0\x61\0", 5);
	o += 5;
	memset(small + o, 0xc3, 96);
	o += 96;
	assert_int_equal(kw_pubkey_from_blob(small, o, &k), 0);
	assert_int_equal(k.bits, 768);
	assert_string_equal(k.label, "RSA");

	/* an unknown type: UNSUPPORTED, with label UNKNOWN and the fingerprint of the blob,
	 * checked against the openssl command line */
	const uint8_t unk[] = "\0\0\0\x0bssh-foo@bar\0\0\0\3xyz";
	memset(&k, 0, sizeof k);
	assert_int_equal(kw_pubkey_from_blob(unk, sizeof unk - 1, &k), KW_E_UNSUPPORTED);
	assert_string_equal(k.label, "UNKNOWN");
	assert_string_equal(k.type, "ssh-foo@bar");
	char path[256];
	snprintf(path, sizeof path, "%s/unk.bin", tmpdir);
	write_file(path, unk, sizeof unk - 1);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -binary '%s' | openssl base64 -A | tr -d '='",
		 path);
	FILE *p = popen(cmd, "r");
	char want[64] = "SHA256:";
	assert_non_null(fgets(want + 7, (int)sizeof want - 7, p));
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	assert_string_equal(k.fp, want);

	/* a type name with a control byte or a space is malformed, not unknown */
	const uint8_t ctl[] = "\0\0\0\4ss\th\0\0\0\0";
	assert_int_equal(kw_pubkey_from_blob(ctl, sizeof ctl - 1, &k), KW_E_PARSE);
	assert_int_equal(kw_pubkey_from_blob(NULL, 0, &k), KW_E_PARSE);

	/* ed25519 with a 31-byte key */
	uint8_t ed[4 + 11 + 4 + 31];
	memcpy(ed, "\0\0\0\x0bssh-ed25519\0\0\0\x1f", 19);
	memset(ed + 19, 1, 31);
	assert_int_equal(kw_pubkey_from_blob(ed, sizeof ed, &k), KW_E_PARSE);
}

static void test_parse_line(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "fixture-ed25519.pub", &len);
	kw_pubkey k;
	/* comment not wanted */
	assert_int_equal(kw_pubkey_parse_line(kw_buf_view(data, len), &k, NULL), 0);
	assert_string_equal(k.label, "ED25519");
	/* leading blanks, no comment */
	char type[64], b64[256], line[400];
	assert_int_equal(sscanf((char *)data, "%63s %255s", type, b64), 2);
	snprintf(line, sizeof line, "  \t%s %s", type, b64);
	char *comment = (char *)0x1;
	assert_int_equal(kw_pubkey_parse_line(kw_buf_view(line, strlen(line)), &k, &comment), 0);
	assert_null(comment);
	/* the type alone, an unknown type, a bad blob */
	const char *bad[] = { "ssh-ed25519", "ssh-ed25519 ", "foo AAAA", "ssh-rsa AAAA!!!! c" };
	int want[] = { KW_E_PARSE, KW_E_PARSE, KW_E_UNSUPPORTED, KW_E_PARSE };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(kw_pubkey_parse_line(kw_buf_view(bad[i], strlen(bad[i])), &k, NULL), want[i]);
	free(data);
}

static void test_format_names(void **state)
{
	(void)state;
	assert_string_equal(kw_privkey_format_name(KW_PK_OPENSSH), "OpenSSH");
	assert_string_equal(kw_privkey_format_name(KW_PK_PEM_RSA), "PEM RSA");
	assert_string_equal(kw_privkey_format_name(KW_PK_PEM_DSA), "PEM DSA");
	assert_string_equal(kw_privkey_format_name(KW_PK_PEM_EC), "PEM EC");
	assert_string_equal(kw_privkey_format_name(KW_PK_PKCS8), "PKCS#8");
	assert_string_equal(kw_privkey_format_name(KW_PK_PKCS8_ENCRYPTED), "PKCS#8 encrypted");
	assert_string_equal(kw_privkey_format_name(KW_PK_PUTTY), "PuTTY");
	assert_string_equal(kw_privkey_format_name(KW_PK_SSH2), "SSH2");
	assert_string_equal(kw_privkey_format_name((kw_privkey_format)77), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_keys),
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_security_keys),
		cmocka_unit_test(test_encrypted_openssh),
		cmocka_unit_test(test_pem_and_pkcs8),
		cmocka_unit_test(test_putty_and_ssh2),
		cmocka_unit_test(test_not_private_keys),
		cmocka_unit_test(test_broken_openssh),
		cmocka_unit_test(test_authkeys_fixture),
		cmocka_unit_test(test_authkeys_edges),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_blob_errors),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
