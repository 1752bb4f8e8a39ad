/* alibaba.c — the Alibaba Cloud ECS readers of `keyward cloud` (load.h): API responses and
 * request dumps as `aliyun ecs …` and the SDKs write them, normalised into the model.
 *
 *   DescribeSecurityGroupAttribute  one group: SecurityGroupId, VpcId, Permissions.Permission[]
 *                                   (several groups: several documents, `jq -s`)
 *   DescribeInstances               Instances.Instance[]
 *   DescribeLaunchTemplateVersions  LaunchTemplateVersionSets.LaunchTemplateVersionSet[]
 *                                   .LaunchTemplateData
 *   RunInstances / CreateInstance / ReplaceSystemDisk   the request's parameters, as JSON
 *                                   (also the RPC flattened keys "SecurityGroupIds.1")
 *
 * Alibaba's conventions: every unused field is "" (absent, as the getters read it), arrays
 * nest as {"Xs": {"X": [...]}} (a bare array is accepted too), numbers may be strings
 * ("Priority": "1"), protocols are upper case (TCP, ALL, ICMPv6, GRE) and port ranges are
 * "22/22", "1/65535", "-1/-1". A permission holds its sources in separate fields:
 * SourceCidrIp and Ipv6SourceCidrIp may both be set, and each source is one rule record
 * (origin: the field). Egress rules name their peer in the Dest* fields.
 *
 * What cannot be read never disappears and never reads as safe: a wrong type or an
 * unreadable value is a diagnostic at its JSON pointer and the record is kept with that
 * part unknown (any port, any source), and unreadable Direction, Policy and Priority are
 * read the way that cannot hide an exposure (see read_permission). Passwords are never
 * copied: a Password parameter is recorded as "set", and no message quotes it.
 */
#include "cloud/readers.h"

#include "base/err.h"
#include "base/vec.h"
#include "cloud/userdata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define P KW_CLOUD_ALIBABA

/* ---- group lists in Alibaba's shapes ---- */

/* o[key][inner][] (or a bare o[key][]) of group ids. */
static int gset_add_nested(kw_cloud_read_ctx *x, kw_rd_gset *s, const json_t *o, const char *key,
			   const char *inner)
{
	json_t *a;
	int r = kw_jget_nested_array(o, key, inner, &a);
	if (r == 0 || (r > 0 && !a))
		return 0;
	if (r < 0) {
		s->unknown = true;
		const json_t *v = json_object_get(o, key);
		const json_t *in = json_object_get(v, inner);
		return kw_rd_diag_at(x, key, "%s is %s, not a list of group ids", key,
			       kw_rd_jtype(json_is_object(v) ? in : v));
	}
	bool nested = json_is_object(json_object_get(o, key));
	kw_jptr_key(&x->ptr, key);
	if (nested)
		kw_jptr_key(&x->ptr, inner);
	r = kw_rd_gset_add_array(x, P, s, a, NULL);
	if (nested)
		kw_jptr_pop(&x->ptr);
	kw_jptr_pop(&x->ptr);
	return r;
}

/* A single group id field (SecurityGroupId). */
static int gset_add_field(kw_cloud_read_ctx *x, kw_rd_gset *s, const json_t *o, const char *key)
{
	const char *id;
	int r = kw_rd_get_str(x, o, key, &id);
	if (r == KW_RD_BAD)
		s->unknown = true;
	if (r != KW_RD_GOT)
		return r < 0 ? r : 0;
	kw_jptr_key(&x->ptr, key);
	r = kw_rd_gset_add(x, P, s, id);
	kw_jptr_pop(&x->ptr);
	return r;
}

/* What a network interface adds to its instance or launch: its groups ("SecurityGroupIds",
 * and with group_field a single "SecurityGroupId" too) and, when v6 is set, the first
 * IPv6 address. */
struct nic_ctx {
	kw_rd_gset *gs;
	const char **v6;
	bool group_field;
};

/* The network interfaces under key, a bare array or {"NetworkInterface": [...]}, each read
 * with the pointer on it. 0 (none is fine) or a negative code. */
