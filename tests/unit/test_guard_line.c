/* test_guard_line.c — the guard's log line parser (guard/line.c, msgs.c, event.c).
 *
 *  - the table tests/data/guard/lines.tsv: every row's line must give exactly the expected
 *    event (or none), with one parser shared by all rows and with a fresh parser per row;
 *    every kind of kinds.def appears in it; every view lies inside the line;
 *  - no state leaks: after ANY row of the table, ANY row parses as it does alone (sshguard's
 *    lexer kept a start condition from a failed line);
 *  - year inference across New Year and the TZ rules: year-less stamps in local time
 *    (UTC and Europe/Berlin, across both DST changes), RFC 3339 offsets whatever the TZ;
 *  - kind and process name tables, kw_gparse_message leaving time, pid and proc alone.
 * Rows are reported by their line number in lines.tsv. */
#include "guard/line.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REF_2026_01_02 (INT64_C(1767312000) * 1000000)

struct row {
	unsigned lineno;
	uint8_t *in;
	size_t n;
	json_t *want; /* NULL = must not match */
};

static struct row *rows;
static size_t nrows;

static void set_tz(const char *tz)
{
	char path[256];
	if (strcmp(tz, "UTC") != 0) {
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
		if (access(path, R_OK) != 0)
			fail_msg("time zone data %s is missing (install tzdata)", path);
	}
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* \t \n \\ \xHH as in lines.tsv */
static uint8_t *unescape(const char *s, size_t len, size_t *out_n)
{
	uint8_t *o = malloc(len + 1);
	assert_non_null(o);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 >= len) {
			o[n++] = (uint8_t)s[i];
			continue;
		}
		char c = s[++i];
		if (c == 't') {
			o[n++] = '\t';
		} else if (c == 'n') {
			o[n++] = '\n';
		} else if (c == '\\') {
			o[n++] = '\\';
		} else if (c == 'x' && i + 2 < len) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			o[n++] = (uint8_t)strtoul(hex, NULL, 16);
			i += 2;
		} else {
			fail_msg("bad escape \\%c in lines.tsv", c);
		}
	}
	*out_n = n;
	return o;
}

static void load_table(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/guard/lines.tsv", KW_TEST_DATA);
	size_t len;
	uint8_t *text = kwt_read_file(path, &len);
	char *p = (char *)text, *end = p + len;
	unsigned lineno = 0;
	size_t cap = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		lineno++;
		if (e > p && *p != '#') {
			char *tab = memchr(p, '\t', (size_t)(e - p));
			if (!tab)
				fail_msg("lines.tsv:%u: no tab", lineno);
			if (nrows == cap) {
				cap = cap ? cap * 2 : 256;
				rows = realloc(rows, cap * sizeof *rows);
				assert_non_null(rows);
			}
			struct row *r = &rows[nrows++];
			r->lineno = lineno;
			r->in = unescape(p, (size_t)(tab - p), &r->n);
			size_t wl = (size_t)(e - tab - 1);
			if (wl == 1 && tab[1] == '-') {
				r->want = NULL;
			} else {
				json_error_t err;
				r->want = json_loadb(tab + 1, wl, 0, &err);
				if (!r->want)
					fail_msg("lines.tsv:%u: bad JSON: %s", lineno, err.text);
			}
		}
		p = e + 1;
	}
	free(text);
}

static int setup(void **state)
{
	(void)state;
	load_table();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].in);
		json_decref(rows[i].want);
	}
	free(rows);
	return 0;
}

static void iso(int64_t us, char *out, size_t cap)
{
	time_t t = (time_t)(us / 1000000);
	long frac = (long)(us % 1000000);
	if (us < 0 && frac) {
		t--;
		frac += 1000000;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t k = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, cap - k, ".%06ldZ", frac);
}

static bool view_eq(kw_buf v, const char *s)
{
	size_t n = strlen(s);
	return v.len == n && (n == 0 || !memcmp(v.p, s, n));
}

