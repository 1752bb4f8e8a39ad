/* store.c — key inventory snapshots in SQLite or PostgreSQL, the fleet queries over them,
 * and the diff of two inventories (store.h).
 *
 * Layout of this file:
 *   snapshots in memory   kw_keysnap_from_inventory, release, the canonical digest
 *   the database          the schema (DDL per backend, statements shared: db/db.h),
 *                         save (one transaction), prune, list, load (validated)
 *   fleet queries         where a key is, keys shared by hosts
 *   naming snapshots      kw_snapspec_parse (pure), kw_keystore_find (SQL)
 *   the diff              kw_keydiff_compute: sort both sides once, pair in three passes
 *
 * The database is input: another program, a restore from backup, someone with the sqlite3
 * shell or psql, or another host of the fleet may have put anything in it. SQLite runs in
 * defensive mode with an untrusted schema (db.h), and every value read back is checked
 * before it becomes a kw_keyrec; a snapshot whose rows or digest do not check fails to load whole,
 * because a half-loaded snapshot would show keys as added or removed that never were.
 *
 * The diff pairs entries in three passes over the two sides, each sorted once by
 *   identity (role, account, fingerprint | path), path, line, then the other fields.
 * Each pass is a merge walk over the entries not yet paired, comparing a prefix of that
 * order: (1) everything, (2) identity and path, (3) identity. Because every pass compares
 * a prefix of the sort key, the unpaired entries stay sorted for the next pass, and the
 * whole diff is O(n log n) even for a file with thousands of copies of one key.
 */
#include "keys/store.h"

#include "db/db.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"
#include "base/time.h"
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define APP_ID 0x6b774b53          /* "kwKS": marks a keyward keys database */
#define BUSY_MS 30000              /* a concurrent snapshot of a large host takes seconds */
#define DIGEST_TAG "keyward-keys-snapshot-v1"

/* ==== snapshots in memory ==== */

static int sdup(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static void keyrec_release(kw_keyrec *k)
{
	free(k->account);
	free(k->path);
	free(k->comment);
	free(k->options);
	free(k->format);
}

void kw_keysnap_release(kw_keysnap *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_keys; i++)
		keyrec_release(&s->keys[i]);
	for (size_t i = 0; i < s->n_sources; i++) {
		free(s->sources[i].keyword);
		free(s->sources[i].value);
		free(s->sources[i].account);
	}
	free(s->keys);
	free(s->sources);
	free(s->host);
	free(s->host_id);
	free(s->target);
	free(s->target_desc);
	memset(s, 0, sizeof *s);
}

static int rec_from_invkey(const kw_invkey *k, kw_keyrec *r)
{
	r->role = k->role;
	r->line = k->line;
	r->has_pub = k->has_pub && k->pub;
	if (r->has_pub) {
		memcpy(r->type, k->pub->type, sizeof r->type);
		memcpy(r->label, k->pub->label, sizeof r->label);
		memcpy(r->fp, k->pub->fp, sizeof r->fp);
		memcpy(r->fp_md5, k->pub->fp_md5, sizeof r->fp_md5);
		r->type[sizeof r->type - 1] = r->label[sizeof r->label - 1] = '\0';
		r->fp[sizeof r->fp - 1] = r->fp_md5[sizeof r->fp_md5 - 1] = '\0';
		r->bits = k->pub->bits;
	}
	r->sshd_ignores = k->ignored;
	r->encrypted = -1;
	if (k->role >= KW_KEY_HOST && k->priv) {
		r->encrypted = k->priv->encrypted > 0 ? 1 : k->priv->encrypted == 0 ? 0 : -1;
		if (sdup(&r->format, kw_privkey_format_name(k->priv->format)) < 0)
			return -ENOMEM;
	}
	if (sdup(&r->account, k->account) < 0 || sdup(&r->path, k->path ? k->path : "") < 0)
		return -ENOMEM;
	if (k->ak && (sdup(&r->comment, k->ak->comment) < 0 || sdup(&r->options, k->ak->options) < 0))
		return -ENOMEM;
	return 0;
}

static int copy_inventory(const kw_inventory *inv, kw_keysnap *s)
{
	for (size_t i = 0; i < inv->n_keys; i++) {
		kw_keyrec *r = KW_VEC_PUSH(s->keys, s->n_keys, s->cap_keys);
		if (!r || rec_from_invkey(&inv->keys[i], r) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < inv->n_sources; i++) {
		const kw_keysource *src = &inv->sources[i];
		kw_keysrc *d = KW_VEC_PUSH(s->sources, s->n_sources, s->cap_sources);
		if (!d || sdup(&d->keyword, src->keyword ? src->keyword : "") < 0 ||
		    sdup(&d->value, src->value ? src->value : "") < 0 || sdup(&d->account, src->account) < 0)
			return -ENOMEM;
	}
	return 0;
}

int kw_keysnap_from_inventory(const kw_inventory *inv, const kw_keysnap_meta *m, kw_keysnap *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!inv || !m || !m->target || !m->target_desc)
		return -EINVAL;
	ret->taken = m->taken;
	ret->complete = m->complete;
	ret->n_authorized = inv->n_authorized;
	ret->n_accounts = inv->n_accounts;
	ret->n_unread = inv->n_unread;
	ret->n_ignored = inv->n_ignored;
	ret->n_host = inv->n_host;
	ret->n_private = inv->n_private;
	int r = sdup(&ret->host, m->host);
	if (r == 0)
		r = sdup(&ret->host_id, m->host_id);
	if (r == 0)
		r = sdup(&ret->target, m->target);
	if (r == 0)
		r = sdup(&ret->target_desc, m->target_desc);
	if (r == 0)
		r = copy_inventory(inv, ret);
	if (r < 0)
		kw_keysnap_release(ret);
	else
		ret->n_keys_total = ret->n_keys;
	return r;
}

/* ---- the canonical digest ---- */

typedef struct digester {
	EVP_MD_CTX *md;
	bool failed;
} digester;

static void d_put(digester *d, const void *p, size_t n)
{
	if (!d->failed && n && EVP_DigestUpdate(d->md, p, n) != 1)
		d->failed = true;
}

static void d_u64(digester *d, uint64_t v)
{
	uint8_t b[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
	d_put(d, b, sizeof b);
}

/* NULL is a length of all ones; "" a length of zero */
static void d_str(digester *d, const char *s)
{
	if (!s) {
		d_u64(d, UINT64_MAX);
		return;
	}
	size_t n = strlen(s);
	d_u64(d, n);
	d_put(d, s, n);
}

static void d_rec(digester *d, const kw_keyrec *k)
{
	d_str(d, kw_keyrole_name(k->role));
	d_str(d, k->account);
	d_str(d, k->path);
	d_u64(d, k->line);
	d_u64(d, k->has_pub);
	d_str(d, k->has_pub ? k->type : NULL);
	d_str(d, k->has_pub ? k->label : NULL);
	d_u64(d, k->has_pub ? k->bits : 0);
	d_str(d, k->has_pub ? k->fp : NULL);
	d_str(d, k->has_pub && k->fp_md5[0] ? k->fp_md5 : NULL);
	d_str(d, k->comment);
	d_str(d, k->options);
	d_u64(d, k->sshd_ignores);
	d_str(d, k->format);
	d_u64(d, (uint64_t)(int64_t)k->encrypted);
}

int kw_keysnap_digest(const kw_keysnap *s, char out[KW_KEYSNAP_DIGEST_HEX + 1])
{
	digester d = { .md = EVP_MD_CTX_new() };
	if (!d.md)
		return -ENOMEM;
	d.failed = EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) != 1;
	d_str(&d, DIGEST_TAG);
	d_u64(&d, (uint64_t)s->taken);
	d_str(&d, s->host);
	d_str(&d, s->target);
	d_str(&d, s->target_desc);
	d_u64(&d, s->complete);
	const size_t counts[] = { s->n_authorized, s->n_accounts, s->n_unread, s->n_ignored,
				  s->n_host, s->n_private, s->n_keys, s->n_sources };
	for (size_t i = 0; i < KW_ARRAY_LEN(counts); i++)
		d_u64(&d, counts[i]);
	for (size_t i = 0; i < s->n_keys; i++)
		d_rec(&d, &s->keys[i]);
	for (size_t i = 0; i < s->n_sources; i++) {
		d_str(&d, s->sources[i].keyword);
		d_str(&d, s->sources[i].value);
		d_str(&d, s->sources[i].account);
	}
	if (s->host_id) { /* schema 2; absent from older snapshots, whose digests stay */
		d_str(&d, "host_id");
		d_str(&d, s->host_id);
	}
	uint8_t h[32];
	unsigned hl = 0;
	if (!d.failed && (EVP_DigestFinal_ex(d.md, h, &hl) != 1 || hl != sizeof h))
		d.failed = true;
	EVP_MD_CTX_free(d.md);
	if (d.failed)
		return KW_E_CRYPTO;
	kw_hex_lower(h, sizeof h, out);
	return 0;
}

