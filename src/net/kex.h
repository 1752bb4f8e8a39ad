/* kex.h — one SSH key exchange run far enough to prove that the server holds the private
 * half of the host key it shows: an ephemeral key from libcrypto, the server's reply
 * (K_S, its ephemeral value, the signature), the shared secret, the exchange hash H
 * (RFC 4253 §8, RFC 4419 §3, RFC 5656 §4, RFC 8731 §3, RFC 8268), and the signature over H
 * checked with K_S (RFC 8709 ssh-ed25519, RFC 5656 §3.1.2 ecdsa-sha2-*, RFC 8332
 * rsa-sha2-256/512, RFC 4253 §6.6 ssh-rsa and ssh-dss). NEWKEYS is never sent: the caller
 * closes the connection after the reply.
 *
 * Also the group-exchange probe: KEX_DH_GEX_REQUEST(min, n, max) and the size and sanity
 * of the group the server hands out (RFC 4419, RFC 8270), without any modexp.
 *
 * Pure apart from libcrypto: payloads in, payloads out, no I/O. A fingerprint is only
 * reported as verified when the signature checked out.
 *
 *   kw_kex *k;  kw_kex_new(KW_KEX_C25519, "ssh-ed25519", &k);
 *   kw_kex_set_transcript(k, V_C, V_S, I_C, I_S);
 *   kw_kex_first(k, &payload);              -> send it
 *   loop on each server message m:  r = kw_kex_step(k, m, &payload, &res, err, errlen)
 *        r == 1: send payload, continue;  r == 0: res is filled;  r < 0: error (err says)
 *   kw_kex_result_release(&res); kw_kex_free(k);
 */
#ifndef KW_NET_KEX_H
#define KW_NET_KEX_H

#include "base/buf.h"
#include "collect/sshkey.h"
#include "net/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kw_kex_alg {
	KW_KEX_NONE = 0,
	KW_KEX_C25519,          /* curve25519-sha256, curve25519-sha256@libssh.org */
	KW_KEX_ECDH_P256,       /* ecdh-sha2-nistp256 */
	KW_KEX_ECDH_P384,
	KW_KEX_ECDH_P521,
	KW_KEX_DH_G14_SHA256,   /* diffie-hellman-group14-sha256 */
	KW_KEX_DH_G16_SHA512,
	KW_KEX_DH_G18_SHA512,
	KW_KEX_DH_G14_SHA1,
	KW_KEX_DH_G1_SHA1,
	KW_KEX_GEX_SHA256,      /* diffie-hellman-group-exchange-sha256 */
	KW_KEX_GEX_SHA1,
	KW_KEX_N
} kw_kex_alg;

/* the wire name (the first spelling for C25519) */
const char *kw_kex_alg_name(kw_kex_alg a);
/* KW_KEX_NONE for names we cannot run */
kw_kex_alg kw_kex_alg_from_name(const char *name);
/* The kex to run against a server offering these, in our order of preference
 * (curve25519, ecdh nistp256/384/521, group14-sha256, group16, group18, gex-sha256,
 * group14-sha1, gex-sha1, group1-sha1); *name gets the server's spelling.
 * KW_KEX_NONE if none. */
kw_kex_alg kw_kex_choose(const kw_ssh_namelist *server_kex, const char **name);

/* Host key algorithms whose signature we can check: ssh-ed25519,
 * ecdsa-sha2-nistp256/384/521, rsa-sha2-256, rsa-sha2-512, ssh-rsa, ssh-dss. */
bool kw_kex_hostkey_verifiable(const char *alg);
/* The algorithms of a server's host key list that each need their own connection to
 * learn every key it has: one per key (rsa-sha2-512, rsa-sha2-256 and ssh-rsa share the
 * RSA key: the best of them is taken), verifiable ones only, in the server's order.
 * Writes up to max names (views of the list's strings) into out, returns how many. */
size_t kw_kex_hostkey_probes(const kw_ssh_namelist *server_hostkeys, const char **out,
			     size_t max);

typedef struct kw_kex_result {
	uint8_t *hostkey;      /* K_S (owned) */
	size_t hostkey_len;
	kw_pubkey key;         /* K_S decoded: type, bits, SHA256 and MD5 fingerprints */
	char hostkey_alg[64];  /* the signature algorithm used ("rsa-sha2-512") */
	bool verified;         /* the signature over H was checked and is good */
	int verify_err;        /* when not verified: KW_E_SIGNATURE (bad signature),
				* KW_E_UNSUPPORTED (an algorithm we cannot check),
				* KW_E_PARSE (malformed signature or key) */
	char why[160];         /* when not verified: in plain words */
	unsigned gex_bits;     /* GEX kex: bits of the server's p; 0 otherwise */
} kw_kex_result;

