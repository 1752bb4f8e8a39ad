/* test_keys_findings.c — the findings of keys scan (keys/findings.c) on real trees made in
 * a temp folder: real owners and modes (runs as root), keys from tests/data/keys plus a
 * DSA and an RSA-1024 public key as fixture strings, the collector, the inventory and the
 * real sshd evaluation (fix/lockout.c) through the target, as `keyward keys scan` runs
 * them. Every check is shown to fire on a tree with the problem AND to stay quiet on the
 * same tree without it. The allowlist parser, the reasons that do or do not stop a key,
 * and the accounts of the JSON are tested too (the profile settings: test_profile).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "checks/profile.h"
#include "collect/facts.h"
#include "fix/lockout.h"
#include "keys/findings.h"
#include "keys/inventory.h"
#include "sshd/config.h"
#include "target/target.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS KW_TEST_DATA "/keys/"

/* ssh-keygen -t dsa (Debian 12; newer ssh-keygen cannot make one) and -t rsa -b 1024 */
static const char DSA_PUB[] =
	"ssh-dss AAAAB3NzaC1kc3MAAACBAObYFtY/fpaFd4oGulyhLqQASdS3vKXeG/bbQxD7pj8jHZSYWLB0iRHG85XlbJMEiFS1"
	"HvXOt+xvCmWTYJD9AENGkUZY3iHc4mV1cyuijuwrhAm1WaCiZvXDjFwU4HWiSjHLVlxQ9HC4snJbfX94gST4+NTu/mP3vuMg"
	"s3AuXBTnAAAAFQDJmBO2vrbnBq7e4lGxH3sbTEX4sQAAAIEA4rRpD06HhpYZ9JvOJEAvhDmyazf4LyBRGmUMAilpJYEToXx8"
	"tjB4lUm9kDlvB/fHQa6PKX6sJt7SAClEHljeDk7evw1EnwCeW4t17NAUA4BTQszI5Q1HViOa3xXfh6jjhlMuO8YpQSgJKG4t"
	"4S+2nPKtqGJPz5xnOHdZBFicyVEAAACBAJxScwtkzyTnXaOqGSjgpkLaSjxbXG3bOSAu1s+DSXWcZUceSde2+3Zr2GaARtpD"
	"MS3N+zcBJsTEC5TflJlh4WKn7z9z9WmInSlgIhxTksxlwQUCJOPVQ4zzBw6VMIYYkBiOXZEy02mkwg0ihVcq2z7l4aQvaDfU"
	"DLPh5GeEMo0G old-dsa";
#define DSA_FP "SHA256:2zqoGZFo1IAFeO6k5A3yu6Zstu08dZt1XuLt/5Rdwgo" /* ssh-keygen -lf */
static const char RSA1024_PUB[] =
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDjg1kkRL9qIZe2utPF2L1fQdL6ZyXO9I+rg2+M1n2+dZfcm7HeRn+pe9Ul"
	"/D2u4ZGmJVIOWEiULzZl8KNiJNE3jQCZoW39XC6tj0unxJ2sMbOmkI9YYhyQ2nZMm+uygbjTK5s3feJs92P/wBWCzI45VXQU"
	"TrLxwKf+f9bOmMQ4wQ== old-rsa";
#define RSA1024_FP "SHA256:VihtbDAMXCx2UPD38tSlC9aGgOsvdvK/df+NmYmpbXw"

/* fingerprints of tests/data/keys, as ssh-keygen -lf prints them */
#define ROOT_FP "SHA256:ianPcTI5Sg6I3p2hdswRoxY/21y/aeUgKN97iblJrdM"   /* root_ed25519 */
#define CANARY_FP "SHA256:jpypcGsMOO/Dm+nRxQmRJxJY1PBhl9hI8cdVtOnOd0M" /* canary */
#define ECDSA_FP "SHA256:/jCW49AMmmhgl+XmAWLXD4n9Po7Pb3RNimgF5OmVojo"  /* alice_ecdsa */

#define CFG_BASE "UsePAM yes\nAuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2\n"

typedef struct fixture {
	char root[64];
} fixture;

static void put(const fixture *fx, const char *rel, const char *text, mode_t mode, uid_t uid)
{
	kwt_put(fx->root, rel, text, mode, uid);
}

static void dir(const fixture *fx, const char *rel, mode_t mode, uid_t uid)
{
	kwt_mkdir(fx->root, rel, mode, uid);
}

static void set_mode(const fixture *fx, const char *rel, mode_t mode)
{
	kwt_chmod(fx->root, rel, mode);
}

/* A key line of tests/data/keys/NAME.pub (no newline), in a static slot (4 live at once). */
static const char *pub(const char *name)
{
	static char slots[4][2048];
	static unsigned next;
	char path[256];
	snprintf(path, sizeof path, KEYS "%s.pub", name);
	size_t len;
	uint8_t *t = kwt_read_file(path, &len);
	while (len && (t[len - 1] == '\n' || t[len - 1] == '\r'))
		len--;
	char *s = slots[next++ % 4];
	assert_true(len < sizeof slots[0]);
	memcpy(s, t, len);
	s[len] = '\0';
	free(t);
	return s;
}

/* The base64 field of a .pub file. */
static const char *blob(const char *name)
{
	static char b[2048];
	const char *l = pub(name), *sp = strchr(l, ' ');
	assert_non_null(sp);
	snprintf(b, sizeof b, "%s", sp + 1);
	char *end = strchr(b, ' ');
	if (end)
		*end = '\0';
	return b;
}

/* root (uid 0), alice (1000), bob (1001), svc (999, nologin); /bin/bash exists; homes
 * 0755, .ssh 0700; sshd_config CFG_BASE; no key files yet. */
