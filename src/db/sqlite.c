/* sqlite.c — see sqlite.h. */
#include "db/sqlite.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kw_sqlite_rc(sqlite3 *db, int rc)
{
	int sys = db ? sqlite3_system_errno(db) : 0;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_TOOBIG:
		return KW_E_TOOBIG;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		return sys > 0 ? -sys : -EIO;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_ERROR:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
	case SQLITE_CONSTRAINT:
	case SQLITE_RANGE:
		return KW_E_PARSE;
	default:
		return -EIO;
	}
}

void kw_sqlite_harden(sqlite3 *db, int busy_ms)
{
	sqlite3_extended_result_codes(db, 1);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_busy_timeout(db, busy_ms);
}

void kw_sqlite_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int kw_sqlite_pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

void kw_sqlite_errmsg(char *err, size_t errlen, sqlite3 *db, const char *what)
{
	if (!err || errlen == 0)
		return;
	_cleanup_free_ char *msg = kw_escape_str(db ? sqlite3_errmsg(db) : "out of memory");
	kw_errf(err, errlen, "%s: %s", what, msg ? msg : "?");
}

static int is_wal(sqlite3 *db, bool *wal)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);
		*wal = m && !strcmp((const char *)m, "wal");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int kw_sqlite_wal(sqlite3 *db, int busy_ms)
{
	for (int waited = 0;; waited += 10) {
		bool wal = false;
		int rc = is_wal(db, &wal);
		if (rc == SQLITE_OK && wal)
			return SQLITE_OK;
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		int prim = rc & 0xff;
		bool race = rc == SQLITE_OK || prim == SQLITE_BUSY || prim == SQLITE_LOCKED ||
			    prim == SQLITE_IOERR;
		if (!race || waited >= busy_ms)
			return rc == SQLITE_OK ? SQLITE_BUSY : rc; /* still not WAL */
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
