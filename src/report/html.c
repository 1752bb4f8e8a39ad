/* html.c — the report as one self-contained HTML page: no external asset, no script
 * (a Content-Security-Policy forbids both), readable in any browser and in a mail
 * client. The page holds:
 *
 *   - what was audited: command, target, profile, time, fail-on, exit code
 *   - severity tiles and an inline SVG chart of findings per area, stacked by severity
 *   - the findings table, highest severity first: check, where, evidence, and per
 *     finding a <details> with the remediation, rationale and references
 *   - a severity filter made of checkboxes and CSS (:checked ~ table): it needs no
 *     JavaScript, and where CSS is off every row simply shows
 *   - waived findings and the problems met, each in its own section
 *
 * Everything from a target passes kw_xml_put (kw_escape, then entities): a file named
 * "<script>" is text on the page. The guard's replay page (guard.c) shares the head,
 * style and escaping.
 */
#include "report/render.h"

#include "base/err.h"
#include "report/markup.h"

#include <string.h>

static const char *const sev_fill[KW_SEV__COUNT] = {
	[KW_SEV_INFO] = "#5b7fa6",  [KW_SEV_LOW] = "#3f9c8f",   [KW_SEV_MEDIUM] = "#d9a400",
	[KW_SEV_HIGH] = "#d35400",  [KW_SEV_CRITICAL] = "#b0182a",
};

int kw_html_begin(kw_sb *sb, const char *title)
{
	kw_sb_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
		   "<title>");
	kw_xml_puts(sb, title);
	return kw_sb_puts(sb, "</title>\n<style>\n"
		   "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222;background:#fff}\n"
		   "h1{font-size:1.5em;margin-bottom:.2em}p.meta{color:#555;margin-top:0}\n"
		   "table{border-collapse:collapse;margin:1em 0;width:100%}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\n"
		   "th{background:#f3f3f3}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
		   "td{overflow-wrap:anywhere}code{background:#f6f6f6;padding:0 .2em}svg{max-width:100%;height:auto}\n"
		   ".tiles{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}.tile{border-radius:.4em;padding:.5em 1em;color:#fff;min-width:6em}\n"
		   ".tile b{display:block;font-size:1.6em}\n"
		   ".sev{white-space:nowrap;display:inline-block;border-radius:.3em;padding:0 .4em;color:#fff;font-size:.85em;font-weight:bold}\n"
		   ".critical{background:#b0182a}.high{background:#d35400}.medium{background:#d9a400;color:#222}.low{background:#3f9c8f}.info{background:#5b7fa6}\n"
		   ".filter label{margin-right:1em;cursor:pointer}\n"
		   "details summary{cursor:pointer;color:#245}details p{margin:.3em 0}\n"
		   "#show-critical:not(:checked)~table tr.sev-critical,#show-high:not(:checked)~table tr.sev-high,"
		   "#show-medium:not(:checked)~table tr.sev-medium,#show-low:not(:checked)~table tr.sev-low,"
		   "#show-info:not(:checked)~table tr.sev-info{display:none}\n"
		   "</style></head><body>\n");
}

int kw_html_end(kw_sb *sb)
{
	return kw_sb_puts(sb, "</body></html>\n");
}

static void put(kw_rout *o, const char *s)
{
	kw_sb_puts(&o->sb, s);
}

static void esc(kw_rout *o, const char *s)
{
	kw_xml_puts(&o->sb, s);
}

