/* fuzz_shadow.c — libFuzzer harness for kw_shadow_parse and kw_pw_classify.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/accounts.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the whole input as one password field */
	kw_pw_info pi;
	kw_pw_classify(kw_buf_view(data, size), &pi);
	if ((pi.state == KW_PW_HASH || pi.state == KW_PW_LOCKED) != (pi.scheme != KW_HASH_NONE))
		__builtin_trap(); /* a scheme exactly for hashes and locked hashes */

	kw_shadow_db db;
	kw_diags d = { 0 };
	if (kw_shadow_parse("shadow", data, size, &db, &d) == 0) {
		for (size_t i = 0; i < db.n; i++) {
			const kw_shadow_ent *e = &db.v[i];
			if (e->lastchg < -1 || e->expire < -1 || e->line == 0 || !e->name[0])
				__builtin_trap();
		}
		kw_shadow_db_release(&db);
	}
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].msg || strchr(d.v[i].msg, '$'))
			__builtin_trap();
	kw_diags_release(&d);
	return 0;
}
