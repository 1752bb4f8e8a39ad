/* fuzz_diff.c — libFuzzer harness for kw_diff_unified (src/base/diff.c).
 *
 * The input splits at its first 0xFF byte into a and b (no 0xFF: b is empty). Properties
 * checked on every input:
 *  - the result is 0 or KW_E_TOOBIG, and on KW_E_TOOBIG the output is untouched;
 *  - with an escaping line_fn (kw_escape_append) the output has no control byte but '\n',
 *    and starts with the "--- A" / "+++ B" header unless a == b (then it is empty);
 *  - without line_fn the output is a well-formed unified diff (hunk counts match their
 *    lines, hunks in order) that, applied to a by the small applier below, gives b
 *    exactly, "\ No newline at end of file" markers included;
 *  - the script is a shortest one: for texts of up to 300 lines, as many '-' and '+'
 *    lines as a longest common subsequence (dynamic programming) leaves;
 *  - both calls agree: same result, and the same number of lines.
 */
#include "base/buf.h"
#include "base/diff.h"
#include "base/err.h"
#include "base/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int escape_line(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	(*(size_t *)ctx)++;
	return kw_escape_append(out, line, len);
}

/* A cursor over lines: [p, p + len) is the line without '\n'; nl says it had one. */
struct cur {
	const uint8_t *s, *end;
};

static bool next_line(struct cur *c, const uint8_t **p, size_t *len, bool *nl)
{
	if (c->s >= c->end)
		return false;
	const uint8_t *e = memchr(c->s, '\n', (size_t)(c->end - c->s));
	*p = c->s;
	*len = (size_t)((e ? e : c->end) - c->s);
	*nl = e != NULL;
	c->s = e ? e + 1 : c->end;
	return true;
}

static bool peek_marker(const struct cur *d)
{
	static const char m[] = "\\ No newline at end of file\n";
	return (size_t)(d->end - d->s) >= sizeof m - 1 && memcmp(d->s, m, sizeof m - 1) == 0;
}

static unsigned long num(const uint8_t **p, const uint8_t *end)
{
	if (*p >= end || **p < '0' || **p > '9')
		abort();
	unsigned long v = 0;
	while (*p < end && **p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned long)(**p - '0');
		if (v > 100000000)
			abort();
		(*p)++;
	}
	return v;
}

static void range(const uint8_t **p, const uint8_t *end, char sign, unsigned long *first, unsigned long *count)
{
	if (*p >= end || **p != sign)
		abort();
	(*p)++;
	unsigned long l = num(p, end), s = 1;
	if (*p < end && **p == ',') {
		(*p)++;
		s = num(p, end);
		if (s == 1)
			abort(); /* GNU writes a single line as "l", never "l,1" */
	}
	*first = s ? l : l + 1;
	*count = s;
}

struct counts {
	size_t content, del, ins;
};

/* Lines of t (each with its '\n' if it has one), at most max; false if more. */
static bool split(const uint8_t *t, size_t len, const uint8_t **p, size_t *n, size_t max, size_t *count)
{
	size_t k = 0;
	for (size_t o = 0; o < len; k++) {
		if (k == max)
			return false;
		const uint8_t *e = memchr(t + o, '\n', len - o);
		size_t end = e ? (size_t)(e - t) + 1 : len;
		p[k] = t + o;
		n[k] = end - o;
		o = end;
	}
	*count = k;
	return true;
}

#define LCS_MAX 300

/* Length of a longest common subsequence of the lines of a and b, or SIZE_MAX when
 * either has more than LCS_MAX lines. */
static size_t lcs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	static const uint8_t *pa[LCS_MAX], *pb[LCS_MAX];
	static size_t la[LCS_MAX], lb[LCS_MAX], row[2][LCS_MAX + 1];
	size_t na, nb;
	if (!split(a, alen, pa, la, LCS_MAX, &na) || !split(b, blen, pb, lb, LCS_MAX, &nb))
		return SIZE_MAX;
	memset(row, 0, sizeof row);
	for (size_t i = 1; i <= na; i++) {
		size_t *cur = row[i & 1], *prev = row[(i - 1) & 1];
		cur[0] = 0;
		for (size_t j = 1; j <= nb; j++) {
			if (la[i - 1] == lb[j - 1] && memcmp(pa[i - 1], pb[j - 1], la[i - 1]) == 0)
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		}
	}
	return row[na & 1][nb];
}

static size_t count_text_lines(const uint8_t *t, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		k += t[i] == '\n';
	return k + (len && t[len - 1] != '\n');
}

/* Apply the unified diff d to a; compare with b. Aborts on anything malformed. Returns
 * the numbers of content lines (' ', '-', '+'), of '-' and of '+' lines in d. */
