/* userdata.c — what instance user data does to logon (see userdata.h).
 *
 * Decoding: base64 with any whitespace (stripped, then kw_base64_decode; missing '='
 * padding is tolerated), then gzip when the bytes start with 1f 8b (libarchive: gzip
 * filter, raw format and "empty" for a gzip of nothing, from memory; output capped at
 * KW_USERDATA_MAX, so a gzip bomb stops at the cap with KW_E_TOOBIG). The gzip filter
 * must really be in use: when libarchive's bidder refuses the header, the raw format
 * would hand back the compressed bytes.
 *
 * Scanning, line by line, never running anything:
 *   - a MIME multipart document (cloud-init archives: a header block with
 *     "Content-Type: multipart/...; boundary=...") is split at its boundary lines; each
 *     part is scanned on its own (a text/cloud-config part in cloud-config mode), parts
 *     with "Content-Transfer-Encoding: base64" are decoded (and gunzipped) first, nested
 *     multiparts are followed up to MAX_DEPTH. Decoded parts share one budget of
 *     KW_USERDATA_MAX bytes. A hit inside a decoded part is reported at the line where
 *     that part's body starts.
 *   - comment lines ('#', REM, ::, <# #>) and trailing " # comments" are ignored;
 *   - cloud-config, a small indentation-aware reader of the keys that matter (YAML keys
 *     are case-sensitive, their boolean values are not): ssh_pwauth true|yes|on|1,
 *     chpasswd: with a non-empty list: or users:, a users: entry with passwd /
 *     plain_text_passwd / hashed_passwd and lock_passwd: false (cloud-init locks the
 *     password by default, so a password alone opens nothing), disable_root: false, and
 *     in a #cloud-config document a top-level password: (the default user's);
 *   - shell: "PasswordAuthentication yes" / "PermitRootLogin yes" anywhere (sshd keywords
 *     are case-insensitive; a sed line counts its last occurrence, the replacement, and a
 *     sed that strips the '#' before PasswordAuthentication counts as enabling it);
 *     chpasswd, passwd --stdin or fed by a pipe or redirection, usermod/useradd -p or
 *     --password, each only in command position (line start, after | ; & ( ` or
 *     sudo/exec/xargs/then/do), so `echo "run passwd later"` is not a hit;
 *   - Windows (case-insensitive): net user NAME PASSWORD (a second non-switch argument
 *     that is not '*'), Set-LocalUser / New-LocalUser with -Password, .SetPassword(,
 *     Winlogon DefaultPassword, AutoAdminLogon set to 1.
 * The verdict names what was found with keyward's own words, never text from the line.
 * Work is linear in the input: each line is searched for a fixed set of short words.
 */
#include "cloud/userdata.h"

#include "base/err.h"
#include "collect/sshkey.h"

#include <archive.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4                  /* nested multiparts / decoded parts */
#define MIME_HEADER_LINES 100        /* a header block longer than this is not one */
#define HDR_MAX 512                  /* a header value kept (with its folded lines) */
#define BOUNDARY_MAX 200
#define NPOS ((size_t)-1)

static const char why_not_base64[] = "not base64";
static const char why_bad_gzip[] = "broken gzip data";
static const char why_no_gzip[] = "gzip is not supported by this build";

/* ---- bytes ---- */

static inline uint8_t lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static inline bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool eq(const uint8_t *s, size_t n, const char *w, bool ci)
{
	size_t wl = strlen(w);
	if (n != wl)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ci ? lc(s[i]) != lc((uint8_t)w[i]) : s[i] != (uint8_t)w[i])
			return false;
	return true;
}

static bool starts(const uint8_t *s, size_t n, const char *w, bool ci)
{
	size_t wl = strlen(w);
	return n >= wl && eq(s, wl, w, ci);
}

/* First occurrence of w in s[from..n): its index, or NPOS. */
static size_t find(const uint8_t *s, size_t n, size_t from, const char *w, bool ci)
{
	size_t wl = strlen(w);
	if (wl == 0 || n < wl)
		return NPOS;
	uint8_t f = ci ? lc((uint8_t)w[0]) : (uint8_t)w[0];
	for (size_t i = from; i + wl <= n; i++)
		if ((ci ? lc(s[i]) : s[i]) == f && eq(s + i, wl, w, ci))
			return i;
	return NPOS;
}

