/* state.c — the guard's durable state (state.h) in one SQLite file.
 *
 * The file is opened in WAL mode with synchronous=FULL, so a ban whose kw_gstate_ban
 * returned is on disk even if the process dies the next instant; busy_timeout lets the
 * daemon and a `keyward guard ban` from the command line share it. Every write is one
 * transaction (BEGIN IMMEDIATE: the write lock is taken up front, so two writers never
 * dead-lock on a lock upgrade). Statements are prepared once, when the handle is opened
 * (which also proves the schema is the one this code expects), and reset after each use.
 *
 * Schema versions live in PRAGMA user_version; `migrations[]` holds the SQL that brings
 * version N to N+1, applied in one transaction that re-reads the version under the write
 * lock (two processes creating the same file at once apply it once). A file with a newer
 * version than this code knows, or one that already holds other tables and is not marked
 * with our application_id, is refused rather than changed.
 *
 * The file is input like any other: another program (or an attacker with write access)
 * may have put anything in it. SQLite runs in defensive mode with untrusted schema, and
 * every row read back is validated: the prefix must be keyward's own canonical text of a
 * prefix whose family and length match the row, times must be non-negative integers, text
 * must fit its kw_gban field and be clean. A row that
 * fails is skipped, never half-used. "Clean" is what kw_escape can produce: valid UTF-8
 * without control, bidi or other unsafe code points (backslashes allowed). Text that goes
 * in is made clean first (escaped unless it already is, then cut on a UTF-8 boundary),
 * so everything keyward writes passes those checks.
 *
 * Extending: a ban of a prefix that is live at the new ban's start keeps the earlier
 * start, the later expiry (0 = never wins), the larger offense, and the rule, reason and
 * origin of whichever ban lasts longer. Each kw_gstate_ban appends one history row; a
 * lift (unban or expiry) stamps every open history row of that prefix.
 */
#include "guard/state.h"

#include "db/db.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP_ID 0x6b774744          /* "kwGD": marks a keyward guard database */
#define BUSY_MS 5000
#define POS_MAX 4096               /* longest source name or cursor stored */
#define WHY_MAX 64

/* ---- schema ---- */

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE bans("
	" prefix TEXT PRIMARY KEY NOT NULL,"
	" family INTEGER NOT NULL,"
	" bits INTEGER NOT NULL,"
	" start INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" offense INTEGER NOT NULL,"
	" rule TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" origin TEXT NOT NULL);"
	"CREATE INDEX bans_expires ON bans(expires);"
	"CREATE TABLE history("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" prefix TEXT NOT NULL,"
	" start INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" offense INTEGER NOT NULL,"
	" rule TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" lifted INTEGER,"
	" lifted_why TEXT);"
	"CREATE INDEX history_prefix ON history(prefix, start);"
	"CREATE TABLE positions("
	" source TEXT PRIMARY KEY NOT NULL,"
	" cursor TEXT NOT NULL,"
	" updated INTEGER NOT NULL);",
	/* 1 -> 2: the bans this guard made that the fleet's shared table has not taken yet
	 * (kw_gstate_ban_share; the sharing side deletes each row once it is published) */
	"CREATE TABLE outbox("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" prefix TEXT NOT NULL,"
	" start INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" offense INTEGER NOT NULL,"
	" rule TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" origin TEXT NOT NULL);",
};
#define SCHEMA_VERSION ((int)KW_ARRAY_LEN(migrations))

/* The columns every ban-shaped SELECT returns, in decode_row's order. */
#define BAN_COLS "prefix, start, expires, offense, rule, reason, origin"

