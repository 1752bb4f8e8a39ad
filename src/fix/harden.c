/* harden.c — the plan of `keyward harden`: which sshd settings are not in force yet,
 * where to write them so they win, and the checks a plan must pass before anyone may
 * apply it. See harden.h for the flow; docs/harden.md for the user's view.
 *
 * Comparisons use the engine's normalised values (what `sshd -T` prints): the set is
 * loaded by the engine as a config of its own, the root's config is the one the collector
 * loaded. A value counts as in force when it is equal, or stricter on the keyword's own
 * scale (PermitRootLogin no beats prohibit-password, MaxAuthTries 3 beats 4, an interval
 * of 0 is the weakest): harden never loosens anything.
 *
 * Placement is decided by trying it: for each Include of the main file (before its first
 * Match) whose folder is under /etc/ssh, name a drop-in that sorts before every file in
 * that folder setting one of our keywords (the engine's provenance says which), stage the
 * result and load it with the engine; the first placement where every setting comes from
 * our file wins, else the marked block at the top of sshd_config.
 */
#include "fix/harden.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"
#include "sshd/algos.h"
#include "sshd/lexer.h"
#include "sshd/moduli.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kw_builtin_data { const char *name; const char *text; size_t len; };
extern const struct kw_builtin_data kw_harden_data[];

const char *const kw_harden_builtin_sets[] = { "baseline", "strict", NULL };

#define SET_MAX_TEXT ((size_t)1 << 20)
#define CONFIG_MAX ((size_t)16 << 20)  /* an sshd config file, as the engine caps it */
#define SET_MAX_DEPTH 8
#define SET_MAX_LINE 4096
#define MATCH_NOTES_MAX 20
#define SSHD_MAIN "/etc/ssh/sshd_config"

/* ================================================================ harden sets == */

void kw_harden_set_release(kw_harden_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].keyword);
		free(s->v[i].line);
	}
	free(s->v);
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i]);
	free(s->names);
	free(s->name);
	free(s->policy);
	*s = (kw_harden_set){ 0 };
}

/* Keywords whose lines add up instead of "first value wins": a line of ours could not
 * make the value effective, only add to it. */
static bool accumulates(kw_sshd_opt o)
{
	switch (o) {
	case KW_SO_PORT: case KW_SO_LISTENADDRESS: case KW_SO_HOSTKEY: case KW_SO_HOSTCERTIFICATE:
	case KW_SO_ALLOWUSERS: case KW_SO_DENYUSERS: case KW_SO_ALLOWGROUPS: case KW_SO_DENYGROUPS:
	case KW_SO_ACCEPTENV: case KW_SO_SUBSYSTEM:
		return true;
	default:
		return false;
	}
}

/* An argument written so argv_split gives it back unchanged. */
static void put_arg(kw_sb *sb, const char *a)
{
	if (a[0] && !strpbrk(a, " \t\"'\\") && a[0] != '#') {
		kw_sb_puts(sb, a);
		return;
	}
	kw_sb_putc(sb, '"');
	for (const char *p = a; *p; p++) {
		if (*p == '"' || *p == '\\')
			kw_sb_putc(sb, '\\');
		kw_sb_putc(sb, *p);
	}
	kw_sb_putc(sb, '"');
}

/* The line to write for "keyword rest": arguments re-quoted, comments dropped (a REST or
 * COMMAND value is the raw rest, as sshd takes it). NULL: bad quotes or ENOMEM. */
static char *setting_line(const kw_sshd_kwdef *kd, const char *kw, const char *rest)
{
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_printf(&sb, "%s ", kw);
	kw_sshd_vtype ty = kw_sshd_optdef_get(kd->opt)->type;
	if (ty == KW_VT_REST || ty == KW_VT_COMMAND) {
		kw_sb_puts(&sb, rest);
	} else {
		kw_sshd_args args;
		if (kw_sshd_lex_args(rest, &args) < 0) {
			kw_sb_release(&sb);
			return NULL;
		}
		for (size_t i = 0; i < args.n; i++) {
			if (i)
				kw_sb_putc(&sb, ' ');
			put_arg(&sb, args.v[i]);
		}
		kw_sshd_args_release(&args);
	}
	return sb.overflow ? (kw_sb_release(&sb), NULL) : kw_sb_detach(&sb);
}

static int set_add(kw_harden_set *s, const kw_sshd_kwdef *kd, const char *kw, char *line,
		   const char *src, unsigned lineno)
{
	kw_harden_setting *st = NULL;
	for (size_t i = 0; i < s->n && !st; i++)
		if (s->v[i].opt == kd->opt)
			st = &s->v[i]; /* a later line replaces the earlier one */
	if (!st && !(st = KW_VEC_PUSH(s->v, s->n, s->cap))) {
		free(line);
		return -ENOMEM;
	}
	free(st->keyword);
	free(st->line);
	st->opt = kd->opt;
	st->keyword = strdup(kw);
	st->line = line;
	st->src = src;
	st->src_line = lineno;
	return st->keyword ? 0 : -ENOMEM;
}

/* Check one setting the way sshd would read it, alone. */
static int engine_check_line(const char *line, const char *src, unsigned lineno, kw_diags *d)
{
	kw_sshd_load_opts o = { .config_path = src, .text = (const uint8_t *)line,
				.text_len = strlen(line) };
	kw_sshd_config *c = NULL;
	kw_diags ld = { 0 };
	int r = kw_sshd_config_load(NULL, &o, &c, &ld);
	kw_sshd_config_free(c);
	if (r == KW_E_PARSE) {
		for (size_t i = 0; i < ld.n; i++)
			if (ld.v[i].fatal)
				kw_diags_add(d, src, lineno, KW_E_PARSE, "%s", ld.v[i].msg);
	}
	kw_diags_release(&ld);
	return r;
}

static int load_set_text(kw_harden_set *s, const char *name, const char *text, size_t len,
			 int depth, kw_diags *d);

static int set_directive(kw_harden_set *s, const char *src, unsigned lineno, char *args,
			 int depth, kw_diags *d)
{
	char *save = NULL;
	char *verb = strtok_r(args, " \t", &save);
	char *arg = verb ? strtok_r(NULL, " \t", &save) : NULL;
	if (!verb || !arg || strtok_r(NULL, " \t", &save)) {
		kw_diags_add(d, src, lineno, KW_E_USAGE, "a directive takes one argument: "
			     "\"# keyward: include NAME\" or \"# keyward: algorithms POLICY|off\"");
		return KW_E_USAGE;
	}
	if (!strcasecmp(verb, "algorithms")) {
		kw_grade g;
		const char *why;
		if (strcasecmp(arg, "off") != 0 &&
		    kw_algos_grade(KW_ALG_CIPHERS, "aes128-ctr", arg, &g, &why) == -ENOENT) {
			kw_diags_add(d, src, lineno, KW_E_USAGE,
				     "unknown algorithms policy %s (a column of data/algorithms.ratings, or off)", arg);
			return KW_E_USAGE;
		}
		free(s->policy);
		s->policy = strcasecmp(arg, "off") ? strdup(arg) : NULL;
		s->policy_set = true;
		return strcasecmp(arg, "off") && !s->policy ? -ENOMEM : 0;
	}
	if (!strcasecmp(verb, "include")) {
		if (depth >= SET_MAX_DEPTH) {
			kw_diags_add(d, src, lineno, KW_E_USAGE, "includes nest deeper than %d", SET_MAX_DEPTH);
			return KW_E_USAGE;
		}
		for (const struct kw_builtin_data *b = kw_harden_data; b->name; b++)
			if (!strcmp(b->name, arg))
				return load_set_text(s, b->name, b->text, b->len, depth + 1, d);
		kw_diags_add(d, src, lineno, -ENOENT, "no built-in harden set %s", arg);
		return KW_E_USAGE;
	}
	kw_diags_add(d, src, lineno, KW_E_USAGE, "unknown directive %s (include, algorithms)", verb);
	return KW_E_USAGE;
}