static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	assert_int_equal(kwt_mkdtemp(fx->root, sizeof fx->root, "kwkeysfind."), 0);
	assert_int_equal(chmod(fx->root, 0755), 0);
	const char *dirs[] = { "/etc", "/etc/ssh", "/bin", "/usr", "/usr/sbin", "/home" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		dir(fx, dirs[i], 0755, 0);
	dir(fx, "/root", 0700, 0);
	dir(fx, "/root/.ssh", 0700, 0);
	put(fx, "/etc/passwd",
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
	    "bob:x:1001:1001:Bob:/home/bob:/bin/bash\n"
	    "svc:x:999:999:service:/home/svc:/usr/sbin/nologin\n", 0644, 0);
	put(fx, "/etc/shadow",
	    "root:*:19700:0:99999:7:::\n"
	    "alice:!:19700:0:99999:7:::\n"
	    "bob:$6$saltsalt$iKez3AfrKuShhpF..LHML68g.BtZ2Ob9Nd5iZnx.bJmkt.n1ZlM7la/YJ4kkU7fIATZdMcig3A6ICOM6Pr8TR.:19700:0:99999:7:::\n"
	    "svc::19700:0:99999:7:::\n", 0640, 0);
	put(fx, "/etc/group", "root:x:0:\nalice:x:1000:\nbob:x:1001:\nsvc:x:999:\n", 0644, 0);
	put(fx, "/etc/ssh/sshd_config", CFG_BASE, 0644, 0);
	put(fx, "/bin/bash", "#!/bin/sh\n", 0755, 0);
	put(fx, "/usr/sbin/nologin", "#!/bin/sh\n", 0755, 0);
	static const struct { const char *name; uid_t uid; } homes[] = {
		{ "alice", 1000 }, { "bob", 1001 }, { "svc", 999 } };
	for (size_t i = 0; i < sizeof homes / sizeof *homes; i++) {
		char h[64], s[64];
		snprintf(h, sizeof h, "/home/%s", homes[i].name);
		snprintf(s, sizeof s, "/home/%s/.ssh", homes[i].name);
		dir(fx, h, 0755, homes[i].uid);
		dir(fx, s, 0700, homes[i].uid);
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	kwt_rm_tree(fx->root);
	free(fx);
	return 0;
}

/* A key file of an account: lines joined with '\n', mode 0600, owned by uid. */
static void keys_of(const fixture *fx, const char *rel, uid_t uid, const char *text)
{
	put(fx, rel, text, 0600, uid);
}

#define ALICE_AK "/home/alice/.ssh/authorized_keys"
#define BOB_AK "/home/bob/.ssh/authorized_keys"
#define ROOT_AK "/root/.ssh/authorized_keys"

/* ---- one scan, as cmd/keys.c runs it ---- */

typedef struct scan_run {
	kw_target *t;
	kw_facts f;
	kw_inventory inv;
	kw_keys_eval ev;
	kw_findings fs;
} scan_run;

/* What cmd/keys.c evaluate_sshd does: lockout's account evaluation, PermitRootLogin of
 * uid 0, StrictModes on granted files. */
static void evaluate(scan_run *r)
{
	assert_int_equal(kw_keys_eval_init(&r->ev, &r->f), 0);
	kw_sshd_config *cfg = r->f.sshd.cfg;
	if (!cfg)
		return;
	kw_lockout_report rep = { 0 };
	assert_int_equal(kw_lockout_accounts(r->t, &r->f, cfg, NULL, &rep), 0);
	assert_int_equal(kw_keys_eval_logins(&r->ev, &r->f, &rep), 0);
	kw_lockout_report_release(&rep);
	for (size_t i = 0; i < r->f.n_accounts; i++) {
		if (r->f.accounts[i].uid != 0)
			continue;
		kw_sshd_conn conn = { .user = r->f.accounts[i].name, .host = "keyward-witness.invalid",
				      .addr = "192.0.2.1", .laddr = "192.0.2.2", .lport = 22 };
		kw_sshd_result *res = NULL;
		kw_diags d = { 0 };
		assert_int_equal(kw_sshd_config_eval(cfg, &conn, &res, &d), 0);
		r->ev.login[i].permit_root = strdup(kw_sshd_value(res, KW_SO_PERMITROOTLOGIN));
		kw_sshd_result_free(res);
		kw_diags_release(&d);
	}
	if (strcmp(kw_sshd_value(kw_sshd_config_global(cfg), KW_SO_STRICTMODES), "yes") != 0)
		return;
	for (size_t i = 0; i < r->f.n_keyfiles; i++) {
		const kw_keyfile *kf = &r->f.keyfiles[i];
		for (size_t a = 0; kf->granted && kf->account && a < r->f.n_accounts; a++)
			if (!strcmp(r->f.accounts[a].name, kf->account)) {
				r->ev.modes[i].checked = true;
				r->ev.modes[i].ok = kw_lockout_modes_ok(r->t, kf->path, &r->f.accounts[a],
									&r->ev.modes[i].why);
				break;
			}
	}
}

static void scan_with(const fixture *fx, const kw_profile *p, const kw_keys_allowlist *al, int64_t now,
		      scan_run *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(kw_target_open_dir(fx->root, &r->t), 0);
	kw_collect_opts co = { .keys_only = true };
	assert_int_equal(kw_collect(r->t, &co, &r->f), 0);
	assert_int_equal(kw_inventory_build(&r->f, &r->inv), 0);
	evaluate(r);
	kw_keys_check_in in = { .f = &r->f, .inv = &r->inv, .ev = &r->ev, .allowed = al, .profile = p,
				.now = now };
	assert_int_equal(kw_keys_findings(&in, &r->fs), 0);
	kw_findings_sort(&r->fs);
}

#define NOW_2026 INT64_C(1790000000) /* 2026-09-21 */

static void scan(const fixture *fx, scan_run *r)
{
	scan_with(fx, NULL, NULL, NOW_2026, r);
}

static void scan_release(scan_run *r)
{
	kw_findings_release(&r->fs);
	kw_keys_eval_release(&r->ev);
	kw_inventory_release(&r->inv);
	kw_facts_release(&r->f);
	kw_target_free(r->t);
}

/* Findings of id (and account, line when not NULL / 0). */
static size_t count(const scan_run *r, const char *id, const char *account, unsigned line)
{
	size_t n = 0;
	for (size_t i = 0; i < r->fs.n; i++) {
		const kw_finding *f = &r->fs.v[i];
		if (!strcmp(f->check->id, id) && (!account || (f->account && !strcmp(f->account, account))) &&
		    (!line || f->line == line))
			n++;
	}
	return n;
}

static const kw_finding *find(const scan_run *r, const char *id, const char *account, unsigned line)
{
	for (size_t i = 0; i < r->fs.n; i++) {
		const kw_finding *f = &r->fs.v[i];
		if (!strcmp(f->check->id, id) && (!account || (f->account && !strcmp(f->account, account))) &&
		    (!line || f->line == line))
			return f;
	}
	for (size_t i = 0; i < r->fs.n; i++)
		print_message("  %s %s %s:%u %s\n", r->fs.v[i].check->id, r->fs.v[i].account ? r->fs.v[i].account : "-",
			      r->fs.v[i].path ? r->fs.v[i].path : "-", r->fs.v[i].line, r->fs.v[i].evidence);
	fail_msg("no %s finding for %s line %u", id, account ? account : "*", line);
	return NULL;
}

static void expect_none(const fixture *fx, const char *id)
{
	scan_run r;
	scan(fx, &r);
	if (count(&r, id, NULL, 0)) {
		const kw_finding *f = find(&r, id, NULL, 0);
		fail_msg("unexpected %s: %s", id, f->evidence);
	}
	scan_release(&r);
}

static void put_alice(const fixture *fx, const char *text)
{
	keys_of(fx, ALICE_AK, 1000, text);
}

static char *cat3(const char *a, const char *b, const char *c)
{
	char *s = NULL;
	assert_true(asprintf(&s, "%s%s%s", a, b, c) > 0);
	return s;
}

/* ---- the checks ---- */

static void test_dsa(void **state)
{
	fixture *fx = *state;
	char *t = cat3(DSA_PUB, "\n", "");
	put_alice(fx, t);
	free(t);
	scan_run r;
	scan(fx, &r);
	const kw_finding *f = find(&r, "keys.dsa", "alice", 1);
	assert_string_equal(f->target, DSA_FP);
	assert_string_equal(f->path, ALICE_AK);
	assert_int_equal(f->severity, KW_SEV_HIGH);
	assert_non_null(strstr(f->evidence, "DSA 1024-bit"));
	scan_release(&r);
	/* the clean variant: an Ed25519 key in its place */
	t = cat3(pub("canary"), "\n", "");
	put_alice(fx, t);
	free(t);
	expect_none(fx, "keys.dsa");
}

static void test_rsa_short_and_profile(void **state)
{
	fixture *fx = *state;
	char *t = cat3(RSA1024_PUB, "\n", pub("host_rsa2048"));
	char *t2 = cat3(t, "\n", pub("bob_rsa"));
	put_alice(fx, t2);
	free(t);
	free(t2);
	scan_run r;
	scan(fx, &r); /* no profile: 2048 */
	const kw_finding *f = find(&r, "keys.rsa-short", "alice", 1);
	assert_string_equal(f->target, RSA1024_FP);
	assert_non_null(strstr(f->evidence, "RSA 1024 bits, below 2048"));
	assert_int_equal(count(&r, "keys.rsa-short", NULL, 0), 1); /* 2048 and 3072 pass */
	scan_release(&r);

	/* a profile asking for 3072: the 2048-bit key is short too, the 3072-bit one is not */
	kw_profile p;
	kw_profile_init(&p);
	kw_diags d = { 0 };
	const char *text = "set keys-rsa-min-bits 3072\n";
	assert_int_equal(kw_profile_parse(&p, "test", NULL, text, strlen(text), &d), 0);
	scan_with(fx, &p, NULL, NOW_2026, &r);
	assert_int_equal(count(&r, "keys.rsa-short", "alice", 1), 1);
	assert_non_null(strstr(find(&r, "keys.rsa-short", "alice", 2)->evidence, "2048 bits, below 3072"));
	assert_int_equal(count(&r, "keys.rsa-short", "alice", 3), 0);
	scan_release(&r);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_type_mismatch(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "ssh-rsa %s typed-wrong\n", blob("canary"));
	put_alice(fx, line);
	scan_run r;
	scan(fx, &r);
	const kw_finding *f = find(&r, "keys.type-mismatch", "alice", 1);
	assert_string_equal(f->target, CANARY_FP);
	assert_non_null(strstr(f->evidence, "says ssh-rsa but the key is ssh-ed25519"));
	/* an ignored line is judged for nothing else */
	assert_int_equal(r.fs.n, 1);
	scan_release(&r);
	snprintf(line, sizeof line, "ssh-ed25519 %s typed-right\n", blob("canary"));
	put_alice(fx, line);
	expect_none(fx, "keys.type-mismatch");
}

/* root's key with `options` (may be "") under sshd_config CFG_BASE + extra: the findings */
static void root_key(const fixture *fx, const char *options, const char *extra, scan_run *r)
{
	char line[2200], cfg[512];
	snprintf(line, sizeof line, "%s%s%s\n", options, options[0] ? " " : "", pub("root_ed25519"));
	keys_of(fx, ROOT_AK, 0, line);
	snprintf(cfg, sizeof cfg, "%s%s", CFG_BASE, extra);
	put(fx, "/etc/ssh/sshd_config", cfg, 0644, 0);
	scan(fx, r);
}

static void test_root_unrestricted(void **state)
{
	fixture *fx = *state;
	scan_run r;
	root_key(fx, "", "", &r); /* PermitRootLogin default: prohibit-password */
	const kw_finding *f = find(&r, "keys.root-unrestricted", "root", 1);
	assert_int_equal(f->severity, KW_SEV_HIGH);
	assert_string_equal(f->target, ROOT_FP);
	assert_non_null(strstr(f->evidence, "PermitRootLogin without-password"));
	scan_release(&r);

	root_key(fx, "", "PermitRootLogin yes\n", &r);
	assert_int_equal(find(&r, "keys.root-unrestricted", "root", 1)->severity, KW_SEV_CRITICAL);
	scan_release(&r);

	/* each restriction alone is enough */
	static const char *const restricted[] = {
		"from=\"10.0.0.0/8\"", "command=\"/usr/bin/backup\"", "restrict",
		"no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,no-x11-forwarding",
		"expiry-time=\"20991231\"",
	};
	for (size_t i = 0; i < sizeof restricted / sizeof *restricted; i++) {
		root_key(fx, restricted[i], "PermitRootLogin yes\n", &r);
		if (count(&r, "keys.root-unrestricted", NULL, 0))
			fail_msg("%s still counts as unrestricted", restricted[i]);
		scan_release(&r);
	}
	/* four of the five no-* options are not a restriction */
	root_key(fx, "no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc", "", &r);
	assert_int_equal(count(&r, "keys.root-unrestricted", "root", 1), 1);
	scan_release(&r);
	/* a non-root account's plain key is not this finding */
	char *t = cat3(pub("canary"), "\n", "");
	put_alice(fx, t);
	free(t);
	root_key(fx, "from=\"10.0.0.0/8\"", "", &r);
	assert_int_equal(count(&r, "keys.root-unrestricted", NULL, 0), 0);
	scan_release(&r);
}

static void test_root_dead_weight_and_profile_severity(void **state)
{
	fixture *fx = *state;
	scan_run r;
	/* PermitRootLogin no: sshd refuses root: dead weight, not root-unrestricted */
	root_key(fx, "", "PermitRootLogin no\n", &r);
	assert_int_equal(count(&r, "keys.root-unrestricted", NULL, 0), 0);
	assert_non_null(strstr(find(&r, "keys.dead-weight", "root", 1)->evidence, "PermitRootLogin no"));
	scan_release(&r);
	/* forced-commands-only: a key without command= is dead, one with it is fine */
	root_key(fx, "", "PermitRootLogin forced-commands-only\n", &r);
	assert_non_null(strstr(find(&r, "keys.dead-weight", "root", 1)->evidence, "forced-commands-only"));
	assert_int_equal(count(&r, "keys.root-unrestricted", NULL, 0), 0);
	scan_release(&r);
	root_key(fx, "command=\"/usr/bin/backup\"", "PermitRootLogin forced-commands-only\n", &r);
	assert_int_equal(r.fs.n, 0);
	scan_release(&r);
	/* a severity the profile sets wins over the PermitRootLogin yes one */
	root_key(fx, "", "PermitRootLogin yes\n", &r);
	scan_release(&r);
	kw_profile p;
	kw_profile_init(&p);
	kw_diags d = { 0 };
	const char *text = "severity keys.root-unrestricted low\n";
	assert_int_equal(kw_profile_parse(&p, "test", NULL, text, strlen(text), &d), 0);
	scan_with(fx, &p, NULL, NOW_2026, &r);
	assert_int_equal(find(&r, "keys.root-unrestricted", "root", 1)->severity, KW_SEV_LOW);
	scan_release(&r);
	kw_profile_release(&p);
	/* disable turns it off */
	kw_profile_init(&p);
	text = "disable keys.root-unrestricted\n";
	assert_int_equal(kw_profile_parse(&p, "test", NULL, text, strlen(text), &d), 0);
	scan_with(fx, &p, NULL, NOW_2026, &r);
	assert_int_equal(count(&r, "keys.root-unrestricted", NULL, 0), 0);
	scan_release(&r);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_from_missing(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "%s\nfrom=\"10.1.0.0/16\" %s\n", pub("canary"), pub("alice_ecdsa"));
	put_alice(fx, line);
	snprintf(line, sizeof line, "%s\n", pub("root_ed25519"));
	keys_of(fx, ROOT_AK, 0, line);
	static const struct { const char *setting; size_t root, alice; } cases[] = {
		{ "none", 0, 0 }, { "root", 1, 0 }, { "all", 1, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		kw_profile p;
		kw_profile_init(&p);
		kw_diags d = { 0 };
		char text[64];
		snprintf(text, sizeof text, "set keys-require-from %s\n", cases[i].setting);
		assert_int_equal(kw_profile_parse(&p, "test", NULL, text, strlen(text), &d), 0);
		scan_run r;
		scan_with(fx, &p, NULL, NOW_2026, &r);
		assert_int_equal(count(&r, "keys.from-missing", "root", 0), cases[i].root);
		assert_int_equal(count(&r, "keys.from-missing", "alice", 1), cases[i].alice);
		assert_int_equal(count(&r, "keys.from-missing", "alice", 2), 0); /* has from= */
		scan_release(&r);
		kw_profile_release(&p);
		kw_diags_release(&d);
	}
}

static void test_expired(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "expiry-time=\"20300101Z\" %s\n", pub("canary"));
	put_alice(fx, line);
	scan_run r;
	scan_with(fx, NULL, NULL, INT64_C(1900000000) /* 2030-03-17 */, &r);
	const kw_finding *f = find(&r, "keys.expired", "alice", 1);
	assert_non_null(strstr(f->evidence, "expired 2030-01-01T00:00:00Z"));
	assert_int_equal(f->severity, KW_SEV_LOW);
	scan_release(&r);
	scan_with(fx, NULL, NULL, INT64_C(1890000000) /* 2029-11-22 */, &r);
	assert_int_equal(count(&r, "keys.expired", NULL, 0), 0);
	scan_release(&r);
}

static void test_shared_across_accounts(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "%s\n", pub("canary"));
	put_alice(fx, line);
	keys_of(fx, BOB_AK, 1001, line);
	scan_run r;
	scan(fx, &r);
	assert_int_equal(count(&r, "keys.shared-across-accounts", NULL, 0), 1);
	const kw_finding *f = find(&r, "keys.shared-across-accounts", NULL, 0);
	assert_string_equal(f->target, CANARY_FP);
	assert_null(f->account);
	assert_null(f->path);
	assert_non_null(strstr(f->evidence, "opens 2 accounts: alice (" ALICE_AK ":1), bob (" BOB_AK ":1)"));
	scan_release(&r);
	/* the same key in two files of one account is not shared */
	char p[256];
	snprintf(p, sizeof p, "%s%s", fx->root, BOB_AK);
	assert_int_equal(unlink(p), 0);
	keys_of(fx, "/home/alice/.ssh/authorized_keys2", 1000, line);
	expect_none(fx, "keys.shared-across-accounts");
}

