/* test_guard_source.c — log sources (src/guard/source.c), file side, on real files.
 *
 *  - reading once: lines and line numbers, CRLF, a last line without '\n', empty lines,
 *    NUL bytes, lines of exactly KW_GSOURCE_MAX_LINE and one more byte, a 3 MiB line
 *    (cut and marked, the next line intact), 300 000 lines across many 1 MiB reads;
 *  - refusals: a FIFO, a folder, /dev/null, a missing file when not following; stdin
 *    ("-") from a pipe;
 *  - following: appends between calls and from another thread while next() waits, a
 *    partial line held until its '\n' arrives, rename + create (the old file's late lines
 *    come first), copytruncate (the copy's remainder in PATH.1 comes first), plain
 *    truncation, a truncated file that regrew past the old offset before it was looked
 *    at (caught by the first-line hash), a file absent at start, deleted and re-created;
 *    from_end;
 *  - cursors: resume exactly after the last record (none lost, none repeated) on the same
 *    file, across a rename to PATH.1, across a copytruncate, a lost position (restart at
 *    0, counted), a malformed cursor; and a long randomized session (seed printed, set
 *    KW_TEST_SEED to replay) of appends, partial writes, rotations of both kinds and
 *    "crashes" (close + reopen from the last cursor) whose output must equal exactly the
 *    lines written.
 *  - the journal source opened on an empty folder: no records, END.
 */
#include "guard/source.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	return kwt_mkdtemp(tmpdir, sizeof tmpdir, "kw-test-source-");
}

static int remove_dir(void **state)
{
	(void)state;
	return kwt_rm_tree(tmpdir);
}

