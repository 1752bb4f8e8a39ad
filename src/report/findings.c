/* findings.c — see findings.h. */
#include "report/findings.h"

#include "base/cleanup.h"
#include "base/escape.h"
#include "checks/profile.h"

#include <stdlib.h>
#include <string.h>

static void finding_text(FILE *out, const kw_finding *f, bool show_target)
{
	_cleanup_free_ char *tgt = show_target ? kw_escape_str(f->target) : NULL;
	_cleanup_free_ char *acc = f->account ? kw_escape_str(f->account) : NULL;
	_cleanup_free_ char *path = f->path ? kw_escape_str(f->path) : NULL;
	_cleanup_free_ char *fp = !strncmp(f->target, "SHA256:", 7) ? kw_escape_str(f->target) : NULL;
	_cleanup_free_ char *ev = kw_escape_str(f->evidence);
	const char *sev = kw_severity_label(f->severity);
	fprintf(out, "  %-9s %s  %s\n            ", sev, f->check->id, f->check->title);
	const char *sep = "";
	if (tgt) {
		fputs(tgt, out);
		sep = "  ";
	}
	if (acc) {
		fprintf(out, "%s%s", sep, acc);
		sep = "  ";
	}
	if (path) {
		fprintf(out, f->line ? "%s%s:%u" : "%s%s", sep, path, f->line);
		sep = "  ";
	}
	if (fp)
		fprintf(out, "%s%s", sep, fp);
	fprintf(out, "\n            %s\n", ev ? ev : "?");
}

void kw_findings_text(FILE *out, const kw_findings *fs, bool show_target)
{
	size_t by[KW_SEV__COUNT] = { 0 };
	for (size_t i = 0; i < fs->n; i++)
		if ((unsigned)fs->v[i].severity < KW_SEV__COUNT)
			by[fs->v[i].severity]++;
	fprintf(out, "\nfindings: ");
	if (!fs->n)
		fputs("none\n", out);
	else
		fprintf(out, "%zu (%zu critical, %zu high, %zu medium, %zu low, %zu info)\n", fs->n,
			by[KW_SEV_CRITICAL], by[KW_SEV_HIGH], by[KW_SEV_MEDIUM], by[KW_SEV_LOW], by[KW_SEV_INFO]);
	for (int sev = KW_SEV_CRITICAL; sev >= KW_SEV_INFO; sev--)
		for (size_t i = 0; i < fs->n; i++)
			if ((int)fs->v[i].severity == sev)
				finding_text(out, &fs->v[i], show_target);
}

void kw_finding_json(kw_jw *w, const kw_finding *f, bool show_target)
{
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "id", f->check->id);
	kw_jw_strz(w, "severity", kw_severity_name(f->severity));
	kw_jw_strz(w, "title", f->check->title);
	if (show_target)
		kw_jw_strz(w, "target", f->target);
	kw_jw_strz(w, "account", f->account);
	kw_jw_strz(w, "path", f->path);
	if (f->line)
		kw_jw_uint(w, "line", f->line);
	else
		kw_jw_null(w, "line");
	kw_jw_strz(w, "fingerprint", !strncmp(f->target, "SHA256:", 7) ? f->target : NULL);
	kw_jw_strz(w, "evidence", f->evidence);
	kw_jw_end(w);
}
