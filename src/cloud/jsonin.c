/* jsonin.c — bounded jansson loading, lenient getters and JSON pointers (jsonin.h).
 *
 * The counting allocator is installed by a constructor, before main and before any
 * jansson value exists. Its blocks are ordinary malloc blocks counted by their usable
 * size, so a block freed with plain free() (what json_dumps returns) is still freed
 * right; it only stays counted. The budget applies while kw_json_parse runs (relative to
 * what is counted when it starts); outside it the budget is unlimited.
 */
#include "cloud/jsonin.h"

#include "base/err.h"
#include "base/file.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the counting allocator ----
 * Blocks are plain malloc blocks (no header): code that frees jansson's output with
 * free() (json_dumps text) stays right. Their size is malloc_usable_size's. */

static size_t mem_in_use, mem_peak, mem_budget = SIZE_MAX;
static bool mem_refused;

static void *count_malloc(size_t n)
{
	if (n > mem_budget || mem_in_use > mem_budget - n) {
		mem_refused = true;
		return NULL;
	}
	void *p = malloc(n);
	if (!p)
		return NULL;
	mem_in_use += malloc_usable_size(p);
	if (mem_in_use > mem_peak)
		mem_peak = mem_in_use;
	return p;
}

static void count_free(void *p)
{
	if (!p)
		return;
	size_t n = malloc_usable_size(p);
	mem_in_use = n < mem_in_use ? mem_in_use - n : 0;
	free(p);
}

__attribute__((constructor)) static void install_allocator(void)
{
	json_set_alloc_funcs(count_malloc, count_free);
}

size_t kw_json_memory_in_use(void)
{
	return mem_in_use;
}

size_t kw_json_memory_peak(void)
{
	return mem_peak;
}

/* ---- loading ---- */

