/* db.c — the kw_db interface (db.h) and its SQLite backend; pg.c has PostgreSQL's.
 *
 * SQLite opening, in order: the folder is made (KW_DB_CREATE), a flock on the folder
 * serialises keyward processes while they open (switching a new file to WAL fails at once,
 * without the busy handler, while another connection is on it), the file is checked and
 * created 0600 by open(2) (SQLite would make it 0644), SQLite opens it without following a
 * link, hardens the connection, sets the pragmas and WAL, migrates, prepares.
 */
#include "db/db_impl.h"

#include "db/sqlite.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool kw_db_is_pg(const char *name)
{
	return name && (!strncmp(name, "postgresql://", 13) || !strncmp(name, "postgres://", 11));
}

char *kw_db_display(const char *name)
{
	if (!name)
		return kw_escape_str("");
	/* each replacement grows the text by at most 2 bytes (one byte becomes "***") */
	size_t n = strlen(name);
	_cleanup_free_ char *c = malloc(3 * n + 4);
	if (!c)
		return NULL;
	memcpy(c, name, n + 1);
	if (kw_db_is_pg(c)) {
		/* scheme://[user[:password]@]host...: the userinfo ends at the last '@' before
		 * the path; a password is what follows its first ':' */
		char *auth = strstr(c, "://") + 3;
		size_t hostpart = strcspn(auth, "/?");
		char *at = NULL;
		for (char *p = auth; p < auth + hostpart; p++)
			if (*p == '@')
				at = p;
		char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon && at > colon + 1) {
			memmove(colon + 4, at, strlen(at) + 1);
			memcpy(colon + 1, "***", 3);
		}
		/* ...?password=secret&... */
		for (char *p = strchr(c, '?'); p; p = strchr(p + 1, '&')) {
			char *k = p + 1;
			if (strncmp(k, "password=", 9))
				continue;
			char *v = k + 9, *end = v + strcspn(v, "&");
			if (end > v) {
				memmove(v + 3, end, strlen(end) + 1);
				memcpy(v, "***", 3);
			}
		}
	}
	return kw_escape_str(c);
}

kw_db_kind kw_db_kind_of(const kw_db *db) { return db->kind; }

/* ---- errors ---- */

void kw_db_errmsg(kw_db *db, char *err, size_t errlen, const char *what)
{
	if (!db || db->kind == KW_DB_SQLITE) {
		kw_sqlite_errmsg(err, errlen, db ? db->sq : NULL, what);
		return;
	}
	if (!err || errlen == 0)
		return;
	_cleanup_free_ char *msg = kw_escape_str(db->msg[0] ? db->msg : "unknown error");
	kw_errf(err, errlen, "%s: %s", what, msg ? msg : "?");
}

int kw_db_fail(kw_db *db, int r, char *err, size_t errlen, const char *what)
{
	kw_db_errmsg(db, err, errlen, what);
	return r < 0 ? r : -EIO;
}

static int sq_rc(kw_db *db, int rc) { return kw_sqlite_rc(db->sq, rc); }

/* ---- SQLite: the file ---- */

/* The file must be a regular file with one link, not a symbolic link, and its side files
 * plain files too; created 0600 when asked. Checked with lstat, never by opening the
 * file: closing any descriptor of a file drops every POSIX lock the process holds on it,
 * SQLite's included, and another connection of this process (the guard's share thread)
 * may hold them. SQLite then opens it with SQLITE_OPEN_NOFOLLOW. */
