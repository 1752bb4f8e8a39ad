/* journal.c — the change journal (NNNNNN.data + NNNNNN.meta JSON, append-only, fsynced
 * before each change), the validating .meta parser, and undo. Owned by the target
 * module; see journal.h.
 *
 * Undo runs newest first, so in a removed tree a folder is recreated before its
 * children. Folder mtimes move with every entry put back, so they are fixed in a last
 * pass: each folder touched (a parent of an entry, or a recreated folder) gets the value
 * of the oldest entry that recorded it, i.e. its mtime before the first change.
 */
#include "target/journal.h"
#include "target/write.h"
#include "target/resolve.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/file.h"
#include "base/vec.h"
#include "base/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define LINK_MAX_LEN 4095 /* PATH_MAX - 1: the longest symlink text Linux stores */

struct kw_journal {
	int dfd;
	char *dir;
	char *root;
	unsigned next;
};

static void kwj_json_decrefp(json_t **j) { if (*j) json_decref(*j); }
#define _cleanup_json_ _cleanup_(kwj_json_decrefp)

static const char *const type_names[] = {
	[KW_JT_REG] = "reg", [KW_JT_DIR] = "dir", [KW_JT_LNK] = "lnk", [KW_JT_FIFO] = "fifo",
	[KW_JT_SOCK] = "sock", [KW_JT_CHR] = "chr", [KW_JT_BLK] = "blk",
};

/* ---- small I/O helpers ---- */

static int read_fd_all(int fd, uint64_t max, uint8_t **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	uint8_t *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				free(b);
				return KW_E_TOOBIG;
			}
			size_t nc = cap * 2 > max ? (size_t)max : cap * 2;
			uint8_t *nb = realloc(b, nc + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = nc;
		}
		ssize_t n = pread(fd, b + len, cap - len, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(b);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	b[len] = 0;
	*ret = b;
	*ret_len = len;
	return 0;
}

/* Open a file of the (untrusted) journal folder: never follow, never block on a FIFO,
 * regular files only. */