/* A character that continues a command or key name. */
static inline bool namech(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Occurrence of word w at or after from, not glued to other name characters (':' or '/'
 * after it also glue: "chpasswd:" is a key, "passwd/" a path). */
static size_t find_word(const uint8_t *s, size_t n, size_t from, const char *w, bool ci)
{
	size_t wl = strlen(w);
	for (size_t i = from; (i = find(s, n, i, w, ci)) != NPOS; i++) {
		if (i > 0 && namech(s[i - 1]))
			continue;
		if (i + wl < n && (namech(s[i + wl]) || s[i + wl] == ':' || s[i + wl] == '/'))
			continue;
		return i;
	}
	return NPOS;
}

static void trim(const uint8_t **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* ---- decoding ---- */

static int gunzip(const uint8_t *in, size_t n, size_t cap, uint8_t **ret, size_t *ret_len,
		  const char **why)
{
	struct archive *a = archive_read_new();
	if (!a)
		return -ENOMEM;
	int r = archive_read_support_filter_gzip(a);
	if (r != ARCHIVE_OK) { /* ARCHIVE_WARN: only through an external program: never */
		archive_read_free(a);
		*why = why_no_gzip;
		return KW_E_PARSE;
	}
	uint8_t *buf = NULL;
	size_t len = 0, size = 0;
	int err = 0;
	struct archive_entry *e;
	/* "empty" for a gzip of nothing: raw refuses an empty stream */
	if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, in, n) != ARCHIVE_OK) {
		err = KW_E_PARSE;
		goto out;
	}
	r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF && archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP)
		goto out; /* nothing inside */
	if (r != ARCHIVE_OK || archive_filter_count(a) < 2 ||
	    archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
		err = KW_E_PARSE;
		goto out;
	}
	for (;;) {
		if (size - len < 65536) {
			size_t want = size ? size * 2 : 65536;
			if (want > cap + 1)
				want = cap + 1; /* one byte over the cap tells it is too big */
			if (want <= len) {
				err = KW_E_TOOBIG;
				break;
			}
			uint8_t *nb = realloc(buf, want);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			size = want;
		}
		la_ssize_t got = archive_read_data(a, buf + len, size - len);
		if (got < 0) {
			err = KW_E_PARSE;
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > cap) {
			err = KW_E_TOOBIG;
			break;
		}
	}
out:
	archive_read_free(a);
	if (err) {
		free(buf);
		if (err == KW_E_PARSE)
			*why = why_bad_gzip;
		return err;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	*ret = buf;
	*ret_len = len;
	return 0;
}

static bool is_gzip(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Base64 with whitespace anywhere into a new buffer of at most cap bytes. */
static int b64_decode(const uint8_t *text, size_t n, size_t cap, uint8_t **ret, size_t *ret_len,
		      const char **why)
{
	char *s = malloc(n + 3);
	if (!s)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!is_space(text[i]))
			s[k++] = (char)text[i];
	if (k == 0) {
		free(s);
		*ret = malloc(1);
		*ret_len = 0;
		return *ret ? 0 : -ENOMEM;
	}
	if (k % 4 == 1) {
		free(s);
		*why = why_not_base64;
		return KW_E_PARSE;
	}
	while (k % 4) /* tolerate missing padding */
		s[k++] = '=';
	if (k / 4 * 3 > cap + 3) {
		free(s);
		return KW_E_TOOBIG;
	}
	int r = kw_base64_decode(s, k, ret, ret_len);
	free(s);
	if (r == 0 && *ret_len > cap) {
		free(*ret);
		*ret = NULL;
		return KW_E_TOOBIG;
	}
	if (r == KW_E_PARSE)
		*why = why_not_base64;
	return r == KW_E_TOOBIG || r == KW_E_PARSE || r == -ENOMEM || r == 0 ? r : KW_E_PARSE;
}

/* base64 (when asked), then gzip (when it starts with the magic), within cap. */
static int decode_capped(const uint8_t *text, size_t n, bool is_base64, size_t cap, uint8_t **ret,
			 size_t *ret_len, const char **why)
{
	uint8_t *buf;
	size_t len;
	int r;
	if (is_base64) {
		r = b64_decode(text, n, cap, &buf, &len, why);
		if (r < 0)
			return r;
	} else {
		if (n > cap && !is_gzip(text, n))
			return KW_E_TOOBIG;
		buf = malloc(n ? n : 1);
		if (!buf)
			return -ENOMEM;
		if (n)
			memcpy(buf, text, n);
		len = n;
	}
	if (is_gzip(buf, len)) {
		uint8_t *out;
		size_t out_len;
		r = gunzip(buf, len, cap, &out, &out_len, why);
		free(buf);
		if (r < 0)
			return r;
		buf = out;
		len = out_len;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int kw_userdata_decode(const char *text, size_t n, bool is_base64, uint8_t **ret, size_t *ret_len,
		       const char **why)
{
	const char *w = NULL;
	*ret = NULL;
	*ret_len = 0;
	int r = decode_capped((const uint8_t *)(text ? text : ""), text ? n : 0, is_base64,
			      KW_USERDATA_MAX, ret, ret_len, &w);
	if (why)
		*why = r == KW_E_PARSE ? (w ? w : why_bad_gzip) : NULL;
	return r;
}

/* ---- the scan ---- */

typedef struct scan {
	kw_userdata_verdict *v;
	size_t budget;     /* bytes decoded parts may still use */
} scan;

/* Where a local line is reported: base + local - 1, or base for a decoded part. */
typedef struct where {
	unsigned base;
	bool fixed;
} where;

static unsigned at(where w, unsigned local)
{
	return w.fixed ? w.base : w.base + local - 1;
}

static void hit(scan *sc, unsigned bit, unsigned line, const char *what)
{
	kw_userdata_verdict *v = sc->v;
	v->hits |= bit;
	if (v->line == 0 || line < v->line) {
		v->line = line;
		snprintf(v->what, sizeof v->what, "%s", what);
	}
}

/* Length of s[0..n) without a comment: 0 for a comment line ('#', REM, ::, <#), else cut
 * at a '#' that follows a blank outside quotes. */
static size_t strip_comment(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == '#' || starts(s + i, n - i, "::", false) || starts(s + i, n - i, "<#", false))
		return 0;
	if (starts(s + i, n - i, "@rem", true))
		i++;
	if (starts(s + i, n - i, "rem", true) && (i + 3 == n || is_blank(s[i + 3])))
		return 0;
	uint8_t q = 0;
	for (; i < n; i++) {
		uint8_t c = s[i];
		if (q) {
			if (c == q)
				q = 0;
			else if (c == '\\' && q == '"' && i + 1 < n)
				i++;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '\\' && i + 1 < n) {
			i++;
		} else if (c == '#' && i > 0 && is_blank(s[i - 1])) {
			n = i;
			break;
		}
	}
	while (n && is_blank(s[n - 1]))
		n--;
	return n;
}

/* -- YAML (cloud-config) -- */

typedef struct ykey {
	size_t indent;     /* leading spaces */
	size_t col;        /* the key's column */
	bool item;         /* "- key:" */
	const uint8_t *k;
	size_t kn;
	const uint8_t *v;  /* value, trimmed */
	size_t vn;
} ykey;

static bool yaml_key(const uint8_t *s, size_t n, ykey *y)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	y->indent = i;
	y->item = false;
	while (i + 1 < n && s[i] == '-' && is_blank(s[i + 1])) {
		y->item = true;
		i += 2;
		while (i < n && is_blank(s[i]))
			i++;
	}
	y->col = i;
	uint8_t q = 0;
	if (i < n && (s[i] == '"' || s[i] == '\''))
		q = s[i++];
	size_t ks = i;
	while (i < n && (is_alnum(s[i]) || s[i] == '_' || s[i] == '-'))
		i++;
	if (i == ks)
		return false;
	y->k = s + ks;
	y->kn = i - ks;
	if (q) {
		if (i >= n || s[i] != q)
			return false;
		i++;
	}
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return false;
	i++;
	if (i < n && !is_blank(s[i]))
		return false;
	y->v = s + i;
	y->vn = n - i;
	trim(&y->v, &y->vn);
	return true;
}

