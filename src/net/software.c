/* software.c — banner software versions and the advisories that name them: see
 * software.h. The table is data/ssh-software.notes (format in its header and in
 * docs/scan-data.md), embedded as kw_scan_data "ssh-software". */
#include "net/software.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kw_builtin_data { const char *name; const char *text; size_t len; };
extern const struct kw_builtin_data kw_scan_data[];

struct kw_sw_table {
	kw_sw_row *v;
	size_t n, cap;
};

enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ };

/* ---- banners ---- */

static bool safe_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '+' || c == '~' ||
	       c == ':' || c == '-';
}

/* s[0..n) into out[cap] if every byte is safe and it fits (lowercased when asked). */
static bool take(const char *s, size_t n, char *out, size_t cap, bool low)
{
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!safe_char(s[i]))
			return false;
	for (size_t i = 0; i < n; i++)
		out[i] = low ? (char)tolower((unsigned char)s[i]) : s[i];
	out[n] = '\0';
	return true;
}

int kw_sw_ident_parse(const char *software, const char *comments, kw_sw_ident *id)
{
	*id = (kw_sw_ident){ 0 };
	if (comments) {
		size_t w = strcspn(comments, " \t");
		const char *dash = memchr(comments, '-', w);
		if (dash && dash > comments) {
			size_t dl = (size_t)(dash - comments);
			bool letters = true;
			for (size_t i = 0; i < dl; i++)
				letters = letters && isalpha((unsigned char)comments[i]);
			if (letters && take(comments, dl, id->distro, sizeof id->distro, true) &&
			    !take(dash + 1, w - dl - 1, id->revision, sizeof id->revision, false))
				id->distro[0] = '\0';
		}
	}
	if (!software)
		return KW_E_PARSE;
	const char *split = NULL;
	for (const char *sep = "_-"; *sep && !split; sep++)
		for (const char *p = software; *p && !split; p++)
			if (*p == *sep && p > software && isdigit((unsigned char)p[1]))
				split = p;
	if (!split) {
		take(software, strlen(software), id->product, sizeof id->product, true);
		return KW_E_PARSE;
	}
	if (!take(software, (size_t)(split - software), id->product, sizeof id->product, true))
		return KW_E_PARSE;
	if (!take(split + 1, strlen(split + 1), id->version, sizeof id->version, false))
		return KW_E_PARSE;
	return 0;
}

/* ---- versions ---- */

