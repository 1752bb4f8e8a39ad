/* algos.c — sshd algorithm lists and their ratings. Owner: helper "algos".
 *
 * Three parts:
 *  - the version data (data/openssh/9.2.defaults, embedded as kw_sshd_data "9.2"): default
 *    lists, the "all supported" lists and the short key names, parsed once on first use;
 *  - validate + assemble: a re-implementation (not a copy) of what sshd 9.2 does in
 *    servconf.c (ciphers_valid, mac_valid, kex_names_valid, sshkey_names_valid2) and
 *    kex.c/match.c (kex_assemble_names, kex_names_cat, match_filter_{allow,deny}list,
 *    match_pattern_list). The quirks are reproduced on purpose, because `sshd -T` shows
 *    them: validation stops at the first empty element of a list ("a,,junk" passes),
 *    kex_names_cat's "already present" test also stops at an empty element, a subpattern
 *    of 1023 bytes or more makes a whole pattern list fail to match;
 *  - ratings (data/algorithms.ratings, embedded as "algorithms"): a table of
 *    KIND NAME GRADE-per-policy REASON rows, and the Terrapin helper.
 * Lists are handled as kw_buf views and built in kw_sb strings; nothing here does I/O.
 * Pattern matching is iterative (no recursion), so hostile patterns cost linear-ish time.
 */
#include "sshd/algos.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kw_builtin_data { const char *name; const char *text; size_t len; };
extern const struct kw_builtin_data kw_sshd_data[];

#define ALGOS_VALUE_MAX ((size_t)1 << 20)   /* sshd's kex_names_cat refuses > 1 MiB */
#define SUBPATTERN_MAX 1024                /* match_pattern_list's char sub[1024] */

/* ---------------------------------------------------------------- keywords -- */

static const struct {
	const char *keyword;   /* canonical spelling */
	const char *t_name;    /* sshd -T */
	const char *field;     /* sshd's ServerOptions field (assemble_algorithms messages) */
	const char *alias;     /* deprecated alias, or NULL */
} kinds[KW_ALG__COUNT] = {
	[KW_ALG_CIPHERS] = { "Ciphers", "ciphers", "ciphers", NULL },
	[KW_ALG_MACS] = { "MACs", "macs", "macs", NULL },
	[KW_ALG_KEX] = { "KexAlgorithms", "kexalgorithms", "kex_algorithms", NULL },
	[KW_ALG_HOSTKEY] = { "HostKeyAlgorithms", "hostkeyalgorithms", "hostkeyalgorithms", NULL },
	[KW_ALG_PUBKEY] = { "PubkeyAcceptedAlgorithms", "pubkeyacceptedalgorithms",
			    "pubkey_accepted_algos", "PubkeyAcceptedKeyTypes" },
	[KW_ALG_HOSTBASED] = { "HostbasedAcceptedAlgorithms", "hostbasedacceptedalgorithms",
			       "hostbased_accepted_algos", "HostbasedAcceptedKeyTypes" },
	[KW_ALG_CASIG] = { "CASignatureAlgorithms", "casignaturealgorithms",
			   "ca_sign_algorithms", NULL },
};

int kw_algos_kind_from_keyword(const char *keyword, kw_alg_kind *ret)
{
	if (!keyword)
		return -EINVAL;
	for (int k = 0; k < KW_ALG__COUNT; k++) {
		if (strcasecmp(keyword, kinds[k].keyword) == 0 ||
		    (kinds[k].alias && strcasecmp(keyword, kinds[k].alias) == 0)) {
			*ret = (kw_alg_kind)k;
			return 0;
		}
	}
	return -ENOENT;
}

static bool kind_ok(kw_alg_kind kind)
{
	return (int)kind >= 0 && kind < KW_ALG__COUNT;
}

const char *kw_algos_keyword(kw_alg_kind kind)
{
	return kind_ok(kind) ? kinds[kind].keyword : NULL;
}

const char *kw_algos_t_name(kw_alg_kind kind)
{
	return kind_ok(kind) ? kinds[kind].t_name : NULL;
}

/* ------------------------------------------------------------ version data -- */

enum { ALL_CIPHER, ALL_MAC, ALL_KEX, ALL_KEY, ALL_SIG, ALL__COUNT };
static const char *const all_names[ALL__COUNT] = { "cipher", "mac", "kex", "key", "sig" };

static struct {
	bool loaded;
	int err;
	char *def[KW_ALG__COUNT];
	char *all[ALL__COUNT];
	char *shortnames;
	bool strictkex;
} osdata;

