/* test_sshkey.c — cmocka tests for src/collect/sshkey.c, with ssh-keygen and sshd as the
 * oracles.
 *
 * Owned by the "parsers" module. Keys of every type this ssh-keygen can make are
 * generated into a mkdtemp directory; bits, fingerprint (SHA256 and MD5), label and
 * comment are compared with what `ssh-keygen -lf` and `ssh-keygen -E md5 -lf` print for
 * the same file. Security-key (sk-) keys cannot be generated without a token, so they are
 * fixtures (tests/data/sshkey/sk-*.pub, built from real key material) — still compared
 * with ssh-keygen, as are certificates made here with `ssh-keygen -s`. Private keys:
 * OpenSSH (plain and encrypted), PEM, PKCS#8 (from ssh-keygen and `openssl pkcs8`),
 * hand-written PuTTY and SSH.com fixtures.
 *
 * authorized_keys options: a table of option fields with the values the rules of
 * OpenSSH 9.2's auth-options.c and sshd(8) give (each case says which rule it tests).
 * Neither ssh-keygen nor `sshd -T` reads authorized_keys, but sshd itself does: every
 * case is also put in front of the real /usr/sbin/sshd (`sshd -i -d` started by
 * `ssh -o ProxyCommand`, so no port is opened), which logs "bad key options: <why>" for
 * a field it rejects and, for a key it accepts, every option it parsed ("key options:",
 * "forced command:", "permitted open:", "expires at" ...). Those lines are compared with
 * our parse.
 *
 * The decoded-key memo (kw_authkeys_parse_memo) must give exactly what a plain parse
 * gives; this file defines EVP_DecodeBlock (forwarding to libcrypto's) to count how many
 * key texts were really decoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "collect/sshkey.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DATA KW_TEST_DATA "/sshkey/"
#define SSHD "/usr/sbin/sshd"
/* Central European time with its summer time rule, no tzdata needed (sshd's privsep
 * child reads no zone files either): local expiry times are tested in winter and summer */
#define TEST_TZ "CET-1CEST,M3.5.0,M10.5.0/3"

static char tmpdir[64];

static uint8_t *pub_blob(const char *path, size_t *blen);

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
	char fp[64];
	char comment[512];
	char label[32];
} kg_line;

/* ssh-keygen -lf, with -E hash when hash is not NULL */
static size_t keygen_l_hash(const char *path, const char *hash, kg_line *out, size_t max)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "ssh-keygen %s%s -lf '%s' 2>/dev/null", hash ? "-E " : "",
		 hash ? hash : "", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[2048];
	size_t n = 0;
	while (n < max && fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = '\0';
		kg_line *k = &out[n];
		int off = 0;
		if (sscanf(line, "%u %63s %n", &k->bits, k->fp, &off) < 2)
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

static size_t keygen_l(const char *path, kg_line *out, size_t max)
{
	return keygen_l_hash(path, NULL, out, max);
}

/* Parse a .pub file and compare with ssh-keygen -lf (SHA256 and MD5). */
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
	assert_string_equal(k.text_type, k.type);
	assert_false(k.type_mismatch);
	/* the ECDSA curve, from the blob */
	const char *nist = strstr(k.type, "nistp");
	if (nist) {
		char want[16];
		snprintf(want, sizeof want, "nistp%u", k.bits);
		assert_string_equal(k.curve, want);
		assert_int_equal(strncmp(nist, want, strlen(want)), 0);
	} else {
		assert_string_equal(k.curve, "");
	}
	/* MD5 as ssh-keygen -E md5 prints it: from the parse and from the blob alone */
	kg_line km;
	assert_int_equal(keygen_l_hash(path, "md5", &km, 1), 1);
	if (strcmp(k.fp_md5, km.fp) != 0)
		fail_msg("%s: MD5 ours %s, ssh-keygen %s", path, k.fp_md5, km.fp);
	size_t blen;
	uint8_t *blob = pub_blob(path, &blen);
	char md5[KW_FP_MD5_LEN];
	memset(md5, 'x', sizeof md5);
	assert_int_equal(kw_pubkey_fp_md5(blob, blen, md5), 0);
	assert_string_equal(md5, km.fp);
	assert_int_equal(strlen(md5), KW_FP_MD5_LEN - 1);
	free(blob);
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
	/* local expiry times are read in this zone, by us and by the sshd we start */
	if (setenv("TZ", TEST_TZ, 1) < 0)
		return -1;
	tzset();
	return kwt_mkdtemp(tmpdir, sizeof tmpdir, "kw-test-sshkey-");
}

static int teardown(void **state)
{
	(void)state;
	return kwt_rm_tree(tmpdir) == 0 ? 0 : -1;
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

static const kw_authkey *key_at(const kw_authkeys *ak, unsigned line)
{
	for (size_t i = 0; i < ak->n; i++)
		if (ak->v[i].line == line)
			return &ak->v[i];
	fail_msg("no key recorded for line %u", line);
	return NULL;
}

static void test_authkeys_fixture(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "authorized_keys", &len);
	kw_authkeys ak;
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("/root/.ssh/authorized_keys", data, len, &ak, &d), 0);

	/* lines 7 and 20 name another key type than their blob holds: recorded, flagged */
	static const unsigned key_lines[] = { 3, 4, 5, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 20, 24 };
	assert_int_equal(ak.n, sizeof key_lines / sizeof key_lines[0]);
	for (size_t i = 0; i < ak.n; i++) {
		assert_int_equal(ak.v[i].line, key_lines[i]);
		assert_int_equal(ak.v[i].key.type_mismatch, key_lines[i] == 7 || key_lines[i] == 20);
	}

	/* the other keys, in the same order, as ssh-keygen -lf (and -E md5) finds them;
	 * ssh-keygen skips the mismatched lines as sshd does */
	kg_line kg[64], km[64];
	size_t nk = keygen_l(DATA "authorized_keys", kg, 64);
	assert_int_equal(keygen_l_hash(DATA "authorized_keys", "md5", km, 64), nk);
	size_t j = 0;
	for (size_t i = 0; i < ak.n; i++) {
		const kw_authkey *k = &ak.v[i];
		if (k->key.type_mismatch)
			continue;
		assert_true(j < nk);
		if (strcmp(k->key.fp, kg[j].fp) != 0 || k->key.bits != kg[j].bits ||
		    strcmp(k->key.label, kg[j].label) != 0 || strcmp(k->key.fp_md5, km[j].fp) != 0)
			fail_msg("key %zu (line %u): %s %s vs %s %s", i, k->line, k->key.fp,
				 k->key.fp_md5, kg[j].fp, km[j].fp);
		/* ssh-keygen shows the key itself when there is no comment */
		if (k->comment)
			assert_string_equal(k->comment, kg[j].comment);
		j++;
	}
	assert_int_equal(j, nk);

	const kw_authkey *k = key_at(&ak, 3);
	assert_null(k->options);
	assert_string_equal(k->comment, "plain key");
	assert_false(k->opt_command || k->opt_from || k->opt_restrict || k->opt_cert_authority);
	assert_true(k->opts.valid);
	assert_false(k->sshd_ignores);
	assert_int_equal(k->opts.tunnel, KW_AUTHOPT_TUN_NONE);
	assert_string_equal(k->key.text_type, "ssh-ed25519");
	const char *ed_fp = k->key.fp;

	k = key_at(&ak, 4);
	assert_string_equal(k->options, "command=\"echo a, b\",from=\"10.0.0.1,192.168.0.0/16\"");
	assert_true(k->opt_command);
	assert_true(k->opt_from);
	assert_false(k->opt_restrict);
	assert_string_equal(k->opts.command, "echo a, b");
	assert_string_equal(k->opts.from, "10.0.0.1,192.168.0.0/16");
	assert_true(k->opts.valid);
	assert_string_equal(k->key.label, "RSA");
	assert_int_equal(k->key.bits, 2048);

	k = key_at(&ak, 5);
	assert_string_equal(k->options, "restrict,command=\"/bin/echo \\\"quoted, x\\\" y\"");
	assert_true(k->opt_restrict);
	assert_true(k->opt_command);
	assert_true(k->opts.restricted && k->opts.no_pty && k->opts.no_agent_forwarding);
	assert_string_equal(k->opts.command, "/bin/echo \"quoted, x\" y");
	assert_string_equal(k->comment, "escaped quotes");
	assert_int_equal(k->key.bits, 384);
	assert_string_equal(k->key.curve, "nistp384");

	/* "ssh-rsa <an Ed25519 blob>": the blob's key, the text's type, sshd ignores it */
	k = key_at(&ak, 7);
	assert_true(k->key.type_mismatch);
	assert_true(k->sshd_ignores);
	assert_string_equal(k->key.text_type, "ssh-rsa");
	assert_string_equal(k->key.type, "ssh-ed25519");
	assert_string_equal(k->key.label, "ED25519");
	assert_string_equal(k->key.fp, ed_fp);
	assert_string_equal(k->comment, "type mismatch");
	assert_null(k->options);
	/* "ecdsa-sha2-nistp256 <a nistp384 blob>": the curve differs */
	k = key_at(&ak, 20);
	assert_true(k->key.type_mismatch);
	assert_string_equal(k->key.text_type, "ecdsa-sha2-nistp256");
	assert_string_equal(k->key.type, "ecdsa-sha2-nistp384");
	assert_string_equal(k->key.curve, "nistp384");
	assert_int_equal(k->key.bits, 384);

	assert_string_equal(key_at(&ak, 8)->comment, "indented   comment with  spaces");
	k = key_at(&ak, 9);
	assert_string_equal(k->options, "no-pty,bogus-option");
	assert_false(k->opts.valid);
	assert_true(k->sshd_ignores);
	assert_string_equal(k->opts.error, "unknown key option");
	assert_true(k->opts.no_pty);
	k = key_at(&ak, 10);
	assert_true(k->opt_cert_authority);
	assert_true(k->opts.cert_authority);
	assert_string_equal(k->opts.principals, "a,b");
	k = key_at(&ak, 11);
	assert_string_equal(k->options, "from=\"a b c\",no-agent-forwarding");
	assert_true(k->opt_from);
	assert_string_equal(k->opts.from, "a b c");
	assert_true(k->opts.no_agent_forwarding);
	assert_false(k->opts.no_pty);
	assert_null(key_at(&ak, 13)->comment);
	assert_null(key_at(&ak, 13)->options);
	k = key_at(&ak, 15);
	assert_string_equal(k->key.label, "ED25519-SK");
	assert_string_equal(k->options, "no-touch-required");
	assert_true(k->opts.no_touch_required);
	assert_string_equal(key_at(&ak, 16)->key.label, "ED25519-CERT");
	assert_string_equal(key_at(&ak, 17)->comment, "crlf line");
	k = key_at(&ak, 18);
	assert_string_equal(k->key.type, "ssh-rsa");
	assert_string_equal(k->key.text_type, "rsa-sha2-256"); /* an RSA key: no mismatch */
	assert_false(k->key.type_mismatch);
	k = key_at(&ak, 24);
	assert_true(k->opt_restrict); /* "ReStRiCt": option names ignore case */
	assert_false(k->opt_command);
	/* port-forwarding, then restrict: restrict wins */
	assert_true(k->opts.restricted && k->opts.no_port_forwarding);
	assert_int_equal(k->opts.environment.n, 1);
	assert_string_equal(k->opts.environment.v[0], "A=b");

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
	assert_non_null(strstr(kwt_diag_at(&d, 9)->msg, "bad key options: unknown key option"));
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

