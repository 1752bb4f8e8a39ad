/* terraform.c — `terraform show -json` of a plan or of a state, read into the cloud model.
 *
 * Documents (Terraform's JSON output format, versions 0.x and 1.x; 0.1 is what Terraform
 * 0.12 to 0.15 wrote and has the same layout; a major version of 2 or more is refused):
 *   plan   resource_changes[].change.{actions, after, after_unknown, after_sensitive},
 *          planned_values.root_module{resources[], child_modules[]}, configuration,
 *          variables;
 *   state  values.root_module{resources[], child_modules[]};
 *   and, as a courtesy, the raw state file (terraform.tfstate, "version": 4:
 *          resources[].instances[].attributes), which `terraform show -json` turns into
 *          the above.
 * Every resource is read once: resource_changes first (actions ["delete"] and ["forget"]
 * skipped: the object will be gone or no longer managed), then those planned_values
 * resources that resource_changes did not list (a hand-made plan may have only these).
 *
 * Resources (one handler each): aws_security_group (inline ingress/egress),
 * aws_security_group_rule, aws_vpc_security_group_{ingress,egress}_rule,
 * alicloud_security_group (inline ingress/egress where a provider has them),
 * alicloud_security_group_rule; aws_instance, alicloud_instance, alicloud_ecs_instance
 * (an instance record and a launch record each); aws_launch_template,
 * alicloud_ecs_launch_template, alicloud_launch_template (launch records, kind
 * TEMPLATE) and alicloud_ess_scaling_configuration (a launch record, kind RESOURCE:
 * it creates machines).
 *
 * Two passes over the document. The first registers every security group resource under
 * its address ("module.net[0].aws_security_group.web"), its address without the last
 * index, its configuration key (all indexes stripped) and (AWS) its name. A group's id is
 * its planned "id" when known, else its address. The second pass reads rules, inline
 * rules, instances and launches; an attribute that names a group but is known only after
 * apply is resolved through the configuration block: the expression's references
 * ("aws_security_group.web.id"), the constants, module variables (the module call's
 * expression in the parent), root variables (their planned value) and module outputs,
 * at most TF_REF_HOPS hops and TF_REF_BUDGET steps. A bare "aws_security_group.g" next to
 * count.index or each.key means the instance with the referring resource's own index. A
 * rule whose group cannot be resolved (a data source, a local, a conditional) gets a
 * placeholder group of its own, "<rule address>.security_group_id" (see rule_group).
 *
 * planned_values leaves out what is known only after apply, so a resource read from
 * there alone has its missing security_group_id resolved like an unknown one; everything
 * else missing is read as absent (hand-written plans leave out what they do not use).
 * Only an unknown ingress makes a group rules_unknown (egress does not expose a machine).
 * model.have_instances is not set: a plan rarely lists every machine using its groups.
 *
 * Unknown values (after_unknown: true for an attribute, or per element of a list) are
 * never read as absent or safe: a source becomes KW_SRC_UNKNOWN, a protocol
 * KW_PROTO_UNKNOWN, ports ports_unknown, a setting KW_TRI_UNKNOWN, all with "known after
 * apply". One refinement, for attributes the provider marks Optional+Computed (AWS
 * key_name, the group list of an instance, inline ingress; Alibaba prefix_list_id,
 * internet_max_bandwidth_out ...): Terraform plans them as unknown even when the
 * configuration does not set them. When the configuration block is present and its
 * resource sets no such attribute, the value is taken as not set. Terraform leaves
 * `dynamic` blocks out of the configuration block, so a dynamic inline ingress over a
 * value unknown at plan time is not seen: that is the one blind spot, and its rules will
 * appear once the plan knows them.
 *
 * Values of the wrong type are diagnostics (never quoting the value: it may be a secret)
 * and the record is kept with that part unknown. Passwords are only ever set, absent or
 * unknown; names marked sensitive are kept as "(sensitive)". Nothing here does I/O;
 * pointers in origins are RFC 6901 into the document.
 */
#include "cloud/load.h"
#include "cloud/userdata.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/hash.h"
#include "base/vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TF_MODULE_DEPTH 64      /* child_modules / module_calls nesting read */
#define TF_REF_HOPS 16          /* reference resolution: variable/output hops */
#define TF_GROUPS_MAX 64        /* distinct groups on one instance or launch */
#define TF_REF_BUDGET 4096      /* references, chain entries and constants one resolution
				 * may visit (module calls can fan out) */
#define TF_WHY_APPLY "known after apply"
#define TF_WHY_BAD "unreadable in the input"


/* ------------------------------------------------------------------ multimap: string -> values */

typedef struct tf_slot {
	const char *k;          /* pool copy; NULL = empty */
	size_t n;
	uint64_t h;
	uint32_t head;          /* entry index + 1 */
} tf_slot;

typedef struct tf_ent {
	uint32_t val;
	uint32_t next;          /* entry index + 1, 0 = end */
} tf_ent;

typedef struct tf_map {
	tf_slot *slot;
	size_t cap, used;
	tf_ent *ent;
	size_t n_ent, cap_ent;
} tf_map;

static void map_release(tf_map *m)
{
	free(m->slot);
	free(m->ent);
	*m = (tf_map){ 0 };
}

static uint64_t map_hash(uint64_t seed, const char *k, size_t n)
{
	return kw_hash_mix(kw_fnv1a(seed, k, n));
}

static tf_slot *map_probe(const tf_map *m, uint64_t h, const char *k, size_t n)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		tf_slot *s = &m->slot[i];
		if (!s->k || (s->h == h && s->n == n && memcmp(s->k, k, n) == 0))
			return s;
	}
}

static int map_grow(tf_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	tf_slot *ns = calloc(cap, sizeof *ns);
	if (!ns)
		return -ENOMEM;
	tf_map nm = { .slot = ns, .cap = cap };
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].k)
			*map_probe(&nm, m->slot[i].h, m->slot[i].k, m->slot[i].n) = m->slot[i];
	free(m->slot);
	m->slot = ns;
	m->cap = cap;
	return 0;
}

/* The first entry (index + 1) under key, or 0. */
static uint32_t map_find(const tf_map *m, uint64_t seed, const char *k, size_t n)
{
	if (!m->cap)
		return 0;
	const tf_slot *s = map_probe(m, map_hash(seed, k, n), k, n);
	return s->k ? s->head : 0;
}

static int map_add(tf_map *m, kw_arena *pool, uint64_t seed, const char *k, size_t n,
		   uint32_t val)
{
	if ((m->used + 1) * 2 > m->cap && map_grow(m) < 0)
		return -ENOMEM;
	if (m->n_ent >= UINT32_MAX - 1)
		return -ENOMEM;
	uint64_t h = map_hash(seed, k, n);
	tf_slot *s = map_probe(m, h, k, n);
	if (!s->k) {
		char *copy = kw_arena_strndup(pool, k, n);
		if (!copy)
			return -ENOMEM;
		*s = (tf_slot){ .k = copy, .n = n, .h = h };
		m->used++;
	}
	tf_ent *e = KW_VEC_PUSH(m->ent, m->n_ent, m->cap_ent);
	if (!e)
		return -ENOMEM;
	e->val = val;
	e->next = s->head;
	s->head = (uint32_t)m->n_ent;
	return 0;
}

/* ------------------------------------------------------------------ context */

typedef struct gvec {
	uint32_t *v;
	size_t n, cap;
	size_t max;             /* distinct groups kept at most */
	size_t budget;          /* work left for the resolution (TF_REF_BUDGET) */
	bool full;              /* max reached: the rest are not kept */
} gvec;

typedef struct tf {
	kw_cloud_read_ctx *x;
	kw_cloud_model *m;
	int pass;               /* 1: groups; 2: everything else */
	bool plan;
	bool depth_said;        /* the module depth diagnostic was given */
	const json_t *cfg_root; /* configuration.root_module, or NULL */
	const json_t *vars;     /* top-level "variables" of a plan, or NULL */
	uint64_t seed;
	kw_arena pool;
	tf_map seen;            /* addresses read from resource_changes */
	tf_map gaddr;           /* group resource address -> group */
	tf_map gbase;           /* address without its last index -> groups */
	tf_map gcfg;            /* configuration key (no indexes) -> groups */
	tf_map gname;           /* AWS group name -> groups */
	tf_map cfgres;          /* configuration key -> index in cfgv */
	const json_t **cfgv;
	size_t n_cfgv, cap_cfgv;
} tf;

typedef struct tf_res {
	const char *addr;       /* as Terraform prints it */
	size_t addr_len;
	size_t mod_len;         /* module instance prefix "module.a[0]." (0 at the root) */
	const char *type;
	kw_cloud_provider prov;
	const json_t *vals;     /* the attributes (object), or NULL when unreadable */
	const json_t *unk;      /* after_unknown (object or true), or NULL */
	const json_t *sens;     /* after_sensitive / sensitive_values, or NULL */
	const json_t *cfg;      /* configuration resource, or NULL */
	const char *why;        /* why an unknown is unknown */
	bool planned;           /* from a plan's planned_values, which leaves out what is
				 * known only after apply */
} tf_res;

/* ------------------------------------------------------------------ small helpers */

static void push_key(tf *t, const char *k)
{
	kw_jptr_key(&t->x->ptr, k);
}
static void push_idx(tf *t, size_t i)
{
	kw_jptr_idx(&t->x->ptr, i);
}
static void pop(tf *t)
{
	kw_jptr_pop(&t->x->ptr);
}

static const char *type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* A diagnostic at the current pointer (+ name when not NULL), in pass 2 only: pass 1 reads
 * the same resources. Messages never quote input values (one may be a secret). */
__attribute__((format(printf, 3, 4)))
static int diag(tf *t, const char *name, const char *fmt, ...)
{
	if (t->pass != 2)
		return 0;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (name)
		push_key(t, name);
	int rc = kw_cloud_diag(t->x, KW_E_PARSE, "%s", msg);
	if (name)
		pop(t);
	return rc;
}

enum { AV_ABSENT = 0, AV_VALUE, AV_UNKNOWN };

/* obj[name] under its unknown map unk (true: everything in it is unknown). JSON null and
 * "" are absent. */
static int av(const json_t *obj, const json_t *unk, const char *name, const json_t **v)
{
	*v = NULL;
	if (json_is_true(unk))
		return AV_UNKNOWN;
	const json_t *u = json_is_object(unk) ? json_object_get(unk, name) : NULL;
	if (json_is_true(u))
		return AV_UNKNOWN;
	const json_t *val = json_is_object(obj) ? json_object_get(obj, name) : NULL;
	if (!val || json_is_null(val) || (json_is_string(val) && json_string_length(val) == 0))
		return AV_ABSENT;
	*v = val;
	return AV_VALUE;
}

static const json_t *sub_unk(const json_t *unk, const char *name)
{
	if (json_is_true(unk))
		return unk;
	return json_is_object(unk) ? json_object_get(unk, name) : NULL;
}

static const json_t *elem_unk(const json_t *unk, size_t i)
{
	if (json_is_true(unk))
		return unk;
	return json_is_array(unk) ? json_array_get(unk, i) : NULL;
}

/* Does the configuration say the resource leaves name unset? (Only when it was given.) */
static bool cfg_unset(const tf_res *r, const char *name)
{
	if (!json_is_object(r->cfg))
		return false;
	const json_t *ex = json_object_get(r->cfg, "expressions");
	if (ex && !json_is_object(ex))
		return false;
	return !ex || !json_object_get(ex, name);
}

/* obj[name]; when obj is the resource's own values and computed is set, an unknown value
 * that the configuration does not set is taken as not set (see the header). */
static int get(const tf_res *r, const json_t *obj, const json_t *unk, const char *name,
	       bool computed, const json_t **v)
{
	int s = av(obj, unk, name, v);
	if (s == AV_UNKNOWN && computed && r->vals && obj == r->vals && cfg_unset(r, name))
		return AV_ABSENT;
	return s;
}

static int rattr(const tf_res *r, const char *name, bool computed, const json_t **v)
{
	return get(r, r->vals, r->unk, name, computed, v);
}

