/* sshd.c — `keyward sshd -T | -t`: the effective sshd configuration of a host or an image,
 * printed like OpenSSH 9.2's `sshd -T`, or a syntax check like `sshd -t`; and
 * `keyward sshd --moduli`: the DH groups of /etc/ssh/moduli, counted, filtered and
 * (--verify) checked as safe primes. Only this file prints; the engines are
 * src/sshd/config.c and src/sshd/moduli.c. */
#include "cmd/cmd.h"
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "cmd/progress.h"
#include "sshd/config.h"
#include "sshd/moduli.h"
#include "target/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_ROOT = 256, OPT_IMAGE, OPT_MODULI, OPT_MIN_BITS, OPT_VERIFY, OPT_ROUNDS };

static const kw_opt sshd_opts[] = {
	{ 'T', 'T', NULL, KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "print the effective configuration (one \"keyword value\" a line; the order differs "
	  "from sshd's, the lines are the same)" },
	{ 't', 't', NULL, KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "syntax check only: print nothing, exit 0 if sshd would start" },
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "an image root in a folder" },
	{ OPT_IMAGE, 0, "image", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "an image tarball (tar, tar.gz, tar.xz, tar.zst)" },
	{ 'f', 'f', NULL, KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "the main config file inside the target (default /etc/ssh/sshd_config; \"none\" for "
	  "compiled-in defaults)" },
	{ 'h', 'h', NULL, KW_ARG_REQUIRED, "HOSTKEY", KW_COMP_FILE, NULL,
	  "add a HostKey before the file, like sshd -h; repeatable" },
	{ 'o', 'o', NULL, KW_ARG_REQUIRED, "KEY=VALUE", KW_COMP_NONE, NULL,
	  "a config line applied before the file (it wins), like sshd -o; repeatable" },
	{ 'C', 'C', NULL, KW_ARG_REQUIRED, "SPEC", KW_COMP_NONE, NULL,
	  "the connection to evaluate Match blocks for: user=U,host=H,addr=A,laddr=L,lport=P,"
	  "rdomain=R (any of them, comma-separated); needs -T" },
	{ OPT_MODULI, 0, "moduli", KW_ARG_OPTIONAL, "FILE", KW_COMP_FILE, NULL,
	  "list the Diffie-Hellman groups of /etc/ssh/moduli (or FILE, inside the target) per "
	  "size, the groups below --min-bits, and whether any group sshd can offer is left "
	  "after such a filter" },
	{ OPT_MIN_BITS, 0, "min-bits", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "the smallest group to keep (default 2002: the usual filter awk '$5 > 2000'; 3072 "
	  "for ssh-audit's and Mozilla's advice)" },
	{ OPT_VERIFY, 0, "verify", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "also check every group: a safe prime of the stated size with a generator that "
	  "generates the whole group (slow: progress shown)" },
	{ OPT_ROUNDS, 0, "rounds", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "Miller-Rabin rounds for --verify (default 16; 0: libcrypto's full count, about 2 "
	  "hours for Debian's file)" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_sshd = {
	.name = "sshd",
	.summary = "print the effective sshd configuration like sshd -T, or check it like sshd -t",
	.synopsis =
	"-T [-f FILE] [-h HOSTKEY]... [-o KEY=VALUE]... [-C SPEC] [--root DIR | --image FILE]\n"
	"-t [same options]\n"
	"--moduli[=FILE] [--min-bits N] [--verify [--rounds N]] [--root DIR | --image FILE]",
	.description =
	"Read sshd_config exactly as OpenSSH 9.2 (Debian 12) reads it - Include globs, Match "
	"blocks in two passes, first-value-wins, accumulating keywords, defaults - and print the "
	"effective configuration in `sshd -T` format (lowercase keywords, normalised values), or "
	"only check the syntax. With --root or --image every file, Include and drop-in is read "
	"inside the image: the image's /etc/ssh/sshd_config.d, never this host's.\n"
	"\n"
	"With --moduli, count the Diffie-Hellman groups of the moduli file per size, show what a "
	"--min-bits filter would remove, and with --verify check each group as a safe prime.",
	.opts = sshd_opts,
	.notes =
	"Users and groups for 'Match Group' come from the target's /etc/passwd and /etc/group. "
	"Like sshd 9.2, a 'Match LocalPort' anywhere is fatal unless -C gives lport=.\n"
	"\n"
	"-h is sshd's -h (a host key) here, so the help is --help only.",
	.exit_status =
	"0 success; 1 sshd would refuse this configuration (errors on stderr as FILE:LINE: "
	"message), or with --moduli: groups below --min-bits, none left, or a group that failed "
	"--verify; 2 usage error or unreadable input.",
	.examples =
	"keyward sshd -T\n"
	"keyward sshd -T --root /mnt/image -C user=alice,host=h.example,addr=203.0.113.5\n"
	"keyward sshd -t --image rootfs.tar.zst\n"
	"keyward sshd -T -f /etc/ssh/sshd_config -o PasswordAuthentication=no | grep password\n"
	"keyward sshd --moduli --min-bits 3072\n"
	"keyward sshd --moduli=/tmp/moduli.new --verify\n",
	.flags = KW_SPEC_OWN_H,
};

static void say(const char *prefix, const char *text)
{
	_cleanup_free_ char *e = kw_escape_str(text ? text : "");
	fprintf(stderr, "keyward sshd: %s%s\n", prefix, e ? e : "");
}

static void print_diags(const kw_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		_cleanup_free_ char *f = d->v[i].file ? kw_escape_str(d->v[i].file) : NULL;
		_cleanup_free_ char *m = kw_escape_str(d->v[i].msg ? d->v[i].msg : "");
		if (f)
			fprintf(stderr, "keyward sshd: %s:%u: %s\n", f, d->v[i].line, m ? m : "");
		else
			fprintf(stderr, "keyward sshd: %s\n", m ? m : "");
	}
}

