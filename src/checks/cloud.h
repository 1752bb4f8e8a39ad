/* cloud.h — the checks of `keyward cloud` (checks/cloud.c): the normalised model and its
 * exposure in, findings out through kw_emit (profiles and waivers apply as everywhere).
 * Severity follows exposure context: an instance with a public address is worse than one
 * without, a group no instance uses is judged lower than one in use. Pure: no I/O. */
#ifndef KW_CHECKS_CLOUD_H
#define KW_CHECKS_CLOUD_H

#include "checks/checks.h"
#include "cloud/exposure.h"
#include "cloud/model.h"

/* 0 or -ENOMEM */
int kw_cloud_checks(const kw_profile *p, const kw_cloud_model *m, const kw_exposure *e,
		    kw_findings *out);
/* the table (for --list-checks and check-id validation) */
const kw_check_def *kw_cloud_check_defs(size_t *n);
const kw_check_def *kw_cloud_check_find(const char *id);

/* How reports name a subject: "i-0abc (web)", "sg-1 (bastion)", "RunInstances request". */
size_t kw_cloud_subject_name(const kw_cloud_model *m, const kw_expo_subject *s, char *out,
			     size_t cap);

#endif
