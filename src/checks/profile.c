/* profile.c — audit profiles: parse the sshd_config-like policy files of docs/profiles.md,
 * resolve includes, and answer "is this check on, at what severity".
 *
 * Owner: report/finding-model engineer. A kw_profile owns its name, description and the
 * override array (one entry per check id, later lines overwrite earlier ones).
 *
 * Profile text is input from the user (or from an image, if someone points --profile
 * there), so it is parsed like any hostile bytes: one kw_buf view per line, lines capped
 * at PROFILE_MAX_LINE, files at PROFILE_MAX_BYTES, NUL bytes refused, every number range
 * checked. Includes are followed with an explicit stack, not open-ended recursion:
 * nesting is capped at PROFILE_MAX_DEPTH, a file already on the stack is a loop (by
 * device and inode, so "a/../a.profile" is caught too), and a whole load reads at most
 * PROFILE_MAX_FILES files so a diamond of includes cannot blow up.
 *
 * Built-in profiles are compiled in from data/profiles/ (data/embed.py generates
 * kw_builtin_data[]). Inside a built-in, "include X.profile" names the built-in X.
 * In a user file, an include argument without '/' that does not end in ".profile" names
 * a built-in too ("include baseline"); anything else is a path relative to the file.
 */
#include "checks/profile.h"
#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Generated from the data/profiles/ files by data/embed.py; ends with { NULL, NULL, 0 }. */
struct kw_builtin_data {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct kw_builtin_data kw_builtin_data[];

const char *const kw_builtin_profiles[] = {
	"baseline", "paranoid", "strict", "mozilla-modern", "cis-debian12", NULL,
};

#define PROFILE_MAX_BYTES ((size_t)1 << 20)
#define PROFILE_MAX_LINE 4096
#define PROFILE_MAX_DEPTH 8
#define PROFILE_MAX_FILES 64
#define PROFILE_MAX_OV 4096
#define PROFILE_ID_MAX 128
#define PROFILE_NAME_MAX 64
#define PROFILE_SHOW_MAX 64 /* bytes of an offending token quoted in a message */

#define DEFAULT_MAX_FILE_SIZE ((uint64_t)16 << 20)
#define DEFAULT_DEEP_MAX_SIZE ((uint64_t)64 << 20)
#define DEFAULT_KEYS_RSA_MIN_BITS 2048u
#define KEYS_RSA_MAX_BITS 16384u /* ssh-keygen's own limit on RSA sizes */

enum setting_kind { SET_U32, SET_SIZE, SET_BOOL, SET_POLICY, SET_BITS, SET_FROM };

static const struct setting {
	const char *name;
	enum setting_kind kind;
	size_t off;
	uint64_t dflt; /* SET_SIZE: what 0 restores */
} settings[] = {
	{ "uid-min", SET_U32, offsetof(kw_profile, uid_min), 0 },
	{ "uid-max", SET_U32, offsetof(kw_profile, uid_max), 0 },
	{ "max-file-size", SET_SIZE, offsetof(kw_profile, max_file_size), DEFAULT_MAX_FILE_SIZE },
	{ "deep-max-size", SET_SIZE, offsetof(kw_profile, deep_max_size), DEFAULT_DEEP_MAX_SIZE },
	{ "report-locked-hash", SET_BOOL, offsetof(kw_profile, report_locked_hash), 0 },
	{ "sshd-algorithms", SET_POLICY, offsetof(kw_profile, sshd_policy), 0 },
	{ "keys-rsa-min-bits", SET_BITS, offsetof(kw_profile, keys_rsa_min_bits), DEFAULT_KEYS_RSA_MIN_BITS },
	{ "keys-require-from", SET_FROM, offsetof(kw_profile, keys_require_from), 0 },
};

static const char *const require_from_names[] = {
	[KW_KEYS_FROM_NONE] = "none",
	[KW_KEYS_FROM_ROOT] = "root",
	[KW_KEYS_FROM_ALL] = "all",
};

/* One load: the profile being filled, where messages go, and the include stack. */
struct pctx {
	kw_profile *p;
	kw_diags *d;
	int err;                     /* first error met (KW_E_USAGE, -ENOMEM) */
	char ident[PROFILE_MAX_DEPTH + 1][48]; /* "builtin:NAME" or "file:DEV:INO" */
	size_t depth;                /* entries in ident[] */
	unsigned files;              /* texts parsed so far in this load */
	char *uid_file;              /* where uid-min / uid-max was last set, for the range check */
	unsigned uid_line;
};

/* One text being parsed: its name in messages, where relative includes start, and
 * whether it is a built-in (then includes name built-ins). */
struct psrc {
	const char *name;
	const char *dir;
	bool builtin;
};

static int parse_text(struct pctx *c, const struct psrc *src, const char *text, size_t len);

void kw_profile_init(kw_profile *p)
{
	*p = (kw_profile){
		.max_file_size = DEFAULT_MAX_FILE_SIZE,
		.deep_max_size = DEFAULT_DEEP_MAX_SIZE,
		.report_locked_hash = true,
		.sshd_policy = "baseline",
		.keys_rsa_min_bits = DEFAULT_KEYS_RSA_MIN_BITS,
		.keys_require_from = KW_KEYS_FROM_NONE,
	};
}

void kw_profile_release(kw_profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->n_ov; i++)
		free(p->ov[i].id);
	free(p->ov);
	kw_profile_init(p);
}