static bool want_sshd_file(const char *path, const kw_stat *st)
{
	(void)st;
	return !strncmp(path, "/etc/ssh/", 9) || !strcmp(path, "/etc/passwd") ||
	       !strcmp(path, "/etc/group");
}

/* --moduli: counts per size, the filter, and optionally verification. */
static int run_moduli(kw_target *t, const char *path, uint32_t min_bits, bool verify,
		      unsigned rounds)
{
	kw_file f = { 0 };
	int r = kw_target_read(t, path, KW_MODULI_MAX_INPUT, &f);
	if (r < 0) {
		say("cannot read the moduli file: ", kw_strerror(r));
		return 2;
	}
	kw_moduli m;
	kw_diags d = { 0 };
	r = kw_moduli_parse(path, f.data, f.len, &m, &d);
	kw_file_release(&f);
	print_diags(&d);
	kw_diags_release(&d);
	if (r < 0) {
		say("cannot parse the moduli file: ", kw_strerror(r));
		return 2;
	}
	int rc = 0;
	uint32_t min_size = min_bits > 0 ? min_bits - 1 : 0;
	kw_moduli_summary sum;
	if (kw_moduli_summarize(&m, &sum) == 0) {
		printf("%-8s %-6s %7s  %s\n", "size", "bits", "groups", "kept");
		for (size_t i = 0; i < sum.n; i++)
			printf("%-8u %-6u %7zu  %s\n", sum.v[i].size, sum.v[i].size + 1, sum.v[i].count,
			       sum.v[i].size >= min_size ? "yes" : "no (below --min-bits)");
		kw_moduli_summary_release(&sum);
	}
	kw_moduli_filter flt;
	kw_moduli_filter_check(&m, min_size, &flt);
	printf("%zu groups (%u lines, %u rejected as sshd would); %zu kept with at least %u bits, "
	       "%zu below\n", m.n, m.lines, m.rejected, flt.remain, min_bits, flt.removed);
	if (flt.falls_back)
		printf("after this filter no group sshd can offer (2048-8192 bits) is left: every "
		       "client gets %s\n", kw_dh_fixed_name(flt.fallback));
	if (flt.removed || flt.falls_back)
		rc = 1;
	if (verify) {
		kw_progress prog;
		kw_progress_init(&prog, "verifying", kw_ui_settings.quiet);
		prog.unit = "groups";
		kw_verify_opts o = { .rounds = rounds };
		size_t bad = 0;
		for (size_t i = 0; i < m.n; i++) {
			kw_progress_files(&prog, i);
			kw_verify_result vr;
			int e = kw_moduli_verify_ex(&m.v[i], &o, &vr);
			if (e < 0) {
				kw_progress_done(&prog);
				printf("line %u: cannot verify: %s\n", m.v[i].line, kw_strerror(e));
				bad++;
				continue;
			}
			if (!vr.ok) {
				kw_progress_done(&prog);
				printf("line %u: size %u: %s%s%s%s\n", m.v[i].line, m.v[i].size,
				       vr.size_ok ? "" : "wrong bit size; ", vr.prime ? "" : "not prime; ",
				       vr.prime && !vr.safe ? "not a safe prime; " : "",
				       vr.generator_ok ? "" : "generator does not generate the group");
				bad++;
			}
		}
		kw_progress_done(&prog);
		printf("verified %zu groups with %u Miller-Rabin rounds each: %zu bad\n", m.n,
		       rounds, bad);
		if (bad)
			rc = 1;
	}
	kw_moduli_release(&m);
	return rc;
}

