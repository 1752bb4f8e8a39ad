/* share.c — the fleet's shared bans (share.h): one thread per guard that publishes the
 * outbox to PostgreSQL and takes the other guards' bans.
 *
 * The thread's loop: connect (or wait to retry); publish the outbox; take what is new;
 * then poll the connection's socket and an eventfd (kicks and stop) for at most a second.
 * Any error on the connection drops it: the next turn reconnects, publishes what piled
 * up and takes what it missed (the read position is in the state database).
 */
#include "guard/share.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "db/db.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256               /* rows published or taken per statement */
#define RESYNC_S 30             /* take what is new even without a notification */
#define PRUNE_S 3600            /* delete rows expired for more than PRUNE_AGE_S */
#define PRUNE_AGE_S 86400
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000
#define RATE_ORIGINS 1024       /* origins whose minute is counted */
#define PUBLISH_LOCK "7743237335209897314"

/* ---- the table ---- */

static const char pg_v1[] =
	"CREATE TABLE bans("
	" id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" prefix TEXT NOT NULL,"
	" start BIGINT NOT NULL,"
	" expires BIGINT NOT NULL,"
	" offense BIGINT NOT NULL,"
	" rule TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" origin_id TEXT NOT NULL,"
	" origin_seq BIGINT NOT NULL,"
	" published BIGINT NOT NULL,"
	" UNIQUE(origin_id, origin_seq, prefix, start));"
	"CREATE INDEX bans_expires ON bans(expires);";
static const char *const pg_migrations[] = { pg_v1 };

enum stmt_id { ST_LOCK, ST_PUBLISH, ST_NOTIFY, ST_TAKE, ST_PRUNE, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
	[ST_LOCK] = "SELECT pg_advisory_xact_lock(" PUBLISH_LOCK ")",
	[ST_PUBLISH] = "INSERT INTO bans(prefix, start, expires, offense, rule, reason, origin,"
		       " origin_id, origin_seq, published) VALUES($1, $2, $3, $4, $5, $6, $7, $8,"
		       " $9, CAST(extract(epoch FROM now()) AS BIGINT)) ON CONFLICT DO NOTHING",
	[ST_NOTIFY] = "SELECT pg_notify('keyward_bans', '')",
	/* the first seven columns as kw_gban_decode reads them */
	[ST_TAKE] = "SELECT prefix, start, expires, offense, rule, reason, origin, id, origin_id"
		    " FROM bans WHERE id > $1 AND (expires = 0 OR expires > $2) ORDER BY id"
		    " LIMIT " "256",
	[ST_PRUNE] = "DELETE FROM bans WHERE expires <> 0 AND expires < $1",
};
_Static_assert(BATCH == 256, "ST_TAKE's LIMIT");

static const kw_db_schema bans_schema = {
	.name = "bans",
	.what = "shared bans table",
	.version = 1,
	.sqlite_migrations = NULL, /* NOTIFY: PostgreSQL only */
	.pg_migrations = pg_migrations,
	.stmts = stmt_sql,
	.n_stmts = ST_COUNT,
	.busy_ms = 10000,
};

/* ---- the share ---- */

typedef struct rate_slot {
	char origin[64];
	int64_t minute;          /* the minute counted (Unix seconds / 60) */
	uint32_t count, dropped;
} rate_slot;

struct kw_gshare {
	kw_gshare_opts o;
	char *uri, *host_id, *pos_key, *shown;
	kw_gstate *st;
	kw_db *db;
	int efd;                 /* eventfd: kicks and stop */
	pthread_t thread;
	atomic_bool stop;
	kw_gshare_stats stats;   /* the thread's; read after it ends */
	int64_t last_id;         /* the read position */
	rate_slot rates[RATE_ORIGINS];
	size_t n_rates;
	bool said_down;          /* "cannot reach" said since the last connection */
};

