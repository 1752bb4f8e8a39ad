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

/* Append s escaped (kw_escape); NULL appends nothing. */
int kw_report_esc(kw_sb *sb, const char *s);
/* Length of the first sentence of s: through the first ". " (or the whole string). */
size_t kw_report_first_sentence(const char *s);
/* Write sb to out; -EIO if the stream reports an error. */
int kw_report_flush_sb(FILE *out, kw_sb *sb);

int kw_report_render_text(FILE *out, const kw_report *r, bool color, int verbosity);
int kw_report_render_json(FILE *out, const kw_report *r);
int kw_report_check_list_text(FILE *out, const kw_check_def *const *checks, size_t n);
int kw_report_check_list_json(FILE *out, const kw_check_def *const *checks, size_t n);

#endif
