/* config.c — the sshd_config engine: OpenSSH 9.2's process_server_config_line, Include,
 * Match (two passes), defaults and provenance, re-implemented over kw_target.
 * Owner: helper "engine". See config.h for the contract.
 *
 * Data: a kw_sshd_result holds, per option (keywords.def), its values as `sshd -T` prints
 * them (normalised strings) and the file:line that set them. Pass 1 parses every line
 * into the global result (lines inside non-matching Match blocks are syntax-checked
 * only). Pass 2 parses the same text again into a fresh result where only the lines of
 * matching Match blocks are active, then copies every option it set over a copy of the
 * global result (sshd's copy_set_server_options). Options whose sshd handler is
 * "last wins" (MaxStartups, IPQoS, StreamLocalBindMask, FingerprintHash, ...) are marked
 * so in the code below; everything else keeps its first value.
 */
#include "sshd/config.h"
#include "sshd/print.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"
#include "collect/accounts.h"
#include "sshd/algos.h"
#include "sshd/lexer.h"

#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pwd.h>

#define FILE_MAX ((size_t)16 << 20)
#define MAX_DEPTH 16
#define MAX_FILES 4096
#define MAX_LINES 4000000UL
#define MAX_VALUES 65536

enum { INC_NEVERMATCH = 0x04, INC_MATCH_ONLY = 0x08 };

typedef struct val {
	bool set;
	char **v;
	size_t n, cap;
	const char *file;
	unsigned line;
	unsigned parts; /* RekeyLimit: bit0 limit, bit1 interval set */
} val;

struct kw_sshd_result {
	val o[KW_SO__COUNT];
	int ms_begin, ms_rate, ms_max; /* MaxStartups, -1 unset */
	const char **print_cache;      /* defaults handed out by kw_sshd_values */
	char ms_text[40];              /* MaxStartups as -T prints it, for kw_sshd_values */
	const char *ms_ptr[1];
};

typedef struct cfile {
	char *path;
	char *text; /* preprocessed like load_server_config; NULL: unreadable */
	int err;
} cfile;

typedef struct qlisten {
	char *addr;
	int port;
	const char *file;
	unsigned line;
} qlisten;

struct kw_sshd_config {
	kw_target *t; /* borrowed during load/eval */
	cfile *files;
	size_t n_files, cap_files;
	char *main_text;
	char *main_path;
	char **overrides;
	size_t n_overrides;
	kw_sshd_result global;
	kw_sshd_shadow *shadows;
	size_t n_shadows, cap_shadows;
	kw_sshd_matchblock *blocks;
	size_t n_blocks, cap_blocks;
	qlisten *listens;
	size_t n_listens, cap_listens;
	const char **file_names;
	size_t n_file_names, cap_file_names;
	struct globcache { char *pattern; char **v; size_t n; } *globs;
	size_t n_globs, cap_globs;
	kw_passwd_db pw;
	kw_group_db gr;
	bool have_pw, have_gr;
	kw_sshd_accounts acc;
};

typedef struct pstate {
	kw_sshd_config *c;
	kw_sshd_result *o;
	const kw_sshd_conn *ci; /* NULL: pass 1 */
	bool pass2;
	kw_diags *d;
	bool fatal;
	int err;
	unsigned long lines;
	size_t includes;
} pstate;

/* ---------------- small helpers ---------------- */

static void val_clear(val *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof *v);
}

static int val_push(val *v, const char *s)
{
	if (v->n >= MAX_VALUES)
		return KW_E_TOOBIG;
	if (v->n + 2 > v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 4;
		char **nv = realloc(v->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	char *dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	v->v[v->n++] = dup;
	v->v[v->n] = NULL;
	return 0;
}

static int val_set1(val *v, const char *s, const char *file, unsigned line)
{
	val_clear(v);
	int r = val_push(v, s);
	if (r < 0)
		return r;
	v->set = true;
	v->file = file;
	v->line = line;
	return 0;
}

static int val_copy(val *dst, const val *src)
{
	val_clear(dst);
	for (size_t i = 0; i < src->n; i++) {
		int r = val_push(dst, src->v[i]);
		if (r < 0)
			return r;
	}
	dst->set = src->set;
	dst->file = src->file;
	dst->line = src->line;
	dst->parts = src->parts;
	return 0;
}

static void result_init(kw_sshd_result *r)
{
	memset(r, 0, sizeof *r);
	r->ms_begin = r->ms_rate = r->ms_max = -1;
}

static void result_release(kw_sshd_result *r)
{
	for (size_t i = 0; i < KW_SO__COUNT; i++)
		val_clear(&r->o[i]);
	free(r->print_cache);
	r->print_cache = NULL;
}

void kw_sshd_result_free(kw_sshd_result *r)
{
	if (!r)
		return;
	result_release(r);
	free(r);
}

static const char *intern_file(kw_sshd_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_file_names; i++)
		if (!strcmp(c->file_names[i], name))
			return c->file_names[i];
	char *dup = strdup(name);
	if (!dup)
		return NULL;
	const char **slot = KW_VEC_PUSH(c->file_names, c->n_file_names, c->cap_file_names);
	if (!slot) {
		free(dup);
		return NULL;
	}
	*slot = dup;
	return dup;
}

__attribute__((format(printf, 4, 5)))
static int perr(pstate *ps, const char *file, unsigned line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kw_diags_add(ps->d, file, line, KW_E_PARSE, "%s", buf);
	return -1;
}

__attribute__((format(printf, 4, 5)))
static int pfatal(pstate *ps, const char *file, unsigned line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kw_diags_add_fatal(ps->d, file, line, KW_E_PARSE, "%s", buf);
	ps->fatal = true;
	if (!ps->err)
		ps->err = KW_E_PARSE;
	return -1;
}

static void oom(pstate *ps)
{
	ps->fatal = true;
	ps->err = -ENOMEM;
}

/* strtonum(s, 0, INT_MAX): NULL on success */
static const char *atoi_err(const char *s, int *ret)
{
	if (!s || !*s)
		return "missing";
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return "invalid";
	if ((v == LLONG_MIN && errno == ERANGE) || v < 0)
		return "too small";
	if ((v == LLONG_MAX && errno == ERANGE) || v > INT_MAX)
		return "too large";
	*ret = (int)v;
	return NULL;
}

static int convtime(const char *s)
{
	long total = 0;
	const char *p = s;
	if (!p || !*p)
		return -1;
	while (*p) {
		char *endp;
		errno = 0;
		long secs = strtol(p, &endp, 10);
		if (p == endp || (errno == ERANGE && (secs == LONG_MIN || secs == LONG_MAX)) || secs < 0)
			return -1;
		long mult = 1;
		switch (*endp++) {
		case '\0': endp--; break;
		case 's': case 'S': break;
		case 'm': case 'M': mult = 60; break;
		case 'h': case 'H': mult = 3600; break;
		case 'd': case 'D': mult = 86400; break;
		case 'w': case 'W': mult = 604800; break;
		default: return -1;
		}
		if (secs > INT_MAX / mult)
			return -1;
		secs *= mult;
		if (total > INT_MAX - secs)
			return -1;
		total += secs;
		p = endp;
	}
	return (int)total;
}

static int a2port(const char *s)
{
	if (*s >= '0' && *s <= '9') {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (*end == '\0' && v <= 65535 && errno == 0)
			return (int)v;
	}
	struct servent *se = getservbyname(s, "tcp");
	if (se)
		return ntohs((uint16_t)se->s_port);
	return -1;
}

/* ~ and ~user, from the target's passwd (sshd uses the host's; same file for "/") */
/* misc.c tilde_expand() with the target's passwd: "~", "~/" and "~user" give the home
 * directory with a trailing '/'; slashes after the user part are squeezed; a result of
 * PATH_MAX (4096) bytes or more is an error. Every error is fatal (cleanup_exit(255)). */
static char *tilde_expand(kw_sshd_config *c, const char *f, pstate *ps, const char *file, unsigned line)
{
	if (f[0] != '~')
		return strdup(f);
	const char *p = f + 1, *path = NULL;
	const char *home = NULL;
	if (*p == '\0' || *p == '/') {
		p += strspn(p, "/");
		path = *p ? p : NULL;
		uid_t uid = getuid();
		for (size_t i = 0; c->have_pw && i < c->pw.n; i++)
			if (c->pw.v[i].uid == uid) {
				home = c->pw.v[i].home;
				break;
			}
		if (!home) {
			pfatal(ps, file, line, "tilde_expand: No such uid %ld", (long)uid);
			return NULL;
		}
	} else {
		const char *slash = strchr(p, '/');
		size_t ulen = slash ? (size_t)(slash - p) : strlen(p);
		char *u = strndup(p, ulen);
		if (!u) {
			oom(ps);
			return NULL;
		}
		if (slash) {
			path = slash + 1 + strspn(slash + 1, "/");
			if (!*path)
				path = NULL;
		}
		const kw_passwd_ent *pe = c->have_pw ? kw_passwd_find(&c->pw, u) : NULL;
		if (!pe) {
			pfatal(ps, file, line, "tilde_expand: No such user %s", u);
			free(u);
			return NULL;
		}
		free(u);
		home = pe->home ? pe->home : "";
	}
	size_t hl = strlen(home);
	bool add_slash = hl == 0 || home[hl - 1] != '/';
	size_t total = hl + (add_slash ? 1 : 0) + (path ? strlen(path) : 0);
	if (total >= 4096) {
		pfatal(ps, file, line, "tilde_expand: Path too long");
		return NULL;
	}
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_puts(&sb, home);
	if (add_slash)
		kw_sb_putc(&sb, '/');
	if (path)
		kw_sb_puts(&sb, path);
	return kw_sb_detach(&sb);
}

static char *derelativise(kw_sshd_config *c, const char *path, pstate *ps, const char *file, unsigned line)
{
	if (strcasecmp(path, "none") == 0)
		return strdup("none");
	char *e = tilde_expand(c, path, ps, file, line);
	if (!e || e[0] == '/')
		return e;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd)) {
		free(e);
		pfatal(ps, file, line, "getcwd failed");
		return NULL;
	}
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_printf(&sb, "%s/%s", cwd, e);
	free(e);
	return kw_sb_detach(&sb);
}

/* ---------------- files and globs through the target ---------------- */

static char *preprocess(const uint8_t *data, size_t len)
{
	/* load_server_config: per line, leading " \t\r" dropped, text after a NUL dropped
	 * (with the newline, as getline+strlen does) */
	kw_sb sb;
	kw_sb_init(&sb);
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && data[i] != '\n')
			i++;
		size_t end = i < len ? i + 1 : i; /* include newline */
		size_t s = start;
		while (s < end && (data[s] == ' ' || data[s] == '\t' || data[s] == '\r'))
			s++;
		size_t nul = s;
		while (nul < end && data[nul] != '\0')
			nul++;
		kw_sb_put(&sb, data + s, nul - s);
		i = end;
	}
	if (sb.overflow) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}

