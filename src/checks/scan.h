/* scan.h — the checks of `keyward scan` (checks/scan.c): one scanned server's result, the
 * fingerprints the user expects, software notes and config drift in; findings out
 * through kw_emit (so profiles and waivers apply as everywhere). Pure: no I/O. */
#ifndef KW_CHECKS_SCAN_H
#define KW_CHECKS_SCAN_H

#include "checks/checks.h"
#include "net/scan.h"

#include <stdbool.h>
#include <stddef.h>

/* a banner-based advisory (net/software.h makes them) */
typedef struct kw_scan_note {
	kw_severity severity;
	const char *text;      /* "CVE-2024-6387 (regreSSHion): OpenSSH 8.5p1-9.7p1 ..." */
} kw_scan_note;

typedef struct kw_scan_check_in {
	const char *target;            /* "host:port" as reports name it (escaped) */
	const kw_scan_result *r;
	const char *const *expect;     /* fingerprints one of which the server must prove */
	size_t n_expect;
	bool expect_given;             /* --expect or a known_hosts entry for this host */
	const char *expect_source;     /* "--expect", "known_hosts FILE:LINE" */
	const kw_scan_note *notes;
	size_t n_notes;
	const char *const *drift;      /* differences between the wire and the config */
	size_t n_drift;
	const char *const *revoked;    /* fingerprints the server must not prove (@revoked
					* lines of a known_hosts file for this host) */
	size_t n_revoked;
	const char *revoked_source;    /* "known_hosts FILE:LINE" */
} kw_scan_check_in;

/* 0 or -ENOMEM */
int kw_scan_checks(const kw_profile *p, const kw_scan_check_in *in, kw_findings *out);
/* the table (for --list-checks and check-id validation) */
const kw_check_def *kw_scan_check_defs(size_t *n);
const kw_check_def *kw_scan_check_find(const char *id);

#endif
