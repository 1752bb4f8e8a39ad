/* render.h — private to src/report: the renderers behind kw_report_render() and
 * kw_report_check_list(), and the few helpers they share (tallies, escaping).
 *
 * Owner: report/finding-model engineer. Nothing outside src/report includes this file.
 */
#ifndef KW_REPORT_RENDER_H
#define KW_REPORT_RENDER_H

#include "base/buf.h"
#include "report/report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Counts the renderers print. Counting is not computing a verdict: exit code and
 * fail_on come from the caller. */
typedef struct kw_tally {
	size_t total;                     /* findings not waived */
	size_t by_sev[KW_SEV__COUNT];     /* not waived, by severity */
	size_t waived;
	size_t errors;                    /* all diagnostics */
	size_t fatal;                     /* diagnostics marked fatal: checks that could not run */
	size_t waivers_expired;
	size_t waivers_unused;            /* not expired and matched nothing */
} kw_tally;

void kw_report_tally(const kw_report *r, kw_tally *t);

/* r->fail_on's name; "never" for KW_SEV__COUNT (a command without --fail-on). */
static inline const char *kw_fail_on_name(kw_severity s)
{
	return (unsigned)s >= KW_SEV__COUNT ? "never" : kw_severity_name(s);
}

/* Append s escaped (kw_escape); NULL appends nothing. */
int kw_report_esc(kw_sb *sb, const char *s);
/* Length of the first sentence of s: through the first ". " (or the whole string). */
size_t kw_report_first_sentence(const char *s);
/* Write sb to out; -EIO if the stream reports an error. */
int kw_report_flush_sb(FILE *out, kw_sb *sb);

/* How the streaming renderers write: a block is built in sb, then written out; the first
 * error is kept. kw_rout_flush writes what is there; kw_rout_block writes once the block
 * holds 64 KiB; kw_rout_finish writes the rest, releases the buffer and returns 0, the
 * first write error, or -ENOMEM when a piece did not fit in memory. */
typedef struct kw_rout {
	FILE *out;
	kw_sb sb;
	int err;
} kw_rout;
void kw_rout_init(kw_rout *o, FILE *out);
void kw_rout_flush(kw_rout *o);
void kw_rout_block(kw_rout *o);
int kw_rout_finish(kw_rout *o);

/* The findings arranged for the shared formats: the checks (r->checks, then any check a
 * finding has that is not among them), the targets (r->targets, then any other target a
 * finding names; or the one r->target), and the findings in (target, check) order with
 * the range of each pair. Arranging is not computing: nothing is judged here. */
typedef struct kw_rgroups {
	const kw_check_def **checks;
	size_t n_checks;
	const char **targets;
	size_t n_targets;
	size_t *order;      /* r->findings->n indices, by target then check, else as given */
	size_t *start;      /* pair (t, c): order[start[t * n_checks + c] .. start[... + 1]) */
	size_t *check_of;   /* per finding: its index in checks */
} kw_rgroups;
int kw_rgroups_build(const kw_report *r, kw_rgroups *g); /* 0 or -ENOMEM */
void kw_rgroups_release(kw_rgroups *g);
/* The area of a check id: what comes before its first '.' ("accounts"), into buf. */
const char *kw_check_area(const kw_check_def *c, char *buf, size_t size);

int kw_report_render_text(FILE *out, const kw_report *r, bool color, int verbosity);
int kw_report_render_json(FILE *out, const kw_report *r);
int kw_report_render_sarif(FILE *out, const kw_report *r);
int kw_report_render_junit(FILE *out, const kw_report *r);
int kw_report_render_markdown(FILE *out, const kw_report *r);
int kw_report_render_html(FILE *out, const kw_report *r);
int kw_report_render_prometheus(FILE *out, const kw_report *r);

/* The head of an HTML page (doctype, CSP forbidding scripts and external assets, the
 * shared style, the escaped title) and its end; the guard's replay page uses them too. */
int kw_html_begin(kw_sb *sb, const char *title);
int kw_html_end(kw_sb *sb);
int kw_report_check_list_text(FILE *out, const kw_check_def *const *checks, size_t n);
int kw_report_check_list_json(FILE *out, const kw_check_def *const *checks, size_t n);

#endif
