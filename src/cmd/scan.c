/* scan.c — `keyward scan`: rate live SSH servers (banner, algorithms, verified host keys,
 * group-exchange sizes), many at once, against the same ratings and profiles as the
 * sshd_config checks; and with --rdp, RDP servers (security negotiation, NLA, the TLS
 * certificate and its thumbprint). SSH targets are scanned first, then RDP targets, each
 * by its own engine; one report holds both. */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/buf.h"
#include "base/time.h"
#include "base/vec.h"
#include "checks/rdp.h"
#include "checks/scan.h"
#include "collect/sshkey.h"
#include "collect/facts.h"
#include "net/drift.h"
#include "net/knownhosts.h"
#include "net/rdp.h"
#include "net/rdpscan.h"
#include "net/scan.h"
#include "net/software.h"
#include "net/targets.h"
#include "sshd/config.h"
#include "report/scan.h"
#include "kw_config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef struct scan_args {
	kw_targets targets;
	kw_targets rdp;             /* --rdp and rdp:// targets */
	char **thumbs;              /* --expect-thumbprint, normalised (owned) */
	size_t n_thumbs, cap_thumbs;
	const char **expect;
	size_t n_expect, cap_expect;
	const char *profile;
	kw_cmd_outputs out;
	const char *known_hosts, *root;
	bool md5, hostkeys, gex, fail, compare;
	kw_severity fail_on;
	unsigned jobs;
	uint32_t timeout_ms;
} scan_args;

enum { OPT_TARGETS = 1000, OPT_PORT, OPT_MAX, OPT_HOSTKEYS, OPT_EXPECT, OPT_GEX, OPT_MD5,
       OPT_TIMEOUT, OPT_PROFILE, OPT_FORMAT, OPT_OUTPUT, OPT_REPORT, OPT_FAIL_ON,
       OPT_KNOWN_HOSTS, OPT_COMPARE, OPT_ROOT, OPT_RDP, OPT_THUMBPRINT, OPT_JOBS = 'j' };

