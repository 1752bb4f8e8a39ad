/* test_cloud_exposure.c — what the internet reaches (src/cloud/exposure.c), on models built
 * by hand (the readers have their own tests):
 *
 *  - AWS: a range 0-1024 holds SSH and not RDP; protocol -1 on ::/0 opens everything on
 *    IPv6 only; UDP 3389 is RDP, UDP 22 is not SSH; protocol 50 opens no TCP port;
 *  - Alibaba (the research's example): a Drop of tcp/22 at priority 1 cancels an Accept of
 *    1-1024 at 50 for port 22 only (the opening keeps 1-21 and 23-1024); a Drop at equal
 *    priority wins; an Accept at a better priority than a Drop stays open; a Drop of a
 *    narrower source cancels nothing; a Drop of ALL cancels a TCP Accept; a Drop of tcp/22
 *    closes the point 22 of an ALL Accept but not 3389;
 *  - sources that together make the whole space (0.0.0.0/1 + 128.0.0.0/1, v6 halves) open;
 *    one half, or halves with a gap, do not;
 *  - unknown: a prefix list, unknown ports from the whole internet, rules known only after
 *    apply; a group reference is closed;
 *  - instances: the rules of all their groups pooled (a Drop in one group cancels an
 *    Accept in another), instances with the same groups share one evaluation, a group
 *    whose rules are missing is named, used groups are not judged alone, unused ones are;
 *  - a seeded random cross-check of Alibaba points against a direct reading of the rule
 *    ("the first whole-family rule in priority order, Drop first, that covers the point
 *    decides") over 3,000 random rule sets.
 */
#include "cloud/exposure.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t group(kw_cloud_model *m, kw_cloud_provider p, const char *id)
{
	uint32_t g;
	assert_int_equal(kw_cloud_group_get(m, p, id, &g), 0);
	m->groups[g].has_rules = true;
	return g;
}

static kw_cloud_rule *rule(kw_cloud_model *m, uint32_t g, kw_cloud_action act, unsigned prio,
			   kw_cloud_proto proto, unsigned lo, unsigned hi, const char *src)
{
	kw_cloud_rule *r = kw_cloud_rule_add(m);
	assert_non_null(r);
	r->group = g;
	r->provider = m->groups[g].provider;
	r->dir = KW_DIR_INGRESS;
	r->action = (uint8_t)act;
	r->priority = (uint16_t)prio;
	r->proto = (uint8_t)proto;
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	if (proto != KW_PROTO_TCP && proto != KW_PROTO_UDP) {
		r->port_lo = 0;
		r->port_hi = 65535;
	}
	if (strncmp(src, "pl:", 3) == 0) {
		r->src = KW_SRC_PREFIX_LIST;
		r->ref = kw_cloud_str(m, src + 3);
		r->why_unknown = "prefix list not resolved";
	} else if (strncmp(src, "sg:", 3) == 0) {
		r->src = KW_SRC_GROUP;
		r->ref = kw_cloud_str(m, src + 3);
	} else {
		r->src = KW_SRC_CIDR;
		assert_int_equal(kw_cloud_cidr_parse(src, &r->cidr), 0);
	}
	r->origin = kw_cloud_strf(m, "test#/rules/%zu", m->n_rules - 1);
	return r;
}

static const kw_expo_subject *subject(const kw_exposure *e, kw_expo_kind k, uint32_t index)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].kind == k && e->v[i].index == index)
			return &e->v[i];
	return NULL;
}

#define PT(s, svc, fam) ((s)->pt[svc][(fam) == 6].state)

