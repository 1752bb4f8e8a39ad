/* sanitize.h — the plan that cleans an image root of preset logon credentials and
 * per-instance state before it is captured (`keyward sanitize`). Owned by the fix module.
 *
 * An operation is a row of kw_sanitize_ops: a name, whether it runs by default, and what
 * it touches (shown by --list-ops). kw_sanitize_plan reads the facts of an audit (and a
 * few more files through the read-only target) and emits actions into a kw_plan; it never
 * writes. What is already clean produces no action, so the plan of a sanitized root is
 * empty. Files that hold several operations' edits (/etc/shadow for passwords and
 * --remove-user) get one action with the combined result.
 *
 * Never touched: system accounts (uid below UID_MIN, root) by --remove-user, folders that
 * daemons expect (/tmp, /var/log and /root/.ssh stay; their contents go), /etc/ssh files
 * other than ssh_host_*_key{,.pub,-cert.pub}, /etc/cloud/cloud.cfg and its drop-ins
 * (reported in notes instead).
 */
#ifndef KW_FIX_SANITIZE_H
#define KW_FIX_SANITIZE_H

#include "collect/facts.h"
#include "fix/plan.h"
#include "target/target.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct kw_sanitize_op {
	const char *name;
	bool default_on;
	const char *touches;   /* what files, in a few words */
	const char *what;      /* what is done to them */
} kw_sanitize_op;

extern const kw_sanitize_op kw_sanitize_ops[];
extern const size_t kw_sanitize_n_ops;

typedef struct kw_sanitize_opts {
	uint64_t ops;               /* bit i: kw_sanitize_ops[i] runs */
	bool password_lock;         /* "!" (locked account) instead of "*" (no password) */
	const char *const *keep_keys; /* SHA256:... fingerprints kept in authorized_keys */
	size_t n_keep_keys;
	const char *const *remove_users; /* accounts to delete (never system accounts) */
	size_t n_remove_users;
} kw_sanitize_opts;

/* The default set of operations. */
uint64_t kw_sanitize_default_ops(void);

/* Parse an --ops / --skip list ("passwords,histories", "all", "defaults") into a mask.
 * KW_E_USAGE with *ret_bad (points into list, up to the next comma) for an unknown name. */
int kw_sanitize_parse_ops(const char *list, uint64_t *ret_mask, const char **ret_bad,
			  size_t *ret_bad_len);

/* Build the plan. Problems that stop an operation but not the others (a --remove-user
 * naming a system account) are diagnostics in d with KW_E_REFUSED; the function returns
 * 0 unless memory ran out or a user named by --remove-user may not be removed (then
 * KW_E_REFUSED and an explanation in d). */
int kw_sanitize_plan(kw_target *t, const kw_facts *f, const kw_sanitize_opts *o,
		     kw_plan *p, kw_diags *d);

/* Does something in the image regenerate SSH host keys at first boot? Fills how (a
 * short description of the mechanism, or of what is missing). Pure reads. */
bool kw_sanitize_hostkeys_regenerated(kw_target *t, char *how, size_t how_len);

#endif
