/* engine.h — decide bans from sshd events: attempts per connection, sliding windows per
 * source (pam_abl host_rule) and per user name (user_rule), escalation, ignore list,
 * subnet aggregation. Pure computation: no I/O, no clock (the caller passes `now`).
 *
 * What one attempt is (docs/guard.md): a connection that fails counts max(1, tries):
 * every failed authentication try (class TRY) counts one; a connection-level failure
 * (CONN: invalid user, not allowed, too many tries) or, in aggressive mode, a probe (PROBE)
 * counts one only if its connection has counted nothing yet. Connections are told apart by
 * sshd's pid (with the address); lines without a pid count on their own. So a bot that
 * says "Invalid user x", fails 3 passwords and disconnects counts 3, and a scanner that
 * never sends an identification string counts 1.
 *
 * A user rule fires per user name across all sources (a distributed attack on root); while
 * the user is blocked, every source that fails against it is banned at once.
 *
 * Memory is bounded by conf->max_sources (sources, and as many user names), each keeping at
 * most the rules' max_count attempt times, plus a fixed connection table: never by the
 * number of lines. When full, the least recently seen source that is not banned is evicted.
 */
#ifndef KW_GUARD_ENGINE_H
#define KW_GUARD_ENGINE_H

#include "guard/addr.h"
#include "guard/config.h"
#include "guard/event.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kw_gengine kw_gengine;

typedef struct kw_gdecision {
	kw_cidr prefix;
	int64_t start;       /* seconds */
	uint64_t duration_s; /* 0 = permanent */
	uint32_t offense;    /* 1 = first ban of this prefix within the escalation window */
	uint32_t failures;   /* attempts in the window that fired */
	char rule[96];       /* "host 10/1h", "user root 5/1h", "subnet /24 5 members" */
} kw_gdecision;

/* Earlier bans of a prefix that the engine did not see itself (from the state database). */
typedef int (*kw_goffense_fn)(void *ctx, const kw_cidr *prefix, int64_t since, uint32_t *count);

/* conf and ignore must outlive the engine. */
int kw_gengine_new(const kw_gconf *conf, const kw_iplist *ignore, kw_gengine **out);
void kw_gengine_free(kw_gengine *e);
void kw_gengine_set_offense_hook(kw_gengine *e, kw_goffense_fn fn, void *ctx);

/* Hints, no effect on results: start loading what feeding ev will touch. Some events
 * ahead, kw_gengine_prefetch_index (the connection slot and the index slot of the
 * address; returns that slot's position, KW_GPREFETCH_NONE without an address); a few
 * events later, kw_gengine_prefetch_entry with the position (the address's entry). A
 * position made stale by a table change in between is harmless. */
#define KW_GPREFETCH_NONE ((size_t)-1)
size_t kw_gengine_prefetch_index(const kw_gengine *g, const kw_gevent *ev);
void kw_gengine_prefetch_entry(const kw_gengine *g, size_t pos);

/* Feed one event; now is the decision time in seconds (the event's own time when
 * replaying, the clock when following). Writes 0, 1 or 2 decisions (a source ban and the
 * subnet ban it completes) to out and returns how many, or a negative error. */
int kw_gengine_feed(kw_gengine *e, const kw_gevent *ev, int64_t now, kw_gdecision out[2]);

/* A ban made elsewhere (restored from the state database, or manual): the engine will not
 * decide it again before `until` (0 = permanent). */
int kw_gengine_note_ban(kw_gengine *e, const kw_cidr *prefix, int64_t start, int64_t until,
			uint32_t offense);
/* A lifted ban: the source starts again from a clean window. */
void kw_gengine_note_unban(kw_gengine *e, const kw_cidr *prefix);

typedef struct kw_gengine_stats {
	uint64_t events;      /* fed */
	uint64_t counted;     /* attempts counted against a source */
	uint64_t ignored;     /* from an ignored address */
	uint64_t unattributed;/* no address and none known for the connection */
	uint64_t evicted;     /* sources dropped to stay within max_sources */
	uint64_t by_kind[KW_GK_COUNT];
	uint64_t sources;     /* tracked now */
} kw_gengine_stats;
void kw_gengine_get_stats(const kw_gengine *e, kw_gengine_stats *st);
/* Attempts counted so far (cheaper than the whole stats). */
uint64_t kw_gengine_counted(const kw_gengine *e);

typedef struct kw_gsource_info {
	kw_addr addr;
	uint64_t attempts;   /* counted */
	uint64_t events;     /* all events attributed to it */
	uint64_t probes;     /* events of class PROBE */
	uint32_t users;      /* distinct user names tried (counted exactly up to 8) */
	uint32_t bans;
	int64_t first, last; /* seconds */
} kw_gsource_info;
/* Snapshot of tracked sources (caller frees *out). */
int kw_gengine_sources(const kw_gengine *e, kw_gsource_info **out, size_t *n);

typedef struct kw_guser_info {
	const char *name;    /* raw bytes as logged (escape to print); valid until the next feed */
	size_t name_len;
	uint64_t tries;      /* counted attempts naming this user */
	bool invalid;        /* sshd called it an invalid user */
} kw_guser_info;
int kw_gengine_users(const kw_gengine *e, kw_guser_info **out, size_t *n);

#endif
