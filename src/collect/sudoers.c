/* sudoers.c — the parts of sudoers(5) that decide who may become root without a
 * password (see sudoers.h for what is recorded).
 *
 * Owned by the "parsers" module (collect/accounts, sshkey, sudoers). Pure: one file's
 * bytes in, rules out; the caller follows the include directives.
 *
 * Reading happens in two steps, without recursion:
 *  1. Physical lines become logical lines. A comment starts at a '#' that begins a word
 *     (line start or after a blank, ',', '=' or ':'), is not quoted or escaped, is not
 *     "#<digits>" (a uid) and is not a leading #include/#includedir. As in sudo's lexer,
 *     a comment runs to the end of its physical line and is never continued; otherwise a
 *     line ending in an odd number of backslashes (trailing blanks allowed) continues on
 *     the next one.
 *  2. Each logical line is one of: an include directive, Defaults, an alias definition,
 *     or a user specification
 *         User_List Host_List = [(Runas)] [OPTION=val ...] [TAG: ...] Cmnd, ... [: Host_List = ...]
 *     Tags carry over to later commands of the same Cmnd_Spec_List (up to the next ':'),
 *     until overridden (PASSWD after NOPASSWD).
 * Lines we cannot read are reported (file, line) and skipped; sudo itself would refuse
 * the file or skip the line.
 */
#include "base/vec.h"
#include "collect/sudoers.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define SUDO_MAX_LINE ((size_t)64 << 10)  /* physical and logical lines */
#define SUDO_MAX_LINES 1000000u
#define SUDO_MAX_ENTRIES 100000u         /* rules, aliases, includes each */
#define SUDO_MAX_ITEMS 10000u            /* items in one list */

/* ---- small helpers ---- */

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool at_end(const kw_buf *s)
{
	return s->off >= s->len;
}

static uint8_t peek(const kw_buf *s)
{
	return at_end(s) ? 0 : s->p[s->off];
}

static void skip_blanks(kw_buf *s)
{
	while (!at_end(s) && blank(s->p[s->off]))
		s->off++;
}

/* Skip leading '!'s (blanks allowed after each): how many there were. */
static unsigned skip_negations(kw_buf *s)
{
	unsigned neg = 0;
	while (peek(s) == '!') {
		neg++;
		s->off++;
		skip_blanks(s);
	}
	return neg;
}

