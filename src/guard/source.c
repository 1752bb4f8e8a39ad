/* source.c — see source.h: where the guard's log lines come from.
 *
 * File sources
 * ------------
 * A file is read with large read() calls into one buffer (BUF_CAP, 1 MiB) and split with
 * memchr; nothing is read a line or a byte at a time, and stdio is not used. The buffer
 * holds at most one incomplete line between calls:
 *
 *     buf:  [ consumed | pos .. len: unconsumed bytes ]          file offset of buf[pos] = off
 *                        ^ start of the next line
 *
 * A line longer than KW_GSOURCE_MAX_LINE has its first KW_GSOURCE_MAX_LINE bytes copied to
 * s->line and the rest is dropped up to its '\n' ("skipping"); the record is handed out
 * when that '\n' arrives, marked truncated. rec_off is the offset just after the last
 * record handed out: it is what the cursor stores, so a line is never half-counted.
 *
 * Following: a watch (inotify) on the file's FOLDER wakes us when an entry of that name is
 * created, moved, deleted or written; a 1 s timer covers a lost or overflowed queue, or a
 * folder that did not exist yet (its watch is retried). Before every read (a stat, an
 * fstat and a pread of at most HASH_SPAN bytes per read of up to 1 MiB):
 *   - the path names another inode (rename + create, delete + create): the old fd is read
 *     to its end first ("draining"), then the new file from offset 0;
 *   - the same inode is smaller than what was read, or its first line changed
 *     (copytruncate, truncation, also when the file regrew past our offset before we
 *     looked): if PATH.1 is the copy (same first line, at least rec_off bytes) its
 *     remainder is read first; then the file restarts at 0;
 *   - the path does not exist: keep the old fd (a writer may still append to it) and wait.
 * A last line without '\n' is held until it is completed, except at the end of a file that
 * is not followed (or a rotated-away file), where it is handed out as it is.
 *
 * Cursor "F1:<dev>:<ino>:<offset>:<hash>": hash is FNV-1a 64 over the file's first line
 * (through its '\n'), cut to the first HASH_SPAN bytes and to <offset>. On resume the
 * position is trusted only if the inode, the hash and size >= offset all agree; else PATH.1
 * is searched for the file the cursor named (logrotate's first rotation: the same inode
 * renamed, or a copytruncate copy with the same first line) and its remainder is read
 * first; else reading starts at 0 and stats.truncations counts the lost position. Two
 * rotations while the guard was down (PATH.1 is no longer ours) lose the lines between.
 *
 * Journal sources
 * ---------------
 * sd-journal with matches on _COMM (sshd, sshd-session, sshd-auth) so journald's indexes
 * skip everything else; every entry is then checked again on journald's trusted fields:
 * _UID must be 0 and _COMM (or the base name of _EXE) one of the three names. Anything
 * else (logger -t sshd, a renamed copy of logger run by a user) is skipped and counted.
 */
#include "guard/source.h"

#include "base/file.h"
#include "base/hash.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP ((size_t)1 << 20)
#define HASH_SPAN 1024
#define CHECK_INTERVAL_MS 1000
#define COUNT_LINES_MAX ((uint64_t)256 << 20) /* beyond: line numbers count from the resume point */
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | \
		    IN_MODIFY | IN_ONLYDIR)

enum src_kind { SRC_FILE, SRC_JOURNAL };

struct file_src {
	char *path;
	char *path1;          /* path + ".1": logrotate's first rotation */
	char *dir;            /* folder watched with inotify */
	const char *base;     /* points into path */
	bool is_stdin;
	int fd;               /* file being read; -1 while waiting for it to exist */
	dev_t dev;
	ino_t ino;
	bool draining;        /* fd is a rotated-away file: at its end, go on with path from 0 */
	bool draining_copy;   /* ... a copytruncate copy (PATH.1) of the file at path */
	uint8_t *buf;
	size_t pos, len;
	uint64_t off;         /* file offset of buf[pos] */
	uint64_t rec_off;     /* file offset just after the last record handed out */
	uint64_t lineno;
	bool skipping;        /* inside an over-long line: drop bytes up to its '\n' */
	uint64_t hash;        /* first-line hash of fd's file, valid when hash_final */
	bool hash_final;
	int ino_fd, wd;
	int64_t last_check_ms;
};

struct journal_src {
	sd_journal *j;
	char *start_cursor;   /* the cursor opened with, until an entry is read */
	bool skip_start;      /* the next entry may be the cursor's own: skip it if so */
	bool positioned;      /* the journal stands on an entry we have looked at */
};

