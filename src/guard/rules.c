/* rules.c — pam_abl rules (see rules.h): parser, normaliser, matcher and sliding windows.
 *
 * Parsing walks one kw_buf over the rule text; every error names the 1-based column
 * of the byte where the problem starts. The grammar is pam_abl's, with three deliberate
 * differences:
 *   - a period must carry a unit (pam_abl's parse_time() skips one byte after the number
 *     whatever it is, so "10/30,20/1h" silently loses its second trigger there);
 *   - '*' is a whole name or a whole service, never a glob inside a name ("ro*t" is an
 *     error, so nobody believes it matches "root");
 *   - a name may be written in brackets, "[2001:db8::1]", so a host rule can name an IPv6
 *     address (whose ':' would otherwise end the names). Names are compared byte for byte
 *     with the subject, so write addresses the way keyward prints them.
 * Names and services are printable ASCII without blanks and without the separators
 * | / : , ! [ ] (a bracketed name may also hold ':'). A service of '*' is stored as NULL
 * (any service). Rule text is capped at 4096 bytes, a name or service at 256.
 *
 * Data layout: kw_rules owns an array of clauses; each clause owns its names (name and
 * service strings) and triggers. kw_rules_release frees everything and leaves a zeroed
 * struct; a failed parse leaves *out zeroed too.
 *
 * The window (kw_rules_blocked): an attempt at time t counts for a trigger COUNT/PERIOD
 * at time `now` when now - t < PERIOD, i.e. t lies in (now - PERIOD, now]: the far edge is
 * EXCLUSIVE (an attempt exactly PERIOD seconds old has left the window) and attempts at or
 * after `now` (log time ahead of the clock) always count. With ascending times the
 * attempts inside a window are a suffix of the array, so a trigger fires exactly when
 * times[n - COUNT] is inside the window: O(1) per trigger, and only the last max_count
 * times are ever looked at.
 */
#include "guard/rules.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_MAX_TEXT 4096 /* bytes of rule text */
#define RULE_MAX_NAME 256  /* bytes of one name or service */
#define RULE_SHOW_MAX 32   /* bytes of an offending token quoted in a message */

static const struct {
	char unit;
	uint32_t seconds;
} units[] = {
	{ 'w', 7u * 86400u }, { 'd', 86400u }, { 'h', 3600u }, { 'm', 60u }, { 's', 1u },
};

/* ---- durations ---- */

enum dur_err { DUR_OK = 0, DUR_NOT_NUMBER, DUR_NO_UNIT, DUR_BAD_UNIT, DUR_RANGE };

static uint32_t unit_seconds(char c)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(units); i++)
		if (units[i].unit == c)
			return units[i].seconds;
	return 0;
}

/* NUMBER then exactly one unit byte, nothing else; the value in [0, max_s]. */
static enum dur_err duration_scan(const char *p, size_t n, uint64_t max_s, uint64_t *out_s)
{
	size_t digits = 0;
	while (digits < n && p[digits] >= '0' && p[digits] <= '9')
		digits++;
	if (digits == 0)
		return DUR_NOT_NUMBER;
	if (digits == n)
		return DUR_NO_UNIT;
	if (n - digits != 1 || unit_seconds(p[digits]) == 0)
		return DUR_BAD_UNIT;
	uint64_t v = 0;
	kw_buf num = kw_buf_view(p, digits);
	if (kw_buf_to_u64(&num, UINT64_MAX / (7u * 86400u), &v) < 0)
		return DUR_RANGE;
	v *= unit_seconds(p[digits]);
	if (v > max_s)
		return DUR_RANGE;
	*out_s = v;
	return DUR_OK;
}

int kw_duration_parse(const char *p, size_t n, uint64_t max_s, uint64_t *out_s)
{
	uint64_t v = 0;
	if (!p || duration_scan(p, n, max_s, &v) != DUR_OK)
		return KW_E_USAGE;
	*out_s = v;
	return 0;
}

/* ---- parser ---- */

typedef struct parser {
	kw_buf b;       /* the whole rule text; b.off is the column - 1 */
	char *err;
	size_t errlen;
	kw_rules *out;
} parser;

