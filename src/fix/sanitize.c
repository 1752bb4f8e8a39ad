/* sanitize.c — the plan that removes preset logon credentials and per-instance state
 * from an image root (see sanitize.h). Read-only: every change is an action in a kw_plan.
 *
 * Research: ../shared/research/image-hygiene.md sections 1 (what virt-sysprep, cloud-init
 * clean and waagent do and miss) and 2 (the checklist and what must not be broken).
 */
#include "fix/sanitize.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OP_PASSWORDS, OP_PASSWD_BACKUPS, OP_AUTHORIZED_KEYS, OP_HISTORIES, OP_PRIVATE_KEYS,
	OP_ENCRYPTED_KEYS, OP_CREDENTIALS, OP_HOST_KEYS, OP_MACHINE_ID, OP_HOST_SECRETS,
	OP_CLOUD_INIT, OP_CLOUD_INIT_SEED, OP_DHCP, OP_TMP, OP_LOGS, OP_REMOVE_USER,
	OP__COUNT
};

const kw_sanitize_op kw_sanitize_ops[] = {
	[OP_PASSWORDS] = { "passwords", true, "/etc/shadow, /etc/passwd, /etc/gshadow",
		"every usable, empty or locked-with-hash password field becomes '*' (no password; "
		"--password-lock: '!', a locked account); root included; other fields byte-identical" },
	[OP_PASSWD_BACKUPS] = { "passwd-backups", true,
		"/etc/{passwd,shadow,group,gshadow,subuid,subgid}-, /var/backups/*.bak of those",
		"removed: they keep the old hashes" },
	[OP_AUTHORIZED_KEYS] = { "authorized-keys", true,
		"every AuthorizedKeysFile of every account (as sshd expands it), /root and /home/*",
		"emptied in place (owner and mode kept); --keep-key FINGERPRINT keeps named keys" },
	[OP_HISTORIES] = { "histories", true, "shell, REPL and database histories in every home",
		"removed" },
	[OP_PRIVATE_KEYS] = { "private-keys", true, "unencrypted private keys in homes and elsewhere",
		"removed" },
	[OP_ENCRYPTED_KEYS] = { "encrypted-keys", false, "passphrase-protected private keys",
		"removed (they can be brute-forced offline)" },
	[OP_CREDENTIALS] = { "credentials", true,
		"cloud CLI, docker, kube, netrc, git and other credential files the audit finds",
		"removed" },
	[OP_HOST_KEYS] = { "host-keys", true, "/etc/ssh/ssh_host_*_key{,.pub,-cert.pub}",
		"removed; the plan says whether the image regenerates them at first boot" },
	[OP_MACHINE_ID] = { "machine-id", true, "/etc/machine-id, /var/lib/dbus/machine-id",
		"/etc/machine-id emptied (the file stays; systemd makes a new id at first boot); a "
		"regular /var/lib/dbus/machine-id removed (systemd would fall back to it)" },
	[OP_HOST_SECRETS] = { "host-secrets", true,
		"/var/lib/systemd/{random-seed,credential.secret}, /var/lib/NetworkManager/secret_key",
		"removed (regenerated at boot)" },
	[OP_CLOUD_INIT] = { "cloud-init", true,
		"/var/lib/cloud/* except seed/, /var/log/cloud-init*.log",
		"removed, like `cloud-init clean --logs`: a clone provisions itself again" },
	[OP_CLOUD_INIT_SEED] = { "cloud-init-seed", false, "/var/lib/cloud/seed",
		"removed (NoCloud images may need it: off by default)" },
	[OP_DHCP] = { "dhcp-leases", true, "DHCP client leases (/var/lib/dhcp, dhclient, dhcpcd, "
		"NetworkManager)", "removed" },
	[OP_TMP] = { "tmp", true, "/tmp, /var/tmp", "emptied (the folders stay)" },
	[OP_LOGS] = { "logs", false, "every file under /var/log",
		"wtmp, btmp, lastlog, faillog emptied; other log files removed; folders kept" },
	[OP_REMOVE_USER] = { "remove-user", false, "with --remove-user NAME only",
		"the account's lines in passwd, shadow, group, gshadow, subuid, subgid, its private "
		"group, its home, mail spool and crontab; never root or a system account" },
};
const size_t kw_sanitize_n_ops = OP__COUNT;

#define MAX_ACCOUNT_FILE ((size_t)64 << 20)

uint64_t kw_sanitize_default_ops(void)
{
	uint64_t m = 0;
	for (size_t i = 0; i < OP__COUNT; i++)
		if (kw_sanitize_ops[i].default_on)
			m |= (uint64_t)1 << i;
	return m;
}

int kw_sanitize_parse_ops(const char *list, uint64_t *ret_mask, const char **ret_bad,
			  size_t *ret_bad_len)
{
	uint64_t m = 0;
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		bool found = false;
		if (l == 3 && !strncmp(p, "all", 3)) {
			m |= ((uint64_t)1 << OP__COUNT) - 1;
			found = true;
		} else if (l == 8 && !strncmp(p, "defaults", 8)) {
			m |= kw_sanitize_default_ops();
			found = true;
		}
		for (size_t i = 0; i < OP__COUNT && !found; i++)
			if (strlen(kw_sanitize_ops[i].name) == l && !strncmp(p, kw_sanitize_ops[i].name, l)) {
				m |= (uint64_t)1 << i;
				found = true;
			}
		if (!found && l > 0) {
			*ret_bad = p;
			*ret_bad_len = l;
			return KW_E_USAGE;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	*ret_mask = m;
	return 0;
}

/* ---- small helpers ---- */

typedef struct ctx {
	kw_target *t;
	const kw_facts *f;
	const kw_sanitize_opts *o;
	kw_plan *p;
	kw_diags *d;
	int err;       /* first fatal error (ENOMEM) */
} ctx;

static bool on(const ctx *c, int op) { return (c->o->ops >> op) & 1; }

static void fail(ctx *c, int r)
{
	if (r < 0 && c->err == 0)
		c->err = r;
}

static char *join(const char *dir, const char *name)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return s;
}

