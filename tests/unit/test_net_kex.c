/* test_net_kex.c — src/net/kex.c: algorithm tables, the group-exchange probe, the signature
 * check against keys and signatures made here with libcrypto, and whole key exchanges
 * against real servers on 127.0.0.1 (OpenSSH sshd, dropbear, tinysshd, started by
 * netpeer.c), whose fingerprints must be those `ssh-keygen -lf` prints.
 *
 * A session here is a blocking client: connect, send our identification, read the
 * server's and its KEXINIT, send a KEXINIT offering exactly one kex and one host key
 * algorithm (the other lists echo the server's), then kw_kex_first / kw_kex_step. The
 * session keeps what it saw (V_S, I_C, I_S, the server's kex messages) and the private
 * value it gave kw_kex_set_private, so the negative tests can replay a real reply,
 * altered, through a new kw_kex that computes the same exchange hash.
 *
 * Every socket has 5 s receive and send timeouts (kwt_connect) and every loop is
 * bounded. Only 127.0.0.1 is used.
 *
 * With KW_KEX_CAPTURE_DIR set, the sessions of the sshd, dropbear and tinysshd tests use
 * the fuzz harness's fixed private value and are written there in the harness's input
 * format (see tests/fuzz/fuzz_net_kex.c): that is how tests/fuzz/corpus/net_kex/ was made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "netpeer.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "net/kex.h"
#include "net/wire.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 5000
#define MAX_RECVS 4096

/* the fuzz harness's host key table and fixed private value (keep in step with it) */
static const char *const fuzz_hostkeys[] = {
	"ssh-ed25519",  "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256", "rsa-sha2-512",        "ssh-rsa",             "ssh-dss",
	"ssh-ed25519-cert-v01@openssh.com",
};
static const uint8_t fuzz_priv[32] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
				       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				       23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static const uint8_t test_cookie[16] = { 'k', 'e', 'y', 'w', 'a', 'r', 'd', '-',
					 'k', 'e', 'x', '-', 't', 'e', 's', 't' };

/* ---- small helpers ---- */

static kw_ssh_namelist mklist(const char **names, size_t n)
{
	kw_ssh_namelist l = { .names = (char **)names, .n = n };
	return l;
}

static kw_buf sbview(const kw_sb *sb)
{
	return kw_buf_view(sb->s, sb->len);
}

static void put_str(kw_sb *sb, const void *p, size_t n)
{
	assert_int_equal(kw_ssh_put_string(sb, p, n), 0);
}

static void put_mp(kw_sb *sb, const uint8_t *p, size_t n)
{
	assert_int_equal(kw_ssh_put_mpint(sb, p, n), 0);
}

static void put_bn_mp(kw_sb *sb, const BIGNUM *v)
{
	uint8_t b[2100];
	assert_true(BN_num_bytes(v) <= (int)sizeof b);
	int n = BN_bn2bin(v, b);
	assert_true(n >= 0);
	put_mp(sb, b, (size_t)n);
}

/* "BITS SHA256:... comment (TYPE)" from ssh-keygen -lf FILE */
static void keygen_fp(const char *file, unsigned *bits, char fp[64])
{
	char out[1024];
	const char *const argv[] = { "/usr/bin/ssh-keygen", "-l", "-f", file, NULL };
	int st = kwt_run(argv, out, sizeof out, NULL, 10000);
	if (st != 0)
		fail_msg("ssh-keygen -lf %s: status %d", file, st);
	if (sscanf(out, "%u %63s", bits, fp) != 2)
		fail_msg("ssh-keygen -lf %s: %s", file, out);
}

/* ---- a blocking SSH client over netpeer's sockets ---- */

typedef struct conn {
	int fd;
	kw_ssh_rx rx;
} conn;

static int conn_open(conn *c, int port, char *v_s, size_t cap)
{
	c->fd = kwt_connect(port, IO_TIMEOUT_MS);
	kw_ssh_rx_init(&c->rx, 0);
	if (c->fd < 0)
		return -1;
	const char ident[] = KW_SSH_CLIENT_IDENT "\r\n";
	if (kwt_send_all(c->fd, ident, strlen(ident)) < 0)
		return -1;
	for (int i = 0; i < MAX_RECVS; i++) {
		kw_ssh_ident id = { 0 };
		int r = kw_ssh_rx_ident(&c->rx, &id);
		if (r == 1) {
			snprintf(v_s, cap, "%s", id.line);
			kw_ssh_ident_release(&id);
			return 0;
		}
		if (r < 0)
			return -1;
		uint8_t buf[4096];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n <= 0 || kw_ssh_rx_feed(&c->rx, buf, (size_t)n) < 0)
			return -1;
	}
	return -1;
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	kw_ssh_rx_release(&c->rx);
}

/* The next message (not IGNORE/DEBUG). 1, or -1 (error, timeout, EOF). */
static int conn_msg(conn *c, uint8_t *type, kw_buf *payload)
{
	for (int i = 0; i < MAX_RECVS; i++) {
		int r = kw_ssh_rx_message(&c->rx, type, payload);
		if (r == 1)
			return 1;
		if (r < 0) {
			fprintf(stderr, "rx: %s\n", kw_ssh_rx_error(&c->rx));
			return -1;
		}
		uint8_t buf[4096];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n <= 0 || kw_ssh_rx_feed(&c->rx, buf, (size_t)n) < 0)
			return -1;
	}
	return -1;
}

static int conn_send(conn *c, const kw_sb *payload)
{
	kw_sb pkt;
	kw_sb_init(&pkt);
	int r = kw_ssh_packet_put(&pkt, (const uint8_t *)payload->s, payload->len);
	if (r == 0)
		r = kwt_send_all(c->fd, pkt.s, pkt.len);
	kw_sb_release(&pkt);
	return r < 0 ? -1 : 0;
}

/* Read the server's KEXINIT and send ours: kex and host key as given, the rest echoed. */
static int conn_kexinit(conn *c, const char *kex, const char *hk, kw_sb *i_c, kw_sb *i_s,
			kw_ssh_kexinit *server)
{
	uint8_t type;
	kw_buf p;
	if (conn_msg(c, &type, &p) < 0 || type != KW_SSH_MSG_KEXINIT)
		return -1;
	kw_sb_clear(i_s);
	if (kw_sb_put(i_s, kw_buf_cur(&p), kw_buf_left(&p)) < 0)
		return -1;
	char err[256];
	kw_ssh_kexinit k;
	if (kw_ssh_kexinit_parse(sbview(i_s), &k, err, sizeof err) < 0) {
		fprintf(stderr, "server KEXINIT: %s\n", err);
		return -1;
	}
	kw_sb echo[KW_KEXL_N];
	const char *lists[KW_KEXL_N];
	for (int i = 0; i < KW_KEXL_N; i++) {
		kw_sb_init(&echo[i]);
		assert_int_equal(kw_ssh_namelist_join(&k.lists[i], &echo[i]), 0);
		lists[i] = echo[i].s;
	}
	lists[KW_KEXL_KEX] = kex;
	lists[KW_KEXL_HOSTKEY] = hk;
	kw_sb_clear(i_c);
	int r = kw_ssh_kexinit_build(lists, test_cookie, i_c);
	for (int i = 0; i < KW_KEXL_N; i++)
		kw_sb_release(&echo[i]);
	if (server)
		*server = k;
	else
		kw_ssh_kexinit_release(&k);
	if (r < 0)
		return -1;
	return conn_send(c, i_c);
}

/* ---- sessions ---- */

typedef struct session {
	kw_kex_alg alg;
	char kexname[64];
	char hk[64];
	char v_s[KW_SSH_IDENT_MAX + 1];
	kw_sb i_c, i_s;
	kw_sb msg[2];     /* the server's kex messages, as fed to kw_kex_step */
	size_t nmsg;
	uint8_t priv[64]; /* 0 bytes: the library's own random value */
	size_t priv_len;
	kw_kex_result res;
	int rc;
	char err[256];
} session;

static void session_init(session *s, kw_kex_alg alg, const char *hk)
{
	memset(s, 0, sizeof *s);
	s->alg = alg;
	snprintf(s->kexname, sizeof s->kexname, "%s", kw_kex_alg_name(alg));
	snprintf(s->hk, sizeof s->hk, "%s", hk);
	kw_sb_init(&s->i_c);
	kw_sb_init(&s->i_s);
	kw_sb_init(&s->msg[0]);
	kw_sb_init(&s->msg[1]);
	s->rc = -1;
}

static void session_release(session *s)
{
	kw_sb_release(&s->i_c);
	kw_sb_release(&s->i_s);
	kw_sb_release(&s->msg[0]);
	kw_sb_release(&s->msg[1]);
	kw_kex_result_release(&s->res);
}

/* a random private value that fits every group and curve (below 2^255) */
static void random_priv(session *s)
{
	assert_int_equal(RAND_bytes(s->priv, 32), 1);
	s->priv[0] = (uint8_t)((s->priv[0] & 0x3f) | 0x01);
	s->priv_len = 32;
}

static const char *capture_dir(void)
{
	const char *d = getenv("KW_KEX_CAPTURE_DIR");
	return d && *d ? d : NULL;
}

/* Write a session in the fuzz harness's format (tests/fuzz/fuzz_net_kex.c). */
static void capture_write(const session *s, const char *server)
{
	const char *dir = capture_dir();
	if (!dir || s->rc != 0)
		return;
	size_t hk = 0;
	while (hk < KW_ARRAY_LEN(fuzz_hostkeys) && strcmp(fuzz_hostkeys[hk], s->hk) != 0)
		hk++;
	if (hk == KW_ARRAY_LEN(fuzz_hostkeys))
		return;
	kw_sb f;
	kw_sb_init(&f);
	assert_int_equal(kw_ssh_put_u8(&f, (uint8_t)(s->alg - 1)), 0);
	assert_int_equal(kw_ssh_put_u8(&f, (uint8_t)hk), 0);
	put_str(&f, s->v_s, strlen(s->v_s));
	put_str(&f, s->i_c.s, s->i_c.len);
	put_str(&f, s->i_s.s, s->i_s.len);
	for (size_t i = 0; i < s->nmsg; i++)
		put_str(&f, s->msg[i].s, s->msg[i].len);
	char path[512];
	snprintf(path, sizeof path, "%s/%s-%s-%s", dir, server, s->kexname, s->hk);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f.s, 1, f.len, fp), f.len);
	assert_int_equal(fclose(fp), 0);
	kw_sb_release(&f);
	/* and each server message alone (the harness's other input shape) */
	for (size_t i = 0; i < s->nmsg; i++) {
		snprintf(path, sizeof path, "%s/%s-%s-%s.msg%zu", dir, server, s->kexname, s->hk, i);
		fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(s->msg[i].s, 1, s->msg[i].len, fp), s->msg[i].len);
		assert_int_equal(fclose(fp), 0);
	}
}

/* One whole exchange against 127.0.0.1:port. s->rc is kw_kex_step's last result (-1000
 * when the connection itself failed). */