static const kw_opt scan_opts[] = {
	KW_OPT_SECTION("Targets"),
	{ OPT_TARGETS, 0, "targets", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "targets from FILE, one a line, '#' comments (- = stdin)" },
	{ OPT_PORT, 0, "port", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "port for targets without one (default 22)" },
	{ OPT_MAX, 0, "max-targets", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "refuse to expand more than N endpoints (default 65536)" },
	KW_OPT_SECTION("What to learn"),
	{ OPT_HOSTKEYS, 0, "hostkeys", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "every host key, not only the preferred one (one connection each)" },
	{ OPT_EXPECT, 0, "expect", KW_ARG_REQUIRED, "FP", KW_COMP_NONE, NULL,
	  "the server must prove this host key (SHA256:...; repeatable; implies --hostkeys: the "
	  "key may not be its preferred one)" },
	{ OPT_GEX, 0, "gex", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "group-exchange probes (2048:2048:8192 ... 2048:8192:8192)" },
	{ OPT_MD5, 0, "md5", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "show MD5 fingerprints too" },
	{ OPT_KNOWN_HOSTS, 0, "known-hosts", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "expect the keys an OpenSSH known_hosts FILE holds for each target, looked up as ssh "
	  "looks up: the name as written and the address, [host]:port for ports other than 22, "
	  "hashed names too; a key it marks @revoked is a finding; @cert-authority lines are not "
	  "used; implies --hostkeys (a file may hold only some of a server's key types)" },
	{ OPT_COMPARE, 0, "compare-config", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "compare what each server offers with the sshd_config of --root, read as `keyward sshd "
	  "-T --root DIR` reads it (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms and the host "
	  "keys in DIR): a difference is drift (sshd not restarted after a change, another config "
	  "file in use, something else on the port)" },
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "where --compare-config reads /etc/ssh from (default /)" },
	KW_OPT_SECTION("RDP"),
	{ OPT_RDP, 0, "rdp", KW_ARG_REQUIRED, "HOST[:PORT]", KW_COMP_HOST, NULL,
	  "probe an RDP server (port 3389 unless given; repeatable; also a CIDR range or @FILE; "
	  "rdp://HOST:PORT as a TARGET does the same): the security protocol it selects, whether "
	  "it insists on NLA, whether it still accepts standard RDP security, and its TLS "
	  "certificate" },
	{ OPT_THUMBPRINT, 0, "expect-thumbprint", KW_ARG_REQUIRED, "HEX", KW_COMP_NONE, NULL,
	  "the RDP servers' certificate must have this SHA-1 (40 hex digits) or SHA-256 (64) "
	  "thumbprint, as Windows shows it (colons and spaces allowed, any case; repeatable)" },
	KW_OPT_SECTION("How"),
	{ OPT_JOBS, 'j', "jobs", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "connections at once (default 128, at most 4096)" },
	{ OPT_TIMEOUT, 0, "timeout", KW_ARG_REQUIRED, "DURATION", KW_COMP_NONE, NULL,
	  "per connection: connect, banner, KEXINIT, reply (RDP: connect, confirm, TLS "
	  "handshake) (default 5s; 500ms, 5s, 1m; at most 1 h)" },
	KW_OPT_SECTION("Report"),
	{ OPT_PROFILE, 0, "profile", KW_ARG_REQUIRED, "NAME|FILE", KW_COMP_FILE, NULL,
	  "baseline (default) or strict, or a profile file" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "FORMAT", KW_COMP_WORDS,
	  KW_CMD_FORMAT_WORDS,
	  "text (default), json, or the findings as sarif, junit (one suite per server), "
	  "markdown, html or prometheus" },
	KW_CMD_OPT_OUTPUT(OPT_OUTPUT),
	KW_CMD_OPT_REPORT(OPT_REPORT),
	{ OPT_FAIL_ON, 0, "fail-on", KW_ARG_REQUIRED, "SEVERITY", KW_COMP_WORDS,
	  KW_CMD_SEVERITY_WORDS,
	  "exit 1 if a finding at or above SEVERITY: info, low, medium, high or critical" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_scan = {
	.name = "scan",
	.summary = "rate live SSH and RDP servers: algorithms, verified host keys, DH groups, RDP "
		   "security and certificates, many at once",
	.synopsis = "[TARGET...] [--rdp HOST[:PORT]...] [OPTIONS]",
	.description =
	"Rate live SSH servers: banner, the algorithms of their KEXINIT, host keys proved by a "
	"key exchange whose signature keyward verifies (ssh-keyscan does not), and the sizes of "
	"the Diffie-Hellman groups their group exchange hands out. Ratings come from the same "
	"table and profiles as the sshd_config checks (data/algorithms.ratings). Many targets "
	"are scanned at once on one thread; a silent or hostile server only costs its own "
	"timeout. Only connections are made: nothing is logged in, nothing is sent beyond the "
	"key exchange. The version in each banner is matched against a table of advisories "
	"(data/ssh-software.notes; a distribution patch level in the banner that carries the "
	"fix counts as fixed).\n"
	"\n"
	"A TARGET is HOST, HOST:PORT, ADDR, ADDR:PORT, IPv6, [IPv6]:PORT, a CIDR range "
	"(10.0.0.0/24, [2001:db8::/120]:22), or @FILE (one target per line, '#' comments).\n"
	"\n"
	"RDP servers (--rdp HOST, or a TARGET written rdp://HOST:PORT) are probed with up to "
	"three connections each, after the SSH targets: a Connection Request offering TLS and "
	"CredSSP (the protocol the server selects, then a TLS handshake for its certificate: "
	"subject, issuer, validity, key, SHA-1 and SHA-256 thumbprints, self-signed or not, TLS "
	"version and cipher), one offering TLS alone (does it insist on NLA?) and one offering "
	"only standard RDP security (is the weak RC4 layer still accepted?). Nothing is logged "
	"in. --expect-thumbprint compares the certificate with the thumbprint the instance "
	"printed at boot.\n"
	"\n"
	"A progress line (targets done) is shown on stderr when stderr is a terminal.",
	.opts = scan_opts,
	.exit_status =
	"0 ok, 1 findings at or above --fail-on, 2 usage or internal error, 3 a target (SSH or "
	"RDP) could not be scanned or the scan was interrupted (Ctrl-C prints what had "
	"finished).",
	.examples =
	"keyward scan 127.0.0.1:22 host-b:2222\n"
	"keyward scan 10.0.0.0/24 --hostkeys --format json --output scan.json\n"
	"keyward scan bastion --expect SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s\n"
	"keyward scan @fleet.txt --gex --profile strict --fail-on high\n"
	"keyward scan @fleet.txt --known-hosts ~/.ssh/known_hosts\n"
	"keyward scan 127.0.0.1:22 --compare-config --root /\n"
	"keyward scan --rdp 10.0.0.5 --rdp rdp-gw:3390 --fail-on high\n"
	"keyward scan --rdp 10.0.0.5 ssh.example.com --format json\n"
	"keyward scan rdp://10.0.0.5:3389 --expect-thumbprint 0A1B2C3D4E5F60718293A4B5C6D7E8F901234567\n",
	/* hosts complete (the usual operand); an @FILE list is typed by hand */
	.operands = KW_COMP_HOST,
};

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("scan", msg, what); }

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	kw_buf b = kw_buf_view(s, strlen(s));
	return kw_buf_to_u64(&b, max, out);
}

