/* policy.c — the deny policies `keyward cloud policy` prints (see policy.h).
 *
 * The documents live in data/policies/NAME.json and are embedded at build time by
 * data/embed.py as the array kw_policy_data ({name, text, len}, NAME = the file's base
 * name without ".json"). This file only describes them: one row per document, in print
 * order (Alibaba first: that is where policy can do the most), joined with its embedded
 * text on first use. A row whose document is not in the build is left out.
 *
 * Texts here are keyward's own (no input ever reaches them). What each cloud cannot
 * enforce by policy is said plainly in kw_cloud_policy_limits, with the detective
 * controls to use instead.
 */
#include "cloud/policy.h"

#include <pthread.h>
#include <string.h>

struct kw_builtin_data { const char *name; const char *text; size_t len; };
extern const struct kw_builtin_data kw_policy_data[];

#define ALI_ATTACH "RAM custom policy (one account) or Resource Directory control policy (folders and member accounts)"
#define AWS_ATTACH "AWS Organizations service control policy (SCP) on the root, an OU or an account; or an IAM permissions boundary"

static const kw_cloud_policy rows[] = {
	{
		.name = "alibaba-deny-password-inherit",
		.provider = KW_CLOUD_ALIBABA,
		.title = "Deny creating ECS instances, or replacing a system disk, that inherit the image's preset password",
		.attach = ALI_ATTACH,
		.explain =
			"Denies ecs:RunInstances, ecs:CreateInstance and ecs:ReplaceSystemDisk when PasswordInherit "
			"is true (condition key ecs:PasswordInherit, Bool), so no new instance or new system disk "
			"keeps a password baked into a custom image. Launch templates, ESS scaling configurations "
			"and ROS stacks that set PasswordInherit end in these calls too, but whether calls made by a "
			"service role (such as AliyunServiceRoleForAutoScaling) are subject to the policy is not "
			"confirmed: scan templates and scaling configurations with `keyward cloud` as well. Running "
			"instances are untouched. Turning PasswordInherit off only resets the root/ecs-user "
			"credentials: other accounts' passwords and authorized_keys inside the image stay usable "
			"(run `keyward sanitize` on the image). This document is derived from the documented "
			"condition key and the actions that support it, in the style of Alibaba's own examples; "
			"the page's block section could not be read: check it against the live page before "
			"relying on it.",
		.source = "https://www.alibabacloud.com/help/en/ecs/user-guide/avoid-using-default-login-credentials-in-images "
			  "(condition key ecs:PasswordInherit: ECS RAM authorization reference)",
		.derived = true,
	},
	{
		.name = "alibaba-deny-password-logon",
		.provider = KW_CLOUD_ALIBABA,
		.title = "Deny creating Linux ECS instances with a custom password (Alibaba's ecs-password-control)",
		.attach = ALI_ATTACH,
		.explain =
			"Alibaba's ecs-password-control policy, as documented: denies RunInstances, CreateInstance "
			"and ReplaceSystemDisk with a custom password (ecs:PasswordCustomized) on Linux images "
			"(ecs:ImagePlatform linux), and CreateOrder, ModifyInstanceAttribute, InvokeCommand and "
			"AttachDisk with a custom password on any platform. Together with "
			"alibaba-deny-password-inherit it leaves key pairs, or no credential at creation, as the "
			"only way to create Linux instances. Windows instances may still be created with a "
			"password, and passwords set inside the guest (user data, scripts) are not seen by RAM: "
			"scan user data with `keyward cloud`.",
		.source = "https://help.aliyun.com/zh/ecs/user-guide/prohibit-ram-users-from-creating-linux-instances-using-password-login",
		.derived = false,
	},
	{
		.name = "alibaba-deny-root-logon",
		.provider = KW_CLOUD_ALIBABA,
		.title = "Deny creating Linux ECS instances whose initial logon user is root (Alibaba's ecs-root-user-control)",
		.attach = ALI_ATTACH,
		.explain =
			"Alibaba's ecs-root-user-control policy, as documented: denies RunInstances, CreateInstance, "
			"CreateOrder, ReplaceSystemDisk, AttachDisk and InvokeCommand when the instance does not log "
			"on as ecs-user (ecs:LoginAsNonRoot false). Images that do not support ecs-user can no "
			"longer be launched. It does not change sshd's PermitRootLogin inside the guest, nor root's "
			"authorized_keys or password in a custom image.",
		.source = "https://help.aliyun.com/en/ecs/user-guide/prohibit-ram-users-from-creating-linux-instances-with-root-as-initial-user",
		.derived = false,
	},
	{
		.name = "alibaba-deny-internet-rules",
		.provider = KW_CLOUD_ALIBABA,
		.title = "Deny new security-group rules whose source is 0.0.0.0/0",
		.attach = ALI_ATTACH,
		.explain =
			"Denies ecs:AuthorizeSecurityGroup and ecs:ModifySecurityGroupRule when the rule's source "
			"IPv4 CIDR (ecs:SecurityGroupSourceCidrIps) is 0.0.0.0/0. No port condition key exists, so "
			"it blocks every new rule from 0.0.0.0/0, HTTPS included, not only SSH and RDP: publish web "
			"services through a load balancer, or exempt an admin role. No IPv6 CIDR key exists, so "
			"rules from ::/0 are not covered, nor are other spellings of the whole internet (two /1 "
			"rules). Rules that already exist are untouched: audit them with `keyward cloud`. Derived "
			"from the documented condition key; the operator Alibaba's own example uses was not "
			"confirmed: check it against the live page before relying on it.",
		.source = "https://www.alibabacloud.com/help/en/ecs/use-cases/prohibit-ram-users-from-creating-high-risk-security-group-rules "
			  "(condition key ecs:SecurityGroupSourceCidrIps: ECS RAM authorization reference)",
		.derived = true,
	},
	{
		.name = "aws-deny-key-pairs",
		.provider = KW_CLOUD_AWS,
		.title = "Deny launching EC2 instances with an EC2 key pair (log on through SSM Session Manager or EC2 Instance Connect)",
		.attach = AWS_ATTACH,
		.explain =
			"Denies ec2:RunInstances whenever a key-pair resource is part of the request, that is "
			"whenever KeyName is given. This is the opposite direction from the Alibaba policies: no "
			"SCP or IAM condition can require a key pair (the key-pair resource is only in the request "
			"when one is named), so the posture policy can enforce is no key pairs at all, with logon "
			"through SSM Session Manager or EC2 Instance Connect; AWS Config's ec2-no-amazon-key-pair "
			"rule checks the same. Windows instances whose Administrator password is retrieved with "
			"GetPasswordData need a key pair: exempt those accounts. It does not stop passwords set "
			"through user data or baked into an AMI. Derived from the EC2 authorization model (the "
			"key-pair resource of RunInstances): test it in a sandbox account before attaching it.",
		.source = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html "
			  "(RunInstances resource types)",
		.derived = true,
	},
	{
		.name = "aws-require-launch-template",
		.provider = KW_CLOUD_AWS,
		.title = "Deny launching EC2 instances without a launch template, or with a key pair or security group not taken from it",
		.attach = AWS_ATTACH,
		.explain =
			"The first statement denies ec2:RunInstances on the instance resource when no launch "
			"template is used (Null on ec2:LaunchTemplate); the second denies a key pair or security "
			"group that the request adds instead of taking it from the template "
			"(ec2:IsLaunchTemplateResource false), so the template pins KeyName and the groups. "
			"Confirmed: both keys are documented in the EC2 User Guide (condition-key table: "
			"ec2:LaunchTemplate is an ARN key, ec2:IsLaunchTemplateResource a Boolean key, both "
			"allowing Null; example policies under Launch templates allow RunInstances with ArnLike on "
			"ec2:LaunchTemplate and Bool ec2:IsLaunchTemplateResource true to stop overrides). The Deny "
			"form here is derived from those examples. To allow only approved templates, add ArnNotLike "
			"on ec2:LaunchTemplate with their ARNs. User data and other parameters that are not "
			"resources can still be overridden at launch, and whoever may create launch template "
			"versions decides what they hold: keep ec2:CreateLaunchTemplate and "
			"ec2:CreateLaunchTemplateVersion to an admin role. Launches from a template without "
			"security groups, relying on the default group, may be refused. Test it in a sandbox "
			"account before attaching it.",
		.source = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html "
			  "(Launch templates), and the EC2 condition keys",
		.derived = true,
	},
};