/* ==== the database ==== */

/* SQLite and PostgreSQL keep the same tables (db.h): on PostgreSQL, text that comes from a
 * target (names, paths, comments, options, values) is BYTEA, so any bytes are kept. */
static const char sqlite_v1[] =
	"CREATE TABLE snapshots("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" taken INTEGER NOT NULL,"
	" host TEXT,"
	" target TEXT NOT NULL,"
	" target_desc TEXT NOT NULL,"
	" complete INTEGER NOT NULL,"
	" n_keys INTEGER NOT NULL,"
	" n_sources INTEGER NOT NULL,"
	" n_authorized INTEGER NOT NULL,"
	" n_accounts INTEGER NOT NULL,"
	" n_unread INTEGER NOT NULL,"
	" n_ignored INTEGER NOT NULL,"
	" n_host INTEGER NOT NULL,"
	" n_private INTEGER NOT NULL,"
	" digest TEXT NOT NULL) STRICT;"
	"CREATE INDEX snapshots_target ON snapshots(target, id);"
	"CREATE TABLE keys("
	" snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" role TEXT NOT NULL,"
	" account TEXT,"
	" path TEXT NOT NULL,"
	" line INTEGER,"
	" has_pub INTEGER NOT NULL,"
	" type TEXT,"
	" label TEXT,"
	" bits INTEGER,"
	" fingerprint TEXT,"
	" fingerprint_md5 TEXT,"
	" comment TEXT,"
	" options TEXT,"
	" sshd_ignores INTEGER NOT NULL,"
	" format TEXT,"
	" encrypted INTEGER,"
	" PRIMARY KEY(snapshot, seq)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX keys_fingerprint ON keys(fingerprint);"
	"CREATE TABLE sources("
	" snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" keyword TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" account TEXT,"
	" PRIMARY KEY(snapshot, seq)) STRICT, WITHOUT ROWID;";

/* v2: the host identity of a snapshot, and each host's newest snapshot of each target
 * (the fleet queries read those). Snapshots of v1 have no host_id: their host_latest
 * rows carry "" as the identity. */
static const char sqlite_v2[] =
	"ALTER TABLE snapshots ADD COLUMN host_id TEXT;"
	"CREATE TABLE host_latest("
	" host_id TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" PRIMARY KEY(host_id, target)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX host_latest_snapshot ON host_latest(snapshot);"
	"INSERT INTO host_latest(host_id, target, snapshot)"
	" SELECT '', target, max(id) FROM snapshots GROUP BY target;";

static const char pg_v1[] =
	"CREATE TABLE snapshots("
	" id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" taken BIGINT NOT NULL,"
	" host BYTEA,"
	" target BYTEA NOT NULL,"
	" target_desc BYTEA NOT NULL,"
	" complete BIGINT NOT NULL,"
	" n_keys BIGINT NOT NULL,"
	" n_sources BIGINT NOT NULL,"
	" n_authorized BIGINT NOT NULL,"
	" n_accounts BIGINT NOT NULL,"
	" n_unread BIGINT NOT NULL,"
	" n_ignored BIGINT NOT NULL,"
	" n_host BIGINT NOT NULL,"
	" n_private BIGINT NOT NULL,"
	" digest TEXT NOT NULL);"
	"CREATE INDEX snapshots_target ON snapshots(target, id);"
	"CREATE TABLE keys("
	" snapshot BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" seq BIGINT NOT NULL,"
	" role TEXT NOT NULL,"
	" account BYTEA,"
	" path BYTEA NOT NULL,"
	" line BIGINT,"
	" has_pub BIGINT NOT NULL,"
	" type TEXT,"
	" label TEXT,"
	" bits BIGINT,"
	" fingerprint TEXT,"
	" fingerprint_md5 TEXT,"
	" comment BYTEA,"
	" options BYTEA,"
	" sshd_ignores BIGINT NOT NULL,"
	" format TEXT,"
	" encrypted BIGINT,"
	" PRIMARY KEY(snapshot, seq));"
	"CREATE INDEX keys_fingerprint ON keys(fingerprint);"
	"CREATE TABLE sources("
	" snapshot BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" seq BIGINT NOT NULL,"
	" keyword BYTEA NOT NULL,"
	" value BYTEA NOT NULL,"
	" account BYTEA,"
	" PRIMARY KEY(snapshot, seq));";

static const char pg_v2[] =
	"ALTER TABLE snapshots ADD COLUMN host_id BYTEA;"
	"CREATE TABLE host_latest("
	" host_id BYTEA NOT NULL,"
	" target BYTEA NOT NULL,"
	" snapshot BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	" PRIMARY KEY(host_id, target));"
	"CREATE INDEX host_latest_snapshot ON host_latest(snapshot);";

/* v3: the keys of each host's newest snapshot of each target, with what the fleet
 * queries need, so that they cost what the fleet holds now, not its history (a key on
 * every host, with 90 daily snapshots kept, has 90 rows per host in keys). Kept by
 * kw_keystore_save in the transaction that moves host_latest. Ordered by fingerprint (in
 * SQLite the table is that index): --key reads one range, --shared-by one pass in order
 * (bench/fleet.sh: 416 ms -> 83 ms at 10,000 hosts). No foreign key: its rows belong to
 * snapshots host_latest holds, which prune never deletes, and the queries join keys and
 * snapshots, so a row whose snapshot was deleted by hand shows nowhere; a key to
 * snapshots would make every deletion of a snapshot scan this table. */
#define LATEST_KEYS_V3(TEXT_T, INT_T, STRICT)                                                   \
	"CREATE TABLE latest_keys("                                                        \
	" host_id " TEXT_T " NOT NULL,"                                                   \
	" target " TEXT_T " NOT NULL,"                                                    \
	" snapshot " INT_T " NOT NULL,"                                                   \
	" seq " INT_T " NOT NULL,"                                                        \
	" fingerprint TEXT NOT NULL,"                                                     \
	" grants " INT_T " NOT NULL,"                                                     \
	" label TEXT,"                                                                    \
	" bits " INT_T ","                                                                \
	" PRIMARY KEY(fingerprint, snapshot, seq))" STRICT ";"                            \
	"CREATE INDEX latest_keys_host ON latest_keys(host_id, target);"                   \
	"INSERT INTO latest_keys(host_id, target, snapshot, seq, fingerprint, grants, label, bits)" \
	" SELECT l.host_id, l.target, k.snapshot, k.seq, k.fingerprint, " GRANTS ", k.label, k.bits" \
	" FROM host_latest l JOIN keys k ON k.snapshot = l.snapshot"                       \
	" WHERE k.fingerprint IS NOT NULL;"
