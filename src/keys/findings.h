/* findings.h — what `keyward keys scan` finds wrong with the keys it lists. Owned by the
 * keys module.
 *
 *   facts (src/collect) + inventory (keys/inventory.h)
 *     + what sshd decides per account (the cmd layer asks fix/lockout.h: who can log in,
 *       and which granted key files StrictModes rejects; PermitRootLogin of uid 0)
 *     + the allowlist (--allowed FILE) + the profile's keys settings + the scan time
 *   -> kw_keys_findings()  -> kw_findings (checks/finding.h), ids "keys.<slug>"
 *
 * Pure: no I/O, no printing, no clock (the caller passes `now`). The checks are rows of
 * one table (kw_keys_checks) and judge the keys that grant access: role "authorized" in
 * the inventory (lines sshd ignores get their own findings; keys in files sshd does not
 * read open nothing and are listed, not judged).
 *
 * A finding about one key has the key's SHA256 fingerprint as its target (the object it
 * is about); a finding about a file (StrictModes, a line without a key) has the path.
 * Evidence names fingerprints, paths, lines, accounts and sshd's words, never key
 * material or a password field. Strings in findings come from the target: escape them.
 */
#ifndef KW_KEYS_FINDINGS_H
#define KW_KEYS_FINDINGS_H

#include "checks/finding.h"
#include "checks/profile.h"
#include "collect/facts.h"
#include "keys/inventory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kw_lockout_report; /* fix/lockout.h */

/* ---- the check table ---- */

/* Every check of keys scan, in table order; *ret_n gets the count. */
const kw_check_def *kw_keys_checks(size_t *ret_n);
/* The check with this id, or NULL. */
const kw_check_def *kw_keys_check_find(const char *id);

/* ---- the allowlist (--allowed FILE) ----
 * One entry per line: a fingerprint as ssh-keygen prints it ("SHA256:" and 43 base64
 * characters), or a public key line as in authorized_keys (options allowed; its
 * fingerprint is taken). Blank lines and '#' comments are skipped. */
typedef struct kw_keys_allowlist {
	char (*fp)[KW_FP_LEN];     /* sorted, unique */
	size_t n, cap;
} kw_keys_allowlist;

/* Parse the text of the file `name`. 0, or KW_E_USAGE with one diagnostic per bad line
 * ("name", line, why) in d, or -ENOMEM. On error *ret is left empty. */
int kw_keys_allowlist_parse(const char *name, const char *text, size_t len,
			    kw_keys_allowlist *ret, kw_diags *d);
bool kw_keys_allowlist_has(const kw_keys_allowlist *a, const char *fp);
void kw_keys_allowlist_release(kw_keys_allowlist *a);

/* ---- what sshd decides, evaluated by the caller ---- */

typedef enum kw_keys_login_state {
	KW_LOGIN_UNKNOWN = 0,      /* not evaluated (no sshd configuration, or past a cap) */
	KW_LOGIN_YES,              /* sshd lets a key into the account */
	KW_LOGIN_NO,               /* it never does, whatever the keys: why_not says why */
} kw_keys_login_state;

typedef struct kw_keys_login {
	kw_keys_login_state state;
	char *why_not;             /* NO: sshd's reasons, "; "-joined (target text); owned */
	char *permit_root;         /* uid 0: the effective PermitRootLogin as sshd -T prints
				    * it ("yes", "without-password", ...); NULL: unknown */
} kw_keys_login;

typedef struct kw_keys_modes {
	bool checked;              /* the account's StrictModes is yes and the file was tested */
	bool ok;                   /* sshd's safe_path accepts it */
	char *why;                 /* !ok: which component, and why (target text); owned */
} kw_keys_modes;

typedef struct kw_keys_eval {
	bool have_sshd;            /* an sshd configuration was read and evaluated */
	kw_keys_login *login;      /* one per facts account (same index), or NULL */
	size_t n_login;
	kw_keys_modes *modes;      /* one per facts key file (same index), or NULL */
	size_t n_modes;
} kw_keys_eval;

/* Allocate login and modes for f (every entry unknown / unchecked). 0 or -ENOMEM. */
int kw_keys_eval_init(kw_keys_eval *e, const kw_facts *f);
void kw_keys_eval_release(kw_keys_eval *e);

/* Fill e->login from kw_lockout_accounts' report for the same facts (candidates come in
 * passwd order): an account sshd will not let a key into whatever the keys (login shell,
 * expiry, the Allow/Deny lists, PubkeyAuthentication, PermitRootLogin no, a lock with
 * UsePAM no, AuthenticationMethods without publickey) is NO with those reasons; reasons
 * that still let a key in (ForceCommand, ChrootDirectory, a second factor) are not
 * counted. Accounts the report skipped are NO when they have no login shell (the reason
 * it skips them), else unknown. Sets e->have_sshd. 0 or -ENOMEM. */
int kw_keys_eval_logins(kw_keys_eval *e, const kw_facts *f, const struct kw_lockout_report *rep);

/* ---- the findings ---- */

typedef struct kw_keys_check_in {
	const kw_facts *f;
	const kw_inventory *inv;             /* built from f */
	const kw_keys_eval *ev;              /* NULL: nothing evaluated */
	const kw_keys_allowlist *allowed;    /* NULL: no allowlist */
	const kw_profile *profile;           /* NULL: the defaults */
	int64_t now;                         /* the scan time, epoch seconds */
} kw_keys_check_in;

/* Append the findings to out (unsorted: kw_findings_sort orders them). 0, -ENOMEM, or
 * KW_E_TOOBIG when out reached finding.h's cap: the findings made so far are kept. */
int kw_keys_findings(const kw_keys_check_in *in, kw_findings *out);

/* ---- the accounts of the JSON inventory ---- */

typedef struct kw_keys_account {
	const kw_account *a;       /* in the facts */
	kw_keys_login_state login;
	const char *why_not;       /* NO: the reasons (a view into the eval) */
	const char *password;      /* "usable", "empty", "locked" ("!" + hash), "none" */
	size_t n_keys;             /* authorized keys (lines sshd uses) that open it */
} kw_keys_account;

/* One entry per facts account, in passwd order (*ret: caller frees; views into f and
 * ev, which must outlive it). ev may be NULL. 0 or -ENOMEM. */
int kw_keys_accounts_build(const kw_facts *f, const kw_inventory *inv, const kw_keys_eval *ev,
			   kw_keys_account **ret, size_t *ret_n);

#endif
