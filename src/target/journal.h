/* journal.h — the change journal behind every write (write.h) and its undo.
 * Owned by the target module.
 *
 * A journal is a folder of numbered entries, appended only: NNNNNN.data (the original
 * bytes of a regular file; absent for other entries and for files that did not exist)
 * and NNNNNN.meta (JSON, kw_journal_meta below). The .data file is written and fsynced
 * first, then the .meta by a temp file + link, then the folder is fsynced: an entry exists
 * once its .meta does, and it is complete before the change it describes is made. Stray
 * .data or temp files (a crash while journaling) are ignored by undo.
 *
 * .meta fields (version 2; version 1 journals, which only knew regular files, are read
 * too): version, root, seq, op, path, existed; when existed: type ("reg", "dir", "lnk",
 * "fifo", "sock", "chr", "blk"; absent = "reg"), uid, gid, mode, mtime_sec, mtime_nsec,
 * and by type: size (reg), xattrs [{"name", "hex"}] (reg, dir), target (lnk, hex),
 * rdev (chr, blk). Always optional: parent_mtime_sec/_nsec (the parent folder's mtime
 * before the change) and tmp (regular files: the random temp file name the change and
 * its undo write through, so undo removes what a crash left there). Text that is not
 * valid UTF-8 (hostile file names) is stored under "<key>_hex" instead of "<key>" (root,
 * path, tmp, xattr name).
 *
 * (Addition) An entry that did not exist ("existed": false, no type) records a creation:
 * of a regular file for every op but "mkdir" (undo removes the file), of a folder for op
 * "mkdir" (kw_writer_mkdir; undo removes the folder while it is empty). The entry's fields
 * are the same in both cases, so the .meta parser and its format are unchanged.
 *
 * Undo trusts nothing in a journal: every .meta goes through kw_journal_meta_parse
 * (paths absolute and canonical, known types, bounded sizes), every path is resolved
 * inside the root like any write (write.h), and nothing is ever followed out of it. It
 * does trust the journal's "root": a caller that did not write the journal should show
 * it first (kw_journal_root).
 *
 * Ownership: kw_journal_open gives a journal freed by kw_journal_free; a parsed
 * kw_journal_meta is released with kw_journal_meta_release; kw_journal_meta_format and
 * kw_journal_root give strings the caller frees.
 */
#ifndef KW_TARGET_JOURNAL_H
#define KW_TARGET_JOURNAL_H

#include "target/write.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

typedef struct kw_journal kw_journal;

#define KW_JOURNAL_MAX_ENTRIES 999999
#define KW_JOURNAL_MAX_DATA ((uint64_t)1 << 30) /* originals above 1 GiB: KW_E_TOOBIG */
/* A .meta holds at most KW_XATTRS_MAX values of KW_XATTR_VALUE_MAX bytes, hex encoded. */
#define KW_JOURNAL_META_MAX ((size_t)2 * KW_XATTRS_MAX * KW_XATTR_VALUE_MAX + ((size_t)1 << 20))
#define KW_JOURNAL_VERSION 2

/* Open (creating, mode 0700) the journal folder `dir` for entries about `root` (an
 * absolute path). An existing journal of another root: KW_E_USAGE. Does not create
 * missing parents (kw_writer_open does). */
int kw_journal_open(const char *dir, const char *root, kw_journal **ret);
void kw_journal_free(kw_journal *j);
const char *kw_journal_dir(const kw_journal *j);
/* How many more entries fit (KW_JOURNAL_MAX_ENTRIES in all). */
unsigned kw_journal_room(const kw_journal *j);

/* What one entry records, before an operation `op` on `path`. */
typedef struct kw_journal_rec {
	const char *op;              /* "replace", "unlink", "remove", "mkdir": [a-z-]{1,32} */
	const char *path;            /* absolute, canonical, inside the root */
	const struct stat *st;       /* the entry (lstat), NULL when it did not exist */
	int fd;                      /* regular file: opened for reading (bytes + xattrs);
				      * folder: opened O_RDONLY|O_DIRECTORY (xattrs); else -1 */
	const char *target;          /* symlink: its text (target_len bytes), else NULL */
	size_t target_len;
	const struct stat *parent;   /* the parent folder (its mtime), or NULL */
	const char *tmp;             /* regular file or none: the temp name the change and
				      * undo use (kw_write_tmp_name), or NULL */
} kw_journal_rec;

