/* keys_store.c — `keyward keys snapshot` and `keyward keys diff`: the key inventory kept in
 * SQLite (src/keys/store.h), and what changed since.
 *
 *   snapshot   collect -> inventory -> kw_keysnap -> kw_keystore_save (the audit line is
 *              appended before the commit: both or neither) -> summary
 *   snapshot --list                      kw_keystore_list -> table
 *   diff       collect -> inventory -> kw_keysnap (now)  \
 *              kw_keystore_find + load (--since)          -> kw_keydiff_compute -> text / JSON
 *   diff --to  two stored snapshots, no scan
 *
 * Snapshots are filed under a target name (see target_name): the live host's name, the
 * absolute path of --root or --image, or --name. Everything taken from the target is
 * printed through kw_escape.
 */
#include "cmd/cmdio.h"
#include "cmd/keys_cmds.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/time.h"
#include "collect/facts.h"
#include "db/db.h"
#include "keys/audit.h"
#include "keys/hostid.h"
#include "keys/inventory.h"
#include "keys/store.h"
#include "report/out.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_FP_MAX 1000   /* fingerprints named in one snapshot's audit line */
#define NAME_MAX_LEN 4096

typedef struct store_args {
	const char *cmd;      /* "keys snapshot" / "keys diff" */
	const char *root, *image, *name, *db, *audit_log, *output, *since, *to, *host_id;
	char *db_shown;       /* the database as it may be shown: escaped, no password */
	bool json, list, no_audit;
	size_t keep;          /* snapshot --keep N: 0 keeps all */
	size_t pruned;        /* how many --keep deleted */
} store_args;

enum {
	OPT_ROOT = 256, OPT_IMAGE, OPT_NAME, OPT_DB, OPT_AUDIT_LOG, OPT_NO_AUDIT, OPT_LIST,
	OPT_FORMAT, OPT_OUTPUT, OPT_SINCE, OPT_TO, OPT_KEEP, OPT_HOST_ID,
};

#define DB_HELP "the database: a file (default " KW_KEYS_DB_DEFAULT "; created 0600 in a 0700 " \
	"folder; a symbolic link is refused) or a PostgreSQL URI postgresql://USER@HOST/DB " \
	"shared by a fleet (a password is better kept in ~/.pgpass or PGPASSFILE than in the URI)"
#define DB_OPT(HELP) { OPT_DB, 0, "db", KW_ARG_REQUIRED, "FILE|URI", KW_COMP_FILE, NULL, HELP }

#define ROOT_OPT { OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL, \
	"an image root mounted or unpacked in a folder" }
#define FORMAT_OPT(HELP) { OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "text|json", KW_COMP_WORDS, \
	"text json", HELP }

static const kw_opt snapshot_opts[] = {
	KW_OPT_SECTION("Target (default: this host, read-only)"),
	ROOT_OPT,
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "an image tarball; - reads stdin (then --name is required)" },
	{ OPT_NAME, 0, "name", KW_ARG_REQUIRED, "NAME", KW_COMP_NONE, NULL,
	  "file the snapshot under NAME instead of the target's own name (this host's name, or "
	  "the absolute path of DIR or FILE): use it when each build of an image has a new file "
	  "name" },
	KW_OPT_SECTION("Options"),
	DB_OPT(DB_HELP),
	{ OPT_HOST_ID, 0, "host-id", KW_ARG_REQUIRED, "ID", KW_COMP_NONE, NULL,
	  "the identity of the host in the database (default: a keyed hash of the target's "
	  "/etc/machine-id, as machine-id(5) asks; a target without one: its name)" },
	{ OPT_AUDIT_LOG, 0, "audit-log", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "the audit trail (default " KW_AUDIT_LOG_DEFAULT ")" },
	{ OPT_NO_AUDIT, 0, "no-audit", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "do not append to the audit trail" },
	{ OPT_KEEP, 0, "keep", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "then delete all but the newest N snapshots of this target (their audit lines stay)" },
	{ OPT_LIST, 0, "list", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "list the stored snapshots (all, or the target's when a target option or --name is "
	  "given) instead of taking one" },
	FORMAT_OPT("the summary (or the list) as text (default) or JSON"),
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_snapshot = {
	.name = "keys snapshot",
	.summary = "store the inventory in the keys database (SQLite or PostgreSQL)",
	.synopsis =
	"[--root DIR | --image FILE | --image - --name NAME] [OPTIONS]\n"
	"--list [--root DIR | --image FILE | --name NAME] [--db FILE|URI]",
	.description =
	"Store the key inventory of a host or an image (what `keyward keys scan` lists) in a "
	"database, so `keyward keys diff` can later say which keys appeared, went away or "
	"changed. The database is a SQLite file on this host, or a PostgreSQL database that "
	"every host of a fleet writes to (--db postgresql://...): then `keyward keys query` "
	"says which hosts a key opens and which keys open many hosts. Each snapshot is filed "
	"under a host identity (--host-id) and a target name (--name). Each snapshot is one transaction: it is stored whole or not at all; two "
	"snapshots taken at once both land. One line is appended to the audit trail (the "
	"snapshot's number, the database, the counts, a digest of the stored content and the "
	"authorized fingerprints), hash-chained so `keyward keys log --verify` detects edits; "
	"it is written before the snapshot is committed: without its line, nothing is stored.",
	.opts = snapshot_opts,
	.exit_status =
	"0 stored (or listed); 2 usage, database or audit-log error; 3 stored, but something "
	"could not be read (see stderr): keys it holds are missing from the snapshot.",
	.examples =
	"keyward keys snapshot                             # this host, daily from cron\n"
	"keyward keys snapshot --root /mnt/image --db ./keys.db --audit-log ./keys-audit.log\n"
	"virt-tar-out -a web.qcow2 / - | keyward keys snapshot --image - --name web-image\n"
	"keyward keys snapshot --db postgresql://keyward@db.internal/keyward   # a fleet's store\n"
	"keyward keys snapshot --list\n",
};