static void test_aws_ranges_and_protocols(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	uint32_t bad = group(&m, KW_CLOUD_AWS, "sg-0bad");
	rule(&m, bad, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 0, 1024, "0.0.0.0/0");
	rule(&m, bad, KW_ACT_ALLOW, 0, KW_PROTO_ALL, 0, 0, "0::/0");
	uint32_t ok = group(&m, KW_CLOUD_AWS, "sg-0ok");
	rule(&m, ok, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "203.0.113.0/28");
	rule(&m, ok, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "sg:sg-0bad");
	uint32_t udp = group(&m, KW_CLOUD_AWS, "sg-udp");
	rule(&m, udp, KW_ACT_ALLOW, 0, KW_PROTO_UDP, 3389, 3389, "0.0.0.0/0");
	rule(&m, udp, KW_ACT_ALLOW, 0, KW_PROTO_UDP, 22, 22, "0.0.0.0/0");
	uint32_t esp = group(&m, KW_CLOUD_AWS, "sg-esp");
	kw_cloud_rule *r = rule(&m, esp, KW_ACT_ALLOW, 0, KW_PROTO_OTHER, 0, 0, "0.0.0.0/0");
	r->proto_num = 50;

	kw_exposure e;
	assert_int_equal(kw_exposure_eval(&m, &e), 0);
	assert_int_equal(e.n, 4); /* four unused groups, each judged alone */
	const kw_expo_subject *s = subject(&e, KW_SUBJ_GROUP, bad);
	assert_non_null(s);
	assert_true(s->alone);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_RDP_UDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_SSH, 6), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP, 6), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP_UDP, 6), KW_EXPO_OPEN);
	assert_int_equal(s->pt[KW_SVC_SSH][0].rule, 0);
	assert_int_equal(s->pt[KW_SVC_SSH][1].rule, 1);
	assert_int_equal(s->n_open, 2);
	assert_false(s->open[0].all_ports);
	assert_int_equal(s->open[0].n_left, 1);
	assert_int_equal(s->open[0].left[0].lo, 0);
	assert_int_equal(s->open[0].left[0].hi, 1024);
	assert_true(s->open[1].all_ports);
	assert_int_equal(s->open[1].fam, 6);

	s = subject(&e, KW_SUBJ_GROUP, ok);
	for (int v = 0; v < KW_SVC__COUNT; v++)
		for (int f = 0; f < 2; f++)
			assert_int_equal(s->pt[v][f].state, KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 0);

	s = subject(&e, KW_SUBJ_GROUP, udp);
	assert_int_equal(PT(s, KW_SVC_RDP_UDP, 4), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 2);

	s = subject(&e, KW_SUBJ_GROUP, esp);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 1);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
}

static void test_alibaba_priorities(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	/* the research's example group */
	uint32_t g = group(&m, KW_CLOUD_ALIBABA, "sg-demo1");
	rule(&m, g, KW_ACT_ALLOW, 50, KW_PROTO_TCP, 1, 1024, "0.0.0.0/0");
	rule(&m, g, KW_ACT_DENY, 1, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	rule(&m, g, KW_ACT_ALLOW, 1, KW_PROTO_ALL, 0, 0, "::/0");
	/* equal priority: Drop wins */
	uint32_t eq = group(&m, KW_CLOUD_ALIBABA, "sg-eq");
	rule(&m, eq, KW_ACT_ALLOW, 5, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	rule(&m, eq, KW_ACT_DENY, 5, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	/* the Accept decides first */
	uint32_t better = group(&m, KW_CLOUD_ALIBABA, "sg-better");
	rule(&m, better, KW_ACT_DENY, 2, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	rule(&m, better, KW_ACT_ALLOW, 1, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	/* a narrower Drop cancels nothing */
	uint32_t narrow = group(&m, KW_CLOUD_ALIBABA, "sg-narrow");
	rule(&m, narrow, KW_ACT_DENY, 1, KW_PROTO_TCP, 22, 22, "198.51.100.0/24");
	rule(&m, narrow, KW_ACT_ALLOW, 10, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	/* Drop ALL cancels a TCP Accept; a Drop of tcp/22 closes 22 of an ALL Accept only */
	uint32_t all = group(&m, KW_CLOUD_ALIBABA, "sg-all");
	rule(&m, all, KW_ACT_DENY, 3, KW_PROTO_ALL, 0, 0, "0.0.0.0/0");
	rule(&m, all, KW_ACT_ALLOW, 4, KW_PROTO_TCP, 1, 65535, "0.0.0.0/0");
	rule(&m, all, KW_ACT_ALLOW, 10, KW_PROTO_ALL, 0, 0, "::/0");
	rule(&m, all, KW_ACT_DENY, 10, KW_PROTO_TCP, 22, 22, "::/0");

	kw_exposure e;
	assert_int_equal(kw_exposure_eval(&m, &e), 0);
	const kw_expo_subject *s = subject(&e, KW_SUBJ_GROUP, g);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_SSH, 6), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP, 6), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP_UDP, 6), KW_EXPO_OPEN);
	/* the IPv4 opening keeps the ports the Drop left */
	const kw_expo_opening *o4 = NULL;
	for (size_t i = 0; i < s->n_open; i++)
		if (s->open[i].fam == 4)
			o4 = &s->open[i];
	assert_non_null(o4);
	assert_int_equal(o4->n_left, 2);
	assert_int_equal(o4->left[0].lo, 1);
	assert_int_equal(o4->left[0].hi, 21);
	assert_int_equal(o4->left[1].lo, 23);
	assert_int_equal(o4->left[1].hi, 1024);
	assert_int_equal(o4->cut_by, 1);

	s = subject(&e, KW_SUBJ_GROUP, eq);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 0);
	s = subject(&e, KW_SUBJ_GROUP, better);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	s = subject(&e, KW_SUBJ_GROUP, narrow);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	s = subject(&e, KW_SUBJ_GROUP, all);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_SSH, 6), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_RDP, 6), KW_EXPO_OPEN);
	assert_int_equal(s->n_open, 1); /* the v6 ALL; the v4 TCP one was dropped whole */
	assert_int_equal(s->open[0].fam, 6);
	assert_true(s->open[0].all_ports);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
}

