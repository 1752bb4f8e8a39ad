/* reader.c — see reader.h.
 *
 * A ring of NBLOCK blocks, each going FREE -> READING -> RAW -> PARSING -> PARSED -> HELD
 * -> FREE. The worker reads (kw_gsource) lines into the next FREE block, in ring order;
 * lines are copied, so a block owns its text. Parsing a RAW block is independent of every
 * other block (the parser keeps no state from line to line but caches; its year
 * inference depends only on the file), so either thread may do it:
 *   worker: read into a FREE block if there is one, else parse the oldest RAW block;
 *   caller: take the block at the read position once PARSED; until then, parse the
 *           oldest RAW block itself rather than wait.
 * Which thread parses a block never changes its events. The render function, if any,
 * runs right after the parse, on the same thread. The caller works on one block at a
 * time and hands it back with kw_greader_done.
 */
#include "guard/reader.h"

#include "base/err.h"
#include "guard/line.h"
#include "guard/replay.h"
#include "guard/source.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLOCK 16
#define BLOCK_LINES 2048
#define BLOCK_TEXT (256u * 1024u)
#define BATCH 256                  /* records taken from the source at a time */

enum bstate { B_FREE, B_READING, B_RAW, B_PARSING, B_PARSED, B_HELD };

typedef struct bline {
	uint32_t off, len;
	uint64_t lineno;
} bline;

typedef struct block {
	enum bstate st;
	int64_t ref_us;            /* the file's reference time for year inference */
	size_t tlen, used;
	bline lines[BLOCK_LINES];
	uint8_t text[BLOCK_TEXT];  /* the lines, back to back */
	/* views that point outside text (a journalctl JSON MESSAGE is unescaped into a
	 * per-thread buffer) are copied here; they are parts of their line, so the arena
	 * never needs more than the text does */
	uint8_t arena[BLOCK_TEXT];
	kw_gitem items[BLOCK_LINES];
	kw_sb out;                 /* the render function's text */
	kw_gbatch b;
} block;

/* a thread's parser, set up again when the file changes */
typedef struct pstate {
	size_t file;
	bool ready;
	kw_gparser p;
} pstate;

struct kw_greader {
	char **files;
	size_t nfiles;
	kw_grender_fn render;
	const void *render_ctx;
	pthread_t thread;
	bool started;
	/* the worker's own */
	kw_gsource *src;
	size_t cur_file;
	pstate wp;
	/* the caller's own */
	pstate cp;
	/* guarded by mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t w, r;               /* next block to read into / to hand out */
	bool read_done, stop;
	int status;
	char err[512];
	block *blocks[NBLOCK];
};

/* ---- reading (worker only, outside the lock: the block is READING) ---- */

/* Fill b with the next lines of the current file. Returns 0; 1 when every file is read;
 * negative on error (rd->err set). A block never spans two files. */
static int fill(kw_greader *rd, block *b)
{
	b->tlen = b->used = 0;
	b->b = (kw_gbatch){ .items = b->items }; /* b.lines counts the lines read */
	if (!rd->src) {
		if (rd->cur_file >= rd->nfiles)
			return 1;
		char err[sizeof rd->err - 64] = "";
		int rc = kw_gsource_open_file(rd->files[rd->cur_file], false, false, NULL, &rd->src,
					      err, sizeof err);
		if (rc < 0) {
			snprintf(rd->err, sizeof rd->err, "%s", err[0] ? err : kw_strerror(rc));
			return rc;
		}
	}
	b->b.file = rd->cur_file;
	b->ref_us = kw_gsource_ref_time_us(rd->src);
	kw_grecord recs[BATCH];
	while (b->b.lines < BLOCK_LINES && BLOCK_TEXT - b->tlen > KW_GSOURCE_MAX_LINE) {
		size_t n, room = BLOCK_LINES - b->b.lines;
		int rc = kw_gsource_next_batch(rd->src, recs, room < BATCH ? room : BATCH,
					       BLOCK_TEXT - b->tlen, &n);
		if (rc == 1) {
			/* one copy for the batch: its records lie in order in one span */
			const uint8_t *base = recs[0].text;
			size_t span = (size_t)(recs[n - 1].text + recs[n - 1].len - base);
			memcpy(b->text + b->tlen, base, span);
			for (size_t i = 0; i < n; i++) {
				bline *l = &b->lines[b->b.lines++];
				l->off = (uint32_t)(b->tlen + (size_t)(recs[i].text - base));
				l->len = (uint32_t)recs[i].len; /* at most KW_GSOURCE_MAX_LINE */
				l->lineno = recs[i].lineno;
				b->b.truncated += recs[i].truncated;
			}
			b->tlen += span;
			continue;
		}
		kw_gsource_close(rd->src);
		rd->src = NULL;
		if (rc != KW_GSOURCE_END) {
			snprintf(rd->err, sizeof rd->err, "%s: %s", rd->files[rd->cur_file],
				 kw_strerror(rc < 0 ? rc : -EIO));
			return rc < 0 ? rc : -EIO;
		}
		rd->cur_file++;
		break;
	}
	return 0;
}

