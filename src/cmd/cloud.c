/* cloud.c — `keyward cloud`: audit exported cloud settings (AWS, Alibaba Cloud, Terraform
 * plans and states) for SSH/RDP open to the internet and launches that inherit or set a
 * password; `keyward cloud policy` prints the deny policies that prevent them. */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/opts.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/time.h"
#include "checks/cloud.h"
#include "cloud/exposure.h"
#include "cloud/load.h"
#include "report/cloud.h"
#include "report/cloud_policy.h"
#include "kw_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct cloud_args {
	const char *profile;
	kw_cmd_outputs out;
	char **files;
	size_t n_files;
	bool fail, records, list_checks;
	kw_severity fail_on;
	kw_cloud_provider provider;
	kw_json_limits lim;
} cloud_args;

enum { OPT_PROVIDER = 1000, OPT_PROFILE, OPT_FORMAT, OPT_OUTPUT, OPT_REPORT, OPT_FAIL_ON, OPT_RECORDS,
       OPT_MAX_INPUT, OPT_MAX_MEMORY, OPT_LIST_CHECKS, OPT_NAME };

static const kw_opt cloud_opts[] = {
	{ OPT_PROVIDER, 0, "provider", KW_ARG_REQUIRED, "aws|alibaba", KW_COMP_WORDS, "aws alibaba",
	  "the provider of a launch request whose keys do not tell" },
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL,
	  "baseline (default) or strict, or a profile file" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "FORMAT", KW_COMP_WORDS,
	  KW_CMD_FORMAT_WORDS,
	  "text (default), json, or the findings as sarif (the input file as location, the JSON "
	  "pointer as a logical location), junit, markdown, html or prometheus (docs/reports.md)" },
	KW_CMD_OPT_OUTPUT(OPT_OUTPUT),
	KW_CMD_OPT_REPORT(OPT_REPORT),
	{ OPT_FAIL_ON, 0, "fail-on", KW_ARG_REQUIRED, "SEVERITY", KW_COMP_WORDS,
	  KW_CMD_SEVERITY_WORDS,
	  "exit 1 if a finding at or above SEVERITY: info, low, medium, high or critical (CI: "
	  "--fail-on high)" },
	{ OPT_RECORDS, 0, "records", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "print what keyward understood instead: one JSON object per group, rule, instance and "
	  "launch, with where it came from" },
	{ OPT_MAX_INPUT, 0, "max-input", KW_ARG_REQUIRED, "SIZE", KW_COMP_NONE, NULL,
	  "refuse files larger than SIZE (default 1G; K, M, G suffixes)" },
	{ OPT_MAX_MEMORY, 0, "max-memory", KW_ARG_REQUIRED, "SIZE", KW_COMP_NONE, NULL,
	  "refuse files whose JSON tree needs more (default 4G)" },
	{ OPT_LIST_CHECKS, 0, "list-checks", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "the checks, their ids and default severities" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_cloud = {
	.name = "cloud",
	.summary = "audit exported cloud settings: SSH/RDP open to the internet, inherited passwords; deny policies",
	.synopsis =
	"FILE... [OPTIONS]\n"
	"policy [--provider aws|alibaba] [--name NAME] [--format text|json]",
	.description =
	"Audit exported cloud settings for remote logon open to the internet and for launches "
	"that give an instance a preset or plaintext password. Nothing is sent anywhere: keyward "
	"reads the JSON your provider's CLI or Terraform wrote. Give several files at once to "
	"link instances to their groups (their exposure is then judged with all their groups' "
	"rules together, and with their public address); a group nothing uses is judged alone.\n"
	"\n"
	"Inputs (the kind is told from each file's keys; '-' reads stdin; a JSON array of such "
	"documents is read document by document):\n"
	"  aws ec2 describe-security-groups\n"
	"  aws ec2 describe-security-group-rules\n"
	"  aws ec2 describe-instances\n"
	"  aws ec2 describe-launch-template-versions\n"
	"  aws ec2 run-instances request (--cli-input-json)\n"
	"  aliyun ecs DescribeSecurityGroupAttribute\n"
	"  aliyun ecs DescribeInstances\n"
	"  aliyun ecs DescribeLaunchTemplateVersions\n"
	"  aliyun ecs RunInstances / CreateInstance request\n"
	"  terraform show -json PLANFILE\n"
	"  terraform show -json (state)\n"
	"\n"
	"What is judged: SSH (tcp/22), RDP (tcp/3389, udp/3389), all ports and any other port "
	"reachable from 0.0.0.0/0 or ::/0 (any spelling, host bits set, or several rules that "
	"together cover the whole space), port ranges that hold 22 or 3389, all-protocol rules. "
	"Alibaba rules in priority order with Drop first at equal priority: an Accept from the "
	"internet is cancelled only by a Drop of equal or better priority that covers its "
	"protocol, port and the whole source. Group references are not the internet; prefix "
	"lists and port lists the input does not resolve, and values known only after apply, "
	"are UNKNOWN, never safe. Launches: PasswordInherit, plaintext passwords, no key pair, "
	"user data that turns on password logon (base64 and gzip decoded). Values of passwords "
	"are never printed.\n"
	"\n"
	"The deny policies that prevent these findings are printed by `keyward cloud policy` "
	"(keyward help cloud policy).",
	.opts = cloud_opts,
	.notes = "See docs/cloud.md and docs/cloud-policy.md.",
	.exit_status =
	"0 ok, 1 findings at or above --fail-on, 2 usage or internal error, 3 an input could not "
	"be read (the others are still judged and reported).",
	.examples =
	"aws ec2 describe-security-groups > sg.json; keyward cloud sg.json\n"
	"keyward cloud sg.json instances.json --format json --output cloud.json\n"
	"terraform show -json plan.out > plan.json; keyward cloud plan.json --fail-on high\n"
	"keyward cloud launch-request.json --provider alibaba\n"
	"keyward cloud policy --provider alibaba\n",
	.operands = KW_COMP_FILE,
};

static const kw_opt policy_opts[] = {
	{ OPT_PROVIDER, 0, "provider", KW_ARG_REQUIRED, "aws|alibaba", KW_COMP_WORDS, "aws alibaba",
	  "only that provider's (default: both)" },
	/* the names of the built-in policies (src/cloud/policy.c, data/policies/NAME.json) */
	{ OPT_NAME, 0, "name", KW_ARG_REQUIRED, "NAME", KW_COMP_WORDS,
	  "alibaba-deny-password-inherit alibaba-deny-password-logon alibaba-deny-root-logon "
	  "alibaba-deny-internet-rules aws-deny-key-pairs aws-require-launch-template",
	  "only that policy's JSON document, byte for byte (to pass to `aliyun ram CreatePolicy "
	  "--PolicyDocument` or `aws organizations create-policy --content`)" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "text|json", KW_COMP_WORDS, "text json",
	  "text: commented explanations and the documents (default); json: the same as one "
	  "JSON document" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_cloud_policy = {
	.name = "cloud policy",
	.summary = "print the deny policies that stop what keyward cloud finds, ready to attach",
	.synopsis = "[--provider aws|alibaba] [--name NAME] [--format text|json]",
	.description =
	"Print the deny policies that stop what `keyward cloud` finds, ready to attach: Alibaba "
	"RAM custom policies or Resource Directory control policies (deny launches that inherit "
	"the image's password, Linux password logon, root as the initial user, new rules from "
	"0.0.0.0/0), and for AWS the service control policies that exist and a plain statement "
	"of what no SCP can enforce, with the detective controls to use instead.",
	.opts = policy_opts,
	.notes = "See docs/cloud-policy.md.",
	.exit_status =
	"0 printed; 2 usage or internal error, or no policy of that --name (for that "
	"--provider).",
	.examples =
	"keyward cloud policy\n"
	"keyward cloud policy --provider alibaba\n"
	"keyward cloud policy --name alibaba-deny-password-inherit --format json\n",
};

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("cloud", msg, what); }

/* "512", "100M", "2G", "64KiB": bytes, not 0, within size_t */
static int parse_size(const char *s, size_t *ret)
{
	kw_buf b = kw_buf_view(s, strlen(s));
	uint64_t v;
	if (kw_buf_to_size(&b, &v) < 0 || v == 0 || v > SIZE_MAX)
		return -1;
	*ret = (size_t)v;
	return 0;
}

static int parse_provider(const char *s, kw_cloud_provider *p)
{
	if (strcasecmp(s, "aws") == 0)
		*p = KW_CLOUD_AWS;
	else if (strcasecmp(s, "alibaba") == 0 || strcasecmp(s, "aliyun") == 0 ||
		 strcasecmp(s, "alicloud") == 0)
		*p = KW_CLOUD_ALIBABA;
	else
		return -1;
	return 0;
}

/* 0 run, 1 help printed, 2 usage error, 70 an option without a handler */
static int parse_args(int argc, char **argv, cloud_args *a)
{
	a->lim.max_bytes = KW_JSON_DEFAULT_MAX_BYTES;
	a->lim.max_memory = KW_JSON_DEFAULT_MAX_MEMORY;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_cloud);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_PROVIDER:
			if (parse_provider(optarg, &a->provider) < 0)
				return usage_err("unknown provider (aws, alibaba): ", optarg);
			break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_FORMAT:
			if (kw_cmd_format_opt("cloud", optarg, &a->out))
				return 2;
			break;
		case OPT_OUTPUT: a->out.output = optarg; break;
		case OPT_REPORT:
			if (kw_cmd_report_opt("cloud", optarg, &a->out))
				return 2;
			break;
		case OPT_FAIL_ON:
			if (kw_severity_parse(optarg, &a->fail_on) < 0)
				return usage_err("unknown severity: ", optarg);
			a->fail = true;
			break;
		case OPT_RECORDS: a->records = true; break;
		case OPT_LIST_CHECKS: a->list_checks = true; break;
		case OPT_MAX_INPUT:
			if (parse_size(optarg, &a->lim.max_bytes) < 0)
				return usage_err("--max-input wants a size such as 100M or 2G: ", optarg);
			break;
		case OPT_MAX_MEMORY:
			if (parse_size(optarg, &a->lim.max_memory) < 0)
				return usage_err("--max-memory wants a size such as 512M or 4G: ", optarg);
			break;
		default:
			return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code ? p.exit_code : 1;
	a->files = argv + optind;
	a->n_files = (size_t)(argc - optind);
	if (!a->n_files && !a->list_checks)
		return usage_err("no input file given", NULL);
	return 0;
}

static int list_checks(void)
{
	size_t n;
	const kw_check_def *d = kw_cloud_check_defs(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-28s %-8s %s\n", d[i].id, kw_severity_name(d[i].severity), d[i].title);
	return ferror(stdout) || fflush(stdout) ? 2 : 0;
}

static int cmd_policy(int argc, char **argv)
{
	kw_cloud_provider p = KW_CLOUD_ANY;
	const char *name = NULL;
	bool json = false;
	kw_opts po;
	kw_opts_begin(&po, &kw_spec_cloud_policy);
	int c;
	while ((c = kw_opts_next(&po, argc, argv)) >= 0) {
		switch (c) {
		case OPT_PROVIDER:
			if (parse_provider(optarg, &p) < 0)
				return kw_cmd_usage_err("cloud policy", "unknown provider (aws, alibaba): ", optarg);
			break;
		case OPT_NAME: name = optarg; break;
		case OPT_FORMAT:
			if (kw_cmd_format_json("cloud policy", optarg, &json))
				return 2;
			break;
		default:
			return kw_opts_unhandled(&po, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return po.exit_code;
	if (optind < argc)
		return kw_cmd_usage_err("cloud policy", "unexpected argument ", argv[optind]);
	int r = kw_cloud_policy_render(stdout, p, name, json);
	if (r == -ENOENT) {
		size_t n;
		const kw_cloud_policy *all = kw_cloud_policies(&n);
		const kw_cloud_policy *named = name ? kw_cloud_policy_find(name) : NULL;
		if (named)
			fprintf(stderr, "keyward cloud policy: %s is a policy for %s, not %s\n", named->name,
				kw_cloud_provider_name(named->provider), kw_cloud_provider_name(p));
		else {
			fputs("keyward cloud policy: no policy named that; the policies are:", stderr);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, " %s", all[i].name);
			fputc('\n', stderr);
		}
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "keyward cloud policy: %s\n", kw_strerror(r));
		return 2;
	}
	return 0;
}

static int cloud_native_render(FILE *out, kw_format fmt, const void *ctx)
{
	return fmt == KW_FMT_JSON ? kw_cloud_render_json(out, ctx) : kw_cloud_render_text(out, ctx);
}

static int write_reports(const cloud_args *a, const kw_profile *prof, const kw_cloud_report *cr,
			 long long started)
{
	kw_check_list ran = { 0 };
	size_t n_defs = 0;
	const kw_check_def *defs = kw_cloud_check_defs(&n_defs);
	if (kw_check_list_add(&ran, prof, defs, n_defs) < 0) {
		fputs("keyward cloud: out of memory\n", stderr);
		return -1;
	}
	char target[64];
	snprintf(target, sizeof target, "%zu input file%s", a->n_files, a->n_files == 1 ? "" : "s");
	kw_report rep = {
		.command = "cloud",
		.target = a->n_files == 1 ? a->files[0] : target,
		.profile = cr->profile,
		.version = cr->version,
		.started = cr->started,
		.seconds = cr->seconds,
		.findings = cr->findings,
		.diags = cr->diags,
		.fail_on = a->fail ? a->fail_on : KW_SEV__COUNT,
		.exit_code = cr->exit_code,
		.checks = ran.v,
		.n_checks = ran.n,
		.paths = KW_PATHS_INPUT,
		.started_unix = started,
	};
	int r = kw_cmd_write_outputs("cloud", &a->out, cloud_native_render, cr, &rep);
	kw_check_list_release(&ran);
	return r;
}

int cmd_cloud(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "policy") == 0)
		return cmd_policy(argc - 1, argv + 1);
	cloud_args a = { .out.allowed = (1u << KW_FMT_TEXT) | (1u << KW_FMT_JSON) | KW_CMD_SHARED_FORMATS };
	kw_profile prof;
	kw_profile_init(&prof);
	kw_cloud_model m = { 0 };
	kw_exposure e = { 0 };
	kw_findings fs = { 0 };
	kw_diags d = { 0 };
	int status = 2;
	int pr = parse_args(argc, argv, &a);
	if (pr != 0) {
		status = pr == 1 ? 0 : pr;
		goto out;
	}
	if (a.list_checks) {
		status = list_checks();
		goto out;
	}
	if (kw_cmd_load_profile("cloud", a.profile ? a.profile : "baseline", &prof) != 0)
		goto out;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	time_t started = time(NULL);
	bool unreadable = false;
	for (size_t i = 0; i < a.n_files; i++) {
		int r = kw_cloud_load_file(&m, a.files[i], &a.lim, a.provider, &d);
		if (r == -ENOMEM) {
			fputs("keyward cloud: out of memory\n", stderr);
			goto out;
		}
		if (r < 0)
			unreadable = true;
	}
	/* the report lists the problems; --records has no room for them */
	if (a.records)
		kw_cmd_print_diags("cloud", &d);
	else if (d.n)
		fprintf(stderr, "keyward cloud: %zu problem%s in the inputs (listed in the report)\n", d.n,
			d.n == 1 ? "" : "s");
	if (a.records) {
		char *tmp = NULL;
		FILE *out = kw_cmd_report_open("cloud", a.out.output, &tmp);
		if (!out)
			goto out;
		int r = kw_cloud_render_records(out, &m);
		if (kw_cmd_report_done("cloud", out, a.out.output, tmp, r, "records") < 0)
			goto out;
		status = unreadable ? 3 : 0;
		goto out;
	}
	int r = kw_exposure_eval(&m, &e);
	if (r == 0)
		r = kw_cloud_checks(&prof, &m, &e, &fs);
	if (r < 0) {
		fprintf(stderr, "keyward cloud: %s\n", kw_strerror(r));
		goto out;
	}
	kw_findings_sort(&fs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int code = unreadable ? 3 : a.fail && kw_findings_count_at_least(&fs, a.fail_on) ? 1 : 0;
	char iso[32];
	kw_time_iso((int64_t)started, true, iso, sizeof iso);
	kw_cloud_report rep = {
		.version = KW_VERSION, .started = iso,
		.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		.profile = a.profile ? a.profile : "baseline", .m = &m, .e = &e, .findings = &fs,
		.diags = &d, .exit_code = code,
	};
	if (write_reports(&a, &prof, &rep, (long long)started) < 0)
		goto out;
	status = code;
out:
	kw_findings_release(&fs);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
	kw_diags_release(&d);
	kw_profile_release(&prof);
	return status;
}
