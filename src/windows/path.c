/* path.c — Windows paths inside a target, matched without regard to case. */
#include "windows/path.h"

#include "base/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the entry of dir whose name is name, exactly or else without regard to case */
static int find_entry(kw_target *t, const char *dir, const char *name, size_t len, char **ret)
{
	kw_dirent *d;
	size_t n;
	int r = kw_target_list(t, dir, &d, &n);
	if (r < 0)
		return r;
	const char *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strlen(d[i].name) != len || strncasecmp(d[i].name, name, len))
			continue;
		if (!strncmp(d[i].name, name, len)) {
			best = d[i].name;
			break;
		}
		if (!best)
			best = d[i].name;
	}
	r = -ENOENT;
	if (best)
		r = (*ret = strdup(best)) ? 0 : -ENOMEM;
	kw_dirents_free(d, n);
	return r;
}

int kw_win_path(kw_target *t, const char *path, char **ret)
{
	*ret = NULL;
	kw_stat st;
	/* the common case: spelled as asked */
	if (kw_target_lstat(t, path, &st) == 0)
		return (*ret = strdup(path)) ? 0 : -ENOMEM;
	size_t cap = strlen(path) + 2;
	_cleanup_free_ char *cur = malloc(cap);
	if (!cur)
		return -ENOMEM;
	/* the longest leading part that is spelled as asked: listings only below it (a
	 * profile's missing AppData/.../Credentials costs one listing, not one per level) */
	size_t used = strlen(path);
	memcpy(cur, path, used + 1);
	while (used > 1) {
		while (used > 1 && cur[used - 1] != '/')
			used--;
		while (used > 1 && cur[used - 1] == '/')
			used--;
		cur[used] = '\0';
		if (used <= 1 || kw_target_lstat(t, cur, &st) == 0)
			break;
	}
	if (used <= 1)
		strcpy(cur, "/"), used = 1;
	const char *p = path + (used > 1 ? used : 0);
	while (*p) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		_cleanup_free_ char *name = NULL;
		int r = find_entry(t, cur, p, len, &name);
		if (r < 0)
			return r;
		size_t nl = strlen(name);
		if (used + nl + 2 > cap) /* names match in length, so this cannot happen */
			return -ENOMEM;
		if (used > 1)
			cur[used++] = '/';
		memcpy(cur + used, name, nl + 1);
		used += nl;
		p += len;
	}
	*ret = TAKE_PTR(cur);
	return 0;
}

char *kw_win_path_from_windows(const char *w)
{
	static const char *const roots[] = { "%SystemRoot%", "%WINDIR%" };
	const char *prefix = "";
	size_t skip = 0;
	if (((w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z')) && w[1] == ':' &&
	    (w[2] == '\\' || w[2] == '/'))
		skip = 2;
	else if ((w[0] == '\\' || w[0] == '/') && w[1] != '\\' && w[1] != '/')
		skip = 0;
	else {
		for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
			size_t n = strlen(roots[i]);
			if (!strncasecmp(w, roots[i], n) && (w[n] == '\\' || w[n] == '/')) {
				prefix = "/Windows";
				skip = n;
				break;
			}
		}
		if (!*prefix) {
			errno = EINVAL;
			return NULL;
		}
	}
	const char *rest = w + skip;
	if (!rest[1] && !*prefix) {
		errno = EINVAL;
		return NULL;
	}
	char *s = NULL;
	if (asprintf(&s, "%s%s", prefix, rest) < 0)
		return NULL;
	for (char *c = s; *c; c++)
		if (*c == '\\')
			*c = '/';
	return s;
}