static int fail(parser *ps, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(parser *ps, size_t off, const char *fmt, ...)
{
	if (!ps->err || ps->errlen == 0)
		return KW_E_USAGE;
	int k = snprintf(ps->err, ps->errlen, "column %zu: ", off + 1);
	if (k < 0 || (size_t)k >= ps->errlen)
		return KW_E_USAGE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return KW_E_USAGE;
}

/* An offending token, escaped and cut short, for a message (caller frees; never NULL). */
static char *show(const kw_buf *b, size_t off, size_t n)
{
	bool cut = n > RULE_SHOW_MAX;
	_cleanup_free_ char *e = kw_escape_dup(b->p + off, cut ? RULE_SHOW_MAX : n);
	if (!e)
		return NULL;
	size_t el = strlen(e);
	char *s = malloc(el + 4);
	if (!s)
		return NULL;
	memcpy(s, e, el);
	strcpy(s + el, cut ? "..." : "");
	return s;
}

static bool at_end(const parser *ps) { return kw_buf_left(&ps->b) == 0; }
static char peek(const parser *ps) { return at_end(ps) ? '\0' : (char)*kw_buf_cur(&ps->b); }
static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* A byte that may appear in a name or service (outside brackets). */
static bool name_byte(char c)
{
	return c > ' ' && c < 0x7f && !strchr("|/:,![]", c);
}

static int unexpected(parser *ps, const char *wanted)
{
	size_t off = ps->b.off;
	if (at_end(ps))
		return fail(ps, off, "%s, found the end of the rule", wanted);
	_cleanup_free_ char *s = show(&ps->b, off, 1);
	return fail(ps, off, "%s, found '%s'", wanted, s ? s : "?");
}

/* name or service text at the cursor: a bracketed name, '*', or name bytes. */
static int parse_word(parser *ps, bool allow_brackets, const char *what, char **out)
{
	size_t start = ps->b.off;
	size_t len;
	if (peek(ps) == '[' && allow_brackets) {
		ps->b.off++;
		size_t in = ps->b.off;
		while (!at_end(ps) && (name_byte(peek(ps)) || peek(ps) == ':'))
			ps->b.off++;
		len = ps->b.off - in;
		if (peek(ps) != ']')
			return unexpected(ps, "expected ']' closing the bracketed name");
		ps->b.off++;
		if (len == 0)
			return fail(ps, start, "empty %s in brackets", what);
		start = in;
	} else {
		while (!at_end(ps) && name_byte(peek(ps)))
			ps->b.off++;
		len = ps->b.off - start;
		if (len == 0) {
			char want[48];
			snprintf(want, sizeof want, "expected a %s", what);
			return unexpected(ps, want);
		}
	}
	if (len > 1 && memchr(ps->b.p + start, '*', len))
		return fail(ps, start, "'*' must be a whole %s (it is not a pattern)", what);
	if (len > RULE_MAX_NAME)
		return fail(ps, start, "%s longer than %u bytes", what, RULE_MAX_NAME);
	kw_buf v = kw_buf_view(ps->b.p + start, len);
	*out = kw_buf_strdup(&v);
	return *out ? 0 : -ENOMEM;
}

static int parse_names(parser *ps, kw_rule_clause *c)
{
	size_t cap = 0;
	for (;;) {
		kw_rule_name *nm = KW_VEC_PUSH(c->names, c->nnames, cap);
		if (!nm)
			return -ENOMEM;
		int r = parse_word(ps, true, "name", &nm->name);
		if (r < 0)
			return r;
		if (peek(ps) == '/') {
			ps->b.off++;
			r = parse_word(ps, false, "service", &nm->service);
			if (r < 0)
				return r;
			if (!strcmp(nm->service, "*")) {
				free(nm->service);
				nm->service = NULL;
			}
		}
		if (peek(ps) != '|')
			break;
		ps->b.off++;
	}
	if (peek(ps) != ':')
		return unexpected(ps, "expected '|' or ':' after a name");
	ps->b.off++;
	return 0;
}

static size_t scan_digits(parser *ps)
{
	size_t start = ps->b.off;
	while (!at_end(ps) && peek(ps) >= '0' && peek(ps) <= '9')
		ps->b.off++;
	return ps->b.off - start;
}

static int parse_count(parser *ps, uint32_t *count)
{
	size_t start = ps->b.off;
	size_t nd = scan_digits(ps);
	if (nd == 0)
		return unexpected(ps, "expected a count (COUNT/PERIOD)");
	uint64_t v = 0;
	kw_buf num = kw_buf_view(ps->b.p + start, nd);
	if (kw_buf_to_u64(&num, KW_RULE_MAX_COUNT, &v) < 0 || v == 0) {
		_cleanup_free_ char *s = show(&ps->b, start, nd);
		return fail(ps, start, "count '%s' must be 1 to %u", s ? s : "?", KW_RULE_MAX_COUNT);
	}
	*count = (uint32_t)v;
	if (peek(ps) != '/')
		return unexpected(ps, "expected '/' after the count");
	ps->b.off++;
	return 0;
}

static int parse_period(parser *ps, uint32_t *period_s)
{
	size_t start = ps->b.off;
	scan_digits(ps);
	while (!at_end(ps) && ((peek(ps) >= 'a' && peek(ps) <= 'z') || (peek(ps) >= 'A' && peek(ps) <= 'Z')))
		ps->b.off++;
	size_t n = ps->b.off - start;
	if (n == 0)
		return unexpected(ps, "expected a period (NUMBER and a unit s, m, h, d or w)");
	uint64_t v = 0;
	enum dur_err e = duration_scan((const char *)ps->b.p + start, n, KW_RULE_MAX_PERIOD_S, &v);
	if (e == DUR_OK && v == 0)
		e = DUR_RANGE;
	if (e == DUR_OK) {
		*period_s = (uint32_t)v;
		return 0;
	}
	_cleanup_free_ char *s = show(&ps->b, start, n);
	const char *t = s ? s : "?";
	switch (e) {
	case DUR_NOT_NUMBER:
		return fail(ps, start, "period '%s' must start with a number", t);
	case DUR_NO_UNIT:
		return fail(ps, start, "period '%s' needs a unit (s, m, h, d or w)", t);
	case DUR_BAD_UNIT:
		return fail(ps, start, "period '%s' has an unknown unit (s, m, h, d or w)", t);
	default:
		return fail(ps, start, "period '%s' must be 1s to %ud", t, KW_RULE_MAX_PERIOD_S / 86400u);
	}
}

static int parse_triggers(parser *ps, kw_rule_clause *c)
{
	size_t cap = 0;
	for (;;) {
		kw_rule_trigger *t = KW_VEC_PUSH(c->triggers, c->ntriggers, cap);
		if (!t)
			return -ENOMEM;
		int r = parse_count(ps, &t->count);
		if (r < 0)
			return r;
		r = parse_period(ps, &t->period_s);
		if (r < 0)
			return r;
		if (t->count > ps->out->max_count)
			ps->out->max_count = t->count;
		if (t->period_s > ps->out->max_period_s)
			ps->out->max_period_s = t->period_s;
		if (peek(ps) != ',')
			break;
		ps->b.off++;
	}
	if (!at_end(ps) && !is_blank(peek(ps)))
		return unexpected(ps, "expected ',', a blank or the end of the rule after a trigger");
	return 0;
}

static int parse_clause(parser *ps, kw_rule_clause *c)
{
	if (peek(ps) == '!') {
		c->negate = true;
		ps->b.off++;
	}
	int r = parse_names(ps, c);
	return r < 0 ? r : parse_triggers(ps, c);
}

/* ---- normalised text ---- */

static int put_word(kw_sb *sb, const char *w)
{
	if (strchr(w, ':'))
		return kw_sb_printf(sb, "[%s]", w);
	return kw_sb_puts(sb, w);
}

static int put_period(kw_sb *sb, uint32_t s)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(units); i++)
		if (s % units[i].seconds == 0)
			return kw_sb_printf(sb, "%u%c", s / units[i].seconds, units[i].unit);
	return KW_E_PARSE; /* unreachable: every period is a whole number of seconds */
}