static int read_nics(kw_cloud_read_ctx *x, const json_t *o, const char *key, struct nic_ctx *c)
{
	json_t *nics;
	if (kw_jget_nested_array(o, key, "NetworkInterface", &nics) <= 0 || !nics)
		return 0;
	bool nested = json_is_object(json_object_get(o, key));
	kw_jptr_key(&x->ptr, key);
	if (nested)
		kw_jptr_key(&x->ptr, "NetworkInterface");
	int r = 0;
	for (size_t i = 0; i < json_array_size(nics) && r >= 0; i++) {
		const json_t *nic = json_array_get(nics, i);
		if (!json_is_object(nic))
			continue;
		kw_jptr_idx(&x->ptr, i);
		if (c->group_field)
			r = gset_add_field(x, c->gs, nic, "SecurityGroupId");
		if (r >= 0)
			r = gset_add_nested(x, c->gs, nic, "SecurityGroupIds", "SecurityGroupId");
		json_t *v6s;
		if (c->v6 && !*c->v6 && kw_jget_nested_array(nic, "Ipv6Sets", "Ipv6Set", &v6s) > 0)
			*c->v6 = kw_rd_first_ipv6(v6s);
		kw_jptr_pop(&x->ptr);
	}
	if (nested)
		kw_jptr_pop(&x->ptr);
	kw_jptr_pop(&x->ptr);
	return r;
}

/* ---- DescribeSecurityGroupAttribute ---- */

/* "22/22", "1/65535", "-1/-1" (blanks allowed around the numbers; "22" alone is 22/22). */
static bool parse_range(const char *s, long long *lo, long long *hi)
{
	long long v[2] = { 0, 0 };
	int k = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		bool neg = *s == '-';
		if (neg)
			s++;
		if (*s < '0' || *s > '9')
			return false;
		long long n = 0;
		for (int digits = 0; *s >= '0' && *s <= '9'; digits++, s++) {
			if (digits >= 9)
				return false;
			n = n * 10 + (*s - '0');
		}
		v[k++] = neg ? -n : n;
		while (*s == ' ')
			s++;
		if (*s == '/' && k == 1) {
			s++;
			continue;
		}
		if (*s)
			return false;
		break;
	}
	*lo = v[0];
	*hi = k == 2 ? v[1] : v[0];
	return true;
}

/* PortRange / PortRangeListId into t (ports only for TCP and UDP, and for an unreadable
 * protocol, which may be either). */
static int read_port_range(kw_cloud_read_ctx *x, const json_t *p, kw_cloud_rule *t)
{
	t->port_lo = KW_PORT_ALL_LO;
	t->port_hi = KW_PORT_ALL_HI;
	if (t->proto != KW_PROTO_TCP && t->proto != KW_PROTO_UDP && t->proto != KW_PROTO_UNKNOWN)
		return 0;
	const char *list, *range;
	int r;
	if ((r = kw_rd_get_str(x, p, "PortRangeListId", &list)) < 0)
		return r;
	if (list) {
		/* a port list the input does not resolve: any port may be in it */
		t->ports_unknown = true;
		t->why_unknown = kw_cloud_strf(x->m, "port list %.128s is not resolved by the input", list);
		return t->why_unknown ? 0 : -ENOMEM;
	}
	if ((r = kw_rd_get_str(x, p, "PortRange", &range)) < 0)
		return r;
	long long lo, hi;
	if (r == KW_RD_BAD) {
		t->ports_unknown = true;
	} else if (!range) {
		if (t->proto != KW_PROTO_UNKNOWN)
			r = kw_rd_diag(x, "a %s rule without PortRange: read as any port",
				 kw_cloud_proto_name((kw_cloud_proto)t->proto));
		t->ports_unknown = true;
	} else if (!parse_range(range, &lo, &hi)) {
		r = kw_rd_diag_at(x, "PortRange", "PortRange '%.64s' is not a port range: read as any port", range);
		t->ports_unknown = true;
	} else if (lo == -1 && hi == -1) {
		/* every port */
	} else if (lo < 0 || hi > 65535 || lo > hi) {
		r = kw_rd_diag_at(x, "PortRange", "PortRange '%.64s' is not a range of ports: read as any port", range);
		t->ports_unknown = true;
	} else {
		t->port_lo = (uint16_t)lo;
		t->port_hi = (uint16_t)hi;
	}
	if (r < 0)
		return r;
	if (t->ports_unknown && !t->why_unknown)
		t->why_unknown = "unreadable port range";
	return 0;
}

