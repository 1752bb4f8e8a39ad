/* test_journal.c — unit tests of the write side (write.c) and its journal/undo
 * (journal.c): a real tree on disk, real owners, modes, mtimes and xattrs, compared byte
 * for byte with a snapshot. Runs as root (chown, security.capability, chattr). */
#include "target/journal.h"
#include "target/write.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

struct sbuf { char *p; size_t len, cap; };

static void sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Everything about the tree below dir: names, types, content, uid, gid, mode, mtime, xattrs. */
static void snap(const char *dir, const char *rel, struct sbuf *b, int depth)
{
	assert_true(depth < 8);
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(n < 256);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmpstr);
	for (size_t i = 0; i < n; i++) {
		char p[4096], r[4096];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		snprintf(r, sizeof r, "%s/%s", rel, names[i]);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		sb_fmt(b, "%s type=%o uid=%u gid=%u mode=%o nlink=%lu mtime=%lld.%09ld size=%lld\n",
		       r, (unsigned)(st.st_mode & S_IFMT), st.st_uid, st.st_gid,
		       (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink,
		       /* a folder's mtime changes with any entry added or removed (also by a
		        * temp file): undo restores files, not folder times */
		       S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_mtim.tv_sec,
		       S_ISDIR(st.st_mode) ? 0L : st.st_mtim.tv_nsec,
		       S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
		if (S_ISREG(st.st_mode)) {
			FILE *f = fopen(p, "rb");
			assert_non_null(f);
			char buf[4096];
			size_t k;
			while ((k = fread(buf, 1, sizeof buf, f)) > 0)
				sb_add(b, buf, k);
			fclose(f);
		}
		if (S_ISLNK(st.st_mode)) {
			char t[4096];
			ssize_t k = readlink(p, t, sizeof t);
			assert_true(k >= 0);
			sb_add(b, t, (size_t)k);
		} else {
			char list[4096];
			ssize_t l = llistxattr(p, list, sizeof list);
			assert_true(l >= 0);
			char *xn[64];
			size_t nx = 0;
			for (ssize_t o = 0; o < l; o += (ssize_t)strlen(list + o) + 1)
				xn[nx++] = list + o;
			qsort(xn, nx, sizeof *xn, cmpstr);
			for (size_t k = 0; k < nx; k++) {
				char v[4096];
				ssize_t vl = lgetxattr(p, xn[k], v, sizeof v);
				assert_true(vl >= 0);
				sb_fmt(b, "\nxattr %s=", xn[k]);
				sb_add(b, v, (size_t)vl);
			}
		}
		sb_fmt(b, "\n");
		if (S_ISDIR(st.st_mode))
			snap(p, r, b, depth + 1);
		free(names[i]);
	}
}

static void put(const char *path, const char *content, mode_t mode, uid_t u, gid_t g)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchown(fd, u, g), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	/* a fixed, old mtime so "now" can never look equal */
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1000000000, 987654321 } };
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int count_meta(const char *jdir)
{
	DIR *d = opendir(jdir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".meta") && e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

struct fx { char base[64], root[128], jdir[128], out[128]; };

static void rm_rf(const char *p)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "chattr -R -i '%s' 2>/dev/null; rm -rf '%s'", p, p);
	assert_int_equal(WEXITSTATUS(system(cmd)), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	strcpy(f->base, "/tmp/kwjournal.XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->root, sizeof f->root, "%s/root", f->base);
	snprintf(f->jdir, sizeof f->jdir, "%s/journal", f->base);
	snprintf(f->out, sizeof f->out, "%s/outside", f->base);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->out, 0755), 0);
	char p[256];
	snprintf(p, sizeof p, "%s/canary", f->out);
	put(p, "CANARY\n", 0644, 0, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rm_rf(f->base);
	free(f);
	return 0;
}

/* VFS_CAP_REVISION_2, effective, cap_net_raw permitted. */
static const unsigned char capv2[20] = { 0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0 };

