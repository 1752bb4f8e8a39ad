/* test_report.c — the finding model and the renderers.
 *
 * A report is built by hand with hostile strings (terminal escape sequences, newlines
 * that would forge a line, invalid UTF-8, a bidi override, "</script>") and rendered as
 * text (colour off and on, verbose) and JSON into memory; the output is compared with
 * golden files in tests/data/report/ that a human has read. Run with KW_UPDATE_GOLDEN=1
 * to rewrite them (then read the diff before keeping it). The JSON is also parsed back
 * with jansson and its fields checked one by one.
 * Owner: report/finding-model engineer. */
#include "base/cleanup.h"
#include "base/diag.h"
#include "base/err.h"
#include "checks/finding.h"
#include "checks/profile.h"
#include "report/report.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#ifndef KW_TEST_DATA
#error "KW_TEST_DATA must name tests/data"
#endif

/* ---- the fixture: checks, findings, diagnostics, waivers ---- */

static const kw_check_def chk_empty = {
	.id = "accounts.empty-password",
	.severity = KW_SEV_CRITICAL,
	.title = "Account with an empty password",
	.rationale = "An empty password field lets anyone log in as the account where PAM allows "
		     "nullok, and every instance launched from the image inherits it.",
	.remediation = "Lock the account (usermod -L NAME) or set a password. Then rebuild the image.",
	.refs = { "AWS: Guidelines for shared Linux AMIs", "CIS Debian Linux 12 7.2.2" },
};
static const kw_check_def chk_authkey = {
	.id = "keys.authorized-key",
	.severity = KW_SEV_HIGH,
	.title = "Authorized SSH key left in the image",
	.rationale = "A key in authorized_keys grants its holder logon to every instance.",
	.remediation = "Remove the authorized_keys file before capturing the image.",
	.refs = { "AWS: Guidelines for shared Linux AMIs" },
};
static const kw_check_def chk_history = {
	.id = "secrets.history",
	.severity = KW_SEV_MEDIUM,
	.title = "Shell history left in the image",
	.rationale = "History files often hold passwords typed on command lines.",
	.remediation = "Delete the history file",
};
static const kw_check_def chk_machine = {
	.id = "image.machine-id",
	.severity = KW_SEV_LOW,
	.title = "machine-id present",
	.rationale = "Instances would share one identity.",
	.remediation = "Empty /etc/machine-id.",
};
static const kw_check_def chk_login = {
	.id = "accounts.login-account",
	.severity = KW_SEV_INFO,
	.title = "Login account",
	.rationale = "",
	.remediation = "",
};

#define EVIL_NAME "evil\x1b[31mred\nCRITICAL  accounts.fake  forged"
#define EVIL_NAME_ESCAPED "evil\\x1b[31mred\\nCRITICAL  accounts.fake  forged"

static kw_findings fx_findings;
static kw_diags fx_diags;
static kw_waivers fx_waivers;

static int fixture_setup(void **state)
{
	(void)state;
	kw_findings *fs = &fx_findings;
	fx_findings = (kw_findings){ 0 };
	fx_diags = (kw_diags){ 0 };
	fx_waivers = (kw_waivers){ 0 };
	/* added out of order on purpose: the renderer groups by severity */
	if (kw_findings_add(fs, &chk_login, "\xe2\x80\xae" "gnp.exe\tx", "/etc/passwd", 30, "\xe2\x80\xae" "gnp.exe\tx",
			    "login account (UID %u)", 1001) < 0 ||
	    kw_findings_add(fs, &chk_history, "/root/</script><script>alert(1)</script>",
			    "/root/</script><script>alert(1)</script>", 0, "root",
			    "history file, %d lines", 12) < 0 ||
	    kw_findings_add(fs, &chk_empty, "bob", "/etc/shadow", 4, "bob",
			    "account %s has an empty password field in /etc/shadow:%u", "bob", 4u) < 0 ||
	    kw_findings_add(fs, &chk_authkey, "/home/\xff\xfe" "bad/.ssh/authorized_keys",
			    "/home/\xff\xfe" "bad/.ssh/authorized_keys", 0, NULL,
			    "%d keys (ED25519, RSA 2048)", 2) < 0 ||
	    kw_findings_add(fs, &chk_empty, EVIL_NAME, "/etc/shadow", 9, EVIL_NAME,
			    "account %s has an empty password field in /etc/shadow:%u", EVIL_NAME, 9u) < 0 ||
	    kw_findings_add(fs, &chk_machine, "/etc/machine-id", "/etc/machine-id", 0, NULL,
			    "32 hex digits") < 0)
		return -1;

	if (kw_diags_add(&fx_diags, "/etc/pass\nwd\x1b[0m", 9, KW_E_PARSE, "malformed line: %d fields", 5) < 0 ||
	    kw_diags_add_fatal(&fx_diags, NULL, 0, -EACCES, "cannot read /etc/shadow: %s",
			       "Permission denied") < 0)
		return -1;

	static const char waivers[] =
		"image.machine-id /etc/machine-id expires=2026-12-31 reason=regenerated at first boot\x1b[2J\n"
		"keys.authorized-key /srv/* expires=2027-01-01 reason=nothing there\n"
		"secrets.history expires=2026-01-31 reason=lapsed\n";
	kw_diags wd = { 0 };
	int r = kw_waivers_parse(&fx_waivers, "waivers.txt", waivers, sizeof waivers - 1, &wd);
	kw_diags_release(&wd);
	if (r < 0)
		return -1;
	kw_waivers_apply(&fx_waivers, fs, "2026-06-15");
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	kw_findings_release(&fx_findings);
	kw_diags_release(&fx_diags);
	kw_waivers_release(&fx_waivers);
	return 0;
}