static int open_journal_file(int jdfd, const char *name, int *ret_fd)
{
	int fd = kw_open_regular_at(jdfd, name, true, NULL);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static int meta_seq(const char *name, unsigned *ret)
{
	/* "NNNNNN.meta" exactly */
	if (strlen(name) != 11 || strcmp(name + 6, ".meta") != 0)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 6; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	if (v == 0)
		return -1;
	*ret = v;
	return 0;
}

/* Sorted sequence numbers of all complete entries. */
static int list_entries(int dfd, unsigned **ret, size_t *ret_n)
{
	int fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd2 < 0)
		return -errno;
	DIR *d = fdopendir(fd2);
	if (!d) {
		close(fd2);
		return -errno;
	}
	rewinddir(d);
	unsigned *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		unsigned s;
		if (meta_seq(e->d_name, &s) < 0)
			continue;
		if (n == cap) {
			if (cap >= KW_JOURNAL_MAX_ENTRIES) {
				r = KW_E_TOOBIG;
				break;
			}
			cap = cap ? cap * 2 : 16;
			unsigned *nv = realloc(v, cap * sizeof *v);
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = s;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: journals are small */
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			unsigned t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

static char *hex(const uint8_t *p, size_t n)
{
	char *s = malloc(n * 2 + 1);
	if (s)
		kw_hex_lower(p, n, s);
	return s;
}

/* Lower-case hex s[0..l) -> bytes (NUL-terminated for convenience). */
static int unhex(const char *s, size_t l, size_t max, uint8_t **ret, size_t *ret_len)
{
	if (l % 2)
		return KW_E_PARSE;
	if (l / 2 > max)
		return KW_E_TOOBIG;
	uint8_t *b = malloc(l / 2 + 1);
	if (!b)
		return -ENOMEM;
	if (kw_hex_decode(s, l / 2, false, b) < 0) {
		free(b);
		return KW_E_PARSE;
	}
	b[l / 2] = 0;
	*ret = b;
	*ret_len = l / 2;
	return 0;
}

/* ---- validation ---- */

/* Absolute, canonical: "/a/b", no empty, "." or ".." component, no trailing slash. */
static bool path_ok(const char *p, size_t len)
{
	if (len < 2 || len >= KW_PATH_MAX || p[0] != '/' || p[len - 1] == '/' ||
	    memchr(p, 0, len))
		return false;
	for (size_t i = 1; i < len;) {
		size_t e = i;
		while (e < len && p[e] != '/')
			e++;
		size_t l = e - i;
		if (l == 0 || l > NAME_MAX || (l == 1 && p[i] == '.') ||
		    (l == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = e + 1;
	}
	return true;
}

static bool root_ok(const char *p, size_t len)
{
	return (len == 1 && p[0] == '/') || path_ok(p, len);
}

static bool op_ok(const char *s, size_t l)
{
	if (l < 1 || l > 32)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return false;
	return true;
}

/* The temp name write.c makes: ".NAME.kw.<16 lower-case hex>", one component. */
static bool tmp_ok(const char *s, size_t l)
{
	if (l < 1 + 4 + 16 || l > NAME_MAX || s[0] != '.' || memchr(s, '/', l) ||
	    memchr(s, 0, l) || memcmp(s + l - 20, ".kw.", 4) != 0)
		return false;
	for (size_t i = l - 16; i < l; i++)
		if (kw_hex_digit((unsigned char)s[i], false) < 0)
			return false;
	return true;
}

/* ---- .meta parsing ---- */

static int get_int(json_t *o, const char *k, json_int_t lo, json_int_t hi, json_int_t *ret)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		return KW_E_PARSE;
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return KW_E_PARSE;
	*ret = x;
	return 0;
}

/* Text stored as "key" (UTF-8) or "key_hex" (anything else), exactly one of them.
 * *ret is NUL-terminated and holds no NUL. Absent and !required: *ret NULL. */
static int get_text(json_t *o, const char *key, bool required, size_t max, char **ret,
		    size_t *ret_len)
{
	char hk[32];
	snprintf(hk, sizeof hk, "%s_hex", key);
	json_t *s = json_object_get(o, key), *h = json_object_get(o, hk);
	*ret = NULL;
	*ret_len = 0;
	if (s && h)
		return KW_E_PARSE;
	if (!s && !h)
		return required ? KW_E_PARSE : 0;
	uint8_t *b = NULL;
	size_t l = 0;
	if (s) {
		if (!json_is_string(s))
			return KW_E_PARSE;
		l = json_string_length(s);
		if (l > max)
			return KW_E_TOOBIG;
		b = malloc(l + 1);
		if (!b)
			return -ENOMEM;
		memcpy(b, json_string_value(s), l);
		b[l] = 0;
	} else {
		if (!json_is_string(h))
			return KW_E_PARSE;
		int r = unhex(json_string_value(h), json_string_length(h), max, &b, &l);
		if (r < 0)
			return r;
	}
	if (memchr(b, 0, l)) {
		free(b);
		return KW_E_PARSE;
	}
	*ret = (char *)b;
	*ret_len = l;
	return 0;
}

static int get_time(json_t *o, const char *sk, const char *nk, struct timespec *ret)
{
	json_int_t s, ns;
	int r;
	if ((r = get_int(o, sk, INT64_MIN / 2, INT64_MAX / 2, &s)) < 0 ||
	    (r = get_int(o, nk, 0, 999999999, &ns)) < 0)
		return r;
	ret->tv_sec = (time_t)s;
	ret->tv_nsec = (long)ns;
	return 0;
}

static int get_xattrs(json_t *o, kw_xattrs *ret)
{
	json_t *a = json_object_get(o, "xattrs");
	if (!json_is_array(a))
		return KW_E_PARSE;
	size_t n = json_array_size(a);
	if (n > KW_XATTRS_MAX)
		return KW_E_TOOBIG;
	kw_xattrs x = { 0 };
	x.names = calloc(n + 1, sizeof *x.names);
	x.values = calloc(n + 1, sizeof *x.values);
	x.lens = calloc(n + 1, sizeof *x.lens);
	int r = 0;
	if (!x.names || !x.values || !x.lens)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *e = json_array_get(a, i);
		json_t *h = json_object_get(e, "hex");
		char *nm = NULL;
		size_t nl = 0;
		if (!json_is_object(e) || !json_is_string(h)) {
			r = KW_E_PARSE;
			break;
		}
		r = get_text(e, "name", true, XATTR_NAME_MAX, &nm, &nl);
		if (r == 0 && nl == 0)
			r = KW_E_PARSE;
		for (size_t k = 0; r == 0 && k < i; k++)
			if (strcmp(x.names[k], nm) == 0)
				r = KW_E_PARSE; /* one value per name */
		if (r == 0)
			r = unhex(json_string_value(h), json_string_length(h), KW_XATTR_VALUE_MAX,
				  &x.values[i], &x.lens[i]);
		if (r < 0) {
			free(nm);
			break;
		}
		x.names[i] = nm;
		x.n = i + 1;
	}
	if (r < 0) {
		kw_xattrs_release(&x);
		return r;
	}
	*ret = x;
	return 0;
}

static int parse_obj(json_t *o, kw_journal_meta *m)
{
	json_int_t v;
	size_t l;
	int r;
	if ((r = get_int(o, "version", 1, KW_JOURNAL_VERSION, &v)) < 0)
		return r;
	m->version = (unsigned)v;
	if ((r = get_text(o, "root", true, KW_PATH_MAX - 1, &m->root, &l)) < 0)
		return r;
	if (!root_ok(m->root, l))
		return KW_E_PARSE;
	if ((r = get_int(o, "seq", 1, KW_JOURNAL_MAX_ENTRIES, &v)) < 0)
		return r;
	m->seq = (unsigned)v;
	json_t *op = json_object_get(o, "op");
	if (!json_is_string(op) || !op_ok(json_string_value(op), json_string_length(op)))
		return KW_E_PARSE;
	memcpy(m->op, json_string_value(op), json_string_length(op) + 1);
	if ((r = get_text(o, "path", true, KW_PATH_MAX - 1, &m->path, &l)) < 0)
		return r;
	if (!path_ok(m->path, l))
		return KW_E_PARSE;
	json_t *ex = json_object_get(o, "existed");
	if (!json_is_boolean(ex))
		return KW_E_PARSE;
	m->existed = json_is_true(ex);
	json_t *ps = json_object_get(o, "parent_mtime_sec"), *pn = json_object_get(o, "parent_mtime_nsec");
	if (ps || pn) {
		if ((r = get_time(o, "parent_mtime_sec", "parent_mtime_nsec", &m->parent_mtime)) < 0)
			return r;
		m->has_parent_mtime = true;
	}
	if ((r = get_text(o, "tmp", false, NAME_MAX, &m->tmp, &l)) < 0)
		return r;
	if (m->tmp && !tmp_ok(m->tmp, l))
		return KW_E_PARSE;
	json_t *ty = json_object_get(o, "type");
	m->type = KW_JT_REG;
	if (ty) {
		const char *t = json_string_value(ty);
		size_t i = 0;
		while (t && i < KW_ARRAY_LEN(type_names) && strcmp(t, type_names[i]) != 0)
			i++;
		if (!t || i == KW_ARRAY_LEN(type_names) || json_string_length(ty) != strlen(t))
			return KW_E_PARSE;
		m->type = (kw_jtype)i;
	}
	bool has_x = json_object_get(o, "xattrs") != NULL;
	bool has_size = json_object_get(o, "size") != NULL;
	bool has_t = json_object_get(o, "target") != NULL;
	bool has_rdev = json_object_get(o, "rdev") != NULL;
	if (!m->existed)
		/* only a replace creates: a regular file, nothing recorded about it */
		return m->type == KW_JT_REG && !has_x && !has_size && !has_t && !has_rdev ? 0
										    : KW_E_PARSE;
	if (m->tmp && m->type != KW_JT_REG)
		return KW_E_PARSE;
	if ((r = get_int(o, "uid", 0, (json_int_t)UINT32_MAX - 1, &v)) < 0)
		return r;
	m->uid = (uint32_t)v;
	if ((r = get_int(o, "gid", 0, (json_int_t)UINT32_MAX - 1, &v)) < 0)
		return r;
	m->gid = (uint32_t)v;
	if ((r = get_int(o, "mode", 0, 07777, &v)) < 0)
		return r;
	m->mode = (uint32_t)v;
	if ((r = get_time(o, "mtime_sec", "mtime_nsec", &m->mtime)) < 0)
		return r;
	bool want_x = m->type == KW_JT_REG || m->type == KW_JT_DIR;
	bool want_rdev = m->type == KW_JT_CHR || m->type == KW_JT_BLK;
	if (has_x != want_x || has_size != (m->type == KW_JT_REG) ||
	    has_t != (m->type == KW_JT_LNK) || has_rdev != want_rdev)
		return KW_E_PARSE;
	if (m->type == KW_JT_REG) {
		if ((r = get_int(o, "size", 0, (json_int_t)KW_JOURNAL_MAX_DATA, &v)) < 0)
			return r;
		m->size = (uint64_t)v;
	}
	if (want_x && (r = get_xattrs(o, &m->xattrs)) < 0)
		return r;
	if (m->type == KW_JT_LNK) {
		json_t *t = json_object_get(o, "target");
		uint8_t *b = NULL;
		if (!json_is_string(t))
			return KW_E_PARSE;
		r = unhex(json_string_value(t), json_string_length(t), LINK_MAX_LEN, &b, &l);
		if (r < 0)
			return r;
		m->target = (char *)b;
		m->target_len = l;
		if (l == 0 || memchr(b, 0, l))
			return KW_E_PARSE;
	}
	if (want_rdev) {
		if ((r = get_int(o, "rdev", 0, INT64_MAX, &v)) < 0)
			return r;
		m->rdev = (uint64_t)v;
	}
	return 0;
}

int kw_journal_meta_parse(const char *text, size_t len, kw_journal_meta *ret)
{
	if (!ret || (!text && len))
		return -EINVAL;
	*ret = (kw_journal_meta){ 0 };
	if (len > KW_JOURNAL_META_MAX)
		return KW_E_TOOBIG;
	json_error_t err;
	_cleanup_json_ json_t *o = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		return json_error_code(&err) == json_error_out_of_memory ? -ENOMEM : KW_E_PARSE;
	if (!json_is_object(o))
		return KW_E_PARSE;
	kw_journal_meta m = { 0 };
	int r = parse_obj(o, &m);
	if (r < 0) {
		kw_journal_meta_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void kw_journal_meta_release(kw_journal_meta *m)
{
	if (!m)
		return;
	free(m->root);
	free(m->path);
	free(m->target);
	free(m->tmp);
	kw_xattrs_release(&m->xattrs);
	*m = (kw_journal_meta){ 0 };
}

/* ---- .meta formatting ---- */

/* "key": s as a JSON string when it is UTF-8, else "key_hex". 0 or -1. */
static int set_text(json_t *o, const char *key, const char *s)
{
	size_t l = strlen(s);
	json_t *v = json_stringn(s, l);
	if (v)
		return json_object_set_new(o, key, v);
	char hk[32];
	snprintf(hk, sizeof hk, "%s_hex", key);
	char *h = hex((const uint8_t *)s, l);
	if (!h)
		return -1;
	int r = json_object_set_new(o, hk, json_string(h));
	free(h);
	return r;
}

static int set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char *h = hex(p, n);
	if (!h)
		return -1;
	int r = json_object_set_new(o, key, json_string(h));
	free(h);
	return r;
}

int kw_journal_meta_format(const kw_journal_meta *m, char **ret_text)
{
	if (!m || !ret_text || !m->root || !m->path)
		return -EINVAL;
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = 0;
	r |= json_object_set_new(o, "version", json_integer(m->version));
	r |= set_text(o, "root", m->root);
	r |= json_object_set_new(o, "seq", json_integer(m->seq));
	r |= json_object_set_new(o, "op", json_string(m->op));
	r |= set_text(o, "path", m->path);
	r |= json_object_set_new(o, "existed", json_boolean(m->existed));
	if (m->has_parent_mtime) {
		r |= json_object_set_new(o, "parent_mtime_sec", json_integer(m->parent_mtime.tv_sec));
		r |= json_object_set_new(o, "parent_mtime_nsec", json_integer(m->parent_mtime.tv_nsec));
	}
	if (m->tmp)
		r |= set_text(o, "tmp", m->tmp);
	if (m->existed) {
		if ((unsigned)m->type >= KW_ARRAY_LEN(type_names))
			return -EINVAL;
		r |= json_object_set_new(o, "type", json_string(type_names[m->type]));
		r |= json_object_set_new(o, "uid", json_integer(m->uid));
		r |= json_object_set_new(o, "gid", json_integer(m->gid));
		r |= json_object_set_new(o, "mode", json_integer(m->mode & 07777));
		r |= json_object_set_new(o, "mtime_sec", json_integer(m->mtime.tv_sec));
		r |= json_object_set_new(o, "mtime_nsec", json_integer(m->mtime.tv_nsec));
		if (m->type == KW_JT_REG)
			r |= json_object_set_new(o, "size", json_integer((json_int_t)m->size));
		if (m->type == KW_JT_REG || m->type == KW_JT_DIR) {
			json_t *xa = json_array();
			for (size_t i = 0; xa && i < m->xattrs.n; i++) {
				json_t *e = json_object();
				if (!e) {
					r = -1;
					break;
				}
				r |= set_text(e, "name", m->xattrs.names[i]);
				r |= set_hex(e, "hex", m->xattrs.values[i], m->xattrs.lens[i]);
				r |= json_array_append_new(xa, e);
			}
			r |= json_object_set_new(o, "xattrs", xa);
		}
		if (m->type == KW_JT_LNK)
			r |= set_hex(o, "target", (const uint8_t *)m->target, m->target_len);
		if (m->type == KW_JT_CHR || m->type == KW_JT_BLK)
			r |= json_object_set_new(o, "rdev", json_integer((json_int_t)m->rdev));
	}
	if (r)
		return -ENOMEM;
	char *text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(1));
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}

/* Read and parse NNNNNN.meta of the journal folder; its seq must match the name. */
static int load_meta(int dfd, unsigned seq, kw_journal_meta *ret)
{
	char name[32];
	snprintf(name, sizeof name, "%06u.meta", seq);
	_cleanup_close_ int fd = -1;
	int r = open_journal_file(dfd, name, &fd);
	if (r < 0)
		return r;
	_cleanup_free_ uint8_t *b = NULL;
	size_t len;
	r = read_fd_all(fd, KW_JOURNAL_META_MAX, &b, &len);
	if (r < 0)
		return r;
	r = kw_journal_meta_parse((const char *)b, len, ret);
	if (r == 0 && ret->seq != seq) {
		kw_journal_meta_release(ret);
		return KW_E_PARSE;
	}
	return r;
}

/* ---- writing entries ---- */

/* Open a journal folder (never through a symlink) into *ret_dfd and list its complete
 * entries. *ret_dfd is -1 when the open failed; it is set even when the listing fails. */
static int open_listed(const char *dir, int *ret_dfd, unsigned **seqs, size_t *n)
{
	*n = 0;
	*ret_dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*ret_dfd < 0)
		return -errno;
	return list_entries(*ret_dfd, seqs, n);
}

int kw_journal_open(const char *dir, const char *root, kw_journal **ret)
{
	if (!dir || !root || !root_ok(root, strlen(root)) || !ret)
		return -EINVAL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ unsigned *seqs = NULL;
	size_t n;
	int r = open_listed(dir, &dfd, &seqs, &n);
	if (r < 0)
		return r;
	if (n > 0) {
		kw_journal_meta m;
		r = load_meta(dfd, seqs[n - 1], &m);
		if (r < 0)
			return r;
		bool same = strcmp(m.root, root) == 0;
		kw_journal_meta_release(&m);
		if (!same)
			return KW_E_USAGE;
	}
	kw_journal *j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->dir = strdup(dir);
	j->root = strdup(root);
	if (!j->dir || !j->root) {
		free(j->dir);
		free(j->root);
		free(j);
		return -ENOMEM;
	}
	j->next = n ? seqs[n - 1] + 1 : 1;
	j->dfd = TAKE_FD(dfd);
	*ret = j;
	return 0;
}

void kw_journal_free(kw_journal *j)
{
	if (!j)
		return;
	if (j->dfd >= 0)
		close(j->dfd);
	free(j->dir);
	free(j->root);
	free(j);
}

const char *kw_journal_dir(const kw_journal *j) { return j ? j->dir : NULL; }

unsigned kw_journal_room(const kw_journal *j)
{
	if (!j || j->next > KW_JOURNAL_MAX_ENTRIES)
		return 0;
	return KW_JOURNAL_MAX_ENTRIES - j->next + 1;
}

typedef struct copy_ctx { int out; uint64_t size; } copy_ctx;

static int copy_chunk(void *vctx, const uint8_t *p, size_t n, uint64_t off)
{
	copy_ctx *c = vctx;
	if (off + n > KW_JOURNAL_MAX_DATA)
		return KW_E_TOOBIG;
	c->size = off + n;
	return kw_fd_write_all(c->out, p, n);
}

/* Copy the original bytes into NNNNNN.data; fsync. Returns the size copied. */
static int copy_data(int jdfd, const char *name, int fd, uint64_t *ret_size)
{
	_cleanup_close_ int out = openat(jdfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
					 O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	copy_ctx c = { out, 0 };
	int r = kw_fd_chunks(fd, copy_chunk, &c);
	if (r < 0)
		return r;
	if (fsync(out) < 0)
		return -errno;
	*ret_size = c.size;
	return 0;
}

static kw_jtype jtype_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return KW_JT_DIR;
	case S_IFLNK: return KW_JT_LNK;
	case S_IFIFO: return KW_JT_FIFO;
	case S_IFSOCK: return KW_JT_SOCK;
	case S_IFCHR: return KW_JT_CHR;
	case S_IFBLK: return KW_JT_BLK;
	default: return KW_JT_REG;
	}
}