struct kw_gsource {
	enum src_kind kind;
	char *id;
	bool follow;
	int64_t ref_us;
	kw_gsource_stats st;
	struct file_src f;
	struct journal_src jr;
	uint8_t line[KW_GSOURCE_MAX_LINE]; /* a cut over-long line, or a journal MESSAGE */
};

/* ---- small helpers ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void set_err(char *err, size_t errlen, const char *what, const char *path, int rc)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s: %s", what, path ? " " : "", path ? path : "",
			 kw_strerror(rc));
}

/* sshd's process names; the line parser's kw_gproc_from_name says the same, kept here so
 * the source does not depend on the parser. */
static bool proc_from_name(const uint8_t *p, size_t n, enum kw_gproc *proc)
{
	static const struct { const char *name; enum kw_gproc proc; } names[] = {
		{ "sshd", KW_GP_SSHD },
		{ "sshd-session", KW_GP_SSHD_SESSION },
		{ "sshd-auth", KW_GP_SSHD_AUTH },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(names); i++) {
		if (strlen(names[i].name) == n && !memcmp(names[i].name, p, n)) {
			*proc = names[i].proc;
			return true;
		}
	}
	return false;
}

static ssize_t pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The first-line hash of the file behind fd as the cursor defines it (see the top).
 * *final: the hash can no longer change as the file grows. */
static int hash_head(int fd, uint64_t upto, uint64_t *hash, bool *final)
{
	uint8_t head[HASH_SPAN];
	size_t want = upto < HASH_SPAN ? (size_t)upto : HASH_SPAN;
	ssize_t r = pread_full(fd, head, want, 0);
	if (r < 0)
		return (int)r;
	size_t n = (size_t)r;
	const uint8_t *nl = memchr(head, '\n', n);
	if (nl)
		n = (size_t)(nl - head) + 1;
	*hash = kw_fnv1a(KW_FNV1A_INIT, head, n);
	if (final)
		*final = nl != NULL || n == HASH_SPAN;
	return 0;
}

static void remember_head(struct file_src *f, uint64_t upto)
{
	bool final = false;
	f->hash_final = hash_head(f->fd, upto, &f->hash, &final) == 0 && final;
}

/* stat, check regular, then open without blocking (a FIFO swapped in would block) and
 * check the opened file again. */
static int open_regular(const char *path, int *out, struct stat *st)
{
	struct stat pre;
	if (stat(path, &pre) < 0)
		return -errno;
	if (!S_ISREG(pre.st_mode))
		return KW_E_NOTREG;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return KW_E_NOTREG;
	*out = TAKE_FD(fd);
	return 0;
}

/* ---- file: buffer and lines ---- */

static void file_reset_pos(struct file_src *f, uint64_t off)
{
	f->pos = f->len = 0;
	f->off = f->rec_off = off;
	f->skipping = false;
}

static void file_attach(struct file_src *f, int fd, const struct stat *st)
{
	if (f->fd >= 0 && f->fd != fd)
		close(f->fd);
	f->fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->hash_final = false;
	f->lineno = 0;
	file_reset_pos(f, 0);
}

static void file_detach(struct file_src *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->draining = f->draining_copy = false;
	f->hash_final = false;
	f->lineno = 0;
	file_reset_pos(f, 0);
}

static void consume(struct file_src *f, size_t n)
{
	f->pos += n;
	f->off += n;
}

static void emit(kw_gsource *s, kw_grecord *rec, const uint8_t *p, size_t n, bool truncated)
{
	struct file_src *f = &s->f;
	if (!truncated && n && p[n - 1] == '\r')
		n--;
	if (f->rec_off == 0 && !f->is_stdin) /* the first line of this file: remember it */
		remember_head(f, f->off);
	f->rec_off = f->off;
	f->lineno++;
	rec->text = p;
	rec->len = n;
	rec->lineno = f->lineno;
	rec->truncated = truncated;
}

/* A whole line (without '\n') of any length: cut to KW_GSOURCE_MAX_LINE bytes, not
 * counting a final '\r'. */
static void emit_cut(kw_gsource *s, kw_grecord *rec, const uint8_t *p, size_t n)
{
	size_t body = n && p[n - 1] == '\r' ? n - 1 : n;
	if (body > KW_GSOURCE_MAX_LINE)
		emit(s, rec, p, KW_GSOURCE_MAX_LINE, true);
	else
		emit(s, rec, p, n, false);
}

