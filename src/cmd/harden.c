/* harden.c — `keyward harden`: load a harden set, collect the root, build the plan
 * (fix/harden.c: placement, moduli, sshd -t/-T on a staged copy, lock-out guard), show
 * or apply it through kw_fix_run, and say how to reload sshd (or reload it: live host
 * and --reload only). The only place of harden that prints or decides the exit code. */
#include "cmd/cmd.h"
#include "cmd/fixcommon.h"
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "collect/facts.h"
#include "fix/harden.h"
#include "target/target.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	OPT_ROOT = 256, OPT_PROFILE, OPT_APPLY, OPT_JOURNAL, OPT_MIN_BITS, OPT_NO_MODULI,
	OPT_CONSOLE, OPT_RELOAD, OPT_NO_DIFF,
};

static const kw_opt harden_opts[] = {
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "an image root in a folder (default /: this host)" },
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL,
	  "a built-in harden set: baseline (default), strict; or a file in sshd_config syntax "
	  "(see docs/harden.md, data/harden/*.conf)" },
	{ OPT_APPLY, 0, "apply", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "make the changes (default: dry run)" },
	{ OPT_JOURNAL, 0, "journal", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "where --apply journals the originals (default " KW_JOURNAL_BASE "/<time>-harden-<id>; "
	  "outside an image root)" },
	{ OPT_MIN_BITS, 0, "min-bits", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "keep only Diffie-Hellman groups of at least N bits (default 3072; 1024 to 8192), in "
	  "/etc/ssh/moduli.keyward; the packaged moduli file stays" },
	{ OPT_NO_MODULI, 0, "no-moduli", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "leave the moduli file alone" },
	{ OPT_CONSOLE, 0, "i-have-console-access", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "override the lock-out guard: go ahead even when it finds no account that could log in "
	  "with a key afterwards (a cloud image whose keys arrive at first boot, or a host with a "
	  "console)" },
	{ OPT_RELOAD, 0, "reload", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "reload sshd after --apply, on this host only: check with sshd -t, then systemctl "
	  "reload ssh, else SIGHUP to the PidFile's pid; never done on an image root" },
	{ OPT_NO_DIFF, 0, "no-diff", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "the plan without diffs" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_harden = {
	.name = "harden",
	.summary = "harden sshd: drop-in, moduli filter, sshd -t, lock-out guard (dry run unless --apply)",
	.synopsis = "[--root DIR] [--profile NAME|FILE] [--apply] [OPTIONS]",
	.description =
	"Make sshd's hardened settings effective: password and keyboard-interactive logins off, "
	"root by key only, no host-based or rhosts trust, no user environment, X11 forwarding "
	"off, tight limits, weak algorithms removed, small Diffie-Hellman groups filtered out. "
	"Only what is not in force yet is written, and nothing is ever loosened. The settings go "
	"to a drop-in (/etc/ssh/sshd_config.d/00-keyward-harden.conf, or a name that sorts "
	"before every drop-in setting the same keywords: sshd keeps the first value it reads) "
	"when the main file Includes that folder early enough, else to a marked block at the top "
	"of sshd_config. Before anything is written, the result is checked: keyward's engine "
	"must see every setting in force, the real sshd -t must accept it and sshd -T must show "
	"the values (on a staged copy, in a private mount namespace), and a lock-out guard must "
	"find an account that can still log in with a key.\n"
	"\n"
	"Dry run unless --apply: prints the plan with unified diffs. --apply journals every file "
	"first; `keyward undo JOURNAL` restores them byte for byte. A second --apply does nothing.",
	.opts = harden_opts,
	.notes =
	"Environment: KEYWARD_SSHD names the sshd binary used for -t/-T (default "
	KW_SSHD_PATH ").",
	.exit_status =
	"0 done, dry run or nothing to do; 1 some change failed (the journal undoes what was "
	"done); 2 usage error, unreadable input, or a refusal (sshd rejects the result, the "
	"lock-out guard, the moduli filter would leave nothing): nothing is changed.",
	.examples =
	"keyward harden\n"
	"keyward harden --root /mnt/image --profile strict\n"
	"keyward harden --root /mnt/image --apply --journal /var/tmp/harden-journal\n"
	"keyward harden --apply --reload\n"
	"keyward harden --profile ./site.conf --min-bits 4096 --no-diff\n"
	"keyward undo " KW_JOURNAL_BASE "/2026-01-01T000000Z-harden-1a2b\n",
};

typedef struct harden_args {
	const char *root, *profile, *journal;
	uint32_t min_bits;
	bool apply, no_moduli, console, reload, no_diff;
	int unhandled; /* kw_opts_unhandled's exit code */
} harden_args;

static void say(const char *msg, const char *text)
{
	kw_fix_err("harden", msg, text ? text : "");
}

/* 0 go on, 1 help printed, -1 usage error (or a.unhandled) */
static int parse_args(int argc, char **argv, harden_args *a)
{
	int c;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_harden);
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_ROOT: a->root = optarg; break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_APPLY: a->apply = true; break;
		case OPT_JOURNAL: a->journal = optarg; break;
		case OPT_NO_MODULI: a->no_moduli = true; break;
		case OPT_CONSOLE: a->console = true; break;
		case OPT_RELOAD: a->reload = true; break;
		case OPT_NO_DIFF: a->no_diff = true; break;
		case OPT_MIN_BITS: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1024 || v > 8192) {
				say("--min-bits takes a number of bits from 1024 to 8192: ", optarg);
				return -1;
			}
			a->min_bits = (uint32_t)v;
			break;
		}
		default:
			a->unhandled = kw_opts_unhandled(&p, c);
			return -1;
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code ? -1 : 1;
	if (optind < argc) {
		say("unexpected argument: ", argv[optind]);
		fputs("Try 'keyward harden --help'.\n", stderr);
		return -1;
	}
	return 0;
}

