/* diff.c — see diff.h.
 *
 * 1. Split both texts into lines (offsets only). A line's identity is its bytes *with* its
 *    '\n', so an incomplete last line never equals a complete one, as in GNU diff.
 * 2. Give every line a class number (equal lines, equal numbers) by a merge sort of the
 *    line indices: O(n log n) comparisons whatever the bytes are, so hostile input cannot
 *    flood a hash table.
 * 3. Myers' O(ND) algorithm in its linear-space form: find the middle snake, recurse on
 *    both halves. No speed heuristics, so the script is always a shortest one. The first
 *    middle-snake search also measures the edit distance and stops as soon as it is known
 *    to be above KW_DIFF_MAX_EDITS. Memory: O(lines) for offsets, classes, change flags
 *    and the two diagonal vectors; recursion depth O(log D).
 * 4. Slide runs of changes by the rule GNU diff uses, so that ambiguous cases usually
 *    read like `diff -u`.
 * 5. Group changes into hunks and print them with GNU diff's conventions (context,
 *    merging, ranges, markers).
 *
 * The rules of 4 and 5 are GNU diff's (function names given where they apply), written
 * afresh here; tests/unit/test_diff.c checks the output against the real `diff -u`.
 */
#include "base/diff.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef ptrdiff_t lin;
#define LIN_MAX PTRDIFF_MAX

/* One side: its text and line offsets. Line i is p[off[i] .. off[i+1]), '\n' included
 * when there is one; only the last line can lack it. */
struct side {
	const uint8_t *p;
	size_t len;
	size_t *off; /* n + 1 entries */
	lin n;
};

static size_t line_span(const struct side *s, lin i) { return s->off[i + 1] - s->off[i]; }
static const uint8_t *line_ptr(const struct side *s, lin i) { return s->p + s->off[i]; }
static bool line_incomplete(const struct side *s, lin i)
{
	size_t n = line_span(s, i);
	return n == 0 || line_ptr(s, i)[n - 1] != '\n';
}

static void side_release(struct side *s) { free(s->off); }

static int split_lines(struct side *s, const uint8_t *p, size_t len)
{
	*s = (struct side){ .p = p, .len = len };
	size_t n = 0;
	for (size_t o = 0; o < len; n++) {
		if (n >= KW_DIFF_MAX_LINES)
			return KW_E_TOOBIG;
		const uint8_t *nl = memchr(p + o, '\n', len - o);
		o = nl ? (size_t)(nl - p) + 1 : len;
	}
	s->off = malloc((n + 1) * sizeof *s->off);
	if (!s->off)
		return -ENOMEM;
	size_t i = 0, o = 0;
	s->off[0] = 0;
	while (o < len) {
		const uint8_t *nl = memchr(p + o, '\n', len - o);
		o = nl ? (size_t)(nl - p) + 1 : len;
		s->off[++i] = o;
	}
	s->n = (lin)n;
	return 0;
}

/* ---- classes ---- */

struct classify {
	const struct side *a, *b;
};

static void line_of(const struct classify *c, uint32_t idx, const uint8_t **p, size_t *n)
{
	const struct side *s = c->a;
	lin i = idx;
	if (i >= c->a->n) {
		s = c->b;
		i -= c->a->n;
	}
	*p = line_ptr(s, i);
	*n = line_span(s, i);
}

/* A total order on lines: length first, then bytes. */
static int line_cmp(const struct classify *c, uint32_t x, uint32_t y)
{
	const uint8_t *px, *py;
	size_t nx, ny;
	line_of(c, x, &px, &nx);
	line_of(c, y, &py, &ny);
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return nx ? memcmp(px, py, nx) : 0;
}

/* Bottom-up merge sort of idx[0..n) (stable; tmp has n entries). */
static void sort_lines(const struct classify *c, uint32_t *idx, uint32_t *tmp, size_t n)
{
	uint32_t *src = idx, *dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = mid + w < n ? mid + w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = line_cmp(c, src[j], src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof *idx);
}