static const kw_profile_override *find_ov(const kw_profile *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_ov; i++)
		if (!strcmp(p->ov[i].id, id))
			return &p->ov[i];
	return NULL;
}

int64_t kw_profile_threshold(const kw_profile *p, const kw_check_def *c, int64_t def)
{
	int64_t v = def;
	for (size_t i = 0; p && c && i < p->n_ov; i++)
		if (p->ov[i].has_threshold && !strcmp(p->ov[i].id, c->id))
			v = p->ov[i].threshold; /* later lines win, as for severity */
	return v;
}

bool kw_profile_enabled(const kw_profile *p, const kw_check_def *c)
{
	const kw_profile_override *o = find_ov(p, c ? c->id : NULL);
	return !o || !o->disabled;
}

static int check_list_push(kw_check_list *l, const kw_profile *p, const kw_check_def *c)
{
	if (!kw_profile_enabled(p, c))
		return 0;
	const kw_check_def **slot = KW_VEC_PUSH(l->v, l->n, l->cap);
	if (!slot)
		return -ENOMEM;
	*slot = c;
	return 0;
}

int kw_check_list_add(kw_check_list *l, const kw_profile *p, const kw_check_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (check_list_push(l, p, &defs[i]) < 0)
			return -ENOMEM;
	return 0;
}

int kw_check_list_add_ptrs(kw_check_list *l, const kw_profile *p,
			   const kw_check_def *const *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (check_list_push(l, p, defs[i]) < 0)
			return -ENOMEM;
	return 0;
}

void kw_check_list_release(kw_check_list *l)
{
	free(l->v);
	*l = (kw_check_list){ 0 };
}

kw_severity kw_profile_severity_or(const kw_profile *p, const kw_check_def *c, kw_severity dflt)
{
	const kw_profile_override *o = find_ov(p, c ? c->id : NULL);
	return o && o->has_severity ? o->severity : dflt;
}

kw_severity kw_profile_severity(const kw_profile *p, const kw_check_def *c)
{
	return kw_profile_severity_or(p, c, c ? c->severity : KW_SEV_INFO);
}

/* ---- messages ---- */

static void perr(struct pctx *c, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void perr(struct pctx *c, const char *file, unsigned line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0 || kw_diags_add(c->d, file, line, KW_E_USAGE, "%s", msg) < 0) {
		if (n >= 0)
			free(msg);
		c->err = -ENOMEM;
		return;
	}
	free(msg);
	if (c->err == 0)
		c->err = KW_E_USAGE;
}

