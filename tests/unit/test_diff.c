/* test_diff.c — kw_diff_unified (src/base/diff.c).
 *
 *  - hand cases with their exact expected text, each also checked against the real
 *    `diff -a -U<n>` (so the expectations are GNU's, not ours): ranges "-0,0", "-3,0",
 *    "-3", merging of hunks whose context touches, "\ No newline at end of file", NUL
 *    bytes, CR, a 1 MiB line, context 0 and UINT_MAX;
 *  - a randomized differential test against `diff -u` and `patch` (seed printed; set
 *    KW_TEST_SEED to replay): our output, used as a patch, must turn a into b with
 *    `patch -F0` and no offset; our script must be a shortest one (LCS by dynamic
 *    programming), never longer than GNU's, with the same numbers of - and + lines when
 *    the lengths agree; where both pick the same lines the texts must be byte-identical;
 *  - line_fn: called for every content line and only for them, its errors returned;
 *  - KW_E_TOOBIG for more than KW_DIFF_MAX_LINES lines, more than KW_DIFF_MAX_EDITS
 *    edits, or an output over KW_SB_MAX, with exact edges, and `out` left as it was on
 *    every error.
 */
#include "base/diff.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/escape.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kw-test-diff-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	return rmdir(tmpdir);
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	if (n && fwrite(p, 1, n, f) != n)
		fail_msg("short write %s", path);
	fclose(f);
}

/* Run a shell command, return its whole stdout (NUL-terminated, not counted). */
static uint8_t *run(const char *cmd, size_t *len, int *status)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		fail_msg("popen %s", cmd);
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int st = pclose(f);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* `diff -a -U<context> --label A --label B a b` on the files in tmpdir. */
static uint8_t *gnu_diff(unsigned context, size_t *len)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "LC_ALL=C diff -a -U%u --label A --label B %s/a %s/b", context, tmpdir, tmpdir);
	int st;
	uint8_t *o = run(cmd, len, &st);
	if (st != 0 && st != 1)
		fail_msg("`%s` failed (status %d): is GNU diff installed?", cmd, st);
	assert_int_equal(st, *len ? 1 : 0);
	return o;
}

static void assert_bytes(const void *got, size_t glen, const void *want, size_t wlen, const char *what)
{
	if (glen != wlen || memcmp(got, want, glen) != 0) {
		char *g = kw_escape_dup(got, glen), *w = kw_escape_dup(want, wlen);
		print_error("%s\n got: %s\nwant: %s\n", what, g ? g : "?", w ? w : "?");
		free(g);
		free(w);
		fail();
	}
}

static int diff_raw(kw_sb *out, const void *a, size_t alen, const void *b, size_t blen, unsigned context)
{
	return kw_diff_unified(out, "A", a, alen, "B", b, blen, context, NULL, NULL);
}

/* ---- hand cases ---- */

#define S(x) x, sizeof(x) - 1

