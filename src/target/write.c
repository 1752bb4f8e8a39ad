/* write.c — the write side of a folder target: atomic replace and removal of any entry
 * (or a whole tree) inside an image root, every change journaled first (journal.c).
 * Owned by the target module.
 *
 * Sequence of a replace (research/image-hygiene.md 4.5): resolve the parent with openat2
 * RESOLVE_IN_ROOT into an fsync-able fd; lstat the name and refuse symlinks, hard links
 * and non-regular files; open the original with O_NOFOLLOW|O_NONBLOCK and check the fd is
 * the same inode; pick the temp name and journal it with the original; write the temp
 * file in the same folder (O_CREAT|O_EXCL|O_NOFOLLOW), fchown before fchmod, xattrs with
 * security.capability last, fsync, renameat, fsync the folder. Any error removes the
 * temp file.
 *
 * A removal lstats the name and never opens what is neither a regular file nor a folder
 * (a FIFO open blocks, a device open acts on the host's device). A tree is walked twice
 * by fd (openat O_NOFOLLOW|O_DIRECTORY, fdopendir, fstatat AT_SYMLINK_NOFOLLOW), without
 * recursion: first to refuse it as a whole (a mount below, a hard link, too deep, too
 * long a path), then to remove it deepest entries first.
 */
#include "target/write.h"
#include "target/journal.h"
#include "target/resolve.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define TREE_MAX_DEPTH 64

struct kw_writer {
	int rootfd;
	char *root;
	kw_journal *journal;
};

static unsigned fail_next;
void kw_write_fail_next(unsigned n) { fail_next = n; }

/* ---- crash-test hook ---- */

static struct {
	bool init;
	unsigned long kill_at; /* 0: never */
	char *file;
	unsigned long n;
} step;

void kw_write_step(void)
{
	if (!step.init) {
		step.init = true;
		const char *k = getenv("KEYWARD_TEST_KILL_AT");
		if (k && *k) {
			char *end;
			errno = 0;
			unsigned long v = strtoul(k, &end, 10);
			if (errno == 0 && *end == 0)
				step.kill_at = v;
		}
		const char *f = getenv("KEYWARD_TEST_STEPS");
		if (f && *f)
			step.file = strdup(f);
	}
	step.n++;
	if (step.file) {
		int fd = open(step.file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char b[32];
			int l = snprintf(b, sizeof b, "%lu\n", step.n);
			ssize_t wr = write(fd, b, (size_t)l);
			(void)wr;
			close(fd);
		}
	}
	if (step.kill_at && step.n == step.kill_at)
		raise(SIGKILL);
}

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
	/* canonical: no empty, "." or ".." component, no trailing slash (the journal
	 * records the path as given and accepts nothing else) */
	for (const char *p = path + 1;; p++) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t l = (size_t)(e - p);
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (l > NAME_MAX)
			return -ENAMETOOLONG;
		if (!*e)
			break;
		p = e;
	}
	const char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	char rel[KW_PATH_MAX];
	size_t pl = (size_t)(slash - path);
	if (pl == 0) {
		rel[0] = '.';
		rel[1] = 0;
	} else {
		memcpy(rel, path + 1, pl - 1);
		rel[pl - 1] = 0;
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

/* Open name in dfd without following it and make sure the fd is the entry lstat saw (st):
 * same device, inode and type; a regular file must still have one link. Folders are
 * opened O_DIRECTORY, regular files O_NONBLOCK|O_NOCTTY (never anything else). */
static int open_same(int dfd, const char *name, const struct stat *st, int *ret_fd)
{
	bool dir = S_ISDIR(st->st_mode);
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
					(dir ? O_DIRECTORY : O_NOCTTY));
	if (fd < 0)
		return -errno;
	struct stat fst;
	if (fstat(fd, &fst) < 0)
		return -errno;
	if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino ||
	    (fst.st_mode & S_IFMT) != (st->st_mode & S_IFMT))
		return -EAGAIN;
	if (!dir && fst.st_nlink > 1)
		return -EMLINK;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The original regular file (st from lstat, already checked regular). */
