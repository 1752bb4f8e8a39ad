/* moduli.h — /etc/ssh/moduli (moduli(5)) as sshd reads it, and verification of its groups.
 *
 * Owned by the "moduli" helper. Pure code: bytes in, plain structs out; no I/O, no printing.
 *
 * Format: '#' comments and blank lines, then "TIME TYPE TESTS TRIES SIZE GENERATOR MODULUS"
 * where SIZE is the bit length minus one (2047 for a 2048-bit group), TYPE 2 is a safe
 * prime, TESTS is a bit mask (1 = known composite), GENERATOR and MODULUS are hex.
 *
 * kw_moduli_parse() keeps exactly the lines OpenSSH 9.2's sshd accepts (dh.c parse_prime):
 * the first field is split like sshd_config tokens (any whitespace, '=' and quotes), the
 * five after it by single spaces; TYPE must be 2, TESTS in 0..31 without the composite bit
 * and with some other bit, TRIES in 1..2^30, SIZE in 1..65536, the hex numbers are read
 * like BN_hex2bn (optional '-', the leading hex digits; trailing junk after the modulus is
 * ignored), the modulus must have exactly SIZE+1 bits and the generator must be > 1.
 * Numbers are read like strtonum() (leading blanks, a sign). A NUL byte ends the line as
 * it does for sshd's C strings. Every other line sshd complains about and skips is a
 * kw_diags entry (file, 1-based line, reason — never the line's content); comments, blank
 * lines and a first field with an unmatched quote are skipped silently, as sshd does.
 *
 * Fallback: sshd answers a DH group-exchange request (min, wanted, max; clamped to
 * 2048..8192 bits) with a group from the file whose bit size lies in [min, max] (dh.c
 * choose_dh); when none does it uses a fixed RFC 3526 group (dh_new_group_fallback):
 * group 14 (2048-bit) when max < 3072, group 16 (4096-bit) when max < 6144, else group 18
 * (8192-bit). OpenSSH clients always ask max = 8192, so they get group 18.
 *
 * Usage (what `keyward sshd --moduli` does):
 *
 *   kw_moduli m; kw_diags d = {0};
 *   if ((r = kw_moduli_parse("/etc/ssh/moduli", data, len, &m, &d)) < 0) ...;
 *   kw_moduli_summary s; kw_moduli_summarize(&m, &s);        // groups per SIZE
 *   kw_moduli_filter f; kw_moduli_filter_check(&m, 3071, &f);  // strict: SIZE >= 3071
 *   if (f.falls_back) ... kw_dh_fixed_name(f.fallback) ...
 *   for (i...) kw_moduli_verify_ex(&m.v[i], &opts, &res);     // --verify, opts.progress
 *   kw_moduli_summary_release(&s); kw_moduli_release(&m); kw_diags_release(&d);
 */
#ifndef KW_SSHD_MODULI_H
#define KW_SSHD_MODULI_H

#include "base/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_MODULI_MAX_INPUT ((size_t)64 << 20) /* larger input: KW_E_TOOBIG */
#define KW_MODULI_MAX_SIZE  65536u             /* sshd's cap on SIZE */

/* sshd's group-exchange clamp (dh.h DH_GRP_MIN / DH_GRP_MAX), in bits. */
#define KW_DH_GRP_MIN 2048u
#define KW_DH_GRP_MAX 8192u

/* Profile thresholds on SIZE (as written). */
#define KW_MODULI_MIN_BASELINE 2001u /* the seed's filter: awk '$5 > 2000' */
#define KW_MODULI_MIN_STRICT   3071u /* ssh-audit / Mozilla: >= 3072-bit groups */

typedef struct kw_modulus {
	unsigned line;       /* 1-based line in the file */
	uint32_t size;       /* SIZE as written (bits - 1) */
	uint32_t bits;       /* actual bit length of the modulus (== size + 1 once parsed) */
	unsigned generator;  /* UINT_MAX when generator_big */
	bool generator_big;  /* generator does not fit 32 bits (sshd accepts it) */
	bool negative;       /* modulus written with '-': sshd accepts it; never prime */
	uint32_t tests;      /* TESTS bit mask */
	uint32_t tries;      /* TRIES */
	char *hex;           /* modulus hex digits as written, leading zeros removed; owned */
} kw_modulus;

typedef struct kw_moduli {
	kw_modulus *v;       /* the entries sshd would accept, in file order */
	size_t n;
	unsigned lines;      /* lines read */
	unsigned rejected;   /* lines sshd would skip with an error (each one is a diag) */
} kw_moduli;

/* Parse a moduli file. `file` names it in diagnostics. 0, KW_E_TOOBIG or -ENOMEM; on
 * failure *ret is untouched. Release with kw_moduli_release(). */
int kw_moduli_parse(const char *file, const uint8_t *data, size_t len, kw_moduli *ret,
		    kw_diags *d);
