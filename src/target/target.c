/* target.c — the kw_target object: argument checks, dispatch to the backend's vtable,
 * the warnings list, and the release functions for kw_file and kw_dirent arrays.
 * Owned by the target module. Backends: dir.c (folder, host "/"), tar.c (archives).
 */
#include "base/vec.h"
#include "target/internal.h"
#include "target/resolve.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

int kw_target_new(const kw_target_ops *ops, void *impl, char *desc, bool is_tar,
		  kw_target **ret)
{
	kw_target *t = calloc(1, sizeof *t);
	if (!t || !desc) {
		free(t);
		free(desc);
		if (impl)
			ops->free(impl);
		return -ENOMEM;
	}
	t->ops = ops;
	t->impl = impl;
	t->desc = desc;
	t->is_tar = is_tar;
	*ret = t;
	return 0;
}

/* ---- the stat memo ---- */

struct kw_memo_row {
	char *key;    /* 'S' or 'L', then the path (owned; the index points at it) */
	int r;        /* the call's result */
	kw_stat st;   /* when r == 0 */
};

void kw_target_free(kw_target *t)
{
	if (!t)
		return;
	if (t->impl)
		t->ops->free(t->impl);
	for (size_t i = 0; i < t->n_warnings; i++) {
		free(t->warnings[i].path);
		free(t->warnings[i].detail);
	}
	free(t->warnings);
	for (size_t i = 0; i < t->memo_n; i++)
		free(t->memo[i].key);
	free(t->memo);
	kw_strindex_release(&t->memo_ix);
	free(t->desc);
	free(t);
}

void kw_target_memo_stats(kw_target *t)
{
	if (t)
		t->memo_on = true;
}

/* key[] = kind + path (the path was checked: shorter than KW_PATH_MAX) */
static void memo_key(char kind, const char *path, char key[KW_PATH_MAX + 1])
{
	key[0] = kind;
	strcpy(key + 1, path);
}

static const struct kw_memo_row *memo_get(const kw_target *t, const char *key)
{
	size_t i = kw_strindex_get(&t->memo_ix, key);
	return i == KW_STRINDEX_NONE ? NULL : &t->memo[i];
}

/* Remember (best effort: a full memo or no memory just means the next call asks again) */
static void memo_put(kw_target *t, const char *key, int r, const kw_stat *st)
{
	if (t->memo_n >= KW_MEMO_MAX)
		return;
	if (t->memo_n == t->memo_cap) {
		size_t ncap = t->memo_cap ? t->memo_cap * 2 : 256;
		struct kw_memo_row *nv = realloc(t->memo, ncap * sizeof *nv);
		if (!nv)
			return;
		t->memo = nv;
		t->memo_cap = ncap;
	}
	char *k = strdup(key);
	if (!k)
		return;
	if (kw_strindex_put(&t->memo_ix, k, t->memo_n, NULL) != 0) { /* known already, or no memory */
		free(k);
		return;
	}
	t->memo[t->memo_n++] = (struct kw_memo_row){ .key = k, .r = r, .st = r == 0 ? *st : (kw_stat){ 0 } };
}

/* stat or lstat through the memo: only results that describe the tree (found, or not
 * there) are kept, not transient failures such as -ENOMEM or -EMFILE */
static int stat_memo(kw_target *t, const char *path, bool follow, kw_stat *ret)
{
	int (*op)(kw_target *, const char *, kw_stat *) = follow ? t->ops->stat : t->ops->lstat;
	if (!t->memo_on)
		return op(t, path, ret);
	char key[KW_PATH_MAX + 1];
	memo_key(follow ? 'S' : 'L', path, key);
	const struct kw_memo_row *m = memo_get(t, key);
	if (!m && follow) {
		/* what lstat saw answers stat too, unless it saw a symlink */
		key[0] = 'L';
		m = memo_get(t, key);
		key[0] = 'S';
		if (m && (m->r == 0 ? m->st.type == KW_FT_LNK : m->r != -ENOENT))
			m = NULL;
	}
	if (m) {
		if (m->r == 0)
			*ret = m->st;
		return m->r;
	}
	int r = op(t, path, ret);
	if (r == 0 || r == -ENOENT || r == -ENOTDIR || r == -EACCES || r == KW_E_ESCAPE || r == KW_E_LOOP)
		memo_put(t, key, r, ret);
	return r;
}

