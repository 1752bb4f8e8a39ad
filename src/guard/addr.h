/* addr.h — IP addresses and prefixes for the guard: parse, print, compare, hash, contain.
 *
 * A kw_addr is a value (no pointers): family 4 or 6 and 16 bytes, IPv4 in b[0..4) with the
 * rest zero. IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalised to IPv4 when parsed, so the
 * same attacker is one source whichever way sshd printed it. kw_addr_parse is on the log
 * parser's hot path: IPv4 is parsed by hand, IPv6 through inet_pton on a bounded copy.
 */
#ifndef KW_GUARD_ADDR_H
#define KW_GUARD_ADDR_H

#include "base/hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct kw_addr {
	uint8_t fam; /* 4 or 6; 0 = none */
	uint8_t b[16];
} kw_addr;

typedef struct kw_cidr {
	kw_addr a;     /* host bits cleared */
	uint8_t bits;  /* 0..32 or 0..128 */
} kw_cidr;

#define KW_ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */
#define KW_CIDR_STRLEN 50

/* Parse p[0..n): dotted IPv4 (four decimal parts 0..255, no leading '+', at most 3
 * digits each) or IPv6 (with an optional %zone, which is dropped). 0 or KW_E_PARSE. */
int kw_addr_parse(const char *p, size_t n, kw_addr *out);
/* NUL-terminated text in out[cap >= KW_ADDR_STRLEN]; returns its length. A smaller buffer
 * (under 16 bytes for IPv4, KW_ADDR_STRLEN for IPv6) gets "" and 0, never a cut address. */
size_t kw_addr_format(const kw_addr *a, char *out, size_t cap);

bool kw_addr_is_loopback(const kw_addr *a);

/* "a.b.c.d/n", "x::/n" or a bare address (a host prefix). Host bits set in the text are
 * cleared (0.0.0.1/0 is 0.0.0.0/0). 0 or KW_E_PARSE. */
int kw_cidr_parse(const char *p, size_t n, kw_cidr *out);
size_t kw_cidr_format(const kw_cidr *c, char *out, size_t cap); /* bare address if host */
kw_cidr kw_cidr_host(const kw_addr *a);
kw_cidr kw_cidr_of(const kw_addr *a, unsigned bits); /* the prefix of a with that length */
bool kw_cidr_contains(const kw_cidr *c, const kw_addr *a);
bool kw_cidr_is_host(const kw_cidr *c);

/* Inline: the engine hashes and compares addresses on every event. The hash is a table
 * position, never stored. */
static inline uint64_t kw_addr_hash(const kw_addr *a)
{
	uint64_t lo, hi;
	if (a->fam == 4) {
		uint32_t x;
		memcpy(&x, a->b, 4);
		lo = x;
		hi = 4;
	} else {
		memcpy(&lo, a->b, 8);
		memcpy(&hi, a->b + 8, 8);
	}
	return kw_hash_mix(lo * 0x9e3779b97f4a7c15ULL ^ kw_hash_mix(hi + a->fam));
}

static inline bool kw_addr_eq(const kw_addr *x, const kw_addr *y)
{
	if (x->fam != y->fam)
		return false;
	if (x->fam == 4) {
		uint32_t a, b;
		memcpy(&a, x->b, 4);
		memcpy(&b, y->b, 4);
		return a == b;
	}
	return !memcmp(x->b, y->b, 16);
}

#endif
