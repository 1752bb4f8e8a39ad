/* sanitize.c — `keyward sanitize`: clean an image root of preset logon credentials and
 * per-instance state before it is captured. Dry run by default; --apply journals and
 * changes, then audits the root again and prints what was found before and after.
 */
#include "cmd/cmd.h"
#include "cmd/fixcommon.h"
#include "cmd/progress.h"

#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"
#include "checks/checks.h"
#include "checks/profile.h"
#include "collect/facts.h"
#include "fix/sanitize.h"
#include "target/target.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sanitize_help[] =
"usage: keyward sanitize --root DIR [--apply] [OPTIONS]\n"
"       keyward sanitize --live --confirm HOSTNAME [--apply] [OPTIONS]\n"
"       keyward sanitize --list-ops\n"
"\n"
"Remove preset logon credentials and per-instance state from an image root before it\n"
"is captured: password hashes, authorized keys, histories, private keys, cloud CLI\n"
"credentials, SSH host keys, machine-id, cloud-init state, DHCP leases, /tmp.\n"
"Without --apply nothing changes: the plan and unified diffs are printed (password\n"
"hashes shown as <hash>). With --apply every change is journaled first (original\n"
"bytes, owner, mode, mtime, xattrs), each file is replaced atomically, and the root is\n"
"audited again: the findings before and after are printed. A second --apply finds\n"
"nothing to do. `keyward undo JOURNAL` puts everything back byte for byte.\n"
"\n"
"Target:\n"
"  --root DIR            the image root (a mounted or unpacked image)\n"
"  --live                the running host itself; needs --confirm with this host's\n"
"  --confirm HOSTNAME    name, because it removes the credentials you log in with\n"
"\n"
"What to do (see --list-ops for every operation and its default):\n"
"  --ops LIST            run only these operations (comma list; 'defaults', 'all')\n"
"  --skip LIST           do not run these operations\n"
"  --password-lock       set password fields to '!' (locked) instead of '*' (no password)\n"
"  --keep-key FP         keep the authorized key with this SHA256:... fingerprint\n"
"                        (as `ssh-keygen -lf` prints it); repeatable\n"
"  --remove-user NAME    delete this build-time account (passwd, shadow, group, gshadow,\n"
"                        subuid, subgid, home, mail, crontab); never root or a system\n"
"                        account (uid below UID_MIN); repeatable\n"
"\n"
"Output and journal:\n"
"  --apply               make the changes\n"
"  --journal DIR         journal folder (default /var/lib/keyward/journal/<time>-sanitize-<id>;\n"
"                        it must be outside the image root: it holds the removed secrets)\n"
"  --no-diff             plan lines only, no diffs\n"
"  --no-audit            do not audit before and after\n"
"  --profile NAME|FILE   audit profile for the before/after audit (default baseline)\n"
"  --no-color            no colours even on a terminal (NO_COLOR is honoured too)\n"
"  -q, --quiet           no progress or per-change lines\n"
"  -h, --help            this help\n"
"\n"
"Exit status: 0 done (or dry run, or nothing to do); 1 some change failed (the journal\n"
"still undoes what was done); 2 usage error or refused (nothing changed).\n"
"\n"
"Examples:\n"
"  keyward sanitize --root /mnt/image\n"
"  keyward sanitize --root /mnt/image --apply\n"
"  keyward sanitize --root /mnt/image --ops passwords,authorized-keys \\\n"
"      --keep-key SHA256:uGj5Yp3QZ0eZ8kq3pF2p0Vb3bXkq1WcZQq8m2s0hY1A --apply\n"
"  keyward sanitize --root /mnt/image --remove-user packer --apply\n"
"  keyward undo /var/lib/keyward/journal/2026-11-21T101500Z-sanitize-3f2a\n";

enum {
	OPT_ROOT = 256, OPT_LIVE, OPT_CONFIRM, OPT_OPS, OPT_SKIP, OPT_LOCK, OPT_KEEP, OPT_RMUSER,
	OPT_APPLY, OPT_JOURNAL, OPT_NODIFF, OPT_NOAUDIT, OPT_PROFILE, OPT_NOCOLOR, OPT_LIST,
};

static const struct option options[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "live", no_argument, NULL, OPT_LIVE },
	{ "confirm", required_argument, NULL, OPT_CONFIRM },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "password-lock", no_argument, NULL, OPT_LOCK },
	{ "keep-key", required_argument, NULL, OPT_KEEP },
	{ "remove-user", required_argument, NULL, OPT_RMUSER },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ "journal", required_argument, NULL, OPT_JOURNAL },
	{ "no-diff", no_argument, NULL, OPT_NODIFF },
	{ "no-audit", no_argument, NULL, OPT_NOAUDIT },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "list-ops", no_argument, NULL, OPT_LIST },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
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
	bool live = false, apply = false, diffs = true, audit = true, no_color = false;
	bool quiet = false, lock = false;
	const char **keep = NULL, **rmusers = NULL;
	size_t n_keep = 0, cap_keep = 0, n_rm = 0, cap_rm = 0;
	int exit_code = 2;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
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
		case OPT_NOCOLOR: no_color = true; break;
		case OPT_LIST: list_ops(); exit_code = 0; goto out;
		case 'q': quiet = true; break;
		case 'h': fputs(sanitize_help, stdout); exit_code = 0; goto out;
		case ':':
			fprintf(stderr, "keyward sanitize: option %s needs a value\n", argv[optind - 1]);
			goto out;
		default:
			fprintf(stderr, "keyward sanitize: unknown option %s (see --help)\n",
				argv[optind - 1]);
			goto out;
		}
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
	int r = collect_and_check(real, &prof, audit, &before, quiet);
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
		.color = !no_color && !getenv("NO_COLOR") && isatty(STDOUT_FILENO),
		.quiet = quiet,
	};
	exit_code = kw_fix_run(&fo, &plan, NULL);
	if (apply && audit && plan.n && exit_code != 2) {
		r = collect_and_check(real, &prof, true, &after, quiet);
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
