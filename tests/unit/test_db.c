/* test_db.c — kw_db (db/db.h) on its SQLite backend, what a name shows (passwords
 * hidden), and the host identity of keys/hostid.h against systemd's own
 * sd_id128_get_machine_app_specific. The PostgreSQL backend runs against a real server in
 * tests/integration/fleet_keys.sh and guard_share.sh. */
#include "base/cleanup.h"
#include "base/err.h"
#include "db/db.h"
#include "keys/hostid.h"
#include "testutil.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include <cmocka.h>

static const char *const mig_v1[] = {
	"CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, s TEXT) STRICT;",
	"ALTER TABLE t ADD COLUMN u TEXT;",
};
enum { Q_ADD, Q_GET, Q_BY, Q_DEL, Q_COUNT };
static const char *const stmts[Q_COUNT] = {
	[Q_ADD] = "INSERT INTO t(n, s) VALUES($1, $2) RETURNING id",
	/* parameters used out of order and twice */
	[Q_GET] = "SELECT id, n, s FROM t WHERE (CAST($2 AS BIGINT) = 0 OR id = $2) AND n >= $1 ORDER BY id",
	[Q_BY] = "SELECT count(*) FROM t WHERE s = $1",
	[Q_DEL] = "DELETE FROM t WHERE n < $1",
};
static const kw_db_schema schema = {
	.name = "test", .what = "test database", .app_id = 0x6b775454, .version = 2,
	.sqlite_migrations = mig_v1, .pg_migrations = mig_v1,
	.stmts = stmts, .n_stmts = Q_COUNT, .busy_ms = 1000,
};

typedef struct fx {
	char dir[128], path[192];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || kwt_mkdtemp(f->dir, sizeof f->dir, "kwdb") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/sub/t.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

static kw_db *open_ok(const char *path, unsigned flags)
{
	kw_db *db = NULL;
	char err[256] = "";
	int r = kw_db_open(path, &schema, flags, &db, err, sizeof err);
	if (r < 0)
		fail_msg("open: %s (%s)", err, kw_strerror(r));
	return db;
}

static void test_display_hides_passwords(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } cases[] = {
		{ "postgresql://kw:s3cret@db.internal/keyward", "postgresql://kw:***@db.internal/keyward" },
		{ "postgres://kw:x@h:5432/d?sslmode=require", "postgres://kw:***@h:5432/d?sslmode=require" },
		{ "postgresql://kw@h/d?password=s3cret&sslmode=verify-full",
		  "postgresql://kw@h/d?password=***&sslmode=verify-full" },
		{ "postgresql://kw:p%40ss@h/d", "postgresql://kw:***@h/d" },
		{ "postgresql://h/d", "postgresql://h/d" },
		{ "postgresql://kw:@h/d", "postgresql://kw:@h/d" }, /* an empty password: nothing to hide */
		/* an '@' after the host part is not userinfo */
		{ "postgresql://h/d?application_name=a@b", "postgresql://h/d?application_name=a@b" },
		{ "/var/lib/keyward/keys.db", "/var/lib/keyward/keys.db" },
		{ "/tmp/a\033]0;x\007.db", "/tmp/a\\x1b]0;x\\x07.db" }, /* escaped */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *d = kw_db_display(cases[i].in);
		assert_non_null(d);
		assert_string_equal(d, cases[i].out);
		free(d);
	}
	assert_true(kw_db_is_pg("postgresql://h/d"));
	assert_true(kw_db_is_pg("postgres://h/d"));
	assert_false(kw_db_is_pg("postgresqlx://h/d"));
	assert_false(kw_db_is_pg("./postgresql://x"));
}

