/* fleet.c — the fleet view of `keyward keys merge` (see fleet.h): inventories loaded as
 * hostile JSON, aggregated by fingerprint, sections and password groups computed.
 *
 * Layout. Every string from an inventory is interned once, in its escaped form, into an
 * arena: f->str[id] is the string, ids are small integers, and equal strings have equal
 * ids. Three arrays run parallel to f->str, indexed by string id: str_key (the key of a
 * fingerprint), str_host (the host of a host name) and str_mark (stamps for "seen in this
 * pass": uid-0 account names while one inventory loads, distinct names while one key is
 * counted). So finding a key, a host or a name is one hash lookup, never a scan.
 *
 *   inventory JSON --jansson--> checked member by member --intern--> places (one per key
 *   entry: host, account, path, line, role, key) + password entries
 *   kw_fleet_finish: places bucketed by key (a counting sort, stable: hosts stay in the
 *   order they were added), then one linear pass per key for its host and name counts.
 *
 * Loading one inventory either succeeds whole or leaves the fleet's hosts, keys, places
 * and password entries as they were: on an error what it added is dropped again (strings
 * it interned stay in the pool, unreferenced; a label, size or comment it filled in for a
 * key already known stays, as the next inventory with that key would fill it in anyway).
 */
#include "keys/fleet.h"

#include "collect/sshkey.h"
#include "keys/inventory.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"
#include "base/buf.h"
#include "base/time.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[KW_FLEET_ROLE_COUNT] = { "authorized", "host", "private" };
static const char *const section_names[KW_FLEET_SECTION_COUNT] = {
	"widespread", "root", "people", "host_keys", "private_keys", "hops",
};

const char *kw_fleet_role_name(kw_fleet_role r)
{
	return (unsigned)r < KW_FLEET_ROLE_COUNT ? role_names[r] : "?";
}

const char *kw_fleet_section_name(kw_fleet_section s)
{
	return (unsigned)s < KW_FLEET_SECTION_COUNT ? section_names[s] : "?";
}

void kw_fleet_init(kw_fleet *f, const kw_fleet_opts *opts)
{
	*f = (kw_fleet){ 0 };
	if (opts)
		f->opts = *opts;
}

void kw_fleet_release(kw_fleet *f)
{
	if (!f)
		return;
	free(f->hosts);
	free(f->keys);
	free(f->places);
	free(f->pws);
	free(f->pwgroups);
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++)
		free(f->section[s]);
	free(f->fleet_key_ids);
	free(f->fleet_key_hosts);
	free(f->str);
	free(f->str_key);
	free(f->str_host);
	free(f->str_mark);
	kw_strindex_release(&f->str_ix);
	kw_arena_release(&f->arena);
	*f = (kw_fleet){ 0 };
}

/* ---- interned strings ---- */

/* Room for string id n_str in f->str and its parallel arrays (new slots zeroed). */
static int str_reserve(kw_fleet *f)
{
	if (f->n_str < f->cap_str)
		return 0;
	if (f->cap_str >= UINT32_MAX / 2)
		return KW_E_TOOBIG;
	size_t cap = f->cap_str ? f->cap_str * 2 : 1024;
	const char **s = realloc(f->str, cap * sizeof *s);
	if (s)
		f->str = s;
	uint32_t **aux[] = { &f->str_key, &f->str_host, &f->str_mark };
	bool ok = s != NULL;
	for (size_t i = 0; i < KW_ARRAY_LEN(aux) && ok; i++) {
		uint32_t *a = realloc(*aux[i], cap * sizeof *a);
		if (!a) {
			ok = false;
			break;
		}
		memset(a + f->cap_str, 0, (cap - f->cap_str) * sizeof *a);
		*aux[i] = a;
	}
	if (!ok)
		return -ENOMEM; /* grown arrays keep their old contents: still consistent */
	f->cap_str = cap;
	return 0;
}

