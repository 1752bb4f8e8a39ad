/* reader.h — read and parse log files on a worker thread, and hand the events over in
 * batches, so that parsing (one core) and whatever consumes the events (the engine, or
 * the JSON writer of `guard parse`, on the caller's core) run at the same time.
 *
 * The worker reads the files in order through kw_gsource and kw_grecord_event. Each batch
 * holds the events of consecutive lines of one file, with their line numbers; the text
 * an event points at (user, host, method) is copied into the batch, so the views stay
 * valid until the batch is given back. A small fixed ring of batches bounds memory
 * whatever the size of the input: the worker waits while every batch is in use.
 *
 * Work that depends on one batch alone (formatting its events as text) can go with the
 * parsing through a render function, and so run on both cores too.
 *
 * Usage:
 *   kw_greader *rd;  kw_greader_open(files, n, NULL, NULL, &rd);
 *   const kw_gbatch *b;
 *   while ((r = kw_greader_next(rd, &b)) == 1) { ... use b ...; kw_greader_done(rd); }
 *   r == 0: all files read; r < 0: error, kw_greader_error() says which file and why.
 *   kw_greader_close(rd);   (also stops the worker early)
 */
#ifndef KW_GUARD_READER_H
#define KW_GUARD_READER_H

#include "base/buf.h"
#include "guard/event.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kw_greader kw_greader;

typedef struct kw_gitem {
	kw_gevent ev;        /* views point into the batch */
	uint64_t lineno;     /* 1-based line number in its file */
} kw_gitem;

typedef struct kw_gbatch {
	const kw_gitem *items;
	size_t n;
	size_t file;         /* index into the files given to kw_greader_open */
	uint64_t lines;      /* lines read for this batch (events or not) */
	uint64_t truncated;  /* of them, lines cut at KW_GSOURCE_MAX_LINE */
	const kw_sb *text;   /* what the render function made of it; NULL without one */
} kw_gbatch;

/* Called on a freshly parsed batch by whichever thread parsed it; appends to out (empty
 * on entry). ctx is shared by both threads: the function may only read it. A batch has
 * at most 256 KiB of log text; the function must keep what it makes of that under
 * KW_SB_MAX (out->overflow makes kw_greader_next fail with -E2BIG). */
typedef void (*kw_grender_fn)(const kw_gbatch *b, kw_sb *out, const void *ctx);

/* files[i] must stay valid until kw_greader_close; "-" = standard input. render may be
 * NULL. */
int kw_greader_open(char **files, size_t nfiles, kw_grender_fn render, const void *ctx,
		    kw_greader **out);
/* 1 = *b is the next batch (valid until kw_greader_done); 0 = end of all files;
 * negative = a file could not be opened or read (no more batches follow). */
int kw_greader_next(kw_greader *rd, const kw_gbatch **b);
/* Give the batch from the last kw_greader_next back to the worker. */
void kw_greader_done(kw_greader *rd);
/* After a negative kw_greader_next: "FILE: reason" (empty otherwise). */
const char *kw_greader_error(const kw_greader *rd);
void kw_greader_close(kw_greader *rd);

#endif