static const kw_opt diff_opts[] = {
	KW_OPT_SECTION("Target (default: this host, read-only)"),
	ROOT_OPT,
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "an image tarball; - reads stdin (then --name is required); as for `keys scan`" },
	{ OPT_NAME, 0, "name", KW_ARG_REQUIRED, "NAME", KW_COMP_NONE, NULL,
	  "the name the target's snapshots are filed under (default: this host's name, or the "
	  "absolute path of DIR or FILE)" },
	KW_OPT_SECTION("Options"),
	DB_OPT("the database: a file (default " KW_KEYS_DB_DEFAULT ") or a postgresql:// URI"),
	{ OPT_SINCE, 0, "since", KW_ARG_REQUIRED, "SNAPSHOT", KW_COMP_NONE, NULL,
	  "compare with this snapshot (default: latest; with --to, the snapshot of the same "
	  "target before the --to one)" },
	{ OPT_TO, 0, "to", KW_ARG_REQUIRED, "SNAPSHOT", KW_COMP_NONE, NULL,
	  "compare two stored snapshots instead of scanning" },
	FORMAT_OPT("text (default) or JSON (format \"keyward-keys-diff\", version 1)"),
	{ OPT_OUTPUT, 0, "output", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "write there (atomically) instead of stdout" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_diff = {
	.name = "keys diff",
	.summary = "new, removed and changed keys since a snapshot",
	.synopsis =
	"[--root DIR | --image FILE | --image - --name NAME] [--since SNAPSHOT] [OPTIONS]\n"
	"--to SNAPSHOT [--since SNAPSHOT] [target] [OPTIONS]",
	.description =
	"Which SSH keys are new, removed or changed on a target since a stored snapshot (see "
	"`keyward keys snapshot`). The target is scanned now, exactly as `keys scan` does, and "
	"compared with the latest snapshot filed under the same name (or the one --since names). "
	"With --to, two stored snapshots are compared and nothing is read: the target options "
	"then only say whose snapshots latest, latest~N and dates refer to.\n\n"
	"A key is the same key in the same place when its role (authorized, unread, host, "
	"private), account and fingerprint are equal. Such a key that moved to another line or "
	"file, or whose options, comment, private key format or encryption changed, or that sshd "
	"now ignores (or no longer ignores), is \"changed\", with what changed. The same key added "
	"for another account is \"new\". A key whose only change is its line (lines were added "
	"above it) is counted as moved. AuthorizedKeysCommand, TrustedUserCAKeys and the like "
	"that appear or disappear are reported too.\n\n"
	"SNAPSHOT is one of:\n"
	"  latest        the newest snapshot of the target (the default)\n"
	"  latest~N      the Nth before the newest (latest~1: the one before it)\n"
	"  12, #12       snapshot number 12 (see `keys snapshot --list`), any target\n"
	"  2026-11-21    the newest of the target taken on or before that day (UTC)\n"
	"  2026-11-21T12:00[:00][Z]\n"
	"                the newest taken at or before that time (UTC)\n",
	.opts = diff_opts,
	.exit_status =
	"as diff(1): 0 no change; 1 changes found; 2 usage or database error, or no snapshot to "
	"compare with; 3 something could not be read now (see stderr: a key shown as removed "
	"may only be unreadable).",
	.examples =
	"keyward keys diff                                 # this host since its last snapshot\n"
	"keyward keys diff --root /mnt/image --since 2026-11-01 --format json\n"
	"keyward keys diff --to latest --name web-image    # the last two snapshots of web-image\n",
};

/* ---- arguments ---- */

/* 0 taken; 2 a bad value (said); -1 an id set_opt has no case for */
static int set_opt(store_args *a, int c)
{
	switch (c) {
	case OPT_ROOT: a->root = optarg; break;
	case OPT_IMAGE: a->image = optarg; break;
	case OPT_NAME: a->name = optarg; break;
	case OPT_DB: a->db = optarg; break;
	case OPT_HOST_ID:
		if (!*optarg || strlen(optarg) > 256)
			return kw_cmd_usage_err(a->cmd, "--host-id must be 1 to 256 bytes", NULL);
		a->host_id = optarg;
		break;
	case OPT_AUDIT_LOG: a->audit_log = optarg; break;
	case OPT_NO_AUDIT: a->no_audit = true; break;
	case OPT_LIST: a->list = true; break;
	case OPT_OUTPUT: a->output = optarg; break;
	case OPT_SINCE: a->since = optarg; break;
	case OPT_TO: a->to = optarg; break;
	case OPT_KEEP: {
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(optarg, &end, 10);
		if (errno || !end || *end || optarg[0] < '1' || optarg[0] > '9' || v > 1000000)
			return kw_cmd_usage_err(a->cmd, "--keep takes a count from 1 to 1000000, not ",
						optarg);
		a->keep = (size_t)v;
		break;
	}
	case OPT_FORMAT:
		if (kw_cmd_format_json(a->cmd, optarg, &a->json))
			return 2;
		break;
	default: return -1;
	}
	return 0;
}

/* -1 = go on; else the exit status: 0 after --help, 2 usage error, 70 an unhandled option */
static int parse_args(int argc, char **argv, const kw_cmd_spec *spec, store_args *a)
{
	kw_opts p;
	kw_opts_begin(&p, spec);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		int r = set_opt(a, c);
		if (r < 0)
			return kw_opts_unhandled(&p, c);
		if (r)
			return r;
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (optind < argc)
		return kw_cmd_usage_err(a->cmd, "unexpected argument: ", argv[optind]);
	if (a->root && a->image)
		return kw_cmd_usage_err(a->cmd, "--root and --image cannot be used together", NULL);
	if (a->name && (!*a->name || strlen(a->name) > NAME_MAX_LEN))
		return kw_cmd_usage_err(a->cmd, "--name must be 1 to 4096 bytes", NULL);
	if (a->image && !strcmp(a->image, "-") && !a->name && !a->list)
		return kw_cmd_usage_err(a->cmd, "--image - needs --name (the name its snapshots are "
					"filed under)", NULL);
	if (a->list && a->keep)
		return kw_cmd_usage_err(a->cmd, "--keep applies when taking a snapshot, not to --list",
					NULL);
	if (!a->db)
		a->db = KW_KEYS_DB_DEFAULT;
	a->db_shown = kw_db_display(a->db);
	if (!a->db_shown)
		return kw_cmd_usage_err(a->cmd, "out of memory", NULL);
	if (!a->audit_log)
		a->audit_log = KW_AUDIT_LOG_DEFAULT;
	return -1;
}

static void args_release(store_args *a) { free(a->db_shown); }

static void errmsg(const store_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errmsg(const store_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "keyward %s: ", a->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the target's name ---- */

static char *this_host(void)
{
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		return strdup("localhost");
	return strdup(host);
}

/* path made absolute: realpath when it resolves, else joined to the working folder */
static char *abs_path(const char *path)
{
	char *r = realpath(path, NULL);
	if (r || path[0] == '/')
		return r ? r : strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return strdup(path);
	char *j = NULL;
	return asprintf(&j, "%s/%s", cwd, path) < 0 ? NULL : j;
}

/* The name this target's snapshots are filed under (caller frees; NULL on ENOMEM):
 * --name; the absolute path of --image or --root (a root that is "/" is this host); else
 * this host's name. */
static char *target_name(const store_args *a)
{
	if (a->name)
		return strdup(a->name);
	if (a->image)
		return abs_path(a->image);
	if (a->root) {
		char *p = abs_path(a->root);
		if (p && !strcmp(p, "/")) {
			free(p);
			return this_host();
		}
		return p;
	}
	return this_host();
}

static bool has_target_opt(const store_args *a) { return a->root || a->image || a->name; }

/* ---- time ---- */

static void iso_time(int64_t t, char out[32])
{
	if (kw_time_iso(t, true, out, 32) != KW_ISO_LEN)
		snprintf(out, 32, "%lld", (long long)t);
}

/* ---- scanning now ---- */

/* --host-id; else the keyed hash of the target's machine-id; else "name:" and the target's
 * name. NULL on ENOMEM. */
static char *host_identity(const store_args *a, kw_target *t, const char *name)
{
	if (a->host_id)
		return strdup(a->host_id);
	char id[KW_HOST_ID_LEN];
	if (t && kw_host_id(t, id) == 0)
		return strdup(id);
	char *r = NULL;
	return asprintf(&r, "name:%s", name) < 0 ? NULL : r;
}

static int snap_of(const store_args *a, kw_target *t, const kw_facts *facts,
		   const kw_inventory *inv, const char *name, kw_keysnap *ret)
{
	_cleanup_free_ char *host = this_host();
	_cleanup_free_ char *host_id = host_identity(a, t, name);
	if (!host_id)
		return -ENOMEM;
	kw_keysnap_meta m = { .taken = (int64_t)time(NULL), .host = host, .host_id = host_id,
			      .target = name,
			      .target_desc = facts->target ? facts->target : "?",
			      .complete = !kw_diags_any_fatal(&facts->diags) };
	return kw_keysnap_from_inventory(inv, &m, ret);
}

/* The inventory of the target now, as a snapshot filed under name (not stored; its
 * complete flag is false when something could not be read). Prints what went wrong;
 * 0 or 2. */
static int scan_now(const store_args *a, const char *name, kw_keysnap *ret)
{
	int status = 2;
	kw_target *t = NULL;
	kw_facts facts = { 0 };
	kw_inventory inv = { 0 };
	if (kw_cmd_keys_inventory(a->cmd, a->root, a->image, kw_ui_settings.quiet, NULL, &t, &facts, &inv) != 0)
		goto out;
	kw_cmd_print_diags(a->cmd, &facts.diags);
	int r = snap_of(a, t, &facts, &inv, name, ret);
	if (r < 0) {
		errmsg(a, "%s", kw_strerror(r));
		goto out;
	}
	status = 0;
out:
	kw_inventory_release(&inv);
	kw_facts_release(&facts);
	if (t)
		kw_target_free(t);
	return status;
}

/* ---- the database ---- */

/* Prints why it failed; 0 or 2. */
static int open_store(const store_args *a, bool create, kw_keystore **ret)
{
	char err[512] = "";
	int r = kw_keystore_open(a->db, create ? KW_KEYSTORE_CREATE : 0, ret, err, sizeof err);
	if (r == 0)
		return 0;
	if (r == -ENOENT && !create)
		errmsg(a, "no snapshot yet: %s does not exist (take one with `keyward keys snapshot`%s)",
		       a->db_shown, strcmp(a->db, KW_KEYS_DB_DEFAULT) ? ", or check --db" : "");
	else
		errmsg(a, "%s: %s", a->db_shown, err[0] ? err : kw_strerror(r));
	return 2;
}

/* The id a user's spec names (relative to target, below before when > 0). 0 or 2. */
static int resolve(const store_args *a, kw_keystore *s, const char *target, const char *host_id,
		   const char *spec, int64_t before, int64_t *ret)
{
	kw_snapspec sp;
	if (kw_snapspec_parse(spec, &sp) < 0)
		return kw_cmd_usage_err(a->cmd, "not a snapshot (a number, latest, latest~N or an "
					"ISO date): ", spec);
	char err[512] = "";
	int r = kw_keystore_find(s, target, host_id, &sp, before, ret, err, sizeof err);
	if (r == 0)
		return 0;
	if (r == -ENOENT && sp.kind == KW_SNAP_LATEST && sp.n == 0 && before == 0)
		errmsg(a, "%s: take one first with `keyward keys snapshot`%s", err,
		       has_target_opt(a) ? " and the same target" : "");
	else
		errmsg(a, "%s", err[0] ? err : kw_strerror(r));
	return 2;
}

/* Prints why it failed; 0, 2 (I/O) or 3 (the stored snapshot does not check). */
static int load(const store_args *a, kw_keystore *s, int64_t id, kw_keysnap *ret)
{
	char err[512] = "";
	int r = kw_keystore_load(s, id, ret, err, sizeof err);
	if (r == 0)
		return 0;
	errmsg(a, "%s", err[0] ? err : kw_strerror(r));
	return r == KW_E_PARSE ? 3 : 2;
}

/* ---- the audit line ---- */

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The distinct fingerprints of keys that grant access (authorized, not ignored), sorted,
 * at most AUDIT_FP_MAX of them; *total: how many there are. NULL on ENOMEM. */
static const char **granting_fps(const kw_keysnap *s, size_t *n, size_t *total)
{
	const char **v = malloc((s->n_keys ? s->n_keys : 1) * sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < s->n_keys; i++)
		if (s->keys[i].role == KW_KEY_AUTHORIZED && s->keys[i].has_pub && !s->keys[i].sshd_ignores)
			v[k++] = s->keys[i].fp;
	qsort(v, k, sizeof *v, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
			v[u++] = v[i];
	*total = u;
	*n = u > AUDIT_FP_MAX ? AUDIT_FP_MAX : u;
	return v;
}

static json_t *counts_json(const kw_keysnap *s)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "authorized", (json_int_t)s->n_authorized, "accounts", (json_int_t)s->n_accounts,
			 "unread", (json_int_t)s->n_unread, "ignored", (json_int_t)s->n_ignored,
			 "host", (json_int_t)s->n_host, "private", (json_int_t)s->n_private,
			 "sources", (json_int_t)s->n_sources);
}

/* The root the audit line names: what the snapshot read. */
static char *audit_root(const store_args *a)
{
	if (a->image)
		return strcmp(a->image, "-") ? abs_path(a->image) : strdup("<stdin>");
	return abs_path(a->root ? a->root : "/");
}

typedef struct audit_ctx {
	const store_args *a;
	char err[512];
} audit_ctx;

/* kw_keystore_commit_fn: append the snapshot's audit line before it is committed, so a
 * snapshot is stored only with its line. 0 or a negative code (why in ctx->err). */
static int audit_snapshot(void *ctx, const kw_keysnap *s)
{
	audit_ctx *c = ctx;
	size_t n = 0, total = 0;
	_cleanup_free_ const char **fps = granting_fps(s, &n, &total);
	_cleanup_free_ char *db = kw_db_is_pg(c->a->db) ? strdup(c->a->db_shown) : abs_path(c->a->db);
	_cleanup_free_ char *root = audit_root(c->a);
	json_t *detail = json_pack("{s:I,s:s?,s:s,s:s,s:b,s:o,s:I,s:b}",
				   "snapshot", (json_int_t)s->id, "db", db, "target", s->target,
				   "digest", s->digest, "complete", s->complete, "counts", counts_json(s),
				   "fingerprints_total", (json_int_t)total, "fingerprints_capped",
				   total > n);
	if (!fps || !root || !detail) {
		json_decref(detail);
		return -ENOMEM;
	}
	kw_audit_entry e = { .time = (time_t)s->taken, .root = root, .action = KW_AUDIT_SNAPSHOT,
			     .fingerprints = fps, .n_fingerprints = n, .detail = detail };
	int r = kw_audit_append(c->a->audit_log, &e, c->err, sizeof c->err);
	json_decref(detail);
	return r;
}

/* ---- printing a key ---- */

static json_t *key_json(const kw_keyrec *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "role", json_string(kw_keyrole_name(k->role)));
	json_object_set_new(o, "account", kw_cmd_json_esc(k->account));
	json_object_set_new(o, "path", kw_cmd_json_esc(k->path));
	json_object_set_new(o, "line", k->line ? json_integer(k->line) : json_null());
	json_object_set_new(o, "type", k->has_pub ? kw_cmd_json_esc(k->type) : json_null());
	json_object_set_new(o, "label", k->has_pub ? kw_cmd_json_esc(k->label) : json_null());
	json_object_set_new(o, "bits", k->has_pub ? json_integer(k->bits) : json_null());
	json_object_set_new(o, "fingerprint", k->has_pub ? kw_cmd_json_esc(k->fp) : json_null());
	json_object_set_new(o, "fingerprint_md5", k->has_pub && k->fp_md5[0] ? kw_cmd_json_esc(k->fp_md5) : json_null());
	json_object_set_new(o, "comment", kw_cmd_json_esc(k->comment));
	json_object_set_new(o, "options", kw_cmd_json_esc(k->options));
	json_object_set_new(o, "sshd_ignores", json_boolean(k->sshd_ignores));
	json_object_set_new(o, "format", kw_cmd_json_esc(k->format));
	json_object_set_new(o, "encrypted", k->encrypted < 0 ? json_null() : json_boolean(k->encrypted));
	return o;
}

/* "  authorized  alice        ED25519      256  SHA256:...  /path:3" */
static void key_line(FILE *out, const kw_keyrec *k)
{
	fprintf(out, "  %-10s  ", kw_keyrole_name(k->role));
	_cleanup_free_ char *acc = kw_escape_str(k->account ? k->account : "-");
	fprintf(out, "%-12s ", acc ? acc : "?");
	if (k->has_pub) {
		_cleanup_free_ char *label = kw_escape_str(k->label);
		fprintf(out, "%-10s %5u  %s  ", label ? label : "?", k->bits, k->fp);
	} else {
		fprintf(out, "%-10s %5s  %-50s  ", "?", "", "(public half not in the file)");
	}
	kw_cmd_put_esc(out, k->path);
	if (k->line)
		fprintf(out, ":%u", k->line);
	fputc('\n', out);
}

static const char *enc_name(int e) { return e > 0 ? "encrypted" : e == 0 ? "NOT encrypted" : "unknown"; }

/* The attributes of a new or removed key, below its line. */
static void key_attrs(FILE *out, const kw_keyrec *k)
{
	if (k->comment) {
		fputs("      comment: ", out);
		kw_cmd_put_esc(out, k->comment);
		fputc('\n', out);
	}
	if (k->options) {
		fputs("      options: ", out);
		kw_cmd_put_esc(out, k->options);
		fputc('\n', out);
	}
	if (k->sshd_ignores)
		fputs("      sshd ignores this line: it opens nothing\n", out);
	if (k->role >= KW_KEY_HOST) {
		fputs("      ", out);
		kw_cmd_put_esc(out, k->format ? k->format : "unreadable");
		fprintf(out, ", %s\n", enc_name(k->encrypted));
	}
}

/* "      options: OLD -> NEW" with "(none)" for an absent value */
static void change_str(FILE *out, const char *what, const char *old, const char *new)
{
	fprintf(out, "      %s: ", what);
	if (old)
		kw_cmd_put_esc(out, old);
	else
		fputs("(none)", out);
	fputs(" -> ", out);
	if (new)
		kw_cmd_put_esc(out, new);
	else
		fputs("(none)", out);
	fputc('\n', out);
}

static void change_lines(FILE *out, const kw_keychange *c)
{
	const kw_keyrec *b = c->before, *a = c->after;
	if (c->what & KW_KC_PATH)
		change_str(out, "file", b->path, a->path);
	if (c->what & KW_KC_LINE)
		fprintf(out, "      line: %u -> %u\n", b->line, a->line);
	if (c->what & KW_KC_OPTIONS)
		change_str(out, "options", b->options, a->options);
	if (c->what & KW_KC_COMMENT)
		change_str(out, "comment", b->comment, a->comment);
	if (c->what & KW_KC_IGNORED)
		fprintf(out, "      sshd ignores the line: %s -> %s\n", b->sshd_ignores ? "yes" : "no",
			a->sshd_ignores ? "yes" : "no");
	if (c->what & KW_KC_FORMAT)
		change_str(out, "format", b->format, a->format);
	if (c->what & KW_KC_ENCRYPTED)
		fprintf(out, "      encryption: %s -> %s\n", enc_name(b->encrypted), enc_name(a->encrypted));
}

static void source_line(FILE *out, const kw_keysrc *s)
{
	fputs("  ", out);
	kw_cmd_put_esc(out, s->keyword);
	fputc(' ', out);
	kw_cmd_put_esc(out, s->value);
	if (s->account) {
		fputs(" (account ", out);
		kw_cmd_put_esc(out, s->account);
		fputs(")\n", out);
	} else {
		fputs(" (every account)\n", out);
	}
}

static json_t *source_json(const kw_keysrc *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "keyword", kw_cmd_json_esc(s->keyword));
	json_object_set_new(o, "value", kw_cmd_json_esc(s->value));
	json_object_set_new(o, "account", kw_cmd_json_esc(s->account));
	return o;
}

