/* cloud.c — the checks of `keyward cloud`: remote logon open to the internet, what may be
 * open but the input cannot tell, many instances each open for administration, and launch
 * settings that give an instance a preset or plaintext password. Pure: model in, findings
 * out. */
#include "checks/cloud.h"

#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

enum {
	C_SSH,
	C_RDP,
	C_ALL_PORTS,
	C_PORTS,
	C_UNKNOWN,
	C_MANY_ADMIN,
	C_GROUPS_MISSING,
	C_PW_INHERIT,
	C_PW_PLAIN,
	C_NO_CREDENTIAL,
	C_NO_KEY_PAIR,
	C_UD_PASSWORD,
	C_UD_UNREADABLE,
	C_LAUNCH_UNKNOWN,
	C__N
};

#define REF_ALI_BP "Alibaba Cloud ECS: Avoid using preset logon credentials in custom images"
#define REF_ALI_SG "Alibaba Cloud ECS: Security group rules (priority and Drop semantics)"
#define REF_CIS_AWS "CIS AWS Foundations 6.x: no security group admits 0.0.0.0/0 or ::/0 to remote administration ports"

static const kw_check_def defs[C__N] = {
	[C_SSH] = { "cloud.ssh-internet", KW_SEV_HIGH, "SSH is open to the whole internet",
		"A rule admits tcp/22 from 0.0.0.0/0 or ::/0 (or from sources that together make "
		"the whole address space): every password guesser and exploit scanner on the "
		"internet reaches sshd.",
		"Admit SSH only from the administration network or a single bastion instance; "
		"use the provider's session service (SSM Session Manager, Alibaba Cloud Assistant / "
		"Session Manager) where it serves.",
		{ REF_CIS_AWS, "Alibaba Cloud: restrict access to your instances as much as possible" } },
	[C_RDP] = { "cloud.rdp-internet", KW_SEV_HIGH, "RDP is open to the whole internet",
		"A rule admits tcp/3389 or udp/3389 from 0.0.0.0/0 or ::/0: RDP is among the most "
		"attacked services on the internet.",
		"Open RDP from the internet to one administration (proxy) instance at most, only "
		"from the administration network, and reach the other instances through it.",
		{ REF_CIS_AWS, "Alibaba Cloud: open RDP to only one instance and use it as a proxy administration instance" } },
	[C_ALL_PORTS] = { "cloud.all-ports-internet", KW_SEV_HIGH, "every port is open to the whole internet",
		"A rule admits every protocol (AWS -1, Alibaba ALL) or every TCP/UDP port from the "
		"whole internet: SSH, RDP and every other service the instance runs are reachable.",
		"Replace it with rules for the ports the service needs, from the sources that need them.",
		{ REF_CIS_AWS, "Prowler ec2_securitygroup_allow_ingress_from_internet_to_all_ports" } },
	[C_PORTS] = { "cloud.port-internet", KW_SEV_LOW, "ports open to the whole internet",
		"Ports other than SSH and RDP admit the whole internet. That is right for a public "
		"web service and wrong for anything else.",
		"Check that each port listed serves the public; restrict the others.",
		{ "Prowler ec2_securitygroup_allow_ingress_from_internet_to_any_port" } },
	[C_UNKNOWN] = { "cloud.exposure-unknown", KW_SEV_MEDIUM, "the input cannot tell whether remote logon is open",
		"A rule admits SSH or RDP from a prefix list the input does not resolve, with a port "
		"list it does not resolve, or with values known only after apply. Unknown is not safe.",
		"Export the prefix list's or port list's entries with the rules, or check the plan "
		"after apply; then run keyward cloud again.",
		{ "AWS: get-managed-prefix-list-entries", "Alibaba: DescribePrefixListAttributes, DescribePortRangeListEntries" } },
	[C_MANY_ADMIN] = { "cloud.many-admin-instances", KW_SEV_MEDIUM, "several instances accept remote logon from the internet",
		"Each instance open to SSH or RDP from the internet is its own front door to "
		"defend, patch and watch.",
		"Use one administration (bastion) instance: open SSH/RDP from the administration "
		"network to it only, and from it to the others (security-group reference).",
		{ "Alibaba Cloud: open RDP from the internet to only one instance and use it as a proxy administration instance" } },
	[C_GROUPS_MISSING] = { "cloud.groups-missing", KW_SEV_INFO, "instances use security groups whose rules are not in the input",
		"Their exposure could not be judged from the rules given.",
		"Add the security-group export (aws ec2 describe-security-groups, or "
		"DescribeSecurityGroupAttribute for each group) to the command line.",
		{ NULL } },
	[C_PW_INHERIT] = { "cloud.password-inherit", KW_SEV_HIGH, "the launch inherits the image's preset password",
		"PasswordInherit=true logs the instance in with whatever password the image was "
		"built with: every instance from the image shares it, and anyone who has the image "
		"has it. Custom images carry such passwords; public ones do not.",
		"Set PasswordInherit=false and bind a key pair; attach the deny policy of `keyward "
		"cloud policy --provider alibaba`. A new key pair or password resets root/ecs-user "
		"only: other accounts' passwords and authorized_keys baked into the image stay "
		"(clean the image with `keyward sanitize`).",
		{ REF_ALI_BP, "Alibaba RAM condition key ecs:PasswordInherit" } },
	[C_PW_PLAIN] = { "cloud.launch-password", KW_SEV_MEDIUM, "the launch sets a logon password for Linux",
		"A password given in the request or the plan travels and is stored in clear (request "
		"logs, plan files, state), and password logon invites guessing; Alibaba applies the "
		"password even when a key pair is also given.",
		"Use a key pair only; deny custom passwords for Linux with the ecs-password-control "
		"policy (`keyward cloud policy --provider alibaba`).",
		{ "Alibaba Cloud: prohibit RAM users from creating Linux instances with password logon" } },
	[C_NO_CREDENTIAL] = { "cloud.launch-no-credential", KW_SEV_INFO, "the launch sets no logon credential",
		"No key pair, no password and no inherited password: nobody can log on until one "
		"is set later (through the console, which may set a password).",
		"Bind a key pair at creation.",
		{ "Alibaba aliyun/infraguard ecs-instance-login-use-keypair" } },
	[C_NO_KEY_PAIR] = { "cloud.launch-no-key-pair", KW_SEV_INFO, "the launch names no EC2 key pair",
		"On AWS that is often right (SSM Session Manager, EC2 Instance Connect); it only "
		"matters if user data or the image adds a password instead.",
		"Nothing if logon goes through SSM or Instance Connect; otherwise check the image "
		"(`keyward audit --image`) for preset passwords.",
		{ "AWS Config ec2-no-amazon-key-pair" } },
	[C_UD_PASSWORD] = { "cloud.user-data-password", KW_SEV_HIGH, "user data turns on password logon or sets a password",
		"The instance's first boot enables SSH password authentication (ssh_pwauth, "
		"PasswordAuthentication yes) or sets a password (chpasswd, passwd, usermod -p, net "
		"user): the password is also readable by anyone who can read the user data.",
		"Remove it; give access with a key pair or the provider's session service.",
		{ "cloud-init: ssh_pwauth, chpasswd", "Prowler ec2_launch_template_no_secrets" } },
	[C_UD_UNREADABLE] = { "cloud.user-data-unreadable", KW_SEV_INFO, "user data could not be read",
		"It is a hash (Terraform keeps SHA-1 of aws_instance.user_data), known only after "
		"apply, or not valid base64/gzip: what it does to logon is not known.",
		"Use user_data_base64, or check the rendered user data itself.",
		{ NULL } },
	[C_LAUNCH_UNKNOWN] = { "cloud.launch-unknown", KW_SEV_MEDIUM, "the launch's logon settings are known only after apply",
		"PasswordInherit or the password is computed at apply time: the plan cannot show "
		"that the instance does not inherit the image's password.",
		"Set the value literally in the configuration, or check again after apply.",
		{ NULL } },
};

