/* readers.c — helpers the three cloud readers share (readers.h): typed getters with their
 * diagnostics, rule records from a permission's template, group lists, and the instance,
 * user data and launch template version records that aws.c and alibaba.c make alike.
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

/* ---- diagnostics ---- */

const char *kw_rd_jtype(const json_t *v)
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
static int rd_vdiag(kw_cloud_read_ctx *x, const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int rd_vdiag(kw_cloud_read_ctx *x, const char *key, const char *fmt, va_list ap)
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

int kw_rd_diag(kw_cloud_read_ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = rd_vdiag(x, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int kw_rd_diag_at(kw_cloud_read_ctx *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = rd_vdiag(x, key, fmt, ap);
	va_end(ap);
	return r;
}

/* The document cannot be read: a fatal diagnostic at the current pointer, KW_E_PARSE. */
int kw_rd_fatal(kw_cloud_read_ctx *x, const char *fmt, ...)
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

int kw_rd_get_str(kw_cloud_read_ctx *x, const json_t *o, const char *key, const char **ret)
{
	*ret = NULL;
	int r = kw_jget_str(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 && *ret ? KW_RD_GOT : (*ret = NULL, KW_RD_ABSENT);
	*ret = NULL;
	r = kw_rd_diag_at(x, key, "%s is %s, not a string", key, kw_rd_jtype(json_object_get(o, key)));
	return r < 0 ? r : KW_RD_BAD;
}

int kw_rd_get_int(kw_cloud_read_ctx *x, const json_t *o, const char *key, long long *ret)
{
	int r = kw_jget_int(o, key, -KW_RD_BIG, KW_RD_BIG, ret);
	if (r != KW_E_PARSE)
		return r > 0 ? KW_RD_GOT : KW_RD_ABSENT;
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		r = kw_rd_diag_at(x, key, "%s '%.64s' is not a number", key, json_string_value(v));
	else
		r = kw_rd_diag_at(x, key, "%s is %s, not a whole number", key, kw_rd_jtype(v));
	return r < 0 ? r : KW_RD_BAD;
}

int kw_rd_get_bool(kw_cloud_read_ctx *x, const json_t *o, const char *key, bool *ret)
{
	int r = kw_jget_bool(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 ? KW_RD_GOT : KW_RD_ABSENT;
	r = kw_rd_diag_at(x, key, "%s is %s, not true or false", key, kw_rd_jtype(json_object_get(o, key)));
	return r < 0 ? r : KW_RD_BAD;
}

/* an array or an object member: the getter, and the word for the message */
static int get_container(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret,
			 int (*get)(const json_t *, const char *, json_t **), const char *want)
{
	*ret = NULL;
	int r = get(o, key, ret);
	if (r != KW_E_PARSE)
		return r > 0 && *ret ? KW_RD_GOT : KW_RD_ABSENT;
	*ret = NULL;
	r = kw_rd_diag_at(x, key, "%s is %s, not %s", key, kw_rd_jtype(json_object_get(o, key)), want);
	return r < 0 ? r : KW_RD_BAD;
}

int kw_rd_get_arr(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret)
{
	return get_container(x, o, key, ret, kw_jget_array, "an array");
}

int kw_rd_get_obj(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret)
{
	return get_container(x, o, key, ret, kw_jget_object, "an object");
}

/* An arena copy of s (non-NULL) into *ret: 0 or -ENOMEM. */
int kw_rd_copy(kw_cloud_read_ctx *x, const char *s, const char **ret)
{
	*ret = kw_cloud_str(x->m, s);
	return *ret ? 0 : -ENOMEM;
}

/* ---- rules ---- */

/* Add one rule: the permission's template t with this source, at the current pointer. */
int kw_rd_emit(kw_cloud_read_ctx *x, const kw_cloud_rule *t, kw_cloud_src src, const kw_cidr *c,
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
int kw_rd_emit_unreadable(kw_cloud_read_ctx *x, kw_cloud_provider prov, uint32_t gi,
			  kw_cloud_dir dir, const char *why)
{
	kw_cloud_rule t = {
		.group = gi, .provider = (uint8_t)prov, .dir = (uint8_t)dir, .action = KW_ACT_ALLOW,
		.proto = KW_PROTO_UNKNOWN, .ports_unknown = true, .port_hi = KW_PORT_ALL_HI,
	};
	return kw_rd_emit(x, &t, KW_SRC_UNKNOWN, NULL, NULL, why);
}

/* A CIDR source; an unreadable one is a diagnostic and an unknown source, never dropped. */
int kw_rd_emit_cidr(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *text)
{
	kw_cidr c;
	if (kw_cloud_cidr_parse(text, &c) == 0)
		return kw_rd_emit(x, t, KW_SRC_CIDR, &c, NULL, NULL);
	int r = kw_rd_diag(x, "'%.64s' is not a CIDR: read as any source", text);
	if (r < 0)
		return r;
	const char *why = kw_cloud_strf(x->m, "unreadable CIDR '%.64s'", text);
	return why ? kw_rd_emit(x, t, KW_SRC_UNKNOWN, NULL, NULL, why) : -ENOMEM;
}

int kw_rd_emit_prefix_list(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id)
{
	const char *ref, *why;
	if (kw_rd_copy(x, id, &ref) < 0 ||
	    !(why = kw_cloud_strf(x->m, "prefix list %.128s is not resolved by the input", id)))
		return -ENOMEM;
	return kw_rd_emit(x, t, KW_SRC_PREFIX_LIST, NULL, ref, why);
}

int kw_rd_emit_group_ref(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id)
{
	const char *ref;
	if (kw_rd_copy(x, id, &ref) < 0)
		return -ENOMEM;
	return kw_rd_emit(x, t, KW_SRC_GROUP, NULL, ref, NULL);
}

/* IpProtocol into t: a string ("tcp", "-1", "50") or, leniently, a number. */
int kw_rd_read_proto(kw_cloud_read_ctx *x, const json_t *o, kw_cloud_rule *t)
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
		r = kw_rd_diag(x, "no IpProtocol: read as any protocol");
		t->why_unknown = "no IpProtocol";
	} else if (!s) {
		r = kw_rd_diag_at(x, key, "IpProtocol is %s, not a protocol: read as any protocol", kw_rd_jtype(v));
		t->why_unknown = "unreadable IpProtocol";
	} else if (kw_cloud_proto_parse(s, &proto, &n) < 0) {
		r = kw_rd_diag_at(x, key, "IpProtocol '%.32s' is not a protocol: read as any protocol", s);
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

/* ---- group lists of instances and launches ---- */

int kw_rd_gset_add(kw_cloud_read_ctx *x, kw_cloud_provider prov, kw_rd_gset *s, const char *id)
{
	uint32_t gi;
	int r = kw_cloud_group_get(x->m, prov, id, &gi);
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

int kw_rd_gset_add_array(kw_cloud_read_ctx *x, kw_cloud_provider prov, kw_rd_gset *s, const json_t *a,
			 const char *field)
{
	int r = 0;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		const json_t *e = json_array_get(a, i);
		const char *id = NULL;
		kw_jptr_idx(&x->ptr, i);
		if (json_is_string(e))
			id = json_string_value(e);
		else if (field && json_is_object(e))
			r = kw_rd_get_str(x, e, field, &id);
		else
			r = kw_rd_diag(x, "a group entry is %s: not read", kw_rd_jtype(e));
		if (r >= 0 && id && *id) {
			r = kw_rd_gset_add(x, prov, s, id);
		} else if (r >= 0 && !json_is_string(e)) {
			/* an entry without an id: some group is not known */
			s->unknown = true;
			if (r == KW_RD_ABSENT && field && json_is_object(e))
				r = kw_rd_diag(x, "a group entry without %s", field);
		}
		kw_jptr_pop(&x->ptr);
	}
	return r < 0 ? r : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Deduplicate (first-seen order for short lists, index order for long ones: no quadratic
 * work on a hostile list) and move into the arena. */
static int gset_finish(kw_cloud_read_ctx *x, kw_rd_gset *s, const uint32_t **ret, size_t *n)
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
int kw_rd_gset_done(kw_cloud_read_ctx *x, kw_rd_gset *s, int r, const uint32_t **ret, size_t *n)
{
	if (r >= 0)
		r = gset_finish(x, s, ret, n);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	return r;
}

/* ---- records ---- */

const char *kw_rd_first_ipv6(const json_t *a)
{
	for (size_t j = 0; j < json_array_size(a); j++) {
		const json_t *a6 = json_object_get(json_array_get(a, j), "Ipv6Address");
		if (json_is_string(a6) && *json_string_value(a6))
			return json_string_value(a6);
	}
	return NULL;
}

int kw_rd_instance_begin(kw_cloud_read_ctx *x, const json_t *in, const char **origin, const char **id)
{
	int r;
	if (!json_is_object(in))
		return (r = kw_rd_diag(x, "an instance is %s, not an object: skipped", kw_rd_jtype(in))) < 0 ? r : 1;
	if (!(*origin = kw_cloud_origin(x)))
		return -ENOMEM;
	if ((r = kw_rd_get_str(x, in, "InstanceId", id)) < 0)
		return r;
	if (!*id) {
		if (r == KW_RD_ABSENT && (r = kw_rd_diag(x, "no InstanceId: the instance is named by its place in the file")) < 0)
			return r;
		*id = *origin;
	}
	return 0;
}

int kw_rd_instance_add(kw_cloud_read_ctx *x, kw_rd_gset *gs, int r, kw_cloud_instance *t,
		       const char *id, const char *name, const char *v6, const char *v6_when)
{
	/* an IPv6 address alone: public or not depends on what the export does not show */
	if (r >= 0 && t->public_ip == KW_TRI_FALSE && v6) {
		t->public_ip = KW_TRI_UNKNOWN;
		t->public_why = kw_cloud_strf(x->m, "IPv6 address %.64s (public if %s)", v6, v6_when);
	}
	if (r >= 0 && t->public_ip != KW_TRI_FALSE && !t->public_why)
		r = -ENOMEM;
	t->groups_unknown = gs->unknown;
	if ((r = kw_rd_gset_done(x, gs, r, &t->groups, &t->n_groups)) < 0)
		return r;
	kw_cloud_instance *inst = kw_cloud_instance_add(x->m);
	if (!inst)
		return -ENOMEM;
	*inst = *t;
	if (kw_rd_copy(x, id, &inst->id) < 0 || (name && kw_rd_copy(x, name, &inst->name) < 0))
		return -ENOMEM;
	x->records++;
	return 0;
}

static int user_data(kw_cloud_read_ctx *x, kw_cloud_launch *l, const char *ud, bool ud_bad, bool b64)
{
	if (ud_bad) {
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = "UserData is not a string";
		return 0;
	}
	if (!ud)
		return 0;
	kw_jptr_key(&x->ptr, "UserData");
	int r = kw_userdata_judge(x->m, l, ud, strlen(ud), b64);
	kw_jptr_pop(&x->ptr);
	return r < 0 ? r : 0;
}

int kw_rd_launch_add(kw_cloud_read_ctx *x, kw_rd_gset *gs, int r, const kw_cloud_launch *t,
		     const char *image, const char *ud, bool ud_bad, bool b64)
{
	const uint32_t *groups = NULL;
	size_t n_groups = 0;
	if ((r = kw_rd_gset_done(x, gs, r, &groups, &n_groups)) < 0)
		return r;
	kw_cloud_launch *l = kw_cloud_launch_add(x->m);
	if (!l)
		return -ENOMEM;
	*l = *t;
	l->groups = groups;
	l->n_groups = n_groups;
	if (image && kw_rd_copy(x, image, &l->image) < 0)
		return -ENOMEM;
	x->records++;
	return user_data(x, l, ud, ud_bad, b64);
}

int kw_rd_template_versions(kw_cloud_read_ctx *x, const json_t *a, kw_rd_launch_fn read_launch)
{
	int r = 0;
	for (size_t i = 0; i < json_array_size(a) && r >= 0; i++) {
		const json_t *v = json_array_get(a, i);
		kw_jptr_idx(&x->ptr, i);
		const char *origin = kw_cloud_origin(x), *id, *name;
		long long ver = 0;
		int rv = KW_RD_ABSENT;
		json_t *data = NULL;
		if (!origin)
			r = -ENOMEM;
		else if (!json_is_object(v))
			r = kw_rd_diag(x, "a launch template version is %s, not an object: skipped",
				       kw_rd_jtype(v));
		else if ((r = kw_rd_get_str(x, v, "LaunchTemplateId", &id)) >= 0 &&
			 (r = kw_rd_get_str(x, v, "LaunchTemplateName", &name)) >= 0 &&
			 (r = rv = kw_rd_get_int(x, v, "VersionNumber", &ver)) >= 0 &&
			 (r = kw_rd_get_obj(x, v, "LaunchTemplateData", &data)) >= 0) {
			if (!id)
				id = name;
			const char *label = !id ? "launch template version"
				: rv == KW_RD_GOT ? kw_cloud_strf(x->m, "%s version %lld", id, ver)
						  : kw_cloud_str(x->m, id);
			if (!label)
				r = -ENOMEM;
			else if (r == KW_RD_GOT) {
				kw_jptr_key(&x->ptr, "LaunchTemplateData");
				r = read_launch(x, data, KW_LAUNCH_TEMPLATE, label, NULL, origin);
				kw_jptr_pop(&x->ptr);
			} else if (r == KW_RD_ABSENT) {
				r = kw_rd_diag(x, "a launch template version without LaunchTemplateData: skipped");
			}
		}
		kw_jptr_pop(&x->ptr);
	}
	return r < 0 ? r : 0;
}