int cmd_sshd(int argc, char **argv)
{
	const char *root = NULL, *image = NULL, *file = NULL;
	char *conn_spec = NULL;
	bool test_T = false, test_t = false, moduli = false, verify = false;
	const char *moduli_path = "/etc/ssh/moduli";
	uint32_t min_bits = KW_MODULI_MIN_BASELINE + 1;
	unsigned rounds = 16;
	const char **hostkeys = NULL, **overrides = NULL;
	size_t n_hk = 0, n_ov = 0;
	int rc = 2;
	kw_target *t = NULL;
	kw_sshd_config *cfg = NULL;
	kw_sshd_result *res = NULL;
	kw_diags d = { 0 };
	char *abs = NULL;
	kw_sshd_conn conn = { 0 };
	kw_sb out;
	kw_sb_init(&out);

	hostkeys = calloc((size_t)argc + 1, sizeof *hostkeys);
	overrides = calloc((size_t)argc + 1, sizeof *overrides);
	if (!hostkeys || !overrides) {
		say("", "out of memory");
		goto done;
	}
	int c;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_sshd);
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 'T': test_T = true; break;
		case 't': test_t = true; break;
		case 'f': file = optarg; break;
		case 'h': hostkeys[n_hk++] = optarg; break;
		case 'o': overrides[n_ov++] = optarg; break;
		case 'C': conn_spec = optarg; break;
		case OPT_ROOT: root = optarg; break;
		case OPT_IMAGE: image = optarg; break;
		case OPT_MODULI:
			moduli = true;
			if (optarg)
				moduli_path = optarg;
			break;
		case OPT_VERIFY: verify = true; break;
		case OPT_MIN_BITS:
		case OPT_ROUNDS: {
			char *end = NULL;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v > 65537) {
				say("not a number from 0 to 65537: ", optarg);
				goto usage;
			}
			if (c == OPT_MIN_BITS)
				min_bits = (uint32_t)v;
			else
				rounds = (unsigned)v;
			break;
		}
		default:
			rc = kw_opts_unhandled(&p, c);
			goto done;
		}
	}
	if (c == KW_OPTS_EXIT) {
		rc = p.exit_code;
		goto done;
	}
	if (optind < argc) {
		say("extra argument: ", argv[optind]);
		goto usage;
	}
	if ((verify || min_bits != KW_MODULI_MIN_BASELINE + 1 || rounds != 16) && !moduli) {
		say("", "--verify, --min-bits and --rounds go with --moduli");
		goto usage;
	}
	if (!test_T && !test_t && !moduli) {
		say("", "say -T (print the effective configuration), -t (syntax check) or --moduli");
		goto usage;
	}
	if (root && image) {
		say("", "--root and --image exclude each other");
		goto usage;
	}
	if (conn_spec) {
		if (!test_T) {
			say("", "-C needs -T (sshd: Config test connection parameter (-C) provided without test mode (-T))");
			goto usage;
		}
		const char *bad = NULL;
		if (kw_sshd_conn_parse(conn_spec, &conn, &bad) < 0) {
			say("invalid test mode specification ", bad);
			goto usage;
		}
	}

	int r;
	if (image) {
		kw_tar_opts to = { .want = want_sshd_file, .max_file = (size_t)16 << 20 };
		r = kw_target_open_tar(image, &to, &t);
	} else
		r = kw_target_open_dir(root ? root : "/", &t);
	if (r < 0) {
		say("cannot open the target: ", kw_strerror(r));
		goto done;
	}
	if (moduli) {
		rc = run_moduli(t, moduli_path, min_bits, verify, rounds);
		goto done;
	}
	/* a relative -f on the host is relative to the current directory, like sshd's */
	if (file && file[0] != '/' && strcasecmp(file, "none") != 0) {
		char cwd[4096];
		if (!root && !image && getcwd(cwd, sizeof cwd)) {
			size_t n = strlen(cwd) + strlen(file) + 2;
			abs = malloc(n);
			if (abs)
				snprintf(abs, n, "%s/%s", strcmp(cwd, "/") ? cwd : "", file);
		} else {
			size_t n = strlen(file) + 2;
			abs = malloc(n);
			if (abs)
				snprintf(abs, n, "/%s", file);
		}
		if (!abs) {
			say("", "out of memory");
			goto done;
		}
		file = abs;
	}
	kw_sshd_load_opts lo = {
		.config_path = file, .hostkeys = hostkeys, .n_hostkeys = n_hk,
		.overrides = overrides, .n_overrides = n_ov,
	};
	r = kw_sshd_config_load(t, &lo, &cfg, &d);
	if (r == KW_E_PARSE) {
		print_diags(&d);
		rc = 1;
		goto done;
	}
	if (r < 0) {
		print_diags(&d);
		say("cannot read the configuration: ", kw_strerror(r));
		goto done;
	}
	if (test_T) {
		r = kw_sshd_config_eval(cfg, conn_spec ? &conn : NULL, &res, &d);
		if (r == KW_E_PARSE) {
			print_diags(&d);
			rc = 1;
			goto done;
		}
		if (r < 0) {
			print_diags(&d);
			say("", kw_strerror(r));
			goto done;
		}
	}
	print_diags(&d); /* warnings: deprecated and unsupported keywords */
	if (test_T) {
		if (kw_sshd_print(res, &out) < 0) {
			say("", "output too large");
			goto done;
		}
		fwrite(out.s, 1, out.len, stdout);
	}
	rc = 0;
	goto done;
usage:
	fputs("usage: keyward sshd -T|-t [--root DIR | --image FILE] [-f FILE] [-h KEY] [-o K=V] [-C SPEC]\n"
	      "       keyward sshd --moduli[=FILE] [--root DIR | --image FILE] [--min-bits N] [--verify]\n"
	      "Run 'keyward sshd --help' for more.\n", stderr);
	rc = 2;
done:
	kw_sb_release(&out);
	kw_sshd_result_free(res);
	kw_sshd_config_free(cfg);
	kw_target_free(t);
	kw_diags_release(&d);
	free(hostkeys);
	free(overrides);
	free(abs);
	return rc;
}