enum src_kind { S_CIDR, S_GROUP, S_PREFIX };

static const struct src_def {
	const char *key;
	enum src_kind kind;
	uint8_t dir;
} ali_sources[] = {
	{ "SourceCidrIp", S_CIDR, KW_DIR_INGRESS },
	{ "Ipv6SourceCidrIp", S_CIDR, KW_DIR_INGRESS },
	{ "SourceGroupId", S_GROUP, KW_DIR_INGRESS },
	{ "SourcePrefixListId", S_PREFIX, KW_DIR_INGRESS },
	{ "DestCidrIp", S_CIDR, KW_DIR_EGRESS },
	{ "Ipv6DestCidrIp", S_CIDR, KW_DIR_EGRESS },
	{ "DestGroupId", S_GROUP, KW_DIR_EGRESS },
	{ "DestPrefixListId", S_PREFIX, KW_DIR_EGRESS },
};

/* Priority when the export's is unreadable or out of 1..100. A wrong priority must not
 * make an exposure disappear. An Accept is read at priority 1: then only a Drop at
 * priority 1 can cancel it, the fewest Drops any valid priority allows. A Drop is read at
 * 100: then it cancels only Accepts at 100, and a Drop at any valid priority p <= 100
 * cancels those too (ties go to Drop), so 100 hides nothing the real rule would not. */
#define PRIO_SAFE_ACCEPT 1
#define PRIO_SAFE_DROP 100

static int read_permission(kw_cloud_read_ctx *x, uint32_t gi, const json_t *p)
{
	if (!json_is_object(p)) {
		int r = kw_rd_diag(x, "a permission is %s, not an object: read as an inbound Accept of any "
			     "protocol, port and source", kw_rd_jtype(p));
		return r < 0 ? r : kw_rd_emit_unreadable(x, P, gi, KW_DIR_INGRESS, "unreadable permission");
	}
	kw_cloud_rule t = { .group = gi, .provider = P, .action = KW_ACT_ALLOW, .priority = 1 };
	const char *policy, *dir, *id;
	int r;
	if ((r = kw_rd_get_str(x, p, "SecurityGroupRuleId", &id)) < 0)
		return r;
	if (id && kw_rd_copy(x, id, &t.id) < 0)
		return -ENOMEM;

	/* Policy: Accept (also the API's default when absent) or Drop; anything else is read
	 * as Accept, which can only add exposure. */
	if ((r = kw_rd_get_str(x, p, "Policy", &policy)) < 0)
		return r;
	if (policy && !strcasecmp(policy, "drop"))
		t.action = KW_ACT_DENY;
	else if (policy && strcasecmp(policy, "accept") &&
		 (r = kw_rd_diag_at(x, "Policy", "Policy '%.32s' is neither Accept nor Drop: read as Accept",
			      policy)) < 0)
		return r;

	/* Direction: an unreadable one is read as inbound for an Accept (it may expose) and as
	 * outbound for a Drop (so it cancels no inbound Accept). */
	bool dir_known = true;
	if ((r = kw_rd_get_str(x, p, "Direction", &dir)) < 0)
		return r;
	if (dir && !strcasecmp(dir, "ingress")) {
		t.dir = KW_DIR_INGRESS;
	} else if (dir && !strcasecmp(dir, "egress")) {
		t.dir = KW_DIR_EGRESS;
	} else {
		dir_known = false;
		t.dir = t.action == KW_ACT_DENY ? KW_DIR_EGRESS : KW_DIR_INGRESS;
		if (r == KW_RD_GOT)
			r = kw_rd_diag_at(x, "Direction", "Direction '%.32s' is neither ingress nor egress: read as %s",
				    dir, t.dir == KW_DIR_INGRESS ? "ingress" : "egress");
		else if (r == KW_RD_ABSENT)
			r = kw_rd_diag(x, "no Direction: read as %s", t.dir == KW_DIR_INGRESS ? "ingress" : "egress");
		if (r < 0)
			return r;
	}

	/* Priority: "1" or 1, 1..100; absent is the API's default, 1. */
	long long prio = 1;
	const json_t *pv = json_object_get(p, "Priority");
	r = kw_jget_int(p, "Priority", -KW_RD_BIG, KW_RD_BIG, &prio);
	if (r == 0)
		prio = 1;
	if (r < 0 || prio < 1 || prio > 100) {
		unsigned safe = t.action == KW_ACT_DENY ? PRIO_SAFE_DROP : PRIO_SAFE_ACCEPT;
		if (r >= 0)
			r = kw_rd_diag_at(x, "Priority", "Priority %lld is outside 1..100: read as %u", prio, safe);
		else if (json_is_string(pv))
			r = kw_rd_diag_at(x, "Priority", "Priority '%.32s' is not a number: read as %u",
				    json_string_value(pv), safe);
		else
			r = kw_rd_diag_at(x, "Priority", "Priority is %s, not a number: read as %u", kw_rd_jtype(pv), safe);
		if (r < 0)
			return r;
		prio = safe;
	}
	t.priority = (uint16_t)prio;

	if ((r = kw_rd_read_proto(x, p, &t)) < 0 || (r = read_port_range(x, p, &t)) < 0)
		return r;

	size_t before = x->records;
	for (size_t k = 0; k < sizeof ali_sources / sizeof *ali_sources; k++) {
		const struct src_def *def = &ali_sources[k];
		const char *v;
		if (dir_known && def->dir != t.dir)
			continue;
		if ((r = kw_rd_get_str(x, p, def->key, &v)) < 0)
			return r;
		if (r == KW_RD_ABSENT)
			continue;
		kw_jptr_key(&x->ptr, def->key);
		if (r == KW_RD_BAD)
			r = kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
		else if (def->kind == S_CIDR)
			r = kw_rd_emit_cidr(x, &t, v);
		else if (def->kind == S_GROUP)
			r = kw_rd_emit_group_ref(x, &t, v);
		else
			r = kw_rd_emit_prefix_list(x, &t, v);
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	if (x->records != before)
		return 0;
	if ((r = kw_rd_diag(x, "a rule that names no %s: read as any", t.dir == KW_DIR_INGRESS ? "source" : "destination")) < 0)
		return r;
	return kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "the rule names no source");
}