static bool sensitive(const tf_res *r, const char *name)
{
	if (json_is_true(r->sens))
		return true;
	return json_is_object(r->sens) && json_is_true(json_object_get(r->sens, name));
}

/* A string attribute copied into the arena: NULL when absent, unknown or not a string; a
 * sensitive value is never copied. *oom on ENOMEM. */
static const char *rstr(tf *t, const tf_res *r, const char *name, bool *oom)
{
	const json_t *v;
	if (rattr(r, name, false, &v) != AV_VALUE || !json_is_string(v))
		return NULL;
	if (sensitive(r, name))
		return "(sensitive)";
	const char *s = kw_cloud_strn(t->m, json_string_value(v), json_string_length(v));
	if (!s)
		*oom = true;
	return s;
}

/* Skip a bracket group at s[i] == '[' (quoted keys may hold ']' and escapes); returns the
 * index after its ']' (or n). */
static size_t skip_brackets(const char *s, size_t n, size_t i)
{
	bool q = false;
	for (i++; i < n; i++) {
		if (q) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				q = false;
		} else if (s[i] == '"') {
			q = true;
		} else if (s[i] == ']') {
			return i + 1;
		}
	}
	return n;
}

/* The end of the module segment "module.NAME[index]." starting at s[pos], or 0. */
static size_t seg_end(const char *s, size_t n, size_t pos)
{
	if (n - pos < 9 || memcmp(s + pos, "module.", 7) != 0)
		return 0;
	size_t i = pos + 7;
	while (i < n && s[i] != '.' && s[i] != '[')
		i++;
	if (i == pos + 7)
		return 0;
	if (i < n && s[i] == '[')
		i = skip_brackets(s, n, i);
	if (i >= n || s[i] != '.')
		return 0;
	return i + 1;
}

/* Length of the module instance prefix of an address ("module.a[0].module.b."). */
static size_t mod_prefix_len(const char *s, size_t n)
{
	size_t pos = 0;
	while (pos < n) {
		size_t e = seg_end(s, n, pos);
		if (!e)
			break;
		pos = e;
	}
	return pos;
}

/* Where the last module segment of a prefix starts. */
static size_t seg_last(const char *s, size_t n)
{
	size_t pos = 0, last = 0;
	while (pos < n) {
		size_t e = seg_end(s, n, pos);
		if (!e)
			break;
		last = pos;
		pos = e;
	}
	return last;
}

/* Copy s[0..n) without its bracket groups into out (room for n + 1); returns the length. */
static size_t strip_indexes(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '[') {
			i = skip_brackets(s, n, i);
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return o;
}

/* Length of s without a final bracket group. */
static size_t strip_last_index(const char *s, size_t n)
{
	size_t last = n;
	for (size_t i = 0; i < n;) {
		if (s[i] == '[') {
			size_t e = skip_brackets(s, n, i);
			if (e == n)
				last = i;
			i = e;
		} else {
			i++;
		}
	}
	return last;
}

/* a + b + c, NUL-terminated, malloc'd. */
static char *cat(const char *a, size_t an, const char *b, size_t bn, const char *c, size_t cn)
{
	if (an > SIZE_MAX / 4 || bn > SIZE_MAX / 4 || cn > SIZE_MAX / 4)
		return NULL;
	char *s = malloc(an + bn + cn + 1);
	if (!s)
		return NULL;
	if (an)
		memcpy(s, a, an);
	if (bn)
		memcpy(s + an, b, bn);
	if (cn)
		memcpy(s + an + bn, c, cn);
	s[an + bn + cn] = '\0';
	return s;
}

static bool is_group_type(const char *type, size_t n)
{
	return (n == 18 && memcmp(type, "aws_security_group", 18) == 0) ||
	       (n == 23 && memcmp(type, "alicloud_security_group", 23) == 0);
}

static int gvec_add(gvec *g, uint32_t i)
{
	for (size_t k = 0; k < g->n; k++)
		if (g->v[k] == i)
			return 0;
	if (g->n >= g->max) {
		g->full = true;
		return 0;
	}
	uint32_t *p = KW_VEC_PUSH(g->v, g->n, g->cap);
	if (!p)
		return -ENOMEM;
	*p = i;
	return 0;
}

/* ------------------------------------------------------------------ configuration */

/* mod.module_calls[name[0..n)] */
static const json_t *cfg_module_call(const json_t *mod, const char *name, size_t n)
{
	const json_t *calls = json_is_object(mod) ? json_object_get(mod, "module_calls") : NULL;
	if (!json_is_object(calls))
		return NULL;
	const json_t *c = json_object_getn(calls, name, n);
	return json_is_object(c) ? c : NULL;
}

/* The configuration module at a module path "module.a.module.b." ("" = root); indexes in
 * the path are skipped. */
static const json_t *cfg_module(const tf *t, const char *path, size_t n)
{
	const json_t *mod = t->cfg_root;
	size_t pos = 0;
	for (unsigned depth = 0; mod && pos < n; depth++) {
		size_t e = seg_end(path, n, pos);
		if (!e || depth >= TF_MODULE_DEPTH)
			return NULL;
		size_t ne = pos + 7;
		while (ne < e && path[ne] != '.' && path[ne] != '[')
			ne++;
		const json_t *call = cfg_module_call(mod, path + pos + 7, ne - pos - 7);
		mod = call ? json_object_get(call, "module") : NULL;
		pos = e;
	}
	return json_is_object(mod) ? mod : NULL;
}

