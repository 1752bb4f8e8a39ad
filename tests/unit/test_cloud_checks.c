/* test_cloud_checks.c — the checks of `keyward cloud` (src/checks/cloud.c) on models built
 * by hand:
 *
 *  - severity follows context: SSH open on an instance with a public address is critical,
 *    without one medium, unknown high; a group alone is high when no instance data was
 *    given and medium when instances were given and none uses it;
 *  - evidence names the group, the rule, the source and where it came from (path = the
 *    rule's origin), both families in one finding, a union's rule count, a paged export,
 *    groups missing from the input;
 *  - all ports, other ports (SSH-only openings are not repeated there), unknown exposure
 *    (only where SSH/RDP may be reached, and not when SSH/RDP is plainly open);
 *  - several public instances open to SSH/RDP: one many-admin finding naming them; one
 *    such instance: none; a private one does not count;
 *  - launches: PasswordInherit on a custom image is critical, on another high; unknown
 *    after apply; a Linux password (value never in the evidence), not for Windows;
 *    no credential (Alibaba, not when a launch template may supply it); no key pair
 *    (AWS, info); user data hits with their line; unreadable user data;
 *  - a profile that disables a check or changes its severity is obeyed.
 */
#include "checks/cloud.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t group(kw_cloud_model *m, kw_cloud_provider p, const char *id, const char *name)
{
	uint32_t g;
	assert_int_equal(kw_cloud_group_get(m, p, id, &g), 0);
	m->groups[g].has_rules = true;
	m->groups[g].name = name ? kw_cloud_str(m, name) : NULL;
	return g;
}

static void rule(kw_cloud_model *m, uint32_t g, kw_cloud_action act, unsigned prio,
		 kw_cloud_proto proto, unsigned lo, unsigned hi, const char *src, const char *id)
{
	kw_cloud_rule *r = kw_cloud_rule_add(m);
	assert_non_null(r);
	r->group = g;
	r->provider = m->groups[g].provider;
	r->action = (uint8_t)act;
	r->priority = (uint16_t)prio;
	r->proto = (uint8_t)proto;
	r->port_lo = (uint16_t)(proto == KW_PROTO_TCP || proto == KW_PROTO_UDP ? lo : 0);
	r->port_hi = (uint16_t)(proto == KW_PROTO_TCP || proto == KW_PROTO_UDP ? hi : 65535);
	if (strncmp(src, "pl:", 3) == 0) {
		r->src = KW_SRC_PREFIX_LIST;
		r->ref = kw_cloud_str(m, src + 3);
		r->why_unknown = "prefix list pl-x is not resolved by the input";
	} else {
		assert_int_equal(kw_cloud_cidr_parse(src, &r->cidr), 0);
	}
	r->id = id ? kw_cloud_str(m, id) : NULL;
	r->origin = kw_cloud_strf(m, "sg.json#/rules/%zu", m->n_rules - 1);
}

static void instance(kw_cloud_model *m, const char *id, const char *name, uint32_t g, kw_tri pub)
{
	kw_cloud_instance *x = kw_cloud_instance_add(m);
	x->provider = m->groups[g].provider;
	x->id = kw_cloud_str(m, id);
	x->name = name ? kw_cloud_str(m, name) : NULL;
	uint32_t *v = kw_cloud_idx_array(m, 1);
	v[0] = g;
	x->groups = v;
	x->n_groups = 1;
	x->public_ip = (uint8_t)pub;
	x->public_why = pub == KW_TRI_TRUE ? kw_cloud_strf(m, "public IP 203.0.113.%zu", m->n_instances) : NULL;
	m->have_instances = true;
}

static void run(const kw_cloud_model *m, const kw_profile *p, kw_findings *fs)
{
	kw_exposure e;
	assert_int_equal(kw_exposure_eval(m, &e), 0);
	assert_int_equal(kw_cloud_checks(p, m, &e, fs), 0);
	kw_exposure_release(&e);
}

static const kw_finding *find(const kw_findings *fs, const char *id, const char *target)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].check->id, id) == 0 && (!target || strcmp(fs->v[i].target, target) == 0))
			return &fs->v[i];
	return NULL;
}

