/* aws.c — the AWS readers of `keyward cloud` (load.h): EC2 exports as the AWS CLI writes
 * them, normalised into the model (model.h).
 *
 *   describe-security-groups          SecurityGroups[].IpPermissions[] / IpPermissionsEgress[]
 *   describe-security-group-rules     SecurityGroupRules[] (one object per rule)
 *   describe-instances                Reservations[].Instances[]
 *   describe-launch-template-versions LaunchTemplateVersions[].LaunchTemplateData
 *   run-instances --cli-input-json    the request itself
 *
 * One rule record per (permission, source): every CIDR of IpRanges / Ipv6Ranges, every
 * UserIdGroupPairs entry (KW_SRC_GROUP), every PrefixListIds entry (KW_SRC_PREFIX_LIST,
 * unresolved); a permission that names no source at all still gives one KW_SRC_UNKNOWN
 * rule, so nothing in an export disappears. Protocols: "-1" is every protocol and port
 * whatever the ports say (absent in describe-security-groups, -1/-1 in the rule list);
 * another number than 6, 17, 1, 58 is every port of that protocol; ICMP's FromPort/ToPort
 * are a type and a code, not ports; tcp/udp ranges are kept as given, -1/-1 is every port,
 * and a range that is reversed, out of 0..65535 or unreadable is "any port"
 * (ports_unknown) with a diagnostic.
 *
 * Hostile input: every field is type-checked (jsonin.h getters); a field of the wrong type
 * is a diagnostic at its JSON pointer and the record is kept with that part unknown. Only
 * the document's main array having the wrong type is fatal (KW_E_PARSE). The reader walks
 * the fixed shape of the export (no recursion on the input's depth), does constant work
 * per element (group lookups are hashed in model.c; an instance's group list is
 * deduplicated in O(n log n)), and copies nothing secret: user data goes to
 * kw_userdata_judge, which keeps a verdict, never the text.
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

#define P KW_CLOUD_AWS

/* FromPort/ToPort into t. They are ports only for tcp and udp (and kept for an unreadable
 * protocol, which may be either); for everything else the range is 0..65535. */
static int read_ports(kw_cloud_read_ctx *x, const json_t *o, kw_cloud_rule *t)
{
	t->port_lo = KW_PORT_ALL_LO;
	t->port_hi = KW_PORT_ALL_HI;
	if (t->proto != KW_PROTO_TCP && t->proto != KW_PROTO_UDP && t->proto != KW_PROTO_UNKNOWN)
		return 0;
	long long lo = 0, hi = 0;
	int rl = kw_rd_get_int(x, o, "FromPort", &lo);
	if (rl < 0)
		return rl;
	int rh = kw_rd_get_int(x, o, "ToPort", &hi);
	if (rh < 0)
		return rh;
	int r = 0;
	if (rl == KW_RD_BAD || rh == KW_RD_BAD) {
		t->ports_unknown = true; /* get_int made the diagnostic */
	} else if (rl == KW_RD_ABSENT && rh == KW_RD_ABSENT) {
		/* an unreadable protocol without ports: its why already says so */
		if (t->proto != KW_PROTO_UNKNOWN)
			r = kw_rd_diag(x, "a %s permission without FromPort and ToPort: read as any port",
				 kw_cloud_proto_name((kw_cloud_proto)t->proto));
		t->ports_unknown = true;
	} else if (rl == KW_RD_ABSENT || rh == KW_RD_ABSENT) {
		r = kw_rd_diag(x, "%s without %s: read as any port", rl == KW_RD_ABSENT ? "ToPort" : "FromPort",
			 rl == KW_RD_ABSENT ? "FromPort" : "ToPort");
		t->ports_unknown = true;
	} else if (lo == -1 && hi == -1) {
		/* every port */
	} else if (lo < 0 || hi > 65535 || lo > hi) {
		r = kw_rd_diag(x, "port range %lld-%lld is not a range of ports: read as any port", lo, hi);
		t->ports_unknown = true;
	} else {
		t->port_lo = (uint16_t)lo;
		t->port_hi = (uint16_t)hi;
	}
	if (t->ports_unknown && !t->why_unknown)
		t->why_unknown = "unreadable port range";
	return r;
}