/* A path in the temp folder (one of 8 rotating buffers: copy it to keep it longer). */
static const char *tpath(const char *name)
{
	static char buf[8][256];
	static unsigned i;
	char *p = buf[i++ % 8];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void write_mode(const char *path, const void *data, size_t n, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	const char *p = data;
	while (n) {
		ssize_t r = write(fd, p, n);
		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
	close(fd);
}

static void put(const char *path, const char *text) { write_mode(path, text, strlen(text), O_TRUNC); }
static void add(const char *path, const char *text) { write_mode(path, text, strlen(text), O_APPEND); }

static void copy_file(const char *from, const char *to)
{
	size_t n;
	uint8_t *d = kwt_read_file(from, &n);
	write_mode(to, d, n, O_TRUNC);
	free(d);
}

/* logrotate's two ways */
static void rotate_rename(const char *path, const char *first)
{
	char p1[310];
	snprintf(p1, sizeof p1, "%s.1", path);
	assert_int_equal(rename(path, p1), 0);
	put(path, first);
}

static void rotate_copytruncate(const char *path)
{
	char p1[310];
	snprintf(p1, sizeof p1, "%s.1", path);
	copy_file(path, p1);
	assert_int_equal(truncate(path, 0), 0);
}

static kw_gsource *open_file(const char *path, bool follow, bool from_end, const char *cursor)
{
	kw_gsource *s = NULL;
	char err[256] = "";
	int r = kw_gsource_open_file(path, follow, from_end, cursor, &s, err, sizeof err);
	if (r < 0)
		fail_msg("open %s: %s (%s)", path, kw_strerror(r), err);
	assert_non_null(s);
	return s;
}

static void expect_line(kw_gsource *s, const char *want, int timeout_ms)
{
	kw_grecord rec;
	int r = kw_gsource_next(s, &rec, timeout_ms);
	if (r != 1)
		fail_msg("wanted line \"%s\", got %d", want, r);
	if (rec.len != strlen(want) || memcmp(rec.text, want, rec.len))
		fail_msg("wanted \"%s\", got \"%.*s\"", want, (int)rec.len, (const char *)rec.text);
	assert_false(rec.truncated);
	assert_false(rec.from_journal);
}

static void expect_lineno(kw_gsource *s, const char *want, uint64_t lineno)
{
	kw_grecord rec;
	assert_int_equal(kw_gsource_next(s, &rec, 0), 1);
	assert_int_equal(rec.len, strlen(want));
	assert_memory_equal(rec.text, want, rec.len);
	assert_int_equal(rec.lineno, lineno);
}

static void expect_none(kw_gsource *s, int timeout_ms)
{
	kw_grecord rec;
	int r = kw_gsource_next(s, &rec, timeout_ms);
	if (r != 0)
		fail_msg("wanted nothing, got %d (\"%.*s\")", r, r == 1 ? (int)rec.len : 0,
			 r == 1 ? (const char *)rec.text : "");
}

static void expect_end(kw_gsource *s)
{
	kw_grecord rec;
	int r = kw_gsource_next(s, &rec, 0);
	if (r != KW_GSOURCE_END)
		fail_msg("wanted END, got %d (\"%.*s\")", r, r == 1 ? (int)rec.len : 0,
			 r == 1 ? (const char *)rec.text : "");
}

static void cursor_of(kw_gsource *s, char *out, size_t cap)
{
	assert_int_equal(kw_gsource_cursor(s, out, cap), 0);
}

static kw_gsource_stats stats_of(kw_gsource *s)
{
	kw_gsource_stats st;
	kw_gsource_get_stats(s, &st);
	return st;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- reading once ---- */

static void test_plain_read(void **state)
{
	(void)state;
	const char *p = tpath("plain.log");
	put(p, "one\ntwo\n\nfour\n");
	struct timespec ts[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	kw_gsource *s = open_file(p, false, false, NULL);
	char id[300];
	snprintf(id, sizeof id, "file:%s", p);
	assert_string_equal(kw_gsource_id(s), id);
	assert_int_equal(kw_gsource_ref_time_us(s), (int64_t)1700000000 * 1000000);
	expect_lineno(s, "one", 1);
	expect_lineno(s, "two", 2);
	expect_lineno(s, "", 3);
	expect_lineno(s, "four", 4);
	expect_end(s);
	expect_end(s);
	assert_int_equal(stats_of(s).records, 4);
	kw_gsource_close(s);

	put(p, "");
	s = open_file(p, false, false, NULL);
	expect_end(s);
	kw_gsource_close(s);
}

static void test_crlf_partial_nul(void **state)
{
	(void)state;
	const char *p = tpath("crlf.log");
	static const char data[] = "a\r\nb\rc\r\n\r\nnul\0byte\nlast";
	write_mode(p, data, sizeof data - 1, O_TRUNC);
	kw_gsource *s = open_file(p, false, false, NULL);
	expect_line(s, "a", 0);
	expect_line(s, "b\rc", 0);
	expect_line(s, "", 0);
	kw_grecord rec;
	assert_int_equal(kw_gsource_next(s, &rec, 0), 1);
	assert_int_equal(rec.len, 8);
	assert_memory_equal(rec.text, "nul\0byte", 8);
	/* the last line has no '\n': handed out at the end when not following */
	expect_lineno(s, "last", 5);
	expect_end(s);
	char cur[128], want[128];
	cursor_of(s, cur, sizeof cur);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	snprintf(want, sizeof want, "F1:%llu:%llu:%zu:", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, sizeof data - 1);
	assert_int_equal(strncmp(cur, want, strlen(want)), 0);
	assert_int_equal(strlen(cur), strlen(want) + 16);
	kw_gsource_close(s);
}

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);
	assert_non_null(s);
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

static void expect_long(kw_gsource *s, char c, size_t len, bool truncated, uint64_t lineno)
{
	kw_grecord rec;
	assert_int_equal(kw_gsource_next(s, &rec, 0), 1);
	assert_int_equal(rec.len, len);
	assert_int_equal(rec.truncated, truncated);
	assert_int_equal(rec.lineno, lineno);
	for (size_t i = 0; i < rec.len; i++)
		if (rec.text[i] != (uint8_t)c)
			fail_msg("byte %zu of line %llu is %d", i, (unsigned long long)lineno, rec.text[i]);
}

static void test_long_lines(void **state)
{
	(void)state;
	const char *p = tpath("long.log");
	const size_t max = KW_GSOURCE_MAX_LINE;
	char *exact = repeat('e', max, "\n");
	char *exact_crlf = repeat('r', max, "\r\n");
	char *over = repeat('o', max + 1, "\n");
	char *huge = repeat('h', (size_t)3 << 20, "\r\n"); /* spans several 1 MiB reads */
	char *tail = repeat('t', max + 5, "");              /* no '\n' at the end */
	put(p, exact);
	add(p, exact_crlf);
	add(p, over);
	add(p, "short\n");
	add(p, huge);
	add(p, "after\n");
	add(p, tail);
	kw_gsource *s = open_file(p, false, false, NULL);
	expect_long(s, 'e', max, false, 1);
	expect_long(s, 'r', max, false, 2); /* the '\r' is not part of the line */
	expect_long(s, 'o', max, true, 3);
	expect_lineno(s, "short", 4);
	expect_long(s, 'h', max, true, 5);
	expect_lineno(s, "after", 6);
	expect_long(s, 't', max, true, 7);
	expect_end(s);
	kw_gsource_close(s);

	/* following: a cut line still being written is held until its '\n' */
	put(p, "x\n");
	s = open_file(p, true, false, NULL);
	expect_line(s, "x", 0);
	write_mode(p, over, max + 1, O_APPEND);
	expect_none(s, 0);
	expect_none(s, 0);
	add(p, "\ny\n"); /* ends the cut line */
	expect_long(s, 'o', max, true, 2);
	expect_lineno(s, "y", 3);
	/* exactly the maximum, its '\n' late: whole, not cut */
	write_mode(p, exact, max, O_APPEND);
	expect_none(s, 0);
	add(p, "\n");
	expect_long(s, 'e', max, false, 4);
	kw_gsource_close(s);
	free(exact);
	free(exact_crlf);
	free(over);
	free(huge);
	free(tail);
}

static void test_many_lines(void **state)
{
	(void)state;
	const char *p = tpath("many.log");
	const unsigned n = 300000;
	char *data = malloc((size_t)n * 40);
	assert_non_null(data);
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(data + len, "line %u %.*s\n", i, (int)(i % 23), "abcdefghijklmnopqrstuvwxyz");
	write_mode(p, data, len, O_TRUNC);
	free(data);
	kw_gsource *s = open_file(p, false, false, NULL);
	kw_grecord rec;
	char want[64];
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(kw_gsource_next(s, &rec, 0), 1);
		int w = snprintf(want, sizeof want, "line %u %.*s", i, (int)(i % 23), "abcdefghijklmnopqrstuvwxyz");
		if (rec.len != (size_t)w || memcmp(rec.text, want, rec.len))
			fail_msg("line %u: \"%.*s\"", i, (int)rec.len, (const char *)rec.text);
		assert_int_equal(rec.lineno, i + 1);
	}
	expect_end(s);
	kw_gsource_close(s);
}

static void test_refusals(void **state)
{
	(void)state;
	kw_gsource *s = NULL;
	char err[256];
	const char *fifo = tpath("fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(kw_gsource_open_file(fifo, false, false, NULL, &s, err, sizeof err), KW_E_NOTREG);
	assert_int_equal(kw_gsource_open_file(fifo, true, false, NULL, &s, err, sizeof err), KW_E_NOTREG);
	assert_non_null(strstr(err, fifo));
	assert_int_equal(kw_gsource_open_file(tmpdir, false, false, NULL, &s, err, sizeof err), KW_E_NOTREG);
	assert_int_equal(kw_gsource_open_file("/dev/null", true, false, NULL, &s, err, sizeof err), KW_E_NOTREG);
	assert_int_equal(kw_gsource_open_file(tpath("missing.log"), false, false, NULL, &s, err, sizeof err),
			 -ENOENT);
	assert_null(s);

	const char *p = tpath("badcursor.log");
	put(p, "a\n");
	static const char *const bad[] = {
		"F2:1:2:3:00", "F1:1:2:3", "F1:1:2:3:xyz", "F1:a:2:3:00", "F1:1:2:3:00:extra", "F1:1:2:3:00:",
		"F1:1:2:-3:00", "F1:1:2:3:00112233445566778", "s=abc;i=1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = NULL;
		assert_int_equal(kw_gsource_open_file(p, false, false, bad[i], &s, err, sizeof err), KW_E_PARSE);
		assert_null(s);
	}
	/* an empty cursor is no cursor */
	s = open_file(p, false, false, "");
	expect_line(s, "a", 0);
	kw_gsource_close(s);
}

static void test_stdin(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "in1\nin2", 7), 7);
	int saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(pfd[0], STDIN_FILENO), STDIN_FILENO);
	close(pfd[0]);
	kw_gsource *s = open_file("-", true, false, NULL); /* stdin is never followed */
	assert_string_equal(kw_gsource_id(s), "stdin");
	expect_line(s, "in1", 1000);
	close(pfd[1]);
	expect_line(s, "in2", 1000);
	expect_end(s);
	kw_gsource_close(s);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

/* ---- following ---- */

static void test_follow_appends(void **state)
{
	(void)state;
	const char *p = tpath("follow.log");
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "a", 0);
	expect_line(s, "b", 0);
	expect_none(s, 0);
	expect_none(s, 50);
	add(p, "c\nd");
	expect_line(s, "c", 0);
	expect_none(s, 0); /* "d" is held: no '\n' yet */
	add(p, "e\n");
	expect_line(s, "de", 0);
	expect_none(s, 0);
	assert_int_equal(stats_of(s).rotations, 0);
	assert_int_equal(stats_of(s).truncations, 0);
	kw_gsource_close(s);
}