/* Compare one event with the expected JSON; a message naming the first difference. */
static const char *diff_event(const kw_gevent *ev, json_t *w, char *buf, size_t cap)
{
	const char *kind = json_string_value(json_object_get(w, "kind"));
	if (!kind || strcmp(kind, kw_gkind_name(ev->kind)))
		return snprintf(buf, cap, "kind %s, want %s", kw_gkind_name(ev->kind), kind), buf;
	json_t *t = json_object_get(w, "time");
	char got[64] = "null";
	if (ev->time_us != KW_GTIME_UNKNOWN)
		iso(ev->time_us, got, sizeof got);
	if (json_is_null(t) ? ev->time_us != KW_GTIME_UNKNOWN : strcmp(got, json_string_value(t)))
		return snprintf(buf, cap, "time %s, want %s", got,
				json_is_null(t) ? "null" : json_string_value(t)), buf;
	json_t *a = json_object_get(w, "addr");
	char ab[KW_ADDR_STRLEN] = "null";
	if (ev->addr.fam)
		kw_addr_format(&ev->addr, ab, sizeof ab);
	if (json_is_null(a) ? ev->addr.fam != 0 : strcmp(ab, json_string_value(a)))
		return snprintf(buf, cap, "addr %s, want %s", ab,
				json_is_null(a) ? "null" : json_string_value(a)), buf;
	json_t *port = json_object_get(w, "port");
	if (json_is_null(port) ? ev->port != 0 : (json_int_t)ev->port != json_integer_value(port))
		return snprintf(buf, cap, "port %u", ev->port), buf;
	json_t *u = json_object_get(w, "user");
	if (json_is_null(u) ? ev->has_user : (!ev->has_user || !view_eq(ev->user, json_string_value(u))))
		return snprintf(buf, cap, "user %s%.*s%s", ev->has_user ? "\"" : "(none)",
				ev->has_user ? (int)ev->user.len : 0, ev->has_user ? (const char *)ev->user.p : "",
				ev->has_user ? "\"" : ""), buf;
	json_t *pid = json_object_get(w, "pid");
	if (json_is_null(pid) ? ev->pid != 0 : (json_int_t)ev->pid != json_integer_value(pid))
		return snprintf(buf, cap, "pid %u", ev->pid), buf;
	const char *proc = json_string_value(json_object_get(w, "proc"));
	if (!proc || strcmp(proc, kw_gproc_name(ev->proc)))
		return snprintf(buf, cap, "proc %s", kw_gproc_name(ev->proc)), buf;
	if (json_is_true(json_object_get(w, "invalid_user")) != ev->invalid_user)
		return snprintf(buf, cap, "invalid_user %d", ev->invalid_user), buf;
	if (json_is_true(json_object_get(w, "preauth")) != ev->preauth)
		return snprintf(buf, cap, "preauth %d", ev->preauth), buf;
	const char *host = json_string_value(json_object_get(w, "host"));
	if (!view_eq(ev->host, host ? host : ""))
		return snprintf(buf, cap, "host \"%.*s\"", (int)ev->host.len, (const char *)ev->host.p), buf;
	const char *method = json_string_value(json_object_get(w, "method"));
	if (!view_eq(ev->method, method ? method : ""))
		return snprintf(buf, cap, "method \"%.*s\"", (int)ev->method.len, (const char *)ev->method.p), buf;
	return NULL;
}

static void check_views_inside(const struct row *r, const uint8_t *line, const kw_gevent *ev)
{
	if (r->n && line[0] == '{')
		return; /* journal JSON: views point into the decoded MESSAGE */
	const kw_buf *v[] = { &ev->user, &ev->host, &ev->method };
	for (size_t i = 0; i < 3; i++) {
		if (v[i]->len == 0)
			continue;
		if (v[i]->p < line || v[i]->p + v[i]->len > line + r->n)
			fail_msg("lines.tsv:%u: a view points outside the line", r->lineno);
	}
}

static void check_row(kw_gparser *p, const struct row *r)
{
	/* an exactly sized copy: ASan catches any read past the end */
	uint8_t *line = malloc(r->n ? r->n : 1);
	assert_non_null(line);
	if (r->n)
		memcpy(line, r->in, r->n);
	kw_gevent ev;
	int rc = kw_gparse_line(p, line, r->n, &ev);
	char msg[512];
	if (!r->want) {
		if (rc != 0)
			fail_msg("lines.tsv:%u: matched as %s, must not match: %.*s", r->lineno,
				 kw_gkind_name(ev.kind), (int)r->n, (const char *)r->in);
		if (ev.kind != KW_GK_NONE || ev.has_user || ev.addr.fam)
			fail_msg("lines.tsv:%u: a line that did not match left fields set", r->lineno);
	} else {
		if (rc != 1)
			fail_msg("lines.tsv:%u: did not match: %.*s", r->lineno, (int)r->n,
				 (const char *)r->in);
		const char *d = diff_event(&ev, r->want, msg, sizeof msg);
		if (d)
			fail_msg("lines.tsv:%u: %s: %.*s", r->lineno, d, (int)r->n, (const char *)r->in);
		check_views_inside(r, line, &ev);
	}
	free(line);
}

