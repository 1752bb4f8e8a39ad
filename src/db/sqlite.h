/* sqlite.h — the SQLite calls kw_db's SQLite backend (db.c) is made of: result codes as
 * keyward's error codes, a hardened connection, the switch to WAL, reading an integer
 * pragma, rolling back after an error, an escaped error message.
 */
#ifndef KW_DB_SQLITE_H
#define KW_DB_SQLITE_H

#include <sqlite3.h>
#include <stddef.h>

/* rc (and, for I/O errors, the OS error SQLite saw on db, which may be NULL) as 0
 * (OK, ROW, DONE), -ENOMEM, -EBUSY (BUSY, LOCKED), -EROFS, -ENOSPC, -EACCES, KW_E_TOOBIG,
 * -errno or -EIO (CANTOPEN, IOERR), KW_E_PARSE (not a database, corrupt, a statement
 * or constraint error), else -EIO. */
int kw_sqlite_rc(sqlite3 *db, int rc);

/* The settings for a database file that may have been tampered with: extended result
 * codes, SQLITE_DBCONFIG_DEFENSIVE, no trusted schema, no triggers, no views; and a busy
 * timeout of busy_ms for writers that wait on each other. */
void kw_sqlite_harden(sqlite3 *db, int busy_ms);

/* Roll back the open transaction, if there is one (after an error; nothing to report). */
void kw_sqlite_rollback(sqlite3 *db);

/* Put the file in WAL mode if it is not yet (WAL is recorded in the file). Several
 * processes opening a new file at once race for the switch: SQLite answers BUSY without
 * calling the busy handler, or an I/O error while another process sets the WAL file up;
 * those are retried every 10 ms for up to busy_ms, until the file says WAL. SQLite's
 * code. */
int kw_sqlite_wal(sqlite3 *db, int busy_ms);

/* The integer a pragma (or any one-value query) returns into *out: SQLite's code. */
int kw_sqlite_pragma_int(sqlite3 *db, const char *sql, int *out);

/* "what: SQLite's message" into err[errlen] (escaped: the message may quote the file's
 * content); db NULL: out of memory. */
void kw_sqlite_errmsg(char *err, size_t errlen, sqlite3 *db, const char *what);

#endif