/* ---- describe-security-groups ---- */

enum src_kind { S_CIDR, S_PREFIX, S_GROUP };

static const struct src_def {
	const char *arr, *field;
	enum src_kind kind;
} aws_sources[] = {
	{ "IpRanges", "CidrIp", S_CIDR },
	{ "Ipv6Ranges", "CidrIpv6", S_CIDR },
	{ "PrefixListIds", "PrefixListId", S_PREFIX },
	{ "UserIdGroupPairs", "GroupId", S_GROUP },
};

/* One entry of a source array (the pointer is at it). */
static int read_source(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const struct src_def *def,
		       const json_t *e)
{
	const char *v = NULL;
	int r;
	if (json_is_string(e)) {
		v = json_string_value(e); /* leniently, the bare value */
	} else if (json_is_object(e)) {
		if ((r = kw_rd_get_str(x, e, def->field, &v)) < 0)
			return r;
		/* default-VPC and EC2-Classic pairs may name the group only */
		if (!v && def->kind == S_GROUP && (r = kw_rd_get_str(x, e, "GroupName", &v)) < 0)
			return r;
		if (!v && r != KW_RD_BAD && (r = kw_rd_diag(x, "a %s entry without %s: read as any source",
						 def->arr, def->field)) < 0)
			return r;
	} else if ((r = kw_rd_diag(x, "a %s entry is %s, not an object: read as any source", def->arr,
			     kw_rd_jtype(e))) < 0) {
		return r;
	}
	if (!v || !*v)
		return kw_rd_emit(x, t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
	switch (def->kind) {
	case S_CIDR: return kw_rd_emit_cidr(x, t, v);
	case S_PREFIX: return kw_rd_emit_prefix_list(x, t, v);
	case S_GROUP: return kw_rd_emit_group_ref(x, t, v);
	}
	return 0;
}

/* One IpPermissions element (the pointer is at it). */
static int read_permission(kw_cloud_read_ctx *x, uint32_t gi, kw_cloud_dir dir, const json_t *p)
{
	if (!json_is_object(p)) {
		int r = kw_rd_diag(x, "a permission is %s, not an object: read as any protocol, port and source",
			     kw_rd_jtype(p));
		return r < 0 ? r : kw_rd_emit_unreadable(x, P, gi, dir, "unreadable permission");
	}
	kw_cloud_rule t = {
		.group = gi, .provider = P, .dir = (uint8_t)dir, .action = KW_ACT_ALLOW,
	};
	int r;
	if ((r = kw_rd_read_proto(x, p, &t)) < 0 || (r = read_ports(x, p, &t)) < 0)
		return r;
	size_t before = x->records;
	for (size_t k = 0; k < sizeof aws_sources / sizeof *aws_sources; k++) {
		const struct src_def *def = &aws_sources[k];
		json_t *a;
		if ((r = kw_rd_get_arr(x, p, def->arr, &a)) < 0)
			return r;
		if (r == KW_RD_ABSENT)
			continue;
		kw_jptr_key(&x->ptr, def->arr);
		if (r == KW_RD_BAD) {
			r = kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source list");
		} else {
			r = 0;
			for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
				kw_jptr_idx(&x->ptr, i);
				r = read_source(x, &t, def, json_array_get(a, i));
				kw_jptr_pop(&x->ptr);
			}
		}
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	if (x->records != before)
		return 0;
	if ((r = kw_rd_diag(x, "a permission that names no source: read as any source")) < 0)
		return r;
	return kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "the permission names no source");
}

