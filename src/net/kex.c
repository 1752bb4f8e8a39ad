/* kex.c — one SSH key exchange, far enough to check the server's signature over the
 * exchange hash with its host key (see kex.h for the interface and the call sequence).
 *
 * Owned by the scanner module (src/net). Pure apart from libcrypto: payloads in,
 * payloads out, no I/O, no clock.
 *
 * H = HASH(string V_C, string V_S, string I_C, string I_S, string K_S, <the kex's part>),
 * HASH being the kex's hash. Per family (message numbers in brackets):
 *
 *   curve25519  we send [30] string Q_C (32 bytes); the server [31] K_S, string Q_S, sig.
 *               K = the X25519 output read as an unsigned big-endian mpint.
 *               H's part: string Q_C, string Q_S, mpint K.
 *   ecdh-sha2   the same with SEC1 points (ours uncompressed); K = x(d * Q_S) as an mpint.
 *   dh groupN   [30] mpint e = g^x mod p; the server [31] K_S, mpint f, sig; K = f^x mod p.
 *               H's part: mpint e, mpint f, mpint K.
 *   dh gex      [34] uint32 min, n, max; the server [31] mpint p, mpint g; [32] mpint e;
 *               the server [33] K_S, mpint f, sig.
 *               H's part: uint32 min, n, max, mpint p, g, e, f, K.
 *
 * (RFC 4253 §8, RFC 4419 §3, RFC 5656 §4, RFC 8731 §3; OpenSSH's kexgen.c/kexgexc.c
 * build H the same way.) The server's value is checked before it is used: DH f must be
 * in (1, p-1) with at least four bits set (OpenSSH's dh_pub_is_valid), an EC point must
 * decode and pass libcrypto's full public-key check, an X25519 shared secret must not be
 * all zero.
 *
 * The signature blob (string algorithm, string body) must name exactly the host key
 * algorithm our KEXINIT offered, and K_S must be a key of that algorithm's type. Bodies:
 * ssh-ed25519 64 bytes; ecdsa-sha2-* string(mpint r, mpint s) over SHA-256/384/512(H);
 * rsa-sha2-256/512 and ssh-rsa PKCS#1 v1.5 over SHA-256/512/SHA-1(H), at most the modulus
 * size (shorter ones are left-padded, as OpenSSH does); ssh-dss 40 bytes r||s over
 * SHA-1(H). The message signed is H itself (each algorithm hashes it again as it says).
 *
 * Error policy: a reply we cannot read (framing, an undecodable K_S, a bad ephemeral
 * value) is an error return. Once the reply reads, the outcome is a result: verified, or
 * not verified with verify_err and why (bad signature, wrong algorithm, malformed
 * signature, certificates and sk- keys we do not check).
 *
 * Every libcrypto object is freed on every path; the shared secret, the private value
 * and the buffer H is hashed from are wiped before release.
 */
#include "net/kex.h"

#include "base/cleanup.h"
#include "base/err.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSH's SSHBUF_MAX_BIGNUM: mpints above 16384 bits are refused */
#define MPINT_MAX_BYTES (KW_MPINT_MAX_BITS / 8)
/* bits of our DH exponent x (OpenSSH uses twice the session key need; 512 covers it) */
#define DH_X_BITS 512
/* what kw_kex_first asks for in a GEX request */
#define GEX_MIN 2048
#define GEX_N 3072
#define GEX_MAX 8192
/* a fixed private value (kw_kex_set_private) is at most this long */
#define PRIV_MAX 1024
/* an uncompressed nistp521 point */
#define EC_POINT_MAX (1 + 2 * 66)

/* ---- algorithm tables ---- */

typedef enum kex_family { KF_C25519, KF_ECDH, KF_DH, KF_GEX } kex_family;

typedef struct kex_def {
	const char *name;
	const char *alt;      /* a second wire spelling (curve25519-sha256@libssh.org) */
	kex_family fam;
	const char *md;       /* hash of H */
	int nid;              /* ECDH: the curve */
	const char *group;    /* ECDH: the OpenSSL group name */
	BIGNUM *(*prime)(BIGNUM *); /* DH: the fixed group's p (g = 2) */
} kex_def;

static const kex_def kex_defs[KW_KEX_N] = {
	[KW_KEX_C25519] = { "curve25519-sha256", "curve25519-sha256@libssh.org", KF_C25519, "SHA256",
			    0, NULL, NULL },
	[KW_KEX_ECDH_P256] = { "ecdh-sha2-nistp256", NULL, KF_ECDH, "SHA256", NID_X9_62_prime256v1,
			       "P-256", NULL },
	[KW_KEX_ECDH_P384] = { "ecdh-sha2-nistp384", NULL, KF_ECDH, "SHA384", NID_secp384r1, "P-384",
			       NULL },
	[KW_KEX_ECDH_P521] = { "ecdh-sha2-nistp521", NULL, KF_ECDH, "SHA512", NID_secp521r1, "P-521",
			       NULL },
	[KW_KEX_DH_G14_SHA256] = { "diffie-hellman-group14-sha256", NULL, KF_DH, "SHA256", 0, NULL,
				   BN_get_rfc3526_prime_2048 },
	[KW_KEX_DH_G16_SHA512] = { "diffie-hellman-group16-sha512", NULL, KF_DH, "SHA512", 0, NULL,
				   BN_get_rfc3526_prime_4096 },
	[KW_KEX_DH_G18_SHA512] = { "diffie-hellman-group18-sha512", NULL, KF_DH, "SHA512", 0, NULL,
				   BN_get_rfc3526_prime_8192 },
	[KW_KEX_DH_G14_SHA1] = { "diffie-hellman-group14-sha1", NULL, KF_DH, "SHA1", 0, NULL,
				 BN_get_rfc3526_prime_2048 },
	[KW_KEX_DH_G1_SHA1] = { "diffie-hellman-group1-sha1", NULL, KF_DH, "SHA1", 0, NULL,
				BN_get_rfc2409_prime_1024 },
	[KW_KEX_GEX_SHA256] = { "diffie-hellman-group-exchange-sha256", NULL, KF_GEX, "SHA256", 0,
				NULL, NULL },
	[KW_KEX_GEX_SHA1] = { "diffie-hellman-group-exchange-sha1", NULL, KF_GEX, "SHA1", 0, NULL,
			      NULL },
};