static void say(kw_gshare *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(kw_gshare *s, const char *fmt, ...)
{
	if (!s->o.hooks.say)
		return;
	char line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->o.hooks.say(s->o.hooks.ctx, line);
}

static int64_t now_s(void) { return (int64_t)time(NULL); }

char *kw_gshare_position_key(const char *uri)
{
	_cleanup_free_ char *d = kw_db_display(uri);
	char *k = NULL;
	return d && asprintf(&k, "share:%s", d) >= 0 ? k : NULL;
}

/* ---- the connection ---- */

/* Without the database until the next (re)connection. */
static void disconnect(kw_gshare *s)
{
	kw_db_close(s->db);
	s->db = NULL;
	s->said_down = true;
	s->stats.lost++;
}

static void drop(kw_gshare *s, int r, const char *what)
{
	char err[512] = "";
	kw_db_errmsg(s->db, err, sizeof err, what);
	say(s, "share: %s: %s; working alone until it is back", s->shown,
	    err[0] ? err : kw_strerror(r));
	disconnect(s);
}

static int connect_db(kw_gshare *s)
{
	char err[512] = "";
	int r = kw_db_open(s->uri, &bans_schema, 0, &s->db, err, sizeof err);
	if (r == 0)
		r = kw_db_listen(s->db, "keyward_bans");
	if (r < 0) {
		if (!s->said_down)
			say(s, "share: cannot reach %s: %s; working alone, retrying", s->shown,
			    err[0] ? err : kw_strerror(r));
		disconnect(s);
		return r;
	}
	say(s, "share: connected to %s", s->shown);
	s->said_down = false;
	s->stats.connects++;
	return 0;
}

/* ---- publishing ---- */

/* One batch of the outbox in one transaction (one commit, one NOTIFY): 0 or a code. */
static int publish_batch(kw_gshare *s, const kw_gout *v, size_t n, size_t *published)
{
	*published = 0;
	int r = kw_db_begin(s->db);
	if (r == 0) {
		_cleanup_dbq_ kw_dbq *q = kw_db_q(s->db, ST_LOCK);
		r = kw_dbq_run(q);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		char key[KW_CIDR_STRLEN];
		if (!v[i].valid || kw_cidr_format(&v[i].ban.prefix, key, sizeof key) == 0)
			continue;
		_cleanup_dbq_ kw_dbq *q = kw_db_q(s->db, ST_PUBLISH);
		kw_dbq_str(q, 1, key);
		kw_dbq_int(q, 2, v[i].ban.start);
		kw_dbq_int(q, 3, v[i].ban.expires);
		kw_dbq_int(q, 4, v[i].ban.offense);
		kw_dbq_str(q, 5, v[i].ban.rule);
		kw_dbq_str(q, 6, v[i].ban.reason);
		kw_dbq_str(q, 7, v[i].ban.origin);
		kw_dbq_str(q, 8, s->host_id);
		kw_dbq_int(q, 9, v[i].seq);
		r = kw_dbq_run(q);
		(*published)++;
	}
	if (r == 0 && *published) {
		_cleanup_dbq_ kw_dbq *q = kw_db_q(s->db, ST_NOTIFY);
		r = kw_dbq_run(q);
	}
	if (r == 0)
		r = kw_db_commit(s->db);
	if (r < 0) {
		kw_db_rollback(s->db);
		*published = 0;
	}
	return r;
}

/* Move the outbox to the table: 0, or the error that dropped the connection. */
static int publish(kw_gshare *s)
{
	for (;;) {
		_cleanup_free_ kw_gout *v = NULL;
		size_t n = 0, done = 0;
		int r = kw_gstate_outbox(s->st, BATCH, &v, &n);
		if (r < 0) {
			say(s, "share: reading the outbox: %s", kw_strerror(r));
			return 0; /* the state file, not the connection: try again later */
		}
		if (!n)
			return 0;
		r = publish_batch(s, v, n, &done);
		if (r < 0) {
			drop(s, r, "publishing bans");
			return r;
		}
		s->stats.published += done;
		kw_gstate_outbox_done(s->st, v[n - 1].seq);
		if (n < BATCH)
			return 0;
	}
}

/* ---- taking ---- */

/* A prefix that holds an ignored address, or lies inside an ignored prefix. */
static bool touches_ignored(const kw_iplist *l, const kw_cidr *p)
{
	if (!l)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		const kw_cidr *e = &l->v[i];
		if (e->a.fam != p->a.fam)
			continue;
		if (kw_cidr_contains(p, &e->a) || kw_cidr_contains(e, &p->a))
			return true;
	}
	return false;
}

/* Within origin's allowance for this minute? Reports the bans dropped in an origin's
 * past minute when its next minute starts. */
static bool rate_ok(kw_gshare *s, const char *origin, const char *origin_name, int64_t now)
{
	int64_t minute = now / 60;
	rate_slot *slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < s->n_rates; i++) {
		if (!strcmp(s->rates[i].origin, origin)) {
			slot = &s->rates[i];
			break;
		}
		if (!oldest || s->rates[i].minute < oldest->minute)
			oldest = &s->rates[i];
	}
	if (!slot) {
		slot = s->n_rates < RATE_ORIGINS ? &s->rates[s->n_rates++] : oldest;
		memset(slot, 0, sizeof *slot);
		snprintf(slot->origin, sizeof slot->origin, "%s", origin);
		slot->minute = minute;
	}
	if (slot->minute != minute) {
		if (slot->dropped)
			say(s, "share: %" PRIu32 " bans from %s were not applied: more than %" PRIu32
			    " in a minute (share_rate)", slot->dropped, origin_name, s->o.rate);
		slot->minute = minute;
		slot->count = slot->dropped = 0;
	}
	if (slot->count < s->o.rate) {
		slot->count++;
		return true;
	}
	if (slot->dropped++ == 0)
		say(s, "share: %s sent more than %" PRIu32 " bans within a minute: the rest of this "
		    "minute's are not applied", origin_name, s->o.rate);
	return false;
}

