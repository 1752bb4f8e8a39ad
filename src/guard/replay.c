/* replay.c — see replay.h. */
#include "guard/replay.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/sort.h"
#include "base/vec.h"
#include "guard/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOURS (24u * 400u)
#define PREFETCH_INDEX 16
#define PREFETCH_ENTRY 8

int kw_grecord_event(kw_gparser *p, const kw_grecord *rec, kw_gevent *ev)
{
	if (!rec->from_journal)
		return kw_gparse_line(p, rec->text, rec->len, ev);
	memset(ev, 0, sizeof *ev);
	if (kw_gparse_message(rec->text, rec->len, ev) != 1)
		return 0;
	ev->time_us = rec->time_us;
	ev->pid = rec->pid;
	ev->proc = rec->proc;
	return 1;
}

static int add_hour(kw_greport *r, int64_t t, bool counted)
{
	int64_t h = t - ((t % 3600) + 3600) % 3600;
	size_t lo = 0, hi = r->nhours;
	if (r->nhours && r->hours[r->nhours - 1].hour <= h) {
		lo = r->nhours - 1;
		if (r->hours[lo].hour < h)
			lo = r->nhours;
	} else {
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (r->hours[mid].hour < h)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (lo == r->nhours || r->hours[lo].hour != h) {
		if (r->nhours >= MAX_HOURS) {
			r->hours_dropped++;
			return 0;
		}
		if (KW_VEC_RESERVE(r->hours, r->nhours, r->caphours) < 0)
			return -ENOMEM;
		memmove(r->hours + lo + 1, r->hours + lo, (r->nhours - lo) * sizeof *r->hours);
		r->hours[lo] = (kw_greport_hour){ .hour = h };
		r->nhours++;
	}
	r->hours[lo].events++;
	if (counted)
		r->hours[lo].failures++;
	return 0;
}

static int cmp_sources(const void *a, const void *b)
{
	const kw_gsource_info *x = a, *y = b;
	if (x->attempts != y->attempts)
		return x->attempts < y->attempts ? 1 : -1;
	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	return memcmp(x->addr.b, y->addr.b, sizeof x->addr.b);
}

static int cmp_users(const void *a, const void *b)
{
	const kw_greport_user *x = a, *y = b;
	if (x->tries != y->tries)
		return x->tries < y->tries ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int collect_tables(kw_gengine *g, kw_greport *r, size_t top)
{
	int rc = kw_gengine_sources(g, &r->sources, &r->nsources);
	if (rc < 0)
		return rc;
	kw_sort_top(r->sources, r->nsources, sizeof *r->sources, top, cmp_sources);
	_cleanup_free_ kw_guser_info *u = NULL;
	size_t nu = 0;
	rc = kw_gengine_users(g, &u, &nu);
	if (rc < 0)
		return rc;
	r->users = calloc(nu ? nu : 1, sizeof *r->users);
	if (!r->users)
		return -ENOMEM;
	for (size_t i = 0; i < nu; i++) {
		char *s = malloc(u[i].name_len + 1);
		if (!s)
			return -ENOMEM;
		memcpy(s, u[i].name, u[i].name_len);
		s[u[i].name_len] = '\0';
		/* a NUL inside a logged name would cut it short: keep the bytes after it visible */
		for (size_t k = 0; k < u[i].name_len; k++)
			if (s[k] == '\0')
				s[k] = '?';
		r->users[r->nusers++] = (kw_greport_user){ .name = s, .name_len = u[i].name_len,
			.tries = u[i].tries, .invalid = u[i].invalid };
	}
	kw_sort_top(r->users, r->nusers, sizeof *r->users, top, cmp_users);
	return 0;
}

/* One event of a replay: the engine, the hour table and the bans it made. */
static int replay_event(kw_gengine *g, kw_greport *r, const kw_gevent *ev)
{
	r->sshd_events++;
	if (ev->time_us == KW_GTIME_UNKNOWN)
		return 0; /* a replay has no clock but the log's */
	int64_t t = ev->time_us / 1000000;
	if (!r->first || t < r->first) r->first = t;
	if (t > r->last) r->last = t;
	uint64_t before = kw_gengine_counted(g);
	kw_gdecision d[2];
	int nd = kw_gengine_feed(g, ev, t, d);
	if (nd < 0)
		return nd;
	int rc = add_hour(r, t, kw_gengine_counted(g) > before);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nd; i++) {
		kw_greport_ban *b = KW_VEC_PUSH(r->bans, r->nbans, r->capbans);
		if (!b)
			return -ENOMEM;
		b->d = d[i];
		b->last_kind = ev->kind;
	}
	return 0;
}

/* The files are read and parsed on a worker thread (guard/reader.h) while this one runs
 * the engine. */
static int replay_files(kw_gengine *g, kw_greport *r, char **files, size_t nfiles,
			const kw_greplay_opts *opts, char *err, size_t errlen)
{
	kw_greader *rd = NULL;
	int rc = kw_greader_open(files, nfiles, NULL, NULL, &rd);
	if (rc < 0)
		return rc;
	const kw_gbatch *b;
	while ((rc = kw_greader_next(rd, &b)) == 1) {
		r->lines += b->lines;
		r->truncated += b->truncated;
		if (opts->progress)
			opts->progress(opts->progress_ctx, r->lines);
		/* the tables are bigger than the cache: ask for memory ahead of use, the index
		 * slot PREFETCH_INDEX events ahead, the entry it names PREFETCH_ENTRY ahead;
		 * pos[k % PREFETCH_INDEX] holds event k's index slot in between */
		size_t pos[PREFETCH_INDEX];
		for (size_t k = 0; k < PREFETCH_INDEX && k < b->n; k++)
			pos[k] = kw_gengine_prefetch_index(g, &b->items[k].ev);
		for (size_t i = 0; i < b->n && rc >= 0; i++) {
			if (i + PREFETCH_INDEX < b->n)
				pos[i % PREFETCH_INDEX] = kw_gengine_prefetch_index(g, &b->items[i + PREFETCH_INDEX].ev);
			if (i + PREFETCH_ENTRY < b->n)
				kw_gengine_prefetch_entry(g, pos[(i + PREFETCH_ENTRY) % PREFETCH_INDEX]);
			rc = replay_event(g, r, &b->items[i].ev);
		}
		kw_greader_done(rd);
		if (rc < 0)
			break;
	}
	if (rc < 0 && kw_greader_error(rd)[0])
		snprintf(err, errlen, "%s", kw_greader_error(rd));
	kw_greader_close(rd);
	return rc;
}

int kw_greplay(const kw_gconf *conf, const kw_iplist *ignore, char **files, size_t nfiles,
	       const kw_greplay_opts *opts, kw_greport *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	err[0] = '\0';
	r->top = opts->top;
	r->mode = conf->mode;
	r->rules = strdup(conf->host_rule.text ? conf->host_rule.text : "");
	r->user_rules = conf->has_user_rule && conf->user_rule.text ? strdup(conf->user_rule.text) : NULL;
	r->files = calloc(nfiles ? nfiles : 1, sizeof *r->files);
	if (!r->rules || !r->files)
		return -ENOMEM;
	for (size_t i = 0; i < nfiles; i++) {
		if (!(r->files[i] = strdup(files[i])))
			return -ENOMEM;
		r->nfiles++;
	}
	kw_gengine *g = NULL;
	int rc = kw_gengine_new(conf, ignore, &g);
	if (rc < 0)
		return rc;
	rc = replay_files(g, r, files, nfiles, opts, err, errlen);
	if (rc >= 0)
		rc = collect_tables(g, r, opts->top);
	kw_gengine_get_stats(g, &r->engine);
	kw_gengine_free(g);
	return rc;
}

void kw_greport_release(kw_greport *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	free(r->rules);
	free(r->user_rules);
	free(r->bans);
	free(r->sources);
	for (size_t i = 0; i < r->nusers; i++)
		free(r->users[i].name);
	free(r->users);
	free(r->hours);
	memset(r, 0, sizeof *r);
}