/* The id of the escaped form of s[0..n), interning it if new. s NULL: id 0. */
static int intern(kw_fleet *f, const char *s, size_t n, uint32_t *id)
{
	if (f->n_str == 0) { /* id 0 is "none" */
		int r = str_reserve(f);
		if (r < 0)
			return r;
		f->str[f->n_str++] = NULL;
	}
	if (!s) {
		*id = 0;
		return 0;
	}
	_cleanup_free_ char *esc = NULL;
	const char *key = s;
	size_t klen = n;
	if (!kw_escape_is_clean(s, n)) {
		if (!(esc = kw_escape_dup(s, n)))
			return -ENOMEM;
		key = esc;
		klen = strlen(esc);
	} else if (s[n] != '\0') { /* a part of a longer string: the index needs it ended */
		if (!(esc = strndup(s, n)))
			return -ENOMEM;
		key = esc;
	}
	size_t v = kw_strindex_get(&f->str_ix, key);
	if (v != KW_STRINDEX_NONE) {
		*id = (uint32_t)v;
		return 0;
	}
	int r = str_reserve(f);
	if (r < 0)
		return r;
	char *copy = kw_arena_strndup(&f->arena, key, klen);
	if (!copy)
		return -ENOMEM;
	if ((r = kw_strindex_put(&f->str_ix, copy, f->n_str, NULL)) < 0)
		return r;
	f->str[f->n_str] = copy;
	*id = (uint32_t)f->n_str++;
	return 0;
}

/* ---- one inventory ---- */

typedef struct loader {
	kw_fleet *f;
	const char *name;     /* the file, raw: for the fallback host name */
	char *file;           /* the file, escaped: for messages */
	char *err;
	size_t errlen;
	kw_fleet_host h;
	uint32_t host;        /* index the host will have */
	uint32_t name_id;
	uint32_t key_id;      /* string id of the fleet_key_id, 0 for none */
	uint32_t uid0;        /* stamp marking this inventory's uid-0 account names */
} loader;

static int fail(loader *l, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(loader *l, int code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kw_errf(l->err, l->errlen, "%s: %s", l->file, msg);
	return code;
}

/* A member's name in messages: "keys[3].fingerprint" or "fleet_key_id". */
typedef struct where {
	const char *arr;
	size_t i;
} where;

static int bad(loader *l, where w, const char *m, const char *what)
{
	if (w.arr)
		return fail(l, KW_E_PARSE, "%s[%zu].%s: %s", w.arr, w.i, m, what);
	return fail(l, KW_E_PARSE, "%s: %s", m, what);
}

enum { M_REQUIRED = 1, M_NULLABLE = 2 };

/* A string member: 0 with *ret (NULL when absent or null), or the error. */
static int mstr(loader *l, json_t *o, where w, const char *m, unsigned flags, const char **ret,
		size_t *ret_len)
{
	json_t *v = json_object_get(o, m);
	*ret = NULL;
	if (ret_len)
		*ret_len = 0;
	if (!v)
		return flags & M_REQUIRED ? bad(l, w, m, "missing") : 0;
	if (json_is_null(v) && (flags & M_NULLABLE))
		return 0;
	if (!json_is_string(v))
		return bad(l, w, m, flags & M_NULLABLE ? "a string or null is needed" : "a string is needed");
	*ret = json_string_value(v);
	if (ret_len)
		*ret_len = json_string_length(v);
	return 0;
}

/* An integer member in [min, max]: 0 with *ret and *present, or the error. */
static int mint(loader *l, json_t *o, where w, const char *m, unsigned flags, json_int_t min,
		json_int_t max, json_int_t *ret, bool *present)
{
	json_t *v = json_object_get(o, m);
	*present = false;
	*ret = 0;
	if (!v)
		return flags & M_REQUIRED ? bad(l, w, m, "missing") : 0;
	if (json_is_null(v) && (flags & M_NULLABLE))
		return 0;
	if (!json_is_integer(v))
		return bad(l, w, m, flags & M_NULLABLE ? "an integer or null is needed" : "an integer is needed");
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return bad(l, w, m, "out of range");
	*ret = x;
	*present = true;
	return 0;
}

static uint8_t hexval(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10);
}