/* Diagnostics of the harden set, "FILE:LINE: message" each (escaped by kw_fix_err). */
static void print_set_diags(const kw_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *line = NULL;
		if (asprintf(&line, "%s:%u: %s", d->v[i].file ? d->v[i].file : "?", d->v[i].line,
			     d->v[i].msg ? d->v[i].msg : "") < 0)
			continue;
		say("", line);
		free(line);
	}
}

/* The guard's verdict per account (target text escaped). */
static void print_guard(FILE *out, const kw_lockout_report *g)
{
	if (!g->needed)
		return;
	_cleanup_free_ char *off = kw_escape_str(g->turns_off);
	fprintf(out, "lock-out guard: the plan turns off %s; accounts that could log in with a key "
		"afterwards:\n", off ? off : "?");
	for (size_t i = 0; i < g->n; i++) {
		_cleanup_free_ char *who = kw_escape_str(g->v[i].account);
		_cleanup_free_ char *why = kw_escape_str(g->v[i].why);
		fprintf(out, "  %-4s %s: %s\n", g->v[i].counts ? "yes" : "no", who ? who : "?", why ? why : "?");
	}
	if (!g->n)
		fprintf(out, "  (no account has a login shell or a key file)\n");
	if (g->skipped)
		fprintf(out, "  (%zu more accounts have neither a login shell nor a key file)\n", g->skipped);
}

