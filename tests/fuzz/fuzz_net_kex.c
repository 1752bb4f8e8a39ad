/* fuzz_net_kex.c — libFuzzer harness for the key exchange (net/kex.c): server replies
 * through kw_kex_step, and kw_gex_group_parse.
 *
 * Two input shapes, told apart by the first byte:
 *
 *  - 31 or 33: the input is one server message (a KEXDH/ECDH reply, a GEX group or a GEX
 *    reply) fed to a few kex algorithms (curve25519, nistp256, nistp521, group1, group14,
 *    GEX-sha256) over a fixed transcript. The host key algorithm is the one K_S names
 *    (rsa-sha2-256 for an RSA key) so the signature check runs too; it fails, since
 *    nothing signed this transcript.
 *
 *  - anything else: a whole recorded exchange, as test_net_kex writes it with
 *    KW_KEX_CAPTURE_DIR (SSH wire encoding):
 *        byte    kex: KW_KEX_NONE + 1 + b % (KW_KEX_N - 1)
 *        byte    host key algorithm: index into hostkeys[] below (b % its length)
 *        string  V_S
 *        string  I_C
 *        string  I_S
 *        string  server message, up to three times
 *    replayed with the fixed private value test_net_kex used when recording, so a
 *    recorded reply verifies and mutations start from a reply that gets all the way
 *    through the signature check.
 *
 * Checked: kw_kex_step returns only 0, 1 or a known error; a result always has K_S, a
 * fingerprint, and a consistent verdict (verified with no reason, or a reason and one of
 * KW_E_SIGNATURE / KW_E_PARSE / KW_E_UNSUPPORTED); the GEX group fields agree with the
 * bits. Every object is freed (LeakSanitizer checks). */
#include "net/kex.h"

#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* test_net_kex.c's table and private value (keep in step with it) */
static const char *const hostkeys[] = {
	"ssh-ed25519",  "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256", "rsa-sha2-512",        "ssh-rsa",             "ssh-dss",
	"ssh-ed25519-cert-v01@openssh.com",
};
static const uint8_t priv[32] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
				  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

#define V_C "SSH-2.0-keyward_0.1"

static void check_result(const kw_kex_result *res)
{
	if (!res->hostkey || res->hostkey_len == 0 || memcmp(res->key.fp, "SHA256:", 7) != 0)
		__builtin_trap();
	if (res->verified) {
		if (res->verify_err != 0 || res->why[0])
			__builtin_trap();
	} else {
		if (res->verify_err != KW_E_SIGNATURE && res->verify_err != KW_E_PARSE &&
		    res->verify_err != KW_E_UNSUPPORTED)
			__builtin_trap();
		if (!res->why[0] || !memchr(res->why, '\0', sizeof res->why))
			__builtin_trap();
	}
}

static void check_rc(int r, const char *err)
{
	if (r == 0 || r == 1)
		return;
	if (r != KW_E_PARSE && r != KW_E_CRYPTO && r != KW_E_TOOBIG && r != -ENOMEM && r != -EINVAL)
		__builtin_trap();
	if (!err[0])
		__builtin_trap(); /* every error says what */
}

static void check_gex(kw_buf msg)
{
	static const uint32_t ranges[][2] = { { 2048, 8192 }, { 0, UINT32_MAX } };
	for (size_t i = 0; i < 2; i++) {
		kw_gex_group g;
		char err[256] = "";
		int r = kw_gex_group_parse(msg, ranges[i][0], ranges[i][1], &g, err, sizeof err);
		if (r == 0) {
			if (g.bits > KW_GEX_P_MAX_BITS)
				__builtin_trap();
			if (g.in_range != (g.bits >= ranges[i][0] && g.bits <= ranges[i][1]))
				__builtin_trap();
		} else if (r == KW_E_TOOBIG) {
			if (g.bits != 0 || g.in_range || !err[0])
				__builtin_trap();
		} else if ((r != KW_E_PARSE && r != -ENOMEM) || !err[0]) {
			__builtin_trap();
		}
	}
}

