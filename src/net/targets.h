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
 *
 * Details (targets.c): addresses and prefixes are read by guard/addr.h, so the scanner and
 * the guard agree on what an address is; an IPv6 zone (fe80::1%eth0) is refused (the
 * endpoint has no scope id to connect with). IPv4 prefixes of /30 and shorter skip the
 * network and broadcast addresses; IPv6 prefixes expand to every address. The size of a
 * prefix is checked against the cap before anything is allocated. Hostnames are ASCII
 * letters, digits, '-', '_' and '.', at most KW_TARGET_NAME_MAX bytes, labels of 1..63
 * bytes that neither start nor end with '-', one optional trailing dot; a name glibc would
 * read as a number (1.2.3, 010.0.0.1, 0x7f000001) or whose last label is all digits
 * (256.1.1.1) is refused rather than resolved. Ports are decimal 1..65535. On any error
 * nothing is added: a file either adds all its specs or none.
 */
#ifndef KW_NET_TARGETS_H
#define KW_NET_TARGETS_H

#include "guard/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_TARGETS_DEFAULT_CAP 65536
#define KW_TARGET_NAME_MAX 255
#define KW_TARGET_PORT_DEFAULT 22        /* used when a caller passes default_port 0 */
#define KW_TARGET_SPEC_MAX 512           /* longest spec (a line of a file included) */
#define KW_TARGETS_FILE_MAX ((size_t)16 << 20)

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

/* max 0 means KW_TARGETS_DEFAULT_CAP. The cap bounds the whole list, not one spec. */
void kw_targets_init(kw_targets *t, size_t max);
void kw_targets_release(kw_targets *t);
/* Add one spec with default_port for those without one. 0, KW_E_PARSE (err says why),
 * KW_E_TOOBIG (the cap; err names the spec and its size), -ENOMEM. */
int kw_targets_add(kw_targets *t, const char *spec, uint16_t default_port, char *err,
		   size_t errlen);
/* Every spec of a file (or "-" for stdin): as kw_targets_add, err prefixed FILE:LINE. */
int kw_targets_load_file(kw_targets *t, const char *path, uint16_t default_port, char *err,
			 size_t errlen);
/* The pure half of kw_targets_load_file: every spec of text[0..len) (a targets file's
 * bytes; NULs and over-long lines are errors), err prefixed NAME:LINE (name escaped). */
int kw_targets_add_text(kw_targets *t, const char *text, size_t len, const char *name,
			uint16_t default_port, char *err, size_t errlen);
/* A command-line argument: "@FILE" is kw_targets_load_file(FILE), anything else
 * kw_targets_add. (A line inside a file may not name another file.) */
int kw_targets_add_arg(kw_targets *t, const char *arg, uint16_t default_port, char *err,
		       size_t errlen);
/* Resolve the hostnames (literals are left alone); a failure is recorded per endpoint in
 * resolve_err (the scan reports it), not returned. The first address is taken.
 * getaddrinfo's errors become: no such name (EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY)
 * -ENXIO, try again (EAI_AGAIN) -EAGAIN, EAI_MEMORY -ENOMEM, EAI_SYSTEM -errno, any other
 * failure -EHOSTUNREACH. */
void kw_targets_resolve(kw_targets *t);
/* "host:port" / "[v6]:port" for reports, escaped (owned) */
char *kw_target_label(const kw_target_ep *e);

#endif
