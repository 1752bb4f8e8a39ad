/* test_guard_state.c — unit tests of the guard's SQLite state (src/guard/state.c): a real
 * database file in a temp folder, checked through the API and, where the API cannot see
 * (modes, history stamps, schema marks), through SQLite directly. Hostile and corrupt
 * files are built by hand; crash safety is tested by a forked child that _exit()s the
 * moment kw_gstate_ban returns. */
#include "guard/state.h"
#include "base/cleanup.h"
#include "base/err.h"
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

struct fx {
	char dir[64];
	char db[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	if (kwt_mkdtemp(f->dir, sizeof f->dir, "kwgstate.") < 0)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/sub/g.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

static kw_gstate *open_ok(const char *path)
{
	kw_gstate *s = NULL;
	char err[256];
	int r = kw_gstate_open(path, &s, err, sizeof err);
	if (r < 0)
		fail_msg("kw_gstate_open(%s): %s: %s", path, kw_strerror(r), err);
	assert_non_null(s);
	return s;
}

static kw_cidr cidr(const char *t)
{
	kw_cidr c;
	assert_int_equal(kw_cidr_parse(t, strlen(t), &c), 0);
	return c;
}

static kw_gban mkban(const char *prefix, int64_t start, int64_t expires, uint32_t offense,
		     const char *rule)
{
	kw_gban b;
	memset(&b, 0, sizeof b);
	b.prefix = cidr(prefix);
	b.start = start;
	b.expires = expires;
	b.offense = offense;
	snprintf(b.rule, sizeof b.rule, "%s", rule);
	snprintf(b.reason, sizeof b.reason, "%u failures", offense * 10);
	snprintf(b.origin, sizeof b.origin, "host-a");
	return b;
}

static void fmt(const kw_cidr *c, char out[KW_CIDR_STRLEN])
{
	assert_true(kw_cidr_format(c, out, KW_CIDR_STRLEN) > 0);
}

/* The live ban of prefix text p at now, or fail. */
static kw_gban live_one(kw_gstate *s, int64_t now, const char *p)
{
	kw_gban *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_gstate_live(s, now, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		char t[KW_CIDR_STRLEN];
		fmt(&v[i].prefix, t);
		if (!strcmp(t, p)) {
			kw_gban b = v[i];
			free(v);
			return b;
		}
	}
	free(v);
	fail_msg("%s is not live at %lld", p, (long long)now);
	kw_gban none = { 0 };
	return none;
}

static size_t live_count(kw_gstate *s, int64_t now)
{
	kw_gban *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_gstate_live(s, now, &v, &n), 0);
	free(v);
	return n;
}

/* Run SQL on the file with a separate raw connection. */
static void raw_exec(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("raw sql failed: %s (%s)", msg ? msg : "?", sql);
	sqlite3_close(h);
}

static int64_t raw_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* ---- tests ---- */

static void test_open_create_reopen(void **state)
{
	struct fx *f = *state;
	umask(022);
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("192.0.2.7", 1000, 2000, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);

	struct stat st;
	char sub[128];
	snprintf(sub, sizeof sub, "%s/sub", f->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->db, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_int_equal(stat(wal, &st), 0); /* WAL mode: the log exists while a handle is open */
	assert_int_equal(st.st_mode & 07777, 0600);
	kw_gstate_close(s);

	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 2);
	assert_int_equal(raw_int(f->db, "PRAGMA application_id"), 0x6b774744);
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(h);

	/* reopen: same data, no second migration */
	s = open_ok(f->db);
	kw_gban got = live_one(s, 1500, "192.0.2.7");
	assert_int_equal(got.start, 1000);
	assert_int_equal(got.expires, 2000);
	assert_string_equal(got.rule, "10/1h");
	assert_string_equal(got.reason, "10 failures");
	assert_string_equal(got.origin, "host-a");
	/* two handles on one file see each other's writes */
	kw_gstate *s2 = open_ok(f->db);
	kw_gban b2 = mkban("2001:db8::/32", 1000, 0, 1, "manual");
	assert_int_equal(kw_gstate_ban(s2, &b2), 0);
	assert_int_equal(live_count(s, 1500), 2);
	kw_gstate_close(s2);
	kw_gstate_close(s);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 2);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = NULL;
	char err[256];
	/* a symlink is not followed */
	char link[160];
	snprintf(link, sizeof link, "%s/link.db", f->dir);
	assert_int_equal(symlink("/tmp/kwgstate-nowhere.db", link), 0);
	assert_int_equal(kw_gstate_open(link, &s, err, sizeof err), -ELOOP);
	assert_null(s);
	assert_int_equal(access("/tmp/kwgstate-nowhere.db", F_OK), -1);
	/* a folder is not a database */
	assert_int_equal(kw_gstate_open(f->dir, &s, err, sizeof err) < 0, 1);
	assert_null(s);
	/* the parent is a file */
	char file[96], bad[128];
	snprintf(file, sizeof file, "%s/plain", f->dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(bad, sizeof bad, "%s/g.db", file);
	assert_int_equal(kw_gstate_open(bad, &s, err, sizeof err), -ENOTDIR);
	assert_null(s);

	/* bad bans */
	s = open_ok(f->db);
	kw_gban b = mkban("10.0.0.0/24", 1000, 2000, 1, "x");
	b.prefix.a.b[3] = 7; /* host bits set */
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	b = mkban("10.0.0.1", 1000, 2000, 1, "x");
	b.prefix.bits = 33;
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	b.prefix.a.fam = 0;
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	b = mkban("10.0.0.1", 1000, 999, 1, "x");
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	b = mkban("10.0.0.1", -5, 0, 1, "x");
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	b = mkban("10.0.0.1", 1000, 2000, 1, "x");
	memset(b.rule, 'r', sizeof b.rule); /* no terminating NUL */
	assert_int_equal(kw_gstate_ban(s, &b), -EINVAL);
	assert_int_equal(live_count(s, 0), 0);
	kw_cidr c = cidr("10.0.0.1");
	c.bits = 40;
	assert_int_equal(kw_gstate_unban(s, &c, 1, "manual"), -EINVAL);
	kw_gstate_close(s);
}

static void test_ban_extend_unban(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("198.51.100.9", 1000, 2000, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	/* a shorter, higher-offense ban while live: expiry stays, offense rises, start stays */
	b = mkban("198.51.100.9", 1500, 1800, 2, "30/1d");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	kw_gban g = live_one(s, 1600, "198.51.100.9");
	assert_int_equal(g.start, 1000);
	assert_int_equal(g.expires, 2000);
	assert_int_equal(g.offense, 2);
	assert_string_equal(g.rule, "10/1h");
	/* a longer one: its expiry and rule win, offense stays the max */
	b = mkban("198.51.100.9", 1700, 5000, 1, "subnet");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	g = live_one(s, 1800, "198.51.100.9");
	assert_int_equal(g.start, 1000);
	assert_int_equal(g.expires, 5000);
	assert_int_equal(g.offense, 2);
	assert_string_equal(g.rule, "subnet");
	/* permanent beats any time, and a later timed ban does not shorten it */
	b = mkban("198.51.100.9", 1900, 0, 1, "manual");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	b = mkban("198.51.100.9", 1950, 99999, 3, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	g = live_one(s, 1000000, "198.51.100.9");
	assert_int_equal(g.expires, 0);
	assert_int_equal(g.offense, 3);
	assert_string_equal(g.rule, "manual");
	assert_int_equal(live_count(s, 1000000), 1);

	/* history: one row per call, newest first; offenses count rows since */
	kw_gban *h = NULL;
	size_t n = 0;
	assert_int_equal(kw_gstate_history(s, 0, &h, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(h[0].start, 1950);
	assert_int_equal(h[0].expires, 99999);
	assert_int_equal(h[4].start, 1000);
	assert_string_equal(h[4].rule, "10/1h");
	free(h);
	assert_int_equal(kw_gstate_history(s, 2, &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[1].start, 1900);
	free(h);
	kw_cidr c = cidr("198.51.100.9");
	uint32_t cnt = 0;
	assert_int_equal(kw_gstate_offenses(s, &c, 0, &cnt), 0);
	assert_int_equal(cnt, 5);
	assert_int_equal(kw_gstate_offenses(s, &c, 1700, &cnt), 0);
	assert_int_equal(cnt, 3);
	kw_cidr other = cidr("198.51.100.0/24");
	assert_int_equal(kw_gstate_offenses(s, &other, 0, &cnt), 0);
	assert_int_equal(cnt, 0);

	/* unban: 1 then 0; history rows stamped */
	assert_int_equal(kw_gstate_unban(s, &c, 3000, "manual"), 1);
	assert_int_equal(kw_gstate_unban(s, &c, 3001, "manual"), 0);
	assert_int_equal(live_count(s, 3002), 0);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM history WHERE lifted = 3000 AND "
				 "lifted_why = 'manual'"), 5);
	/* history survives the unban and still counts offenses */
	assert_int_equal(kw_gstate_offenses(s, &c, 0, &cnt), 0);
	assert_int_equal(cnt, 5);
	/* a fresh ban after the unban starts over (not merged with the lifted one) */
	b = mkban("198.51.100.9", 4000, 4100, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	g = live_one(s, 4050, "198.51.100.9");
	assert_int_equal(g.start, 4000);
	assert_int_equal(g.offense, 1);
	/* after it expired (not yet purged), a new ban replaces it instead of extending */
	b = mkban("198.51.100.9", 4200, 4300, 1, "30/1d");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	g = live_one(s, 4250, "198.51.100.9");
	assert_int_equal(g.start, 4200);
	assert_string_equal(g.rule, "30/1d");
	kw_gstate_close(s);
}

static void test_expire(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("203.0.113.1", 1000, 2000, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	b = mkban("203.0.113.0/24", 1000, 3000, 1, "subnet");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	b = mkban("2001:db8:1::/64", 1000, 0, 1, "manual");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	b = mkban("2001:db8:1::5", 1000, 2500, 2, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);

	/* live hides a ban whose time is up even before expire removes it */
	assert_int_equal(live_count(s, 1999), 4);
	assert_int_equal(live_count(s, 2000), 3);

	kw_gban *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_gstate_expire(s, 2600, &v, &n), 0);
	assert_int_equal(n, 2);
	char t[KW_CIDR_STRLEN];
	fmt(&v[0].prefix, t);
	assert_string_equal(t, "203.0.113.1");
	assert_int_equal(v[0].expires, 2000);
	fmt(&v[1].prefix, t);
	assert_string_equal(t, "2001:db8:1::5");
	assert_int_equal(v[1].offense, 2);
	free(v);
	assert_int_equal(live_count(s, 2600), 2);
	/* nothing left to expire at the same time; the lifted time is the ban's own expiry */
	assert_int_equal(kw_gstate_expire(s, 2600, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(raw_int(f->db, "SELECT lifted FROM history WHERE prefix = '203.0.113.1' "
				 "AND lifted_why = 'expired'"), 2000);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM history WHERE lifted IS NULL"), 2);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM bans"), 2);
	/* the permanent one never expires */
	assert_int_equal(kw_gstate_expire(s, INT64_MAX, &v, &n), 0);
	assert_int_equal(n, 1);
	fmt(&v[0].prefix, t);
	assert_string_equal(t, "203.0.113.0/24");
	free(v);
	kw_gban g = live_one(s, INT64_MAX, "2001:db8:1::/64");
	assert_int_equal(g.expires, 0);
	kw_gstate_close(s);
}

static void test_text_cleaned(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("192.0.2.1", 10, 20, 1, "10/1h");
	snprintf(b.reason, sizeof b.reason, "root\x1b[31m\n");
	/* an origin that escapes to more than fits, cut inside a multi-byte character */
	memset(b.origin, 0, sizeof b.origin);
	b.origin[0] = 1;
	memset(b.origin + 1, 'o', 58);
	memcpy(b.origin + 59, "\xc3\xa9\xc3\xa9", 4);
	/* text that is already escaped is stored as it is, not escaped twice */
	snprintf(b.rule, sizeof b.rule, "a\\x1b \xc3\xa9");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	kw_gban g = live_one(s, 15, "192.0.2.1");
	assert_string_equal(g.reason, "root\\x1b[31m\\n");
	assert_int_equal(strlen(g.origin), 62); /* "\x01" + 58 o; the first é would not fit */
	assert_memory_equal(g.origin, "\\x01oo", 6);
	assert_int_equal(g.origin[61], 'o');
	assert_string_equal(g.rule, "a\\x1b \xc3\xa9");
	/* the unban reason is cleaned too */
	kw_cidr c = cidr("192.0.2.1");
	assert_int_equal(kw_gstate_unban(s, &c, 16, "by\x07hand"), 1);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM history WHERE lifted_why = "
				 "'by\\x07hand'"), 1);
	kw_gstate_close(s);
}

static void test_positions(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	char cur[128];
	assert_int_equal(kw_gstate_pos_get(s, "/var/log/auth.log", cur, sizeof cur), 0);
	assert_string_equal(cur, "");
	assert_int_equal(kw_gstate_pos_set(s, "/var/log/auth.log", "12:300:250:abcd", 100), 0);
	assert_int_equal(kw_gstate_pos_set(s, "journal", "s=1;i=2", 100), 0);
	assert_int_equal(kw_gstate_pos_set(s, "/var/log/auth.log", "12:400:390:abcd", 101), 0);
	assert_int_equal(kw_gstate_pos_get(s, "/var/log/auth.log", cur, sizeof cur), 1);
	assert_string_equal(cur, "12:400:390:abcd");
	char tiny[4];
	assert_int_equal(kw_gstate_pos_get(s, "/var/log/auth.log", tiny, sizeof tiny), KW_E_TOOBIG);
	assert_int_equal(kw_gstate_pos_set(s, "", "x", 1), -EINVAL);
	char *big = malloc(5000);
	assert_non_null(big);
	memset(big, 'c', 4999);
	big[4999] = 0;
	assert_int_equal(kw_gstate_pos_set(s, "x", big, 1), KW_E_TOOBIG);
	free(big);
	kw_gstate_close(s);
	s = open_ok(f->db);
	assert_int_equal(kw_gstate_pos_get(s, "journal", cur, sizeof cur), 1);
	assert_string_equal(cur, "s=1;i=2");
	assert_int_equal(raw_int(f->db, "SELECT updated FROM positions WHERE source = "
				 "'/var/log/auth.log'"), 101);
	kw_gstate_close(s);
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void expect_open_error(const char *path)
{
	kw_gstate *s = NULL;
	char err[256] = "";
	int r = kw_gstate_open(path, &s, err, sizeof err);
	if (r >= 0)
		fail_msg("%s opened as a guard database", path);
	assert_null(s);
	assert_true(err[0] != '\0');
}

static void test_corrupt(void **state)
{
	struct fx *f = *state;
	uint8_t junk[8192];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof junk; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (uint8_t)x;
	}
	char p[160];
	snprintf(p, sizeof p, "%s/junk.db", f->dir);
	write_file(p, junk, sizeof junk);
	expect_open_error(p);

	/* a valid SQLite header followed by garbage pages */
	memcpy(junk, "SQLite format 3", 16);
	junk[16] = 0x10; /* page size 4096 */
	junk[17] = 0x00;
	snprintf(p, sizeof p, "%s/header.db", f->dir);
	write_file(p, junk, sizeof junk);
	expect_open_error(p);

	/* a real database, then its pages overwritten after the header */
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("192.0.2.1", 10, 20, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	kw_gstate_close(s);
	raw_exec(f->db, "PRAGMA journal_mode = DELETE");
	int fd = open(f->db, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk + 100, 4096, 100 + 4096), 4096);
	assert_int_equal(pwrite(fd, junk + 200, 3000, 120), 3000);
	close(fd);
	s = NULL;
	char err[256];
	int r = kw_gstate_open(f->db, &s, err, sizeof err);
	if (r == 0) {
		/* SQLite may not notice until it reads the damaged pages: every call must still
		 * fail cleanly or skip what it cannot read */
		kw_gban *v = NULL;
		size_t n = 0;
		r = kw_gstate_live(s, 15, &v, &n);
		assert_true(r < 0 || n <= 1);
		free(v);
		kw_gstate_close(s);
	}

	/* somebody else's database, and one from a newer keyward */
	snprintf(p, sizeof p, "%s/other.db", f->dir);
	raw_exec(p, "CREATE TABLE bans(ip TEXT); INSERT INTO bans VALUES('1.2.3.4')");
	s = NULL;
	assert_int_equal(kw_gstate_open(p, &s, err, sizeof err), KW_E_UNSUPPORTED);
	assert_non_null(strstr(err, "not a keyward guard database"));
	assert_int_equal(raw_int(p, "SELECT count(*) FROM sqlite_schema"), 1); /* untouched */
	snprintf(p, sizeof p, "%s/newer.db", f->dir);
	raw_exec(p, "PRAGMA application_id = 1803003716; PRAGMA user_version = 99");
	assert_int_equal(kw_gstate_open(p, &s, err, sizeof err), KW_E_UNSUPPORTED);
	/* marked as ours, right version, but the tables are not keyward's */
	snprintf(p, sizeof p, "%s/fake.db", f->dir);
	raw_exec(p, "PRAGMA application_id = 1803003716; PRAGMA user_version = 1;"
		    "CREATE TABLE bans(x); CREATE TABLE history(y); CREATE TABLE positions(z)");
	assert_true(kw_gstate_open(p, &s, err, sizeof err) < 0);
	assert_null(s);
}

static void test_hostile_rows(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	kw_gban b = mkban("192.0.2.50", 1000, 5000, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	kw_gstate_close(s);

	raw_exec(f->db,
		 "INSERT INTO bans VALUES('garbage', 4, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.7/24', 4, 24, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('::ffff:192.0.2.8', 4, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.9', 6, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.10', 4, 24, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.11', 4, 32, 'soon', 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.12', 4, 32, 1000, 5000, 0, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.13', 4, 32, 1000, 5000, 1, 'r' || char(27), 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.14', 4, 32, 1000, 5000, 1, 'r', printf('%.200c', 'y'), 'o');"
		 "INSERT INTO bans VALUES('192.0.2.15', 4, 32, 3000, 2000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES(CAST(x'3139322e302e322e313600' AS TEXT), 4, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.17', 4, 32, -1, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES(x'3139322e302e322e3138', 4, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.19', 4, 32, 1000, 5000, 99999999999, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES('192.0.2.20', 4, 32, 1000.5, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO bans VALUES(printf('%.5000c', '1'), 4, 32, 1000, 5000, 1, 'r', 'x', 'o');"
		 "INSERT INTO history(prefix, start, expires, offense, rule, reason, origin) "
		 "  VALUES('not an address', 1, 2, 1, 'r', 'x', 'o');"
		 "INSERT INTO history(prefix, start, expires, offense, rule, reason, origin) "
		 "  VALUES('192.0.2.50', 1, 2, 1, 'r', x'ff', 'o');"
		 "INSERT INTO positions VALUES('blob', x'3132', 1);"
		 "INSERT INTO positions VALUES('nul', CAST(x'610062' AS TEXT), 1);"
		 /* a trigger planted in the file must not run inside keyward */
		 "CREATE TRIGGER planted AFTER INSERT ON bans BEGIN "
		 "  INSERT INTO positions VALUES('planted', 'yes', 1); END;");
	s = open_ok(f->db);
	kw_gban *v = NULL;
	size_t n = 0;
	assert_int_equal(kw_gstate_live(s, 2000, &v, &n), 0);
	assert_int_equal(n, 1);
	char t[KW_CIDR_STRLEN];
	fmt(&v[0].prefix, t);
	assert_string_equal(t, "192.0.2.50");
	free(v);
	assert_int_equal(kw_gstate_history(s, 0, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].start, 1000);
	free(v);
	char cur[64];
	assert_int_equal(kw_gstate_pos_get(s, "blob", cur, sizeof cur), 0);
	assert_int_equal(kw_gstate_pos_get(s, "nul", cur, sizeof cur), 0);
	/* banning over a hostile row of the same key replaces it with a good one */
	b = mkban("192.0.2.10", 2000, 6000, 1, "manual");
	assert_int_equal(kw_gstate_ban(s, &b), 0);
	kw_gban g = live_one(s, 2500, "192.0.2.10");
	assert_int_equal(g.start, 2000);
	assert_int_equal(g.prefix.bits, 32);
	assert_int_equal(kw_gstate_pos_get(s, "planted", cur, sizeof cur), 0);
	/* expiry drops the bad rows whose time is up too, and returns only the good ones */
	assert_int_equal(kw_gstate_expire(s, 10000, &v, &n), 0);
	assert_int_equal(n, 2);
	free(v);
	kw_gstate_close(s);
}

static void test_busy_wait(void **state)
{
	struct fx *f = *state;
	kw_gstate *s = open_ok(f->db);
	kw_gstate_close(s);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *h = NULL;
		if (sqlite3_open(f->db, &h) != SQLITE_OK ||
		    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		usleep(400 * 1000);
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		_exit(0);
	}
	close(pfd[1]);
	char c;
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	s = open_ok(f->db);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kw_gban b = mkban("192.0.2.60", 10, 20, 1, "10/1h");
	assert_int_equal(kw_gstate_ban(s, &b), 0); /* waits for the lock instead of failing */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt > 0.2);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	live_one(s, 15, "192.0.2.60");
	kw_gstate_close(s);
}

static void test_crash_child(void **state)
{
	struct fx *f = *state;
	for (int round = 0; round < 3; round++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			kw_gstate *s = NULL;
			char err[256];
			if (kw_gstate_open(f->db, &s, err, sizeof err) < 0)
				_exit(2);
			char p[32];
			snprintf(p, sizeof p, "100.64.0.%d", round + 1);
			kw_gban b = mkban(p, 1000, 0, (uint32_t)round + 1, "10/1h");
			if (kw_gstate_ban(s, &b) < 0)
				_exit(3);
			_exit(0); /* no close, no checkpoint: the WAL is all there is */
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		kw_gstate *s = open_ok(f->db);
		char p[32];
		snprintf(p, sizeof p, "100.64.0.%d", round + 1);
		kw_gban g = live_one(s, 5000, p);
		assert_int_equal(g.offense, (uint32_t)round + 1);
		assert_int_equal(live_count(s, 5000), (size_t)round + 1);
		kw_gstate_close(s);
	}
}

/* Several processes creating and writing the same new file at once: every one succeeds
 * (the schema is made once, under the write lock) and every ban is there. */
static void test_concurrent_create(void **state)
{
	struct fx *f = *state;
	enum { N = 4, PER = 20 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			kw_gstate *s = NULL;
			char err[256];
			if (kw_gstate_open(f->db, &s, err, sizeof err) < 0) {
				fprintf(stderr, "process %d: %s\n", i, err);
				_exit(2);
			}
			for (int j = 0; j < PER; j++) {
				char p[32];
				snprintf(p, sizeof p, "100.65.%d.%d", i, j);
				kw_gban b = mkban(p, 1000, 0, 1, "10/1h");
				if (kw_gstate_ban(s, &b) < 0)
					_exit(3);
			}
			kw_gstate_close(s);
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	kw_gstate *s = open_ok(f->db);
	assert_int_equal(live_count(s, 2000), N * PER);
	kw_gstate_close(s);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM history"), N * PER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_create_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban_extend_unban, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_cleaned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
