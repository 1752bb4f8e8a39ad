/* share.h — bans shared by the guards of a fleet through one PostgreSQL table: each guard
 * publishes the bans it decides and applies everyone else's, within a second.
 *
 * The table keyward.bans (schema component "bans", db/db.h) holds every shared ban: the
 * prefix, its start and expiry (Unix seconds; 0 = never), offense, rule, reason, the name
 * of the host that decided it (origin) and that host's identity (origin_id) with its
 * outbox sequence number (origin_seq). (origin_id, origin_seq, prefix, start) is unique, so
 * a ban published twice (a crash between the insert and the outbox's delete) is stored
 * once. Inserts are serialised by an advisory lock, so ids become visible in increasing
 * order and a reader that has seen id N has seen everything below it; each insert sends a
 * NOTIFY keyward_bans in its transaction.
 *
 * Publishing: the guard records its own bans in its state database with an outbox row
 * (kw_gstate_ban_share, one transaction) and kicks the share; the share's thread moves the
 * outbox to the table and deletes each row once it is committed there. While PostgreSQL
 * cannot be reached the outbox grows, the guard keeps deciding and applying bans alone,
 * and the thread retries (1 s, doubling to 30 s); on reconnection the outbox is flushed.
 *
 * Taking: the thread LISTENs, and on each notification (and every 30 s, and after every
 * reconnection) reads the rows after the last id it took, live ones only, in id order.
 * A row is recorded in the state database together with the new read position (one
 * transaction, kw_gstate_ban_remote: a ban is taken exactly once, whatever crashes), then
 * given to hooks.apply for the firewall. Rows are not taken
 * when they are this host's own, expired, inside or around an address of the ignore list
 * (a fleet must not ban its own bastion), malformed (every row is checked as the state's
 * own rows are: canonical prefix, sane times, clean text), or over the rate limit: at
 * most opts.rate bans from one origin per minute; the rest are counted and reported once
 * a minute. Expired rows are deleted from the table after a day.
 *
 * The thread owns its own connections (PostgreSQL and the state file); it calls hooks from
 * itself, so the hooks must be thread-safe. Times are each host's clock: keep them in NTP.
 */
#ifndef KW_GUARD_SHARE_H
#define KW_GUARD_SHARE_H

#include "guard/config.h"
#include "guard/state.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kw_gshare kw_gshare;

typedef struct kw_gshare_hooks {
	/* A ban taken from the fleet and recorded: put it in the firewall until it
	 * expires. */
	void (*apply)(void *ctx, const kw_gban *b);
	/* One line of news (no newline; safe to print as it is). */
	void (*say)(void *ctx, const char *line);
	void *ctx;
} kw_gshare_hooks;

typedef struct kw_gshare_opts {
	const char *uri;          /* postgresql://... */
	const char *state_path;   /* the guard's state database */
	const char *host_id;      /* this guard's identity in the table */
	const kw_iplist *ignore;  /* never taken; must outlive the share */
	uint32_t rate;            /* bans taken from one origin per minute (>= 1) */
	kw_gshare_hooks hooks;
} kw_gshare_opts;

typedef struct kw_gshare_stats {
	uint64_t published;       /* rows this guard inserted */
	uint64_t taken;           /* others' bans recorded and applied */
	uint64_t own, ignored, limited, expired, malformed; /* rows not taken, by why */
	uint64_t connects;        /* successful connections */
	uint64_t lost;            /* connections lost or failed */
} kw_gshare_stats;

/* Open the state database for the thread and start it (it connects in the background).
 * 0, or a negative code with err. */
int kw_gshare_start(const kw_gshare_opts *o, kw_gshare **ret, char *err, size_t errlen);
/* The outbox has something new: publish it now (cheap; from any thread). */
void kw_gshare_kick(kw_gshare *s);
/* Stop the thread (after its current database call, and a last publication of the
 * outbox) and free everything; final (may be NULL) gets the stats at the end. */
void kw_gshare_stop(kw_gshare *s, kw_gshare_stats *final);

/* The read position's key in the state database for uri: "share:" and the URI without its
 * password. Caller frees; NULL on ENOMEM. */
char *kw_gshare_position_key(const char *uri);

#endif