static int cfg_index(tf *t, const json_t *mod, const char *path, size_t plen, unsigned depth)
{
	if (!json_is_object(mod) || depth > TF_MODULE_DEPTH)
		return 0;
	const json_t *res = json_object_get(mod, "resources");
	size_t i;
	const json_t *r;
	if (json_is_array(res)) {
		json_array_foreach(res, i, r) {
			const json_t *a = json_object_get(r, "address");
			if (!json_is_string(a) || !json_is_object(r))
				continue;
			char *k = cat(path, plen, json_string_value(a), json_string_length(a), "", 0);
			if (!k)
				return -ENOMEM;
			const json_t **slot = KW_VEC_PUSH(t->cfgv, t->n_cfgv, t->cap_cfgv);
			int rc = slot ? map_add(&t->cfgres, &t->pool, t->seed, k, plen + json_string_length(a),
						(uint32_t)(t->n_cfgv - 1))
				      : -ENOMEM;
			free(k);
			if (rc < 0)
				return rc;
			*slot = r;
		}
	}
	const json_t *calls = json_object_get(mod, "module_calls");
	if (!json_is_object(calls))
		return 0;
	const char *name;
	json_t *call;
	json_object_foreach((json_t *)calls, name, call) {
		size_t nl = strlen(name);
		char *p = cat(path, plen, "module.", 7, name, nl);
		char *p2 = p ? cat(p, plen + 7 + nl, ".", 1, "", 0) : NULL;
		free(p);
		if (!p2)
			return -ENOMEM;
		int rc = cfg_index(t, json_object_get(call, "module"), p2, plen + 8 + nl, depth + 1);
		free(p2);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int cfg_find(const tf *t, const char *addr, size_t n, const json_t **ret)
{
	*ret = NULL;
	if (!t->n_cfgv)
		return 0;
	char *k = malloc(n + 1);
	if (!k)
		return -ENOMEM;
	size_t kn = strip_indexes(addr, n, k);
	uint32_t e = map_find(&t->cfgres, t->seed, k, kn);
	free(k);
	if (e)
		*ret = t->cfgv[t->cfgres.ent[e - 1].val];
	return 0;
}

/* ------------------------------------------------------------------ group references */

typedef struct refctx {
	const char *cfgpath;    /* "module.a.module.b." ("" = root); indexes are skipped */
	size_t cfglen;
	const char *inst;       /* the module instance prefix, as addresses print it */
	size_t instlen;
	const char *own_idx;    /* the referring resource's own index ("[3]", "[\"a\"]"), in
				 * its own module only; or NULL */
	size_t own_len;
	bool iter;              /* the expression uses count.index or each.key */
} refctx;

static int resolve_expr(tf *t, kw_cloud_provider p, const json_t *ex, const refctx *c,
			gvec *out, bool *unres, unsigned hops);

/* Every group of a map chain (within the budget: *unres when it runs out). */
static int add_chain(const tf_map *m, uint32_t e, gvec *out, bool *unres)
{
	for (; e && !out->full; e = m->ent[e - 1].next) {
		if (!out->budget) {
			*unres = true;
			return 0;
		}
		out->budget--;
		int rc = gvec_add(out, m->ent[e - 1].val);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Group ids in a constant (a string or a list of strings). */
static int add_const(tf *t, kw_cloud_provider p, const json_t *v, gvec *out, bool *unres)
{
	uint32_t gi;
	int rc;
	if (json_is_string(v)) {
		if (!json_string_length(v))
			return 0;
		if ((rc = kw_cloud_group_get(t->m, p, json_string_value(v), &gi)) < 0)
			return rc;
		return gvec_add(out, gi);
	}
	if (json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) {
			if (out->full)
				break;
			if (!out->budget) {
				*unres = true;
				break;
			}
			out->budget--;
			if (json_is_string(e) && json_string_length(e)) {
				if ((rc = kw_cloud_group_get(t->m, p, json_string_value(e), &gi)) < 0 ||
				    (rc = gvec_add(out, gi)) < 0)
					return rc;
			} else if (!json_is_null(e)) {
				*unres = true;
			}
		}
		return 0;
	}
	if (!json_is_null(v))
		*unres = true;
	return 0;
}

/* "var.NAME": a root variable's planned value, or what the parent's module call sets. */
static int resolve_var(tf *t, kw_cloud_provider p, const char *name, size_t nl, const refctx *c,
		       gvec *out, bool *unres, unsigned hops)
{
	if (!c->cfglen) {
		const json_t *v = json_is_object(t->vars) ? json_object_getn(t->vars, name, nl) : NULL;
		v = json_is_object(v) ? json_object_get(v, "value") : NULL;
		if (!v) {
			*unres = true;
			return 0;
		}
		return add_const(t, p, v, out, unres);
	}
	size_t last = seg_last(c->cfgpath, c->cfglen);
	size_t lasti = seg_last(c->inst, c->instlen);
	const json_t *parent = cfg_module(t, c->cfgpath, last);
	size_t ne = last + 7;
	while (ne < c->cfglen && c->cfgpath[ne] != '.' && c->cfgpath[ne] != '[')
		ne++;
	const json_t *call = cfg_module_call(parent, c->cfgpath + last + 7, ne - last - 7);
	const json_t *exprs = call ? json_object_get(call, "expressions") : NULL;
	const json_t *ex = json_is_object(exprs) ? json_object_getn(exprs, name, nl) : NULL;
	if (ex) {
		refctx pc = { c->cfgpath, last, c->inst, lasti, NULL, 0, false };
		return resolve_expr(t, p, ex, &pc, out, unres, hops + 1);
	}
	/* not set by the call: the variable's default */
	const json_t *mod = call ? json_object_get(call, "module") : NULL;
	const json_t *vs = json_is_object(mod) ? json_object_get(mod, "variables") : NULL;
	const json_t *vd = json_is_object(vs) ? json_object_getn(vs, name, nl) : NULL;
	const json_t *def = json_is_object(vd) ? json_object_get(vd, "default") : NULL;
	if (!def) {
		*unres = true;
		return 0;
	}
	return add_const(t, p, def, out, unres);
}

/* "module.NAME[index].OUTPUT...": the output's expression inside that module. */
static int resolve_output(tf *t, kw_cloud_provider p, const char *ref, size_t n, const refctx *c,
			  gvec *out, bool *unres, unsigned hops)
{
	size_t e = 7;
	while (e < n && ref[e] != '.' && ref[e] != '[')
		e++;
	size_t ne = e;
	if (e < n && ref[e] == '[')
		e = skip_brackets(ref, n, e);
	if (e >= n || ref[e] != '.')
		return 0;       /* the whole module object: its outputs are listed as well */
	size_t os = e + 1, oe = os;
	while (oe < n && ref[oe] != '.' && ref[oe] != '[')
		oe++;
	if (oe == os) {
		*unres = true;
		return 0;
	}
	char *cp = cat(c->cfgpath, c->cfglen, ref, ne, ".", 1);
	char *ip = cat(c->inst, c->instlen, ref, e, ".", 1);
	int rc = 0;
	if (!cp || !ip) {
		rc = -ENOMEM;
	} else {
		size_t cpl = c->cfglen + ne + 1, ipl = c->instlen + e + 1;
		const json_t *mod = cfg_module(t, cp, cpl);
		const json_t *outs = mod ? json_object_get(mod, "outputs") : NULL;
		const json_t *o = json_is_object(outs) ? json_object_getn(outs, ref + os, oe - os) : NULL;
		const json_t *ex = json_is_object(o) ? json_object_get(o, "expression") : NULL;
		if (!ex) {
			*unres = true;
		} else {
			refctx cc = { cp, cpl, ip, ipl, NULL, 0, false };
			rc = resolve_expr(t, p, ex, &cc, out, unres, hops + 1);
		}
	}
	free(cp);
	free(ip);
	return rc;
}

/* One reference ("aws_security_group.web.id", "var.sg", "module.net.sg_id", ...). */
static int resolve_ref(tf *t, kw_cloud_provider p, const char *ref, size_t n, const refctx *c,
		       gvec *out, bool *unres, unsigned hops)
{
#define PFX(s) (n >= sizeof(s) - 1 && memcmp(ref, s, sizeof(s) - 1) == 0)
	/* these never carry a group id */
	if (PFX("count.") || PFX("each.key") || PFX("path.") || PFX("terraform.") || PFX("self."))
		return 0;
	if (!out->budget) {
		*unres = true;
		return 0;
	}
	out->budget--;
	if (hops >= TF_REF_HOPS) {
		*unres = true;
		return 0;
	}
	if (PFX("var.")) {
		size_t e = 4;
		while (e < n && ref[e] != '.' && ref[e] != '[')
			e++;
		if (e == 4 || e < n) {  /* var.x.y, var.x["k"]: a part of a value */
			*unres = true;
			return 0;
		}
		return resolve_var(t, p, ref + 4, e - 4, c, out, unres, hops);
	}
	if (PFX("module."))
		return resolve_output(t, p, ref, n, c, out, unres, hops);
#undef PFX
	/* TYPE.NAME[index](.attr)*: a group in this plan */
	size_t te = 0;
	while (te < n && ref[te] != '.')
		te++;
	if (te >= n || !is_group_type(ref, te)) {
		*unres = true;  /* data sources, locals, each.value, other resources */
		return 0;
	}
	size_t ne = te + 1;
	while (ne < n && ref[ne] != '.' && ref[ne] != '[')
		ne++;
	size_t ie = ne;
	if (ie < n && ref[ie] == '[')
		ie = skip_brackets(ref, n, ie);
	/* 0: aws_security_group.g[count.index] / [each.key] in a resource of the same count
	 * or for_each (Terraform lists it as aws_security_group.g and count.index): the
	 * instance with the referring resource's own index; 1: that instance; 2: every
	 * instance of it in this module instance; 3: every instance of it in every instance
	 * of this module (a counted module) */
	char *k = cat(c->inst, c->instlen, ref, ie, "", 0);
	char *k0 = c->iter && ie == ne && c->own_len ? cat(c->inst, c->instlen, ref, ne, c->own_idx, c->own_len)
						       : NULL;
	char *k3 = cat(c->cfgpath, c->cfglen, ref, ne, "", 0);
	int rc = 0;
	if (!k || !k3 || (c->iter && ie == ne && c->own_len && !k0)) {
		rc = -ENOMEM;
	} else {
		uint32_t e;
		if (k0 && (e = map_find(&t->gaddr, t->seed, k0, c->instlen + ne + c->own_len)))
			rc = add_chain(&t->gaddr, e, out, unres);
		else if ((e = map_find(&t->gaddr, t->seed, k, c->instlen + ie)))
			rc = add_chain(&t->gaddr, e, out, unres);
		else if (ie == ne && (e = map_find(&t->gbase, t->seed, k, c->instlen + ie)))
			rc = add_chain(&t->gbase, e, out, unres);
		else if ((e = map_find(&t->gcfg, t->seed, k3, c->cfglen + ne)))
			rc = add_chain(&t->gcfg, e, out, unres);
		else
			*unres = true;
	}
	free(k);
	free(k0);
	free(k3);
	return rc;
}

/* Terraform lists aws_security_group.this["web"].id with its containers,
 * aws_security_group.this["web"] and aws_security_group.this: a reference without an index
 * is skipped when the same list has an indexed one of that resource (else every instance
 * of a counted resource would be taken). */
static bool ref_has_indexed(const json_t *refs, size_t i)
{
	const json_t *r = json_array_get(refs, i);
	const char *s = json_string_value(r);
	size_t n = json_string_length(r);
	if (memchr(s, '[', n) || json_array_size(refs) > 64)
		return false;
	size_t k;
	const json_t *o;
	json_array_foreach(refs, k, o) {
		if (k == i || !json_is_string(o))
			continue;
		const char *os = json_string_value(o);
		if (json_string_length(o) > n && memcmp(os, s, n) == 0 && os[n] == '[')
			return true;
	}
	return false;
}

static int resolve_expr(tf *t, kw_cloud_provider p, const json_t *ex, const refctx *c,
			gvec *out, bool *unres, unsigned hops)
{
	if (!json_is_object(ex)) {
		*unres = true;  /* a nested block's expressions: not followed */
		return 0;
	}
	const json_t *cv = json_object_get(ex, "constant_value");
	const json_t *refs = json_object_get(ex, "references");
	int rc;
	if (cv && (rc = add_const(t, p, cv, out, unres)) < 0)
		return rc;
	refctx cc = *c;
	cc.iter = false;
	if (json_is_array(refs) && c->own_len) {
		size_t i;
		const json_t *r;
		json_array_foreach(refs, i, r)
			if (json_is_string(r) && (strcmp(json_string_value(r), "count.index") == 0 ||
						  strcmp(json_string_value(r), "each.key") == 0))
				cc.iter = true;
	}
	c = &cc;
	if (json_is_array(refs)) {
		size_t i;
		const json_t *r;
		json_array_foreach(refs, i, r) {
			if (!json_is_string(r)) {
				*unres = true;
				continue;
			}
			if (ref_has_indexed(refs, i))
				continue;
			rc = resolve_ref(t, p, json_string_value(r), json_string_length(r), c, out,
					 unres, hops);
			if (rc < 0)
				return rc;
		}
	} else if (refs || !cv) {
		*unres = true;  /* a function of nothing known (file(), timestamp()) */
	}
	return 0;
}

/* The groups the configuration's expression for attribute name points at. */
static int cfg_groups(tf *t, const tf_res *r, const char *name, gvec *out, bool *unres)
{
	const json_t *ex = json_is_object(r->cfg) ? json_object_get(r->cfg, "expressions") : NULL;
	ex = json_is_object(ex) ? json_object_get(ex, name) : NULL;
	if (!ex) {
		*unres = true;
		return 0;
	}
	char *cp = malloc(r->mod_len + 1);
	if (!cp)
		return -ENOMEM;
	size_t li = strip_last_index(r->addr, r->addr_len);
	refctx c = { cp, strip_indexes(r->addr, r->mod_len, cp), r->addr, r->mod_len,
		     r->addr + li, r->addr_len - li, false };
	out->budget = TF_REF_BUDGET;
	int rc = resolve_expr(t, r->prov, ex, &c, out, unres, 0);
	free(cp);
	return rc;
}

/* The one group an unknown attribute names, if the configuration tells: 1 and *gi, or 0. */
static int cfg_group1(tf *t, const tf_res *r, const char *name, uint32_t *gi)
{
	gvec g = { .max = 2 };
	bool unres = false;
	int rc = cfg_groups(t, r, name, &g, &unres);
	if (rc >= 0) {
		rc = !unres && !g.full && g.n == 1;
		if (rc)
			*gi = g.v[0];
	}
	free(g.v);
	return rc;
}

/* ------------------------------------------------------------------ rules */

typedef struct rbase {
	uint32_t group;
	uint8_t prov, dir, proto, action;
	bool ports_unknown;
	uint16_t proto_num, lo, hi, prio;
	const char *id;         /* the rule's own id (sgr-...), or NULL */
	const char *why;        /* why protocol or ports are unknown */
	const char *self_id;    /* the group's own id (self = true) */
} rbase;

enum { SK_CIDR, SK_PL, SK_GROUP };

/* One rule record at the current pointer. Returns 1 (one record) or -ENOMEM. */
static int emit(tf *t, const rbase *b, kw_cloud_src src, const kw_cidr *cidr, const char *ref,
		const char *why)
{
	const char *o = kw_cloud_origin(t->x);
	if (!o)
		return -ENOMEM;
	kw_cloud_rule *ru = kw_cloud_rule_add(t->m);
	if (!ru)
		return -ENOMEM;
	ru->group = b->group;
	ru->provider = b->prov;
	ru->dir = b->dir;
	ru->proto = b->proto;
	ru->action = b->action;
	ru->src = (uint8_t)src;
	ru->ports_unknown = b->ports_unknown;
	ru->proto_num = b->proto_num;
	ru->port_lo = b->lo;
	ru->port_hi = b->hi;
	ru->priority = b->prio;
	if (cidr)
		ru->cidr = *cidr;
	ru->ref = ref;
	ru->id = b->id;
	ru->origin = o;
	ru->why_unknown = why ? why : b->why;
	t->x->records++;
	return 1;
}

/* A source known only later (why). Whatever fills a group list is a group: never the
 * internet. */
static int src_unknown(tf *t, const rbase *b, int kind, const char *why)
{
	if (kind == SK_GROUP && strcmp(why, TF_WHY_APPLY) == 0)
		return emit(t, b, KW_SRC_GROUP, NULL, "(known after apply)", NULL);
	return emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, why);
}

/* One source value v at the current pointer. */
static int src_one(tf *t, const rbase *b, int kind, const json_t *v)
{
	int rc;
	if (!json_is_string(v) || !json_string_length(v)) {
		if ((rc = diag(t, NULL, "expected %s, got %s",
			       kind == SK_CIDR ? "a CIDR" : kind == SK_PL ? "a prefix list id" : "a group id",
			       json_is_string(v) ? "an empty string" : type_name(v))) < 0)
			return rc;
		return emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, TF_WHY_BAD);
	}
	const char *s = json_string_value(v);
	if (kind == SK_CIDR) {
		kw_cidr c;
		if (kw_cloud_cidr_parse(s, &c) < 0) {
			if ((rc = diag(t, NULL, "not an IP address or CIDR")) < 0)
				return rc;
			return emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, TF_WHY_BAD);
		}
		return emit(t, b, KW_SRC_CIDR, &c, NULL, NULL);
	}
	const char *ref = kw_cloud_strn(t->m, s, json_string_length(v));
	if (!ref)
		return -ENOMEM;
	if (kind == SK_GROUP)
		return emit(t, b, KW_SRC_GROUP, NULL, ref, NULL);
	const char *why = kw_cloud_strf(t->m, "prefix list %s is not resolved by the input", ref);
	if (!why)
		return -ENOMEM;
	return emit(t, b, KW_SRC_PREFIX_LIST, NULL, ref, why);
}

/* A list of sources obj[name]: the number of records, or -ENOMEM. */
static int src_list(tf *t, const tf_res *r, const rbase *b, const json_t *obj, const json_t *unk,
		    const char *name, int kind)
{
	const json_t *v;
	int s = get(r, obj, unk, name, false, &v);
	if (s == AV_ABSENT)
		return 0;
	push_key(t, name);
	int n = 0, rc = 0;
	if (s == AV_UNKNOWN) {
		n = src_unknown(t, b, kind, r->why);
	} else if (!json_is_array(v)) {
		if ((rc = diag(t, NULL, "expected a list, got %s", type_name(v))) >= 0)
			n = emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, TF_WHY_BAD);
	} else {
		const json_t *u = sub_unk(unk, name);
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) {
			push_idx(t, i);
			if (json_is_true(elem_unk(u, i)))
				rc = src_unknown(t, b, kind, r->why);
			else
				rc = src_one(t, b, kind, e);
			pop(t);
			if (rc < 0)
				break;
			n += rc;
		}
	}
	pop(t);
	return rc < 0 ? rc : n;
}