static int open_checked(int dfd, const char *name, const struct stat *st, int *ret_fd)
{
	return S_ISREG(st->st_mode) ? open_same(dfd, name, st, ret_fd) : KW_E_NOTREG;
}

/* The folder `name` (st from lstat). */
static int open_dir_checked(int dfd, const char *name, const struct stat *st, int *ret_fd)
{
	return S_ISDIR(st->st_mode) ? open_same(dfd, name, st, ret_fd) : -ENOTDIR;
}

/* Is name in dfd (lstat st) a mount point, or on another mount than the folder whose
 * device is ref_dev and mount id ref_mnt (0: unknown)? Bind mounts of the same file
 * system share st_dev, so statx's mount id and mount-root flag are asked too. */
static bool other_mount(int dfd, const char *name, const struct stat *st, dev_t ref_dev,
			uint64_t ref_mnt)
{
	if (st->st_dev != ref_dev)
		return true;
	struct statx sx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0)
		return false; /* an old kernel: st_dev is all there is */
	if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return true;
	return ref_mnt && (sx.stx_mask & STATX_MNT_ID) && sx.stx_mnt_id != ref_mnt;
}

static uint64_t mount_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

int kw_fd_chunks(int fd, int (*fn)(void *ctx, const uint8_t *p, size_t n, uint64_t off),
		 void *ctx)
{
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
			return 0;
		int r = fn(ctx, buf, (size_t)n, off);
		if (r != 0)
			return r;
		off += (uint64_t)n;
	}
}

typedef struct expect_ctx { const uint8_t *p; size_t len; uint64_t seen; } expect_ctx;

static int expect_chunk(void *vctx, const uint8_t *p, size_t n, uint64_t off)
{
	expect_ctx *e = vctx;
	if (off + n > e->len || memcmp(p, e->p + off, n) != 0)
		return 1; /* differs: stop */
	e->seen = off + n;
	return 0;
}

/* Are the bytes of fd exactly expect[0..len)? 1 yes, 0 no, <0 error. */
static int same_bytes(int fd, const uint8_t *expect, size_t len)
{
	expect_ctx e = { expect, len, 0 };
	int r = kw_fd_chunks(fd, expect_chunk, &e);
	if (r < 0)
		return r;
	return r == 0 && e.seen == len;
}

/* ---- atomic replace ---- */

/* A random temp name for name: ".NAME.kw.<16 hex>" (NAME shortened to fit). */
static int tmp_name(const char *name, char tmp[NAME_MAX + 1])
{
	uint64_t rnd;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return -EIO;
	size_t nl = strlen(name);
	if (nl > NAME_MAX - 30)
		nl = NAME_MAX - 30; /* the temp name only needs to be unique */
	snprintf(tmp, NAME_MAX + 1, ".%.*s.kw.%016llx", (int)nl, name, (unsigned long long)rnd);
	return 0;
}

int kw_write_tmp_name(int dfd, const char *name, char tmp[256])
{
	for (int tries = 0; tries < 16; tries++) {
		struct stat st;
		int r = tmp_name(name, tmp);
		if (r < 0)
			return r;
		if (fstatat(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : -errno;
	}
	return -EEXIST;
}

int kw_write_atomic_named(int dfd, const char *name, const char *tmp, const uint8_t *data,
			  size_t len, uid_t uid, gid_t gid, mode_t mode, const kw_xattrs *x,
			  const struct timespec *mtime)
{
	/* the folder's mtime, put back when the write fails: a failed change leaves no trace */
	struct stat dst;
	bool have_dst = fstat(dfd, &dst) == 0;
	_cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = kw_fd_write_all(fd, data, len);
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
	if (r == 0)
		kw_write_step(); /* temp file synced */
	if (r == 0 && fail_next > 0) {
		fail_next--;
		r = -EIO;
	}
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		if (have_dst) {
			struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, dst.st_mtim };
			futimens(dfd, ts);
		}
		return r == -EEXIST ? -EIO : r;
	}
	kw_write_step(); /* renamed */
	if (fsync(dfd) < 0)
		return -errno;
	kw_write_step(); /* folder synced */
	return 0;
}