static struct counts check_patch(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const char *d, size_t dlen,
				 size_t context)
{
	const size_t a_total = count_text_lines(a, alen);
	kw_sb res;
	kw_sb_init(&res);
	struct cur ca = { a, a + alen }, cd = { (const uint8_t *)d, (const uint8_t *)d + dlen };
	const uint8_t *lp, *dp;
	size_t ll, dl;
	bool lnl, dnl;
	unsigned long aline = 1, bline = 1; /* numbers of the next lines of a and b */
	struct counts k = { 0, 0, 0 };

	if (dlen < 12 || memcmp(d, "--- A\n+++ B\n", 12) != 0)
		abort();
	cd.s += 12;
	while (next_line(&cd, &dp, &dl, &dnl)) {
		if (!dnl || dl < 4 || memcmp(dp, "@@ ", 3) != 0)
			abort();
		const uint8_t *p = dp + 3, *e = dp + dl;
		unsigned long fa, na, fb, nb;
		range(&p, e, '-', &fa, &na);
		if (p >= e || *p++ != ' ')
			abort();
		range(&p, e, '+', &fb, &nb);
		if (e - p != 3 || memcmp(p, " @@", 3) != 0)
			abort();
		if (fa < aline || (fa == aline && aline > 1))
			abort(); /* hunks overlap, touch or go backwards */
		for (; aline < fa; aline++) {
			if (!next_line(&ca, &lp, &ll, &lnl))
				abort();
			if (kw_sb_put(&res, lp, ll) < 0 || (lnl && kw_sb_putc(&res, '\n') < 0))
				abort();
			bline++;
		}
		if (fb != bline)
			abort(); /* the +range does not start where b is */
		/* GNU's hunk shape: `context` unchanged lines around the changes (fewer only at
		 * the ends of a), at most 2*context between two changes (more starts a hunk) */
		size_t run = 0, leading = 0;
		unsigned long after_change = 0; /* number of the line of a after the last change */
		bool changed = false;
		while (na || nb) {
			if (!next_line(&cd, &dp, &dl, &dnl) || !dnl || dl == 0)
				abort();
			bool marker = peek_marker(&cd);
			if (marker)
				cd.s += 28;
			k.content++;
			char sign = (char)dp[0];
			if (sign == ' ') {
				run++;
			} else {
				if (!changed)
					leading = run;
				else if (run > 2 * context)
					abort();
				run = 0;
				changed = true;
			}
			if (sign == ' ' || sign == '-') {
				if (!na || (sign == ' ' && !nb))
					abort();
				/* the line of a it stands for, with the same bytes and ending */
				if (!next_line(&ca, &lp, &ll, &lnl) || ll != dl - 1 || memcmp(lp, dp + 1, ll) != 0 ||
				    lnl == marker)
					abort();
				aline++;
				na--;
				k.del += sign == '-';
				if (sign == ' ') {
					nb--;
					bline++;
					if (kw_sb_put(&res, lp, ll) < 0 || (lnl && kw_sb_putc(&res, '\n') < 0))
						abort();
				}
			} else if (sign == '+') {
				if (!nb)
					abort();
				nb--;
				bline++;
				k.ins++;
				if (kw_sb_put(&res, dp + 1, dl - 1) < 0 || (!marker && kw_sb_putc(&res, '\n') < 0))
					abort();
			} else {
				abort();
			}
			if (sign != ' ')
				after_change = aline;
		}
		if (!changed)
			abort();
		size_t before = fa + leading - 1, after = a_total - (after_change - 1);
		if (leading != (before < context ? before : context) || run != (after < context ? after : context))
			abort();
	}
	while (next_line(&ca, &lp, &ll, &lnl))
		if (kw_sb_put(&res, lp, ll) < 0 || (lnl && kw_sb_putc(&res, '\n') < 0))
			abort();
	if (res.len != blen || (blen && memcmp(res.s, b, blen) != 0))
		abort();
	kw_sb_release(&res);
	return k;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 131072)
		return 0;
	const uint8_t *sep = memchr(data, 0xFF, size);
	const uint8_t *a = data, *b = sep ? sep + 1 : data + size;
	size_t alen = sep ? (size_t)(sep - data) : size, blen = sep ? size - alen - 1 : 0;
	bool same = alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
	static const unsigned contexts[] = { 3, 0, 1, 3, 2, 5, 3 };
	unsigned context = contexts[size % 7];

	kw_sb esc, raw;
	kw_sb_init(&esc);
	kw_sb_init(&raw);
	size_t calls = 0;
	if (kw_sb_puts(&esc, "x") < 0)
		return 0;
	int r = kw_diff_unified(&esc, "A", a, alen, "B", b, blen, context, escape_line, &calls);
	if (r != 0 && r != KW_E_TOOBIG && r != -ENOMEM)
		abort();
	if (r == KW_E_TOOBIG && (esc.len != 1 || strcmp(esc.s, "x") != 0))
		abort();
	if (r == 0) {
		if (same != (esc.len == 1))
			abort();
		if (!same && memcmp(esc.s, "x--- A\n+++ B\n@@ -", 17) != 0)
			abort();
		for (size_t i = 0; i < esc.len; i++) {
			unsigned char c = (unsigned char)esc.s[i];
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				abort();
		}
	}

	int r2 = kw_diff_unified(&raw, "A", a, alen, "B", b, blen, context, NULL, NULL);
	if (r2 != 0 && r2 != KW_E_TOOBIG && r2 != -ENOMEM)
		abort();
	if (r == 0 && r2 == 0) {
		/* the same lines either way: escaping never adds a '\n' */
		if (count_lines(esc.s, esc.len) != count_lines(raw.s, raw.len))
			abort();
		if (same) {
			if (raw.len != 0 || calls != 0)
				abort();
		} else {
			struct counts k = check_patch(a, alen, b, blen, raw.s, raw.len, context);
			/* line_fn saw every content line, and nothing else */
			if (calls != k.content)
				abort();
			size_t common = lcs(a, alen, b, blen);
			if (common != SIZE_MAX && (k.del != count_text_lines(a, alen) - common ||
						   k.ins != count_text_lines(b, blen) - common))
				abort();
		}
	} else if (r != r2 && r != -ENOMEM && r2 != -ENOMEM) {
		abort();
	}
	kw_sb_release(&esc);
	kw_sb_release(&raw);
	return 0;
}