static void test_not_allowed(void **state)
{
	fixture *fx = *state;
	char line[4400];
	snprintf(line, sizeof line, "%s\n%s\n", pub("canary"), pub("alice_ecdsa"));
	put_alice(fx, line);
	kw_keys_allowlist al;
	kw_diags d = { 0 };
	const char *text = CANARY_FP "\n";
	assert_int_equal(kw_keys_allowlist_parse("allowed", text, strlen(text), &al, &d), 0);
	scan_run r;
	scan_with(fx, NULL, &al, NOW_2026, &r);
	assert_int_equal(count(&r, "keys.not-allowed", "alice", 1), 0);
	const kw_finding *f = find(&r, "keys.not-allowed", "alice", 2);
	assert_string_equal(f->target, ECDSA_FP);
	assert_int_equal(f->severity, KW_SEV_HIGH);
	scan_release(&r);
	kw_keys_allowlist_release(&al);
	kw_diags_release(&d);
	/* no allowlist: no finding */
	expect_none(fx, "keys.not-allowed");
}

static void test_dead_weight(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "%s\n", pub("canary"));
	keys_of(fx, "/home/svc/.ssh/authorized_keys", 999, line);
	put_alice(fx, line);
	keys_of(fx, BOB_AK, 1001, line);
	put(fx, "/etc/ssh/sshd_config", CFG_BASE "DenyUsers bob\n", 0644, 0);
	scan_run r;
	scan(fx, &r);
	assert_non_null(strstr(find(&r, "keys.dead-weight", "svc", 1)->evidence,
			       "shell /usr/sbin/nologin is not a login shell"));
	assert_non_null(strstr(find(&r, "keys.dead-weight", "bob", 1)->evidence, "denied by DenyUsers bob"));
	assert_int_equal(count(&r, "keys.dead-weight", "alice", 0), 0);
	scan_release(&r);
	/* reasons lockout gives that still let a key in are not dead weight; those that do
	 * not, are (checked against the real evaluation's wording) */
	static const struct { const char *cfg; bool dead; } cases[] = {
		{ "Match User alice\n ForceCommand /usr/bin/true\n", false },
		{ "Match User alice\n ChrootDirectory /srv\n", false },
		{ "AuthenticationMethods publickey,password\n", false },
		{ "AuthenticationMethods password\n", true },
		{ "Match User alice\n PubkeyAuthentication no\n", true },
		{ "AllowUsers bob\n", true },
		{ "DenyGroups alice\n", true },
		{ "AllowGroups bob\n", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char cfg[512];
		snprintf(cfg, sizeof cfg, "%s%s", CFG_BASE, cases[i].cfg);
		put(fx, "/etc/ssh/sshd_config", cfg, 0644, 0);
		scan(fx, &r);
		if (count(&r, "keys.dead-weight", "alice", 1) != (cases[i].dead ? 1u : 0u))
			fail_msg("%s: alice's key should %sbe dead weight", cases[i].cfg, cases[i].dead ? "" : "not ");
		scan_release(&r);
	}
	/* an expired account, a locked password with UsePAM no */
	put(fx, "/etc/ssh/sshd_config", "UsePAM no\nAuthorizedKeysFile .ssh/authorized_keys\n", 0644, 0);
	scan(fx, &r);
	assert_non_null(strstr(find(&r, "keys.dead-weight", "alice", 1)->evidence, "password field locked"));
	scan_release(&r);
}