/* IpPermissions or IpPermissionsEgress of group gi. */
static int read_permissions(kw_cloud_read_ctx *x, uint32_t gi, const json_t *g, const char *key,
			    kw_cloud_dir dir, const char *gorigin)
{
	json_t *a;
	int r = kw_rd_get_arr(x, g, key, &a);
	if (r < 0)
		return r;
	if (r == KW_RD_ABSENT) {
		if (dir == KW_DIR_INGRESS)
			return kw_rd_diag(x, "no IpPermissions: the group's inbound rules are not in the input");
		return 0;
	}
	kw_cloud_group *G = &x->m->groups[gi];
	if (dir == KW_DIR_INGRESS && !G->has_rules) {
		G->has_rules = true;
		G->origin = gorigin;
	}
	kw_jptr_key(&x->ptr, key);
	if (r == KW_RD_BAD) {
		r = kw_rd_emit_unreadable(x, P, gi, dir, "unreadable permission list");
	} else {
		r = 0;
		for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
			kw_jptr_idx(&x->ptr, i);
			r = read_permission(x, gi, dir, json_array_get(a, i));
			kw_jptr_pop(&x->ptr);
		}
	}
	kw_jptr_pop(&x->ptr);
	return r;
}

/* A security group's id: GroupId, or (with a diagnostic) the group's place in the file. */
static int group_of(kw_cloud_read_ctx *x, const json_t *o, const char *origin, uint32_t *gi)
{
	const char *id;
	int r = kw_rd_get_str(x, o, "GroupId", &id);
	if (r < 0)
		return r;
	if (!id) {
		if (r == KW_RD_ABSENT && (r = kw_rd_diag(x, "no GroupId: the group is named by its place in the file")) < 0)
			return r;
		id = origin;
	}
	return kw_cloud_group_get(x->m, P, id, gi);
}

/* Is the document one page of several (NextToken)? KW_RD_BAD counts as paged. */
static int paged(kw_cloud_read_ctx *x, const json_t *doc, bool *ret)
{
	const char *tok;
	int r = kw_rd_get_str(x, doc, "NextToken", &tok);
	*ret = r == KW_RD_GOT || r == KW_RD_BAD;
	return r < 0 ? r : 0;
}

static int read_group(kw_cloud_read_ctx *x, const json_t *g, bool partial)
{
	if (!json_is_object(g))
		return kw_rd_diag(x, "a security group is %s, not an object: skipped", kw_rd_jtype(g));
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	uint32_t gi;
	const char *name, *vpc;
	int r;
	if ((r = group_of(x, g, origin, &gi)) < 0 || (r = kw_rd_get_str(x, g, "GroupName", &name)) < 0 ||
	    (r = kw_rd_get_str(x, g, "VpcId", &vpc)) < 0)
		return r;
	kw_cloud_group *G = &x->m->groups[gi];
	if (name && !G->name && kw_rd_copy(x, name, &G->name) < 0)
		return -ENOMEM;
	if (vpc && !G->vpc && kw_rd_copy(x, vpc, &G->vpc) < 0)
		return -ENOMEM;
	if (partial)
		G->partial = true;
	if ((r = read_permissions(x, gi, g, "IpPermissions", KW_DIR_INGRESS, origin)) < 0)
		return r;
	return read_permissions(x, gi, g, "IpPermissionsEgress", KW_DIR_EGRESS, origin);
}

/* The document's main array (the pointer is left at it on success). */
static int main_array(kw_cloud_read_ctx *x, const json_t *doc, const char *key, json_t **a)
{
	int r = kw_jget_array(doc, key, a);
	kw_jptr_key(&x->ptr, key);
	if (r == 1 && *a)
		return 0;
	r = kw_rd_fatal(x, "%s is %s, not an array: nothing can be read", key, kw_rd_jtype(json_object_get(doc, key)));
	kw_jptr_pop(&x->ptr);
	return r;
}

static int read_security_groups(kw_cloud_read_ctx *x, const json_t *doc)
{
	bool partial;
	json_t *a;
	int r;
	if ((r = paged(x, doc, &partial)) < 0 || (r = main_array(x, doc, "SecurityGroups", &a)) < 0)
		return r;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		kw_jptr_idx(&x->ptr, i);
		r = read_group(x, json_array_get(a, i), partial);
		kw_jptr_pop(&x->ptr);
	}
	kw_jptr_pop(&x->ptr);
	return r < 0 ? r : 0;
}

/* ---- describe-security-group-rules ---- */

static const struct rule_src {
	const char *key;
	enum src_kind kind;
} rule_sources[] = {
	{ "CidrIpv4", S_CIDR },
	{ "CidrIpv6", S_CIDR },
	{ "PrefixListId", S_PREFIX },
};

