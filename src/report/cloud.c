/* cloud.c — see cloud.h. */
#include "report/cloud.h"

#include "base/cleanup.h"
#include "base/escape.h"
#include "checks/cloud.h"
#include "report/findings.h"
#include "report/jsonw.h"
#include "report/out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *tri_name(uint8_t t)
{
	switch (t) {
	case KW_TRI_FALSE: return "false";
	case KW_TRI_TRUE: return "true";
	case KW_TRI_UNKNOWN: return "unknown";
	default: return "absent";
	}
}

static const char *os_name(uint8_t os)
{
	return os == KW_OS_LINUX ? "linux" : os == KW_OS_WINDOWS ? "windows" : "unknown";
}

static const char *state_name(uint8_t s)
{
	return s == KW_EXPO_OPEN ? "open" : s == KW_EXPO_UNKNOWN ? "unknown" : "closed";
}

static const char *kind_name(uint8_t k)
{
	return k == KW_SUBJ_INSTANCE ? "instance" : k == KW_SUBJ_LAUNCH ? "launch" : "group";
}

static void put_esc(FILE *out, const char *s)
{
	_cleanup_free_ char *e = kw_escape_str(s ? s : "");
	fputs(e ? e : "?", out);
}

/* "tcp/22-22" style port text of a rule for --records */
static void rule_ports(const kw_cloud_rule *r, char *out, size_t cap)
{
	if (r->ports_unknown || r->proto == KW_PROTO_UNKNOWN)
		snprintf(out, cap, "unknown");
	else if ((r->proto != KW_PROTO_TCP && r->proto != KW_PROTO_UDP) ||
		 (r->port_lo == KW_PORT_ALL_LO && r->port_hi == KW_PORT_ALL_HI))
		snprintf(out, cap, "all");
	else
		snprintf(out, cap, "%u-%u", (unsigned)r->port_lo, (unsigned)r->port_hi);
}

static void rule_src(const kw_cloud_rule *r, char *out, size_t cap)
{
	switch (r->src) {
	case KW_SRC_CIDR: {
		char c[KW_CIDR_STRLEN];
		if (r->cidr.bits == 0)
			snprintf(c, sizeof c, "%s", r->cidr.a.fam == 6 ? "::/0" : "0.0.0.0/0");
		else if (kw_cidr_is_host(&r->cidr)) {
			char a[KW_ADDR_STRLEN];
			kw_addr_format(&r->cidr.a, a, sizeof a);
			snprintf(c, sizeof c, "%s/%u", a, (unsigned)r->cidr.bits);
		} else
			kw_cidr_format(&r->cidr, c, sizeof c);
		snprintf(out, cap, "%s", c);
		break;
	}
	case KW_SRC_GROUP: snprintf(out, cap, "group:%s", r->ref ? r->ref : "?"); break;
	case KW_SRC_PREFIX_LIST: snprintf(out, cap, "prefix-list:%s", r->ref ? r->ref : "?"); break;
	default: snprintf(out, cap, "unknown"); break;
	}
}

static void json_groups(kw_jw *w, const kw_cloud_model *m, const uint32_t *g, size_t n)
{
	kw_jw_arr(w, "groups");
	for (size_t i = 0; i < n; i++)
		kw_jw_strz(w, NULL, g[i] < m->n_groups ? m->groups[g[i]].id : "?");
	kw_jw_end(w);
}

/* one record: its line, then a fresh writer */
static int record_end(FILE *out, kw_jw *w)
{
	int rc = kw_jw_finish(w);
	if (rc >= 0 && (fwrite(w->sb.s, 1, w->sb.len, out) != w->sb.len || fputc('\n', out) == EOF))
		rc = -EIO;
	kw_sb_release(&w->sb);
	return rc;
}

