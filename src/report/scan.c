/* scan.c — see scan.h. */
#include "report/scan.h"

#include "base/cleanup.h"
#include "base/escape.h"
#include "base/time.h"
#include "report/findings.h"
#include "report/jsonw.h"
#include "report/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_keys[KW_KEXL_N] = {
	"kex", "hostkey", "enc_cs", "enc_sc", "mac_cs", "mac_sc", "comp_cs", "comp_sc", "lang_cs", "lang_sc",
};

static void put_esc(FILE *out, const char *s)
{
	_cleanup_free_ char *e = kw_escape_str(s ? s : "");
	fputs(e ? e : "?", out);
}

static void text_list(FILE *out, const char *label, const kw_ssh_namelist *l)
{
	fprintf(out, "  %-9s", label);
	if (!l->n)
		fputs(" (none)", out);
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ", " : " ", out);
		put_esc(out, l->names[i]);
	}
	if (l->dropped)
		fprintf(out, " (+%zu not kept)", l->dropped);
	fputc('\n', out);
}

static bool same_list(const kw_ssh_namelist *a, const kw_ssh_namelist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]))
			return false;
	return true;
}

static void text_target(FILE *out, const kw_scan_report *rep, size_t i)
{
	const kw_scan_result *r = &rep->results[i];
	_cleanup_free_ char *label = kw_target_label(&rep->targets->v[i]);
	fprintf(out, "%s", label ? label : "?");
	if (r->have_ident) {
		fputs("  ", out);
		put_esc(out, r->ident.software);
		if (r->ident.comments) {
			fputc(' ', out);
			put_esc(out, r->ident.comments);
		}
	}
	fprintf(out, "  (%.3f s, %u connection%s)\n", r->ms / 1000.0, r->conns, r->conns == 1 ? "" : "s");
	if (r->ident.npre)
		fprintf(out, "  %zu line%s before the banner\n", r->ident.npre, r->ident.npre == 1 ? "" : "s");
	if (!r->have_kexinit) {
		fputs("  not scanned: ", out);
		fprintf(out, "%s: ", r->phase ? r->phase : "connect");
		fputs(r->why[0] ? r->why : "no answer", out);
		fputc('\n', out);
		return;
	}
	const kw_ssh_kexinit *k = &r->kexinit;
	text_list(out, "kex", &k->lists[KW_KEXL_KEX]);
	text_list(out, "host key", &k->lists[KW_KEXL_HOSTKEY]);
	text_list(out, "ciphers", &k->lists[KW_KEXL_ENC_SC]);
	if (!same_list(&k->lists[KW_KEXL_ENC_SC], &k->lists[KW_KEXL_ENC_CS]))
		text_list(out, "  (c->s)", &k->lists[KW_KEXL_ENC_CS]);
	text_list(out, "MACs", &k->lists[KW_KEXL_MAC_SC]);
	if (!same_list(&k->lists[KW_KEXL_MAC_SC], &k->lists[KW_KEXL_MAC_CS]))
		text_list(out, "  (c->s)", &k->lists[KW_KEXL_MAC_CS]);
	text_list(out, "compress", &k->lists[KW_KEXL_COMP_SC]);
	fprintf(out, "  %-9s strict kex %s, ext-info %s\n", "", k->strict_kex ? "yes" : "no",
		k->ext_info ? "yes" : "no");
	for (size_t j = 0; j < r->n_keys; j++) {
		const kw_scan_key *key = &r->keys[j];
		fprintf(out, "  %-9s ", j ? "" : "keys");
		if (key->err) {
			put_esc(out, key->alg[0] ? key->alg : "?");
			fprintf(out, ": %s\n", key->why);
			continue;
		}
		const kw_pubkey *p = &key->res.key;
		fprintf(out, "%-8s %5u  %s", p->label, p->bits, rep->md5 && p->fp_md5[0] ? p->fp_md5 : p->fp);
		if (key->res.verified)
			fprintf(out, "  verified (%s, %s)\n", key->alg, key->kex);
		else
			fprintf(out, "  NOT VERIFIED: %s\n", key->res.why);
	}
	for (size_t j = 0; j < r->n_gex; j++) {
		const kw_scan_gex *g = &r->gex[j];
		fprintf(out, "  %-9s %u:%u:%u -> ", j ? "" : "gex", g->req.min, g->req.n, g->req.max);
		if (g->err)
			fprintf(out, "%s\n", g->why);
		else
			fprintf(out, "%u bits%s\n", g->g.bits, g->g.in_range ? "" : " (out of range)");
	}
}


/* ---- RDP targets ---- */

