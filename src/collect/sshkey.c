/* sshkey.c — SSH public key blobs, authorized_keys files and private key recognition
 * (see sshkey.h for the interface).
 *
 * Owned by the "parsers" module (collect/accounts, sshkey, sudoers). Pure functions over
 * bytes from a target; libcrypto does SHA-256, MD5, base64 and bignum sizes.
 *
 * Public key blobs (RFC 4253 6.6, PROTOCOL.certkeys, PROTOCOL.u2f) are read through
 * kw_buf, which checks every length before reading. A blob must be consumed exactly, as
 * OpenSSH requires. Fingerprints match `ssh-keygen -l` (and `-E md5`): SHA-256 (MD5)
 * over the blob of the *plain* key — for a certificate that is the plain key type name
 * followed by the key fields inside the certificate, not the whole certificate.
 *
 * authorized_keys lines are read the way sshd does (auth2-pubkeyfile.c and
 * sshkey_read()): first try "type base64 comment" at the start of the line; when that
 * fails, the first field is the options field (commas and blanks inside double quotes,
 * \" escapes a quote), and the key follows it. The options are then read as sshd's
 * sshauthopt_parse() reads them (kw_authopts: the values, sshd's verdict and its reason);
 * a line sshd would skip for its options, or because the key type in the text is not the
 * blob's, is still recorded, flagged, with a diagnostic.
 *
 * Private keys: we look at the armour and at most the public header. For the OpenSSH
 * format we base64-decode only as many bytes as it takes to reach the end of the first
 * public key, never the private section; for encrypted PKCS#8 only the algorithm
 * identifier. Decoded bytes are wiped before they are freed.
 */
#include "collect/sshkey.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define KW_B64_MAX ((size_t)64 << 20)      /* kw_base64_decode input cap */
#define KW_AK_MAX_LINE 16384               /* authorized_keys line cap */
#define KW_AK_MAX_KEYS 100000
#define KW_AK_MAX_LINES 1000000u
#define KW_PK_SCAN 8192                    /* private key armour must start in here */
#define KW_PK_PUB_MAX ((size_t)64 << 10)   /* OpenSSH: largest public key we decode */

/* ---- key types ---- */

typedef enum kt_base { KT_RSA = 1, KT_DSA, KT_ECDSA, KT_ED25519, KT_ECDSA_SK, KT_ED25519_SK } kt_base;

typedef struct keytype {
	const char *name;  /* wire name */
	const char *label; /* ssh-keygen's short name */
	kt_base base;
	bool cert;
	const char *curve; /* ECDSA: the curve name inside the blob */
	unsigned bits;     /* fixed size, or 0: from the key */
	const char *plain; /* certificates: the plain key's wire name */
} keytype;

static const keytype keytypes[] = {
	{ "ssh-rsa", "RSA", KT_RSA, false, NULL, 0, NULL },
	{ "ssh-dss", "DSA", KT_DSA, false, NULL, 0, NULL },
	{ "ecdsa-sha2-nistp256", "ECDSA", KT_ECDSA, false, "nistp256", 256, NULL },
	{ "ecdsa-sha2-nistp384", "ECDSA", KT_ECDSA, false, "nistp384", 384, NULL },
	{ "ecdsa-sha2-nistp521", "ECDSA", KT_ECDSA, false, "nistp521", 521, NULL },
	{ "ssh-ed25519", "ED25519", KT_ED25519, false, NULL, 256, NULL },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", KT_ECDSA_SK, false, "nistp256", 256, NULL },
	{ "sk-ssh-ed25519@openssh.com", "ED25519-SK", KT_ED25519_SK, false, NULL, 256, NULL },
	{ "ssh-rsa-cert-v01@openssh.com", "RSA-CERT", KT_RSA, true, NULL, 0, "ssh-rsa" },
	{ "ssh-dss-cert-v01@openssh.com", "DSA-CERT", KT_DSA, true, NULL, 0, "ssh-dss" },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT", KT_ECDSA, true, "nistp256", 256,
	  "ecdsa-sha2-nistp256" },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ECDSA-CERT", KT_ECDSA, true, "nistp384", 384,
	  "ecdsa-sha2-nistp384" },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT", KT_ECDSA, true, "nistp521", 521,
	  "ecdsa-sha2-nistp521" },
	{ "ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT", KT_ED25519, true, NULL, 256, "ssh-ed25519" },
	{ "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-SK-CERT", KT_ECDSA_SK, true, "nistp256",
	  256, "sk-ecdsa-sha2-nistp256@openssh.com" },
	{ "sk-ssh-ed25519-cert-v01@openssh.com", "ED25519-SK-CERT", KT_ED25519_SK, true, NULL, 256,
	  "sk-ssh-ed25519@openssh.com" },
};

static int keytype_by_wire(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(keytypes); i++)
		if (strlen(keytypes[i].name) == n && memcmp(keytypes[i].name, p, n) == 0)
			return (int)i;
	return -1;
}

/* The key type a text token names, as sshkey_read() accepts it: a wire name, or an RSA
 * signature algorithm name (which OpenSSH maps to the RSA key type). ssh-keygen's short
 * names ("ED25519") are not accepted by sshkey_read() in OpenSSH 9.2 or later. */
static int keytype_by_text(const uint8_t *p, size_t n)
{
	int i = keytype_by_wire(p, n);
	if (i >= 0)
		return i;
	static const struct { const char *alias, *name; } aliases[] = {
		{ "rsa-sha2-256", "ssh-rsa" },
		{ "rsa-sha2-512", "ssh-rsa" },
		{ "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com" },
		{ "rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com" },
	};
	for (size_t k = 0; k < KW_ARRAY_LEN(aliases); k++)
		if (strlen(aliases[k].alias) == n && memcmp(aliases[k].alias, p, n) == 0)
			return keytype_by_wire((const uint8_t *)aliases[k].name, strlen(aliases[k].name));
	return -1;
}

/* ---- base64 ---- */

static bool is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static unsigned b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a') + 26;
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0') + 52;
	return c == '+' ? 62 : 63;
}

int kw_base64_decode(const char *text, size_t len, uint8_t **ret, size_t *ret_len)
{
	const uint8_t *t = (const uint8_t *)text;
	if (!text || len == 0 || len % 4 != 0)
		return KW_E_PARSE;
	if (len > KW_B64_MAX)
		return KW_E_TOOBIG;
	size_t pad = 0;
	while (pad < 2 && t[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!is_b64(t[i]))
			return KW_E_PARSE;
	/* the bits a padded group leaves over must be zero (OpenSSH's b64_pton checks) */
	if (pad == 1 && (b64_val(t[len - 2]) & 0x3) != 0)
		return KW_E_PARSE;
	if (pad == 2 && (b64_val(t[len - 3]) & 0xf) != 0)
		return KW_E_PARSE;
	uint8_t *out = malloc(len / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	int n = EVP_DecodeBlock(out, t, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return KW_E_PARSE;
	}
	*ret = out;
	*ret_len = (size_t)n - pad;
	return 0;
}

/* Decode, then wipe and free: for bytes from private key files. */
static void free_wiped(uint8_t *p, size_t n)
{
	if (p) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

/* ---- blobs ---- */

/* SHA-256 and MD5, fetched once: OpenSSL 3 looks EVP_sha256() up again on every call,
 * which was a twentieth of keys scan's time. MD5 is NULL where the library refuses it
 * (FIPS); the fetched objects live as long as the process. */
static EVP_MD *md_sha256, *md_md5;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
}

/* A digest over (optional SSH string prefix) + bytes into out (at least EVP_MAX_MD_SIZE). */
static int digest(const EVP_MD *md, const char *prefix, const uint8_t *p, size_t n, uint8_t *out,
		  unsigned *outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int ok = md && EVP_DigestInit_ex(ctx, md, NULL);
	if (ok && prefix) {
		size_t pl = strlen(prefix);
		uint8_t len4[4] = { (uint8_t)(pl >> 24), (uint8_t)(pl >> 16), (uint8_t)(pl >> 8),
				    (uint8_t)pl };
		ok = EVP_DigestUpdate(ctx, len4, 4) && EVP_DigestUpdate(ctx, prefix, pl);
	}
	ok = ok && EVP_DigestUpdate(ctx, p, n) && EVP_DigestFinal_ex(ctx, out, outlen);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KW_E_CRYPTO;
}

/* "SHA256:" + unpadded base64 of SHA-256 over (optional string prefix) + bytes. */
static int fingerprint(const char *prefix, const uint8_t *p, size_t n, char out[KW_FP_LEN])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	pthread_once(&md_once, fetch_digests);
	int r = digest(md_sha256, prefix, p, n, md, &mdlen);
	if (r < 0)
		return r;
	if (mdlen != 32)
		return KW_E_CRYPTO;
	uint8_t b64[48];
	int bl = EVP_EncodeBlock(b64, md, (int)mdlen);
	if (bl != 44)
		return KW_E_CRYPTO;
	while (bl > 0 && b64[bl - 1] == '=')
		bl--;
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, (size_t)bl);
	out[7 + bl] = '\0';
	return 0;
}

