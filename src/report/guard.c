/* guard.c — replay reports: text, JSON (jansson), HTML (one file, inline SVG, no script). */
#include "report/guard.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "report/out.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kw_gtime_iso(int64_t s, char *out, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)s;
	if (s == 0 || !gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "-");
}

static size_t limit(size_t n, size_t top) { return top && top < n ? top : n; }

static const char *mode_name(enum kw_gmode m) { return m == KW_GMODE_NORMAL ? "normal" : "aggressive"; }

static void duration_text(uint64_t s, char *out, size_t cap)
{
	if (s == 0) snprintf(out, cap, "permanent");
	else if (s % 86400 == 0) snprintf(out, cap, "%llud", (unsigned long long)(s / 86400));
	else if (s % 3600 == 0) snprintf(out, cap, "%lluh", (unsigned long long)(s / 3600));
	else if (s % 60 == 0) snprintf(out, cap, "%llum", (unsigned long long)(s / 60));
	else snprintf(out, cap, "%llus", (unsigned long long)s);
}


/* ---- text ---- */

int kw_greport_render_text(FILE *out, const kw_greport *r, size_t top)
{
	char a[KW_CIDR_STRLEN], t1[32], t2[32], dur[32];
	kw_gtime_iso(r->first, t1, sizeof t1);
	kw_gtime_iso(r->last, t2, sizeof t2);
	fprintf(out, "guard replay: %llu lines, %llu sshd events, %s .. %s\n",
		(unsigned long long)r->lines, (unsigned long long)r->sshd_events, t1, t2);
	fprintf(out, "rules: host %s%s%s, mode %s\n", r->rules,
		r->user_rules ? ", user " : "", r->user_rules ? r->user_rules : "", mode_name(r->mode));
	fprintf(out, "attempts counted %llu from %zu sources; ignored %llu; without address %llu\n",
		(unsigned long long)r->engine.counted, r->nsources,
		(unsigned long long)r->engine.ignored, (unsigned long long)r->engine.unattributed);
	if (r->engine.evicted)
		fprintf(out, "note: %llu sources were evicted to stay within max_sources; counts are partial\n",
			(unsigned long long)r->engine.evicted);

	fprintf(out, "\nwould have banned %zu:\n", r->nbans);
	for (size_t i = 0; i < r->nbans; i++) {
		const kw_gdecision *d = &r->bans[i].d;
		kw_cidr_format(&d->prefix, a, sizeof a);
		kw_gtime_iso(d->start, t1, sizeof t1);
		duration_text(d->duration_s, dur, sizeof dur);
		fprintf(out, "  %-39s at %s for %-9s offense %u  %s (%u attempts, last %s)\n", a, t1,
			dur, d->offense, d->rule, d->failures, kw_gkind_name(r->bans[i].last_kind));
	}
	size_t ns = limit(r->nsources, top);
	fprintf(out, "\ntop sources (%zu of %zu):\n", ns, r->nsources);
	fprintf(out, "  %-39s %9s %9s %7s %6s %5s\n", "address", "attempts", "events", "probes", "users", "bans");
	for (size_t i = 0; i < ns; i++) {
		const kw_gsource_info *s = &r->sources[i];
		kw_addr_format(&s->addr, a, sizeof a);
		fprintf(out, "  %-39s %9llu %9llu %7llu %6u %5u\n", a, (unsigned long long)s->attempts,
			(unsigned long long)s->events, (unsigned long long)s->probes, s->users, s->bans);
	}
	size_t nu = limit(r->nusers, top);
	fprintf(out, "\nuser names tried (%zu of %zu):\n", nu, r->nusers);
	for (size_t i = 0; i < nu; i++) {
		_cleanup_free_ char *e = kw_escape_dup(r->users[i].name, r->users[i].name_len);
		fprintf(out, "  %9llu  %s%s\n", (unsigned long long)r->users[i].tries,
			e ? e : "?", r->users[i].invalid ? "  (invalid user)" : "");
	}
	uint64_t peak = 0;
	for (size_t i = 0; i < r->nhours; i++)
		if (r->hours[i].failures > peak)
			peak = r->hours[i].failures;
	fprintf(out, "\nattempts per hour (UTC):\n");
	for (size_t i = 0; i < r->nhours; i++) {
		kw_gtime_iso(r->hours[i].hour, t1, sizeof t1);
		unsigned bar = peak ? (unsigned)(r->hours[i].failures * 50 / peak) : 0;
		char bars[51];
		memset(bars, '#', bar);
		bars[bar] = '\0';
		fprintf(out, "  %.13s  %7llu %s\n", t1, (unsigned long long)r->hours[i].failures, bars);
	}
	return kw_out_finish(out);
}

/* ---- JSON ---- */

static json_t *jstr_esc(const char *s, size_t n)
{
	_cleanup_free_ char *e = kw_escape_dup(s, n);
	return e ? json_string(e) : json_null();
}