static void test_unions(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	uint32_t halves = group(&m, KW_CLOUD_AWS, "sg-halves");
	rule(&m, halves, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "128.0.0.0/1");
	rule(&m, halves, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/1");
	rule(&m, halves, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 3389, 3389, "8000::/1");
	rule(&m, halves, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 3389, 3389, "::/1");
	uint32_t one = group(&m, KW_CLOUD_AWS, "sg-one-half");
	rule(&m, one, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/1");
	rule(&m, one, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 23, 23, "128.0.0.0/1"); /* other port */
	uint32_t gap = group(&m, KW_CLOUD_AWS, "sg-gap");
	rule(&m, gap, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/2");
	rule(&m, gap, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "128.0.0.0/1");
	uint32_t quarters = group(&m, KW_CLOUD_AWS, "sg-quarters");
	rule(&m, quarters, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "192.0.0.0/2");
	rule(&m, quarters, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "0.0.0.0/2");
	rule(&m, quarters, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "64.0.0.0/2");
	rule(&m, quarters, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "100.0.0.0/8"); /* inside */
	rule(&m, quarters, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "128.0.0.1/2"); /* host bits */

	kw_exposure e;
	assert_int_equal(kw_exposure_eval(&m, &e), 0);
	const kw_expo_subject *s = subject(&e, KW_SUBJ_GROUP, halves);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_int_equal(s->pt[KW_SVC_SSH][0].n_union, 2);
	assert_int_equal(s->pt[KW_SVC_SSH][0].rule, 0); /* the first of them */
	assert_int_equal(PT(s, KW_SVC_RDP, 6), KW_EXPO_OPEN);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	s = subject(&e, KW_SUBJ_GROUP, one);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 0);
	s = subject(&e, KW_SUBJ_GROUP, gap);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	s = subject(&e, KW_SUBJ_GROUP, quarters);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_int_equal(s->pt[KW_SVC_SSH][0].n_union, 5);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
}

static void test_unknowns(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	uint32_t pl = group(&m, KW_CLOUD_AWS, "sg-pl");
	rule(&m, pl, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 22, 22, "pl:pl-123");
	uint32_t ref = group(&m, KW_CLOUD_AWS, "sg-ref");
	rule(&m, ref, KW_ACT_ALLOW, 0, KW_PROTO_ALL, 0, 0, "sg:sg-pl");
	uint32_t ports = group(&m, KW_CLOUD_ALIBABA, "sg-portlist");
	kw_cloud_rule *r = rule(&m, ports, KW_ACT_ALLOW, 1, KW_PROTO_TCP, 0, 0, "0.0.0.0/0");
	r->ports_unknown = true;
	r->why_unknown = "port list prl-1 is not resolved by the input";
	uint32_t tf = group(&m, KW_CLOUD_AWS, "aws_security_group.web");
	m.groups[tf].has_rules = false;
	m.groups[tf].rules_unknown = true;
	/* a prefix list on port 80 says nothing about SSH */
	uint32_t web = group(&m, KW_CLOUD_AWS, "sg-web");
	rule(&m, web, KW_ACT_ALLOW, 0, KW_PROTO_TCP, 80, 80, "pl:pl-cdn");

	kw_exposure e;
	assert_int_equal(kw_exposure_eval(&m, &e), 0);
	const kw_expo_subject *s = subject(&e, KW_SUBJ_GROUP, pl);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_UNKNOWN);
	assert_int_equal(PT(s, KW_SVC_SSH, 6), KW_EXPO_UNKNOWN);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 1);
	assert_true(s->open[0].unknown);
	s = subject(&e, KW_SUBJ_GROUP, ref);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	assert_int_equal(s->n_open, 0);
	s = subject(&e, KW_SUBJ_GROUP, ports);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_UNKNOWN);
	assert_int_equal(PT(s, KW_SVC_RDP, 4), KW_EXPO_UNKNOWN);
	assert_int_equal(PT(s, KW_SVC_RDP_UDP, 4), KW_EXPO_CLOSED);
	assert_int_equal(PT(s, KW_SVC_SSH, 6), KW_EXPO_CLOSED);
	s = subject(&e, KW_SUBJ_GROUP, tf);
	assert_non_null(s);
	assert_true(s->rules_unknown);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_UNKNOWN);
	s = subject(&e, KW_SUBJ_GROUP, web);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
}