static cfile *load_file(kw_sshd_config *c, const char *path)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (!strcmp(c->files[i].path, path))
			return &c->files[i];
	cfile *f = KW_VEC_PUSH(c->files, c->n_files, c->cap_files);
	if (!f)
		return NULL;
	f->path = strdup(path);
	if (!f->path) {
		c->n_files--;
		return NULL;
	}
	kw_file kf = { 0 };
	int r = kw_target_read(c->t, path, FILE_MAX + 1, &kf);
	if (r == KW_E_NOTREG) {
		kw_stat st;
		if (kw_target_stat(c->t, path, &st) == 0 && st.type == KW_FT_DIR) {
			f->text = strdup(""); /* fopen of a directory works; getline reads nothing */
			return f;
		}
	}
	if (r < 0) {
		f->err = r;
		return f;
	}
	if (kf.truncated || kf.len > FILE_MAX) {
		f->err = KW_E_TOOBIG;
		kw_file_release(&kf);
		return f;
	}
	f->text = preprocess(kf.data, kf.len);
	if (!f->text)
		f->err = -ENOMEM;
	kw_file_release(&kf);
	return f;
}

typedef struct strv {
	char **v;
	size_t n, cap;
} strv;

static void strv_release(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int strv_push_take(strv *s, char *p)
{
	if (!p)
		return -ENOMEM;
	char **slot = KW_VEC_PUSH(s->v, s->n, s->cap);
	if (!slot) {
		free(p);
		return -ENOMEM;
	}
	*slot = p;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* glob(3) as sshd 9.2 runs it for Include: OpenSSH's own openbsd-compat glob (glibc's
 * glob_t lacks gl_matchc, so portable OpenSSH never uses it), flags 0, over the target.
 *  - "\x" quotes x (a lone trailing '\' is itself); quoted characters are never magic;
 *  - "*", "?", "[set]" with ranges, "[!set]" (only '!' negates; '^' is an ordinary
 *    member), "[:class:]"; an unknown class matches nothing; a '[' without a later ']'
 *    is an ordinary character;
 *  - a name starting with '.' needs a pattern segment starting with '.';
 *  - segments without magic are taken as written (repeated '/' kept) and only the whole
 *    path is checked at the end (lstat); a trailing '/' matches directories only;
 *  - results sorted with strcmp; no match is no error. Patterns of PATH_MAX (4096) bytes
 *    or more match nothing.
 * Iterative (one work list per segment), bounded by the result cap. */
typedef uint16_t gchar;
#define G_META 0x8000u
#define G_ALL ((gchar)(G_META | '*'))
#define G_ONE ((gchar)(G_META | '?'))
#define G_SET ((gchar)(G_META | '['))
#define G_NOT ((gchar)(G_META | '!'))
#define G_RNG ((gchar)(G_META | '-'))
#define G_END ((gchar)(G_META | ']'))
#define G_CLASS ((gchar)(G_META | ':'))
#define G_PROTECT 0x4000u
#define GLOB_PATH_MAX 4096
#define GLOB_MAX_RESULTS 100000

static const struct { const char *name; int (*fn)(int); } gclasses[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
	{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
	{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

static const gchar *gstrchr(const gchar *s, gchar c)
{
	for (; *s; s++)
		if (*s == c)
			return s;
	return NULL;
}

/* glob0(): quoted input (q, 0-terminated) -> compiled pattern. false: matches nothing. */
static bool glob_compile(const gchar *q, gchar *out)
{
	gchar *o = out;
	gchar c;
	while ((c = *q++) != 0) {
		if (c == '[') {
			c = *q;
			if (c == '!')
				q++;
			if (*q == 0 || !gstrchr(q + 1, ']')) {
				*o++ = '[';
				if (c == '!')
					q--;
				continue;
			}
			*o++ = G_SET;
			if (c == '!')
				*o++ = G_NOT;
			c = *q++;
			do {
				if (c == '[' && *q == ':') {
					int err;
					do {
						/* "[:name:]" */
						const gchar *name = q + 1, *colon = gstrchr(name, ':');
						err = 1;
						if (colon && colon[1] == ']') {
							size_t len = (size_t)(colon - name);
							err = -1;
							for (size_t k = 0; k < KW_ARRAY_LEN(gclasses); k++) {
								const char *cn = gclasses[k].name;
								size_t j = 0;
								while (j < len && cn[j] && name[j] == (gchar)(unsigned char)cn[j])
									j++;
								if (j == len && cn[len] == '\0') {
									*o++ = G_CLASS;
									*o++ = (gchar)k;
									q += len + 3;
									err = 0;
									break;
								}
							}
						}
						if (err)
							break;
						c = *q++;
					} while (c == '[' && *q == ':');
					if (err == -1)
						return false;
					if (c == ']' || c == 0)
						break;
				}
				*o++ = (gchar)(c & 0xff);
				if (*q == '-' && (c = q[1]) != ']' && c != 0) {
					*o++ = G_RNG;
					*o++ = (gchar)(c & 0xff);
					q += 2;
				}
			} while ((c = *q++) != ']' && c != 0);
			/* (a class may have eaten the ']' that made this a set: stop at the end) */
			if (c == 0)
				q--;
			*o++ = G_END;
		} else if (c == '?') {
			*o++ = G_ONE;
		} else if (c == '*') {
			if (o == out || o[-1] != G_ALL)
				*o++ = G_ALL;
		} else {
			*o++ = (gchar)(c & 0xff);
		}
	}
	*o = 0;
	return true;
}

/* match(): name against pat[0..pe); one backtrack point per '*' (no recursion). */
static bool glob_match(const char *name, const gchar *pat, const gchar *pe)
{
	const unsigned char *n = (const unsigned char *)name, *nextn = NULL;
	const gchar *nextp = NULL;
	for (;;) {
		bool fail = false;
		while (pat < pe && !fail) {
			gchar c = *pat++;
			if (c == G_ALL) {
				while (pat < pe && *pat == G_ALL)
					pat++;
				if (pat == pe)
					return true;
				if (*n == 0)
					return false;
				nextn = n + 1;
				nextp = pat - 1;
			} else if (c == G_ONE) {
				if (*n++ == 0)
					fail = true;
			} else if (c == G_SET) {
				bool ok = false;
				gchar k = *n++;
				if (k == 0) {
					fail = true;
					break;
				}
				bool neg = *pat == G_NOT;
				if (neg)
					pat++;
				while (pat < pe && (c = *pat++) != G_END) {
					if (c == G_CLASS) {
						gchar idx = *pat;
						if (idx < KW_ARRAY_LEN(gclasses) && gclasses[idx].fn(k))
							ok = true;
						pat++;
					}
					if (pat < pe && *pat == G_RNG) {
						if (c <= k && pat + 1 < pe && k <= pat[1])
							ok = true;
						pat += 2;
					} else if (c == k)
						ok = true;
				}
				if (ok == neg)
					fail = true;
			} else if (*n++ != c) {
				fail = true;
			}
		}
		if (!fail && *n == 0)
			return true;
		if (!nextn)
			return false;
		pat = nextp;
		n = nextn;
		nextn = NULL;
	}
}

typedef struct gstate {
	char *path;   /* built so far */
	size_t pi;    /* position in the compiled pattern */
} gstate;

static int target_glob(kw_target *t, const char *pattern, strv *out)
{
	size_t plen = strlen(pattern);
	if (plen >= GLOB_PATH_MAX) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	gchar quoted[GLOB_PATH_MAX + 1], pat[3 * GLOB_PATH_MAX + 4];
	size_t qn = 0;
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)pattern[i];
		if (c == '\\') {
			if (i + 1 < plen)
				c = (unsigned char)pattern[++i];
			quoted[qn++] = (gchar)(c | G_PROTECT);
		} else
			quoted[qn++] = c;
	}
	quoted[qn] = 0;
	strv res = { 0 };
	if (!glob_compile(quoted, pat)) {
		*out = res;
		return 0;
	}
	gstate *work = NULL, *next = NULL;
	size_t nw = 0, cw = 0, nn = 0, cn = 0;
	int r = 0;
	gstate *st0 = KW_VEC_PUSH(work, nw, cw);
	if (!st0 || !(st0->path = strdup(""))) {
		free(work);
		return -ENOMEM;
	}
	st0->pi = 0;
	while (nw > 0 && r == 0) {
		for (size_t w = 0; w < nw && r == 0; w++) {
			gstate *g = &work[w];
			kw_sb sb;
			kw_sb_init(&sb);
			kw_sb_puts(&sb, g->path);
			size_t pi = g->pi;
			for (;;) {
				if (pat[pi] == 0) {
					/* end of pattern: the path must exist (lstat) */
					char *path = kw_sb_detach(&sb);
					if (!path) {
						r = -ENOMEM;
						break;
					}
					size_t l = strlen(path);
					kw_stat kst;
					bool ok;
					if (l > 0 && path[l - 1] == '/') {
						char *trim = strndup(path, l);
						size_t tl = l;
						while (trim && tl > 1 && trim[tl - 1] == '/')
							trim[--tl] = '\0';
						ok = trim && kw_target_stat(t, trim, &kst) == 0 && kst.type == KW_FT_DIR;
						free(trim);
					} else
						ok = l > 0 && kw_target_lstat(t, path, &kst) == 0;
					if (!ok) {
						free(path);
						break;
					}
					if (res.n >= GLOB_MAX_RESULTS) {
						free(path);
						r = KW_E_TOOBIG;
						break;
					}
					r = strv_push_take(&res, path);
					break;
				}
				size_t se = pi;
				bool meta = false;
				while (pat[se] != 0 && pat[se] != '/') {
					if (pat[se] & G_META)
						meta = true;
					se++;
				}
				if (!meta) {
					for (size_t k = pi; k < se; k++)
						kw_sb_putc(&sb, (char)pat[k]);
					for (; pat[se] == '/'; se++)
						kw_sb_putc(&sb, '/');
					pi = se;
					continue;
				}
				/* glob3(): list the directory built so far, match names */
				const char *dir = sb.len ? sb.s : ".";
				kw_dirent *ents = NULL;
				size_t ne = 0;
				if (sb.s[0] != '/' || kw_target_list(t, dir, &ents, &ne) < 0) {
					kw_sb_release(&sb);
					break;
				}
				bool dots = pat[pi] == '.';
				for (size_t k = 0; k < ne + (dots ? 2 : 0) && r == 0; k++) {
					const char *name = k < ne ? ents[k].name : (k == ne ? "." : "..");
					if (name[0] == '.' && !dots)
						continue;
					if (!glob_match(name, pat + pi, pat + se))
						continue;
					if (nn >= GLOB_MAX_RESULTS) {
						r = KW_E_TOOBIG;
						break;
					}
					gstate *ng = KW_VEC_PUSH(next, nn, cn);
					kw_sb nsb;
					kw_sb_init(&nsb);
					kw_sb_puts(&nsb, sb.s);
					kw_sb_puts(&nsb, name);
					if (!ng || !(ng->path = kw_sb_detach(&nsb))) {
						if (ng)
							nn--;
						kw_sb_release(&nsb);
						r = -ENOMEM;
						break;
					}
					ng->pi = se;
				}
				kw_dirents_free(ents, ne);
				kw_sb_release(&sb);
				break;
			}
			kw_sb_release(&sb);
		}
		for (size_t w = 0; w < nw; w++)
			free(work[w].path);
		free(work);
		work = next;
		nw = nn;
		cw = cn;
		next = NULL;
		nn = cn = 0;
	}
	for (size_t w = 0; w < nw; w++)
		free(work[w].path);
	free(work);
	for (size_t w = 0; w < nn; w++)
		free(next[w].path);
	free(next);
	if (r < 0) {
		strv_release(&res);
		return r;
	}
	if (res.n)
		qsort(res.v, res.n, sizeof *res.v, cmp_str);
	*out = res;
	return 0;
}

/* ---------------- one line ---------------- */

static int parse_text(pstate *ps, const char *fname, const char *text, unsigned flags,
		      int *activep, int depth);

static void note_shadow(pstate *ps, kw_sshd_opt id, const char *file, unsigned line)
{
	if (ps->pass2)
		return;
	kw_sshd_config *c = ps->c;
	if (c->n_shadows >= 100000)
		return;
	kw_sshd_shadow *s = KW_VEC_PUSH(c->shadows, c->n_shadows, c->cap_shadows);
	if (!s)
		return;
	s->opt = id;
	s->file = file;
	s->line = line;
	s->win_file = ps->o->o[id].file;
	s->win_line = ps->o->o[id].line;
}

/* first-value-wins store of one normalised value */
static int set_first(pstate *ps, kw_sshd_opt id, bool active, const char *v, const char *file, unsigned line)
{
	if (!active)
		return 0;
	val *x = &ps->o->o[id];
	if (x->set) {
		note_shadow(ps, id, file, line);
		return 0;
	}
	if (val_set1(x, v, file, line) < 0)
		oom(ps);
	return 0;
}

static int set_last(pstate *ps, kw_sshd_opt id, bool active, const char *v, const char *file, unsigned line)
{
	if (!active)
		return 0;
	val *x = &ps->o->o[id];
	if (x->set)
		note_shadow(ps, id, file, line);
	if (val_set1(x, v, file, line) < 0)
		oom(ps);
	return 0;
}

static int append(pstate *ps, kw_sshd_opt id, const char *v, const char *file, unsigned line)
{
	val *x = &ps->o->o[id];
	if (!x->set) {
		x->file = file;
		x->line = line;
	}
	x->set = true;
	int r = val_push(x, v);
	if (r == -ENOMEM)
		oom(ps);
	else if (r < 0)
		return pfatal(ps, file, line, "too many values for %s", kw_sshd_optdef_get(id)->tname);
	return 0;
}

enum { EXP_DERELATIVISE, EXP_TILDE, EXP_LITERAL };

/* set_first for a path value: expanded (derelativise() or tilde_expand()) only when it
 * will be stored, as sshd does; an expansion error (already reported) gives -1 */
static int set_first_path(pstate *ps, kw_sshd_opt id, bool active, const char *arg, int how,
			  const char *file, unsigned line)
{
	if (!active)
		return 0;
	if (ps->o->o[id].set) {
		note_shadow(ps, id, file, line);
		return 0;
	}
	if (how == EXP_LITERAL)
		return set_first(ps, id, active, arg, file, line);
	char *p = how == EXP_TILDE ? tilde_expand(ps->c, arg, ps, file, line)
				   : derelativise(ps->c, arg, ps, file, line);
	if (!p)
		return -1;
	set_first(ps, id, active, p, file, line);
	free(p);
	return 0;
}

typedef struct mstate {
	const char *key;
	const char *print;
} mstate;

static const mstate ms_flag[] = { { "yes", "yes" }, { "no", "no" }, { NULL, NULL } };
static const mstate ms_addrfam[] = { { "inet", "inet" }, { "inet6", "inet6" }, { "any", "any" }, { NULL, NULL } };
static const mstate ms_permitroot[] = {
	{ "without-password", "without-password" }, { "prohibit-password", "without-password" },
	{ "forced-commands-only", "forced-commands-only" }, { "yes", "yes" }, { "no", "no" }, { NULL, NULL } };
static const mstate ms_ignorerhosts[] = { { "yes", "yes" }, { "no", "no" }, { "shosts-only", "shosts-only" }, { NULL, NULL } };
static const mstate ms_compression[] = { { "yes", "yes" }, { "delayed", "yes" }, { "no", "no" }, { NULL, NULL } };
static const mstate ms_gateway[] = { { "clientspecified", "clientspecified" }, { "yes", "yes" }, { "no", "no" }, { NULL, NULL } };
static const mstate ms_tcpfwd[] = { { "yes", "yes" }, { "all", "yes" }, { "no", "no" }, { "remote", "remote" }, { "local", "local" }, { NULL, NULL } };
static const mstate ms_loglevel[] = {
	{ "QUIET", "SILENT" }, { "FATAL", "FATAL" }, { "ERROR", "ERROR" }, { "INFO", "INFO" },
	{ "VERBOSE", "VERBOSE" }, { "DEBUG", "DEBUG" }, { "DEBUG1", "DEBUG" }, { "DEBUG2", "DEBUG2" },
	{ "DEBUG3", "DEBUG3" }, { NULL, NULL } };
static const mstate ms_facility[] = {
	{ "DAEMON", "DAEMON" }, { "USER", "USER" }, { "AUTH", "AUTH" }, { "AUTHPRIV", "AUTHPRIV" },
	{ "LOCAL0", "LOCAL0" }, { "LOCAL1", "LOCAL1" }, { "LOCAL2", "LOCAL2" }, { "LOCAL3", "LOCAL3" },
	{ "LOCAL4", "LOCAL4" }, { "LOCAL5", "LOCAL5" }, { "LOCAL6", "LOCAL6" }, { "LOCAL7", "LOCAL7" },
	{ NULL, NULL } };
static const mstate ms_fphash[] = {
	{ "MD5", "MD5" }, { "SHA1", "SHA1" }, { "SHA256", "SHA256" }, { "SHA384", "SHA384" },
	{ "SHA512", "SHA512" }, { NULL, NULL } };

static const char *ms_lookup(const mstate *m, const char *arg)
{
	if (!arg)
		return NULL;
	for (size_t i = 0; m[i].key; i++)
		if (strcasecmp(arg, m[i].key) == 0)
			return m[i].print;
	return NULL;
}

static const struct { const char *name; int v; } ipqos_tab[] = {
	{ "none", INT_MAX }, { "af11", 0x28 }, { "af12", 0x30 }, { "af13", 0x38 }, { "af21", 0x48 },
	{ "af22", 0x50 }, { "af23", 0x58 }, { "af31", 0x68 }, { "af32", 0x70 }, { "af33", 0x78 },
	{ "af41", 0x88 }, { "af42", 0x90 }, { "af43", 0x98 }, { "cs0", 0x00 }, { "cs1", 0x20 },
	{ "cs2", 0x40 }, { "cs3", 0x60 }, { "cs4", 0x80 }, { "cs5", 0xa0 }, { "cs6", 0xc0 },
	{ "cs7", 0xe0 }, { "ef", 0xb8 }, { "le", 0x01 }, { "lowdelay", 0x10 },
	{ "throughput", 0x08 }, { "reliability", 0x04 },
};

static int parse_ipqos(const char *cp)
{
	if (!cp)
		return -1;
	for (size_t i = 0; i < KW_ARRAY_LEN(ipqos_tab); i++)
		if (strcasecmp(cp, ipqos_tab[i].name) == 0)
			return ipqos_tab[i].v;
	char *ep;
	long v = strtol(cp, &ep, 0);
	if (*cp == '\0' || *ep != '\0' || v < 0 || v > 255)
		return -1;
	return (int)v;
}

static void iptos2str(int v, char *buf, size_t n)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(ipqos_tab); i++)
		if (ipqos_tab[i].v == v) {
			snprintf(buf, n, "%s", ipqos_tab[i].name);
			return;
		}
	snprintf(buf, n, "0x%02x", (unsigned)v);
}

/* scan_scaled() as OpenSSH's openbsd-compat has it (glibc has none): optional sign, at
 * most 20 integer digits (leading zeros count), extra fraction digits ignored, no digits
 * at all is 0, one unit of "BKMGTPE" (either case) that may be followed by anything but
 * an alphanumeric; without a unit the fraction is dropped. */
#define SCALED_MAX_DIGITS 21u
static int scan_scaled(const char *s, long long *ret)
{
	static const char units[] = "BKMGTPE";
	const char *p = s;
	int sign = 0;
	unsigned ndigits = 0, fdigits = 0;
	long long whole = 0, fpart = 0;
	while (isascii((unsigned char)*p) && isspace((unsigned char)*p))
		p++;
	while (*p == '-' || *p == '+') {
		if (sign) {
			errno = EINVAL;
			return -1;
		}
		sign = *p == '-' ? -1 : 1;
		p++;
	}
	for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
		if (*p == '.') {
			if (fdigits > 0) {
				errno = EINVAL;
				return -1;
			}
			fdigits = 1;
			continue;
		}
		int d = *p - '0';
		if (fdigits > 0) {
			if (fdigits >= SCALED_MAX_DIGITS - 1)
				continue;
			fdigits++;
			if (fpart > LLONG_MAX / 10 || d > LLONG_MAX - fpart * 10) {
				errno = ERANGE;
				return -1;
			}
			fpart = fpart * 10 + d;
		} else {
			if (++ndigits >= SCALED_MAX_DIGITS || whole > LLONG_MAX / 10 ||
			    d > LLONG_MAX - whole * 10) {
				errno = ERANGE;
				return -1;
			}
			whole = whole * 10 + d;
		}
	}
	if (sign)
		whole *= sign;
	if (!*p) {
		*ret = whole;
		return 0;
	}
	const char *u = *p ? strchr(units, toupper((unsigned char)*p)) : NULL;
	if (!u || isalnum((unsigned char)p[1])) {
		errno = EINVAL;
		return -1;
	}
	long long scale = 1LL << ((u - units) * 10);
	if (whole > LLONG_MAX / scale || whole < LLONG_MIN / scale) {
		errno = ERANGE;
		return -1;
	}
	whole *= scale;
	while (fpart >= LLONG_MAX / scale) {
		fpart /= 10;
		fdigits--;
	}
	fpart *= scale;
	for (unsigned i = 0; fdigits > 0 && i + 1 < fdigits; i++)
		fpart /= 10;
	whole = sign == -1 ? whole - fpart : whole + fpart;
	*ret = whole;
	return 0;
}

