/* pg.c — kw_db's PostgreSQL backend (db.h), on libpq.
 *
 * Statements are prepared on the server the first time they are used (PQprepare, then
 * PQdescribePrepared for the parameter types the server inferred), and run with every
 * parameter and every result column in binary format: integers are sent in the width of
 * their inferred type (checked, never truncated), strings as their bytes (TEXT must be
 * valid UTF-8, BYTEA takes anything). A result is read whole into memory (the stores'
 * queries return bounded row counts). The server is input too: a result column is read
 * only when its type and binary length are what kw_db expects.
 */
#include "db/db_impl.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs of PostgreSQL's catalog (pg_type.dat; fixed since their creation). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_NAME = 19,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
};

/* pg_advisory_xact_lock key serialising migrations of every keyward store: "kwschema" */
#define MIGRATE_LOCK "7743237335209897313"

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq's message on one line: runs of newlines, tabs and spaces become one space. */
static void set_msg(kw_db *db, const char *m)
{
	if (!m || !*m)
		m = "unknown error";
	size_t o = 0;
	for (; *m && o + 1 < sizeof db->msg; m++) {
		bool blank = *m == '\n' || *m == '\t' || *m == ' ' || *m == '\r';
		if (blank && (o == 0 || db->msg[o - 1] == ' '))
			continue;
		db->msg[o++] = blank ? ' ' : *m;
	}
	while (o && db->msg[o - 1] == ' ')
		o--;
	db->msg[o] = '\0';
}

/* A failed result's SQLSTATE as keyward's code. */
static int state_rc(kw_db *db, const PGresult *res)
{
	if (PQstatus(db->pg) == CONNECTION_BAD)
		return -ECONNRESET;
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!st)
		return -EIO;
	static const struct {
		const char *state;   /* a whole SQLSTATE, or its class (2 characters) */
		int rc;
	} codes[] = {
		{ "40001", -EBUSY },       /* serialization failure */
		{ "40P01", -EBUSY },       /* deadlock */
		{ "55P03", -EBUSY },       /* lock not available (lock_timeout) */
		{ "57014", KW_E_TIMEOUT }, /* statement timeout, cancelled */
		{ "53100", -ENOSPC },      /* disk full */
		{ "42501", -EACCES },      /* insufficient privilege */
		{ "25006", -EROFS },       /* read-only transaction (a standby) */
		{ "08", -ECONNRESET },     /* connection exception */
		{ "57", -ECONNRESET },     /* operator intervention (shutdown) */
		{ "53", -ENOMEM },         /* insufficient resources */
		{ "28", -EACCES },         /* invalid authorization */
		{ "22", KW_E_PARSE },      /* data exception (a value that does not fit) */
		{ "23", KW_E_PARSE },      /* integrity constraint */
		{ "42", KW_E_PARSE },      /* syntax error or undefined table: not our schema */
	};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (!strncmp(st, codes[i].state, strlen(codes[i].state)))
			return codes[i].rc;
	return -EIO;
}

/* 0 when res is a success, else its code (the message kept in db->msg). Clears res on
 * failure only. */
static int result_rc(kw_db *db, PGresult **res)
{
	ExecStatusType s = *res ? PQresultStatus(*res) : PGRES_FATAL_ERROR;
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	set_msg(db, *res ? PQresultErrorMessage(*res) : PQerrorMessage(db->pg));
	int r = *res ? state_rc(db, *res) : (PQstatus(db->pg) == CONNECTION_BAD ? -ECONNRESET : -ENOMEM);
	PQclear(*res);
	*res = NULL;
	return r;
}

int kw_pg_exec(kw_db *db, const char *sql)
{
	PGresult *res = PQexec(db->pg, sql);
	int r = result_rc(db, &res);
	if (r == 0 && !strcmp(sql, "COMMIT") && strcmp(PQcmdStatus(res), "COMMIT")) {
		set_msg(db, "the transaction failed and was rolled back");
		r = -EIO;
	}
	PQclear(res);
	return r;
}