static kw_report fixture_report(void)
{
	return (kw_report){
		.command = "audit",
		.target = "dir:/srv/img\x1b]0;owned\x07",
		.profile = "baseline",
		.version = "0.1.0",
		.started = "2026-06-15T10:00:00Z",
		.seconds = 1.23456,
		.findings = &fx_findings,
		.diags = &fx_diags,
		.waivers = &fx_waivers,
		.checks_run = 14,
		.fail_on = KW_SEV_HIGH,
		.exit_code = 3,
	};
}

/* ---- helpers ---- */

struct mem {
	char *s;
	size_t len;
};

static struct mem render(kw_format fmt, const kw_report *r, bool color, int verbosity)
{
	struct mem m = { 0 };
	FILE *f = open_memstream(&m.s, &m.len);
	assert_non_null(f);
	assert_int_equal(kw_report_render(f, fmt, r, color, verbosity), 0);
	assert_int_equal(fclose(f), 0);
	return m;
}

static struct mem render_checks(kw_format fmt, const kw_check_def *const *c, size_t n)
{
	struct mem m = { 0 };
	FILE *f = open_memstream(&m.s, &m.len);
	assert_non_null(f);
	assert_int_equal(kw_report_check_list(f, fmt, c, n), 0);
	assert_int_equal(fclose(f), 0);
	return m;
}

/* Compare with tests/data/report/NAME, or write it when KW_UPDATE_GOLDEN is set. */
static void golden(const char *name, const struct mem *m)
{
	char path[512];
	snprintf(path, sizeof path, "%s/report/%s", KW_TEST_DATA, name);
	if (getenv("KW_UPDATE_GOLDEN")) {
		FILE *w = fopen(path, "wb");
		assert_non_null(w);
		assert_int_equal(fwrite(m->s, 1, m->len, w), m->len);
		assert_int_equal(fclose(w), 0);
		fprintf(stderr, "wrote %s\n", path);
	}
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *want = malloc(m->len + 2);
	assert_non_null(want);
	size_t n = fread(want, 1, m->len + 1, f);
	fclose(f);
	if (n != m->len || memcmp(want, m->s, m->len)) {
		/* show where they part, to make the failure readable */
		size_t i = 0;
		while (i < n && i < m->len && want[i] == m->s[i])
			i++;
		fprintf(stderr, "%s differs at byte %zu (golden %zu bytes, got %zu)\n--- got:\n%.*s\n",
			path, i, n, m->len, (int)m->len, m->s);
		free(want);
		fail();
	}
	free(want);
}