struct writer {
	const char *path;
	int delay_ms;
	const char *text;
};

static void *writer_main(void *arg)
{
	const struct writer *w = arg;
	struct timespec d = { .tv_sec = w->delay_ms / 1000, .tv_nsec = (long)(w->delay_ms % 1000) * 1000000 };
	nanosleep(&d, NULL);
	add(w->path, w->text);
	return NULL;
}

static void test_follow_thread(void **state)
{
	(void)state;
	const char *p = tpath("thread.log");
	put(p, "");
	kw_gsource *s = open_file(p, true, true, NULL);
	expect_none(s, 0);
	/* next() waits; another thread appends 300 ms later; inotify wakes us well before
	 * the 10 s timeout */
	struct writer w = { p, 300, "from the thread\n" };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	int64_t t0 = now_ms();
	expect_line(s, "from the thread", 10000);
	int64_t took = now_ms() - t0;
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(took >= 250);
	assert_true(took < 5000);
	/* a bounded wait returns 0 after about its timeout */
	t0 = now_ms();
	expect_none(s, 200);
	took = now_ms() - t0;
	assert_true(took >= 190 && took < 2000);
	kw_gsource_close(s);
}

static void test_follow_from_end(void **state)
{
	(void)state;
	const char *p = tpath("end.log");
	put(p, "old1\nold2\npart");
	kw_gsource *s = open_file(p, true, true, NULL);
	expect_none(s, 0);
	add(p, "ial\nnew\n");
	expect_lineno(s, "partial", 3); /* a line being written when we started is read whole */
	expect_lineno(s, "new", 4);
	kw_gsource_close(s);
}