const kw_check_def *kw_cloud_check_defs(size_t *n)
{
	*n = C__N;
	return defs;
}

const kw_check_def *kw_cloud_check_find(const char *id)
{
	return kw_check_defs_find(defs, C__N, id);
}

/* ---- naming ---- */

size_t kw_cloud_subject_name(const kw_cloud_model *m, const kw_expo_subject *s, char *out,
			     size_t cap)
{
	const char *id = "?", *name = NULL;
	if (s->kind == KW_SUBJ_INSTANCE) {
		id = m->instances[s->index].id;
		name = m->instances[s->index].name;
	} else if (s->kind == KW_SUBJ_LAUNCH) {
		id = m->launches[s->index].name;
	} else {
		id = m->groups[s->index].id;
		name = m->groups[s->index].name;
	}
	int n = name && strcmp(name, id) != 0 ? snprintf(out, cap, "%s (%s)", id ? id : "?", name)
					      : snprintf(out, cap, "%s", id ? id : "?");
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void group_name(const kw_cloud_model *m, uint32_t g, char *out, size_t cap)
{
	const kw_cloud_group *gr = &m->groups[g];
	if (gr->name && strcmp(gr->name, gr->id) != 0)
		snprintf(out, cap, "%s (%s)", gr->id, gr->name);
	else
		snprintf(out, cap, "%s", gr->id);
}

/* "sg-1 rule sgr-a: tcp 0-1024 from 0.0.0.0/0 (Accept, priority 50)" */
static void rule_text(const kw_cloud_model *m, const kw_cloud_rule *r, uint32_t n_union,
		      char *out, size_t cap)
{
	char g[160], ports[32], src[96];
	group_name(m, r->group, g, sizeof g);
	if (r->ports_unknown)
		snprintf(ports, sizeof ports, " (ports not known)");
	else if (r->proto == KW_PROTO_TCP || r->proto == KW_PROTO_UDP)
		snprintf(ports, sizeof ports, r->port_lo == r->port_hi ? " %u" : " %u-%u",
			 (unsigned)r->port_lo, (unsigned)r->port_hi);
	else
		ports[0] = '\0';
	char proto[24];
	if (r->proto == KW_PROTO_OTHER && r->proto_num)
		snprintf(proto, sizeof proto, "protocol %u", (unsigned)r->proto_num);
	else if (r->proto == KW_PROTO_ALL)
		snprintf(proto, sizeof proto, "all protocols");
	else
		snprintf(proto, sizeof proto, "%s", kw_cloud_proto_name((kw_cloud_proto)r->proto));
	if (n_union > 1) {
		snprintf(src, sizeof src, "%u rules whose sources together are the whole %s space",
			 (unsigned)n_union, r->cidr.a.fam == 6 ? "IPv6" : "IPv4");
	} else if (r->src == KW_SRC_CIDR) {
		char c[KW_CIDR_STRLEN];
		kw_cidr_format(&r->cidr, c, sizeof c);
		if (r->cidr.bits == 0)
			snprintf(c, sizeof c, "%s", r->cidr.a.fam == 6 ? "::/0" : "0.0.0.0/0");
		snprintf(src, sizeof src, "%s", c);
	} else if (r->src == KW_SRC_PREFIX_LIST) {
		snprintf(src, sizeof src, "prefix list %s", r->ref ? r->ref : "?");
	} else if (r->src == KW_SRC_GROUP) {
		snprintf(src, sizeof src, "group %s", r->ref ? r->ref : "?");
	} else {
		snprintf(src, sizeof src, "an unknown source");
	}
	char how[48] = "";
	if (r->provider == KW_CLOUD_ALIBABA)
		snprintf(how, sizeof how, " (Accept, priority %u)", (unsigned)r->priority);
	snprintf(out, cap, "%s rule%s%s: %s%s from %s%s", g, r->id ? " " : "", r->id ? r->id : "",
		 proto, ports, src, how);
}

/* ---- exposure context ---- */

typedef struct ctx {
	const kw_cloud_model *m;
	const kw_exposure *e;
	kw_check_ctx x;
} ctx;

static kw_tri subject_public(const ctx *c, const kw_expo_subject *s, const char **why)
{
	*why = NULL;
	if (s->kind == KW_SUBJ_INSTANCE) {
		*why = c->m->instances[s->index].public_why;
		return (kw_tri)c->m->instances[s->index].public_ip;
	}
	if (s->kind == KW_SUBJ_LAUNCH) {
		*why = "the launch asks for a public address";
		return (kw_tri)c->m->launches[s->index].public_ip;
	}
	return KW_TRI_ABSENT;
}

/* The severity of an opening to remote logon in this subject's context; dflt when the
 * context says nothing. */
static kw_severity context_sev(const ctx *c, const kw_expo_subject *s, kw_severity dflt,
			       const char **note)
{
	const char *why;
	kw_tri pub = subject_public(c, s, &why);
	*note = "";
	if (pub == KW_TRI_TRUE)
		return dflt >= KW_SEV_HIGH ? KW_SEV_CRITICAL : (kw_severity)(dflt + 1);
	if (pub == KW_TRI_FALSE) {
		*note = "; no public address: reachable from the internet only through a load "
			"balancer, NAT or a public address added later";
		return dflt > KW_SEV_INFO ? (kw_severity)(dflt - 1) : dflt;
	}
	if (s->kind == KW_SUBJ_GROUP && c->m->have_instances) {
		*note = "; no instance in the input uses this group";
		return dflt > KW_SEV_INFO ? (kw_severity)(dflt - 1) : dflt;
	}
	if (s->kind == KW_SUBJ_GROUP)
		*note = "; judged alone: the input maps no instance to this group";
	return dflt;
}

static void tail_notes(const ctx *c, const kw_expo_subject *s, kw_sb *sb)
{
	const char *why;
	if (subject_public(c, s, &why) == KW_TRI_TRUE)
		kw_sb_printf(sb, "; public: %s", why ? why : "yes");
	if (s->partial)
		kw_sb_puts(sb, "; the export was paged (NextToken): more rules may exist");
	if (s->n_missing) {
		char g[160];
		group_name(c->m, s->missing[0], g, sizeof g);
		kw_sb_printf(sb, "; the rules of %s%s are not in the input", g,
			     s->n_missing > 1 ? " and others" : "");
	}
}

static const char *fam_text(int slot)
{
	return slot ? "::/0 (IPv6)" : "0.0.0.0/0 (IPv4)";
}

/* SSH, RDP: one finding per subject and service, both families in its evidence */
static void check_points(ctx *c, const kw_expo_subject *s, const char *target)
{
	static const struct { int svc[2]; int check; } want[] = {
		{ { KW_SVC_SSH, -1 }, C_SSH },
		{ { KW_SVC_RDP, KW_SVC_RDP_UDP }, C_RDP },
	};
	for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
		kw_sb sb = { 0 };
		const kw_expo_point *first = NULL;
		for (int k = 0; k < 2 && want[w].svc[k] >= 0; k++) {
			int svc = want[w].svc[k];
			kw_cloud_proto pp;
			uint16_t port;
			kw_expo_svc_port((kw_expo_svc)svc, &pp, &port);
			for (int f = 0; f < 2; f++) {
				const kw_expo_point *pt = &s->pt[svc][f];
				if (pt->state != KW_EXPO_OPEN)
					continue;
				char rt[512];
				rule_text(c->m, &c->m->rules[pt->rule], pt->n_union, rt, sizeof rt);
				kw_sb_printf(&sb, "%s%s/%u from %s through %s", sb.len ? "; " : "",
					     kw_cloud_proto_name(pp), (unsigned)port, fam_text(f), rt);
				if (!first)
					first = pt;
			}
		}
		if (first) {
			const char *note;
			kw_severity sev = context_sev(c, s, defs[want[w].check].severity, &note);
			tail_notes(c, s, &sb);
			kw_sb_puts(&sb, note);
			kw_emit_default(&c->x, &defs[want[w].check], sev, target,
					c->m->rules[first->rule].origin, 0, NULL, "%s",
					sb.s ? sb.s : "");
		}
		kw_sb_release(&sb);
	}
}

