/* keys.c — `keyward keys`: every SSH key that grants access on a target.
 *
 *   keys scan   collect (src/collect) -> inventory (src/keys) -> text / JSON (src/report)
 */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/keys_cmds.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "collect/facts.h"
#include "keys/inventory.h"
#include "report/keys.h"
#include "target/target.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char keys_help[] =
"usage: keyward keys scan [--root DIR | --image FILE.tar[.gz|.xz|.zst] | --image -] [OPTIONS]\n"
"\n"
"Every SSH key that grants access to a host or an image, and to whom.\n"
"\n"
"  scan                  list the keys: each authorized_keys line that opens an account\n"
"                        (the files sshd would read for that account: its effective\n"
"                        AuthorizedKeysFile, tokens %h %u %U expanded, Match blocks\n"
"                        applied), the host keys, and user private keys with their\n"
"                        fingerprints. Keys that appear in several places are linked\n"
"                        (\"same key\"): a private key next to the authorized key it opens,\n"
"                        one key opening several accounts. AuthorizedKeysCommand,\n"
"                        AuthorizedPrincipalsFile/Command and TrustedUserCAKeys grant\n"
"                        access too but cannot be listed offline: they are named.\n"
"\n"
"Target (default: this host, read-only):\n"
"  --root DIR            an image root mounted or unpacked in a folder\n"
"  --image FILE          an image tarball (docker export, virt-tar-out); - reads stdin\n"
"\n"
"Options:\n"
"  --format text|json    text (default) or JSON (the input of a fleet view: format\n"
"                        \"keyward-keys-inventory\", version 1)\n"
"  --output FILE         write there (atomically) instead of stdout\n"
"  --md5                 text: MD5 fingerprints, as ssh-keygen -E md5 (JSON has both)\n"
"  -q, --quiet           no progress on stderr\n"
"  -h, --help            this text\n"
"\n"
"Fingerprints are SHA256, exactly as `ssh-keygen -lf` prints them. Private keys are\n"
"listed by their public fingerprint only; no key material is ever printed.\n"
"\n"
"Exit status: 0 listed; 2 usage or I/O error; 3 something could not be read (see the\n"
"messages on stderr: the list may be incomplete).\n"
"\n"
"Examples:\n"
"  keyward keys scan\n"
"  keyward keys scan --root /mnt/image --format json --output keys.json\n"
"  virt-tar-out -a disk.qcow2 / - | keyward keys scan --image -\n";

typedef struct keys_args {
	const char *root, *image, *output;
	bool json, quiet, md5;
} keys_args;

enum { OPT_ROOT = 1000, OPT_IMAGE, OPT_FORMAT, OPT_OUTPUT, OPT_MD5 };

static const struct option keys_options[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "md5", no_argument, NULL, OPT_MD5 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("keys", msg, what); }

/* 1 = help printed, 0 = go on, 2 = usage error */
static int parse_args(int argc, char **argv, keys_args *a)
{
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "qh", keys_options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: a->root = optarg; break;
		case OPT_IMAGE: a->image = optarg; break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_MD5: a->md5 = true; break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				a->json = true;
			else if (strcmp(optarg, "text") != 0)
				return usage_err("--format takes text or json, not ", optarg);
			break;
		case 'q': a->quiet = true; break;
		case 'h': fputs(keys_help, stdout); return 1;
		default: return usage_err("unknown option", NULL);
		}
	}
	if (a->root && a->image)
		return usage_err("--root and --image cannot be used together", NULL);
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	return 0;
}

static int run_scan(int argc, char **argv)
{
	keys_args a = { 0 };
	int pr = parse_args(argc, argv, &a);
	if (pr != 0)
		return pr == 1 ? 0 : 2;
	int status = 2;
	kw_target *t = NULL;
	kw_facts facts = { 0 };
	kw_inventory inv = { 0 };
	kw_progress prog;
	kw_progress_init(&prog, a.image ? "reading archive" : "walking", a.quiet);
	if (kw_cmd_open_target("keys", a.root, a.image, false, &prog, &t) < 0)
		goto out;
	bool live = !a.root && !a.image;
	kw_collect_opts co = { .live_host = live, .keys_only = true, .progress = kw_progress_files,
			       .progress_ctx = &prog };
	int r = kw_collect(t, &co, &facts);
	kw_progress_done(&prog);
	if (r == 0)
		r = kw_inventory_build(&facts, &inv);
	if (r < 0) {
		fprintf(stderr, "keyward keys: %s\n", kw_strerror(r));
		goto out;
	}
	kw_cmd_print_diags("keys", &facts.diags);

	char host[256] = "", scanned[32];
	if (live && gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(scanned, sizeof scanned, "%Y-%m-%dT%H:%M:%SZ", &tm);
	kw_keys_meta m = { .host = host[0] ? host : NULL, .target = facts.target, .scanned = scanned,
			   .md5 = a.md5 };

	char *tmp = NULL;
	FILE *out = kw_cmd_open_output(a.output, &tmp);
	if (!out) {
		_cleanup_free_ char *e = kw_escape_str(a.output);
		fprintf(stderr, "keyward keys: cannot write %s\n", e ? e : "");
		goto out;
	}
	r = a.json ? kw_keys_render_json(out, &m, &inv) : kw_keys_render_text(out, &m, &inv);
	if (kw_cmd_close_output(out, a.output, tmp) < 0 || r < 0) {
		fputs("keyward keys: error writing the list\n", stderr);
		goto out;
	}
	status = kw_diags_any_fatal(&facts.diags) ? 3 : 0;
out:
	kw_inventory_release(&inv);
	kw_facts_release(&facts);
	if (t)
		kw_target_free(t);
	return status;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} keys_subcommands[] = {
	{ "scan", run_scan },
	{ "snapshot", cmd_keys_snapshot },
	{ "diff", cmd_keys_diff },
};

int cmd_keys(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(keys_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof keys_subcommands / sizeof keys_subcommands[0]; i++)
		if (!strcmp(argv[1], keys_subcommands[i].name))
			return keys_subcommands[i].fn(argc - 1, argv + 1);
	_cleanup_free_ char *e = kw_escape_str(argv[1]);
	fprintf(stderr, "keyward keys: unknown subcommand '%s' (available: scan, snapshot, diff)\n",
		e ? e : "");
	return 2;
}
