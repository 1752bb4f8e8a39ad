/* fuzz_passwd.c — libFuzzer harness for kw_passwd_parse (and kw_pw_classify through it).
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/accounts.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_passwd_db db;
	kw_diags d = { 0 };
	if (kw_passwd_parse("passwd", data, size, &db, &d) == 0) {
		size_t total = 0;
		for (size_t i = 0; i < db.n; i++) {
			const kw_passwd_ent *e = &db.v[i];
			total += strlen(e->name) + strlen(e->gecos) + strlen(e->home) + strlen(e->shell);
			total += strlen(kw_pw_state_name(e->pw.state));
			total += strlen(kw_hash_scheme_name(e->pw.scheme));
			if (kw_passwd_find(&db, e->name) == NULL)
				__builtin_trap(); /* every entry must be findable */
		}
		(void)total;
		kw_passwd_db_release(&db);
	}
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].msg || strchr(d.v[i].msg, '$'))
			__builtin_trap(); /* diagnostics never quote a field */
	kw_diags_release(&d);
	return 0;
}
