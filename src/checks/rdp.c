/* rdp.c — the checks of `keyward scan --rdp`: what an RDP server negotiates (standard RDP
 * security, NLA), the certificate it shows (the thumbprint the user expects, key size,
 * validity, self-signed) and the TLS version it picks. Pure: a probe result in, findings
 * out. */
#include "checks/rdp.h"

#include "base/err.h"
#include "base/time.h"

#include <stdio.h>
#include <string.h>

#define TLS1_2 0x0303 /* the wire version of TLS 1.2 */
#define REF_MS_NEG "MS-RDPBCGR 2.2.1.1.1 RDP Negotiation Request"
#define REF_EC2 "AWS: Best practices for Amazon EC2 Windows (RDP: NLA, server authentication)"

enum {
	C_NO_ANSWER,
	C_STANDARD,
	C_NLA,
	C_MISMATCH,
	C_WEAK_KEY,
	C_EXPIRED,
	C_NOT_YET,
	C_TLS_LEGACY,
	C_SELF_SIGNED,
	C__N
};

static const kw_check_def defs[C__N] = {
	[C_NO_ANSWER] = { "rdp.no-answer", KW_SEV_INFO, "an RDP probe got no usable answer",
		"The connection was refused or timed out, the server did not answer the Connection "
		"Request with a Connection Confirm, or the TLS handshake after it failed: what that "
		"probe would have shown is unknown.",
		"Check the address and port (3389), that a firewall lets the scanner in, and that an "
		"RDP server listens there.",
		{ "MS-RDPBCGR 1.3.1.1 Connection Sequence", "RFC 1006 (TPKT)" } },
	[C_STANDARD] = { "rdp.standard-security", KW_SEV_HIGH, "standard RDP security is accepted",
		"A client that offers only standard RDP security gets a session: its RC4 encryption "
		"is weak, the server is authenticated by nothing the client can check, and a man in "
		"the middle can read and change the session.",
		"Require TLS or NLA: on Windows set \"Require use of specific security layer for "
		"remote (RDP) connections\" to SSL and require NLA (SecurityLayer 2, "
		"UserAuthentication 1); on xrdp set security_layer=tls.",
		{ REF_MS_NEG, "MS-RDPBCGR 5.3 Standard RDP Security", "CIS Microsoft Windows Server "
		  "Benchmark: Require use of specific security layer for remote (RDP) connections: SSL" } },
	[C_NLA] = { "rdp.nla-not-required", KW_SEV_MEDIUM, "Network Level Authentication is not required",
		"A client that does not run CredSSP still gets a session: anyone who reaches the port "
		"gets the logon screen and the server's full session stack before authenticating "
		"(pre-authentication flaws such as BlueKeep, CVE-2019-0708, and password guessing "
		"at the logon screen).",
		"Require NLA: \"Require user authentication for remote connections by using Network "
		"Level Authentication\" (UserAuthentication 1), and let only an administration host "
		"reach the port.",
		{ REF_EC2, "CIS Microsoft Windows Server Benchmark: Require user authentication for "
		  "remote connections by using Network Level Authentication", "CVE-2019-0708" } },
	[C_MISMATCH] = { "rdp.thumbprint-mismatch", KW_SEV_CRITICAL, "the certificate is not the one expected",
		"The server's TLS certificate matches none of the thumbprints given with "
		"--expect-thumbprint, or it showed no certificate at all: you would be sending "
		"credentials to another computer than you think.",
		"Find out why the certificate changed (a new instance, a renewed self-signed "
		"certificate, an attack) before logging in; compare with the thumbprint the instance "
		"prints to its console at boot.",
		{ REF_EC2, "EC2: Get-ConsoleOutput shows the RDPCERTIFICATE-THUMBPRINT" } },
	[C_WEAK_KEY] = { "rdp.weak-key", KW_SEV_HIGH, "the certificate's key is too small",
		"An RSA or DSA key under 2048 bits (or an elliptic curve under 224 bits) can be "
		"broken with enough computing power: whoever does can impersonate the server.",
		"Issue a certificate with an RSA key of 2048 bits or more (or P-256) and bind it to "
		"the RDP listener (SSLCertificateSHA1Hash), or let Windows make a new self-signed one.",
		{ "NIST SP 800-131A Rev. 2", "NIST SP 800-57 Part 1" } },
	[C_EXPIRED] = { "rdp.cert-expired", KW_SEV_MEDIUM, "the certificate has expired",
		"Clients warn about an expired certificate on every connection, and users learn to "
		"click through the warning that would tell them about an impostor.",
		"Renew the certificate (Windows renews its self-signed one when the Remote Desktop "
		"Services service restarts).",
		{ "RFC 5280 section 4.1.2.5" } },
	[C_NOT_YET] = { "rdp.cert-not-yet-valid", KW_SEV_MEDIUM, "the certificate is not valid yet",
		"Its validity starts in the future: the server's clock is wrong or the certificate "
		"was made wrongly; clients warn, and users learn to ignore the warning.",
		"Fix the server's clock (NTP) or issue the certificate again.",
		{ "RFC 5280 section 4.1.2.5" } },
	[C_TLS_LEGACY] = { "rdp.tls-legacy", KW_SEV_MEDIUM, "the server negotiates TLS 1.0 or 1.1",
		"Offered every version up to TLS 1.3, the server picked TLS 1.0 or 1.1, which are "
		"deprecated (RFC 8996): it does not support TLS 1.2.",
		"Enable TLS 1.2 for the RDP listener (Windows: the TLS 1.2 update and the "
		"SCHANNEL\\Protocols registry keys; xrdp: ssl_protocols=TLSv1.2, TLSv1.3).",
		{ "RFC 8996", "NIST SP 800-52 Rev. 2" } },
	[C_SELF_SIGNED] = { "rdp.cert-self-signed", KW_SEV_INFO, "the certificate is self-signed",
		"Clients cannot check a self-signed certificate against any authority: unless its "
		"thumbprint is compared by hand, the first connection trusts whoever answers.",
		"Compare the thumbprint with the one the instance prints at boot "
		"(--expect-thumbprint does it), or issue the certificate from your CA.",
		{ REF_EC2 } },
};