static const char *const authmethods[] = {
	"none", "publickey", "gssapi-with-mic", "password", "keyboard-interactive", "hostbased",
	"gssapi-keyex", NULL };

static bool in_table(const char *s, const char *const *tab)
{
	for (size_t i = 0; tab[i]; i++)
		if (!strcmp(s, tab[i]))
			return true;
	return false;
}

enum { LIST_CUT_COLON = 0x1, LIST_STOP_EMPTY = 0x2 };

/* a comma list whose every element is in `tab`. LIST_CUT_COLON: an element is checked
 * up to its first ':' (auth methods "keyboard-interactive:pam"). LIST_STOP_EMPTY: the
 * walk stops at the first empty element, so anything after ",," (or after a leading ",")
 * is not checked (kex_gss_names_valid()); without it an empty element is invalid.
 * On failure *bad (if not NULL) gets a copy of the offending element. */
static bool list_in_table(const char *list, const char *const *tab, unsigned flags, char **bad)
{
	if (!*list)
		return false;
	char *dup = strdup(list), *m = dup, *name;
	if (!dup)
		return false;
	bool ok = true;
	while ((name = strsep(&m, ",")) != NULL) {
		if ((flags & LIST_STOP_EMPTY) && *name == '\0')
			break;
		char *colon = (flags & LIST_CUT_COLON) ? strchr(name, ':') : NULL;
		if (colon)
			*colon = '\0';
		if (!in_table(name, tab)) {
			if (bad)
				*bad = strdup(name);
			ok = false;
			break;
		}
	}
	free(dup);
	return ok;
}