static size_t count(const kw_findings *fs, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < fs->n; i++)
		n += strcmp(fs->v[i].check->id, id) == 0;
	return n;
}

static void test_group_alone(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_cloud_model m = { 0 };
	uint32_t g = group(&m, KW_CLOUD_AWS, "sg-0bad", "web");
	rule(&m, g, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 0, 1024, "0.0.0.0/0", NULL);
	rule(&m, g, KW_ACT_ALLOW, 0, KW_PROTO_ALL, 0, 0, "::/0", NULL);
	m.groups[g].partial = true;
	kw_findings fs = { 0 };
	run(&m, &p, &fs);
	const kw_finding *f = find(&fs, "cloud.ssh-internet", "sg-0bad (web)");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_HIGH);
	assert_string_equal(f->path, "sg.json#/rules/0");
	assert_non_null(strstr(f->evidence, "tcp/22 from 0.0.0.0/0 (IPv4) through sg-0bad (web) rule: tcp 0-1024 from 0.0.0.0/0"));
	assert_non_null(strstr(f->evidence, "tcp/22 from ::/0 (IPv6) through sg-0bad (web) rule: all protocols from ::/0"));
	assert_non_null(strstr(f->evidence, "judged alone"));
	assert_non_null(strstr(f->evidence, "paged"));
	f = find(&fs, "cloud.rdp-internet", NULL);
	assert_non_null(f);
	assert_null(strstr(f->evidence, "IPv4")); /* 3389 is outside 0-1024 */
	assert_non_null(strstr(f->evidence, "udp/3389 from ::/0"));
	f = find(&fs, "cloud.all-ports-internet", NULL);
	assert_non_null(f);
	assert_string_equal(f->path, "sg.json#/rules/1");
	f = find(&fs, "cloud.port-internet", NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "tcp/0-1024 from 0.0.0.0/0"));
	assert_null(find(&fs, "cloud.exposure-unknown", NULL));
	kw_findings_release(&fs);

	/* instance data given, nobody uses the group: one lower */
	uint32_t other = group(&m, KW_CLOUD_AWS, "sg-other", NULL);
	instance(&m, "i-1", NULL, other, KW_TRI_TRUE);
	run(&m, &p, &fs);
	f = find(&fs, "cloud.ssh-internet", "sg-0bad (web)");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_MEDIUM);
	assert_non_null(strstr(f->evidence, "no instance in the input uses this group"));
	assert_null(find(&fs, "cloud.ssh-internet", "i-1"));
	kw_findings_release(&fs);
	kw_cloud_model_release(&m);
	kw_profile_release(&p);
}