const kw_check_def *kw_rdp_check_defs(size_t *n)
{
	*n = C__N;
	return defs;
}

const kw_check_def *kw_rdp_check_find(const char *id)
{
	return kw_check_defs_find(defs, C__N, id);
}

static bool answered(const kw_rdp_probe *p)
{
	return p->ran && !p->err;
}

/* what one probe's confirm said, as evidence */
static void describe_cc(const kw_rdp_confirm *c, char *out, size_t cap)
{
	if (c->kind == KW_RDP_CC_BARE) {
		snprintf(out, cap, "a confirm without negotiation data (a server that knows only standard RDP security)");
	} else if (c->kind == KW_RDP_CC_FAILURE) {
		const char *n = kw_rdp_failure_name(c->failure);
		if (n)
			snprintf(out, cap, "failure %s", n);
		else
			snprintf(out, cap, "failure code %u", (unsigned)c->failure);
	} else {
		const char *n = kw_rdp_protocol_name(c->selected);
		if (n)
			snprintf(out, cap, "%s selected", n);
		else
			snprintf(out, cap, "protocol 0x%x selected", (unsigned)c->selected);
	}
}

static void check_probes(kw_check_ctx *x, const kw_rdp_check_in *in)
{
	const kw_rdp_result *r = in->r;
	for (int k = 0; k < KW_RDP_PROBES; k++) {
		const kw_rdp_probe *p = &r->probes[k];
		if (p->ran && p->err)
			kw_emit(x, &defs[C_NO_ANSWER], in->target, NULL, 0, NULL, "%s probe: %s: %s",
				kw_rdp_probe_name((kw_rdp_probe_kind)k), p->phase ? p->phase : "connect", p->why);
	}
	if (r->tls.attempted && r->tls.err)
		kw_emit(x, &defs[C_NO_ANSWER], in->target, NULL, 0, NULL, "negotiate probe: tls: %s", r->tls.why);
	else if (r->tls.attempted && r->tls.cert_err)
		kw_emit(x, &defs[C_NO_ANSWER], in->target, NULL, 0, NULL, "negotiate probe: certificate: %s",
			r->tls.cert_why);

	const kw_rdp_probe *neg = &r->probes[KW_RDP_PROBE_NEGOTIATE];
	const kw_rdp_probe *rdp = &r->probes[KW_RDP_PROBE_RDP_ONLY];
	char d[160];
	if (r->standard_security == KW_RDP_YES) {
		const kw_rdp_probe *src = answered(rdp) ? rdp : neg;
		describe_cc(&src->cc, d, sizeof d);
		kw_emit(x, &defs[C_STANDARD], in->target, NULL, 0, NULL, "%s probe (requested %s): %s",
			kw_rdp_probe_name(src == rdp ? KW_RDP_PROBE_RDP_ONLY : KW_RDP_PROBE_NEGOTIATE),
			src == rdp ? "PROTOCOL_RDP only" : "PROTOCOL_SSL|PROTOCOL_HYBRID|PROTOCOL_HYBRID_EX", d);
	}
	if (r->nla_required == KW_RDP_NO) {
		/* the probe that showed it: NEGOTIATE when the server chose no CredSSP there,
		 * else RDP_ONLY when standard security got in, else TLS_ONLY */
		kw_rdp_probe_kind k = KW_RDP_PROBE_TLS_ONLY;
		if (answered(neg) && (neg->cc.kind == KW_RDP_CC_BARE ||
				      (neg->cc.kind == KW_RDP_CC_RESPONSE && (neg->cc.selected == KW_RDP_PROTOCOL_RDP ||
									      neg->cc.selected == KW_RDP_PROTOCOL_SSL))))
			k = KW_RDP_PROBE_NEGOTIATE;
		else if (r->standard_security == KW_RDP_YES && answered(rdp))
			k = KW_RDP_PROBE_RDP_ONLY;
		describe_cc(&r->probes[k].cc, d, sizeof d);
		kw_emit(x, &defs[C_NLA], in->target, NULL, 0, NULL, "a client without CredSSP gets a session: %s probe: %s",
			kw_rdp_probe_name(k), d);
	}
}

