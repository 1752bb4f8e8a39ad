/* findings.h — a list of findings as the keys and scan reports show it: text grouped by
 * severity (critical first) with a count line, and one JSON object per finding. Every
 * string from a target is escaped. */
#ifndef KW_REPORT_FINDINGS_H
#define KW_REPORT_FINDINGS_H

#include "checks/finding.h"
#include "report/jsonw.h"

#include <stdbool.h>
#include <stdio.h>

/* "\nfindings: N (...)\n" then each finding:
 *   HIGH      keys.dsa  a DSA key grants access
 *             [target  ]alice  /home/alice/.ssh/authorized_keys:3  SHA256:...
 *             evidence
 * show_target: print the finding's target first (scan: the server). */
void kw_findings_text(FILE *out, const kw_findings *fs, bool show_target);
/* {"id", "severity", "title", "account", "path", "line", "fingerprint", "evidence"}, and
 * "target" when show_target */
void kw_finding_json(kw_jw *w, const kw_finding *f, bool show_target);

#endif