/* The document's main array: o[key][inner] (or a bare o[key]); the pointer is left at it
 * on success. */
static int main_nested(kw_cloud_read_ctx *x, const json_t *doc, const char *key, const char *inner,
		       json_t **a)
{
	int r = kw_jget_nested_array(doc, key, inner, a);
	const json_t *v = json_object_get(doc, key);
	bool nested = json_is_object(v);
	kw_jptr_key(&x->ptr, key);
	if (r > 0 && *a) {
		if (nested)
			kw_jptr_key(&x->ptr, inner);
		return nested ? 2 : 1;
	}
	r = nested ? kw_rd_fatal(x, "%s.%s is %s, not an array: nothing can be read", key, inner,
			   kw_rd_jtype(json_object_get(v, inner)))
		   : kw_rd_fatal(x, "%s is %s, not an object holding %s[]: nothing can be read", key,
			   kw_rd_jtype(v), inner);
	kw_jptr_pop(&x->ptr);
	return r;
}

static void main_nested_pop(kw_cloud_read_ctx *x, int depth)
{
	while (depth-- > 0)
		kw_jptr_pop(&x->ptr);
}

static int read_security_group(kw_cloud_read_ctx *x, const json_t *doc)
{
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	const char *id, *name, *vpc, *tok, *type;
	int r, rid, rvpc, rtok;
	if ((r = rid = kw_rd_get_str(x, doc, "SecurityGroupId", &id)) < 0 ||
	    (r = kw_rd_get_str(x, doc, "SecurityGroupName", &name)) < 0 ||
	    (r = rvpc = kw_rd_get_str(x, doc, "VpcId", &vpc)) < 0 ||
	    (r = rtok = kw_rd_get_str(x, doc, "NextToken", &tok)) < 0 ||
	    (r = kw_rd_get_str(x, doc, "SecurityGroupType", &type)) < 0)
		return r;
	if (!id) {
		if (rid == KW_RD_ABSENT && (r = kw_rd_diag(x, "no SecurityGroupId: the group is named by its place in the file")) < 0)
			return r;
		id = origin;
	}
	json_t *a;
	int depth = main_nested(x, doc, "Permissions", "Permission", &a);
	if (depth < 0)
		return depth;

	uint32_t gi;
	if ((r = kw_cloud_group_get(x->m, P, id, &gi)) < 0)
		return r;
	kw_cloud_group *G = &x->m->groups[gi];
	if (name && !G->name && kw_rd_copy(x, name, &G->name) < 0)
		return -ENOMEM;
	if (vpc && !G->vpc && kw_rd_copy(x, vpc, &G->vpc) < 0)
		return -ENOMEM;
	/* VpcId "" (present but empty) is a classic-network group; a missing key says nothing */
	const json_t *vv = json_object_get(doc, "VpcId");
	if (rvpc == KW_RD_ABSENT && json_is_string(vv))
		G->classic = true;
	if (rtok == KW_RD_GOT || rtok == KW_RD_BAD)
		G->partial = true;
	if (type && !strcasecmp(type, "enterprise"))
		G->enterprise = true;
	if (!G->has_rules) {
		G->has_rules = true;
		G->origin = origin;
	}
	r = 0;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		kw_jptr_idx(&x->ptr, i);
		r = read_permission(x, gi, json_array_get(a, i));
		kw_jptr_pop(&x->ptr);
	}
	main_nested_pop(x, depth);
	return r < 0 ? r : 0;
}

