/* db.h — one SQL interface over two backends: SQLite (a file: the default, one host) and
 * PostgreSQL (libpq: a fleet's shared store), chosen by the name the user gives. A name
 * that starts with "postgresql://" or "postgres://" is a libpq connection URI; anything
 * else is the path of a SQLite file.
 *
 * ---- Stores ----
 * A store (the keys snapshots, the shared bans) describes itself once, as a kw_db_schema:
 * its migrations for each backend and the statements it runs. kw_db_open connects,
 * refuses a database of another application or of a newer schema (nothing is changed
 * then), applies the migrations the database lacks under a lock (processes that open a
 * new database at once apply each migration once), and prepares every statement, which
 * also proves the tables are the ones the statements expect.
 *
 * Statements are written once for both backends, in the SQL both speak: parameters $1,
 * $2, ... (SQLite takes "$1" as a named parameter; kw_db maps each to its index),
 * INSERT ... RETURNING, ON CONFLICT ... DO UPDATE, CAST(x AS BIGINT) where a parameter's
 * type would otherwise be ambiguous, LIMIT and OFFSET. Only the DDL differs.
 *
 * ---- Values ----
 * 64-bit integers, byte strings (never a NUL) and NULL. PostgreSQL gets parameters and
 * returns results in binary format, converted by the types the server inferred for the
 * statement (int2/int4/int8/bool; text, varchar, bytea, name): so a column for text taken
 * from a target (an account, a path, a comment: any bytes) is BYTEA there and keeps the
 * bytes exactly, while TEXT columns accept valid UTF-8 only. A value that does not fit
 * the inferred type (an integer out of int4's range) is KW_E_PARSE, never truncated.
 *
 * ---- Backends ----
 * SQLite: the file must be a regular file with a single link, not a symbolic link, with no
 * planted side files (-wal, -shm, -journal); it is created 0600 (its folders 0700) when
 * asked; opened in defensive mode with an untrusted schema (no triggers, no views), WAL,
 * synchronous=FULL, foreign keys on and a busy timeout; PRAGMA application_id says whose
 * file it is and PRAGMA user_version the schema version. Opening is serialised among
 * keyward processes by a lock on the folder.
 * PostgreSQL: the stores' tables live in the schema "keyward" (the connection's
 * search_path), each store's version in keyward.schema_version(component, version);
 * migrations run in one transaction under an advisory lock. connect_timeout defaults to
 * 10 s (the URI may say otherwise), lock_timeout is the schema's busy_ms, and libpq's
 * notices are not printed.
 *
 * Errors are negative codes (err.h) with a sentence in err. Messages never contain the
 * password of a URI: show names with kw_db_display.
 */
#ifndef KW_DB_DB_H
#define KW_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_db kw_db;
typedef struct kw_dbq kw_dbq;

typedef enum kw_db_kind {
	KW_DB_SQLITE = 0,
	KW_DB_PG,
} kw_db_kind;

typedef struct kw_db_schema {
	const char *name;        /* the PostgreSQL component name: "keys", "bans" */
	const char *what;        /* for messages: "keys database" */
	int32_t app_id;          /* SQLite PRAGMA application_id */
	int version;             /* how many migrations each backend has */
	const char *const *sqlite_migrations; /* [v] brings version v to v + 1 */
	const char *const *pg_migrations;
	const char *const *stmts; /* prepared at open; kw_db_q(db, i) */
	size_t n_stmts;
	int busy_ms;             /* SQLite's busy timeout; PostgreSQL's lock_timeout */
} kw_db_schema;

enum {
	KW_DB_CREATE = 1u << 0,  /* SQLite: create the file (and folders) if missing; without
				  * it a missing file is -ENOENT. PostgreSQL: always creates
				  * the tables it lacks (the database must exist) */
};

/* Whether name is a PostgreSQL URI (else a SQLite path). */
bool kw_db_is_pg(const char *name);

/* name made fit to show: escaped, and a URI's password (user:PASSWORD@ or password=...)
 * replaced by "***". Caller frees; NULL when out of memory. */
char *kw_db_display(const char *name);

int kw_db_open(const char *name, const kw_db_schema *schema, unsigned flags, kw_db **ret,
	       char *err, size_t errlen);
