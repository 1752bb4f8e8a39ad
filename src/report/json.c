/* json.c — the machine-readable report, schema "keyward.report/1" (docs/report-schema.md),
 * and the JSON form of `--list-checks`.
 *
 * Owner: report/finding-model engineer. The document is built as a jansson tree, keys in
 * the documented order, then dumped with a 2-space indent and a final newline. Every
 * string that can hold bytes from the target (and, for uniformity, every other string
 * too) goes through kw_escape first: the result is valid UTF-8 without control
 * characters, which is what json_string() requires and what a CI log viewer can show.
 * Null path/line/account are omitted from a finding; a diagnostic without a file or line
 * omits those keys too. Any allocation failure gives -ENOMEM, a write failure -EIO.
 */
#include "report/render.h"
#include "base/err.h"
#include "base/escape.h"

#include "report/out.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#define SCHEMA "keyward.report/1"
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* An escaped JSON string, or JSON null for NULL. NULL only on ENOMEM. */
static json_t *jesc(const char *s)
{
	if (!s)
		return json_null();
	char *e = kw_escape_str(s);
	if (!e)
		return NULL;
	json_t *j = json_string(e);
	free(e);
	return j;
}

/* Add value v (stolen) under key k; on any failure remember it. json_object_set_new
 * releases v itself when it fails (also when o is NULL) and fails on a NULL v. */
static void set(json_t *o, const char *k, json_t *v, int *err)
{
	if (json_object_set_new(o, k, v) < 0)
		*err = -ENOMEM;
}

static void append(json_t *a, json_t *v, int *err)
{
	if (json_array_append_new(a, v) < 0)
		*err = -ENOMEM;
}

static json_t *refs_array(const kw_check_def *c, int *err)
{
	json_t *a = json_array();
	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; c && i < KW_MAX_REFS; i++)
		if (c->refs[i] && *c->refs[i])
			append(a, jesc(c->refs[i]), err);
	return a;
}

static json_t *finding_json(const kw_finding *f, int *err)
{
	const kw_check_def *c = f->check;
	json_t *o = json_object();
	set(o, "id", jesc(c ? c->id : NULL), err);
	set(o, "severity", json_string(kw_severity_name(f->severity)), err);
	set(o, "title", jesc(c ? c->title : NULL), err);
	set(o, "target", jesc(f->target ? f->target : ""), err);
	set(o, "evidence", jesc(f->evidence ? f->evidence : ""), err);
	if (f->path)
		set(o, "path", jesc(f->path), err);
	if (f->line)
		set(o, "line", json_integer(f->line), err);
	if (f->account)
		set(o, "account", jesc(f->account), err);
	set(o, "remediation", jesc(c ? c->remediation : NULL), err);
	set(o, "references", refs_array(c, err), err);
	set(o, "waived", json_boolean(f->waived), err);
	if (f->waived) {
		json_t *w = json_object();
		set(w, "reason", jesc(f->waiver_reason), err);
		set(w, "expires", jesc(f->waiver_expires), err);
		set(o, "waiver", w, err);
	}
	if (!o)
		*err = -ENOMEM;
	return o;
}

static json_t *diag_json(const kw_diag *d, int *err)
{
	json_t *o = json_object();
	if (d->file)
		set(o, "file", jesc(d->file), err);
	if (d->line)
		set(o, "line", json_integer(d->line), err);
	set(o, "message", jesc(d->msg ? d->msg : kw_strerror(d->err)), err);
	set(o, "fatal", json_boolean(d->fatal), err);
	if (!o)
		*err = -ENOMEM;
	return o;
}

static json_t *waiver_json(const kw_waiver *w, int *err)
{
	json_t *o = json_object();
	set(o, "id", jesc(w->id), err);
	set(o, "glob", jesc(w->glob ? w->glob : "*"), err);
	set(o, "expires", jesc(w->expires), err);
	set(o, "reason", jesc(w->reason), err);
	set(o, "used", json_boolean(w->used), err);
	set(o, "expired", json_boolean(w->expired), err);
	set(o, "source", jesc(w->source), err);
	if (!o)
		*err = -ENOMEM;
	return o;
}

