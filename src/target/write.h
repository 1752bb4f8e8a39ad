/* write.h — the write side of a folder target: change files inside an image root, each
 * change journaled first (journal.h) so `kw_journal_undo` can restore it byte for byte.
 * Owned by the target module.
 *
 * Paths are absolute inside the root ("/etc/shadow") and may not contain "." or ".."
 * components. The parent folder is resolved with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) (symlinks followed as the image would, never out of the root;
 * where openat2 is missing, a component walk with O_NOFOLLOW that refuses every symlink).
 * The last component is handled with *at() calls on the parent fd and refused when it is
 * a symlink (-ELOOP), a regular file with more than one link (-EMLINK), or a directory,
 * device, FIFO or socket (KW_E_NOTREG). A refused call changes nothing and writes no
 * journal entry.
 *
 * Ownership: kw_writer_open gives a writer freed by kw_writer_free (which also closes its
 * journal). kw_xattrs are released with kw_xattrs_release.
 */
#ifndef KW_TARGET_WRITE_H
#define KW_TARGET_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct kw_writer kw_writer;

/* Open `root` (a folder; made absolute with realpath) for writing, journaling into
 * `journal_dir` (created 0700 if missing; an existing journal of the same root is
 * appended to, one of another root is refused with KW_E_USAGE). */
int kw_writer_open(const char *root, const char *journal_dir, kw_writer **ret);
void kw_writer_free(kw_writer *w);

/* Replace (or create) the regular file at `path` with data[0..len), atomically. An
 * existing file keeps its owner, group, mode and xattrs (its mtime becomes now); a new
 * file gets uid 0, gid 0 and `new_mode` (& 07777), or 0600 when new_mode < 0. */
int kw_writer_replace(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		      int new_mode);

/* Remove the regular file at `path` (journaled fully first). -ENOENT if absent. */
int kw_writer_unlink(kw_writer *w, const char *path);

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

/* Test hook: the next n calls to kw_write_atomic fail (-EIO) after the temp file is
 * written and before the rename. */
void kw_write_fail_next(unsigned n);

#endif