/* a line that opens an account: authorized, and sshd uses it */
#define GRANTS "CASE WHEN k.role = 'authorized' AND k.sshd_ignores = 0 THEN 1 ELSE 0 END"
static const char sqlite_v3[] = LATEST_KEYS_V3("TEXT", "INTEGER", " STRICT, WITHOUT ROWID");
static const char pg_v3[] = LATEST_KEYS_V3("BYTEA", "BIGINT", "");

/* [v] brings version v to v + 1 */
static const char *const sqlite_migrations[] = { sqlite_v1, sqlite_v2, sqlite_v3 };
static const char *const pg_migrations[] = { pg_v1, pg_v2, pg_v3 };
_Static_assert(KW_ARRAY_LEN(sqlite_migrations) == KW_KEYSTORE_SCHEMA, "one migration per version");
_Static_assert(KW_ARRAY_LEN(pg_migrations) == KW_KEYSTORE_SCHEMA, "one migration per version");

#define SNAP_COLS "id, taken, host, target, target_desc, complete, n_keys, n_sources," \
		  " n_authorized, n_accounts, n_unread, n_ignored, n_host, n_private, digest, host_id"
#define KEY_COLS "seq, role, account, path, line, has_pub, type, label, bits, fingerprint," \
		 " fingerprint_md5, comment, options, sshd_ignores, format, encrypted"

enum stmt_id {
	ST_SNAP_ADD,
	ST_KEY_ADD,
	ST_SRC_ADD,
	ST_LATEST_SET,
	ST_LATEST_KEYS_DEL,
	ST_LATEST_KEYS_ADD,
	ST_SNAP_GET,
	ST_KEYS_GET,
	ST_SRCS_GET,
	ST_LIST_ALL,
	ST_LIST_TARGET,
	ST_FIND_LATEST,
	ST_FIND_TIME,
	ST_FIND_ID,
	ST_PRUNE,
	ST_Q_KEY,
	ST_Q_SHARED,
	ST_Q_HOSTS,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SNAP_ADD] = "INSERT INTO snapshots(taken, host, target, target_desc, complete, n_keys,"
			" n_sources, n_authorized, n_accounts, n_unread, n_ignored, n_host, n_private,"
			" digest, host_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
			" $13, $14, $15) RETURNING id",
	[ST_KEY_ADD] = "INSERT INTO keys(snapshot, " KEY_COLS ") VALUES($1, $2, $3, $4, $5, $6,"
		       " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
	[ST_SRC_ADD] = "INSERT INTO sources(snapshot, seq, keyword, value, account)"
		       " VALUES($1, $2, $3, $4, $5)",
	/* a host's newest snapshot of a target; a slower concurrent save of an older one
	 * does not win */
	[ST_LATEST_SET] = "INSERT INTO host_latest(host_id, target, snapshot) VALUES($1, $2, $3)"
			  " ON CONFLICT(host_id, target) DO UPDATE SET snapshot = excluded.snapshot"
			  " WHERE excluded.snapshot > host_latest.snapshot",
	[ST_LATEST_KEYS_DEL] = "DELETE FROM latest_keys WHERE host_id = $1 AND target = $2",
	[ST_LATEST_KEYS_ADD] = "INSERT INTO latest_keys(host_id, target, snapshot, seq, fingerprint,"
			       " grants, label, bits) SELECT $1, $2, k.snapshot, k.seq, k.fingerprint, "
			       GRANTS ", k.label, k.bits FROM keys k WHERE k.snapshot = $3"
			       " AND k.fingerprint IS NOT NULL",
	[ST_SNAP_GET] = "SELECT " SNAP_COLS " FROM snapshots WHERE id = $1",
	[ST_KEYS_GET] = "SELECT " KEY_COLS " FROM keys WHERE snapshot = $1 ORDER BY seq",
	[ST_SRCS_GET] = "SELECT seq, keyword, value, account FROM sources WHERE snapshot = $1"
			" ORDER BY seq",
	[ST_LIST_ALL] = "SELECT " SNAP_COLS " FROM snapshots ORDER BY id",
	[ST_LIST_TARGET] = "SELECT " SNAP_COLS " FROM snapshots WHERE target = $1 ORDER BY id",
	/* $4 = 1: only the host $5's snapshots (and those of schema 1, which have none) */
	[ST_FIND_LATEST] = "SELECT id FROM snapshots WHERE target = $1"
			   " AND (CAST($2 AS BIGINT) = 0 OR id < $2)"
			   " AND (CAST($4 AS BIGINT) = 0 OR host_id = $5 OR host_id IS NULL)"
			   " ORDER BY id DESC LIMIT 1 OFFSET $3",
	[ST_FIND_TIME] = "SELECT id FROM snapshots WHERE target = $1"
			 " AND (CAST($2 AS BIGINT) = 0 OR id < $2)"
			 " AND (CAST($4 AS BIGINT) = 0 OR host_id = $5 OR host_id IS NULL)"
			 " AND taken <= $3 ORDER BY taken DESC, id DESC LIMIT 1",
	[ST_FIND_ID] = "SELECT id FROM snapshots WHERE id = $1",
	/* a host's newest snapshot stays, whatever keep says: the fleet queries read it */
	[ST_PRUNE] = "DELETE FROM snapshots WHERE target = $1 AND id NOT IN (SELECT id FROM"
		     " snapshots WHERE target = $1 ORDER BY id DESC LIMIT $2)"
		     " AND id NOT IN (SELECT snapshot FROM host_latest)",
	/* where a key is, in each host's newest snapshot of each target */
	[ST_Q_KEY] = "SELECT l.host_id, s.host, s.target, s.id, s.taken, k.role, k.account,"
		     " k.path, k.line, k.sshd_ignores, k.label, k.bits, k.comment, k.options"
		     " FROM latest_keys l JOIN keys k ON k.snapshot = l.snapshot AND k.seq = l.seq"
		     " JOIN snapshots s ON s.id = l.snapshot"
		     " WHERE l.fingerprint = $1 ORDER BY l.host_id, l.target, l.seq",
	/* keys that open at least $1 hosts (lines sshd uses, in each host's newest snapshot) */
	[ST_Q_SHARED] = "SELECT fingerprint, count(DISTINCT host_id) AS hosts, count(*),"
			" min(label), max(bits) FROM latest_keys WHERE grants = 1"
			" GROUP BY fingerprint HAVING count(DISTINCT host_id) >= $1"
			" ORDER BY hosts DESC, fingerprint LIMIT $2",
	/* how many hosts the fleet tables know */
	[ST_Q_HOSTS] = "SELECT count(DISTINCT host_id), count(*) FROM host_latest",
};

static const kw_db_schema keys_schema = {
	.name = "keys",
	.what = "keys database",
	.app_id = APP_ID,
	.version = KW_KEYSTORE_SCHEMA,
	.sqlite_migrations = sqlite_migrations,
	.pg_migrations = pg_migrations,
	.stmts = stmt_sql,
	.n_stmts = ST_COUNT,
	.busy_ms = BUSY_MS,
};

struct kw_keystore {
	kw_db *db;
};

static kw_dbq *use(kw_keystore *s, enum stmt_id id) { return kw_db_q(s->db, id); }

/* ---- opening ---- */