void kw_moduli_release(kw_moduli *m);

/* ---- counts ---- */

typedef struct kw_moduli_size_count {
	uint32_t size;   /* SIZE as written */
	size_t count;
} kw_moduli_size_count;

typedef struct kw_moduli_summary {
	kw_moduli_size_count *v; /* ascending by size */
	size_t n;
} kw_moduli_summary;

/* Groups per SIZE. 0 or -ENOMEM. */
int kw_moduli_summarize(const kw_moduli *m, kw_moduli_summary *ret);
void kw_moduli_summary_release(kw_moduli_summary *s);

/* How many entries keep SIZE >= min_size (the seed's `awk '$5 > 2000'` is min_size 2001). */
size_t kw_moduli_filter_min(const kw_moduli *m, uint32_t min_size);

typedef enum kw_dh_fixed {
	KW_DH_FROM_FILE = 0, /* a group from the file */
	KW_DH_GROUP14,       /* RFC 3526 2048-bit MODP group */
	KW_DH_GROUP16,       /* RFC 3526 4096-bit MODP group */
	KW_DH_GROUP18,       /* RFC 3526 8192-bit MODP group */
} kw_dh_fixed;

/* "moduli file", "group14 (RFC 3526, 2048-bit)", ... Never NULL. */
const char *kw_dh_fixed_name(kw_dh_fixed g);

/* What sshd answers a group-exchange request (min, wanted, max bits, as a client sends
 * them) with, considering only entries with SIZE >= min_size (0: all): *ret_bits is the
 * bit size sshd picks and *ret_candidates how many entries of that size it picks from at
 * random; or the fixed group when none fits (then *ret_bits is its size, candidates 0).
 * Returns the kw_dh_fixed, or -EINVAL for a request sshd refuses (max < min, wanted
 * outside [min, max], or max < 2048). Any output pointer may be NULL. */
int kw_moduli_choose(const kw_moduli *m, uint32_t min_size, uint32_t min, uint32_t wanted,
		     uint32_t max, uint32_t *ret_bits, size_t *ret_candidates);

typedef struct kw_moduli_filter {
	uint32_t min_size;
	size_t remain;        /* entries with SIZE >= min_size */
	size_t removed;       /* entries below it */
	size_t usable;        /* remaining entries sshd can ever offer: 2048..8192 bits */
	bool falls_back;      /* usable == 0: sshd answers every OpenSSH client with `fallback` */
	kw_dh_fixed fallback; /* the fixed group for an OpenSSH client (max 8192): GROUP18 */
} kw_moduli_filter;

/* Apply a minimum SIZE as a filter would and say whether any group sshd can use is left. */
void kw_moduli_filter_check(const kw_moduli *m, uint32_t min_size, kw_moduli_filter *ret);

/* ---- verification (libcrypto BN) ---- */

typedef struct kw_verify_opts {
	/* Miller-Rabin rounds for p and again for q = (p-1)/2, after libcrypto's trial
	 * division. 0 = libcrypto's own count (BN_check_prime: 64 rounds up to 2048 bits,
	 * 128 above; ~30 s for one 8192-bit group). Each round that passes cuts the chance a
	 * composite slips through by at least 4. */
	unsigned rounds;
	/* Called after every round (done of total, p's and q's rounds together); return
	 * false to cancel (kw_moduli_verify_ex then returns -ECANCELED). May be NULL. */
	bool (*progress)(void *ctx, unsigned done, unsigned total);
	void *ctx;
	/* Refuse moduli with more bits than this (KW_E_TOOBIG); 0 = KW_MODULI_MAX_SIZE + 1. */
	uint32_t max_bits;
} kw_verify_opts;

typedef struct kw_verify_result {
	bool size_ok;      /* the modulus has SIZE + 1 bits */
	bool prime;        /* p is (probably) prime */
	bool safe;         /* q = (p-1)/2 is (probably) prime too: p is a safe prime */
	bool generator_ok; /* 1 < g < p-1 and g generates all of Z_p* (a quadratic
	                    * non-residue): for g = 2, p mod 24 == 11; for g = 5, p mod 10 is
	                    * 3 or 7 — the rules ssh-keygen -M test assigns generators by */
	bool ok;           /* all of the above */
	unsigned rounds;   /* Miller-Rabin rounds run (p and q together) */
} kw_verify_result;

/* Verify one entry with default options (libcrypto's round count). 0, -ENOMEM,
 * KW_E_CRYPTO, KW_E_TOOBIG; the verdict is in *ret (false fields: the entry is bad). */
int kw_moduli_verify(const kw_modulus *m, kw_verify_result *ret);
int kw_moduli_verify_ex(const kw_modulus *m, const kw_verify_opts *opts, kw_verify_result *ret);

#endif
