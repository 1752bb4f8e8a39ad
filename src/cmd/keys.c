/* keys.c — `keyward keys`: every SSH key that grants access on a target, and what is
 * wrong with them; the other subcommands live in keys_store.c, keys_edit.c and
 * keys_fleet.c (keys_cmds.h) and are dispatched from the table at the end.
 *
 *   keys scan   collect (src/collect) -> inventory (src/keys/inventory.c)
 *               -> what sshd decides per account, read through the target (fix/lockout.c:
 *                  who can log in at all, StrictModes on each granted key file;
 *                  PermitRootLogin of uid 0 accounts)
 *               -> findings (src/keys/findings.c, pure) -> text / JSON (src/report/keys.c)
 */
#include "cmd/cmd.h"
#include "kw_config.h"
#include "cmd/cmdio.h"
#include "cmd/keys_cmds.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/strindex.h"
#include "base/time.h"
#include "base/buf.h"
#include "checks/checks.h"
#include "checks/profile.h"
#include "collect/facts.h"
#include "fix/lockout.h"
#include "keys/findings.h"
#include "keys/inventory.h"
#include "report/keys.h"
#include "sshd/config.h"
#include "target/target.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The parent: no options of its own (the shared ones give --help); it dispatches. */
static const kw_opt keys_opts[] = { KW_OPT_END };

const kw_cmd_spec kw_spec_keys = {
	.name = "keys",
	.summary = "list every SSH key that grants access, and to whom",
	.synopsis = "SUBCOMMAND [OPTIONS]",
	.description =
	"Every SSH key that grants access, and its life cycle.\n\n"
	"Subcommands (keyward keys SUBCOMMAND --help for each):\n"
	"  scan       list every key that grants access and to whom (each account's\n"
	"             effective AuthorizedKeysFile, host keys, private keys), and what is\n"
	"             wrong with them\n"
	"  snapshot   store the inventory in the keys database (SQLite, or PostgreSQL\n"
	"             for a fleet)\n"
	"  diff       new, removed and changed keys since a snapshot\n"
	"  add        add a key to an account's authorized_keys (dry run unless --apply)\n"
	"  remove     remove a key from one account or every account (dry run unless\n"
	"             --apply)\n"
	"  rotate     replace an account's key with a new one (dry run unless --apply)\n"
	"  log        the audit trail of snapshots and changes; --verify checks its hash\n"
	"             chain\n"
	"  merge      the fleet view of many hosts' `keys scan --format json` inventories\n"
	"  query      which hosts a key opens, which keys open many hosts (the database\n"
	"             a fleet's snapshots go to)\n",
	.opts = keys_opts,
	.exit_status = "that of the subcommand; 2 without a subcommand or with an unknown one.",
	.examples =
	"keyward keys scan --root /mnt/image\n"
	"keyward keys scan --format json --fail-on high --allowed /etc/keyward/allowed_keys\n",
	.operands = KW_COMP_WORDS,
	.operand_words = "scan snapshot diff add remove rotate log merge query",
};

enum { OPT_ROOT = 256, OPT_IMAGE, OPT_FORMAT, OPT_OUTPUT, OPT_REPORT, OPT_MD5, OPT_PROFILE, OPT_ALLOWED,
       OPT_FAIL_ON, OPT_FLEET_KEY, OPT_NO_FINDINGS };