static const char *tri_text(kw_rdp_tri t, const char *yes, const char *no)
{
	return t == KW_RDP_YES ? yes : t == KW_RDP_NO ? no : "unknown";
}

static const char *const flag_names[] = {
	"EXTENDED_CLIENT_DATA_SUPPORTED", "DYNVC_GFX_PROTOCOL_SUPPORTED", "NEGRSP_FLAG_RESERVED",
	"RESTRICTED_ADMIN_MODE_SUPPORTED", "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED",
};

static void text_confirm(FILE *out, const kw_rdp_confirm *c)
{
	if (c->kind == KW_RDP_CC_BARE) {
		fputs("no negotiation data (standard RDP security only)", out);
	} else if (c->kind == KW_RDP_CC_FAILURE) {
		const char *n = kw_rdp_failure_name(c->failure);
		if (n)
			fprintf(out, "failure %s", n);
		else
			fprintf(out, "failure code %u", (unsigned)c->failure);
	} else {
		const char *n = kw_rdp_protocol_name(c->selected);
		if (n)
			fprintf(out, "%s selected (%s)", n, kw_rdp_protocol_desc(c->selected));
		else
			fprintf(out, "protocol 0x%x selected", (unsigned)c->selected);
	}
}

static void text_rdp_target(FILE *out, const kw_scan_report *rep, size_t i)
{
	const kw_rdp_result *r = &rep->rdp_results[i];
	_cleanup_free_ char *label = kw_rdp_target_label(&rep->rdp_targets->v[i]);
	fprintf(out, "%s  (%.3f s, %u connection%s)\n", label ? label : "?", r->ms / 1000.0, r->conns,
		r->conns == 1 ? "" : "s");
	const kw_rdp_probe *neg = &r->probes[KW_RDP_PROBE_NEGOTIATE];
	if (!r->answered) {
		fprintf(out, "  not probed: %s: %s\n", neg->phase ? neg->phase : "connect",
			neg->why[0] ? neg->why : "no answer");
		return;
	}
	for (int k = 0; k < KW_RDP_PROBES; k++) {
		const kw_rdp_probe *p = &r->probes[k];
		char asked[128];
		kw_rdp_protocols_str(p->requested, asked, sizeof asked);
		fprintf(out, "  %-10s %s: ", kw_rdp_probe_name((kw_rdp_probe_kind)k), asked);
		if (!p->ran)
			fputs(r->finished ? "not needed" : "not probed (interrupted)", out);
		else if (p->err)
			fprintf(out, "%s: %s", p->phase ? p->phase : "connect", p->why);
		else
			text_confirm(out, &p->cc);
		fputc('\n', out);
	}
	fprintf(out, "  %-10s standard RDP security %s, NLA %s\n", "verdict",
		tri_text(r->standard_security, "accepted", "refused"),
		tri_text(r->nla_required, "required", "not required"));
	const kw_rdp_tls *t = &r->tls;
	if (!t->attempted)
		return;
	if (t->err) {
		fprintf(out, "  %-10s %s\n", "TLS", t->why);
		return;
	}
	fprintf(out, "  %-10s %s %s\n", "TLS", t->version, t->cipher);
	if (!t->have_cert) {
		fprintf(out, "  %-10s %s\n", "cert", t->cert_why);
		return;
	}
	const kw_rdp_cert *c = &t->cert;
	char a[KW_ISO_LEN + 1] = "?", b[KW_ISO_LEN + 1] = "?";
	kw_time_iso(c->not_before, true, a, sizeof a);
	kw_time_iso(c->not_after, true, b, sizeof b);
	fprintf(out, "  %-10s subject ", "cert");
	put_esc(out, c->subject);
	fprintf(out, "\n  %-10s issuer  ", "");
	put_esc(out, c->issuer);
	fprintf(out, "%s\n", c->self_signed ? " (self-signed)" : "");
	fprintf(out, "  %-10s valid   %s to %s\n", "", a, b);
	fprintf(out, "  %-10s key     %s %u bits, %s\n", "", c->key_type, c->key_bits, c->sig_alg);
	fprintf(out, "  %-10s SHA-1   %s\n", "", c->sha1);
	fprintf(out, "  %-10s SHA-256 %s\n", "", c->sha256);
}

