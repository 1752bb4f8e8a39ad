/* fuzz_escape.c — libFuzzer harness for kw_escape (src/base/escape.c) and for the
 * renderers that rely on it (src/report).
 * Owner: report/finding-model engineer.
 *
 * Properties checked on every input:
 *  - the escaped text is valid UTF-8 (json_stringn accepts it) with no C0 control, DEL,
 *    C1 control, bidi override/isolate, LRM/RLM, ALM or BOM left in it;
 *  - text kw_escape_is_clean() calls clean comes out unchanged;
 *  - kw_escape_append after existing content only appends;
 *  - a report whose target, finding strings and diagnostics are the input renders as
 *    text with no raw ESC or forged line, and as JSON that jansson parses back with the
 *    escaped target in "target";
 *  - the markup escapes (report/markup.h): XML/HTML text has no < > " ' and every & starts
 *    an entity; Markdown has every special character behind a backslash; a URI holds only
 *    RFC 3986 characters and percent-decodes back to the input;
 *  - the same report renders as SARIF that jansson parses, and as JUnit, Markdown, HTML
 *    and Prometheus text with no control character other than newline. */
#include "base/buf.h"
#include "base/diag.h"
#include "base/escape.h"
#include "checks/finding.h"
#include "report/markup.h"
#include "report/report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode one UTF-8 sequence the way a strict reader would: length, or 0 if invalid. */
static size_t dec(const unsigned char *p, size_t n, unsigned *cp)
{
	if (p[0] < 0x80) { *cp = p[0]; return 1; }
	size_t len = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (!len || n < len)
		return 0;
	unsigned c = p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	*cp = c;
	return len;
}

static void check_safe(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n); /* jansson refuses invalid UTF-8 */
	if (!j)
		abort();
	json_decref(j);
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = dec((const unsigned char *)s + i, n - i, &cp);
		if (!k)
			abort();
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0xfeff || cp == 0xfffe ||
		    cp == 0xffff)
			abort();
		i += k;
	}
}

static char *render(const kw_report *r, kw_format fmt, bool color, size_t *len)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, len);
	if (!f)
		return NULL;
	int rc = kw_report_render(f, fmt, r, color, 1);
	fclose(f);
	if (rc < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void check_markup(const uint8_t *data, size_t size)
{
	kw_sb sb;
	kw_sb_init(&sb);
	if (kw_xml_put(&sb, (const char *)data, size) == 0) {
		check_safe(sb.s ? sb.s : "", sb.len);
		static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
		for (size_t i = 0; i < sb.len; i++) {
			if (strchr("<>\"'", sb.s[i]))
				abort();
			if (sb.s[i] == '&') {
				bool ok = false;
				for (size_t k = 0; k < 5 && !ok; k++)
					ok = !strncmp(sb.s + i, ents[k], strlen(ents[k]));
				if (!ok)
					abort();
			}
		}
	}
	kw_sb_clear(&sb);
	char *z = strndup((const char *)data, size);
	if (z && kw_md_puts(&sb, z) == 0) {
		for (size_t i = 0; i < sb.len; i++) {
			if (sb.s[i] == '\\' && i + 1 < sb.len && strchr("\\`*_[]<>|!#&.:@~", sb.s[i + 1]) && sb.s[i + 1]) {
				i++; /* an escaped character */
				continue;
			}
			if (sb.s[i] && strchr("`*_[]<>|!#&.:@~", sb.s[i]))
				abort();
		}
	}
	free(z);
	kw_sb_clear(&sb);
	if (kw_uri_puts(&sb, (const char *)data, size) == 0) {
		size_t o = 0;
		for (size_t i = 0; i < sb.len; i++, o++) {
			unsigned char c = (unsigned char)sb.s[i];
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%", c) || !c)
				abort();
			if (c == '%') {
				unsigned v;
				if (i + 2 >= sb.len + 0 || sscanf(sb.s + i + 1, "%2X", &v) != 1)
					abort();
				c = (unsigned char)v;
				i += 2;
			}
			if (o >= size || data[o] != c)
				abort();
		}
		if (o != size)
			abort();
	}
	kw_sb_release(&sb);
}

static void check_no_controls(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x20 && t[i] != '\n')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *e = kw_escape_dup(data, size);
	if (!e)
		return 0;
	size_t elen = strlen(e);
	check_safe(e, elen);
	if (kw_escape_is_clean(data, size) && (elen != size || memcmp(e, data, size)))
		abort();
	if (!kw_escape_is_clean(data, size) && elen == size && !memcmp(e, data, size))
		abort();

	kw_sb sb;
	kw_sb_init(&sb);
	if (kw_sb_puts(&sb, "pre:") == 0 && kw_escape_append(&sb, data, size) == 0)
		if (sb.len != 4 + elen || memcmp(sb.s, "pre:", 4) || memcmp(sb.s + 4, e, elen))
			abort();
	kw_sb_release(&sb);

	/* the input, up to its first NUL, as every string of a report */
	char *s = strndup((const char *)data, size);
	if (!s) {
		free(e);
		return 0;
	}
	static const kw_check_def c = { .id = "accounts.empty-password", .severity = KW_SEV_CRITICAL,
					.title = "t", .rationale = "r", .remediation = "x. y" };
	kw_findings fs = { 0 };
	kw_diags d = { 0 };
	kw_findings_add(&fs, &c, s, s, 3, s, "account %s", s);
	kw_diags_add(&d, s, 1, -1, "%s", s);
	kw_report rep = {
		.command = "audit", .target = s, .profile = s, .version = "0", .started = s,
		.findings = &fs, .diags = &d, .checks_run = 1, .fail_on = KW_SEV_HIGH, .exit_code = 1,
	};
	size_t len = 0;
	char *t = render(&rep, KW_FMT_TEXT, false, &len);
	if (t) {
		if (memchr(t, 0x1b, len) || strstr(t, "\nCRITICAL  accounts.fake"))
			abort();
		/* header, blank, 2 finding lines + fix + why, blank, errors: + 1, blank, summary */
		size_t lines = 0;
		for (size_t i = 0; i < len; i++)
			lines += t[i] == '\n';
		if (lines != 11)
			abort();
		free(t);
	}
	t = render(&rep, KW_FMT_TEXT, true, &len);
	free(t);
	t = render(&rep, KW_FMT_JSON, false, &len);
	if (t) {
		json_t *root = json_loadb(t, len, 0, NULL);
		if (!root)
			abort();
		const char *tgt = json_string_value(json_object_get(root, "target"));
		char *es = kw_escape_str(s);
		if (!tgt || !es || strcmp(tgt, es))
			abort();
		free(es);
		json_decref(root);
		free(t);
	}
	const kw_check_def *checks[] = { &c };
	rep.checks = checks;
	rep.n_checks = 1;
	rep.root = s;
	rep.host = s;
	t = render(&rep, KW_FMT_SARIF, false, &len);
	if (t) {
		json_t *root = json_loadb(t, len, 0, NULL);
		if (!root)
			abort();
		json_decref(root);
		free(t);
	}
	for (kw_format f = KW_FMT_JUNIT; f < KW_FMT__COUNT; f++) {
		t = render(&rep, f, false, &len);
		if (t)
			check_no_controls(t, len);
		free(t);
	}
	check_markup(data, size);
	kw_findings_release(&fs);
	kw_diags_release(&d);
	free(s);
	free(e);
	return 0;
}