static void test_strictmodes(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "%s\n", pub("canary"));
	put_alice(fx, line);
	expect_none(fx, "keys.strictmodes-rejects");
	set_mode(fx, ALICE_AK, 0666);
	scan_run r;
	scan(fx, &r);
	const kw_finding *f = find(&r, "keys.strictmodes-rejects", "alice", 0);
	assert_string_equal(f->path, ALICE_AK);
	assert_string_equal(f->target, ALICE_AK);
	assert_non_null(strstr(f->evidence, "mode 0666"));
	assert_non_null(strstr(f->evidence, "its 1 key does not work"));
	scan_release(&r);
	/* a group-writable .ssh folder */
	set_mode(fx, ALICE_AK, 0600);
	set_mode(fx, "/home/alice/.ssh", 0770);
	scan(fx, &r);
	assert_non_null(strstr(find(&r, "keys.strictmodes-rejects", "alice", 0)->evidence, "folder /home/alice/.ssh"));
	scan_release(&r);
	/* StrictModes no: sshd reads the file whatever its modes */
	put(fx, "/etc/ssh/sshd_config", CFG_BASE "StrictModes no\n", 0644, 0);
	expect_none(fx, "keys.strictmodes-rejects");
}

static void test_duplicate_line(void **state)
{
	fixture *fx = *state;
	char line[4400];
	snprintf(line, sizeof line, "%s\n%s\nno-pty %s\n", pub("canary"), pub("alice_ecdsa"), pub("canary"));
	put_alice(fx, line);
	scan_run r;
	scan(fx, &r);
	const kw_finding *f = find(&r, "keys.duplicate-line", "alice", 3);
	assert_non_null(strstr(f->evidence, "already on line 1"));
	assert_non_null(strstr(f->evidence, "options differ"));
	assert_int_equal(count(&r, "keys.duplicate-line", NULL, 0), 1);
	scan_release(&r);
	/* the same key in authorized_keys and authorized_keys2: not a duplicate line */
	snprintf(line, sizeof line, "%s\n", pub("canary"));
	put_alice(fx, line);
	keys_of(fx, "/home/alice/.ssh/authorized_keys2", 1000, line);
	expect_none(fx, "keys.duplicate-line");
}

