/* diag.h — a list of problems met while reading input (file, line, error, message).
 *
 * Parsers add to a kw_diags instead of printing; the audit turns them into the report's
 * "errors" section and exit code 3 when a check could not run. Strings are copied in
 * (the list owns them) and may contain bytes from the target: escape them to print.
 */
#ifndef KW_BASE_DIAG_H
#define KW_BASE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kw_diag {
	char *file;    /* owned; may be NULL */
	unsigned line; /* 0 = whole file */
	int err;       /* negative KW_E_* / -errno */
	char *msg;     /* owned */
	bool fatal;    /* a check could not run because of it (exit 3) */
} kw_diag;

typedef struct kw_diags {
	kw_diag *v;
	size_t n, cap;
} kw_diags;

/* Append a diagnostic (non-fatal). Returns 0 or -ENOMEM. At most 10,000 are kept; later
 * ones are dropped (a fatal one still marks the last kept entry fatal). */
int kw_diags_add(kw_diags *d, const char *file, unsigned line, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The same, but marks it fatal: a check could not run. */
int kw_diags_add_fatal(kw_diags *d, const char *file, unsigned line, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool kw_diags_any_fatal(const kw_diags *d);
void kw_diags_release(kw_diags *d);

#endif