/* ---- authorized_keys options ---- */

enum {
	F_RESTRICT = 1 << 0,
	F_CA = 1 << 1,
	F_NO_AGENT = 1 << 2,
	F_NO_PORT = 1 << 3,
	F_NO_PTY = 1 << 4,
	F_NO_RC = 1 << 5,
	F_NO_X11 = 1 << 6,
	F_NO_TOUCH = 1 << 7,
	F_VERIFY = 1 << 8,
	F_PORT_NAME = 1 << 9,
	F_NO_ALL = F_NO_AGENT | F_NO_PORT | F_NO_PTY | F_NO_RC | F_NO_X11,
};

/* One options field and what sshd makes of it. The rule each case tests is named after
 * it: [ao] auth-options.c sshauthopt_parse / handle_permit, [misc] misc.c opt_flag,
 * opt_match, opt_dequote, parse_absolute_time, a2port, a2tun, valid_env_name, [man]
 * sshd(8) AUTHORIZED_KEYS FILE FORMAT. */
typedef struct opt_case {
	const char *opts;
	const char *error;  /* NULL: sshd accepts the field; else its reason */
	unsigned flags;
	const char *command, *from, *principals;
	int64_t expiry;
	const char *open[8], *listen[8], *env[8];
	bool has_tun;
	int tun;
	bool from_denied;   /* valid, but from= refuses the test login (client "UNKNOWN") */
} opt_case;

static const opt_case opt_cases[] = {
	/* [man] every no- flag; [misc] names ignore case ("X11") */
	{ "no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,no-X11-forwarding",
	  .flags = F_NO_ALL },
	/* [ao] restrict turns off all five */
	{ "restrict", .flags = F_RESTRICT | F_NO_ALL },
	/* [ao][man] after restrict, the positive forms turn one back on */
	{ "restrict,pty,agent-forwarding", .flags = F_RESTRICT | F_NO_PORT | F_NO_RC | F_NO_X11 },
	/* [ao] several permitopen; [misc hpdelim2] [v6] in brackets, '/' splits too, "*"
	 * port, an empty host is accepted */
	{ "restrict,port-forwarding,user-rc,x11-forwarding,permitopen=\"localhost:8080\","
	  "permitopen=\"[::1]:22\",permitopen=\"db.internal/5432\",permitopen=\"*:443\","
	  "permitopen=\":22\",permitopen=\"h:*\"",
	  .flags = F_RESTRICT | F_NO_AGENT | F_NO_PTY,
	  .open = { "localhost:8080", "[::1]:22", "db.internal/5432", "*:443", ":22", "h:*" } },
	/* [ao] options apply in order: a later restrict wins */
	{ "pty,restrict", .flags = F_RESTRICT | F_NO_ALL },
	{ "no-pty,pty", .flags = 0 },
	/* [misc opt_dequote] \" is a quote; commas and blanks inside quotes */
	{ "command=\"/bin/echo \\\"quoted, x\\\" y\",no-pty", .flags = F_NO_PTY,
	  .command = "/bin/echo \"quoted, x\" y" },
	/* [misc opt_dequote] a backslash before anything but a quote stays */
	{ "command=\"echo a\\b \\\\c\"", .command = "echo a\\b \\\\c" },
	/* [ao] environment: NAME=value, NAME of [A-Za-z0-9_]; the first NAME wins */
	{ "from=\"*,!10.0.0.1\",environment=\"LANG=C\",environment=\"KW_A=x y\","
	  "environment=\"LANG=fr\",environment=\"_1=\",environment=\"9X=1\"",
	  .from = "*,!10.0.0.1", .env = { "LANG=C", "KW_A=x y", "_1=", "9X=1" } },
	{ "environment=\"A=1\",environment=\"A=2\"", .env = { "A=1" } },
	/* [misc a2tun] "any" in any case, or strtonum 0..SSH_TUNID_MAX (strtoll: a sign and
	 * leading blanks pass); [ao] the last tunnel= wins */
	{ "tunnel=\"any\"", .has_tun = true, .tun = KW_AUTHOPT_TUN_ANY },
	{ "tunnel=\"ANY\"", .has_tun = true, .tun = KW_AUTHOPT_TUN_ANY },
	{ "tunnel=\"0\"", .has_tun = true, .tun = 0 },
	{ "tunnel=\"+7\"", .has_tun = true, .tun = 7 },
	{ "tunnel=\" 5\"", .has_tun = true, .tun = 5 },
	{ "tunnel=\"2147483645\"", .has_tun = true, .tun = KW_AUTHOPT_TUN_MAX },
	{ "tunnel=\"1\",tunnel=\"2\"", .has_tun = true, .tun = 2 },
	/* [ao handle_permit] permitlisten: a bare port is recorded as "*:port" */
	{ "permitlisten=\"8080\",permitlisten=\"localhost:2222\",permitlisten=\"[::1]:*\"",
	  .listen = { "*:8080", "localhost:2222", "[::1]:*" } },
	/* [misc a2port] a service name; a number with a leading blank */
	{ "permitopen=\"h:ssh\",permitopen=\"h: 22\"", .flags = F_PORT_NAME,
	  .open = { "h:ssh", "h: 22" } },
	/* [misc parse_absolute_time] the three lengths, local time (TEST_TZ, winter: UTC+1) */
	{ "expiry-time=\"20300102\"", .expiry = 1893538800 },
	{ "expiry-time=\"203001021530\"", .expiry = 1893594600 },
	{ "expiry-time=\"20300102153045\"", .expiry = 1893594645 },
	/* ... and UTC with Z or UTC, either case */
	{ "expiry-time=\"20300102Z\"", .expiry = 1893542400 },
	{ "expiry-time=\"203001021530z\"", .expiry = 1893598200 },
	{ "expiry-time=\"20300102153045UTC\"", .expiry = 1893598245 },
	{ "expiry-time=\"20300102utc\"", .expiry = 1893542400 },
	/* summer: sshd's mktime() runs with tm_isdst 0, so local means UTC+1 all year */
	{ "expiry-time=\"20300701\"", .expiry = 1909090800 },
	/* glibc strptime skips blanks before a number; takes 31 February; seconds to 61 */
	{ "expiry-time=\"2030 102\"", .expiry = 1893538800 },
	{ "expiry-time=\"20300231Z\"", .expiry = 1898726400 },
	{ "expiry-time=\"20300102235960Z\"", .expiry = 1893628800 },
	/* [ao] several: the earliest */
	{ "expiry-time=\"20310101Z\",expiry-time=\"20300101Z\"", .expiry = 1893456000 },
	/* a past date parses (sshd refuses the login later: "entry expired") */
	{ "expiry-time=\"20000101Z\"", .expiry = 946684800 },
	{ "cert-authority,principals=\"alice,bob\"", .flags = F_CA, .principals = "alice,bob" },
	/* [ao] principals without cert-authority parses (sshd refuses the login later) */
	{ "principals=\"alice\"", .principals = "alice" },
	{ "cert-authority,restrict,command=\"echo ca\"", .flags = F_CA | F_RESTRICT | F_NO_ALL,
	  .command = "echo ca" },
	{ "cert-authority", .flags = F_CA },
	/* [ao] touch-required and verify-required, with and without no- */
	{ "no-touch-required,verify-required", .flags = F_NO_TOUCH | F_VERIFY },
	{ "touch-required,no-verify-required", .flags = 0 },
	{ "no-touch-required,touch-required", .flags = 0 },
	/* [misc opt_flag/opt_match] names in any case */
	{ "NO-PTY,Command=\"echo up\",PermitOpen=\"h:1\",ReStRiCt", .flags = F_RESTRICT | F_NO_ALL,
	  .command = "echo up", .open = { "h:1" } },
	/* [ao] empty options between commas, and a trailing comma, are skipped */
	{ ",no-pty,,no-x11-forwarding,", .flags = F_NO_PTY | F_NO_X11 },
	/* commas inside quotes; from= refuses this client */
	{ "from=\"10.0.0.1,192.168.0.0/16\",command=\"echo a, b\"", .from = "10.0.0.1,192.168.0.0/16",
	  .command = "echo a, b", .from_denied = true },

	/* ---- fields sshd rejects ---- */
	/* [ao] a name that is no option */
	{ "bogus", .error = "unknown key option" },
	{ "no-pty,bogus-option", .error = "unknown key option", .flags = F_NO_PTY },
	{ "no-restrict", .error = "unknown key option" },   /* restrict has no no- form */
	{ "restricted", .error = "unknown key option" },    /* a flag must end at a comma */
	{ "pty=\"x\"", .error = "unknown key option" },
	{ "no-command=\"x\"", .error = "unknown key option" },
	/* [misc opt_dequote] values must be quoted, and end at the quote */
	{ "command=x", .error = "missing start quote" },
	{ "command=\"x\"y", .error = "unknown key option", .command = "x" },
	/* [ao] command, from and principals at most once */
	{ "command=\"a\",command=\"b\"", .error = "multiple \"command\" clauses", .command = "a" },
	{ "from=\"*\",from=\"*\"", .error = "multiple \"from\" clauses", .from = "*" },
	{ "principals=\"a\",principals=\"b\"", .error = "multiple \"principals\" clauses",
	  .principals = "a" },
	/* [misc valid_env_name] */
	{ "environment=\"A-B=1\"", .error = "invalid environment string" },
	{ "environment=\"NOEQUALS\"", .error = "invalid environment string" },
	{ "environment=\"=v\"", .error = "invalid environment string" },
	/* [misc a2tun] */
	{ "tunnel=\"2147483646\"", .error = "invalid tun device" },
	{ "tunnel=\"-1\"", .error = "invalid tun device" },
	{ "tunnel=\"x\"", .error = "invalid tun device" },
	{ "tunnel=\"\"", .error = "invalid tun device" },
	/* [ao handle_permit] [misc hpdelim2 a2port] */
	{ "permitopen=\"host\"", .error = "invalid permission port" },
	{ "permitopen=\"host:0\"", .error = "invalid permission port" },
	{ "permitopen=\"host:65536\"", .error = "invalid permission port" },
	{ "permitopen=\"[::1\"", .error = "invalid permission hostname" },
	{ "permitopen=\"[::1]x:22\"", .error = "invalid permission hostname" },
	{ "permitopen=\"host:\"", .error = "invalid permission port" },
	{ "permitopen=\"h:22x\"", .error = "invalid permission port" },
	{ "permitlisten=\"host/22\"", .error = "invalid permission port" }, /* no ':': "*:host/22" */
	/* [misc parse_absolute_time] */
	{ "expiry-time=\"2030010\"", .error = "invalid expires time" },
	{ "expiry-time=\"203001021\"", .error = "invalid expires time" },
	{ "expiry-time=\"20301301\"", .error = "invalid expires time" },
	{ "expiry-time=\"20300132\"", .error = "invalid expires time" },
	{ "expiry-time=\"2030-01-02\"", .error = "invalid expires time" },
	{ "expiry-time=\"20300102T1530\"", .error = "invalid expires time" },
	{ "expiry-time=\"20300102246000\"", .error = "invalid expires time" },
	{ "expiry-time=\"20300102 Z\"", .error = "invalid expires time" },
	{ "expiry-time=\"19700101Z\"", .error = "invalid expires time" }, /* 0 */
	{ "expiry-time=\"19691231Z\"", .error = "invalid expires time" }, /* negative */
	{ "expiry-time=\"Z\"", .error = "invalid expires time" },
	{ "expiry-time=\"\"", .error = "invalid expires time" },
	/* the first error decides; we read on for the rest of the field */
	{ "expiry-time=\"20300101Z\",expiry-time=\"bad\"", .error = "invalid expires time",
	  .expiry = 1893456000 },
	{ "no-pty,command=\"echo a\",restrict,bogus,x11-forwarding", .error = "unknown key option",
	  .flags = F_RESTRICT | F_NO_AGENT | F_NO_PORT | F_NO_PTY | F_NO_RC, .command = "echo a" },
};

