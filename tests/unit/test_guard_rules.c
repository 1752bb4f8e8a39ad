/* test_guard_rules.c — pam_abl rules (src/guard/rules.c).
 *
 *  - grammar, accepted: every form of pam_abl.conf(5) (names with '|', '/service', '*',
 *    '!', several clauses, several triggers), brackets for IPv6 names, each with its exact
 *    normalised text, which parses again to itself;
 *  - grammar, refused: each with its exact message and column, among them pam_abl's
 *    "10/30,20/1h" (a period without a unit, which pam_abl silently mis-reads), counts and
 *    periods one past their bounds, stray bytes, over-long text; a failed parse leaves
 *    the output zeroed;
 *  - kw_duration_parse: units, bare numbers, bounds, overflow;
 *  - semantics on hand-made time series: the window's far edge is exclusive (an attempt
 *    exactly PERIOD old no longer counts), attempts after `now` count, only the last
 *    COUNT attempts matter, several triggers (which one is reported), several clauses,
 *    negation (with and without services), services, subjects as byte strings;
 *  - a randomised differential test of kw_rules_blocked against a naive counter
 *    (seed printed; KW_TEST_SEED replays it);
 *  - max_count / max_period_s.
 */
#include "guard/rules.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static void parse_ok(const char *text, kw_rules *r)
{
	char err[256] = "unset";
	int e = kw_rules_parse(text, r, err, sizeof err);
	if (e != 0)
		fail_msg("'%s' refused (%d): %s", text, e, err);
	assert_string_equal(err, "");
}

static bool blocked(const kw_rules *r, const char *subject, const char *service,
		    const int64_t *t, size_t n, int64_t now)
{
	return kw_rules_blocked(r, subject, strlen(subject), service, t, n, now, NULL);
}

/* ---- grammar: accepted ---- */