/* hpdelim: split host[:/]port; returns host or NULL; *cp is the port or NULL */
static char *hpdelim(char **cp)
{
	if (!cp || !*cp)
		return NULL;
	char *old = *cp, *s = *cp;
	if (*s == '[') {
		if ((s = strchr(s, ']')) == NULL)
			return NULL;
		s++;
	} else if ((s = strpbrk(s, ":/")) == NULL)
		s = *cp + strlen(*cp);
	switch (*s) {
	case '\0':
		*cp = NULL;
		break;
	case ':':
	case '/':
		*s = '\0';
		*cp = s + 1;
		break;
	default:
		return NULL;
	}
	return old;
}

static char *cleanhostname(char *host)
{
	size_t n = strlen(host);
	if (*host == '[' && n > 0 && host[n - 1] == ']') {
		host[n - 1] = '\0';
		return host + 1;
	}
	return host;
}

static int permitopen_port(const char *p)
{
	if (!strcmp(p, "*"))
		return 0;
	int port = a2port(p);
	return port > 0 ? port : -1;
}

static const char *const gss_kex[] = {
	"gss-gex-sha1-", "gss-group1-sha1-", "gss-group14-sha1-", "gss-group14-sha256-",
	"gss-group16-sha512-", "gss-nistp256-sha256-", "gss-curve25519-sha256-", NULL };

/* report a failed kw_algos_validate()/kw_algos_assemble() (r < 0); frees emsg */
static void algo_fail(pstate *ps, const char *file, unsigned line, int r, char *emsg)
{
	if (r == KW_E_PARSE)
		pfatal(ps, file, line, "%s", emsg ? emsg : "bad algorithm list");
	else if (r == -ENOMEM)
		oom(ps);
	else
		pfatal(ps, file, line, "%s", kw_strerror(r));
	free(emsg);
}

static kw_alg_kind algo_kind(kw_sshd_opt id)
{
	switch (id) {
	case KW_SO_CIPHERS: return KW_ALG_CIPHERS;
	case KW_SO_MACS: return KW_ALG_MACS;
	case KW_SO_KEXALGORITHMS: return KW_ALG_KEX;
	case KW_SO_HOSTKEYALGORITHMS: return KW_ALG_HOSTKEY;
	case KW_SO_PUBKEYACCEPTEDALGORITHMS: return KW_ALG_PUBKEY;
	case KW_SO_HOSTBASEDACCEPTEDALGORITHMS: return KW_ALG_HOSTBASED;
	default: return KW_ALG_CASIG;
	}
}

#define NEXT() (ai < args.n ? args.v[ai++] : NULL)
#define FATAL(...) do { pfatal(ps, file, line, __VA_ARGS__); goto out; } while (0)
/* the next argument, which must be present and not empty */
#define NEED_ARG(...) do { arg = NEXT(); if (!arg || !*arg) FATAL(__VA_ARGS__); } while (0)
/* the next argument as a convtime() number of seconds */
#define NEED_TIME(v) do { NEED_ARG("missing time value."); if (((v) = convtime(arg)) == -1) \
		FATAL("invalid time value."); } while (0)
#define ERR(...) do { perr(ps, file, line, __VA_ARGS__); ret = -1; goto out; } while (0)

/* A keyword token as it may be echoed in a message: keywords are letters and digits; any
 * other token is not shown, since the line may come from a file that is no sshd_config
 * at all (`Include /etc/shadow` would otherwise print a password hash). */
