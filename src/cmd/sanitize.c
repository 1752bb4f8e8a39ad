/* sanitize.c — `keyward sanitize`: clean an image root of preset logon credentials and
 * per-instance state before it is captured. Dry run by default; --apply journals and
 * changes, then audits the root again and prints what was found before and after.
 */
#include "cmd/cmd.h"
#include "cmd/fixcommon.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"
#include "checks/checks.h"
#include "checks/profile.h"
#include "collect/facts.h"
#include "fix/sanitize.h"
#include "target/target.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_ROOT = 256, OPT_LIVE, OPT_CONFIRM, OPT_OPS, OPT_SKIP, OPT_LOCK, OPT_KEEP, OPT_RMUSER,
	OPT_APPLY, OPT_JOURNAL, OPT_NODIFF, OPT_NOAUDIT, OPT_PROFILE, OPT_LIST,
};

static const kw_opt sanitize_opts[] = {
	KW_OPT_SECTION("Target"),
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "the image root (a mounted or unpacked image)" },
	{ OPT_LIVE, 0, "live", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "the running host itself; needs --confirm with this host's name, because it removes "
	  "the credentials you log in with" },
	{ OPT_CONFIRM, 0, "confirm", KW_ARG_REQUIRED, "HOSTNAME", KW_COMP_NONE, NULL,
	  "this host's name, to confirm --live" },
	KW_OPT_SECTION("What to do (see --list-ops for every operation and its default)"),
	{ OPT_OPS, 0, "ops", KW_ARG_REQUIRED, "LIST", KW_COMP_NONE, NULL,
	  "run only these operations (comma list; 'defaults', 'all')" },
	{ OPT_SKIP, 0, "skip", KW_ARG_REQUIRED, "LIST", KW_COMP_NONE, NULL,
	  "do not run these operations (comma list)" },
	{ OPT_LOCK, 0, "password-lock", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "set password fields to '!' (locked) instead of '*' (no password)" },
	{ OPT_KEEP, 0, "keep-key", KW_ARG_REQUIRED, "FP", KW_COMP_NONE, NULL,
	  "keep the authorized key with this SHA256:... fingerprint (as `ssh-keygen -lf` prints "
	  "it); repeatable" },
	{ OPT_RMUSER, 0, "remove-user", KW_ARG_REQUIRED, "NAME", KW_COMP_NONE, NULL,
	  "delete this build-time account (passwd, shadow, group, gshadow, subuid, subgid, home, "
	  "mail, crontab); never root or a system account (uid below UID_MIN); repeatable" },
	{ OPT_LIST, 0, "list-ops", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "list every operation: its name, whether it runs by default, what it touches and does" },
	KW_OPT_SECTION("Output and journal"),
	{ OPT_APPLY, 0, "apply", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "make the changes (default: dry run)" },
	{ OPT_JOURNAL, 0, "journal", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "journal folder (default " KW_JOURNAL_BASE "/<time>-sanitize-<id>; it must be outside "
	  "the image root: it holds the removed secrets)" },
	{ OPT_NODIFF, 0, "no-diff", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "plan lines only, no diffs" },
	{ OPT_NOAUDIT, 0, "no-audit", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "do not audit before and after" },
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL,
	  "audit profile for the before/after audit (default baseline; see keyward audit "
	  "--profile)" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_sanitize = {
	.name = "sanitize",
	.summary = "remove preset credentials from an image root (dry run unless --apply)",
	.synopsis =
	"--root DIR [--apply] [OPTIONS]\n"
	"--live --confirm HOSTNAME [--apply] [OPTIONS]\n"
	"--list-ops",
	.description =
	"Remove preset logon credentials and per-instance state from an image root before it "
	"is captured: password hashes, authorized keys, histories, private keys, cloud CLI "
	"credentials, SSH host keys, machine-id, cloud-init state, DHCP leases, /tmp.\n"
	"\n"
	"Without --apply nothing changes: the plan and unified diffs are printed (password "
	"hashes shown as <hash>). With --apply every change is journaled first (original "
	"bytes, owner, mode, mtime, xattrs), each file is replaced atomically, and the root is "
	"audited again: the findings before and after are printed. A second --apply finds "
	"nothing to do. `keyward undo JOURNAL` puts everything back byte for byte.",
	.opts = sanitize_opts,
	.exit_status =
	"0 done (or dry run, or nothing to do); 1 some change failed (the journal still undoes "
	"what was done); 2 usage error or refused (nothing changed).",
	.examples =
	"keyward sanitize --root /mnt/image\n"
	"keyward sanitize --root /mnt/image --apply\n"
	"keyward sanitize --root /mnt/image --ops passwords,authorized-keys "
	"--keep-key SHA256:uGj5Yp3QZ0eZ8kq3pF2p0Vb3bXkq1WcZQq8m2s0hY1A --apply\n"
	"keyward sanitize --root /mnt/image --remove-user packer --apply\n"
	"keyward undo " KW_JOURNAL_BASE "/2026-11-21T101500Z-sanitize-3f2a\n",
};

