/* test_sudoers.c — cmocka tests for src/collect/sudoers.c.
 *
 * Owned by the "parsers" module. Fixtures in tests/data/sudoers/: Debian 12's default
 * /etc/sudoers (sudo 1.9.13p3), the drop-ins cloud-init, the Google guest agent and the
 * Azure agent write, a fixture with every construct we read ("complex") and one with
 * malformed lines ("bad"). When visudo is available (and we are root, so it can read
 * /etc/sudoers.d), it confirms the valid fixtures are valid and that it rejects exactly
 * the lines we report in "bad".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/err.h"
#include "collect/sudoers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA KW_TEST_DATA "/sudoers/"

static void parse_file(const char *name, kw_sudoers *s, kw_diags *d)
{
	char path[512];
	snprintf(path, sizeof path, DATA "%s", name);
	size_t len;
	uint8_t *data = kwt_read_file(path, &len);
	assert_int_equal(kw_sudoers_parse(name, data, len, s, d), 0);
	free(data);
}

static void parse_text(const char *text, kw_sudoers *s, kw_diags *d)
{
	assert_int_equal(kw_sudoers_parse("t", (const uint8_t *)text, strlen(text), s, d), 0);
}

static bool have_visudo(void)
{
	return geteuid() == 0 && system("command -v visudo >/dev/null 2>&1 || test -x /usr/sbin/visudo") == 0;
}

static void assert_users(const kw_sudo_rule *r, const char *const *want, size_t n)
{
	assert_int_equal(r->n_users, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->users[i], want[i]);
	assert_null(r->users[n]);
}

#define USERS(r, ...)                                                                          \
	do {                                                                                   \
		static const char *const w_[] = { __VA_ARGS__ };                               \
		assert_users((r), w_, sizeof w_ / sizeof w_[0]);                               \
	} while (0)

static void check_flags(const kw_sudo_rule *r, bool nopasswd, bool all, bool nopasswd_all, bool noauth)
{
	if (r->nopasswd != nopasswd || r->all_commands != all || r->nopasswd_all != nopasswd_all ||
	    r->noauth_default != noauth)
		fail_msg("rule at line %u (%s): nopasswd=%d all=%d nopasswd_all=%d noauth=%d", r->line,
			 r->users[0], r->nopasswd, r->all_commands, r->nopasswd_all, r->noauth_default);
}

/* ---- real-world files ---- */

static void test_provisioning_dropins(void **state)
{
	(void)state;
	kw_sudoers s;
	kw_diags d = { 0 };

	parse_file("90-cloud-init-users", &s, &d);
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "debian");
	assert_int_equal(s.rules[0].line, 4);
	check_flags(&s.rules[0], true, true, true, false);
	assert_int_equal(s.n_aliases, 0);
	assert_int_equal(s.n_includes, 0);
	kw_sudoers_release(&s);

	parse_file("google_sudoers", &s, &d);
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "%google-sudoers");
	check_flags(&s.rules[0], true, true, true, false);
	kw_sudoers_release(&s);

	parse_file("waagent", &s, &d);
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "azureuser");
	check_flags(&s.rules[0], true, true, true, false);
	kw_sudoers_release(&s);

	assert_int_equal(d.n, 0);
	kw_diags_release(&d);
}

static void test_debian_default(void **state)
{
	(void)state;
	kw_sudoers s;
	kw_diags d = { 0 };
	parse_file("debian-sudoers", &s, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.n_rules, 2);
	USERS(&s.rules[0], "root");
	check_flags(&s.rules[0], false, true, false, false);
	USERS(&s.rules[1], "%sudo");
	check_flags(&s.rules[1], false, true, false, false);
	assert_int_equal(s.n_includes, 1);
	assert_string_equal(s.includes[0].path, "/etc/sudoers.d");
	assert_true(s.includes[0].is_dir);
	assert_int_equal(s.includes[0].line, 54);
	assert_int_equal(s.rules[0].line, 47);
	assert_int_equal(s.rules[1].line, 50);
	kw_sudoers_release(&s);
	kw_diags_release(&d);
}

/* ---- every construct ---- */

