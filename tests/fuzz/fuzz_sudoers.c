/* fuzz_sudoers.c — libFuzzer harness for kw_sudoers_parse.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan). */
#include "collect/sudoers.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_sudoers s;
	kw_diags d = { 0 };
	if (kw_sudoers_parse("sudoers", data, size, &s, &d) == 0) {
		for (size_t i = 0; i < s.n_rules; i++) {
			const kw_sudo_rule *r = &s.rules[i];
			if (r->n_users == 0 || r->users[r->n_users] != NULL)
				__builtin_trap();
			for (size_t j = 0; j < r->n_users; j++)
				if (!r->users[j][0])
					__builtin_trap();
			if (r->nopasswd_all && !(r->nopasswd && r->all_commands))
				__builtin_trap();
		}
		for (size_t i = 0; i < s.n_aliases; i++)
			if (s.aliases[i].members[s.aliases[i].n_members] != NULL || !s.aliases[i].name[0])
				__builtin_trap();
		for (size_t i = 0; i < s.n_includes; i++)
			if (!s.includes[i].path[0])
				__builtin_trap();
		kw_sudoers_release(&s);
	}
	kw_diags_release(&d);
	return 0;
}