static const struct hand {
	const char *name;
	const char *a;
	size_t alen;
	const char *b;
	size_t blen;
	unsigned context;
	const char *want;
	size_t wlen;
} hands[] = {
	{ "identical", S("a\nb\n"), S("a\nb\n"), 3, S("") },
	{ "both empty", S(""), S(""), 3, S("") },
	{ "one change, context clipped at the start",
	  S("a\nb\nc\nd\ne\nf\ng\nh\n"), S("a\nX\nc\nd\ne\nf\ng\nh\n"), 3,
	  S("--- A\n+++ B\n@@ -1,5 +1,5 @@\n a\n-b\n+X\n c\n d\n e\n") },
	{ "empty a", S(""), S("x\ny\n"), 3, S("--- A\n+++ B\n@@ -0,0 +1,2 @@\n+x\n+y\n") },
	{ "empty b", S("x\ny\n"), S(""), 3, S("--- A\n+++ B\n@@ -1,2 +0,0 @@\n-x\n-y\n") },
	{ "single lines", S("x\n"), S("y\n"), 3, S("--- A\n+++ B\n@@ -1 +1 @@\n-x\n+y\n") },
	{ "empty a, one line", S(""), S("y\n"), 3, S("--- A\n+++ B\n@@ -0,0 +1 @@\n+y\n") },
	{ "only the newline added", S("x"), S("x\n"), 3,
	  S("--- A\n+++ B\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n") },
	{ "only the newline removed", S("a\nx\n"), S("a\nx"), 3,
	  S("--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-x\n+x\n\\ No newline at end of file\n") },
	{ "incomplete last line as context", S("a\nb\nz"), S("a\nc\nz"), 3,
	  S("--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n z\n\\ No newline at end of file\n") },
	{ "empty to incomplete line", S(""), S("q"), 3,
	  S("--- A\n+++ B\n@@ -0,0 +1 @@\n+q\n\\ No newline at end of file\n") },
	{ "a lone newline", S("\n"), S(""), 3, S("--- A\n+++ B\n@@ -1 +0,0 @@\n-\n") },
	{ "context 0: pure insertion and deletion ranges",
	  S("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"), S("1\n2\n3\nnew\n4\n5\n6\n7\n9\n10\n"), 0,
	  S("--- A\n+++ B\n@@ -3,0 +4 @@\n+new\n@@ -8 +8,0 @@\n-8\n") },
	{ "context 0 at the very start", S("x\na\n"), S("a\n"), 0, S("--- A\n+++ B\n@@ -1 +0,0 @@\n-x\n") },
	{ "context 0 insertion before line 1", S("a\n"), S("x\na\n"), 0, S("--- A\n+++ B\n@@ -0,0 +1 @@\n+x\n") },
	/* 6 unchanged lines between two changes: 2*3 context lines touch -> one hunk */
	{ "gap of 6 merges", S("c1\n1\n2\n3\n4\n5\n6\nc2\n"), S("C1\n1\n2\n3\n4\n5\n6\nC2\n"), 3,
	  S("--- A\n+++ B\n@@ -1,8 +1,8 @@\n-c1\n+C1\n 1\n 2\n 3\n 4\n 5\n 6\n-c2\n+C2\n") },
	/* 7 unchanged lines: two hunks */
	{ "gap of 7 splits", S("c1\n1\n2\n3\n4\n5\n6\n7\nc2\n"), S("C1\n1\n2\n3\n4\n5\n6\n7\nC2\n"), 3,
	  S("--- A\n+++ B\n@@ -1,4 +1,4 @@\n-c1\n+C1\n 1\n 2\n 3\n@@ -6,4 +6,4 @@\n 5\n 6\n 7\n-c2\n+C2\n") },
	{ "context 1: gap of 2 merges, gap of 3 splits",
	  S("x\n1\n2\ny\n3\n4\n5\nz\n"), S("X\n1\n2\nY\n3\n4\n5\nZ\n"), 1,
	  S("--- A\n+++ B\n@@ -1,5 +1,5 @@\n-x\n+X\n 1\n 2\n-y\n+Y\n 3\n@@ -7,2 +7,2 @@\n 5\n-z\n+Z\n") },
	{ "huge context: the whole file", S("1\n2\n3\n4\n5\n6\n7\n8\n9\n"), S("1\n2\n3\n4\nfive\n6\n7\n8\n9\n"), UINT_MAX,
	  S("--- A\n+++ B\n@@ -1,9 +1,9 @@\n 1\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n") },
	{ "deletion then insertion order in one change", S("k\na\nb\nk\n"), S("k\nc\nk\n"), 3,
	  S("--- A\n+++ B\n@@ -1,4 +1,3 @@\n k\n-a\n-b\n+c\n k\n") },
	/* the inserted b joins the inserted a (GNU's shift_boundaries), not "-a +b b +a" */
	{ "runs slide together", S("a\nb\n"), S("b\nb\na\n"), 3,
	  S("--- A\n+++ B\n@@ -1,2 +1,3 @@\n-a\n b\n+b\n+a\n") },
	{ "NUL bytes inside lines", S("a\0b\nc\nd\0\n"), S("a\0b\nc\0\nd\0\n"), 3,
	  S("--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\0b\n-c\n+c\0\n d\0\n") },
	{ "CR is content", S("x\r\ny\n"), S("x\ny\n"), 3, S("--- A\n+++ B\n@@ -1,2 +1,2 @@\n-x\r\n+x\n y\n") },
	{ "lone CR and blank lines", S("\r\n\n\n"), S("\n\r\n\n"), 3,
	  S("--- A\n+++ B\n@@ -1,3 +1,3 @@\n-\r\n \n+\r\n \n") },
};

