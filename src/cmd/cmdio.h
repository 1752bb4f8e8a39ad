/* cmdio.h — what the commands that read a target share (audit, keys): opening the target
 * that --root / --image name, and writing an output file atomically. Only src/cmd uses it.
 */
#ifndef KW_CMD_CMDIO_H
#define KW_CMD_CMDIO_H

#include "checks/profile.h"
#include "base/diag.h"
#include "cmd/opts.h"
#include "cmd/progress.h"
#include "collect/facts.h"
#include "keys/edit.h"
#include "keys/inventory.h"
#include "target/target.h"

#include "report/report.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* image: a tarball path or "-" (read with the collector's keep predicate; deep also sniffs
 * contents); else root (NULL = "/"). On failure prints "keyward CMD: cannot open ..." and
 * returns the negative code. */
int kw_cmd_open_target(const char *cmd, const char *root, const char *image, bool deep,
		       kw_progress *prog, kw_target **ret);

/* "keyward CMD: MSG WHAT (see --help)" on stderr, WHAT (a user's argument, may be NULL)
 * escaped; returns 2, the usage-error exit status. */
int kw_cmd_usage_err(const char *cmd, const char *msg, const char *what);

/* Each diagnostic on stderr as "keyward CMD: file:line: message", escaped. */
void kw_cmd_print_diags(const char *cmd, const kw_diags *d);

/* Write to path atomically: PATH.tmp.PID, then rename on close — for a new or regular file
 * only. Anything else that exists (/dev/null, /dev/stdout, a FIFO) is written in place: a
 * rename would replace the device node with a regular file. path NULL = stdout. */
FILE *kw_cmd_open_output(const char *path, char **ret_tmp);
/* 0, or -1 (the temp file is removed and path is untouched). */
int kw_cmd_close_output(FILE *f, const char *path, char *tmp);
/* The same for a command's report: kw_cmd_open_output, saying "keyward CMD: cannot write
 * PATH" when it fails; then kw_cmd_report_done closes it and says "keyward CMD: error
 * writing the WHAT" when the close or the renderer (render_rc < 0) failed. 0 or -1. */
FILE *kw_cmd_report_open(const char *cmd, const char *path, char **ret_tmp);
int kw_cmd_report_done(const char *cmd, FILE *f, const char *path, char *tmp, int render_rc,
		       const char *what);

/* Is id a check keyward has, in the audit's table or in keys scan's? (A profile or a
 * waiver file serves both commands.) */
bool kw_cmd_check_known(const char *id);
/* Load profile NAME (a built-in name or a file) for command cmd, its diagnostics printed,
 * and every check id it names known to some command (a typo would silently do nothing).
 * 0, or 2 (the exit code) after saying why on stderr. */
int kw_cmd_load_profile(const char *cmd, const char *name, kw_profile *p);

/* A public key file, or "-" for stdin (at most KW_NEWKEY_MAX bytes), parsed into *ret
 * (kw_newkey_release it). 0, or 2 after saying why on stderr as "keyward CMD: ...". */
int kw_cmd_load_newkey(const char *cmd, const char *path, kw_newkey *ret);
/* What a user names a key by: a fingerprint (SHA256:... or MD5:...), or else a public key
 * file (or "-") whose fingerprint is taken. 0, or 2 after saying why. */
int kw_cmd_load_keyref(const char *cmd, const char *arg, kw_keyref *ret);

/* Text taken from a target or a database, escaped: to a stream, or as a JSON string
 * (NULL: "" on the stream, null in JSON). */
void kw_cmd_put_esc(FILE *out, const char *s);
json_t *kw_cmd_json_esc(const char *s);

/* --format text|json: *json set; 0, or 2 after a usage message for cmd ("keys log"). */
int kw_cmd_format_json(const char *cmd, const char *arg, bool *json);

/* The reports a command writes: --format and --output (the main one: stdout unless
 * --output), and any number of --report FORMAT=FILE, so one run can leave JSON for the
 * archive, SARIF for code scanning and HTML for people. Each file is written atomically
 * (kw_cmd_open_output). The formats a command takes: text and json are its own, the
 * shared ones (sarif, junit, markdown, html, prometheus) are rendered from a kw_report. */
#define KW_CMD_MAX_REPORTS 8
#define KW_CMD_SHARED_FORMATS ((1u << KW_FMT_SARIF) | (1u << KW_FMT_JUNIT) | (1u << KW_FMT_MARKDOWN) | \
			       (1u << KW_FMT_HTML) | (1u << KW_FMT_PROMETHEUS))
typedef struct kw_cmd_outputs {
	unsigned allowed;      /* bit (1u << kw_format) per format the command takes */
	kw_format format;      /* --format (default text) */
	const char *output;    /* --output, NULL = stdout */
	struct {
		kw_format format;
		const char *path;
	} extra[KW_CMD_MAX_REPORTS];
	size_t n_extra;
} kw_cmd_outputs;

/* The option rows every command with findings shares (kw_opt, opts.h): the --format words
 * of text, json and the shared formats, --output FILE, --report FORMAT=FILE (repeatable),
 * and the severity words of --fail-on. */
#define KW_CMD_FORMAT_WORDS "text json sarif junit markdown html prometheus"
#define KW_CMD_SEVERITY_WORDS "info low medium high critical"
#define KW_CMD_OPT_OUTPUT(id) \
	{ (id), 0, "output", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL, \
	  "write the report to FILE (atomically) instead of stdout" }
#define KW_CMD_OPT_REPORT(id) \
	{ (id), 0, "report", KW_ARG_REQUIRED, "FORMAT=FILE", KW_COMP_NONE, NULL, \
	  "also write the report in FORMAT to FILE; repeatable: --report sarif=keyward.sarif " \
	  "--report html=keyward.html" }

/* --format NAME and --report NAME=FILE; print a usage error and return 2 when bad. */
int kw_cmd_format_opt(const char *cmd, const char *arg, kw_cmd_outputs *o);
int kw_cmd_report_opt(const char *cmd, const char *arg, kw_cmd_outputs *o);
/* "text, json, sarif, ..." of o->allowed, for messages and help */
const char *kw_cmd_format_list(unsigned allowed, char *buf, size_t size);

/* Render a command's own formats (text, json) to out. */
typedef int (*kw_cmd_render_fn)(FILE *out, kw_format fmt, const void *ctx);
/* Write the main report and every --report: text/json through native (may be NULL when
 * the command's own formats are kw_report's), the shared formats from rep (whose host
 * is this machine's name when NULL). Says
 * "keyward CMD: cannot write FILE" or "error writing the report (FILE)" for each that
 * fails; 0, or -1 when one did. */
int kw_cmd_write_outputs(const char *cmd, const kw_cmd_outputs *o, kw_cmd_render_fn native,
			 const void *ctx, const kw_report *rep);

/* What keys scan, snapshot and diff start with: open the target of --root/--image
 * (progress on stderr unless quiet), collect what keys need (extra: more collector
 * options, may be NULL; keys_only, live_host and progress are set here) and build the
 * inventory. Prints its errors; 0, or 2 (t, f and inv are then for the caller to release
 * as they are). */
int kw_cmd_keys_inventory(const char *cmd, const char *root, const char *image, bool quiet,
			  const kw_collect_opts *extra, kw_target **t, kw_facts *f,
			  kw_inventory *inv);

#endif