static int put_clause(kw_sb *sb, const kw_rule_clause *c)
{
	int r = c->negate ? kw_sb_putc(sb, '!') : 0;
	for (size_t i = 0; r >= 0 && i < c->nnames; i++) {
		if (i)
			r = kw_sb_putc(sb, '|');
		if (r >= 0)
			r = put_word(sb, c->names[i].name);
		if (r >= 0 && c->names[i].service)
			r = kw_sb_printf(sb, "/%s", c->names[i].service);
	}
	if (r >= 0)
		r = kw_sb_putc(sb, ':');
	for (size_t i = 0; r >= 0 && i < c->ntriggers; i++) {
		r = kw_sb_printf(sb, "%s%u/", i ? "," : "", c->triggers[i].count);
		if (r >= 0)
			r = put_period(sb, c->triggers[i].period_s);
	}
	return r;
}

static int normalise(kw_rules *r)
{
	kw_sb sb;
	kw_sb_init(&sb);
	int e = 0;
	for (size_t i = 0; e >= 0 && i < r->nclauses; i++) {
		if (i)
			e = kw_sb_putc(&sb, ' ');
		if (e >= 0)
			e = put_clause(&sb, &r->clauses[i]);
	}
	if (e < 0) {
		kw_sb_release(&sb);
		return e;
	}
	r->text = kw_sb_detach(&sb);
	return r->text ? 0 : -ENOMEM;
}