static void ports_text(const kw_cloud_rule *r, const kw_expo_opening *o, kw_sb *sb)
{
	const char *p = kw_cloud_proto_name((kw_cloud_proto)r->proto);
	if (r->proto != KW_PROTO_TCP && r->proto != KW_PROTO_UDP) {
		if (r->proto == KW_PROTO_OTHER && r->proto_num)
			kw_sb_printf(sb, "protocol %u", (unsigned)r->proto_num);
		else
			kw_sb_puts(sb, p);
		return;
	}
	for (size_t i = 0; i < o->n_left; i++) {
		if (o->left[i].lo == o->left[i].hi)
			kw_sb_printf(sb, "%s%s/%u", i ? ", " : "", p, (unsigned)o->left[i].lo);
		else
			kw_sb_printf(sb, "%s%s/%u-%u", i ? ", " : "", p, (unsigned)o->left[i].lo,
				     (unsigned)o->left[i].hi);
	}
	if (o->more_left)
		kw_sb_puts(sb, ", ...");
}

static void check_openings(ctx *c, const kw_expo_subject *s, const char *target)
{
	kw_sb all = { 0 }, other = { 0 }, unk = { 0 };
	const char *all_origin = NULL, *other_origin = NULL, *unk_origin = NULL;
	for (size_t i = 0; i < s->n_open; i++) {
		const kw_expo_opening *o = &s->open[i];
		const kw_cloud_rule *r = &c->m->rules[o->rule];
		char rt[512];
		rule_text(c->m, r, o->n_union, rt, sizeof rt);
		if (o->unknown) {
			/* where it may reach SSH or RDP that nothing else opened */
			const char *sep = "";
			size_t at = unk.len;
			for (int svc = 0; svc < KW_SVC__COUNT; svc++)
				for (int f = 0; f < 2; f++)
					if (s->pt[svc][f].state == KW_EXPO_UNKNOWN && s->pt[svc][f].rule == o->rule) {
						kw_sb_printf(&unk, "%s%s%s %s", at == unk.len && unk.len ? "; " : "", sep,
							     kw_expo_svc_name((kw_expo_svc)svc), f ? "IPv6" : "IPv4");
						sep = ", ";
					}
			if (unk.len == at)
				continue;
			kw_sb_printf(&unk, " may be open through %s (%s)", rt,
				     r->why_unknown ? r->why_unknown : "not known");
			if (!unk_origin)
				unk_origin = r->origin;
			continue;
		}
		if (o->all_ports) {
			kw_sb_printf(&all, "%s%s", all.len ? "; " : "", rt);
			if (o->cut_by != KW_EXPO_NONE)
				kw_sb_puts(&all, " (some ports dropped at a better priority)");
			if (!all_origin)
				all_origin = r->origin;
			continue;
		}
		/* SSH/RDP alone are their own findings: list the rest */
		bool only_admin = (r->proto == KW_PROTO_TCP || r->proto == KW_PROTO_UDP) &&
				  o->n_left == 1 && !o->more_left && o->left[0].lo == o->left[0].hi &&
				  (o->left[0].lo == 22 || o->left[0].lo == 3389);
		if (only_admin)
			continue;
		if (other.len)
			kw_sb_puts(&other, "; ");
		ports_text(r, o, &other);
		kw_sb_printf(&other, " from %s through %s", o->fam == 6 ? "::/0" : "0.0.0.0/0", rt);
		if (!other_origin)
			other_origin = r->origin;
	}
	/* a subject whose groups' rules are only known after apply */
	if (s->rules_unknown && !unk.len)
		kw_sb_puts(&unk, "its security-group rules are known only after apply");
	const char *note;
	if (all.len) {
		kw_severity sev = context_sev(c, s, defs[C_ALL_PORTS].severity, &note);
		tail_notes(c, s, &all);
		kw_sb_puts(&all, note);
		kw_emit_default(&c->x, &defs[C_ALL_PORTS], sev, target, all_origin, 0, NULL, "%s", all.s ? all.s : "");
	}
	if (other.len) {
		kw_severity sev = context_sev(c, s, defs[C_PORTS].severity, &note);
		tail_notes(c, s, &other);
		kw_sb_puts(&other, note);
		kw_emit_default(&c->x, &defs[C_PORTS], sev, target, other_origin, 0, NULL, "%s", other.s);
	}
	if (unk.len) {
		tail_notes(c, s, &unk);
		kw_emit(&c->x, &defs[C_UNKNOWN], target, unk_origin, 0, NULL, "%s", unk.s);
	}
	kw_sb_release(&all);
	kw_sb_release(&other);
	kw_sb_release(&unk);
}