static int kind_all(kw_alg_kind kind)
{
	switch (kind) {
	case KW_ALG_CIPHERS: return ALL_CIPHER;
	case KW_ALG_MACS: return ALL_MAC;
	case KW_ALG_KEX: return ALL_KEX;
	case KW_ALG_CASIG: return ALL_SIG;
	default: return ALL_KEY;
	}
}

static const struct kw_builtin_data *sshd_data_find(const char *name)
{
	for (const struct kw_builtin_data *b = kw_sshd_data; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

static int osdata_parse(const char *text, size_t len)
{
	kw_buf in = kw_buf_view(text, len), line;
	while (kw_buf_line(&in, &line, 65536, NULL)) {
		kw_buf l = kw_buf_trim(line), key, sub, rest;
		if (kw_buf_left(&l) == 0 || *kw_buf_cur(&l) == '#')
			continue;
		if (!kw_buf_token(&l, &key))
			continue;
		char **slot = NULL;
		if (kw_buf_eq(&key, "default") || kw_buf_eq(&key, "supported")) {
			bool def = kw_buf_eq(&key, "default");
			if (!kw_buf_token(&l, &sub))
				return KW_E_PARSE;
			for (int k = 0; def && k < KW_ALG__COUNT; k++)
				if (kw_buf_eq(&sub, kinds[k].t_name))
					slot = &osdata.def[k];
			for (int a = 0; !def && a < ALL__COUNT; a++)
				if (kw_buf_eq(&sub, all_names[a]))
					slot = &osdata.all[a];
			if (!slot)
				continue;   /* a keyword of a later version: not ours */
		} else if (kw_buf_eq(&key, "keyshortnames")) {
			slot = &osdata.shortnames;
		} else if (kw_buf_eq(&key, "strictkex")) {
			if (!kw_buf_token(&l, &sub))
				return KW_E_PARSE;
			osdata.strictkex = kw_buf_eq(&sub, "yes");
			continue;
		} else {
			continue;   /* version and future directives */
		}
		if (!kw_buf_token(&l, &rest))
			return KW_E_PARSE;
		free(*slot);
		*slot = kw_buf_strdup(&rest);
		if (!*slot)
			return -ENOMEM;
	}
	for (int k = 0; k < KW_ALG__COUNT; k++)
		if (!osdata.def[k])
			return KW_E_PARSE;
	for (int a = 0; a < ALL__COUNT; a++)
		if (!osdata.all[a])
			return KW_E_PARSE;
	if (!osdata.shortnames && !(osdata.shortnames = strdup("")))
		return -ENOMEM;
	return 0;
}

static int osdata_load(void)
{
	if (osdata.loaded)
		return osdata.err;
	const struct kw_builtin_data *d = sshd_data_find("9.2");
	osdata.err = d ? osdata_parse(d->text, d->len) : KW_E_PARSE;
	osdata.loaded = true;
	return osdata.err;
}

const char *kw_algos_default(kw_alg_kind kind)
{
	if (!kind_ok(kind) || osdata_load() < 0)
		return NULL;
	return osdata.def[kind];
}

const char *kw_algos_supported(kw_alg_kind kind)
{
	if (!kind_ok(kind) || osdata_load() < 0)
		return NULL;
	return osdata.all[kind_all(kind)];
}

/* --------------------------------------------------------------- matching -- */

/* Glob with '*' and '?' (match.c match_pattern semantics), iteratively: on a mismatch
 * retry from the last '*', one character further. */
static bool glob_match(const char *s, size_t sn, const char *p, size_t pn)
{
	size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* match.c match_pattern_list (dolower 0): 1 positive, -1 negated match, 0 none. */
static int pattern_list_match(const char *s, size_t sn, const char *pat, size_t plen)
{
	int got_positive = 0;
	size_t i = 0;
	while (i < plen) {
		bool negated = false;
		if (pat[i] == '!') {
			negated = true;
			i++;
		}
		size_t start = i, subi = 0;
		while (i < plen && subi < SUBPATTERN_MAX - 1 && pat[i] != ',') {
			i++;
			subi++;
		}
		if (subi >= SUBPATTERN_MAX - 1)
			return 0;
		if (i < plen && pat[i] == ',')
			i++;
		if (glob_match(s, sn, pat + start, subi)) {
			if (negated)
				return -1;
			got_positive = 1;
		}
	}
	return got_positive;
}

static bool view_eq(kw_buf a, kw_buf b)
{
	return kw_buf_left(&a) == kw_buf_left(&b) &&
	       memcmp(kw_buf_cur(&a), kw_buf_cur(&b), kw_buf_left(&a)) == 0;
}

/* match_list(list, name) != NULL for a single name: is name one of list's elements before
 * the first empty element? */
static bool list_member(kw_buf list, kw_buf name)
{
	kw_buf f;
	while (kw_buf_field(&list, ',', &f)) {
		if (kw_buf_left(&f) == 0)
			return false;
		if (view_eq(f, name))
			return true;
	}
	return false;
}

bool kw_algos_list_has(const char *list, const char *name)
{
	if (!list || !name || !*name)
		return false;
	kw_buf l = kw_buf_view(list, strlen(list)), f;
	kw_buf n = kw_buf_view(name, strlen(name));
	while (kw_buf_field(&l, ',', &f))
		if (view_eq(f, n))
			return true;
	return false;
}

static kw_buf sb_view(const kw_sb *sb)
{
	return kw_buf_view(sb->s, sb->len);
}

/* kex_names_cat(a, b) into out (out must be empty): a empty -> b verbatim; b empty -> a;
 * else a, then each element of b (up to its first empty one) not already present. */
static int names_cat(kw_sb *out, kw_buf a, kw_buf b)
{
	if (kw_buf_left(&a) == 0)
		return kw_sb_put(out, kw_buf_cur(&b), kw_buf_left(&b));
	int r = kw_sb_put(out, kw_buf_cur(&a), kw_buf_left(&a));
	if (r < 0 || kw_buf_left(&b) == 0)
		return r;
	kw_buf f;
	while (kw_buf_field(&b, ',', &f)) {
		if (kw_buf_left(&f) == 0)
			break;
		if (list_member(sb_view(out), f))
			continue;
		if ((r = kw_sb_putc(out, ',')) < 0 ||
		    (r = kw_sb_put(out, kw_buf_cur(&f), kw_buf_left(&f))) < 0)
			return r;
	}
	return out->overflow ? KW_E_TOOBIG : 0;
}

/* match.c filter_list: the elements of proposal that the pattern list filter matches
 * (allow) or does not positively match (deny), in proposal order. */
static int filter_list(kw_sb *out, kw_buf proposal, kw_buf filter, bool deny)
{
	kw_buf f;
	while (kw_buf_field(&proposal, ',', &f)) {
		int m = pattern_list_match((const char *)kw_buf_cur(&f), kw_buf_left(&f),
					   (const char *)kw_buf_cur(&filter), kw_buf_left(&filter));
		if ((deny && m != 1) || (!deny && m == 1)) {
			int r = 0;
			if (out->len > 0)
				r = kw_sb_putc(out, ',');
			if (r < 0 || (r = kw_sb_put(out, kw_buf_cur(&f), kw_buf_left(&f))) < 0)
				return r;
		}
	}
	return 0;
}

/* ------------------------------------------------------ validate, assemble -- */

static int set_err(char **ret_err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_err(char **ret_err, const char *fmt, ...)
{
	if (!ret_err)
		return KW_E_PARSE;
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	int n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	*ret_err = m;
	return KW_E_PARSE;
}

/* sshkey_type_from_name() != KEY_UNSPEC: an exact algorithm name, or a plain key type's
 * short name (case-insensitive). */
static bool key_name_known(kw_buf name)
{
	if (list_member(kw_buf_view(osdata.all[ALL_KEY], strlen(osdata.all[ALL_KEY])), name))
		return true;
	kw_buf s = kw_buf_view(osdata.shortnames, strlen(osdata.shortnames)), f;
	while (kw_buf_field(&s, ',', &f))
		if (kw_buf_left(&f) && kw_buf_left(&f) == kw_buf_left(&name) &&
		    strncasecmp((const char *)kw_buf_cur(&f), (const char *)kw_buf_cur(&name),
				kw_buf_left(&f)) == 0)
			return true;
	return false;
}

/* sshkey_names_valid2(.., allow_wildcard=1)'s wildcard branch: some key algorithm
 * matches the element as a pattern list, positively or negated. */
static bool key_pattern_known(kw_buf pat)
{
	kw_buf all = kw_buf_view(osdata.all[ALL_KEY], strlen(osdata.all[ALL_KEY])), f;
	while (kw_buf_field(&all, ',', &f))
		if (kw_buf_left(&f) &&
		    pattern_list_match((const char *)kw_buf_cur(&f), kw_buf_left(&f),
				       (const char *)kw_buf_cur(&pat), kw_buf_left(&pat)) != 0)
			return true;
	return false;
}

static bool names_valid(kw_alg_kind kind, const char *names)
{
	if (*names == '\0')
		return false;
	kw_buf l = kw_buf_view(names, strlen(names)), f;
	kw_buf all = kw_buf_view(osdata.all[kind_all(kind)], strlen(osdata.all[kind_all(kind)]));
	bool keys = kind_all(kind) == ALL_KEY || kind_all(kind) == ALL_SIG;
	while (kw_buf_field(&l, ',', &f)) {
		if (kw_buf_left(&f) == 0)
			break;   /* sshd stops at the first empty element */
		if (keys) {
			if (!key_name_known(f) && !key_pattern_known(f))
				return false;
		} else if (!list_member(all, f)) {
			return false;
		}
	}
	return true;
}

int kw_algos_validate(kw_alg_kind kind, const char *keyword_as_written, const char *value,
		      char **ret_err)
{
	if (!kind_ok(kind) || !value)
		return -EINVAL;
	int r = osdata_load();
	if (r < 0)
		return set_err(ret_err, "embedded OpenSSH version data is invalid");
	if (strlen(value) > ALGOS_VALUE_MAX)
		return KW_E_TOOBIG;
	const char *kw = keyword_as_written ? keyword_as_written : kinds[kind].keyword;
	bool keys = kind_all(kind) == ALL_KEY || kind_all(kind) == ALL_SIG;
	if (*value == '\0')
		return keys ? set_err(ret_err, "Missing argument.")
			    : set_err(ret_err, "%s missing argument.", kw);
	if (*value == '-')
		return 0;
	if (names_valid(kind, value + (*value == '+' || *value == '^')))
		return 0;
	switch (kind) {
	case KW_ALG_CIPHERS: return set_err(ret_err, "Bad SSH2 cipher spec '%s'.", value);
	case KW_ALG_MACS: return set_err(ret_err, "Bad SSH2 mac spec '%s'.", value);
	case KW_ALG_KEX: return set_err(ret_err, "Bad SSH2 KexAlgorithms '%s'.", value);
	default: return set_err(ret_err, "Bad key types '%s'.", value);
	}
}

/* One kex_assemble_names() pass into out (empty on entry). 0, KW_E_PARSE (an empty
 * result or a negated name: sshd's SSH_ERR_INVALID_ARGUMENT), -ENOMEM, KW_E_TOOBIG. */
static int assemble(kw_alg_kind kind, const char *value, kw_sb *out)
{
	const char *def = osdata.def[kind], *allp = osdata.all[kind_all(kind)];
	kw_buf defv = kw_buf_view(def, strlen(def)), all = kw_buf_view(allp, strlen(allp));
	size_t vlen = strlen(value);
	if (vlen == 0)
		return kw_sb_puts(out, def);
	kw_buf rest = kw_buf_view(value + 1, vlen - 1);
	_cleanup_(kw_sb_release) kw_sb list;
	kw_sb_init(&list);
	int r = 0;
	switch (*value) {
	case '+':
		r = names_cat(&list, defv, rest);
		break;
	case '-':
		return filter_list(out, defv, rest, true);
	case '^':
		r = names_cat(&list, rest, defv);
		break;
	default:
		r = kw_sb_put(&list, value, vlen);
		break;
	}
	if (r < 0)
		return r;
	_cleanup_(kw_sb_release) kw_sb matching;
	kw_sb_init(&matching);
	kw_buf l = sb_view(&list), cp;
	while (kw_buf_field(&l, ',', &cp)) {
		if (kw_buf_left(&cp) && *kw_buf_cur(&cp) == '!')
			return KW_E_PARSE;
		kw_sb_clear(&matching);
		if ((r = filter_list(&matching, all, cp, false)) < 0)
			return r;
		if (out->len == 0) {
			r = kw_sb_put(out, matching.s, matching.len);
		} else if (matching.len) {
			_cleanup_(kw_sb_release) kw_sb cat;
			kw_sb_init(&cat);
			if ((r = names_cat(&cat, sb_view(out), sb_view(&matching))) < 0)
				return r;
			kw_sb_release(out);
			*out = cat;
			kw_sb_init(&cat);
		}
		if (r < 0)
			return r;
	}
	if (out->overflow)
		return KW_E_TOOBIG;
	return out->len == 0 ? KW_E_PARSE : 0;
}

int kw_algos_assemble(kw_alg_kind kind, const char *value, char **ret_list, char **ret_err)
{
	if (!kind_ok(kind) || !value || !ret_list)
		return -EINVAL;
	if (osdata_load() < 0)
		return set_err(ret_err, "embedded OpenSSH version data is invalid");
	if (strlen(value) > ALGOS_VALUE_MAX)
		return KW_E_TOOBIG;
	_cleanup_(kw_sb_release) kw_sb out;
	kw_sb_init(&out);
	int r = assemble(kind, value, &out);
	if (r == KW_E_PARSE)
		return set_err(ret_err, "assemble_algorithms: %s: invalid argument",
			       kinds[kind].field);
	if (r < 0)
		return r;
	char *s = kw_sb_detach(&out);
	if (!s)
		return -ENOMEM;
	*ret_list = s;
	return 0;
}

int kw_algos_resolve(kw_alg_kind kind, const char *value, char **ret_list, char **ret_err)
{
	if (!kind_ok(kind) || !value || !ret_list)
		return -EINVAL;
	int r = kw_algos_validate(kind, NULL, value, ret_err);
	if (r < 0)
		return r;
	_cleanup_free_ char *once = NULL;
	if ((r = kw_algos_assemble(kind, value, &once, ret_err)) < 0)
		return r;
	/* the second pass (copy_set_server_options): a plain list stays as it is, "" comes
	 * back as the default */
	return kw_algos_assemble(kind, once, ret_list, ret_err);
}

/* ---------------------------------------------------------------- ratings -- */

#define RATINGS_MAX_ROWS 4096
#define RATINGS_MAX_POLICIES 16
#define RATINGS_MAX_TEXT ((size_t)1 << 20)
#define RATINGS_MAX_LINE 2048
#define RATINGS_MAX_NAME 256
#define RATINGS_MAX_REASON 1024

enum { RK_CIPHER, RK_MAC, RK_KEX, RK_KEY, RK_HOSTKEY, RK_PUBKEY, RK_HOSTBASED, RK_CASIG,
       RK__COUNT };
static const char *const rk_names[RK__COUNT] = {
	"cipher", "mac", "kex", "key", "hostkey", "pubkey", "hostbased", "casig" };

struct rating_row {
	unsigned kind;
	bool glob;
	char *name;
	char *reason;
	kw_grade grade[RATINGS_MAX_POLICIES];
};

struct kw_ratings {
	char *policy[RATINGS_MAX_POLICIES];
	size_t npol;
	struct rating_row *rows;
	size_t n, cap;
};

const char *kw_grade_name(kw_grade g)
{
	switch (g) {
	case KW_GRADE_OK: return "ok";
	case KW_GRADE_WARN: return "warn";
	case KW_GRADE_FAIL: return "fail";
	default: return "unknown";
	}
}

void kw_ratings_free(kw_ratings *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npol; i++)
		free(r->policy[i]);
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].name);
		free(r->rows[i].reason);
	}
	free(r->rows);
	free(r);
}