static void list_ops(void)
{
	printf("%-16s %-8s %s\n", "OPERATION", "DEFAULT", "TOUCHES / DOES");
	for (size_t i = 0; i < kw_sanitize_n_ops; i++) {
		const kw_sanitize_op *o = &kw_sanitize_ops[i];
		printf("%-16s %-8s %s\n%-25s %s\n", o->name, o->default_on ? "on" : "off",
		       o->touches, "", o->what);
	}
}

static int parse_list(const char *arg, uint64_t *mask)
{
	const char *bad;
	size_t bl;
	if (kw_sanitize_parse_ops(arg, mask, &bad, &bl) < 0) {
		fprintf(stderr, "keyward sanitize: unknown operation '%.*s' (see --list-ops)\n",
			(int)bl, bad);
		return -1;
	}
	return 0;
}

static bool valid_fp(const char *s)
{
	if (strncmp(s, "SHA256:", 7) || strlen(s) != 50)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '/'))
			return false;
	return true;
}

typedef struct audit_run {
	kw_target *t;      /* kept open: the plan reads through it too */
	kw_facts facts;
	kw_findings fs;
	bool ok;
} audit_run;

static void audit_run_release(audit_run *ar)
{
	kw_findings_release(&ar->fs);
	kw_facts_release(&ar->facts);
	if (ar->t)
		kw_target_free(ar->t);
	*ar = (audit_run){ 0 };
}

static int collect_and_check(const char *root, const kw_profile *prof, bool checks,
			     audit_run *ar, bool quiet)
{
	int r = kw_target_open_dir(root, &ar->t);
	if (r < 0)
		return r;
	kw_progress prog;
	kw_progress_init(&prog, "reading", quiet);
	kw_collect_opts co = {
		.match_users = true,
		.max_file_size = prof->max_file_size,
		.progress = kw_progress_files,
		.progress_ctx = &prog,
	};
	r = kw_collect(ar->t, &co, &ar->facts);
	kw_progress_done(&prog);
	size_t run = 0;
	if (r == 0 && checks)
		r = kw_checks_run(&ar->facts, prof, &ar->fs, &run);
	ar->ok = r == 0;
	return r;
}

static void counts(const kw_findings *fs, size_t c[KW_SEV__COUNT])
{
	memset(c, 0, sizeof(size_t) * KW_SEV__COUNT);
	for (size_t i = 0; i < fs->n; i++)
		c[fs->v[i].severity]++;
}

static void print_counts(const char *label, const kw_findings *fs)
{
	size_t c[KW_SEV__COUNT];
	counts(fs, c);
	printf("%s %zu finding%s (%zu critical, %zu high, %zu medium, %zu low, %zu info)\n", label,
	       fs->n, fs->n == 1 ? "" : "s", c[KW_SEV_CRITICAL], c[KW_SEV_HIGH], c[KW_SEV_MEDIUM],
	       c[KW_SEV_LOW], c[KW_SEV_INFO]);
}

static void print_before_after(const kw_findings *before, const kw_findings *after)
{
	printf("\naudit of the root, before and after:\n");
	print_counts("  before:", before);
	print_counts("  after: ", after);
	size_t shown = 0;
	for (size_t i = 0; i < after->n; i++) {
		const kw_finding *f = &after->v[i];
		if (f->severity < KW_SEV_MEDIUM)
			continue;
		if (shown++ == 0)
			printf("  still open (medium and above; `keyward audit --root DIR` for all):\n");
		char *et = kw_escape_str(f->target);
		printf("    %-8s %-34s %s\n", kw_severity_name(f->severity), f->check->id,
		       et ? et : "?");
		free(et);
	}
}