static int set_line(kw_harden_set *s, const char *src, unsigned lineno, char *line, int depth,
		    kw_diags *d)
{
	static const char dir[] = "# keyward:";
	char *p = line + strspn(line, " \t");
	if (!strncasecmp(p, dir, sizeof dir - 1))
		return set_directive(s, src, lineno, p + sizeof dir - 1, depth, d);
	_cleanup_free_ char *copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	char *kw, *rest;
	kw_sshd_lex_status ls = kw_sshd_lex_keyword(copy, &kw, &rest);
	if (ls == KW_SSHD_LEX_BLANK)
		return 0;
	if (ls == KW_SSHD_LEX_NOARG) {
		kw_diags_add(d, src, lineno, KW_E_PARSE, "no argument after keyword \"%s\"", kw);
		return KW_E_PARSE;
	}
	const kw_sshd_kwdef *kd = kw_sshd_keyword_find(kw);
	const char *bad = !kd ? "is not an sshd keyword"
		: !strcasecmp(kw, "match") || !strcasecmp(kw, "include")
			? "cannot be in a harden set (global settings only)"
		: kd->flags & (KW_KF_DEPRECATED | KW_KF_UNSUPPORTED | KW_KF_IGNORE)
			? "is deprecated or unsupported: sshd ignores it"
		: accumulates(kd->opt)
			? "adds up across lines (first value does not win): harden cannot make it "
			  "effective by adding a line; edit it in sshd_config yourself"
		: NULL;
	if (bad) {
		kw_diags_add(d, src, lineno, KW_E_USAGE, "%s %s", kw, bad);
		return KW_E_USAGE;
	}
	char *out = setting_line(kd, kw, rest);
	if (!out) {
		kw_diags_add(d, src, lineno, KW_E_PARSE, "invalid quotes");
		return KW_E_PARSE;
	}
	int r = engine_check_line(out, src, lineno, d);
	if (r < 0) {
		free(out);
		return r;
	}
	return set_add(s, kd, kw, out, src, lineno);
}

static int load_set_text(kw_harden_set *s, const char *name, const char *text, size_t len,
			 int depth, kw_diags *d)
{
	for (size_t i = 0; i < s->n_names; i++)
		if (!strcmp(s->names[i], name)) {
			kw_diags_add(d, name, 0, KW_E_USAGE, "include loop");
			return KW_E_USAGE;
		}
	char **slot = KW_VEC_PUSH(s->names, s->n_names, s->cap_names);
	if (!slot || !(*slot = strdup(name)))
		return -ENOMEM;
	const char *src = *slot;
	kw_buf in = kw_buf_view(text, len), lb;
	bool trunc;
	unsigned lineno = 0;
	int bad = 0;
	while (kw_buf_line(&in, &lb, SET_MAX_LINE, &trunc)) {
		lineno++;
		if (trunc || kw_buf_has_nul(&lb)) {
			kw_diags_add(d, src, lineno, KW_E_PARSE, trunc ? "line longer than %d bytes"
				     : "NUL byte in the line", SET_MAX_LINE);
			bad = KW_E_PARSE;
			continue;
		}
		_cleanup_free_ char *line = kw_buf_strdup(&lb);
		if (!line)
			return -ENOMEM;
		int r = set_line(s, src, lineno, line, depth, d);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !bad)
			bad = r;
	}
	return bad;
}

static int read_file_text(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	kw_sb sb;
	kw_sb_init(&sb);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		kw_sb_put(&sb, chunk, n);
		if (sb.len > SET_MAX_TEXT) {
			kw_sb_release(&sb);
			return KW_E_TOOBIG;
		}
	}
	if (ferror(f) || sb.overflow) {
		kw_sb_release(&sb);
		return -EIO;
	}
	*ret_len = sb.len;
	*ret = kw_sb_detach(&sb);
	return *ret ? 0 : -ENOMEM;
}

int kw_harden_set_load(const char *name_or_path, kw_harden_set *ret, kw_diags *d)
{
	kw_harden_set s = { 0 };
	size_t nl = strlen(name_or_path);
	bool file = strchr(name_or_path, '/') || (nl > 5 && !strcmp(name_or_path + nl - 5, ".conf"));
	int r;
	if (!(s.name = strdup(name_or_path)))
		return -ENOMEM;
	if (file) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if ((r = read_file_text(name_or_path, &text, &len)) < 0) {
			kw_diags_add(d, name_or_path, 0, r, "cannot read the harden set: %s", kw_strerror(r));
			goto fail;
		}
		r = load_set_text(&s, name_or_path, text, len, 0, d);
	} else {
		r = -ENOENT;
		for (const struct kw_builtin_data *b = kw_harden_data; b->name; b++)
			if (!strcmp(b->name, name_or_path))
				r = load_set_text(&s, b->name, b->text, b->len, 0, d);
		if (r == -ENOENT)
			kw_diags_add(d, name_or_path, 0, r, "no built-in harden set of that name "
				     "(baseline, strict; a file needs a '/' or the .conf ending)");
	}
	if (r < 0)
		goto fail;
	if (!s.policy_set && !(s.policy = strdup("baseline"))) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	kw_harden_set_release(&s);
	return r;
}

/* ================================================================ comparisons == */

/* The values of an option as one text: -T's lines joined by "\n" (one-line lists by
 * " "). NULL when it has none. */
static char *values_text(const kw_sshd_result *r, kw_sshd_opt o)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, o, &v);
	if (!n)
		return NULL;
	const char *sep = kw_sshd_optdef_get(o)->print == KW_PR_ONELINE ? " " : "\n";
	kw_sb sb;
	kw_sb_init(&sb);
	for (size_t i = 0; i < n; i++)
		kw_sb_printf(&sb, "%s%s", i ? sep : "", v[i]);
	return sb.overflow ? (kw_sb_release(&sb), NULL) : kw_sb_detach(&sb);
}

/* Strictest first; '|' joins values of the same rank. */
static const struct { kw_sshd_opt opt; const char *ranks; } scales[] = {
	{ KW_SO_PERMITROOTLOGIN, "no,forced-commands-only,without-password|prohibit-password,yes" },
	{ KW_SO_ALLOWTCPFORWARDING, "no,local|remote,yes|all" },
	{ KW_SO_ALLOWSTREAMLOCALFORWARDING, "no,local|remote,yes|all" },
	{ KW_SO_COMPRESSION, "no,delayed,yes" },
	{ KW_SO_IGNORERHOSTS, "yes,shosts-only,no" },
	{ KW_SO_GATEWAYPORTS, "no,clientspecified,yes" },
	{ KW_SO_PERMITTUNNEL, "no,point-to-point|ethernet,yes" },
};

static int rank_of(const char *ranks, const char *v)
{
	int rank = 0;
	size_t vl = strlen(v);
	for (const char *p = ranks; *p; p++) {
		size_t n = strcspn(p, ",|");
		if (n == vl && !strncasecmp(p, v, n))
			return rank;
		p += n;
		if (*p == ',')
			rank++;
		if (!*p)
			break;
	}
	return -1;
}