int kw_keystore_open(const char *path, unsigned flags, kw_keystore **ret, char *err, size_t errlen)
{
	*ret = NULL;
	kw_keystore *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int r = kw_db_open(path, &keys_schema, flags & KW_KEYSTORE_CREATE ? KW_DB_CREATE : 0,
			   &s->db, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void kw_keystore_close(kw_keystore *s)
{
	if (!s)
		return;
	kw_db_close(s->db);
	free(s);
}


/* ---- saving ---- */

static int add_snapshot_row(kw_keystore *s, const kw_keysnap *snap, int64_t *id)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_SNAP_ADD);
	kw_dbq_int(q, 1, snap->taken);
	kw_dbq_str(q, 2, snap->host);
	kw_dbq_str(q, 3, snap->target);
	kw_dbq_str(q, 4, snap->target_desc);
	kw_dbq_int(q, 5, snap->complete);
	const size_t counts[] = { snap->n_keys, snap->n_sources, snap->n_authorized, snap->n_accounts,
				  snap->n_unread, snap->n_ignored, snap->n_host, snap->n_private };
	for (size_t i = 0; i < KW_ARRAY_LEN(counts); i++)
		kw_dbq_int(q, (int)i + 6, counts[i] > INT64_MAX ? INT64_MAX : (int64_t)counts[i]);
	kw_dbq_str(q, 14, snap->digest);
	kw_dbq_str(q, 15, snap->host_id);
	int r = kw_dbq_step(q);
	if (r == 1 && kw_dbq_type(q, 0) == KW_DBV_INT) {
		*id = kw_dbq_get_int(q, 0);
		return kw_dbq_run(q);
	}
	return r < 0 ? r : KW_E_PARSE;
}

static int add_key_row(kw_keystore *s, int64_t id, size_t seq, const kw_keyrec *k)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_KEY_ADD);
	kw_dbq_int(q, 1, id);
	kw_dbq_int(q, 2, (int64_t)seq);
	kw_dbq_str(q, 3, kw_keyrole_name(k->role));
	kw_dbq_str(q, 4, k->account);
	kw_dbq_str(q, 5, k->path);
	if (k->line) /* a parameter left unbound is NULL */
		kw_dbq_int(q, 6, k->line);
	kw_dbq_int(q, 7, k->has_pub);
	kw_dbq_str(q, 8, k->has_pub ? k->type : NULL);
	kw_dbq_str(q, 9, k->has_pub ? k->label : NULL);
	if (k->has_pub)
		kw_dbq_int(q, 10, k->bits);
	kw_dbq_str(q, 11, k->has_pub ? k->fp : NULL);
	kw_dbq_str(q, 12, k->has_pub && k->fp_md5[0] ? k->fp_md5 : NULL);
	kw_dbq_str(q, 13, k->comment);
	kw_dbq_str(q, 14, k->options);
	kw_dbq_int(q, 15, k->sshd_ignores);
	kw_dbq_str(q, 16, k->format);
	if (k->encrypted >= 0)
		kw_dbq_int(q, 17, k->encrypted);
	return kw_dbq_run(q);
}

static int add_source_row(kw_keystore *s, int64_t id, size_t seq, const kw_keysrc *src)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_SRC_ADD);
	kw_dbq_int(q, 1, id);
	kw_dbq_int(q, 2, (int64_t)seq);
	kw_dbq_str(q, 3, src->keyword);
	kw_dbq_str(q, 4, src->value);
	kw_dbq_str(q, 5, src->account);
	return kw_dbq_run(q);
}

/* host_latest and latest_keys: when this snapshot is now the host's newest of its target
 * (a slower concurrent save of an older one is not), its keys replace the old ones. */
static int set_latest(kw_keystore *s, const kw_keysnap *snap, int64_t id)
{
	const char *host_id = snap->host_id ? snap->host_id : "";
	int64_t moved = 0;
	int r;
	{
		_cleanup_dbq_ kw_dbq *q = use(s, ST_LATEST_SET);
		kw_dbq_str(q, 1, host_id);
		kw_dbq_str(q, 2, snap->target);
		kw_dbq_int(q, 3, id);
		r = kw_dbq_run(q);
		moved = kw_dbq_changes(q);
	}
	if (r < 0 || moved == 0)
		return r;
	{
		_cleanup_dbq_ kw_dbq *q = use(s, ST_LATEST_KEYS_DEL);
		kw_dbq_str(q, 1, host_id);
		kw_dbq_str(q, 2, snap->target);
		r = kw_dbq_run(q);
	}
	if (r == 0) {
		_cleanup_dbq_ kw_dbq *q = use(s, ST_LATEST_KEYS_ADD);
		kw_dbq_str(q, 1, host_id);
		kw_dbq_str(q, 2, snap->target);
		kw_dbq_int(q, 3, id);
		r = kw_dbq_run(q);
	}
	return r;
}

/* The rows of one snapshot: 0 or a code. */
static int add_rows(kw_keystore *s, kw_keysnap *snap, int64_t *id)
{
	int r = add_snapshot_row(s, snap, id);
	for (size_t i = 0; r == 0 && i < snap->n_keys; i++)
		r = add_key_row(s, *id, i, &snap->keys[i]);
	for (size_t i = 0; r == 0 && i < snap->n_sources; i++)
		r = add_source_row(s, *id, i, &snap->sources[i]);
	if (r == 0)
		r = set_latest(s, snap, *id);
	return r;
}

int kw_keystore_save(kw_keystore *s, kw_keysnap *snap, kw_keystore_commit_fn before_commit,
		     void *ctx, char *err, size_t errlen)
{
	if (!snap->target || !snap->target_desc)
		return -EINVAL;
	int r = kw_keysnap_digest(snap, snap->digest);
	if (r < 0) {
		kw_errf(err, errlen, "computing the snapshot's digest: %s", kw_strerror(r));
		return r;
	}
	r = kw_db_begin(s->db);
	if (r < 0)
		return kw_db_fail(s->db, r, err, errlen, "starting the transaction");
	int64_t id = 0;
	r = add_rows(s, snap, &id);
	if (r < 0) {
		kw_db_fail(s->db, r, err, errlen, "storing the snapshot");
	} else if (before_commit) {
		snap->id = id;
		r = before_commit(ctx, snap);
	}
	if (r == 0 && (r = kw_db_commit(s->db)) < 0)
		kw_db_fail(s->db, r, err, errlen, "committing the snapshot");
	if (r < 0) {
		kw_db_rollback(s->db);
		snap->id = 0;
		snap->digest[0] = '\0';
		return r;
	}
	snap->id = id;
	snap->n_keys_total = snap->n_keys;
	return 0;
}

int kw_keystore_prune(kw_keystore *s, const char *target, size_t keep, size_t *ret_deleted,
		      char *err, size_t errlen)
{
	if (!target || keep == 0)
		return -EINVAL;
	int r = kw_db_begin(s->db);
	if (r < 0)
		return kw_db_fail(s->db, r, err, errlen, "starting the transaction");
	int64_t n = 0;
	{
		_cleanup_dbq_ kw_dbq *q = use(s, ST_PRUNE);
		kw_dbq_str(q, 1, target);
		kw_dbq_int(q, 2, keep > INT64_MAX ? INT64_MAX : (int64_t)keep);
		r = kw_dbq_run(q);
		n = kw_dbq_changes(q);
	}
	if (r == 0)
		r = kw_db_commit(s->db);
	if (r < 0) {
		kw_db_fail(s->db, r, err, errlen, "deleting old snapshots");
		kw_db_rollback(s->db);
		return r;
	}
	if (ret_deleted)
		*ret_deleted = n > 0 ? (size_t)n : 0;
	return 0;
}

/* ---- reading back, validated ---- */

/* A text column into a new string: text (or NULL when nullable), no NUL, bounded.
 * 0, KW_E_PARSE or -ENOMEM. */
static int col_str(kw_dbq *q, int i, bool nullable, char **out)
{
	*out = NULL;
	kw_dbv t = kw_dbq_type(q, i);
	if (t == KW_DBV_NULL)
		return nullable ? 0 : KW_E_PARSE;
	if (t != KW_DBV_TEXT)
		return KW_E_PARSE;
	size_t n = 0;
	const char *p = kw_dbq_get_text(q, i, &n);
	if (!p)
		return -ENOMEM;
	if (n > KW_KEYSTORE_TEXT_MAX || memchr(p, 0, n))
		return KW_E_PARSE;
	*out = strndup(p, n);
	return *out ? 0 : -ENOMEM;
}