int kw_scan_render_text(FILE *out, const kw_scan_report *rep)
{
	size_t ok = 0, rdp_ok = 0, n_rdp = rep->rdp_targets ? rep->rdp_targets->n : 0;
	for (size_t i = 0; i < rep->targets->n; i++) {
		text_target(out, rep, i);
		fputc('\n', out);
		ok += rep->results[i].have_kexinit;
	}
	for (size_t i = 0; i < n_rdp; i++) {
		text_rdp_target(out, rep, i);
		fputc('\n', out);
		rdp_ok += rep->rdp_results[i].answered;
	}
	if (rep->targets->n || !n_rdp)
		fprintf(out, "scanned %zu of %zu target%s", ok, rep->targets->n, rep->targets->n == 1 ? "" : "s");
	if (n_rdp)
		fprintf(out, "%sprobed %zu of %zu RDP target%s", rep->targets->n ? ", " : "", rdp_ok, n_rdp,
			n_rdp == 1 ? "" : "s");
	fprintf(out, " in %.2f s%s\n", rep->seconds, rep->interrupted ? " (interrupted)" : "");
	kw_findings_text(out, rep->findings, true);
	return kw_out_finish(out);
}

static void json_list(kw_jw *w, const char *key, const kw_ssh_namelist *l)
{
	kw_jw_arr(w, key);
	for (size_t i = 0; i < l->n; i++)
		kw_jw_strz(w, NULL, l->names[i]);
	kw_jw_end(w);
}

/* a target's object opened with what names its endpoint: target, spec, address, port */
static void json_endpoint(kw_jw *w, const char *label, const kw_target_ep *ep)
{
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "target", label);
	kw_jw_strz(w, "spec", ep->spec);
	char a[KW_ADDR_STRLEN] = "";
	if (ep->addr.fam)
		kw_addr_format(&ep->addr, a, sizeof a);
	kw_jw_strz(w, "address", a[0] ? a : NULL);
	kw_jw_uint(w, "port", ep->port);
}

static void json_target(kw_jw *w, const kw_scan_report *rep, size_t i)
{
	const kw_scan_result *r = &rep->results[i];
	const kw_target_ep *ep = &rep->targets->v[i];
	_cleanup_free_ char *label = kw_target_label(ep);
	json_endpoint(w, label, ep);
	kw_jw_strz(w, "status", r->have_kexinit ? "scanned" : r->finished ? "failed" : "not scanned");
	kw_jw_strz(w, "phase", r->phase);
	kw_jw_strz(w, "error", r->err ? r->why : NULL);
	kw_jw_uint(w, "ms", r->ms);
	kw_jw_uint(w, "connections", r->conns);
	if (r->have_ident) {
		kw_jw_obj(w, "banner");
		kw_jw_strz(w, "raw", r->ident.line);
		kw_jw_strz(w, "protocol", r->ident.proto);
		kw_jw_strz(w, "software", r->ident.software);
		kw_jw_strz(w, "comments", r->ident.comments);
		kw_jw_uint(w, "lines_before", r->ident.npre);
		kw_jw_arr(w, "lines_before_kept");
		for (size_t j = 0; j < r->ident.npre_kept; j++)
			kw_jw_strz(w, NULL, r->ident.pre[j]);
		kw_jw_end(w);
		kw_jw_bool(w, "bare_lf", r->ident.bare_lf);
		kw_jw_end(w);
	} else {
		kw_jw_null(w, "banner");
	}
	if (r->have_kexinit) {
		const kw_ssh_kexinit *k = &r->kexinit;
		kw_jw_obj(w, "kexinit");
		for (int j = 0; j < KW_KEXL_N; j++)
			json_list(w, list_keys[j], &k->lists[j]);
		size_t bad = 0, dropped = 0;
		for (int j = 0; j < KW_KEXL_N; j++) {
			bad += k->lists[j].bad;
			dropped += k->lists[j].dropped;
		}
		kw_jw_uint(w, "malformed_names", bad);
		kw_jw_uint(w, "dropped_names", dropped);
		kw_jw_bool(w, "strict_kex", k->strict_kex);
		kw_jw_bool(w, "ext_info", k->ext_info);
		kw_jw_bool(w, "first_kex_packet_follows", k->first_kex_follows);
		kw_jw_end(w);
	} else {
		kw_jw_null(w, "kexinit");
	}
	kw_jw_arr(w, "host_keys");
	for (size_t j = 0; j < r->n_keys; j++) {
		const kw_scan_key *key = &r->keys[j];
		kw_jw_obj(w, NULL);
		kw_jw_strz(w, "algorithm", key->alg);
		kw_jw_strz(w, "kex", key->kex[0] ? key->kex : NULL);
		if (key->err) {
			/* every documented key in every entry (docs/scan.md), null when unknown */
			kw_jw_null(w, "type");
			kw_jw_null(w, "bits");
			kw_jw_null(w, "fingerprint");
			kw_jw_null(w, "fingerprint_md5");
			kw_jw_bool(w, "verified", false);
			kw_jw_strz(w, "error", key->why);
		} else {
			const kw_pubkey *p = &key->res.key;
			kw_jw_strz(w, "type", p->label);
			kw_jw_uint(w, "bits", p->bits);
			kw_jw_strz(w, "fingerprint", p->fp);
			kw_jw_strz(w, "fingerprint_md5", p->fp_md5[0] ? p->fp_md5 : NULL);
			kw_jw_bool(w, "verified", key->res.verified);
			kw_jw_strz(w, "error", key->res.verified ? NULL : key->res.why);
		}
		kw_jw_end(w);
	}
	kw_jw_end(w);
	kw_jw_arr(w, "gex");
	for (size_t j = 0; j < r->n_gex; j++) {
		const kw_scan_gex *g = &r->gex[j];
		kw_jw_obj(w, NULL);
		kw_jw_uint(w, "min", g->req.min);
		kw_jw_uint(w, "n", g->req.n);
		kw_jw_uint(w, "max", g->req.max);
		kw_jw_strz(w, "kex", g->kex[0] ? g->kex : NULL);
		if (g->err) {
			kw_jw_null(w, "bits");
			kw_jw_null(w, "in_range");
			kw_jw_null(w, "p_odd");
			kw_jw_null(w, "g_ok");
			kw_jw_strz(w, "error", g->why);
		} else {
			kw_jw_uint(w, "bits", g->g.bits);
			kw_jw_bool(w, "in_range", g->g.in_range);
			kw_jw_bool(w, "p_odd", g->g.p_odd);
			kw_jw_bool(w, "g_ok", g->g.g_ok);
			kw_jw_null(w, "error");
		}
		kw_jw_end(w);
	}
	kw_jw_end(w);
	kw_jw_end(w);
}


