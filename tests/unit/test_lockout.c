/* test_lockout.c — the lock-out guard (fix/lockout.c) on real trees made in a temp
 * folder: real owners and modes (runs as root), key files from tests/data/harden and
 * tests/data/keys, configurations read by the engine through the target. Each test
 * changes one thing of a root in which alice can log in with a key, and checks that the
 * guard then refuses (and says why), or still passes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "collect/facts.h"
#include "collect/sshkey.h"
#include "fix/lockout.h"
#include "sshd/config.h"
#include "target/target.h"
#include "testutil.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA KW_TEST_DATA "/harden/"
#define GOOD_KEY KW_TEST_DATA "/keys/root_ed25519.pub"

typedef struct fixture {
	char root[64];
} fixture;

static void put(const fixture *fx, const char *rel, const char *text, mode_t mode, uid_t uid)
{
	kwt_put(fx->root, rel, text, mode, uid);
}

static void put_from(const fixture *fx, const char *rel, const char *src, mode_t mode, uid_t uid)
{
	size_t len;
	uint8_t *text = kwt_read_file(src, &len);
	put(fx, rel, (const char *)text, mode, uid);
	free(text);
}

static void dir(const fixture *fx, const char *rel, mode_t mode, uid_t uid)
{
	kwt_mkdir(fx->root, rel, mode, uid);
}

static void set_mode(const fixture *fx, const char *rel, mode_t mode)
{
	kwt_chmod(fx->root, rel, mode);
}

/* root (no key), alice (uid 1000, a good key, group ssh-users), bob (1001, no key),
 * svc (nologin); /bin/bash exists; homes 0755, .ssh 0700, authorized_keys 0600. */
static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	strcpy(fx->root, "/tmp/kwlockout.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	assert_int_equal(chmod(fx->root, 0755), 0);
	const char *dirs[] = { "/etc", "/etc/ssh", "/bin", "/root", "/home" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		dir(fx, dirs[i], i == 3 ? 0700 : 0755, 0);
	put(fx, "/etc/passwd",
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
	    "bob:x:1001:1001:Bob:/home/bob:/bin/bash\n"
	    "svc:x:999:999:service:/var/lib/svc:/usr/sbin/nologin\n", 0644, 0);
	put(fx, "/etc/shadow",
	    "root:*:19700:0:99999:7:::\n"
	    "alice:!:19700:0:99999:7:::\n"
	    "bob:*:19700:0:99999:7:::\n"
	    "svc:*:19700:0:99999:7:::\n", 0640, 0);
	put(fx, "/etc/group",
	    "root:x:0:\nalice:x:1000:\nbob:x:1001:\nsvc:x:999:\nssh-users:x:998:alice\n", 0644, 0);
	put(fx, "/etc/ssh/sshd_config", "UsePAM yes\n", 0644, 0);
	put(fx, "/bin/bash", "#!/bin/sh\n", 0755, 0);
	dir(fx, "/home/alice", 0755, 1000);
	dir(fx, "/home/alice/.ssh", 0700, 1000);
	put_from(fx, "/home/alice/.ssh/authorized_keys", GOOD_KEY, 0600, 1000);
	dir(fx, "/home/bob", 0755, 1001);
	*state = fx;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	fixture *fx = *state;
	nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Run the guard with the old and new main files given as text (read like files of the
 * fixture: Match Group sees its /etc/group). */
static void guard(const fixture *fx, const char *oldc, const char *newc, kw_lockout_report *rep)
{
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(fx->root, &t), 0);
	kw_facts f = { 0 };
	kw_collect_opts co = { 0 };
	assert_int_equal(kw_collect(t, &co, &f), 0);
	kw_sshd_config *o = NULL, *n = NULL;
	kw_diags d = { 0 };
	kw_sshd_load_opts lo = { .text = (const uint8_t *)oldc, .text_len = strlen(oldc) };
	assert_int_equal(kw_sshd_config_load(t, &lo, &o, &d), 0);
	lo.text = (const uint8_t *)newc;
	lo.text_len = strlen(newc);
	assert_int_equal(kw_sshd_config_load(t, &lo, &n, &d), 0);
	assert_int_equal(kw_lockout_check(t, &f, o, n, rep), 0);
	kw_sshd_config_free(o);
	kw_sshd_config_free(n);
	kw_diags_release(&d);
	kw_facts_release(&f);
	kw_target_free(t);
}

static const kw_lockout_candidate *cand(const kw_lockout_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].account, name))
			return &r->v[i];
	return NULL;
}

