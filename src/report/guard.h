/* guard.h — render a guard replay report (guard/replay.h) as text, JSON or one
 * self-contained HTML page. Renderers never compute: sorting and counting happened in
 * the replay. Every string from the log (user names, host names) is escaped (kw_escape,
 * then HTML markup escaping for HTML). The report's `top` limits the sources and users listed (0 = all).
 */
#ifndef KW_REPORT_GUARD_H
#define KW_REPORT_GUARD_H

#include "guard/replay.h"

#include <stdio.h>

int kw_greport_render_text(FILE *out, const kw_greport *r);
int kw_greport_render_json(FILE *out, const kw_greport *r);
int kw_greport_render_html(FILE *out, const kw_greport *r);

/* "2025-03-01T00:00:00Z" into out[cap >= 24]; "-" for 0. Shared with the guard command. */
void kw_gtime_iso(int64_t s, char *out, size_t cap);

#endif