int kw_write_atomic(int dfd, const char *name, const uint8_t *data, size_t len,
		    uid_t uid, gid_t gid, mode_t mode, const kw_xattrs *x,
		    const struct timespec *mtime)
{
	for (int tries = 0; tries < 16; tries++) {
		char tmp[NAME_MAX + 1];
		int r = tmp_name(name, tmp);
		if (r < 0)
			return r;
		r = kw_write_atomic_named(dfd, name, tmp, data, len, uid, gid, mode, x, mtime);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* ---- the writer ---- */

/* The real path `p` will have: realpath of its nearest existing ancestor, then the
 * missing components (which may not be "." or ".."). */
static int future_realpath(const char *p, char **ret)
{
	size_t l = strlen(p);
	if (l == 0 || l >= KW_PATH_MAX)
		return -EINVAL;
	char buf[KW_PATH_MAX];
	memcpy(buf, p, l + 1);
	size_t cut = l;
	_cleanup_free_ char *rp = NULL;
	for (;;) {
		buf[cut] = 0;
		rp = realpath(cut ? buf : p[0] == '/' ? "/" : ".", NULL);
		if (rp)
			break;
		if (errno != ENOENT || cut == 0)
			return -errno;
		while (cut > 0 && buf[cut - 1] == '/')
			cut--;
		while (cut > 0 && buf[cut - 1] != '/')
			cut--;
		while (cut > 1 && buf[cut - 1] == '/')
			cut--;
		if (cut == 1 && p[0] == '/')
			cut = 0; /* "/" itself */
	}
	size_t have = strlen(rp);
	char out[KW_PATH_MAX];
	if (have >= sizeof out)
		return -ENAMETOOLONG;
	memcpy(out, rp, have + 1);
	size_t ol = have;
	for (const char *q = p + cut; *q;) {
		while (*q == '/')
			q++;
		const char *e = q;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - q);
		if (cl == 0)
			break;
		if ((cl == 1 && q[0] == '.') || (cl == 2 && q[0] == '.' && q[1] == '.'))
			return -EINVAL;
		if (ol + 1 + cl >= sizeof out)
			return -ENAMETOOLONG;
		if (!(ol == 1 && out[0] == '/'))
			out[ol++] = '/';
		memcpy(out + ol, q, cl);
		ol += cl;
		out[ol] = 0;
		q = e;
	}
	*ret = strdup(out);
	if (!*ret)
		return -ENOMEM;
	return 0;
}

static bool inside(const char *root, const char *p)
{
	size_t rl = strlen(root);
	if (strcmp(root, "/") == 0)
		return false; /* the live host: the journal can only be on it */
	return strncmp(p, root, rl) == 0 && (p[rl] == 0 || p[rl] == '/');
}

int kw_writer_open(const char *root, const char *journal_dir, kw_writer **ret)
{
	if (!root || !journal_dir || !ret)
		return -EINVAL;
	_cleanup_free_ char *abs = realpath(root, NULL);
	if (!abs)
		return -errno;
	_cleanup_free_ char *jabs = NULL;
	int r = future_realpath(journal_dir, &jabs);
	if (r < 0)
		return r;
	if (inside(abs, jabs))
		return KW_E_INROOT;
	r = kw_mkdir_p(jabs, 0700);
	if (r < 0)
		return r;
	kw_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->rootfd = -1;
	r = kw_write_open_root(abs, &w->rootfd);
	if (r == 0)
		r = kw_journal_open(jabs, abs, &w->journal);
	if (r == 0) {
		/* once more, now that it exists: no symlink swapped in meanwhile */
		_cleanup_free_ char *again = realpath(jabs, NULL);
		if (!again)
			r = -errno;
		else if (inside(abs, again))
			r = KW_E_INROOT;
	}
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

/* The one replace: expect NULL/absent-flag handled by the two public wrappers. */
enum { EXPECT_NONE, EXPECT_BYTES, EXPECT_ABSENT };

static int replace_impl(kw_writer *w, const char *path, const uint8_t *data, size_t len,
			int new_mode, uid_t new_uid, gid_t new_gid, int expect_kind,
			const uint8_t *expect, size_t expect_len)
{
	if (!w || (!data && len) || (expect_kind == EXPECT_BYTES && !expect && expect_len))
		return -EINVAL;
	if (!data)
		data = (const uint8_t *)"";
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	struct stat st, pst;
	int cur = kw_write_check_name(dfd, name, &st);
	if (expect_kind == EXPECT_BYTES && cur == -ENOENT)
		return KW_E_CHANGED;
	if (expect_kind == EXPECT_ABSENT && cur != -ENOENT)
		return cur == 0 || cur == -EMLINK || cur == KW_E_NOTREG || cur == -ELOOP
			       ? KW_E_CHANGED : cur;
	if (cur < 0 && cur != -ENOENT)
		return cur;
	if (fstat(dfd, &pst) < 0)
		return -errno;
	_cleanup_close_ int ofd = -1;
	kw_xattrs x = { 0 };
	if (cur == 0) {
		r = open_checked(dfd, name, &st, &ofd);
		if (r < 0)
			return r;
		if (expect_kind == EXPECT_BYTES) {
			if ((uint64_t)st.st_size != expect_len)
				return KW_E_CHANGED;
			r = same_bytes(ofd, expect ? expect : (const uint8_t *)"", expect_len);
			if (r <= 0)
				return r < 0 ? r : KW_E_CHANGED;
		}
		r = kw_xattrs_read(ofd, &x);
		if (r < 0)
			return r;
	}
	/* the temp name goes into the journal, so undo can remove it after a crash */
	char tmp[NAME_MAX + 1];
	r = kw_write_tmp_name(dfd, name, tmp);
	if (r == 0) {
		kw_journal_rec e = { .op = "replace", .path = path, .st = cur == 0 ? &st : NULL,
				     .fd = cur == 0 ? ofd : -1, .parent = &pst, .tmp = tmp };
		r = kw_journal_add(w->journal, &e, NULL);
	}
	if (r == 0) {
		if (cur == 0)
			r = kw_write_atomic_named(dfd, name, tmp, data, len, st.st_uid,
						  st.st_gid, st.st_mode & 07777, &x, NULL);
		else
			r = kw_write_atomic_named(dfd, name, tmp, data, len, new_uid, new_gid,
						  new_mode < 0 ? 0600 : (mode_t)new_mode & 07777,
						  NULL, NULL);
	}
	kw_xattrs_release(&x);
	return r;
}

int kw_writer_replace(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		      int new_mode)
{
	return replace_impl(w, path, data, len, new_mode, 0, 0, EXPECT_NONE, NULL, 0);
}

int kw_writer_replace_expect(kw_writer *w, const char *path, const uint8_t *data, size_t len,
			     int new_mode, const uint8_t *expect, size_t expect_len,
			     bool expect_exists)
{
	return replace_impl(w, path, data, len, new_mode, 0, 0,
			    expect_exists ? EXPECT_BYTES : EXPECT_ABSENT, expect, expect_len);
}

int kw_writer_create(kw_writer *w, const char *path, const uint8_t *data, size_t len,
		     mode_t mode, uint32_t uid, uint32_t gid)
{
	if (uid == (uint32_t)-1 || gid == (uint32_t)-1)
		return -EINVAL;
	return replace_impl(w, path, data, len, (int)(mode & 07777), (uid_t)uid, (gid_t)gid,
			    EXPECT_ABSENT, NULL, 0);
}

/* ---- folders ---- */

int kw_writer_mkdir(kw_writer *w, const char *path, mode_t mode, uint32_t uid, uint32_t gid)
{
	if (!w || uid == (uint32_t)-1 || gid == (uint32_t)-1)
		return -EINVAL;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	struct stat st, pst;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	if (fstat(dfd, &pst) < 0)
		return -errno;
	kw_journal_rec e = { .op = "mkdir", .path = path, .fd = -1, .parent = &pst };
	r = kw_journal_add(w->journal, &e, NULL);
	if (r < 0)
		return r;
	if (mkdirat(dfd, name, 0700) < 0)
		return -errno;
	kw_write_step(); /* folder made, not yet owned */
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		r = -errno;
	if (r == 0 && fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	if (r < 0) {
		/* take it back, and the parent's mtime with it: a failed change leaves no trace */
		unlinkat(dfd, name, AT_REMOVEDIR);
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, pst.st_mtim };
		futimens(dfd, ts);
		return r;
	}
	kw_write_step(); /* folder owned and synced, parent synced */
	return 0;
}

/* ---- removal ---- */

static int dir_is_empty(int fd)
{
	int fd2 = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd2 < 0)
		return -errno;
	DIR *d = fdopendir(fd2);
	if (!d) {
		close(fd2);
		return -errno;
	}
	struct dirent *e;
	int r = 1;
	errno = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			r = 0;
			break;
		}
	}
	if (!e && errno)
		r = -errno;
	closedir(d);
	return r;
}