enum stmt_id {
	ST_BAN_GET,
	ST_BAN_PUT,
	ST_HIST_ADD,
	ST_UNBAN,
	ST_HIST_LIFT,
	ST_LIVE,
	ST_EXPIRED,
	ST_EXPIRE_LIFT,
	ST_EXPIRE_DEL,
	ST_OFFENSES,
	ST_HISTORY,
	ST_POS_GET,
	ST_POS_SET,
	ST_OUT_ADD,
	ST_OUT_LIST,
	ST_OUT_DEL_UPTO,
	ST_OUT_COUNT,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BAN_GET] = "SELECT " BAN_COLS ", family, bits FROM bans WHERE prefix = $1",
	[ST_BAN_PUT] = "INSERT INTO bans(prefix, family, bits, start, expires, offense, rule,"
		       " reason, origin) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
		       " ON CONFLICT(prefix) DO UPDATE SET family = excluded.family,"
		       " bits = excluded.bits, start = excluded.start,"
		       " expires = excluded.expires, offense = excluded.offense,"
		       " rule = excluded.rule, reason = excluded.reason,"
		       " origin = excluded.origin",
	[ST_HIST_ADD] = "INSERT INTO history(prefix, start, expires, offense, rule, reason,"
			" origin) VALUES($1, $2, $3, $4, $5, $6, $7)",
	[ST_UNBAN] = "DELETE FROM bans WHERE prefix = $1 RETURNING expires",
	[ST_HIST_LIFT] = "UPDATE history SET lifted = $2, lifted_why = $3"
			 " WHERE prefix = $1 AND lifted IS NULL",
	[ST_LIVE] = "SELECT " BAN_COLS ", family, bits FROM bans"
		    " WHERE expires = 0 OR expires > $1 ORDER BY start, prefix",
	[ST_EXPIRED] = "SELECT " BAN_COLS ", family, bits FROM bans"
		       " WHERE expires != 0 AND expires <= $1 ORDER BY expires, prefix",
	[ST_EXPIRE_LIFT] = "UPDATE history SET lifted_why = 'expired', lifted ="
			   " (SELECT b.expires FROM bans b WHERE b.prefix = history.prefix)"
			   " WHERE lifted IS NULL AND prefix IN"
			   " (SELECT prefix FROM bans WHERE expires != 0 AND expires <= $1)",
	[ST_EXPIRE_DEL] = "DELETE FROM bans WHERE expires != 0 AND expires <= $1",
	[ST_OFFENSES] = "SELECT count(*) FROM history WHERE prefix = $1 AND start >= $2",
	[ST_HISTORY] = "SELECT " BAN_COLS " FROM history ORDER BY start DESC, id DESC"
		       " LIMIT $1",
	[ST_POS_GET] = "SELECT cursor FROM positions WHERE source = $1",
	[ST_POS_SET] = "INSERT INTO positions(source, cursor, updated) VALUES($1, $2, $3)"
		       " ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor,"
		       " updated = excluded.updated",
	[ST_OUT_ADD] = "INSERT INTO outbox(prefix, start, expires, offense, rule, reason, origin)"
		       " VALUES($1, $2, $3, $4, $5, $6, $7)",
	[ST_OUT_LIST] = "SELECT " BAN_COLS ", seq FROM outbox ORDER BY seq LIMIT $1",
	[ST_OUT_DEL_UPTO] = "DELETE FROM outbox WHERE seq <= $1",
	[ST_OUT_COUNT] = "SELECT count(*) FROM outbox",
};

static const kw_db_schema guard_schema = {
	.name = "guard",
	.what = "guard database",
	.app_id = APP_ID,
	.version = SCHEMA_VERSION,
	.sqlite_migrations = migrations,
	.pg_migrations = NULL,   /* this host's own state: a file only */
	.stmts = stmt_sql,
	.n_stmts = ST_COUNT,
	.busy_ms = BUSY_MS,
};

struct kw_gstate {
	kw_db *db;
};

/* ---- statements ---- */

static kw_dbq *use(kw_gstate *s, enum stmt_id id) { return kw_db_q(s->db, id); }

static int run(kw_dbq *q) { return kw_dbq_run(q); }

static int tx_begin(kw_gstate *s) { return kw_db_begin(s->db); }

/* Commit if r >= 0 (and return r), else roll back (and return r). */
static int tx_end(kw_gstate *s, int r)
{
	if (r >= 0) {
		int c = kw_db_commit(s->db);
		if (c == 0)
			return r;
		r = c;
	}
	kw_db_rollback(s->db);
	return r;
}

static int bind_prefix(kw_dbq *q, int i, const kw_cidr *c, char key[KW_CIDR_STRLEN])
{
	if (kw_cidr_format(c, key, KW_CIDR_STRLEN) == 0)
		return -EINVAL;
	return kw_dbq_str(q, i, key);
}