static void test_hand_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hands / sizeof hands[0]; i++) {
		const struct hand *h = &hands[i];
		kw_sb out;
		kw_sb_init(&out);
		assert_int_equal(diff_raw(&out, h->a, h->alen, h->b, h->blen, h->context), 0);
		assert_bytes(out.s, out.len, h->want, h->wlen, h->name);
		kw_sb_release(&out);

		/* the expectation is what GNU diff prints */
		write_file("a", h->a, h->alen);
		write_file("b", h->b, h->blen);
		size_t glen;
		uint8_t *g = gnu_diff(h->context, &glen);
		assert_bytes(g, glen, h->want, h->wlen, h->name);
		free(g);
	}
}

static void test_labels_and_append(void **state)
{
	(void)state;
	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(kw_sb_puts(&out, "before\n"), 0);
	/* identical inputs append nothing */
	assert_int_equal(kw_diff_unified(&out, "x", (const uint8_t *)"q\n", 2, "y", (const uint8_t *)"q\n", 2, 3, NULL, NULL), 0);
	assert_string_equal(out.s, "before\n");
	/* labels are printed as given (the caller escapes them) */
	assert_int_equal(kw_diff_unified(&out, "a/etc/ssh/sshd_config (before)", (const uint8_t *)"q\n", 2,
					 "b/etc/ssh/sshd_config\t(after)", (const uint8_t *)"r\n", 2, 3, NULL, NULL), 0);
	assert_string_equal(out.s, "before\n--- a/etc/ssh/sshd_config (before)\n+++ b/etc/ssh/sshd_config\t(after)\n"
				   "@@ -1 +1 @@\n-q\n+r\n");
	/* NULL inputs of length 0 are empty texts */
	kw_sb_clear(&out);
	assert_int_equal(kw_diff_unified(&out, "A", NULL, 0, "B", (const uint8_t *)"n\n", 2, 3, NULL, NULL), 0);
	assert_string_equal(out.s, "--- A\n+++ B\n@@ -0,0 +1 @@\n+n\n");
	kw_sb_clear(&out);
	assert_int_equal(kw_diff_unified(&out, "A", NULL, 0, "B", NULL, 0, 3, NULL, NULL), 0);
	assert_int_equal(out.len, 0);
	kw_sb_release(&out);
}

static void test_long_lines(void **state)
{
	(void)state;
	size_t n = (size_t)1 << 20;
	char *a = malloc(n + 8), *b = malloc(n + 8), *want = malloc(2 * n + 64);
	if (!a || !b || !want) {
		fail_msg("out of memory");
		return;
	}
	memcpy(a, "x\n", 2);
	memset(a + 2, 'L', n);
	memcpy(a + 2 + n, "\ny\n", 3);
	memcpy(b, a, n + 5);
	b[2 + n / 2] = 'M'; /* one byte differs in the middle of the long line */
	size_t len = n + 5;

	size_t w = 0;
	memcpy(want + w, "--- A\n+++ B\n@@ -1,3 +1,3 @@\n x\n-", 32);
	w += 32;
	memcpy(want + w, a + 2, n);
	w += n;
	memcpy(want + w, "\n+", 2);
	w += 2;
	memcpy(want + w, b + 2, n);
	w += n;
	memcpy(want + w, "\n y\n", 4);
	w += 4;

	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(diff_raw(&out, a, len, b, len, 3), 0);
	assert_bytes(out.s, out.len, want, w, "1 MiB line");
	write_file("a", a, len);
	write_file("b", b, len);
	size_t glen;
	uint8_t *g = gnu_diff(3, &glen);
	assert_bytes(g, glen, want, w, "1 MiB line (GNU)");
	free(g);
	kw_sb_release(&out);
	free(a);
	free(b);
	free(want);
}

/* ---- parsing a unified diff (ours or GNU's) ---- */

struct parsed {
	size_t nhunks, nctx, ndel, nins, nmarkers;
	uint32_t del[256], ins[256]; /* 1-based line numbers in a / in b */
};

static bool parse_num(const uint8_t **p, const uint8_t *end, unsigned long *v)
{
	if (*p >= end || **p < '0' || **p > '9')
		return false;
	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9')
		*v = *v * 10 + (unsigned long)(*(*p)++ - '0');
	return true;
}

/* "-l[,s]" or "+l[,s]": the first line of the range and its length. */
static bool parse_range(const uint8_t **p, const uint8_t *end, char sign, unsigned long *first, unsigned long *count)
{
	if (*p >= end || **p != sign)
		return false;
	(*p)++;
	unsigned long l, s = 1;
	if (!parse_num(p, end, &l))
		return false;
	if (*p < end && **p == ',') {
		(*p)++;
		if (!parse_num(p, end, &s))
			return false;
	}
	*first = s ? l : l + 1; /* an empty range names the line before it */
	*count = s;
	return true;
}

