/* rdp.h — the checks of `keyward scan --rdp` (checks/rdp.c): one RDP server's probe
 * results (net/rdpscan.h), the thumbprints the user expects and the time to judge the
 * certificate's validity by in; findings out through kw_emit (profiles and waivers apply
 * as everywhere). Pure: no I/O, no clock (the caller passes `now`).
 */
#ifndef KW_CHECKS_RDP_H
#define KW_CHECKS_RDP_H

#include "checks/checks.h"
#include "net/rdpscan.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kw_rdp_check_in {
	const char *target;          /* "rdp://host:port" as reports name it (escaped) */
	const kw_rdp_result *r;
	const char *const *expect;   /* thumbprints, normalised by kw_rdp_thumbprint_norm
				      * (uppercase hex, 40 = SHA-1 or 64 = SHA-256) */
	size_t n_expect;
	int64_t now;                 /* seconds since the epoch */
} kw_rdp_check_in;

/* 0 or -ENOMEM */
int kw_rdp_checks(const kw_profile *p, const kw_rdp_check_in *in, kw_findings *out);
/* the table (for --list-checks, SARIF rules and check-id validation) */
const kw_check_def *kw_rdp_check_defs(size_t *n);
const kw_check_def *kw_rdp_check_find(const char *id);

#endif