static void session_run(session *s, int port)
{
	conn c;
	s->rc = -1000;
	if (conn_open(&c, port, s->v_s, sizeof s->v_s) < 0) {
		snprintf(s->err, sizeof s->err, "connect / identification failed");
		conn_close(&c);
		return;
	}
	if (capture_dir()) {
		memcpy(s->priv, fuzz_priv, sizeof fuzz_priv);
		s->priv_len = sizeof fuzz_priv;
	}
	if (conn_kexinit(&c, s->kexname, s->hk, &s->i_c, &s->i_s, NULL) < 0) {
		snprintf(s->err, sizeof s->err, "KEXINIT exchange failed");
		conn_close(&c);
		return;
	}
	kw_kex *k = NULL;
	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(kw_kex_new(s->alg, s->hk, &k), 0);
	if (s->priv_len)
		assert_int_equal(kw_kex_set_private(k, s->priv, s->priv_len), 0);
	assert_int_equal(kw_kex_set_transcript(k, KW_SSH_CLIENT_IDENT, s->v_s, sbview(&s->i_c),
					       sbview(&s->i_s)), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	int r = conn_send(&c, &out) < 0 ? -1000 : 1;
	while (r == 1 && s->nmsg < 2) {
		uint8_t type;
		kw_buf p;
		if (conn_msg(&c, &type, &p) < 0) {
			snprintf(s->err, sizeof s->err, "no reply from the server");
			r = -1000;
			break;
		}
		if (type == KW_SSH_MSG_DISCONNECT) {
			kw_ssh_disconnect d;
			if (kw_ssh_disconnect_parse(p, &d) == 0)
				snprintf(s->err, sizeof s->err, "disconnected: %.*s",
					 (int)kw_buf_left(&d.description), (const char *)kw_buf_cur(&d.description));
			r = -1000;
			break;
		}
		kw_sb *m = &s->msg[s->nmsg++];
		assert_int_equal(kw_sb_put(m, kw_buf_cur(&p), kw_buf_left(&p)), 0);
		kw_sb_clear(&out);
		r = kw_kex_step(k, sbview(m), &out, &s->res, s->err, sizeof s->err);
		if (r == 1 && conn_send(&c, &out) < 0)
			r = -1000;
	}
	s->rc = r;
	kw_sb_release(&out);
	kw_kex_free(k);
	conn_close(&c);
}

/* The session's exchange again, without a server: a new kw_kex with the same private value
 * and transcript (v_s, i_s: NULL for the session's own) fed msgs. Returns the last step's
 * result; *res filled when 0. */
static int replay(const session *s, const char *v_s, const kw_sb *i_s, const kw_buf *msgs, size_t n,
		  kw_kex_result *res, char *err, size_t errlen)
{
	kw_kex *k = NULL;
	kw_sb out;
	kw_sb_init(&out);
	assert_true(s->priv_len > 0);
	assert_int_equal(kw_kex_new(s->alg, s->hk, &k), 0);
	assert_int_equal(kw_kex_set_private(k, s->priv, s->priv_len), 0);
	assert_int_equal(kw_kex_set_transcript(k, KW_SSH_CLIENT_IDENT, v_s ? v_s : s->v_s,
					       sbview(&s->i_c), sbview(i_s ? i_s : &s->i_s)), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	int r = -1;
	memset(res, 0, sizeof *res);
	for (size_t i = 0; i < n; i++) {
		kw_sb_clear(&out);
		r = kw_kex_step(k, msgs[i], &out, res, err, errlen);
		if (r != 1)
			break;
	}
	kw_sb_release(&out);
	kw_kex_free(k);
	return r;
}

/* replay with the session's messages, the last one replaced by last */
static int replay_last(const session *s, kw_buf last, kw_kex_result *res, char *err, size_t errlen)
{
	kw_buf m[2];
	for (size_t i = 0; i < s->nmsg; i++)
		m[i] = sbview(&s->msg[i]);
	m[s->nmsg - 1] = last;
	return replay(s, NULL, NULL, m, s->nmsg, res, err, errlen);
}

/* The parts of a reply: type, K_S, the server's value (f's string or Q_S), signature. */
typedef struct reply_parts {
	uint8_t type;
	kw_buf ks, val, sig;
} reply_parts;

static reply_parts split_reply(const kw_sb *m)
{
	reply_parts rp;
	kw_buf b = sbview(m);
	assert_int_equal(kw_buf_get_u8(&b, &rp.type), 0);
	assert_int_equal(kw_buf_get_string(&b, &rp.ks), 0);
	assert_int_equal(kw_buf_get_string(&b, &rp.val), 0);
	assert_int_equal(kw_buf_get_string(&b, &rp.sig), 0);
	assert_int_equal(kw_buf_left(&b), 0);
	return rp;
}

/* a reply from parts (val written as a string: an mpint is one) */
static void join_reply(kw_sb *out, const reply_parts *rp)
{
	kw_sb_clear(out);
	assert_int_equal(kw_ssh_put_u8(out, rp->type), 0);
	put_str(out, kw_buf_cur(&rp->ks), kw_buf_left(&rp->ks));
	put_str(out, kw_buf_cur(&rp->val), kw_buf_left(&rp->val));
	put_str(out, kw_buf_cur(&rp->sig), kw_buf_left(&rp->sig));
}

static void assert_verified(const session *s, const char *pubfile)
{
	if (s->rc != 0)
		fail_msg("%s with %s: rc %d (%s): %s", s->kexname, s->hk, s->rc, kw_strerror(s->rc), s->err);
	if (!s->res.verified)
		fail_msg("%s with %s: not verified: %s", s->kexname, s->hk, s->res.why);
	assert_int_equal(s->res.verify_err, 0);
	assert_string_equal(s->res.why, "");
	assert_string_equal(s->res.hostkey_alg, s->hk);
	assert_non_null(s->res.hostkey);
	assert_true(s->res.hostkey_len > 0);
	unsigned bits;
	char fp[64];
	keygen_fp(pubfile, &bits, fp);
	assert_string_equal(s->res.key.fp, fp);
	assert_int_equal(s->res.key.bits, bits);
	if (s->alg == KW_KEX_GEX_SHA256 || s->alg == KW_KEX_GEX_SHA1)
		assert_true(s->res.gex_bits >= 2048 && s->res.gex_bits <= 8192);
	else
		assert_int_equal(s->res.gex_bits, 0);
	print_message("    verified %-36s %-20s %u %s (%s)\n", s->kexname, s->hk, bits, fp, s->v_s);
}

/* ================= pure tests ================= */

static void test_alg_names(void **state)
{
	(void)state;
	for (int a = KW_KEX_NONE + 1; a < KW_KEX_N; a++) {
		const char *n = kw_kex_alg_name((kw_kex_alg)a);
		assert_int_equal(kw_kex_alg_from_name(n), a);
	}
	assert_string_equal(kw_kex_alg_name(KW_KEX_C25519), "curve25519-sha256");
	assert_int_equal(kw_kex_alg_from_name("curve25519-sha256@libssh.org"), KW_KEX_C25519);
	assert_string_equal(kw_kex_alg_name(KW_KEX_GEX_SHA1), "diffie-hellman-group-exchange-sha1");
	assert_string_equal(kw_kex_alg_name(KW_KEX_DH_G1_SHA1), "diffie-hellman-group1-sha1");
	assert_string_equal(kw_kex_alg_name(KW_KEX_DH_G18_SHA512), "diffie-hellman-group18-sha512");
	assert_int_equal(kw_kex_alg_from_name("sntrup761x25519-sha512@openssh.com"), KW_KEX_NONE);
	assert_int_equal(kw_kex_alg_from_name("ext-info-c"), KW_KEX_NONE);
	assert_int_equal(kw_kex_alg_from_name("CURVE25519-SHA256"), KW_KEX_NONE);
	assert_int_equal(kw_kex_alg_from_name(""), KW_KEX_NONE);
	assert_int_equal(kw_kex_alg_from_name(NULL), KW_KEX_NONE);
	assert_string_equal(kw_kex_alg_name(KW_KEX_NONE), "none");
	assert_string_equal(kw_kex_alg_name(KW_KEX_N), "none");

	const char *hks[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
			      "ecdsa-sha2-nistp521", "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa", "ssh-dss" };
	for (size_t i = 0; i < KW_ARRAY_LEN(hks); i++)
		assert_true(kw_kex_hostkey_verifiable(hks[i]));
	assert_false(kw_kex_hostkey_verifiable("ssh-ed25519-cert-v01@openssh.com"));
	assert_false(kw_kex_hostkey_verifiable("sk-ssh-ed25519@openssh.com"));
	assert_false(kw_kex_hostkey_verifiable("ssh-xmss@openssh.com"));
	assert_false(kw_kex_hostkey_verifiable(""));
	assert_false(kw_kex_hostkey_verifiable(NULL));
}

static void test_choose(void **state)
{
	(void)state;
	const char *name;
	const char *a[] = { "sntrup761x25519-sha512@openssh.com", "diffie-hellman-group14-sha1",
			    "curve25519-sha256@libssh.org", "ecdh-sha2-nistp384", "curve25519-sha256",
			    "kex-strict-s-v00@openssh.com" };
	kw_ssh_namelist l = mklist(a, KW_ARRAY_LEN(a));
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_C25519);
	assert_ptr_equal(name, a[2]); /* the server's first spelling, a view of its list */

	const char *b[] = { "diffie-hellman-group1-sha1", "diffie-hellman-group-exchange-sha1",
			    "diffie-hellman-group14-sha1", "ext-info-s" };
	l = mklist(b, KW_ARRAY_LEN(b));
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_DH_G14_SHA1);
	assert_ptr_equal(name, b[2]);
	l = mklist(b, 2);
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_GEX_SHA1);
	l = mklist(b, 1);
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_DH_G1_SHA1);

	const char *c[] = { "diffie-hellman-group-exchange-sha256", "diffie-hellman-group18-sha512",
			    "diffie-hellman-group16-sha512", "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256" };
	l = mklist(c, KW_ARRAY_LEN(c));
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_ECDH_P521);
	l = mklist(c, 4 - 1);
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_DH_G16_SHA512);
	assert_string_equal(name, "diffie-hellman-group16-sha512");
	l = mklist(c, 2);
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_DH_G18_SHA512);
	l = mklist(c, 1);
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_GEX_SHA256);

	const char *d[] = { "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256" };
	l = mklist(d, KW_ARRAY_LEN(d));
	name = "x";
	assert_int_equal(kw_kex_choose(&l, &name), KW_KEX_NONE);
	assert_null(name);
	l = mklist(d, 0);
	assert_int_equal(kw_kex_choose(&l, NULL), KW_KEX_NONE);
	assert_int_equal(kw_kex_choose(NULL, &name), KW_KEX_NONE);
}