static int read_rule(kw_cloud_read_ctx *x, const json_t *e, bool partial)
{
	if (!json_is_object(e))
		return kw_rd_diag(x, "a security group rule is %s, not an object: skipped", kw_rd_jtype(e));
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	uint32_t gi;
	int r;
	if ((r = group_of(x, e, origin, &gi)) < 0)
		return r;
	kw_cloud_group *G = &x->m->groups[gi];
	if (!G->has_rules) {
		G->has_rules = true;
		G->origin = origin;
	}
	if (partial)
		G->partial = true;

	bool egress = false;
	if ((r = kw_rd_get_bool(x, e, "IsEgress", &egress)) < 0)
		return r;
	if (r != KW_RD_GOT) {
		/* an inbound rule is the one that can expose: read an unknown direction so */
		if (r == KW_RD_ABSENT && (r = kw_rd_diag(x, "no IsEgress: read as an inbound rule")) < 0)
			return r;
		egress = false;
	}
	kw_cloud_rule t = {
		.group = gi, .provider = P, .dir = egress ? KW_DIR_EGRESS : KW_DIR_INGRESS,
		.action = KW_ACT_ALLOW,
	};
	const char *id;
	if ((r = kw_rd_get_str(x, e, "SecurityGroupRuleId", &id)) < 0)
		return r;
	if (id && kw_rd_copy(x, id, &t.id) < 0)
		return -ENOMEM;
	if ((r = kw_rd_read_proto(x, e, &t)) < 0 || (r = read_ports(x, e, &t)) < 0)
		return r;

	size_t before = x->records;
	for (size_t k = 0; k < sizeof rule_sources / sizeof *rule_sources; k++) {
		const char *v;
		if ((r = kw_rd_get_str(x, e, rule_sources[k].key, &v)) < 0)
			return r;
		if (r == KW_RD_ABSENT)
			continue;
		kw_jptr_key(&x->ptr, rule_sources[k].key);
		if (r == KW_RD_BAD)
			r = kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
		else if (rule_sources[k].kind == S_CIDR)
			r = kw_rd_emit_cidr(x, &t, v);
		else
			r = kw_rd_emit_prefix_list(x, &t, v);
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	json_t *ref;
	if ((r = kw_rd_get_obj(x, e, "ReferencedGroupInfo", &ref)) < 0)
		return r;
	if (r != KW_RD_ABSENT) {
		kw_jptr_key(&x->ptr, "ReferencedGroupInfo");
		const char *v = NULL;
		if (r == KW_RD_GOT && (r = kw_rd_get_str(x, ref, "GroupId", &v)) < 0)
			return r;
		if (v)
			r = kw_rd_emit_group_ref(x, &t, v);
		else if ((r = kw_rd_diag(x, "ReferencedGroupInfo without GroupId: read as any source")) >= 0)
			r = kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	if (x->records != before)
		return 0;
	if ((r = kw_rd_diag(x, "a rule that names no source: read as any source")) < 0)
		return r;
	return kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "the rule names no source");
}

static int read_security_group_rules(kw_cloud_read_ctx *x, const json_t *doc)
{
	bool partial;
	json_t *a;
	int r;
	if ((r = paged(x, doc, &partial)) < 0 || (r = main_array(x, doc, "SecurityGroupRules", &a)) < 0)
		return r;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		kw_jptr_idx(&x->ptr, i);
		r = read_rule(x, json_array_get(a, i), partial);
		kw_jptr_pop(&x->ptr);
	}
	kw_jptr_pop(&x->ptr);
	return r < 0 ? r : 0;
}

/* arr[] of group ids: strings, or objects with GroupId (field non-NULL). */
static int gset_add_list(kw_cloud_read_ctx *x, kw_rd_gset *s, const json_t *o, const char *arr,
			 const char *field)
{
	json_t *a;
	int r = kw_rd_get_arr(x, o, arr, &a);
	if (r == KW_RD_BAD)
		s->unknown = true;
	if (r != KW_RD_GOT)
		return r < 0 ? r : 0;
	kw_jptr_key(&x->ptr, arr);
	r = kw_rd_gset_add_array(x, P, s, a, field);
	kw_jptr_pop(&x->ptr);
	return r;
}

