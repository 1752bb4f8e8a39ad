/* keys_fleet.c — `keyward keys merge`: the fleet view of many hosts' key inventories.
 *
 *   inventory files (FILE, a folder's *.json, - for stdin) -> src/keys/fleet.c (load,
 *   check, aggregate) -> text or JSON ("keyward-keys-fleet" version 1) here.
 *
 * Every string the fleet holds was escaped when it was loaded (fleet.h), so it is printed
 * as it is. Exit status: 0 nothing found, 1 findings, 2 usage or input error (any
 * inventory refused: a fleet view with a host missing would mislead).
 */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/keys_cmds.h"
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"
#include "keys/fleet.h"
#include "report/out.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_HOSTS = 256, OPT_FORMAT, OPT_OUTPUT, OPT_NEWEST, OPT_NAME_BY_FILE };

static const kw_opt merge_opts[] = {
	{ OPT_HOSTS, 0, "hosts", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "report keys authorized on more than N hosts (default 1)" },
	{ OPT_NEWEST, 0, "newest", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "several inventories of one host: use the newest (by \"scanned\"); without it, that is "
	  "an error" },
	{ OPT_NAME_BY_FILE, 0, "name-by-file", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "name each host by its file name (web-1.json: web-1), not by the host name inside: "
	  "clones that kept one hostname stay apart" },
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "text|json", KW_COMP_WORDS, "text json",
	  "text (default) or JSON (\"keyward-keys-fleet\", version 1)" },
	{ OPT_OUTPUT, 0, "output", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "write there (atomically) instead of stdout" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_keys_merge = {
	.name = "keys merge",
	.summary = "the fleet view of many hosts' `keys scan --format json` inventories",
	.synopsis = "FILE|FOLDER|- ... [--hosts N] [--newest] [OPTIONS]",
	.description =
	"The fleet view: many hosts' inventories (the JSON of `keyward keys scan --format json`) "
	"read together. A FOLDER stands for every *.json file in it; - reads one from stdin.\n\n"
	"Reported:\n"
	"  keys on more than N hosts       one stolen key opens all of them (--hosts N,\n"
	"                                  default 1: a key that opens two hosts or more)\n"
	"  keys granting root              authorized for root (or a uid-0 account) on\n"
	"                                  some host\n"
	"  one key, different accounts     the same key in alice@a and bob@b: shared by\n"
	"                                  people?\n"
	"  host keys on several hosts      a cloned image's baked-in host key\n"
	"  private keys on several hosts   the same private key copied around\n"
	"  private keys opening other hosts\n"
	"                                  take the key from one host, log in to the next\n"
	"  accounts sharing a password     the same password hash (same password and\n"
	"                                  salt) on several accounts or hosts, from the\n"
	"                                  keyed digests that `keyward keys scan\n"
	"                                  --fleet-key FILE` records (never the hash\n"
	"                                  itself); digests made under different fleet\n"
	"                                  keys are never compared\n",
	.opts = merge_opts,
	.notes =
	"A host is named by the inventory's \"host\" (a live scan), else its \"target\", else the "
	"file name. Inventories are hostile input: each is capped at 64 MiB and checked member "
	"by member; one malformed inventory stops the merge.\n\n"
	"See docs/keys-fleet.md for collecting inventories with Ansible.",
	.exit_status = "0 nothing to report; 1 something reported; 2 usage or input error.",
	.examples =
	"keyward keys merge inventories/\n"
	"keyward keys merge web-*.json db-*.json --hosts 5 --format json --output fleet.json\n",
	.operands = KW_COMP_FILE,
};

typedef struct merge_args {
	unsigned hosts;
	bool json, newest, name_by_file;
	const char *output;
} merge_args;

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("keys merge", msg, what); }

/* -1 = go on; else the exit status: 0 after --help, 2 usage error, 70 an unhandled option */
static int parse_args(int argc, char **argv, merge_args *a)
{
	a->hosts = 1;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_keys_merge);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_HOSTS: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || optarg[0] == '-' || v > 1000000)
				return usage_err("--hosts takes a number of hosts (0 to 1000000), not ", optarg);
			a->hosts = (unsigned)v;
			break;
		}
		case OPT_FORMAT:
			if (kw_cmd_format_json("keys merge", optarg, &a->json))
				return 2;
			break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_NEWEST: a->newest = true; break;
		case OPT_NAME_BY_FILE: a->name_by_file = true; break;
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (optind >= argc)
		return usage_err("name the inventories to merge (files, folders, or - for stdin)", NULL);
	return -1;
}

/* ---- loading ---- */

