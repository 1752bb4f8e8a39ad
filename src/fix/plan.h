/* plan.h — what a fix command (sanitize, harden) intends to change in a root: a list of
 * actions, previewed as a plan with unified diffs (dry run) or applied through the
 * journaled writer (target/write.h). Owned by the fix module.
 *
 *   facts (+ reads through the target) --builder--> kw_plan --render--> plan + diffs
 *                                                            --apply---> writer + journal
 *
 * A builder (sanitize.c, harden.c) only reads; every write happens in kw_plan_apply.
 * Each action remembers what its builder saw (the old bytes of a file it replaces), and
 * apply refuses an action whose file changed since (KW_E_CHANGED): the preview the user
 * read is what gets done. Applying a plan built from the result of an earlier apply is
 * empty: builders emit nothing for what is already clean (a second --apply is a no-op).
 *
 * Secrets never reach the output: an action marked KW_REDACT_SHADOW shows password
 * fields as "<hash>"; KW_REDACT_ALL shows only line counts. Every path and content line
 * is escaped (base/escape.h) before it is printed.
 *
 * Ownership: kw_plan_* functions copy what they are given except where the name says
 * "_take"; kw_plan_release frees everything.
 */
#ifndef KW_FIX_PLAN_H
#define KW_FIX_PLAN_H

#include "target/write.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum kw_action_kind {
	KW_ACT_REPLACE,      /* write data as the new content of path (created if absent) */
	KW_ACT_REMOVE,       /* remove path: regular file, symlink, empty folder, fifo ... */
	KW_ACT_REMOVE_TREE,  /* remove path and everything below it */
	KW_ACT_EMPTY_TREE,   /* remove everything below the folder path, keep the folder */
} kw_action_kind;

typedef enum kw_redact {
	KW_REDACT_NONE,      /* diff lines shown (escaped) */
	KW_REDACT_SHADOW,    /* shadow/passwd/gshadow lines: field 2 shown as <hash> unless
			      * it is empty or a marker (!, *, !!, x) */
	KW_REDACT_ALL,       /* no content shown: "N lines removed, M added" */
} kw_redact;

typedef enum kw_action_status {
	KW_ST_PLANNED = 0,
	KW_ST_DONE,          /* changed, journaled */
	KW_ST_FAILED,        /* err says why; nothing of this action half done */
} kw_action_status;

typedef struct kw_action {
	char *op;            /* the operation that asked for it ("passwords", "sshd-dropin") */
	kw_action_kind kind;
	char *path;          /* inside the root */
	char *why;           /* one line for the plan (may hold target text: escaped on print) */
	/* REPLACE */
	uint8_t *data;       /* new content */
	size_t len;
	int new_mode;        /* mode for a file that does not exist yet; -1: 0600 */
	bool old_exists;     /* what the builder saw */
	uint8_t *old;
	size_t old_len;
	kw_redact redact;
	/* REMOVE*: what the builder saw, for the plan ("12 files, 3.4 MB") */
	uint64_t n_entries;
	uint64_t bytes;
	/* after apply */
	kw_action_status status;
	int err;
	uint64_t n_done;     /* entries removed (trees) */
} kw_action;

typedef struct kw_plan {
	kw_action *v;
	size_t n, cap;
	char **notes;        /* warnings and advice for the user ("nothing regenerates the host
			      * keys at first boot"); printed with the plan */
	size_t n_notes, cap_notes;
} kw_plan;

void kw_plan_init(kw_plan *p);
void kw_plan_release(kw_plan *p);

/* Replace path with data (copied). old/old_len/old_exists: what the builder read. */
int kw_plan_replace(kw_plan *p, const char *op, const char *path, const uint8_t *old,
		    size_t old_len, bool old_exists, const uint8_t *data, size_t len,
		    int new_mode, kw_redact redact, const char *why);
/* Remove path (REMOVE, REMOVE_TREE or EMPTY_TREE); n_entries/bytes for the plan text. */
int kw_plan_remove(kw_plan *p, const char *op, kw_action_kind kind, const char *path,
		   uint64_t n_entries, uint64_t bytes, const char *why);
int kw_plan_note(kw_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is path already the subject of an action? (builders use it to avoid doing twice) */
bool kw_plan_has(const kw_plan *p, const char *path);

/* Print the plan: one line per action grouped by op, unified diffs for REPLACE (unless
 * diffs is false), then the notes. color: ANSI colours for a terminal. */
int kw_plan_render(FILE *out, const kw_plan *p, bool diffs, bool color);

/* Apply every action in order through w. Each action's status/err is set; apply goes on
 * after a failed action (each action is atomic on its own) unless stop_on_error. log
 * (may be NULL) gets one line per action as it is done. Returns 0 when every action was
 * done, else the first error. */
int kw_plan_apply(kw_plan *p, kw_writer *w, FILE *log, bool stop_on_error);

/* Counts for summaries. */
size_t kw_plan_count(const kw_plan *p, kw_action_status st);

#endif
