/* scan.c — see scan.h. */
#include "report/scan.h"

#include "base/cleanup.h"
#include "base/escape.h"
#include "report/findings.h"
#include "report/jsonw.h"
#include "report/out.h"

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

int kw_scan_render_text(FILE *out, const kw_scan_report *rep)
{
	size_t ok = 0;
	for (size_t i = 0; i < rep->targets->n; i++) {
		text_target(out, rep, i);
		fputc('\n', out);
		ok += rep->results[i].have_kexinit;
	}
	fprintf(out, "scanned %zu of %zu target%s in %.2f s%s\n", ok, rep->targets->n,
		rep->targets->n == 1 ? "" : "s", rep->seconds, rep->interrupted ? " (interrupted)" : "");
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

static void json_target(kw_jw *w, const kw_scan_report *rep, size_t i)
{
	const kw_scan_result *r = &rep->results[i];
	const kw_target_ep *ep = &rep->targets->v[i];
	_cleanup_free_ char *label = kw_target_label(ep);
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "target", label);
	kw_jw_strz(w, "spec", ep->spec);
	char a[KW_ADDR_STRLEN] = "";
	if (ep->addr.fam)
		kw_addr_format(&ep->addr, a, sizeof a);
	kw_jw_strz(w, "address", a[0] ? a : NULL);
	kw_jw_uint(w, "port", ep->port);
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
	kw_jw_arr(&w, "findings");
	for (size_t i = 0; i < rep->findings->n; i++)
		kw_finding_json(&w, &rep->findings->v[i], true);
	kw_jw_end(&w);
	kw_jw_uint(&w, "exit_code", (uint64_t)rep->exit_code);
	kw_jw_end(&w);
	int r = kw_jw_finish(&w);
	return r < 0 ? r : kw_out_finish(out);
}