/* ---- keys diff: rendering ---- */

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

/* "snapshot 12 (2026-11-21T12:00:00Z)" or "now (...)" */
static void side_name(FILE *out, const kw_keysnap *s)
{
	char when[32];
	iso_time(s->taken, when);
	if (s->id)
		fprintf(out, "snapshot %lld (%s)", (long long)s->id, when);
	else
		fprintf(out, "now (%s)", when);
}

static int diff_text(FILE *out, const kw_keysnap *b, const kw_keysnap *a, const kw_keydiff *d)
{
	fputs("keys of ", out);
	kw_cmd_put_esc(out, a->target);
	fputs(": ", out);
	side_name(out, b);
	fputs(" -> ", out);
	side_name(out, a);
	fputc('\n', out);
	if (strcmp(b->target, a->target) != 0) {
		fputs("  (the older snapshot is of ", out);
		kw_cmd_put_esc(out, b->target);
		fputs(")\n", out);
	}
	if (kw_keydiff_empty(d)) {
		fputs("no change\n", out);
		return kw_out_finish(out);
	}
	fprintf(out, "%zu new, %zu removed, %zu changed", d->n_added, d->n_removed, d->n_changed);
	if (d->n_moved)
		fprintf(out, " (%zu only moved to another line)", d->n_moved);
	if (d->n_src_added || d->n_src_removed)
		fprintf(out, "; %zu new and %zu removed source%s of keys", d->n_src_added, d->n_src_removed,
			plural(d->n_src_added + d->n_src_removed));
	fputc('\n', out);
	if (d->n_added)
		fputs("\nnew\n", out);
	for (size_t i = 0; i < d->n_added; i++) {
		key_line(out, d->added[i]);
		key_attrs(out, d->added[i]);
	}
	if (d->n_removed)
		fputs("\nremoved\n", out);
	for (size_t i = 0; i < d->n_removed; i++) {
		key_line(out, d->removed[i]);
		key_attrs(out, d->removed[i]);
	}
	if (d->n_changed)
		fputs("\nchanged\n", out);
	for (size_t i = 0; i < d->n_changed; i++) {
		key_line(out, d->changed[i].after);
		change_lines(out, &d->changed[i]);
	}
	if (d->n_src_added)
		fputs("\nnew sources of keys that cannot be listed offline\n", out);
	for (size_t i = 0; i < d->n_src_added; i++)
		source_line(out, d->src_added[i]);
	if (d->n_src_removed)
		fputs("\nremoved sources of keys\n", out);
	for (size_t i = 0; i < d->n_src_removed; i++)
		source_line(out, d->src_removed[i]);
	return kw_out_finish(out);
}

