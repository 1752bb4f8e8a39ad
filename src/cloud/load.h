/* load.h — `keyward cloud` inputs: read a JSON file, tell its kind from its top-level keys,
 * and hand it to the provider's reader, which adds records to the model (model.h).
 *
 * Kinds (kw_cloud_kind) by their keys:
 *   SecurityGroups (array of objects)             aws describe-security-groups
 *   SecurityGroupRules                            aws describe-security-group-rules
 *   Reservations                                  aws describe-instances
 *   LaunchTemplateVersions                        aws describe-launch-template-versions
 *   Permissions.Permission                        alibaba DescribeSecurityGroupAttribute
 *   Instances.Instance                            alibaba DescribeInstances
 *   LaunchTemplateVersionSets.LaunchTemplateVersionSet  alibaba DescribeLaunchTemplateVersions
 *   format_version + planned_values / resource_changes  terraform plan
 *   format_version + values                       terraform state
 *   version (a number) + resources + terraform_version  a raw terraform.tfstate
 *   ImageId / KeyName / MinCount ...              aws run-instances request
 *   PasswordInherit / KeyPairName / Action ...    alibaba RunInstances / CreateInstance
 * A top-level array holds several documents (`jq -s` of many exports); each is detected on
 * its own. A document of no known kind is an error naming the kinds keyward reads.
 *
 * Readers never give up on a record silently: a field of the wrong type is a diagnostic
 * (FILE: #/pointer: message) and the record is kept with what is unknown marked unknown
 * (an unreadable port range is "any port", an unreadable source is KW_SRC_UNKNOWN), so a
 * broken export can never read as a safe one.
 */
#ifndef KW_CLOUD_LOAD_H
#define KW_CLOUD_LOAD_H

#include "base/diag.h"
#include "cloud/jsonin.h"
#include "cloud/model.h"

typedef struct kw_cloud_read_ctx {
	kw_cloud_model *m;
	const char *file;          /* arena copy: the name origins and diagnostics use */
	kw_diags *d;
	kw_jptr ptr;               /* where the reader is; readers push and pop */
	kw_cloud_provider force;   /* --provider for a launch request (KW_CLOUD_ANY: detect) */
	size_t records;            /* rules + instances + launches added */
} kw_cloud_read_ctx;

/* The current pointer as an arena string "FILE#/…". NULL on ENOMEM. */
const char *kw_cloud_origin(kw_cloud_read_ctx *x);
/* A diagnostic at the current pointer: "#/a/0: MSG" for x->file. 0 or -ENOMEM. */
int kw_cloud_diag(kw_cloud_read_ctx *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What kind of document doc is (a JSON object); KW_KIND_UNKNOWN if none. force settles a
 * launch request whose provider its keys do not tell. */
kw_cloud_kind kw_cloud_detect(const json_t *doc, kw_cloud_provider force);

/* The readers: add what doc holds to x->m. 0, KW_E_PARSE when the document's shape is
 * wrong where nothing can be read (also a fatal diagnostic), or -ENOMEM. */
int kw_cloud_read_aws(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc);
int kw_cloud_read_alibaba(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc);
int kw_cloud_read_terraform(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc);

/* Load one file ("-" = stdin) into m: parse under lim, detect, read. Problems go to d
 * (fatal ones for a file that could not be read at all). 0, a negative code for a file
 * that gave nothing (already in d), or -ENOMEM. */
int kw_cloud_load_file(kw_cloud_model *m, const char *path, const kw_json_limits *lim,
		       kw_cloud_provider force, kw_diags *d);
/* The same for text in memory (fuzzing, tests); name is what origins call it. */
int kw_cloud_load_text(kw_cloud_model *m, const char *name, const char *text, size_t n,
		       const kw_json_limits *lim, kw_cloud_provider force, kw_diags *d);

#endif
