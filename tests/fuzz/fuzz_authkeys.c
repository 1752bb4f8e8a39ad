/* fuzz_authkeys.c — libFuzzer harness for kw_authkeys_parse.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/sshkey.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_authkeys ak;
	kw_diags d = { 0 };
	if (kw_authkeys_parse("authorized_keys", data, size, &ak, &d) == 0) {
		for (size_t i = 0; i < ak.n; i++) {
			const kw_authkey *k = &ak.v[i];
			if (strlen(k->key.fp) != 50 || memcmp(k->key.fp, "SHA256:", 7) != 0 ||
			    !k->key.label[0] || !k->key.type[0])
				__builtin_trap();
			if (k->comment && (!k->comment[0] || strchr(k->comment, '\n')))
				__builtin_trap();
			if (k->options && strchr(k->options, ' ') == k->options)
				__builtin_trap();
		}
		kw_authkeys_release(&ak);
	}
	kw_diags_release(&d);
	return 0;
}