/* cls[0..na) for a's lines, cls[na..na+nb) for b's: equal lines, equal numbers.
 * *pairable is the sum over all distinct lines of min(copies in a, copies in b), an upper
 * bound on the length of a common subsequence. */
static int classify_lines(const struct side *a, const struct side *b, uint32_t *cls, size_t *pairable)
{
	size_t n = (size_t)a->n + (size_t)b->n;
	*pairable = 0;
	if (!n)
		return 0;
	_cleanup_free_ uint32_t *idx = malloc(2 * n * sizeof *idx);
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	struct classify c = { a, b };
	sort_lines(&c, idx, idx + n, n);
	uint32_t k = 0;
	size_t in_a = 0, in_b = 0; /* copies of the current line on each side */
	for (size_t i = 0; i < n; i++) {
		if (i && line_cmp(&c, idx[i - 1], idx[i]) != 0) {
			*pairable += in_a < in_b ? in_a : in_b;
			in_a = in_b = 0;
			k++;
		}
		cls[idx[i]] = k;
		if (idx[i] < (size_t)a->n)
			in_a++;
		else
			in_b++;
	}
	*pairable += in_a < in_b ? in_a : in_b;
	return 0;
}

/* ---- Myers ---- */

struct seq {
	const uint32_t *a, *b; /* class numbers */
	char *cha, *chb;       /* change flags; [-1] and [n] are 0 sentinels */
	lin *fd, *bd;          /* furthest x per diagonal (x - y), indexable in [-nb-1, na+1] */
};

/* Find a point (*xmid, *ymid) on a shortest edit path from a[xoff..xlim) to b[yoff..ylim)
 * that splits its cost in halves: Myers' middle snake (1986, section 4b), searched from
 * the top-left and the bottom-right corner in turns. Diagonals are numbered k = x - y and
 * only those that cross the rectangle are visited. After c rounds, an overlap found by
 * the forward pass means cost 2c-1, one found by the backward pass cost 2c. Both ranges
 * are non-empty and their first and last lines differ (compare() stripped them).
 * Returns KW_E_TOOBIG as soon as the cost is known to be above limit. */
static int middle(const struct seq *s, lin xoff, lin xlim, lin yoff, lin ylim, lin limit,
		  lin *xmid, lin *ymid)
{
	const uint32_t *a = s->a, *b = s->b;
	lin *fwd = s->fd, *bwd = s->bd; /* furthest x reached on each diagonal, each way */
	const lin kmin = xoff - ylim, kmax = xlim - yoff;
	const lin fk0 = xoff - yoff, bk0 = xlim - ylim; /* the corners' diagonals */
	const bool odd = ((fk0 - bk0) & 1) != 0;
	lin flo = fk0, fhi = fk0, blo = bk0, bhi = bk0; /* diagonals reached so far */

	fwd[fk0] = xoff; /* no snake at the corners: the common ends are stripped */
	bwd[bk0] = xlim;
	for (lin c = 1;; c++) {
		if ((odd ? 2 * c - 1 : 2 * c) > limit)
			return KW_E_TOOBIG;

		/* forward: one more edit on every other diagonal, then follow the snake */
		if (flo > kmin)
			fwd[--flo - 1] = -1; /* a sentinel that never wins the comparison below */
		else
			flo++;
		if (fhi < kmax)
			fwd[++fhi + 1] = -1;
		else
			fhi--;
		for (lin k = fhi; k >= flo; k -= 2) {
			/* from diagonal k+1 by an insertion (x stays), or from k-1 by a deletion */
			lin x = fwd[k - 1] < fwd[k + 1] ? fwd[k + 1] : fwd[k - 1] + 1;
			lin y = x - k;
			while (x < xlim && y < ylim && a[x] == b[y])
				x++, y++;
			fwd[k] = x;
			if (odd && blo <= k && k <= bhi && bwd[k] <= x) {
				*xmid = x;
				*ymid = y;
				return 0;
			}
		}

		/* backward: the same from the bottom-right corner, towards smaller x */
		if (blo > kmin)
			bwd[--blo - 1] = LIN_MAX;
		else
			blo++;
		if (bhi < kmax)
			bwd[++bhi + 1] = LIN_MAX;
		else
			bhi--;
		for (lin k = bhi; k >= blo; k -= 2) {
			lin x = bwd[k - 1] < bwd[k + 1] ? bwd[k - 1] : bwd[k + 1] - 1;
			lin y = x - k;
			while (x > xoff && y > yoff && a[x - 1] == b[y - 1])
				x--, y--;
			bwd[k] = x;
			if (!odd && flo <= k && k <= fhi && x <= fwd[k]) {
				*xmid = x;
				*ymid = y;
				return 0;
			}
		}
	}
}