int kw_target_add_warning(kw_target *t, const char *path, int err, const char *detail)
{
	if (t->n_warnings >= KW_WARNINGS_MAX) {
		t->dropped_warnings++;
		return 0;
	}
	if (KW_VEC_RESERVE(t->warnings, t->n_warnings, t->cap_warnings) < 0)
		return -ENOMEM;
	kw_target_warning w = { .err = err };
	if (path && !(w.path = strdup(path)))
		return -ENOMEM;
	if (detail && !(w.detail = strdup(detail))) {
		free(w.path);
		return -ENOMEM;
	}
	t->warnings[t->n_warnings++] = w;
	return 0;
}

const char *kw_target_describe(const kw_target *t)
{
	return t ? t->desc : "";
}

bool kw_target_is_tar(const kw_target *t)
{
	return t && t->is_tar;
}

const kw_target_warning *kw_target_warnings(const kw_target *t, size_t *n)
{
	if (!t) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = t->n_warnings;
	return t->warnings;
}

kw_ftype kw_ftype_from_mode(mode_t m)
{
	if (S_ISREG(m))
		return KW_FT_REG;
	if (S_ISDIR(m))
		return KW_FT_DIR;
	if (S_ISLNK(m))
		return KW_FT_LNK;
	return KW_FT_OTHER;
}

void kw_stat_from_sys(const struct stat *st, kw_stat *ret)
{
	*ret = (kw_stat){
		.type = kw_ftype_from_mode(st->st_mode),
		.mode = (uint32_t)(st->st_mode & 07777),
		.uid = st->st_uid,
		.gid = st->st_gid,
		.size = st->st_size > 0 ? (uint64_t)st->st_size : 0,
		.nlink = st->st_nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st->st_nlink,
		.mtime = (int64_t)st->st_mtim.tv_sec,
	};
}

/* Every public path: non-empty, shorter than KW_PATH_MAX. */
static int check_path(const char *path)
{
	if (!path)
		return -EINVAL;
	size_t n = strnlen(path, KW_PATH_MAX);
	if (n == 0)
		return -ENOENT;
	if (n >= KW_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int kw_target_stat(kw_target *t, const char *path, kw_stat *ret)
{
	if (!t || !ret)
		return -EINVAL;
	int r = check_path(path);
	if (r < 0)
		return r;
	return stat_memo(t, path, true, ret);
}

int kw_target_lstat(kw_target *t, const char *path, kw_stat *ret)
{
	if (!t || !ret)
		return -EINVAL;
	int r = check_path(path);
	if (r < 0)
		return r;
	return stat_memo(t, path, false, ret);
}

int kw_target_read(kw_target *t, const char *path, size_t max, kw_file *ret)
{
	if (!t || !ret)
		return -EINVAL;
	int r = check_path(path);
	if (r < 0)
		return r;
	if (max == 0)
		max = KW_READ_DEFAULT;
	if (max > KW_READ_HARD_MAX)
		max = KW_READ_HARD_MAX;
	if (!t->memo_on)
		return t->ops->read(t, path, max, false, ret);
	char key[KW_PATH_MAX + 1];
	memo_key('S', path, key);
	const struct kw_memo_row *m = memo_get(t, key);
	if (m && m->r < 0)
		return m->r;
	if (m && m->st.type != KW_FT_REG)
		return KW_E_NOTREG;
	r = t->ops->read(t, path, max, m != NULL, ret);
	if (m)
		return r; /* the memo keeps what it saw first */
	if (r == 0)
		memo_put(t, key, 0, &ret->st);
	else if (r == -ENOENT || r == -ENOTDIR)
		memo_put(t, key, r, NULL);
	return r;
}

void kw_file_release(kw_file *f)
{
	if (!f)
		return;
	free(f->data);
	*f = (kw_file){ 0 };
}

int kw_target_list(kw_target *t, const char *dir, kw_dirent **ret, size_t *ret_n)
{
	if (!t || !ret || !ret_n)
		return -EINVAL;
	int r = check_path(dir);
	if (r < 0)
		return r;
	return t->ops->list(t, dir, ret, ret_n);
}

void kw_dirents_free(kw_dirent *d, size_t n)
{
	if (!d)
		return;
	for (size_t i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

int kw_target_walk(kw_target *t, const char *start, const kw_walk_opts *o,
		   kw_walk_fn fn, void *ctx, uint64_t *ret_errors)
{
	static const kw_walk_opts none = { 0 };
	if (!t || !fn)
		return -EINVAL;
	int r = check_path(start);
	if (r < 0)
		return r;
	if (ret_errors)
		*ret_errors = 0;
	return t->ops->walk(t, start, o ? o : &none, fn, ctx, ret_errors);
}
