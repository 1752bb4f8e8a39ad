/* report.h — render findings. Renderers never compute: they print what they are given.
 *
 * Text: grouped by severity (critical first), colour only when `color` is set (the caller
 * decides: a TTY and no NO_COLOR), every target-derived string escaped, a one-line
 * summary at the end. JSON: the versioned schema of docs/report-schema.md
 * ("schema": "keyward.report/1"). Waived findings are shown separately (text: only
 * counted unless verbosity > 0; JSON: in "findings" with "waived": true).
 *
 * The formats every finding-producing command shares (docs/reports.md):
 *   sarif       SARIF 2.1.0: one rule per check that ran, one result per finding
 *   junit       JUnit XML: one test case per check and target
 *   markdown    a summary for CI job pages and pull request comments
 *   html        one self-contained page: summary chart, filterable findings
 *   prometheus  node_exporter textfile metrics
 * Every one streams: the output is written as it is produced, and a write error (ENOSPC,
 * EIO) is returned, never swallowed.
 */
#ifndef KW_REPORT_REPORT_H
#define KW_REPORT_REPORT_H

#include "base/diag.h"
#include "checks/finding.h"
#include "checks/profile.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum kw_format {
	KW_FMT_TEXT = 0,
	KW_FMT_JSON,
	KW_FMT_SARIF,
	KW_FMT_JUNIT,
	KW_FMT_MARKDOWN,
	KW_FMT_HTML,
	KW_FMT_PROMETHEUS,
	KW_FMT__COUNT
} kw_format;
int kw_format_parse(const char *s, kw_format *ret); /* 0 or KW_E_USAGE; "md" = markdown */
const char *kw_format_name(kw_format f);           /* "sarif"; "?" out of range */

/* How a finding's path is to be read. */
typedef enum kw_report_paths {
	KW_PATHS_IN_ROOT = 0, /* absolute inside the audited root (audit, keys): "/etc/shadow" */
	KW_PATHS_INPUT,       /* an input file as given, "#" and a JSON pointer after it (cloud) */
	KW_PATHS_NONE,        /* no files (scan: the target is a server) */
} kw_report_paths;

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

	/* Used by the shared formats (sarif, junit, markdown, html, prometheus): */
	const kw_check_def *const *checks; /* the checks that ran: SARIF rules, JUnit cases */
	size_t n_checks;
	const char *root;           /* the folder paths are inside (absolute), or NULL */
	kw_report_paths paths;
	/* Several targets (scan): each finding's `target` is one of these, and JUnit writes
	 * one suite per target, clean ones included. n_targets 0: one target, r->target. */
	const char *const *targets;
	size_t n_targets;
	long long started_unix;     /* seconds since the epoch (prometheus) */
	const char *host;           /* this machine's name (JUnit hostname), or NULL */
} kw_report;

/* Returns 0, or -EIO if writing failed (-ENOMEM, -E2BIG as the renderer met them). */
int kw_report_render(FILE *out, kw_format fmt, const kw_report *r, bool color, int verbosity);


/* `--list-checks`: every check id, severity, title, references (text: a table; JSON: an
 * array of objects with id, severity, title, rationale, remediation, references). */
int kw_report_check_list(FILE *out, kw_format fmt, const kw_check_def *const *checks, size_t n);

#endif