/* Check the structure of a unified diff and collect which lines it deletes and inserts.
 * Fails the test on anything malformed. */
static void parse_unified(const uint8_t *t, size_t n, struct parsed *ps)
{
	memset(ps, 0, sizeof *ps);
	if (n == 0)
		return;
	const uint8_t *p = t, *end = t + n;
	assert_true(n >= 12 && memcmp(p, "--- A\n+++ B\n", 12) == 0);
	p += 12;
	unsigned long next_a = 1, next_b = 1;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		assert_true(end - p > 4 && memcmp(p, "@@ ", 3) == 0);
		p += 3;
		unsigned long fa, ca, fb, cb;
		assert_true(parse_range(&p, nl, '-', &fa, &ca));
		assert_true(p < nl && *p++ == ' ');
		assert_true(parse_range(&p, nl, '+', &fb, &cb));
		assert_true(nl - p == 3 && memcmp(p, " @@", 3) == 0);
		assert_true(fa >= next_a && fb >= next_b); /* hunks in order, never overlapping */
		assert_true(fa - next_a == fb - next_b);    /* unchanged lines between hunks pair up */
		ps->nhunks++;
		p = nl + 1;
		unsigned long la = fa, lb = fb;
		bool prev_content = false;
		while (p < end && (ca || cb || *p == '\\')) {
			nl = memchr(p, '\n', (size_t)(end - p));
			assert_non_null(nl);
			switch (*p) {
			case ' ':
				assert_true(ca && cb);
				ca--, cb--, la++, lb++;
				ps->nctx++;
				break;
			case '-':
				assert_true(ca);
				assert_true(ps->ndel < 256);
				ps->del[ps->ndel++] = (uint32_t)la++;
				ca--;
				break;
			case '+':
				assert_true(cb);
				assert_true(ps->nins < 256);
				ps->ins[ps->nins++] = (uint32_t)lb++;
				cb--;
				break;
			case '\\':
				assert_true(prev_content);
				assert_true(nl - p == 27 && memcmp(p, "\\ No newline at end of file", 27) == 0);
				ps->nmarkers++;
				break;
			default:
				fail_msg("unexpected line in hunk");
			}
			prev_content = *p != '\\';
			p = nl + 1;
		}
		assert_int_equal(ca, 0);
		assert_int_equal(cb, 0);
		next_a = la;
		next_b = lb;
	}
}

/* ---- the randomized differential test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

/* A small alphabet of lines (all with '\n'), so that texts match in many places. */
static const struct { const char *s; size_t n; } alphabet[] = {
	{ S("a\n") }, { S("b\n") }, { S("c\n") }, { S("\n") }, { S("d\r\n") }, { S("e\0f\n") },
	{ S("  indented = yes\n") }, { S("a \n") },
};

struct text {
	char buf[4096];
	size_t len;
	size_t nlines;
	size_t start[64], end[64]; /* line i: buf[start[i], end[i]) including its '\n' */
};

static void text_add(struct text *t, const char *s, size_t n)
{
	assert_true(t->nlines < 64 && t->len + n <= sizeof t->buf);
	t->start[t->nlines] = t->len;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->end[t->nlines++] = t->len;
}

static void random_line(struct text *t, size_t k)
{
	size_t i = rnd_below(k);
	text_add(t, alphabet[i].s, alphabet[i].n);
}

/* Drop the final '\n' sometimes: an incomplete last line (or no line, if it was empty). */
static void maybe_cut(struct text *t)
{
	if (t->len && rnd_below(5) == 0) {
		t->len--;
		if (--t->end[t->nlines - 1] == t->start[t->nlines - 1])
			t->nlines--;
	}
}

static bool line_eq(const struct text *x, size_t i, const struct text *y, size_t j)
{
	size_t n = x->end[i] - x->start[i];
	return n == y->end[j] - y->start[j] && memcmp(x->buf + x->start[i], y->buf + y->start[j], n) == 0;
}

