/* audit.h — what `keyward audit` and `keyward windows` share: the option ids, the rows
 * of their common options, and the run itself (open the target, collect, check, waive,
 * render, exit code). `windows` is the audit of a Windows system volume: the same
 * pipeline, with the target required to be one and the check list its own. */
#ifndef KW_CMD_AUDIT_H
#define KW_CMD_AUDIT_H

#include "cmd/cmdio.h"
#include "cmd/opts.h"

enum {
	OPT_ROOT = 256, OPT_IMAGE, OPT_DEEP, OPT_PROFILE, OPT_WAIVE, OPT_WAIVERS, OPT_FAIL_ON,
	OPT_FORMAT, OPT_OUTPUT, OPT_REPORT, OPT_LIST, OPT_AS_IMAGE, OPT_TODAY, OPT_MATCH_USERS,
	OPT_VERBOSE = 'v',
};

#define KW_AUDIT_OPT_DEEP \
	{ OPT_DEEP, 0, "deep", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, \
	  "also walk every file for private keys and credentials by name and content (skips " \
	  "/proc, /sys, /dev, pseudo file systems)" }

#define KW_AUDIT_OPTS_POLICY \
	KW_OPT_SECTION("Policy"), \
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL, \
	  "a built-in profile: baseline (default), paranoid, strict, mozilla-modern, " \
	  "cis-debian12; or a profile file (docs/profiles.md)" }, \
	{ OPT_WAIVE, 0, "waive", KW_ARG_REQUIRED, "ID[:GLOB]", KW_COMP_NONE, NULL, \
	  "accept findings of check ID (for targets matching GLOB); repeatable" }, \
	{ OPT_WAIVERS, 0, "waivers", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL, \
	  "a waiver file: lines of ID [GLOB] expires=YYYY-MM-DD reason=TEXT" }, \
	{ OPT_TODAY, 0, "today", KW_ARG_REQUIRED, "YYYY-MM-DD", KW_COMP_NONE, NULL, \
	  "judge waiver expiry against this date instead of today (to see what expires soon)" }, \
	{ OPT_FAIL_ON, 0, "fail-on", KW_ARG_REQUIRED, "SEVERITY", KW_COMP_WORDS, \
	  KW_CMD_SEVERITY_WORDS, \
	  "exit 1 if a finding at or above SEVERITY remains: info, low, medium, high (default) " \
	  "or critical" }

#define KW_AUDIT_OPTS_OUTPUT \
	KW_OPT_SECTION("Output"), \
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "FORMAT", KW_COMP_WORDS, \
	  KW_CMD_FORMAT_WORDS, \
	  "text (default), json (schema: docs/report-schema.md), sarif, junit, markdown, html " \
	  "or prometheus (docs/reports.md)" }, \
	KW_CMD_OPT_OUTPUT(OPT_OUTPUT), \
	KW_CMD_OPT_REPORT(OPT_REPORT), \
	{ OPT_LIST, 0, "list-checks", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, \
	  "list every check: id, severity, title, references" }, \
	{ OPT_VERBOSE, 'v', "verbose", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, \
	  "show each finding's rationale and references" }

typedef enum kw_audit_mode {
	KW_AUDIT_ANY = 0,      /* keyward audit: a Linux host or image, or a Windows volume */
	KW_AUDIT_WINDOWS,      /* keyward windows: a Windows system volume, nothing else */
} kw_audit_mode;

/* The whole command: options of `spec`, exit code. */
int kw_cmd_audit_main(int argc, char **argv, const kw_cmd_spec *spec, kw_audit_mode mode);

#endif