/* Findings per area, stacked by severity: one bar per area, widths to scale. */
static void chart(kw_rout *h, const kw_report *r, const kw_rgroups *g)
{
	char area[32], names[64][32];
	size_t counts[64][KW_SEV__COUNT];
	size_t na = 0, peak = 1;
	memset(counts, 0, sizeof counts);
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const kw_finding *f = &r->findings->v[i];
		if (f->waived || (unsigned)f->severity >= KW_SEV__COUNT)
			continue;
		kw_check_area(g->checks[g->check_of[i]], area, sizeof area);
		size_t a = 0;
		while (a < na && strcmp(names[a], area))
			a++;
		if (a == na) {
			if (na == 64)
				a = 63; /* more areas than keyward has: the last bar takes the rest */
			else
				memcpy(names[na++], area, sizeof area);
		}
		counts[a][f->severity]++;
	}
	for (size_t a = 0; a < na; a++) {
		size_t sum = 0;
		for (int s = 0; s < KW_SEV__COUNT; s++)
			sum += counts[a][s];
		if (sum > peak)
			peak = sum;
	}
	const unsigned label_w = 120, bar_w = 560, row_h = 26, legend_h = 24;
	unsigned height = (unsigned)(na ? na : 1) * row_h + legend_h + 8;
	kw_sb_printf(&h->sb, "<svg id=\"chart\" role=\"img\" aria-label=\"findings per area and severity\" "
		     "viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		     label_w + bar_w + 60, height, label_w + bar_w + 60, height);
	if (!na)
		kw_sb_printf(&h->sb, "<text x=\"0\" y=\"18\" font-size=\"14\">no findings</text>\n");
	for (size_t a = 0; a < na; a++) {
		unsigned y = (unsigned)a * row_h;
		size_t sum = 0;
		double x = label_w;
		kw_sb_printf(&h->sb, "<text x=\"0\" y=\"%u\" font-size=\"13\">", y + 17);
		esc(h, names[a]);
		put(h, "</text>\n");
		for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--) {
			if (!counts[a][s])
				continue;
			double w = (double)counts[a][s] * bar_w / (double)peak;
			kw_sb_printf(&h->sb, "<rect class=\"bar\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%u\" fill=\"%s\">"
				     "<title>%s: %zu %s</title></rect>\n",
				     x, y + 4, w, row_h - 8, sev_fill[s], names[a], counts[a][s],
				     kw_severity_name((kw_severity)s));
			x += w;
			sum += counts[a][s];
		}
		kw_sb_printf(&h->sb, "<text x=\"%.1f\" y=\"%u\" font-size=\"13\">%zu</text>\n", x + 6, y + 17, sum);
	}
	unsigned ly = (unsigned)(na ? na : 1) * row_h + 16, lx = label_w;
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--) {
		kw_sb_printf(&h->sb, "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			     "<text x=\"%u\" y=\"%u\" font-size=\"12\">%s</text>\n",
			     lx, ly - 10, sev_fill[s], lx + 16, ly, kw_severity_name((kw_severity)s));
		lx += 90;
	}
	put(h, "</svg>\n");
}

static void where(kw_rout *h, const kw_finding *f, bool show_target)
{
	const char *sep = "";
	if (show_target || (!f->account && !f->path)) {
		esc(h, f->target);
		sep = "<br>";
	}
	if (f->account) {
		put(h, sep);
		put(h, "user ");
		esc(h, f->account);
		sep = "<br>";
	}
	if (f->path) {
		put(h, sep);
		put(h, "<code>");
		esc(h, f->path);
		if (f->line)
			kw_sb_printf(&h->sb, ":%u", f->line);
		put(h, "</code>");
	}
}

static void finding_row(kw_rout *h, const kw_finding *f, bool show_target)
{
	const kw_check_def *c = f->check;
	const char *sev = kw_severity_name(f->severity);
	kw_sb_printf(&h->sb, "<tr class=\"sev-%s\"><td><span class=\"sev %s\">%s</span></td><td><code>",
		     sev, sev, kw_severity_label(f->severity));
	esc(h, c->id);
	put(h, "</code><br>");
	esc(h, c->title);
	put(h, "</td><td class=\"w\">");
	where(h, f, show_target);
	put(h, "</td><td class=\"e\">");
	esc(h, f->evidence);
	if (f->waived) {
		put(h, "<p><em>waived: ");
		esc(h, f->waiver_reason);
		if (f->waiver_expires) {
			put(h, " (until ");
			esc(h, f->waiver_expires);
			put(h, ")");
		}
		put(h, "</em></p>");
	}
	put(h, "<details><summary>how to fix</summary><p>");
	esc(h, c->remediation);
	put(h, "</p><p>");
	esc(h, c->rationale);
	put(h, "</p>");
	bool any = false;
	for (size_t i = 0; i < KW_MAX_REFS; i++)
		if (c->refs[i] && *c->refs[i]) {
			put(h, any ? "; " : "<p>References: ");
			esc(h, c->refs[i]);
			any = true;
		}
	put(h, any ? "</p></details></td></tr>\n" : "</details></td></tr>\n");
	kw_rout_block(h);
}

static void table_head(kw_rout *h)
{
	put(h, "<table class=\"findings\"><thead><tr><th>severity</th><th>check</th><th>where</th>"
	       "<th>evidence</th></tr></thead><tbody>\n");
}

