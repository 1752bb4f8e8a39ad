/* opts.c — see opts.h. The parser over getopt_long, and the help and man page renderers.
 * The completion scripts are in completion.c. */
#include "cmd/opts.h"

#include "base/cleanup.h"
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

kw_ui kw_ui_settings;

bool kw_ui_color(FILE *f)
{
	switch (kw_ui_settings.color) {
	case KW_COLOR_ALWAYS: return true;
	case KW_COLOR_NEVER: return false;
	case KW_COLOR_AUTO: break;
	}
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

enum { SHARED_HELP = 0x10000, SHARED_COLOR, SHARED_NO_COLOR, SHARED_NO_PROGRESS, SHARED_QUIET };

const kw_opt kw_shared_opts[] = {
	{ SHARED_QUIET, 'q', "quiet", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "no progress display and no per-step lines on stderr; results, findings and errors are "
	  "still printed" },
	{ SHARED_NO_PROGRESS, 0, "no-progress", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "no progress display (it is shown only when stderr is a terminal; KEYWARD_NO_PROGRESS "
	  "set in the environment does the same)" },
	{ SHARED_COLOR, 0, "color", KW_ARG_REQUIRED, "WHEN", KW_COMP_WORDS, "auto always never",
	  "colours in text output: auto (default: when the output is a terminal and NO_COLOR is "
	  "unset), always or never" },
	{ SHARED_NO_COLOR, 0, "no-color", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "the same as --color never" },
	{ SHARED_HELP, 'h', "help", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "print this help and exit" },
	KW_OPT_END,
};

char kw_opt_short(const kw_cmd_spec *spec, const kw_opt *o)
{
	if (o->id == SHARED_HELP && (spec->flags & KW_SPEC_OWN_H))
		return 0;
	return o->short_name;
}

const char *kw_spec_child(const char *parent, const kw_cmd_spec *s)
{
	if (!parent)
		return strchr(s->name, ' ') ? NULL : s->name;
	size_t n = strlen(parent);
	return !strncmp(s->name, parent, n) && s->name[n] == ' ' ? s->name + n + 1 : NULL;
}

static void add_opt(kw_opts *p, size_t *nl, size_t *ns, const kw_opt *o, char sh)
{
	static const int has[] = { [KW_ARG_NONE] = no_argument, [KW_ARG_REQUIRED] = required_argument,
				   [KW_ARG_OPTIONAL] = optional_argument };
	if (o->name && *nl < KW_OPTS_MAX)
		p->longs[(*nl)++] = (struct option){ o->name, has[o->arg], NULL, o->id };
	if (sh && *ns + 3 < sizeof p->shorts) {
		p->shorts[(*ns)++] = sh;
		if (o->arg != KW_ARG_NONE)
			p->shorts[(*ns)++] = ':';
		if (o->arg == KW_ARG_OPTIONAL)
			p->shorts[(*ns)++] = ':';
	}
}

void kw_opts_begin(kw_opts *p, const kw_cmd_spec *spec)
{
	memset(p, 0, sizeof *p);
	p->spec = spec;
	kw_ui_settings = (kw_ui){ .color = KW_COLOR_AUTO };
	size_t nl = 0, ns = 0;
	p->shorts[ns++] = ':'; /* a missing value is ':', not '?' */
	for (const kw_opt *o = spec->opts; o && o->id != -1; o++)
		if (!kw_opt_is_heading(o))
			add_opt(p, &nl, &ns, o, kw_opt_short(spec, o));
	for (const kw_opt *o = kw_shared_opts; o->id != -1; o++)
		add_opt(p, &nl, &ns, o, kw_opt_short(spec, o));
	p->shorts[ns] = '\0';
	optind = 0; /* a full reset: glibc also forgets where it was inside "-abc" */
	opterr = 0;
}

static void say(const kw_opts *p, const char *msg, const char *arg)
{
	_cleanup_free_ char *e = arg ? kw_escape_str(arg) : NULL;
	fprintf(stderr, "keyward %s: %s%s\nTry 'keyward %s --help'.\n", p->spec->name, msg,
		e ? e : "", p->spec->name);
}

static const kw_opt *find_id(const kw_cmd_spec *spec, int id)
{
	for (const kw_opt *o = spec->opts; o && o->id != -1; o++)
		if (!kw_opt_is_heading(o) && o->id == id)
			return o;
	return NULL;
}

int kw_opts_next(kw_opts *p, int argc, char **argv)
{
	for (;;) {
		int c = getopt_long(argc, argv, p->shorts, p->longs, NULL);
		const char *opt = optind > 0 && optind <= argc ? argv[optind - 1] : "";
		/* getopt returns a short option's letter: the shared ones map to their ids */
		if (c == 'q')
			c = SHARED_QUIET;
		else if (c == 'h' && !(p->spec->flags & KW_SPEC_OWN_H))
			c = SHARED_HELP;
		switch (c) {
		case -1:
			return -1;
		case ':':
			say(p, "this option needs a value: ", opt);
			p->exit_code = 2;
			return KW_OPTS_EXIT;
		case '?':
			if (optopt && optopt < 256) {
				char s[3] = { '-', (char)optopt, 0 };
				say(p, "unknown option ", s);
			} else if (optopt) {
				say(p, "this option takes no value: ", opt);
			} else {
				say(p, "unknown or ambiguous option ", opt);
			}
			p->exit_code = 2;
			return KW_OPTS_EXIT;
		case SHARED_HELP:
			kw_spec_print_help(p->spec, stdout);
			p->exit_code = 0;
			return KW_OPTS_EXIT;
		case SHARED_QUIET:
			kw_ui_settings.quiet = true;
			kw_ui_settings.no_progress = true;
			continue;
		case SHARED_NO_PROGRESS:
			kw_ui_settings.no_progress = true;
			continue;
		case SHARED_NO_COLOR:
			kw_ui_settings.color = KW_COLOR_NEVER;
			continue;
		case SHARED_COLOR:
			if (!strcmp(optarg, "auto"))
				kw_ui_settings.color = KW_COLOR_AUTO;
			else if (!strcmp(optarg, "always"))
				kw_ui_settings.color = KW_COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				kw_ui_settings.color = KW_COLOR_NEVER;
			else {
				say(p, "--color takes auto, always or never, not ", optarg);
				p->exit_code = 2;
				return KW_OPTS_EXIT;
			}
			continue;
		default:
			return c;
		}
	}
}

int kw_opts_unhandled(const kw_opts *p, int id)
{
	const kw_opt *o = find_id(p->spec, id);
	fprintf(stderr, "keyward %s: internal error: option %s%s has no handler\n", p->spec->name,
		o && o->name ? "--" : "-", o && o->name ? o->name : "?");
	return 70;
}

/* ---- text layout ---- */

#define WIDTH 80
#define OPT_COL 24

/* Print the words of t[0..n) wrapped to width, the first line after `first` columns
 * already used, every other line indented by indent. */
static void wrap(FILE *out, const char *t, size_t n, size_t first, size_t indent, size_t width)
{
	size_t col = first;
	bool start = true;
	const char *end = t + n;
	while (t < end) {
		while (t < end && (*t == ' ' || *t == '\n'))
			t++;
		const char *w = t;
		while (t < end && *t != ' ' && *t != '\n')
			t++;
		size_t len = (size_t)(t - w);
		if (!len)
			break;
		if (!start && col + 1 + len > width) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!start) {
			fputc(' ', out);
			col++;
		}
		fwrite(w, 1, len, out);
		col += len;
		start = false;
	}
	fputc('\n', out);
}

