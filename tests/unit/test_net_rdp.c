/* test_net_rdp.c — RDP over the wire (net/rdp.c, net/rdpscan.c, checks/rdp.c):
 *  - the Connection Request byte for byte against the layout of MS-RDPBCGR 2.2.1.1 for
 *    every mask the prober sends;
 *  - the Connection Confirm: xrdp's own answers (captured from xrdp 0.9.21), a response
 *    with every flag, each failure code, a bare confirm, a Disconnect Request, an error
 *    TPDU, and malformed ones (wrong version, lengths that disagree, negotiation data of
 *    the wrong size or type); the incremental reader never asks past the TPKT, refuses a
 *    huge length from the header alone, and gives the same answer fed a byte at a time;
 *  - certificates made here with libcrypto (RSA 1024 self-signed and expired, P-256 signed
 *    by another key, a name with RFC 2253 specials and UTF-8): thumbprints equal
 *    `openssl x509 -fingerprint`, dates, key type and size, self-signed or not; garbage,
 *    trailing bytes and an oversized blob refused;
 *  - thumbprints as users write them;
 *  - which follow-ups a NEGOTIATE answer calls for and the verdicts, case by case;
 *  - the checks over hand-made results, and over a profile that disables one;
 *  - the engine against servers run here on 127.0.0.1 (a thread with libssl for the TLS
 *    side): a Windows-like server that requires NLA, an old one (bare confirm), one that
 *    picks TLS 1.0 with a weak expired certificate, one answering with SSH, one with a
 *    huge TPKT, a Disconnect Request, a silent one, and a closed port, all in one run
 *    bounded by its 400 ms timeout, results in target order; and a run stopped before it
 *    starts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "netpeer.h"

#include "base/err.h"
#include "checks/profile.h"
#include "checks/rdp.h"
#include "net/rdp.h"
#include "net/rdpscan.h"
#include "net/targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the request ---- */

