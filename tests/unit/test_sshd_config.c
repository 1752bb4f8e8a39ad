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
#include "target/target.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

/* Rules the differential test (tests/integration/sshd_oracle.sh) found; every expected
 * line was printed by the real `sshd -T` 9.2p1 for the same config and user. A line
 * starting with '!' must NOT appear (a prefix, "!channeltimeout " = no such line); "#refused"
 * means sshd refuses the config (exit 255). */
static const struct oracle_case {
	const char *cfg, *user, *expect;
} oracle_cases[] = {
	/* CLEAR_ON_NONE_ARRAY: a lone global "ChannelTimeout none" is no list at all */
	{ "ChannelTimeout none\n", NULL, "!channeltimeout " },
	{ "ChannelTimeout NONE\n", "root", "!channeltimeout " },
	/* ... but a matching block's "none" is copied as written */
	{ "Match all\n ChannelTimeout None\n", "root", "channeltimeout None" },
	{ "ChannelTimeout session=5m\n", NULL, "channeltimeout session=5m" },
	/* algorithm lists: the global value is assembled twice ("-*" -> "" -> default) */
	{ "HostbasedAcceptedAlgorithms -*\n", "root",
	  "hostbasedacceptedalgorithms ssh-ed25519-cert-v01@openssh.com," },
	{ "Ciphers -*\n", NULL, "ciphers chacha20-poly1305@openssh.com,aes128-ctr," },
	/* ... a matching block's value once, against the default: may print empty */
	{ "Match User root\n PubkeyAcceptedAlgorithms -*\n", "root", "pubkeyacceptedalgorithms " },
	{ "Match User root\n CASignatureAlgorithms -ssh-dss,*\n", "root", "casignaturealgorithms " },
	{ "Match User root\n CASignatureAlgorithms -ssh-dss,*\n", "nobody",
	  "casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256," },
	{ "PubkeyAcceptedAlgorithms ssh-ed25519\nMatch User root\n PubkeyAcceptedAlgorithms +ssh-rsa\n",
	  "root", "pubkeyacceptedalgorithms ssh-ed25519-cert-v01@openssh.com," },
	/* LogLevel QUIET prints as SILENT (log_level_name) */
	{ "LogLevel quiet\n", NULL, "loglevel SILENT" },
	{ "Match all\n LogLevel QUIET\n", "root", "loglevel SILENT" },
	/* PermitUserEnvironment: global-only, but a "Match all" block is active in pass 2 and
	 * its pattern list (not a plain yes/no) is copied over the global value */
	{ "PermitUserEnvironment no\nMatch all\n PermitUserEnvironment LANG\n", "root",
	  "permituserenvironment LANG" },
	{ "PermitUserEnvironment no\nMatch all\n PermitUserEnvironment LANG\n", NULL,
	  "permituserenvironment LANG" },
	{ "PermitUserEnvironment TZ\nMatch all\n PermitUserEnvironment no\n", "root",
	  "permituserenvironment TZ" },
	{ "PermitUserEnvironment YES\n", NULL, "permituserenvironment YES" },
	/* kex_gss_names_valid() stops at the first empty element; the value is kept as is */
	{ "GSSAPIKexAlgorithms gss-group14-sha256-,,bogus\n", NULL,
	  "gssapikexalgorithms gss-group14-sha256-,,bogus" },
	{ "GSSAPIKexAlgorithms ,bogus\n", NULL, "gssapikexalgorithms ,bogus" },
	{ "GSSAPIKexAlgorithms bogus,,\n", NULL, "#refused" },
	/* RekeyLimit: openbsd-compat scan_scaled() */
	{ "RekeyLimit 9223372036854775807\n", NULL, "rekeylimit 9223372036854775807 0" },
	{ "RekeyLimit 9223372036854775808\n", NULL, "#refused" },
	{ "RekeyLimit 000000000000000000001\n", NULL, "#refused" }, /* 21 digits */
	{ "RekeyLimit K\n", NULL, "rekeylimit 0 0" },
	{ "RekeyLimit 1.5K 1h\n", NULL, "rekeylimit 1536 3600" },
	{ "RekeyLimit 1K-\n", NULL, "rekeylimit 1024 0" },
	{ "RekeyLimit 1Kb\n", NULL, "#refused" },
	{ "RekeyLimit 7.99E\n", NULL, "rekeylimit 8070450532247928832 0" },
	{ "RekeyLimit 3.14159265358979323846264338P\n", NULL, "rekeylimit 3537014557346103 0" },
	{ "RekeyLimit 8E\n", NULL, "#refused" },
	{ "RekeyLimit 1.2.3\n", NULL, "#refused" },
	/* an algorithm list that assembles to nothing is fatal only where it is applied */
	{ "Match User nobody\n CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com\n", "root",
	  "casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256," },
	{ "Match User nobody\n CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com\n", "nobody",
	  "#refused" },
	{ "CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com\n", NULL, "#refused" },
	/* AuthorizedKeysFile expands "~" on every argument of every line, applied or not */
	{ "AuthorizedKeysFile .ssh/k\nAuthorizedKeysFile ~nosuchuser/x\n", NULL, "#refused" },
	{ "Match User nobody\n AuthorizedKeysFile ~nosuchuser/y\n", "root", "#refused" },
	/* ... AuthorizedPrincipalsFile only where applied */
	{ "Match User nobody\n AuthorizedPrincipalsFile ~nosuchuser/y\n", "root",
	  "authorizedprincipalsfile none" },
};