/* r.pass, or a failure that lists every candidate's reasons. */
static void expect_pass(const kw_lockout_report *r)
{
	if (r->pass)
		return;
	for (size_t i = 0; i < r->n; i++)
		print_message("  %s: %s\n", r->v[i].account, r->v[i].why);
	fail_msg("the guard refused");
}

/* Debian's UsePAM yes (the compiled-in default is no) */
#define PW_ON "UsePAM yes\nPasswordAuthentication yes\n"
#define PW_OFF "UsePAM yes\nPasswordAuthentication no\n"

/* Expect a refusal in which alice does not count for a reason containing `why`. */
static void expect_refused(const fixture *fx, const char *newc, const char *why)
{
	kw_lockout_report r = { 0 };
	guard(fx, PW_ON, newc, &r);
	assert_true(r.needed);
	assert_false(r.pass);
	const kw_lockout_candidate *a = cand(&r, "alice");
	assert_non_null(a);
	assert_false(a->counts);
	if (!strstr(a->why, why))
		fail_msg("alice: \"%s\" does not say \"%s\"", a->why, why);
	kw_lockout_report_release(&r);
}

static void test_passes_with_good_key(void **state)
{
	kw_lockout_report r = { 0 };
	guard(*state, PW_ON, PW_OFF, &r);
	assert_true(r.needed);
	expect_pass(&r);
	assert_non_null(strstr(r.turns_off, "passwordauthentication yes -> no"));
	const kw_lockout_candidate *a = cand(&r, "alice");
	assert_non_null(a);
	assert_true(a->counts);
	assert_non_null(strstr(a->why, "ED25519 key SHA256:"));
	assert_non_null(strstr(a->why, "/home/alice/.ssh/authorized_keys"));
	const kw_lockout_candidate *b = cand(&r, "bob");
	assert_non_null(b);
	assert_false(b->counts);
	assert_non_null(strstr(b->why, "no authorized_keys file"));
	assert_null(cand(&r, "svc")); /* no login shell, no key file: not listed */
	assert_int_equal(r.skipped, 1);
	kw_lockout_report_release(&r);
}

static void test_not_needed(void **state)
{
	kw_lockout_report r = { 0 };
	/* nothing turned off (turning passwords ON is not the guard's business) */
	guard(*state, PW_OFF, PW_ON "X11Forwarding no\n", &r);
	assert_false(r.needed);
	assert_int_equal(r.n, 0);
	kw_lockout_report_release(&r);
}

static void test_only_key_malformed(void **state)
{
	fixture *fx = *state;
	put_from(fx, "/home/alice/.ssh/authorized_keys", DATA "keys.malformed", 0600, 1000);
	expect_refused(fx, PW_OFF, "no usable key (2 malformed)");
}

static void test_forced_command_only(void **state)
{
	fixture *fx = *state;
	put_from(fx, "/home/alice/.ssh/authorized_keys", DATA "keys.forced", 0600, 1000);
	expect_refused(fx, PW_OFF, "1 restricted to a forced command");
}

static void test_group_writable_home(void **state)
{
	fixture *fx = *state;
	set_mode(fx, "/home/alice", 0775);
	expect_refused(fx, PW_OFF, "StrictModes refuses /home/alice/.ssh/authorized_keys: folder /home/alice has owner uid 1000, mode 0775");
	/* the same tree passes when StrictModes is off: it was the permissions */
	kw_lockout_report r = { 0 };
	guard(fx, PW_ON, PW_OFF "StrictModes no\n", &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);
}

static void test_group_writable_ssh_dir(void **state)
{
	fixture *fx = *state;
	set_mode(fx, "/home/alice/.ssh", 0770);
	expect_refused(fx, PW_OFF, "folder /home/alice/.ssh has owner uid 1000, mode 0770");
}

