/* write.c — the write side of a folder target: atomic replace and unlink inside an image
 * root, every change journaled first (journal.c). Owned by the target module.
 *
 * Sequence of a replace (research/image-hygiene.md 4.5): resolve the parent with openat2
 * RESOLVE_IN_ROOT into an fsync-able fd; lstat the name and refuse symlinks, hard links
 * and non-regular files; open the original with O_NOFOLLOW|O_NONBLOCK and check the fd is
 * the same inode; journal it; write a temp file with a random name in the same folder
 * (O_CREAT|O_EXCL|O_NOFOLLOW), fchown before fchmod, xattrs with security.capability
 * last, fsync, renameat, fsync the folder. Any error removes the temp file.
 */
#include "target/write.h"
#include "target/journal.h"
#include "target/resolve.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

struct kw_writer {
	int rootfd;
	char *root;
	kw_journal *journal;
};

static unsigned fail_next;
void kw_write_fail_next(unsigned n) { fail_next = n; }

/* ---- xattrs ---- */

void kw_xattrs_release(kw_xattrs *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		free(x->names[i]);
		free(x->values[i]);
	}
	free(x->names);
	free(x->values);
	free(x->lens);
	*x = (kw_xattrs){ 0 };
}

static bool unsupported(int e) { return e == ENOTSUP || e == EOPNOTSUPP; }

int kw_xattrs_read(int fd, kw_xattrs *ret)
{
	kw_xattrs x = { 0 };
	_cleanup_free_ char *list = NULL;
	ssize_t n;
	for (int tries = 0;; tries++) {
		n = flistxattr(fd, NULL, 0);
		if (n < 0) {
			if (unsupported(errno)) {
				*ret = x;
				return 0;
			}
			return -errno;
		}
		if (n == 0) {
			*ret = x;
			return 0;
		}
		free(list);
		list = malloc((size_t)n);
		if (!list)
			return -ENOMEM;
		ssize_t m = flistxattr(fd, list, (size_t)n);
		if (m >= 0) {
			n = m;
			break;
		}
		if (errno != ERANGE || tries > 8)
			return -errno;
	}
	size_t cnt = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		cnt++;
	if (cnt > KW_XATTRS_MAX)
		return KW_E_TOOBIG;
	x.names = calloc(cnt ? cnt : 1, sizeof *x.names);
	x.values = calloc(cnt ? cnt : 1, sizeof *x.values);
	x.lens = calloc(cnt ? cnt : 1, sizeof *x.lens);
	if (!x.names || !x.values || !x.lens) {
		kw_xattrs_release(&x);
		return -ENOMEM;
	}
	int r = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		const char *name = list + i;
		ssize_t vl = fgetxattr(fd, name, NULL, 0);
		if (vl < 0) {
			if (errno == ENODATA)
				continue; /* removed meanwhile */
			r = -errno;
			break;
		}
		if (vl > KW_XATTR_VALUE_MAX) {
			r = KW_E_TOOBIG;
			break;
		}
		uint8_t *v = malloc((size_t)vl + 1);
		char *nm = strdup(name);
		if (!v || !nm) {
			free(v);
			free(nm);
			r = -ENOMEM;
			break;
		}
		ssize_t got = fgetxattr(fd, name, v, (size_t)vl);
		if (got < 0) {
			r = errno == ERANGE ? -EAGAIN : -errno;
			free(v);
			free(nm);
			break;
		}
		x.names[x.n] = nm;
		x.values[x.n] = v;
		x.lens[x.n] = (size_t)got;
		x.n++;
	}
	if (r < 0) {
		kw_xattrs_release(&x);
		return r;
	}
	*ret = x;
	return 0;
}

static int set_one(int fd, const kw_xattrs *x, size_t i)
{
	if (fsetxattr(fd, x->names[i], x->values[i], x->lens[i], 0) < 0) {
		if (unsupported(errno))
			return 0;
		return -errno;
	}
	return 0;
}

int kw_xattrs_apply(int fd, const kw_xattrs *x)
{
	if (!x)
		return 0;
	size_t cap = SIZE_MAX;
	for (size_t i = 0; i < x->n; i++) {
		if (strcmp(x->names[i], "security.capability") == 0) {
			cap = i;
			continue;
		}
		int r = set_one(fd, x, i);
		if (r < 0)
			return r;
	}
	return cap == SIZE_MAX ? 0 : set_one(fd, x, cap);
}

int kw_xattrs_equal(const kw_xattrs *a, const kw_xattrs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = 0;
		while (j < b->n && strcmp(a->names[i], b->names[j]) != 0)
			j++;
		if (j == b->n || a->lens[i] != b->lens[j] ||
		    memcmp(a->values[i], b->values[j], a->lens[i]) != 0)
			return 0;
	}
	return 1;
}

/* ---- paths ---- */

int kw_write_open_root(const char *root, int *ret_fd)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* No openat2: walk the parent one component at a time, refusing every symlink. */
static int walk_nofollow(int rootfd, const char *rel, int *ret_fd)
{
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	char comp[NAME_MAX + 1];
	const char *p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, l);
		comp[l] = 0;
		p += l;
		while (*p == '/')
			p++;
		if (l == 0)
			continue;
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e2 = errno;
		close(fd);
		if (nfd < 0)
			return -e2;
		fd = nfd;
	}
	*ret_fd = fd;
	return 0;
}

