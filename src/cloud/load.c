/* load.c — tell a cloud document's kind from its keys and hand it to its reader (load.h). */
#include "cloud/load.h"

#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kw_cloud_origin(kw_cloud_read_ctx *x)
{
	char buf[1024];
	size_t n = kw_jptr_format(&x->ptr, x->file, buf, sizeof buf);
	return kw_cloud_strn(x->m, buf, n);
}

int kw_cloud_diag(kw_cloud_read_ctx *x, int err, const char *fmt, ...)
{
	char ptr[512], text[512];
	kw_jptr_format(&x->ptr, NULL, ptr, sizeof ptr);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return kw_diags_add(x->d, x->file, 0, err, "%s: %s", ptr, text);
}

/* ---- detection ---- */

static bool has(const json_t *doc, const char *key)
{
	const json_t *v = json_object_get(doc, key);
	return v && !json_is_null(v);
}

static bool str_is(const json_t *doc, const char *key, const char *want)
{
	const json_t *v = json_object_get(doc, key);
	return v && json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static bool str_starts(const json_t *doc, const char *key, const char *prefix)
{
	const json_t *v = json_object_get(doc, key);
	return v && json_is_string(v) && strncmp(json_string_value(v), prefix, strlen(prefix)) == 0;
}

/* keys only one provider's launch request has */
static const char *const ali_launch_keys[] = {
	"PasswordInherit", "KeyPairName", "InternetMaxBandwidthOut", "SecurityGroupId",
	"RegionId", "InstanceChargeType", "VSwitchId", "SystemDisk", "ImageFamily",
};
static const char *const aws_launch_keys[] = {
	"KeyName", "MinCount", "MaxCount", "LaunchTemplate", "BlockDeviceMappings",
	"IamInstanceProfile", "MetadataOptions", "TagSpecifications", "SubnetId",
};

kw_cloud_kind kw_cloud_detect(const json_t *doc, kw_cloud_provider force)
{
	if (!json_is_object(doc))
		return KW_KIND_UNKNOWN;
	if (has(doc, "format_version")) {
		if (has(doc, "planned_values") || has(doc, "resource_changes"))
			return KW_KIND_TF_PLAN;
		return KW_KIND_TF_STATE;
	}
	/* a raw terraform.tfstate (not through `terraform show -json`) */
	const json_t *ver = json_object_get(doc, "version");
	if (ver && json_is_integer(ver) && json_is_array(json_object_get(doc, "resources")) &&
	    has(doc, "terraform_version"))
		return KW_KIND_TF_STATE;
	/* describe-security-groups; a run-instances request also has SecurityGroups: names */
	const json_t *sg = json_object_get(doc, "SecurityGroups");
	if (sg && json_is_array(sg) && !json_is_string(json_array_get(sg, 0)) &&
	    !has(doc, "MinCount") && !has(doc, "MaxCount") && !has(doc, "ImageId"))
		return KW_KIND_AWS_SECURITY_GROUPS;
	if (has(doc, "SecurityGroupRules"))
		return KW_KIND_AWS_SECURITY_GROUP_RULES;
	if (has(doc, "Reservations"))
		return KW_KIND_AWS_INSTANCES;
	if (has(doc, "LaunchTemplateVersions"))
		return KW_KIND_AWS_LAUNCH_TEMPLATES;
	if (has(doc, "Permissions"))
		return KW_KIND_ALI_SECURITY_GROUP;
	if (json_is_object(json_object_get(doc, "Instances")))
		return KW_KIND_ALI_INSTANCES;
	if (has(doc, "LaunchTemplateVersionSets"))
		return KW_KIND_ALI_LAUNCH_TEMPLATES;

	/* a launch request: by the keys only one provider uses, then by the image id */
	unsigned ali = 0, aws = 0;
	for (size_t i = 0; i < sizeof ali_launch_keys / sizeof *ali_launch_keys; i++)
		ali += has(doc, ali_launch_keys[i]);
	for (size_t i = 0; i < sizeof aws_launch_keys / sizeof *aws_launch_keys; i++)
		aws += has(doc, aws_launch_keys[i]);
	if (str_is(doc, "Action", "RunInstances") || str_is(doc, "Action", "CreateInstance") ||
	    str_is(doc, "Action", "ReplaceSystemDisk"))
		ali += 2;
	bool launchish = ali || aws || has(doc, "ImageId") || has(doc, "UserData");
	if (!launchish)
		return KW_KIND_UNKNOWN;
	if (force == KW_CLOUD_AWS)
		return KW_KIND_AWS_RUN_REQUEST;
	if (force == KW_CLOUD_ALIBABA)
		return KW_KIND_ALI_RUN_REQUEST;
	if (ali > aws)
		return KW_KIND_ALI_RUN_REQUEST;
	if (aws > ali)
		return KW_KIND_AWS_RUN_REQUEST;
	if (str_starts(doc, "ImageId", "ami-"))
		return KW_KIND_AWS_RUN_REQUEST;
	if (str_starts(doc, "ImageId", "m-") || str_starts(doc, "ImageId", "aliyun_"))
		return KW_KIND_ALI_RUN_REQUEST;
	return KW_KIND_UNKNOWN;
}

/* ---- reading ---- */

static int unknown_kind(kw_cloud_read_ctx *x, const json_t *doc)
{
	char keys[256] = "";
	size_t n = 0, shown = 0;
	if (json_is_object(doc)) {
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)doc, k, v) {
			(void)v;
			if (shown == 6) {
				n += (size_t)snprintf(keys + n, sizeof keys - n, ", ...");
				break;
			}
			int w = snprintf(keys + n, sizeof keys - n, "%s%.40s", shown ? ", " : "", k);
			if (w < 0 || (size_t)w >= sizeof keys - n)
				break;
			n += (size_t)w;
			shown++;
		}
	}
	const char *what = json_is_object(doc) ? "an object" : json_is_array(doc) ? "an array"
							   : "not an object";
	char ptr[256] = "";
	if (x->ptr.n) {
		kw_jptr_format(&x->ptr, NULL, ptr, sizeof ptr - 2);
		strcat(ptr, ": ");
	}
	/* a known shape without rules */
	const json_t *sg = json_is_object(doc) ? json_object_get(doc, "SecurityGroups") : NULL;
	if (sg && json_is_object(sg))
		return kw_diags_add_fatal(x->d, x->file, 0, KW_E_UNSUPPORTED,
			"an Alibaba DescribeSecurityGroups list has no rules: export each group with "
			"`aliyun ecs DescribeSecurityGroupAttribute --SecurityGroupId ID`") < 0
			       ? -ENOMEM : KW_E_UNSUPPORTED;
	if (kw_diags_add_fatal(x->d, x->file, 0, KW_E_UNSUPPORTED,
			       "%s%s of no kind keyward reads%s%s%s; it reads aws describe-security-groups, "
			       "describe-security-group-rules, describe-instances, "
			       "describe-launch-template-versions and run-instances requests; alibaba "
			       "DescribeSecurityGroupAttribute, DescribeInstances, "
			       "DescribeLaunchTemplateVersions and RunInstances/CreateInstance requests; "
			       "terraform show -json of a plan or a state (a launch request whose "
			       "provider is unclear: --provider)",
			       ptr, what, shown ? " (keys: " : "", keys, shown ? ")" : "") < 0)
		return -ENOMEM;
	return KW_E_UNSUPPORTED;
}

