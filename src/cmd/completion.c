/* completion.c — the bash and zsh completion scripts, written from the commands' option
 * tables (opts.h), so every option a command takes is completed, with its values (files,
 * folders, hosts or a list of words), and nothing it does not take. */
#include "cmd/opts.h"

#include <string.h>

/* Does the spec have subcommands? */
static bool has_subs(const kw_cmd_spec *spec)
{
	for (size_t i = 0; i < kw_n_commands; i++)
		if (kw_spec_child(spec->name, kw_commands[i].spec))
			return true;
	return false;
}

static bool top_level(const kw_cmd_spec *s) { return kw_spec_child(NULL, s) != NULL; }

/* The names below parent (NULL: the top-level commands), sep between them. */
static void put_children(FILE *out, const char *parent, const char *sep)
{
	bool first = true;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const char *c = kw_spec_child(parent, kw_commands[i].spec);
		if (c) {
			fprintf(out, "%s%s", first ? "" : sep, c);
			first = false;
		}
	}
}

typedef void (*opt_fn)(FILE *out, const kw_cmd_spec *spec, const kw_opt *o, char sh, void *ctx);

static void each_opt(FILE *out, const kw_cmd_spec *spec, opt_fn fn, void *ctx)
{
	for (const kw_opt *o = spec->opts; o && o->id != -1; o++)
		if (!kw_opt_is_heading(o))
			fn(out, spec, o, kw_opt_short(spec, o), ctx);
	for (const kw_opt *o = kw_shared_opts; o->id != -1; o++)
		fn(out, spec, o, kw_opt_short(spec, o), ctx);
}

/* ---- bash ---- */

static const char *bash_fn(kw_comp c)
{
	switch (c) {
	case KW_COMP_FILE: return "_keyward_files";
	case KW_COMP_DIR: return "_keyward_dirs";
	case KW_COMP_HOST: return "_keyward_hosts";
	case KW_COMP_WORDS: return "_keyward_words";
	case KW_COMP_NONE: break;
	}
	return NULL;
}

static void bash_list(FILE *out, const kw_cmd_spec *spec, const kw_opt *o, char sh, void *ctx)
{
	(void)spec;
	(void)ctx;
	if (o->name)
		fprintf(out, " --%s", o->name);
	else if (sh)
		fprintf(out, " -%c", sh);
}

static void bash_value(FILE *out, const kw_cmd_spec *spec, const kw_opt *o, char sh, void *ctx)
{
	(void)spec;
	(void)ctx;
	if (o->arg == KW_ARG_NONE)
		return;
	fputs("\t\t", out);
	if (sh)
		fprintf(out, "-%c%s", sh, o->name ? "|" : "");
	if (o->name)
		fprintf(out, "--%s", o->name);
	const char *fn = bash_fn(o->comp);
	if (o->arg == KW_ARG_OPTIONAL) {
		/* --moduli[=FILE]: a value only after '='; after a space comes the next argument */
		if (o->comp == KW_COMP_WORDS)
			fprintf(out, ") ((eq)) && { %s \"%s\"; return; };;\n", fn, o->words ? o->words : "");
		else
			fprintf(out, ") ((eq)) && { %s; return; };;\n", fn ? fn : ":");
	} else if (!fn)
		fputs(") return;;\n", out);
	else if (o->comp == KW_COMP_WORDS)
		fprintf(out, ") %s \"%s\"; return;;\n", fn, o->words ? o->words : "");
	else
		fprintf(out, ") %s; return;;\n", fn);
}

void kw_print_completion_bash(FILE *out)
{
	fputs("# bash completion for keyward(1). Written by `keyward completion bash` from the\n"
	      "# commands' option tables: do not edit; regenerate.\n\n"
	      "_keyward_words() { local IFS=$' \\t\\n'; COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
	      "_keyward_files() { local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); }\n"
	      "_keyward_dirs() { local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")); }\n"
	      "_keyward_hosts() { local IFS=$'\\n'; COMPREPLY=($(compgen -A hostname -- \"$cur\")); }\n\n"
	      "_keyward() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= key eq=0\n"
	      "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\t# COMP_WORDBREAKS splits --format=json into --format, =, json\n"
	      "\tif [[ $cur == = ]]; then cur= eq=1\n"
	      "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then prev=${COMP_WORDS[COMP_CWORD-2]} eq=1; fi\n"
	      "\tCOMPREPLY=()\n"
	      "\tif ((COMP_CWORD == 1)); then\n"
	      "\t\t_keyward_words \"", out);
	put_children(out, NULL, " ");
	fputs(" --help --version\"\n\t\treturn\n\tfi\n"
	      "\tkey=${COMP_WORDS[1]}\n"
	      "\tcase $key in\n", out);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		if (!top_level(s) || !has_subs(s))
			continue;
		fprintf(out, "\t%s)\n\t\tcase ${COMP_WORDS[2]} in ", s->name);
		put_children(out, s->name, "|");
		fputs(") ((COMP_CWORD > 2)) && key=\"$key ${COMP_WORDS[2]}\";; esac;;\n", out);
	}
	fputs("\tesac\n\tcase $key in\n", out);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		fprintf(out, "\t\"%s\")\n\t\tcase $prev in\n", s->name);
		each_opt(out, s, bash_value, NULL);
		fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then _keyward_words \"", out);
		each_opt(out, s, bash_list, NULL);
		fputs("\"; return; fi\n", out);
		if (top_level(s) && has_subs(s)) {
			fputs("\t\tif ((COMP_CWORD == 2)); then _keyward_words \"", out);
			put_children(out, s->name, " ");
			fputs("\"; ", out);
			const char *fn = bash_fn(s->operands);
			if (fn && s->operands != KW_COMP_WORDS)
				fprintf(out, "local w=(\"${COMPREPLY[@]}\"); %s; COMPREPLY+=(\"${w[@]}\"); ", fn);
			fputs("return; fi\n", out);
		}
		const char *fn = bash_fn(s->operands);
		if (s->operands == KW_COMP_WORDS)
			fprintf(out, "\t\t_keyward_words \"%s\"\n", s->operand_words ? s->operand_words : "");
		else if (fn)
			fprintf(out, "\t\t%s\n", fn);
		fputs("\t\t;;\n", out);
	}
	fputs("\tesac\n}\ncomplete -F _keyward keyward\n", out);
}

