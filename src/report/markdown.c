/* markdown.c — the report as Markdown for CI job summaries and pull request comments
 * (GitHub's $GITHUB_STEP_SUMMARY, GitLab notes).
 *
 *   ### keyward audit: 3 findings at or above high (exit 1)
 *   target, profile, checks, time
 *   | severity | findings |   counts (waived and errors too)
 *   | severity | check | where | evidence |   one row per finding, highest first
 *   <details> how to fix each check that has findings </details>
 *
 * Target text is escaped with kw_md_puts (a backslash before every ASCII punctuation
 * character), so a file name cannot open a link, mention a team, end a table cell or
 * inject HTML. Our own ids are shown in code spans, target text never is (backslash
 * escapes do not work inside one). Long reports keep every finding: a caller that needs
 * a size limit (GitHub's 1 MiB summary) uses --fail-on or a profile.
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
	kw_md_puts(&o->sb, s);
}

static void row(kw_rout *m, const kw_finding *f, bool show_target)
{
	kw_sb_printf(&m->sb, "| %s | `%s` | ", kw_severity_name(f->severity), f->check->id);
	const char *sep = "";
	if (show_target) {
		esc(m, f->target);
		sep = " ";
	}
	if (f->account) {
		put(m, sep);
		esc(m, f->account);
		sep = " ";
	}
	if (f->path) {
		put(m, sep);
		esc(m, f->path);
		if (f->line)
			kw_sb_printf(&m->sb, ":%u", f->line);
		sep = " ";
	}
	if (!*sep)
		esc(m, f->target);
	put(m, " | ");
	esc(m, f->evidence);
	if (f->waived) {
		put(m, " *(waived: ");
		esc(m, f->waiver_reason);
		put(m, ")*");
	}
	put(m, " |\n");
	kw_rout_block(m);
}

int kw_report_render_markdown(FILE *out, const kw_report *r)
{
	kw_tally t;
	kw_report_tally(r, &t);
	size_t failing = 0;
	for (int s = (int)r->fail_on; s < KW_SEV__COUNT; s++)
		failing += t.by_sev[s];
	kw_rout m;
	kw_rout_init(&m, out);
	kw_sb cmd;
	kw_sb_init(&cmd);
	kw_md_puts(&cmd, r->command ? r->command : "report");
	if (failing)
		kw_sb_printf(&m.sb, "### keyward %s: %zu finding%s at or above %s (exit %d)\n\n", cmd.s,
			     failing, failing == 1 ? "" : "s", kw_fail_on_name(r->fail_on), r->exit_code);
	else if ((unsigned)r->fail_on >= KW_SEV__COUNT)
		kw_sb_printf(&m.sb, "### keyward %s: %zu finding%s (exit %d)\n\n", cmd.s, t.total,
			     t.total == 1 ? "" : "s", r->exit_code);
	else
		kw_sb_printf(&m.sb, "### keyward %s: nothing at or above %s (exit %d)\n\n", cmd.s,
			     kw_fail_on_name(r->fail_on), r->exit_code);
	kw_sb_release(&cmd);
	put(&m, "Target: ");
	if (r->n_targets)
		kw_sb_printf(&m.sb, "%zu targets", r->n_targets);
	else
		esc(&m, r->target);
	if (r->profile) {
		put(&m, " · profile ");
		esc(&m, r->profile);
	}
	kw_sb_printf(&m.sb, " · %zu checks · keyward ", r->n_checks ? r->n_checks : r->checks_run);
	esc(&m, r->version);
	put(&m, " · ");
	esc(&m, r->started);
	kw_sb_printf(&m.sb, " · %.2f s\n\n", r->seconds);
	put(&m, "| severity | findings |\n| --- | ---: |\n");
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
		kw_sb_printf(&m.sb, "| %s | %zu |\n", kw_severity_name((kw_severity)s), t.by_sev[s]);
	if (t.waived)
		kw_sb_printf(&m.sb, "| waived | %zu |\n", t.waived);
	if (t.errors)
		kw_sb_printf(&m.sb, "| errors | %zu |\n", t.errors);
	put(&m, "\n");
	kw_rout_flush(&m);

	size_t nf = r->findings ? r->findings->n : 0;
	if (nf) {
		put(&m, "| severity | check | where | evidence |\n| --- | --- | --- | --- |\n");
		/* highest first; waived last */
		for (int pass = 0; pass < 2; pass++)
			for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
				for (size_t i = 0; i < nf && !m.err; i++) {
					const kw_finding *f = &r->findings->v[i];
					if ((int)f->severity == s && f->waived == (pass == 1))
						row(&m, f, r->n_targets > 0);
				}
		put(&m, "\n");
		kw_rout_flush(&m);
		kw_rgroups g;
		if (kw_rgroups_build(r, &g) < 0) {
			kw_sb_release(&m.sb);
			return -ENOMEM;
		}
		put(&m, "<details><summary>How to fix</summary>\n\n");
		for (size_t c = 0; c < g.n_checks; c++) {
			size_t n = 0;
			for (size_t tg = 0; tg < g.n_targets; tg++)
				n += g.start[tg * g.n_checks + c + 1] - g.start[tg * g.n_checks + c];
			if (!n)
				continue;
			kw_sb_printf(&m.sb, "- `%s` (%zu): ", g.checks[c]->id, n);
			esc(&m, g.checks[c]->title);
			put(&m, ". ");
			esc(&m, g.checks[c]->remediation);
			put(&m, "\n");
		}
		put(&m, "\n</details>\n");
		kw_rgroups_release(&g);
	}
	if (r->diags && r->diags->n) {
		put(&m, "\n**Problems met:**\n\n");
		for (size_t i = 0; i < r->diags->n; i++) {
			const kw_diag *d = &r->diags->v[i];
			put(&m, "- ");
			if (d->file) {
				esc(&m, d->file);
				if (d->line)
					kw_sb_printf(&m.sb, ":%u", d->line);
				put(&m, ": ");
			}
			esc(&m, d->msg ? d->msg : kw_strerror(d->err));
			put(&m, d->fatal ? " (a check could not run)\n" : "\n");
		}
	}
	int rc = kw_rout_finish(&m);
	return rc;
}