static bool verbatim_line(const char *l) { return l[0] == ' ' && l[1] == ' '; }

/* Paragraphs (blank-line separated) wrapped at indent; verbatim lines kept. Calls
 * para(out, text, len, ctx) for each paragraph and line(out, text, len, ctx) for each
 * verbatim line, so the text and man renderers share the splitting. */
typedef struct blocks_ops {
	void (*para)(FILE *out, const char *t, size_t n, void *ctx);
	void (*verb)(FILE *out, const char *t, size_t n, bool first, bool last, void *ctx);
} blocks_ops;

static void split_blocks(FILE *out, const char *text, const blocks_ops *ops, void *ctx)
{
	const char *p = text;
	while (*p) {
		while (*p == '\n')
			p++;
		if (!*p)
			break;
		if (verbatim_line(p)) {
			bool first = true;
			while (*p && verbatim_line(p)) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				const char *next = nl ? nl + 1 : p + n;
				ops->verb(out, p, n, first, !verbatim_line(next), ctx);
				first = false;
				p = next;
			}
			continue;
		}
		/* a paragraph: up to a blank line or a verbatim line */
		const char *s = p;
		for (;;) {
			const char *nl = strchr(p, '\n');
			if (!nl) {
				p += strlen(p);
				break;
			}
			p = nl + 1;
			if (*p == '\n' || verbatim_line(p) || !*p)
				break;
		}
		ops->para(out, s, (size_t)(p - s), ctx);
	}
}

