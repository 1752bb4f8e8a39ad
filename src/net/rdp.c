/* rdp.c — the RDP Connection Request / Confirm codec and the certificate summary: see
 * rdp.h. */
#include "net/rdp.h"

#include "base/err.h"
#include "base/time.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TPKT_VERSION 3
#define X224_CR 0xE0
#define X224_CC 0xD0
#define X224_DR 0x80
#define X224_ER 0x70
#define X224_FIXED 6 /* LI counts: code, DST-REF (2), SRC-REF (2), class */
#define NEG_LEN 8
#define NEG_REQ 0x01
#define NEG_RSP 0x02
#define NEG_FAILURE 0x03
/* the least a TPKT must hold to be read as anything: LI and the TPDU code */
#define TPKT_MIN (KW_RDP_TPKT_HDR + 2)

size_t kw_rdp_request(uint32_t protocols, uint8_t out[KW_RDP_REQUEST_LEN])
{
	const uint8_t li = X224_FIXED + NEG_LEN;
	uint8_t *p = out;
	*p++ = TPKT_VERSION;
	*p++ = 0;
	*p++ = 0;
	*p++ = KW_RDP_REQUEST_LEN;
	*p++ = li;
	*p++ = X224_CR;
	*p++ = 0, *p++ = 0;        /* DST-REF */
	*p++ = 0, *p++ = 0;        /* SRC-REF */
	*p++ = 0;                  /* class 0, no options */
	*p++ = NEG_REQ;
	*p++ = 0;                  /* flags: none */
	*p++ = NEG_LEN, *p++ = 0;  /* length, little endian */
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(protocols >> (8 * i));
	return (size_t)(p - out);
}

/* ---- the Connection Confirm ---- */

void kw_rdp_rx_init(kw_rdp_rx *rx)
{
	memset(rx, 0, sizeof *rx);
	rx->need = KW_RDP_TPKT_HDR;
}

size_t kw_rdp_rx_want(const kw_rdp_rx *rx)
{
	if (rx->err || rx->have >= rx->need)
		return 0;
	return rx->need - rx->have;
}

static int rx_fail(kw_rdp_rx *rx, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int rx_fail(kw_rdp_rx *rx, int err, const char *fmt, ...)
{
	rx->err = err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rx->why, sizeof rx->why, fmt, ap);
	va_end(ap);
	return err;
}

int kw_rdp_rx_feed(kw_rdp_rx *rx, const void *p, size_t n)
{
	if (rx->err)
		return rx->err;
	size_t want = kw_rdp_rx_want(rx);
	if (n > want)
		return rx_fail(rx, KW_E_PARSE, "%u bytes more than the confirm holds", (unsigned)(n - want));
	if (n)
		memcpy(rx->b + rx->have, p, n);
	rx->have += n;
	if (rx->need == KW_RDP_TPKT_HDR && rx->have == KW_RDP_TPKT_HDR) {
		if (rx->b[0] != TPKT_VERSION)
			return rx_fail(rx, KW_E_PARSE, "not TPKT: version byte 0x%02x (expected 03: is this an RDP server?)",
				       rx->b[0]);
		unsigned len = (unsigned)rx->b[2] << 8 | rx->b[3];
		if (len < TPKT_MIN)
			return rx_fail(rx, KW_E_PARSE, "TPKT length %u is too short for a TPDU", len);
		if (len > KW_RDP_CONFIRM_MAX)
			return rx_fail(rx, KW_E_TOOBIG, "TPKT length %u is over the %d-byte limit of a connection confirm",
				       len, KW_RDP_CONFIRM_MAX);
		rx->need = len;
	}
	return rx->have == rx->need && rx->need > KW_RDP_TPKT_HDR ? 1 : 0;
}