static bool admin_open(const kw_expo_subject *s)
{
	for (int svc = 0; svc < KW_SVC__COUNT; svc++)
		for (int f = 0; f < 2; f++)
			if (s->pt[svc][f].state == KW_EXPO_OPEN)
				return true;
	return false;
}

static void check_many_admin(ctx *c)
{
	size_t n = 0;
	kw_sb sb = { 0 };
	for (size_t i = 0; i < c->e->n; i++) {
		const kw_expo_subject *s = &c->e->v[i];
		if (s->kind != KW_SUBJ_INSTANCE || !admin_open(s) ||
		    c->m->instances[s->index].public_ip == KW_TRI_FALSE)
			continue;
		if (n < 20) {
			char name[256];
			kw_cloud_subject_name(c->m, s, name, sizeof name);
			kw_sb_printf(&sb, "%s%s", n ? ", " : "", name);
		}
		n++;
	}
	if (n > 1) {
		if (n > 20)
			kw_sb_printf(&sb, " and %zu more", n - 20);
		kw_emit(&c->x, &defs[C_MANY_ADMIN], "instances", NULL, 0, NULL,
			"%zu instances accept SSH or RDP from the internet: %s; keep one "
			"administration instance reachable and reach the others through it",
			n, sb.s);
	}
	kw_sb_release(&sb);
}

