/* test_cloud_alibaba.c — the Alibaba Cloud readers (src/cloud/alibaba.c) through
 * kw_cloud_load_file on the fixtures in tests/data/cloud/alibaba/:
 *
 *  - DescribeSecurityGroupAttribute: the research's minimal example (Accept 1/1024 at 50,
 *    Drop 22/22 at 1, ALL -1/-1 on ::/0), a Drop at equal priority (a number, "drop" and
 *    "tcp" in lower case), an Accept at a better priority than a Drop of ALL, Priority as
 *    "7", 8, absent (1) and unreadable (0, an object: an Accept read at 1; "high", 101: a
 *    Drop read at 100, each with a diagnostic), a port list (any port, its why), a source
 *    prefix list, NextToken (partial), a classic group (VpcId ""), SourceCidrIp and
 *    Ipv6SourceCidrIp in one permission (two rules), a source group, egress rules from the
 *    Dest* fields, GRE, ICMPv6 with 0::/0, an enterprise group, several groups as several
 *    documents (origins "#/1/..."); exact origins (…/Permission/2/Ipv6SourceCidrIp);
 *  - broken input: "22-22", 30/20, a number where a string goes, an array as a CIDR, an
 *    unknown protocol, a bad CIDR, no source, an unknown Direction or Policy, no Direction
 *    on a Drop (read as egress: it cancels nothing), a permission that is a number; every
 *    one a diagnostic and a record, none dropped; Permission of the wrong type (fatal);
 *  - DescribeInstances: public IP, EIP, bandwidth only, private, Windows, groups from the
 *    instance and its interfaces deduplicated, placeholders, have_instances; a page of a
 *    longer listing (TotalCount) is not taken as every instance; wrong types in a listing
 *    (unknown public IP, groups_unknown, each a diagnostic);
 *  - RunInstances / CreateInstance requests: PasswordInherit on an m- image, a Password
 *    (recorded as set, its value nowhere), no key and no password, "false" and "0" as
 *    strings, the OS from a public image id, RPC flattened group keys, a launch template
 *    reference (unsaid settings are absent, not false), user data; template versions;
 *    wrong types in a request (unknowns; a Password of any type is "set", never quoted);
 *  - 200,000 permissions read in well under a second.
 */
#include "cloud/load.h"
#include "cloud/userdata.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "cloudtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DATA KW_TEST_DATA "/cloud/alibaba/"

static ct_fx *load(const char *name)
{
	return ct_load(DATA, name);
}

static const kw_cloud_group *group(const ct_fx *f, const char *id)
{
	return ct_group(f, KW_CLOUD_ALIBABA, id);
}

static const char *P0 = "#/Permissions/Permission/";

static const kw_cloud_rule *perm(const ct_fx *f, int i, const char *field)
{
	char p[256];
	snprintf(p, sizeof p, "%s%d/%s", P0, i, field);
	return ct_rule_at(f, p);
}

/* ---- DescribeSecurityGroupAttribute ---- */