/* Length of a longest common subsequence of lines, by dynamic programming. */
static size_t lcs(const struct text *x, const struct text *y)
{
	static size_t m[65][65];
	for (size_t i = 0; i <= x->nlines; i++)
		for (size_t j = 0; j <= y->nlines; j++) {
			if (!i || !j)
				m[i][j] = 0;
			else if (line_eq(x, i - 1, y, j - 1))
				m[i][j] = m[i - 1][j - 1] + 1;
			else
				m[i][j] = m[i - 1][j] > m[i][j - 1] ? m[i - 1][j] : m[i][j - 1];
		}
	return m[x->nlines][y->nlines];
}

static void random_pair(struct text *a, struct text *b)
{
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	size_t k = 1 + rnd_below(sizeof alphabet / sizeof alphabet[0]);
	size_t na = rnd_below(31);
	for (size_t i = 0; i < na; i++)
		random_line(a, k);
	if (rnd_below(4) == 0) {
		/* an unrelated text */
		size_t nb = rnd_below(31);
		for (size_t i = 0; i < nb; i++)
			random_line(b, k);
	} else {
		/* a few edits of a */
		size_t edits = rnd_below(6);
		for (size_t i = 0; i < na; i++) {
			if (edits && rnd_below(na) < 3) {
				edits--;
				switch (rnd_below(3)) {
				case 0: /* insert */
					random_line(b, k);
					text_add(b, a->buf + a->start[i], a->end[i] - a->start[i]);
					break;
				case 1: /* delete */
					break;
				default: /* replace */
					random_line(b, k);
				}
			} else {
				text_add(b, a->buf + a->start[i], a->end[i] - a->start[i]);
			}
		}
		if (edits && rnd_below(2))
			random_line(b, k);
	}
	maybe_cut(a);
	maybe_cut(b);
}

/* A line_fn that appends the line unchanged and checks what it was given. */
struct fn_check {
	const struct text *a, *b;
	size_t calls;
};

static int fn_copy(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	struct fn_check *c = ctx;
	const char *p = (const char *)line;
	bool in_a = p >= c->a->buf && p + len <= c->a->buf + c->a->len;
	bool in_b = p >= c->b->buf && p + len <= c->b->buf + c->b->len;
	assert_true(in_a || in_b);             /* points into the inputs */
	assert_null(memchr(line, '\n', len));  /* without its newline */
	char sign = out->len ? out->s[out->len - 1] : 0; /* the sign is already there */
	assert_true(sign == ' ' || sign == '-' || sign == '+');
	c->calls++;
	return kw_sb_put(out, line, len);
}