static void json_tri(kw_jw *w, const char *key, kw_rdp_tri t)
{
	if (t == KW_RDP_UNKNOWN)
		kw_jw_null(w, key);
	else
		kw_jw_bool(w, key, t == KW_RDP_YES);
}

static void json_protocols(kw_jw *w, const char *key, uint32_t mask)
{
	kw_jw_arr(w, key);
	if (mask == 0)
		kw_jw_strz(w, NULL, "PROTOCOL_RDP");
	for (int b = 0; b < 32; b++) {
		uint32_t bit = (uint32_t)1 << b;
		if (!(mask & bit))
			continue;
		const char *n = kw_rdp_protocol_name(bit);
		char hex[16];
		snprintf(hex, sizeof hex, "0x%x", bit);
		kw_jw_strz(w, NULL, n ? n : hex);
	}
	kw_jw_end(w);
}

static void json_confirm(kw_jw *w, const kw_rdp_confirm *c)
{
	kw_jw_obj(w, "confirm");
	kw_jw_strz(w, "type", c->kind == KW_RDP_CC_BARE ? "bare" : c->kind == KW_RDP_CC_FAILURE ? "failure" : "response");
	if (c->kind == KW_RDP_CC_RESPONSE) {
		kw_jw_strz(w, "selected", kw_rdp_protocol_name(c->selected));
		kw_jw_uint(w, "selected_value", c->selected);
		kw_jw_arr(w, "flags");
		for (unsigned b = 0; b < 8; b++)
			if (c->flags & (1u << b)) {
				char hex[8];
				snprintf(hex, sizeof hex, "0x%02x", 1u << b);
				kw_jw_strz(w, NULL, b < KW_ARRAY_LEN(flag_names) ? flag_names[b] : hex);
			}
		kw_jw_end(w);
	} else {
		kw_jw_null(w, "selected");
		kw_jw_null(w, "selected_value");
		kw_jw_arr(w, "flags");
		kw_jw_end(w);
	}
	if (c->kind == KW_RDP_CC_FAILURE) {
		kw_jw_strz(w, "failure", kw_rdp_failure_name(c->failure));
		kw_jw_uint(w, "failure_value", c->failure);
	} else {
		kw_jw_null(w, "failure");
		kw_jw_null(w, "failure_value");
	}
	kw_jw_end(w);
}