static const char *shown_keyword(const char *kw)
{
	size_t n = 0;
	for (const char *p = kw; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return "(a token that is not a keyword; not shown)";
	return n <= 40 ? kw : "(a token that is not a keyword; not shown)";
}

static int process_line(pstate *ps, char *linebuf, const char *file, unsigned line,
			int *activep, unsigned *inc_flags, int depth)
{
	char *kw, *str;
	kw_sshd_lex_status st = kw_sshd_lex_keyword(linebuf, &kw, &str);
	if (st == KW_SSHD_LEX_BLANK)
		return 0;
	if (st == KW_SSHD_LEX_NOARG)
		return perr(ps, file, line, "no argument after keyword \"%s\"", shown_keyword(kw));
	const kw_sshd_kwdef *kd = kw_sshd_keyword_find(kw);
	if (!kd)
		perr(ps, file, line, "Bad configuration option: %s", shown_keyword(kw));
	unsigned kflags = kd ? kd->flags : 0;
	kw_sshd_args args = { 0 };
	int r = kw_sshd_lex_args(str, &args);
	if (r == KW_E_PARSE)
		return perr(ps, file, line, "invalid quotes");
	if (r == KW_E_TOOBIG)
		return pfatal(ps, file, line, "too many arguments");
	if (r < 0) {
		oom(ps);
		return -1;
	}
	size_t ai = 0;
	int ret = 0;
	int cmdline_active = 1;
	bool cmdline = activep == NULL;
	if (cmdline)
		activep = &cmdline_active;
	if (*activep == 0 && !(kflags & KW_KF_MATCH)) {
		if (!ps->pass2)
			FATAL("Directive '%s' is not allowed within a Match block", kw);
		goto out; /* already processed in pass 1 */
	}
	if (!kd) {
		ret = -1;
		goto out;
	}
	bool active = *activep != 0;
	kw_sshd_opt id = kd->opt;
	const kw_sshd_optdef *od = kw_sshd_optdef_get(id);
	val *cur = &ps->o->o[id];
	char *arg;
	char buf[256];

	if (kflags & (KW_KF_DEPRECATED | KW_KF_UNSUPPORTED | KW_KF_IGNORE)) {
		if (!(kflags & KW_KF_IGNORE) && !ps->pass2)
			kw_diags_add(ps->d, file, line, 0, "%s option %s",
				     (kflags & KW_KF_UNSUPPORTED) ? "Unsupported" : "Deprecated", kw);
		ai = args.n;
		goto check;
	}

	switch (od->type) {
	case KW_VT_FLAG:
	case KW_VT_ADDRFAM:
	case KW_VT_PERMITROOT:
	case KW_VT_IGNORERHOSTS:
	case KW_VT_COMPRESSION:
	case KW_VT_GATEWAYPORTS:
	case KW_VT_TCPFWD: {
		const mstate *m = od->type == KW_VT_FLAG ? ms_flag
			: od->type == KW_VT_ADDRFAM ? ms_addrfam
			: od->type == KW_VT_PERMITROOT ? ms_permitroot
			: od->type == KW_VT_IGNORERHOSTS ? ms_ignorerhosts
			: od->type == KW_VT_COMPRESSION ? ms_compression
			: od->type == KW_VT_GATEWAYPORTS ? ms_gateway : ms_tcpfwd;
		NEED_ARG("missing argument.");
		const char *v = ms_lookup(m, arg);
		if (!v)
			FATAL("unsupported option \"%s\".", arg);
		set_first(ps, id, active, v, file, line);
		break;
	}
	case KW_VT_INT: {
		arg = NEXT();
		int v = 0;
		const char *e = atoi_err(arg, &v);
		if (e)
			FATAL("%s integer value %s.", kw, e);
		snprintf(buf, sizeof buf, "%d", v);
		set_first(ps, id, active, buf, file, line);
		break;
	}
	case KW_VT_TIME: {
		int v;
		NEED_TIME(v);
		snprintf(buf, sizeof buf, "%d", v);
		set_first(ps, id, active, buf, file, line);
		break;
	}
	case KW_VT_PATH:
		NEED_ARG("missing file name.");
		if (set_first_path(ps, id, active, arg, EXP_DERELATIVISE, file, line) < 0)
			goto out;
		break;
	case KW_VT_TILDE:
		NEED_ARG("%s missing argument.", kw);
		if (set_first_path(ps, id, active, arg, EXP_TILDE, file, line) < 0)
			goto out;
		break;
	case KW_VT_STRING:
		arg = NEXT();
		if (!arg || !*arg) {
			if (id == KW_SO_CHROOTDIRECTORY)
				FATAL("%s missing argument.", kw);
			FATAL("missing %s argument.", kw);
		}
		set_first(ps, id, active, arg, file, line);
		break;
	case KW_VT_REST: /* ForceCommand */
		set_first(ps, id, active, str + strspn(str, " \t\r\n"), file, line);
		ai = args.n;
		break;
	case KW_VT_COMMAND: {
		const char *v = str + strspn(str, " \t\r\n");
		if (v[0] != '/' && strcasecmp(v, "none") != 0)
			FATAL("%s must be an absolute path", kw);
		/* 9.2 tests AuthorizedKeysCommand for both keywords */
		if (active && !ps->o->o[KW_SO_AUTHORIZEDKEYSCOMMAND].set)
			set_last(ps, id, active, v, file, line);
		else if (active)
			note_shadow(ps, id, file, line);
		ai = args.n;
		break;
	}
	case KW_VT_ALGO: {
		/* parse time: validate every line (also inactive and shadowed ones) and keep
		 * the first active value as written; it is assembled (kex_assemble_names) when
		 * the pass is finished: twice for the global value (fill_default_server_options,
		 * then copy_set_server_options), once for a value from a matching Match block */
		arg = NEXT();
		char *emsg = NULL;
		r = kw_algos_validate(algo_kind(id), kw, arg ? arg : "", &emsg);
		if (r < 0) {
			algo_fail(ps, file, line, r, emsg);
			goto out;
		}
		free(emsg);
		set_first(ps, id, active, arg, file, line);
		break;
	}
	case KW_VT_LOGLEVEL: {
		arg = NEXT();
		const char *v = ms_lookup(ms_loglevel, arg);
		if (!v)
			FATAL("unsupported log level '%s'", arg ? arg : "<NONE>");
		set_first(ps, id, active, v, file, line);
		break;
	}
	case KW_VT_SPECIAL:
		break;
	}
	if (od->type != KW_VT_SPECIAL)
		goto check;

	switch (id) {
	case KW_SO_PORT: {
		if (cur->n >= 256)
			FATAL("too many ports.");
		NEED_ARG("missing port number.");
		int p = a2port(arg);
		if (p <= 0)
			FATAL("Badly formatted port number.");
		snprintf(buf, sizeof buf, "%d", p);
		append(ps, id, buf, file, line);
		break;
	}
	case KW_SO_LISTENADDRESS: {
		NEED_ARG("missing address");
		char *p, *a = arg;
		int port = 0;
		if (!strchr(a, '[') && (p = strchr(a, ':')) != NULL && strchr(p + 1, ':') != NULL) {
			p = a;
		} else {
			p = hpdelim(&a);
			if (!p)
				FATAL("bad address:port usage");
			p = cleanhostname(p);
			if (a == NULL)
				port = 0;
			else if ((port = a2port(a)) <= 0)
				FATAL("bad port number");
		}
		if ((arg = NEXT()) != NULL) {
			if (strcmp(arg, "rdomain") != 0 || NEXT() == NULL)
				FATAL("bad ListenAddress syntax");
			FATAL("bad routing domain");
		}
		if (ps->pass2)
			break;
		qlisten *q = KW_VEC_PUSH(ps->c->listens, ps->c->n_listens, ps->c->cap_listens);
		if (!q || !(q->addr = strdup(p))) {
			oom(ps);
			goto out;
		}
		q->port = port;
		q->file = file;
		q->line = line;
		break;
	}
	case KW_SO_HOSTKEY:
	case KW_SO_HOSTCERTIFICATE: {
		NEED_ARG("missing file name.");
		if (active) {
			char *p = derelativise(ps->c, arg, ps, file, line);
			if (!p)
				goto out;
			append(ps, id, p, file, line);
			free(p);
		}
		break;
	}
	case KW_SO_HOSTKEYAGENT:
	case KW_SO_SECURITYKEYPROVIDER: {
		arg = NEXT();
		if (!arg || !*arg) {
			if (id == KW_SO_HOSTKEYAGENT)
				FATAL("missing socket name.");
			FATAL("%s missing argument.", kw);
		}
		bool literal = id == KW_SO_HOSTKEYAGENT ? !strcmp(arg, "SSH_AUTH_SOCK")
							: !strcasecmp(arg, "internal");
		if (set_first_path(ps, id, active, arg, literal ? EXP_LITERAL : EXP_DERELATIVISE,
				   file, line) < 0)
			goto out;
		break;
	}
	case KW_SO_PUBKEYAUTHOPTIONS: {
		bool touch = false, verify = false;
		while ((arg = NEXT()) != NULL) {
			if (!strcasecmp(arg, "none"))
				continue;
			if (!strcasecmp(arg, "touch-required"))
				touch = true;
			else if (!strcasecmp(arg, "verify-required"))
				verify = true;
			else
				ERR("unsupported %s option %s", kw, arg);
		}
		snprintf(buf, sizeof buf, "%s%s%s", (!touch && !verify) ? "none" : "",
			 touch ? "touch-required" : "", verify ? (touch ? " verify-required" : "verify-required") : "");
		set_first(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_PERMITUSERENVIRONMENT:
		NEED_ARG("%s missing argument.", kw);
		set_first(ps, id, active, arg, file, line); /* yes, no, or a pattern list */
		break;
	case KW_SO_REKEYLIMIT: {
		NEED_ARG("%s missing argument.", kw);
		long long v64 = 0;
		if (strcmp(arg, "default") != 0) {
			errno = 0;
			if (scan_scaled(arg, &v64) == -1)
				FATAL("Bad %s number '%s': %s", kw, arg, strerror(errno));
			if (v64 != 0 && v64 < 16)
				FATAL("%s too small", kw);
		}
		if (cur->n < 2) {
			if (val_push(cur, "0") < 0 || val_push(cur, "0") < 0) {
				oom(ps);
				goto out;
			}
		}
		if (active && !(cur->parts & 1)) {
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)v64);
			free(cur->v[0]);
			cur->v[0] = strdup(buf);
			cur->parts |= 1;
			if (!cur->set) {
				cur->file = file;
				cur->line = line;
			}
			cur->set = true;
		} else if (active)
			note_shadow(ps, id, file, line);
		if (ai < args.n) {
			if (!strcmp(args.v[ai], "none")) {
				ai++;
				break;
			}
			int t;
			NEED_TIME(t);
			if (active && !(cur->parts & 2)) {
				snprintf(buf, sizeof buf, "%d", t);
				free(cur->v[1]);
				cur->v[1] = strdup(buf);
				cur->parts |= 2;
				cur->set = true;
			}
		}
		if (cur->n == 2 && (!cur->v[0] || !cur->v[1]))
			oom(ps);
		break;
	}
	case KW_SO_SYSLOGFACILITY: {
		arg = NEXT();
		const char *v = ms_lookup(ms_facility, arg);
		if (!v)
			FATAL("unsupported log facility '%s'", arg ? arg : "<NONE>");
		set_first(ps, id, active, v, file, line);
		break;
	}
	case KW_SO_LOGVERBOSE:
	case KW_SO_CHANNELTIMEOUT:
	case KW_SO_AUTHORIZEDKEYSFILE: {
		bool found = cur->n == 0;
		size_t i = 0;
		while ((arg = NEXT()) != NULL) {
			if (id != KW_SO_CHANNELTIMEOUT && *arg == '\0')
				ERR("keyword %s empty argument", kw);
			if (id != KW_SO_AUTHORIZEDKEYSFILE && !strcasecmp(arg, "none")) {
				if (i > 0 || ai < args.n)
					ERR("keyword %s \"none\" argument must appear alone.", kw);
			} else if (id == KW_SO_CHANNELTIMEOUT) {
				char *eq = strchr(arg, '=');
				if (!eq || eq == arg || convtime(eq + 1) < 0)
					FATAL("invalid channel timeout %s", arg);
			}
			i++;
			/* AuthorizedKeysFile expands "~" on every argument of every line, applied
			 * or not (an unknown ~user is fatal even in a Match block that does not
			 * match) */
			char *p = NULL;
			if (id == KW_SO_AUTHORIZEDKEYSFILE && !(p = tilde_expand(ps->c, arg, ps, file, line)))
				goto out;
			if (!found || !active) {
				if (active && i == 1)
					note_shadow(ps, id, file, line);
				free(p);
				continue;
			}
			append(ps, id, p ? p : arg, file, line);
			free(p);
		}
		break;
	}
	case KW_SO_ALLOWUSERS:
	case KW_SO_DENYUSERS:
		while ((arg = NEXT()) != NULL) {
			char *at = strchr(arg, '@');
			if (*arg == '\0' || (at && kw_sshd_addr_match_list(NULL, at + 1) == -2))
				FATAL("invalid %s pattern: \"%s\"", kw, arg);
			if (active)
				append(ps, id, arg, file, line);
		}
		break;
	case KW_SO_ALLOWGROUPS:
	case KW_SO_DENYGROUPS:
		while ((arg = NEXT()) != NULL) {
			if (*arg == '\0')
				FATAL("empty %s pattern", kw);
			if (active)
				append(ps, id, arg, file, line);
		}
		break;
	case KW_SO_ACCEPTENV:
		while ((arg = NEXT()) != NULL) {
			if (*arg == '\0' || strchr(arg, '='))
				FATAL("Invalid environment name.");
			if (active)
				append(ps, id, arg, file, line);
		}
		break;
	case KW_SO_SETENV: {
		size_t before = cur->n;
		bool shadowed = false;
		while ((arg = NEXT()) != NULL) {
			if (*arg == '\0' || !strchr(arg, '='))
				FATAL("Invalid environment.");
			if (!active || before != 0) {
				if (active && !shadowed) {
					note_shadow(ps, id, file, line);
					shadowed = true;
				}
				continue;
			}
			size_t nl = (size_t)(strchr(arg, '=') - arg);
			bool dup = false;
			for (size_t k = 0; k < cur->n; k++)
				if (!strncmp(cur->v[k], arg, nl) && cur->v[k][nl] == '=')
					dup = true;
			if (!dup)
				append(ps, id, arg, file, line);
		}
		break;
	}
	case KW_SO_AUTHENTICATIONMETHODS: {
		bool found = cur->n == 0, any = false, parsed = false;
		while ((arg = NEXT()) != NULL) {
			if (!strcmp(arg, "any")) {
				if (cur->n > 0)
					FATAL("\"any\" must appear alone in %s", kw);
				any = true;
			} else if (any) {
				FATAL("\"any\" must appear alone in %s", kw);
			} else if (!list_in_table(arg, authmethods, LIST_CUT_COLON, NULL)) {
				FATAL("invalid %s method list.", kw);
			}
			parsed = true;
			if (!found || !active)
				continue;
			append(ps, id, arg, file, line);
		}
		if (!parsed)
			FATAL("no %s specified", kw);
		if (!found && active)
			note_shadow(ps, id, file, line);
		break;
	}
	case KW_SO_SUBSYSTEM: {
		if (cur->n >= 256)
			FATAL("too many subsystems defined.");
		NEED_ARG("%s missing argument.", kw);
		if (!active) {
			(void)NEXT();
			break;
		}
		size_t nl = strlen(arg);
		for (size_t k = 0; k < cur->n; k++)
			if (!strncmp(cur->v[k], arg, nl) && cur->v[k][nl] == ' ')
				FATAL("Subsystem '%s' already defined.", arg);
		const char *name = arg;
		NEED_ARG("Missing subsystem command.");
		kw_sb sb;
		kw_sb_init(&sb);
		kw_sb_printf(&sb, "%s %s", name, arg);
		while ((arg = NEXT()) != NULL)
			kw_sb_printf(&sb, " %s", arg);
		char *s = kw_sb_detach(&sb);
		if (!s) {
			oom(ps);
			goto out;
		}
		append(ps, id, s, file, line);
		free(s);
		break;
	}
	case KW_SO_MAXSTARTUPS: {
		NEED_ARG("%s missing argument.", kw);
		kw_sshd_result *o = ps->o;
		int n = sscanf(arg, "%d:%d:%d", &o->ms_begin, &o->ms_rate, &o->ms_max);
		if (n == 3) {
			if (o->ms_begin > o->ms_max || o->ms_rate > 100 || o->ms_rate < 1)
				FATAL("Invalid %s spec.", kw);
		} else if (n != 1)
			FATAL("Invalid %s spec.", kw);
		else
			o->ms_max = o->ms_begin;
		if (o->ms_max <= 0 || o->ms_begin <= 0)
			FATAL("Invalid %s spec.", kw);
		if (cur->set)
			note_shadow(ps, id, file, line);
		cur->set = true; /* last wins, field by field */
		cur->file = file;
		cur->line = line;
		break;
	}
	case KW_SO_PERSOURCENETBLOCKSIZE: {
		NEED_ARG("%s missing argument.", kw);
		int v1 = 0, v2 = 0;
		int n = sscanf(arg, "%d:%d", &v1, &v2);
		if (n == 2 && (v2 < 0 || v2 > 128))
			n = -1;
		if ((n == 1 || n == 2) && (v1 < 0 || v1 > 32))
			n = -1;
		if (n != 1 && n != 2)
			FATAL("Invalid %s spec.", kw);
		snprintf(buf, sizeof buf, "%d:%d", v1, v2);
		set_last(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_PERSOURCEMAXSTARTUPS: {
		NEED_ARG("%s missing argument.", kw);
		int v = INT_MAX;
		if (strcmp(arg, "none") != 0) {
			const char *e = atoi_err(arg, &v);
			if (e)
				FATAL("%s integer value %s.", kw, e);
		}
		if (v == INT_MAX)
			snprintf(buf, sizeof buf, "none");
		else
			snprintf(buf, sizeof buf, "%d", v);
		set_last(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_PERMITTUNNEL: {
		NEED_ARG("%s missing argument.", kw);
		static const char *const tunnel[] = { "no", "point-to-point", "ethernet", "yes", NULL };
		if (!in_table(arg, tunnel))
			FATAL("bad %s argument %s", kw, arg);
		set_first(ps, id, active, arg, file, line);
		break;
	}
	case KW_SO_IPQOS: {
		NEED_ARG("%s missing argument.", kw);
		int v1 = parse_ipqos(arg), v2;
		if (v1 == -1)
			FATAL("Bad %s value: %s", kw, arg);
		arg = NEXT();
		if (!arg)
			v2 = v1;
		else if ((v2 = parse_ipqos(arg)) == -1)
			FATAL("Bad %s value: %s", kw, arg);
		char b1[16], b2[16];
		iptos2str(v1, b1, sizeof b1);
		iptos2str(v2, b2, sizeof b2);
		snprintf(buf, sizeof buf, "%s %s", b1, b2);
		set_last(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_STREAMLOCALBINDMASK: {
		NEED_ARG("%s missing argument.", kw);
		char *p;
		long v = strtol(arg, &p, 8);
		if (arg == p || v < 0 || v > 0777)
			FATAL("Invalid %s.", kw);
		snprintf(buf, sizeof buf, "0%lo", (unsigned long)v);
		set_last(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_FINGERPRINTHASH: {
		NEED_ARG("%s missing argument.", kw);
		const char *v = ms_lookup(ms_fphash, arg);
		if (!v)
			FATAL("Invalid %s algorithm \"%s\".", kw, arg);
		set_last(ps, id, active, v, file, line);
		break;
	}
	case KW_SO_UNUSEDCONNECTIONTIMEOUT: {
		if (args.n > 0 && !strcasecmp(args.v[0], "none")) {
			ai++;
			set_last(ps, id, active, "none", file, line);
			break;
		}
		int v;
		NEED_TIME(v);
		if (v == 0)
			snprintf(buf, sizeof buf, "none");
		else
			snprintf(buf, sizeof buf, "%d", v);
		set_first(ps, id, active, buf, file, line);
		break;
	}
	case KW_SO_VERSIONADDENDUM: {
		const char *v = str + strspn(str, " \t\r\n");
		if (strchr(v, '\r'))
			FATAL("Invalid %s argument", kw);
		set_first(ps, id, active, strcasecmp(v, "none") == 0 ? "none" : v, file, line);
		ai = args.n;
		break;
	}
	case KW_SO_GSSAPIKEXALGORITHMS: {
		NEED_ARG("%s missing argument.", kw);
		char *bad = NULL;
		if (!list_in_table(arg, gss_kex, LIST_STOP_EMPTY, &bad)) {
			perr(ps, file, line, "Unsupported KEX algorithm \"%s\"", bad ? bad : arg);
			free(bad);
			FATAL("Bad GSSAPI KexAlgorithms '%s'.", arg);
		}
		set_first(ps, id, active, arg, file, line);
		break;
	}
	case KW_SO_PERMITOPEN:
	case KW_SO_PERMITLISTEN: {
		NEED_ARG("%s missing argument.", kw);
		size_t before = cur->n;
		if (!strcmp(arg, "any") || !strcmp(arg, "none")) {
			if (active && before == 0)
				append(ps, id, arg, file, line);
			else if (active)
				note_shadow(ps, id, file, line);
			break;
		}
		bool shadowed = false;
		for (; arg && *arg; arg = NEXT()) {
			char *a2;
			char *a = arg;
			if (id == KW_SO_PERMITLISTEN && !strchr(arg, ':')) {
				kw_sb sb;
				kw_sb_init(&sb);
				kw_sb_printf(&sb, "*:%s", arg);
				a2 = kw_sb_detach(&sb);
			} else {
				a2 = strdup(arg);
				if (!hpdelim(&a)) {
					free(a2);
					FATAL("%s missing host", kw);
				}
			}
			if (!a2) {
				oom(ps);
				goto out;
			}
			if (a == NULL || permitopen_port(a) < 0) {
				free(a2);
				FATAL("%s bad port number", kw);
			}
			if (active && before == 0)
				append(ps, id, a2, file, line);
			else if (active && !shadowed) {
				note_shadow(ps, id, file, line);
				shadowed = true;
			}
			free(a2);
		}
		break;
	}
	case KW_SO_RDOMAIN:
		FATAL("setting RDomain not supported on this platform.");
	case KW_SO_INCLUDE: {
		if (cmdline)
			FATAL("Include directive not supported as a command-line option");
		int count = 0;
		while ((arg = NEXT()) != NULL) {
			if (*arg == '\0')
				ERR("keyword %s empty argument", kw);
			count++;
			kw_sb sb;
			kw_sb_init(&sb);
			if (*arg != '/' && *arg != '~')
				kw_sb_printf(&sb, "/etc/ssh/%s", arg);
			else
				kw_sb_puts(&sb, arg);
			_cleanup_free_ char *pat = kw_sb_detach(&sb);
			if (!pat) {
				oom(ps);
				goto out;
			}
			int oactive = *activep;
			const struct globcache *gc = NULL;
			for (size_t k = 0; k < ps->c->n_globs; k++)
				if (!strcmp(ps->c->globs[k].pattern, pat))
					gc = &ps->c->globs[k];
			if (!gc) {
				strv m = { 0 };
				if (pat[0] == '/' && ps->c->t) {
					r = target_glob(ps->c->t, pat, &m);
					if (r < 0) {
						strv_release(&m);
						FATAL("include \"%s\" glob failed", pat);
					}
				}
				struct globcache *ng = KW_VEC_PUSH(ps->c->globs, ps->c->n_globs, ps->c->cap_globs);
				if (!ng || !(ng->pattern = strdup(pat))) {
					if (ng)
						ps->c->n_globs--;
					strv_release(&m);
					oom(ps);
					goto out;
				}
				ng->v = m.v;
				ng->n = m.n;
				gc = ng;
			}
			strv matches = { .v = gc->v, .n = gc->n };
			for (size_t k = 0; k < matches.n && !ps->fatal; k++) {
				if (++ps->includes > MAX_FILES) {
					FATAL("too many included files");
				}
				unsigned fl = (*inc_flags & INC_MATCH_ONLY) ? INC_MATCH_ONLY
					: (oactive ? 0 : INC_NEVERMATCH);
				cfile *cf = load_file(ps->c, matches.v[k]);
				if (!cf) {
					oom(ps);
					break;
				}
				const char *iname = intern_file(ps->c, matches.v[k]);
				if (!iname) {
					oom(ps);
					break;
				}
				if (!cf->text) {
					pfatal(ps, iname, 0, "%s", kw_strerror(cf->err));
					break;
				}
				parse_text(ps, iname, cf->text, fl, activep, depth + 1);
				*activep = oactive;
			}
			if (ps->fatal)
				goto out;
		}
		if (count == 0)
			FATAL("%s missing filename argument", kw);
		break;
	}
	case KW_SO_MATCH: {
		if (cmdline)
			FATAL("Match directive not supported as a command-line option");
		if (!ps->pass2) {
			kw_sshd_matchblock *mb = ps->c->n_blocks < 100000
				? KW_VEC_PUSH(ps->c->blocks, ps->c->n_blocks, ps->c->cap_blocks) : NULL;
			if (mb) {
				mb->file = file;
				mb->line = line;
				mb->criteria = strdup(str);
			}
		}
		char msg[512];
		char *rest = NULL;
		const kw_sshd_conn *ci = (*inc_flags & INC_NEVERMATCH) ? NULL : ps->ci;
		kw_sshd_conn empty = { 0 };
		if (ps->pass2 && !ci && !(*inc_flags & INC_NEVERMATCH))
			ci = &empty;
		kw_sshd_match_res mr = kw_sshd_match_line(str, ci, &ps->c->acc, &rest, msg, sizeof msg);
		if (mr == KW_SSHD_MATCH_FATAL)
			FATAL("%s", msg);
		if (mr == KW_SSHD_MATCH_ERROR) {
			perr(ps, file, line, "%s", msg);
			FATAL("Bad Match condition");
		}
		*activep = (*inc_flags & INC_NEVERMATCH) ? 0 : (mr == KW_SSHD_MATCH_YES);
		*inc_flags &= ~(unsigned)INC_MATCH_ONLY;
		if (rest == NULL || *rest == '\0')
			ai = args.n;
		break;
	}
	default:
		if (od->type == KW_VT_SPECIAL && id != KW_SO_IGNORED)
			FATAL("Missing handler for %s", kw);
		break;
	}
check:
	if (!ps->fatal && ai < args.n)
		ERR("keyword %s extra arguments at end of line", kw);
out:
	kw_sshd_args_release(&args);
	if (ps->fatal)
		return -1;
	return ret;
}

static int parse_text(pstate *ps, const char *fname, const char *text, unsigned flags,
		      int *activep, int depth)
{
	if (depth < 0 || depth > MAX_DEPTH)
		return pfatal(ps, fname, 0, "Too many recursive configuration includes");
	int bad = 0;
	unsigned linenum = 1;
	const char *p = text;
	char *linebuf = NULL;
	size_t cap = 0;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (++ps->lines > MAX_LINES) {
			free(linebuf);
			return pfatal(ps, fname, linenum, "configuration too large (over %lu lines)", MAX_LINES);
		}
		if (len > KW_SSHD_LINE_MAX) {
			free(linebuf);
			return pfatal(ps, fname, linenum, "line too long (over %zu bytes)", KW_SSHD_LINE_MAX);
		}
		if (len + 1 > cap) {
			char *nb = realloc(linebuf, len + 1);
			if (!nb) {
				free(linebuf);
				oom(ps);
				return -1;
			}
			linebuf = nb;
			cap = len + 1;
		}
		memcpy(linebuf, p, len);
		linebuf[len] = '\0';
		if (process_line(ps, linebuf, fname, linenum, activep, &flags, depth) != 0)
			bad++;
		if (ps->fatal)
			break;
		linenum++;
		if (!nl)
			break;
		p = nl + 1;
	}
	free(linebuf);
	if (ps->fatal)
		return -1;
	if (bad > 0)
		return pfatal(ps, fname, 0, "terminating, %d bad configuration options", bad);
	return 0;
}

/* ---------------- finishing pass 1 ---------------- */

/* kex_assemble_names() over an algorithm value, `times` times (sshd assembles the global
 * value in fill_default_server_options and again in copy_set_server_options: a global
 * "-list" that removes everything is "" after the first and the default after the
 * second; a value from a matching Match block is assembled once and may stay ""). */
static int assemble_algo(pstate *ps, kw_sshd_opt id, val *x, int times)
{
	if (!x->set || x->n != 1)
		return 0;
	for (int i = 0; i < times; i++) {
		char *list = NULL, *emsg = NULL;
		int r = kw_algos_assemble(algo_kind(id), x->v[0], &list, &emsg);
		if (r < 0) {
			algo_fail(ps, x->file, x->line, r, emsg);
			return r;
		}
		free(emsg);
		free(x->v[0]);
		x->v[0] = list;
	}
	return 0;
}

static const kw_sshd_opt algo_opts[] = { KW_SO_CIPHERS, KW_SO_MACS, KW_SO_KEXALGORITHMS,
	KW_SO_HOSTKEYALGORITHMS, KW_SO_HOSTBASEDACCEPTEDALGORITHMS, KW_SO_PUBKEYACCEPTEDALGORITHMS,
	KW_SO_CASIGNATUREALGORITHMS };

static int add_listen(kw_sshd_result *o, const char *addr, int port, int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = addr ? 0 : AI_PASSIVE };
	char sport[16];
	snprintf(sport, sizeof sport, "%d", port);
	struct addrinfo *res = NULL;
	int g = getaddrinfo(addr, sport, &hints, &res);
	if (g != 0)
		return g;
	/* sshd prints each getaddrinfo batch in reverse */
	struct addrinfo *v[64];
	size_t n = 0;
	for (struct addrinfo *ai = res; ai && n < 64; ai = ai->ai_next)
		v[n++] = ai;
	for (size_t i = n; i-- > 0;) {
		char host[NI_MAXHOST], serv[NI_MAXSERV], line[NI_MAXHOST + NI_MAXSERV + 8];
		if (getnameinfo(v[i]->ai_addr, v[i]->ai_addrlen, host, sizeof host, serv, sizeof serv,
				NI_NUMERICHOST | NI_NUMERICSERV) != 0)
			continue;
		if (v[i]->ai_family == AF_INET6)
			snprintf(line, sizeof line, "[%s]:%s", host, serv);
		else
			snprintf(line, sizeof line, "%s:%s", host, serv);
		if (val_push(&o->o[KW_SO_LISTENADDRESS], line) < 0) {
			freeaddrinfo(res);
			return EAI_MEMORY;
		}
	}
	freeaddrinfo(res);
	return 0;
}

static int finish_global(pstate *ps)
{
	kw_sshd_config *c = ps->c;
	kw_sshd_result *o = &c->global;
	for (size_t i = 0; i < KW_ARRAY_LEN(algo_opts); i++)
		if (assemble_algo(ps, algo_opts[i], &o->o[algo_opts[i]], 2) < 0)
			return -1;
	/* CLEAR_ON_NONE_ARRAY: a lone global "ChannelTimeout none" is no list at all (a
	 * Match block's "none" is copied as written and printed) */
	val *ct = &o->o[KW_SO_CHANNELTIMEOUT];
	if (ct->n == 1 && strcasecmp(ct->v[0], "none") == 0) {
		free(ct->v[0]);
		free(ct->v);
		ct->v = NULL;
		ct->n = ct->cap = 0;
	}
	if (o->o[KW_SO_HOSTKEY].n == 0) {
		static const char *const defs[] = { "/etc/ssh/ssh_host_rsa_key",
			"/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key" };
		for (size_t i = 0; i < 3; i++)
			if (val_push(&o->o[KW_SO_HOSTKEY], defs[i]) < 0)
				return -ENOMEM;
	}
	if (o->o[KW_SO_PORT].n == 0 && val_push(&o->o[KW_SO_PORT], "22") < 0)
		return -ENOMEM;
	const char *af = kw_sshd_value(o, KW_SO_ADDRESSFAMILY);
	int family = !strcmp(af, "inet") ? AF_INET : !strcmp(af, "inet6") ? AF_INET6 : AF_UNSPEC;
	val *lv = &o->o[KW_SO_LISTENADDRESS];
	if (c->n_listens == 0) {
		for (size_t i = 0; i < o->o[KW_SO_PORT].n; i++) {
			int g = add_listen(o, NULL, atoi(o->o[KW_SO_PORT].v[i]), family);
			if (g)
				return pfatal(ps, "[default]", 0, "bad addr or host: <NULL> (%s)", gai_strerror(g));
		}
	} else {
		lv->set = true;
		lv->file = c->listens[0].file;
		lv->line = c->listens[0].line;
	}
	for (size_t k = 0; k < c->n_listens; k++) {
		qlisten *q = &c->listens[k];
		if (q->port > 0) {
			int g = add_listen(o, q->addr, q->port, family);
			if (g)
				return pfatal(ps, q->file, q->line, "bad addr or host: %s (%s)", q->addr, gai_strerror(g));
			continue;
		}
		for (size_t i = 0; i < o->o[KW_SO_PORT].n; i++) {
			int g = add_listen(o, q->addr, atoi(o->o[KW_SO_PORT].v[i]), family);
			if (g)
				return pfatal(ps, q->file, q->line, "bad addr or host: %s (%s)", q->addr, gai_strerror(g));
		}
	}
	/* CLEAR_ON_NONE: "none" in any case prints as none */
	static const kw_sshd_opt none_opts[] = { KW_SO_PIDFILE, KW_SO_XAUTHLOCATION, KW_SO_BANNER,
		KW_SO_TRUSTEDUSERCAKEYS, KW_SO_REVOKEDKEYS, KW_SO_SECURITYKEYPROVIDER,
		KW_SO_AUTHORIZEDPRINCIPALSFILE, KW_SO_FORCECOMMAND, KW_SO_CHROOTDIRECTORY, KW_SO_HOSTKEYAGENT };
	for (size_t i = 0; i < KW_ARRAY_LEN(none_opts); i++) {
		val *x = &o->o[none_opts[i]];
		if (x->set && x->n == 1 && strcasecmp(x->v[0], "none") == 0) {
			free(x->v[0]);
			x->v[0] = strdup("none");
			if (!x->v[0])
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < o->o[KW_SO_HOSTKEY].n; i++) {
		char **hk = &o->o[KW_SO_HOSTKEY].v[i];
		if (strcasecmp(*hk, "none") == 0) {
			free(*hk);
			if (!(*hk = strdup("(null)")))
				return -ENOMEM;
		}
	}
	/* sanity checks sshd makes after filling defaults */
	static const struct { kw_sshd_opt cmd, user; const char *msg; } cmd_user[] = {
		{ KW_SO_AUTHORIZEDKEYSCOMMAND, KW_SO_AUTHORIZEDKEYSCOMMANDUSER,
		  "AuthorizedKeysCommand set without AuthorizedKeysCommandUser" },
		{ KW_SO_AUTHORIZEDPRINCIPALSCOMMAND, KW_SO_AUTHORIZEDPRINCIPALSCOMMANDUSER,
		  "AuthorizedPrincipalsCommand set without AuthorizedPrincipalsCommandUser" },
	};
	for (size_t i = 0; i < sizeof cmd_user / sizeof cmd_user[0]; i++) {
		const val *cmd = &o->o[cmd_user[i].cmd];
		if (!o->o[cmd_user[i].user].set && cmd->set &&
		    strcasecmp(kw_sshd_value(o, cmd_user[i].cmd), "none") != 0)
			return pfatal(ps, cmd->file, cmd->line, "%s", cmd_user[i].msg);
	}
	val *am = &o->o[KW_SO_AUTHENTICATIONMETHODS];
	if (am->n == 1 && !strcmp(am->v[0], "any")) {
		/* CLEAR_ON_NONE_ARRAY: "any" is the default */
	} else if (am->n > 0) {
		bool ok = false;
		for (size_t i = 0; i < am->n && !ok; i++) {
			char *dup = strdup(am->v[i]), *m = dup, *meth;
			if (!dup)
				return -ENOMEM;
			bool all = true;
			while ((meth = strsep(&m, ",")) != NULL) {
				char *colon = strchr(meth, ':');
				if (colon)
					*colon = '\0';
				kw_sshd_opt en = KW_SO__COUNT;
				if (!strcmp(meth, "publickey")) en = KW_SO_PUBKEYAUTHENTICATION;
				else if (!strcmp(meth, "password")) en = KW_SO_PASSWORDAUTHENTICATION;
				else if (!strcmp(meth, "keyboard-interactive")) en = KW_SO_KBDINTERACTIVEAUTHENTICATION;
				else if (!strcmp(meth, "hostbased")) en = KW_SO_HOSTBASEDAUTHENTICATION;
				else if (!strcmp(meth, "gssapi-with-mic") || !strcmp(meth, "gssapi-keyex"))
					en = KW_SO_GSSAPIAUTHENTICATION;
				if (en != KW_SO__COUNT && strcmp(kw_sshd_value(o, en), "yes") != 0)
					all = false;
			}
			free(dup);
			ok = all;
		}
		if (!ok)
			return pfatal(ps, am->file, am->line,
				      "AuthenticationMethods cannot be satisfied by enabled authentication methods");
	}
	return 0;
}

/* ---------------- public ---------------- */

void kw_sshd_config_free(kw_sshd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].path);
		free(c->files[i].text);
	}
	free(c->files);
	for (size_t i = 0; i < c->n_globs; i++) {
		free(c->globs[i].pattern);
		for (size_t k = 0; k < c->globs[i].n; k++)
			free(c->globs[i].v[k]);
		free(c->globs[i].v);
	}
	free(c->globs);
	free(c->main_text);
	free(c->main_path);
	for (size_t i = 0; i < c->n_overrides; i++)
		free(c->overrides[i]);
	free(c->overrides);
	result_release(&c->global);
	free(c->shadows);
	for (size_t i = 0; i < c->n_blocks; i++)
		free(c->blocks[i].criteria);
	free(c->blocks);
	for (size_t i = 0; i < c->n_listens; i++)
		free(c->listens[i].addr);
	free(c->listens);
	for (size_t i = 0; i < c->n_file_names; i++)
		free((char *)c->file_names[i]);
	free(c->file_names);
	if (c->have_pw)
		kw_passwd_db_release(&c->pw);
	if (c->have_gr)
		kw_group_db_release(&c->gr);
	free(c);
}

static void load_accounts(kw_sshd_config *c)
{
	kw_diags ignore = { 0 };
	kw_file f = { 0 };
	if (c->t && kw_target_read(c->t, "/etc/passwd", 64u << 20, &f) == 0) {
		if (kw_passwd_parse("/etc/passwd", f.data, f.len, &c->pw, &ignore) == 0)
			c->have_pw = true;
		kw_file_release(&f);
	}
	if (c->t && kw_target_read(c->t, "/etc/group", 64u << 20, &f) == 0) {
		if (kw_group_parse("/etc/group", f.data, f.len, &c->gr, &ignore) == 0)
			c->have_gr = true;
		kw_file_release(&f);
	}
	kw_diags_release(&ignore);
	c->acc.passwd = c->have_pw ? &c->pw : NULL;
	c->acc.group = c->have_gr ? &c->gr : NULL;
}

static int run_pass(kw_sshd_config *c, pstate *ps)
{
	const char *mname = intern_file(c, c->main_path ? c->main_path : "none");
	if (!mname)
		return -ENOMEM;
	if (!c->main_text)
		return 0;
	int active = ps->pass2 ? 0 : 1;
	parse_text(ps, mname, c->main_text, ps->pass2 ? INC_MATCH_ONLY : 0, &active, 0);
	return 0;
}

int kw_sshd_config_load(kw_target *t, const kw_sshd_load_opts *o, kw_sshd_config **ret,
			kw_diags *d)
{
	kw_sshd_config *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->t = t;
	result_init(&c->global);
	load_accounts(c);
	pstate ps = { .c = c, .o = &c->global, .d = d };
	int r = 0;

	/* -h: HostKey from the command line, first in the list */
	for (size_t i = 0; i < o->n_hostkeys && !ps.fatal; i++) {
		char *p = derelativise(c, o->hostkeys[i], &ps, "[command-line]", 0);
		if (p) {
			append(&ps, KW_SO_HOSTKEY, p, intern_file(c, "[command-line]"), 0);
			free(p);
		}
	}
	/* -o: processed before the file, with no Match state */
	const char *cl = intern_file(c, "command-line");
	for (size_t i = 0; i < o->n_overrides && !ps.fatal; i++) {
		char *line = strdup(o->overrides[i]);
		if (!line || !cl) {
			free(line);
			r = -ENOMEM;
			goto fail;
		}
		unsigned fl = 0;
		int pr = process_line(&ps, line, cl, 0, NULL, &fl, 0);
		free(line);
		if (pr != 0 && !ps.fatal)
			pfatal(&ps, cl, 0, "bad command-line option");
	}
	if (ps.fatal)
		goto done;

	const char *path = o->config_path ? o->config_path : "/etc/ssh/sshd_config";
	if (o->text) {
		c->main_path = strdup(path);
		c->main_text = preprocess(o->text, o->text_len);
		if (!c->main_path || !c->main_text) {
			r = -ENOMEM;
			goto fail;
		}
	} else if (strcasecmp(path, "none") != 0) {
		c->main_path = strdup(path);
		if (!c->main_path) {
			r = -ENOMEM;
			goto fail;
		}
		cfile *f = load_file(c, path);
		if (!f) {
			r = -ENOMEM;
			goto fail;
		}
		if (!f->text) {
			kw_diags_add_fatal(d, path, 0, f->err, "%s", kw_strerror(f->err));
			r = f->err == KW_E_TOOBIG ? KW_E_TOOBIG : f->err;
			goto fail;
		}
		c->main_text = strdup(f->text);
		if (!c->main_text) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if ((r = run_pass(c, &ps)) < 0)
		goto fail;
	if (!ps.fatal) {
		r = finish_global(&ps);
		if (r < 0 && !ps.fatal)
			goto fail;
	}
done:
	if (ps.fatal) {
		r = ps.err ? ps.err : KW_E_PARSE;
		goto fail;
	}
	c->t = NULL;
	*ret = c;
	return 0;
fail:
	kw_sshd_config_free(c);
	return r < 0 ? r : KW_E_PARSE;
}

int kw_sshd_config_eval(kw_sshd_config *c, const kw_sshd_conn *conn, kw_sshd_result **ret,
			kw_diags *d)
{
	kw_sshd_result mo;
	result_init(&mo);
	kw_sshd_conn empty = { 0 };
	pstate ps = { .c = c, .o = &mo, .ci = conn ? conn : &empty, .pass2 = true, .d = d };
	int r = run_pass(c, &ps);
	if (r < 0 || ps.fatal) {
		result_release(&mo);
		return r < 0 ? r : (ps.err ? ps.err : KW_E_PARSE);
	}
	kw_sshd_result *res = calloc(1, sizeof *res);
	if (!res) {
		result_release(&mo);
		return -ENOMEM;
	}
	result_init(res);
	res->ms_begin = c->global.ms_begin;
	res->ms_rate = c->global.ms_rate;
	res->ms_max = c->global.ms_max;
	r = 0;
	for (size_t i = 0; i < KW_SO__COUNT && r == 0; i++)
		r = val_copy(&res->o[i], &c->global.o[i]);
	/* copy_set_server_options: every Match-capable option set in pass 2 wins */
	for (size_t i = 0; i < KW_SO__COUNT && r == 0; i++) {
		const kw_sshd_optdef *od = kw_sshd_optdef_get((kw_sshd_opt)i);
		val *m = &mo.o[i];
		if (!m->set)
			continue;
		/* PermitUserEnvironment is global-only, yet a "Match all" block is active in
		 * pass 2 too and copy_set_server_options copies its pattern list
		 * (permit_user_env_allowlist), not a plain yes/no */
		if (i == KW_SO_PERMITUSERENVIRONMENT && m->n == 1 && strcmp(m->v[0], "yes") != 0 &&
		    strcmp(m->v[0], "no") != 0) {
			r = val_copy(&res->o[i], m);
			continue;
		}
		if (!(od->flags & KW_KF_MATCH))
			continue;
		if (i == KW_SO_REKEYLIMIT) {
			val *g = &res->o[i];
			if (g->n < 2) {
				val_clear(g);
				if ((r = val_push(g, "0")) < 0 || (r = val_push(g, "0")) < 0)
					break;
			}
			for (int part = 0; part < 2; part++) {
				if (!(m->parts & (1u << part)))
					continue;
				char *dup = strdup(m->v[part]);
				if (!dup) {
					r = -ENOMEM;
					break;
				}
				free(g->v[part]);
				g->v[part] = dup;
			}
			g->set = true;
			g->parts |= m->parts;
			g->file = m->file;
			g->line = m->line;
			continue;
		}
		r = val_copy(&res->o[i], m);
		if (r == 0 && od->type == KW_VT_ALGO && assemble_algo(&ps, (kw_sshd_opt)i, &res->o[i], 1) < 0)
			r = ps.err ? ps.err : KW_E_PARSE;
	}
	result_release(&mo);
	if (r < 0) {
		kw_sshd_result_free(res);
		return r;
	}
	/* ForceCommand and ChrootDirectory "none" clear a global value */
	static const kw_sshd_opt cl[] = { KW_SO_FORCECOMMAND, KW_SO_CHROOTDIRECTORY };
	for (size_t i = 0; i < 2; i++) {
		val *x = &res->o[cl[i]];
		if (x->n == 1 && !strcasecmp(x->v[0], "none")) {
			free(x->v[0]);
			if (!(x->v[0] = strdup("none"))) {
				kw_sshd_result_free(res);
				return -ENOMEM;
			}
		}
	}
	*ret = res;
	return 0;
}

const kw_sshd_result *kw_sshd_config_global(const kw_sshd_config *c)
{
	return &c->global;
}

static const char *default_of(kw_sshd_opt id)
{
	const kw_sshd_optdef *od = kw_sshd_optdef_get(id);
	if (od->type == KW_VT_ALGO)
		return kw_algos_default(algo_kind(id));
	return od->def;
}

size_t kw_sshd_values(const kw_sshd_result *r, kw_sshd_opt id, const char *const **ret_v)
{
	if ((unsigned)id >= KW_SO__COUNT)
		return 0;
	static const char *defs[KW_SO__COUNT][2];
	if (id == KW_SO_MAXSTARTUPS) {
		/* kept as three integers: hand out the text -T prints (a cache in the result) */
		kw_sshd_result *w = (kw_sshd_result *)r;
		kw_sshd__maxstartups(r, w->ms_text, sizeof w->ms_text);
		w->ms_ptr[0] = w->ms_text;
		*ret_v = w->ms_ptr;
		return 1;
	}
	const val *x = &r->o[id];
	if (x->n > 0) {
		*ret_v = (const char *const *)x->v;
		return x->n;
	}
	if (id == KW_SO_AUTHORIZEDKEYSFILE) {
		/* sshd's compiled-in default names two files (-T prints them on one line) */
		static const char *const akf[] = { ".ssh/authorized_keys", ".ssh/authorized_keys2" };
		*ret_v = akf;
		return 2;
	}
	const char *def = default_of(id);
	if (!def)
		return 0;
	defs[id][0] = def;
	*ret_v = defs[id];
	return 1;
}

const char *kw_sshd_value(const kw_sshd_result *r, kw_sshd_opt id)
{
	const char *const *v;
	return kw_sshd_values(r, id, &v) ? v[0] : NULL;
}

int kw_sshd_value_source(const kw_sshd_result *r, kw_sshd_opt id, const char **ret_file,
			 unsigned *ret_line)
{
	if ((unsigned)id >= KW_SO__COUNT || !r->o[id].set || !r->o[id].file)
		return -ENOENT;
	*ret_file = r->o[id].file;
	*ret_line = r->o[id].line;
	return 0;
}

size_t kw_sshd_shadowed(const kw_sshd_config *c, const kw_sshd_shadow **ret)
{
	*ret = c->shadows;
	return c->n_shadows;
}

size_t kw_sshd_match_blocks(const kw_sshd_config *c, const kw_sshd_matchblock **ret)
{
	*ret = c->blocks;
	return c->n_blocks;
}

size_t kw_sshd_files(const kw_sshd_config *c, const char *const **ret)
{
	*ret = c->file_names;
	return c->n_file_names;
}

/* MaxStartups is kept as three ints; the printer asks for its text here. */
int kw_sshd__maxstartups(const kw_sshd_result *r, char *buf, size_t n);
int kw_sshd__maxstartups(const kw_sshd_result *r, char *buf, size_t n)
{
	int b = r->ms_begin == -1 ? 10 : r->ms_begin;
	int rate = r->ms_rate == -1 ? 30 : r->ms_rate;
	int m = r->ms_max == -1 ? 100 : r->ms_max;
	return snprintf(buf, n, "%d:%d:%d", b, rate, m);
}