static void test_request_bytes(void **state)
{
	(void)state;
	static const struct {
		uint32_t mask;
		uint8_t want[KW_RDP_REQUEST_LEN];
	} cases[] = {
		/* TPKT 03 00 00 13 | X.224 LI=0e CR=e0 dst 0000 src 0000 class 00 |
		 * RDP_NEG_REQ type 01 flags 00 length 0008 (LE) requestedProtocols (LE) */
		{ 0x0B, { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x08, 0x00, 0x0b, 0, 0, 0 } },
		{ 0x01, { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x08, 0x00, 0x01, 0, 0, 0 } },
		{ 0x00, { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x08, 0x00, 0x00, 0, 0, 0 } },
		{ 0x0A, { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x08, 0x00, 0x0a, 0, 0, 0 } },
		{ 0x12345678, { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x08, 0x00,
				0x78, 0x56, 0x34, 0x12 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t out[KW_RDP_REQUEST_LEN + 4];
		memset(out, 0xAA, sizeof out);
		assert_int_equal(kw_rdp_request(cases[i].mask, out), KW_RDP_REQUEST_LEN);
		assert_memory_equal(out, cases[i].want, KW_RDP_REQUEST_LEN);
		assert_int_equal(out[KW_RDP_REQUEST_LEN], 0xAA); /* nothing written past it */
	}
	/* what the prober sends, probe by probe */
	assert_int_equal(kw_rdp_probe_request(KW_RDP_PROBE_NEGOTIATE), 0x0B);
	assert_int_equal(kw_rdp_probe_request(KW_RDP_PROBE_TLS_ONLY), 0x01);
	assert_int_equal(kw_rdp_probe_request(KW_RDP_PROBE_RDP_ONLY), 0x00);
}

/* ---- the confirm ---- */

/* Feed bytes as the prober does (want at a time, in chunks of at most step), then parse.
 * Returns the feed's or the parse's error, 0 for a parsed confirm; 1 = incomplete. */
static int read_confirm(const uint8_t *p, size_t n, size_t step, kw_rdp_confirm *c, char *why, size_t cap)
{
	kw_rdp_rx rx;
	kw_rdp_rx_init(&rx);
	size_t off = 0;
	int r = 0;
	while (r == 0) {
		size_t want = kw_rdp_rx_want(&rx);
		if (want == 0 || off == n)
			break;
		size_t take = want < step ? want : step;
		if (take > n - off)
			take = n - off;
		r = kw_rdp_rx_feed(&rx, p + off, take);
		off += take;
	}
	if (r < 0) {
		snprintf(why, cap, "%s", rx.why);
		return r;
	}
	if (r == 0)
		return 1;
	/* never read past the TPKT: what follows belongs to TLS */
	assert_int_equal(rx.have, (size_t)(p[2] << 8 | p[3]));
	assert_int_equal(kw_rdp_rx_want(&rx), 0);
	return kw_rdp_confirm_parse(kw_buf_view(rx.b, rx.have), c, why, cap);
}

static int confirm_both(const uint8_t *p, size_t n, kw_rdp_confirm *c, char *why, size_t cap)
{
	kw_rdp_confirm one;
	char w1[160] = "";
	int a = read_confirm(p, n, 1, &one, w1, sizeof w1);
	int b = read_confirm(p, n, 4096, c, why, cap);
	assert_int_equal(a, b); /* a byte at a time or all at once: the same answer */
	if (a == 0)
		assert_memory_equal(&one, c, sizeof one);
	else
		assert_string_equal(w1, why);
	return b;
}

static void test_confirm_xrdp(void **state)
{
	(void)state;
	/* xrdp 0.9.21, security_layer=negotiate, asked SSL|HYBRID|HYBRID_EX */
	static const uint8_t ssl[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
				       0x02, 0x01, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00 };
	/* xrdp security_layer=tls asked PROTOCOL_RDP only: SSL_REQUIRED_BY_SERVER */
	static const uint8_t fail1[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
					 0x03, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00 };
	/* xrdp security_layer=rdp: PROTOCOL_RDP selected whatever was asked */
	static const uint8_t rdp[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
				       0x02, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00 };
	kw_rdp_confirm c;
	char why[160] = "";
	assert_int_equal(confirm_both(ssl, sizeof ssl, &c, why, sizeof why), 0);
	assert_int_equal(c.kind, KW_RDP_CC_RESPONSE);
	assert_int_equal(c.selected, KW_RDP_PROTOCOL_SSL);
	assert_int_equal(c.flags, KW_RDP_EXTENDED_CLIENT_DATA_SUPPORTED);
	assert_true(kw_rdp_protocol_is_tls(c.selected));
	assert_int_equal(confirm_both(fail1, sizeof fail1, &c, why, sizeof why), 0);
	assert_int_equal(c.kind, KW_RDP_CC_FAILURE);
	assert_int_equal(c.failure, KW_RDP_SSL_REQUIRED_BY_SERVER);
	assert_int_equal(confirm_both(rdp, sizeof rdp, &c, why, sizeof why), 0);
	assert_int_equal(c.kind, KW_RDP_CC_RESPONSE);
	assert_int_equal(c.selected, KW_RDP_PROTOCOL_RDP);
	assert_false(kw_rdp_protocol_is_tls(c.selected));
}

/* a confirm with negotiation data of this type, flags and value */
static void neg_confirm(uint8_t out[19], uint8_t type, uint8_t flags, uint32_t v)
{
	static const uint8_t head[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x00, 0x01, 0x00 };
	memcpy(out, head, sizeof head);
	out[11] = type, out[12] = flags, out[13] = 8, out[14] = 0;
	for (int i = 0; i < 4; i++)
		out[15 + i] = (uint8_t)(v >> (8 * i));
}

static void test_confirm_kinds(void **state)
{
	(void)state;
	uint8_t b[19];
	kw_rdp_confirm c;
	char why[160];
	/* every protocol a server may select, with every flag set */
	static const uint32_t protos[] = { 0, 1, 2, 4, 8, 16 };
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		neg_confirm(b, 0x02, 0x1f, protos[i]);
		assert_int_equal(confirm_both(b, sizeof b, &c, why, sizeof why), 0);
		assert_int_equal(c.kind, KW_RDP_CC_RESPONSE);
		assert_int_equal(c.selected, protos[i]);
		assert_int_equal(c.flags, 0x1f);
		assert_non_null(kw_rdp_protocol_name(protos[i]));
	}
	assert_null(kw_rdp_protocol_name(0x20));
	/* every failure code by name, and one the specification lacks */
	static const char *const names[] = { NULL, "SSL_REQUIRED_BY_SERVER", "SSL_NOT_ALLOWED_BY_SERVER",
					     "SSL_CERT_NOT_ON_SERVER", "INCONSISTENT_FLAGS",
					     "HYBRID_REQUIRED_BY_SERVER", "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER" };
	for (uint32_t code = 1; code <= 7; code++) {
		neg_confirm(b, 0x03, 0, code);
		assert_int_equal(confirm_both(b, sizeof b, &c, why, sizeof why), 0);
		assert_int_equal(c.kind, KW_RDP_CC_FAILURE);
		assert_int_equal(c.failure, code);
		if (code < 7)
			assert_string_equal(kw_rdp_failure_name(code), names[code]);
		else
			assert_null(kw_rdp_failure_name(code));
	}
	/* a server older than RDP 5.2: a confirm with no negotiation data */
	static const uint8_t bare[] = { 0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00 };
	assert_int_equal(confirm_both(bare, sizeof bare, &c, why, sizeof why), 0);
	assert_int_equal(c.kind, KW_RDP_CC_BARE);
	/* a Disconnect Request, an error TPDU */
	static const uint8_t dr[] = { 0x03, 0x00, 0x00, 0x0b, 0x06, 0x80, 0x00, 0x00, 0x12, 0x34, 0x00 };
	assert_int_equal(confirm_both(dr, sizeof dr, &c, why, sizeof why), KW_E_REFUSED);
	assert_non_null(strstr(why, "Disconnect Request"));
	static const uint8_t er[] = { 0x03, 0x00, 0x00, 0x09, 0x04, 0x70, 0x00, 0x00, 0x01 };
	assert_int_equal(confirm_both(er, sizeof er, &c, why, sizeof why), KW_E_REFUSED);
	assert_non_null(strstr(why, "error TPDU"));

	char s[160];
	kw_rdp_protocols_str(0x0B, s, sizeof s);
	assert_string_equal(s, "PROTOCOL_SSL|PROTOCOL_HYBRID|PROTOCOL_HYBRID_EX");
	kw_rdp_protocols_str(0, s, sizeof s);
	assert_string_equal(s, "PROTOCOL_RDP");
	kw_rdp_protocols_str(0x80000001u, s, sizeof s);
	assert_string_equal(s, "PROTOCOL_SSL|0x80000000");
	kw_rdp_protocols_str(0x0B, s, 8); /* cut, still a C string */
	assert_true(strlen(s) < 8);
}

static void test_confirm_malformed(void **state)
{
	(void)state;
	kw_rdp_confirm c;
	char why[160];
	uint8_t b[19];
	static const struct {
		const char *what;
		uint8_t bytes[24];
		size_t n;
		int err;
		const char *why;
	} cases[] = {
		{ "an SSH server", "SSH-2.0-OpenSSH_9.2p1\r\n", 23, KW_E_PARSE, "not TPKT" },
		{ "a TPKT of 65535 bytes", { 0x03, 0x00, 0xff, 0xff, 0x0e, 0xd0 }, 6, KW_E_TOOBIG, "65535" },
		{ "a TPKT of 65 bytes", { 0x03, 0x00, 0x00, 0x41 }, 4, KW_E_TOOBIG, "65" },
		{ "a TPKT of 5 bytes", { 0x03, 0x00, 0x00, 0x05, 0x00 }, 5, KW_E_PARSE, "too short" },
		{ "LI past the TPKT", { 0x03, 0x00, 0x00, 0x0b, 0x0e, 0xd0, 0, 0, 0, 0, 0 }, 11, KW_E_PARSE,
		  "length indicator 14" },
		{ "LI short of the TPKT", { 0x03, 0x00, 0x00, 0x0c, 0x06, 0xd0, 0, 0, 0, 0, 0, 0 }, 12, KW_E_PARSE,
		  "length indicator 6" },
		{ "a Connection Request back", { 0x03, 0x00, 0x00, 0x0b, 0x06, 0xe0, 0, 0, 0, 0, 0 }, 11, KW_E_PARSE,
		  "0xe0" },
		{ "LI under the fixed part", { 0x03, 0x00, 0x00, 0x08, 0x03, 0xd0, 0, 0 }, 8, KW_E_PARSE,
		  "under the fixed part" },
		{ "7 bytes of negotiation data", { 0x03, 0x00, 0x00, 0x12, 0x0d, 0xd0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 1, 0, 0 },
		  18, KW_E_PARSE, "7 bytes" },
		{ "a negotiation length of 9", { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0, 0, 0, 0, 0, 2, 0, 9, 0, 1, 0, 0, 0 },
		  19, KW_E_PARSE, "length 9" },
		{ "a negotiation request echoed", { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 1, 0, 0, 0 },
		  19, KW_E_PARSE, "type 0x01" },
		{ "TPKT version 2", { 0x02, 0x00, 0x00, 0x13 }, 4, KW_E_PARSE, "0x02" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		why[0] = '\0';
		int r = confirm_both(cases[i].bytes, cases[i].n, &c, why, sizeof why);
		if (r != cases[i].err || !strstr(why, cases[i].why))
			fail_msg("%s: got %d \"%s\", expected %d with \"%s\"", cases[i].what, r, why, cases[i].err,
				 cases[i].why);
	}
	/* truncated: a confirm that stops short is incomplete, never an answer */
	neg_confirm(b, 0x02, 0, 1);
	for (size_t n = 0; n < sizeof b; n++)
		assert_int_equal(read_confirm(b, n, 4096, &c, why, sizeof why), 1);
	/* more bytes than asked for are refused, and the error sticks */
	kw_rdp_rx rx;
	kw_rdp_rx_init(&rx);
	assert_int_equal(kw_rdp_rx_want(&rx), 4);
	assert_int_equal(kw_rdp_rx_feed(&rx, b, 5), KW_E_PARSE);
	assert_int_equal(kw_rdp_rx_feed(&rx, b, 1), KW_E_PARSE);
	assert_int_equal(kw_rdp_rx_want(&rx), 0);
	/* the parser on its own: a view whose TPKT length disagrees with its size */
	assert_int_equal(kw_rdp_confirm_parse(kw_buf_view(b, 18), &c, why, sizeof why), KW_E_PARSE);
	assert_int_equal(kw_rdp_confirm_parse(kw_buf_view(b, 3), &c, why, sizeof why), KW_E_PARSE);
}

/* ---- thumbprints ---- */

static void test_thumbprint_norm(void **state)
{
	(void)state;
	char out[72];
	const char *sha1 = "4E9342CAB1C115488F065E61D7FFB74478337E44";
	assert_int_equal(kw_rdp_thumbprint_norm("4e9342cab1c115488f065e61d7ffb74478337e44", out, sizeof out), 40);
	assert_string_equal(out, sha1);
	assert_int_equal(kw_rdp_thumbprint_norm("4E:93:42:CA:B1:C1:15:48:8F:06:5E:61:D7:FF:B7:44:78:33:7E:44", out,
						sizeof out), 40);
	assert_string_equal(out, sha1);
	assert_int_equal(kw_rdp_thumbprint_norm("4e 93 42 ca b1 c1 15 48 8f 06 5e 61 d7 ff b7 44 78 33 7e 44", out,
						sizeof out), 40);
	assert_string_equal(out, sha1);
	assert_int_equal(kw_rdp_thumbprint_norm("66EAA845E9D72D18C7E77536E9513B6C232A684A6D81B337B88041231722891E",
						out, sizeof out), 64);
	static const char *const bad[] = {
		"", "4E9342", "4E9342CAB1C115488F065E61D7FFB74478337E4",        /* 39 */
		"4E9342CAB1C115488F065E61D7FFB74478337E44A",                     /* 41 */
		":4E9342CAB1C115488F065E61D7FFB74478337E44", "4E9342CAB1C115488F065E61D7FFB74478337E44:",
		"4E::9342CAB1C115488F065E61D7FFB74478337E44", "4G9342CAB1C115488F065E61D7FFB74478337E44",
		"SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
		"66EAA845E9D72D18C7E77536E9513B6C232A684A6D81B337B88041231722891E00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (kw_rdp_thumbprint_norm(bad[i], out, sizeof out) != KW_E_PARSE)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* ---- certificates ---- */

typedef struct cert_spec {
	const char *key;          /* "rsa1024", "rsa2048", "p256" */
	const char *cn;
	const char *o;            /* NULL: none */
	int64_t from, to;         /* validity, seconds since the epoch */
	EVP_PKEY *signer;         /* NULL: self-signed */
	const char *issuer_cn;
} cert_spec;

static EVP_PKEY *make_key(const char *kind)
{
	if (!strcmp(kind, "p256"))
		return EVP_EC_gen("P-256");
	return EVP_RSA_gen(!strcmp(kind, "rsa1024") ? 1024u : 2048u);
}

/* a certificate as DER (malloc'd) and its key in *key */
static uint8_t *make_cert(const cert_spec *cs, size_t *len, EVP_PKEY **key)
{
	EVP_PKEY *k = make_key(cs->key);
	X509 *x = X509_new();
	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)cs->from);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)cs->to);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cs->cn, -1, -1, 0);
	if (cs->o)
		X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)cs->o, -1, -1, 0);
	X509_NAME *in = X509_NAME_new();
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_UTF8,
				   (const unsigned char *)(cs->signer ? cs->issuer_cn : cs->cn), -1, -1, 0);
	if (!cs->signer && cs->o)
		X509_NAME_add_entry_by_txt(in, "O", MBSTRING_UTF8, (const unsigned char *)cs->o, -1, -1, 0);
	X509_set_issuer_name(x, in);
	X509_NAME_free(in);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, cs->signer ? cs->signer : k, EVP_sha256()) > 0);
	unsigned char *der = NULL;
	int n_der = i2d_X509(x, &der);
	assert_true(n_der > 0);
	uint8_t *out = malloc((size_t)n_der);
	memcpy(out, der, (size_t)n_der);
	OPENSSL_free(der);
	X509_free(x);
	*len = (size_t)n_der;
	if (key)
		*key = k;
	else
		EVP_PKEY_free(k);
	return out;
}