/* "MD5:" + the 16 bytes in lowercase hex joined by ':' (ssh-keygen -E md5, the old
 * SSH_FP_HEX form). KW_E_CRYPTO when the library has no MD5 (FIPS). */
static int fingerprint_md5(const char *prefix, const uint8_t *p, size_t n,
			   char out[KW_FP_MD5_LEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	pthread_once(&md_once, fetch_digests);
	int r = digest(md_md5, prefix, p, n, md, &mdlen);
	if (r < 0)
		return r;
	if (mdlen != 16)
		return KW_E_CRYPTO;
	char *o = out;
	memcpy(o, "MD5:", 4);
	o += 4;
	for (unsigned i = 0; i < mdlen; i++) {
		if (i)
			*o++ = ':';
		*o++ = hex[md[i] >> 4];
		*o++ = hex[md[i] & 0xf];
	}
	*o = '\0';
	return 0;
}

/* Both fingerprints; MD5 stays "" where libcrypto refuses it. */
static int fingerprints(const char *prefix, const uint8_t *p, size_t n, kw_pubkey *k)
{
	int r = fingerprint(prefix, p, n, k->fp);
	if (r < 0)
		return r;
	r = fingerprint_md5(prefix, p, n, k->fp_md5);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		k->fp_md5[0] = '\0';
	return 0;
}

/* An mpint (RFC 4251): non-negative, at most 16384 bits; its size in bits. */
static int get_mpint_bits(kw_buf *b, unsigned *bits)
{
	kw_buf mag;
	if (kw_buf_get_mpint(b, &mag) < 0)
		return KW_E_PARSE;
	*bits = kw_mpint_bits(mag);
	return 0;
}

/* The key fields of a type (after the type name, and after the nonce of a cert). */
static int get_key_fields(kw_buf *b, const keytype *t, unsigned *bits)
{
	kw_buf v;
	unsigned e_bits = 0;
	switch (t->base) {
	case KT_RSA:
		/* e, n */
		if (get_mpint_bits(b, &e_bits) < 0 || get_mpint_bits(b, bits) < 0)
			return KW_E_PARSE;
		if (e_bits == 0 || *bits == 0)
			return KW_E_PARSE;
		return 0;
	case KT_DSA: {
		/* p, q, g, y */
		unsigned q, g, y;
		if (get_mpint_bits(b, bits) < 0 || get_mpint_bits(b, &q) < 0 ||
		    get_mpint_bits(b, &g) < 0 || get_mpint_bits(b, &y) < 0)
			return KW_E_PARSE;
		if (*bits == 0 || q == 0 || g == 0 || y == 0)
			return KW_E_PARSE;
		return 0;
	}
	case KT_ECDSA:
	case KT_ECDSA_SK: {
		if (kw_buf_get_string(b, &v) < 0 || !kw_buf_eq(&v, t->curve))
			return KW_E_PARSE;
		/* uncompressed point: 0x04 || X || Y */
		size_t coord = (t->bits + 7) / 8;
		if (kw_buf_get_string(b, &v) < 0 || kw_buf_left(&v) != 1 + 2 * coord ||
		    kw_buf_cur(&v)[0] != 0x04)
			return KW_E_PARSE;
		if (t->base == KT_ECDSA_SK && kw_buf_get_string(b, &v) < 0) /* application */
			return KW_E_PARSE;
		*bits = t->bits;
		return 0;
	}
	case KT_ED25519:
	case KT_ED25519_SK:
		if (kw_buf_get_string(b, &v) < 0 || kw_buf_left(&v) != 32)
			return KW_E_PARSE;
		if (t->base == KT_ED25519_SK && kw_buf_get_string(b, &v) < 0)
			return KW_E_PARSE;
		*bits = t->bits;
		return 0;
	}
	return KW_E_PARSE;
}

/* The certificate body after the key fields (PROTOCOL.certkeys). */
static int skip_cert_tail(kw_buf *b)
{
	kw_buf v;
	uint32_t u;
	/* serial (uint64), type */
	if (kw_buf_skip(b, 8) < 0 || kw_buf_get_u32(b, &u) < 0)
		return KW_E_PARSE;
	if (u != 1 && u != 2) /* SSH2_CERT_TYPE_USER / _HOST */
		return KW_E_PARSE;
	/* key id, principals */
	if (kw_buf_get_string(b, &v) < 0 || kw_buf_get_string(b, &v) < 0)
		return KW_E_PARSE;
	/* valid after, valid before */
	if (kw_buf_skip(b, 16) < 0)
		return KW_E_PARSE;
	/* critical options, extensions, reserved, signature key, signature */
	for (int i = 0; i < 5; i++)
		if (kw_buf_get_string(b, &v) < 0)
			return KW_E_PARSE;
	return 0;
}

static bool printable_name(const kw_buf *v, size_t max)
{
	size_t n = kw_buf_left(v);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = kw_buf_cur(v)[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

/* Decode a blob; *ret_index is the keytypes[] row or -1 (unknown type). */
static int pubkey_from_blob(const uint8_t *blob, size_t len, kw_pubkey *ret, int *ret_index)
{
	kw_buf b = kw_buf_view(blob, len);
	kw_buf tname;
	kw_pubkey k = { 0 };
	int r;

	if (!blob || kw_buf_get_string(&b, &tname) < 0 || !printable_name(&tname, sizeof k.type - 1))
		return KW_E_PARSE;
	memcpy(k.type, kw_buf_cur(&tname), kw_buf_left(&tname));
	int idx = keytype_by_wire(kw_buf_cur(&tname), kw_buf_left(&tname));
	if (idx < 0) {
		if ((r = fingerprints(NULL, blob, len, &k)) < 0)
			return r;
		strcpy(k.label, "UNKNOWN");
		*ret = k;
		*ret_index = -1;
		return KW_E_UNSUPPORTED;
	}
	const keytype *t = &keytypes[idx];
	kw_buf v;
	if (t->cert && kw_buf_get_string(&b, &v) < 0) /* nonce */
		return KW_E_PARSE;
	size_t fields_start = b.off;
	if ((r = get_key_fields(&b, t, &k.bits)) < 0)
		return r;
	size_t fields_end = b.off;
	if (t->cert && skip_cert_tail(&b) < 0)
		return KW_E_PARSE;
	if (kw_buf_left(&b) != 0)
		return KW_E_PARSE; /* trailing data */
	/* ssh-keygen fingerprints a certificate's plain key (sshkey_fingerprint) */
	if (t->cert)
		r = fingerprints(t->plain, blob + fields_start, fields_end - fields_start, &k);
	else
		r = fingerprints(NULL, blob, len, &k);
	if (r < 0)
		return r;
	strcpy(k.label, t->label);
	if (t->curve)
		strcpy(k.curve, t->curve); /* get_key_fields checked the blob names it */
	*ret = k;
	*ret_index = idx;
	return 0;
}

int kw_pubkey_from_blob(const uint8_t *blob, size_t len, kw_pubkey *ret)
{
	int idx;
	return pubkey_from_blob(blob, len, ret, &idx);
}

int kw_pubkey_fp_md5(const uint8_t *blob, size_t len, char out[KW_FP_MD5_LEN])
{
	kw_pubkey k;
	int idx;
	int r = pubkey_from_blob(blob, len, &k, &idx);
	if (r < 0 && r != KW_E_UNSUPPORTED)
		return r;
	if (!k.fp_md5[0])
		return KW_E_CRYPTO;
	memcpy(out, k.fp_md5, sizeof k.fp_md5);
	return r;
}

/* ---- "type base64 comment" ---- */

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static size_t token_len(const kw_buf *b)
{
	size_t i = 0, n = kw_buf_left(b);
	while (i < n && !is_blank(kw_buf_cur(b)[i]))
		i++;
	return i;
}

#define WHY_MISMATCH "the key type in the text does not match the key"

/* sshkey_read(): on success *s is left at the comment (blanks skipped) and *why is
 * NULL. On failure *why says why, in words that quote nothing from the input, and
 * *type_known tells whether the first token named a key type.
 * 1: the blob decodes, but to another type (or ECDSA curve) than the text names;
 * sshkey_read() fails with SSH_ERR_KEY_TYPE_MISMATCH / SSH_ERR_EC_CURVE_MISMATCH there.
 * *ret is filled with type_mismatch set and *s is left at the comment. */
struct kw_keymemo_row {
	char *b64;     /* the key's base64 text (owned) */
	char *ixkey;   /* its index key (owned; the index points at it) */
	int r;         /* what pubkey_from_blob returned */
	int got;       /* the type it found */
	kw_pubkey k;
};

void kw_keymemo_release(kw_keymemo *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].b64);
		free(m->v[i].ixkey);
	}
	free(m->v);
	kw_strindex_release(&m->ix);
	*m = (kw_keymemo){ 0 };
}