/* The offending token, escaped and shortened, for a message (caller frees; NULL on ENOMEM). */
static char *show(kw_buf v)
{
	size_t n = kw_buf_left(&v);
	kw_sb sb;
	kw_sb_init(&sb);
	if (kw_escape_append(&sb, kw_buf_cur(&v), n > PROFILE_SHOW_MAX ? PROFILE_SHOW_MAX : n) < 0 ||
	    (n > PROFILE_SHOW_MAX && kw_sb_puts(&sb, "...") < 0)) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}
#define SHOW(s) ((s) ? (s) : "?")

/* ---- small parsers ---- */

static bool valid_id(kw_buf v)
{
	size_t n = kw_buf_left(&v);
	const uint8_t *s = kw_buf_cur(&v);
	if (n == 0 || n > PROFILE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static bool valid_name(kw_buf v)
{
	size_t n = kw_buf_left(&v);
	const uint8_t *s = kw_buf_cur(&v);
	if (n == 0 || n > PROFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static bool buf_ieq(kw_buf v, const char *s)
{
	size_t n = strlen(s);
	return kw_buf_left(&v) == n && strncasecmp((const char *)kw_buf_cur(&v), s, n) == 0;
}

static int parse_bool(kw_buf v, bool *ret)
{
	if (buf_ieq(v, "yes")) { *ret = true; return 0; }
	if (buf_ieq(v, "no")) { *ret = false; return 0; }
	return KW_E_PARSE;
}

/* Look up or add the override entry for id. NULL on ENOMEM or when the cap is hit. */
static kw_profile_override *get_ov(struct pctx *c, const char *file, unsigned line, kw_buf id)
{
	kw_profile *p = c->p;
	size_t n = kw_buf_left(&id);
	for (size_t i = 0; i < p->n_ov; i++)
		if (strlen(p->ov[i].id) == n && !memcmp(p->ov[i].id, kw_buf_cur(&id), n))
			return &p->ov[i];
	if (p->n_ov >= PROFILE_MAX_OV) {
		perr(c, file, line, "more than %d checks overridden", PROFILE_MAX_OV);
		return NULL;
	}
	char *s = kw_buf_strdup(&id);
	kw_profile_override *v = s ? realloc(p->ov, (p->n_ov + 1) * sizeof *v) : NULL;
	if (!v) {
		free(s);
		c->err = -ENOMEM;
		return NULL;
	}
	p->ov = v;
	v[p->n_ov] = (kw_profile_override){ .id = s };
	return &v[p->n_ov++];
}

/* ---- includes ---- */

static const struct kw_builtin_data *builtin_find(const char *name, size_t n)
{
	for (const struct kw_builtin_data *b = kw_builtin_data; b->name; b++)
		if (strlen(b->name) == n && !memcmp(b->name, name, n))
			return b;
	return NULL;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* Push identity, parse, pop. The caller has checked depth and the file count. */
static int parse_pushed(struct pctx *c, const char *ident, const struct psrc *src,
			const char *text, size_t len)
{
	snprintf(c->ident[c->depth], sizeof c->ident[0], "%s", ident);
	c->depth++;
	c->files++;
	int r = parse_text(c, src, text, len);
	c->depth--;
	return r;
}

static bool on_stack(const struct pctx *c, const char *ident)
{
	for (size_t i = 0; i < c->depth; i++)
		if (!strcmp(c->ident[i], ident))
			return true;
	return false;
}

/* Read a whole regular file, at most PROFILE_MAX_BYTES; ident names it by device and
 * inode (so an include cycle through another path is still seen). */
static int read_file(const char *path, char **ret, size_t *ret_len, char ident[48])
{
	struct stat st;
	int r = kw_file_read_capped(path, PROFILE_MAX_BYTES, ret, ret_len, &st);
	if (r < 0)
		return r;
	snprintf(ident, 48, "file:%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 0;
}

static int include_builtin(struct pctx *c, const struct psrc *src, unsigned line,
			   const struct kw_builtin_data *b)
{
	char ident[48];
	snprintf(ident, sizeof ident, "builtin:%s", b->name);
	if (on_stack(c, ident)) {
		perr(c, src->name, line, "include loop: built-in profile %s includes itself", b->name);
		return 0;
	}
	struct psrc sub = { .name = b->name, .dir = NULL, .builtin = true };
	return parse_pushed(c, ident, &sub, b->text, b->len);
}

static int include_file(struct pctx *c, const struct psrc *src, unsigned line, kw_buf arg)
{
	_cleanup_free_ char *shown = show(arg);
	_cleanup_free_ char *rel = kw_buf_strdup(&arg);
	if (!rel)
		return -ENOMEM;
	if (!src->dir) {
		perr(c, src->name, line, "include %s: includes of files are not allowed here", SHOW(shown));
		return 0;
	}
	_cleanup_free_ char *path = NULL;
	if (rel[0] == '/')
		path = TAKE_PTR(rel);
	else if (asprintf(&path, "%s/%s", src->dir, rel) < 0)
		return -ENOMEM;

	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char ident[48];
	int r = read_file(path, &text, &len, ident);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		perr(c, src->name, line, "cannot include %s: %s", SHOW(shown), kw_strerror(r));
		return 0;
	}
	if (on_stack(c, ident)) {
		perr(c, src->name, line, "include loop: %s is already being read", SHOW(shown));
		return 0;
	}
	_cleanup_free_ char *dir = kw_path_dir(path);
	if (!dir)
		return -ENOMEM;
	struct psrc sub = { .name = path, .dir = dir, .builtin = false };
	return parse_pushed(c, ident, &sub, text, len);
}

static int do_include(struct pctx *c, const struct psrc *src, unsigned line, kw_buf arg)
{
	_cleanup_free_ char *shown = show(arg);
	/* depth counts texts on the stack: the top-level one plus up to 8 nested includes */
	if (c->depth >= PROFILE_MAX_DEPTH + 1) {
		perr(c, src->name, line, "include %s: nested deeper than %d", SHOW(shown), PROFILE_MAX_DEPTH);
		return 0;
	}
	if (c->files >= PROFILE_MAX_FILES) {
		perr(c, src->name, line, "include %s: more than %d profile files in one load",
		     SHOW(shown), PROFILE_MAX_FILES);
		return 0;
	}
	const char *a = (const char *)kw_buf_cur(&arg);
	size_t n = kw_buf_left(&arg);
	bool has_slash = memchr(a, '/', n) != NULL;
	bool dot_profile = ends_with(a, n, ".profile");
	if (src->builtin || (!has_slash && !dot_profile)) {
		if (has_slash) {
			perr(c, src->name, line, "include %s: a built-in profile can only include built-ins",
			     SHOW(shown));
			return 0;
		}
		if (!src->builtin && !src->dir) {
			perr(c, src->name, line, "include %s: includes are not allowed here", SHOW(shown));
			return 0;
		}
		size_t k = dot_profile ? n - strlen(".profile") : n;
		const struct kw_builtin_data *b = builtin_find(a, k);
		if (!b) {
			perr(c, src->name, line, "include %s: no built-in profile of that name", SHOW(shown));
			return 0;
		}
		return include_builtin(c, src, line, b);
	}
	return include_file(c, src, line, arg);
}

/* ---- directives ---- */

static int do_set(struct pctx *c, const struct psrc *src, unsigned line, kw_buf name, kw_buf val)
{
	_cleanup_free_ char *sn = show(name);
	_cleanup_free_ char *sv = show(val);
	const struct setting *s = NULL;
	for (size_t i = 0; i < KW_ARRAY_LEN(settings); i++)
		if (buf_ieq(name, settings[i].name))
			s = &settings[i];
	if (!s) {
		perr(c, src->name, line, "unknown setting %s", SHOW(sn));
		return 0;
	}
	char *field = (char *)c->p + s->off;
	uint64_t x;
	bool b;
	switch (s->kind) {
	case SET_U32:
		if (kw_buf_to_u64(&val, UINT32_MAX, &x) < 0) {
			perr(c, src->name, line, "set %s: %s is not a number from 0 to %u",
			     s->name, SHOW(sv), UINT32_MAX);
			return 0;
		}
		memcpy(field, &(uint32_t){ (uint32_t)x }, sizeof(uint32_t));
		free(c->uid_file);
		c->uid_file = strdup(src->name);
		c->uid_line = line;
		if (!c->uid_file)
			return -ENOMEM;
		break;
	case SET_SIZE:
		if (kw_buf_to_size(&val, &x) < 0) {
			perr(c, src->name, line,
			     "set %s: %s is not a size (a number with an optional K, M or G)",
			     s->name, SHOW(sv));
			return 0;
		}
		if (x == 0)
			x = s->dflt;
		memcpy(field, &x, sizeof x);
		break;
	case SET_BOOL:
		if (parse_bool(val, &b) < 0) {
			perr(c, src->name, line, "set %s: %s is not yes or no", s->name, SHOW(sv));
			return 0;
		}
		memcpy(field, &b, sizeof b);
		break;
	case SET_POLICY:
		/* a column of data/algorithms.ratings */
		if (kw_buf_eq(&val, "baseline") || kw_buf_eq(&val, "strict")) {
			char *dst = field;
			memset(dst, 0, sizeof ((kw_profile *)0)->sshd_policy);
			memcpy(dst, kw_buf_cur(&val), kw_buf_left(&val));
		} else {
			perr(c, src->name, line, "set %s: %s is not baseline or strict", s->name, SHOW(sv));
			return 0;
		}
		break;
	case SET_BITS:
		/* a key size in bits; 0 restores the default */
		if (kw_buf_to_u64(&val, KEYS_RSA_MAX_BITS, &x) < 0) {
			perr(c, src->name, line, "set %s: %s is not a number of bits from 0 to %u",
			     s->name, SHOW(sv), KEYS_RSA_MAX_BITS);
			return 0;
		}
		memcpy(field, &(uint32_t){ x ? (uint32_t)x : (uint32_t)s->dflt }, sizeof(uint32_t));
		break;
	case SET_FROM: {
		size_t k = KW_ARRAY_LEN(require_from_names);
		for (size_t i = 0; i < KW_ARRAY_LEN(require_from_names); i++)
			if (buf_ieq(val, require_from_names[i]))
				k = i;
		if (k == KW_ARRAY_LEN(require_from_names)) {
			perr(c, src->name, line, "set %s: %s is not none, root or all", s->name, SHOW(sv));
			return 0;
		}
		kw_keys_require_from rf = (kw_keys_require_from)k;
		memcpy(field, &rf, sizeof rf);
		break;
	}
	}
	return 0;
}

static int replace_str(char **dst, kw_buf v)
{
	char *s = kw_buf_strdup(&v);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static const char *const directives[] = {
	"profile", "description", "include", "disable", "enable", "severity", "set", "threshold",
};
enum { D_PROFILE, D_DESCRIPTION, D_INCLUDE, D_DISABLE, D_ENABLE, D_SEVERITY, D_SET, D_THRESHOLD };
static const unsigned directive_args[] = { 1, 0, 1, 1, 1, 2, 2, 2 };

static int parse_line(struct pctx *c, const struct psrc *src, unsigned line, kw_buf l)
{
	kw_buf kw, a[3];
	if (!kw_buf_token(&l, &kw))
		return 0;
	_cleanup_free_ char *skw = show(kw);
	size_t d = KW_ARRAY_LEN(directives);
	for (size_t i = 0; i < KW_ARRAY_LEN(directives); i++)
		if (buf_ieq(kw, directives[i]))
			d = i;
	if (d == KW_ARRAY_LEN(directives)) {
		perr(c, src->name, line, "unknown keyword %s", SHOW(skw));
		return 0;
	}
	if (d == D_DESCRIPTION) {
		kw_buf rest = kw_buf_trim(l);
		if (kw_buf_left(&rest) == 0) {
			perr(c, src->name, line, "description: missing text");
			return 0;
		}
		return replace_str(&c->p->description, rest);
	}
	unsigned n = 0;
	while (n < 3 && kw_buf_token(&l, &a[n]))
		n++;
	if (n != directive_args[d]) {
		perr(c, src->name, line, "%s: expected %u argument%s, found %s", directives[d],
		     directive_args[d], directive_args[d] == 1 ? "" : "s",
		     n < directive_args[d] ? "fewer" : "more");
		return 0;
	}
	_cleanup_free_ char *s0 = show(a[0]);
	if ((d == D_DISABLE || d == D_ENABLE || d == D_SEVERITY || d == D_THRESHOLD) &&
	    !valid_id(a[0])) {
		perr(c, src->name, line, "%s: %s is not a check id (lower-case letters, digits, '.', '-')",
		     directives[d], SHOW(s0));
		return 0;
	}
	kw_profile_override *o;
	switch (d) {
	case D_PROFILE:
		if (!valid_name(a[0])) {
			perr(c, src->name, line, "profile: %s is not a valid name "
			     "(letters, digits, '.', '-', '_'; at most %d)", SHOW(s0), PROFILE_NAME_MAX);
			return 0;
		}
		return replace_str(&c->p->name, a[0]);
	case D_INCLUDE:
		return do_include(c, src, line, a[0]);
	case D_DISABLE:
	case D_ENABLE:
		if (!(o = get_ov(c, src->name, line, a[0])))
			return c->err == -ENOMEM ? -ENOMEM : 0;
		o->disabled = d == D_DISABLE;
		return 0;
	case D_SEVERITY: {
		_cleanup_free_ char *sev = kw_buf_strdup(&a[1]);
		_cleanup_free_ char *s1 = show(a[1]);
		kw_severity s;
		if (!sev)
			return -ENOMEM;
		if (kw_severity_parse(sev, &s) < 0) {
			perr(c, src->name, line,
			     "severity: %s is not one of info, low, medium, high, critical", SHOW(s1));
			return 0;
		}
		if (!(o = get_ov(c, src->name, line, a[0])))
			return c->err == -ENOMEM ? -ENOMEM : 0;
		o->has_severity = true;
		o->severity = s;
		return 0;
	}
	case D_SET:
		return do_set(c, src, line, a[0], a[1]);
	case D_THRESHOLD: {
		uint64_t v;
		_cleanup_free_ char *s1 = show(a[1]);
		if (kw_buf_to_u64(&a[1], 1u << 30, &v) < 0) {
			perr(c, src->name, line, "threshold: %s is not a number from 0 to %u",
			     SHOW(s1), 1u << 30);
			return 0;
		}
		if (!(o = get_ov(c, src->name, line, a[0])))
			return c->err == -ENOMEM ? -ENOMEM : 0;
		o->has_threshold = true;
		o->threshold = (int64_t)v;
		return 0;
	}
	default:
		return 0;
	}
}

/* Cut a comment: '#' at the start of the line or after a blank runs to the end. */
static kw_buf strip_comment(kw_buf l)
{
	const uint8_t *s = kw_buf_cur(&l);
	size_t n = kw_buf_left(&l);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return kw_buf_view(s, i);
	return l;
}

static int parse_text(struct pctx *c, const struct psrc *src, const char *text, size_t len)
{
	if (len > PROFILE_MAX_BYTES) {
		perr(c, src->name, 0, "profile larger than %zu bytes", PROFILE_MAX_BYTES);
		return 0;
	}
	kw_buf all = kw_buf_view(text, len), l;
	unsigned lineno = 0;
	bool trunc;
	while (kw_buf_line(&all, &l, PROFILE_MAX_LINE, &trunc)) {
		lineno++;
		if (trunc) {
			perr(c, src->name, lineno, "line longer than %d bytes", PROFILE_MAX_LINE);
			continue;
		}
		if (kw_buf_has_nul(&l)) {
			perr(c, src->name, lineno, "line contains a NUL byte");
			continue;
		}
		if (lineno == 1 && kw_buf_starts_with(&l, "\xef\xbb\xbf"))
			l.off += 3; /* a UTF-8 byte order mark from some editors */
		int r = parse_line(c, src, lineno, kw_buf_trim(strip_comment(l)));
		if (r < 0) {
			c->err = r;
			return r;
		}
	}
	return 0;
}

/* After the whole load: checks that need every line seen. */
static void finish(struct pctx *c)
{
	kw_profile *p = c->p;
	if (p->uid_min && p->uid_max && p->uid_min > p->uid_max)
		perr(c, c->uid_file, c->uid_line, "uid-min %u is larger than uid-max %u",
		     p->uid_min, p->uid_max);
}

int kw_profile_parse(kw_profile *p, const char *name, const char *dir,
		     const char *text, size_t len, kw_diags *d)
{
	struct pctx c = { .p = p, .d = d };
	struct psrc src = { .name = name ? name : "profile", .dir = dir, .builtin = false };
	int r = parse_pushed(&c, "text:", &src, text ? text : "", text ? len : 0);
	if (r == 0)
		finish(&c);
	free(c.uid_file);
	if (c.err)
		return c.err;
	if (!p->name && !(p->name = strdup(src.name)))
		return -ENOMEM;
	return 0;
}

int kw_profile_load(kw_profile *p, const char *name_or_path, kw_diags *d)
{
	if (!name_or_path || !*name_or_path) {
		kw_diags_add(d, NULL, 0, KW_E_USAGE, "empty profile name");
		return KW_E_USAGE;
	}
	size_t n = strlen(name_or_path);
	bool is_path = strchr(name_or_path, '/') || ends_with(name_or_path, n, ".profile");
	_cleanup_(kw_profile_release) kw_profile tmp;
	kw_profile_init(&tmp);
	struct pctx c = { .p = &tmp, .d = d };
	int r;

	if (!is_path) {
		const struct kw_builtin_data *b = builtin_find(name_or_path, n);
		if (!b) {
			_cleanup_free_ char *shown = kw_escape_str(name_or_path);
			kw_diags_add(d, NULL, 0, KW_E_USAGE,
				     "no built-in profile %s (built-ins: baseline, paranoid; "
				     "a file path contains '/' or ends in .profile)", SHOW(shown));
			return KW_E_USAGE;
		}
		char ident[48];
		snprintf(ident, sizeof ident, "builtin:%s", b->name);
		struct psrc src = { .name = b->name, .dir = NULL, .builtin = true };
		r = parse_pushed(&c, ident, &src, b->text, b->len);
		if (r == 0 && !tmp.name && !(tmp.name = strdup(b->name)))
			r = -ENOMEM;
	} else {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		char ident[48];
		r = read_file(name_or_path, &text, &len, ident);
		if (r < 0) {
			if (r != -ENOMEM)
				kw_diags_add(d, name_or_path, 0, r, "cannot read profile: %s", kw_strerror(r));
			return r;
		}
		_cleanup_free_ char *dir = kw_path_dir(name_or_path);
		if (!dir)
			return -ENOMEM;
		struct psrc src = { .name = name_or_path, .dir = dir, .builtin = false };
		r = parse_pushed(&c, ident, &src, text, len);
		if (r == 0 && !tmp.name) {
			/* no "profile" line: the file's base name without .profile */
			const char *base = strrchr(name_or_path, '/');
			base = base ? base + 1 : name_or_path;
			size_t k = strlen(base);
			if (ends_with(base, k, ".profile") && k > strlen(".profile"))
				k -= strlen(".profile");
			if (!(tmp.name = strndup(base, k)))
				r = -ENOMEM;
		}
	}
	if (r == 0)
		finish(&c);
	free(c.uid_file);
	if (r == 0 && c.err)
		r = c.err;
	if (r < 0)
		return r;
	*p = tmp;
	kw_profile_init(&tmp);
	return 0;
}
