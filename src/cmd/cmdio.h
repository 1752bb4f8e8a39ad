/* cmdio.h — what the commands that read a target share (audit, keys): opening the target
 * that --root / --image name, and writing an output file atomically. Only src/cmd uses it.
 */
#ifndef KW_CMD_CMDIO_H
#define KW_CMD_CMDIO_H

#include "checks/profile.h"
#include "base/diag.h"
#include "cmd/progress.h"
#include "collect/facts.h"
#include "keys/inventory.h"
#include "target/target.h"

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

/* --format text|json: *json set; 0, or 2 after a usage message for cmd ("keys log"). */
int kw_cmd_format_json(const char *cmd, const char *arg, bool *json);

/* What keys scan, snapshot and diff start with: open the target of --root/--image
 * (progress on stderr unless quiet), collect what keys need (extra: more collector
 * options, may be NULL; keys_only, live_host and progress are set here) and build the
 * inventory. Prints its errors; 0, or 2 (t, f and inv are then for the caller to release
 * as they are). */
int kw_cmd_keys_inventory(const char *cmd, const char *root, const char *image, bool quiet,
			  const kw_collect_opts *extra, kw_target **t, kw_facts *f,
			  kw_inventory *inv);

#endif