static void text_para(FILE *out, const char *t, size_t n, void *ctx)
{
	(void)ctx;
	wrap(out, t, n, 0, 0, WIDTH);
	fputc('\n', out);
}

static void text_verb(FILE *out, const char *t, size_t n, bool first, bool last, void *ctx)
{
	(void)ctx;
	(void)first;
	fwrite(t, 1, n, out);
	fputc('\n', out);
	if (last)
		fputc('\n', out);
}

static const blocks_ops text_ops = { text_para, text_verb };

/* "-q, --quiet", "--root DIR", "--moduli[=FILE]", "-f FILE" */
static size_t opt_names(char *buf, size_t size, const kw_opt *o, char sh)
{
	int n;
	const char *mv = o->metavar ? o->metavar : "VALUE";
	const char *sep = sh && o->name ? ", " : "";
	char s[3] = { '-', sh, 0 };
	if (o->arg == KW_ARG_NONE)
		n = snprintf(buf, size, "%s%s%s%s", sh ? s : "", sep, o->name ? "--" : "", o->name ? o->name : "");
	else if (o->arg == KW_ARG_OPTIONAL)
		n = snprintf(buf, size, "%s%s%s%s[=%s]", sh ? s : "", sep, o->name ? "--" : "", o->name ? o->name : "", mv);
	else
		n = snprintf(buf, size, "%s%s%s%s %s", sh ? s : "", sep, o->name ? "--" : "", o->name ? o->name : "", mv);
	return n < 0 ? 0 : (size_t)n;
}

static void print_opt(FILE *out, const kw_opt *o, char sh)
{
	char names[128];
	size_t n = opt_names(names, sizeof names, o, sh);
	fprintf(out, "  %s", names);
	size_t col = 2 + n;
	if (col + 2 > OPT_COL) {
		fprintf(out, "\n%*s", OPT_COL, "");
	} else {
		fprintf(out, "%*s", (int)(OPT_COL - col), "");
	}
	wrap(out, o->help, strlen(o->help), OPT_COL, OPT_COL, WIDTH);
}

static void print_synopsis(FILE *out, const kw_cmd_spec *spec, const char *lead, size_t width)
{
	const char *p = spec->synopsis;
	bool first = true;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int col = fprintf(out, "%s keyward %s ", first ? lead : "      ", spec->name);
		wrap(out, p, n, (size_t)(col > 0 ? col : 0), (size_t)(col > 0 ? col : 0) + 2, width);
		first = false;
		p += n;
		if (*p)
			p++;
	}
}

void kw_spec_print_help(const kw_cmd_spec *spec, FILE *out)
{
	print_synopsis(out, spec, "usage:", WIDTH);
	fputc('\n', out);
	split_blocks(out, spec->description, &text_ops, NULL);
	bool heading = false;
	for (const kw_opt *o = spec->opts; o && o->id != -1; o++) {
		if (kw_opt_is_heading(o)) {
			fprintf(out, "%s%s:\n", heading ? "\n" : "", o->help);
			heading = true;
			continue;
		}
		if (!heading) {
			fputs("Options:\n", out);
			heading = true;
		}
		print_opt(out, o, o->short_name);
	}
	fprintf(out, "%sShared options (every command):\n", heading ? "\n" : "");
	for (const kw_opt *o = kw_shared_opts; o->id != -1; o++)
		print_opt(out, o, kw_opt_short(spec, o));
	fputc('\n', out);
	if (spec->notes)
		split_blocks(out, spec->notes, &text_ops, NULL);
	if (spec->exit_status) {
		fputs("Exit status: ", out);
		wrap(out, spec->exit_status, strlen(spec->exit_status), 13, 0, WIDTH);
		fputc('\n', out);
	}
	if (spec->examples) {
		fputs("Examples:\n", out);
		const char *p = spec->examples;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(out, "  %.*s\n", (int)n, p);
			p += n;
			if (*p)
				p++;
		}
	}
}

