/* cloud_policy.c — see cloud_policy.h.
 *
 * Text: comment headers wrapped at WRAP columns, then each document exactly as embedded
 * (data/policies/NAME.json); with a name, only the bare document. JSON: one jansson
 * document whose "document" members are the embedded texts parsed. Everything printed
 * here is keyward's own text: nothing from an input reaches this renderer.
 */
#include "report/cloud_policy.h"

#include "report/out.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#define WRAP 88
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* text as comment lines: first line starts with first, later ones with cont; words are
 * never split (a URL longer than the line stays whole). */
static void wrap(FILE *out, const char *first, const char *cont, const char *text)
{
	const char *prefix = first;
	size_t col = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t w = strcspn(p, " ");
		if (col && col + 1 + w > WRAP) {
			fputc('\n', out);
			col = 0;
		}
		if (!col) {
			fputs(prefix, out);
			col = strlen(prefix);
			prefix = cont;
		} else {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
	}
	if (col)
		fputc('\n', out);
}

static bool wanted(const kw_cloud_policy *c, kw_cloud_provider p)
{
	return p == KW_CLOUD_ANY || c->provider == p;
}

static void text_policy(FILE *out, const kw_cloud_policy *c)
{
	char first[160];
	snprintf(first, sizeof first, "# %s: ", c->name);
	wrap(out, first, "#   ", c->title);
	wrap(out, "# attach to: ", "#   ", c->attach);
	fputs("#\n", out);
	wrap(out, "# ", "# ", c->explain);
	fputs("#\n", out);
	wrap(out, "# source: ", "#   ", c->source);
	if (c->derived)
		fputs("# DERIVED: built from documented condition keys, not quoted: check it against the\n"
		      "# live documentation (and in a test account) before relying on it.\n", out);
	fwrite(c->json, 1, c->len, out);
	if (c->len && c->json[c->len - 1] != '\n')
		fputc('\n', out);
}

static void text_limits(FILE *out, kw_cloud_provider p)
{
	fputs("# What policy cannot enforce, and what to use instead:\n", out);
	for (const char *const *l = kw_cloud_policy_limits(p); *l; l++) {
		fputs("#\n", out);
		wrap(out, "# ", "# ", *l);
	}
}

static int render_text(FILE *out, kw_cloud_provider p, const kw_cloud_policy *one)
{
	if (one) {
		fwrite(one->json, 1, one->len, out);
		return kw_out_finish(out);
	}
	size_t n;
	const kw_cloud_policy *t = kw_cloud_policies(&n);
	for (size_t i = 0; i < n; i++) {
		if (!wanted(&t[i], p))
			continue;
		text_policy(out, &t[i]);
		fputc('\n', out);
	}
	text_limits(out, p);
	return kw_out_finish(out);
}

/* json_object_set_new / json_array_append_new, remembering a failure */
static void oset(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static void aput(json_t *a, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(a, v) != 0)
		*ok = false;
}

static json_t *json_policy(const kw_cloud_policy *c, bool *ok)
{
	json_t *o = json_object();
	if (!o) {
		*ok = false;
		return NULL;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(c->json, c->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc))
		*ok = false; /* a broken data file: the unit test catches it */
	oset(o, "name", json_string(c->name), ok);
	oset(o, "provider", json_string(kw_cloud_provider_name(c->provider)), ok);
	oset(o, "title", json_string(c->title), ok);
	oset(o, "attach", json_string(c->attach), ok);
	oset(o, "explain", json_string(c->explain), ok);
	oset(o, "source", json_string(c->source), ok);
	oset(o, "derived", json_boolean(c->derived), ok);
	oset(o, "document", doc, ok);
	return o;
}

static json_t *json_limits(kw_cloud_provider p, bool *ok)
{
	json_t *a = json_array();
	if (!a) {
		*ok = false;
		return NULL;
	}
	for (const char *const *l = kw_cloud_policy_limits(p); *l; l++)
		aput(a, json_string(*l), ok);
	return a;
}

static int render_json(FILE *out, kw_cloud_provider p, const kw_cloud_policy *one)
{
	bool ok = true;
	if (one)
		p = one->provider;
	json_t *root = json_object();
	if (!root)
		return -ENOMEM;
	oset(root, "format", json_string("keyward-cloud-policy"), &ok);
	oset(root, "version", json_integer(1), &ok);
	oset(root, "provider", json_string(p == KW_CLOUD_ANY ? "all" : kw_cloud_provider_name(p)), &ok);
	json_t *pols = json_array();
	oset(root, "policies", pols, &ok);
	if (pols) {
		size_t n;
		const kw_cloud_policy *t = kw_cloud_policies(&n);
		for (size_t i = 0; i < n; i++)
			if (one ? &t[i] == one : wanted(&t[i], p))
				aput(pols, json_policy(&t[i], &ok), &ok);
	}
	json_t *lim = json_object();
	oset(root, "limits", lim, &ok);
	if (lim) {
		if (p == KW_CLOUD_ANY || p == KW_CLOUD_AWS)
			oset(lim, "aws", json_limits(KW_CLOUD_AWS, &ok), &ok);
		if (p == KW_CLOUD_ANY || p == KW_CLOUD_ALIBABA)
			oset(lim, "alibaba", json_limits(KW_CLOUD_ALIBABA, &ok), &ok);
	}
	if (!ok) {
		json_decref(root);
		return -ENOMEM;
	}
	return kw_json_write(out, root, DUMP_FLAGS);
}

int kw_cloud_policy_render(FILE *out, kw_cloud_provider p, const char *name, bool json)
{
	const kw_cloud_policy *one = NULL;
	if (name) {
		one = kw_cloud_policy_find(name);
		if (!one || (p != KW_CLOUD_ANY && one->provider != p))
			return -ENOENT;
	}
	return json ? render_json(out, p, one) : render_text(out, p, one);
}