static kw_cloud_instance *instance(kw_cloud_model *m, const char *id, const uint32_t *g, size_t n,
				   kw_tri pub)
{
	kw_cloud_instance *x = kw_cloud_instance_add(m);
	assert_non_null(x);
	x->id = kw_cloud_str(m, id);
	uint32_t *v = kw_cloud_idx_array(m, n);
	memcpy(v, g, n * sizeof *v);
	x->groups = v;
	x->n_groups = n;
	x->public_ip = (uint8_t)pub;
	m->have_instances = true;
	return x;
}

static void test_instances_pool_groups(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	uint32_t open = group(&m, KW_CLOUD_ALIBABA, "sg-open");
	rule(&m, open, KW_ACT_ALLOW, 50, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	uint32_t shut = group(&m, KW_CLOUD_ALIBABA, "sg-shut");
	rule(&m, shut, KW_ACT_DENY, 1, KW_PROTO_TCP, 22, 22, "0.0.0.0/0");
	uint32_t unused = group(&m, KW_CLOUD_ALIBABA, "sg-unused");
	rule(&m, unused, KW_ACT_ALLOW, 1, KW_PROTO_TCP, 3389, 3389, "0.0.0.0/0");
	uint32_t ghost;
	assert_int_equal(kw_cloud_group_get(&m, KW_CLOUD_ALIBABA, "sg-ghost", &ghost), 0);

	uint32_t both[] = { open, shut }, only[] = { open }, with_ghost[] = { open, ghost };
	instance(&m, "i-pooled", both, 2, KW_TRI_TRUE);
	instance(&m, "i-a", only, 1, KW_TRI_TRUE);
	instance(&m, "i-b", only, 1, KW_TRI_FALSE);
	instance(&m, "i-ghost", with_ghost, 2, KW_TRI_ABSENT);

	kw_exposure e;
	assert_int_equal(kw_exposure_eval(&m, &e), 0);
	/* 4 instances + the unused group; sg-open and sg-shut are used, the ghost has no rules */
	assert_int_equal(e.n, 5);
	assert_null(subject(&e, KW_SUBJ_GROUP, open));
	assert_null(subject(&e, KW_SUBJ_GROUP, shut));
	assert_null(subject(&e, KW_SUBJ_GROUP, ghost));
	assert_non_null(subject(&e, KW_SUBJ_GROUP, unused));
	assert_int_equal(e.group_users[open], 4);
	assert_int_equal(e.group_users[shut], 1);

	const kw_expo_subject *s = subject(&e, KW_SUBJ_INSTANCE, 0);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_CLOSED);
	const kw_expo_subject *a = subject(&e, KW_SUBJ_INSTANCE, 1), *b = subject(&e, KW_SUBJ_INSTANCE, 2);
	assert_int_equal(PT(a, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_int_equal(PT(b, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_ptr_not_equal(a->open, b->open); /* shared evaluation, own copies */
	assert_int_equal(a->n_open, b->n_open);
	s = subject(&e, KW_SUBJ_INSTANCE, 3);
	assert_int_equal(PT(s, KW_SVC_SSH, 4), KW_EXPO_OPEN);
	assert_int_equal(s->n_missing, 1);
	assert_int_equal(s->missing[0], ghost);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
}

/* ---- random cross-check of Alibaba points ---- */

static bool oracle_open(const kw_cloud_model *m, uint8_t fam, kw_cloud_proto p, uint16_t port)
{
	/* every whole-family rule that covers the point, in decision order */
	const kw_cloud_rule *best = NULL;
	for (size_t i = 0; i < m->n_rules; i++) {
		const kw_cloud_rule *r = &m->rules[i];
		if (r->src != KW_SRC_CIDR || r->cidr.a.fam != fam || r->cidr.bits != 0)
			continue;
		bool proto = r->proto == KW_PROTO_ALL || r->proto == p;
		bool ports = r->proto == KW_PROTO_ALL || (r->port_lo <= port && port <= r->port_hi);
		if (!proto || !ports)
			continue;
		if (!best || r->priority < best->priority ||
		    (r->priority == best->priority && r->action == KW_ACT_DENY))
			best = r;
	}
	return best && best->action == KW_ACT_ALLOW;
}

static void test_alibaba_random_oracle(void **state)
{
	(void)state;
	unsigned seed = getenv("KW_TEST_SEED") ? (unsigned)atoi(getenv("KW_TEST_SEED")) : (unsigned)time(NULL);
	printf("seed %u (KW_TEST_SEED replays)\n", seed);
	srand(seed);
	static const char *const srcs[] = { "0.0.0.0/0", "::/0", "10.0.0.0/8", "0.0.0.0/0", "::/0" };
	static const uint16_t ports[] = { 22, 3389, 21, 23, 3388, 3390 };
	for (int iter = 0; iter < 3000; iter++) {
		kw_cloud_model m = { 0 };
		uint32_t g = group(&m, KW_CLOUD_ALIBABA, "sg-r");
		int n = 1 + rand() % 6;
		for (int k = 0; k < n; k++) {
			kw_cloud_proto p = (kw_cloud_proto)(rand() % 3 == 0 ? KW_PROTO_ALL
							   : rand() % 2 ? KW_PROTO_TCP : KW_PROTO_UDP);
			unsigned lo = ports[rand() % 6], hi = lo + (unsigned)(rand() % 3) * 1000;
			if (hi > 65535)
				hi = 65535;
			if (rand() % 4 == 0) {
				lo = 1;
				hi = 65535;
			}
			rule(&m, g, rand() % 2 ? KW_ACT_ALLOW : KW_ACT_DENY, 1 + (unsigned)(rand() % 4), p,
			     lo, hi, srcs[rand() % 5]);
		}
		kw_exposure e;
		assert_int_equal(kw_exposure_eval(&m, &e), 0);
		const kw_expo_subject *s = subject(&e, KW_SUBJ_GROUP, g);
		assert_non_null(s);
		for (int v = 0; v < KW_SVC__COUNT; v++) {
			kw_cloud_proto p;
			uint16_t port;
			kw_expo_svc_port((kw_expo_svc)v, &p, &port);
			for (int f = 0; f < 2; f++) {
				bool want = oracle_open(&m, f ? 6 : 4, p, port);
				if ((s->pt[v][f].state == KW_EXPO_OPEN) != want)
					fail_msg("seed %u iteration %d: %s IPv%d: keyward %s, oracle %s", seed,
						 iter, kw_expo_svc_name((kw_expo_svc)v), f ? 6 : 4,
						 s->pt[v][f].state == KW_EXPO_OPEN ? "open" : "not open",
						 want ? "open" : "closed");
			}
		}
		kw_exposure_release(&e);
		kw_cloud_model_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_ranges_and_protocols),
		cmocka_unit_test(test_alibaba_priorities),
		cmocka_unit_test(test_unions),
		cmocka_unit_test(test_unknowns),
		cmocka_unit_test(test_instances_pool_groups),
		cmocka_unit_test(test_alibaba_random_oracle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