static void test_rename_create(void **state)
{
	(void)state;
	const char *p = tpath("rot.log");
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "a", 0);
	expect_line(s, "b", 0);
	expect_none(s, 0);
	add(p, "c\n");
	char p1[310];
	snprintf(p1, sizeof p1, "%s.1", p);
	assert_int_equal(rename(p, p1), 0);
	add(p1, "late\nunfinished"); /* the writer still had the old file open */
	expect_line(s, "c", 0);
	expect_line(s, "late", 0);
	expect_none(s, 0); /* renamed, not re-created yet: the partial line is held */
	put(p, "d\ne\n");
	expect_line(s, "unfinished", 3000); /* the old file is over: its last line goes out */
	expect_lineno(s, "d", 1);
	expect_lineno(s, "e", 2);
	expect_none(s, 0);
	assert_int_equal(stats_of(s).rotations, 1);
	add(p, "f\n");
	expect_line(s, "f", 3000);
	kw_gsource_close(s);
}

static void test_copytruncate(void **state)
{
	(void)state;
	const char *p = tpath("ct.log");
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "a", 0);
	expect_line(s, "b", 0);
	char cur[128];
	cursor_of(s, cur, sizeof cur); /* takes the first-line hash */
	add(p, "c\n");
	rotate_copytruncate(p);
	add(p, "d\n");
	expect_line(s, "c", 3000); /* from the copy in PATH.1 */
	expect_line(s, "d", 3000);
	expect_none(s, 0);
	assert_int_equal(stats_of(s).truncations, 1);
	assert_int_equal(stats_of(s).rotations, 0);
	add(p, "e\n");
	expect_lineno(s, "e", 2);
	kw_gsource_close(s);
}

