/* db_impl.h — what db.c (the interface and its SQLite backend) and pg.c (the PostgreSQL
 * backend) share: the handle and statement structures and the backend's entry points.
 * Private to src/db.
 */
#ifndef KW_DB_DB_IMPL_H
#define KW_DB_DB_IMPL_H

#include "db/db.h"

#include <libpq-fe.h>
#include <sqlite3.h>

struct kw_dbq {
	kw_db *db;
	size_t id;
	int nparams;
	int bind_err;            /* the first binding that failed since the reset */
	/* SQLite */
	sqlite3_stmt *st;
	int *map;                /* [k]: the SQLite index of parameter $k (0: absent) */
	bool row;                /* SQLite: the last step gave a row */
	/* PostgreSQL */
	bool prepared;           /* PQprepare and PQdescribePrepared done */
	int prep_err;            /* their failure, returned by the first step */
	Oid *ptypes;             /* [i]: the server's type of $(i + 1) */
	const char **vals;       /* binary parameter values (NULL: SQL NULL) */
	int *lens;
	int *fmts;               /* all 1 (binary) */
	unsigned char (*ibuf)[8]; /* integer parameters, big-endian */
	PGresult *res;
	int cur;                 /* current row; -1 before the first */
	int64_t changes;
};

struct kw_db {
	kw_db_kind kind;
	const kw_db_schema *schema;
	sqlite3 *sq;
	PGconn *pg;
	kw_dbq *q;               /* [schema->n_stmts] */
	char msg[512];           /* PostgreSQL: the last error's message, raw */
};

/* db.c: KW_E_UNSUPPORTED (with a message) when ver is newer than the schema's */
int kw_db_check_version(const kw_db_schema *sc, int ver, char *err, size_t errlen);

/* pg.c */
int kw_pg_open(kw_db *db, const char *uri, char *err, size_t errlen);
void kw_pg_close(kw_db *db);
/* ROLLBACK if a transaction is open, keeping the message of the error that led there */
void kw_pg_rollback(kw_db *db);
int kw_pg_exec(kw_db *db, const char *sql);
int kw_pg_step(kw_dbq *q);
void kw_pg_reset(kw_dbq *q);
int kw_pg_bind(kw_dbq *q, int i, const char *s, size_t len, bool is_int, int64_t v);
kw_dbv kw_pg_type(kw_dbq *q, int col);
int64_t kw_pg_int(kw_dbq *q, int col);
const char *kw_pg_text(kw_dbq *q, int col, size_t *len);

#endif