/* ---- DescribeInstances ---- */

static int read_instance(kw_cloud_read_ctx *x, const json_t *in)
{
	const char *origin, *id, *name, *ostype, *osname, *why = NULL;
	int r = kw_rd_instance_begin(x, in, &origin, &id);
	if (r != 0)
		return r < 0 ? r : 0;
	if ((r = kw_rd_get_str(x, in, "InstanceName", &name)) < 0 || (r = kw_rd_get_str(x, in, "OSType", &ostype)) < 0 ||
	    (r = kw_rd_get_str(x, in, "OSNameEn", &osname)) < 0)
		return r;
	kw_cloud_os os = KW_OS_UNKNOWN;
	if (ostype && !strcasecmp(ostype, "windows"))
		os = KW_OS_WINDOWS;
	else if (ostype && !strcasecmp(ostype, "linux"))
		os = KW_OS_LINUX;
	else if (osname && !strncasecmp(osname, "windows", 7))
		os = KW_OS_WINDOWS;

	/* a public address: PublicIpAddress.IpAddress[], EipAddress.IpAddress, or outbound
	 * internet bandwidth (which comes with a public IP) */
	kw_tri pub = KW_TRI_FALSE;
	json_t *ips;
	r = kw_jget_nested_array(in, "PublicIpAddress", "IpAddress", &ips);
	if (r < 0) {
		pub = KW_TRI_UNKNOWN;
		why = "unreadable PublicIpAddress";
		if ((r = kw_rd_diag_at(x, "PublicIpAddress", "PublicIpAddress is not a list of addresses")) < 0)
			return r;
	}
	for (size_t i = 0; r > 0 && i < json_array_size(ips) && pub != KW_TRI_TRUE; i++) {
		const json_t *ip = json_array_get(ips, i);
		if (json_is_string(ip) && *json_string_value(ip)) {
			pub = KW_TRI_TRUE;
			if (!(why = kw_cloud_strf(x->m, "public IP %.64s", json_string_value(ip))))
				return -ENOMEM;
		}
	}
	json_t *eip;
	if ((r = kw_rd_get_obj(x, in, "EipAddress", &eip)) < 0)
		return r;
	const json_t *eip_ip = json_object_get(eip, "IpAddress");
	if (pub != KW_TRI_TRUE && json_is_string(eip_ip) && *json_string_value(eip_ip)) {
		pub = KW_TRI_TRUE;
		if (!(why = kw_cloud_strf(x->m, "EIP %.64s", json_string_value(eip_ip))))
			return -ENOMEM;
	}
	long long bw = 0;
	if ((r = kw_rd_get_int(x, in, "InternetMaxBandwidthOut", &bw)) < 0)
		return r;
	if (pub != KW_TRI_TRUE && r == KW_RD_GOT && bw > 0) {
		pub = KW_TRI_TRUE;
		if (!(why = kw_cloud_strf(x->m, "InternetMaxBandwidthOut %lld", bw)))
			return -ENOMEM;
	} else if (pub == KW_TRI_FALSE && r == KW_RD_BAD) {
		pub = KW_TRI_UNKNOWN;
		why = "unreadable InternetMaxBandwidthOut";
	}

	kw_rd_gset gs = { 0 };
	const char *v6 = NULL;
	r = gset_add_nested(x, &gs, in, "SecurityGroupIds", "SecurityGroupId");
	if (r >= 0)
		r = read_nics(x, in, "NetworkInterfaces", &(struct nic_ctx){ .gs = &gs, .v6 = &v6 });
	/* IPv6 addresses reach the internet only with IPv6 public bandwidth, which
	 * DescribeInstances does not show */
	kw_cloud_instance t = {
		.provider = P, .os = (uint8_t)os, .public_ip = (uint8_t)pub, .public_why = why,
		.origin = origin,
	};
	return kw_rd_instance_add(x, &gs, r, &t, id, name, v6, "it has IPv6 internet bandwidth");
}

