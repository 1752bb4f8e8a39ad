/* dir.c — the folder backend: an image root in a folder, or the running host ("/").
 * Owned by the target module.
 *
 * The root is held as an O_PATH directory fd. Every path is opened relative to it with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): the kernel resolves symlinks and
 * ".." as if the root were "/", so nothing outside it is reached. Where openat2 is
 * missing (ENOSYS) or KW_NO_OPENAT2=1 is set at open, resolve.c does the same walk over
 * fstatat/readlinkat, and the canonical result is opened one component at a time with
 * O_NOFOLLOW, so a symlink swapped in meanwhile makes the open fail instead of escaping.
 *
 * Files are never opened before they are known to be regular (stat through an O_PATH fd,
 * which opens no device and blocks on no FIFO); the read open adds O_NONBLOCK|O_NOCTTY
 * and is checked again with fstat (S_ISREG, same st_dev/st_ino) before any byte is read.
 *
 * The walk is iterative (a stack of at most KW_WALK_MAX_DEPTH+1 directory fds), opens
 * children with openat(O_NOFOLLOW) on the parent's fd, reads each directory fully with
 * getdents64 and sorts it (so walks are deterministic and match the tar backend's order),
 * uses d_type to avoid stats of non-files, and skips pseudo file systems by fstatfs.
 * Only names the directory lists as regular files are opened (to sniff), with
 * O_NOFOLLOW|O_NONBLOCK, and the fd is checked with fstat before a byte is read; that
 * fstat is also the file's stat, so a sniffed file costs open+fstat+read+close.
 */
#include "target/internal.h"
#include "target/resolve.h"
#include "base/file.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif
#ifndef FUSECTL_SUPER_MAGIC
#define FUSECTL_SUPER_MAGIC 0x65735543
#endif
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

#define DIR_EAGAIN_RETRIES 16
#define WALK_MAX_DIR_ENTRIES 10000000u
#define GETDENTS_BUF (64 * 1024)

struct dir_impl {
	int rootfd;
	bool use_openat2;
	bool host;
	/* fallback: the last canonical directory opened by the component walk */
	int cache_fd;
	size_t cache_len;
	char cache_path[KW_PATH_MAX];
};

static void dir_impl_free(void *p)
{
	struct dir_impl *d = p;
	if (!d)
		return;
	if (d->cache_fd >= 0)
		close(d->cache_fd);
	if (d->rootfd >= 0)
		close(d->rootfd);
	free(d);
}

void kw_target_dir_set_host(kw_target *t, bool host)
{
	if (t && !t->is_tar && t->impl)
		((struct dir_impl *)t->impl)->host = host;
}

bool kw_target_dir_uses_openat2(const kw_target *t)
{
	if (!t || t->is_tar || !t->impl)
		return false;
	return ((const struct dir_impl *)t->impl)->use_openat2;
}

/* ---- fallback: canonical paths opened one O_NOFOLLOW component at a time ---- */