/* ---- describe-instances ---- */

static bool contains_ci(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; s && *s; s++)
		if (!strncasecmp(s, word, n))
			return true;
	return false;
}

static int read_instance(kw_cloud_read_ctx *x, const json_t *in)
{
	const char *origin, *id, *name = NULL, *platform, *details, *pub, *why = NULL;
	int r = kw_rd_instance_begin(x, in, &origin, &id);
	if (r != 0)
		return r < 0 ? r : 0;
	json_t *tags;
	if ((r = kw_rd_get_arr(x, in, "Tags", &tags)) < 0)
		return r;
	for (size_t i = 0; r == KW_RD_GOT && i < json_array_size(tags) && !name; i++) {
		const json_t *tg = json_array_get(tags, i);
		const json_t *k = json_object_get(tg, "Key"), *v = json_object_get(tg, "Value");
		if (json_is_string(k) && !strcmp(json_string_value(k), "Name") && json_is_string(v) &&
		    *json_string_value(v))
			name = json_string_value(v);
	}
	if ((r = kw_rd_get_str(x, in, "Platform", &platform)) < 0 ||
	    (r = kw_rd_get_str(x, in, "PlatformDetails", &details)) < 0)
		return r;
	kw_cloud_os os = KW_OS_UNKNOWN;
	if ((platform && !strcasecmp(platform, "windows")) || contains_ci(details, "windows"))
		os = KW_OS_WINDOWS;
	else if (contains_ci(details, "linux") || contains_ci(details, "ubuntu"))
		os = KW_OS_LINUX;

	kw_tri pub_ip = KW_TRI_FALSE;
	if ((r = kw_rd_get_str(x, in, "PublicIpAddress", &pub)) < 0)
		return r;
	if (pub) {
		pub_ip = KW_TRI_TRUE;
		why = kw_cloud_strf(x->m, "public IP %.64s", pub);
	} else if (r == KW_RD_BAD) {
		pub_ip = KW_TRI_UNKNOWN;
		why = "unreadable PublicIpAddress";
	}
	const char *v6 = NULL;
	if ((r = kw_rd_get_str(x, in, "Ipv6Address", &v6)) < 0)
		return r;

	kw_rd_gset gs = { 0 };
	r = gset_add_list(x, &gs, in, "SecurityGroups", "GroupId");
	json_t *nics = NULL;
	if (r >= 0 && (r = kw_rd_get_arr(x, in, "NetworkInterfaces", &nics)) == KW_RD_GOT) {
		kw_jptr_key(&x->ptr, "NetworkInterfaces");
		r = 0;
		for (size_t i = 0; i < json_array_size(nics) && r >= 0; i++) {
			const json_t *nic = json_array_get(nics, i);
			kw_jptr_idx(&x->ptr, i);
			if (!json_is_object(nic)) {
				r = kw_rd_diag(x, "a network interface is %s, not an object: not read", kw_rd_jtype(nic));
				gs.unknown = true;
				kw_jptr_pop(&x->ptr);
				continue;
			}
			r = gset_add_list(x, &gs, nic, "Groups", "GroupId");
			const json_t *assoc = json_object_get(nic, "Association");
			const json_t *ip = json_object_get(assoc, "PublicIp");
			if (r >= 0 && pub_ip != KW_TRI_TRUE && json_is_string(ip) && *json_string_value(ip)) {
				const json_t *eni = json_object_get(nic, "NetworkInterfaceId");
				pub_ip = KW_TRI_TRUE;
				why = json_is_string(eni)
					? kw_cloud_strf(x->m, "public IP %.64s on %.64s", json_string_value(ip),
							json_string_value(eni))
					: kw_cloud_strf(x->m, "public IP %.64s", json_string_value(ip));
				if (!why)
					r = -ENOMEM;
			}
			if (!v6)
				v6 = kw_rd_first_ipv6(json_object_get(nic, "Ipv6Addresses"));
			kw_jptr_pop(&x->ptr);
		}
		kw_jptr_pop(&x->ptr);
	}
	/* An IPv6 address is globally unique; whether the internet reaches it depends on the
	 * subnet's routes (internet gateway or egress-only), which the export does not say. */
	kw_cloud_instance t = {
		.provider = P, .os = (uint8_t)os, .public_ip = (uint8_t)pub_ip, .public_why = why,
		.origin = origin,
	};
	return kw_rd_instance_add(x, &gs, r, &t, id, name, v6, "its subnet routes to an internet gateway");
}