static void test_instances_context_and_many_admin(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_cloud_model m = { 0 };
	uint32_t g = group(&m, KW_CLOUD_ALIBABA, "sg-admin", NULL);
	rule(&m, g, KW_ACT_ALLOW, 1, KW_PROTO_TCP, 22, 22, "0.0.0.0/0", "sgr-ssh");
	instance(&m, "i-pub1", "web-1", g, KW_TRI_TRUE);
	instance(&m, "i-pub2", NULL, g, KW_TRI_TRUE);
	instance(&m, "i-priv", NULL, g, KW_TRI_FALSE);
	instance(&m, "i-what", NULL, g, KW_TRI_ABSENT);
	kw_findings fs = { 0 };
	run(&m, &p, &fs);
	const kw_finding *f = find(&fs, "cloud.ssh-internet", "i-pub1 (web-1)");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_CRITICAL);
	assert_non_null(strstr(f->evidence, "rule sgr-ssh: tcp 22 from 0.0.0.0/0 (Accept, priority 1)"));
	assert_non_null(strstr(f->evidence, "public: public IP 203.0.113.1"));
	assert_int_equal(find(&fs, "cloud.ssh-internet", "i-priv")->severity, KW_SEV_MEDIUM);
	assert_non_null(strstr(find(&fs, "cloud.ssh-internet", "i-priv")->evidence, "no public address"));
	assert_int_equal(find(&fs, "cloud.ssh-internet", "i-what")->severity, KW_SEV_HIGH);
	assert_int_equal(count(&fs, "cloud.ssh-internet"), 4);
	assert_int_equal(count(&fs, "cloud.port-internet"), 0); /* tcp/22 alone is not repeated */
	f = find(&fs, "cloud.many-admin-instances", NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "3 instances"));
	assert_non_null(strstr(f->evidence, "i-pub1 (web-1), i-pub2, i-what"));
	assert_null(strstr(f->evidence, "i-priv"));
	assert_null(find(&fs, "cloud.groups-missing", NULL));
	kw_findings_release(&fs);
	kw_cloud_model_release(&m);

	/* one admin instance is the pattern itself */
	kw_cloud_model one = { 0 };
	g = group(&one, KW_CLOUD_AWS, "sg-bastion", NULL);
	rule(&one, g, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/0", NULL);
	instance(&one, "i-bastion", NULL, g, KW_TRI_TRUE);
	uint32_t ghost;
	assert_int_equal(kw_cloud_group_get(&one, KW_CLOUD_AWS, "sg-ghost", &ghost), 0);
	instance(&one, "i-ghost", NULL, ghost, KW_TRI_TRUE);
	run(&one, &p, &fs);
	assert_null(find(&fs, "cloud.many-admin-instances", NULL));
	f = find(&fs, "cloud.groups-missing", NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "1 instance or launch uses 1 group whose rules are not in the input: sg-ghost"));
	kw_findings_release(&fs);
	kw_cloud_model_release(&one);
	kw_profile_release(&p);
}

static void test_unknown(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_cloud_model m = { 0 };
	uint32_t g = group(&m, KW_CLOUD_AWS, "sg-pl", NULL);
	rule(&m, g, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "pl:pl-x", NULL);
	rule(&m, g, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 443, 443, "pl:pl-cdn", NULL);
	uint32_t both = group(&m, KW_CLOUD_AWS, "sg-both", NULL);
	rule(&m, both, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "pl:pl-x", NULL);
	rule(&m, both, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/0", NULL);
	kw_findings fs = { 0 };
	run(&m, &p, &fs);
	const kw_finding *f = find(&fs, "cloud.exposure-unknown", "sg-pl");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_MEDIUM);
	assert_non_null(strstr(f->evidence, "SSH IPv4, SSH IPv6 may be open through sg-pl rule: tcp 22 from prefix list pl-x"));
	assert_null(strstr(f->evidence, "pl-cdn"));
	assert_null(find(&fs, "cloud.ssh-internet", "sg-pl"));
	/* open on IPv4 through 0.0.0.0/0; the prefix list leaves only IPv6 unknown */
	assert_non_null(find(&fs, "cloud.ssh-internet", "sg-both"));
	f = find(&fs, "cloud.exposure-unknown", "sg-both");
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "SSH IPv6 may be open"));
	assert_null(strstr(f->evidence, "IPv4"));
	kw_findings_release(&fs);
	kw_cloud_model_release(&m);
	kw_profile_release(&p);
}

static kw_cloud_launch *launch(kw_cloud_model *m, kw_cloud_provider pv, const char *name)
{
	kw_cloud_launch *l = kw_cloud_launch_add(m);
	l->provider = (uint8_t)pv;
	l->name = kw_cloud_str(m, name);
	l->origin = kw_cloud_strf(m, "req.json#/%s", name);
	return l;
}

