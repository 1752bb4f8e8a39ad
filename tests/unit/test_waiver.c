/* test_waiver.c — waiver files and --waive: parsing, date validation, glob matching,
 * expiry against a fixed "today", the used flag, and what waiving does to counts.
 * Owner: report/finding-model engineer. */
#include "base/cleanup.h"
#include "base/err.h"
#include "checks/finding.h"
#include "checks/profile.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const kw_check_def chk_auth = { .id = "keys.authorized-key", .severity = KW_SEV_HIGH, .title = "t" };
static const kw_check_def chk_empty = { .id = "accounts.empty-password", .severity = KW_SEV_CRITICAL, .title = "t" };
static const kw_check_def chk_hist = { .id = "secrets.history", .severity = KW_SEV_MEDIUM, .title = "t" };

#define TODAY "2026-06-15"

static int parse(kw_waivers *w, const char *text, kw_diags *d)
{
	return kw_waivers_parse(w, "w.txt", text, strlen(text), d);
}

static void test_parse_valid(void **state)
{
	(void)state;
	kw_waivers w = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(parse(&w,
		"# accepted risks, reviewed quarterly\n"
		"\n"
		"keys.authorized-key /home/deploy/* expires=2026-12-31 reason=deploy key, ticket OPS-12  \n"
		"  accounts.empty-password\texpires=2024-02-29\treason=kiosk\r\n"
		"secrets.history /root/.bash_history expires=2026-06-15 reason=reason=with equals # kept\n",
		&d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(w.n, 3);

	assert_string_equal(w.v[0].id, "keys.authorized-key");
	assert_string_equal(w.v[0].glob, "/home/deploy/*");
	assert_string_equal(w.v[0].expires, "2026-12-31");
	assert_string_equal(w.v[0].reason, "deploy key, ticket OPS-12");
	assert_string_equal(w.v[0].source, "w.txt:3");
	assert_false(w.v[0].used);
	assert_false(w.v[0].expired);

	assert_string_equal(w.v[1].id, "accounts.empty-password");
	assert_string_equal(w.v[1].glob, "*"); /* no glob: every target */
	assert_string_equal(w.v[1].expires, "2024-02-29"); /* a leap day */
	assert_string_equal(w.v[1].reason, "kiosk");
	assert_string_equal(w.v[1].source, "w.txt:4");

	/* the reason runs to the end of the line, '#' and '=' included */
	assert_string_equal(w.v[2].reason, "reason=with equals # kept");
	kw_waivers_release(&w);
	assert_int_equal(w.n, 0);
	assert_null(w.v);
}

static void test_bad_dates(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01", "2026-00-10",
		"2026-04-31", "2026-01-00", "2026-1-01", "2026-01-1", "26-01-01",
		"2026/01/01", "2026-01-01x", "0000-01-01", "2026-0a-01", "", "never",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(bad); i++) {
		kw_waivers w = { 0 };
		kw_diags d = { 0 };
		char line[128];
		snprintf(line, sizeof line, "\nsecrets.history expires=%s reason=x\n", bad[i]);
		assert_int_equal(parse(&w, line, &d), KW_E_USAGE);
		assert_int_equal(w.n, 0);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.v[0].file, "w.txt");
		assert_int_equal(d.v[0].line, 2);
		assert_non_null(strstr(d.v[0].msg, "date"));
		kw_diags_release(&d);
	}
	/* leap years done right */
	static const char *const good[] = { "2000-02-29", "2028-02-29", "2026-12-31", "9999-01-31", "0001-01-01" };
	for (size_t i = 0; i < KW_ARRAY_LEN(good); i++) {
		kw_waivers w = { 0 };
		kw_diags d = { 0 };
		char line[128];
		snprintf(line, sizeof line, "secrets.history expires=%s reason=x\n", good[i]);
		assert_int_equal(parse(&w, line, &d), 0);
		assert_int_equal(w.n, 1);
		assert_string_equal(w.v[0].expires, good[i]);
		kw_waivers_release(&w);
	}
}