static const kw_opt scan_opts[] = {
	KW_OPT_SECTION("Target (default: this host, read-only)"),
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "an image root mounted or unpacked in a folder" },
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "an image tarball (docker export, virt-tar-out; tar, tar.gz, tar.xz, tar.zst); - reads "
	  "stdin" },
	KW_OPT_SECTION("Options"),
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "FORMAT", KW_COMP_WORDS,
	  KW_CMD_FORMAT_WORDS,
	  "text (default), json (the input of a fleet view: format \"keyward-keys-inventory\", "
	  "version 1), or the findings as sarif, junit, markdown, html or prometheus "
	  "(docs/reports.md)" },
	KW_CMD_OPT_OUTPUT(OPT_OUTPUT),
	KW_CMD_OPT_REPORT(OPT_REPORT),
	{ OPT_MD5, 0, "md5", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "text: MD5 fingerprints, as ssh-keygen -E md5 (JSON has both)" },
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL,
	  "a built-in profile: baseline (default), strict, paranoid, mozilla-modern, "
	  "cis-debian12; or a profile file (set keys-rsa-min-bits, set keys-require-from, "
	  "severity, disable)" },
	{ OPT_ALLOWED, 0, "allowed", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "the allowlist: one SHA256 fingerprint or public key line per line ('#' comments); "
	  "every other authorized key is a finding" },
	{ OPT_FAIL_ON, 0, "fail-on", KW_ARG_REQUIRED, "SEVERITY", KW_COMP_WORDS,
	  KW_CMD_SEVERITY_WORDS,
	  "exit 1 if a finding at or above SEVERITY (info, low, medium, high, critical); "
	  "default: never" },
	{ OPT_FLEET_KEY, 0, "fleet-key", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "16 bytes to 4 KiB, the same on every host of a fleet: accounts get a password_digest "
	  "(HMAC-SHA256 of the password hash) that keys merge compares across hosts; the hash "
	  "itself never leaves" },
	{ OPT_NO_FINDINGS, 0, "no-findings", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "list only (no findings, no per-account sshd evaluation)" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_scan = {
	.name = "keys scan",
	.summary = "list every key that grants access and to whom, and what is wrong with them",
	.synopsis = "[--root DIR | --image FILE | --image -] [OPTIONS]",
	.description =
	"Every SSH key that grants access to a host or an image, to whom, and what is wrong.\n\n"
	"Lists each authorized_keys line that opens an account (the files sshd would read for "
	"that account: its effective AuthorizedKeysFile, tokens %h %u %U expanded, Match blocks "
	"applied), the host keys, and user private keys with their fingerprints. Keys that "
	"appear in several places are linked (\"same key\"). AuthorizedKeysCommand, "
	"AuthorizedPrincipalsFile/Command and TrustedUserCAKeys grant access too but cannot be "
	"listed offline: they are named. Then the findings (docs/keys.md, \"Findings\"): DSA and "
	"short RSA keys, type prefixes that do not match the key, root keys without "
	"restrictions, from= missing where the profile requires it, expired keys, one key in "
	"several accounts, keys not in the allowlist, keys of accounts sshd never lets in, key "
	"files StrictModes rejects, duplicate and unparsable lines.",
	.opts = scan_opts,
	.notes =
	"Fingerprints are SHA256, exactly as `ssh-keygen -lf` prints them. Private keys are "
	"listed by their public fingerprint only; no key material is ever printed.",
	.exit_status =
	"0 listed (no finding at or above --fail-on); 1 a finding at or above --fail-on; 2 usage "
	"or I/O error; 3 something could not be read (see the messages on stderr: the list may "
	"be incomplete).",
	.examples =
	"keyward keys scan\n"
	"keyward keys scan --root /mnt/image --format json --output keys.json\n"
	"keyward keys scan --root /mnt/image --profile strict --fail-on high\n"
	"virt-tar-out -a disk.qcow2 / - | keyward keys scan --image -\n",
};

typedef struct keys_args {
	const char *root, *image, *profile, *allowed, *fleet_key;
	bool md5, no_findings, fail;
	kw_severity fail_on;
	kw_cmd_outputs out;
} keys_args;

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("keys", msg, what); }

/* -1 = go on; else the exit status: 0 after --help, 2 usage error, 70 an unhandled option */
static int parse_args(int argc, char **argv, keys_args *a)
{
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_keys_scan);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_ROOT: a->root = optarg; break;
		case OPT_IMAGE: a->image = optarg; break;
		case OPT_OUTPUT: a->out.output = optarg; break;
		case OPT_REPORT:
			if (kw_cmd_report_opt("keys", optarg, &a->out))
				return 2;
			break;
		case OPT_MD5: a->md5 = true; break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_ALLOWED: a->allowed = optarg; break;
		case OPT_FLEET_KEY: a->fleet_key = optarg; break;
		case OPT_NO_FINDINGS: a->no_findings = true; break;
		case OPT_FAIL_ON:
			if (kw_severity_parse(optarg, &a->fail_on) < 0)
				return usage_err("--fail-on takes info, low, medium, high or critical, "
						 "not ", optarg);
			a->fail = true;
			break;
		case OPT_FORMAT:
			if (kw_cmd_format_opt("keys", optarg, &a->out))
				return 2;
			break;
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (a->root && a->image)
		return usage_err("--root and --image cannot be used together", NULL);
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	if (a->no_findings && (a->fail || a->allowed))
		return usage_err("--no-findings cannot be used with --fail-on or --allowed", NULL);
	return -1;
}

/* ---- inputs named on the command line ---- */

static void err_file(const char *what, const char *path, int r)
{
	_cleanup_free_ char *e = kw_escape_str(path);
	fprintf(stderr, "keyward keys: cannot read %s %s: %s\n", what, e ? e : "", kw_strerror(r));
}