static void build_tree(struct fx *f)
{
	char p[256];
	snprintf(p, sizeof p, "%s/etc", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/etc/shadow", f->root);
	put(p, "root:$6$x$y:1::::::\n", 0640, 1234, 5678);
	assert_int_equal(setxattr(p, "user.kw", "v1\0bin", 6, 0), 0);
	assert_int_equal(setxattr(p, "security.selinux", "system_u:object_r:shadow_t:s0", 29, 0), 0);
	snprintf(p, sizeof p, "%s/etc/ping", f->root);
	put(p, "\x7f" "ELF fake\n", 04755, 1234, 5678);
	assert_int_equal(setxattr(p, "security.capability", capv2, sizeof capv2, 0), 0);
	snprintf(p, sizeof p, "%s/etc/history", f->root);
	put(p, "secret line\n", 0600, 1234, 5678);
	assert_int_equal(setxattr(p, "user.note", "x", 1, 0), 0);
	snprintf(p, sizeof p, "%s/etc/keep", f->root);
	put(p, "untouched\n", 0444, 1, 2);
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	build_tree(f);
	struct sbuf before = { 0 }, after = { 0 }, again = { 0 };
	snap(f->root, "", &before, 0);

	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(f->root, f->jdir, &w), 0);
	assert_int_equal(kw_writer_replace(w, "/etc/shadow", (const uint8_t *)"root:!:1::::::\n", 15, -1), 0);
	assert_int_equal(kw_writer_replace(w, "/etc/ping", (const uint8_t *)"new", 3, -1), 0);
	assert_int_equal(kw_writer_replace(w, "/etc/new", (const uint8_t *)"fresh", 5, -1), 0);
	assert_int_equal(kw_writer_replace(w, "/etc/new640", (const uint8_t *)"", 0, 0640), 0);
	assert_int_equal(kw_writer_unlink(w, "/etc/history"), 0);
	assert_int_equal(kw_writer_unlink(w, "/etc/history"), -ENOENT);
	kw_writer_free(w);
	assert_int_equal(count_meta(f->jdir), 5);

	/* the changes happened, keeping metadata */
	char p[256];
	struct stat st;
	snprintf(p, sizeof p, "%s/etc/shadow", f->root);
	assert_string_equal(slurp(p), "root:!:1::::::\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 0640);
	char v[64];
	assert_int_equal(getxattr(p, "user.kw", v, sizeof v), 6);
	assert_memory_equal(v, "v1\0bin", 6);
	assert_int_equal(getxattr(p, "security.selinux", v, sizeof v), 29);
	snprintf(p, sizeof p, "%s/etc/ping", f->root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(getxattr(p, "security.capability", v, sizeof v), (ssize_t)sizeof capv2);
	assert_memory_equal(v, capv2, sizeof capv2);
	snprintf(p, sizeof p, "%s/etc/new", f->root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof p, "%s/etc/new640", f->root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	snprintf(p, sizeof p, "%s/etc/history", f->root);
	assert_int_equal(lstat(p, &st), -1);
	snap(f->root, "", &after, 0);
	assert_true(after.len != before.len || memcmp(after.p, before.p, after.len) != 0);

	unsigned restored = 0;
	assert_int_equal(kw_journal_undo(f->jdir, &restored), 0);
	assert_int_equal(restored, 5);
	snap(f->root, "", &again, 0);
	assert_int_equal(again.len, before.len);
	assert_memory_equal(again.p, before.p, before.len);

	/* undo is idempotent */
	assert_int_equal(kw_journal_undo(f->jdir, &restored), 0);
	assert_int_equal(restored, 0);
	free(again.p);
	again = (struct sbuf){ 0 };
	snap(f->root, "", &again, 0);
	assert_memory_equal(again.p, before.p, before.len);
	free(before.p);
	free(after.p);
	free(again.p);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	char p[256], q[256], canary[256];
	snprintf(canary, sizeof canary, "%s/canary", f->out);
	struct stat cst0, cst1;
	assert_int_equal(stat(canary, &cst0), 0);

	snprintf(p, sizeof p, "%s/link", f->root);
	assert_int_equal(symlink(canary, p), 0);
	snprintf(p, sizeof p, "%s/rel", f->root);
	assert_int_equal(symlink("../outside/canary", p), 0);
	snprintf(p, sizeof p, "%s/h1", f->root);
	put(p, "hard\n", 0644, 0, 0);
	snprintf(q, sizeof q, "%s/h2", f->root);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof p, "%s/fifo", f->root);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof p, "%s/adir", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/pl", f->root);
	assert_int_equal(symlink(f->out, p), 0);           /* absolute, to outside */
	snprintf(p, sizeof p, "%s/pr", f->root);
	assert_int_equal(symlink("../outside", p), 0);     /* relative, escaping */

	struct sbuf before = { 0 }, after = { 0 };
	snap(f->root, "", &before, 0);
	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(f->root, f->jdir, &w), 0);
	const uint8_t *x = (const uint8_t *)"PWNED";
	assert_int_equal(kw_writer_replace(w, "/link", x, 5, -1), -ELOOP);
	assert_int_equal(kw_writer_unlink(w, "/link"), -ELOOP);
	assert_int_equal(kw_writer_replace(w, "/rel", x, 5, -1), -ELOOP);
	assert_int_equal(kw_writer_replace(w, "/h1", x, 5, -1), -EMLINK);
	assert_int_equal(kw_writer_unlink(w, "/h2"), -EMLINK);
	assert_int_equal(kw_writer_replace(w, "/fifo", x, 5, -1), KW_E_NOTREG);
	assert_int_equal(kw_writer_unlink(w, "/fifo"), KW_E_NOTREG);
	assert_int_equal(kw_writer_replace(w, "/adir", x, 5, -1), KW_E_NOTREG);
	/* parent is a symlink out of the root: resolved inside the root, where it is absent */
	assert_int_equal(kw_writer_replace(w, "/pl/canary", x, 5, -1), -ENOENT);
	assert_int_equal(kw_writer_unlink(w, "/pl/canary"), -ENOENT);
	/* "../outside" from the root clamps at the root: /outside does not exist in it */
	assert_int_equal(kw_writer_replace(w, "/pr/canary", x, 5, -1), -ENOENT);
	assert_int_equal(kw_writer_replace(w, "/../outside/canary", x, 5, -1), -EINVAL);
	assert_int_equal(kw_writer_replace(w, "relative", x, 5, -1), -EINVAL);
	assert_int_equal(kw_writer_replace(w, "/adir/", x, 5, -1), -EINVAL);
	kw_writer_free(w);

	assert_int_equal(count_meta(f->jdir), 0); /* refusals journal nothing */
	assert_string_equal(slurp(canary), "CANARY\n");
	assert_int_equal(stat(canary, &cst1), 0);
	assert_int_equal(cst1.st_ino, cst0.st_ino);
	assert_int_equal(cst1.st_mtim.tv_nsec, cst0.st_mtim.tv_nsec);
	snap(f->root, "", &after, 0);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.p, before.p, before.len);
	free(before.p);
	free(after.p);
}