/* A scalar without its quotes; *quoted says whether it had them. */
static void unquote(const uint8_t **v, size_t *n, bool *quoted)
{
	*quoted = false;
	if (*n >= 2 && ((*v)[0] == '"' || (*v)[0] == '\'') && (*v)[*n - 1] == (*v)[0]) {
		(*v)++;
		*n -= 2;
		*quoted = true;
	}
}

static bool yaml_true(const uint8_t *v, size_t n)
{
	bool q;
	unquote(&v, &n, &q);
	return eq(v, n, "true", true) || eq(v, n, "yes", true) || eq(v, n, "on", true) || eq(v, n, "1", false);
}

static bool yaml_false(const uint8_t *v, size_t n, bool quotes_ok)
{
	bool q;
	unquote(&v, &n, &q);
	if (q && !quotes_ok)
		return false; /* a quoted string is truthy where a plain YAML bool is read */
	return eq(v, n, "false", true) || eq(v, n, "no", true) || eq(v, n, "off", true) || eq(v, n, "0", false);
}

static bool yaml_empty(const uint8_t *v, size_t n)
{
	bool q;
	unquote(&v, &n, &q);
	if (q)
		return n == 0;
	return n == 0 || eq(v, n, "~", false) || eq(v, n, "null", true) || eq(v, n, "[]", false) ||
	       eq(v, n, "{}", false);
}

/* "key: value" anywhere in s (block or flow style): its value up to ',', '}' or ']' or
 * the end (a quoted value to its quote). */
static bool yaml_kv_in(const uint8_t *s, size_t n, const char *key, const uint8_t **val, size_t *vn)
{
	size_t kl = strlen(key);
	for (size_t i = 0; (i = find(s, n, i, key, false)) != NPOS; i++) {
		if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '_' || s[i - 1] == '-'))
			continue;
		size_t j = i + kl;
		if (j < n && (s[j] == '"' || s[j] == '\''))
			j++;
		while (j < n && is_blank(s[j]))
			j++;
		if (j >= n || s[j] != ':' || (j + 1 < n && !is_blank(s[j + 1])))
			continue;
		j++;
		while (j < n && is_blank(s[j]))
			j++;
		size_t e = j;
		if (j < n && (s[j] == '"' || s[j] == '\'')) {
			uint8_t q = s[j];
			e = j + 1;
			while (e < n && s[e] != q)
				e++;
			if (e < n)
				e++;
		} else {
			while (e < n && s[e] != ',' && s[e] != '}' && s[e] != ']')
				e++;
		}
		*val = s + j;
		*vn = e - j;
		trim(val, vn);
		return true;
	}
	return false;
}

typedef struct yaml {
	bool cc;                  /* a #cloud-config document */
	long chp_indent;          /* inside "chpasswd:" at this key column; -1 none */
	long users_indent;        /* inside "users:"; -1 none */
	long item_indent;         /* the users' "- " column; -1 not seen yet */
	bool in_item;
	unsigned pw_line;         /* the entry's password key, local line */
	const char *pw_what;
	bool lock_false;
} yaml;

static void users_item_end(scan *sc, yaml *y, where w)
{
	if (y->in_item && y->pw_line && y->lock_false)
		hit(sc, KW_UD_SETPW, at(w, y->pw_line), y->pw_what);
	y->in_item = false;
	y->pw_line = 0;
	y->lock_false = false;
}