/* One-value text query with up to one text parameter: the value into out (NUL-terminated,
 * "" for NULL), 0 or a code. */
static int query_value(kw_db *db, const char *sql, const char *param, char *out, size_t cap)
{
	const char *vals[1] = { param };
	PGresult *res = PQexecParams(db->pg, sql, param ? 1 : 0, NULL, vals, NULL, NULL, 0);
	int r = result_rc(db, &res);
	if (r < 0)
		return r;
	out[0] = '\0';
	if (PQntuples(res) == 1 && PQnfields(res) == 1 && !PQgetisnull(res, 0, 0))
		snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* The store's schema version: 0 when it has none yet. */
static int read_version(kw_db *db, int *ver)
{
	char v[32];
	*ver = 0;
	int r = query_value(db, "SELECT to_regclass('keyward.schema_version') IS NOT NULL", NULL,
			    v, sizeof v);
	if (r < 0 || strcmp(v, "t"))
		return r;
	r = query_value(db, "SELECT version FROM keyward.schema_version WHERE component = $1",
			db->schema->name, v, sizeof v);
	if (r < 0 || !v[0])
		return r;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (*end || n < 0 || n > INT_MAX) {
		set_msg(db, "keyward.schema_version holds a version that is not a number");
		return KW_E_PARSE;
	}
	*ver = (int)n;
	return 0;
}

static int migrate(kw_db *db, char *err, size_t errlen)
{
	const kw_db_schema *sc = db->schema;
	int ver = 0;
	int r = read_version(db, &ver);
	if (r < 0)
		return kw_db_fail(db, r, err, errlen, "reading the schema version");
	r = kw_db_check_version(sc, ver, err, errlen);
	if (r < 0 || ver == sc->version)
		return r;
	r = kw_pg_exec(db, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
			   " CREATE SCHEMA IF NOT EXISTS keyward;"
			   " CREATE TABLE IF NOT EXISTS keyward.schema_version("
			   "component TEXT PRIMARY KEY, version BIGINT NOT NULL)");
	if (r == 0)
		r = read_version(db, &ver); /* under the lock: another process may have done it */
	if (r < 0) {
		kw_db_fail(db, r, err, errlen, "creating the schema");
	} else {
		r = kw_db_check_version(sc, ver, err, errlen);
	}
	for (; r == 0 && ver < sc->version; ver++) {
		r = kw_pg_exec(db, sc->pg_migrations[ver]);
		if (r < 0)
			kw_db_fail(db, r, err, errlen, "creating the schema");
	}
	if (r == 0) {
		char v[16];
		snprintf(v, sizeof v, "%d", sc->version);
		const char *vals[2] = { sc->name, v };
		PGresult *res = PQexecParams(db->pg, "INSERT INTO keyward.schema_version(component, version)"
					     " VALUES($1, $2) ON CONFLICT(component) DO UPDATE"
					     " SET version = excluded.version", 2, NULL, vals, NULL,
					     NULL, 0);
		r = result_rc(db, &res);
		PQclear(res);
		if (r == 0)
			r = kw_pg_exec(db, "COMMIT");
		if (r < 0)
			kw_db_fail(db, r, err, errlen, "recording the schema version");
	}
	if (r < 0)
		kw_db_rollback(db);
	return r;
}

int kw_pg_open(kw_db *db, const char *uri, char *err, size_t errlen)
{
	/* later entries win, and the URI's own parameters are expanded in place of dbname:
	 * the URI may set another connect_timeout or application_name */
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "10", "keyward", uri, NULL };
	db->pg = PQconnectdbParams(keys, vals, 1);
	if (!db->pg)
		return -ENOMEM;
	if (PQstatus(db->pg) != CONNECTION_OK) {
		set_msg(db, PQerrorMessage(db->pg));
		_cleanup_free_ char *d = kw_db_display(uri);
		_cleanup_free_ char *m = kw_escape_str(db->msg);
		kw_errf(err, errlen, "cannot connect to %s: %s", d ? d : "?", m ? m : "?");
		return -ECONNREFUSED;
	}
	PQsetNoticeProcessor(db->pg, quiet, NULL);
	char sql[160];
	snprintf(sql, sizeof sql, "SET search_path = keyward; SET lock_timeout = %d;"
		 " SET client_min_messages = warning", db->schema->busy_ms);
	int r = kw_pg_exec(db, sql);
	if (r < 0)
		return kw_db_fail(db, r, err, errlen, "setting up the session");
	return migrate(db, err, errlen);
}

