/* hash.h — FNV-1a, the one non-cryptographic hash keyward uses (table indexes, the first-
 * line fingerprint in a guard file cursor). Not for anything an attacker must not steer
 * into collisions beyond slowing a probe run: tables that take hostile keys cap their size. */
#ifndef KW_BASE_HASH_H
#define KW_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define KW_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continue an FNV-1a hash h over p[0..n); start with KW_FNV1A_INIT. */
static inline uint64_t kw_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A final mix so the low bits (table positions) depend on every input byte. */
static inline uint64_t kw_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

#endif
