/* test_guard_reader.c — parsing on two threads (src/guard/reader.c), on real files.
 *
 *  - the events, line numbers, files and line counts from the reader equal, one for one,
 *    those of a plain single-threaded pass (kw_gsource + kw_grecord_event) over three
 *    files: 60 000 lines made of every line in tests/data/guard/lines.tsv (journalctl
 *    JSON lines among them, whose views the reader must copy), a 20 000-byte line, CRLF
 *    ends and a last line without '\n'; an empty file; a short one. The consumer runs
 *    once flat out and once slowly, so either thread ends up parsing blocks;
 *  - a render function's text, batch by batch, is what the events say;
 *  - a missing second file: the first file's batches come, then an error naming the file;
 *  - closing early, with the worker blocked on a full ring, returns at once;
 *  - a render function that overflows KW_SB_MAX makes kw_greader_next fail with -E2BIG.
 */
#include "guard/reader.h"
#include "guard/line.h"
#include "guard/replay.h"
#include "guard/source.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char tmpdir[64];
static char big[128], empty[128], small[128], missing[128];

/* one event as both sides see it, with its own copies of the strings */
typedef struct rec {
	size_t file;
	uint64_t lineno;
	kw_gevent ev;
	char *user, *host, *method; /* owned copies */
} rec;

typedef struct recs {
	rec *v;
	size_t n, cap;
	uint64_t lines, truncated;
} recs;

static char *copy_view(const kw_buf *v)
{
	char *s = kw_buf_strdup(v);
	assert_non_null(s);
	return s;
}

static void release(recs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].user);
		free(r->v[i].host);
		free(r->v[i].method);
	}
	free(r->v);
}

static void add(recs *r, size_t file, uint64_t lineno, const kw_gevent *ev)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->v = realloc(r->v, r->cap * sizeof *r->v);
		assert_non_null(r->v);
	}
	rec *x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	x->file = file;
	x->lineno = lineno;
	x->ev = *ev;
	x->user = ev->has_user ? copy_view(&ev->user) : strdup("");
	x->host = copy_view(&ev->host);
	x->method = copy_view(&ev->method);
	/* the views themselves differ between the two sides */
	x->ev.user = x->ev.host = x->ev.method = (kw_buf){ 0 };
}

static void assert_same(const recs *a, const recs *b)
{
	assert_int_equal(a->lines, b->lines);
	assert_int_equal(a->truncated, b->truncated);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const rec *x = &a->v[i], *y = &b->v[i];
		if (x->file != y->file || x->lineno != y->lineno || x->ev.kind != y->ev.kind ||
		    x->ev.time_us != y->ev.time_us || x->ev.pid != y->ev.pid || x->ev.proc != y->ev.proc ||
		    !kw_addr_eq(&x->ev.addr, &y->ev.addr) || x->ev.port != y->ev.port ||
		    x->ev.has_user != y->ev.has_user || x->ev.invalid_user != y->ev.invalid_user ||
		    x->ev.preauth != y->ev.preauth || strcmp(x->user, y->user) || strcmp(x->host, y->host) ||
		    strcmp(x->method, y->method))
			fail_msg("event %zu differs: file %zu line %llu kind %s / file %zu line %llu kind %s (user '%s' / '%s')",
				 i, x->file, (unsigned long long)x->lineno, kw_gkind_name(x->ev.kind), y->file,
				 (unsigned long long)y->lineno, kw_gkind_name(y->ev.kind), x->user, y->user);
	}
}

