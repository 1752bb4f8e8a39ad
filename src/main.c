/* main.c — keyward's entry point: dispatch to the command named by argv[1] (the table is
 * cmd/commands.c), plus `help`, `completion` and `--version`. */
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "base/cleanup.h"
#include "base/escape.h"
#include "kw_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Commands still documented by hand (transitional: each moves to kw_commands with its spec). */
static const struct legacy_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} legacy[] = {
	{ "guard", cmd_guard, "find brute-force sources in sshd logs and ban them (nftables, ipset, hosts.deny)" },
	{ "keys", cmd_keys, "list every SSH key that grants access, and to whom" },
	{ "scan", cmd_scan, "rate live SSH servers: algorithms, verified host keys, DH groups, many at once" },
	{ "cloud", cmd_cloud, "audit exported cloud settings: SSH/RDP open to the internet, inherited passwords; deny policies" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: keyward COMMAND [OPTIONS]\n"
		"       keyward help [COMMAND [SUBCOMMAND]]\n"
		"       keyward completion bash|zsh\n"
		"\n"
		"keyward keeps remote logon to cloud servers and server images safe.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < kw_n_commands; i++)
		if (kw_commands[i].fn)
			fprintf(out, "  %-10s %s\n", kw_commands[i].spec->name, kw_commands[i].spec->summary);
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
		fprintf(out, "  %-10s %s\n", legacy[i].name, legacy[i].summary);
	fprintf(out,
		"  %-10s %s\n  %-10s %s\n"
		"\n"
		"Run 'keyward help COMMAND' or 'keyward COMMAND --help' for a command's options;\n"
		"man keyward-COMMAND for its manual page.\n"
		"Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
		"3 some checks could not run.\n",
		"help", "the help of a command", "completion", "print the bash or zsh completion script");
}

static int unknown(const char *what, const char *name)
{
	_cleanup_free_ char *e = kw_escape_str(name);
	fprintf(stderr, "keyward: unknown %s '%s'\nRun 'keyward help' for the list.\n", what, e ? e : "");
	return 2;
}

/* keyward help [COMMAND [SUB]] | help --man [COMMAND [SUB]] | help --pages */
static int cmd_help(int argc, char **argv)
{
	bool man = argc > 1 && !strcmp(argv[1], "--man");
	if (argc > 1 && !strcmp(argv[1], "--pages")) {
		/* the man pages the build makes, one a line: keyward, keyward-audit, ... */
		puts("keyward");
		for (size_t i = 0; i < kw_n_commands; i++) {
			char page[64];
			puts(kw_spec_page_name(kw_commands[i].spec, page, sizeof page));
		}
		return 0;
	}
	int first = man ? 2 : 1;
	if (argc <= first) {
		if (man)
			kw_print_main_scdoc(stdout);
		else
			usage(stdout);
		return 0;
	}
	char name[64];
	snprintf(name, sizeof name, "%s%s%s", argv[first], argc > first + 1 ? " " : "",
		 argc > first + 1 ? argv[first + 1] : "");
	if (argc > first + 2)
		return unknown("help topic", argv[first + 2]);
	const kw_cmd_spec *s = kw_spec_find(name);
	if (!s) {
		/* transitional: a legacy command prints its own help */
		for (size_t i = 0; !man && argc == first + 1 && i < sizeof legacy / sizeof legacy[0]; i++)
			if (!strcmp(legacy[i].name, name)) {
				char *av[] = { (char *)legacy[i].name, (char *)"--help", NULL };
				return legacy[i].fn(2, av);
			}
		return unknown("command", name);
	}
	if (man)
		kw_spec_print_scdoc(s, stdout);
	else
		kw_spec_print_help(s, stdout);
	return 0;
}

static int cmd_completion(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bash")) {
		kw_print_completion_bash(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "zsh")) {
		kw_print_completion_zsh(stdout);
		return 0;
	}
	fputs("usage: keyward completion bash|zsh\n"
	      "  bash: source <(keyward completion bash)   (or install it as\n"
	      "        /usr/share/bash-completion/completions/keyward)\n"
	      "  zsh:  keyward completion zsh > \"${fpath[1]}/_keyward\"\n",
	      argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr);
	return argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
}

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
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return finish((usage(stdout), 0));
	if (!strcmp(name, "help"))
		return finish(cmd_help(argc - 1, argv + 1));
	if (!strcmp(name, "completion"))
		return finish(cmd_completion(argc - 1, argv + 1));
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("keyward %s\n", KW_VERSION);
		return finish(0);
	}
	for (size_t i = 0; i < kw_n_commands; i++)
		if (kw_commands[i].fn && !strcmp(kw_commands[i].spec->name, name))
			return finish(kw_commands[i].fn(argc - 1, argv + 1));
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
		if (!strcmp(legacy[i].name, name))
			return finish(legacy[i].fn(argc - 1, argv + 1));
	unknown("command", name);
	usage(stderr);
	return 2;
}