static void assert_str_or_null(const char *got, const char *want, size_t i, const char *what)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
		fail_msg("case %zu (%s): %s is \"%s\", want \"%s\"", i, opt_cases[i].opts, what,
			 got ? got : "(null)", want ? want : "(null)");
}

static void assert_list(const kw_authopt_list *l, const char *const *want, size_t i,
			const char *what)
{
	size_t n = 0;
	while (n < 8 && want[n])
		n++;
	if (l->n != n)
		fail_msg("case %zu (%s): %zu %s, want %zu", i, opt_cases[i].opts, l->n, what, n);
	for (size_t k = 0; k < n; k++)
		assert_str_or_null(l->v[k], want[k], i, what);
}

static void assert_opts(const kw_authopts *o, size_t i)
{
	const opt_case *c = &opt_cases[i];
	if (o->valid != !c->error)
		fail_msg("case %zu (%s): valid %d (%s)", i, c->opts, o->valid, o->error ? o->error : "");
	assert_str_or_null(o->error, c->error, i, "error");
	unsigned f = (o->restricted ? F_RESTRICT : 0) | (o->cert_authority ? F_CA : 0) |
		     (o->no_agent_forwarding ? F_NO_AGENT : 0) | (o->no_port_forwarding ? F_NO_PORT : 0) |
		     (o->no_pty ? F_NO_PTY : 0) | (o->no_user_rc ? F_NO_RC : 0) |
		     (o->no_x11_forwarding ? F_NO_X11 : 0) | (o->no_touch_required ? F_NO_TOUCH : 0) |
		     (o->verify_required ? F_VERIFY : 0) | (o->port_by_name ? F_PORT_NAME : 0);
	if (f != c->flags)
		fail_msg("case %zu (%s): flags %#x, want %#x", i, c->opts, f, c->flags);
	assert_str_or_null(o->command, c->command, i, "command");
	assert_str_or_null(o->from, c->from, i, "from");
	assert_str_or_null(o->principals, c->principals, i, "principals");
	if (o->expiry_time != c->expiry)
		fail_msg("case %zu (%s): expiry %lld, want %lld", i, c->opts, (long long)o->expiry_time,
			 (long long)c->expiry);
	assert_list(&o->permitopen, c->open, i, "permitopen");
	assert_list(&o->permitlisten, c->listen, i, "permitlisten");
	assert_list(&o->environment, c->env, i, "environment");
	int tun = c->has_tun ? c->tun : KW_AUTHOPT_TUN_NONE;
	if (o->tunnel != tun)
		fail_msg("case %zu (%s): tunnel %d, want %d", i, c->opts, o->tunnel, tun);
}

/* Each field alone, through kw_authopts_parse. */
static void test_authopts_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++) {
		kw_authopts o;
		memset(&o, 0x5a, sizeof o);
		assert_int_equal(kw_authopts_parse((const uint8_t *)opt_cases[i].opts,
						   strlen(opt_cases[i].opts), &o), 0);
		assert_opts(&o, i);
		kw_authopts_release(&o);
		assert_true(o.valid);
		assert_null(o.command);
		assert_int_equal(o.environment.n, 0);
	}
}