/* Append an entry. Durable (fsynced) when this returns 0. *ret_seq (may be NULL): its
 * number. Symlinks, FIFOs, sockets and device nodes keep no xattrs (reading them needs a
 * path-based call that is not safe in a hostile tree). */
int kw_journal_add(kw_journal *j, const kw_journal_rec *e, unsigned *ret_seq);

/* Shorthand for a regular file: fd is the original opened for reading with st its fstat,
 * or fd -1 and st NULL when it did not exist. */
int kw_journal_record(kw_journal *j, const char *op, const char *path, int fd,
		      const struct stat *st, unsigned *ret_seq);

/* Undo every entry of the journal in `dir`, newest first: put back the original bytes,
 * owner, group, mode, mtime and xattrs of regular files atomically; recreate removed
 * folders, symlinks, FIFOs, sockets and device nodes with their owner, mode, mtime (and
 * xattrs, target, rdev); remove regular files that did not exist (an entry of another
 * kind found there instead is left alone and reported), and folders made by "mkdir"
 * entries while they are empty (Addition). Then every touched folder gets
 * back the mtime it had before the first journaled change. An entry whose change never
 * happened (found as recorded) is left alone, so undo can be re-run. Goes on after a
 * failing entry; returns 0 or the first error. *ret_restored (may be NULL): entries that
 * changed something. */
int kw_journal_undo(const char *dir, unsigned *ret_restored);

/* The root the journal in `dir` is about (from its newest entry). -ENOENT: empty. */
int kw_journal_root(const char *dir, char **ret_root);


/* ---- one entry's .meta, parsed and validated (pure: no I/O) ---- */

typedef enum kw_jtype {
	KW_JT_REG, KW_JT_DIR, KW_JT_LNK, KW_JT_FIFO, KW_JT_SOCK, KW_JT_CHR, KW_JT_BLK,
} kw_jtype;

typedef struct kw_journal_meta {
	unsigned version;            /* 1 or 2 */
	char *root;                  /* "/" or canonical absolute; no NUL inside */
	unsigned seq;                /* 1..KW_JOURNAL_MAX_ENTRIES */
	char op[33];
	char *path;                  /* canonical absolute, not "/": no "", "." or ".." */
	bool existed;
	/* when existed: */
	kw_jtype type;
	uint32_t uid, gid;           /* never (uint32_t)-1 */
	uint32_t mode;               /* permission bits, & 07777 */
	struct timespec mtime;
	uint64_t size;               /* reg: bytes in NNNNNN.data, <= KW_JOURNAL_MAX_DATA */
	kw_xattrs xattrs;            /* reg, dir (empty for the others) */
	char *target;                /* lnk: 1..4095 bytes, no NUL; else NULL */
	size_t target_len;
	uint64_t rdev;               /* chr, blk */
	/* optional: */
	bool has_parent_mtime;
	struct timespec parent_mtime;
	char *tmp;                   /* ".NAME.kw.<16 hex>" or NULL */
} kw_journal_meta;

/* Parse and validate one .meta text (text[0..len), need not be NUL-terminated, at most
 * KW_JOURNAL_META_MAX). 0, KW_E_PARSE (malformed or invalid), KW_E_TOOBIG, -ENOMEM.
 * On error *ret is left empty (nothing to release). */
int kw_journal_meta_parse(const char *text, size_t len, kw_journal_meta *ret);
void kw_journal_meta_release(kw_journal_meta *m);
/* The .meta text of m (valid input: what kw_journal_meta_parse accepts). */
int kw_journal_meta_format(const kw_journal_meta *m, char **ret_text);

#endif
