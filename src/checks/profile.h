/* profile.h — audit policy: which checks run, at what severity, with which thresholds;
 * and waivers (accepted findings with a reason and an expiry date).
 *
 * Profile file format (sshd_config-like: one directive per line, '#' comments,
 * keywords case-insensitive, documented in docs/profiles.md):
 *
 *   profile  baseline                       # name
 *   description  Preset-credential hygiene for images
 *   include  other.profile                  # relative to this file; depth <= 8
 *   disable  accounts.non-system-account    # do not run / report this check
 *   enable   accounts.non-system-account
 *   severity secrets.history  high          # override the default severity
 *   threshold sshd.max-auth-tries 3         # a check's numeric limit
 *   set uid-min 1000                        # settings (see kw_profile fields)
 *   set keys-rsa-min-bits 3072              # keyward keys scan's thresholds
 *
 * Waiver file format (one waiver per line):
 *
 *   ID  [TARGET-GLOB]  expires=YYYY-MM-DD  reason=free text to end of line
 *
 * A waiver matches a finding when the id is equal and the glob (fnmatch, default "*")
 * matches finding->target. An expired waiver does not waive; it is reported back so the
 * user sees it lapsed. --waive ID[:GLOB] on the command line is a waiver with no expiry
 * and reason "command line".
 *
 * Ownership: kw_profile_* and kw_waivers_* release what they load.
 */
#ifndef KW_CHECKS_PROFILE_H
#define KW_CHECKS_PROFILE_H

#include "base/diag.h"
#include "checks/finding.h"

#include <stdbool.h>
#include <stdint.h>

/* Which authorized keys must carry from= (set keys-require-from). */
typedef enum kw_keys_require_from {
	KW_KEYS_FROM_NONE = 0,
	KW_KEYS_FROM_ROOT,        /* keys of uid 0 accounts */
	KW_KEYS_FROM_ALL,         /* every authorized key */
} kw_keys_require_from;

typedef struct kw_profile_override {
	char *id;
	bool disabled;
	bool has_severity;
	kw_severity severity;
	bool has_threshold;       /* threshold ID NUMBER: the check's limit (see --list-checks) */
	int64_t threshold;
} kw_profile_override;

typedef struct kw_profile {
	char *name;
	char *description;
	kw_profile_override *ov;
	size_t n_ov;
	/* settings ("set NAME VALUE"); 0 means "take it from the image's login.defs / default" */
	uint32_t uid_min;         /* set uid-min */
	uint32_t uid_max;         /* set uid-max */
	uint64_t max_file_size;   /* set max-file-size (bytes; suffixes K M G) default 16M */
	uint64_t deep_max_size;   /* set deep-max-size: files larger are not sniffed; default 64M */
	bool report_locked_hash;  /* set report-locked-hash yes|no: "!<hash>" is a low finding */
	char sshd_policy[16];     /* set sshd-algorithms baseline|strict: the ratings column */
	/* keyward keys scan (src/keys/findings.c) */
	uint32_t keys_rsa_min_bits; /* set keys-rsa-min-bits N: keys.rsa-short below N bits
				     * (default 2048; 0 restores it) */
	kw_keys_require_from keys_require_from; /* set keys-require-from none|root|all:
						 * keys.from-missing for keys of uid 0 accounts,
						 * of every account, or none (default) */
} kw_profile;

/* Parse profile text (name is used for messages and includes are resolved relative to
 * dir; dir NULL forbids include). Overrides of later lines win. 0, or KW_E_USAGE with
 * diagnostics in d. */
int kw_profile_parse(kw_profile *p, const char *name, const char *dir,
		     const char *text, size_t len, kw_diags *d);
/* Load a named built-in profile ("baseline") or a file path. */
int kw_profile_load(kw_profile *p, const char *name_or_path, kw_diags *d);
void kw_profile_init(kw_profile *p);   /* empty profile with defaults */
void kw_profile_release(kw_profile *p);

/* Is the check enabled, and at what severity? (def: the table's default) */
bool kw_profile_enabled(const kw_profile *p, const kw_check_def *c);
kw_severity kw_profile_severity(const kw_profile *p, const kw_check_def *c);
/* The severity the profile sets for c, else dflt (a check whose severity depends on the
 * case). */
kw_severity kw_profile_severity_or(const kw_profile *p, const kw_check_def *c, kw_severity dflt);

/* The checks of a table that a profile enables, in table order: what a report lists as
 * the checks that ran (SARIF rules, JUnit cases). v is released with
 * kw_check_list_release. 0 or -ENOMEM. */
typedef struct kw_check_list {
	const kw_check_def **v;
	size_t n, cap;
} kw_check_list;
int kw_check_list_add(kw_check_list *l, const kw_profile *p, const kw_check_def *defs, size_t n);
int kw_check_list_add_ptrs(kw_check_list *l, const kw_profile *p,
			   const kw_check_def *const *defs, size_t n);
void kw_check_list_release(kw_check_list *l);

/* The profile's threshold for a check (threshold ID NUMBER), or def. */
int64_t kw_profile_threshold(const kw_profile *p, const kw_check_def *c, int64_t def);

/* Names of the built-in profiles, NULL-terminated. */
extern const char *const kw_builtin_profiles[];

typedef struct kw_waiver {
	char *id;
	char *glob;       /* "*" if none */
	char *reason;
	char *expires;    /* "YYYY-MM-DD" or NULL (never) */
	char *source;     /* "file:line" or "command line" */
	bool used;        /* matched at least one finding */
	bool expired;     /* expires < today */
} kw_waiver;

typedef struct kw_waivers {
	kw_waiver *v;
	size_t n, cap;
} kw_waivers;

int kw_waivers_parse(kw_waivers *w, const char *file, const char *text, size_t len, kw_diags *d);
/* "ID" or "ID:GLOB" from --waive. */
int kw_waivers_add_arg(kw_waivers *w, const char *arg);
/* Mark findings waived. today is "YYYY-MM-DD" (the caller passes the date, so tests can). */
void kw_waivers_apply(kw_waivers *w, kw_findings *fs, const char *today);
void kw_waivers_release(kw_waivers *w);

#endif