/* The memo's index key of a base64 text: its last 32 characters and its length. Hashing
 * the whole text (up to 2 KiB) would cost more than it saves; the tail of a key blob is
 * key material, so texts that share it are rare, and the row's full text decides. */
#define KEYMEMO_TAIL 32
static void keymemo_ixkey(const char *b64, size_t bl, char out[KEYMEMO_TAIL + 2 + KW_U64_DEC_MAX])
{
	size_t t = bl < KEYMEMO_TAIL ? bl : KEYMEMO_TAIL;
	memcpy(out, b64 + bl - t, t);
	out[t] = ':';
	size_t n = 1 + kw_u64_dec(bl, out + t + 1);
	out[t + n] = '\0';
}

/* Remember a decoded key (best effort: no memory, or another text with the same index
 * key, means it is decoded again next time) */
static void keymemo_put(kw_keymemo *m, const char *ixkey, const char *b64, size_t bl, int r,
			int got, const kw_pubkey *k)
{
	if (m->n >= KW_KEYMEMO_MAX)
		return;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		struct kw_keymemo_row *nv = realloc(m->v, nc * sizeof *nv);
		if (!nv)
			return;
		m->v = nv;
		m->cap = nc;
	}
	char *key = strdup(ixkey), *text = strndup(b64, bl);
	if (!key || !text || kw_strindex_put(&m->ix, key, m->n, NULL) != 0) {
		free(key);
		free(text);
		return;
	}
	m->v[m->n++] = (struct kw_keymemo_row){ .b64 = text, .ixkey = key, .r = r, .got = got, .k = *k };
}

/* The blob in base64 text: decoded and read, or taken from the memo */
static int decode_key(kw_keymemo *m, const char *b64, size_t bl, kw_pubkey *k, int *got,
		      const char **why)
{
	char ixkey[KEYMEMO_TAIL + 2 + KW_U64_DEC_MAX];
	bool memo = m && bl <= KW_KEYMEMO_TOKEN;
	if (memo) {
		keymemo_ixkey(b64, bl, ixkey);
		size_t i = kw_strindex_get(&m->ix, ixkey);
		if (i != KW_STRINDEX_NONE && !memcmp(m->v[i].b64, b64, bl)) {
			*k = m->v[i].k;
			*got = m->v[i].got;
			return m->v[i].r;
		}
	}
	uint8_t *blob = NULL;
	size_t blen = 0;
	int r = kw_base64_decode(b64, bl, &blob, &blen);
	if (r < 0) {
		*why = r == -ENOMEM ? "out of memory" : "bad base64 in the key";
		return r;
	}
	r = pubkey_from_blob(blob, blen, k, got);
	free(blob);
	if (memo && r != -ENOMEM && r != KW_E_CRYPTO)
		keymemo_put(m, ixkey, b64, bl, r, *got, k);
	return r;
}

static int read_key(kw_buf *s, kw_keymemo *m, kw_pubkey *ret, const char **why, bool *type_known)
{
	kw_buf c = *s;
	*type_known = false;
	size_t tl = token_len(&c);
	if (tl == kw_buf_left(&c)) {
		*why = "no key type and key";
		return KW_E_PARSE;
	}
	int want = keytype_by_text(kw_buf_cur(&c), tl);
	if (want < 0) {
		*why = "unknown key type";
		return KW_E_UNSUPPORTED;
	}
	*type_known = true;
	c.off += tl;
	kw_buf_skip_blanks(&c);
	size_t bl = token_len(&c);
	if (bl == 0) {
		*why = "no key after the key type";
		return KW_E_PARSE;
	}
	int got = -1;
	kw_pubkey k;
	const char *bwhy = NULL;
	int r = decode_key(m, (const char *)kw_buf_cur(&c), bl, &k, &got, &bwhy);
	if (bwhy) {
		*why = bwhy;
		return r;
	}
	if (r == -ENOMEM || r == KW_E_CRYPTO) {
		*why = "out of memory";
		return r;
	}
	if (r < 0 && r != KW_E_UNSUPPORTED) {
		*why = "malformed key blob";
		return r;
	}
	/* the token is a known type name (43 bytes at most): it fits text_type */
	memcpy(k.text_type, kw_buf_cur(s), tl);
	k.text_type[tl] = '\0';
	c.off += bl;
	kw_buf_skip_blanks(&c);
	*s = c;
	*ret = k;
	if (got != want) {
		ret->type_mismatch = true;
		*why = WHY_MISMATCH;
		return 1;
	}
	*why = NULL;
	return 0;
}

/* The rest of the line with trailing blanks removed; NULL if empty. */
static int take_comment(const kw_buf *s, char **ret)
{
	kw_buf c = kw_buf_trim(*s);
	if (kw_buf_left(&c) == 0) {
		*ret = NULL;
		return 0;
	}
	if (!(*ret = kw_buf_strdup(&c)))
		return -ENOMEM;
	return 0;
}