static int cc_fail(char *why, size_t cap, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cc_fail(char *why, size_t cap, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kw_verrf(why, cap, fmt, ap);
	va_end(ap);
	return err;
}

int kw_rdp_confirm_parse(kw_buf t, kw_rdp_confirm *c, char *why, size_t cap)
{
	memset(c, 0, sizeof *c);
	uint8_t ver = 0, res = 0, li = 0, code = 0;
	uint32_t len = 0;
	if (kw_buf_get_u8(&t, &ver) < 0 || kw_buf_get_u8(&t, &res) < 0 || kw_buf_left(&t) < 2)
		return cc_fail(why, cap, KW_E_PARSE, "a TPKT header is 4 bytes, got %u", (unsigned)t.len);
	len = (uint32_t)t.p[t.off] << 8 | t.p[t.off + 1];
	t.off += 2;
	(void)res; /* reserved: RFC 1006 says 0, servers are not held to it */
	if (ver != TPKT_VERSION)
		return cc_fail(why, cap, KW_E_PARSE, "not TPKT: version byte 0x%02x", ver);
	if (len != t.len)
		return cc_fail(why, cap, KW_E_PARSE, "TPKT length %u, but %u bytes", len, (unsigned)t.len);
	if (kw_buf_get_u8(&t, &li) < 0 || kw_buf_get_u8(&t, &code) < 0)
		return cc_fail(why, cap, KW_E_PARSE, "a TPKT of %u bytes holds no X.224 TPDU", len);
	/* LI counts the header after itself; whatever follows it is user data, which a
	 * confirm in RDP never carries */
	if ((size_t)li + KW_RDP_TPKT_HDR + 1 != len)
		return cc_fail(why, cap, KW_E_PARSE, "X.224 length indicator %u in a TPKT of %u bytes", li, len);
	if ((code & 0xF0) == X224_DR)
		return cc_fail(why, cap, KW_E_REFUSED, "the server answered with an X.224 Disconnect Request");
	if ((code & 0xF0) == X224_ER)
		return cc_fail(why, cap, KW_E_REFUSED, "the server answered with an X.224 error TPDU");
	if ((code & 0xF0) != X224_CC)
		return cc_fail(why, cap, KW_E_PARSE, "X.224 TPDU code 0x%02x where a Connection Confirm (0xd0) belongs",
			       code);
	if (li < X224_FIXED)
		return cc_fail(why, cap, KW_E_PARSE, "X.224 length indicator %u is under the fixed part (%u)", li,
			       X224_FIXED);
	/* DST-REF, SRC-REF, class: nothing the client depends on */
	if (kw_buf_skip(&t, 5) < 0)
		return cc_fail(why, cap, KW_E_PARSE, "truncated X.224 header");
	size_t var = kw_buf_left(&t);
	if (var == 0) {
		c->kind = KW_RDP_CC_BARE;
		return 0;
	}
	if (var != NEG_LEN)
		return cc_fail(why, cap, KW_E_PARSE, "%u bytes of negotiation data (a response or failure is %u)",
			       (unsigned)var, NEG_LEN);
	uint8_t type = t.p[t.off], flags = t.p[t.off + 1];
	unsigned nlen = (unsigned)t.p[t.off + 2] | (unsigned)t.p[t.off + 3] << 8;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)t.p[t.off + 4 + (size_t)i] << (8 * i);
	if (nlen != NEG_LEN)
		return cc_fail(why, cap, KW_E_PARSE, "negotiation structure length %u (must be %u)", nlen, NEG_LEN);
	if (type == NEG_RSP) {
		c->kind = KW_RDP_CC_RESPONSE;
		c->flags = flags;
		c->selected = v;
	} else if (type == NEG_FAILURE) {
		c->kind = KW_RDP_CC_FAILURE;
		c->failure = v;
	} else {
		return cc_fail(why, cap, KW_E_PARSE, "negotiation type 0x%02x (expected a response, 2, or a failure, 3)",
			       type);
	}
	return 0;
}

