/* exposure.c — internet exposure of instances, launches and groups (exposure.h). */
#include "cloud/exposure.h"

#include "base/hash.h"
#include "base/vec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

void kw_expo_svc_port(kw_expo_svc s, kw_cloud_proto *proto, uint16_t *port)
{
	*proto = s == KW_SVC_RDP_UDP ? KW_PROTO_UDP : KW_PROTO_TCP;
	*port = s == KW_SVC_SSH ? 22 : 3389;
}

const char *kw_expo_svc_name(kw_expo_svc s)
{
	switch (s) {
	case KW_SVC_SSH: return "SSH";
	case KW_SVC_RDP: return "RDP";
	case KW_SVC_RDP_UDP: return "RDP (UDP)";
	default: return "?";
	}
}

/* ---- helpers over rules ---- */

static bool has_ports(uint8_t proto)
{
	return proto == KW_PROTO_TCP || proto == KW_PROTO_UDP;
}

/* Does a rule's protocol take in traffic of protocol p? */
static bool proto_covers(const kw_cloud_rule *r, kw_cloud_proto p)
{
	return r->proto == KW_PROTO_ALL || r->proto == KW_PROTO_UNKNOWN || r->proto == p;
}

static bool rule_covers_point(const kw_cloud_rule *r, kw_cloud_proto p, uint16_t port)
{
	if (!proto_covers(r, p))
		return false;
	if (r->ports_unknown || !has_ports(r->proto))
		return true;
	return r->port_lo <= port && port <= r->port_hi;
}

static int fam_slot(uint8_t fam)
{
	return fam == 6 ? 1 : 0;
}

/* ---- intervals ---- */

typedef struct ranges {
	kw_expo_range *v;
	size_t n, cap;
} ranges;

/* remove [lo, hi] from the sorted, disjoint list: 1 if that removed any port, 0 if not,
 * -ENOMEM */
static int ranges_sub(ranges *rs, uint16_t lo, uint16_t hi)
{
	int cut = 0;
	for (size_t i = 0; i < rs->n; i++) {
		kw_expo_range *x = &rs->v[i];
		if (hi < x->lo || lo > x->hi)
			continue;
		cut = 1;
		if (lo <= x->lo && hi >= x->hi) { /* all of it */
			memmove(x, x + 1, (rs->n - i - 1) * sizeof *x);
			rs->n--;
			i--;
		} else if (lo > x->lo && hi < x->hi) { /* a hole: split */
			if (KW_VEC_RESERVE(rs->v, rs->n, rs->cap) < 0)
				return -ENOMEM;
			x = &rs->v[i];
			memmove(x + 2, x + 1, (rs->n - i - 1) * sizeof *x);
			rs->n++;
			x[1].lo = (uint16_t)(hi + 1);
			x[1].hi = x->hi;
			x->hi = (uint16_t)(lo - 1);
			return 1;
		} else if (lo <= x->lo) {
			x->lo = (uint16_t)(hi + 1);
		} else {
			x->hi = (uint16_t)(lo - 1);
		}
	}
	return cut;
}

static bool ranges_has(const ranges *rs, uint16_t port)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].lo <= port && port <= rs->v[i].hi)
			return true;
	return false;
}

/* ---- the pool of one subject ---- */

typedef struct pool {
	const kw_cloud_model *m;
	uint32_t *v;               /* ingress rules of the subject's groups, in decision order */
	size_t n, cap;
	uint32_t *drops;           /* Deny rules from a whole family, in order */
	size_t n_drops, cap_drops;
	ranges left;
	struct cand { uint32_t rule; u128 lo, hi; } *cands;
	size_t n_cands, cap_cands;
	size_t cap_open, cap_missing; /* the current subject's arrays */
} pool;

static int rule_order(const void *a, const void *b, void *m_)
{
	const kw_cloud_model *m = m_;
	const kw_cloud_rule *x = &m->rules[*(const uint32_t *)a], *y = &m->rules[*(const uint32_t *)b];
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->action != y->action) /* Drop first at equal priority */
		return x->action == KW_ACT_DENY ? -1 : 1;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	return i < j ? -1 : i > j;
}