/* The entry itself (not following a last symlink): type, or KW_FT_NONE. */
static kw_ftype ltype(ctx *c, const char *path, kw_stat *st)
{
	kw_stat s;
	if (kw_target_lstat(c->t, path, &s) < 0)
		return KW_FT_NONE;
	if (st)
		*st = s;
	return s.type;
}

static void remove_path(ctx *c, int op, const char *path, const char *why)
{
	if (kw_plan_has(c->p, path))
		return;
	fail(c, kw_plan_remove(c->p, kw_sanitize_ops[op].name, KW_ACT_REMOVE, path, 1, 0, why));
}

typedef struct tally { uint64_t files, bytes; } tally;

static int tally_fn(void *vctx, const char *path, const kw_stat *st, int kind)
{
	(void)path;
	(void)kind;
	tally *t = vctx;
	t->files++;
	t->bytes += st->size;
	return 0;
}

static void remove_tree(ctx *c, int op, const char *path, bool keep_top, const char *why)
{
	if (kw_plan_has(c->p, path))
		return;
	tally t = { 0 };
	kw_walk_opts wo = { 0 };
	kw_target_walk(c->t, path, &wo, tally_fn, &t, NULL);
	fail(c, kw_plan_remove(c->p, kw_sanitize_ops[op].name,
			       keep_top ? KW_ACT_EMPTY_TREE : KW_ACT_REMOVE_TREE, path, t.files,
			       t.bytes, why));
}

/* Remove whatever the entry is: a folder as a tree, anything else as itself. */
static void remove_any(ctx *c, int op, const char *path, const char *why)
{
	kw_ftype ty = ltype(c, path, NULL);
	if (ty == KW_FT_DIR)
		remove_tree(c, op, path, false, why);
	else if (ty != KW_FT_NONE)
		remove_path(c, op, path, why);
}

static int read_whole(ctx *c, const char *path, kw_file *f, bool *exists)
{
	*exists = false;
	kw_stat st;
	kw_ftype ty = ltype(c, path, &st);
	if (ty == KW_FT_NONE)
		return 0;
	int r = kw_target_read(c->t, path, MAX_ACCOUNT_FILE, f);
	if (r < 0)
		return r;
	if (f->truncated) {
		kw_file_release(f);
		return KW_E_TOOBIG;
	}
	*exists = true;
	return 0;
}

/* ---- colon files: passwd, shadow, group, gshadow, subuid, subgid ---- */

typedef enum { L_KEEP, L_REPLACED, L_DELETE } line_verdict;
typedef line_verdict (*line_fn)(void *vctx, kw_buf line, kw_sb *out);

/* Rewrite data line by line; the bytes of kept lines are copied as they are. */
static int edit_lines(const uint8_t *data, size_t len, line_fn fn, void *vctx, kw_sb *out)
{
	size_t i = 0;
	while (i < len) {
		const uint8_t *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;
		kw_buf line = kw_buf_view(data + i, end - i);
		size_t mark = out->len;
		line_verdict v = fn(vctx, line, out);
		if (v == L_KEEP) {
			out->len = mark;
			kw_sb_put(out, data + i, end - i);
		}
		if (v != L_DELETE && nl)
			kw_sb_putc(out, '\n');
		if (v == L_DELETE)
			out->len = mark;
		i = nl ? end + 1 : len;
	}
	return out->overflow ? -ENOMEM : 0;
}

/* Field k (0-based) of a colon line; false if the line has fewer fields. */
static bool field(kw_buf line, unsigned k, size_t *ret_off, size_t *ret_len)
{
	size_t off = 0;
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *c = memchr(line.p + off, ':', line.len - off);
		if (!c)
			return false;
		off = (size_t)(c - line.p) + 1;
	}
	const uint8_t *c = memchr(line.p + off, ':', line.len - off);
	*ret_off = off;
	*ret_len = c ? (size_t)(c - line.p) - off : line.len - off;
	return true;
}

static bool field_is(kw_buf line, unsigned k, const char *s)
{
	size_t off, l;
	return field(line, k, &off, &l) && l == strlen(s) && memcmp(line.p + off, s, l) == 0;
}

/* Replace field k with s. */
static void put_with_field(kw_sb *out, kw_buf line, size_t off, size_t l, const char *s)
{
	kw_sb_put(out, line.p, off);
	kw_sb_puts(out, s);
	kw_sb_put(out, line.p + off + l, line.len - off - l);
}

typedef struct acct_file {
	const char *path;
	unsigned kind;         /* AF_* */
	bool exists;
	kw_file orig;
	uint8_t *cur;          /* current content after the edits so far (owned) */
	size_t cur_len;
	char ops[64];          /* operations that changed it */
	kw_sb why;
} acct_file;

