/* diag.c — see diag.h. */
#include "base/vec.h"
#include "base/diag.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KW_DIAGS_MAX 10000

__attribute__((format(printf, 6, 0)))
static int diags_vadd(kw_diags *d, bool fatal, const char *file, unsigned line, int err,
		      const char *fmt, va_list ap)
{
	if (d->n >= KW_DIAGS_MAX) {
		if (fatal)
			d->v[d->n - 1].fatal = true;
		return 0;
	}
	if (KW_VEC_RESERVE(d->v, d->n, d->cap) < 0)
		return -ENOMEM;
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	char *f = NULL;
	if (file && !(f = strdup(file))) {
		free(msg);
		return -ENOMEM;
	}
	d->v[d->n++] = (kw_diag){ .file = f, .line = line, .err = err, .msg = msg, .fatal = fatal };
	return 0;
}

int kw_diags_add(kw_diags *d, const char *file, unsigned line, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diags_vadd(d, false, file, line, err, fmt, ap);
	va_end(ap);
	return r;
}

int kw_diags_add_fatal(kw_diags *d, const char *file, unsigned line, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diags_vadd(d, true, file, line, err, fmt, ap);
	va_end(ap);
	return r;
}

bool kw_diags_any_fatal(const kw_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].fatal)
			return true;
	return false;
}

void kw_diags_release(kw_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	*d = (kw_diags){ 0 };
}