/* A printable, bounded copy of a token for an error message. */
static void tok_show(char *dst, size_t cap, kw_buf t)
{
	size_t n = kw_buf_left(&t), j = 0;
	for (size_t i = 0; i < n && j + 4 < cap; i++) {
		uint8_t c = kw_buf_cur(&t)[i];
		dst[j++] = (c >= 0x21 && c < 0x7f && c != '\'') ? (char)c : '?';
	}
	if (n > 0 && j + 4 >= cap && j < n) {
		dst[j++] = '.';
		dst[j++] = '.';
		dst[j++] = '.';
	}
	dst[j] = '\0';
}

static bool tok_ieq(kw_buf t, const char *s)
{
	size_t n = strlen(s);
	return kw_buf_left(&t) == n && strncasecmp((const char *)kw_buf_cur(&t), s, n) == 0;
}

static bool name_chars_ok(kw_buf t)
{
	for (size_t i = 0; i < kw_buf_left(&t); i++) {
		uint8_t c = kw_buf_cur(&t)[i];
		if (c < 0x21 || c >= 0x7f || c == ',')
			return false;
	}
	return true;
}

static int parse_grade(kw_buf t, kw_grade *g)
{
	if (tok_ieq(t, "ok"))
		*g = KW_GRADE_OK;
	else if (tok_ieq(t, "warn"))
		*g = KW_GRADE_WARN;
	else if (tok_ieq(t, "fail"))
		*g = KW_GRADE_FAIL;
	else
		return KW_E_PARSE;
	return 0;
}