int kw_cloud_render_records(FILE *out, const kw_cloud_model *m)
{
	kw_jw w;
	kw_jw_init(&w, NULL, 0);
	int err = 0;
#define FLUSH()                                       \
	do {                                          \
		if ((err = record_end(out, &w)) < 0)  \
			goto done;                    \
		kw_jw_init(&w, NULL, 0);              \
	} while (0)
	for (size_t i = 0; i < m->n_groups; i++) {
		const kw_cloud_group *g = &m->groups[i];
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "record", "group");
		kw_jw_strz(&w, "provider", kw_cloud_provider_name((kw_cloud_provider)g->provider));
		kw_jw_strz(&w, "id", g->id);
		kw_jw_strz(&w, "name", g->name);
		kw_jw_strz(&w, "vpc", g->vpc);
		kw_jw_bool(&w, "has_rules", g->has_rules);
		kw_jw_bool(&w, "partial", g->partial);
		kw_jw_bool(&w, "rules_unknown", g->rules_unknown);
		kw_jw_bool(&w, "enterprise", g->enterprise);
		kw_jw_bool(&w, "classic", g->classic);
		kw_jw_strz(&w, "origin", g->origin);
		kw_jw_end(&w);
		FLUSH();
	}
	for (size_t i = 0; i < m->n_rules; i++) {
		const kw_cloud_rule *r = &m->rules[i];
		char ports[24], src[KW_CIDR_STRLEN + 200];
		rule_ports(r, ports, sizeof ports);
		rule_src(r, src, sizeof src);
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "record", "rule");
		kw_jw_strz(&w, "provider", kw_cloud_provider_name((kw_cloud_provider)r->provider));
		kw_jw_strz(&w, "group", r->group < m->n_groups ? m->groups[r->group].id : "?");
		kw_jw_strz(&w, "dir", r->dir == KW_DIR_EGRESS ? "egress" : "ingress");
		kw_jw_strz(&w, "action", r->action == KW_ACT_DENY ? "deny" : "allow");
		kw_jw_strz(&w, "proto", kw_cloud_proto_name((kw_cloud_proto)r->proto));
		if (r->proto == KW_PROTO_OTHER)
			kw_jw_uint(&w, "proto_num", r->proto_num);
		kw_jw_strz(&w, "ports", ports);
		kw_jw_strz(&w, "src", src);
		kw_jw_uint(&w, "priority", r->priority);
		kw_jw_strz(&w, "id", r->id);
		kw_jw_strz(&w, "origin", r->origin);
		kw_jw_strz(&w, "unknown", r->why_unknown);
		kw_jw_end(&w);
		FLUSH();
	}
	for (size_t i = 0; i < m->n_instances; i++) {
		const kw_cloud_instance *x = &m->instances[i];
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "record", "instance");
		kw_jw_strz(&w, "provider", kw_cloud_provider_name((kw_cloud_provider)x->provider));
		kw_jw_strz(&w, "id", x->id);
		kw_jw_strz(&w, "name", x->name);
		kw_jw_strz(&w, "os", os_name(x->os));
		kw_jw_strz(&w, "public_ip", tri_name(x->public_ip));
		kw_jw_strz(&w, "public_why", x->public_why);
		json_groups(&w, m, x->groups, x->n_groups);
		kw_jw_bool(&w, "groups_unknown", x->groups_unknown);
		kw_jw_strz(&w, "origin", x->origin);
		kw_jw_end(&w);
		FLUSH();
	}
	for (size_t i = 0; i < m->n_launches; i++) {
		const kw_cloud_launch *l = &m->launches[i];
		static const char *const kinds[] = { "request", "template", "resource" };
		static const char *const hits[] = { "pwauth", "setpw", "winuser", "rootlogin" };
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "record", "launch");
		kw_jw_strz(&w, "provider", kw_cloud_provider_name((kw_cloud_provider)l->provider));
		kw_jw_strz(&w, "kind", l->kind < 3 ? kinds[l->kind] : "?");
		kw_jw_strz(&w, "name", l->name);
		kw_jw_strz(&w, "image", l->image);
		kw_jw_bool(&w, "custom_image", l->custom_image);
		kw_jw_strz(&w, "os", os_name(l->os));
		kw_jw_strz(&w, "password_inherit", tri_name(l->password_inherit));
		kw_jw_strz(&w, "password", tri_name(l->password));
		kw_jw_strz(&w, "key_pair", tri_name(l->key_pair));
		kw_jw_strz(&w, "public_ip", tri_name(l->public_ip));
		kw_jw_strz(&w, "user_data", tri_name(l->user_data));
		kw_jw_arr(&w, "user_data_hits");
		for (unsigned b = 0; b < 4; b++)
			if (l->ud_hits & (1u << b))
				kw_jw_strz(&w, NULL, hits[b]);
		kw_jw_end(&w);
		kw_jw_strz(&w, "user_data_why", l->ud_why);
		kw_jw_strz(&w, "template", l->template_ref);
		json_groups(&w, m, l->groups, l->n_groups);
		kw_jw_strz(&w, "origin", l->origin);
		kw_jw_end(&w);
		FLUSH();
	}
#undef FLUSH
done:
	kw_sb_release(&w.sb);
	return err < 0 ? err : kw_out_finish(out);
}

/* ---- the report ---- */