/* The edges a line cannot reach (16 KiB) or that stop a whole line. */
static void test_authopts_limits(void **state)
{
	(void)state;
	kw_authopts o;
	kw_sb sb;
	kw_sb_init(&sb);

	/* [ao] SSH_AUTHOPT_PERMIT_MAX: the check (count > 4096) runs before each one is
	 * added, so 4097 pass and the 4098th fails */
	for (unsigned i = 0; i < 4097; i++)
		kw_sb_printf(&sb, "%spermitopen=\"h:%u\"", i ? "," : "", i + 1);
	assert_int_equal(kw_authopts_parse((const uint8_t *)sb.s, sb.len, &o), 0);
	assert_true(o.valid);
	assert_int_equal(o.permitopen.n, 4097);
	kw_authopts_release(&o);
	kw_sb_puts(&sb, ",permitopen=\"h:1\"");
	assert_int_equal(kw_authopts_parse((const uint8_t *)sb.s, sb.len, &o), 0);
	assert_false(o.valid);
	assert_string_equal(o.error, "too many permission directives");
	kw_authopts_release(&o);

	/* [ao] SSH_AUTHOPT_ENV_MAX the same way: 1025 names pass */
	kw_sb_clear(&sb);
	for (unsigned i = 0; i < 1025; i++)
		kw_sb_printf(&sb, "%senvironment=\"V%u=1\"", i ? "," : "", i);
	assert_int_equal(kw_authopts_parse((const uint8_t *)sb.s, sb.len, &o), 0);
	assert_true(o.valid);
	assert_int_equal(o.environment.n, 1025);
	kw_authopts_release(&o);
	kw_sb_puts(&sb, ",environment=\"LAST=1\"");
	assert_int_equal(kw_authopts_parse((const uint8_t *)sb.s, sb.len, &o), 0);
	assert_string_equal(o.error, "too many environment strings");
	kw_authopts_release(&o);

	/* [ao handle_permit] a host must be shorter than NI_MAXHOST (1025) */
	for (size_t hl = 1024; hl <= 1025; hl++) {
		kw_sb_clear(&sb);
		kw_sb_puts(&sb, "permitopen=\"");
		for (size_t i = 0; i < hl; i++)
			kw_sb_putc(&sb, 'a');
		kw_sb_puts(&sb, ":22\"");
		assert_int_equal(kw_authopts_parse((const uint8_t *)sb.s, sb.len, &o), 0);
		assert_int_equal(o.valid, hl == 1024);
		if (hl == 1025)
			assert_string_equal(o.error, "invalid permission hostname");
		kw_authopts_release(&o);
	}
	kw_sb_release(&sb);

	/* an unterminated value: sshd never gets here for a line (the field has no end), but
	 * the parser must stop at the end of what it is given */
	static const char *const unterminated[] = { "command=\"abc", "command=\"abc\\\"", "from=\"" };
	for (size_t i = 0; i < KW_ARRAY_LEN(unterminated); i++) {
		assert_int_equal(kw_authopts_parse((const uint8_t *)unterminated[i],
						   strlen(unterminated[i]), &o), 0);
		assert_false(o.valid);
		assert_string_equal(o.error, "missing end quote");
		assert_null(o.command);
		kw_authopts_release(&o);
	}
	/* a blank ends the field, as in sshd's loop; so does a NUL */
	const char two[] = "no-pty bogus";
	assert_int_equal(kw_authopts_parse((const uint8_t *)two, strlen(two), &o), 0);
	assert_true(o.valid);
	assert_true(o.no_pty);
	kw_authopts_release(&o);
	const char nul[] = "no-pty\0bogus";
	assert_int_equal(kw_authopts_parse((const uint8_t *)nul, sizeof nul - 1, &o), 0);
	assert_true(o.valid);
	kw_authopts_release(&o);
	/* nothing at all */
	assert_int_equal(kw_authopts_parse(NULL, 0, &o), 0);
	assert_true(o.valid);
	assert_int_equal(o.tunnel, KW_AUTHOPT_TUN_NONE);
	kw_authopts_release(&o);
	kw_authopts_release(NULL);
}

/* The key line (type and base64) of a .pub file, without its comment. */
static void pub_key_text(const char *path, char *out, size_t cap)
{
	size_t len;
	char *text = (char *)kwt_read_file(path, &len);
	char type[64], b64[1024];
	assert_int_equal(sscanf(text, "%63s %1023s", type, b64), 2);
	assert_true(strlen(type) + 1 + strlen(b64) < cap);
	snprintf(out, cap, "%s %s", type, b64);
	free(text);
}

/* Every case as a line of one authorized_keys file: comments with spaces, CRLF on every
 * third line, blank and comment lines between them. */
static char *cases_file(const char *key, unsigned *first_line)
{
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_puts(&sb, "# options fixture\n\n");
	*first_line = 3;
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++)
		kw_sb_printf(&sb, "%s %s  case %zu: a comment  with\tspaces %s", opt_cases[i].opts, key, i,
			     i % 3 == 2 ? "\r\n" : "\n");
	return kw_sb_detach(&sb);
}

static void test_authopts_file(void **state)
{
	(void)state;
	char key[2048];
	pub_key_text(DATA "fixture-ed25519.pub", key, sizeof key);
	unsigned first;
	char *text = cases_file(key, &first);
	kw_authkeys ak;
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("ak", (const uint8_t *)text, strlen(text), &ak, &d), 0);
	assert_int_equal(ak.n, KW_ARRAY_LEN(opt_cases));
	size_t nbad = 0;
	for (size_t i = 0; i < ak.n; i++) {
		const kw_authkey *k = &ak.v[i];
		const opt_case *c = &opt_cases[i];
		assert_int_equal(k->line, first + i);
		assert_opts(&k->opts, i);
		assert_string_equal(k->options, c->opts);
		char want[128];
		snprintf(want, sizeof want, "case %zu: a comment  with\tspaces", i);
		assert_string_equal(k->comment, want);
		assert_string_equal(k->key.label, "ED25519");
		assert_false(k->key.type_mismatch);
		assert_int_equal(k->sshd_ignores, c->error != NULL);
		/* the flags kept from before: well-formed options with these names */
		assert_int_equal(k->opt_cert_authority, (c->flags & F_CA) != 0);
		if (!c->error)
			assert_int_equal(k->opt_command, c->command != NULL);
		const kw_diag *g = kwt_diag_at(&d, k->line);
		if (c->error) {
			char msg[160];
			snprintf(msg, sizeof msg, "bad key options: %s (key recorded anyway)", c->error);
			if (!g || !strstr(g->msg, msg))
				fail_msg("case %zu: diagnostic %s", i, g ? g->msg : "(none)");
			nbad++;
		} else if (g) {
			fail_msg("case %zu: unexpected diagnostic %s", i, g->msg);
		}
	}
	assert_int_equal(d.n, nbad);
	kw_authkeys_release(&ak);
	kw_diags_release(&d);
	free(text);
}

/* ---- sshd as the oracle ---- */

/* The login keys are encrypted and ssh runs in batch mode: it offers the public key,
 * sshd reads authorized_keys, logs what it found and answers "this key would do", and
 * ssh, unable to sign, gives up. No session ever starts, so no command runs and no login
 * is recorded; sshd has logged all we compare by then. */
typedef struct oracle {
	char user[64];
	char cfg[128], log[128], ak[128];
	char id[128], ca_id[128];     /* plain login key; key with a certificate from ca */
	char key[2048], ca_key[2048]; /* their public "type base64" text for lines */
} oracle;

static void oracle_init(oracle *o)
{
	if (access(SSHD, X_OK) != 0)
		fail_msg("%s is needed as the oracle for authorized_keys options", SSHD);
	struct passwd *pw = getpwuid(geteuid());
	assert_non_null(pw);
	snprintf(o->user, sizeof o->user, "%s", pw->pw_name);
	char hk[128], ca[128], pub[160];
	snprintf(hk, sizeof hk, "%s/oracle_hostkey", tmpdir);
	snprintf(ca, sizeof ca, "%s/oracle_ca", tmpdir);
	snprintf(o->id, sizeof o->id, "%s/oracle_id", tmpdir);
	snprintf(o->ca_id, sizeof o->ca_id, "%s/oracle_certid", tmpdir);
	snprintf(o->cfg, sizeof o->cfg, "%s/oracle_sshd_config", tmpdir);
	snprintf(o->log, sizeof o->log, "%s/oracle_sshd.log", tmpdir);
	snprintf(o->ak, sizeof o->ak, "%s/oracle_authorized_keys", tmpdir);
	if (access(hk, F_OK) != 0) {
		run("ssh-keygen -q -t ed25519 -N '' -C host -f '%s'", hk);
		run("ssh-keygen -q -t ed25519 -N '' -C ca -f '%s'", ca);
		run("ssh-keygen -q -t ed25519 -N 'never given' -C user -f '%s'", o->id);
		run("ssh-keygen -q -t ed25519 -N 'never given' -C certuser -f '%s'", o->ca_id);
		run("ssh-keygen -q -s '%s' -I oracle -n '%s' '%s.pub'", ca, o->user, o->ca_id);
		char cfg[1024];
		int n = snprintf(cfg, sizeof cfg,
				 "HostKey %s\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
				 "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
				 "PermitRootLogin yes\nPermitUserEnvironment yes\nPermitUserRC no\n"
				 "PidFile none\n",
				 hk, o->ak);
		write_file(o->cfg, cfg, (size_t)n);
	}
	snprintf(pub, sizeof pub, "%s.pub", o->id);
	pub_key_text(pub, o->key, sizeof o->key);
	snprintf(pub, sizeof pub, "%s.pub", ca);
	pub_key_text(pub, o->ca_key, sizeof o->ca_key);
}

/* Offer `identity` once against authorized_keys `text`; sshd's debug log. */
static char *sshd_log(const oracle *o, const char *text, const char *identity)
{
	write_file(o->ak, text, strlen(text));
	unlink(o->log);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "timeout 60 ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes "
		 "-o IdentityFile='%s' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
		 "-o LogLevel=QUIET -o ProxyCommand='%s -i -d -e -f %s 2>%s' -l '%s' kw-oracle true "
		 "</dev/null >/dev/null 2>&1",
		 identity, SSHD, o->cfg, o->log, o->user);
	(void)system(cmd); /* the login always fails (see above): the log tells the rest */
	size_t len;
	char *log = (char *)kwt_read_file(o->log, &len);
	if (!strstr(log, "debug1:"))
		fail_msg("sshd wrote no debug log: %s", log);
	return log;
}

/* sshd's log passes every message through strnvis(VIS_SAFE|VIS_OCTAL): a backslash is
 * doubled, unsafe bytes become \ooo. Undo that, in place. */
static void unvis(char *t)
{
	char *o = t;
	while (*t) {
		if (t[0] == '\\' && t[1] == '\\') {
			*o++ = '\\';
			t += 2;
		} else if (t[0] == '\\' && t[1] >= '0' && t[1] <= '3' && t[2] >= '0' && t[2] <= '7' &&
			   t[3] >= '0' && t[3] <= '7') {
			*o++ = (char)((t[1] - '0') << 6 | (t[2] - '0') << 3 | (t[3] - '0'));
			t += 4;
		} else {
			*o++ = *t++;
		}
	}
	*o = '\0';
}