static json_t *jtime(int64_t s)
{
	if (s == 0)
		return json_null();
	char t[32];
	kw_gtime_iso(s, t, sizeof t);
	return json_string(t);
}

int kw_greport_render_json(FILE *out, const kw_greport *r, size_t top)
{
	json_t *root = json_object();
	json_t *files = json_array(), *bans = json_array(), *srcs = json_array(),
	       *users = json_array(), *tl = json_array(), *kinds = json_object();
	char a[KW_CIDR_STRLEN];
	for (size_t i = 0; i < r->nfiles; i++)
		json_array_append_new(files, jstr_esc(r->files[i], strlen(r->files[i])));
	for (size_t i = 0; i < r->nbans; i++) {
		const kw_gdecision *d = &r->bans[i].d;
		kw_addr_format(&d->prefix.a, a, sizeof a);
		/* one ban per attacker can mean thousands: set the fields directly (json_pack
		 * parses its format string each time) */
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "addr", json_string(a));
		json_object_set_new_nocheck(o, "bits", json_integer(d->prefix.bits));
		json_object_set_new_nocheck(o, "start", jtime(d->start));
		json_object_set_new_nocheck(o, "expires",
			d->duration_s ? jtime(d->start + (int64_t)d->duration_s) : json_null());
		json_object_set_new_nocheck(o, "duration", json_integer((json_int_t)d->duration_s));
		json_object_set_new_nocheck(o, "offense", json_integer(d->offense));
		json_object_set_new_nocheck(o, "rule", json_string(d->rule));
		json_object_set_new_nocheck(o, "failures", json_integer(d->failures));
		json_object_set_new_nocheck(o, "last_kind", json_string(kw_gkind_name(r->bans[i].last_kind)));
		json_array_append_new(bans, o);
	}
	size_t ns = limit(r->nsources, top);
	for (size_t i = 0; i < ns; i++) {
		const kw_gsource_info *s = &r->sources[i];
		kw_addr_format(&s->addr, a, sizeof a);
		json_array_append_new(srcs, json_pack("{s:s,s:I,s:I,s:I,s:i,s:i,s:o,s:o}",
			"addr", a, "failures", (json_int_t)s->attempts, "events", (json_int_t)s->events,
			"probes", (json_int_t)s->probes, "users", (int)s->users, "bans", (int)s->bans,
			"first", jtime(s->first), "last", jtime(s->last)));
	}
	size_t nu = limit(r->nusers, top);
	for (size_t i = 0; i < nu; i++)
		json_array_append_new(users, json_pack("{s:o,s:I,s:b}",
			"user", jstr_esc(r->users[i].name, r->users[i].name_len),
			"tries", (json_int_t)r->users[i].tries, "invalid", r->users[i].invalid));
	for (size_t i = 0; i < r->nhours; i++)
		json_array_append_new(tl, json_pack("{s:o,s:I,s:I}", "hour", jtime(r->hours[i].hour),
			"failures", (json_int_t)r->hours[i].failures, "events", (json_int_t)r->hours[i].events));
	for (int k = 1; k < KW_GK_COUNT; k++)
		if (r->engine.by_kind[k])
			json_object_set_new(kinds, kw_gkind_name((enum kw_gkind)k),
					    json_integer((json_int_t)r->engine.by_kind[k]));
	json_t *stats = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o}",
		"lines", (json_int_t)r->lines, "events", (json_int_t)r->sshd_events,
		"counted", (json_int_t)r->engine.counted, "ignored", (json_int_t)r->engine.ignored,
		"unattributed", (json_int_t)r->engine.unattributed,
		"evicted", (json_int_t)r->engine.evicted, "sources", (json_int_t)r->nsources,
		"users", (json_int_t)r->nusers, "truncated_lines", (json_int_t)r->truncated,
		"first", jtime(r->first), "last", jtime(r->last), "by_kind", kinds);
	json_object_set_new(root, "tool", json_pack("{s:s,s:s}", "name", "keyward", "command", "guard --replay"));
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "rules", json_pack("{s:s,s:o,s:s}", "host", r->rules,
		"user", r->user_rules ? json_string(r->user_rules) : json_null(), "mode", mode_name(r->mode)));
	json_object_set_new(root, "bans", bans);
	json_object_set_new(root, "sources", srcs);
	json_object_set_new(root, "users", users);
	json_object_set_new(root, "timeline", tl);
	json_object_set_new(root, "stats", stats);
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* ---- HTML ---- */

/* kw_escape, then markup escaping: nothing from the log reaches the page as markup. */
static void html_put(FILE *out, const char *s, size_t n)
{
	_cleanup_free_ char *e = kw_escape_dup(s, n);
	for (const char *p = e ? e : "?"; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*p, out);
		}
	}
}