static int report_load(int r, const char *err)
{
	if (r < 0)
		fprintf(stderr, "keyward keys merge: %s\n", err[0] ? err : kw_strerror(r));
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json in a folder (not below it), in name order. */
static int add_folder(kw_fleet *f, const char *dir)
{
	_cleanup_free_ char *ed = kw_escape_str(dir);
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		fprintf(stderr, "keyward keys merge: cannot list %s: %s\n", ed ? ed : "?", kw_strerror(-e));
		return -e;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			p = NULL; /* undefined after a failure */
		if (!p || !KW_VEC_PUSH(names, n, cap)) {
			free(p);
			closedir(d);
			kw_strv_free(names, n);
			return -ENOMEM;
		}
		names[n - 1] = p;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "keyward keys merge: no *.json file in %s\n", ed ? ed : "?");
		return -ENOENT;
	}
	qsort(names, n, sizeof *names, name_cmp);
	char err[1024];
	int r = 0;
	for (size_t i = 0; i < n && r != -ENOMEM; i++) {
		int x = report_load(kw_fleet_add_file(f, names[i], err, sizeof err), err);
		if (x < 0)
			r = x;
	}
	kw_strv_free(names, n);
	return r;
}

static int add_stdin(kw_fleet *f)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	char err[1024];
	int r = kw_fd_read_capped(STDIN_FILENO, KW_FLEET_MAX_FILE, &data, &len);
	if (r < 0) {
		fprintf(stderr, "keyward keys merge: -: cannot read stdin: %s\n", kw_strerror(r));
		return r;
	}
	return report_load(kw_fleet_add_buf(f, "-", data, len, err, sizeof err), err);
}

/* Load every argument; keeps going after a refused inventory so all of them are named. */
static int load_all(kw_fleet *f, int argc, char **argv)
{
	int status = 0;
	bool stdin_used = false;
	char err[1024];
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int r;
		struct stat st;
		if (!strcmp(a, "-")) {
			if (stdin_used) {
				fputs("keyward keys merge: - (stdin) named twice\n", stderr);
				r = -EINVAL;
			} else {
				stdin_used = true;
				r = add_stdin(f);
			}
		} else if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
			r = add_folder(f, a);
		} else {
			r = report_load(kw_fleet_add_file(f, a, err, sizeof err), err);
		}
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			status = r;
	}
	return status;
}

/* ---- text ---- */

#define TEXT_PLACES 20 /* places listed per key in text; JSON lists all */

static const char *s_or(const kw_fleet *f, uint32_t id, const char *dflt)
{
	return id ? f->str[id] : dflt;
}

static bool place_shown(kw_fleet_section s, const kw_fleet_place *p)
{
	switch (s) {
	case KW_FLEET_ROOT: return p->role == KW_FLEET_AUTHORIZED && p->root;
	case KW_FLEET_HOSTKEY: return p->role == KW_FLEET_HOST;
	case KW_FLEET_PRIVKEY: return p->role == KW_FLEET_PRIVATE;
	case KW_FLEET_HOP: return p->role != KW_FLEET_HOST;
	default: return p->role == KW_FLEET_AUTHORIZED;
	}
}

static void text_key(FILE *out, kw_fleet *f, kw_fleet_section s, const kw_fleet_key *k)
{
	fprintf(out, "  %s  %s", f->str[k->fp], s_or(f, k->label, "?"));
	if (k->bits)
		fprintf(out, " %u", k->bits);
	if (k->comment)
		fprintf(out, "  \"%s\"", f->str[k->comment]);
	const uint32_t *h = k->hosts;
	switch (s) {
	case KW_FLEET_HOSTKEY:
		fprintf(out, "  host key of %u hosts\n", h[KW_FLEET_HOST]);
		break;
	case KW_FLEET_PRIVKEY:
		fprintf(out, "  private key on %u hosts\n", h[KW_FLEET_PRIVATE]);
		break;
	case KW_FLEET_HOP:
		fprintf(out, "  private key on %u host%s, opens %u host%s\n", h[KW_FLEET_PRIVATE],
			h[KW_FLEET_PRIVATE] == 1 ? "" : "s", h[KW_FLEET_AUTHORIZED],
			h[KW_FLEET_AUTHORIZED] == 1 ? "" : "s");
		break;
	case KW_FLEET_PEOPLE: {
		uint32_t ids[8];
		size_t n = kw_fleet_key_names(f, k, ids, KW_ARRAY_LEN(ids));
		fputs("  accounts ", out);
		for (size_t i = 0; i < n && i < KW_ARRAY_LEN(ids); i++)
			fprintf(out, "%s%s", i ? ", " : "", f->str[ids[i]]);
		if (n > KW_ARRAY_LEN(ids))
			fprintf(out, " and %zu more", n - KW_ARRAY_LEN(ids));
		fputc('\n', out);
		break;
	}
	default:
		fprintf(out, "  opens %u host%s\n", h[KW_FLEET_AUTHORIZED], h[KW_FLEET_AUTHORIZED] == 1 ? "" : "s");
	}
	size_t shown = 0, more = 0;
	for (size_t i = k->first; i < k->first + k->n; i++) {
		const kw_fleet_place *p = &f->places[i];
		if (!place_shown(s, p))
			continue;
		if (shown == TEXT_PLACES) {
			more++;
			continue;
		}
		shown++;
		fprintf(out, "      %s  ", f->hosts[p->host].name);
		if (p->role != KW_FLEET_AUTHORIZED)
			fprintf(out, "%s key ", kw_fleet_role_name(p->role));
		if (p->account)
			fprintf(out, "%s%s  ", f->str[p->account],
				p->root && strcmp(f->str[p->account], "root") ? " (uid 0)" : "");
		fputs(s_or(f, p->path, "?"), out);
		if (p->line)
			fprintf(out, ":%u", p->line);
		fputc('\n', out);
	}
	if (more)
		fprintf(out, "      ... and %zu more (--format json lists every one)\n", more);
}

