/* audit.c — `keyward audit`: open the target, collect facts, run the checks, apply
 * waivers, render, and decide the exit code. The only place in the audit that talks to
 * the user. */
#include "cmd/cmd.h"
#include "cmd/audit.h"
#include "cmd/cmdio.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "checks/checks.h"
#include "collect/facts.h"
#include "report/report.h"
#include "target/target.h"
#include "windows/facts.h"
#include "kw_config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static const kw_opt audit_opts[] = {
	KW_OPT_SECTION("What to audit (default: this host, /)"),
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "an image root mounted or unpacked in a folder; every path is resolved inside DIR "
	  "(symlinks never lead out of it)" },
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "an image tarball (docker export, virt-tar-out, Packer output; tar, tar.gz, tar.xz, "
	  "tar.zst), read once as a stream, never unpacked; '-' reads stdin" },
	{ OPT_AS_IMAGE, 0, "as-image", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "judge / as an image about to be captured (e.g. the last step of a Packer build): host "
	  "keys and machine-id become findings instead of advice" },
	{ OPT_MATCH_USERS, 0, "match-users", KW_ARG_REQUIRED, "all", KW_COMP_WORDS, "all",
	  "evaluate sshd's Match blocks for every account of the target, not only for the "
	  "global section and one witness per block" },
	KW_AUDIT_OPT_DEEP,
	KW_AUDIT_OPTS_POLICY,
	KW_AUDIT_OPTS_OUTPUT,
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_audit = {
	.name = "audit",
	.summary = "audit a host, an image folder or an image tarball for preset credentials",
	.synopsis = "[--root DIR | --image FILE.tar[.gz|.xz|.zst] | --image -] [OPTIONS]",
	.description =
	"Find preset logon credentials and secrets: usable or empty passwords, extra UID 0 "
	"accounts, authorized SSH keys, histories, private keys, cloud and tool credentials, "
	"SSH host keys, machine-id, cloud-init passwords and instance state, passwordless sudo. "
	"sshd's configuration is read exactly as sshd reads it, inside the target.\n\n"
	"A Windows system volume (a Windows/System32/config folder and no /etc/passwd) gets the "
	"checks of `keyward windows` instead of the Linux ones, plus the SSH keys, credential "
	"files and histories of its profile folders.",
	.opts = audit_opts,
	.exit_status =
	"0 no finding at or above --fail-on; 1 there is one; 2 usage or input error; 3 some "
	"checks could not run (the errors section says which and why).",
	.examples =
	"keyward audit\n"
	"keyward audit --root /mnt/image --format json --output report.json --fail-on high\n"
	"keyward audit --root /mnt/image --format sarif --output keyward.sarif --report html=audit.html\n"
	"virt-tar-out -a disk.qcow2 / - | keyward audit --image -\n"
	"keyward audit --image rootfs.tar.zst --deep --waive keys.authorized-keys:/home/ci/*\n"
	"keyward audit --root /mnt/image --profile cis-debian12 --match-users all\n"
	"keyward audit --root /mnt/winimage --format sarif --output windows.sarif\n",
};

typedef struct audit_args {
	const char *root, *image, *profile, *waivers_file, *today;
	bool deep, list, as_image, match_users;
	int verbose;
	int unhandled; /* kw_opts_unhandled's exit code */
	kw_cmd_outputs out;
	kw_severity fail_on;
	kw_waivers waivers;
} audit_args;

/* Print a message about user input, escaping what came from outside. */
/* "audit" or "windows": the command this run is (messages, reports) */
static const char *cmd_name = "audit";

static void err_escaped(const char *what, const char *text)
{
	_cleanup_free_ char *e = kw_escape_str(text);
	fprintf(stderr, "keyward %s: %s%s\n", cmd_name, what, e ? e : "");
}

static void print_diags(const kw_diags *d) { kw_cmd_print_diags(cmd_name, d); }

