/* prometheus.c — the report as Prometheus text exposition for node_exporter's textfile
 * collector (keyward-audit.service writes it next to the JSON report):
 *
 *   keyward_findings{command="audit",severity="high"} 2        not waived, per severity
 *   keyward_check_findings{command="audit",check="accounts.usable-password"} 2
 *   keyward_findings_waived, keyward_problems, keyward_checks_run, keyward_exit_code,
 *   keyward_last_run_timestamp_seconds, keyward_run_duration_seconds
 *
 * Every series carries command and target labels. Label values are escaped the
 * exposition format's way (backslash, quote, newline) after kw_escape. Only checks with
 * findings get a keyward_check_findings series, so the file stays small.
 */
#include "report/render.h"

#include "report/markup.h"

#include <errno.h>
#include <string.h>

struct pctx {
	FILE *out;
	kw_sb sb;
	kw_sb labels; /* command="audit",target="..." */
};

static void family(struct pctx *p, const char *name, const char *help)
{
	kw_sb_printf(&p->sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void sample(struct pctx *p, const char *name, const char *extra_k, const char *extra_v,
		   const char *fmt_value)
{
	kw_sb_printf(&p->sb, "%s{%s", name, p->labels.s ? p->labels.s : "");
	if (extra_k) {
		kw_sb_printf(&p->sb, ",%s=\"", extra_k);
		kw_prom_label_puts(&p->sb, extra_v);
		kw_sb_putc(&p->sb, '"');
	}
	kw_sb_printf(&p->sb, "} %s\n", fmt_value);
}

int kw_report_render_prometheus(FILE *out, const kw_report *r)
{
	kw_rgroups g;
	if (kw_rgroups_build(r, &g) < 0)
		return -ENOMEM;
	kw_tally t;
	kw_report_tally(r, &t);
	struct pctx p = { .out = out };
	kw_sb_init(&p.sb);
	kw_sb_init(&p.labels);
	kw_sb_puts(&p.labels, "command=\"");
	kw_prom_label_puts(&p.labels, r->command);
	kw_sb_puts(&p.labels, "\",target=\"");
	kw_prom_label_puts(&p.labels, r->n_targets ? "many" : r->target);
	kw_sb_putc(&p.labels, '"');
	char v[64];

	family(&p, "keyward_findings", "Findings not waived, by severity.");
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--) {
		snprintf(v, sizeof v, "%zu", t.by_sev[s]);
		sample(&p, "keyward_findings", "severity", kw_severity_name((kw_severity)s), v);
	}
	family(&p, "keyward_check_findings", "Findings not waived, by check (checks with findings only).");
	for (size_t c = 0; c < g.n_checks; c++) {
		size_t n = 0;
		for (size_t tg = 0; tg < g.n_targets; tg++)
			for (size_t k = g.start[tg * g.n_checks + c]; k < g.start[tg * g.n_checks + c + 1]; k++)
				n += !r->findings->v[g.order[k]].waived;
		if (!n)
			continue;
		snprintf(v, sizeof v, "%zu", n);
		sample(&p, "keyward_check_findings", "check", g.checks[c]->id, v);
	}
	family(&p, "keyward_findings_waived", "Findings accepted by a waiver.");
	snprintf(v, sizeof v, "%zu", t.waived);
	sample(&p, "keyward_findings_waived", NULL, NULL, v);
	family(&p, "keyward_problems", "Problems met while reading the target; fatal ones kept a check from running.");
	snprintf(v, sizeof v, "%zu", t.errors - t.fatal);
	sample(&p, "keyward_problems", "fatal", "false", v);
	snprintf(v, sizeof v, "%zu", t.fatal);
	sample(&p, "keyward_problems", "fatal", "true", v);
	family(&p, "keyward_checks_run", "Checks that ran.");
	snprintf(v, sizeof v, "%zu", r->n_checks ? r->n_checks : r->checks_run);
	sample(&p, "keyward_checks_run", NULL, NULL, v);
	family(&p, "keyward_exit_code", "Exit code of the run: 0 clean, 1 findings at or above fail-on, 2 error, 3 a check could not run.");
	snprintf(v, sizeof v, "%d", r->exit_code);
	sample(&p, "keyward_exit_code", NULL, NULL, v);
	family(&p, "keyward_last_run_timestamp_seconds", "When the run started, seconds since the epoch.");
	snprintf(v, sizeof v, "%lld", r->started_unix);
	sample(&p, "keyward_last_run_timestamp_seconds", NULL, NULL, v);
	family(&p, "keyward_run_duration_seconds", "How long the run took.");
	snprintf(v, sizeof v, "%.3f", r->seconds);
	sample(&p, "keyward_run_duration_seconds", NULL, NULL, v);

	int rc = p.sb.overflow || p.labels.overflow ? -ENOMEM : kw_report_flush_sb(out, &p.sb);
	kw_sb_release(&p.sb);
	kw_sb_release(&p.labels);
	kw_rgroups_release(&g);
	return rc;
}
