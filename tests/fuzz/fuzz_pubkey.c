/* fuzz_pubkey.c — libFuzzer harness for kw_pubkey_from_blob, kw_pubkey_parse_line and
 * kw_base64_decode. Owned by the "parsers" module. Frees everything it allocates. */
#include "collect/sshkey.h"

#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const kw_pubkey *k)
{
	if (strlen(k->fp) != 50 || memcmp(k->fp, "SHA256:", 7) != 0 || !k->label[0])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_pubkey k;
	int r = kw_pubkey_from_blob(data, size, &k);
	if (r == 0 || r == KW_E_UNSUPPORTED)
		check(&k);

	char *comment = NULL;
	if (kw_pubkey_parse_line(kw_buf_view(data, size), &k, &comment) == 0) {
		check(&k);
		free(comment);
	}

	uint8_t *out = NULL;
	size_t n = 0;
	if (kw_base64_decode((const char *)data, size, &out, &n) == 0) {
		if (n > size / 4 * 3)
			__builtin_trap();
		r = kw_pubkey_from_blob(out, n, &k);
		if (r == 0 || r == KW_E_UNSUPPORTED)
			check(&k);
		free(out);
	}
	return 0;
}