/* A single source attribute at the top level of a rule resource. computed: the provider
 * fills it in when unset (AWS source_security_group_id, Alibaba prefix_list_id): without
 * a configuration to say it is unset, its unknown value counts only when the rule has no
 * other source (*deferred). */
static int src_single(tf *t, const tf_res *r, const rbase *b, const json_t *obj,
		      const json_t *unk, const char *name, int kind, bool computed, int *deferred)
{
	const json_t *v;
	int s = get(r, obj, unk, name, computed, &v);
	if (s == AV_ABSENT)
		return 0;
	if (s == AV_UNKNOWN && computed && !r->cfg && obj == r->vals && r->vals) {
		(*deferred)++;
		return 0;
	}
	push_key(t, name);
	int rc;
	if (s == AV_VALUE) {
		rc = src_one(t, b, kind, v);
	} else if (kind == SK_GROUP && obj == r->vals) {
		uint32_t gi;
		rc = cfg_group1(t, r, name, &gi);
		if (rc > 0)
			rc = emit(t, b, KW_SRC_GROUP, NULL, t->m->groups[gi].id, NULL);
		else if (rc == 0)
			rc = src_unknown(t, b, kind, r->why);
	} else {
		rc = src_unknown(t, b, kind, r->why);
	}
	pop(t);
	return rc;
}

/* self = true: the group's own members. */
static int src_self(tf *t, const tf_res *r, const rbase *b, const json_t *obj, const json_t *unk)
{
	const json_t *v;
	int s = get(r, obj, unk, "self", false, &v);
	if (s == AV_ABSENT || (s == AV_VALUE && json_is_false(v)))
		return 0;
	push_key(t, "self");
	int rc = 0;
	if (s == AV_VALUE && !json_is_boolean(v))
		rc = diag(t, NULL, "expected a boolean, got %s", type_name(v));
	/* true, unknown or unreadable: at worst the group itself, never the internet */
	if (rc >= 0)
		rc = emit(t, b, KW_SRC_GROUP, NULL, b->self_id, NULL);
	pop(t);
	return rc;
}

/* The protocol in obj[name] (AWS "tcp", "6", "-1"; Alibaba "tcp", "all", "gre"). */
static int rule_proto(tf *t, const tf_res *r, const json_t *obj, const json_t *unk,
		      const char *name, rbase *b)
{
	const json_t *v;
	int s = get(r, obj, unk, name, false, &v);
	if (s == AV_UNKNOWN) {
		b->proto = KW_PROTO_UNKNOWN;
		b->ports_unknown = true;
		b->why = r->why;
		return 0;
	}
	char num[32];
	const char *str = NULL;
	if (s == AV_VALUE && json_is_string(v)) {
		str = json_string_value(v);
	} else if (s == AV_VALUE && json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		str = num;
	}
	kw_cloud_proto p;
	unsigned pn = 0;
	if (str && kw_cloud_proto_parse(str, &p, &pn) == 0) {
		b->proto = (uint8_t)p;
		b->proto_num = (uint16_t)(pn <= 255 ? pn : 0);
		return 0;
	}
	b->proto = KW_PROTO_UNKNOWN;
	b->ports_unknown = true;
	b->why = TF_WHY_BAD;
	if (s == AV_ABSENT)
		return diag(t, NULL, "no %s: the rule's protocol is unknown", name);
	if (str)
		return diag(t, name, "not a protocol name or number");
	return diag(t, name, "expected a protocol, got %s", type_name(v));
}

static bool has_ports(const rbase *b)
{
	return b->proto == KW_PROTO_TCP || b->proto == KW_PROTO_UDP;
}

/* AWS from_port / to_port (absent, null or -1: every port). */
static int aws_ports(tf *t, const tf_res *r, const json_t *obj, const json_t *unk, rbase *b)
{
	b->lo = KW_PORT_ALL_LO;
	b->hi = KW_PORT_ALL_HI;
	if (!has_ports(b))
		return 0;       /* every protocol, ICMP type/code, other protocols: all "ports" */
	static const char *const nm[2] = { "from_port", "to_port" };
	long long pv[2];
	for (int k = 0; k < 2; k++) {
		const json_t *v;
		int s = get(r, obj, unk, nm[k], false, &v);
		if (s == AV_UNKNOWN) {
			b->ports_unknown = true;
			b->why = r->why;
			return 0;
		}
		pv[k] = -1;
		if (s == AV_VALUE && kw_jget_int(obj, nm[k], -1, 65535, &pv[k]) != 1) {
			b->ports_unknown = true;
			b->why = TF_WHY_BAD;
			return diag(t, nm[k], "expected a port number -1..65535, got %s", type_name(v));
		}
	}
	if (pv[0] < 0 || pv[1] < 0)
		return 0;
	if (pv[0] > pv[1]) {
		b->ports_unknown = true;
		b->why = TF_WHY_BAD;
		return diag(t, "from_port", "from_port is above to_port");
	}
	b->lo = (uint16_t)pv[0];
	b->hi = (uint16_t)pv[1];
	return 0;
}

/* One number of an Alibaba port range: -1..65535. */
static bool port_num(const char *s, size_t n, long *ret)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i == n || n - i > 5)
		return false;
	long v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < -1 || v > 65535)
		return false;
	*ret = v;
	return true;
}

/* Alibaba port_range "22/22" ("-1/-1", the default: every port). */
static int ali_ports(tf *t, const tf_res *r, const json_t *obj, const json_t *unk, rbase *b)
{
	b->lo = KW_PORT_ALL_LO;
	b->hi = KW_PORT_ALL_HI;
	if (!has_ports(b))
		return 0;
	const json_t *v;
	int s = get(r, obj, unk, "port_range", false, &v);
	if (s == AV_UNKNOWN) {
		b->ports_unknown = true;
		b->why = r->why;
		return 0;
	}
	if (s == AV_ABSENT)
		return 0;
	long lo = 0, hi = 0;
	const char *p = json_is_string(v) ? json_string_value(v) : NULL;
	const char *slash = p ? memchr(p, '/', json_string_length(v)) : NULL;
	if (!slash || !port_num(p, (size_t)(slash - p), &lo) ||
	    !port_num(slash + 1, json_string_length(v) - (size_t)(slash - p) - 1, &hi) ||
	    (lo < 0) != (hi < 0) || lo > hi) {
		b->ports_unknown = true;
		b->why = TF_WHY_BAD;
		if (p)
			return diag(t, "port_range", "not a port range such as \"22/22\" or \"-1/-1\"");
		return diag(t, "port_range", "expected a string such as \"22/22\", got %s", type_name(v));
	}
	if (lo >= 0) {
		b->lo = (uint16_t)lo;
		b->hi = (uint16_t)hi;
	}
	return 0;
}

/* "ingress" / "egress" in obj[name]; unknown or unreadable reads as ingress (the side that
 * can expose a machine). */
static int rule_dir(tf *t, const tf_res *r, const json_t *obj, const json_t *unk,
		    const char *name, rbase *b)
{
	const json_t *v;
	int s = get(r, obj, unk, name, false, &v);
	b->dir = KW_DIR_INGRESS;
	if (s == AV_VALUE && json_is_string(v) && strcasecmp(json_string_value(v), "egress") == 0)
		b->dir = KW_DIR_EGRESS;
	else if (s == AV_ABSENT || (s == AV_VALUE && (!json_is_string(v) ||
						       strcasecmp(json_string_value(v), "ingress") != 0)))
		return diag(t, s == AV_ABSENT ? NULL : name,
			    "%s%sexpected \"ingress\" or \"egress\"; read as ingress",
			    s == AV_ABSENT ? name : "", s == AV_ABSENT ? ": " : "");
	return 0;
}

/* Alibaba policy (accept | drop, default accept) and priority (1..100, default 1). What
 * cannot be read is taken the way that exposes most: accept; an accept first (1), a drop
 * last (100). */
static int ali_action(tf *t, const tf_res *r, const json_t *obj, const json_t *unk, rbase *b)
{
	const json_t *v;
	int rc = 0;
	int s = get(r, obj, unk, "policy", false, &v);
	b->action = KW_ACT_ALLOW;
	if (s == AV_VALUE) {
		const char *p = json_is_string(v) ? json_string_value(v) : NULL;
		if (p && strcasecmp(p, "drop") == 0)
			b->action = KW_ACT_DENY;
		else if (!p || strcasecmp(p, "accept") != 0)
			rc = diag(t, "policy", "expected \"accept\" or \"drop\"; read as accept");
	}
	if (rc < 0)
		return rc;
	s = get(r, obj, unk, "priority", false, &v);
	long long pr = 1;
	if (s == AV_UNKNOWN) {
		pr = b->action == KW_ACT_DENY ? 100 : 1;
	} else if (s == AV_VALUE && kw_jget_int(obj, "priority", 1, 100, &pr) != 1) {
		pr = b->action == KW_ACT_DENY ? 100 : 1;
		rc = diag(t, "priority", "expected a priority 1..100, got %s; read as %lld",
			  type_name(v), pr);
	}
	b->prio = (uint16_t)pr;
	return rc;
}

/* The group a rule resource joins (security_group_id). Known: that id. Unknown until apply:
 * the group the configuration's expression names. Otherwise a placeholder group named
 * "<rule address>.security_group_id": the rule then still counts (its exposure is
 * reported, never dropped) and the address says where to look; rules_unknown on it says
 * that the real group has rules this input does not tie to it. */
static int rule_group(tf *t, const tf_res *r, rbase *b)
{
	const json_t *v;
	int s = rattr(r, "security_group_id", false, &v);
	uint32_t gi = 0;
	int rc = 0, found = 0;
	if (s == AV_VALUE && json_is_string(v)) {
		if ((rc = kw_cloud_group_get(t->m, r->prov, json_string_value(v), &gi)) < 0)
			return rc;
		found = 1;
	} else if ((s == AV_UNKNOWN && r->vals) ||
		   (s == AV_ABSENT && r->planned && !json_object_get(r->vals, "security_group_id"))) {
		if ((found = cfg_group1(t, r, "security_group_id", &gi)) < 0)
			return found;
	} else if (s == AV_VALUE) {
		rc = diag(t, "security_group_id", "expected a group id, got %s", type_name(v));
	} else if (s == AV_ABSENT) {
		rc = diag(t, NULL, "no security_group_id: the rule's group is unknown");
	}
	if (rc < 0)
		return rc;
	if (!found) {
		const char *id = kw_cloud_strf(t->m, "%s.security_group_id", r->addr);
		if (!id || (rc = kw_cloud_group_get(t->m, r->prov, id, &gi)) < 0)
			return id ? rc : -ENOMEM;
		kw_cloud_group *g = &t->m->groups[gi];
		g->rules_unknown = true;
		if (!g->origin && !(g->origin = kw_cloud_origin(t->x)))
			return -ENOMEM;
	}
	kw_cloud_group *g = &t->m->groups[gi];
	g->has_rules = true;
	if (!g->origin && !(g->origin = kw_cloud_origin(t->x)))
		return -ENOMEM;
	b->group = gi;
	b->self_id = g->id;
	return 0;
}

static rbase rbase_of(const tf_res *r)
{
	return (rbase){ .prov = (uint8_t)r->prov, .action = KW_ACT_ALLOW, .lo = KW_PORT_ALL_LO,
			.hi = KW_PORT_ALL_HI };
}

/* After all sources: a rule that named none is kept with an unknown source. */
static int no_source(tf *t, const tf_res *r, const rbase *b, int n, int deferred)
{
	if (n > 0)
		return 0;
	if (deferred)
		return emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, r->why);
	if (r->planned)
		return emit(t, b, KW_SRC_UNKNOWN, NULL, NULL,
			    "no source in planned_values: known only after apply");
	int rc = diag(t, NULL, "the rule names no source (CIDR, prefix list or group)");
	return rc < 0 ? rc : emit(t, b, KW_SRC_UNKNOWN, NULL, NULL, "the rule names no source");
}