static void check_missing(ctx *c)
{
	size_t n = 0, groups = 0;
	kw_sb sb = { 0 };
	bool *seen = calloc(c->m->n_groups ? c->m->n_groups : 1, 1);
	if (!seen) {
		c->x.err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->e->n; i++) {
		const kw_expo_subject *s = &c->e->v[i];
		if (s->kind == KW_SUBJ_GROUP || !s->n_missing)
			continue;
		n++;
		for (size_t k = 0; k < s->n_missing; k++) {
			if (seen[s->missing[k]])
				continue;
			seen[s->missing[k]] = true;
			if (groups < 10) {
				char g[160];
				group_name(c->m, s->missing[k], g, sizeof g);
				kw_sb_printf(&sb, "%s%s", groups ? ", " : "", g);
			}
			groups++;
		}
	}
	if (groups > 10)
		kw_sb_printf(&sb, " and %zu more", groups - 10);
	if (n)
		kw_emit(&c->x, &defs[C_GROUPS_MISSING], "input", NULL, 0, NULL,
			"%zu instance%s or launch%s use%s %zu group%s whose rules are not in the input: %s",
			n, n == 1 ? "" : "s", n == 1 ? "" : "es", n == 1 ? "s" : "", groups,
			groups == 1 ? "" : "s", sb.s ? sb.s : "");
	kw_sb_release(&sb);
	free(seen);
}