typedef struct take_row {
	kw_gban ban;
	bool valid;
	int64_t id;
	char origin_id[64];
} take_row;

/* One batch of new rows into v (at most BATCH): 0 or the connection's error. */
static int fetch(kw_gshare *s, take_row *v, size_t *n)
{
	*n = 0;
	_cleanup_dbq_ kw_dbq *q = kw_db_q(s->db, ST_TAKE);
	kw_dbq_int(q, 1, s->last_id);
	kw_dbq_int(q, 2, now_s());
	int r = 0;
	while (*n < BATCH && (r = kw_dbq_step(q)) > 0) {
		take_row *t = &v[*n];
		memset(t, 0, sizeof *t);
		if (kw_dbq_type(q, 7) != KW_DBV_INT)
			continue; /* no id: cannot even be skipped in order */
		t->id = kw_dbq_get_int(q, 7);
		size_t len = 0;
		const char *oid = kw_dbq_get_text(q, 8, &len);
		t->valid = oid && len > 0 && len < sizeof t->origin_id && !memchr(oid, 0, len) &&
			   kw_gban_decode(q, false, &t->ban);
		if (oid && len < sizeof t->origin_id)
			memcpy(t->origin_id, oid, len);
		(*n)++;
	}
	return r < 0 ? r : 0;
}

/* Whether row t is to be taken (else it is counted as not taken, and why). */
static bool wanted(kw_gshare *s, const take_row *t, int64_t now)
{
	if (!t->valid) {
		s->stats.malformed++;
		return false;
	}
	if (!strcmp(t->origin_id, s->host_id)) {
		s->stats.own++;
		return false;
	}
	if (t->ban.expires != 0 && t->ban.expires <= now) {
		s->stats.expired++;
		return false;
	}
	if (touches_ignored(s->o.ignore, &t->ban.prefix)) {
		char a[KW_CIDR_STRLEN];
		kw_cidr_format(&t->ban.prefix, a, sizeof a);
		say(s, "share: not applying %s from %s: it holds or lies in an ignored address", a,
		    t->ban.origin);
		s->stats.ignored++;
		return false;
	}
	if (!rate_ok(s, t->origin_id, t->ban.origin, now)) {
		s->stats.limited++;
		return false;
	}
	return true;
}

/* Take every new row, a batch per transaction (the bans and the read position after the
 * batch): 0 or the connection's error. */
static int take(kw_gshare *s)
{
	_cleanup_free_ take_row *v = calloc(BATCH, sizeof *v);
	_cleanup_free_ kw_gban *bans = calloc(BATCH, sizeof *bans);
	if (!v || !bans)
		return 0;
	for (;;) {
		size_t n = 0, k = 0;
		int r = fetch(s, v, &n);
		if (r < 0) {
			drop(s, r, "reading the shared bans");
			return r;
		}
		if (!n)
			return 0;
		int64_t now = now_s(), last = s->last_id;
		for (size_t i = 0; i < n; i++) {
			if (wanted(s, &v[i], now))
				bans[k++] = v[i].ban;
			if (v[i].id > last)
				last = v[i].id;
		}
		char cursor[24];
		snprintf(cursor, sizeof cursor, "%" PRId64, last);
		r = kw_gstate_ban_remote(s->st, bans, k, s->pos_key, cursor, now);
		if (r < 0) {
			say(s, "share: could not record %zu bans taken from the fleet: %s (trying again)",
			    k, kw_strerror(r));
			return 0;
		}
		s->last_id = last;
		s->stats.taken += k;
		for (size_t i = 0; i < k && s->o.hooks.apply; i++)
			s->o.hooks.apply(s->o.hooks.ctx, &bans[i]);
		if (n < BATCH)
			return 0;
	}
}

static void prune(kw_gshare *s)
{
	_cleanup_dbq_ kw_dbq *q = kw_db_q(s->db, ST_PRUNE);
	kw_dbq_int(q, 1, now_s() - PRUNE_AGE_S);
	int r = kw_dbq_run(q);
	if (r < 0)
		drop(s, r, "deleting expired shared bans");
}

