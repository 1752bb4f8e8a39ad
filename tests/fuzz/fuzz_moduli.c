/* fuzz_moduli.c — libFuzzer harness for kw_moduli_parse and what works on its result
 * (counts, filter, sshd's group choice) and, for tiny moduli only, kw_moduli_verify_ex.
 * Owned by the "moduli" helper. Frees everything it allocates (runs under ASan/LSan). */
#include "sshd/moduli.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_moduli m;
	kw_diags d = { 0 };
	if (kw_moduli_parse("moduli", data, size, &m, &d) == 0) {
		if (m.rejected != d.n && d.n < 10000)
			__builtin_trap(); /* every complaint is a diagnostic */
		for (size_t i = 0; i < m.n; i++) {
			const kw_modulus *e = &m.v[i];
			size_t nd = strlen(e->hex);
			if (e->bits != e->size + 1 || e->size == 0 || e->size > KW_MODULI_MAX_SIZE ||
			    nd != (e->bits + 3) / 4 || e->line == 0 || e->line > m.lines ||
			    e->generator < 2 || (e->tests & 1))
				__builtin_trap();
			if (e->bits <= 96) { /* keep the fuzzer fast: verify tiny groups only */
				kw_verify_opts o = { .rounds = 4, .max_bits = 96 };
				kw_verify_result r;
				if (kw_moduli_verify_ex(e, &o, &r) == 0 && r.ok &&
				    (!r.prime || !r.safe || !r.generator_ok || !r.size_ok))
					__builtin_trap();
			}
		}
		kw_moduli_summary s;
		if (kw_moduli_summarize(&m, &s) == 0) {
			size_t total = 0;
			for (size_t i = 0; i < s.n; i++) {
				total += s.v[i].count;
				if (i && s.v[i - 1].size >= s.v[i].size)
					__builtin_trap(); /* ascending, no repeats */
			}
			if (total != m.n)
				__builtin_trap();
			kw_moduli_summary_release(&s);
		}
		kw_moduli_filter f;
		kw_moduli_filter_check(&m, KW_MODULI_MIN_STRICT, &f);
		if (f.remain + f.removed != m.n ||
		    f.remain != kw_moduli_filter_min(&m, KW_MODULI_MIN_STRICT) ||
		    f.falls_back != (f.usable == 0))
			__builtin_trap();
		uint32_t bits;
		size_t n;
		int g = kw_moduli_choose(&m, 0, 2048, 3072, 8192, &bits, &n);
		if (g < 0 || (g == KW_DH_FROM_FILE && (n == 0 || bits < 2048 || bits > 8192)))
			__builtin_trap();
		kw_moduli_release(&m);
	}
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].msg || d.v[i].line == 0)
			__builtin_trap();
	kw_diags_release(&d);
	return 0;
}