int cmd_sanitize(int argc, char **argv)
{
	const char *root = NULL, *confirm = NULL, *journal = NULL, *profile = "baseline";
	const char *ops_arg = NULL, *skip_arg = NULL;
	bool live = false, apply = false, diffs = true, audit = true, lock = false;
	const char **keep = NULL, **rmusers = NULL;
	size_t n_keep = 0, cap_keep = 0, n_rm = 0, cap_rm = 0;
	int exit_code = 2;
	int c;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_sanitize);
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_ROOT: root = optarg; break;
		case OPT_LIVE: live = true; break;
		case OPT_CONFIRM: confirm = optarg; break;
		case OPT_OPS: ops_arg = optarg; break;
		case OPT_SKIP: skip_arg = optarg; break;
		case OPT_LOCK: lock = true; break;
		case OPT_KEEP:
			if (!valid_fp(optarg)) {
				kw_fix_err("sanitize", "--keep-key wants a SHA256:... fingerprint as "
					   "`ssh-keygen -lf FILE` prints it, not: ", optarg);
				goto out;
			}
			if (KW_VEC_RESERVE(keep, n_keep, cap_keep) < 0)
				goto out;
			keep[n_keep++] = optarg;
			break;
		case OPT_RMUSER:
			if (KW_VEC_RESERVE(rmusers, n_rm, cap_rm) < 0)
				goto out;
			rmusers[n_rm++] = optarg;
			break;
		case OPT_APPLY: apply = true; break;
		case OPT_JOURNAL: journal = optarg; break;
		case OPT_NODIFF: diffs = false; break;
		case OPT_NOAUDIT: audit = false; break;
		case OPT_PROFILE: profile = optarg; break;
		case OPT_LIST: list_ops(); exit_code = 0; goto out;
		default:
			exit_code = kw_opts_unhandled(&p, c);
			goto out;
		}
	}
	if (c == KW_OPTS_EXIT) {
		exit_code = p.exit_code;
		goto out;
	}
	if (optind < argc) {
		kw_fix_err("sanitize", "unexpected argument: ", argv[optind]);
		goto out;
	}
	uint64_t mask = kw_sanitize_default_ops(), skip = 0;
	if (ops_arg && parse_list(ops_arg, &mask) < 0)
		goto out;
	if (skip_arg && parse_list(skip_arg, &skip) < 0)
		goto out;
	mask &= ~skip;

	/* the root, and the live-host guard */
	char real[PATH_MAX];
	if (!root && !live) {
		fputs("keyward sanitize: say which root: --root DIR (an image), or --live "
		      "--confirm HOSTNAME (this host)\n", stderr);
		goto out;
	}
	if (root && live) {
		fputs("keyward sanitize: --root and --live exclude each other\n", stderr);
		goto out;
	}
	if (!realpath(root ? root : "/", real)) {
		kw_fix_err("sanitize", "cannot open the root: ", root);
		goto out;
	}
	if (!strcmp(real, "/")) {
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		if (!live) {
			fputs("keyward sanitize: the root is this running host; sanitize removes the "
			      "credentials you log in with. Use --live --confirm HOSTNAME if that is "
			      "really meant.\n", stderr);
			goto out;
		}
		if (!confirm || strcmp(confirm, host)) {
			kw_fix_err("sanitize", "--live needs --confirm with this host's name: ", host);
			goto out;
		}
	}

	kw_profile prof;
	kw_profile_init(&prof);
	kw_diags pd = { 0 };
	audit_run before = { 0 }, after = { 0 };
	kw_plan plan;
	kw_plan_init(&plan);
	kw_diags d = { 0 };
	if (kw_profile_load(&prof, profile, &pd) < 0) {
		kw_fix_err("sanitize", "cannot load the profile ", profile);
		goto done;
	}
	int r = collect_and_check(real, &prof, audit, &before, kw_ui_settings.quiet);
	if (r < 0) {
		fprintf(stderr, "keyward sanitize: cannot read the root: %s\n", kw_strerror(r));
		goto done;
	}
	kw_sanitize_opts so = {
		.ops = mask,
		.password_lock = lock,
		.keep_keys = keep,
		.n_keep_keys = n_keep,
		.remove_users = rmusers,
		.n_remove_users = n_rm,
	};
	r = kw_sanitize_plan(before.t, &before.facts, &so, &plan, &d);
	for (size_t i = 0; i < d.n; i++) {
		char *m = kw_escape_str(d.v[i].msg);
		fprintf(stderr, "keyward sanitize: %s\n", m ? m : "?");
		free(m);
	}
	if (r < 0) {
		if (r != KW_E_REFUSED)
			fprintf(stderr, "keyward sanitize: %s\n", kw_strerror(r));
		else
			fputs("keyward sanitize: refused; nothing changed\n", stderr);
		goto done;
	}
	kw_fix_opts fo = {
		.cmd = "sanitize",
		.root = real,
		.apply = apply,
		.journal = journal,
		.diffs = diffs,
		.color = kw_ui_color(stdout),
		.quiet = kw_ui_settings.quiet,
	};
	exit_code = kw_fix_run(&fo, &plan, NULL);
	if (apply && audit && plan.n && exit_code != 2) {
		r = collect_and_check(real, &prof, true, &after, kw_ui_settings.quiet);
		if (r == 0)
			print_before_after(&before.fs, &after.fs);
		else
			fprintf(stderr, "keyward sanitize: the audit after the changes failed: %s\n",
				kw_strerror(r));
	} else if (!apply && audit && before.ok) {
		printf("\n");
		print_counts("audit of the root now:", &before.fs);
	}
done:
	kw_plan_release(&plan);
	kw_diags_release(&d);
	audit_run_release(&before);
	audit_run_release(&after);
	kw_profile_release(&prof);
	kw_diags_release(&pd);
out:
	free(keep);
	free(rmusers);
	return exit_code;
}