/* Remove the colour codes the text renderer may emit; what is left must hold no ESC. */
static void strip_colors(char *s)
{
	static const char *const codes[] = {
		"\033[1;31m", "\033[31m", "\033[33m", "\033[36m", "\033[34m", "\033[1m",
		"\033[2m", "\033[0m",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(codes); i++) {
		size_t k = strlen(codes[i]);
		char *p;
		while ((p = strstr(s, codes[i])))
			memmove(p, p + k, strlen(p + k) + 1);
	}
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- the finding model ---- */

static void test_severity_names(void **state)
{
	(void)state;
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };
	for (int i = 0; i < KW_SEV__COUNT; i++) {
		kw_severity s = KW_SEV__COUNT;
		assert_string_equal(kw_severity_name((kw_severity)i), names[i]);
		assert_int_equal(kw_severity_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	kw_severity s = KW_SEV_LOW;
	assert_int_equal(kw_severity_parse("HiGh", &s), 0);
	assert_int_equal(s, KW_SEV_HIGH);
	s = KW_SEV_LOW;
	assert_int_equal(kw_severity_parse("severe", &s), KW_E_USAGE);
	assert_int_equal(kw_severity_parse("", &s), KW_E_USAGE);
	assert_int_equal(kw_severity_parse("high ", &s), KW_E_USAGE);
	assert_int_equal(kw_severity_parse(NULL, &s), KW_E_USAGE);
	assert_int_equal(s, KW_SEV_LOW); /* untouched on failure */
	assert_string_equal(kw_severity_name((kw_severity)42), "unknown");
}

static void test_findings_add_copies(void **state)
{
	(void)state;
	kw_findings fs = { 0 };
	char target[] = "alice", path[] = "/etc/shadow", acct[] = "alice";
	assert_int_equal(kw_findings_add(&fs, &chk_empty, target, path, 3, acct, "%s:%u %s", path, 3u, "x"), 0);
	target[0] = path[0] = acct[0] = 'X';
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.v[0].target, "alice");
	assert_string_equal(fs.v[0].path, "/etc/shadow");
	assert_string_equal(fs.v[0].account, "alice");
	assert_string_equal(fs.v[0].evidence, "/etc/shadow:3 x");
	assert_int_equal(fs.v[0].line, 3);
	assert_ptr_equal(fs.v[0].check, &chk_empty);
	assert_int_equal(fs.v[0].severity, KW_SEV_CRITICAL); /* the check's default */
	assert_false(fs.v[0].waived);
	/* NULL target becomes "" (never NULL); NULL path and account stay NULL */
	assert_int_equal(kw_findings_add(&fs, &chk_history, NULL, NULL, 0, NULL, "plain"), 0);
	assert_string_equal(fs.v[1].target, "");
	assert_null(fs.v[1].path);
	assert_null(fs.v[1].account);
	assert_int_equal(kw_findings_add(&fs, NULL, "x", NULL, 0, NULL, "y"), -EINVAL);
	for (int i = 0; i < 100; i++)
		assert_int_equal(kw_findings_add(&fs, &chk_login, "t", NULL, 0, NULL, "%d", i), 0);
	assert_int_equal(fs.n, 102);
	assert_string_equal(fs.v[101].evidence, "99");
	kw_findings_release(&fs);
	assert_int_equal(fs.n, 0);
	assert_null(fs.v);
	kw_findings_release(&fs); /* twice is harmless */
}

static void test_findings_sort_and_count(void **state)
{
	(void)state;
	kw_findings fs = { 0 };
	assert_int_equal(kw_findings_add(&fs, &chk_history, "b", "/p", 2, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_login, "a", NULL, 0, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_history, "b", "/p", 1, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_empty, "z", NULL, 0, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_history, "b", NULL, 5, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_history, "a", "/q", 0, NULL, "e"), 0);
	assert_int_equal(kw_findings_add(&fs, &chk_authkey, "m", NULL, 0, NULL, "e"), 0);
	fs.v[1].severity = KW_SEV_CRITICAL; /* a profile raised it: sorts by effective severity */
	kw_findings_sort(&fs);
	static const struct { const char *id, *target, *path; unsigned line; } want[] = {
		{ "accounts.empty-password", "z", NULL, 0 },
		{ "accounts.login-account", "a", NULL, 0 },
		{ "keys.authorized-key", "m", NULL, 0 },
		{ "secrets.history", "a", "/q", 0 },
		{ "secrets.history", "b", NULL, 5 },
		{ "secrets.history", "b", "/p", 1 },
		{ "secrets.history", "b", "/p", 2 },
	};
	assert_int_equal(fs.n, KW_ARRAY_LEN(want));
	for (size_t i = 0; i < fs.n; i++) {
		assert_string_equal(fs.v[i].check->id, want[i].id);
		assert_string_equal(fs.v[i].target, want[i].target);
		if (want[i].path)
			assert_string_equal(fs.v[i].path, want[i].path);
		else
			assert_null(fs.v[i].path);
		assert_int_equal(fs.v[i].line, want[i].line);
	}
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_CRITICAL), 2);
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_HIGH), 3);
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_INFO), 7);
	fs.v[0].waived = true;
	assert_int_equal(kw_findings_count_at_least(&fs, KW_SEV_CRITICAL), 1);
	assert_int_equal(kw_findings_count_at_least(NULL, KW_SEV_INFO), 0);
	kw_findings_release(&fs);
}