/* "500ms", "5s", "5", "1m" -> milliseconds in [1, 3600000] */
static int parse_timeout(const char *s, uint32_t *ms)
{
	size_t d = strspn(s, "0123456789");
	const char *unit = s + d;
	uint64_t mult = !strcmp(unit, "ms") ? 1 : !*unit || !strcmp(unit, "s") ? 1000 : !strcmp(unit, "m") ? 60000 : 0;
	kw_buf b = kw_buf_view(s, d);
	uint64_t v;
	if (!mult || kw_buf_to_u64(&b, 3600000 / mult, &v) < 0 || v == 0)
		return -1;
	*ms = (uint32_t)(v * mult);
	return 0;
}

/* 1 = help printed, 0 = go on, 2 = usage error, 70 = an option without a handler */
static int parse_args(int argc, char **argv, scan_args *a)
{
	int c;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_scan);
	uint64_t port = 22, max = KW_TARGETS_DEFAULT_CAP, v;
	const char *targets_file = NULL;
	_cleanup_free_ const char **rdp = NULL;
	size_t n_rdp = 0, cap_rdp = 0;
	/* first pass: options (targets need --port and --max-targets first) */
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
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
			if (!kw_fp_sha256_valid(optarg, strlen(optarg)))
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
		case OPT_JOBS:
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
			if (kw_cmd_format_opt("scan", optarg, &a->out))
				return 2;
			break;
		case OPT_OUTPUT: a->out.output = optarg; break;
		case OPT_REPORT:
			if (kw_cmd_report_opt("scan", optarg, &a->out))
				return 2;
			break;
		case OPT_FAIL_ON:
			if (kw_severity_parse(optarg, &a->fail_on) < 0)
				return usage_err("--fail-on takes info, low, medium, high or critical, not ", optarg);
			a->fail = true;
			break;
		case OPT_KNOWN_HOSTS: a->known_hosts = optarg; break;
		case OPT_COMPARE: a->compare = true; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_RDP: {
			const char **slot = KW_VEC_PUSH(rdp, n_rdp, cap_rdp);
			if (!slot)
				return usage_err("out of memory", NULL);
			*slot = optarg;
			break;
		}
		case OPT_THUMBPRINT: {
			char norm[72];
			if (kw_rdp_thumbprint_norm(optarg, norm, sizeof norm) < 0)
				return usage_err("--expect-thumbprint takes a SHA-1 (40 hex digits) or SHA-256 (64 "
						 "hex digits) thumbprint, colons or spaces allowed, not ", optarg);
			char **slot = KW_VEC_PUSH(a->thumbs, a->n_thumbs, a->cap_thumbs);
			if (!slot || !(*slot = strdup(norm)))
				return usage_err("out of memory", NULL);
			break;
		}
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code ? p.exit_code : 1;
	if (a->root && !a->compare)
		return usage_err("--root goes with --compare-config", NULL);
	kw_targets_init(&a->targets, max);
	kw_targets_init(&a->rdp, max);
	char err[512] = "";
	for (int i = optind; i < argc; i++) {
		/* rdp://SPEC: an RDP target written among the others */
		if (!strncasecmp(argv[i], "rdp://", 6)) {
			if (kw_targets_add(&a->rdp, argv[i] + 6, KW_RDP_PORT_DEFAULT, err, sizeof err) < 0)
				return usage_err(err, NULL);
		} else if (kw_targets_add_arg(&a->targets, argv[i], (uint16_t)port, err, sizeof err) < 0) {
			return usage_err(err, NULL);
		}
	}
	for (size_t i = 0; i < n_rdp; i++)
		if (kw_targets_add_arg(&a->rdp, rdp[i], KW_RDP_PORT_DEFAULT, err, sizeof err) < 0)
			return usage_err(err, NULL);
	if (targets_file && kw_targets_load_file(&a->targets, targets_file, (uint16_t)port, err, sizeof err) < 0)
		return usage_err(err, NULL);
	if (a->targets.n == 0 && a->rdp.n == 0)
		return usage_err("say what to scan: HOST[:PORT], a CIDR range, @FILE, --targets FILE or --rdp HOST", NULL);
	if (a->n_thumbs && a->rdp.n == 0)
		return usage_err("--expect-thumbprint goes with --rdp (or an rdp:// target)", NULL);
	return 0;
}