static void test_unparsable_line(void **state)
{
	fixture *fx = *state;
	char line[4400];
	snprintf(line, sizeof line, "%s\nssh-ed25519 !!!not-base64!!!\ncommand=\"a\",command=\"b\" %s\n",
		 pub("canary"), pub("alice_ecdsa"));
	put_alice(fx, line);
	scan_run r;
	scan(fx, &r);
	const kw_finding *f = find(&r, "keys.unparsable-line", "alice", 2);
	assert_string_equal(f->target, ALICE_AK); /* no key: the file */
	assert_non_null(strstr(f->evidence, "base64"));
	f = find(&r, "keys.unparsable-line", "alice", 3);
	assert_string_equal(f->target, ECDSA_FP);
	assert_non_null(strstr(f->evidence, "multiple \"command\" clauses"));
	assert_int_equal(count(&r, "keys.unparsable-line", NULL, 0), 2);
	scan_release(&r);
	snprintf(line, sizeof line, "# a comment\n\n%s\n", pub("canary"));
	put_alice(fx, line);
	expect_none(fx, "keys.unparsable-line");
}

/* Without an sshd_config nothing is evaluated: no dead weight, no StrictModes, root keys
 * judged with sshd's default PermitRootLogin. */
static void test_no_sshd_config(void **state)
{
	fixture *fx = *state;
	char line[2200];
	snprintf(line, sizeof line, "%s\n", pub("canary"));
	keys_of(fx, "/home/svc/.ssh/authorized_keys", 999, line);
	keys_of(fx, ROOT_AK, 0, line);
	char p[256];
	snprintf(p, sizeof p, "%s/etc/ssh/sshd_config", fx->root);
	assert_int_equal(unlink(p), 0);
	set_mode(fx, "/home/svc/.ssh/authorized_keys", 0666);
	scan_run r;
	scan(fx, &r);
	assert_false(r.ev.have_sshd);
	assert_int_equal(count(&r, "keys.dead-weight", NULL, 0), 0);
	assert_int_equal(count(&r, "keys.strictmodes-rejects", NULL, 0), 0);
	const kw_finding *f = find(&r, "keys.root-unrestricted", "root", 1);
	assert_int_equal(f->severity, KW_SEV_HIGH);
	assert_non_null(strstr(f->evidence, "sshd's default is prohibit-password"));
	scan_release(&r);
}

/* ---- the inventory's fingerprint order (by_fp), shared with the findings ---- */

