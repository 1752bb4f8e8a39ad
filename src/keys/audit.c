/* audit.c — see audit.h. The audit trail of `keyward keys`.
 *
 * Four parts, each usable alone:
 *   - building a line: entry -> escaped JSON (jansson, compact, in order) -> "hash" appended
 *     as text, so the hashed bytes are exactly the line's bytes minus that member;
 *   - checking one line in isolation (line_check): its shape and whether its hash
 *     recomputes. The verifier and the append both use it;
 *   - the verifier: lines are fed one at a time (feed) to a small state (count, bytes,
 *     hash of the last line) that never holds more than one line, then the head file is
 *     compared (finish). The file entry point streams through one buffer; the buffer entry
 *     point (for the fuzzer) walks memory. Both cut lines the same way (scan);
 *   - the append: open without following, lock, read the last line backwards from the end,
 *     check it against the head file, write one line, fsync, replace the head file.
 */
#include "keys/audit.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/time.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX KW_AUDIT_HASH_HEX
#define HASH_KEY ",\"hash\":\""
#define HASH_KEY_LEN (sizeof HASH_KEY - 1)
#define HASH_SUFFIX_LEN (HASH_KEY_LEN + HEX + 2) /* ,"hash":"<64 hex>"} = 75 bytes */
#define HEAD_MAX 4096                             /* bytes of a head file */
#define READ_CHUNK ((size_t)64 << 10)
#define DETAIL_DEPTH_MAX 32

static inline void md_freep(EVP_MD_CTX **p) { EVP_MD_CTX_free(*p); }

/* ---- names ---- */

static const char *const action_names[KW_AUDIT_ACTION_COUNT] = {
	[KW_AUDIT_ADD] = "add",
	[KW_AUDIT_REMOVE] = "remove",
	[KW_AUDIT_ROTATE] = "rotate",
	[KW_AUDIT_SNAPSHOT] = "snapshot",
};

static const char *const problem_names[KW_AUDIT_PROBLEM_COUNT] = {
	[KW_AUDIT_OK] = "ok",
	[KW_AUDIT_BAD_LINE] = "bad-line",
	[KW_AUDIT_TOO_LONG] = "too-long",
	[KW_AUDIT_TORN] = "torn",
	[KW_AUDIT_BAD_SEQ] = "bad-seq",
	[KW_AUDIT_BAD_PREV] = "bad-prev",
	[KW_AUDIT_BAD_HASH] = "bad-hash",
	[KW_AUDIT_HEAD_MISSING] = "head-missing",
	[KW_AUDIT_HEAD_BAD] = "head-bad",
	[KW_AUDIT_HEAD_MISMATCH] = "head-mismatch",
	[KW_AUDIT_HEAD_BEHIND] = "head-behind",
};

const char *kw_audit_action_name(kw_audit_action a)
{
	return (unsigned)a < KW_AUDIT_ACTION_COUNT ? action_names[a] : NULL;
}