/* Is the current value at least as strict as the wanted one? */
static bool at_least(kw_sshd_opt o, const char *cur, const char *want)
{
	if (!cur || !want)
		return cur == want;
	if (!strcasecmp(cur, want))
		return true;
	for (size_t i = 0; i < KW_ARRAY_LEN(scales); i++)
		if (scales[i].opt == o) {
			int a = rank_of(scales[i].ranks, cur), b = rank_of(scales[i].ranks, want);
			return a >= 0 && b >= 0 && a < b;
		}
	char *end;
	long c = strtol(cur, &end, 10), w;
	bool cnum = *cur && !*end;
	w = strtol(want, &end, 10);
	bool wnum = *want && !*end;
	switch (o) {
	case KW_SO_MAXAUTHTRIES: case KW_SO_MAXSESSIONS:
		return cnum && wnum && c <= w;
	case KW_SO_LOGINGRACETIME: case KW_SO_CLIENTALIVEINTERVAL: case KW_SO_CLIENTALIVECOUNTMAX:
		return cnum && wnum && c > 0 && (w == 0 || c <= w); /* 0: no limit, the weakest */
	case KW_SO_MAXSTARTUPS: {
		unsigned long cs, cr, cf, ws, wr, wf;
		return sscanf(cur, "%lu:%lu:%lu", &cs, &cr, &cf) == 3 &&
		       sscanf(want, "%lu:%lu:%lu", &ws, &wr, &wf) == 3 && cs <= ws && cr >= wr && cf <= wf;
	}
	default:
		return false;
	}
}

/* ================================================================ the plan == */

typedef struct want {
	kw_sshd_opt opt;
	const char *keyword;   /* as written (set) or canonical (computed) */
	char *line;            /* the line to write */
	char *value;           /* normalised wanted value (values_text) */
	bool needed;           /* not in force yet */
} want;

typedef struct ours {
	char **lines;          /* its settings (lines as written), in order */
	kw_sshd_opt *opts;
	size_t n, cap, cap_opts;
} ours;

typedef struct hctx {
	kw_target *t;
	const kw_facts *f;
	const kw_harden_opts *o;
	kw_sshd_config *cur;
	const kw_sshd_result *curg;
	kw_plan *p;
	kw_harden_result *res;
	want *w;
	size_t nw, cap_w;
	/* moduli */
	bool moduli_action;
	uint8_t *moduli_new;
	size_t moduli_new_len;
	kw_file moduli_old;
	bool moduli_old_exists;
	/* the chosen placement */
	kw_stage stage;
	kw_sshd_config *newc;
	unsigned block_begin, block_end; /* an earlier block of ours in sshd_config (lines) */
} hctx;

static void wants_release(hctx *h)
{
	for (size_t i = 0; i < h->nw; i++) {
		free(h->w[i].line);
		free(h->w[i].value);
	}
	free(h->w);
}

static int refuse(hctx *h, kw_harden_refusal why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(hctx *h, kw_harden_refusal why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(h->res->why);
	if (vasprintf(&h->res->why, fmt, ap) < 0)
		h->res->why = NULL;
	va_end(ap);
	h->res->refusal = why;
	return h->res->why ? KW_E_REFUSED : -ENOMEM;
}

static int add_want(hctx *h, kw_sshd_opt opt, const char *keyword, const char *line, char *value)
{
	want *w = KW_VEC_PUSH(h->w, h->nw, h->cap_w);
	if (!w || !(w->line = strdup(line))) {
		free(value);
		return -ENOMEM;
	}
	w->opt = opt;
	w->keyword = keyword;
	w->value = value;
	_cleanup_free_ char *cur = values_text(h->curg, opt);
	w->needed = !at_least(opt, cur, value);
	return 0;
}

/* The set's settings, normalised by loading the set as a config of its own. */
static int wants_from_set(hctx *h)
{
	const kw_harden_set *s = h->o->set;
	kw_sb text;
	kw_sb_init(&text);
	for (size_t i = 0; i < s->n; i++)
		kw_sb_printf(&text, "%s\n", s->v[i].line);
	if (text.overflow) {
		kw_sb_release(&text);
		return -ENOMEM;
	}
	kw_sshd_load_opts lo = { .config_path = s->name, .text = (const uint8_t *)text.s,
				 .text_len = text.len };
	kw_sshd_config *sc = NULL;
	kw_diags d = { 0 };
	int r = kw_sshd_config_load(NULL, &lo, &sc, &d);
	kw_sb_release(&text);
	if (r < 0) {
		const char *msg = "?";
		for (size_t i = 0; i < d.n; i++)
			if (d.v[i].fatal)
				msg = d.v[i].msg;
		r = r == KW_E_PARSE ? refuse(h, KW_HARDEN_REFUSE_CONFIG,
					     "the harden set %s together is refused by sshd: %s", s->name, msg) : r;
		kw_diags_release(&d);
		return r;
	}
	kw_diags_release(&d);
	for (size_t i = 0; i < s->n && r == 0; i++) {
		char *v = values_text(kw_sshd_config_global(sc), s->v[i].opt);
		r = v || kw_sshd_optdef_get(s->v[i].opt)->print == KW_PR_NEVER ? 0 : -ENOMEM;
		if (r == 0)
			r = add_want(h, s->v[i].opt, s->v[i].keyword, s->v[i].line, v);
	}
	kw_sshd_config_free(sc);
	return r;
}

static bool set_has(const kw_harden_set *s, kw_sshd_opt o)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].opt == o)
			return true;
	return false;
}

/* The effective list minus what the policy rejects (fail; strict: warn too). */
static int filter_algos(kw_alg_kind kind, const char *list, const char *policy, kw_sb *out)
{
	_cleanup_free_ char *copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	bool strict = !strcmp(policy, "strict");
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		kw_grade g;
		const char *why;
		int r = kw_algos_grade(kind, n, policy, &g, &why);
		if (r < 0)
			return r;
		if (g == KW_GRADE_FAIL || (strict && g == KW_GRADE_WARN))
			continue;
		kw_sb_printf(out, "%s%s", out->len ? "," : "", n);
	}
	return out->overflow ? -ENOMEM : 0;
}

/* The algorithm names a host key is offered under. */
static bool hostkey_offered(const char *type, const char *list)
{
	if (!strcmp(type, "ssh-rsa"))
		return kw_algos_list_has(list, "rsa-sha2-512") || kw_algos_list_has(list, "rsa-sha2-256") ||
		       kw_algos_list_has(list, "ssh-rsa");
	return kw_algos_list_has(list, type);
}

static int wants_algorithms(hctx *h)
{
	const kw_harden_set *s = h->o->set;
	if (!s->policy)
		return 0;
	for (int k = 0; k < KW_ALG__COUNT; k++) {
		if (k == KW_ALG_HOSTBASED)
			continue; /* host-based logins are turned off, not graded */
		const kw_sshd_kwdef *kd = kw_sshd_keyword_find(kw_algos_keyword((kw_alg_kind)k));
		if (!kd || set_has(s, kd->opt))
			continue; /* an explicit line in the set wins */
		const char *cur = kw_sshd_value(h->curg, kd->opt);
		kw_sb list;
		kw_sb_init(&list);
		int r = filter_algos((kw_alg_kind)k, cur ? cur : "", s->policy, &list);
		if (r == 0 && !list.len) /* never empty: fall back to the graded default */
			r = filter_algos((kw_alg_kind)k, kw_algos_default((kw_alg_kind)k), s->policy, &list);
		if (r < 0) {
			kw_sb_release(&list);
			return r;
		}
		if (!list.len) {
			kw_sb_release(&list);
			r = kw_plan_note(h->p, "%s: every algorithm is graded out by policy %s; left as it is",
					 kw_algos_keyword((kw_alg_kind)k), s->policy);
			if (r < 0)
				return r;
			continue;
		}
		_cleanup_free_ char *line = NULL;
		if (asprintf(&line, "%s %s", kw_algos_keyword((kw_alg_kind)k), list.s) < 0) {
			kw_sb_release(&list);
			return -ENOMEM;
		}
		r = add_want(h, kd->opt, kw_algos_keyword((kw_alg_kind)k), line, kw_sb_detach(&list));
		if (r < 0)
			return r;
	}
	return 0;
}

