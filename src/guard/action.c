/* action.c — apply the guard's bans to the system (action.h): nftables, ipset, hosts.deny,
 * a command, or nothing.
 *
 * What goes out. Every address is kw_cidr_format's text of a validated prefix; the nft
 * table and family, ipset names and the hosts.deny service come from the configuration
 * and are checked to be plain identifiers here, because they are pasted into nft command
 * text or passed as arguments. No shell is ever involved: nft through libnftables, ipset
 * and the ban/unban commands through posix_spawn with an argv and a fixed environment,
 * in their own process group, stdin from /dev/null, output captured (for error text) and
 * a 10 s limit after which the whole group is killed.
 *
 * nft. Opening runs one batch (one kernel transaction): add table, add the sets, add the
 * chain, flush the chain, add its two rules. "add" is idempotent for tables, sets and
 * chains; flush + add inside the same transaction leaves exactly two rules however often
 * it runs and whatever was in the chain before, without a moment with no rules, and never
 * touches the sets' elements. A ban is "add P; delete P; add P timeout T" in one batch:
 * the first add makes the delete succeed whether or not P was there, so the timeout is
 * always the new one. Interval sets refuse overlapping elements, so when the batch fails
 * the set is listed (JSON) and: if P lies inside a banned wider prefix, P is already
 * dropped and nothing is done; if P covers narrower banned prefixes, they are deleted and
 * P added in one batch. Either way a narrower ban can outlive the wider one it was folded
 * into; whoever lifts a prefix re-applies the live bans inside it (they are idempotent).
 * Unban deletes P; if that fails, a listing decides (P absent = success).
 *
 * hosts-deny. The block between "# keyward-guard begin" and "# keyward-guard end" is
 * keyward's; every byte outside it is kept as it is. Each change re-reads the file under
 * an flock on its folder (the daemon and the command line may both write), parses the
 * block into the in-memory table of entries, and rewrites the file only when the table
 * changed: temp file in the same folder, owner, mode and xattrs of the old file, fsync,
 * rename, fsync of the folder (kw_write_atomic). A block with a begin line and no end
 * line is refused rather than guessed at. Entries follow hosts_access(5):
 * "sshd: 192.0.2.1", "sshd: 192.0.2.0/255.255.255.0", "sshd: [2001:db8::1]",
 * "sshd: [2001:db8::]/32".
 */
#include "guard/action.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"
#include "target/write.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_TIMEOUT_MS 10000
#define OUT_KEEP 512                      /* bytes of a child's output kept for err */
#define NFT_TIMEOUT_MAX (3650ull * 86400) /* nft takes more, but 10 years is forever */
#define IPSET_TIMEOUT_MAX 2147483ull      /* ipset's own limit */
#define HD_MAX ((size_t)16 << 20)         /* largest hosts.deny read */
#define HD_BEGIN "# keyward-guard begin"
#define HD_END "# keyward-guard end"

struct kw_gaction {
	enum kw_gaction_kind kind;
	/* nft */
	struct nft_ctx *nft;
	char family[8];
	char table[65];
	bool has_v4, has_v6;
	/* ipset */
	char ipset[2][32];
	char ipset_bin[64];
	/* hosts-deny */
	int hd_dfd;
	char *hd_name;
	char *hd_path;
	char hd_service[65];
	kw_cidr *hd_v; /* the block's entries as last read or written */
	size_t hd_n, hd_cap;
	/* command */
	char **ban_argv, **unban_argv;
};

/* ---- small helpers ---- */

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A name safe to paste into command text or pass as an argument: [A-Za-z_] then
 * [A-Za-z0-9_-] (and '.' when dots), 1..max characters. */
static bool ident_ok(const char *s, size_t max, bool dots)
{
	if (!s || !s[0] || strlen(s) > max)
		return false;
	if (!is_alpha(s[0]) && s[0] != '_')
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!is_alpha(*p) && !is_digit(*p) && *p != '_' && *p != '-' && !(dots && *p == '.'))
			return false;
	return true;
}

static int check_prefix(const kw_cidr *in, kw_cidr *out, char text[KW_CIDR_STRLEN],
			char *err, size_t errlen)
{
	if (!in || (in->a.fam != 4 && in->a.fam != 6) || in->bits > (in->a.fam == 4 ? 32 : 128)) {
		kw_errf(err, errlen, "not an address prefix");
		return -EINVAL;
	}
	*out = kw_cidr_of(&in->a, in->bits);
	if (kw_cidr_format(out, text, KW_CIDR_STRLEN) == 0) {
		kw_errf(err, errlen, "not an address prefix");
		return -EINVAL;
	}
	return 0;
}

/* First line of untrusted text t, escaped, appended to err after what. */
static void err_with_text(char *err, size_t errlen, const char *what, const char *t)
{
	size_t n = 0;
	while (t && t[n] && t[n] != '\n' && n < 300)
		n++;
	_cleanup_free_ char *e = kw_escape_dup(t ? t : "", n);
	if (e && *e)
		kw_errf(err, errlen, "%s: %s", what, e);
	else
		kw_errf(err, errlen, "%s", what);
}