/* `openssl x509 -fingerprint -sha1|-sha256` of der, as uppercase hex without colons */
static void openssl_fp(const uint8_t *der, size_t len, const char *alg, char *out, size_t cap)
{
	char dir[64], path[96];
	assert_int_equal(kwt_mkdtemp(dir, sizeof dir, "kwrdp."), 0);
	snprintf(path, sizeof path, "%s/c.der", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(der, 1, len, f), len);
	fclose(f);
	const char *argv[] = { "/usr/bin/openssl", "x509", "-inform", "DER", "-in", path, "-noout", "-fingerprint", alg,
			       NULL };
	char buf[256] = "";
	assert_int_equal(kwt_run(argv, buf, sizeof buf, NULL, 10000), 0);
	kwt_rm_tree(dir);
	const char *eq = strchr(buf, '=');
	assert_non_null(eq);
	size_t n = 0;
	for (const char *p = eq + 1; *p && *p != '\n' && n + 1 < cap; p++)
		if (*p != ':')
			out[n++] = *p;
	out[n] = '\0';
}

#define T_2020 1577836800 /* 2020-01-01T00:00:00Z */
#define T_2021 1609459200
#define T_2030 1893456000

static void test_cert_summary(void **state)
{
	(void)state;
	char why[128], want[80];
	kw_rdp_cert c;
	/* RSA 1024, self-signed, expired in 2021 */
	cert_spec weak = { .key = "rsa1024", .cn = "old-rdp", .from = T_2020, .to = T_2021 };
	size_t n;
	uint8_t *der = make_cert(&weak, &n, NULL);
	assert_int_equal(kw_rdp_cert_from_der(der, n, &c, why, sizeof why), 0);
	openssl_fp(der, n, "-sha1", want, sizeof want);
	assert_string_equal(c.sha1, want);
	openssl_fp(der, n, "-sha256", want, sizeof want);
	assert_string_equal(c.sha256, want);
	assert_string_equal(c.subject, "CN=old-rdp");
	assert_string_equal(c.issuer, "CN=old-rdp");
	assert_string_equal(c.key_type, "RSA");
	assert_int_equal(c.key_bits, 1024);
	assert_string_equal(c.sig_alg, "sha256WithRSAEncryption");
	assert_int_equal(c.not_before, T_2020);
	assert_int_equal(c.not_after, T_2021);
	assert_true(c.self_signed);
	assert_int_equal(c.der_len, n);
	/* trailing bytes, a cut blob, garbage, an oversized blob */
	uint8_t *longer = malloc(n + 1);
	memcpy(longer, der, n);
	longer[n] = 0;
	assert_int_equal(kw_rdp_cert_from_der(longer, n + 1, &c, why, sizeof why), KW_E_PARSE);
	assert_int_equal(kw_rdp_cert_from_der(der, n - 1, &c, why, sizeof why), KW_E_PARSE);
	assert_int_equal(kw_rdp_cert_from_der((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &c, why, sizeof why),
			 KW_E_PARSE);
	uint8_t *huge = calloc(1, KW_RDP_CERT_DER_MAX + 1);
	assert_int_equal(kw_rdp_cert_from_der(huge, KW_RDP_CERT_DER_MAX + 1, &c, why, sizeof why), KW_E_TOOBIG);
	free(huge);
	free(longer);
	free(der);

	/* P-256 signed by another key: not self-signed even though the names could match;
	 * a subject with RFC 2253 specials and UTF-8 */
	EVP_PKEY *ca = make_key("p256");
	cert_spec leaf = { .key = "p256", .cn = "rdp,host+1", .o = "K\xc3\xa4se \"Ltd\"", .from = T_2020, .to = T_2030,
			   .signer = ca, .issuer_cn = "Example CA" };
	der = make_cert(&leaf, &n, NULL);
	assert_int_equal(kw_rdp_cert_from_der(der, n, &c, why, sizeof why), 0);
	assert_string_equal(c.key_type, "EC");
	assert_int_equal(c.key_bits, 256);
	assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
	assert_false(c.self_signed);
	assert_string_equal(c.issuer, "CN=Example CA");
	/* RFC 2253 order (last RDN first), specials escaped, UTF-8 kept as it is */
	assert_string_equal(c.subject, "O=K\xc3\xa4se \\\"Ltd\\\",CN=rdp\\,host\\+1");
	openssl_fp(der, n, "-sha256", want, sizeof want);
	assert_string_equal(c.sha256, want);
	free(der);
	/* the same names as the issuer, but signed by the CA's key: not self-signed */
	cert_spec spoof = { .key = "p256", .cn = "Example CA", .from = T_2020, .to = T_2030, .signer = ca,
			    .issuer_cn = "Example CA" };
	der = make_cert(&spoof, &n, NULL);
	assert_int_equal(kw_rdp_cert_from_der(der, n, &c, why, sizeof why), 0);
	assert_string_equal(c.subject, c.issuer);
	assert_false(c.self_signed);
	free(der);
	EVP_PKEY_free(ca);
}

/* ---- follow-ups and verdicts ---- */

static kw_rdp_probe answer(kw_rdp_cc_kind kind, uint32_t v)
{
	kw_rdp_probe p = { .ran = true, .phase = "done" };
	p.cc.kind = kind;
	if (kind == KW_RDP_CC_RESPONSE)
		p.cc.selected = v;
	else if (kind == KW_RDP_CC_FAILURE)
		p.cc.failure = v;
	return p;
}

static void test_followups_and_verdicts(void **state)
{
	(void)state;
	const unsigned T = 1u << KW_RDP_PROBE_TLS_ONLY, R = 1u << KW_RDP_PROBE_RDP_ONLY;
	const kw_rdp_probe none = { .ran = false }, timeout = { .ran = true, .err = KW_E_TIMEOUT };
	const kw_rdp_cc_kind RSP = KW_RDP_CC_RESPONSE, FAIL = KW_RDP_CC_FAILURE, BARE = KW_RDP_CC_BARE;
	const kw_rdp_tri U = KW_RDP_UNKNOWN, N = KW_RDP_NO, Y = KW_RDP_YES;
	struct row {
		const char *what;
		kw_rdp_probe neg, tls, rdp;
		unsigned follow;
		kw_rdp_tri std, nla;
	} rows[] = {
		{ "no answer", timeout, none, none, 0, U, U },
		{ "bare confirm (pre-5.2 server)", answer(BARE, 0), none, none, 0, Y, N },
		{ "RDP selected (xrdp security_layer=rdp)", answer(RSP, 0), none, none, 0, Y, N },
		{ "TLS selected, RDP accepted (xrdp negotiate)", answer(RSP, 1), none, answer(RSP, 0), R, Y, N },
		{ "TLS selected, RDP refused (xrdp tls)", answer(RSP, 1), none, answer(FAIL, 1), R, N, N },
		{ "CredSSP selected, TLS alone refused (Windows with NLA)", answer(RSP, 2), answer(FAIL, 5),
		  answer(FAIL, 5), T | R, N, Y },
		{ "CredSSP-EX selected, TLS alone let in (NLA off)", answer(RSP, 8), answer(RSP, 1), answer(FAIL, 1),
		  T | R, N, N },
		{ "CredSSP selected, TLS alone and RDP let in", answer(RSP, 2), answer(RSP, 1), answer(RSP, 0), T | R, Y,
		  N },
		{ "CredSSP selected, follow-ups timed out", answer(RSP, 2), timeout, timeout, T | R, U, U },
		{ "CredSSP selected, client certificate required", answer(RSP, 2), answer(FAIL, 6), answer(FAIL, 6),
		  T | R, N, Y },
		{ "CredSSP selected, TLS alone: inconsistent flags", answer(RSP, 2), answer(FAIL, 4), answer(FAIL, 5),
		  T | R, N, U },
		{ "TLS not allowed, RDP accepted", answer(FAIL, 2), none, answer(RSP, 0), R, Y, N },
		{ "no certificate, RDP refused", answer(FAIL, 3), none, answer(FAIL, 2), R, N, U },
		{ "HYBRID required even when offered", answer(FAIL, 5), none, answer(FAIL, 5), R, N, Y },
		{ "RDSTLS selected (not asked for)", answer(RSP, 4), answer(RSP, 4), answer(FAIL, 1), T | R, N, U },
		{ "RDP-only probe given TLS anyway", answer(RSP, 1), none, answer(RSP, 1), R, N, N },
		{ "RDP-only probe: bare confirm", answer(RSP, 1), none, answer(BARE, 0), R, Y, N },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		kw_rdp_result r;
		memset(&r, 0, sizeof r);
		r.probes[KW_RDP_PROBE_NEGOTIATE] = rows[i].neg;
		r.probes[KW_RDP_PROBE_TLS_ONLY] = rows[i].tls;
		r.probes[KW_RDP_PROBE_RDP_ONLY] = rows[i].rdp;
		unsigned f = kw_rdp_followups(&rows[i].neg);
		kw_rdp_verdicts(&r);
		if (f != rows[i].follow || r.standard_security != rows[i].std || r.nla_required != rows[i].nla)
			fail_msg("%s: follow-ups %u std %d nla %d, expected %u %d %d", rows[i].what, f,
				 r.standard_security, r.nla_required, rows[i].follow, rows[i].std, rows[i].nla);
	}
}

/* ---- checks ---- */

static bool has(const kw_findings *fs, const char *id, const char *evidence_part)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].check->id, id) && (!evidence_part || strstr(fs->v[i].evidence, evidence_part)))
			return true;
	return false;
}

