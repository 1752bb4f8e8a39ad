/* test_cloud_terraform.c — the Terraform reader (src/cloud/terraform.c).
 *
 *  - fixtures (tests/data/cloud/terraform/, hand-written `terraform show -json` output):
 *    the research note's minimal plan (planned_values only); an AWS plan (inline 22 from
 *    0.0.0.0/0, -1 0/0 egress, self and group sources, a rule joining a group whose id is
 *    known only after apply, aws_vpc_security_group_ingress_rule all6 ::/0 without ports,
 *    20-30, a prefix list only, cidr_blocks known after apply, a delete skipped, instances
 *    with user_data_base64 enabling ssh_pwauth, a hashed user_data, a literal one in the
 *    configuration, a launch template), no duplicates from planned_values; modules
 *    (child_modules, for_each keys, count indexes, a rule reaching its group through a
 *    module variable, an instance through a module output, a data source left unresolved
 *    to a placeholder group); Alibaba (drop vs accept at equal priority, all/-1/-1 over
 *    IPv6, GRE, a group source, an enterprise group, password_inherit on an m- image with
 *    internet bandwidth, passwords recorded as set and never copied, templates and
 *    scaling configurations as launches only); a state; a raw terraform.tfstate; format
 *    2.0 refused; a UTF-8 BOM; a plan full of wrong types (diagnostics, unknowns, no rule
 *    dropped, no secret quoted);
 *  - unknown values built in memory: list elements, protocol, ports, whole ingress with and
 *    without configuration, passwords, unresolvable group ids; a reference cycle;
 *  - bounds: modules nested past the cap; 200,000 resources timed;
 *  - the real plans shipped by golang-github-hashicorp-terraform-json-dev: every plan.json
 *    read without a fatal diagnostic, its states too.
 */
#include "cloud/load.h"
#include "cloud/model.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "cloudtest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FIX KW_TEST_DATA "/cloud/terraform/"
#define TFJSON_DIR "/usr/share/gocode/src/github.com/hashicorp/terraform-json/testdata"

static ct_fx *load(const char *name)
{
	return ct_load(FIX, name);
}

/* Straight to the reader (kinds the loader does not detect, documents built in memory). */
static ct_fx *read_doc(const json_t *doc, kw_cloud_kind kind)
{
	ct_fx *e = calloc(1, sizeof *e);
	assert_non_null(e);
	kw_cloud_read_ctx x = { .m = &e->m, .d = &e->d };
	x.file = kw_cloud_str(&e->m, "doc.json");
	assert_non_null(x.file);
	e->rc = kw_cloud_read_terraform(&x, kind, doc);
	assert_int_equal(x.ptr.n, 0);
	return e;
}

static json_t *parse(const char *text)
{
	char msg[256];
	json_t *j = NULL;
	if (kw_json_parse(text, strlen(text), NULL, &j, msg, sizeof msg) < 0)
		fail_msg("test JSON: %s", msg);
	return j;
}

static json_t *parse_file(const char *path)
{
	char msg[256];
	json_t *j = NULL;
	if (kw_json_load_file(path, NULL, &j, msg, sizeof msg) < 0)
		fail_msg("%s: %s", path, msg);
	return j;
}

static ct_fx *read_text(const char *text, kw_cloud_kind kind)
{
	json_t *j = parse(text);
	ct_fx *e = read_doc(j, kind);
	json_decref(j);
	return e;
}

static void no_fatal(const ct_fx *e)
{
	for (size_t i = 0; i < e->d.n; i++)
		if (e->d.v[i].fatal)
			fail_msg("fatal diagnostic: %s", e->d.v[i].msg);
}

static void no_diags(const ct_fx *e)
{
	if (e->d.n)
		fail_msg("%zu diagnostics, the first: %s", e->d.n, e->d.v[0].msg);
}

static const kw_cloud_group *group(const ct_fx *e, const char *id)
{
	for (size_t i = 0; i < e->m.n_groups; i++)
		if (strcmp(e->m.groups[i].id, id) == 0)
			return &e->m.groups[i];
	return NULL;
}

static const kw_cloud_group *want_group(const ct_fx *e, const char *id)
{
	const kw_cloud_group *g = group(e, id);
	if (!g)
		fail_msg("no group %s", id);
	return g;
}

/* The rule whose origin ends with suffix (exactly one). */
static const kw_cloud_rule *rule_at(const ct_fx *e, const char *suffix)
{
	const kw_cloud_rule *found = NULL;
	for (size_t i = 0; i < e->m.n_rules; i++) {
		if (ct_ends_with(e->m.rules[i].origin, suffix)) {
			if (found)
				fail_msg("two rules at %s", suffix);
			found = &e->m.rules[i];
		}
	}
	if (!found) {
		for (size_t i = 0; i < e->m.n_rules; i++)
			print_message("  rule at %s\n", e->m.rules[i].origin);
		fail_msg("no rule at ...%s", suffix);
	}
	return found;
}

/* Rules whose origin contains s. */
static size_t rules_with(const ct_fx *e, const char *s)
{
	size_t n = 0;
	for (size_t i = 0; i < e->m.n_rules; i++)
		n += strstr(e->m.rules[i].origin, s) != NULL;
	return n;
}

static const kw_cloud_launch *launch(const ct_fx *e, const char *name)
{
	for (size_t i = 0; i < e->m.n_launches; i++)
		if (strcmp(e->m.launches[i].name, name) == 0)
			return &e->m.launches[i];
	fail_msg("no launch %s", name);
	return NULL;
}

static void want_cidr(const kw_cloud_rule *r, const char *text)
{
	assert_int_equal(r->src, KW_SRC_CIDR);
	char buf[KW_CIDR_STRLEN];
	kw_cidr_format(&r->cidr, buf, sizeof buf);
	if (strcmp(buf, text) != 0) {
		/* kw_cidr_format prints a host without its prefix length */
		char alt[KW_CIDR_STRLEN + 8];
		snprintf(alt, sizeof alt, "%s/%u", buf, r->cidr.bits);
		if (strcmp(alt, text) != 0)
			fail_msg("source %s, expected %s", alt, text);
	}
}

static void want_ports(const kw_cloud_rule *r, unsigned lo, unsigned hi)
{
	assert_false(r->ports_unknown);
	assert_int_equal(r->port_lo, lo);
	assert_int_equal(r->port_hi, hi);
}

static void want_groups(const ct_fx *e, const uint32_t *g, size_t n, const char *const *ids, size_t want)
{
	if (n != want) {
		for (size_t i = 0; i < n; i++)
			print_message("  group %s\n", e->m.groups[g[i]].id);
		fail_msg("%zu groups, expected %zu", n, want);
	}
	for (size_t i = 0; i < want; i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= strcmp(e->m.groups[g[k]].id, ids[i]) == 0;
		if (!found)
			fail_msg("group %s missing", ids[i]);
	}
}

static bool has_str(const char *s, const char *secret)
{
	return s && strstr(s, secret);
}

