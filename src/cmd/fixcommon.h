/* fixcommon.h — what the fix commands (sanitize, harden) share: the journal location, the
 * dry run / apply flow and its messages. Only src/cmd uses it.
 *
 * Flow of every fix command:
 *   build a kw_plan (read only) -> kw_fix_run():
 *     dry run: print the plan with diffs, "dry run: nothing changed; add --apply";
 *     --apply: open the writer (journal first), apply, print each change and the journal
 *     path with the undo command.
 */
#ifndef KW_CMD_FIXCOMMON_H
#define KW_CMD_FIXCOMMON_H

#include "fix/plan.h"

#include <stdbool.h>
#include <stdio.h>

#define KW_JOURNAL_BASE "/var/lib/keyward/journal"

typedef struct kw_fix_opts {
	const char *cmd;          /* "sanitize", "harden": messages and the journal name */
	const char *root;         /* the root folder ("/" for the live host) */
	bool apply;
	const char *journal;      /* --journal DIR, or NULL: KW_JOURNAL_BASE/<UTC time>-<cmd>-<rand> */
	bool diffs;               /* show unified diffs in the plan (default true) */
	bool color;
	bool quiet;               /* no per-action lines while applying */
} kw_fix_opts;

/* Print the plan (dry run) or apply it (--apply). Returns the exit code: 0 done / nothing
 * to do / dry run, 1 some action failed (the journal still undoes what was done), 2 the
 * writer could not be opened (nothing changed). *ret_journal (may be NULL) receives the
 * journal path used (caller frees), NULL on a dry run. */
int kw_fix_run(const kw_fix_opts *o, kw_plan *p, char **ret_journal);

/* The default journal folder for a new run of cmd: KW_JOURNAL_BASE/<UTC time>-<cmd>-<4 hex
 * digits>, e.g. .../2026-11-21T101500Z-sanitize-3f2a (caller frees). */
char *kw_fix_default_journal(const char *cmd);

/* Write msg + the escaped string + "\n" to stderr, prefixed "keyward CMD: ". */
void kw_fix_err(const char *cmd, const char *msg, const char *target_text);

#endif
