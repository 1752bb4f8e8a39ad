/* test_keys_fleet.c — unit tests of the fleet view of `keyward keys merge`
 * (src/keys/fleet.c) and of the password digests the collector makes for it
 * (src/collect/collect.c, kw_account.pw_digest).
 *
 * Inventories are built here as JSON (jansson) the way `keys scan --format json` writes
 * them, then: every report section on a small fleet whose answer is worked out by hand;
 * the --hosts threshold; root through uid 0 in the "accounts" array; password groups
 * (same digest on two hosts, never across fleet keys, none without digests); a second
 * inventory of one host refused, or the newest kept, or both named by their files; some
 * forty malformed inventories, each refused with a message naming the member, and the
 * fleet left as it was; hostile strings stored escaped; a 200-host fleet counted right.
 * The collector's digests are checked against HMAC-SHA256 values computed independently
 * with Python's hmac module. */
#include "keys/fleet.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "collect/facts.h"
#include "target/target.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- building inventories ---- */

/* A valid-looking SHA256 fingerprint for number n. */
static const char *fp(unsigned n)
{
	static char buf[8][64];
	static unsigned next;
	char *b = buf[next++ % 8];
	snprintf(b, 64, "SHA256:%043u", n);
	return b;
}

static json_t *key(const char *role, const char *account, unsigned fpn, const char *path)
{
	bool lines = !strcmp(role, "authorized") || !strcmp(role, "unread");
	json_t *k = json_pack("{s:s,s:s?,s:s,s:o,s:s,s:s,s:i,s:s}", "role", role, "account", account,
			      "path", path ? path : "/p", "line", lines ? json_integer(1) : json_null(),
			      "type", "ssh-ed25519", "label", "ED25519", "bits", 256, "fingerprint", fp(fpn));
	assert_non_null(k);
	if (lines) {
		json_object_set_new(k, "comment", json_string("c"));
		json_object_set_new(k, "sshd_ignores", json_false());
	}
	return k;
}

static json_t *auth(const char *account, unsigned fpn) { return key("authorized", account, fpn, NULL); }

static json_t *account(const char *name, unsigned uid, const char *digest)
{
	json_t *a = json_pack("{s:s,s:i,s:s?}", "name", name, "uid", uid, "password_digest", digest);
	assert_non_null(a);
	return a;
}

typedef struct inv {
	const char *host, *scanned, *key_id;
	json_t *keys, *accounts; /* taken */
} inv;