static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* one count over both engines: RDP targets come after the SSH targets */
typedef struct progress_ctx {
	kw_progress *prog;
	size_t offset;
} progress_ctx;

static void progress(void *ctx, size_t done, size_t total)
{
	(void)total;
	progress_ctx *pc = ctx;
	kw_progress_files(pc->prog, pc->offset + done);
}

/* ---- --known-hosts ---- */

#define DIAGS_SHOWN 20

static int load_known_hosts(const char *path, kw_known_hosts *kh)
{
	kw_diags d = { 0 };
	int r = kw_kh_load(path, kh, &d);
	size_t n = d.n;
	if (d.n > DIAGS_SHOWN)
		d.n = DIAGS_SHOWN;
	kw_cmd_print_diags("scan", &d);
	d.n = n;
	kw_diags_release(&d);
	_cleanup_free_ char *e = kw_escape_str(path);
	if (r < 0) {
		fprintf(stderr, "keyward scan: cannot read the known_hosts file %s: %s\n", e ? e : "",
			kw_strerror(r));
		return 2;
	}
	if (kh->skipped > DIAGS_SHOWN)
		fprintf(stderr, "keyward scan: %s: %u lines ssh ignores, the first %d shown\n", e ? e : "",
			kh->skipped, DIAGS_SHOWN);
	return 0;
}

/* ---- --compare-config: the sshd_config of --root, read by the collector ---- */

typedef struct cfgsrc {
	kw_target *t;
	kw_facts f;
	bool have_facts;
	char **types;              /* key types sshd would load (owned copies) */
	size_t n_types, cap_types;
	kw_drift_config c;
} cfgsrc;

static void cfgsrc_release(cfgsrc *cs)
{
	kw_strv_free(cs->types, cs->n_types);
	if (cs->have_facts)
		kw_facts_release(&cs->f);
	kw_target_free(cs->t);
	*cs = (cfgsrc){ 0 };
}

static int add_type(cfgsrc *cs, const char *type)
{
	char **slot = KW_VEC_PUSH(cs->types, cs->n_types, cs->cap_types);
	if (!slot || !(*slot = strdup(type)))
		return -ENOMEM;
	return 0;
}

static void config_note(const char *path, const char *what)
{
	_cleanup_free_ char *e = kw_escape_str(path);
	fprintf(stderr, "keyward scan: --compare-config: HostKey %s: %s\n", e ? e : "", what);
}

/* The type of the key sshd would load from one HostKey (sshd.c main: the private key
 * with an empty passphrase, else with HostKeyAgent the public one; RSA keys under
 * RequiredRSASize are refused), or NULL (*why says why). */
static const char *hostkey_type(const kw_sshd_hostkey *hk, bool agent, unsigned long rsa_min,
				const char **why)
{
	const kw_privkey_format fmt = hk->priv.format;
	bool sshd_reads = fmt == KW_PK_OPENSSH || fmt == KW_PK_PEM_RSA || fmt == KW_PK_PEM_DSA ||
			  fmt == KW_PK_PEM_EC || fmt == KW_PK_PKCS8;
	const kw_pubkey *pub = NULL;
	*why = NULL;
	if (hk->readable && sshd_reads && hk->priv.encrypted != 1) {
		if (hk->priv.has_pub)
			pub = &hk->priv.pub;
		else if (hk->has_pub)
			pub = &hk->pub;
		else if (fmt == KW_PK_PEM_RSA)
			return "ssh-rsa";
		else if (fmt == KW_PK_PEM_DSA)
			return "ssh-dss";
		else {
			*why = "its type cannot be told without its .pub file: left out";
			return NULL;
		}
	} else if (agent && hk->has_pub) {
		pub = &hk->pub;
	} else {
		*why = "sshd would not load it (not a private key it reads, or encrypted): left out";
		return NULL;
	}
	if (!strcmp(pub->type, "ssh-rsa") && pub->bits < rsa_min) {
		*why = "an RSA key under RequiredRSASize, which sshd refuses: left out";
		return NULL;
	}
	return pub->type;
}

