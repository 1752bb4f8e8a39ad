/* write.h — the write side of a folder target: change files inside an image root, each
 * change journaled first (journal.h) so `kw_journal_undo` can restore it byte for byte.
 * Owned by the target module.
 *
 * Paths are absolute inside the root ("/etc/shadow") and canonical: no empty ("//"),
 * "." or ".." components, no trailing slash (-EINVAL). The parent folder is resolved
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (symlinks followed as the image
 * would, never out of the root; where openat2 is missing, a component walk with
 * O_NOFOLLOW that refuses every symlink). The last component is handled with *at() calls
 * on the parent fd. Replace and unlink refuse it when it is a symlink (-ELOOP), a regular
 * file with more than one link (-EMLINK), or a directory, device, FIFO or socket
 * (KW_E_NOTREG); remove and remove_tree take any type (below). A refused call changes
 * nothing and writes no journal entry.
 *
 * Ownership: kw_writer_open gives a writer freed by kw_writer_free (which also closes its
 * journal). kw_xattrs are released with kw_xattrs_release.
 */
#ifndef KW_TARGET_WRITE_H
#define KW_TARGET_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct kw_writer kw_writer;

/* Open `root` (a folder; made absolute with realpath) for writing, journaling into
 * `journal_dir` (created 0700 if missing, with missing parents; an existing journal of
 * the same root is appended to, one of another root is refused with KW_E_USAGE). A
 * journal inside the root is refused with KW_E_INROOT unless root is "/" (the live
 * host): it would hold the removed secrets inside the image. Real paths are compared
 * (for a journal folder not made yet: its nearest existing ancestor's, and the missing
 * components may not be "." or "..": -EINVAL); kw_writer_journal_dir gives that real
 * path. */
int kw_writer_open(const char *root, const char *journal_dir, kw_writer **ret);
void kw_writer_free(kw_writer *w);

/* Replace (or create) the regular file at `path` with data[0..len), atomically. An
 * existing file keeps its owner, group, mode and xattrs (its mtime becomes now); a new
 * file gets uid 0, gid 0 and `new_mode` (& 07777), or 0600 when new_mode < 0. */
int kw_writer_replace(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		      int new_mode);

/* Remove the regular file at `path` (journaled fully first). -ENOENT if absent. */
int kw_writer_unlink(kw_writer *w, const char *path);

/* Like kw_writer_replace, but only if the file is still what the caller saw: when
 * expect_exists, its bytes must equal expect[0..expect_len); otherwise it must be absent.
 * Else KW_E_CHANGED and nothing is written or journaled. */
int kw_writer_replace_expect(kw_writer *w, const char *path, const uint8_t *data, size_t len,
			     int new_mode, const uint8_t *expect, size_t expect_len,
			     bool expect_exists);

/* (Addition, for the key life cycle) Create the regular file `path`, which must be absent
 * (else KW_E_CHANGED and nothing is written or journaled), holding data[0..len), owned by
 * uid:gid with mode & 07777: journaled as a file that did not exist (undo removes it), and
 * written like every replace (temp file, fchown before fchmod, fsync, rename, fsync of the
 * folder), so it appears whole and with its owner or not at all. */
int kw_writer_create(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		     mode_t mode, uint32_t uid, uint32_t gid);

/* (Addition, for the key life cycle) Make the folder `path` (its parent must exist, else
 * -ENOENT) owned by uid:gid with mode & 07777. Journaled first, as an entry of op "mkdir"
 * that did not exist, so undo removes the folder again (only while it is empty: what was
 * put in it since and not journaled is left alone, -ENOTEMPTY). Something already at
 * `path`: -EEXIST before any journal entry. The folder is made 0700, then chowned, then
 * given its mode (never more open than asked), synced, and its parent synced; a failure
 * after mkdir removes it again. */
int kw_writer_mkdir(kw_writer *w, const char *path, mode_t mode, uint32_t uid, uint32_t gid);

/* Remove the entry `path` names, whatever it is: a regular file with one link, a symlink
 * (the link itself, never its target), an empty folder, a FIFO, socket or device node.
 * Journaled first (type, owner, mode, mtime, the parent folder's mtime; bytes of a
 * regular file, target of a symlink, rdev of a device; xattrs of files and folders) so
 * undo recreates it. Only regular files and folders are ever opened (a FIFO open blocks,
 * a device open acts on the host's device); symlinks, FIFOs, sockets and devices keep no
 * xattrs: reading them would need a path-based l*xattr call, which is not safe in a
 * hostile tree. A regular file with more than one link: -EMLINK; a folder that is not
 * empty: -ENOTEMPTY; a mount point: -EXDEV. -ENOENT if absent. */
int kw_writer_remove(kw_writer *w, const char *path);