static void test_format_parse(void **state)
{
	(void)state;
	kw_format f = KW_FMT_JSON;
	assert_int_equal(kw_format_parse("text", &f), 0);
	assert_int_equal(f, KW_FMT_TEXT);
	assert_int_equal(kw_format_parse("JSON", &f), 0);
	assert_int_equal(f, KW_FMT_JSON);
	assert_int_equal(kw_format_parse("sarif", &f), 0);
	assert_int_equal(f, KW_FMT_SARIF);
	assert_int_equal(kw_format_parse("md", &f), 0);
	assert_int_equal(f, KW_FMT_MARKDOWN);
	for (int i = 0; i < KW_FMT__COUNT; i++) {
		assert_int_equal(kw_format_parse(kw_format_name((kw_format)i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_string_equal(kw_format_name(KW_FMT__COUNT), "?");
	f = KW_FMT_JSON;
	assert_int_equal(kw_format_parse("xml", &f), KW_E_USAGE);
	assert_int_equal(kw_format_parse("", &f), KW_E_USAGE);
	assert_int_equal(kw_format_parse(NULL, &f), KW_E_USAGE);
	assert_int_equal(f, KW_FMT_JSON);
}

/* ---- text ---- */

static void test_text_plain(void **state)
{
	(void)state;
	kw_report r = fixture_report();
	struct mem m = render(KW_FMT_TEXT, &r, false, 0);
	golden("text.txt", &m);
	/* no raw ESC, BEL, invalid byte; the forged line is not a line */
	assert_null(memchr(m.s, 0x1b, m.len));
	assert_null(memchr(m.s, 0x07, m.len));
	assert_null(memchr(m.s, 0xff, m.len));
	assert_null(strstr(m.s, "\xe2\x80\xae"));
	assert_null(strstr(m.s, "\nCRITICAL  accounts.fake"));
	assert_non_null(strstr(m.s, "evil\\x1b[31mred\\nCRITICAL  accounts.fake  forged"));
	assert_non_null(strstr(m.s, "/home/\\xff\\xfebad/.ssh/authorized_keys"));
	assert_non_null(strstr(m.s, "\\u{202e}gnp.exe\\tx"));
	/* the header comes first, the summary last */
	assert_int_equal(strncmp(m.s, "keyward 0.1.0 audit of dir:/srv/img\\x1b]0;owned\\x07, profile baseline\n", 70), 0);
	const char *last = m.s + m.len - 1;
	while (last > m.s && last[-1] != '\n')
		last--;
	assert_string_equal(last, "5 findings: 2 critical, 1 high, 1 medium, 0 low, 1 info (1 waived); "
				  "1 error; 1 check could not run; exit 3 (--fail-on high)\n");
	/* critical before high before info */
	char *c1 = strstr(m.s, "CRITICAL  accounts.empty-password  bob");
	char *h = strstr(m.s, "HIGH      keys.authorized-key");
	char *i = strstr(m.s, "INFO      accounts.login-account");
	assert_non_null(c1);
	assert_non_null(h);
	assert_non_null(i);
	assert_true(c1 < h && h < i);
	/* waived findings are only counted */
	assert_null(strstr(m.s, "image.machine-id  /etc/machine-id"));
	/* only the first sentence of the remediation */
	assert_non_null(strstr(m.s, "fix: Lock the account (usermod -L NAME) or set a password.\n"));
	assert_null(strstr(m.s, "rebuild the image"));
	free(m.s);
}

static void test_text_color(void **state)
{
	(void)state;
	kw_report r = fixture_report();
	struct mem m = render(KW_FMT_TEXT, &r, true, 0);
	golden("text-color.txt", &m);
	assert_non_null(strstr(m.s, "\033[1;31mCRITICAL\033[0m  accounts.empty-password  bob"));
	struct mem plain = render(KW_FMT_TEXT, &r, false, 0);
	strip_colors(m.s);
	/* colour adds codes and nothing else; the target's own ESC bytes never pass */
	assert_null(strchr(m.s, 0x1b));
	assert_string_equal(m.s, plain.s);
	free(m.s);
	free(plain.s);
}

static void test_text_verbose(void **state)
{
	(void)state;
	kw_report r = fixture_report();
	struct mem m = render(KW_FMT_TEXT, &r, false, 1);
	golden("text-verbose.txt", &m);
	assert_null(memchr(m.s, 0x1b, m.len));
	assert_non_null(strstr(m.s, "fix: Lock the account (usermod -L NAME) or set a password. Then rebuild the image.\n"));
	assert_non_null(strstr(m.s, "see: CIS Debian Linux 12 7.2.2\n"));
	assert_non_null(strstr(m.s, "why: History files often hold passwords"));
	assert_non_null(strstr(m.s, "WAIVED    image.machine-id  /etc/machine-id\n"));
	assert_non_null(strstr(m.s, "waived low finding until 2026-12-31: regenerated at first boot\\x1b[2J\n"));
	free(m.s);
}

static void test_text_empty(void **state)
{
	(void)state;
	kw_findings none = { 0 };
	kw_diags nodiag = { 0 };
	kw_report r = fixture_report();
	r.target = "/";
	r.findings = &none;
	r.diags = &nodiag;
	r.waivers = NULL;
	r.exit_code = 0;
	struct mem m = render(KW_FMT_TEXT, &r, false, 0);
	golden("empty.txt", &m);
	assert_string_equal(m.s, "keyward 0.1.0 audit of /, profile baseline\n"
				 "\n"
				 "no findings (14 checks run); exit 0 (--fail-on high)\n");
	free(m.s);

	/* NULL lists are the same as empty ones */
	r.findings = NULL;
	r.diags = NULL;
	m = render(KW_FMT_TEXT, &r, false, 0);
	assert_int_equal(count_lines(m.s), 3);
	assert_non_null(strstr(m.s, "no findings (14 checks run)"));
	free(m.s);
}

static void test_text_write_error(void **state)
{
	(void)state;
	kw_report r = fixture_report();
	FILE *f = fopen("/dev/full", "w");
	assert_non_null(f);
	assert_int_equal(kw_report_render(f, KW_FMT_TEXT, &r, false, 0), -EIO);
	fclose(f);
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	assert_int_equal(kw_report_render(f, KW_FMT_JSON, &r, false, 0), -EIO);
	fclose(f);
	/* a stream opened for reading refuses every write */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(kw_report_render(f, KW_FMT_TEXT, &r, false, 0), -EIO);
	clearerr(f);
	const kw_check_def *list[] = { &chk_empty };
	assert_int_equal(kw_report_check_list(f, KW_FMT_JSON, list, 1), -EIO);
	fclose(f);
}

/* ---- JSON ---- */

static void test_json_golden_and_fields(void **state)
{
	(void)state;
	kw_report r = fixture_report();
	struct mem m = render(KW_FMT_JSON, &r, true /* ignored */, 1);
	golden("report.json", &m);
	assert_int_equal(m.s[m.len - 1], '\n');
	assert_null(memchr(m.s, 0x1b, m.len));

	json_error_t e;
	json_t *root = json_loads(m.s, 0, &e);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "schema")), "keyward.report/1");
	/* keys in the documented order */
	static const char *const keys[] = { "schema", "tool", "command", "target", "profile",
		"started", "seconds", "fail_on", "exit_code", "summary", "findings", "errors", "waivers" };
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val) {
		assert_true(k < KW_ARRAY_LEN(keys));
		assert_string_equal(key, keys[k]);
		k++;
	}
	assert_int_equal(k, KW_ARRAY_LEN(keys));
	json_t *tool = json_object_get(root, "tool");
	assert_string_equal(json_string_value(json_object_get(tool, "name")), "keyward");
	assert_string_equal(json_string_value(json_object_get(tool, "version")), "0.1.0");
	assert_string_equal(json_string_value(json_object_get(root, "target")),
			    "dir:/srv/img\\x1b]0;owned\\x07");
	assert_true(json_is_real(json_object_get(root, "seconds")));
	assert_true(json_real_value(json_object_get(root, "seconds")) == 1.235);
	assert_string_equal(json_string_value(json_object_get(root, "fail_on")), "high");
	assert_int_equal(json_integer_value(json_object_get(root, "exit_code")), 3);

	json_t *sum = json_object_get(root, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "total")), 5);
	assert_int_equal(json_integer_value(json_object_get(sum, "waived")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "checks_run")), 14);
	assert_int_equal(json_integer_value(json_object_get(sum, "errors")), 2);
	json_t *by = json_object_get(sum, "by_severity");
	assert_int_equal(json_object_size(by), 5);
	assert_int_equal(json_integer_value(json_object_get(by, "critical")), 2);
	assert_int_equal(json_integer_value(json_object_get(by, "high")), 1);
	assert_int_equal(json_integer_value(json_object_get(by, "medium")), 1);
	assert_int_equal(json_integer_value(json_object_get(by, "low")), 0);
	assert_int_equal(json_integer_value(json_object_get(by, "info")), 1);

	/* findings: all of them, waived ones flagged, in the order given */
	json_t *fa = json_object_get(root, "findings");
	assert_int_equal(json_array_size(fa), 6);
	json_t *f0 = json_array_get(fa, 0);
	assert_string_equal(json_string_value(json_object_get(f0, "id")), "accounts.login-account");
	assert_string_equal(json_string_value(json_object_get(f0, "target")), "\\u{202e}gnp.exe\\tx");
	assert_int_equal(json_integer_value(json_object_get(f0, "line")), 30);
	assert_int_equal(json_array_size(json_object_get(f0, "references")), 0);
	json_t *f1 = json_array_get(fa, 1); /* secrets.history: waiver expired, not waived */
	assert_string_equal(json_string_value(json_object_get(f1, "target")),
			    "/root/</script><script>alert(1)</script>");
	assert_null(json_object_get(f1, "line")); /* line 0 is omitted */
	assert_false(json_is_true(json_object_get(f1, "waived")));
	assert_null(json_object_get(f1, "waiver"));
	json_t *f3 = json_array_get(fa, 3);
	assert_string_equal(json_string_value(json_object_get(f3, "target")),
			    "/home/\\xff\\xfebad/.ssh/authorized_keys");
	assert_null(json_object_get(f3, "account")); /* NULL account is omitted */
	assert_false(json_is_true(json_object_get(f3, "waived"))); /* the /srv glob does not match */
	json_t *f4 = json_array_get(fa, 4);
	assert_string_equal(json_string_value(json_object_get(f4, "target")), EVIL_NAME_ESCAPED);
	assert_string_equal(json_string_value(json_object_get(f4, "account")), EVIL_NAME_ESCAPED);
	assert_string_equal(json_string_value(json_object_get(f4, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(f4, "title")), "Account with an empty password");
	assert_int_equal(json_array_size(json_object_get(f4, "references")), 2);
	json_t *f5 = json_array_get(fa, 5);
	assert_true(json_is_true(json_object_get(f5, "waived")));
	json_t *w5 = json_object_get(f5, "waiver");
	assert_string_equal(json_string_value(json_object_get(w5, "reason")),
			    "regenerated at first boot\\x1b[2J");
	assert_string_equal(json_string_value(json_object_get(w5, "expires")), "2026-12-31");

	/* errors */
	json_t *ea = json_object_get(root, "errors");
	assert_int_equal(json_array_size(ea), 2);
	json_t *e0 = json_array_get(ea, 0);
	assert_string_equal(json_string_value(json_object_get(e0, "file")), "/etc/pass\\nwd\\x1b[0m");
	assert_int_equal(json_integer_value(json_object_get(e0, "line")), 9);
	assert_false(json_is_true(json_object_get(e0, "fatal")));
	json_t *e1 = json_array_get(ea, 1);
	assert_null(json_object_get(e1, "file"));
	assert_null(json_object_get(e1, "line"));
	assert_true(json_is_true(json_object_get(e1, "fatal")));
	assert_string_equal(json_string_value(json_object_get(e1, "message")),
			    "cannot read /etc/shadow: Permission denied");

	/* waivers: every one, with used / expired */
	json_t *wa = json_object_get(root, "waivers");
	assert_int_equal(json_array_size(wa), 3);
	json_t *wv2 = json_array_get(wa, 2);
	assert_string_equal(json_string_value(json_object_get(wv2, "id")), "secrets.history");
	assert_string_equal(json_string_value(json_object_get(wv2, "glob")), "*");
	assert_true(json_is_true(json_object_get(wv2, "expired")));
	assert_true(json_is_true(json_object_get(wv2, "used")));
	assert_string_equal(json_string_value(json_object_get(wv2, "source")), "waivers.txt:3");
	json_t *wv1 = json_array_get(wa, 1);
	assert_false(json_is_true(json_object_get(wv1, "used")));
	assert_false(json_is_true(json_object_get(wv1, "expired")));
	json_decref(root);
	free(m.s);
}