static void test_truncation(void **state)
{
	(void)state;
	const char *p = tpath("trunc.log");
	char p1[310];
	snprintf(p1, sizeof p1, "%s.1", p);
	unlink(p1);
	put(p, "first line\nsecond line\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "first line", 0);
	expect_line(s, "second line", 0);
	assert_int_equal(truncate(p, 0), 0);
	add(p, "x\n");
	expect_lineno(s, "x", 1);
	assert_int_equal(stats_of(s).truncations, 1);

	/* truncated and regrown past the old offset before we looked: the size says nothing,
	 * the first line's hash does (checked at least once a second) */
	put(p, "other first line\nand more text than before, much more\n");
	expect_line(s, "other first line", 3000);
	expect_line(s, "and more text than before, much more", 0);
	assert_int_equal(stats_of(s).truncations, 2);
	kw_gsource_close(s);
}

static void test_absent_then_created(void **state)
{
	(void)state;
	const char *p = tpath("later.log");
	unlink(p);
	kw_gsource *s = open_file(p, true, true, NULL);
	char cur[128];
	cursor_of(s, cur, sizeof cur);
	assert_string_equal(cur, "");
	expect_none(s, 100);
	put(p, "born\n"); /* from_end does not skip a file created after we started */
	expect_line(s, "born", 3000);
	/* deleted, then created again */
	assert_int_equal(unlink(p), 0);
	expect_none(s, 100);
	put(p, "again\n");
	expect_line(s, "again", 3000);
	assert_int_equal(stats_of(s).rotations, 1);
	kw_gsource_close(s);
}

/* ---- cursors ---- */

static void test_cursor_same_file(void **state)
{
	(void)state;
	const char *p = tpath("cur.log");
	put(p, "1\n2\n3\n4\n");
	kw_gsource *s = open_file(p, false, false, NULL);
	expect_line(s, "1", 0);
	expect_line(s, "2", 0);
	char cur[128];
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);

	add(p, "5\n");
	s = open_file(p, true, false, cur);
	expect_lineno(s, "3", 3);
	expect_lineno(s, "4", 4);
	expect_lineno(s, "5", 5);
	expect_none(s, 0);
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);

	/* at the very end: nothing is repeated, new lines come */
	s = open_file(p, true, true, cur);
	expect_none(s, 0);
	add(p, "6\n");
	expect_lineno(s, "6", 6);
	assert_int_equal(stats_of(s).truncations, 0);
	kw_gsource_close(s);
}

