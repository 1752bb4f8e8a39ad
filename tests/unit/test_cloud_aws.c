/* test_cloud_aws.c — the AWS readers (src/cloud/aws.c) through kw_cloud_load_file on the
 * fixtures in tests/data/cloud/aws/:
 *
 *  - describe-security-groups: the research's minimal example (a 0-1024 range, "-1" on
 *    ::/0 without ports, a /28 and a group reference), ::/0 only, 20-30 and UDP 3389,
 *    "-1" without ports, protocol 50 / icmp type+code / "6" / icmpv6, a prefix list (its
 *    why), group references (never a CIDR), host bits (2.2.2.2/28, 0.0.0.1/0, a bare
 *    address), IPv6 spellings (0::/0, 0000:…:0000/0, upper case), NextToken (every group
 *    partial); each record's fields and exact origin (FILE#/…/IpRanges/0), no diagnostics;
 *  - describe-security-group-rules: -1 with -1/-1 is all ports, rule ids, CidrIpv4 /
 *    CidrIpv6 / PrefixListId / ReferencedGroupInfo, IsEgress;
 *  - broken input: reversed, out-of-range and non-numeric ports (diagnostic, any port),
 *    numeric strings accepted, wrong types everywhere (each a diagnostic at its pointer and
 *    a record with unknowns, nothing dropped), a main array of the wrong type (KW_E_PARSE,
 *    fatal); a group without GroupId; a group without IpPermissions (rules not known);
 *  - describe-instances: public IP, a public IP on a second interface, private, groups from
 *    SecurityGroups and interfaces deduplicated, placeholders with the first mention as
 *    origin, Name tags, Windows by Platform and PlatformDetails, IPv6 only (unknown),
 *    have_instances, a paged listing (not have_instances, diagnostic); wrong types in a
 *    listing (each a diagnostic; an unreadable public IP is unknown, an unnamed group makes
 *    groups_unknown);
 *  - run-instances requests and launch template versions: key pair, groups, public IP,
 *    template reference, user data (plain text in a request, base64 in a template) judged
 *    by kw_userdata_judge, and the password in user data copied nowhere; wrong types in a
 *    request (unknown key pair, user data and public IP, an unreadable template reference);
 *  - several documents in one file (origins "#/1/…"), and 200,000 rules (two shapes) read
 *    read (after parsing) in well under a second; an instance naming 100,000 groups twice.
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

#define DATA KW_TEST_DATA "/cloud/aws/"

static ct_fx *load(const char *name)
{
	return ct_load(DATA, name);
}

static const kw_cloud_group *group(const ct_fx *f, const char *id)
{
	return ct_group(f, KW_CLOUD_AWS, id);
}

/* ---- describe-security-groups ---- */

static void test_minimal(void **state)
{
	(void)state;
	ct_fx *f = load("minimal.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_groups, 2);   /* a group reference adds no group */
	assert_int_equal(f->m.n_rules, 4);
	assert_int_equal(f->m.n_inputs, 1);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_AWS_SECURITY_GROUPS);
	assert_int_equal(f->m.inputs[0].records, 4);

	const kw_cloud_group *bad = group(f, "sg-0bad");
	assert_true(bad->has_rules);
	assert_false(bad->partial);
	assert_string_equal(bad->name, "web");
	assert_string_equal(bad->vpc, "vpc-1");
	assert_true(ct_ends_with(bad->origin, "minimal.json#/SecurityGroups/0"));

	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	assert_string_equal(ct_gid(f, r), "sg-0bad");
	assert_int_equal(r->provider, KW_CLOUD_AWS);
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	assert_int_equal(r->action, KW_ACT_ALLOW);
	assert_int_equal(r->proto, KW_PROTO_TCP);
	assert_int_equal(r->priority, 0);
	ct_assert_ports(r, 0, 1024, false);
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_true(kw_cloud_cidr_is_internet(&r->cidr));
	assert_null(r->why_unknown);

	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/1/Ipv6Ranges/0");
	assert_int_equal(r->proto, KW_PROTO_ALL);
	ct_assert_ports(r, 0, 65535, false);
	ct_assert_cidr(r, "::/0");
	assert_int_equal(r->cidr.a.fam, 6);

	r = ct_rule_at(f, "#/SecurityGroups/1/IpPermissions/0/IpRanges/0");
	assert_string_equal(ct_gid(f, r), "sg-0ok");
	ct_assert_cidr(r, "203.0.113.0/28");
	ct_assert_ports(r, 22, 22, false);
	assert_false(kw_cloud_cidr_is_internet(&r->cidr));

	r = ct_rule_at(f, "#/SecurityGroups/1/IpPermissions/0/UserIdGroupPairs/0");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-0bad");
	ct_assert_ports(r, 22, 22, false);
	ct_done(f);
}