/* One entry's line (or a whole flow-style entry): its password keys and lock_passwd. */
static void users_item_line(yaml *y, const uint8_t *s, size_t n, unsigned ln)
{
	static const struct { const char *key, *what; } pw[] = {
		{ "plain_text_passwd", "users: plain_text_passwd with lock_passwd: false" },
		{ "hashed_passwd", "users: hashed_passwd with lock_passwd: false" },
		{ "passwd", "users: passwd with lock_passwd: false" },
	};
	const uint8_t *v;
	size_t vn;
	for (size_t i = 0; i < sizeof pw / sizeof pw[0]; i++)
		if (!y->pw_line && yaml_kv_in(s, n, pw[i].key, &v, &vn) && !yaml_empty(v, vn)) {
			y->pw_line = ln;
			y->pw_what = pw[i].what;
		}
	if ((yaml_kv_in(s, n, "lock_passwd", &v, &vn) || yaml_kv_in(s, n, "lock-passwd", &v, &vn)))
		y->lock_false = yaml_false(v, vn, false);
}

static void yaml_line(scan *sc, yaml *y, where w, const uint8_t *s, size_t n, unsigned ln)
{
	size_t ind = 0;
	while (ind < n && s[ind] == ' ')
		ind++;
	bool dash = ind < n && s[ind] == '-' && (ind + 1 == n || is_blank(s[ind + 1]));
	ykey k;
	bool key = yaml_key(s, n, &k);

	if (y->chp_indent >= 0) {
		if ((long)ind > y->chp_indent) {
			/* an empty value opens a block (the list follows); [] or null is empty */
			if (key && (eq(k.k, k.kn, "list", false) || eq(k.k, k.kn, "users", false)) &&
			    (k.vn == 0 || !yaml_empty(k.v, k.vn)))
				hit(sc, KW_UD_SETPW, at(w, ln),
				    k.kn == 4 ? "chpasswd: list sets a password" : "chpasswd: users sets a password");
			return;
		}
		y->chp_indent = -1;
	}
	if (y->users_indent >= 0) {
		if ((long)ind > y->users_indent || ((long)ind == y->users_indent && dash)) {
			if (dash && (y->item_indent < 0 || (long)ind == y->item_indent)) {
				users_item_end(sc, y, w);
				y->item_indent = (long)ind;
				y->in_item = true;
			}
			if (y->in_item)
				users_item_line(y, s, n, ln);
			return;
		}
		users_item_end(sc, y, w);
		y->users_indent = y->item_indent = -1;
	}
	if (!key)
		return;
	if (eq(k.k, k.kn, "ssh_pwauth", false)) {
		if (yaml_true(k.v, k.vn))
			hit(sc, KW_UD_PWAUTH, at(w, ln), "ssh_pwauth: true");
	} else if (eq(k.k, k.kn, "disable_root", false)) {
		if (yaml_false(k.v, k.vn, true))
			hit(sc, KW_UD_ROOTLOGIN, at(w, ln), "disable_root: false");
	} else if (eq(k.k, k.kn, "chpasswd", false)) {
		const uint8_t *v;
		size_t vn;
		if (k.vn == 0)
			y->chp_indent = (long)k.col;
		else if ((yaml_kv_in(k.v, k.vn, "list", &v, &vn) || yaml_kv_in(k.v, k.vn, "users", &v, &vn)) &&
			 !yaml_empty(v, vn))
			hit(sc, KW_UD_SETPW, at(w, ln), "chpasswd: sets a password");
	} else if (eq(k.k, k.kn, "users", false)) {
		if (k.vn == 0) {
			y->users_indent = (long)k.col;
			y->item_indent = -1;
		} else if (k.v[0] == '[') { /* flow style: the line as one entry */
			y->in_item = true;
			users_item_line(y, k.v, k.vn, ln);
			users_item_end(sc, y, w);
		}
	} else if (eq(k.k, k.kn, "password", false)) {
		if (y->cc && k.col == 0 && !k.item && !yaml_empty(k.v, k.vn))
			hit(sc, KW_UD_SETPW, at(w, ln), "password: sets the default user's password");
	}
}

/* -- shell -- */

/* Characters that end a shell word for cmd_pos. */
static bool tok_sep(uint8_t c)
{
	return c == '|' || c == ';' || c == '&' || c == '(' || c == '`' || c == '{' || c == '[' ||
	       c == '\'' || c == '"' || c == ',';
}

/* Is the command word at s[i] in command position? Returns the separator before it:
 * '|', ';', '&', '(', '`', '{', or 'S' for the line's start (also "- " of a YAML list and
 * '['), or 0 when it is an argument of something else. */
static uint8_t cmd_pos(const uint8_t *s, size_t i)
{
	static const char *const prefixes[] = { "sudo", "exec", "xargs", "nohup", "env", "time", "command",
						 "then", "do", "else", "!", "builtin" };
	/* a path: /usr/sbin/chpasswd */
	while (i > 0 && (namech(s[i - 1]) || s[i - 1] == '/'))
		i--;
	for (unsigned guard = 0; guard < 8; guard++) {
		while (i > 0 && (is_blank(s[i - 1]) || s[i - 1] == '\'' || s[i - 1] == '"' || s[i - 1] == ','))
			i--;
		if (i == 0)
			return 'S';
		uint8_t c = s[i - 1];
		if (c == '|' || c == ';' || c == '&' || c == '(' || c == '`' || c == '{')
			return c;
		if (c == '[')
			return 'S';
		size_t e = i;
		while (i > 0 && !is_blank(s[i - 1]) && !tok_sep(s[i - 1]))
			i--;
		const uint8_t *t = s + i;
		size_t tn = e - i;
		if (eq(t, tn, "-", false)) { /* a YAML list item at the line's start */
			size_t j = i;
			while (j > 0 && is_blank(s[j - 1]))
				j--;
			return j == 0 ? 'S' : 0;
		}
		if (eq(t, tn, "-c", false)) /* sh -c, su -c: a command string */
			return 'S';
		bool prefix = false;
		for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++)
			if (eq(t, tn, prefixes[p], false))
				prefix = true;
		if (!prefix)
			return 0;
	}
	return 0;
}