/* by_fp holds every key with a public key once, sorted by fingerprint (strcmp) and then
 * by index; same_fp_count and same_fp_first agree with a brute-force count. */
static void check_fp_order(const kw_inventory *inv)
{
	size_t with_pub = 0;
	for (size_t i = 0; i < inv->n_keys; i++)
		with_pub += inv->keys[i].has_pub;
	assert_int_equal(inv->n_by_fp, with_pub);
	assert_non_null(inv->by_fp);
	bool *seen = calloc(inv->n_keys + 1, sizeof *seen);
	assert_non_null(seen);
	for (size_t j = 0; j < inv->n_by_fp; j++) {
		size_t i = inv->by_fp[j];
		assert_true(i < inv->n_keys);
		assert_false(seen[i]);
		seen[i] = true;
		assert_true(inv->keys[i].has_pub);
		if (j == 0)
			continue;
		size_t p = inv->by_fp[j - 1];
		int c = strcmp(inv->keys[p].pub->fp, inv->keys[i].pub->fp);
		if (c > 0 || (c == 0 && p > i))
			fail_msg("by_fp[%zu] = %zu (%s) after by_fp[%zu] = %zu (%s)", j, i,
				 inv->keys[i].pub->fp, j - 1, p, inv->keys[p].pub->fp);
	}
	free(seen);
	for (size_t i = 0; i < inv->n_keys; i++) {
		const kw_invkey *k = &inv->keys[i];
		if (!k->has_pub) {
			assert_int_equal(k->same_fp_count, 0);
			assert_int_equal(k->same_fp_first, -1);
			continue;
		}
		size_t count = 0;
		long first = -1; /* the first other entry with this fingerprint */
		for (size_t o = 0; o < inv->n_keys; o++) {
			const kw_invkey *x = &inv->keys[o];
			if (!x->has_pub || strcmp(x->pub->fp, k->pub->fp) != 0)
				continue;
			count++;
			if (o != i && first < 0)
				first = (long)o;
		}
		if (k->same_fp_count != count || k->same_fp_first != first)
			fail_msg("key %zu (%s): same_fp_count %zu same_fp_first %ld, want %zu %ld", i,
				 k->pub->fp, k->same_fp_count, k->same_fp_first, count, first);
	}
}

static void put_file(const fixture *fx, const char *rel, const char *src, mode_t mode, uid_t uid)
{
	size_t len;
	char *t = (char *)kwt_read_file(src, &len);
	put(fx, rel, t, mode, uid);
	free(t);
}

/* Keys shared by fingerprint across accounts, files, roles (authorized, unread, ignored,
 * host, private): the inventory's fingerprint order and links, and the shared-key
 * finding listing each account once, by account, then file and line. */
static void test_fingerprint_order(void **state)
{
	fixture *fx = *state;
	/* authorized_keys2 is not read: its keys are unread */
	put(fx, "/etc/ssh/sshd_config", "UsePAM yes\nAuthorizedKeysFile .ssh/authorized_keys\n", 0644, 0);
	char t[16384];
	snprintf(t, sizeof t, "%s\n%s\n", pub("root_ed25519"), pub("canary"));
	keys_of(fx, ROOT_AK, 0, t);
	snprintf(t, sizeof t, "%s\n%s\nno-pty %s\n", pub("canary"), pub("alice_ecdsa"), pub("canary"));
	put_alice(fx, t);
	snprintf(t, sizeof t, "%s\n", pub("root_ed25519"));
	keys_of(fx, "/home/alice/.ssh/authorized_keys2", 1000, t);
	snprintf(t, sizeof t, "%s\n%s\nssh-rsa %s ignored\n%s\n", pub("alice_ecdsa"), pub("canary"),
		 blob("canary"), pub("bob_rsa"));
	keys_of(fx, BOB_AK, 1001, t);
	snprintf(t, sizeof t, "%s\n%s\n", pub("canary"), pub("bob_rsa"));
	keys_of(fx, "/home/svc/.ssh/authorized_keys", 999, t);
	/* private keys: the canary's (with its public half), a PEM one (none) */
	put_file(fx, "/home/alice/.ssh/id_ed25519", KEYS "canary", 0600, 1000);
	put_file(fx, "/home/bob/.ssh/id_rsa", KEYS "deploy_pem", 0600, 1001);
	put_file(fx, "/etc/ssh/ssh_host_ed25519_key", KEYS "canary", 0600, 0);

	scan_run r;
	scan(fx, &r);
	const kw_inventory *inv = &r.inv;
	check_fp_order(inv);
	/* the canary: 5 authorized lines (root, alice 1 and 3, bob 2, svc 1), bob's ignored
	 * line, alice's private key, the host key */
	size_t canary = 0, without_pub = 0;
	for (size_t i = 0; i < inv->n_keys; i++) {
		const kw_invkey *k = &inv->keys[i];
		if (!k->has_pub) {
			without_pub++;
			continue;
		}
		if (strcmp(k->pub->fp, CANARY_FP) == 0) {
			canary++;
			assert_int_equal(k->same_fp_count, 8);
		} else if (strcmp(k->pub->fp, ROOT_FP) == 0) {
			assert_int_equal(k->same_fp_count, 2);
		} else if (strcmp(k->pub->fp, ECDSA_FP) == 0) {
			assert_int_equal(k->same_fp_count, 2);
		}
	}
	assert_int_equal(canary, 8);
	assert_true(without_pub >= 1); /* the PEM key */
	/* the canary's entries are adjacent in by_fp, in index order, which is inventory
	 * order: authorized by account (alice, bob, root, svc), then host, then private */
	size_t j0 = 0;
	while (j0 < inv->n_by_fp && strcmp(inv->keys[inv->by_fp[j0]].pub->fp, CANARY_FP) != 0)
		j0++;
	assert_true(j0 + 8 <= inv->n_by_fp);
	static const struct { enum kw_keyrole role; const char *account; const char *path; unsigned line; } want[] = {
		{ KW_KEY_AUTHORIZED, "alice", ALICE_AK, 1 },
		{ KW_KEY_AUTHORIZED, "alice", ALICE_AK, 3 },
		{ KW_KEY_AUTHORIZED, "bob", BOB_AK, 2 },
		{ KW_KEY_AUTHORIZED, "bob", BOB_AK, 3 },  /* ignored: still linked */
		{ KW_KEY_AUTHORIZED, "root", ROOT_AK, 2 },
		{ KW_KEY_AUTHORIZED, "svc", "/home/svc/.ssh/authorized_keys", 1 },
		{ KW_KEY_HOST, NULL, "/etc/ssh/ssh_host_ed25519_key", 0 },
		{ KW_KEY_PRIVATE, "alice", "/home/alice/.ssh/id_ed25519", 0 },
	};
	size_t first = inv->by_fp[j0];
	for (size_t w = 0; w < 8; w++) {
		const kw_invkey *k = &inv->keys[inv->by_fp[j0 + w]];
		assert_string_equal(k->pub->fp, CANARY_FP);
		assert_int_equal(k->role, want[w].role);
		if (want[w].account)
			assert_string_equal(k->account, want[w].account);
		assert_string_equal(k->path, want[w].path);
		assert_int_equal(k->line, want[w].line);
		assert_int_equal(k->ignored, w == 3);
		/* the first links to the second, every other one to the first */
		assert_int_equal(k->same_fp_first, (long)(w == 0 ? inv->by_fp[j0 + 1] : first));
	}
	/* root's key: root's line and alice's unread file */
	for (size_t i = 0; i < inv->n_keys; i++) {
		const kw_invkey *k = &inv->keys[i];
		if (k->has_pub && !strcmp(k->pub->fp, ROOT_FP) && k->role == KW_KEY_UNREAD)
			assert_string_equal(inv->keys[k->same_fp_first].account, "root");
	}

	/* the shared-key findings: the canary opens 4 accounts (not the ignored line, the
	 * host key or the private key), alice's ECDSA key 2, bob's RSA key 2 (svc's line
	 * counts: dead weight is another finding); root's key only root (the unread file
	 * opens nothing) */
	assert_int_equal(count(&r, "keys.shared-across-accounts", NULL, 0), 3);
	bool got[3] = { false, false, false };
	for (size_t i = 0; i < r.fs.n; i++) {
		const kw_finding *f = &r.fs.v[i];
		if (strcmp(f->check->id, "keys.shared-across-accounts") != 0)
			continue;
		if (!strcmp(f->target, CANARY_FP)) {
			assert_string_equal(f->evidence,
				"ED25519 key opens 4 accounts: alice (" ALICE_AK ":1), bob (" BOB_AK ":2), "
				"root (" ROOT_AK ":2), svc (/home/svc/.ssh/authorized_keys:1)");
			got[0] = true;
		} else if (!strcmp(f->target, ECDSA_FP)) {
			assert_string_equal(f->evidence,
				"ECDSA key opens 2 accounts: alice (" ALICE_AK ":2), bob (" BOB_AK ":1)");
			got[1] = true;
		} else {
			assert_non_null(strstr(f->evidence, "RSA key opens 2 accounts: bob (" BOB_AK ":4), "
							    "svc (/home/svc/.ssh/authorized_keys:2)"));
			got[2] = true;
		}
	}
	assert_true(got[0] && got[1] && got[2]);
	/* the duplicate of the canary in alice's file, and only that one */
	assert_int_equal(count(&r, "keys.duplicate-line", NULL, 0), 1);
	assert_non_null(strstr(find(&r, "keys.duplicate-line", "alice", 3)->evidence, "already on line 1"));
	scan_release(&r);
}