#define N_ROWS (sizeof rows / sizeof rows[0])

static kw_cloud_policy table[N_ROWS];
static size_t n_table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	for (size_t i = 0; i < N_ROWS; i++)
		for (const struct kw_builtin_data *b = kw_policy_data; b->name; b++)
			if (!strcmp(b->name, rows[i].name)) {
				table[n_table] = rows[i];
				table[n_table].json = b->text;
				table[n_table].len = b->len;
				n_table++;
				break;
			}
}

const kw_cloud_policy *kw_cloud_policies(size_t *n)
{
	pthread_once(&table_once, table_init);
	*n = n_table;
	return table;
}

const kw_cloud_policy *kw_cloud_policy_find(const char *name)
{
	size_t n;
	const kw_cloud_policy *t = kw_cloud_policies(&n);
	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

#define AWS_LIMITS \
	"AWS: no SCP or IAM condition inspects a security-group rule. " \
	"ec2:AuthorizeSecurityGroupIngress and ec2:ModifySecurityGroupRules have no condition key for " \
	"the rule's CIDR, port or protocol, so no policy can refuse \"SSH from 0.0.0.0/0\" or a rule " \
	"from ::/0 (Alibaba's ecs:SecurityGroupSourceCidrIps has no AWS equivalent).", \
	"AWS: no SCP or IAM condition can require a key pair at launch: the key-pair resource is in " \
	"the request only when KeyName is given. aws-deny-key-pairs enforces the opposite (no key " \
	"pairs; SSM Session Manager or EC2 Instance Connect), and aws-require-launch-template lets an " \
	"approved launch template pin KeyName.", \
	"AWS: no policy sees what user data does. A launch whose cloud-init or script enables " \
	"PasswordAuthentication or sets a password is allowed; so is an AMI with a baked password.", \
	"AWS detective controls instead: the AWS Config managed rules restricted-ssh (identifier " \
	"INCOMING_SSH_DISABLED: port 22 open to 0.0.0.0/0 or ::/0), restricted-common-ports and " \
	"vpc-sg-open-only-to-authorized-ports; the Security Hub EC2 controls for SSH and RDP open to " \
	"the internet; AWS Firewall Manager security-group audit policies; VPC Block Public Access for " \
	"internet-gateway ingress; and `keyward cloud` on describe-security-groups, launch-template, " \
	"run-instances and Terraform plan exports in CI (--fail-on high)."

#define ALI_LIMITS \
	"Alibaba Cloud: there is no port condition key. ecs:SecurityGroupSourceCidrIps and " \
	"ecs:SecurityGroupIpProtocols can refuse a source or a protocol, never a port, so a policy " \
	"cannot single out SSH 22 or RDP 3389: alibaba-deny-internet-rules refuses every new rule " \
	"from 0.0.0.0/0, HTTPS included.", \
	"Alibaba Cloud: there is no documented IPv6 CIDR condition key, so rules from ::/0 cannot be " \
	"refused by policy.", \
	"Alibaba Cloud: policies act on API calls only. Rules that already exist and instances already " \
	"running with an inherited password are untouched: audit them with `keyward cloud` on " \
	"DescribeSecurityGroupAttribute, DescribeInstances and DescribeLaunchTemplateVersions exports.", \
	"Alibaba Cloud: launch templates, ESS scaling configurations and ROS stacks accept " \
	"PasswordInherit too. Whether instance creation by a service role (such as " \
	"AliyunServiceRoleForAutoScaling) is subject to a RAM or control policy is an open question: " \
	"scan the templates and scaling configurations as well.", \
	"Alibaba Cloud: turning PasswordInherit off, or binding a key pair, only resets the root/ecs-user " \
	"credentials. Other accounts' passwords and authorized_keys baked into the image stay usable: " \
	"run `keyward sanitize` on the image before sharing or launching it.", \
	"Alibaba Cloud detective controls: the Cloud Config managed rules for security groups " \
	"(ecs-security-group-risky-ports-check-with-protocol, sg-public-access-check) and key-pair " \
	"logon (ecs-instance-login-use-keypair), and `keyward cloud` on exports in CI (--fail-on high)."

static const char *const aws_limits[] = { AWS_LIMITS, NULL };
static const char *const ali_limits[] = { ALI_LIMITS, NULL };
static const char *const all_limits[] = { AWS_LIMITS, ALI_LIMITS, NULL };

const char *const *kw_cloud_policy_limits(kw_cloud_provider p)
{
	switch (p) {
	case KW_CLOUD_AWS: return aws_limits;
	case KW_CLOUD_ALIBABA: return ali_limits;
	default: return all_limits;
	}
}