static int read_instances(kw_cloud_read_ctx *x, const json_t *doc)
{
	bool partial;
	json_t *a;
	int r;
	if ((r = paged(x, doc, &partial)) < 0 || (r = main_array(x, doc, "Reservations", &a)) < 0)
		return r;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		const json_t *res = json_array_get(a, i);
		json_t *ins;
		kw_jptr_idx(&x->ptr, i);
		if (!json_is_object(res))
			r = kw_rd_diag(x, "a reservation is %s, not an object: skipped", kw_rd_jtype(res));
		else if ((r = kw_rd_get_arr(x, res, "Instances", &ins)) == KW_RD_GOT) {
			kw_jptr_key(&x->ptr, "Instances");
			r = 0;
			for (size_t j = 0; j < json_array_size(ins) && r >= 0; j++) {
				kw_jptr_idx(&x->ptr, j);
				r = read_instance(x, json_array_get(ins, j));
				kw_jptr_pop(&x->ptr);
			}
			kw_jptr_pop(&x->ptr);
		}
		kw_jptr_pop(&x->ptr);
	}
	kw_jptr_pop(&x->ptr);
	if (r < 0)
		return r;
	/* A page of a listing does not tell which groups are unused: instances on the other
	 * pages may use them. */
	if (partial)
		return kw_rd_diag_at(x, "NextToken", "the instance listing is paged (NextToken): instances on "
			       "other pages are missing, so no security group is judged unused from it");
	x->m->have_instances = true;
	return 0;
}

/* ---- launches: run-instances requests and launch template versions ---- */

/* The launch settings of d (a request, or LaunchTemplateData) into a new launch record.
 * name and tref are arena strings (tref may be NULL). In a request, a setting it does not
 * give is FALSE unless a launch template may give it (KW_RD_ABSENT). */
static int read_launch(kw_cloud_read_ctx *x, const json_t *d, kw_launch_kind kind, const char *name,
		       const char *tref, const char *origin)
{
	int r;
	kw_rd_gset gs = { 0 };
	kw_tri unsaid = tref ? KW_TRI_ABSENT : KW_TRI_FALSE;
	kw_tri key = unsaid, pub = KW_TRI_ABSENT;
	const char *image, *key_name, *ud;
	bool any_pub_false = false;

	if ((r = kw_rd_get_str(x, d, "ImageId", &image)) < 0 || (r = kw_rd_get_str(x, d, "KeyName", &key_name)) < 0)
		return r;
	if (key_name)
		key = KW_TRI_TRUE;
	else if (r == KW_RD_BAD)
		key = KW_TRI_UNKNOWN;
	if ((r = kw_rd_get_str(x, d, "UserData", &ud)) < 0)
		return r;
	bool ud_bad = r == KW_RD_BAD;

	/* SecurityGroups (names, default VPC) cannot be matched with group ids: not read */
	r = gset_add_list(x, &gs, d, "SecurityGroupIds", NULL);
	json_t *nics = NULL;
	if (r >= 0 && (r = kw_rd_get_arr(x, d, "NetworkInterfaces", &nics)) == KW_RD_GOT) {
		kw_jptr_key(&x->ptr, "NetworkInterfaces");
		r = 0;
		for (size_t i = 0; i < json_array_size(nics) && r >= 0; i++) {
			const json_t *nic = json_array_get(nics, i);
			bool b;
			kw_jptr_idx(&x->ptr, i);
			if (!json_is_object(nic)) {
				r = kw_rd_diag(x, "a network interface is %s, not an object: not read", kw_rd_jtype(nic));
				gs.unknown = true;
			} else if ((r = gset_add_list(x, &gs, nic, "Groups", NULL)) >= 0 &&
				   (r = kw_rd_get_bool(x, nic, "AssociatePublicIpAddress", &b)) >= 0) {
				if (r == KW_RD_GOT && b)
					pub = KW_TRI_TRUE;
				else if (r == KW_RD_GOT)
					any_pub_false = true;
				else if (r == KW_RD_BAD && pub != KW_TRI_TRUE)
					pub = KW_TRI_UNKNOWN;
				r = 0;
			}
			kw_jptr_pop(&x->ptr);
		}
		kw_jptr_pop(&x->ptr);
	} else if (r == KW_RD_BAD) {
		pub = KW_TRI_UNKNOWN; /* unreadable interfaces: their groups and address unknown */
		r = 0;
	}
	/* without AssociatePublicIpAddress the subnet's default decides: not said here */
	if (pub == KW_TRI_ABSENT && any_pub_false)
		pub = KW_TRI_FALSE;
	kw_cloud_launch t = {
		.provider = P,
		.kind = (uint8_t)kind,
		.os = KW_OS_UNKNOWN,                 /* neither a request nor a template says */
		.password_inherit = KW_TRI_ABSENT, /* AWS has no such setting */
		.password = KW_TRI_ABSENT,
		.key_pair = (uint8_t)key,
		.public_ip = (uint8_t)pub,
		.user_data = KW_TRI_ABSENT,
		.name = name,
		.template_ref = tref,
		.origin = origin,
	};
	/* The API and describe-launch-template-versions hold UserData base64-encoded; a
	 * --cli-input-json request holds it as text (the CLI encodes it when sending). */
	bool b64 = ud && (kind != KW_LAUNCH_REQUEST || kw_userdata_looks_base64(ud, strlen(ud)));
	return kw_rd_launch_add(x, &gs, r, &t, image, ud, ud_bad, b64);
}