/* A text column into out[cap] (NULL: "" when nullable). */
static int col_fixed(kw_dbq *q, int i, bool nullable, char *out, size_t cap)
{
	_cleanup_free_ char *v = NULL;
	int r = col_str(q, i, nullable, &v);
	if (r < 0)
		return r;
	size_t n = v ? strlen(v) : 0;
	if (n >= cap)
		return KW_E_PARSE;
	memcpy(out, v ? v : "", n + 1);
	return 0;
}

/* An integer column in [lo, hi]; NULL gives dflt when nullable. */
static int col_int(kw_dbq *q, int i, bool nullable, int64_t lo, int64_t hi, int64_t dflt,
		   int64_t *out)
{
	kw_dbv t = kw_dbq_type(q, i);
	if (t == KW_DBV_NULL && nullable) {
		*out = dflt;
		return 0;
	}
	if (t != KW_DBV_INT)
		return KW_E_PARSE;
	int64_t v = kw_dbq_get_int(q, i);
	if (v < lo || v > hi)
		return KW_E_PARSE;
	*out = v;
	return 0;
}

static bool in_set(char c, const char *set) { return c && strchr(set, c); }

/* "SHA256:" and 43 characters of unpadded base64 */
/* "" or "MD5:" and 16 pairs of lowercase hex joined by ':' */
static bool md5_ok(const char *s)
{
	if (!*s)
		return true;
	if (strncmp(s, "MD5:", 4) != 0 || strlen(s) != KW_FP_MD5_LEN - 1)
		return false;
	for (size_t i = 0; s[4 + i]; i++)
		if (i % 3 == 2 ? s[4 + i] != ':' : !in_set(s[4 + i], "0123456789abcdef"))
			return false;
	return true;
}

static bool digest_ok(const char *s)
{
	return strlen(s) == KW_KEYSNAP_DIGEST_HEX && kw_is_hex_lower(s, KW_KEYSNAP_DIGEST_HEX);
}

/* Run a step of checks, remembering which column failed. */
#define CHECK(expr, col)                                                                  \
	do {                                                                              \
		int _r = (expr);                                                          \
		if (_r < 0) {                                                             \
			*why = (col);                                                     \
			return _r;                                                        \
		}                                                                         \
	} while (0)

/* One SNAP_COLS row; *n_sources gets the count of source rows it records. */
static int decode_snap(kw_dbq *st, kw_keysnap *s, size_t *n_sources, const char **why)
{
	int64_t v, n[8];
	CHECK(col_int(st, 0, false, 1, INT64_MAX, 0, &s->id), "id");
	CHECK(col_int(st, 1, false, INT64_MIN, INT64_MAX, 0, &s->taken), "taken");
	CHECK(col_str(st, 2, true, &s->host), "host");
	CHECK(col_str(st, 3, false, &s->target), "target");
	CHECK(col_str(st, 4, false, &s->target_desc), "target_desc");
	CHECK(col_int(st, 5, false, 0, 1, 0, &v), "complete");
	s->complete = v;
	static const char *const names[] = { "n_keys", "n_sources", "n_authorized", "n_accounts",
					     "n_unread", "n_ignored", "n_host", "n_private" };
	for (int i = 0; i < 8; i++)
		CHECK(col_int(st, 6 + i, false, 0, INT32_MAX, 0, &n[i]), names[i]);
	s->n_keys_total = (size_t)n[0];
	s->n_authorized = (size_t)n[2];
	s->n_accounts = (size_t)n[3];
	s->n_unread = (size_t)n[4];
	s->n_ignored = (size_t)n[5];
	s->n_host = (size_t)n[6];
	s->n_private = (size_t)n[7];
	CHECK(col_fixed(st, 14, false, s->digest, sizeof s->digest), "digest");
	CHECK(digest_ok(s->digest) ? 0 : KW_E_PARSE, "digest");
	CHECK(col_str(st, 15, true, &s->host_id), "host_id");
	*n_sources = (size_t)n[1];
	return 0;
}

/* One KEY_COLS row, the seq'th. */
static int decode_key(kw_dbq *st, size_t seq, kw_keyrec *k, const char **why)
{
	int64_t v;
	char role[16];
	CHECK(col_int(st, 0, false, 0, INT64_MAX, 0, &v), "seq");
	CHECK((uint64_t)v == seq ? 0 : KW_E_PARSE, "seq");
	CHECK(col_fixed(st, 1, false, role, sizeof role), "role");
	CHECK(kw_keyrole_from_name(role, &k->role), "role");
	CHECK(col_str(st, 2, true, &k->account), "account");
	CHECK(col_str(st, 3, false, &k->path), "path");
	CHECK(col_int(st, 4, true, 1, UINT32_MAX, 0, &v), "line");
	k->line = (unsigned)v;
	CHECK(col_int(st, 5, false, 0, 1, 0, &v), "has_pub");
	k->has_pub = v;
	CHECK(col_fixed(st, 6, !k->has_pub, k->type, sizeof k->type), "type");
	CHECK(col_fixed(st, 7, !k->has_pub, k->label, sizeof k->label), "label");
	CHECK(col_int(st, 8, !k->has_pub, 0, UINT32_MAX, 0, &v), "bits");
	k->bits = (unsigned)v;
	CHECK(col_fixed(st, 9, !k->has_pub, k->fp, sizeof k->fp), "fingerprint");
	CHECK(!k->has_pub || kw_fp_sha256_valid(k->fp, strlen(k->fp)) ? 0 : KW_E_PARSE, "fingerprint");
	CHECK(col_fixed(st, 10, true, k->fp_md5, sizeof k->fp_md5), "fingerprint_md5");
	CHECK(md5_ok(k->fp_md5) ? 0 : KW_E_PARSE, "fingerprint_md5");
	if (!k->has_pub && (k->type[0] || k->label[0] || k->bits || k->fp[0] || k->fp_md5[0]))
		CHECK(KW_E_PARSE, "has_pub");
	CHECK(col_str(st, 11, true, &k->comment), "comment");
	CHECK(col_str(st, 12, true, &k->options), "options");
	CHECK(col_int(st, 13, false, 0, 1, 0, &v), "sshd_ignores");
	k->sshd_ignores = v;
	CHECK(col_str(st, 14, true, &k->format), "format");
	CHECK(col_int(st, 15, true, 0, 1, -1, &v), "encrypted");
	k->encrypted = (int)v;
	return 0;
}

static int decode_source(kw_dbq *st, size_t seq, kw_keysrc *src, const char **why)
{
	int64_t v;
	CHECK(col_int(st, 0, false, 0, INT64_MAX, 0, &v), "seq");
	CHECK((uint64_t)v == seq ? 0 : KW_E_PARSE, "seq");
	CHECK(col_str(st, 1, false, &src->keyword), "keyword");
	CHECK(col_str(st, 2, false, &src->value), "value");
	CHECK(col_str(st, 3, true, &src->account), "account");
	return 0;
}


static int row_err(int r, char *err, size_t errlen, int64_t id, const char *table, size_t row,
		   const char *col)
{
	if (r == -ENOMEM)
		return r;
	kw_errf(err, errlen, "snapshot %lld: %s row %zu has a bad %s: the database was changed "
		"outside keyward or is damaged", (long long)id, table, row + 1, col ? col : "value");
	return KW_E_PARSE;
}