static const char *const section_titles[KW_FLEET_SECTION_COUNT] = {
	NULL, /* built with the threshold */
	"keys granting root (the account root, or one of uid 0)",
	"one key in accounts of different names: shared between people?",
	"one host key on several hosts: cloned from one image",
	"one private key on several hosts",
	"private keys that open another host: take the key from one, log in to the next",
};

static void text_passwords(FILE *out, const kw_fleet *f)
{
	if (f->n_pwgroups)
		fprintf(out, "\naccounts sharing one password hash (same password and salt: copied, "
			"or from one image) (%zu group%s)\n", f->n_pwgroups, f->n_pwgroups == 1 ? "" : "s");
	for (size_t g = 0; g < f->n_pwgroups; g++) {
		const kw_fleet_pwgroup *pg = &f->pwgroups[g];
		fprintf(out, "  group %zu: %zu accounts on %u host%s", g + 1, pg->n, pg->hosts,
			pg->hosts == 1 ? "" : "s");
		if (f->n_fleet_keys > 1)
			fprintf(out, " (fleet key %s)", f->str[f->pws[pg->first].fleet_key_id]);
		fputc('\n', out);
		for (size_t i = pg->first; i < pg->first + pg->n; i++) {
			const kw_fleet_pw *p = &f->pws[i];
			fprintf(out, "      %s  %s", f->hosts[p->host].name, f->str[p->account]);
			if (p->uid == 0)
				fputs(" (uid 0)", out);
			fputc('\n', out);
		}
	}
}

static void text_notes(FILE *out, const kw_fleet *f)
{
	bool any = f->n_superseded || f->n_with_key_id < f->n_counted || f->n_fleet_keys > 1;
	if (!any)
		return;
	fputs("\nnotes\n", out);
	for (size_t i = 0; i < f->n_hosts; i++)
		if (f->hosts[i].superseded)
			fprintf(out, "  %s: an older inventory of %s (%s), not counted\n", f->hosts[i].file,
				f->hosts[i].name, f->hosts[i].scanned ? f->hosts[i].scanned : "no scan time");
	if (f->n_with_key_id == 0)
		fputs("  passwords were not compared: no inventory has password digests (scan with\n"
		      "  `keyward keys scan --fleet-key FILE --format json`, the same FILE on every host)\n", out);
	else if (f->n_with_key_id < f->n_counted)
		fprintf(out, "  %zu of %zu inventories were scanned without --fleet-key: their passwords "
			"were not compared\n", f->n_counted - f->n_with_key_id, f->n_counted);
	if (f->n_fleet_keys > 1) {
		fprintf(out, "  password digests were made under %zu different fleet keys: accounts are "
			"compared only with hosts scanned under the same key\n", f->n_fleet_keys);
		for (size_t k = 0; k < f->n_fleet_keys; k++) {
			size_t n = f->fleet_key_hosts[k];
			const char *id = f->str[f->fleet_key_ids[k]];
			fprintf(out, "      fleet key %s: %zu host%s\n", id, n, n == 1 ? "" : "s");
		}
	}
}

static size_t distinct_authorized(const kw_fleet *f)
{
	size_t n = 0;
	for (size_t k = 0; k < f->n_keys; k++)
		n += f->keys[k].hosts[KW_FLEET_AUTHORIZED] > 0;
	return n;
}

