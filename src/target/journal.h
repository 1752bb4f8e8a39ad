/* journal.h — the change journal behind every write (write.h) and its undo.
 * Owned by the target module.
 *
 * A journal is a folder of numbered entries, appended only: NNNNNN.data (the original
 * bytes of the file, absent when it did not exist) and NNNNNN.meta (JSON: version, root,
 * seq, op, path, existed, uid, gid, mode, mtime_sec, mtime_nsec, size, xattrs as
 * [{"name", "hex"}]). The .data file is written and fsynced first, then the .meta by a
 * temp file + rename, then the folder is fsynced: an entry exists once its .meta does, and
 * it is complete before the change it describes is made. Stray .data or temp files
 * (a crash while journaling) are ignored by undo.
 *
 * Ownership: kw_journal_open gives a journal freed by kw_journal_free.
 */
#ifndef KW_TARGET_JOURNAL_H
#define KW_TARGET_JOURNAL_H

#include <stdint.h>
#include <sys/stat.h>

typedef struct kw_journal kw_journal;

#define KW_JOURNAL_MAX_ENTRIES 999999
#define KW_JOURNAL_MAX_DATA ((uint64_t)1 << 30) /* originals above 1 GiB: KW_E_TOOBIG */

/* Open (creating, mode 0700) the journal folder `dir` for entries about `root` (an
 * absolute path). An existing journal of another root: KW_E_USAGE. */
int kw_journal_open(const char *dir, const char *root, kw_journal **ret);
void kw_journal_free(kw_journal *j);
const char *kw_journal_dir(const kw_journal *j);

/* Append an entry for `path` before an operation `op` ("replace", "unlink"): fd is the
 * original file opened for reading with st its fstat, or fd -1 and st NULL when it did
 * not exist. Durable (fsynced) when this returns 0. *ret_seq (may be NULL): the number. */
int kw_journal_record(kw_journal *j, const char *op, const char *path, int fd,
		      const struct stat *st, unsigned *ret_seq);

/* Undo every entry of the journal in `dir`, newest first: put back the original bytes,
 * owner, group, mode, mtime and xattrs atomically, or remove a file that did not exist.
 * An entry whose change never happened (the file is as recorded) is left alone. Goes on
 * after a failing entry; returns 0 or the first error. *ret_restored (may be NULL):
 * entries that changed something. */
int kw_journal_undo(const char *dir, unsigned *ret_restored);

#endif
