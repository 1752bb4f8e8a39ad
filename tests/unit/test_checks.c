/* test_checks.c — the checks are pure functions: hand-built facts in, findings out.
 * Each test builds the smallest kw_facts that should (or should not) raise a finding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checks/checks.h"

#include <stdlib.h>
#include <string.h>

static kw_account *add_account(kw_facts *f, const char *name, uint32_t uid, kw_pw_state st,
			       kw_hash_scheme scheme)
{
	f->accounts = realloc(f->accounts, (f->n_accounts + 1) * sizeof *f->accounts);
	kw_account *a = &f->accounts[f->n_accounts++];
	memset(a, 0, sizeof *a);
	a->name = strdup(name);
	a->uid = a->gid = uid;
	a->home = strdup("/home/x");
	a->shell = strdup("/bin/bash");
	a->login_shell = true;
	a->passwd_pw.state = KW_PW_SHADOWED;
	a->has_shadow = true;
	a->shadow_pw.state = st;
	a->shadow_pw.scheme = scheme;
	a->passwd_line = a->shadow_line = (unsigned)f->n_accounts;
	a->lastchg = 19000;
	a->expire = -1;
	return a;
}

static kw_artifact *add_artifact(kw_facts *f, kw_artifact_kind kind, const char *path)
{
	f->artifacts = realloc(f->artifacts, (f->n_artifacts + 1) * sizeof *f->artifacts);
	kw_artifact *a = &f->artifacts[f->n_artifacts++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->path = strdup(path);
	a->size = 10;
	return a;
}

static void init_facts(kw_facts *f)
{
	memset(f, 0, sizeof *f);
	f->target = strdup("test");
	f->logindefs = (kw_logindefs){ 1000, 60000, 101, 999 };
	f->have_shadow = f->have_passwd = f->have_group = true;
}

static const kw_finding *find(const kw_findings *fs, const char *id, const char *target)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].check->id, id) && (!target || !strcmp(fs->v[i].target, target)))
			return &fs->v[i];
	return NULL;
}

static void run(const kw_facts *f, const kw_profile *p, kw_findings *fs)
{
	size_t n = 0;
	assert_int_equal(kw_checks_run(f, p, fs, &n), 0);
	assert_true(n > 20);
}

static kw_profile baseline(void)
{
	kw_profile p;
	kw_diags d = { 0 };
	kw_profile_init(&p);
	assert_int_equal(kw_profile_load(&p, "baseline", &d), 0);
	kw_diags_release(&d);
	return p;
}

static void test_root_and_users(void **state)
{
	(void)state;
	kw_facts f;
	init_facts(&f);
	add_account(&f, "root", 0, KW_PW_HASH, KW_HASH_SHA512);
	add_account(&f, "toor", 0, KW_PW_NOLOGIN, KW_HASH_NONE);
	kw_account *bob = add_account(&f, "bob", 1001, KW_PW_EMPTY, KW_HASH_NONE);
	kw_account *carol = add_account(&f, "carol", 1002, KW_PW_HASH, KW_HASH_DES);
	carol->lastchg = 0;
	add_account(&f, "daemon", 1, KW_PW_NOLOGIN, KW_HASH_NONE)->login_shell = false;
	(void)bob;
	kw_profile p = baseline();
	kw_findings fs = { 0 };
	run(&f, &p, &fs);

	const kw_finding *x = find(&fs, "accounts.root-password", "root");
	assert_non_null(x);
	assert_int_equal(x->severity, KW_SEV_CRITICAL);
	assert_non_null(strstr(x->evidence, "sha512crypt"));
	assert_null(find(&fs, "accounts.usable-password", "root"));
	assert_non_null(find(&fs, "accounts.extra-uid0", "toor"));
	assert_null(find(&fs, "accounts.extra-uid0", "root"));
	assert_non_null(find(&fs, "accounts.empty-password", "bob"));
	x = find(&fs, "accounts.usable-password", "carol");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "must be changed at next login"));
	assert_non_null(find(&fs, "accounts.weak-hash", "carol"));
	assert_null(find(&fs, "accounts.weak-hash", "root"));
	assert_non_null(find(&fs, "accounts.login-account", "bob"));
	assert_null(find(&fs, "accounts.login-account", "daemon"));
	assert_null(find(&fs, "accounts.login-account", "root"));

	kw_findings_release(&fs);
	kw_profile_release(&p);
	kw_facts_release(&f);
}

static void test_passwd_field_wins(void **state)
{
	(void)state;
	kw_facts f;
	init_facts(&f);
	/* a hash right in /etc/passwd: shadow is not consulted for logins */
	kw_account *a = add_account(&f, "old", 1005, KW_PW_NOLOGIN, KW_HASH_NONE);
	a->passwd_pw = (kw_pw_info){ .state = KW_PW_HASH, .scheme = KW_HASH_MD5 };
	/* passwd "x" but no shadow line */
	kw_account *g = add_account(&f, "ghost", 1006, KW_PW_NOLOGIN, KW_HASH_NONE);
	g->has_shadow = false;
	kw_profile p = baseline();
	kw_findings fs = { 0 };
	run(&f, &p, &fs);
	assert_non_null(find(&fs, "accounts.passwd-hash", "old"));
	const kw_finding *x = find(&fs, "accounts.usable-password", "old");
	assert_non_null(x);
	assert_string_equal(x->path, "/etc/passwd");
	assert_non_null(find(&fs, "accounts.missing-shadow", "ghost"));
	assert_null(find(&fs, "accounts.usable-password", "ghost"));
	kw_findings_release(&fs);
	kw_profile_release(&p);
	kw_facts_release(&f);
}

