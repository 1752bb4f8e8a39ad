/* test_guard_action.c — unit tests of the guard's ban actions (src/guard/action.c).
 *
 * hosts-deny and command run in a temp folder; nft and ipset run for real in a private
 * network namespace: main() calls unshare(CLONE_NEWNET) before anything else (root is
 * needed; without it the nft and ipset tests fail, they do not skip). nft state is read
 * back through libnftables' JSON listing (parsed with jansson), ipset state through
 * `ipset save`. */
#include "guard/action.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static int netns_err = -1; /* errno of unshare(CLONE_NEWNET), 0 when it worked */

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	if (kwt_mkdtemp(f->dir, sizeof f->dir, "kwgaction.") < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

static kw_cidr cidr(const char *t)
{
	kw_cidr c;
	assert_int_equal(kw_cidr_parse(t, strlen(t), &c), 0);
	return c;
}

static kw_gaction *open_ok(const kw_gconf *c)
{
	kw_gaction *a = NULL;
	char err[512];
	int r = kw_gaction_open(c, &a, err, sizeof err);
	if (r < 0)
		fail_msg("kw_gaction_open: %s: %s", kw_strerror(r), err);
	assert_non_null(a);
	return a;
}

static void ban_ok(kw_gaction *a, const char *p, uint64_t t, const char *rule)
{
	kw_cidr c = cidr(p);
	char err[512];
	int r = kw_gaction_ban(a, &c, t, rule, err, sizeof err);
	if (r < 0)
		fail_msg("ban %s: %s: %s", p, kw_strerror(r), err);
}

static void unban_ok(kw_gaction *a, const char *p)
{
	kw_cidr c = cidr(p);
	char err[512];
	int r = kw_gaction_unban(a, &c, err, sizeof err);
	if (r < 0)
		fail_msg("unban %s: %s: %s", p, kw_strerror(r), err);
}

static void open_fails(const kw_gconf *c, int want, const char *msg_part)
{
	kw_gaction *a = NULL;
	char err[512] = "";
	int r = kw_gaction_open(c, &a, err, sizeof err);
	if (r != want)
		fail_msg("kw_gaction_open gave %d (%s), wanted %d", r, err, want);
	assert_null(a);
	if (msg_part && !strstr(err, msg_part))
		fail_msg("error \"%s\" does not mention \"%s\"", err, msg_part);
}

static void put_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static char *get_file(const char *path, size_t *len)
{
	return (char *)kwt_read_file(path, len);
}

static void assert_file(const char *path, const char *want)
{
	size_t n;
	char *got = get_file(path, &n);
	if (n != strlen(want) || memcmp(got, want, n) != 0)
		fail_msg("%s is\n---\n%s---\nwanted\n---\n%s---", path, got, want);
	free(got);
}

/* ---- hosts-deny ---- */

static const char foreign[] =
	"# /etc/hosts.deny: somebody else's lines\n"
	"ALL: 10.1.1.1\n"
	"sshd: .example.com   \r\n"
	"# keyward-guard end\n" /* a stray end line is not ours either */
	"\n"
	"vsftpd: 192.0.2.99"; /* no newline at the end */

static void hd_conf(kw_gconf *c, char *path)
{
	memset(c, 0, sizeof *c);
	c->action = KW_GACT_HOSTS_DENY;
	c->hosts_deny = path;
	c->hosts_deny_service = (char *)"sshd";
}

static void test_hosts_deny(void **state)
{
	struct fx *f = *state;
	char path[128];
	snprintf(path, sizeof path, "%s/hosts.deny", f->dir);
	put_file(path, foreign, sizeof foreign - 1);
	assert_int_equal(chown(path, 1234, 5678), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(setxattr(path, "user.kwtest", "v1", 2, 0), 0);
	struct stat st0, st1, st2;
	assert_int_equal(stat(path, &st0), 0);

	kw_gconf c;
	hd_conf(&c, path);
	kw_gaction *a = open_ok(&c);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_ino, st0.st_ino); /* opening does not write */

	ban_ok(a, "192.0.2.1", 3600, "10/1h");
	char want[2048];
	snprintf(want, sizeof want, "%s\n# keyward-guard begin\nsshd: 192.0.2.1\n"
		 "# keyward-guard end\n", foreign);
	assert_file(path, want);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_not_equal(st1.st_ino, st0.st_ino); /* replaced, not edited in place */
	assert_int_equal(st1.st_uid, 1234);
	assert_int_equal(st1.st_gid, 5678);
	assert_int_equal(st1.st_mode & 07777, 0640);
	char xv[8] = "";
	assert_int_equal(getxattr(path, "user.kwtest", xv, sizeof xv), 2);
	assert_memory_equal(xv, "v1", 2);

	/* the same ban again changes nothing, not even the inode */
	ban_ok(a, "192.0.2.1", 60, NULL);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_ino, st1.st_ino);

	ban_ok(a, "2001:db8::5", 0, NULL);
	ban_ok(a, "2001:db8::/32", 0, NULL);
	ban_ok(a, "198.51.100.0/24", 0, NULL);
	snprintf(want, sizeof want, "%s\n# keyward-guard begin\nsshd: 192.0.2.1\n"
		 "sshd: [2001:db8::5]\nsshd: [2001:db8::]/32\nsshd: 198.51.100.0/255.255.255.0\n"
		 "# keyward-guard end\n", foreign);
	assert_file(path, want);

	/* a second user of the file (the command line while the daemon runs) sees the
	 * entries, and its change is not undone by the first one's next write */
	kw_gaction *b = open_ok(&c);
	unban_ok(b, "198.51.100.0/24");
	unban_ok(b, "198.51.100.0/24"); /* absent: fine */
	ban_ok(a, "203.0.113.7", 0, NULL);
	unban_ok(a, "192.0.2.1");
	snprintf(want, sizeof want, "%s\n# keyward-guard begin\n"
		 "sshd: [2001:db8::5]\nsshd: [2001:db8::]/32\nsshd: 203.0.113.7\n"
		 "# keyward-guard end\n", foreign);
	assert_file(path, want);
	kw_gaction_close(b);

	/* teardown takes the block out and leaves every foreign byte */
	char err[256];
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s\n", foreign);
	assert_file(path, want);
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	assert_file(path, want);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0640);
	assert_int_equal(st2.st_uid, 1234);
	kw_gaction_close(a);
}