static char **argv_dup(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = 0;
	while (v[n])
		n++;
	char **c = calloc(n + 1, sizeof *c);
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			for (size_t j = 0; j < i; j++)
				free(c[j]);
			free(c);
			return NULL;
		}
	}
	return c;
}

static void argv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- running a program ---- */

static const char *const child_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL,
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An executable named name (with a '/': as is) in the fixed PATH of child_env. */
static int find_exec(const char *name, char *out, size_t cap)
{
	if (strchr(name, '/')) {
		if (strlen(name) >= cap)
			return -ENAMETOOLONG;
		if (access(name, X_OK) < 0)
			return -errno;
		strcpy(out, name);
		return 0;
	}
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin", "/sbin", "/bin" };
	for (size_t i = 0; i < KW_ARRAY_LEN(dirs); i++) {
		int n = snprintf(out, cap, "%s/%s", dirs[i], name);
		if (n > 0 && (size_t)n < cap && access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Read what is there of the child's output; false at end of file. */
static bool read_some(int fd, char *out, size_t cap, size_t *len)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof buf);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN;
	if (r == 0)
		return false;
	size_t room = cap - 1 - *len;
	size_t take = (size_t)r < room ? (size_t)r : room;
	memcpy(out + *len, buf, take);
	*len += take;
	out[*len] = '\0';
	return true;
}

/* Run argv (no shell) and wait at most timeout_ms; the first bytes of its stdout and
 * stderr go to out. 0 with *wstatus, -ETIMEDOUT (the process group was killed), or
 * -errno when it could not be started. */
static int run_argv(char *const argv[], int timeout_ms, char *out, size_t outcap, int *wstatus)
{
	out[0] = '\0';
	char path[PATH_MAX];
	int r = find_exec(argv[0], path, sizeof path);
	if (r < 0)
		return r;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETPGROUP);
	pid_t pid;
	r = posix_spawn(&pid, path, &fa, &at, argv, (char *const *)child_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		return -r;
	}
	int64_t deadline = mono_ms() + timeout_ms;
	bool open_pipe = true, done = false;
	size_t len = 0;
	int st = 0;
	while (!done) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			break;
		if (open_pipe) {
			struct pollfd p = { .fd = pfd[0], .events = POLLIN };
			int pr = poll(&p, 1, (int)(left < 50 ? left : 50));
			if (pr > 0)
				open_pipe = read_some(pfd[0], out, outcap, &len);
		} else {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		pid_t w = waitpid(pid, &st, WNOHANG);
		done = w == pid || (w < 0 && errno == ECHILD);
	}
	close(pfd[0]);
	if (!done) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return -ETIMEDOUT;
	}
	*wstatus = st;
	return 0;
}

