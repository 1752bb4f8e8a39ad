/* junit.c — the report as JUnit XML, the test-report format CI systems read.
 *
 *   <testsuites>
 *     <testsuite name="keyward audit dir:/img" package="keyward.audit" id="0" ...>  per target
 *       <properties> command, target, profile, fail-on, exit code
 *       <testcase classname="keyward.accounts" name="accounts.usable-password" time="0">
 *         <failure type="high" message="2 findings at or above high">...</failure>
 *       </testcase>                                                   per check that ran
 *       <testcase classname="keyward" name="errors"><error .../></testcase>  diagnostics
 *       <system-out>findings below --fail-on</system-out><system-err/>
 *     </testsuite>
 *   </testsuites>
 *
 * A test case fails when it has a finding at or above --fail-on that is not waived; it
 * is skipped when every finding it has is waived (and none fails); it passes otherwise,
 * its findings below --fail-on listed in the suite's system-out. The layout is the one of
 * the JUnit XSD most CI systems follow (tests/data/report/schema/JUnit.xsd); the
 * tests validate every report against it. Written suite by suite as it goes.
 */
#include "report/render.h"

#include "base/err.h"
#include "report/markup.h"

#include <string.h>

static void put(kw_rout *o, const char *s)
{
	kw_sb_puts(&o->sb, s);
}

static void esc(kw_rout *o, const char *s)
{
	kw_xml_puts(&o->sb, s);
}

static void finding_line(kw_rout *j, const kw_finding *f)
{
	kw_sb_printf(&j->sb, "%s %s: ", kw_severity_label(f->severity), f->check->id);
	if (f->account) {
		esc(j, f->account);
		put(j, " ");
	}
	if (f->path) {
		esc(j, f->path);
		if (f->line)
			kw_sb_printf(&j->sb, ":%u", f->line);
		put(j, " ");
	}
	if (!f->account && !f->path) {
		esc(j, f->target);
		put(j, " ");
	}
	put(j, "- ");
	esc(j, f->evidence);
	if (f->waived) {
		put(j, " (waived: ");
		esc(j, f->waiver_reason);
		put(j, ")");
	}
	put(j, "\n");
}

/* The verdict of test case (target t, check c): how many of its findings fail (not
 * waived, at or above fail-on), and whether it is skipped (all of them waived). */
static size_t case_failing(const kw_report *r, const kw_rgroups *g, size_t t, size_t c, bool *skipped)
{
	size_t a = g->start[t * g->n_checks + c], b = g->start[t * g->n_checks + c + 1];
	size_t failing = 0, waived = 0;
	for (size_t k = a; k < b; k++) {
		const kw_finding *f = &r->findings->v[g->order[k]];
		if (f->waived)
			waived++;
		else if (f->severity >= r->fail_on)
			failing++;
	}
	*skipped = !failing && waived && waived == b - a;
	return failing;
}

static void testcase(kw_rout *j, const kw_report *r, const kw_rgroups *g, size_t t, size_t c)
{
	const kw_check_def *def = g->checks[c];
	size_t a = g->start[t * g->n_checks + c], b = g->start[t * g->n_checks + c + 1];
	bool skipped;
	size_t failing = case_failing(r, g, t, c, &skipped);
	char area[32];
	put(j, "    <testcase classname=\"keyward.");
	esc(j, kw_check_area(def, area, sizeof area));
	put(j, "\" name=\"");
	esc(j, def->id);
	put(j, "\" time=\"0\"");
	if (failing) {
		put(j, ">\n      <failure type=\"");
		put(j, kw_fail_on_name(r->fail_on));
		kw_sb_printf(&j->sb, "\" message=\"%zu finding%s at or above %s: ", failing,
			     failing == 1 ? "" : "s", kw_fail_on_name(r->fail_on));
		esc(j, def->title);
		put(j, "\">");
		for (size_t k = a; k < b; k++) {
			const kw_finding *f = &r->findings->v[g->order[k]];
			if (!f->waived && f->severity >= r->fail_on)
				finding_line(j, f);
		}
		put(j, "Fix: ");
		esc(j, def->remediation);
		put(j, "</failure>\n    </testcase>\n");
	} else if (skipped) {
		put(j, ">\n      <skipped message=\"waived: ");
		esc(j, r->findings->v[g->order[a]].waiver_reason);
		put(j, "\"/>\n    </testcase>\n");
	} else {
		put(j, "/>\n");
	}
	kw_rout_block(j);
}