static void test_profile_overrides(void **state)
{
	(void)state;
	kw_facts f;
	init_facts(&f);
	add_account(&f, "root", 0, KW_PW_HASH, KW_HASH_YESCRYPT);
	add_account(&f, "dave", 1003, KW_PW_LOCKED, KW_HASH_MD5);
	static const char text[] =
		"profile t\n"
		"disable accounts.root-password\n"
		"severity accounts.locked-hash critical\n"
		"set report-locked-hash yes\n";
	kw_profile p;
	kw_diags d = { 0 };
	kw_profile_init(&p);
	assert_int_equal(kw_profile_parse(&p, "t", NULL, text, sizeof text - 1, &d), 0);
	kw_findings fs = { 0 };
	run(&f, &p, &fs);
	assert_null(find(&fs, "accounts.root-password", NULL));
	const kw_finding *x = find(&fs, "accounts.locked-hash", "dave");
	assert_non_null(x);
	assert_int_equal(x->severity, KW_SEV_CRITICAL);
	kw_findings_release(&fs);
	kw_profile_release(&p);
	kw_diags_release(&d);

	/* report-locked-hash no: nothing */
	static const char text2[] = "profile t2\nset report-locked-hash no\n";
	kw_profile_init(&p);
	assert_int_equal(kw_profile_parse(&p, "t2", NULL, text2, sizeof text2 - 1, &d), 0);
	kw_findings fs2 = { 0 };
	run(&f, &p, &fs2);
	assert_null(find(&fs2, "accounts.locked-hash", NULL));
	assert_non_null(find(&fs2, "accounts.root-password", "root"));
	kw_findings_release(&fs2);
	kw_profile_release(&p);
	kw_diags_release(&d);
	kw_facts_release(&f);
}

static void test_live_host_caps_image_state(void **state)
{
	(void)state;
	for (int live = 0; live <= 1; live++) {
		kw_facts f;
		init_facts(&f);
		f.live_host = live;
		add_artifact(&f, KW_ART_HOST_KEY, "/etc/ssh/ssh_host_ed25519_key");
		add_artifact(&f, KW_ART_MACHINE_ID, "/etc/machine-id");
		add_artifact(&f, KW_ART_CLOUD_PASSWORD, "/var/lib/cloud/seed/nocloud/user-data")->ci_flags =
			KW_CI_SSH_PWAUTH | KW_CI_AUTHORIZED_KEYS;
		kw_profile p = baseline();
		kw_findings fs = { 0 };
		run(&f, &p, &fs);
		const kw_finding *hk = find(&fs, "image.ssh-host-keys", NULL);
		assert_non_null(hk);
		assert_int_equal(hk->severity, live ? KW_SEV_INFO : KW_SEV_HIGH);
		assert_int_equal(find(&fs, "image.machine-id", NULL)->severity,
				 live ? KW_SEV_INFO : KW_SEV_MEDIUM);
		/* passwords in cloud-init data are findings on a live host too */
		const kw_finding *cp = find(&fs, "image.cloud-init-password", NULL);
		assert_non_null(cp);
		assert_int_equal(cp->severity, KW_SEV_CRITICAL);
		assert_non_null(strstr(cp->evidence, "ssh_pwauth"));
		assert_null(strstr(cp->evidence, "ssh_authorized_keys"));
		assert_non_null(strstr(find(&fs, "image.cloud-init-keys", NULL)->evidence, "ssh_authorized_keys"));
		kw_findings_release(&fs);
		kw_profile_release(&p);
		kw_facts_release(&f);
	}
}

