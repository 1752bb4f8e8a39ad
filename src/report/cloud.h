/* cloud.h — `keyward cloud` results as text and JSON ("keyward-cloud" version 1,
 * described in docs/cloud.md): the inputs and their kinds, what the internet reaches per
 * instance, launch and group, then the findings; and `--records`, the normalised model
 * one JSON object per line (what keyward understood of the inputs). Every string taken
 * from an input is escaped; renderers compute nothing. */
#ifndef KW_REPORT_CLOUD_H
#define KW_REPORT_CLOUD_H

#include "base/diag.h"
#include "checks/finding.h"
#include "cloud/exposure.h"
#include "cloud/model.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct kw_cloud_report {
	const char *version;
	const char *started;        /* ISO 8601 UTC */
	double seconds;
	const char *profile;
	const kw_cloud_model *m;
	const kw_exposure *e;
	const kw_findings *findings; /* sorted */
	const kw_diags *diags;      /* problems met in the inputs */
	int exit_code;
} kw_cloud_report;

/* 0 or -EIO */
int kw_cloud_render_text(FILE *out, const kw_cloud_report *r);
int kw_cloud_render_json(FILE *out, const kw_cloud_report *r);
int kw_cloud_render_records(FILE *out, const kw_cloud_model *m);

#endif