/* kw_kex_choose's order */
static const kw_kex_alg kex_pref[] = {
	KW_KEX_C25519,        KW_KEX_ECDH_P256,     KW_KEX_ECDH_P384,   KW_KEX_ECDH_P521,
	KW_KEX_DH_G14_SHA256, KW_KEX_DH_G16_SHA512, KW_KEX_DH_G18_SHA512, KW_KEX_GEX_SHA256,
	KW_KEX_DH_G14_SHA1,   KW_KEX_GEX_SHA1,      KW_KEX_DH_G1_SHA1,
};

typedef enum hk_family { HK_ED25519, HK_ECDSA, HK_RSA, HK_DSA } hk_family;

typedef struct hk_def {
	const char *name;     /* signature algorithm */
	const char *keytype;  /* the key type K_S must have */
	const char *label;    /* ssh-keygen's name of that type (for messages) */
	hk_family fam;
	const char *md;       /* digest of H that is signed (NULL: Ed25519 signs H itself) */
	const char *group;    /* ECDSA: OpenSSL group name */
	unsigned rsa_rank;    /* RSA: which of the three to probe (higher is better) */
} hk_def;

static const hk_def hk_defs[] = {
	{ "ssh-ed25519", "ssh-ed25519", "ED25519", HK_ED25519, NULL, NULL, 0 },
	{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", "ECDSA", HK_ECDSA, "SHA256", "P-256", 0 },
	{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", "ECDSA", HK_ECDSA, "SHA384", "P-384", 0 },
	{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", "ECDSA", HK_ECDSA, "SHA512", "P-521", 0 },
	{ "rsa-sha2-512", "ssh-rsa", "RSA", HK_RSA, "SHA512", NULL, 3 },
	{ "rsa-sha2-256", "ssh-rsa", "RSA", HK_RSA, "SHA256", NULL, 2 },
	{ "ssh-rsa", "ssh-rsa", "RSA", HK_RSA, "SHA1", NULL, 1 },
	{ "ssh-dss", "ssh-dss", "DSA", HK_DSA, "SHA1", NULL, 0 },
};

static const hk_def *hk_by_name(const char *name)
{
	for (size_t i = 0; name && i < KW_ARRAY_LEN(hk_defs); i++)
		if (strcmp(hk_defs[i].name, name) == 0)
			return &hk_defs[i];
	return NULL;
}

const char *kw_kex_alg_name(kw_kex_alg a)
{
	if (a <= KW_KEX_NONE || a >= KW_KEX_N)
		return "none";
	return kex_defs[a].name;
}

kw_kex_alg kw_kex_alg_from_name(const char *name)
{
	if (!name)
		return KW_KEX_NONE;
	for (int a = KW_KEX_NONE + 1; a < KW_KEX_N; a++) {
		const kex_def *d = &kex_defs[a];
		if (strcmp(d->name, name) == 0 || (d->alt && strcmp(d->alt, name) == 0))
			return (kw_kex_alg)a;
	}
	return KW_KEX_NONE;
}

kw_kex_alg kw_kex_choose(const kw_ssh_namelist *server_kex, const char **name)
{
	if (name)
		*name = NULL;
	if (!server_kex)
		return KW_KEX_NONE;
	for (size_t i = 0; i < KW_ARRAY_LEN(kex_pref); i++) {
		/* the server's first spelling of this kex */
		for (size_t j = 0; j < server_kex->n; j++) {
			if (kw_kex_alg_from_name(server_kex->names[j]) != kex_pref[i])
				continue;
			if (name)
				*name = server_kex->names[j];
			return kex_pref[i];
		}
	}
	return KW_KEX_NONE;
}

bool kw_kex_hostkey_verifiable(const char *alg)
{
	return hk_by_name(alg) != NULL;
}

size_t kw_kex_hostkey_probes(const kw_ssh_namelist *server_hostkeys, const char **out, size_t max)
{
	if (!server_hostkeys)
		return 0;
	size_t n = 0;
	bool rsa_done = false;
	for (size_t i = 0; i < server_hostkeys->n && n < max; i++) {
		const char *name = server_hostkeys->names[i];
		const hk_def *hk = hk_by_name(name);
		if (!hk)
			continue;
		if (hk->fam == HK_RSA) {
			if (rsa_done)
				continue;
			/* the best RSA signature algorithm anywhere in the list */
			const char *best = name;
			unsigned rank = hk->rsa_rank;
			for (size_t j = i + 1; j < server_hostkeys->n; j++) {
				const hk_def *o = hk_by_name(server_hostkeys->names[j]);
				if (o && o->fam == HK_RSA && o->rsa_rank > rank) {
					rank = o->rsa_rank;
					best = server_hostkeys->names[j];
				}
			}
			rsa_done = true;
			out[n++] = best;
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(out[k], name) == 0;
		if (!dup)
			out[n++] = name;
	}
	return n;
}

/* ---- wire helpers (reading; writing is wire.h's) ---- */

static BIGNUM *bn_from(kw_buf mag)
{
	return BN_bin2bn(kw_buf_cur(&mag), (int)kw_buf_left(&mag), NULL);
}

/* A BIGNUM as an mpint */
static int put_bn(kw_sb *out, const BIGNUM *v)
{
	int n = BN_num_bytes(v);
	uint8_t stackbuf[MPINT_MAX_BYTES];
	if (n < 0 || n > (int)sizeof stackbuf)
		return KW_E_TOOBIG;
	if (BN_bn2bin(v, stackbuf) != n)
		return KW_E_CRYPTO;
	int r = kw_ssh_put_mpint(out, stackbuf, (size_t)n);
	OPENSSL_cleanse(stackbuf, (size_t)n);
	return r;
}

/* Release a builder that held secret bytes. */
static void sb_wipe_release(kw_sb *sb)
{
	if (sb->s && sb->cap)
		OPENSSL_cleanse(sb->s, sb->cap);
	kw_sb_release(sb);
}

/* ---- the exchange ---- */

enum kex_state { ST_NEW, ST_SENT, ST_GEX_INIT_SENT, ST_DONE };

struct kw_kex {
	const kex_def *def;
	char hostkey_alg[64];
	enum kex_state st;
	/* transcript */
	bool have_transcript;
	char *v_c, *v_s;
	uint8_t *i_c, *i_s;
	size_t i_c_len, i_s_len;
	/* a fixed private value (kw_kex_set_private), or none */
	uint8_t *priv;
	size_t priv_len;
	/* X25519 and ECDH: our key pair and the public value we sent */
	EVP_PKEY *eph;
	uint8_t q_c[EC_POINT_MAX];
	size_t q_c_len;
	/* DH and GEX */
	BIGNUM *p, *g, *x, *e;
	uint32_t gex_min, gex_n, gex_max;
	unsigned gex_bits;
};

int kw_kex_new(kw_kex_alg alg, const char *hostkey_alg, kw_kex **ret)
{
	if (alg <= KW_KEX_NONE || alg >= KW_KEX_N || !hostkey_alg || !hostkey_alg[0])
		return KW_E_UNSUPPORTED;
	size_t hl = strlen(hostkey_alg);
	if (hl >= sizeof ((kw_kex *)0)->hostkey_alg)
		return KW_E_UNSUPPORTED;
	kw_kex *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->def = &kex_defs[alg];
	memcpy(k->hostkey_alg, hostkey_alg, hl + 1);
	k->st = ST_NEW;
	*ret = k;
	return 0;
}

void kw_kex_free(kw_kex *k)
{
	if (!k)
		return;
	free(k->v_c);
	free(k->v_s);
	free(k->i_c);
	free(k->i_s);
	if (k->priv) {
		OPENSSL_cleanse(k->priv, k->priv_len);
		free(k->priv);
	}
	EVP_PKEY_free(k->eph);
	BN_free(k->p);
	BN_free(k->g);
	BN_clear_free(k->x);
	BN_free(k->e);
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

static uint8_t *memdup(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

int kw_kex_set_transcript(kw_kex *k, const char *v_c, const char *v_s, kw_buf i_c, kw_buf i_s)
{
	if (!k || !v_c || !v_s)
		return -EINVAL;
	char *vc = strdup(v_c), *vs = strdup(v_s);
	uint8_t *ic = memdup(kw_buf_cur(&i_c), kw_buf_left(&i_c));
	uint8_t *is = memdup(kw_buf_cur(&i_s), kw_buf_left(&i_s));
	if (!vc || !vs || !ic || !is) {
		free(vc);
		free(vs);
		free(ic);
		free(is);
		return -ENOMEM;
	}
	free(k->v_c);
	free(k->v_s);
	free(k->i_c);
	free(k->i_s);
	k->v_c = vc;
	k->v_s = vs;
	k->i_c = ic;
	k->i_s = is;
	k->i_c_len = kw_buf_left(&i_c);
	k->i_s_len = kw_buf_left(&i_s);
	k->have_transcript = true;
	return 0;
}

int kw_kex_set_private(kw_kex *k, const uint8_t *priv, size_t len)
{
	if (!k || k->st != ST_NEW || !priv || len == 0 || len > PRIV_MAX)
		return -EINVAL;
	if (k->def->fam == KF_C25519 && len != 32)
		return -EINVAL;
	uint8_t *c = memdup(priv, len);
	if (!c)
		return -ENOMEM;
	if (k->priv) {
		OPENSSL_cleanse(k->priv, k->priv_len);
		free(k->priv);
	}
	k->priv = c;
	k->priv_len = len;
	return 0;
}

/* An EVP_PKEY from parameters built in bld (selection: EVP_PKEY_PUBLIC_KEY / _KEYPAIR). */
static int pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, int selection, EVP_PKEY **ret)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;
	int ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		 EVP_PKEY_fromdata(ctx, &pk, selection, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	if (!ok) {
		EVP_PKEY_free(pk);
		return KW_E_CRYPTO;
	}
	*ret = pk;
	return 0;
}

/* Our X25519 pair: random, or the fixed private value. */
static int c25519_keypair(kw_kex *k)
{
	EVP_PKEY *pk = k->priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, k->priv, 32)
			       : EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t n = sizeof k->q_c;
	if (!pk || EVP_PKEY_get_raw_public_key(pk, k->q_c, &n) != 1 || n != 32) {
		EVP_PKEY_free(pk);
		return KW_E_CRYPTO;
	}
	k->q_c_len = n;
	k->eph = pk;
	return 0;
}

/* Our ECDH pair: d random in [1, n-1] or the fixed scalar; Q = dG, sent uncompressed. */
static int ecdh_keypair(kw_kex *k)
{
	int rc = KW_E_CRYPTO;
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(k->def->nid);
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	BIGNUM *d = BN_secure_new();
	BN_CTX *bctx = BN_CTX_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (!grp || !q || !d || !bctx || !bld)
		goto out;
	const BIGNUM *order = EC_GROUP_get0_order(grp);
	if (k->priv) {
		if (!BN_bin2bn(k->priv, (int)k->priv_len, d))
			goto out;
		if (BN_is_zero(d) || BN_cmp(d, order) >= 0) {
			rc = -EINVAL;
			goto out;
		}
	} else {
		do {
			if (BN_priv_rand_range(d, order) != 1)
				goto out;
		} while (BN_is_zero(d));
	}
	if (EC_POINT_mul(grp, q, d, NULL, NULL, bctx) != 1)
		goto out;
	size_t n = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, k->q_c, sizeof k->q_c,
				      bctx);
	if (n == 0)
		goto out;
	k->q_c_len = n;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, k->def->group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, k->q_c, n) != 1)
		goto out;
	rc = pkey_fromdata("EC", bld, EVP_PKEY_KEYPAIR, &k->eph);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bctx);
	BN_clear_free(d);
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	return rc;
}

