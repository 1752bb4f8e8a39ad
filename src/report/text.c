/* text.c — the human-readable report and the `--list-checks` table.
 *
 * Owner: report/finding-model engineer. Layout of a report:
 *
 *   keyward 0.1.0 audit of dir:/srv/img, profile baseline
 *
 *   CRITICAL  accounts.empty-password  bob
 *             account bob has an empty password field in /etc/shadow:4
 *             fix: Lock the account or set a password.
 *
 *   errors:
 *     /etc/shadow:7: malformed line (check could not run)
 *
 *   waivers:
 *     keys.authorized-key /root/.ssh/authorized_keys: expired 2026-01-31 (waivers:3), still matches
 *
 *   1 finding: 1 critical, 0 high, 0 medium, 0 low, 0 info; exit 1 (--fail-on high)
 *
 * Findings are printed grouped by severity, critical first, in the order given within a
 * severity (the caller sorts). Every string that came from a finding, a diagnostic, a
 * waiver or the target passes through kw_escape, so a name holding "\x1b[31m" or a
 * newline prints as visible escapes and never as a control sequence or a fake line.
 * Colour codes are written only when the caller asks for them. Output is built per block
 * in a kw_sb and written out, so a huge report never sits in memory twice.
 */
#include "report/render.h"
#include "base/err.h"
#include "base/escape.h"

#include <string.h>

#define INDENT "          " /* width of "CRITICAL  " */

static const char *const sev_color[KW_SEV__COUNT] = {
	[KW_SEV_INFO] = "\033[34m",
	[KW_SEV_LOW] = "\033[36m",
	[KW_SEV_MEDIUM] = "\033[33m",
	[KW_SEV_HIGH] = "\033[31m",
	[KW_SEV_CRITICAL] = "\033[1;31m",
};

#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RESET "\033[0m"

struct tctx {
	FILE *out;
	kw_sb sb;
	bool color;
	int verbosity;
	int err; /* first failure of a put; checked when the block is written */
};

static void put(struct tctx *t, const char *s)
{
	int r = kw_sb_puts(&t->sb, s);
	if (r < 0 && !t->err)
		t->err = r;
}

static void put_n(struct tctx *t, const char *s, size_t n)
{
	int r = kw_sb_put(&t->sb, s, n);
	if (r < 0 && !t->err)
		t->err = r;
}

static void esc(struct tctx *t, const char *s)
{
	int r = kw_report_esc(&t->sb, s);
	if (r < 0 && !t->err)
		t->err = r;
}

static void esc_n(struct tctx *t, const char *s, size_t n)
{
	int r = kw_escape_append(&t->sb, s, n);
	if (r < 0 && !t->err)
		t->err = r;
}

static void num(struct tctx *t, size_t n)
{
	int r = kw_sb_printf(&t->sb, "%zu", n);
	if (r < 0 && !t->err)
		t->err = r;
}

/* Colour on: the code; off: nothing. */
static void col(struct tctx *t, const char *code)
{
	if (t->color)
		put(t, code);
}

static int flush(struct tctx *t)
{
	if (t->err)
		return t->err;
	return t->err = kw_report_flush_sb(t->out, &t->sb);
}

/* "CRITICAL  " with the label coloured and the padding outside the colour. A waived
 * finding is labelled "WAIVED", dimmed: it is not an alarm. */
static void label(struct tctx *t, kw_severity s, bool waived)
{
	const char *l = waived ? "WAIVED" : kw_severity_label(s);
	col(t, waived ? C_DIM : (unsigned)s < KW_SEV__COUNT ? sev_color[s] : "");
	put(t, l);
	col(t, C_RESET);
	size_t n = strlen(l);
	put_n(t, INDENT, n < 8 ? 10 - n : 2);
}