static void html_svg_timeline(FILE *out, const kw_greport *r)
{
	uint64_t peak = 1;
	for (size_t i = 0; i < r->nhours; i++)
		if (r->hours[i].failures > peak)
			peak = r->hours[i].failures;
	size_t n = r->nhours ? r->nhours : 1;
	const unsigned w = 900, h = 160;
	double bw = (double)w / (double)n;
	fprintf(out, "<svg role=\"img\" aria-label=\"attempts per hour\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\">\n",
		w, h + 20, w, h + 20);
	for (size_t i = 0; i < r->nhours; i++) {
		double bh = (double)r->hours[i].failures * h / (double)peak;
		char t[32];
		kw_gtime_iso(r->hours[i].hour, t, sizeof t);
		fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#c0392b\"><title>%.13s: %llu</title></rect>\n",
			(double)i * bw, (double)h - bh, bw > 1.5 ? bw - 0.5 : bw, bh, t,
			(unsigned long long)r->hours[i].failures);
	}
	char t1[32], t2[32];
	kw_gtime_iso(r->nhours ? r->hours[0].hour : 0, t1, sizeof t1);
	kw_gtime_iso(r->nhours ? r->hours[r->nhours - 1].hour : 0, t2, sizeof t2);
	fprintf(out, "<text x=\"0\" y=\"%u\" font-size=\"12\">%.13s</text><text x=\"%u\" y=\"%u\" font-size=\"12\" text-anchor=\"end\">%.13s (peak %llu/h)</text>\n</svg>\n",
		h + 16, t1, w, h + 16, t2, (unsigned long long)peak);
}

int kw_greport_render_html(FILE *out, const kw_greport *r, size_t top)
{
	char a[KW_CIDR_STRLEN], t1[32], t2[32], dur[32];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<title>keyward guard replay</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n"
	      "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "code{background:#f6f6f6;padding:0 .2em}\n</style></head><body>\n", out);
	kw_gtime_iso(r->first, t1, sizeof t1);
	kw_gtime_iso(r->last, t2, sizeof t2);
	fprintf(out, "<h1>keyward guard replay</h1>\n<p>%llu lines, %llu sshd events, %s &ndash; %s. Rules: host <code>",
		(unsigned long long)r->lines, (unsigned long long)r->sshd_events, t1, t2);
	html_put(out, r->rules, strlen(r->rules));
	fputs("</code>", out);
	if (r->user_rules) {
		fputs(", user <code>", out);
		html_put(out, r->user_rules, strlen(r->user_rules));
		fputs("</code>", out);
	}
	fprintf(out, ", mode %s. %llu attempts counted from %zu sources; %zu bans.</p>\n",
		mode_name(r->mode), (unsigned long long)r->engine.counted, r->nsources, r->nbans);
	fputs("<h2>Attempts per hour (UTC)</h2>\n", out);
	html_svg_timeline(out, r);
	fprintf(out, "<h2>Would have banned (%zu)</h2>\n<table><tr><th>prefix</th><th>at</th><th>for</th><th>offense</th><th>rule</th><th>attempts</th><th>last kind</th></tr>\n", r->nbans);
	for (size_t i = 0; i < r->nbans; i++) {
		const kw_gdecision *d = &r->bans[i].d;
		kw_cidr_format(&d->prefix, a, sizeof a);
		kw_gtime_iso(d->start, t1, sizeof t1);
		duration_text(d->duration_s, dur, sizeof dur);
		fprintf(out, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%u</td><td>", a, t1, dur, d->offense);
		html_put(out, d->rule, strlen(d->rule));
		fprintf(out, "</td><td class=\"n\">%u</td><td>%s</td></tr>\n", d->failures, kw_gkind_name(r->bans[i].last_kind));
	}
	size_t ns = limit(r->nsources, top);
	fprintf(out, "</table>\n<h2>Top sources (%zu of %zu)</h2>\n<table><tr><th>address</th><th>attempts</th><th>events</th><th>probes</th><th>users</th><th>bans</th><th>first</th><th>last</th></tr>\n", ns, r->nsources);
	for (size_t i = 0; i < ns; i++) {
		const kw_gsource_info *s = &r->sources[i];
		kw_addr_format(&s->addr, a, sizeof a);
		kw_gtime_iso(s->first, t1, sizeof t1);
		kw_gtime_iso(s->last, t2, sizeof t2);
		fprintf(out, "<tr><td>%s</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td>%s</td><td>%s</td></tr>\n",
			a, (unsigned long long)s->attempts, (unsigned long long)s->events,
			(unsigned long long)s->probes, s->users, s->bans, t1, t2);
	}
	size_t nu = limit(r->nusers, top);
	fprintf(out, "</table>\n<h2>User names tried (%zu of %zu)</h2>\n<table><tr><th>user</th><th>tries</th><th>invalid</th></tr>\n", nu, r->nusers);
	for (size_t i = 0; i < nu; i++) {
		fputs("<tr><td><code>", out);
		html_put(out, r->users[i].name, r->users[i].name_len);
		fprintf(out, "</code></td><td class=\"n\">%llu</td><td>%s</td></tr>\n",
			(unsigned long long)r->users[i].tries, r->users[i].invalid ? "yes" : "");
	}
	fputs("</table>\n</body></html>\n", out);
	return kw_out_finish(out);
}