static void test_table(void **state)
{
	(void)state;
	set_tz("UTC");
	assert_true(nrows >= 150);
	kw_gparser shared;
	kw_gparser_init(&shared, REF_2026_01_02);
	bool seen[KW_GK_COUNT] = { false };
	size_t none = 0;
	for (size_t i = 0; i < nrows; i++) {
		check_row(&shared, &rows[i]);
		kw_gparser fresh;
		kw_gparser_init(&fresh, REF_2026_01_02);
		check_row(&fresh, &rows[i]);
		if (rows[i].want)
			seen[kw_gkind_from_name(json_string_value(json_object_get(rows[i].want, "kind")))] = true;
		else
			none++;
	}
	for (unsigned k = KW_GK_NONE + 1; k < KW_GK_COUNT; k++)
		if (!seen[k])
			fail_msg("lines.tsv has no row of kind %s", kw_gkind_name((enum kw_gkind)k));
	assert_true(none >= 40);
}

/* A canonical text of an event, to compare two parses of the same line. */
static void event_text(int rc, const kw_gevent *ev, char *out, size_t cap)
{
	char ab[KW_ADDR_STRLEN] = "";
	kw_addr_format(&ev->addr, ab, sizeof ab);
	snprintf(out, cap, "%d|%d|%lld|%u|%d|%s|%u|%d:%.*s|%d|%d|%.*s|%.*s", rc, ev->kind,
		 (long long)ev->time_us, ev->pid, ev->proc, ab, ev->port, ev->has_user,
		 (int)ev->user.len, ev->user.p ? (const char *)ev->user.p : "", ev->invalid_user,
		 ev->preauth, (int)ev->host.len, ev->host.p ? (const char *)ev->host.p : "",
		 (int)ev->method.len, ev->method.p ? (const char *)ev->method.p : "");
}

static void test_no_state_leak(void **state)
{
	(void)state;
	set_tz("UTC");
	static char alone[1024], after[1024];
	for (size_t j = 0; j < nrows; j++) {
		kw_gparser p;
		kw_gevent ev;
		kw_gparser_init(&p, REF_2026_01_02);
		int rc = kw_gparse_line(&p, rows[j].in, rows[j].n, &ev);
		event_text(rc, &ev, alone, sizeof alone);
		for (size_t i = 0; i < nrows; i++) {
			kw_gparser_init(&p, REF_2026_01_02);
			(void)kw_gparse_line(&p, rows[i].in, rows[i].n, &ev);
			rc = kw_gparse_line(&p, rows[j].in, rows[j].n, &ev);
			event_text(rc, &ev, after, sizeof after);
			if (strcmp(alone, after))
				fail_msg("lines.tsv:%u parses differently after lines.tsv:%u", rows[j].lineno,
					 rows[i].lineno);
		}
	}
	/* sshguard's case: an old-format line that starts a shape and fails, then a good line */
	kw_gparser p;
	kw_gparser_init(&p, REF_2026_01_02);
	static const char *bad[] = {
		"Mar  1 00:00:00 host sshd[1]: ROOT LOGIN REFUSED FROM",
		"Mar  1 00:00:00 host sshd[1]: Failed password for root from",
		"Mar  1 00:00:00 host sshd[1]: Invalid user x from 6.6.6.6 port",
		"Mar  1 00:00:00 host sshd[1]: drop connection #1 from [6.6.6.6",
		"<38>1 2025-03-01T00:00:00Z host sshd 1 - [x y=\"",
		"{\"_COMM\":\"sshd\",\"MESSAGE\":\"Invalid user x from 6.6.6.6",
		"Mar  1 00:00:00 host sshd[1",
		"Mar  1 00:",
	};
	const char *good = "Mar  1 00:00:01 host sshd[2]: Invalid user ftp from 192.0.2.2 port 37220";
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kw_gevent ev;
		assert_int_equal(kw_gparse_line(&p, (const uint8_t *)bad[i], strlen(bad[i]), &ev), 0);
		assert_int_equal(ev.kind, KW_GK_NONE);
		assert_int_equal(kw_gparse_line(&p, (const uint8_t *)good, strlen(good), &ev), 1);
		assert_int_equal(ev.kind, KW_GK_INVALID_USER);
		char ab[KW_ADDR_STRLEN];
		kw_addr_format(&ev.addr, ab, sizeof ab);
		assert_string_equal(ab, "192.0.2.2");
		assert_int_equal(ev.port, 37220);
	}
}