static void test_json_empty_and_nulls(void **state)
{
	(void)state;
	kw_report r = { .version = "0.1.0", .fail_on = KW_SEV_MEDIUM, .seconds = -1 };
	struct mem m = render(KW_FMT_JSON, &r, false, 0);
	golden("empty.json", &m);
	json_t *root = json_loads(m.s, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_null(json_object_get(root, "target")));
	assert_true(json_is_null(json_object_get(root, "command")));
	assert_true(json_real_value(json_object_get(root, "seconds")) == 0.0);
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	assert_int_equal(json_array_size(json_object_get(root, "errors")), 0);
	assert_int_equal(json_array_size(json_object_get(root, "waivers")), 0);
	json_decref(root);
	free(m.s);
}

/* ---- --list-checks ---- */

static void test_check_list(void **state)
{
	(void)state;
	const kw_check_def *list[] = { &chk_empty, &chk_authkey, NULL, &chk_history, &chk_login };
	struct mem m = render_checks(KW_FMT_TEXT, list, KW_ARRAY_LEN(list));
	golden("checks.txt", &m);
	assert_non_null(strstr(m.s, "accounts.empty-password  critical  Account with an empty password\n"));
	free(m.s);

	m = render_checks(KW_FMT_JSON, list, KW_ARRAY_LEN(list));
	golden("checks.json", &m);
	json_t *a = json_loads(m.s, 0, NULL);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 4);
	json_t *o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "accounts.empty-password");
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "critical");
	assert_non_null(json_string_value(json_object_get(o, "rationale")));
	assert_string_equal(json_string_value(json_object_get(o, "remediation")), chk_empty.remediation);
	assert_int_equal(json_array_size(json_object_get(o, "references")), 2);
	json_decref(a);
	free(m.s);

	m = render_checks(KW_FMT_JSON, NULL, 0);
	assert_string_equal(m.s, "[]\n");
	free(m.s);
}