void kw_pg_rollback(kw_db *db)
{
	PGTransactionStatusType t = db->pg ? PQtransactionStatus(db->pg) : PQTRANS_UNKNOWN;
	if (t == PQTRANS_IDLE || t == PQTRANS_UNKNOWN)
		return;
	char keep[sizeof db->msg];
	memcpy(keep, db->msg, sizeof keep);
	kw_pg_exec(db, "ROLLBACK");
	memcpy(db->msg, keep, sizeof keep);
}

void kw_pg_close(kw_db *db)
{
	if (db->pg)
		PQfinish(db->pg);
	db->pg = NULL;
}

/* ---- statements ---- */

static void stmt_name(const kw_dbq *q, char name[24])
{
	snprintf(name, 24, "kw%zu", q->id);
}

static int prepare(kw_dbq *q)
{
	kw_db *db = q->db;
	char name[24];
	stmt_name(q, name);
	PGresult *res = PQprepare(db->pg, name, db->schema->stmts[q->id], 0, NULL);
	int r = result_rc(db, &res);
	PQclear(res);
	if (r < 0)
		return r;
	res = PQdescribePrepared(db->pg, name);
	r = result_rc(db, &res);
	if (r < 0)
		return r;
	int n = PQnparams(res);
	q->ptypes = calloc((size_t)n + 1, sizeof *q->ptypes);
	q->vals = calloc((size_t)n + 1, sizeof *q->vals);
	q->lens = calloc((size_t)n + 1, sizeof *q->lens);
	q->fmts = calloc((size_t)n + 1, sizeof *q->fmts);
	q->ibuf = calloc((size_t)n + 1, sizeof *q->ibuf);
	if (!q->ptypes || !q->vals || !q->lens || !q->fmts || !q->ibuf) {
		PQclear(res);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		q->ptypes[i] = PQparamtype(res, i);
		q->fmts[i] = 1;
	}
	PQclear(res);
	q->nparams = n;
	q->prepared = true;
	return 0;
}

void kw_pg_reset(kw_dbq *q)
{
	if (q->res)
		PQclear(q->res);
	q->res = NULL;
	q->cur = -1;
	q->prep_err = 0;
	if (!q->prepared)
		q->prep_err = prepare(q);
	for (int i = 0; q->prepared && i < q->nparams; i++) {
		q->vals[i] = NULL;
		q->lens[i] = 0;
	}
}

/* The types whose binary form is their bytes. */
static bool text_type(Oid t)
{
	return t == OID_TEXT || t == OID_VARCHAR || t == OID_BPCHAR || t == OID_NAME || t == OID_BYTEA;
}

