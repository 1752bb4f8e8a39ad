/* replay.h — run logs through the parser and the engine, and keep what a report needs:
 * the bans that would have been made, top sources, user names tried, failures per hour.
 *
 * The same record -> event step serves replay and follow mode (kw_grecord_event). The
 * report owns copies of everything it keeps; strings in it are raw bytes from the log
 * (escape them to print). Renderers live in src/report/guard.c.
 */
#ifndef KW_GUARD_REPLAY_H
#define KW_GUARD_REPLAY_H

#include "guard/config.h"
#include "guard/engine.h"
#include "guard/line.h"
#include "guard/source.h"

#include <stddef.h>
#include <stdint.h>

/* A source record as an event: parses a line, or a journal MESSAGE with journald's own
 * time, pid and process. Returns 1 with *ev filled, 0 if not an sshd event. */
int kw_grecord_event(kw_gparser *p, const kw_grecord *rec, kw_gevent *ev);

typedef struct kw_greport_ban {
	kw_gdecision d;
	enum kw_gkind last_kind;
} kw_greport_ban;

typedef struct kw_greport_user {
	char *name;        /* owned, raw bytes (NUL-terminated; may hold any byte but NUL) */
	size_t name_len;
	uint64_t tries;
	bool invalid;
} kw_greport_user;

typedef struct kw_greport_hour {
	int64_t hour;      /* seconds, a multiple of 3600 */
	uint64_t failures; /* counted attempts */
	uint64_t events;
} kw_greport_hour;

typedef struct kw_greport {
	/* inputs */
	char **files;
	size_t nfiles;
	char *rules, *user_rules;
	enum kw_gmode mode;
	/* results */
	kw_greport_ban *bans;
	size_t nbans, capbans;
	size_t top;               /* as kw_greplay was given it: what a report lists */
	/* the first min(top, n) are the most active, in order (all, when top is 0); the
	 * rest follow in no particular order */
	kw_gsource_info *sources; /* by attempts */
	size_t nsources;
	kw_greport_user *users;   /* by tries */
	size_t nusers;
	kw_greport_hour *hours;   /* ascending */
	size_t nhours, caphours;
	uint64_t hours_dropped;   /* events outside the kept hour range */
	uint64_t lines, sshd_events, truncated;
	int64_t first, last;      /* seconds; 0 when no event had a time */
	kw_gengine_stats engine;
} kw_greport;

/* What a replay is asked for besides the files. */
typedef struct kw_greplay_opts {
	size_t top;          /* the sources and users ranked (0 = rank all) */
	/* May be NULL. Called on the caller's thread after each batch (at most 256 KiB of
	 * log text, guard/reader.h) with the lines read so far, all files together: a
	 * progress display (the library prints nothing itself). */
	void (*progress)(void *ctx, uint64_t lines);
	void *progress_ctx;
} kw_greplay_opts;

/* Replay the files (in order; "-" = stdin) with conf, ranking opts->top sources and
 * users. On error (a file cannot be read) returns a negative code and names the file in
 * err. */
int kw_greplay(const kw_gconf *conf, const kw_iplist *ignore, char **files, size_t nfiles,
	       const kw_greplay_opts *opts, kw_greport *out, char *err, size_t errlen);
void kw_greport_release(kw_greport *r);

#endif