static int read_instances(kw_cloud_read_ctx *x, const json_t *doc)
{
	const char *tok;
	long long total = 0;
	int r, rtok, rtot;
	if ((r = rtok = kw_rd_get_str(x, doc, "NextToken", &tok)) < 0 ||
	    (r = rtot = kw_rd_get_int(x, doc, "TotalCount", &total)) < 0)
		return r;
	json_t *a;
	int depth = main_nested(x, doc, "Instances", "Instance", &a);
	if (depth < 0)
		return depth;
	r = 0;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		kw_jptr_idx(&x->ptr, i);
		r = read_instance(x, json_array_get(a, i));
		kw_jptr_pop(&x->ptr);
	}
	main_nested_pop(x, depth);
	if (r < 0)
		return r;
	/* One page of the listing (NextToken, or fewer instances than TotalCount: the API
	 * returns 10 a page by default) does not tell which groups are unused. */
	if (rtok == KW_RD_GOT || rtok == KW_RD_BAD)
		return kw_rd_diag_at(x, "NextToken", "the instance listing is paged (NextToken): instances on "
			       "other pages are missing, so no security group is judged unused from it");
	if (rtot == KW_RD_GOT && total > 0 && (unsigned long long)total > json_array_size(a))
		return kw_rd_diag_at(x, "TotalCount", "the listing holds %zu of %lld instances (paged: use "
			       "--PageSize 100 and every page, or aliyun's --pager): no security group "
			       "is judged unused from it", json_array_size(a), total);
	x->m->have_instances = true;
	return 0;
}

/* ---- launches: RunInstances / CreateInstance / ReplaceSystemDisk, template versions ---- */

/* The OS of a public image, from its id ("ubuntu_22_04_x64_20G_alibase_….vhd",
 * "win2022_21H2_x64_dtc_en-us_40G_alibase_….vhd"); custom images (m-…) do not say. */
static kw_cloud_os image_os(const char *image)
{
	static const char *const linux_prefixes[] = {
		"ubuntu", "centos", "debian", "aliyun", "alinux", "anolis", "rocky", "almalinux",
		"opensuse", "suse", "sles", "redhat", "rhel", "fedora", "kylin", "uos", "euleros",
		"openeuler", "coreos", "alibaba_cloud_linux", "gentoo", "arch",
	};
	if (!image)
		return KW_OS_UNKNOWN;
	if (!strncasecmp(image, "win", 3))
		return KW_OS_WINDOWS;
	for (size_t i = 0; i < sizeof linux_prefixes / sizeof *linux_prefixes; i++)
		if (!strncasecmp(image, linux_prefixes[i], strlen(linux_prefixes[i])))
			return KW_OS_LINUX;
	return KW_OS_UNKNOWN;
}

/* "NetworkInterface.1.SecurityGroupIds.2", "SecurityGroupIds.1",
 * "NetworkInterface.1.SecurityGroupId": the RPC query form of the group lists. */