/* A secret from the input appears in no string the model or the diagnostics hold. */
static void never_kept(const ct_fx *e, const char *secret)
{
	const kw_cloud_model *m = &e->m;
	for (size_t i = 0; i < m->n_groups; i++)
		assert_false(has_str(m->groups[i].id, secret) || has_str(m->groups[i].name, secret) ||
			     has_str(m->groups[i].origin, secret) || has_str(m->groups[i].vpc, secret));
	for (size_t i = 0; i < m->n_rules; i++)
		assert_false(has_str(m->rules[i].ref, secret) || has_str(m->rules[i].why_unknown, secret) ||
			     has_str(m->rules[i].id, secret));
	for (size_t i = 0; i < m->n_instances; i++)
		assert_false(has_str(m->instances[i].name, secret) || has_str(m->instances[i].public_why, secret) ||
			     has_str(m->instances[i].id, secret));
	for (size_t i = 0; i < m->n_launches; i++) {
		const kw_cloud_launch *l = &m->launches[i];
		assert_false(has_str(l->ud_what, secret) || has_str(l->ud_why, secret) || has_str(l->name, secret) ||
			     has_str(l->image, secret) || has_str(l->template_ref, secret));
	}
	for (size_t i = 0; i < e->d.n; i++)
		assert_false(has_str(e->d.v[i].msg, secret));
}

/* ------------------------------------------------------------------ fixtures */

static void check_minimal(const ct_fx *e, const char *file)
{
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_int_equal(e->m.n_inputs, 1);
	assert_int_equal(e->m.inputs[0].kind, KW_KIND_TF_PLAN);
	assert_int_equal(e->m.inputs[0].records, 4); /* 2 rules, an instance, a launch */
	assert_int_equal(e->m.n_rules, 2);

	char suffix[256];
	snprintf(suffix, sizeof suffix, "%s#/planned_values/root_module/resources/0/values/cidr_ipv6", file);
	const kw_cloud_rule *r = rule_at(e, suffix);
	assert_string_equal(ct_gid(e, r), "sg-0abc");
	assert_int_equal(r->provider, KW_CLOUD_AWS);
	assert_int_equal(r->proto, KW_PROTO_ALL);
	want_ports(r, 0, 65535);
	want_cidr(r, "::/0");
	assert_null(r->why_unknown);

	r = rule_at(e, "/resources/1/values/cidr_ip");
	assert_string_equal(ct_gid(e, r), "sg-bp1");
	assert_int_equal(r->provider, KW_CLOUD_ALIBABA);
	assert_int_equal(r->proto, KW_PROTO_TCP);
	assert_int_equal(r->action, KW_ACT_ALLOW);
	assert_int_equal(r->priority, 1);
	want_ports(r, 22, 22);
	want_cidr(r, "0.0.0.0/0");

	const kw_cloud_instance *in = ct_instance(e, "alicloud_instance.web");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_non_null(strstr(in->public_why, "internet_max_bandwidth_out 10"));
	static const char *const g[] = { "sg-bp1" };
	want_groups(e, in->groups, in->n_groups, g, 1);
	const kw_cloud_launch *l = launch(e, "alicloud_instance.web");
	assert_int_equal(l->kind, KW_LAUNCH_RESOURCE);
	assert_int_equal(l->password_inherit, KW_TRI_TRUE);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	assert_int_equal(l->password, KW_TRI_ABSENT);
	assert_true(l->custom_image);
	assert_string_equal(l->image, "m-custom01");
}

static void test_minimal(void **state)
{
	(void)state;
	ct_fx *e = load("minimal_plan.json");
	check_minimal(e, "minimal_plan.json");
	ct_done(e);
}

static void test_bom(void **state)
{
	(void)state;
	/* the loader skips a UTF-8 byte order mark (jansson alone refuses one) */
	ct_fx *e = load("bom_plan.json");
	check_minimal(e, "bom_plan.json");
	ct_done(e);
}

static void test_aws_plan(void **state)
{
	(void)state;
	ct_fx *e = load("aws_plan.json");
	assert_int_equal(e->rc, 0);
	no_diags(e);
	/* planned_values repeats every resource: read once (13 rule records from
	 * resource_changes alone) */
	assert_int_equal(e->m.n_rules, 13);
	assert_int_equal(e->m.n_instances, 3);
	assert_int_equal(e->m.n_launches, 4);
	assert_int_equal(e->m.inputs[0].records, 13 + 3 + 4);
	assert_int_equal(rules_with(e, "planned_values"), 0);

	/* the deleted group is gone */
	assert_null(group(e, "sg-0dead0000000000001"));
	assert_null(group(e, "aws_security_group.old"));
	assert_int_equal(rules_with(e, "resource_changes/4/"), 0);

	/* the group: id unknown, so named by its address */
	const kw_cloud_group *g = want_group(e, "aws_security_group.web");
	assert_string_equal(g->name, "web");
	assert_string_equal(g->vpc, "vpc-0a1b2c3d4e5f60718");
	assert_true(g->has_rules);
	assert_false(g->rules_unknown);
	assert_true(ct_ends_with(g->origin, "aws_plan.json#/resource_changes/5/change/after"));

	const kw_cloud_rule *r = rule_at(e, "aws_plan.json#/resource_changes/5/change/after/ingress/0/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "aws_security_group.web");
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	assert_int_equal(r->proto, KW_PROTO_TCP);
	assert_int_equal(r->action, KW_ACT_ALLOW);
	want_ports(r, 22, 22);
	want_cidr(r, "0.0.0.0/0");
	r = rule_at(e, "/resource_changes/5/change/after/ingress/1/ipv6_cidr_blocks/0");
	want_ports(r, 443, 443);
	want_cidr(r, "::/0");
	r = rule_at(e, "/resource_changes/5/change/after/ingress/2/security_groups/0");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "sg-0mon1toring000001");
	r = rule_at(e, "/resource_changes/5/change/after/ingress/2/self");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "aws_security_group.web");
	/* -1 with 0/0: every protocol and port */
	r = rule_at(e, "/resource_changes/5/change/after/egress/0/cidr_blocks/0");
	assert_int_equal(r->dir, KW_DIR_EGRESS);
	assert_int_equal(r->proto, KW_PROTO_ALL);
	want_ports(r, 0, 65535);

	/* a rule whose security_group_id is known after apply joins the group in the plan */
	r = rule_at(e, "/resource_changes/9/change/after/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "aws_security_group.web");
	want_ports(r, 3389, 3389);
	assert_int_equal(rules_with(e, "resource_changes/9/"), 1); /* no phantom source */

	/* aws_vpc_security_group_ingress_rule: -1 without ports, ::/0 */
	r = rule_at(e, "/resource_changes/10/change/after/cidr_ipv6");
	assert_string_equal(ct_gid(e, r), "aws_security_group.web");
	assert_int_equal(r->proto, KW_PROTO_ALL);
	want_ports(r, 0, 65535);
	want_cidr(r, "::/0");

	/* 20-30, one record per CIDR */
	r = rule_at(e, "/resource_changes/8/change/after/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "sg-0123456789abcdef0");
	want_ports(r, 20, 30);
	want_cidr(r, "198.51.100.0/24");
	r = rule_at(e, "/resource_changes/8/change/after/cidr_blocks/1");
	want_cidr(r, "0.0.0.0/0");
	want_ports(r, 20, 30);

	/* a prefix list only: unresolved, never taken as safe or public */
	r = rule_at(e, "/resource_changes/7/change/after/prefix_list_ids/0");
	assert_int_equal(r->src, KW_SRC_PREFIX_LIST);
	assert_string_equal(r->ref, "pl-0a1b2c3d4e5f60718");
	assert_non_null(strstr(r->why_unknown, "pl-0a1b2c3d4e5f60718"));
	assert_int_equal(rules_with(e, "resource_changes/7/"), 1);

	/* cidr_blocks known after apply */
	r = rule_at(e, "/resource_changes/6/change/after/cidr_blocks");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_string_equal(r->why_unknown, "known after apply");
	want_ports(r, 22, 22);
	assert_int_equal(rules_with(e, "resource_changes/6/"), 1);

	/* instances: both an instance and a launch */
	const kw_cloud_instance *in = ct_instance(e, "aws_instance.app");
	assert_string_equal(in->name, "app-1");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_non_null(strstr(in->public_why, "associate_public_ip_address"));
	assert_false(in->groups_unknown);
	static const char *const web[] = { "aws_security_group.web" };
	want_groups(e, in->groups, in->n_groups, web, 1);
	assert_true(ct_ends_with(in->origin, "#/resource_changes/0/change/after"));

	const kw_cloud_launch *l = launch(e, "aws_instance.app");
	assert_int_equal(l->kind, KW_LAUNCH_RESOURCE);
	assert_int_equal(l->provider, KW_CLOUD_AWS);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT); /* known after apply, but not configured */
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_string_equal(l->image, "ami-0c55b159cbfafe1f0");
	want_groups(e, l->groups, l->n_groups, web, 1);

	l = launch(e, "aws_instance.hashed");
	assert_int_equal(l->user_data, KW_TRI_UNKNOWN);
	assert_non_null(strstr(l->ud_why, "SHA-1"));
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);

	l = launch(e, "aws_instance.literal"); /* the configuration's literal is scanned */
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_SETPW);
	never_kept(e, "Winter2024");

	l = launch(e, "aws_launch_template.bastion");
	assert_int_equal(l->kind, KW_LAUNCH_TEMPLATE);
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	static const char *const sg0[] = { "sg-0123456789abcdef0" };
	want_groups(e, l->groups, l->n_groups, sg0, 1);
	for (size_t i = 0; i < e->m.n_instances; i++)
		assert_string_not_equal(e->m.instances[i].id, "aws_launch_template.bastion");
	ct_done(e);
}