static void suite(kw_rout *j, const kw_report *r, const kw_rgroups *g, size_t t,
		  const char *host)
{
	size_t fails = 0, skips = 0, errors = 0, tests = g->n_checks;
	for (size_t c = 0; c < g->n_checks; c++) {
		bool skipped;
		fails += case_failing(r, g, t, c, &skipped) > 0;
		skips += skipped;
	}
	/* diagnostics belong to the run, shown in the first suite */
	size_t ndiag = t == 0 && r->diags ? r->diags->n : 0;
	if (ndiag) {
		tests++;
		errors = 1;
	}
	/* the timestamp type of the XSD has no zone: "2026-11-21T12:00:00" (UTC); anything
	 * but digits, '-', ':' and 'T' in r->started gives the epoch */
	char ts[32] = "1970-01-01T00:00:00";
	if (r->started && strlen(r->started) >= 19 && strspn(r->started, "0123456789-:T") >= 19) {
		memcpy(ts, r->started, 19);
		ts[19] = 0;
	}
	put(j, "  <testsuite name=\"keyward ");
	esc(j, r->command);
	put(j, " ");
	esc(j, g->targets[t]);
	put(j, "\" package=\"keyward.");
	esc(j, r->command);
	kw_sb_printf(&j->sb, "\" id=\"%zu\" timestamp=\"%s\" hostname=\"", t, ts);
	esc(j, host);
	kw_sb_printf(&j->sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		     tests, fails, errors, skips, t == 0 ? r->seconds : 0.0);
	put(j, "    <properties>\n");
	struct {
		const char *k, *v;
	} props[] = {
		{ "command", r->command }, { "target", g->targets[t] }, { "profile", r->profile },
		{ "fail-on", kw_fail_on_name(r->fail_on) }, { "version", r->version },
	};
	for (size_t i = 0; i < sizeof props / sizeof *props; i++) {
		if (!props[i].v)
			continue;
		kw_sb_printf(&j->sb, "      <property name=\"%s\" value=\"", props[i].k);
		esc(j, props[i].v);
		put(j, "\"/>\n");
	}
	kw_sb_printf(&j->sb, "      <property name=\"exit-code\" value=\"%d\"/>\n", r->exit_code);
	put(j, "    </properties>\n");
	for (size_t c = 0; c < g->n_checks && !j->err; c++)
		testcase(j, r, g, t, c);
	if (ndiag) {
		size_t fatal = 0;
		for (size_t i = 0; i < ndiag; i++)
			fatal += r->diags->v[i].fatal;
		kw_sb_printf(&j->sb, "    <testcase classname=\"keyward\" name=\"errors\" time=\"0\">\n"
			     "      <error type=\"%s\" message=\"%zu problem%s met (%zu kept a check from running)\">",
			     fatal ? "fatal" : "problem", ndiag, ndiag == 1 ? "" : "s", fatal);
		for (size_t i = 0; i < ndiag; i++) {
			const kw_diag *d = &r->diags->v[i];
			if (d->file) {
				esc(j, d->file);
				if (d->line)
					kw_sb_printf(&j->sb, ":%u", d->line);
				put(j, ": ");
			}
			esc(j, d->msg ? d->msg : kw_strerror(d->err));
			put(j, d->fatal ? " (a check could not run)\n" : "\n");
		}
		put(j, "</error>\n    </testcase>\n");
	}
	/* what did not fail: findings below --fail-on and waived ones */
	put(j, "    <system-out>");
	for (size_t c = 0; c < g->n_checks; c++)
		for (size_t k = g->start[t * g->n_checks + c]; k < g->start[t * g->n_checks + c + 1]; k++) {
			const kw_finding *f = &r->findings->v[g->order[k]];
			if (f->waived || f->severity < r->fail_on)
				finding_line(j, f);
		}
	put(j, "</system-out>\n    <system-err></system-err>\n  </testsuite>\n");
	kw_rout_flush(j);
}

int kw_report_render_junit(FILE *out, const kw_report *r)
{
	kw_rgroups g;
	if (kw_rgroups_build(r, &g) < 0)
		return -ENOMEM;
	kw_rout j;
	kw_rout_init(&j, out);
	const char *host = r->host && *r->host ? r->host : "localhost";
	put(&j, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (size_t t = 0; t < g.n_targets && !j.err; t++)
		suite(&j, r, &g, t, host);
	put(&j, "</testsuites>\n");
	int rc = kw_rout_finish(&j);
	kw_rgroups_release(&g);
	return rc;
}