/* Mark a shortest edit script from a[xoff..xlim) to b[yoff..ylim) in cha/chb. The halves
 * of each split cost at most half as much, so the recursion is O(log D) deep. */
static int compare(const struct seq *s, lin xoff, lin xlim, lin yoff, lin ylim, lin limit)
{
	while (xoff < xlim && yoff < ylim && s->a[xoff] == s->b[yoff])
		xoff++, yoff++;
	while (xlim > xoff && ylim > yoff && s->a[xlim - 1] == s->b[ylim - 1])
		xlim--, ylim--;
	if (xoff == xlim || yoff == ylim) {
		if ((xlim - xoff) + (ylim - yoff) > limit)
			return KW_E_TOOBIG;
		for (lin i = xoff; i < xlim; i++)
			s->cha[i] = 1;
		for (lin j = yoff; j < ylim; j++)
			s->chb[j] = 1;
		return 0;
	}
	lin xmid, ymid;
	int r = middle(s, xoff, xlim, yoff, ylim, limit, &xmid, &ymid);
	if (r < 0)
		return r;
	r = compare(s, xoff, xmid, yoff, ymid, limit);
	if (r < 0)
		return r;
	return compare(s, xmid, xlim, ymid, ylim, limit);
}

/* ---- sliding runs of changes ----
 *
 * A run of changed lines can often move up or down over lines equal to the ones it
 * pushes out, giving another script of the same length. GNU diff settles this the same
 * way every time (its shift_boundaries()): move the run up as far as it goes, then down
 * as far as it goes (joining the runs it meets on the way, again and again while it
 * grows), then back up to the lowest place where it ends next to a run of changes on the
 * other side, if there is one. We do the same, so that our hunks read like `diff -u`. */

struct run {
	char *ch;           /* this side's change flags ([-1] and [n] are 0) */
	const char *other;  /* the other side's */
	lin lo, hi;         /* the run: ch[lo..hi) */
	lin j;              /* the other side's unchanged line that pairs with our line hi */
};

/* Line lo-1 joins the run and line hi-1 leaves it; a run above that it now touches joins. */
static void run_up(struct run *r)
{
	r->ch[--r->lo] = 1;
	r->ch[--r->hi] = 0;
	while (r->ch[r->lo - 1])
		r->lo--;
	do
		r->j--;
	while (r->other[r->j]);
}

/* Line lo leaves the run and line hi joins it; a run below that it now touches joins.
 * True if the other side has changes right where the run now ends. */
static bool run_down(struct run *r)
{
	r->ch[r->lo++] = 0;
	r->ch[r->hi++] = 1;
	while (r->ch[r->hi])
		r->hi++;
	bool beside = false;
	for (r->j++; r->other[r->j]; r->j++)
		beside = true;
	return beside;
}

static void slide_runs(char *ch, const char *other, const uint32_t *cls, lin n)
{
	struct run r = { .ch = ch, .other = other, .j = 0 };
	lin i = 0;
	while (i < n) {
		if (!ch[i]) {
			/* an unchanged line pairs with the other side's next unchanged line */
			while (other[r.j])
				r.j++;
			r.j++;
			i++;
			continue;
		}
		r.lo = r.hi = i;
		while (ch[r.hi])
			r.hi++;
		while (other[r.j])
			r.j++;
		lin len, end;
		do {
			len = r.hi - r.lo;
			while (r.lo > 0 && cls[r.lo - 1] == cls[r.hi - 1])
				run_up(&r);
			end = other[r.j - 1] ? r.hi : n; /* n: no place beside the other's changes yet */
			while (r.hi < n && cls[r.lo] == cls[r.hi])
				if (run_down(&r))
					end = r.hi;
		} while (len != r.hi - r.lo);
		while (end < r.hi)
			run_up(&r);
		i = r.hi;
	}
}

