/* opts.h — a command's options and documentation as one table (kw_cmd_spec). From it come
 * getopt_long's arrays, `--help` and `keyward help COMMAND`, the man page (scdoc source)
 * and the bash and zsh completions, so what a command accepts and what it documents
 * cannot drift apart. The options every command shares (--help, --color, --no-color,
 * --no-progress, --quiet) are appended by the parser and handled there; what they set
 * is in kw_ui.
 */
#ifndef KW_CMD_OPTS_H
#define KW_CMD_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum kw_optarg { KW_ARG_NONE, KW_ARG_REQUIRED, KW_ARG_OPTIONAL } kw_optarg;

/* What a completion offers for an option's value or a command's operands. */
typedef enum kw_comp {
	KW_COMP_NONE,  /* free text: nothing offered */
	KW_COMP_FILE,
	KW_COMP_DIR,
	KW_COMP_WORDS, /* the space-separated words of .words */
	KW_COMP_HOST,
} kw_comp;

/* One row: an option, or (name and short_name both unset) a section heading in .help. */
typedef struct kw_opt {
	int id;              /* what kw_opts_next returns: the short letter, or >= 256 */
	char short_name;     /* 'q', or 0 */
	const char *name;    /* the long name without "--", or NULL */
	kw_optarg arg;
	const char *metavar; /* "DIR"; NULL when arg is KW_ARG_NONE */
	kw_comp comp;
	const char *words;   /* KW_COMP_WORDS: "text json sarif" */
	const char *help;    /* one paragraph, wrapped when printed */
} kw_opt;

#define KW_OPT_SECTION(title) { .help = (title) }
static inline bool kw_opt_is_heading(const kw_opt *o) { return !o->name && !o->short_name; }
#define KW_OPT_END { .id = -1 }

enum { KW_SPEC_OWN_H = 1u << 0, /* -h is the command's own (sshd -h HOSTKEY): help is --help only */ };

/* A command or subcommand. Texts are paragraphs separated by blank lines and wrapped when
 * printed; a line that starts with two spaces is printed as it is (lists, tables). */
typedef struct kw_cmd_spec {
	const char *name;        /* "audit", "keys scan" */
	const char *summary;     /* one line, lower case, no full stop */
	const char *synopsis;    /* usage lines, each after "keyward NAME " */
	const char *description;
	const kw_opt *opts;      /* ends with KW_OPT_END */
	const char *notes;       /* after the options; may be NULL */
	const char *exit_status;
	const char *examples;    /* one command a line, without the prompt */
	kw_comp operands;        /* what the command's non-option arguments are */
	const char *operand_words; /* KW_COMP_WORDS for operands (guard: parse status list ...) */
	unsigned flags;
} kw_cmd_spec;

/* What the shared options set; read by the commands, the progress display and the text
 * renderers' callers. Reset by kw_opts_begin. */
typedef enum kw_color_mode { KW_COLOR_AUTO, KW_COLOR_ALWAYS, KW_COLOR_NEVER } kw_color_mode;
typedef struct kw_ui {
	kw_color_mode color;
	bool quiet;       /* -q: no progress, fewer notes */
	bool no_progress; /* --no-progress or -q (progress.c also honours KEYWARD_NO_PROGRESS) */
} kw_ui;
extern kw_ui kw_ui_settings;

/* Colour on stream f? always / never, or auto: f is a terminal and NO_COLOR is unset or empty. */
bool kw_ui_color(FILE *f);

#define KW_OPTS_MAX 64
typedef struct kw_opts {
	const kw_cmd_spec *spec;
	struct option longs[KW_OPTS_MAX + 1];
	char shorts[3 * KW_OPTS_MAX + 4];
	int exit_code; /* when kw_opts_next returns KW_OPTS_EXIT: 0 after --help, 2 after an error */
} kw_opts;

#define KW_OPTS_EXIT (-2)

/* Start parsing argv (argv[0] is the command's name) with spec's options. */
void kw_opts_begin(kw_opts *p, const kw_cmd_spec *spec);
/* The next option's id (optarg set as getopt_long sets it); -1 when the options end (optind
 * is the first operand); KW_OPTS_EXIT after printing the help (exit_code 0) or a usage
 * error (exit_code 2). The shared options are handled here (they set kw_ui_settings)
 * and never returned. A command's own short option has its letter as id. */
int kw_opts_next(kw_opts *p, int argc, char **argv);
/* For a switch's default: an id in the table that the command does not handle. Says so
 * (an internal error: tests look for it) and returns 70 (EX_SOFTWARE). */
int kw_opts_unhandled(const kw_opts *p, int id);

/* ---- documentation ---- */

/* The --help text. */
void kw_spec_print_help(const kw_cmd_spec *spec, FILE *out);
/* The man page as scdoc source (keyward-audit(1)). */
void kw_spec_print_scdoc(const kw_cmd_spec *spec, FILE *out);
/* "keyward-keys-scan" for "keys scan" into buf; buf. */
const char *kw_spec_page_name(const kw_cmd_spec *spec, char *buf, size_t size);

/* Every spec in documentation order: commands, each followed by its subcommands. */
typedef struct kw_command {
	const kw_cmd_spec *spec;
	int (*fn)(int argc, char **argv); /* NULL for a subcommand (its parent dispatches) */
} kw_command;
extern const kw_command kw_commands[];
extern const size_t kw_n_commands;
/* The shared options, as documented in each command's help. */
extern const kw_opt kw_shared_opts[];
const kw_cmd_spec *kw_spec_find(const char *name);
/* The letter a row (the spec's own or a shared one) has in spec: the shared -h is dropped
 * where the command owns -h (KW_SPEC_OWN_H). */
char kw_opt_short(const kw_cmd_spec *spec, const kw_opt *o);
/* s's name below parent: "scan" for s "keys scan" and parent "keys"; with parent NULL, s's
 * name when s is a top-level command. NULL when s is neither. */
const char *kw_spec_child(const char *parent, const kw_cmd_spec *s);

/* The bash or zsh completion script for every command. */
void kw_print_completion_bash(FILE *out);
void kw_print_completion_zsh(FILE *out);
/* What `keyward` and `keyward --help` print: the commands and where to read more. */
void kw_print_overview(FILE *out);
/* keyward.1: the overview page (commands, shared options, exit codes, files). */
void kw_print_main_scdoc(FILE *out);

#endif