/* Refuse a HostKeyAlgorithms list that offers none of the root's host keys. */
static int check_hostkeys(hctx *h)
{
	const kw_sshd_facts *s = &h->f->sshd;
	const char *list = NULL;
	for (size_t i = 0; i < h->nw; i++)
		if (h->w[i].opt == KW_SO_HOSTKEYALGORITHMS && h->w[i].needed)
			list = h->w[i].value;
	if (!list)
		return 0;
	size_t known = 0;
	for (size_t i = 0; i < s->n_hostkeys; i++) {
		const kw_sshd_hostkey *hk = &s->hostkeys[i];
		const kw_pubkey *pk = hk->priv.has_pub ? &hk->priv.pub : hk->has_pub ? &hk->pub : NULL;
		if (!pk)
			continue;
		known++;
		if (hostkey_offered(pk->type, list))
			return 0;
	}
	if (!known)
		return 0;
	return refuse(h, KW_HARDEN_REFUSE_HOSTKEY,
		      "HostKeyAlgorithms %s would offer none of the %zu host keys of the root: clients "
		      "could not connect. Add an Ed25519 host key (ssh-keygen -t ed25519 -f "
		      "/etc/ssh/ssh_host_ed25519_key) or set HostKeyAlgorithms in your own harden set",
		      list, known);
}

/* ---------------------------------------------------------------- moduli -- */

static int plan_moduli(hctx *h)
{
	if (h->o->no_moduli)
		return 0;
	const char *path = kw_sshd_value(h->curg, KW_SO_MODULIFILE);
	if (!path)
		path = "/etc/ssh/moduli";
	kw_file file = { 0 };
	int r = kw_target_read(h->t, path, KW_MODULI_MAX_INPUT + 1, &file);
	if (r == -ENOENT || r == -ENOTDIR)
		return kw_plan_note(h->p, "moduli: %s does not exist: sshd uses its fixed RFC 3526 groups", path);
	if (r < 0 || file.truncated) {
		kw_file_release(&file);
		return refuse(h, KW_HARDEN_REFUSE_MODULI, "moduli: cannot read %s: %s", path,
			      kw_strerror(r < 0 ? r : KW_E_TOOBIG));
	}
	kw_moduli m;
	kw_diags d = { 0 };
	r = kw_moduli_parse(path, file.data, file.len, &m, &d);
	kw_diags_release(&d);
	if (r < 0) {
		kw_file_release(&file);
		return r == -ENOMEM ? r : refuse(h, KW_HARDEN_REFUSE_MODULI, "moduli: cannot parse %s: %s",
						 path, kw_strerror(r));
	}
	uint32_t bits = h->o->min_bits ? h->o->min_bits : KW_HARDEN_MIN_BITS;
	kw_moduli_filter flt;
	kw_moduli_filter_check(&m, bits - 1, &flt);
	if (!flt.removed) {
		kw_moduli_release(&m);
		kw_file_release(&file);
		return 0;
	}
	if (!flt.remain || !flt.usable) {
		r = refuse(h, KW_HARDEN_REFUSE_MODULI,
			   "moduli: keeping the groups of %s with at least %u bits would leave %s (%zu of "
			   "%zu groups): sshd would fall back to one fixed group. Choose a lower "
			   "--min-bits, generate groups (ssh-keygen -M generate / -M screen), or pass "
			   "--no-moduli", path, bits, flt.remain ? "no group sshd can offer (2048-8192 bits)"
			   : "nothing", flt.remain, m.n);
		kw_moduli_release(&m);
		kw_file_release(&file);
		return r;
	}
	/* the kept lines, byte for byte, in file order */
	kw_sb out;
	kw_sb_init(&out);
	kw_sb_printf(&out, "# keyward harden: the groups of %s with at least %u bits (%zu of %zu).\n"
		     "# sshd reads this file through ModuliFile; the packaged file stays untouched.\n",
		     path, bits, flt.remain, m.n);
	kw_buf in = kw_buf_view(file.data, file.len), line;
	bool trunc;
	unsigned lineno = 0;
	size_t k = 0;
	while (kw_buf_line(&in, &line, KW_MODULI_MAX_INPUT, &trunc) && k < m.n) {
		lineno++;
		while (k < m.n && m.v[k].line < lineno)
			k++;
		if (k < m.n && m.v[k].line == lineno && m.v[k].size >= bits - 1) {
			kw_sb_put(&out, kw_buf_cur(&line), kw_buf_left(&line));
			kw_sb_putc(&out, '\n');
		}
	}
	kw_moduli_summary sum;
	kw_sb sizes;
	kw_sb_init(&sizes);
	if (kw_moduli_summarize(&m, &sum) == 0) {
		for (size_t i = 0; i < sum.n; i++)
			kw_sb_printf(&sizes, "%s%zu of %u bits%s", sizes.len ? ", " : "", sum.v[i].count,
				     sum.v[i].size + 1, sum.v[i].size + 1 < bits ? " (removed)" : "");
		kw_moduli_summary_release(&sum);
	}
	r = out.overflow || sizes.overflow ? -ENOMEM
		: kw_plan_note(h->p, "moduli: %s keeps %zu of the %zu groups of %s (%s); %s stays as it is",
			       KW_HARDEN_MODULI, flt.remain, m.n, path, sizes.s, path);
	kw_sb_release(&sizes);
	kw_moduli_release(&m);
	kw_file_release(&file);
	if (r < 0) {
		kw_sb_release(&out);
		return r;
	}
	h->moduli_new_len = out.len;
	h->moduli_new = (uint8_t *)kw_sb_detach(&out);
	r = kw_target_read(h->t, KW_HARDEN_MODULI, KW_MODULI_MAX_INPUT + 1, &h->moduli_old);
	h->moduli_old_exists = r == 0;
	if (r < 0 && r != -ENOENT)
		return refuse(h, KW_HARDEN_REFUSE_MODULI, "moduli: cannot read %s: %s", KW_HARDEN_MODULI,
			      kw_strerror(r));
	h->moduli_action = !h->moduli_old_exists || h->moduli_old.len != h->moduli_new_len ||
			   memcmp(h->moduli_old.data, h->moduli_new, h->moduli_new_len) != 0;
	_cleanup_free_ char *line2 = NULL;
	if (asprintf(&line2, "ModuliFile %s", KW_HARDEN_MODULI) < 0)
		return -ENOMEM;
	char *v = strdup(KW_HARDEN_MODULI);
	return v ? add_want(h, KW_SO_MODULIFILE, "ModuliFile", line2, v) : -ENOMEM;
}

/* ---------------------------------------------------------------- our lines -- */

static void ours_release(ours *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->lines[i]);
	free(o->lines);
	free(o->opts);
	*o = (ours){ 0 };
}

static int ours_add(ours *o, kw_sshd_opt opt, const char *line)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->opts[i] == opt) {
			char *l = strdup(line);
			if (!l)
				return -ENOMEM;
			free(o->lines[i]);
			o->lines[i] = l;
			return 0;
		}
	if (KW_VEC_RESERVE(o->opts, o->n, o->cap_opts) < 0 || KW_VEC_RESERVE(o->lines, o->n, o->cap) < 0)
		return -ENOMEM;
	if (!(o->lines[o->n] = strdup(line)))
		return -ENOMEM;
	o->opts[o->n++] = opt;
	return 0;
}