/* Fill m (borrowing root, path, target and tmp; owning xattrs) and write .data. */
static int build_meta(kw_journal *j, const kw_journal_rec *e, unsigned seq, const char *dname,
		      kw_journal_meta *m, bool *ret_data)
{
	*ret_data = false;
	m->version = KW_JOURNAL_VERSION;
	m->root = j->root;
	m->seq = seq;
	memcpy(m->op, e->op, strlen(e->op) + 1);
	m->path = (char *)e->path;
	m->tmp = (char *)e->tmp;
	if (e->parent) {
		m->has_parent_mtime = true;
		m->parent_mtime = e->parent->st_mtim;
	}
	if (!e->st)
		return 0;
	const struct stat *st = e->st;
	m->existed = true;
	m->type = jtype_of(st->st_mode);
	if (m->type == KW_JT_REG && !S_ISREG(st->st_mode))
		return -EINVAL;
	if (st->st_uid == (uid_t)-1 || st->st_gid == (gid_t)-1)
		return -EINVAL;
	m->uid = st->st_uid;
	m->gid = st->st_gid;
	m->mode = st->st_mode & 07777;
	m->mtime = st->st_mtim;
	switch (m->type) {
	case KW_JT_REG: {
		if (e->fd < 0)
			return -EINVAL;
		int r = copy_data(j->dfd, dname, e->fd, &m->size);
		if (r < 0) {
			unlinkat(j->dfd, dname, 0);
			return r;
		}
		*ret_data = true;
		kw_write_step(); /* the original bytes are durable */
		return kw_xattrs_read(e->fd, &m->xattrs);
	}
	case KW_JT_DIR:
		if (e->fd < 0)
			return -EINVAL;
		return kw_xattrs_read(e->fd, &m->xattrs);
	case KW_JT_LNK:
		if (!e->target || e->target_len == 0 || e->target_len > LINK_MAX_LEN ||
		    memchr(e->target, 0, e->target_len))
			return -EINVAL;
		m->target = (char *)e->target;
		m->target_len = e->target_len;
		return 0;
	case KW_JT_CHR:
	case KW_JT_BLK:
		m->rdev = st->st_rdev;
		return m->rdev > INT64_MAX ? -EINVAL : 0;
	default:
		return 0;
	}
}