static void test_ipv6_only_and_egress(void **state)
{
	(void)state;
	ct_fx *f = load("ipv6_only.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 3);
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/Ipv6Ranges/0");
	ct_assert_cidr(r, "::/0");
	assert_int_equal(r->proto, KW_PROTO_TCP);
	ct_assert_ports(r, 22, 22, false);
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissionsEgress/0/IpRanges/0");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	assert_int_equal(r->proto, KW_PROTO_ALL);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissionsEgress/0/Ipv6Ranges/0");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	assert_string_equal(group(f, "sg-0a6e")->name, "v6-ssh");
	ct_done(f);
}

static void test_ranges_and_protocols(void **state)
{
	(void)state;
	ct_fx *f = load("range_20_30.json");
	ct_no_diags(f);
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	ct_assert_ports(r, 20, 30, false);
	assert_int_equal(r->proto, KW_PROTO_TCP);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/1/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_UDP);
	ct_assert_ports(r, 3389, 3389, false);
	ct_done(f);

	f = load("proto_all_noports.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 2);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_ALL);
	ct_assert_ports(r, 0, 65535, false);
	ct_done(f);

	f = load("proto_number.json");
	ct_no_diags(f);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_OTHER);
	assert_int_equal(r->proto_num, 50);
	ct_assert_ports(r, 0, 65535, false);
	/* icmp 8/-1: a type and a code, not ports */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/1/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_ICMP);
	ct_assert_ports(r, 0, 65535, false);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/2/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_TCP);
	ct_assert_ports(r, 3389, 3389, false);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/3/Ipv6Ranges/0");
	assert_int_equal(r->proto, KW_PROTO_ICMPV6);
	ct_done(f);
}

static void test_references(void **state)
{
	(void)state;
	ct_fx *f = load("prefix_list.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 1);
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/PrefixListIds/0");
	assert_int_equal(r->src, KW_SRC_PREFIX_LIST);
	assert_string_equal(r->ref, "pl-0123456789abcdef0");
	assert_string_equal(r->why_unknown, "prefix list pl-0123456789abcdef0 is not resolved by the input");
	ct_assert_ports(r, 22, 22, false);
	ct_done(f);

	f = load("group_ref.json");
	ct_no_diags(f);
	assert_int_equal(f->m.n_rules, 2);
	assert_int_equal(f->m.n_groups, 1);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/UserIdGroupPairs/0");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-0bastion");
	assert_null(r->why_unknown);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/UserIdGroupPairs/1");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-0peer");
	ct_done(f);
}