static void test_hosts_deny_block(void **state)
{
	struct fx *f = *state;
	char path[128];
	snprintf(path, sizeof path, "%s/hosts.deny", f->dir);
	kw_gconf c;
	hd_conf(&c, path);

	/* a missing file is created 0644 on the first ban */
	kw_gaction *a = open_ok(&c);
	ban_ok(a, "192.0.2.1", 0, NULL);
	assert_file(path, "# keyward-guard begin\nsshd: 192.0.2.1\n# keyward-guard end\n");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* the last unban leaves no empty block behind */
	unban_ok(a, "192.0.2.1");
	assert_file(path, "");
	kw_gaction_close(a);

	/* a block in the middle stays where it is; junk inside it is dropped, good entries kept */
	static const char mid[] =
		"ALL: 10.0.0.1\n"
		"# keyward-guard begin\n"
		"sshd: 192.0.2.9\n"
		"sshd: not-an-address\n"
		"sshd: [2001:db8::1]/64\n"
		"sshd: 198.51.100.0/255.255.0.255\n"
		"garbage without a colon\n"
		"ALL: 203.0.113.0/24\n"
		"# keyward-guard end\n"
		"ALL: 10.0.0.2\n";
	put_file(path, mid, sizeof mid - 1);
	a = open_ok(&c);
	ban_ok(a, "192.0.2.10", 0, NULL);
	assert_file(path, "ALL: 10.0.0.1\n"
			  "# keyward-guard begin\n"
			  "sshd: 192.0.2.9\n"
			  "sshd: [2001:db8::]/64\n"
			  "sshd: 203.0.113.0/255.255.255.0\n"
			  "sshd: 192.0.2.10\n"
			  "# keyward-guard end\n"
			  "ALL: 10.0.0.2\n");
	kw_gaction_close(a);

	/* a begin line without an end line: refused, file untouched */
	static const char open_block[] = "ALL: 10.0.0.1\n# keyward-guard begin\nsshd: 192.0.2.9\n"
					 "ALL: 10.0.0.2\n";
	put_file(path, open_block, sizeof open_block - 1);
	open_fails(&c, KW_E_PARSE, "without");
	assert_file(path, open_block);

	/* a symlink is not written through */
	char target[128];
	snprintf(target, sizeof target, "%s/real", f->dir);
	put_file(target, "x\n", 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	open_fails(&c, -ELOOP, "symlink");
	assert_file(target, "x\n");

	/* a service that would break the line format */
	c.hosts_deny_service = (char *)"sshd: ALL";
	open_fails(&c, KW_E_USAGE, "hosts_deny_service");
	c.hosts_deny_service = (char *)"ALL";
	c.hosts_deny = (char *)"/nonexistent-folder-kw/hosts.deny";
	open_fails(&c, -ENOENT, NULL);
}

/* ---- command ---- */

static void write_script(const char *path, const char *body)
{
	put_file(path, body, strlen(body));
	assert_int_equal(chmod(path, 0755), 0);
}

/* NUL-separated file -> count of fields, each checked against want[]. */
static void assert_args(const char *path, const char *const *want, size_t nwant)
{
	size_t n;
	char *got = get_file(path, &n);
	size_t i = 0, off = 0;
	while (off < n) {
		size_t l = strlen(got + off);
		if (i >= nwant)
			fail_msg("extra argument \"%s\"", got + off);
		assert_string_equal(got + off, want[i]);
		off += l + 1;
		i++;
	}
	assert_int_equal(i, nwant);
	free(got);
}

/* Alive and not a zombie (a killed orphan waits for whoever adopted it to reap it). */
static bool running(pid_t pid)
{
	char p[64], buf[256];
	snprintf(p, sizeof p, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *close = strrchr(buf, ')');
	return close && close[1] == ' ' && close[2] != 'Z' && close[2] != 'X';
}

static void test_command(void **state)
{
	struct fx *f = *state;
	char rec[128], out[128], fail[128], slow[128], pidf[128];
	snprintf(rec, sizeof rec, "%s/rec.sh", f->dir);
	snprintf(out, sizeof out, "%s/args", f->dir);
	snprintf(fail, sizeof fail, "%s/fail.sh", f->dir);
	snprintf(slow, sizeof slow, "%s/slow.sh", f->dir);
	snprintf(pidf, sizeof pidf, "%s/pids", f->dir);
	write_script(rec, "#!/bin/sh\nout=$1\nshift\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; "
			  "done > \"$out\"\n");
	write_script(fail, "#!/bin/sh\necho 'it went wrong' >&2\nprintf 'boom\\033[31m' >&2\n"
			   "exit 3\n");
	write_script(slow, "#!/bin/sh\nsleep 60 &\necho $$ $! > \"$1\"\nsleep 60\n");

	char *ban[] = { rec, out, (char *)"%a", (char *)"%t", (char *)"%r", (char *)"100%%",
			(char *)"%x", (char *)"a%ab%tc", (char *)"%", NULL };
	char *unban[] = { rec, out, (char *)"del", (char *)"%a", (char *)"%t", (char *)"[%r]", NULL };
	kw_gconf c;
	memset(&c, 0, sizeof c);
	c.action = KW_GACT_COMMAND;
	open_fails(&c, KW_E_USAGE, "ban_command");
	c.ban_command = ban;
	c.unban_command = unban;
	kw_gaction *a = open_ok(&c);

	const char *hostile = "10/1h; rm -rf / $(id) `id` \"a b\" 'c'\n|| true";
	ban_ok(a, "192.0.2.1", 3600, hostile);
	const char *want1[] = { "192.0.2.1", "3600", hostile, "100%", "%x", "a192.0.2.1b3600c", "%" };
	assert_args(out, want1, 7);
	ban_ok(a, "2001:db8::/48", 0, NULL);
	const char *want2[] = { "2001:db8::/48", "0", "", "100%", "%x", "a2001:db8::/48b0c", "%" };
	assert_args(out, want2, 7);
	unban_ok(a, "198.51.100.0/24");
	const char *want3[] = { "del", "198.51.100.0/24", "0", "[]" };
	assert_args(out, want3, 4);
	kw_gaction_close(a);

	/* no unban_command: unban is a no-op */
	c.unban_command = NULL;
	a = open_ok(&c);
	assert_int_equal(unlink(out), 0);
	unban_ok(a, "192.0.2.1");
	assert_int_equal(access(out, F_OK), -1);
	kw_gaction_close(a);

	/* a non-zero exit is an error naming the status and the (escaped) output */
	char *bfail[] = { fail, NULL };
	c.ban_command = bfail;
	a = open_ok(&c);
	kw_cidr p = cidr("192.0.2.1");
	char err[512];
	int r = kw_gaction_ban(a, &p, 60, NULL, err, sizeof err);
	assert_true(r < 0);
	assert_non_null(strstr(err, "status 3"));
	assert_non_null(strstr(err, "it went wrong"));
	assert_null(strchr(err, '\033'));
	kw_gaction_close(a);

	/* a program that does not exist */
	char *bnone[] = { (char *)"/nonexistent-kw/ban", NULL };
	c.ban_command = bnone;
	a = open_ok(&c);
	assert_int_equal(kw_gaction_ban(a, &p, 60, NULL, err, sizeof err), -ENOENT);
	kw_gaction_close(a);

	/* a program that hangs is killed after 10 s, with what it started */
	char *bslow[] = { slow, pidf, NULL };
	c.ban_command = bslow;
	a = open_ok(&c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = kw_gaction_ban(a, &p, 60, NULL, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r, -ETIMEDOUT);
	assert_non_null(strstr(err, "killed after 10 s"));
	long dt = (long)(t1.tv_sec - t0.tv_sec);
	assert_true(dt >= 9 && dt <= 13);
	size_t n;
	char *pids = get_file(pidf, &n);
	long sh = 0, bg = 0;
	assert_int_equal(sscanf(pids, "%ld %ld", &sh, &bg), 2);
	free(pids);
	usleep(100 * 1000);
	assert_false(running((pid_t)sh));
	assert_false(running((pid_t)bg)); /* the background sleep went with it */
	kw_gaction_close(a);
}

static void test_none(void **state)
{
	(void)state;
	kw_gconf c;
	memset(&c, 0, sizeof c);
	c.action = KW_GACT_NONE;
	kw_gaction *a = open_ok(&c);
	ban_ok(a, "192.0.2.1", 60, NULL);
	unban_ok(a, "192.0.2.1");
	char err[64];
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	kw_cidr bad = cidr("192.0.2.1");
	bad.a.fam = 5;
	assert_int_equal(kw_gaction_ban(a, &bad, 0, NULL, err, sizeof err), -EINVAL);
	kw_gaction_close(a);
}

/* ---- nft ---- */

static void need_netns(void)
{
	if (netns_err != 0)
		fail_msg("unshare(CLONE_NEWNET) failed (%s): this test needs root to run nft and "
			 "ipset in a private network namespace", strerror(netns_err));
}

/* The ruleset as libnftables' JSON. */
static json_t *ruleset(void)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(n);
	nft_ctx_buffer_output(n);
	nft_ctx_buffer_error(n);
	nft_ctx_output_set_flags(n, NFT_CTX_OUTPUT_JSON);
	if (nft_run_cmd_from_buffer(n, "list ruleset") != 0)
		fail_msg("nft list ruleset: %s", nft_ctx_get_error_buffer(n));
	json_error_t je;
	json_t *j = json_loads(nft_ctx_get_output_buffer(n), 0, &je);
	nft_ctx_free(n);
	if (!j)
		fail_msg("nft JSON: %s", je.text);
	return j;
}

struct summary {
	int tables, sets, chains, rules;
	json_t *root;
};

static struct summary summarise(const char *table)
{
	struct summary s = { .root = ruleset() };
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(s.root, "nftables"), i, it) {
		const char *kinds[] = { "table", "set", "chain", "rule" };
		int *counts[] = { &s.tables, &s.sets, &s.chains, &s.rules };
		for (size_t k = 0; k < 4; k++) {
			json_t *o = json_object_get(it, kinds[k]);
			if (!o)
				continue;
			const char *name = json_string_value(json_object_get(o, k ? "table" : "name"));
			if (name && !strcmp(name, table))
				(*counts[k])++;
		}
	}
	return s;
}

/* The element of set v4/v6 equal to text: 1 and *timeout (-1: none) if there, else 0. */
static int set_elem(const char *table, const char *set, const char *text, long *timeout)
{
	json_t *root = ruleset();
	int found = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(root, "nftables"), i, it) {
		json_t *s = json_object_get(it, "set");
		if (!s || strcmp(json_string_value(json_object_get(s, "table")), table) ||
		    strcmp(json_string_value(json_object_get(s, "name")), set))
			continue;
		size_t j;
		json_t *e;
		json_array_foreach(json_object_get(s, "elem"), j, e) {
			json_t *val = e, *wrap = json_object_get(e, "elem");
			long t = -1;
			if (wrap) {
				val = json_object_get(wrap, "val");
				json_t *tj = json_object_get(wrap, "timeout");
				if (tj)
					t = (long)json_integer_value(tj);
			}
			char got[64];
			if (json_is_string(val)) {
				snprintf(got, sizeof got, "%s", json_string_value(val));
			} else {
				json_t *p = json_object_get(val, "prefix");
				snprintf(got, sizeof got, "%s/%d",
					 json_string_value(json_object_get(p, "addr")),
					 (int)json_integer_value(json_object_get(p, "len")));
			}
			if (!strcmp(got, text)) {
				found = 1;
				*timeout = t;
			}
		}
	}
	json_decref(root);
	return found;
}

