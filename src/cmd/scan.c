/* scan.c — `keyward scan`: rate live SSH servers (banner, algorithms, verified host keys,
 * group-exchange sizes), many at once, against the same ratings and profiles as the
 * sshd_config checks. */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/time.h"
#include "base/vec.h"
#include "checks/scan.h"
#include "net/scan.h"
#include "net/targets.h"
#include "report/scan.h"
#include "kw_config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char scan_help[] =
"usage: keyward scan TARGET... [options]\n"
"\n"
"Rate live SSH servers: banner, the algorithms of their KEXINIT, host keys proved by a\n"
"key exchange whose signature keyward verifies (ssh-keyscan does not), and the sizes of\n"
"the Diffie-Hellman groups their group exchange hands out. Ratings come from the same\n"
"table and profiles as the sshd_config checks (data/algorithms.ratings). Many targets\n"
"are scanned at once on one thread; a silent or hostile server only costs its own\n"
"timeout. Only connections are made: nothing is logged in, nothing is sent beyond the\n"
"key exchange.\n"
"\n"
"targets:\n"
"  HOST, HOST:PORT, ADDR, ADDR:PORT, IPv6, [IPv6]:PORT, CIDR (10.0.0.0/24, [2001:db8::/120]:22),\n"
"  @FILE (one target per line, '#' comments)\n"
"  --targets FILE         targets from FILE (- = stdin)\n"
"  --port N               port for targets without one (default 22)\n"
"  --max-targets N        refuse to expand more than N endpoints (default 65536)\n"
"\n"
"what to learn:\n"
"  --hostkeys             every host key, not only the preferred one (one connection each)\n"
"  --expect FP            the server must prove this host key (SHA256:...; repeatable)\n"
"  --gex                  group-exchange probes (2048:2048:8192 ... 2048:8192:8192)\n"
"  --md5                  show MD5 fingerprints too\n"
"\n"
"how:\n"
"  -j, --jobs N           connections at once (default 128)\n"
"  --timeout DURATION     per connection: connect, banner, KEXINIT, reply (default 5s;\n"
"                         500ms, 5s, 1m)\n"
"\n"
"report:\n"
"  --profile NAME|FILE    baseline (default) or strict, or a profile file\n"
"  --format text|json     (default text)\n"
"  --output FILE          write the report there (atomically) instead of stdout\n"
"  --fail-on SEVERITY     exit 1 if a finding at or above SEVERITY\n"
"  -q, --quiet            no progress line\n"
"\n"
"exit: 0 ok, 1 findings at or above --fail-on, 2 usage or internal error, 3 a target\n"
"could not be scanned or the scan was interrupted (Ctrl-C prints what had finished).\n"
"\n"
"examples:\n"
"  keyward scan 127.0.0.1:22 host-b:2222\n"
"  keyward scan 10.0.0.0/24 --hostkeys --format json --output scan.json\n"
"  keyward scan bastion --expect SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s\n"
"  keyward scan @fleet.txt --gex --profile strict --fail-on high\n";

typedef struct scan_args {
	kw_targets targets;
	const char **expect;
	size_t n_expect, cap_expect;
	const char *output, *profile;
	bool json, quiet, md5, hostkeys, gex, fail;
	kw_severity fail_on;
	unsigned jobs;
	uint32_t timeout_ms;
} scan_args;

enum { OPT_TARGETS = 1000, OPT_PORT, OPT_MAX, OPT_HOSTKEYS, OPT_EXPECT, OPT_GEX, OPT_MD5,
       OPT_TIMEOUT, OPT_PROFILE, OPT_FORMAT, OPT_OUTPUT, OPT_FAIL_ON, OPT_NO_PROGRESS };

static const struct option scan_options[] = {
	{ "targets", required_argument, NULL, OPT_TARGETS },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "max-targets", required_argument, NULL, OPT_MAX },
	{ "hostkeys", no_argument, NULL, OPT_HOSTKEYS },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "gex", no_argument, NULL, OPT_GEX },
	{ "md5", no_argument, NULL, OPT_MD5 },
	{ "jobs", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("scan", msg, what); }

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "500ms", "5s", "5", "1m" -> milliseconds in [1, 3600000] */
static int parse_timeout(const char *s, uint32_t *ms)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	unsigned long mult = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") || !*end ? 1000 : !strcmp(end, "m") ? 60000 : 0;
	if (!mult || v == 0 || v > 3600000UL / mult)
		return -1;
	*ms = (uint32_t)(v * mult);
	return 0;
}