static int render_text(FILE *out, kw_fleet *f)
{
	fprintf(out, "fleet of %zu host%s: %zu authorized key%s (%zu distinct)", f->n_counted,
		f->n_counted == 1 ? "" : "s", f->n_authorized, f->n_authorized == 1 ? "" : "s",
		distinct_authorized(f));
	if (f->n_ignored || f->n_unread)
		fprintf(out, "; not counted: %zu line%s sshd ignores, %zu key%s in files sshd does not read",
			f->n_ignored, f->n_ignored == 1 ? "" : "s", f->n_unread, f->n_unread == 1 ? "" : "s");
	fputc('\n', out);
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++) {
		if (!f->n_section[s])
			continue;
		if (s == KW_FLEET_WIDESPREAD)
			fprintf(out, "\nkeys that open more than %u host%s: one stolen key opens them all (%zu)\n",
				f->opts.hosts, f->opts.hosts == 1 ? "" : "s", f->n_section[s]);
		else
			fprintf(out, "\n%s (%zu)\n", section_titles[s], f->n_section[s]);
		for (size_t i = 0; i < f->n_section[s]; i++)
			text_key(out, f, (kw_fleet_section)s, &f->keys[f->section[s][i]]);
	}
	text_passwords(out, f);
	text_notes(out, f);
	if (!kw_fleet_any_finding(f))
		fputs("\nnothing to report\n", out);
	return kw_out_finish(out);
}

/* ---- JSON ---- */

static json_t *jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static json_t *jid(const kw_fleet *f, uint32_t id)
{
	return id ? jstr(f->str[id]) : json_null();
}

static json_t *key_json(kw_fleet *f, const kw_fleet_key *k)
{
	json_t *o = json_object(), *places = json_array(), *names = json_array();
	json_object_set_new(o, "fingerprint", jid(f, k->fp));
	json_object_set_new(o, "label", jid(f, k->label));
	json_object_set_new(o, "bits", k->bits ? json_integer(k->bits) : json_null());
	json_object_set_new(o, "comment", jid(f, k->comment));
	json_object_set_new(o, "hosts", json_pack("{s:I,s:I,s:I}",
		"authorized", (json_int_t)k->hosts[KW_FLEET_AUTHORIZED],
		"host", (json_int_t)k->hosts[KW_FLEET_HOST],
		"private", (json_int_t)k->hosts[KW_FLEET_PRIVATE]));
	json_object_set_new(o, "root", json_boolean(k->root));
	size_t n = k->names; /* what kw_fleet_key_names lists */
	_cleanup_free_ uint32_t *ids = calloc(n ? n : 1, sizeof *ids);
	if (ids) {
		kw_fleet_key_names(f, k, ids, n);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(names, jid(f, ids[i]));
	}
	json_object_set_new(o, "accounts", names);
	for (size_t i = k->first; i < k->first + k->n; i++) {
		const kw_fleet_place *p = &f->places[i];
		json_t *po = json_object();
		json_object_set_new(po, "host", jstr(f->hosts[p->host].name));
		json_object_set_new(po, "role", json_string(kw_fleet_role_name(p->role)));
		json_object_set_new(po, "account", jid(f, p->account));
		json_object_set_new(po, "path", jid(f, p->path));
		json_object_set_new(po, "line", p->line ? json_integer(p->line) : json_null());
		json_object_set_new(po, "root", json_boolean(p->root));
		json_array_append_new(places, po);
	}
	json_object_set_new(o, "places", places);
	return o;
}

static json_t *host_json(const kw_fleet_host *h)
{
	json_t *o = json_object();
	json_object_set_new(o, "host", jstr(h->name));
	json_object_set_new(o, "file", jstr(h->file));
	json_object_set_new(o, "scanned", jstr(h->scanned));
	json_object_set_new(o, "fleet_key_id", jstr(h->fleet_key_id));
	json_object_set_new(o, "superseded", json_boolean(h->superseded));
	json_object_set_new(o, "authorized", json_integer((json_int_t)h->n_authorized));
	json_object_set_new(o, "ignored", json_integer((json_int_t)h->n_ignored));
	json_object_set_new(o, "unread", json_integer((json_int_t)h->n_unread));
	json_object_set_new(o, "host_keys", json_integer((json_int_t)h->n_hostkeys));
	json_object_set_new(o, "private", json_integer((json_int_t)h->n_private));
	json_object_set_new(o, "accounts", h->has_accounts ? json_integer((json_int_t)h->n_accounts) : json_null());
	json_object_set_new(o, "password_digests", json_integer((json_int_t)h->n_digests));
	return o;
}