/* The end of the command starting at i: the next unquoted | ; & ) ` or the line's end. */
static size_t cmd_end(const uint8_t *s, size_t n, size_t i)
{
	uint8_t q = 0;
	for (; i < n; i++) {
		uint8_t c = s[i];
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '|' || c == ';' || c == '&' || c == ')' || c == '`') {
			return i;
		}
	}
	return n;
}

/* Does s[from..to) hold the argument token a (exactly, or "a=..." when eqok)? */
static bool has_arg(const uint8_t *s, size_t from, size_t to, const char *a, bool eqok)
{
	size_t al = strlen(a);
	for (size_t i = from; (i = find(s, to, i, a, false)) != NPOS; i++) {
		if (i > from && !is_blank(s[i - 1]) && s[i - 1] != '"' && s[i - 1] != '\'' && s[i - 1] != ',')
			continue;
		size_t j = i + al;
		if (j == to || is_blank(s[j]) || s[j] == '"' || s[j] == '\'' || s[j] == ',' || (eqok && s[j] == '='))
			return true;
	}
	return false;
}

/* The value after an sshd keyword at s[i] (keyword length kl): "yes" / "no" / other. */
static int sshd_value(const uint8_t *s, size_t n, size_t i, size_t kl)
{
	size_t j = i + kl;
	if (j < n && is_alnum(s[j]))
		return -1;
	while (j < n && (is_blank(s[j]) || s[j] == '=' || s[j] == '"' || s[j] == '\'' || s[j] == ':'))
		j++;
	size_t e = j;
	while (e < n && is_alnum(s[e]))
		e++;
	if (eq(s + j, e - j, "yes", true))
		return 1;
	if (e > j)
		return 0;
	return -1; /* no value here (a sed address, a pattern) */
}

/* kw: an sshd keyword, lowercase. 1 = set to yes, 2 = uncommented by sed, 0 = no. */
static int sshd_setting(const uint8_t *s, size_t n, const char *kw, bool sed)
{
	size_t kl = strlen(kw);
	int last = -1, any_yes = 0;
	bool hashed = false;
	for (size_t i = 0; (i = find(s, n, i, kw, true)) != NPOS; i++) {
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		int v = sshd_value(s, n, i, kl);
		if (v < 0 && i > 0 && (s[i - 1] == '#' || (i > 1 && s[i - 1] == '?' && s[i - 2] == '\\')))
			hashed = true;
		if (v >= 0)
			last = v;
		if (v == 1)
			any_yes = 1;
	}
	if (!sed)
		return any_yes;
	if (last >= 0)
		return last; /* the replacement decides */
	if (hashed && (find(s, n, 0, "s/^#//", false) != NPOS || find(s, n, 0, "s/#//", false) != NPOS ||
		       find(s, n, 0, "s/^#\\s*//", false) != NPOS || find(s, n, 0, "s/^# *//", false) != NPOS ||
		       find(s, n, 0, "s/^#\\(", false) != NPOS))
		return 2;
	return 0;
}

static void shell_line(scan *sc, where w, const uint8_t *s, size_t n, unsigned ln)
{
	unsigned line = at(w, ln);
	bool sed = find_word(s, n, 0, "sed", false) != NPOS;
	int r = sshd_setting(s, n, "passwordauthentication", sed);
	if (r == 1)
		hit(sc, KW_UD_PWAUTH, line, "PasswordAuthentication yes");
	else if (r == 2)
		hit(sc, KW_UD_PWAUTH, line, "sed uncomments PasswordAuthentication");
	if (sshd_setting(s, n, "permitrootlogin", sed) == 1)
		hit(sc, KW_UD_ROOTLOGIN, line, "PermitRootLogin yes");

	for (size_t i = 0; (i = find_word(s, n, i, "chpasswd", false)) != NPOS; i++)
		if (cmd_pos(s, i)) {
			hit(sc, KW_UD_SETPW, line, "chpasswd sets a password");
			break;
		}
	/* after a command, the search goes on past its arguments: each byte is looked at a
	 * bounded number of times however many times the word repeats */
	for (size_t i = 0; (i = find_word(s, n, i, "passwd", false)) != NPOS; i++) {
		uint8_t sep = cmd_pos(s, i);
		if (!sep)
			continue;
		size_t a = i + 6, e = cmd_end(s, n, a);
		if (has_arg(s, a, e, "--stdin", false)) {
			hit(sc, KW_UD_SETPW, line, "passwd --stdin sets a password");
			break;
		}
		bool query = has_arg(s, a, e, "-l", false) || has_arg(s, a, e, "-S", false) ||
			     has_arg(s, a, e, "-e", false) || has_arg(s, a, e, "--lock", false) ||
			     has_arg(s, a, e, "--status", false) || has_arg(s, a, e, "--expire", false);
		if (!query && (sep == '|' || find(s, e, a, "<", false) != NPOS)) {
			hit(sc, KW_UD_SETPW, line, "passwd sets a password from its input");
			break;
		}
		i = e;
	}
	static const char *const mods[] = { "usermod", "useradd" };
	for (size_t m = 0; m < 2; m++)
		for (size_t i = 0; (i = find_word(s, n, i, mods[m], false)) != NPOS; i++) {
			if (!cmd_pos(s, i))
				continue;
			size_t a = i + 7, e = cmd_end(s, n, a);
			if (has_arg(s, a, e, "-p", false) || has_arg(s, a, e, "--password", true)) {
				hit(sc, KW_UD_SETPW, line, m ? "useradd sets a password" : "usermod sets a password");
				break;
			}
			i = e;
		}
}

