/* sarif.c — the report as SARIF 2.1.0 (OASIS), for code-scanning systems.
 *
 *   runs[0].tool.driver.rules    one per check that ran: id, title, rationale, a help
 *                                text with the remediation and references, the default
 *                                level, and "security-severity" (GitHub's 0-10 scale)
 *   runs[0].results              one per finding: rule, level from the effective
 *                                severity, message (title: evidence), the location
 *                                (path relative to the root with uriBaseId ROOT and the
 *                                line; cloud: the input file, the JSON pointer as a
 *                                logical location; account and target as logical
 *                                locations), a partial fingerprint that survives line
 *                                moves, and a suppression for a waived finding
 *   runs[0].invocations[0]       exit code, start time, and the diagnostics as
 *                                tool execution notifications (error when fatal)
 *
 * Levels: critical and high are "error", medium "warning", low and info "note".
 * Written with the streaming JSON writer: nothing but the current finding is in memory.
 */
#include "report/render.h"

#include "base/err.h"
#include "base/hash.h"
#include "report/jsonw.h"
#include "report/markup.h"

#include <inttypes.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define INFO_URI "https://github.com/keyward/keyward"

static const char *level(kw_severity s)
{
	return s >= KW_SEV_HIGH ? "error" : s == KW_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub reads rules[].properties["security-severity"]: >= 9 critical, >= 7 high,
 * >= 4 medium, > 0 low. Info findings get none (they are notes, not vulnerabilities). */
static const char *security_severity(kw_severity s)
{
	static const char *const v[KW_SEV__COUNT] = {
		[KW_SEV_LOW] = "3.0", [KW_SEV_MEDIUM] = "5.5", [KW_SEV_HIGH] = "8.0",
		[KW_SEV_CRITICAL] = "9.5",
	};
	return (unsigned)s < KW_SEV__COUNT ? v[s] : NULL;
}

static void text_obj(kw_jw *w, const char *key, const char *text)
{
	kw_jw_obj(w, key);
	kw_jw_strz(w, "text", text ? text : "");
	kw_jw_end(w);
}

static void rule(kw_jw *w, const kw_check_def *c, kw_sb *tmp)
{
	char area[32];
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "id", c->id);
	text_obj(w, "shortDescription", c->title);
	text_obj(w, "fullDescription", c->rationale ? c->rationale : c->title);
	kw_sb_clear(tmp);
	kw_sb_printf(tmp, "%s\n\nFix: %s", c->rationale ? c->rationale : c->title,
		     c->remediation ? c->remediation : "-");
	for (size_t i = 0; i < KW_MAX_REFS; i++)
		if (c->refs[i] && *c->refs[i])
			kw_sb_printf(tmp, "%s%s", i ? "; " : "\n\nReferences: ", c->refs[i]);
	kw_jw_obj(w, "help");
	kw_jw_str(w, "text", tmp->s ? tmp->s : "", tmp->len);
	kw_jw_end(w);
	kw_jw_obj(w, "defaultConfiguration");
	kw_jw_strz(w, "level", level(c->severity));
	kw_jw_end(w);
	kw_jw_obj(w, "properties");
	kw_jw_arr(w, "tags");
	kw_jw_strz(w, NULL, "security");
	kw_jw_strz(w, NULL, kw_check_area(c, area, sizeof area));
	kw_jw_end(w);
	kw_jw_strz(w, "keyward-severity", kw_severity_name(c->severity));
	if (security_severity(c->severity))
		kw_jw_strz(w, "security-severity", security_severity(c->severity));
	kw_jw_end(w);
	kw_jw_end(w);
}

static void logical(kw_jw *w, const char *name, const char *kind)
{
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "name", name);
	kw_jw_strz(w, "kind", kind);
	kw_jw_end(w);
}

