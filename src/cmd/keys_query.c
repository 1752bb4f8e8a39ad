/* keys_query.c — `keyward keys query`: questions to the keys database a fleet writes to
 * (`keys snapshot --db`): which hosts and accounts a key opens, which keys open many hosts.
 *
 *   --db (file or postgresql:// URI) -> src/keys/store.c (kw_keystore_where, _shared) ->
 *   text or JSON ("keyward-keys-query" version 1) here.
 *
 * The database is input: strings read from it are escaped here before they are printed.
 * Exit status as grep(1): 0 something matched, 1 nothing did, 2 usage or database error.
 */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/keys_cmds.h"
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/buf.h"
#include "base/time.h"
#include "db/db.h"
#include "keys/edit.h"
#include "keys/store.h"
#include "report/out.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "keys query"

enum { OPT_DB = 256, OPT_KEY, OPT_SHARED_BY, OPT_LIMIT, OPT_FORMAT, OPT_OUTPUT };

static const kw_opt query_opts[] = {
	KW_OPT_SECTION("Question (one)"),
	{ OPT_KEY, 0, "key", KW_ARG_REQUIRED, "SHA256:...|FILE.pub", KW_COMP_FILE, NULL,
	  "where this key is: the hosts and accounts it opens (authorized lines sshd uses), the "
	  "lines sshd ignores, and the hosts that hold it as a host key or a private key" },
	{ OPT_SHARED_BY, 0, "shared-by", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "the keys that open at least N hosts, most hosts first" },
	KW_OPT_SECTION("Options"),
	{ OPT_DB, 0, "db", KW_ARG_REQUIRED, "FILE|URI", KW_COMP_FILE, NULL,
	  "the database `keys snapshot --db` writes to: a file (default " KW_KEYS_DB_DEFAULT
	  ") or a postgresql:// URI" },
	{ OPT_LIMIT, 0, "limit", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "--shared-by: list at most N keys (default 100; 0: all)" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "text|json", KW_COMP_WORDS, "text json",
	  "text (default) or JSON (\"keyward-keys-query\", version 1)" },
	{ OPT_OUTPUT, 0, "output", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "write there (atomically) instead of stdout" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_query = {
	.name = CMD,
	.summary = "which hosts a key opens, which keys open many hosts (fleet database)",
	.synopsis = "--key SHA256:...|FILE.pub [--db FILE|URI] [OPTIONS]\n"
		    "--shared-by N [--limit N] [--db FILE|URI] [OPTIONS]",
	.description =
	"Ask the keys database that the hosts of a fleet write their snapshots to (`keyward "
	"keys snapshot --db postgresql://...`, or one SQLite file). Each answer reads the "
	"newest snapshot of each host and target only: a key removed from a host stops being "
	"listed for it at that host's next snapshot.\n\n"
	"--key says where one key is: each host (by its host identity and name), account, file "
	"and line where it opens an account, where it sits on a line sshd ignores (a file sshd "
	"does not read, a bad option) and where it is a host key or a private key. --shared-by "
	"lists the keys authorized on at least N hosts: one stolen key opens all of them.",
	.opts = query_opts,
	.notes =
	"The answer is as fresh as the snapshots: run `keyward keys snapshot --db ...` from cron "
	"or the keyward-keys-snapshot timer on every host. Hosts are told apart by their host "
	"identity (a keyed hash of /etc/machine-id, or --host-id), so clones that kept one "
	"hostname are still counted apart, unless they also kept one machine-id (which "
	"`keyward audit` reports).",
	.exit_status = "as grep(1): 0 something matched; 1 nothing matched; 2 usage or database "
		       "error.",
	.examples =
	"keyward keys query --db postgresql://keyward@db.internal/keyward --key SHA256:uYkR3uV0vRkBrmu9fXQ5JrB1Nq2tX8ZqjZ9EwFMpGmc\n"
	"keyward keys query --db postgresql://keyward@db.internal/keyward --key ~/.ssh/id_ed25519.pub\n"
	"keyward keys query --db postgresql://keyward@db.internal/keyward --shared-by 5 --format json\n",
};

typedef struct query_args {
	const char *db, *key, *output;
	char *db_shown;
	size_t shared_by, limit;
	bool json;
	char fp[KW_FP_LEN];
} query_args;

static void args_release(query_args *a) { free(a->db_shown); }

static int usage_err(const char *what, const char *arg)
{
	return kw_cmd_usage_err(CMD, what, arg);
}

/* a count in [lo, 1000000] */
static int parse_count(const char *opt, const char *s, size_t lo, size_t *out)
{
	uint64_t v = 0;
	kw_buf b = kw_buf_view(s, strlen(s));
	if (kw_buf_to_u64(&b, 1000000, &v) < 0 || v < lo) {
		char what[80];
		snprintf(what, sizeof what, "%s takes a number from %zu to 1000000, not ", opt, lo);
		return usage_err(what, s);
	}
	*out = (size_t)v;
	return 0;
}

/* --key: a SHA256 fingerprint, or a public key file (its fingerprint). 0 or 2. */
static int key_fp(query_args *a)
{
	kw_keyref ref;
	if (kw_cmd_load_keyref(CMD, a->key, &ref))
		return 2;
	if (!ref.fp[0])
		return usage_err("--key needs a SHA256 fingerprint (the database is searched by "
				 "SHA256), not ", a->key);
	memcpy(a->fp, ref.fp, sizeof a->fp);
	return 0;
}

/* -1 = go on; else the exit status */
static int parse_args(int argc, char **argv, query_args *a)
{
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_keys_query);
	int c;
	bool shared = false;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		int r = 0;
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_SHARED_BY:
			r = parse_count("--shared-by", optarg, 1, &a->shared_by);
			shared = true;
			break;
		case OPT_LIMIT: r = parse_count("--limit", optarg, 0, &a->limit); break;
		case OPT_FORMAT: r = kw_cmd_format_json(CMD, optarg, &a->json); break;
		case OPT_OUTPUT: a->output = optarg; break;
		default: return kw_opts_unhandled(&p, c);
		}
		if (r)
			return r;
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	if (!a->key == !shared)
		return usage_err("ask one question: --key KEY or --shared-by N", NULL);
	if (!a->db)
		a->db = KW_KEYS_DB_DEFAULT;
	a->db_shown = kw_db_display(a->db);
	if (!a->db_shown)
		return usage_err("out of memory", NULL);
	if (a->key)
		return key_fp(a) ? 2 : -1;
	return -1;
}

