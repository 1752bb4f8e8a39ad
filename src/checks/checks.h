/* checks.h — the check registry: pure functions from facts + profile to findings.
 *
 * Each area (accounts, keys, secrets, image, sudo) is one file holding a table of
 * kw_check_def rows and one run function that reads kw_facts and emits findings through
 * kw_emit(). kw_emit() consults the profile (disabled checks emit nothing; severities
 * are overridden). Checks never do I/O and never print.
 */
#ifndef KW_CHECKS_CHECKS_H
#define KW_CHECKS_CHECKS_H

#include "checks/finding.h"
#include "checks/profile.h"
#include "collect/facts.h"

typedef struct kw_check_ctx {
	const kw_facts *f;
	const kw_profile *p;
	kw_findings *out;
	int err;          /* first error met (-ENOMEM) */
} kw_check_ctx;

typedef struct kw_check_area {
	const char *name;
	const kw_check_def *defs;
	size_t n_defs;
	void (*run)(kw_check_ctx *x);
} kw_check_area;

/* Emit a finding of check c (if enabled by the profile) at the profile's severity. */
void kw_emit(kw_check_ctx *x, const kw_check_def *c, const char *target, const char *path,
	     unsigned line, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* The same, with the severity capped at `cap` (e.g. image state on a live host: info). */
void kw_emit_capped(kw_check_ctx *x, const kw_check_def *c, kw_severity cap, const char *target,
		    const char *path, unsigned line, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* The same at severity dflt instead of the table's, unless the profile sets one (a check
 * whose severity depends on the case: root keys by PermitRootLogin). */
void kw_emit_default(kw_check_ctx *x, const kw_check_def *c, kw_severity dflt, const char *target,
		     const char *path, unsigned line, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* Run every enabled check that applies to the target (kw_checks_for). *ret_run: how many
 * checks were enabled. 0 or -ENOMEM. */
int kw_checks_run(const kw_facts *f, const kw_profile *p, kw_findings *out, size_t *ret_run);

/* All check definitions, in registry order (for --list-checks and validation). */
const kw_check_def *const *kw_checks_all(size_t *ret_n);
/* The checks that run on a Linux target, or on a Windows system volume (kw_facts.win). */
const kw_check_def *const *kw_checks_for(bool windows, size_t *ret_n);
const kw_check_def *kw_check_find(const char *id);

/* UID range of login accounts: profile setting, else the image's login.defs. */
uint32_t kw_checks_uid_min(const kw_check_ctx *x);
uint32_t kw_checks_uid_max(const kw_check_ctx *x);

extern const kw_check_area kw_area_accounts, kw_area_keys, kw_area_secrets, kw_area_image,
	kw_area_sudo, kw_area_sshd, kw_area_windows;

#endif