/* A complete line from the buffer into rec: 1; 0 = more bytes are needed. */
static int take_line(kw_gsource *s, kw_grecord *rec)
{
	struct file_src *f = &s->f;
	for (;;) {
		const uint8_t *p = f->buf + f->pos;
		size_t n = f->len - f->pos;
		const uint8_t *nl = n ? memchr(p, '\n', n) : NULL;
		if (f->skipping) {
			if (!nl) {
				consume(f, n);
				return 0;
			}
			consume(f, (size_t)(nl - p) + 1);
			f->skipping = false;
			emit(s, rec, s->line, KW_GSOURCE_MAX_LINE, true);
			return 1;
		}
		if (nl) {
			size_t ll = (size_t)(nl - p);
			consume(f, ll + 1);
			emit_cut(s, rec, p, ll);
			return 1;
		}
		if (n <= KW_GSOURCE_MAX_LINE + 1) /* may still be a full-length line + "\r\n" */
			return 0;
		memcpy(s->line, p, KW_GSOURCE_MAX_LINE);
		f->skipping = true;
		consume(f, n);
	}
}

/* At the final end of a file: whatever is left of a last line without '\n'. */
static int take_partial(kw_gsource *s, kw_grecord *rec)
{
	struct file_src *f = &s->f;
	size_t n = f->len - f->pos;
	if (f->skipping) {
		consume(f, n);
		f->skipping = false;
		emit(s, rec, s->line, KW_GSOURCE_MAX_LINE, true);
		return 1;
	}
	if (n == 0)
		return 0;
	const uint8_t *p = f->buf + f->pos;
	consume(f, n);
	emit_cut(s, rec, p, n);
	return 1;
}

/* Read more: bytes read (> 0), 0 at end of file, -EAGAIN when a non-blocking stdin had
 * nothing within the deadline, or an error. */
static ssize_t fill(struct file_src *f, int64_t deadline)
{
	if (f->pos == f->len) {
		f->pos = f->len = 0;
	} else if (f->pos > 0) {
		memmove(f->buf, f->buf + f->pos, f->len - f->pos);
		f->len -= f->pos;
		f->pos = 0;
	}
	for (;;) {
		ssize_t r = read(f->fd, f->buf + f->len, BUF_CAP - f->len);
		if (r > 0) {
			f->len += (size_t)r;
			return r;
		}
		if (r == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !f->is_stdin)
			return -errno;
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();
			wait = left > 0 ? (int)(left > INT_MAX ? INT_MAX : left) : 0;
		}
		struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr == 0)
			return -EAGAIN;
	}
}

/* Newlines in [0, upto): the line number at a resume point. */
static int count_lines(struct file_src *f, uint64_t upto, uint64_t *lines)
{
	uint64_t n = 0;
	for (uint64_t o = 0; o < upto;) {
		size_t want = upto - o < BUF_CAP ? (size_t)(upto - o) : BUF_CAP;
		ssize_t r = pread_full(f->fd, f->buf, want, o);
		if (r < 0)
			return (int)r;
		if (r == 0)
			break;
		for (const uint8_t *p = f->buf, *e = f->buf + r; (p = memchr(p, '\n', (size_t)(e - p))); p++)
			n++;
		o += (uint64_t)r;
	}
	*lines = n;
	return 0;
}

/* Read on from off; count the lines before it for the line numbers unless told not to. */
static int file_seek(struct file_src *f, uint64_t off, bool count)
{
	if (lseek(f->fd, (off_t)off, SEEK_SET) < 0)
		return -errno;
	file_reset_pos(f, off);
	if (!count)
		return 0;
	f->lineno = 0;
	if (off <= COUNT_LINES_MAX)
		return count_lines(f, off, &f->lineno);
	return 0;
}

/* Start at the current end, backing up to just after the last '\n' so a line still being
 * written is read whole. */
static int file_seek_end(struct file_src *f)
{
	struct stat st;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	uint64_t size = (uint64_t)st.st_size;
	uint64_t back = size < KW_GSOURCE_MAX_LINE ? size : KW_GSOURCE_MAX_LINE;
	ssize_t r = pread_full(f->fd, f->buf, (size_t)back, size - back);
	if (r < 0)
		return (int)r;
	uint64_t off = size;
	if ((uint64_t)r == back && back) {
		const uint8_t *nl = memrchr(f->buf, '\n', (size_t)back);
		if (nl)
			off = size - back + (uint64_t)(nl - f->buf) + 1;
		else if (back < KW_GSOURCE_MAX_LINE)
			off = 0;
	}
	return file_seek(f, off, true);
}

/* ---- file: cursor ---- */

struct fcursor {
	uint64_t dev, ino, off, hash;
};