/* A borrowed fd for canonical directory path p[0..len) ("" = root). */
static int canon_dir(struct dir_impl *d, const char *p, size_t len, int *ret_fd)
{
	if (len == 0) {
		*ret_fd = d->rootfd;
		return 0;
	}
	if (d->cache_fd >= 0 && d->cache_len == len && memcmp(d->cache_path, p, len) == 0) {
		*ret_fd = d->cache_fd;
		return 0;
	}
	int base = d->rootfd;
	size_t pos = 0;
	if (d->cache_fd >= 0 && d->cache_len < len && p[d->cache_len] == '/' &&
	    memcmp(d->cache_path, p, d->cache_len) == 0) {
		base = d->cache_fd;
		pos = d->cache_len;
	}
	int fd = -1;
	char name[NAME_MAX + 1];
	while (pos < len) {
		pos++; /* the '/' */
		size_t s = pos;
		while (pos < len && p[pos] != '/')
			pos++;
		size_t n = pos - s;
		if (n == 0 || n > NAME_MAX) {
			if (fd >= 0)
				close(fd);
			return n ? -ENAMETOOLONG : -EINVAL;
		}
		memcpy(name, p + s, n);
		name[n] = '\0';
		int nfd = openat(fd >= 0 ? fd : base, name,
				 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (nfd < 0)
			return e == ELOOP ? -ENOTDIR : -e;
		fd = nfd;
	}
	if (d->cache_fd >= 0)
		close(d->cache_fd);
	d->cache_fd = fd;
	d->cache_len = len;
	memcpy(d->cache_path, p, len);
	d->cache_path[len] = '\0';
	*ret_fd = fd;
	return 0;
}

/* Split canonical "/a/b/c" into the parent's fd (borrowed) and "c". */
static int canon_parent(struct dir_impl *d, const char *path, int *ret_fd, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	int r = canon_dir(d, path, (size_t)(slash - path), ret_fd);
	if (r < 0)
		return r;
	*ret_name = slash + 1;
	return 0;
}

static int fb_lookup(void *ctx, const char *path, kw_ftype *ret_type)
{
	struct dir_impl *d = ctx;
	const char *name;
	int pfd, r = canon_parent(d, path, &pfd, &name);
	if (r < 0)
		return r;
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*ret_type = kw_ftype_from_mode(st.st_mode);
	return 0;
}

static int fb_readlink(void *ctx, const char *path, char *buf, size_t size, size_t *ret_len)
{
	struct dir_impl *d = ctx;
	const char *name;
	int pfd, r = canon_parent(d, path, &pfd, &name);
	if (r < 0)
		return r;
	ssize_t n = readlinkat(pfd, name, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	*ret_len = (size_t)n;
	return 0;
}

static const kw_resolve_ops fb_ops = {
	.lookup = fb_lookup,
	.readlink = fb_readlink,
};

static int fallback_open_once(struct dir_impl *d, const char *path, int flags, bool follow,
			      int *ret_fd)
{
	char canon[KW_PATH_MAX];
	kw_ftype type;
	int r = kw_resolve(&fb_ops, d, path, follow ? KW_RESOLVE_FOLLOW : 0, canon, &type);
	if (r < 0)
		return r;
	int fd;
	if (strcmp(canon, "/") == 0) {
		fd = openat(d->rootfd, ".", flags | O_CLOEXEC);
	} else {
		const char *name;
		int pfd;
		r = canon_parent(d, canon, &pfd, &name);
		if (r < 0)
			return r;
		fd = openat(pfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static void cache_drop(struct dir_impl *d)
{
	if (d->cache_fd >= 0)
		close(d->cache_fd);
	d->cache_fd = -1;
	d->cache_len = 0;
}

/* The cache lives for one resolution only: a directory fd kept across calls could have
 * been moved out of the root in between. */
static int fallback_open(struct dir_impl *d, const char *path, int flags, bool follow,
			 int *ret_fd)
{
	cache_drop(d);
	int r = fallback_open_once(d, path, flags, follow, ret_fd);
	cache_drop(d);
	return r;
}

/* ---- every open of a path inside the root goes through here ---- */

static int dir_open_raw(struct dir_impl *d, const char *path, int flags, bool follow,
			int *ret_fd)
{
	if (d->use_openat2) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)),
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		for (int i = 0; i < DIR_EAGAIN_RETRIES; i++) {
			long fd = syscall(SYS_openat2, d->rootfd, path, &how, sizeof how);
			if (fd >= 0) {
				*ret_fd = (int)fd;
				return 0;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno != ENOSYS)
				return -errno;
			d->use_openat2 = false;
			break;
		}
		if (d->use_openat2)
			return -EAGAIN;
	}
	return fallback_open(d, path, flags, follow, ret_fd);
}

/* Both ways report too many links as KW_E_LOOP (the kernel says ELOOP). */
static int dir_open(struct dir_impl *d, const char *path, int flags, bool follow, int *ret_fd)
{
	int r = dir_open_raw(d, path, flags, follow, ret_fd);
	return r == -ELOOP ? KW_E_LOOP : r;
}

/* ---- stat, lstat, read, list ---- */

static int dir_stat_common(kw_target *t, const char *path, bool follow, kw_stat *ret)
{
	struct dir_impl *d = t->impl;
	_cleanup_close_ int fd = -1;
	int r = dir_open(d, path, O_PATH, follow, &fd);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	kw_stat_from_sys(&st, ret);
	return 0;
}

static int dir_stat(kw_target *t, const char *path, kw_stat *ret)
{
	return dir_stat_common(t, path, true, ret);
}

static int dir_lstat(kw_target *t, const char *path, kw_stat *ret)
{
	return dir_stat_common(t, path, false, ret);
}

/* Read up to max bytes of an fd already checked to be a regular file. */
static int read_capped(int fd, const struct stat *st, size_t max, kw_file *ret)
{
	char *buf;
	size_t len;
	bool truncated;
	int r = kw_fd_read_upto(fd, max, (int64_t)st->st_size, &buf, &len, &truncated);
	if (r < 0)
		return r;
	ret->data = (uint8_t *)buf;
	ret->len = len;
	ret->truncated = truncated;
	kw_stat_from_sys(st, &ret->st);
	return 0;
}

/* A path the stat memo saw as a regular file, opened for reading without the check before
 * the open, but only along a path without any symlink: an unprivileged user who swaps a
 * file of theirs (or a folder on the way) for a symlink to a device after the memo saw it
 * must not make root open the device (opening /dev/watchdog arms it). With a symlink on
 * the way (or no openat2), -EAGAIN: take the checked way. */
static int open_memo_checked(struct dir_impl *d, const char *path, int *ret_fd)
{
	if (!d->use_openat2)
		return -EAGAIN;
	struct open_how how = {
		.flags = (uint64_t)(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, d->rootfd, path, &how, sizeof how);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -errno : -EAGAIN;
	*ret_fd = (int)fd;
	return 0;
}

static int dir_read(kw_target *t, const char *path, size_t max, bool checked, kw_file *ret)
{
	struct dir_impl *d = t->impl;
	struct stat st1, st2;
	_cleanup_close_ int fd = -1;
	if (checked) {
		int r = open_memo_checked(d, path, &fd);
		if (r == -EAGAIN)
			checked = false;
		else if (r < 0)
			return r;
	}
	if (!checked) {
		_cleanup_close_ int pfd = -1;
		int r = dir_open(d, path, O_PATH, true, &pfd);
		if (r < 0)
			return r;
		if (fstat(pfd, &st1) < 0)
			return -errno;
	}
	if (!checked && !S_ISREG(st1.st_mode))
		return KW_E_NOTREG;
	if (fd < 0) {
		int r = dir_open(d, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, true, &fd);
		if (r < 0)
			return r;
	}
	if (fstat(fd, &st2) < 0)
		return -errno;
	if (!S_ISREG(st2.st_mode))
		return KW_E_NOTREG;
	if (!checked && (st1.st_dev != st2.st_dev || st1.st_ino != st2.st_ino))
		return -ESTALE;
	kw_file f = { 0 };
	int r = read_capped(fd, &st2, max, &f);
	if (r < 0)
		return r;
	*ret = f;
	return 0;
}

/* A name list: one arena of NUL-terminated names plus (offset, type) rows. */
struct nrow {
	size_t off;
	kw_ftype type;
};
struct nlist {
	char *arena;
	size_t alen, acap;
	struct nrow *v;
	size_t n, cap;
};

static void nlist_release(struct nlist *l)
{
	free(l->arena);
	free(l->v);
	*l = (struct nlist){ 0 };
}

static int nlist_add(struct nlist *l, const char *name, kw_ftype type)
{
	size_t n = strlen(name) + 1;
	if (l->alen + n > l->acap) {
		size_t cap = l->acap ? l->acap : 4096;
		while (cap < l->alen + n)
			cap *= 2;
		char *a = realloc(l->arena, cap);
		if (!a)
			return -ENOMEM;
		l->arena = a;
		l->acap = cap;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct nrow *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->arena + l->alen, name, n);
	l->v[l->n++] = (struct nrow){ .off = l->alen, .type = type };
	l->alen += n;
	return 0;
}

static int nrow_cmp(const void *a, const void *b, void *arena)
{
	const struct nrow *x = a, *y = b;
	return strcmp((const char *)arena + x->off, (const char *)arena + y->off);
}

static kw_ftype dtype_to_ftype(unsigned char t)
{
	switch (t) {
	case DT_REG: return KW_FT_REG;
	case DT_DIR: return KW_FT_DIR;
	case DT_LNK: return KW_FT_LNK;
	case DT_UNKNOWN: return KW_FT_NONE;
	default: return KW_FT_OTHER;
	}
}

/* Read all names of directory fd (without "." and ".."), sorted. Types come from d_type;
 * KW_FT_NONE where the file system did not say. getdents64 directly: no DIR stream, no
 * dup, large batches. */
static int read_names(int fd, size_t max, struct nlist *ret)
{
	struct nlist l = { 0 };
	_cleanup_free_ char *buf = malloc(GETDENTS_BUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = getdents64(fd, buf, GETDENTS_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			nlist_release(&l);
			return r;
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);
			size_t min = offsetof(struct dirent64, d_name) + 1;
			if ((size_t)n - off < min || e->d_reclen < min || e->d_reclen > (size_t)n - off)
				break; /* never trust a length blindly, even the kernel's */
			off += e->d_reclen;
			const char *name = e->d_name;
			size_t maxlen = e->d_reclen - offsetof(struct dirent64, d_name);
			if (strnlen(name, maxlen) == maxlen)
				continue; /* not NUL-terminated inside its record */
			if (name[0] == '.' &&
			    (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
				continue;
			if (l.n >= max) {
				nlist_release(&l);
				return KW_E_TOOBIG;
			}
			int r = nlist_add(&l, name, dtype_to_ftype(e->d_type));
			if (r < 0) {
				nlist_release(&l);
				return r;
			}
		}
	}
	if (l.n > 1)
		qsort_r(l.v, l.n, sizeof *l.v, nrow_cmp, l.arena);
	*ret = l;
	return 0;
}

static int dir_list(kw_target *t, const char *path, kw_dirent **ret, size_t *ret_n)
{
	struct dir_impl *d = t->impl;
	_cleanup_close_ int fd = -1;
	int r = dir_open(d, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY, true, &fd);
	if (r < 0)
		return r;
	struct nlist l;
	r = read_names(fd, KW_LIST_MAX, &l);
	if (r < 0)
		return r;
	kw_dirent *v = calloc(l.n ? l.n : 1, sizeof *v);
	if (!v) {
		nlist_release(&l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *name = l.arena + l.v[i].off;
		kw_ftype type = l.v[i].type;
		if (type == KW_FT_NONE) {
			struct stat st;
			type = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
				       ? kw_ftype_from_mode(st.st_mode)
				       : KW_FT_OTHER;
		}
		v[i].type = type;
		if (!(v[i].name = strdup(name))) {
			kw_dirents_free(v, i);
			nlist_release(&l);
			return -ENOMEM;
		}
	}
	size_t n = l.n;
	nlist_release(&l);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ---- walk ---- */

static bool is_pseudo_fs(int fd)
{
	static const unsigned long magics[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, DEVPTS_SUPER_MAGIC, CGROUP_SUPER_MAGIC,
		CGROUP2_SUPER_MAGIC, SECURITYFS_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC,
		BPF_FS_MAGIC, PSTOREFS_MAGIC, CONFIGFS_MAGIC, FUSECTL_SUPER_MAGIC,
		MQUEUE_MAGIC, HUGETLBFS_MAGIC, AUTOFS_SUPER_MAGIC, BINFMTFS_MAGIC,
		SELINUX_MAGIC, SMACK_MAGIC, EFIVARFS_MAGIC, NSFS_MAGIC,
		/* devtmpfs reports TMPFS_MAGIC: on the host it is skipped by path (/dev) */
	};
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return false;
	for (size_t i = 0; i < KW_ARRAY_LEN(magics); i++)
		if ((unsigned long)sfs.f_type == magics[i])
			return true;
	return false;
}

static bool host_skip(const char *path)
{
	static const char *const skip[] = { "/proc", "/sys", "/dev", "/run" };
	for (size_t i = 0; i < KW_ARRAY_LEN(skip); i++)
		if (strcmp(path, skip[i]) == 0)
			return true;
	return false;
}

struct wframe {
	int fd;
	struct nlist names;
	size_t i;
	size_t pathlen;
};

/* Open a regular file of the walk for sniffing: never follows a link, never blocks, and
 * leaves atime alone where allowed. */
static int open_for_sniff(int dfd, const char *name)
{
	static const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd = openat(dfd, name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags);
	return fd;
}

/* Sniff the head of an open regular file of `size` bytes (from fstat): one read for the
 * common small file, no second read just to see EOF. */
static int sniff_fd(int fd, const char *path, kw_sniff_fn sniff, uint64_t size)
{
	uint8_t head[KW_SNIFF_HEAD];
	size_t want = size < sizeof head ? (size_t)size : sizeof head;
	size_t len = 0;
	while (len < want) {
		ssize_t n = read(fd, head + len, want - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		return 0;
	int kind = sniff(path, head, len);
	return kind > 0 ? kind : 0;
}

/* Stat (and sniff) one entry that d_type or fstatat says is a regular file. Returns 1 if
 * it is still a regular file (st, kind set), 0 to skip it. Only a name the directory
 * listed as a regular file is ever opened; the open fd is checked again with fstat. */
static int walk_file(int dfd, const char *name, const char *path, const kw_walk_opts *o,
		     struct stat *st, bool have_st, int *kind)
{
	*kind = 0;
	if (o->sniff) {
		_cleanup_close_ int fd = open_for_sniff(dfd, name);
		if (fd >= 0) {
			struct stat fst;
			if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
				return 0;
			if (have_st && (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino))
				return 0;
			*st = fst;
			if (st->st_size > 0 &&
			    (o->max_size == 0 || (uint64_t)st->st_size <= o->max_size))
				*kind = sniff_fd(fd, path, o->sniff, (uint64_t)st->st_size);
			return 1;
		}
		/* unreadable: still reported, with kind 0 */
	}
	if (!have_st && fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return S_ISREG(st->st_mode) ? 1 : 0;
}

static int dir_walk(kw_target *t, const char *start, const kw_walk_opts *o, kw_walk_fn fn,
		    void *ctx, uint64_t *ret_errors)
{
	struct dir_impl *d = t->impl;
	struct wframe stack[KW_WALK_MAX_DEPTH + 1];
	size_t depth = 0;
	uint64_t errors = 0, files = 0;
	char path[KW_PATH_MAX];
	int r;

	int n = kw_path_normalize(start, strlen(start), path, sizeof path);
	if (n < 0)
		return n;
	size_t plen = (size_t)n;
	if (plen == 1)
		plen = 0; /* "/" -> children are "/name" */
	path[plen] = '\0';

	int fd = -1;
	r = dir_open(d, start, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY, true, &fd);
	if (r < 0)
		return r;
	if (is_pseudo_fs(fd)) {
		close(fd);
		return 0;
	}
	stack[0] = (struct wframe){ .fd = fd, .pathlen = plen };
	r = read_names(fd, WALK_MAX_DIR_ENTRIES, &stack[0].names);
	if (r < 0) {
		close(fd);
		return r;
	}
	depth = 1;

	r = 0;
	while (depth > 0) {
		struct wframe *f = &stack[depth - 1];
		if (f->i >= f->names.n) {
			close(f->fd);
			nlist_release(&f->names);
			depth--;
			continue;
		}
		struct nrow *row = &f->names.v[f->i++];
		const char *name = f->names.arena + row->off;
		int dfd = f->fd;
		size_t nlen = strlen(name);
		if (f->pathlen + 1 + nlen >= sizeof path) {
			errors++;
			continue;
		}
		path[f->pathlen] = '/';
		memcpy(path + f->pathlen + 1, name, nlen + 1);

		struct stat st;
		bool have_st = false;
		kw_ftype type = row->type;
		if (type == KW_FT_NONE) {
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			have_st = true;
			type = kw_ftype_from_mode(st.st_mode);
		}
		if (type == KW_FT_DIR) {
			if (d->host && host_skip(path))
				continue;
			if (depth > KW_WALK_MAX_DEPTH) {
				errors++;
				continue;
			}
			int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			if (cfd < 0) {
				errors++;
				continue;
			}
			if (is_pseudo_fs(cfd)) {
				close(cfd);
				continue;
			}
			struct wframe *c = &stack[depth];
			*c = (struct wframe){ .fd = cfd, .pathlen = f->pathlen + 1 + nlen };
			if (read_names(cfd, WALK_MAX_DIR_ENTRIES, &c->names) < 0) {
				close(cfd);
				errors++;
				continue;
			}
			depth++;
			continue;
		}
		if (type != KW_FT_REG)
			continue;
		int kind;
		if (!walk_file(dfd, name, path, o, &st, have_st, &kind))
			continue;
		kw_stat kst;
		kw_stat_from_sys(&st, &kst);
		r = fn(ctx, path, &kst, kind);
		if (r < 0)
			break;
		r = 0;
		files++;
		if (o->progress && files % KW_WALK_PROGRESS_EVERY == 0)
			o->progress(o->progress_ctx, files);
	}
	while (depth > 0) {
		close(stack[depth - 1].fd);
		nlist_release(&stack[depth - 1].names);
		depth--;
	}
	if (ret_errors)
		*ret_errors += errors;
	return r;
}

static const kw_target_ops dir_ops = {
	.stat = dir_stat,
	.lstat = dir_lstat,
	.read = dir_read,
	.list = dir_list,
	.walk = dir_walk,
	.free = dir_impl_free,
};

int kw_target_open_dir(const char *root, kw_target **ret)
{
	if (!root || !*root || !ret)
		return -EINVAL;
	struct dir_impl *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->cache_fd = -1;
	d->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->rootfd < 0) {
		int r = -errno;
		free(d);
		return r;
	}
	const char *no = getenv("KW_NO_OPENAT2");
	d->use_openat2 = !(no && *no && strcmp(no, "0") != 0);
	if (d->use_openat2) {
		struct open_how how = {
			.flags = O_PATH | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, d->rootfd, ".", &how, sizeof how);
		if (fd >= 0)
			close((int)fd);
		else if (errno == ENOSYS)
			d->use_openat2 = false;
	}
	struct stat a, b;
	d->host = fstat(d->rootfd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev &&
		  a.st_ino == b.st_ino;
	char *desc = NULL;
	if (d->host)
		desc = strdup("host /");
	else if (asprintf(&desc, "folder %s", root) < 0)
		desc = NULL;
	return kw_target_new(&dir_ops, d, desc, false, ret);
}