/* -- Windows -- */

/* The next token of a cmd/PowerShell line from *i (double or single quotes group). */
static bool next_token(const uint8_t *s, size_t n, size_t *i, const uint8_t **t, size_t *tn)
{
	size_t j = *i;
	while (j < n && is_blank(s[j]))
		j++;
	if (j >= n || s[j] == '&' || s[j] == '|' || s[j] == ';' || s[j] == ')')
		return false;
	size_t b = j;
	if (s[j] == '"' || s[j] == '\'') {
		uint8_t q = s[j++];
		while (j < n && s[j] != q)
			j++;
		if (j < n)
			j++;
	} else {
		while (j < n && !is_blank(s[j]) && s[j] != '&' && s[j] != '|' && s[j] != ';' && s[j] != ')')
			j++;
	}
	*t = s + b;
	*tn = j - b;
	*i = j;
	return true;
}

static bool net_user_password(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t p = find(s, n, i, "net", true);
		if (p == NPOS)
			return false;
		i = p;
		if (p > 0 && (namech(s[p - 1]) || s[p - 1] == '$'))
			continue;
		size_t j = p + 3;
		if (starts(s + j, n - j, ".exe", true))
			j += 4;
		else if (j < n && s[j] == '1')
			j++;
		if (j < n && !is_blank(s[j]))
			continue;
		const uint8_t *t;
		size_t tn;
		if (!next_token(s, n, &j, &t, &tn))
			continue;
		if (!eq(t, tn, "user", true)) {
			i = j - 1;
			continue;
		}
		unsigned plain = 0;
		for (unsigned k = 0; k < 16 && next_token(s, n, &j, &t, &tn); k++) {
			if (t[0] == '/')
				continue;
			if (++plain == 2 && !eq(t, tn, "*", false))
				return true;
		}
		i = j - 1; /* on past the tokens read (a long quoted one is read once) */
	}
	return false;
}

/* "-Password" as a PowerShell parameter (not -PasswordNeverExpires). */
static bool ps_password_param(const uint8_t *s, size_t n, size_t from)
{
	for (size_t i = from; (i = find(s, n, i, "-password", true)) != NPOS; i++) {
		if (i > 0 && !is_blank(s[i - 1]))
			continue;
		size_t j = i + 9;
		if (j == n || is_blank(s[j]) || s[j] == ':' || s[j] == '(' || s[j] == '$')
			return true;
	}
	return false;
}

static void windows_line(scan *sc, where w, const uint8_t *s, size_t n, unsigned ln)
{
	unsigned line = at(w, ln);
	if (net_user_password(s, n))
		hit(sc, KW_UD_WINUSER, line, "net user sets a password");
	static const char *const cmdlets[] = { "set-localuser", "new-localuser" };
	for (size_t c = 0; c < 2; c++) {
		size_t i = find_word(s, n, 0, cmdlets[c], true);
		if (i != NPOS && ps_password_param(s, n, i))
			hit(sc, KW_UD_WINUSER, line, c ? "New-LocalUser sets a password" : "Set-LocalUser sets a password");
	}
	if (find(s, n, 0, ".setpassword(", true) != NPOS)
		hit(sc, KW_UD_WINUSER, line, "SetPassword sets a password");
	size_t d = find(s, n, 0, "defaultpassword", true);
	if (d != NPOS && (d == 0 || !is_alnum(s[d - 1])) && (d + 15 == n || !is_alnum(s[d + 15])))
		hit(sc, KW_UD_WINUSER, line, "Winlogon DefaultPassword (autologon password)");
	size_t a = find(s, n, 0, "autoadminlogon", true);
	if (a != NPOS && (a == 0 || !is_alnum(s[a - 1]))) {
		for (size_t j = a + 14; j < n; j++)
			if (s[j] == '1' && !is_alnum(s[j - 1]) && (j + 1 == n || !is_alnum(s[j + 1]))) {
				hit(sc, KW_UD_WINUSER, line, "Winlogon AutoAdminLogon enabled");
				break;
			}
	}
}

/* -- documents -- */

static void scan_doc(scan *sc, const uint8_t *p, size_t n, where w, bool cc, unsigned depth);
static void scan_multipart(scan *sc, const uint8_t *p, size_t n, where w, const char *boundary,
			   unsigned depth);

/* The next line of p[0..n) from *off: s, length without CR LF; false at the end. */
static bool next_line(const uint8_t *p, size_t n, size_t *off, const uint8_t **s, size_t *len)
{
	if (*off >= n)
		return false;
	const uint8_t *b = p + *off;
	const uint8_t *nl = memchr(b, '\n', n - *off);
	size_t l = nl ? (size_t)(nl - b) : n - *off;
	*off += nl ? l + 1 : l;
	if (l && b[l - 1] == '\r')
		l--;
	*s = b;
	*len = l;
	return true;
}