/* Fingerprints chosen to tell the packed comparison from strcmp: differences in the last
 * character, at each 8-byte boundary, between '+', '/', digits and letters, and a short
 * one (NUL padding sorts first), over hand-made facts with many ties. */
static void test_fingerprint_order_packed(void **state)
{
	(void)state;
	static const char base[] = "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	assert_int_equal(strlen(base), 50);
	enum { NFP = 27, NFILES = 5, PER = 30 };
	char fps[NFP][KW_FP_LEN];
	size_t nfp = 0;
	snprintf(fps[nfp++], KW_FP_LEN, "%s", base);
	static const size_t at[] = { 7, 14, 15, 22, 23, 30, 31, 38, 39, 46, 47, 49 };
	static const char subst[] = { '+', '/', '0', 'Z' };
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) { /* 12 pairs */
		snprintf(fps[nfp], KW_FP_LEN, "%s", base);
		fps[nfp][at[i]] = subst[i % 4];
		nfp++;
		snprintf(fps[nfp], KW_FP_LEN, "%s", base);
		fps[nfp][at[i]] = (char)(base[at[i]] + 1);
		nfp++;
	}
	snprintf(fps[nfp++], KW_FP_LEN, "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"); /* 49 */
	snprintf(fps[nfp++], KW_FP_LEN, "SHA256:abcdefgh");
	assert_int_equal(nfp, NFP);

	kw_facts f;
	memset(&f, 0, sizeof f);
	kw_keyfile kf[NFILES];
	kw_authkey *lines = calloc(NFILES * PER, sizeof *lines);
	assert_non_null(lines);
	static const char *const accounts[NFILES] = { "zed", "amy", "amy", "mo", NULL };
	char paths[NFILES][64];
	unsigned seed = 7;
	for (size_t i = 0; i < NFILES; i++) {
		snprintf(paths[i], sizeof paths[i], "/home/%s/.ssh/authorized_keys%s",
			 accounts[i] ? accounts[i] : "none", i == 2 ? "2" : "");
		kf[i] = (kw_keyfile){ .path = paths[i], .account = (char *)accounts[i],
				      .granted = i != 3, .keys = { .v = lines + i * PER, .n = PER } };
		for (size_t l = 0; l < PER; l++) {
			seed = seed * 1103515245u + 12345u;
			kw_authkey *k = &lines[i * PER + l];
			k->line = (unsigned)l + 1;
			snprintf(k->key.fp, sizeof k->key.fp, "%s", fps[(seed >> 16) % NFP]);
			snprintf(k->key.label, sizeof k->key.label, "ED25519");
			k->sshd_ignores = l % 7 == 3;
		}
	}
	f.keyfiles = kf;
	f.n_keyfiles = NFILES;
	kw_inventory inv;
	assert_int_equal(kw_inventory_build(&f, &inv), 0);
	assert_int_equal(inv.n_keys, NFILES * PER);
	check_fp_order(&inv);
	/* every fingerprint used is one run, and all runs together are the whole order */
	size_t runs = 0;
	for (size_t j = 0; j < inv.n_by_fp; j++)
		if (j == 0 || strcmp(inv.keys[inv.by_fp[j - 1]].pub->fp, inv.keys[inv.by_fp[j]].pub->fp))
			runs++;
	size_t used = 0;
	for (size_t p = 0; p < NFP; p++)
		for (size_t i = 0; i < inv.n_keys; i++)
			if (!strcmp(inv.keys[i].pub->fp, fps[p])) {
				used++;
				break;
			}
	assert_int_equal(runs, used);
	assert_true(used >= NFP - 4);
	kw_inventory_release(&inv);
	assert_null(inv.by_fp);
	assert_int_equal(inv.n_by_fp, 0);

	/* no keys at all */
	memset(&f, 0, sizeof f);
	assert_int_equal(kw_inventory_build(&f, &inv), 0);
	assert_int_equal(inv.n_by_fp, 0);
	kw_inventory_release(&inv);
	free(lines);
}