void kw_db_close(kw_db *db);
kw_db_kind kw_db_kind_of(const kw_db *db);

/* Transactions: BEGIN IMMEDIATE on SQLite (the write lock up front), BEGIN on
 * PostgreSQL. 0 or a negative code. rollback does nothing outside a transaction. */
int kw_db_begin(kw_db *db);
int kw_db_commit(kw_db *db);
void kw_db_rollback(kw_db *db);

/* Run SQL that returns nothing (DDL, SET); several statements are allowed. */
int kw_db_exec(kw_db *db, const char *sql);

/* "what: the database's message" into err (escaped); for the last failed call on db. */
void kw_db_errmsg(kw_db *db, char *err, size_t errlen, const char *what);
/* The same, returning r: for `return kw_db_fail(db, r, err, errlen, "saving")`. */
int kw_db_fail(kw_db *db, int r, char *err, size_t errlen, const char *what);

/* ---- PostgreSQL's notifications (LISTEN / NOTIFY) ---- */

/* LISTEN on channel (an identifier of the caller's own, used as it is). 0 or a code;
 * KW_E_UNSUPPORTED on SQLite. */
int kw_db_listen(kw_db *db, const char *channel);
/* The connection's socket, to poll(2) for notifications; -1 on SQLite. */
int kw_db_socket(kw_db *db);
/* Read what the server sent without blocking: 1 if one notification or more arrived
 * (all consumed: the caller then queries what is new), 0 none, -ECONNRESET when the
 * connection is gone. */
int kw_db_notified(kw_db *db);

/* ---- statements ---- */

/* Prepared statement number id of the schema, reset and with its bindings cleared: a
 * parameter left unbound is NULL. */
kw_dbq *kw_db_q(kw_db *db, size_t id);
/* Reset *q (NULL is fine): for _cleanup_dbq_. */
void kw_dbq_reset(kw_dbq **q);
#define _cleanup_dbq_ __attribute__((cleanup(kw_dbq_reset)))

/* Bind parameter $i (1-based). The bytes of a string must stay valid until the statement
 * is reset. NULL binds NULL. 0, or KW_E_PARSE when i does not exist. */
int kw_dbq_int(kw_dbq *q, int i, int64_t v);
int kw_dbq_str(kw_dbq *q, int i, const char *s);

/* Run the statement (first call) or move to its next row: 1 a row, 0 no more rows, or a
 * negative code (KW_E_PARSE: a constraint or type error; -EBUSY: a lock or serialization
 * conflict; -ECONNRESET: the connection went away; ...). */
int kw_dbq_step(kw_dbq *q);
/* Run to the end, ignoring rows: 0 or a negative code. */
int kw_dbq_run(kw_dbq *q);
/* Step q to its end, decoding each row into a new element (elem bytes, zeroed) of a
 * growing array: decode returns 1 to keep it, 0 to skip the row (having allocated
 * nothing), or a negative code to stop. *ret (caller frees) and *n get the elements; on
 * a negative code, which is returned, they include the one that failed (its fields may
 * be partly set: release each element as usual). */
typedef int (*kw_dbq_decode_fn)(kw_dbq *q, void *elem, void *ctx);
int kw_dbq_collect(kw_dbq *q, size_t elem, kw_dbq_decode_fn decode, void *ctx, void **ret,
		   size_t *n);

/* Rows the last finished run inserted, updated or deleted. */
int64_t kw_dbq_changes(kw_dbq *q);

typedef enum kw_dbv {
	KW_DBV_NULL = 0,
	KW_DBV_INT,
	KW_DBV_TEXT,
	KW_DBV_OTHER,            /* a type kw_db does not read (float, blob on SQLite, ...) */
} kw_dbv;

/* Columns of the current row (0-based). */
int kw_dbq_columns(kw_dbq *q);
kw_dbv kw_dbq_type(kw_dbq *q, int col);
/* The integer (0 unless KW_DBV_INT). */
int64_t kw_dbq_get_int(kw_dbq *q, int col);
/* The text's bytes and length (NULL unless KW_DBV_TEXT); valid until the next step or
 * reset. The bytes are followed by a NUL, but may hold one: check *len. */
const char *kw_dbq_get_text(kw_dbq *q, int col, size_t *len);

#endif