/* x (random, DH_X_BITS, or the fixed value) and e = g^x mod p for the group in k->p/g. */
static int dh_keypair(kw_kex *k)
{
	int rc = KW_E_CRYPTO;
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *x = BN_secure_new(), *e = BN_new(), *pm1 = BN_new();
	if (!bctx || !x || !e || !pm1 || !BN_sub(pm1, k->p, BN_value_one()))
		goto out;
	if (k->priv) {
		if (!BN_bin2bn(k->priv, (int)k->priv_len, x))
			goto out;
		if (BN_cmp(x, BN_value_one()) <= 0 || BN_cmp(x, pm1) >= 0) {
			rc = -EINVAL;
			goto out;
		}
	} else {
		int pbits = BN_num_bits(k->p);
		int xbits = pbits - 1 < DH_X_BITS ? pbits - 1 : DH_X_BITS;
		if (xbits < 2 || BN_priv_rand(x, xbits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1)
			goto out;
	}
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (BN_mod_exp_mont_consttime(e, k->g, x, k->p, bctx, NULL) != 1)
		goto out;
	/* our own value must pass the server's check too */
	if (BN_cmp(e, BN_value_one()) <= 0 || BN_cmp(e, pm1) >= 0) {
		rc = KW_E_CRYPTO;
		goto out;
	}
	BN_clear_free(k->x);
	BN_free(k->e);
	k->x = x;
	k->e = e;
	x = e = NULL;
	rc = 0;
out:
	BN_free(pm1);
	BN_free(e);
	BN_clear_free(x);
	BN_CTX_free(bctx);
	return rc;
}

int kw_gex_request(kw_sb *out, uint32_t min, uint32_t n, uint32_t max)
{
	int r;
	if ((r = kw_ssh_put_u8(out, KW_SSH_MSG_KEX_DH_GEX_REQUEST)) < 0 ||
	    (r = kw_ssh_put_u32(out, min)) < 0 || (r = kw_ssh_put_u32(out, n)) < 0 ||
	    (r = kw_ssh_put_u32(out, max)) < 0)
		return r;
	return 0;
}

int kw_kex_first(kw_kex *k, kw_sb *out)
{
	if (!k || !out || k->st != ST_NEW)
		return -EINVAL;
	size_t mark = out->len;
	int r;
	switch (k->def->fam) {
	case KF_C25519:
	case KF_ECDH:
		EVP_PKEY_free(k->eph);
		k->eph = NULL;
		r = k->def->fam == KF_C25519 ? c25519_keypair(k) : ecdh_keypair(k);
		if (r < 0)
			return r;
		if ((r = kw_ssh_put_u8(out, KW_SSH_MSG_KEXDH_INIT)) < 0 ||
		    (r = kw_ssh_put_string(out, k->q_c, k->q_c_len)) < 0)
			goto fail;
		break;
	case KF_DH:
		BN_free(k->p);
		BN_free(k->g);
		k->p = k->def->prime(NULL);
		k->g = BN_new();
		if (!k->p || !k->g || BN_set_word(k->g, 2) != 1)
			return KW_E_CRYPTO;
		if ((r = dh_keypair(k)) < 0)
			return r;
		if ((r = kw_ssh_put_u8(out, KW_SSH_MSG_KEXDH_INIT)) < 0 || (r = put_bn(out, k->e)) < 0)
			goto fail;
		break;
	case KF_GEX:
		k->gex_min = GEX_MIN;
		k->gex_n = GEX_N;
		k->gex_max = GEX_MAX;
		if ((r = kw_gex_request(out, k->gex_min, k->gex_n, k->gex_max)) < 0)
			goto fail;
		break;
	}
	k->st = ST_SENT;
	return 0;
fail:
	out->len = mark;
	out->s[mark] = '\0';
	return r;
}

/* ---- group exchange: the group ---- */


/* A KEX_DH_GEX_GROUP payload read and judged; p and g returned when wanted. */
static int gex_group_read(kw_buf payload, uint32_t min, uint32_t max, kw_gex_group *g,
			  BIGNUM **ret_p, BIGNUM **ret_g, char *err, size_t errlen)
{
	kw_buf b = payload, pm, gm;
	uint8_t type;
	int r;
	memset(g, 0, sizeof *g);
	if (kw_buf_get_u8(&b, &type) < 0 || type != KW_SSH_MSG_KEXDH_REPLY) {
		kw_errf(err, errlen, "not a KEX_DH_GEX_GROUP message");
		return KW_E_PARSE;
	}
	/* p's size is judged from its bytes, before anything converts it */
	kw_buf v;
	if (kw_buf_get_string(&b, &v) < 0) {
		kw_errf(err, errlen, "KEX_DH_GEX_GROUP: p is truncated");
		return KW_E_PARSE;
	}
	{
		kw_buf pv = v;
		const uint8_t *p = kw_buf_cur(&pv);
		size_t n = kw_buf_left(&pv);
		if (n && (p[0] & 0x80)) {
			kw_errf(err, errlen, "KEX_DH_GEX_GROUP: p is negative");
			return KW_E_PARSE;
		}
		while (n && !p[0]) {
			p++;
			n--;
		}
		pm = kw_buf_view(p, n);
		if (n > KW_GEX_P_MAX_BITS / 8 || kw_mpint_bits(pm) > KW_GEX_P_MAX_BITS) {
			kw_errf(err, errlen, "KEX_DH_GEX_GROUP: p has more than %u bits (%zu bytes)",
				(unsigned)KW_GEX_P_MAX_BITS, n);
			return KW_E_TOOBIG;
		}
	}
	if ((r = kw_buf_get_mpint(&b, &gm)) < 0) {
		kw_errf(err, errlen, "KEX_DH_GEX_GROUP: g is %s",
			r == KW_E_TOOBIG ? "too large" : "malformed");
		return KW_E_PARSE;
	}
	if (kw_buf_left(&b) != 0) {
		kw_errf(err, errlen, "KEX_DH_GEX_GROUP: %zu bytes after g", kw_buf_left(&b));
		return KW_E_PARSE;
	}
	g->bits = kw_mpint_bits(pm);
	g->in_range = g->bits >= min && g->bits <= max;
	g->p_odd = kw_buf_left(&pm) && (kw_buf_cur(&pm)[kw_buf_left(&pm) - 1] & 1);
	BIGNUM *bp = bn_from(pm), *bg = bn_from(gm), *pm1 = BN_new();
	if (!bp || !bg || !pm1 || (!BN_is_zero(bp) && !BN_sub(pm1, bp, BN_value_one()))) {
		BN_free(bp);
		BN_free(bg);
		BN_free(pm1);
		memset(g, 0, sizeof *g);
		kw_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	g->g_ok = !BN_is_zero(bp) && BN_cmp(bg, BN_value_one()) > 0 && BN_cmp(bg, pm1) < 0;
	BN_free(pm1);
	if (ret_p && ret_g) {
		*ret_p = bp;
		*ret_g = bg;
	} else {
		BN_free(bp);
		BN_free(bg);
	}
	return 0;
}

int kw_gex_group_parse(kw_buf payload, uint32_t min, uint32_t max, kw_gex_group *g, char *err,
		       size_t errlen)
{
	return gex_group_read(payload, min, max, g, NULL, NULL, err, errlen);
}

/* GEX_GROUP -> our x and e, GEX_INIT appended to out. */
static int gex_group_step(kw_kex *k, kw_buf msg, kw_sb *out, char *err, size_t errlen)
{
	kw_gex_group g;
	BIGNUM *p = NULL, *gen = NULL;
	int r = gex_group_read(msg, k->gex_min, k->gex_max, &g, &p, &gen, err, errlen);
	if (r == KW_E_TOOBIG)
		return KW_E_PARSE; /* a p over 16384 bits is a malformed reply here; err says so */
	if (r < 0)
		return r;
	if (!g.in_range || !g.p_odd || !g.g_ok) {
		if (!g.in_range)
			kw_errf(err, errlen, "the server's group has %u bits, outside the %u..%u asked for",
				g.bits, (unsigned)k->gex_min, (unsigned)k->gex_max);
		else if (!g.p_odd)
			kw_errf(err, errlen, "the server's group modulus p is even");
		else
			kw_errf(err, errlen, "the server's generator g is not in (1, p-1)");
		BN_free(p);
		BN_free(gen);
		return KW_E_PARSE;
	}
	BN_free(k->p);
	BN_free(k->g);
	k->p = p;
	k->g = gen;
	k->gex_bits = g.bits;
	if ((r = dh_keypair(k)) < 0) {
		kw_errf(err, errlen, "%s", r == -EINVAL ? "the fixed DH exponent does not fit the group"
							 : "cannot make a DH key for the group");
		return r;
	}
	size_t mark = out->len;
	if ((r = kw_ssh_put_u8(out, KW_SSH_MSG_KEX_DH_GEX_INIT)) < 0 || (r = put_bn(out, k->e)) < 0) {
		out->len = mark;
		out->s[mark] = '\0';
		return r;
	}
	k->st = ST_GEX_INIT_SENT;
	return 1;
}

/* ---- shared secrets ---- */

/* Our EVP key with the peer's: the raw secret into *ret (caller wipes and frees). */
static int derive(EVP_PKEY *ours, EVP_PKEY *peer, uint8_t **ret, size_t *ret_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
	size_t n = 0;
	uint8_t *s = NULL;
	int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
		 EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 && /* 1: validate the peer */
		 EVP_PKEY_derive(ctx, NULL, &n) == 1 && n > 0 && n <= 256 && (s = malloc(n)) &&
		 EVP_PKEY_derive(ctx, s, &n) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		if (s) {
			OPENSSL_cleanse(s, n);
			free(s);
		}
		return KW_E_CRYPTO;
	}
	*ret = s;
	*ret_len = n;
	return 0;
}

/* Q_S checked and combined with our key; K appended to kout as an mpint. */
static int ecdh_shared(kw_kex *k, kw_buf qs, kw_sb *kout, char *err, size_t errlen)
{
	EVP_PKEY *peer = NULL;
	int r;
	const uint8_t *q = kw_buf_cur(&qs);
	size_t qn = kw_buf_left(&qs);
	if (k->def->fam == KF_C25519) {
		if (qn != 32) {
			kw_errf(err, errlen, "the server's X25519 value has %zu bytes, not 32", qn);
			return KW_E_PARSE;
		}
		peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, q, qn);
		if (!peer)
			return KW_E_CRYPTO;
	} else {
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
		if (!bld)
			return -ENOMEM;
		if (qn == 0 || qn > EC_POINT_MAX ||
		    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, k->def->group,
						    0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qn) != 1 ||
		    pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY, &peer) < 0) {
			OSSL_PARAM_BLD_free(bld);
			kw_errf(err, errlen, "the server's ECDH value is not a point on %s", k->def->group);
			return KW_E_PARSE;
		}
		OSSL_PARAM_BLD_free(bld);
	}
	uint8_t *s = NULL;
	size_t sn = 0;
	r = derive(k->eph, peer, &s, &sn);
	EVP_PKEY_free(peer);
	if (r < 0) {
		if (k->def->fam == KF_C25519)
			kw_errf(err, errlen, "the server's X25519 value gives an all-zero shared secret");
		else
			kw_errf(err, errlen, "the server's ECDH point fails the public key check on %s",
				k->def->group);
		return KW_E_PARSE;
	}
	bool zero = true;
	for (size_t i = 0; i < sn; i++)
		zero = zero && s[i] == 0;
	if (zero) {
		kw_errf(err, errlen, "the shared secret is all zero");
		r = KW_E_PARSE;
	} else {
		/* RFC 8731 §3.1, RFC 5656 §4: the raw bytes as an unsigned big-endian mpint */
		r = kw_ssh_put_mpint(kout, s, sn);
	}
	OPENSSL_cleanse(s, sn);
	free(s);
	return r;
}