/* ---- --key ---- */

/* What a place means: "opens", "ignored" (an authorized line sshd ignores, or a key in a
 * file sshd does not read), "host key", "private key". */
static const char *place_kind(const kw_keyplace *p)
{
	switch (p->role) {
	case KW_KEY_AUTHORIZED: return p->sshd_ignores ? "ignored" : "opens";
	case KW_KEY_UNREAD: return "ignored";
	case KW_KEY_HOST: return "host key";
	case KW_KEY_PRIVATE: return "private key";
	default: return "?";
	}
}

static bool opens(const kw_keyplace *p)
{
	return p->role == KW_KEY_AUTHORIZED && !p->sshd_ignores;
}

/* distinct hosts among places that open */
static size_t hosts_opened(const kw_keyplace *v, size_t n)
{
	size_t hosts = 0;
	const char *last = NULL;
	for (size_t i = 0; i < n; i++) /* ordered by host_id */
		if (opens(&v[i]) && (!last || strcmp(last, v[i].host_id) != 0)) {
			hosts++;
			last = v[i].host_id;
		}
	return hosts;
}

static int key_text(FILE *out, const query_args *a, const kw_keyplace *v, size_t n)
{
	if (!n) {
		fprintf(out, "%s is in no host's newest snapshot in %s\n", a->fp, a->db_shown);
		return kw_out_finish(out);
	}
	size_t hosts = hosts_opened(v, n), accounts = 0;
	for (size_t i = 0; i < n; i++)
		accounts += opens(&v[i]);
	fprintf(out, "%s", a->fp);
	if (v[0].label[0])
		fprintf(out, " (%s %u)", v[0].label, v[0].bits);
	fprintf(out, ": opens %zu host%s through %zu authorized line%s; %zu place%s in all\n",
		hosts, hosts == 1 ? "" : "s", accounts, accounts == 1 ? "" : "s", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const kw_keyplace *p = &v[i];
		char when[32] = "?";
		if (kw_time_iso(p->taken, true, when, sizeof when) != KW_ISO_LEN)
			snprintf(when, sizeof when, "%lld", (long long)p->taken);
		fprintf(out, "  %-11s ", place_kind(p));
		kw_cmd_put_esc(out, p->target);
		if (p->account) {
			fputs("  account ", out);
			kw_cmd_put_esc(out, p->account);
		}
		fputs("  ", out);
		kw_cmd_put_esc(out, p->path);
		if (p->line)
			fprintf(out, ":%u", p->line);
		if (p->options) {
			fputs("  options ", out);
			kw_cmd_put_esc(out, p->options);
		}
		fputs("\n              host id ", out);
		kw_cmd_put_esc(out, p->host_id[0] ? p->host_id : "(none)");
		fprintf(out, ", snapshot %lld of %s", (long long)p->snapshot, when);
		if (p->host && strcmp(p->host, p->target) != 0) {
			fputs(" taken on ", out);
			kw_cmd_put_esc(out, p->host);
		}
		fputc('\n', out);
	}
	return kw_out_finish(out);
}