static char *inv_text(const inv *v)
{
	json_t *o = json_pack("{s:s,s:i,s:s?,s:s,s:s?}", "format", "keyward-keys-inventory", "version", 1,
			      "host", v->host, "target", "/", "scanned", v->scanned);
	assert_non_null(o);
	json_object_set_new(o, "keys", v->keys ? v->keys : json_array());
	json_object_set_new(o, "sources", json_array());
	if (v->accounts)
		json_object_set_new(o, "accounts", v->accounts);
	if (v->key_id)
		json_object_set_new(o, "fleet_key_id", json_string(v->key_id));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static void add_ok(kw_fleet *f, const char *file, const inv *v)
{
	_cleanup_free_ char *s = inv_text(v);
	char err[512];
	int r = kw_fleet_add_buf(f, file, s, strlen(s), err, sizeof err);
	if (r != 0)
		fail_msg("%s refused: %s", file, err);
}

/* Index of the key with fingerprint number n, or -1. */
static long key_index(const kw_fleet *f, unsigned n)
{
	const char *want = fp(n);
	for (size_t k = 0; k < f->n_keys; k++)
		if (!strcmp(f->str[f->keys[k].fp], want))
			return (long)k;
	return -1;
}

static bool section_has(const kw_fleet *f, kw_fleet_section s, unsigned n)
{
	long k = key_index(f, n);
	for (size_t i = 0; i < f->n_section[s]; i++)
		if ((long)f->section[s][i] == k)
			return true;
	return false;
}

/* ---- aggregation ---- */

/* Three hosts:
 *   web-1: root <- 1 (admin), alice <- 2, deploy <- 3, toor (uid 0) <- 4, host key 10,
 *          private key 2 (alice's), an ignored line, an unread key
 *   web-2: root <- 1, bob <- 2, deploy <- 3, host key 10, private key 5
 *   db-1:  deploy <- 3, carol <- 6, host key 11, private key 5 */
static void small_fleet(kw_fleet *f, unsigned threshold)
{
	kw_fleet_init(f, &(kw_fleet_opts){ .hosts = threshold });
	json_t *k1 = json_pack("[o,o,o,o,o,o,o]", auth("root", 1), auth("alice", 2), auth("deploy", 3),
			       auth("toor", 4), key("host", NULL, 10, "/etc/ssh/ssh_host_ed25519_key"),
			       key("private", "alice", 2, "/home/alice/.ssh/id_ed25519"),
			       key("unread", "alice", 7, "/home/alice/.ssh/authorized_keys2"));
	json_t *ign = auth("alice", 8);
	json_object_set_new(ign, "sshd_ignores", json_true());
	json_array_append_new(k1, ign);
	add_ok(f, "web-1.json", &(inv){ .host = "web-1", .keys = k1,
		.accounts = json_pack("[o,o,o]", account("root", 0, NULL), account("alice", 1000, NULL),
				      account("toor", 0, NULL)) });
	add_ok(f, "web-2.json", &(inv){ .host = "web-2",
		.keys = json_pack("[o,o,o,o,o]", auth("root", 1), auth("bob", 2), auth("deploy", 3),
				  key("host", NULL, 10, NULL), key("private", "bob", 5, NULL)) });
	add_ok(f, "db-1.json", &(inv){ .host = "db-1",
		.keys = json_pack("[o,o,o,o]", auth("deploy", 3), auth("carol", 6),
				  key("host", NULL, 11, NULL), key("private", "carol", 5, NULL)) });
	assert_int_equal(kw_fleet_finish(f), 0);
}

static void test_sections(void **state)
{
	(void)state;
	kw_fleet f;
	small_fleet(&f, 1);
	assert_int_equal(f.n_counted, 3);
	assert_int_equal(f.n_authorized, 4 + 3 + 2);
	assert_int_equal(f.n_ignored, 1);
	assert_int_equal(f.n_unread, 1);
	assert_int_equal(f.hosts[0].n_accounts, 3);
	assert_true(f.hosts[0].has_accounts);
	assert_false(f.hosts[1].has_accounts);

	/* on more than one host: 1 (2 hosts), 2 (2), 3 (3); 3 first */
	assert_int_equal(f.n_section[KW_FLEET_WIDESPREAD], 3);
	assert_int_equal(f.section[KW_FLEET_WIDESPREAD][0], key_index(&f, 3));
	assert_true(section_has(&f, KW_FLEET_WIDESPREAD, 1) && section_has(&f, KW_FLEET_WIDESPREAD, 2));
	/* root: 1 by name, 4 through toor's uid 0 */
	assert_int_equal(f.n_section[KW_FLEET_ROOT], 2);
	assert_true(section_has(&f, KW_FLEET_ROOT, 1) && section_has(&f, KW_FLEET_ROOT, 4));
	/* different names: 2 (alice, bob); not 3 (deploy everywhere) nor 1 (root twice) */
	assert_int_equal(f.n_section[KW_FLEET_PEOPLE], 1);
	assert_true(section_has(&f, KW_FLEET_PEOPLE, 2));
	kw_fleet_key *k2 = &f.keys[key_index(&f, 2)];
	uint32_t names[4];
	assert_int_equal(kw_fleet_key_names(&f, k2, names, 4), 2);
	assert_string_equal(f.str[names[0]], "alice");
	assert_string_equal(f.str[names[1]], "bob");
	/* host key 10 on web-1 and web-2; 11 alone */
	assert_int_equal(f.n_section[KW_FLEET_HOSTKEY], 1);
	assert_true(section_has(&f, KW_FLEET_HOSTKEY, 10));
	/* private key 5 on web-2 and db-1 */
	assert_int_equal(f.n_section[KW_FLEET_PRIVKEY], 1);
	assert_true(section_has(&f, KW_FLEET_PRIVKEY, 5));
	/* alice's private key 2 on web-1 opens bob on web-2; 5 opens nothing */
	assert_int_equal(f.n_section[KW_FLEET_HOP], 1);
	assert_true(section_has(&f, KW_FLEET_HOP, 2));
	/* ignored and unread keys open nothing and are not aggregated */
	assert_int_equal(key_index(&f, 7), -1);
	assert_int_equal(key_index(&f, 8), -1);
	/* places of a key in host order, with their host, account and root mark */
	kw_fleet_key *k1 = &f.keys[key_index(&f, 1)];
	assert_int_equal(k1->n, 2);
	assert_string_equal(f.hosts[f.places[k1->first].host].name, "web-1");
	assert_string_equal(f.hosts[f.places[k1->first + 1].host].name, "web-2");
	assert_true(f.places[k1->first].root);
	assert_string_equal(f.str[k1->label], "ED25519");
	assert_int_equal(k1->bits, 256);
	assert_true(kw_fleet_any_finding(&f));
	assert_int_equal(f.n_with_key_id, 0);
	assert_int_equal(f.n_pwgroups, 0);
	kw_fleet_release(&f);
}

static void test_threshold(void **state)
{
	(void)state;
	kw_fleet f;
	small_fleet(&f, 2);
	assert_int_equal(f.n_section[KW_FLEET_WIDESPREAD], 1); /* only 3, on three hosts */
	assert_true(section_has(&f, KW_FLEET_WIDESPREAD, 3));
	kw_fleet_release(&f);
	small_fleet(&f, 0);
	assert_int_equal(f.n_section[KW_FLEET_WIDESPREAD], 5); /* every authorized key: 1, 2, 3, 4, 6 */
	kw_fleet_release(&f);
}

static void test_nothing_found(void **state)
{
	(void)state;
	kw_fleet f;
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	add_ok(&f, "a.json", &(inv){ .host = "a", .keys = json_pack("[o]", auth("alice", 1)) });
	add_ok(&f, "b.json", &(inv){ .host = "b", .keys = json_pack("[o]", auth("bob", 2)) });
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_false(kw_fleet_any_finding(&f));
	assert_int_equal(f.n_keys, 2);
	kw_fleet_release(&f);
}

/* ---- passwords ---- */

#define D1 "8febb32bfc752653cadb68c1f9bf421437cd7ab9eb49c7c760a4c13d03b0e5b4"
#define D2 "395c8a0ed95d8670e07258e31be2c610b253ecef296b33d8238fef7473e6e537"
#define D3 "bc3308b835d3fbb89e18ab26d1dcab092cc425e0a20b940927850ec14f7c8735"
#define KID "d1e70ca6d6479ed5"
#define KID2 "0123456789abcdef"

static void test_passwords(void **state)
{
	(void)state;
	kw_fleet f;
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	add_ok(&f, "a.json", &(inv){ .host = "a", .key_id = KID,
		.accounts = json_pack("[o,o,o]", account("root", 0, D1), account("alice", 1000, D2),
				      account("svc", 998, NULL)) });
	add_ok(&f, "b.json", &(inv){ .host = "b", .key_id = KID,
		.accounts = json_pack("[o,o,o]", account("root", 0, D1), account("bob", 1000, D3),
				      account("carol", 1001, D3)) });
	/* the same digest under another fleet key: not the same password, never compared */
	add_ok(&f, "c.json", &(inv){ .host = "c", .key_id = KID2,
		.accounts = json_pack("[o]", account("root", 0, D1)) });
	add_ok(&f, "d.json", &(inv){ .host = "d", .accounts = json_pack("[o]", account("root", 0, NULL)) });
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_int_equal(f.n_pwgroups, 2);
	/* both groups have two accounts: root on a and b (2 hosts), bob and carol on b */
	const kw_fleet_pwgroup *g = f.pwgroups;
	bool seen_root = false, seen_bc = false;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(g[i].n, 2);
		const kw_fleet_pw *p = &f.pws[g[i].first];
		if (!strcmp(f.str[p[0].account], "root")) {
			seen_root = true;
			assert_int_equal(g[i].hosts, 2);
			assert_string_equal(f.hosts[p[0].host].name, "a");
			assert_string_equal(f.hosts[p[1].host].name, "b");
			assert_string_equal(f.str[p[0].fleet_key_id], KID);
		} else {
			seen_bc = true;
			assert_int_equal(g[i].hosts, 1);
			assert_string_equal(f.str[p[0].account], "bob");
			assert_string_equal(f.str[p[1].account], "carol");
		}
	}
	assert_true(seen_root && seen_bc);
	assert_int_equal(f.n_fleet_keys, 2);
	assert_int_equal(f.n_with_key_id, 3);
	assert_int_equal(f.hosts[0].n_digests, 2);
	assert_true(kw_fleet_any_finding(&f));
	kw_fleet_release(&f);
}