static void test_bad_lines(void **state)
{
	(void)state;
	kw_waivers w = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(parse(&w,
		"secrets.history reason=no date\n"                         /* 1 */
		"secrets.history expires=2026-01-01\n"                     /* 2 */
		"Secrets.History expires=2026-01-01 reason=x\n"            /* 3 */
		"secrets.history a b expires=2026-01-01 reason=x\n"        /* 4 */
		"secrets.history expires=2026-01-01 /x reason=x\n"         /* 5 */
		"secrets.history expires=2026-01-01 expires=2026-01-02 reason=x\n" /* 6 */
		"secrets.history expires=2026-01-01 reason=   \n"          /* 7 */
		"secrets.history /ok expires=2026-01-01 reason=fine\n"     /* 8 */
		"\x1b]0;pwned\x07 expires=2026-01-01 reason=x\n",          /* 9 */
		&d), KW_E_USAGE);
	assert_int_equal(w.n, 1); /* the good line is kept */
	assert_string_equal(w.v[0].glob, "/ok");
	assert_string_equal(w.v[0].source, "w.txt:8");
	assert_int_equal(d.n, 8);
	static const struct { unsigned line; const char *needle; } want[] = {
		{ 1, "missing expires" }, { 2, "missing reason" }, { 3, "not a check id" },
		{ 4, "unexpected b" }, { 5, "unexpected /x" }, { 6, "given twice" },
		{ 7, "reason= is empty" }, { 9, "not a check id" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(want); i++) {
		assert_int_equal(d.v[i].line, want[i].line);
		assert_string_equal(d.v[i].file, "w.txt");
		assert_non_null(strstr(d.v[i].msg, want[i].needle));
		assert_null(strchr(d.v[i].msg, 0x1b)); /* quoted escaped, never raw */
		assert_null(strchr(d.v[i].msg, 0x07));
	}
	kw_waivers_release(&w);
	kw_diags_release(&d);

	/* NUL byte in a line */
	static const char nul[] = "secrets.history expires=2026-01-01 reason=a\0b\n";
	assert_int_equal(kw_waivers_parse(&w, "w.txt", nul, sizeof nul - 1, &d), KW_E_USAGE);
	assert_int_equal(w.n, 0);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "NUL"));
	kw_diags_release(&d);
}

static void test_add_arg(void **state)
{
	(void)state;
	kw_waivers w = { 0 };
	assert_int_equal(kw_waivers_add_arg(&w, "keys.authorized-key"), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "secrets.history:/root/*"), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "accounts.empty-password:"), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "x:a:b"), 0); /* the glob is everything after the first ':' */
	assert_int_equal(kw_waivers_add_arg(&w, ""), KW_E_USAGE);
	assert_int_equal(kw_waivers_add_arg(&w, ":glob"), KW_E_USAGE);
	assert_int_equal(kw_waivers_add_arg(&w, "BAD.id"), KW_E_USAGE);
	assert_int_equal(kw_waivers_add_arg(&w, "ok.id:has space"), KW_E_USAGE);
	assert_int_equal(kw_waivers_add_arg(&w, NULL), KW_E_USAGE);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.v[0].glob, "*");
	assert_null(w.v[0].expires);
	assert_string_equal(w.v[0].reason, "command line");
	assert_string_equal(w.v[0].source, "command line");
	assert_string_equal(w.v[1].id, "secrets.history");
	assert_string_equal(w.v[1].glob, "/root/*");
	assert_string_equal(w.v[2].glob, "*");
	assert_string_equal(w.v[3].id, "x");
	assert_string_equal(w.v[3].glob, "a:b");
	kw_waivers_release(&w);
}

static void add_findings(kw_findings *fs)
{
	assert_int_equal(kw_findings_add(fs, &chk_auth, "/home/deploy/.ssh/authorized_keys",
					 "/home/deploy/.ssh/authorized_keys", 1, "deploy", "1 key (ED25519)"), 0);
	assert_int_equal(kw_findings_add(fs, &chk_auth, "/root/.ssh/authorized_keys",
					 "/root/.ssh/authorized_keys", 2, "root", "1 key"), 0);
	assert_int_equal(kw_findings_add(fs, &chk_empty, "kiosk", "/etc/shadow", 7, "kiosk",
					 "account %s has an empty password field", "kiosk"), 0);
	assert_int_equal(kw_findings_add(fs, &chk_hist, "/root/.bash_history", NULL, 0, NULL,
					 "%d lines", 12), 0);
}