/* ---- validation ---- */

static bool prefix_ok(const kw_cidr *c)
{
	if (c->a.fam != 4 && c->a.fam != 6)
		return false;
	unsigned max = c->a.fam == 4 ? 32u : 128u;
	if (c->bits > max)
		return false;
	kw_cidr canon = kw_cidr_of(&c->a, c->bits);
	return kw_addr_eq(&canon.a, &c->a);
}

/* Text keyward's escaping could have produced: valid UTF-8 with no control, bidi or other
 * unsafe code point (kw_escape_is_clean between backslashes; a backslash is ASCII, never
 * inside a multi-byte sequence, so splitting there keeps the decoding intact). */
static bool text_safe(const char *p, size_t n)
{
	for (;;) {
		const char *bs = memchr(p, '\\', n);
		size_t seg = bs ? (size_t)(bs - p) : n;
		if (!kw_escape_is_clean(p, seg))
			return false;
		if (!bs)
			return true;
		p += seg + 1;
		n -= seg + 1;
	}
}

/* Clean copy of a caller's fixed-size field: must be NUL-terminated within cap; unclean
 * text is escaped, and anything too long is cut on a UTF-8 boundary. */
static int clean_field(const char *in, size_t cap, char *out)
{
	size_t n = strnlen(in, cap);
	if (n == cap)
		return -EINVAL;
	_cleanup_free_ char *esc = NULL;
	const char *src = in;
	if (!text_safe(in, n)) {
		esc = kw_escape_dup(in, n);
		if (!esc)
			return -ENOMEM;
		src = esc;
		n = strlen(esc);
	}
	if (n > cap - 1) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, src, n);
	out[n] = '\0';
	return 0;
}

/* Text column i into out[cap]: text, shorter than cap, no NUL, clean. */
static bool col_text(kw_dbq *st, int i, char *out, size_t cap)
{
	size_t n = 0;
	const char *t = kw_dbq_get_text(st, i, &n);
	if (!t || n >= cap || memchr(t, 0, n))
		return false;
	if (!text_safe(t, n))
		return false;
	memcpy(out, t, n);
	out[n] = '\0';
	return true;
}

