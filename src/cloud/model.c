/* model.c — the cloud records, their arena and the group index (model.h). */
#include "cloud/model.h"

#include "base/arena.h"

#include "base/err.h"
#include "base/hash.h"
#include "base/vec.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names ---- */

const char *kw_cloud_provider_name(kw_cloud_provider p)
{
	switch (p) {
	case KW_CLOUD_AWS: return "aws";
	case KW_CLOUD_ALIBABA: return "alibaba";
	default: return "?";
	}
}

static const char *const kind_names[KW_KIND__COUNT] = {
	[KW_KIND_UNKNOWN] = "unknown",
	[KW_KIND_AWS_SECURITY_GROUPS] = "aws describe-security-groups",
	[KW_KIND_AWS_SECURITY_GROUP_RULES] = "aws describe-security-group-rules",
	[KW_KIND_AWS_INSTANCES] = "aws describe-instances",
	[KW_KIND_AWS_LAUNCH_TEMPLATES] = "aws describe-launch-template-versions",
	[KW_KIND_AWS_RUN_REQUEST] = "aws run-instances request",
	[KW_KIND_ALI_SECURITY_GROUP] = "alibaba DescribeSecurityGroupAttribute",
	[KW_KIND_ALI_INSTANCES] = "alibaba DescribeInstances",
	[KW_KIND_ALI_LAUNCH_TEMPLATES] = "alibaba DescribeLaunchTemplateVersions",
	[KW_KIND_ALI_RUN_REQUEST] = "alibaba RunInstances/CreateInstance request",
	[KW_KIND_TF_PLAN] = "terraform plan",
	[KW_KIND_TF_STATE] = "terraform state",
};

const char *kw_cloud_kind_name(kw_cloud_kind k)
{
	return (unsigned)k < KW_KIND__COUNT ? kind_names[k] : "unknown";
}

/* ---- protocols ---- */

static const struct {
	const char *name;
	kw_cloud_proto proto;
	unsigned num;
} proto_names[] = {
	{ "tcp", KW_PROTO_TCP, 6 },   { "udp", KW_PROTO_UDP, 17 },
	{ "icmp", KW_PROTO_ICMP, 1 }, { "icmpv6", KW_PROTO_ICMPV6, 58 },
	{ "-1", KW_PROTO_ALL, 0 },    { "all", KW_PROTO_ALL, 0 },
	{ "gre", KW_PROTO_OTHER, 47 },
};

int kw_cloud_proto_parse(const char *s, kw_cloud_proto *ret, unsigned *num)
{
	if (!s)
		return KW_E_PARSE;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n > 8)
		return KW_E_PARSE;
	for (size_t i = 0; i < sizeof proto_names / sizeof *proto_names; i++)
		if (strlen(proto_names[i].name) == n && strncasecmp(s, proto_names[i].name, n) == 0) {
			*ret = proto_names[i].proto;
			if (num)
				*num = proto_names[i].num;
			return 0;
		}
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return KW_E_PARSE;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 255)
		return KW_E_PARSE;
	switch (v) {
	case 6: *ret = KW_PROTO_TCP; break;
	case 17: *ret = KW_PROTO_UDP; break;
	case 1: *ret = KW_PROTO_ICMP; break;
	case 58: *ret = KW_PROTO_ICMPV6; break;
	default: *ret = KW_PROTO_OTHER; break;
	}
	if (num)
		*num = v;
	return 0;
}

const char *kw_cloud_proto_name(kw_cloud_proto p)
{
	switch (p) {
	case KW_PROTO_TCP: return "tcp";
	case KW_PROTO_UDP: return "udp";
	case KW_PROTO_ICMP: return "icmp";
	case KW_PROTO_ICMPV6: return "icmpv6";
	case KW_PROTO_ALL: return "all";
	case KW_PROTO_OTHER: return "other";
	default: return "unknown";
	}
}

/* ---- CIDRs ---- */

int kw_cloud_cidr_parse(const char *s, kw_cidr *ret)
{
	if (!s)
		return KW_E_PARSE;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > 64)
		return KW_E_PARSE;
	return kw_cidr_parse(s, n, ret);
}

/* ---- strings ---- */

const char *kw_cloud_strn(kw_cloud_model *m, const char *s, size_t n)
{
	return kw_arena_strndup(&m->arena, s, n);
}