static size_t count(const kw_findings *fs, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < fs->n; i++)
		n += !strcmp(fs->v[i].check->id, id);
	return n;
}

/* a target that answered with TLS, its certificate valid 2020..2030, RSA 2048 */
static void tls_result(kw_rdp_result *r)
{
	memset(r, 0, sizeof *r);
	r->probes[KW_RDP_PROBE_NEGOTIATE] = answer(KW_RDP_CC_RESPONSE, 2);
	r->probes[KW_RDP_PROBE_TLS_ONLY] = answer(KW_RDP_CC_FAILURE, 5);
	r->probes[KW_RDP_PROBE_RDP_ONLY] = answer(KW_RDP_CC_FAILURE, 5);
	r->answered = r->finished = true;
	r->conns = 3;
	kw_rdp_verdicts(r);
	r->tls.attempted = r->tls.have_cert = true;
	snprintf(r->tls.version, sizeof r->tls.version, "TLSv1.2");
	r->tls.version_num = 0x0303;
	snprintf(r->tls.cipher, sizeof r->tls.cipher, "ECDHE-RSA-AES256-GCM-SHA384");
	kw_rdp_cert *c = &r->tls.cert;
	snprintf(c->subject, sizeof c->subject, "CN=win-1");
	snprintf(c->issuer, sizeof c->issuer, "CN=win-1");
	snprintf(c->key_type, sizeof c->key_type, "RSA");
	c->key_bits = 2048;
	c->not_before = T_2020;
	c->not_after = T_2030;
	c->self_signed = true;
	memset(c->sha1, 'A', 40);
	memset(c->sha256, 'B', 64);
}