/* "SHA256:" and 43 base64 characters, as ssh-keygen -l prints a SHA256 fingerprint. */
/* "2026-11-21T12:00:00Z" (digits where the digits are): compares as text in time order. */
/* "inv/web-1.json" -> "web-1" (a name that is all suffix keeps it). */
static void file_base(const char *path, const char **ret, size_t *ret_len)
{
	const char *b = strrchr(path, '/');
	b = b && b[1] ? b + 1 : path;
	size_t n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".json"))
		n -= 5;
	*ret = b;
	*ret_len = n;
}

/* Top level: format, version, host/target/scanned, fleet_key_id. */
static int load_head(loader *l, json_t *root)
{
	where top = { 0 };
	const char *s, *host, *target, *scanned, *kid;
	size_t n, hn, tn, sn, kn;
	json_int_t ver;
	bool have;
	int r;
	if ((r = mstr(l, root, top, "format", M_REQUIRED, &s, &n)) < 0)
		return r;
	if (strcmp(s, "keyward-keys-inventory") != 0)
		return bad(l, top, "format", "not \"keyward-keys-inventory\" (is this the JSON of "
			   "`keyward keys scan --format json`?)");
	if ((r = mint(l, root, top, "version", M_REQUIRED, 0, INT32_MAX, &ver, &have)) < 0)
		return r;
	if (ver != 1)
		return fail(l, KW_E_UNSUPPORTED, "version: %lld is not supported (only version 1)",
			    (long long)ver);
	if ((r = mstr(l, root, top, "host", M_NULLABLE, &host, &hn)) < 0 ||
	    (r = mstr(l, root, top, "target", M_NULLABLE, &target, &tn)) < 0 ||
	    (r = mstr(l, root, top, "scanned", M_NULLABLE, &scanned, &sn)) < 0 ||
	    (r = mstr(l, root, top, "fleet_key_id", M_NULLABLE, &kid, &kn)) < 0)
		return r;
	if (scanned && !kw_time_is_iso_utc(scanned, sn))
		return bad(l, top, "scanned", "not a time like 2026-11-21T12:00:00Z");
	if (kid && !(kn == 16 && kw_is_hex_lower(kid, kn)))
		return bad(l, top, "fleet_key_id", "not 16 lowercase hexadecimal digits");
	kw_fleet *f = l->f;
	uint32_t id;
	const char *name = host && hn ? host : target && tn ? target : l->name;
	size_t name_len = strlen(name);
	if (f->opts.name_by_file)
		file_base(l->name, &name, &name_len);
	if ((r = intern(f, name, name_len, &l->name_id)) < 0 ||
	    (r = intern(f, scanned, sn, &id)) < 0)
		return r;
	l->h.scanned = f->str[id];
	if ((r = intern(f, kid, kn, &l->key_id)) < 0)
		return r;
	l->h.fleet_key_id = f->str[l->key_id];
	if ((r = intern(f, l->name, strlen(l->name), &id)) < 0)
		return r;
	l->h.file = f->str[id];
	l->h.name = f->str[l->name_id];
	return 0;
}

/* A second inventory of a known host: refused, or (opts.newest) the older one is set
 * aside. Returns 0 (*loser: index of the host to mark superseded, or -1 for none). */
static int check_duplicate(loader *l, long *loser)
{
	kw_fleet *f = l->f;
	*loser = -1;
	uint32_t prev = f->str_host[l->name_id];
	if (!prev)
		return 0;
	const kw_fleet_host *o = &f->hosts[prev - 1];
	if (!f->opts.newest)
		return fail(l, KW_E_USAGE, "host %s is already the host of %s: two inventories of one "
			    "host (--newest keeps the newest; --name-by-file tells clones apart)",
			    l->h.name, o->file);
	const char *a = o->scanned ? o->scanned : "", *b = l->h.scanned ? l->h.scanned : "";
	*loser = strcmp(b, a) >= 0 ? (long)(prev - 1) : (long)l->host;
	return 0;
}