static bool col_int(kw_dbq *st, int i, int64_t lo, int64_t hi, int64_t *out)
{
	if (kw_dbq_type(st, i) != KW_DBV_INT)
		return false;
	int64_t v = kw_dbq_get_int(st, i);
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool kw_gban_decode(kw_dbq *st, bool fambits, kw_gban *out)
{
	kw_gban b;
	memset(&b, 0, sizeof b);
	char key[KW_CIDR_STRLEN], again[KW_CIDR_STRLEN];
	int64_t off, fam, bits;
	if (!col_text(st, 0, key, sizeof key) || kw_cidr_parse(key, strlen(key), &b.prefix) < 0)
		return false;
	/* only keyward's own canonical spelling: "1.2.3.0/24", never "1.2.3.7/24" or "::ffff:..." */
	if (kw_cidr_format(&b.prefix, again, sizeof again) == 0 || strcmp(key, again) != 0)
		return false;
	if (!col_int(st, 1, 0, INT64_MAX, &b.start) || !col_int(st, 2, 0, INT64_MAX, &b.expires))
		return false;
	if (b.expires != 0 && b.expires < b.start)
		return false;
	if (!col_int(st, 3, 1, UINT32_MAX, &off))
		return false;
	b.offense = (uint32_t)off;
	if (!col_text(st, 4, b.rule, sizeof b.rule) || !col_text(st, 5, b.reason, sizeof b.reason) ||
	    !col_text(st, 6, b.origin, sizeof b.origin))
		return false;
	if (fambits) {
		if (!col_int(st, 7, 4, 6, &fam) || fam != b.prefix.a.fam)
			return false;
		if (!col_int(st, 8, 0, 128, &bits) || bits != b.prefix.bits)
			return false;
	}
	*out = b;
	return true;
}

/* kw_dbq_decode_fn: a ban row (ctx: bool fambits); a row that does not check is skipped */
static int collect_ban(kw_dbq *st, void *elem, void *ctx)
{
	return kw_gban_decode(st, *(const bool *)ctx, elem) ? 1 : 0;
}

/* Every valid row of a prepared, bound SELECT into a new array. */
static int collect_rows(kw_dbq *st, bool fambits, kw_gban **out, size_t *n)
{
	int r = kw_dbq_collect(st, sizeof **out, collect_ban, &fambits, (void **)out, n);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* ---- open / close ---- */

void kw_gstate_close(kw_gstate *s)
{
	if (!s)
		return;
	kw_db_close(s->db);
	free(s);
}

int kw_gstate_open(const char *path, kw_gstate **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	kw_gstate *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int r = kw_db_open(path, &guard_schema, KW_DB_CREATE, &s->db, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* ---- bans ---- */

static bool live_at(const kw_gban *b, int64_t now) { return b->expires == 0 || b->expires > now; }

/* b extends a live old ban: see the top of the file. */
static kw_gban merge(const kw_gban *old, const kw_gban *b)
{
	bool new_wins = b->expires == 0 || (old->expires != 0 && b->expires >= old->expires);
	kw_gban m = new_wins ? *b : *old;
	m.prefix = b->prefix;
	m.start = old->start < b->start ? old->start : b->start;
	m.offense = old->offense > b->offense ? old->offense : b->offense;
	return m;
}

static int put_ban(kw_gstate *s, const kw_gban *m, const char *key)
{
	_cleanup_dbq_ kw_dbq *st = use(s, ST_BAN_PUT);
	kw_dbq_str(st, 1, key);
	kw_dbq_int(st, 2, m->prefix.a.fam);
	kw_dbq_int(st, 3, m->prefix.bits);
	kw_dbq_int(st, 4, m->start);
	kw_dbq_int(st, 5, m->expires);
	kw_dbq_int(st, 6, m->offense);
	kw_dbq_str(st, 7, m->rule);
	kw_dbq_str(st, 8, m->reason);
	kw_dbq_str(st, 9, m->origin);
	return run(st);
}

/* The seven BAN_COLS of b as parameters $1..$7 (key: its prefix's text). */
static void bind_ban(kw_dbq *st, const kw_gban *b, const char *key)
{
	kw_dbq_str(st, 1, key);
	kw_dbq_int(st, 2, b->start);
	kw_dbq_int(st, 3, b->expires);
	kw_dbq_int(st, 4, b->offense);
	kw_dbq_str(st, 5, b->rule);
	kw_dbq_str(st, 6, b->reason);
	kw_dbq_str(st, 7, b->origin);
}

static int add_history(kw_gstate *s, const kw_gban *b, const char *key)
{
	_cleanup_dbq_ kw_dbq *st = use(s, ST_HIST_ADD);
	bind_ban(st, b, key);
	return run(st);
}

static int add_outbox(kw_gstate *s, const kw_gban *b, const char *key)
{
	_cleanup_dbq_ kw_dbq *st = use(s, ST_OUT_ADD);
	bind_ban(st, b, key);
	return run(st);
}

/* The stored ban of key, if there is a valid one: 1 found, 0 none. */
static int get_ban(kw_gstate *s, const char *key, kw_gban *out)
{
	_cleanup_dbq_ kw_dbq *st = use(s, ST_BAN_GET);
	kw_dbq_str(st, 1, key);
	int rc = kw_dbq_step(st);
	if (rc <= 0)
		return rc;
	return kw_gban_decode(st, true, out) ? 1 : 0;
}

int kw_gban_clean(const kw_gban *in, kw_gban *out)
{
	if (!in || !prefix_ok(&in->prefix) || in->start < 0 || in->expires < 0 ||
	    (in->expires != 0 && in->expires < in->start))
		return -EINVAL;
	kw_gban b;
	memset(&b, 0, sizeof b);
	b.prefix = kw_cidr_of(&in->prefix.a, in->prefix.bits);
	b.start = in->start;
	b.expires = in->expires;
	b.offense = in->offense ? in->offense : 1;
	int r = clean_field(in->rule, sizeof in->rule, b.rule);
	if (r == 0)
		r = clean_field(in->reason, sizeof in->reason, b.reason);
	if (r == 0)
		r = clean_field(in->origin, sizeof in->origin, b.origin);
	if (r == 0)
		*out = b;
	return r;
}

/* One ban's rows (the live ban, merged with a live one of the prefix; its history row;
 * its outbox row when asked), inside the caller's transaction. */
static int ban_rows(kw_gstate *s, const kw_gban *in, bool outbox)
{
	kw_gban b;
	int r = kw_gban_clean(in, &b);
	if (r < 0)
		return r;
	char key[KW_CIDR_STRLEN];
	if (kw_cidr_format(&b.prefix, key, sizeof key) == 0)
		return -EINVAL;
	kw_gban old, m = b;
	r = get_ban(s, key, &old);
	if (r == 1 && live_at(&old, b.start))
		m = merge(&old, &b);
	if (r >= 0)
		r = put_ban(s, &m, key);
	if (r >= 0)
		r = add_history(s, &b, key);
	if (r >= 0 && outbox)
		r = add_outbox(s, &b, key);
	return r < 0 ? r : 0;
}

static int pos_put(kw_gstate *s, const char *source, const char *cursor, int64_t now);

static int ban_tx(kw_gstate *s, const kw_gban *in, bool outbox)
{
	if (!s || !in)
		return -EINVAL;
	int r = tx_begin(s);
	if (r < 0)
		return r;
	return tx_end(s, ban_rows(s, in, outbox));
}

int kw_gstate_ban(kw_gstate *s, const kw_gban *in) { return ban_tx(s, in, false); }

int kw_gstate_ban_share(kw_gstate *s, const kw_gban *in) { return ban_tx(s, in, true); }

int kw_gstate_ban_remote(kw_gstate *s, const kw_gban *in, size_t n, const char *source,
			 const char *cursor, int64_t now)
{
	if (!s || (n && !in) || !source || !cursor)
		return -EINVAL;
	int r = tx_begin(s);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = ban_rows(s, &in[i], false);
	if (r == 0)
		r = pos_put(s, source, cursor, now);
	return tx_end(s, r);
}

int kw_gstate_unban(kw_gstate *s, const kw_cidr *prefix, int64_t now, const char *why)
{
	if (!s || !prefix || !prefix_ok(prefix))
		return -EINVAL;
	char whyc[WHY_MAX] = "manual";
	if (why) {
		char tmp[WHY_MAX];
		snprintf(tmp, sizeof tmp, "%s", why);
		int r = clean_field(tmp, sizeof tmp, whyc);
		if (r < 0)
			return r;
	}
	kw_cidr c = kw_cidr_of(&prefix->a, prefix->bits);
	char key[KW_CIDR_STRLEN];
	int r = tx_begin(s);
	if (r < 0)
		return r;
	int was_live = 0;
	{
		_cleanup_dbq_ kw_dbq *st = use(s, ST_UNBAN);
		r = bind_prefix(st, 1, &c, key);
		int rc = 0;
		while (r == 0 && (rc = kw_dbq_step(st)) > 0) {
			int64_t exp = kw_dbq_get_int(st, 0);
			if (kw_dbq_type(st, 0) == KW_DBV_INT && (exp == 0 || exp > now))
				was_live = 1;
		}
		if (r == 0 && rc < 0)
			r = rc;
	}
	if (r == 0) {
		_cleanup_dbq_ kw_dbq *st = use(s, ST_HIST_LIFT);
		kw_dbq_str(st, 1, key);
		kw_dbq_int(st, 2, now);
		kw_dbq_str(st, 3, whyc);
		r = run(st);
	}
	return tx_end(s, r < 0 ? r : was_live);
}

int kw_gstate_live(kw_gstate *s, int64_t now, kw_gban **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_LIVE);
	kw_dbq_int(st, 1, now);
	return collect_rows(st, true, out, n);
}

int kw_gstate_expire(kw_gstate *s, int64_t now, kw_gban **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s)
		return -EINVAL;
	int r = tx_begin(s);
	if (r < 0)
		return r;
	kw_gban *v = NULL;
	size_t len = 0;
	{
		_cleanup_dbq_ kw_dbq *st = use(s, ST_EXPIRED);
		kw_dbq_int(st, 1, now);
		r = collect_rows(st, true, &v, &len);
	}
	if (r == 0) {
		_cleanup_dbq_ kw_dbq *st = use(s, ST_EXPIRE_LIFT);
		kw_dbq_int(st, 1, now);
		r = run(st);
	}
	if (r == 0) {
		_cleanup_dbq_ kw_dbq *st = use(s, ST_EXPIRE_DEL);
		kw_dbq_int(st, 1, now);
		r = run(st);
	}
	r = tx_end(s, r);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return 0;
}

int kw_gstate_offenses(kw_gstate *s, const kw_cidr *prefix, int64_t since, uint32_t *count)
{
	*count = 0;
	if (!s || !prefix || !prefix_ok(prefix))
		return -EINVAL;
	kw_cidr c = kw_cidr_of(&prefix->a, prefix->bits);
	char key[KW_CIDR_STRLEN];
	_cleanup_dbq_ kw_dbq *st = use(s, ST_OFFENSES);
	int r = bind_prefix(st, 1, &c, key);
	if (r < 0)
		return r;
	kw_dbq_int(st, 2, since);
	int rc = kw_dbq_step(st);
	if (rc <= 0)
		return rc == 0 ? -EIO : rc;
	int64_t v = kw_dbq_get_int(st, 0);
	*count = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

int kw_gstate_history(kw_gstate *s, size_t limit, kw_gban **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_HISTORY);
	kw_dbq_int(st, 1, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
	return collect_rows(st, false, out, n);
}

/* ---- the outbox ---- */

/* kw_dbq_decode_fn: an outbox row; one without a sequence number is skipped */
static int collect_out(kw_dbq *st, void *elem, void *ctx)
{
	(void)ctx;
	kw_gout *o = elem;
	if (!col_int(st, 7, 1, INT64_MAX, &o->seq))
		return 0;
	o->valid = kw_gban_decode(st, false, &o->ban);
	return 1;
}

int kw_gstate_outbox(kw_gstate *s, size_t max, kw_gout **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s || max == 0)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_OUT_LIST);
	kw_dbq_int(st, 1, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	int r = kw_dbq_collect(st, sizeof **out, collect_out, NULL, (void **)out, n);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

int kw_gstate_outbox_count(kw_gstate *s, size_t *n)
{
	*n = 0;
	if (!s)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_OUT_COUNT);
	int64_t v = 0;
	int r = kw_dbq_step(st);
	if (r > 0 && !col_int(st, 0, 0, INT64_MAX, &v))
		r = KW_E_PARSE;
	if (r < 0)
		return r;
	*n = (size_t)v;
	return 0;
}

int kw_gstate_outbox_done(kw_gstate *s, int64_t seq)
{
	if (!s)
		return -EINVAL;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_OUT_DEL_UPTO);
	kw_dbq_int(st, 1, seq);
	return run(st);
}

/* ---- read positions ---- */

int kw_gstate_pos_get(kw_gstate *s, const char *source, char *cursor, size_t cap)
{
	if (!s || !source || !cursor || cap == 0)
		return -EINVAL;
	cursor[0] = '\0';
	if (strlen(source) > POS_MAX)
		return KW_E_TOOBIG;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_POS_GET);
	kw_dbq_str(st, 1, source);
	int rc = kw_dbq_step(st);
	if (rc <= 0)
		return rc;
	size_t len = 0;
	const char *t = kw_dbq_get_text(st, 0, &len);
	if (!t || len > POS_MAX || memchr(t, 0, len))
		return 0; /* a bad row: as if there were none, the reader starts afresh */
	if (len >= cap)
		return KW_E_TOOBIG;
	memcpy(cursor, t, len);
	cursor[len] = '\0';
	return 1;
}

static int pos_put(kw_gstate *s, const char *source, const char *cursor, int64_t now)
{
	if (strlen(source) > POS_MAX || strlen(cursor) > POS_MAX)
		return KW_E_TOOBIG;
	_cleanup_dbq_ kw_dbq *st = use(s, ST_POS_SET);
	kw_dbq_str(st, 1, source);
	kw_dbq_str(st, 2, cursor);
	kw_dbq_int(st, 3, now);
	return run(st);
}

int kw_gstate_pos_set(kw_gstate *s, const char *source, const char *cursor, int64_t now)
{
	if (!s || !source || !cursor || !*source)
		return -EINVAL;
	return pos_put(s, source, cursor, now);
}