static void run(const kw_profile *p, const kw_rdp_result *r, const char *const *expect, size_t n_expect,
		int64_t now, kw_findings *fs)
{
	kw_rdp_check_in in = { .target = "rdp://win-1:3389", .r = r, .expect = expect, .n_expect = n_expect,
			       .now = now };
	memset(fs, 0, sizeof *fs);
	assert_int_equal(kw_rdp_checks(p, &in, fs), 0);
	for (size_t i = 0; i < fs->n; i++)
		assert_string_equal(fs->v[i].target, "rdp://win-1:3389");
}

static void test_checks(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_rdp_result r;
	kw_findings fs;
	char sha1[41], sha256[65], other[41];
	memset(sha1, 'A', 40), sha1[40] = '\0';
	memset(sha256, 'B', 64), sha256[64] = '\0';
	memset(other, 'C', 40), other[40] = '\0';
	const int64_t now = T_2021;

	/* NLA required, TLS 1.2, a good key, in its validity: only self-signed (no
	 * expectation given), and with an expectation that matches: nothing */
	tls_result(&r);
	run(&p, &r, NULL, 0, now, &fs);
	assert_int_equal(fs.n, 1);
	assert_true(has(&fs, "rdp.cert-self-signed", "SHA-1 AAAA"));
	assert_int_equal(fs.v[0].severity, KW_SEV_INFO);
	kw_findings_release(&fs);
	const char *match1[] = { other, sha1 }, *match256[] = { sha256 }, *miss[] = { other };
	run(&p, &r, match1, 2, now, &fs);
	assert_int_equal(fs.n, 0);
	kw_findings_release(&fs);
	run(&p, &r, match256, 1, now, &fs);
	assert_int_equal(fs.n, 0);
	kw_findings_release(&fs);
	/* a thumbprint that does not match: critical, naming what the server showed */
	run(&p, &r, miss, 1, now, &fs);
	assert_int_equal(fs.n, 1);
	assert_true(has(&fs, "rdp.thumbprint-mismatch", "SHA-1 AAAAAAAA"));
	assert_int_equal(fs.v[0].severity, KW_SEV_CRITICAL);
	kw_findings_release(&fs);

	/* expired, not yet valid, a weak key, TLS 1.0 */
	tls_result(&r);
	r.tls.cert.key_bits = 1024;
	r.tls.version_num = 0x0301;
	snprintf(r.tls.version, sizeof r.tls.version, "TLSv1");
	run(&p, &r, match1, 2, T_2030 + 1, &fs);
	assert_true(has(&fs, "rdp.cert-expired", "not after 2030-01-01T00:00:00Z"));
	assert_true(has(&fs, "rdp.weak-key", "RSA 1024 bits"));
	assert_true(has(&fs, "rdp.tls-legacy", "TLSv1 negotiated"));
	assert_false(has(&fs, "rdp.cert-not-yet-valid", NULL));
	assert_int_equal(fs.n, 3);
	kw_findings_release(&fs);
	run(&p, &r, match1, 2, T_2020 - 1, &fs);
	assert_true(has(&fs, "rdp.cert-not-yet-valid", "not before 2020-01-01T00:00:00Z"));
	assert_false(has(&fs, "rdp.cert-expired", NULL));
	kw_findings_release(&fs);
	/* EC keys: P-256 is fine, 160 bits is not */
	tls_result(&r);
	snprintf(r.tls.cert.key_type, sizeof r.tls.cert.key_type, "EC");
	r.tls.cert.key_bits = 256;
	run(&p, &r, match1, 2, now, &fs);
	assert_int_equal(fs.n, 0);
	kw_findings_release(&fs);
	r.tls.cert.key_bits = 160;
	run(&p, &r, match1, 2, now, &fs);
	assert_true(has(&fs, "rdp.weak-key", "EC 160 bits"));
	kw_findings_release(&fs);

	/* xrdp negotiate: TLS, RDP accepted: standard security (high) and NLA (medium) */
	tls_result(&r);
	r.probes[KW_RDP_PROBE_NEGOTIATE] = answer(KW_RDP_CC_RESPONSE, 1);
	r.probes[KW_RDP_PROBE_TLS_ONLY] = (kw_rdp_probe){ .ran = false };
	r.probes[KW_RDP_PROBE_RDP_ONLY] = answer(KW_RDP_CC_RESPONSE, 0);
	kw_rdp_verdicts(&r);
	run(&p, &r, match1, 2, now, &fs);
	assert_true(has(&fs, "rdp.standard-security", "rdp-only probe (requested PROTOCOL_RDP only): PROTOCOL_RDP selected"));
	assert_true(has(&fs, "rdp.nla-not-required", "negotiate probe: PROTOCOL_SSL selected"));
	assert_int_equal(fs.n, 2);
	for (size_t i = 0; i < fs.n; i++)
		assert_int_equal(fs.v[i].severity, !strcmp(fs.v[i].check->id, "rdp.standard-security") ? KW_SEV_HIGH
												  : KW_SEV_MEDIUM);
	kw_findings_release(&fs);

	/* a server with standard security only: no certificate to compare */
	memset(&r, 0, sizeof r);
	r.probes[KW_RDP_PROBE_NEGOTIATE] = answer(KW_RDP_CC_BARE, 0);
	r.answered = r.finished = true;
	kw_rdp_verdicts(&r);
	run(&p, &r, miss, 1, now, &fs);
	assert_true(has(&fs, "rdp.thumbprint-mismatch", "it does not offer TLS"));
	assert_true(has(&fs, "rdp.standard-security", "without negotiation data"));
	assert_true(has(&fs, "rdp.nla-not-required", NULL));
	kw_findings_release(&fs);

	/* unreachable: only rdp.no-answer, and no mismatch for a server that never answered */
	memset(&r, 0, sizeof r);
	r.probes[KW_RDP_PROBE_NEGOTIATE] = (kw_rdp_probe){ .ran = true, .err = -ECONNREFUSED, .phase = "connect" };
	snprintf(r.probes[0].why, sizeof r.probes[0].why, "connect: Connection refused");
	r.finished = true;
	kw_rdp_verdicts(&r);
	run(&p, &r, miss, 1, now, &fs);
	assert_int_equal(fs.n, 1);
	assert_true(has(&fs, "rdp.no-answer", "negotiate probe: connect: connect: Connection refused"));
	kw_findings_release(&fs);
	/* a failed follow-up and a failed handshake are each reported, the rest still judged */
	tls_result(&r);
	r.probes[KW_RDP_PROBE_TLS_ONLY] = (kw_rdp_probe){ .ran = true, .err = KW_E_TIMEOUT, .phase = "confirm" };
	snprintf(r.probes[1].why, sizeof r.probes[1].why, "no answer within 400 ms");
	r.tls.err = KW_E_CRYPTO;
	r.tls.have_cert = false;
	snprintf(r.tls.why, sizeof r.tls.why, "TLS handshake failed: x");
	kw_rdp_verdicts(&r);
	run(&p, &r, miss, 1, now, &fs);
	assert_int_equal(count(&fs, "rdp.no-answer"), 2);
	assert_true(has(&fs, "rdp.no-answer", "tls-only probe: confirm: no answer within 400 ms"));
	assert_true(has(&fs, "rdp.no-answer", "negotiate probe: tls: TLS handshake failed"));
	assert_true(has(&fs, "rdp.thumbprint-mismatch", "the TLS handshake failed"));
	kw_findings_release(&fs);

	/* a profile turns a check off and changes a severity */
	kw_profile q;
	kw_profile_init(&q);
	kw_diags d = { 0 };
	const char *text = "disable rdp.cert-self-signed\nseverity rdp.nla-not-required high\n"
			   "threshold rdp.weak-key 3072\n";
	assert_int_equal(kw_profile_parse(&q, "t.profile", NULL, text, strlen(text), &d), 0);
	tls_result(&r);
	r.probes[KW_RDP_PROBE_TLS_ONLY] = answer(KW_RDP_CC_RESPONSE, 1);
	kw_rdp_verdicts(&r);
	run(&q, &r, NULL, 0, now, &fs);
	assert_false(has(&fs, "rdp.cert-self-signed", NULL));
	assert_true(has(&fs, "rdp.nla-not-required", "tls-only probe: PROTOCOL_SSL selected"));
	assert_true(has(&fs, "rdp.weak-key", "RSA 2048 bits (at least 3072)"));
	for (size_t i = 0; i < fs.n; i++)
		if (!strcmp(fs.v[i].check->id, "rdp.nla-not-required"))
			assert_int_equal(fs.v[i].severity, KW_SEV_HIGH);
	kw_findings_release(&fs);
	kw_diags_release(&d);
	kw_profile_release(&q);
	kw_profile_release(&p);

	size_t n = 0;
	const kw_check_def *defs = kw_rdp_check_defs(&n);
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(kw_rdp_check_find(defs[i].id), &defs[i]);
		assert_int_equal(strncmp(defs[i].id, "rdp.", 4), 0);
	}
	assert_null(kw_rdp_check_find("scan.no-answer"));
}