static void test_hostkey_probes(void **state)
{
	(void)state;
	const char *a[] = { "rsa-sha2-256", "ssh-ed25519", "ssh-rsa", "rsa-sha2-512", "ecdsa-sha2-nistp256",
			    "ssh-ed25519-cert-v01@openssh.com", "ssh-dss", "sk-ssh-ed25519@openssh.com",
			    "ecdsa-sha2-nistp521", "ssh-ed25519", "ecdsa-sha2-nistp384" };
	kw_ssh_namelist l = mklist(a, KW_ARRAY_LEN(a));
	const char *out[16];
	size_t n = kw_kex_hostkey_probes(&l, out, 16);
	assert_int_equal(n, 6);
	assert_ptr_equal(out[0], a[3]); /* rsa-sha2-512, where RSA first appears */
	assert_ptr_equal(out[1], a[1]);
	assert_ptr_equal(out[2], a[4]);
	assert_ptr_equal(out[3], a[6]);
	assert_ptr_equal(out[4], a[8]);
	assert_ptr_equal(out[5], a[10]);
	assert_int_equal(kw_kex_hostkey_probes(&l, out, 2), 2);
	assert_ptr_equal(out[1], a[1]);
	assert_int_equal(kw_kex_hostkey_probes(&l, out, 0), 0);

	const char *b[] = { "ssh-rsa", "rsa-sha2-256" };
	l = mklist(b, 2);
	assert_int_equal(kw_kex_hostkey_probes(&l, out, 16), 1);
	assert_ptr_equal(out[0], b[1]);
	l = mklist(b, 1);
	assert_int_equal(kw_kex_hostkey_probes(&l, out, 16), 1);
	assert_ptr_equal(out[0], b[0]);

	const char *c[] = { "ssh-ed25519-cert-v01@openssh.com", "x" };
	l = mklist(c, 2);
	assert_int_equal(kw_kex_hostkey_probes(&l, out, 16), 0);
	assert_int_equal(kw_kex_hostkey_probes(NULL, out, 16), 0);
}

static void test_new_and_misuse(void **state)
{
	(void)state;
	kw_kex *k = NULL;
	assert_int_equal(kw_kex_new(KW_KEX_NONE, "ssh-ed25519", &k), KW_E_UNSUPPORTED);
	assert_int_equal(kw_kex_new(KW_KEX_N, "ssh-ed25519", &k), KW_E_UNSUPPORTED);
	assert_int_equal(kw_kex_new(KW_KEX_C25519, "", &k), KW_E_UNSUPPORTED);
	assert_int_equal(kw_kex_new(KW_KEX_C25519, NULL, &k), KW_E_UNSUPPORTED);
	char longname[100];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(kw_kex_new(KW_KEX_C25519, longname, &k), KW_E_UNSUPPORTED);
	assert_null(k);

	kw_sb out;
	kw_sb_init(&out);
	kw_kex_result res = { 0 };
	char err[256] = "";
	uint8_t msg[] = { 31 };
	assert_int_equal(kw_kex_new(KW_KEX_C25519, "ssh-ed25519", &k), 0);
	/* no kw_kex_first yet */
	assert_int_equal(kw_kex_step(k, kw_buf_view(msg, 1), &out, &res, err, sizeof err), -EINVAL);
	assert_int_equal(kw_kex_first(k, &out), 0);
	assert_int_equal(out.len, 1 + 4 + 32);
	assert_int_equal((uint8_t)out.s[0], KW_SSH_MSG_KEXDH_INIT);
	/* second first */
	assert_int_equal(kw_kex_first(k, &out), -EINVAL);
	assert_int_equal(kw_kex_set_private(k, fuzz_priv, 32), -EINVAL);
	/* no transcript */
	assert_int_equal(kw_kex_step(k, kw_buf_view(msg, 1), &out, &res, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "transcript"));
	uint8_t ki[] = { 20 };
	assert_int_equal(kw_kex_set_transcript(k, "SSH-2.0-a", "SSH-2.0-b", kw_buf_view(ki, 1),
					       kw_buf_view(ki, 1)), 0);
	/* wrong type, empty message */
	uint8_t m33[] = { 33, 0, 0 };
	assert_int_equal(kw_kex_step(k, kw_buf_view(m33, 3), &out, &res, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "expected message 31"));
	assert_int_equal(kw_kex_step(k, kw_buf_view(msg, 0), &out, &res, err, sizeof err), KW_E_PARSE);
	assert_int_equal(kw_kex_step(k, kw_buf_view(msg, 1), &out, &res, err, sizeof err), KW_E_PARSE);
	kw_kex_free(k);
	kw_kex_free(NULL);
	kw_kex_result_release(&res);
	kw_kex_result_release(NULL);
	kw_sb_release(&out);
}

/* the private value hook: RFC 7748 §6.1, the P-256 generator, and g^2 */
static void test_set_private_vectors(void **state)
{
	(void)state;
	static const uint8_t alice_priv[32] = {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
		0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
	};
	static const uint8_t alice_pub[32] = {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
		0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
	};
	static const uint8_t p256_g[65] = {
		0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
		0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
		0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
		0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
		0xf5,
	};
	kw_kex *k;
	kw_sb out;
	kw_sb_init(&out);

	assert_int_equal(kw_kex_new(KW_KEX_C25519, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, alice_priv, 31), -EINVAL);
	assert_int_equal(kw_kex_set_private(k, alice_priv, 32), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	assert_int_equal(out.len, 37);
	assert_memory_equal(out.s + 5, alice_pub, 32);
	kw_kex_free(k);

	kw_sb_clear(&out);
	uint8_t one = 1;
	assert_int_equal(kw_kex_new(KW_KEX_ECDH_P256, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, &one, 1), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	assert_int_equal(out.len, 1 + 4 + 65);
	assert_memory_equal(out.s + 5, p256_g, 65);
	kw_kex_free(k);

	/* d = 0 and d = order are refused */
	uint8_t zero = 0;
	assert_int_equal(kw_kex_new(KW_KEX_ECDH_P256, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, &zero, 1), 0);
	assert_int_equal(kw_kex_first(k, &out), -EINVAL);
	kw_kex_free(k);
	static const uint8_t p256_n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};
	assert_int_equal(kw_kex_new(KW_KEX_ECDH_P256, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, p256_n, 32), 0);
	assert_int_equal(kw_kex_first(k, &out), -EINVAL);
	kw_kex_free(k);

	/* DH: x = 2 gives e = 4; x = 1 is refused */
	kw_sb_clear(&out);
	uint8_t two = 2;
	assert_int_equal(kw_kex_new(KW_KEX_DH_G14_SHA256, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, &two, 1), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	static const uint8_t e4[] = { 30, 0, 0, 0, 1, 4 };
	assert_int_equal(out.len, sizeof e4);
	assert_memory_equal(out.s, e4, sizeof e4);
	kw_kex_free(k);
	assert_int_equal(kw_kex_new(KW_KEX_DH_G1_SHA1, "ssh-ed25519", &k), 0);
	assert_int_equal(kw_kex_set_private(k, &one, 1), 0);
	assert_int_equal(kw_kex_first(k, &out), -EINVAL);
	kw_kex_free(k);

	/* every kex makes a first message of the right shape with its own random value */
	for (int a = KW_KEX_NONE + 1; a < KW_KEX_N; a++) {
		kw_sb_clear(&out);
		assert_int_equal(kw_kex_new((kw_kex_alg)a, "ssh-rsa", &k), 0);
		assert_int_equal(kw_kex_first(k, &out), 0);
		kw_buf b = sbview(&out), v;
		uint8_t t;
		assert_int_equal(kw_buf_get_u8(&b, &t), 0);
		if (a == KW_KEX_GEX_SHA256 || a == KW_KEX_GEX_SHA1) {
			static const uint8_t req[] = { 34, 0, 0, 0x08, 0, 0, 0, 0x0c, 0, 0, 0, 0x20, 0 };
			assert_int_equal(out.len, sizeof req);
			assert_memory_equal(out.s, req, sizeof req);
		} else {
			assert_int_equal(t, 30);
			assert_int_equal(kw_buf_get_string(&b, &v), 0);
			assert_int_equal(kw_buf_left(&b), 0);
			assert_true(kw_buf_left(&v) >= 32);
		}
		kw_kex_free(k);
	}
	kw_sb_release(&out);
}

/* ---- GEX group parsing ---- */

static void gex_payload(kw_sb *sb, const BIGNUM *p, const BIGNUM *g)
{
	kw_sb_clear(sb);
	assert_int_equal(kw_ssh_put_u8(sb, 31), 0);
	put_bn_mp(sb, p);
	put_bn_mp(sb, g);
}

static void test_gex_request(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_gex_request(&sb, 2048, 3072, 8192), 0);
	static const uint8_t want[] = { 34, 0, 0, 8, 0, 0, 0, 12, 0, 0, 0, 32, 0 };
	assert_int_equal(sb.len, sizeof want);
	assert_memory_equal(sb.s, want, sizeof want);
	kw_sb_clear(&sb);
	assert_int_equal(kw_gex_request(&sb, 0xffffffffu, 1, 0x01020304), 0);
	static const uint8_t want2[] = { 34, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1, 2, 3, 4 };
	assert_memory_equal(sb.s, want2, sizeof want2);
	kw_sb_release(&sb);
}

static void test_gex_group_parse(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	kw_gex_group g;
	char err[256];
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL), *gen = BN_new(), *t = BN_new();
	assert_non_null(p);
	assert_int_equal(BN_set_word(gen, 2), 1);

	gex_payload(&sb, p, gen);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_int_equal(g.bits, 2048);
	assert_true(g.in_range && g.p_odd && g.g_ok);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 3072, 8192, &g, err, sizeof err), 0);
	assert_false(g.in_range);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 1024, 2047, &g, err, sizeof err), 0);
	assert_false(g.in_range);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 2048, &g, err, sizeof err), 0);
	assert_true(g.in_range);

	/* g = 1, g = p - 1, g = p, g = 0: not ok */
	BN_one(t);
	gex_payload(&sb, p, t);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_false(g.g_ok);
	assert_true(g.p_odd);
	BN_sub(t, p, BN_value_one());
	gex_payload(&sb, p, t);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_false(g.g_ok);
	BN_sub_word(t, 1); /* p - 2 is fine */
	gex_payload(&sb, p, t);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_true(g.g_ok);
	gex_payload(&sb, p, p);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_false(g.g_ok);
	BN_zero(t);
	gex_payload(&sb, p, t);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_false(g.g_ok);

	/* even p */
	BN_copy(t, p);
	BN_sub_word(t, 1);
	gex_payload(&sb, t, gen);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_false(g.p_odd);
	assert_int_equal(g.bits, 2048);

	/* p = 0 */
	BN_zero(t);
	gex_payload(&sb, t, gen);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_int_equal(g.bits, 0);
	assert_false(g.p_odd || g.g_ok || g.in_range);

	/* exactly 16384 bits is taken; 16385 refused before conversion */
	BN_zero(t);
	BN_set_bit(t, 16383);
	BN_set_bit(t, 0);
	gex_payload(&sb, t, gen);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
	assert_int_equal(g.bits, 16384);
	assert_false(g.in_range);
	assert_true(g.p_odd && g.g_ok);
	BN_set_bit(t, 16384);
	gex_payload(&sb, t, gen);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), KW_E_TOOBIG);
	assert_int_equal(g.bits, 0);
	assert_false(g.in_range);
	assert_non_null(strstr(err, "16384"));
	/* a huge p (1 MiB) is refused from its length */
	{
		size_t n = (size_t)1 << 20;
		uint8_t *huge = calloc(1, n + 32);
		assert_non_null(huge);
		huge[0] = 31;
		huge[1] = 0x00; huge[2] = 0x10; huge[3] = 0x00; huge[4] = 0x00;
		huge[5] = 0x7f;
		huge[5 + n] = 0; huge[5 + n + 1] = 0; huge[5 + n + 2] = 0; huge[5 + n + 3] = 1;
		huge[5 + n + 4] = 2;
		assert_int_equal(kw_gex_group_parse(kw_buf_view(huge, n + 10), 2048, 8192, &g, err, sizeof err),
				 KW_E_TOOBIG);
		free(huge);
	}

	/* leading zero bytes are allowed (OpenSSH trims them) */
	kw_sb_clear(&sb);
	{
		uint8_t pb[300];
		int n = BN_bn2bin(p, pb + 3);
		pb[0] = pb[1] = pb[2] = 0;
		assert_int_equal(kw_ssh_put_u8(&sb, 31), 0);
		put_str(&sb, pb, (size_t)n + 3);
		put_bn_mp(&sb, gen);
		assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), 0);
		assert_int_equal(g.bits, 2048);
		/* a negative p: top bit set without a sign byte */
		kw_sb_clear(&sb);
		assert_int_equal(kw_ssh_put_u8(&sb, 31), 0);
		put_str(&sb, pb + 3, (size_t)n);
		put_bn_mp(&sb, gen);
		assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), KW_E_PARSE);
		assert_non_null(strstr(err, "negative"));
	}

	/* framing: wrong type, truncations, trailing bytes */
	gex_payload(&sb, p, gen);
	kw_buf full = sbview(&sb);
	for (size_t cut = 0; cut < full.len; cut++)
		assert_true(kw_gex_group_parse(kw_buf_view(full.p, cut), 2048, 8192, &g, err, sizeof err) < 0);
	assert_int_equal(kw_sb_putc(&sb, 0), 0);
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "after g"));
	sb.s[0] = 33;
	sb.len--;
	assert_int_equal(kw_gex_group_parse(sbview(&sb), 2048, 8192, &g, err, sizeof err), KW_E_PARSE);

	BN_free(p);
	BN_free(gen);
	BN_free(t);
	kw_sb_release(&sb);
}