static void subject_ports(const kw_cloud_model *m, const kw_expo_subject *s, kw_sb *sb)
{
	for (size_t i = 0; i < s->n_open; i++) {
		const kw_expo_opening *o = &s->open[i];
		if (o->unknown)
			continue;
		const kw_cloud_rule *r = &m->rules[o->rule];
		const char *p = kw_cloud_proto_name((kw_cloud_proto)r->proto);
		if (sb->len)
			kw_sb_puts(sb, ", ");
		if (r->proto != KW_PROTO_TCP && r->proto != KW_PROTO_UDP) {
			if (r->proto == KW_PROTO_OTHER && r->proto_num)
				kw_sb_printf(sb, "protocol %u", (unsigned)r->proto_num);
			else
				kw_sb_puts(sb, r->proto == KW_PROTO_ALL ? "all protocols" : p);
		} else {
			for (size_t k = 0; k < o->n_left; k++) {
				if (o->left[k].lo == o->left[k].hi)
					kw_sb_printf(sb, "%s%s/%u", k ? "," : "", p, (unsigned)o->left[k].lo);
				else
					kw_sb_printf(sb, "%s%s/%u-%u", k ? "," : "", p,
						     (unsigned)o->left[k].lo, (unsigned)o->left[k].hi);
			}
			if (o->more_left)
				kw_sb_puts(sb, ",...");
		}
		kw_sb_puts(sb, o->fam == 6 ? " (v6)" : " (v4)");
	}
}

static bool subject_interesting(const kw_expo_subject *s)
{
	if (s->n_open)
		return true;
	for (int v = 0; v < KW_SVC__COUNT; v++)
		for (int f = 0; f < 2; f++)
			if (s->pt[v][f].state != KW_EXPO_CLOSED)
				return true;
	return false;
}

int kw_cloud_render_text(FILE *out, const kw_cloud_report *r)
{
	const kw_cloud_model *m = r->m;
	fprintf(out, "keyward %s cloud  %s  profile %s\n", r->version, r->started, r->profile);
	for (size_t i = 0; i < m->n_inputs; i++) {
		fputs("  input  ", out);
		put_esc(out, m->inputs[i].file);
		fprintf(out, "  %s, %zu record%s\n", kw_cloud_kind_name((kw_cloud_kind)m->inputs[i].kind),
			m->inputs[i].records, m->inputs[i].records == 1 ? "" : "s");
	}
	size_t with_rules = 0;
	for (size_t i = 0; i < m->n_groups; i++)
		with_rules += m->groups[i].has_rules;
	fprintf(out, "  %zu group%s (%zu with rules), %zu rule%s, %zu instance%s, %zu launch%s\n",
		m->n_groups, m->n_groups == 1 ? "" : "s", with_rules, m->n_rules,
		m->n_rules == 1 ? "" : "s", m->n_instances, m->n_instances == 1 ? "" : "s",
		m->n_launches, m->n_launches == 1 ? "" : "es");
	if (r->diags && r->diags->n) {
		fprintf(out, "\nproblems in the inputs: %zu\n", r->diags->n);
		for (size_t i = 0; i < r->diags->n; i++) {
			fputs("  ", out);
			put_esc(out, r->diags->v[i].file);
			fputs(": ", out);
			put_esc(out, r->diags->v[i].msg);
			fputc('\n', out);
		}
	}
	size_t shown = 0;
	for (size_t i = 0; i < r->e->n; i++) {
		const kw_expo_subject *s = &r->e->v[i];
		if (!subject_interesting(s))
			continue;
		if (!shown++)
			fputs("\nopen to the whole internet by the rules (a public address is still needed):\n", out);
		char name[512];
		kw_cloud_subject_name(m, s, name, sizeof name);
		fprintf(out, "  %-8s ", kind_name(s->kind));
		put_esc(out, name);
		fputc('\n', out);
		for (int v = 0; v < KW_SVC__COUNT; v++) {
			if (s->pt[v][0].state == KW_EXPO_CLOSED && s->pt[v][1].state == KW_EXPO_CLOSED)
				continue;
			fprintf(out, "           %-10s IPv4 %s, IPv6 %s\n", kw_expo_svc_name((kw_expo_svc)v),
				state_name(s->pt[v][0].state), state_name(s->pt[v][1].state));
		}
		kw_sb sb = { 0 };
		subject_ports(m, s, &sb);
		if (sb.len) {
			fputs("           ports      ", out);
			put_esc(out, sb.s);
			fputc('\n', out);
		}
		kw_sb_release(&sb);
	}
	if (!shown)
		fputs("\nnothing is reachable from the whole internet\n", out);
	kw_findings_text(out, r->findings, true);
	return kw_out_finish(out);
}