/* The single-threaded pass the reader must agree with. */
static void reference(char **files, size_t n, recs *out)
{
	for (size_t f = 0; f < n; f++) {
		kw_gsource *src = NULL;
		char err[256];
		assert_int_equal(kw_gsource_open_file(files[f], false, false, NULL, &src, err, sizeof err), 0);
		kw_gparser p;
		kw_gparser_init(&p, kw_gsource_ref_time_us(src));
		kw_grecord r;
		kw_gevent ev;
		int rc;
		while ((rc = kw_gsource_next(src, &r, 0)) == 1) {
			out->lines++;
			if (r.truncated)
				out->truncated++;
			if (kw_grecord_event(&p, &r, &ev) == 1)
				add(out, f, r.lineno, &ev);
		}
		assert_int_equal(rc, KW_GSOURCE_END);
		kw_gsource_close(src);
	}
}

static int through_reader(char **files, size_t n, unsigned slow_us, recs *out, char *err, size_t errlen)
{
	kw_greader *rd = NULL;
	assert_int_equal(kw_greader_open(files, n, NULL, NULL, &rd), 0);
	const kw_gbatch *b;
	int rc;
	while ((rc = kw_greader_next(rd, &b)) == 1) {
		assert_null(b->text);
		assert_true(b->file < n);
		out->lines += b->lines;
		out->truncated += b->truncated;
		for (size_t i = 0; i < b->n; i++) {
			/* a user name may be empty (sshd logs "invalid user  from"), its view is
			 * never NULL: the engine copies it */
			if (b->items[i].ev.has_user)
				assert_non_null(b->items[i].ev.user.p);
			add(out, b->file, b->items[i].lineno, &b->items[i].ev);
		}
		if (slow_us) {
			struct timespec ts = { 0, (long)slow_us * 1000 };
			nanosleep(&ts, NULL);
		}
		kw_greader_done(rd);
	}
	snprintf(err, errlen, "%s", kw_greader_error(rd));
	kw_greader_close(rd);
	return rc;
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Column 1 of every row of lines.tsv, as written (escapes stay literal text). */
static char **corpus(size_t *n)
{
	size_t len = 0;
	uint8_t *t = kwt_read_file(KW_TEST_DATA "/guard/lines.tsv", &len);
	char **v = NULL;
	*n = 0;
	for (char *line = strtok((char *)t, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		v = realloc(v, (*n + 1) * sizeof *v);
		assert_non_null(v);
		v[(*n)++] = strdup(line);
	}
	free(t);
	assert_true(*n > 100);
	return v;
}

static int setup(void **state)
{
	(void)state;
	if (kwt_mkdtemp(tmpdir, sizeof tmpdir, "kw-test-reader-") < 0)
		return -1;
	snprintf(big, sizeof big, "%s/big.log", tmpdir);
	snprintf(empty, sizeof empty, "%s/empty.log", tmpdir);
	snprintf(small, sizeof small, "%s/small.log", tmpdir);
	snprintf(missing, sizeof missing, "%s/missing.log", tmpdir);
	size_t nc = 0;
	char **c = corpus(&nc);
	size_t cap = (size_t)64 << 20, len = 0;
	char *text = malloc(cap);
	if (!text)
		return -1;
	for (size_t i = 0; i < 60000; i++) {
		const char *l = c[(i * 7919) % nc];
		size_t ll = strlen(l);
		if (i == 30000) { /* a line far over KW_GSOURCE_MAX_LINE */
			memset(text + len, 'x', 20000);
			len += 20000;
			text[len++] = '\n';
		}
		memcpy(text + len, l, ll);
		len += ll;
		if (i % 11 == 0)
			text[len++] = '\r';
		text[len++] = '\n';
	}
	memcpy(text + len, c[0], strlen(c[0])); /* no final '\n' */
	len += strlen(c[0]);
	write_file(big, text, len);
	write_file(empty, "", 0);
	len = 0;
	for (size_t i = 0; i < nc; i++) {
		memcpy(text + len, c[i], strlen(c[i]));
		len += strlen(c[i]);
		text[len++] = '\n';
	}
	write_file(small, text, len);
	free(text);
	for (size_t i = 0; i < nc; i++)
		free(c[i]);
	free(c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return kwt_rm_tree(tmpdir);
}

static void test_same_events(void **state)
{
	(void)state;
	char *files[] = { big, empty, small };
	recs ref = { 0 };
	reference(files, 3, &ref);
	assert_true(ref.n > 20000);
	assert_int_equal(ref.truncated, 1);
	for (unsigned slow = 0; slow <= 200; slow += 200) {
		recs got = { 0 };
		char err[512];
		assert_int_equal(through_reader(files, 3, slow, &got, err, sizeof err), 0);
		assert_string_equal(err, "");
		assert_same(&ref, &got);
		release(&got);
	}
	release(&ref);
}

static void render_kinds(const kw_gbatch *b, kw_sb *out, const void *ctx)
{
	const char *tag = ctx;
	for (size_t i = 0; i < b->n; i++)
		kw_sb_printf(out, "%s %zu %llu %s\n", tag, b->file, (unsigned long long)b->items[i].lineno,
			     kw_gkind_name(b->items[i].ev.kind));
}

static void test_render(void **state)
{
	(void)state;
	char *files[] = { small, big };
	recs ref = { 0 };
	reference(files, 2, &ref);
	kw_sb want, got;
	kw_sb_init(&want);
	kw_sb_init(&got);
	for (size_t i = 0; i < ref.n; i++)
		kw_sb_printf(&want, "T %zu %llu %s\n", ref.v[i].file, (unsigned long long)ref.v[i].lineno,
			     kw_gkind_name(ref.v[i].ev.kind));
	kw_greader *rd = NULL;
	assert_int_equal(kw_greader_open(files, 2, render_kinds, "T", &rd), 0);
	const kw_gbatch *b;
	int rc;
	size_t batches = 0;
	while ((rc = kw_greader_next(rd, &b)) == 1) {
		assert_non_null(b->text);
		kw_sb_put(&got, b->text->s, b->text->len);
		batches++;
		kw_greader_done(rd);
	}
	assert_int_equal(rc, 0);
	kw_greader_close(rd);
	assert_true(batches > 10);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.s, want.s, want.len);
	kw_sb_release(&want);
	kw_sb_release(&got);
	release(&ref);
}

static void test_missing_file(void **state)
{
	(void)state;
	char *files[] = { small, missing, big };
	recs got = { 0 };
	char err[512];
	int rc = through_reader(files, 3, 0, &got, err, sizeof err);
	assert_true(rc < 0);
	assert_non_null(strstr(err, "missing.log"));
	/* everything of the first file came, nothing of the third */
	recs ref = { 0 };
	reference(files, 1, &ref);
	assert_same(&ref, &got);
	release(&ref);
	release(&got);
}

static void test_close_early(void **state)
{
	(void)state;
	char *files[] = { big, big, big };
	kw_greader *rd = NULL;
	assert_int_equal(kw_greader_open(files, 3, NULL, NULL, &rd), 0);
	const kw_gbatch *b;
	assert_int_equal(kw_greader_next(rd, &b), 1);
	assert_true(b->lines > 0);
	/* let the worker fill the ring and block on it */
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	kw_greader_close(rd); /* holding a batch, not given back: must still return */
}

static void render_huge(const kw_gbatch *b, kw_sb *out, const void *ctx)
{
	(void)ctx;
	static const char chunk[4096];
	for (size_t i = 0; i < b->n && !out->overflow; i++)
		while (!out->overflow)
			kw_sb_put(out, chunk, sizeof chunk);
}

static void test_render_overflow(void **state)
{
	(void)state;
	char *files[] = { small };
	kw_greader *rd = NULL;
	assert_int_equal(kw_greader_open(files, 1, render_huge, NULL, &rd), 0);
	const kw_gbatch *b;
	assert_int_equal(kw_greader_next(rd, &b), -E2BIG);
	assert_non_null(strstr(kw_greader_error(rd), "small.log"));
	kw_greader_close(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_events),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_close_early),
		cmocka_unit_test(test_render_overflow),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