static void test_modules(void **state)
{
	(void)state;
	ct_fx *e = load("modules_plan.json");
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_int_equal(rules_with(e, "planned_values"), 0);

	/* for_each keys and module paths as Terraform prints them */
	const kw_cloud_group *web = want_group(e, "module.net.aws_security_group.this[\"web\"]");
	assert_false(web->rules_unknown);
	const kw_cloud_group *db = want_group(e, "sg-0db0000000000000a"); /* no-op: id known */
	assert_string_equal(db->name, "db");
	const kw_cloud_rule *r = rule_at(e, "/resource_changes/6/change/after/ingress/0/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "module.net.aws_security_group.this[\"web\"]");
	want_ports(r, 80, 80);

	/* module.net.aws_security_group_rule.ssh: aws_security_group.this["web"].id */
	r = rule_at(e, "/resource_changes/7/change/after/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "module.net.aws_security_group.this[\"web\"]");
	want_ports(r, 22, 22);

	/* count: aws_security_group.count[1].id, not count[0] */
	r = rule_at(e, "/resource_changes/4/change/after/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "aws_security_group.count[1]");
	assert_non_null(group(e, "aws_security_group.count[0]"));

	/* a replaced rule (["delete","create"]) is read */
	r = rule_at(e, "/resource_changes/8/change/after/cidr_ipv4");
	assert_string_equal(ct_gid(e, r), "sg-0db0000000000000a");
	want_ports(r, 5432, 5432);

	/* two modules down: var.db_sg and var.web_sg come from the parent's module call */
	r = rule_at(e, "/resource_changes/9/change/after/referenced_security_group_id");
	assert_string_equal(ct_gid(e, r), "sg-0db0000000000000a");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "module.net.aws_security_group.this[\"web\"]");

	/* a data source cannot be followed: the rule keeps a group of its own */
	r = rule_at(e, "/resource_changes/3/change/after/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "aws_security_group_rule.by_data.security_group_id");
	const kw_cloud_group *ph = want_group(e, "aws_security_group_rule.by_data.security_group_id");
	assert_true(ph->rules_unknown);
	assert_true(ph->has_rules);
	want_ports(r, 22, 22);
	want_cidr(r, "0.0.0.0/0");

	/* an instance through a module output: only the "web" instance of the for_each */
	const kw_cloud_instance *in = ct_instance(e, "aws_instance.app");
	static const char *const w[] = { "module.net.aws_security_group.this[\"web\"]" };
	want_groups(e, in->groups, in->n_groups, w, 1);
	assert_false(in->groups_unknown);
	assert_int_equal(in->public_ip, KW_TRI_UNKNOWN); /* the subnet decides */
	assert_int_equal(launch(e, "aws_instance.app")->key_pair, KW_TRI_ABSENT);
	ct_done(e);
}

/* Without resource_changes, planned_values and its child_modules are read. */
static void test_planned_values_only(void **state)
{
	(void)state;
	json_t *doc = parse_file(FIX "modules_plan.json");
	assert_int_equal(json_object_del(doc, "resource_changes"), 0);
	ct_fx *e = read_doc(doc, KW_KIND_TF_PLAN);
	json_decref(doc);
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_int_equal(rules_with(e, "resource_changes"), 0);
	const kw_cloud_rule *r = rule_at(e, "doc.json#/planned_values/root_module/child_modules/0/child_modules/0/"
					    "resources/0/values/cidr_ipv4");
	assert_string_equal(ct_gid(e, r), "sg-0db0000000000000a");
	r = rule_at(e, "#/planned_values/root_module/child_modules/0/resources/1/values/ingress/0/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "module.net.aws_security_group.this[\"web\"]");
	r = rule_at(e, "#/planned_values/root_module/child_modules/0/resources/2/values/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "module.net.aws_security_group.this[\"web\"]");
	ct_done(e);
}

static void test_alicloud(void **state)
{
	(void)state;
	ct_fx *e = load("alicloud_plan.json");
	assert_int_equal(e->rc, 0);
	no_diags(e);
	const char *dflt = "alicloud_security_group.default";
	const kw_cloud_group *g = want_group(e, dflt);
	assert_string_equal(g->name, "web");
	assert_null(g->vpc); /* known after apply */
	assert_false(g->enterprise);
	assert_true(want_group(e, "alicloud_security_group.ent")->enterprise);

	/* accept and drop at equal priority: both kept, in the same group */
	const kw_cloud_rule *acc = rule_at(e, "/resource_changes/7/change/after/cidr_ip");
	const kw_cloud_rule *drop = rule_at(e, "/resource_changes/8/change/after/cidr_ip");
	assert_string_equal(ct_gid(e, acc), dflt);
	assert_string_equal(ct_gid(e, drop), dflt);
	assert_int_equal(acc->action, KW_ACT_ALLOW);
	assert_int_equal(drop->action, KW_ACT_DENY);
	assert_int_equal(acc->priority, 1);
	assert_int_equal(drop->priority, 1);
	want_ports(acc, 22, 22);
	want_ports(drop, 22, 22);
	want_cidr(drop, "0.0.0.0/0");
	/* prefix_list_id: known after apply but not configured, so no source of its own */
	assert_int_equal(rules_with(e, "prefix_list_id"), 0);
	assert_int_equal(rules_with(e, "resource_changes/7/"), 1);

	const kw_cloud_rule *r = rule_at(e, "/resource_changes/6/change/after/ipv6_cidr_ip");
	assert_int_equal(r->proto, KW_PROTO_ALL);
	want_ports(r, 0, 65535);
	want_cidr(r, "::/0");
	assert_int_equal(r->priority, 100);

	r = rule_at(e, "/resource_changes/9/change/after/source_security_group_id");
	assert_int_equal(r->src, KW_SRC_GROUP);
	assert_string_equal(r->ref, "alicloud_security_group.ent");
	assert_int_equal(r->priority, 5);

	r = rule_at(e, "/resource_changes/10/change/after/cidr_ip");
	assert_int_equal(r->proto, KW_PROTO_OTHER);
	want_ports(r, 0, 65535);
	assert_string_equal(ct_gid(e, r), "sg-bp1existing0000001");

	/* password_inherit on a custom image with internet bandwidth */
	const kw_cloud_instance *in = ct_instance(e, "alicloud_instance.web");
	assert_string_equal(in->name, "web-1");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	static const char *const d1[] = { "alicloud_security_group.default" };
	want_groups(e, in->groups, in->n_groups, d1, 1);
	const kw_cloud_launch *l = launch(e, "alicloud_instance.web");
	assert_int_equal(l->password_inherit, KW_TRI_TRUE);
	assert_true(l->custom_image);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	assert_int_equal(l->password, KW_TRI_ABSENT);

	l = launch(e, "alicloud_instance.pw");
	assert_int_equal(l->password, KW_TRI_TRUE);
	assert_int_equal(l->password_inherit, KW_TRI_FALSE);
	assert_int_equal(l->key_pair, KW_TRI_TRUE);
	assert_int_equal(l->user_data, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_PWAUTH);
	assert_int_equal(l->os, KW_OS_LINUX);
	assert_false(l->custom_image);
	assert_int_equal(ct_instance(e, "alicloud_instance.pw")->public_ip, KW_TRI_FALSE);

	l = launch(e, "alicloud_ecs_launch_template.golden");
	assert_int_equal(l->kind, KW_LAUNCH_TEMPLATE);
	assert_int_equal(l->password_inherit, KW_TRI_TRUE);
	assert_int_equal(l->public_ip, KW_TRI_TRUE);
	assert_true(l->ud_hits & KW_UD_SETPW);
	assert_null(l->template_ref);

	l = launch(e, "alicloud_ess_scaling_configuration.sc");
	assert_int_equal(l->kind, KW_LAUNCH_RESOURCE);
	assert_int_equal(l->password, KW_TRI_TRUE); /* kms_encrypted_password */
	assert_int_equal(l->password_inherit, KW_TRI_FALSE);
	assert_int_equal(l->public_ip, KW_TRI_FALSE);
	static const char *const ex[] = { "sg-bp1existing0000001" };
	want_groups(e, l->groups, l->n_groups, ex, 1);

	assert_int_equal(e->m.n_instances, 2); /* templates and scaling configurations: launches only */
	assert_int_equal(e->m.n_launches, 4);
	never_kept(e, "Sup3r-Secret-Pw");
	never_kept(e, "RootPw-2024");
	never_kept(e, "KMS-ENCRYPTED-BLOB");
	ct_done(e);
}

static void test_state(void **state)
{
	(void)state;
	ct_fx *e = load("state.json");
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_int_equal(e->m.inputs[0].kind, KW_KIND_TF_STATE);
	const kw_cloud_group *g = want_group(e, "sg-0a1b2c3d4e5f60718");
	assert_string_equal(g->name, "web");
	const kw_cloud_rule *r = rule_at(e, "state.json#/values/root_module/resources/1/values/ingress/0/cidr_blocks/0");
	want_ports(r, 22, 22);
	want_cidr(r, "0.0.0.0/0");
	r = rule_at(e, "#/values/root_module/resources/1/values/ingress/1/ipv6_cidr_blocks/0");
	want_cidr(r, "::/0"); /* written 0::/0 */
	want_ports(r, 3389, 3389);

	const kw_cloud_instance *in = ct_instance(e, "i-0a1b2c3d4e5f60718");
	assert_int_equal(in->public_ip, KW_TRI_TRUE);
	assert_string_equal(in->public_why, "public IP 203.0.113.10");
	static const char *const w[] = { "sg-0a1b2c3d4e5f60718" };
	want_groups(e, in->groups, in->n_groups, w, 1);
	assert_int_equal(launch(e, "aws_instance.web")->key_pair, KW_TRI_ABSENT); /* "" */

	in = ct_instance(e, "i-bp1db00000000000001");
	assert_int_equal(in->os, KW_OS_WINDOWS);
	assert_int_equal(in->public_ip, KW_TRI_FALSE);
	const kw_cloud_launch *l = launch(e, "module.ali.alicloud_instance.db[0]");
	assert_int_equal(l->password, KW_TRI_TRUE);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	r = rule_at(e, "#/values/root_module/child_modules/0/resources/1/values/cidr_ip");
	assert_string_equal(r->id, "sgr-bp1rdp000000000001");
	assert_string_equal(ct_gid(e, r), "sg-bp1db00000000000001");
	want_ports(r, 3389, 3389);
	never_kept(e, "Adm1n-Passw0rd");
	ct_done(e);
}

static void test_raw_state(void **state)
{
	(void)state;
	json_t *doc = parse_file(FIX "raw.tfstate");
	ct_fx *e = read_doc(doc, KW_KIND_TF_STATE);
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_null(group(e, "sg-0shared0000000001")); /* a data source */
	const kw_cloud_rule *r = rule_at(e, "doc.json#/resources/1/instances/0/attributes/ingress/0/cidr_blocks/0");
	assert_string_equal(ct_gid(e, r), "sg-0edge000000000001");
	r = rule_at(e, "#/resources/2/instances/0/attributes/cidr_ip");
	assert_string_equal(ct_gid(e, r), "sg-bp1raw0000000001");
	ct_done(e);

	/* without its group id the rule's placeholder shows the address Terraform prints */
	json_t *attrs = json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(doc, "resources"), 2), "instances"), 0), "attributes");
	assert_int_equal(json_object_del(attrs, "security_group_id"), 0);
	e = read_doc(doc, KW_KIND_TF_STATE);
	json_decref(doc);
	want_group(e, "alicloud_security_group_rule.rule[\"ssh \\\"v4\\\"\"].security_group_id");
	ct_diag_with(e, "no security_group_id", NULL);
	assert_int_equal(rules_with(e, "/resources/2/"), 1);
	ct_done(e);
}

static void test_versions(void **state)
{
	(void)state;
	ct_fx *e = load("format2_plan.json");
	assert_true(e->rc < 0);
	assert_true(kw_diags_any_fatal(&e->d));
	ct_diag_with(e, "format_version", "\"2.0\"");
	assert_int_equal(e->m.n_rules, 0);
	ct_done(e);

	static const struct {
		const char *fv;
		bool ok;
	} v[] = { { "\"0.1\"", true }, { "\"1.0\"", true }, { "\"1.2\"", true }, { "\"1\"", true },
		  { "\"3.1\"", false }, { "\"10.0\"", false }, { "\"x.1\"", false }, { "\"\"", false },
		  { "1.2", false }, { "null", false } };
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char text[512];
		snprintf(text, sizeof text,
			 "{\"format_version\":%s,\"planned_values\":{\"root_module\":{\"resources\":[{\"address\":"
			 "\"aws_security_group_rule.a\",\"mode\":\"managed\",\"type\":\"aws_security_group_rule\","
			 "\"name\":\"a\",\"values\":{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,"
			 "\"to_port\":22,\"cidr_blocks\":[\"0.0.0.0/0\"],\"security_group_id\":\"sg-1\"}}]}}}",
			 v[i].fv);
		e = read_text(text, KW_KIND_TF_PLAN);
		if (v[i].ok) {
			assert_int_equal(e->rc, 0);
			no_diags(e);
			assert_int_equal(e->m.n_rules, 1);
		} else {
			assert_true(e->rc < 0);
			assert_true(kw_diags_any_fatal(&e->d));
			assert_int_equal(e->m.n_rules, 0);
		}
		ct_done(e);
	}
	/* not an object; a document that is no Terraform output */
	e = read_text("[1,2]", KW_KIND_TF_PLAN);
	assert_int_equal(e->rc, KW_E_PARSE);
	assert_true(kw_diags_any_fatal(&e->d));
	ct_done(e);
	/* several documents in one file: the refused one says which */
	char *both = malloc(4096);
	assert_non_null(both);
	snprintf(both, 4096,
		 "[{\"format_version\":\"1.0\",\"values\":{\"root_module\":{\"resources\":[{\"address\":"
		 "\"aws_security_group.a\",\"type\":\"aws_security_group\",\"name\":\"a\",\"values\":{\"id\":"
		 "\"sg-a\",\"ingress\":[{\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,\"cidr_blocks\":"
		 "[\"0.0.0.0/0\"]}]}}]}}},{\"format_version\":\"2.0\",\"values\":{}}]");
	e = ct_load_text(both);
	free(both);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->m.n_rules, 1);
	assert_true(ct_ends_with(e->m.rules[0].origin, "mem.json#/0/values/root_module/resources/0/values/ingress/0/cidr_blocks/0"));
	ct_diag_with(e, "#/1: format_version", "\"2.0\"");
	ct_done(e);

	e = read_text("{\"version\":3,\"resources\":[]}", KW_KIND_TF_STATE);
	assert_int_equal(e->rc, KW_E_UNSUPPORTED);
	ct_diag_with(e, "version 3", NULL);
	ct_done(e);
	e = read_text("{\"terraform_version\":\"1.0.0\"}", KW_KIND_TF_PLAN);
	assert_true(e->rc < 0);
	ct_diag_with(e, "no format_version", NULL);
	ct_done(e);
}