/* One line of a config text that sets something, lexed as sshd lexes it. */
typedef struct cfg_line {
	unsigned lineno;
	const char *raw;       /* the line as written, without leading blanks */
	char *kw, *rest;       /* keyword and raw rest (point into a private copy) */
} cfg_line;

/* Call fn for every such line in order; fn returns 0 to go on, 1 to stop, <0 on error. */
static int each_setting(const uint8_t *text, size_t len,
			int (*fn)(void *ctx, const cfg_line *l), void *ctx)
{
	kw_buf in = kw_buf_view(text, len), line;
	bool trunc;
	cfg_line l = { 0 };
	int r = 0;
	while (r == 0 && kw_buf_line(&in, &line, CONFIG_MAX, &trunc)) {
		l.lineno++;
		_cleanup_free_ char *raw = kw_buf_strdup(&line);
		_cleanup_free_ char *copy = raw ? strdup(raw) : NULL;
		if (!copy)
			return -ENOMEM;
		if (kw_sshd_lex_keyword(copy, &l.kw, &l.rest) != KW_SSHD_LEX_OK)
			continue;
		l.raw = raw + strspn(raw, " \t");
		r = fn(ctx, &l);
	}
	return r < 0 ? r : 0;
}

typedef struct ours_range {
	ours *o;
	unsigned from, to;
} ours_range;

static int ours_line(void *ctx, const cfg_line *l)
{
	ours_range *x = ctx;
	if (l->lineno < x->from || l->lineno >= x->to)
		return 0;
	const kw_sshd_kwdef *kd = kw_sshd_keyword_find(l->kw);
	return kd ? ours_add(x->o, kd->opt, l->raw) : 0;
}

/* Read the settings of lines [from, to) of text into o. */
static int ours_parse(ours *o, const uint8_t *text, size_t len, unsigned from, unsigned to)
{
	ours_range x = { o, from, to };
	return each_setting(text, len, ours_line, &x);
}

/* Our settings merged with the needed ones, as lines. */
static int merged_lines(hctx *h, ours *o, kw_sb *out)
{
	for (size_t i = 0; i < h->nw; i++)
		if (h->w[i].needed && ours_add(o, h->w[i].opt, h->w[i].line) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < o->n; i++)
		kw_sb_printf(out, "%s\n", o->lines[i]);
	h->res->n_settings = o->n;
	return out->overflow ? -ENOMEM : 0;
}

/* ---------------------------------------------------------------- staging -- */

/* Stage the root's config with the trial plan applied and load it with the engine. */
static int stage_trial(hctx *h, const kw_plan *trial, kw_stage *st, kw_sshd_config **ret, char **ret_err)
{
	const char *const *files;
	size_t nf = kw_sshd_files(h->cur, &files);
	_cleanup_free_ const char **paths = calloc(nf + 2, sizeof *paths);
	if (!paths)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < nf; i++)
		if (files[i][0] == '/')
			paths[n++] = files[i];
	paths[n++] = "/etc/passwd";
	paths[n++] = "/etc/group";
	int r = kw_stage_create(h->t, paths, n, st);
	if (r < 0)
		return r;
	if ((r = kw_stage_apply(st, trial)) < 0)
		return r;
	kw_target *t = NULL;
	if ((r = kw_target_open_dir(st->root, &t)) < 0)
		return r;
	kw_sshd_load_opts lo = { .config_path = NULL };
	kw_diags d = { 0 };
	r = kw_sshd_config_load(t, &lo, ret, &d);
	kw_target_free(t);
	if (r == KW_E_PARSE) {
		for (size_t i = 0; i < d.n; i++)
			if (d.v[i].fatal && asprintf(ret_err, "%s:%u: %s", d.v[i].file ? d.v[i].file : "?",
						     d.v[i].line, d.v[i].msg) < 0)
				*ret_err = NULL;
	}
	kw_diags_release(&d);
	return r;
}

/* Does every wanted setting hold in the new config, the needed ones from our lines
 * (file `path`, lines [from, to); to 0: any line)? */
static bool verify(hctx *h, kw_sshd_config *c, const char *path, unsigned from, unsigned to,
		   kw_sb *why)
{
	const kw_sshd_result *g = kw_sshd_config_global(c);
	bool ok = true;
	for (size_t i = 0; i < h->nw; i++) {
		const want *w = &h->w[i];
		_cleanup_free_ char *v = values_text(g, w->opt);
		const char *file;
		unsigned line;
		bool src = kw_sshd_value_source(g, w->opt, &file, &line) == 0 && !strcmp(file, path) &&
			   line >= from && (!to || line < to);
		if (at_least(w->opt, v, w->value) && (!w->needed || src))
			continue;
		ok = false;
		if (kw_sshd_value_source(g, w->opt, &file, &line) == 0)
			kw_sb_printf(why, "%s%s comes from %s:%u", why->len ? ", " : "", w->keyword, file, line);
		else
			kw_sb_printf(why, "%s%s is not set", why->len ? ", " : "", w->keyword);
	}
	return ok;
}

static int add_moduli_action(hctx *h, kw_plan *p)
{
	if (!h->moduli_action)
		return 0;
	return kw_plan_replace(p, "moduli", KW_HARDEN_MODULI, h->moduli_old.data, h->moduli_old.len,
			       h->moduli_old_exists, h->moduli_new, h->moduli_new_len, 0644,
			       KW_REDACT_ALL, "only the Diffie-Hellman groups of the wanted size");
}

/* The placement is decided: copy the trial plan's actions into the plan and keep its
 * stage and config (freed with the context). On error the caller still owns st and nc. */
static int adopt(hctx *h, const kw_plan *trial, kw_stage *st, kw_sshd_config *nc)
{
	for (size_t i = 0; i < trial->n; i++) {
		const kw_action *a = &trial->v[i];
		int r = a->kind == KW_ACT_REPLACE
			? kw_plan_replace(h->p, a->op, a->path, a->old, a->old_len, a->old_exists, a->data,
					  a->len, a->new_mode, a->redact, a->why)
			: kw_plan_remove(h->p, a->op, a->kind, a->path, a->n_entries, a->bytes, a->why);
		if (r < 0)
			return r;
	}
	h->stage = *st;
	*st = (kw_stage){ 0 };
	h->newc = nc;
	return 0;
}

/* ---------------------------------------------------------------- placement -- */

typedef struct include_dir {
	char *dir;     /* /etc/ssh/sshd_config.d */
	char *glob;    /* *.conf */
	unsigned line; /* of the Include in the main file */
} include_dir;

typedef struct include_scan {
	hctx *h;
	include_dir *v;
	size_t n, cap;
} include_scan;