/* Hex to 32 bytes (shape already checked). */
static void unhex32(const char *s, uint8_t out[32])
{
	for (size_t i = 0; i < 32; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

static int load_accounts(loader *l, json_t *root)
{
	kw_fleet *f = l->f;
	json_t *acc = json_object_get(root, "accounts");
	if (!acc || json_is_null(acc))
		return 0;
	if (!json_is_array(acc))
		return bad(l, (where){ 0 }, "accounts", "an array or null is needed");
	if (json_array_size(acc) > KW_FLEET_MAX_ENTRIES)
		return fail(l, KW_E_TOOBIG, "accounts: more than %u entries", KW_FLEET_MAX_ENTRIES);
	l->h.has_accounts = true;
	size_t i;
	json_t *a;
	json_array_foreach(acc, i, a) {
		where w = { "accounts", i };
		if (!json_is_object(a))
			return fail(l, KW_E_PARSE, "accounts[%zu]: an object is needed", i);
		const char *name, *dg;
		size_t nn, dn;
		json_int_t uid;
		bool have;
		int r;
		if ((r = mstr(l, a, w, "name", M_REQUIRED, &name, &nn)) < 0 ||
		    (r = mint(l, a, w, "uid", M_REQUIRED, 0, UINT32_MAX, &uid, &have)) < 0 ||
		    (r = mstr(l, a, w, "password_digest", M_NULLABLE, &dg, &dn)) < 0)
			return r;
		if (dg && !(dn == 64 && kw_is_hex_lower(dg, dn)))
			return bad(l, w, "password_digest", "not 64 lowercase hexadecimal digits");
		if (dg && !l->h.fleet_key_id)
			return bad(l, w, "password_digest", "a digest, but no fleet_key_id says under "
				   "which fleet key it was made");
		uint32_t id;
		if ((r = intern(f, name, nn, &id)) < 0)
			return r;
		if (uid == 0)
			f->str_mark[id] = l->uid0;
		l->h.n_accounts++;
		if (!dg)
			continue;
		kw_fleet_pw *p = KW_VEC_PUSH(f->pws, f->n_pws, f->cap_pws);
		if (!p)
			return -ENOMEM;
		*p = (kw_fleet_pw){ .host = l->host, .account = id, .uid = (uint32_t)uid,
				    .fleet_key_id = l->key_id };
		unhex32(dg, p->digest);
		l->h.n_digests++;
	}
	return 0;
}

/* The key of a fingerprint id, created if new. */
static int key_for(kw_fleet *f, uint32_t fp, uint32_t *ret)
{
	if (f->str_key[fp]) {
		*ret = f->str_key[fp] - 1;
		return 0;
	}
	if (f->n_keys >= UINT32_MAX - 1)
		return KW_E_TOOBIG;
	kw_fleet_key *k = KW_VEC_PUSH(f->keys, f->n_keys, f->cap_keys);
	if (!k)
		return -ENOMEM;
	k->fp = fp;
	*ret = (uint32_t)(f->n_keys - 1);
	f->str_key[fp] = *ret + 1;
	return 0;
}

static int load_key(loader *l, json_t *o, size_t i)
{
	kw_fleet *f = l->f;
	where w = { "keys", i };
	if (!json_is_object(o))
		return fail(l, KW_E_PARSE, "keys[%zu]: an object is needed", i);
	const char *role_s, *fp, *acc, *path, *label, *comment;
	size_t rn, fn, an, pn, ln, cn;
	json_int_t line, bits;
	bool have_line, have_bits;
	enum kw_keyrole role;
	int r;
	if ((r = mstr(l, o, w, "role", M_REQUIRED, &role_s, &rn)) < 0)
		return r;
	if (kw_keyrole_from_name(role_s, &role) < 0)
		return bad(l, w, "role", "not one of authorized, unread, host, private");
	bool lines = role == KW_KEY_AUTHORIZED || role == KW_KEY_UNREAD;
	if ((r = mstr(l, o, w, "fingerprint", M_REQUIRED | M_NULLABLE, &fp, &fn)) < 0 ||
	    (r = mstr(l, o, w, "account", M_REQUIRED | M_NULLABLE, &acc, &an)) < 0 ||
	    (r = mstr(l, o, w, "path", M_NULLABLE, &path, &pn)) < 0 ||
	    (r = mint(l, o, w, "line", M_NULLABLE, 1, UINT32_MAX, &line, &have_line)) < 0 ||
	    (r = mstr(l, o, w, "label", M_NULLABLE, &label, &ln)) < 0 ||
	    (r = mint(l, o, w, "bits", M_NULLABLE, 0, 1 << 20, &bits, &have_bits)) < 0 ||
	    (r = mstr(l, o, w, "comment", M_NULLABLE, &comment, &cn)) < 0)
		return r;
	if (fp && !kw_fp_sha256_valid(fp, fn))
		return bad(l, w, "fingerprint", "not a SHA256 fingerprint (SHA256: and 43 base64 characters)");
	json_t *ign = json_object_get(o, "sshd_ignores");
	if (lines && !ign)
		return bad(l, w, "sshd_ignores", "missing");
	if (ign && !json_is_boolean(ign))
		return bad(l, w, "sshd_ignores", "true or false is needed");
	if (lines && !acc)
		return bad(l, w, "account", "an authorized_keys line without its account");
	if (role == KW_KEY_AUTHORIZED && !fp)
		return bad(l, w, "fingerprint", "an authorized key without its fingerprint");
	if (role == KW_KEY_UNREAD) {
		l->h.n_unread++;
		return 0;
	}
	if (role == KW_KEY_AUTHORIZED && json_is_true(ign)) {
		l->h.n_ignored++;
		return 0;
	}
	if (role == KW_KEY_AUTHORIZED)
		l->h.n_authorized++;
	else if (role == KW_KEY_HOST)
		l->h.n_hostkeys++;
	else
		l->h.n_private++;
	if (!fp)
		return 0; /* a private key whose file does not hold its public half */
	if (f->n_places >= UINT32_MAX - 1)
		return KW_E_TOOBIG;
	uint32_t fid, aid, pid, lid, cid, key;
	if ((r = intern(f, fp, fn, &fid)) < 0 || (r = intern(f, acc, an, &aid)) < 0 ||
	    (r = intern(f, path, pn, &pid)) < 0 || (r = key_for(f, fid, &key)) < 0)
		return r;
	kw_fleet_key *k = &f->keys[key];
	if (!k->label && label) {
		if ((r = intern(f, label, ln, &lid)) < 0)
			return r;
		k->label = lid;
	}
	if (!k->bits && have_bits)
		k->bits = (uint32_t)bits;
	if (!k->comment && comment && cn) {
		if ((r = intern(f, comment, cn, &cid)) < 0)
			return r;
		k->comment = cid;
	}
	kw_fleet_place *p = KW_VEC_PUSH(f->places, f->n_places, f->cap_places);
	if (!p)
		return -ENOMEM;
	*p = (kw_fleet_place){
		.host = l->host, .account = aid, .path = pid, .line = have_line ? (uint32_t)line : 0,
		.key = key,
		.role = (uint8_t)(role == KW_KEY_AUTHORIZED ? KW_FLEET_AUTHORIZED
				  : role == KW_KEY_HOST ? KW_FLEET_HOST : KW_FLEET_PRIVATE),
		.root = role == KW_KEY_AUTHORIZED && (!strcmp(f->str[aid], "root") || f->str_mark[aid] == l->uid0),
	};
	return 0;
}

static int load_keys(loader *l, json_t *root)
{
	json_t *keys = json_object_get(root, "keys");
	if (!keys)
		return bad(l, (where){ 0 }, "keys", "missing");
	if (!json_is_array(keys))
		return bad(l, (where){ 0 }, "keys", "an array is needed");
	if (json_array_size(keys) > KW_FLEET_MAX_ENTRIES)
		return fail(l, KW_E_TOOBIG, "keys: more than %u entries", KW_FLEET_MAX_ENTRIES);
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		int r = load_key(l, k, i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load(loader *l, const void *data, size_t len)
{
	kw_fleet *f = l->f;
	if (len > KW_FLEET_MAX_FILE)
		return fail(l, KW_E_TOOBIG, "larger than %zu MiB", KW_FLEET_MAX_FILE >> 20);
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		_cleanup_free_ char *t = kw_escape_str(je.text);
		return fail(l, KW_E_PARSE, "not valid JSON (line %d, column %d: %s)", je.line, je.column,
			    t ? t : "?");
	}
	int r;
	if (!json_is_object(root))
		r = fail(l, KW_E_PARSE, "not a JSON object (is this the JSON of `keyward keys scan "
			 "--format json`?)");
	else if (f->n_hosts >= UINT32_MAX - 1)
		r = KW_E_TOOBIG;
	else
		r = 0;
	long loser = -1;
	if (r == 0) {
		l->host = (uint32_t)f->n_hosts;
		l->uid0 = ++f->stamp;
		r = load_head(l, root);
	}
	if (r == 0)
		r = check_duplicate(l, &loser);
	if (r == 0)
		r = load_accounts(l, root);
	if (r == 0)
		r = load_keys(l, root);
	json_decref(root);
	if (r < 0)
		return r;
	kw_fleet_host *h = KW_VEC_PUSH(f->hosts, f->n_hosts, f->cap_hosts);
	if (!h)
		return -ENOMEM;
	*h = l->h;
	if (loser >= 0)
		f->hosts[loser].superseded = true;
	if (loser != (long)l->host)
		f->str_host[l->name_id] = l->host + 1;
	return 0;
}

int kw_fleet_add_buf(kw_fleet *f, const char *name, const void *data, size_t len, char *err,
		     size_t errlen)
{
	if (!f || !name || (!data && len) || f->finished)
		return -EINVAL;
	if (!data)
		data = "";
	_cleanup_free_ char *file = kw_escape_str(name);
	if (!file)
		return -ENOMEM;
	if (err && errlen)
		err[0] = '\0';
	loader l = { .f = f, .name = name, .file = file, .err = err, .errlen = errlen };
	size_t n_keys = f->n_keys, n_places = f->n_places, n_pws = f->n_pws;
	int r = load(&l, data, len);
	if (r < 0) {
		/* drop what this inventory added; its strings stay interned, unreferenced */
		for (size_t k = n_keys; k < f->n_keys; k++)
			f->str_key[f->keys[k].fp] = 0;
		f->n_keys = n_keys;
		f->n_places = n_places;
		f->n_pws = n_pws;
		if (r == -ENOMEM || r == KW_E_TOOBIG)
			if (err && errlen && !err[0])
				kw_errf(err, errlen, "%s: %s", file, kw_strerror(r));
	}
	return r;
}

int kw_fleet_add_file(kw_fleet *f, const char *path, char *err, size_t errlen)
{
	if (!f || !path)
		return -EINVAL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = kw_file_read_capped(path, KW_FLEET_MAX_FILE, &data, &len, NULL);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(path);
		if (r == KW_E_TOOBIG)
			kw_errf(err, errlen, "%s: larger than %zu MiB", e ? e : "?", KW_FLEET_MAX_FILE >> 20);
		else
			kw_errf(err, errlen, "%s: cannot read: %s", e ? e : "?", kw_strerror(r));
		return r;
	}
	return kw_fleet_add_buf(f, path, data, len, err, errlen);
}

/* ---- aggregation ---- */

/* Places of hosts that count, bucketed by key (stable), keys' first/n set. */
static int group_places(kw_fleet *f)
{
	_cleanup_free_ size_t *start = calloc(f->n_keys + 1, sizeof *start);
	if (!start)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < f->n_places; i++)
		if (!f->hosts[f->places[i].host].superseded) {
			start[f->places[i].key + 1]++;
			n++;
		}
	for (size_t k = 0; k < f->n_keys; k++) {
		start[k + 1] += start[k];
		f->keys[k].first = start[k];
		f->keys[k].n = start[k + 1] - start[k];
	}
	kw_fleet_place *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_places; i++) {
		const kw_fleet_place *p = &f->places[i];
		if (!f->hosts[p->host].superseded)
			v[start[p->key]++] = *p;
	}
	free(f->places);
	f->places = v;
	f->n_places = f->cap_places = n;
	return 0;
}