/* Remove `name` in dfd (`path` inside the root, for the journal): any type, or only a
 * regular file when reg_only. Checked, journaled, removed, folder synced. */
/* Remove name in dfd, journaled first. sync_dir: fsync the folder after the unlink (a
 * tree removal leaves it to one syncfs at its end: an unlink lost to a power cut only
 * means the entry's change never happened, which undo already handles). */
static int remove_at(kw_writer *w, int dfd, const char *name, const char *path, bool reg_only,
		     bool sync_dir)
{
	struct stat st, pst;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (reg_only && S_ISLNK(st.st_mode))
		return -ELOOP;
	if (reg_only && !S_ISREG(st.st_mode))
		return KW_E_NOTREG;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		return -EMLINK;
	if (fstat(dfd, &pst) < 0)
		return -errno;
	if (other_mount(dfd, name, &st, pst.st_dev, mount_id(dfd)))
		return -EXDEV;
	_cleanup_close_ int fd = -1;
	char target[4097], tmp[NAME_MAX + 1];
	size_t tlen = 0;
	int r = 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: /* the temp name undo will write it back through */
		r = open_checked(dfd, name, &st, &fd);
		if (r == 0)
			r = kw_write_tmp_name(dfd, name, tmp);
		break;
	case S_IFDIR:
		r = open_dir_checked(dfd, name, &st, &fd);
		if (r == 0) {
			r = dir_is_empty(fd);
			r = r < 0 ? r : r == 0 ? -ENOTEMPTY : 0;
		}
		break;
	case S_IFLNK: {
		ssize_t l = readlinkat(dfd, name, target, sizeof target);
		if (l < 0)
			r = -errno;
		else if ((size_t)l >= sizeof target - 1)
			r = -ENAMETOOLONG;
		else
			tlen = (size_t)l;
		target[tlen] = 0;
		break;
	}
	default: /* FIFO, socket, device: never opened */
		break;
	}
	if (r < 0)
		return r;
	kw_journal_rec e = { .op = "remove", .path = path, .st = &st, .fd = fd,
			     .target = S_ISLNK(st.st_mode) ? target : NULL, .target_len = tlen,
			     .parent = &pst, .tmp = S_ISREG(st.st_mode) ? tmp : NULL };
	r = kw_journal_add(w->journal, &e, NULL);
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return -errno;
	kw_write_step(); /* removed */
	if (!sync_dir)
		return 0;
	if (fsync(dfd) < 0)
		return -errno;
	kw_write_step(); /* folder synced */
	return 0;
}

