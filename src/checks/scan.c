/* scan.c — the checks of `keyward scan`: what one live server offered on the wire, graded
 * with the same ratings table and profiles as the sshd_config checks (checks/sshd.c), its
 * host keys (verified signatures, sizes, the fingerprints the user expects), the groups
 * its group exchange hands out, and notes on its software version. Pure: a scan result
 * in, findings out. */
#include "checks/scan.h"

#include "base/buf.h"
#include "base/err.h"
#include "sshd/algos.h"

#include <stdio.h>
#include <string.h>

#define REF_SSHAUDIT "ssh-audit algorithm database"

enum {
	C_UNREACHABLE,
	C_ALGO_FAIL,
	C_ALGO_WARN,
	C_TERRAPIN,
	C_KEY_BADSIG,
	C_KEY_UNVERIFIED,
	C_KEY_MISMATCH,
	C_KEY_RSA_SMALL,
	C_KEY_DSA,
	C_GEX_SMALL,
	C_GEX_BAD,
	C_BAD_NAMES,
	C_SOFTWARE,
	C_DRIFT,
	C_KEY_REVOKED,
	C__N
};

static const kw_check_def defs[C__N] = {
	[C_UNREACHABLE] = { "scan.no-answer", KW_SEV_INFO, "the server could not be scanned",
		"Nothing could be learned: the connection was refused or timed out, or the server "
		"broke the protocol before its KEXINIT.",
		"Check that the address and port are right and that a firewall lets the scanner in.",
		{ "RFC 4253 section 4.2 and 7.1" } },
	[C_ALGO_FAIL] = { "scan.weak-algorithms", KW_SEV_HIGH, "weak algorithms offered on the wire",
		"SHA-1 key exchange and signatures, CBC and 3DES ciphers, MD5/SHA-1/96-bit MACs and "
		"DSA keys are broken or deprecated (ssh-audit FAIL class).",
		"Remove them from the server's Ciphers, MACs, KexAlgorithms and HostKeyAlgorithms; "
		"`keyward harden` does it for OpenSSH.",
		{ REF_SSHAUDIT, "data/algorithms.ratings" } },
	[C_ALGO_WARN] = { "scan.discouraged-algorithms", KW_SEV_LOW, "discouraged algorithms offered on the wire",
		"NIST curves, 2048-bit groups, encrypt-and-MAC and 64-bit-tag MACs are graded WARN.",
		"Prefer the hardened lists in docs/algorithms.md.",
		{ REF_SSHAUDIT, "data/algorithms.ratings" } },
	[C_TERRAPIN] = { "scan.terrapin", KW_SEV_MEDIUM, "exposed to the Terrapin attack (CVE-2023-48795)",
		"chacha20-poly1305 or an -etm MAC with a CBC cipher, offered without strict key "
		"exchange (kex-strict-s-v00@openssh.com), let a network attacker drop messages at "
		"the start of the session.",
		"Upgrade the server to a version with strict kex (OpenSSH 9.6, or a distribution "
		"backport), or remove chacha20-poly1305@openssh.com and the CBC ciphers.",
		{ "CVE-2023-48795" } },
	[C_KEY_BADSIG] = { "scan.host-key-bad-signature", KW_SEV_CRITICAL, "the server's signature does not verify",
		"The server showed a host key but could not sign the exchange hash with it: whatever "
		"answers at this address does not hold that key (a man in the middle, or a broken "
		"server). ssh-keyscan would have printed the key anyway.",
		"Do not trust this key; find out what answers at this address.",
		{ "RFC 4253 section 8", "ssh-keyscan(1) does not verify signatures" } },
	[C_KEY_UNVERIFIED] = { "scan.host-key-unverified", KW_SEV_INFO, "a host key could not be verified",
		"keyward shows a fingerprint as verified only when the server signed the exchange "
		"hash with the key; for this one it could not check (a certificate, an sk- key, a "
		"failed exchange).",
		"Compare the fingerprint with the one on the server (`ssh-keygen -lf` on its .pub).",
		{ "RFC 4253 section 8" } },
	[C_KEY_MISMATCH] = { "scan.host-key-mismatch", KW_SEV_CRITICAL, "the host key is not the one expected",
		"The verified host key is neither in --expect nor in the known_hosts file for this "
		"host: you would be sending credentials to another computer than you think.",
		"Find out why the key changed (reinstall, new image, attack) before logging in.",
		{ "AWS: verify the instance's host key fingerprint", "ssh(1) StrictHostKeyChecking" } },
	[C_KEY_RSA_SMALL] = { "scan.host-key-rsa-small", KW_SEV_MEDIUM, "RSA host key below 3072 bits",
		"RSA keys under 3072 bits fall short of current guidance (NIST SP 800-57); under "
		"2048 they are weak (ssh-audit FAIL).",
		"Make a new one: `ssh-keygen -t rsa -b 4096 -f /etc/ssh/ssh_host_rsa_key -N ''`.",
		{ "ssh-audit hardened policy (RSA 4096)", "NIST SP 800-57" } },
	[C_KEY_DSA] = { "scan.host-key-dsa", KW_SEV_MEDIUM, "DSA host key offered",
		"DSA (ssh-dss) is limited to 1024 bits and SHA-1; OpenSSH removed it in 10.0.",
		"Delete the DSA host key and its HostKey line.",
		{ "ssh-audit: ssh-dss FAIL" } },
	[C_GEX_SMALL] = { "scan.gex-small-group", KW_SEV_LOW, "group exchange hands out small groups",
		"The server's group exchange gave a group below the profile's minimum (baseline 2048, "
		"strict 3072 bits): its moduli file holds weak groups.",
		"Filter /etc/ssh/moduli: `awk '$5 >= 3071' /etc/ssh/moduli > m && mv m /etc/ssh/moduli` "
		"(`keyward harden` does it).",
		{ "RFC 8270", "Mozilla OpenSSH guidelines (moduli >= 3071)" } },
	[C_GEX_BAD] = { "scan.gex-bad-group", KW_SEV_HIGH, "group exchange hands out a group outside the request",
		"The group is larger or smaller than the client asked for, or not a valid group (even "
		"p, g out of range): a broken or hostile server.",
		"Check the server's moduli file and software.",
		{ "RFC 4419 section 3", "RFC 8270" } },
	[C_BAD_NAMES] = { "scan.malformed-names", KW_SEV_LOW, "malformed algorithm names in KEXINIT",
		"The server sends names that break RFC 4251 section 6 (empty, over 64 bytes, not "
		"printable ASCII): a broken or hostile implementation.",
		"Check the server's software.",
		{ "RFC 4251 section 6" } },
	[C_SOFTWARE] = { "scan.software-advisory", KW_SEV_MEDIUM, "the banner names a version with a known advisory",
		"The software version in the banner falls in the range of a published advisory. "
		"Distributions backport fixes without changing the upstream version, so a banner-only "
		"match is possible, not confirmed, unless the distribution's patch level says fixed.",
		"Check the installed package against the distribution's security tracker, and upgrade.",
		{ "data/ssh-software.notes" } },
	[C_DRIFT] = { "scan.config-drift", KW_SEV_MEDIUM, "the server offers something its configuration does not say",
		"What the running server offers differs from what its sshd_config (read as sshd reads "
		"it) says: sshd was not restarted after a change, the file read is not the one in use, "
		"or something else answers on the port.",
		"Restart sshd after checking the configuration (`sshd -t`), or find what is listening.",
		{ "sshd(8): SIGHUP re-reads the configuration" } },
	[C_KEY_REVOKED] = { "scan.host-key-revoked", KW_SEV_CRITICAL, "the server proved a revoked host key",
		"The server signed the exchange with a key that the known_hosts file marks @revoked for "
		"this host: ssh refuses it, and whoever holds it may be impersonating the host.",
		"Find out why the server still uses the revoked key; replace it (`ssh-keygen -A` after "
		"removing /etc/ssh/ssh_host_*) and update known_hosts.",
		{ "sshd(8) SSH_KNOWN_HOSTS FILE FORMAT (@revoked)", "ssh(1) StrictHostKeyChecking" } },
};