static int64_t parse_time(kw_gparser *p, const char *line)
{
	kw_gevent ev;
	if (kw_gparse_line(p, (const uint8_t *)line, strlen(line), &ev) != 1)
		fail_msg("did not match: %s", line);
	return ev.time_us;
}

static void expect_time(kw_gparser *p, const char *stamp, const char *want)
{
	char line[256], got[64];
	snprintf(line, sizeof line, "%s host sshd[7]: Invalid user x from 192.0.2.3 port 22", stamp);
	int64_t t = parse_time(p, line);
	assert_true(t != KW_GTIME_UNKNOWN);
	iso(t, got, sizeof got);
	if (strcmp(got, want))
		fail_msg("TZ=%s \"%s\": %s, want %s", getenv("TZ"), stamp, got, want);
}

static void test_year_inference(void **state)
{
	(void)state;
	kw_gparser p;
	set_tz("UTC");
	kw_gparser_init(&p, REF_2026_01_02);
	expect_time(&p, "Dec 31 23:59:59", "2025-12-31T23:59:59.000000Z");
	expect_time(&p, "Jan  1 00:00:01", "2026-01-01T00:00:01.000000Z");
	expect_time(&p, "Jan 02 12:00:00", "2026-01-02T12:00:00.000000Z");
	expect_time(&p, "Jan  3 00:00:00", "2026-01-03T00:00:00.000000Z"); /* a day after: same year */
	expect_time(&p, "Jan  3 00:00:01", "2025-01-03T00:00:01.000000Z"); /* more: the year before */
	expect_time(&p, "Feb 29 10:00:00", "2024-02-29T10:00:00.000000Z"); /* the latest leap year */
	expect_time(&p, "Dec 31 2019 23:59:59", "2019-12-31T23:59:59.000000Z");
	/* a follower moves ref_us forward (or a caller back) without a new init */
	p.ref_us = INT64_C(1748736000) * 1000000; /* 2025-06-01T00:00:00Z */
	expect_time(&p, "Dec 30 10:00:00", "2024-12-30T10:00:00.000000Z");
	expect_time(&p, "Jun  2 00:00:00", "2025-06-02T00:00:00.000000Z");
	expect_time(&p, "Jun  2 00:00:01", "2024-06-02T00:00:01.000000Z");
	/* the reference year is the local one: 23:30 UTC on 31 Dec is already 2026 in Berlin */
	set_tz("Europe/Berlin");
	kw_gparser_init(&p, INT64_C(1767223800) * 1000000); /* 2025-12-31T23:30:00Z */
	expect_time(&p, "Jan  1 00:10:00", "2025-12-31T23:10:00.000000Z");
	expect_time(&p, "Dec 31 23:59:59", "2025-12-31T22:59:59.000000Z");
	set_tz("UTC");
	kw_gparser_init(&p, INT64_C(1767223800) * 1000000);
	expect_time(&p, "Jan  1 00:10:00", "2025-01-01T00:10:00.000000Z");
}

/* The stamp caches (same stamp, same minute) never change a result: a run of stamps
 * through one parser gives what a fresh parser gives for each, across the year-inference
 * edge, leap seconds, fractions and both DST changes. */