/* What sshd logged about line n of the authorized_keys file: the text after
 * "<file>:<n>: ", in order, unescaped. */
typedef struct loc_lines {
	char *buf;
	const char *v[256];
	size_t n;
} loc_lines;

static void lines_for(const oracle *o, const char *log, unsigned n, loc_lines *out)
{
	char prefix[160];
	snprintf(prefix, sizeof prefix, "%s:%u: ", o->ak, n);
	out->buf = strdup(log);
	out->n = 0;
	char *save = NULL;
	/* sshd -e ends its lines with "\r\n" */
	for (char *l = strtok_r(out->buf, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		char *at = strstr(l, prefix);
		if (at && out->n < KW_ARRAY_LEN(out->v)) {
			unvis(at);
			out->v[out->n++] = at + strlen(prefix);
		}
	}
}

static const char *find_from(const loc_lines *l, size_t from, const char *start, size_t *at)
{
	for (size_t i = from; i < l->n; i++)
		if (!strncmp(l->v[i], start, strlen(start))) {
			if (at)
				*at = i;
			return l->v[i] + strlen(start);
		}
	return NULL;
}

/* "key options: ..." as sshd 9.2's auth_log_authopts() prints it for these options
 * (with this test's sshd_config: user environment and TCP forwarding allowed). */
static void authopts_summary(const kw_authopts *o, char *out, size_t cap)
{
	char tun[32] = "";
	if (o->tunnel != KW_AUTHOPT_TUN_NONE)
		snprintf(tun, sizeof tun, " tun=%d",
			 o->tunnel == KW_AUTHOPT_TUN_ANY ? 0x7fffffff : o->tunnel); /* SSH_TUNID_ANY */
	snprintf(out, cap, "%s%s%s%s%s%s%s%s%s%s%s%s%s%s",
		 !o->no_agent_forwarding ? " agent-forwarding" : "", o->command ? " command" : "",
		 o->environment.n ? " environment" : "", o->expiry_time ? " expires" : "",
		 o->no_touch_required ? " no-touch-required" : "",
		 o->permitopen.n ? " permitopen" : "", o->permitlisten.n ? " permitlisten" : "",
		 !o->no_port_forwarding ? " port-forwarding" : "", o->principals ? " principals" : "",
		 !o->no_pty ? " pty" : "", o->verify_required ? " uv" : "", tun,
		 !o->no_user_rc ? " user-rc" : "", !o->no_x11_forwarding ? " x11-forwarding" : "");
}

/* sshd 9.2 prints "expires" without the blank before it: put one back. */
static void normalise_summary(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 2 < cap; i++) {
		if (!strncmp(in + i, "expires", 7) && i > 0 && in[i - 1] != ' ')
			out[o++] = ' ';
		out[o++] = in[i];
	}
	out[o] = '\0';
}

static void assert_logged_list(const loc_lines *l, size_t a, size_t b, const char *start,
			       const kw_authopt_list *want, size_t ci)
{
	size_t n = 0;
	for (size_t i = a; i < b; i++)
		if (!strncmp(l->v[i], start, strlen(start))) {
			if (n >= want->n || strcmp(l->v[i] + strlen(start), want->v[n]) != 0)
				fail_msg("case %zu: sshd logged %s, ours %s", ci, l->v[i],
					 n < want->n ? want->v[n] : "(nothing)");
			n++;
		}
	if (n != want->n)
		fail_msg("case %zu: sshd logged %zu %s lines, ours %zu", ci, n, start, want->n);
}

/* Compare sshd's account of one line with our parse of it. login: sshd got as far as
 * logging the options (the key was accepted, or is a CA key for the certificate). */
static void compare_with_sshd(const oracle *o, const char *log, unsigned line,
			      const kw_authopts *ours, size_t ci, bool login)
{
	loc_lines l;
	lines_for(o, log, line, &l);
	const char *bad = find_from(&l, 0, "bad key options: ", NULL);
	if (!ours->valid) {
		if (!bad || strcmp(bad, ours->error) != 0)
			fail_msg("case %zu (%s): sshd says \"%s\", we say invalid: %s", ci, opt_cases[ci].opts,
				 bad ? bad : "(accepted)", ours->error);
		free(l.buf);
		return;
	}
	if (bad)
		fail_msg("case %zu (%s): sshd rejects it: %s", ci, opt_cases[ci].opts, bad);
	char when[64] = "";
	if (ours->expiry_time) {
		time_t t = (time_t)ours->expiry_time;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	}
	if (ours->expiry_time && ours->expiry_time < (int64_t)time(NULL)) {
		const char *e = find_from(&l, 0, "entry expired at ", NULL);
		if (!e || strcmp(e, when) != 0)
			fail_msg("case %zu: sshd: expired at %s, ours %s", ci, e ? e : "(nothing)", when);
	} else if (ours->principals && !ours->cert_authority) {
		if (!find_from(&l, 0, "principals on non-CA key", NULL))
			fail_msg("case %zu: sshd did not refuse principals on a plain key", ci);
	} else if (opt_cases[ci].from_denied) {
		bool denied = false;
		for (size_t i = 0; i < l.n; i++)
			denied = denied || strstr(l.v[i], "not from a permitted host");
		if (!denied)
			fail_msg("case %zu: sshd did not apply from=", ci);
	} else if (login) {
		size_t a, b = l.n;
		const char *sum = find_from(&l, 0, "key options:", &a);
		if (!sum)
			fail_msg("case %zu (%s): sshd logged no options", ci, opt_cases[ci].opts);
		/* a certificate login logs the certificate's own options next: stop there */
		find_from(&l, a + 1, "key options:", &b);
		char got[512], want[512];
		normalise_summary(sum, got, sizeof got);
		authopts_summary(ours, want, sizeof want);
		if (strcmp(got, want) != 0)
			fail_msg("case %zu (%s): sshd \"%s\", ours \"%s\"", ci, opt_cases[ci].opts, got, want);
		char q[1200];
		if (ours->command) {
			snprintf(q, sizeof q, "\"%s\"", ours->command);
			const char *c = find_from(&l, a, "forced command: ", NULL);
			if (!c || strcmp(c, q) != 0)
				fail_msg("case %zu: sshd command %s, ours %s", ci, c ? c : "(none)", q);
		}
		if (ours->principals) {
			snprintf(q, sizeof q, "\"%s\"", ours->principals);
			const char *c = find_from(&l, a, "authorized principals: ", NULL);
			if (!c || strcmp(c, q) != 0)
				fail_msg("case %zu: sshd principals %s, ours %s", ci, c ? c : "(none)", q);
		}
		if (ours->expiry_time) {
			const char *e = find_from(&l, a, "expires at ", NULL);
			if (!e || strcmp(e, when) != 0)
				fail_msg("case %zu: sshd expires at %s, ours %s", ci, e ? e : "(none)", when);
		}
		assert_logged_list(&l, a, b, "environment: ", &ours->environment, ci);
		assert_logged_list(&l, a, b, "permitted open: ", &ours->permitopen, ci);
		assert_logged_list(&l, a, b, "permitted listen: ", &ours->permitlisten, ci);
	}
	free(l.buf);
}

/* Does the case reach sshd's option log with a login of its own? */
static bool logs_options(const opt_case *c, const kw_authopts *o)
{
	return !c->error && !c->from_denied && (!o->principals || o->cert_authority) &&
	       !(o->expiry_time && o->expiry_time < (int64_t)time(NULL));
}

static void test_authopts_sshd(void **state)
{
	(void)state;
	oracle o;
	oracle_init(&o);
	kw_authopts parsed[KW_ARRAY_LEN(opt_cases)];
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++)
		assert_int_equal(kw_authopts_parse((const uint8_t *)opt_cases[i].opts,
						   strlen(opt_cases[i].opts), &parsed[i]), 0);

	/* one login against every case that cannot log in: sshd reads each line in turn
	 * (rejected options, expired, principals on a plain key, from= refusing) */
	kw_sb sb;
	kw_sb_init(&sb);
	unsigned lines[KW_ARRAY_LEN(opt_cases)] = { 0 }, next = 1;
	size_t batched = 0;
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++) {
		if (logs_options(&opt_cases[i], &parsed[i]) || parsed[i].cert_authority)
			continue;
		kw_sb_printf(&sb, "%s %s case %zu\n", opt_cases[i].opts, o.key, i);
		lines[i] = next++;
		batched++;
	}
	assert_true(batched >= 40);
	char *log = sshd_log(&o, sb.s, o.id);
	assert_null(strstr(log, "Accepted"));
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++)
		if (lines[i])
			compare_with_sshd(&o, log, lines[i], &parsed[i], i, false);
	free(log);

	/* one login each for the rest: a plain key, or a certificate for a CA line */
	size_t logins = 0;
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++) {
		if (lines[i])
			continue;
		bool ca = parsed[i].cert_authority;
		kw_sb_clear(&sb);
		kw_sb_printf(&sb, "%s %s case %zu\n", opt_cases[i].opts, ca ? o.ca_key : o.key, i);
		log = sshd_log(&o, sb.s, ca ? o.ca_id : o.id);
		if (!ca && !strstr(log, "Accepted key ED25519"))
			fail_msg("case %zu (%s): sshd did not accept the key", i, opt_cases[i].opts);
		compare_with_sshd(&o, log, 1, &parsed[i], i, true);
		free(log);
		logins++;
	}
	assert_true(logins >= 30);
	kw_sb_release(&sb);
	for (size_t i = 0; i < KW_ARRAY_LEN(opt_cases); i++)
		kw_authopts_release(&parsed[i]);
}