const char *kw_cloud_str(kw_cloud_model *m, const char *s)
{
	return s ? kw_cloud_strn(m, s, strlen(s)) : NULL;
}

const char *kw_cloud_strf(kw_cloud_model *m, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	if ((size_t)len < sizeof small)
		return kw_cloud_strn(m, small, (size_t)len);
	char *p = kw_arena_alloc(&m->arena, (size_t)len + 1, 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

uint32_t *kw_cloud_idx_array(kw_cloud_model *m, size_t n)
{
	if (n > SIZE_MAX / sizeof(uint32_t))
		return NULL;
	return kw_arena_alloc(&m->arena, n ? n * sizeof(uint32_t) : 1, _Alignof(uint32_t));
}

/* ---- groups ---- */

static uint64_t group_hash(kw_cloud_provider p, const char *id)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)p;
	for (const unsigned char *s = (const unsigned char *)id; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	return kw_hash_mix(h);
}

static int gidx_grow(kw_cloud_model *m)
{
	size_t cap = m->gidx_cap ? m->gidx_cap * 2 : 64;
	uint32_t *t = calloc(cap, sizeof *t);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_groups; i++) {
		size_t at = (size_t)group_hash(m->groups[i].provider, m->groups[i].id) & (cap - 1);
		while (t[at])
			at = (at + 1) & (cap - 1);
		t[at] = (uint32_t)i + 1;
	}
	free(m->gidx);
	m->gidx = t;
	m->gidx_cap = cap;
	return 0;
}

long kw_cloud_group_find(const kw_cloud_model *m, kw_cloud_provider p, const char *id)
{
	if (!m->gidx_cap || !id)
		return -1;
	size_t at = (size_t)group_hash(p, id) & (m->gidx_cap - 1);
	while (m->gidx[at]) {
		const kw_cloud_group *g = &m->groups[m->gidx[at] - 1];
		if (g->provider == p && strcmp(g->id, id) == 0)
			return (long)m->gidx[at] - 1;
		at = (at + 1) & (m->gidx_cap - 1);
	}
	return -1;
}

int kw_cloud_group_get(kw_cloud_model *m, kw_cloud_provider p, const char *id, uint32_t *ret)
{
	long at = kw_cloud_group_find(m, p, id);
	if (at >= 0) {
		*ret = (uint32_t)at;
		return 0;
	}
	if (m->n_groups >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((m->n_groups + 1) * 2 > m->gidx_cap && gidx_grow(m) < 0)
		return -ENOMEM;
	const char *copy = kw_cloud_str(m, id ? id : "");
	if (!copy)
		return -ENOMEM;
	kw_cloud_group *g = KW_VEC_PUSH(m->groups, m->n_groups, m->cap_groups);
	if (!g)
		return -ENOMEM;
	g->provider = (uint8_t)p;
	g->id = copy;
	size_t i = m->n_groups - 1;
	size_t slot = (size_t)group_hash(p, copy) & (m->gidx_cap - 1);
	while (m->gidx[slot])
		slot = (slot + 1) & (m->gidx_cap - 1);
	m->gidx[slot] = (uint32_t)i + 1;
	*ret = (uint32_t)i;
	return 0;
}

/* ---- records ---- */

kw_cloud_rule *kw_cloud_rule_add(kw_cloud_model *m)
{
	return KW_VEC_PUSH(m->rules, m->n_rules, m->cap_rules);
}

kw_cloud_instance *kw_cloud_instance_add(kw_cloud_model *m)
{
	return KW_VEC_PUSH(m->instances, m->n_instances, m->cap_instances);
}

kw_cloud_launch *kw_cloud_launch_add(kw_cloud_model *m)
{
	return KW_VEC_PUSH(m->launches, m->n_launches, m->cap_launches);
}

kw_cloud_input *kw_cloud_input_add(kw_cloud_model *m)
{
	return KW_VEC_PUSH(m->inputs, m->n_inputs, m->cap_inputs);
}

void kw_cloud_model_release(kw_cloud_model *m)
{
	if (!m)
		return;
	free(m->groups);
	free(m->rules);
	free(m->instances);
	free(m->launches);
	free(m->inputs);
	free(m->gidx);
	kw_arena_release(&m->arena);
	memset(m, 0, sizeof *m);
}
