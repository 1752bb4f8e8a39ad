/* help.c — `keyward help` and `keyward completion`, and the overview that `keyward` alone
 * and `keyward --help` print: the commands from kw_commands, each command's help, man page
 * source and the completion scripts from the option tables (opts.c, completion.c). */
#include "cmd/cmd.h"
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/escape.h"

#include <stdio.h>
#include <string.h>

enum { OPT_MAN = 256, OPT_PAGES };

static const kw_opt help_opts[] = {
	{ OPT_MAN, 0, "man", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "print the manual page's scdoc source instead (the build turns it into the page with "
	  "scdoc); without a COMMAND, keyward(1)" },
	{ OPT_PAGES, 0, "pages", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "list the manual pages keyward has, one a line (keyward, keyward-audit, ...)" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_help = {
	.name = "help",
	.summary = "the help of a command, or its manual page source",
	.synopsis = "[COMMAND [SUBCOMMAND]]\n--man [COMMAND [SUBCOMMAND]]\n--pages",
	.description =
	"Print the help of COMMAND, the same text as keyward COMMAND --help; without a COMMAND, "
	"the list of commands. Every help, manual page and completion script comes from the "
	"commands' option tables, so what they say is what the commands take.",
	.opts = help_opts,
	.exit_status = "0 printed; 2 no such command.",
	.examples = "keyward help\nkeyward help audit\nkeyward help keys rotate\n"
		    "keyward help --man audit | scdoc | man -l -\n",
	.operands = KW_COMP_WORDS,
	.operand_words = "audit sshd sanitize harden undo guard keys scan cloud windows help completion",
};

static const kw_opt completion_opts[] = { KW_OPT_END };

const kw_cmd_spec kw_spec_completion = {
	.name = "completion",
	.summary = "print the bash or zsh completion script",
	.synopsis = "bash|zsh",
	.description =
	"Print the completion script for SHELL: every command, subcommand and option, and the "
	"values an option takes (formats, severities, files, folders, hosts). The Debian "
	"package installs both; for a build from source:\n"
	"\n"
	"  bash: source <(keyward completion bash)\n"
	"        or save it as /usr/share/bash-completion/completions/keyward\n"
	"  zsh:  keyward completion zsh > \"${fpath[1]}/_keyward\", then compinit\n",
	.opts = completion_opts,
	.exit_status = "0 printed; 2 no such shell.",
	.examples = "source <(keyward completion bash)\nkeyward completion zsh > ~/.zfunc/_keyward\n",
	.operands = KW_COMP_WORDS,
	.operand_words = "bash zsh",
};

void kw_print_overview(FILE *out)
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
			fprintf(out, "  %-11s %s\n", kw_commands[i].spec->name, kw_commands[i].spec->summary);
	fprintf(out,
		"\n"
		"Run 'keyward help COMMAND' or 'keyward COMMAND --help' for a command's options;\n"
		"man keyward-COMMAND for its manual page.\n"
		"Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
		"3 some checks could not run.\n");
}


static int unknown(const char *what, const char *name)
{
	_cleanup_free_ char *e = kw_escape_str(name);
	fprintf(stderr, "keyward: unknown %s '%s'\nRun 'keyward help' for the list.\n", what, e ? e : "");
	return 2;
}

int cmd_help(int argc, char **argv)
{
	bool man = false, pages = false;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_help);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_MAN: man = true; break;
		case OPT_PAGES: pages = true; break;
		default: return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (pages) {
		/* the man pages the build makes, one a line: keyward, keyward-audit, ... */
		puts("keyward");
		for (size_t i = 0; i < kw_n_commands; i++) {
			char page[64];
			puts(kw_spec_page_name(kw_commands[i].spec, page, sizeof page));
		}
		return 0;
	}
	if (optind >= argc) {
		if (man)
			kw_print_main_scdoc(stdout);
		else
			kw_print_overview(stdout);
		return 0;
	}
	if (argc - optind > 2)
		return unknown("help topic", argv[optind + 2]);
	char name[64];
	snprintf(name, sizeof name, "%s%s%s", argv[optind], argc - optind > 1 ? " " : "",
		 argc - optind > 1 ? argv[optind + 1] : "");
	const kw_cmd_spec *s = kw_spec_find(name);
	if (!s)
		return unknown("command", name);
	if (man)
		kw_spec_print_scdoc(s, stdout);
	else
		kw_spec_print_help(s, stdout);
	return 0;
}

int cmd_completion(int argc, char **argv)
{
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_completion);
	int c;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0)
		return kw_opts_unhandled(&p, c);
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (argc - optind == 1 && !strcmp(argv[optind], "bash")) {
		kw_print_completion_bash(stdout);
		return 0;
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "zsh")) {
		kw_print_completion_zsh(stdout);
		return 0;
	}
	fputs("keyward completion: say bash or zsh\nTry 'keyward completion --help'.\n", stderr);
	return 2;
}