/* Is a Drop that decides before an Allow of priority prio closing proto/port for fam? */
static const kw_cloud_rule *point_dropped(const pool *P, uint16_t prio, uint8_t fam,
					  kw_cloud_proto proto, uint16_t port, uint32_t *ret)
{
	for (size_t i = 0; i < P->n_drops; i++) {
		const kw_cloud_rule *d = &P->m->rules[P->drops[i]];
		if (d->priority > prio)
			break;
		if (d->cidr.a.fam != fam || d->ports_unknown || d->proto == KW_PROTO_UNKNOWN)
			continue;
		if (rule_covers_point(d, proto, port)) {
			*ret = P->drops[i];
			return d;
		}
	}
	return NULL;
}

static void set_point(kw_expo_subject *s, int svc, int slot, uint8_t state, uint32_t rule,
		      uint32_t n_union)
{
	kw_expo_point *pt = &s->pt[svc][slot];
	if (pt->state == KW_EXPO_OPEN || (pt->state == KW_EXPO_UNKNOWN && state != KW_EXPO_OPEN))
		return;
	pt->state = state;
	pt->rule = rule;
	pt->n_union = n_union;
}

/* One Allow (or a union of Allows with the same protocol and ports) from the whole family:
 * the ports Drops leave open, the points it opens, and an opening record unless nothing
 * is left. */
static int add_opening(pool *P, kw_expo_subject *s, uint32_t ri, uint32_t n_union,
		       uint16_t prio, uint8_t fam)
{
	const kw_cloud_rule *r = &P->m->rules[ri];
	bool unknown = r->src != KW_SRC_CIDR || r->ports_unknown || r->proto == KW_PROTO_UNKNOWN;
	uint16_t lo = has_ports(r->proto) && !r->ports_unknown ? r->port_lo : KW_PORT_ALL_LO;
	uint16_t hi = has_ports(r->proto) && !r->ports_unknown ? r->port_hi : KW_PORT_ALL_HI;
	P->left.n = 0;
	kw_expo_range *first = KW_VEC_PUSH(P->left.v, P->left.n, P->left.cap);
	if (!first)
		return -ENOMEM;
	first->lo = lo;
	first->hi = hi;
	uint32_t cut_by = KW_EXPO_NONE;
	if (!unknown) {
		for (size_t i = 0; i < P->n_drops && P->left.n; i++) {
			const kw_cloud_rule *d = &P->m->rules[P->drops[i]];
			if (d->priority > prio)
				break;
			if (d->cidr.a.fam != fam || d->ports_unknown)
				continue;
			bool same = d->proto == r->proto &&
				    (r->proto != KW_PROTO_OTHER || d->proto_num == r->proto_num);
			if (d->proto != KW_PROTO_ALL && !same)
				continue; /* a narrower protocol: it only closes points (below) */
			uint16_t dlo = has_ports(d->proto) ? d->port_lo : KW_PORT_ALL_LO;
			uint16_t dhi = has_ports(d->proto) ? d->port_hi : KW_PORT_ALL_HI;
			int cut = ranges_sub(&P->left, dlo, dhi);
			if (cut < 0)
				return cut;
			if (cut && cut_by == KW_EXPO_NONE)
				cut_by = P->drops[i];
		}
		if (P->left.n == 0)
			return 0; /* all of it dropped before it could decide */
	}
	/* the points */
	int fams[2] = { fam, 0 };
	size_t n_fams = 1;
	if (fam == 0) { /* an unknown source: either family */
		fams[0] = 4;
		fams[1] = 6;
		n_fams = 2;
	}
	for (int svc = 0; svc < KW_SVC__COUNT; svc++) {
		kw_cloud_proto pp;
		uint16_t port;
		kw_expo_svc_port((kw_expo_svc)svc, &pp, &port);
		if (!proto_covers(r, pp))
			continue;
		for (size_t f = 0; f < n_fams; f++) {
			uint32_t by;
			if (unknown) {
				if (r->ports_unknown || !has_ports(r->proto) ||
				    (r->port_lo <= port && port <= r->port_hi))
					if (!point_dropped(P, prio, (uint8_t)fams[f], pp, port, &by))
						set_point(s, svc, fam_slot((uint8_t)fams[f]), KW_EXPO_UNKNOWN,
							  ri, n_union);
				continue;
			}
			if (!ranges_has(&P->left, port))
				continue;
			if (point_dropped(P, prio, (uint8_t)fams[f], pp, port, &by))
				continue;
			set_point(s, svc, fam_slot((uint8_t)fams[f]), KW_EXPO_OPEN, ri, n_union);
		}
	}
	kw_expo_opening *o = KW_VEC_PUSH(s->open, s->n_open, P->cap_open);
	if (!o)
		return -ENOMEM;
	o->rule = ri;
	o->n_union = n_union;
	o->cut_by = cut_by;
	o->fam = (uint8_t)fam;
	o->unknown = unknown;
	if (!unknown) {
		if (r->proto == KW_PROTO_ALL)
			o->all_ports = P->left.n == 1 && P->left.v[0].lo == KW_PORT_ALL_LO &&
				       P->left.v[0].hi == KW_PORT_ALL_HI;
		else if (has_ports(r->proto))
			o->all_ports = P->left.n == 1 && P->left.v[0].lo <= 1 &&
				       P->left.v[0].hi == KW_PORT_ALL_HI;
	}
	size_t keep = P->left.n < KW_EXPO_RANGES ? P->left.n : KW_EXPO_RANGES;
	memcpy(o->left, P->left.v, keep * sizeof *o->left);
	o->n_left = (uint8_t)keep;
	o->more_left = P->left.n > keep;
	return 0;
}