static int ratings_line(kw_ratings *rt, kw_buf l, unsigned lineno, char **ret_err)
{
	char show[48];
	kw_buf tok;
	if (!kw_buf_token(&l, &tok))
		return 0;
	if (tok_ieq(tok, "policies")) {
		if (rt->n > 0)
			return set_err(ret_err, "line %u: 'policies' must come before the first rating", lineno);
		for (size_t i = 0; i < rt->npol; i++)
			free(rt->policy[i]);
		rt->npol = 0;
		while (kw_buf_token(&l, &tok)) {
			if (rt->npol >= RATINGS_MAX_POLICIES)
				return set_err(ret_err, "line %u: more than %d policies", lineno,
					       RATINGS_MAX_POLICIES);
			for (size_t i = 0; i < kw_buf_left(&tok); i++) {
				uint8_t c = kw_buf_cur(&tok)[i];
				if (!isalnum(c) && c != '-' && c != '_') {
					tok_show(show, sizeof show, tok);
					return set_err(ret_err, "line %u: bad policy name '%s'", lineno, show);
				}
			}
			for (size_t i = 0; i < rt->npol; i++)
				if (tok_ieq(tok, rt->policy[i]))
					return set_err(ret_err, "line %u: policy '%s' named twice",
						       lineno, rt->policy[i]);
			if (kw_buf_left(&tok) > 64)
				return set_err(ret_err, "line %u: policy name too long", lineno);
			if (!(rt->policy[rt->npol] = kw_buf_strdup(&tok)))
				return -ENOMEM;
			rt->npol++;
		}
		if (rt->npol == 0)
			return set_err(ret_err, "line %u: 'policies' needs at least one name", lineno);
		return 0;
	}

	unsigned kind = RK__COUNT;
	for (unsigned k = 0; k < RK__COUNT; k++)
		if (tok_ieq(tok, rk_names[k]))
			kind = k;
	if (kind == RK__COUNT) {
		tok_show(show, sizeof show, tok);
		return set_err(ret_err, "line %u: unknown kind '%s' (cipher, mac, kex, key, hostkey, "
			       "pubkey, hostbased, casig or policies)", lineno, show);
	}
	kw_buf name;
	if (!kw_buf_token(&l, &name))
		return set_err(ret_err, "line %u: missing algorithm name", lineno);
	if (kw_buf_left(&name) > RATINGS_MAX_NAME)
		return set_err(ret_err, "line %u: algorithm name longer than %d bytes", lineno,
			       RATINGS_MAX_NAME);
	if (!name_chars_ok(name)) {
		tok_show(show, sizeof show, name);
		return set_err(ret_err, "line %u: bad algorithm name '%s'", lineno, show);
	}
	struct rating_row row = { .kind = kind };
	for (size_t p = 0; p < rt->npol; p++) {
		if (!kw_buf_token(&l, &tok))
			return set_err(ret_err, "line %u: expected %zu grades (%s...), found %zu",
				       lineno, rt->npol, rt->policy[0], p);
		if (parse_grade(tok, &row.grade[p]) < 0) {
			tok_show(show, sizeof show, tok);
			return set_err(ret_err, "line %u: bad grade '%s' for policy %s (ok, warn or fail)",
				       lineno, show, rt->policy[p]);
		}
	}
	kw_buf reason = kw_buf_trim(l);
	if (kw_buf_left(&reason) == 0)
		return set_err(ret_err, "line %u: missing reason (cite the source)", lineno);
	if (kw_buf_left(&reason) > RATINGS_MAX_REASON)
		return set_err(ret_err, "line %u: reason longer than %d bytes", lineno,
			       RATINGS_MAX_REASON);
	for (size_t i = 0; i < kw_buf_left(&reason); i++) {
		uint8_t c = kw_buf_cur(&reason)[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return set_err(ret_err, "line %u: control character in reason", lineno);
	}
	for (size_t i = 0; i < rt->n; i++)
		if (rt->rows[i].kind == kind && kw_buf_eq(&name, rt->rows[i].name)) {
			tok_show(show, sizeof show, name);
			return set_err(ret_err, "line %u: %s %s is rated twice", lineno,
				       rk_names[kind], show);
		}
	if (rt->n >= RATINGS_MAX_ROWS)
		return set_err(ret_err, "line %u: more than %d ratings", lineno, RATINGS_MAX_ROWS);
	if (rt->n == rt->cap) {
		size_t nc = rt->cap ? rt->cap * 2 : 64;
		struct rating_row *nr = realloc(rt->rows, nc * sizeof *nr);
		if (!nr)
			return -ENOMEM;
		rt->rows = nr;
		rt->cap = nc;
	}
	row.glob = memchr(kw_buf_cur(&name), '*', kw_buf_left(&name)) ||
		   memchr(kw_buf_cur(&name), '?', kw_buf_left(&name));
	row.name = kw_buf_strdup(&name);
	row.reason = kw_buf_strdup(&reason);
	if (!row.name || !row.reason) {
		free(row.name);
		free(row.reason);
		return -ENOMEM;
	}
	rt->rows[rt->n++] = row;
	return 0;
}

int kw_ratings_parse(const char *text, size_t len, kw_ratings **ret, char **ret_err)
{
	if (!ret || (!text && len))
		return -EINVAL;
	if (len > RATINGS_MAX_TEXT)
		return KW_E_TOOBIG;
	kw_ratings *rt = calloc(1, sizeof *rt);
	if (!rt)
		return -ENOMEM;
	int r = 0;
	if (!(rt->policy[0] = strdup("baseline")) || !(rt->policy[1] = strdup("strict"))) {
		r = -ENOMEM;
		goto fail;
	}
	rt->npol = 2;
	kw_buf in = kw_buf_view(text, len), line;
	unsigned lineno = 0;
	bool trunc = false;
	while (kw_buf_line(&in, &line, RATINGS_MAX_LINE, &trunc)) {
		lineno++;
		if (trunc) {
			r = set_err(ret_err, "line %u: longer than %d bytes", lineno, RATINGS_MAX_LINE);
			goto fail;
		}
		if (kw_buf_has_nul(&line)) {
			r = set_err(ret_err, "line %u: NUL byte", lineno);
			goto fail;
		}
		kw_buf l = kw_buf_trim(line);
		if (kw_buf_left(&l) == 0 || *kw_buf_cur(&l) == '#')
			continue;
		if ((r = ratings_line(rt, l, lineno, ret_err)) < 0)
			goto fail;
	}
	*ret = rt;
	return 0;
fail:
	kw_ratings_free(rt);
	return r;
}

static const struct rating_row *ratings_find(const kw_ratings *r, unsigned rk, const char *name)
{
	size_t nlen = strlen(name);
	for (int pass = 0; pass < 2; pass++) {       /* 0: exact names, 1: patterns */
		for (int generic = 0; generic < 2; generic++) {
			if (generic && rk < RK_HOSTKEY)
				break;
			unsigned want = generic ? RK_KEY : rk;
			for (size_t i = 0; i < r->n; i++) {
				const struct rating_row *row = &r->rows[i];
				if (row->kind != want || row->glob != (pass == 1))
					continue;
				if (pass == 0 ? strcmp(row->name, name) == 0
					      : glob_match(name, nlen, row->name, strlen(row->name)))
					return row;
			}
		}
	}
	return NULL;
}

static unsigned kind_rk(kw_alg_kind kind)
{
	switch (kind) {
	case KW_ALG_CIPHERS: return RK_CIPHER;
	case KW_ALG_MACS: return RK_MAC;
	case KW_ALG_KEX: return RK_KEX;
	case KW_ALG_HOSTKEY: return RK_HOSTKEY;
	case KW_ALG_PUBKEY: return RK_PUBKEY;
	case KW_ALG_HOSTBASED: return RK_HOSTBASED;
	default: return RK_CASIG;
	}
}

int kw_ratings_grade(const kw_ratings *r, kw_alg_kind kind, const char *name,
		     const char *policy, kw_grade *ret, const char **ret_reason)
{
	if (!r || !kind_ok(kind) || !name || !policy || !ret)
		return -EINVAL;
	size_t col = r->npol;
	for (size_t i = 0; i < r->npol; i++)
		if (strcasecmp(r->policy[i], policy) == 0)
			col = i;
	if (col == r->npol)
		return -ENOENT;
	const struct rating_row *row = ratings_find(r, kind_rk(kind), name);
	*ret = row ? row->grade[col] : KW_GRADE_UNKNOWN;
	if (ret_reason)
		*ret_reason = row ? row->reason : "not in the ratings table";
	return 0;
}

static int grade_rank(kw_grade g)
{
	switch (g) {
	case KW_GRADE_OK: return 0;
	case KW_GRADE_UNKNOWN: return 1;
	case KW_GRADE_WARN: return 2;
	default: return 3;
	}
}

int kw_ratings_worst(const kw_ratings *r, kw_alg_kind kind, const char *list,
		     const char *policy, kw_grade *ret, size_t *ret_index)
{
	if (!r || !list || !ret)
		return -EINVAL;
	kw_grade worst = KW_GRADE_OK;
	size_t worst_i = 0, i = 0;
	kw_buf l = kw_buf_view(list, strlen(list)), f;
	char name[RATINGS_MAX_NAME + 1];
	while (kw_buf_field(&l, ',', &f)) {
		if (kw_buf_left(&f) == 0)
			continue;
		kw_grade g = KW_GRADE_UNKNOWN;
		if (kw_buf_left(&f) <= RATINGS_MAX_NAME) {
			memcpy(name, kw_buf_cur(&f), kw_buf_left(&f));
			name[kw_buf_left(&f)] = '\0';
			int e = kw_ratings_grade(r, kind, name, policy, &g, NULL);
			if (e < 0)
				return e;
		}
		if (grade_rank(g) > grade_rank(worst)) {
			worst = g;
			worst_i = i;
		}
		i++;
	}
	*ret = worst;
	if (ret_index)
		*ret_index = worst_i;
	return 0;
}

static struct {
	bool loaded;
	kw_ratings *r;
} builtin_ratings;

const kw_ratings *kw_ratings_builtin(void)
{
	if (!builtin_ratings.loaded) {
		builtin_ratings.loaded = true;
		const struct kw_builtin_data *d = sshd_data_find("algorithms");
		if (d && kw_ratings_parse(d->text, d->len, &builtin_ratings.r, NULL) < 0)
			builtin_ratings.r = NULL;
	}
	return builtin_ratings.r;
}

int kw_algos_grade(kw_alg_kind kind, const char *name, const char *policy, kw_grade *ret,
		   const char **ret_reason)
{
	const kw_ratings *r = kw_ratings_builtin();
	if (!r)
		return KW_E_PARSE;
	return kw_ratings_grade(r, kind, name, policy, ret, ret_reason);
}

int kw_algos_grade_list(kw_alg_kind kind, const char *list, const char *policy, kw_sb *fail,
			kw_sb *warn)
{
	const char *p = list ? list : "";
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[256];
		if (n && n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			kw_grade gr;
			const char *why;
			int r = kw_algos_grade(kind, name, policy, &gr, &why);
			if (r < 0)
				return r;
			kw_sb *sb = gr == KW_GRADE_FAIL ? fail : gr == KW_GRADE_WARN ? warn : NULL;
			if (sb && kw_sb_printf(sb, "%s%s (%s)", sb->len ? ", " : "", name, why) < 0)
				return -ENOMEM;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* --------------------------------------------------------------- Terrapin -- */

static bool list_any(const char *list, const char *needle, bool suffix)
{
	if (!list)
		return false;
	size_t nl = strlen(needle);
	kw_buf l = kw_buf_view(list, strlen(list)), f;
	while (kw_buf_field(&l, ',', &f)) {
		size_t n = kw_buf_left(&f);
		const char *s = (const char *)kw_buf_cur(&f);
		if (suffix ? (n >= nl && memcmp(s + n - nl, needle, nl) == 0)
			   : (memmem(s, n, needle, nl) != NULL))
			return true;
	}
	return false;
}

#define STRICT_KEX_NAME "kex-strict-s-v00@openssh.com"

bool kw_algos_terrapin_check(const char *ciphers, const char *macs, const char *kex,
			     kw_strictkex strict, const char **ret_why)
{
	const char *why;
	bool chacha = kw_algos_list_has(ciphers, "chacha20-poly1305@openssh.com");
	bool etm_cbc = list_any(macs, "-etm@openssh.com", true) && list_any(ciphers, "-cbc", false);
	bool strict_on = strict == KW_STRICTKEX_SERVER ||
			 (strict == KW_STRICTKEX_FROM_LIST && kw_algos_list_has(kex, STRICT_KEX_NAME));
	bool exposed = false;
	if (!chacha && !etm_cbc)
		why = "not exposed to Terrapin (CVE-2023-48795): neither chacha20-poly1305 nor an "
		      "-etm MAC with a CBC cipher is offered";
	else if (strict_on && strict == KW_STRICTKEX_SERVER)
		why = chacha ? "not exposed to Terrapin (CVE-2023-48795): chacha20-poly1305 is offered "
			       "but this sshd always offers strict kex (kex-strict-s-v00@openssh.com)"
			     : "not exposed to Terrapin (CVE-2023-48795): an -etm MAC with a CBC cipher "
			       "is offered but this sshd always offers strict kex "
			       "(kex-strict-s-v00@openssh.com)";
	else if (strict_on)
		why = chacha ? "not exposed to Terrapin (CVE-2023-48795): chacha20-poly1305 is offered "
			       "but the server offers strict kex (kex-strict-s-v00@openssh.com)"
			     : "not exposed to Terrapin (CVE-2023-48795): an -etm MAC with a CBC cipher "
			       "is offered but the server offers strict kex (kex-strict-s-v00@openssh.com)";
	else {
		exposed = true;
		why = chacha ? "exposed to Terrapin (CVE-2023-48795): chacha20-poly1305@openssh.com is "
			       "offered without strict kex"
			     : "exposed to Terrapin (CVE-2023-48795): an -etm MAC is offered with a CBC "
			       "cipher without strict kex";
	}
	if (ret_why)
		*ret_why = why;
	return exposed;
}

bool kw_algos_terrapin_exposed(const char *ciphers, const char *macs, const char *kex,
			       const char **ret_why)
{
	kw_strictkex s = (osdata_load() == 0 && osdata.strictkex) ? KW_STRICTKEX_SERVER
								  : KW_STRICTKEX_FROM_LIST;
	return kw_algos_terrapin_check(ciphers, macs, kex, s, ret_why);
}
