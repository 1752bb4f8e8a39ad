/* print.c — print an effective configuration the way OpenSSH 9.2's `sshd -T` does:
 * lowercase keyword, one space, normalised value; accumulating options one line per
 * value; unset lists omitted; DebianBanner and RDomain never printed. The order is the
 * keyword table's (sshd's own order differs; compare line sets). Owner: helper "engine". */
#include "sshd/print.h"

#include "base/err.h"

#include <string.h>

int kw_sshd_print(const kw_sshd_result *r, kw_sb *out)
{
	for (int i = 0; i < KW_SO__COUNT; i++) {
		const kw_sshd_optdef *od = kw_sshd_optdef_get((kw_sshd_opt)i);
		if (od->print == KW_PR_NEVER || !od->tname[0])
			continue;
		if (i == KW_SO_MAXSTARTUPS) {
			char buf[64];
			kw_sshd__maxstartups(r, buf, sizeof buf);
			kw_sb_printf(out, "%s %s\n", od->tname, buf);
			continue;
		}
		const char *const *v;
		size_t n = kw_sshd_values(r, (kw_sshd_opt)i, &v);
		if (n == 0)
			continue;
		if (od->print == KW_PR_EACH) {
			for (size_t k = 0; k < n; k++)
				kw_sb_printf(out, "%s %s\n", od->tname, v[k]);
			continue;
		}
		kw_sb_puts(out, od->tname);
		for (size_t k = 0; k < n; k++) {
			kw_sb_putc(out, ' ');
			kw_sb_puts(out, v[k]);
		}
		kw_sb_putc(out, '\n');
	}
	return out->overflow ? KW_E_TOOBIG : 0;
}
