/* test_sshd_config.c — the sshd_config engine: lexer rules, pattern and CIDR matching,
 * first-value-wins, accumulation, the two-pass Match evaluation (research E1/E4/E8), and
 * -T text. Expected values were taken from real `sshd -T` (OpenSSH 9.2p1, Debian 12).
 * Owner: helper "engine". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/err.h"
#include "sshd/config.h"
#include "sshd/lexer.h"
#include "sshd/match.h"

#include <string.h>
#include <stdlib.h>

static void test_lexer(void **state)
{
	(void)state;
	static const struct { const char *line; int st; const char *kw; const char *args; } cases[] = {
		{ "PasswordAuthentication=no", KW_SSHD_LEX_OK, "PasswordAuthentication", "no" },
		{ "MaxAuthTries = 3", KW_SSHD_LEX_OK, "MaxAuthTries", "3" },
		{ "MaxAuthTries==3", KW_SSHD_LEX_OK, "MaxAuthTries", "=3" },
		{ "AllowUsers alice \"bob smith\" 'carol'", KW_SSHD_LEX_OK, "AllowUsers", "alice|bob smith|carol" },
		{ "X11Forwarding no # c", KW_SSHD_LEX_OK, "X11Forwarding", "no" },
		{ "X11Forwarding no#c", KW_SSHD_LEX_OK, "X11Forwarding", "no#c" },
		{ "  # comment", KW_SSHD_LEX_BLANK, NULL, NULL },
		{ "Port", KW_SSHD_LEX_NOARG, "Port", NULL },
		{ "Port  \t\f", KW_SSHD_LEX_NOARG, "Port", NULL },
		{ "AllowUsers a\\ b c\\\"d", KW_SSHD_LEX_OK, "AllowUsers", "a b|c\"d" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *line = strdup(cases[i].line);
		char *kw = NULL, *rest = NULL;
		int st = kw_sshd_lex_keyword(line, &kw, &rest);
		assert_int_equal(st, cases[i].st);
		if (cases[i].kw)
			assert_string_equal(kw, cases[i].kw);
		if (cases[i].args) {
			kw_sshd_args a;
			assert_int_equal(kw_sshd_lex_args(rest, &a), 0);
			char joined[256] = "";
			for (size_t k = 0; k < a.n; k++) {
				if (k)
					strcat(joined, "|");
				strcat(joined, a.v[k]);
			}
			assert_string_equal(joined, cases[i].args);
			kw_sshd_args_release(&a);
		}
		free(line);
	}
	kw_sshd_args a;
	assert_int_equal(kw_sshd_lex_args("\"alice", &a), KW_E_PARSE);
}

static void test_patterns(void **state)
{
	(void)state;
	assert_int_equal(kw_sshd_match_pattern_list("root", "!root", false), -1);
	assert_int_equal(kw_sshd_match_pattern_list("bob", "!root", false), 0);
	assert_int_equal(kw_sshd_match_pattern_list("bob", "*,!root", false), 1);
	assert_int_equal(kw_sshd_match_pattern("h.example.com", "*.example.c?m"), 1);
	assert_int_equal(kw_sshd_match_pattern("aaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*c"), 0);
	assert_int_equal(kw_sshd_addr_match_list("10.0.0.5", "10.0.0.0/8,!10.1.0.0/16"), 1);
	assert_int_equal(kw_sshd_addr_match_list("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16"), -1);
	assert_int_equal(kw_sshd_addr_match_list("10.0.0.5", "10.0.0.1/8"), -2);
	assert_int_equal(kw_sshd_addr_match_list(NULL, "10.0.0.0/33"), -2);
	assert_int_equal(kw_sshd_addr_match_list("::1", "::1/128"), 1);
	assert_int_equal(kw_sshd_addr_match_list("none", "10.0.0.0/8"), 0);
}

static kw_sshd_result *eval(const char *text, const char *user, int *rc)
{
	kw_diags d = { 0 };
	kw_sshd_config *c = NULL;
	const char *hk[] = { "/tmp/hk" };
	kw_sshd_load_opts o = { .text = (const uint8_t *)text, .text_len = strlen(text),
				.hostkeys = hk, .n_hostkeys = 1 };
	*rc = kw_sshd_config_load(NULL, &o, &c, &d);
	kw_sshd_result *r = NULL;
	if (*rc == 0) {
		kw_sshd_conn conn = { .user = user };
		*rc = kw_sshd_config_eval(c, user ? &conn : NULL, &r, &d);
		kw_sshd_config_free(c);
	}
	kw_diags_release(&d);
	return r;
}

static void joined(const kw_sshd_result *r, kw_sshd_opt id, char *buf, size_t n)
{
	const char *const *v;
	size_t k = kw_sshd_values(r, id, &v);
	buf[0] = '\0';
	for (size_t i = 0; i < k; i++) {
		if (i)
			strncat(buf, " ", n - strlen(buf) - 1);
		strncat(buf, v[i], n - strlen(buf) - 1);
	}
}

static void test_first_wins_and_normalise(void **state)
{
	(void)state;
	int rc;
	kw_sshd_result *r = eval("permitrootlogin yes\nPermitRootLogin no\nPERMITROOTLOGIN prohibit-password\n"
				 "LoginGraceTime 1m30s\nRekeyLimit 1G 1h\nMaxStartups 10\nLogLevel verbose\n"
				 "Port 2222\nPort 22\nAcceptEnv A B\nAcceptEnv C\nSetEnv X=1\nSetEnv Y=2\n", NULL, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(kw_sshd_value(r, KW_SO_PERMITROOTLOGIN), "yes");
	assert_string_equal(kw_sshd_value(r, KW_SO_LOGINGRACETIME), "90");
	char buf[512];
	joined(r, KW_SO_REKEYLIMIT, buf, sizeof buf);
	assert_string_equal(buf, "1073741824 3600");
	assert_string_equal(kw_sshd_value(r, KW_SO_LOGLEVEL), "VERBOSE");
	joined(r, KW_SO_PORT, buf, sizeof buf);
	assert_string_equal(buf, "2222 22");
	joined(r, KW_SO_ACCEPTENV, buf, sizeof buf);
	assert_string_equal(buf, "A B C");
	joined(r, KW_SO_SETENV, buf, sizeof buf);
	assert_string_equal(buf, "X=1");
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_sshd_print(r, &sb), 0);
	assert_non_null(strstr(sb.s, "\nmaxstartups 10:30:10\n"));
	assert_non_null(strstr(sb.s, "\npermitrootlogin yes\n"));
	assert_null(strstr(sb.s, "debianbanner"));
	kw_sb_release(&sb);
	const char *file;
	unsigned line;
	assert_int_equal(kw_sshd_value_source(r, KW_SO_LOGLEVEL, &file, &line), 0);
	assert_int_equal(line, 7);
	kw_sshd_result_free(r);

	r = eval("permitrootlogin\n", NULL, &rc);
	assert_int_equal(rc, KW_E_PARSE);
	r = eval("Subsystem sftp a\nSubsystem sftp b\n", NULL, &rc);
	assert_int_equal(rc, KW_E_PARSE);
	r = eval("Match User alice\n Port 22\n", NULL, &rc);
	assert_int_equal(rc, KW_E_PARSE);
	r = eval("Match LocalPort 22\n X11Forwarding yes\n", NULL, &rc);
	assert_int_equal(rc, KW_E_PARSE); /* 9.2: fatal without lport */
	r = eval("UsePrivilegeSeparation yes\nProtocol 2\nDebianBanner no\n", NULL, &rc);
	assert_int_equal(rc, 0);
	kw_sshd_result_free(r);
}

