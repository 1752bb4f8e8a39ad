/* markup.c — see markup.h. */
#include "report/markup.h"

#include "base/escape.h"

#include <errno.h>
#include <string.h>

/* s[0..n) through kw_escape, then each character through put1 (the format's own
 * escaping). Text with nothing for kw_escape to change (the common case) is not copied. */
static int put_escaped(kw_sb *sb, const char *s, size_t n, int (*put1)(kw_sb *, char))
{
	if (!s)
		return 0;
	kw_sb tmp;
	kw_sb_init(&tmp);
	int r = 0;
	if (!kw_escape_is_clean(s, n)) {
		r = kw_escape_append(&tmp, s, n);
		s = tmp.s ? tmp.s : "";
		n = tmp.len;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put1(sb, s[i]);
	kw_sb_release(&tmp);
	return r;
}

static int xml_char(kw_sb *sb, char c)
{
	switch (c) {
	case '&': return kw_sb_puts(sb, "&amp;");
	case '<': return kw_sb_puts(sb, "&lt;");
	case '>': return kw_sb_puts(sb, "&gt;");
	case '"': return kw_sb_puts(sb, "&quot;");
	case '\'': return kw_sb_puts(sb, "&#39;");
	default: return kw_sb_putc(sb, c);
	}
}

/* What can start markup inline: code, emphasis, links and images, HTML and entities,
 * cell boundaries, strikethrough, mentions, issue references, and the "www." and
 * "scheme:" of autolinks. */
#define MD_SPECIAL "\\`*_[]<>|!#&.:@~"

static int md_char(kw_sb *sb, char c)
{
	if (c && strchr(MD_SPECIAL, c) && kw_sb_putc(sb, '\\') < 0)
		return -ENOMEM;
	return kw_sb_putc(sb, c);
}

static int prom_char(kw_sb *sb, char c)
{
	if ((c == '\\' || c == '"') && kw_sb_putc(sb, '\\') < 0)
		return -ENOMEM;
	return kw_sb_putc(sb, c);
}

int kw_xml_put(kw_sb *sb, const char *s, size_t n)
{
	return put_escaped(sb, s, n, xml_char);
}

int kw_xml_puts(kw_sb *sb, const char *s)
{
	return s ? kw_xml_put(sb, s, strlen(s)) : 0;
}

int kw_md_puts(kw_sb *sb, const char *s)
{
	return s ? put_escaped(sb, s, strlen(s), md_char) : 0;
}

int kw_prom_label_puts(kw_sb *sb, const char *s)
{
	return s ? put_escaped(sb, s, strlen(s), prom_char) : 0;
}

int kw_uri_puts(kw_sb *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    (c && strchr("-._~!$&'()*+,;=:@/", c));
		if (keep) {
			r = kw_sb_putc(sb, (char)c);
		} else {
			char pct[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = kw_sb_put(sb, pct, 3);
		}
	}
	return r;
}