enum { AF_PASSWD, AF_SHADOW, AF_GROUP, AF_GSHADOW, AF_SUBUID, AF_SUBGID, AF__COUNT };
static const char *const af_paths[AF__COUNT] = {
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/subuid", "/etc/subgid",
};

/* Make out (an edit of a->cur) the file's current content, noting op and why. Nothing
 * happens when out equals the current content. out is released. */
static int af_commit(acct_file *a, int op, kw_sb *out, const char *why)
{
	if (out->overflow) {
		kw_sb_release(out);
		return -ENOMEM;
	}
	if (out->len == a->cur_len && memcmp(out->s ? out->s : "", a->cur, out->len) == 0) {
		kw_sb_release(out);
		return 0;
	}
	free(a->cur);
	a->cur_len = out->len;
	a->cur = (uint8_t *)kw_sb_detach(out);
	if (!a->cur)
		return -ENOMEM;
	const char *name = kw_sanitize_ops[op].name;
	if (!strstr(a->ops, name)) {
		size_t l = strlen(a->ops);
		snprintf(a->ops + l, sizeof a->ops - l, "%s%s", l ? "+" : "", name);
	}
	if (a->why.len)
		kw_sb_puts(&a->why, "; ");
	kw_sb_puts(&a->why, why);
	return a->why.overflow ? -ENOMEM : 0;
}

/* Edit the file line by line with fn and commit the result. */
static int af_apply(acct_file *a, int op, line_fn fn, void *vctx, const char *why)
{
	if (!a->exists)
		return 0;
	kw_sb out;
	kw_sb_init(&out);
	int r = edit_lines(a->cur, a->cur_len, fn, vctx, &out);
	if (r < 0) {
		kw_sb_release(&out);
		return r;
	}
	return af_commit(a, op, &out, why);
}

/* passwords: which names changed, for the plan line */
typedef struct pw_ctx {
	const ctx *c;
	const char *repl;       /* "*" or "!" */
	unsigned k;             /* the password field */
	bool passwd;            /* /etc/passwd: "x" when a shadow entry exists */
	bool gshadow;           /* group passwords: "!" */
	kw_sb names;
	unsigned n;
} pw_ctx;

static bool has_shadow_entry(const kw_facts *f, kw_buf name)
{
	for (size_t i = 0; i < f->n_accounts; i++)
		if (f->accounts[i].has_shadow && kw_buf_eq(&name, f->accounts[i].name))
			return true;
	return false;
}

static line_verdict pw_line(void *vctx, kw_buf line, kw_sb *out)
{
	pw_ctx *x = vctx;
	size_t off, l, noff, nl;
	if (line.len == 0 || line.p[0] == '#' || line.p[0] == '+' || line.p[0] == '-' ||
	    !field(line, x->k, &off, &l) || !field(line, 0, &noff, &nl))
		return L_KEEP;
	kw_pw_info pi;
	kw_pw_classify(kw_buf_view(line.p + off, l), &pi);
	if (pi.state != KW_PW_EMPTY && pi.state != KW_PW_HASH && pi.state != KW_PW_LOCKED)
		return L_KEEP;
	if (x->gshadow && pi.state == KW_PW_EMPTY)
		return L_KEEP; /* an empty group password only lets members newgrp */
	const char *repl = x->repl;
	kw_buf name = kw_buf_view(line.p + noff, nl);
	if (x->passwd)
		repl = has_shadow_entry(x->c->f, name) ? "x" : "*";
	else if (x->gshadow)
		repl = "!";
	put_with_field(out, line, off, l, repl);
	if (x->n < 5) {
		if (x->names.len)
			kw_sb_puts(&x->names, ", ");
		kw_sb_put(&x->names, name.p, name.len);
	}
	x->n++;
	return L_REPLACED;
}