int kw_audit_action_from_name(const char *s)
{
	for (size_t i = 0; s && i < KW_ARRAY_LEN(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *kw_audit_problem_name(kw_audit_problem p)
{
	return (unsigned)p < KW_AUDIT_PROBLEM_COUNT ? problem_names[p] : "unknown";
}

/* ---- hashing ---- */

typedef struct part {
	const void *p;
	size_t n;
} part;

/* hex(SHA-256(parts...)) into out[HEX + 1]. 0 or KW_E_CRYPTO. */
static int sha256_hex(EVP_MD_CTX *md, const part *parts, size_t n, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	int ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(md, parts[i].p, parts[i].n);
	ok = ok && EVP_DigestFinal_ex(md, d, &dl);
	if (!ok || dl * 2 != HEX)
		return KW_E_CRYPTO;
	kw_hex_lower(d, dl, out);
	return 0;
}

static int line_hash(EVP_MD_CTX *md, const char *p, size_t n, char *out)
{
	part pt = { p, n };
	return sha256_hex(md, &pt, 1, out);
}

static void zero_hash(char *out)
{
	memset(out, '0', HEX);
	out[HEX] = '\0';
}

static bool is_hex64(const char *s, size_t n)
{
	return n == HEX && kw_is_hex_lower(s, n);
}

/* ---- the actor ---- */

static bool printable_ascii(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void copy_name(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = 0; /* a name that does not fit is dropped, never cut */
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int kw_audit_actor_current(kw_audit_actor *a)
{
	memset(a, 0, sizeof *a);
	uid_t uid = getuid();
	a->uid = (uint32_t)uid;
	char buf[16384];
	struct passwd pw, *res = NULL;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res)
		copy_name(a->login, sizeof a->login, res->pw_name);
	else if (getlogin_r(a->login, sizeof a->login) != 0)
		a->login[0] = '\0';
	a->login[sizeof a->login - 1] = '\0';
	const char *su = secure_getenv("SUDO_USER");
	if (su && printable_ascii(su, KW_AUDIT_SUDO_USER_MAX))
		copy_name(a->sudo_user, sizeof a->sudo_user, su);
	return 0;
}

/* ---- building a line ---- */

/* The line's members in order; "hash" is added as text after the rest is dumped. */
static const char *const line_keys[] = {
	"seq", "time", "actor", "host", "root", "action", "user", "fingerprints", "detail",
	"prev", "hash",
};
#define N_KEYS KW_ARRAY_LEN(line_keys)
static const char *const actor_keys[] = { "uid", "login", "sudo_user" };

/* An escaped JSON string of s; JSON null for NULL, and for "" when empty_null. NULL on
 * ENOMEM. */
static json_t *jstr(const char *s, bool empty_null)
{
	if (!s || (empty_null && !*s))
		return json_null();
	_cleanup_free_ char *e = kw_escape_str(s);
	return e ? json_string(e) : NULL;
}

/* A copy of a caller's detail value with every key and string escaped. */
static int sanitize(json_t *in, unsigned depth, json_t **ret)
{
	if (depth > DETAIL_DEPTH_MAX)
		return KW_E_TOOBIG;
	_cleanup_(json_decrefp) json_t *out = NULL;
	int r = 0;
	switch (json_typeof(in)) {
	case JSON_OBJECT:
		out = json_object();
		for (void *it = json_object_iter(in); out && it && r == 0;
		     it = json_object_iter_next(in, it)) {
			_cleanup_free_ char *k = kw_escape_dup(json_object_iter_key(it),
							      json_object_iter_key_len(it));
			json_t *v = NULL;
			r = k ? sanitize(json_object_iter_value(it), depth + 1, &v) : -ENOMEM;
			if (r == 0 && json_object_set_new(out, k, v) < 0)
				r = -ENOMEM;
		}
		break;
	case JSON_ARRAY:
		out = json_array();
		for (size_t i = 0; out && i < json_array_size(in) && r == 0; i++) {
			json_t *v = NULL;
			r = sanitize(json_array_get(in, i), depth + 1, &v);
			if (r == 0 && json_array_append_new(out, v) < 0)
				r = -ENOMEM;
		}
		break;
	case JSON_STRING: {
		_cleanup_free_ char *e = kw_escape_dup(json_string_value(in), json_string_length(in));
		out = e ? json_string(e) : NULL;
		break;
	}
	default:
		out = json_deep_copy(in);
		break;
	}
	if (r < 0)
		return r;
	if (!out)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

static int format_time(time_t t, char *out, size_t cap)
{
	if (kw_time_iso((int64_t)t, true, out, cap) != KW_ISO_LEN || out[0] == '0')
		return -EINVAL; /* before year 1000 or after 9999 */
	return 0;
}

typedef struct line_in {
	const kw_audit_entry *e;
	const kw_audit_actor *actor;
	const char *host;
	const char *time;
	uint64_t seq;
	const char *prev;
} line_in;

/* The line's object, every member but "hash". */
static int line_object(const line_in *in, json_t **ret)
{
	const kw_audit_entry *e = in->e;
	_cleanup_(json_decrefp) json_t *detail = NULL;
	if (e->detail) {
		int r = sanitize(e->detail, 0, &detail);
		if (r < 0)
			return r;
	} else {
		detail = json_null();
	}
	json_t *fps = json_array();
	for (size_t i = 0; fps && i < e->n_fingerprints; i++)
		if (json_array_append_new(fps, jstr(e->fingerprints[i], false)) < 0) {
			json_decref(fps);
			fps = NULL;
		}
	json_t *actor = json_object();
	json_t *actor_vals[] = {
		json_integer(in->actor->uid),
		jstr(in->actor->login, true),
		jstr(in->actor->sudo_user, true),
	};
	bool bad = !actor;
	for (size_t i = 0; i < KW_ARRAY_LEN(actor_keys); i++)
		bad |= json_object_set_new(actor, actor_keys[i], actor_vals[i]) < 0;
	json_t *vals[N_KEYS - 1] = {
		json_integer((json_int_t)in->seq),
		json_string(in->time),
		actor,
		jstr(in->host, false),
		jstr(e->root ? e->root : "/", false),
		json_string(action_names[e->action]),
		jstr(e->user, false),
		fps,
		TAKE_PTR(detail),
		json_string(in->prev),
	};
	_cleanup_(json_decrefp) json_t *o = json_object();
	bad |= !o;
	for (size_t i = 0; i < N_KEYS - 1; i++)
		bad |= json_object_set_new(o, line_keys[i], vals[i]) < 0; /* steals, even on error */
	if (bad)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* The whole line with its '\n' (caller frees). */
static int build_line(const line_in *in, EVP_MD_CTX *md, char **ret, size_t *ret_len)
{
	_cleanup_(json_decrefp) json_t *o = NULL;
	int r = line_object(in, &o);
	if (r < 0)
		return r;
	_cleanup_free_ char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!body)
		return -ENOMEM;
	size_t bl = strlen(body);
	if (bl < 2 || body[bl - 1] != '}' || memchr(body, '\n', bl))
		return KW_E_PARSE; /* jansson never does this: refuse rather than write it */
	size_t len = bl - 1 + HASH_SUFFIX_LEN;
	if (len > KW_AUDIT_LINE_MAX)
		return KW_E_TOOBIG;
	char hash[HEX + 1];
	part parts[] = { { in->prev, HEX }, { body, bl } };
	r = sha256_hex(md, parts, KW_ARRAY_LEN(parts), hash);
	if (r < 0)
		return r;
	char *line = malloc(len + 2);
	if (!line)
		return -ENOMEM;
	memcpy(line, body, bl - 1);
	memcpy(line + bl - 1, HASH_KEY, HASH_KEY_LEN);
	memcpy(line + bl - 1 + HASH_KEY_LEN, hash, HEX);
	memcpy(line + len - 2, "\"}\n", 4);
	*ret = line;
	*ret_len = len + 1;
	return 0;
}

/* ---- checking one line ---- */

typedef struct line_info {
	uint64_t seq;
	char prev[HEX + 1];
	bool hash_ok;
} line_info;

static bool str_or_null(json_t *v)
{
	return json_is_string(v) || json_is_null(v);
}

static bool is_hex_member(json_t *v)
{
	return json_is_string(v) && is_hex64(json_string_value(v), json_string_length(v));
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static bool is_time(json_t *v)
{
	return json_is_string(v) && kw_time_is_iso_utc(json_string_value(v), json_string_length(v));
}

static bool strings_only(json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_string(json_array_get(a, i)))
			return false;
	return true;
}

/* The members of o, exactly keys[0..n) in that order, into v[]. */
static bool members(json_t *o, const char *const *keys, size_t n, json_t **v)
{
	if (!json_is_object(o))
		return false;
	void *it = json_object_iter(o);
	for (size_t i = 0; i < n; i++, it = json_object_iter_next(o, it)) {
		if (!it)
			return false;
		size_t kl = strlen(keys[i]);
		if (json_object_iter_key_len(it) != kl || memcmp(json_object_iter_key(it), keys[i], kl))
			return false;
		v[i] = json_object_iter_value(it);
	}
	return it == NULL;
}

/* What is wrong with the shape of a parsed line, or NULL. */
static const char *shape_error(json_t *o)
{
	json_t *v[N_KEYS], *a[KW_ARRAY_LEN(actor_keys)];
	if (!members(o, line_keys, N_KEYS, v))
		return "its members are not seq, time, actor, host, root, action, user, "
		       "fingerprints, detail, prev, hash in that order";
	if (!json_is_integer(v[0]) || json_integer_value(v[0]) < 1)
		return "seq is not a positive integer";
	if (!is_time(v[1]))
		return "time is not YYYY-MM-DDTHH:MM:SSZ";
	if (!members(v[2], actor_keys, KW_ARRAY_LEN(actor_keys), a) || !json_is_integer(a[0]) ||
	    json_integer_value(a[0]) < 0 || json_integer_value(a[0]) > UINT32_MAX ||
	    !str_or_null(a[1]) || !str_or_null(a[2]))
		return "actor is not {uid, login, sudo_user}";
	if (!json_is_string(v[3]) || !json_is_string(v[4]))
		return "host or root is not a string";
	if (!json_is_string(v[5]) || kw_audit_action_from_name(json_string_value(v[5])) < 0)
		return "action is not add, remove, rotate or snapshot";
	if (!str_or_null(v[6]))
		return "user is not a string or null";
	if (!json_is_array(v[7]) || !strings_only(v[7]))
		return "fingerprints is not an array of strings";
	if (!json_is_object(v[8]) && !json_is_null(v[8]))
		return "detail is not an object or null";
	if (!is_hex_member(v[9]) || !is_hex_member(v[10]))
		return "prev or hash is not 64 lowercase hex digits";
	return NULL;
}

/* Check line p[0..n) (no '\n') alone. Returns KW_AUDIT_OK (li filled; li->hash_ok says
 * whether "hash" recomputes), KW_AUDIT_BAD_LINE (why filled), or a negative error. */
static int line_check(EVP_MD_CTX *md, const char *p, size_t n, line_info *li, char *why,
		      size_t wl)
{
	if (n < HASH_SUFFIX_LEN + 1 || memcmp(p + n - HASH_SUFFIX_LEN, HASH_KEY, HASH_KEY_LEN) ||
	    p[n - 2] != '"' || p[n - 1] != '}') {
		snprintf(why, wl, "it does not end with the \"hash\" member");
		return KW_AUDIT_BAD_LINE;
	}
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		_cleanup_free_ char *t = kw_escape_str(jerr.text);
		snprintf(why, wl, "it is not JSON (%s, column %d)", t ? t : "?", jerr.column);
		return KW_AUDIT_BAD_LINE;
	}
	const char *se = shape_error(o);
	if (se) {
		snprintf(why, wl, "%s", se);
		return KW_AUDIT_BAD_LINE;
	}
	const char *hash = json_string_value(json_object_get(o, "hash"));
	if (memcmp(hash, p + n - HEX - 2, HEX) != 0) {
		snprintf(why, wl, "its \"hash\" member is not its last bytes");
		return KW_AUDIT_BAD_LINE;
	}
	li->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
	memcpy(li->prev, json_string_value(json_object_get(o, "prev")), HEX + 1);
	char h[HEX + 1];
	part parts[] = { { li->prev, HEX }, { p, n - HASH_SUFFIX_LEN }, { "}", 1 } };
	int r = sha256_hex(md, parts, KW_ARRAY_LEN(parts), h);
	if (r < 0)
		return r;
	li->hash_ok = memcmp(h, hash, HEX) == 0;
	return KW_AUDIT_OK;
}

/* ---- the head file ---- */

typedef struct head {
	uint64_t lines;
	uint64_t bytes;
	char hash[HEX + 1];
} head;

static const char *const head_keys[] = { "version", "lines", "bytes", "head" };

static int head_parse(const char *p, size_t n, head *h, char *why, size_t wl)
{
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	json_t *v[KW_ARRAY_LEN(head_keys)];
	if (!o || !members(o, head_keys, KW_ARRAY_LEN(head_keys), v) || !json_is_integer(v[0]) ||
	    json_integer_value(v[0]) != 1 || !json_is_integer(v[1]) || json_integer_value(v[1]) < 0 ||
	    !json_is_integer(v[2]) || json_integer_value(v[2]) < 0 || !is_hex_member(v[3])) {
		snprintf(why, wl, "the head file is not {\"version\":1,\"lines\":N,\"bytes\":N,\"head\":HEX}");
		return KW_E_PARSE;
	}
	h->lines = (uint64_t)json_integer_value(v[1]);
	h->bytes = (uint64_t)json_integer_value(v[2]);
	memcpy(h->hash, json_string_value(v[3]), HEX + 1);
	return 0;
}

static char *head_path_of(const char *log_path)
{
	size_t n = strlen(log_path);
	char *p = malloc(n + sizeof KW_AUDIT_HEAD_SUFFIX);
	if (p) {
		memcpy(p, log_path, n);
		memcpy(p + n, KW_AUDIT_HEAD_SUFFIX, sizeof KW_AUDIT_HEAD_SUFFIX);
	}
	return p;
}

/* Read a head file whole, without following a symbolic link. -ENOENT when there is none. */
static int head_read(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = kw_open_regular_at(AT_FDCWD, path, true, NULL);
	if (fd < 0)
		return fd;
	return kw_fd_read_capped(fd, HEAD_MAX, ret, ret_len);
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *dir = kw_path_dir(path);
	if (!dir)
		return -ENOMEM;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		return -errno;
	return 0;
}

/* Replace the head file atomically: temp file beside it, fsync, rename, fsync the folder. */
static int head_write(const char *path, const head *h)
{
	char text[256];
	int tl = snprintf(text, sizeof text, "{\"version\":1,\"lines\":%" PRIu64 ",\"bytes\":%" PRIu64
			  ",\"head\":\"%s\"}\n", h->lines, h->bytes, h->hash);
	if (tl < 0 || (size_t)tl >= sizeof text)
		return -EINVAL;
	size_t pl = strlen(path);
	_cleanup_free_ char *tmp = malloc(pl + 8);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, pl);
	tmp[pl] = '.';
	memset(tmp + pl + 1, 'X', 6); /* mkostemp's six-letter template */
	tmp[pl + 7] = '\0';
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = kw_fd_write_all(fd, text, (size_t)tl);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(path);
}

/* ---- the verifier ---- */

typedef struct verifier {
	EVP_MD_CTX *md;
	kw_audit_report *r;
	int head_state;            /* 0 read and parsed, -ENOENT none, else unreadable */
	char head_why[160];
	head h;
	bool at_head_seen;         /* line h.lines has been passed (or h.lines is 0) */
	char at_head[HEX + 1];     /* its hash */
	uint64_t at_head_bytes;    /* the log's size up to its end */
} verifier;

static void report_init(kw_audit_report *r)
{
	memset(r, 0, sizeof *r);
	r->ok = true;
	zero_hash(r->head);
}

__attribute__((format(printf, 4, 5)))
static void fail(kw_audit_report *r, kw_audit_problem p, uint64_t line, const char *fmt, ...)
{
	if (r->problem != KW_AUDIT_OK)
		return;
	r->ok = false;
	r->problem = p;
	r->bad_line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

static void verifier_head(verifier *v, int rc, const char *text, size_t len)
{
	v->head_state = rc;
	if (rc == 0 && head_parse(text, len, &v->h, v->head_why, sizeof v->head_why) < 0)
		v->head_state = KW_E_PARSE;
	else if (rc < 0 && rc != -ENOENT)
		snprintf(v->head_why, sizeof v->head_why, "the head file cannot be read: %s",
			 kw_strerror(rc));
	if (v->head_state == 0 && v->h.lines == 0) {
		v->at_head_seen = true;
		zero_hash(v->at_head);
	}
}

/* One complete line p[0..n), its '\n' not included. <0 error, 0 go on, 1 stop. */
static int feed(verifier *v, const char *p, size_t n)
{
	kw_audit_report *r = v->r;
	uint64_t no = r->lines + 1;
	line_info li;
	char why[200];
	int c = line_check(v->md, p, n, &li, why, sizeof why);
	if (c < 0)
		return c;
	if (c != KW_AUDIT_OK) {
		fail(r, KW_AUDIT_BAD_LINE, no, "line %" PRIu64 ": %s", no, why);
		return 1;
	}
	if (li.seq != no) {
		fail(r, KW_AUDIT_BAD_SEQ, no, "line %" PRIu64 " has seq %" PRIu64 ", expected %" PRIu64
		     " (a line deleted, inserted or moved)", no, li.seq, no);
		return 1;
	}
	if (strcmp(li.prev, r->head) != 0) {
		if (no == 1)
			fail(r, KW_AUDIT_BAD_PREV, no, "line 1: prev is not 64 zeros");
		else
			fail(r, KW_AUDIT_BAD_PREV, no, "line %" PRIu64 ": prev is not the hash of line %"
			     PRIu64 " (that line was edited, or this one moved)", no, no - 1);
		return 1;
	}
	if (!li.hash_ok) {
		fail(r, KW_AUDIT_BAD_HASH, no, "line %" PRIu64 ": hash does not recompute (the line "
		     "was edited)", no);
		return 1;
	}
	c = line_hash(v->md, p, n, r->head);
	if (c < 0)
		return c;
	r->lines = no;
	r->bytes += n + 1;
	if (v->head_state == 0 && no == v->h.lines) {
		v->at_head_seen = true;
		memcpy(v->at_head, r->head, HEX + 1);
		v->at_head_bytes = r->bytes;
	}
	return 0;
}

/* Feed the complete lines of p[0..n); *used = bytes consumed. At eof, bytes after the last
 * newline are a torn line. <0 error, 0 go on, 1 stop. */
static int scan(verifier *v, const char *p, size_t n, bool eof, size_t *used)
{
	size_t off = 0;
	int rc = 0;
	while (rc == 0 && off < n) {
		const char *nl = memchr(p + off, '\n', n - off);
		size_t ln = nl ? (size_t)(nl - (p + off)) : n - off;
		uint64_t no = v->r->lines + 1;
		if (ln > KW_AUDIT_LINE_MAX) {
			fail(v->r, KW_AUDIT_TOO_LONG, no, "line %" PRIu64 " is longer than %zu bytes",
			     no, KW_AUDIT_LINE_MAX);
			rc = 1;
		} else if (!nl) {
			if (eof) {
				fail(v->r, KW_AUDIT_TORN, no, "line %" PRIu64 " has no newline: the log "
				     "ends inside a line (cut, or an interrupted write)", no);
				rc = 1;
			}
			break;
		} else {
			rc = feed(v, p + off, ln);
			off += ln + 1;
		}
	}
	*used = off;
	return rc;
}

/* After the last line: compare with the head file. */
static void finish(verifier *v)
{
	kw_audit_report *r = v->r;
	const head *h = &v->h;
	if (r->problem != KW_AUDIT_OK)
		return;
	if (v->head_state == -ENOENT) {
		if (r->lines > 0)
			fail(r, KW_AUDIT_HEAD_MISSING, 0, "the head file is missing (deleted?): "
			     "trailing lines removed from the log could not be noticed");
		return;
	}
	if (v->head_state < 0) {
		fail(r, KW_AUDIT_HEAD_BAD, 0, "%s", v->head_why);
		return;
	}
	if (h->lines == r->lines && h->bytes == r->bytes && strcmp(h->hash, r->head) == 0)
		return;
	if (r->lines == h->lines + 1 && v->at_head_seen && v->at_head_bytes == h->bytes &&
	    strcmp(v->at_head, h->hash) == 0) {
		fail(r, KW_AUDIT_HEAD_BEHIND, r->lines, "the head file ends at line %" PRIu64
		     ": line %" PRIu64 " was appended but the head not updated (an interrupted "
		     "append; the next append repairs it)", h->lines, r->lines);
		return;
	}
	uint64_t bad = r->lines < h->lines ? r->lines + 1 :
		       r->lines > h->lines ? h->lines + 1 : (r->lines ? r->lines : 1);
	fail(r, KW_AUDIT_HEAD_MISMATCH, bad, "the head file records %" PRIu64 " lines (%" PRIu64
	     " bytes, last %.12s) but the log has %" PRIu64 " (%" PRIu64 " bytes, last %.12s)%s",
	     h->lines, h->bytes, h->hash, r->lines, r->bytes, r->head,
	     r->lines < h->lines ? ": trailing lines were removed" : "");
}

int kw_audit_verify_buf(const void *log, size_t len, const void *head_text, size_t head_len,
			kw_audit_report *r)
{
	report_init(r);
	_cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	verifier v = { .md = md, .r = r };
	verifier_head(&v, head_text ? 0 : -ENOENT, head_text, head_len);
	size_t used;
	int rc = log && len ? scan(&v, log, len, true, &used) : 0;
	if (rc < 0)
		return rc;
	finish(&v);
	return 0;
}

/* The log does not exist: fine only if there is no head file either (-ENOENT) or it
 * records no line. */
static int verify_missing_log(const char *log_path, kw_audit_report *r)
{
	_cleanup_free_ char *hp = head_path_of(log_path);
	if (!hp)
		return -ENOMEM;
	_cleanup_free_ char *ht = NULL;
	size_t hl = 0;
	int hr = head_read(hp, &ht, &hl);
	if (hr == -ENOENT || hr == -ENOMEM)
		return hr;
	verifier v = { .r = r };
	verifier_head(&v, hr, ht, hl);
	if (v.head_state == 0 && v.h.lines > 0)
		fail(r, KW_AUDIT_HEAD_MISMATCH, 1, "the log is missing but its head file records %"
		     PRIu64 " lines: it was deleted or moved", v.h.lines);
	finish(&v);
	return 0;
}

int kw_audit_verify(const char *log_path, kw_audit_report *r)
{
	report_init(r);
	struct stat st;
	_cleanup_close_ int fd = kw_open_regular_at(AT_FDCWD, log_path, true, &st);
	if (fd == -ENOENT)
		return verify_missing_log(log_path, r);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return -errno;
	_cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
	_cleanup_free_ char *hp = head_path_of(log_path);
	size_t cap = KW_AUDIT_LINE_MAX + 1 + READ_CHUNK;
	_cleanup_free_ char *buf = malloc(cap);
	if (!md || !hp || !buf)
		return -ENOMEM;
	_cleanup_free_ char *ht = NULL;
	size_t hl = 0;
	int hr = head_read(hp, &ht, &hl);
	if (hr == -ENOMEM)
		return hr;
	verifier v = { .md = md, .r = r };
	verifier_head(&v, hr, ht, hl);
	size_t end = 0;
	for (;;) {
		ssize_t k = read(fd, buf + end, cap - end);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		end += (size_t)k;
		size_t used = 0;
		int rc = scan(&v, buf, end, k == 0, &used);
		if (rc < 0)
			return rc;
		if (rc > 0 || k == 0)
			break;
		memmove(buf, buf + used, end - used);
		end -= used;
	}
	finish(&v);
	return 0;
}

/* ---- the append ---- */


/* Open the log (creating it), lock it, and make sure the lock is on the file that is at
 * log_path now (not one renamed away while we waited). */
static int open_locked(const char *path, int *ret_fd, struct stat *ret_st, char *err, size_t errlen)
{
	for (int tries = 0; tries < 16; tries++) {
		_cleanup_close_ int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
					      O_NOCTTY | O_NONBLOCK, 0600);
		if (fd < 0) {
			int r = -errno;
			if (r == -ELOOP)
				kw_errf(err, errlen, "%s is a symbolic link: refused", path);
			else
				kw_errf(err, errlen, "cannot open %s: %s", path, kw_strerror(r));
			return r;
		}
		struct stat st, cur;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode)) {
			kw_errf(err, errlen, "%s is not a regular file", path);
			return KW_E_NOTREG;
		}
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
		if (lstat(path, &cur) < 0 || cur.st_dev != st.st_dev || cur.st_ino != st.st_ino)
			continue;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (st.st_nlink > 1) {
			kw_errf(err, errlen, "%s has other hard links: refused", path);
			return KW_E_REFUSED;
		}
		*ret_st = st;
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
	kw_errf(err, errlen, "%s keeps being replaced", path);
	return -EAGAIN;
}

static int pread_all(int fd, char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t k = pread(fd, p, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO; /* shorter than fstat said, under our lock */
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* The last line of a file of `size` (> 0) bytes, read backwards from the end in chunks,
 * never more than one line. *buf is the allocation; the line is *line[0..*len).
 * KW_E_PARSE: the file does not end with a newline; KW_E_TOOBIG: over KW_AUDIT_LINE_MAX. */
static int read_last_line(int fd, uint64_t size, char **buf, const char **line, size_t *len)
{
	size_t win = size < KW_AUDIT_LINE_MAX + 2 ? (size_t)size : KW_AUDIT_LINE_MAX + 2;
	char *b = malloc(win);
	if (!b)
		return -ENOMEM;
	*buf = b;
	size_t have = 0; /* bytes read, at the end of b */
	while (have < win) {
		size_t want = win - have < READ_CHUNK ? win - have : READ_CHUNK;
		char *chunk = b + win - have - want;
		int r = pread_all(fd, chunk, want, (off_t)(size - have - want));
		if (r < 0)
			return r;
		bool first = have == 0;
		have += want;
		if (first && b[win - 1] != '\n')
			return KW_E_PARSE;
		const char *nl = memrchr(chunk, '\n', want - (first ? 1 : 0));
		if (nl) {
			*line = nl + 1;
			*len = (size_t)(b + win - 1 - *line);
			return 0;
		}
	}
	if (have < size)
		return KW_E_TOOBIG;
	*line = b; /* the whole file is one line */
	*len = win - 1;
	return 0;
}

/* Under the lock: check the log's tail against the head file and say what the next line's
 * seq and prev are. A log without lines and without a head gets a head of 0 lines first. */
static int chain_tail(int fd, uint64_t size, const char *hp, EVP_MD_CTX *md, uint64_t *seq,
		      char *prev, char *err, size_t errlen)
{
	_cleanup_free_ char *ht = NULL;
	size_t hl = 0;
	int r = head_read(hp, &ht, &hl);
	if (r < 0 && r != -ENOENT) {
		kw_errf(err, errlen, "cannot read the head file %s: %s", hp, kw_strerror(r));
		return r;
	}
	head h;
	char why[200];
	if (r == 0 && head_parse(ht, hl, &h, why, sizeof why) < 0) {
		kw_errf(err, errlen, "%s: %s: refused", hp, why);
		return KW_E_REFUSED;
	}
	bool have = r == 0;
	if (size == 0) {
		if (have && (h.lines != 0 || h.bytes != 0)) {
			kw_errf(err, errlen, "the log is empty but its head file records %" PRIu64
				" lines: refused", h.lines);
			return KW_E_REFUSED;
		}
		*seq = 1;
		zero_hash(prev);
		if (have)
			return 0;
		h = (head){ 0 };
		zero_hash(h.hash);
		r = head_write(hp, &h);
		if (r < 0)
			kw_errf(err, errlen, "cannot write the head file %s: %s", hp, kw_strerror(r));
		return r;
	}
	if (!have) {
		kw_errf(err, errlen, "the log has lines but no head file %s (deleted?): refused", hp);
		return KW_E_REFUSED;
	}
	_cleanup_free_ char *buf = NULL;
	const char *line = NULL;
	size_t ln = 0;
	r = read_last_line(fd, size, &buf, &line, &ln);
	if (r == KW_E_PARSE || r == KW_E_TOOBIG) {
		kw_errf(err, errlen, "the log %s: refused", r == KW_E_PARSE ?
			"ends inside a line (cut, or an interrupted write)" : "has a last line too long");
		return KW_E_REFUSED;
	}
	if (r < 0)
		return r;
	line_info li;
	int c = line_check(md, line, ln, &li, why, sizeof why);
	if (c < 0)
		return c;
	if (c != KW_AUDIT_OK || !li.hash_ok) {
		kw_errf(err, errlen, "the log's last line does not verify (%s): refused",
			c != KW_AUDIT_OK ? why : "its hash does not recompute");
		return KW_E_REFUSED;
	}
	r = line_hash(md, line, ln, prev);
	if (r < 0)
		return r;
	uint64_t start = size - ln - 1;
	bool at_head = li.seq == h.lines && size == h.bytes && strcmp(prev, h.hash) == 0;
	bool one_past = li.seq == h.lines + 1 && start == h.bytes && strcmp(li.prev, h.hash) == 0;
	if (!at_head && !one_past) {
		kw_errf(err, errlen, "the log ends at seq %" PRIu64 " (%" PRIu64 " bytes) but its head "
			"file records %" PRIu64 " lines (%" PRIu64 " bytes): truncated or edited; refused",
			li.seq, size, h.lines, h.bytes);
		return KW_E_REFUSED;
	}
	if (li.seq >= INT64_MAX) {
		kw_errf(err, errlen, "the log is full");
		return KW_E_TOOBIG;
	}
	*seq = li.seq + 1;
	return 0;
}

static bool entry_ok(const kw_audit_entry *e)
{
	if ((unsigned)e->action >= KW_AUDIT_ACTION_COUNT || (e->detail && !json_is_object(e->detail)) ||
	    (e->n_fingerprints && !e->fingerprints))
		return false;
	for (size_t i = 0; i < e->n_fingerprints; i++)
		if (!e->fingerprints[i])
			return false;
	return true;
}

int kw_audit_append(const char *log_path, const kw_audit_entry *e, char *err, size_t errlen)
{
	if (!log_path || !*log_path || !e || !entry_ok(e)) {
		kw_errf(err, errlen, "bad audit entry");
		return -EINVAL;
	}
	kw_audit_actor me;
	const kw_audit_actor *actor = e->actor;
	if (!actor) {
		kw_audit_actor_current(&me);
		actor = &me;
	}
	char host[256] = "";
	if (!e->host && gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	char tbuf[32];
	int r = format_time(e->time ? e->time : time(NULL), tbuf, sizeof tbuf);
	if (r < 0) {
		kw_errf(err, errlen, "the time is outside years 1000 to 9999");
		return r;
	}
	_cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
	_cleanup_free_ char *hp = head_path_of(log_path);
	if (!md || !hp)
		return -ENOMEM;
	r = kw_mkdir_parents(log_path, 0700);
	if (r < 0) {
		kw_errf(err, errlen, "cannot create the folder of %s: %s", log_path, kw_strerror(r));
		return r;
	}
	_cleanup_close_ int fd = -1;
	struct stat st = { 0 };
	r = open_locked(log_path, &fd, &st, err, errlen);
	if (r < 0)
		return r;
	uint64_t size = (uint64_t)st.st_size;
	char prev[HEX + 1];
	line_in in = { .e = e, .actor = actor, .host = e->host ? e->host : host, .time = tbuf,
		       .prev = prev };
	r = chain_tail(fd, size, hp, md, &in.seq, prev, err, errlen);
	if (r < 0)
		return r;
	_cleanup_free_ char *line = NULL;
	size_t len = 0;
	r = build_line(&in, md, &line, &len);
	if (r < 0) {
		kw_errf(err, errlen, "cannot build the audit line: %s", kw_strerror(r));
		return r;
	}
	r = kw_fd_write_all(fd, line, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		if (ftruncate(fd, (off_t)size) == 0) /* take back our own partial line */
			(void)fsync(fd);
		kw_errf(err, errlen, "cannot write to %s: %s", log_path, kw_strerror(r));
		return r;
	}
	head h = { .lines = in.seq, .bytes = size + len };
	r = line_hash(md, line, len - 1, h.hash);
	if (r == 0)
		r = head_write(hp, &h);
	if (r < 0)
		kw_errf(err, errlen, "the line was written but the head file %s could not be "
			"updated (%s); the next append repairs it", hp, kw_strerror(r));
	return r;
}
