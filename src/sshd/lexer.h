/* lexer.h — sshd_config line lexing exactly as OpenSSH 9.2 does it (misc.c strdelim and
 * argv_split, servconf.c process_server_config_line). Owner: helper "engine".
 *
 * A line is split in two steps:
 *  1. kw_sshd_lex_keyword(): trailing whitespace (and \f) is cut, the keyword is taken
 *     with strdelim rules (separated by blanks or by one '=' which may have blanks around
 *     it; a leading '"' quotes it), and the raw rest of the line is returned. A line whose
 *     keyword starts with '#' or is empty is blank.
 *  2. kw_sshd_lex_args(): the rest is split into arguments with argv_split rules: blanks
 *     separate, "..." and '...' quote, \" \' \\ (and "\ " outside quotes) escape, a '#'
 *     at the start of a token ends the line. An unterminated quote is an error ("invalid
 *     quotes").
 * Pure functions over bytes; no I/O. Lines are capped at KW_SSHD_LINE_MAX bytes and at
 * KW_SSHD_ARGS_MAX arguments.
 */
#ifndef KW_SSHD_LEXER_H
#define KW_SSHD_LEXER_H

#include <stdbool.h>
#include <stddef.h>

/* sshd itself has no line or argument limit (it reads the whole file); a long comment
 * or value line must not be refused, so a line may be as long as a file may be (16 MiB,
 * config.h). Arguments are capped like accumulated values. */
#define KW_SSHD_LINE_MAX ((size_t)16 << 20)
#define KW_SSHD_ARGS_MAX 65536

typedef enum kw_sshd_lex_status {
	KW_SSHD_LEX_BLANK = 0, /* nothing on the line (or a comment) */
	KW_SSHD_LEX_OK,        /* keyword and a non-empty rest */
	KW_SSHD_LEX_NOARG,     /* keyword without argument: "no argument after keyword" */
} kw_sshd_lex_status;

/* Split a line (NUL-terminated, modified in place). On KW_SSHD_LEX_OK/NOARG *ret_kw points
 * at the keyword and *ret_rest at the raw rest (never NULL; "" for NOARG). */
kw_sshd_lex_status kw_sshd_lex_keyword(char *line, char **ret_kw, char **ret_rest);

typedef struct kw_sshd_args {
	char **v;  /* owned strings, v[n] == NULL */
	size_t n;
} kw_sshd_args;

/* argv_split(rest, terminate_on_comment=1). 0, KW_E_PARSE (invalid quotes), KW_E_TOOBIG
 * (too many arguments), -ENOMEM. *ret is written only on success. */
int kw_sshd_lex_args(const char *rest, kw_sshd_args *ret);
void kw_sshd_args_release(kw_sshd_args *a);

/* strdelim(): the next word of *s (blanks, one '=', or a "quoted" word); NULL when none
 * is left or a quote is not closed. Modifies the string; *s becomes NULL at the end. */
char *kw_sshd_strdelim(char **s);

#endif
