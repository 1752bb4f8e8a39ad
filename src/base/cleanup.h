/* cleanup.h — scope-exit release, in the style of systemd's _cleanup_.
 *
 *   _cleanup_free_ char *s = NULL;      freed when s leaves scope
 *   _cleanup_close_ int fd = -1;        closed when fd leaves scope (if >= 0)
 *   return TAKE_PTR(s);                 hand ownership out; s becomes NULL
 *
 * Every destructor used with these accepts NULL / -1.
 */
#ifndef KW_BASE_CLEANUP_H
#define KW_BASE_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>

static inline void kw_freep(void *p) { free(*(void **)p); }
static inline void kw_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void kw_fclosep(FILE **f) { if (*f) fclose(*f); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(kw_freep)
#define _cleanup_close_ _cleanup_(kw_closep)
#define _cleanup_fclose_ _cleanup_(kw_fclosep)

#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define KW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