static void test_broken(void **state)
{
	(void)state;
	ct_fx *e = load("broken_plan.json");
	assert_int_equal(e->rc, 0);
	no_fatal(e);
	/* every rule resource and inline rule gave a record: nothing silently dropped */
	static const char *const each[] = { "resource_changes/0/", "resource_changes/1/", "resource_changes/2/",
					    "resource_changes/4/", "resource_changes/9/", "/ingress/0",
					    "/ingress/1/", "/ingress/2", "/ingress/3/", "/egress" };
	for (size_t i = 0; i < sizeof each / sizeof *each; i++)
		if (!rules_with(e, each[i]))
			fail_msg("no rule record from %s", each[i]);

	/* cidr_blocks a string, from_port "abc" */
	ct_diag_with(e, "resource_changes/0/change/after/cidr_blocks", "expected a list");
	ct_diag_with(e, "resource_changes/0/change/after/from_port", "port number");
	const kw_cloud_rule *r = rule_at(e, "/resource_changes/0/change/after/cidr_blocks");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_true(r->ports_unknown);
	assert_string_equal(ct_gid(e, r), "sg-0b0rken000000001");

	/* priority "high" on an accept: read as 1 (the rule counts first); "22-22" unreadable */
	ct_diag_with(e, "resource_changes/1/change/after/priority", "read as 1");
	ct_diag_with(e, "resource_changes/1/change/after/port_range", NULL);
	r = rule_at(e, "/resource_changes/1/change/after/cidr_ip");
	assert_int_equal(r->priority, 1);
	assert_true(r->ports_unknown);
	want_cidr(r, "0.0.0.0/0");

	/* a drop with priority 0 counts last; a list for security_group_id; sctp; bad CIDR */
	ct_diag_with(e, "resource_changes/2/change/after/priority", "read as 100");
	ct_diag_with(e, "resource_changes/2/change/after/security_group_id", "expected a group id");
	ct_diag_with(e, "resource_changes/2/change/after/ip_protocol", NULL);
	ct_diag_with(e, "resource_changes/2/change/after/type", NULL);
	r = rule_at(e, "/resource_changes/2/change/after/cidr_ip");
	assert_int_equal(r->action, KW_ACT_DENY);
	assert_int_equal(r->priority, 100);
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_int_equal(r->dir, KW_DIR_INGRESS);
	assert_string_equal(ct_gid(e, r), "alicloud_security_group_rule.drop_prio.security_group_id");

	/* values that are not an object: the group's rules are unknown; the rule is one
	 * record with everything unknown */
	ct_diag_with(e, "resource_changes/3/change/after", "read as unknown");
	assert_true(want_group(e, "aws_security_group.bad_values")->rules_unknown);
	assert_int_equal(rules_with(e, "resource_changes/4/"), 1);
	r = rule_at(e, "/resource_changes/4/change/after");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_true(r->ports_unknown);

	/* inline oddities */
	ct_diag_with(e, "resource_changes/5/change/after/id", NULL);
	ct_diag_with(e, "ingress/0", "expected a rule object");
	ct_diag_with(e, "ingress/1/from_port", "above");
	ct_diag_with(e, "ingress/1/cidr_blocks/0", "null");
	ct_diag_with(e, "ingress/2", "no source");
	ct_diag_with(e, "ingress/3/protocol", NULL);
	ct_diag_with(e, "egress", "expected a list of rules");
	r = rule_at(e, "/ingress/1/cidr_blocks/2");
	assert_true(r->ports_unknown);
	want_cidr(r, "10.0.0.0/8");
	r = rule_at(e, "/ingress/3/cidr_blocks/0");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	assert_true(want_group(e, "aws_security_group.bad_inline")->rules_unknown);

	/* instances with wrong types: unknown, never absent; no value quoted */
	const kw_cloud_launch *l = launch(e, "aws_instance.bad");
	assert_int_equal(l->key_pair, KW_TRI_UNKNOWN);
	assert_int_equal(l->public_ip, KW_TRI_UNKNOWN);
	assert_int_equal(l->user_data, KW_TRI_UNKNOWN);
	l = launch(e, "alicloud_instance.bad");
	assert_int_equal(l->password, KW_TRI_UNKNOWN);
	assert_int_equal(l->password_inherit, KW_TRI_UNKNOWN);
	assert_int_equal(l->public_ip, KW_TRI_UNKNOWN);
	assert_true(ct_instance(e, "alicloud_instance.bad")->groups_unknown);
	ct_diag_with(e, "resource_changes/7/change/after/password", "expected a string");
	never_kept(e, "123456");

	ct_diag_with(e, "resource_changes/8", "expected a resource change object");
	ct_diag_with(e, "planned_values/root_module/resources", "expected a list");
	ct_diag_with(e, "planned_values/root_module/child_modules/0", "expected a module object");
	ct_done(e);
}