int kw_report_render_html(FILE *out, const kw_report *r)
{
	kw_rgroups g;
	if (kw_rgroups_build(r, &g) < 0)
		return -ENOMEM;
	kw_tally t;
	kw_report_tally(r, &t);
	kw_rout h;
	kw_rout_init(&h, out);
	const char *cmd = r->command ? r->command : "report";
	bool multi = r->n_targets > 0;

	kw_sb tt;
	kw_sb_init(&tt);
	kw_sb_printf(&tt, "keyward %s: %s", cmd, multi ? "many targets" : r->target ? r->target : "");
	kw_html_begin(&h.sb, tt.s); /* escapes the title */
	kw_sb_release(&tt);

	put(&h, "<header><h1>keyward ");
	esc(&h, cmd);
	put(&h, "</h1>\n<p class=\"meta\">");
	if (multi)
		kw_sb_printf(&h.sb, "%zu targets", r->n_targets);
	else
		esc(&h, r->target);
	if (r->profile) {
		put(&h, " &middot; profile ");
		esc(&h, r->profile);
	}
	kw_sb_printf(&h.sb, " &middot; %zu checks &middot; started ", r->n_checks ? r->n_checks : r->checks_run);
	esc(&h, r->started ? r->started : "?");
	kw_sb_printf(&h.sb, " &middot; %.2f s &middot; keyward ", r->seconds);
	esc(&h, r->version ? r->version : "?");
	kw_sb_printf(&h.sb, " &middot; fail on %s &middot; exit code %d</p></header>\n",
		     kw_fail_on_name(r->fail_on), r->exit_code);

	put(&h, "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"tiles\">\n");
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
		kw_sb_printf(&h.sb, "<div class=\"tile %s\"><b>%zu</b>%s</div>\n", kw_severity_name((kw_severity)s),
			     t.by_sev[s], kw_severity_name((kw_severity)s));
	kw_sb_printf(&h.sb, "</div>\n<p>%zu finding%s, %zu waived, %zu problem%s met.</p>\n", t.total,
		     t.total == 1 ? "" : "s", t.waived, t.errors, t.errors == 1 ? "" : "s");
	chart(&h, r, &g);
	put(&h, "</section>\n");
	kw_rout_flush(&h);

	kw_sb_printf(&h.sb, "<section id=\"findings\"><h2>Findings (%zu)</h2>\n<div class=\"filter\">\n", t.total);
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
		kw_sb_printf(&h.sb, "<input type=\"checkbox\" id=\"show-%s\" checked><label for=\"show-%s\">%s (%zu)</label>\n",
			     kw_severity_name((kw_severity)s), kw_severity_name((kw_severity)s),
			     kw_severity_name((kw_severity)s), t.by_sev[s]);
	table_head(&h);
	size_t nf = r->findings ? r->findings->n : 0;
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
		for (size_t i = 0; i < nf && !h.err; i++)
			if ((int)r->findings->v[i].severity == s && !r->findings->v[i].waived)
				finding_row(&h, &r->findings->v[i], multi);
	put(&h, "</tbody></table>\n</div></section>\n");
	kw_rout_flush(&h);

	if (t.waived) {
		kw_sb_printf(&h.sb, "<section id=\"waived\"><h2>Waived (%zu)</h2>\n", t.waived);
		table_head(&h);
		for (size_t i = 0; i < nf && !h.err; i++)
			if (r->findings->v[i].waived)
				finding_row(&h, &r->findings->v[i], multi);
		put(&h, "</tbody></table></section>\n");
	}
	if (t.errors) {
		kw_sb_printf(&h.sb, "<section id=\"errors\"><h2>Problems met (%zu)</h2>\n<ul>\n", t.errors);
		for (size_t i = 0; i < r->diags->n; i++) {
			const kw_diag *d = &r->diags->v[i];
			put(&h, "<li>");
			if (d->file) {
				put(&h, "<code>");
				esc(&h, d->file);
				if (d->line)
					kw_sb_printf(&h.sb, ":%u", d->line);
				put(&h, "</code>: ");
			}
			esc(&h, d->msg ? d->msg : kw_strerror(d->err));
			put(&h, d->fatal ? " <strong>(a check could not run)</strong></li>\n" : "</li>\n");
			kw_rout_block(&h);
		}
		put(&h, "</ul></section>\n");
	}
	kw_html_end(&h.sb);
	int rc = kw_rout_finish(&h);
	kw_rgroups_release(&g);
	return rc;
}