/* Run one exchange: first, then the messages in turn. */
static void run(kw_kex_alg alg, const char *hk, const char *v_s, kw_buf i_c, kw_buf i_s, const kw_buf *msgs,
		size_t n)
{
	kw_kex *k = NULL;
	if (kw_kex_new(alg, hk, &k) < 0)
		__builtin_trap();
	kw_sb out;
	kw_sb_init(&out);
	if (kw_kex_set_private(k, priv, sizeof priv) < 0 || kw_kex_set_transcript(k, V_C, v_s, i_c, i_s) < 0 ||
	    kw_kex_first(k, &out) < 0)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		kw_kex_result res;
		memset(&res, 0, sizeof res);
		char err[256] = "";
		kw_sb_clear(&out);
		int r = kw_kex_step(k, msgs[i], &out, &res, err, sizeof err);
		check_rc(r, err);
		if (r == 1 && out.len == 0)
			__builtin_trap();
		if (r == 0) {
			check_result(&res);
			kw_kex_result_release(&res);
		}
		if (r != 1)
			break;
	}
	kw_sb_release(&out);
	kw_kex_free(k);
}

/* The host key algorithm K_S asks for (the first string inside the first string). */
static const char *hostkey_of(kw_buf msg)
{
	kw_buf b = msg, ks, name;
	uint8_t t;
	if (kw_buf_get_u8(&b, &t) < 0 || kw_buf_get_string(&b, &ks) < 0 || kw_buf_get_string(&ks, &name) < 0)
		return "ssh-ed25519";
	if (kw_buf_eq(&name, "ssh-rsa"))
		return "rsa-sha2-256";
	for (size_t i = 0; i < sizeof hostkeys / sizeof hostkeys[0]; i++)
		if (kw_buf_eq(&name, hostkeys[i]))
			return hostkeys[i];
	return "ssh-ed25519";
}

static void raw_reply(const uint8_t *data, size_t size)
{
	static const kw_kex_alg algs[] = { KW_KEX_C25519,     KW_KEX_ECDH_P256,     KW_KEX_ECDH_P521,
					   KW_KEX_DH_G1_SHA1, KW_KEX_DH_G14_SHA256, KW_KEX_GEX_SHA256 };
	static const uint8_t kexinit[] = { 20, 'f', 'i', 'x', 'e', 'd', ' ', 'c', 'o', 'o', 'k', 'i', 'e', '.', '.', '.', '.' };
	kw_buf msg = kw_buf_view(data, size);
	const char *hk = hostkey_of(msg);
	kw_buf m[2] = { msg, msg };
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
		run(algs[i], hk, "SSH-2.0-OpenSSH_9.2p1", kw_buf_view(kexinit, sizeof kexinit),
		    kw_buf_view(kexinit, sizeof kexinit), m, algs[i] == KW_KEX_GEX_SHA256 ? 2 : 1);
	check_gex(msg);
}

static void recorded(const uint8_t *data, size_t size)
{
	kw_buf b = kw_buf_view(data, size), vs, ic, is, m[3];
	uint8_t a, h;
	if (kw_buf_get_u8(&b, &a) < 0 || kw_buf_get_u8(&b, &h) < 0 || kw_buf_get_string(&b, &vs) < 0 ||
	    kw_buf_get_string(&b, &ic) < 0 || kw_buf_get_string(&b, &is) < 0)
		return;
	size_t n = 0;
	while (n < 3 && kw_buf_get_string(&b, &m[n]) == 0)
		n++;
	char v_s[256];
	size_t vl = kw_buf_left(&vs) < sizeof v_s - 1 ? kw_buf_left(&vs) : sizeof v_s - 1;
	memcpy(v_s, kw_buf_cur(&vs), vl);
	v_s[vl] = '\0';
	kw_kex_alg alg = (kw_kex_alg)(KW_KEX_NONE + 1 + a % (KW_KEX_N - 1));
	run(alg, hostkeys[h % (sizeof hostkeys / sizeof hostkeys[0])], v_s, ic, is, m, n);
	for (size_t i = 0; i < n; i++)
		check_gex(m[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == KW_SSH_MSG_KEXDH_REPLY || data[0] == KW_SSH_MSG_KEX_DH_GEX_REPLY)
		raw_reply(data, size);
	else
		recorded(data, size);
	return 0;
}
