/* test_keys_store.c — unit tests of the key snapshot store and the diff (src/keys/store.c):
 * real SQLite files in a private temp folder. Round trips compared field by field (hostile
 * bytes, quotes, invalid UTF-8, long comments; an inventory copied by
 * kw_keysnap_from_inventory), rows edited behind keyward's back (an embedded NUL, a bad
 * fingerprint, a changed comment caught by the digest, a missing row), schema versions and
 * foreign files refused without being changed, links and special files refused, every diff
 * case (add, remove, options, line move, file move, second account, duplicates, sshd
 * ignoring a line, encryption, sources), the snapshot names (--since / --to) and
 * concurrent snapshots from two processes. */
#include "keys/store.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 ((int64_t)1795262400) /* 2026-11-21T12:00:00Z */

typedef struct fixture {
	char dir[64];
	char db[128];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(kwt_mkdtemp(f->dir, sizeof f->dir, "kw-store-"), 0);
	snprintf(f->db, sizeof f->db, "%s/state/keys.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

/* ---- building snapshots by hand ---- */

/* A well-formed fingerprint for key number n: "SHA256:" + 43 base64 characters. */
static void fp_of(unsigned n, char out[KW_FP_LEN])
{
	snprintf(out, KW_FP_LEN, "SHA256:%s%037u", "keyAB/", n);
}

static void snap_init(kw_keysnap *s, const char *target, int64_t taken)
{
	memset(s, 0, sizeof *s);
	s->target = strdup(target);
	s->target_desc = strdup(target);
	s->host = strdup("builder");
	s->taken = taken;
	s->complete = true;
	assert_non_null(s->target);
}

static char *dupn(const char *s) { return s ? strdup(s) : NULL; }

/* An authorized (or unread) key: fingerprint number fpn, for account in path:line. */
static kw_keyrec *add_key(kw_keysnap *s, enum kw_keyrole role, const char *account, const char *path,
			  unsigned line, unsigned fpn, const char *options, const char *comment)
{
	kw_keyrec *k = KW_VEC_PUSH(s->keys, s->n_keys, s->cap_keys);
	assert_non_null(k);
	k->role = role;
	k->account = dupn(account);
	k->path = strdup(path);
	k->line = line;
	k->has_pub = true;
	strcpy(k->type, "ssh-ed25519");
	strcpy(k->label, "ED25519");
	k->bits = 256;
	fp_of(fpn, k->fp);
	snprintf(k->fp_md5, sizeof k->fp_md5, "MD5:%02x:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee",
		 fpn & 0xff);
	k->options = dupn(options);
	k->comment = dupn(comment);
	k->encrypted = -1;
	if (role == KW_KEY_AUTHORIZED)
		s->n_authorized++;
	s->n_keys_total = s->n_keys;
	return k;
}

static kw_keyrec *add_priv(kw_keysnap *s, const char *account, const char *path, int fpn,
			   const char *format, int encrypted)
{
	kw_keyrec *k = KW_VEC_PUSH(s->keys, s->n_keys, s->cap_keys);
	assert_non_null(k);
	k->role = account ? KW_KEY_PRIVATE : KW_KEY_HOST;
	k->account = dupn(account);
	k->path = strdup(path);
	if (fpn >= 0) {
		k->has_pub = true;
		strcpy(k->type, "ssh-rsa");
		strcpy(k->label, "RSA");
		k->bits = 3072;
		fp_of((unsigned)fpn, k->fp);
	}
	k->format = dupn(format);
	k->encrypted = encrypted;
	s->n_keys_total = s->n_keys;
	return k;
}

static void add_source(kw_keysnap *s, const char *kw, const char *value, const char *account)
{
	kw_keysrc *src = KW_VEC_PUSH(s->sources, s->n_sources, s->cap_sources);
	assert_non_null(src);
	src->keyword = strdup(kw);
	src->value = strdup(value);
	src->account = dupn(account);
}

static kw_keystore *open_db(const char *path)
{
	kw_keystore *s = NULL;
	char err[256] = "";
	int r = kw_keystore_open(path, KW_KEYSTORE_CREATE, &s, err, sizeof err);
	if (r < 0)
		fail_msg("open %s: %s (%s)", path, kw_strerror(r), err);
	return s;
}

static int64_t save(kw_keystore *s, kw_keysnap *snap)
{
	char err[256] = "";
	int r = kw_keystore_save(s, snap, NULL, NULL, err, sizeof err);
	if (r < 0)
		fail_msg("save: %s (%s)", kw_strerror(r), err);
	assert_true(snap->id > 0);
	return snap->id;
}

static void assert_str_eq_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void assert_rec_equal(const kw_keyrec *a, const kw_keyrec *b)
{
	assert_int_equal(a->role, b->role);
	assert_str_eq_null(a->account, b->account);
	assert_string_equal(a->path, b->path);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->has_pub, b->has_pub);
	assert_string_equal(a->type, b->type);
	assert_string_equal(a->label, b->label);
	assert_int_equal(a->bits, b->bits);
	assert_string_equal(a->fp, b->fp);
	assert_string_equal(a->fp_md5, b->fp_md5);
	assert_str_eq_null(a->comment, b->comment);
	assert_str_eq_null(a->options, b->options);
	assert_int_equal(a->sshd_ignores, b->sshd_ignores);
	assert_str_eq_null(a->format, b->format);
	assert_int_equal(a->encrypted, b->encrypted);
}

static void assert_snap_equal(const kw_keysnap *a, const kw_keysnap *b)
{
	assert_int_equal(a->taken, b->taken);
	assert_str_eq_null(a->host, b->host);
	assert_string_equal(a->target, b->target);
	assert_string_equal(a->target_desc, b->target_desc);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->n_authorized, b->n_authorized);
	assert_int_equal(a->n_accounts, b->n_accounts);
	assert_int_equal(a->n_unread, b->n_unread);
	assert_int_equal(a->n_ignored, b->n_ignored);
	assert_int_equal(a->n_host, b->n_host);
	assert_int_equal(a->n_private, b->n_private);
	assert_int_equal(a->n_keys, b->n_keys);
	for (size_t i = 0; i < a->n_keys; i++)
		assert_rec_equal(&a->keys[i], &b->keys[i]);
	assert_int_equal(a->n_sources, b->n_sources);
	for (size_t i = 0; i < a->n_sources; i++) {
		assert_string_equal(a->sources[i].keyword, b->sources[i].keyword);
		assert_string_equal(a->sources[i].value, b->sources[i].value);
		assert_str_eq_null(a->sources[i].account, b->sources[i].account);
	}
	assert_string_equal(a->digest, b->digest);
}