/* ---- parsing (either thread, outside the lock: the block is PARSING) ---- */

static kw_buf keep(block *b, const kw_buf *v)
{
	size_t n = kw_buf_left(v);
	const uint8_t *p = kw_buf_cur(v);
	if (!n) /* empty, but never a NULL pointer: memcpy(d, NULL, 0) is undefined */
		return kw_buf_view(b->text, 0);
	if (p >= b->text && p + n <= b->text + b->tlen)
		return kw_buf_view(p, n);
	uint8_t *d = b->arena + b->used;
	memcpy(d, p, n);
	b->used += n;
	return kw_buf_view(d, n);
}

static void parse_block(pstate *ps, block *b)
{
	if (!ps->ready || ps->file != b->b.file) {
		kw_gparser_init(&ps->p, b->ref_us);
		ps->file = b->b.file;
		ps->ready = true;
	}
	kw_grecord rec = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < b->b.lines; i++) {
		rec.text = b->text + b->lines[i].off;
		rec.len = b->lines[i].len;
		kw_gitem *it = &b->items[n];
		if (kw_grecord_event(&ps->p, &rec, &it->ev) != 1)
			continue;
		it->lineno = b->lines[i].lineno;
		if (it->ev.has_user)
			it->ev.user = keep(b, &it->ev.user);
		it->ev.host = keep(b, &it->ev.host);
		it->ev.method = keep(b, &it->ev.method);
		n++;
	}
	b->b.n = n;
}

static void render_block(kw_greader *rd, block *b)
{
	if (!rd->render)
		return;
	kw_sb_clear(&b->out);
	rd->render(&b->b, &b->out, rd->render_ctx);
	b->b.text = &b->out;
}

/* The oldest RAW block, or NULL. Call locked. */
static block *oldest_raw(kw_greader *rd)
{
	for (size_t k = 0; k < NBLOCK; k++) {
		block *b = rd->blocks[(rd->r + k) % NBLOCK];
		if (b->st == B_RAW)
			return b;
	}
	return NULL;
}

/* Parse b, which the calling thread has just claimed (locked on entry and on return). */
static void parse_claimed(kw_greader *rd, pstate *ps, block *b)
{
	b->st = B_PARSING;
	pthread_mutex_unlock(&rd->mu);
	parse_block(ps, b);
	render_block(rd, b);
	pthread_mutex_lock(&rd->mu);
	b->st = B_PARSED;
	pthread_cond_broadcast(&rd->cv);
}