/* run_argv, with any failure (start, timeout, non-zero exit) described in err. */
static int run_checked(char *const argv[], const char *what, char *err, size_t errlen)
{
	char out[OUT_KEEP];
	int st = 0;
	int r = run_argv(argv, CMD_TIMEOUT_MS, out, sizeof out, &st);
	char msg[160];
	if (r == -ETIMEDOUT) {
		snprintf(msg, sizeof msg, "%s: killed after %d s", what, CMD_TIMEOUT_MS / 1000);
		err_with_text(err, errlen, msg, out);
		return r;
	}
	if (r < 0) {
		kw_errf(err, errlen, "%s: cannot run it: %s", what, kw_strerror(r));
		return r;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(msg, sizeof msg, "%s exited with status %d", what, WEXITSTATUS(st));
	else
		snprintf(msg, sizeof msg, "%s was killed by signal %d", what,
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	err_with_text(err, errlen, msg, out);
	return -EIO;
}

/* ---- nft ---- */

static int nft_run(kw_gaction *a, const char *cmd, char *err, size_t errlen)
{
	int r = nft_run_cmd_from_buffer(a->nft, cmd);
	nft_ctx_get_output_buffer(a->nft); /* drop (and reset) whatever was printed */
	const char *e = nft_ctx_get_error_buffer(a->nft);
	if (r == 0)
		return 0;
	err_with_text(err, errlen, "nft", e);
	return e && strstr(e, "Operation not permitted") ? -EPERM : -EIO;
}

/* The nft timeout text for t seconds: "1d2h3m4s" without zero parts. */
static void nft_timeout(uint64_t t, char *out, size_t cap)
{
	if (t > NFT_TIMEOUT_MAX)
		t = NFT_TIMEOUT_MAX;
	static const struct { uint64_t s; char u; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < KW_ARRAY_LEN(units) && n < cap; i++) {
		uint64_t q = t / units[i].s;
		t %= units[i].s;
		if (q == 0)
			continue;
		int w = snprintf(out + n, cap - n, "%llu%c", (unsigned long long)q, units[i].u);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static const char *nft_set(const kw_cidr *c) { return c->a.fam == 4 ? "v4" : "v6"; }

static int nft_open(kw_gaction *a, const kw_gconf *conf, char *err, size_t errlen)
{
	const char *fam = conf->nft_family ? conf->nft_family : "inet";
	const char *tab = conf->nft_table ? conf->nft_table : "keyward";
	if (strcmp(fam, "inet") && strcmp(fam, "ip") && strcmp(fam, "ip6")) {
		_cleanup_free_ char *e = kw_escape_str(fam);
		kw_errf(err, errlen, "nft_family must be inet, ip or ip6, not \"%s\"", e ? e : "?");
		return KW_E_USAGE;
	}
	if (!ident_ok(tab, 64, false)) {
		_cleanup_free_ char *e = kw_escape_str(tab);
		kw_errf(err, errlen, "nft_table \"%s\": use letters, digits, '_' and '-' (at most 64, "
			 "starting with a letter or '_')", e ? e : "?");
		return KW_E_USAGE;
	}
	snprintf(a->family, sizeof a->family, "%s", fam);
	snprintf(a->table, sizeof a->table, "%s", tab);
	a->has_v4 = strcmp(fam, "ip6") != 0;
	a->has_v6 = strcmp(fam, "ip") != 0;
	a->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!a->nft) {
		kw_errf(err, errlen, "nft: cannot create a libnftables context");
		return -ENOMEM;
	}
	if (nft_ctx_buffer_output(a->nft) || nft_ctx_buffer_error(a->nft)) {
		kw_errf(err, errlen, "nft: cannot buffer libnftables output");
		return -ENOMEM;
	}
	const char *F = a->family, *T = a->table;
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_printf(&sb, "add table %s %s\n", F, T);
	if (a->has_v4)
		kw_sb_printf(&sb, "add set %s %s v4 { type ipv4_addr; flags interval, timeout; }\n",
			     F, T);
	if (a->has_v6)
		kw_sb_printf(&sb, "add set %s %s v6 { type ipv6_addr; flags interval, timeout; }\n",
			     F, T);
	kw_sb_printf(&sb, "add chain %s %s input { type filter hook input priority -10; "
			  "policy accept; }\n", F, T);
	kw_sb_printf(&sb, "flush chain %s %s input\n", F, T);
	if (a->has_v4)
		kw_sb_printf(&sb, "add rule %s %s input ip saddr @v4 drop\n", F, T);
	if (a->has_v6)
		kw_sb_printf(&sb, "add rule %s %s input ip6 saddr @v6 drop\n", F, T);
	int r = sb.overflow ? -ENOMEM : nft_run(a, sb.s, err, errlen);
	kw_sb_release(&sb);
	return r;
}

static int nft_family_ok(kw_gaction *a, const kw_cidr *c, char *err, size_t errlen)
{
	if ((c->a.fam == 4 && a->has_v4) || (c->a.fam == 6 && a->has_v6))
		return 0;
	kw_errf(err, errlen, "nft table %s %s has no set for IPv%u addresses", a->family, a->table,
	     c->a.fam);
	return KW_E_UNSUPPORTED;
}

/* One element of a JSON set listing: "addr", {"prefix": {...}}, {"elem": {"val": ...}}. */
static bool json_elem(json_t *e, kw_cidr *out)
{
	json_t *inner = json_object_get(e, "elem");
	if (inner)
		e = json_object_get(inner, "val");
	if (json_is_string(e)) {
		const char *s = json_string_value(e);
		return kw_cidr_parse(s, strlen(s), out) == 0;
	}
	json_t *p = json_object_get(e, "prefix");
	if (!p)
		return false;
	const char *s = json_string_value(json_object_get(p, "addr"));
	json_int_t len = json_integer_value(json_object_get(p, "len"));
	kw_addr ad;
	if (!s || kw_addr_parse(s, strlen(s), &ad) < 0 || len < 0 || len > 128)
		return false;
	*out = kw_cidr_of(&ad, (unsigned)len);
	return true;
}

/* The elements of set v4/v6 (ranges that are not prefixes are left out). */
static int nft_list(kw_gaction *a, const char *set, kw_cidr **out, size_t *n, char *err,
		    size_t errlen)
{
	*out = NULL;
	*n = 0;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "list set %s %s %s", a->family, a->table, set);
	unsigned flags = nft_ctx_output_get_flags(a->nft);
	nft_ctx_output_set_flags(a->nft, flags | NFT_CTX_OUTPUT_JSON);
	int r = nft_run_cmd_from_buffer(a->nft, cmd);
	const char *o = nft_ctx_get_output_buffer(a->nft);
	const char *e = nft_ctx_get_error_buffer(a->nft);
	nft_ctx_output_set_flags(a->nft, flags);
	if (r != 0) {
		err_with_text(err, errlen, "nft", e);
		return -EIO;
	}
	json_error_t je;
	json_t *root = json_loads(o ? o : "", 0, &je);
	json_t *items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		json_decref(root);
		kw_errf(err, errlen, "nft: unexpected listing of set %s", set);
		return KW_E_PARSE;
	}
	kw_cidr *v = NULL;
	size_t len = 0, cap = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *elems = json_object_get(json_object_get(it, "set"), "elem");
		size_t j;
		json_t *el;
		json_array_foreach(elems, j, el) {
			kw_cidr c;
			if (!json_elem(el, &c))
				continue;
			kw_cidr *slot = KW_VEC_PUSH(v, len, cap);
			if (!slot) {
				free(v);
				json_decref(root);
				return -ENOMEM;
			}
			*slot = c;
		}
	}
	json_decref(root);
	*out = v;
	*n = len;
	return 0;
}