int kw_journal_add(kw_journal *j, const kw_journal_rec *e, unsigned *ret_seq)
{
	if (!j || !e || !e->op || !op_ok(e->op, strlen(e->op)) || !e->path ||
	    !path_ok(e->path, strlen(e->path)) || (e->tmp && !tmp_ok(e->tmp, strlen(e->tmp))))
		return -EINVAL;
	if (j->next > KW_JOURNAL_MAX_ENTRIES)
		return KW_E_TOOBIG;
	unsigned seq = j->next;
	char dname[32], mname[32], tname[40];
	snprintf(dname, sizeof dname, "%06u.data", seq);
	snprintf(mname, sizeof mname, "%06u.meta", seq);
	snprintf(tname, sizeof tname, ".%06u.meta.tmp", seq);

	kw_journal_meta m = { 0 };
	bool data = false;
	int r = build_meta(j, e, seq, dname, &m, &data);
	_cleanup_free_ char *text = NULL;
	if (r == 0)
		r = kw_journal_meta_format(&m, &text);
	kw_xattrs_release(&m.xattrs); /* the rest of m is borrowed */
	if (r < 0) {
		if (data)
			unlinkat(j->dfd, dname, 0);
		return r;
	}
	_cleanup_close_ int mfd = openat(j->dfd, tname, O_WRONLY | O_CREAT | O_TRUNC |
					 O_NOFOLLOW | O_CLOEXEC, 0600);
	if (mfd < 0)
		r = -errno;
	if (r == 0)
		r = kw_fd_write_all(mfd, text, strlen(text));
	if (r == 0 && fsync(mfd) < 0)
		r = -errno;
	/* link, not rename: never overwrite an existing entry */
	if (r == 0 && linkat(j->dfd, tname, j->dfd, mname, 0) < 0)
		r = -errno;
	unlinkat(j->dfd, tname, 0);
	if (r == 0 && fsync(j->dfd) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(j->dfd, mname, 0);
		if (data)
			unlinkat(j->dfd, dname, 0);
		return r;
	}
	j->next = seq + 1;
	if (ret_seq)
		*ret_seq = seq;
	kw_write_step(); /* the entry is complete */
	return 0;
}