/* ---- accounts, the allowlist parser, the check table ---- */

static void test_accounts(void **state)
{
	fixture *fx = *state;
	char line[4400];
	snprintf(line, sizeof line, "%s\n%s\nssh-rsa %s bad\n", pub("canary"), pub("alice_ecdsa"), blob("canary"));
	put_alice(fx, line);
	put(fx, "/etc/ssh/sshd_config", CFG_BASE "DenyUsers bob\n", 0644, 0);
	scan_run r;
	scan(fx, &r);
	kw_keys_account *acc = NULL;
	size_t n = 0;
	assert_int_equal(kw_keys_accounts_build(&r.f, &r.inv, &r.ev, &acc, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(acc[0].a->name, "root");
	assert_string_equal(acc[1].a->name, "alice");
	assert_int_equal(acc[1].login, KW_LOGIN_YES);
	assert_null(acc[1].why_not);
	assert_int_equal(acc[1].n_keys, 2); /* the ignored line does not count */
	assert_string_equal(acc[1].password, "none");      /* "!" */
	assert_int_equal(acc[2].login, KW_LOGIN_NO);
	assert_non_null(strstr(acc[2].why_not, "DenyUsers"));
	assert_string_equal(acc[2].password, "usable");    /* a sha512crypt hash */
	assert_int_equal(acc[3].login, KW_LOGIN_NO);      /* nologin, no key file */
	assert_string_equal(acc[3].password, "empty");
	assert_int_equal(acc[0].n_keys, 0);
	free(acc);
	/* without an evaluation every login is unknown */
	assert_int_equal(kw_keys_accounts_build(&r.f, &r.inv, NULL, &acc, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(acc[i].login, KW_LOGIN_UNKNOWN);
	free(acc);
	scan_release(&r);
}

static void test_allowlist_parse(void **state)
{
	(void)state;
	char text[8192];
	snprintf(text, sizeof text,
		 "# allowed keys\n"
		 "\n"
		 "  %s   # root's\n"
		 "256 %s canary (ED25519)\n"            /* ssh-keygen -l */
		 "from=\"10.0.0.0/8\",no-pty %s\n"      /* a key line with options */
		 "%s\n",                                /* a duplicate */
		 ROOT_FP, CANARY_FP, pub("alice_ecdsa"), ROOT_FP);
	kw_keys_allowlist al;
	kw_diags d = { 0 };
	assert_int_equal(kw_keys_allowlist_parse("allowed", text, strlen(text), &al, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(al.n, 3);
	assert_true(kw_keys_allowlist_has(&al, ROOT_FP));
	assert_true(kw_keys_allowlist_has(&al, CANARY_FP));
	assert_true(kw_keys_allowlist_has(&al, ECDSA_FP));
	assert_false(kw_keys_allowlist_has(&al, DSA_FP));
	assert_false(kw_keys_allowlist_has(&al, NULL));
	kw_keys_allowlist_release(&al);

	/* every bad line is named, and nothing is kept */
	snprintf(text, sizeof text,
		 "%s\n"
		 "SHA256:tooshort\n"                                  /* 2 */
		 "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48\n" /* 3 */
		 "hello world\n"                                      /* 4 */
		 "ssh-rsa %s wrong-type\n"                            /* 5 */
		 "command=\"a\",command=\"b\" %s\n"                   /* 6 */
		 "SHA256:%s\n",                                       /* 7: a bad character */
		 ROOT_FP, blob("canary"), pub("canary"), "ianPcTI5Sg6I3p2hdswRoxY/21y/aeUgKN97iblJrd!");
	assert_int_equal(kw_keys_allowlist_parse("allowed", text, strlen(text), &al, &d), KW_E_USAGE);
	assert_int_equal(al.n, 0);
	assert_null(al.fp);
	assert_int_equal(d.n, 6);
	for (unsigned l = 2; l <= 7; l++) {
		const kw_diag *x = kwt_diag_at(&d, l);
		assert_non_null(x);
		assert_string_equal(x->file, "allowed");
	}
	assert_non_null(strstr(kwt_diag_at(&d, 5)->msg, "does not match"));
	assert_non_null(strstr(kwt_diag_at(&d, 6)->msg, "command"));
	assert_null(kwt_diag_at(&d, 1));
	kw_diags_release(&d);
	/* an empty file is an empty list */
	assert_int_equal(kw_keys_allowlist_parse("allowed", "", 0, &al, &d), 0);
	assert_int_equal(al.n, 0);
	assert_false(kw_keys_allowlist_has(&al, ROOT_FP));
	kw_keys_allowlist_release(&al);
}

static void test_check_table(void **state)
{
	(void)state;
	size_t n;
	const kw_check_def *defs = kw_keys_checks(&n);
	static const char *const ids[] = { "keys.dsa", "keys.rsa-short", "keys.type-mismatch",
		"keys.root-unrestricted", "keys.from-missing", "keys.expired", "keys.shared-across-accounts",
		"keys.not-allowed", "keys.dead-weight", "keys.strictmodes-rejects", "keys.duplicate-line",
		"keys.unparsable-line" };
	assert_int_equal(n, sizeof ids / sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(defs[i].id, ids[i]);
		assert_ptr_equal(kw_keys_check_find(ids[i]), &defs[i]);
		assert_non_null(defs[i].title);
		assert_non_null(defs[i].rationale);
		assert_non_null(defs[i].remediation);
		assert_non_null(defs[i].refs[0]);
	}
	assert_null(kw_keys_check_find("keys.authorized-keys")); /* audit's, not ours */
	assert_null(kw_keys_check_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa_short_and_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_unrestricted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_dead_weight_and_profile_severity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_across_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_weight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strictmodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparsable_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sshd_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_order, setup, teardown),
		cmocka_unit_test(test_fingerprint_order_packed),
		cmocka_unit_test(test_allowlist_parse),
		cmocka_unit_test(test_check_table),
	};
	if (geteuid() != 0) {
		printf("test_keys_findings: needs root (chown of fixture files)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