/* Host and name counts of one key (its places are in host order). */
static void count_key(kw_fleet *f, kw_fleet_key *k)
{
	uint32_t last[KW_FLEET_ROLE_COUNT], last_hop = UINT32_MAX;
	for (size_t r = 0; r < KW_FLEET_ROLE_COUNT; r++)
		last[r] = UINT32_MAX;
	uint32_t stamp = ++f->stamp;
	for (size_t i = k->first; i < k->first + k->n; i++) {
		const kw_fleet_place *p = &f->places[i];
		if (last[p->role] != p->host) {
			last[p->role] = p->host;
			k->hosts[p->role]++;
		}
		if (p->role == KW_FLEET_HOST)
			continue;
		if (last_hop != p->host) {
			last_hop = p->host;
			k->hop_hosts++;
		}
		if (p->role != KW_FLEET_AUTHORIZED)
			continue;
		k->root |= p->root;
		if (p->account && f->str_mark[p->account] != stamp) {
			f->str_mark[p->account] = stamp;
			k->names++;
		}
	}
}

/* The count a section ranks its keys by. */
static uint32_t section_count(const kw_fleet_key *k, kw_fleet_section s)
{
	switch (s) {
	case KW_FLEET_PEOPLE: return k->names;
	case KW_FLEET_HOSTKEY: return k->hosts[KW_FLEET_HOST];
	case KW_FLEET_PRIVKEY: return k->hosts[KW_FLEET_PRIVATE];
	case KW_FLEET_HOP: return k->hop_hosts;
	default: return k->hosts[KW_FLEET_AUTHORIZED];
	}
}