/* ---- unions: Allow rules whose sources together are the whole family ---- */

static u128 cand_span(const kw_cidr *c, u128 *lo)
{
	unsigned width = c->a.fam == 4 ? 32 : 128;
	u128 a = 0;
	for (unsigned i = 0; i < width / 8; i++)
		a = (a << 8) | c->a.b[i];
	*lo = a;
	unsigned host = width - c->bits;
	u128 size_m1 = host >= 128 ? ~(u128)0 : (((u128)1 << host) - 1);
	return a + size_m1;
}

static int cand_cmp(const void *a, const void *b, void *m_)
{
	const kw_cloud_model *m = m_;
	const struct cand *x = a, *y = b;
	const kw_cloud_rule *p = &m->rules[x->rule], *q = &m->rules[y->rule];
	if (p->cidr.a.fam != q->cidr.a.fam)
		return p->cidr.a.fam < q->cidr.a.fam ? -1 : 1;
	if (p->proto != q->proto)
		return p->proto < q->proto ? -1 : 1;
	if (p->proto_num != q->proto_num)
		return p->proto_num < q->proto_num ? -1 : 1;
	if (p->port_lo != q->port_lo)
		return p->port_lo < q->port_lo ? -1 : 1;
	if (p->port_hi != q->port_hi)
		return p->port_hi < q->port_hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool same_key(const kw_cloud_rule *p, const kw_cloud_rule *q)
{
	return p->cidr.a.fam == q->cidr.a.fam && p->proto == q->proto &&
	       p->proto_num == q->proto_num && p->port_lo == q->port_lo && p->port_hi == q->port_hi;
}

static int eval_unions(pool *P, kw_expo_subject *s)
{
	if (P->n_cands < 2)
		return 0;
	qsort_r(P->cands, P->n_cands, sizeof *P->cands, cand_cmp, (void *)P->m);
	for (size_t i = 0; i < P->n_cands;) {
		const kw_cloud_rule *k = &P->m->rules[P->cands[i].rule];
		size_t j = i;
		u128 reach = 0;
		bool started = false, gap = false;
		uint16_t prio = UINT16_MAX;
		uint32_t first = P->cands[i].rule;
		for (; j < P->n_cands && same_key(k, &P->m->rules[P->cands[j].rule]); j++) {
			const struct cand *c = &P->cands[j];
			if (!started) {
				if (c->lo != 0)
					gap = true;
				started = true;
			} else if (c->lo > reach && c->lo - reach > 1) {
				gap = true;
			}
			if (!started || c->hi > reach)
				reach = c->hi;
			uint16_t pr = P->m->rules[c->rule].priority;
			if (pr < prio)
				prio = pr;
			if (c->rule < first)
				first = c->rule;
		}
		u128 top = k->cidr.a.fam == 4 ? (((u128)1 << 32) - 1) : ~(u128)0;
		if (!gap && reach == top && j - i > 1) {
			int rc = add_opening(P, s, first, (uint32_t)(j - i), prio, k->cidr.a.fam);
			if (rc < 0)
				return rc;
		}
		i = j;
	}
	return 0;
}

/* ---- one subject ---- */

typedef struct byg {
	uint32_t *off;             /* per group: first rule in idx (n_groups + 1 of them) */
	uint32_t *idx;             /* ingress rules grouped by group, in input order */
} byg;

static int eval_subject(pool *P, const byg *G, const uint32_t *groups, size_t n_groups,
			kw_expo_subject *s)
{
	const kw_cloud_model *m = P->m;
	P->n = P->n_drops = P->n_cands = P->cap_open = 0;
	for (int svc = 0; svc < KW_SVC__COUNT; svc++)
		for (int f = 0; f < 2; f++)
			s->pt[svc][f].rule = KW_EXPO_NONE;
	bool alibaba = false;
	for (size_t i = 0; i < n_groups; i++) {
		uint32_t g = groups[i];
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = groups[k] == g;
		if (dup)
			continue;
		const kw_cloud_group *gr = &m->groups[g];
		if (gr->partial)
			s->partial = true;
		if (gr->rules_unknown)
			s->rules_unknown = true;
		if (!gr->has_rules && !gr->rules_unknown) {
			uint32_t *slot = KW_VEC_PUSH(s->missing, s->n_missing, P->cap_missing);
			if (!slot)
				return -ENOMEM;
			*slot = g;
		}
		for (uint32_t k = G->off[g]; k < G->off[g + 1]; k++) {
			uint32_t *slot = KW_VEC_PUSH(P->v, P->n, P->cap);
			if (!slot)
				return -ENOMEM;
			*slot = G->idx[k];
			alibaba |= m->rules[G->idx[k]].provider == KW_CLOUD_ALIBABA;
		}
	}
	if (alibaba)
		qsort_r(P->v, P->n, sizeof *P->v, rule_order, (void *)m);
	for (size_t i = 0; i < P->n; i++) {
		const kw_cloud_rule *r = &m->rules[P->v[i]];
		if (r->action == KW_ACT_DENY && r->src == KW_SRC_CIDR && r->cidr.bits == 0) {
			uint32_t *slot = KW_VEC_PUSH(P->drops, P->n_drops, P->cap_drops);
			if (!slot)
				return -ENOMEM;
			*slot = P->v[i];
		}
	}
	for (size_t i = 0; i < P->n; i++) {
		uint32_t ri = P->v[i];
		const kw_cloud_rule *r = &m->rules[ri];
		if (r->action != KW_ACT_ALLOW || r->src == KW_SRC_GROUP)
			continue;
		int rc = 0;
		if (r->src == KW_SRC_CIDR && r->cidr.bits == 0) {
			rc = add_opening(P, s, ri, 1, r->priority, r->cidr.a.fam);
		} else if (r->src != KW_SRC_CIDR) {
			rc = add_opening(P, s, ri, 1, r->priority, 0);
		} else if (!r->ports_unknown && r->proto != KW_PROTO_UNKNOWN) {
			/* a narrower source: part of a union, maybe (with unknown ports, never) */
			struct cand *c = KW_VEC_PUSH(P->cands, P->n_cands, P->cap_cands);
			if (!c)
				return -ENOMEM;
			c->rule = ri;
			c->hi = cand_span(&r->cidr, &c->lo);
		}
		if (rc < 0)
			return rc;
	}
	int rc = eval_unions(P, s);
	if (rc < 0)
		return rc;
	if (s->rules_unknown)
		for (int svc = 0; svc < KW_SVC__COUNT; svc++)
			for (int f = 0; f < 2; f++)
				set_point(s, svc, f, KW_EXPO_UNKNOWN, KW_EXPO_NONE, 0);
	return 0;
}

/* ---- all subjects ---- */

static int build_byg(const kw_cloud_model *m, byg *G)
{
	G->off = calloc(m->n_groups + 1, sizeof *G->off);
	G->idx = malloc((m->n_rules ? m->n_rules : 1) * sizeof *G->idx);
	if (!G->off || !G->idx)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_rules; i++)
		if (m->rules[i].dir == KW_DIR_INGRESS && m->rules[i].group < m->n_groups)
			G->off[m->rules[i].group + 1]++;
	for (size_t g = 0; g < m->n_groups; g++)
		G->off[g + 1] += G->off[g];
	uint32_t *at = malloc((m->n_groups ? m->n_groups : 1) * sizeof *at);
	if (!at)
		return -ENOMEM;
	memcpy(at, G->off, m->n_groups * sizeof *at);
	for (size_t i = 0; i < m->n_rules; i++)
		if (m->rules[i].dir == KW_DIR_INGRESS && m->rules[i].group < m->n_groups)
			G->idx[at[m->rules[i].group]++] = (uint32_t)i;
	free(at);
	return 0;
}