static void test_complex(void **state)
{
	(void)state;
	kw_sudoers s;
	kw_diags d = { 0 };
	parse_file("complex", &s, &d);
	for (size_t i = 0; i < d.n; i++)
		fail_msg("unexpected diagnostic at line %u: %s", d.v[i].line, d.v[i].msg);

	/* Defaults !authenticate, with their bindings; "Defaults:carol authenticate" and
	 * "!lecture" are not */
	assert_true(s.n_rules >= 5);
	USERS(&s.rules[0], "ADMINS");
	assert_int_equal(s.rules[0].line, 4);
	check_flags(&s.rules[0], false, false, false, true);
	USERS(&s.rules[1], "%wheel", "bob");
	check_flags(&s.rules[1], false, false, false, true);
	for (size_t i = 2; i < 5; i++) {
		USERS(&s.rules[i], "ALL"); /* @host, >runas, !cmnd bindings apply to every user */
		check_flags(&s.rules[i], false, false, false, true);
	}
	assert_int_equal(s.rules[4].line, 8);

	static const struct {
		const char *user;
		unsigned line;
		bool nopasswd, all, nopasswd_all;
	} want[] = {
		{ "root", 19, false, true, false },
		{ "%sudo", 20, false, true, false },
		{ "ADMINS", 21, true, true, false },   /* PASSWD: ALL */
		{ "OPS", 22, true, true, true },       /* localhost = NOPASSWD: ALL */
		{ "#1000", 23, true, false, false },   /* a uid, not a comment */
		{ "dave", 24, false, false, false },   /* continued on line 25 */
		{ "grace", 26, true, true, true },
		{ "henry", 27, false, false, false },  /* NOPASSWD: !ALL grants nothing */
		{ "!ivan", 28, false, true, false },
		{ "judy", 30, true, true, true },      /* the comment above does not continue */
		{ "kim", 31, false, true, false },
		{ "leo", 32, true, true, true },       /* nor does the trailing comment on 31 */
		{ "mallory", 33, false, false, false },
		{ "nora", 34, true, true, true },      /* NOPASSWD carries over to ALL */
		{ "oscar", 35, true, true, true },
		{ "peggy", 36, true, true, false },    /* ':' starts a new list: tags reset */
		{ "quinn q", 37, false, false, false },
	};
	size_t nw = sizeof want / sizeof want[0];
	assert_int_equal(s.n_rules, 5 + nw);
	for (size_t i = 0; i < nw; i++) {
		const kw_sudo_rule *r = &s.rules[5 + i];
		if (strcmp(r->users[0], want[i].user) != 0 || r->line != want[i].line)
			fail_msg("rule %zu: %s at %u, want %s at %u", i, r->users[0], r->line,
				 want[i].user, want[i].line);
		check_flags(r, want[i].nopasswd, want[i].all, want[i].nopasswd_all, false);
	}
	USERS(&s.rules[5 + 5], "dave", "erin", "frank");

	/* User_Alias definitions (two on one continued line); other aliases ignored */
	assert_int_equal(s.n_aliases, 2);
	assert_string_equal(s.aliases[0].name, "ADMINS");
	assert_int_equal(s.aliases[0].line, 12);
	assert_int_equal(s.aliases[0].n_members, 3);
	assert_string_equal(s.aliases[0].members[0], "alice");
	assert_string_equal(s.aliases[0].members[1], "%admins");
	assert_string_equal(s.aliases[0].members[2], "%domain users");
	assert_null(s.aliases[0].members[3]);
	assert_string_equal(s.aliases[1].name, "OPS");
	assert_int_equal(s.aliases[1].n_members, 3);
	assert_string_equal(s.aliases[1].members[0], "#1001");
	assert_string_equal(s.aliases[1].members[1], "%:ops");
	assert_string_equal(s.aliases[1].members[2], "+netops");

	/* includes, in order */
	assert_int_equal(s.n_includes, 4);
	static const struct {
		const char *path;
		bool dir;
		unsigned line;
	} inc[] = {
		{ "90-cloud-init-users", false, 38 },
		{ "google_sudoers", false, 39 },
		{ "/etc/sudoers.d", true, 40 },
		{ "/etc/sudoers.d", true, 41 },
	};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(s.includes[i].path, inc[i].path);
		assert_int_equal(s.includes[i].is_dir, inc[i].dir);
		assert_int_equal(s.includes[i].line, inc[i].line);
	}
	kw_sudoers_release(&s);
	assert_null(s.rules);
	kw_diags_release(&d);
}

/* ---- agreement with visudo ---- */

static void test_visudo_agrees(void **state)
{
	(void)state;
	static const char *const valid[] = { "debian-sudoers", "90-cloud-init-users", "google_sudoers",
					     "waagent", "complex" };
	static const unsigned bad_lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13 };

	kw_sudoers s;
	kw_diags d = { 0 };
	parse_file("bad", &s, &d);
	assert_int_equal(d.n, sizeof bad_lines / sizeof bad_lines[0]);
	for (size_t i = 0; i < d.n; i++) {
		assert_int_equal(d.v[i].line, bad_lines[i]);
		assert_string_equal(d.v[i].file, "bad");
		assert_int_equal(d.v[i].err, KW_E_PARSE);
	}
	/* the good lines between the bad ones are still read */
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "valid");
	assert_int_equal(s.rules[0].line, 10);
	check_flags(&s.rules[0], true, true, true, false);
	assert_int_equal(s.n_aliases, 1);
	assert_string_equal(s.aliases[0].name, "GOOD");
	assert_int_equal(s.n_includes, 0);
	kw_sudoers_release(&s);
	kw_diags_release(&d);

	if (!have_visudo())
		return; /* the fixed expectations above were taken from visudo 1.9.13p3 */
	char cmd[1024];
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		snprintf(cmd, sizeof cmd, "cd '" DATA "' && visudo -c -f '%s' >/dev/null 2>&1", valid[i]);
		if (system(cmd) != 0)
			fail_msg("visudo rejects %s", valid[i]);
	}
	/* visudo reports "bad:LINE:COL: ..." for exactly our lines */
	snprintf(cmd, sizeof cmd, "cd '" DATA "' && visudo -c -f bad 2>&1 | grep -o '^bad:[0-9]*:'");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	unsigned line, n = 0;
	while (fscanf(p, "bad:%u:\n", &line) == 1) {
		assert_true(n < sizeof bad_lines / sizeof bad_lines[0]);
		assert_int_equal(line, bad_lines[n]);
		n++;
	}
	pclose(p);
	assert_int_equal(n, sizeof bad_lines / sizeof bad_lines[0]);
}