static bool in_section(const kw_fleet *f, const kw_fleet_key *k, kw_fleet_section s)
{
	switch (s) {
	case KW_FLEET_WIDESPREAD: return k->hosts[KW_FLEET_AUTHORIZED] > f->opts.hosts;
	case KW_FLEET_ROOT: return k->root;
	case KW_FLEET_PEOPLE: return k->names >= 2;
	case KW_FLEET_HOSTKEY: return k->hosts[KW_FLEET_HOST] >= 2;
	case KW_FLEET_PRIVKEY: return k->hosts[KW_FLEET_PRIVATE] >= 2;
	case KW_FLEET_HOP:
		return k->hosts[KW_FLEET_PRIVATE] && k->hosts[KW_FLEET_AUTHORIZED] && k->hop_hosts >= 2;
	default: return false;
	}
}

typedef struct rank_ctx {
	const kw_fleet *f;
	kw_fleet_section s;
} rank_ctx;

static int rank_cmp(const void *a, const void *b, void *ctx)
{
	const rank_ctx *c = ctx;
	const kw_fleet_key *x = &c->f->keys[*(const size_t *)a], *y = &c->f->keys[*(const size_t *)b];
	uint32_t nx = section_count(x, c->s), ny = section_count(y, c->s);
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(c->f->str[x->fp], c->f->str[y->fp]);
}