static void scan_text(scan *sc, const uint8_t *p, size_t n, where w, bool cc)
{
	size_t off = 0;
	const uint8_t *s;
	size_t len;
	unsigned ln = 0, meaningful = 0;
	yaml y = { .chp_indent = -1, .users_indent = -1, .item_indent = -1 };
	y.cc = cc;
	bool ps_comment = false;
	while (next_line(p, n, &off, &s, &len)) {
		ln++;
		if (ln == 1 && len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
			s += 3;
			len -= 3;
		}
		if (meaningful < 2 && len) {
			meaningful++;
			if (starts(s, len, "#cloud-config", false))
				y.cc = true;
		}
		if (ps_comment) {
			if (find(s, len, 0, "#>", false) != NPOS)
				ps_comment = false;
			continue;
		}
		size_t sl = strip_comment(s, len);
		if (!sl) {
			size_t i = 0;
			while (i < len && is_blank(s[i]))
				i++;
			if (starts(s + i, len - i, "<#", false) && find(s, len, i + 2, "#>", false) == NPOS)
				ps_comment = true;
			continue;
		}
		yaml_line(sc, &y, w, s, sl, ln);
		shell_line(sc, w, s, sl, ln);
		windows_line(sc, w, s, sl, ln);
	}
	users_item_end(sc, &y, w);
}

/* A header "Name: value" at the start of s: the value's offset, or 0. */
static size_t header_value(const uint8_t *s, size_t n, const char *name)
{
	size_t nl = strlen(name);
	if (n <= nl || !starts(s, n, name, true) || s[nl] != ':')
		return 0;
	size_t i = nl + 1;
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

static bool is_header(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n && (is_alnum(s[i]) || s[i] == '-'))
		i++;
	return i > 0 && i < n && s[i] == ':';
}

typedef struct mime_hdrs {
	char type[HDR_MAX];       /* Content-Type with its folded lines, NUL-terminated */
	char cte[64];             /* Content-Transfer-Encoding */
} mime_hdrs;

static void hdr_append(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t l = strlen(dst);
	for (size_t i = 0; i < n && l + 1 < cap; i++)
		dst[l++] = s[i] ? (char)s[i] : ' ';
	dst[l] = '\0';
}

/* Read a header block from *off up to and including its blank line. false when a line is
 * not a header (then *off is unchanged). */
static bool read_headers(const uint8_t *p, size_t n, size_t *off, mime_hdrs *h, unsigned *lines)
{
	memset(h, 0, sizeof *h);
	size_t o = *off;
	const uint8_t *s;
	size_t len;
	char *cur = NULL;
	size_t cur_cap = 0;
	unsigned k = 0;
	while (next_line(p, n, &o, &s, &len)) {
		k++;
		if (len == 0) {
			*off = o;
			*lines = k;
			return true;
		}
		if (k > MIME_HEADER_LINES)
			return false;
		if (is_blank(s[0])) { /* folded */
			if (cur)
				hdr_append(cur, cur_cap, s, len);
			continue;
		}
		if (!is_header(s, len))
			return false;
		size_t v;
		cur = NULL;
		if ((v = header_value(s, len, "content-type"))) {
			cur = h->type;
			cur_cap = sizeof h->type;
		} else if ((v = header_value(s, len, "content-transfer-encoding"))) {
			cur = h->cte;
			cur_cap = sizeof h->cte;
		}
		if (cur) {
			cur[0] = '\0';
			hdr_append(cur, cur_cap, s + v, len - v);
		}
	}
	*off = o; /* headers only, no body */
	*lines = k;
	return true;
}

/* boundary=... (quoted or not) from a Content-Type value into b. */
static bool mime_boundary(const char *type, char *b, size_t cap)
{
	const uint8_t *t = (const uint8_t *)type;
	size_t n = strlen(type);
	size_t i = find(t, n, 0, "boundary=", true);
	if (i == NPOS)
		return false;
	i += 9;
	size_t e;
	if (i < n && t[i] == '"') {
		e = ++i;
		while (e < n && t[e] != '"')
			e++;
	} else {
		e = i;
		while (e < n && t[e] != ';' && !is_space(t[e]))
			e++;
	}
	if (e == i || e - i >= cap)
		return false;
	memcpy(b, t + i, e - i);
	b[e - i] = '\0';
	return true;
}

static bool type_is(const char *type, const char *prefix)
{
	size_t i = 0;
	while (is_blank((uint8_t)type[i]))
		i++;
	return starts((const uint8_t *)type + i, strlen(type + i), prefix, true);
}