static void test_statements(void **state)
{
	fx *f = *state;
	kw_db *db = open_ok(f->path, KW_DB_CREATE);
	assert_int_equal(kw_db_kind_of(db), KW_DB_SQLITE);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* raw bytes (not UTF-8) are kept exactly */
	static const char raw[] = "a\377\001b";
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		kw_dbq *q = kw_db_q(db, Q_ADD);
		assert_int_equal(kw_dbq_int(q, 1, 10 * (i + 1)), 0);
		assert_int_equal(kw_dbq_str(q, 2, i == 1 ? raw : i == 2 ? NULL : "x"), 0);
		assert_int_equal(kw_dbq_step(q), 1);
		assert_int_equal(kw_dbq_type(q, 0), KW_DBV_INT);
		ids[i] = kw_dbq_get_int(q, 0);
		assert_int_equal(kw_dbq_step(q), 0);
		kw_dbq_reset(&q);
	}
	assert_true(ids[0] < ids[1] && ids[1] < ids[2]);
	kw_dbq *q = kw_db_q(db, Q_GET);
	kw_dbq_int(q, 1, 20);
	kw_dbq_int(q, 2, 0);
	assert_int_equal(kw_dbq_step(q), 1);
	assert_int_equal(kw_dbq_columns(q), 3);
	assert_int_equal(kw_dbq_get_int(q, 1), 20);
	size_t len = 0;
	const char *t = kw_dbq_get_text(q, 2, &len);
	assert_non_null(t);
	assert_int_equal(len, 4);
	assert_memory_equal(t, raw, 4);
	assert_int_equal(kw_dbq_step(q), 1);
	assert_int_equal(kw_dbq_type(q, 2), KW_DBV_NULL);
	assert_null(kw_dbq_get_text(q, 2, &len));
	assert_int_equal(kw_dbq_get_int(q, 2), 0); /* not an integer: 0 */
	assert_int_equal(kw_dbq_step(q), 0);
	/* $2 given: one row */
	q = kw_db_q(db, Q_GET);
	kw_dbq_int(q, 1, 0);
	kw_dbq_int(q, 2, ids[0]);
	assert_int_equal(kw_dbq_run(q), 0);
	/* a parameter the statement does not have: an error, also from the next step */
	q = kw_db_q(db, Q_BY);
	assert_int_equal(kw_dbq_str(q, 2, "x"), KW_E_PARSE);
	assert_int_equal(kw_dbq_step(q), KW_E_PARSE);
	q = kw_db_q(db, Q_BY);
	kw_dbq_str(q, 1, "x");
	assert_int_equal(kw_dbq_step(q), 1);
	assert_int_equal(kw_dbq_get_int(q, 0), 1);
	kw_dbq_reset(&q);
	/* changes, and a transaction rolled back leaves nothing */
	assert_int_equal(kw_db_begin(db), 0);
	q = kw_db_q(db, Q_DEL);
	kw_dbq_int(q, 1, 100);
	assert_int_equal(kw_dbq_run(q), 0);
	assert_int_equal(kw_dbq_changes(q), 3);
	kw_dbq_reset(&q);
	kw_db_rollback(db);
	q = kw_db_q(db, Q_DEL);
	kw_dbq_int(q, 1, 15);
	assert_int_equal(kw_dbq_run(q), 0);
	assert_int_equal(kw_dbq_changes(q), 1);
	kw_dbq_reset(&q);
	kw_db_close(db);
}

