/* lexer.c — sshd_config line lexing (strdelim, argv_split) as OpenSSH 9.2 does it.
 * Owner: helper "engine". See lexer.h for the rules. */
#include "sshd/lexer.h"

#include "base/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WS " \t\r\n"

static char *strdelim_internal(char **s, bool split_equals)
{
	if (*s == NULL)
		return NULL;
	char *old = *s;
	*s = strpbrk(*s, split_equals ? WS "\"=" : WS "\"");
	if (*s == NULL)
		return old;
	if ((*s)[0] == '"') {
		memmove(*s, *s + 1, strlen(*s)); /* the NUL moves too */
		if ((*s = strpbrk(*s, "\"")) == NULL)
			return NULL; /* no matching quote */
		(*s)[0] = '\0';
		*s += strspn(*s + 1, WS) + 1;
		return old;
	}
	bool wspace = split_equals && (*s)[0] == '=';
	(*s)[0] = '\0';
	*s += strspn(*s + 1, WS) + 1;
	if (split_equals && (*s)[0] == '=' && !wspace)
		*s += strspn(*s + 1, WS) + 1;
	return old;
}

char *kw_sshd_strdelim(char **s)
{
	return strdelim_internal(s, true);
}

kw_sshd_lex_status kw_sshd_lex_keyword(char *line, char **ret_kw, char **ret_rest)
{
	size_t len = strlen(line);
	if (len == 0)
		return KW_SSHD_LEX_BLANK;
	for (len--; len > 0; len--) {
		if (!strchr(WS "\f", line[len]))
			break;
		line[len] = '\0';
	}
	char *str = line;
	char *kw = kw_sshd_strdelim(&str);
	if (kw == NULL)
		return KW_SSHD_LEX_BLANK;
	if (*kw == '\0')
		kw = kw_sshd_strdelim(&str);
	if (!kw || !*kw || *kw == '#')
		return KW_SSHD_LEX_BLANK;
	*ret_kw = kw;
	if (str == NULL || *str == '\0') {
		*ret_rest = line + strlen(line); /* "" */
		return KW_SSHD_LEX_NOARG;
	}
	*ret_rest = str;
	return KW_SSHD_LEX_OK;
}

void kw_sshd_args_release(kw_sshd_args *a)
{
	if (!a->v)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

int kw_sshd_lex_args(const char *s, kw_sshd_args *ret)
{
	kw_sshd_args a = { 0 };
	size_t cap = 0;
	int r = 0;
	size_t slen = strlen(s);
	if (slen > KW_SSHD_LINE_MAX)
		return KW_E_TOOBIG;
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] == '#')
			break;
		if (a.n + 2 > cap) {
			if (a.n >= KW_SSHD_ARGS_MAX) {
				r = KW_E_TOOBIG;
				goto fail;
			}
			size_t nc = cap ? cap * 2 : 8;
			char **nv = realloc(a.v, nc * sizeof *nv);
			if (!nv) {
				r = -ENOMEM;
				goto fail;
			}
			a.v = nv;
			cap = nc;
		}
		/* room for the rest of the line, shrunk to fit once the token is copied */
		char *arg = malloc(slen - i + 1);
		if (!arg) {
			r = -ENOMEM;
			goto fail;
		}
		a.v[a.n++] = arg;
		a.v[a.n] = NULL;
		char quote = 0;
		size_t j = 0;
		for (; s[i] != '\0'; i++) {
			if (s[i] == '\\') {
				char nx = s[i + 1];
				if (nx == '\'' || nx == '"' || nx == '\\' || (quote == 0 && nx == ' ')) {
					i++;
					arg[j++] = s[i];
				} else {
					arg[j++] = s[i]; /* unrecognised escape: kept */
				}
			} else if (quote == 0 && (s[i] == ' ' || s[i] == '\t')) {
				break;
			} else if (quote == 0 && (s[i] == '"' || s[i] == '\'')) {
				quote = s[i];
			} else if (quote != 0 && s[i] == quote) {
				quote = 0;
			} else {
				arg[j++] = s[i];
			}
		}
		arg[j] = '\0';
		char *fit = realloc(arg, j + 1);
		if (fit)
			a.v[a.n - 1] = arg = fit;
		if (s[i] == '\0') {
			if (quote != 0) {
				r = KW_E_PARSE;
				goto fail;
			}
			break;
		}
	}
	if (!a.v) {
		a.v = calloc(1, sizeof *a.v);
		if (!a.v)
			return -ENOMEM;
	}
	*ret = a;
	return 0;
fail:
	kw_sshd_args_release(&a);
	return r;
}