static char *tprint(const char *cfg, const char *user, int *rc)
{
	kw_sshd_result *r = eval(cfg, user, rc);
	if (!r)
		return NULL;
	kw_sb sb;
	kw_sb_init(&sb);
	int pr = kw_sshd_print(r, &sb);
	kw_sshd_result_free(r);
	if (pr < 0) {
		kw_sb_release(&sb);
		*rc = pr;
		return NULL;
	}
	/* a leading newline so every line can be searched as "\n<line>" */
	size_t n = strlen(sb.s);
	char *out = malloc(n + 2);
	assert_non_null(out);
	out[0] = '\n';
	memcpy(out + 1, sb.s, n + 1);
	kw_sb_release(&sb);
	return out;
}

/* misc.c tilde_expand() over the target's passwd (tests/data/sshd/tilde): the home gets a
 * trailing '/', slashes after "~user" are squeezed (real sshd: "~root//x///y" ->
 * "/root/x///y", "~root" -> "/root/"), 4096 bytes or more is "Path too long" */
static void test_tilde(void **state)
{
	(void)state;
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(KW_TEST_DATA "/sshd/tilde", &t), 0);
	static const struct { const char *cfg; int rc; const char *akf, *apf; } cases[] = {
		{ "AuthorizedKeysFile ~root ~root//x///y ~alice ~alice/k ~bob//z\n"
		  "AuthorizedPrincipalsFile ~root\n", 0,
		  "/root/ /root/x///y /home/alice/ /home/alice/k /z", "/root/" },
		{ "AuthorizedKeysFile .ssh/k\nMatch User nobody\n AuthorizedKeysFile ~carol\n",
		  KW_E_PARSE, NULL, NULL },
		{ "AuthorizedPrincipalsFile ~alice//p\n", 0, NULL, "/home/alice/p" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_diags d = { 0 };
		kw_sshd_config *c = NULL;
		kw_sshd_load_opts o = { .text = (const uint8_t *)cases[i].cfg,
					.text_len = strlen(cases[i].cfg) };
		int rc = kw_sshd_config_load(t, &o, &c, &d);
		kw_diags_release(&d);
		assert_int_equal(rc, cases[i].rc);
		if (rc != 0)
			continue;
		char buf[512];
		const kw_sshd_result *g = kw_sshd_config_global(c);
		if (cases[i].akf) {
			joined(g, KW_SO_AUTHORIZEDKEYSFILE, buf, sizeof buf);
			assert_string_equal(buf, cases[i].akf);
		}
		assert_string_equal(kw_sshd_value(g, KW_SO_AUTHORIZEDPRINCIPALSFILE), cases[i].apf);
		kw_sshd_config_free(c);
	}
	/* PATH_MAX: "/root/" + 4089 bytes fits (4095), + 4090 does not */
	for (size_t n = 4089; n <= 4090; n++) {
		kw_sb sb;
		kw_sb_init(&sb);
		kw_sb_puts(&sb, "AuthorizedKeysFile ~/");
		for (size_t k = 0; k < n; k++)
			kw_sb_putc(&sb, 'a');
		kw_sb_putc(&sb, '\n');
		kw_diags d = { 0 };
		kw_sshd_config *c = NULL;
		kw_sshd_load_opts o = { .text = (const uint8_t *)sb.s, .text_len = sb.len };
		int rc = kw_sshd_config_load(t, &o, &c, &d);
		if (getuid() == 0)
			assert_int_equal(rc, n == 4089 ? 0 : KW_E_PARSE);
		else
			assert_int_equal(rc, KW_E_PARSE); /* "~" is this uid, not in the fixture */
		kw_sshd_config_free(c);
		kw_diags_release(&d);
		kw_sb_release(&sb);
	}
	kw_target_free(t);
}

