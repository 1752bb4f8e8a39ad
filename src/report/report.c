/* report.c — the renderer entry points (format names, dispatch) and the helpers the text
 * and JSON renderers share: tallies, escaping into a string builder, stream errors.
 *
 * Owner: report/finding-model engineer. Renderers print what they are given: the exit
 * code, fail-on level and check count come from the caller; the only arithmetic here is
 * counting what is in the lists.
 */
#include "report/report.h"
#include "report/out.h"
#include "report/render.h"
#include "base/err.h"
#include "base/escape.h"

#include <string.h>
#include <strings.h>

static const char *const format_names[KW_FMT__COUNT] = {
	[KW_FMT_TEXT] = "text",         [KW_FMT_JSON] = "json",   [KW_FMT_SARIF] = "sarif",
	[KW_FMT_JUNIT] = "junit",       [KW_FMT_MARKDOWN] = "markdown",
	[KW_FMT_HTML] = "html",         [KW_FMT_PROMETHEUS] = "prometheus",
};

int kw_format_parse(const char *s, kw_format *ret)
{
	if (!s)
		return KW_E_USAGE;
	for (int f = 0; f < KW_FMT__COUNT; f++)
		if (!strcasecmp(s, format_names[f])) {
			*ret = (kw_format)f;
			return 0;
		}
	if (!strcasecmp(s, "md")) {
		*ret = KW_FMT_MARKDOWN;
		return 0;
	}
	return KW_E_USAGE;
}

const char *kw_format_name(kw_format f)
{
	return (unsigned)f < KW_FMT__COUNT ? format_names[f] : "?";
}

void kw_report_tally(const kw_report *r, kw_tally *t)
{
	*t = (kw_tally){ 0 };
	if (r->findings)
		for (size_t i = 0; i < r->findings->n; i++) {
			const kw_finding *f = &r->findings->v[i];
			if (f->waived) {
				t->waived++;
				continue;
			}
			t->total++;
			if ((unsigned)f->severity < KW_SEV__COUNT)
				t->by_sev[f->severity]++;
		}
	if (r->diags) {
		t->errors = r->diags->n;
		for (size_t i = 0; i < r->diags->n; i++)
			if (r->diags->v[i].fatal)
				t->fatal++;
	}
	if (r->waivers)
		for (size_t i = 0; i < r->waivers->n; i++) {
			if (r->waivers->v[i].expired)
				t->waivers_expired++;
			else if (!r->waivers->v[i].used)
				t->waivers_unused++;
		}
}

int kw_report_esc(kw_sb *sb, const char *s)
{
	if (!s)
		return 0;
	return kw_escape_append(sb, s, strlen(s));
}

size_t kw_report_first_sentence(const char *s)
{
	if (!s)
		return 0;
	const char *p = strstr(s, ". ");
	return p ? (size_t)(p - s) + 1 : strlen(s);
}

int kw_report_flush_sb(FILE *out, kw_sb *sb)
{
	if (sb->overflow)
		return KW_E_TOOBIG;
	if (sb->len && fwrite(sb->s, 1, sb->len, out) != sb->len)
		return -EIO;
	kw_sb_clear(sb);
	return ferror(out) ? -EIO : 0;
}

void kw_rout_init(kw_rout *o, FILE *out)
{
	o->out = out;
	kw_sb_init(&o->sb);
	o->err = 0;
}

void kw_rout_flush(kw_rout *o)
{
	int r = kw_report_flush_sb(o->out, &o->sb);
	if (r < 0 && !o->err)
		o->err = r;
}

void kw_rout_block(kw_rout *o)
{
	if (o->sb.len > 65536)
		kw_rout_flush(o);
}

int kw_rout_finish(kw_rout *o)
{
	kw_rout_flush(o);
	if (o->sb.overflow && !o->err)
		o->err = -ENOMEM;
	kw_sb_release(&o->sb);
	return o->err;
}

/* The stream may buffer: a failed write shows only at flush. */
static int finish(FILE *out, int r)
{
	int f = kw_out_finish(out);
	return f < 0 && (r >= 0 || r == -EIO) ? f : r;
}

int kw_report_render(FILE *out, kw_format fmt, const kw_report *r, bool color, int verbosity)
{
	if (!out || !r)
		return -EINVAL;
	switch (fmt) {
	case KW_FMT_TEXT:
		return finish(out, kw_report_render_text(out, r, color, verbosity));
	case KW_FMT_JSON:
		return finish(out, kw_report_render_json(out, r));
	case KW_FMT_SARIF:
		return finish(out, kw_report_render_sarif(out, r));
	case KW_FMT_JUNIT:
		return finish(out, kw_report_render_junit(out, r));
	case KW_FMT_MARKDOWN:
		return finish(out, kw_report_render_markdown(out, r));
	case KW_FMT_HTML:
		return finish(out, kw_report_render_html(out, r));
	case KW_FMT_PROMETHEUS:
		return finish(out, kw_report_render_prometheus(out, r));
	case KW_FMT__COUNT:
		break;
	}
	return KW_E_USAGE;
}

int kw_report_check_list(FILE *out, kw_format fmt, const kw_check_def *const *checks, size_t n)
{
	if (!out || (!checks && n))
		return -EINVAL;
	switch (fmt) {
	case KW_FMT_TEXT:
		return finish(out, kw_report_check_list_text(out, checks, n));
	case KW_FMT_JSON:
		return finish(out, kw_report_check_list_json(out, checks, n));
	default:
		break;
	}
	return KW_E_USAGE;
}