static void test_key_file_of_another_user(void **state)
{
	fixture *fx = *state;
	put_from(fx, "/home/alice/.ssh/authorized_keys", GOOD_KEY, 0644, 1001);
	expect_refused(fx, PW_OFF, "file /home/alice/.ssh/authorized_keys has owner uid 1001");
}

static void test_denied_by_allowusers(void **state)
{
	expect_refused(*state, PW_OFF "AllowUsers bob carol\n", "not in AllowUsers (bob carol)");
}

static void test_denied_by_denyusers(void **state)
{
	expect_refused(*state, PW_OFF "DenyUsers al*\n", "denied by DenyUsers al*");
}

static void test_groups(void **state)
{
	fixture *fx = *state;
	expect_refused(fx, PW_OFF "DenyGroups ssh-*\n", "group ssh-users is in DenyGroups");
	expect_refused(fx, PW_OFF "AllowGroups wheel\n", "no group of it is in AllowGroups (wheel)");
	kw_lockout_report r = { 0 };
	guard(fx, PW_ON, PW_OFF "AllowGroups ssh-users\n", &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);
}

static void test_allowusers_host_pattern(void **state)
{
	kw_lockout_report r = { 0 };
	guard(*state, PW_ON, PW_OFF "AllowUsers alice@10.0.0.0/8\n", &r);
	expect_pass(&r);
	const kw_lockout_candidate *a = cand(&r, "alice");
	assert_non_null(strstr(a->why, "only from 10.0.0.0/8"));
	kw_lockout_report_release(&r);
}

static void test_match_block_for_user(void **state)
{
	/* a Match block (evaluated for alice) turns public keys off for her */
	expect_refused(*state, PW_OFF "Match User alice\n PubkeyAuthentication no\n",
		       "PubkeyAuthentication no");
	expect_refused(*state, PW_OFF "Match Group ssh-users\n ForceCommand /usr/bin/true\n",
		       "ForceCommand /usr/bin/true runs instead of a shell");
}

static void test_root_permit_root_login(void **state)
{
	fixture *fx = *state;
	/* only root has a key */
	dir(fx, "/root/.ssh", 0700, 0);
	put_from(fx, "/root/.ssh/authorized_keys", GOOD_KEY, 0600, 0);
	put(fx, "/home/alice/.ssh/authorized_keys", "", 0600, 1000);
	kw_lockout_report r = { 0 };
	guard(fx, "UsePAM yes\nPermitRootLogin yes\n", "UsePAM yes\nPermitRootLogin no\n", &r);
	assert_true(r.needed);
	assert_non_null(strstr(r.turns_off, "permitrootlogin yes -> no"));
	assert_false(r.pass);
	const kw_lockout_candidate *root = cand(&r, "root");
	assert_non_null(root);
	assert_non_null(strstr(root->why, "PermitRootLogin no"));
	kw_lockout_report_release(&r);
	/* prohibit-password keeps root's key login */
	guard(fx, "UsePAM yes\nPermitRootLogin yes\n", "UsePAM yes\nPermitRootLogin prohibit-password\n", &r);
	expect_pass(&r);
	assert_true(cand(&r, "root")->counts);
	kw_lockout_report_release(&r);
	/* forced-commands-only: only keys with command= would work */
	guard(fx, "UsePAM yes\nPermitRootLogin yes\n", "UsePAM yes\nPermitRootLogin forced-commands-only\n", &r);
	assert_false(r.pass);
	kw_lockout_report_release(&r);
}

static void test_key_algorithm_not_accepted(void **state)
{
	fixture *fx = *state;
	put_from(fx, "/home/alice/.ssh/authorized_keys", KW_TEST_DATA "/keys/alice_ecdsa.pub", 0600, 1000);
	expect_refused(fx, PW_OFF "PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-512\n",
		       "1 its algorithm is not in PubkeyAcceptedAlgorithms");
}