static int parse_hex64(const kw_buf *b, uint64_t *out)
{
	size_t n = kw_buf_left(b);
	const uint8_t *p = kw_buf_cur(b);
	if (n == 0 || n > 16)
		return KW_E_PARSE;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return KW_E_PARSE;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int parse_fcursor(const char *s, struct fcursor *c)
{
	size_t n = strlen(s);
	if (n == 0 || s[n - 1] == ':')
		return KW_E_PARSE;
	kw_buf b = kw_buf_view(s, n), fld;
	if (!kw_buf_field(&b, ':', &fld) || !kw_buf_eq(&fld, "F1"))
		return KW_E_PARSE;
	uint64_t *num[] = { &c->dev, &c->ino, &c->off };
	for (size_t i = 0; i < KW_ARRAY_LEN(num); i++)
		if (!kw_buf_field(&b, ':', &fld) || kw_buf_to_u64(&fld, INT64_MAX, num[i]) < 0)
			return KW_E_PARSE;
	if (!kw_buf_field(&b, ':', &fld) || parse_hex64(&fld, &c->hash) < 0 || kw_buf_left(&b))
		return KW_E_PARSE;
	return 0;
}

/* Does the file behind fd hold the text the cursor was taken in: at least c->off bytes and
 * the same first line? */
static bool same_text(int fd, const struct stat *st, const struct fcursor *c)
{
	uint64_t h;
	return (uint64_t)st->st_size >= c->off && hash_head(fd, c->off, &h, NULL) == 0 &&
	       h == c->hash;
}

/* Open PATH.1 if it is the file that held the text the cursor (or the current position)
 * names: the same inode renamed, or a copy (copytruncate) with the same first line.
 * Returns an fd positioned at c->off, or a negative code. */
static int open_rotated(struct file_src *f, const struct fcursor *c, bool copy_ok, struct stat *st)
{
	int fd = -1;
	int r = open_regular(f->path1, &fd, st);
	if (r < 0)
		return r;
	bool same_inode = (uint64_t)st->st_dev == c->dev && (uint64_t)st->st_ino == c->ino;
	if ((!same_inode && !copy_ok) || !same_text(fd, st, c)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Make fd (a rotated-away file, or a copy of ours, at offset off) the one read now; the
 * file at path follows from 0. */
static int start_draining(struct file_src *f, int fd, const struct stat *st, uint64_t off,
			  bool copy, bool keep_lineno)
{
	uint64_t lineno = f->lineno;
	file_attach(f, fd, st);
	f->draining = true;
	f->draining_copy = copy;
	f->lineno = lineno;
	return file_seek(f, off, !keep_lineno);
}

static int file_resume(kw_gsource *s, const char *cursor)
{
	struct file_src *f = &s->f;
	struct fcursor c;
	if (parse_fcursor(cursor, &c) < 0)
		return KW_E_PARSE;
	struct stat st;
	bool cur_is_named = false;
	if (f->fd >= 0) {
		if (fstat(f->fd, &st) < 0)
			return -errno;
		cur_is_named = (uint64_t)st.st_dev == c.dev && (uint64_t)st.st_ino == c.ino;
		if (cur_is_named && same_text(f->fd, &st, &c)) {
			remember_head(f, c.off);
			return file_seek(f, c.off, true);
		}
	}
	if (f->is_stdin)
		return 0; /* a pipe cannot be searched for its past */
	struct stat st1;
	int fd1 = open_rotated(f, &c, cur_is_named, &st1);
	if (fd1 >= 0) {
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		if (cur_is_named) /* copytruncate */
			s->st.truncations++;
		return start_draining(f, fd1, &st1, c.off, cur_is_named, false);
	}
	s->st.truncations++; /* the position is lost: read the current file from its start */
	return 0;
}

static int file_cursor(kw_gsource *s, char *out, size_t cap)
{
	struct file_src *f = &s->f;
	if (f->fd < 0) {
		if (cap < 1)
			return KW_E_TOOBIG;
		out[0] = '\0';
		return 0;
	}
	if (!f->hash_final) /* until the first line is complete, hash what the cursor covers */
		remember_head(f, f->rec_off);
	uint64_t h = f->hash;
	int n = snprintf(out, cap, "F1:%llu:%llu:%llu:%016llx", (unsigned long long)f->dev,
			 (unsigned long long)f->ino, (unsigned long long)f->rec_off,
			 (unsigned long long)h);
	if (n < 0 || (size_t)n >= cap)
		return KW_E_TOOBIG;
	return 0;
}

/* ---- file: following ---- */

static void watch_add(struct file_src *f)
{
	if (f->ino_fd >= 0 && f->wd < 0)
		f->wd = inotify_add_watch(f->ino_fd, f->dir, WATCH_MASK);
}

/* Drain the inotify queue. 1 if something concerned our file (or events were lost). */
static int watch_drain(struct file_src *f)
{
	_Alignas(struct inotify_event) char buf[8192];
	int relevant = 0;
	for (;;) {
		ssize_t r = read(f->ino_fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return relevant;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				relevant = 1;
			if (ev->mask & IN_IGNORED) {
				f->wd = -1;
				relevant = 1;
			}
			if (ev->len && (!strcmp(ev->name, f->base) || !strcmp(ev->name, f->path1 + (f->base - f->path))))
				relevant = 1;
			p += sizeof *ev + ev->len;
		}
	}
}

/* Wait for a change of the file or the 1 s check: 1 = look again, 0 = deadline passed. */
static int watch_wait(struct file_src *f, int64_t deadline)
{
	for (;;) {
		int64_t now = mono_ms();
		if (deadline >= 0 && now >= deadline)
			return 0;
		int64_t until = f->last_check_ms + CHECK_INTERVAL_MS;
		if (deadline >= 0 && deadline < until)
			until = deadline;
		if (now >= until)
			return 1;
		int wait = (int)(until - now);
		struct pollfd pfd = { .fd = f->wd >= 0 ? f->ino_fd : -1, .events = POLLIN };
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && watch_drain(f))
			return 1;
	}
}

/* The file has shrunk or its first line changed: read the copy's remainder first when
 * PATH.1 is the copy, then the file from 0. */
static int on_truncation(kw_gsource *s)
{
	struct file_src *f = &s->f;
	s->st.truncations++;
	if (f->hash_final && f->rec_off > 0) {
		struct fcursor c = { .dev = f->dev, .ino = f->ino, .off = f->rec_off, .hash = f->hash };
		struct stat st1;
		int fd1 = open_rotated(f, &c, true, &st1);
		if (fd1 >= 0 && (st1.st_dev != f->dev || st1.st_ino != f->ino))
			return start_draining(f, fd1, &st1, c.off, true, true);
		if (fd1 >= 0)
			close(fd1);
	}
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return -errno;
	f->hash_final = false;
	f->lineno = 0;
	file_reset_pos(f, 0);
	return 0;
}

/* Open path if it exists now (from offset 0). 1 = opened, 0 = still absent. */
static int try_open_current(kw_gsource *s)
{
	struct file_src *f = &s->f;
	int fd;
	struct stat st;
	int r = open_regular(f->path, &fd, &st);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	file_attach(f, fd, &st);
	return 1;
}

/* Before reading more while following: has the path been replaced, the file truncated
 * (smaller than what was read, or another first line: truncated and regrown), or
 * created? 1 = read (something changed, or there are new bytes), 0 = nothing new. */
static int file_check(kw_gsource *s)
{
	struct file_src *f = &s->f;
	int64_t now = mono_ms();
	if (now - f->last_check_ms >= CHECK_INTERVAL_MS) {
		f->last_check_ms = now;
		watch_add(f);
	}
	if (f->fd < 0)
		return try_open_current(s);
	struct stat st;
	bool present = stat(f->path, &st) == 0;
	if (!present && errno != ENOENT)
		return -errno;
	if (present && (st.st_dev != f->dev || st.st_ino != f->ino)) {
		f->draining = true; /* read the old file to its end, then the new one */
		return 1;
	}
	/* the path is ours, or gone (renamed or deleted and not yet re-created: a writer
	 * may still append to the old file, so keep reading it) */
	if (fstat(f->fd, &st) < 0)
		return -errno;
	uint64_t read_end = f->off + (f->len - f->pos);
	bool changed = (uint64_t)st.st_size < read_end;
	if (!changed && f->rec_off > 0) {
		uint64_t h;
		if (!f->hash_final)
			remember_head(f, f->rec_off);
		else if (hash_head(f->fd, f->rec_off, &h, NULL) == 0 && h != f->hash)
			changed = true;
	}
	if (changed) {
		int r = on_truncation(s);
		return r < 0 ? r : 1;
	}
	return (uint64_t)st.st_size > read_end;
}

/* A rotated-away file is read to its end: go on with the file at path from 0. */
static int switch_to_current(kw_gsource *s)
{
	if (!s->f.draining_copy)
		s->st.rotations++;
	file_detach(&s->f);
	int r = try_open_current(s);
	return r < 0 ? r : 0;
}

/* At the end of a file that will not grow (not followed, or rotated away): its last line
 * without '\n', then END or the next file. 1 = a record, 0 = go on, KW_GSOURCE_END. */
static int file_at_end(kw_gsource *s, kw_grecord *rec)
{
	if (take_partial(s, rec))
		return 1;
	if (!s->f.draining)
		return KW_GSOURCE_END;
	return switch_to_current(s);
}

static int file_next(kw_gsource *s, kw_grecord *rec, int timeout_ms)
{
	struct file_src *f = &s->f;
	bool follow = s->follow && !f->is_stdin;
	/* a line already buffered needs no clock (this is the replay's hot path) */
	if (f->fd >= 0 && take_line(s, rec))
		return 1;
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	unsigned empty_reads = 0;
	for (;;) {
		if (f->fd >= 0 && take_line(s, rec))
			return 1;
		if (follow && !f->draining) {
			int c = file_check(s);
			if (c < 0)
				return c;
			if (c == 0) {
				c = watch_wait(f, deadline);
				if (c <= 0)
					return c;
				continue;
			}
		}
		if (f->fd < 0)
			return follow ? 0 : KW_GSOURCE_END;
		ssize_t n = fill(f, deadline);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0 && (f->draining || !follow)) {
			int r = file_at_end(s, rec);
			if (r != 0)
				return r;
		} else if (n == 0 && ++empty_reads > 1) {
			/* the checks keep saying "read" and there is nothing: never spin */
			empty_reads = 0;
			int c = watch_wait(f, deadline);
			if (c <= 0)
				return c;
		} else if (n > 0) {
			empty_reads = 0;
		}
	}
}

static int file_setup(kw_gsource *s, const char *path)
{
	struct file_src *f = &s->f;
	f->fd = f->ino_fd = f->wd = -1;
	f->is_stdin = !strcmp(path, "-");
	f->path = strdup(path);
	f->buf = malloc(BUF_CAP);
	if (!f->path || !f->buf)
		return -ENOMEM;
	if (f->is_stdin) {
		s->id = strdup("stdin");
		return s->id ? 0 : -ENOMEM;
	}
	const char *slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	if (!*f->base)
		return KW_E_NOTREG;
	size_t n = strlen(path);
	f->path1 = malloc(n + 3);
	f->dir = kw_path_dir(path);
	s->id = kw_gsource_key(false, path);
	if (!f->path1 || !f->dir || !s->id)
		return -ENOMEM;
	memcpy(f->path1, path, n);
	memcpy(f->path1 + n, ".1", 3);
	return 0;
}

static int open_stdin(kw_gsource *s)
{
	struct file_src *f = &s->f;
	struct stat st;
	int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? KW_E_NOTREG : 0;
	if (r < 0) {
		close(fd);
		return r;
	}
	file_attach(f, fd, &st);
	s->ref_us = S_ISREG(st.st_mode) ? (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000
					: real_us();
	return 0;
}

int kw_gsource_open_file(const char *path, bool follow, bool from_end, const char *cursor,
			 kw_gsource **out, char *err, size_t errlen)
{
	kw_gsource *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->kind = SRC_FILE;
	s->follow = follow;
	struct file_src *f = &s->f;
	int r = file_setup(s, path);
	if (r < 0) {
		set_err(err, errlen, "cannot open", path, r);
		goto fail;
	}
	if (f->is_stdin) {
		r = open_stdin(s);
	} else {
		int fd;
		struct stat st;
		r = open_regular(path, &fd, &st);
		if (r == -ENOENT && follow) {
			r = 0;
		} else if (r == 0) {
			file_attach(f, fd, &st);
			s->ref_us = follow ? real_us()
					   : (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
		}
		if (r == 0 && follow) {
			f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			watch_add(f);
			f->last_check_ms = mono_ms();
		}
	}
	if (r < 0) {
		set_err(err, errlen, "cannot open", path, r);
		goto fail;
	}
	if (!s->ref_us)
		s->ref_us = real_us();
	if (cursor && *cursor) {
		r = file_resume(s, cursor);
		if (r < 0) {
			set_err(err, errlen, r == KW_E_PARSE ? "bad file cursor for" : "cannot resume",
				path, r);
			goto fail;
		}
	} else if (from_end && follow && f->fd >= 0 && !f->is_stdin) {
		r = file_seek_end(f);
		if (r < 0) {
			set_err(err, errlen, "cannot read", path, r);
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	kw_gsource_close(s);
	return r;
}

/* ---- journal ---- */

static const char *const sshd_comms[] = { "_COMM=sshd", "_COMM=sshd-session", "_COMM=sshd-auth" };

/* One field's value (after "NAME="). The view lives until the next sd_journal call. */
static int jfield(sd_journal *j, const char *name, const uint8_t **v, size_t *n)
{
	const void *d;
	size_t l;
	int r = sd_journal_get_data(j, name, &d, &l);
	if (r < 0)
		return r;
	size_t k = strlen(name);
	if (l <= k || memcmp(d, name, k) || ((const char *)d)[k] != '=')
		return -EBADMSG;
	*v = (const uint8_t *)d + k + 1;
	*n = l - k - 1;
	return 0;
}

/* journald's own fields say this is sshd running as root? Sets *proc. */
static bool journal_trusted(sd_journal *j, enum kw_gproc *proc)
{
	const uint8_t *v;
	size_t n;
	if (jfield(j, "_UID", &v, &n) < 0 || n != 1 || v[0] != '0')
		return false;
	if (jfield(j, "_COMM", &v, &n) == 0 && proc_from_name(v, n, proc))
		return true;
	if (jfield(j, "_EXE", &v, &n) < 0)
		return false;
	const uint8_t *slash = memrchr(v, '/', n);
	if (slash) {
		n -= (size_t)(slash + 1 - v);
		v = slash + 1;
	}
	return proc_from_name(v, n, proc);
}

/* The current entry into rec: 1, or 0 when it is not trusted or has no MESSAGE. */
static int journal_record(kw_gsource *s, kw_grecord *rec)
{
	sd_journal *j = s->jr.j;
	enum kw_gproc proc = KW_GP_UNKNOWN;
	if (!journal_trusted(j, &proc)) {
		s->st.untrusted++;
		return 0;
	}
	const uint8_t *v;
	size_t n;
	uint64_t pid = 0, usec = 0;
	if (jfield(j, "_PID", &v, &n) == 0) {
		kw_buf b = kw_buf_view(v, n);
		if (kw_buf_to_u64(&b, UINT32_MAX, &pid) < 0)
			pid = 0;
	}
	if (jfield(j, "MESSAGE", &v, &n) < 0)
		return 0;
	if (n && v[n - 1] == '\n')
		n--;
	rec->truncated = n > KW_GSOURCE_MAX_LINE;
	if (rec->truncated)
		n = KW_GSOURCE_MAX_LINE;
	memcpy(s->line, v, n);
	rec->text = s->line;
	rec->len = n;
	rec->from_journal = true;
	rec->proc = proc;
	rec->pid = (uint32_t)pid;
	rec->time_us = sd_journal_get_realtime_usec(j, &usec) < 0 ? KW_GTIME_UNKNOWN
			: usec > INT64_MAX ? INT64_MAX : (int64_t)usec;
	return 1;
}

static int journal_next(kw_gsource *s, kw_grecord *rec, int timeout_ms)
{
	struct journal_src *jr = &s->jr;
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	for (;;) {
		int r = sd_journal_next(jr->j);
		if (r < 0)
			return r;
		if (r > 0) {
			if (jr->skip_start) {
				jr->skip_start = false;
				if (sd_journal_test_cursor(jr->j, jr->start_cursor) > 0)
					continue;
			}
			jr->positioned = true;
			if (journal_record(s, rec))
				return 1;
			continue;
		}
		if (!s->follow)
			return KW_GSOURCE_END;
		uint64_t wait_us = (uint64_t)-1;
		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();
			if (left <= 0)
				return 0;
			wait_us = (uint64_t)left * 1000;
		}
		r = sd_journal_wait(jr->j, wait_us);
		if (r < 0)
			return r;
	}
}

static int journal_cursor(kw_gsource *s, char *out, size_t cap)
{
	struct journal_src *jr = &s->jr;
	_cleanup_free_ char *c = NULL;
	const char *v = jr->start_cursor ? jr->start_cursor : "";
	if (jr->positioned) {
		int r = sd_journal_get_cursor(jr->j, &c);
		if (r < 0)
			return r;
		v = c;
	}
	size_t n = strlen(v);
	if (n >= cap)
		return KW_E_TOOBIG;
	memcpy(out, v, n + 1);
	return 0;
}

static int journal_position(kw_gsource *s, bool from_end, const char *cursor)
{
	struct journal_src *jr = &s->jr;
	if (cursor && *cursor) {
		jr->start_cursor = strdup(cursor);
		if (!jr->start_cursor)
			return -ENOMEM;
		int r = sd_journal_seek_cursor(jr->j, cursor);
		if (r < 0)
			return r;
		jr->skip_start = true;
		return 0;
	}
	if (!from_end)
		return sd_journal_seek_head(jr->j);
	int r = sd_journal_seek_tail(jr->j);
	if (r < 0)
		return r;
	r = sd_journal_previous(jr->j);
	if (r < 0)
		return r;
	jr->positioned = r > 0;
	return 0;
}

int kw_gsource_open_journal(const char *dir, bool follow, bool from_end, const char *cursor,
			    kw_gsource **out, char *err, size_t errlen)
{
	kw_gsource *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->kind = SRC_JOURNAL;
	s->follow = follow;
	s->f.fd = s->f.ino_fd = s->f.wd = -1;
	s->ref_us = real_us();
	const char *what = "cannot open the journal";
	int r;
	if (!(s->id = kw_gsource_key(true, dir))) {
		r = -ENOMEM;
		goto fail;
	}
	r = dir ? sd_journal_open_directory(&s->jr.j, dir, 0)
		: sd_journal_open(&s->jr.j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0)
		goto fail;
	/* bound what a MESSAGE costs: longer ones are cut (and marked) anyway */
	r = sd_journal_set_data_threshold(s->jr.j, KW_GSOURCE_MAX_LINE + 64);
	for (size_t i = 0; r >= 0 && i < KW_ARRAY_LEN(sshd_comms); i++)
		r = sd_journal_add_match(s->jr.j, sshd_comms[i], 0);
	if (r < 0)
		goto fail;
	if (follow) {
		/* set up journald's inotify watches before the first read, so nothing written
		 * between that read and the first wait is missed */
		r = sd_journal_get_fd(s->jr.j);
		if (r < 0)
			goto fail;
	}
	what = cursor && *cursor ? "bad journal cursor" : "cannot seek the journal";
	r = journal_position(s, from_end, cursor);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	set_err(err, errlen, what, dir, r);
	kw_gsource_close(s);
	return r;
}

/* ---- common ---- */

int kw_gsource_next(kw_gsource *s, kw_grecord *rec, int timeout_ms)
{
	memset(rec, 0, sizeof *rec);
	int r = s->kind == SRC_FILE ? file_next(s, rec, timeout_ms) : journal_next(s, rec, timeout_ms);
	if (r == 1) {
		s->st.records++;
		if (!rec->from_journal)
			rec->time_us = KW_GTIME_UNKNOWN;
	}
	return r;
}

int kw_gsource_next_batch(kw_gsource *s, kw_grecord *recs, size_t max, size_t max_bytes,
			  size_t *n)
{
	*n = 0;
	int r = kw_gsource_next(s, &recs[0], 0);
	if (r != 1)
		return r;
	*n = 1;
	struct file_src *f = &s->f;
	/* a cut line lives in s->line, which the next one would overwrite */
	if (s->kind != SRC_FILE || recs[0].truncated || f->skipping)
		return 1;
	const uint8_t *start = recs[0].text, *end = f->buf + f->len;
	size_t k = 1;
	while (k < max) {
		const uint8_t *p = f->buf + f->pos;
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		/* no whole line left, or one to cut, or past the span: the next call's slow path */
		if (!nl || (size_t)(nl - start) > max_bytes || (size_t)(nl - p) > KW_GSOURCE_MAX_LINE)
			break;
		size_t ll = (size_t)(nl - p);
		consume(f, ll + 1);
		emit(s, &recs[k], p, ll, false);
		kw_grecord *rec = &recs[k++];
		rec->from_journal = false;
		rec->time_us = KW_GTIME_UNKNOWN;
		rec->pid = 0;
		rec->proc = 0;
	}
	s->st.records += k - 1;
	*n = k;
	return 1;
}

int kw_gsource_cursor(kw_gsource *s, char *out, size_t cap)
{
	return s->kind == SRC_FILE ? file_cursor(s, out, cap) : journal_cursor(s, out, cap);
}

char *kw_gsource_key(bool journal, const char *dir_or_path)
{
	char *k = NULL;
	if (journal && !dir_or_path)
		return strdup("journal");
	if (asprintf(&k, "%s:%s", journal ? "journal" : "file", dir_or_path) < 0)
		return NULL;
	return k;
}

const char *kw_gsource_id(const kw_gsource *s)
{
	return s->id;
}

int64_t kw_gsource_ref_time_us(const kw_gsource *s)
{
	return s->ref_us;
}

void kw_gsource_get_stats(const kw_gsource *s, kw_gsource_stats *st)
{
	*st = s->st;
}

void kw_gsource_close(kw_gsource *s)
{
	if (!s)
		return;
	struct file_src *f = &s->f;
	if (f->fd >= 0)
		close(f->fd);
	if (f->ino_fd >= 0)
		close(f->ino_fd);
	free(f->buf);
	free(f->path);
	free(f->path1);
	free(f->dir);
	if (s->jr.j)
		sd_journal_close(s->jr.j);
	free(s->jr.start_cursor);
	free(s->id);
	free(s);
}
