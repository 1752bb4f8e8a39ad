/* internal.h — what the target backends (dir.c, tar.c) share with target.c. Private to
 * src/target (and its unit test); owned by the target module.
 *
 * A kw_target is a small object: a vtable of backend operations, a description string,
 * the warnings list and the backend's own state behind `impl`. target.c checks the
 * arguments of every public call (non-NULL, path length) and then dispatches; backends
 * may assume a non-empty, NUL-terminated path shorter than KW_PATH_MAX.
 */
#ifndef KW_TARGET_INTERNAL_H
#define KW_TARGET_INTERNAL_H

#include "target/target.h"

#include "base/strindex.h"

#include <sys/stat.h>

#define KW_READ_DEFAULT ((size_t)1 << 20)  /* kw_target_read max 0 */
#define KW_READ_HARD_MAX ((size_t)1 << 30) /* larger max values are clamped to this */
#define KW_WALK_MAX_DEPTH 64
#define KW_LIST_MAX 100000
#define KW_WARNINGS_MAX 1000
#define KW_WALK_PROGRESS_EVERY 1000

typedef struct kw_target_ops {
	int (*stat)(kw_target *t, const char *path, kw_stat *ret);
	int (*lstat)(kw_target *t, const char *path, kw_stat *ret);
	/* checked: the caller has just seen path as a regular file (the stat memo), so the
	 * backend may skip its own check before opening (it still checks what it opened) */
	int (*read)(kw_target *t, const char *path, size_t max, bool checked, kw_file *ret);
	int (*list)(kw_target *t, const char *dir, kw_dirent **ret, size_t *ret_n);
	int (*walk)(kw_target *t, const char *start, const kw_walk_opts *o, kw_walk_fn fn,
		    void *ctx, uint64_t *ret_errors);
	void (*free)(void *impl);
} kw_target_ops;

struct kw_target {
	const kw_target_ops *ops;
	void *impl;
	char *desc;
	bool is_tar;
	kw_target_warning *warnings;
	size_t n_warnings, cap_warnings;
	uint64_t dropped_warnings; /* warnings over KW_WARNINGS_MAX, not kept */
	/* the stat memo (kw_target_memo_stats): "S"/"L" + path -> row */
	bool memo_on;
	kw_strindex memo_ix;
	struct kw_memo_row *memo;
	size_t memo_n, memo_cap;
};

/* Make a target; takes ownership of desc (malloc'd) and impl (freed with ops->free),
 * also on failure. */
int kw_target_new(const kw_target_ops *ops, void *impl, char *desc, bool is_tar,
		  kw_target **ret);

/* Append a warning (strings copied; either may be NULL). 0 or -ENOMEM. */
int kw_target_add_warning(kw_target *t, const char *path, int err, const char *detail);

/* struct stat -> kw_stat. */
void kw_stat_from_sys(const struct stat *st, kw_stat *ret);
kw_ftype kw_ftype_from_mode(mode_t m);

/* Test hook: does this folder target open paths with openat2 (false: the manual
 * component walk, because openat2 is missing or KW_NO_OPENAT2=1 was set at open)?
 * false for tar targets. */
bool kw_target_dir_uses_openat2(const kw_target *t);
/* Test hook: treat this folder target as the host "/" (skip /proc /sys /dev /run). */
void kw_target_dir_set_host(kw_target *t, bool host);

#endif
