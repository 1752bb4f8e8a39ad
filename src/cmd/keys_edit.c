/* keys_edit.c — `keyward keys add | remove | rotate` (authorized_keys through the journaled
 * writer, with the lock-out guard and the audit trail) and `keyward keys log` (the trail,
 * and its tamper check). The only place of these commands that prints or decides the exit
 * code; docs/keys-lifecycle.md is the user's description.
 *
 * One flow for the three edits:
 *
 *   key input (.pub / fingerprint)      keys/edit.c kw_newkey_parse, kw_keyref_parse
 *   target: --root DIR or /             collect (keys_only): accounts, sshd_config
 *   files sshd reads for the account    AuthorizedKeysFile for it (Match applied), expanded
 *   lock their folders                  kw_keylock_acquire  (held to the end)
 *   read each file, edit it             kw_akfile_parse + kw_keyedit_* (pure)
 *   lock-out guard                      fix/lockout.h: every account before and after
 *   plan -> dry run | --apply           fix/plan.h + cmd/fixcommon.h kw_fix_run (journal)
 *   audit line                          keys/audit.h kw_audit_append (after the change;
 *                                       checked appendable before it)
 */
#include "cmd/keys_cmds.h"
#include "cmd/cmdio.h"
#include "cmd/fixcommon.h"
#include "cmd/opts.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"
#include "collect/facts.h"
#include "fix/lockout.h"
#include "fix/plan.h"
#include "keys/audit.h"
#include "keys/edit.h"
#include "sshd/config.h"
#include "target/journal.h"
#include "target/target.h"
#include "target/write.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_READ_MAX ((size_t)64 << 20)

/* ------------------------------------------------------------------ options and help -- */

enum {
	OPT_KEY = 256, OPT_NEW, OPT_OLD, OPT_FP, OPT_OPTIONS, OPT_ROOT, OPT_IMAGE, OPT_APPLY,
	OPT_JOURNAL, OPT_AUDIT_LOG, OPT_FORCE, OPT_ALL_USERS, OPT_UNREAD, OPT_NO_DIFF,
	OPT_FORMAT, OPT_VERIFY,
};

/* The rows add, remove and rotate share; SUB names the journal ("add"). */
#define TARGET_JOURNAL_OPTS(SUB) \
	KW_OPT_SECTION("Target and journal"), \
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL, \
	  "an image root in a folder (default /: this host). Image tarballs cannot be edited: " \
	  "unpack or mount the image first" }, \
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL, \
	  "refused, with the reason: an image tarball is rewritten whole, not edited in place " \
	  "(`keyward keys scan --image` lists its keys)" }, \
	{ OPT_APPLY, 0, "apply", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, \
	  "make the change (default: dry run: show the plan and a diff)" }, \
	{ OPT_JOURNAL, 0, "journal", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL, \
	  "where --apply journals the files it changes (default " KW_JOURNAL_BASE \
	  "/<time>-keys-" SUB "-<id>; outside an image root); `keyward undo DIR` restores them" }, \
	{ OPT_AUDIT_LOG, 0, "audit-log", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL, \
	  "the audit trail (default " KW_AUDIT_LOG_DEFAULT "; with --root too: the trail is " \
	  "this host's, not the image's)" }, \
	{ OPT_NO_DIFF, 0, "no-diff", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, \
	  "the plan without the diff" }

#define FORCE_OPT(HELP) { OPT_FORCE, 0, "force", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL, HELP }

#define EDIT_NOTES \
"The files are those sshd reads for the account: its effective AuthorizedKeysFile " \
"(Match blocks applied, %h %u %U expanded, relative names from the home; sshd's default " \
".ssh/authorized_keys .ssh/authorized_keys2 without an sshd_config). Every other line " \
"of a file is kept byte for byte (comments, blank lines, CRLF ends, a missing final " \
"newline). The folder of each file is locked (flock) from reading to writing, so " \
"concurrent runs never lose a line; a file changed meanwhile by another tool is not " \
"overwritten (run again). Symbolic links and hard-linked files are never written.\n\n" \
"--apply journals first (`keyward undo JOURNAL` restores the files byte for byte) and " \
"appends one line to the audit trail (see `keyward keys log`). The trail is checked " \
"before anything changes: an edit is not made when its trail is broken or cannot be " \
"written. sshd reads authorized_keys at each login: nothing to reload.\n\n" \
"With --quiet: no per-file lines while applying, no wait message."