int kw_pubkey_parse_line(kw_buf line, kw_pubkey *ret, char **ret_comment)
{
	const char *why;
	bool known;
	kw_pubkey k;
	kw_buf_skip_blanks(&line);
	int r = read_key(&line, NULL, &k, &why, &known);
	if (r == 1) {
		*ret = k; /* type_mismatch set: say why, but the line is not a key */
		return KW_E_PARSE;
	}
	if (r < 0)
		return r;
	if (ret_comment && (r = take_comment(&line, ret_comment)) < 0)
		return r;
	*ret = k;
	return 0;
}

/* ---- authorized_keys ---- */

/* sshkey_advance_past_options(): the end of the options field, honouring quotes. */
static int advance_past_options(kw_buf *s)
{
	bool quoted = false;
	size_t i = s->off;
	for (; i < s->len && (quoted || !is_blank(s->p[i])); i++) {
		if (s->p[i] == '\\' && i + 1 < s->len && s->p[i + 1] == '"')
			i++;
		else if (s->p[i] == '"')
			quoted = !quoted;
	}
	if (quoted)
		return KW_E_PARSE;
	s->off = i;
	return 0;
}

/* ---- the options field, as sshd reads it ----
 *
 * The rules follow OpenSSH 9.2's auth-options.c (sshauthopt_parse, handle_permit) and
 * misc.c (opt_flag, opt_match, opt_dequote, parse_absolute_time, a2port, a2tun,
 * hpdelim2, valid_env_name); sshd(8) AUTHORIZED_KEYS FILE FORMAT describes them.
 * The error texts are sshd's own, as its debug log prints them after "bad key options: ".
 */

#define AO_ENV_MAX 1024    /* SSH_AUTHOPT_ENV_MAX: more is "too many environment strings" */
#define AO_PERMIT_MAX 4096 /* SSH_AUTHOPT_PERMIT_MAX */
#define AO_HOST_MAX 1025   /* NI_MAXHOST: a permit host must be shorter */

typedef enum ao_id {
	AO_RESTRICT,
	AO_CERT_AUTHORITY,
	AO_PORT_FWD,
	AO_AGENT_FWD,
	AO_X11_FWD,
	AO_TOUCH,
	AO_VERIFY,
	AO_PTY,
	AO_USER_RC,
	AO_COMMAND,
	AO_PRINCIPALS,
	AO_FROM,
	AO_EXPIRY,
	AO_ENV,
	AO_PERMITOPEN,
	AO_PERMITLISTEN,
	AO_TUNNEL,
} ao_id;

/* In the order sshd tries them. A flag matches as a prefix of the option, the negatable
 * ones also after "no-" (what follows must then be a comma or the end, so in effect the
 * name is matched whole); a value option is name="value". Names ignore ASCII case. */
typedef struct ao_def {
	const char *name;
	ao_id id;
	bool negatable;
	bool value;
} ao_def;

static const ao_def ao_defs[] = {
	{ "restrict", AO_RESTRICT, false, false },
	{ "cert-authority", AO_CERT_AUTHORITY, false, false },
	{ "port-forwarding", AO_PORT_FWD, true, false },
	{ "agent-forwarding", AO_AGENT_FWD, true, false },
	{ "x11-forwarding", AO_X11_FWD, true, false },
	{ "touch-required", AO_TOUCH, true, false },
	{ "verify-required", AO_VERIFY, true, false },
	{ "pty", AO_PTY, true, false },
	{ "user-rc", AO_USER_RC, true, false },
	{ "command", AO_COMMAND, false, true },
	{ "principals", AO_PRINCIPALS, false, true },
	{ "from", AO_FROM, false, true },
	{ "expiry-time", AO_EXPIRY, false, true },
	{ "environment", AO_ENV, false, true },
	{ "permitopen", AO_PERMITOPEN, false, true },
	{ "permitlisten", AO_PERMITLISTEN, false, true },
	{ "tunnel", AO_TUNNEL, false, true },
};

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool ascii_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool ascii_alnum(uint8_t c)
{
	return ascii_alpha(c) || (c >= '0' && c <= '9');
}

/* Does s hold the lowercase word w at `at`, ignoring ASCII case? */
static bool word_at(const kw_buf *s, size_t at, const char *w)
{
	size_t n = strlen(w);
	if (at > s->len || s->len - at < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(s->p[at + i]) != (uint8_t)w[i])
			return false;
	return true;
}

static bool ascii_caseeq(const char *a, const char *lower)
{
	kw_buf v = kw_buf_view(a, strlen(a));
	return kw_buf_left(&v) == strlen(lower) && word_at(&v, 0, lower);
}

/* The option at s->off; s moves past its name (and the '=' of a value option). NULL when
 * no name matches (nothing consumed). */
static const ao_def *match_option(kw_buf *s, bool *negated)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(ao_defs); i++) {
		const ao_def *d = &ao_defs[i];
		size_t at = s->off, nl = strlen(d->name);
		*negated = false;
		if (d->value) {
			if (word_at(s, at, d->name) && at + nl < s->len && s->p[at + nl] == '=') {
				s->off = at + nl + 1;
				return d;
			}
			continue;
		}
		if (d->negatable && word_at(s, at, "no-")) {
			at += 3;
			*negated = true;
		}
		if (word_at(s, at, d->name)) {
			s->off = at + nl;
			return d;
		}
	}
	*negated = false;
	return NULL;
}

/* A double-quoted value; \" stands for a quote, every other byte for itself. 0 and *ret
 * (owned), 1 with *err, or -ENOMEM. */
static int dequote(kw_buf *s, char **ret, const char **err)
{
	if (s->off >= s->len || s->p[s->off] != '"') {
		*err = "missing start quote";
		return 1;
	}
	size_t i = s->off + 1, o = 0;
	char *v = malloc(s->len - i + 1);
	if (!v)
		return -ENOMEM;
	while (i < s->len && s->p[i] != '"') {
		if (s->p[i] == '\\' && i + 1 < s->len && s->p[i + 1] == '"')
			i++;
		v[o++] = (char)s->p[i++];
	}
	if (i >= s->len) {
		free(v);
		*err = "missing end quote";
		return 1;
	}
	v[o] = '\0';
	s->off = i + 1;
	*ret = v;
	return 0;
}

/* OpenBSD's strtonum() as OpenSSH uses it: strtoll base 10 over the whole text (leading
 * white space and a sign allowed), within [min, max]. */
static bool str_to_num(const char *t, long long min, long long max, long long *ret)
{
	char *end;
	int saved = errno;
	errno = 0;
	long long v = strtoll(t, &end, 10);
	bool ok = end != t && *end == '\0' && errno != ERANGE && v >= min && v <= max;
	errno = saved;
	if (ok)
		*ret = v;
	return ok;
}

/* expiry-time: parse_absolute_time(). YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, then an
 * optional "Z" or "UTC" (any case) for UTC, else local time. sshd cuts the digits into
 * an ISO-like text and reads it with strptime(), so glibc's rules apply as they do for
 * sshd (blanks before a number are skipped, Feb 31 is 2 or 3 March, seconds up to 61),
 * then timegm() or mktime() with tm_isdst 0 as sshd leaves it (in summer a local time
 * means one hour later than the wall clock). Negative or zero: invalid, as in sshd. */
