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
#include "cloud/load.h"

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

/* What the field readers below say: found, absent (no key, null, ""), or present with the
 * wrong type (BAD: the diagnostic is made). Negative: -ENOMEM. */
enum { ABSENT = 0, GOT = 1, BAD = 2 };

/* Numbers are read within ±2^53 (what JSON numbers hold exactly) and range-checked after,
 * so a message can say which way a value is wrong. */
#define BIG (1LL << 53)

/* ---- diagnostics ---- */

static const char *jtype(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* A diagnostic at the current pointer, or at pointer/key when key is given. 0 or -ENOMEM. */
static int vdiag(kw_cloud_read_ctx *x, const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int vdiag(kw_cloud_read_ctx *x, const char *key, const char *fmt, va_list ap)
{
	char msg[384];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (key)
		kw_jptr_key(&x->ptr, key);
	int r = kw_cloud_diag(x, KW_E_PARSE, "%s", msg);
	if (key)
		kw_jptr_pop(&x->ptr);
	return r;
}

static int diag(kw_cloud_read_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int diag(kw_cloud_read_ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdiag(x, NULL, fmt, ap);
	va_end(ap);
	return r;
}

static int diag_at(kw_cloud_read_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int diag_at(kw_cloud_read_ctx *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdiag(x, key, fmt, ap);
	va_end(ap);
	return r;
}

/* The document cannot be read: a fatal diagnostic at the current pointer, KW_E_PARSE. */
static int fatal(kw_cloud_read_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fatal(kw_cloud_read_ctx *x, const char *fmt, ...)
{
	char msg[384], where[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kw_jptr_format(&x->ptr, NULL, where, sizeof where);
	int r = kw_diags_add_fatal(x->d, x->file, 0, KW_E_PARSE, "%s: %s", where, msg);
	return r < 0 ? r : KW_E_PARSE;
}

/* ---- typed fields ---- */

static int get_str(kw_cloud_read_ctx *x, const json_t *o, const char *key, const char **ret)
{
	*ret = NULL;
	int r = kw_jget_str(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 && *ret ? GOT : (*ret = NULL, ABSENT);
	*ret = NULL;
	r = diag_at(x, key, "%s is %s, not a string", key, jtype(json_object_get(o, key)));
	return r < 0 ? r : BAD;
}

static int get_int(kw_cloud_read_ctx *x, const json_t *o, const char *key, long long *ret)
{
	int r = kw_jget_int(o, key, -BIG, BIG, ret);
	if (r != KW_E_PARSE)
		return r > 0 ? GOT : ABSENT;
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		r = diag_at(x, key, "%s '%.64s' is not a number", key, json_string_value(v));
	else
		r = diag_at(x, key, "%s is %s, not a whole number", key, jtype(v));
	return r < 0 ? r : BAD;
}

static int get_bool(kw_cloud_read_ctx *x, const json_t *o, const char *key, bool *ret)
{
	int r = kw_jget_bool(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 ? GOT : ABSENT;
	r = diag_at(x, key, "%s is %s, not true or false", key, jtype(json_object_get(o, key)));
	return r < 0 ? r : BAD;
}

static int get_arr(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret)
{
	*ret = NULL;
	int r = kw_jget_array(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 && *ret ? GOT : ABSENT;
	*ret = NULL;
	r = diag_at(x, key, "%s is %s, not an array", key, jtype(json_object_get(o, key)));
	return r < 0 ? r : BAD;
}

static int get_obj(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret)
{
	*ret = NULL;
	int r = kw_jget_object(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 && *ret ? GOT : ABSENT;
	*ret = NULL;
	r = diag_at(x, key, "%s is %s, not an object", key, jtype(json_object_get(o, key)));
	return r < 0 ? r : BAD;
}

/* An arena copy of s (non-NULL) into *ret: 0 or -ENOMEM. */
static int copy(kw_cloud_read_ctx *x, const char *s, const char **ret)
{
	*ret = kw_cloud_str(x->m, s);
	return *ret ? 0 : -ENOMEM;
}

/* ---- rules ---- */

/* Add one rule: the permission's template t with this source, at the current pointer. */
static int emit(kw_cloud_read_ctx *x, const kw_cloud_rule *t, kw_cloud_src src, const kw_cidr *c,
		const char *ref, const char *why)
{
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	if (why && t->why_unknown) {
		why = kw_cloud_strf(x->m, "%s; %s", t->why_unknown, why);
		if (!why)
			return -ENOMEM;
	}
	kw_cloud_rule *r = kw_cloud_rule_add(x->m);
	if (!r)
		return -ENOMEM;
	*r = *t;
	r->src = (uint8_t)src;
	if (c)
		r->cidr = *c;
	r->ref = ref;
	r->origin = origin;
	if (why)
		r->why_unknown = why;
	x->records++;
	return 0;
}

/* A rule of which nothing can be read: any protocol, port and source. */
static int emit_unreadable(kw_cloud_read_ctx *x, uint32_t gi, kw_cloud_dir dir, const char *why)
{
	kw_cloud_rule t = {
		.group = gi, .provider = P, .dir = (uint8_t)dir, .action = KW_ACT_ALLOW,
		.proto = KW_PROTO_UNKNOWN, .ports_unknown = true, .port_hi = KW_PORT_ALL_HI,
	};
	return emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, why);
}

/* A CIDR source; an unreadable one is a diagnostic and an unknown source, never dropped. */
static int emit_cidr(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *text)
{
	kw_cidr c;
	if (kw_cloud_cidr_parse(text, &c) == 0)
		return emit(x, t, KW_SRC_CIDR, &c, NULL, NULL);
	int r = diag(x, "'%.64s' is not a CIDR: read as any source", text);
	if (r < 0)
		return r;
	const char *why = kw_cloud_strf(x->m, "unreadable CIDR '%.64s'", text);
	return why ? emit(x, t, KW_SRC_UNKNOWN, NULL, NULL, why) : -ENOMEM;
}

static int emit_prefix_list(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id)
{
	const char *ref, *why;
	if (copy(x, id, &ref) < 0 ||
	    !(why = kw_cloud_strf(x->m, "prefix list %.128s is not resolved by the input", id)))
		return -ENOMEM;
	return emit(x, t, KW_SRC_PREFIX_LIST, NULL, ref, why);
}

static int emit_group_ref(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id)
{
	const char *ref;
	if (copy(x, id, &ref) < 0)
		return -ENOMEM;
	return emit(x, t, KW_SRC_GROUP, NULL, ref, NULL);
}

/* IpProtocol into t: a string ("tcp", "-1", "50") or, leniently, a number. */
static int read_proto(kw_cloud_read_ctx *x, const json_t *o, kw_cloud_rule *t)
{
	static const char key[] = "IpProtocol";
	const json_t *v = json_object_get(o, key);
	char num[32];
	const char *s = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	}
	kw_cloud_proto proto;
	unsigned n = 0;
	int r;
	if (!v || json_is_null(v) || (s && !*s)) {
		r = diag(x, "no IpProtocol: read as any protocol");
		t->why_unknown = "no IpProtocol";
	} else if (!s) {
		r = diag_at(x, key, "IpProtocol is %s, not a protocol: read as any protocol", jtype(v));
		t->why_unknown = "unreadable IpProtocol";
	} else if (kw_cloud_proto_parse(s, &proto, &n) < 0) {
		r = diag_at(x, key, "IpProtocol '%.32s' is not a protocol: read as any protocol", s);
		t->why_unknown = "unreadable IpProtocol";
	} else {
		t->proto = (uint8_t)proto;
		if (proto == KW_PROTO_OTHER)
			t->proto_num = (uint16_t)(n <= 255 ? n : 0);
		return 0;
	}
	t->proto = KW_PROTO_UNKNOWN;
	return r;
}

/* FromPort/ToPort into t. They are ports only for tcp and udp (and kept for an unreadable
 * protocol, which may be either); for everything else the range is 0..65535. */
static int read_ports(kw_cloud_read_ctx *x, const json_t *o, kw_cloud_rule *t)
{
	t->port_lo = KW_PORT_ALL_LO;
	t->port_hi = KW_PORT_ALL_HI;
	if (t->proto != KW_PROTO_TCP && t->proto != KW_PROTO_UDP && t->proto != KW_PROTO_UNKNOWN)
		return 0;
	long long lo = 0, hi = 0;
	int rl = get_int(x, o, "FromPort", &lo);
	if (rl < 0)
		return rl;
	int rh = get_int(x, o, "ToPort", &hi);
	if (rh < 0)
		return rh;
	int r = 0;
	if (rl == BAD || rh == BAD) {
		t->ports_unknown = true; /* get_int made the diagnostic */
	} else if (rl == ABSENT && rh == ABSENT) {
		/* an unreadable protocol without ports: its why already says so */
		if (t->proto != KW_PROTO_UNKNOWN)
			r = diag(x, "a %s permission without FromPort and ToPort: read as any port",
				 kw_cloud_proto_name((kw_cloud_proto)t->proto));
		t->ports_unknown = true;
	} else if (rl == ABSENT || rh == ABSENT) {
		r = diag(x, "%s without %s: read as any port", rl == ABSENT ? "ToPort" : "FromPort",
			 rl == ABSENT ? "FromPort" : "ToPort");
		t->ports_unknown = true;
	} else if (lo == -1 && hi == -1) {
		/* every port */
	} else if (lo < 0 || hi > 65535 || lo > hi) {
		r = diag(x, "port range %lld-%lld is not a range of ports: read as any port", lo, hi);
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
		if ((r = get_str(x, e, def->field, &v)) < 0)
			return r;
		/* default-VPC and EC2-Classic pairs may name the group only */
		if (!v && def->kind == S_GROUP && (r = get_str(x, e, "GroupName", &v)) < 0)
			return r;
		if (!v && r != BAD && (r = diag(x, "a %s entry without %s: read as any source",
						 def->arr, def->field)) < 0)
			return r;
	} else if ((r = diag(x, "a %s entry is %s, not an object: read as any source", def->arr,
			     jtype(e))) < 0) {
		return r;
	}
	if (!v || !*v)
		return emit(x, t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
	switch (def->kind) {
	case S_CIDR: return emit_cidr(x, t, v);
	case S_PREFIX: return emit_prefix_list(x, t, v);
	case S_GROUP: return emit_group_ref(x, t, v);
	}
	return 0;
}

/* One IpPermissions element (the pointer is at it). */
static int read_permission(kw_cloud_read_ctx *x, uint32_t gi, kw_cloud_dir dir, const json_t *p)
{
	if (!json_is_object(p)) {
		int r = diag(x, "a permission is %s, not an object: read as any protocol, port and source",
			     jtype(p));
		return r < 0 ? r : emit_unreadable(x, gi, dir, "unreadable permission");
	}
	kw_cloud_rule t = {
		.group = gi, .provider = P, .dir = (uint8_t)dir, .action = KW_ACT_ALLOW,
	};
	int r;
	if ((r = read_proto(x, p, &t)) < 0 || (r = read_ports(x, p, &t)) < 0)
		return r;
	size_t before = x->records;
	for (size_t k = 0; k < sizeof aws_sources / sizeof *aws_sources; k++) {
		const struct src_def *def = &aws_sources[k];
		json_t *a;
		if ((r = get_arr(x, p, def->arr, &a)) < 0)
			return r;
		if (r == ABSENT)
			continue;
		kw_jptr_key(&x->ptr, def->arr);
		if (r == BAD) {
			r = emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source list");
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
	if ((r = diag(x, "a permission that names no source: read as any source")) < 0)
		return r;
	return emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "the permission names no source");
}

/* IpPermissions or IpPermissionsEgress of group gi. */
static int read_permissions(kw_cloud_read_ctx *x, uint32_t gi, const json_t *g, const char *key,
			    kw_cloud_dir dir, const char *gorigin)
{
	json_t *a;
	int r = get_arr(x, g, key, &a);
	if (r < 0)
		return r;
	if (r == ABSENT) {
		if (dir == KW_DIR_INGRESS)
			return diag(x, "no IpPermissions: the group's inbound rules are not in the input");
		return 0;
	}
	kw_cloud_group *G = &x->m->groups[gi];
	if (dir == KW_DIR_INGRESS && !G->has_rules) {
		G->has_rules = true;
		G->origin = gorigin;
	}
	kw_jptr_key(&x->ptr, key);
	if (r == BAD) {
		r = emit_unreadable(x, gi, dir, "unreadable permission list");
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
	int r = get_str(x, o, "GroupId", &id);
	if (r < 0)
		return r;
	if (!id) {
		if (r == ABSENT && (r = diag(x, "no GroupId: the group is named by its place in the file")) < 0)
			return r;
		id = origin;
	}
	return kw_cloud_group_get(x->m, P, id, gi);
}

/* Is the document one page of several (NextToken)? BAD counts as paged. */
static int paged(kw_cloud_read_ctx *x, const json_t *doc, bool *ret)
{
	const char *tok;
	int r = get_str(x, doc, "NextToken", &tok);
	*ret = r == GOT || r == BAD;
	return r < 0 ? r : 0;
}

static int read_group(kw_cloud_read_ctx *x, const json_t *g, bool partial)
{
	if (!json_is_object(g))
		return diag(x, "a security group is %s, not an object: skipped", jtype(g));
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	uint32_t gi;
	const char *name, *vpc;
	int r;
	if ((r = group_of(x, g, origin, &gi)) < 0 || (r = get_str(x, g, "GroupName", &name)) < 0 ||
	    (r = get_str(x, g, "VpcId", &vpc)) < 0)
		return r;
	kw_cloud_group *G = &x->m->groups[gi];
	if (name && !G->name && copy(x, name, &G->name) < 0)
		return -ENOMEM;
	if (vpc && !G->vpc && copy(x, vpc, &G->vpc) < 0)
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
	r = fatal(x, "%s is %s, not an array: nothing can be read", key, jtype(json_object_get(doc, key)));
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
		return diag(x, "a security group rule is %s, not an object: skipped", jtype(e));
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
	if ((r = get_bool(x, e, "IsEgress", &egress)) < 0)
		return r;
	if (r != GOT) {
		/* an inbound rule is the one that can expose: read an unknown direction so */
		if (r == ABSENT && (r = diag(x, "no IsEgress: read as an inbound rule")) < 0)
			return r;
		egress = false;
	}
	kw_cloud_rule t = {
		.group = gi, .provider = P, .dir = egress ? KW_DIR_EGRESS : KW_DIR_INGRESS,
		.action = KW_ACT_ALLOW,
	};
	const char *id;
	if ((r = get_str(x, e, "SecurityGroupRuleId", &id)) < 0)
		return r;
	if (id && copy(x, id, &t.id) < 0)
		return -ENOMEM;
	if ((r = read_proto(x, e, &t)) < 0 || (r = read_ports(x, e, &t)) < 0)
		return r;

	size_t before = x->records;
	for (size_t k = 0; k < sizeof rule_sources / sizeof *rule_sources; k++) {
		const char *v;
		if ((r = get_str(x, e, rule_sources[k].key, &v)) < 0)
			return r;
		if (r == ABSENT)
			continue;
		kw_jptr_key(&x->ptr, rule_sources[k].key);
		if (r == BAD)
			r = emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
		else if (rule_sources[k].kind == S_CIDR)
			r = emit_cidr(x, &t, v);
		else
			r = emit_prefix_list(x, &t, v);
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	json_t *ref;
	if ((r = get_obj(x, e, "ReferencedGroupInfo", &ref)) < 0)
		return r;
	if (r != ABSENT) {
		kw_jptr_key(&x->ptr, "ReferencedGroupInfo");
		const char *v = NULL;
		if (r == GOT && (r = get_str(x, ref, "GroupId", &v)) < 0)
			return r;
		if (v)
			r = emit_group_ref(x, &t, v);
		else if ((r = diag(x, "ReferencedGroupInfo without GroupId: read as any source")) >= 0)
			r = emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "unreadable source");
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	if (x->records != before)
		return 0;
	if ((r = diag(x, "a rule that names no source: read as any source")) < 0)
		return r;
	return emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, "the rule names no source");
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

/* ---- group lists of instances and launches ---- */

typedef struct gset {
	uint32_t *v;
	size_t n, cap;
	bool unknown;              /* some entry could not be read */
} gset;

/* Group id (the pointer is at where it is named): a placeholder if new. */
static int gset_add(kw_cloud_read_ctx *x, gset *s, const char *id)
{
	uint32_t gi;
	int r = kw_cloud_group_get(x->m, P, id, &gi);
	if (r < 0)
		return r;
	kw_cloud_group *G = &x->m->groups[gi];
	if (!G->origin && !(G->origin = kw_cloud_origin(x)))
		return -ENOMEM;
	uint32_t *slot = KW_VEC_PUSH(s->v, s->n, s->cap);
	if (!slot)
		return -ENOMEM;
	*slot = gi;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Deduplicate (first-seen order for short lists, index order for long ones: no quadratic
 * work on a hostile list) and move into the arena. */
static int gset_finish(kw_cloud_read_ctx *x, gset *s, const uint32_t **ret, size_t *n)
{
	size_t k = 0;
	if (s->n <= 64) {
		for (size_t i = 0; i < s->n; i++) {
			size_t j = 0;
			while (j < k && s->v[j] != s->v[i])
				j++;
			if (j == k)
				s->v[k++] = s->v[i];
		}
	} else {
		qsort(s->v, s->n, sizeof *s->v, cmp_u32);
		for (size_t i = 0; i < s->n; i++)
			if (!k || s->v[k - 1] != s->v[i])
				s->v[k++] = s->v[i];
	}
	*ret = NULL;
	*n = 0;
	if (k) {
		uint32_t *a = kw_cloud_idx_array(x->m, k);
		if (!a)
			return -ENOMEM;
		memcpy(a, s->v, k * sizeof *a);
		*ret = a;
		*n = k;
	}
	return 0;
}

/* arr[] of group ids: strings, or objects with GroupId (field non-NULL). */
static int gset_add_list(kw_cloud_read_ctx *x, gset *s, const json_t *o, const char *arr,
			 const char *field)
{
	json_t *a;
	int r = get_arr(x, o, arr, &a);
	if (r == BAD)
		s->unknown = true;
	if (r != GOT)
		return r < 0 ? r : 0;
	kw_jptr_key(&x->ptr, arr);
	r = 0;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		const json_t *e = json_array_get(a, i);
		const char *id = NULL;
		kw_jptr_idx(&x->ptr, i);
		if (json_is_string(e))
			id = json_string_value(e);
		else if (field && json_is_object(e))
			r = get_str(x, e, field, &id);
		else
			r = diag(x, "a group entry is %s: not read", jtype(e));
		if (r >= 0 && id && *id) {
			r = gset_add(x, s, id);
		} else if (r >= 0 && !json_is_string(e)) {
			/* an entry without an id: some group is not known */
			s->unknown = true;
			if (r == ABSENT && field && json_is_object(e))
				r = diag(x, "a group entry without %s", field);
		}
		kw_jptr_pop(&x->ptr);
	}
	kw_jptr_pop(&x->ptr);
	return r < 0 ? r : 0;
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
	if (!json_is_object(in))
		return diag(x, "an instance is %s, not an object: skipped", jtype(in));
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	int r;
	const char *id, *name = NULL, *platform, *details, *pub, *why = NULL;
	if ((r = get_str(x, in, "InstanceId", &id)) < 0)
		return r;
	if (!id) {
		if (r == ABSENT && (r = diag(x, "no InstanceId: the instance is named by its place in the file")) < 0)
			return r;
		id = origin;
	}
	json_t *tags;
	if ((r = get_arr(x, in, "Tags", &tags)) < 0)
		return r;
	for (size_t i = 0; r == GOT && i < json_array_size(tags) && !name; i++) {
		const json_t *tg = json_array_get(tags, i);
		const json_t *k = json_object_get(tg, "Key"), *v = json_object_get(tg, "Value");
		if (json_is_string(k) && !strcmp(json_string_value(k), "Name") && json_is_string(v) &&
		    *json_string_value(v))
			name = json_string_value(v);
	}
	if ((r = get_str(x, in, "Platform", &platform)) < 0 ||
	    (r = get_str(x, in, "PlatformDetails", &details)) < 0)
		return r;
	kw_cloud_os os = KW_OS_UNKNOWN;
	if ((platform && !strcasecmp(platform, "windows")) || contains_ci(details, "windows"))
		os = KW_OS_WINDOWS;
	else if (contains_ci(details, "linux") || contains_ci(details, "ubuntu"))
		os = KW_OS_LINUX;

	kw_tri pub_ip = KW_TRI_FALSE;
	if ((r = get_str(x, in, "PublicIpAddress", &pub)) < 0)
		return r;
	if (pub) {
		pub_ip = KW_TRI_TRUE;
		why = kw_cloud_strf(x->m, "public IP %.64s", pub);
	} else if (r == BAD) {
		pub_ip = KW_TRI_UNKNOWN;
		why = "unreadable PublicIpAddress";
	}
	const char *v6 = NULL;
	if ((r = get_str(x, in, "Ipv6Address", &v6)) < 0)
		return r;

	gset gs = { 0 };
	r = gset_add_list(x, &gs, in, "SecurityGroups", "GroupId");
	json_t *nics = NULL;
	if (r >= 0 && (r = get_arr(x, in, "NetworkInterfaces", &nics)) == GOT) {
		kw_jptr_key(&x->ptr, "NetworkInterfaces");
		r = 0;
		for (size_t i = 0; i < json_array_size(nics) && r >= 0; i++) {
			const json_t *nic = json_array_get(nics, i);
			kw_jptr_idx(&x->ptr, i);
			if (!json_is_object(nic)) {
				r = diag(x, "a network interface is %s, not an object: not read", jtype(nic));
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
			const json_t *v6s = json_object_get(nic, "Ipv6Addresses");
			for (size_t j = 0; !v6 && j < json_array_size(v6s); j++) {
				const json_t *a6 = json_object_get(json_array_get(v6s, j), "Ipv6Address");
				if (json_is_string(a6) && *json_string_value(a6))
					v6 = json_string_value(a6);
			}
			kw_jptr_pop(&x->ptr);
		}
		kw_jptr_pop(&x->ptr);
	}
	/* An IPv6 address is globally unique; whether the internet reaches it depends on the
	 * subnet's routes (internet gateway or egress-only), which the export does not say. */
	if (r >= 0 && pub_ip == KW_TRI_FALSE && v6) {
		pub_ip = KW_TRI_UNKNOWN;
		why = kw_cloud_strf(x->m, "IPv6 address %.64s (public if its subnet routes to an internet gateway)", v6);
	}
	if (r >= 0 && pub_ip != KW_TRI_FALSE && !why)
		r = -ENOMEM;
	kw_cloud_instance *inst = NULL;
	const uint32_t *groups = NULL;
	size_t n_groups = 0;
	if (r >= 0)
		r = gset_finish(x, &gs, &groups, &n_groups);
	free(gs.v);
	if (r < 0)
		return r;
	if (!(inst = kw_cloud_instance_add(x->m)))
		return -ENOMEM;
	inst->provider = P;
	inst->os = (uint8_t)os;
	inst->public_ip = (uint8_t)pub_ip;
	inst->public_why = why;
	inst->origin = origin;
	inst->groups = groups;
	inst->n_groups = n_groups;
	inst->groups_unknown = gs.unknown;
	if (copy(x, id, &inst->id) < 0 || (name && copy(x, name, &inst->name) < 0))
		return -ENOMEM;
	x->records++;
	return 0;
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
			r = diag(x, "a reservation is %s, not an object: skipped", jtype(res));
		else if ((r = get_arr(x, res, "Instances", &ins)) == GOT) {
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
		return diag_at(x, "NextToken", "the instance listing is paged (NextToken): instances on "
			       "other pages are missing, so no security group is judged unused from it");
	x->m->have_instances = true;
	return 0;
}

/* ---- launches: run-instances requests and launch template versions ---- */

/* Does the text look like base64 (and not like plain user data)? */
static bool looks_base64(const char *s)
{
	size_t n = 0, pad = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
		} else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				     (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			return false;
		}
		n++;
	}
	return n && n % 4 == 0 && pad <= 2;
}

/* The launch settings of d (a request, or LaunchTemplateData) into a new launch record.
 * name and tref are arena strings (tref may be NULL). In a request, a setting it does not
 * give is FALSE unless a launch template may give it (ABSENT). */
static int read_launch(kw_cloud_read_ctx *x, const json_t *d, kw_launch_kind kind, const char *name,
		       const char *tref, const char *origin)
{
	int r;
	gset gs = { 0 };
	kw_tri unsaid = tref ? KW_TRI_ABSENT : KW_TRI_FALSE;
	kw_tri key = unsaid, pub = KW_TRI_ABSENT;
	const char *image, *key_name, *ud;
	bool any_pub_false = false;

	if ((r = get_str(x, d, "ImageId", &image)) < 0 || (r = get_str(x, d, "KeyName", &key_name)) < 0)
		return r;
	if (key_name)
		key = KW_TRI_TRUE;
	else if (r == BAD)
		key = KW_TRI_UNKNOWN;
	if ((r = get_str(x, d, "UserData", &ud)) < 0)
		return r;
	bool ud_bad = r == BAD;

	/* SecurityGroups (names, default VPC) cannot be matched with group ids: not read */
	r = gset_add_list(x, &gs, d, "SecurityGroupIds", NULL);
	json_t *nics = NULL;
	if (r >= 0 && (r = get_arr(x, d, "NetworkInterfaces", &nics)) == GOT) {
		kw_jptr_key(&x->ptr, "NetworkInterfaces");
		r = 0;
		for (size_t i = 0; i < json_array_size(nics) && r >= 0; i++) {
			const json_t *nic = json_array_get(nics, i);
			bool b;
			kw_jptr_idx(&x->ptr, i);
			if (!json_is_object(nic)) {
				r = diag(x, "a network interface is %s, not an object: not read", jtype(nic));
				gs.unknown = true;
			} else if ((r = gset_add_list(x, &gs, nic, "Groups", NULL)) >= 0 &&
				   (r = get_bool(x, nic, "AssociatePublicIpAddress", &b)) >= 0) {
				if (r == GOT && b)
					pub = KW_TRI_TRUE;
				else if (r == GOT)
					any_pub_false = true;
				else if (r == BAD && pub != KW_TRI_TRUE)
					pub = KW_TRI_UNKNOWN;
				r = 0;
			}
			kw_jptr_pop(&x->ptr);
		}
		kw_jptr_pop(&x->ptr);
	} else if (r == BAD) {
		pub = KW_TRI_UNKNOWN; /* unreadable interfaces: their groups and address unknown */
		r = 0;
	}
	if (r < 0) {
		free(gs.v);
		return r;
	}
	/* without AssociatePublicIpAddress the subnet's default decides: not said here */
	if (pub == KW_TRI_ABSENT && any_pub_false)
		pub = KW_TRI_FALSE;
	const uint32_t *groups;
	size_t n_groups;
	r = gset_finish(x, &gs, &groups, &n_groups);
	free(gs.v);
	if (r < 0)
		return r;

	kw_cloud_launch *l = kw_cloud_launch_add(x->m);
	if (!l)
		return -ENOMEM;
	l->provider = P;
	l->kind = (uint8_t)kind;
	l->os = KW_OS_UNKNOWN;           /* neither a request nor a template says */
	l->password_inherit = KW_TRI_ABSENT; /* AWS has no such setting */
	l->password = KW_TRI_ABSENT;
	l->key_pair = (uint8_t)key;
	l->public_ip = (uint8_t)pub;
	l->user_data = KW_TRI_ABSENT;
	l->name = name;
	l->template_ref = tref;
	l->origin = origin;
	l->groups = groups;
	l->n_groups = n_groups;
	if (image && copy(x, image, &l->image) < 0)
		return -ENOMEM;
	x->records++;
	if (ud_bad) {
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = "UserData is not a string";
	} else if (ud) {
		/* The API and describe-launch-template-versions hold UserData base64-encoded; a
		 * --cli-input-json request holds it as text (the CLI encodes it when sending). */
		bool b64 = kind != KW_LAUNCH_REQUEST || looks_base64(ud);
		kw_jptr_key(&x->ptr, "UserData");
		r = kw_userdata_judge(x->m, l, ud, strlen(ud), b64);
		kw_jptr_pop(&x->ptr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_run_request(kw_cloud_read_ctx *x, const json_t *doc)
{
	const char *origin = kw_cloud_origin(x);
	if (!origin)
		return -ENOMEM;
	const char *tref = NULL;
	json_t *lt;
	int r = get_obj(x, doc, "LaunchTemplate", &lt);
	if (r < 0)
		return r;
	if (r == BAD)
		tref = "unreadable LaunchTemplate"; /* some template may give what is unsaid */
	if (r == GOT) {
		const char *id, *ver;
		kw_jptr_key(&x->ptr, "LaunchTemplate");
		if ((r = get_str(x, lt, "LaunchTemplateId", &id)) >= 0 && !id)
			r = get_str(x, lt, "LaunchTemplateName", &id);
		if (r >= 0)
			r = get_str(x, lt, "Version", &ver);
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
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		const json_t *v = json_array_get(a, i);
		kw_jptr_idx(&x->ptr, i);
		const char *origin = kw_cloud_origin(x), *id, *name;
		long long ver = 0;
		int rv = ABSENT;
		json_t *data = NULL;
		if (!origin)
			r = -ENOMEM;
		else if (!json_is_object(v))
			r = diag(x, "a launch template version is %s, not an object: skipped", jtype(v));
		else if ((r = get_str(x, v, "LaunchTemplateId", &id)) >= 0 &&
			 (r = get_str(x, v, "LaunchTemplateName", &name)) >= 0 &&
			 (r = rv = get_int(x, v, "VersionNumber", &ver)) >= 0 &&
			 (r = get_obj(x, v, "LaunchTemplateData", &data)) >= 0) {
			if (!id)
				id = name;
			const char *label = !id ? "launch template version"
				: rv == GOT ? kw_cloud_strf(x->m, "%s version %lld", id, ver)
					    : kw_cloud_str(x->m, id);
			if (!label)
				r = -ENOMEM;
			else if (r == GOT) {
				kw_jptr_key(&x->ptr, "LaunchTemplateData");
				r = read_launch(x, data, KW_LAUNCH_TEMPLATE, label, NULL, origin);
				kw_jptr_pop(&x->ptr);
			} else if (r == ABSENT) {
				r = diag(x, "a launch template version without LaunchTemplateData: skipped");
			}
		}
		kw_jptr_pop(&x->ptr);
	}
	kw_jptr_pop(&x->ptr);
	return r < 0 ? r : 0;
}

int kw_cloud_read_aws(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc)
{
	if (!json_is_object(doc))
		return fatal(x, "the document is %s, not an object", jtype(doc));
	switch (kind) {
	case KW_KIND_AWS_SECURITY_GROUPS: return read_security_groups(x, doc);
	case KW_KIND_AWS_SECURITY_GROUP_RULES: return read_security_group_rules(x, doc);
	case KW_KIND_AWS_INSTANCES: return read_instances(x, doc);
	case KW_KIND_AWS_LAUNCH_TEMPLATES: return read_template_versions(x, doc);
	case KW_KIND_AWS_RUN_REQUEST: return read_run_request(x, doc);
	default:
		return fatal(x, "not an AWS export keyward reads (%s)", kw_cloud_kind_name(kind));
	}
}