/* ------------------------------------------------------------------ unknown values */

static const char *plan_head = "{\"format_version\":\"1.2\",\"resource_changes\":[";

static char *plan(const char *changes, const char *cfg_resources)
{
	char *s = malloc(strlen(changes) + (cfg_resources ? strlen(cfg_resources) : 0) + 256);
	assert_non_null(s);
	if (cfg_resources)
		sprintf(s, "%s%s],\"configuration\":{\"root_module\":{\"resources\":[%s]}}}", plan_head, changes,
			cfg_resources);
	else
		sprintf(s, "%s%s]}", plan_head, changes);
	return s;
}

static ct_fx *plan_env(const char *changes, const char *cfg)
{
	char *s = plan(changes, cfg);
	ct_fx *e = ct_load_text(s);
	free(s);
	return e;
}

#define SG_RULE(name, after, unk)                                                                  \
	"{\"address\":\"aws_security_group_rule." name "\",\"mode\":\"managed\",\"type\":"          \
	"\"aws_security_group_rule\",\"name\":\"" name "\",\"change\":{\"actions\":[\"create\"],"  \
	"\"after\":" after ",\"after_unknown\":" unk "}}"
#define SG(name, after, unk)                                                                       \
	"{\"address\":\"aws_security_group." name "\",\"mode\":\"managed\",\"type\":"               \
	"\"aws_security_group\",\"name\":\"" name "\",\"change\":{\"actions\":[\"create\"],"       \
	"\"after\":" after ",\"after_unknown\":" unk "}}"

