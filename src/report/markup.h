/* markup.h — target text made safe for the markup formats: XML and HTML (entities),
 * Markdown (backslashes), URIs (percent-encoding) and Prometheus label values. Each
 * first applies kw_escape (base/escape.h), so no control character, invalid UTF-8 or
 * bidirectional override
 * survives, then the format's own escaping, so no target text can become markup: no
 * element, attribute, link, mention, table cell boundary or emphasis.
 *
 * The writers append to a kw_sb; the caller writes the buffer out (streaming, block by
 * block). Errors (no memory) are sticky in the kw_sb's overflow flag or returned.
 */
#ifndef KW_REPORT_MARKUP_H
#define KW_REPORT_MARKUP_H

#include "base/buf.h"

#include <stddef.h>

/* XML/HTML text or attribute value: & < > " ' become entities. NULL appends nothing. */
int kw_xml_put(kw_sb *sb, const char *s, size_t n);
int kw_xml_puts(kw_sb *sb, const char *s);
/* Markdown inline text (also inside a table cell): each of \ ` * _ [ ] < > | ! # & . : @ ~
 * gets a backslash, which CommonMark renders as the character itself and which breaks
 * links, autolinks ("www." and "scheme:"), @mentions, #references, emphasis, HTML,
 * entities and "|" cell boundaries. Never use it inside a code span. */
int kw_md_puts(kw_sb *sb, const char *s);
/* A Prometheus label value: backslash and quote get a backslash (kw_escape already made
 * a newline the two characters \n). NULL appends nothing. */
int kw_prom_label_puts(kw_sb *sb, const char *s);
/* A path as a URI reference: bytes outside RFC 3986 unreserved, sub-delims, ":", "@"
 * and "/" are percent-encoded (the raw bytes, so any file name round-trips). */
int kw_uri_puts(kw_sb *sb, const char *s, size_t n);

#endif
