/* fixcommon.c — the dry run / apply flow the fix commands share. See fixcommon.h. */
#include "cmd/fixcommon.h"

#include "base/err.h"
#include "base/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void kw_fix_err(const char *cmd, const char *msg, const char *target_text)
{
	char *e = target_text ? kw_escape_str(target_text) : NULL;
	fprintf(stderr, "keyward %s: %s%s\n", cmd, msg, e ? e : "");
	free(e);
}

char *kw_fix_default_journal(const char *cmd)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y-%m-%dT%H%M%SZ", &tm);
	uint16_t rnd = 0;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (uint16_t)(now & 0xffff);
	char *s = NULL;
	if (asprintf(&s, "%s/%s-%s-%04x", KW_JOURNAL_BASE, ts, cmd, rnd) < 0)
		return NULL;
	return s;
}

static void print_notes(const kw_plan *p)
{
	for (size_t i = 0; i < p->n_notes; i++) {
		char *e = kw_escape_str(p->notes[i]);
		printf("note: %s\n", e ? e : "?");
		free(e);
	}
}

int kw_fix_run(const kw_fix_opts *o, kw_plan *p, char **ret_journal)
{
	if (ret_journal)
		*ret_journal = NULL;
	char *eroot = kw_escape_str(o->root);
	if (p->n == 0) {
		print_notes(p);
		printf("nothing to do: %s needs no change from keyward %s\n", eroot ? eroot : "?",
		       o->cmd);
		free(eroot);
		return 0;
	}
	if (!o->apply) {
		int r = kw_plan_render(stdout, p, o->diffs, o->color);
		printf("\ndry run: nothing changed in %s. %zu change%s planned; run again with "
		       "--apply to make them\n(every change is journaled first; `keyward undo "
		       "JOURNAL` puts the files back byte for byte).\n",
		       eroot ? eroot : "?", p->n, p->n == 1 ? "" : "s");
		free(eroot);
		return r < 0 ? 2 : 0;
	}
	char *journal = o->journal ? strdup(o->journal) : kw_fix_default_journal(o->cmd);
	if (!journal) {
		free(eroot);
		return 2;
	}
	kw_writer *w = NULL;
	int r = kw_writer_open(o->root, journal, &w);
	if (r < 0) {
		if (r == KW_E_INROOT)
			kw_fix_err(o->cmd, "the journal would be inside the image root (it holds the "
				   "original files, secrets included, and would ship with the image); "
				   "pass --journal DIR outside the root: ", journal);
		else if (r == KW_E_USAGE)
			kw_fix_err(o->cmd, "the journal folder belongs to another root; pass a new "
				   "--journal DIR: ", journal);
		else {
			fprintf(stderr, "keyward %s: cannot open the journal or the root (%s): ",
				o->cmd, kw_strerror(r));
			kw_fix_err(o->cmd, "journal ", journal);
		}
		free(journal);
		free(eroot);
		return 2;
	}
	char *ej = kw_escape_str(journal);
	printf("journal: %s\n", ej ? ej : "?");
	fflush(stdout);
	r = kw_plan_apply(p, w, o->quiet ? NULL : stdout, false);
	kw_writer_free(w);
	size_t done = kw_plan_count(p, KW_ST_DONE), failed = kw_plan_count(p, KW_ST_FAILED);
	print_notes(p);
	printf("%zu change%s made in %s, %zu failed.\nundo: keyward undo %s\n", done,
	       done == 1 ? "" : "s", eroot ? eroot : "?", failed, ej ? ej : "?");
	printf("The journal holds the original files, secrets included: keep it private "
	       "(mode 0700) and delete it once the result is verified.\n");
	free(ej);
	free(eroot);
	if (ret_journal)
		*ret_journal = journal;
	else
		free(journal);
	return failed || r < 0 ? 1 : 0;
}