const kw_check_def *kw_scan_check_defs(size_t *n)
{
	*n = C__N;
	return defs;
}

const kw_check_def *kw_scan_check_find(const char *id)
{
	return kw_check_defs_find(defs, C__N, id);
}

static const struct {
	int list;
	kw_alg_kind kind;
	const char *what;
} graded[] = {
	{ KW_KEXL_KEX, KW_ALG_KEX, "key exchange" },
	{ KW_KEXL_HOSTKEY, KW_ALG_HOSTKEY, "host key" },
	{ KW_KEXL_ENC_SC, KW_ALG_CIPHERS, "cipher" },
	{ KW_KEXL_MAC_SC, KW_ALG_MACS, "MAC" },
};

/* The names of both directions of one kind, once each, as a comma list. */
static int both_directions(const kw_ssh_kexinit *k, int list, kw_sb *out)
{
	int r = kw_ssh_namelist_join(&k->lists[list], out);
	int other = list == KW_KEXL_ENC_SC ? KW_KEXL_ENC_CS : list == KW_KEXL_MAC_SC ? KW_KEXL_MAC_CS : -1;
	for (size_t i = 0; r == 0 && other >= 0 && i < k->lists[other].n; i++) {
		const char *n = k->lists[other].names[i];
		if (!kw_ssh_namelist_has(&k->lists[list], n))
			r = kw_sb_printf(out, "%s%s", out->len ? "," : "", n) < 0 ? -ENOMEM : 0;
	}
	return r;
}