static void put_be(unsigned char *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

int kw_pg_bind(kw_dbq *q, int i, const char *s, size_t len, bool is_int, int64_t v)
{
	if (q->prep_err)
		return q->prep_err;
	if (i < 1 || i > q->nparams)
		return KW_E_PARSE;
	int k = i - 1;
	Oid t = q->ptypes[k];
	if (!is_int && !s) {
		q->vals[k] = NULL;
		q->lens[k] = 0;
		return 0;
	}
	if (is_int) {
		int n;
		switch (t) {
		case OID_INT8: n = 8; break;
		case OID_INT4: n = v >= INT32_MIN && v <= INT32_MAX ? 4 : 0; break;
		case OID_INT2: n = v >= INT16_MIN && v <= INT16_MAX ? 2 : 0; break;
		case OID_BOOL: n = v == 0 || v == 1 ? 1 : 0; break;
		default: n = 0; break;
		}
		if (!n)
			return KW_E_PARSE;
		put_be(q->ibuf[k], (uint64_t)v, n);
		q->vals[k] = (const char *)q->ibuf[k];
		q->lens[k] = n;
		return 0;
	}
	if (!text_type(t))
		return KW_E_PARSE;
	if (len > INT_MAX)
		return KW_E_TOOBIG;
	q->vals[k] = s;
	q->lens[k] = (int)len;
	return 0;
}

int kw_pg_step(kw_dbq *q)
{
	if (q->prep_err)
		return q->prep_err;
	kw_db *db = q->db;
	if (!q->res) {
		if (q->cur != -1)
			return 0; /* the run failed: nothing more */
		char name[24];
		stmt_name(q, name);
		q->res = PQexecPrepared(db->pg, name, q->nparams, q->vals, q->lens, q->fmts, 1);
		int r = result_rc(db, &q->res);
		if (r < 0) {
			q->cur = 0;
			return r;
		}
		q->changes = strtoll(PQcmdTuples(q->res), NULL, 10);
	}
	int n = PQntuples(q->res);
	if (q->cur + 1 < n) {
		q->cur++;
		return 1;
	}
	q->cur = n;
	return 0;
}

/* The binary width of an integer type; 0 for other types. */
static int int_width(Oid t)
{
	switch (t) {
	case OID_INT8: return 8;
	case OID_INT4: return 4;
	case OID_OID: return 4;
	case OID_INT2: return 2;
	case OID_BOOL: return 1;
	default: return 0;
	}
}

static bool on_row(const kw_dbq *q, int col)
{
	return q->res && q->cur >= 0 && q->cur < PQntuples(q->res) && col >= 0 &&
	       col < PQnfields(q->res) && PQfformat(q->res, col) == 1;
}

kw_dbv kw_pg_type(kw_dbq *q, int col)
{
	if (!on_row(q, col))
		return KW_DBV_OTHER;
	if (PQgetisnull(q->res, q->cur, col))
		return KW_DBV_NULL;
	Oid t = PQftype(q->res, col);
	int w = int_width(t);
	if (w)
		return PQgetlength(q->res, q->cur, col) == w ? KW_DBV_INT : KW_DBV_OTHER;
	return text_type(t) ? KW_DBV_TEXT : KW_DBV_OTHER;
}

int64_t kw_pg_int(kw_dbq *q, int col)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(q->res, q->cur, col);
	Oid t = PQftype(q->res, col);
	int w = int_width(t);
	uint64_t v = 0;
	for (int i = 0; i < w; i++)
		v = v << 8 | p[i];
	switch (w) {
	case 8: return (int64_t)v;
	case 4: return t == OID_OID ? (int64_t)(uint32_t)v : (int64_t)(int32_t)(uint32_t)v;
	case 2: return (int64_t)(int16_t)(uint16_t)v;
	default: return (int64_t)v;
	}
}

const char *kw_pg_text(kw_dbq *q, int col, size_t *len)
{
	int n = PQgetlength(q->res, q->cur, col);
	*len = n > 0 ? (size_t)n : 0;
	return PQgetvalue(q->res, q->cur, col);
}

/* ---- notifications ---- */

int kw_db_listen(kw_db *db, const char *channel)
{
	if (db->kind != KW_DB_PG)
		return KW_E_UNSUPPORTED;
	char sql[128];
	if (snprintf(sql, sizeof sql, "LISTEN %s", channel) >= (int)sizeof sql)
		return -EINVAL;
	return kw_pg_exec(db, sql);
}

int kw_db_socket(kw_db *db)
{
	return db->kind == KW_DB_PG && db->pg ? PQsocket(db->pg) : -1;
}

int kw_db_notified(kw_db *db)
{
	if (db->kind != KW_DB_PG || !db->pg)
		return KW_E_UNSUPPORTED;
	if (!PQconsumeInput(db->pg) || PQstatus(db->pg) == CONNECTION_BAD) {
		set_msg(db, PQerrorMessage(db->pg));
		return -ECONNRESET;
	}
	int got = 0;
	PGnotify *n;
	while ((n = PQnotifies(db->pg))) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}