static bool fp_valid(const char *s)
{
	if (strncmp(s, "SHA256:", 7) || strlen(s) != 50)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '+' || *p == '/'))
			return false;
	return true;
}

/* 1 = help printed, 0 = go on, 2 = usage error */
static int parse_args(int argc, char **argv, scan_args *a)
{
	optind = 1;
	int c;
	unsigned long port = 22, max = KW_TARGETS_DEFAULT_CAP, v;
	const char *targets_file = NULL;
	/* first pass: options (targets need --port and --max-targets first) */
	while ((c = getopt_long(argc, argv, "qhj:", scan_options, NULL)) != -1) {
		switch (c) {
		case OPT_TARGETS: targets_file = optarg; break;
		case OPT_PORT:
			if (parse_uint(optarg, 65535, &port) < 0 || port == 0)
				return usage_err("--port takes 1 to 65535, not ", optarg);
			break;
		case OPT_MAX:
			if (parse_uint(optarg, 1UL << 24, &max) < 0 || max == 0)
				return usage_err("--max-targets takes 1 to 16777216, not ", optarg);
			break;
		case OPT_HOSTKEYS: a->hostkeys = true; break;
		case OPT_EXPECT: {
			if (!fp_valid(optarg))
				return usage_err("--expect takes a SHA256 fingerprint as ssh-keygen -l prints "
						 "it (SHA256: and 43 characters), not ", optarg);
			const char **slot = KW_VEC_PUSH(a->expect, a->n_expect, a->cap_expect);
			if (!slot)
				return usage_err("out of memory", NULL);
			*slot = optarg;
			break;
		}
		case OPT_GEX: a->gex = true; break;
		case OPT_MD5: a->md5 = true; break;
		case 'j':
			if (parse_uint(optarg, KW_SCAN_JOBS_MAX, &v) < 0 || v == 0)
				return usage_err("--jobs takes 1 to 4096, not ", optarg);
			a->jobs = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &a->timeout_ms) < 0)
				return usage_err("--timeout takes a duration such as 500ms, 5s or 1m (at most 1 h), not ", optarg);
			break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_FORMAT:
			if (kw_cmd_format_json("scan", optarg, &a->json))
				return 2;
			break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_FAIL_ON:
			if (kw_severity_parse(optarg, &a->fail_on) < 0)
				return usage_err("--fail-on takes info, low, medium, high or critical, not ", optarg);
			a->fail = true;
			break;
		case 'q': case OPT_NO_PROGRESS: a->quiet = true; break;
		case 'h': fputs(scan_help, stdout); return 1;
		default: return usage_err("unknown option", NULL);
		}
	}
	kw_targets_init(&a->targets, max);
	char err[512] = "";
	for (int i = optind; i < argc; i++)
		if (kw_targets_add_arg(&a->targets, argv[i], (uint16_t)port, err, sizeof err) < 0)
			return usage_err(err, NULL);
	if (targets_file && kw_targets_load_file(&a->targets, targets_file, (uint16_t)port, err, sizeof err) < 0)
		return usage_err(err, NULL);
	if (a->targets.n == 0)
		return usage_err("say what to scan: HOST[:PORT], a CIDR range, @FILE or --targets FILE", NULL);
	return 0;
}

static int load_profile(const char *name, kw_profile *p)
{
	kw_diags d = { 0 };
	int r = kw_profile_load(p, name, &d);
	kw_cmd_print_diags("scan", &d);
	kw_diags_release(&d);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(name);
		fprintf(stderr, "keyward scan: cannot load profile %s\n", e ? e : "");
		return 2;
	}
	int bad = 0;
	for (size_t i = 0; i < p->n_ov; i++)
		if (!kw_cmd_check_known(p->ov[i].id)) {
			_cleanup_free_ char *e = kw_escape_str(p->ov[i].id);
			fprintf(stderr, "keyward scan: the profile names an unknown check: %s\n", e ? e : "");
			bad = 2;
		}
	return bad;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void progress(void *ctx, size_t done, size_t total)
{
	(void)total;
	kw_progress_files(ctx, done);
}

