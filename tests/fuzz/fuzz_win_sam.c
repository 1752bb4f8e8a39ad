/* fuzz_win_sam.c — libFuzzer harness for SAM account records (windows/sam.c).
 *
 * The input is taken as an F record and as a V record. Checked: no read outside the
 * input (ASan), a hash is "present" only for the lengths the formats define, and a
 * parsed V's entries lie inside the record. */
#include "windows/sam.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_sam_f f;
	if (kw_sam_parse_f(data, size, &f) == 0 && size < 0x44)
		abort();
	kw_sam_v v;
	if (kw_sam_parse_v(data, size, &v) == 0) {
		if (size < 0xCC || v.nt_len > size - 0xCC || v.lm_len > size - 0xCC)
			abort();
		if (v.has_nt != (v.nt_len == 0x14 || v.nt_len > 0x18))
			abort();
	}
	return 0;
}