static int sq_check_file(const char *path, bool create, char *err, size_t errlen)
{
	_cleanup_free_ char *e = kw_escape_str(path);
	struct stat st;
	if (lstat(path, &st) < 0) {
		int r = -errno;
		if (r == -ENOENT && create) {
			/* a new file: no lock of ours on it yet; EEXIST: another process made it */
			int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
			r = fd >= 0 || errno == EEXIST ? 0 : -errno;
			if (fd >= 0)
				close(fd);
			if (r == 0)
				return sq_check_file(path, false, err, errlen);
		}
		if (r == -ENOENT)
			kw_errf(err, errlen, "%s does not exist", e ? e : "");
		else
			kw_errf(err, errlen, "cannot open %s: %s", e ? e : "", kw_strerror(r));
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		kw_errf(err, errlen, "%s is a symbolic link: refused (name the real file)", e ? e : "");
		return -ELOOP;
	}
	if (!S_ISREG(st.st_mode)) {
		kw_errf(err, errlen, "%s is not a regular file: refused", e ? e : "");
		return KW_E_NOTREG;
	}
	if (st.st_nlink > 1) {
		kw_errf(err, errlen, "%s has other hard links: refused", e ? e : "");
		return KW_E_REFUSED;
	}
	static const char *const sides[] = { "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof sides / sizeof *sides; i++) {
		char side[PATH_MAX];
		struct stat ss;
		if (snprintf(side, sizeof side, "%s%s", path, sides[i]) >= (int)sizeof side)
			return -ENAMETOOLONG;
		if (lstat(side, &ss) == 0 && (!S_ISREG(ss.st_mode) || ss.st_nlink > 1)) {
			kw_errf(err, errlen, "%s%s is not a plain file: refused", e ? e : "", sides[i]);
			return KW_E_REFUSED;
		}
	}
	return 0;
}

/* flock on the file's folder (not on the file: closing another descriptor of the file
 * would drop SQLite's own POSIX locks). Best effort: -1 when the folder cannot be opened. */