/* ---- the engine against servers run here ---- */

typedef enum { M_NLA, M_OLD, M_TLS10, M_SSH, M_HUGE, M_DR, M_SILENT, M__N } mode;

typedef struct server {
	int lfd[M__N], port[M__N];
	int held[64];             /* silent connections, closed at the end */
	size_t n_held;
	int wake[2];              /* a byte here ends the thread */
	SSL_CTX *good, *old;      /* TLS 1.2+ with RSA 2048; TLS 1.0 only with RSA 1024, expired */
	uint8_t good_der[4096], old_der[4096];
	size_t good_len, old_len;
	unsigned conns[M__N];
} server;

static SSL_CTX *server_ctx(const cert_spec *cs, uint8_t *der_out, size_t *der_len, bool tls10)
{
	EVP_PKEY *k = NULL;
	size_t n;
	uint8_t *der = make_cert(cs, &n, &k);
	assert_true(n <= 4096);
	memcpy(der_out, der, n);
	*der_len = n;
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	free(der);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(ctx);
	SSL_CTX_set_security_level(ctx, 0);
	if (tls10) {
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	}
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, k), 1);
	X509_free(x);
	EVP_PKEY_free(k);
	return ctx;
}

static void tls_accept(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_accept(ssl); /* blocking, bounded by the socket's timeouts */
	SSL_free(ssl);
}