static const kw_opt add_opts[] = {
	{ OPT_KEY, 0, "key", KW_ARG_REQUIRED, "FILE.pub|-", KW_COMP_FILE, NULL,
	  "the public key: one line \"type base64 [comment]\" (a .pub file), or an "
	  "authorized_keys line with options; - reads stdin. Refused: private keys, certificates "
	  "(authorize the CA with --options cert-authority), several keys, unknown key types" },
	{ OPT_OPTIONS, 0, "options", KW_ARG_REQUIRED, "OPTIONS", KW_COMP_NONE, NULL,
	  "the options field of the line, e.g. 'from=\"10.0.0.0/8\",no-agent-forwarding' (no "
	  "blank outside quotes); refused with sshd's reason when sshd would reject it. Default: "
	  "the options of the input line, if any. '' = none" },
	FORCE_OPT("go ahead when changing a line's options would leave no account that can log "
		  "in with a key (the lock-out guard, see keys remove)"),
	TARGET_JOURNAL_OPTS("add"),
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_add = {
	.name = "keys add",
	.summary = "add a key to an account's authorized_keys (dry run unless --apply)",
	.synopsis = "USER --key FILE.pub|- [--options OPTIONS] [--apply] [OPTIONS]",
	.description =
	"Authorize one public key for USER: append its line to the first of USER's "
	"authorized_keys files that exists (or create the first one sshd names: a missing "
	"~/.ssh is made 0700 and the file 0600, owned by USER; a file outside the home is made "
	"0644, owned by root). When one of USER's files already holds the key, nothing is done, "
	"unless --options asks for other options: then that line's options are replaced, its "
	"key text and comment kept. A line holding the key that sshd ignores (bad options, a "
	"wrong type prefix) is replaced by the new line.\n\n"
	"USER is the account (from the root's /etc/passwd).",
	.opts = add_opts,
	.notes = EDIT_NOTES,
	.exit_status =
	"0 added, already there, or dry run; 1 the change failed (the journal undoes what was "
	"done) or could not be recorded in the audit trail; 2 usage error, unreadable input, or "
	"a refusal (a link, a trail that does not verify): nothing changed.",
	.examples =
	"keyward keys add alice --key alice.pub                       # dry run: the diff\n"
	"keyward keys add alice --key alice.pub --apply\n"
	"keyward keys add deploy --key ci.pub --options 'from=\"10.0.0.0/8\",restrict' --apply\n"
	"ssh-keygen -y -f ~/.ssh/id_ed25519 | keyward keys add bob --key - --apply\n"
	"keyward keys add alice --key alice.pub --root /mnt/image --apply --journal /var/tmp/j\n",
};

static const kw_opt remove_opts[] = {
	{ OPT_FP, 0, "fingerprint", KW_ARG_REQUIRED, "REF", KW_COMP_FILE, NULL,
	  "the key to remove (repeatable): a SHA256 fingerprint, an MD5 one or a public key "
	  "file" },
	{ OPT_KEY, 0, "key", KW_ARG_REQUIRED, "REF", KW_COMP_FILE, NULL,
	  "the same as --fingerprint" },
	{ OPT_ALL_USERS, 0, "all-users", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "every account's files" },
	{ OPT_UNREAD, 0, "include-unread", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "also files in the homes that sshd does not read for the account (a custom "
	  "AuthorizedKeysFile leaves ~/.ssh/authorized_keys unread: its keys open nothing today, "
	  "but would if the configuration changed)" },
	FORCE_OPT("go ahead when the lock-out guard objects"),
	TARGET_JOURNAL_OPTS("remove"),
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_remove = {
	.name = "keys remove",
	.summary = "remove a key from one account or every account (dry run unless --apply)",
	.synopsis =
	"USER --fingerprint SHA256:...|MD5:...|FILE.pub [--apply]\n"
	"--all-users --fingerprint ... [--apply]",
	.description =
	"Remove every line holding the key from the authorized_keys files sshd reads for USER "
	"(or for every account: --all-users), whether sshd uses the line or ignores it. "
	"--fingerprint may be given several times (several keys at once); it takes a SHA256 "
	"fingerprint as `ssh-keygen -lf` prints it, an MD5 one (ssh-keygen -E md5), or a "
	"public key file (--key is the same option).\n\n"
	"Lock-out guard: when some account can log in with a key now and none could after the "
	"removal (sshd's rules: shell, Allow/Deny lists, PermitRootLogin, StrictModes, ...), the "
	"removal is refused and the reasons are printed. --force removes anyway (you have a "
	"console, or another way in). Password logins are not counted.",
	.opts = remove_opts,
	.notes = EDIT_NOTES,
	.exit_status =
	"0 removed, or dry run; 1 no line holds the key (nothing changed), a change failed (the "
	"journal undoes what was done) or could not be recorded in the audit trail; 2 usage "
	"error, unreadable input, or a refusal (the lock-out guard, a link, a trail that does "
	"not verify): nothing changed.",
	.examples =
	"keyward keys remove alice --fingerprint SHA256:uYkR3uV0vRkBrmu9fXQ5JrB1Nq2tX8ZqjZ9EwFMpGmc\n"
	"keyward keys remove alice --fingerprint old-laptop.pub --apply\n"
	"keyward keys remove --all-users --fingerprint MD5:3b:7d:...:9f --apply   # a leaked key\n",
};

static const kw_opt rotate_opts[] = {
	{ OPT_OLD, 0, "old", KW_ARG_REQUIRED, "REF", KW_COMP_FILE, NULL,
	  "the key to replace: a fingerprint or a public key file" },
	{ OPT_NEW, 0, "new", KW_ARG_REQUIRED, "FILE.pub|-", KW_COMP_FILE, NULL,
	  "the new public key (as keys add --key)" },
	{ OPT_OPTIONS, 0, "options", KW_ARG_REQUIRED, "OPTIONS", KW_COMP_NONE, NULL,
	  "options for the new lines instead of the old lines' ('' = none)" },
	FORCE_OPT("go ahead when the lock-out guard objects"),
	TARGET_JOURNAL_OPTS("rotate"),
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_rotate = {
	.name = "keys rotate",
	.summary = "replace an account's key with a new one (dry run unless --apply)",
	.synopsis = "USER --old SHA256:...|MD5:...|OLD.pub --new NEW.pub|- [--options OPTIONS] [--apply] [OPTIONS]",
	.description =
	"Replace the old key by the new one in place, in every authorized_keys file of USER "
	"that holds it: the line keeps its position, its options (unless --options gives "
	"others) and its line end; the comment becomes the new key's. When a file already holds "
	"the new key, the old lines are removed there instead (no duplicate). The lock-out guard "
	"runs as for remove (the new key counts); --force overrides it.",
	.opts = rotate_opts,
	.notes = EDIT_NOTES,
	.exit_status =
	"0 rotated, or dry run; 1 no line holds the old key (nothing changed), a change failed "
	"(the journal undoes what was done) or could not be recorded in the audit trail; 2 usage "
	"error, unreadable input, or a refusal: nothing changed.",
	.examples =
	"keyward keys rotate alice --old SHA256:uYkR3uV0vRkBrmu9fXQ5JrB1Nq2tX8ZqjZ9EwFMpGmc --new new.pub\n"
	"keyward keys rotate alice --old old.pub --new new.pub --apply\n",
};

static const kw_opt log_opts[] = {
	{ OPT_AUDIT_LOG, 0, "audit-log", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "the trail (default " KW_AUDIT_LOG_DEFAULT ")" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "text|json", KW_COMP_WORDS, "text json",
	  "text (default; every string escaped), or json: the lines as stored, one JSON object "
	  "per line" },
	{ OPT_VERIFY, 0, "verify", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "check the chain and the head file instead of listing" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_log = {
	.name = "keys log",
	.summary = "the audit trail of snapshots and changes; --verify checks its hash chain",
	.synopsis = "[--audit-log FILE] [--format text|json] [--verify]",
	.description =
	"The audit trail of keys add, remove, rotate and snapshot: one line per operation with "
	"its time (UTC), who ran it (uid, login name, SUDO_USER), the host, the root it changed, "
	"the action, the account and the key fingerprints (rotate: old, then new), the files and "
	"the journal. Lines are hash-chained (SHA-256; docs/keys-lifecycle.md has the exact "
	"rule) and a head file (FILE.head) records the last line, so an edited, deleted, "
	"inserted, reordered or truncated line is found by --verify.",
	.opts = log_opts,
	.exit_status =
	"listing: 0 listed, 1 some lines are not entries (named on stderr: run --verify), 2 the "
	"trail cannot be read or does not exist. --verify: 0 intact, 1 not intact (the first "
	"bad line and why), 2 the trail cannot be read or does not exist.",
	.examples =
	"keyward keys log\n"
	"keyward keys log --verify\n"
	"keyward keys log --format json | jq -r 'select(.action==\"remove\") | .fingerprints[]'\n",
};

/* ------------------------------------------------------------------ arguments -- */

typedef enum { SUB_ADD, SUB_REMOVE, SUB_ROTATE } edit_sub;

typedef struct edit_args {
	edit_sub sub;
	const char *name;          /* "add", "remove", "rotate" */
	const char *cmd;           /* "keys add", ... (messages) */
	const char *user;
	const char *key;           /* add --key, rotate --new */
	const char *old;           /* rotate --old */
	const char **refs;         /* remove --fingerprint / --key */
	size_t n_refs, cap_refs;
	const char *options;       /* NULL: not given */
	const char *root, *image, *journal, *audit_log;
	bool apply, force, all_users, include_unread, no_diff;
} edit_args;

static int usage(const edit_args *a, const char *msg, const char *what)
{
	return kw_cmd_usage_err(a->cmd, msg, what);
}

static const kw_cmd_spec *const sub_spec[] = { &kw_spec_keys_add, &kw_spec_keys_remove,
						&kw_spec_keys_rotate };

/* -1 go on; else the exit status: 0 after --help, 2 usage error, 70 an unhandled option. */
static int parse_edit_args(int argc, char **argv, edit_args *a)
{
	kw_opts p;
	kw_opts_begin(&p, sub_spec[a->sub]);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_KEY:
			if (a->sub == SUB_REMOVE)
				goto ref;
			a->key = optarg;
			break;
		case OPT_NEW: a->key = optarg; break;
		case OPT_OLD: a->old = optarg; break;
		case OPT_FP:
		ref: {
			const char **slot = KW_VEC_PUSH(a->refs, a->n_refs, a->cap_refs);
			if (!slot)
				return 2;
			*slot = optarg;
			break;
		}
		case OPT_OPTIONS: a->options = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_IMAGE: a->image = optarg; break;
		case OPT_APPLY: a->apply = true; break;
		case OPT_JOURNAL: a->journal = optarg; break;
		case OPT_AUDIT_LOG: a->audit_log = optarg; break;
		case OPT_FORCE: a->force = true; break;
		case OPT_ALL_USERS: a->all_users = true; break;
		case OPT_UNREAD: a->include_unread = true; break;
		case OPT_NO_DIFF: a->no_diff = true; break;
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	int npos = argc - optind;
	if (npos > 1)
		return usage(a, "unexpected argument: ", argv[optind + 1]);
	a->user = npos == 1 ? argv[optind] : NULL;
	if (a->image)
		return usage(a, "image tarballs cannot be edited (a tarball is rewritten whole, not "
			     "edited in place): unpack or mount the image and pass --root DIR; "
			     "`keyward keys scan --image` lists its keys. Refused: ", a->image);
	if (a->all_users && a->user)
		return usage(a, "give USER or --all-users, not both: ", a->user);
	if (!a->user && !a->all_users)
		return usage(a, a->sub == SUB_REMOVE ? "which account? give USER or --all-users"
			     : "which account? give USER", NULL);
	if (a->sub == SUB_ADD && !a->key)
		return usage(a, "--key FILE.pub (or - for stdin) is required", NULL);
	if (a->sub == SUB_REMOVE && a->n_refs == 0)
		return usage(a, "--fingerprint SHA256:... (or a .pub file) is required", NULL);
	if (a->sub == SUB_ROTATE && (!a->old || !a->key))
		return usage(a, "--old REF and --new FILE.pub are both required", NULL);
	return -1;
}

/* ------------------------------------------------------------------ the run -- */

typedef struct file_edit {
	char *path;               /* canonical, inside the root (the writer's) */
	char *sshd_path;          /* as sshd names it (the lock-out guard compares these) */
	const kw_account *acct;   /* the (first) account whose file it is */
	bool unread;              /* sshd does not read it for that account */
	bool exists;
	const char *bad;          /* why the writer may not replace it (a link ...), or NULL */
	bool make_dir;            /* its folder (the account's ~/.ssh) is made first */
	char *dir;                /* that folder */
	kw_file old;              /* what it held when read under the lock */
	kw_akfile ak;
	kw_keyedit ed;
} file_edit;

typedef struct edit_run {
	edit_args *a;
	const char *cmd;
	char root[PATH_MAX];
	bool live;
	kw_target *t;
	kw_facts facts;
	kw_sshd_config *own_cfg;  /* sshd's defaults when the root has no usable config */
	kw_sshd_config *cfg;
	int rootfd;
	kw_keylock lock;
	kw_newkey nk;             /* add, rotate */
	kw_keyref *refs;          /* remove, rotate (--old) */
	size_t n_refs;
	file_edit *files;
	size_t n_files, cap_files;
	kw_strindex file_ix;      /* files by canonical path */
	kw_plan plan;
	char *journal;
	bool color;
} edit_run;

static void say(const edit_run *e, const char *msg, const char *text)
{
	kw_fix_err(e->cmd, msg, text ? text : "");
}

static void file_edit_release(file_edit *f)
{
	free(f->path);
	free(f->sshd_path);
	free(f->dir);
	kw_file_release(&f->old);
	kw_akfile_release(&f->ak);
	kw_keyedit_release(&f->ed);
}

static void run_release(edit_run *e)
{
	kw_keylock_release(&e->lock);
	for (size_t i = 0; i < e->n_files; i++)
		file_edit_release(&e->files[i]);
	free(e->files);
	kw_strindex_release(&e->file_ix);
	kw_plan_release(&e->plan);
	free(e->journal);
	free(e->refs);
	kw_newkey_release(&e->nk);
	if (e->rootfd >= 0)
		close(e->rootfd);
	kw_facts_release(&e->facts);
	kw_sshd_config_free(e->own_cfg);
	if (e->t)
		kw_target_free(e->t);
	free(e->a->refs);
}

/* ---- inputs ---- */

static int load_inputs(edit_run *e)
{
	edit_args *a = e->a;
	char why[KW_KEYEDIT_WHY] = "";
	if (a->options && kw_keyedit_check_options(a->options, why, sizeof why) < 0) {
		say(e, why, NULL);
		return 2;
	}
	if (a->key && !strcmp(a->key, "-") && a->sub == SUB_ROTATE && a->old && !strcmp(a->old, "-")) {
		say(e, "only one of --old and --new can read stdin", NULL);
		return 2;
	}
	if (a->key && kw_cmd_load_newkey(e->cmd, a->key, &e->nk))
		return 2;
	size_t n = a->sub == SUB_ROTATE ? 1 : a->n_refs;
	if (n == 0)
		return 0;
	e->refs = calloc(n, sizeof *e->refs);
	if (!e->refs)
		return 2;
	for (size_t i = 0; i < n; i++)
		if (kw_cmd_load_keyref(e->cmd, a->sub == SUB_ROTATE ? a->old : a->refs[i], &e->refs[i]))
			return 2;
	e->n_refs = n;
	if (a->sub == SUB_ROTATE && kw_keyref_matches(&e->refs[0], &e->nk.key)) {
		say(e, "--old and --new name the same key: ", e->nk.key.fp);
		return 2;
	}
	return 0;
}

/* ---- the target ---- */

static int open_target(edit_run *e)
{
	const char *root = e->a->root ? e->a->root : "/";
	if (!realpath(root, e->root)) {
		fprintf(stderr, "keyward %s: cannot open the root (%s): ", e->cmd, kw_strerror(-errno));
		say(e, "", root);
		return 2;
	}
	struct stat st;
	if (stat(e->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		say(e, "--root must be a folder (image tarballs cannot be edited: unpack them): ", root);
		return 2;
	}
	e->live = !strcmp(e->root, "/");
	int r = kw_target_open_dir(e->root, &e->t);
	if (r == 0)
		r = kw_write_open_root(e->root, &e->rootfd);
	if (r < 0) {
		fprintf(stderr, "keyward %s: cannot open %s: ", e->cmd, kw_strerror(r));
		say(e, "", e->root);
		return 2;
	}
	kw_collect_opts co = { .live_host = e->live, .keys_only = true };
	if ((r = kw_collect(e->t, &co, &e->facts)) < 0) {
		fprintf(stderr, "keyward %s: %s\n", e->cmd, kw_strerror(r));
		return 2;
	}
	if (!e->facts.have_passwd) {
		say(e, "no readable /etc/passwd in ", e->root);
		return 2;
	}
	e->cfg = e->facts.sshd.cfg;
	if (!e->cfg) {
		/* no sshd_config (or one sshd refuses): sshd's compiled-in defaults */
		kw_sshd_load_opts lo = { .config_path = "none" };
		kw_diags d = { 0 };
		r = kw_sshd_config_load(e->t, &lo, &e->own_cfg, &d);
		kw_diags_release(&d);
		if (r < 0) {
			fprintf(stderr, "keyward %s: %s\n", e->cmd, kw_strerror(r));
			return 2;
		}
		e->cfg = e->own_cfg;
		if (e->facts.sshd.refused)
			say(e, "note: sshd would refuse its configuration (sshd's defaults are assumed): ",
			    e->facts.sshd.refusal);
	}
	return 0;
}

/* "/a//b/./c" -> "/a/b/c"; NULL for a relative path, a ".." component, or ENOMEM. */
static char *canon_path(const char *p)
{
	if (!p || p[0] != '/')
		return NULL;
	size_t n = strlen(p);
	char *out = malloc(n + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	for (const char *c = p; *c;) {
		while (*c == '/')
			c++;
		const char *end = c;
		while (*end && *end != '/')
			end++;
		size_t l = (size_t)(end - c);
		if (l == 0 || (l == 1 && c[0] == '.')) {
			c = end;
			continue;
		}
		if (l == 2 && c[0] == '.' && c[1] == '.') {
			free(out);
			return NULL;
		}
		out[o++] = '/';
		memcpy(out + o, c, l);
		o += l;
		c = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* The files sshd reads for account a, in order, as sshd names them (lockout.c's way:
 * a relative name is "HOME/name"). */
static int sshd_files(edit_run *e, const kw_account *a, char ***ret, size_t *ret_n)
{
	kw_sshd_result *own = NULL;
	const kw_sshd_result *res;
	int r = kw_sshd_user_result(e->cfg, a->name, &own, &res);
	if (r == -ENOMEM)
		return r;
	r = kw_sshd_keyfile_paths(res, a, ret, ret_n);
	kw_sshd_result_free(own);
	return r;
}

/* Add a file to the run once (by canonical path). */
/* The file of the run at the canonical path, or NULL. */
static file_edit *find_file(const edit_run *e, const char *path)
{
	size_t i = kw_strindex_get(&e->file_ix, path);
	return i == KW_STRINDEX_NONE ? NULL : &e->files[i];
}

static int add_file(edit_run *e, const char *sshd_path, const kw_account *a, bool unread)
{
	_cleanup_free_ char *cp = canon_path(sshd_path);
	if (!cp || !strcmp(cp, "/")) {
		say(e, "an AuthorizedKeysFile path keyward cannot edit (relative, or with \"..\"): ",
		    sshd_path);
		return 2;
	}
	if (find_file(e, cp))
		return 0;
	file_edit *f = KW_VEC_PUSH(e->files, e->n_files, e->cap_files);
	if (!f || kw_strindex_put(&e->file_ix, cp, e->n_files - 1, NULL) < 0)
		return 2;
	f->path = TAKE_PTR(cp);
	f->sshd_path = strdup(sshd_path);
	f->acct = a;
	f->unread = unread;
	return f->sshd_path ? 0 : 2;
}

/* The candidate files of one account: the ones sshd reads, then (--include-unread) those
 * found in its home that sshd does not read. */
static int account_candidates(edit_run *e, const kw_account *a)
{
	char **v = NULL;
	size_t n = 0;
	if (sshd_files(e, a, &v, &n) < 0)
		return 2;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = add_file(e, v[i], a, false);
	kw_strv_free(v, n);
	for (size_t i = 0; e->a->include_unread && r == 0 && i < e->facts.n_keyfiles; i++) {
		const kw_keyfile *k = &e->facts.keyfiles[i];
		if (!k->granted && k->account && !strcmp(k->account, a->name))
			r = add_file(e, k->path, a, true);
	}
	return r;
}

/* ---- reading under the lock ---- */

/* Read file f as it is now (through a link, inside the root: to know what it holds).
 * What makes it unwritable is noted in f->bad and refused only if it is to change. */
static int read_file(edit_run *e, file_edit *f)
{
	kw_file_release(&f->old);
	kw_akfile_release(&f->ak);
	f->bad = NULL;
	kw_stat st;
	int r = kw_target_lstat(e->t, f->path, &st);
	if (r == -ENOENT || r == -ENOTDIR) {
		f->exists = false;
		return kw_akfile_parse(f->path, NULL, 0, &f->ak) < 0 ? 2 : 0;
	}
	if (r < 0) {
		fprintf(stderr, "keyward %s: cannot read %s: ", e->cmd, kw_strerror(r));
		say(e, "", f->path);
		return 2;
	}
	f->exists = true;
	if (st.type == KW_FT_LNK)
		f->bad = "this authorized_keys file is a symbolic link, and keyward never writes "
			 "through a link (it may point out of the image root, or at another "
			 "account's file); replace the link by a regular file, or edit the file it "
			 "points to";
	else if (st.type != KW_FT_REG)
		f->bad = "not a regular file";
	else if (st.nlink > 1)
		f->bad = "the file has other hard links (a change would show under every name)";
	r = kw_target_read(e->t, f->path, KEYFILE_READ_MAX, &f->old);
	if (r == 0 && f->old.truncated)
		r = KW_E_TOOBIG;
	if (r < 0 && f->bad) {
		f->old = (kw_file){ 0 }; /* a dangling link, a folder: holds no key */
		r = 0;
	}
	if (r < 0) {
		fprintf(stderr, "keyward %s: cannot read %s: ", e->cmd, kw_strerror(r));
		say(e, "", f->path);
		return 2;
	}
	return kw_akfile_parse(f->path, f->old.data, f->old.len, &f->ak) < 0 ? 2 : 0;
}

/* A file about to change must be one the writer may replace. 0 or 2 (said). */
static int check_writable(const edit_run *e, const file_edit *f)
{
	if (!f->bad)
		return 0;
	char msg[400];
	snprintf(msg, sizeof msg, "refused, nothing changed: %s: ", f->bad);
	say(e, msg, f->path);
	return 2;
}

static void wait_msg(void *ctx, const char *path)
{
	const edit_run *e = ctx;
	if (!kw_ui_settings.quiet)
		say(e, "waiting for another run that edits the keys in the folder of ", path);
}

/* Lock the folders of the files (indexes idx[0..n)). */
static int lock_files(edit_run *e, const size_t *idx, size_t n)
{
	_cleanup_free_ const char **paths = calloc(n ? n : 1, sizeof *paths);
	if (!paths)
		return 2;
	for (size_t i = 0; i < n; i++)
		paths[i] = e->files[idx[i]].path;
	int r = kw_keylock_acquire(e->rootfd, paths, n, wait_msg, e, &e->lock);
	if (r < 0) {
		fprintf(stderr, "keyward %s: cannot lock the folders of the key files (%s)%s\n",
			e->cmd, kw_strerror(r), r == -EMFILE ? ": too many files at once (raise "
			"ulimit -n)" : "");
		return 2;
	}
	return 0;
}

/* Does the file hold a key the refs name? */
static bool file_matches(const kw_akfile *ak, const kw_keyref *refs, size_t n)
{
	for (size_t i = 0; i < ak->keys.n; i++)
		for (size_t k = 0; k < n; k++)
			if (kw_keyref_matches(&refs[k], &ak->keys.v[i].key))
				return true;
	return false;
}

/* ---- choosing and editing ---- */

/* add: the file that holds the key already, else the first that exists, else the first
 * named. Sets where a new file and folder go. */
static int choose_add_target(edit_run *e, size_t *ret)
{
	size_t first_existing = SIZE_MAX;
	for (size_t i = 0; i < e->n_files; i++) {
		file_edit *f = &e->files[i];
		for (size_t k = 0; k < f->ak.keys.n; k++)
			if (!strcmp(f->ak.keys.v[k].key.fp, e->nk.key.fp)) {
				*ret = i;
				return 0;
			}
		if (f->exists && first_existing == SIZE_MAX)
			first_existing = i;
	}
	*ret = first_existing != SIZE_MAX ? first_existing : 0;
	return 0;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && path[n] == '/';
}

/* A new file: its folder must exist, or be the account's ~/.ssh (made then). */
static int plan_new_file(edit_run *e, file_edit *f)
{
	_cleanup_free_ char *dir = kw_path_dir(f->path);
	_cleanup_free_ char *home = f->acct->home ? canon_path(f->acct->home) : NULL;
	if (!dir)
		return 2;
	kw_stat st;
	if (kw_target_stat(e->t, dir, &st) == 0) {
		if (st.type != KW_FT_DIR) {
			say(e, "refused: not a folder: ", dir);
			return 2;
		}
		return 0;
	}
	_cleanup_free_ char *ssh = NULL;
	if (home && asprintf(&ssh, "%s%s.ssh", home, strcmp(home, "/") ? "/" : "") < 0)
		ssh = NULL;
	if (!ssh || strcmp(dir, ssh) != 0) {
		say(e, "refused: the folder of the new authorized_keys file does not exist, and it "
		    "is not the account's ~/.ssh (create it first, with the owner and mode sshd's "
		    "StrictModes wants): ", dir);
		return 2;
	}
	if (kw_target_stat(e->t, home, &st) < 0 || st.type != KW_FT_DIR) {
		say(e, "refused: the account's home does not exist: ", home);
		return 2;
	}
	f->make_dir = true;
	f->dir = TAKE_PTR(dir);
	return 0;
}

/* Mode and owner of a new file: under the account's home, 0600 and the account's; else
 * (/etc/ssh/keys/%u ...) 0644 and root's. */
/* Is the file inside its account's home (not "/")? */
static bool in_home(const file_edit *f)
{
	_cleanup_free_ char *home = f->acct->home ? canon_path(f->acct->home) : NULL;
	return home && strcmp(home, "/") != 0 && under(f->path, home);
}

static void new_file_owner(const file_edit *f, mode_t *mode, uint32_t *uid, uint32_t *gid)
{
	bool home = in_home(f);
	*mode = home ? 0600 : 0644;
	*uid = home ? f->acct->uid : 0;
	*gid = home ? f->acct->gid : 0;
}

static const char *key_words(const kw_pubkey *k, char *buf, size_t n)
{
	snprintf(buf, n, "%s key %s", k->label, k->fp);
	return buf;
}

/* The plan's line for one file. */
static char *why_text(const edit_run *e, const file_edit *f)
{
	const kw_keyedit *d = &f->ed;
	char kw[128], *s = NULL;
	const char *unread = f->unread ? " (a file sshd does not read for this account)" : "";
	int r = -1;
	switch (d->status) {
	case KW_KEYEDIT_ADDED:
		r = asprintf(&s, "add %s for %s as line %u%s", key_words(&e->nk.key, kw, sizeof kw),
			     f->acct->name, d->line, f->exists ? "" : " of a new file");
		break;
	case KW_KEYEDIT_OPTIONS:
		r = asprintf(&s, "line %u (%s): new options", d->line, key_words(&e->nk.key, kw, sizeof kw));
		break;
	case KW_KEYEDIT_FIXED:
		r = asprintf(&s, "line %u held %s but sshd ignored it: replaced by the new line",
			     d->line, key_words(&e->nk.key, kw, sizeof kw));
		break;
	case KW_KEYEDIT_REMOVED:
		r = asprintf(&s, "remove %zu line%s holding %s%s%s", d->removed, d->removed == 1 ? "" : "s",
			     d->n_fps ? d->fps[0] : "?", d->n_fps > 1 ? " and other keys" : "", unread);
		if (r >= 0 && e->a->sub == SUB_ROTATE) {
			free(s);
			r = asprintf(&s, "remove %zu line%s of %s: the new key is already in the file",
				     d->removed, d->removed == 1 ? "" : "s", d->n_fps ? d->fps[0] : "?");
		}
		break;
	case KW_KEYEDIT_ROTATED:
		r = asprintf(&s, "replace %zu line%s of %s by %s", d->replaced, d->replaced == 1 ? "" : "s",
			     d->n_fps ? d->fps[0] : "?", key_words(&e->nk.key, kw, sizeof kw));
		break;
	case KW_KEYEDIT_NONE:
		break;
	}
	return r < 0 ? NULL : s;
}

/* Edit every file; the number changed, or -1. */
static ssize_t edit_files(edit_run *e, const size_t *idx, size_t n)
{
	ssize_t changed = 0;
	for (size_t i = 0; i < n; i++) {
		file_edit *f = &e->files[idx[i]];
		int r;
		const char *opts = e->a->options;
		switch (e->a->sub) {
		case SUB_ADD: r = kw_keyedit_add(&f->ak, &e->nk, opts, &f->ed); break;
		case SUB_REMOVE: r = kw_keyedit_remove(&f->ak, e->refs, e->n_refs, &f->ed); break;
		default: r = kw_keyedit_rotate(&f->ak, &e->refs[0], &e->nk, opts, &f->ed); break;
		}
		if (r < 0) {
			char msg[KW_KEYEDIT_WHY + 64];
			snprintf(msg, sizeof msg, "refused, nothing changed: %s: ",
				 f->ed.why[0] ? f->ed.why : kw_strerror(r));
			say(e, msg, f->path);
			return -1;
		}
		if (f->ed.status != KW_KEYEDIT_NONE && check_writable(e, f))
			return -1;
		changed += f->ed.status != KW_KEYEDIT_NONE;
	}
	return changed;
}

/* ---- the lock-out guard ---- */

/* Is the file one that several accounts read (a path without the account in it)? */
static bool shared_file(const edit_run *e, const file_edit *f)
{
	for (size_t i = 0; i < e->facts.n_accounts; i++) {
		const kw_account *o = &e->facts.accounts[i];
		if (o != f->acct && o->home && f->acct->home && !strcmp(o->home, f->acct->home))
			return true;
	}
	return !in_home(f);
}

static void print_candidates(FILE *out, const kw_lockout_report *r, const char *title)
{
	fprintf(out, "%s\n", title);
	size_t shown = 0;
	for (size_t i = 0; i < r->n && shown < 20; i++) {
		_cleanup_free_ char *who = kw_escape_str(r->v[i].account);
		_cleanup_free_ char *why = kw_escape_str(r->v[i].why);
		fprintf(out, "  %-4s %s: %s\n", r->v[i].counts ? "yes" : "no", who ? who : "?", why ? why : "?");
		shown++;
	}
	if (r->n > shown)
		fprintf(out, "  (%zu more)\n", r->n - shown);
}

/* 0 go on, 2 refused (printed). */
static int guard(edit_run *e, const size_t *idx, size_t n)
{
	const char **drop = NULL;
	size_t nd = 0, capd = 0;
	const char *add_path = NULL;
	bool shared = e->a->all_users;
	for (size_t i = 0; i < n; i++) {
		const file_edit *f = &e->files[idx[i]];
		if (f->ed.status == KW_KEYEDIT_NONE || f->unread)
			continue;
		for (size_t k = 0; k < f->ed.n_fps; k++) {
			const char **slot = KW_VEC_PUSH(drop, nd, capd);
			if (!slot) {
				free(drop);
				return 2;
			}
			*slot = f->ed.fps[k];
		}
		if (!add_path && f->ed.status != KW_KEYEDIT_REMOVED)
			add_path = f->sshd_path;
		if (!shared)
			shared = shared_file(e, f);
	}
	if (nd == 0) {
		free(drop);
		return 0; /* nothing taken away */
	}
	/* the line the change writes, as the guard should see it */
	kw_authkeys added = { 0 };
	const file_edit *af = NULL;
	for (size_t i = 0; add_path && i < n && !af; i++)
		if (e->files[idx[i]].sshd_path == add_path)
			af = &e->files[idx[i]];
	if (af) {
		kw_akfile nf = { 0 };
		if (kw_akfile_parse("new", af->ed.data, af->ed.len, &nf) == 0) {
			for (size_t i = 0; i < nf.keys.n && !added.n; i++)
				if (!strcmp(nf.keys.v[i].key.fp, e->nk.key.fp)) {
					/* take that one record out of the parse */
					added.v = malloc(sizeof *added.v);
					if (added.v) {
						added.v[0] = nf.keys.v[i];
						added.n = 1;
						nf.keys.v[i] = nf.keys.v[--nf.keys.n];
					}
				}
			kw_akfile_release(&nf);
		}
	}
	const file_edit *first = NULL; /* one account's files unless shared */
	for (size_t i = 0; i < n && !first; i++)
		if (e->files[idx[i]].ed.status != KW_KEYEDIT_NONE)
			first = &e->files[idx[i]];
	kw_lockout_whatif w = {
		.account = shared || !first ? NULL : first->acct->name,
		.drop_fps = drop, .n_drop = nd,
		.add = added.n ? &added.v[0] : NULL, .add_path = added.n ? add_path : NULL,
	};
	kw_lockout_report before = { 0 }, after = { 0 };
	int r = kw_lockout_accounts(e->t, &e->facts, e->cfg, NULL, &before);
	if (r == 0)
		r = kw_lockout_accounts(e->t, &e->facts, e->cfg, &w, &after);
	int rc = 0;
	if (r < 0) {
		fprintf(stderr, "keyward %s: lock-out guard: %s\n", e->cmd, kw_strerror(r));
		rc = 2;
	} else if (before.pass && !after.pass) {
		if (e->a->force) {
			printf("lock-out guard: after this change no account could log in with a key; "
			       "going ahead (--force).\n");
		} else {
			say(e, "refused, nothing changed: after this change no account could log in with "
			    "a key (password logins are not counted)", NULL);
			print_candidates(stderr, &before, "now:");
			print_candidates(stderr, &after, "after the change:");
			fprintf(stderr, "keyward %s: add another key first (keyward keys add), or pass "
				"--force if you have another way in (a console, a password).\n", e->cmd);
			rc = 2;
		}
	}
	kw_lockout_report_release(&before);
	kw_lockout_report_release(&after);
	kw_authkeys_release(&added);
	free(drop);
	return rc;
}

/* ---- notes for the plan ---- */

static int note_file(edit_run *e, const file_edit *f)
{
	if (f->ed.status == KW_KEYEDIT_NONE)
		return 0;
	if (f->make_dir && kw_plan_note(&e->plan, "%s is made first: mode 0700, owner %s (uid %u, "
					"gid %u)", f->dir, f->acct->name, f->acct->uid,
					f->acct->gid) < 0)
		return -ENOMEM;
	if (!f->exists) {
		mode_t mode;
		uint32_t uid, gid;
		new_file_owner(f, &mode, &uid, &gid);
		if (kw_plan_note(&e->plan, "%s is a new file: mode %04o, owner uid %u, gid %u",
				 f->path, (unsigned)mode, uid, gid) < 0)
			return -ENOMEM;
	}
	/* StrictModes: would sshd read the file (or the folder it goes into)? */
	const char *check = f->exists ? f->path : f->make_dir ? f->acct->home : NULL;
	_cleanup_free_ char *dir = NULL;
	if (!check && (dir = kw_path_dir(f->path)))
		check = dir;
	char *why = NULL;
	if (check && e->a->sub != SUB_REMOVE && !kw_lockout_modes_ok(e->t, check, f->acct, &why)) {
		int r = kw_plan_note(&e->plan, "sshd (StrictModes yes) ignores this file as things "
				     "are: %s", why ? why : "?");
		free(why);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the audit trail ---- */

/* Could a line be appended? 0, or 2 with the reason printed (nothing changed). */
static int audit_preflight(edit_run *e, const char *log)
{
	kw_audit_report rep;
	int r = kw_audit_verify(log, &rep);
	if (r == -ENOENT) {
		/* a new trail: can its folder be made and written? */
		_cleanup_free_ char *dir = kw_path_dir(log);
		while (dir && access(dir, F_OK) != 0 && strcmp(dir, "/") && strcmp(dir, ".")) {
			char *up = kw_path_dir(dir);
			free(dir);
			dir = up;
		}
		if (dir && faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0)
			return 0;
		fprintf(stderr, "keyward %s: refused, nothing changed: the audit trail cannot be "
			"created (no write access to the folder ", e->cmd);
		say(e, "", dir ? dir : log);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "keyward %s: refused, nothing changed: cannot read the audit trail "
			"(%s): ", e->cmd, kw_strerror(r));
		say(e, "", log);
		return 2;
	}
	if (!rep.ok && rep.problem != KW_AUDIT_HEAD_BEHIND) {
		_cleanup_free_ char *ew = kw_escape_str(rep.why);
		fprintf(stderr, "keyward %s: refused, nothing changed: the audit trail does not "
			"verify (line %llu: %s). See `keyward keys log --verify`; to go on with a new "
			"trail, pass --audit-log NEWFILE. Trail: ", e->cmd,
			(unsigned long long)rep.bad_line, ew ? ew : "?");
		say(e, "", log);
		return 2;
	}
	int fd = open(log, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "keyward %s: refused, nothing changed: the audit trail cannot be "
			"written (%s): ", e->cmd, kw_strerror(-errno));
		say(e, "", log);
		return 2;
	}
	close(fd);
	return 0;
}

static json_t *files_json(const edit_run *e, kw_action_status want, json_t **accounts)
{
	json_t *files = json_array();
	*accounts = json_array();
	kw_strindex seen = { 0 };
	for (size_t i = 0; files && *accounts && i < e->plan.n; i++) {
		const kw_action *ac = &e->plan.v[i];
		if (ac->status != want)
			continue;
		json_array_append_new(files, json_string(ac->path));
		const file_edit *f = find_file(e, ac->path);
		if (f && kw_strindex_put(&seen, f->acct->name, 0, NULL) == 0) /* 0: first time */
			json_array_append_new(*accounts, json_string(f->acct->name));
	}
	kw_strindex_release(&seen);
	return files;
}

/* One line for what was done. 0, or 1 (said loudly). */
static int audit_record(edit_run *e, const char *log)
{
	static const kw_audit_action act[] = { KW_AUDIT_ADD, KW_AUDIT_REMOVE, KW_AUDIT_ROTATE };
	const char **fps = NULL;
	size_t nf = 0, cap = 0;
	for (size_t i = 0; i < e->n_files; i++) {
		const kw_keyedit *d = &e->files[i].ed;
		for (size_t k = 0; k < d->n_fps; k++) {
			bool seen = false;
			for (size_t j = 0; j < nf; j++)
				seen |= !strcmp(fps[j], d->fps[k]);
			const char **slot = seen ? NULL : KW_VEC_PUSH(fps, nf, cap);
			if (slot)
				*slot = d->fps[k];
		}
	}
	if (e->a->sub == SUB_ADD)
		nf = 0; /* add records its key only */
	if (e->a->sub != SUB_REMOVE) { /* rotate: the old ones, then the new */
		const char **slot = KW_VEC_PUSH(fps, nf, cap);
		if (slot)
			*slot = e->nk.key.fp;
	}
	json_t *accounts = NULL;
	json_t *detail = json_object();
	json_t *done = files_json(e, KW_ST_DONE, &accounts);
	json_t *acc2 = NULL;
	json_t *failed = files_json(e, KW_ST_FAILED, &acc2);
	json_decref(acc2);
	if (detail && done) {
		json_object_set_new(detail, "files", done);
		done = NULL;
		if (json_array_size(failed))
			json_object_set(detail, "failed", failed);
		json_object_set_new(detail, "journal", e->journal ? json_string(e->journal) : json_null());
		if (e->a->sub != SUB_REMOVE)
			json_object_set_new(detail, "options", e->a->options ? json_string(e->a->options)
					    : e->nk.options ? json_string(e->nk.options) : json_null());
		if (e->a->all_users)
			json_object_set(detail, "accounts", accounts);
		if (e->a->force)
			json_object_set_new(detail, "forced", json_true());
	}
	json_decref(done);
	json_decref(failed);
	const char *user = e->a->user;
	if (!user && json_array_size(accounts) == 1)
		user = json_string_value(json_array_get(accounts, 0));
	kw_audit_entry en = { .root = e->root, .action = act[e->a->sub], .user = user,
			      .fingerprints = fps, .n_fingerprints = nf, .detail = detail };
	char err[512] = "";
	int r = detail ? kw_audit_append(log, &en, err, sizeof err) : -ENOMEM;
	json_decref(accounts);
	json_decref(detail);
	free(fps);
	if (r < 0) {
		_cleanup_free_ char *ee = kw_escape_str(err[0] ? err : kw_strerror(r));
		_cleanup_free_ char *el = kw_escape_str(log);
		fprintf(stderr, "keyward %s: AUDIT FAILED: the change WAS made (see the journal "
			"above) but could not be recorded in the audit trail %s: %s\n"
			"keyward %s: record it by hand, or undo it with the journal.\n",
			e->cmd, el ? el : "?", ee ? ee : "?", e->cmd);
		return 1;
	}
	if (!kw_ui_settings.quiet) {
		_cleanup_free_ char *el = kw_escape_str(log);
		printf("audit: recorded in %s\n", el ? el : "?");
	}
	return 0;
}

/* ---- apply: folders and new files first ---- */

static void writer_err(const edit_run *e, int r, const char *journal)
{
	if (r == KW_E_INROOT)
		say(e, "the journal would be inside the image root; pass --journal DIR outside "
		    "the root: ", journal);
	else if (r == KW_E_USAGE)
		say(e, "the journal folder belongs to another root; pass a new --journal DIR: ", journal);
	else {
		fprintf(stderr, "keyward %s: cannot open the journal or the root (%s): ", e->cmd,
			kw_strerror(r));
		say(e, "", journal);
	}
}

/* Make the missing ~/.ssh and an empty file owned by the account, journaled in the same
 * journal as the edit that follows (plan.h's actions create files owned by root). 0, 1
 * (something failed: the journal undoes what was done) or 2 (nothing changed). */
static int make_new_files(edit_run *e)
{
	bool any = false;
	for (size_t i = 0; i < e->plan.n; i++)
		any |= !e->plan.v[i].old_exists;
	if (!any)
		return 0;
	kw_writer *w = NULL;
	int r = kw_writer_open(e->root, e->journal, &w);
	if (r < 0) {
		writer_err(e, r, e->journal);
		return 2;
	}
	int rc = 0;
	for (size_t i = 0; i < e->plan.n && rc == 0; i++) {
		kw_action *ac = &e->plan.v[i];
		file_edit *f = find_file(e, ac->path);
		if (ac->old_exists || !f)
			continue;
		if (f->make_dir && (r = kw_writer_mkdir(w, f->dir, 0700, f->acct->uid, f->acct->gid)) < 0) {
			fprintf(stderr, "keyward %s: cannot make the folder (%s): ", e->cmd, kw_strerror(r));
			say(e, "", f->dir);
			rc = 2;
			break;
		}
		mode_t mode;
		uint32_t uid, gid;
		new_file_owner(f, &mode, &uid, &gid);
		r = kw_writer_create(w, f->path, NULL, 0, mode, uid, gid);
		if (r < 0) {
			fprintf(stderr, "keyward %s: cannot create the file (%s): ", e->cmd,
				r == KW_E_CHANGED ? "it appeared meanwhile: run again" : kw_strerror(r));
			say(e, "", f->path);
			rc = f->make_dir ? 1 : 2;
			break;
		}
		/* the edit now fills the empty file */
		ac->old_exists = true;
		free(ac->old);
		ac->old = NULL;
		ac->old_len = 0;
	}
	kw_writer_free(w);
	if (rc == 1) {
		_cleanup_free_ char *ej = kw_escape_str(e->journal);
		printf("undo: keyward undo %s\n", ej ? ej : "?");
	}
	return rc;
}

/* ---- the whole edit ---- */

/* The files to lock and edit: indexes into e->files. */
static int select_files(edit_run *e, size_t **ret, size_t *ret_n)
{
	size_t *idx = calloc(e->n_files ? e->n_files : 1, sizeof *idx);
	if (!idx)
		return 2;
	size_t n = 0;
	if (e->a->sub == SUB_ADD) {
		for (size_t i = 0; i < e->n_files; i++)
			idx[n++] = i; /* all of the account's: the key may be in any */
	} else {
		/* a first look without the lock: only files holding the key get locked */
		for (size_t i = 0; i < e->n_files; i++) {
			if (read_file(e, &e->files[i]) != 0) {
				free(idx);
				return 2;
			}
			if (file_matches(&e->files[i].ak, e->refs, e->n_refs))
				idx[n++] = i;
			kw_file_release(&e->files[i].old);
			kw_akfile_release(&e->files[i].ak);
		}
	}
	*ret = idx;
	*ret_n = n;
	return 0;
}

/* Where is the key when no file sshd reads holds it? (a hint) */
static void no_match_hint(const edit_run *e)
{
	for (size_t i = 0; i < e->facts.n_keyfiles; i++) {
		const kw_keyfile *k = &e->facts.keyfiles[i];
		if (k->granted || !k->account || (e->a->user && strcmp(k->account, e->a->user)))
			continue;
		_cleanup_free_ char *cp = canon_path(k->path);
		if (cp && find_file(e, cp)) /* already one of the files searched */
			continue;
		for (size_t j = 0; j < k->keys.n; j++)
			for (size_t r = 0; r < e->n_refs; r++)
				if (kw_keyref_matches(&e->refs[r], &k->keys.v[j].key)) {
					say(e, "note: the key is in a file sshd does not read for the "
					    "account (--include-unread removes it there too): ", k->path);
					return;
				}
	}
}

static int no_change(edit_run *e, const size_t *idx, size_t n)
{
	if (e->a->sub == SUB_ADD) {
		const file_edit *f = &e->files[idx[0]];
		for (size_t i = 0; i < n; i++)
			if (e->files[idx[i]].ed.line)
				f = &e->files[idx[i]];
		_cleanup_free_ char *ep = kw_escape_str(f->path);
		_cleanup_free_ char *eu = kw_escape_str(f->acct->name);
		printf("nothing to do: %s already has %s key %s (%s line %u)\n", eu ? eu : "?",
		       e->nk.key.label, e->nk.key.fp, ep ? ep : "?", f->ed.line);
		return 0;
	}
	char what[160];
	if (e->refs[0].fp[0])
		snprintf(what, sizeof what, "%s", e->refs[0].fp);
	else
		snprintf(what, sizeof what, "%s", e->refs[0].fp_md5);
	fprintf(stderr, "keyward %s: no line holds %s%s in the files sshd reads for %s",
		e->cmd, what, e->n_refs > 1 ? " (or the other keys given)" : "",
		e->a->all_users ? "any account" : "");
	if (!e->a->all_users) {
		_cleanup_free_ char *eu = kw_escape_str(e->a->user);
		fputs(eu ? eu : "?", stderr);
	}
	fputs(" (nothing changed):", stderr);
	size_t shown = 0;
	for (size_t i = 0; i < e->n_files && shown < 8; i++, shown++) {
		_cleanup_free_ char *ep = kw_escape_str(e->files[i].path);
		fprintf(stderr, " %s", ep ? ep : "?");
	}
	fprintf(stderr, "%s\n", e->n_files > shown ? " ..." : e->n_files ? "" : " (none)");
	if (!e->a->include_unread)
		no_match_hint(e);
	return 1;
}

static int build_plan(edit_run *e, const size_t *idx, size_t n)
{
	kw_plan_init(&e->plan);
	char op[300];
	snprintf(op, sizeof op, "%s %s", e->cmd, e->a->user ? e->a->user : "(all users)");
	for (size_t i = 0; i < n; i++) {
		file_edit *f = &e->files[idx[i]];
		if (f->ed.status == KW_KEYEDIT_NONE)
			continue;
		if (!f->exists && plan_new_file(e, f) != 0)
			return 2;
		mode_t mode;
		uint32_t uid, gid;
		new_file_owner(f, &mode, &uid, &gid);
		_cleanup_free_ char *why = why_text(e, f);
		if (kw_plan_replace(&e->plan, op, f->path, f->old.data, f->old.len, f->exists,
				    f->ed.data, f->ed.len, (int)mode, KW_REDACT_NONE, why) < 0 ||
		    note_file(e, f) < 0)
			return 2;
	}
	return 0;
}

static int run_edit(edit_run *e)
{
	int rc;
	if ((rc = load_inputs(e)) || (rc = open_target(e)))
		return rc;
	edit_args *a = e->a;
	if (a->all_users) {
		struct rlimit rl; /* one descriptor per locked folder */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		for (size_t i = 0; i < e->facts.n_accounts; i++)
			if ((rc = account_candidates(e, &e->facts.accounts[i])))
				return rc;
	} else {
		size_t ai = kw_facts_account(&e->facts, a->user);
		const kw_account *acct = ai == KW_STRINDEX_NONE ? NULL : &e->facts.accounts[ai];
		if (!acct) {
			fprintf(stderr, "keyward %s: no account ", e->cmd);
			say(e, a->user, NULL);
			_cleanup_free_ char *er = kw_escape_str(e->root);
			fprintf(stderr, "keyward %s: (not in %s%setc/passwd)\n", e->cmd, er ? er : "",
				e->live ? "" : "/");
			return 2;
		}
		if ((rc = account_candidates(e, acct)))
			return rc;
		if (e->n_files == 0) {
			say(e, "sshd reads no authorized_keys file for this account (AuthorizedKeysFile "
			    "none): ", a->user);
			return 2;
		}
	}
	_cleanup_free_ size_t *idx = NULL;
	size_t n = 0;
	if ((rc = select_files(e, &idx, &n)))
		return rc;
	if (n == 0)
		return no_change(e, idx, 0);
	if ((rc = lock_files(e, idx, n)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = read_file(e, &e->files[idx[i]])))
			return rc;
	if (a->sub == SUB_ADD) {
		size_t t = 0;
		choose_add_target(e, &t);
		idx[0] = t;
		n = 1;
	}
	ssize_t changed = edit_files(e, idx, n);
	if (changed < 0)
		return 2;
	if (changed == 0)
		return no_change(e, idx, n);
	if ((rc = build_plan(e, idx, n)) || (rc = guard(e, idx, n)))
		return rc;
	const char *log = a->audit_log ? a->audit_log : KW_AUDIT_LOG_DEFAULT;
	if (a->apply) {
		if ((rc = audit_preflight(e, log)))
			return rc;
		char sub[32];
		snprintf(sub, sizeof sub, "keys-%s", a->name);
		e->journal = a->journal ? strdup(a->journal) : kw_fix_default_journal(sub);
		if (!e->journal)
			return 2;
		if ((rc = make_new_files(e)))
			return rc;
	}
	kw_fix_opts fo = { .cmd = e->cmd, .root = e->root, .apply = a->apply, .journal = e->journal,
			   .diffs = !a->no_diff, .color = e->color, .quiet = kw_ui_settings.quiet };
	rc = kw_fix_run(&fo, &e->plan, NULL);
	if (!a->apply)
		return rc;
	if (kw_plan_count(&e->plan, KW_ST_DONE) > 0 && audit_record(e, log) != 0)
		rc = 1;
	if (rc == 1)
		for (size_t i = 0; i < e->plan.n; i++)
			if (e->plan.v[i].status == KW_ST_FAILED && e->plan.v[i].err == KW_E_CHANGED) {
				say(e, "a file changed while keyward worked (another tool wrote it); it "
				    "was left as it is: run the command again. ", e->plan.v[i].path);
				break;
			}
	return rc;
}

static int cmd_edit(int argc, char **argv, edit_sub sub)
{
	static const char *const names[] = { "add", "remove", "rotate" };
	static const char *const cmds[] = { "keys add", "keys remove", "keys rotate" };
	edit_args a = { .sub = sub, .name = names[sub], .cmd = cmds[sub] };
	int pr = parse_edit_args(argc, argv, &a);
	if (pr >= 0) {
		free(a.refs);
		return pr;
	}
	edit_run e = { .a = &a, .cmd = a.cmd, .rootfd = -1 };
	e.color = kw_ui_color(stdout);
	int rc = run_edit(&e);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	run_release(&e);
	return rc;
}

int cmd_keys_add(int argc, char **argv) { return cmd_edit(argc, argv, SUB_ADD); }
int cmd_keys_remove(int argc, char **argv) { return cmd_edit(argc, argv, SUB_REMOVE); }
int cmd_keys_rotate(int argc, char **argv) { return cmd_edit(argc, argv, SUB_ROTATE); }

/* ------------------------------------------------------------------ keys log -- */

typedef struct log_args {
	const char *log;
	bool json, verify;
} log_args;

static int log_verify(const char *log)
{
	kw_audit_report rep;
	int r = kw_audit_verify(log, &rep);
	_cleanup_free_ char *el = kw_escape_str(log);
	if (r < 0) {
		fprintf(stderr, "keyward keys log: cannot verify %s: %s\n", el ? el : "?",
			r == -ENOENT ? "there is no trail (nothing recorded yet, or the log and its "
			"head file were both removed)" : kw_strerror(r));
		return 2;
	}
	if (rep.ok) {
		printf("ok: %s is intact: %llu line%s, chain head %s\n", el ? el : "?",
		       (unsigned long long)rep.lines, rep.lines == 1 ? "" : "s", rep.head);
		return 0;
	}
	_cleanup_free_ char *ew = kw_escape_str(rep.why);
	if (rep.bad_line)
		printf("NOT INTACT: %s, line %llu (%s): %s\n", el ? el : "?",
		       (unsigned long long)rep.bad_line, kw_audit_problem_name(rep.problem), ew ? ew : "?");
	else
		printf("NOT INTACT: %s, its head file (%s): %s\n", el ? el : "?",
		       kw_audit_problem_name(rep.problem), ew ? ew : "?");
	printf("%llu line%s verified before it.%s\n", (unsigned long long)rep.lines,
	       rep.lines == 1 ? "" : "s", rep.problem == KW_AUDIT_HEAD_BEHIND
	       ? " The last line is chained but the head file does not vouch for it: an append "
		 "that was interrupted (the next one repairs the head), or a line added by hand."
	       : "");
	return 1;
}

/* Escaped value of a string member, or "-". */
static char *jtext(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return kw_escape_str(s ? s : "-");
}

static int print_entry_text(json_t *o)
{
	json_t *actor = json_object_get(o, "actor");
	_cleanup_free_ char *when = jtext(o, "time"), *action = jtext(o, "action");
	_cleanup_free_ char *user = jtext(o, "user"), *host = jtext(o, "host"), *root = jtext(o, "root");
	_cleanup_free_ char *login = jtext(actor, "login"), *sudo = jtext(actor, "sudo_user");
	json_t *seq = json_object_get(o, "seq"), *uid = json_object_get(actor, "uid");
	if (!when || !action || !user || !host || !root || !login || !sudo)
		return -ENOMEM;
	printf("#%-4lld %s  %-8s %-12s by %s (uid %lld%s%s) on %s", (long long)json_integer_value(seq),
	       when, action, user, login, (long long)json_integer_value(uid),
	       strcmp(sudo, "-") ? ", sudo from " : "", strcmp(sudo, "-") ? sudo : "", host);
	if (strcmp(root, "/") != 0)
		printf(", root %s", root);
	putchar('\n');
	json_t *fps = json_object_get(o, "fingerprints"), *v;
	size_t i;
	json_array_foreach(fps, i, v) {
		_cleanup_free_ char *fp = kw_escape_str(json_string_value(v) ? json_string_value(v) : "?");
		printf("        %s%s\n", fp ? fp : "?", !strcmp(action, "rotate") && i + 1 == json_array_size(fps)
		       ? "  (new)" : "");
	}
	json_t *detail = json_object_get(o, "detail");
	json_array_foreach(json_object_get(detail, "files"), i, v) {
		_cleanup_free_ char *p = kw_escape_str(json_string_value(v) ? json_string_value(v) : "?");
		printf("        file %s\n", p ? p : "?");
	}
	json_t *snap = json_object_get(detail, "snapshot");
	if (json_is_integer(snap)) {
		_cleanup_free_ char *db = kw_escape_str(json_string_value(json_object_get(detail, "db"))
							? json_string_value(json_object_get(detail, "db")) : "?");
		printf("        snapshot %lld in %s\n", (long long)json_integer_value(snap), db ? db : "?");
	}
	const char *j = json_string_value(json_object_get(detail, "journal"));
	if (j) {
		_cleanup_free_ char *ej = kw_escape_str(j);
		printf("        journal %s\n", ej ? ej : "?");
	}
	return 0;
}

/* One line of the trail. 0, or 1 when it is not an entry (said on stderr). */
static int show_line(const log_args *a, const char *line, size_t len, uint64_t lineno)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "action"))) {
		json_decref(o);
		fprintf(stderr, "keyward keys log: line %llu is not an audit entry (see keys log "
			"--verify)\n", (unsigned long long)lineno);
		return 1;
	}
	int r = 0;
	if (!a->json) {
		r = print_entry_text(o);
	} else if (kw_escape_is_clean(line, len)) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	} else {
		/* not as keyward writes lines: the parsed object, every string escaped by jansson */
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
	}
	json_decref(o);
	return r < 0 ? 1 : 0;
}

/* Stream the trail, one line at a time (bounded: KW_AUDIT_LINE_MAX per line). */
static int log_list(const log_args *a)
{
	_cleanup_free_ char *el = kw_escape_str(a->log);
	struct stat st;
	int fd = kw_open_regular_at(AT_FDCWD, a->log, true, &st);
	if (fd < 0) {
		fprintf(stderr, "keyward keys log: cannot read %s: %s\n", el ? el : "?",
			fd == -ENOENT ? "no trail yet (nothing recorded, or it was removed)"
			: kw_strerror(fd));
		return 2;
	}
	while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
		;
	FILE *in = fdopen(fd, "re");
	if (!in) {
		close(fd);
		return 2;
	}
	kw_sb line;
	kw_sb_init(&line);
	int rc = 0;
	uint64_t lineno = 0;
	bool too_long = false;
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
		for (size_t i = 0; i < got;) {
			const char *nl = memchr(buf + i, '\n', got - i);
			size_t take = nl ? (size_t)(nl - (buf + i)) : got - i;
			if (!too_long && line.len + take > KW_AUDIT_LINE_MAX)
				too_long = true;
			if (!too_long && kw_sb_put(&line, buf + i, take) < 0)
				too_long = true;
			i += take + (nl != NULL);
			if (!nl)
				break;
			lineno++;
			if (too_long) {
				fprintf(stderr, "keyward keys log: line %llu is longer than an entry can "
					"be\n", (unsigned long long)lineno);
				rc = 1;
			} else {
				rc |= show_line(a, line.s, line.len, lineno);
			}
			kw_sb_clear(&line);
			too_long = false;
		}
	}
	if (ferror(in))
		rc = 2;
	else if (line.len || too_long) {
		fprintf(stderr, "keyward keys log: the trail ends inside a line (line %llu: torn)\n",
			(unsigned long long)lineno + 1);
		rc |= 1;
	}
	kw_sb_release(&line);
	fclose(in);
	if (lineno == 0 && rc == 0 && !a->json)
		printf("the trail %s is empty\n", el ? el : "?");
	return rc;
}

int cmd_keys_log(int argc, char **argv)
{
	log_args a = { .log = KW_AUDIT_LOG_DEFAULT };
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_keys_log);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_AUDIT_LOG: a.log = optarg; break;
		case OPT_VERIFY: a.verify = true; break;
		case OPT_FORMAT:
			if (kw_cmd_format_json("keys log", optarg, &a.json))
				return 2;
			break;
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (optind < argc)
		return kw_cmd_usage_err("keys log", "unexpected argument: ", argv[optind]);
	int rc = a.verify ? log_verify(a.log) : log_list(&a);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	return rc;
}
