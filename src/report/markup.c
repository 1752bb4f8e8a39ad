/* markup.c — see markup.h. */
#include "report/markup.h"

#include "base/escape.h"

#include <errno.h>
#include <string.h>

int kw_xml_put(kw_sb *sb, const char *s, size_t n)
{
	if (!s)
		return 0;
	kw_sb e;
	kw_sb_init(&e);
	int r = kw_escape_append(&e, s, n);
	for (size_t i = 0; r == 0 && i < e.len; i++) {
		switch (e.s[i]) {
		case '&': r = kw_sb_puts(sb, "&amp;"); break;
		case '<': r = kw_sb_puts(sb, "&lt;"); break;
		case '>': r = kw_sb_puts(sb, "&gt;"); break;
		case '"': r = kw_sb_puts(sb, "&quot;"); break;
		case '\'': r = kw_sb_puts(sb, "&#39;"); break;
		default: r = kw_sb_putc(sb, e.s[i]);
		}
	}
	kw_sb_release(&e);
	return r;
}

int kw_xml_puts(kw_sb *sb, const char *s)
{
	return s ? kw_xml_put(sb, s, strlen(s)) : 0;
}

/* What can start markup inline: code, emphasis, links and images, HTML and entities,
 * cell boundaries, strikethrough, mentions, issue references, and the "www." and
 * "scheme:" of autolinks. */
#define MD_SPECIAL "\\`*_[]<>|!#&.:@~"

int kw_md_puts(kw_sb *sb, const char *s)
{
	if (!s)
		return 0;
	kw_sb e;
	kw_sb_init(&e);
	int r = kw_escape_append(&e, s, strlen(s));
	for (size_t i = 0; r == 0 && i < e.len; i++) {
		unsigned char c = (unsigned char)e.s[i];
		if (c && strchr(MD_SPECIAL, c))
			r = kw_sb_putc(sb, '\\');
		if (r == 0)
			r = kw_sb_putc(sb, (char)c);
	}
	kw_sb_release(&e);
	return r;
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