static void test_launches(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_cloud_model m = { 0 };
	kw_cloud_launch *l = launch(&m, KW_CLOUD_ALIBABA, "custom");
	l->password_inherit = KW_TRI_TRUE;
	l->custom_image = true;
	l->image = kw_cloud_str(&m, "m-golden");
	l->public_ip = KW_TRI_TRUE;
	l = launch(&m, KW_CLOUD_ALIBABA, "public-image");
	l->password_inherit = KW_TRI_TRUE;
	l->image = kw_cloud_str(&m, "aliyun_3_x64");
	l->key_pair = KW_TRI_TRUE;
	l = launch(&m, KW_CLOUD_ALIBABA, "later");
	l->password_inherit = KW_TRI_UNKNOWN;
	l = launch(&m, KW_CLOUD_ALIBABA, "linux-pw");
	l->password = KW_TRI_TRUE;
	l->os = KW_OS_LINUX;
	l->key_pair = KW_TRI_TRUE;
	l = launch(&m, KW_CLOUD_ALIBABA, "windows-pw");
	l->password = KW_TRI_TRUE;
	l->os = KW_OS_WINDOWS;
	l = launch(&m, KW_CLOUD_ALIBABA, "nothing");
	l->password_inherit = KW_TRI_FALSE;
	l = launch(&m, KW_CLOUD_ALIBABA, "from-template");
	l->template_ref = kw_cloud_str(&m, "lt-1");
	l = launch(&m, KW_CLOUD_AWS, "aws-nokey");
	l->user_data = KW_TRI_TRUE;
	l->ud_hits = KW_UD_PWAUTH;
	l->ud_line = 3;
	l->ud_what = kw_cloud_str(&m, "ssh_pwauth: true");
	l = launch(&m, KW_CLOUD_AWS, "aws-key");
	l->key_pair = KW_TRI_TRUE;
	l->user_data = KW_TRI_UNKNOWN;
	l->ud_why = kw_cloud_str(&m, "user_data is a SHA-1 hash in the plan");

	kw_findings fs = { 0 };
	run(&m, &p, &fs);
	const kw_finding *f = find(&fs, "cloud.password-inherit", "custom");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_CRITICAL);
	assert_non_null(strstr(f->evidence, "custom image m-golden"));
	assert_non_null(strstr(f->evidence, "public address"));
	assert_int_equal(find(&fs, "cloud.password-inherit", "public-image")->severity, KW_SEV_HIGH);
	assert_int_equal(count(&fs, "cloud.password-inherit"), 2);
	assert_non_null(find(&fs, "cloud.launch-unknown", "later"));
	f = find(&fs, "cloud.launch-password", "linux-pw");
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "key pair is named too"));
	assert_null(find(&fs, "cloud.launch-password", "windows-pw"));
	assert_non_null(find(&fs, "cloud.launch-no-credential", "nothing"));
	assert_null(find(&fs, "cloud.launch-no-credential", "from-template"));
	assert_null(find(&fs, "cloud.launch-no-credential", "custom"));
	assert_null(find(&fs, "cloud.launch-no-credential", "later"));
	assert_int_equal(count(&fs, "cloud.launch-no-credential"), 1);
	f = find(&fs, "cloud.launch-no-key-pair", "aws-nokey");
	assert_non_null(f);
	assert_int_equal(f->severity, KW_SEV_INFO);
	assert_null(find(&fs, "cloud.launch-no-key-pair", "aws-key"));
	f = find(&fs, "cloud.user-data-password", "aws-nokey");
	assert_non_null(f);
	assert_int_equal(f->line, 0);
	assert_non_null(strstr(f->evidence, "user data line 3"));
	assert_non_null(strstr(f->evidence, "ssh_pwauth: true"));
	f = find(&fs, "cloud.user-data-unreadable", "aws-key");
	assert_non_null(f);
	assert_non_null(strstr(f->evidence, "SHA-1"));
	kw_findings_release(&fs);

	/* a profile: off, and a severity */
	kw_diags d = { 0 };
	const char prof[] = "disable cloud.launch-no-key-pair\nseverity cloud.password-inherit low\n";
	kw_profile q;
	kw_profile_init(&q);
	if (kw_profile_parse(&q, "test", NULL, prof, strlen(prof), &d) < 0 || d.n)
		fail_msg("profile did not parse: %s", d.n ? d.v[0].msg : "?");
	run(&m, &q, &fs);
	assert_null(find(&fs, "cloud.launch-no-key-pair", NULL));
	assert_int_equal(find(&fs, "cloud.password-inherit", "custom")->severity, KW_SEV_LOW);
	kw_findings_release(&fs);
	kw_profile_release(&q);
	kw_diags_release(&d);
	kw_cloud_model_release(&m);
	kw_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_alone),
		cmocka_unit_test(test_instances_context_and_many_admin),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_launches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