static int load_keys(kw_keystore *s, kw_keysnap *snap, char *err, size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_KEYS_GET);
	kw_dbq_int(q, 1, snap->id);
	int r;
	while ((r = kw_dbq_step(q)) > 0) {
		const char *why = NULL;
		kw_keyrec *k = KW_VEC_PUSH(snap->keys, snap->n_keys, snap->cap_keys);
		if (!k)
			return -ENOMEM;
		r = decode_key(q, snap->n_keys - 1, k, &why);
		if (r < 0)
			return row_err(r, err, errlen, snap->id, "keys", snap->n_keys - 1, why);
	}
	return r < 0 ? kw_db_fail(s->db, r, err, errlen, "reading the keys") : 0;
}

static int load_sources(kw_keystore *s, kw_keysnap *snap, char *err, size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_SRCS_GET);
	kw_dbq_int(q, 1, snap->id);
	int r;
	while ((r = kw_dbq_step(q)) > 0) {
		const char *why = NULL;
		kw_keysrc *src = KW_VEC_PUSH(snap->sources, snap->n_sources, snap->cap_sources);
		if (!src)
			return -ENOMEM;
		r = decode_source(q, snap->n_sources - 1, src, &why);
		if (r < 0)
			return row_err(r, err, errlen, snap->id, "sources", snap->n_sources - 1, why);
	}
	return r < 0 ? kw_db_fail(s->db, r, err, errlen, "reading the sources") : 0;
}

static int load_all(kw_keystore *s, int64_t id, kw_keysnap *ret, char *err, size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_SNAP_GET);
	kw_dbq_int(q, 1, id);
	int r = kw_dbq_step(q);
	if (r == 0) {
		kw_errf(err, errlen, "there is no snapshot %lld", (long long)id);
		return -ENOENT;
	}
	if (r < 0)
		return kw_db_fail(s->db, r, err, errlen, "reading the snapshot");
	const char *why = NULL;
	size_t want_sources = 0;
	r = decode_snap(q, ret, &want_sources, &why);
	if (r < 0)
		return row_err(r, err, errlen, id, "snapshots", 0, why);
	r = load_keys(s, ret, err, errlen);
	if (r == 0)
		r = load_sources(s, ret, err, errlen);
	if (r < 0)
		return r;
	if (ret->n_keys != ret->n_keys_total || ret->n_sources != want_sources) {
		kw_errf(err, errlen, "snapshot %lld: %zu key rows and %zu source rows where the "
			"snapshot records %zu and %zu: the database was changed outside keyward",
			(long long)id, ret->n_keys, ret->n_sources, ret->n_keys_total, want_sources);
		return KW_E_PARSE;
	}
	char again[KW_KEYSNAP_DIGEST_HEX + 1];
	r = kw_keysnap_digest(ret, again);
	if (r < 0)
		return r;
	if (strcmp(again, ret->digest) != 0) {
		kw_errf(err, errlen, "snapshot %lld does not match its digest: the database was "
			"changed outside keyward", (long long)id);
		return KW_E_PARSE;
	}
	return 0;
}

int kw_keystore_load(kw_keystore *s, int64_t id, kw_keysnap *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof *ret);
	/* one read transaction: a snapshot saved meanwhile cannot interleave (it would not
	 * change this one's rows, but its reads stay consistent and cheaper) */
	int r = kw_db_exec(s->db, kw_db_kind_of(s->db) == KW_DB_PG
			   ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
	if (r < 0)
		return kw_db_fail(s->db, r, err, errlen, "starting a read");
	r = load_all(s, id, ret, err, errlen);
	kw_db_rollback(s->db); /* a read: nothing to keep */
	if (r < 0)
		kw_keysnap_release(ret);
	return r;
}

/* kw_dbq_decode_fn: a SNAP_COLS row; ctx is where the name of a bad column goes */
static int collect_snap(kw_dbq *q, void *elem, void *ctx)
{
	size_t n_sources = 0;
	int r = decode_snap(q, elem, &n_sources, ctx);
	return r < 0 ? r : 1;
}

int kw_keystore_list(kw_keystore *s, const char *target, kw_keysnap **ret, size_t *n, char *err,
		     size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, target ? ST_LIST_TARGET : ST_LIST_ALL);
	if (target)
		kw_dbq_str(q, 1, target);
	const char *why = NULL;
	int r = kw_dbq_collect(q, sizeof **ret, collect_snap, &why, (void **)ret, n);
	if (r < 0) {
		if (why) /* a row that does not check: the last element */
			r = row_err(r, err, errlen, (*ret)[*n - 1].id, "snapshots", 0, why);
		else if (r != -ENOMEM)
			kw_db_fail(s->db, r, err, errlen, "listing the snapshots");
		for (size_t i = 0; i < *n; i++)
			kw_keysnap_release(&(*ret)[i]);
		free(*ret);
		*ret = NULL;
		*n = 0;
	}
	return r;
}

/* ---- fleet queries ---- */

void kw_keyplaces_free(kw_keyplace *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].host_id);
		free(v[i].host);
		free(v[i].target);
		free(v[i].account);
		free(v[i].path);
		free(v[i].comment);
		free(v[i].options);
	}
	free(v);
}

static int decode_place(kw_dbq *q, kw_keyplace *p, const char **why)
{
	int64_t v;
	char role[16];
	CHECK(col_str(q, 0, false, &p->host_id), "host_id");
	CHECK(col_str(q, 1, true, &p->host), "host");
	CHECK(col_str(q, 2, false, &p->target), "target");
	CHECK(col_int(q, 3, false, 1, INT64_MAX, 0, &p->snapshot), "id");
	CHECK(col_int(q, 4, false, INT64_MIN, INT64_MAX, 0, &p->taken), "taken");
	CHECK(col_fixed(q, 5, false, role, sizeof role), "role");
	CHECK(kw_keyrole_from_name(role, &p->role), "role");
	CHECK(col_str(q, 6, true, &p->account), "account");
	CHECK(col_str(q, 7, false, &p->path), "path");
	CHECK(col_int(q, 8, true, 1, UINT32_MAX, 0, &v), "line");
	p->line = (unsigned)v;
	CHECK(col_int(q, 9, false, 0, 1, 0, &v), "sshd_ignores");
	p->sshd_ignores = v;
	CHECK(col_fixed(q, 10, true, p->label, sizeof p->label), "label");
	CHECK(col_int(q, 11, true, 0, UINT32_MAX, 0, &v), "bits");
	p->bits = (unsigned)v;
	CHECK(col_str(q, 12, true, &p->comment), "comment");
	CHECK(col_str(q, 13, true, &p->options), "options");
	return 0;
}

static int decode_shared(kw_dbq *q, kw_keyshared *k, const char **why)
{
	int64_t v;
	CHECK(col_fixed(q, 0, false, k->fp, sizeof k->fp), "fingerprint");
	CHECK(kw_fp_sha256_valid(k->fp, strlen(k->fp)) ? 0 : KW_E_PARSE, "fingerprint");
	CHECK(col_int(q, 1, false, 1, INT64_MAX, 0, &v), "hosts");
	k->hosts = (size_t)v;
	CHECK(col_int(q, 2, false, 1, INT64_MAX, 0, &v), "places");
	k->places = (size_t)v;
	CHECK(col_fixed(q, 3, true, k->label, sizeof k->label), "label");
	CHECK(col_int(q, 4, true, 0, UINT32_MAX, 0, &v), "bits");
	k->bits = (unsigned)v;
	return 0;
}

#undef CHECK

static int query_err(kw_keystore *s, int r, char *err, size_t errlen, const char *what,
		     const char *why)
{
	if (r == -ENOMEM)
		return r;
	if (r == KW_E_PARSE && why) {
		kw_errf(err, errlen, "%s: a row has a bad %s: the database was changed outside "
			"keyward or is damaged", what, why);
		return r;
	}
	return kw_db_fail(s->db, r, err, errlen, what);
}