static void test_accepted_forms(void **state)
{
	(void)state;
	static const struct { const char *in, *norm; } cases[] = {
		{ "*:10/1h,30/1d", "*:10/1h,30/1d" },
		{ "  *:10/1h,30/1d \t", "*:10/1h,30/1d" },
		{ "root|dba|admin:10/1h", "root|dba|admin:10/1h" },
		{ "root/sshd|dba/*:3/1d", "root/sshd|dba:3/1d" },
		{ "!root:20/1d", "!root:20/1d" },
		{ "*:10/1h root:5/1h,10/1d", "*:10/1h root:5/1h,10/1d" },
		{ "*:10/1h\t\t root:5/1h", "*:10/1h root:5/1h" },
		{ "*/*:1/1s", "*:1/1s" },
		{ "*:10/60m", "*:10/1h" },
		{ "*:1/90s", "*:1/90s" },
		{ "*:1/3600s", "*:1/1h" },
		{ "*:5/7d", "*:5/1w" },
		{ "*:5/14d", "*:5/2w" },
		{ "*:5/10d", "*:5/10d" },
		{ "*:0010/1h", "*:10/1h" },
		{ "*:100000/366d", "*:100000/366d" },
		{ "*:1/52w", "*:1/52w" },
		{ "[2001:db8::1]:3/1h", "[2001:db8::1]:3/1h" },
		{ "[*]:3/1h", "*:3/1h" },
		{ "[root]|[fe80::1%eth0]/sshd:3/1h", "root|[fe80::1%eth0]/sshd:3/1h" },
		{ "192.0.2.1|host$|a.b-c_d@e:1/1m", "192.0.2.1|host$|a.b-c_d@e:1/1m" },
		{ "!root/sshd|admin:2/1h", "!root/sshd|admin:2/1h" },
		{ "a:1/1s b:2/2s c:3/3s", "a:1/1s b:2/2s c:3/3s" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_rules r, again;
		parse_ok(cases[i].in, &r);
		assert_non_null(r.text);
		if (strcmp(r.text, cases[i].norm) != 0)
			fail_msg("'%s' normalised to '%s', want '%s'", cases[i].in, r.text, cases[i].norm);
		parse_ok(r.text, &again);
		assert_string_equal(again.text, r.text);
		kw_rules_release(&again);
		kw_rules_release(&r);
		assert_null(r.text);
		assert_int_equal(r.nclauses, 0);
	}
}

static void test_structure(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("*:10/1h,30/1d !root/sshd|[::1]:3/90s", &r);
	assert_int_equal(r.nclauses, 2);
	const kw_rule_clause *a = &r.clauses[0], *b = &r.clauses[1];
	assert_false(a->negate);
	assert_int_equal(a->nnames, 1);
	assert_string_equal(a->names[0].name, "*");
	assert_null(a->names[0].service);
	assert_int_equal(a->ntriggers, 2);
	assert_int_equal(a->triggers[0].count, 10);
	assert_int_equal(a->triggers[0].period_s, 3600);
	assert_int_equal(a->triggers[1].count, 30);
	assert_int_equal(a->triggers[1].period_s, 86400);
	assert_true(b->negate);
	assert_int_equal(b->nnames, 2);
	assert_string_equal(b->names[0].name, "root");
	assert_string_equal(b->names[0].service, "sshd");
	assert_string_equal(b->names[1].name, "::1");
	assert_null(b->names[1].service);
	assert_int_equal(b->ntriggers, 1);
	assert_int_equal(b->triggers[0].count, 3);
	assert_int_equal(b->triggers[0].period_s, 90);
	assert_int_equal(r.max_count, 30);
	assert_int_equal(r.max_period_s, 86400);
	kw_rules_release(&r);
	kw_rules_release(&r); /* twice is harmless */
	kw_rules_release(NULL);
}

/* ---- grammar: refused ---- */

static void test_refused_forms(void **state)
{
	(void)state;
	char longname[300], longtext[4200];
	memset(longname, 'a', sizeof longname);
	memcpy(longname + 257, ":1/1h", 6);
	memset(longtext, ' ', sizeof longtext);
	memcpy(longtext + 4100, "*:1/1h", 7);
	const struct { const char *in, *err; } cases[] = {
		/* pam_abl's parse_time() skips a byte after a bare number: "10/30,20/1h" loses
		 * its second trigger there; we refuse it and say why */
		{ "*:10/30,20/1h", "column 6: period '30' needs a unit (s, m, h, d or w)" },
		{ "*:10/30", "column 6: period '30' needs a unit (s, m, h, d or w)" },
		{ "root:10/1h *:5/30", "column 16: period '30' needs a unit (s, m, h, d or w)" },
		{ "", "column 1: empty rule (expected NAMES:COUNT/PERIOD, e.g. *:10/1h)" },
		{ " \t ", "column 1: empty rule (expected NAMES:COUNT/PERIOD, e.g. *:10/1h)" },
		{ "*:0/1h", "column 3: count '0' must be 1 to 100000" },
		{ "*:100001/1h", "column 3: count '100001' must be 1 to 100000" },
		{ "*:123456789012345678901234567890/1h",
		  "column 3: count '123456789012345678901234567890' must be 1 to 100000" },
		{ "*:10/0s", "column 6: period '0s' must be 1s to 366d" },
		{ "*:10/367d", "column 6: period '367d' must be 1s to 366d" },
		{ "*:10/53w", "column 6: period '53w' must be 1s to 366d" },
		{ "*:10/31622401s", "column 6: period '31622401s' must be 1s to 366d" },
		{ "*:10/99999999999999999999999w", "column 6: period '99999999999999999999999w' must be 1s to 366d" },
		{ "*:10/1y", "column 6: period '1y' has an unknown unit (s, m, h, d or w)" },
		{ "*:10/1H", "column 6: period '1H' has an unknown unit (s, m, h, d or w)" },
		{ "*:10/1hr", "column 6: period '1hr' has an unknown unit (s, m, h, d or w)" },
		{ "*:10/h", "column 6: period 'h' must start with a number" },
		{ "*:10/", "column 6: expected a period (NUMBER and a unit s, m, h, d or w), found the end of the rule" },
		{ "*:10", "column 5: expected '/' after the count, found the end of the rule" },
		{ "*:10:1h", "column 5: expected '/' after the count, found ':'" },
		{ "*:/1h", "column 3: expected a count (COUNT/PERIOD), found '/'" },
		{ "*:10/1h,", "column 9: expected a count (COUNT/PERIOD), found the end of the rule" },
		{ "*:10/1h,,5/1d", "column 9: expected a count (COUNT/PERIOD), found ','" },
		{ "*:", "column 3: expected a count (COUNT/PERIOD), found the end of the rule" },
		{ "root: 10/1h", "column 6: expected a count (COUNT/PERIOD), found ' '" },
		{ "*", "column 2: expected '|' or ':' after a name, found the end of the rule" },
		{ "root 1/1h", "column 5: expected '|' or ':' after a name, found ' '" },
		{ "*10/1h", "column 1: '*' must be a whole name (it is not a pattern)" },
		{ "ro*t:1/1h", "column 1: '*' must be a whole name (it is not a pattern)" },
		{ "root/ss*:1/1h", "column 6: '*' must be a whole service (it is not a pattern)" },
		{ "[2001:*db8::1]:1/1h", "column 2: '*' must be a whole name (it is not a pattern)" },
		{ ":10/1h", "column 1: expected a name, found ':'" },
		{ "root||admin:1/1h", "column 6: expected a name, found '|'" },
		{ "root|:1/1h", "column 6: expected a name, found ':'" },
		{ "root/:1/1h", "column 6: expected a service, found ':'" },
		{ "root/[x]:1/1h", "column 6: expected a service, found '['" },
		{ "!!root:1/1h", "column 2: expected a name, found '!'" },
		{ "!:1/1h", "column 2: expected a name, found ':'" },
		{ "root:1/1h;x", "column 10: expected ',', a blank or the end of the rule after a trigger, found ';'" },
		{ "root:1/1h5", "column 10: expected ',', a blank or the end of the rule after a trigger, found '5'" },
		{ "root:1/1h\n", "column 10: expected ',', a blank or the end of the rule after a trigger, found '\\n'" },
		{ "ro\x01ot:1/1h", "column 3: expected '|' or ':' after a name, found '\\x01'" },
		{ "r\xc3\xa9:1/1h", "column 2: expected '|' or ':' after a name, found '\\xc3'" },
		{ "[2001:db8::1:1/1h", "column 15: expected ']' closing the bracketed name, found '/'" },
		{ "[]:1/1h", "column 1: empty name in brackets" },
		{ "root:1/1h !", "column 12: expected a name, found the end of the rule" },
		{ "root:1/1h x", "column 12: expected '|' or ':' after a name, found the end of the rule" },
		{ longname, "column 1: name longer than 256 bytes" },
		{ longtext, "column 4097: rule longer than 4096 bytes" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_rules r;
		memset(&r, 0x5a, sizeof r);
		char err[256] = "";
		int e = kw_rules_parse(cases[i].in, &r, err, sizeof err);
		if (e != KW_E_USAGE)
			fail_msg("'%s' gave %d, want KW_E_USAGE", cases[i].in, e);
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("'%s':\n got  %s\n want %s", cases[i].in, err, cases[i].err);
		assert_int_equal(r.nclauses, 0);
		assert_null(r.clauses);
		assert_null(r.text);
		assert_int_equal(r.max_count, 0);
		kw_rules_release(&r);
	}
}

static void test_error_buffer(void **state)
{
	(void)state;
	kw_rules r;
	char small[12];
	memset(small, 'x', sizeof small);
	assert_int_equal(kw_rules_parse("*:10/30", &r, small, sizeof small), KW_E_USAGE);
	assert_int_equal(strlen(small), sizeof small - 1); /* cut, terminated */
	assert_memory_equal(small, "column 6: p", 11);
	assert_int_equal(kw_rules_parse("*:10/30", &r, NULL, 0), KW_E_USAGE);
	char one[1] = { 'x' };
	assert_int_equal(kw_rules_parse("*:10/30", &r, one, 1), KW_E_USAGE);
	assert_int_equal(one[0], '\0');
	assert_int_equal(kw_rules_parse(NULL, &r, NULL, 0), KW_E_USAGE);
}

/* ---- durations ---- */

static void test_duration(void **state)
{
	(void)state;
	static const struct { const char *in; uint64_t max, want; int rc; } cases[] = {
		{ "90s", 1000, 90, 0 }, { "1m", 1000, 60, 0 }, { "1h", 3600, 3600, 0 },
		{ "2d", UINT64_MAX, 172800, 0 }, { "2w", UINT64_MAX, 1209600, 0 },
		{ "0s", 10, 0, 0 }, { "0w", 10, 0, 0 }, { "007m", 1000, 420, 0 },
		{ "30", UINT64_MAX, 0, KW_E_USAGE }, { "", 10, 0, KW_E_USAGE },
		{ "h", 10, 0, KW_E_USAGE }, { "1hh", UINT64_MAX, 0, KW_E_USAGE },
		{ "1 h", UINT64_MAX, 0, KW_E_USAGE }, { " 1h", UINT64_MAX, 0, KW_E_USAGE },
		{ "+1h", UINT64_MAX, 0, KW_E_USAGE }, { "-1h", UINT64_MAX, 0, KW_E_USAGE },
		{ "1.5h", UINT64_MAX, 0, KW_E_USAGE }, { "1y", UINT64_MAX, 0, KW_E_USAGE },
		{ "1S", UINT64_MAX, 0, KW_E_USAGE }, { "1h ", UINT64_MAX, 0, KW_E_USAGE },
		{ "3601s", 3600, 0, KW_E_USAGE }, { "3600s", 3600, 3600, 0 },
		{ "61m", 3600, 0, KW_E_USAGE },
		{ "30500568904943w", UINT64_MAX, 30500568904943ull * 604800, 0 },
		{ "30500568904944w", UINT64_MAX, 0, KW_E_USAGE },  /* * 604800 > UINT64_MAX */
		{ "99999999999999999999999s", UINT64_MAX, 0, KW_E_USAGE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t v = 12345;
		int rc = kw_duration_parse(cases[i].in, strlen(cases[i].in), cases[i].max, &v);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d", cases[i].in, rc, cases[i].rc);
		assert_int_equal(v, rc == 0 ? cases[i].want : 12345); /* untouched on error */
	}
	/* the length bounds the read: "1h" followed by bytes that are not part of it */
	uint64_t v = 0;
	assert_int_equal(kw_duration_parse("1hx", 2, UINT64_MAX, &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(kw_duration_parse("15m", 1, UINT64_MAX, &v), KW_E_USAGE);
	assert_int_equal(kw_duration_parse(NULL, 0, UINT64_MAX, &v), KW_E_USAGE);
}

/* ---- semantics ---- */

static void test_window_edge(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("*:3/10s", &r);
	const int64_t t[] = { 1000, 1005, 1009 };
	const kw_rule_trigger *hit = NULL;
	/* at 1009 all three are inside (1009-10, 1009] */
	assert_true(kw_rules_blocked(&r, "1.2.3.4", 7, NULL, t, 3, 1009, &hit));
	assert_ptr_equal(hit, &r.clauses[0].triggers[0]);
	/* at 1009 + 0.999...: still; at 1010 the first is exactly 10 s old: out (exclusive edge) */
	assert_true(blocked(&r, "x", NULL, t, 3, 1009));
	assert_false(kw_rules_blocked(&r, "1.2.3.4", 7, NULL, t, 3, 1010, &hit));
	assert_null(hit);
	/* with a fourth attempt the window holds three again */
	const int64_t t4[] = { 1000, 1005, 1009, 1014 };
	assert_true(blocked(&r, "x", NULL, t4, 4, 1014));
	assert_false(blocked(&r, "x", NULL, t4, 4, 1015)); /* 1005 is exactly 10 s old */
	/* fewer attempts than COUNT never block, however close */
	assert_false(blocked(&r, "x", NULL, t, 2, 1001));
	assert_false(blocked(&r, "x", NULL, t, 0, 1001));
	assert_false(blocked(&r, "x", NULL, NULL, 0, 1001));
	/* attempts after now (log clock ahead) count */
	assert_true(blocked(&r, "x", NULL, t, 3, 500));
	assert_true(blocked(&r, "x", NULL, t, 3, 1000));
	/* extreme times: no overflow in now - t */
	const int64_t ext[] = { INT64_MIN, INT64_MIN + 1, INT64_MAX };
	assert_false(blocked(&r, "x", NULL, ext, 3, INT64_MAX));
	assert_true(blocked(&r, "x", NULL, ext, 3, INT64_MIN + 5));
	const int64_t ext2[] = { INT64_MAX - 2, INT64_MAX - 1, INT64_MAX };
	assert_true(blocked(&r, "x", NULL, ext2, 3, INT64_MAX));
	assert_true(blocked(&r, "x", NULL, ext2, 3, INT64_MIN)); /* all after now */
	kw_rules_release(&r);
	kw_rules_release(&r);

	/* count 1: a single attempt blocks for exactly PERIOD seconds */
	parse_ok("*:1/1h", &r);
	const int64_t one[] = { 0 };
	assert_true(blocked(&r, "x", NULL, one, 1, 3599));
	assert_false(blocked(&r, "x", NULL, one, 1, 3600));
	kw_rules_release(&r);
}

static void test_only_last_count_matter(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("*:5/1m", &r);
	int64_t t[1000];
	for (size_t i = 0; i < 1000; i++)
		t[i] = (int64_t)i * 100; /* one every 100 s: never 5 in a minute */
	assert_false(blocked(&r, "x", NULL, t, 1000, t[999]));
	for (size_t i = 995; i < 1000; i++)
		t[i] = 100000 + (int64_t)i; /* the last five within 5 s */
	assert_true(blocked(&r, "x", NULL, t, 1000, 100999));
	assert_true(blocked(&r, "x", NULL, t + 995, 5, 100999)); /* the suffix alone says the same */
	assert_true(blocked(&r, "x", NULL, t, 1000, 100995 + 59));
	assert_false(blocked(&r, "x", NULL, t, 1000, 100995 + 60));
	kw_rules_release(&r);
}

static void test_several_triggers(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("*:3/10s,5/100s", &r);
	const kw_rule_trigger *t0 = &r.clauses[0].triggers[0], *t1 = &r.clauses[0].triggers[1], *hit;
	const int64_t slow[] = { 0, 20, 40, 60, 80 };   /* 5 in 80 s, never 3 in 10 s */
	assert_true(kw_rules_blocked(&r, "x", 1, NULL, slow, 5, 80, &hit));
	assert_ptr_equal(hit, t1);
	assert_true(kw_rules_blocked(&r, "x", 1, NULL, slow, 5, 99, &hit));
	assert_false(kw_rules_blocked(&r, "x", 1, NULL, slow, 5, 100, &hit)); /* 0 leaves */
	assert_false(kw_rules_blocked(&r, "x", 1, NULL, slow, 4, 60, &hit));
	const int64_t fast[] = { 0, 1, 2 };
	assert_true(kw_rules_blocked(&r, "x", 1, NULL, fast, 3, 9, &hit));
	assert_ptr_equal(hit, t0);
	/* both satisfied: the first in rule order is reported */
	const int64_t both[] = { 0, 1, 2, 3, 4 };
	assert_true(kw_rules_blocked(&r, "x", 1, NULL, both, 5, 4, &hit));
	assert_ptr_equal(hit, t0);
	kw_rules_release(&r);
	/* the same triggers in the other order: the other one is reported */
	parse_ok("*:5/100s,3/10s", &r);
	assert_true(kw_rules_blocked(&r, "x", 1, NULL, both, 5, 4, &hit));
	assert_ptr_equal(hit, &r.clauses[0].triggers[0]);
	assert_int_equal(hit->count, 5);
	kw_rules_release(&r);
}

static void test_several_clauses(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("*:10/1h root|admin:3/1h,5/1d", &r);
	const int64_t three[] = { 100, 200, 300 };
	const kw_rule_trigger *hit;
	assert_true(kw_rules_blocked(&r, "root", 4, NULL, three, 3, 400, &hit));
	assert_ptr_equal(hit, &r.clauses[1].triggers[0]);
	assert_true(kw_rules_blocked(&r, "admin", 5, NULL, three, 3, 400, &hit));
	assert_false(kw_rules_blocked(&r, "bob", 3, NULL, three, 3, 400, &hit));
	assert_null(hit);
	/* 5 in a day: root's second trigger */
	const int64_t day[] = { 0, 5000, 10000, 20000, 40000 };
	assert_true(kw_rules_blocked(&r, "root", 4, NULL, day, 5, 50000, &hit));
	assert_ptr_equal(hit, &r.clauses[1].triggers[1]);
	assert_false(blocked(&r, "bob", NULL, day, 5, 50000));
	/* 10 in an hour blocks anyone; root hits the first clause first */
	int64_t ten[10];
	for (int i = 0; i < 10; i++)
		ten[i] = 1000 + i;
	assert_true(kw_rules_blocked(&r, "bob", 3, NULL, ten, 10, 1010, &hit));
	assert_ptr_equal(hit, &r.clauses[0].triggers[0]);
	assert_true(kw_rules_blocked(&r, "root", 4, NULL, ten, 10, 1010, &hit));
	assert_ptr_equal(hit, &r.clauses[0].triggers[0]);
	assert_true(kw_rules_match(&r, "bob", 3, NULL));
	kw_rules_release(&r);
}

static void test_negation(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("!root|admin:2/1h", &r);
	const int64_t two[] = { 10, 20 };
	assert_false(kw_rules_match(&r, "root", 4, NULL));
	assert_false(kw_rules_match(&r, "admin", 5, NULL));
	assert_true(kw_rules_match(&r, "bob", 3, NULL));
	assert_true(kw_rules_match(&r, "roo", 3, NULL));
	assert_true(kw_rules_match(&r, "", 0, NULL));
	assert_false(blocked(&r, "root", NULL, two, 2, 30));
	assert_false(blocked(&r, "admin", NULL, two, 2, 30));
	assert_true(blocked(&r, "bob", NULL, two, 2, 30));
	kw_rules_release(&r);

	/* "!*" applies to nobody */
	parse_ok("!*:1/1h", &r);
	assert_false(kw_rules_match(&r, "anyone", 6, NULL));
	assert_false(blocked(&r, "anyone", NULL, two, 2, 30));
	kw_rules_release(&r);

	/* negation with a service: everything except root on sshd */
	parse_ok("!root/sshd:2/1h", &r);
	assert_false(kw_rules_match(&r, "root", 4, NULL));       /* NULL = sshd */
	assert_false(kw_rules_match(&r, "root", 4, "sshd"));
	assert_true(kw_rules_match(&r, "root", 4, "su"));
	assert_true(kw_rules_match(&r, "bob", 3, NULL));
	assert_true(blocked(&r, "root", "su", two, 2, 30));
	assert_false(blocked(&r, "root", "sshd", two, 2, 30));
	kw_rules_release(&r);

	/* a negated clause beside a plain one: root falls under the plain one only */
	parse_ok("!root:2/1h root:5/1h", &r);
	assert_false(blocked(&r, "root", NULL, two, 2, 30));
	assert_true(blocked(&r, "bob", NULL, two, 2, 30));
	const int64_t five[] = { 1, 2, 3, 4, 5 };
	const kw_rule_trigger *hit;
	assert_true(kw_rules_blocked(&r, "root", 4, NULL, five, 5, 6, &hit));
	assert_ptr_equal(hit, &r.clauses[1].triggers[0]);
	kw_rules_release(&r);
}

static void test_services(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("root/sshd:2/1h */su:1/1h", &r);
	const int64_t two[] = { 10, 20 }, one[] = { 10 };
	assert_true(kw_rules_match(&r, "root", 4, NULL));
	assert_true(kw_rules_match(&r, "root", 4, "sshd"));
	assert_false(kw_rules_match(&r, "root", 4, "sshd-session"));
	assert_false(kw_rules_match(&r, "root", 4, "ssh"));
	assert_true(kw_rules_match(&r, "bob", 3, "su"));
	assert_false(kw_rules_match(&r, "bob", 3, NULL));
	assert_true(blocked(&r, "root", NULL, two, 2, 30));
	assert_false(blocked(&r, "root", NULL, one, 1, 30));
	assert_true(blocked(&r, "root", "su", one, 1, 30));
	assert_false(blocked(&r, "bob", "sshd", two, 2, 30));
	kw_rules_release(&r);
}

static void test_subject_bytes(void **state)
{
	(void)state;
	kw_rules r;
	parse_ok("root|[2001:db8::1]|192.0.2.1:1/1h", &r);
	/* the length counts, not a terminator */
	assert_true(kw_rules_match(&r, "rootkit", 4, NULL));
	assert_false(kw_rules_match(&r, "rootkit", 7, NULL));
	assert_false(kw_rules_match(&r, "roo", 3, NULL));
	assert_false(kw_rules_match(&r, "root\0x", 6, NULL));
	assert_false(kw_rules_match(&r, "ROOT", 4, NULL)); /* case matters */
	assert_true(kw_rules_match(&r, "2001:db8::1", 11, NULL));
	assert_true(kw_rules_match(&r, "192.0.2.1", 9, NULL));
	assert_false(kw_rules_match(&r, "192.0.2.10", 10, NULL));
	assert_false(kw_rules_match(&r, NULL, 0, NULL));
	assert_false(kw_rules_match(NULL, "root", 4, NULL));
	kw_rules_release(&r);
	parse_ok("*:1/1h", &r);
	assert_true(kw_rules_match(&r, "", 0, NULL));
	assert_true(kw_rules_match(&r, NULL, 0, NULL));
	assert_true(kw_rules_match(&r, "a\0b", 3, "anything"));
	kw_rules_release(&r);
}

static void test_max(void **state)
{
	(void)state;
	static const struct { const char *in; uint32_t count, period; } cases[] = {
		{ "*:10/1h,30/1d", 30, 86400 },
		{ "*:10/1h,30/1d root:50/2h", 50, 86400 },
		{ "*:100/1s root:2/3w", 100, 3 * 604800 },
		{ "!x:1/1s", 1, 1 },
		{ "*:100000/366d", KW_RULE_MAX_COUNT, KW_RULE_MAX_PERIOD_S },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_rules r;
		parse_ok(cases[i].in, &r);
		assert_int_equal(r.max_count, cases[i].count);
		assert_int_equal(r.max_period_s, cases[i].period);
		kw_rules_release(&r);
	}
}

/* ---- differential: kw_rules_blocked against a naive counter ---- */

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool naive(const kw_rules *r, const int64_t *t, size_t n, int64_t now, const kw_rule_trigger **hit)
{
	for (size_t c = 0; c < r->nclauses; c++) {
		for (size_t k = 0; k < r->clauses[c].ntriggers; k++) {
			const kw_rule_trigger *tr = &r->clauses[c].triggers[k];
			uint32_t in = 0;
			for (size_t i = 0; i < n; i++)
				if (now - t[i] < (int64_t)tr->period_s)
					in++;
			if (in >= tr->count) {
				*hit = tr;
				return true;
			}
		}
	}
	*hit = NULL;
	return false;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void test_random_against_naive(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	print_message("test_guard_rules: seed %llu (KW_TEST_SEED=%llu to replay)\n",
		      (unsigned long long)seed, (unsigned long long)seed);
	rng = seed | 1;
	static const char units[] = "smh";
	size_t fired = 0, runs = 3000;
	for (size_t it = 0; it < runs; it++) {
		char text[256];
		size_t len = (size_t)snprintf(text, sizeof text, "*:");
		unsigned ntr = 1 + (unsigned)(rnd() % 3);
		for (unsigned k = 0; k < ntr; k++)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s%u/%u%c", k ? "," : "",
						1 + (unsigned)(rnd() % 8), 1 + (unsigned)(rnd() % 30),
						units[rnd() % 2]);
		kw_rules r;
		parse_ok(text, &r);
		int64_t t[40];
		size_t n = (size_t)(rnd() % 40);
		int64_t base = (int64_t)(rnd() % 2000) - 1000;
		for (size_t i = 0; i < n; i++)
			t[i] = base + (int64_t)(rnd() % 1200);
		qsort(t, n, sizeof t[0], cmp64);
		int64_t now = base + (int64_t)(rnd() % 1400) - 50;
		const kw_rule_trigger *h1, *h2;
		bool a = kw_rules_blocked(&r, "s", 1, NULL, t, n, now, &h1);
		bool b = naive(&r, t, n, now, &h2);
		if (a != b || h1 != h2)
			fail_msg("rule %s, n %zu, now %lld: got %d, naive %d", text, n, (long long)now, a, b);
		fired += a;
		kw_rules_release(&r);
	}
	/* the generator must exercise both outcomes */
	assert_true(fired > runs / 10);
	assert_true(fired < runs - runs / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_refused_forms),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_only_last_count_matter),
		cmocka_unit_test(test_several_triggers),
		cmocka_unit_test(test_several_clauses),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_subject_bytes),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_random_against_naive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