#define ALLOWLIST_MAX ((size_t)16 << 20)

/* --allowed FILE: 0 or 2 (a bad line is named as file:line). */
static int load_allowlist(const char *path, kw_keys_allowlist *al)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = kw_file_read_capped(path, ALLOWLIST_MAX, &text, &len, NULL);
	if (r < 0) {
		err_file("the allowlist", path, r);
		return 2;
	}
	kw_diags d = { 0 };
	r = kw_keys_allowlist_parse(path, text, len, al, &d);
	kw_cmd_print_diags("keys", &d);
	kw_diags_release(&d);
	if (r < 0) {
		fprintf(stderr, "keyward keys: %s\n", r == KW_E_USAGE ? "the allowlist has bad lines (above)"
									    : kw_strerror(r));
		return 2;
	}
	return 0;
}

#define FLEET_KEY_MIN 16
#define FLEET_KEY_MAX 4096

/* --fleet-key FILE: the key (caller wipes and frees) and its id, the first 8 bytes of
 * SHA-256("keyward-fleet-key-id\n" || key) in hex. 0 or 2. */
static int load_fleet_key(const char *path, char **key, size_t *len, char id[17])
{
	int r = kw_file_read_capped(path, FLEET_KEY_MAX, key, len, NULL);
	if (r == KW_E_TOOBIG) {
		_cleanup_free_ char *e = kw_escape_str(path);
		fprintf(stderr, "keyward keys: the fleet key %s is larger than %d bytes\n", e ? e : "",
			FLEET_KEY_MAX);
		return 2;
	}
	if (r < 0) {
		err_file("the fleet key", path, r);
		return 2;
	}
	if (*len < FLEET_KEY_MIN) {
		_cleanup_free_ char *e = kw_escape_str(path);
		fprintf(stderr, "keyward keys: the fleet key %s has %zu bytes; it needs at least %d "
			"(e.g. head -c 32 /dev/urandom)\n", e ? e : "", *len, FLEET_KEY_MIN);
		return 2;
	}
	static const char label[] = "keyward-fleet-key-id\n";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(ctx, label, sizeof label - 1) && EVP_DigestUpdate(ctx, *key, *len) &&
		  EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 8;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		fputs("keyward keys: cannot hash the fleet key (libcrypto)\n", stderr);
		return 2;
	}
	kw_hex_lower(md, 8, id);
	OPENSSL_cleanse(md, sizeof md);
	return 0;
}

/* ---- what sshd decides, read through the target ---- */

/* PermitRootLogin of a uid 0 account: its own evaluation when Match blocks exist. NULL
 * when memory runs out. */
static char *permit_root(kw_sshd_config *cfg, const kw_account *a)
{
	kw_sshd_result *own = NULL;
	const kw_sshd_result *res;
	kw_sshd_user_result(cfg, a->name, &own, &res);
	const char *v = kw_sshd_value(res, KW_SO_PERMITROOTLOGIN);
	char *s = strdup(v ? v : "?");
	kw_sshd_result_free(own);
	return s;
}

/* Who can log in (kw_lockout_accounts), StrictModes on every granted key file (a global
 * keyword: one value for every account), PermitRootLogin of uid 0. 0 or -ENOMEM. */
static int evaluate_sshd(kw_target *t, const kw_facts *f, kw_keys_eval *ev)
{
	kw_sshd_config *cfg = f->sshd.cfg;
	kw_lockout_report rep = { 0 };
	int r = kw_lockout_accounts(t, f, cfg, NULL, &rep);
	if (r == 0)
		r = kw_keys_eval_logins(ev, f, &rep);
	kw_lockout_report_release(&rep);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n_accounts; i++) {
		if (f->accounts[i].uid != 0)
			continue;
		if (!(ev->login[i].permit_root = permit_root(cfg, &f->accounts[i])))
			return -ENOMEM;
	}
	const char *sm = kw_sshd_value(kw_sshd_config_global(cfg), KW_SO_STRICTMODES);
	if (!sm || strcmp(sm, "yes") != 0)
		return 0;
	for (size_t i = 0; i < f->n_keyfiles && r == 0; i++) {
		const kw_keyfile *kf = &f->keyfiles[i];
		size_t ai = kf->granted ? kw_facts_account(f, kf->account) : KW_STRINDEX_NONE;
		if (ai == KW_STRINDEX_NONE)
			continue;
		kw_keys_modes *m = &ev->modes[i];
		m->checked = true;
		m->ok = kw_lockout_modes_ok(t, kf->path, &f->accounts[ai], &m->why);
		if (!m->ok && !m->why)
			r = -ENOMEM;
	}
	return r;
}