static int read_run_request(kw_cloud_read_ctx *x, const json_t *doc)
{
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	const char *tref = NULL;
	json_t *lt;
	int r = kw_rd_get_obj(x, doc, "LaunchTemplate", &lt);
	if (r < 0)
		return r;
	if (r == KW_RD_BAD)
		tref = "unreadable LaunchTemplate"; /* some template may give what is unsaid */
	if (r == KW_RD_GOT) {
		const char *id, *ver;
		kw_jptr_key(&x->ptr, "LaunchTemplate");
		if ((r = kw_rd_get_str(x, lt, "LaunchTemplateId", &id)) >= 0 && !id)
			r = kw_rd_get_str(x, lt, "LaunchTemplateName", &id);
		if (r >= 0)
			r = kw_rd_get_str(x, lt, "Version", &ver);
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
		if (id && !(tref = ver ? kw_cloud_strf(x->m, "%s version %s", id, ver) : kw_cloud_str(x->m, id)))
			return -ENOMEM;
	}
	return read_launch(x, doc, KW_LAUNCH_REQUEST, "RunInstances request", tref, origin);
}

static int read_template_versions(kw_cloud_read_ctx *x, const json_t *doc)
{
	json_t *a;
	int r = main_array(x, doc, "LaunchTemplateVersions", &a);
	if (r < 0)
		return r;
	r = kw_rd_template_versions(x, a, read_launch);
	kw_jptr_pop(&x->ptr);
	return r;
}

int kw_cloud_read_aws(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc)
{
	if (!json_is_object(doc))
		return kw_rd_fatal(x, "the document is %s, not an object", kw_rd_jtype(doc));
	switch (kind) {
	case KW_KIND_AWS_SECURITY_GROUPS: return read_security_groups(x, doc);
	case KW_KIND_AWS_SECURITY_GROUP_RULES: return read_security_group_rules(x, doc);
	case KW_KIND_AWS_INSTANCES: return read_instances(x, doc);
	case KW_KIND_AWS_LAUNCH_TEMPLATES: return read_template_versions(x, doc);
	case KW_KIND_AWS_RUN_REQUEST: return read_run_request(x, doc);
	default:
		return kw_rd_fatal(x, "not an AWS export keyward reads (%s)", kw_cloud_kind_name(kind));
	}
}