static const char *read_num(const char *s, uint32_t *v)
{
	uint64_t n = 0;
	for (; isdigit((unsigned char)*s); s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			n = UINT32_MAX;
	*v = (uint32_t)n;
	return s;
}

int kw_sw_version_parse(const char *s, kw_sw_version *v)
{
	*v = (kw_sw_version){ 0 };
	if (!isdigit((unsigned char)*s))
		return KW_E_PARSE;
	for (;;) {
		uint32_t x;
		s = read_num(s, &x);
		if (v->n < sizeof v->num / sizeof v->num[0])
			v->num[v->n++] = x;
		if (*s == '.' && isdigit((unsigned char)s[1])) {
			s++;
			continue;
		}
		break;
	}
	if (*s == 'p' && isdigit((unsigned char)s[1])) {
		read_num(s + 1, &v->p);
		v->portable = true;
	}
	return 0;
}

int kw_sw_version_cmp(const kw_sw_version *a, const kw_sw_version *b)
{
	size_t n = a->n > b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++) {
		uint32_t x = i < a->n ? a->num[i] : 0, y = i < b->n ? b->num[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->p == b->p ? 0 : a->p < b->p ? -1 : 1;
}

int kw_sw_version_cmp_str(const char *a, const char *b)
{
	kw_sw_version x, y;
	bool ax = kw_sw_version_parse(a, &x) == 0, by = kw_sw_version_parse(b, &y) == 0;
	if (!ax || !by)
		return ax == by ? 0 : ax ? 1 : -1;
	return kw_sw_version_cmp(&x, &y);
}

/* dpkg lib/dpkg/version.c: order() and verrevcmp() */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

int kw_sw_revision_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;
		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a), bc = order((unsigned char)*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

/* ---- the table ---- */

static void row_release(kw_sw_row *r)
{
	free(r->id);
	free(r->product);
	free(r->versions);
	free(r->severity);
	free(r->source);
	free(r->text);
	free(r->fixes);
	free(r->conds);
}

void kw_sw_table_free(kw_sw_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		row_release(&t->v[i]);
	free(t->v);
	free(t);
}

size_t kw_sw_table_rows(const kw_sw_table *t, const kw_sw_row **ret)
{
	*ret = t ? t->v : NULL;
	return t ? t->n : 0;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* The next whitespace-separated word of *s (advanced) into out[cap]; false at the end or
 * when it does not fit. */
static bool word(const char **s, char *out, size_t cap)
{
	const char *p = *s;
	while (is_blank(*p))
		p++;
	size_t n = 0;
	while (p[n] && !is_blank(p[n]))
		n++;
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = p + n;
	return true;
}

static const char *parse_conds(kw_sw_row *r)
{
	const char *s = r->versions;
	char w[64];
	size_t cap = 0;
	while (word(&s, w, sizeof w)) {
		if (!strcmp(w, "portable")) {
			r->need_portable = true;
			continue;
		}
		int op;
		const char *v = w;
		if (!strncmp(w, "<=", 2)) op = OP_LE, v += 2;
		else if (!strncmp(w, ">=", 2)) op = OP_GE, v += 2;
		else if (w[0] == '<') op = OP_LT, v += 1;
		else if (w[0] == '>') op = OP_GT, v += 1;
		else if (w[0] == '=') op = OP_EQ, v += 1;
		else return "a version condition is <V, <=V, >V, >=V, =V or the word portable";
		if (kw_vec_reserve((void **)&r->conds, r->n_conds, &cap, sizeof *r->conds) < 0)
			return NULL;
		struct kw_sw_cond *c = &r->conds[r->n_conds];
		c->op = op;
		if (kw_sw_version_parse(v, &c->v) < 0)
			return "a version condition names no version";
		r->n_conds++;
	}
	while (is_blank(*s))
		s++;
	if (*s)
		return "a version condition is too long";
	if (r->n_conds == 0)
		return "no version condition";
	return "";
}

static const char *parse_fixes(kw_sw_row *r, const char *text)
{
	if (!strcmp(text, "-"))
		return "";
	size_t cap = 0;
	const char *s = text;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char item[160];
		if (n >= sizeof item)
			return "a fix is \"DISTRO UPSTREAM REVISION\"";
		memcpy(item, s, n);
		item[n] = '\0';
		if (kw_vec_reserve((void **)&r->fixes, r->n_fixes, &cap, sizeof *r->fixes) < 0)
			return NULL;
		kw_sw_fix *f = &r->fixes[r->n_fixes];
		const char *p = item;
		char extra[8];
		if (!word(&p, f->distro, sizeof f->distro) || !word(&p, f->upstream, sizeof f->upstream) ||
		    !word(&p, f->revision, sizeof f->revision) || word(&p, extra, sizeof extra))
			return "a fix is \"DISTRO UPSTREAM REVISION\"";
		for (char *q = f->distro; *q; q++) {
			if (!isalpha((unsigned char)*q))
				return "a fix's distribution is a word of letters";
			*q = (char)tolower((unsigned char)*q);
		}
		kw_sw_version uv;
		if (kw_sw_version_parse(f->upstream, &uv) < 0)
			return "a fix's upstream version is not a version";
		r->n_fixes++;
		if (!e)
			break;
		s = e + 1;
	}
	return "";
}

static const char *const severities[] = { "info", "low", "medium", "high", "critical" };

/* One row "id | product | versions | severity | fixes | source | text": "" when good,
 * an error message, or NULL for ENOMEM. */
static const char *parse_row(char *line, kw_sw_row *r)
{
	char *f[7];
	size_t n = 0;
	for (char *p = line;; ) {
		char *bar = strchr(p, '|');
		if (n < 7)
			f[n] = p;
		n++;
		if (!bar)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	if (n != 7)
		return "a row has seven fields separated by '|': id | product | versions | severity | "
		       "fixes | source | text";
	for (size_t i = 0; i < 7; i++) {
		while (is_blank(*f[i]))
			f[i]++;
		size_t l = strlen(f[i]);
		while (l && is_blank(f[i][l - 1]))
			f[i][--l] = '\0';
		if (!l)
			return "a field is empty (write - for no fixes)";
	}
	for (const char *p = f[0]; *p; p++)
		if (is_blank(*p))
			return "the id is one word";
	for (const char *p = f[1]; *p; p++)
		if (!safe_char(*p) || isupper((unsigned char)*p))
			return "the product is one lowercase word";
	bool sev = false;
	for (size_t i = 0; i < sizeof severities / sizeof severities[0]; i++)
		sev = sev || !strcmp(f[3], severities[i]);
	if (!sev)
		return "the severity is info, low, medium, high or critical";
	if (!(r->id = strdup(f[0])) || !(r->product = strdup(f[1])) || !(r->versions = strdup(f[2])) ||
	    !(r->severity = strdup(f[3])) || !(r->source = strdup(f[5])) || !(r->text = strdup(f[6])))
		return NULL;
	const char *e = parse_conds(r);
	if (!e || *e)
		return e;
	return parse_fixes(r, f[4]);
}

int kw_sw_table_parse(const char *text, size_t len, kw_sw_table **ret, char *err, size_t errlen)
{
	*ret = NULL;
	if (len > KW_SW_NOTES_MAX_TEXT)
		return KW_E_TOOBIG;
	kw_sw_table *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	kw_buf in = kw_buf_view(text, len), line;
	bool trunc = false;
	unsigned ln = 0;
	int r = 0;
	while (r == 0 && kw_buf_line(&in, &line, 4096, &trunc)) {
		ln++;
		if (trunc || kw_buf_has_nul(&line)) {
			kw_errf(err, errlen, "line %u: %s", ln, trunc ? "longer than 4096 bytes" : "NUL byte");
			r = KW_E_PARSE;
			break;
		}
		kw_buf l = kw_buf_trim(line);
		if (!kw_buf_left(&l) || *kw_buf_cur(&l) == '#')
			continue;
		if (t->n >= KW_SW_ROWS_MAX) {
			kw_errf(err, errlen, "line %u: more than %d rows", ln, KW_SW_ROWS_MAX);
			r = KW_E_TOOBIG;
			break;
		}
		char *copy = kw_buf_strdup(&l);
		kw_sw_row *row = copy ? KW_VEC_PUSH(t->v, t->n, t->cap) : NULL;
		if (!row) {
			free(copy);
			r = -ENOMEM;
			break;
		}
		row->line = ln;
		const char *why = parse_row(copy, row);
		free(copy);
		if (!why) {
			r = -ENOMEM;
		} else if (*why) {
			kw_errf(err, errlen, "line %u: %s", ln, why);
			r = KW_E_PARSE;
		}
	}
	if (r < 0) {
		kw_sw_table_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

static struct {
	bool loaded;
	kw_sw_table *t;
} builtin;

const kw_sw_table *kw_sw_builtin(void)
{
	if (!builtin.loaded) {
		builtin.loaded = true;
		for (const struct kw_builtin_data *b = kw_scan_data; b->name; b++)
			if (!strcmp(b->name, "ssh-software"))
				kw_sw_table_parse(b->text, b->len, &builtin.t, NULL, 0);
	}
	return builtin.t;
}

/* ---- matching ---- */

const char *kw_sw_status_name(kw_sw_status s)
{
	switch (s) {
	case KW_SW_POSSIBLE: return "possible";
	case KW_SW_CONFIRMED: return "confirmed";
	case KW_SW_FIXED: return "fixed";
	}
	return "?";
}

void kw_sw_notes_release(kw_sw_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].text);
	free(n->v);
	*n = (kw_sw_notes){ 0 };
}

static bool cond_holds(const struct kw_sw_cond *c, const kw_sw_version *v)
{
	int r = kw_sw_version_cmp(v, &c->v);
	switch (c->op) {
	case OP_LT: return r < 0;
	case OP_LE: return r <= 0;
	case OP_GT: return r > 0;
	case OP_GE: return r >= 0;
	default: return r == 0;
	}
}

/* "Debian" for "debian": the spelling banners use */
static void cap_first(const char *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s);
	if (out[0])
		out[0] = (char)toupper((unsigned char)out[0]);
}

int kw_sw_match(const kw_sw_table *t, const kw_sw_ident *id, kw_sw_notes *out)
{
	kw_sw_version v;
	if (!t || !id->product[0] || kw_sw_version_parse(id->version, &v) < 0)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const kw_sw_row *row = &t->v[i];
		if (strcmp(row->product, id->product) || (row->need_portable && !v.portable))
			continue;
		bool in = true;
		for (size_t c = 0; c < row->n_conds && in; c++)
			in = cond_holds(&row->conds[c], &v);
		if (!in)
			continue;
		kw_sw_status st = KW_SW_POSSIBLE;
		const kw_sw_fix *fix = NULL;
		for (size_t f = 0; id->distro[0] && f < row->n_fixes && !fix; f++)
			if (!strcmp(row->fixes[f].distro, id->distro) &&
			    kw_sw_version_cmp_str(row->fixes[f].upstream, id->version) == 0)
				fix = &row->fixes[f];
		if (fix)
			st = kw_sw_revision_cmp(id->revision, fix->revision) >= 0 ? KW_SW_FIXED : KW_SW_CONFIRMED;
		char dname[sizeof id->distro];
		cap_first(id->distro, dname, sizeof dname);
		kw_sb sb;
		kw_sb_init(&sb);
		kw_sb_printf(&sb, "%s (%s): %s %s", row->id, row->text, id->product, id->version);
		if (id->distro[0])
			kw_sb_printf(&sb, " %s-%s", dname, id->revision);
		kw_sb_printf(&sb, " is in %s; ", row->versions);
		if (st == KW_SW_FIXED)
			kw_sb_printf(&sb, "fixed (distribution patch level %s-%s, fixed from %s)", dname,
				     id->revision, fix->revision);
		else if (st == KW_SW_CONFIRMED)
			kw_sb_printf(&sb, "confirmed: the %s package revision %s predates the fix %s", dname,
				     id->revision, fix->revision);
		else if (id->distro[0])
			kw_sb_printf(&sb, "possible: no fixed %s revision of %s is known to keyward, check "
				     "the distribution's tracker", dname, id->version);
		else
			kw_sb_puts(&sb, "possible: the banner names no distribution patch level "
				   "(distributions backport fixes without changing the version)");
		kw_sb_printf(&sb, " [%s]", row->source);
		if (sb.overflow || !sb.s) {
			kw_sb_release(&sb);
			return -ENOMEM;
		}
		kw_sw_note *n = KW_VEC_PUSH(out->v, out->n, out->cap);
		if (!n) {
			kw_sb_release(&sb);
			return -ENOMEM;
		}
		n->row = row;
		n->status = st;
		n->text = kw_sb_detach(&sb);
		if (!n->text)
			return -ENOMEM;
	}
	return 0;
}
