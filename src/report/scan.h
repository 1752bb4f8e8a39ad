/* scan.h — `keyward scan` results as text and JSON ("keyward-scan" version 1, described
 * in docs/scan.md): per SSH target the banner, the ten KEXINIT lists, the host keys
 * (verified or not, and why), the group-exchange sizes; per RDP target (--rdp) what each
 * negotiation probe got, the two verdicts, the TLS version and the certificate; then every
 * finding. Renderers print what they are given; every string from a server is escaped. */
#ifndef KW_REPORT_SCAN_H
#define KW_REPORT_SCAN_H

#include "checks/finding.h"
#include "net/rdpscan.h"
#include "net/scan.h"
#include "net/targets.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct kw_scan_report {
	const char *version;
	const char *started;        /* ISO 8601 UTC */
	double seconds;
	const char *profile;
	const kw_targets *targets;
	const kw_scan_result *results; /* targets->n of them */
	const kw_targets *rdp_targets; /* NULL: none */
	const kw_rdp_result *rdp_results; /* rdp_targets->n of them */
	const kw_findings *findings;   /* sorted: by target, then severity */
	bool md5;                   /* show MD5 fingerprints too */
	bool interrupted;
	int exit_code;
} kw_scan_report;

/* 0 or -EIO */
int kw_scan_render_text(FILE *out, const kw_scan_report *r);
int kw_scan_render_json(FILE *out, const kw_scan_report *r);

#endif