static bool cidr_eq(const kw_cidr *x, const kw_cidr *y)
{
	return x->bits == y->bits && kw_addr_eq(&x->a, &y->a);
}

/* P overlaps what is in the set: see the top of the file. */
static int nft_ban_overlap(kw_gaction *a, const kw_cidr *c, const char *text, const char *tmo,
			   int first, char *err, size_t errlen)
{
	_cleanup_free_ kw_cidr *v = NULL;
	size_t n = 0;
	char lerr[256];
	if (nft_list(a, nft_set(c), &v, &n, lerr, sizeof lerr) < 0)
		return first;
	kw_sb sb;
	kw_sb_init(&sb);
	bool inner = false;
	for (size_t i = 0; i < n; i++) {
		if (cidr_eq(&v[i], c))
			continue;
		if (v[i].bits < c->bits && kw_cidr_contains(&v[i], &c->a)) {
			kw_sb_release(&sb);
			return 0; /* already dropped by a wider banned prefix */
		}
		if (v[i].bits > c->bits && kw_cidr_contains(c, &v[i].a)) {
			char t[KW_CIDR_STRLEN];
			if (kw_cidr_format(&v[i], t, sizeof t) == 0)
				continue;
			kw_sb_printf(&sb, "delete element %s %s %s { %s }\n", a->family, a->table,
				     nft_set(c), t);
			inner = true;
		}
	}
	int r = first;
	if (inner) {
		kw_sb_printf(&sb, "add element %s %s %s { %s%s%s }\n", a->family, a->table,
			     nft_set(c), text, *tmo ? " timeout " : "", tmo);
		r = sb.overflow ? -ENOMEM : nft_run(a, sb.s, err, errlen);
	}
	kw_sb_release(&sb);
	return r;
}

static int nft_ban(kw_gaction *a, const kw_cidr *c, const char *text, uint64_t t, char *err,
		   size_t errlen)
{
	int r = nft_family_ok(a, c, err, errlen);
	if (r < 0)
		return r;
	char tmo[48] = "";
	if (t)
		nft_timeout(t, tmo, sizeof tmo);
	const char *F = a->family, *T = a->table, *S = nft_set(c);
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "add element %s %s %s { %s timeout 1s }\n"
		 "delete element %s %s %s { %s }\n"
		 "add element %s %s %s { %s%s%s }\n",
		 F, T, S, text, F, T, S, text, F, T, S, text, *tmo ? " timeout " : "", tmo);
	r = nft_run(a, cmd, err, errlen);
	if (r == 0 || r == -EPERM)
		return r;
	r = nft_ban_overlap(a, c, text, tmo, r, err, errlen);
	if (r == 0 && err && errlen)
		err[0] = '\0';
	return r;
}

static int nft_unban(kw_gaction *a, const kw_cidr *c, const char *text, char *err,
		     size_t errlen)
{
	int r = nft_family_ok(a, c, err, errlen);
	if (r < 0)
		return r;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "delete element %s %s %s { %s }\n", a->family, a->table,
		 nft_set(c), text);
	r = nft_run(a, cmd, err, errlen);
	if (r == 0 || r == -EPERM)
		return r;
	_cleanup_free_ kw_cidr *v = NULL;
	size_t n = 0;
	char lerr[256];
	if (nft_list(a, nft_set(c), &v, &n, lerr, sizeof lerr) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (cidr_eq(&v[i], c))
			return r;
	if (err && errlen)
		err[0] = '\0';
	return 0; /* it was not there */
}

static int nft_teardown(kw_gaction *a, char *err, size_t errlen)
{
	char cmd[192];
	snprintf(cmd, sizeof cmd, "add table %s %s\ndelete table %s %s\n", a->family, a->table,
		 a->family, a->table);
	return nft_run(a, cmd, err, errlen);
}

/* ---- ipset ---- */

static int ipset_run(kw_gaction *a, const char *what, char *err, size_t errlen, ...)
{
	char *argv[12] = { a->ipset_bin };
	size_t n = 1;
	va_list ap;
	va_start(ap, errlen);
	char *s;
	while ((s = va_arg(ap, char *)) && n < KW_ARRAY_LEN(argv) - 1)
		argv[n++] = s;
	va_end(ap);
	argv[n] = NULL;
	return run_checked(argv, what, err, errlen);
}