static void test_expired_and_locked(void **state)
{
	fixture *fx = *state;
	/* alice's password field is "!": locked, which only matters without PAM */
	kw_lockout_report r = { 0 };
	guard(fx, PW_ON, PW_OFF, &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);
	expect_refused(fx, "UsePAM no\nPasswordAuthentication no\n", "password field locked (!) and UsePAM no");
	put(fx, "/etc/shadow", "root:*:19700:0:99999:7:::\nalice:*:19700:0:99999:7::1:\n", 0640, 0);
	expect_refused(fx, PW_OFF, "account expired");
}

static void test_authorized_keys_file_tokens(void **state)
{
	fixture *fx = *state;
	/* keys outside the home, named with %u: every folder up to / is checked */
	dir(fx, "/etc/ssh/keys", 0755, 0);
	put_from(fx, "/etc/ssh/keys/alice", GOOD_KEY, 0644, 0);
	kw_lockout_report r = { 0 };
	guard(fx, PW_ON, PW_OFF "AuthorizedKeysFile /etc/ssh/keys/%u\n", &r);
	expect_pass(&r);
	assert_non_null(strstr(cand(&r, "alice")->why, "/etc/ssh/keys/alice"));
	kw_lockout_report_release(&r);
	set_mode(fx, "/etc/ssh", 0777);
	expect_refused(fx, PW_OFF "AuthorizedKeysFile /etc/ssh/keys/%u\n", "folder /etc/ssh has owner uid 0, mode 0777");
	set_mode(fx, "/etc/ssh", 0755);
}


/* kw_lockout_accounts on the fixture with its own sshd_config and the what-if w. */
static void accounts(const fixture *fx, const kw_lockout_whatif *w, kw_lockout_report *rep)
{
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(fx->root, &t), 0);
	kw_facts f = { 0 };
	kw_collect_opts co = { 0 };
	assert_int_equal(kw_collect(t, &co, &f), 0);
	assert_non_null(f.sshd.cfg);
	assert_int_equal(kw_lockout_accounts(t, &f, f.sshd.cfg, w, rep), 0);
	assert_true(rep->needed);
	assert_null(rep->turns_off);
	kw_facts_release(&f);
	kw_target_free(t);
}

/* The SHA256 fingerprint alice's key is named by in the guard's text. */
static void alice_fp(const fixture *fx, char fp[128])
{
	kw_lockout_report r = { 0 };
	accounts(fx, NULL, &r);
	expect_pass(&r);
	const char *p = strstr(cand(&r, "alice")->why, "SHA256:");
	assert_non_null(p);
	size_t n = strcspn(p, " ");
	assert_true(n > 7 && n < 128);
	memcpy(fp, p, n);
	fp[n] = '\0';
	kw_lockout_report_release(&r);
}

/* Without a what-if: everyone evaluated whatever the configuration, reasons that do not
 * depend on keys apart. */
static void test_accounts_account_why(void **state)
{
	fixture *fx = *state;
	put(fx, "/etc/ssh/sshd_config", "UsePAM yes\nDenyUsers bob\n", 0644, 0);
	kw_lockout_report r = { 0 };
	accounts(fx, NULL, &r);
	expect_pass(&r);
	const kw_lockout_candidate *a = cand(&r, "alice"), *b = cand(&r, "bob");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->counts);
	assert_null(a->account_why);
	assert_false(b->counts);
	assert_non_null(b->account_why);
	assert_non_null(strstr(b->account_why, "denied by DenyUsers bob"));
	assert_null(strstr(b->account_why, "authorized_keys")); /* key reasons stay in why */
	assert_non_null(strstr(b->why, "no authorized_keys file"));
	assert_non_null(b->account_stop); /* DenyUsers stops every key */
	assert_null(a->account_stop);
	kw_lockout_report_release(&r);

	/* ForceCommand confines a key login, it does not stop it */
	put(fx, "/etc/ssh/sshd_config", "UsePAM yes\nForceCommand /usr/bin/true\n", 0644, 0);
	accounts(fx, NULL, &r);
	a = cand(&r, "alice");
	assert_non_null(a->account_why);
	assert_non_null(strstr(a->account_why, "ForceCommand"));
	assert_null(a->account_stop);
	kw_lockout_report_release(&r);
}

/* Dropping alice's only key locks everyone out; dropping another key, or alice's key
 * from bob's files only, does not. */