/* ---- man pages (scdoc source) ---- */

/* scdoc: '*' and '_' toggle bold and underline, '\' escapes; a line may not start with
 * characters scdoc reads as structure ('#' heading, '-' or '.' list, '|' table, '[' ']'
 * table-like, a tab indent). Text is joined into one line per paragraph, so only its
 * first character needs the guard: a zero-width \& from roff would show literally, so an
 * escaped first character is used instead. */
static void scd_text(FILE *out, const char *t, size_t n, bool join)
{
	bool sol = true;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (join && c == '\n')
			c = ' ';
		if (c == '*' || c == '_' || c == '\\' || (sol && strchr("#-.|[]'`", c)))
			fputc('\\', out);
		fputc(c, out);
		sol = c == '\n';
	}
}

static void scd_para(FILE *out, const char *t, size_t n, void *ctx)
{
	(void)ctx;
	while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
		n--;
	while (n && (*t == ' ' || *t == '\n'))
		t++, n--;
	scd_text(out, t, n, true);
	fputs("\n\n", out);
}

static void scd_verb(FILE *out, const char *t, size_t n, bool first, bool last, void *ctx)
{
	(void)ctx;
	if (first)
		fputs("```\n", out);
	/* inside a literal block scdoc escapes nothing: keep the text, minus its indent */
	fwrite(t + 2, 1, n - 2, out);
	fputc('\n', out);
	if (last)
		fputs("```\n\n", out);
}

static const blocks_ops scd_ops = { scd_para, scd_verb };

/* what every page says of the environment (the shared options' variables) */
static const char scd_environment[] =
	"# ENVIRONMENT\n\n*NO_COLOR*\n\tWhen set and not empty, no colours (unless *--color always*).\n\n"
	"*KEYWARD_NO_PROGRESS*\n\tWhen set and not empty, no progress display.\n\n";

static void scd_str(FILE *out, const char *s) { scd_text(out, s, strlen(s), true); }

static void scd_opt(FILE *out, const kw_opt *o, char sh)
{
	if (sh)
		fprintf(out, "*-%c*%s", sh, o->name ? ", " : "");
	if (o->name)
		fprintf(out, "*--%s*", o->name);
	const char *mv = o->metavar ? o->metavar : "VALUE";
	if (o->arg == KW_ARG_REQUIRED)
		fprintf(out, " _%s_", mv);
	else if (o->arg == KW_ARG_OPTIONAL)
		fprintf(out, "[=_%s_]", mv);
	fputs("\n\t", out);
	scd_str(out, o->help);
	fputs("\n\n", out);
}

const char *kw_spec_page_name(const kw_cmd_spec *spec, char *buf, size_t size)
{
	snprintf(buf, size, "keyward-%s", spec->name);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '-';
	return buf;
}

static void upper(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 32 : *s, out);
}