static void test_stamp_caches(void **state)
{
	(void)state;
	static const char *tz[] = { "UTC", "Europe/Berlin", "America/New_York" };
	static const char *run[] = {
		"Jan  2 23:59:58", "Jan  2 23:59:59.5", "Jan  2 23:59:60", "Jan  3 00:00:00",
		"Jan  3 00:00:00.000001", "Jan  3 00:00:01", "Jan  3 00:00:00", "Jan  3 00:00:59",
		"Jan  3 00:01:00", "Mar 30 01:59:00", "Mar 30 01:59:59", "Mar 30 01:59:60",
		"Mar 30 02:30:10", "Mar 30 02:30:11", "Mar 30 03:00:00", "Mar  9 01:59:59",
		"Mar  9 02:30:00", "Mar  9 03:00:01", "Oct 26 02:30:00", "Oct 26 02:30:59",
		"Nov  2 01:30:00", "Nov  2 01:30:30.123", "Dec 31 23:59:59", "Dec 31 2019 23:59:58",
		"Dec 31 2019 23:59:59.999999", "Dec 31 2019 23:59:60", "Feb 29 10:00:00",
		"Feb 29 10:00:30", "Feb 29 2024 10:00:31", "Feb 29 2024 10:00:32",
	};
	for (size_t z = 0; z < sizeof tz / sizeof tz[0]; z++) {
		set_tz(tz[z]);
		kw_gparser shared;
		kw_gparser_init(&shared, REF_2026_01_02);
		for (size_t i = 0; i < sizeof run / sizeof run[0]; i++) {
			char line[256];
			snprintf(line, sizeof line, "%s host sshd[7]: Invalid user x from 192.0.2.3 port 22", run[i]);
			kw_gparser fresh;
			kw_gparser_init(&fresh, REF_2026_01_02);
			int64_t want = parse_time(&fresh, line), got = parse_time(&shared, line);
			if (want != got) {
				char w[64], g[64];
				iso(want, w, sizeof w);
				iso(got, g, sizeof g);
				fail_msg("TZ=%s \"%s\" after \"%s\": %s, alone %s", tz[z], run[i],
					 i ? run[i - 1] : "", g, w);
			}
		}
	}
	set_tz("UTC");
}

static void test_timezones(void **state)
{
	(void)state;
	kw_gparser p;
	set_tz("Europe/Berlin");
	kw_gparser_init(&p, REF_2026_01_02);
	expect_time(&p, "Mar  1 00:00:00", "2025-02-28T23:00:00.000000Z");      /* CET, +1 */
	expect_time(&p, "Jul  1 12:00:00.250000", "2025-07-01T10:00:00.250000Z"); /* CEST, +2 */
	/* 2025-03-30: 02:00 CET became 03:00 CEST */
	expect_time(&p, "Mar 30 01:59:59", "2025-03-30T00:59:59.000000Z");
	expect_time(&p, "Mar 30 03:00:00", "2025-03-30T01:00:00.000000Z");
	expect_time(&p, "Mar 30 01:30:00", "2025-03-30T00:30:00.000000Z"); /* back again: the cache */
	/* 2025-10-26: 03:00 CEST became 02:00 CET */
	expect_time(&p, "Oct 26 01:30:00", "2025-10-25T23:30:00.000000Z");
	expect_time(&p, "Oct 26 03:30:00", "2025-10-26T02:30:00.000000Z");
	/* a stamp with its own offset ignores TZ */
	expect_time(&p, "2025-03-01T00:00:00+05:30", "2025-02-28T18:30:00.000000Z");
	expect_time(&p, "2025-07-01T00:00:00Z", "2025-07-01T00:00:00.000000Z");
	expect_time(&p, "2025-07-01T00:00:00.000001-0100", "2025-07-01T01:00:00.000001Z");
	set_tz("UTC");
	kw_gparser_init(&p, REF_2026_01_02);
	expect_time(&p, "Mar  1 00:00:00", "2025-03-01T00:00:00.000000Z");
	expect_time(&p, "Jul  1 12:00:00", "2025-07-01T12:00:00.000000Z");
	expect_time(&p, "2025-03-01T00:00:00+05:30", "2025-02-28T18:30:00.000000Z");
	/* the same stamp text twice (the cache) and a new parser after a TZ change */
	set_tz("Europe/Berlin");
	kw_gparser_init(&p, REF_2026_01_02);
	expect_time(&p, "Jul  1 12:00:00", "2025-07-01T10:00:00.000000Z");
	expect_time(&p, "Jul  1 12:00:00", "2025-07-01T10:00:00.000000Z");
	set_tz("UTC");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kw_gkind_name(KW_GK_NONE), "none");
	assert_string_equal(kw_gkind_name(KW_GK_FAILED_PASSWORD), "failed-password");
	assert_string_equal(kw_gkind_name(KW_GK_MAXSTARTUPS), "maxstartups-drop");
	assert_string_equal(kw_gkind_name(KW_GK_COUNT), "none");
	assert_string_equal(kw_gkind_name((enum kw_gkind)-1), "none");
	for (unsigned k = KW_GK_NONE + 1; k < KW_GK_COUNT; k++) {
		const char *n = kw_gkind_name((enum kw_gkind)k);
		assert_int_equal(kw_gkind_from_name(n), k);
		for (unsigned j = KW_GK_NONE + 1; j < k; j++)
			assert_string_not_equal(kw_gkind_name((enum kw_gkind)j), n);
	}
	assert_int_equal(kw_gkind_from_name("none"), KW_GK_NONE);
	assert_int_equal(kw_gkind_from_name("failed-passwordx"), KW_GK_NONE);
	assert_int_equal(kw_gkind_from_name(NULL), KW_GK_NONE);
	assert_int_equal(kw_gkind_class(KW_GK_FAILED_PASSWORD), KW_GC_TRY);
	assert_int_equal(kw_gkind_class(KW_GK_INVALID_USER), KW_GC_CONN);
	assert_int_equal(kw_gkind_class(KW_GK_KEX_IDENT), KW_GC_PROBE);
	assert_int_equal(kw_gkind_class(KW_GK_ACCEPTED), KW_GC_SUCCESS);
	assert_int_equal(kw_gkind_class(KW_GK_PAM_UNIX_FAILURE), KW_GC_INFO);
	assert_int_equal(kw_gkind_class(KW_GK_COUNT), KW_GC_INFO);
	assert_string_equal(kw_gproc_name(KW_GP_SSHD), "sshd");
	assert_string_equal(kw_gproc_name(KW_GP_SSHD_SESSION), "sshd-session");
	assert_string_equal(kw_gproc_name(KW_GP_SSHD_AUTH), "sshd-auth");
	assert_string_equal(kw_gproc_name(KW_GP_UNKNOWN), "");
	enum kw_gproc pr = KW_GP_UNKNOWN;
	assert_true(kw_gproc_from_name((const uint8_t *)"sshd-session", 12, &pr));
	assert_int_equal(pr, KW_GP_SSHD_SESSION);
	assert_true(kw_gproc_from_name((const uint8_t *)"sshd-auth", 9, &pr));
	assert_int_equal(pr, KW_GP_SSHD_AUTH);
	assert_true(kw_gproc_from_name((const uint8_t *)"sshd", 4, &pr));
	assert_int_equal(pr, KW_GP_SSHD);
	assert_false(kw_gproc_from_name((const uint8_t *)"sshd-sessio", 11, &pr));
	assert_false(kw_gproc_from_name((const uint8_t *)"ssh", 3, &pr));
	assert_false(kw_gproc_from_name((const uint8_t *)"sshdx", 5, &pr));
}