/* f checked as OpenSSH's dh_pub_is_valid does; K = f^x mod p appended as an mpint. */
static int dh_shared(kw_kex *k, const BIGNUM *f, kw_sb *kout, char *err, size_t errlen)
{
	int r = KW_E_CRYPTO;
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *pm1 = BN_new(), *kk = BN_secure_new();
	if (!bctx || !pm1 || !kk || !BN_sub(pm1, k->p, BN_value_one()))
		goto out;
	if (BN_cmp(f, BN_value_one()) <= 0 || BN_cmp(f, pm1) >= 0) {
		kw_errf(err, errlen, "the server's DH value f is not in (1, p-1)");
		r = KW_E_PARSE;
		goto out;
	}
	int set = 0, nb = BN_num_bits(f);
	for (int i = 0; i < nb && set < 4; i++)
		set += BN_is_bit_set(f, i) ? 1 : 0;
	if (set < 4) {
		kw_errf(err, errlen, "the server's DH value f has fewer than 4 bits set");
		r = KW_E_PARSE;
		goto out;
	}
	if (BN_mod_exp_mont_consttime(kk, f, k->x, k->p, bctx, NULL) != 1)
		goto out;
	r = put_bn(kout, kk);
out:
	BN_clear_free(kk);
	BN_free(pm1);
	BN_CTX_free(bctx);
	return r;
}