static void test_minimal(void **state)
{
	(void)state;
	ct_fx *f = load("minimal.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_ALI_SECURITY_GROUP);
	assert_int_equal(f->m.inputs[0].records, 3);
	assert_int_equal(f->m.n_rules, 3);
	assert_int_equal(f->m.n_groups, 1);
	const kw_cloud_group *g = group(f, "sg-demo1");
	assert_int_equal(g->provider, KW_CLOUD_ALIBABA);
	assert_true(g->has_rules);
	assert_false(g->partial);
	assert_false(g->classic);
	assert_false(g->enterprise);
	assert_string_equal(g->vpc, "vpc-demo");
	assert_null(g->name);
	assert_true(ct_ends_with(g->origin, "minimal.json#"));

	const kw_cloud_rule *r = perm(f, 0, "SourceCidrIp");
	assert_string_equal(r->id, "sgr-a");
	assert_int_equal(r->provider, KW_CLOUD_ALIBABA);
	assert_int_equal(r->action, KW_ACT_ALLOW);
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	assert_int_equal(r->priority, 50);
	assert_int_equal(r->proto, KW_PROTO_TCP);
	ct_assert_ports(r, 1, 1024, false);
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_null(r->why_unknown);
	r = perm(f, 1, "SourceCidrIp");
	assert_string_equal(r->id, "sgr-b");
	assert_int_equal(r->action, KW_ACT_DENY);
	assert_int_equal(r->priority, 1);
	ct_assert_ports(r, 22, 22, false);
	r = perm(f, 2, "Ipv6SourceCidrIp");
	assert_int_equal(r->action, KW_ACT_ALLOW);
	assert_int_equal(r->proto, KW_PROTO_ALL);
	ct_assert_ports(r, 0, 65535, false);
	ct_assert_cidr(r, "::/0");
	assert_int_equal(r->priority, 1);
	ct_done(f);
}

static void test_priorities(void **state)
{
	(void)state;
	ct_fx *f = load("drop_equal_priority.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 2);
	const kw_cloud_rule *a = perm(f, 0, "SourceCidrIp"), *d = perm(f, 1, "SourceCidrIp");
	assert_int_equal(a->action, KW_ACT_ALLOW);
	assert_int_equal(d->action, KW_ACT_DENY); /* "drop" */
	assert_int_equal(a->priority, 5);
	assert_int_equal(d->priority, 5);
	assert_int_equal(d->proto, KW_PROTO_TCP); /* "tcp" */
	assert_string_equal(group(f, "sg-uf6eqdrop")->name, "web-drop-ssh");
	ct_done(f);

	f = load("accept_better_priority.json");
	ct_no_diags(f);
	d = perm(f, 0, "SourceCidrIp");
	assert_int_equal(d->action, KW_ACT_DENY);
	assert_int_equal(d->priority, 10);
	assert_int_equal(d->proto, KW_PROTO_ALL);
	a = perm(f, 1, "SourceCidrIp");
	assert_int_equal(a->action, KW_ACT_ALLOW);
	assert_int_equal(a->priority, 1);
	ct_assert_ports(a, 3389, 3389, false);
	ct_done(f);

	f = load("priority_forms.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_rules, 7);
	assert_int_equal(perm(f, 0, "SourceCidrIp")->priority, 7);
	assert_int_equal(perm(f, 1, "SourceCidrIp")->priority, 8);
	assert_int_equal(perm(f, 2, "SourceCidrIp")->priority, 1);
	/* unreadable: an Accept first (1), a Drop last (100) */
	a = perm(f, 3, "SourceCidrIp");
	assert_int_equal(a->action, KW_ACT_ALLOW);
	assert_int_equal(a->priority, 1);
	const kw_diag *dg = ct_diag_with(f, "Priority 0 is outside 1..100: read as 1", NULL);
	assert_non_null(strstr(dg->msg, "#/Permissions/Permission/3/Priority"));
	assert_int_equal(perm(f, 4, "SourceCidrIp")->priority, 1);
	ct_diag_with(f, "Priority is an object, not a number: read as 1", NULL);
	d = perm(f, 5, "SourceCidrIp");
	assert_int_equal(d->action, KW_ACT_DENY);
	assert_int_equal(d->priority, 100);
	ct_diag_with(f, "Priority 'high' is not a number: read as 100", NULL);
	assert_int_equal(perm(f, 6, "SourceCidrIp")->priority, 100);
	ct_diag_with(f, "Priority 101 is outside 1..100: read as 100", NULL);
	assert_int_equal(f->d.n, 4);
	ct_done(f);
}

static void test_lists_paging_classic(void **state)
{
	(void)state;
	ct_fx *f = load("port_list.json");
	ct_no_diags(f);
	const kw_cloud_rule *r = perm(f, 0, "SourceCidrIp");
	ct_assert_ports(r, 0, 65535, true);
	assert_string_equal(r->why_unknown, "port list prl-bp1admin is not resolved by the input");
	ct_assert_cidr(r, "0.0.0.0/0");
	r = perm(f, 1, "SourcePrefixListId");
	assert_int_equal(r->src, KW_SRC_PREFIX_LIST);
	assert_string_equal(r->ref, "pl-bp1office");
	assert_string_equal(r->why_unknown, "prefix list pl-bp1office is not resolved by the input");
	ct_assert_ports(r, 22, 22, false);
	assert_string_equal(group(f, "sg-portlist")->name, "admin-ports");
	ct_done(f);

	f = load("next_token.json");
	ct_no_diags(f);
	assert_true(group(f, "sg-paged")->partial);
	ct_done(f);

	f = load("classic.json");
	ct_no_diags(f);
	const kw_cloud_group *g = group(f, "sg-classic1");
	assert_true(g->classic);
	assert_null(g->vpc);
	assert_false(g->partial);
	r = perm(f, 0, "SourceCidrIp");
	assert_null(r->id); /* "" */
	ct_done(f);
	/* a missing VpcId says nothing */
	f = load("port_list.json");
	assert_false(group(f, "sg-portlist")->classic);
	ct_done(f);
}

static void test_sources_and_directions(void **state)
{
	(void)state;
	ct_fx *f = load("both_sources.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 6); /* DestCidrIp of an ingress rule is not a source */
	assert_true(group(f, "sg-both")->enterprise);
	const kw_cloud_rule *r = perm(f, 0, "SourceCidrIp");
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_string_equal(r->id, "sgr-dual");
	r = perm(f, 0, "Ipv6SourceCidrIp");
	ct_assert_cidr(r, "::/0");
	assert_string_equal(r->id, "sgr-dual");
	ct_assert_ports(r, 22, 22, false);
	r = perm(f, 1, "SourceGroupId");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-bastion");
	assert_int_equal(r->proto, KW_PROTO_ICMP);
	ct_assert_ports(r, 0, 65535, false);
	r = perm(f, 2, "DestCidrIp");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	assert_int_equal(r->proto, KW_PROTO_UDP);
	ct_assert_ports(r, 53, 53, false);
	ct_assert_cidr(r, "0.0.0.0/0");
	r = perm(f, 3, "SourceCidrIp");
	assert_int_equal(r->proto, KW_PROTO_OTHER);
	assert_int_equal(r->proto_num, 47);
	ct_assert_ports(r, 0, 65535, false);
	r = perm(f, 4, "Ipv6SourceCidrIp");
	assert_int_equal(r->proto, KW_PROTO_ICMPV6);
	ct_assert_cidr(r, "::/0");
	ct_done(f);
}

static void test_several_groups(void **state)
{
	(void)state;
	ct_fx *f = load("multi_groups.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_groups, 2);
	assert_int_equal(f->m.n_rules, 3);
	assert_int_equal(f->m.inputs[0].records, 3);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_ALI_SECURITY_GROUP);
	assert_true(ct_ends_with(group(f, "sg-m1")->origin, "multi_groups.json#/0"));
	assert_true(ct_ends_with(group(f, "sg-m2")->origin, "multi_groups.json#/1"));
	const kw_cloud_rule *r = ct_rule_at(f, "#/1/Permissions/Permission/1/SourceCidrIp");
	assert_string_equal(ct_gid(f, r), "sg-m2");
	assert_int_equal(r->action, KW_ACT_DENY);
	r = ct_rule_at(f, "#/0/Permissions/Permission/0/SourceCidrIp");
	assert_string_equal(ct_gid(f, r), "sg-m1");
	ct_done(f);

	/* the same group twice (two exports of it): one group, its first origin; a bare
	 * Permissions array is read too, and its origins say so */
	f = ct_load_text("[{\"SecurityGroupId\":\"sg-x\",\"VpcId\":\"vpc-1\",\"Permissions\":{\"Permission\":[]}},"
		      "{\"SecurityGroupId\":\"sg-x\",\"Permissions\":[{\"Direction\":\"ingress\","
		      "\"Policy\":\"Accept\",\"Priority\":\"1\",\"IpProtocol\":\"TCP\",\"PortRange\":\"22/22\","
		      "\"SourceCidrIp\":\"0.0.0.0/0\"}]}]");
	ct_no_diags(f);
	assert_int_equal(f->m.n_groups, 1);
	assert_string_equal(group(f, "sg-x")->origin, "mem.json#/0");
	assert_string_equal(group(f, "sg-x")->vpc, "vpc-1");
	assert_string_equal(f->m.rules[0].origin, "mem.json#/1/Permissions/0/SourceCidrIp");
	ct_done(f);
}

static void test_bad_types(void **state)
{
	(void)state;
	ct_fx *f = load("bad_types.json");
	assert_int_equal(f->rc, 0);
	assert_false(kw_diags_any_fatal(&f->d));
	assert_int_equal(f->m.n_rules, 9);
	const kw_cloud_rule *r = perm(f, 0, "SourceCidrIp");
	ct_assert_ports(r, 0, 65535, true);
	ct_diag_with(f, "PortRange '22-22' is not a port range", NULL);
	r = perm(f, 1, "SourceCidrIp");
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	ct_diag_with(f, "Direction 'sideways' is neither ingress nor egress: read as ingress", NULL);
	r = perm(f, 2, "SourceCidrIp");
	assert_int_equal(r->action, KW_ACT_ALLOW);
	ct_diag_with(f, "Policy 'Maybe' is neither Accept nor Drop: read as Accept", NULL);
	ct_assert_ports(perm(f, 3, "SourceCidrIp"), 0, 65535, true);
	ct_diag_with(f, "PortRange '30/20' is not a range of ports", NULL);
	r = perm(f, 4, "SourceCidrIp");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	ct_assert_ports(r, 0, 65535, true);
	ct_diag_with(f, "PortRange is a number, not a string", NULL);
	ct_diag_with(f, "SourceCidrIp is an array, not a string", NULL);
	r = perm(f, 5, "SourceCidrIp");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	ct_assert_ports(r, 22, 22, false);
	ct_diag_with(f, "IpProtocol 'SCTP' is not a protocol", NULL);
	ct_diag_with(f, "'300.1.1.1/8' is not a CIDR", NULL);
	char p[64];
	snprintf(p, sizeof p, "%s6", P0);
	r = ct_rule_at(f, p);
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_string_equal(r->why_unknown, "the rule names no source");
	/* a Drop without Direction: outbound, so it cancels no inbound Accept */
	r = perm(f, 7, "SourceCidrIp");
	assert_int_equal(r->action, KW_ACT_DENY);
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	ct_diag_with(f, "no Direction: read as egress", NULL);
	snprintf(p, sizeof p, "%s8", P0);
	r = ct_rule_at(f, p);
	assert_int_equal(r->action, KW_ACT_ALLOW);
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	ct_diag_with(f, "a permission is a number", NULL);
	ct_done(f);

	f = load("not_array.json");
	assert_int_equal(f->rc, KW_E_PARSE);
	assert_true(kw_diags_any_fatal(&f->d));
	ct_diag_with(f, "#/Permissions: Permissions.Permission is a string, not an array", NULL);
	assert_int_equal(f->m.n_rules, 0);
	assert_int_equal(f->m.n_groups, 0);
	ct_done(f);

	/* straight to the reader: a kind not Alibaba's, a document that is not an object */
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	kw_cloud_read_ctx x = { .m = &m, .d = &d, .file = "x.json" };
	json_t *doc = json_pack("{s:{s:[i]}}", "Instances", "Instance", 1);
	assert_int_equal(kw_cloud_read_alibaba(&x, KW_KIND_AWS_INSTANCES, doc), KW_E_PARSE);
	assert_int_equal(kw_cloud_read_alibaba(&x, KW_KIND_ALI_INSTANCES, doc), 0);
	assert_int_equal(m.n_instances, 0); /* a number is not an instance: diagnostic */
	assert_int_equal(x.ptr.n, 0);
	json_t *arr = json_array();
	assert_int_equal(kw_cloud_read_alibaba(&x, KW_KIND_ALI_SECURITY_GROUP, arr), KW_E_PARSE);
	assert_int_equal(d.n, 3);
	assert_true(d.v[0].fatal && !d.v[1].fatal && d.v[2].fatal);
	assert_non_null(strstr(d.v[1].msg, "#/Instances/Instance/0: an instance is a number"));
	json_decref(arr);
	json_decref(doc);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
}

/* ---- DescribeInstances ---- */

static void test_instances(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("instances.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_ALI_INSTANCES);
	assert_int_equal(f->m.n_instances, 4);
	assert_true(f->m.have_instances);
	const kw_cloud_instance *in = ct_instance(f, "i-bp1pub");
	assert_string_equal(in->name, "web-pub");
	assert_int_equal(in->os, KW_OS_LINUX);
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_string_equal(in->public_why, "public IP 47.98.10.20");
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-bp1web,sg-bp1ssh");
	assert_true(ct_ends_with(in->origin, "#/Instances/Instance/0"));
	in = ct_instance(f, "i-bp1eip");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_string_equal(in->public_why, "EIP 47.100.1.2");
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-bp1ssh,sg-bp1extra");
	in = ct_instance(f, "i-bp1priv");
	assert_int_equal(in->public_ip, KW_TRI_FALSE);
	assert_null(in->public_why);
	in = ct_instance(f, "i-bp1win");
	assert_int_equal(in->os, KW_OS_WINDOWS);
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_string_equal(in->public_why, "InternetMaxBandwidthOut 10");
	const kw_cloud_group *g = group(f, "sg-bp1extra");
	assert_false(g->has_rules);
	assert_true(ct_ends_with(g->origin, "#/Instances/Instance/1/NetworkInterfaces/NetworkInterface/0/"
					 "SecurityGroupIds/SecurityGroupId/1"));
	assert_true(ct_ends_with(group(f, "sg-bp1web")->origin, "#/Instances/Instance/0/SecurityGroupIds/SecurityGroupId/0"));
	ct_done(f);

	f = load("instances_paged.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_instances, 1);
	assert_false(f->m.have_instances);
	ct_diag_with(f, "holds 1 of 25 instances", NULL);
	ct_done(f);
}

static void test_instances_bad_types(void **state)
{
	(void)state;
	char buf[256];
	ct_fx *f = load("instances_bad.json");
	assert_int_equal(f->rc, 0);
	assert_false(kw_diags_any_fatal(&f->d));
	assert_int_equal(f->m.n_instances, 2);
	/* TotalCount 3, three entries listed (one unreadable): the listing is whole */
	assert_true(f->m.have_instances);
	const kw_cloud_instance *in = ct_instance(f, "i-bad1");
	assert_int_equal(in->public_ip, KW_TRI_UNKNOWN);
	assert_true(in->groups_unknown);
	assert_int_equal(in->n_groups, 0);
	ct_diag_with(f, "#/Instances/Instance/0/PublicIpAddress: PublicIpAddress is not a list", NULL);
	ct_diag_with(f, "#/Instances/Instance/0/EipAddress: EipAddress is an array, not an object", NULL);
	ct_diag_with(f, "InternetMaxBandwidthOut 'lots' is not a number", NULL);
	ct_diag_with(f, "#/Instances/Instance/0/SecurityGroupIds: SecurityGroupIds is a string", NULL);
	char id[600];
	snprintf(id, sizeof id, "%s#/Instances/Instance/1", f->path);
	in = ct_instance(f, id);
	assert_string_equal(in->name, "no-id");
	assert_int_equal(in->os, KW_OS_WINDOWS);
	assert_int_equal(in->public_ip, KW_TRI_UNKNOWN); /* IPv6 only */
	assert_non_null(strstr(in->public_why, "2408:4005::5"));
	assert_true(in->groups_unknown);
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-ok");
	ct_diag_with(f, "SecurityGroupId/1: a group entry is a number", NULL);
	ct_diag_with(f, "#/Instances/Instance/2: an instance is a string", NULL);
	assert_int_equal(f->d.n, 7);
	ct_done(f);
}

/* ---- launches ---- */

static void test_requests(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("request_inherit.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_ALI_RUN_REQUEST);
	assert_int_equal(f->m.n_launches, 1);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_int_equal(l->provider, KW_CLOUD_ALIBABA);
	assert_int_equal(l->kind, KW_LAUNCH_REQUEST);
	assert_string_equal(l->name, "RunInstances request");
	assert_int_equal(l->password_inherit, KW_TRI_TRUE);
	assert_int_equal(l->key_pair, KW_TRI_FALSE);
	assert_int_equal(l->password, KW_TRI_FALSE);
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_true(l->custom_image);
	assert_string_equal(l->image, "m-custom-golden-01");
	assert_int_equal(l->os, KW_OS_UNKNOWN);
	assert_int_equal(l->user_data, KW_TRI_ABSENT);
	assert_null(l->template_ref);
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-demo1");
	assert_true(ct_ends_with(group(f, "sg-demo1")->origin, "request_inherit.json#/SecurityGroupId"));
	ct_done(f);

	f = load("request_password.json");
	ct_no_diags(f);
	l = &f->m.launches[0];
	assert_string_equal(l->name, "CreateInstance request");
	assert_int_equal(l->password, KW_TRI_TRUE);
	assert_int_equal(l->password_inherit, KW_TRI_FALSE); /* "false" */
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);       /* "0" */
	assert_int_equal(l->os, KW_OS_LINUX);               /* centos_… */
	assert_false(l->custom_image);
	ct_no_secret(f, "Hunter2");
	ct_done(f);

	f = load("request_nocred.json");
	ct_no_diags(f);
	l = &f->m.launches[0];
	assert_int_equal(l->password, KW_TRI_FALSE);
	assert_int_equal(l->key_pair, KW_TRI_FALSE);
	assert_int_equal(l->password_inherit, KW_TRI_FALSE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);
	assert_int_equal(l->os, KW_OS_WINDOWS);             /* win2022_… */
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-2zea,sg-2zeb");
	ct_done(f);

	f = load("request_flat.json");
	ct_no_diags(f);
	l = &f->m.launches[0];
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf),
			    "sg-flat1,sg-flat2,sg-flat3,sg-flat4");
	assert_string_equal(l->template_ref, "lt-bp1tmpl version 3");
	/* what the request does not say may come from the template */
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	assert_int_equal(l->password, KW_TRI_ABSENT);
	assert_int_equal(l->password_inherit, KW_TRI_ABSENT);
	assert_int_equal(l->public_ip, KW_TRI_ABSENT);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_int_equal(l->os, KW_OS_LINUX);
	assert_true(ct_ends_with(group(f, "sg-flat1")->origin, "#/SecurityGroupIds.1"));
	assert_int_equal(kw_cloud_group_find(&f->m, KW_CLOUD_ALIBABA, "sg-not"), -1);
	ct_done(f);
}

static void test_request_bad_types(void **state)
{
	(void)state;
	ct_fx *f = load("request_bad.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_launches, 1);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_string_equal(l->name, "launch request"); /* an Action with control characters */
	assert_int_equal(l->password_inherit, KW_TRI_UNKNOWN);
	assert_int_equal(l->password, KW_TRI_TRUE);       /* a number is still a password */
	assert_int_equal(l->key_pair, KW_TRI_UNKNOWN);
	assert_int_equal(l->public_ip, KW_TRI_UNKNOWN);
	assert_true(l->custom_image);
	assert_int_equal(l->n_groups, 0);
	ct_diag_with(f, "#/PasswordInherit: PasswordInherit is a string, not true or false", NULL);
	const kw_diag *d = ct_diag_with(f, "#/Password: Password is a number, not a string", NULL);
	assert_null(strstr(d->msg, "12345678"));
	ct_no_secret(f, "12345678");
	ct_diag_with(f, "#/KeyPairName: KeyPairName is an array", NULL);
	ct_diag_with(f, "#/InternetMaxBandwidthOut: InternetMaxBandwidthOut 'five' is not a number", NULL);
	ct_diag_with(f, "#/SecurityGroupId: SecurityGroupId is a number", NULL);
	ct_diag_with(f, "#/SecurityGroupIds: SecurityGroupIds is a string", NULL);
	assert_int_equal(f->d.n, 6);
	ct_done(f);
}

static void test_launch_templates(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("launch_templates.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_ALI_LAUNCH_TEMPLATES);
	assert_int_equal(f->m.n_launches, 2);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_int_equal(l->kind, KW_LAUNCH_TEMPLATE);
	assert_string_equal(l->name, "lt-bp1golden version 2");
	assert_int_equal(l->password_inherit, KW_TRI_TRUE);
	assert_int_equal(l->key_pair, KW_TRI_FALSE);
	assert_int_equal(l->password, KW_TRI_ABSENT); /* never returned */
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_true(l->custom_image);
	assert_int_equal(l->user_data, KW_TRI_ABSENT);
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-bp1web,sg-bp1ssh,sg-bp1nic");
	assert_true(ct_ends_with(l->origin, "#/LaunchTemplateVersionSets/LaunchTemplateVersionSet/0"));
	l = &f->m.launches[1];
	assert_string_equal(l->name, "lt-bp1golden version 1");
	assert_int_equal(l->password_inherit, KW_TRI_FALSE);
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);
	assert_false(l->custom_image);
	assert_int_equal(l->os, KW_OS_LINUX);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	ct_done(f);
}

/* ---- size ---- */

/* The sanitizer build checks the same code on a fifth of the size. */
#if defined(__SANITIZE_ADDRESS__)
#define SCALE 5
#define TIME_LIMIT 2.0
#else
#define SCALE 1
#define TIME_LIMIT 1.0
#endif

static void test_big_group(void **state)
{
	(void)state;
	json_t *perms = json_array();
	for (int i = 0; i < 200000 / SCALE; i++)
		json_array_append_new(perms, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "Direction", "ingress",
						       "Policy", i % 7 ? "Accept" : "Drop", "Priority", 1 + i % 100,
						       "IpProtocol", "TCP", "PortRange", "22/22",
						       "SourceCidrIp", "10.0.0.0/8", "Ipv6SourceCidrIp", "",
						       "SourceGroupId", ""));
	json_t *doc = json_pack("{s:s,s:s,s:{s:o}}", "SecurityGroupId", "sg-big", "VpcId", "vpc-1",
				"Permissions", "Permission", perms);
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	kw_cloud_read_ctx x = { .m = &m, .d = &d, .file = "big.json" };
	double t0 = ct_now();
	assert_int_equal(kw_cloud_read_alibaba(&x, KW_KIND_ALI_SECURITY_GROUP, doc), 0);
	double t = ct_now() - t0;
	print_message("%d permissions read in %.3f s\n", 200000 / SCALE, t);
	assert_int_equal(d.n, 0);
	assert_int_equal(m.n_rules, 200000 / SCALE);
	assert_int_equal(m.rules[7].action, KW_ACT_DENY);
	assert_int_equal(m.rules[200000 / SCALE - 1].priority, 100);
	assert_true(t < TIME_LIMIT);
	json_decref(doc);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_lists_paging_classic),
		cmocka_unit_test(test_sources_and_directions),
		cmocka_unit_test(test_several_groups),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_instances_bad_types),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_request_bad_types),
		cmocka_unit_test(test_launch_templates),
		cmocka_unit_test(test_big_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