static void finding_block(struct tctx *t, const kw_finding *f, bool waived_section, bool first)
{
	const kw_check_def *c = f->check;
	if (!first)
		put(t, "\n");
	label(t, f->severity, waived_section);
	esc(t, c && c->id ? c->id : "?");
	put(t, "  ");
	esc(t, f->target);
	put(t, "\n" INDENT);
	esc(t, f->evidence);
	put(t, "\n");
	if (waived_section) {
		put(t, INDENT "waived ");
		put(t, kw_severity_name(f->severity));
		put(t, " finding");
		if (f->waiver_expires) {
			put(t, " until ");
			esc(t, f->waiver_expires);
		}
		if (f->waiver_reason) {
			put(t, ": ");
			esc(t, f->waiver_reason);
		}
		put(t, "\n");
		return;
	}
	if (c && c->remediation && *c->remediation) {
		put(t, INDENT "fix: ");
		if (t->verbosity > 0)
			esc(t, c->remediation);
		else
			esc_n(t, c->remediation, kw_report_first_sentence(c->remediation));
		put(t, "\n");
	}
	if (t->verbosity > 0 && c) {
		if (c->rationale && *c->rationale) {
			put(t, INDENT "why: ");
			esc(t, c->rationale);
			put(t, "\n");
		}
		for (size_t i = 0; i < KW_MAX_REFS; i++)
			if (c->refs[i] && *c->refs[i]) {
				put(t, INDENT "see: ");
				esc(t, c->refs[i]);
				put(t, "\n");
			}
	}
}

static void heading(struct tctx *t, const char *h)
{
	put(t, "\n");
	col(t, C_BOLD);
	put(t, h);
	col(t, C_RESET);
	put(t, "\n");
}

static void diag_line(struct tctx *t, const kw_diag *d)
{
	put(t, "  ");
	if (d->file) {
		esc(t, d->file);
		if (d->line) {
			put(t, ":");
			num(t, d->line);
		}
		put(t, ": ");
	}
	esc(t, d->msg ? d->msg : kw_strerror(d->err));
	if (d->fatal) {
		put(t, " ");
		col(t, sev_color[KW_SEV_HIGH]);
		put(t, "(check could not run)");
		col(t, C_RESET);
	}
	put(t, "\n");
}

static void waiver_line(struct tctx *t, const kw_waiver *w)
{
	put(t, "  ");
	esc(t, w->id);
	put(t, " ");
	esc(t, w->glob ? w->glob : "*");
	put(t, ": ");
	if (w->expired) {
		put(t, "expired ");
		esc(t, w->expires);
		if (w->used)
			put(t, ", still matches findings");
	} else {
		put(t, "matched no finding");
	}
	if (w->source) {
		put(t, " (");
		esc(t, w->source);
		put(t, ")");
	}
	put(t, "\n");
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void summary(struct tctx *t, const kw_report *r, const kw_tally *ty)
{
	put(t, "\n");
	if (ty->total == 0) {
		put(t, "no findings (");
		num(t, r->checks_run);
		put(t, plural(r->checks_run, " check run", " checks run"));
		if (ty->waived) {
			put(t, ", ");
			num(t, ty->waived);
			put(t, " waived");
		}
		put(t, ")");
	} else {
		num(t, ty->total);
		put(t, plural(ty->total, " finding: ", " findings: "));
		for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--) {
			num(t, ty->by_sev[s]);
			put(t, " ");
			put(t, kw_severity_name((kw_severity)s));
			if (s != KW_SEV_INFO)
				put(t, ", ");
		}
		if (ty->waived) {
			put(t, " (");
			num(t, ty->waived);
			put(t, " waived)");
		}
	}
	size_t nonfatal = ty->errors - ty->fatal;
	if (nonfatal) {
		put(t, "; ");
		num(t, nonfatal);
		put(t, plural(nonfatal, " error", " errors"));
	}
	if (ty->fatal) {
		put(t, "; ");
		num(t, ty->fatal);
		put(t, plural(ty->fatal, " check could not run", " checks could not run"));
	}
	put(t, "; exit ");
	int r2 = kw_sb_printf(&t->sb, "%d", r->exit_code);
	if (r2 < 0 && !t->err)
		t->err = r2;
	put(t, " (--fail-on ");
	put(t, kw_severity_name(r->fail_on));
	put(t, ")\n");
}