/* kw_dbq_decode_fn adapters: ctx is where the name of a bad column goes */
static int collect_place(kw_dbq *q, void *elem, void *ctx)
{
	int r = decode_place(q, elem, ctx);
	return r < 0 ? r : 1;
}

static int collect_shared(kw_dbq *q, void *elem, void *ctx)
{
	int r = decode_shared(q, elem, ctx);
	return r < 0 ? r : 1;
}

int kw_keystore_where(kw_keystore *s, const char *fp, kw_keyplace **ret, size_t *n, char *err,
		      size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_Q_KEY);
	kw_dbq_str(q, 1, fp);
	const char *why = NULL;
	int r = kw_dbq_collect(q, sizeof **ret, collect_place, &why, (void **)ret, n);
	if (r < 0) {
		kw_keyplaces_free(*ret, *n);
		*ret = NULL;
		*n = 0;
		return query_err(s, r, err, errlen, "looking up the key", why);
	}
	return 0;
}

int kw_keystore_shared(kw_keystore *s, size_t min_hosts, size_t limit, kw_keyshared **ret,
		       size_t *n, char *err, size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_Q_SHARED);
	kw_dbq_int(q, 1, min_hosts > INT64_MAX ? INT64_MAX : (int64_t)min_hosts);
	kw_dbq_int(q, 2, limit == 0 || limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	const char *why = NULL;
	int r = kw_dbq_collect(q, sizeof **ret, collect_shared, &why, (void **)ret, n);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
		*n = 0;
		return query_err(s, r, err, errlen, "counting shared keys", why);
	}
	return 0;
}

int kw_keystore_fleet_size(kw_keystore *s, size_t *hosts, size_t *latest, char *err,
			   size_t errlen)
{
	_cleanup_dbq_ kw_dbq *q = use(s, ST_Q_HOSTS);
	int64_t h = 0, l = 0;
	int r = kw_dbq_step(q);
	if (r > 0)
		r = col_int(q, 0, false, 0, INT64_MAX, 0, &h) < 0 ||
		    col_int(q, 1, false, 0, INT64_MAX, 0, &l) < 0 ? KW_E_PARSE : 0;
	else if (r == 0)
		r = KW_E_PARSE;
	if (r < 0)
		return query_err(s, r, err, errlen, "counting hosts", "count");
	*hosts = (size_t)h;
	*latest = (size_t)l;
	return 0;
}

/* ==== naming snapshots ==== */

/* exactly n digits into *out */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool take_char(const char **p, const char *set)
{
	if (!**p || !strchr(set, **p))
		return false;
	(*p)++;
	return true;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS]][Z], UTC; a date alone is its last second */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 23, mi = 59, sec = 59;
	const char *p = s;
	if (!take_digits(&p, 4, &y) || !take_char(&p, "-") || !take_digits(&p, 2, &mo) ||
	    !take_char(&p, "-") || !take_digits(&p, 2, &d))
		return KW_E_USAGE;
	if (take_char(&p, "T ")) {
		sec = 0;
		if (!take_digits(&p, 2, &h) || !take_char(&p, ":") || !take_digits(&p, 2, &mi))
			return KW_E_USAGE;
		if (take_char(&p, ":") && !take_digits(&p, 2, &sec))
			return KW_E_USAGE;
	}
	take_char(&p, "Z");
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return KW_E_USAGE;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	struct tm back;
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
		return KW_E_USAGE; /* 2026-02-30 */
	*out = (int64_t)t;
	return 0;
}

static int parse_count(const char *s, int64_t max, int64_t *out)
{
	if (!*s || strlen(s) > 18)
		return KW_E_USAGE;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return KW_E_USAGE;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return KW_E_USAGE;
	*out = v;
	return 0;
}

int kw_snapspec_parse(const char *spec, kw_snapspec *ret)
{
	*ret = (kw_snapspec){ .kind = KW_SNAP_LATEST };
	if (!spec || !*spec || !strcmp(spec, "latest"))
		return 0;
	if (!strncmp(spec, "latest~", 7)) {
		if (!spec[7]) {
			ret->n = 1; /* as git's HEAD~ */
			return 0;
		}
		return parse_count(spec + 7, 1000000, &ret->n);
	}
	if (strchr(spec, '-')) {
		ret->kind = KW_SNAP_TIME;
		return parse_time(spec, &ret->n);
	}
	ret->kind = KW_SNAP_ID;
	int r = parse_count(spec[0] == '#' ? spec + 1 : spec, INT64_MAX, &ret->n);
	return r == 0 && ret->n == 0 ? KW_E_USAGE : r;
}

static void not_found(const char *target, const kw_snapspec *spec, int64_t before, char *err,
		      size_t errlen)
{
	_cleanup_free_ char *t = kw_escape_str(target ? target : "");
	char bound[48] = "";
	if (before > 0)
		snprintf(bound, sizeof bound, " before snapshot %lld", (long long)before);
	if (spec->kind == KW_SNAP_ID) {
		kw_errf(err, errlen, "there is no snapshot %lld", (long long)spec->n);
	} else if (spec->kind == KW_SNAP_TIME) {
		char when[32] = "?";
		if (kw_time_iso(spec->n, true, when, sizeof when) == 0)
			strcpy(when, "?");
		kw_errf(err, errlen, "no snapshot of %s taken at or before %s%s", t ? t : "?", when, bound);
	} else if (spec->n == 0) {
		kw_errf(err, errlen, "no snapshot of %s%s", t ? t : "?", bound);
	} else {
		kw_errf(err, errlen, "%s has no snapshot %lld before its latest%s", t ? t : "?",
			(long long)spec->n, bound);
	}
}

int kw_keystore_find(kw_keystore *s, const char *target, const char *host_id,
		     const kw_snapspec *spec, int64_t before, int64_t *ret_id, char *err, size_t errlen)
{
	enum stmt_id id = spec->kind == KW_SNAP_ID ? ST_FIND_ID
			  : spec->kind == KW_SNAP_TIME ? ST_FIND_TIME : ST_FIND_LATEST;
	if (id != ST_FIND_ID && !target)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *q = use(s, id);
	if (id == ST_FIND_ID) {
		kw_dbq_int(q, 1, spec->n);
	} else {
		kw_dbq_str(q, 1, target);
		kw_dbq_int(q, 2, before > 0 ? before : 0);
		kw_dbq_int(q, 3, spec->n);
		kw_dbq_int(q, 4, host_id != NULL);
		kw_dbq_str(q, 5, host_id ? host_id : "");
	}
	int r = kw_dbq_step(q);
	if (r == 0) {
		not_found(target, spec, before, err, errlen);
		return -ENOENT;
	}
	if (r < 0)
		return kw_db_fail(s->db, r, err, errlen, "looking for the snapshot");
	int64_t v;
	if (col_int(q, 0, false, 1, INT64_MAX, 0, &v) < 0) {
		kw_errf(err, errlen, "a snapshot id in the database is not a positive number");
		return KW_E_PARSE;
	}
	*ret_id = v;
	return 0;
}

/* ==== the diff ==== */

const char *kw_keychange_name(unsigned bit)
{
	switch (bit) {
	case KW_KC_PATH: return "file";
	case KW_KC_LINE: return "line";
	case KW_KC_OPTIONS: return "options";
	case KW_KC_COMMENT: return "comment";
	case KW_KC_IGNORED: return "sshd_ignores";
	case KW_KC_FORMAT: return "format";
	case KW_KC_ENCRYPTED: return "encrypted";
	}
	return NULL;
}

static int cmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_num(long long a, long long b) { return a < b ? -1 : a > b; }

enum { BY_IDENTITY = 1, BY_FILE = 2, BY_ALL = 3 };