/* ---- the shared formats: sarif, junit, markdown, html, prometheus ---- */

static const kw_check_def chk_clean = {
	.id = "sudo.nopasswd",
	.severity = KW_SEV_HIGH,
	.title = "passwordless sudo",
	.rationale = "Anyone with the account is root.",
	.remediation = "Require a password.",
};

/* The checks that "ran": every fixture check plus one without findings; chk_history is
 * left out on purpose, so a finding's check that is not in the list must still get a
 * rule and a test case. */
static const kw_check_def *const fx_checks[] = { &chk_empty, &chk_authkey, &chk_machine,
						 &chk_login, &chk_clean };

static kw_report shared_report(void)
{
	kw_report r = fixture_report();
	r.checks = fx_checks;
	r.n_checks = sizeof fx_checks / sizeof *fx_checks;
	r.root = "/srv/img dir";
	r.paths = KW_PATHS_IN_ROOT;
	r.started_unix = 1781517600;
	r.host = "build\"host";
	return r;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* No byte of the output is a control character other than newline (and tab nowhere). */
static void assert_no_controls(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			fail_msg("control character 0x%02x at offset %zu", (unsigned char)s[i], i);
	assert_null(strstr(s, "\xe2\x80\xae")); /* the bidi override */
}

static void test_shared_write_error(void **state)
{
	(void)state;
	kw_report r = shared_report();
	for (kw_format f = KW_FMT_SARIF; f < KW_FMT__COUNT; f++) {
		FILE *full = fopen("/dev/full", "w");
		assert_non_null(full);
		int rc = kw_report_render(full, f, &r, false, 0);
		if (rc >= 0)
			fail_msg("%s on /dev/full returned %d", kw_format_name(f), rc);
		fclose(full);
		FILE *ro = fopen("/dev/null", "r");
		assert_non_null(ro);
		assert_true(kw_report_render(ro, f, &r, false, 0) < 0);
		fclose(ro);
	}
}

static void test_sarif(void **state)
{
	(void)state;
	kw_report r = shared_report();
	struct mem m = render(KW_FMT_SARIF, &r, false, 0);
	assert_no_controls(m.s, m.len);
	json_error_t e;
	json_t *doc = json_loadb(m.s, m.len, 0, &e);
	if (!doc)
		fail_msg("SARIF does not parse: %s (line %d)", e.text, e.line);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	/* the five checks that ran, in their order, then the history check a finding has */
	assert_int_equal(json_array_size(rules), 6);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, i), "id")), fx_checks[i]->id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 5), "id")), chk_history.id);
	json_t *r0 = json_array_get(rules, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r0, "defaultConfiguration"), "level")), "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r0, "properties"), "security-severity")), "9.5");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r0, "help"), "text")), "Fix: Lock the account"));
	/* the info check gets no security-severity: it is a note */
	json_t *r3 = json_array_get(rules, 3);
	assert_null(json_object_get(json_object_get(r3, "properties"), "security-severity"));

	json_t *results = json_object_get(run, "results");
	assert_int_equal(json_array_size(results), fx_findings.n);
	size_t suppressed = 0, waived = 0;
	for (size_t i = 0; i < fx_findings.n; i++) {
		const kw_finding *f = &fx_findings.v[i];
		json_t *res = json_array_get(results, i);
		size_t ri = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
		assert_string_equal(json_string_value(json_object_get(res, "ruleId")), f->check->id);
		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, ri), "id")), f->check->id);
		const char *lvl = json_string_value(json_object_get(res, "level"));
		assert_string_equal(lvl, f->severity >= KW_SEV_HIGH ? "error" : f->severity == KW_SEV_MEDIUM ? "warning" : "note");
		waived += f->waived;
		json_t *sup = json_object_get(res, "suppressions");
		if (sup) {
			suppressed++;
			assert_string_equal(json_string_value(json_object_get(json_array_get(sup, 0), "kind")), "external");
		}
		json_t *fp = json_object_get(json_object_get(res, "partialFingerprints"), "keyward/v1");
		assert_int_equal(strlen(json_string_value(fp)), 16);
		json_t *loc = json_object_get(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
							     "physicalLocation"), "artifactLocation");
		if (!f->path) {
			assert_null(loc);
			continue;
		}
		const char *uri = json_string_value(json_object_get(loc, "uri"));
		assert_string_equal(json_string_value(json_object_get(loc, "uriBaseId")), "ROOT");
		assert_true(uri[0] != '/');
		/* a URI reference: nothing outside RFC 3986's characters, raw bytes encoded */
		for (const char *p = uri; *p; p++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%", *p));
		if (!strcmp(f->path, "/etc/shadow"))
			assert_string_equal(uri, "etc/shadow");
		if (strstr(f->path, "bad/.ssh"))
			assert_string_equal(uri, "home/%FF%FEbad/.ssh/authorized_keys");
		if (strstr(f->path, "script"))
			assert_string_equal(uri, "root/%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E");
	}
	assert_true(waived > 0);
	assert_int_equal(suppressed, waived);
	json_t *base = json_object_get(json_object_get(run, "originalUriBaseIds"), "ROOT");
	assert_string_equal(json_string_value(json_object_get(base, "uri")), "file:///srv/img%20dir/");
	json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
	assert_int_equal(json_integer_value(json_object_get(inv, "exitCode")), 3);
	assert_false(json_boolean_value(json_object_get(inv, "executionSuccessful")));
	json_t *notes = json_object_get(inv, "toolExecutionNotifications");
	assert_int_equal(json_array_size(notes), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(notes, 1), "level")), "error");
	json_decref(doc);
	free(m.s);
}