/* Why the sshd-based checks did not run, or NULL. */
static char *sshd_note(const kw_facts *f)
{
	char *s = NULL;
	if (f->sshd.cfg)
		return NULL;
	if (f->sshd.refused) {
		if (asprintf(&s, "sshd would refuse its configuration (%s): keys.dead-weight and "
			     "keys.strictmodes-rejects were not checked, and PermitRootLogin is taken as "
			     "sshd's default", f->sshd.refusal ? f->sshd.refusal : "?") < 0)
			s = NULL;
	} else if (asprintf(&s, "no sshd configuration in the target: keys.dead-weight and "
			    "keys.strictmodes-rejects were not checked, and PermitRootLogin is taken as "
			    "sshd's default") < 0) {
		s = NULL;
	}
	return s;
}

/* ---- keys scan ---- */

typedef struct scan_state {
	kw_profile prof;
	kw_keys_allowlist allowed;
	char *fleet_key;
	size_t fleet_key_len;
	char fleet_key_id[17];
	kw_target *t;
	kw_facts facts;
	kw_inventory inv;
	kw_keys_eval ev;
	kw_findings fs;
	kw_keys_account *accounts;
	size_t n_accounts;
	char *note;
	bool incomplete;   /* some findings were dropped (exit 3) */
} scan_state;

static void wipe_fleet_key(scan_state *s)
{
	if (s->fleet_key)
		OPENSSL_cleanse(s->fleet_key, s->fleet_key_len);
	free(s->fleet_key);
	s->fleet_key = NULL;
	s->fleet_key_len = 0;
}

static void scan_state_release(scan_state *s)
{
	wipe_fleet_key(s);
	free(s->note);
	free(s->accounts);
	kw_findings_release(&s->fs);
	kw_keys_eval_release(&s->ev);
	kw_inventory_release(&s->inv);
	kw_facts_release(&s->facts);
	if (s->t)
		kw_target_free(s->t);
	kw_keys_allowlist_release(&s->allowed);
	kw_profile_release(&s->prof);
}

/* Evaluate sshd, then the findings, sorted. 0 or -ENOMEM. */
static int scan_findings(scan_state *s, const keys_args *a, time_t now)
{
	int r = kw_keys_eval_init(&s->ev, &s->facts);
	if (r == 0 && s->facts.sshd.cfg)
		r = evaluate_sshd(s->t, &s->facts, &s->ev);
	if (r < 0)
		return r;
	kw_keys_check_in in = { .f = &s->facts, .inv = &s->inv, .ev = &s->ev,
				.allowed = a->allowed ? &s->allowed : NULL, .profile = &s->prof,
				.now = (int64_t)now };
	r = kw_keys_findings(&in, &s->fs);
	if (r == KW_E_TOOBIG) {
		/* a hostile image can hold millions of bad lines: report what fits */
		fprintf(stderr, "keyward keys: more findings than keyward keeps (%zu): the rest are "
			"not reported\n", s->fs.n);
		s->incomplete = true;
	} else if (r < 0) {
		return r;
	}
	kw_findings_sort(&s->fs);
	s->note = sshd_note(&s->facts);
	return 0;
}

struct keys_native {
	const kw_keys_meta *m;
	const kw_inventory *inv;
};

static int keys_native_render(FILE *out, kw_format fmt, const void *ctx)
{
	const struct keys_native *n = ctx;
	return fmt == KW_FMT_JSON ? kw_keys_render_json(out, n->m, n->inv)
				  : kw_keys_render_text(out, n->m, n->inv);
}

static bool wants_json(const kw_cmd_outputs *o)
{
	bool any = o->format == KW_FMT_JSON;
	for (size_t i = 0; i < o->n_extra; i++)
		any |= o->extra[i].format == KW_FMT_JSON;
	return any;
}