/* One part: headers h, body p[0..n) starting at local line ln of the enclosing text. */
static void scan_part(scan *sc, const mime_hdrs *h, const uint8_t *p, size_t n, where w, unsigned ln,
		      unsigned depth)
{
	where pw = w.fixed ? w : (where){ .base = at(w, ln), .fixed = false };
	bool cc = type_is(h->type, "text/cloud-config");
	char b[BOUNDARY_MAX];
	bool b64 = starts((const uint8_t *)h->cte, strlen(h->cte), "base64", true);
	if (!b64 && type_is(h->type, "multipart/") && mime_boundary(h->type, b, sizeof b)) {
		if (depth < MAX_DEPTH)
			scan_multipart(sc, p, n, pw, b, depth + 1);
		return;
	}
	if (b64 || is_gzip(p, n)) {
		if (depth >= MAX_DEPTH || sc->budget == 0)
			return;
		uint8_t *d;
		size_t dl;
		const char *why;
		if (decode_capped(p, n, b64, sc->budget, &d, &dl, &why) != 0)
			return; /* unreadable part: nothing to say about it */
		sc->budget -= dl < sc->budget ? dl : sc->budget;
		scan_doc(sc, d, dl, (where){ .base = pw.base, .fixed = true }, cc, depth + 1);
		free(d);
		return;
	}
	scan_text(sc, p, n, pw, cc);
}

static void scan_multipart(scan *sc, const uint8_t *p, size_t n, where w, const char *boundary,
			   unsigned depth)
{
	size_t bl = strlen(boundary);
	size_t off = 0, body = 0, body_end = 0;
	const uint8_t *s;
	size_t len;
	unsigned ln = 0, body_line = 0;
	bool in_part = false;
	mime_hdrs h;
	memset(&h, 0, sizeof h);
	for (;;) {
		size_t line_off = off;
		if (!next_line(p, n, &off, &s, &len)) {
			if (in_part)
				scan_part(sc, &h, p + body, n - body, w, body_line, depth);
			return;
		}
		ln++;
		while (len && is_blank(s[len - 1]))
			len--;
		if (len < 2 + bl || s[0] != '-' || s[1] != '-' || memcmp(s + 2, boundary, bl) != 0 ||
		    (len != 2 + bl && !(len == 4 + bl && s[2 + bl] == '-' && s[3 + bl] == '-')))
			continue;
		if (in_part) {
			body_end = line_off;
			/* the line break before a delimiter belongs to it */
			if (body_end > body && p[body_end - 1] == '\n')
				body_end--;
			if (body_end > body && p[body_end - 1] == '\r')
				body_end--;
			scan_part(sc, &h, p + body, body_end - body, w, body_line, depth);
			in_part = false;
		}
		if (len == 4 + bl)
			return; /* the closing delimiter: the epilogue is ignored */
		unsigned hl = 0;
		size_t o = off;
		if (!read_headers(p, n, &o, &h, &hl)) {
			memset(&h, 0, sizeof h); /* no headers: the body starts right away */
			hl = 0;
			o = off;
		}
		off = o;
		ln += hl;
		body = off;
		body_line = ln + 1;
		in_part = true;
	}
}

static void scan_doc(scan *sc, const uint8_t *p, size_t n, where w, bool cc, unsigned depth)
{
	const uint8_t *s;
	size_t len, off = 0;
	/* a MIME document starts with a header line */
	if (next_line(p, n, &off, &s, &len) && is_header(s, len)) {
		mime_hdrs h;
		unsigned hl;
		size_t o = 0;
		char b[BOUNDARY_MAX];
		if (read_headers(p, n, &o, &h, &hl) && type_is(h.type, "multipart/") &&
		    mime_boundary(h.type, b, sizeof b)) {
			scan_multipart(sc, p + o, n - o, w.fixed ? w : (where){ .base = at(w, hl + 1) }, b, depth);
			return;
		}
	}
	scan_text(sc, p, n, w, cc);
}

void kw_userdata_scan(const uint8_t *data, size_t n, kw_userdata_verdict *v)
{
	memset(v, 0, sizeof *v);
	scan sc = { .v = v, .budget = KW_USERDATA_MAX };
	if (!data)
		return;
	scan_doc(&sc, data, n, (where){ .base = 1 }, false, 0);
}

int kw_userdata_judge(kw_cloud_model *m, kw_cloud_launch *l, const char *text, size_t n, bool is_base64)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why = NULL;
	int r = kw_userdata_decode(text, n, is_base64, &buf, &len, &why);
	if (r == KW_E_PARSE && is_base64 && why == why_not_base64)
		/* not base64 after all: the AWS CLI takes plain text and encodes it itself,
		 * so exports hold either */
		r = kw_userdata_decode(text, n, false, &buf, &len, &why);
	if (r == -ENOMEM)
		return r;
	l->ud_hits = 0;
	l->ud_line = 0;
	l->ud_what = NULL;
	if (r < 0) {
		l->user_data = KW_TRI_UNKNOWN;
		l->ud_why = r == KW_E_TOOBIG ? kw_cloud_strf(m, "larger than %zu MiB once decoded: not scanned",
							     KW_USERDATA_MAX >> 20)
					     : kw_cloud_strf(m, "%s: not scanned", why ? why : "unreadable");
		return l->ud_why ? 0 : -ENOMEM;
	}
	kw_userdata_verdict v;
	kw_userdata_scan(buf, len, &v);
	free(buf);
	l->user_data = KW_TRI_TRUE;
	l->ud_why = NULL;
	l->ud_hits = v.hits;
	l->ud_line = v.line;
	if (v.hits && !(l->ud_what = kw_cloud_str(m, v.what)))
		return -ENOMEM;
	return 0;
}

bool kw_userdata_looks_base64(const char *text, size_t n)
{
	size_t k = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=')
			pad++;
		else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
				  c == '+' || c == '/'))
			return false;
		k++;
	}
	return k && k % 4 == 0 && pad <= 2;
}