static void test_message_api(void **state)
{
	(void)state;
	kw_gevent ev = { .time_us = 42, .pid = 7, .proc = KW_GP_SSHD_AUTH, .has_user = true };
	static const char m[] = "error: maximum authentication attempts exceeded for invalid user "
				"a b from 2001:db8::1 port 2 ssh2 [preauth]";
	assert_int_equal(kw_gparse_message((const uint8_t *)m, sizeof m - 1, &ev), 1);
	assert_int_equal(ev.kind, KW_GK_MAX_AUTH);
	assert_int_equal(ev.time_us, 42);
	assert_int_equal(ev.pid, 7);
	assert_int_equal(ev.proc, KW_GP_SSHD_AUTH);
	assert_true(view_eq(ev.user, "a b"));
	assert_true(ev.invalid_user && ev.preauth);
	assert_int_equal(ev.addr.fam, 6);
	/* a failing message clears what the last one set, and only that */
	static const char bad[] = "Failed password for root from 192.0.2.1 port 22";
	assert_int_equal(kw_gparse_message((const uint8_t *)bad, sizeof bad - 1, &ev), 0);
	assert_int_equal(ev.kind, KW_GK_NONE);
	assert_false(ev.has_user || ev.invalid_user || ev.preauth);
	assert_int_equal(ev.addr.fam, 0);
	assert_int_equal(ev.port, 0);
	assert_int_equal(ev.pid, 7);
	assert_int_equal(kw_gparse_message(NULL, 0, &ev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_state_leak),
		cmocka_unit_test(test_year_inference),
		cmocka_unit_test(test_timezones),
		cmocka_unit_test(test_stamp_caches),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_message_api),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