/* 0 go on, 1 help printed, -1 usage error */
static int parse_args(int argc, char **argv, const kw_cmd_spec *spec, audit_args *a)
{
	int c;
	kw_opts p;
	kw_opts_begin(&p, spec);
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_ROOT: a->root = optarg; break;
		case OPT_IMAGE: a->image = optarg; break;
		case OPT_AS_IMAGE: a->as_image = true; break;
		case OPT_DEEP: a->deep = true; break;
		case OPT_MATCH_USERS:
			if (strcmp(optarg, "all")) {
				err_escaped("--match-users takes 'all': ", optarg);
				return -1;
			}
			a->match_users = true;
			break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_WAIVERS: a->waivers_file = optarg; break;
		case OPT_OUTPUT: a->out.output = optarg; break;
		case OPT_REPORT:
			if (kw_cmd_report_opt(cmd_name, optarg, &a->out))
				return -1;
			break;
		case OPT_LIST: a->list = true; break;
		case OPT_TODAY: a->today = optarg; break;
		case OPT_VERBOSE: a->verbose++; break;
		case OPT_WAIVE:
			if (kw_waivers_add_arg(&a->waivers, optarg) < 0) {
				err_escaped("bad --waive (want ID or ID:GLOB): ", optarg);
				return -1;
			}
			break;
		case OPT_FAIL_ON:
			if (kw_severity_parse(optarg, &a->fail_on) < 0) {
				err_escaped("bad --fail-on (info, low, medium, high, critical): ", optarg);
				return -1;
			}
			break;
		case OPT_FORMAT:
			if (kw_cmd_format_opt(cmd_name, optarg, &a->out))
				return -1;
			break;
		default:
			a->unhandled = kw_opts_unhandled(&p, c);
			return -1;
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code ? -1 : 1;
	if (optind < argc) {
		err_escaped("unexpected argument: ", argv[optind]);
		fprintf(stderr, "Try 'keyward %s --help'.\n", cmd_name);
		return -1;
	}
	if (a->root && a->image) {
		fprintf(stderr, "keyward %s: --root and --image cannot be used together\n", cmd_name);
		return -1;
	}
	return 0;
}

/* Reject waivers and profile lines that name checks keyward does not have. */
static int validate_ids(const kw_profile *p, const kw_waivers *w)
{
	int bad = 0;
	for (size_t i = 0; i < p->n_ov; i++)
		if (!kw_cmd_check_known(p->ov[i].id)) {
			err_escaped("profile names an unknown check: ", p->ov[i].id);
			bad = -1;
		}
	for (size_t i = 0; i < w->n; i++)
		if (!kw_cmd_check_known(w->v[i].id)) {
			err_escaped("waiver names an unknown check: ", w->v[i].id);
			bad = -1;
		}
	return bad;
}

static int load_waivers(const char *file, kw_waivers *w)
{
	FILE *f = fopen(file, "re");
	if (!f) {
		err_escaped("cannot open waiver file: ", file);
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	char chunk[8192];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		fwrite(chunk, 1, n, m);
		fflush(m);
		if (len > (1u << 20))
			break;
	}
	fclose(f);
	if (!m)
		return -1;
	fclose(m);
	if (len > (1u << 20)) {
		err_escaped("waiver file larger than 1 MiB: ", file);
		free(text);
		return -1;
	}
	kw_diags d = { 0 };
	int r = kw_waivers_parse(w, file, text, len, &d);
	print_diags(&d);
	kw_diags_release(&d);
	free(text);
	return r < 0 ? -1 : 0;
}

struct audit_native {
	const kw_report *rep;
	bool color; /* on stdout */
	int verbose;
};

static int audit_native_render(FILE *out, kw_format fmt, const void *ctx)
{
	const struct audit_native *n = ctx;
	return kw_report_render(out, fmt, n->rep, out == stdout && n->color, n->verbose);
}

int cmd_audit(int argc, char **argv)
{
	return kw_cmd_audit_main(argc, argv, &kw_spec_audit, KW_AUDIT_ANY);
}

