/* validate.h — try a planned sshd configuration before it is written: a staged copy, our
 * engine on it, and the real sshd (-t, -T) on it in a private mount namespace. Owned by
 * the fix module.
 *
 * Staging: a fresh mkdtemp folder (mode 0700) laid out as a root:
 *
 *     STAGE/root/etc/ssh/sshd_config, sshd_config.d/..., moduli.keyward  (image files,
 *     STAGE/root/etc/passwd, etc/group                                     then the plan)
 *     STAGE/hostkey                     a throwaway ed25519 key (ssh-keygen), outside etc/ssh
 *
 * Files are copied from the target (read-only, confined to its root) and then the plan's
 * REPLACE actions are written and its REMOVE actions unlinked, all inside STAGE/root with
 * O_NOFOLLOW at every component (paths are normalised: "." and ".." never leave
 * STAGE/root). kw_target_open_dir(STAGE/root) then reads the result like an image.
 *
 * Real sshd: a fork()ed child unshare(CLONE_NEWNS)s (with a user namespace when not
 * root), makes every mount private, bind-mounts STAGE/root/etc/ssh over /etc/ssh (and a
 * staged file outside /etc/ssh over the host's file of that name, where the host has one),
 * provides /run/sshd (a tmpfs on /run when it is missing) and execs
 * `sshd -t -f /etc/ssh/sshd_config -h STAGE/hostkey` (then -T the same way). stdin is
 * /dev/null, stdout/stderr are captured (bounded), the child is killed after 10 s. Nothing
 * of the host changes: the mounts die with the namespace.
 *
 * Ownership: kw_stage_release removes the folder; kw_sshd_check_release frees a check.
 */
#ifndef KW_FIX_VALIDATE_H
#define KW_FIX_VALIDATE_H

#include "fix/plan.h"
#include "target/target.h"

#include <stdbool.h>
#include <stddef.h>

#define KW_SSHD_PATH "/usr/sbin/sshd"
#define KW_SSHD_TIMEOUT_MS 10000
#define KW_SSHD_OUTPUT_MAX ((size_t)1 << 20)   /* -T output kept */
#define KW_SSHD_ERRORS_MAX ((size_t)64 << 10)  /* stderr kept */

typedef struct kw_stage {
	char *dir;        /* the mkdtemp folder */
	char *root;       /* dir/root: the staged root */
	char *hostkey;    /* dir/hostkey once made (NULL before) */
	char **outside;   /* staged files outside /etc/ssh (paths inside the root) */
	size_t n_outside, cap_outside;
} kw_stage;

/* A new stage holding a copy of each of paths[0..n) read from t (missing files are
 * skipped; a file that is not regular or larger than 16 MiB is an error). */
int kw_stage_create(kw_target *t, const char *const *paths, size_t n, kw_stage *ret);
/* Write the plan's REPLACE data and unlink its REMOVE paths inside the stage. */
int kw_stage_apply(kw_stage *s, const kw_plan *p);
/* Write one file (parents made 0755) inside the stage. */
int kw_stage_write(kw_stage *s, const char *path, const uint8_t *data, size_t len);
void kw_stage_release(kw_stage *s);

typedef enum kw_sshd_verdict {
	KW_SSHD_NOT_RUN = 0,   /* not validated: note says why (no sshd, no namespace) */
	KW_SSHD_ACCEPTED,      /* sshd -t exited 0 */
	KW_SSHD_REJECTED,      /* sshd -t failed: errors hold its message */
} kw_sshd_verdict;

typedef struct kw_sshd_check {
	kw_sshd_verdict verdict;
	int status;            /* exit status of sshd -t (-1: killed / not run) */
	char *errors;          /* sshd's stderr (bounded; target text: escape to print) */
	char *note;            /* why not run, or what the validation could not cover */
	char *dump;            /* sshd -T stdout (NULL if -T failed or was not run) */
	char *dump_errors;     /* -T's stderr when it failed */
} kw_sshd_check;

/* Run sshd (NULL: KW_SSHD_PATH) -t, and on success -T, against the stage. Returns 0 with
 * the verdict in *ret (including NOT_RUN), or -ENOMEM. */
int kw_validate_sshd(kw_stage *s, const char *sshd, kw_sshd_check *ret);
void kw_sshd_check_release(kw_sshd_check *c);

/* The values of one keyword (-T name, lowercase) in a -T dump, each line's value joined
 * by "\n"; NULL when absent (caller frees). */
char *kw_sshd_dump_values(const char *dump, const char *tname);

#endif