static int ipset_open(kw_gaction *a, const kw_gconf *conf, char *err, size_t errlen)
{
	const char *names[2] = { conf->ipset_v4 ? conf->ipset_v4 : "keyward4",
				 conf->ipset_v6 ? conf->ipset_v6 : "keyward6" };
	for (int i = 0; i < 2; i++) {
		if (!ident_ok(names[i], 31, true)) {
			_cleanup_free_ char *e = kw_escape_str(names[i]);
			kw_errf(err, errlen, "%s \"%s\": use letters, digits, '_', '-' and '.' (at most "
				 "31, starting with a letter or '_')", i ? "ipset_v6" : "ipset_v4",
			     e ? e : "?");
			return KW_E_USAGE;
		}
		snprintf(a->ipset[i], sizeof a->ipset[i], "%s", names[i]);
	}
	int r = find_exec("ipset", a->ipset_bin, sizeof a->ipset_bin);
	if (r < 0) {
		kw_errf(err, errlen, "ipset: the ipset command is not installed");
		return r;
	}
	for (int i = 0; i < 2 && r == 0; i++)
		r = ipset_run(a, "ipset create", err, errlen, "create", "-exist", a->ipset[i],
			      "hash:net", "family", i ? "inet6" : "inet", "timeout", "0", "maxelem",
			      "1000000", (char *)NULL);
	return r;
}

static int ipset_ban(kw_gaction *a, const kw_cidr *c, char *text, uint64_t t, char *err,
		     size_t errlen)
{
	char tmo[24];
	snprintf(tmo, sizeof tmo, "%llu",
		 (unsigned long long)(t > IPSET_TIMEOUT_MAX ? IPSET_TIMEOUT_MAX : t));
	return ipset_run(a, "ipset add", err, errlen, "add", "-exist", a->ipset[c->a.fam == 6],
			 text, "timeout", tmo, (char *)NULL);
}

static int ipset_unban(kw_gaction *a, const kw_cidr *c, char *text, char *err, size_t errlen)
{
	return ipset_run(a, "ipset del", err, errlen, "del", "-exist", a->ipset[c->a.fam == 6],
			 text, (char *)NULL);
}