static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t cap, const char *fmt, ...)
{
	if (!msg || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static void size_text(size_t n, char *out, size_t cap)
{
	if (n >= ((size_t)1 << 30) && n % ((size_t)1 << 30) == 0)
		snprintf(out, cap, "%zu GiB", n >> 30);
	else if (n >= ((size_t)1 << 20))
		snprintf(out, cap, "%zu MiB", n >> 20);
	else
		snprintf(out, cap, "%zu bytes", n);
}

/* One value from text[0..n) with jansson flags, under the memory budget. */
static int parse_value(const char *text, size_t n, const kw_json_limits *lim, size_t flags,
		       json_t **ret, size_t *used, char *msg, size_t cap)
{
	json_error_t e;
	mem_refused = false;
	mem_budget = mem_in_use < SIZE_MAX - lim->max_memory ? mem_in_use + lim->max_memory
							     : SIZE_MAX;
	json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES | flags, &e);
	mem_budget = SIZE_MAX;
	if (!j) {
		if (mem_refused) {
			char sz[32];
			size_text(lim->max_memory, sz, sizeof sz);
			say(msg, cap, "the JSON tree needs more than %s of memory (--max-memory)", sz);
			return KW_E_TOOBIG;
		}
		/* jansson's text is ASCII of its own making plus at most a quoted token */
		say(msg, cap, "line %d column %d: %s", e.line, e.column, e.text);
		return KW_E_PARSE;
	}
	if (used)
		*used = (size_t)e.position;
	*ret = j;
	return 0;
}

/* What every parse checks first: the size, UTF-16, a UTF-8 byte order mark. */
static int parse_prelude(const char **text, size_t *n, const kw_json_limits *lim, char *msg,
			 size_t cap)
{
	if (*n > lim->max_bytes) {
		char sz[32];
		size_text(lim->max_bytes, sz, sizeof sz);
		say(msg, cap, "the file is larger than %s (--max-input)", sz);
		return KW_E_TOOBIG;
	}
	const unsigned char *u = (const unsigned char *)*text;
	if (*n >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
		say(msg, cap, "the file is UTF-16; convert it first: iconv -f UTF-16 -t UTF-8");
		return KW_E_UNSUPPORTED;
	}
	if (*n >= 3 && memcmp(*text, "\xef\xbb\xbf", 3) == 0) {
		*text += 3;
		*n -= 3;
	}
	return 0;
}

int kw_json_parse(const char *text, size_t n, const kw_json_limits *lim, json_t **ret,
		  char *msg, size_t cap)
{
	kw_json_limits dl = { KW_JSON_DEFAULT_MAX_BYTES, KW_JSON_DEFAULT_MAX_MEMORY };
	if (!lim)
		lim = &dl;
	*ret = NULL;
	int rc = parse_prelude(&text, &n, lim, msg, cap);
	return rc < 0 ? rc : parse_value(text, n, lim, 0, ret, NULL, msg, cap);
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* line and column of byte off, 1-based (errors only) */
static void where(const char *t, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	size_t start = 0;
	for (size_t i = 0; i < off; i++)
		if (t[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = off - start + 1;
}

int kw_json_parse_each(const char *text, size_t n, const kw_json_limits *lim,
		       int (*each)(void *ctx, size_t index, json_t *doc), void *ctx, char *msg,
		       size_t cap)
{
	kw_json_limits dl = { KW_JSON_DEFAULT_MAX_BYTES, KW_JSON_DEFAULT_MAX_MEMORY };
	if (!lim)
		lim = &dl;
	int rc = parse_prelude(&text, &n, lim, msg, cap);
	if (rc < 0)
		return rc;
	size_t i = skip_ws(text, n, 0);
	if (i >= n || text[i] != '[') {
		json_t *j = NULL;
		if ((rc = parse_value(text, n, lim, 0, &j, NULL, msg, cap)) < 0)
			return rc;
		rc = each(ctx, SIZE_MAX, j);
		json_decref(j);
		return rc;
	}
	const char *why = NULL;
	size_t k = 0, line, col;
	i = skip_ws(text, n, i + 1);
	if (i < n && text[i] == ']') {
		i = skip_ws(text, n, i + 1);
		if (i == n)
		{
			say(msg, cap, "an empty array: nothing to read");
			return KW_E_PARSE;
		}
		why = "data after the array";
		goto bad;
	}
	for (;;) {
		json_t *j = NULL;
		size_t used = 0;
		char sub[200];
		rc = parse_value(text + i, n - i, lim, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &j, &used,
				 sub, sizeof sub);
		if (rc < 0) {
			if (rc == KW_E_TOOBIG) {
				say(msg, cap, "%s", sub);
				return rc;
			}
			where(text, i, &line, &col);
			say(msg, cap, "element %zu (line %zu column %zu): %s", k, line, col, sub);
			return rc;
		}
		rc = each(ctx, k++, j);
		json_decref(j);
		if (rc < 0)
			return rc;
		i = skip_ws(text, n, i + used);
		if (i < n && text[i] == ',') {
			i = skip_ws(text, n, i + 1);
			continue;
		}
		if (i < n && text[i] == ']') {
			i = skip_ws(text, n, i + 1);
			if (i == n)
				return 0;
			why = "data after the array";
		} else {
			why = i < n ? "',' or ']' expected" : "the array is not closed";
		}
		break;
	}
bad:
	where(text, i, &line, &col);
	say(msg, cap, "line %zu column %zu: %s", line, col, why);
	return KW_E_PARSE;
}

int kw_json_read_file(const char *path, const kw_json_limits *lim, char **ret, size_t *ret_n,
		      char *msg, size_t cap)
{
	kw_json_limits dl = { KW_JSON_DEFAULT_MAX_BYTES, KW_JSON_DEFAULT_MAX_MEMORY };
	if (!lim)
		lim = &dl;
	*ret = NULL;
	int rc = strcmp(path, "-") == 0 ? kw_fd_read_capped(STDIN_FILENO, lim->max_bytes, ret, ret_n)
					: kw_file_read_capped(path, lim->max_bytes, ret, ret_n, NULL);
	if (rc == KW_E_TOOBIG) {
		char sz[32];
		size_text(lim->max_bytes, sz, sizeof sz);
		say(msg, cap, "the file is larger than %s (--max-input)", sz);
	} else if (rc == KW_E_NOTREG) {
		say(msg, cap, "not a regular file");
	} else if (rc < 0) {
		say(msg, cap, "cannot open: %s", kw_strerror(rc));
	}
	return rc;
}

int kw_json_load_file(const char *path, const kw_json_limits *lim, json_t **ret, char *msg,
		      size_t cap)
{
	char *text = NULL;
	size_t n = 0;
	*ret = NULL;
	int rc = kw_json_read_file(path, lim, &text, &n, msg, cap);
	if (rc < 0)
		return rc;
	rc = kw_json_parse(text, n, lim, ret, msg, cap);
	free(text);
	return rc;
}

/* ---- getters ---- */

static const json_t *get(const json_t *obj, const char *key)
{
	if (!obj || !json_is_object(obj))
		return NULL;
	const json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

int kw_jget_str(const json_t *obj, const char *key, const char **ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return KW_E_PARSE;
	if (json_string_length(v) == 0)
		return 0;
	*ret = json_string_value(v);
	return 1;
}

static int parse_ll(const char *s, long long *ret)
{
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return KW_E_PARSE;
	long long v = 0;
	while (*s >= '0' && *s <= '9') {
		if (v > (LLONG_MAX - 9) / 10)
			return KW_E_PARSE;
		v = v * 10 + (*s++ - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		return KW_E_PARSE;
	*ret = neg ? -v : v;
	return 0;
}

int kw_jget_int(const json_t *obj, const char *key, long long lo, long long hi, long long *ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	long long x;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -9.0e15 && d <= 9.0e15) || d != (double)(long long)d)
			return KW_E_PARSE;
		x = (long long)d;
	} else if (json_is_string(v)) {
		if (json_string_length(v) == 0)
			return 0;
		if (parse_ll(json_string_value(v), &x) < 0)
			return KW_E_PARSE;
	} else {
		return KW_E_PARSE;
	}
	if (x < lo || x > hi)
		return KW_E_PARSE;
	*ret = x;
	return 1;
}

int kw_jget_bool(const json_t *obj, const char *key, bool *ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return 1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!*s)
			return 0;
		if (strcasecmp(s, "true") == 0) {
			*ret = true;
			return 1;
		}
		if (strcasecmp(s, "false") == 0) {
			*ret = false;
			return 1;
		}
	}
	return KW_E_PARSE;
}

int kw_jget_array(const json_t *obj, const char *key, json_t **ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return KW_E_PARSE;
	*ret = (json_t *)v;
	return 1;
}

int kw_jget_object(const json_t *obj, const char *key, json_t **ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_object(v))
		return KW_E_PARSE;
	*ret = (json_t *)v;
	return 1;
}

int kw_jget_nested_array(const json_t *obj, const char *key, const char *inner, json_t **ret)
{
	const json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (json_is_array(v)) {
		*ret = (json_t *)v;
		return 1;
	}
	if (!json_is_object(v))
		return KW_E_PARSE;
	return kw_jget_array(v, inner, ret);
}

/* ---- pointers ---- */

size_t kw_jptr_format(const kw_jptr *p, const char *file, char *out, size_t cap)
{
	if (!cap)
		return 0;
	size_t n = 0;
	bool cut = false;
#define PUT(c)                                   \
	do {                                     \
		if (n + 1 < cap)                 \
			out[n++] = (c);          \
		else                             \
			cut = true;              \
	} while (0)
	for (const char *s = file; s && *s; s++)
		PUT(*s);
	PUT('#');
	size_t kept = p->n < KW_JPTR_MAX ? p->n : KW_JPTR_MAX;
	for (size_t i = 0; i < kept; i++) {
		PUT('/');
		if (p->seg[i]) {
			for (const char *s = p->seg[i]; *s; s++) {
				if (*s == '~') {
					PUT('~');
					PUT('0');
				} else if (*s == '/') {
					PUT('~');
					PUT('1');
				} else {
					PUT(*s);
				}
			}
		} else {
			char num[24];
			snprintf(num, sizeof num, "%zu", p->idx[i]);
			for (const char *s = num; *s; s++)
				PUT(*s);
		}
	}
	if (p->n > KW_JPTR_MAX) {
		PUT('/');
		PUT('.');
		PUT('.');
		PUT('.');
	}
#undef PUT
	if (cut && cap >= 4) {
		n = cap - 4;
		/* do not leave half a UTF-8 sequence before the ellipsis */
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
		memcpy(out + n, "\xe2\x80\xa6", 3);
		n += 3;
	}
	out[n] = '\0';
	return n;
}
