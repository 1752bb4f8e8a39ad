/* state.h — the guard's durable state in SQLite (WAL): bans, ban history, read positions.
 *
 * A ban is committed here before the firewall is told, so a crash between the two loses
 * nothing: on start the guard re-applies every live ban from this table (actions are
 * idempotent). Tables (schema version in PRAGMA user_version, migrations in state.c):
 *   bans(prefix TEXT PRIMARY KEY, family, bits, start, expires, offense, rule, reason, origin)
 *        live bans; expires 0 = permanent
 *   history(id, prefix, start, expires, offense, rule, reason, origin, lifted, lifted_why)
 *        every ban ever made, for escalation (offense counts) and `guard list --all`
 *   positions(source TEXT PRIMARY KEY, cursor TEXT, updated)
 *        file: "inode:size-at-read:offset:hash-of-first-line"; journal: the journal cursor;
 *        "share:URI": the id of the last shared ban taken from the fleet's table
 *   outbox(seq, prefix, start, expires, offense, rule, reason, origin)
 *        bans this guard made that the fleet's shared table has not taken yet
 * Times are Unix seconds. Writes use one transaction each, synchronous=FULL for bans.
 */
#ifndef KW_GUARD_STATE_H
#define KW_GUARD_STATE_H

#include "db/db.h"
#include "guard/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_gstate kw_gstate;

typedef struct kw_gban {
	kw_cidr prefix;
	int64_t start;
	int64_t expires;     /* 0 = never */
	uint32_t offense;    /* 1 for a first ban, 2 for the next within the escalation window, ... */
	char rule[64];       /* the trigger that fired, e.g. "10/1h"; or "manual", "subnet" */
	char reason[128];    /* short, escaped text: "12 failures, last failed-password for root" */
	char origin[64];     /* host name that decided the ban (for fleet sharing later) */
} kw_gban;

/* Open or create (mode 0600, parent folder created 0700). Applies migrations. */
int kw_gstate_open(const char *path, kw_gstate **out, char *err, size_t errlen);
void kw_gstate_close(kw_gstate *s);

/* Record a ban (insert or extend a live one, and append to history). */
int kw_gstate_ban(kw_gstate *s, const kw_gban *b);
/* The same, and queue it in the outbox for the fleet, in one transaction. */
int kw_gstate_ban_share(kw_gstate *s, const kw_gban *b);
/* The same as kw_gstate_ban for n bans taken from the fleet (n may be 0), with the read
 * position of the shared table (source, cursor) in the same transaction: each ban is
 * taken exactly once. */
int kw_gstate_ban_remote(kw_gstate *s, const kw_gban *b, size_t n, const char *source,
			 const char *cursor, int64_t now);
/* Lift a live ban; 1 if there was one, 0 if not. why: "manual", "expired". */
int kw_gstate_unban(kw_gstate *s, const kw_cidr *prefix, int64_t now, const char *why);
/* Live bans at now (expired ones are not returned); caller frees *out. */
int kw_gstate_live(kw_gstate *s, int64_t now, kw_gban **out, size_t *n);
/* Remove bans whose time is up; returns them (caller frees) so the action can drop them. */
int kw_gstate_expire(kw_gstate *s, int64_t now, kw_gban **out, size_t *n);
/* How many bans of this prefix started at or after since (for escalation). */
int kw_gstate_offenses(kw_gstate *s, const kw_cidr *prefix, int64_t since, uint32_t *count);
/* All history rows, newest first, at most limit (0 = all); caller frees. */
int kw_gstate_history(kw_gstate *s, size_t limit, kw_gban **out, size_t *n);

/* The outbox, oldest first, at most max rows; a row whose ban does not check (the file was
 * edited) has valid false: delete it without publishing. Caller frees *out. */
typedef struct kw_gout {
	int64_t seq;             /* unique and increasing in this database */
	bool valid;
	kw_gban ban;
} kw_gout;
int kw_gstate_outbox(kw_gstate *s, size_t max, kw_gout **out, size_t *n);
/* How many rows the outbox holds. */
int kw_gstate_outbox_count(kw_gstate *s, size_t *n);
/* Delete the outbox rows up to seq (inclusive): they are published. Rows are added in
 * seq order by one writer at a time, so none below seq can appear later. */
int kw_gstate_outbox_done(kw_gstate *s, int64_t seq);

/* A ban as it may be stored: the prefix in canonical form (host bits cleared), times
 * checked, rule, reason and origin made clean (escaped, cut on a character boundary).
 * 0 or -EINVAL. */
int kw_gban_clean(const kw_gban *in, kw_gban *out);
/* One row whose first seven columns are prefix, start, expires, offense, rule, reason,
 * origin (and family, bits when fambits), checked as the state's own rows are: only
 * keyward's canonical prefix text, sane times, clean text. false when anything is off. */
bool kw_gban_decode(kw_dbq *q, bool fambits, kw_gban *out);

/* Read positions. get: 1 found (cursor copied, NUL-terminated), 0 none. */
int kw_gstate_pos_get(kw_gstate *s, const char *source, char *cursor, size_t cap);
int kw_gstate_pos_set(kw_gstate *s, const char *source, const char *cursor, int64_t now);

#endif