static void test_apply_glob_expiry_used(void **state)
{
	(void)state;
	kw_findings fs = { 0 };
	add_findings(&fs);
	kw_waivers w = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(parse(&w,
		"keys.authorized-key /home/*/.ssh/authorized_keys expires=2026-12-31 reason=deploy\n" /* 0 */
		"accounts.empty-password kiosk expires=" TODAY " reason=last day\n"               /* 1 */
		"secrets.history expires=2026-06-14 reason=lapsed yesterday\n"                     /* 2 */
		"keys.authorized-key /srv/* expires=2027-01-01 reason=nothing there\n"             /* 3 */
		"secrets.history /root/* expires=2026-07-01 reason=second chance\n",               /* 4 */
		&d), 0);
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_INFO), 4);
	kw_waivers_apply(&w, &fs, TODAY);

	/* fnmatch without flags: '*' crosses '/' */
	assert_true(fs.v[0].waived);
	assert_string_equal(fs.v[0].waiver_reason, "deploy");
	assert_string_equal(fs.v[0].waiver_expires, "2026-12-31");
	assert_false(fs.v[1].waived); /* /root does not match /home/... */
	assert_null(fs.v[1].waiver_reason);
	/* expiry day itself still waives */
	assert_true(fs.v[2].waived);
	assert_string_equal(fs.v[2].waiver_reason, "last day");
	/* the expired waiver does not waive, the later valid one does */
	assert_true(fs.v[3].waived);
	assert_string_equal(fs.v[3].waiver_reason, "second chance");

	assert_true(w.v[0].used);
	assert_false(w.v[0].expired);
	assert_true(w.v[1].used);
	assert_false(w.v[1].expired);
	assert_true(w.v[2].used); /* expired but still matches a finding */
	assert_true(w.v[2].expired);
	assert_false(w.v[3].used);
	assert_false(w.v[3].expired);
	assert_true(w.v[4].used);

	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_INFO), 1);
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_HIGH), 1);
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_CRITICAL), 0);

	/* applying again changes nothing */
	kw_waivers_apply(&w, &fs, TODAY);
	assert_string_equal(fs.v[3].waiver_reason, "second chance");
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_INFO), 1);

	kw_waivers_release(&w);
	kw_findings_release(&fs);
}

static void test_apply_later_today_expires(void **state)
{
	(void)state;
	kw_findings fs = { 0 };
	add_findings(&fs);
	kw_waivers w = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(parse(&w, "accounts.empty-password kiosk expires=2026-06-15 reason=x\n", &d), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "keys.authorized-key:/root/*"), 0);
	kw_waivers_apply(&w, &fs, "2026-06-16");
	assert_false(fs.v[2].waived);
	assert_true(w.v[0].expired);
	assert_true(w.v[0].used);
	/* a command-line waiver never expires */
	assert_true(fs.v[1].waived);
	assert_string_equal(fs.v[1].waiver_reason, "command line");
	assert_null(fs.v[1].waiver_expires);
	assert_false(w.v[1].expired);
	kw_waivers_release(&w);
	kw_findings_release(&fs);
}

static void test_glob_is_not_a_substring(void **state)
{
	(void)state;
	kw_findings fs = { 0 };
	add_findings(&fs);
	kw_waivers w = { 0 };
	assert_int_equal(kw_waivers_add_arg(&w, "accounts.empty-password:kio"), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "accounts.empty-password:KIOSK"), 0);
	assert_int_equal(kw_waivers_add_arg(&w, "accounts.empty-passwor:*"), 0);
	kw_waivers_apply(&w, &fs, TODAY);
	for (size_t i = 0; i < fs.n; i++)
		assert_false(fs.v[i].waived);
	for (size_t i = 0; i < w.n; i++)
		assert_false(w.v[i].used);
	assert_int_equal(kw_waivers_add_arg(&w, "accounts.empty-password:k?os[a-z]"), 0);
	kw_waivers_apply(&w, &fs, TODAY);
	assert_true(fs.v[2].waived);
	assert_true(w.v[3].used);
	kw_waivers_release(&w);
	kw_findings_release(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_add_arg),
		cmocka_unit_test(test_apply_glob_expiry_used),
		cmocka_unit_test(test_apply_later_today_expires),
		cmocka_unit_test(test_glob_is_not_a_substring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
