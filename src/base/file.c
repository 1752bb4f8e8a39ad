/* file.c — see file.h. */
#include "base/file.h"

#include "base/cleanup.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kw_open_regular_at(int dirfd, const char *path, bool nofollow, struct stat *st)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
					(nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return KW_E_NOTREG;
	if (st)
		*st = sb;
	return TAKE_FD(fd);
}

int kw_fd_read_upto(int fd, size_t max, int64_t size_hint, char **ret, size_t *ret_len,
		    bool *truncated)
{
	/* one byte over the size, when known: a read that stops at the size is the end of
	 * the file, with no second read to learn it; unknown (a pipe): 64 KiB, doubling up
	 * to max, so a cap of a gigabyte costs nothing for a short input */
	size_t cap = size_hint < 0 ? (size_t)64 << 10
		     : (uint64_t)size_hint < max ? (size_t)size_hint + 1 : max;
	if (cap < 4096)
		cap = 4096;
	if (cap > max)
		cap = max;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	bool eof = false;
	while (len < max) {
		if (len == cap) {
			size_t ncap = cap * 2 < max ? cap * 2 : max;
			char *nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		len += (size_t)n;
		if (size_hint > 0 && len == (uint64_t)size_hint && len < cap) {
			eof = true;
			break;
		}
	}
	*truncated = false;
	if (!eof) {
		char probe;
		ssize_t n;
		do
			n = read(fd, &probe, 1);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		*truncated = n > 0;
	}
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int kw_fd_read_capped(int fd, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	int64_t hint = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
	bool truncated;
	int r = kw_fd_read_upto(fd, max, hint, ret, ret_len, &truncated);
	if (r == 0 && truncated) {
		free(*ret);
		*ret = NULL;
		return KW_E_TOOBIG;
	}
	return r;
}

int kw_file_read_capped(const char *path, size_t max, char **ret, size_t *ret_len, struct stat *st)
{
	struct stat sb;
	_cleanup_close_ int fd = kw_open_regular_at(AT_FDCWD, path, false, &sb);
	if (fd < 0)
		return fd;
	if ((uint64_t)sb.st_size > max)
		return KW_E_TOOBIG;
	int r = kw_fd_read_capped(fd, max, ret, ret_len);
	if (r == 0 && st)
		*st = sb;
	return r;
}

char *kw_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int kw_mkdir_p(const char *dir, mode_t mode)
{
	size_t l = strlen(dir);
	if (l == 0 || l >= PATH_MAX)
		return l ? -ENAMETOOLONG : -EINVAL;
	char buf[PATH_MAX];
	memcpy(buf, dir, l + 1);
	for (size_t i = 1; i <= l; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
	}
	return 0;
}

int kw_mkdir_parents(const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	size_t l = (size_t)(slash - path);
	if (l >= PATH_MAX)
		return -ENAMETOOLONG;
	char buf[PATH_MAX];
	memcpy(buf, path, l);
	buf[l] = '\0';
	struct stat st;
	if (stat(buf, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	return kw_mkdir_p(buf, mode);
}

int kw_fd_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
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