static void test_unknown_parts(void **state)
{
	(void)state;
	/* one CIDR known, one known after apply (null in after, true in after_unknown) */
	ct_fx *e = plan_env(SG_RULE("a", "{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,"
				       "\"cidr_blocks\":[\"10.0.0.0/8\",null],\"security_group_id\":\"sg-1\"}",
				  "{\"cidr_blocks\":[false,true]}"),
			  NULL);
	assert_int_equal(e->rc, 0);
	no_diags(e);
	want_cidr(rule_at(e, "/cidr_blocks/0"), "10.0.0.0/8");
	const kw_cloud_rule *r = rule_at(e, "/cidr_blocks/1");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_string_equal(r->why_unknown, "known after apply");
	ct_done(e);

	/* protocol and ports known after apply */
	e = plan_env(SG_RULE("p", "{\"type\":\"ingress\",\"cidr_blocks\":[\"0.0.0.0/0\"],\"security_group_id\":\"sg-1\"}",
			     "{\"protocol\":true,\"from_port\":true,\"to_port\":true}"),
		     NULL);
	no_diags(e);
	r = rule_at(e, "/cidr_blocks/0");
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	assert_true(r->ports_unknown);
	assert_string_equal(r->why_unknown, "known after apply");
	ct_done(e);
	e = plan_env(SG_RULE("q", "{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,\"cidr_blocks\":[\"0.0.0.0/0\"],"
				  "\"security_group_id\":\"sg-1\"}",
			     "{\"to_port\":true}"),
		     NULL);
	r = rule_at(e, "/cidr_blocks/0");
	assert_int_equal(r->proto, KW_PROTO_TCP);
	assert_true(r->ports_unknown);
	ct_done(e);

	/* the group unknown and no configuration: a placeholder named after the rule; its
	 * source_security_group_id (computed) does not add a phantom source */
	e = plan_env(SG_RULE("g", "{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,"
				  "\"cidr_blocks\":[\"0.0.0.0/0\"]}",
			     "{\"security_group_id\":true,\"source_security_group_id\":true}"),
		     NULL);
	no_diags(e);
	assert_int_equal(e->m.n_rules, 1);
	assert_string_equal(ct_gid(e, &e->m.rules[0]), "aws_security_group_rule.g.security_group_id");
	assert_true(e->m.groups[e->m.rules[0].group].rules_unknown);
	ct_done(e);
	/* ... but a rule with no other source keeps it, as unknown */
	e = plan_env(SG_RULE("h", "{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,"
				  "\"security_group_id\":\"sg-1\"}",
			     "{\"source_security_group_id\":true}"),
		     NULL);
	assert_int_equal(e->m.n_rules, 1);
	assert_int_equal(e->m.rules[0].src, KW_SRC_UNKNOWN);
	ct_done(e);
	/* with a configuration that sets it to a group of the plan: that group */
	e = plan_env(SG("src", "{\"name\":\"src\",\"ingress\":[],\"egress\":[]}", "{\"id\":true}") ","
		     SG_RULE("i", "{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,"
				  "\"security_group_id\":\"sg-1\"}",
			     "{\"source_security_group_id\":true}"),
		     "{\"address\":\"aws_security_group_rule.i\",\"expressions\":{\"source_security_group_id\":"
		     "{\"references\":[\"aws_security_group.src.id\",\"aws_security_group.src\"]}}}");
	no_diags(e);
	assert_int_equal(e->m.n_rules, 1);
	assert_int_equal(e->m.rules[0].src, KW_SRC_GROUP);
	assert_string_equal(e->m.rules[0].ref, "aws_security_group.src");
	ct_done(e);
}

static void test_unknown_ingress(void **state)
{
	(void)state;
	const char *g = SG("web", "{\"name\":\"web\"}", "{\"id\":true,\"ingress\":true,\"egress\":true}");
	/* no configuration: the group's rules are unknown */
	ct_fx *e = plan_env(g, NULL);
	no_diags(e);
	assert_true(want_group(e, "aws_security_group.web")->rules_unknown);
	ct_done(e);
	/* configured (even through a dynamic value): unknown */
	e = plan_env(g, "{\"address\":\"aws_security_group.web\",\"expressions\":{\"ingress\":{\"references\":[\"local.r\"]}}}");
	assert_true(want_group(e, "aws_security_group.web")->rules_unknown);
	ct_done(e);
	/* the configuration sets no ingress: the provider fills in the separate rules */
	e = plan_env(g, "{\"address\":\"aws_security_group.web\",\"expressions\":{\"name\":{\"constant_value\":\"web\"}}}");
	assert_false(want_group(e, "aws_security_group.web")->rules_unknown);
	ct_done(e);
	/* one inline element known only after apply */
	e = plan_env(SG("el", "{\"ingress\":[{\"protocol\":\"tcp\",\"from_port\":22,\"to_port\":22,"
			      "\"cidr_blocks\":[\"0.0.0.0/0\"]},{}]}",
			"{\"id\":true,\"ingress\":[{},true]}"),
		     NULL);
	no_diags(e);
	want_cidr(rule_at(e, "/ingress/0/cidr_blocks/0"), "0.0.0.0/0");
	const kw_cloud_rule *r = rule_at(e, "/ingress/1/cidr_blocks");
	assert_int_equal(r->src, KW_SRC_UNKNOWN);
	assert_int_equal(r->proto, KW_PROTO_UNKNOWN);
	ct_done(e);
}

