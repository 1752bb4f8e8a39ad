/* fuzz_tar.c — libFuzzer harness for the tar backend (src/target/tar.c) and the in-root
 * resolver it uses (src/target/resolve.c).
 * Owner: target module.
 *
 * The input is an archive (any compression libarchive is allowed to detect). It is put in
 * a memfd and opened by path through /proc/self/fd/N, then a fixed set of paths is
 * stat'ed, lstat'ed, read and listed, every listed entry is stat'ed and read, and the
 * whole tree is walked. Properties checked: nothing crashes or leaks; a successful read
 * is NUL-terminated, no longer than asked and no longer than the entry's size; list
 * entries are one component each and sorted; walked paths are absolute and every walked
 * file stats as a regular file of the same size.
 */
#include "base/err.h"
#include "target/target.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want_all(const char *path, const kw_stat *st)
{
	(void)st;
	/* keep most content, but not all: NOTKEPT paths are exercised too */
	return strstr(path, "nokeep") == NULL;
}

static int sniff(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (len == 0 || len > KW_SNIFF_HEAD)
		abort();
	return head[0] == '-' ? 1 : 0;
}

static void check_file(kw_target *t, const char *p, size_t max)
{
	kw_file f = { 0 };
	if (kw_target_read(t, p, max, &f) < 0)
		return;
	if (!f.data || f.data[f.len] != '\0' || f.len > (max ? max : (size_t)1 << 20) ||
	    f.len > f.st.size || f.st.type != KW_FT_REG)
		abort();
	kw_file_release(&f);
}

static void probe(kw_target *t, const char *p)
{
	kw_stat st;
	(void)kw_target_stat(t, p, &st);
	(void)kw_target_lstat(t, p, &st);
	check_file(t, p, 0);
	check_file(t, p, 7);
}

static void probe_list(kw_target *t, const char *dir, int depth)
{
	kw_dirent *d = NULL;
	size_t n = 0;
	if (kw_target_list(t, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n && i < 32; i++) {
		if (!d[i].name[0] || strchr(d[i].name, '/'))
			abort();
		if (i > 0 && strcmp(d[i - 1].name, d[i].name) >= 0)
			abort();
		char p[4200];
		int pn = snprintf(p, sizeof p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, d[i].name);
		if (pn < 0 || (size_t)pn >= sizeof p)
			continue;
		probe(t, p);
		if (depth < 2 && d[i].type == KW_FT_DIR)
			probe_list(t, p, depth + 1);
	}
	kw_dirents_free(d, n);
}

static int walk_fn(void *ctx, const char *path, const kw_stat *st, int kind)
{
	kw_target *t = ctx;
	if (path[0] != '/' || st->type != KW_FT_REG || kind < 0)
		abort();
	kw_stat l;
	if (kw_target_lstat(t, path, &l) == 0 && (l.type != KW_FT_REG || l.size != st->size))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kw-fuzz-tar", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	kw_tar_opts o = {
		.want = want_all,
		.sniff = sniff,
		.max_file = 64 << 10,
		.max_total = 1 << 20,
		.max_entries = 20000,
	};
	kw_target *t = NULL;
	if (kw_target_open_tar(path, &o, &t) == 0) {
		static const char *const paths[] = {
			"/", "/etc", "/etc/passwd", "/etc/shadow", "a", "/a/b/c", "/x/../y", "//",
			"/./..", "/home/u/.ssh/authorized_keys", "/etc/passwd/", "/l", "/l/x",
		};
		for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
			probe(t, paths[i]);
		probe_list(t, "/", 0);
		uint64_t errors = 0;
		kw_walk_opts wo = { .max_size = 1000 };
		(void)kw_target_walk(t, "/", &wo, walk_fn, t, &errors);
		(void)kw_target_walk(t, "/etc", NULL, walk_fn, t, &errors);
		size_t nw = 0;
		const kw_target_warning *w = kw_target_warnings(t, &nw);
		for (size_t i = 0; i < nw; i++)
			if (w[i].err >= 0)
				abort();
		if (!kw_target_is_tar(t))
			abort();
		kw_target_free(t);
	}
	close(fd);
	return 0;
}