#define ADD(expr)                             \
	do {                                  \
		int rc_ = (expr);             \
		if (rc_ < 0)                  \
			return rc_;           \
		n += rc_;                     \
	} while (0)
#define TRY(expr)                             \
	do {                                  \
		int rc_ = (expr);             \
		if (rc_ < 0)                  \
			return rc_;           \
	} while (0)

/* The body of an AWS rule in obj (inline ingress element or aws_security_group_rule). */
static int aws_rule_body(tf *t, const tf_res *r, rbase *b, const json_t *obj, const json_t *unk)
{
	int n = 0, deferred = 0;
	TRY(rule_proto(t, r, obj, unk, "protocol", b));
	TRY(aws_ports(t, r, obj, unk, b));
	ADD(src_list(t, r, b, obj, unk, "cidr_blocks", SK_CIDR));
	ADD(src_list(t, r, b, obj, unk, "ipv6_cidr_blocks", SK_CIDR));
	ADD(src_list(t, r, b, obj, unk, "prefix_list_ids", SK_PL));
	if (obj == r->vals)
		ADD(src_single(t, r, b, obj, unk, "source_security_group_id", SK_GROUP, true, &deferred));
	else
		ADD(src_list(t, r, b, obj, unk, "security_groups", SK_GROUP));
	ADD(src_self(t, r, b, obj, unk));
	return no_source(t, r, b, n, deferred);
}

/* The body of an Alibaba rule in obj (alicloud_security_group_rule, or an inline one). */
static int ali_rule_body(tf *t, const tf_res *r, rbase *b, const json_t *obj, const json_t *unk)
{
	int n = 0, deferred = 0;
	TRY(rule_proto(t, r, obj, unk, "ip_protocol", b));
	TRY(ali_ports(t, r, obj, unk, b));
	TRY(ali_action(t, r, obj, unk, b));
	ADD(src_single(t, r, b, obj, unk, "cidr_ip", SK_CIDR, false, &deferred));
	ADD(src_single(t, r, b, obj, unk, "ipv6_cidr_ip", SK_CIDR, false, &deferred));
	ADD(src_single(t, r, b, obj, unk, "source_security_group_id", SK_GROUP, false, &deferred));
	ADD(src_single(t, r, b, obj, unk, "prefix_list_id", SK_PL, true, &deferred));
	return no_source(t, r, b, n, deferred);
}

/* A rule whose element cannot be read at all: everything unknown. */
static int rule_unreadable(tf *t, const rbase *base, const char *why)
{
	rbase b = *base;
	b.proto = KW_PROTO_UNKNOWN;
	b.ports_unknown = true;
	b.lo = KW_PORT_ALL_LO;
	b.hi = KW_PORT_ALL_HI;
	b.why = why;
	return emit(t, &b, KW_SRC_UNKNOWN, NULL, NULL, why);
}

/* Inline rules of a group resource: values[name] (a list of rule objects). */
static int inline_rules(tf *t, const tf_res *r, uint32_t gi, const char *name, uint8_t dir,
			bool ali)
{
	const json_t *v;
	int s = rattr(r, name, true, &v);
	if (s != AV_VALUE)
		return 0;       /* unknown: the group is rules_unknown (pass 1) */
	push_key(t, name);
	int rc = 0;
	if (!json_is_array(v)) {
		t->m->groups[gi].rules_unknown = true;
		rc = diag(t, NULL, "expected a list of rules, got %s", type_name(v));
		rbase b = rbase_of(r);
		b.group = gi;
		b.dir = dir;
		if (rc >= 0)
			rc = rule_unreadable(t, &b, TF_WHY_BAD);
	} else {
		const json_t *u = sub_unk(r->unk, name);
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) {
			push_idx(t, i);
			const json_t *ue = elem_unk(u, i);
			rbase b = rbase_of(r);
			b.group = gi;
			b.dir = dir;
			b.self_id = t->m->groups[gi].id;
			if (!json_is_object(e) && !json_is_true(ue)) {
				rc = diag(t, NULL, "expected a rule object, got %s", type_name(e));
				if (rc >= 0)
					rc = rule_unreadable(t, &b, TF_WHY_BAD);
			} else {
				rc = ali ? ali_rule_body(t, r, &b, e, ue) : aws_rule_body(t, r, &b, e, ue);
			}
			pop(t);
			if (rc < 0)
				break;
		}
	}
	pop(t);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ resource handlers */

static uint32_t group_of(const tf *t, const tf_res *r)
{
	uint32_t e = map_find(&t->gaddr, t->seed, r->addr, r->addr_len);
	return e ? t->gaddr.ent[e - 1].val : UINT32_MAX;
}

/* Pass 1: the group itself, under every key a reference may use. */
static int group_register(tf *t, const tf_res *r)
{
	const json_t *v;
	const char *id = r->addr;
	if (rattr(r, "id", false, &v) == AV_VALUE && json_is_string(v))
		id = json_string_value(v);
	uint32_t gi;
	int rc = kw_cloud_group_get(t->m, r->prov, id, &gi);
	if (rc < 0)
		return rc;
	bool oom = false;
	bool ali = r->prov == KW_CLOUD_ALIBABA;
	const char *name = rstr(t, r, ali ? "security_group_name" : "name", &oom);
	if (!name && ali)
		name = rstr(t, r, "name", &oom);
	const char *vpc = rstr(t, r, "vpc_id", &oom);
	const char *o = kw_cloud_origin(t->x);
	if (oom || !o)
		return -ENOMEM;
	kw_cloud_group *g = &t->m->groups[gi];
	if (!g->has_rules || !g->origin)        /* a placeholder until now: this defines it */
		g->origin = o;
	g->has_rules = true;
	if (name && !g->name)
		g->name = name;
	if (vpc && !g->vpc)
		g->vpc = vpc;
	if (ali && rattr(r, "security_group_type", false, &v) == AV_VALUE && json_is_string(v) &&
	    strcasecmp(json_string_value(v), "enterprise") == 0)
		g->enterprise = true;
	/* ingress known only after apply (and set by the configuration, or no configuration
	 * to tell): its rules are unknown */
	if (rattr(r, "ingress", !ali, &v) == AV_UNKNOWN)
		g->rules_unknown = true;

	if ((rc = map_add(&t->gaddr, &t->pool, t->seed, r->addr, r->addr_len, gi)) < 0 ||
	    (rc = map_add(&t->gbase, &t->pool, t->seed, r->addr,
			  strip_last_index(r->addr, r->addr_len), gi)) < 0)
		return rc;
	char *k = malloc(r->addr_len + 1);
	if (!k)
		return -ENOMEM;
	rc = map_add(&t->gcfg, &t->pool, t->seed, k, strip_indexes(r->addr, r->addr_len, k), gi);
	free(k);
	if (rc >= 0 && !ali && name && !sensitive(r, "name"))
		rc = map_add(&t->gname, &t->pool, t->seed, name, strlen(name), gi);
	return rc < 0 ? rc : 0;
}

/* Pass 2: the group's inline rules. */
static int group_rules(tf *t, const tf_res *r)
{
	uint32_t gi = group_of(t, r);
	if (gi == UINT32_MAX)
		return 0;
	const json_t *v;
	int rc = 0;
	if (rattr(r, "id", false, &v) == AV_VALUE && !json_is_string(v))
		rc = diag(t, "id", "expected a group id, got %s; the group is named by its address",
			  type_name(v));
	bool ali = r->prov == KW_CLOUD_ALIBABA;
	if (rc >= 0)
		rc = inline_rules(t, r, gi, "ingress", KW_DIR_INGRESS, ali);
	if (rc >= 0)
		rc = inline_rules(t, r, gi, "egress", KW_DIR_EGRESS, ali);
	return rc;
}

/* A rule resource whose values cannot be read: one record, everything unknown. */
static int unreadable_rule(tf *t, const tf_res *r, rbase *b)
{
	TRY(rule_group(t, r, b));
	return rule_unreadable(t, b, r->why);
}

/* aws_security_group_rule and alicloud_security_group_rule: "type" is the direction. */
static int sg_rule(tf *t, const tf_res *r, bool ali)
{
	rbase b = rbase_of(r);
	bool oom = false;
	if (!r->vals)
		return unreadable_rule(t, r, &b);
	TRY(rule_dir(t, r, r->vals, r->unk, "type", &b));
	TRY(rule_group(t, r, &b));
	b.id = rstr(t, r, "security_group_rule_id", &oom);
	if (oom)
		return -ENOMEM;
	return ali ? ali_rule_body(t, r, &b, r->vals, r->unk) : aws_rule_body(t, r, &b, r->vals, r->unk);
}

static int aws_sg_rule(tf *t, const tf_res *r)
{
	return sg_rule(t, r, false);
}

static int aws_vpc_rule(tf *t, const tf_res *r, uint8_t dir)
{
	rbase b = rbase_of(r);
	bool oom = false;
	int n = 0, deferred = 0;
	b.dir = dir;
	if (!r->vals)
		return unreadable_rule(t, r, &b);
	TRY(rule_group(t, r, &b));
	b.id = rstr(t, r, "security_group_rule_id", &oom);
	if (oom)
		return -ENOMEM;
	TRY(rule_proto(t, r, r->vals, r->unk, "ip_protocol", &b));
	TRY(aws_ports(t, r, r->vals, r->unk, &b));
	ADD(src_single(t, r, &b, r->vals, r->unk, "cidr_ipv4", SK_CIDR, false, &deferred));
	ADD(src_single(t, r, &b, r->vals, r->unk, "cidr_ipv6", SK_CIDR, false, &deferred));
	ADD(src_single(t, r, &b, r->vals, r->unk, "prefix_list_id", SK_PL, false, &deferred));
	ADD(src_single(t, r, &b, r->vals, r->unk, "referenced_security_group_id", SK_GROUP, false,
		       &deferred));
	return no_source(t, r, &b, n, deferred);
}

static int aws_vpc_ingress(tf *t, const tf_res *r)
{
	return aws_vpc_rule(t, r, KW_DIR_INGRESS);
}

static int aws_vpc_egress(tf *t, const tf_res *r)
{
	return aws_vpc_rule(t, r, KW_DIR_EGRESS);
}

static int ali_sg_rule(tf *t, const tf_res *r)
{
	return sg_rule(t, r, true);
}

/* ------------------------------------------------------------------ instances and launches */

enum { UD_B64, UD_AUTO, UD_AWS };

typedef struct lspec {
	const char *type;
	uint8_t prov;
	uint8_t kind;                   /* kw_launch_kind */
	bool instance;                  /* also an instance record */
	const char *image;
	const char *key;
	const char *groups[2];          /* group id lists or single ids */
	const char *names;              /* AWS: group names */
	const char *nic;                /* network interface blocks */
	const char *nic_groups;         /* their group ids (list or single) */
	const char *ud;
	uint8_t ud_mode;
	const char *name;               /* the instance's name attribute */
} lspec;

static const lspec lspecs[] = {
	{ "aws_instance", KW_CLOUD_AWS, KW_LAUNCH_RESOURCE, true, "ami", "key_name",
	  { "vpc_security_group_ids", NULL }, "security_groups", NULL, NULL, "user_data", UD_AWS,
	  NULL },
	{ "aws_launch_template", KW_CLOUD_AWS, KW_LAUNCH_TEMPLATE, false, "image_id", "key_name",
	  { "vpc_security_group_ids", NULL }, "security_group_names", "network_interfaces",
	  "security_groups", "user_data", UD_B64, NULL },
	{ "alicloud_instance", KW_CLOUD_ALIBABA, KW_LAUNCH_RESOURCE, true, "image_id", "key_name",
	  { "security_groups", NULL }, NULL, "network_interfaces", "security_group_ids", "user_data",
	  UD_AUTO, "instance_name" },
	{ "alicloud_ecs_instance", KW_CLOUD_ALIBABA, KW_LAUNCH_RESOURCE, true, "image_id",
	  "key_pair_name", { "security_group_ids", NULL }, NULL, "network_interfaces",
	  "security_group_ids", "user_data", UD_AUTO, "instance_name" },
	{ "alicloud_ecs_launch_template", KW_CLOUD_ALIBABA, KW_LAUNCH_TEMPLATE, false, "image_id",
	  "key_pair_name", { "security_group_id", "security_group_ids" }, NULL, "network_interfaces",
	  "security_group_id", "user_data", UD_AUTO, NULL },
	{ "alicloud_launch_template", KW_CLOUD_ALIBABA, KW_LAUNCH_TEMPLATE, false, "image_id",
	  "key_pair_name", { "security_group_id", "security_group_ids" }, NULL, "network_interfaces",
	  "security_group_id", "user_data", UD_AUTO, NULL },
	{ "alicloud_ess_scaling_configuration", KW_CLOUD_ALIBABA, KW_LAUNCH_RESOURCE, false,
	  "image_id", "key_name", { "security_group_id", "security_group_ids" }, NULL,
	  "network_interfaces", "security_group_ids", "user_data", UD_AUTO, NULL },
};