/* ---- host keys and signatures ---- */

static void unverified(kw_kex_result *res, int verr, const char *why)
{
	res->verified = false;
	res->verify_err = verr;
	snprintf(res->why, sizeof res->why, "%s", why);
}

/* K_S as an EVP_PKEY of the family hk names (the blob was decoded by kw_pubkey_from_blob
 * already; it is read again here with the same bounds). */
static int hostkey_pkey(const hk_def *hk, kw_buf ks, EVP_PKEY **ret)
{
	kw_buf b = ks, v, m[4];
	int rc = KW_E_PARSE;
	if (kw_buf_get_string(&b, &v) < 0)
		return KW_E_PARSE;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[4] = { NULL, NULL, NULL, NULL };
	if (!bld)
		return -ENOMEM;
	switch (hk->fam) {
	case HK_ED25519:
		if (kw_buf_get_string(&b, &v) < 0 || kw_buf_left(&v) != 32 || kw_buf_left(&b) != 0)
			goto out;
		*ret = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, kw_buf_cur(&v), 32);
		rc = *ret ? 0 : KW_E_CRYPTO;
		goto out;
	case HK_ECDSA:
		if (kw_buf_get_string(&b, &v) < 0 || kw_buf_get_string(&b, &v) < 0 || kw_buf_left(&b) != 0)
			goto out;
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, hk->group, 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, kw_buf_cur(&v),
						     kw_buf_left(&v)) != 1)
			goto out;
		rc = pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY, ret);
		goto out;
	case HK_RSA:
		/* e, n */
		if (kw_buf_get_mpint(&b, &m[0]) < 0 || kw_buf_get_mpint(&b, &m[1]) < 0 || kw_buf_left(&b) != 0)
			goto out;
		if (!(bn[0] = bn_from(m[0])) || !(bn[1] = bn_from(m[1])))
			goto out;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn[1]) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn[0]) != 1)
			goto out;
		rc = pkey_fromdata("RSA", bld, EVP_PKEY_PUBLIC_KEY, ret);
		goto out;
	case HK_DSA:
		/* p, q, g, y */
		for (int i = 0; i < 4; i++)
			if (kw_buf_get_mpint(&b, &m[i]) < 0 || !(bn[i] = bn_from(m[i])))
				goto out;
		if (kw_buf_left(&b) != 0)
			goto out;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, bn[0]) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, bn[1]) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, bn[2]) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn[3]) != 1)
			goto out;
		rc = pkey_fromdata("DSA", bld, EVP_PKEY_PUBLIC_KEY, ret);
		goto out;
	}
