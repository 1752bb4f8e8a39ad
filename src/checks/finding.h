/* finding.h — the finding model shared by every check and every renderer.
 *
 * A check is a row in a table (kw_check_def): a stable dotted id, a default severity,
 * a title, why it matters, how to fix it, and references. A finding is one instance:
 * which check, the effective severity (a profile may change it), the object it is about
 * (`target`: an account name or a path inside the audited root), evidence (a short,
 * secret-free sentence: path, line, fingerprint, hash *scheme* — never a hash, key,
 * token or history line), and where (path, line, account).
 *
 * Strings in a finding are owned by the finding and may contain bytes taken from the
 * target: renderers escape every one of them (base/escape.h) before output.
 */
#ifndef KW_CHECKS_FINDING_H
#define KW_CHECKS_FINDING_H

#include <stdbool.h>
#include <stddef.h>

typedef enum kw_severity {
	KW_SEV_INFO = 0,
	KW_SEV_LOW,
	KW_SEV_MEDIUM,
	KW_SEV_HIGH,
	KW_SEV_CRITICAL,
	KW_SEV__COUNT
} kw_severity;

const char *kw_severity_name(kw_severity s);        /* "info" ... "critical" */
const char *kw_severity_label(kw_severity s);       /* "INFO" ... "CRITICAL"; "?" out of range */
int kw_severity_parse(const char *s, kw_severity *ret); /* case-insensitive; 0 or KW_E_USAGE */

#define KW_MAX_REFS 4

typedef struct kw_check_def {
	const char *id;            /* "accounts.usable-password" */
	kw_severity severity;      /* default */
	const char *title;
	const char *rationale;
	const char *remediation;
	const char *refs[KW_MAX_REFS]; /* "AWS: Guidelines for shared Linux AMIs", "CIS Debian 12 7.2.2" */
} kw_check_def;

typedef struct kw_finding {
	const kw_check_def *check; /* points into a static table */
	kw_severity severity;      /* effective severity */
	char *target;              /* owned: account name or path; never NULL */
	char *evidence;            /* owned; never NULL */
	char *path;                /* owned; may be NULL */
	unsigned line;             /* 0 = none */
	char *account;             /* owned; may be NULL */
	bool waived;
	char *waiver_reason;       /* owned; set when waived */
	char *waiver_expires;      /* owned; "YYYY-MM-DD" when waived */
} kw_finding;

typedef struct kw_findings {
	kw_finding *v;
	size_t n, cap;
} kw_findings;

/* Append a finding for check c. Strings are copied. evidence is printf-formatted.
 * Returns 0 or -ENOMEM. */
int kw_findings_add(kw_findings *fs, const kw_check_def *c, const char *target,
		    const char *path, unsigned line, const char *account,
		    const char *evidence_fmt, ...) __attribute__((format(printf, 7, 8)));
void kw_findings_release(kw_findings *fs);
/* Append every finding of src to dst (ownership moves) and release src: 0 or -ENOMEM
 * (then what was not moved is freed with src). */
int kw_findings_move(kw_findings *dst, kw_findings *src);
/* The row of defs[0..n) whose id is id, or NULL (also for a NULL id). */
const kw_check_def *kw_check_defs_find(const kw_check_def *defs, size_t n, const char *id);
/* Sort by severity (highest first), then check id, then target, then path, then line. */
void kw_findings_sort(kw_findings *fs);
/* Count of non-waived findings at or above sev. */
size_t kw_findings_count_at_least(const kw_findings *fs, kw_severity sev);

#endif
