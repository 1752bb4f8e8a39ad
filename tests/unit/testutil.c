/* testutil.c — see testutil.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <string.h>

uint8_t *kwt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

const kw_diag *kwt_diag_at(const kw_diags *d, unsigned line)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line)
			return &d->v[i];
	return NULL;
}

int kwt_mkdtemp(char *dir, size_t cap, const char *prefix)
{
	size_t n = strlen("/tmp/") + strlen(prefix);
	if (n + 7 > cap)
		return -1;
	snprintf(dir, cap, "/tmp/%s", prefix);
	memset(dir + n, 'X', 6); /* mkdtemp's six-letter template */
	dir[n + 6] = '\0';
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(p);
}

int kwt_rm_tree(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fixture_path(const char *root, const char *rel, char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, "%s%s", root, rel) >= n)
		fail_msg("fixture path too long: %s%s", root, rel);
}

void kwt_put(const char *root, const char *rel, const char *text, mode_t mode, uid_t uid)
{
	char p[512];
	fixture_path(root, rel, p, sizeof p);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
	assert_int_equal(chown(p, uid, uid), 0);
}

void kwt_mkdir(const char *root, const char *rel, mode_t mode, uid_t uid)
{
	char p[512];
	fixture_path(root, rel, p, sizeof p);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	assert_int_equal(chown(p, uid, uid), 0);
}

void kwt_chmod(const char *root, const char *rel, mode_t mode)
{
	char p[512];
	fixture_path(root, rel, p, sizeof p);
	assert_int_equal(chmod(p, mode), 0);
}