const char *kw_rdp_protocol_name(uint32_t p)
{
	switch (p) {
	case KW_RDP_PROTOCOL_RDP: return "PROTOCOL_RDP";
	case KW_RDP_PROTOCOL_SSL: return "PROTOCOL_SSL";
	case KW_RDP_PROTOCOL_HYBRID: return "PROTOCOL_HYBRID";
	case KW_RDP_PROTOCOL_RDSTLS: return "PROTOCOL_RDSTLS";
	case KW_RDP_PROTOCOL_HYBRID_EX: return "PROTOCOL_HYBRID_EX";
	case KW_RDP_PROTOCOL_RDSAAD: return "PROTOCOL_RDSAAD";
	default: return NULL;
	}
}

const char *kw_rdp_protocol_desc(uint32_t p)
{
	switch (p) {
	case KW_RDP_PROTOCOL_RDP: return "standard RDP security";
	case KW_RDP_PROTOCOL_SSL: return "TLS";
	case KW_RDP_PROTOCOL_HYBRID: return "CredSSP (NLA)";
	case KW_RDP_PROTOCOL_RDSTLS: return "RDSTLS";
	case KW_RDP_PROTOCOL_HYBRID_EX: return "CredSSP with early authorization (NLA)";
	case KW_RDP_PROTOCOL_RDSAAD: return "Azure AD authentication";
	default: return "an unknown protocol";
	}
}

const char *kw_rdp_failure_name(uint32_t code)
{
	switch (code) {
	case KW_RDP_SSL_REQUIRED_BY_SERVER: return "SSL_REQUIRED_BY_SERVER";
	case KW_RDP_SSL_NOT_ALLOWED_BY_SERVER: return "SSL_NOT_ALLOWED_BY_SERVER";
	case KW_RDP_SSL_CERT_NOT_ON_SERVER: return "SSL_CERT_NOT_ON_SERVER";
	case KW_RDP_INCONSISTENT_FLAGS: return "INCONSISTENT_FLAGS";
	case KW_RDP_HYBRID_REQUIRED_BY_SERVER: return "HYBRID_REQUIRED_BY_SERVER";
	case KW_RDP_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER";
	default: return NULL;
	}
}

bool kw_rdp_protocol_is_tls(uint32_t p)
{
	return p == KW_RDP_PROTOCOL_SSL || p == KW_RDP_PROTOCOL_HYBRID || p == KW_RDP_PROTOCOL_HYBRID_EX ||
	       p == KW_RDP_PROTOCOL_RDSTLS;
}