static bool expected(const kw_rdp_check_in *in, const kw_rdp_cert *c)
{
	for (size_t i = 0; i < in->n_expect; i++)
		if (!strcmp(in->expect[i], c->sha1) || !strcmp(in->expect[i], c->sha256))
			return true;
	return false;
}

static void iso(int64_t t, char out[KW_ISO_LEN + 1])
{
	if (!kw_time_iso(t, true, out, KW_ISO_LEN + 1))
		snprintf(out, KW_ISO_LEN + 1, "?");
}

static void check_cert(kw_check_ctx *x, const kw_rdp_check_in *in)
{
	const kw_rdp_result *r = in->r;
	const kw_rdp_tls *t = &r->tls;
	if (in->n_expect && r->answered && !(t->have_cert && expected(in, &t->cert))) {
		if (t->have_cert)
			kw_emit(x, &defs[C_MISMATCH], in->target, NULL, 0, NULL,
				"the server showed SHA-1 %s (SHA-256 %s), subject %s; expected %zu other "
				"thumbprint%s (--expect-thumbprint)", t->cert.sha1, t->cert.sha256, t->cert.subject,
				in->n_expect, in->n_expect == 1 ? "" : "s");
		else
			kw_emit(x, &defs[C_MISMATCH], in->target, NULL, 0, NULL,
				"the server showed no certificate to compare (%s); expected %zu thumbprint%s "
				"(--expect-thumbprint)",
				!t->attempted ? "it does not offer TLS" : t->err ? "the TLS handshake failed"
									 : "the certificate could not be read",
				in->n_expect, in->n_expect == 1 ? "" : "s");
	}
	if (!t->have_cert)
		return;
	const kw_rdp_cert *c = &t->cert;
	unsigned min = (unsigned)kw_profile_threshold(x->p, &defs[C_WEAK_KEY], 2048);
	bool rsa_dsa = !strcmp(c->key_type, "RSA") || !strcmp(c->key_type, "RSA-PSS") || !strcmp(c->key_type, "DSA");
	if ((rsa_dsa && c->key_bits < min) || (!strcmp(c->key_type, "EC") && c->key_bits < 224))
		kw_emit(x, &defs[C_WEAK_KEY], in->target, NULL, 0, NULL, "%s %u bits (at least %u), SHA-1 %s",
			c->key_type, c->key_bits, rsa_dsa ? min : 224, c->sha1);
	char a[KW_ISO_LEN + 1], b[KW_ISO_LEN + 1];
	if (in->now > c->not_after) {
		iso(c->not_after, a);
		iso(in->now, b);
		kw_emit(x, &defs[C_EXPIRED], in->target, NULL, 0, NULL, "not after %s (now %s), SHA-1 %s", a, b,
			c->sha1);
	}
	if (in->now < c->not_before) {
		iso(c->not_before, a);
		iso(in->now, b);
		kw_emit(x, &defs[C_NOT_YET], in->target, NULL, 0, NULL, "not before %s (now %s), SHA-1 %s", a, b,
			c->sha1);
	}
	if (c->self_signed && !in->n_expect)
		kw_emit(x, &defs[C_SELF_SIGNED], in->target, NULL, 0, NULL, "subject %s, SHA-1 %s", c->subject,
			c->sha1);
}

int kw_rdp_checks(const kw_profile *p, const kw_rdp_check_in *in, kw_findings *out)
{
	kw_check_ctx x = { .f = NULL, .p = p, .out = out };
	const kw_rdp_result *r = in->r;
	check_probes(&x, in);
	if (r->tls.attempted && !r->tls.err && r->tls.version_num > 0 && r->tls.version_num < TLS1_2)
		kw_emit(&x, &defs[C_TLS_LEGACY], in->target, NULL, 0, NULL, "%s negotiated (%s)", r->tls.version,
			r->tls.cipher);
	check_cert(&x, in);
	return x.err;
}