static void test_crash_and_fault(void **state)
{
	struct fx *f = *state;
	build_tree(f);
	struct sbuf before = { 0 }, after = { 0 };
	snap(f->root, "", &before, 0);
	char real[4096];
	assert_non_null(realpath(f->root, real));

	/* crash after journaling, before the change: record only */
	kw_journal *j = NULL;
	assert_int_equal(kw_journal_open(f->jdir, real, &j), 0);
	char p[256];
	snprintf(p, sizeof p, "%s/etc/shadow", f->root);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	unsigned seq = 0;
	assert_int_equal(kw_journal_record(j, "replace", "/etc/shadow", fd, &st, &seq), 0);
	assert_int_equal(seq, 1);
	close(fd);
	assert_int_equal(kw_journal_record(j, "replace", "/etc/notyet", -1, NULL, &seq), 0);
	assert_int_equal(seq, 2);
	kw_journal_free(j);
	/* another root may not append to this journal */
	assert_int_equal(kw_journal_open(f->jdir, "/elsewhere", &j), KW_E_USAGE);

	/* an injected failure after the temp file is written, before the rename */
	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(f->root, f->jdir, &w), 0);
	kw_write_fail_next(1);
	assert_int_equal(kw_writer_replace(w, "/etc/ping", (const uint8_t *)"new", 3, -1), -EIO);
	kw_writer_free(w);
	assert_int_equal(count_meta(f->jdir), 3);
	snap(f->root, "", &after, 0); /* no temp file left, nothing changed */
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.p, before.p, before.len);

	unsigned restored = 99;
	assert_int_equal(kw_journal_undo(f->jdir, &restored), 0);
	assert_int_equal(restored, 0);
	free(after.p);
	after = (struct sbuf){ 0 };
	snap(f->root, "", &after, 0);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.p, before.p, before.len);
	/* and the inode was not even replaced */
	struct stat st2;
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	free(before.p);
	free(after.p);
}

static void test_immutable_dir(void **state)
{
	struct fx *f = *state;
	build_tree(f);
	char d[256], cmd[512];
	snprintf(d, sizeof d, "%s/etc", f->root);
	snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null", d);
	int rc = system(cmd);
	if (rc != 0) {
		/* loud, not silent: the rest of the error path is covered by the fault hook */
		print_message("NOTE: chattr +i unsupported here; immutable-dir assertion not run\n");
		kw_writer *w = NULL;
		assert_int_equal(kw_writer_open(f->root, f->jdir, &w), 0);
		kw_write_fail_next(1);
		assert_int_equal(kw_writer_replace(w, "/etc/keep", (const uint8_t *)"x", 1, -1), -EIO);
		kw_writer_free(w);
		return;
	}
	struct sbuf before = { 0 }, after = { 0 };
	snap(f->root, "", &before, 0);
	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(f->root, f->jdir, &w), 0);
	assert_int_equal(kw_writer_replace(w, "/etc/shadow", (const uint8_t *)"x", 1, -1), -EPERM);
	assert_int_equal(kw_writer_unlink(w, "/etc/history"), -EPERM);
	kw_writer_free(w);
	snap(f->root, "", &after, 0);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.p, before.p, before.len);
	/* the journal holds the two attempts; undo sees nothing changed and succeeds */
	assert_int_equal(count_meta(f->jdir), 2);
	unsigned restored = 99;
	assert_int_equal(kw_journal_undo(f->jdir, &restored), 0);
	assert_int_equal(restored, 0);
	snprintf(cmd, sizeof cmd, "chattr -i '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(before.p);
	free(after.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_and_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_immutable_dir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