/* "ssh-rsa <an Ed25519 blob>": flagged by both parsers, and sshd ignores the line. */
static void test_type_mismatch(void **state)
{
	(void)state;
	oracle o;
	oracle_init(&o);
	const char *b64 = strchr(o.key, ' ') + 1;
	char line[2200];
	snprintf(line, sizeof line, "ssh-rsa %s mismatched key", b64);

	kw_pubkey k;
	char *comment = (char *)0x1;
	assert_int_equal(kw_pubkey_parse_line(kw_buf_view(line, strlen(line)), &k, &comment), KW_E_PARSE);
	assert_true(k.type_mismatch);
	assert_string_equal(k.text_type, "ssh-rsa");
	assert_string_equal(k.type, "ssh-ed25519");
	assert_string_equal(k.label, "ED25519");
	assert_ptr_equal(comment, (char *)0x1); /* not returned on failure */
	kw_pubkey good;
	assert_int_equal(kw_pubkey_parse_line(kw_buf_view(o.key, strlen(o.key)), &good, NULL), 0);
	assert_false(good.type_mismatch);
	assert_string_equal(k.fp, good.fp);
	assert_string_equal(k.fp_md5, good.fp_md5);

	/* in a file, with options too; the correct line after them is an ordinary key */
	char text[8192];
	snprintf(text, sizeof text, "%s\nno-pty %s\r\necdsa-sha2-nistp256 %s\n%s right\n", line, line,
		 b64, o.key);
	kw_authkeys ak;
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("ak", (const uint8_t *)text, strlen(text), &ak, &d), 0);
	assert_int_equal(ak.n, 4);
	for (size_t i = 0; i < 3; i++) {
		assert_true(ak.v[i].key.type_mismatch);
		assert_true(ak.v[i].sshd_ignores);
		assert_string_equal(ak.v[i].key.fp, good.fp);
		assert_non_null(strstr(kwt_diag_at(&d, (unsigned)i + 1)->msg, "does not match"));
	}
	assert_string_equal(ak.v[0].comment, "mismatched key");
	assert_null(ak.v[0].options);
	assert_string_equal(ak.v[1].options, "no-pty");
	assert_true(ak.v[1].opts.no_pty);
	assert_true(ak.v[1].opts.valid);
	assert_string_equal(ak.v[2].key.text_type, "ecdsa-sha2-nistp256");
	assert_null(ak.v[2].comment);
	assert_false(ak.v[3].key.type_mismatch);
	assert_false(ak.v[3].sshd_ignores);
	assert_int_equal(d.n, 3);
	kw_authkeys_release(&ak);
	kw_diags_release(&d);

	/* sshd: the mismatched lines grant nothing, the right one does */
	snprintf(text, sizeof text, "%s\nno-pty %s\n", line, line);
	char *log = sshd_log(&o, text, o.id);
	assert_null(strstr(log, "Accepted"));
	assert_null(strstr(log, "matching key found"));
	free(log);
	snprintf(text, sizeof text, "%s\n", o.key);
	log = sshd_log(&o, text, o.id);
	assert_non_null(strstr(log, "Accepted key ED25519"));
	free(log);
}

static void test_md5(void **state)
{
	(void)state;
	char out[KW_FP_MD5_LEN];
	/* an unknown type: the MD5 of the whole blob, checked against openssl */
	const uint8_t unk[] = "\0\0\0\x0bssh-foo@bar\0\0\0\3xyz";
	assert_int_equal(kw_pubkey_fp_md5(unk, sizeof unk - 1, out), KW_E_UNSUPPORTED);
	char path[256];
	snprintf(path, sizeof path, "%s/unk-md5.bin", tmpdir);
	write_file(path, unk, sizeof unk - 1);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "openssl dgst -md5 -c '%s' | sed 's/.*= //'", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char want[64] = "MD5:";
	assert_non_null(fgets(want + 4, (int)sizeof want - 4, p));
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	assert_string_equal(out, want);
	kw_pubkey k;
	assert_int_equal(kw_pubkey_from_blob(unk, sizeof unk - 1, &k), KW_E_UNSUPPORTED);
	assert_string_equal(k.fp_md5, want);
	assert_string_equal(k.curve, "");
	assert_string_equal(k.text_type, "");

	/* malformed blobs: nothing */
	size_t blen;
	uint8_t *blob = pub_blob(DATA "fixture-rsa.pub", &blen);
	memset(out, 0, sizeof out);
	assert_int_equal(kw_pubkey_fp_md5(blob, blen - 1, out), KW_E_PARSE);
	assert_string_equal(out, "");
	assert_int_equal(kw_pubkey_fp_md5(NULL, 0, out), KW_E_PARSE);
	/* the whole blob, against ssh-keygen */
	kg_line km;
	assert_int_equal(keygen_l_hash(DATA "fixture-rsa.pub", "md5", &km, 1), 1);
	assert_int_equal(kw_pubkey_fp_md5(blob, blen, out), 0);
	assert_string_equal(out, km.fp);
	free(blob);
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

/* ---- the decoded-key memo (kw_authkeys_parse_memo) ---- */

/* Base64 decodes made through libcrypto, counted: kw_base64_decode ends in
 * EVP_DecodeBlock, so this tells how many key texts were really decoded (a memo hit
 * decodes nothing). This definition takes the library's calls; the real one is next. */
static unsigned long g_b64_decodes;
int EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	static int (*real)(unsigned char *, const unsigned char *, int);
	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "EVP_DecodeBlock");
		assert_non_null(sym);
		memcpy(&real, &sym, sizeof real);
	}
	g_b64_decodes++;
	return real(t, f, n);
}

static void same_str(const char *what, unsigned line, const char *a, const char *b)
{
	if (!a || !b) {
		if (a != b)
			fail_msg("line %u: %s: %s vs %s", line, what, a ? a : "(null)", b ? b : "(null)");
		return;
	}
	if (strcmp(a, b) != 0)
		fail_msg("line %u: %s: %s vs %s", line, what, a, b);
}

static void same_list(unsigned line, const kw_authopt_list *a, const kw_authopt_list *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		same_str("option list", line, a->v[i], b->v[i]);
}

/* Every field of two parses of the same text: keys and diagnostics */
static void same_parse(const kw_authkeys *a, const kw_diags *da, const kw_authkeys *b,
		       const kw_diags *db)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const kw_authkey *x = &a->v[i], *y = &b->v[i];
		unsigned l = x->line;
		assert_int_equal(x->line, y->line);
		same_str("type", l, x->key.type, y->key.type);
		same_str("label", l, x->key.label, y->key.label);
		assert_int_equal(x->key.bits, y->key.bits);
		same_str("fp", l, x->key.fp, y->key.fp);
		same_str("fp_md5", l, x->key.fp_md5, y->key.fp_md5);
		same_str("curve", l, x->key.curve, y->key.curve);
		same_str("text_type", l, x->key.text_type, y->key.text_type);
		assert_int_equal(x->key.type_mismatch, y->key.type_mismatch);
		same_str("comment", l, x->comment, y->comment);
		same_str("options", l, x->options, y->options);
		assert_int_equal(x->opt_command, y->opt_command);
		assert_int_equal(x->opt_from, y->opt_from);
		assert_int_equal(x->opt_cert_authority, y->opt_cert_authority);
		assert_int_equal(x->opt_restrict, y->opt_restrict);
		assert_int_equal(x->opts.valid, y->opts.valid);
		same_str("opts.error", l, x->opts.error, y->opts.error);
		assert_int_equal(x->opts.restricted, y->opts.restricted);
		assert_int_equal(x->opts.cert_authority, y->opts.cert_authority);
		assert_int_equal(x->opts.no_agent_forwarding, y->opts.no_agent_forwarding);
		assert_int_equal(x->opts.no_port_forwarding, y->opts.no_port_forwarding);
		assert_int_equal(x->opts.no_pty, y->opts.no_pty);
		assert_int_equal(x->opts.no_user_rc, y->opts.no_user_rc);
		assert_int_equal(x->opts.no_x11_forwarding, y->opts.no_x11_forwarding);
		assert_int_equal(x->opts.no_touch_required, y->opts.no_touch_required);
		assert_int_equal(x->opts.verify_required, y->opts.verify_required);
		same_str("command", l, x->opts.command, y->opts.command);
		same_str("from", l, x->opts.from, y->opts.from);
		same_str("principals", l, x->opts.principals, y->opts.principals);
		assert_int_equal(x->opts.expiry_time, y->opts.expiry_time);
		same_list(l, &x->opts.permitopen, &y->opts.permitopen);
		same_list(l, &x->opts.permitlisten, &y->opts.permitlisten);
		same_list(l, &x->opts.environment, &y->opts.environment);
		assert_int_equal(x->opts.tunnel, y->opts.tunnel);
		assert_int_equal(x->opts.port_by_name, y->opts.port_by_name);
		assert_int_equal(x->sshd_ignores, y->sshd_ignores);
	}
	assert_int_equal(da->n, db->n);
	for (size_t i = 0; i < da->n; i++) {
		assert_int_equal(da->v[i].line, db->v[i].line);
		assert_int_equal(da->v[i].err, db->v[i].err);
		assert_int_equal(da->v[i].fatal, db->v[i].fatal);
		same_str("diag file", da->v[i].line, da->v[i].file, db->v[i].file);
		same_str("diag msg", da->v[i].line, da->v[i].msg, db->v[i].msg);
	}
}