void kw_rdp_protocols_str(uint32_t mask, char *out, size_t cap)
{
	if (!cap)
		return;
	out[0] = '\0';
	if (mask == 0) {
		snprintf(out, cap, "PROTOCOL_RDP");
		return;
	}
	size_t n = 0;
	for (int i = 0; i < 32 && n < cap; i++) {
		uint32_t bit = (uint32_t)1 << i;
		if (!(mask & bit))
			continue;
		const char *name = kw_rdp_protocol_name(bit);
		int w = name ? snprintf(out + n, cap - n, "%s%s", n ? "|" : "", name)
			     : snprintf(out + n, cap - n, "%s0x%x", n ? "|" : "", bit);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

/* ---- the certificate ---- */

static void hex_upper(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* An X.509 name as RFC 2253 text, UTF-8 kept as it is (the renderers escape), cut at cap
 * with "..." */
static int name_text(const X509_NAME *name, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return -ENOMEM;
	unsigned long flags = XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
	int r = X509_NAME_print_ex(b, name, 0, flags);
	if (r < 0) {
		BIO_free(b);
		return KW_E_PARSE;
	}
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	size_t len = n > 0 ? (size_t)n : 0;
	if (len >= cap) {
		/* cut on a UTF-8 character boundary, then mark the cut */
		len = cap - 4;
		while (len && ((uint8_t)p[len] & 0xC0) == 0x80)
			len--;
		memcpy(out, p, len);
		memcpy(out + len, "...", 4);
	} else {
		if (len)
			memcpy(out, p, len);
		out[len] = '\0';
	}
	BIO_free(b);
	return 0;
}

static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return KW_E_PARSE;
	int64_t days = kw_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*out = days * 86400 + (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

static const char *key_type_name(int id)
{
	switch (id) {
	case EVP_PKEY_RSA: return "RSA";
	case EVP_PKEY_RSA_PSS: return "RSA-PSS";
	case EVP_PKEY_DSA: return "DSA";
	case EVP_PKEY_EC: return "EC";
	case EVP_PKEY_ED25519: return "Ed25519";
	case EVP_PKEY_ED448: return "Ed448";
	case EVP_PKEY_DH: return "DH";
	default: return NULL;
	}
}

int kw_rdp_cert_from_der(const uint8_t *der, size_t len, kw_rdp_cert *c, char *why, size_t cap)
{
	memset(c, 0, sizeof *c);
	if (len > KW_RDP_CERT_DER_MAX) {
		kw_errf(why, cap, "a certificate of %zu bytes (at most %d)", len, KW_RDP_CERT_DER_MAX);
		return KW_E_TOOBIG;
	}
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)len);
	if (!x || q != der + len) {
		X509_free(x);
		kw_errf(why, cap, "not one DER certificate (%zu bytes)", len);
		return KW_E_PARSE;
	}
	int e = 0;
	c->der_len = len;
	unsigned mdlen = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		e = KW_E_CRYPTO;
	else
		hex_upper(md, 20, c->sha1);
	if (e == 0 && (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32))
		e = KW_E_CRYPTO;
	else if (e == 0)
		hex_upper(md, 32, c->sha256);
	if (e == 0)
		e = name_text(X509_get_subject_name(x), c->subject, sizeof c->subject);
	if (e == 0)
		e = name_text(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
	if (e == 0 && (asn1_time_unix(X509_get0_notBefore(x), &c->not_before) < 0 ||
		       asn1_time_unix(X509_get0_notAfter(x), &c->not_after) < 0)) {
		kw_errf(why, cap, "the certificate's validity dates do not parse");
		e = KW_E_PARSE;
	}
	if (e == 0) {
		int nid = X509_get_signature_nid(x);
		const char *sn = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
		snprintf(c->sig_alg, sizeof c->sig_alg, "%s", sn ? sn : "unknown");
		/* the key: its type and size, when libcrypto knows the algorithm */
		EVP_PKEY *k = X509_get0_pubkey(x);
		if (k) {
			int id = EVP_PKEY_get_base_id(k);
			const char *tn = key_type_name(id);
			const char *on = tn ? tn : OBJ_nid2sn(id);
			snprintf(c->key_type, sizeof c->key_type, "%s", on ? on : "unknown");
			int bits = EVP_PKEY_get_bits(k);
			c->key_bits = bits > 0 ? (unsigned)bits : 0;
		} else {
			snprintf(c->key_type, sizeof c->key_type, "unknown");
		}
		/* self-signed: the issuer is the subject and the signature verifies with the
		 * certificate's own key */
		c->self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
				 k && X509_verify(x, k) == 1;
	}
	if (e == KW_E_CRYPTO)
		kw_errf(why, cap, "libcrypto cannot hash the certificate");
	else if (e == -ENOMEM)
		kw_errf(why, cap, "out of memory");
	else if (e == KW_E_PARSE && why && cap && !why[0])
		kw_errf(why, cap, "the certificate's names do not print");
	X509_free(x);
	return e;
}

int kw_rdp_thumbprint_norm(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool sep_ok = false; /* a separator only between two digits */
	for (const char *p = in; *p; p++) {
		char ch = *p;
		if (ch == ':' || ch == ' ' || ch == '\t') {
			if (!sep_ok)
				return KW_E_PARSE;
			sep_ok = false;
			continue;
		}
		int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (v < 0 || n >= 64 || n + 1 >= cap)
			return KW_E_PARSE;
		out[n++] = "0123456789ABCDEF"[v];
		sep_ok = true;
	}
	if (!sep_ok && n) /* a trailing separator */
		return KW_E_PARSE;
	if (n != 40 && n != 64)
		return KW_E_PARSE;
	out[n] = '\0';
	return (int)n;
}