static void test_junit(void **state)
{
	(void)state;
	kw_report r = shared_report();
	struct mem m = render(KW_FMT_JUNIT, &r, false, 0);
	assert_no_controls(m.s, m.len);
	assert_null(strstr(m.s, "<script"));
	assert_null(strstr(m.s, "\x1b"));
	/* six checks (five that ran and the history check) plus the problems met */
	assert_int_equal(count_str(m.s, "<testcase "), 7);
	/* failing at --fail-on high: empty-password (critical) and authorized-key (high);
	 * machine-id and history are waived, login is info, sudo has nothing */
	assert_int_equal(count_str(m.s, "<failure "), 2);
	assert_non_null(strstr(m.s, "tests=\"7\" failures=\"2\" errors=\"1\""));
	assert_int_equal(count_str(m.s, "<error "), 1);
	size_t waived_checks = 0;
	for (size_t i = 0; i < fx_findings.n; i++)
		waived_checks += fx_findings.v[i].waived;
	assert_int_equal(count_str(m.s, "<skipped "), waived_checks);
	assert_non_null(strstr(m.s, "name=\"sudo.nopasswd\" time=\"0\"/>"));
	assert_non_null(strstr(m.s, "hostname=\"build&quot;host\""));
	assert_non_null(strstr(m.s, "timestamp=\"2026-06-15T10:00:00\""));
	assert_non_null(strstr(m.s, "&lt;/script&gt;&lt;script&gt;"));
	assert_non_null(strstr(m.s, EVIL_NAME_ESCAPED));
	free(m.s);
}