static int read_doc(kw_cloud_read_ctx *x, const json_t *doc, kw_cloud_kind *ret_kind)
{
	kw_cloud_kind k = kw_cloud_detect(doc, x->force);
	*ret_kind = k;
	switch (k) {
	case KW_KIND_AWS_SECURITY_GROUPS:
	case KW_KIND_AWS_SECURITY_GROUP_RULES:
	case KW_KIND_AWS_INSTANCES:
	case KW_KIND_AWS_LAUNCH_TEMPLATES:
	case KW_KIND_AWS_RUN_REQUEST:
		return kw_cloud_read_aws(x, k, doc);
	case KW_KIND_ALI_SECURITY_GROUP:
	case KW_KIND_ALI_INSTANCES:
	case KW_KIND_ALI_LAUNCH_TEMPLATES:
	case KW_KIND_ALI_RUN_REQUEST:
		return kw_cloud_read_alibaba(x, k, doc);
	case KW_KIND_TF_PLAN:
	case KW_KIND_TF_STATE:
		return kw_cloud_read_terraform(x, k, doc);
	default:
		return unknown_kind(x, doc);
	}
}

typedef struct root_ctx {
	kw_cloud_read_ctx x;
	kw_cloud_kind kind;
	size_t docs, good;
	int first_err;
} root_ctx;

static int read_one(void *ctx_, size_t index, json_t *doc)
{
	root_ctx *c = ctx_;
	kw_cloud_kind k;
	if (index != SIZE_MAX)
		kw_jptr_idx(&c->x.ptr, index);
	int r = read_doc(&c->x, doc, &k);
	if (index != SIZE_MAX)
		kw_jptr_pop(&c->x.ptr);
	c->docs++;
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		c->good++;
		if (c->kind == KW_KIND_UNKNOWN)
			c->kind = k;
	} else if (c->first_err == 0) {
		c->first_err = r;
	}
	return 0;
}

/* text (the file's bytes) into m, one document at a time for a top-level array */
static int read_text(kw_cloud_model *m, const char *name, const char *text, size_t n,
		     const kw_json_limits *lim, kw_cloud_provider force, kw_diags *d)
{
	root_ctx c = { .x = { .m = m, .d = d, .force = force } };
	c.x.file = kw_cloud_str(m, name);
	if (!c.x.file)
		return -ENOMEM;
	char msg[256];
	int rc = kw_json_parse_each(text, n, lim, read_one, &c, msg, sizeof msg);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		/* the documents before a broken one are kept; the file is still a problem */
		if (kw_diags_add_fatal(d, c.x.file, 0, rc, "%s", msg) < 0)
			return -ENOMEM;
	} else {
		rc = c.good ? 0 : c.first_err;
	}
	kw_cloud_input *in = kw_cloud_input_add(m);
	if (!in)
		return -ENOMEM;
	in->file = c.x.file;
	in->kind = (uint8_t)c.kind;
	in->records = c.x.records;
	return rc;
}

int kw_cloud_load_text(kw_cloud_model *m, const char *name, const char *text, size_t n,
		       const kw_json_limits *lim, kw_cloud_provider force, kw_diags *d)
{
	return read_text(m, name, text, n, lim, force, d);
}

int kw_cloud_load_file(kw_cloud_model *m, const char *path, const kw_json_limits *lim,
		       kw_cloud_provider force, kw_diags *d)
{
	char msg[256];
	char *text = NULL;
	size_t n = 0;
	int rc = kw_json_read_file(path, lim, &text, &n, msg, sizeof msg);
	if (rc < 0)
		return kw_diags_add_fatal(d, path, 0, rc, "%s", msg) < 0 ? -ENOMEM : rc;
	rc = read_text(m, strcmp(path, "-") == 0 ? "(stdin)" : path, text, n, lim, force, d);
	free(text);
	return rc;
}