/* Subjects with the same groups share one evaluation (many instances, one group). */
typedef struct memo {
	uint64_t *hash;
	size_t *subj;              /* index + 1 in the subjects; 0 = empty */
	size_t cap;
} memo;

static uint64_t set_hash(const uint32_t *g, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (size_t i = 0; i < n; i++)
		h = kw_hash_mix(h ^ g[i]) + 0x632be59bd9b4e019ULL; /* order-sensitive: lists as given */
	return h;
}

static bool same_groups(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

static int copy_subject(kw_expo_subject *dst, const kw_expo_subject *src)
{
	uint8_t kind = dst->kind;
	uint32_t index = dst->index;
	*dst = *src;
	dst->kind = kind;
	dst->index = index;
	dst->open = NULL;
	dst->missing = NULL;
	if (src->n_open) {
		dst->open = malloc(src->n_open * sizeof *dst->open);
		if (!dst->open)
			return -ENOMEM;
		memcpy(dst->open, src->open, src->n_open * sizeof *dst->open);
	}
	if (src->n_missing) {
		dst->missing = malloc(src->n_missing * sizeof *dst->missing);
		if (!dst->missing)
			return -ENOMEM;
		memcpy(dst->missing, src->missing, src->n_missing * sizeof *dst->missing);
	}
	return 0;
}

static void subject_groups(const kw_cloud_model *m, const kw_expo_subject *s,
			   const uint32_t **g, size_t *n, uint32_t *one)
{
	if (s->kind == KW_SUBJ_INSTANCE) {
		*g = m->instances[s->index].groups;
		*n = m->instances[s->index].n_groups;
	} else if (s->kind == KW_SUBJ_LAUNCH) {
		*g = m->launches[s->index].groups;
		*n = m->launches[s->index].n_groups;
	} else {
		*one = s->index;
		*g = one;
		*n = 1;
	}
}

int kw_exposure_eval(const kw_cloud_model *m, kw_exposure *out)
{
	memset(out, 0, sizeof *out);
	byg G = { 0 };
	pool P = { .m = m };
	memo M = { 0 };
	size_t cap = 0;
	int rc = build_byg(m, &G);
	if (rc < 0)
		goto done;
	out->group_users = calloc(m->n_groups ? m->n_groups : 1, sizeof *out->group_users);
	if (!out->group_users) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < m->n_instances; i++)
		for (size_t k = 0; k < m->instances[i].n_groups; k++)
			if (m->instances[i].groups[k] < m->n_groups)
				out->group_users[m->instances[i].groups[k]]++;
	for (size_t i = 0; i < m->n_launches; i++)
		for (size_t k = 0; k < m->launches[i].n_groups; k++)
			if (m->launches[i].groups[k] < m->n_groups)
				out->group_users[m->launches[i].groups[k]]++;

	/* the subjects: instances, launches with groups, unused groups with rules */
	for (size_t i = 0; i < m->n_instances; i++) {
		kw_expo_subject *s = KW_VEC_PUSH(out->v, out->n, cap);
		if (!s)
			goto nomem;
		s->kind = KW_SUBJ_INSTANCE;
		s->index = (uint32_t)i;
	}
	for (size_t i = 0; i < m->n_launches; i++) {
		/* a Terraform instance resource is also an instance: judged there once */
		if (!m->launches[i].n_groups || m->launches[i].kind == KW_LAUNCH_RESOURCE)
			continue;
		kw_expo_subject *s = KW_VEC_PUSH(out->v, out->n, cap);
		if (!s)
			goto nomem;
		s->kind = KW_SUBJ_LAUNCH;
		s->index = (uint32_t)i;
	}
	for (size_t g = 0; g < m->n_groups; g++) {
		if (out->group_users[g] || (!m->groups[g].has_rules && !m->groups[g].rules_unknown))
			continue;
		kw_expo_subject *s = KW_VEC_PUSH(out->v, out->n, cap);
		if (!s)
			goto nomem;
		s->kind = KW_SUBJ_GROUP;
		s->index = (uint32_t)g;
		s->alone = true;
	}

	M.cap = 16;
	while (M.cap < out->n * 2)
		M.cap *= 2;
	M.hash = calloc(M.cap, sizeof *M.hash);
	M.subj = calloc(M.cap, sizeof *M.subj);
	if (!M.hash || !M.subj)
		goto nomem;
	for (size_t i = 0; i < out->n; i++) {
		kw_expo_subject *s = &out->v[i];
		const uint32_t *g;
		size_t n;
		uint32_t one;
		subject_groups(m, s, &g, &n, &one);
		uint64_t h = set_hash(g, n);
		size_t at = (size_t)h & (M.cap - 1);
		bool done_ = false;
		while (M.subj[at]) {
			const kw_expo_subject *t = &out->v[M.subj[at] - 1];
			const uint32_t *tg;
			size_t tn;
			uint32_t tone;
			subject_groups(m, t, &tg, &tn, &tone);
			if (M.hash[at] == h && same_groups(g, n, tg, tn)) {
				bool alone = s->alone;
				if (copy_subject(s, t) < 0)
					goto nomem;
				s->alone = alone;
				done_ = true;
				break;
			}
			at = (at + 1) & (M.cap - 1);
		}
		if (done_)
			continue;
		P.cap_missing = 0;
		if ((rc = eval_subject(&P, &G, g, n, s)) < 0)
			goto done;
		M.hash[at] = h;
		M.subj[at] = i + 1;
	}
	rc = 0;
	goto done;
nomem:
	rc = -ENOMEM;
done:
	free(G.off);
	free(G.idx);
	free(P.v);
	free(P.drops);
	free(P.left.v);
	free(P.cands);
	free(M.hash);
	free(M.subj);
	if (rc < 0)
		kw_exposure_release(out);
	return rc;
}

void kw_exposure_release(kw_exposure *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].open);
		free(e->v[i].missing);
	}
	free(e->v);
	free(e->group_users);
	memset(e, 0, sizeof *e);
}

bool kw_expo_opening_has(const kw_cloud_rule *r, const kw_expo_opening *o, kw_cloud_proto proto,
			 uint16_t port)
{
	if (!proto_covers(r, proto))
		return false;
	if (o->unknown && (r->ports_unknown || !has_ports(r->proto)))
		return true;
	for (size_t i = 0; i < o->n_left; i++)
		if (o->left[i].lo <= port && port <= o->left[i].hi)
			return true;
	return false;
}
