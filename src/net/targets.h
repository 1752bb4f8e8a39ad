/* targets.h — what `keyward scan` connects to: target specs from the command line and
 * from files, expanded into a list of endpoints in input order.
 *
 * Specs: HOST, HOST:PORT, IPv4, IPv4:PORT, IPv6 (bare, without a port), [IPv6]:PORT,
 * [IPv6], CIDR (10.0.0.0/24, 2001:db8::/120, optionally CIDR:PORT / [CIDR]:PORT) expanded
 * to every address (network and broadcast included for /31 and /32 only), and @FILE or
 * --targets FILE: one spec per line, '#' comments and blank lines skipped, errors reported
 * with file:line. Hostnames are kept as names (resolved later by kw_targets_resolve).
 * Expansion is capped (KW_TARGETS_DEFAULT_CAP endpoints) unless the caller raises the
 * cap explicitly; a spec past the cap is an error that names the spec and the size.
 *
 * Pure except kw_targets_load_file (reads one file) and kw_targets_resolve (getaddrinfo).
 */
#ifndef KW_NET_TARGETS_H
#define KW_NET_TARGETS_H

#include "guard/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_TARGETS_DEFAULT_CAP 65536
#define KW_TARGET_NAME_MAX 255

typedef struct kw_target_ep {
	char *spec;          /* the spec as written (owned; escape to print) */
	char *host;          /* hostname, or NULL when addr is a literal (owned) */
	kw_addr addr;        /* literal or resolved address (fam 0 until resolved) */
	uint16_t port;
	size_t line;         /* line in the targets file, 0 for the command line */
	int resolve_err;     /* after kw_targets_resolve: 0 or why the name did not resolve */
} kw_target_ep;

typedef struct kw_targets {
	kw_target_ep *v;
	size_t n, cap;
	size_t max;          /* the expansion cap in force */
} kw_targets;

void kw_targets_init(kw_targets *t, size_t max);
void kw_targets_release(kw_targets *t);
/* Add one spec with default_port for those without one. 0, KW_E_PARSE (err says why),
 * KW_E_TOOBIG (the cap; err names the spec and its size), -ENOMEM. */
int kw_targets_add(kw_targets *t, const char *spec, uint16_t default_port, char *err,
		   size_t errlen);
/* Every spec of a file (or "-" for stdin): as kw_targets_add, err prefixed FILE:LINE. */
int kw_targets_load_file(kw_targets *t, const char *path, uint16_t default_port, char *err,
			 size_t errlen);
/* Resolve the hostnames (literals are left alone); a failure is recorded per endpoint in
 * resolve_err (the scan reports it), not returned. The first address is taken. */
void kw_targets_resolve(kw_targets *t);
/* "host:port" / "[v6]:port" for reports, escaped (owned) */
char *kw_target_label(const kw_target_ep *e);

#endif