static void test_markdown(void **state)
{
	(void)state;
	kw_report r = shared_report();
	struct mem m = render(KW_FMT_MARKDOWN, &r, false, 0);
	assert_no_controls(m.s, m.len);
	assert_non_null(strstr(m.s, "### keyward audit: 3 findings at or above high (exit 3)"));
	/* every '<' is escaped, except in the details block keyward writes itself */
	for (const char *p = strchr(m.s, '<'); p; p = strchr(p + 1, '<'))
		if (p[-1] != '\\' && strncmp(p, "<details>", 9) && strncmp(p, "<summary>", 9) &&
		    strncmp(p, "</summary>", 10) && strncmp(p, "</details>", 10))
			fail_msg("unescaped '<' at offset %td: %.30s", p - m.s, p);
	/* every finding row has exactly five unescaped '|' (four cells) */
	size_t rows = 0;
	for (char *line = m.s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t ll = strcspn(line, "\n");
		if (strncmp(line, "| ", 2) || !memmem(line, ll, "` | ", 4) || line > strstr(m.s, "<details>"))
			continue;
		size_t pipes = 0;
		for (char *p = line; *p && *p != '\n'; p++)
			pipes += *p == '|' && p[-1] != '\\';
		assert_int_equal(pipes, 5);
		rows++;
	}
	assert_int_equal(rows, fx_findings.n);
	assert_non_null(strstr(m.s, "\\<script\\>alert(1)"));
	assert_non_null(strstr(m.s, "(waived: "));
	free(m.s);
}

static void test_html(void **state)
{
	(void)state;
	kw_report r = shared_report();
	struct mem m = render(KW_FMT_HTML, &r, false, 0);
	assert_no_controls(m.s, m.len);
	assert_null(strstr(m.s, "<script"));
	assert_non_null(strstr(m.s, "&lt;/script&gt;&lt;script&gt;alert(1)"));
	assert_non_null(strstr(m.s, "default-src 'none'"));
	/* only the elements html.c writes */
	static const char *const allowed[] = { "!DOCTYPE", "html", "head", "meta", "title", "style", "body",
		"header", "h1", "h2", "p", "section", "div", "b", "svg", "text", "rect", "input", "label",
		"table", "thead", "tbody", "tr", "th", "td", "span", "code", "br", "details", "summary",
		"em", "ul", "li", "strong", NULL };
	for (const char *p = strchr(m.s, '<'); p; p = strchr(p + 1, '<')) {
		const char *n = p + 1 + (p[1] == '/');
		size_t len = strcspn(n, " >/\n");
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strlen(allowed[i]) == len && !strncmp(n, allowed[i], len);
		if (!ok)
			fail_msg("unexpected element <%.*s>", (int)len, n);
	}
	/* one row per finding not waived, then the waived ones in their own table */
	size_t open = 0;
	for (size_t i = 0; i < fx_findings.n; i++)
		open += !fx_findings.v[i].waived;
	assert_int_equal(count_str(m.s, "<tr class=\"sev-"), fx_findings.n);
	assert_non_null(strstr(m.s, "<h2>Findings ("));
	char want[32];
	snprintf(want, sizeof want, "<h2>Findings (%zu)</h2>", open);
	assert_non_null(strstr(m.s, want));
	assert_non_null(strstr(m.s, "<svg id=\"chart\""));
	assert_int_equal(count_str(m.s, "id=\"show-"), 5);
	free(m.s);
}

static void test_prometheus(void **state)
{
	(void)state;
	kw_report r = shared_report();
	r.target = "a\"b\\c\nd";
	struct mem m = render(KW_FMT_PROMETHEUS, &r, false, 0);
	assert_no_controls(m.s, m.len);
	assert_non_null(strstr(m.s, "keyward_findings{command=\"audit\",target=\"a\\\"b\\\\\\\\c\\\\nd\",severity=\"critical\"} "));
	assert_non_null(strstr(m.s, "keyward_exit_code{command=\"audit\",target=\"a\\\"b\\\\\\\\c\\\\nd\"} 3\n"));
	assert_non_null(strstr(m.s, "keyward_last_run_timestamp_seconds{command=\"audit\",target=\"a\\\"b\\\\\\\\c\\\\nd\"} 1781517600\n"));
	/* every line is a comment or NAME{labels} VALUE */
	for (char *line = m.s; *line; line = strchr(line, '\n') + 1) {
		if (line[0] == '#')
			continue;
		char *brace = strchr(line, '{'), *end = strchr(line, '\n');
		assert_non_null(brace);
		assert_true(brace < end);
		assert_true(!strncmp(line, "keyward_", 8));
		char *close = end;
		while (close > brace && *close != '}')
			close--;
		assert_true(close[1] == ' ' && close[2] >= '0' && close[2] <= '9');
	}
	free(m.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_findings_add_copies),
		cmocka_unit_test(test_findings_sort_and_count),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_text_plain),
		cmocka_unit_test(test_text_color),
		cmocka_unit_test(test_text_verbose),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_text_write_error),
		cmocka_unit_test(test_json_golden_and_fields),
		cmocka_unit_test(test_json_empty_and_nulls),
		cmocka_unit_test(test_check_list),
		cmocka_unit_test(test_shared_write_error),
		cmocka_unit_test(test_sarif),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_prometheus),
	};
	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