static void location(kw_jw *w, const kw_report *r, const kw_finding *f, kw_sb *tmp)
{
	const char *path = f->path, *ptr = NULL;
	size_t plen = path ? strlen(path) : 0;
	if (path && r->paths == KW_PATHS_INPUT && (ptr = strchr(path, '#')))
		plen = (size_t)(ptr - path);
	kw_jw_arr(w, "locations");
	kw_jw_obj(w, NULL);
	if (path && r->paths != KW_PATHS_NONE) {
		kw_jw_obj(w, "physicalLocation");
		kw_jw_obj(w, "artifactLocation");
		kw_sb_clear(tmp);
		if (r->paths == KW_PATHS_IN_ROOT) {
			while (plen && *path == '/')
				path++, plen--;
		}
		kw_uri_puts(tmp, path, plen);
		kw_jw_str(w, "uri", tmp->s ? tmp->s : "", tmp->len);
		if (r->paths == KW_PATHS_IN_ROOT)
			kw_jw_strz(w, "uriBaseId", "ROOT");
		kw_jw_end(w);
		if (f->line) {
			kw_jw_obj(w, "region");
			kw_jw_uint(w, "startLine", f->line);
			kw_jw_end(w);
		}
		kw_jw_end(w);
	}
	kw_jw_arr(w, "logicalLocations");
	if (ptr && ptr[1])
		logical(w, ptr + 1, "member");
	if (f->account)
		logical(w, f->account, "user");
	if (!f->account || strcmp(f->account, f->target))
		logical(w, f->target, r->n_targets ? "host" : "object");
	kw_jw_end(w);
	kw_jw_end(w);
	kw_jw_end(w);
}

static uint64_t fingerprint(const kw_finding *f)
{
	uint64_t h = KW_FNV1A_INIT;
	const char *parts[] = { f->check ? f->check->id : "", f->target, f->path, f->account };
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		const char *p = parts[i] ? parts[i] : "";
		h = kw_fnv1a(h, p, strlen(p) + 1);
	}
	return kw_hash_mix(h);
}

static void result(kw_jw *w, const kw_report *r, const kw_finding *f, size_t rule_index, kw_sb *tmp)
{
	const kw_check_def *c = f->check;
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "ruleId", c ? c->id : "?");
	kw_jw_uint(w, "ruleIndex", rule_index);
	kw_jw_strz(w, "level", level(f->severity));
	kw_sb_clear(tmp);
	kw_sb_printf(tmp, "%s: %s", c ? c->title : "?", f->evidence ? f->evidence : "");
	kw_jw_obj(w, "message");
	kw_jw_str(w, "text", tmp->s ? tmp->s : "", tmp->len);
	kw_jw_end(w);
	location(w, r, f, tmp);
	char fp[24];
	snprintf(fp, sizeof fp, "%016" PRIx64, fingerprint(f));
	kw_jw_obj(w, "partialFingerprints");
	kw_jw_strz(w, "keyward/v1", fp);
	kw_jw_end(w);
	if (f->waived) {
		kw_jw_arr(w, "suppressions");
		kw_jw_obj(w, NULL);
		kw_jw_strz(w, "kind", "external");
		kw_jw_strz(w, "status", "accepted");
		kw_jw_strz(w, "justification", f->waiver_reason ? f->waiver_reason : "");
		if (f->waiver_expires) {
			kw_jw_obj(w, "properties");
			kw_jw_strz(w, "expires", f->waiver_expires);
			kw_jw_end(w);
		}
		kw_jw_end(w);
		kw_jw_end(w);
	}
	kw_jw_obj(w, "properties");
	kw_jw_strz(w, "severity", kw_severity_name(f->severity));
	kw_jw_strz(w, "target", f->target);
	if (f->account)
		kw_jw_strz(w, "account", f->account);
	kw_jw_end(w);
	kw_jw_end(w);
}