/* the findings of every target, in target order, each target's sorted by severity */
static int run_checks(const scan_args *a, const kw_profile *prof, const kw_scan_result *res,
		      kw_findings *all)
{
	for (size_t i = 0; i < a->targets.n; i++) {
		_cleanup_free_ char *label = kw_target_label(&a->targets.v[i]);
		kw_scan_check_in in = { .target = label ? label : "?", .r = &res[i],
					.expect = a->expect, .n_expect = a->n_expect,
					.expect_given = a->n_expect > 0, .expect_source = "--expect" };
		kw_findings one = { 0 };
		int r = kw_scan_checks(prof, &in, &one);
		kw_findings_sort(&one);
		for (size_t j = 0; r == 0 && j < one.n; j++) {
			kw_finding *f = KW_VEC_PUSH(all->v, all->n, all->cap);
			if (!f) {
				r = -ENOMEM;
				break;
			}
			*f = one.v[j];
			one.v[j] = (kw_finding){ 0 };
		}
		kw_findings_release(&one);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	scan_args a = { 0 };
	kw_profile prof;
	kw_profile_init(&prof);
	kw_findings fs = { 0 };
	kw_scan_result *res = NULL;
	int status = 2;
	int pr = parse_args(argc, argv, &a);
	if (pr != 0) {
		status = pr == 1 ? 0 : 2;
		goto out;
	}
	if (load_profile(a.profile ? a.profile : "baseline", &prof) != 0)
		goto out;
	kw_targets_resolve(&a.targets);

	kw_progress prog;
	kw_progress_init(&prog, "scanning", a.quiet);
	prog.unit = "targets";
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signal(SIGPIPE, SIG_IGN);
	kw_scan_opts o = { .jobs = a.jobs, .timeout_ms = a.timeout_ms, .all_hostkeys = a.hostkeys,
			   .gex = a.gex, .progress = progress, .progress_ctx = &prog, .stop = &interrupted };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	time_t started = time(NULL);
	int r = kw_scan_run(&a.targets, &o, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kw_progress_done(&prog);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r < 0) {
		fprintf(stderr, "keyward scan: %s\n", kw_strerror(r));
		goto out;
	}
	if ((r = run_checks(&a, &prof, res, &fs)) < 0) {
		fprintf(stderr, "keyward scan: %s\n", kw_strerror(r));
		goto out;
	}
	bool incomplete = interrupted;
	for (size_t i = 0; i < a.targets.n; i++)
		if (!res[i].have_kexinit)
			incomplete = true;
	int code = incomplete ? 3 : a.fail && kw_findings_count_at_least(&fs, a.fail_on) ? 1 : 0;
	char iso[32];
	kw_time_iso((int64_t)started, true, iso, sizeof iso);
	kw_scan_report rep = {
		.version = KW_VERSION, .started = iso,
		.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		.profile = a.profile ? a.profile : "baseline", .targets = &a.targets, .results = res,
		.findings = &fs, .md5 = a.md5, .interrupted = interrupted, .exit_code = code,
	};
	char *tmp = NULL;
	FILE *out = kw_cmd_open_output(a.output, &tmp);
	if (!out) {
		_cleanup_free_ char *e = kw_escape_str(a.output);
		fprintf(stderr, "keyward scan: cannot write %s\n", e ? e : "");
		goto out;
	}
	r = a.json ? kw_scan_render_json(out, &rep) : kw_scan_render_text(out, &rep);
	if (kw_cmd_close_output(out, a.output, tmp) < 0 || r < 0) {
		fputs("keyward scan: error writing the report\n", stderr);
		goto out;
	}
	status = code;
out:
	kw_scan_results_free(res, a.targets.n);
	kw_findings_release(&fs);
	kw_profile_release(&prof);
	kw_targets_release(&a.targets);
	free(a.expect);
	return status;
}