static int parse_all(parser *ps)
{
	kw_rules *r = ps->out;
	size_t cap = 0;
	for (;;) {
		kw_buf_skip_blanks(&ps->b);
		if (at_end(ps))
			break;
		kw_rule_clause *c = KW_VEC_PUSH(r->clauses, r->nclauses, cap);
		if (!c)
			return -ENOMEM;
		int e = parse_clause(ps, c);
		if (e < 0)
			return e;
	}
	if (r->nclauses == 0)
		return fail(ps, 0, "empty rule (expected NAMES:COUNT/PERIOD, e.g. *:10/1h)");
	return normalise(r);
}

int kw_rules_parse(const char *text, kw_rules *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	if (!text)
		text = "";
	size_t n = strnlen(text, RULE_MAX_TEXT + 1);
	parser ps = { .b = kw_buf_view(text, n), .err = err, .errlen = errlen, .out = out };
	int r = n > RULE_MAX_TEXT ? fail(&ps, RULE_MAX_TEXT, "rule longer than %u bytes", RULE_MAX_TEXT)
				  : parse_all(&ps);
	if (r < 0) {
		if (r == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		kw_rules_release(out);
	}
	return r;
}

void kw_rules_release(kw_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nclauses; i++) {
		kw_rule_clause *c = &r->clauses[i];
		for (size_t j = 0; j < c->nnames; j++) {
			free(c->names[j].name);
			free(c->names[j].service);
		}
		free(c->names);
		free(c->triggers);
	}
	free(r->clauses);
	free(r->text);
	memset(r, 0, sizeof *r);
}

/* ---- matching and windows ---- */

static bool name_matches(const kw_rule_name *nm, const char *subject, size_t len, const char *service)
{
	if (strcmp(nm->name, "*") != 0) {
		size_t nl = strlen(nm->name);
		if (nl != len || memcmp(nm->name, subject, len) != 0)
			return false;
	}
	return !nm->service || !strcmp(nm->service, service);
}

/* A plain clause applies to the subjects its names match; a negated one to all others. */
static bool clause_applies(const kw_rule_clause *c, const char *subject, size_t len, const char *service)
{
	bool named = false;
	for (size_t i = 0; i < c->nnames && !named; i++)
		named = name_matches(&c->names[i], subject, len, service);
	return named != c->negate;
}

bool kw_rules_match(const kw_rules *r, const char *subject, size_t subject_len, const char *service)
{
	if (!r || (!subject && subject_len))
		return false;
	if (!service)
		service = "sshd";
	for (size_t i = 0; i < r->nclauses; i++)
		if (clause_applies(&r->clauses[i], subject, subject_len, service))
			return true;
	return false;
}

/* Is an attempt at t inside the window (now - period, now]? Later attempts always are. */
static bool in_window(int64_t t, int64_t now, uint32_t period_s)
{
	if (t >= now)
		return true;
	return (uint64_t)now - (uint64_t)t < period_s;
}

static bool trigger_fires(const kw_rule_trigger *t, const int64_t *times, size_t n, int64_t now)
{
	if (t->count == 0 || n < t->count)
		return false;
	return in_window(times[n - t->count], now, t->period_s);
}

/* The first trigger that fires, in rule order (clauses, then triggers, left to right). */
bool kw_rules_blocked(const kw_rules *r, const char *subject, size_t subject_len,
		      const char *service, const int64_t *times, size_t n, int64_t now,
		      const kw_rule_trigger **hit)
{
	if (hit)
		*hit = NULL;
	if (!r || (!times && n) || (!subject && subject_len))
		return false;
	if (!service)
		service = "sshd";
	for (size_t i = 0; i < r->nclauses; i++) {
		const kw_rule_clause *c = &r->clauses[i];
		if (!clause_applies(c, subject, subject_len, service))
			continue;
		for (size_t j = 0; j < c->ntriggers; j++) {
			if (trigger_fires(&c->triggers[j], times, n, now)) {
				if (hit)
					*hit = &c->triggers[j];
				return true;
			}
		}
	}
	return false;
}