static int include_line(void *ctx, const cfg_line *l)
{
	include_scan *x = ctx;
	if (!strcasecmp(l->kw, "match"))
		return 1; /* an Include inside a Match block applies to some connections only */
	if (strcasecmp(l->kw, "include") != 0)
		return 0;
	kw_sshd_args a;
	if (kw_sshd_lex_args(l->rest, &a) < 0)
		return 0;
	int r = 0;
	for (size_t i = 0; i < a.n && r == 0; i++) {
		_cleanup_free_ char *full = NULL;
		if (asprintf(&full, a.v[i][0] == '/' ? "%s" : "/etc/ssh/%s", a.v[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		char *slash = strrchr(full, '/');
		*slash = '\0';
		const char *dir = full, *glob = slash + 1;
		if (strncmp(dir, "/etc/ssh", 8) != 0 || (dir[8] && dir[8] != '/') ||
		    strpbrk(dir, "*?[\\") || !strpbrk(glob, "*?[") || strstr(dir, "/.."))
			continue;
		kw_stat st;
		if (kw_target_stat(x->h->t, dir, &st) < 0 || st.type != KW_FT_DIR)
			continue;
		include_dir *e = KW_VEC_PUSH(x->v, x->n, x->cap);
		if (!e || !(e->dir = strdup(dir)) || !(e->glob = strdup(glob)))
			r = -ENOMEM;
		else
			e->line = l->lineno;
	}
	kw_sshd_args_release(&a);
	return r;
}

static void include_dirs_free(include_dir *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dir);
		free(v[i].glob);
	}
	free(v);
}

/* Include lines of the main file before its first Match whose pattern is a plain folder
 * under /etc/ssh and a glob for the name. */
static int include_dirs(hctx *h, const kw_file *main, include_dir **ret, size_t *ret_n)
{
	include_scan x = { .h = h };
	int r = each_setting(main->data, main->len, include_line, &x);
	if (r < 0) {
		include_dirs_free(x.v, x.n);
		return r;
	}
	*ret = x.v;
	*ret_n = x.n;
	return 0;
}

static bool is_ours(kw_target *t, const char *path)
{
	kw_file f = { 0 };
	if (kw_target_read(t, path, 4096, &f) < 0)
		return false;
	bool yes = f.len >= strlen(KW_HARDEN_MARK) && !memcmp(f.data, KW_HARDEN_MARK, strlen(KW_HARDEN_MARK));
	kw_file_release(&f);
	return yes;
}

/* The smallest name in dir (other than our own files) of a line that sets a needed
 * keyword now, in force or shadowed: our drop-in must sort before it. */
static const char *first_setter(hctx *h, const char *dir, char **ours_names, size_t n_ours)
{
	const char *best = NULL;
	size_t dl = strlen(dir);
	const kw_sshd_shadow *sh;
	size_t nsh = kw_sshd_shadowed(h->cur, &sh);
	for (size_t i = 0; i < h->nw; i++) {
		if (!h->w[i].needed)
			continue;
		const char *file;
		unsigned line;
		for (size_t k = 0; k <= nsh; k++) {
			if (k < nsh) {
				if (sh[k].opt != h->w[i].opt)
					continue;
				file = sh[k].file;
			} else if (kw_sshd_value_source(h->curg, h->w[i].opt, &file, &line) < 0) {
				continue;
			}
			if (strncmp(file, dir, dl) != 0 || file[dl] != '/' || strchr(file + dl + 1, '/'))
				continue;
			const char *name = file + dl + 1;
			bool mine = false;
			for (size_t o = 0; o < n_ours && !mine; o++)
				mine = !strcmp(ours_names[o], name);
			if (!mine && (!best || strcmp(name, best) < 0))
				best = name;
		}
	}
	return best;
}

/* A name the glob accepts that sorts before `before` (NULL: no constraint). */
static char *dropin_name(const char *glob, const char *before)
{
	/* keep the glob's literal ending (".conf" of "*.conf") */
	const char *star = strrchr(glob, '*');
	const char *suffix = star && !strpbrk(star + 1, "*?[\\") ? star + 1 : ".conf";
	char *name = NULL;
	if (asprintf(&name, "00-keyward-harden%s", suffix) < 0)
		return NULL;
	if (!fnmatch(glob, name, FNM_PERIOD) && (!before || strcmp(name, before) < 0))
		return name;
	free(name);
	if (!before)
		return NULL;
	/* the first character of `before` above '0': its prefix, then "0-keyward-harden" */
	for (size_t i = 0; before[i]; i++) {
		if ((unsigned char)before[i] <= '0')
			continue;
		if (asprintf(&name, "%.*s0-keyward-harden%s", (int)i, before, suffix) < 0)
			return NULL;
		if (!fnmatch(glob, name, FNM_PERIOD) && strcmp(name, before) < 0 && !strchr(name, '/'))
			return name;
		free(name);
		return NULL;
	}
	return NULL;
}

static const char dropin_head[] =
	"%s (set %s): settings that must win. sshd keeps the first value it\n"
	"# reads, so this file's name sorts before every drop-in that sets the same keywords.\n"
	"# `keyward harden` rewrites it; change the harden set, not this file.\n";

/* Try a drop-in in one Include folder. 1: placed (plan filled, stage kept), 0: not
 * possible here (reason in why), negative: error. */
static int try_dropin(hctx *h, const include_dir *inc, kw_sb *why)
{
	kw_dirent *ents = NULL;
	size_t ne = 0;
	int r = kw_target_list(h->t, inc->dir, &ents, &ne);
	if (r < 0) {
		kw_sb_printf(why, "%s%s: %s", why->len ? "; " : "", inc->dir, kw_strerror(r));
		return 0;
	}
	char **mine = calloc(ne + 1, sizeof *mine);
	size_t nm = 0;
	ours o = { 0 };
	kw_plan trial;
	kw_plan_init(&trial);
	kw_file old = { 0 };
	char *name = NULL, *path = NULL, *err = NULL;
	kw_stage st2 = { 0 };
	kw_sshd_config *nc = NULL;
	kw_sb text;
	kw_sb_init(&text);
	if (!mine) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ne; i++) {
		_cleanup_free_ char *p = NULL;
		if (!strstr(ents[i].name, "keyward-harden") || ents[i].type != KW_FT_REG)
			continue;
		if (asprintf(&p, "%s/%s", inc->dir, ents[i].name) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (is_ours(h->t, p) && !(mine[nm++] = strdup(ents[i].name))) {
			r = -ENOMEM;
			goto out;
		}
	}
	name = dropin_name(inc->glob, first_setter(h, inc->dir, mine, nm));
	if (!name) {
		kw_sb_printf(why, "%sno name matching %s/%s sorts before the drop-ins that set the same "
			     "keywords", why->len ? "; " : "", inc->dir, inc->glob);
		r = 0;
		goto out;
	}
	if (asprintf(&path, "%s/%s", inc->dir, name) < 0) {
		path = NULL;
		r = -ENOMEM;
		goto out;
	}
	kw_stat st;
	if (kw_target_lstat(h->t, path, &st) == 0 && !is_ours(h->t, path)) {
		kw_sb_printf(why, "%s%s exists and is not keyward's", why->len ? "; " : "", path);
		r = 0;
		goto out;
	}
	/* merge what our drop-ins (under any name) already say */
	for (size_t i = 0; i < nm; i++) {
		_cleanup_free_ char *p = NULL;
		kw_file f = { 0 };
		if (asprintf(&p, "%s/%s", inc->dir, mine[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (kw_target_read(h->t, p, CONFIG_MAX, &f) == 0) {
			r = ours_parse(&o, f.data, f.len, 1, ~0u);
			kw_file_release(&f);
			if (r < 0)
				goto out;
		}
	}
	r = kw_target_read(h->t, path, CONFIG_MAX, &old);
	bool old_exists = r == 0;
	if (old_exists && old.truncated) {
		r = refuse(h, KW_HARDEN_REFUSE_PLACE, "%s is larger than 16 MiB", path);
		goto out;
	}
	kw_sb_printf(&text, dropin_head, KW_HARDEN_MARK, h->o->set->name);
	if ((r = merged_lines(h, &o, &text)) < 0 || (r = add_moduli_action(h, &trial)) < 0)
		goto out;
	if ((r = kw_plan_replace(&trial, "sshd-dropin", path, old.data, old.len, old_exists,
				 (const uint8_t *)text.s, text.len, 0644, KW_REDACT_NONE,
				 "hardened sshd settings, read before the other drop-ins")) < 0)
		goto out;
	for (size_t i = 0; i < nm; i++) {
		if (!strcmp(mine[i], name))
			continue;
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", inc->dir, mine[i]) < 0 ||
		    kw_plan_remove(&trial, "sshd-dropin", KW_ACT_REMOVE, p, 1, 0,
				   "an earlier keyward drop-in; its settings moved to the new name") < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = stage_trial(h, &trial, &st2, &nc, &err);
	if (r == KW_E_PARSE)
		r = refuse(h, KW_HARDEN_REFUSE_SSHD, "the new configuration is refused by sshd: %s",
			   err ? err : "?");
	if (r < 0)
		goto out;
	kw_sb vwhy;
	kw_sb_init(&vwhy);
	bool wins = verify(h, nc, path, 1, 0, &vwhy);
	if (!wins)
		kw_sb_printf(why, "%sa drop-in in %s does not win (%s)", why->len ? "; " : "", inc->dir,
			     vwhy.s);
	kw_sb_release(&vwhy);
	if (!wins)
		goto out; /* r == 0: try elsewhere */
	/* placed: hand the trial plan over */
	if ((r = adopt(h, &trial, &st2, nc)) < 0)
		goto out;
	nc = NULL;
	h->res->written = TAKE_PTR(path);
	h->res->dropin = true;
	r = kw_plan_note(h->p, "settings: %s, a drop-in the main file Includes at line %u (%s/%s), "
			 "named to sort before every drop-in that sets the same keywords",
			 h->res->written, inc->line, inc->dir, inc->glob);
	r = r < 0 ? r : 1;
out:
	for (size_t i = 0; mine && i < nm; i++)
		free(mine[i]);
	free(mine);
	kw_dirents_free(ents, ne);
	ours_release(&o);
	kw_plan_release(&trial);
	kw_file_release(&old);
	kw_sb_release(&text);
	kw_sshd_config_free(nc);
	kw_stage_release(&st2);
	free(name);
	free(path);
	free(err);
	return r;
}

/* Length of the line at p, its '\n' included. */
static size_t raw_line(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
}

static bool starts(const uint8_t *p, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	return n >= pl && !memcmp(p, prefix, pl);
}

/* The marked block at the top of sshd_config (an old block moves there, merged). */
static int place_block(hctx *h, const kw_file *main, const char *why_not_dropin)
{
	kw_stat st;
	if (kw_target_lstat(h->t, SSHD_MAIN, &st) == 0 && st.type != KW_FT_REG)
		return refuse(h, KW_HARDEN_REFUSE_PLACE, "%s is a symbolic link or not a regular file: "
			      "keyward does not write through links. %s", SSHD_MAIN, why_not_dropin);
	/* find an old block (lines are handled as raw bytes: the rest is copied exactly) */
	const uint8_t *p = main->data, *e = main->data + main->len;
	unsigned lineno = 0, begin = 0, end = 0;
	while (p < e && !end) {
		size_t n = raw_line(p, e);
		lineno++;
		if (!begin && starts(p, n, KW_HARDEN_BEGIN))
			begin = lineno;
		else if (begin && starts(p, n, KW_HARDEN_END))
			end = lineno;
		p += n;
	}
	h->block_begin = begin;
	h->block_end = end;
	if (begin && !end)
		return refuse(h, KW_HARDEN_REFUSE_PLACE, "%s:%u: \"%s\" without \"%s\": fix the block by "
			      "hand first", SSHD_MAIN, begin, KW_HARDEN_BEGIN, KW_HARDEN_END);
	ours o = { 0 };
	int r = begin ? ours_parse(&o, main->data, main->len, begin + 1, end) : 0;
	kw_sb text, body;
	kw_sb_init(&text);
	kw_sb_init(&body);
	if (r == 0)
		r = merged_lines(h, &o, &body);
	kw_sb_printf(&text, "%s (set %s): sshd keeps the first value it reads, so these\n"
		     "# lines come first. `keyward harden` rewrites this block; change the harden set.\n%s%s\n",
		     KW_HARDEN_BEGIN, h->o->set->name, body.s, KW_HARDEN_END);
	unsigned first = 3, last = 3 + (unsigned)o.n; /* the settings' lines in the new file */
	for (p = main->data, lineno = 1; p < e; lineno++) {
		size_t n = raw_line(p, e);
		if (!begin || lineno < begin || lineno > end)
			kw_sb_put(&text, p, n);
		p += n;
	}
	ours_release(&o);
	kw_sb_release(&body);
	kw_plan trial;
	kw_plan_init(&trial);
	if (r == 0 && text.overflow)
		r = -ENOMEM;
	if (r == 0)
		r = add_moduli_action(h, &trial);
	if (r == 0)
		r = kw_plan_replace(&trial, "sshd-config", SSHD_MAIN, main->data, main->len, true,
				    (const uint8_t *)text.s, text.len, -1, KW_REDACT_NONE,
				    "hardened sshd settings in a marked block at the top");
	kw_sb_release(&text);
	kw_stage st2 = { 0 };
	kw_sshd_config *nc = NULL;
	_cleanup_free_ char *err = NULL;
	if (r == 0)
		r = stage_trial(h, &trial, &st2, &nc, &err);
	if (r == KW_E_PARSE)
		r = refuse(h, KW_HARDEN_REFUSE_SSHD, "the new configuration is refused by sshd: %s",
			   err ? err : "?");
	kw_sb vwhy;
	kw_sb_init(&vwhy);
	if (r == 0 && !verify(h, nc, SSHD_MAIN, first, last, &vwhy))
		r = refuse(h, KW_HARDEN_REFUSE_PLACE, "even a block at the top of %s does not make every "
			   "setting effective (%s)", SSHD_MAIN, vwhy.s);
	kw_sb_release(&vwhy);
	if (r == 0)
		r = adopt(h, &trial, &st2, nc);
	kw_plan_release(&trial);
	if (r < 0) {
		kw_sshd_config_free(nc);
		kw_stage_release(&st2);
		return r;
	}
	if (!(h->res->written = strdup(SSHD_MAIN)))
		return -ENOMEM;
	return kw_plan_note(h->p, "settings: a block marked \"%s\" at the top of %s (%s)", KW_HARDEN_BEGIN,
			    SSHD_MAIN, why_not_dropin);
}

static int place(hctx *h)
{
	kw_file main = { 0 };
	int r = kw_target_read(h->t, SSHD_MAIN, CONFIG_MAX, &main);
	if (r < 0 || main.truncated) {
		kw_file_release(&main);
		return refuse(h, KW_HARDEN_REFUSE_CONFIG, "cannot read %s: %s", SSHD_MAIN,
			      kw_strerror(r < 0 ? r : KW_E_TOOBIG));
	}
	include_dir *inc = NULL;
	size_t ni = 0;
	kw_sb why;
	kw_sb_init(&why);
	r = include_dirs(h, &main, &inc, &ni);
	for (size_t i = 0; r == 0 && i < ni; i++)
		r = try_dropin(h, &inc[i], &why);
	if (r == 0)
		r = place_block(h, &main, why.len ? why.s
				: "the main file Includes no folder under /etc/ssh before its first Match");
	include_dirs_free(inc, ni);
	kw_sb_release(&why);
	kw_file_release(&main);
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------------- notes -- */

/* The lines in force now that the new settings override. */
static int note_overrides(hctx *h)
{
	for (size_t i = 0; i < h->nw; i++) {
		const want *w = &h->w[i];
		const char *file;
		unsigned line;
		if (!w->needed || kw_sshd_value_source(h->curg, w->opt, &file, &line) < 0)
			continue;
		bool mine = h->res->written && !strcmp(file, h->res->written) &&
			    (h->res->dropin || (line >= h->block_begin && line <= h->block_end));
		if (mine)
			continue;
		_cleanup_free_ char *v = values_text(h->curg, w->opt);
		int r = kw_plan_note(h->p, "overrides %s:%u (%s %s)", file, line, w->keyword, v ? v : "");
		if (r < 0)
			return r;
	}
	return 0;
}

typedef struct match_scan {
	hctx *h;
	const char *file;
	char *crit;            /* criteria of the open Match block (NULL: global or "all") */
	unsigned mline;
	size_t notes;
} match_scan;

static int match_line(void *ctx, const cfg_line *l)
{
	match_scan *x = ctx;
	if (x->notes >= MATCH_NOTES_MAX)
		return 1;
	if (!strcasecmp(l->kw, "match")) {
		free(x->crit);
		x->crit = NULL;
		if (strcasecmp(l->rest, "all") != 0 && !(x->crit = strdup(l->rest)))
			return -ENOMEM;
		x->mline = l->lineno;
		return 0;
	}
	const kw_sshd_kwdef *kd = kw_sshd_keyword_find(l->kw);
	for (size_t i = 0; x->crit && kd && i < x->h->nw; i++) {
		if (x->h->w[i].opt != kd->opt)
			continue;
		x->notes++;
		return kw_plan_note(x->h->p, "%s:%u: %s %s inside \"Match %s\" (line %u) still applies "
				    "to matching connections: harden does not edit Match blocks",
				    x->file, l->lineno, l->kw, l->rest, x->crit, x->mline);
	}
	return 0;
}

/* Match blocks that set a keyword of the set: harden leaves them alone, say so. */
static int note_match_blocks(hctx *h, kw_target *t, kw_sshd_config *c)
{
	const char *const *files;
	size_t nf = kw_sshd_files(c, &files);
	match_scan x = { .h = h };
	int r = 0;
	for (size_t fi = 0; fi < nf && r == 0 && x.notes < MATCH_NOTES_MAX; fi++) {
		kw_file f = { 0 };
		if (kw_target_read(t, files[fi], CONFIG_MAX, &f) < 0)
			continue;
		x.file = files[fi];
		free(x.crit);
		x.crit = NULL; /* each file starts outside Match (sshd restores the state) */
		r = each_setting(f.data, f.len, match_line, &x);
		kw_file_release(&f);
	}
	free(x.crit);
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------------- checks -- */

/* The real sshd's verdict, and its -T values against ours. */
static int check_sshd(hctx *h)
{
	kw_sshd_check *c = &h->res->check;
	int r = kw_validate_sshd(&h->stage, h->o->sshd, c);
	if (r < 0)
		return r;
	if (c->note && (r = kw_plan_note(h->p, "%s", c->note)) < 0)
		return r;
	if (c->verdict == KW_SSHD_REJECTED) {
		/* sshd's lines (it ends them with \r\n on stderr), joined with "; " */
		kw_sb msg;
		kw_sb_init(&msg);
		for (const char *p = c->errors ? c->errors : ""; *p;) {
			size_t n = strcspn(p, "\r\n");
			if (n)
				kw_sb_printf(&msg, "%s%.*s", msg.len ? "; " : "", (int)n, p);
			p += n + strspn(p + n, "\r\n");
		}
		r = refuse(h, KW_HARDEN_REFUSE_SSHD, "sshd -t rejects the new configuration (exit %d): %s",
			   c->status, msg.len ? msg.s : "no message");
		kw_sb_release(&msg);
		return r;
	}
	if (c->verdict != KW_SSHD_ACCEPTED)
		return 0;
	if (!c->dump)
		return kw_plan_note(h->p, "sshd -t accepts the new configuration; sshd -T could not print "
				    "it (%s), so its values were not compared",
				    c->dump_errors && c->dump_errors[0] ? c->dump_errors : "no message");
	const kw_sshd_result *g = kw_sshd_config_global(h->newc);
	for (size_t i = 0; i < h->nw; i++) {
		const kw_sshd_optdef *od = kw_sshd_optdef_get(h->w[i].opt);
		if (od->print == KW_PR_NEVER)
			continue;
		_cleanup_free_ char *ours_v = values_text(g, h->w[i].opt);
		_cleanup_free_ char *real = kw_sshd_dump_values(c->dump, od->tname);
		if (!ours_v || !real || strcmp(ours_v, real) != 0)
			return refuse(h, KW_HARDEN_REFUSE_SSHD, "sshd -T prints %s %s, keyward's engine %s: "
				      "the settings would not be what the plan says", od->tname,
				      real ? real : "(nothing)", ours_v ? ours_v : "(nothing)");
	}
	return kw_plan_note(h->p, "validated: sshd -t accepts the new configuration and sshd -T "
			    "shows every hardened value");
}

static int check_guard(hctx *h)
{
	kw_lockout_report *g = &h->res->guard;
	int r = kw_lockout_check(h->t, h->f, h->cur, h->newc, g);
	if (r < 0 || !g->needed)
		return r;
	const char *who = NULL;
	for (size_t i = 0; i < g->n && !who; i++)
		if (g->v[i].counts)
			who = g->v[i].account;
	if (g->pass)
		return kw_plan_note(h->p, "lock-out guard: the plan turns off %s; %s can still log in with a key",
				    g->turns_off, who);
	if (h->o->console_access)
		return kw_plan_note(h->p, "lock-out guard: the plan turns off %s and no account could log in "
				    "with a key afterwards; going ahead because of --i-have-console-access",
				    g->turns_off);
	return refuse(h, KW_HARDEN_REFUSE_LOCKOUT, "lock-out guard: the plan turns off %s, and no account "
		      "could log in with a key afterwards", g->turns_off);
}

/* ---------------------------------------------------------------- entry -- */

void kw_harden_result_release(kw_harden_result *r)
{
	if (!r)
		return;
	free(r->why);
	free(r->written);
	kw_sshd_check_release(&r->check);
	kw_lockout_report_release(&r->guard);
	*r = (kw_harden_result){ 0 };
}

int kw_harden_plan(kw_target *t, const kw_facts *f, const kw_harden_opts *o, kw_plan *p,
		   kw_harden_result *res)
{
	*res = (kw_harden_result){ 0 };
	hctx h = { .t = t, .f = f, .o = o, .p = p, .res = res, .cur = f->sshd.cfg };
	if (!h.cur) {
		return refuse(&h, KW_HARDEN_REFUSE_CONFIG, "%s", f->sshd.refused
			      ? (f->sshd.refusal ? f->sshd.refusal : "sshd refuses the current configuration")
			      : "no sshd configuration (/etc/ssh/sshd_config) in the root");
	}
	h.curg = kw_sshd_config_global(h.cur);
	int r = wants_from_set(&h);
	if (r == 0)
		r = wants_algorithms(&h);
	if (r == 0)
		r = check_hostkeys(&h);
	if (r == 0)
		r = plan_moduli(&h);
	bool needed = false;
	for (size_t i = 0; i < h.nw; i++)
		needed |= h.w[i].needed;
	if (r == 0 && !needed && !h.moduli_action) {
		r = note_match_blocks(&h, t, h.cur);
		goto out; /* everything is in force: an empty plan */
	}
	if (r == 0)
		r = place(&h);
	if (r == 0)
		r = note_overrides(&h);
	if (r == 0 && h.newc) {
		kw_target *st = NULL;
		if ((r = kw_target_open_dir(h.stage.root, &st)) == 0) {
			r = note_match_blocks(&h, st, h.newc);
			kw_target_free(st);
		}
	}
	if (r == 0)
		r = check_sshd(&h);
	if (r == 0)
		r = check_guard(&h);
out:
	kw_sshd_config_free(h.newc);
	kw_stage_release(&h.stage);
	wants_release(&h);
	free(h.moduli_new);
	kw_file_release(&h.moduli_old);
	return r;
}