static int remove_path(kw_writer *w, const char *path, bool reg_only)
{
	if (!w)
		return -EINVAL;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	return remove_at(w, dfd, name, path, reg_only, true);
}

int kw_writer_unlink(kw_writer *w, const char *path) { return remove_path(w, path, true); }
int kw_writer_remove(kw_writer *w, const char *path) { return remove_path(w, path, false); }

/* ---- trees ---- */

typedef struct tree_frame {
	DIR *d;
	size_t plen;    /* path[0..plen) is this folder's path */
	bool again;     /* something was removed in this pass: read the folder once more */
} tree_frame;

typedef struct tree_walk {
	tree_frame f[TREE_MAX_DEPTH];
	size_t sp;
	char path[KW_PATH_MAX];
	dev_t dev;      /* the top folder's device and mount: nothing below may differ */
	uint64_t mnt;
} tree_walk;

static int tw_push(tree_walk *t, int fd, size_t plen)
{
	if (t->sp >= TREE_MAX_DEPTH) {
		close(fd);
		return KW_E_LOOP;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	t->f[t->sp++] = (tree_frame){ .d = d, .plen = plen };
	return 0;
}

static void tw_pop(tree_walk *t)
{
	closedir(t->f[--t->sp].d);
}

static void tw_close(tree_walk *t)
{
	while (t->sp > 0)
		tw_pop(t);
}

/* Append "/name" to the path of the top frame; its new length. */
static int tw_child(tree_walk *t, const char *name, size_t *ret_len)
{
	size_t pl = t->f[t->sp - 1].plen, nl = strlen(name);
	if (pl + 1 + nl >= sizeof t->path)
		return -ENAMETOOLONG;
	t->path[pl] = '/';
	memcpy(t->path + pl + 1, name, nl + 1);
	*ret_len = pl + 1 + nl;
	return 0;
}

/* The next entry of the top frame (not "." or ".."), lstat'ed; NULL at its end. */
static int tw_next(tree_walk *t, struct dirent **ret, struct stat *st)
{
	tree_frame *fr = &t->f[t->sp - 1];
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(fr->d);
		if (!e) {
			*ret = NULL;
			return errno ? -errno : 0;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(fr->d), e->d_name, st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		*ret = e;
		return 0;
	}
}

/* Open the folder entry e of the top frame and push it. */
static int tw_enter(tree_walk *t, const char *name, const struct stat *st, size_t plen)
{
	int fd = -1;
	int r = open_dir_checked(dirfd(t->f[t->sp - 1].d), name, st, &fd);
	if (r < 0)
		return r;
	return tw_push(t, fd, plen);
}

/* First pass: refuse the whole tree up front. *ret_n: entries below the top. */
static int tree_check(tree_walk *t, int topfd, uint64_t *ret_n)
{
	uint64_t n = 0;
	int fd = openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t top_len = strlen(t->path);
	int r = tw_push(t, fd, top_len);
	while (r == 0 && t->sp > 0) {
		struct dirent *e;
		struct stat st;
		r = tw_next(t, &e, &st);
		if (r < 0)
			break;
		if (!e) {
			tw_pop(t);
			continue;
		}
		n++;
		size_t plen;
		if ((r = tw_child(t, e->d_name, &plen)) < 0)
			break;
		if (S_ISREG(st.st_mode) && st.st_nlink > 1)
			r = -EMLINK;
		else if (other_mount(dirfd(t->f[t->sp - 1].d), e->d_name, &st, t->dev, t->mnt))
			r = -EXDEV;
		else if (S_ISDIR(st.st_mode))
			r = tw_enter(t, e->d_name, &st, plen);
	}
	tw_close(t);
	t->path[top_len] = 0;
	*ret_n = n;
	return r;
}

/* Second pass: remove everything below the top, deepest first. */
static int tree_remove(kw_writer *w, tree_walk *t, int topfd, uint64_t *ret_n)
{
	int fd = openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = tw_push(t, fd, strlen(t->path));
	while (r == 0 && t->sp > 0) {
		tree_frame *fr = &t->f[t->sp - 1];
		struct dirent *e;
		struct stat st;
		r = tw_next(t, &e, &st);
		if (r < 0)
			break;
		size_t plen;
		if (e) {
			if ((r = tw_child(t, e->d_name, &plen)) < 0)
				break;
			if (S_ISDIR(st.st_mode)) {
				if (other_mount(dirfd(fr->d), e->d_name, &st, t->dev, t->mnt))
					r = -EXDEV;
				else
					r = tw_enter(t, e->d_name, &st, plen);
				continue;
			}
			r = remove_at(w, dirfd(fr->d), e->d_name, t->path, false, false);
			if (r == 0) {
				(*ret_n)++;
				fr->again = true;
			}
			continue;
		}
		/* end of this folder: read it again if it changed (readdir may skip
		 * entries while the folder changes), else it is empty */
		if (fr->again) {
			fr->again = false;
			rewinddir(fr->d);
			continue;
		}
		size_t mylen = fr->plen;
		tw_pop(t);
		if (t->sp == 0)
			break; /* the top: the caller decides */
		tree_frame *up = &t->f[t->sp - 1];
		t->path[mylen] = 0;
		r = remove_at(w, dirfd(up->d), t->path + up->plen + 1, t->path, false, false);
		if (r == 0) {
			(*ret_n)++;
			up->again = true;
		}
	}
	tw_close(t);
	return r;
}

int kw_writer_remove_tree(kw_writer *w, const char *path, bool keep_top, uint64_t *ret_n)
{
	uint64_t done = 0;
	if (ret_n)
		*ret_n = 0;
	if (!w)
		return -EINVAL;
	_cleanup_close_ int pdfd = -1;
	const char *name;
	int r = kw_write_open_parent(w->rootfd, path, &pdfd, &name);
	if (r < 0)
		return r;
	struct stat st, pst;
	if (fstatat(pdfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		if (keep_top)
			return -ELOOP;
		r = remove_at(w, pdfd, name, path, false, true);
		if (r == 0 && ret_n)
			*ret_n = 1;
		return r;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (fstat(pdfd, &pst) < 0)
		return -errno;
	/* a mount point as the top: neither removed nor emptied (a bind mount would
	 * empty what is mounted there, maybe outside the root) */
	if (other_mount(pdfd, name, &st, pst.st_dev, mount_id(pdfd)))
		return -EXDEV;
	_cleanup_close_ int topfd = -1;
	r = open_dir_checked(pdfd, name, &st, &topfd);
	if (r < 0)
		return r;
	_cleanup_free_ tree_walk *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	memcpy(t->path, path, strlen(path) + 1); /* < KW_PATH_MAX: checked by open_parent */
	t->dev = st.st_dev;
	t->mnt = mount_id(topfd);
	uint64_t n = 0;
	r = tree_check(t, topfd, &n);
	if (r < 0)
		return r;
	if (n + !keep_top > kw_journal_room(w->journal))
		return KW_E_TOOBIG;
	r = tree_remove(w, t, topfd, &done);
	/* the folders below were not synced one unlink at a time: once, here */
	if (done > 0) {
		if (syncfs(topfd) < 0) {
			if (r == 0)
				r = -errno;
		} else {
			kw_write_step(); /* folders synced */
		}
	}
	if (r == 0 && !keep_top) {
		r = remove_at(w, pdfd, name, path, false, true);
		done += r == 0;
	}
	if (ret_n)
		*ret_n = done;
	return r;
}