int kw_cloud_render_json(FILE *out, const kw_cloud_report *r)
{
	const kw_cloud_model *m = r->m;
	kw_jw w;
	kw_jw_init(&w, out, 1);
	kw_jw_obj(&w, NULL);
	kw_jw_strz(&w, "format", "keyward-cloud");
	kw_jw_uint(&w, "version", 1);
	kw_jw_strz(&w, "keyward", r->version);
	kw_jw_strz(&w, "started", r->started);
	kw_jw_uint(&w, "ms", (uint64_t)(r->seconds * 1000.0));
	kw_jw_strz(&w, "profile", r->profile);
	kw_jw_arr(&w, "inputs");
	for (size_t i = 0; i < m->n_inputs; i++) {
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "file", m->inputs[i].file);
		kw_jw_strz(&w, "kind", kw_cloud_kind_name((kw_cloud_kind)m->inputs[i].kind));
		kw_jw_uint(&w, "records", m->inputs[i].records);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_obj(&w, "counts");
	kw_jw_uint(&w, "groups", m->n_groups);
	kw_jw_uint(&w, "rules", m->n_rules);
	kw_jw_uint(&w, "instances", m->n_instances);
	kw_jw_uint(&w, "launches", m->n_launches);
	kw_jw_end(&w);
	kw_jw_arr(&w, "problems");
	for (size_t i = 0; r->diags && i < r->diags->n; i++) {
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "file", r->diags->v[i].file);
		kw_jw_strz(&w, "message", r->diags->v[i].msg);
		kw_jw_bool(&w, "fatal", r->diags->v[i].fatal);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	static const char *const svc_keys[KW_SVC__COUNT] = { "ssh", "rdp", "rdp_udp" };
	kw_jw_arr(&w, "exposure");
	for (size_t i = 0; i < r->e->n; i++) {
		const kw_expo_subject *s = &r->e->v[i];
		if (!subject_interesting(s))
			continue;
		char name[512];
		kw_cloud_subject_name(m, s, name, sizeof name);
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "kind", kind_name(s->kind));
		kw_jw_strz(&w, "name", name);
		if (s->kind == KW_SUBJ_INSTANCE)
			kw_jw_strz(&w, "public_ip", tri_name(m->instances[s->index].public_ip));
		else if (s->kind == KW_SUBJ_LAUNCH)
			kw_jw_strz(&w, "public_ip", tri_name(m->launches[s->index].public_ip));
		kw_jw_bool(&w, "alone", s->alone);
		kw_jw_bool(&w, "partial", s->partial);
		for (int v = 0; v < KW_SVC__COUNT; v++) {
			kw_jw_obj(&w, svc_keys[v]);
			kw_jw_strz(&w, "ipv4", state_name(s->pt[v][0].state));
			kw_jw_strz(&w, "ipv6", state_name(s->pt[v][1].state));
			kw_jw_end(&w);
		}
		kw_jw_arr(&w, "openings");
		for (size_t k = 0; k < s->n_open; k++) {
			const kw_expo_opening *o = &s->open[k];
			const kw_cloud_rule *rule = &m->rules[o->rule];
			kw_jw_obj(&w, NULL);
			kw_jw_strz(&w, "proto", kw_cloud_proto_name((kw_cloud_proto)rule->proto));
			if (o->fam)
				kw_jw_uint(&w, "family", o->fam);
			else
				kw_jw_null(&w, "family");
			kw_jw_bool(&w, "unknown", o->unknown);
			kw_jw_bool(&w, "all_ports", o->all_ports);
			kw_jw_arr(&w, "ports");
			for (size_t q = 0; q < o->n_left; q++) {
				char t[16];
				snprintf(t, sizeof t, "%u-%u", (unsigned)o->left[q].lo, (unsigned)o->left[q].hi);
				kw_jw_strz(&w, NULL, t);
			}
			kw_jw_end(&w);
			kw_jw_bool(&w, "more_ports", o->more_left);
			kw_jw_uint(&w, "rules", o->n_union);
			kw_jw_strz(&w, "origin", rule->origin);
			kw_jw_end(&w);
		}
		kw_jw_end(&w);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_arr(&w, "findings");
	for (size_t i = 0; i < r->findings->n; i++)
		kw_finding_json(&w, &r->findings->v[i], true);
	kw_jw_end(&w);
	kw_jw_uint(&w, "exit_code", (uint64_t)r->exit_code);
	kw_jw_end(&w);
	int rc = kw_jw_finish(&w);
	return rc < 0 ? rc : kw_out_finish(out);
}
