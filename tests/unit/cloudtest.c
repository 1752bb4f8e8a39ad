/* cloudtest.c — helpers the cloud reader tests share (cloudtest.h). */
#include "cloudtest.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

ct_fx *ct_load(const char *dir, const char *name)
{
	ct_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "%s%s", dir, name);
	f->rc = kw_cloud_load_file(&f->m, f->path, NULL, KW_CLOUD_ANY, &f->d);
	return f;
}

ct_fx *ct_load_text(const char *text)
{
	ct_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "mem.json");
	f->rc = kw_cloud_load_text(&f->m, "mem.json", text, strlen(text), NULL, KW_CLOUD_ANY, &f->d);
	return f;
}

void ct_done(ct_fx *f)
{
	kw_cloud_model_release(&f->m);
	kw_diags_release(&f->d);
	free(f);
}

void ct_no_diags(const ct_fx *f)
{
	for (size_t i = 0; i < f->d.n; i++)
		print_message("unexpected diagnostic: %s: %s\n", f->d.v[i].file ? f->d.v[i].file : "",
			      f->d.v[i].msg);
	assert_int_equal(f->d.n, 0);
	assert_int_equal(f->rc, 0);
}

const kw_diag *ct_diag_with(const ct_fx *f, const char *w1, const char *w2)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (strstr(f->d.v[i].msg, w1) && (!w2 || strstr(f->d.v[i].msg, w2)))
			return &f->d.v[i];
	for (size_t i = 0; i < f->d.n; i++)
		print_message("diagnostic: %s\n", f->d.v[i].msg);
	fail_msg("no diagnostic with '%s'%s%s", w1, w2 ? " and " : "", w2 ? w2 : "");
	return NULL;
}

bool ct_ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

const kw_cloud_rule *ct_rule_at(const ct_fx *f, const char *ptr)
{
	char want[1024];
	snprintf(want, sizeof want, "%s%s", f->path, ptr);
	const kw_cloud_rule *hit = NULL;
	for (size_t i = 0; i < f->m.n_rules; i++)
		if (f->m.rules[i].origin && !strcmp(f->m.rules[i].origin, want)) {
			if (hit)
				fail_msg("two rules at %s", want);
			hit = &f->m.rules[i];
		}
	if (!hit) {
		for (size_t i = 0; i < f->m.n_rules; i++)
			print_message("rule origin: %s\n", f->m.rules[i].origin);
		fail_msg("no rule at %s", want);
	}
	return hit;
}

const kw_cloud_group *ct_group(const ct_fx *f, kw_cloud_provider prov, const char *id)
{
	long g = kw_cloud_group_find(&f->m, prov, id);
	if (g < 0)
		fail_msg("no group %s", id);
	return &f->m.groups[g];
}

const char *ct_gid(const ct_fx *f, const kw_cloud_rule *r)
{
	assert_true(r->group < f->m.n_groups);
	return f->m.groups[r->group].id;
}

void ct_assert_cidr(const kw_cloud_rule *r, const char *want)
{
	char buf[KW_CIDR_STRLEN];
	assert_int_equal(r->src, KW_SRC_CIDR);
	if (!kw_cidr_format(&r->cidr, buf, sizeof buf))
		fail_msg("unformattable CIDR");
	if (strcmp(buf, want))
		fail_msg("CIDR %s, expected %s (origin %s)", buf, want, r->origin);
}

void ct_assert_ports(const kw_cloud_rule *r, unsigned lo, unsigned hi, bool unknown)
{
	if (r->port_lo != lo || r->port_hi != hi || r->ports_unknown != unknown)
		fail_msg("%s: ports %u-%u%s, expected %u-%u%s", r->origin, r->port_lo, r->port_hi,
			 r->ports_unknown ? " (unknown)" : "", lo, hi, unknown ? " (unknown)" : "");
}

const kw_cloud_instance *ct_instance(const ct_fx *f, const char *id)
{
	for (size_t i = 0; i < f->m.n_instances; i++)
		if (!strcmp(f->m.instances[i].id, id))
			return &f->m.instances[i];
	fail_msg("no instance %s", id);
	return NULL;
}

const char *ct_groups_of(const ct_fx *f, const uint32_t *g, size_t n, char *buf, size_t cap)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_true(g[i] < f->m.n_groups);
		k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? "," : "", f->m.groups[g[i]].id);
		assert_true(k < cap);
	}
	return buf;
}

void ct_no_secret(const ct_fx *f, const char *secret)
{
	for (size_t i = 0; i < f->m.n_launches; i++) {
		const kw_cloud_launch *l = &f->m.launches[i];
		const char *s[] = { l->ud_what, l->ud_why, l->name, l->image, l->template_ref, l->origin };
		for (size_t k = 0; k < sizeof s / sizeof *s; k++)
			if (s[k] && strstr(s[k], secret))
				fail_msg("the secret is in a launch field: %s", s[k]);
	}
	for (size_t i = 0; i < f->d.n; i++)
		assert_null(strstr(f->d.v[i].msg, secret));
}

double ct_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