static int ipset_teardown(kw_gaction *a, char *err, size_t errlen)
{
	for (int i = 0; i < 2; i++) {
		char lerr[64];
		/* list -n exits non-zero when the set does not exist */
		if (ipset_run(a, "ipset list", lerr, sizeof lerr, "list", "-n", a->ipset[i],
			      (char *)NULL) < 0)
			continue;
		int r = ipset_run(a, "ipset destroy", err, errlen, "destroy", a->ipset[i],
				  (char *)NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- hosts.deny ---- */

/* The hosts_access(5) spelling of c. */
static void hd_format(const kw_cidr *c, char *out, size_t cap)
{
	char ad[KW_ADDR_STRLEN];
	kw_addr_format(&c->a, ad, sizeof ad);
	if (c->a.fam == 6) {
		if (kw_cidr_is_host(c))
			snprintf(out, cap, "[%s]", ad);
		else
			snprintf(out, cap, "[%s]/%u", ad, c->bits);
		return;
	}
	if (kw_cidr_is_host(c)) {
		snprintf(out, cap, "%s", ad);
		return;
	}
	uint32_t m = c->bits ? ~(uint32_t)0 << (32 - c->bits) : 0;
	snprintf(out, cap, "%s/%u.%u.%u.%u", ad, m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255);
}

/* Back from an entry's address part: host, [v6], [v6]/bits, v4/mask or v4/bits. */
static bool hd_parse_addr(kw_buf v, kw_cidr *out)
{
	const char *p = (const char *)kw_buf_cur(&v);
	size_t n = kw_buf_left(&v);
	if (n && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		if (!close)
			return false;
		kw_addr a;
		if (kw_addr_parse(p + 1, (size_t)(close - p - 1), &a) < 0 || a.fam != 6)
			return false;
		size_t rest = n - (size_t)(close - p) - 1;
		if (rest == 0) {
			*out = kw_cidr_host(&a);
			return true;
		}
		if (close[1] != '/' || rest < 2 || rest > 4)
			return false;
		kw_buf b = kw_buf_view(close + 2, rest - 1);
		uint64_t bits;
		if (kw_buf_to_u64(&b, 128, &bits) < 0)
			return false;
		*out = kw_cidr_of(&a, (unsigned)bits);
		return true;
	}
	const char *slash = memchr(p, '/', n);
	if (!slash || !memchr(slash, '.', n - (size_t)(slash - p)))
		return kw_cidr_parse(p, n, out) == 0 && out->a.fam == 4;
	kw_addr a, m;
	if (kw_addr_parse(p, (size_t)(slash - p), &a) < 0 || a.fam != 4 ||
	    kw_addr_parse(slash + 1, n - (size_t)(slash - p) - 1, &m) < 0 || m.fam != 4)
		return false;
	uint32_t mask = (uint32_t)m.b[0] << 24 | (uint32_t)m.b[1] << 16 | (uint32_t)m.b[2] << 8 |
			m.b[3];
	unsigned bits = 0;
	while (bits < 32 && (mask & (0x80000000u >> bits)))
		bits++;
	if (bits < 32 && (mask << bits) != 0)
		return false; /* not a contiguous mask */
	*out = kw_cidr_of(&a, bits);
	return true;
}

/* "SERVICE: ADDR" -> the address (the service part is ours to rewrite). */
static bool hd_parse_line(kw_buf line, kw_cidr *out)
{
	kw_buf svc;
	if (!kw_buf_field(&line, ':', &svc) || kw_buf_left(&line) == 0)
		return false;
	kw_buf v = kw_buf_trim(line);
	return kw_buf_left(&v) > 0 && hd_parse_addr(v, out);
}

static bool line_is(kw_buf line, const char *what)
{
	kw_buf t = kw_buf_trim(line);
	return kw_buf_eq(&t, what);
}

/* The file split into what is not ours (foreign, with where the block sits) and the
 * block's entries (a->hd_v). */
struct hd_file {
	bool exists;
	struct stat st;
	kw_xattrs x;
	kw_sb foreign;
	size_t at;      /* offset in foreign where the block goes */
	bool had_block;
};

static void hd_file_release(struct hd_file *f)
{
	kw_sb_release(&f->foreign);
	kw_xattrs_release(&f->x);
}

static int hd_add(kw_gaction *a, const kw_cidr *c)
{
	for (size_t i = 0; i < a->hd_n; i++)
		if (cidr_eq(&a->hd_v[i], c))
			return 0;
	kw_cidr *slot = KW_VEC_PUSH(a->hd_v, a->hd_n, a->hd_cap);
	if (!slot)
		return -ENOMEM;
	*slot = *c;
	return 1;
}

static int hd_parse(kw_gaction *a, const uint8_t *data, size_t len, struct hd_file *f,
		    char *err, size_t errlen)
{
	a->hd_n = 0;
	kw_buf b = kw_buf_view(data, len);
	bool in_block = false;
	while (kw_buf_left(&b)) {
		const uint8_t *start = kw_buf_cur(&b);
		kw_buf line;
		bool trunc;
		kw_buf_line(&b, &line, len, &trunc);
		size_t raw = (size_t)(kw_buf_cur(&b) - start); /* with its newline */
		if (!in_block && line_is(line, HD_BEGIN)) {
			if (!f->had_block)
				f->at = f->foreign.len;
			f->had_block = in_block = true;
			continue;
		}
		if (in_block) {
			kw_cidr c;
			if (line_is(line, HD_END))
				in_block = false;
			else if (hd_parse_line(line, &c) && hd_add(a, &c) < 0)
				return -ENOMEM;
			continue;
		}
		if (kw_sb_put(&f->foreign, start, raw) < 0)
			return -ENOMEM;
	}
	if (in_block) {
		kw_errf(err, errlen, "%s: \"" HD_BEGIN "\" without \"" HD_END "\": fix the file by hand",
		     a->hd_path);
		return KW_E_PARSE;
	}
	return 0;
}

/* Read and split the file (absent is fine). Called with the folder locked. */
static int hd_load(kw_gaction *a, struct hd_file *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	kw_sb_init(&f->foreign);
	int r = kw_write_check_name(a->hd_dfd, a->hd_name, &f->st);
	if (r == -ENOENT) {
		a->hd_n = 0;
		return 0;
	}
	if (r < 0) {
		kw_errf(err, errlen, "%s: %s", a->hd_path,
		     r == -ELOOP ? "is a symlink" : r == -EMLINK ? "has several hard links" :
		     r == KW_E_NOTREG ? "is not a regular file" : kw_strerror(r));
		return r;
	}
	_cleanup_close_ int fd = openat(a->hd_dfd, a->hd_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
					O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &f->st) < 0) {
		r = -errno;
		kw_errf(err, errlen, "%s: %s", a->hd_path, kw_strerror(r));
		return r;
	}
	if (!S_ISREG(f->st.st_mode) || f->st.st_size > (off_t)HD_MAX) {
		kw_errf(err, errlen, "%s: not a regular file of at most 16 MiB", a->hd_path);
		return KW_E_TOOBIG;
	}
	f->exists = true;
	r = kw_xattrs_read(fd, &f->x);
	if (r < 0) {
		kw_errf(err, errlen, "%s: reading its extended attributes: %s", a->hd_path,
		     kw_strerror(r));
		return r;
	}
	kw_sb data;
	kw_sb_init(&data);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || data.len + (size_t)n > HD_MAX || kw_sb_put(&data, buf, (size_t)n) < 0) {
			r = n < 0 ? -errno : KW_E_TOOBIG;
			kw_sb_release(&data);
			kw_errf(err, errlen, "%s: %s", a->hd_path, kw_strerror(r));
			return r;
		}
	}
	r = hd_parse(a, (const uint8_t *)data.s, data.len, f, err, errlen);
	kw_sb_release(&data);
	return r;
}