/* ---- launches ---- */

static void check_launch(ctx *c, const kw_cloud_launch *l)
{
	const char *t = l->name ? l->name : "launch";
	const char *img = l->image ? l->image : "?";
	if (l->password_inherit == KW_TRI_TRUE)
		kw_emit_default(&c->x, &defs[C_PW_INHERIT], l->custom_image ? KW_SEV_CRITICAL : KW_SEV_HIGH,
				t, l->origin, 0, NULL, "PasswordInherit is true with %s image %s%s",
				l->custom_image ? "custom" : "the", img,
				l->public_ip == KW_TRI_TRUE ? "; the instance gets a public address" : "");
	bool unknown_pw = l->password_inherit == KW_TRI_UNKNOWN || l->password == KW_TRI_UNKNOWN;
	if (unknown_pw)
		kw_emit(&c->x, &defs[C_LAUNCH_UNKNOWN], t, l->origin, 0, NULL, "%s known only after apply",
			l->password_inherit == KW_TRI_UNKNOWN ? "PasswordInherit is" : "the password is");
	if (l->password == KW_TRI_TRUE && l->os != KW_OS_WINDOWS)
		kw_emit(&c->x, &defs[C_PW_PLAIN], t, l->origin, 0, NULL,
			"a password is set%s (its value is not shown)%s",
			l->os == KW_OS_LINUX ? " for a Linux instance" : "",
			l->key_pair == KW_TRI_TRUE ? "; a key pair is named too, and the password still applies" : "");
	bool from_template = l->template_ref != NULL;
	if (l->provider == KW_CLOUD_ALIBABA && !from_template && l->password_inherit != KW_TRI_TRUE &&
	    l->password_inherit != KW_TRI_UNKNOWN && l->password != KW_TRI_TRUE &&
	    l->password != KW_TRI_UNKNOWN && l->key_pair != KW_TRI_TRUE && l->key_pair != KW_TRI_UNKNOWN)
		kw_emit(&c->x, &defs[C_NO_CREDENTIAL], t, l->origin, 0, NULL,
			"no KeyPairName, no Password, PasswordInherit not true");
	if (l->provider == KW_CLOUD_AWS && !from_template && l->key_pair != KW_TRI_TRUE &&
	    l->key_pair != KW_TRI_UNKNOWN)
		kw_emit(&c->x, &defs[C_NO_KEY_PAIR], t, l->origin, 0, NULL, "no KeyName");
	if (l->user_data == KW_TRI_TRUE && l->ud_hits)
		kw_emit(&c->x, &defs[C_UD_PASSWORD], t, l->origin, 0, NULL,
			"user data line %u: %s", l->ud_line, l->ud_what ? l->ud_what : "password logon");
	if (l->user_data == KW_TRI_UNKNOWN)
		kw_emit(&c->x, &defs[C_UD_UNREADABLE], t, l->origin, 0, NULL, "%s",
			l->ud_why ? l->ud_why : "not readable");
}

int kw_cloud_checks(const kw_profile *p, const kw_cloud_model *m, const kw_exposure *e,
		    kw_findings *out)
{
	ctx c = { .m = m, .e = e, .x = { .f = NULL, .p = p, .out = out } };
	for (size_t i = 0; i < e->n && !c.x.err; i++) {
		const kw_expo_subject *s = &e->v[i];
		char target[512];
		kw_cloud_subject_name(m, s, target, sizeof target);
		check_points(&c, s, target);
		check_openings(&c, s, target);
	}
	if (!c.x.err)
		check_many_admin(&c);
	if (!c.x.err)
		check_missing(&c);
	for (size_t i = 0; i < m->n_launches && !c.x.err; i++)
		check_launch(&c, &m->launches[i]);
	return c.x.err;
}