static void test_files_refused(void **state)
{
	fx *f = *state;
	kw_db *db = NULL;
	char err[256] = "";
	/* missing without CREATE */
	assert_int_equal(kw_db_open(f->path, &schema, 0, &db, err, sizeof err), -ENOENT);
	db = open_ok(f->path, KW_DB_CREATE);
	kw_db_close(db);
	/* a symbolic link, a second hard link, a planted -wal link */
	char other[256];
	snprintf(other, sizeof other, "%s/link.db", f->dir);
	assert_int_equal(symlink(f->path, other), 0);
	assert_int_equal(kw_db_open(other, &schema, 0, &db, err, sizeof err), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	unlink(other);
	assert_int_equal(link(f->path, other), 0);
	assert_int_equal(kw_db_open(other, &schema, 0, &db, err, sizeof err), KW_E_REFUSED);
	unlink(other);
	char wal[256];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	unlink(wal);
	assert_int_equal(symlink("/etc/passwd", wal), 0);
	assert_int_equal(kw_db_open(f->path, &schema, 0, &db, err, sizeof err), KW_E_REFUSED);
	unlink(wal);
	/* another application's file, and a PostgreSQL-only schema on a file */
	kw_db_schema other_app = schema;
	other_app.app_id = 0x12345678;
	assert_int_equal(kw_db_open(f->path, &other_app, 0, &db, err, sizeof err), KW_E_UNSUPPORTED);
	assert_non_null(strstr(err, "not a keyward test database"));
	kw_db_schema pg_only = schema;
	pg_only.sqlite_migrations = NULL;
	assert_int_equal(kw_db_open(f->path, &pg_only, 0, &db, err, sizeof err), KW_E_USAGE);
	/* a newer version than this code knows */
	kw_db_schema older = schema;
	older.version = 1;
	assert_int_equal(kw_db_open(f->path, &older, 0, &db, err, sizeof err), KW_E_UNSUPPORTED);
	assert_non_null(strstr(err, "use a newer keyward"));
}

/* Rows saying s, counted by another process (its own connection): its exit status. */
static int count_elsewhere(const char *path, const char *s)
{
	pid_t pid = fork();
	if (pid == 0) {
		kw_db *db = NULL;
		char err[256];
		if (kw_db_open(path, &schema, 0, &db, err, sizeof err) < 0)
			_exit(100);
		kw_dbq *q = kw_db_q(db, Q_BY);
		kw_dbq_str(q, 1, s);
		int n = kw_dbq_step(q) == 1 ? (int)kw_dbq_get_int(q, 0) : 101;
		kw_dbq_reset(&q);
		kw_db_close(db);
		_exit(n);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 102;
}

static void add(kw_db *db, const char *s)
{
	kw_dbq *q = kw_db_q(db, Q_ADD);
	kw_dbq_int(q, 1, 1);
	kw_dbq_str(q, 2, s);
	assert_int_equal(kw_dbq_run(q), 0);
	kw_dbq_reset(&q);
}

/* Two connections of one process on one file (the guard and its share thread), each
 * writing, read by other processes in between: every write is seen. (Opening the file
 * outside SQLite while another connection of the process holds it drops SQLite's POSIX
 * locks; guard_share.sh, where the share thread opens the guard's state, is the test that
 * caught it: this one passes either way.) */
static void test_two_connections(void **state)
{
	fx *f = *state;
	kw_db *a = open_ok(f->path, KW_DB_CREATE);
	add(a, "x");
	kw_db *b = open_ok(f->path, 0);
	assert_int_equal(count_elsewhere(f->path, "x"), 1);
	add(b, "x");
	add(a, "x");
	assert_int_equal(count_elsewhere(f->path, "x"), 3);
	char wal[256];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(access(wal, F_OK), 0); /* still in use: the log is there */
	kw_db_close(b);
	kw_db_close(a);
}

static void test_host_id(void **state)
{
	(void)state;
	char out[KW_HOST_ID_LEN];
	/* systemd's app-specific ID of this machine under keyward's application ID */
	sd_id128_t app, want;
	memcpy(app.bytes, kw_host_id_app, 16);
	_cleanup_free_ char *mid = NULL;
	size_t len = 0;
	mid = (char *)kwt_read_file("/etc/machine-id", &len);
	if (!mid || sd_id128_get_machine_app_specific(app, &want) < 0)
		fail_msg("this host has no machine-id: the test needs one (systemd's own answer is the reference)");
	assert_int_equal(kw_host_id_from_machine_id(mid, len, out), 0);
	char hex[33];
	sd_id128_to_string(want, hex);
	assert_string_equal(out, hex);
	/* not machine IDs */
	static const char *const bad[] = { "", "uninitialized\n", "00000000000000000000000000000000",
					   "3d1219c7c4c5404aaa1f6d2a48adfdaZ", "3d1219c7c4c5404aaa1f6d2a48adfda" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(kw_host_id_from_machine_id(bad[i], strlen(bad[i]), out), KW_E_PARSE);
	/* one machine ID, with or without its newline, upper or lower case: one identity */
	char a[KW_HOST_ID_LEN], b[KW_HOST_ID_LEN];
	assert_int_equal(kw_host_id_from_machine_id("3d1219c7c4c5404aaa1f6d2a48adfda4\n", 33, a), 0);
	assert_int_equal(kw_host_id_from_machine_id("3D1219C7C4C5404AAA1F6D2A48ADFDA4", 32, b), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, "3d1219c7c4c5404aaa1f6d2a48adfda4"); /* never the ID itself */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display_hides_passwords),
		cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test(test_host_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