static bool digits(const char **s)
{
	const char *p = *s;
	while (*p >= '0' && *p <= '9')
		p++;
	bool ok = p != *s;
	*s = p;
	return ok;
}

static bool flat_group_key(const char *k)
{
	if (!strncmp(k, "NetworkInterface.", 17)) {
		k += 17;
		if (!digits(&k) || *k++ != '.')
			return false;
		if (!strcmp(k, "SecurityGroupId"))
			return true;
	}
	if (strncmp(k, "SecurityGroupIds.", 17))
		return false;
	k += 17;
	return digits(&k) && !*k;
}

static int read_launch(kw_cloud_read_ctx *x, const json_t *d, kw_launch_kind kind, const char *name,
		       const char *tref, const char *origin)
{
	int r;
	/* In a request, a setting it does not give is FALSE, unless a launch template may
	 * give it (KW_RD_ABSENT). */
	kw_tri unsaid = tref ? KW_TRI_ABSENT : KW_TRI_FALSE;
	kw_tri inherit = unsaid, password = unsaid, key = unsaid, pub = unsaid;
	const char *image, *key_name, *ud, *pw, *ostype, *owner;
	bool b;

	if ((r = kw_rd_get_str(x, d, "ImageId", &image)) < 0)
		return r;
	if ((r = kw_rd_get_bool(x, d, "PasswordInherit", &b)) < 0)
		return r;
	if (r == KW_RD_GOT)
		inherit = b ? KW_TRI_TRUE : KW_TRI_FALSE;
	else if (r == KW_RD_BAD)
		inherit = KW_TRI_UNKNOWN;
	/* The password's value is never looked at beyond "is one given"; no message quotes
	 * it (get_str names only its type). DescribeLaunchTemplateVersions never returns it,
	 * so a template says nothing when it has none. */
	if ((r = kw_rd_get_str(x, d, "Password", &pw)) < 0)
		return r;
	if (r == KW_RD_GOT || r == KW_RD_BAD)
		password = KW_TRI_TRUE;
	else if (kind == KW_LAUNCH_TEMPLATE)
		password = KW_TRI_ABSENT;
	pw = NULL;
	if ((r = kw_rd_get_str(x, d, "KeyPairName", &key_name)) < 0)
		return r;
	if (r == KW_RD_GOT)
		key = KW_TRI_TRUE;
	else if (r == KW_RD_BAD)
		key = KW_TRI_UNKNOWN;
	long long bw = 0;
	if ((r = kw_rd_get_int(x, d, "InternetMaxBandwidthOut", &bw)) < 0)
		return r;
	if (r == KW_RD_GOT)
		pub = bw > 0 ? KW_TRI_TRUE : KW_TRI_FALSE;
	else if (r == KW_RD_BAD)
		pub = KW_TRI_UNKNOWN;
	if ((r = kw_rd_get_str(x, d, "UserData", &ud)) < 0)
		return r;
	bool ud_bad = r == KW_RD_BAD;
	if ((r = kw_rd_get_str(x, d, "OSType", &ostype)) < 0)
		return r;
	if (!ostype && (r = kw_rd_get_str(x, d, "ImagePlatform", &ostype)) < 0)
		return r;
	if ((r = kw_rd_get_str(x, d, "ImageOwnerAlias", &owner)) < 0)
		return r;
	kw_cloud_os os = KW_OS_UNKNOWN;
	if (ostype && !strcasecmp(ostype, "windows"))
		os = KW_OS_WINDOWS;
	else if (ostype && !strcasecmp(ostype, "linux"))
		os = KW_OS_LINUX;
	else
		os = image_os(image);

	kw_rd_gset gs = { 0 };
	r = gset_add_field(x, &gs, d, "SecurityGroupId");
	if (r >= 0)
		r = gset_add_nested(x, &gs, d, "SecurityGroupIds", "SecurityGroupId");
	/* network interfaces: "NetworkInterface": [...] in request dumps,
	 * "NetworkInterfaces": {"NetworkInterface": [...]} in templates */
	static const char *const nic_keys[] = { "NetworkInterface", "NetworkInterfaces" };
	for (size_t k = 0; k < 2 && r >= 0; k++)
		r = read_nics(x, d, nic_keys[k], &(struct nic_ctx){ .gs = &gs, .group_field = true });
	/* the RPC flattened keys */
	const char *fk;
	const json_t *fv;
	json_object_foreach((json_t *)d, fk, fv) {
		if (r < 0)
			break;
		if (!json_is_string(fv) || !*json_string_value(fv) || !flat_group_key(fk))
			continue;
		kw_jptr_key(&x->ptr, fk);
		r = kw_rd_gset_add(x, P, &gs, json_string_value(fv));
		kw_jptr_pop(&x->ptr);
	}
	kw_cloud_launch t = {
		.provider = P,
		.kind = (uint8_t)kind,
		.os = (uint8_t)os,
		.password_inherit = (uint8_t)inherit,
		.password = (uint8_t)password,
		.key_pair = (uint8_t)key,
		.public_ip = (uint8_t)pub,
		.user_data = KW_TRI_ABSENT,
		.name = name,
		.template_ref = tref,
		.origin = origin,
		/* m-…: a custom image (may carry preset passwords); ImageOwnerAlias self/others
		 * says the same in templates */
		.custom_image = (image && !strncmp(image, "m-", 2)) ||
				(owner && (!strcasecmp(owner, "self") || !strcasecmp(owner, "others"))),
	};
	/* the API takes UserData base64-encoded, and templates return it so */
	return kw_rd_launch_add(x, &gs, r, &t, image, ud, ud_bad, true);
}

