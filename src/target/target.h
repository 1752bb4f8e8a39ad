/* target.h — read-only access to the system being audited, confined to its root.
 *
 * A kw_target is the running host ("/"), an image root in a folder, or an image tarball.
 * Every path given here is absolute *inside the target* ("/etc/shadow"). Symbolic links
 * are followed the way the image itself would follow them: an absolute link target
 * starts again at the target's root, ".." stops at the root. Nothing outside the root is
 * ever opened, read or stat'ed (folder backend: openat2 RESOLVE_IN_ROOT, or a manual
 * component walk with O_NOFOLLOW where openat2 is missing; tar backend: the same walk over
 * the archive's own entries). Device files, FIFOs and sockets are never opened.
 *
 * Folder backend: files are read on demand, capped at `max` bytes.
 * Tar backend: the archive is read once, at open, in one pass (stdin works: "-").
 * Metadata of every entry is kept; content only for entries that kw_tar_opts.want selects
 * (capped per file and in total). Reading any other file gives KW_E_NOTKEPT. Hard links
 * inside the archive resolve to their target entry.
 *
 * Ownership: kw_target_open_* give the caller a target freed by kw_target_free().
 * kw_file and kw_dirent arrays are owned by the caller (kw_file_release, kw_dirents_free).
 */
#ifndef KW_TARGET_TARGET_H
#define KW_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kw_ftype {
	KW_FT_NONE = 0,
	KW_FT_REG,
	KW_FT_DIR,
	KW_FT_LNK,
	KW_FT_OTHER, /* device, fifo, socket */
} kw_ftype;

typedef struct kw_stat {
	kw_ftype type;
	uint32_t mode;  /* permission bits, & 07777 */
	uint32_t uid, gid;
	uint64_t size;
	uint32_t nlink;
	int64_t mtime;
} kw_stat;

typedef struct kw_file {
	uint8_t *data;   /* owned; NUL-terminated at data[len] for convenience */
	size_t len;
	bool truncated;  /* the file was larger than the cap; only the first len bytes */
	kw_stat st;
} kw_file;

typedef struct kw_dirent {
	char *name;      /* owned; one path component */
	kw_ftype type;   /* type of the entry itself (a symlink is KW_FT_LNK) */
} kw_dirent;

typedef struct kw_target kw_target;

/* Content sniffing for whole-tree walks. A pure function that looks at the first bytes of
 * a regular file and returns a small non-negative kind (0 = nothing of interest). */
typedef int (*kw_sniff_fn)(const char *path, const uint8_t *head, size_t len);
#define KW_SNIFF_HEAD 4096

/* Which tar entries keep their content: a pure predicate on the entry's path as written
 * in the archive (normalised to "/a/b"), and its metadata. */
typedef bool (*kw_want_fn)(const char *path, const kw_stat *st);

typedef struct kw_tar_opts {
	kw_want_fn want;        /* NULL: keep nothing */
	kw_sniff_fn sniff;      /* NULL: no sniffing (deep walks then see kind 0) */
	size_t max_file;        /* per-file content cap (0: 1 MiB) */
	size_t max_total;       /* total content cap (0: 256 MiB) */
	uint64_t max_entries;   /* (0: 5,000,000) */
	void (*progress)(void *ctx, uint64_t entries, uint64_t bytes); /* may be NULL */
	void *progress_ctx;
} kw_tar_opts;

/* A problem met while opening that did not stop it (corrupt tail, skipped entry). */
typedef struct kw_target_warning {
	char *path;  /* owned; may be NULL */
	int err;
	char *detail; /* owned; may be NULL */
} kw_target_warning;

int kw_target_open_dir(const char *root, kw_target **ret);
int kw_target_open_tar(const char *file, const kw_tar_opts *opts, kw_target **ret);
void kw_target_free(kw_target *t);

/* "folder /mnt/img", "tar rootfs.tar.gz", "host /" — for reports (raw; escape to print). */
const char *kw_target_describe(const kw_target *t);
bool kw_target_is_tar(const kw_target *t);

/* Warnings collected so far (tar: while reading the archive). Owned by the target. */
const kw_target_warning *kw_target_warnings(const kw_target *t, size_t *n);

/* Remember the result of every stat and lstat (and the metadata of every file read) for
 * the life of the target, so that the many modules that ask about the same path (the
 * collector, the lock-out guard, StrictModes checks) cost one system call between them.
 * For commands that only read: a change made to the tree afterwards (by a writer, or by
 * anyone else) is not seen. At most KW_MEMO_MAX paths are remembered. */
#define KW_MEMO_MAX ((size_t)1 << 20)
void kw_target_memo_stats(kw_target *t);

/* stat follows symlinks (inside the root); lstat does not follow the last component. */
int kw_target_stat(kw_target *t, const char *path, kw_stat *ret);
int kw_target_lstat(kw_target *t, const char *path, kw_stat *ret);

/* Read a regular file (symlinks followed inside the root). At most max bytes (0: 1 MiB);
 * a larger file is returned truncated. Non-regular files: KW_E_NOTREG. */
int kw_target_read(kw_target *t, const char *path, size_t max, kw_file *ret);
void kw_file_release(kw_file *f);

/* Entries of a directory (symlinks followed to reach it), sorted by name, without "." and
 * "..". At most 100,000 entries (then KW_E_TOOBIG). */
int kw_target_list(kw_target *t, const char *dir, kw_dirent **ret, size_t *ret_n);
void kw_dirents_free(kw_dirent *d, size_t n);

/* Walk every entry below start without following symlinks, iteratively (depth cap 64),
 * skipping pseudo file systems (proc, sysfs, devtmpfs, ...) and, on the folder backend,
 * /proc /sys /dev /run. For each regular file calls fn with its path, its stat and the
 * sniff kind of its head (folder: sniff() on the first KW_SNIFF_HEAD bytes of files up to
 * max_size; tar: the kind recorded at open by kw_tar_opts.sniff). fn returns 0 to go on,
 * negative to stop (that value is returned). Unreadable directories are counted in
 * *ret_errors (may be NULL) and skipped. */
typedef int (*kw_walk_fn)(void *ctx, const char *path, const kw_stat *st, int kind);
typedef struct kw_walk_opts {
	kw_sniff_fn sniff;
	uint64_t max_size;      /* files above this are not sniffed (kind 0) */
	void (*progress)(void *ctx, uint64_t files);
	void *progress_ctx;
} kw_walk_opts;
int kw_target_walk(kw_target *t, const char *start, const kw_walk_opts *o,
		   kw_walk_fn fn, void *ctx, uint64_t *ret_errors);

#endif