/* Write foreign + the block of a->hd_v (no block when empty). */
static int hd_store(kw_gaction *a, struct hd_file *f, char *err, size_t errlen)
{
	kw_sb out;
	kw_sb_init(&out);
	size_t at = f->had_block ? f->at : f->foreign.len;
	kw_sb_put(&out, f->foreign.s, at);
	if (a->hd_n) {
		if (out.len && out.s[out.len - 1] != '\n')
			kw_sb_putc(&out, '\n');
		kw_sb_puts(&out, HD_BEGIN "\n");
		for (size_t i = 0; i < a->hd_n; i++) {
			char t[KW_CIDR_STRLEN + 24];
			hd_format(&a->hd_v[i], t, sizeof t);
			kw_sb_printf(&out, "%s: %s\n", a->hd_service, t);
		}
		kw_sb_puts(&out, HD_END "\n");
	}
	kw_sb_put(&out, f->foreign.s + at, f->foreign.len - at);
	int r = out.overflow ? -ENOMEM : 0;
	if (r == 0) {
		uid_t uid = f->exists ? f->st.st_uid : geteuid();
		gid_t gid = f->exists ? f->st.st_gid : getegid();
		mode_t mode = f->exists ? f->st.st_mode & 07777 : 0644;
		r = kw_write_atomic(a->hd_dfd, a->hd_name, (const uint8_t *)out.s, out.len, uid, gid,
				    mode, f->exists ? &f->x : NULL, NULL);
		if (r < 0)
			kw_errf(err, errlen, "%s: writing: %s", a->hd_path, kw_strerror(r));
	}
	kw_sb_release(&out);
	return r;
}

enum hd_op { HD_BAN, HD_UNBAN, HD_CLEAR };

static int hd_change(kw_gaction *a, enum hd_op op, const kw_cidr *c, char *err, size_t errlen)
{
	if (flock(a->hd_dfd, LOCK_EX) < 0) {
		int r = -errno;
		kw_errf(err, errlen, "%s: locking its folder: %s", a->hd_path, kw_strerror(r));
		return r;
	}
	struct hd_file f;
	int r = hd_load(a, &f, err, errlen);
	bool changed = false;
	if (r == 0 && op == HD_BAN) {
		r = hd_add(a, c);
		changed = r == 1;
	} else if (r == 0 && op == HD_UNBAN) {
		for (size_t i = 0; i < a->hd_n; i++) {
			if (cidr_eq(&a->hd_v[i], c)) {
				memmove(&a->hd_v[i], &a->hd_v[i + 1], (a->hd_n - i - 1) * sizeof *a->hd_v);
				a->hd_n--;
				changed = true;
				break;
			}
		}
	} else if (r == 0 && op == HD_CLEAR) {
		changed = f.had_block;
		a->hd_n = 0;
	}
	if (r >= 0 && changed)
		r = hd_store(a, &f, err, errlen);
	hd_file_release(&f);
	flock(a->hd_dfd, LOCK_UN);
	return r < 0 ? r : 0;
}

static int hd_open(kw_gaction *a, const kw_gconf *conf, char *err, size_t errlen)
{
	const char *path = conf->hosts_deny ? conf->hosts_deny : "/etc/hosts.deny";
	const char *svc = conf->hosts_deny_service ? conf->hosts_deny_service : "sshd";
	if (!ident_ok(svc, 64, true) && strcmp(svc, "ALL") != 0) {
		_cleanup_free_ char *e = kw_escape_str(svc);
		kw_errf(err, errlen, "hosts_deny_service \"%s\": use a daemon name (letters, digits, "
			 "'_', '-', '.')", e ? e : "?");
		return KW_E_USAGE;
	}
	snprintf(a->hd_service, sizeof a->hd_service, "%s", svc);
	size_t l = strlen(path);
	if (l == 0 || l >= PATH_MAX || path[l - 1] == '/') {
		kw_errf(err, errlen, "hosts_deny: not a file path");
		return KW_E_USAGE;
	}
	a->hd_path = strdup(path);
	if (!a->hd_path)
		return -ENOMEM;
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
				       : strdup(".");
	a->hd_name = strdup(slash ? slash + 1 : path);
	if (!dir || !a->hd_name)
		return -ENOMEM;
	if (!strcmp(a->hd_name, ".") || !strcmp(a->hd_name, "..")) {
		kw_errf(err, errlen, "hosts_deny: not a file path");
		return KW_E_USAGE;
	}
	a->hd_dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->hd_dfd < 0) {
		int r = -errno;
		_cleanup_free_ char *e = kw_escape_str(dir);
		kw_errf(err, errlen, "%s: %s", e ? e : "?", kw_strerror(r));
		return r;
	}
	/* read it once now, so a broken block shows up at start rather than at the first ban */
	if (flock(a->hd_dfd, LOCK_SH) < 0)
		return -errno;
	struct hd_file f;
	int r = hd_load(a, &f, err, errlen);
	hd_file_release(&f);
	flock(a->hd_dfd, LOCK_UN);
	return r;
}

/* ---- command ---- */

/* One template element with %a %t %r %% replaced (any other % stays as it is). */
static char *expand(const char *tpl, const char *addr, uint64_t t, const char *rule)
{
	kw_sb sb;
	kw_sb_init(&sb);
	for (const char *p = tpl; *p; p++) {
		if (p[0] != '%' || !p[1]) {
			kw_sb_putc(&sb, *p);
			continue;
		}
		switch (p[1]) {
		case 'a': kw_sb_puts(&sb, addr); p++; break;
		case 't': kw_sb_printf(&sb, "%llu", (unsigned long long)t); p++; break;
		case 'r': kw_sb_puts(&sb, rule ? rule : ""); p++; break;
		case '%': kw_sb_putc(&sb, '%'); p++; break;
		default: kw_sb_putc(&sb, '%'); break;
		}
	}
	if (sb.overflow) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}