int kw_journal_record(kw_journal *j, const char *op, const char *path, int fd,
		      const struct stat *st, unsigned *ret_seq)
{
	if ((fd >= 0) != (st != NULL) || (st && !S_ISREG(st->st_mode)))
		return -EINVAL;
	kw_journal_rec e = { .op = op, .path = path, .st = st, .fd = fd };
	return kw_journal_add(j, &e, ret_seq);
}

/* ---- undo ---- */

/* A folder whose mtime the last pass sets: found again through `path` (self: the folder
 * itself; else the parent of path), recognised by dev/ino. */
typedef struct mt_rec {
	dev_t dev;
	ino_t ino;
	unsigned seq;
	bool self;
	struct timespec mt;
	char *path;
} mt_rec;

typedef struct undo_ctx {
	int rootfd, jdfd;
	mt_rec *v;
	size_t n, cap;
} undo_ctx;

static int add_rec(undo_ctx *u, int fd, unsigned seq, const struct timespec *mt,
		   const char *path, bool self)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (u->n == u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 32;
		mt_rec *nv = realloc(u->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		u->v = nv;
		u->cap = nc;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	u->v[u->n++] = (mt_rec){ st.st_dev, st.st_ino, seq, self, *mt, p };
	return 0;
}

/* Forget the mtime records of a folder undo has removed. */
static void drop_recs(undo_ctx *u, dev_t dev, ino_t ino)
{
	size_t k = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].dev == dev && u->v[i].ino == ino)
			free(u->v[i].path);
		else
			u->v[k++] = u->v[i];
	}
	u->n = k;
}

