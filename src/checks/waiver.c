/* waiver.c — accepted findings: parse waiver files and --waive arguments, and mark the
 * findings they cover.
 *
 * Owner: report/finding-model engineer. A kw_waivers owns every string of every waiver.
 * Format (docs/profiles.md), one waiver per line, '#' comment lines and blank lines
 * ignored:
 *
 *   ID  [TARGET-GLOB]  expires=YYYY-MM-DD  reason=free text to the end of the line
 *
 * expires= and reason= are both required in a file (a waiver nobody has to revisit is
 * a finding switched off for good: that is what `disable` in a profile is for). The date
 * must be a real calendar date. The glob is one blank-free token matched with
 * fnmatch(glob, target, 0). Waiver files are parsed like any hostile bytes: line and
 * field caps, NUL bytes refused, no numbers without range checks.
 *
 * Applying: a finding is waived by the first waiver that is not expired (expires >=
 * today) whose id is equal and whose glob matches. Every waiver that matches a finding
 * gets used = true, expired or not, so the report can say "expired, and still matches".
 */
#include "base/vec.h"
#include "checks/profile.h"
#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIVER_MAX 10000
#define WAIVER_MAX_LINE 4096
#define WAIVER_ID_MAX 128
#define WAIVER_GLOB_MAX 1024
#define WAIVER_SHOW_MAX 64

static void waiver_release(kw_waiver *w)
{
	free(w->id);
	free(w->glob);
	free(w->reason);
	free(w->expires);
	free(w->source);
	*w = (kw_waiver){ 0 };
}

void kw_waivers_release(kw_waivers *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		waiver_release(&w->v[i]);
	free(w->v);
	*w = (kw_waivers){ 0 };
}

/* Takes ownership of *nw on success; on failure the caller still owns it. */
static int waivers_push(kw_waivers *w, kw_waiver *nw)
{
	if (w->n >= WAIVER_MAX)
		return KW_E_TOOBIG;
	if (KW_VEC_RESERVE(w->v, w->n, w->cap) < 0)
		return -ENOMEM;
	w->v[w->n++] = *nw;
	*nw = (kw_waiver){ 0 };
	return 0;
}

static bool valid_id(const uint8_t *s, size_t n)
{
	if (n == 0 || n > WAIVER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* A glob is any run of printable, non-blank bytes (UTF-8 allowed), at most GLOB_MAX. */
static bool valid_glob(const uint8_t *s, size_t n)
{
	if (n == 0 || n > WAIVER_GLOB_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] == 0x7f)
			return false;
	return true;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD", a real date of the Gregorian calendar, years 0001 to 9999. */
static bool valid_date(const uint8_t *s, size_t n)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	unsigned y = (unsigned)(s[0] - '0') * 1000 + (unsigned)(s[1] - '0') * 100 +
		     (unsigned)(s[2] - '0') * 10 + (unsigned)(s[3] - '0');
	unsigned m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	unsigned d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (y == 0 || m < 1 || m > 12 || d < 1)
		return false;
	unsigned max = mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
	return d <= max;
}

static char *show(const uint8_t *s, size_t n)
{
	kw_sb sb;
	kw_sb_init(&sb);
	if (kw_escape_append(&sb, s, n > WAIVER_SHOW_MAX ? WAIVER_SHOW_MAX : n) < 0 ||
	    (n > WAIVER_SHOW_MAX && kw_sb_puts(&sb, "...") < 0)) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}
#define SHOW(s) ((s) ? (s) : "?")

/* Parse one non-comment line into *nw. Returns 0, KW_E_USAGE (diag added) or -ENOMEM. */
static int parse_line(kw_waiver *nw, const char *file, unsigned line, kw_buf l, kw_diags *d)
{
#define BAD(...) do { \
		if (kw_diags_add(d, file, line, KW_E_USAGE, __VA_ARGS__) < 0) \
			return -ENOMEM; \
		return KW_E_USAGE; \
	} while (0)
	kw_buf id, tok;
	if (!kw_buf_token(&l, &id))
		return 0; /* not reached: blank lines are skipped by the caller */
	_cleanup_free_ char *sid = show(kw_buf_cur(&id), kw_buf_left(&id));
	if (!valid_id(kw_buf_cur(&id), kw_buf_left(&id)))
		BAD("%s is not a check id (lower-case letters, digits, '.', '-')", SHOW(sid));

	kw_buf glob = { 0 }, expires = { 0 }, reason = { 0 };
	bool have_glob = false, have_expires = false, have_reason = false;
	while (!have_reason && kw_buf_token(&l, &tok)) {
		_cleanup_free_ char *st = show(kw_buf_cur(&tok), kw_buf_left(&tok));
		if (kw_buf_starts_with(&tok, "reason=")) {
			/* the reason is the rest of the line, blanks and all */
			kw_buf r = kw_buf_view(kw_buf_cur(&tok) + 7, kw_buf_left(&l) + kw_buf_left(&tok) - 7);
			reason = kw_buf_trim(r);
			if (kw_buf_left(&reason) == 0)
				BAD("%s: reason= is empty", SHOW(sid));
			have_reason = true;
		} else if (kw_buf_starts_with(&tok, "expires=")) {
			if (have_expires)
				BAD("%s: expires= given twice", SHOW(sid));
			expires = kw_buf_view(kw_buf_cur(&tok) + 8, kw_buf_left(&tok) - 8);
			if (!valid_date(kw_buf_cur(&expires), kw_buf_left(&expires)))
				BAD("%s: %s is not a date YYYY-MM-DD that exists", SHOW(sid), SHOW(st));
			have_expires = true;
		} else if (!have_glob && !have_expires) {
			if (!valid_glob(kw_buf_cur(&tok), kw_buf_left(&tok)))
				BAD("%s: target glob %s is not valid", SHOW(sid), SHOW(st));
			glob = tok;
			have_glob = true;
		} else {
			BAD("%s: unexpected %s (expected expires=YYYY-MM-DD reason=TEXT)", SHOW(sid), SHOW(st));
		}
	}
	if (!have_expires)
		BAD("%s: missing expires=YYYY-MM-DD", SHOW(sid));
	if (!have_reason)
		BAD("%s: missing reason=TEXT", SHOW(sid));
#undef BAD

	*nw = (kw_waiver){ 0 };
	nw->id = kw_buf_strdup(&id);
	nw->glob = have_glob ? kw_buf_strdup(&glob) : strdup("*");
	nw->expires = kw_buf_strdup(&expires);
	nw->reason = kw_buf_strdup(&reason);
	if (asprintf(&nw->source, "%s:%u", file, line) < 0)
		nw->source = NULL;
	if (!nw->id || !nw->glob || !nw->expires || !nw->reason || !nw->source) {
		waiver_release(nw);
		return -ENOMEM;
	}
	return 0;
}