static int sq_lock_folder(const char *path)
{
	_cleanup_free_ char *dir = kw_path_dir(path);
	if (!dir)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int sq_configure(kw_db *db, char *err, size_t errlen)
{
	kw_sqlite_harden(db->sq, db->schema->busy_ms);
	static const char *const pragmas[] = {
		"PRAGMA synchronous = FULL",
		"PRAGMA foreign_keys = ON",
	};
	for (size_t i = 0; i < sizeof pragmas / sizeof *pragmas; i++) {
		int rc = sqlite3_exec(db->sq, pragmas[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return kw_db_fail(db, sq_rc(db, rc), err, errlen, pragmas[i]);
	}
	int rc = kw_sqlite_wal(db->sq, db->schema->busy_ms);
	if (rc != SQLITE_OK)
		return kw_db_fail(db, sq_rc(db, rc), err, errlen, "PRAGMA journal_mode = WAL");
	return 0;
}

/* ---- SQLite: the schema ---- */

/* The version, application id and table count, read under the current transaction. */
static int sq_read_marks(sqlite3 *sq, int *ver, int *app, int *tables)
{
	int rc = kw_sqlite_pragma_int(sq, "PRAGMA user_version", ver);
	if (rc == SQLITE_OK)
		rc = kw_sqlite_pragma_int(sq, "PRAGMA application_id", app);
	if (rc == SQLITE_OK)
		rc = kw_sqlite_pragma_int(sq, "SELECT count(*) FROM sqlite_schema", tables);
	return rc;
}

int kw_db_check_version(const kw_db_schema *sc, int ver, char *err, size_t errlen)
{
	if (ver > sc->version || ver < 0) {
		kw_errf(err, errlen, "schema version %d of this %s is not one this keyward knows (it "
			"reads version %d): use a newer keyward", ver, sc->what, sc->version);
		return KW_E_UNSUPPORTED;
	}
	return 0;
}

static int sq_check_marks(const kw_db_schema *sc, int ver, int app, int tables, char *err,
			  size_t errlen)
{
	if (app != sc->app_id && (app != 0 || ver != 0 || tables != 0)) {
		kw_errf(err, errlen, "not a keyward %s (application id %d, schema version %d): "
			"refused, nothing changed", sc->what, app, ver);
		return KW_E_UNSUPPORTED;
	}
	return kw_db_check_version(sc, ver, err, errlen);
}

/* Bring the schema to the current version: under the write lock, re-reading the marks,
 * so two processes creating one file apply each migration once. */
static int sq_migrate(kw_db *db, char *err, size_t errlen)
{
	const kw_db_schema *sc = db->schema;
	int ver = 0, app = 0, tables = 0;
	int rc = sq_read_marks(db->sq, &ver, &app, &tables);
	if (rc != SQLITE_OK)
		return kw_db_fail(db, sq_rc(db, rc), err, errlen, "reading the schema version");
	int r = sq_check_marks(sc, ver, app, tables, err, errlen);
	if (r < 0 || ver == sc->version)
		return r;
	rc = sqlite3_exec(db->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sq_read_marks(db->sq, &ver, &app, &tables);
	if (rc != SQLITE_OK)
		r = kw_db_fail(db, sq_rc(db, rc), err, errlen, "reading the schema version");
	else
		r = sq_check_marks(sc, ver, app, tables, err, errlen);
	for (; r == 0 && ver < sc->version; ver++) {
		rc = sqlite3_exec(db->sq, sc->sqlite_migrations[ver], NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			r = kw_db_fail(db, sq_rc(db, rc), err, errlen, "creating the schema");
	}
	if (r == 0) {
		char sql[96];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 sc->version, (int)sc->app_id);
		rc = sqlite3_exec(db->sq, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			r = kw_db_fail(db, sq_rc(db, rc), err, errlen, "recording the schema version");
	}
	if (r < 0)
		kw_sqlite_rollback(db->sq);
	return r;
}

/* Prepare every statement and map its $k parameters to SQLite's indexes. */
static int sq_prepare(kw_db *db, char *err, size_t errlen)
{
	for (size_t i = 0; i < db->schema->n_stmts; i++) {
		kw_dbq *q = &db->q[i];
		int rc = sqlite3_prepare_v3(db->sq, db->schema->stmts[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &q->st, NULL);
		if (rc != SQLITE_OK) {
			char what[128];
			snprintf(what, sizeof what, "the database does not have keyward's %s schema",
				 db->schema->what);
			int r = kw_db_fail(db, sq_rc(db, rc), err, errlen, what);
			return r == -EBUSY ? r : KW_E_PARSE;
		}
		int n = sqlite3_bind_parameter_count(q->st);
		q->map = calloc((size_t)n + 1, sizeof *q->map);
		if (!q->map)
			return -ENOMEM;
		for (int j = 1; j <= n; j++) {
			const char *name = sqlite3_bind_parameter_name(q->st, j);
			char *end = NULL;
			long k = name && name[0] == '$' ? strtol(name + 1, &end, 10) : 0;
			if (k < 1 || k > n || *end) {
				kw_errf(err, errlen, "statement %zu: parameter %d is not $1..$%d", i, j, n);
				return -EINVAL;
			}
			q->map[k] = j;
		}
		q->nparams = n;
	}
	return 0;
}

static int sq_open(kw_db *db, const char *path, bool create, char *err, size_t errlen)
{
	int r = sq_check_file(path, create, err, errlen);
	if (r < 0)
		return r;
	int rc = sqlite3_open_v2(path, &db->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK)
		return kw_db_fail(db, sq_rc(db, rc), err, errlen, "opening the database");
	r = sq_configure(db, err, errlen);
	if (r == 0)
		r = sq_migrate(db, err, errlen);
	if (r == 0)
		r = sq_prepare(db, err, errlen);
	return r;
}

/* ---- opening and closing ---- */

void kw_db_close(kw_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; db->q && i < db->schema->n_stmts; i++) {
		kw_dbq *q = &db->q[i];
		sqlite3_finalize(q->st);
		free(q->map);
		if (q->res)
			PQclear(q->res);
		free(q->ptypes);
		free(q->vals);
		free(q->lens);
		free(q->fmts);
		free(q->ibuf);
	}
	free(db->q);
	if (db->sq)
		sqlite3_close_v2(db->sq);
	kw_pg_close(db);
	free(db);
}

int kw_db_open(const char *name, const kw_db_schema *schema, unsigned flags, kw_db **ret,
	       char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	*ret = NULL;
	if (!name || !*name || !schema)
		return -EINVAL;
	bool pg = kw_db_is_pg(name);
	if (!(pg ? schema->pg_migrations : schema->sqlite_migrations)) {
		kw_errf(err, errlen, "the %s is %s only", schema->what, pg ? "a SQLite file" : "PostgreSQL");
		return KW_E_USAGE;
	}
	kw_db *db = calloc(1, sizeof *db);
	if (!db)
		return -ENOMEM;
	db->schema = schema;
	db->q = calloc(schema->n_stmts ? schema->n_stmts : 1, sizeof *db->q);
	if (!db->q) {
		free(db);
		return -ENOMEM;
	}
	for (size_t i = 0; i < schema->n_stmts; i++) {
		db->q[i].db = db;
		db->q[i].id = i;
		db->q[i].cur = -1;
	}
	int r;
	if (pg) {
		db->kind = KW_DB_PG;
		r = kw_pg_open(db, name, err, errlen);
	} else {
		bool create = flags & KW_DB_CREATE;
		r = create ? kw_mkdir_parents(name, 0700) : 0;
		if (r < 0) {
			kw_errf(err, errlen, "creating the folder of the database: %s", kw_strerror(r));
		} else {
			int lock = sq_lock_folder(name);
			r = sq_open(db, name, create, err, errlen);
			if (lock >= 0)
				close(lock); /* releases the flock */
		}
	}
	if (r < 0) {
		kw_db_close(db);
		return r;
	}
	*ret = db;
	return 0;
}

/* ---- transactions ---- */

int kw_db_exec(kw_db *db, const char *sql)
{
	if (db->kind == KW_DB_PG)
		return kw_pg_exec(db, sql);
	return sq_rc(db, sqlite3_exec(db->sq, sql, NULL, NULL, NULL));
}

int kw_db_begin(kw_db *db)
{
	return kw_db_exec(db, db->kind == KW_DB_PG ? "BEGIN" : "BEGIN IMMEDIATE");
}

int kw_db_commit(kw_db *db) { return kw_db_exec(db, "COMMIT"); }

void kw_db_rollback(kw_db *db)
{
	if (db->kind == KW_DB_SQLITE) {
		kw_sqlite_rollback(db->sq);
	} else {
		kw_pg_rollback(db);
	}
}

/* ---- statements ---- */

kw_dbq *kw_db_q(kw_db *db, size_t id)
{
	kw_dbq *q = &db->q[id];
	kw_dbq_reset(&q);
	return q;
}

void kw_dbq_reset(kw_dbq **qp)
{
	kw_dbq *q = *qp;
	if (!q)
		return;
	if (q->st) {
		sqlite3_reset(q->st);
		sqlite3_clear_bindings(q->st);
	}
	q->row = false;
	q->bind_err = 0;
	if (q->db->kind == KW_DB_PG)
		kw_pg_reset(q);
}

static int sq_index(kw_dbq *q, int i)
{
	return i >= 1 && i <= q->nparams ? q->map[i] : 0;
}

/* A binding that failed is remembered: the next step returns it, so callers may bind
 * without checking each call. */
static int bound(kw_dbq *q, int r)
{
	if (r < 0 && !q->bind_err)
		q->bind_err = r;
	return r;
}

static int dbq_null(kw_dbq *q, int i)
{
	if (q->db->kind == KW_DB_PG)
		return bound(q, kw_pg_bind(q, i, NULL, 0, false, 0));
	int j = sq_index(q, i);
	return bound(q, j && sqlite3_bind_null(q->st, j) == SQLITE_OK ? 0 : KW_E_PARSE);
}

int kw_dbq_int(kw_dbq *q, int i, int64_t v)
{
	if (q->db->kind == KW_DB_PG)
		return bound(q, kw_pg_bind(q, i, NULL, 0, true, v));
	int j = sq_index(q, i);
	return bound(q, j && sqlite3_bind_int64(q->st, j, v) == SQLITE_OK ? 0 : KW_E_PARSE);
}

int kw_dbq_str(kw_dbq *q, int i, const char *s)
{
	if (!s)
		return dbq_null(q, i);
	size_t n = strnlen(s, INT_MAX);
	if (q->db->kind == KW_DB_PG)
		return bound(q, kw_pg_bind(q, i, s, n, false, 0));
	int j = sq_index(q, i);
	return bound(q, j && sqlite3_bind_text(q->st, j, s, (int)n, SQLITE_STATIC) == SQLITE_OK ? 0 : KW_E_PARSE);
}


int kw_dbq_step(kw_dbq *q)
{
	if (q->bind_err) {
		snprintf(q->db->msg, sizeof q->db->msg, "a value does not fit parameter of statement %zu",
			 q->id);
		return q->bind_err;
	}
	if (q->db->kind == KW_DB_PG)
		return kw_pg_step(q);
	int rc = sqlite3_step(q->st);
	q->row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		q->changes = sqlite3_changes64(q->db->sq);
		return 0;
	}
	return sq_rc(q->db, rc);
}

int kw_dbq_run(kw_dbq *q)
{
	int r;
	while ((r = kw_dbq_step(q)) > 0)
		;
	return r;
}

int kw_dbq_collect(kw_dbq *q, size_t elem, kw_dbq_decode_fn decode, void *ctx, void **ret,
		   size_t *n)
{
	*ret = NULL;
	*n = 0;
	unsigned char *v = NULL;
	size_t len = 0, cap = 0;
	int r;
	while ((r = kw_dbq_step(q)) > 0) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 16;
			unsigned char *nv = nc <= SIZE_MAX / elem ? realloc(v, nc * elem) : NULL;
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		memset(v + len * elem, 0, elem);
		r = decode(q, v + len * elem, ctx);
		if (r < 0) {
			len++;
			break;
		}
		len += (size_t)r;
	}
	*ret = v;
	*n = len;
	return r < 0 ? r : 0;
}

int64_t kw_dbq_changes(kw_dbq *q) { return q->changes; }

int kw_dbq_columns(kw_dbq *q)
{
	if (q->db->kind == KW_DB_PG)
		return q->res ? PQnfields(q->res) : 0;
	return q->row ? sqlite3_data_count(q->st) : 0;
}

kw_dbv kw_dbq_type(kw_dbq *q, int col)
{
	if (q->db->kind == KW_DB_PG)
		return kw_pg_type(q, col);
	if (!q->row || col < 0 || col >= sqlite3_data_count(q->st))
		return KW_DBV_OTHER;
	switch (sqlite3_column_type(q->st, col)) {
	case SQLITE_NULL:
		return KW_DBV_NULL;
	case SQLITE_INTEGER:
		return KW_DBV_INT;
	case SQLITE_TEXT:
		return KW_DBV_TEXT;
	default:
		return KW_DBV_OTHER;
	}
}

int64_t kw_dbq_get_int(kw_dbq *q, int col)
{
	if (kw_dbq_type(q, col) != KW_DBV_INT)
		return 0;
	if (q->db->kind == KW_DB_PG)
		return kw_pg_int(q, col);
	return sqlite3_column_int64(q->st, col);
}

const char *kw_dbq_get_text(kw_dbq *q, int col, size_t *len)
{
	*len = 0;
	if (kw_dbq_type(q, col) != KW_DBV_TEXT)
		return NULL;
	if (q->db->kind == KW_DB_PG)
		return kw_pg_text(q, col, len);
	const unsigned char *p = sqlite3_column_text(q->st, col);
	int n = sqlite3_column_bytes(q->st, col);
	if (!p || n < 0)
		return NULL;
	*len = (size_t)n;
	return (const char *)p;
}
