/* line.h — turn one log line into an sshd event, without a regex engine.
 *
 * Formats, detected per line: traditional syslog (RFC 3164, "Mar  1 00:00:00 host tag[pid]:",
 * optionally with a <PRI> and with a year), rsyslog's RFC 3339 high-precision timestamps,
 * RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG"), `journalctl -o short`,
 * `short-iso`, `short-precise` and `-o json` text. Only lines whose process is sshd,
 * sshd-session or sshd-auth are looked at; journalctl -o json lines are trusted by their
 * _COMM field, never by SYSLOG_IDENTIFIER.
 *
 * Message bodies are matched against a table of fixed message shapes (guard/msgs.c, one
 * row per kind in guard/kinds.def). Attacker-controlled text (user names, client banners,
 * disconnect reasons, algorithm offers) can hold anything, including " from 1.2.3.4 port 22":
 * an address is taken only from the position sshd itself writes it, found from the fixed
 * text around it (from the end of the message when the hostile field comes first, from the
 * start when it comes last), never from the first address-looking token.
 *
 * No state leaks from one line into the next except the time caches.
 */
#ifndef KW_GUARD_LINE_H
#define KW_GUARD_LINE_H

#include "guard/event.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kw_gparser {
	/* Reference time for timestamps without a year: a date that would lie more than a day
	 * after ref_us belongs to the year before (a log read on 2 January keeps its December
	 * lines in the old year). Use the file's mtime for a file, the clock when following. */
	int64_t ref_us;
	/* caches, private */
	int ref_year;
	int64_t ref_year_us; /* the ref_us that ref_year was computed for */
	char last_stamp[32];
	size_t last_stamp_len;
	int64_t last_stamp_us;
	int64_t tz_key;
	int64_t tz_off_s;
	char minute[24];     /* RFC 3164 "Mmm dd [yyyy ]hh:mm" of the last new stamp */
	size_t minute_len;
	int64_t minute_us;   /* its hh:mm:00 */
	int64_t minute_ref_us; /* the ref_us it was worked out for */
} kw_gparser;

void kw_gparser_init(kw_gparser *p, int64_t ref_us);

/* Parse a whole line (no trailing newline). Returns 1 and fills *ev for a recognised sshd
 * message, 0 for anything else (another program, an unknown sshd message, a malformed
 * line). Views in *ev point into line, except for `journalctl -o json` lines, where they
 * point into a per-thread copy of the MESSAGE field that lives until the same thread's
 * next JSON line. Never reads outside line[0..n). */
int kw_gparse_line(kw_gparser *p, const uint8_t *line, size_t n, kw_gevent *ev);

/* Parse a message body alone (the journal's MESSAGE field). Fills kind, addr, port, user,
 * invalid_user, preauth, host, method; leaves time_us, pid and proc to the caller (they
 * come from journald's own fields). Returns 1 or 0 as above. */
int kw_gparse_message(const uint8_t *msg, size_t n, kw_gevent *ev);

/* Is this process name one of sshd's? Sets *proc. */
bool kw_gproc_from_name(const uint8_t *name, size_t n, enum kw_gproc *proc);

#endif