static int cmd_run(char **tpl, const char *what, const char *addr, uint64_t t, const char *rule,
		   char *err, size_t errlen)
{
	size_t n = 0;
	while (tpl[n])
		n++;
	char **argv = calloc(n + 1, sizeof *argv);
	if (!argv)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if (!(argv[i] = expand(tpl[i], addr, t, rule)))
			r = -ENOMEM;
	if (r == 0)
		r = run_checked(argv, what, err, errlen);
	argv_free(argv);
	return r;
}

static int cmd_open(kw_gaction *a, const kw_gconf *conf, char *err, size_t errlen)
{
	if (!conf->ban_command || !conf->ban_command[0] || !conf->ban_command[0][0]) {
		kw_errf(err, errlen, "action command needs ban_command");
		return KW_E_USAGE;
	}
	a->ban_argv = argv_dup(conf->ban_command);
	if (!a->ban_argv)
		return -ENOMEM;
	if (conf->unban_command && conf->unban_command[0] && conf->unban_command[0][0]) {
		a->unban_argv = argv_dup(conf->unban_command);
		if (!a->unban_argv)
			return -ENOMEM;
	}
	return 0;
}

/* ---- the interface ---- */

void kw_gaction_close(kw_gaction *a)
{
	if (!a)
		return;
	if (a->nft)
		nft_ctx_free(a->nft);
	if (a->hd_dfd >= 0)
		close(a->hd_dfd);
	free(a->hd_name);
	free(a->hd_path);
	free(a->hd_v);
	argv_free(a->ban_argv);
	argv_free(a->unban_argv);
	free(a);
}

int kw_gaction_open(const kw_gconf *conf, kw_gaction **out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	if (!conf)
		return -EINVAL;
	kw_gaction *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->hd_dfd = -1;
	a->kind = conf->action;
	int r;
	switch (conf->action) {
	case KW_GACT_NFT: r = nft_open(a, conf, err, errlen); break;
	case KW_GACT_IPSET: r = ipset_open(a, conf, err, errlen); break;
	case KW_GACT_HOSTS_DENY: r = hd_open(a, conf, err, errlen); break;
	case KW_GACT_COMMAND: r = cmd_open(a, conf, err, errlen); break;
	case KW_GACT_NONE: r = 0; break;
	default:
		kw_errf(err, errlen, "unknown action");
		r = KW_E_USAGE;
		break;
	}
	if (r < 0) {
		kw_gaction_close(a);
		return r;
	}
	*out = a;
	return 0;
}

/* Shared start of ban and unban: clear err, check the handle and the prefix, and make
 * keyward's canonical text of it (the only address text that leaves keyward). */
static int begin_change(kw_gaction *a, const kw_cidr *prefix, kw_cidr *c, char text[KW_CIDR_STRLEN],
			char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!a)
		return -EINVAL;
	return check_prefix(prefix, c, text, err, errlen);
}

int kw_gaction_ban(kw_gaction *a, const kw_cidr *prefix, uint64_t timeout_s, const char *rule,
		   char *err, size_t errlen)
{
	kw_cidr c;
	char text[KW_CIDR_STRLEN];
	int r = begin_change(a, prefix, &c, text, err, errlen);
	if (r < 0)
		return r;
	switch (a->kind) {
	case KW_GACT_NFT: return nft_ban(a, &c, text, timeout_s, err, errlen);
	case KW_GACT_IPSET: return ipset_ban(a, &c, text, timeout_s, err, errlen);
	case KW_GACT_HOSTS_DENY: return hd_change(a, HD_BAN, &c, err, errlen);
	case KW_GACT_COMMAND:
		return cmd_run(a->ban_argv, "ban_command", text, timeout_s, rule, err, errlen);
	default: return 0;
	}
}

int kw_gaction_unban(kw_gaction *a, const kw_cidr *prefix, char *err, size_t errlen)
{
	kw_cidr c;
	char text[KW_CIDR_STRLEN];
	int r = begin_change(a, prefix, &c, text, err, errlen);
	if (r < 0)
		return r;
	switch (a->kind) {
	case KW_GACT_NFT: return nft_unban(a, &c, text, err, errlen);
	case KW_GACT_IPSET: return ipset_unban(a, &c, text, err, errlen);
	case KW_GACT_HOSTS_DENY: return hd_change(a, HD_UNBAN, &c, err, errlen);
	case KW_GACT_COMMAND:
		if (!a->unban_argv)
			return 0;
		return cmd_run(a->unban_argv, "unban_command", text, 0, NULL, err, errlen);
	default: return 0;
	}
}

int kw_gaction_teardown(kw_gaction *a, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!a)
		return -EINVAL;
	switch (a->kind) {
	case KW_GACT_NFT: return nft_teardown(a, err, errlen);
	case KW_GACT_IPSET: return ipset_teardown(a, err, errlen);
	case KW_GACT_HOSTS_DENY: return hd_change(a, HD_CLEAR, NULL, err, errlen);
	default: return 0;
	}
}