static int key_json(FILE *out, const query_args *a, const kw_keyplace *v, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const kw_keyplace *p = &v[i];
		char when[32] = "";
		kw_time_iso(p->taken, true, when, sizeof when);
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(place_kind(p)));
		json_object_set_new(o, "host_id", kw_cmd_json_esc(p->host_id));
		json_object_set_new(o, "host", kw_cmd_json_esc(p->host));
		json_object_set_new(o, "target", kw_cmd_json_esc(p->target));
		json_object_set_new(o, "snapshot", json_integer(p->snapshot));
		json_object_set_new(o, "taken", json_string(when));
		json_object_set_new(o, "role", json_string(kw_keyrole_name(p->role)));
		json_object_set_new(o, "account", kw_cmd_json_esc(p->account));
		json_object_set_new(o, "path", kw_cmd_json_esc(p->path));
		json_object_set_new(o, "line", p->line ? json_integer(p->line) : json_null());
		json_object_set_new(o, "sshd_ignores", json_boolean(p->sshd_ignores));
		json_object_set_new(o, "options", kw_cmd_json_esc(p->options));
		json_object_set_new(o, "comment", kw_cmd_json_esc(p->comment));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "format", json_string("keyward-keys-query"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "db", json_string(a->db_shown));
	json_object_set_new(root, "fingerprint", json_string(a->fp));
	json_object_set_new(root, "type", n && v[0].label[0] ? json_string(v[0].label) : json_null());
	json_object_set_new(root, "bits", n && v[0].label[0] ? json_integer(v[0].bits) : json_null());
	json_object_set_new(root, "hosts", json_integer((json_int_t)hosts_opened(v, n)));
	json_object_set_new(root, "places", arr);
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* ---- --shared-by ---- */

static int shared_text(FILE *out, const query_args *a, const kw_keyshared *v, size_t n,
		       size_t fleet_hosts)
{
	fprintf(out, "%zu key%s open%s at least %zu of the %zu host%s in %s\n", n, n == 1 ? "" : "s",
		n == 1 ? "s" : "", a->shared_by, fleet_hosts, fleet_hosts == 1 ? "" : "s", a->db_shown);
	if (n)
		fprintf(out, "%6s %7s  %-12s  %s\n", "hosts", "places", "type", "fingerprint");
	for (size_t i = 0; i < n; i++) {
		char type[32];
		snprintf(type, sizeof type, "%s %u", v[i].label[0] ? v[i].label : "?", v[i].bits);
		fprintf(out, "%6zu %7zu  %-12s  %s\n", v[i].hosts, v[i].places, type, v[i].fp);
	}
	if (n && a->limit && n == a->limit)
		fprintf(out, "(the first %zu: --limit)\n", n);
	return kw_out_finish(out);
}

static int shared_json(FILE *out, const query_args *a, const kw_keyshared *v, size_t n,
		       size_t fleet_hosts)
{
	json_t *root = json_object(), *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:I,s:I,s:I}", "fingerprint", v[i].fp,
						     "type", v[i].label[0] ? v[i].label : NULL,
						     "bits", (json_int_t)v[i].bits,
						     "hosts", (json_int_t)v[i].hosts,
						     "places", (json_int_t)v[i].places));
	json_object_set_new(root, "format", json_string("keyward-keys-query"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "db", json_string(a->db_shown));
	json_object_set_new(root, "shared_by", json_integer((json_int_t)a->shared_by));
	json_object_set_new(root, "fleet_hosts", json_integer((json_int_t)fleet_hosts));
	json_object_set_new(root, "limited", json_boolean(a->limit && n == a->limit));
	json_object_set_new(root, "keys", arr);
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* ---- the command ---- */

static int fail(const query_args *a, int r, const char *err)
{
	fprintf(stderr, "keyward " CMD ": %s: %s\n", a->db_shown, err && *err ? err : kw_strerror(r));
	return 2;
}

int cmd_keys_query(int argc, char **argv)
{
	_cleanup_(args_release) query_args a = { .limit = 100 };
	int pr = parse_args(argc, argv, &a);
	if (pr >= 0)
		return pr;
	kw_keystore *s = NULL;
	char err[512] = "";
	int r = kw_keystore_open(a.db, 0, &s, err, sizeof err);
	if (r < 0)
		return fail(&a, r, r == -ENOENT ? "no such database (take snapshots first with "
				     "`keyward keys snapshot --db ...`)" : err);
	kw_keyplace *places = NULL;
	kw_keyshared *shared = NULL;
	size_t n = 0, hosts = 0, latest = 0;
	if (a.key)
		r = kw_keystore_where(s, a.fp, &places, &n, err, sizeof err);
	else if ((r = kw_keystore_fleet_size(s, &hosts, &latest, err, sizeof err)) == 0)
		r = kw_keystore_shared(s, a.shared_by, a.limit, &shared, &n, err, sizeof err);
	kw_keystore_close(s);
	int status = 2;
	if (r < 0) {
		status = fail(&a, r, err);
		goto out;
	}
	char *tmp = NULL;
	FILE *out = kw_cmd_report_open(CMD, a.output, &tmp);
	if (!out)
		goto out;
	if (a.key)
		r = a.json ? key_json(out, &a, places, n) : key_text(out, &a, places, n);
	else
		r = a.json ? shared_json(out, &a, shared, n, hosts) : shared_text(out, &a, shared, n, hosts);
	if (kw_cmd_report_done(CMD, out, a.output, tmp, r, "answer") < 0)
		goto out;
	status = n ? 0 : 1;
out:
	kw_keyplaces_free(places, a.key ? n : 0);
	free(shared);
	return status;
}
