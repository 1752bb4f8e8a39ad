/* file.h — small files the user names on the command line (profiles, the guard's config):
 * read whole with a size cap, and the folder a path lives in.
 *
 * Not for files inside a target root: those go through src/target, which confines paths.
 */
#ifndef KW_BASE_FILE_H
#define KW_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Read a whole regular file of at most max bytes into *ret (NUL-terminated; *ret_len does
 * not count the NUL; caller frees). Never blocks on a FIFO; refuses anything but a regular
 * file (KW_E_NOTREG) and a file over max, also one that grows while read (KW_E_TOOBIG).
 * st (may be NULL) gets the file's stat. 0 or a negative code. */
int kw_file_read_capped(const char *path, size_t max, char **ret, size_t *ret_len, struct stat *st);

/* Up to max bytes of the rest of an open file into *ret (NUL-terminated; *ret_len does not
 * count the NUL; caller frees); *truncated: there was more. size_hint is the file's size
 * when fstat knows it (else -1): the buffer starts one byte over it and a read that
 * reaches it ends the file. */
int kw_fd_read_upto(int fd, size_t max, int64_t size_hint, char **ret, size_t *ret_len,
		    bool *truncated);
/* The rest of an open file, at most max bytes (else KW_E_TOOBIG), into *ret
 * (NUL-terminated; *ret_len does not count the NUL; caller frees). The buffer grows with
 * what is read: a large cap costs nothing for a small input. */
int kw_fd_read_capped(int fd, size_t max, char **ret, size_t *ret_len);
/* Write all of buf[0..len) to fd (short writes and EINTR retried): 0, -errno, or -EIO when
 * write makes no progress. */
int kw_fd_write_all(int fd, const void *buf, size_t len);

/* Open path (relative to dirfd: AT_FDCWD for the working folder) read-only, never
 * blocking on a FIFO, and only if it is a regular file (else KW_E_NOTREG); with nofollow,
 * a symbolic link as the last component is refused (-ELOOP). st (may be NULL) receives
 * its stat. Returns the descriptor (>= 0, close-on-exec) or a negative code. */
int kw_open_regular_at(int dirfd, const char *path, bool nofollow, struct stat *st);

/* The folder part of a path: "." when there is none, "/" for a file in the root
 * (caller frees; NULL on ENOMEM). */
char *kw_path_dir(const char *path);

/* mkdir -p: dir and each missing folder above it, new ones with mode (an existing
 * component is fine, whatever it is; stat it first if that matters). 0 or -errno,
 * -ENAMETOOLONG. */
int kw_mkdir_p(const char *dir, mode_t mode);
/* kw_mkdir_p of the folder that holds path (nothing for "name" or "/name"); -ENOTDIR when
 * that folder exists and is not one. */
int kw_mkdir_parents(const char *path, mode_t mode);

#endif
