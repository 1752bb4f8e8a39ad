/* resolve.h — one resolver of paths inside a root, with RESOLVE_IN_ROOT semantics.
 * Owned by the target module; used by the tar backend (over the archive's entry index)
 * and by the folder backend when openat2 is missing (over O_NOFOLLOW component opens).
 *
 * The resolver never touches anything itself: it asks two callbacks about canonical
 * paths ("/a/b": absolute, no "." or "..", no symlink in any parent component):
 *   lookup   — what is the entry at this path, without following it (-ENOENT if none);
 *   readlink — the text of the symlink at this path.
 * Components are taken one at a time: "." is skipped, ".." goes up but never above the
 * root, a symlink's text is spliced in front of the rest of the path, and an absolute
 * link text starts again at the root. At most KW_RESOLVE_MAX_LINKS links are followed
 * (KW_E_LOOP), paths are at most KW_PATH_MAX bytes (-ENAMETOOLONG) and at most
 * KW_RESOLVE_MAX_DEPTH components deep (KW_E_LOOP). A component that is not the last
 * must be a directory (-ENOTDIR); a trailing slash makes the last one a directory too.
 * No recursion: a loop over a bounded work buffer.
 */
#ifndef KW_TARGET_RESOLVE_H
#define KW_TARGET_RESOLVE_H

#include "target/target.h"

#include <stddef.h>

#define KW_PATH_MAX 4096
#define KW_RESOLVE_MAX_LINKS 40
#define KW_RESOLVE_MAX_DEPTH 512

typedef struct kw_resolve_ops {
	/* Type of the entry at canonical path `path` (not followed). 0 or negative. */
	int (*lookup)(void *ctx, const char *path, kw_ftype *ret_type);
	/* Text of the symlink at `path`, copied into buf (size bytes, NUL-terminated);
	 * *ret_len is its length. A text that does not fit: -ENAMETOOLONG. */
	int (*readlink)(void *ctx, const char *path, char *buf, size_t size, size_t *ret_len);
} kw_resolve_ops;

enum {
	KW_RESOLVE_FOLLOW = 1 << 0, /* follow a symlink in the last component too */
};

/* Resolve `path` (absolute or relative: both start at the root) into `out`, a canonical
 * path of the entry found ("/" for the root), and its type (KW_FT_LNK only without
 * KW_RESOLVE_FOLLOW). out has KW_PATH_MAX bytes. Outputs written only on success. */
int kw_resolve(const kw_resolve_ops *ops, void *ctx, const char *path, unsigned flags,
	       char *out, kw_ftype *ret_type);

/* Lexical normalisation without any lookup: "./etc//x", "etc/x", "/etc/./x" -> "/etc/x";
 * ".." removes the previous component and stops at the root; "" and "." -> "/".
 * `in` is in[0..len) (may contain any byte except that NUL ends it early). out has
 * `size` bytes. Returns the length of out, or -ENAMETOOLONG. */
int kw_path_normalize(const char *in, size_t len, char *out, size_t size);

#endif
