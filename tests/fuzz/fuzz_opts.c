/* fuzz_opts.c — the command-line parser (src/cmd/opts.c) over arbitrary argument vectors:
 * the first byte picks a command's table, the rest is split at NUL bytes into arguments.
 * Every option of every table, abbreviations, "--opt=value", clustered short options and
 * garbage must parse or fail cleanly. Its help and error messages go to /dev/null. */
#include "cmd/opts.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32
#define MAX_TEXT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null && !(null = fopen("/dev/null", "w")))
		return 0;
	if (size < 1 || size > MAX_TEXT)
		return 0;
	const kw_cmd_spec *spec = kw_commands[data[0] % kw_n_commands].spec;
	char text[MAX_TEXT + 1];
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)spec->name;
	for (char *p = text; p < text + size - 1 && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	FILE *out = stdout, *err = stderr;
	stdout = null;
	stderr = null;
	kw_opts p;
	kw_opts_begin(&p, spec);
	int c, n = 0;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0 && n++ < 1000)
		; /* every id returned is one of the table's: the tests check that, not the fuzzer */
	stdout = out;
	stderr = err;
	if (c == KW_OPTS_EXIT && p.exit_code != 0 && p.exit_code != 2)
		__builtin_trap();
	return 0;
}