static void serve(server *sv, mode m, int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	uint8_t req[KW_RDP_REQUEST_LEN];
	size_t got = 0;
	while (got < sizeof req) {
		ssize_t n = recv(fd, req + got, sizeof req - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	uint32_t asked = got == sizeof req ? (uint32_t)req[15] | (uint32_t)req[16] << 8 : 0xffffffffu;
	uint8_t cc[19];
	sv->conns[m]++;
	switch (m) {
	case M_NLA: /* Windows with NLA: CredSSP when offered, else HYBRID_REQUIRED_BY_SERVER */
		if (asked & KW_RDP_PROTOCOL_HYBRID) {
			neg_confirm(cc, 2, 0x1f, KW_RDP_PROTOCOL_HYBRID);
			kwt_send_all(fd, cc, sizeof cc);
			tls_accept(sv->good, fd);
		} else {
			neg_confirm(cc, 3, 0, KW_RDP_HYBRID_REQUIRED_BY_SERVER);
			kwt_send_all(fd, cc, sizeof cc);
		}
		break;
	case M_OLD: {
		static const uint8_t bare[] = { 0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00 };
		kwt_send_all(fd, bare, sizeof bare);
		break;
	}
	case M_TLS10: /* TLS when offered (TLS 1.0 only), standard security refused */
		if (asked & KW_RDP_PROTOCOL_SSL) {
			neg_confirm(cc, 2, 0, KW_RDP_PROTOCOL_SSL);
			kwt_send_all(fd, cc, sizeof cc);
			tls_accept(sv->old, fd);
		} else {
			neg_confirm(cc, 3, 0, KW_RDP_SSL_REQUIRED_BY_SERVER);
			kwt_send_all(fd, cc, sizeof cc);
		}
		break;
	case M_SSH:
		kwt_send_all(fd, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 32);
		break;
	case M_HUGE: { /* a TPKT claiming 65535 bytes, then more than the prober may read */
		static uint8_t big[70000];
		big[0] = 3, big[2] = 0xff, big[3] = 0xff;
		kwt_send_all(fd, big, sizeof big);
		break;
	}
	case M_DR: {
		static const uint8_t dr[] = { 0x03, 0x00, 0x00, 0x0b, 0x06, 0x80, 0x00, 0x00, 0x12, 0x34, 0x00 };
		kwt_send_all(fd, dr, sizeof dr);
		break;
	}
	case M_SILENT:
	case M__N:
		if (sv->n_held < sizeof sv->held / sizeof sv->held[0]) {
			sv->held[sv->n_held++] = fd;
			return;
		}
		break;
	}
	close(fd);
}

static void *server_main(void *arg)
{
	server *sv = arg;
	for (;;) {
		struct pollfd p[M__N + 1];
		for (int i = 0; i < M__N; i++)
			p[i] = (struct pollfd){ .fd = sv->lfd[i], .events = POLLIN };
		p[M__N] = (struct pollfd){ .fd = sv->wake[0], .events = POLLIN };
		if (poll(p, M__N + 1, 10000) <= 0 || p[M__N].revents)
			break;
		for (int i = 0; i < M__N; i++)
			if (p[i].revents & POLLIN) {
				int fd = accept(sv->lfd[i], NULL, NULL);
				if (fd >= 0)
					serve(sv, (mode)i, fd);
			}
	}
	return NULL;
}

static int listen_port(int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(*fd, 16), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &l), 0);
	return ntohs(a.sin_port);
}

static uint64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void add_target(kw_targets *t, int port)
{
	char spec[32], err[256];
	snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
	assert_int_equal(kw_targets_add(t, spec, KW_RDP_PORT_DEFAULT, err, sizeof err), 0);
}