static int fill_sections(kw_fleet *f)
{
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++) {
		size_t cap = 0;
		for (size_t k = 0; k < f->n_keys; k++) {
			if (!in_section(f, &f->keys[k], (kw_fleet_section)s))
				continue;
			size_t *slot = KW_VEC_PUSH(f->section[s], f->n_section[s], cap);
			if (!slot)
				return -ENOMEM;
			*slot = k;
		}
		rank_ctx c = { f, (kw_fleet_section)s };
		if (f->n_section[s] > 1)
			qsort_r(f->section[s], f->n_section[s], sizeof *f->section[s], rank_cmp, &c);
	}
	return 0;
}

static int pw_cmp(const void *a, const void *b)
{
	const kw_fleet_pw *x = a, *y = b;
	if (x->fleet_key_id != y->fleet_key_id)
		return x->fleet_key_id < y->fleet_key_id ? -1 : 1;
	int d = memcmp(x->digest, y->digest, sizeof x->digest);
	if (d)
		return d;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->account < y->account ? -1 : x->account > y->account;
}

static bool pw_same(const kw_fleet_pw *x, const kw_fleet_pw *y)
{
	return x->fleet_key_id == y->fleet_key_id && !memcmp(x->digest, y->digest, sizeof x->digest);
}

static int group_cmp(const void *a, const void *b)
{
	const kw_fleet_pwgroup *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int group_passwords(kw_fleet *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_pws; i++)
		if (!f->hosts[f->pws[i].host].superseded)
			f->pws[n++] = f->pws[i];
	f->n_pws = n;
	if (n > 1)
		qsort(f->pws, n, sizeof *f->pws, pw_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		uint32_t hosts = 1;
		for (; j < n && pw_same(&f->pws[i], &f->pws[j]); j++)
			hosts += f->pws[j].host != f->pws[j - 1].host;
		if (j - i >= 2) {
			kw_fleet_pwgroup *g = KW_VEC_PUSH(f->pwgroups, f->n_pwgroups, f->cap_pwgroups);
			if (!g)
				return -ENOMEM;
			*g = (kw_fleet_pwgroup){ .first = i, .n = j - i, .hosts = hosts };
		}
		i = j;
	}
	if (f->n_pwgroups > 1)
		qsort(f->pwgroups, f->n_pwgroups, sizeof *f->pwgroups, group_cmp);
	return 0;
}