int kw_write_open_parent(int rootfd, const char *path, int *ret_dfd, const char **ret_name)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	size_t len = strlen(path);
	if (len >= KW_PATH_MAX)
		return -ENAMETOOLONG;
	/* no "." / ".." components, no trailing slash */
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t l = (size_t)(e - p);
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (l > NAME_MAX)
			return -ENAMETOOLONG;
		p = e;
	}
	if (path[len - 1] == '/')
		return -EINVAL;
	const char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	char rel[KW_PATH_MAX];
	size_t pl = (size_t)(slash - path);
	const char *pp = path;
	while (pl > 0 && *pp == '/') {
		pp++;
		pl--;
	}
	if (pl == 0) {
		rel[0] = '.';
		rel[1] = 0;
	} else {
		memcpy(rel, pp, pl);
		rel[pl] = 0;
	}
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	if (fd < 0) {
		if (errno != ENOSYS)
			return -errno;
		int dfd = -1;
		int r = walk_nofollow(rootfd, strcmp(rel, ".") == 0 ? "" : rel, &dfd);
		if (r < 0)
			return r;
		fd = dfd;
	}
	*ret_dfd = (int)fd;
	*ret_name = name;
	return 0;
}

int kw_write_check_name(int dfd, const char *name, struct stat *st)
{
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	if (!S_ISREG(st->st_mode))
		return KW_E_NOTREG;
	if (st->st_nlink > 1)
		return -EMLINK;
	return 0;
}

/* Open the checked original and make sure the fd is what was checked. */
static int open_checked(int dfd, const char *name, const struct stat *st, int *ret_fd)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat fst;
	if (fstat(fd, &fst) < 0)
		return -errno;
	if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino || !S_ISREG(fst.st_mode))
		return -EAGAIN;
	if (fst.st_nlink > 1)
		return -EMLINK;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
		ssize_t w = write(fd, p, chunk);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int kw_write_atomic(int dfd, const char *name, const uint8_t *data, size_t len,
		    uid_t uid, gid_t gid, mode_t mode, const kw_xattrs *x,
		    const struct timespec *mtime)
{
	char tmp[NAME_MAX + 1];
	_cleanup_close_ int fd = -1;
	size_t nl = strlen(name);
	if (nl > NAME_MAX - 30)
		nl = NAME_MAX - 30; /* the temp name only needs to be unique */
	for (int tries = 0; tries < 16 && fd < 0; tries++) {
		uint64_t rnd;
		if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return -EIO;
		snprintf(tmp, sizeof tmp, ".%.*s.kw.%016llx", (int)nl, name,
			 (unsigned long long)rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	int r = write_all(fd, data, len);
	if (r == 0 && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (r == 0)
		r = kw_xattrs_apply(fd, x);
	if (r == 0 && mtime) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, *mtime };
		if (futimens(fd, ts) < 0)
			r = -errno;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fail_next > 0) {
		fail_next--;
		r = -EIO;
	}
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	if (fsync(dfd) < 0)
		return -errno;
	return 0;
}

/* ---- the writer ---- */

int kw_writer_open(const char *root, const char *journal_dir, kw_writer **ret)
{
	if (!root || !journal_dir || !ret)
		return -EINVAL;
	_cleanup_free_ char *abs = realpath(root, NULL);
	if (!abs)
		return -errno;
	kw_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->rootfd = -1;
	int r = kw_write_open_root(abs, &w->rootfd);
	if (r == 0)
		r = kw_journal_open(journal_dir, abs, &w->journal);
	if (r < 0) {
		kw_writer_free(w);
		return r;
	}
	w->root = TAKE_PTR(abs);
	*ret = w;
	return 0;
}

void kw_writer_free(kw_writer *w)
{
	if (!w)
		return;
	if (w->rootfd >= 0)
		close(w->rootfd);
	kw_journal_free(w->journal);
	free(w->root);
	free(w);
}

const char *kw_writer_journal_dir(const kw_writer *w)
{
	return w ? kw_journal_dir(w->journal) : NULL;
}

int kw_writer_replace(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		      int new_mode)
{
	if (!w || (!data && len))
		return -EINVAL;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	struct stat st;
	r = kw_write_check_name(dfd, name, &st);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT) {
		r = kw_journal_record(w->journal, "replace", path, -1, NULL, NULL);
		if (r < 0)
			return r;
		mode_t m = new_mode < 0 ? 0600 : (mode_t)new_mode & 07777;
		return kw_write_atomic(dfd, name, data ? data : (const uint8_t *)"", len, 0, 0,
				       m, NULL, NULL);
	}
	_cleanup_close_ int ofd = -1;
	r = open_checked(dfd, name, &st, &ofd);
	if (r < 0)
		return r;
	kw_xattrs x = { 0 };
	r = kw_xattrs_read(ofd, &x);
	if (r < 0)
		return r;
	r = kw_journal_record(w->journal, "replace", path, ofd, &st, NULL);
	if (r == 0)
		r = kw_write_atomic(dfd, name, data ? data : (const uint8_t *)"", len,
				    st.st_uid, st.st_gid, st.st_mode & 07777, &x, NULL);
	kw_xattrs_release(&x);
	return r;
}

int kw_writer_unlink(kw_writer *w, const char *path)
{
	if (!w)
		return -EINVAL;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	struct stat st;
	r = kw_write_check_name(dfd, name, &st);
	if (r < 0)
		return r;
	_cleanup_close_ int ofd = -1;
	r = open_checked(dfd, name, &st, &ofd);
	if (r < 0)
		return r;
	r = kw_journal_record(w->journal, "unlink", path, ofd, &st, NULL);
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, 0) < 0)
		return -errno;
	if (fsync(dfd) < 0)
		return -errno;
	return 0;
}
