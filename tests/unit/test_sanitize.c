/* test_sanitize.c — unit tests of the sanitize plan builder (src/fix/sanitize.c) on the
 * fixture images of tests/integration/mkimage.sh: which actions the default operations
 * plan, what the new /etc/shadow looks like, --password-lock, --keep-key, --remove-user
 * refusals, a clean image giving an empty plan, and the host-key regeneration detector. */
#include "fix/sanitize.h"
#include "collect/facts.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void mkimage(const char *kind)
{
	snprintf(dir, sizeof dir, "/tmp/kwsan.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "bash %s/../integration/mkimage.sh %s %s/img %s/../.. >/dev/null 2>&1",
		 KW_TEST_DATA, kind, dir, KW_TEST_DATA);
	assert_int_equal(system(cmd), 0);
}

static void rmimage(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Append text to the image file rel (folders made as needed). */
static void append(const char *rel, const char *text)
{
	char cmd[1024], path[512];
	snprintf(path, sizeof path, "%s/img%s", dir, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

typedef struct run {
	kw_target *t;
	kw_facts f;
	kw_plan p;
	kw_diags d;
	int r;
} run;

static void plan(run *x, const kw_sanitize_opts *o)
{
	char root[128];
	snprintf(root, sizeof root, "%s/img", dir);
	memset(x, 0, sizeof *x);
	assert_int_equal(kw_target_open_dir(root, &x->t), 0);
	kw_collect_opts co = { .match_users = true };
	assert_int_equal(kw_collect(x->t, &co, &x->f), 0);
	kw_plan_init(&x->p);
	x->r = kw_sanitize_plan(x->t, &x->f, o, &x->p, &x->d);
}

static void done(run *x)
{
	kw_plan_release(&x->p);
	kw_diags_release(&x->d);
	kw_facts_release(&x->f);
	kw_target_free(x->t);
}

static const kw_action *find(const run *x, const char *path)
{
	for (size_t i = 0; i < x->p.n; i++)
		if (!strcmp(x->p.v[i].path, path))
			return &x->p.v[i];
	return NULL;
}

static bool has_note(const run *x, const char *needle)
{
	for (size_t i = 0; i < x->p.n_notes; i++)
		if (strstr(x->p.notes[i], needle))
			return true;
	return false;
}

static void test_parse_ops(void **state)
{
	(void)state;
	uint64_t m = 0;
	const char *bad = NULL;
	size_t bl = 0;
	assert_int_equal(kw_sanitize_parse_ops("passwords,tmp", &m, &bad, &bl), 0);
	assert_int_equal(__builtin_popcountll(m), 2);
	assert_int_equal(kw_sanitize_parse_ops("defaults", &m, &bad, &bl), 0);
	assert_int_equal(m, kw_sanitize_default_ops());
	assert_int_equal(kw_sanitize_parse_ops("all", &m, &bad, &bl), 0);
	assert_int_equal(__builtin_popcountll(m), (int)kw_sanitize_n_ops);
	assert_int_equal(kw_sanitize_parse_ops("tmp,nope,logs", &m, &bad, &bl), KW_E_USAGE);
	assert_int_equal(bl, 4);
	assert_memory_equal(bad, "nope", 4);
	/* logs and the seed are off by default; passwords on */
	uint64_t def = kw_sanitize_default_ops();
	for (size_t i = 0; i < kw_sanitize_n_ops; i++) {
		const char *n = kw_sanitize_ops[i].name;
		bool d = (def >> i) & 1;
		if (!strcmp(n, "logs") || !strcmp(n, "cloud-init-seed") || !strcmp(n, "encrypted-keys") ||
		    !strcmp(n, "remove-user"))
			assert_false(d);
		if (!strcmp(n, "passwords") || !strcmp(n, "authorized-keys") || !strcmp(n, "histories"))
			assert_true(d);
	}
}

static void test_dirty_default_plan(void **state)
{
	(void)state;
	mkimage("dirty");
	kw_sanitize_opts o = { .ops = kw_sanitize_default_ops() };
	run x;
	plan(&x, &o);
	assert_int_equal(x.r, 0);
	const kw_action *a = find(&x, "/etc/shadow");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REPLACE);
	assert_int_equal(a->redact, KW_REDACT_SHADOW);
	assert_null(memchr(a->data, '$', a->len));
	assert_non_null(strstr((const char *)a->data, "root:*:19700:0:99999:7:::\n"));
	assert_non_null(strstr((const char *)a->data, "sshd:!:19700::::::\n")); /* marker kept */
	assert_non_null(strstr(a->why, "root"));
	a = find(&x, "/etc/passwd");
	assert_non_null(a);
	assert_non_null(strstr((const char *)a->data, "carol:x:1002:"));
	assert_non_null(strstr((const char *)a->data, "+::::::\n")); /* NIS line untouched */
	a = find(&x, "/root/.ssh/authorized_keys");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REPLACE);
	assert_int_equal(a->len, 0);
	assert_non_null(find(&x, "/etc/ssh/keys/carol"));
	assert_non_null(find(&x, "/root/.bash_history"));
	assert_non_null(find(&x, "/home/alice/.ssh/id_ed25519"));
	assert_null(find(&x, "/home/alice/.ssh/id_deploy")); /* encrypted: off by default */
	assert_non_null(find(&x, "/home/alice/.aws/credentials"));
	assert_null(find(&x, "/home/alice/.aws/config"));
	assert_non_null(find(&x, "/etc/ssh/ssh_host_ed25519_key"));
	assert_non_null(find(&x, "/etc/ssh/ssh_host_ed25519_key.pub"));
	assert_null(find(&x, "/etc/ssh/sshd_config"));
	assert_null(find(&x, "/etc/ssh/moduli"));
	a = find(&x, "/etc/machine-id");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REPLACE);
	assert_int_equal(a->len, 0);
	assert_non_null(find(&x, "/var/lib/dbus/machine-id"));
	a = find(&x, "/var/lib/cloud/instances");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REMOVE_TREE);
	assert_int_equal(a->n_entries, 1);
	a = find(&x, "/var/lib/cloud/instance");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REMOVE); /* the symlink itself */
	assert_null(find(&x, "/var/lib/cloud/seed"));
	assert_non_null(find(&x, "/var/lib/dhcp/dhclient.eth0.leases"));
	assert_non_null(find(&x, "/var/lib/systemd/random-seed"));
	assert_true(has_note(&x, "nothing in the image regenerates SSH host keys"));
	assert_true(has_note(&x, "99-builder.cfg"));
	/* every action once */
	for (size_t i = 0; i < x.p.n; i++)
		for (size_t k = i + 1; k < x.p.n; k++)
			assert_string_not_equal(x.p.v[i].path, x.p.v[k].path);
	done(&x);
	rmimage();
}