int kw_waivers_parse(kw_waivers *w, const char *file, const char *text, size_t len, kw_diags *d)
{
	if (!file)
		file = "waivers";
	kw_buf all = kw_buf_view(text ? text : "", text ? len : 0), l;
	unsigned lineno = 0;
	bool trunc;
	int err = 0;
	while (kw_buf_line(&all, &l, WAIVER_MAX_LINE, &trunc)) {
		lineno++;
		if (trunc) {
			if (kw_diags_add(d, file, lineno, KW_E_USAGE, "line longer than %d bytes",
					 WAIVER_MAX_LINE) < 0)
				return -ENOMEM;
			err = KW_E_USAGE;
			continue;
		}
		if (kw_buf_has_nul(&l)) {
			if (kw_diags_add(d, file, lineno, KW_E_USAGE, "line contains a NUL byte") < 0)
				return -ENOMEM;
			err = KW_E_USAGE;
			continue;
		}
		if (lineno == 1 && kw_buf_starts_with(&l, "\xef\xbb\xbf"))
			l.off += 3;
		l = kw_buf_trim(l);
		if (kw_buf_left(&l) == 0 || kw_buf_cur(&l)[0] == '#')
			continue;
		kw_waiver nw;
		int r = parse_line(&nw, file, lineno, l, d);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			err = r;
			continue;
		}
		r = waivers_push(w, &nw);
		if (r < 0) {
			waiver_release(&nw);
			if (r == -ENOMEM)
				return r;
			if (kw_diags_add(d, file, lineno, r, "more than %d waivers", WAIVER_MAX) < 0)
				return -ENOMEM;
			return r;
		}
	}
	return err;
}

int kw_waivers_add_arg(kw_waivers *w, const char *arg)
{
	if (!arg)
		return KW_E_USAGE;
	const char *colon = strchr(arg, ':');
	size_t idlen = colon ? (size_t)(colon - arg) : strlen(arg);
	if (!valid_id((const uint8_t *)arg, idlen))
		return KW_E_USAGE;
	const char *g = colon ? colon + 1 : "*";
	if (!*g)
		g = "*";
	if (!valid_glob((const uint8_t *)g, strlen(g)))
		return KW_E_USAGE;
	kw_waiver nw = {
		.id = strndup(arg, idlen),
		.glob = strdup(g),
		.reason = strdup("command line"),
		.source = strdup("command line"),
	};
	int r = -ENOMEM;
	if (nw.id && nw.glob && nw.reason && nw.source)
		r = waivers_push(w, &nw);
	if (r < 0)
		waiver_release(&nw);
	return r;
}

void kw_waivers_apply(kw_waivers *w, kw_findings *fs, const char *today)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		w->v[i].expired = w->v[i].expires && today && strcmp(w->v[i].expires, today) < 0;
	if (!fs)
		return;
	for (size_t j = 0; j < fs->n; j++) {
		kw_finding *f = &fs->v[j];
		if (!f->check || !f->check->id)
			continue;
		for (size_t i = 0; i < w->n; i++) {
			kw_waiver *wv = &w->v[i];
			if (strcmp(wv->id, f->check->id) ||
			    fnmatch(wv->glob, f->target ? f->target : "", 0) != 0)
				continue;
			wv->used = true;
			if (wv->expired || f->waived)
				continue;
			f->waived = true;
			free(f->waiver_reason);
			free(f->waiver_expires);
			f->waiver_reason = wv->reason ? strdup(wv->reason) : NULL;
			f->waiver_expires = wv->expires ? strdup(wv->expires) : NULL;
		}
	}
}
