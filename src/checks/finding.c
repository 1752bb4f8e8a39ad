/* finding.c — the finding list every check appends to and every renderer reads.
 *
 * Owner: report/finding-model engineer. A kw_findings is a growable array of kw_finding;
 * each finding owns copies of its strings (target, evidence, path, account, waiver
 * fields). The check definition it points to lives in a static table elsewhere and is
 * never freed here. Nothing in this file prints or does I/O.
 */
#include "base/vec.h"
#include "checks/finding.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A hard cap on one list: far above any real audit, low enough that a hostile image
 * with millions of matching files cannot exhaust memory through findings alone. */
#define KW_FINDINGS_MAX ((size_t)1 << 20)

static const char *const kw_severity_names[KW_SEV__COUNT] = {
	[KW_SEV_INFO] = "info",
	[KW_SEV_LOW] = "low",
	[KW_SEV_MEDIUM] = "medium",
	[KW_SEV_HIGH] = "high",
	[KW_SEV_CRITICAL] = "critical",
};

const char *kw_severity_name(kw_severity s)
{
	if ((unsigned)s >= KW_SEV__COUNT)
		return "unknown";
	return kw_severity_names[s];
}

const char *kw_severity_label(kw_severity s)
{
	static const char *const labels[KW_SEV__COUNT] = {
		[KW_SEV_INFO] = "INFO", [KW_SEV_LOW] = "LOW", [KW_SEV_MEDIUM] = "MEDIUM",
		[KW_SEV_HIGH] = "HIGH", [KW_SEV_CRITICAL] = "CRITICAL",
	};
	return (unsigned)s < KW_SEV__COUNT ? labels[s] : "?";
}

int kw_severity_parse(const char *s, kw_severity *ret)
{
	if (!s)
		return KW_E_USAGE;
	for (unsigned i = 0; i < KW_SEV__COUNT; i++)
		if (!strcasecmp(s, kw_severity_names[i])) {
			*ret = (kw_severity)i;
			return 0;
		}
	return KW_E_USAGE;
}

static void finding_release(kw_finding *f)
{
	free(f->target);
	free(f->evidence);
	free(f->path);
	free(f->account);
	free(f->waiver_reason);
	free(f->waiver_expires);
	*f = (kw_finding){ 0 };
}

static int dup_opt(const char *s, char **ret)
{
	if (!s) {
		*ret = NULL;
		return 0;
	}
	char *d = strdup(s);
	if (!d)
		return -ENOMEM;
	*ret = d;
	return 0;
}

int kw_findings_add(kw_findings *fs, const kw_check_def *c, const char *target,
		    const char *path, unsigned line, const char *account,
		    const char *evidence_fmt, ...)
{
	if (!fs || !c || !evidence_fmt)
		return -EINVAL;
	if (fs->n >= KW_FINDINGS_MAX)
		return KW_E_TOOBIG;
	if (KW_VEC_RESERVE(fs->v, fs->n, fs->cap) < 0)
		return -ENOMEM;

	kw_finding f = { .check = c, .severity = c->severity, .line = line };
	va_list ap;
	va_start(ap, evidence_fmt);
	int n = vasprintf(&f.evidence, evidence_fmt, ap);
	va_end(ap);
	if (n < 0) {
		f.evidence = NULL;
		return -ENOMEM;
	}
	if (dup_opt(target ? target : "", &f.target) < 0 ||
	    dup_opt(path, &f.path) < 0 ||
	    dup_opt(account, &f.account) < 0) {
		finding_release(&f);
		return -ENOMEM;
	}
	fs->v[fs->n++] = f;
	return 0;
}

void kw_findings_release(kw_findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++)
		finding_release(&fs->v[i]);
	free(fs->v);
	*fs = (kw_findings){ 0 };
}

const kw_check_def *kw_check_defs_find(const kw_check_def *defs, size_t n, const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (!strcmp(defs[i].id, id))
			return &defs[i];
	return NULL;
}

int kw_findings_move(kw_findings *dst, kw_findings *src)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < src->n; i++) {
		kw_finding *f = KW_VEC_PUSH(dst->v, dst->n, dst->cap);
		if (!f) {
			r = -ENOMEM;
			break;
		}
		*f = src->v[i];
		src->v[i] = (kw_finding){ 0 };
	}
	kw_findings_release(src);
	return r;
}

/* NULL sorts before any string, so findings without a path come first. */
static int cmp_opt_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const void *va, const void *vb)
{
	const kw_finding *a = va, *b = vb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int r = cmp_opt_str(a->check ? a->check->id : NULL, b->check ? b->check->id : NULL);
	if (r)
		return r;
	if ((r = cmp_opt_str(a->target, b->target)))
		return r;
	if ((r = cmp_opt_str(a->path, b->path)))
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	/* not in the documented order, only so that equal keys still sort the same way */
	return cmp_opt_str(a->evidence, b->evidence);
}

void kw_findings_sort(kw_findings *fs)
{
	if (fs && fs->n > 1)
		qsort(fs->v, fs->n, sizeof fs->v[0], cmp_finding);
}

size_t kw_findings_count_at_least(const kw_findings *fs, kw_severity sev)
{
	size_t n = 0;
	if (!fs)
		return 0;
	for (size_t i = 0; i < fs->n; i++)
		if (!fs->v[i].waived && fs->v[i].severity >= sev)
			n++;
	return n;
}
