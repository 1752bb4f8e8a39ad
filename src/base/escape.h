/* escape.h — make text taken from a target safe to print or embed.
 *
 * Everything that comes from an image, a log, a server or a JSON file (user names, file
 * names, comments, banners) passes through kw_escape() before it reaches a terminal or a
 * report. The output is valid UTF-8 with no C0/C1 control characters, no DEL and no
 * bidirectional-override code points and no U+FFFE/U+FFFF (which XML forbids): those become \n, \t, \r, \\, \xNN or \u{hex code point}.
 * Renderers add their own markup escaping (HTML, XML) on top of this; JSON gets valid
 * UTF-8, which jansson requires.
 */
#ifndef KW_BASE_ESCAPE_H
#define KW_BASE_ESCAPE_H

#include "base/buf.h"

#include <stddef.h>

/* Append the escaped form of p[0..n) to sb. Returns 0 or a negative error. */
int kw_escape_append(kw_sb *sb, const void *p, size_t n);

/* New escaped copy (caller frees); NULL on ENOMEM. */
char *kw_escape_dup(const void *p, size_t n);
char *kw_escape_str(const char *s);

/* True if kw_escape would change nothing (the text is already safe). */
bool kw_escape_is_clean(const void *p, size_t n);

#endif