out:
	for (int i = 0; i < 4; i++)
		BN_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* (r, s) as the DER SEQUENCE libcrypto verifies (ECDSA or DSA). */
static int rs_der(bool dsa, kw_buf r, kw_buf s, uint8_t **der, size_t *der_len)
{
	BIGNUM *br = bn_from(r), *bs = bn_from(s);
	int n = -1;
	uint8_t *buf = NULL, *pp;
	if (!br || !bs)
		goto fail;
	if (dsa) {
		DSA_SIG *sig = DSA_SIG_new();
		if (!sig || DSA_SIG_set0(sig, br, bs) != 1) {
			DSA_SIG_free(sig);
			goto fail;
		}
		br = bs = NULL;
		n = i2d_DSA_SIG(sig, NULL);
		if (n > 0 && (buf = malloc((size_t)n))) {
			pp = buf;
			n = i2d_DSA_SIG(sig, &pp);
		}
		DSA_SIG_free(sig);
	} else {
		ECDSA_SIG *sig = ECDSA_SIG_new();
		if (!sig || ECDSA_SIG_set0(sig, br, bs) != 1) {
			ECDSA_SIG_free(sig);
			goto fail;
		}
		br = bs = NULL;
		n = i2d_ECDSA_SIG(sig, NULL);
		if (n > 0 && (buf = malloc((size_t)n))) {
			pp = buf;
			n = i2d_ECDSA_SIG(sig, &pp);
		}
		ECDSA_SIG_free(sig);
	}
	if (n <= 0 || !buf)
		goto fail;
	*der = buf;
	*der_len = (size_t)n;
	return 0;
fail:
	free(buf);
	BN_free(br);
	BN_free(bs);
	return KW_E_CRYPTO;
}

/* 1 good, 0 bad, <0 could not run */
static int evp_verify(EVP_PKEY *pk, const char *md, const uint8_t *sig, size_t siglen,
		      const uint8_t *msg, size_t msglen)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	if (!mctx)
		return -ENOMEM;
	int r = -1;
	if (EVP_DigestVerifyInit_ex(mctx, NULL, md, NULL, NULL, pk, NULL) == 1)
		r = EVP_DigestVerify(mctx, sig, siglen, msg, msglen) == 1 ? 1 : 0;
	EVP_MD_CTX_free(mctx);
	return r;
}