/* ---- one host twice ---- */

static void test_duplicate_hosts(void **state)
{
	(void)state;
	kw_fleet f;
	char err[512];
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	add_ok(&f, "old.json", &(inv){ .host = "web", .scanned = "2026-01-01T00:00:00Z",
		.keys = json_pack("[o]", auth("root", 1)) });
	_cleanup_free_ char *s = inv_text(&(inv){ .host = "web", .scanned = "2026-02-01T00:00:00Z",
		.keys = json_pack("[o]", auth("root", 2)) });
	assert_int_equal(kw_fleet_add_buf(&f, "new.json", s, strlen(s), err, sizeof err), KW_E_USAGE);
	assert_non_null(strstr(err, "new.json: host web is already the host of old.json"));
	assert_int_equal(f.n_hosts, 1);
	assert_int_equal(f.n_places, 1);
	kw_fleet_release(&f);

	/* --newest: the newest scan counts, wherever it comes in the order */
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 0, .newest = true });
	add_ok(&f, "mid.json", &(inv){ .host = "web", .scanned = "2026-02-01T00:00:00Z",
		.keys = json_pack("[o]", auth("root", 2)) });
	add_ok(&f, "old.json", &(inv){ .host = "web", .scanned = "2026-01-01T00:00:00Z",
		.keys = json_pack("[o]", auth("root", 1)) });
	add_ok(&f, "other.json", &(inv){ .host = "db", .keys = json_pack("[o]", auth("root", 2)) });
	add_ok(&f, "new.json", &(inv){ .host = "web", .scanned = "2026-03-01T00:00:00Z",
		.keys = json_pack("[o]", auth("root", 3)) });
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_int_equal(f.n_counted, 2);
	assert_int_equal(f.n_superseded, 2);
	assert_true(f.hosts[0].superseded && f.hosts[1].superseded);
	assert_false(f.hosts[2].superseded || f.hosts[3].superseded);
	/* key 1 and key 2's web place come from superseded inventories */
	assert_int_equal(f.keys[key_index(&f, 1)].n, 0);
	assert_int_equal(f.keys[key_index(&f, 2)].n, 1);
	assert_int_equal(f.keys[key_index(&f, 3)].n, 1);
	assert_int_equal(f.n_section[KW_FLEET_WIDESPREAD], 2); /* 2 on db, 3 on web */
	kw_fleet_release(&f);

	/* clones that kept one hostname, named by their files instead */
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1, .name_by_file = true });
	add_ok(&f, "inv/web-1.json", &(inv){ .host = "clone", .keys = json_pack("[o]", auth("root", 1)) });
	add_ok(&f, "web-2.json", &(inv){ .host = "clone", .keys = json_pack("[o]", auth("root", 1)) });
	add_ok(&f, "dir/.json", &(inv){ .host = "clone" });
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_string_equal(f.hosts[0].name, "web-1");
	assert_string_equal(f.hosts[1].name, "web-2");
	assert_string_equal(f.hosts[2].name, ".json");
	assert_string_equal(f.hosts[0].file, "inv/web-1.json");
	assert_int_equal(f.keys[0].hosts[KW_FLEET_AUTHORIZED], 2);
	kw_fleet_release(&f);
}