static bool parse_expiry(const char *t, int64_t *ret)
{
	size_t l = strlen(t);
	bool utc = false;
	if (l > 1 && ascii_lower((uint8_t)t[l - 1]) == 'z') {
		utc = true;
		l--;
	} else if (l > 3 && ascii_caseeq(t + l - 3, "utc")) {
		utc = true;
		l -= 3;
	}
	static const uint8_t width[] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[] = "--T::";
	size_t fields = l == 8 ? 3 : l == 12 ? 5 : l == 14 ? 6 : 0;
	if (!fields)
		return false;
	char iso[32];
	size_t o = 0, at = 0;
	for (size_t f = 0; f < fields; f++) {
		if (f)
			iso[o++] = sep[f - 1];
		memcpy(iso + o, t + at, width[f]);
		o += width[f];
		at += width[f];
	}
	iso[o] = '\0';
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = fields == 3 ? strptime(iso, "%Y-%m-%d", &tm)
			: fields == 5 ? strptime(iso, "%Y-%m-%dT%H:%M", &tm)
				      : strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end != '\0')
		return false;
	time_t tt = utc ? timegm(&tm) : mktime(&tm);
	if (tt <= 0)
		return false;
	*ret = (int64_t)tt;
	return true;
}

/* a2port(): a number 0..65535, else a TCP service name that sshd looks up with
 * getservbyname() in the image's /etc/services. A parser cannot read that: we accept a
 * name shaped like every name there (a letter, then letters, digits, . _ + -). The
 * port, 1 for a name, or -1. */
static long port_value(const char *t, bool *by_name)
{
	long long v;
	if (str_to_num(t, 0, 65535, &v))
		return (long)v;
	if (!ascii_alpha((uint8_t)t[0]) || strlen(t) > 64)
		return -1;
	for (const char *c = t; *c; c++)
		if (!ascii_alnum((uint8_t)*c) && !strchr("._+-", *c))
			return -1;
	*by_name = true;
	return 1;
}

/* handle_permit(): host and port split by the first ':' or '/' (hpdelim2; a host in
 * brackets ends at ']'), the host shorter than NI_MAXHOST, the port "*" or above 0.
 * permitlisten takes a value without ':' as a bare port and records "*:" + it. 0 (*val
 * may be replaced), 1 with *err, or -ENOMEM. */
static int permit_check(char **val, bool bare_port, bool *by_name, const char **err)
{
	if (bare_port && !strchr(*val, ':')) {
		char *t = NULL;
		if (asprintf(&t, "*:%s", *val) < 0)
			return -ENOMEM;
		free(*val);
		*val = t;
	}
	const char *v = *val, *end;
	if (v[0] == '[') {
		if (!(end = strchr(v, ']'))) {
			*err = "invalid permission hostname";
			return 1;
		}
		end++;
	} else {
		end = v + strcspn(v, ":/");
	}
	if ((*end != '\0' && *end != ':' && *end != '/') || (size_t)(end - v) >= AO_HOST_MAX) {
		*err = "invalid permission hostname";
		return 1;
	}
	bool name = false;
	if (*end == '\0' || (strcmp(end + 1, "*") != 0 && port_value(end + 1, &name) <= 0)) {
		*err = "invalid permission port";
		return 1;
	}
	*by_name = *by_name || name;
	return 0;
}

/* environment: NAME=value, NAME one or more of A-Z a-z 0-9 _. The length of NAME, or 0. */
static size_t env_name_len(const char *v)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v)
		return 0;
	for (const char *c = v; c < eq; c++)
		if (!ascii_alnum((uint8_t)*c) && *c != '_')
			return 0;
	return (size_t)(eq - v);
}

/* Append an owned string (freed on failure). */
static int list_push(kw_authopt_list *l, char *s)
{
	char **slot = KW_VEC_PUSH(l->v, l->n, l->cap);
	if (!slot) {
		free(s);
		return -ENOMEM;
	}
	*slot = s;
	return 0;
}

static void list_release(kw_authopt_list *l)
{
	kw_strv_free(l->v, l->n);
	*l = (kw_authopt_list){ 0 };
}

void kw_authopts_release(kw_authopts *o)
{
	if (!o)
		return;
	free(o->command);
	free(o->from);
	free(o->principals);
	list_release(&o->permitopen);
	list_release(&o->permitlisten);
	list_release(&o->environment);
	*o = (kw_authopts){ .valid = true, .tunnel = KW_AUTHOPT_TUN_NONE };
}

/* A value option whose name and '=' are consumed: its checks in sshd's order (a repeated
 * single option before its value is read), then record it. 0, 1 with *err, or -ENOMEM. */