static void check_algorithms(kw_check_ctx *x, const kw_scan_check_in *in)
{
	const kw_ssh_kexinit *k = &in->r->kexinit;
	const char *policy = x->p->sshd_policy[0] ? x->p->sshd_policy : "baseline";
	kw_sb lists[4];
	for (size_t i = 0; i < 4; i++) {
		kw_sb_init(&lists[i]);
		if (both_directions(k, graded[i].list, &lists[i]) < 0)
			x->err = -ENOMEM;
	}
	for (size_t i = 0; i < 4 && !x->err; i++) {
		kw_sb fail, warn;
		kw_sb_init(&fail);
		kw_sb_init(&warn);
		if (kw_algos_grade_list(graded[i].kind, lists[i].s, policy, &fail, &warn) == -ENOMEM)
			x->err = -ENOMEM;
		if (fail.len)
			kw_emit(x, &defs[C_ALGO_FAIL], in->target, NULL, 0, NULL, "%s (policy %s): %s",
				graded[i].what, policy, fail.s);
		if (warn.len)
			kw_emit(x, &defs[C_ALGO_WARN], in->target, NULL, 0, NULL, "%s (policy %s): %s",
				graded[i].what, policy, warn.s);
		kw_sb_release(&fail);
		kw_sb_release(&warn);
	}
	const char *why = NULL;
	if (!x->err && kw_algos_terrapin_check(lists[2].s, lists[3].s, lists[0].s,
					       KW_STRICTKEX_FROM_LIST, &why))
		kw_emit(x, &defs[C_TERRAPIN], in->target, NULL, 0, NULL, "%s", why ? why : "exposed");
	size_t bad = 0;
	for (int i = 0; i < KW_KEXL_N; i++)
		bad += k->lists[i].bad;
	if (bad)
		kw_emit(x, &defs[C_BAD_NAMES], in->target, NULL, 0, NULL,
			"%zu malformed name%s in the server's KEXINIT", bad, bad == 1 ? "" : "s");
	for (size_t i = 0; i < 4; i++)
		kw_sb_release(&lists[i]);
}

static bool expected(const kw_scan_check_in *in, const char *fp)
{
	for (size_t i = 0; i < in->n_expect; i++)
		if (!strcmp(in->expect[i], fp))
			return true;
	return false;
}