/* ---- signatures made here, checked by kw_kex_verify ---- */

/* K_S of a libcrypto key in SSH wire form */
static void key_blob(EVP_PKEY *pk, const char *type, kw_sb *ks)
{
	kw_sb_clear(ks);
	put_str(ks, type, strlen(type));
	if (strcmp(type, "ssh-ed25519") == 0) {
		uint8_t raw[32];
		size_t n = sizeof raw;
		assert_int_equal(EVP_PKEY_get_raw_public_key(pk, raw, &n), 1);
		put_str(ks, raw, n);
	} else if (strncmp(type, "ecdsa-sha2-", 11) == 0) {
		uint8_t pt[200];
		size_t n = 0;
		put_str(ks, type + 11, strlen(type + 11));
		assert_int_equal(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n), 1);
		put_str(ks, pt, n);
	} else if (strcmp(type, "ssh-rsa") == 0) {
		BIGNUM *n = NULL, *e = NULL;
		assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		put_bn_mp(ks, e);
		put_bn_mp(ks, n);
		BN_free(n);
		BN_free(e);
	} else {
		const char *names[] = { OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_G,
					OSSL_PKEY_PARAM_PUB_KEY };
		for (size_t i = 0; i < 4; i++) {
			BIGNUM *v = NULL;
			assert_int_equal(EVP_PKEY_get_bn_param(pk, names[i], &v), 1);
			put_bn_mp(ks, v);
			BN_free(v);
		}
	}
}

/* sig blob: string alg, string body, with the body as SSH wants it */
static void sign_blob(EVP_PKEY *pk, const char *alg, const char *md, const uint8_t *h, size_t hlen,
		      kw_sb *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t der[1024];
	size_t n = sizeof der;
	assert_int_equal(EVP_DigestSignInit_ex(c, NULL, md, NULL, NULL, pk, NULL), 1);
	assert_int_equal(EVP_DigestSign(c, der, &n, h, hlen), 1);
	EVP_MD_CTX_free(c);
	kw_sb_clear(sig);
	put_str(sig, alg, strlen(alg));
	if (strncmp(alg, "ecdsa-", 6) == 0) {
		const uint8_t *pp = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &pp, (long)n);
		assert_non_null(es);
		kw_sb body;
		kw_sb_init(&body);
		put_bn_mp(&body, ECDSA_SIG_get0_r(es));
		put_bn_mp(&body, ECDSA_SIG_get0_s(es));
		put_str(sig, body.s, body.len);
		kw_sb_release(&body);
		ECDSA_SIG_free(es);
	} else if (strcmp(alg, "ssh-dss") == 0) {
		const uint8_t *pp = der;
		DSA_SIG *ds = d2i_DSA_SIG(NULL, &pp, (long)n);
		assert_non_null(ds);
		const BIGNUM *r, *s;
		DSA_SIG_get0(ds, &r, &s);
		uint8_t rs[40];
		assert_int_equal(BN_bn2binpad(r, rs, 20), 20);
		assert_int_equal(BN_bn2binpad(s, rs + 20, 20), 20);
		put_str(sig, rs, 40);
		DSA_SIG_free(ds);
	} else {
		put_str(sig, der, n);
	}
}

static void expect_verdict(const char *alg, const kw_sb *ks, const kw_sb *sig, const uint8_t *h, size_t hlen,
			   bool ok, int verr, const char *why_part)
{
	kw_kex_result res;
	memset(&res, 0x5a, sizeof res);
	assert_int_equal(kw_kex_verify(alg, sbview(ks), sbview(sig), h, hlen, &res), 0);
	if (res.verified != ok)
		fail_msg("%s: verified %d, want %d (%s)", alg, res.verified, ok, ok ? res.why : "");
	if (ok) {
		assert_int_equal(res.verify_err, 0);
		assert_string_equal(res.why, "");
	} else {
		assert_int_equal(res.verify_err, verr);
		if (!strstr(res.why, why_part))
			fail_msg("%s: why \"%s\" lacks \"%s\"", alg, res.why, why_part);
	}
}

/* The checks every signature algorithm goes through. */
static void verify_cases(EVP_PKEY *pk, const char *keytype, const char *alg, const char *md)
{
	kw_sb ks, sig, bad;
	kw_sb_init(&ks);
	kw_sb_init(&sig);
	kw_sb_init(&bad);
	uint8_t h[64];
	assert_int_equal(RAND_bytes(h, sizeof h), 1);
	size_t hlen = strcmp(md ? md : "", "SHA512") == 0 ? 64 : 32; /* any H length works */
	key_blob(pk, keytype, &ks);
	sign_blob(pk, alg, md, h, hlen, &sig);

	expect_verdict(alg, &ks, &sig, h, hlen, true, 0, NULL);
	/* another H */
	h[3] ^= 0x10;
	expect_verdict(alg, &ks, &sig, h, hlen, false, KW_E_SIGNATURE, "does not verify");
	h[3] ^= 0x10;
	/* one bit of the signature body (its last byte: inside s for ECDSA) */
	kw_sb_clear(&bad);
	assert_int_equal(kw_sb_put(&bad, sig.s, sig.len), 0);
	bad.s[bad.len - 1] ^= 0x01;
	expect_verdict(alg, &ks, &bad, h, hlen, false, KW_E_SIGNATURE,
		       "signature over the exchange hash does not verify");
	/* a signature blob with a byte after it */
	kw_sb_clear(&bad);
	assert_int_equal(kw_sb_put(&bad, sig.s, sig.len), 0);
	assert_int_equal(kw_sb_putc(&bad, 0), 0);
	expect_verdict(alg, &ks, &bad, h, hlen, false, KW_E_PARSE, "malformed");
	/* the body one byte short (its length fixed up) */
	{
		kw_buf b = sbview(&sig), name, body;
		assert_int_equal(kw_buf_get_string(&b, &name), 0);
		assert_int_equal(kw_buf_get_string(&b, &body), 0);
		kw_sb_clear(&bad);
		put_str(&bad, kw_buf_cur(&name), kw_buf_left(&name));
		put_str(&bad, kw_buf_cur(&body), kw_buf_left(&body) - 1);
		kw_kex_result res;
		assert_int_equal(kw_kex_verify(alg, sbview(&ks), sbview(&bad), h, hlen, &res), 0);
		assert_false(res.verified);
		if (strcmp(keytype, "ssh-rsa") == 0) /* a short RSA signature is padded: then it fails */
			assert_int_equal(res.verify_err, KW_E_SIGNATURE);
		else
			assert_int_equal(res.verify_err, KW_E_PARSE);
		/* another algorithm's name on the same body */
		const char *other = strcmp(alg, "ssh-rsa") == 0 ? "rsa-sha2-256" : "ssh-rsa";
		kw_sb_clear(&bad);
		put_str(&bad, other, strlen(other));
		put_str(&bad, kw_buf_cur(&body), kw_buf_left(&body));
		expect_verdict(alg, &ks, &bad, h, hlen, false, KW_E_SIGNATURE, "the negotiated algorithm");
	}
	/* no signature at all */
	kw_sb_clear(&bad);
	expect_verdict(alg, &ks, &bad, h, hlen, false, KW_E_PARSE, "malformed");
	/* the key blob truncated */
	kw_sb trunc;
	kw_sb_init(&trunc);
	assert_int_equal(kw_sb_put(&trunc, ks.s, ks.len - 1), 0);
	expect_verdict(alg, &trunc, &sig, h, hlen, false, KW_E_PARSE, "does not decode");
	kw_sb_release(&trunc);
	/* under a host key algorithm this key does not fit */
	const char *wrong = strcmp(keytype, "ssh-ed25519") == 0 ? "ecdsa-sha2-nistp256" : "ssh-ed25519";
	expect_verdict(wrong, &ks, &sig, h, hlen, false, KW_E_PARSE, "does not fit");
	kw_sb_release(&ks);
	kw_sb_release(&sig);
	kw_sb_release(&bad);
}

static void test_verify_ed25519(void **state)
{
	(void)state;
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	verify_cases(pk, "ssh-ed25519", "ssh-ed25519", NULL);
	EVP_PKEY_free(pk);
}

static void test_verify_ecdsa(void **state)
{
	(void)state;
	static const struct { const char *curve, *type, *md; } c[] = {
		{ "P-256", "ecdsa-sha2-nistp256", "SHA256" },
		{ "P-384", "ecdsa-sha2-nistp384", "SHA384" },
		{ "P-521", "ecdsa-sha2-nistp521", "SHA512" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(c); i++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c[i].curve);
		assert_non_null(pk);
		verify_cases(pk, c[i].type, c[i].type, c[i].md);
		/* signed with the wrong hash for the curve: does not verify */
		kw_sb ks, sig;
		kw_sb_init(&ks);
		kw_sb_init(&sig);
		uint8_t h[32] = { 1, 2, 3 };
		key_blob(pk, c[i].type, &ks);
		sign_blob(pk, c[i].type, i == 0 ? "SHA384" : "SHA256", h, sizeof h, &sig);
		expect_verdict(c[i].type, &ks, &sig, h, sizeof h, false, KW_E_SIGNATURE, "does not verify");
		/* a P-256 key named as another curve's algorithm */
		if (i == 0)
			expect_verdict("ecdsa-sha2-nistp384", &ks, &sig, h, sizeof h, false, KW_E_PARSE,
				       "does not fit");
		/* r negative (top bit set, no sign byte): malformed */
		kw_sb_clear(&sig);
		put_str(&sig, c[i].type, strlen(c[i].type));
		static const uint8_t neg[] = { 0, 0, 0, 1, 0x80, 0, 0, 0, 1, 1 };
		put_str(&sig, neg, sizeof neg);
		expect_verdict(c[i].type, &ks, &sig, h, sizeof h, false, KW_E_PARSE, "malformed");
		kw_sb_release(&ks);
		kw_sb_release(&sig);
		EVP_PKEY_free(pk);
	}
}