static void test_unknown_launch(void **state)
{
	(void)state;
	const char *ch =
		"{\"address\":\"alicloud_instance.x\",\"mode\":\"managed\",\"type\":\"alicloud_instance\",\"name\":\"x\","
		"\"change\":{\"actions\":[\"create\"],\"after\":{\"image_id\":\"m-1\",\"password\":null},"
		"\"after_unknown\":{\"password\":true,\"password_inherit\":true,\"key_name\":true,"
		"\"internet_max_bandwidth_out\":true,\"security_groups\":true,\"user_data\":true},"
		"\"after_sensitive\":{\"password\":true}}}";
	ct_fx *e = plan_env(ch, NULL);
	no_diags(e);
	const kw_cloud_launch *l = launch(e, "alicloud_instance.x");
	assert_int_equal(l->password, KW_TRI_UNKNOWN);
	assert_int_equal(l->password_inherit, KW_TRI_UNKNOWN);
	assert_int_equal(l->key_pair, KW_TRI_UNKNOWN);
	assert_int_equal(l->public_ip, KW_TRI_UNKNOWN);
	assert_int_equal(l->user_data, KW_TRI_UNKNOWN);
	assert_non_null(l->ud_why);
	assert_true(ct_instance(e, "alicloud_instance.x")->groups_unknown);
	ct_done(e);
	/* the same with a configuration that sets only password and password_inherit: the
	 * computed ones are not set */
	e = plan_env(ch, "{\"address\":\"alicloud_instance.x\",\"expressions\":{\"password\":{\"references\":"
			 "[\"random_password.p.result\"]},\"password_inherit\":{\"references\":[\"var.inherit\"]},"
			 "\"security_groups\":{\"references\":[\"alicloud_security_group.g.id\",\"alicloud_security_group.g\"]}}}");
	l = launch(e, "alicloud_instance.x");
	assert_int_equal(l->password, KW_TRI_UNKNOWN);
	assert_int_equal(l->password_inherit, KW_TRI_UNKNOWN);
	assert_int_equal(l->key_pair, KW_TRI_ABSENT);
	assert_int_equal(l->public_ip, KW_TRI_ABSENT);
	assert_int_equal(l->user_data, KW_TRI_ABSENT);
	/* security_groups names a group that is not in the plan */
	assert_true(ct_instance(e, "alicloud_instance.x")->groups_unknown);
	ct_done(e);
}

static void test_sensitive_and_forget(void **state)
{
	(void)state;
	/* a name marked sensitive is not kept; "forget" drops the resource */
	const char *text =
		"{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"aws_security_group.s\",\"type\":"
		"\"aws_security_group\",\"name\":\"s\",\"change\":{\"actions\":[\"update\"],\"after\":{\"id\":"
		"\"sg-s\",\"name\":\"prod-db-7\",\"vpc_id\":\"vpc-1\",\"ingress\":[],\"egress\":[]},\"after_unknown\":{},"
		"\"after_sensitive\":{\"name\":true}}},{\"address\":\"aws_instance.i\",\"type\":\"aws_instance\","
		"\"name\":\"i\",\"change\":{\"actions\":[\"no-op\"],\"after\":{\"id\":\"i-1\",\"tags\":{\"Name\":"
		"\"secret-project\"},\"vpc_security_group_ids\":[\"sg-s\"]},\"after_sensitive\":{\"tags\":true}}},"
		"{\"address\":\"aws_security_group.f\",\"type\":\"aws_security_group\",\"name\":\"f\",\"change\":"
		"{\"actions\":[\"forget\"],\"before\":{\"id\":\"sg-f\"},\"after\":null}}]}";
	ct_fx *e = ct_load_text(text);
	assert_int_equal(e->rc, 0);
	no_diags(e);
	assert_string_equal(want_group(e, "sg-s")->name, "(sensitive)");
	assert_string_equal(want_group(e, "sg-s")->vpc, "vpc-1");
	assert_null(ct_instance(e, "i-1")->name);
	assert_null(group(e, "sg-f"));
	assert_null(group(e, "aws_security_group.f"));
	never_kept(e, "prod-db-7");
	never_kept(e, "secret-project");
	ct_done(e);
}

/* var -> module call -> output -> var ...: the hop cap ends it */
static void test_reference_cycle(void **state)
{
	(void)state;
	const char *text =
		"{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"module.m.aws_security_group_rule.r\","
		"\"module_address\":\"module.m\",\"mode\":\"managed\",\"type\":\"aws_security_group_rule\",\"name\":\"r\","
		"\"change\":{\"actions\":[\"create\"],\"after\":{\"type\":\"ingress\",\"protocol\":\"tcp\",\"from_port\":22,"
		"\"to_port\":22,\"cidr_blocks\":[\"0.0.0.0/0\"]},\"after_unknown\":{\"security_group_id\":true}}}],"
		"\"configuration\":{\"root_module\":{\"module_calls\":{\"m\":{\"expressions\":{\"x\":{\"references\":"
		"[\"module.m.o\"]}},\"module\":{\"outputs\":{\"o\":{\"expression\":{\"references\":[\"var.x\"]}}},"
		"\"resources\":[{\"address\":\"aws_security_group_rule.r\",\"expressions\":{\"security_group_id\":"
		"{\"references\":[\"var.x\"]}}}]}}}}}}";
	ct_fx *e = ct_load_text(text);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->m.n_rules, 1);
	assert_string_equal(ct_gid(e, &e->m.rules[0]), "module.m.aws_security_group_rule.r.security_group_id");
	ct_done(e);
}

/* ------------------------------------------------------------------ bounds */