static void test_random_against_gnu(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	print_message("test_diff: seed %llu (KW_TEST_SEED=%llu to replay)\n",
		      (unsigned long long)seed, (unsigned long long)seed);
	rng_state = seed;
	static const unsigned contexts[] = { 0, 1, 2, 3, 3, 3, 5, 100, UINT_MAX };
	size_t same_script = 0, identical_text = 0, runs = 400;
	struct text a, b;
	for (size_t it = 0; it < runs; it++) {
		random_pair(&a, &b);
		unsigned context = contexts[rnd_below(sizeof contexts / sizeof contexts[0])];
		kw_sb out;
		kw_sb_init(&out);
		int r = diff_raw(&out, a.buf, a.len, b.buf, b.len, context);
		if (r != 0)
			fail_msg("seed %llu, pair %zu: returned %d", (unsigned long long)seed, it, r);

		write_file("a", a.buf, a.len);
		write_file("b", b.buf, b.len);
		size_t glen;
		uint8_t *g = gnu_diff(context, &glen);

		struct parsed ours, gnu;
		parse_unified((const uint8_t *)out.s, out.len, &ours);
		parse_unified(g, glen, &gnu);

		size_t common = lcs(&a, &b);
		bool ok = ours.ndel == a.nlines - common && ours.nins == b.nlines - common &&
			  ours.ndel + ours.nins <= gnu.ndel + gnu.nins;
		if (ok && ours.ndel + ours.nins == gnu.ndel + gnu.nins)
			ok = ours.ndel == gnu.ndel && ours.nins == gnu.nins;
		bool same = ok && ours.ndel == gnu.ndel && ours.nins == gnu.nins &&
			    !memcmp(ours.del, gnu.del, ours.ndel * sizeof ours.del[0]) &&
			    !memcmp(ours.ins, gnu.ins, ours.nins * sizeof ours.ins[0]);
		if (same) {
			/* the same script: hunks, ranges and context must be GNU's to the byte */
			same_script++;
			ok = out.len == glen && !memcmp(out.s, g, glen);
		}
		identical_text += out.len == glen && !memcmp(out.s, g, glen);

		/* our output as a patch turns a into b: exact line numbers, no fuzz */
		if (ok && out.len) {
			write_file("p", out.s, out.len);
			char cmd[512];
			snprintf(cmd, sizeof cmd, "LC_ALL=C patch -F0 -o %s/out %s/a %s/p 2>&1", tmpdir, tmpdir, tmpdir);
			size_t plen;
			int st;
			uint8_t *pl = run(cmd, &plen, &st);
			ok = st == 0 && !strstr((char *)pl, "offset") && !strstr((char *)pl, "fuzz") &&
			     !strstr((char *)pl, "FAILED") && !strstr((char *)pl, "malformed");
			if (!ok)
				print_error("patch said: %s\n", (char *)pl);
			free(pl);
			if (ok) {
				char path[128];
				snprintf(path, sizeof path, "%s/out", tmpdir);
				size_t olen;
				uint8_t *o = kwt_read_file(path, &olen);
				ok = olen == b.len && !memcmp(o, b.buf, olen);
				free(o);
			}
		} else if (ok) {
			ok = a.len == b.len && !memcmp(a.buf, b.buf, a.len);
		}

		/* line_fn sees every content line and nothing else */
		if (ok) {
			kw_sb out2;
			kw_sb_init(&out2);
			struct fn_check fc = { &a, &b, 0 };
			ok = kw_diff_unified(&out2, "A", (const uint8_t *)a.buf, a.len, "B", (const uint8_t *)b.buf, b.len,
					     context, fn_copy, &fc) == 0 &&
			     out2.len == out.len && !memcmp(out2.s, out.s, out.len) &&
			     fc.calls == ours.nctx + ours.ndel + ours.nins;
			kw_sb_release(&out2);
		}

		if (!ok) {
			char *ea = kw_escape_dup(a.buf, a.len), *eb = kw_escape_dup(b.buf, b.len);
			char *eo = kw_escape_dup(out.s, out.len), *eg = kw_escape_dup(g, glen);
			print_error("seed %llu, pair %zu, context %u (lcs %zu)\n a: %s\n b: %s\nours: %s\n gnu: %s\n",
				    (unsigned long long)seed, it, context, common, ea, eb, eo, eg);
			free(ea), free(eb), free(eo), free(eg);
			fail_msg("seed %llu: mismatch at pair %zu", (unsigned long long)seed, it);
		}
		free(g);
		kw_sb_release(&out);
	}
	print_message("test_diff: %zu/%zu pairs with GNU's script, %zu/%zu byte-identical to diff -u\n",
		      same_script, runs, identical_text, runs);
	/* most random pairs have one natural shortest script; if we rarely agree with GNU,
	 * the byte-for-byte comparison above tested little */
	assert_true(same_script * 4 >= runs * 3);
}

/* ---- line_fn ---- */

static int fn_bracket(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	(*(size_t *)ctx)++;
	int r = kw_sb_putc(out, '[');
	if (r == 0)
		r = kw_escape_append(out, line, len);
	if (r == 0)
		r = kw_sb_putc(out, ']');
	return r;
}

static void test_line_fn(void **state)
{
	(void)state;
	kw_sb out;
	kw_sb_init(&out);
	size_t calls = 0;
	static const char a[] = "keep\nold \x1b[31m\nkeep2\nend", b[] = "keep\nnew\0x\nkeep2\nEND";
	assert_int_equal(kw_diff_unified(&out, "A", (const uint8_t *)a, sizeof a - 1, "B", (const uint8_t *)b,
					 sizeof b - 1, 3, fn_bracket, &calls), 0);
	assert_string_equal(out.s, "--- A\n+++ B\n@@ -1,4 +1,4 @@\n [keep]\n-[old \\x1b[31m]\n+[new\\x00x]\n [keep2]\n"
				   "-[end]\n\\ No newline at end of file\n+[END]\n\\ No newline at end of file\n");
	assert_int_equal(calls, 6);
	kw_sb_release(&out);
}

static int fn_fail_third(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	if (++*(size_t *)ctx == 3)
		return -EIO;
	return kw_sb_put(out, line, len);
}