/* The signature over H checked with K_S; the verdict goes into res. <0 only for -ENOMEM. */
static int check_signature(const hk_def *hk, kw_buf ks, kw_buf sigblob, const uint8_t *h,
			   size_t hlen, kw_kex_result *res)
{
	char why[160];
	kw_buf b = sigblob, name, body;
	if (kw_buf_get_string(&b, &name) < 0 || kw_buf_get_string(&b, &body) < 0 ||
	    kw_buf_left(&b) != 0) {
		unverified(res, KW_E_PARSE, "the signature blob is malformed");
		return 0;
	}
	if (!kw_buf_eq(&name, hk->name)) {
		snprintf(why, sizeof why, "the signature is not an %s signature (the negotiated algorithm)",
			 hk->name);
		unverified(res, KW_E_SIGNATURE, why);
		return 0;
	}
	EVP_PKEY *pk = NULL;
	int r = hostkey_pkey(hk, ks, &pk);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		snprintf(why, sizeof why, "the host key is not a valid %s key", hk->label);
		unverified(res, KW_E_PARSE, why);
		return 0;
	}
	const uint8_t *sp = kw_buf_cur(&body);
	size_t sn = kw_buf_left(&body);
	uint8_t *owned = NULL;
	bool malformed = false;
	switch (hk->fam) {
	case HK_ED25519:
		malformed = sn != 64;
		break;
	case HK_ECDSA: {
		kw_buf rr, ss;
		if (kw_buf_get_mpint(&body, &rr) < 0 || kw_buf_get_mpint(&body, &ss) < 0 || kw_buf_left(&body) != 0 ||
		    rs_der(false, rr, ss, &owned, &sn) < 0) {
			malformed = true;
			break;
		}
		sp = owned;
		break;
	}
	case HK_RSA: {
		int modlen = EVP_PKEY_get_size(pk);
		if (modlen <= 0 || sn == 0 || sn > (size_t)modlen) {
			malformed = true;
			break;
		}
		if (sn < (size_t)modlen) { /* left-pad a short signature, as OpenSSH does */
			owned = calloc(1, (size_t)modlen);
			if (!owned) {
				EVP_PKEY_free(pk);
				return -ENOMEM;
			}
			memcpy(owned + (size_t)modlen - sn, sp, sn);
			sp = owned;
			sn = (size_t)modlen;
		}
		break;
	}
	case HK_DSA:
		if (sn != 40 ||
		    rs_der(true, kw_buf_view(sp, 20), kw_buf_view(sp + 20, 20), &owned, &sn) < 0) {
			malformed = true;
			break;
		}
		sp = owned;
		break;
	}
	if (malformed) {
		snprintf(why, sizeof why, "the %s signature is malformed", hk->name);
		unverified(res, KW_E_PARSE, why);
		free(owned);
		EVP_PKEY_free(pk);
		return 0;
	}
	r = evp_verify(pk, hk->md, sp, sn, h, hlen);
	free(owned);
	EVP_PKEY_free(pk);
	if (r == -ENOMEM)
		return r;
	if (r == 1) {
		res->verified = true;
		res->verify_err = 0;
		res->why[0] = '\0';
	} else {
		unverified(res, KW_E_SIGNATURE, "signature over the exchange hash does not verify");
	}
	return 0;
}

/* Whether the signature proves possession of K_S, into res (verified, verify_err, why).
 * key is K_S decoded (unknown_type: kw_pubkey_from_blob did not know its type). <0 only
 * for -ENOMEM. */
static int verdict(const char *hostkey_alg, kw_buf ks, const kw_pubkey *key, bool unknown_type,
		   kw_buf sig, const uint8_t *h, size_t hlen, kw_kex_result *res)
{
	const hk_def *hk = hk_by_name(hostkey_alg);
	if (!hk) {
		if (strstr(hostkey_alg, "-cert-v01@openssh.com"))
			unverified(res, KW_E_UNSUPPORTED,
				   "host certificates are not verified (only plain host keys are)");
		else if (strncmp(hostkey_alg, "sk-", 3) == 0)
			unverified(res, KW_E_UNSUPPORTED, "security-key (sk-) host keys are not verified");
		else
			unverified(res, KW_E_UNSUPPORTED,
				   "the host key algorithm is not one keyward can verify");
		return 0;
	}
	if (unknown_type || strcmp(key->type, hk->keytype) != 0) {
		char why[160];
		snprintf(why, sizeof why, "the host key is of type %s, which does not fit %s",
			 unknown_type ? "unknown" : key->label, hk->name);
		unverified(res, KW_E_PARSE, why);
		return 0;
	}
	return check_signature(hk, ks, sig, h, hlen, res);
}

int kw_kex_verify(const char *hostkey_alg, kw_buf ks, kw_buf sig, const uint8_t *data, size_t len,
		  kw_kex_result *res)
{
	if (!hostkey_alg || !res || (!data && len))
		return -EINVAL;
	kw_pubkey key;
	int r = kw_pubkey_from_blob(kw_buf_cur(&ks), kw_buf_left(&ks), &key);
	if (r == -ENOMEM)
		return r;
	if (r < 0 && r != KW_E_UNSUPPORTED) {
		unverified(res, KW_E_PARSE, "the host key blob does not decode");
		return 0;
	}
	return verdict(hostkey_alg, ks, &key, r == KW_E_UNSUPPORTED, sig, data, len, res);
}

/* ---- the reply ---- */

static int put_transcript(const kw_kex *k, kw_sb *h, kw_buf ks)
{
	int r;
	if ((r = kw_ssh_put_string(h, k->v_c, strlen(k->v_c))) < 0 ||
	    (r = kw_ssh_put_string(h, k->v_s, strlen(k->v_s))) < 0 ||
	    (r = kw_ssh_put_string(h, k->i_c, k->i_c_len)) < 0 ||
	    (r = kw_ssh_put_string(h, k->i_s, k->i_s_len)) < 0 ||
	    (r = kw_ssh_put_string(h, kw_buf_cur(&ks), kw_buf_left(&ks))) < 0)
		return r;
	return 0;
}

void kw_kex_result_release(kw_kex_result *r)
{
	if (!r)
		return;
	free(r->hostkey);
	memset(r, 0, sizeof *r);
}

/* KEXDH_REPLY / KEX_ECDH_REPLY / KEX_DH_GEX_REPLY: K_S, the server's value, the
 * signature; H computed and the signature checked. */