static void test_module_depth(void **state)
{
	(void)state;
	/* 80 modules deep, a rule at depth 10 and one at depth 80 */
	json_t *root = json_object();
	json_t *mod = root;
	for (int d = 1; d <= 80; d++) {
		json_t *kid = json_object();
		if (d == 10 || d == 80) {
			char addr[64];
			snprintf(addr, sizeof addr, "aws_security_group_rule.d%d", d);
			json_t *res = json_pack("[{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:i, s:i, s:[s], s:s}}]",
						"address", addr, "mode", "managed", "type", "aws_security_group_rule",
						"name", "d", "values", "type", "ingress", "protocol", "tcp", "from_port",
						d, "to_port", d, "cidr_blocks", "0.0.0.0/0", "security_group_id", "sg-1");
			assert_non_null(res);
			json_object_set_new(kid, "resources", res);
		}
		json_object_set_new(mod, "child_modules", json_pack("[o]", kid));
		mod = kid;
	}
	json_t *doc = json_pack("{s:s, s:{s:o}}", "format_version", "1.2", "planned_values", "root_module", root);
	ct_fx *e = read_doc(doc, KW_KIND_TF_PLAN);
	json_decref(doc);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->m.n_rules, 1);
	assert_int_equal(e->m.rules[0].port_lo, 10);
	ct_diag_with(e, "nested more than 64", NULL);
	size_t n = 0;
	for (size_t i = 0; i < e->d.n; i++)
		n += strstr(e->d.v[i].msg, "nested more than") != NULL;
	assert_int_equal(n, 1);
	ct_done(e);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_many(void **state)
{
	(void)state;
	/* 200,000 resources: 20,000 groups (ids known after apply) with an inline rule each,
	 * and 9 rule resources per group that reach it through the configuration
	 * (aws_security_group.g[count.index]); planned_values repeats the groups. Identical
	 * parts are shared (jansson counts references), so building the test is cheap. */
	enum { GROUPS = 20000, PER = 9 };
	double tb = ct_now();
	json_t *rcs = json_array(), *pres = json_array(), *cres = json_array();
	json_t *managed = json_string("managed"), *tsg = json_string("aws_security_group"),
	       *trule = json_string("aws_security_group_rule");
	json_t *gafter = json_pack("{s:[{s:s, s:i, s:i, s:[s]}], s:[]}", "ingress", "protocol", "tcp", "from_port", 22,
				   "to_port", 22, "cidr_blocks", "0.0.0.0/0", "egress");
	json_t *gchange = json_pack("{s:[s], s:O, s:{s:b}}", "actions", "create", "after", gafter, "after_unknown",
				    "id", 1);
	json_t *rchange[PER];
	for (int k = 0; k < PER; k++) {
		rchange[k] = json_pack("{s:[s], s:{s:s, s:s, s:i, s:i, s:[s]}, s:{s:b}}", "actions", "create", "after",
				       "type", "ingress", "protocol", "tcp", "from_port", 1000 + k, "to_port", 1000 + k,
				       "cidr_blocks", "10.0.0.0/8", "after_unknown", "security_group_id", 1);
		assert_non_null(rchange[k]);
		char ca[64];
		snprintf(ca, sizeof ca, "aws_security_group_rule.r%d", k);
		json_array_append_new(cres, json_pack("{s:s, s:{s:{s:[s, s]}}}", "address", ca, "expressions",
						      "security_group_id", "references", "aws_security_group.g",
						      "count.index"));
	}
	assert_non_null(gchange);
	for (int g = 0; g < GROUPS; g++) {
		char ga[64];
		snprintf(ga, sizeof ga, "aws_security_group.g[%d]", g);
		json_array_append_new(rcs, json_pack("{s:s, s:O, s:O, s:s, s:O}", "address", ga, "mode", managed,
						     "type", tsg, "name", "g", "change", gchange));
		json_array_append_new(pres, json_pack("{s:s, s:O, s:O, s:s, s:O}", "address", ga, "mode", managed,
						      "type", tsg, "name", "g", "values", gafter));
		for (int k = 0; k < PER; k++) {
			char ra[64];
			snprintf(ra, sizeof ra, "aws_security_group_rule.r%d[%d]", k, g);
			json_array_append_new(rcs, json_pack("{s:s, s:O, s:O, s:s, s:O}", "address", ra, "mode", managed,
							     "type", trule, "name", "r", "change", rchange[k]));
		}
	}
	for (int k = 0; k < PER; k++)
		json_decref(rchange[k]);
	json_decref(gchange);
	json_decref(gafter);
	json_decref(managed);
	json_decref(tsg);
	json_decref(trule);
	json_t *doc = json_pack("{s:s, s:o, s:{s:{s:o}}, s:{s:{s:o}}}", "format_version", "1.2", "resource_changes", rcs,
				"planned_values", "root_module", "resources", pres, "configuration", "root_module",
				"resources", cres);
	assert_non_null(doc);
	assert_int_equal(json_array_size(rcs), GROUPS * (PER + 1));
	double t0 = ct_now(), c0 = cpu_now();
	ct_fx *e = read_doc(doc, KW_KIND_TF_PLAN);
	double dt = ct_now() - t0, cpu = cpu_now() - c0;
	json_decref(doc);
	print_message("test_cloud_terraform: %d resources read in %.3f s (%.3f s of CPU; test JSON built in "
		      "%.3f s)\n", GROUPS * (PER + 1), dt, cpu, t0 - tb);
	assert_int_equal(e->rc, 0);
	no_fatal(e);
	assert_int_equal(e->m.n_rules, GROUPS * (PER + 1));
	/* aws_security_group.g[count.index] from aws_security_group_rule.rK[N]: group g[N] */
	assert_int_equal(e->m.n_groups, GROUPS);
	static const int probe[] = { 0, 1, 777, GROUPS - 1 };
	for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
		char want[64], at[64];
		snprintf(want, sizeof want, "aws_security_group.g[%d]", probe[i]);
		snprintf(at, sizeof at, "#/resource_changes/%d/change/after/cidr_blocks/0", probe[i] * (PER + 1) + 3);
		assert_string_equal(ct_gid(e, rule_at(e, at)), want);
		snprintf(at, sizeof at, "#/resource_changes/%d/change/after/ingress/0/cidr_blocks/0", probe[i] * (PER + 1));
		assert_string_equal(ct_gid(e, rule_at(e, at)), want);
	}
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
	double limit = 30.0;
#else
	double limit = 2.0;     /* about a second; CPU time, so a busy machine does not fail it */
#endif
	if (cpu > limit)
		fail_msg("%.3f s of CPU for %d resources (limit %.1f s)", cpu, GROUPS * (PER + 1), limit);
	ct_done(e);
}

/* ------------------------------------------------------------------ real Terraform output */

static void test_terraform_json_samples(void **state)
{
	(void)state;
	DIR *dir = opendir(TFJSON_DIR);
	if (!dir)
		fail_msg("%s is missing: install the Debian package golang-github-hashicorp-terraform-json-dev "
			 "(real `terraform show -json` samples)", TFJSON_DIR);
	size_t plans = 0, states = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		static const char *const files[] = { "plan.json", "state.json", "terraform.tfstate" };
		for (size_t f = 0; f < 3; f++) {
			char path[512];
			snprintf(path, sizeof path, "%s/%s/%s", TFJSON_DIR, de->d_name, files[f]);
			struct stat st;
			if (stat(path, &st) != 0)
				continue;
			json_t *doc = parse_file(path);
			ct_fx *e = read_doc(doc, f == 0 ? KW_KIND_TF_PLAN : KW_KIND_TF_STATE);
			json_decref(doc);
			if (e->rc != 0 || kw_diags_any_fatal(&e->d))
				fail_msg("%s: rc %d, %s", path, e->rc, e->d.n ? e->d.v[0].msg : "");
			if (f == 0) {
				/* the loader agrees on the kind */
				ct_fx *l = calloc(1, sizeof *l);
				assert_non_null(l);
				l->rc = kw_cloud_load_file(&l->m, path, NULL, KW_CLOUD_ANY, &l->d);
				assert_int_equal(l->rc, 0);
				assert_int_equal(l->m.inputs[0].kind, KW_KIND_TF_PLAN);
				ct_done(l);
				plans++;
			} else {
				states++;
			}
			if (strcmp(de->d_name, "nested_config_keys") == 0 && f == 0) {
				/* aws_instance.foo: key_name and groups known after apply, neither set */
				const kw_cloud_launch *la = launch(e, "aws_instance.foo");
				assert_int_equal(la->key_pair, KW_TRI_ABSENT);
				assert_int_equal(la->public_ip, KW_TRI_UNKNOWN);
				assert_string_equal(la->image, "ami-foobar");
				assert_true(ct_instance(e, "aws_instance.foo")->groups_unknown);
			}
			ct_done(e);
		}
	}
	closedir(dir);
	print_message("test_cloud_terraform: %zu plans and %zu states from %s\n", plans, states, TFJSON_DIR);
	assert_true(plans >= 10);
	assert_true(states >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_aws_plan),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_planned_values_only),
		cmocka_unit_test(test_alicloud),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_raw_state),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_unknown_parts),
		cmocka_unit_test(test_unknown_ingress),
		cmocka_unit_test(test_unknown_launch),
		cmocka_unit_test(test_sensitive_and_forget),
		cmocka_unit_test(test_reference_cycle),
		cmocka_unit_test(test_module_depth),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_terraform_json_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