static void test_engine(void **state)
{
	(void)state;
	static server sv;
	memset(&sv, 0, sizeof sv);
	/* the servers' libssl writes with write(): a prober that closes after the handshake
	 * must not kill the test (the prober itself sends with MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < M__N; i++)
		sv.port[i] = listen_port(&sv.lfd[i]);
	assert_int_equal(pipe(sv.wake), 0);
	cert_spec good = { .key = "rsa2048", .cn = "win-nla", .from = T_2020, .to = T_2030 };
	cert_spec old = { .key = "rsa1024", .cn = "win-2008", .from = T_2020, .to = T_2021 };
	sv.good = server_ctx(&good, sv.good_der, &sv.good_len, false);
	sv.old = server_ctx(&old, sv.old_der, &sv.old_len, true);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, server_main, &sv), 0);

	/* in an order unlike the modes', with a closed port among them */
	kw_targets t;
	kw_targets_init(&t, 0);
	const int order[] = { M_SILENT, M_NLA, M_OLD, -1, M_TLS10, M_SSH, M_HUGE, M_DR };
	const size_t nt = sizeof order / sizeof order[0];
	for (size_t i = 0; i < nt; i++)
		add_target(&t, order[i] < 0 ? kwt_free_port() : sv.port[order[i]]);
	kw_targets_resolve(&t);
	kw_rdp_opts o = { .timeout_ms = 400 };
	kw_rdp_result *r = NULL;
	uint64_t t0 = ms_now();
	assert_int_equal(kw_rdp_run(&t, &o, &r), 0);
	uint64_t took = ms_now() - t0;
	assert_int_equal(write(sv.wake[1], "x", 1), 1);
	pthread_join(th, NULL);
	/* the silent server costs its deadline, and the others run beside it */
	if (took < 380 || took > 1500)
		fail_msg("the run took %llu ms (timeout 400 ms)", (unsigned long long)took);

	for (size_t i = 0; i < nt; i++)
		assert_true(r[i].finished);
	/* silent */
	assert_false(r[0].answered);
	assert_int_equal(r[0].probes[0].err, KW_E_TIMEOUT);
	assert_string_equal(r[0].probes[0].phase, "confirm");
	assert_non_null(strstr(r[0].probes[0].why, "no answer within 400 ms"));
	/* NLA: three connections, CredSSP, TLS 1.2 or 1.3, the certificate we made */
	const kw_rdp_result *n = &r[1];
	assert_true(n->answered);
	assert_int_equal(n->conns, 3);
	assert_int_equal(sv.conns[M_NLA], 3);
	assert_int_equal(n->probes[0].cc.selected, KW_RDP_PROTOCOL_HYBRID);
	assert_int_equal(n->probes[0].cc.flags, 0x1f);
	assert_int_equal(n->probes[1].cc.failure, KW_RDP_HYBRID_REQUIRED_BY_SERVER);
	assert_int_equal(n->probes[2].cc.failure, KW_RDP_HYBRID_REQUIRED_BY_SERVER);
	assert_int_equal(n->nla_required, KW_RDP_YES);
	assert_int_equal(n->standard_security, KW_RDP_NO);
	assert_true(n->tls.attempted);
	assert_int_equal(n->tls.err, 0);
	assert_true(n->tls.have_cert);
	assert_true(n->tls.version_num >= 0x0303);
	kw_rdp_cert want;
	char why[128];
	assert_int_equal(kw_rdp_cert_from_der(sv.good_der, sv.good_len, &want, why, sizeof why), 0);
	assert_string_equal(n->tls.cert.sha256, want.sha256);
	assert_string_equal(n->tls.cert.subject, "CN=win-nla");
	assert_int_equal(n->tls.cert.key_bits, 2048);
	/* old: one connection, a bare confirm */
	assert_true(r[2].answered);
	assert_int_equal(r[2].conns, 1);
	assert_int_equal(r[2].probes[0].cc.kind, KW_RDP_CC_BARE);
	assert_false(r[2].probes[1].ran);
	assert_false(r[2].probes[2].ran);
	assert_int_equal(r[2].standard_security, KW_RDP_YES);
	assert_false(r[2].tls.attempted);
	/* closed port */
	assert_false(r[3].answered);
	assert_int_equal(r[3].probes[0].err, -ECONNREFUSED);
	assert_string_equal(r[3].probes[0].phase, "connect");
	/* TLS 1.0 with RSA 1024: read all the same; two connections */
	const kw_rdp_result *o10 = &r[4];
	assert_true(o10->answered);
	assert_int_equal(o10->conns, 2);
	assert_int_equal(o10->tls.err, 0);
	assert_int_equal(o10->tls.version_num, 0x0301);
	assert_string_equal(o10->tls.version, "TLSv1");
	assert_true(o10->tls.have_cert);
	assert_int_equal(o10->tls.cert.key_bits, 1024);
	assert_int_equal(o10->tls.cert.not_after, T_2021);
	assert_int_equal(o10->standard_security, KW_RDP_NO);
	assert_int_equal(o10->nla_required, KW_RDP_NO);
	/* SSH, huge TPKT, Disconnect Request: refused at once, one connection each */
	assert_false(r[5].answered);
	assert_non_null(strstr(r[5].probes[0].why, "not TPKT"));
	assert_int_equal(r[6].probes[0].err, KW_E_TOOBIG);
	assert_non_null(strstr(r[6].probes[0].why, "65535"));
	assert_int_equal(r[7].probes[0].err, KW_E_REFUSED);
	for (size_t i = 5; i < 8; i++)
		assert_int_equal(r[i].conns, 1);

	/* the checks over what the engine found, at a fixed time */
	kw_profile p;
	kw_profile_init(&p);
	kw_findings fs;
	run(&p, &r[4], NULL, 0, T_2021 + 86400, &fs);
	assert_true(has(&fs, "rdp.tls-legacy", "TLSv1 negotiated"));
	assert_true(has(&fs, "rdp.weak-key", "RSA 1024 bits"));
	assert_true(has(&fs, "rdp.cert-expired", NULL));
	assert_true(has(&fs, "rdp.nla-not-required", "negotiate probe: PROTOCOL_SSL selected"));
	assert_false(has(&fs, "rdp.standard-security", NULL));
	kw_findings_release(&fs);
	const char *expect[] = { want.sha1 };
	run(&p, &r[1], expect, 1, T_2021, &fs);
	assert_int_equal(fs.n, 0);
	kw_findings_release(&fs);
	kw_profile_release(&p);

	kw_rdp_results_free(r, t.n);
	kw_targets_release(&t);
	for (size_t i = 0; i < sv.n_held; i++)
		close(sv.held[i]);
	for (int i = 0; i < M__N; i++)
		close(sv.lfd[i]);
	close(sv.wake[0]);
	close(sv.wake[1]);
	SSL_CTX_free(sv.good);
	SSL_CTX_free(sv.old);
}

static void test_stopped(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	add_target(&t, kwt_free_port());
	add_target(&t, kwt_free_port());
	kw_targets_resolve(&t);
	volatile sig_atomic_t stop = 1;
	kw_rdp_opts o = { .timeout_ms = 400, .stop = &stop };
	kw_rdp_result *r = NULL;
	assert_int_equal(kw_rdp_run(&t, &o, &r), 0);
	for (size_t i = 0; i < t.n; i++) {
		assert_false(r[i].finished);
		assert_false(r[i].answered);
		assert_int_equal(r[i].conns, 0);
		assert_int_equal(r[i].probes[0].err, -EINTR);
		assert_string_equal(r[i].probes[0].phase, "interrupted");
	}
	kw_rdp_results_free(r, t.n);
	kw_targets_release(&t);

	/* labels */
	kw_targets_init(&t, 0);
	char err[128];
	assert_int_equal(kw_targets_add(&t, "[::1]:3390", KW_RDP_PORT_DEFAULT, err, sizeof err), 0);
	assert_int_equal(kw_targets_add(&t, "rdp-gw.example", KW_RDP_PORT_DEFAULT, err, sizeof err), 0);
	char *l0 = kw_rdp_target_label(&t.v[0]), *l1 = kw_rdp_target_label(&t.v[1]);
	assert_string_equal(l0, "rdp://[::1]:3390");
	assert_string_equal(l1, "rdp://rdp-gw.example:3389");
	free(l0);
	free(l1);
	kw_targets_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_bytes),
		cmocka_unit_test(test_confirm_xrdp),
		cmocka_unit_test(test_confirm_kinds),
		cmocka_unit_test(test_confirm_malformed),
		cmocka_unit_test(test_thumbprint_norm),
		cmocka_unit_test(test_cert_summary),
		cmocka_unit_test(test_followups_and_verdicts),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