/* A tri-state from a boolean attribute. */
static int tri_bool(tf *t, const tf_res *r, const json_t *obj, const json_t *unk,
		    const char *name, uint8_t *ret)
{
	const json_t *v;
	int s = get(r, obj, unk, name, false, &v);
	if (s == AV_UNKNOWN) {
		*ret = KW_TRI_UNKNOWN;
		return 0;
	}
	if (s == AV_ABSENT) {
		*ret = KW_TRI_ABSENT;
		return 0;
	}
	bool b;
	if (kw_jget_bool(obj, name, &b) == 1) {
		*ret = b ? KW_TRI_TRUE : KW_TRI_FALSE;
		return 0;
	}
	*ret = KW_TRI_UNKNOWN;
	return diag(t, name, "expected a boolean, got %s", type_name(v));
}

/* Is a value set (a non-empty string)? Secrets: only whether, never what. */
static int tri_set(tf *t, const tf_res *r, const char *name, uint8_t *ret)
{
	const json_t *v;
	int s = rattr(r, name, true, &v);
	*ret = s == AV_UNKNOWN ? KW_TRI_UNKNOWN : s == AV_ABSENT ? KW_TRI_ABSENT : KW_TRI_TRUE;
	if (s == AV_VALUE && !json_is_string(v)) {
		*ret = KW_TRI_UNKNOWN;
		return diag(t, name, "expected a string, got %s", type_name(v));
	}
	return 0;
}

/* Combine: TRUE wins, then UNKNOWN, then FALSE, then ABSENT. */
static uint8_t tri_or(uint8_t a, uint8_t b)
{
	static const uint8_t rank[] = { [KW_TRI_ABSENT] = 0, [KW_TRI_FALSE] = 1,
					[KW_TRI_UNKNOWN] = 2, [KW_TRI_TRUE] = 3 };
	return rank[a] >= rank[b] ? a : b;
}

typedef struct lctx {
	gvec g;
	bool groups_unknown;
	bool filled;            /* a group list the provider fills (default group) */
	bool had_ids;           /* an id list was given */
} lctx;