static void test_verify_rsa(void **state)
{
	(void)state;
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(pk);
	verify_cases(pk, "ssh-rsa", "rsa-sha2-256", "SHA256");
	verify_cases(pk, "ssh-rsa", "rsa-sha2-512", "SHA512");
	verify_cases(pk, "ssh-rsa", "ssh-rsa", "SHA1");

	/* a signature with the hash another RSA algorithm uses, under the right name */
	kw_sb ks, sig;
	kw_sb_init(&ks);
	kw_sb_init(&sig);
	key_blob(pk, "ssh-rsa", &ks);
	uint8_t h[32];
	assert_int_equal(RAND_bytes(h, sizeof h), 1);
	sign_blob(pk, "rsa-sha2-512", "SHA256", h, sizeof h, &sig);
	expect_verdict("rsa-sha2-512", &ks, &sig, h, sizeof h, false, KW_E_SIGNATURE, "does not verify");

	/* a signature whose first byte is 0, sent without it (OpenSSH pads such a one) */
	bool found = false;
	for (int i = 0; i < 8192 && !found; i++) {
		assert_int_equal(RAND_bytes(h, sizeof h), 1);
		sign_blob(pk, "rsa-sha2-256", "SHA256", h, sizeof h, &sig);
		kw_buf b = sbview(&sig), name, body;
		assert_int_equal(kw_buf_get_string(&b, &name), 0);
		assert_int_equal(kw_buf_get_string(&b, &body), 0);
		if (kw_buf_cur(&body)[0] != 0)
			continue;
		found = true;
		kw_sb shorter;
		kw_sb_init(&shorter);
		put_str(&shorter, "rsa-sha2-256", 12);
		put_str(&shorter, kw_buf_cur(&body) + 1, kw_buf_left(&body) - 1);
		expect_verdict("rsa-sha2-256", &ks, &shorter, h, sizeof h, true, 0, NULL);
		/* one byte longer than the modulus: malformed */
		kw_sb_clear(&shorter);
		put_str(&shorter, "rsa-sha2-256", 12);
		uint8_t longer[257];
		longer[0] = 0;
		memcpy(longer + 1, kw_buf_cur(&body), 256);
		put_str(&shorter, longer, sizeof longer);
		expect_verdict("rsa-sha2-256", &ks, &shorter, h, sizeof h, false, KW_E_PARSE, "malformed");
		kw_sb_release(&shorter);
	}
	assert_true(found);
	kw_sb_release(&ks);
	kw_sb_release(&sig);
	EVP_PKEY_free(pk);
}

static void test_verify_dsa(void **state)
{
	(void)state;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
	EVP_PKEY *params = NULL, *pk = NULL;
	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_paramgen_init(pc), 1);
	assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024), 1);
	assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, 160), 1);
	assert_int_equal(EVP_PKEY_paramgen(pc, &params), 1);
	EVP_PKEY_CTX_free(pc);
	pc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
	assert_int_equal(EVP_PKEY_keygen(pc, &pk), 1);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(params);
	verify_cases(pk, "ssh-dss", "ssh-dss", "SHA1");
	EVP_PKEY_free(pk);
}

static void test_verify_unsupported(void **state)
{
	(void)state;
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	kw_sb ks, sig;
	kw_sb_init(&ks);
	kw_sb_init(&sig);
	uint8_t h[32] = { 0 };
	key_blob(pk, "ssh-ed25519", &ks);
	sign_blob(pk, "ssh-ed25519", NULL, h, sizeof h, &sig);
	expect_verdict("ssh-ed25519-cert-v01@openssh.com", &ks, &sig, h, sizeof h, false, KW_E_UNSUPPORTED,
		       "certificates");
	expect_verdict("sk-ssh-ed25519@openssh.com", &ks, &sig, h, sizeof h, false, KW_E_UNSUPPORTED,
		       "security-key");
	expect_verdict("sk-ecdsa-sha2-nistp256@openssh.com", &ks, &sig, h, sizeof h, false,
		       KW_E_UNSUPPORTED, "security-key");
	expect_verdict("ssh-xmss@openssh.com", &ks, &sig, h, sizeof h, false, KW_E_UNSUPPORTED,
		       "not one keyward can verify");
	/* a key of an unknown type under a verifiable algorithm */
	kw_sb odd;
	kw_sb_init(&odd);
	put_str(&odd, "ssh-foo", 7);
	put_str(&odd, "x", 1);
	expect_verdict("ssh-ed25519", &odd, &sig, h, sizeof h, false, KW_E_PARSE, "of type unknown");
	kw_sb_release(&odd);
	kw_kex_result res;
	assert_int_equal(kw_kex_verify(NULL, sbview(&ks), sbview(&sig), h, sizeof h, &res), -EINVAL);
	kw_sb_release(&ks);
	kw_sb_release(&sig);
	EVP_PKEY_free(pk);
}

/* ================= OpenSSH sshd ================= */

static kwt_peer g_sshd;
static char g_keydir[64];
static char g_moduli_p[3][2200]; /* the hex p of the 2048, 3072 and 8192-bit groups */

typedef struct hkfile {
	const char *alg;
	const char *file; /* in g_keydir, without .pub */
} hkfile;

static const hkfile sshd_hostkeys[] = {
	{ "ssh-ed25519", "ed25519" },
	{ "ecdsa-sha2-nistp256", "ecdsa256" },
	{ "ecdsa-sha2-nistp384", "ecdsa384" },
	{ "ecdsa-sha2-nistp521", "ecdsa521" },
	{ "rsa-sha2-256", "rsa" },
	{ "rsa-sha2-512", "rsa" },
	{ "ssh-rsa", "rsa" },
	{ "ssh-dss", "dsa" },
};

static void sshd_pub(const char *alg, char *path, size_t cap)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(sshd_hostkeys); i++)
		if (strcmp(sshd_hostkeys[i].alg, alg) == 0) {
			snprintf(path, cap, "%s/%s.pub", g_keydir, sshd_hostkeys[i].file);
			return;
		}
	snprintf(path, cap, "%s/ed25519.pub", g_keydir); /* the certificate's key */
}

static int run_quiet(const char *const argv[])
{
	int st = kwt_run(argv, NULL, 0, NULL, 60000);
	if (st != 0)
		fprintf(stderr, "%s failed: %d\n", argv[0], st);
	return st == 0 ? 0 : -1;
}

static int sshd_keygen(const char *type, const char *bits, const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", g_keydir, name);
	const char *const a[] = { "/usr/bin/ssh-keygen", "-q", "-t", type, "-b", bits, "-N", "", "-C", name,
				  "-f", path, NULL };
	const char *const b[] = { "/usr/bin/ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f", path, NULL };
	return run_quiet(bits ? a : b);
}

/* One group of each wanted size from /etc/ssh/moduli into DIR/moduli. */
static int write_moduli(void)
{
	size_t len;
	FILE *in = fopen("/etc/ssh/moduli", "r");
	if (!in)
		return -1;
	char path[128];
	snprintf(path, sizeof path, "%s/moduli", g_keydir);
	FILE *out = fopen(path, "w");
	if (!out) {
		fclose(in);
		return -1;
	}
	static const unsigned sizes[3] = { 2047, 3071, 8191 };
	bool got[3] = { false, false, false };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0) {
		unsigned size;
		char p[2200];
		if (line[0] == '#' || sscanf(line, "%*s %*s %*s %*s %u %*s %2199s", &size, p) != 2)
			continue;
		for (int i = 0; i < 3; i++)
			if (size == sizes[i] && !got[i]) {
				got[i] = true;
				fputs(line, out);
				snprintf(g_moduli_p[i], sizeof g_moduli_p[i], "%s", p);
			}
	}
	free(line);
	fclose(in);
	len = (size_t)ftell(out);
	if (fclose(out) != 0 || !got[0] || !got[1] || !got[2] || len == 0)
		return -1;
	return 0;
}

static int sshd_setup(void **state)
{
	(void)state;
	if (kwt_mkdtemp(g_keydir, sizeof g_keydir, "kwt-kexkeys-") < 0)
		return -1;
	if (sshd_keygen("ed25519", NULL, "ed25519") < 0 || sshd_keygen("ecdsa", "256", "ecdsa256") < 0 ||
	    sshd_keygen("ecdsa", "384", "ecdsa384") < 0 || sshd_keygen("ecdsa", "521", "ecdsa521") < 0 ||
	    sshd_keygen("rsa", "3072", "rsa") < 0 || sshd_keygen("dsa", NULL, "dsa") < 0 ||
	    sshd_keygen("ed25519", NULL, "ca") < 0)
		return -1;
	/* a host certificate for the ed25519 key */
	char ca[128], pub[128];
	snprintf(ca, sizeof ca, "%s/ca", g_keydir);
	snprintf(pub, sizeof pub, "%s/ed25519.pub", g_keydir);
	const char *const sign[] = { "/usr/bin/ssh-keygen", "-q", "-s", ca, "-I", "kwt-host", "-h", "-n",
				     "localhost", pub, NULL };
	if (run_quiet(sign) < 0 || write_moduli() < 0)
		return -1;
	char extra[2048];
	const char *d = g_keydir;
	snprintf(extra, sizeof extra,
		 "HostKey %s/ed25519\nHostKey %s/ecdsa256\nHostKey %s/ecdsa384\nHostKey %s/ecdsa521\n"
		 "HostKey %s/rsa\nHostKey %s/dsa\nHostCertificate %s/ed25519-cert.pub\n"
		 "HostKeyAlgorithms ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
		 "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss,ssh-ed25519-cert-v01@openssh.com\n"
		 "KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
		 "diffie-hellman-group-exchange-sha1\n"
		 "ModuliFile %s/moduli\n",
		 d, d, d, d, d, d, d, d);
	if (kwt_peer_start(&g_sshd, KWT_PEER_SSHD, extra) < 0) {
		fprintf(stderr, "sshd: %s\n", g_sshd.why);
		kwt_peer_stop(&g_sshd);
		return -1;
	}
	return 0;
}

static int sshd_teardown(void **state)
{
	(void)state;
	kwt_peer_stop(&g_sshd);
	if (g_keydir[0])
		kwt_rm_tree(g_keydir);
	g_keydir[0] = '\0';
	return 0;
}

/* the configuration sshd actually runs with */
static void test_sshd_config_in_force(void **state)
{
	(void)state;
	char *out = NULL;
	const char *const argv[] = { "/usr/sbin/sshd", "-T", "-f", g_sshd.config, NULL };
	assert_int_equal(kwt_run_alloc(argv, &out, 1 << 20, 10000), 0);
	char want[256];
	snprintf(want, sizeof want, "\nmodulifile %s/moduli\n", g_keydir);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "diffie-hellman-group1-sha1"));
	assert_non_null(strstr(out, "diffie-hellman-group-exchange-sha1"));
	assert_non_null(strstr(out, "ssh-dss"));
	free(out);
}

