/* err.h — keyward's one error space.
 *
 * Library functions return 0 (or a non-negative count) on success and a negative
 * KW_E* code on failure. Codes that mirror an errno are -errno (so -ENOENT works as is);
 * keyward's own codes live below KW_E_BASE so they never collide with errno values.
 * kw_strerror() names any of them. Library code never prints: only src/cmd talks to users.
 */
#ifndef KW_BASE_ERR_H
#define KW_BASE_ERR_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

enum {
	KW_E_BASE = -10000,
	KW_E_PARSE,      /* malformed input (a line, a field, a blob) */
	KW_E_TOOBIG,     /* input over a size cap */
	KW_E_NOTREG,     /* not a regular file (device, fifo, socket, directory) */
	KW_E_ESCAPE,     /* a path tried to leave the target root */
	KW_E_LOOP,       /* too many symlinks or too deep */
	KW_E_ARCHIVE,    /* the archive is truncated or corrupt */
	KW_E_UNSUPPORTED,/* a format or key type keyward does not know */
	KW_E_USAGE,      /* bad command-line or profile syntax */
	KW_E_CRYPTO,     /* libcrypto failed */
	KW_E_NOTKEPT,    /* the tar backend did not retain this file's content */
	KW_E_CHANGED,    /* the file changed since the plan was made */
	KW_E_INROOT,     /* a journal or backup would land inside the image root */
	KW_E_REFUSED,    /* a safety rule refused the change (lock-out guard, sshd -t) */
	KW_E_SIGNATURE,  /* a signature does not verify (a server's exchange hash, a log chain) */
	KW_E_TIMEOUT,    /* a deadline passed (a scan phase) */
	KW_E_LAST
};

/* Name an error code (negative errno or KW_E_*). Never returns NULL. */
const char *kw_strerror(int err);

/* printf into a caller's message buffer err[errlen]; does nothing when err is NULL or
 * errlen 0 (library functions that take an optional "char *err, size_t errlen"). */
void kw_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kw_verrf(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
