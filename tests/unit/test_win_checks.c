/* test_win_checks.c — the Windows checks (checks/windows.c) over facts built by hand:
 * which value is in force (policy, listener, Windows' default), RDP findings only when
 * RDP is allowed, service start types, account flags, autologon, answer-file forms; and
 * that the Windows area runs only for a Windows volume while the Linux areas do not run
 * on one. */
#include "checks/checks.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static kw_win_facts w;
static kw_facts f;
static kw_profile prof;
static kw_findings out;

static int setup(void **state)
{
	(void)state;
	memset(&w, 0, sizeof w);
	memset(&f, 0, sizeof f);
	memset(&out, 0, sizeof out);
	f.win = &w;
	w.control_set = 1;
	w.hive[KW_WIN_SYSTEM].path = (char *)"/Windows/System32/config/SYSTEM";
	w.hive[KW_WIN_SOFTWARE].path = (char *)"/Windows/System32/config/SOFTWARE";
	w.hive[KW_WIN_SAM].path = (char *)"/Windows/System32/config/SAM";
	kw_profile_init(&prof);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kw_findings_release(&out);
	kw_profile_release(&prof);
	return 0;
}

static void run(void)
{
	kw_findings_release(&out);
	assert_int_equal(kw_checks_run(&f, &prof, &out, NULL), 0);
}

static const kw_finding *find(const char *id, const char *target)
{
	for (size_t i = 0; i < out.n; i++)
		if (!strcmp(out.v[i].check->id, id) && (!target || !strcmp(out.v[i].target, target)))
			return &out.v[i];
	return NULL;
}

static size_t count(const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < out.n; i++)
		n += !strncmp(out.v[i].check->id, prefix, strlen(prefix));
	return n;
}

#define SET(v_) ((kw_win_num){ KW_HVAL_SET, (v_) })

static void rdp_effective(void **state)
{
	(void)state;
	/* nothing set: a fresh install denies RDP, so no RDP finding at all */
	run();
	assert_int_equal(count("windows.rdp"), 0);
	/* allowed, NLA and layer not set: Windows' defaults (NLA off, negotiate) */
	w.rdp.deny = SET(0);
	run();
	const kw_finding *x = find("windows.rdp-nla-off", "RDP");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "default"));
	assert_null(find("windows.rdp-security-layer", NULL));
	assert_non_null(strstr(find("windows.rdp-enabled", NULL)->evidence, "port 3389"));
	/* the listener says NLA on, layer 0: one finding, from the registry */
	w.rdp.nla = SET(1);
	w.rdp.layer = SET(0);
	w.rdp.port = SET(50000);
	run();
	assert_null(find("windows.rdp-nla-off", NULL));
	assert_non_null(strstr(find("windows.rdp-security-layer", NULL)->evidence, "(registry)"));
	assert_non_null(strstr(find("windows.rdp-enabled", NULL)->evidence, "port 50000"));
	/* policy wins over the listener both ways */
	w.rdp.nla_policy = SET(0);
	w.rdp.layer_policy = SET(2);
	w.rdp.encryption = SET(1);
	run();
	assert_non_null(strstr(find("windows.rdp-nla-off", NULL)->evidence, "(policy)"));
	assert_null(find("windows.rdp-security-layer", NULL));
	/* low encryption matters only without TLS */
	assert_null(find("windows.rdp-encryption-low", NULL));
	w.rdp.layer_policy = SET(1);
	run();
	assert_non_null(find("windows.rdp-encryption-low", NULL));
	/* policy denies RDP although the listener allows it: nothing about RDP */
	w.rdp.deny_policy = SET(1);
	run();
	assert_int_equal(count("windows.rdp"), 0);
	/* a wrong type is not a value: the default (deny) applies */
	w.rdp.deny_policy = (kw_win_num){ KW_HVAL_BADTYPE, 0 };
	w.rdp.deny = (kw_win_num){ KW_HVAL_BADTYPE, 0 };
	run();
	assert_int_equal(count("windows.rdp"), 0);
	/* SYSTEM unreadable (no control set): RDP and services are not judged */
	w.rdp.deny = SET(0);
	w.rdp.deny_policy = (kw_win_num){ 0 };
	w.control_set = 0;
	run();
	assert_int_equal(count("windows.rdp"), 0);
}

static void services(void **state)
{
	(void)state;
	kw_win_service s[3] = {
		{ &kw_win_services[0], SET(2) },   /* automatic */
		{ &kw_win_services[1], SET(3) },   /* manual */
		{ &kw_win_services[2], SET(4) },   /* disabled */
	};
	w.services = s;
	w.n_services = 3;
	run();
	const kw_finding *a = find("windows.unneeded-service", kw_win_services[0].name);
	const kw_finding *m = find("windows.unneeded-service", kw_win_services[1].name);
	assert_non_null(a);
	assert_int_equal(a->severity, KW_SEV_MEDIUM);
	assert_non_null(m);
	assert_int_equal(m->severity, KW_SEV_INFO);
	assert_null(find("windows.unneeded-service", kw_win_services[2].name));
	w.services = NULL;
	w.n_services = 0;
}

static kw_win_account acct(const char *name, uint32_t rid, uint16_t acb, bool nt)
{
	kw_win_account a = { .name = (char *)name, .rid = rid, .have_f = true, .have_v = true };
	a.f.rid = rid;
	a.f.acb = acb;
	a.v.has_nt = nt;
	return a;
}

