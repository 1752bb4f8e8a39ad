/* progress.c — see progress.h. */
#include "cmd/progress.h"
#include "cmd/opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void kw_progress_init(kw_progress *p, const char *label, bool quiet)
{
	*p = (kw_progress){
		.enabled = !quiet && !kw_ui_settings.no_progress && isatty(STDERR_FILENO) &&
			   !getenv("KEYWARD_NO_PROGRESS"),
		.label = label,
	};
}

static bool due(kw_progress *p)
{
	if (!p->enabled)
		return false;
	uint64_t t = now_ns();
	if (p->shown && t - p->last_ns < 100000000u)
		return false;
	p->last_ns = t;
	p->shown = true;
	return true;
}

void kw_progress_files(void *ctx, uint64_t files)
{
	kw_progress *p = ctx;
	if (due(p))
		fprintf(stderr, "\r\033[K%s: %llu %s", p->label, (unsigned long long)files,
			p->unit ? p->unit : "files");
}

void kw_progress_archive(void *ctx, uint64_t entries, uint64_t bytes)
{
	kw_progress *p = ctx;
	if (due(p))
		fprintf(stderr, "\r\033[K%s: %llu entries, %.1f MiB", p->label,
			(unsigned long long)entries, (double)bytes / (1024.0 * 1024.0));
}

void kw_progress_done(kw_progress *p)
{
	if (p->enabled && p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
