/* fuzz_group.c — libFuzzer harness for kw_group_parse and kw_logindefs_parse.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/accounts.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_group_db db;
	kw_diags d = { 0 };
	if (kw_group_parse("group", data, size, &db, &d) == 0) {
		for (size_t i = 0; i < db.n; i++) {
			const kw_group_ent *g = &db.v[i];
			size_t k = 0;
			while (g->members[k]) {
				if (!g->members[k][0])
					__builtin_trap(); /* empty member names are dropped */
				k++;
			}
			if (k != g->n_members || kw_group_find_gid(&db, g->gid) == NULL)
				__builtin_trap();
		}
		kw_group_db_release(&db);
	}
	kw_diags_release(&d);

	kw_logindefs ld;
	kw_logindefs_parse(data, size, &ld);
	if (ld.uid_min == UINT32_MAX || ld.uid_max == UINT32_MAX)
		__builtin_trap(); /* values are capped at 4294967294 */
	return 0;
}