static bool is_upper_word(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_word(uint8_t c)
{
	return is_upper_word(c) || (c >= 'a' && c <= 'z');
}

/* Does s start with keyword kw followed by a blank (or end, if end_ok)? */
static bool keyword(const kw_buf *s, const char *kw, bool end_ok)
{
	size_t n = strlen(kw);
	if (kw_buf_left(s) < n || memcmp(kw_buf_cur(s), kw, n) != 0)
		return false;
	if (kw_buf_left(s) == n)
		return end_ok;
	return blank(kw_buf_cur(s)[n]);
}

/* A growable NULL-terminated string list. */
typedef struct strv {
	char **v;
	size_t n, cap;
} strv;

static void strv_free(strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (strv){ 0 };
}

static int strv_push(strv *l, const char *s, size_t n)
{
	if (l->n + 1 >= l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 4;
		char **nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	char *c = strndup(s, n);
	if (!c)
		return -ENOMEM;
	l->v[l->n++] = c;
	l->v[l->n] = NULL;
	return 0;
}

/* A list that must be NULL-terminated even when empty. */
static int strv_finish(strv *l)
{
	if (l->v)
		return 0;
	l->v = calloc(1, sizeof *l->v);
	return l->v ? 0 : -ENOMEM;
}

/* ---- the result under construction ---- */

typedef struct parser {
	kw_sudoers out;
	size_t cap_rules, cap_aliases, cap_includes;
	const char *file;
	kw_diags *d;
	unsigned line; /* first physical line of the logical line being parsed */
} parser;

static int perr(parser *ps, const char *msg)
{
	if (!ps->d)
		return 0;
	return kw_diags_add(ps->d, ps->file, ps->line, KW_E_PARSE, "%s; line skipped", msg);
}

static int add_rule(parser *ps, strv *users, const kw_sudo_rule *proto)
{
	if (ps->out.n_rules >= SUDO_MAX_ENTRIES)
		return perr(ps, "too many rules");
	int r = KW_VEC_RESERVE(ps->out.rules, ps->out.n_rules, ps->cap_rules);
	if (r < 0 || (r = strv_finish(users)) < 0)
		return r;
	kw_sudo_rule *ru = &ps->out.rules[ps->out.n_rules++];
	*ru = *proto;
	ru->line = ps->line;
	ru->users = users->v;
	ru->n_users = users->n;
	*users = (strv){ 0 };
	return 0;
}

/* ---- tokens ---- */

/* One list item: '!'s (blanks allowed after each) kept as a prefix, then a "quoted"
 * string or a run up to a blank or a byte in stops; a backslash takes the next byte
 * literally. Returns 1 with the item in *out, 0 if there is none, or -ENOMEM. */
static int read_item(kw_buf *s, const char *stops, kw_sb *out)
{
	kw_sb_clear(out);
	size_t save = s->off;
	while (peek(s) == '!') {
		if (kw_sb_putc(out, '!') < 0)
			return -ENOMEM;
		s->off++;
		skip_blanks(s);
	}
	size_t body = 0;
	if (peek(s) == '%' && s->off + 1 < s->len && s->p[s->off + 1] == ':') {
		/* "%:group" (non-Unix group): the ':' is part of the name */
		if (kw_sb_put(out, "%:", 2) < 0)
			return -ENOMEM;
		s->off += 2;
	}
	if (peek(s) == '"') {
		s->off++;
		for (;;) {
			if (at_end(s)) {
				s->off = save;
				return 0; /* unterminated quote */
			}
			uint8_t c = s->p[s->off++];
			if (c == '"')
				break;
			if (c == '\\' && !at_end(s))
				c = s->p[s->off++];
			if (kw_sb_putc(out, (char)c) < 0)
				return -ENOMEM;
			body++;
		}
	} else {
		while (!at_end(s)) {
			uint8_t c = s->p[s->off];
			if (blank(c) || strchr(stops, c))
				break;
			s->off++;
			if (c == '\\' && !at_end(s))
				c = s->p[s->off++];
			if (kw_sb_putc(out, (char)c) < 0)
				return -ENOMEM;
			body++;
		}
	}
	if (body == 0) {
		s->off = save;
		return 0;
	}
	return 1;
}

/* item { blanks ',' blanks item }: stops at the first blank not followed by ','. Items
 * go to *list when it is not NULL. Returns the count, 0 if none, or -ENOMEM. */
static int read_list(kw_buf *s, const char *stops, strv *list, kw_sb *tmp)
{
	int count = 0;
	for (;;) {
		int r = read_item(s, stops, tmp);
		if (r <= 0)
			return r < 0 ? r : count ? -1 : 0;
		if (list) {
			if (list->n >= SUDO_MAX_ITEMS)
				return -1;
			if ((r = strv_push(list, tmp->s, tmp->len)) < 0)
				return r;
		}
		count++;
		size_t save = s->off;
		skip_blanks(s);
		if (peek(s) != ',') {
			s->off = save;
			return count;
		}
		s->off++;
		skip_blanks(s);
	}
}

/* read_list's result: >0 items, 0 none, -1 malformed (a dangling ','), -ENOMEM. */
#define LIST_BAD (-1)

/* ---- include directives ---- */

static int parse_include(parser *ps, kw_buf *s, bool is_dir)
{
	skip_blanks(s);
	_cleanup_(kw_sb_release) kw_sb path;
	kw_sb_init(&path);
	int r = read_item(s, "", &path);
	if (r < 0)
		return r;
	if (r == 0 || path.s[0] == '!')
		return perr(ps, is_dir ? "includedir without a directory" : "include without a file");
	if (ps->out.n_includes >= SUDO_MAX_ENTRIES)
		return perr(ps, "too many include directives");
	if ((r = KW_VEC_RESERVE(ps->out.includes, ps->out.n_includes, ps->cap_includes)) < 0)
		return r;
	kw_sudo_include *inc = &ps->out.includes[ps->out.n_includes];
	*inc = (kw_sudo_include){ .is_dir = is_dir, .line = ps->line };
	if (!(inc->path = kw_sb_detach(&path)))
		return -ENOMEM;
	ps->out.n_includes++;
	return 0;
}

/* ---- Defaults ---- */

static int parse_defaults(parser *ps, kw_buf *s, kw_sb *tmp)
{
	_cleanup_(strv_free) strv users = { 0 };
	int r;
	s->off += strlen("Defaults");
	uint8_t kind = peek(s);
	if (kind == ':' || kind == '@' || kind == '!' || kind == '>') {
		s->off++;
		r = read_list(s, ",", kind == ':' ? &users : NULL, tmp);
		if (r < 0 && r != LIST_BAD)
			return r;
		if (r <= 0)
			return perr(ps, "bad Defaults binding");
	}
	if (kind != ':') {
		strv_free(&users);
		if ((r = strv_push(&users, "ALL", 3)) < 0)
			return r;
	}
	skip_blanks(s);
	bool noauth = false;
	unsigned n_params = 0;
	while (!at_end(s)) {
		/* [!...]name [(=|+=|-=) value] */
		unsigned neg = skip_negations(s);
		size_t start = s->off;
		while (!at_end(s) && is_word(peek(s)))
			s->off++;
		if (s->off == start)
			return perr(ps, "bad Defaults parameter");
		bool is_auth = s->off - start == strlen("authenticate") &&
			       memcmp(s->p + start, "authenticate", strlen("authenticate")) == 0;
		skip_blanks(s);
		uint8_t c = peek(s);
		if (c == '+' || c == '-') {
			s->off++;
			c = peek(s);
			if (c != '=')
				return perr(ps, "bad Defaults operator");
		}
		if (c == '=') {
			s->off++;
			skip_blanks(s);
			if ((r = read_item(s, ",", tmp)) < 0)
				return r;
			skip_blanks(s);
		} else if (is_auth && neg % 2 == 1) {
			noauth = true;
		}
		n_params++;
		if (peek(s) == ',') {
			s->off++;
			skip_blanks(s);
			continue;
		}
		if (!at_end(s))
			return perr(ps, "bad Defaults line");
	}
	if (n_params == 0)
		return perr(ps, "Defaults without parameters");
	if (!noauth)
		return 0;
	kw_sudo_rule proto = { .noauth_default = true };
	return add_rule(ps, &users, &proto);
}

/* ---- aliases ---- */

static int parse_alias(parser *ps, kw_buf *s, bool is_user, kw_sb *tmp)
{
	while (!at_end(s) && !blank(peek(s)))
		s->off++; /* the keyword */
	for (;;) {
		skip_blanks(s);
		size_t start = s->off;
		if (!(peek(s) >= 'A' && peek(s) <= 'Z'))
			return perr(ps, "bad alias name");
		while (!at_end(s) && is_upper_word(peek(s)))
			s->off++;
		size_t name_end = s->off;
		skip_blanks(s);
		if (peek(s) != '=')
			return perr(ps, "expected '=' after the alias name");
		s->off++;
		skip_blanks(s);
		if (!is_user)
			return 0; /* Host/Runas/Cmnd aliases are recognised and not recorded */
		_cleanup_(strv_free) strv members = { 0 };
		int r = read_list(s, ",:", &members, tmp);
		if (r < 0 && r != LIST_BAD)
			return r;
		if (r <= 0)
			return perr(ps, "bad alias member list");
		if (ps->out.n_aliases >= SUDO_MAX_ENTRIES)
			return perr(ps, "too many aliases");
		if ((r = KW_VEC_RESERVE(ps->out.aliases, ps->out.n_aliases, ps->cap_aliases)) < 0)
			return r;
		kw_sudo_alias *a = &ps->out.aliases[ps->out.n_aliases];
		*a = (kw_sudo_alias){ .line = ps->line };
		if (!(a->name = strndup((const char *)s->p + start, name_end - start)))
			return -ENOMEM;
		a->members = members.v;
		a->n_members = members.n;
		members = (strv){ 0 };
		ps->out.n_aliases++;
		skip_blanks(s);
		if (at_end(s))
			return 0;
		if (peek(s) != ':')
			return perr(ps, "bad alias definition");
		s->off++;
	}
}

/* ---- user specifications ---- */

static const char *const tag_names[] = {
	"NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT", "NOLOG_INPUT",
	"LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW", "NOFOLLOW", "INTERCEPT",
	"NOINTERCEPT",
};
static const char *const option_names[] = {
	"ROLE", "TYPE", "CHROOT", "CWD", "NOTBEFORE", "NOTAFTER", "TIMEOUT", "APPARMOR_PROFILE",
	"PRIVS", "LIMITPRIVS",
};
static const char *const digest_names[] = { "sha224", "sha256", "sha384", "sha512" };

static bool word_in(const uint8_t *p, size_t n, const char *const *list, size_t ln)
{
	for (size_t i = 0; i < ln; i++)
		if (strlen(list[i]) == n && memcmp(list[i], p, n) == 0)
			return true;
	return false;
}

/* Options, tags and digests before a command. Returns 0, or 1 on a syntax error. */
static int cmnd_prefix(kw_buf *s, bool *nopasswd)
{
	for (;;) {
		skip_blanks(s);
		size_t start = s->off;
		while (!at_end(s) && is_word(peek(s)))
			s->off++;
		size_t n = s->off - start;
		const uint8_t *w = s->p + start;
		uint8_t c = peek(s);
		if (n && c == ':' && word_in(w, n, tag_names, KW_ARRAY_LEN(tag_names))) {
			s->off++;
			if (n == 8 && memcmp(w, "NOPASSWD", 8) == 0)
				*nopasswd = true;
			else if (n == 6 && memcmp(w, "PASSWD", 6) == 0)
				*nopasswd = false;
			continue;
		}
		if (n && c == '=' && word_in(w, n, option_names, KW_ARRAY_LEN(option_names))) {
			s->off++;
			_cleanup_(kw_sb_release) kw_sb v;
			kw_sb_init(&v);
			if (read_item(s, ",:", &v) <= 0)
				return 1;
			continue;
		}
		if (n && c == ':' && word_in(w, n, digest_names, KW_ARRAY_LEN(digest_names))) {
			/* sha256:DIGEST[, sha512:DIGEST ...] before the command */
			s->off++;
			while (!at_end(s) && !blank(peek(s)) && peek(s) != ',')
				s->off++;
			skip_blanks(s);
			if (peek(s) == ',') {
				s->off++;
				continue;
			}
			continue;
		}
		s->off = start;
		return 0;
	}
}

/* What sudo accepts as a command: ALL or a Cmnd_Alias name on their own, a fully
 * qualified path (or ^regex$) with arguments, "sudoedit" or "list". */
static bool command_ok(kw_buf cmd)
{
	const uint8_t *p = kw_buf_cur(&cmd);
	size_t n = kw_buf_left(&cmd), w = 0;
	if (n == 0)
		return false;
	while (w < n && !blank(p[w]))
		w++;
	kw_buf word = kw_buf_view(p, w);
	if (p[0] == '/' || p[0] == '^' || kw_buf_eq(&word, "sudoedit") || kw_buf_eq(&word, "list"))
		return true;
	if (w != n || !(p[0] >= 'A' && p[0] <= 'Z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_upper_word(p[i]))
			return false;
	return true; /* ALL or an alias */
}

/* One Cmnd_Spec_List after '='. Returns 0 at the end of the line, 1 if a ':' starts
 * another Host_List = Cmnd_Spec_List, or 2 on a syntax error. */
static int cmnd_spec_list(kw_buf *s, kw_sudo_rule *rule)
{
	bool nopasswd = false;
	for (;;) {
		skip_blanks(s);
		if (peek(s) == '(') {
			const uint8_t *close = memchr(kw_buf_cur(s), ')', kw_buf_left(s));
			if (!close)
				return 2;
			s->off = (size_t)(close - s->p) + 1;
		}
		if (cmnd_prefix(s, &nopasswd))
			return 2;
		skip_blanks(s);
		unsigned neg = skip_negations(s);
		/* the command: up to an unescaped ',' or ':' */
		size_t start = s->off;
		while (!at_end(s)) {
			uint8_t c = peek(s);
			if (c == '\\' && s->off + 1 < s->len) {
				s->off += 2;
				continue;
			}
			if (c == ',' || c == ':')
				break;
			s->off++;
		}
		kw_buf cmd = kw_buf_trim(kw_buf_view(s->p + start, s->off - start));
		if (!command_ok(cmd))
			return 2;
		if (neg % 2 == 0) {
			if (nopasswd)
				rule->nopasswd = true;
			if (kw_buf_eq(&cmd, "ALL")) {
				rule->all_commands = true;
				if (nopasswd)
					rule->nopasswd_all = true;
			}
		}
		if (at_end(s))
			return 0;
		if (peek(s) == ':') {
			s->off++;
			return 1;
		}
		s->off++; /* ',' */
	}
}

static int parse_user_spec(parser *ps, kw_buf *s, kw_sb *tmp)
{
	_cleanup_(strv_free) strv users = { 0 };
	int r = read_list(s, ",", &users, tmp);
	if (r < 0 && r != LIST_BAD)
		return r;
	if (r <= 0)
		return perr(ps, "bad user list");
	kw_sudo_rule rule = { 0 };
	for (;;) {
		skip_blanks(s);
		r = read_list(s, ",=", NULL, tmp);
		if (r < 0 && r != LIST_BAD)
			return r;
		if (r <= 0)
			return perr(ps, "bad host list in user specification");
		skip_blanks(s);
		if (peek(s) != '=')
			return perr(ps, "expected '=' after the host list");
		s->off++;
		r = cmnd_spec_list(s, &rule);
		if (r == 2)
			return perr(ps, "bad command list in user specification");
		if (r == 0)
			break;
	}
	return add_rule(ps, &users, &rule);
}

/* ---- logical lines ---- */

static int parse_logical(parser *ps, kw_buf s, kw_sb *tmp)
{
	skip_blanks(&s);
	if (at_end(&s))
		return 0;
	if (keyword(&s, "#include", false) || keyword(&s, "@include", false)) {
		s.off += 8;
		return parse_include(ps, &s, false);
	}
	if (keyword(&s, "#includedir", false) || keyword(&s, "@includedir", false)) {
		s.off += 11;
		return parse_include(ps, &s, true);
	}
	if (kw_buf_starts_with(&s, "Defaults")) {
		uint8_t c = kw_buf_left(&s) > 8 ? kw_buf_cur(&s)[8] : ' ';
		if (blank(c) || c == ':' || c == '@' || c == '!' || c == '>')
			return parse_defaults(ps, &s, tmp);
	}
	if (keyword(&s, "User_Alias", false))
		return parse_alias(ps, &s, true, tmp);
	if (keyword(&s, "Host_Alias", false) || keyword(&s, "Runas_Alias", false) ||
	    keyword(&s, "Cmnd_Alias", false) || keyword(&s, "Cmd_Alias", false))
		return parse_alias(ps, &s, false, tmp);
	return parse_user_spec(ps, &s, tmp);
}

/* Where the comment of a physical line starts (or n). *quoted carries the double-quote
 * state across continued lines. */
static size_t comment_start(const uint8_t *p, size_t n, bool first, bool *quoted)
{
	size_t i = 0;
	if (first) {
		while (i < n && blank(p[i]))
			i++;
		kw_buf s = kw_buf_view(p + i, n - i);
		if (keyword(&s, "#include", false))
			i += 8;
		else if (keyword(&s, "#includedir", false))
			i += 11;
	}
	for (; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\\') {
			i++;
			continue;
		}
		if (c == '"') {
			*quoted = !*quoted;
			continue;
		}
		if (c != '#' || *quoted)
			continue;
		bool word_start = i == 0 || blank(p[i - 1]) || p[i - 1] == ',' || p[i - 1] == '=' ||
				  p[i - 1] == ':' || p[i - 1] == '(' || p[i - 1] == '!';
		if (!word_start)
			continue;
		if (i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9')
			continue; /* #uid */
		return i;
	}
	return n;
}

void kw_sudoers_release(kw_sudoers *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_rules; i++) {
		for (size_t j = 0; j < s->rules[i].n_users; j++)
			free(s->rules[i].users[j]);
		free(s->rules[i].users);
	}
	for (size_t i = 0; i < s->n_aliases; i++) {
		free(s->aliases[i].name);
		for (size_t j = 0; j < s->aliases[i].n_members; j++)
			free(s->aliases[i].members[j]);
		free(s->aliases[i].members);
	}
	for (size_t i = 0; i < s->n_includes; i++)
		free(s->includes[i].path);
	free(s->rules);
	free(s->aliases);
	free(s->includes);
	*s = (kw_sudoers){ 0 };
}

int kw_sudoers_parse(const char *file, const uint8_t *data, size_t len, kw_sudoers *ret, kw_diags *d)
{
	parser ps = { .file = file, .d = d };
	kw_buf in = kw_buf_view(data, data ? len : 0), line;
	_cleanup_(kw_sb_release) kw_sb logical;
	_cleanup_(kw_sb_release) kw_sb tmp;
	kw_sb_init(&logical);
	kw_sb_init(&tmp);
	unsigned lineno = 0;
	bool cont = false, quoted = false, bad = false;
	const char *bad_why = NULL;
	int r = 0;
	bool trunc;

	for (;;) {
		bool more = kw_buf_line(&in, &line, SUDO_MAX_LINE, &trunc);
		if (more && lineno >= SUDO_MAX_LINES) {
			if (d && (r = kw_diags_add_fatal(d, file, lineno, KW_E_TOOBIG,
							 "more than %u lines; the rest is ignored",
							 SUDO_MAX_LINES)) < 0)
				goto fail;
			more = false;
		}
		if (!more) {
			if (cont) {
				/* a continuation at the end of the file: take what we have */
				r = bad ? perr(&ps, bad_why)
					: parse_logical(&ps, kw_buf_view(logical.s, logical.len), &tmp);
				if (r < 0)
					goto fail;
			}
			break;
		}
		lineno++;
		if (!cont) {
			ps.line = lineno;
			kw_sb_clear(&logical);
			quoted = false;
			bad = false;
			bad_why = NULL;
		}
		const uint8_t *p = kw_buf_cur(&line);
		size_t n = kw_buf_left(&line);
		bool next_cont = false;
		if (trunc) {
			/* we cannot see how it ends: the logical line ends here */
			bad = true;
			bad_why = "line longer than 65536 bytes";
		} else {
			if (memchr(p, 0, n)) {
				bad = true;
				bad_why = "NUL byte in line";
			}
			size_t cs = comment_start(p, n, !cont, &quoted), end = cs;
			if (cs == n) {
				size_t e = n;
				while (e > 0 && blank(p[e - 1]))
					e--;
				size_t bs = 0;
				while (bs < e && p[e - 1 - bs] == '\\')
					bs++;
				if (bs % 2 == 1) {
					next_cont = true;
					end = e - 1;
				}
			}
			/* a bad logical line is still followed to its end, then reported once */
			if (!bad && logical.len + end + 1 > SUDO_MAX_LINE) {
				bad = true;
				bad_why = "logical line longer than 65536 bytes";
			}
			if (!bad && ((r = kw_sb_put(&logical, p, end)) < 0 ||
				     (next_cont && (r = kw_sb_putc(&logical, ' ')) < 0)))
				goto fail;
		}
		if (next_cont) {
			cont = true;
			continue;
		}
		cont = false;
		if (bad) {
			if ((r = perr(&ps, bad_why)) < 0)
				goto fail;
			continue;
		}
		if ((r = parse_logical(&ps, kw_buf_view(logical.s, logical.len), &tmp)) < 0)
			goto fail;
	}
	*ret = ps.out;
	return 0;
fail:
	kw_sudoers_release(&ps.out);
	return r;
}
