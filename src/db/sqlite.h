/* sqlite.h — what every SQLite store of keyward (the guard's state, the keys snapshots)
 * does the same way: SQLite result codes as keyward's error codes, statements reset for
 * reuse, stepping to the end, reading an integer pragma, an escaped error message.
 */
#ifndef KW_DB_SQLITE_H
#define KW_DB_SQLITE_H

#include "base/cleanup.h"

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

/* Reset a statement and clear its bindings (NULL is fine); for _cleanup_reset_. */
void kw_sqlite_reset(sqlite3_stmt **st);
/* The same, for a prepared statement about to be bound and stepped again: returns st. */
sqlite3_stmt *kw_sqlite_use(sqlite3_stmt *st);
#define _cleanup_reset_ _cleanup_(kw_sqlite_reset)

/* Step to the end, ignoring rows (RETURNING, pragmas): SQLite's code, SQLITE_DONE when
 * it went through. */
int kw_sqlite_step_done(sqlite3_stmt *st);

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