static void add_grant(kw_facts *f, const char *who, bool nopasswd, bool noauth)
{
	f->sudo = realloc(f->sudo, (f->n_sudo + 1) * sizeof *f->sudo);
	kw_sudo_grant *g = &f->sudo[f->n_sudo++];
	memset(g, 0, sizeof *g);
	g->file = strdup("/etc/sudoers.d/x");
	g->line = 3;
	g->who = strdup(who);
	g->nopasswd = nopasswd;
	g->noauth_default = noauth;
}

static void test_sudo(void **state)
{
	(void)state;
	kw_facts f;
	init_facts(&f);
	add_account(&f, "alice", 1000, KW_PW_NOLOGIN, KW_HASH_NONE);
	add_account(&f, "svc", 999, KW_PW_NOLOGIN, KW_HASH_NONE);
	kw_account *dave = add_account(&f, "dave", 1003, KW_PW_NOLOGIN, KW_HASH_NONE);
	dave->gid = 1003;
	/* group "wheel" (gid 10) lists dave; group "sys" lists only svc */
	f.groups.v = calloc(2, sizeof *f.groups.v);
	f.groups.n = 2;
	f.groups.v[0].name = strdup("wheel");
	f.groups.v[0].gid = 10;
	f.groups.v[0].members = calloc(2, sizeof(char *));
	f.groups.v[0].members[0] = strdup("dave");
	f.groups.v[0].n_members = 1;
	f.groups.v[1].name = strdup("sys");
	f.groups.v[1].gid = 11;
	f.groups.v[1].members = calloc(2, sizeof(char *));
	f.groups.v[1].members[0] = strdup("svc");
	f.groups.v[1].n_members = 1;
	add_grant(&f, "alice", true, false);
	add_grant(&f, "svc", true, false);
	add_grant(&f, "%wheel", true, false);
	add_grant(&f, "%sys", true, false);
	add_grant(&f, "ALL", false, true);
	add_grant(&f, "nosuchuser", true, false);
	kw_profile p = baseline();
	kw_findings fs = { 0 };
	run(&f, &p, &fs);
	assert_non_null(find(&fs, "sudo.nopasswd", "alice"));
	assert_null(find(&fs, "sudo.nopasswd", "svc"));
	const kw_finding *w = find(&fs, "sudo.nopasswd", "%wheel");
	assert_non_null(w);
	assert_non_null(strstr(w->evidence, "dave"));
	assert_null(find(&fs, "sudo.nopasswd", "%sys"));
	assert_non_null(find(&fs, "sudo.noauth-default", "ALL"));
	assert_non_null(find(&fs, "sudo.nopasswd", "nosuchuser"));
	kw_findings_release(&fs);
	kw_profile_release(&p);
	kw_facts_release(&f);
}

static void test_registry(void **state)
{
	(void)state;
	size_t n;
	const kw_check_def *const *all = kw_checks_all(&n);
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(all[i]->refs[0]);
		assert_ptr_equal(kw_check_find(all[i]->id), all[i]);
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(all[i]->id, all[j]->id);
	}
	assert_null(kw_check_find("no.such-check"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_and_users),
		cmocka_unit_test(test_passwd_field_wins),
		cmocka_unit_test(test_profile_overrides),
		cmocka_unit_test(test_live_host_caps_image_state),
		cmocka_unit_test(test_sudo),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