static void expect_elem(const char *table, const char *set, const char *text, long timeout)
{
	long t = -2;
	if (!set_elem(table, set, text, &t))
		fail_msg("%s is not in set %s", text, set);
	if (t != timeout)
		fail_msg("%s has timeout %ld, wanted %ld", text, t, timeout);
}

static void expect_no_elem(const char *table, const char *set, const char *text)
{
	long t;
	if (set_elem(table, set, text, &t))
		fail_msg("%s is still in set %s", text, set);
}

static void check_layout(const char *table)
{
	struct summary s = summarise(table);
	assert_int_equal(s.tables, 1);
	assert_int_equal(s.sets, 2);
	assert_int_equal(s.chains, 1);
	assert_int_equal(s.rules, 2);
	bool saw4 = false, saw6 = false, hook = false;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(s.root, "nftables"), i, it) {
		json_t *ch = json_object_get(it, "chain");
		if (ch && !strcmp(json_string_value(json_object_get(ch, "table")), table)) {
			assert_string_equal(json_string_value(json_object_get(ch, "name")), "input");
			assert_string_equal(json_string_value(json_object_get(ch, "hook")), "input");
			assert_int_equal(json_integer_value(json_object_get(ch, "prio")), -10);
			assert_string_equal(json_string_value(json_object_get(ch, "policy")), "accept");
			hook = true;
		}
		json_t *set = json_object_get(it, "set");
		if (set && !strcmp(json_string_value(json_object_get(set, "table")), table)) {
			json_t *flags = json_object_get(set, "flags");
			assert_int_equal(json_array_size(flags), 2);
			assert_string_equal(json_string_value(json_array_get(flags, 0)), "interval");
			assert_string_equal(json_string_value(json_array_get(flags, 1)), "timeout");
		}
		json_t *rule = json_object_get(it, "rule");
		if (!rule || strcmp(json_string_value(json_object_get(rule, "table")), table))
			continue;
		json_t *expr = json_object_get(rule, "expr");
		assert_int_equal(json_array_size(expr), 2);
		json_t *m = json_object_get(json_array_get(expr, 0), "match");
		assert_non_null(m);
		json_t *pl = json_object_get(json_object_get(m, "left"), "payload");
		const char *proto = json_string_value(json_object_get(pl, "protocol"));
		const char *right = json_string_value(json_object_get(m, "right"));
		assert_string_equal(json_string_value(json_object_get(pl, "field")), "saddr");
		assert_true(json_object_get(json_array_get(expr, 1), "drop") != NULL);
		if (!strcmp(proto, "ip") && !strcmp(right, "@v4"))
			saw4 = true;
		if (!strcmp(proto, "ip6") && !strcmp(right, "@v6"))
			saw6 = true;
	}
	assert_true(saw4 && saw6 && hook);
	json_decref(s.root);
}