static void notification(kw_jw *w, const kw_diag *d, kw_sb *tmp)
{
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "level", d->fatal ? "error" : "warning");
	kw_jw_obj(w, "message");
	kw_jw_strz(w, "text", d->msg ? d->msg : kw_strerror(d->err));
	kw_jw_end(w);
	if (d->file) {
		kw_jw_arr(w, "locations");
		kw_jw_obj(w, NULL);
		kw_jw_obj(w, "physicalLocation");
		kw_jw_obj(w, "artifactLocation");
		kw_sb_clear(tmp);
		kw_uri_puts(tmp, d->file, strlen(d->file));
		kw_jw_str(w, "uri", tmp->s ? tmp->s : "", tmp->len);
		kw_jw_end(w);
		if (d->line) {
			kw_jw_obj(w, "region");
			kw_jw_uint(w, "startLine", d->line);
			kw_jw_end(w);
		}
		kw_jw_end(w);
		kw_jw_end(w);
		kw_jw_end(w);
	}
	kw_jw_end(w);
}

int kw_report_render_sarif(FILE *out, const kw_report *r)
{
	kw_rgroups g;
	if (kw_rgroups_build(r, &g) < 0)
		return -ENOMEM;
	kw_sb tmp;
	kw_sb_init(&tmp);
	kw_jw w;
	kw_jw_init(&w, out, 2);
	kw_jw_obj(&w, NULL);
	kw_jw_strz(&w, "$schema", SARIF_SCHEMA);
	kw_jw_strz(&w, "version", "2.1.0");
	kw_jw_arr(&w, "runs");
	kw_jw_obj(&w, NULL);

	kw_jw_obj(&w, "tool");
	kw_jw_obj(&w, "driver");
	kw_jw_strz(&w, "name", "keyward");
	kw_jw_strz(&w, "version", r->version);
	kw_jw_strz(&w, "semanticVersion", r->version);
	kw_jw_strz(&w, "informationUri", INFO_URI);
	kw_jw_arr(&w, "rules");
	for (size_t i = 0; i < g.n_checks; i++)
		rule(&w, g.checks[i], &tmp);
	kw_jw_end(&w);
	kw_jw_end(&w);
	kw_jw_end(&w);

	kw_jw_arr(&w, "invocations");
	kw_jw_obj(&w, NULL);
	kw_jw_bool(&w, "executionSuccessful", r->exit_code == 0 || r->exit_code == 1);
	kw_jw_int(&w, "exitCode", r->exit_code);
	if (r->started)
		kw_jw_strz(&w, "startTimeUtc", r->started);
	kw_jw_arr(&w, "toolExecutionNotifications");
	for (size_t i = 0; r->diags && i < r->diags->n; i++)
		notification(&w, &r->diags->v[i], &tmp);
	kw_jw_end(&w);
	kw_jw_end(&w);
	kw_jw_end(&w);

	if (r->paths == KW_PATHS_IN_ROOT) {
		kw_jw_obj(&w, "originalUriBaseIds");
		kw_jw_obj(&w, "ROOT");
		if (r->root && r->root[0] == '/') {
			kw_sb_clear(&tmp);
			kw_sb_puts(&tmp, "file://");
			kw_uri_puts(&tmp, r->root, strlen(r->root));
			if (tmp.len && tmp.s[tmp.len - 1] != '/')
				kw_sb_putc(&tmp, '/');
			kw_jw_str(&w, "uri", tmp.s, tmp.len);
		}
		kw_jw_obj(&w, "description");
		kw_jw_strz(&w, "text", r->target ? r->target : "the audited root");
		kw_jw_end(&w);
		kw_jw_end(&w);
		kw_jw_end(&w);
	}

	/* results in the caller's order (sorted by severity): what a reader sees first */
	kw_jw_arr(&w, "results");
	for (size_t i = 0; r->findings && i < r->findings->n && !w.err; i++)
		result(&w, r, &r->findings->v[i], g.check_of[i], &tmp);
	kw_jw_end(&w);

	kw_jw_obj(&w, "properties");
	kw_jw_strz(&w, "command", r->command);
	kw_jw_strz(&w, "target", r->target);
	kw_jw_strz(&w, "profile", r->profile);
	kw_jw_strz(&w, "failOn", kw_fail_on_name(r->fail_on));
	kw_jw_end(&w);

	kw_jw_end(&w);
	kw_jw_end(&w);
	kw_jw_end(&w);
	int rc = kw_jw_finish(&w);
	kw_sb_release(&tmp);
	kw_rgroups_release(&g);
	return rc;
}
