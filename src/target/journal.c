/* journal.c — the change journal (NNNNNN.data + NNNNNN.meta JSON, append-only, fsynced
 * before each change) and its undo. Owned by the target module; see journal.h.
 */
#include "target/journal.h"
#include "target/write.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_MAX ((size_t)16 << 20)

struct kw_journal {
	int dfd;
	char *dir;
	char *root;
	unsigned next;
};

static void kwj_json_decrefp(json_t **j) { if (*j) json_decref(*j); }
#define _cleanup_json_ _cleanup_(kwj_json_decrefp)

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

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
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

static int load_meta(int dfd, unsigned seq, json_t **ret)
{
	char name[32];
	snprintf(name, sizeof name, "%06u.meta", seq);
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_free_ uint8_t *b = NULL;
	size_t len;
	int r = read_fd_all(fd, META_MAX, &b, &len);
	if (r < 0)
		return r;
	json_t *j = json_loadb((const char *)b, len, 0, NULL);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return KW_E_PARSE;
	}
	*ret = j;
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

int kw_journal_open(const char *dir, const char *root, kw_journal **ret)
{
	if (!dir || !root || root[0] != '/' || !ret)
		return -EINVAL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	_cleanup_free_ unsigned *seqs = NULL;
	size_t n;
	int r = list_entries(dfd, &seqs, &n);
	if (r < 0)
		return r;
	if (n > 0) {
		_cleanup_json_ json_t *m = NULL;
		r = load_meta(dfd, seqs[n - 1], &m);
		if (r < 0)
			return r;
		const char *jr = json_string_value(json_object_get(m, "root"));
		if (!jr || strcmp(jr, root) != 0)
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

static char *hex(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

static int unhex(const char *s, uint8_t **ret, size_t *ret_len)
{
	size_t l = strlen(s);
	if (l % 2)
		return KW_E_PARSE;
	uint8_t *b = malloc(l / 2 + 1);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < l / 2; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (x < 0) {
				free(b);
				return KW_E_PARSE;
			}
			v = v * 16 + x;
		}
		b[i] = (uint8_t)v;
	}
	*ret = b;
	*ret_len = l / 2;
	return 0;
}

/* Copy the original bytes into NNNNNN.data; fsync. Returns the size copied. */
static int copy_data(int jdfd, const char *name, int fd, uint64_t *ret_size)
{
	_cleanup_close_ int out = openat(jdfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
					 O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	uint8_t buf[65536];
	uint64_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof buf, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += (uint64_t)n;
		if (off > KW_JOURNAL_MAX_DATA)
			return KW_E_TOOBIG;
		int r = write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	if (fsync(out) < 0)
		return -errno;
	*ret_size = off;
	return 0;
}

int kw_journal_record(kw_journal *j, const char *op, const char *path, int fd,
		      const struct stat *st, unsigned *ret_seq)
{
	if (!j || !op || !path || (fd >= 0 && !st))
		return -EINVAL;
	if (j->next > KW_JOURNAL_MAX_ENTRIES)
		return KW_E_TOOBIG;
	unsigned seq = j->next;
	char dname[32], mname[32], tname[40];
	snprintf(dname, sizeof dname, "%06u.data", seq);
	snprintf(mname, sizeof mname, "%06u.meta", seq);
	snprintf(tname, sizeof tname, ".%06u.meta.tmp", seq);

	_cleanup_json_ json_t *m = json_object();
	if (!m)
		return -ENOMEM;
	int r = 0;
	r |= json_object_set_new(m, "version", json_integer(1));
	r |= json_object_set_new(m, "root", json_string(j->root));
	r |= json_object_set_new(m, "seq", json_integer(seq));
	r |= json_object_set_new(m, "op", json_string(op));
	r |= json_object_set_new(m, "path", json_string(path));
	r |= json_object_set_new(m, "existed", json_boolean(fd >= 0));
	if (r)
		return -ENOMEM; /* json_string also fails on invalid UTF-8: see below */
	if (fd >= 0) {
		uint64_t size = 0;
		int rr = copy_data(j->dfd, dname, fd, &size);
		if (rr < 0) {
			unlinkat(j->dfd, dname, 0);
			return rr;
		}
		kw_xattrs x = { 0 };
		rr = kw_xattrs_read(fd, &x);
		if (rr < 0) {
			unlinkat(j->dfd, dname, 0);
			return rr;
		}
		json_t *xa = json_array();
		r |= json_object_set_new(m, "uid", json_integer(st->st_uid));
		r |= json_object_set_new(m, "gid", json_integer(st->st_gid));
		r |= json_object_set_new(m, "mode", json_integer(st->st_mode & 07777));
		r |= json_object_set_new(m, "mtime_sec", json_integer(st->st_mtim.tv_sec));
		r |= json_object_set_new(m, "mtime_nsec", json_integer(st->st_mtim.tv_nsec));
		r |= json_object_set_new(m, "size", json_integer((json_int_t)size));
		for (size_t i = 0; xa && i < x.n; i++) {
			char *h = hex(x.values[i], x.lens[i]);
			json_t *e = json_object();
			if (!h || !e) {
				free(h);
				json_decref(e);
				r = -1;
				break;
			}
			r |= json_object_set_new(e, "name", json_string(x.names[i]));
			r |= json_object_set_new(e, "hex", json_string(h));
			free(h);
			r |= json_array_append_new(xa, e);
		}
		r |= json_object_set_new(m, "xattrs", xa);
		kw_xattrs_release(&x);
		if (r) {
			unlinkat(j->dfd, dname, 0);
			return -ENOMEM;
		}
	}
	_cleanup_free_ char *text = json_dumps(m, JSON_SORT_KEYS | JSON_INDENT(1));
	if (!text) {
		unlinkat(j->dfd, dname, 0);
		return -ENOMEM;
	}
	_cleanup_close_ int mfd = openat(j->dfd, tname, O_WRONLY | O_CREAT | O_TRUNC |
					 O_NOFOLLOW | O_CLOEXEC, 0600);
	if (mfd < 0)
		r = -errno;
	if (r == 0)
		r = write_all(mfd, text, strlen(text));
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
		unlinkat(j->dfd, dname, 0);
		return r;
	}
	j->next = seq + 1;
	if (ret_seq)
		*ret_seq = seq;
	return 0;
}

/* ---- undo ---- */

static int get_int(json_t *m, const char *k, json_int_t lo, json_int_t hi, json_int_t *ret)
{
	json_t *v = json_object_get(m, k);
	if (!json_is_integer(v))
		return KW_E_PARSE;
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return KW_E_PARSE;
	*ret = x;
	return 0;
}

static int load_xattrs(json_t *m, kw_xattrs *ret)
{
	json_t *a = json_object_get(m, "xattrs");
	if (!json_is_array(a))
		return KW_E_PARSE;
	size_t n = json_array_size(a);
	if (n > KW_XATTRS_MAX)
		return KW_E_TOOBIG;
	kw_xattrs x = { 0 };
	x.names = calloc(n + 1, sizeof *x.names);
	x.values = calloc(n + 1, sizeof *x.values);
	x.lens = calloc(n + 1, sizeof *x.lens);
	if (!x.names || !x.values || !x.lens) {
		kw_xattrs_release(&x);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		const char *nm = json_string_value(json_object_get(e, "name"));
		const char *h = json_string_value(json_object_get(e, "hex"));
		if (!nm || !h) {
			kw_xattrs_release(&x);
			return KW_E_PARSE;
		}
		int r = unhex(h, &x.values[i], &x.lens[i]);
		if (r < 0) {
			kw_xattrs_release(&x);
			return r;
		}
		x.names[i] = strdup(nm);
		x.n = i + 1;
		if (!x.names[i]) {
			kw_xattrs_release(&x);
			return -ENOMEM;
		}
	}
	*ret = x;
	return 0;
}

/* Is the file at fd already exactly as recorded? */
static bool same_as_recorded(int fd, const struct stat *st, const uint8_t *data, size_t len,
			     uid_t uid, gid_t gid, mode_t mode, const struct timespec *mt,
			     const kw_xattrs *x)
{
	if (st->st_uid != uid || st->st_gid != gid || (st->st_mode & 07777) != mode ||
	    st->st_mtim.tv_sec != mt->tv_sec || st->st_mtim.tv_nsec != mt->tv_nsec ||
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
	bool eq = kw_xattrs_equal(&cx, x);
	kw_xattrs_release(&cx);
	return eq;
}

static int undo_entry(int jdfd, unsigned seq, json_t *m, int rootfd, bool *ret_changed)
{
	*ret_changed = false;
	const char *path = json_string_value(json_object_get(m, "path"));
	json_t *ex = json_object_get(m, "existed");
	if (!path || !json_is_boolean(ex))
		return KW_E_PARSE;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	struct stat st;
	int cur = kw_write_check_name(dfd, name, &st);
	if (cur < 0 && cur != -ENOENT)
		return cur; /* something not ours is there now: leave it */
	if (!json_is_true(ex)) {
		if (cur == -ENOENT)
			return 0;
		if (unlinkat(dfd, name, 0) < 0)
			return -errno;
		if (fsync(dfd) < 0)
			return -errno;
		*ret_changed = true;
		return 0;
	}
	json_int_t uid, gid, mode, ms, mns, size;
	if ((r = get_int(m, "uid", 0, UINT32_MAX - 1, &uid)) < 0 ||
	    (r = get_int(m, "gid", 0, UINT32_MAX - 1, &gid)) < 0 ||
	    (r = get_int(m, "mode", 0, 07777, &mode)) < 0 ||
	    (r = get_int(m, "mtime_sec", INT64_MIN / 2, INT64_MAX / 2, &ms)) < 0 ||
	    (r = get_int(m, "mtime_nsec", 0, 999999999, &mns)) < 0 ||
	    (r = get_int(m, "size", 0, (json_int_t)KW_JOURNAL_MAX_DATA, &size)) < 0)
		return r;
	kw_xattrs x = { 0 };
	r = load_xattrs(m, &x);
	if (r < 0)
		return r;
	char dname[32];
	snprintf(dname, sizeof dname, "%06u.data", seq);
	_cleanup_free_ uint8_t *data = NULL;
	size_t len = 0;
	{
		_cleanup_close_ int fd = openat(jdfd, dname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = -errno;
		else
			r = read_fd_all(fd, KW_JOURNAL_MAX_DATA, &data, &len);
	}
	if (r == 0 && len != (size_t)size)
		r = KW_E_PARSE; /* the journal copy is damaged */
	struct timespec mt = { .tv_sec = (time_t)ms, .tv_nsec = (long)mns };
	if (r == 0 && cur == 0) {
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
						O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 && same_as_recorded(fd, &st, data, len, (uid_t)uid, (gid_t)gid,
						 (mode_t)mode, &mt, &x)) {
			kw_xattrs_release(&x);
			return 0; /* the change never happened */
		}
	}
	if (r == 0)
		r = kw_write_atomic(dfd, name, data, len, (uid_t)uid, (gid_t)gid, (mode_t)mode,
				    &x, &mt);
	kw_xattrs_release(&x);
	if (r == 0)
		*ret_changed = true;
	return r;
}

int kw_journal_undo(const char *dir, unsigned *ret_restored)
{
	if (!dir)
		return -EINVAL;
	_cleanup_close_ int jdfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (jdfd < 0)
		return -errno;
	_cleanup_free_ unsigned *seqs = NULL;
	size_t n;
	int r = list_entries(jdfd, &seqs, &n);
	if (r < 0)
		return r;
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *root = NULL;
	int first_err = 0;
	unsigned restored = 0;
	for (size_t i = n; i-- > 0;) {
		_cleanup_json_ json_t *m = NULL;
		r = load_meta(jdfd, seqs[i], &m);
		if (r == 0) {
			const char *jr = json_string_value(json_object_get(m, "root"));
			json_int_t ver;
			if (!jr || jr[0] != '/' || get_int(m, "version", 1, 1, &ver) < 0)
				r = KW_E_PARSE;
			else if (root && strcmp(root, jr) != 0)
				r = KW_E_USAGE; /* one journal, one root */
			else if (!root) {
				root = strdup(jr);
				r = root ? kw_write_open_root(root, &rootfd) : -ENOMEM;
				if (r < 0)
					return r;
			}
		}
		bool changed = false;
		if (r == 0)
			r = undo_entry(jdfd, seqs[i], m, rootfd, &changed);
		if (r < 0 && first_err == 0)
			first_err = r;
		if (changed)
			restored++;
	}
	if (ret_restored)
		*ret_restored = restored;
	return first_err;
}
