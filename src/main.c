/* main.c — keyward's entry point: dispatch to the command named by argv[1] (the table is
 * cmd/commands.c); `--version`, and the overview for `keyward` and `keyward --help`. */
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "base/cleanup.h"
#include "base/escape.h"
#include "kw_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int finish(int r)
{
	/* a failed write to stdout (full disk, closed pipe) must not pass as success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "keyward: error writing output: %s\n", strerror(errno));
		return 2;
	}
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		kw_print_overview(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		kw_print_overview(stdout);
		return finish(0);
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("keyward %s\n", KW_VERSION);
		return finish(0);
	}
	for (size_t i = 0; i < kw_n_commands; i++)
		if (kw_commands[i].fn && !strcmp(kw_commands[i].spec->name, name))
			return finish(kw_commands[i].fn(argc - 1, argv + 1));
	_cleanup_free_ char *e = kw_escape_str(name);
	fprintf(stderr, "keyward: unknown command '%s'\n\n", e ? e : "");
	kw_print_overview(stderr);
	return 2;
}