static void test_cidr_spellings(void **state)
{
	(void)state;
	ct_fx *f = load("host_bits.json");
	ct_no_diags(f);
	ct_assert_cidr(ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0"), "2.2.2.0/28");
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/1");
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_true(kw_cloud_cidr_is_internet(&r->cidr));
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/2");
	ct_assert_cidr(r, "198.51.100.7");
	assert_int_equal(r->cidr.bits, 32);
	ct_done(f);

	f = load("ipv6_forms.json");
	ct_no_diags(f);
	for (int i = 0; i < 2; i++) {
		char p[128];
		snprintf(p, sizeof p, "#/SecurityGroups/0/IpPermissions/0/Ipv6Ranges/%d", i);
		r = ct_rule_at(f, p);
		ct_assert_cidr(r, "::/0");
		assert_true(kw_cloud_cidr_is_internet(&r->cidr));
		assert_int_equal(r->cidr.a.fam, 6);
	}
	ct_assert_cidr(ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/Ipv6Ranges/2"), "2001:db8::/32");
	ct_done(f);
}

static void test_next_token(void **state)
{
	(void)state;
	ct_fx *f = load("next_token.json");
	ct_no_diags(f);
	assert_true(group(f, "sg-0p1")->partial);
	assert_true(group(f, "sg-0p2")->partial);
	assert_true(group(f, "sg-0p1")->has_rules); /* no rules on this page, but described */
	assert_int_equal(f->m.n_rules, 1);
	ct_done(f);
}

/* ---- describe-security-group-rules ---- */

static void test_rule_list(void **state)
{
	(void)state;
	ct_fx *f = load("rule_list.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_AWS_SECURITY_GROUP_RULES);
	assert_int_equal(f->m.n_rules, 5);
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroupRules/0/CidrIpv4");
	assert_int_equal(r->proto, KW_PROTO_ALL);
	ct_assert_ports(r, 0, 65535, false);     /* -1/-1 */
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_string_equal(r->id, "sgr-0all");
	assert_string_equal(ct_gid(f, r), "sg-0rl");
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	r = ct_rule_at(f, "#/SecurityGroupRules/1/CidrIpv6");
	ct_assert_cidr(r, "::/0");
	ct_assert_ports(r, 22, 22, false);
	r = ct_rule_at(f, "#/SecurityGroupRules/2/PrefixListId");
	assert_int_equal(r->src, KW_SRC_PREFIX_LIST);
	assert_string_equal(r->ref, "pl-0corp");
	assert_non_null(strstr(r->why_unknown, "pl-0corp"));
	r = ct_rule_at(f, "#/SecurityGroupRules/3/ReferencedGroupInfo");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-0rl");
	assert_string_equal(ct_gid(f, r), "sg-0other");
	r = ct_rule_at(f, "#/SecurityGroupRules/4/CidrIpv4");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	const kw_cloud_group *g = group(f, "sg-0rl");
	assert_true(g->has_rules);
	assert_true(ct_ends_with(g->origin, "#/SecurityGroupRules/0"));
	assert_true(group(f, "sg-0other")->has_rules);
	ct_done(f);
}

/* ---- broken input ---- */

static void test_bad_ports(void **state)
{
	(void)state;
	ct_fx *f = load("bad_ports.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_rules, 5);
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	ct_assert_ports(r, 0, 65535, true);
	assert_non_null(r->why_unknown);
	ct_assert_cidr(r, "0.0.0.0/0");
	const kw_diag *d = ct_diag_with(f, "30-20", "any port");
	assert_non_null(strstr(d->msg, "#/SecurityGroups/0/IpPermissions/0"));
	assert_false(d->fatal);
	ct_assert_ports(ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/1/IpRanges/0"), 0, 65535, true);
	ct_diag_with(f, "0-70000", NULL);
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/2/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_UDP);
	ct_assert_ports(r, 0, 65535, true);
	d = ct_diag_with(f, "FromPort 'ssh' is not a number", NULL);
	assert_non_null(strstr(d->msg, "#/SecurityGroups/0/IpPermissions/2/FromPort"));
	/* numbers as strings are numbers */
	ct_assert_ports(ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/3/IpRanges/0"), 22, 22, false);
	ct_assert_ports(ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/4/IpRanges/0"), 0, 65535, true);
	ct_diag_with(f, "without FromPort and ToPort", NULL);
	assert_int_equal(f->d.n, 4);
	ct_done(f);
}

static void test_bad_types(void **state)
{
	(void)state;
	ct_fx *f = load("bad_types.json");
	assert_int_equal(f->rc, 0);
	assert_false(kw_diags_any_fatal(&f->d));

	/* IpRanges a string: one rule, any source */
	const kw_cloud_rule *r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/0/IpRanges");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	ct_assert_ports(r, 22, 22, false);
	ct_diag_with(f, "IpRanges is a string, not an array", NULL);
	/* IpProtocol an object: any protocol, the ports and source kept */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/1/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	ct_assert_ports(r, 22, 22, false);
	ct_assert_cidr(r, "0.0.0.0/0");
	assert_non_null(r->why_unknown);
	ct_diag_with(f, "IpProtocol is an object", NULL);
	/* four unreadable entries: four unknown sources, none dropped */
	for (int i = 0; i < 4; i++) {
		char p[128];
		snprintf(p, sizeof p, "#/SecurityGroups/0/IpPermissions/2/IpRanges/%d", i);
		r = ct_rule_at(f, p);
		assert_int_equal(r->src, KW_SRC_UNKNOWN);
		assert_non_null(r->why_unknown);
	}
	ct_diag_with(f, "'everywhere' is not a CIDR", NULL);
	ct_diag_with(f, "CidrIp is a number", NULL);
	ct_diag_with(f, "entry is a number", NULL);
	ct_diag_with(f, "entry without CidrIp", NULL);
	/* no source at all */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/3");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_string_equal(r->why_unknown, "the permission names no source");
	/* a permission that is a string */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/4");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	ct_assert_ports(r, 0, 65535, true);
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	/* an unknown protocol name */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissions/5/IpRanges/0");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	ct_diag_with(f, "IpProtocol 'bogus' is not a protocol", NULL);
	/* IpPermissionsEgress an object */
	r = ct_rule_at(f, "#/SecurityGroups/0/IpPermissionsEgress");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	/* IpPermissions a string: the group's inbound rules are unknown, not empty */
	r = ct_rule_at(f, "#/SecurityGroups/1/IpPermissions");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_string_equal(ct_gid(f, r), "sg-0bt2");
	assert_true(group(f, "sg-0bt2")->has_rules);
	/* no GroupId: named by its place */
	char id[600];
	snprintf(id, sizeof id, "%s#/SecurityGroups/2", f->path);
	const kw_cloud_group *g = group(f, id);
	assert_string_equal(g->name, "no-id");
	ct_diag_with(f, "no GroupId", NULL);
	r = ct_rule_at(f, "#/SecurityGroups/2/IpPermissions/0/IpRanges/0");
	ct_assert_cidr(r, "10.0.0.0/8");
	/* a string where a group should be; a group without IpPermissions */
	ct_diag_with(f, "a security group is a string", NULL);
	assert_false(group(f, "sg-0noperm")->has_rules);
	ct_diag_with(f, "no IpPermissions", NULL);
	assert_int_equal(f->m.n_rules, 12);
	assert_int_equal(f->m.inputs[0].records, 12);
	ct_done(f);
}

static void test_wrong_main_array(void **state)
{
	(void)state;
	ct_fx *f = load("not_array.json");
	assert_int_equal(f->rc, KW_E_PARSE);
	assert_true(kw_diags_any_fatal(&f->d));
	ct_diag_with(f, "#/SecurityGroupRules: SecurityGroupRules is an object, not an array", NULL);
	assert_int_equal(f->m.n_rules, 0);
	ct_done(f);

	/* straight to the reader: SecurityGroups of the wrong type, a kind not AWS's */
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	kw_cloud_read_ctx x = { .m = &m, .d = &d, .file = "x.json" };
	json_t *doc = json_pack("{s:{s:i}}", "SecurityGroups", "a", 1);
	assert_int_equal(kw_cloud_read_aws(&x, KW_KIND_AWS_SECURITY_GROUPS, doc), KW_E_PARSE);
	assert_int_equal(x.ptr.n, 0); /* the pointer is back where it started */
	assert_int_equal(kw_cloud_read_aws(&x, KW_KIND_AWS_INSTANCES, doc), KW_E_PARSE);
	assert_int_equal(kw_cloud_read_aws(&x, KW_KIND_ALI_INSTANCES, doc), KW_E_PARSE);
	assert_int_equal(d.n, 3);
	assert_true(d.v[0].fatal && d.v[1].fatal && d.v[2].fatal);
	assert_non_null(strstr(d.v[0].msg, "SecurityGroups is an object, not an array"));
	json_decref(doc);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
}

/* ---- describe-instances ---- */

static void test_instances(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("instances.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_AWS_INSTANCES);
	assert_int_equal(f->m.n_instances, 3);
	assert_int_equal(f->m.inputs[0].records, 3);
	assert_true(f->m.have_instances);

	const kw_cloud_instance *in = ct_instance(f, "i-0public");
	assert_int_equal(in->provider, KW_CLOUD_AWS);
	assert_string_equal(in->name, "web-1");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_string_equal(in->public_why, "public IP 198.51.100.10");
	assert_int_equal(in->os, KW_OS_LINUX);
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-0web,sg-0ssh");
	assert_false(in->groups_unknown);
	assert_true(ct_ends_with(in->origin, "instances.json#/Reservations/0/Instances/0"));

	in = ct_instance(f, "i-0private");
	assert_string_equal(in->name, "db-1");
	assert_int_equal(in->public_ip, KW_TRI_TRUE); /* its second interface has one */
	assert_string_equal(in->public_why, "public IP 203.0.113.77 on eni-0c");
	assert_int_equal(in->os, KW_OS_LINUX);
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-0db,sg-0mgmt");

	in = ct_instance(f, "i-0internal");
	assert_null(in->name);
	assert_int_equal(in->public_ip, KW_TRI_FALSE);
	assert_null(in->public_why);
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-0db");
	assert_true(ct_ends_with(in->origin, "#/Reservations/1/Instances/0"));

	/* groups named by instances are placeholders, first mention as origin */
	assert_int_equal(f->m.n_groups, 4);
	const kw_cloud_group *g = group(f, "sg-0web");
	assert_false(g->has_rules);
	assert_true(ct_ends_with(g->origin, "#/Reservations/0/Instances/0/SecurityGroups/0"));
	g = group(f, "sg-0mgmt");
	assert_true(ct_ends_with(g->origin, "#/Reservations/0/Instances/1/NetworkInterfaces/1/Groups/0"));
	ct_done(f);
}

static void test_instances_windows_ipv6(void **state)
{
	(void)state;
	ct_fx *f = load("instances_windows.json");
	ct_no_diags(f);
	const kw_cloud_instance *in = ct_instance(f, "i-0win");
	assert_int_equal(in->os, KW_OS_WINDOWS);
	assert_string_equal(in->name, "jump-win");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	in = ct_instance(f, "i-0sql");
	assert_int_equal(in->os, KW_OS_WINDOWS);
	assert_int_equal(in->public_ip, KW_TRI_FALSE);
	in = ct_instance(f, "i-0v6");
	assert_int_equal(in->os, KW_OS_LINUX);
	assert_int_equal(in->public_ip, KW_TRI_UNKNOWN);
	assert_non_null(strstr(in->public_why, "IPv6 address 2600:1f18:abcd::10"));
	assert_int_equal(in->n_groups, 1);
	in = ct_instance(f, "i-0bsd");
	assert_int_equal(in->os, KW_OS_UNKNOWN);
	assert_int_equal(in->n_groups, 0);
	assert_null(in->groups);
	ct_done(f);

	f = load("instances_paged.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_instances, 1);
	assert_false(f->m.have_instances);
	const kw_diag *d = ct_diag_with(f, "paged (NextToken)", "unused");
	assert_non_null(strstr(d->msg, "#/NextToken"));
	assert_false(d->fatal);
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
	assert_true(f->m.have_instances);
	ct_diag_with(f, "#/Reservations/0: a reservation is a string", NULL);
	ct_diag_with(f, "#/Reservations/1/Instances: Instances is an object, not an array", NULL);
	const kw_cloud_instance *in = ct_instance(f, "i-0bad1");
	assert_int_equal(in->public_ip, KW_TRI_UNKNOWN); /* PublicIpAddress a number */
	assert_string_equal(in->public_why, "unreadable PublicIpAddress");
	assert_true(in->groups_unknown);
	assert_string_equal(ct_groups_of(f, in->groups, in->n_groups, buf, sizeof buf), "sg-0ok");
	assert_string_equal(in->name, "bad-one");
	ct_diag_with(f, "#/Reservations/2/Instances/0/SecurityGroups: SecurityGroups is a string", NULL);
	ct_diag_with(f, "NetworkInterfaces/0: a network interface is a number", NULL);
	ct_diag_with(f, "NetworkInterfaces/1/Groups/0: a group entry without GroupId", NULL);
	char id[600];
	snprintf(id, sizeof id, "%s#/Reservations/2/Instances/1", f->path);
	in = ct_instance(f, id);
	assert_int_equal(in->os, KW_OS_LINUX);
	ct_diag_with(f, "#/Reservations/2/Instances/2: an instance is an array", NULL);
	assert_int_equal(f->d.n, 8);
	ct_done(f);
}

/* ---- launches ---- */

static void test_run_requests(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("run_key.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_AWS_RUN_REQUEST);
	assert_int_equal(f->m.n_launches, 1);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_int_equal(l->provider, KW_CLOUD_AWS);
	assert_int_equal(l->kind, KW_LAUNCH_REQUEST);
	assert_string_equal(l->name, "RunInstances request");
	assert_string_equal(l->image, "ami-0abcdef1234567890");
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);
	assert_int_equal(l->password, KW_TRI_ABSENT);
	assert_int_equal(l->password_inherit, KW_TRI_ABSENT);
	assert_int_equal(l->user_data, KW_TRI_ABSENT);
	assert_false(l->custom_image);
	assert_null(l->template_ref);
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-0web,sg-0ssh,sg-0mgmt");
	assert_true(ct_ends_with(l->origin, "run_key.json#"));
	assert_true(ct_ends_with(group(f, "sg-0mgmt")->origin, "#/NetworkInterfaces/0/Groups/0"));
	ct_done(f);

	f = load("run_nokey_template.json");
	ct_no_diags(f);
	l = &f->m.launches[0];
	assert_int_equal(l->key_pair, KW_TRI_ABSENT); /* the template may name one */
	assert_string_equal(l->template_ref, "lt-0abc123 version $Latest");
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_null(l->image);
	ct_done(f);

	f = load("run_userdata.json");
	ct_no_diags(f);
	l = &f->m.launches[0];
	assert_int_equal(l->key_pair, KW_TRI_FALSE); /* no key, no template */
	assert_int_equal(l->public_ip, KW_TRI_ABSENT);
	assert_int_equal(l->user_data, KW_TRI_TRUE);  /* plain text in a CLI request */
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_true(l->ud_hits & KW_UD_SETPW);
	assert_int_equal(l->ud_line, 2);
	ct_no_secret(f, "S3cret-Not-For-Output");
	ct_done(f);
}

static void test_run_request_bad_types(void **state)
{
	(void)state;
	char buf[256];
	ct_fx *f = load("run_bad.json");
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->m.n_launches, 1);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_int_equal(l->key_pair, KW_TRI_UNKNOWN);
	assert_int_equal(l->user_data, KW_TRI_UNKNOWN);
	assert_non_null(l->ud_why);
	assert_int_equal(l->public_ip, KW_TRI_UNKNOWN);
	assert_string_equal(l->template_ref, "unreadable LaunchTemplate");
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-0y");
	ct_diag_with(f, "#/KeyName: KeyName is an object, not a string", NULL);
	ct_diag_with(f, "#/UserData: UserData is a number", NULL);
	ct_diag_with(f, "#/SecurityGroupIds: SecurityGroupIds is a string, not an array", NULL);
	ct_diag_with(f, "#/NetworkInterfaces/0/AssociatePublicIpAddress: AssociatePublicIpAddress is a string", NULL);
	ct_diag_with(f, "#/NetworkInterfaces/1: a network interface is a string", NULL);
	ct_diag_with(f, "#/LaunchTemplate: LaunchTemplate is a string", NULL);
	assert_int_equal(f->d.n, 6);
	ct_done(f);
}

static void test_launch_templates(void **state)
{
	(void)state;
	char buf[512];
	ct_fx *f = load("launch_templates.json");
	ct_no_diags(f);
	assert_int_equal(f->m.inputs[0].kind, KW_KIND_AWS_LAUNCH_TEMPLATES);
	assert_int_equal(f->m.n_launches, 2);
	const kw_cloud_launch *l = &f->m.launches[0];
	assert_int_equal(l->kind, KW_LAUNCH_TEMPLATE);
	assert_string_equal(l->name, "lt-0web version 2");
	assert_int_equal(l->key_pair, KW_TRI_FALSE);
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-0web,sg-0ssh");
	assert_true(ct_ends_with(l->origin, "#/LaunchTemplateVersions/0"));
	l = &f->m.launches[1];
	assert_string_equal(l->name, "lt-0web version 1");
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_ABSENT);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_int_equal(l->ud_hits, 0);
	assert_string_equal(ct_groups_of(f, l->groups, l->n_groups, buf, sizeof buf), "sg-0web");
	assert_true(ct_ends_with(l->origin, "#/LaunchTemplateVersions/1"));
	ct_done(f);
}

/* ---- several documents, and size ---- */

static void test_several_documents(void **state)
{
	(void)state;
	ct_fx *f = ct_load_text("[{\"SecurityGroups\":[{\"GroupId\":\"sg-a\",\"IpPermissions\":[]}]},"
			  " {\"SecurityGroups\":[{\"GroupId\":\"sg-a\",\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":22,\"ToPort\":22,\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\"}]}]}],"
			  "\"NextToken\":\"x\"}]");
	ct_no_diags(f);
	assert_int_equal(f->m.n_groups, 1);
	assert_int_equal(f->m.n_rules, 1);
	assert_string_equal(f->m.rules[0].origin, "mem.json#/1/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	const kw_cloud_group *g = group(f, "sg-a");
	assert_string_equal(g->origin, "mem.json#/0/SecurityGroups/0");
	assert_true(g->partial); /* the second document is paged */
	ct_done(f);
}

/* The sanitizer build checks the same code on a fifth of the size (it is ~3x slower, and
 * the time limit is the plain build's business). */
#if defined(__SANITIZE_ADDRESS__)
#define SCALE 5
#define TIME_LIMIT 2.0
#else
#define SCALE 1
#define TIME_LIMIT 1.0
#endif

typedef struct sbuf {
	char *p;
	size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		assert_true(w >= 0);
		if ((size_t)w < b->cap - b->n) {
			b->n += (size_t)w;
			return;
		}
		b->cap = b->cap ? b->cap * 2 : 1 << 20;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
}

/* Parse (jansson, the loader's part) and read (the reader's) timed apart: the reader must
 * take well under a second for 200,000 rules. */
static void timed(const char *what, sbuf *b, kw_cloud_kind kind, size_t rules, size_t groups)
{
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	json_t *doc = NULL;
	char msg[256];
	double t0 = ct_now();
	assert_int_equal(kw_json_parse(b->p, b->n, NULL, &doc, msg, sizeof msg), 0);
	double t1 = ct_now();
	assert_int_equal(kw_cloud_detect(doc, KW_CLOUD_ANY), kind);
	kw_cloud_read_ctx x = { .m = &m, .d = &d, .file = "big.json" };
	assert_int_equal(kw_cloud_read_aws(&x, kind, doc), 0);
	double t2 = ct_now();
	print_message("%s: %zu rules, %zu MB parsed in %.3f s, read in %.3f s\n", what, m.n_rules,
		      b->n >> 20, t1 - t0, t2 - t1);
	assert_int_equal(d.n, 0);
	assert_int_equal(m.n_rules + m.n_instances, rules);
	assert_int_equal(m.n_groups, groups);
	assert_int_equal(x.records, rules);
	assert_true(t2 - t1 < TIME_LIMIT);
	json_decref(doc);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
	free(b->p);
	*b = (sbuf){ 0 };
}

static void test_big_inputs(void **state)
{
	(void)state;
	sbuf b = { 0 };
	/* 2,000 groups x 50 permissions x 2 CIDRs */
	put(&b, "{\"SecurityGroups\":[");
	for (int g = 0; g < 2000 / SCALE; g++) {
		put(&b, "%s{\"GroupId\":\"sg-%08x\",\"GroupName\":\"g%d\",\"VpcId\":\"vpc-1\",\"IpPermissions\":[",
		    g ? "," : "", (unsigned)g, g);
		for (int p = 0; p < 50; p++)
			put(&b, "%s{\"IpProtocol\":\"tcp\",\"FromPort\":%d,\"ToPort\":%d,\"IpRanges\":[{\"CidrIp\":"
				"\"10.%d.%d.0/24\"}],\"Ipv6Ranges\":[{\"CidrIpv6\":\"2001:db8:%x::/48\"}],"
				"\"PrefixListIds\":[],\"UserIdGroupPairs\":[]}",
			    p ? "," : "", p, p + 10, g % 256, p, (unsigned)g);
		put(&b, "],\"IpPermissionsEgress\":[]}");
	}
	put(&b, "]}");
	timed("describe-security-groups", &b, KW_KIND_AWS_SECURITY_GROUPS, 200000 / SCALE, 2000 / SCALE);

	/* one rule list of 200,000 rules over 1,000 groups */
	put(&b, "{\"SecurityGroupRules\":[");
	for (int i = 0; i < 200000 / SCALE; i++)
		put(&b, "%s{\"SecurityGroupRuleId\":\"sgr-%08x\",\"GroupId\":\"sg-%04x\",\"IsEgress\":false,"
			"\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"CidrIpv4\":\"192.0.2.%d/32\"}",
		    i ? "," : "", (unsigned)i, (unsigned)(i % 1000), i % 256);
	put(&b, "]}");
	timed("describe-security-group-rules", &b, KW_KIND_AWS_SECURITY_GROUP_RULES, 200000 / SCALE, 1000);

	/* an instance naming 100,000 groups, each twice */
	put(&b, "{\"Reservations\":[{\"Instances\":[{\"InstanceId\":\"i-big\",\"SecurityGroups\":[");
	for (int i = 0; i < 100000 / SCALE; i++)
		put(&b, "%s{\"GroupId\":\"sg-%06x\"}", i ? "," : "", (unsigned)i);
	put(&b, "],\"NetworkInterfaces\":[{\"Groups\":[");
	for (int i = 0; i < 100000 / SCALE; i++)
		put(&b, "%s{\"GroupId\":\"sg-%06x\"}", i ? "," : "", (unsigned)(100000 / SCALE - 1 - i));
	put(&b, "]}]}]}]}");
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	json_t *doc = NULL;
	char msg[256];
	assert_int_equal(kw_json_parse(b.p, b.n, NULL, &doc, msg, sizeof msg), 0);
	kw_cloud_read_ctx x = { .m = &m, .d = &d, .file = "big.json" };
	double t0 = ct_now();
	assert_int_equal(kw_cloud_read_aws(&x, KW_KIND_AWS_INSTANCES, doc), 0);
	double t = ct_now() - t0;
	print_message("an instance with %d group mentions read in %.3f s\n", 200000 / SCALE, t);
	assert_int_equal(d.n, 0);
	assert_int_equal(m.n_instances, 1);
	assert_int_equal(m.instances[0].n_groups, 100000 / SCALE);
	assert_int_equal(m.n_groups, 100000 / SCALE);
	assert_true(t < TIME_LIMIT);
	json_decref(doc);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_ipv6_only_and_egress),
		cmocka_unit_test(test_ranges_and_protocols),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_cidr_spellings),
		cmocka_unit_test(test_next_token),
		cmocka_unit_test(test_rule_list),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_wrong_main_array),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_instances_windows_ipv6),
		cmocka_unit_test(test_instances_bad_types),
		cmocka_unit_test(test_run_requests),
		cmocka_unit_test(test_run_request_bad_types),
		cmocka_unit_test(test_launch_templates),
		cmocka_unit_test(test_several_documents),
		cmocka_unit_test(test_big_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