/* ---- output ---- */

struct change {
	lin a, da; /* first line of a (0-based) and lines deleted there */
	lin b, db; /* first line of b and lines inserted there */
};

struct out {
	kw_sb *sb;
	kw_diff_line_fn line_fn;
	void *ctx;
};

static int put_line(const struct out *o, char sign, const struct side *s, lin i)
{
	size_t n = line_span(s, i);
	bool incomplete = line_incomplete(s, i);
	if (!incomplete)
		n--;
	int r = kw_sb_putc(o->sb, sign);
	if (r < 0)
		return r;
	r = o->line_fn ? o->line_fn(o->sb, line_ptr(s, i), n, o->ctx)
		       : kw_sb_put(o->sb, line_ptr(s, i), n);
	if (r < 0)
		return r;
	return kw_sb_puts(o->sb, incomplete ? "\n\\ No newline at end of file\n" : "\n");
}

/* GNU's print_unidiff_number_range: lines first..last (0-based, last < first when empty). */
static int put_range(kw_sb *sb, lin first, lin last)
{
	long long ta = (long long)first + 1, tb = (long long)last + 1;
	if (tb < ta)
		return kw_sb_printf(sb, "%lld,0", tb);
	if (tb == ta)
		return kw_sb_printf(sb, "%lld", tb);
	return kw_sb_printf(sb, "%lld,%lld", ta, tb - ta + 1);
}

/* One hunk: changes ch[0..n) (GNU's pr_unidiff_hunk). */
static int put_hunk(const struct out *o, const struct side *a, const struct side *b,
		    const struct change *ch, size_t n, lin context)
{
	lin first0 = ch[0].a, first1 = ch[0].b;
	lin last0 = ch[n - 1].a + ch[n - 1].da - 1, last1 = ch[n - 1].b + ch[n - 1].db - 1;
	first0 = first0 - context > 0 ? first0 - context : 0;
	first1 = first1 - context > 0 ? first1 - context : 0;
	last0 = last0 < a->n - context ? last0 + context : a->n - 1;
	last1 = last1 < b->n - context ? last1 + context : b->n - 1;

	int r = kw_sb_puts(o->sb, "@@ -");
	if (r == 0)
		r = put_range(o->sb, first0, last0);
	if (r == 0)
		r = kw_sb_puts(o->sb, " +");
	if (r == 0)
		r = put_range(o->sb, first1, last1);
	if (r == 0)
		r = kw_sb_puts(o->sb, " @@\n");
	size_t k = 0;
	lin i = first0, j = first1;
	while (r == 0 && (i <= last0 || j <= last1)) {
		if (k == n || i < ch[k].a) {
			r = put_line(o, ' ', a, i++);
			j++;
			continue;
		}
		for (lin m = 0; r == 0 && m < ch[k].da; m++)
			r = put_line(o, '-', a, i++);
		for (lin m = 0; r == 0 && m < ch[k].db; m++)
			r = put_line(o, '+', b, j++);
		k++;
	}
	return r;
}

/* The changes in order: each a place where lines of a are deleted, lines of b inserted,
 * or both. Fills ch (when not NULL) and returns the count. */
static size_t collect_changes(const char *cha, const char *chb, lin na, lin nb, struct change *ch)
{
	size_t n = 0;
	for (lin i = 0, j = 0; i < na || j < nb;) {
		if (!cha[i] && !chb[j]) {
			i++, j++; /* an unchanged line on each side, paired */
			continue;
		}
		struct change c = { .a = i, .b = j };
		while (cha[i])
			i++;
		while (chb[j])
			j++;
		c.da = i - c.a;
		c.db = j - c.b;
		if (ch)
			ch[n] = c;
		n++;
	}
	return n;
}

