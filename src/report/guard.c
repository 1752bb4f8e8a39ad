/* guard.c — replay reports: text, JSON (streamed, report/jsonw.h), HTML (one file, inline SVG, no script). */
#include "report/guard.h"
#include "report/markup.h"
#include "report/render.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/time.h"
#include "report/jsonw.h"
#include "report/out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void kw_gtime_iso(int64_t s, char *out, size_t cap)
{
	if (s == 0 || kw_time_iso(s, true, out, cap) == 0)
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

int kw_greport_render_text(FILE *out, const kw_greport *r)
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
	size_t ns = limit(r->nsources, r->top);
	fprintf(out, "\ntop sources (%zu of %zu):\n", ns, r->nsources);
	fprintf(out, "  %-39s %9s %9s %7s %6s %5s\n", "address", "attempts", "events", "probes", "users", "bans");
	for (size_t i = 0; i < ns; i++) {
		const kw_gsource_info *s = &r->sources[i];
		kw_addr_format(&s->addr, a, sizeof a);
		fprintf(out, "  %-39s %9llu %9llu %7llu %6u %5u\n", a, (unsigned long long)s->attempts,
			(unsigned long long)s->events, (unsigned long long)s->probes, s->users, s->bans);
	}
	size_t nu = limit(r->nusers, r->top);
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

static void jw_time(kw_jw *w, const char *key, int64_t s)
{
	if (s == 0) {
		kw_jw_null(w, key);
		return;
	}
	char t[32];
	kw_gtime_iso(s, t, sizeof t);
	kw_jw_strz(w, key, t);
}

/* Streamed (report/jsonw.h): one ban per attacker can mean thousands of objects, and a
 * jansson tree plus its dump cost a replay a tenth of its time. */
int kw_greport_render_json(FILE *out, const kw_greport *r)
{
	char a[KW_CIDR_STRLEN];
	kw_jw w;
	kw_jw_init(&w, out, 1);
	kw_jw_obj(&w, NULL);
	kw_jw_obj(&w, "tool");
	kw_jw_strz(&w, "name", "keyward");
	kw_jw_strz(&w, "command", "guard --replay");
	kw_jw_end(&w);
	kw_jw_arr(&w, "files");
	for (size_t i = 0; i < r->nfiles; i++)
		kw_jw_strz(&w, NULL, r->files[i]);
	kw_jw_end(&w);
	kw_jw_obj(&w, "rules");
	kw_jw_strz(&w, "host", r->rules);
	kw_jw_strz(&w, "user", r->user_rules);
	kw_jw_strz(&w, "mode", mode_name(r->mode));
	kw_jw_end(&w);
	kw_jw_arr(&w, "bans");
	for (size_t i = 0; i < r->nbans; i++) {
		const kw_gdecision *d = &r->bans[i].d;
		kw_addr_format(&d->prefix.a, a, sizeof a);
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "addr", a);
		kw_jw_uint(&w, "bits", d->prefix.bits);
		jw_time(&w, "start", d->start);
		jw_time(&w, "expires", d->duration_s ? d->start + (int64_t)d->duration_s : 0);
		kw_jw_uint(&w, "duration", d->duration_s);
		kw_jw_uint(&w, "offense", d->offense);
		kw_jw_strz(&w, "rule", d->rule);
		kw_jw_uint(&w, "failures", d->failures);
		kw_jw_strz(&w, "last_kind", kw_gkind_name(r->bans[i].last_kind));
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_arr(&w, "sources");
	for (size_t i = 0, ns = limit(r->nsources, r->top); i < ns; i++) {
		const kw_gsource_info *s = &r->sources[i];
		kw_addr_format(&s->addr, a, sizeof a);
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "addr", a);
		kw_jw_uint(&w, "failures", s->attempts);
		kw_jw_uint(&w, "events", s->events);
		kw_jw_uint(&w, "probes", s->probes);
		kw_jw_uint(&w, "users", s->users);
		kw_jw_uint(&w, "bans", s->bans);
		jw_time(&w, "first", s->first);
		jw_time(&w, "last", s->last);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_arr(&w, "users");
	for (size_t i = 0, nu = limit(r->nusers, r->top); i < nu; i++) {
		kw_jw_obj(&w, NULL);
		kw_jw_str(&w, "user", r->users[i].name, r->users[i].name_len);
		kw_jw_uint(&w, "tries", r->users[i].tries);
		kw_jw_bool(&w, "invalid", r->users[i].invalid);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_arr(&w, "timeline");
	for (size_t i = 0; i < r->nhours; i++) {
		kw_jw_obj(&w, NULL);
		jw_time(&w, "hour", r->hours[i].hour);
		kw_jw_uint(&w, "failures", r->hours[i].failures);
		kw_jw_uint(&w, "events", r->hours[i].events);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_obj(&w, "stats");
	kw_jw_uint(&w, "lines", r->lines);
	kw_jw_uint(&w, "events", r->sshd_events);
	kw_jw_uint(&w, "counted", r->engine.counted);
	kw_jw_uint(&w, "ignored", r->engine.ignored);
	kw_jw_uint(&w, "unattributed", r->engine.unattributed);
	kw_jw_uint(&w, "evicted", r->engine.evicted);
	kw_jw_uint(&w, "sources", r->nsources);
	kw_jw_uint(&w, "users", r->nusers);
	kw_jw_uint(&w, "truncated_lines", r->truncated);
	jw_time(&w, "first", r->first);
	jw_time(&w, "last", r->last);
	kw_jw_obj(&w, "by_kind");
	for (int k = 1; k < KW_GK_COUNT; k++)
		if (r->engine.by_kind[k])
			kw_jw_uint(&w, kw_gkind_name((enum kw_gkind)k), r->engine.by_kind[k]);
	kw_jw_end(&w);
	kw_jw_end(&w);
	kw_jw_end(&w);
	return kw_jw_finish(&w);
}

/* ---- HTML ---- */

/* kw_escape, then markup escaping (report/markup.h): nothing from the log reaches the
 * page as markup. */
static void html_put(FILE *out, const char *s, size_t n)
{
	kw_sb sb;
	kw_sb_init(&sb);
	kw_xml_put(&sb, s, n);
	kw_report_flush_sb(out, &sb);
	kw_sb_release(&sb);
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

int kw_greport_render_html(FILE *out, const kw_greport *r)
{
	char a[KW_CIDR_STRLEN], t1[32], t2[32], dur[32];
	kw_sb head;
	kw_sb_init(&head);
	kw_html_begin(&head, "keyward guard replay");
	int hr = kw_report_flush_sb(out, &head);
	kw_sb_release(&head);
	if (hr < 0)
		return hr;
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
	size_t ns = limit(r->nsources, r->top);
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
	size_t nu = limit(r->nusers, r->top);
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