static void test_line_fn_error(void **state)
{
	(void)state;
	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(kw_sb_puts(&out, "kept"), 0);
	size_t calls = 0;
	assert_int_equal(kw_diff_unified(&out, "A", (const uint8_t *)"1\n2\n3\n", 6, "B", (const uint8_t *)"1\nx\n3\n", 6,
					 3, fn_fail_third, &calls), -EIO);
	assert_int_equal(calls, 3); /* stopped at the failing call */
	assert_string_equal(out.s, "kept");
	assert_int_equal(out.len, 4);
	kw_sb_release(&out);
}

/* ---- bounds ---- */

static char *lines_text(size_t n, const char *prefix, size_t *len)
{
	char *t = malloc(n * 16 + 1);
	assert_non_null(t);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(t + o, "%s%zu\n", prefix, i);
	*len = o;
	return t;
}

/* Number of lines of s that start with c. */
static size_t count_prefix_lines(const char *s, char c)
{
	size_t n = 0;
	for (const char *p = s; *p;) {
		n += *p == c;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

static void test_toobig_lines(void **state)
{
	(void)state;
	size_t n = KW_DIFF_MAX_LINES;
	char *a = malloc(2 * n + 4), *b = malloc(2 * n + 4);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		memcpy(a + 2 * i, "x\n", 2);
	memcpy(b, a, 2 * n);
	b[2 * n - 2] = 'y'; /* the last of n lines changed */

	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(diff_raw(&out, a, 2 * n, b, 2 * n, 3), 0);
	char want[128];
	snprintf(want, sizeof want, "--- A\n+++ B\n@@ -%zu,4 +%zu,4 @@\n x\n x\n x\n-x\n+y\n", n - 3, n - 3);
	assert_string_equal(out.s, want);

	/* one more line on one side: too big, and out untouched */
	kw_sb_clear(&out);
	assert_int_equal(kw_sb_puts(&out, "pre"), 0);
	memcpy(a + 2 * n, "x\n", 2);
	assert_int_equal(diff_raw(&out, a, 2 * n + 2, b, 2 * n, 3), KW_E_TOOBIG);
	assert_int_equal(diff_raw(&out, b, 2 * n, a, 2 * n + 2, 3), KW_E_TOOBIG);
	/* an incomplete last line is a line too */
	a[2 * n] = 'z';
	assert_int_equal(diff_raw(&out, a, 2 * n + 1, b, 2 * n, 3), KW_E_TOOBIG);
	assert_string_equal(out.s, "pre");
	/* identical texts differ nowhere, whatever their size */
	assert_int_equal(diff_raw(&out, a, 2 * n + 1, a, 2 * n + 1, 3), 0);
	assert_string_equal(out.s, "pre");
	kw_sb_release(&out);
	free(a);
	free(b);
}

static void test_toobig_edits(void **state)
{
	(void)state;
	size_t half = KW_DIFF_MAX_EDITS / 2, alen, blen, clen;
	char *a = lines_text(half, "a", &alen), *b = lines_text(half, "b", &blen);
	char *c = lines_text(half + 1, "a", &clen);

	/* no line in common: half deletions + half insertions = exactly the cap */
	kw_sb out;
	kw_sb_init(&out);
	assert_int_equal(diff_raw(&out, a, alen, b, blen, 3), 0);
	char head[64];
	snprintf(head, sizeof head, "--- A\n+++ B\n@@ -1,%zu +1,%zu @@\n", half, half);
	assert_memory_equal(out.s, head, strlen(head));
	assert_int_equal(count_prefix_lines(out.s, '-'), half + 1); /* with the "--- A" header */
	assert_int_equal(count_prefix_lines(out.s, '+'), half + 1);
	assert_int_equal(count_prefix_lines(out.s, ' '), 0);

	/* one more edit: too big (no line in common: known before any search) */
	kw_sb_clear(&out);
	assert_int_equal(kw_sb_puts(&out, "pre"), 0);
	assert_int_equal(diff_raw(&out, c, clen, b, blen, 3), KW_E_TOOBIG);
	assert_int_equal(diff_raw(&out, b, blen, c, clen, 3), KW_E_TOOBIG);
	assert_string_equal(out.s, "pre");

	/* every line of a is in b, but b is a reversed: a longest common subsequence has one
	 * line, so only the search itself can tell the distance. half+1 lines: exactly the
	 * cap; one extra line in a: one edit more */
	size_t rn = half + 1, rlen, flen;
	char *fw = lines_text(rn, "r", &flen);
	char *rv = malloc(flen + 8), *fw2 = malloc(flen + 8);
	assert_non_null(rv);
	assert_non_null(fw2);
	rlen = 0;
	for (size_t i = rn; i-- > 0;)
		rlen += (size_t)sprintf(rv + rlen, "r%zu\n", i);
	assert_int_equal(rlen, flen);
	kw_sb_clear(&out);
	assert_int_equal(diff_raw(&out, fw, flen, rv, rlen, 3), 0);
	assert_int_equal(count_prefix_lines(out.s, '-'), half + 1);
	assert_int_equal(count_prefix_lines(out.s, '+'), half + 1);
	assert_int_equal(count_prefix_lines(out.s, ' '), 1);
	memcpy(fw2, fw, flen);
	memcpy(fw2 + flen, "extra\n", 6);
	kw_sb_clear(&out);
	assert_int_equal(kw_sb_puts(&out, "pre"), 0);
	assert_int_equal(diff_raw(&out, fw2, flen + 6, rv, rlen, 3), KW_E_TOOBIG);
	assert_int_equal(diff_raw(&out, rv, rlen, fw2, flen + 6, 3), KW_E_TOOBIG);
	assert_string_equal(out.s, "pre");
	free(fw);
	free(fw2);
	free(rv);

	/* pure insertions: the cap exactly, then one more */
	size_t dlen, elen;
	char *d = lines_text(KW_DIFF_MAX_EDITS, "n", &dlen), *e = lines_text(KW_DIFF_MAX_EDITS + 1, "n", &elen);
	kw_sb_clear(&out);
	assert_int_equal(diff_raw(&out, "", 0, d, dlen, 3), 0);
	assert_int_equal(count_prefix_lines(out.s, '+'), KW_DIFF_MAX_EDITS + 1);
	kw_sb_clear(&out);
	assert_int_equal(diff_raw(&out, "", 0, e, elen, 3), KW_E_TOOBIG);
	assert_int_equal(diff_raw(&out, e, elen, "", 0, 3), KW_E_TOOBIG);
	/* the edits spread through a large common text: still counted exactly */
	size_t blen2;
	char *big = lines_text(100000, "k", &blen2);
	char *mixed = malloc(blen2 + elen + 16);
	assert_non_null(mixed);
	/* big with every tenth line dropped: 10000 deletions, within the cap */
	size_t o = 0, lineno = 0;
	for (const char *p = big; p < big + blen2; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(big + blen2 - p));
		if (lineno % 10 != 0) {
			memcpy(mixed + o, p, (size_t)(nl + 1 - p));
			o += (size_t)(nl + 1 - p);
		}
		p = nl + 1;
	}
	kw_sb_clear(&out);
	assert_int_equal(diff_raw(&out, big, blen2, mixed, o, 0), 0);
	assert_int_equal(count_prefix_lines(out.s, '-'), 10000 + 1);
	assert_int_equal(count_prefix_lines(out.s, '+'), 1);
	kw_sb_release(&out);
	free(mixed);
	free(big);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

/* an output that would pass KW_SB_MAX: KW_E_TOOBIG, and out as it was */
static void test_output_cap(void **state)
{
	(void)state;
	kw_sb out;
	kw_sb_init(&out);
	size_t fill = KW_SB_MAX - 39; /* the first diff below is 40 bytes, the second 30 */
	char *pad = malloc(fill);
	assert_non_null(pad);
	memset(pad, '.', fill);
	assert_int_equal(kw_sb_put(&out, pad, fill), 0);
	free(pad);
	assert_int_equal(diff_raw(&out, "1\n2\n3\n", 6, "1\nx\n3\n", 6, 3), KW_E_TOOBIG);
	assert_int_equal(out.len, fill);
	assert_int_equal(out.s[fill], '\0');
	assert_false(out.overflow);
	/* a diff that fits still goes through */
	assert_int_equal(diff_raw(&out, "1\n", 2, "2\n", 2, 3), 0);
	assert_string_equal(out.s + fill, "--- A\n+++ B\n@@ -1 +1 @@\n-1\n+2\n");
	kw_sb_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_cases),
		cmocka_unit_test(test_labels_and_append),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_random_against_gnu),
		cmocka_unit_test(test_line_fn),
		cmocka_unit_test(test_line_fn_error),
		cmocka_unit_test(test_toobig_lines),
		cmocka_unit_test(test_toobig_edits),
		cmocka_unit_test(test_output_cap),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