static int cmp_rec(const void *a, const void *b)
{
	const mt_rec *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int reopen_rec(int rootfd, const mt_rec *c, int *ret_fd)
{
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(rootfd, c->path, &dfd, &name);
	if (r < 0)
		return r;
	if (!c->self) {
		*ret_fd = TAKE_FD(dfd);
		return 0;
	}
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* Give every recorded folder the mtime of its oldest record. */
static int fix_mtimes(undo_ctx *u)
{
	if (u->n > 1)
		qsort(u->v, u->n, sizeof *u->v, cmp_rec);
	int first = 0;
	for (size_t i = 0; i < u->n;) {
		size_t k = i;
		while (k < u->n && u->v[k].dev == u->v[i].dev && u->v[k].ino == u->v[i].ino)
			k++;
		int r = -ENOENT;
		for (size_t c = i; c < k && r < 0; c++) {
			_cleanup_close_ int fd = -1;
			struct stat st;
			if (reopen_rec(u->rootfd, &u->v[c], &fd) < 0 || fstat(fd, &st) < 0 ||
			    st.st_dev != u->v[i].dev || st.st_ino != u->v[i].ino)
				continue;
			struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, u->v[i].mt };
			if (st.st_mtim.tv_sec == ts[1].tv_sec && st.st_mtim.tv_nsec == ts[1].tv_nsec)
				r = 0; /* already right (and maybe immutable) */
			else
				r = futimens(fd, ts) < 0 || fsync(fd) < 0 ? -errno : 0;
		}
		if (r < 0 && first == 0)
			first = r;
		i = k;
	}
	return first;
}

/* Is the file at fd already exactly as recorded? */
static bool same_as_recorded(int fd, const struct stat *st, const uint8_t *data, size_t len,
			     const kw_journal_meta *m)
{
	if (st->st_uid != m->uid || st->st_gid != m->gid || (st->st_mode & 07777) != m->mode ||
	    st->st_mtim.tv_sec != m->mtime.tv_sec || st->st_mtim.tv_nsec != m->mtime.tv_nsec ||
	    (uint64_t)st->st_size != len)
		return false;
	_cleanup_free_ uint8_t *cur = NULL;
	size_t cl;
	if (read_fd_all(fd, (uint64_t)len + 1, &cur, &cl) < 0 || cl != len ||
	    memcmp(cur, data, len) != 0)
		return false;
	kw_xattrs cx = { 0 };
	if (kw_xattrs_read(fd, &cx) < 0)
		return false;
	bool eq = kw_xattrs_equal(&cx, &m->xattrs);
	kw_xattrs_release(&cx);
	return eq;
}

/* A file the change created: remove it if it is still a regular file. */
static int undo_created(int dfd, const char *name, bool *changed)
{
	struct stat st;
	int cur = kw_write_check_name(dfd, name, &st);
	if (cur == -ENOENT)
		return 0;
	if (cur < 0)
		return cur; /* something else is there now: not ours to remove */
	if (unlinkat(dfd, name, 0) < 0)
		return -errno;
	*changed = true;
	kw_write_step();
	if (fsync(dfd) < 0)
		return -errno;
	kw_write_step();
	return 0;
}

/* A folder the change made (op "mkdir"): remove it if it is still an empty folder. What
 * was put in it since, and not journaled, is not ours: it stays, with the folder. */
static int undo_made_dir(undo_ctx *u, int dfd, const char *name, bool *changed)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno; /* never made, or already undone */
	if (!S_ISDIR(st.st_mode))
		return -EEXIST; /* something else is there now: leave it */
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return errno == EEXIST ? -ENOTEMPTY : -errno;
	drop_recs(u, st.st_dev, st.st_ino); /* gone: no mtime to put back */
	*changed = true;
	kw_write_step();
	if (fsync(dfd) < 0)
		return -errno;
	kw_write_step();
	return 0;
}

