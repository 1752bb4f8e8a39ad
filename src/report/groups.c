/* groups.c — the findings of a report arranged by target and check, for the formats
 * that show one entry per check (SARIF rules, JUnit test cases, the HTML summary). */
#include "report/render.h"

#include "base/strindex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kw_rgroups_release(kw_rgroups *g)
{
	free(g->checks);
	free(g->targets);
	free(g->order);
	free(g->start);
	free(g->check_of);
	*g = (kw_rgroups){ 0 };
}

const char *kw_check_area(const kw_check_def *c, char *buf, size_t size)
{
	const char *id = c && c->id ? c->id : "?";
	size_t n = strcspn(id, ".");
	if (n >= size)
		n = size - 1;
	memcpy(buf, id, n);
	buf[n] = 0;
	return buf;
}

static size_t check_index(kw_rgroups *g, const kw_check_def *c, size_t cap)
{
	for (size_t i = 0; i < g->n_checks; i++)
		if (g->checks[i] == c || (c && g->checks[i] && !strcmp(g->checks[i]->id, c->id)))
			return i;
	if (g->n_checks == cap)
		return KW_STRINDEX_NONE;
	g->checks[g->n_checks] = c;
	return g->n_checks++;
}

int kw_rgroups_build(const kw_report *r, kw_rgroups *g)
{
	*g = (kw_rgroups){ 0 };
	size_t nf = r->findings ? r->findings->n : 0;
	size_t ccap = r->n_checks + nf, tcap = (r->n_targets ? r->n_targets : 1) + nf;
	kw_strindex tix = { 0 };
	size_t *tof = NULL;
	g->checks = calloc(ccap ? ccap : 1, sizeof *g->checks);
	g->targets = calloc(tcap, sizeof *g->targets);
	g->order = calloc(nf ? nf : 1, sizeof *g->order);
	g->check_of = calloc(nf ? nf : 1, sizeof *g->check_of);
	tof = calloc(nf ? nf : 1, sizeof *tof);
	if (!g->checks || !g->targets || !g->order || !g->check_of || !tof)
		goto nomem;
	for (size_t i = 0; i < r->n_checks; i++)
		if (check_index(g, r->checks[i], ccap) == KW_STRINDEX_NONE)
			goto nomem;
	if (r->n_targets) {
		for (size_t i = 0; i < r->n_targets; i++) {
			int p = kw_strindex_put(&tix, r->targets[i], g->n_targets, NULL);
			if (p < 0)
				goto nomem;
			if (p == 0)
				g->targets[g->n_targets++] = r->targets[i];
		}
	} else {
		g->targets[g->n_targets++] = r->target ? r->target : "";
	}
	for (size_t i = 0; i < nf; i++) {
		const kw_finding *f = &r->findings->v[i];
		g->check_of[i] = check_index(g, f->check, ccap);
		size_t t = 0;
		if (r->n_targets) {
			int p = kw_strindex_put(&tix, f->target, g->n_targets, &t);
			if (p < 0)
				goto nomem;
			if (p == 0)
				g->targets[t = g->n_targets++] = f->target;
		}
		tof[i] = t;
	}
	/* counting sort by pair, stable: findings keep the caller's order inside a pair */
	size_t pairs = g->n_targets * (g->n_checks ? g->n_checks : 1);
	g->start = calloc(pairs + 1, sizeof *g->start);
	if (!g->start)
		goto nomem;
	for (size_t i = 0; i < nf; i++)
		g->start[tof[i] * g->n_checks + g->check_of[i] + 1]++;
	for (size_t p = 0; p < pairs; p++)
		g->start[p + 1] += g->start[p];
	size_t *fill = calloc(pairs + 1, sizeof *fill);
	if (!fill)
		goto nomem;
	memcpy(fill, g->start, (pairs + 1) * sizeof *fill);
	for (size_t i = 0; i < nf; i++)
		g->order[fill[tof[i] * g->n_checks + g->check_of[i]]++] = i;
	free(fill);
	free(tof);
	kw_strindex_release(&tix);
	return 0;
nomem:
	free(tof);
	kw_strindex_release(&tix);
	kw_rgroups_release(g);
	return -ENOMEM;
}