/* Every kex we can run, each with a host key algorithm (all eight go round). */
static void test_sshd_every_kex(void **state)
{
	(void)state;
	for (int a = KW_KEX_NONE + 1; a < KW_KEX_N; a++) {
		const char *hk = sshd_hostkeys[(size_t)(a - 1) % KW_ARRAY_LEN(sshd_hostkeys)].alg;
		session s;
		session_init(&s, (kw_kex_alg)a, hk);
		random_priv(&s);
		session_run(&s, g_sshd.port);
		char pub[160];
		sshd_pub(hk, pub, sizeof pub);
		assert_verified(&s, pub);
		if (a == KW_KEX_GEX_SHA256 || a == KW_KEX_GEX_SHA1)
			assert_int_equal(s.res.gex_bits, 3072); /* the smallest group >= n = 3072 */
		/* the same exchange replayed gives the same verdict */
		kw_buf m[2] = { sbview(&s.msg[0]), sbview(&s.msg[1]) };
		kw_kex_result res;
		char err[256];
		assert_int_equal(replay(&s, NULL, NULL, m, s.nmsg, &res, err, sizeof err), 0);
		assert_true(res.verified);
		assert_string_equal(res.key.fp, s.res.key.fp);
		assert_int_equal(res.hostkey_len, s.res.hostkey_len);
		assert_memory_equal(res.hostkey, s.res.hostkey, res.hostkey_len);
		kw_kex_result_release(&res);
		capture_write(&s, "sshd");
		session_release(&s);
	}
}

/* Every host key algorithm, with curve25519 and the library's own random value. */
static void test_sshd_every_hostkey(void **state)
{
	(void)state;
	for (size_t i = 0; i < KW_ARRAY_LEN(sshd_hostkeys); i++) {
		session s;
		session_init(&s, KW_KEX_C25519, sshd_hostkeys[i].alg);
		session_run(&s, g_sshd.port);
		char pub[160];
		sshd_pub(s.hk, pub, sizeof pub);
		assert_verified(&s, pub);
		/* MD5 as ssh-keygen -E md5 prints it */
		char out[512], md5[64];
		unsigned bits;
		const char *const argv[] = { "/usr/bin/ssh-keygen", "-E", "md5", "-l", "-f", pub, NULL };
		assert_int_equal(kwt_run(argv, out, sizeof out, NULL, 10000), 0);
		assert_int_equal(sscanf(out, "%u %63s", &bits, md5), 2);
		assert_string_equal(s.res.key.fp_md5, md5);
		capture_write(&s, "sshd");
		session_release(&s);
	}
}

/* A host certificate: the key is reported, the signature is not checked. */
static void test_sshd_certificate(void **state)
{
	(void)state;
	session s;
	session_init(&s, KW_KEX_ECDH_P256, "ssh-ed25519-cert-v01@openssh.com");
	session_run(&s, g_sshd.port);
	assert_int_equal(s.rc, 0);
	assert_false(s.res.verified);
	assert_int_equal(s.res.verify_err, KW_E_UNSUPPORTED);
	assert_non_null(strstr(s.res.why, "certificates are not verified"));
	assert_string_equal(s.res.key.type, "ssh-ed25519-cert-v01@openssh.com");
	char pub[160], fp[64];
	unsigned bits;
	sshd_pub("ssh-ed25519", pub, sizeof pub);
	keygen_fp(pub, &bits, fp);
	assert_string_equal(s.res.key.fp, fp); /* ssh-keygen fingerprints the certified key */
	capture_write(&s, "sshd");
	session_release(&s);
}

/* Group-exchange probes: KEXINIT, GEX_REQUEST, GEX_GROUP, close. */
static void gex_probe(uint32_t min, uint32_t n, uint32_t max, kw_gex_group *g, char *p_hex, size_t cap)
{
	conn c;
	char v_s[KW_SSH_IDENT_MAX + 1];
	kw_sb i_c, i_s, req;
	kw_sb_init(&i_c);
	kw_sb_init(&i_s);
	kw_sb_init(&req);
	assert_int_equal(conn_open(&c, g_sshd.port, v_s, sizeof v_s), 0);
	assert_int_equal(conn_kexinit(&c, "diffie-hellman-group-exchange-sha256", "ssh-ed25519", &i_c, &i_s, NULL), 0);
	assert_int_equal(kw_gex_request(&req, min, n, max), 0);
	assert_int_equal(conn_send(&c, &req), 0);
	uint8_t type;
	kw_buf p;
	assert_int_equal(conn_msg(&c, &type, &p), 1);
	assert_int_equal(type, KW_SSH_MSG_KEXDH_REPLY);
	char err[256];
	assert_int_equal(kw_gex_group_parse(p, min, max, g, err, sizeof err), 0);
	/* p in hex, to find it in the moduli file */
	kw_buf b = p, pm;
	assert_int_equal(kw_buf_skip(&b, 1), 0);
	assert_int_equal(kw_buf_get_string(&b, &pm), 0);
	BIGNUM *bp = BN_bin2bn(kw_buf_cur(&pm), (int)kw_buf_left(&pm), NULL);
	char *hex = BN_bn2hex(bp);
	snprintf(p_hex, cap, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bp);
	conn_close(&c);
	kw_sb_release(&i_c);
	kw_sb_release(&i_s);
	kw_sb_release(&req);
}

static void test_sshd_gex_probe(void **state)
{
	(void)state;
	static const struct { uint32_t min, n, max; unsigned bits; bool in_range; int moduli; } t[] = {
		{ 2048, 2048, 2048, 2048, true, 0 },
		{ 3072, 3072, 3072, 3072, true, 1 },
		{ 2048, 3072, 8192, 3072, true, 1 },
		{ 8192, 8192, 8192, 8192, true, 2 },
		/* nothing in 4096..6144: sshd falls back to group18, 8192 bits, past max */
		{ 4096, 4096, 6144, 8192, false, -1 },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(t); i++) {
		kw_gex_group g;
		char hex[2200];
		gex_probe(t[i].min, t[i].n, t[i].max, &g, hex, sizeof hex);
		assert_int_equal(g.bits, t[i].bits);
		assert_int_equal(g.in_range, t[i].in_range);
		assert_true(g.p_odd);
		assert_true(g.g_ok);
		if (t[i].moduli >= 0) {
			assert_string_equal(hex, g_moduli_p[t[i].moduli]);
		} else {
			BIGNUM *g18 = BN_get_rfc3526_prime_8192(NULL);
			char *h18 = BN_bn2hex(g18);
			assert_string_equal(hex, h18);
			OPENSSL_free(h18);
			BN_free(g18);
		}
	}
}

/* ---- negative tests on real captured replies ---- */

static void capture_session(session *s, kw_kex_alg alg, const char *hk)
{
	session_init(s, alg, hk);
	random_priv(s);
	session_run(s, g_sshd.port);
	char pub[160];
	sshd_pub(hk, pub, sizeof pub);
	assert_verified(s, pub);
}

static void expect_bad_sig(const session *s, kw_buf last, int verr, const char *why)
{
	kw_kex_result res;
	char err[256] = "";
	int r = replay_last(s, last, &res, err, sizeof err);
	if (r != 0)
		fail_msg("%s/%s: rc %d (%s)", s->kexname, s->hk, r, err);
	assert_false(res.verified);
	assert_int_equal(res.verify_err, verr);
	if (!strstr(res.why, why))
		fail_msg("%s/%s: why \"%s\" lacks \"%s\"", s->kexname, s->hk, res.why, why);
	/* the key is still reported */
	assert_string_equal(res.key.fp, s->res.key.fp);
	kw_kex_result_release(&res);
}

static void expect_error(const session *s, kw_buf last, const char *err_part)
{
	kw_kex_result res;
	memset(&res, 0, sizeof res);
	char err[256] = "";
	int r = replay_last(s, last, &res, err, sizeof err);
	if (r >= 0)
		fail_msg("%s/%s: accepted a malformed reply (want \"%s\")", s->kexname, s->hk, err_part);
	if (err_part && !strstr(err, err_part))
		fail_msg("%s/%s: error \"%s\" lacks \"%s\"", s->kexname, s->hk, err, err_part);
	assert_null(res.hostkey);
}

static void test_neg_flipped_signature(void **state)
{
	(void)state;
	static const struct { kw_kex_alg alg; const char *hk; } c[] = {
		{ KW_KEX_C25519, "ssh-ed25519" },
		{ KW_KEX_ECDH_P256, "ecdsa-sha2-nistp256" },
		{ KW_KEX_ECDH_P521, "ecdsa-sha2-nistp521" },
		{ KW_KEX_DH_G14_SHA256, "rsa-sha2-256" },
		{ KW_KEX_DH_G1_SHA1, "ssh-dss" },
		{ KW_KEX_GEX_SHA256, "rsa-sha2-512" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(c); i++) {
		session s;
		capture_session(&s, c[i].alg, c[i].hk);
		kw_sb *last = &s.msg[s.nmsg - 1];
		kw_sb mod;
		kw_sb_init(&mod);
		/* one byte at the end (inside the signature body), then one in its middle */
		for (int where = 0; where < 2; where++) {
			kw_sb_clear(&mod);
			assert_int_equal(kw_sb_put(&mod, last->s, last->len), 0);
			size_t at = where == 0 ? mod.len - 1 : mod.len - 20;
			mod.s[at] = (char)(mod.s[at] ^ 0x40);
			expect_bad_sig(&s, sbview(&mod), KW_E_SIGNATURE,
				       "signature over the exchange hash does not verify");
		}
		kw_sb_release(&mod);
		session_release(&s);
	}
}

static void test_neg_transcript(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_C25519, "ssh-ed25519");
	kw_buf m = sbview(&s.msg[0]);
	kw_kex_result res;
	char err[256];
	/* another V_S */
	char other[300];
	snprintf(other, sizeof other, "%s ", s.v_s);
	assert_int_equal(replay(&s, other, NULL, &m, 1, &res, err, sizeof err), 0);
	assert_false(res.verified);
	assert_int_equal(res.verify_err, KW_E_SIGNATURE);
	kw_kex_result_release(&res);
	assert_int_equal(replay(&s, "SSH-2.0-OpenSSH_9.2p1", NULL, &m, 1, &res, err, sizeof err), 0);
	assert_false(res.verified);
	kw_kex_result_release(&res);
	/* the server's KEXINIT with one cookie byte changed */
	kw_sb is;
	kw_sb_init(&is);
	assert_int_equal(kw_sb_put(&is, s.i_s.s, s.i_s.len), 0);
	is.s[5] ^= 1;
	assert_int_equal(replay(&s, NULL, &is, &m, 1, &res, err, sizeof err), 0);
	assert_false(res.verified);
	assert_int_equal(res.verify_err, KW_E_SIGNATURE);
	kw_kex_result_release(&res);
	kw_sb_release(&is);
	/* and unchanged, it verifies */
	assert_int_equal(replay(&s, NULL, NULL, &m, 1, &res, err, sizeof err), 0);
	assert_true(res.verified);
	kw_kex_result_release(&res);
	session_release(&s);
}

