/* fuzz_net_targets.c — libFuzzer harness for scan target specs and targets files
 * (src/net/targets.c).
 *
 * The input up to its first NUL is one spec, added to a list capped at 4096 endpoints
 * (so every prefix the harness accepts is cheap to expand). Checks: no crash, no leak;
 * the result is 0, KW_E_PARSE, KW_E_TOOBIG or -ENOMEM; a refusal adds nothing and explains
 * itself with the spec quoted and no control character in the message; an accepted spec
 * gives 1..cap endpoints with the spec kept verbatim, a port in 1..65535, either a valid
 * host name (not resolved) or an address (never both), prefix endpoints strictly
 * ascending; every label is clean text and, read back as a spec, gives the same endpoint.
 * The whole input (NULs included) is then read as a targets file (kw_targets_add_text,
 * the pure half of kw_targets_load_file): a refusal names "FILE:LINE: " with the file name
 * escaped and leaves the list as it was, an acceptance numbers its endpoints with
 * non-decreasing lines >= 1. */
#include "base/err.h"
#include "base/escape.h"
#include "net/targets.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 4096

static void check_message(const char *err)
{
	if (!err[0])
		abort();
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

static bool name_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > KW_TARGET_NAME_MAX || h[0] == '.' || h[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static void check_accepted(const kw_targets *t, const char *spec)
{
	if (t->n < 1 || t->n > CAP)
		abort();
	for (size_t i = 0; i < t->n; i++) {
		const kw_target_ep *e = &t->v[i];
		if (!e->spec || strcmp(e->spec, spec) != 0 || e->port == 0 || e->line != 0 || e->resolve_err)
			abort();
		if (e->host ? (e->addr.fam != 0 || !name_ok(e->host) || t->n != 1)
			    : (e->addr.fam != 4 && e->addr.fam != 6))
			abort();
		if (i && !e->host) {
			const kw_addr *a = &t->v[i - 1].addr;
			/* IPv4 keeps bytes 4..15 zero, so 16 bytes compare both families */
			if (a->fam != e->addr.fam || memcmp(a->b, e->addr.b, 16) >= 0)
				abort();
		}
	}
	/* labels are clean and read back to the same endpoint (first and last) */
	for (size_t k = 0; k < 2; k++) {
		const kw_target_ep *e = &t->v[k ? t->n - 1 : 0];
		char *l = kw_target_label(e);
		if (!l)
			return; /* ENOMEM */
		if (!kw_escape_is_clean(l, strlen(l)))
			abort();
		kw_targets again;
		kw_targets_init(&again, 1);
		char err[320];
		int r = kw_targets_add(&again, l, 1, err, sizeof err);
		if (r == 0) {
			const kw_target_ep *f = &again.v[0];
			if (again.n != 1 || f->port != e->port || !f->host != !e->host ||
			    (e->host ? strcmp(e->host, f->host) != 0 : !kw_addr_eq(&e->addr, &f->addr)))
				abort();
		} else if (r != -ENOMEM) {
			abort();
		}
		kw_targets_release(&again);
		free(l);
	}
}

static void one_spec(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *spec = malloc(n + 1);
	if (!spec)
		return;
	memcpy(spec, data, n);
	spec[n] = '\0';
	kw_targets t;
	kw_targets_init(&t, CAP);
	char err[320] = "";
	uint16_t port = size ? (uint16_t)(data[size - 1] * 7u) : 0; /* 0 means the default */
	int r = kw_targets_add(&t, spec, port, err, sizeof err);
	if (r == 0) {
		check_accepted(&t, spec);
	} else if (r == KW_E_PARSE || r == KW_E_TOOBIG) {
		if (t.n != 0 || err[0] != '\'')
			abort();
		check_message(err);
	} else if (r != -ENOMEM) {
		abort();
	}
	kw_targets_release(&t);
	free(spec);
}

static void as_file(const uint8_t *data, size_t size)
{
	static const char name[] = "t\x1b.txt"; /* escaped in messages */
	kw_targets t;
	kw_targets_init(&t, CAP);
	char err[512] = "";
	int r = kw_targets_add(&t, "192.0.2.1", 22, err, sizeof err); /* something before */
	if (r != 0)
		abort();
	r = kw_targets_add_text(&t, (const char *)data, size, name, 2222, err, sizeof err);
	if (r == 0) {
		size_t last = 0;
		for (size_t i = 1; i < t.n; i++) {
			if (t.v[i].line < 1 || t.v[i].line < last || t.v[i].port == 0)
				abort();
			last = t.v[i].line;
		}
	} else if (r == KW_E_PARSE || r == KW_E_TOOBIG) {
		if (t.n != 1 || strncmp(err, "t\\x1b.txt:", 10) != 0)
			abort();
		check_message(err);
	} else if (r != -ENOMEM) {
		abort();
	}
	kw_targets_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_spec(data, size);
	as_file(data, size);
	return 0;
}