/* ---- the thread ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the socket (fd, may be -1) or a kick, at most ms. Returns the revents of the
 * socket (0 if it was not ready). */
static short wait_for(kw_gshare *s, int fd, int64_t ms)
{
	struct pollfd p[2] = { { .fd = s->efd, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	int r = poll(p, fd >= 0 ? 2 : 1, (int)(ms > 60000 ? 60000 : ms < 0 ? 0 : ms));
	if (r > 0 && (p[0].revents & POLLIN)) {
		uint64_t v;
		if (read(s->efd, &v, sizeof v) < 0) {
			/* a spurious wake-up: nothing to do */
		}
	}
	return r > 0 && fd >= 0 ? p[1].revents : 0;
}

static void *run(void *arg)
{
	kw_gshare *s = arg;
	int64_t retry_ms = RETRY_MIN_MS, next_resync = 0, next_prune = 0;
	while (!atomic_load(&s->stop)) {
		if (!s->db) {
			if (connect_db(s) < 0) {
				wait_for(s, -1, retry_ms);
				retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
				continue;
			}
			retry_ms = RETRY_MIN_MS;
			next_resync = 0;
		}
		int64_t t = mono_ms();
		if (publish(s) < 0)
			continue;
		if (t >= next_resync) {
			if (take(s) < 0)
				continue;
			next_resync = t + RESYNC_S * 1000;
		}
		if (t >= next_prune) {
			prune(s);
			if (!s->db)
				continue;
			next_prune = t + PRUNE_S * 1000;
		}
		short ev = wait_for(s, kw_db_socket(s->db), next_resync - mono_ms());
		if (atomic_load(&s->stop))
			break;
		if (ev) {
			int r = kw_db_notified(s->db);
			if (r < 0)
				drop(s, r, "listening");
			else if (r > 0)
				next_resync = 0; /* take now */
		}
	}
	/* what was decided last, before the guard exits: one more try to connect if the
	 * outbox holds something (a `guard --once` run stops right after its last ban) */
	_cleanup_free_ kw_gout *left = NULL;
	size_t n = 0;
	if (kw_gstate_outbox(s->st, 1, &left, &n) == 0 && n && (s->db || connect_db(s) == 0))
		publish(s);
	return NULL;
}

/* ---- public ---- */

static void share_free(kw_gshare *s)
{
	if (!s)
		return;
	kw_db_close(s->db);
	kw_gstate_close(s->st);
	if (s->efd >= 0)
		close(s->efd);
	free(s->uri);
	free(s->host_id);
	free(s->pos_key);
	free(s->shown);
	free(s);
}

int kw_gshare_start(const kw_gshare_opts *o, kw_gshare **ret, char *err, size_t errlen)
{
	*ret = NULL;
	if (!o || !o->uri || !kw_db_is_pg(o->uri) || !o->state_path || !o->host_id ||
	    !*o->host_id || o->rate == 0) {
		kw_errf(err, errlen, "sharing bans needs a postgresql:// URI and a host identity");
		return -EINVAL;
	}
	kw_gshare *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->efd = -1;
	s->o = *o;
	s->uri = strdup(o->uri);
	s->host_id = strdup(o->host_id);
	s->pos_key = kw_gshare_position_key(o->uri);
	s->shown = kw_db_display(o->uri);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int r = !s->uri || !s->host_id || !s->pos_key || !s->shown ? -ENOMEM
		: s->efd < 0 ? -errno : 0;
	if (r == 0)
		r = kw_gstate_open(o->state_path, &s->st, err, errlen);
	char cursor[32];
	if (r == 0 && kw_gstate_pos_get(s->st, s->pos_key, cursor, sizeof cursor) == 1) {
		char *end = NULL;
		long long v = strtoll(cursor, &end, 10);
		s->last_id = *end || v < 0 ? 0 : v;
	}
	if (r == 0 && (r = -pthread_create(&s->thread, NULL, run, s)) < 0)
		kw_errf(err, errlen, "starting the share thread: %s", kw_strerror(r));
	if (r < 0) {
		share_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void kw_gshare_kick(kw_gshare *s)
{
	uint64_t one = 1;
	if (s && write(s->efd, &one, sizeof one) < 0) {
		/* the counter is full: a wake-up is pending anyway */
	}
}

void kw_gshare_stop(kw_gshare *s, kw_gshare_stats *final)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	kw_gshare_kick(s);
	pthread_join(s->thread, NULL);
	if (final)
		*final = s->stats;
	share_free(s);
}