static int write_report(scan_state *s, const keys_args *a, bool live, time_t now, int status)
{
	char host[256] = "", scanned[32];
	if (live && gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	kw_time_iso((int64_t)now, true, scanned, sizeof scanned);
	kw_keys_meta m = { .host = host[0] ? host : NULL, .target = s->facts.target, .scanned = scanned,
			   .md5 = a->md5, .accounts = s->accounts, .n_accounts = s->n_accounts,
			   .findings = a->no_findings ? NULL : &s->fs,
			   .fleet_key_id = a->fleet_key ? s->fleet_key_id : NULL, .note = s->note };
	if (s->note && wants_json(&a->out)) {
		_cleanup_free_ char *e = kw_escape_str(s->note);
		fprintf(stderr, "keyward keys: note: %s\n", e ? e : "");
	}
	kw_check_list ran = { 0 };
	size_t n_defs = 0;
	const kw_check_def *defs = kw_keys_checks(&n_defs);
	if (!a->no_findings && kw_check_list_add(&ran, &s->prof, defs, n_defs) < 0) {
		fputs("keyward keys: out of memory\n", stderr);
		return -1;
	}
	char rootbuf[PATH_MAX];
	kw_report rep = {
		.command = "keys scan",
		.target = s->facts.target,
		.profile = s->prof.name ? s->prof.name : a->profile ? a->profile : "baseline",
		.version = KW_VERSION,
		.started = scanned,
		.findings = a->no_findings ? NULL : &s->fs,
		.diags = &s->facts.diags,
		.fail_on = a->fail ? a->fail_on : KW_SEV__COUNT,
		.exit_code = status,
		.checks = ran.v,
		.n_checks = ran.n,
		.root = a->image ? NULL : a->root ? realpath(a->root, rootbuf) : "/",
		.paths = KW_PATHS_IN_ROOT,
		.started_unix = (long long)now,
	};
	struct keys_native nat = { &m, &s->inv };
	int r = kw_cmd_write_outputs("keys", &a->out, keys_native_render, &nat, &rep);
	kw_check_list_release(&ran);
	return r;
}

static int run_scan(int argc, char **argv)
{
	keys_args a = { .out.allowed = (1u << KW_FMT_TEXT) | (1u << KW_FMT_JSON) | KW_CMD_SHARED_FORMATS };
	int pr = parse_args(argc, argv, &a);
	if (pr >= 0)
		return pr;
	scan_state s = { 0 };
	kw_profile_init(&s.prof);
	int status = 2;
	if (kw_cmd_load_profile("keys", a.profile ? a.profile : "baseline", &s.prof) != 0 ||
	    (a.allowed && load_allowlist(a.allowed, &s.allowed) != 0) ||
	    (a.fleet_key && load_fleet_key(a.fleet_key, &s.fleet_key, &s.fleet_key_len, s.fleet_key_id) != 0))
		goto out;

	kw_collect_opts co = { .max_file_size = s.prof.max_file_size,
			       .fleet_key = (const uint8_t *)s.fleet_key, .fleet_key_len = s.fleet_key_len };
	int r = kw_cmd_keys_inventory("keys", a.root, a.image, kw_ui_settings.quiet, &co, &s.t, &s.facts, &s.inv);
	wipe_fleet_key(&s); /* the digests are made: the key is not needed any more */
	if (r != 0)
		goto out;
	bool live = !a.root && !a.image;
	time_t now = time(NULL);
	if (!a.no_findings)
		r = scan_findings(&s, &a, now);
	if (r == 0)
		r = kw_keys_accounts_build(&s.facts, &s.inv, a.no_findings ? NULL : &s.ev, &s.accounts,
					   &s.n_accounts);
	if (r < 0) {
		fprintf(stderr, "keyward keys: %s\n", kw_strerror(r));
		goto out;
	}
	kw_cmd_print_diags("keys", &s.facts.diags);
	int done = kw_diags_any_fatal(&s.facts.diags) || s.incomplete ? 3
		   : a.fail && kw_findings_count_at_least(&s.fs, a.fail_on) ? 1 : 0;
	if (write_report(&s, &a, live, now, done) < 0)
		goto out;
	status = done;
out:
	scan_state_release(&s);
	return status;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} keys_subcommands[] = {
	{ "scan", run_scan },
	{ "snapshot", cmd_keys_snapshot },
	{ "diff", cmd_keys_diff },
	{ "add", cmd_keys_add },
	{ "remove", cmd_keys_remove },
	{ "rotate", cmd_keys_rotate },
	{ "log", cmd_keys_log },
	{ "merge", cmd_keys_merge },
	{ "query", cmd_keys_query },
};

int cmd_keys(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		kw_spec_print_help(&kw_spec_keys, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof keys_subcommands / sizeof keys_subcommands[0]; i++)
		if (!strcmp(argv[1], keys_subcommands[i].name))
			return keys_subcommands[i].fn(argc - 1, argv + 1);
	_cleanup_free_ char *e = kw_escape_str(argv[1]);
	fprintf(stderr, "keyward keys: unknown subcommand '%s' (available: scan, snapshot, diff, "
		"add, remove, rotate, log, merge, query)\n", e ? e : "");
	return 2;
}