/* text parsed without a memo (into *ref, *dref), then through memo (which may already
 * hold keys) `times` times: each memo parse gives exactly the same as the plain one.
 * Returns the decodes the memo parses made. */
static unsigned long memo_matches_plain(const char *text, kw_keymemo *memo, int times,
					kw_authkeys *ref, kw_diags *dref)
{
	*dref = (kw_diags){ 0 };
	assert_int_equal(kw_authkeys_parse("ak", (const uint8_t *)text, strlen(text), ref, dref), 0);
	unsigned long before = g_b64_decodes;
	for (int i = 0; i < times; i++) {
		kw_authkeys ak;
		kw_diags d = { 0 };
		assert_int_equal(kw_authkeys_parse_memo("ak", (const uint8_t *)text, strlen(text), memo,
							&ak, &d), 0);
		same_parse(ref, dref, &ak, &d);
		kw_authkeys_release(&ak);
		kw_diags_release(&d);
	}
	return g_b64_decodes - before;
}

/* The base64 field of a one-line .pub file (malloc'd) */
static char *pub_b64(const char *path)
{
	size_t len;
	char *text = (char *)kwt_read_file(path, &len);
	const char *b = strchr(text, ' ');
	assert_non_null(b);
	b++;
	char *out = strndup(b, strcspn(b, " \r\n"));
	assert_non_null(out);
	free(text);
	return out;
}

static void keygen_fp(const char *path, char fp[64], char md5[64])
{
	kg_line kg;
	assert_int_equal(keygen_l(path, &kg, 1), 1);
	snprintf(fp, 64, "%s", kg.fp);
	if (md5) {
		assert_int_equal(keygen_l_hash(path, "md5", &kg, 1), 1);
		snprintf(md5, 64, "%s", kg.fp);
	}
}

/* Lines of text in reverse order (the text ends with a newline) */
static char *reverse_lines(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	assert_non_null(out);
	size_t o = 0, end = n;
	assert_true(n > 0 && text[n - 1] == '\n');
	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && text[start - 1] != '\n')
			start--;
		memcpy(out + o, text + start, end - start);
		o += end - start;
		end = start;
	}
	out[o] = '\0';
	return out;
}

/* The same keys in several lines and files, with other text types, options and comments,
 * and the fixture file with every kind of line: through one memo exactly what a plain
 * parse gives, against ssh-keygen, and each key text decoded once. */
static void test_keymemo_same_results(void **state)
{
	(void)state;
	char ed[256], ec384[256], ec256[256], rsa[256];
	snprintf(ed, sizeof ed, "%s/memo_ed25519", tmpdir);
	snprintf(ec384, sizeof ec384, "%s/memo_ec384", tmpdir);
	snprintf(ec256, sizeof ec256, "%s/memo_ec256", tmpdir);
	snprintf(rsa, sizeof rsa, "%s", DATA "fixture-rsa");
	run("ssh-keygen -q -t ed25519 -N '' -C memo -f '%s'", ed);
	run("ssh-keygen -q -t ecdsa -b 384 -N '' -C memo -f '%s'", ec384);
	run("ssh-keygen -q -t ecdsa -b 256 -N '' -C memo -f '%s'", ec256);
	const char *keys[] = { ed, ec384, ec256, rsa };
	char *b64[4], fp[4][64], md5[4][64];
	for (size_t i = 0; i < 4; i++) {
		char p[300];
		snprintf(p, sizeof p, "%s.pub", keys[i]);
		b64[i] = pub_b64(p);
		keygen_fp(p, fp[i], md5[i]);
	}

	char *text = NULL;
	assert_true(asprintf(&text,
		"ssh-ed25519 %s first\n"                      /* 1 */
		"ssh-rsa %s ed25519 blob, RSA text\n"         /* 2: mismatch */
		"no-pty,command=\"x\" ssh-ed25519 %s opts\n"  /* 3 */
		"from=\"10.0.0.0/8\" ssh-rsa %s\n"            /* 4: mismatch, with options */
		"ecdsa-sha2-nistp256 %s wrong curve\n"        /* 5: a nistp384 blob: mismatch */
		"ecdsa-sha2-nistp384 %s right curve\n"        /* 6 */
		"ecdsa-sha2-nistp256 %s wrong again\n"        /* 7 */
		"ecdsa-sha2-nistp256 %s p256\n"               /* 8 */
		"ecdsa-sha2-nistp384 %s p256 named p384\n"    /* 9: mismatch */
		"rsa-sha2-256 %s rsa\n"                       /* 10 */
		"ssh-rsa %s rsa\n"                            /* 11 */
		"ssh-ed25519 %s rsa as ed25519\n"             /* 12: mismatch */
		"rsa-sha2-512 %s\n"                           /* 13 */
		"bogus-opt ssh-ed25519 %s bad options\n"      /* 14: ignored */
		"ssh-ed25519 %s last\n",                      /* 15 */
		b64[0], b64[0], b64[0], b64[0], b64[1], b64[1], b64[1], b64[2], b64[2], b64[3],
		b64[3], b64[3], b64[3], b64[0], b64[0]) > 0);
	static const struct { unsigned line; int key; bool mismatch; } want[] = {
		{ 1, 0, false }, { 2, 0, true }, { 3, 0, false }, { 4, 0, true }, { 5, 1, true },
		{ 6, 1, false }, { 7, 1, true }, { 8, 2, false }, { 9, 2, true }, { 10, 3, false },
		{ 11, 3, false }, { 12, 3, true }, { 13, 3, false }, { 14, 0, false }, { 15, 0, false },
	};

	for (int order = 0; order < 2; order++) {
		char *t = order ? reverse_lines(text) : strdup(text);
		kw_keymemo memo = { 0 };
		kw_authkeys ref;
		kw_diags dref;
		/* three parses through one memo: the first decodes each key text once, the
		 * others (another file with the same keys) decode nothing */
		unsigned long first = g_b64_decodes;
		unsigned long dec = memo_matches_plain(t, &memo, 1, &ref, &dref);
		unsigned long plain = g_b64_decodes - first - dec;
		assert_int_equal(plain, 15);
		assert_int_equal(dec, 4);
		assert_int_equal(memo.n, 4);
		kw_authkeys_release(&ref);
		kw_diags_release(&dref);
		dec = memo_matches_plain(t, &memo, 2, &ref, &dref);
		assert_int_equal(dec, 0);
		assert_int_equal(memo.n, 4);

		/* and what they all give is right: ssh-keygen's fingerprints, the flags */
		assert_int_equal(ref.n, 15);
		for (size_t i = 0; i < ref.n; i++) {
			const kw_authkey *k = &ref.v[i];
			size_t w = order ? 14 - i : i;
			assert_int_equal(k->line, order ? 16 - want[w].line : want[w].line);
			assert_string_equal(k->key.fp, fp[want[w].key]);
			assert_string_equal(k->key.fp_md5, md5[want[w].key]);
			assert_int_equal(k->key.type_mismatch, want[w].mismatch);
			assert_int_equal(k->sshd_ignores, want[w].mismatch || want[w].line == 14);
		}
		const kw_authkey *k = &ref.v[order ? 15 - 5 : 4]; /* line 5 of the text */
		assert_string_equal(k->key.text_type, "ecdsa-sha2-nistp256");
		assert_string_equal(k->key.type, "ecdsa-sha2-nistp384");
		assert_string_equal(k->key.curve, "nistp384");
		k = &ref.v[order ? 15 - 10 : 9];
		assert_string_equal(k->key.text_type, "rsa-sha2-256");
		assert_string_equal(k->key.type, "ssh-rsa");
		assert_int_equal(k->key.bits, 2048);
		assert_int_equal(dref.n, 7); /* 6 mismatches and the bad option */
		kw_authkeys_release(&ref);
		kw_diags_release(&dref);
		kw_keymemo_release(&memo);
		assert_int_equal(memo.n, 0);
		assert_null(memo.v);
		free(t);
	}
	free(text);

	/* the fixture (every kind of line sshd reads or ignores), through a memo that
	 * already holds other keys, then from the memo alone */
	size_t len;
	char *fixture = (char *)kwt_read_file(DATA "authorized_keys", &len);
	assert_int_equal(strlen(fixture), len);
	kw_keymemo memo = { 0 };
	kw_authkeys ref;
	kw_diags dref;
	char one[1024];
	snprintf(one, sizeof one, "ssh-ed25519 %s\nssh-rsa %s\n", b64[0], b64[3]);
	memo_matches_plain(one, &memo, 1, &ref, &dref);
	kw_authkeys_release(&ref);
	kw_diags_release(&dref);
	memo_matches_plain(fixture, &memo, 1, &ref, &dref);
	kw_authkeys_release(&ref);
	kw_diags_release(&dref);
	assert_int_equal(memo_matches_plain(fixture, &memo, 2, &ref, &dref), 0);
	assert_true(ref.n >= 10);
	assert_true(dref.n >= 5);
	kw_authkeys_release(&ref);
	kw_diags_release(&dref);
	kw_keymemo_release(&memo);
	kw_keymemo_release(&memo); /* released twice: still empty */
	free(fixture);

	/* bad base64, reported the same way every time (and never remembered as a key) */
	const char *bad = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI!!!not*base64 x\n"
			  "ssh-ed25519 AAAA= y\n"
			  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI!!!not*base64 x\n"
			  "ssh-ed25519 AAAA= y\n";
	memo = (kw_keymemo){ 0 };
	memo_matches_plain(bad, &memo, 3, &ref, &dref);
	assert_int_equal(ref.n, 0);
	assert_int_equal(dref.n, 4);
	for (size_t i = 0; i < dref.n; i++)
		assert_non_null(strstr(dref.v[i].msg, "base64"));
	assert_int_equal(memo.n, 0);
	kw_authkeys_release(&ref);
	kw_diags_release(&dref);
	kw_keymemo_release(&memo);
	for (size_t i = 0; i < 4; i++)
		free(b64[i]);
}