static void test_cursor_rotation(void **state)
{
	(void)state;
	const char *p = tpath("currot.log");
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "a", 0);
	expect_line(s, "b", 0);
	char cur[128];
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);

	/* while we are down: more lines, then logrotate's rename + create */
	add(p, "c\n");
	rotate_rename(p, "d\n");
	s = open_file(p, true, false, cur);
	expect_line(s, "c", 0); /* the rest of the old file, now PATH.1 */
	expect_lineno(s, "d", 1);
	expect_none(s, 0);
	assert_int_equal(stats_of(s).rotations, 1);
	kw_gsource_close(s);

	/* the same when not following */
	s = open_file(p, false, false, cur);
	expect_line(s, "c", 0);
	expect_line(s, "d", 0);
	expect_end(s);
	kw_gsource_close(s);

	/* a cursor taken while the old file was being finished names it; resuming from it
	 * finishes it again from there */
	put(p, "1\n2\n3\n");
	s = open_file(p, true, false, NULL);
	expect_line(s, "1", 0);
	rotate_rename(p, "4\n");
	expect_line(s, "2", 0);
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);
	s = open_file(p, true, false, cur);
	expect_line(s, "3", 0);
	expect_line(s, "4", 0);
	expect_none(s, 0);
	kw_gsource_close(s);
}

static void test_cursor_copytruncate(void **state)
{
	(void)state;
	const char *p = tpath("curct.log");
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, true, false, NULL);
	expect_line(s, "a", 0);
	char cur[128];
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);
	add(p, "c\n");
	rotate_copytruncate(p);
	add(p, "d\ne\nf is longer, longer than the old file was\n");
	s = open_file(p, true, false, cur);
	expect_lineno(s, "b", 2);
	expect_lineno(s, "c", 3);
	expect_lineno(s, "d", 1);
	expect_lineno(s, "e", 2);
	expect_lineno(s, "f is longer, longer than the old file was", 3);
	expect_none(s, 0);
	assert_int_equal(stats_of(s).truncations, 1);
	assert_int_equal(stats_of(s).rotations, 0);
	kw_gsource_close(s);
}

static void test_cursor_lost(void **state)
{
	(void)state;
	const char *p = tpath("lost.log");
	char p1[310];
	snprintf(p1, sizeof p1, "%s.1", p);
	put(p, "a\nb\n");
	kw_gsource *s = open_file(p, false, false, NULL);
	expect_line(s, "a", 0);
	char cur[128];
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);

	/* the same inode rewritten with other text and no copy: start at 0, say so */
	put(p, "x\ny\nz\n");
	unlink(p1);
	s = open_file(p, false, false, cur);
	expect_lineno(s, "x", 1);
	assert_int_equal(stats_of(s).truncations, 1);
	kw_gsource_close(s);

	/* rotated twice while down (PATH.1 is not the cursor's file any more) */
	s = open_file(p, false, false, NULL);
	expect_line(s, "x", 0);
	cursor_of(s, cur, sizeof cur);
	kw_gsource_close(s);
	rotate_rename(p, "q\n");
	rotate_rename(p, "r\n");
	s = open_file(p, false, false, cur);
	expect_line(s, "r", 0);
	expect_end(s);
	assert_int_equal(stats_of(s).truncations, 1);
	kw_gsource_close(s);
}

/* A long session against an oracle: every line written is handed out exactly once, in
 * order, across appends in pieces, both rotation styles and restarts from the cursor. */