/* Totals over the hosts that count, and the distinct fleet keys. */
static int count_hosts(kw_fleet *f)
{
	uint32_t stamp = ++f->stamp;
	size_t cap = 0;
	for (size_t i = 0; i < f->n_hosts; i++) {
		const kw_fleet_host *h = &f->hosts[i];
		if (h->superseded) {
			f->n_superseded++;
			continue;
		}
		f->n_counted++;
		f->n_authorized += h->n_authorized;
		f->n_ignored += h->n_ignored;
		f->n_unread += h->n_unread;
		if (!h->fleet_key_id)
			continue;
		f->n_with_key_id++;
		size_t id = kw_strindex_get(&f->str_ix, h->fleet_key_id);
		if (id == KW_STRINDEX_NONE || f->str_mark[id] == stamp)
			continue;
		f->str_mark[id] = stamp;
		uint32_t *slot = KW_VEC_PUSH(f->fleet_key_ids, f->n_fleet_keys, cap);
		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)id;
	}
	/* hosts per fleet key: fleet_key_id points at the interned string of its id */
	f->fleet_key_hosts = calloc(f->n_fleet_keys ? f->n_fleet_keys : 1, sizeof *f->fleet_key_hosts);
	if (!f->fleet_key_hosts)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_hosts; i++) {
		const kw_fleet_host *h = &f->hosts[i];
		if (h->superseded || !h->fleet_key_id)
			continue;
		size_t id = kw_strindex_get(&f->str_ix, h->fleet_key_id);
		for (size_t k = 0; k < f->n_fleet_keys; k++)
			if (f->fleet_key_ids[k] == id)
				f->fleet_key_hosts[k]++;
	}
	return 0;
}

int kw_fleet_finish(kw_fleet *f)
{
	if (!f || f->finished)
		return -EINVAL;
	f->finished = true;
	int r = group_places(f);
	if (r < 0)
		return r;
	for (size_t k = 0; k < f->n_keys; k++)
		count_key(f, &f->keys[k]);
	if ((r = fill_sections(f)) < 0 || (r = group_passwords(f)) < 0)
		return r;
	return count_hosts(f);
}

size_t kw_fleet_key_names(kw_fleet *f, const kw_fleet_key *k, uint32_t *out, size_t cap)
{
	uint32_t stamp = ++f->stamp;
	size_t n = 0;
	for (size_t i = k->first; i < k->first + k->n; i++) {
		const kw_fleet_place *p = &f->places[i];
		if (p->role != KW_FLEET_AUTHORIZED || !p->account || f->str_mark[p->account] == stamp)
			continue;
		f->str_mark[p->account] = stamp;
		if (n < cap)
			out[n] = p->account;
		n++;
	}
	return n;
}

bool kw_fleet_any_finding(const kw_fleet *f)
{
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++)
		if (f->n_section[s])
			return true;
	return f->n_pwgroups > 0;
}