/* The memo is indexed by a text's last 32 characters and its length: texts that share
 * both but differ earlier are each decoded on their own (their own fingerprint or their
 * own error), in whichever order they come. */
static void test_keymemo_same_tail(void **state)
{
	(void)state;
	char *orig = pub_b64(DATA "fixture-rsa.pub");
	size_t bl = strlen(orig);
	assert_true(bl > 200);
	/* another modulus: one base64 character in its middle (text offset 150: blob bytes
	 * 112..114, inside n, which starts at byte 22 and is 257 bytes long) */
	char *mod = strdup(orig);
	mod[150] = mod[150] == 'A' ? 'B' : 'A';
	/* another type name length (blob byte 3: 7 -> 11): "ssh-rsa\0\0\0\3" is no name */
	char *badtype = strdup(orig);
	assert_int_equal(badtype[4], 'B');
	badtype[4] = 'C';
	/* not base64 at all */
	char *badb64 = strdup(orig);
	badb64[150] = '!';
	/* an unknown key type: "ssh-rsa" -> "ssh-rsq" (byte 10, text offset 13) */
	char *unknown = strdup(orig);
	assert_int_equal(unknown[13], '2');
	unknown[13] = '3';
	const char *v[] = { orig, mod, badtype, badb64, unknown };
	const size_t nv = sizeof v / sizeof v[0];
	for (size_t i = 1; i < nv; i++) {
		assert_int_equal(strlen(v[i]), bl);
		assert_memory_equal(v[i] + bl - 32, orig + bl - 32, 32);
		assert_true(strcmp(v[i], orig) != 0);
	}

	/* what each is, decoded alone: orig and mod against ssh-keygen */
	char p[300], fp_orig[64], md5_orig[64], fp_mod[64], md5_mod[64];
	keygen_fp(DATA "fixture-rsa.pub", fp_orig, md5_orig);
	snprintf(p, sizeof p, "%s/memo-mod.pub", tmpdir);
	char line[1024];
	int w = snprintf(line, sizeof line, "ssh-rsa %s modified\n", mod);
	write_file(p, line, (size_t)w);
	keygen_fp(p, fp_mod, md5_mod);
	assert_true(strcmp(fp_orig, fp_mod) != 0);
	uint8_t *ublob = NULL;
	size_t ulen = 0;
	assert_int_equal(kw_base64_decode(unknown, bl, &ublob, &ulen), 0);
	kw_pubkey uk;
	assert_int_equal(kw_pubkey_from_blob(ublob, ulen, &uk), KW_E_UNSUPPORTED);
	free(ublob);
	assert_true(strcmp(uk.fp, fp_orig) != 0);

	/* every ordered pair, each twice, through a fresh memo, and all five in one memo */
	for (size_t i = 0; i <= nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			if (i == j)
				continue;
			char *text = NULL;
			if (i < nv)
				assert_true(asprintf(&text, "ssh-rsa %s a\nssh-rsa %s b\nssh-rsa %s c\n"
							    "ssh-rsa %s d\n", v[i], v[j], v[i], v[j]) > 0);
			else /* j first, then all */
				assert_true(asprintf(&text, "ssh-rsa %s\nssh-rsa %s\nssh-rsa %s\n"
							    "ssh-rsa %s\nssh-rsa %s\nssh-rsa %s\n",
						     v[j], v[0], v[1], v[2], v[3], v[4]) > 0);
			kw_keymemo memo = { 0 };
			kw_authkeys ref;
			kw_diags dref;
			memo_matches_plain(text, &memo, 2, &ref, &dref);
			/* and the plain parse is right, so the memo's is too */
			for (size_t k = 0; k < ref.n; k++) {
				const kw_authkey *a = &ref.v[k];
				unsigned l = a->line;
				const char *which = i < nv ? ((l % 2) ? v[i] : v[j])
							   : (l == 1 ? v[j] : v[l - 2]);
				if (which == orig) {
					assert_string_equal(a->key.fp, fp_orig);
					assert_string_equal(a->key.fp_md5, md5_orig);
					assert_false(a->key.type_mismatch);
				} else if (which == mod) {
					assert_string_equal(a->key.fp, fp_mod);
					assert_string_equal(a->key.fp_md5, md5_mod);
					assert_false(a->key.type_mismatch);
					assert_int_equal(a->key.bits, 2048);
				} else if (which == unknown) {
					assert_string_equal(a->key.fp, uk.fp);
					assert_string_equal(a->key.label, "UNKNOWN");
					assert_true(a->key.type_mismatch);
					assert_true(a->sshd_ignores);
				} else {
					fail_msg("line %u: a key recorded for %s", l,
						 which == badtype ? "a malformed blob" : "bad base64");
				}
			}
			for (size_t k = 0; k < dref.n; k++) {
				unsigned l = dref.v[k].line;
				const char *which = i < nv ? ((l % 2) ? v[i] : v[j])
							   : (l == 1 ? v[j] : v[l - 2]);
				if (which == badtype)
					assert_non_null(strstr(dref.v[k].msg, "malformed"));
				else if (which == badb64)
					assert_non_null(strstr(dref.v[k].msg, "base64"));
				else
					assert_ptr_equal(which, unknown);
			}
			kw_authkeys_release(&ref);
			kw_diags_release(&dref);
			kw_keymemo_release(&memo);
			free(text);
		}
	}
	for (size_t i = 0; i < nv; i++)
		free((char *)v[i]);
}

/* Texts longer than KW_KEYMEMO_TOKEN are not remembered, and are still decoded right:
 * a certificate with many principals (ssh-keygen's fingerprint), and the bound itself. */
static void test_keymemo_long_text(void **state)
{
	(void)state;
	char key[256], ca[256], cert[300], principals[4096];
	snprintf(key, sizeof key, "%s/memo_long", tmpdir);
	snprintf(ca, sizeof ca, "%s/memo_ca", tmpdir);
	snprintf(cert, sizeof cert, "%s-cert.pub", key);
	run("ssh-keygen -q -t ed25519 -N '' -C long -f '%s'", key);
	run("ssh-keygen -q -t ed25519 -N '' -C ca -f '%s'", ca);
	size_t o = 0;
	for (int i = 0; i < 250; i++) /* sshd takes 256 at most */
		o += (size_t)snprintf(principals + o, sizeof principals - o, "%sp%03d", i ? "," : "", i);
	run("ssh-keygen -q -s '%s' -I long -n '%s' '%s.pub'", ca, principals, key);
	char *b64 = pub_b64(cert);
	assert_true(strlen(b64) > KW_KEYMEMO_TOKEN);
	char fp[64], md5[64];
	keygen_fp(cert, fp, md5);
	char *text = NULL;
	assert_true(asprintf(&text, "ssh-ed25519-cert-v01@openssh.com %s one\n"
				    "ssh-ed25519 %s cert blob, plain type\n"
				    "ssh-ed25519-cert-v01@openssh.com %s two\n", b64, b64, b64) > 0);
	kw_keymemo memo = { 0 };
	kw_authkeys ref;
	kw_diags dref;
	unsigned long dec = memo_matches_plain(text, &memo, 2, &ref, &dref);
	assert_int_equal(dec, 6); /* decoded every time */
	assert_int_equal(memo.n, 0);
	assert_int_equal(ref.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(ref.v[i].key.fp, fp);
		assert_string_equal(ref.v[i].key.fp_md5, md5);
		assert_string_equal(ref.v[i].key.label, "ED25519-CERT");
		assert_int_equal(ref.v[i].key.type_mismatch, i == 1);
	}
	kw_authkeys_release(&ref);
	kw_diags_release(&dref);
	kw_keymemo_release(&memo);
	free(text);
	free(b64);

	/* the bound: a text of KW_KEYMEMO_TOKEN characters is remembered, one group of four
	 * more is not (both decode to a blob without a key type name: malformed) */
	for (size_t extra = 0; extra <= 4; extra += 4) {
		size_t n = KW_KEYMEMO_TOKEN + extra;
		char *t = malloc(n + 32);
		assert_non_null(t);
		memcpy(t, "ssh-ed25519 ", 12);
		memset(t + 12, 'A', n);
		memcpy(t + 12 + n, "\n", 2);
		memo = (kw_keymemo){ 0 };
		dec = memo_matches_plain(t, &memo, 2, &ref, &dref);
		assert_int_equal(dec, extra ? 2 : 1);
		assert_int_equal(memo.n, extra ? 0 : 1);
		assert_int_equal(ref.n, 0);
		assert_int_equal(dref.n, 1);
		assert_non_null(strstr(dref.v[0].msg, "malformed"));
		kw_authkeys_release(&ref);
		kw_diags_release(&dref);
		kw_keymemo_release(&memo);
		free(t);
	}
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
		cmocka_unit_test(test_authopts_cases),
		cmocka_unit_test(test_authopts_limits),
		cmocka_unit_test(test_authopts_file),
		cmocka_unit_test(test_authopts_sshd),
		cmocka_unit_test(test_type_mismatch),
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_blob_errors),
		cmocka_unit_test(test_keymemo_same_results),
		cmocka_unit_test(test_keymemo_same_tail),
		cmocka_unit_test(test_keymemo_long_text),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