static void test_lock_keep_remove(void **state)
{
	(void)state;
	mkimage("dirty");
	/* --password-lock */
	kw_sanitize_opts o = { .ops = kw_sanitize_default_ops(), .password_lock = true };
	run x;
	plan(&x, &o);
	const kw_action *a = find(&x, "/etc/shadow");
	assert_non_null(a);
	assert_non_null(strstr((const char *)a->data, "root:!:19700"));
	assert_non_null(strstr((const char *)a->data, "bob:!:19700"));
	done(&x);

	/* --keep-key: alice's key stays, with its bytes */
	char fp[128] = "", cmd[512];
	snprintf(cmd, sizeof cmd, "ssh-keygen -lf %s/keys/alice_ecdsa.pub | cut -d' ' -f2",
		 KW_TEST_DATA);
	FILE *pf = popen(cmd, "r");
	assert_non_null(pf);
	assert_non_null(fgets(fp, sizeof fp, pf));
	pclose(pf);
	fp[strcspn(fp, "\n")] = 0;
	const char *keep[] = { fp };
	kw_sanitize_opts o2 = { .ops = kw_sanitize_default_ops(), .keep_keys = keep, .n_keep_keys = 1 };
	plan(&x, &o2);
	a = find(&x, "/home/alice/.ssh/authorized_keys2");
	/* the file holds a comment and the kept key: the comment goes, the key stays */
	assert_non_null(a);
	assert_non_null(strstr((const char *)a->data, "ecdsa-sha2-nistp256 "));
	assert_null(strstr((const char *)a->data, "# keys for alice"));
	assert_non_null(strstr(a->why, "kept"));
	done(&x);

	/* --remove-user: system account and root refused, a user removed everywhere */
	const char *sys[] = { "svc" };
	kw_sanitize_opts o3 = { .ops = 0, .remove_users = sys, .n_remove_users = 1 };
	plan(&x, &o3);
	assert_int_equal(x.r, KW_E_REFUSED);
	assert_true(x.d.n >= 1);
	assert_non_null(strstr(x.d.v[0].msg, "never removed"));
	done(&x);
	const char *rootu[] = { "toor" }; /* uid 0 under another name */
	kw_sanitize_opts o4 = { .ops = 0, .remove_users = rootu, .n_remove_users = 1 };
	plan(&x, &o4);
	assert_int_equal(x.r, KW_E_REFUSED);
	done(&x);
	const char *nobody[] = { "no-such-user" };
	kw_sanitize_opts o5 = { .ops = 0, .remove_users = nobody, .n_remove_users = 1 };
	plan(&x, &o5);
	assert_int_equal(x.r, KW_E_REFUSED);
	done(&x);
	const char *alice[] = { "alice" };
	kw_sanitize_opts o6 = { .ops = 0, .remove_users = alice, .n_remove_users = 1 };
	plan(&x, &o6);
	assert_int_equal(x.r, 0);
	a = find(&x, "/etc/passwd");
	assert_non_null(a);
	assert_null(strstr((const char *)a->data, "\nalice:"));
	assert_non_null(strstr((const char *)a->data, "\nbob:"));
	a = find(&x, "/etc/shadow");
	assert_non_null(a);
	assert_null(strstr((const char *)a->data, "\nalice:"));
	a = find(&x, "/etc/group");
	assert_non_null(a);
	assert_null(strstr((const char *)a->data, "\nalice:x:1000:"));
	a = find(&x, "/home/alice");
	assert_non_null(a);
	assert_int_equal(a->kind, KW_ACT_REMOVE_TREE);
	assert_true(a->n_entries >= 5);
	done(&x);
	rmimage();
}