static json_t *side_json(const kw_keysnap *s)
{
	char when[32];
	iso_time(s->taken, when);
	json_t *o = json_object();
	json_object_set_new(o, "snapshot", s->id ? json_integer(s->id) : json_null());
	json_object_set_new(o, "taken", json_string(when));
	json_object_set_new(o, "target", kw_cmd_json_esc(s->target));
	json_object_set_new(o, "target_desc", kw_cmd_json_esc(s->target_desc));
	json_object_set_new(o, "host", kw_cmd_json_esc(s->host));
	json_object_set_new(o, "host_id", kw_cmd_json_esc(s->host_id));
	json_object_set_new(o, "complete", json_boolean(s->complete));
	json_object_set_new(o, "digest", s->digest[0] ? json_string(s->digest) : json_null());
	return o;
}

static json_t *changes_json(unsigned what)
{
	json_t *v = json_array();
	for (unsigned bit = 1; bit & KW_KC_ALL; bit <<= 1)
		if (what & bit)
			json_array_append_new(v, json_string(kw_keychange_name(bit)));
	return v;
}

static int diff_json(FILE *out, const kw_keysnap *b, const kw_keysnap *a, const kw_keydiff *d)
{
	json_t *root = json_object(), *added = json_array(), *removed = json_array(),
	       *changed = json_array(), *src_added = json_array(), *src_removed = json_array();
	for (size_t i = 0; i < d->n_added; i++)
		json_array_append_new(added, key_json(d->added[i]));
	for (size_t i = 0; i < d->n_removed; i++)
		json_array_append_new(removed, key_json(d->removed[i]));
	for (size_t i = 0; i < d->n_changed; i++)
		json_array_append_new(changed, json_pack("{s:o,s:o,s:o}", "changes",
				      changes_json(d->changed[i].what), "before",
				      key_json(d->changed[i].before), "after", key_json(d->changed[i].after)));
	for (size_t i = 0; i < d->n_src_added; i++)
		json_array_append_new(src_added, source_json(d->src_added[i]));
	for (size_t i = 0; i < d->n_src_removed; i++)
		json_array_append_new(src_removed, source_json(d->src_removed[i]));
	json_object_set_new(root, "format", json_string("keyward-keys-diff"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "target", kw_cmd_json_esc(a->target));
	json_object_set_new(root, "from", side_json(b));
	json_object_set_new(root, "to", side_json(a));
	json_object_set_new(root, "summary", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
		"added", (json_int_t)d->n_added, "removed", (json_int_t)d->n_removed,
		"changed", (json_int_t)d->n_changed, "moved", (json_int_t)d->n_moved,
		"sources_added", (json_int_t)d->n_src_added, "sources_removed", (json_int_t)d->n_src_removed));
	json_object_set_new(root, "added", added);
	json_object_set_new(root, "removed", removed);
	json_object_set_new(root, "changed", changed);
	json_object_set_new(root, "sources_added", src_added);
	json_object_set_new(root, "sources_removed", src_removed);
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* Write the diff to --output or stdout. 0 or 2. */
static int write_diff(const store_args *a, const kw_keysnap *b, const kw_keysnap *after,
		      const kw_keydiff *d)
{
	char *tmp = NULL;
	FILE *out = kw_cmd_report_open(a->cmd, a->output, &tmp);
	if (!out)
		return 2;
	int r = a->json ? diff_json(out, b, after, d) : diff_text(out, b, after, d);
	return kw_cmd_report_done(a->cmd, out, a->output, tmp, r, "diff") < 0 ? 2 : 0;
}

/* ---- keys diff ---- */

/* The two sides: with --to two stored snapshots, else the newest (or --since) of the
 * target and a scan now. 0, or the exit status. */
static int diff_sides(const store_args *a, kw_keystore *s, kw_keysnap *before, kw_keysnap *after)
{
	_cleanup_free_ char *name = target_name(a);
	if (!name) {
		errmsg(a, "%s", kw_strerror(-ENOMEM));
		return 2;
	}
	int64_t to = 0, since = 0;
	int st;
	if (a->to) {
		/* the target of a numbered --to is that snapshot's, unless a target option or
		 * --name names one */
		st = resolve(a, s, name, NULL, a->to, 0, &to);
		if (st == 0)
			st = load(a, s, to, after);
		if (st != 0)
			return st;
		if (!has_target_opt(a)) {
			free(name);
			name = strdup(after->target);
			if (!name)
				return 2;
		}
		st = resolve(a, s, name, after->host_id, a->since ? a->since : "latest",
			     a->since ? 0 : to, &since);
	} else {
		/* the scan first: its host identity picks this host's snapshots of the name */
		st = scan_now(a, name, after);
		if (st == 0)
			st = resolve(a, s, name, after->host_id, a->since ? a->since : "latest", 0, &since);
	}
	if (st == 0)
		st = load(a, s, since, before);
	return st;
}

int cmd_keys_diff(int argc, char **argv)
{
	_cleanup_(args_release) store_args a = { .cmd = "keys diff" };
	int pr = parse_args(argc, argv, &kw_spec_keys_diff, &a);
	if (pr >= 0)
		return pr;
	kw_keystore *s = NULL;
	kw_keysnap before = { 0 }, after = { 0 };
	kw_keydiff d = { 0 };
	int status = open_store(&a, false, &s);
	if (status == 0)
		status = diff_sides(&a, s, &before, &after);
	kw_keystore_close(s);
	if (status == 0 && kw_keydiff_compute(&before, &after, &d) < 0) {
		errmsg(&a, "%s", kw_strerror(-ENOMEM));
		status = 2;
	}
	if (status == 0 && !before.complete)
		errmsg(&a, "note: snapshot %lld was incomplete (something could not be read when it "
		       "was taken): keys it missed show as new", (long long)before.id);
	if (status == 0)
		status = write_diff(&a, &before, &after, &d);
	if (status == 0)
		status = !after.complete ? 3 : kw_keydiff_empty(&d) ? 0 : 1;
	kw_keydiff_release(&d);
	kw_keysnap_release(&before);
	kw_keysnap_release(&after);
	return status;
}

/* ---- keys snapshot ---- */

static int snapshot_text(const store_args *a, const kw_keysnap *s)
{
	printf("snapshot %lld of ", (long long)s->id);
	kw_cmd_put_esc(stdout, s->target);
	printf(": %zu authorized key%s open %zu account%s; %zu host key%s; %zu private key%s",
	       s->n_authorized, plural(s->n_authorized), s->n_accounts, plural(s->n_accounts),
	       s->n_host, plural(s->n_host), s->n_private, plural(s->n_private));
	if (s->n_unread)
		printf("; %zu key%s in files sshd does not read", s->n_unread, plural(s->n_unread));
	if (s->n_ignored)
		printf("; %zu line%s sshd ignores", s->n_ignored, plural(s->n_ignored));
	if (s->n_sources)
		printf("; %zu source%s not listable offline", s->n_sources, plural(s->n_sources));
	fputs("\n  stored in ", stdout);
	fputs(a->db_shown, stdout);
	if (!a->no_audit) {
		fputs(", audit line in ", stdout);
		kw_cmd_put_esc(stdout, a->audit_log);
	}
	if (!s->complete)
		fputs(" (incomplete: see the messages above)", stdout);
	fputc('\n', stdout);
	if (a->pruned)
		printf("  deleted %zu older snapshot%s of this target (--keep %zu)\n", a->pruned,
		       plural(a->pruned), a->keep);
	return kw_out_finish(stdout);
}

static int snapshot_json(const store_args *a, const kw_keysnap *s)
{
	char when[32];
	iso_time(s->taken, when);
	json_t *root = json_object();
	json_object_set_new(root, "format", json_string("keyward-keys-snapshot"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "snapshot", json_integer(s->id));
	json_object_set_new(root, "db", json_string(a->db_shown));
	json_object_set_new(root, "audit_log", a->no_audit ? json_null() : kw_cmd_json_esc(a->audit_log));
	json_object_set_new(root, "target", kw_cmd_json_esc(s->target));
	json_object_set_new(root, "target_desc", kw_cmd_json_esc(s->target_desc));
	json_object_set_new(root, "host", kw_cmd_json_esc(s->host));
	json_object_set_new(root, "host_id", kw_cmd_json_esc(s->host_id));
	json_object_set_new(root, "taken", json_string(when));
	json_object_set_new(root, "complete", json_boolean(s->complete));
	json_object_set_new(root, "digest", json_string(s->digest));
	json_object_set_new(root, "keys", json_integer((json_int_t)s->n_keys));
	json_object_set_new(root, "pruned", json_integer((json_int_t)a->pruned));
	json_object_set_new(root, "summary", counts_json(s));
	return kw_json_write(stdout, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

static int list_text(const store_args *a, const kw_keysnap *v, size_t n)
{
	if (!n) {
		fputs("no snapshots", stdout);
		if (has_target_opt(a)) {
			fputs(" of this target", stdout);
		}
		fputs(" in ", stdout);
		fputs(a->db_shown, stdout);
		fputc('\n', stdout);
		return kw_out_finish(stdout);
	}
	printf("%6s  %-20s  %10s %8s %4s %7s %6s  %s\n", "id", "taken (UTC)", "authorized",
	       "accounts", "host", "private", "unread", "target");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		iso_time(v[i].taken, when);
		printf("%6lld  %-20s  %10zu %8zu %4zu %7zu %6zu  ", (long long)v[i].id, when,
		       v[i].n_authorized, v[i].n_accounts, v[i].n_host, v[i].n_private, v[i].n_unread);
		kw_cmd_put_esc(stdout, v[i].target);
		if (strcmp(v[i].target, v[i].target_desc) != 0) {
			fputs(" (", stdout);
			kw_cmd_put_esc(stdout, v[i].target_desc);
			fputc(')', stdout);
		}
		if (!v[i].complete)
			fputs(" [incomplete]", stdout);
		fputc('\n', stdout);
	}
	return kw_out_finish(stdout);
}

static int list_json(const store_args *a, const kw_keysnap *v, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = side_json(&v[i]);
		json_object_set_new(o, "keys", json_integer((json_int_t)v[i].n_keys_total));
		json_object_set_new(o, "summary", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
			"authorized", (json_int_t)v[i].n_authorized, "accounts", (json_int_t)v[i].n_accounts,
			"unread", (json_int_t)v[i].n_unread, "ignored", (json_int_t)v[i].n_ignored,
			"host", (json_int_t)v[i].n_host, "private", (json_int_t)v[i].n_private));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "format", json_string("keyward-keys-snapshots"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "db", json_string(a->db_shown));
	json_object_set_new(root, "snapshots", arr);
	return kw_json_write(stdout, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

static int run_list(const store_args *a)
{
	kw_keystore *s = NULL;
	if (open_store(a, false, &s) != 0)
		return 2;
	_cleanup_free_ char *name = has_target_opt(a) ? target_name(a) : NULL;
	kw_keysnap *v = NULL;
	size_t n = 0;
	char err[512] = "";
	int r = has_target_opt(a) && !name ? -ENOMEM
		: kw_keystore_list(s, name, &v, &n, err, sizeof err);
	kw_keystore_close(s);
	if (r < 0) {
		errmsg(a, "%s", err[0] ? err : kw_strerror(r));
		return r == KW_E_PARSE ? 3 : 2;
	}
	r = a->json ? list_json(a, v, n) : list_text(a, v, n);
	for (size_t i = 0; i < n; i++)
		kw_keysnap_release(&v[i]);
	free(v);
	if (r < 0) {
		errmsg(a, "error writing the list");
		return 2;
	}
	return 0;
}

/* Store the snapshot and its audit line, both or neither. 0 or 2 (printed). */
static int store_snapshot(store_args *a, kw_keysnap *snap)
{
	kw_keystore *s = NULL;
	if (open_store(a, true, &s) != 0)
		return 2;
	char err[512] = "";
	audit_ctx ac = { .a = a };
	int r = kw_keystore_save(s, snap, a->no_audit ? NULL : audit_snapshot, &ac, err, sizeof err);
	if (r == 0 && a->keep)
		r = kw_keystore_prune(s, snap->target, a->keep, &a->pruned, err, sizeof err);
	kw_keystore_close(s);
	if (r == 0)
		return 0;
	if (snap->id) {
		errmsg(a, "snapshot %lld stored, but older snapshots were not deleted: %s: %s",
		       (long long)snap->id, a->db_shown, err);
	} else if (!err[0]) { /* the audit line failed: the snapshot was rolled back */
		_cleanup_free_ char *log = kw_escape_str(a->audit_log);
		errmsg(a, "nothing stored: the audit trail %s could not be written: %s (use "
		       "--audit-log FILE, or --no-audit)", log ? log : "?",
		       ac.err[0] ? ac.err : kw_strerror(r));
	} else {
		errmsg(a, "%s: %s", a->db_shown, err);
	}
	return 2;
}

int cmd_keys_snapshot(int argc, char **argv)
{
	_cleanup_(args_release) store_args a = { .cmd = "keys snapshot" };
	int pr = parse_args(argc, argv, &kw_spec_keys_snapshot, &a);
	if (pr >= 0)
		return pr;
	if (a.list)
		return run_list(&a);
	_cleanup_free_ char *name = target_name(&a);
	if (!name) {
		errmsg(&a, "%s", kw_strerror(-ENOMEM));
		return 2;
	}
	kw_keysnap snap = { 0 };
	int status = scan_now(&a, name, &snap);
	if (status == 0)
		status = store_snapshot(&a, &snap);
	if (status == 0 && (a.json ? snapshot_json(&a, &snap) : snapshot_text(&a, &snap)) < 0) {
		errmsg(&a, "error writing the summary");
		status = 2;
	}
	if (status == 0 && !snap.complete)
		status = 3;
	kw_keysnap_release(&snap);
	return status;
}