/* ---- zsh ---- */

/* The help's first clause, quoted for a single-quoted _arguments description. */
static void zsh_desc(FILE *out, const char *help)
{
	size_t n = 0, last_space = 0;
	for (; help[n] && help[n] != ';' && help[n] != '(' && help[n] != ':' && n < 100; n++)
		if (help[n] == ' ')
			last_space = n;
	if (n == 100 && last_space)
		n = last_space;
	while (n && help[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++) {
		char c = help[i];
		if (c == '\'')
			fputs("'\\''", out);
		else if (c == '[' || c == ']' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputc(' ', out);
		else
			fputc(c, out);
	}
}

static void zsh_action(FILE *out, kw_comp c, const char *words, const char *metavar)
{
	/* the message field ends at a colon: escape those of ID[:GLOB] */
	for (const char *m = metavar ? metavar : "value"; *m; m++)
		fprintf(out, *m == ':' ? "\\:" : "%c", *m);
	fputc(':', out);
	switch (c) {
	case KW_COMP_FILE: fputs("_files", out); break;
	case KW_COMP_DIR: fputs("_files -/", out); break;
	case KW_COMP_HOST: fputs("_hosts", out); break;
	case KW_COMP_WORDS: fprintf(out, "(%s)", words ? words : ""); break;
	case KW_COMP_NONE: fputs(" ", out); break;
	}
}

static void zsh_opt(FILE *out, const kw_cmd_spec *spec, const kw_opt *o, char sh, void *ctx)
{
	(void)spec;
	(void)ctx;
	bool value = o->arg != KW_ARG_NONE;
	const char *rep = value ? "*" : "";
	const char *suffix = o->arg == KW_ARG_REQUIRED ? "=" : o->arg == KW_ARG_OPTIONAL ? "=-" : "";
	fputs("\t\t\t", out);
	if (sh && o->name)
		fprintf(out, "%s'(-%c --%s)'{-%c%s,--%s%s}'[", rep, sh, o->name, sh,
			o->arg == KW_ARG_REQUIRED ? "+" : "", o->name, suffix);
	else if (sh)
		fprintf(out, "'%s-%c%s[", rep, sh, o->arg == KW_ARG_REQUIRED ? "+" : o->arg == KW_ARG_OPTIONAL ? "-" : "");
	else
		fprintf(out, "'%s--%s%s[", rep, o->name, suffix);
	zsh_desc(out, o->help);
	fputs("]", out);
	if (value) {
		fputs(o->arg == KW_ARG_OPTIONAL ? "::" : ":", out);
		zsh_action(out, o->comp, o->words, o->metavar);
	}
	fputs("' \\\n", out);
}

static void zsh_describe(FILE *out, const char *var, const char *parent)
{
	fprintf(out, "\tlocal -a %s\n\t%s=(\n", var, var);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		const char *c = kw_spec_child(parent, s);
		if (!c)
			continue;
		fprintf(out, "\t\t'%s:", c);
		zsh_desc(out, s->summary);
		fputs("'\n", out);
	}
	fputs("\t)\n", out);
}

void kw_print_completion_zsh(FILE *out)
{
	fputs("#compdef keyward\n"
	      "# zsh completion for keyward(1). Written by `keyward completion zsh` from the\n"
	      "# commands' option tables: do not edit; regenerate.\n\n"
	      "_keyward() {\n", out);
	zsh_describe(out, "cmds", NULL);
	fputs("\tif (( CURRENT == 2 )); then\n"
	      "\t\t_describe -t commands 'keyward command' cmds\n\t\treturn\n\tfi\n"
	      "\tlocal key=$words[2]\n\tcase $key in\n", out);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		if (!top_level(s) || !has_subs(s))
			continue;
		fprintf(out, "\t%s)\n", s->name);
		zsh_describe(out, "subs", s->name);
		fputs("\t\tif (( CURRENT == 3 )) && [[ $PREFIX != -* ]]; then\n"
		      "\t\t\t_describe -t commands 'subcommand' subs\n", out);
		if (s->operands == KW_COMP_FILE)
			fputs("\t\t\t_files\n", out);
		fputs("\t\t\treturn\n\t\tfi\n"
		      "\t\tif (( ${subs[(I)${words[3]}:*]} )); then\n"
		      "\t\t\tkey=\"$key $words[3]\"; shift words; (( CURRENT-- ))\n\t\tfi;;\n", out);
	}
	fputs("\tesac\n\tshift words; (( CURRENT-- ))\n\tcase $key in\n", out);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		fprintf(out, "\t\"%s\")\n\t\t_arguments -s -S : \\\n", s->name);
		each_opt(out, s, zsh_opt, NULL);
		if (s->operands != KW_COMP_NONE) {
			fputs("\t\t\t'*:", out);
			zsh_action(out, s->operands, s->operand_words, "operand");
			fputs("'", out);
		}
		fputs("\n\t\t;;\n", out);
	}
	fputs("\tesac\n}\n\n"
	      "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	      "\t_keyward \"$@\"\nelse\n\tcompdef _keyward keyward\nfi\n", out);
}
