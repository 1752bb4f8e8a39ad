/* lockout.h — the lock-out guard of `keyward harden`: before a plan turns off a way to
 * log in, find an account that can still log in with a key under the NEW configuration.
 * Owned by the fix module.
 *
 * The guard runs when the new configuration is less permissive than the old one in what
 * decides logins: PasswordAuthentication or KbdInteractiveAuthentication yes -> no,
 * PermitRootLogin lowered (yes > prohibit-password > forced-commands-only > no),
 * PubkeyAuthentication yes -> no, fewer PubkeyAcceptedAlgorithms, a larger
 * RequiredRSASize, StrictModes no -> yes, or another AuthenticationMethods /
 * AuthorizedKeysFile / AuthorizedKeysCommand.
 *
 * An account counts when, with the new configuration evaluated for it (Match blocks
 * applied, as `sshd -T -C user=NAME,addr=192.0.2.1,...`), everything sshd checks holds:
 *   - it exists in the root's passwd; its shell is a login shell and exists as an
 *     executable file (sshd refuses a missing shell unless it chroots); not expired; with
 *     UsePAM no, its password field does not start with "!" (sshd's locked-account test);
 *   - DenyUsers / AllowUsers / DenyGroups / AllowGroups let it in (sshd's allowed_user:
 *     plain patterns for users, USER@HOST patterns restrict by client, groups primary and
 *     supplementary);
 *   - PubkeyAuthentication yes; uid 0 needs PermitRootLogin yes or prohibit-password;
 *     AuthenticationMethods "any" or a chain of publickey only; no ForceCommand;
 *   - a file named by its AuthorizedKeysFile (%h %u %U %% expanded, relative to the home)
 *     is a regular file holding a well-formed key line (valid options, a key type sshd
 *     knows) that is not a cert-authority line, has no command= (forced command), whose
 *     algorithm PubkeyAcceptedAlgorithms offers and that meets RequiredRSASize;
 *   - with StrictModes yes: the file and every folder from it up to the home (or up to /
 *     for files outside the home) are owned by root or the account and not writable by
 *     group or others (sshd's safe_path, on the path as written).
 * Each account that has a login shell or a key file is reported with the reasons it does
 * or does not count. Reads only, through the target.
 */
#ifndef KW_FIX_LOCKOUT_H
#define KW_FIX_LOCKOUT_H

#include "collect/facts.h"
#include "sshd/config.h"
#include "target/target.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kw_lockout_candidate {
	char *account;
	bool counts;
	char *why;           /* "ED25519 key SHA256:... in /home/a/.ssh/authorized_keys" or
			      * the reasons it does not count, "; "-joined (target text) */
	char *account_why;   /* the reasons that hold whatever its keys are (shell, expiry,
			      * Allow/Deny lists, PermitRootLogin, AuthenticationMethods,
			      * ForceCommand ...), "; "-joined; NULL when there is none: then
			      * a usable key in a file StrictModes accepts lets it in */
	char *account_stop;  /* of those, the ones that stop every key (not ChrootDirectory or
			      * ForceCommand, which confine a login; not PermitRootLogin
			      * forced-commands-only, which keys with command= pass; not an
			      * AuthenticationMethods chain that includes publickey): NULL when
			      * none, then its keys are not dead weight */
} kw_lockout_candidate;

typedef struct kw_lockout_report {
	bool needed;         /* the new configuration turns something off: the guard ran */
	char *turns_off;     /* what: "PasswordAuthentication yes -> no, ..." */
	bool pass;           /* some account counts */
	kw_lockout_candidate *v;
	size_t n, cap;
	size_t skipped;      /* accounts without a login shell and without key files */
} kw_lockout_report;

/* Compare old and new configurations (global values) and, when the new one turns a way
 * to log in off, look for an account that can log in with a key (t: the root, for key
 * files and permissions; f: its accounts and groups). 0 with *ret filled, or -ENOMEM. */
int kw_lockout_check(kw_target *t, const kw_facts *f, kw_sshd_config *oldc,
		     kw_sshd_config *newc, kw_lockout_report *ret);
void kw_lockout_report_release(kw_lockout_report *r);

/* A what-if for the key life cycle (keys remove, rotate): evaluate as if the keys with
 * these SHA256 fingerprints were gone from the files of `account` (NULL: of every
 * account), and, when add is set, as if the line add were in add_path for `account`. */
typedef struct kw_lockout_whatif {
	const char *account;
	const char *const *drop_fps;
	size_t n_drop;
	const kw_authkey *add;
	const char *add_path;
} kw_lockout_whatif;

/* Evaluate every account under cfg, whatever changed (ret->needed is true, turns_off
 * NULL): which can log in with a key, with w applied (NULL: the files as they are).
 * 0 or -ENOMEM. */
int kw_lockout_accounts(kw_target *t, const kw_facts *f, kw_sshd_config *cfg,
			const kw_lockout_whatif *w, kw_lockout_report *ret);

/* sshd's StrictModes test (misc.c safe_path) on the key file `file` of account a, on the
 * path as written: the file and each folder up to the home (inclusive), or up to / for a
 * file outside the home, owned by root or the account and not writable by group or
 * others. true: sshd reads it. false: *why (caller frees; NULL if memory ran out) says
 * which component and why. */
bool kw_lockout_modes_ok(kw_target *t, const char *file, const kw_account *a, char **why);

#endif