void kw_spec_print_scdoc(const kw_cmd_spec *spec, FILE *out)
{
	char page[64];
	kw_spec_page_name(spec, page, sizeof page);
	fprintf(out, "%s(1)\n\n# NAME\n\n%s - ", page, page);
	scd_str(out, spec->summary);
	fputs("\n\n# SYNOPSIS\n\n", out);
	const char *p = spec->synopsis;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "*keyward %s* ", spec->name);
		scd_text(out, p, n, true);
		p += n;
		if (*p)
			p++;
		fputs(*p ? "++\n" : "\n", out);
	}
	fputs("\n# DESCRIPTION\n\n", out);
	split_blocks(out, spec->description, &scd_ops, NULL);
	fputs("# OPTIONS\n\n", out);
	for (const kw_opt *o = spec->opts; o && o->id != -1; o++) {
		if (kw_opt_is_heading(o)) {
			fputs("## ", out);
			upper(out, o->help);
			fputs("\n\n", out);
		} else {
			scd_opt(out, o, o->short_name);
		}
	}
	fputs("## SHARED OPTIONS\n\n", out);
	for (const kw_opt *o = kw_shared_opts; o->id != -1; o++)
		scd_opt(out, o, kw_opt_short(spec, o));
	if (spec->notes) {
		fputs("# NOTES\n\n", out);
		split_blocks(out, spec->notes, &scd_ops, NULL);
	}
	if (spec->exit_status) {
		fputs("# EXIT STATUS\n\n", out);
		scd_str(out, spec->exit_status);
		fputs("\n\n", out);
	}
	fputs(scd_environment, out);
	if (spec->examples) {
		fputs("# EXAMPLES\n\n```\n", out);
		fputs(spec->examples, out);
		if (spec->examples[0] && spec->examples[strlen(spec->examples) - 1] != '\n')
			fputc('\n', out);
		fputs("```\n\n", out);
	}
	fputs("# SEE ALSO\n\n*keyward*(1)", out);
	/* the family: a command's subcommands, or a subcommand's parent and siblings */
	char top[64];
	snprintf(top, sizeof top, "%.*s", (int)strcspn(spec->name, " "), spec->name);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		if (s == spec || (strcmp(s->name, top) && !kw_spec_child(top, s)))
			continue;
		char other[64];
		fprintf(out, ", *%s*(1)", kw_spec_page_name(s, other, sizeof other));
	}
	fputs("\n", out);
}

const kw_cmd_spec *kw_spec_find(const char *name)
{
	for (size_t i = 0; i < kw_n_commands; i++)
		if (!strcmp(kw_commands[i].spec->name, name))
			return kw_commands[i].spec;
	return NULL;
}

void kw_print_main_scdoc(FILE *out)
{
	fputs("keyward(1)\n\n# NAME\n\nkeyward - keep remote logon to cloud servers and server images safe\n\n"
	      "# SYNOPSIS\n\n*keyward* _COMMAND_ [_OPTIONS_]++\n*keyward help* [_COMMAND_ [_SUBCOMMAND_]]++\n"
	      "*keyward completion* *bash*|*zsh*++\n*keyward --version*\n\n"
	      "# DESCRIPTION\n\n"
	      "keyward finds and removes preset logon credentials and secrets before an image is "
	      "captured, audits and hardens OpenSSH exactly as sshd reads its configuration, keeps an "
	      "inventory of every SSH key that grants access, bans brute-force sources from sshd's "
	      "logs, rates live SSH servers over the network and audits exported cloud settings.\n\n"
	      "Everything keyward reads from a target (file names, user names, log lines, banners, "
	      "JSON) is treated as hostile: it is escaped before it reaches a terminal or a report, "
	      "and no report ever contains a secret. Commands that change anything are dry runs "
	      "unless given *--apply*, and *keyward undo* puts back what they changed.\n\n"
	      "# COMMANDS\n\n", out);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		char page[64];
		fprintf(out, "*%s*(1)\n\t", kw_spec_page_name(s, page, sizeof page));
		scd_str(out, s->summary);
		fputs("\n\n", out);
	}
	fputs("# SHARED OPTIONS\n\nEvery command takes these:\n\n", out);
	static const kw_cmd_spec none = { .name = "" };
	for (const kw_opt *o = kw_shared_opts; o->id != -1; o++)
		scd_opt(out, o, kw_opt_short(&none, o));
	fputs("# EXIT STATUS\n\n"
	      "*0*\n\tSuccess: nothing at or above *--fail-on*.\n\n"
	      "*1*\n\tA finding at or above *--fail-on* (or, for commands without findings, what the command's page says).\n\n"
	      "*2*\n\tA usage error, or input that could not be read.\n\n"
	      "*3*\n\tSome checks could not run; the report says which and why.\n\n"
	      "*70*\n\tAn internal error in keyward (please report it).\n\n", out);
	fputs(scd_environment, out);
	fputs("# FILES\n\n"
	      "_/etc/keyward/_\n\tguard.conf, waivers, allowed_keys: the configuration the units use.\n\n"
	      "_/usr/share/keyward/_\n\tBuilt-in profiles, policies and hardening drop-ins.\n\n"
	      "_/var/lib/keyward/_\n\tThe guard and keys databases, the undo journal, audit.json.\n\n"
	      "# SEE ALSO\n\n*sshd*(8), *sshd_config*(5), *ssh-keygen*(1), *nft*(8)\n", out);
}
