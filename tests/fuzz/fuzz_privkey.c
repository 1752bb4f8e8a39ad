/* fuzz_privkey.c — libFuzzer harness for kw_privkey_classify.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/sshkey.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_privkey_info pi;
	if (kw_privkey_classify(data, size, &pi) == 0) {
		if (pi.format == KW_PK_NONE || pi.encrypted < -1 || pi.encrypted > 1)
			__builtin_trap();
		if (memchr(pi.cipher, '\0', sizeof pi.cipher) == NULL)
			__builtin_trap();
		for (const char *c = pi.cipher; *c; c++)
			if (*c <= ' ' || *c >= 0x7f)
				__builtin_trap(); /* only printable ASCII is copied from the file */
		if (pi.has_pub && strlen(pi.pub.fp) != 50)
			__builtin_trap();
		(void)kw_privkey_format_name(pi.format);
	}
	return 0;
}