/* The order every pass walks in; level says how long a prefix of it to compare. */
static int cmp_level(const kw_keyrec *a, const kw_keyrec *b, int level)
{
	int c = cmp_num(a->role, b->role);
	if (!c)
		c = cmp_null(a->account, b->account);
	if (!c)
		c = cmp_num(a->has_pub, b->has_pub);
	if (!c)
		c = a->has_pub ? strcmp(a->fp, b->fp) : strcmp(a->path, b->path);
	if (c || level == BY_IDENTITY)
		return c;
	c = strcmp(a->path, b->path);
	if (c || level == BY_FILE)
		return c;
	c = cmp_num(a->line, b->line);
	if (!c)
		c = cmp_null(a->options, b->options);
	if (!c)
		c = cmp_null(a->comment, b->comment);
	if (!c)
		c = cmp_num(a->sshd_ignores, b->sshd_ignores);
	if (!c)
		c = cmp_null(a->format, b->format);
	if (!c)
		c = cmp_num(a->encrypted, b->encrypted);
	return c;
}

static unsigned change_bits(const kw_keyrec *a, const kw_keyrec *b)
{
	unsigned w = 0;
	if (strcmp(a->path, b->path))
		w |= KW_KC_PATH;
	if (a->line != b->line)
		w |= KW_KC_LINE;
	if (cmp_null(a->options, b->options))
		w |= KW_KC_OPTIONS;
	if (cmp_null(a->comment, b->comment))
		w |= KW_KC_COMMENT;
	if (a->sshd_ignores != b->sshd_ignores)
		w |= KW_KC_IGNORED;
	if (cmp_null(a->format, b->format))
		w |= KW_KC_FORMAT;
	if (a->encrypted != b->encrypted)
		w |= KW_KC_ENCRYPTED;
	return w;
}

static int cmp_rec_ix(const void *x, const void *y, void *ctx)
{
	const kw_keyrec *r = ctx;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = cmp_level(&r[a], &r[b], BY_ALL);
	return c ? c : cmp_num((long long)a, (long long)b);
}

/* One side of the diff: its entries' indexes in walk order, and each entry's partner on
 * the other side (-1: none yet). */
typedef struct side {
	const kw_keyrec *rec;
	size_t n;
	size_t *order;
	long *pair;
} side;

static int side_init(side *s, const kw_keyrec *rec, size_t n)
{
	s->rec = rec;
	s->n = n;
	s->order = malloc((n ? n : 1) * sizeof *s->order);
	s->pair = malloc((n ? n : 1) * sizeof *s->pair);
	if (!s->order || !s->pair)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s->order[i] = i;
		s->pair[i] = -1;
	}
	qsort_r(s->order, n, sizeof *s->order, cmp_rec_ix, (void *)rec);
	return 0;
}

static void side_release(side *s)
{
	free(s->order);
	free(s->pair);
}

/* Pair the unpaired entries of b and a that are equal at level (a merge walk). */
static void pair_pass(side *b, side *a, int level)
{
	size_t i = 0, j = 0;
	while (i < b->n && j < a->n) {
		size_t x = b->order[i], y = a->order[j];
		if (b->pair[x] >= 0) {
			i++;
			continue;
		}
		if (a->pair[y] >= 0) {
			j++;
			continue;
		}
		int c = cmp_level(&b->rec[x], &a->rec[y], level);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			b->pair[x] = (long)y;
			a->pair[y] = (long)x;
			i++;
			j++;
		}
	}
}

static int collect_keys(const side *b, const side *a, kw_keydiff *d)
{
	size_t cap_added = 0, cap_changed = 0, cap_removed = 0;
	for (size_t y = 0; y < a->n; y++) {
		const kw_keyrec *after = &a->rec[y];
		if (a->pair[y] < 0) {
			if (KW_VEC_RESERVE(d->added, d->n_added, cap_added) < 0)
				return -ENOMEM;
			d->added[d->n_added++] = after;
			continue;
		}
		const kw_keyrec *before = &b->rec[a->pair[y]];
		unsigned w = change_bits(before, after);
		if (!w)
			continue;
		kw_keychange *c = KW_VEC_PUSH(d->changed, d->n_changed, cap_changed);
		if (!c)
			return -ENOMEM;
		*c = (kw_keychange){ .before = before, .after = after, .what = w };
		if (w == KW_KC_LINE)
			d->n_moved++;
	}
	for (size_t x = 0; x < b->n; x++) {
		if (b->pair[x] >= 0)
			continue;
		if (KW_VEC_RESERVE(d->removed, d->n_removed, cap_removed) < 0)
			return -ENOMEM;
		d->removed[d->n_removed++] = &b->rec[x];
	}
	return 0;
}

/* ---- sources: a multiset of (keyword, account, value) ---- */

static int cmp_src(const kw_keysrc *a, const kw_keysrc *b)
{
	int c = cmp_null(a->keyword, b->keyword);
	if (!c)
		c = cmp_null(a->account, b->account);
	if (!c)
		c = cmp_null(a->value, b->value);
	return c;
}

static int cmp_src_ix(const void *x, const void *y, void *ctx)
{
	const kw_keysrc *s = ctx;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = cmp_src(&s[a], &s[b]);
	return c ? c : cmp_num((long long)a, (long long)b);
}

static size_t *sorted_ix(const kw_keysrc *v, size_t n)
{
	size_t *ix = malloc((n ? n : 1) * sizeof *ix);
	if (!ix)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof *ix, cmp_src_ix, (void *)v);
	return ix;
}

static int push_src(const kw_keysrc ***v, size_t *n, size_t *cap, const kw_keysrc *s)
{
	if (kw_vec_reserve((void **)v, *n, cap, sizeof **v) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = s;
	return 0;
}

static int diff_sources(const kw_keysnap *before, const kw_keysnap *after, kw_keydiff *d)
{
	_cleanup_free_ size_t *bi = sorted_ix(before->sources, before->n_sources);
	_cleanup_free_ size_t *ai = sorted_ix(after->sources, after->n_sources);
	if (!bi || !ai)
		return -ENOMEM;
	size_t i = 0, j = 0, cap_a = 0, cap_r = 0;
	int r = 0;
	while (r == 0 && (i < before->n_sources || j < after->n_sources)) {
		const kw_keysrc *x = i < before->n_sources ? &before->sources[bi[i]] : NULL;
		const kw_keysrc *y = j < after->n_sources ? &after->sources[ai[j]] : NULL;
		int c = !x ? 1 : !y ? -1 : cmp_src(x, y);
		if (c < 0) {
			r = push_src(&d->src_removed, &d->n_src_removed, &cap_r, x);
			i++;
		} else if (c > 0) {
			r = push_src(&d->src_added, &d->n_src_added, &cap_a, y);
			j++;
		} else {
			i++;
			j++;
		}
	}
	return r;
}

void kw_keydiff_release(kw_keydiff *d)
{
	if (!d)
		return;
	free(d->added);
	free(d->removed);
	free(d->changed);
	free(d->src_added);
	free(d->src_removed);
	memset(d, 0, sizeof *d);
}

int kw_keydiff_compute(const kw_keysnap *before, const kw_keysnap *after, kw_keydiff *d)
{
	memset(d, 0, sizeof *d);
	side b = { 0 }, a = { 0 };
	int r = side_init(&b, before->keys, before->n_keys);
	if (r == 0)
		r = side_init(&a, after->keys, after->n_keys);
	if (r == 0) {
		pair_pass(&b, &a, BY_ALL);
		pair_pass(&b, &a, BY_FILE);
		pair_pass(&b, &a, BY_IDENTITY);
		r = collect_keys(&b, &a, d);
	}
	if (r == 0)
		r = diff_sources(before, after, d);
	side_release(&b);
	side_release(&a);
	if (r < 0)
		kw_keydiff_release(d);
	return r;
}