/* Wall time in seconds, rounded to milliseconds; nonsense (NaN, negative) becomes 0. */
static double clean_seconds(double s)
{
	if (!isfinite(s) || s < 0)
		return 0;
	if (s > 1e12)
		return 1e12;
	return (double)(long long)(s * 1000 + 0.5) / 1000;
}

static json_t *report_json(const kw_report *r, int *err)
{
	kw_tally t;
	kw_report_tally(r, &t);

	json_t *root = json_object();
	set(root, "schema", json_string(SCHEMA), err);
	json_t *tool = json_object();
	set(tool, "name", json_string("keyward"), err);
	set(tool, "version", jesc(r->version), err);
	set(root, "tool", tool, err);
	set(root, "command", jesc(r->command), err);
	set(root, "target", jesc(r->target), err);
	set(root, "profile", jesc(r->profile), err);
	set(root, "started", jesc(r->started), err);
	set(root, "seconds", json_real(clean_seconds(r->seconds)), err);
	set(root, "fail_on", json_string(kw_severity_name(r->fail_on)), err);
	set(root, "exit_code", json_integer(r->exit_code), err);

	json_t *sum = json_object();
	set(sum, "total", json_integer((json_int_t)t.total), err);
	json_t *by = json_object();
	for (int s = KW_SEV_CRITICAL; s >= KW_SEV_INFO; s--)
		set(by, kw_severity_name((kw_severity)s), json_integer((json_int_t)t.by_sev[s]), err);
	set(sum, "by_severity", by, err);
	set(sum, "waived", json_integer((json_int_t)t.waived), err);
	set(sum, "checks_run", json_integer((json_int_t)r->checks_run), err);
	set(sum, "errors", json_integer((json_int_t)t.errors), err);
	set(root, "summary", sum, err);

	json_t *fa = json_array();
	for (size_t i = 0; r->findings && i < r->findings->n && !*err; i++)
		append(fa, finding_json(&r->findings->v[i], err), err);
	set(root, "findings", fa, err);

	json_t *ea = json_array();
	for (size_t i = 0; r->diags && i < r->diags->n && !*err; i++)
		append(ea, diag_json(&r->diags->v[i], err), err);
	set(root, "errors", ea, err);

	json_t *wa = json_array();
	for (size_t i = 0; r->waivers && i < r->waivers->n && !*err; i++)
		append(wa, waiver_json(&r->waivers->v[i], err), err);
	set(root, "waivers", wa, err);

	if (!root)
		*err = -ENOMEM;
	return root;
}

static int dump(FILE *out, json_t *root)
{
	json_incref(root); /* the callers release their own reference */
	return kw_json_write(out, root, DUMP_FLAGS);
}

int kw_report_render_json(FILE *out, const kw_report *r)
{
	int err = 0;
	json_t *root = report_json(r, &err);
	if (!err)
		err = dump(out, root);
	json_decref(root);
	return err;
}

int kw_report_check_list_json(FILE *out, const kw_check_def *const *checks, size_t n)
{
	int err = 0;
	json_t *a = json_array();
	for (size_t i = 0; i < n && !err; i++) {
		const kw_check_def *c = checks[i];
		if (!c)
			continue;
		json_t *o = json_object();
		set(o, "id", jesc(c->id), &err);
		set(o, "severity", json_string(kw_severity_name(c->severity)), &err);
		set(o, "title", jesc(c->title), &err);
		set(o, "rationale", jesc(c->rationale), &err);
		set(o, "remediation", jesc(c->remediation), &err);
		set(o, "references", refs_array(c, &err), &err);
		append(a, o, &err);
	}
	if (!a)
		err = -ENOMEM;
	if (!err)
		err = dump(out, a);
	json_decref(a);
	return err;
}