int kw_cmd_audit_main(int argc, char **argv, const kw_cmd_spec *spec, kw_audit_mode mode)
{
	cmd_name = spec->name;
	audit_args a = {
		.out.allowed = (1u << KW_FMT_TEXT) | (1u << KW_FMT_JSON) | KW_CMD_SHARED_FORMATS,
		.fail_on = KW_SEV_HIGH,
		.profile = "baseline",
	};
	int pr = parse_args(argc, argv, spec, &a);
	if (pr != 0) {
		kw_waivers_release(&a.waivers);
		return pr > 0 ? 0 : a.unhandled ? a.unhandled : 2;
	}
	bool windows = mode == KW_AUDIT_WINDOWS;
	if (windows && !a.root && !a.list) {
		kw_waivers_release(&a.waivers);
		return kw_cmd_usage_err(cmd_name, "needs --root DIR: the Windows system volume, mounted "
					"(ntfs-3g, guestmount) or copied into a folder", "");
	}
	if (a.list) {
		size_t n;
		const kw_check_def *const *all = windows ? kw_checks_for(true, &n) : kw_checks_all(&n);
		kw_waivers_release(&a.waivers);
		if (a.out.format != KW_FMT_TEXT && a.out.format != KW_FMT_JSON)
			return kw_cmd_usage_err(cmd_name, "--list-checks prints text or json, not ",
						kw_format_name(a.out.format));
		return kw_report_check_list(stdout, a.out.format, all, n) < 0 ? 2 : 0;
	}

	int exit_code = 2;
	kw_profile prof;
	kw_profile_init(&prof);
	kw_target *t = NULL;
	kw_facts facts = { 0 };
	kw_findings fs = { 0 };
	kw_diags pd = { 0 };

	if (kw_profile_load(&prof, a.profile, &pd) < 0) {
		print_diags(&pd);
		err_escaped("cannot load profile: ", a.profile);
		goto out;
	}
	if (a.waivers_file && load_waivers(a.waivers_file, &a.waivers) < 0)
		goto out;
	if (validate_ids(&prof, &a.waivers) < 0)
		goto out;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char started[32], today[16];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);

	kw_progress prog;
	kw_progress_init(&prog, a.image ? "reading archive" : "walking", kw_ui_settings.quiet);
	if (kw_cmd_open_target(cmd_name, a.root, a.image, a.deep, &prog, &t) < 0)
		goto out;
	if (windows && !kw_win_detect(t)) {
		err_escaped("not a Windows system volume (no Windows/System32/config folder): ", a.root);
		goto out;
	}

	bool live = !a.root && !a.image && !a.as_image;
	kw_collect_opts co = {
		.deep = a.deep,
		.live_host = live,
		.match_users = a.match_users,
		.max_file_size = prof.max_file_size,
		.deep_max_size = prof.deep_max_size,
		.progress = kw_progress_files,
		.progress_ctx = &prog,
	};
	prog.label = "deep scan";
	int r = kw_collect(t, &co, &facts);
	kw_progress_done(&prog);
	size_t checks_run = 0;
	if (r == 0)
		r = kw_checks_run(&facts, &prof, &fs, &checks_run);
	if (r < 0) {
		fprintf(stderr, "keyward %s: %s\n", cmd_name, kw_strerror(r));
		goto out;
	}
	kw_waivers_apply(&a.waivers, &fs, a.today ? a.today : today);
	kw_findings_sort(&fs);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	exit_code = kw_diags_any_fatal(&facts.diags) ? 3
		    : kw_findings_count_at_least(&fs, a.fail_on) ? 1 : 0;
	kw_report rep = {
		.command = cmd_name,
		.target = facts.target,
		.profile = prof.name ? prof.name : a.profile,
		.version = KW_VERSION,
		.started = started,
		.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		.findings = &fs,
		.diags = &facts.diags,
		.waivers = &a.waivers,
		.checks_run = checks_run,
		.fail_on = a.fail_on,
		.exit_code = exit_code,
	};
	kw_check_list ran = { 0 };
	size_t n_all;
	const kw_check_def *const *all = kw_checks_for(facts.win != NULL, &n_all);
	char rootbuf[PATH_MAX];
	if (kw_check_list_add_ptrs(&ran, &prof, all, n_all) < 0) {
		fprintf(stderr, "keyward %s: out of memory\n", cmd_name);
		exit_code = 2;
		goto out;
	}
	rep.checks = ran.v;
	rep.n_checks = ran.n;
	rep.root = a.image ? NULL : a.root ? realpath(a.root, rootbuf) : "/";
	rep.paths = KW_PATHS_IN_ROOT;
	rep.started_unix = (long long)now;
	struct audit_native nat = { &rep, kw_ui_color(stdout), a.verbose };
	if (kw_cmd_write_outputs(cmd_name, &a.out, audit_native_render, &nat, &rep) < 0)
		exit_code = 2;
	kw_check_list_release(&ran);
out:
	kw_findings_release(&fs);
	kw_facts_release(&facts);
	if (t)
		kw_target_free(t);
	kw_profile_release(&prof);
	kw_diags_release(&pd);
	kw_waivers_release(&a.waivers);
	return exit_code;
}
