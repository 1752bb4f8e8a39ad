/* source.h — where log lines come from: a file (read once, or followed across rotations),
 * standard input, or the systemd journal through sd-journal.
 *
 * Pull API: kw_gsource_next() hands out one record at a time; its views stay valid until
 * the next call. A cursor (kw_gsource_cursor) names the position after the last record
 * returned, so a restarted guard resumes exactly there (the caller stores it in the state
 * database):
 *   file     "F1:<dev>:<ino>:<offset>:<hash of the first line, hex>"
 *   journal  the sd-journal cursor string
 *
 * Following a file survives logrotate's rename + create (the old file is read to its end
 * first, then the new one from its start), copytruncate and plain truncation (a size
 * smaller than the offset restarts at 0), and a file that does not exist yet (inotify on
 * the folder). The journal source trusts only journald's own fields: a record counts as
 * sshd's when _UID is 0 and _COMM (or the base name of _EXE) is sshd, sshd-session or
 * sshd-auth; SYSLOG_IDENTIFIER, which any local user can set with `logger -t sshd`, is
 * never used for that decision. Untrusted records are skipped and counted.
 */
#ifndef KW_GUARD_SOURCE_H
#define KW_GUARD_SOURCE_H

#include "guard/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_gsource kw_gsource;

typedef struct kw_grecord {
	const uint8_t *text;  /* file: the whole line (no '\n'); journal: the MESSAGE field */
	size_t len;
	bool from_journal;    /* then time_us, pid and proc come from journald's fields */
	int64_t time_us;
	uint32_t pid;
	enum kw_gproc proc;
	uint64_t lineno;      /* file: 1-based line number in the file being read */
	bool truncated;       /* the line was longer than KW_GSOURCE_MAX_LINE and was cut */
} kw_grecord;

#define KW_GSOURCE_MAX_LINE 8192
#define KW_GSOURCE_END 1000 /* kw_gsource_next: no more data and not following */

typedef struct kw_gsource_stats {
	uint64_t records;     /* handed out */
	uint64_t untrusted;   /* journal records skipped by the trust rule */
	uint64_t rotations;   /* file: renames/re-creations followed */
	uint64_t truncations; /* file: copytruncate or truncation seen */
} kw_gsource_stats;

/* path "-" is standard input (never followed). cursor NULL = from the start (or, when
 * following with from_end, from the current end). */
int kw_gsource_open_file(const char *path, bool follow, bool from_end, const char *cursor,
			 kw_gsource **out, char *err, size_t errlen);
/* dir NULL = the system journal (local, system and runtime); else a folder of journal
 * files (sd_journal_open_directory), which tests use. */
int kw_gsource_open_journal(const char *dir, bool follow, bool from_end, const char *cursor,
			    kw_gsource **out, char *err, size_t errlen);

/* 1 = a record; 0 = nothing new within timeout_ms (following); KW_GSOURCE_END = end of
 * input (not following); negative = error. timeout_ms < 0 waits without limit. */
int kw_gsource_next(kw_gsource *s, kw_grecord *rec, int timeout_ms);
/* The batch form, for readers that copy lines away (replay): like kw_gsource_next with
 * no wait (timeout 0), then, from a file, more lines already in the buffer, up to max
 * records whose text spans at most max_bytes. The records' texts lie in order in one span of memory, from
 * recs[0].text to the end of recs[*n - 1] (the bytes between two records are their line
 * ends), valid until the next call: copy the span once. *n is 0 unless 1 is returned.
 * max >= 1; max_bytes >= KW_GSOURCE_MAX_LINE + 1. */
int kw_gsource_next_batch(kw_gsource *s, kw_grecord *recs, size_t max, size_t max_bytes,
			  size_t *n);
int kw_gsource_cursor(kw_gsource *s, char *out, size_t cap);
/* "file:/var/log/auth.log", "stdin", "journal" or "journal:DIR": the key for positions. */
const char *kw_gsource_id(const kw_gsource *s);
/* The same key without opening the source: "journal:DIR" or "journal" (dir NULL) for a
 * journal, "file:PATH" for a file (caller frees; NULL on ENOMEM). */
char *kw_gsource_key(bool journal, const char *dir_or_path);
/* For year inference: the file's mtime, or now. */
int64_t kw_gsource_ref_time_us(const kw_gsource *s);
void kw_gsource_get_stats(const kw_gsource *s, kw_gsource_stats *st);
void kw_gsource_close(kw_gsource *s);

#endif