/* ---- lexical edges ---- */

static void test_continuation_and_comments(void **state)
{
	(void)state;
	kw_sudoers s;
	kw_diags d = { 0 };

	/* continuation with trailing blanks, CRLF, and a continuation at the end of input */
	parse_text("alice ALL=\\  \r\n (ALL) NOPASSWD: \\\r\n ALL\r\nbob ALL = /usr/bin/ls, \\", &s, &d);
	assert_int_equal(d.n, 1); /* "bob": the list ends in ',' */
	assert_int_equal(d.v[0].line, 4);
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "alice");
	assert_int_equal(s.rules[0].line, 1);
	check_flags(&s.rules[0], true, true, true, false);
	kw_sudoers_release(&s);
	kw_diags_release(&d);

	/* an escaped backslash at the end does not continue; '#' inside a word or quotes is
	 * not a comment; "#include" needs a blank after it */
	parse_text("carol ALL = /usr/bin/echo a\\\\\n"
		   "dan ALL = /usr/bin/echo x#y # comment\n"
		   "Defaults:\"eve\" !authenticate\n"
		   "#includedir\t\"/etc/my dir\"\n"
		   "@include /etc/sudo\\ extra\n"
		   "#include_not_this\n",
		   &s, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.n_rules, 3);
	USERS(&s.rules[0], "carol");
	USERS(&s.rules[1], "dan");
	USERS(&s.rules[2], "eve");
	check_flags(&s.rules[2], false, false, false, true);
	assert_int_equal(s.n_includes, 2);
	assert_string_equal(s.includes[0].path, "/etc/my dir");
	assert_true(s.includes[0].is_dir);
	assert_string_equal(s.includes[1].path, "/etc/sudo extra");
	assert_false(s.includes[1].is_dir);
	kw_sudoers_release(&s);
	kw_diags_release(&d);

	/* negation with blanks, %#gid, and tags on one line */
	parse_text("! frank, %#1002 ALL = (ALL) NOEXEC: NOPASSWD: /usr/bin/vi, PASSWD: ALL\n", &s, &d);
	assert_int_equal(d.n, 0);
	USERS(&s.rules[0], "!frank", "%#1002");
	check_flags(&s.rules[0], true, true, false, false);
	kw_sudoers_release(&s);
	kw_diags_release(&d);
}

static void test_hostile_bytes(void **state)
{
	(void)state;
	kw_sudoers s;
	kw_diags d = { 0 };

	/* a NUL byte, a 70 KiB line, then a good rule */
	const char head[] = "a ALL=\0ALL\n";
	size_t huge = 70000;
	const char tail[] = "\nroot ALL=(ALL) ALL\n";
	size_t n = sizeof head - 1 + huge + sizeof tail - 1;
	uint8_t *buf = malloc(n);
	memcpy(buf, head, sizeof head - 1);
	memset(buf + sizeof head - 1, 'u', huge);
	memcpy(buf + sizeof head - 1 + huge, tail, sizeof tail - 1);
	assert_int_equal(kw_sudoers_parse("h", buf, n, &s, &d), 0);
	assert_int_equal(s.n_rules, 1);
	USERS(&s.rules[0], "root");
	assert_int_equal(s.rules[0].line, 3);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[1].line, 2);
	kw_sudoers_release(&s);
	kw_diags_release(&d);
	free(buf);

	/* a logical line that grows past the cap through continuations */
	size_t lines = 3000, each = 40;
	buf = malloc(lines * each + 64);
	n = 0;
	for (size_t i = 0; i < lines; i++) {
		memset(buf + n, 'v', each - 2);
		n += each - 2;
		buf[n++] = '\\';
		buf[n++] = '\n';
	}
	memcpy(buf + n, "x\nroot ALL=ALL\n", 15);
	n += 15;
	assert_int_equal(kw_sudoers_parse("h", buf, n, &s, &d), 0);
	assert_int_equal(s.n_rules, 1);
	assert_int_equal(d.n, 1);
	kw_sudoers_release(&s);
	kw_diags_release(&d);
	free(buf);

	/* nothing at all */
	assert_int_equal(kw_sudoers_parse("h", NULL, 0, &s, NULL), 0);
	assert_int_equal(s.n_rules + s.n_aliases + s.n_includes, 0);
	kw_sudoers_release(&s);
	kw_sudoers_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provisioning_dropins),
		cmocka_unit_test(test_debian_default),
		cmocka_unit_test(test_complex),
		cmocka_unit_test(test_visudo_agrees),
		cmocka_unit_test(test_continuation_and_comments),
		cmocka_unit_test(test_hostile_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