/* HostCertificate files whose key type matches a loaded key (sshd pairs a certificate with
 * the host key it certifies; keyward pairs them by type). */
static int add_certificates(cfgsrc *cs, const kw_sshd_result *res)
{
	const char *const *v;
	size_t n = kw_sshd_values(res, KW_SO_HOSTCERTIFICATE, &v);
	size_t plain = cs->n_types;
	for (size_t i = 0; i < n; i++) {
		kw_file file = { 0 };
		if (kw_target_read(cs->t, v[i], 1 << 20, &file) < 0) {
			config_note(v[i], "certificate not readable: left out");
			continue;
		}
		kw_buf b = kw_buf_view(file.data, file.len), line;
		kw_pubkey k;
		memset(&k, 0, sizeof k);
		bool ok = kw_buf_line(&b, &line, 1 << 20, NULL) && kw_pubkey_parse_line(line, &k, NULL) == 0;
		kw_file_release(&file);
		const char *suffix = "-cert-v01@openssh.com";
		size_t tl = strlen(k.type), sl = strlen(suffix);
		if (!ok || tl <= sl || strcmp(k.type + tl - sl, suffix)) {
			config_note(v[i], "not a certificate: left out");
			continue;
		}
		bool paired = false;
		for (size_t j = 0; j < plain && !paired; j++)
			paired = strlen(cs->types[j]) == tl - sl && !strncmp(cs->types[j], k.type, tl - sl);
		if (!paired) {
			config_note(v[i], "no host key of its type: left out");
			continue;
		}
		if (add_type(cs, k.type) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Read the sshd configuration of root as `keyward sshd -T --root DIR` does (the sshd
 * engine through the collector, which also reads the HostKey files; no homes) into cs->c.
 * 0 or 2. */
static int load_config(const char *root, cfgsrc *cs)
{
	kw_progress prog;
	kw_progress_init(&prog, "reading", true);
	if (kw_cmd_open_target("scan", root, NULL, false, &prog, &cs->t) < 0)
		return 2;
	kw_collect_opts co = { .sshd_only = true, .live_host = !root };
	int r = kw_collect(cs->t, &co, &cs->f);
	cs->have_facts = true;
	_cleanup_free_ char *e = kw_escape_str(root ? root : "/");
	const kw_sshd_facts *s = &cs->f.sshd;
	if (r < 0) {
		fprintf(stderr, "keyward scan: --compare-config: %s\n", kw_strerror(r));
		return 2;
	}
	if (!s->present) {
		fprintf(stderr, "keyward scan: --compare-config: %s has no /etc/ssh/sshd_config\n", e ? e : "");
		return 2;
	}
	if (s->refused || !s->cfg || !s->n_views) {
		kw_cmd_print_diags("scan", &s->diags);
		kw_cmd_print_diags("scan", &cs->f.diags);
		fprintf(stderr, "keyward scan: --compare-config: sshd would not start with the "
			"configuration in %s\n", e ? e : "");
		return 2;
	}
	const kw_sshd_result *res = s->views[0].res;
	const char *agent = kw_sshd_value(res, KW_SO_HOSTKEYAGENT);
	const char *rsa = kw_sshd_value(res, KW_SO_REQUIREDRSASIZE);
	unsigned long rsa_min = rsa ? strtoul(rsa, NULL, 10) : 1024;
	const char *const *hk;
	size_t nhk = kw_sshd_values(res, KW_SO_HOSTKEY, &hk);
	for (size_t i = 0; i < nhk; i++) {
		const kw_sshd_hostkey *found = NULL;
		for (size_t j = 0; j < s->n_hostkeys && !found; j++)
			if (!strcmp(s->hostkeys[j].path, hk[i]))
				found = &s->hostkeys[j];
		if (!found) {
			config_note(hk[i], "no such file in the root: left out");
			continue;
		}
		const char *why;
		const char *type = hostkey_type(found, agent && strcasecmp(agent, "none"), rsa_min, &why);
		if (!type)
			config_note(hk[i], why);
		else if (add_type(cs, type) < 0)
			return 2;
	}
	if (add_certificates(cs, res) < 0)
		return 2;
	cs->c = (kw_drift_config){
		.ciphers = kw_sshd_value(res, KW_SO_CIPHERS),
		.macs = kw_sshd_value(res, KW_SO_MACS),
		.kex = kw_sshd_value(res, KW_SO_KEXALGORITHMS),
		.hostkey_algs = kw_sshd_value(res, KW_SO_HOSTKEYALGORITHMS),
		.key_types = (const char *const *)cs->types,
		.n_key_types = cs->n_types,
	};
	return 0;
}

/* ---- per target ---- */

typedef struct target_in {
	const char **expect;
	size_t n_expect, cap_expect;
	kw_kh_match m;
	char expect_src[512], revoked_src[512];
	kw_sw_notes sw;
	kw_scan_note *notes;
	size_t n_notes;
	kw_drift drift;
} target_in;

static void target_in_release(target_in *ti)
{
	free(ti->expect);
	kw_kh_match_release(&ti->m);
	kw_sw_notes_release(&ti->sw);
	free(ti->notes);
	kw_drift_release(&ti->drift);
	*ti = (target_in){ 0 };
}

/* The known_hosts keys, --expect, software notes and drift of one target into in. */
static int target_inputs(const scan_args *a, const kw_known_hosts *kh, const kw_sw_table *sw,
			 const kw_drift_config *dc, const kw_target_ep *ep, const kw_scan_result *res,
			 target_in *ti, kw_scan_check_in *in)
{
	int r = 0;
	if (kh) {
		char addr[KW_ADDR_STRLEN] = "";
		const char *names[2];
		size_t nn = 0;
		if (ep->host)
			names[nn++] = ep->host;
		if (ep->addr.fam && kw_addr_format(&ep->addr, addr, sizeof addr))
			names[nn++] = addr;
		if ((r = kw_kh_lookup(kh, names, nn, ep->port, &ti->m)) < 0)
			return r;
	}
	for (size_t i = 0; i < ti->m.n_keys + a->n_expect; i++) {
		const char **slot = KW_VEC_PUSH(ti->expect, ti->n_expect, ti->cap_expect);
		if (!slot)
			return -ENOMEM;
		*slot = i < ti->m.n_keys ? ti->m.keys[i] : a->expect[i - ti->m.n_keys];
	}
	if (ti->m.n_keys)
		snprintf(ti->expect_src, sizeof ti->expect_src, "known_hosts %s:%u%s", a->known_hosts,
			 ti->m.keys_line, a->n_expect ? " and --expect" : "");
	else
		snprintf(ti->expect_src, sizeof ti->expect_src, "--expect");
	snprintf(ti->revoked_src, sizeof ti->revoked_src, "@revoked in known_hosts %s:%u",
		 a->known_hosts ? a->known_hosts : "", ti->m.revoked_line);
	in->expect = ti->expect;
	in->n_expect = ti->n_expect;
	in->expect_given = ti->n_expect > 0;
	in->expect_source = ti->expect_src;
	in->revoked = ti->m.revoked;
	in->n_revoked = ti->m.n_revoked;
	in->revoked_source = ti->revoked_src;

	if (res->have_ident) {
		kw_sw_ident id;
		if (kw_sw_ident_parse(res->ident.software, res->ident.comments, &id) == 0 &&
		    (r = kw_sw_match(sw, &id, &ti->sw)) < 0)
			return r;
		ti->notes = calloc(ti->sw.n ? ti->sw.n : 1, sizeof *ti->notes);
		if (!ti->notes)
			return -ENOMEM;
		for (size_t i = 0; i < ti->sw.n; i++) {
			kw_severity sev = KW_SEV_MEDIUM;
			if (ti->sw.v[i].status == KW_SW_FIXED)
				continue;
			kw_severity_parse(ti->sw.v[i].row->severity, &sev);
			ti->notes[ti->n_notes++] = (kw_scan_note){ .severity = sev, .text = ti->sw.v[i].text };
		}
		in->notes = ti->notes;
		in->n_notes = ti->n_notes;
	}
	if (dc && res->have_kexinit) {
		if ((r = kw_drift_compare(dc, &res->kexinit, &ti->drift)) < 0)
			return r;
		in->drift = (const char *const *)ti->drift.v;
		in->n_drift = ti->drift.n;
	}
	return 0;
}

/* the findings of every target, in target order, each target's sorted by severity */
static int run_checks(const scan_args *a, const kw_profile *prof, const kw_scan_result *res,
		      const kw_known_hosts *kh, const kw_sw_table *sw, const kw_drift_config *dc,
		      kw_findings *all)
{
	for (size_t i = 0; i < a->targets.n; i++) {
		_cleanup_free_ char *label = kw_target_label(&a->targets.v[i]);
		kw_scan_check_in in = { .target = label ? label : "?", .r = &res[i] };
		target_in ti = { 0 };
		int r = target_inputs(a, kh, sw, dc, &a->targets.v[i], &res[i], &ti, &in);
		kw_findings one = { 0 };
		if (r == 0)
			r = kw_scan_checks(prof, &in, &one);
		kw_findings_sort(&one);
		if (r == 0)
			r = kw_findings_move(all, &one);
		kw_findings_release(&one);
		target_in_release(&ti);
		if (r < 0)
			return r;
	}
	return 0;
}

/* the findings of every RDP target, after the SSH targets', in target order */
static int run_rdp_checks(const scan_args *a, const kw_profile *prof, const kw_rdp_result *res, int64_t now,
			  kw_findings *all)
{
	for (size_t i = 0; i < a->rdp.n; i++) {
		_cleanup_free_ char *label = kw_rdp_target_label(&a->rdp.v[i]);
		kw_rdp_check_in in = { .target = label ? label : "?", .r = &res[i],
				       .expect = (const char *const *)a->thumbs, .n_expect = a->n_thumbs, .now = now };
		kw_findings one = { 0 };
		int r = kw_rdp_checks(prof, &in, &one);
		kw_findings_sort(&one);
		if (r == 0)
			r = kw_findings_move(all, &one);
		kw_findings_release(&one);
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_native_render(FILE *out, kw_format fmt, const void *ctx)
{
	return fmt == KW_FMT_JSON ? kw_scan_render_json(out, ctx) : kw_scan_render_text(out, ctx);
}

/* The main report and every --report; the shared formats see one target per server (SSH
 * targets, then RDP targets), and the checks of the engines that ran. */
static int write_reports(const scan_args *a, const kw_profile *prof, const kw_scan_report *sr,
			 long long started)
{
	size_t n = a->targets.n + a->rdp.n;
	char **labels = calloc(n ? n : 1, sizeof *labels);
	kw_check_list ran = { 0 };
	size_t n_defs = 0, n_rdp_defs = 0;
	const kw_check_def *defs = kw_scan_check_defs(&n_defs);
	const kw_check_def *rdp_defs = kw_rdp_check_defs(&n_rdp_defs);
	int r = labels ? 0 : -ENOMEM;
	if (r == 0 && (a->targets.n || !a->rdp.n) && kw_check_list_add(&ran, prof, defs, n_defs) < 0)
		r = -ENOMEM;
	if (r == 0 && a->rdp.n && kw_check_list_add(&ran, prof, rdp_defs, n_rdp_defs) < 0)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!(labels[i] = i < a->targets.n ? kw_target_label(&a->targets.v[i])
						  : kw_rdp_target_label(&a->rdp.v[i - a->targets.n])))
			r = -ENOMEM;
	if (r < 0) {
		fputs("keyward scan: out of memory\n", stderr);
	} else {
		kw_report rep = {
			.command = "scan",
			.target = n == 1 ? labels[0] : "servers",
			.profile = sr->profile,
			.version = sr->version,
			.started = sr->started,
			.seconds = sr->seconds,
			.findings = sr->findings,
			.fail_on = a->fail ? a->fail_on : KW_SEV__COUNT,
			.exit_code = sr->exit_code,
			.checks = ran.v,
			.n_checks = ran.n,
			.paths = KW_PATHS_NONE,
			.targets = (const char *const *)labels,
			.n_targets = n,
			.started_unix = started,
		};
		r = kw_cmd_write_outputs("scan", &a->out, scan_native_render, sr, &rep);
	}
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
	kw_check_list_release(&ran);
	return r;
}

int cmd_scan(int argc, char **argv)
{
	scan_args a = { .out.allowed = (1u << KW_FMT_TEXT) | (1u << KW_FMT_JSON) | KW_CMD_SHARED_FORMATS };
	kw_profile prof;
	kw_profile_init(&prof);
	kw_findings fs = { 0 };
	kw_scan_result *res = NULL;
	kw_rdp_result *rdp_res = NULL;
	kw_known_hosts kh = { 0 };
	cfgsrc cs = { 0 };
	const kw_sw_table *sw = kw_sw_builtin();
	int status = 2;
	int pr = parse_args(argc, argv, &a);
	if (pr != 0) {
		status = pr == 1 ? 0 : pr;
		goto out;
	}
	if (kw_cmd_load_profile("scan", a.profile ? a.profile : "baseline", &prof) != 0)
		goto out;
	if (!sw) {
		fputs("keyward scan: the built-in software notes (data/ssh-software.notes) do not parse\n", stderr);
		goto out;
	}
	if (a.known_hosts && load_known_hosts(a.known_hosts, &kh) != 0)
		goto out;
	if (a.compare && load_config(a.root, &cs) != 0)
		goto out;
	kw_targets_resolve(&a.targets);
	kw_targets_resolve(&a.rdp);

	kw_progress prog;
	kw_progress_init(&prog, "scanning", kw_ui_settings.quiet);
	prog.unit = "targets";
	progress_ctx pc = { .prog = &prog };
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signal(SIGPIPE, SIG_IGN);
	kw_scan_opts o = { .jobs = a.jobs, .timeout_ms = a.timeout_ms, .all_hostkeys = a.hostkeys || a.known_hosts || a.n_expect,
			   .gex = a.gex, .progress = progress, .progress_ctx = &pc, .stop = &interrupted };
	kw_rdp_opts ro = { .jobs = a.jobs, .timeout_ms = a.timeout_ms, .progress = progress, .progress_ctx = &pc,
			   .stop = &interrupted };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	time_t started = time(NULL);
	int r = 0;
	/* an RDP-only run leaves res NULL for no SSH target: the SSH engine is not started */
	if (a.targets.n)
		r = kw_scan_run(&a.targets, &o, &res);
	pc.offset = a.targets.n;
	if (r == 0 && a.rdp.n && !interrupted) {
		r = kw_rdp_run(&a.rdp, &ro, &rdp_res);
	} else if (r == 0 && a.rdp.n) { /* interrupted before the RDP targets */
		if (!(rdp_res = calloc(a.rdp.n, sizeof *rdp_res)))
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < a.rdp.n; i++) {
			kw_rdp_probe *neg = &rdp_res[i].probes[KW_RDP_PROBE_NEGOTIATE];
			neg->err = -EINTR;
			neg->phase = "interrupted";
			snprintf(neg->why, sizeof neg->why, "not probed (interrupted)");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kw_progress_done(&prog);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r < 0) {
		fprintf(stderr, "keyward scan: %s\n", kw_strerror(r));
		goto out;
	}
	if ((r = run_checks(&a, &prof, res, a.known_hosts ? &kh : NULL, sw, a.compare ? &cs.c : NULL,
			    &fs)) < 0 ||
	    (r = run_rdp_checks(&a, &prof, rdp_res, (int64_t)started, &fs)) < 0) {
		fprintf(stderr, "keyward scan: %s\n", kw_strerror(r));
		goto out;
	}
	bool incomplete = interrupted;
	for (size_t i = 0; i < a.targets.n; i++)
		if (!res[i].have_kexinit)
			incomplete = true;
	for (size_t i = 0; i < a.rdp.n; i++)
		if (!rdp_res[i].answered)
			incomplete = true;
	int code = incomplete ? 3 : a.fail && kw_findings_count_at_least(&fs, a.fail_on) ? 1 : 0;
	char iso[32];
	kw_time_iso((int64_t)started, true, iso, sizeof iso);
	kw_scan_report rep = {
		.version = KW_VERSION, .started = iso,
		.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		.profile = a.profile ? a.profile : "baseline", .targets = &a.targets, .results = res,
		.rdp_targets = &a.rdp, .rdp_results = rdp_res,
		.findings = &fs, .md5 = a.md5, .interrupted = interrupted, .exit_code = code,
	};
	if (write_reports(&a, &prof, &rep, (long long)started) < 0)
		goto out;
	status = code;
out:
	kw_scan_results_free(res, a.targets.n);
	kw_rdp_results_free(rdp_res, a.rdp.n);
	kw_findings_release(&fs);
	kw_profile_release(&prof);
	kw_targets_release(&a.targets);
	kw_targets_release(&a.rdp);
	kw_strv_free(a.thumbs, a.n_thumbs);
	kw_kh_release(&kh);
	cfgsrc_release(&cs);
	free(a.expect);
	return status;
}
