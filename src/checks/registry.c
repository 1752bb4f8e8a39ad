/* registry.c — the list of check areas, kw_emit, and the run loop. */
#include "checks/checks.h"

#include "base/cleanup.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kw_check_area *const areas[] = {
	&kw_area_accounts, &kw_area_keys, &kw_area_secrets, &kw_area_image, &kw_area_sudo,
	&kw_area_sshd, &kw_area_windows,
};

/* The areas that apply to a Windows system volume: its own, and those the collector
 * fills from the profile folders (keys, credentials, histories) and Win32-OpenSSH (host
 * keys). The others read Linux facts a Windows volume does not have. */
static bool area_applies(const kw_check_area *a, bool windows)
{
	static const char *const win_areas[] = { "windows", "keys", "secrets", "image" };
	if (!windows)
		return strcmp(a->name, "windows") != 0;
	for (size_t i = 0; i < KW_ARRAY_LEN(win_areas); i++)
		if (!strcmp(a->name, win_areas[i]))
			return true;
	return false;
}

#define KW_MAX_CHECKS 160
/* [0] every check, [1] a Linux target's, [2] a Windows volume's */
static const kw_check_def *defs_of[3][KW_MAX_CHECKS];
static size_t n_defs_of[3];

static const kw_check_def *const *list(int which, size_t *ret_n)
{
	if (!n_defs_of[which]) {
		for (size_t a = 0; a < KW_ARRAY_LEN(areas); a++) {
			if (which && !area_applies(areas[a], which == 2))
				continue;
			for (size_t i = 0; i < areas[a]->n_defs && n_defs_of[which] < KW_MAX_CHECKS; i++)
				defs_of[which][n_defs_of[which]++] = &areas[a]->defs[i];
		}
	}
	*ret_n = n_defs_of[which];
	return defs_of[which];
}

const kw_check_def *const *kw_checks_all(size_t *ret_n) { return list(0, ret_n); }

const kw_check_def *const *kw_checks_for(bool windows, size_t *ret_n)
{
	return list(windows ? 2 : 1, ret_n);
}

const kw_check_def *kw_check_find(const char *id)
{
	size_t n;
	const kw_check_def *const *all = kw_checks_all(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->id, id))
			return all[i];
	return NULL;
}

/* dflt: the severity when the profile sets none; cap: the highest it may be */
__attribute__((format(printf, 9, 0)))
static void emitv(kw_check_ctx *x, const kw_check_def *c, kw_severity dflt, kw_severity cap,
		  const char *target, const char *path, unsigned line, const char *account,
		  const char *fmt, va_list ap)
{
	if (x->err || !kw_profile_enabled(x->p, c))
		return;
	_cleanup_free_ char *ev = NULL;
	if (vasprintf(&ev, fmt, ap) < 0) {
		x->err = -ENOMEM;
		return;
	}
	int r = kw_findings_add(x->out, c, target ? target : "", path, line, account, "%s", ev);
	if (r < 0) {
		x->err = r;
		return;
	}
	kw_severity s = kw_profile_severity_or(x->p, c, dflt);
	x->out->v[x->out->n - 1].severity = s < cap ? s : cap;
}

void kw_emit(kw_check_ctx *x, const kw_check_def *c, const char *target, const char *path,
	     unsigned line, const char *account, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emitv(x, c, c->severity, KW_SEV_CRITICAL, target, path, line, account, fmt, ap);
	va_end(ap);
}

void kw_emit_capped(kw_check_ctx *x, const kw_check_def *c, kw_severity cap, const char *target,
		    const char *path, unsigned line, const char *account, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emitv(x, c, c->severity, cap, target, path, line, account, fmt, ap);
	va_end(ap);
}

void kw_emit_default(kw_check_ctx *x, const kw_check_def *c, kw_severity dflt, const char *target,
		     const char *path, unsigned line, const char *account, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emitv(x, c, dflt, KW_SEV_CRITICAL, target, path, line, account, fmt, ap);
	va_end(ap);
}

uint32_t kw_checks_uid_min(const kw_check_ctx *x)
{
	return x->p->uid_min ? x->p->uid_min : x->f->logindefs.uid_min;
}

uint32_t kw_checks_uid_max(const kw_check_ctx *x)
{
	return x->p->uid_max ? x->p->uid_max : x->f->logindefs.uid_max;
}

int kw_checks_run(const kw_facts *f, const kw_profile *p, kw_findings *out, size_t *ret_run)
{
	kw_check_ctx x = { .f = f, .p = p, .out = out };
	size_t run = 0;
	for (size_t a = 0; a < KW_ARRAY_LEN(areas); a++) {
		if (!area_applies(areas[a], f->win != NULL))
			continue;
		for (size_t i = 0; i < areas[a]->n_defs; i++)
			run += kw_profile_enabled(p, &areas[a]->defs[i]);
		areas[a]->run(&x);
		if (x.err)
			return x.err;
	}
	if (ret_run)
		*ret_run = run;
	return 0;
}
