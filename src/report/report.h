/* report.h — render findings. Renderers never compute: they print what they are given.
 *
 * Text: grouped by severity (critical first), colour only when `color` is set (the caller
 * decides: a TTY and no NO_COLOR), every target-derived string escaped, a one-line
 * summary at the end. JSON: the versioned schema of docs/report-schema.md
 * ("schema": "keyward.report/1"). Waived findings are shown separately (text: only
 * counted unless verbosity > 0; JSON: in "findings" with "waived": true).
 */
#ifndef KW_REPORT_REPORT_H
#define KW_REPORT_REPORT_H

#include "base/diag.h"
#include "checks/finding.h"
#include "checks/profile.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum kw_format { KW_FMT_TEXT = 0, KW_FMT_JSON } kw_format;
int kw_format_parse(const char *s, kw_format *ret); /* 0 or KW_E_USAGE */

typedef struct kw_report {
	const char *command;        /* "audit" */
	const char *target;         /* kw_target_describe() */
	const char *profile;        /* profile name */
	const char *version;        /* keyward version */
	const char *started;        /* ISO 8601 UTC */
	double seconds;             /* wall time */
	const kw_findings *findings;
	const kw_diags *diags;      /* problems; fatal ones mean "a check could not run" */
	const kw_waivers *waivers;  /* may be NULL; expired / unused ones are listed */
	size_t checks_run;
	kw_severity fail_on;
	int exit_code;              /* what keyward will exit with (0,1,2,3) */
} kw_report;

/* Returns 0, or -EIO if writing failed. */
int kw_report_render(FILE *out, kw_format fmt, const kw_report *r, bool color, int verbosity);

/* `--list-checks`: every check id, severity, title, references (text: a table; JSON: an
 * array of objects with id, severity, title, rationale, remediation, references). */
int kw_report_check_list(FILE *out, kw_format fmt, const kw_check_def *const *checks, size_t n);

#endif