/* Remove the folder `path` and everything below it (keep_top: empty it, keep the folder
 * itself), deepest entries first, each journaled as by kw_writer_remove. An iterative
 * walk by fd that never follows a symlink. The whole tree is checked before anything is
 * removed: a mount point at or below `path` (another st_dev, or a bind mount: another
 * statx mount id) is refused with -EXDEV, a regular file with more than one link with
 * -EMLINK, folders nested more than 64 deep with KW_E_LOOP, a path over KW_PATH_MAX with
 * -ENAMETOOLONG, more entries than the journal has room for with KW_E_TOOBIG. After
 * that it stops at the first error: what was removed before it is journaled and
 * undoable. *ret_n (may be NULL): entries removed. `path` itself may be a symlink only
 * when !keep_top (the link is removed; else -ELOOP); any other non-folder: -ENOTDIR. */
int kw_writer_remove_tree(kw_writer *w, const char *path, bool keep_top, uint64_t *ret_n);

/* Path of the journal folder (owned by the writer). */
const char *kw_writer_journal_dir(const kw_writer *w);

/* ---- shared with journal.c (and the unit test) ---- */

/* Extended attributes of one file, in flistxattr order. */
typedef struct kw_xattrs {
	size_t n;
	char **names;      /* owned */
	uint8_t **values;  /* owned */
	size_t *lens;
} kw_xattrs;
#define KW_XATTRS_MAX 256
#define KW_XATTR_VALUE_MAX 65536

/* Read all xattrs of fd (ENOTSUP: none). */
int kw_xattrs_read(int fd, kw_xattrs *ret);
/* Set all of them on fd, security.capability last; ENOTSUP/EOPNOTSUPP tolerated. */
int kw_xattrs_apply(int fd, const kw_xattrs *x);
/* Same set of names with the same values (order ignored). */
int kw_xattrs_equal(const kw_xattrs *a, const kw_xattrs *b);
void kw_xattrs_release(kw_xattrs *x);

/* Open the root folder for writing: O_RDONLY|O_DIRECTORY. */
int kw_write_open_root(const char *root, int *ret_fd);
/* Check `path` and resolve its parent inside the root: *ret_dfd (O_RDONLY|O_DIRECTORY,
 * fsync-able) and *ret_name (points into path). */
int kw_write_open_parent(int rootfd, const char *path, int *ret_dfd, const char **ret_name);
/* lstat of name in dfd, and the verdict on it: 0 (regular, nlink 1), -ENOENT (absent),
 * -ELOOP, -EMLINK, KW_E_NOTREG. *st is filled whenever the entry exists. */
int kw_write_check_name(int dfd, const char *name, struct stat *st);
/* Atomically write name in dfd: temp file, write loop, fchown, fchmod, xattrs, optional
 * mtime (NULL: leave now), fsync, renameat, fsync(dfd). On error the temp file is
 * removed and the old name left as it was. */
int kw_write_atomic(int dfd, const char *name, const uint8_t *data, size_t len,
		    uid_t uid, gid_t gid, mode_t mode, const kw_xattrs *x,
		    const struct timespec *mtime);

/* kw_write_atomic with the temp name `tmp` (one component) instead of a random one:
 * -EEXIST, before anything is written, when that name is taken. Every regular-file entry
 * journals the temp name its change and its undo use, so undo removes what a killed
 * writer or a killed undo left under it. */
int kw_write_atomic_named(int dfd, const char *name, const char *tmp, const uint8_t *data,
			  size_t len, uid_t uid, gid_t gid, mode_t mode, const kw_xattrs *x,
			  const struct timespec *mtime);
/* A fresh random temp name for name, ".NAME.kw.<16 hex>", absent from dfd. */
int kw_write_tmp_name(int dfd, const char *name, char tmp[256]);

/* Read fd from offset 0 to its end in chunks, calling fn for each (p, n, offset); fn
 * returns 0 to go on, anything else to stop (returned as is). -errno on a read error. */
int kw_fd_chunks(int fd, int (*fn)(void *ctx, const uint8_t *p, size_t n, uint64_t off),
		 void *ctx);

/* Test hook: the next n calls to kw_write_atomic fail (-EIO) after the temp file is
 * written and before the rename. */
void kw_write_fail_next(unsigned n);

/* Crash-test hook: when the environment variable KEYWARD_TEST_KILL_AT=N is set, the Nth
 * durable step of the process (a journal .data synced, a journal entry complete, a temp
 * file synced, a rename, an unlink or rmdir, a folder fsync, counted from 1) is followed
 * by raise(SIGKILL). Called by the writer and the journal at each such step.
 * KEYWARD_TEST_STEPS=FILE rewrites FILE with the step count after each step (so after a
 * full run it holds the total a harness iterates over). The environment is read once,
 * at the first step; the count is per process (fork+exec a fresh one per crash run). */
void kw_write_step(void);

#endif