/* Every byte but NUL, twice, then quotes, backslashes and a broken UTF-8 sequence. */
static char *hostile_text(void)
{
	char *t = malloc(600);
	assert_non_null(t);
	size_t n = 0;
	for (int round = 0; round < 2; round++)
		for (int c = 1; c < 256; c++)
			t[n++] = (char)c;
	const char tail[] = "\"'\\\"\\\\ \xe2\x80\xae rtl \xc3\x28 \xed\xa0\x80 ';DROP TABLE keys;--";
	memcpy(t + n, tail, sizeof tail);
	return t;
}

/* ---- round trips ---- */

static void test_round_trip(void **state)
{
	fixture *f = *state;
	kw_keysnap a;
	snap_init(&a, "/mnt/img", T0);
	free(a.host);
	a.host = NULL;
	_cleanup_free_ char *evil = hostile_text();
	add_key(&a, KW_KEY_AUTHORIZED, "root", "/root/.ssh/authorized_keys", 1, 1,
		"from=\"10.0.0.0/8\",command=\"echo \\\"hi\\\"\"", "root@builder");
	add_key(&a, KW_KEY_AUTHORIZED, evil, evil, 4294967295u, 2, evil, evil);
	add_key(&a, KW_KEY_UNREAD, "bob", "/home/bob/.ssh/authorized_keys2", 3, 3, NULL, "")->sshd_ignores = true;
	char big[16384];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	add_key(&a, KW_KEY_AUTHORIZED, "carol", "/srv/carol/keys", 7, 4, big, big);
	add_priv(&a, NULL, "/etc/ssh/ssh_host_rsa_key", 5, "OpenSSH", 0);
	add_priv(&a, NULL, "/etc/ssh/ssh_host_gone_key", -1, NULL, -1);
	add_priv(&a, "alice", "/home/alice/.ssh/id_rsa", 6, "PEM RSA", 1);
	add_source(&a, "AuthorizedKeysCommand", "/usr/bin/fetch %u", NULL);
	add_source(&a, "TrustedUserCAKeys", evil, "dave");
	a.n_accounts = 3;
	a.n_unread = 1;
	a.n_ignored = 1;
	a.n_host = 2;
	a.n_private = 1;
	a.complete = false;

	kw_keystore *s = open_db(f->db);
	int64_t id = save(s, &a);
	assert_int_equal(strlen(a.digest), KW_KEYSNAP_DIGEST_HEX);
	kw_keysnap b;
	char err[256] = "";
	assert_int_equal(kw_keystore_load(s, id, &b, err, sizeof err), 0);
	assert_int_equal(b.id, id);
	assert_snap_equal(&a, &b);
	/* the hostile strings came back byte for byte */
	assert_memory_equal(b.keys[1].comment, evil, strlen(evil) + 1);
	assert_memory_equal(b.sources[1].value, evil, strlen(evil) + 1);

	/* a diff of a snapshot with its own copy is empty */
	kw_keydiff d;
	assert_int_equal(kw_keydiff_compute(&a, &b, &d), 0);
	assert_true(kw_keydiff_empty(&d));
	kw_keydiff_release(&d);

	/* the file and its folder are private */
	struct stat st;
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char dir[160];
	snprintf(dir, sizeof dir, "%s/state", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	kw_keysnap_release(&b);
	assert_int_equal(kw_keystore_load(s, id + 1, &b, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "no snapshot"));
	kw_keystore_close(s);
	kw_keysnap_release(&a);
}

/* An inventory as kw_inventory_build makes it (views into facts) copied by
 * kw_keysnap_from_inventory, stored and loaded: every field survives. */
static void test_from_inventory(void **state)
{
	fixture *f = *state;
	kw_pubkey pk[2];
	memset(pk, 0, sizeof pk);
	strcpy(pk[0].type, "ssh-ed25519");
	strcpy(pk[0].label, "ED25519");
	pk[0].bits = 256;
	fp_of(11, pk[0].fp);
	strcpy(pk[1].type, "ecdsa-sha2-nistp384");
	strcpy(pk[1].label, "ECDSA");
	pk[1].bits = 384;
	fp_of(12, pk[1].fp);
	strcpy(pk[1].fp_md5, "MD5:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
	kw_authkey ak = { .line = 2, .comment = "alice \x1b[31m laptop", .options = "restrict,pty" };
	kw_privkey_info priv = { .format = KW_PK_OPENSSH, .encrypted = 1, .has_pub = true, .pub = pk[1] };
	kw_invkey keys[3] = {
		{ .role = KW_KEY_AUTHORIZED, .account = "alice", .path = "/home/alice/.ssh/authorized_keys",
		  .line = 2, .has_pub = true, .pub = &pk[0], .ak = &ak, .same_fp_first = -1 },
		{ .role = KW_KEY_HOST, .path = "/etc/ssh/ssh_host_ecdsa_key", .has_pub = true,
		  .pub = &pk[1], .priv = &priv, .same_fp_first = -1 },
		{ .role = KW_KEY_PRIVATE, .account = "alice", .path = "/home/alice/.ssh/id_x",
		  .same_fp_first = -1 },
	};
	kw_keysource src = { .account = "alice", .keyword = "AuthorizedPrincipalsFile", .value = "/etc/p/%u" };
	kw_inventory inv = { .keys = keys, .n_keys = 3, .sources = &src, .n_sources = 1,
			     .n_authorized = 1, .n_host = 1, .n_private = 1, .n_accounts = 1 };
	kw_keysnap_meta m = { .taken = T0, .host = "h1", .target = "/mnt/x", .target_desc = "folder /mnt/x",
			      .complete = true };
	kw_keysnap a;
	assert_int_equal(kw_keysnap_from_inventory(&inv, &m, &a), 0);
	assert_int_equal(a.n_keys, 3);
	assert_string_equal(a.keys[0].comment, ak.comment);
	assert_string_equal(a.keys[0].options, "restrict,pty");
	assert_string_equal(a.keys[0].fp, pk[0].fp);
	assert_string_equal(a.keys[1].format, "OpenSSH");
	assert_int_equal(a.keys[1].encrypted, 1);
	assert_null(a.keys[1].account);
	assert_false(a.keys[2].has_pub);
	assert_null(a.keys[2].format); /* unreadable */
	assert_int_equal(a.keys[2].encrypted, -1);
	assert_string_equal(a.sources[0].account, "alice");
	kw_keysnap none;
	assert_int_equal(kw_keysnap_from_inventory(&inv, &(kw_keysnap_meta){ 0 }, &none), -EINVAL);
	assert_null(none.keys);

	kw_keystore *s = open_db(f->db);
	int64_t id = save(s, &a);
	kw_keysnap b;
	assert_int_equal(kw_keystore_load(s, id, &b, NULL, 0), 0);
	assert_snap_equal(&a, &b);
	kw_keystore_close(s);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

/* The hook runs inside the transaction: it sees the id and digest; when it fails, nothing
 * is stored (and the id is not used up). */
static int hook_seen;

static int hook_fail(void *ctx, const kw_keysnap *snap)
{
	(void)ctx;
	assert_true(snap->id > 0);
	assert_int_equal(strlen(snap->digest), KW_KEYSNAP_DIGEST_HEX);
	hook_seen++;
	return -EACCES;
}

static int hook_ok(void *ctx, const kw_keysnap *snap)
{
	*(int64_t *)ctx = snap->id;
	hook_seen++;
	return 0;
}

static void test_commit_hook(void **state)
{
	fixture *f = *state;
	kw_keysnap a;
	snap_init(&a, "t", T0);
	add_key(&a, KW_KEY_AUTHORIZED, "root", "/root/.ssh/authorized_keys", 1, 1, NULL, "one");
	kw_keystore *s = open_db(f->db);
	char err[256] = "";
	hook_seen = 0;
	assert_int_equal(kw_keystore_save(s, &a, hook_fail, NULL, err, sizeof err), -EACCES);
	assert_int_equal(hook_seen, 1);
	assert_int_equal(a.id, 0);
	assert_string_equal(a.digest, "");
	kw_keysnap *v = NULL;
	size_t n = 9;
	assert_int_equal(kw_keystore_list(s, NULL, &v, &n, NULL, 0), 0);
	assert_int_equal(n, 0);
	free(v);
	int64_t seen = 0;
	assert_int_equal(kw_keystore_save(s, &a, hook_ok, &seen, err, sizeof err), 0);
	assert_int_equal(hook_seen, 2);
	assert_int_equal(seen, 1);
	assert_int_equal(a.id, 1);
	kw_keystore_close(s);
	kw_keysnap_release(&a);
}

/* ---- the file as hostile input ---- */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t one_snapshot(const char *db, const char *target, int64_t taken)
{
	kw_keysnap a;
	snap_init(&a, target, taken);
	add_key(&a, KW_KEY_AUTHORIZED, "root", "/root/.ssh/authorized_keys", 1, 1, NULL, "one");
	add_key(&a, KW_KEY_AUTHORIZED, "root", "/root/.ssh/authorized_keys", 2, 2, NULL, "two");
	add_source(&a, "TrustedUserCAKeys", "/etc/ssh/ca.pub", NULL);
	kw_keystore *s = open_db(db);
	int64_t id = save(s, &a);
	kw_keystore_close(s);
	kw_keysnap_release(&a);
	return id;
}

/* load fails with KW_E_PARSE and a message containing want */
static void load_fails(const char *db, int64_t id, const char *want)
{
	kw_keystore *s = open_db(db);
	kw_keysnap b;
	char err[512] = "";
	assert_int_equal(kw_keystore_load(s, id, &b, err, sizeof err), KW_E_PARSE);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_null(b.keys);
	kw_keystore_close(s);
}

static void test_tampered_rows(void **state)
{
	fixture *f = *state;
	int64_t id = one_snapshot(f->db, "t", T0);
	char sql[256];

	/* a NUL inside a text value: a C string cannot hold it, refused */
	snprintf(sql, sizeof sql, "UPDATE keys SET comment = CAST(X'6f6e00652121' AS TEXT) "
		 "WHERE snapshot = %lld AND seq = 0", (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "bad comment");

	/* an ordinary edit is caught by the digest */
	snprintf(sql, sizeof sql, "UPDATE keys SET comment = 'edited' WHERE snapshot = %lld AND seq = 0",
		 (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "does not match its digest");

	id = one_snapshot(f->db, "t", T0);
	snprintf(sql, sizeof sql, "UPDATE keys SET fingerprint = 'SHA256:not base64!' WHERE snapshot = %lld",
		 (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "bad fingerprint");

	id = one_snapshot(f->db, "t", T0);
	snprintf(sql, sizeof sql, "UPDATE keys SET role = 'admin' WHERE snapshot = %lld AND seq = 1",
		 (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "keys row 2 has a bad role");

	id = one_snapshot(f->db, "t", T0);
	snprintf(sql, sizeof sql, "DELETE FROM keys WHERE snapshot = %lld AND seq = 1", (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "1 key rows");

	id = one_snapshot(f->db, "t", T0);
	snprintf(sql, sizeof sql, "UPDATE snapshots SET target = 'other' WHERE id = %lld", (long long)id);
	raw_exec(f->db, sql);
	load_fails(f->db, id, "does not match its digest");

	/* the untouched snapshots of the same file still load */
	int64_t good = one_snapshot(f->db, "t", T0);
	kw_keystore *s = open_db(f->db);
	kw_keysnap b;
	assert_int_equal(kw_keystore_load(s, good, &b, NULL, 0), 0);
	assert_int_equal(b.n_keys, 2);
	kw_keysnap_release(&b);
	kw_keystore_close(s);
}

static void test_schema_version(void **state)
{
	fixture *f = *state;
	one_snapshot(f->db, "t", T0);
	raw_exec(f->db, "PRAGMA user_version = 99");
	kw_keystore *s = NULL;
	char err[512] = "";
	assert_int_equal(kw_keystore_open(f->db, KW_KEYSTORE_CREATE, &s, err, sizeof err), KW_E_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(err, "schema version 99"));
	assert_non_null(strstr(err, "newer keyward"));

	/* another program's database is refused and left alone */
	char other[160];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	raw_exec(other, "CREATE TABLE t(x); INSERT INTO t VALUES(42);");
	err[0] = '\0';
	assert_int_equal(kw_keystore_open(other, KW_KEYSTORE_CREATE, &s, err, sizeof err), KW_E_UNSUPPORTED);
	assert_non_null(strstr(err, "not a keyward keys database"));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* a file that is not SQLite at all */
	char junk[160];
	snprintf(junk, sizeof junk, "%s/junk.db", f->dir);
	FILE *fp = fopen(junk, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database\n", fp);
	fclose(fp);
	assert_true(kw_keystore_open(junk, KW_KEYSTORE_CREATE, &s, err, sizeof err) < 0);
	assert_null(s);
}

/* A database keyward wrote with schema 1 (no host identity, no host_latest) is brought
 * to schema 2 on first use: its snapshots load with their digests, count for every host
 * in keys diff, and are in the fleet tables. */
static void test_schema_1_upgrade(void **state)
{
	fixture *f = *state;
	int64_t id = one_snapshot(f->db, "t", T0);
	raw_exec(f->db, "DROP TABLE latest_keys; DROP TABLE host_latest; ALTER TABLE snapshots DROP COLUMN host_id;"
		 " PRAGMA user_version = 1");
	kw_keystore *s = open_db(f->db);
	kw_keysnap b;
	char err[256] = "";
	assert_int_equal(kw_keystore_load(s, id, &b, err, sizeof err), 0);
	assert_null(b.host_id);
	assert_int_equal(b.n_keys, 2);
	kw_keysnap_release(&b);
	kw_snapspec sp = { .kind = KW_SNAP_LATEST };
	int64_t got = 0;
	assert_int_equal(kw_keystore_find(s, "t", "some-host", &sp, 0, &got, err, sizeof err), 0);
	assert_int_equal(got, id);
	size_t hosts = 0, latest = 0;
	assert_int_equal(kw_keystore_fleet_size(s, &hosts, &latest, err, sizeof err), 0);
	assert_int_equal(hosts, 1);
	assert_int_equal(latest, 1);
	/* its keys are in the fleet queries too (latest_keys, filled by the migration) */
	char fp1[KW_FP_LEN];
	fp_of(1, fp1);
	kw_keyplace *pl = NULL;
	size_t npl = 0;
	assert_int_equal(kw_keystore_where(s, fp1, &pl, &npl, err, sizeof err), 0);
	assert_int_equal(npl, 1);
	assert_string_equal(pl[0].host_id, "");
	assert_string_equal(pl[0].path, "/root/.ssh/authorized_keys");
	kw_keyplaces_free(pl, npl);
	kw_keystore_close(s);
	/* a second snapshot of the name by a host with an identity: each host's own */
	kw_keysnap a;
	snap_init(&a, "t", T0 + 10);
	a.host_id = strdup("host-b");
	add_key(&a, KW_KEY_AUTHORIZED, "root", "/root/.ssh/authorized_keys", 1, 3, NULL, "three");
	s = open_db(f->db);
	int64_t id2 = save(s, &a);
	assert_int_equal(kw_keystore_find(s, "t", "host-b", &sp, 0, &got, err, sizeof err), 0);
	assert_int_equal(got, id2);
	assert_int_equal(kw_keystore_find(s, "t", "host-c", &sp, 0, &got, err, sizeof err), 0);
	assert_int_equal(got, id); /* host-c has none of its own: the one without identity */
	assert_int_equal(kw_keystore_fleet_size(s, &hosts, &latest, err, sizeof err), 0);
	assert_int_equal(hosts, 2);
	/* key 3 is host-b's only; key 1 is still the old snapshot's */
	char fp3[KW_FP_LEN];
	fp_of(3, fp3);
	assert_int_equal(kw_keystore_where(s, fp3, &pl, &npl, err, sizeof err), 0);
	assert_int_equal(npl, 1);
	assert_string_equal(pl[0].host_id, "host-b");
	kw_keyplaces_free(pl, npl);
	kw_keyshared *sh = NULL;
	size_t nsh = 0;
	assert_int_equal(kw_keystore_shared(s, 1, 0, &sh, &nsh, err, sizeof err), 0);
	assert_int_equal(nsh, 3); /* keys 1, 2 (old snapshot) and 3 (host-b), one host each */
	free(sh);
	kw_keystore_close(s);
	kw_keysnap_release(&a);
}

static void test_refused_paths(void **state)
{
	fixture *f = *state;
	one_snapshot(f->db, "t", T0);
	kw_keystore *s = NULL;
	char err[512] = "", path[200];

	snprintf(path, sizeof path, "%s/link.db", f->dir);
	assert_int_equal(symlink(f->db, path), 0);
	assert_int_equal(kw_keystore_open(path, KW_KEYSTORE_CREATE, &s, err, sizeof err), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));

	snprintf(path, sizeof path, "%s/dangling.db", f->dir);
	assert_int_equal(symlink("/nonexistent/keys.db", path), 0);
	assert_int_equal(kw_keystore_open(path, KW_KEYSTORE_CREATE, &s, err, sizeof err), -ELOOP);

	snprintf(path, sizeof path, "%s/fifo.db", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(kw_keystore_open(path, KW_KEYSTORE_CREATE, &s, err, sizeof err), KW_E_NOTREG);

	snprintf(path, sizeof path, "%s/hard.db", f->dir);
	assert_int_equal(link(f->db, path), 0);
	assert_int_equal(kw_keystore_open(path, KW_KEYSTORE_CREATE, &s, err, sizeof err), KW_E_REFUSED);
	unlink(path);

	/* a planted side file next to the database */
	snprintf(path, sizeof path, "%s-wal", f->db);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(kw_keystore_open(f->db, KW_KEYSTORE_CREATE, &s, err, sizeof err), KW_E_REFUSED);
	unlink(path);

	/* without CREATE a missing file is not made */
	snprintf(path, sizeof path, "%s/missing/keys.db", f->dir);
	assert_int_equal(kw_keystore_open(path, 0, &s, err, sizeof err), -ENOENT);
	struct stat st;
	assert_int_equal(stat(path, &st), -1);
	assert_null(s);
}

/* ---- the diff ---- */

static kw_keydiff diff_of(const kw_keysnap *a, const kw_keysnap *b)
{
	kw_keydiff d;
	assert_int_equal(kw_keydiff_compute(a, b, &d), 0);
	return d;
}

#define AK "/root/.ssh/authorized_keys"

static void base_snap(kw_keysnap *s)
{
	snap_init(s, "t", T0);
	add_key(s, KW_KEY_AUTHORIZED, "root", AK, 1, 1, "from=\"10.0.0.0/8\"", "one");
	add_key(s, KW_KEY_AUTHORIZED, "root", AK, 2, 2, NULL, "two");
	add_key(s, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys", 1, 3, NULL, "three");
	add_priv(s, NULL, "/etc/ssh/ssh_host_rsa_key", 9, "OpenSSH", 0);
	add_source(s, "TrustedUserCAKeys", "/etc/ssh/ca.pub", NULL);
}

static void test_diff_unchanged(void **state)
{
	(void)state;
	kw_keysnap a, b;
	base_snap(&a);
	base_snap(&b);
	b.taken = T0 + 3600; /* time and host do not make a change */
	kw_keydiff d = diff_of(&a, &b);
	assert_true(kw_keydiff_empty(&d));
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

static void test_diff_add_remove_options(void **state)
{
	(void)state;
	kw_keysnap a, b;
	base_snap(&a);
	snap_init(&b, "t", T0);
	/* key 1 loses its from=, key 2 is removed, key 4 is new, alice unchanged */
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 1, 1, NULL, "one");
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 2, 4, NULL, "four");
	add_key(&b, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys", 1, 3, NULL, "three");
	add_priv(&b, NULL, "/etc/ssh/ssh_host_rsa_key", 9, "OpenSSH", 0);
	add_source(&b, "TrustedUserCAKeys", "/etc/ssh/ca.pub", NULL);
	kw_keydiff d = diff_of(&a, &b);
	assert_int_equal(d.n_added, 1);
	assert_string_equal(d.added[0]->comment, "four");
	assert_int_equal(d.n_removed, 1);
	assert_string_equal(d.removed[0]->comment, "two");
	assert_int_equal(d.n_changed, 1);
	assert_int_equal(d.changed[0].what, KW_KC_OPTIONS);
	assert_string_equal(d.changed[0].before->options, "from=\"10.0.0.0/8\"");
	assert_null(d.changed[0].after->options);
	assert_int_equal(d.n_moved, 0);
	assert_int_equal(d.n_src_added + d.n_src_removed, 0);
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

static void test_diff_moves(void **state)
{
	(void)state;
	kw_keysnap a, b;
	base_snap(&a);
	snap_init(&b, "t", T0);
	/* a new key inserted at the top: the others move down one line (moved, not changed
	 * otherwise); alice's key moved to line 2 of authorized_keys2 (file and line) */
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 1, 5, NULL, "five");
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 2, 1, "from=\"10.0.0.0/8\"", "one");
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 3, 2, NULL, "two");
	add_key(&b, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys2", 2, 3, NULL, "three");
	add_priv(&b, NULL, "/etc/ssh/ssh_host_rsa_key", 9, "OpenSSH", 0);
	add_source(&b, "TrustedUserCAKeys", "/etc/ssh/ca.pub", NULL);
	kw_keydiff d = diff_of(&a, &b);
	assert_int_equal(d.n_added, 1);
	assert_string_equal(d.added[0]->comment, "five");
	assert_int_equal(d.n_removed, 0);
	assert_int_equal(d.n_changed, 3);
	assert_int_equal(d.n_moved, 2);
	assert_int_equal(d.changed[0].what, KW_KC_LINE);
	assert_int_equal(d.changed[0].before->line, 1);
	assert_int_equal(d.changed[0].after->line, 2);
	assert_int_equal(d.changed[1].what, KW_KC_LINE);
	assert_int_equal(d.changed[2].what, KW_KC_PATH | KW_KC_LINE); /* not only moved */
	assert_string_equal(d.changed[2].after->path, "/home/alice/.ssh/authorized_keys2");
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

static void test_diff_second_account_and_duplicates(void **state)
{
	(void)state;
	kw_keysnap a, b;
	base_snap(&a);
	base_snap(&b);
	/* root's key 2 also given to bob: an addition, nothing changed for root */
	add_key(&b, KW_KEY_AUTHORIZED, "bob", "/home/bob/.ssh/authorized_keys", 1, 2, NULL, "two");
	/* a duplicate line of alice's key: an addition too */
	add_key(&b, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys", 2, 3, NULL, "three");
	/* the same key in a file sshd does not read: another role, an addition */
	add_key(&b, KW_KEY_UNREAD, "alice", "/home/alice/.ssh/authorized_keys2", 1, 3, NULL, "three");
	kw_keydiff d = diff_of(&a, &b);
	assert_int_equal(d.n_added, 3);
	assert_string_equal(d.added[0]->account, "bob");
	assert_string_equal(d.added[1]->account, "alice");
	assert_int_equal(d.added[1]->line, 2);
	assert_int_equal(d.added[2]->role, KW_KEY_UNREAD);
	assert_int_equal(d.n_removed, 0);
	assert_int_equal(d.n_changed, 0);
	kw_keydiff_release(&d);

	/* and back: the duplicate (line 2) is the one removed, line 1 stays unchanged */
	d = diff_of(&b, &a);
	assert_int_equal(d.n_removed, 3);
	assert_int_equal(d.removed[1]->line, 2);
	assert_int_equal(d.n_added + d.n_changed, 0);
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);

	/* a key taken from root and given to bob is a removal and an addition, not a change */
	base_snap(&a);
	snap_init(&b, "t", T0);
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 1, 1, "from=\"10.0.0.0/8\"", "one");
	add_key(&b, KW_KEY_AUTHORIZED, "bob", "/home/bob/.ssh/authorized_keys", 2, 2, NULL, "two");
	add_key(&b, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys", 1, 3, NULL, "three");
	add_priv(&b, NULL, "/etc/ssh/ssh_host_rsa_key", 9, "OpenSSH", 0);
	add_source(&b, "TrustedUserCAKeys", "/etc/ssh/ca.pub", NULL);
	d = diff_of(&a, &b);
	assert_int_equal(d.n_removed, 1);
	assert_string_equal(d.removed[0]->account, "root");
	assert_int_equal(d.n_added, 1);
	assert_string_equal(d.added[0]->account, "bob");
	assert_int_equal(d.n_changed, 0);
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);

	/* one key in two files of root; one file loses it, the other has it a line lower:
	 * the pair is made within the file (moved), and the other copy is removed */
	snap_init(&a, "t", T0);
	add_key(&a, KW_KEY_AUTHORIZED, "root", AK, 1, 1, NULL, "x");
	add_key(&a, KW_KEY_AUTHORIZED, "root", AK "2", 1, 1, NULL, "x");
	snap_init(&b, "t", T0);
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK "2", 2, 1, NULL, "x");
	d = diff_of(&a, &b);
	assert_int_equal(d.n_changed, 1);
	assert_int_equal(d.changed[0].what, KW_KC_LINE);
	assert_int_equal(d.n_removed, 1);
	assert_string_equal(d.removed[0]->path, AK);
	assert_int_equal(d.n_added, 0);
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

static void test_diff_flags_private_sources(void **state)
{
	(void)state;
	kw_keysnap a, b;
	base_snap(&a);
	add_priv(&a, "alice", "/home/alice/.ssh/id_rsa", 7, "OpenSSH", 1);
	add_priv(&a, "alice", "/home/alice/.ssh/id_old", -1, "PEM RSA", -1);
	snap_init(&b, "t", T0);
	kw_keyrec *k = add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 1, 1, "from=\"10.0.0.0/8\"", "one");
	k->sshd_ignores = true; /* e.g. a second command= was added: sshd now skips the line */
	add_key(&b, KW_KEY_AUTHORIZED, "root", AK, 2, 2, NULL, "comment edited");
	add_key(&b, KW_KEY_AUTHORIZED, "alice", "/home/alice/.ssh/authorized_keys", 1, 3, NULL, "three");
	add_priv(&b, NULL, "/etc/ssh/ssh_host_rsa_key", 9, "OpenSSH", 0);
	add_priv(&b, "alice", "/home/alice/.ssh/id_rsa", 7, "OpenSSH", 0); /* passphrase removed */
	add_source(&b, "AuthorizedKeysCommand", "/usr/local/bin/keys %u", "alice");
	kw_keydiff d = diff_of(&a, &b);
	assert_int_equal(d.n_changed, 3);
	assert_int_equal(d.changed[0].what, KW_KC_IGNORED);
	assert_int_equal(d.changed[1].what, KW_KC_COMMENT);
	assert_int_equal(d.changed[2].what, KW_KC_ENCRYPTED);
	assert_int_equal(d.changed[2].before->encrypted, 1);
	assert_int_equal(d.changed[2].after->encrypted, 0);
	/* a private key without a public half is known by its path: gone */
	assert_int_equal(d.n_removed, 1);
	assert_string_equal(d.removed[0]->path, "/home/alice/.ssh/id_old");
	assert_int_equal(d.n_added, 0);
	assert_int_equal(d.n_src_added, 1);
	assert_string_equal(d.src_added[0]->keyword, "AuthorizedKeysCommand");
	assert_int_equal(d.n_src_removed, 1);
	assert_string_equal(d.src_removed[0]->keyword, "TrustedUserCAKeys");
	assert_false(kw_keydiff_empty(&d));
	for (unsigned bit = 1; bit & KW_KC_ALL; bit <<= 1)
		assert_non_null(kw_keychange_name(bit));
	assert_null(kw_keychange_name(KW_KC_ALL + 1));
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

/* 40,000 copies of one key on lines 1..N, then N+1 copies on lines 2..N+2: N-1 pair
 * exactly, line 1 pairs with line N+1 (moved), line N+2 is new; in O(n log n) (a pairwise
 * scan of the copies would take many seconds). */
static void test_diff_many_duplicates(void **state)
{
	(void)state;
	enum { N = 40000 };
	kw_keysnap a, b;
	snap_init(&a, "t", T0);
	snap_init(&b, "t", T0);
	for (unsigned i = 0; i < N; i++)
		add_key(&a, KW_KEY_AUTHORIZED, "root", AK, i + 1, 1, NULL, "dup");
	for (unsigned i = 0; i < N + 1; i++)
		add_key(&b, KW_KEY_AUTHORIZED, "root", AK, i + 2, 1, NULL, "dup");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kw_keydiff d = diff_of(&a, &b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(d.n_added, 1);
	assert_int_equal(d.added[0]->line, N + 2);
	assert_int_equal(d.n_changed, 1);
	assert_int_equal(d.n_moved, 1);
	assert_int_equal(d.changed[0].before->line, 1);
	assert_int_equal(d.changed[0].after->line, N + 1);
	assert_int_equal(d.n_removed, 0);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 2.0);
	kw_keydiff_release(&d);
	kw_keysnap_release(&a);
	kw_keysnap_release(&b);
}

/* ---- naming snapshots ---- */

static void test_spec_parse(void **state)
{
	(void)state;
	kw_snapspec sp;
	assert_int_equal(kw_snapspec_parse(NULL, &sp), 0);
	assert_int_equal(sp.kind, KW_SNAP_LATEST);
	assert_int_equal(sp.n, 0);
	assert_int_equal(kw_snapspec_parse("latest~3", &sp), 0);
	assert_int_equal(sp.kind, KW_SNAP_LATEST);
	assert_int_equal(sp.n, 3);
	assert_int_equal(kw_snapspec_parse("latest~", &sp), 0);
	assert_int_equal(sp.n, 1);
	assert_int_equal(kw_snapspec_parse("12", &sp), 0);
	assert_int_equal(sp.kind, KW_SNAP_ID);
	assert_int_equal(sp.n, 12);
	assert_int_equal(kw_snapspec_parse("#7", &sp), 0);
	assert_int_equal(sp.n, 7);
	assert_int_equal(kw_snapspec_parse("2026-11-21T12:00:00Z", &sp), 0);
	assert_int_equal(sp.kind, KW_SNAP_TIME);
	assert_int_equal(sp.n, T0);
	assert_int_equal(kw_snapspec_parse("2026-11-21 12:00", &sp), 0);
	assert_int_equal(sp.n, T0);
	assert_int_equal(kw_snapspec_parse("2026-11-21", &sp), 0);
	assert_int_equal(sp.n, T0 + 12 * 3600 - 1); /* the end of that day */
	static const char *const bad[] = {
		"0", "-1", "latest~x", "latest~-1", "12a", "2026-02-30", "2026-13-01", "2026-11-21T25:00",
		"2026-11-21T12", "2026-11-21T12:00:00+02:00", "yesterday", "#", "99999999999999999999",
		"1969-12-31",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (kw_snapspec_parse(bad[i], &sp) != KW_E_USAGE)
			fail_msg("'%s' was accepted", bad[i]);
}

static int64_t find(kw_keystore *s, const char *target, const char *spec, int64_t before, char *err)
{
	kw_snapspec sp;
	assert_int_equal(kw_snapspec_parse(spec, &sp), 0);
	int64_t id = 0;
	err[0] = '\0';
	int r = kw_keystore_find(s, target, NULL, &sp, before, &id, err, 256);
	return r < 0 ? r : id;
}

static void test_find_and_list(void **state)
{
	fixture *f = *state;
	int64_t a1 = one_snapshot(f->db, "a", T0);
	int64_t b1 = one_snapshot(f->db, "b", T0 + 10);
	int64_t a2 = one_snapshot(f->db, "a", T0 + 86400);
	int64_t a3 = one_snapshot(f->db, "a", T0 + 2 * 86400);
	kw_keystore *s = open_db(f->db);
	char err[256];
	assert_int_equal(find(s, "a", "latest", 0, err), a3);
	assert_int_equal(find(s, "a", "latest~1", 0, err), a2);
	assert_int_equal(find(s, "a", "latest~2", 0, err), a1);
	assert_int_equal(find(s, "a", "latest~3", 0, err), -ENOENT);
	assert_non_null(strstr(err, "no snapshot 3 before its latest"));
	assert_int_equal(find(s, "b", "latest", 0, err), b1);
	assert_int_equal(find(s, "a", "latest", a3, err), a2);  /* the one before --to */
	assert_int_equal(find(s, "a", "2026-11-22", 0, err), a2);
	assert_int_equal(find(s, "a", "2026-11-21T12:00:00Z", 0, err), a1);
	assert_int_equal(find(s, "a", "2026-11-20", 0, err), -ENOENT);
	assert_non_null(strstr(err, "at or before 2026-11-20T23:59:59Z"));
	assert_int_equal(find(s, "c", "latest", 0, err), -ENOENT);
	assert_non_null(strstr(err, "no snapshot of c"));
	assert_int_equal(find(s, "a", "#2", 0, err), b1);       /* a number names any target */
	assert_int_equal(find(s, "a", "99", 0, err), -ENOENT);

	kw_keysnap *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_keystore_list(s, NULL, &v, &n, NULL, 0), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].n_keys_total, 2);
		assert_int_equal(v[i].n_authorized, 2);
		assert_null(v[i].keys);
		kw_keysnap_release(&v[i]);
	}
	free(v);
	assert_int_equal(kw_keystore_list(s, "a", &v, &n, NULL, 0), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, a1);
	assert_int_equal(v[2].id, a3);
	assert_int_equal(v[1].taken, T0 + 86400);
	for (size_t i = 0; i < n; i++)
		kw_keysnap_release(&v[i]);
	free(v);
	kw_keystore_close(s);
}

static int count_rows(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void test_prune(void **state)
{
	fixture *f = *state;
	int64_t a[5], b[2];
	for (int i = 0; i < 5; i++)
		a[i] = one_snapshot(f->db, "a", T0 + i);
	for (int i = 0; i < 2; i++)
		b[i] = one_snapshot(f->db, "b", T0 + i);
	kw_keystore *s = open_db(f->db);
	size_t gone = 0;
	assert_int_equal(kw_keystore_prune(s, "a", 2, &gone, NULL, 0), 0);
	assert_int_equal(gone, 3);
	kw_keysnap *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_keystore_list(s, NULL, &v, &n, NULL, 0), 0);
	assert_int_equal(n, 4);
	int64_t want[] = { b[0], a[3], b[1], a[4] };
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < 4; j++)
			found |= v[i].id == want[j];
		assert_true(found);
		kw_keysnap_release(&v[i]);
	}
	free(v);
	assert_int_equal(kw_keystore_prune(s, "a", 2, &gone, NULL, 0), 0);
	assert_int_equal(gone, 0);
	assert_int_equal(kw_keystore_prune(s, "a", 0, &gone, NULL, 0), -EINVAL);
	kw_keysnap full;
	assert_int_equal(kw_keystore_load(s, a[0], &full, NULL, 0), -ENOENT);
	assert_int_equal(kw_keystore_load(s, a[4], &full, NULL, 0), 0);
	kw_keysnap_release(&full);
	kw_keystore_close(s);
	/* the keys and sources of the deleted snapshots went with them (foreign keys) */
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM keys"), 4 * 2);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM sources"), 4);
}

/* ---- two processes at once ---- */

enum { PER_CHILD = 8, KEYS_PER_SNAP = 300 };

static void child_snapshots(const char *db, int which, int go_fd)
{
	char c;
	if (read(go_fd, &c, 1) != 1)
		_exit(3);
	for (int i = 0; i < PER_CHILD; i++) {
		kw_keysnap a;
		char target[32];
		snprintf(target, sizeof target, "child-%d", which);
		memset(&a, 0, sizeof a);
		a.target = strdup(target);
		a.target_desc = strdup(target);
		a.taken = T0 + i;
		a.complete = true;
		for (unsigned k = 0; k < KEYS_PER_SNAP; k++) {
			kw_keyrec *r = KW_VEC_PUSH(a.keys, a.n_keys, a.cap_keys);
			if (!r)
				_exit(4);
			r->role = KW_KEY_AUTHORIZED;
			r->account = strdup("root");
			r->path = strdup(AK);
			r->line = k + 1;
			r->has_pub = true;
			strcpy(r->type, "ssh-ed25519");
			strcpy(r->label, "ED25519");
			r->bits = 256;
			fp_of(k + (unsigned)which * 100000u, r->fp);
			r->encrypted = -1;
		}
		kw_keystore *s = NULL;
		char err[256] = "";
		if (kw_keystore_open(db, KW_KEYSTORE_CREATE, &s, err, sizeof err) < 0) {
			fprintf(stderr, "child %d: open: %s\n", which, err);
			_exit(5);
		}
		if (kw_keystore_save(s, &a, NULL, NULL, err, sizeof err) < 0) {
			fprintf(stderr, "child %d: save: %s\n", which, err);
			_exit(6);
		}
		kw_keystore_close(s);
		kw_keysnap_release(&a);
	}
	_exit(0);
}

static void test_concurrent(void **state)
{
	fixture *f = *state;
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			child_snapshots(f->db, i, go[0]);
		}
	}
	close(go[0]);
	/* both start at once on a database neither has created yet */
	assert_int_equal(write(go[1], "gg", 2), 2);
	close(go[1]);
	for (int i = 0; i < 2; i++) {
		int status = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	kw_keystore *s = open_db(f->db);
	kw_keysnap *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_keystore_list(s, NULL, &v, &n, NULL, 0), 0);
	assert_int_equal(n, 2 * PER_CHILD);
	size_t per[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++) {
		kw_keysnap full;
		assert_int_equal(kw_keystore_load(s, v[i].id, &full, NULL, 0), 0);
		assert_int_equal(full.n_keys, KEYS_PER_SNAP);
		per[strcmp(full.target, "child-0") == 0 ? 0 : 1]++;
		kw_keysnap_release(&full);
		kw_keysnap_release(&v[i]);
	}
	free(v);
	assert_int_equal(per[0], PER_CHILD);
	assert_int_equal(per[1], PER_CHILD);
	kw_keystore_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_1_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_paths, setup, teardown),
		cmocka_unit_test(test_diff_unchanged),
		cmocka_unit_test(test_diff_add_remove_options),
		cmocka_unit_test(test_diff_moves),
		cmocka_unit_test(test_diff_second_account_and_duplicates),
		cmocka_unit_test(test_diff_flags_private_sources),
		cmocka_unit_test(test_diff_many_duplicates),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test_setup_teardown(test_find_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