static void test_neg_signature_name(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_C25519, "rsa-sha2-512");
	reply_parts rp = split_reply(&s.msg[0]);
	kw_sb sig, mod;
	kw_sb_init(&sig);
	kw_sb_init(&mod);
	/* the same body under another RSA algorithm name */
	kw_buf b = rp.sig, name, body;
	assert_int_equal(kw_buf_get_string(&b, &name), 0);
	assert_true(kw_buf_eq(&name, "rsa-sha2-512"));
	assert_int_equal(kw_buf_get_string(&b, &body), 0);
	static const char *const names[] = { "rsa-sha2-256", "ssh-rsa", "ssh-ed25519", "" };
	for (size_t i = 0; i < KW_ARRAY_LEN(names); i++) {
		kw_sb_clear(&sig);
		put_str(&sig, names[i], strlen(names[i]));
		put_str(&sig, kw_buf_cur(&body), kw_buf_left(&body));
		reply_parts r2 = rp;
		r2.sig = sbview(&sig);
		join_reply(&mod, &r2);
		expect_bad_sig(&s, sbview(&mod), KW_E_SIGNATURE, "not an rsa-sha2-512 signature");
	}
	/* the whole reply under a kex that offered rsa-sha2-256: the name does not match */
	session s256 = s;
	snprintf(s256.hk, sizeof s256.hk, "rsa-sha2-256");
	kw_kex_result res;
	char err[256];
	assert_int_equal(replay_last(&s256, sbview(&s.msg[0]), &res, err, sizeof err), 0);
	assert_false(res.verified);
	assert_int_equal(res.verify_err, KW_E_SIGNATURE);
	assert_non_null(strstr(res.why, "not an rsa-sha2-256 signature"));
	kw_kex_result_release(&res);
	/* ... and one that offered ssh-ed25519: the key does not fit */
	snprintf(s256.hk, sizeof s256.hk, "ssh-ed25519");
	assert_int_equal(replay_last(&s256, sbview(&s.msg[0]), &res, err, sizeof err), 0);
	assert_false(res.verified);
	assert_int_equal(res.verify_err, KW_E_PARSE);
	assert_non_null(strstr(res.why, "RSA, which does not fit ssh-ed25519"));
	kw_kex_result_release(&res);
	/* a malformed signature blob (body truncated inside) */
	kw_sb_clear(&sig);
	put_str(&sig, "rsa-sha2-512", 12);
	put_str(&sig, kw_buf_cur(&body), 0);
	reply_parts r3 = rp;
	r3.sig = sbview(&sig);
	join_reply(&mod, &r3);
	expect_bad_sig(&s, sbview(&mod), KW_E_PARSE, "malformed");
	kw_sb_clear(&sig);
	assert_int_equal(kw_sb_put(&sig, "\0\0\0\xff", 4), 0);
	r3.sig = sbview(&sig);
	join_reply(&mod, &r3);
	expect_bad_sig(&s, sbview(&mod), KW_E_PARSE, "signature blob is malformed");
	kw_sb_release(&sig);
	kw_sb_release(&mod);
	session_release(&s);
}

/* framing: every prefix, a byte more, another type, K_S cut inside */
static void framing_cases(const session *s)
{
	const kw_sb *last = &s->msg[s->nmsg - 1];
	for (size_t cut = 0; cut < last->len; cut++)
		expect_error(s, kw_buf_view(last->s, cut), NULL);
	kw_sb mod;
	kw_sb_init(&mod);
	assert_int_equal(kw_sb_put(&mod, last->s, last->len), 0);
	assert_int_equal(kw_sb_putc(&mod, 0), 0);
	expect_error(s, sbview(&mod), "after the reply's signature");
	mod.len--;
	mod.s[0] = (char)(last->s[0] == 33 ? 31 : 33);
	expect_error(s, sbview(&mod), "expected message");
	/* K_S one byte shorter, its length fixed up: the blob no longer decodes */
	reply_parts rp = split_reply(last);
	rp.ks.len--;
	join_reply(&mod, &rp);
	expect_error(s, sbview(&mod), "does not decode");
	/* K_S with a byte more */
	kw_sb ks;
	kw_sb_init(&ks);
	assert_int_equal(kw_sb_put(&ks, kw_buf_cur(&rp.ks), kw_buf_left(&rp.ks) + 1), 0);
	assert_int_equal(kw_sb_putc(&ks, 0), 0);
	rp.ks = sbview(&ks);
	join_reply(&mod, &rp);
	expect_error(s, sbview(&mod), "does not decode");
	/* K_S's length pointing past the message */
	kw_sb_clear(&mod);
	assert_int_equal(kw_ssh_put_u8(&mod, (uint8_t)last->s[0]), 0);
	assert_int_equal(kw_ssh_put_u32(&mod, (uint32_t)last->len), 0);
	assert_int_equal(kw_sb_put(&mod, last->s + 5, last->len - 5), 0);
	expect_error(s, sbview(&mod), "K_S is truncated");
	kw_sb_release(&ks);
	kw_sb_release(&mod);
}

static void test_neg_malformed_c25519(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_C25519, "ssh-ed25519");
	framing_cases(&s);
	reply_parts rp = split_reply(&s.msg[0]);
	kw_sb mod;
	kw_sb_init(&mod);
	uint8_t q[33] = { 0 };
	/* all zero: the shared secret is zero */
	rp.val = kw_buf_view(q, 32);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "all-zero");
	/* u = 1 and the other small-order points of RFC 7748 give zero too */
	q[0] = 1;
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "all-zero");
	static const uint8_t order8[32] = {
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
	};
	rp.val = kw_buf_view(order8, 32);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "all-zero");
	/* 31 and 33 bytes */
	rp.val = kw_buf_view(q, 31);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "not 32");
	rp.val = kw_buf_view(q, 33);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "not 32");

	/* after an error the same exchange still takes the real reply; after that, nothing */
	kw_kex *k;
	kw_sb out;
	kw_sb_init(&out);
	kw_kex_result res = { 0 };
	char err[256];
	assert_int_equal(kw_kex_new(s.alg, s.hk, &k), 0);
	assert_int_equal(kw_kex_set_private(k, s.priv, s.priv_len), 0);
	assert_int_equal(kw_kex_set_transcript(k, KW_SSH_CLIENT_IDENT, s.v_s, sbview(&s.i_c),
					       sbview(&s.i_s)), 0);
	assert_int_equal(kw_kex_first(k, &out), 0);
	assert_int_equal(kw_kex_step(k, sbview(&mod), &out, &res, err, sizeof err), KW_E_PARSE);
	assert_null(res.hostkey);
	assert_int_equal(kw_kex_step(k, sbview(&s.msg[0]), &out, &res, err, sizeof err), 0);
	assert_true(res.verified);
	assert_int_equal(kw_kex_step(k, sbview(&s.msg[0]), &out, &res, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "over"));
	assert_true(res.verified); /* untouched by the refused call */
	kw_kex_result_release(&res);
	kw_kex_free(k);
	kw_sb_release(&out);
	kw_sb_release(&mod);
	session_release(&s);
}

static void test_neg_malformed_ecdh(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_ECDH_P256, "ecdsa-sha2-nistp256");
	framing_cases(&s);
	reply_parts rp = split_reply(&s.msg[0]);
	assert_int_equal(kw_buf_left(&rp.val), 65);
	kw_sb mod;
	kw_sb_init(&mod);
	uint8_t q[97];
	/* off the curve: y + 1 */
	memcpy(q, kw_buf_cur(&rp.val), 65);
	q[64] ^= 1;
	rp.val = kw_buf_view(q, 65);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	/* x and y zero */
	memset(q + 1, 0, 64);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	/* the point at infinity (one 0x00 byte) */
	q[0] = 0;
	rp.val = kw_buf_view(q, 1);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	/* empty, and a point of another curve */
	rp.val = kw_buf_view(q, 0);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	size_t n = 0;
	assert_int_equal(EVP_PKEY_get_octet_string_param(p384, OSSL_PKEY_PARAM_PUB_KEY, q, sizeof q, &n), 1);
	EVP_PKEY_free(p384);
	rp.val = kw_buf_view(q, n);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	/* x = p (out of the field), y from the original */
	static const uint8_t p256_p[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	reply_parts orig = split_reply(&s.msg[0]);
	memcpy(q, kw_buf_cur(&orig.val), 65);
	memcpy(q + 1, p256_p, 32);
	rp.val = kw_buf_view(q, 65);
	join_reply(&mod, &rp);
	expect_error(&s, sbview(&mod), "point");
	kw_sb_release(&mod);
	session_release(&s);
}

static void dh_f_cases(const session *s, const BIGNUM *p)
{
	kw_sb mod, f;
	kw_sb_init(&mod);
	kw_sb_init(&f);
	const kw_sb *last = &s->msg[s->nmsg - 1];
	reply_parts rp = split_reply(last);
	BIGNUM *v = BN_new();
	static const struct { int kind; const char *err; } c[] = {
		{ 0, "not in (1, p-1)" },  /* 0 */
		{ 1, "not in (1, p-1)" },  /* 1 */
		{ 2, "not in (1, p-1)" },  /* p - 1 */
		{ 3, "not in (1, p-1)" },  /* p */
		{ 4, "not in (1, p-1)" },  /* p + 1 */
		{ 5, "fewer than 4 bits" }, /* 2^100 + 1 */
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(c); i++) {
		switch (c[i].kind) {
		case 0: BN_zero(v); break;
		case 1: BN_one(v); break;
		case 2: BN_sub(v, p, BN_value_one()); break;
		case 3: BN_copy(v, p); break;
		case 4: BN_add(v, p, BN_value_one()); break;
		case 5: BN_zero(v); BN_set_bit(v, 100); BN_set_bit(v, 0); break;
		}
		kw_sb_clear(&f);
		uint8_t bin[1100];
		int n = BN_bn2bin(v, bin);
		if (n > 0 && (bin[0] & 0x80)) { /* the sign byte, as an mpint wants */
			memmove(bin + 1, bin, (size_t)n);
			bin[0] = 0;
			n++;
		}
		assert_int_equal(kw_sb_put(&f, bin, (size_t)n), 0);
		reply_parts r2 = rp;
		r2.val = sbview(&f);
		join_reply(&mod, &r2);
		expect_error(s, sbview(&mod), c[i].err);
	}
	/* negative f: the top bit set without a sign byte */
	uint8_t neg[3] = { 0x80, 0, 5 };
	reply_parts r2 = rp;
	r2.val = kw_buf_view(neg, 3);
	join_reply(&mod, &r2);
	expect_error(s, sbview(&mod), "malformed");
	/* over 16384 bits */
	uint8_t *big = calloc(1, 2050);
	assert_non_null(big);
	big[0] = 0x01;
	r2.val = kw_buf_view(big, 2050);
	join_reply(&mod, &r2);
	expect_error(s, sbview(&mod), "over 16384 bits");
	free(big);
	BN_free(v);
	kw_sb_release(&f);
	kw_sb_release(&mod);
}

static void test_neg_malformed_dh(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_DH_G14_SHA256, "ssh-ed25519");
	framing_cases(&s);
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
	dh_f_cases(&s, p);
	BN_free(p);
	session_release(&s);
}