/* Include globs are OpenSSH's openbsd-compat glob(3), not glibc's. Each row was run with
 * real sshd 9.2 over the same tree (tests/data/sshd/glob: inc/a.conf Port 2201, b.conf
 * 2202, .h.conf 2203, sub/c.conf 2205; a directory reads as an empty file). */
static void test_include_glob(void **state)
{
	(void)state;
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(KW_TEST_DATA "/sshd/glob", &t), 0);
	static const struct { const char *pat, *ports; } cases[] = {
		{ "\\a.conf", "2201" },            /* "\a" quotes: a */
		{ "[^s]*", "22" },                 /* '^' is a member, not negation: "sub" (a dir) */
		{ "[!s]*", "2201 2202" },          /* '!' negates; hidden names need a '.' */
		{ "*/", "22" },                    /* trailing '/': directories only */
		{ ".*", "2203" },                  /* ".", ".." (dirs) and .h.conf */
		{ "[[:alpha:]].conf", "2201 2202" },
		{ "[[:bogus:]].conf", "22" },      /* unknown class: no match at all */
		{ "*/*.conf", "2205" },
		{ "/sub///c.conf", "2205" },
		{ "[a-a]*", "2201" },
		{ "[b", "22" },                    /* no ']': an ordinary '[' */
		{ "a.conf/", "22" },
		{ "\\*", "22" },                   /* a quoted '*' is no wildcard */
		{ "[]a]*", "2201" },               /* ']' first in a set is a member */
		{ "[!]a]*", "2202" },
		{ "?.conf", "2201 2202" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char cfg[256];
		snprintf(cfg, sizeof cfg, "Include /inc/%s\n", cases[i].pat);
		kw_diags d = { 0 };
		kw_sshd_config *c = NULL;
		kw_sshd_load_opts o = { .text = (const uint8_t *)cfg, .text_len = strlen(cfg) };
		assert_int_equal(kw_sshd_config_load(t, &o, &c, &d), 0);
		kw_diags_release(&d);
		char buf[256];
		joined(kw_sshd_config_global(c), KW_SO_PORT, buf, sizeof buf);
		if (strcmp(buf, cases[i].ports) != 0)
			fail_msg("Include /inc/%s: ports \"%s\", want \"%s\"", cases[i].pat, buf,
				 cases[i].ports);
		kw_sshd_config_free(c);
	}
	kw_target_free(t);
}

/* sshd has no line limit: a 200 KB comment and 5000 arguments on one line are fine */
static void test_long_lines(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_puts(&sb, "X11Forwarding yes  # ");
	for (int i = 0; i < 200000; i++)
		kw_sb_putc(&sb, 'c');
	kw_sb_puts(&sb, "\nAcceptEnv");
	for (int i = 0; i < 5000; i++)
		kw_sb_printf(&sb, " V%d", i);
	kw_sb_putc(&sb, '\n');
	assert_false(sb.overflow);
	int rc;
	kw_sshd_result *r = eval(sb.s, NULL, &rc);
	kw_sb_release(&sb);
	assert_int_equal(rc, 0);
	assert_string_equal(kw_sshd_value(r, KW_SO_X11FORWARDING), "yes");
	const char *const *v;
	assert_int_equal(kw_sshd_values(r, KW_SO_ACCEPTENV, &v), 5000);
	assert_string_equal(v[4999], "V4999");
	kw_sshd_result_free(r);
}

static void test_oracle_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof oracle_cases / sizeof oracle_cases[0]; i++) {
		const struct oracle_case *oc = &oracle_cases[i];
		int rc;
		char *out = tprint(oc->cfg, oc->user, &rc);
		if (oc->expect[0] == '#') {
			if (rc != KW_E_PARSE)
				fail_msg("case %zu (%s): rc %d, expected a refusal", i, oc->cfg, rc);
			free(out);
			continue;
		}
		if (rc != 0 || !out)
			fail_msg("case %zu: rc %d", i, rc);
		char want[512];
		bool neg = oc->expect[0] == '!';
		snprintf(want, sizeof want, "\n%s", oc->expect + neg);
		bool found = strstr(out, want) != NULL;
		/* a positive expectation without a trailing ',' is a whole line */
		if (!neg && found && oc->expect[strlen(oc->expect) - 1] != ',') {
			const char *at = strstr(out, want);
			found = at[strlen(want)] == '\n';
		}
		if (found == neg)
			fail_msg("case %zu (%s): expected %s\n%s", i, oc->cfg, oc->expect, out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_first_wins_and_normalise),
		cmocka_unit_test(test_match_e4),
		cmocka_unit_test(test_match_e8),
		cmocka_unit_test(test_oracle_rules),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_tilde),
		cmocka_unit_test(test_include_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
