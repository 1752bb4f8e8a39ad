/* progress.h — a one-line progress indicator on stderr, only when stderr is a TTY.
 * Updates at most ten times a second; kw_progress_done() clears the line. */
#ifndef KW_CMD_PROGRESS_H
#define KW_CMD_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct kw_progress {
	bool enabled;
	const char *label;
	const char *unit;      /* what kw_progress_files counts: "files" unless set */
	uint64_t last_ns;
	bool shown;
} kw_progress;

void kw_progress_init(kw_progress *p, const char *label, bool quiet);
void kw_progress_files(void *ctx, uint64_t files);                  /* kw_walk_opts.progress */
void kw_progress_archive(void *ctx, uint64_t entries, uint64_t bytes); /* kw_tar_opts.progress */
void kw_progress_done(kw_progress *p);

#endif