static void test_nft(void **state)
{
	(void)state;
	need_netns();
	kw_gconf c;
	memset(&c, 0, sizeof c);
	c.action = KW_GACT_NFT;
	c.nft_table = (char *)"kwtest";
	c.nft_family = (char *)"inet";

	/* opened twice (a restart): still one table, two sets, one chain, two rules */
	kw_gaction *a = open_ok(&c);
	check_layout("kwtest");
	ban_ok(a, "192.0.2.1", 3600, NULL);
	kw_gaction_close(a);
	a = open_ok(&c);
	kw_gaction *b = open_ok(&c);
	kw_gaction_close(b);
	check_layout("kwtest");
	expect_elem("kwtest", "v4", "192.0.2.1", 3600); /* reopening keeps the bans */

	ban_ok(a, "2001:db8::1", 600, NULL);
	ban_ok(a, "198.51.100.0/24", 7200, NULL);
	ban_ok(a, "203.0.113.9", 0, NULL);
	ban_ok(a, "2001:db8:bad::/48", 86400 + 3600 + 61, NULL);
	expect_elem("kwtest", "v6", "2001:db8::1", 600);
	expect_elem("kwtest", "v4", "198.51.100.0/24", 7200);
	expect_elem("kwtest", "v4", "203.0.113.9", -1); /* permanent: no timeout */
	expect_elem("kwtest", "v6", "2001:db8:bad::/48", 86400 + 3600 + 61);

	/* banning again refreshes the timeout, shorter or longer, or makes it permanent */
	ban_ok(a, "192.0.2.1", 60, NULL);
	expect_elem("kwtest", "v4", "192.0.2.1", 60);
	ban_ok(a, "192.0.2.1", 0, NULL);
	expect_elem("kwtest", "v4", "192.0.2.1", -1);
	ban_ok(a, "192.0.2.1", 120, NULL);
	expect_elem("kwtest", "v4", "192.0.2.1", 120);

	/* overlaps: inside a banned prefix is already dropped; a wider one absorbs narrower */
	ban_ok(a, "198.51.100.7", 60, NULL);
	expect_no_elem("kwtest", "v4", "198.51.100.7");
	expect_elem("kwtest", "v4", "198.51.100.0/24", 7200);
	ban_ok(a, "203.0.113.0/24", 300, NULL);
	expect_no_elem("kwtest", "v4", "203.0.113.9");
	expect_elem("kwtest", "v4", "203.0.113.0/24", 300);

	/* unban, twice; unbanning something that was never in the set is fine too */
	unban_ok(a, "192.0.2.1");
	expect_no_elem("kwtest", "v4", "192.0.2.1");
	unban_ok(a, "192.0.2.1");
	unban_ok(a, "198.51.100.7");
	expect_elem("kwtest", "v4", "198.51.100.0/24", 7200);
	unban_ok(a, "2001:db8::1");
	expect_no_elem("kwtest", "v6", "2001:db8::1");
	check_layout("kwtest");

	/* teardown removes the table, and is idempotent */
	char err[512];
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	struct summary s = summarise("kwtest");
	assert_int_equal(s.tables + s.sets + s.chains + s.rules, 0);
	json_decref(s.root);
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	kw_gaction_close(a);

	/* family ip: only the v4 set and rule; a v6 ban is refused */
	c.nft_table = (char *)"kwip";
	c.nft_family = (char *)"ip";
	a = open_ok(&c);
	s = summarise("kwip");
	assert_int_equal(s.sets, 1);
	assert_int_equal(s.rules, 1);
	json_decref(s.root);
	kw_cidr v6 = cidr("2001:db8::1");
	assert_int_equal(kw_gaction_ban(a, &v6, 60, NULL, err, sizeof err), KW_E_UNSUPPORTED);
	ban_ok(a, "192.0.2.77", 60, NULL);
	expect_elem("kwip", "v4", "192.0.2.77", 60);
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	kw_gaction_close(a);

	/* names that would be nft command text are refused before anything runs */
	c.nft_family = (char *)"inet";
	c.nft_table = (char *)"x; flush ruleset";
	open_fails(&c, KW_E_USAGE, "nft_table");
	c.nft_table = (char *)"x\n";
	open_fails(&c, KW_E_USAGE, "nft_table");
	c.nft_table = (char *)"";
	open_fails(&c, KW_E_USAGE, "nft_table");
	c.nft_table = (char *)"ok";
	c.nft_family = (char *)"bridge";
	open_fails(&c, KW_E_USAGE, "nft_family");
	c.nft_family = (char *)"inet keyward; flush ruleset;";
	open_fails(&c, KW_E_USAGE, "nft_family");
	/* defaults: inet keyward */
	c.nft_table = NULL;
	c.nft_family = NULL;
	a = open_ok(&c);
	check_layout("keyward");
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	kw_gaction_close(a);
}