/* research E4 */
static void test_match_e4(void **state)
{
	(void)state;
	const char *cfg = "PasswordAuthentication no\nX11Forwarding no\nAllowUsers alice bob\n"
			  "Match User alice\n PasswordAuthentication yes\n AllowUsers alice\n"
			  "Match User alice,bob\n PasswordAuthentication no\n X11Forwarding yes\n";
	static const struct { const char *user, *pw, *x11, *allow; } rows[] = {
		{ "alice", "yes", "yes", "alice" },
		{ "bob", "no", "yes", "alice bob" },
		{ "carol", "no", "no", "alice bob" },
	};
	for (size_t i = 0; i < 3; i++) {
		int rc;
		kw_sshd_result *r = eval(cfg, rows[i].user, &rc);
		assert_int_equal(rc, 0);
		char buf[256];
		assert_string_equal(kw_sshd_value(r, KW_SO_PASSWORDAUTHENTICATION), rows[i].pw);
		assert_string_equal(kw_sshd_value(r, KW_SO_X11FORWARDING), rows[i].x11);
		joined(r, KW_SO_ALLOWUSERS, buf, sizeof buf);
		assert_string_equal(buf, rows[i].allow);
		kw_sshd_result_free(r);
	}
}

/* research E8 */
static void test_match_e8(void **state)
{
	(void)state;
	const char *cfg = "AcceptEnv GLOBAL\nMatch User alice\n AcceptEnv M1\nMatch all\n AcceptEnv M2\n";
	int rc;
	char buf[256];
	kw_sshd_result *r = eval(cfg, "alice", &rc);
	assert_int_equal(rc, 0);
	joined(r, KW_SO_ACCEPTENV, buf, sizeof buf);
	assert_string_equal(buf, "M1 M2");
	kw_sshd_result_free(r);
	r = eval(cfg, "bob", &rc);
	joined(r, KW_SO_ACCEPTENV, buf, sizeof buf);
	assert_string_equal(buf, "M2");
	kw_sshd_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_first_wins_and_normalise),
		cmocka_unit_test(test_match_e4),
		cmocka_unit_test(test_match_e8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