static void accounts(void **state)
{
	(void)state;
	kw_win_account a[] = {
		acct("Administrator", 500, KW_ACB_NORMAL, true),
		acct("Guest", 501, KW_ACB_NORMAL | KW_ACB_DISABLED | KW_ACB_PWNOTREQ, false),
		acct("builder", 1001, KW_ACB_NORMAL, true),
		acct("svc", 1002, KW_ACB_NORMAL | KW_ACB_PWNOTREQ, true),
		acct("blank", 1003, KW_ACB_NORMAL, false),
		acct("old", 1004, KW_ACB_NORMAL | KW_ACB_DISABLED, false),
		acct("broken", 1005, KW_ACB_NORMAL, false),
	};
	a[6].have_v = false; /* a record keyward could not read is not judged */
	w.accounts = a;
	w.n_accounts = sizeof a / sizeof a[0];
	run();
	assert_non_null(find("windows.administrator-password", "Administrator"));
	assert_null(find("windows.guest-enabled", NULL));
	assert_null(find("windows.blank-password", "Guest"));
	assert_non_null(find("windows.local-account", "builder"));
	assert_non_null(find("windows.password-not-required", "svc"));
	assert_null(find("windows.blank-password", "svc"));
	assert_non_null(find("windows.blank-password", "blank"));
	assert_int_equal(find("windows.blank-password", "blank")->severity, KW_SEV_CRITICAL);
	assert_null(find("windows.local-account", "old"));
	assert_null(find("windows.blank-password", "broken"));
	assert_null(find("windows.local-account", "broken"));
	/* Administrator without a hash: blank, not "preset password" */
	a[0].v.has_nt = false;
	run();
	assert_null(find("windows.administrator-password", NULL));
	assert_non_null(find("windows.blank-password", "Administrator"));
	w.accounts = NULL;
	w.n_accounts = 0;
}

static void autologon(void **state)
{
	(void)state;
	w.autologon.default_password = KW_HVAL_SET; /* a password without AutoAdminLogon */
	run();
	assert_non_null(find("windows.autologon-password", "Winlogon"));
	assert_null(find("windows.autologon", NULL));
	w.autologon.default_password = KW_HVAL_ABSENT;
	w.autologon.auto_admin_logon = (char *)"0";
	w.autologon.lsa_secret = true; /* Sysinternals Autologon's secret */
	run();
	assert_null(find("windows.autologon-password", NULL));
	assert_non_null(strstr(find("windows.autologon", NULL)->evidence, "LSA secret"));
	w.autologon = (kw_win_autologon){ 0 };
}

static void answers(void **state)
{
	(void)state;
	kw_ua_secret s1[] = {
		{ KW_UA_ADMIN, KW_UA_REMOVED, 10, (char *)"UserAccounts/AdministratorPassword", NULL, NULL },
	};
	kw_ua_secret s2[] = {
		{ KW_UA_LOCAL_ACCOUNT, KW_UA_EMPTY, 5, (char *)"UserAccounts/LocalAccounts/LocalAccount/Password", (char *)"u", NULL },
		{ KW_UA_AUTOLOGON, KW_UA_ENCODED, 9, (char *)"AutoLogon/Password", (char *)"u", (char *)"oobeSystem" },
		{ KW_UA_GPP, KW_UA_PLAINTEXT, 3, (char *)"Groups/User/Properties@cpassword", NULL, NULL },
	};
	kw_win_answer an[] = {
		{ .path = (char *)"/Windows/Panther/unattend.xml", .r = { .v = s1, .n = 1 } },
		{ .path = (char *)"/unattend.xml", .r = { .v = s2, .n = 3 } },
	};
	w.answers = an;
	w.n_answers = 2;
	run();
	const kw_finding *clean = find("windows.answer-file", "/Windows/Panther/unattend.xml");
	assert_non_null(clean);
	assert_non_null(strstr(clean->evidence, "removed"));
	assert_null(find("windows.answer-file-password", "/Windows/Panther/unattend.xml"));
	size_t pw = 0;
	for (size_t i = 0; i < out.n; i++)
		if (!strcmp(out.v[i].check->id, "windows.answer-file-password")) {
			pw++;
			assert_int_equal(out.v[i].severity, out.v[i].line == 5 ? KW_SEV_HIGH : KW_SEV_CRITICAL);
		}
	assert_int_equal(pw, 2);
	const kw_finding *g = find("windows.gpp-cpassword", "/unattend.xml");
	assert_non_null(g);
	assert_int_equal(g->line, 3);
	assert_null(find("windows.answer-file", "/unattend.xml"));
	w.answers = NULL;
	w.n_answers = 0;
}

static void areas(void **state)
{
	(void)state;
	/* on a Windows volume no Linux account check runs (there is no passwd to miss) */
	run();
	assert_int_equal(count("accounts."), 0);
	size_t nw, nl, na;
	const kw_check_def *const *win = kw_checks_for(true, &nw);
	const kw_check_def *const *lin = kw_checks_for(false, &nl);
	kw_checks_all(&na);
	assert_int_equal(nl, na - 22); /* every check but the 22 Windows ones */
	for (size_t i = 0; i < nl; i++)
		assert_true(strncmp(lin[i]->id, "windows.", 8));
	bool has_keys = false;
	for (size_t i = 0; i < nw; i++) {
		assert_true(strncmp(win[i]->id, "accounts.", 9) && strncmp(win[i]->id, "sshd.", 5));
		has_keys |= !strcmp(win[i]->id, "keys.authorized-keys");
	}
	assert_true(has_keys);
	/* and a Linux target runs no Windows check */
	f.win = NULL;
	f.have_passwd = true;
	run();
	assert_int_equal(count("windows."), 0);
	f.win = &w;
	f.have_passwd = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rdp_effective, setup, teardown),
		cmocka_unit_test_setup_teardown(services, setup, teardown),
		cmocka_unit_test_setup_teardown(accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(autologon, setup, teardown),
		cmocka_unit_test_setup_teardown(answers, setup, teardown),
		cmocka_unit_test_setup_teardown(areas, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