/* ---- ipset ---- */

/* `ipset save NAME` output, or NULL when the set does not exist. */
static char *ipset_save(const char *name)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "ipset save %s 2>/dev/null", name);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, p);
	buf[n] = 0;
	int st = pclose(p);
	if (st != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The timeout of entry text in set name, -1 if absent. */
static long ipset_timeout(const char *name, const char *text)
{
	char *s = ipset_save(name);
	if (!s)
		fail_msg("ipset %s does not exist", name);
	char pat[128];
	snprintf(pat, sizeof pat, "add %s %s timeout ", name, text);
	char *at = strstr(s, pat);
	long t = at ? strtol(at + strlen(pat), NULL, 10) : -1;
	free(s);
	return t;
}

static void test_ipset(void **state)
{
	(void)state;
	need_netns();
	if (access("/usr/sbin/ipset", X_OK) != 0 && access("/sbin/ipset", X_OK) != 0)
		fail_msg("the ipset command is not installed");
	kw_gconf c;
	memset(&c, 0, sizeof c);
	c.action = KW_GACT_IPSET;
	c.ipset_v4 = (char *)"kwt4";
	c.ipset_v6 = (char *)"kwt6";
	kw_gaction *a = open_ok(&c);
	kw_gaction_close(a);
	a = open_ok(&c); /* -exist: a second create is fine */
	char *s = ipset_save("kwt4");
	assert_non_null(s);
	assert_non_null(strstr(s, "create kwt4 hash:net family inet "));
	assert_non_null(strstr(s, "maxelem 1000000 timeout 0"));
	free(s);
	s = ipset_save("kwt6");
	assert_non_null(s);
	assert_non_null(strstr(s, "family inet6"));
	free(s);

	ban_ok(a, "192.0.2.1", 3600, NULL);
	ban_ok(a, "2001:db8::1", 600, NULL);
	ban_ok(a, "198.51.100.0/24", 7200, NULL);
	ban_ok(a, "203.0.113.9", 0, NULL);
	ban_ok(a, "192.0.2.2", 100000000, NULL); /* over ipset's limit: clamped */
	long t = ipset_timeout("kwt4", "192.0.2.1");
	assert_true(t >= 3590 && t <= 3600);
	t = ipset_timeout("kwt6", "2001:db8::1");
	assert_true(t >= 590 && t <= 600);
	t = ipset_timeout("kwt4", "198.51.100.0/24");
	assert_true(t >= 7190 && t <= 7200);
	assert_int_equal(ipset_timeout("kwt4", "203.0.113.9"), 0);
	t = ipset_timeout("kwt4", "192.0.2.2");
	assert_true(t >= 2147400 && t <= 2147483);
	/* a second ban refreshes */
	ban_ok(a, "192.0.2.1", 60, NULL);
	t = ipset_timeout("kwt4", "192.0.2.1");
	assert_true(t >= 50 && t <= 60);

	unban_ok(a, "192.0.2.1");
	assert_int_equal(ipset_timeout("kwt4", "192.0.2.1"), -1);
	unban_ok(a, "192.0.2.1");
	unban_ok(a, "2001:db8::1");
	assert_int_equal(ipset_timeout("kwt6", "2001:db8::1"), -1);

	char err[512];
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	assert_null(ipset_save("kwt4"));
	assert_null(ipset_save("kwt6"));
	assert_int_equal(kw_gaction_teardown(a, err, sizeof err), 0);
	kw_gaction_close(a);

	c.ipset_v4 = (char *)"-exist";
	open_fails(&c, KW_E_USAGE, "ipset_v4");
	c.ipset_v4 = (char *)"kwt4";
	c.ipset_v6 = (char *)"a name with spaces";
	open_fails(&c, KW_E_USAGE, "ipset_v6");
	c.ipset_v6 = (char *)"this-name-is-much-too-long-for-ipset";
	open_fails(&c, KW_E_USAGE, "ipset_v6");
}

int main(void)
{
	netns_err = unshare(CLONE_NEWNET) == 0 ? 0 : errno;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hosts_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hosts_deny_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_ipset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