/* Run a program and wait for it (stdin /dev/null); its exit status, or -1. */
static int run_wait(const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *find_systemctl(void)
{
	static const char *const cands[] = { "/usr/bin/systemctl", "/bin/systemctl" };
	struct stat st;
	if (stat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL; /* not booted with systemd */
	for (size_t i = 0; i < KW_ARRAY_LEN(cands); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

/* --reload on the live host: check the written config with the real sshd, then reload. */
static int reload_sshd(const char *sshd, const char *pidfile)
{
	const char *targv[] = { sshd, "-t", NULL };
	if (run_wait(targv) != 0) {
		say("sshd -t fails on the written configuration: not reloading. Undo with the journal above", NULL);
		return 1;
	}
	const char *sc = find_systemctl();
	if (sc) {
		const char *argv[] = { sc, "reload", "ssh.service", NULL };
		if (run_wait(argv) == 0) {
			printf("reloaded sshd (systemctl reload ssh.service); open sessions stay up: test a "
			       "new login before you close this one\n");
			return 0;
		}
	}
	FILE *f = fopen(pidfile, "re");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	char comm[64] = "", path[64];
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	f = pid > 1 && pid < INT_MAX ? fopen(path, "re") : NULL;
	if (f) {
		if (!fgets(comm, sizeof comm, f))
			comm[0] = '\0';
		fclose(f);
	}
	if (strncmp(comm, "sshd", 4) != 0 || kill((pid_t)pid, SIGHUP) < 0) {
		say("could not reload sshd (no systemctl reload, no sshd at the pid in ", pidfile);
		fputs("keyward harden: reload it yourself: systemctl reload ssh  (or kill -HUP the sshd "
		      "listener)\n", stderr);
		return 1;
	}
	printf("reloaded sshd (SIGHUP to pid %ld from %s); test a new login before you close this "
	       "session\n", pid, pidfile);
	return 0;
}

static void reload_advice(bool live, bool apply, bool changed)
{
	if (!live) {
		printf("image root: nothing to reload; the image's sshd reads the new files when it "
		       "starts.\n");
		return;
	}
	if (!changed)
		return;
	if (apply)
		printf("reload sshd to use the new settings: systemctl reload ssh (or --reload); keep this "
		       "session open and test a new login first.\n");
	else
		printf("after --apply, reload sshd: systemctl reload ssh (a reload keeps open sessions); "
		       "test a new login before you close this one.\n");
}

int cmd_harden(int argc, char **argv)
{
	harden_args a = { .profile = "baseline" };
	int pr = parse_args(argc, argv, &a);
	if (pr != 0)
		return pr > 0 ? 0 : a.unhandled ? a.unhandled : 2;
	const char *root = a.root ? a.root : "/";
	char real[PATH_MAX];
	if (!realpath(root, real)) {
		say("cannot open the root: ", root);
		return 2;
	}
	bool live = !strcmp(real, "/");
	if (a.reload && !live) {
		say("--reload is for this host only: keyward never restarts anything for an image root ", root);
		return 2;
	}
	const char *sshd = getenv("KEYWARD_SSHD");
	if (!sshd || !*sshd)
		sshd = KW_SSHD_PATH;

	int rc = 2;
	kw_harden_set set = { 0 };
	kw_diags d = { 0 };
	kw_target *t = NULL;
	kw_facts facts = { 0 };
	kw_plan plan;
	kw_plan_init(&plan);
	kw_harden_result res = { 0 };
	char *journal = NULL;

	int r = kw_harden_set_load(a.profile, &set, &d);
	print_set_diags(&d);
	if (r < 0) {
		say("cannot load the harden set: ", a.profile);
		goto out;
	}
	if ((r = kw_target_open_dir(root, &t)) < 0) {
		fprintf(stderr, "keyward harden: cannot open %s: ", kw_strerror(r));
		say("", root);
		goto out;
	}
	kw_collect_opts co = { .live_host = live };
	if ((r = kw_collect(t, &co, &facts)) < 0) {
		fprintf(stderr, "keyward harden: %s\n", kw_strerror(r));
		goto out;
	}
	if (!facts.sshd.present) {
		say("no /etc/ssh/sshd_config in ", root);
		goto out;
	}
	kw_harden_opts ho = {
		.set = &set, .min_bits = a.min_bits, .no_moduli = a.no_moduli,
		.console_access = a.console, .sshd = sshd,
	};
	r = kw_harden_plan(t, &facts, &ho, &plan, &res);
	bool color = kw_ui_color(stdout);
	if (r == KW_E_REFUSED) {
		if (plan.n) {
			printf("what would be done:\n");
			kw_plan_render(stdout, &plan, !a.no_diff, color);
		}
		fflush(stdout);
		say("refused, nothing changed: ", res.why);
		if (res.refusal == KW_HARDEN_REFUSE_LOCKOUT) {
			print_guard(stderr, &res.guard);
			fputs("keyward harden: to go ahead, give an account that may log in a well-formed key\n"
			      "  (ssh-copy-id, or append it to its authorized_keys; mode 600, folders not\n"
			      "  writable by group or others), or pass --i-have-console-access if you can\n"
			      "  reach a console (or the image gets its keys at first boot).\n", stderr);
		}
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "keyward harden: %s\n", kw_strerror(r));
		goto out;
	}
	print_guard(stdout, &res.guard);
	kw_fix_opts fo = {
		.cmd = "harden", .root = root, .apply = a.apply, .journal = a.journal,
		.diffs = !a.no_diff, .color = color, .quiet = kw_ui_settings.quiet,
	};
	rc = kw_fix_run(&fo, &plan, &journal);
	bool changed = plan.n > 0;
	reload_advice(live, a.apply, changed);
	if (rc == 0 && a.apply && a.reload && changed) {
		const char *pidfile = facts.sshd.cfg ? kw_sshd_value(kw_sshd_config_global(facts.sshd.cfg),
								    KW_SO_PIDFILE) : NULL;
		rc = reload_sshd(sshd, pidfile ? pidfile : "/run/sshd.pid");
	}
out:
	free(journal);
	kw_harden_result_release(&res);
	kw_plan_release(&plan);
	kw_facts_release(&facts);
	if (t)
		kw_target_free(t);
	kw_harden_set_release(&set);
	kw_diags_release(&d);
	return rc;
}