static json_t *passwords_json(const kw_fleet *f)
{
	json_t *o = json_object(), *keys = json_array(), *shared = json_array();
	json_object_set_new(o, "compared", json_boolean(f->n_with_key_id > 0));
	json_object_set_new(o, "hosts_without_fleet_key", json_integer((json_int_t)(f->n_counted - f->n_with_key_id)));
	for (size_t k = 0; k < f->n_fleet_keys; k++) {
		const char *id = f->str[f->fleet_key_ids[k]];
		json_array_append_new(keys, json_pack("{s:s,s:I}", "id", id,
						      "hosts", (json_int_t)f->fleet_key_hosts[k]));
	}
	for (size_t g = 0; g < f->n_pwgroups; g++) {
		const kw_fleet_pwgroup *pg = &f->pwgroups[g];
		json_t *go = json_object(), *acc = json_array();
		json_object_set_new(go, "fleet_key_id", jid(f, f->pws[pg->first].fleet_key_id));
		json_object_set_new(go, "hosts", json_integer(pg->hosts));
		for (size_t i = pg->first; i < pg->first + pg->n; i++) {
			const kw_fleet_pw *p = &f->pws[i];
			json_t *ao = json_object();
			json_object_set_new(ao, "host", jstr(f->hosts[p->host].name));
			json_object_set_new(ao, "account", jid(f, p->account));
			json_object_set_new(ao, "uid", json_integer(p->uid));
			json_array_append_new(acc, ao);
		}
		json_object_set_new(go, "accounts", acc);
		json_array_append_new(shared, go);
	}
	json_object_set_new(o, "fleet_keys", keys);
	json_object_set_new(o, "shared", shared);
	return o;
}

static int render_json(FILE *out, kw_fleet *f)
{
	json_t *root = json_object(), *inv = json_array(), *counts = json_object();
	if (!root || !inv || !counts) {
		json_decref(root);
		json_decref(inv);
		json_decref(counts);
		return -ENOMEM;
	}
	json_object_set_new(root, "format", json_string("keyward-keys-fleet"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "hosts_threshold", json_integer(f->opts.hosts));
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++)
		json_object_set_new(counts, kw_fleet_section_name((kw_fleet_section)s),
				    json_integer((json_int_t)f->n_section[s]));
	json_object_set_new(counts, "passwords", json_integer((json_int_t)f->n_pwgroups));
	json_object_set_new(root, "summary", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
		"hosts", (json_int_t)f->n_counted, "superseded", (json_int_t)f->n_superseded,
		"authorized", (json_int_t)f->n_authorized, "distinct_authorized", (json_int_t)distinct_authorized(f),
		"ignored", (json_int_t)f->n_ignored, "unread", (json_int_t)f->n_unread,
		"fleet_keys", (json_int_t)f->n_fleet_keys, "findings", counts));
	for (size_t i = 0; i < f->n_hosts; i++)
		json_array_append_new(inv, host_json(&f->hosts[i]));
	json_object_set_new(root, "inventories", inv);
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++) {
		json_t *arr = json_array();
		for (size_t i = 0; i < f->n_section[s]; i++)
			json_array_append_new(arr, key_json(f, &f->keys[f->section[s][i]]));
		json_object_set_new(root, kw_fleet_section_name((kw_fleet_section)s), arr);
	}
	json_object_set_new(root, "passwords", passwords_json(f));
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}

/* ---- the command ---- */

int cmd_keys_merge(int argc, char **argv)
{
	merge_args a = { 0 };
	int pr = parse_args(argc, argv, &a);
	if (pr >= 0)
		return pr;
	kw_fleet f;
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = a.hosts, .newest = a.newest,
					    .name_by_file = a.name_by_file });
	int status = 2;
	int r = load_all(&f, argc - optind, argv + optind);
	if (r == -ENOMEM)
		fprintf(stderr, "keyward keys merge: %s\n", kw_strerror(r));
	if (r < 0)
		goto out;
	if ((r = kw_fleet_finish(&f)) < 0) {
		fprintf(stderr, "keyward keys merge: %s\n", kw_strerror(r));
		goto out;
	}
	char *tmp = NULL;
	FILE *out = kw_cmd_report_open("keys merge", a.output, &tmp);
	if (!out)
		goto out;
	r = a.json ? render_json(out, &f) : render_text(out, &f);
	if (kw_cmd_report_done("keys merge", out, a.output, tmp, r, "report") < 0)
		goto out;
	status = kw_fleet_any_finding(&f) ? 1 : 0;
out:
	kw_fleet_release(&f);
	return status;
}