/* ---- malformed inventories ---- */

#define HEAD "\"format\":\"keyward-keys-inventory\",\"version\":1"
#define FP "\"SHA256:0000000000000000000000000000000000000000001\""
#define AK(extra) "{" HEAD ",\"keys\":[{\"role\":\"authorized\",\"account\":\"a\",\"fingerprint\":" FP \
	",\"sshd_ignores\":false" extra "}]}"

static const struct bad_case {
	const char *json;
	const char *msg;
} bad_cases[] = {
	{ "", "not valid JSON" },
	{ "{" HEAD ",\"keys\":[]} trailing", "not valid JSON" },
	{ "{" HEAD ",\"keys\":[],\"keys\":[]}", "duplicate object key" },
	{ "[]", "not a JSON object" },
	{ "{\"version\":1,\"keys\":[]}", "format: missing" },
	{ "{\"format\":\"keyward-keys-fleet\",\"version\":1,\"keys\":[]}", "format: not \"keyward-keys-inventory\"" },
	{ "{\"format\":7,\"version\":1,\"keys\":[]}", "format: a string is needed" },
	{ "{\"format\":\"keyward-keys-inventory\",\"version\":2,\"keys\":[]}", "version: 2 is not supported" },
	{ "{\"format\":\"keyward-keys-inventory\",\"version\":\"1\",\"keys\":[]}", "version: an integer is needed" },
	{ "{" HEAD "}", "keys: missing" },
	{ "{" HEAD ",\"keys\":{}}", "keys: an array is needed" },
	{ "{" HEAD ",\"host\":5,\"keys\":[]}", "host: a string or null is needed" },
	{ "{" HEAD ",\"scanned\":\"yesterday\",\"keys\":[]}", "scanned: not a time" },
	{ "{" HEAD ",\"fleet_key_id\":\"D1E70CA6D6479ED5\",\"keys\":[]}", "fleet_key_id: not 16 lowercase" },
	{ "{" HEAD ",\"keys\":[7]}", "keys[0]: an object is needed" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"guest\"}]}", "keys[0].role: not one of" },
	{ "{" HEAD ",\"keys\":[{\"account\":\"a\"}]}", "keys[0].role: missing" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"host\",\"account\":null}]}", "keys[0].fingerprint: missing" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"host\",\"account\":null,\"fingerprint\":1}]}",
	  "keys[0].fingerprint: a string or null is needed" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"host\",\"account\":null,\"fingerprint\":\"MD5:aa\"}]}",
	  "keys[0].fingerprint: not a SHA256 fingerprint" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"host\",\"fingerprint\":null}]}", "keys[0].account: missing" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"authorized\",\"account\":\"a\",\"fingerprint\":" FP "}]}",
	  "keys[0].sshd_ignores: missing" },
	{ AK(",\"sshd_ignores\":0"), "duplicate object key" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"unread\",\"account\":\"a\",\"fingerprint\":" FP ",\"sshd_ignores\":\"no\"}]}",
	  "keys[0].sshd_ignores: true or false is needed" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"authorized\",\"account\":null,\"fingerprint\":" FP ",\"sshd_ignores\":false}]}",
	  "keys[0].account: an authorized_keys line without its account" },
	{ "{" HEAD ",\"keys\":[{\"role\":\"authorized\",\"account\":\"a\",\"fingerprint\":null,\"sshd_ignores\":false}]}",
	  "keys[0].fingerprint: an authorized key without its fingerprint" },
	{ AK(",\"line\":0"), "keys[0].line: out of range" },
	{ AK(",\"line\":1.5"), "keys[0].line: an integer or null is needed" },
	{ AK(",\"line\":4294967296"), "keys[0].line: out of range" },
	{ AK(",\"bits\":-1"), "keys[0].bits: out of range" },
	{ AK(",\"path\":[]"), "keys[0].path: a string or null is needed" },
	{ AK(",\"label\":{}"), "keys[0].label: a string or null is needed" },
	{ AK(",\"comment\":true"), "keys[0].comment: a string or null is needed" },
	{ AK(",\"comment\":\"a\\u0000b\""), "not valid JSON" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":\"x\"}", "accounts: an array or null is needed" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[1]}", "accounts[0]: an object is needed" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[{\"uid\":0}]}", "accounts[0].name: missing" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[{\"name\":\"r\",\"uid\":-1}]}", "accounts[0].uid: out of range" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[{\"name\":\"r\",\"uid\":4294967296}]}", "accounts[0].uid: out of range" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[{\"name\":\"r\",\"uid\":null}]}", "accounts[0].uid: an integer is needed" },
	{ "{" HEAD ",\"keys\":[],\"fleet_key_id\":\"" KID "\",\"accounts\":[{\"name\":\"r\",\"uid\":0,"
	  "\"password_digest\":\"" "8FEBB32BFC752653CADB68C1F9BF421437CD7AB9EB49C7C760A4C13D03B0E5B4" "\"}]}",
	  "accounts[0].password_digest: not 64 lowercase" },
	{ "{" HEAD ",\"keys\":[],\"accounts\":[{\"name\":\"r\",\"uid\":0,\"password_digest\":\"" D1 "\"}]}",
	  "accounts[0].password_digest: a digest, but no fleet_key_id" },
};

static void test_malformed(void **state)
{
	(void)state;
	kw_fleet f;
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	add_ok(&f, "good.json", &(inv){ .host = "good", .keys = json_pack("[o]", auth("root", 1)) });
	for (size_t i = 0; i < KW_ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[512];
		int r = kw_fleet_add_buf(&f, "bad.json", c->json, strlen(c->json), err, sizeof err);
		if (r >= 0)
			fail_msg("case %zu accepted: %s", i, c->json);
		if (strncmp(err, "bad.json: ", 10) != 0 || !strstr(err, c->msg))
			fail_msg("case %zu: message \"%s\", wanted \"%s\"", i, err, c->msg);
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				fail_msg("case %zu: raw control character in the message", i);
	}
	/* nothing of the refused ones was kept */
	assert_int_equal(f.n_hosts, 1);
	assert_int_equal(f.n_places, 1);
	assert_int_equal(f.n_keys, 1);
	kw_fleet_release(&f);
}

/* A refused inventory after some good keys: its keys and places go, a later inventory with
 * the same keys starts clean. */
static void test_refused_leaves_nothing(void **state)
{
	(void)state;
	kw_fleet f;
	char err[512];
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	add_ok(&f, "a.json", &(inv){ .host = "a", .keys = json_pack("[o]", auth("root", 1)) });
	json_t *keys = json_pack("[o,o,o,o]", auth("root", 1), auth("x", 2), key("host", NULL, 3, NULL),
				 json_string("not a key"));
	_cleanup_free_ char *s = inv_text(&(inv){ .host = "b", .key_id = KID,
		.accounts = json_pack("[o]", account("r", 0, D1)), .keys = keys });
	assert_int_equal(kw_fleet_add_buf(&f, "b.json", s, strlen(s), err, sizeof err), KW_E_PARSE);
	assert_non_null(strstr(err, "b.json: keys[3]: an object is needed"));
	assert_int_equal(f.n_hosts, 1);
	assert_int_equal(f.n_keys, 1);
	assert_int_equal(f.n_places, 1);
	assert_int_equal(f.n_pws, 0);
	/* host b was not registered: the same host name is welcome again */
	add_ok(&f, "b2.json", &(inv){ .host = "b", .keys = json_pack("[o,o]", auth("root", 1), auth("y", 2)) });
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_int_equal(f.n_keys, 2);
	assert_int_equal(f.keys[key_index(&f, 2)].n, 1);
	assert_int_equal(f.keys[key_index(&f, 1)].hosts[KW_FLEET_AUTHORIZED], 2);
	kw_fleet_release(&f);
}

static void test_too_big(void **state)
{
	(void)state;
	kw_fleet f;
	char err[512];
	kw_fleet_init(&f, NULL);
	char *big = calloc(KW_FLEET_MAX_FILE + 1, 1); /* pages never touched */
	assert_non_null(big);
	assert_int_equal(kw_fleet_add_buf(&f, "huge.json", big, KW_FLEET_MAX_FILE + 1, err, sizeof err),
			 KW_E_TOOBIG);
	assert_non_null(strstr(err, "huge.json: larger than 64 MiB"));
	free(big);
	/* from a file: not a regular file, missing */
	assert_true(kw_fleet_add_file(&f, "/dev/null", err, sizeof err) < 0);
	assert_non_null(strstr(err, "/dev/null: cannot read"));
	assert_true(kw_fleet_add_file(&f, "/nonexistent/x.json", err, sizeof err) == -ENOENT);
	assert_int_equal(f.n_hosts, 0);
	kw_fleet_release(&f);
}

/* ---- hostile strings ---- */

static void test_hostile_strings(void **state)
{
	(void)state;
	kw_fleet f;
	char err[512];
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	/* raw ESC, BEL, a newline, a right-to-left override, a backslash, in every place a
	 * string can come from */
	const char *evil = "ev\x1b]0;pwned\x07il\n\xe2\x80\xae\\";
	json_t *k = key("authorized", evil, 1, evil);
	json_object_set_new(k, "comment", json_string(evil));
	json_object_set_new(k, "label", json_string(evil));
	add_ok(&f, "a.json", &(inv){ .host = evil, .keys = json_pack("[o]", k) });
	add_ok(&f, "b.json", &(inv){ .host = "b", .keys = json_pack("[o]", auth("root", 1)) });
	assert_int_equal(kw_fleet_finish(&f), 0);
	const char *want = "ev\\x1b]0;pwned\\x07il\\n\\u{202e}\\\\";
	assert_string_equal(f.hosts[0].name, want);
	const kw_fleet_key *kk = &f.keys[key_index(&f, 1)];
	assert_string_equal(f.str[kk->comment], want);
	assert_string_equal(f.str[kk->label], want);
	assert_string_equal(f.str[f.places[kk->first].account], want);
	assert_string_equal(f.str[f.places[kk->first].path], want);
	for (size_t i = 1; i < f.n_str; i++)
		for (const unsigned char *p = (const unsigned char *)f.str[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				fail_msg("string %zu holds a raw control character", i);
	/* the file name in a message is escaped too */
	assert_true(kw_fleet_add_buf(&f, "x\x1b.json", "[", 1, err, sizeof err) < 0);
	kw_fleet_release(&f);
	kw_fleet_init(&f, NULL);
	assert_true(kw_fleet_add_buf(&f, "x\x1b.json", "[", 1, err, sizeof err) < 0);
	assert_non_null(strstr(err, "x\\x1b.json: not valid JSON"));
	kw_fleet_release(&f);
}

/* ---- a bigger fleet, counted ---- */

static void test_many_hosts(void **state)
{
	(void)state;
	enum { HOSTS = 200, KEYS = 50 };
	kw_fleet f;
	kw_fleet_init(&f, &(kw_fleet_opts){ .hosts = 1 });
	for (unsigned h = 0; h < HOSTS; h++) {
		json_t *keys = json_array();
		/* key 1 everywhere as root; key 2 on even hosts as "ops"; the rest per host */
		json_array_append_new(keys, auth("root", 1));
		if (h % 2 == 0)
			json_array_append_new(keys, auth("ops", 2));
		for (unsigned k = 0; k < KEYS; k++)
			json_array_append_new(keys, auth("user", 1000 + h * KEYS + k));
		char name[32];
		snprintf(name, sizeof name, "h%u", h);
		add_ok(&f, name, &(inv){ .host = name, .keys = keys });
	}
	assert_int_equal(kw_fleet_finish(&f), 0);
	assert_int_equal(f.n_keys, 2 + HOSTS * KEYS);
	assert_int_equal(f.n_section[KW_FLEET_WIDESPREAD], 2);
	assert_int_equal(f.section[KW_FLEET_WIDESPREAD][0], key_index(&f, 1));
	assert_int_equal(f.keys[key_index(&f, 1)].hosts[KW_FLEET_AUTHORIZED], HOSTS);
	assert_int_equal(f.keys[key_index(&f, 2)].hosts[KW_FLEET_AUTHORIZED], HOSTS / 2);
	assert_int_equal(f.n_section[KW_FLEET_ROOT], 1);
	assert_int_equal(f.n_section[KW_FLEET_PEOPLE], 0);
	kw_fleet_release(&f);
}

/* ---- the collector's password digests ---- */

/* HMAC-SHA256 under "keyward fleet key for unit tests" of three crypt strings, computed
 * with Python: hmac.new(key, hash.encode(), hashlib.sha256).hexdigest() -> D1, D2, D3. */
#define H1 "$6$fleetsalt1$yYSNawfyzDHkNg1Lo30QJZZb56/uJ1dcbtg.oExYSJgZ3WALIEXNa/6q1K50rgY1AB9N3A4lo8Zu1nYY.iUPm1"
#define H2 "$6$fleetsalt2$yVS6ETUKroyy61fe1wzU1tDuD5PkjC9CZGnwO/LlGM04GYZRJl8zkEcRUyrkz88TlH5SE7Qytl6O2CI.opo9I."
#define H3 "$5$s3$NAdcfzQ9DPfAv.vMfvI4KOKWJK4cTWCKz3UC1Bwow/1"

static void write_text(const char *dir, const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *fp = fopen(p, "w");
	if (!fp)
		fail_msg("cannot write %s", p);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void hex(const uint8_t *d, char out[65])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const kw_account *find_account(const kw_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_accounts; i++)
		if (!strcmp(f->accounts[i].name, name))
			return &f->accounts[i];
	fail_msg("no account %s", name);
	return NULL;
}

static void expect_digest(const kw_facts *f, const char *name, const char *want)
{
	const kw_account *a = find_account(f, name);
	if (!want) {
		if (a->has_pw_digest)
			fail_msg("%s has a digest", name);
		for (size_t i = 0; i < sizeof a->pw_digest; i++)
			assert_int_equal(a->pw_digest[i], 0);
		return;
	}
	if (!a->has_pw_digest)
		fail_msg("%s has no digest", name);
	char h[65];
	hex(a->pw_digest, h);
	assert_string_equal(h, want);
}

static void test_collector_digests(void **state)
{
	(void)state;
	char dir[64];
	assert_int_equal(kwt_mkdtemp(dir, sizeof dir, "kw-fleet-"), 0);
	char etc[128];
	snprintf(etc, sizeof etc, "%s/etc", dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_text(dir, "etc/passwd",
		   "root:x:0:0:root:/root:/bin/bash\n"
		   "# a comment, then a blank line\n"
		   "\n"
		   "alice:x:1000:1000::/home/alice:/bin/bash\n"
		   "bob:x:1001:1001::/home/bob:/bin/bash\n"
		   "carol:x:1002:1002::/home/carol:/bin/bash\n"
		   "dave:x:1003:1003::/home/dave:/bin/bash\n"
		   "  erin:" H3 ":1004:1004::/home/erin:/bin/sh\r\n"
		   "frank:x:1005:1005::/home/frank:/bin/bash\n"
		   "nosh:x:1006:1006::/:/bin/sh\n"
		   "gina:x:1007:1007::/home/gina:/bin/bash\n");
	write_text(dir, "etc/shadow",
		   "carol:" H2 ":19000:0:99999:7:::\n"
		   "root:" H1 ":19000:0:99999:7:::\n"
		   "alice:!" H1 ":19000:0:99999:7:::\n"
		   "bob:!!" H2 ":19000:0:99999:7:::\n"
		   "dave:*:19000:0:99999:7:::\n"
		   "frank::19000:0:99999:7:::\n"
		   "gina:!:19000:0:99999:7:::\n");
	static const uint8_t fleet_key[] = "keyward fleet key for unit tests";
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(dir, &t), 0);
	kw_collect_opts co = { .keys_only = true, .fleet_key = fleet_key, .fleet_key_len = 32 };
	kw_facts f = { 0 };
	assert_int_equal(kw_collect(t, &co, &f), 0);
	expect_digest(&f, "root", D1);   /* shadow hash */
	expect_digest(&f, "alice", D1);  /* locked copy of root's hash: '!' not digested */
	expect_digest(&f, "bob", D2);    /* "!!" too */
	expect_digest(&f, "carol", D2);  /* first line of shadow */
	expect_digest(&f, "dave", NULL); /* '*': no password */
	expect_digest(&f, "erin", D3);   /* not shadowed: passwd's field, blanks and \r as parsed */
	expect_digest(&f, "frank", NULL); /* empty */
	expect_digest(&f, "nosh", NULL); /* "x" and no shadow line */
	expect_digest(&f, "gina", NULL); /* "!" alone */
	kw_facts_release(&f);

	/* no fleet key: no digest anywhere */
	co.fleet_key = NULL;
	co.fleet_key_len = 0;
	memset(&f, 0, sizeof f);
	assert_int_equal(kw_collect(t, &co, &f), 0);
	for (size_t i = 0; i < f.n_accounts; i++)
		assert_false(f.accounts[i].has_pw_digest);
	kw_facts_release(&f);

	/* another key: other digests (the key matters) */
	static const uint8_t other[] = "another fleet key, 32 bytes long";
	co.fleet_key = other;
	co.fleet_key_len = 32;
	memset(&f, 0, sizeof f);
	assert_int_equal(kw_collect(t, &co, &f), 0);
	const kw_account *r = find_account(&f, "root");
	char h[65];
	hex(r->pw_digest, h);
	assert_true(r->has_pw_digest);
	assert_string_not_equal(h, D1);
	kw_facts_release(&f);
	kw_target_free(t);
	kwt_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_nothing_found),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_duplicate_hosts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refused_leaves_nothing),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_many_hosts),
		cmocka_unit_test(test_collector_digests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