static int put_diff(const struct out *o, const char *a_label, const char *b_label,
		    const struct side *a, const struct side *b, const char *cha, const char *chb,
		    unsigned context)
{
	size_t nch = collect_changes(cha, chb, a->n, b->n, NULL);
	if (!nch)
		return 0;
	_cleanup_free_ struct change *ch = malloc(nch * sizeof *ch);
	if (!ch)
		return -ENOMEM;
	collect_changes(cha, chb, a->n, b->n, ch);

	/* context beyond both files changes nothing; clamp it so the sums below stay small */
	lin ctx = (lin)a->n + b->n + 1;
	if ((unsigned long long)context < (unsigned long long)ctx)
		ctx = (lin)context;

	int r = kw_sb_printf(o->sb, "--- %s\n+++ %s\n", a_label ? a_label : "", b_label ? b_label : "");
	for (size_t h = 0; r == 0 && h < nch;) {
		/* GNU's find_hunk: the next change joins while fewer than 2*context+1 unchanged
		 * lines separate it from this one */
		size_t e = h + 1;
		while (e < nch && ch[e].a - (ch[e - 1].a + ch[e - 1].da) < 2 * ctx + 1)
			e++;
		r = put_hunk(o, a, b, ch + h, e - h, ctx);
		h = e;
	}
	return r;
}

int kw_diff_unified(kw_sb *out, const char *a_label, const uint8_t *a, size_t alen,
		    const char *b_label, const uint8_t *b, size_t blen, unsigned context,
		    kw_diff_line_fn line_fn, void *ctx)
{
	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;

	_cleanup_(side_release) struct side sa = { 0 }, sb = { 0 };
	int r = split_lines(&sa, a, alen);
	if (r == 0)
		r = split_lines(&sb, b, blen);
	if (r < 0)
		return r;
	lin na = sa.n, nb = sb.n;
	/* every line beyond the shorter side is one edit at least */
	if ((na > nb ? na - nb : nb - na) > KW_DIFF_MAX_EDITS)
		return KW_E_TOOBIG;

	size_t lines = (size_t)na + (size_t)nb;
	_cleanup_free_ uint32_t *cls = malloc((lines + 1) * sizeof *cls);
	_cleanup_free_ char *flags = calloc(lines + 4, 1);
	_cleanup_free_ lin *diag = malloc(2 * (lines + 3) * sizeof *diag);
	if (!cls || !flags || !diag)
		return -ENOMEM;
	size_t pairable;
	r = classify_lines(&sa, &sb, cls, &pairable);
	if (r < 0)
		return r;
	/* every line of either side that cannot be paired is an edit: a quick way out for
	 * texts that were rewritten, before the search spends O(D^2) proving it */
	if (lines - 2 * pairable > KW_DIFF_MAX_EDITS)
		return KW_E_TOOBIG;

	struct seq s = {
		.a = cls,
		.b = cls + na,
		.cha = flags + 1,           /* flags[0] and flags[na + 1]: sentinels */
		.chb = flags + na + 3,      /* flags[na + 2] and flags[lines + 3]: sentinels */
		.fd = diag + nb + 1,        /* diagonals -nb-1 .. na+1 */
		.bd = diag + (lines + 3) + nb + 1,
	};
	r = compare(&s, 0, na, 0, nb, KW_DIFF_MAX_EDITS);
	if (r < 0)
		return r;
	slide_runs(s.cha, s.chb, s.a, na);
	slide_runs(s.chb, s.cha, s.b, nb);

	size_t len0 = out->len;
	bool overflow0 = out->overflow;
	struct out o = { out, line_fn, ctx };
	r = put_diff(&o, a_label, b_label, &sa, &sb, s.cha, s.chb, context);
	if (r < 0) {
		/* leave out as it was */
		out->len = len0;
		if (out->cap)
			out->s[len0] = '\0';
		out->overflow = overflow0;
	}
	return r;
}
