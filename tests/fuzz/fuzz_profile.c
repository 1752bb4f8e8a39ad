/* fuzz_profile.c — libFuzzer harness for the profile parser (src/checks/profile.c).
 * Owner: report/finding-model engineer.
 *
 * The input is profile text. Includes are refused (dir NULL), so the harness never
 * touches the file system. Checks: no crash, no leak, the parser returns 0 or
 * KW_E_USAGE with at least one diagnostic naming a line, and a successful parse leaves
 * a profile whose settings and overrides can be queried. */
#include "base/diag.h"
#include "base/err.h"
#include "checks/profile.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const kw_check_def c = { .id = "sudo.nopasswd", .severity = KW_SEV_HIGH };
	kw_profile p;
	kw_diags d = { 0 };
	kw_profile_init(&p);
	int r = kw_profile_parse(&p, "fuzz.profile", NULL, (const char *)data, size, &d);
	if (r != 0 && r != KW_E_USAGE && r != -ENOMEM)
		abort();
	if (r == KW_E_USAGE && d.n == 0)
		abort(); /* an error must be explained */
	if (r == 0) {
		if (d.n != 0 || !p.name)
			abort();
		if (p.max_file_size == 0 || p.deep_max_size == 0)
			abort(); /* 0 restores the default: consumers never see 0 */
		(void)kw_profile_enabled(&p, &c);
		if ((unsigned)kw_profile_severity(&p, &c) >= KW_SEV__COUNT)
			abort();
	}
	for (size_t i = 0; i < p.n_ov; i++)
		if (!p.ov[i].id || (p.ov[i].has_severity && (unsigned)p.ov[i].severity >= KW_SEV__COUNT))
			abort();
	kw_profile_release(&p);
	kw_diags_release(&d);
	return 0;
}