static void check_keys(kw_check_ctx *x, const kw_scan_check_in *in)
{
	const kw_scan_result *r = in->r;
	bool strict = !strcmp(x->p->sshd_policy, "strict");
	unsigned rsa_min = (unsigned)kw_profile_threshold(x->p, &defs[C_KEY_RSA_SMALL], strict ? 4096 : 3072);
	bool any_verified = false, any_expected = false;
	for (size_t i = 0; i < r->n_keys; i++) {
		const kw_scan_key *k = &r->keys[i];
		if (k->err) {
			kw_emit(x, &defs[C_KEY_UNVERIFIED], in->target, NULL, 0, NULL, "%s: %s",
				k->alg[0] ? k->alg : "host key", k->why);
			continue;
		}
		const kw_kex_result *res = &k->res;
		if (!res->verified) {
			bool bad = res->verify_err == KW_E_SIGNATURE;
			kw_emit(x, &defs[bad ? C_KEY_BADSIG : C_KEY_UNVERIFIED], in->target, NULL, 0, NULL,
				"%s %s %u %s: %s", k->alg, res->key.label, res->key.bits, res->key.fp, res->why);
			continue;
		}
		any_verified = true;
		if (expected(in, res->key.fp))
			any_expected = true;
		for (size_t j = 0; j < in->n_revoked; j++)
			if (!strcmp(in->revoked[j], res->key.fp))
				kw_emit(x, &defs[C_KEY_REVOKED], in->target, NULL, 0, NULL, "%s %u %s (%s)",
					res->key.label, res->key.bits, res->key.fp,
					in->revoked_source ? in->revoked_source : "known_hosts");
		if (!strcmp(res->key.label, "RSA") && res->key.bits < rsa_min)
			kw_emit_default(x, &defs[C_KEY_RSA_SMALL], res->key.bits < 2048 ? KW_SEV_HIGH : KW_SEV_MEDIUM,
					in->target, NULL, 0, NULL, "RSA %u bits (%s policy asks for %u) %s",
					res->key.bits, strict ? "strict" : "baseline", rsa_min, res->key.fp);
		if (!strcmp(res->key.label, "DSA"))
			kw_emit(x, &defs[C_KEY_DSA], in->target, NULL, 0, NULL, "DSA %u %s", res->key.bits,
				res->key.fp);
	}
	if (in->expect_given && any_verified && !any_expected) {
		kw_sb fps;
		kw_sb_init(&fps);
		for (size_t i = 0; i < r->n_keys; i++)
			if (!r->keys[i].err && r->keys[i].res.verified)
				kw_sb_printf(&fps, "%s%s %s", fps.len ? ", " : "", r->keys[i].res.key.label,
					     r->keys[i].res.key.fp);
		kw_emit(x, &defs[C_KEY_MISMATCH], in->target, NULL, 0, NULL,
			"the server proved %s; expected %zu other fingerprint%s (%s)", fps.s,
			in->n_expect, in->n_expect == 1 ? "" : "s", in->expect_source ? in->expect_source : "--expect");
		kw_sb_release(&fps);
	}
}

static void check_gex(kw_check_ctx *x, const kw_scan_check_in *in)
{
	const kw_scan_result *r = in->r;
	bool strict = !strcmp(x->p->sshd_policy, "strict");
	unsigned min = (unsigned)kw_profile_threshold(x->p, &defs[C_GEX_SMALL], strict ? 3072 : 2048);
	unsigned smallest = 0;
	kw_sb small;
	kw_sb_init(&small);
	for (size_t i = 0; i < r->n_gex; i++) {
		const kw_scan_gex *g = &r->gex[i];
		if (g->err)
			continue;
		if (!g->g.in_range || !g->g.p_odd || !g->g.g_ok) {
			kw_emit(x, &defs[C_GEX_BAD], in->target, NULL, 0, NULL,
				"asked %u:%u:%u, got a %u-bit group%s%s%s", g->req.min, g->req.n, g->req.max,
				g->g.bits, g->g.in_range ? "" : " (out of range)", g->g.p_odd ? "" : " (even p)",
				g->g.g_ok ? "" : " (bad generator)");
			continue;
		}
		if (g->g.bits < min) {
			kw_sb_printf(&small, "%s%u:%u:%u -> %u", small.len ? ", " : "", g->req.min, g->req.n,
				     g->req.max, g->g.bits);
			if (!smallest || g->g.bits < smallest)
				smallest = g->g.bits;
		}
	}
	if (small.len)
		kw_emit(x, &defs[C_GEX_SMALL], in->target, NULL, 0, NULL,
			"smallest group %u bits (%s policy asks for %u): %s", smallest,
			strict ? "strict" : "baseline", min, small.s);
	kw_sb_release(&small);
}

int kw_scan_checks(const kw_profile *p, const kw_scan_check_in *in, kw_findings *out)
{
	kw_check_ctx x = { .f = NULL, .p = p, .out = out };
	const kw_scan_result *r = in->r;
	if (!r->have_kexinit) {
		kw_emit(&x, &defs[C_UNREACHABLE], in->target, NULL, 0, NULL, "%s: %s",
			r->phase ? r->phase : "connect", r->why[0] ? r->why : "no answer");
		return x.err;
	}
	check_algorithms(&x, in);
	check_keys(&x, in);
	check_gex(&x, in);
	for (size_t i = 0; i < in->n_notes; i++)
		kw_emit_default(&x, &defs[C_SOFTWARE], in->notes[i].severity, in->target, NULL, 0, NULL,
				"%s", in->notes[i].text);
	for (size_t i = 0; i < in->n_drift; i++)
		kw_emit(&x, &defs[C_DRIFT], in->target, NULL, 0, NULL, "%s", in->drift[i]);
	return x.err;
}