static void json_cert(kw_jw *w, const kw_rdp_cert *c)
{
	char a[KW_ISO_LEN + 1] = "", b[KW_ISO_LEN + 1] = "";
	kw_time_iso(c->not_before, true, a, sizeof a);
	kw_time_iso(c->not_after, true, b, sizeof b);
	kw_jw_obj(w, "certificate");
	kw_jw_strz(w, "subject", c->subject);
	kw_jw_strz(w, "issuer", c->issuer);
	kw_jw_strz(w, "not_before", a);
	kw_jw_strz(w, "not_after", b);
	kw_jw_int(w, "not_before_unix", c->not_before);
	kw_jw_int(w, "not_after_unix", c->not_after);
	kw_jw_strz(w, "key_type", c->key_type);
	kw_jw_uint(w, "key_bits", c->key_bits);
	kw_jw_strz(w, "signature_algorithm", c->sig_alg);
	kw_jw_strz(w, "sha1", c->sha1);
	kw_jw_strz(w, "sha256", c->sha256);
	kw_jw_bool(w, "self_signed", c->self_signed);
	kw_jw_uint(w, "der_bytes", c->der_len);
	kw_jw_end(w);
}

static void json_rdp_target(kw_jw *w, const kw_scan_report *rep, size_t i)
{
	const kw_rdp_result *r = &rep->rdp_results[i];
	const kw_target_ep *ep = &rep->rdp_targets->v[i];
	_cleanup_free_ char *label = kw_rdp_target_label(ep);
	json_endpoint(w, label, ep);
	kw_jw_strz(w, "status", r->answered ? "probed" : r->finished ? "failed" : "not probed");
	kw_jw_uint(w, "ms", r->ms);
	kw_jw_uint(w, "connections", r->conns);
	kw_jw_arr(w, "probes");
	for (int k = 0; k < KW_RDP_PROBES; k++) {
		const kw_rdp_probe *p = &r->probes[k];
		kw_jw_obj(w, NULL);
		kw_jw_strz(w, "name", kw_rdp_probe_name((kw_rdp_probe_kind)k));
		json_protocols(w, "requested", p->requested);
		kw_jw_bool(w, "ran", p->ran);
		kw_jw_strz(w, "phase", p->ran ? p->phase : NULL);
		kw_jw_strz(w, "error", p->err ? p->why : NULL);
		kw_jw_uint(w, "ms", p->ms);
		if (p->ran && !p->err)
			json_confirm(w, &p->cc);
		else
			kw_jw_null(w, "confirm");
		kw_jw_end(w);
	}
	kw_jw_end(w);
	json_tri(w, "standard_security", r->standard_security);
	json_tri(w, "nla_required", r->nla_required);
	const kw_rdp_tls *t = &r->tls;
	if (t->attempted) {
		kw_jw_obj(w, "tls");
		kw_jw_strz(w, "version", t->err ? NULL : t->version);
		kw_jw_strz(w, "cipher", t->err ? NULL : t->cipher);
		kw_jw_strz(w, "error", t->err ? t->why : NULL);
		if (t->have_cert)
			json_cert(w, &t->cert);
		else
			kw_jw_null(w, "certificate");
		kw_jw_strz(w, "certificate_error", !t->err && t->cert_err ? t->cert_why : NULL);
		kw_jw_end(w);
	} else {
		kw_jw_null(w, "tls");
	}
	kw_jw_end(w);
}

int kw_scan_render_json(FILE *out, const kw_scan_report *rep)
{
	kw_jw w;
	kw_jw_init(&w, out, 1);
	kw_jw_obj(&w, NULL);
	kw_jw_strz(&w, "format", "keyward-scan");
	kw_jw_uint(&w, "version", 1);
	kw_jw_strz(&w, "keyward", rep->version);
	kw_jw_strz(&w, "started", rep->started);
	kw_jw_uint(&w, "ms", (uint64_t)(rep->seconds * 1000.0));
	kw_jw_strz(&w, "profile", rep->profile);
	kw_jw_bool(&w, "interrupted", rep->interrupted);
	kw_jw_arr(&w, "targets");
	for (size_t i = 0; i < rep->targets->n; i++)
		json_target(&w, rep, i);
	kw_jw_end(&w);
	/* only in runs with RDP targets: an SSH-only report keeps its documented keys */
	if (rep->rdp_targets && rep->rdp_targets->n) {
		kw_jw_arr(&w, "rdp_targets");
		for (size_t i = 0; i < rep->rdp_targets->n; i++)
			json_rdp_target(&w, rep, i);
		kw_jw_end(&w);
	}
	kw_jw_arr(&w, "findings");
	for (size_t i = 0; i < rep->findings->n; i++)
		kw_finding_json(&w, &rep->findings->v[i], true);
	kw_jw_end(&w);
	kw_jw_uint(&w, "exit_code", (uint64_t)rep->exit_code);
	kw_jw_end(&w);
	int r = kw_jw_finish(&w);
	return r < 0 ? r : kw_out_finish(out);
}