static int undo_reg(undo_ctx *u, const kw_journal_meta *m, int dfd, const char *name,
		    bool *changed)
{
	struct stat st;
	int cur = kw_write_check_name(dfd, name, &st);
	if (cur < 0 && cur != -ENOENT)
		return cur; /* something not ours is there now: leave it */
	char dname[32];
	snprintf(dname, sizeof dname, "%06u.data", m->seq);
	_cleanup_free_ uint8_t *data = NULL;
	size_t len = 0;
	{
		_cleanup_close_ int fd = -1;
		int r = open_journal_file(u->jdfd, dname, &fd);
		if (r == 0)
			r = read_fd_all(fd, m->size + 1, &data, &len);
		if (r == KW_E_TOOBIG || (r == 0 && len != m->size))
			return KW_E_PARSE; /* the journal copy is damaged */
		if (r < 0)
			return r;
	}
	if (cur == 0) {
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
						O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 && same_as_recorded(fd, &st, data, len, m))
			return 0; /* the change never happened */
	}
	/* through the journaled temp name (dropped above if a crash left it), so a killed
	 * undo leaves nothing a re-run does not find; version 1 entries have none */
	int r = m->tmp ? kw_write_atomic_named(dfd, name, m->tmp, data, len, m->uid, m->gid,
					       m->mode, &m->xattrs, &m->mtime)
		       : kw_write_atomic(dfd, name, data, len, m->uid, m->gid, m->mode,
					 &m->xattrs, &m->mtime);
	if (r == 0)
		*changed = true;
	return r;
}

/* Give the folder at fd the recorded owner, mode and xattrs where they differ (a folder
 * just made, or one a killed undo made and left half done). */
static int fix_dir(const kw_journal_meta *m, int fd, bool *changed)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	bool own = st.st_uid != m->uid || st.st_gid != m->gid;
	if (own) {
		if (fchown(fd, m->uid, m->gid) < 0)
			return -errno;
		*changed = true;
	}
	if (own || (st.st_mode & 07777) != m->mode) { /* chown may clear set-id bits */
		if (fchmod(fd, m->mode) < 0)
			return -errno;
		*changed = true;
	}
	kw_xattrs cur = { 0 };
	int r = kw_xattrs_read(fd, &cur);
	if (r < 0)
		return r;
	bool same = kw_xattrs_equal(&cur, &m->xattrs);
	kw_xattrs_release(&cur);
	if (!same) {
		if ((r = kw_xattrs_apply(fd, &m->xattrs)) < 0)
			return r;
		*changed = true;
	}
	return 0;
}

static int undo_dir(undo_ctx *u, const kw_journal_meta *m, int dfd, const char *name,
		    bool *changed)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			return -EEXIST; /* something else is there now: leave it */
	} else if (errno != ENOENT) {
		return -errno;
	} else {
		if (mkdirat(dfd, name, 0700) < 0)
			return -errno;
		*changed = true;
		kw_write_step(); /* folder made, not yet owned */
	}
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	bool fixed = false;
	int r = fix_dir(m, fd, &fixed);
	if (r == 0 && (fixed || *changed)) {
		*changed = true;
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, m->mtime };
		if (futimens(fd, ts) < 0 || fsync(fd) < 0 || fsync(dfd) < 0)
			r = -errno;
		else
			kw_write_step(); /* folder complete (its mtime again in the last pass) */
	}
	if (r == 0) /* never removed, or recreated: its mtime in the last pass */
		r = add_rec(u, fd, m->seq, &m->mtime, m->path, true);
	return r;
}

/* Owner, mode (not for links) and mtime of a symlink or node where they differ; never
 * followed. */
static int fix_node(const kw_journal_meta *m, int dfd, const char *name, bool mode,
		    bool *changed)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	bool own = st.st_uid != m->uid || st.st_gid != m->gid;
	bool md = mode && (own || (st.st_mode & 07777) != m->mode);
	bool mt = own || md || st.st_mtim.tv_sec != m->mtime.tv_sec ||
		  st.st_mtim.tv_nsec != m->mtime.tv_nsec;
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, m->mtime };
	if (own && fchownat(dfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (md && fchmodat(dfd, name, m->mode, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (mt && utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!own && !md && !mt)
		return 0;
	*changed = true;
	if (fsync(dfd) < 0)
		return -errno;
	kw_write_step(); /* owner, mode, mtime */
	return 0;
}

static int undo_lnk(const kw_journal_meta *m, int dfd, const char *name, bool *changed)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		char buf[LINK_MAX_LEN + 1];
		ssize_t l = S_ISLNK(st.st_mode) ? readlinkat(dfd, name, buf, sizeof buf) : -1;
		if (l < 0 || (size_t)l != m->target_len || memcmp(buf, m->target, m->target_len) != 0)
			return -EEXIST; /* something else is there now: leave it */
	} else if (errno != ENOENT) {
		return -errno;
	} else {
		if (symlinkat(m->target, dfd, name) < 0)
			return -errno;
		*changed = true;
		kw_write_step(); /* link made, not yet owned */
	}
	return fix_node(m, dfd, name, false, changed);
}

static int undo_node(const kw_journal_meta *m, int dfd, const char *name, bool *changed)
{
	mode_t fmt = m->type == KW_JT_FIFO ? S_IFIFO : m->type == KW_JT_SOCK ? S_IFSOCK
		   : m->type == KW_JT_CHR ? S_IFCHR : S_IFBLK;
	dev_t rdev = fmt == S_IFCHR || fmt == S_IFBLK ? (dev_t)m->rdev : 0;
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((st.st_mode & S_IFMT) != fmt || (rdev != 0 && st.st_rdev != rdev))
			return -EEXIST; /* something else is there now: leave it */
	} else if (errno != ENOENT) {
		return -errno;
	} else {
		if (mknodat(dfd, name, fmt | 0600, rdev) < 0)
			return -errno;
		*changed = true;
		kw_write_step(); /* node made, not yet owned */
	}
	return fix_node(m, dfd, name, true, changed);
}