static void *worker(void *arg)
{
	kw_greader *rd = arg;
	pthread_mutex_lock(&rd->mu);
	while (!rd->stop) {
		block *b = rd->blocks[rd->w];
		if (!rd->read_done && b->st == B_FREE) {
			b->st = B_READING;
			pthread_mutex_unlock(&rd->mu);
			int rc = fill(rd, b);
			pthread_mutex_lock(&rd->mu);
			if (rc != 0) {
				rd->read_done = true;
				rd->status = rc < 0 ? rc : 0;
			}
			if (b->b.lines || rc == 0) {
				b->st = B_RAW;
				rd->w = (rd->w + 1) % NBLOCK;
			} else {
				b->st = B_FREE; /* nothing read: the block was never handed out */
			}
			pthread_cond_broadcast(&rd->cv);
			continue;
		}
		if ((b = oldest_raw(rd))) {
			parse_claimed(rd, &rd->wp, b);
			continue;
		}
		if (rd->read_done)
			break; /* what is left is the caller's to parse and take */
		pthread_cond_wait(&rd->cv, &rd->mu);
	}
	pthread_mutex_unlock(&rd->mu);
	kw_gsource_close(rd->src);
	rd->src = NULL;
	return NULL;
}

int kw_greader_open(char **files, size_t nfiles, kw_grender_fn render, const void *ctx,
		    kw_greader **out)
{
	*out = NULL;
	kw_greader *rd = calloc(1, sizeof *rd);
	if (!rd)
		return -ENOMEM;
	rd->files = files;
	rd->nfiles = nfiles;
	rd->render = render;
	rd->render_ctx = ctx;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_cond_init(&rd->cv, NULL);
	for (size_t i = 0; i < NBLOCK; i++) {
		/* malloc, not calloc: pages are touched only as far as blocks fill */
		if (!(rd->blocks[i] = malloc(sizeof(block)))) {
			kw_greader_close(rd);
			return -ENOMEM;
		}
		rd->blocks[i]->st = B_FREE;
		kw_sb_init(&rd->blocks[i]->out);
	}
	/* the worker takes no signals: they stay with the caller's thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&rd->thread, NULL, worker, rd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		kw_greader_close(rd);
		return -e;
	}
	rd->started = true;
	*out = rd;
	return 0;
}

int kw_greader_next(kw_greader *rd, const kw_gbatch **out)
{
	pthread_mutex_lock(&rd->mu);
	int rc;
	for (;;) {
		block *b = rd->blocks[rd->r];
		if (b->st == B_PARSED) {
			if (b->b.text && b->b.text->overflow) {
				snprintf(rd->err, sizeof rd->err, "%s: the output for one block of lines is over %zu MiB",
					 rd->files[b->b.file], KW_SB_MAX >> 20);
				rc = -E2BIG;
				break;
			}
			b->st = B_HELD;
			*out = &b->b;
			rc = 1;
			break;
		}
		if (b->st == B_FREE && rd->read_done) {
			rc = rd->status;
			break;
		}
		block *raw = oldest_raw(rd); /* it looks at b first */
		if (raw)
			parse_claimed(rd, &rd->cp, raw);
		else
			pthread_cond_wait(&rd->cv, &rd->mu);
	}
	pthread_mutex_unlock(&rd->mu);
	return rc;
}

void kw_greader_done(kw_greader *rd)
{
	pthread_mutex_lock(&rd->mu);
	block *b = rd->blocks[rd->r];
	if (b->st == B_HELD) {
		b->st = B_FREE;
		rd->r = (rd->r + 1) % NBLOCK;
		pthread_cond_broadcast(&rd->cv);
	}
	pthread_mutex_unlock(&rd->mu);
}

const char *kw_greader_error(const kw_greader *rd)
{
	return rd->err;
}

void kw_greader_close(kw_greader *rd)
{
	if (!rd)
		return;
	if (rd->started) {
		pthread_mutex_lock(&rd->mu);
		rd->stop = true;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
		pthread_join(rd->thread, NULL);
	}
	kw_gsource_close(rd->src);
	for (size_t i = 0; i < NBLOCK; i++) {
		if (rd->blocks[i])
			kw_sb_release(&rd->blocks[i]->out);
		free(rd->blocks[i]);
	}
	pthread_cond_destroy(&rd->cv);
	pthread_mutex_destroy(&rd->mu);
	free(rd);
}