int kw_report_render_text(FILE *out, const kw_report *r, bool color, int verbosity)
{
	struct tctx t = { .out = out, .color = color, .verbosity = verbosity };
	kw_sb_init(&t.sb);
	kw_tally ty;
	kw_report_tally(r, &ty);

	col(&t, C_BOLD);
	put(&t, "keyward ");
	esc(&t, r->version ? r->version : "?");
	put(&t, " ");
	esc(&t, r->command ? r->command : "audit");
	put(&t, " of ");
	esc(&t, r->target ? r->target : "?");
	put(&t, ", profile ");
	esc(&t, r->profile ? r->profile : "?");
	col(&t, C_RESET);
	put(&t, "\n");
	if (flush(&t) < 0)
		goto out;

	if (r->findings) {
		for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
			for (size_t i = 0; i < r->findings->n; i++) {
				const kw_finding *f = &r->findings->v[i];
				if (f->waived || f->severity != (kw_severity)s)
					continue;
				finding_block(&t, f, false, false);
				if (flush(&t) < 0)
					goto out;
			}
		/* severities outside the enum cannot come from kw_findings_add; print them last
		 * rather than lose them */
		for (size_t i = 0; i < r->findings->n; i++) {
			const kw_finding *f = &r->findings->v[i];
			if (!f->waived && (unsigned)f->severity >= KW_SEV__COUNT) {
				finding_block(&t, f, false, false);
				if (flush(&t) < 0)
					goto out;
			}
		}
		if (verbosity > 0 && ty.waived) {
			heading(&t, "waived:");
			bool first = true;
			for (size_t i = 0; i < r->findings->n; i++)
				if (r->findings->v[i].waived) {
					finding_block(&t, &r->findings->v[i], true, first);
					first = false;
					if (flush(&t) < 0)
						goto out;
				}
		}
	}

	if (ty.errors) {
		heading(&t, "errors:");
		for (size_t i = 0; i < r->diags->n; i++) {
			diag_line(&t, &r->diags->v[i]);
			if (flush(&t) < 0)
				goto out;
		}
	}

	if (ty.waivers_expired || ty.waivers_unused) {
		heading(&t, "waivers:");
		for (size_t i = 0; i < r->waivers->n; i++) {
			const kw_waiver *w = &r->waivers->v[i];
			if (w->expired || !w->used)
				waiver_line(&t, w);
		}
	}

	summary(&t, r, &ty);
	flush(&t);
out:
	kw_sb_release(&t.sb);
	return t.err;
}

int kw_report_check_list_text(FILE *out, const kw_check_def *const *checks, size_t n)
{
	struct tctx t = { .out = out };
	kw_sb_init(&t.sb);
	size_t w = 2; /* "ID" */
	for (size_t i = 0; i < n; i++)
		if (checks[i] && checks[i]->id && strlen(checks[i]->id) > w)
			w = strlen(checks[i]->id);
	if (w > 40)
		w = 40;

	int r = kw_sb_printf(&t.sb, "%-*s  %-8s  %s\n", (int)w, "ID", "SEVERITY", "TITLE");
	if (r < 0)
		t.err = r;
	for (size_t i = 0; i < n && !t.err; i++) {
		const kw_check_def *c = checks[i];
		if (!c)
			continue;
		size_t start = t.sb.len;
		esc(&t, c->id ? c->id : "?");
		size_t idw = t.sb.len - start;
		for (size_t k = idw; k < w + 2; k++)
			put(&t, " ");
		if (idw >= w + 2)
			put(&t, "  ");
		r = kw_sb_printf(&t.sb, "%-8s  ", kw_severity_name(c->severity));
		if (r < 0 && !t.err)
			t.err = r;
		esc(&t, c->title ? c->title : "");
		put(&t, "\n");
		for (size_t k = 0; k < KW_MAX_REFS; k++)
			if (c->refs[k] && *c->refs[k]) {
				for (size_t s = 0; s < w + 2 + 10; s++)
					put(&t, " ");
				esc(&t, c->refs[k]);
				put(&t, "\n");
			}
		flush(&t);
	}
	if (!t.err)
		flush(&t);
	kw_sb_release(&t.sb);
	return t.err;
}