static void test_random_session(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	print_message("random session seed %u (KW_TEST_SEED to replay)\n", seed);
	srand(seed);
	char p[300], p1[310], rest_path[300];
	snprintf(p, sizeof p, "%s", tpath("session.log"));
	snprintf(p1, sizeof p1, "%s.1", p);
	snprintf(rest_path, sizeof rest_path, "%s", tpath("session.rest"));
	unlink(p1);
	put(p, "");
	unsigned written = 0, seen = 0;
	kw_gsource *s = open_file(p, true, false, NULL);
	char line[KW_GSOURCE_MAX_LINE], cur[128];
	bool partial = false; /* the file ends inside line number `written` */
	for (int step = 0; step < 400; step++) {
		int op = rand() % 10;
		if (op < 5) { /* append a few lines, maybe leaving the last one half written */
			int k = 1 + rand() % 5;
			for (int i = 0; i < k; i++) {
				if (!partial)
					snprintf(line, sizeof line, "line %u %.*s", written++, rand() % 200,
						 "................................................................"
						 "................................................................"
						 "................................................................"
						 "........");
				else
					line[0] = '\0';
				size_t n = strlen(line);
				if (i == k - 1 && !partial && rand() % 3 == 0) {
					size_t cut = (size_t)rand() % (n + 1);
					write_mode(p, line, cut, O_APPEND);
					write_mode(rest_path, line + cut, n - cut, O_TRUNC);
					partial = true;
				} else {
					if (partial) {
						size_t rn;
						uint8_t *rest = kwt_read_file(rest_path, &rn);
						write_mode(p, rest, rn, O_APPEND);
						free(rest);
						partial = false;
					}
					write_mode(p, line, strlen(line), O_APPEND);
					write_mode(p, "\n", 1, O_APPEND);
				}
			}
		} else if (op < 7) { /* read what is there */
			kw_grecord rec;
			int r;
			while ((r = kw_gsource_next(s, &rec, rand() % 4 == 0 ? 30 : 0)) == 1) {
				int w = snprintf(line, sizeof line, "line %u ", seen);
				if (rec.len < (size_t)w || memcmp(rec.text, line, (size_t)w))
					fail_msg("step %d: wanted line %u, got \"%.*s\"", step, seen,
						 (int)rec.len, (const char *)rec.text);
				seen++;
			}
			assert_int_equal(r, 0);
			assert_int_equal(seen, partial ? written - 1 : written);
		} else if (op < 8 && !partial) { /* rotate, after everything was read */
			kw_grecord rec;
			while (kw_gsource_next(s, &rec, 0) == 1)
				seen++;
			assert_int_equal(seen, written);
			if (rand() % 2) {
				rotate_rename(p, "");
			} else {
				/* copytruncate keeps the inode; make it recognisable by content */
				rotate_copytruncate(p);
			}
		} else { /* crash: reopen from the last cursor */
			cursor_of(s, cur, sizeof cur);
			kw_gsource_close(s);
			s = open_file(p, true, false, cur);
		}
	}
	kw_grecord rec;
	if (partial) {
		size_t rn;
		uint8_t *rest = kwt_read_file(rest_path, &rn);
		write_mode(p, rest, rn, O_APPEND);
		write_mode(p, "\n", 1, O_APPEND);
		free(rest);
	}
	while (kw_gsource_next(s, &rec, 200) == 1)
		seen++;
	assert_int_equal(seen, written);
	kw_gsource_close(s);
}

/* ---- journal ---- */

static void test_journal_empty_dir(void **state)
{
	(void)state;
	const char *d = tpath("journal");
	assert_int_equal(mkdir(d, 0755), 0);
	kw_gsource *s = NULL;
	char err[256];
	assert_int_equal(kw_gsource_open_journal(d, false, false, NULL, &s, err, sizeof err), 0);
	char id[300];
	snprintf(id, sizeof id, "journal:%s", d);
	assert_string_equal(kw_gsource_id(s), id);
	expect_end(s);
	char cur[256];
	cursor_of(s, cur, sizeof cur);
	assert_string_equal(cur, "");
	kw_gsource_close(s);

	s = NULL;
	assert_int_equal(kw_gsource_open_journal(d, true, true, NULL, &s, err, sizeof err), 0);
	expect_none(s, 50);
	kw_gsource_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_read),
		cmocka_unit_test(test_crlf_partial_nul),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_follow_appends),
		cmocka_unit_test(test_follow_thread),
		cmocka_unit_test(test_follow_from_end),
		cmocka_unit_test(test_rename_create),
		cmocka_unit_test(test_copytruncate),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_absent_then_created),
		cmocka_unit_test(test_cursor_same_file),
		cmocka_unit_test(test_cursor_rotation),
		cmocka_unit_test(test_cursor_copytruncate),
		cmocka_unit_test(test_cursor_lost),
		cmocka_unit_test(test_random_session),
		cmocka_unit_test(test_journal_empty_dir),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
