/* resolve.c — the in-root path resolver and lexical normaliser (see resolve.h).
 * Owned by the target module.
 *
 * State while resolving:
 *   cur  — canonical path resolved so far ("" is the root), never contains a symlink;
 *   rest — the part still to resolve, rest[rpos..rlen). A followed symlink's text is
 *          spliced in front of what follows the link (the buffer is bounded, so the
 *          total work is bounded by KW_RESOLVE_MAX_LINKS * KW_PATH_MAX).
 */
#include "target/resolve.h"
#include "base/err.h"

#include <string.h>

int kw_path_normalize(const char *in, size_t len, char *out, size_t size)
{
	size_t o = 0, i = 0;

	if (size < 2)
		return -ENAMETOOLONG;
	while (i < len && in[i]) {
		while (i < len && in[i] == '/')
			i++;
		size_t s = i;
		while (i < len && in[i] && in[i] != '/')
			i++;
		size_t n = i - s;
		if (n == 0)
			break;
		if (n == 1 && in[s] == '.')
			continue;
		if (n == 2 && in[s] == '.' && in[s + 1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the '/' too */
			continue;
		}
		if (o + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, in + s, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return (int)o;
}

int kw_resolve(const kw_resolve_ops *ops, void *ctx, const char *path, unsigned flags,
	       char *out, kw_ftype *ret_type)
{
	char cur[KW_PATH_MAX];
	char rest[KW_PATH_MAX];
	char link[KW_PATH_MAX];
	size_t curlen = 0, rpos = 0, rlen;
	unsigned depth = 0, links = 0;
	kw_ftype curtype = KW_FT_DIR;

	if (!ops || !path || !out)
		return -EINVAL;
	rlen = strnlen(path, KW_PATH_MAX);
	if (rlen >= KW_PATH_MAX)
		return -ENAMETOOLONG;
	if (rlen == 0)
		return -ENOENT;
	memcpy(rest, path, rlen);
	cur[0] = '\0';

	for (;;) {
		while (rpos < rlen && rest[rpos] == '/')
			rpos++;
		if (rpos >= rlen)
			break;
		size_t s = rpos;
		while (rpos < rlen && rest[rpos] != '/')
			rpos++;
		size_t n = rpos - s;
		size_t k = rpos;
		while (k < rlen && rest[k] == '/')
			k++;
		bool last = k >= rlen;
		bool trailing = rpos < rlen; /* a slash follows this component */

		if (n == 1 && rest[s] == '.') {
			curtype = KW_FT_DIR;
			continue;
		}
		if (n == 2 && rest[s] == '.' && rest[s + 1] == '.') {
			while (curlen > 0 && cur[curlen - 1] != '/')
				curlen--;
			if (curlen > 0) {
				curlen--;
				depth--;
			}
			cur[curlen] = '\0';
			curtype = KW_FT_DIR;
			continue;
		}
		if (curlen + 1 + n >= KW_PATH_MAX)
			return -ENAMETOOLONG;
		if (depth + 1 > KW_RESOLVE_MAX_DEPTH)
			return KW_E_LOOP;
		/* candidate = cur + "/" + component */
		size_t save = curlen;
		cur[curlen] = '/';
		memcpy(cur + curlen + 1, rest + s, n);
		cur[curlen + 1 + n] = '\0';

		kw_ftype type = KW_FT_NONE;
		int r = ops->lookup(ctx, cur, &type);
		if (r < 0)
			return r;
		if (type == KW_FT_NONE)
			return -ENOENT;

		if (type == KW_FT_LNK && (!last || trailing || (flags & KW_RESOLVE_FOLLOW))) {
			size_t ll = 0;
			if (++links > KW_RESOLVE_MAX_LINKS)
				return KW_E_LOOP;
			r = ops->readlink(ctx, cur, link, sizeof link, &ll);
			if (r < 0)
				return r;
			if (ll == 0 || ll >= sizeof link)
				return -ENOENT;
			cur[save] = '\0';
			/* new rest = link text + rest[rpos..rlen) (which starts with '/' or is empty) */
			size_t tail = rlen - rpos;
			if (ll + tail >= KW_PATH_MAX)
				return -ENAMETOOLONG;
			memmove(rest + ll, rest + rpos, tail);
			memcpy(rest, link, ll);
			rlen = ll + tail;
			rpos = 0;
			if (link[0] == '/') {
				curlen = 0;
				depth = 0;
				cur[0] = '\0';
			}
			curtype = KW_FT_DIR;
			continue;
		}
		if ((!last || trailing) && type != KW_FT_DIR)
			return -ENOTDIR;
		curlen = save + 1 + n;
		depth++;
		curtype = type;
	}

	if (curlen == 0) {
		out[0] = '/';
		out[1] = '\0';
	} else {
		memcpy(out, cur, curlen + 1);
	}
	if (ret_type)
		*ret_type = curtype;
	return 0;
}