/* Group ids from one list-or-single value v at the current pointer (u: its unknown map). */
static int groups_value(tf *t, const tf_res *r, const json_t *v, const json_t *u, lctx *c,
			bool names, bool *elem_unknown)
{
	int rc;
	uint32_t gi;
	if (!json_is_string(v) && !json_is_array(v)) {
		c->groups_unknown = true;
		return diag(t, NULL, "expected a list of group ids, got %s", type_name(v));
	}
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		if (json_is_array(v) && json_is_true(elem_unk(u, i))) {
			*elem_unknown = true;
			continue;
		}
		if (!json_is_string(e) || !json_string_length(e)) {
			c->groups_unknown = true;
			if (json_is_array(v))
				push_idx(t, i);
			rc = diag(t, NULL, "expected a group id, got %s",
				  json_is_string(e) ? "an empty string" : type_name(e));
			if (json_is_array(v))
				pop(t);
			if (rc < 0)
				return rc;
			continue;
		}
		uint32_t ne = names ? map_find(&t->gname, t->seed, json_string_value(e),
					       json_string_length(e)) : 0;
		if (ne) {
			bool unres = false;
			c->g.budget = TF_REF_BUDGET;
			rc = add_chain(&t->gname, ne, &c->g, &unres);
		} else {
			rc = kw_cloud_group_get(t->m, r->prov, json_string_value(e), &gi);
			if (rc >= 0 && !t->m->groups[gi].origin &&
			    !(t->m->groups[gi].origin = kw_cloud_origin(t->x)))
				rc = -ENOMEM;
			if (rc >= 0)
				rc = gvec_add(&c->g, gi);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A top-level group attribute. */
static int groups_attr(tf *t, const tf_res *r, const char *name, lctx *c, bool names)
{
	const json_t *v;
	int s = rattr(r, name, false, &v);
	if (s == AV_UNKNOWN && r->vals && cfg_unset(r, name)) {
		c->filled = true;       /* the provider fills it in: the default group */
		return 0;
	}
	if (s == AV_ABSENT)
		return 0;
	if (!names)
		c->had_ids = true;
	bool elem_unknown = s == AV_UNKNOWN;
	int rc = 0;
	push_key(t, name);
	if (s == AV_VALUE)
		rc = groups_value(t, r, v, sub_unk(r->unk, name), c, names, &elem_unknown);
	if (rc >= 0 && elem_unknown) {
		bool unres = false;
		if (r->vals)
			rc = cfg_groups(t, r, name, &c->g, &unres);
		else
			unres = true;
		if (unres)
			c->groups_unknown = true;
	}
	pop(t);
	return rc;
}

/* Network interface blocks: their groups and associate_public_ip_address. */
static int nic_blocks(tf *t, const tf_res *r, const lspec *sp, lctx *c, uint8_t *pub)
{
	const json_t *v;
	int s = rattr(r, sp->nic, true, &v);
	if (s == AV_ABSENT)
		return 0;
	if (s == AV_UNKNOWN) {
		c->groups_unknown = true;
		return 0;
	}
	push_key(t, sp->nic);
	int rc = 0;
	if (!json_is_array(v)) {
		c->groups_unknown = true;
		rc = diag(t, NULL, "expected a list of network interfaces, got %s", type_name(v));
	} else {
		const json_t *u = sub_unk(r->unk, sp->nic);
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) {
			push_idx(t, i);
			const json_t *ue = elem_unk(u, i);
			if (!json_is_object(e) && !json_is_true(ue)) {
				c->groups_unknown = true;
				rc = diag(t, NULL, "expected a network interface object, got %s",
					  type_name(e));
			} else {
				const json_t *gv;
				int gs = get(r, e, ue, sp->nic_groups, false, &gv);
				if (gs == AV_UNKNOWN) {
					c->groups_unknown = true;
				} else if (gs == AV_VALUE) {
					bool eu = false;
					push_key(t, sp->nic_groups);
					rc = groups_value(t, r, gv, sub_unk(ue, sp->nic_groups), c, false, &eu);
					pop(t);
					if (eu)
						c->groups_unknown = true;
				}
				if (rc >= 0 && r->prov == KW_CLOUD_AWS) {
					uint8_t p;
					rc = tri_bool(t, r, e, ue, "associate_public_ip_address", &p);
					*pub = tri_or(*pub, p);
				}
			}
			pop(t);
			if (rc < 0)
				break;
		}
	}
	pop(t);
	return rc;
}

static bool hex40(const char *s, size_t n)
{
	if (n != 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int user_data(tf *t, const tf_res *r, const lspec *sp, kw_cloud_launch *l)
{
	const json_t *v;
	int s;
	if (sp->ud_mode == UD_AWS) {
		s = rattr(r, "user_data_base64", true, &v);
		if (s == AV_VALUE && json_is_string(v))
			return kw_userdata_judge(t->m, l, json_string_value(v), json_string_length(v), true);
		if (s == AV_UNKNOWN) {
			l->user_data = KW_TRI_UNKNOWN;
			l->ud_why = r->vals ? "user_data_base64 is known after apply" : r->why;
			return 0;
		}
		if (s == AV_VALUE) {
			l->user_data = KW_TRI_UNKNOWN;
			l->ud_why = TF_WHY_BAD;
			return diag(t, "user_data_base64", "expected a string, got %s", type_name(v));
		}
	}
	s = rattr(r, sp->ud, true, &v);
	if (s == AV_ABSENT)
		return 0;
	if (s == AV_UNKNOWN) {
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = r->vals ? "user data is known after apply" : r->why;
		return 0;
	}
	if (!json_is_string(v)) {
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = TF_WHY_BAD;
		return diag(t, sp->ud, "expected a string, got %s", type_name(v));
	}
	const char *text = json_string_value(v);
	size_t n = json_string_length(v);
	if (sp->ud_mode == UD_AWS && hex40(text, n)) {
		/* the AWS provider puts a SHA-1 of user_data in plans and states; a literal in
		 * the configuration still has the text */
		const json_t *ex = json_is_object(r->cfg) ? json_object_get(r->cfg, "expressions") : NULL;
		ex = json_is_object(ex) ? json_object_get(ex, sp->ud) : NULL;
		const json_t *cv = json_is_object(ex) ? json_object_get(ex, "constant_value") : NULL;
		if (json_is_string(cv))
			return kw_userdata_judge(t->m, l, json_string_value(cv), json_string_length(cv),
						 false);
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = "Terraform's JSON holds a SHA-1 hash of aws_instance user_data, not its "
			    "text (use user_data_base64, or give the plan with a literal user_data)";
		return 0;
	}
	/* Alibaba keeps user data as the user gave it: base64, or text it encodes itself */
	bool b64 = sp->ud_mode == UD_B64 || (sp->ud_mode == UD_AUTO && kw_userdata_looks_base64(text, n));
	return kw_userdata_judge(t->m, l, text, n, b64);
}

/* Public address: AWS associate_public_ip_address / public_ip; Alibaba
 * internet_max_bandwidth_out > 0, allocate_public_ip, public_ip. */
static int public_ip(tf *t, const tf_res *r, uint8_t *pub, const char **why)
{
	const json_t *v;
	uint8_t p;
	int rc;
	bool oom = false;
	const char *ip = rstr(t, r, "public_ip", &oom);
	if (oom)
		return -ENOMEM;
	if (ip) {
		*pub = KW_TRI_TRUE;
		*why = kw_cloud_strf(t->m, "public IP %s", ip);
		return *why ? 0 : -ENOMEM;
	}
	if (r->prov == KW_CLOUD_AWS) {
		/* unset: the subnet's default decides, which the plan does not say */
		if ((rc = tri_bool(t, r, r->vals, r->unk, "associate_public_ip_address", &p)) < 0)
			return rc;
		if (p == KW_TRI_TRUE)
			*why = "associate_public_ip_address true";
		*pub = tri_or(*pub, p);
		return 0;
	}
	if ((rc = tri_bool(t, r, r->vals, r->unk, "allocate_public_ip", &p)) < 0)
		return rc;
	if (p == KW_TRI_TRUE)
		*why = "allocate_public_ip true";
	*pub = tri_or(*pub, p);
	int s = rattr(r, "internet_max_bandwidth_out", true, &v);
	long long bw = 0;
	if (s == AV_UNKNOWN) {
		*pub = tri_or(*pub, KW_TRI_UNKNOWN);
	} else if (s == AV_VALUE) {
		if (kw_jget_int(r->vals, "internet_max_bandwidth_out", 0, 1000000, &bw) != 1) {
			*pub = tri_or(*pub, KW_TRI_UNKNOWN);
			return diag(t, "internet_max_bandwidth_out", "expected a bandwidth in Mbit/s, got %s",
				    type_name(v));
		}
		if (bw > 0 && *pub != KW_TRI_TRUE) {
			*why = kw_cloud_strf(t->m, "internet_max_bandwidth_out %lld", bw);
			if (!*why)
				return -ENOMEM;
		}
		*pub = tri_or(*pub, bw > 0 ? KW_TRI_TRUE : KW_TRI_FALSE);
	}
	return 0;
}

/* Alibaba public image ids say the system: "win2022_...", "ubuntu_22_04_...". */
static uint8_t ali_image_os(const char *img)
{
	static const char *const linux_pfx[] = { "ubuntu", "centos", "debian", "aliyun", "anolis",
						 "alinux", "rocky", "almalinux", "opensuse", "suse",
						 "fedora", "redhat", "rhel", "kylin", "uos" };
	if (!img)
		return KW_OS_UNKNOWN;
	if (strncasecmp(img, "win", 3) == 0)
		return KW_OS_WINDOWS;
	for (size_t i = 0; i < sizeof linux_pfx / sizeof *linux_pfx; i++)
		if (strncasecmp(img, linux_pfx[i], strlen(linux_pfx[i])) == 0)
			return KW_OS_LINUX;
	return KW_OS_UNKNOWN;
}

static int launch(tf *t, const tf_res *r, const lspec *sp)
{
	kw_cloud_launch l = { .provider = (uint8_t)r->prov, .kind = sp->kind };
	bool oom = false;
	int rc;
	const json_t *v;
	lctx c = { .g = { .max = TF_GROUPS_MAX } };

	l.name = kw_cloud_strn(t->m, r->addr, r->addr_len);
	l.origin = kw_cloud_origin(t->x);
	l.image = rstr(t, r, sp->image, &oom);
	if (!l.name || !l.origin || oom)
		return -ENOMEM;
	if ((rc = rattr(r, sp->image, false, &v)) == AV_VALUE && !json_is_string(v) &&
	    (rc = diag(t, sp->image, "expected an image id, got %s", type_name(v))) < 0)
		return rc;
	if (r->prov == KW_CLOUD_ALIBABA) {
		l.custom_image = l.image && strncmp(l.image, "m-", 2) == 0;
		const char *os = rstr(t, r, "os_type", &oom);
		l.os = os ? (strcasecmp(os, "windows") == 0 ? KW_OS_WINDOWS :
			     strcasecmp(os, "linux") == 0 ? KW_OS_LINUX : KW_OS_UNKNOWN)
			  : ali_image_os(l.image);
	}

	/* key pair; an AWS instance with a launch template may take the template's */
	if ((rc = tri_set(t, r, sp->key, &l.key_pair)) < 0)
		return rc;
	if (l.key_pair == KW_TRI_ABSENT && r->prov == KW_CLOUD_AWS && sp->instance) {
		int s = rattr(r, "launch_template", false, &v);
		if (s == AV_UNKNOWN || (s == AV_VALUE && (!json_is_array(v) || json_array_size(v))))
			l.key_pair = KW_TRI_UNKNOWN;
	}

	if (r->prov == KW_CLOUD_ALIBABA) {
		uint8_t a, b;
		if ((rc = tri_set(t, r, "password", &a)) < 0 ||
		    (rc = tri_set(t, r, "kms_encrypted_password", &b)) < 0)
			return rc;
		l.password = tri_or(a, b);
		if ((rc = tri_bool(t, r, r->vals, r->unk, "password_inherit", &l.password_inherit)) < 0)
			return rc;
		if (sp->instance) {     /* a template's own name is not a reference */
			const char *tr = rstr(t, r, "launch_template_id", &oom);
			if (!tr)
				tr = rstr(t, r, "launch_template_name", &oom);
			l.template_ref = tr;
		}
	} else if (sp->instance) {
		/* launch_template { id | name } */
		int s = rattr(r, "launch_template", false, &v);
		const json_t *lt = json_is_array(v) ? json_array_get(v, 0) : v;
		if (s == AV_VALUE && json_is_object(lt)) {
			const json_t *id = json_object_get(lt, "id");
			if (!json_is_string(id) || !json_string_length(id))
				id = json_object_get(lt, "name");
			if (json_is_string(id) && json_string_length(id))
				l.template_ref = kw_cloud_strn(t->m, json_string_value(id),
							       json_string_length(id));
		} else if (s == AV_UNKNOWN) {
			l.template_ref = "(known after apply)";
		}
	}
	if (oom)
		return -ENOMEM;

	/* public address */
	const char *pub_why = NULL;
	if (sp->kind != KW_LAUNCH_TEMPLATE || r->prov == KW_CLOUD_ALIBABA)
		if ((rc = public_ip(t, r, &l.public_ip, &pub_why)) < 0)
			return rc;

	/* groups */
	for (int i = 0; i < 2 && sp->groups[i]; i++)
		if ((rc = groups_attr(t, r, sp->groups[i], &c, false)) < 0)
			goto out;
	if (sp->names && !c.g.n && (rc = groups_attr(t, r, sp->names, &c, true)) < 0)
		goto out;
	if (sp->nic && (rc = nic_blocks(t, r, sp, &c, &l.public_ip)) < 0)
		goto out;
	if (c.filled && !c.g.n)
		c.groups_unknown = true;
	if (c.g.full)
		rc = diag(t, NULL, "more than %d groups: the rest are not read", TF_GROUPS_MAX);
	uint32_t *gidx = NULL;
	if (rc >= 0 && c.g.n && !(gidx = kw_cloud_idx_array(t->m, c.g.n)))
		rc = -ENOMEM;
	if (rc < 0)
		goto out;
	if (c.g.n)
		memcpy(gidx, c.g.v, c.g.n * sizeof *gidx);
	l.groups = gidx;
	l.n_groups = c.g.n;

	if ((rc = user_data(t, r, sp, &l)) < 0)
		goto out;

	if (sp->instance) {
		kw_cloud_instance in = { .provider = (uint8_t)r->prov, .os = l.os,
					 .public_ip = l.public_ip, .public_why = pub_why,
					 .origin = l.origin, .groups = gidx, .n_groups = c.g.n,
					 .groups_unknown = c.groups_unknown };
		in.id = rstr(t, r, "id", &oom);
		if (!in.id)
			in.id = l.name;
		if (sp->name) {
			in.name = rstr(t, r, sp->name, &oom);
		} else if (rattr(r, "tags", false, &v) == AV_VALUE && json_is_object(v) &&
			   !sensitive(r, "tags")) {
			const json_t *nm = json_object_get(v, "Name");
			if (json_is_string(nm) && json_string_length(nm) &&
			    !(in.name = kw_cloud_strn(t->m, json_string_value(nm), json_string_length(nm))))
				oom = true;
		}
		kw_cloud_instance *ip = oom ? NULL : kw_cloud_instance_add(t->m);
		if (!ip) {
			rc = -ENOMEM;
			goto out;
		}
		*ip = in;
		t->x->records++;
	}
	kw_cloud_launch *lp = kw_cloud_launch_add(t->m);
	if (!lp) {
		rc = -ENOMEM;
		goto out;
	}
	*lp = l;
	t->x->records++;
	rc = 0;
out:
	free(c.g.v);
	return rc;
}

/* ------------------------------------------------------------------ dispatch */

typedef int (*tf_fn)(tf *, const tf_res *);

static int launch_fn(tf *t, const tf_res *r);

static const struct tf_type {
	const char *type;
	uint8_t prov;
	bool group;             /* pass 1 registers it */
	tf_fn fn;               /* pass 2 */
} tf_types[] = {
	{ "aws_security_group", KW_CLOUD_AWS, true, group_rules },
	{ "aws_security_group_rule", KW_CLOUD_AWS, false, aws_sg_rule },
	{ "aws_vpc_security_group_ingress_rule", KW_CLOUD_AWS, false, aws_vpc_ingress },
	{ "aws_vpc_security_group_egress_rule", KW_CLOUD_AWS, false, aws_vpc_egress },
	{ "alicloud_security_group", KW_CLOUD_ALIBABA, true, group_rules },
	{ "alicloud_security_group_rule", KW_CLOUD_ALIBABA, false, ali_sg_rule },
	{ "aws_instance", KW_CLOUD_AWS, false, launch_fn },
	{ "aws_launch_template", KW_CLOUD_AWS, false, launch_fn },
	{ "alicloud_instance", KW_CLOUD_ALIBABA, false, launch_fn },
	{ "alicloud_ecs_instance", KW_CLOUD_ALIBABA, false, launch_fn },
	{ "alicloud_ecs_launch_template", KW_CLOUD_ALIBABA, false, launch_fn },
	{ "alicloud_launch_template", KW_CLOUD_ALIBABA, false, launch_fn },
	{ "alicloud_ess_scaling_configuration", KW_CLOUD_ALIBABA, false, launch_fn },
};

static int launch_fn(tf *t, const tf_res *r)
{
	for (size_t i = 0; i < sizeof lspecs / sizeof *lspecs; i++)
		if (strcmp(lspecs[i].type, r->type) == 0)
			return launch(t, r, &lspecs[i]);
	return 0;
}

static const struct tf_type *type_find(const char *type)
{
	if (strncmp(type, "aws_", 4) != 0 && strncmp(type, "alicloud_", 9) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof tf_types / sizeof *tf_types; i++)
		if (strcmp(tf_types[i].type, type) == 0)
			return &tf_types[i];
	return NULL;
}

/* Read one resource whose values are at the current pointer. */
static int handle(tf *t, const struct tf_type *ty, tf_res *r)
{
	r->prov = ty->prov;
	r->mod_len = mod_prefix_len(r->addr, r->addr_len);
	if (!r->vals) {
		r->unk = json_true();   /* everything unknown */
		if (!r->why)
			r->why = TF_WHY_BAD;
	}
	if (!r->why)
		r->why = TF_WHY_APPLY;
	if (t->pass == 1 && !ty->group)
		return 0;
	if (t->cfg_root) {
		int rc = cfg_find(t, r->addr, r->addr_len, &r->cfg);
		if (rc < 0)
			return rc;
	}
	if (t->pass == 1)
		return group_register(t, r);
	return ty->fn(t, r);
}

/* "TYPE.NAME[index]" with a module prefix, as Terraform prints it, for entries that carry
 * no address (raw state files, hand-made plans). */
static const char *make_addr(tf *t, const char *mod, const char *type, const char *name,
			     const json_t *index)
{
	char idx[64] = "";
	char *ks = NULL;
	if (json_is_integer(index)) {
		snprintf(idx, sizeof idx, "[%" JSON_INTEGER_FORMAT "]", json_integer_value(index));
	} else if (json_is_string(index)) {
		const char *k = json_string_value(index);
		size_t n = json_string_length(index), o = 0;
		if (n > SIZE_MAX / 2 - 8 || !(ks = malloc(2 * n + 5)))
			return NULL;
		ks[o++] = '[';
		ks[o++] = '"';
		for (size_t i = 0; i < n; i++) {
			if (k[i] == '"' || k[i] == '\\')
				ks[o++] = '\\';
			ks[o++] = k[i];
		}
		ks[o++] = '"';
		ks[o++] = ']';
		ks[o] = '\0';
	}
	const char *ix = ks ? ks : idx;
	size_t ml = mod ? strlen(mod) : 0, tl = strlen(type), nl = strlen(name), il = strlen(ix);
	char *a = cat(mod ? mod : "", ml, ml ? "." : "", ml ? 1 : 0, type, tl);
	char *b = a ? cat(a, ml + (ml ? 1 : 0) + tl, ".", 1, name, nl) : NULL;
	char *c = b ? cat(b, strlen(b), ix, il, "", 0) : NULL;
	const char *ret = c ? kw_arena_strndup(&t->pool, c, strlen(c)) : NULL;
	free(ks);
	free(a);
	free(b);
	free(c);
	return ret;
}

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

/* The type, if ours, of a managed resource entry. */
static const struct tf_type *entry_type(const json_t *e)
{
	const char *mode = jstr(e, "mode");
	if (mode && strcmp(mode, "managed") != 0)
		return NULL;    /* data sources: lookups, not what is created */
	const char *type = jstr(e, "type");
	return type ? type_find(type) : NULL;
}

static const char *entry_addr(tf *t, const json_t *e, const char *mod)
{
	const char *a = jstr(e, "address");
	if (a)
		return a;
	const char *type = jstr(e, "type"), *name = jstr(e, "name");
	if (!type || !name)
		return NULL;
	return make_addr(t, mod ? mod : jstr(e, "module_address"), type, name,
			 json_object_get(e, "index"));
}

static bool actions_is(const json_t *acts, const char *one)
{
	return json_is_array(acts) && json_array_size(acts) == 1 &&
	       json_is_string(json_array_get(acts, 0)) &&
	       strcmp(json_string_value(json_array_get(acts, 0)), one) == 0;
}

/* resource_changes[i] */
static int change_entry(tf *t, const json_t *e)
{
	if (!json_is_object(e))
		return diag(t, NULL, "expected a resource change object, got %s", type_name(e));
	const struct tf_type *ty = entry_type(e);
	if (!ty)
		return 0;
	tf_res r = { .type = ty->type };
	if (!(r.addr = entry_addr(t, e, NULL)))
		return diag(t, NULL, "a %s change without an address or name: not read", ty->type);
	r.addr_len = strlen(r.addr);
	const json_t *ch = json_object_get(e, "change");
	const json_t *acts = json_is_object(ch) ? json_object_get(ch, "actions") : NULL;
	if (t->pass == 1) {
		int rc = map_add(&t->seen, &t->pool, t->seed, r.addr, r.addr_len, 0);
		if (rc < 0)
			return rc;
	}
	/* going away: nothing of it remains (forget: it stays but is no longer managed here) */
	if (actions_is(acts, "delete") || actions_is(acts, "forget"))
		return 0;
	push_key(t, "change");
	int rc = 0;
	if (!json_is_object(ch)) {
		rc = diag(t, NULL, "expected a change object, got %s; %s read as unknown",
			  type_name(ch), r.addr);
	} else {
		r.vals = json_object_get(ch, "after");
		r.unk = json_object_get(ch, "after_unknown");
		r.sens = json_object_get(ch, "after_sensitive");
		if (!json_is_object(r.vals)) {
			rc = diag(t, "after", "expected the planned values (an object), got %s; %s read "
				  "as unknown", type_name(r.vals), r.addr);
			r.vals = NULL;
		}
	}
	push_key(t, "after");
	if (rc >= 0)
		rc = handle(t, ty, &r);
	pop(t);
	pop(t);
	return rc;
}

/* A resource of planned_values or of a state's values. */
static int values_entry(tf *t, const json_t *e, const char *mod)
{
	if (!json_is_object(e))
		return diag(t, NULL, "expected a resource object, got %s", type_name(e));
	const struct tf_type *ty = entry_type(e);
	if (!ty)
		return 0;
	tf_res r = { .type = ty->type };
	if (!(r.addr = entry_addr(t, e, mod)))
		return diag(t, NULL, "a %s resource without an address or name: not read", ty->type);
	r.addr_len = strlen(r.addr);
	if (t->plan && map_find(&t->seen, t->seed, r.addr, r.addr_len))
		return 0;       /* read from resource_changes */
	r.planned = t->plan;
	const json_t *v = json_object_get(e, "values");
	r.sens = json_object_get(e, "sensitive_values");
	int rc = 0;
	if (json_is_object(v)) {
		r.vals = v;
	} else if (!v && t->plan) {
		/* planned_values leaves out what is known only after apply */
		r.vals = NULL;
		r.why = TF_WHY_APPLY;
	} else {
		rc = diag(t, "values", "expected the resource's values (an object), got %s; %s read "
			  "as unknown", type_name(v), r.addr);
	}
	push_key(t, "values");
	if (rc >= 0)
		rc = handle(t, ty, &r);
	pop(t);
	return rc;
}

static int walk_module(tf *t, const json_t *mod, unsigned depth)
{
	if (!json_is_object(mod))
		return diag(t, NULL, "expected a module object, got %s", type_name(mod));
	if (depth > TF_MODULE_DEPTH) {
		if (t->depth_said)
			return 0;
		if (t->pass == 2)
			t->depth_said = true;
		return diag(t, NULL, "modules nested more than %d deep: not read", TF_MODULE_DEPTH);
	}
	const char *maddr = jstr(mod, "address");
	const json_t *res = json_object_get(mod, "resources");
	int rc = 0;
	size_t i;
	const json_t *e;
	if (res && !json_is_array(res))
		rc = diag(t, "resources", "expected a list, got %s", type_name(res));
	if (json_is_array(res)) {
		push_key(t, "resources");
		json_array_foreach(res, i, e) {
			push_idx(t, i);
			rc = values_entry(t, e, maddr);
			pop(t);
			if (rc < 0)
				break;
		}
		pop(t);
	}
	if (rc < 0)
		return rc;
	const json_t *kids = json_object_get(mod, "child_modules");
	if (kids && !json_is_array(kids))
		return diag(t, "child_modules", "expected a list, got %s", type_name(kids));
	if (json_is_array(kids)) {
		push_key(t, "child_modules");
		json_array_foreach(kids, i, e) {
			push_idx(t, i);
			rc = walk_module(t, e, depth + 1);
			pop(t);
			if (rc < 0)
				break;
		}
		pop(t);
	}
	return rc;
}

/* values.root_module / planned_values.root_module */
static int walk_root(tf *t, const json_t *doc, const char *top)
{
	const json_t *v = json_object_get(doc, top);
	if (!v || json_is_null(v))
		return 0;
	push_key(t, top);
	int rc = 0;
	if (!json_is_object(v)) {
		rc = diag(t, NULL, "expected an object, got %s", type_name(v));
	} else {
		const json_t *root = json_object_get(v, "root_module");
		if (root) {
			push_key(t, "root_module");
			rc = walk_module(t, root, 0);
			pop(t);
		}
	}
	pop(t);
	return rc;
}

static int walk_changes(tf *t, const json_t *doc)
{
	const json_t *rcs = json_object_get(doc, "resource_changes");
	if (!rcs || json_is_null(rcs))
		return 0;
	if (!json_is_array(rcs))
		return diag(t, "resource_changes", "expected a list, got %s", type_name(rcs));
	push_key(t, "resource_changes");
	int rc = 0;
	size_t i;
	const json_t *e;
	json_array_foreach(rcs, i, e) {
		push_idx(t, i);
		rc = change_entry(t, e);
		pop(t);
		if (rc < 0)
			break;
	}
	pop(t);
	return rc;
}

/* A raw state file (terraform.tfstate, version 4): resources[].instances[].attributes. */
static int walk_raw_state(tf *t, const json_t *doc)
{
	const json_t *res = json_object_get(doc, "resources");
	if (!json_is_array(res))
		return 0;
	push_key(t, "resources");
	int rc = 0;
	size_t i, j;
	const json_t *e, *in;
	json_array_foreach(res, i, e) {
		push_idx(t, i);
		const struct tf_type *ty = json_is_object(e) ? entry_type(e) : NULL;
		const json_t *insts = ty ? json_object_get(e, "instances") : NULL;
		const char *name = jstr(e, "name");
		if (!json_is_object(e))
			rc = diag(t, NULL, "expected a resource object, got %s", type_name(e));
		else if (ty && (!name || !json_is_array(insts)))
			rc = diag(t, NULL, "a %s resource without a name or instances: not read",
				  ty->type);
		if (rc >= 0 && ty && name && json_is_array(insts)) {
			push_key(t, "instances");
			json_array_foreach(insts, j, in) {
				push_idx(t, j);
				tf_res r = { .type = ty->type };
				r.addr = make_addr(t, jstr(e, "module"), ty->type, name,
						   json_object_get(in, "index_key"));
				if (!r.addr) {
					rc = -ENOMEM;
				} else {
					r.addr_len = strlen(r.addr);
					r.vals = json_object_get(in, "attributes");
					if (!json_is_object(r.vals)) {
						rc = diag(t, NULL, "no attributes object: %s read as unknown",
							  r.addr);
						r.vals = NULL;
					}
					push_key(t, "attributes");
					if (rc >= 0)
						rc = handle(t, ty, &r);
					pop(t);
				}
				pop(t);
				if (rc < 0)
					break;
			}
			pop(t);
		}
		pop(t);
		if (rc < 0)
			break;
	}
	pop(t);
	return rc;
}

/* ------------------------------------------------------------------ entry */

static int fatal(kw_cloud_read_ctx *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fatal(kw_cloud_read_ctx *x, int err, const char *fmt, ...)
{
	char msg[512], ptr[256] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (x->ptr.n)   /* one document of several (a top-level array) */
		kw_jptr_format(&x->ptr, NULL, ptr, sizeof ptr);
	int rc = kw_diags_add_fatal(x->d, x->file, 0, err, "%s%s%s", ptr, *ptr ? ": " : "", msg);
	return rc < 0 ? rc : err;
}

/* format_version "M.m": 0 and 1 are read (0.1 is Terraform 0.12-0.15's, the same layout). */
static int check_version(kw_cloud_read_ctx *x, const json_t *doc, bool *raw)
{
	const json_t *fv = json_object_get(doc, "format_version");
	*raw = false;
	if (!fv) {
		const json_t *ver = json_object_get(doc, "version");
		if (json_is_integer(ver) && json_is_array(json_object_get(doc, "resources"))) {
			if (json_integer_value(ver) != 4)
				return fatal(x, KW_E_UNSUPPORTED, "Terraform state file version %" JSON_INTEGER_FORMAT
					     " is not supported: keyward reads version 4 (or the output of "
					     "terraform show -json)", json_integer_value(ver));
			*raw = true;
			return 0;
		}
		return fatal(x, KW_E_PARSE, "no format_version: not the output of terraform show -json");
	}
	if (!json_is_string(fv))
		return fatal(x, KW_E_PARSE, "format_version: expected a string such as \"1.2\", got %s",
			     type_name(fv));
	const char *s = json_string_value(fv);
	size_t n = json_string_length(fv), i = 0;
	unsigned long major = 0;
	while (i < n && i < 9 && s[i] >= '0' && s[i] <= '9')
		major = major * 10 + (unsigned long)(s[i++] - '0');
	if (i == 0 || (i < n && s[i] != '.'))
		return fatal(x, KW_E_PARSE, "format_version \"%.32s\" is not a version number", s);
	if (major > 1)
		return fatal(x, KW_E_UNSUPPORTED,
			     "format_version \"%.32s\" is not supported: keyward reads Terraform's JSON "
			     "format 0.x and 1.x", s);
	return 0;
}

int kw_cloud_read_terraform(kw_cloud_read_ctx *x, kw_cloud_kind kind, const json_t *doc)
{
	if (!json_is_object(doc))
		return fatal(x, KW_E_PARSE, "a Terraform document must be a JSON object");
	if (kind != KW_KIND_TF_PLAN && kind != KW_KIND_TF_STATE)
		return fatal(x, KW_E_UNSUPPORTED, "%s is not a Terraform document",
			     kw_cloud_kind_name(kind));
	bool raw;
	int rc = check_version(x, doc, &raw);
	if (rc < 0)
		return rc;
	int local;
	tf t = { .x = x, .m = x->m, .plan = kind == KW_KIND_TF_PLAN && !raw };
	t.seed = kw_fnv1a(KW_FNV1A_INIT, &(uintptr_t){ (uintptr_t)&local }, sizeof(uintptr_t));
	if (t.plan) {
		const json_t *cfg = json_object_get(doc, "configuration");
		t.cfg_root = json_is_object(cfg) ? json_object_get(cfg, "root_module") : NULL;
		if (!json_is_object(t.cfg_root))
			t.cfg_root = NULL;
		t.vars = json_object_get(doc, "variables");
		if (t.cfg_root)
			rc = cfg_index(&t, t.cfg_root, "", 0, 0);
	}
	size_t depth0 = x->ptr.n;
	for (t.pass = 1; rc >= 0 && t.pass <= 2; t.pass++) {
		if (raw) {
			rc = walk_raw_state(&t, doc);
		} else if (t.plan) {
			rc = walk_changes(&t, doc);
			if (rc >= 0)
				rc = walk_root(&t, doc, "planned_values");
		} else {
			rc = walk_root(&t, doc, "values");
		}
		x->ptr.n = depth0;
	}
	map_release(&t.seen);
	map_release(&t.gaddr);
	map_release(&t.gbase);
	map_release(&t.gcfg);
	map_release(&t.gname);
	map_release(&t.cfgres);
	free(t.cfgv);
	kw_arena_release(&t.pool);
	return rc < 0 ? rc : 0;
}