void kw_kex_result_release(kw_kex_result *r);

/* (Addition) The signature check alone, as kw_kex_step runs it on the reply: sig (string
 * algorithm, string body) over data (the exchange hash H) with the key blob ks, for the
 * host key algorithm hostkey_alg. Sets verified, verify_err and why of *res, nothing
 * else. The outcome is in *res; returns 0, -EINVAL or -ENOMEM. */
int kw_kex_verify(const char *hostkey_alg, kw_buf ks, kw_buf sig, const uint8_t *data, size_t len,
		  kw_kex_result *res);

typedef struct kw_kex kw_kex;

/* hostkey_alg: the single host key algorithm the client KEXINIT offered.
 * 0, -ENOMEM, KW_E_UNSUPPORTED, KW_E_CRYPTO. */
int kw_kex_new(kw_kex_alg alg, const char *hostkey_alg, kw_kex **ret);
void kw_kex_free(kw_kex *k);
/* What H covers besides the kex values: V_C and V_S without CR LF, I_C and I_S the whole
 * KEXINIT payloads (type byte included). Copied. */
int kw_kex_set_transcript(kw_kex *k, const char *v_c, const char *v_s, kw_buf i_c, kw_buf i_s);
/* (Addition) For tests and fuzzing only: use this ephemeral private value instead of a
 * random one, so that a captured reply can be replayed through a new kw_kex (same
 * transcript, same private value) and verify again. Before kw_kex_first. Big-endian:
 * X25519 the 32-byte private key (RFC 7748); ECDH the scalar d, 1 <= d < order; DH and
 * GEX the exponent x, 1 < x < p - 1 (checked when p is known: kw_kex_first, or the GEX
 * group, -EINVAL if it does not fit). At most 1024 bytes. 0, -EINVAL, -ENOMEM. */
int kw_kex_set_private(kw_kex *k, const uint8_t *priv, size_t len);
/* The first message after KEXINIT: KEXDH_INIT / KEX_ECDH_INIT with our ephemeral value,
 * or for GEX the KEX_DH_GEX_REQUEST (min 2048, n 3072, max 8192). Appended to out. */
int kw_kex_first(kw_kex *k, kw_sb *out);
/* One server message (type byte first). 1 = a payload to send was appended to out (GEX:
 * KEX_DH_GEX_INIT after the group), 0 = done: *res is filled (also when the signature is
 * bad: res->verified false and why set), <0 = the reply is malformed or unexpected
 * (KW_E_PARSE, KW_E_CRYPTO; err says what).
 * (Addition) Also -ENOMEM, and -EINVAL for a call out of order (before kw_kex_first or
 * kw_kex_set_transcript, after the result). After an error the exchange may be fed
 * another message; after 0 it is over. A GEX group outside the 2048..8192 asked for,
 * with an even p or with g not in (1, p-1) is refused (KW_E_PARSE), as OpenSSH's client
 * refuses it. */
int kw_kex_step(kw_kex *k, kw_buf msg, kw_sb *out, kw_kex_result *res, char *err, size_t errlen);

/* ---- group-exchange probe ---- */

#define KW_GEX_P_MAX_BITS 16384

typedef struct kw_gex_group {
	unsigned bits;     /* bits of p (0 when p was over KW_GEX_P_MAX_BITS: refused) */
	bool in_range;     /* min <= bits <= max of the request */
	bool p_odd;
	bool g_ok;         /* 1 < g < p - 1 */
} kw_gex_group;

/* KEX_DH_GEX_REQUEST payload appended to out */
int kw_gex_request(kw_sb *out, uint32_t min, uint32_t n, uint32_t max);
/* KEX_DH_GEX_GROUP payload (type byte first). 0 (the fields say what is wrong with the
 * group, if anything) or KW_E_PARSE / KW_E_TOOBIG ((Addition) or -ENOMEM). */
int kw_gex_group_parse(kw_buf payload, uint32_t min, uint32_t max, kw_gex_group *g,
		       char *err, size_t errlen);

#endif