static void test_accounts_whatif_drop(void **state)
{
	fixture *fx = *state;
	char fp[128];
	alice_fp(fx, fp);
	const char *drop[] = { fp };
	kw_lockout_report r = { 0 };
	kw_lockout_whatif w = { .account = "alice", .drop_fps = drop, .n_drop = 1 };
	accounts(fx, &w, &r);
	assert_false(r.pass);
	assert_non_null(strstr(cand(&r, "alice")->why, "no usable key"));
	kw_lockout_report_release(&r);

	w.account = NULL; /* from every account */
	accounts(fx, &w, &r);
	assert_false(r.pass);
	kw_lockout_report_release(&r);

	w.account = "bob";
	accounts(fx, &w, &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);

	const char *other[] = { "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	w = (kw_lockout_whatif){ .account = "alice", .drop_fps = other, .n_drop = 1 };
	accounts(fx, &w, &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);
}

/* A rotation: alice's old key dropped and a new good line added to her file passes; the
 * new line added to another file does not count. */
static void test_accounts_whatif_add(void **state)
{
	fixture *fx = *state;
	char fp[128];
	alice_fp(fx, fp);
	size_t len;
	uint8_t *text = kwt_read_file(KW_TEST_DATA "/keys/alice_ecdsa.pub", &len);
	kw_authkeys ak = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(kw_authkeys_parse("new.pub", text, len, &ak, &d), 0);
	assert_int_equal(ak.n, 1);
	assert_string_not_equal(ak.v[0].key.fp, fp);
	const char *drop[] = { fp };
	kw_lockout_whatif w = { .account = "alice", .drop_fps = drop, .n_drop = 1, .add = &ak.v[0],
				.add_path = "/home/alice/.ssh/authorized_keys" };
	kw_lockout_report r = { 0 };
	accounts(fx, &w, &r);
	expect_pass(&r);
	kw_lockout_report_release(&r);
	w.add_path = "/home/alice/.ssh/authorized_keys2";
	accounts(fx, &w, &r);
	assert_false(r.pass);
	kw_lockout_report_release(&r);
	kw_authkeys_release(&ak);
	kw_diags_release(&d);
	free(text);
}

static void test_modes_ok(void **state)
{
	fixture *fx = *state;
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(fx->root, &t), 0);
	kw_account a = { .name = "alice", .uid = 1000, .gid = 1000, .home = "/home/alice" };
	char *why = (char *)1;
	assert_true(kw_lockout_modes_ok(t, "/home/alice/.ssh/authorized_keys", &a, &why));
	assert_null(why);
	set_mode(fx, "/home/alice/.ssh", 0770);
	assert_false(kw_lockout_modes_ok(t, "/home/alice/.ssh/authorized_keys", &a, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "folder /home/alice/.ssh has owner uid 1000, mode 0770"));
	free(why);
	kw_target_free(t);
}

/* A long reason comes out whole (AllowUsers of 300 names, 2 KiB and more). */
static void test_long_reason_whole(void **state)
{
	fixture *fx = *state;
	char cfg[8192] = "UsePAM yes\nAllowUsers";
	for (int i = 0; i < 300; i++)
		snprintf(cfg + strlen(cfg), sizeof cfg - strlen(cfg), " user%04d", i);
	strcat(cfg, "\n");
	put(fx, "/etc/ssh/sshd_config", cfg, 0644, 0);
	kw_lockout_report r = { 0 };
	accounts(fx, NULL, &r);
	const kw_lockout_candidate *b = cand(&r, "bob");
	assert_non_null(b);
	assert_non_null(b->account_stop);
	assert_true(strlen(b->account_stop) > 2000);
	assert_non_null(strstr(b->account_stop, "user0299)"));
	kw_lockout_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passes_with_good_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_key_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_command_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_writable_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_writable_ssh_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_of_another_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_by_allowusers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_by_denyusers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowusers_host_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_block_for_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_permit_root_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_algorithm_not_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_and_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authorized_keys_file_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts_account_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts_whatif_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts_whatif_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_reason_whole, setup, teardown),
	};
	if (geteuid() != 0) {
		printf("test_lockout: needs root (chown of fixture files)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