/* A temp file of a replace that a crash left behind (its random name was journaled). */
static int drop_tmp(int dfd, const char *tmp, bool *changed)
{
	struct stat st;
	if (fstatat(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return 0;
	if (unlinkat(dfd, tmp, 0) < 0 || fsync(dfd) < 0)
		return -errno;
	*changed = true;
	kw_write_step();
	return 0;
}

static int undo_entry(undo_ctx *u, const kw_journal_meta *m, bool *changed)
{
	*changed = false;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(u->rootfd, m->path, &dfd, &name);
	if (r < 0)
		return r;
	if (m->has_parent_mtime && (r = add_rec(u, dfd, m->seq, &m->parent_mtime, m->path, false)) < 0)
		return r;
	if (m->tmp && (r = drop_tmp(dfd, m->tmp, changed)) < 0)
		return r;
	if (!m->existed && !strcmp(m->op, "mkdir"))
		return undo_made_dir(u, dfd, name, changed);
	if (!m->existed)
		return undo_created(dfd, name, changed);
	switch (m->type) {
	case KW_JT_REG: return undo_reg(u, m, dfd, name, changed);
	case KW_JT_DIR: return undo_dir(u, m, dfd, name, changed);
	case KW_JT_LNK: return undo_lnk(m, dfd, name, changed);
	default: return undo_node(m, dfd, name, changed);
	}
}

/* The "mkdir" entries of the journal (seq, path), read once, when first needed. */
typedef struct made_dir {
	unsigned seq;
	char *path;
} made_dir;

typedef struct made_dirs {
	bool loaded;
	made_dir *v;
	size_t n, cap;
} made_dirs;

static int load_made_dirs(int jdfd, const unsigned *seqs, size_t n, made_dirs *md)
{
	md->loaded = true;
	for (size_t k = 0; k < n; k++) {
		kw_journal_meta m;
		if (load_meta(jdfd, seqs[k], &m) < 0)
			continue;
		if (!m.existed && !strcmp(m.op, "mkdir")) {
			made_dir *slot = KW_VEC_PUSH(md->v, md->n, md->cap);
			if (!slot) {
				kw_journal_meta_release(&m);
				return -ENOMEM;
			}
			*slot = (made_dir){ m.seq, TAKE_PTR(m.path) };
		}
		kw_journal_meta_release(&m);
	}
	return 0;
}

/* Is path inside a folder that an entry older than `seq` made ("mkdir")? Then an entry
 * about path whose folder is missing is already undone: undoing down to that older entry
 * removes the folder anyway (after a first undo, a re-run finds it gone). */
static bool under_older_mkdir(int jdfd, const unsigned *seqs, size_t n, made_dirs *md,
			      unsigned seq, const char *path)
{
	if (!md->loaded && load_made_dirs(jdfd, seqs, n, md) < 0)
		return false;
	for (size_t k = 0; k < md->n; k++) {
		size_t l = strlen(md->v[k].path);
		if (md->v[k].seq < seq && !strncmp(path, md->v[k].path, l) && path[l] == '/')
			return true;
	}
	return false;
}

int kw_journal_undo(const char *dir, unsigned *ret_restored)
{
	if (!dir)
		return -EINVAL;
	undo_ctx u = { .rootfd = -1, .jdfd = -1 };
	_cleanup_free_ unsigned *seqs = NULL;
	size_t n = 0;
	int r = open_listed(dir, &u.jdfd, &seqs, &n);
	if (u.jdfd < 0)
		return r;
	_cleanup_free_ char *root = NULL;
	int first_err = r;
	unsigned restored = 0;
	made_dirs made = { 0 };
	for (size_t i = n; r == 0 && i-- > 0;) {
		kw_journal_meta m;
		int er = load_meta(u.jdfd, seqs[i], &m);
		if (er == 0) {
			if (root && strcmp(root, m.root) != 0)
				er = KW_E_USAGE; /* one journal, one root */
			else if (!root) {
				root = strdup(m.root);
				er = root ? kw_write_open_root(root, &u.rootfd) : -ENOMEM;
				if (er < 0)
					r = er; /* nothing can be undone without the root */
			}
			bool changed = false;
			if (er == 0)
				er = undo_entry(&u, &m, &changed);
			if (er == -ENOENT && under_older_mkdir(u.jdfd, seqs, n, &made, m.seq, m.path))
				er = 0;
			if (changed)
				restored++;
			kw_journal_meta_release(&m);
		}
		if (er < 0 && first_err == 0)
			first_err = er;
	}
	if (u.rootfd >= 0) {
		int fr = fix_mtimes(&u);
		if (fr < 0 && first_err == 0)
			first_err = fr;
	}
	for (size_t i = 0; i < u.n; i++)
		free(u.v[i].path);
	free(u.v);
	for (size_t i = 0; i < made.n; i++)
		free(made.v[i].path);
	free(made.v);
	if (u.rootfd >= 0)
		close(u.rootfd);
	close(u.jdfd);
	if (ret_restored)
		*ret_restored = restored;
	return first_err;
}

int kw_journal_root(const char *dir, char **ret_root)
{
	if (!dir || !ret_root)
		return -EINVAL;
	_cleanup_close_ int jdfd = -1;
	_cleanup_free_ unsigned *seqs = NULL;
	size_t n;
	int r = open_listed(dir, &jdfd, &seqs, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return -ENOENT;
	kw_journal_meta m;
	r = load_meta(jdfd, seqs[n - 1], &m);
	if (r < 0)
		return r;
	*ret_root = TAKE_PTR(m.root);
	kw_journal_meta_release(&m);
	return 0;
}