static int apply_value(kw_buf *s, ao_id id, kw_authopts *o, const char **err)
{
	char **single = id == AO_COMMAND ? &o->command
		      : id == AO_PRINCIPALS ? &o->principals
		      : id == AO_FROM ? &o->from : NULL;
	kw_authopt_list *permits = id == AO_PERMITOPEN ? &o->permitopen
				 : id == AO_PERMITLISTEN ? &o->permitlisten : NULL;
	if (single && *single) {
		*err = id == AO_COMMAND ? "multiple \"command\" clauses"
		     : id == AO_PRINCIPALS ? "multiple \"principals\" clauses"
					   : "multiple \"from\" clauses";
		return 1;
	}
	if (id == AO_ENV && o->environment.n > AO_ENV_MAX) {
		*err = "too many environment strings";
		return 1;
	}
	if (permits && permits->n > AO_PERMIT_MAX) {
		*err = "too many permission directives";
		return 1;
	}
	_cleanup_free_ char *v = NULL;
	int r = dequote(s, &v, err);
	if (r != 0)
		return r;
	if (single) {
		*single = TAKE_PTR(v);
		return 0;
	}
	switch (id) {
	case AO_EXPIRY: {
		int64_t t;
		if (!parse_expiry(v, &t)) {
			*err = "invalid expires time";
			return 1;
		}
		if (o->expiry_time == 0 || t < o->expiry_time)
			o->expiry_time = t; /* the earliest of several */
		return 0;
	}
	case AO_ENV: {
		size_t nl = env_name_len(v);
		if (!nl) {
			*err = "invalid environment string";
			return 1;
		}
		for (size_t i = 0; i < o->environment.n; i++)
			if (strncmp(o->environment.v[i], v, nl) == 0 && o->environment.v[i][nl] == '=')
				return 0; /* the first NAME= wins */
		return list_push(&o->environment, TAKE_PTR(v));
	}
	case AO_PERMITOPEN:
	case AO_PERMITLISTEN:
		if ((r = permit_check(&v, id == AO_PERMITLISTEN, &o->port_by_name, err)) != 0)
			return r;
		return list_push(permits, TAKE_PTR(v));
	case AO_TUNNEL: {
		/* a2tun(): "any", or a device number */
		long long n;
		if (ascii_caseeq(v, "any")) {
			o->tunnel = KW_AUTHOPT_TUN_ANY;
		} else if (str_to_num(v, 0, KW_AUTHOPT_TUN_MAX, &n)) {
			o->tunnel = (int)n;
		} else {
			*err = "invalid tun device";
			return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static void apply_flag(ao_id id, bool negated, kw_authopts *o)
{
	switch (id) {
	case AO_RESTRICT:
		o->restricted = true;
		o->no_agent_forwarding = o->no_port_forwarding = o->no_pty = o->no_user_rc =
			o->no_x11_forwarding = true;
		break;
	case AO_CERT_AUTHORITY:
		o->cert_authority = true;
		break;
	case AO_PORT_FWD:
		o->no_port_forwarding = negated;
		break;
	case AO_AGENT_FWD:
		o->no_agent_forwarding = negated;
		break;
	case AO_X11_FWD:
		o->no_x11_forwarding = negated;
		break;
	case AO_TOUCH:
		o->no_touch_required = negated;
		break;
	case AO_VERIFY:
		o->verify_required = !negated;
		break;
	case AO_PTY:
		o->no_pty = negated;
		break;
	case AO_USER_RC:
		o->no_user_rc = negated;
		break;
	default:
		break;
	}
}

/* After an error: on to the next comma or blank outside quotes. */
static void skip_option(kw_buf *s)
{
	bool quoted = false;
	size_t i = s->off;
	for (; i < s->len && (quoted || (s->p[i] != ',' && !is_blank(s->p[i]))); i++) {
		if (s->p[i] == '\\' && i + 1 < s->len && s->p[i + 1] == '"')
			i++;
		else if (s->p[i] == '"')
			quoted = !quoted;
	}
	s->off = i;
}

int kw_authopts_parse(const uint8_t *p, size_t len, kw_authopts *ret)
{
	kw_authopts o = { .valid = true, .tunnel = KW_AUTHOPT_TUN_NONE };
	const uint8_t *nul = p ? memchr(p, 0, len) : NULL;
	/* sshd's string ends at a NUL; the field at a blank outside quotes */
	kw_buf s = kw_buf_view(p, !p ? 0 : nul ? (size_t)(nul - p) : len);

	while (s.off < s.len && !is_blank(s.p[s.off])) {
		size_t start = s.off;
		const char *err = NULL;
		bool negated;
		const ao_def *d = match_option(&s, &negated);
		int r = d && d->value ? apply_value(&s, d->id, &o, &err) : 0;
		if (r < 0) {
			kw_authopts_release(&o);
			return r;
		}
		/* an option (or an empty one) ends at a comma or the end of the field; a
		 * trailing comma is fine, since the key follows it */
		if (r == 0 && s.off < s.len && s.p[s.off] != ',' && !is_blank(s.p[s.off])) {
			err = "unknown key option";
			r = 1;
		}
		if (r == 0 && d && !d->value)
			apply_flag(d->id, negated, &o);
		if (r != 0) {
			if (o.valid) {
				o.valid = false;
				o.error = err;
			}
			s.off = start;
			skip_option(&s);
		}
		if (s.off < s.len && s.p[s.off] == ',')
			s.off++;
	}
	*ret = o;
	return 0;
}

static void authkey_free(kw_authkey *k)
{
	free(k->comment);
	free(k->options);
	kw_authopts_release(&k->opts);
}

void kw_authkeys_release(kw_authkeys *ak)
{
	if (!ak)
		return;
	for (size_t i = 0; i < ak->n; i++)
		authkey_free(&ak->v[i]);
	free(ak->v);
	*ak = (kw_authkeys){ 0 };
}

static int ak_diag(kw_diags *d, const char *file, unsigned line, int err, const char *why)
{
	if (!d)
		return 0;
	return kw_diags_add(d, file, line, err, "%s; sshd ignores this line", why);
}

/* Why sshd ignores a line we record anyway (k->sshd_ignores). */
static int ak_diag_ignored(kw_diags *d, const char *file, const kw_authkey *k)
{
	if (!d)
		return 0;
	bool mm = k->key.type_mismatch;
	if (k->opts.valid)
		return kw_diags_add(d, file, k->line, KW_E_PARSE,
				    "%s (key recorded anyway); sshd ignores this line", WHY_MISMATCH);
	return kw_diags_add(d, file, k->line, KW_E_PARSE,
			    "%s%sbad key options: %s (key recorded anyway); sshd ignores this line",
			    mm ? WHY_MISMATCH : "", mm ? ", and " : "", k->opts.error);
}

/* One line that is neither blank nor a comment, as auth_check_authkey_line() reads it:
 * a key at the start, else an options field and then the key. 0: *ret filled (record
 * it); 1: sshd ignores the line and there is no key to record (diagnosed); negative:
 * -ENOMEM or a diagnostics error. */
static int parse_key_line(const char *file, unsigned lineno, kw_buf line, kw_keymemo *m,
			  kw_diags *d, kw_authkey *ret)
{
	kw_authkey k = { .line = lineno, .opts = { .valid = true, .tunnel = KW_AUTHOPT_TUN_NONE } };
	kw_buf s = line, opts = kw_buf_view(line.p, 0);
	const char *why = NULL, *why2 = NULL;
	bool known = false, known2 = false, have_opts = false;
	int r, kr = read_key(&s, m, &k.key, &why, &known);
	if (kr == -ENOMEM)
		return kr;
	if (kr != 0) {
		/* not a key at the start: the first field is the options */
		kw_pubkey first = k.key; /* when kr == 1: the mismatched key, s at its comment */
		kw_buf o = line;
		int kr2 = KW_E_PARSE;
		if (advance_past_options(&o) == 0) {
			opts = kw_buf_view(line.p + line.off, o.off - line.off);
			kw_buf_skip_blanks(&o);
			kr2 = read_key(&o, m, &k.key, &why2, &known2);
			if (kr2 == -ENOMEM)
				return kr2;
		} else {
			why2 = "unterminated quote in the options";
		}
		if (kr2 == 0 || kr2 == 1) {
			have_opts = true;
			s = o;
		} else if (kr == 1) {
			k.key = first; /* "ssh-rsa <an Ed25519 blob>": keep it, flagged */
		} else {
			/* report the first failure when the line started with a key type */
			r = ak_diag(d, file, lineno, KW_E_PARSE, known ? why : why2);
			return r < 0 ? r : 1;
		}
	}
	if (have_opts) {
		if ((r = kw_authopts_parse(kw_buf_cur(&opts), kw_buf_left(&opts), &k.opts)) < 0)
			return r;
		k.opt_command = k.opts.command != NULL;
		k.opt_from = k.opts.from != NULL;
		k.opt_cert_authority = k.opts.cert_authority;
		k.opt_restrict = k.opts.restricted;
		if (!(k.options = kw_buf_strdup(&opts))) {
			authkey_free(&k);
			return -ENOMEM;
		}
	}
	if ((r = take_comment(&s, &k.comment)) < 0) {
		authkey_free(&k);
		return r;
	}
	k.sshd_ignores = k.key.type_mismatch || !k.opts.valid;
	if (k.sshd_ignores && (r = ak_diag_ignored(d, file, &k)) < 0) {
		authkey_free(&k);
		return r;
	}
	*ret = k;
	return 0;
}

int kw_authkeys_parse(const char *file, const uint8_t *data, size_t len, kw_authkeys *ret,
		      kw_diags *d)
{
	return kw_authkeys_parse_memo(file, data, len, NULL, ret, d);
}

int kw_authkeys_parse_memo(const char *file, const uint8_t *data, size_t len, kw_keymemo *memo,
			   kw_authkeys *ret, kw_diags *d)
{
	kw_authkeys ak = { 0 };
	size_t cap = 0;
	kw_buf in = kw_buf_view(data, data ? len : 0);
	kw_buf line;
	unsigned lineno = 0;
	bool trunc;
	int r = 0;

	while (kw_buf_line(&in, &line, KW_AK_MAX_LINE, &trunc)) {
		if (lineno >= KW_AK_MAX_LINES || ak.n >= KW_AK_MAX_KEYS) {
			if (d && (r = kw_diags_add_fatal(d, file, lineno, KW_E_TOOBIG,
							 "too many lines or keys; the rest is ignored")) < 0)
				goto fail;
			break;
		}
		lineno++;
		if (trunc) {
			if ((r = ak_diag(d, file, lineno, KW_E_TOOBIG, "line longer than 16384 bytes")) < 0)
				goto fail;
			continue;
		}
		kw_buf_skip_blanks(&line);
		if (kw_buf_left(&line) == 0 || kw_buf_cur(&line)[0] == '#')
			continue;
		if (kw_buf_has_nul(&line)) {
			if ((r = ak_diag(d, file, lineno, KW_E_PARSE, "NUL byte in line")) < 0)
				goto fail;
			continue;
		}
		kw_authkey k;
		if ((r = parse_key_line(file, lineno, line, memo, d, &k)) < 0)
			goto fail;
		if (r == 1)
			continue;
		if (ak.n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			kw_authkey *nv = realloc(ak.v, nc * sizeof *nv);
			if (!nv) {
				authkey_free(&k);
				r = -ENOMEM;
				goto fail;
			}
			ak.v = nv;
			cap = nc;
		}
		ak.v[ak.n++] = k;
	}
	*ret = ak;
	return 0;
fail:
	kw_authkeys_release(&ak);
	return r;
}

/* ---- private keys ---- */

const char *kw_privkey_format_name(kw_privkey_format f)
{
	static const char *const names[] = {
		[KW_PK_NONE] = "none",
		[KW_PK_OPENSSH] = "OpenSSH",
		[KW_PK_PEM_RSA] = "PEM RSA",
		[KW_PK_PEM_DSA] = "PEM DSA",
		[KW_PK_PEM_EC] = "PEM EC",
		[KW_PK_PKCS8] = "PKCS#8",
		[KW_PK_PKCS8_ENCRYPTED] = "PKCS#8 encrypted",
		[KW_PK_PUTTY] = "PuTTY",
		[KW_PK_SSH2] = "SSH2",
	};
	if ((unsigned)f >= KW_ARRAY_LEN(names) || !names[f])
		return "unknown";
	return names[f];
}

/* Copy a cipher name from the target: printable ASCII only, truncated to fit. */
static void set_cipher(kw_privkey_info *info, const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n && k < sizeof info->cipher - 1 && p[k] > 0x20 && p[k] < 0x7f) {
		info->cipher[k] = (char)p[k];
		k++;
	}
	info->cipher[k] = '\0';
}

/* Collect the first `want` base64 characters of an armoured body (whitespace skipped,
 * stopping at a '-' that starts the END line or at the end of the data). */
static size_t collect_b64(const uint8_t *p, size_t n, char *out, size_t want)
{
	size_t got = 0;
	for (size_t i = 0; i < n && got < want; i++) {
		uint8_t c = p[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '-')
			break;
		out[got++] = (char)c;
	}
	return got;
}

/* Decode the first `need` bytes (rounded up to whole base64 groups) of an armoured
 * body. *ret_len may be less than need when the body is shorter. Caller frees the
 * result with free_wiped(). */
static int decode_prefix(const uint8_t *body, size_t n, size_t need, uint8_t **ret, size_t *ret_len)
{
	size_t want = (need + 2) / 3 * 4;
	char *txt = malloc(want + 1);
	if (!txt)
		return -ENOMEM;
	size_t got = collect_b64(body, n, txt, want);
	got -= got % 4;
	int r = got ? kw_base64_decode(txt, got, ret, ret_len) : KW_E_PARSE;
	OPENSSL_cleanse(txt, want);
	free(txt);
	return r;
}

/* A string of the openssh-key-v1 header: 0 and *out set, 1 with *need set when the
 * decoded prefix is too short, or KW_E_PARSE. */
static int need_string(kw_buf *b, size_t max, kw_buf *out, size_t *need)
{
	if (kw_buf_left(b) < 4) {
		*need = b->off + 4;
		return 1;
	}
	const uint8_t *q = kw_buf_cur(b);
	size_t n = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
	if (n > max)
		return KW_E_PARSE;
	if (kw_buf_left(b) < 4 + n) {
		*need = b->off + 4 + n;
		return 1;
	}
	return kw_buf_get_string(b, out);
}

/* PROTOCOL.key: "openssh-key-v1\0" cipher kdfname kdfoptions nkeys pubkey1 ... */
static int openssh_header(const uint8_t *p, size_t n, kw_privkey_info *info, size_t *need)
{
	static const char magic[] = "openssh-key-v1"; /* with its NUL: 15 bytes */
	kw_buf b = kw_buf_view(p, n), v;
	int r;
	if (n < sizeof magic) {
		*need = sizeof magic;
		return 1;
	}
	if (memcmp(p, magic, sizeof magic) != 0)
		return KW_E_PARSE;
	b.off = sizeof magic;
	if ((r = need_string(&b, 256, &v, need)) != 0) /* ciphername */
		return r;
	set_cipher(info, kw_buf_cur(&v), kw_buf_left(&v));
	info->encrypted = kw_buf_eq(&v, "none") ? 0 : 1;
	if ((r = need_string(&b, 256, &v, need)) != 0) /* kdfname */
		return r;
	if ((r = need_string(&b, 4096, &v, need)) != 0) /* kdfoptions */
		return r;
	uint32_t nkeys;
	if (kw_buf_left(&b) < 4) {
		*need = b.off + 4;
		return 1;
	}
	kw_buf_get_u32(&b, &nkeys);
	if (nkeys == 0)
		return KW_E_PARSE;
	if ((r = need_string(&b, KW_PK_PUB_MAX, &v, need)) != 0) /* first public key */
		return r;
	kw_pubkey k;
	if (kw_pubkey_from_blob(kw_buf_cur(&v), kw_buf_left(&v), &k) == 0) {
		info->pub = k;
		info->has_pub = true;
	}
	return 0;
}

static int classify_openssh(const uint8_t *body, size_t n, kw_privkey_info *info)
{
	size_t need = 64;
	for (int round = 0; round < 8; round++) {
		uint8_t *dec = NULL;
		size_t dn = 0;
		int r = decode_prefix(body, n, need, &dec, &dn);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return 0; /* not base64: an OpenSSH key we cannot read; encrypted unknown */
		size_t more = 0;
		r = openssh_header(dec, dn, info, &more);
		free_wiped(dec, dn);
		if (r != 1 || dn < need || more <= dn || more > KW_PK_PUB_MAX + 4096)
			return 0;
		need = more;
	}
	return 0;
}

/* DER length of an ASN.1 header at p[0..n): 0 and the header size and content length, 1
 * if more bytes are needed, or KW_E_PARSE. */
static int der_header(const uint8_t *p, size_t n, uint8_t tag, size_t *hdr, size_t *clen)
{
	if (n < 2)
		return 1;
	if (p[0] != tag)
		return KW_E_PARSE;
	if (p[1] < 0x80) {
		*hdr = 2;
		*clen = p[1];
		return 0;
	}
	size_t nb = p[1] & 0x7f;
	if (nb == 0 || nb > 3)
		return KW_E_PARSE;
	if (n < 2 + nb)
		return 1;
	size_t l = 0;
	for (size_t i = 0; i < nb; i++)
		l = l << 8 | p[2 + i];
	*hdr = 2 + nb;
	*clen = l;
	return 0;
}

/* EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier,
 * encryptedData OCTET STRING }. Decode only up to the end of the AlgorithmIdentifier and
 * name its cipher (PBES2's encryption scheme, or the PKCS#12 PBE). */
static int pkcs8_cipher(const uint8_t *body, size_t n, kw_privkey_info *info)
{
	uint8_t *dec = NULL;
	size_t dn = 0, h1, l1, h2, l2;
	int r = decode_prefix(body, n, 16, &dec, &dn);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (der_header(dec, dn, 0x30, &h1, &l1) != 0 || h1 >= dn ||
	    der_header(dec + h1, dn - h1, 0x30, &h2, &l2) != 0 || l2 > 4096) {
		free_wiped(dec, dn);
		return 0;
	}
	size_t need = h1 + h2 + l2;
	free_wiped(dec, dn);
	if ((r = decode_prefix(body, n, need, &dec, &dn)) < 0)
		return r == -ENOMEM ? r : 0;
	if (dn < need) {
		free_wiped(dec, dn);
		return 0;
	}
	const unsigned char *q = dec + h1;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &q, (long)(h2 + l2));
	if (alg) {
		const ASN1_OBJECT *obj = NULL;
		int ptype = 0;
		const void *pval = NULL;
		X509_ALGOR_get0(&obj, &ptype, &pval, alg);
		int nid = OBJ_obj2nid(obj);
		const char *sn = NULL;
		if (nid == NID_pbes2 && ptype == V_ASN1_SEQUENCE && pval) {
			const ASN1_STRING *seq = pval;
			const unsigned char *sp = ASN1_STRING_get0_data(seq);
			PBE2PARAM *pbe2 = d2i_PBE2PARAM(NULL, &sp, ASN1_STRING_length(seq));
			if (pbe2 && pbe2->encryption) {
				int enid = OBJ_obj2nid(pbe2->encryption->algorithm);
				if (enid != NID_undef)
					sn = OBJ_nid2sn(enid);
			}
			PBE2PARAM_free(pbe2);
		} else if (nid != NID_undef) {
			sn = OBJ_nid2sn(nid);
		}
		if (sn)
			set_cipher(info, (const uint8_t *)sn, strlen(sn));
		X509_ALGOR_free(alg);
	}
	free_wiped(dec, dn);
	return 0;
}

/* Traditional PEM headers after the BEGIN line: Proc-Type and DEK-Info. */
static void pem_headers(kw_buf in, kw_privkey_info *info)
{
	kw_buf line;
	info->encrypted = 0;
	set_cipher(info, (const uint8_t *)"none", 4);
	for (int i = 0; i < 16 && kw_buf_line(&in, &line, 1024, NULL); i++) {
		kw_buf t = kw_buf_trim(line);
		if (kw_buf_left(&t) == 0 || !memchr(kw_buf_cur(&t), ':', kw_buf_left(&t)))
			break;
		if (kw_buf_starts_with(&t, "Proc-Type:")) {
			t.off += 10;
			kw_buf v = kw_buf_trim(t);
			if (kw_buf_eq(&v, "4,ENCRYPTED")) {
				info->encrypted = 1;
				info->cipher[0] = '\0';
			}
		} else if (kw_buf_starts_with(&t, "DEK-Info:")) {
			t.off += 9;
			kw_buf v = kw_buf_trim(t);
			const uint8_t *c = memchr(kw_buf_cur(&v), ',', kw_buf_left(&v));
			size_t cl = c ? (size_t)(c - kw_buf_cur(&v)) : kw_buf_left(&v);
			if (info->encrypted == 1)
				set_cipher(info, kw_buf_cur(&v), cl);
		}
	}
}

/* PuTTY-User-Key-File-2/3: "Key: value" lines. Reads Encryption and the public blob
 * (Public-Lines); stops before Private-Lines. */
static int classify_putty(kw_buf in, kw_privkey_info *info)
{
	kw_buf line;
	for (int i = 0; i < 32 && kw_buf_line(&in, &line, 4096, NULL); i++) {
		kw_buf t = kw_buf_trim(line);
		if (kw_buf_starts_with(&t, "Private-Lines:"))
			break;
		if (kw_buf_starts_with(&t, "Encryption:")) {
			t.off += 11;
			kw_buf v = kw_buf_trim(t);
			set_cipher(info, kw_buf_cur(&v), kw_buf_left(&v));
			info->encrypted = kw_buf_eq(&v, "none") ? 0 : 1;
		} else if (kw_buf_starts_with(&t, "Public-Lines:")) {
			t.off += 13;
			kw_buf v = kw_buf_trim(t);
			uint64_t nl;
			if (kw_buf_to_u64(&v, 64, &nl) < 0 || nl == 0)
				continue;
			size_t start = in.off;
			for (uint64_t j = 0; j < nl && kw_buf_line(&in, &line, 4096, NULL); j++)
				;
			size_t cap = in.off - start;
			_cleanup_free_ char *txt = malloc(cap + 1);
			if (!txt)
				return -ENOMEM;
			size_t got = collect_b64(in.p + start, cap, txt, cap);
			uint8_t *blob = NULL;
			size_t blen = 0;
			int r = kw_base64_decode(txt, got, &blob, &blen);
			if (r == -ENOMEM)
				return r;
			if (r == 0) {
				kw_pubkey k;
				if (kw_pubkey_from_blob(blob, blen, &k) == 0) {
					info->pub = k;
					info->has_pub = true;
				}
				free(blob);
			}
		}
	}
	return 0;
}

int kw_privkey_classify(const uint8_t *data, size_t len, kw_privkey_info *ret)
{
	kw_privkey_info info = { .format = KW_PK_NONE, .encrypted = -1 };
	kw_buf in = kw_buf_view(data, data ? len : 0), line;
	int r = 0;

	while (in.off < KW_PK_SCAN && kw_buf_line(&in, &line, 256, NULL)) {
		kw_buf t = kw_buf_trim(line);
		/* the body starts after this line */
		kw_buf body = kw_buf_view(in.p + in.off, in.len - in.off);
		if (kw_buf_eq(&t, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
			info.format = KW_PK_OPENSSH;
			r = classify_openssh(kw_buf_cur(&body), kw_buf_left(&body), &info);
		} else if (kw_buf_eq(&t, "-----BEGIN RSA PRIVATE KEY-----")) {
			info.format = KW_PK_PEM_RSA;
			pem_headers(body, &info);
		} else if (kw_buf_eq(&t, "-----BEGIN DSA PRIVATE KEY-----")) {
			info.format = KW_PK_PEM_DSA;
			pem_headers(body, &info);
		} else if (kw_buf_eq(&t, "-----BEGIN EC PRIVATE KEY-----")) {
			info.format = KW_PK_PEM_EC;
			pem_headers(body, &info);
		} else if (kw_buf_eq(&t, "-----BEGIN PRIVATE KEY-----")) {
			info.format = KW_PK_PKCS8;
			info.encrypted = 0;
			set_cipher(&info, (const uint8_t *)"none", 4);
		} else if (kw_buf_eq(&t, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
			info.format = KW_PK_PKCS8_ENCRYPTED;
			info.encrypted = 1;
			r = pkcs8_cipher(kw_buf_cur(&body), kw_buf_left(&body), &info);
		} else if (kw_buf_starts_with(&t, "PuTTY-User-Key-File-2:") ||
			   kw_buf_starts_with(&t, "PuTTY-User-Key-File-3:")) {
			info.format = KW_PK_PUTTY;
			r = classify_putty(body, &info);
		} else if (kw_buf_eq(&t, "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----")) {
			info.format = KW_PK_SSH2;
		} else {
			continue;
		}
		break;
	}
	if (r < 0)
		return r;
	if (info.format == KW_PK_NONE)
		return KW_E_UNSUPPORTED;
	*ret = info;
	return 0;
}

bool kw_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/';
}

bool kw_fp_sha256_valid(const char *s, size_t n)
{
	if (n != KW_FP_LEN - 1 || memcmp(s, "SHA256:", 7) != 0)
		return false;
	for (size_t i = 7; i < n; i++)
		if (!kw_base64_char(s[i]))
			return false;
	return true;
}