static int op_passwords(ctx *c, acct_file *af)
{
	static const struct { unsigned af, k; bool passwd, gshadow; const char *what; } t[] = {
		{ AF_SHADOW, 1, false, false, "password" },
		{ AF_PASSWD, 1, true, false, "password stored in passwd" },
		{ AF_GSHADOW, 1, false, true, "group password" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(t); i++) {
		pw_ctx x = { .c = c, .repl = c->o->password_lock ? "!" : "*", .k = t[i].k,
			     .passwd = t[i].passwd, .gshadow = t[i].gshadow };
		kw_sb_init(&x.names);
		acct_file *a = &af[t[i].af];
		kw_sb out;
		kw_sb_init(&out);
		int r = a->exists ? edit_lines(a->cur, a->cur_len, pw_line, &x, &out) : 0;
		if (r == 0 && x.n) {
			char why[512];
			snprintf(why, sizeof why, "%s %u %s%s (%.*s%s)",
				 t[i].gshadow || t[i].passwd ? "clear" : c->o->password_lock ? "lock" : "remove",
				 x.n, t[i].what, x.n == 1 ? "" : "s", (int)x.names.len,
				 x.names.s ? x.names.s : "", x.n > 5 ? ", ..." : "");
			r = af_commit(a, OP_PASSWORDS, &out, why);
		}
		kw_sb_release(&out);
		kw_sb_release(&x.names);
		if (r < 0)
			return r;
	}
	return 0;
}

/* remove-user */
typedef struct ru_ctx {
	const char *name;
	uint32_t gid;          /* the user's primary group: deleted when private */
	bool drop_group;
	unsigned member_field; /* group: 3; gshadow: 2 (admins) and 3 (members) */
	bool gshadow;
} ru_ctx;

static line_verdict ru_first_field(void *vctx, kw_buf line, kw_sb *out)
{
	(void)out;
	ru_ctx *x = vctx;
	return field_is(line, 0, x->name) ? L_DELETE : L_KEEP;
}

/* Remove name from a comma list field; true if it was there. */
static bool strip_member(kw_buf line, unsigned k, const char *name, kw_sb *out, kw_buf *rest)
{
	size_t off, l;
	if (!field(line, k, &off, &l))
		return false;
	bool found = false;
	kw_sb_put(out, rest->p, (size_t)(line.p + off - rest->p));
	const uint8_t *p = line.p + off, *end = p + l;
	bool first = true;
	while (p < end) {
		const uint8_t *c = memchr(p, ',', (size_t)(end - p));
		size_t ml = c ? (size_t)(c - p) : (size_t)(end - p);
		if (ml == strlen(name) && memcmp(p, name, ml) == 0)
			found = true;
		else if (ml) {
			if (!first)
				kw_sb_putc(out, ',');
			kw_sb_put(out, p, ml);
			first = false;
		}
		p += ml + (c != NULL);
	}
	*rest = kw_buf_view(end, (size_t)(line.p + line.len - end));
	return found;
}

static line_verdict ru_group_line(void *vctx, kw_buf line, kw_sb *out)
{
	ru_ctx *x = vctx;
	if (line.len == 0 || line.p[0] == '#')
		return L_KEEP;
	if (x->drop_group && field_is(line, 0, x->name))
		return L_DELETE;
	kw_buf rest = line;
	bool found = false;
	if (x->gshadow)
		found |= strip_member(line, 2, x->name, out, &rest);
	found |= strip_member(line, 3, x->name, out, &rest);
	kw_sb_put(out, rest.p, rest.len);
	return found ? L_REPLACED : L_KEEP;
}

static const char *const never_homes[] = {
	"/", "/root", "/home", "/usr", "/var", "/etc", "/bin", "/sbin", "/lib", "/lib64",
	"/tmp", "/var/tmp", "/srv", "/opt", "/boot", "/dev", "/proc", "/sys", "/run",
	"/nonexistent", "/var/lib", "/var/spool", "/var/mail", "/usr/local",
};

static int op_remove_user(ctx *c, acct_file *af, const char *name)
{
	const kw_facts *f = c->f;
	const kw_account *acc = NULL;
	for (size_t i = 0; i < f->n_accounts; i++)
		if (!strcmp(f->accounts[i].name, name))
			acc = &f->accounts[i];
	uint32_t umin = f->logindefs.uid_min ? f->logindefs.uid_min : 1000;
	uint32_t umax = f->logindefs.uid_max ? f->logindefs.uid_max : 60000;
	if (!acc) {
		kw_diags_add(c->d, "/etc/passwd", 0, KW_E_REFUSED,
			     "--remove-user %s: no such account in the image", name);
		return KW_E_REFUSED;
	}
	if (acc->uid == 0 || !strcmp(name, "root") || acc->uid < umin || acc->uid > umax) {
		kw_diags_add(c->d, "/etc/passwd", acc->passwd_line, KW_E_REFUSED,
			     "--remove-user %s: uid %u is %s (UID_MIN %u, UID_MAX %u from "
			     "login.defs): system accounts and root are never removed", name,
			     acc->uid, acc->uid == 0 ? "root's" : "outside the range of user accounts",
			     umin, umax);
		return KW_E_REFUSED;
	}
	/* the private group: same name, the user's primary gid, no other members */
	bool drop_group = false;
	for (size_t i = 0; i < f->groups.n; i++) {
		const kw_group_ent *g = &f->groups.v[i];
		if (!strcmp(g->name, name) && g->gid == acc->gid &&
		    (g->n_members == 0 || (g->n_members == 1 && !strcmp(g->members[0], name)))) {
			drop_group = true;
			for (size_t k = 0; k < f->n_accounts; k++)
				if (&f->accounts[k] != acc && f->accounts[k].gid == g->gid)
					drop_group = false; /* another account's primary group */
		}
	}
	char why[300];
	snprintf(why, sizeof why, "remove user %s", name);
	ru_ctx x = { .name = name, .gid = acc->gid, .drop_group = drop_group };
	static const unsigned first_field_files[] = { AF_PASSWD, AF_SHADOW, AF_SUBUID, AF_SUBGID };
	int r = 0;
	for (size_t i = 0; i < KW_ARRAY_LEN(first_field_files) && r == 0; i++)
		r = af_apply(&af[first_field_files[i]], OP_REMOVE_USER, ru_first_field, &x, why);
	if (r == 0)
		r = af_apply(&af[AF_GROUP], OP_REMOVE_USER, ru_group_line, &x, why);
	x.gshadow = true;
	if (r == 0)
		r = af_apply(&af[AF_GSHADOW], OP_REMOVE_USER, ru_group_line, &x, why);
	if (r < 0)
		return r;

	/* the home, unless it is a system folder or another account's too */
	const char *home = acc->home;
	bool home_ok = home && home[0] == '/' && home[1];
	for (size_t i = 0; i < KW_ARRAY_LEN(never_homes) && home_ok; i++)
		if (!strcmp(home, never_homes[i]))
			home_ok = false;
	for (size_t i = 0; i < f->n_accounts && home_ok; i++)
		if (&f->accounts[i] != acc && f->accounts[i].home && !strcmp(f->accounts[i].home, home))
			home_ok = false;
	if (home_ok)
		remove_any(c, OP_REMOVE_USER, home, why);
	else if (home)
		kw_plan_note(c->p, "--remove-user %s: the home %s is a system folder or shared; "
			     "not removed", name, home);
	static const char *const spools[] = { "/var/mail", "/var/spool/mail",
					      "/var/spool/cron/crontabs", "/var/spool/cron" };
	for (size_t i = 0; i < KW_ARRAY_LEN(spools); i++) {
		_cleanup_free_ char *p = join(spools[i], name);
		if (!p)
			return -ENOMEM;
		kw_ftype ty = ltype(c, p, NULL);
		if (ty == KW_FT_REG || ty == KW_FT_LNK)
			remove_path(c, OP_REMOVE_USER, p, why);
	}
	for (size_t i = 0; i < f->n_sudo; i++)
		if (f->sudo[i].who && !strcmp(f->sudo[i].who, name))
			kw_plan_note(c->p, "%s:%u grants sudo to %s: edit it by hand (visudo -f)",
				     f->sudo[i].file, f->sudo[i].line, name);
	return 0;
}

static int accounts_ops(ctx *c)
{
	bool want = on(c, OP_PASSWORDS) || c->o->n_remove_users > 0;
	if (!want)
		return 0;
	acct_file af[AF__COUNT];
	memset(af, 0, sizeof af);
	int r = 0;
	for (unsigned i = 0; i < AF__COUNT && r == 0; i++) {
		af[i].path = af_paths[i];
		af[i].kind = i;
		kw_sb_init(&af[i].why);
		r = read_whole(c, af[i].path, &af[i].orig, &af[i].exists);
		if (r == KW_E_TOOBIG || r == KW_E_NOTREG) {
			kw_plan_note(c->p, "%s is not a regular file under 64 MiB: not edited", af[i].path);
			r = 0;
		}
		if (r == 0 && af[i].exists) {
			af[i].cur = malloc(af[i].orig.len + 1);
			if (!af[i].cur)
				r = -ENOMEM;
			else {
				memcpy(af[i].cur, af[i].orig.data, af[i].orig.len);
				af[i].cur_len = af[i].orig.len;
			}
		}
	}
	if (r == 0 && on(c, OP_PASSWORDS))
		r = op_passwords(c, af);
	int refused = 0;
	for (size_t i = 0; i < c->o->n_remove_users && r == 0; i++) {
		int rr = op_remove_user(c, af, c->o->remove_users[i]);
		if (rr == KW_E_REFUSED)
			refused = rr;
		else
			r = rr;
	}
	for (unsigned i = 0; i < AF__COUNT && r == 0; i++) {
		acct_file *a = &af[i];
		if (!a->exists || !a->ops[0])
			continue;
		bool secret = i == AF_SHADOW || i == AF_GSHADOW || i == AF_PASSWD;
		r = kw_plan_replace(c->p, a->ops, a->path, a->orig.data, a->orig.len, true, a->cur,
				    a->cur_len, -1, secret ? KW_REDACT_SHADOW : KW_REDACT_NONE,
				    a->why.s ? a->why.s : "");
	}
	for (unsigned i = 0; i < AF__COUNT; i++) {
		kw_file_release(&af[i].orig);
		free(af[i].cur);
		kw_sb_release(&af[i].why);
	}
	return r < 0 ? r : refused;
}

static void op_passwd_backups(ctx *c)
{
	static const char *const files[] = {
		"/etc/passwd-", "/etc/shadow-", "/etc/group-", "/etc/gshadow-", "/etc/subuid-",
		"/etc/subgid-", "/var/backups/passwd.bak", "/var/backups/shadow.bak",
		"/var/backups/group.bak", "/var/backups/gshadow.bak",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(files); i++) {
		kw_ftype ty = ltype(c, files[i], NULL);
		if (ty == KW_FT_REG || ty == KW_FT_LNK)
			remove_path(c, OP_PASSWD_BACKUPS, files[i], "backup of an account file");
	}
}

/* ---- authorized keys ---- */

static bool keep_key(const ctx *c, const char *fp)
{
	for (size_t i = 0; i < c->o->n_keep_keys; i++)
		if (!strcmp(c->o->keep_keys[i], fp))
			return true;
	return false;
}

static int op_authorized_keys(ctx *c)
{
	for (size_t i = 0; i < c->f->n_keyfiles; i++) {
		const kw_keyfile *kf = &c->f->keyfiles[i];
		if (kw_plan_has(c->p, kf->path))
			continue;
		kw_file fl = { 0 };
		bool exists;
		int r = read_whole(c, kf->path, &fl, &exists);
		if (r < 0 || !exists) {
			if (r == -ENOMEM)
				return r;
			if (r < 0)
				kw_plan_note(c->p, "%s: cannot read (%s); not emptied", kf->path,
					     kw_strerror(r));
			continue;
		}
		/* keep the lines of kept keys, byte for byte */
		kw_sb out;
		kw_sb_init(&out);
		unsigned kept = 0, removed = 0;
		size_t off = 0;
		unsigned lineno = 0;
		while (off < fl.len) {
			const uint8_t *nl = memchr(fl.data + off, '\n', fl.len - off);
			size_t end = nl ? (size_t)(nl - fl.data) : fl.len;
			lineno++;
			for (size_t k = 0; k < kf->keys.n; k++) {
				if (kf->keys.v[k].line != lineno)
					continue;
				if (keep_key(c, kf->keys.v[k].key.fp)) {
					kw_sb_put(&out, fl.data + off, end - off);
					kw_sb_putc(&out, '\n');
					kept++;
				} else
					removed++;
			}
			off = nl ? end + 1 : fl.len;
		}
		if (out.overflow) {
			kw_sb_release(&out);
			kw_file_release(&fl);
			return -ENOMEM;
		}
		bool same = out.len == fl.len && (out.len == 0 || !memcmp(out.s, fl.data, out.len));
		if (!same) {
			char why[200];
			if (kept)
				snprintf(why, sizeof why, "%u key%s removed, %u kept (--keep-key)%s%s",
					 removed, removed == 1 ? "" : "s", kept,
					 kf->account ? " for " : "", kf->account ? kf->account : "");
			else
				snprintf(why, sizeof why, "%u key%s removed%s%s", removed,
					 removed == 1 ? "" : "s", kf->account ? " for " : "",
					 kf->account ? kf->account : "");
			r = kw_plan_replace(c->p, "authorized-keys", kf->path, fl.data, fl.len, true,
					    (const uint8_t *)(out.s ? out.s : ""), out.len, -1,
					    KW_REDACT_NONE, why);
		}
		kw_sb_release(&out);
		kw_file_release(&fl);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- artifacts ---- */

static void op_artifacts(ctx *c)
{
	for (size_t i = 0; i < c->f->n_artifacts && !c->err; i++) {
		const kw_artifact *a = &c->f->artifacts[i];
		char why[256];
		if (a->kind == KW_ART_HISTORY)
			snprintf(why, sizeof why, "history%s%s", a->account ? " of " : "",
				 a->account ? a->account : "");
		else
			snprintf(why, sizeof why, "%s%s%s%s", a->detail ? a->detail : "",
				 a->account ? " (" : "", a->account ? a->account : "",
				 a->account ? ")" : "");
		switch (a->kind) {
		case KW_ART_HISTORY:
			if (on(c, OP_HISTORIES))
				remove_path(c, OP_HISTORIES, a->path, why);
			break;
		case KW_ART_PRIVATE_KEY:
			if (on(c, a->privkey.encrypted ? OP_ENCRYPTED_KEYS : OP_PRIVATE_KEYS))
				remove_path(c, a->privkey.encrypted ? OP_ENCRYPTED_KEYS : OP_PRIVATE_KEYS,
					    a->path, kw_privkey_format_name(a->privkey.format));
			break;
		case KW_ART_CREDENTIAL:
			if (on(c, OP_CREDENTIALS))
				remove_path(c, OP_CREDENTIALS, a->path, why);
			break;
		case KW_ART_HOST_KEY:
			if (on(c, OP_HOST_KEYS)) {
				remove_path(c, OP_HOST_KEYS, a->path, "host private key");
				static const char *const sfx[] = { ".pub", "-cert.pub" };
				for (size_t k = 0; k < 2; k++) {
					_cleanup_free_ char *p2 = NULL;
					if (asprintf(&p2, "%s%s", a->path, sfx[k]) < 0) {
						fail(c, -ENOMEM);
						break;
					}
					kw_ftype ty = ltype(c, p2, NULL);
					if (ty == KW_FT_REG || ty == KW_FT_LNK)
						remove_path(c, OP_HOST_KEYS, p2, "host public key");
				}
			}
			break;
		case KW_ART_MACHINE_ID:
			if (on(c, OP_MACHINE_ID) && !kw_plan_has(c->p, a->path)) {
				kw_file fl = { 0 };
				bool ex;
				int r = read_whole(c, a->path, &fl, &ex);
				if (r == 0 && ex && fl.len)
					r = kw_plan_replace(c->p, "machine-id", a->path, fl.data, fl.len,
							    true, (const uint8_t *)"", 0, -1,
							    KW_REDACT_NONE, "empty: a new id at first boot");
				kw_file_release(&fl);
				if (r == -ENOMEM)
					fail(c, r);
			}
			break;
		case KW_ART_DBUS_MACHINE_ID:
			if (on(c, OP_MACHINE_ID))
				remove_path(c, OP_MACHINE_ID, a->path,
					    "regular file: systemd would reuse it as the machine id");
			break;
		case KW_ART_CREDENTIAL_SECRET:
		case KW_ART_RANDOM_SEED:
			if (on(c, OP_HOST_SECRETS))
				remove_path(c, OP_HOST_SECRETS, a->path, "per-host secret");
			break;
		case KW_ART_DHCP_LEASE:
			if (on(c, OP_DHCP))
				remove_path(c, OP_DHCP, a->path, "lease");
			break;
		case KW_ART_CLOUD_PASSWORD:
			if (!strncmp(a->path, "/var/lib/cloud/", 15))
				break; /* the cloud-init operations remove it */
			kw_plan_note(c->p, "%s sets passwords or password logins for new instances: "
				     "edit it by hand (sanitize does not edit cloud-init "
				     "configuration)", a->path);
			break;
		case KW_ART_CLOUD_INSTANCE:
		case KW_ART_DEEP_SECRET:
		case KW_ART__COUNT:
			break;
		}
	}
}

static void op_host_secrets_extra(ctx *c)
{
	static const char *const files[] = { "/var/lib/NetworkManager/secret_key" };
	for (size_t i = 0; i < KW_ARRAY_LEN(files); i++)
		if (ltype(c, files[i], NULL) == KW_FT_REG)
			remove_path(c, OP_HOST_SECRETS, files[i], "per-host secret");
}

/* ---- folders ---- */

static void op_cloud_init(ctx *c)
{
	const char *dir = "/var/lib/cloud";
	if (ltype(c, dir, NULL) == KW_FT_DIR) {
		kw_dirent *d = NULL;
		size_t n = 0;
		if (kw_target_list(c->t, dir, &d, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				bool seed = !strcmp(d[i].name, "seed");
				if (seed ? !on(c, OP_CLOUD_INIT_SEED) : !on(c, OP_CLOUD_INIT))
					continue;
				_cleanup_free_ char *p = join(dir, d[i].name);
				if (!p) {
					fail(c, -ENOMEM);
					break;
				}
				remove_any(c, seed ? OP_CLOUD_INIT_SEED : OP_CLOUD_INIT, p,
					   seed ? "NoCloud seed (user-data may hold passwords)"
						: "per-instance state");
			}
			kw_dirents_free(d, n);
		}
	}
	if (!on(c, OP_CLOUD_INIT))
		return;
	static const char *const logs[] = { "/var/log/cloud-init.log", "/var/log/cloud-init-output.log" };
	for (size_t i = 0; i < KW_ARRAY_LEN(logs); i++) {
		kw_ftype ty = ltype(c, logs[i], NULL);
		if (ty == KW_FT_REG || ty == KW_FT_LNK)
			remove_path(c, OP_CLOUD_INIT, logs[i], "echoes user-data and script output");
	}
}

static void op_tmp(ctx *c)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp" };
	for (size_t i = 0; i < KW_ARRAY_LEN(dirs); i++) {
		kw_ftype ty = ltype(c, dirs[i], NULL);
		if (ty == KW_FT_LNK) {
			kw_plan_note(c->p, "%s is a symbolic link: not emptied", dirs[i]);
			continue;
		}
		if (ty != KW_FT_DIR)
			continue;
		kw_dirent *d = NULL;
		size_t n = 0;
		if (kw_target_list(c->t, dirs[i], &d, &n) < 0)
			continue;
		kw_dirents_free(d, n);
		if (n)
			remove_tree(c, OP_TMP, dirs[i], true, "build leftovers");
	}
}

typedef struct log_walk { ctx *c; int err; } log_walk;

static int log_fn(void *vctx, const char *path, const kw_stat *st, int kind)
{
	(void)kind;
	log_walk *lw = vctx;
	ctx *c = lw->c;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	bool accounting = !strcmp(base, "wtmp") || !strcmp(base, "btmp") ||
			  !strcmp(base, "lastlog") || !strcmp(base, "faillog");
	if (kw_plan_has(c->p, path))
		return 0;
	if (!accounting) {
		remove_path(c, OP_LOGS, path, "log");
		return c->err;
	}
	if (st->size == 0)
		return 0;
	kw_file fl = { 0 };
	bool ex;
	int r = read_whole(c, path, &fl, &ex);
	if (r == 0 && ex)
		r = kw_plan_replace(c->p, "logs", path, fl.data, fl.len, true, (const uint8_t *)"",
				    0, -1, KW_REDACT_ALL, "login records emptied (the file stays)");
	else if (r == KW_E_TOOBIG)
		r = 0, remove_path(c, OP_LOGS, path, "login records (over 64 MiB: removed)");
	kw_file_release(&fl);
	return r == -ENOMEM ? r : 0;
}

static void op_logs(ctx *c)
{
	if (ltype(c, "/var/log", NULL) != KW_FT_DIR)
		return;
	log_walk lw = { .c = c };
	kw_walk_opts wo = { 0 };
	int r = kw_target_walk(c->t, "/var/log", &wo, log_fn, &lw, NULL);
	if (r == -ENOMEM)
		fail(c, r);
}

/* ---- host key regeneration ---- */

static bool file_has(ctx *c, const char *path, const char *const *needles, size_t n,
		     const char **which)
{
	kw_file fl = { 0 };
	if (kw_target_read(c->t, path, 1 << 20, &fl) < 0)
		return false;
	bool hit = false;
	for (size_t i = 0; i < n && !hit; i++)
		if (memmem(fl.data, fl.len, needles[i], strlen(needles[i]))) {
			hit = true;
			if (which)
				*which = needles[i];
		}
	kw_file_release(&fl);
	return hit;
}

bool kw_sanitize_hostkeys_regenerated(kw_target *t, char *how, size_t how_len)
{
	ctx c = { .t = t };
	/* cloud-init's ssh module generates missing keys of ssh_genkeytypes per instance */
	kw_stat st;
	if (kw_target_stat(t, "/etc/cloud/cloud.cfg", &st) == 0 && st.type == KW_FT_REG) {
		static const char *const ssh_mod[] = { "- ssh\n", "- ssh\r", "- [ssh" };
		static const char *const no_types[] = { "ssh_genkeytypes: []" };
		if (file_has(&c, "/etc/cloud/cloud.cfg", ssh_mod, 3, NULL) &&
		    !file_has(&c, "/etc/cloud/cloud.cfg", no_types, 1, NULL)) {
			snprintf(how, how_len, "cloud-init's ssh module (/etc/cloud/cloud.cfg) "
				 "generates them at the first boot of each instance");
			return true;
		}
	}
	static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/lib/systemd/system",
						  "/lib/systemd/system" };
	static const char *const cmds[] = { "ssh-keygen -A", "sshd-keygen",
					    "dpkg-reconfigure openssh-server",
					    "dpkg-reconfigure -fnoninteractive openssh-server" };
	for (size_t i = 0; i < KW_ARRAY_LEN(unit_dirs); i++) {
		kw_dirent *d = NULL;
		size_t n = 0;
		if (kw_target_list(t, unit_dirs[i], &d, &n) < 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (d[k].type != KW_FT_REG || fnmatch("*.service", d[k].name, 0))
				continue;
			_cleanup_free_ char *p = join(unit_dirs[i], d[k].name);
			const char *which = NULL;
			if (p && file_has(&c, p, cmds, KW_ARRAY_LEN(cmds), &which)) {
				snprintf(how, how_len, "%s runs `%s` (check that the unit is enabled)",
					 p, which);
				kw_dirents_free(d, n);
				return true;
			}
		}
		kw_dirents_free(d, n);
	}
	if (file_has(&c, "/etc/rc.local", cmds, 1, NULL)) {
		snprintf(how, how_len, "/etc/rc.local runs `ssh-keygen -A`");
		return true;
	}
	snprintf(how, how_len, "nothing in the image regenerates SSH host keys at first boot "
		 "(no cloud-init ssh module, no unit running ssh-keygen -A / sshd-keygen / "
		 "dpkg-reconfigure openssh-server): sshd will not start on a clone");
	return false;
}

/* ---- the plan ---- */

static size_t op_rank(const char *op)
{
	size_t l = strcspn(op, "+");
	for (size_t i = 0; i < OP__COUNT; i++)
		if (strlen(kw_sanitize_ops[i].name) == l && !strncmp(op, kw_sanitize_ops[i].name, l))
			return i;
	return OP__COUNT;
}

typedef struct rank_idx { size_t rank, idx; } rank_idx;

static int cmp_rank(const void *a, const void *b)
{
	const rank_idx *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Group the actions by operation, in the table's order, keeping the order within one. */
static int sort_by_op(kw_plan *p)
{
	if (p->n < 2)
		return 0;
	rank_idx *ri = calloc(p->n, sizeof *ri);
	kw_action *v = calloc(p->n, sizeof *v);
	if (!ri || !v) {
		free(ri);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++)
		ri[i] = (rank_idx){ op_rank(p->v[i].op), i };
	qsort(ri, p->n, sizeof *ri, cmp_rank);
	for (size_t i = 0; i < p->n; i++)
		v[i] = p->v[ri[i].idx];
	memcpy(p->v, v, p->n * sizeof *v);
	free(v);
	free(ri);
	return 0;
}

int kw_sanitize_plan(kw_target *t, const kw_facts *f, const kw_sanitize_opts *o,
		     kw_plan *p, kw_diags *d)
{
	ctx c = { .t = t, .f = f, .o = o, .p = p, .d = d };
	int refused = accounts_ops(&c);
	if (refused < 0 && refused != KW_E_REFUSED)
		return refused;
	if (on(&c, OP_PASSWD_BACKUPS))
		op_passwd_backups(&c);
	if (on(&c, OP_AUTHORIZED_KEYS))
		fail(&c, op_authorized_keys(&c));
	op_artifacts(&c);
	if (on(&c, OP_HOST_SECRETS))
		op_host_secrets_extra(&c);
	if (on(&c, OP_CLOUD_INIT) || on(&c, OP_CLOUD_INIT_SEED))
		op_cloud_init(&c);
	if (on(&c, OP_TMP))
		op_tmp(&c);
	if (on(&c, OP_LOGS))
		op_logs(&c);
	if (c.err == 0)
		fail(&c, sort_by_op(p));
	if (c.err)
		return c.err;

	/* notes: host keys, and whether anyone can still log in */
	bool removes_hostkeys = false;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].op, "host-keys"))
			removes_hostkeys = true;
	if (removes_hostkeys) {
		char how[512];
		bool regen = kw_sanitize_hostkeys_regenerated(t, how, sizeof how);
		fail(&c, kw_plan_note(p, "%s%s", regen ? "host keys: " : "WARNING: ", how));
	}
	if (on(&c, OP_AUTHORIZED_KEYS) && on(&c, OP_PASSWORDS) && o->n_keep_keys == 0) {
		kw_stat st;
		bool ci = kw_target_stat(t, "/etc/cloud/cloud.cfg", &st) == 0 ||
			  kw_target_stat(t, "/usr/sbin/waagent", &st) == 0 ||
			  kw_target_stat(t, "/usr/bin/google_guest_agent", &st) == 0;
		if (!ci)
			fail(&c, kw_plan_note(p, "after this no account has a password or an "
					      "authorized key, and no cloud agent (cloud-init, "
					      "waagent, google guest agent) will add one at boot: "
					      "nobody will be able to log in to a clone. Keep a key "
					      "with --keep-key if that is not intended."));
	}
	return c.err ? c.err : refused;
}