static int reply_step(kw_kex *k, kw_buf msg, kw_kex_result *res, char *err, size_t errlen)
{
	kw_buf b = msg, ks, qs, sig, fm;
	uint8_t type;
	int r;
	bool dh = k->def->fam == KF_DH || k->def->fam == KF_GEX;
	if (kw_buf_get_u8(&b, &type) < 0)
		return KW_E_PARSE;
	if (kw_buf_get_string(&b, &ks) < 0) {
		kw_errf(err, errlen, "the reply's host key K_S is truncated");
		return KW_E_PARSE;
	}
	if (dh) {
		if ((r = kw_buf_get_mpint(&b, &fm)) < 0) {
			kw_errf(err, errlen, "the reply's DH value f is %s",
				r == KW_E_TOOBIG ? "over 16384 bits" : "malformed or truncated");
			return KW_E_PARSE;
		}
	} else if (kw_buf_get_string(&b, &qs) < 0) {
		kw_errf(err, errlen, "the reply's ephemeral value is truncated");
		return KW_E_PARSE;
	}
	if (kw_buf_get_string(&b, &sig) < 0) {
		kw_errf(err, errlen, "the reply's signature is truncated");
		return KW_E_PARSE;
	}
	if (kw_buf_left(&b) != 0) {
		kw_errf(err, errlen, "%zu bytes after the reply's signature", kw_buf_left(&b));
		return KW_E_PARSE;
	}

	kw_kex_result out = { 0 };
	r = kw_pubkey_from_blob(kw_buf_cur(&ks), kw_buf_left(&ks), &out.key);
	if (r == KW_E_PARSE) {
		kw_errf(err, errlen, "the host key K_S does not decode");
		return KW_E_PARSE;
	}
	bool unknown_type = r == KW_E_UNSUPPORTED;
	if (r < 0 && !unknown_type) {
		kw_errf(err, errlen, "cannot fingerprint the host key");
		return r;
	}

	/* H = hash(V_C, V_S, I_C, I_S, K_S, <kex values>, K) */
	kw_sb h, kbuf;
	kw_sb_init(&h);
	kw_sb_init(&kbuf);
	if ((r = put_transcript(k, &h, ks)) < 0)
		goto out;
	if (dh) {
		BIGNUM *f = bn_from(fm);
		if (!f) {
			r = KW_E_CRYPTO;
			goto out;
		}
		r = dh_shared(k, f, &kbuf, err, errlen);
		BN_free(f);
		if (r < 0)
			goto out;
		if (k->def->fam == KF_GEX &&
		    ((r = kw_ssh_put_u32(&h, k->gex_min)) < 0 ||
		     (r = kw_ssh_put_u32(&h, k->gex_n)) < 0 ||
		     (r = kw_ssh_put_u32(&h, k->gex_max)) < 0 || (r = put_bn(&h, k->p)) < 0 ||
		     (r = put_bn(&h, k->g)) < 0))
			goto out;
		if ((r = put_bn(&h, k->e)) < 0 ||
		    (r = kw_ssh_put_mpint(&h, kw_buf_cur(&fm), kw_buf_left(&fm))) < 0)
			goto out;
	} else {
		if ((r = ecdh_shared(k, qs, &kbuf, err, errlen)) < 0)
			goto out;
		if ((r = kw_ssh_put_string(&h, k->q_c, k->q_c_len)) < 0 ||
		    (r = kw_ssh_put_string(&h, kw_buf_cur(&qs), kw_buf_left(&qs))) < 0)
			goto out;
	}
	if ((r = kw_sb_put(&h, kbuf.s, kbuf.len)) < 0)
		goto out;
	uint8_t hash[EVP_MAX_MD_SIZE];
	size_t hlen = 0;
	if (EVP_Q_digest(NULL, k->def->md, NULL, h.s, h.len, hash, &hlen) != 1) {
		kw_errf(err, errlen, "cannot compute the exchange hash");
		r = KW_E_CRYPTO;
		goto out;
	}

	snprintf(out.hostkey_alg, sizeof out.hostkey_alg, "%s", k->hostkey_alg);
	out.gex_bits = k->def->fam == KF_GEX ? k->gex_bits : 0;
	if ((r = verdict(k->hostkey_alg, ks, &out.key, unknown_type, sig, hash, hlen, &out)) < 0)
		goto out;
	OPENSSL_cleanse(hash, sizeof hash);
	out.hostkey = memdup(kw_buf_cur(&ks), kw_buf_left(&ks));
	if (!out.hostkey) {
		r = -ENOMEM;
		goto out;
	}
	out.hostkey_len = kw_buf_left(&ks);
	*res = out;
	r = 0;
out:
	sb_wipe_release(&h);
	sb_wipe_release(&kbuf);
	return r;
}

int kw_kex_step(kw_kex *k, kw_buf msg, kw_sb *out, kw_kex_result *res, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!k || !out || !res)
		return -EINVAL;
	if (k->st != ST_SENT && k->st != ST_GEX_INIT_SENT) {
		kw_errf(err, errlen, "%s",
			k->st == ST_NEW ? "kw_kex_first was not called" : "the key exchange is over");
		return -EINVAL;
	}
	if (!k->have_transcript) {
		kw_errf(err, errlen, "no transcript: call kw_kex_set_transcript first");
		return -EINVAL;
	}
	kw_buf b = msg;
	uint8_t type;
	if (kw_buf_get_u8(&b, &type) < 0) {
		kw_errf(err, errlen, "empty message");
		return KW_E_PARSE;
	}
	uint8_t want = KW_SSH_MSG_KEXDH_REPLY;
	if (k->def->fam == KF_GEX && k->st == ST_GEX_INIT_SENT)
		want = KW_SSH_MSG_KEX_DH_GEX_REPLY;
	if (type != want) {
		kw_errf(err, errlen, "expected message %u from the server, got %u", want, type);
		return KW_E_PARSE;
	}
	int r;
	if (k->def->fam == KF_GEX && k->st == ST_SENT) {
		r = gex_group_step(k, msg, out, err, errlen);
	} else {
		r = reply_step(k, msg, res, err, errlen);
		if (r == 0)
			k->st = ST_DONE;
	}
	/* every error says something, if only what kind it is */
	if (r < 0 && err && errlen && !err[0])
		kw_errf(err, errlen, "%s", kw_strerror(r));
	return r;
}