static void test_clean_image_empty_plan(void **state)
{
	(void)state;
	mkimage("clean");
	kw_sanitize_opts o = { .ops = kw_sanitize_default_ops() };
	run x;
	plan(&x, &o);
	assert_int_equal(x.r, 0);
	for (size_t i = 0; i < x.p.n; i++)
		print_message("unexpected action: %s %s\n", x.p.v[i].op, x.p.v[i].path);
	assert_int_equal(x.p.n, 0);
	done(&x);
	rmimage();
}

static void test_hostkey_regeneration(void **state)
{
	(void)state;
	mkimage("clean");
	char root[128], how[512];
	snprintf(root, sizeof root, "%s/img", dir);
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(root, &t), 0);
	assert_false(kw_sanitize_hostkeys_regenerated(t, how, sizeof how));
	assert_non_null(strstr(how, "nothing"));
	append("/etc/cloud/cloud.cfg", "cloud_init_modules:\n - ssh\n");
	assert_true(kw_sanitize_hostkeys_regenerated(t, how, sizeof how));
	assert_non_null(strstr(how, "cloud-init"));
	append("/etc/cloud/cloud.cfg", "ssh_genkeytypes: []\n");
	assert_false(kw_sanitize_hostkeys_regenerated(t, how, sizeof how));
	append("/lib/systemd/system/regen-host-keys.service",
	       "[Service]\nExecStart=/usr/bin/ssh-keygen -A\n");
	assert_true(kw_sanitize_hostkeys_regenerated(t, how, sizeof how));
	assert_non_null(strstr(how, "regen-host-keys.service"));
	kw_target_free(t);
	rmimage();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ops),
		cmocka_unit_test(test_dirty_default_plan),
		cmocka_unit_test(test_lock_keep_remove),
		cmocka_unit_test(test_clean_image_empty_plan),
		cmocka_unit_test(test_hostkey_regeneration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