static void test_neg_malformed_gex(void **state)
{
	(void)state;
	session s;
	capture_session(&s, KW_KEX_GEX_SHA256, "ssh-ed25519");
	assert_int_equal(s.nmsg, 2);
	framing_cases(&s);
	/* f against the server's own group */
	kw_buf b = sbview(&s.msg[0]), pm;
	assert_int_equal(kw_buf_skip(&b, 1), 0);
	assert_int_equal(kw_buf_get_string(&b, &pm), 0);
	BIGNUM *p = BN_bin2bn(kw_buf_cur(&pm), (int)kw_buf_left(&pm), NULL);
	dh_f_cases(&s, p);

	/* bad groups stop the exchange before GEX_INIT */
	kw_sb grp;
	kw_sb_init(&grp);
	BIGNUM *g = BN_new(), *t = BN_new();
	kw_kex_result res;
	char err[256];
	struct { int kind; const char *err; } c[] = {
		{ 0, "even" }, { 1, "generator" }, { 2, "outside the 2048..8192" }, { 3, "outside the 2048..8192" },
		{ 4, "more than 16384 bits" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(c); i++) {
		BN_set_word(g, 2);
		BN_copy(t, p);
		switch (c[i].kind) {
		case 0: BN_sub_word(t, 1); break;
		case 1: BN_set_word(g, 1); break;
		case 2: BN_free(t); t = BN_get_rfc2409_prime_1024(NULL); break;
		case 3: BN_zero(t); BN_set_bit(t, 8192); BN_set_bit(t, 0); break;
		case 4: BN_zero(t); BN_set_bit(t, 16384); BN_set_bit(t, 0); break;
		}
		gex_payload(&grp, t, g);
		kw_buf m = sbview(&grp);
		int r = replay(&s, NULL, NULL, &m, 1, &res, err, sizeof err);
		assert_int_equal(r, KW_E_PARSE);
		if (!strstr(err, c[i].err))
			fail_msg("group case %zu: \"%s\"", i, err);
	}
	/* a reply where the group belongs */
	kw_buf m2[2] = { sbview(&s.msg[1]), sbview(&s.msg[1]) };
	assert_int_equal(replay(&s, NULL, NULL, m2, 1, &res, err, sizeof err), KW_E_PARSE);
	/* a group where the reply belongs */
	kw_buf m3[2] = { sbview(&s.msg[0]), sbview(&s.msg[0]) };
	assert_int_equal(replay(&s, NULL, NULL, m3, 2, &res, err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "expected message 33"));
	BN_free(g);
	BN_free(t);
	BN_free(p);
	kw_sb_release(&grp);
	session_release(&s);
}

/* ================= dropbear and tinysshd ================= */

static kwt_peer g_dropbear, g_tiny;

/* start a group's peer; a group whose setup fails is reported failed by cmocka */
static int peer_up(kwt_peer *p, kwt_peer_kind kind, const char *name)
{
	if (kwt_peer_start(p, kind, NULL) < 0) {
		fprintf(stderr, "%s: %s\n", name, p->why);
		kwt_peer_stop(p);
		return -1;
	}
	return 0;
}

static int dropbear_setup(void **state)
{
	(void)state;
	return peer_up(&g_dropbear, KWT_PEER_DROPBEAR, "dropbear");
}

static int tiny_setup(void **state)
{
	(void)state;
	return peer_up(&g_tiny, KWT_PEER_TINYSSHD, "tinysshd");
}

static int dropbear_teardown(void **state)
{
	(void)state;
	kwt_peer_stop(&g_dropbear);
	return 0;
}

static int tiny_teardown(void **state)
{
	(void)state;
	kwt_peer_stop(&g_tiny);
	return 0;
}

/* The server's KEXINIT, from a connection that stops there. */
static void server_kexinit(int port, kw_ssh_kexinit *k)
{
	conn c;
	char v_s[KW_SSH_IDENT_MAX + 1];
	assert_int_equal(conn_open(&c, port, v_s, sizeof v_s), 0);
	uint8_t type;
	kw_buf p;
	assert_int_equal(conn_msg(&c, &type, &p), 1);
	assert_int_equal(type, KW_SSH_MSG_KEXINIT);
	char err[256];
	assert_int_equal(kw_ssh_kexinit_parse(p, k, err, sizeof err), 0);
	conn_close(&c);
}

/* A public key line in a file, for ssh-keygen -lf. */
static void pub_line_file(const char *dir, const char *name, const char *line, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s.pub", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(line, f);
	fputc('\n', f);
	assert_int_equal(fclose(f), 0);
}

/* dropbear's host key of a type as an OpenSSH .pub file (dropbearkey -y) */
static void dropbear_pub(const char *alg, char *path, size_t cap)
{
	const char *file = strcmp(alg, "ssh-ed25519") == 0 ? "dropbear_ed25519_host_key"
			   : strncmp(alg, "ecdsa-", 6) == 0 ? "dropbear_ecdsa_host_key"
							     : "dropbear_rsa_host_key";
	char key[160], out[4096];
	snprintf(key, sizeof key, "%s/%s", g_dropbear.dir, file);
	const char *const argv[] = { "/usr/bin/dropbearkey", "-y", "-f", key, NULL };
	assert_int_equal(kwt_run(argv, out, sizeof out, NULL, 10000), 0);
	char *line = strstr(out, "\nssh-");
	if (!line)
		line = strstr(out, "\necdsa-");
	assert_non_null(line);
	line++;
	char *nl = strchr(line, '\n');
	assert_non_null(nl);
	*nl = '\0';
	pub_line_file(g_dropbear.dir, file, line, path, cap);
}

static void test_dropbear(void **state)
{
	(void)state;
	kw_ssh_kexinit k;
	server_kexinit(g_dropbear.port, &k);
	const char *probes[16];
	size_t np = kw_kex_hostkey_probes(&k.lists[KW_KEXL_HOSTKEY], probes, 16);
	assert_true(np >= 3); /* ed25519, ecdsa, rsa */
	/* every kex it offers that we run, with its first host key */
	size_t nkex = 0;
	for (size_t i = 0; i < k.lists[KW_KEXL_KEX].n; i++) {
		const char *name = k.lists[KW_KEXL_KEX].names[i];
		kw_kex_alg a = kw_kex_alg_from_name(name);
		if (a == KW_KEX_NONE)
			continue;
		session s;
		session_init(&s, a, probes[nkex % np]);
		snprintf(s.kexname, sizeof s.kexname, "%s", name);
		random_priv(&s);
		session_run(&s, g_dropbear.port);
		char pub[160];
		dropbear_pub(s.hk, pub, sizeof pub);
		assert_verified(&s, pub);
		capture_write(&s, "dropbear");
		session_release(&s);
		nkex++;
	}
	/* curve25519 (both spellings), 3 ECDH, group14-sha256, group14-sha1 */
	assert_true(nkex >= 7);
	/* every host key algorithm it offers that we check */
	size_t nhk = 0;
	for (size_t i = 0; i < k.lists[KW_KEXL_HOSTKEY].n; i++) {
		const char *hk = k.lists[KW_KEXL_HOSTKEY].names[i];
		if (!kw_kex_hostkey_verifiable(hk))
			continue;
		session s;
		session_init(&s, KW_KEX_C25519, hk);
		session_run(&s, g_dropbear.port);
		char pub[160];
		dropbear_pub(hk, pub, sizeof pub);
		assert_verified(&s, pub);
		capture_write(&s, "dropbear");
		session_release(&s);
		nhk++;
	}
	assert_true(nhk >= 4); /* ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-256, ssh-rsa */
	kw_ssh_kexinit_release(&k);
}

static void test_tinysshd(void **state)
{
	(void)state;
	char out[1024], pub[160];
	char keys[128];
	snprintf(keys, sizeof keys, "%s/keys", g_tiny.dir);
	const char *const argv[] = { "/usr/sbin/tinysshd-printkey", keys, NULL };
	assert_int_equal(kwt_run(argv, out, sizeof out, NULL, 10000), 0);
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	pub_line_file(g_tiny.dir, "ed25519", out, pub, sizeof pub);

	kw_ssh_kexinit k;
	server_kexinit(g_tiny.port, &k);
	size_t n = 0;
	for (size_t i = 0; i < k.lists[KW_KEXL_KEX].n; i++) {
		const char *name = k.lists[KW_KEXL_KEX].names[i];
		kw_kex_alg a = kw_kex_alg_from_name(name);
		if (a == KW_KEX_NONE)
			continue;
		for (size_t j = 0; j < k.lists[KW_KEXL_HOSTKEY].n; j++) {
			const char *hk = k.lists[KW_KEXL_HOSTKEY].names[j];
			if (!kw_kex_hostkey_verifiable(hk))
				continue;
			session s;
			session_init(&s, a, hk);
			snprintf(s.kexname, sizeof s.kexname, "%s", name);
			random_priv(&s);
			session_run(&s, g_tiny.port);
			assert_verified(&s, pub);
			capture_write(&s, "tinysshd");
			/* a flipped signature byte in tinysshd's reply */
			kw_sb mod;
			kw_sb_init(&mod);
			assert_int_equal(kw_sb_put(&mod, s.msg[0].s, s.msg[0].len), 0);
			mod.s[mod.len - 2] ^= 0x04;
			expect_bad_sig(&s, sbview(&mod), KW_E_SIGNATURE, "does not verify");
			kw_sb_release(&mod);
			session_release(&s);
			n++;
		}
	}
	assert_true(n >= 2); /* curve25519-sha256 and its @libssh.org spelling, ssh-ed25519 */
	kw_ssh_kexinit_release(&k);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_hostkey_probes),
		cmocka_unit_test(test_new_and_misuse),
		cmocka_unit_test(test_set_private_vectors),
		cmocka_unit_test(test_gex_request),
		cmocka_unit_test(test_gex_group_parse),
		cmocka_unit_test(test_verify_ed25519),
		cmocka_unit_test(test_verify_ecdsa),
		cmocka_unit_test(test_verify_rsa),
		cmocka_unit_test(test_verify_dsa),
		cmocka_unit_test(test_verify_unsupported),
	};
	const struct CMUnitTest sshd[] = {
		cmocka_unit_test(test_sshd_config_in_force),
		cmocka_unit_test(test_sshd_every_kex),
		cmocka_unit_test(test_sshd_every_hostkey),
		cmocka_unit_test(test_sshd_certificate),
		cmocka_unit_test(test_sshd_gex_probe),
		cmocka_unit_test(test_neg_flipped_signature),
		cmocka_unit_test(test_neg_transcript),
		cmocka_unit_test(test_neg_signature_name),
		cmocka_unit_test(test_neg_malformed_c25519),
		cmocka_unit_test(test_neg_malformed_ecdh),
		cmocka_unit_test(test_neg_malformed_dh),
		cmocka_unit_test(test_neg_malformed_gex),
	};
	const struct CMUnitTest dropbear[] = {
		cmocka_unit_test(test_dropbear),
	};
	const struct CMUnitTest tiny[] = {
		cmocka_unit_test(test_tinysshd),
	};
	int fails = cmocka_run_group_tests_name("kex", pure, NULL, NULL);
	fails += cmocka_run_group_tests_name("kex-sshd", sshd, sshd_setup, sshd_teardown);
	fails += cmocka_run_group_tests_name("kex-dropbear", dropbear, dropbear_setup, dropbear_teardown);
	fails += cmocka_run_group_tests_name("kex-tinysshd", tiny, tiny_setup, tiny_teardown);
	return fails;
}