/* The Action's name when it is a plain API name, else NULL. */
static const char *action_name(const char *a)
{
	if (!a || !*a || strlen(a) > 48)
		return NULL;
	for (const char *s = a; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return NULL;
	return a;
}

static int read_run_request(kw_cloud_read_ctx *x, const json_t *doc)
{
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	const char *action, *tid, *tname, *tver, *tref = NULL, *name;
	int r;
	if ((r = kw_rd_get_str(x, doc, "Action", &action)) < 0 ||
	    (r = kw_rd_get_str(x, doc, "LaunchTemplateId", &tid)) < 0 ||
	    (r = kw_rd_get_str(x, doc, "LaunchTemplateName", &tname)) < 0)
		return r;
	/* LaunchTemplateVersion is a number or a string */
	long long ver = 0;
	r = kw_jget_int(doc, "LaunchTemplateVersion", 0, KW_RD_BIG, &ver);
	tver = NULL;
	if (r < 0 && (r = kw_rd_get_str(x, doc, "LaunchTemplateVersion", &tver)) < 0)
		return r;
	if (!tid)
		tid = tname;
	if (tid) {
		tref = r == KW_RD_GOT && !tver && ver ? kw_cloud_strf(x->m, "%s version %lld", tid, ver)
			: tver ? kw_cloud_strf(x->m, "%s version %s", tid, tver)
			       : kw_cloud_str(x->m, tid);
		if (!tref)
			return -ENOMEM;
	}
	action = action_name(action);
	name = action ? kw_cloud_strf(x->m, "%s request", action) : "launch request";
	if (!name)
		return -ENOMEM;
	return read_launch(x, doc, KW_LAUNCH_REQUEST, name, tref, origin);
}

static int read_template_versions(kw_cloud_read_ctx *x, const json_t *doc)
{
	json_t *a;
	int depth = main_nested(x, doc, "LaunchTemplateVersionSets", "LaunchTemplateVersionSet", &a);
	if (depth < 0)
		return depth;
	int r = kw_rd_template_versions(x, a, read_launch);
	main_nested_pop(x, depth);
	return r;
}

int kw_cloud_read_alibaba(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc)
{
	if (!json_is_object(doc))
		return kw_rd_fatal(x, "the document is %s, not an object", kw_rd_jtype(doc));
	switch (kind) {
	case KW_KIND_ALI_SECURITY_GROUP: return read_security_group(x, doc);
	case KW_KIND_ALI_INSTANCES: return read_instances(x, doc);
	case KW_KIND_ALI_LAUNCH_TEMPLATES: return read_template_versions(x, doc);
	case KW_KIND_ALI_RUN_REQUEST: return read_run_request(x, doc);
	default:
		return kw_rd_fatal(x, "not an Alibaba Cloud export keyward reads (%s)", kw_cloud_kind_name(kind));
	}
}
