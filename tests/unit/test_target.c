/* test_target.c — the target access layer (src/target): resolver, folder and tar backends.
 * Owner: target module.
 *
 * Fixture trees are built from C in mkdtemp directories and packed with the real `tar`
 * (plain, gzip, xz, zstd, pax); the folder backend (openat2 and the forced fallback) and
 * the tar backend must give the same answers. Hostile trees put a canary file outside
 * the root, watched with inotify: no backend may open or read it, and its content must
 * never come back. Runs as root (mknod, chown). The stat memo is tested by changing the
 * tree behind a memoised target's back, and against an unmemoised target on the fixture;
 * reads that end at the file's size count their read() calls in /proc/thread-self/io.
 */
#include "base/err.h"
#include "target/internal.h"
#include "target/resolve.h"
#include "target/target.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- helpers ---- */

static void xsystem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xsystem(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	assert_int_equal(rc, 0);
}

static void join(char *out, size_t n, const char *root, const char *rel)
{
	int w = snprintf(out, n, "%s/%s", root, rel);
	assert_true(w > 0 && (size_t)w < n);
}

static void mkparents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0)
			assert_int_equal(errno, EEXIST);
		*s = '/';
	}
}

static void put(const char *root, const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	mkparents(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	const uint8_t *b = data;
	while (len > 0) {
		ssize_t w = write(fd, b, len);
		assert_true(w > 0);
		b += w;
		len -= (size_t)w;
	}
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void puts_(const char *root, const char *rel, const char *text, mode_t mode)
{
	put(root, rel, text, strlen(text), mode);
}

static void dir_(const char *root, const char *rel)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	mkparents(p);
	if (mkdir(p, 0755) < 0)
		assert_int_equal(errno, EEXIST);
}

static void sym(const char *root, const char *rel, const char *target)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	mkparents(p);
	assert_int_equal(symlink(target, p), 0);
}

static void own(const char *root, const char *rel, uid_t u, gid_t g)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	assert_int_equal(lchown(p, u, g), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	(void)(flag == FTW_DP ? rmdir(p) : unlink(p));
	return 0; /* go on: remove as much as possible */
}

static void rm_rf(const char *p)
{
	if (p && *p)
		nftw(p, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static kw_target *open_dir(const char *root, bool no_openat2)
{
	kw_target *t = NULL;
	if (no_openat2)
		setenv("KW_NO_OPENAT2", "1", 1);
	else
		unsetenv("KW_NO_OPENAT2");
	assert_int_equal(kw_target_open_dir(root, &t), 0);
	unsetenv("KW_NO_OPENAT2");
	assert_non_null(t);
	assert_int_equal(kw_target_dir_uses_openat2(t), !no_openat2);
	return t;
}

static bool want_all(const char *path, const kw_stat *st)
{
	(void)path;
	(void)st;
	return true;
}

static bool want_etc(const char *path, const kw_stat *st)
{
	(void)st;
	return strncmp(path, "/etc/", 5) == 0;
}

/* The canary: content that must never come back from any backend. */
static char g_canary[64];
static bool g_canary_seen;

static int test_sniff(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (g_canary[0] && memmem(head, len, g_canary, strlen(g_canary)))
		g_canary_seen = true;
	if (len >= 10 && memcmp(head, "-----BEGIN", 10) == 0)
		return 1;
	if (memmem(head, len, "AKIA", 4))
		return 2;
	return 0;
}

static kw_target *open_tar(const char *file, kw_want_fn want)
{
	kw_tar_opts o = { .want = want, .sniff = test_sniff };
	kw_target *t = NULL;
	int r = kw_target_open_tar(file, &o, &t);
	if (r < 0)
		print_message("open_tar(%s): %s\n", file, kw_strerror(r));
	assert_int_equal(r, 0);
	assert_non_null(t);
	return t;
}

/* ---- resolver, over a fake file system ---- */

struct fake_ent {
	const char *path;
	kw_ftype type;
	const char *link;
};

static const struct fake_ent fake_fs[] = {
	{ "/etc", KW_FT_DIR, NULL },
	{ "/etc/passwd", KW_FT_REG, NULL },
	{ "/etc/abs", KW_FT_LNK, "/etc/passwd" },
	{ "/etc/rel", KW_FT_LNK, "passwd" },
	{ "/etc/up", KW_FT_LNK, "../../../../etc" },
	{ "/etc/loop1", KW_FT_LNK, "loop2" },
	{ "/etc/loop2", KW_FT_LNK, "loop1" },
	{ "/etc/self", KW_FT_LNK, "self" },
	{ "/etc/empty", KW_FT_LNK, "" },
	{ "/etc/dirlink", KW_FT_LNK, "/etc/" },
	{ "/etc/root", KW_FT_LNK, "/" },
	{ "/home", KW_FT_LNK, "srv/home" },
	{ "/srv", KW_FT_DIR, NULL },
	{ "/srv/home", KW_FT_DIR, NULL },
	{ "/srv/home/u", KW_FT_DIR, NULL },
	{ "/srv/home/u/.ssh", KW_FT_LNK, "/etc" },
	{ "/chain", KW_FT_DIR, NULL },
};

static int fake_find(const char *path, const struct fake_ent **ret)
{
	for (size_t i = 0; i < sizeof fake_fs / sizeof fake_fs[0]; i++)
		if (strcmp(fake_fs[i].path, path) == 0) {
			*ret = &fake_fs[i];
			return 0;
		}
	return -ENOENT;
}

/* "/chain/cN" is a link to cN+1 up to c<chain_len>, which links to /etc/passwd. */
static int chain_len;
static char chain_buf[32];

static int fake_lookup(void *ctx, const char *path, kw_ftype *ret)
{
	(*(int *)ctx)++;
	int n;
	if (sscanf(path, "/chain/c%d", &n) == 1) {
		*ret = n <= chain_len ? KW_FT_LNK : KW_FT_NONE;
		return n <= chain_len ? 0 : -ENOENT;
	}
	const struct fake_ent *e;
	int r = fake_find(path, &e);
	if (r == 0)
		*ret = e->type;
	return r;
}

static int fake_readlink(void *ctx, const char *path, char *buf, size_t size, size_t *ret_len)
{
	(void)ctx;
	const char *text;
	int n;
	if (sscanf(path, "/chain/c%d", &n) == 1) {
		if (n < chain_len)
			snprintf(chain_buf, sizeof chain_buf, "c%d", n + 1);
		else
			snprintf(chain_buf, sizeof chain_buf, "/etc/passwd");
		text = chain_buf;
	} else {
		const struct fake_ent *e;
		if (fake_find(path, &e) < 0 || !e->link)
			return -EINVAL;
		text = e->link;
	}
	size_t l = strlen(text);
	if (l >= size)
		return -ENAMETOOLONG;
	memcpy(buf, text, l + 1);
	*ret_len = l;
	return 0;
}

static const kw_resolve_ops fake_ops = { .lookup = fake_lookup, .readlink = fake_readlink };

static int res(const char *path, unsigned flags, char *out, kw_ftype *type)
{
	int calls = 0;
	return kw_resolve(&fake_ops, &calls, path, flags, out, type);
}

static void expect_res(const char *path, unsigned flags, int want_r, const char *want_path,
		       kw_ftype want_type)
{
	char out[KW_PATH_MAX] = "untouched";
	kw_ftype type = KW_FT_NONE;
	int r = res(path, flags, out, &type);
	if (r != want_r)
		print_message("resolve(%s): got %d (%s), want %d\n", path, r, kw_strerror(r), want_r);
	assert_int_equal(r, want_r);
	if (want_r == 0) {
		assert_string_equal(out, want_path);
		assert_int_equal(type, want_type);
	} else {
		assert_string_equal(out, "untouched");
	}
}

static void test_resolve(void **state)
{
	(void)state;
	const unsigned F = KW_RESOLVE_FOLLOW;
	expect_res("/", F, 0, "/", KW_FT_DIR);
	expect_res("", F, -ENOENT, NULL, 0);
	expect_res("/etc/passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("etc//./passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/../../etc/../etc/passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/abs", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/abs", 0, 0, "/etc/abs", KW_FT_LNK);
	expect_res("/etc/rel", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/up/passwd", 0, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/up", 0, 0, "/etc/up", KW_FT_LNK);
	expect_res("/etc/up/", 0, 0, "/etc", KW_FT_DIR); /* trailing slash follows */
	expect_res("/etc/loop1", F, KW_E_LOOP, NULL, 0);
	expect_res("/etc/self", F, KW_E_LOOP, NULL, 0);
	expect_res("/etc/self", 0, 0, "/etc/self", KW_FT_LNK);
	expect_res("/etc/empty", F, -ENOENT, NULL, 0);
	expect_res("/etc/passwd/", F, -ENOTDIR, NULL, 0);
	expect_res("/etc/passwd/x", F, -ENOTDIR, NULL, 0);
	expect_res("/etc/passwd/.", F, -ENOTDIR, NULL, 0);
	expect_res("/etc/nothing", F, -ENOENT, NULL, 0);
	expect_res("/etc/dirlink/passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/root/etc/root/etc/passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/etc/root/..", F, 0, "/", KW_FT_DIR);
	expect_res("/home/u/.ssh/passwd", F, 0, "/etc/passwd", KW_FT_REG);
	expect_res("/home/u/.ssh", 0, 0, "/srv/home/u/.ssh", KW_FT_LNK);
	expect_res("/home/u/.ssh/..", F, 0, "/", KW_FT_DIR); /* ".." of /etc */
	expect_res("/home/u/..", F, 0, "/srv/home", KW_FT_DIR);

	/* link budget: 40 links are followed, the 41st is refused */
	chain_len = 38; /* c0..c38: 39 links */
	expect_res("/chain/c0", F, 0, "/etc/passwd", KW_FT_REG);
	chain_len = 39; /* 40 links */
	expect_res("/chain/c0", F, 0, "/etc/passwd", KW_FT_REG);
	chain_len = 40; /* 41 links */
	expect_res("/chain/c0", F, KW_E_LOOP, NULL, 0);
	expect_res("/chain/c0", 0, 0, "/chain/c0", KW_FT_LNK);

	/* length caps */
	char *longp = malloc(KW_PATH_MAX + 10);
	assert_non_null(longp);
	memset(longp, 'a', KW_PATH_MAX + 9);
	longp[0] = '/';
	longp[KW_PATH_MAX + 9] = '\0';
	expect_res(longp, F, -ENAMETOOLONG, NULL, 0);
	/* many "./" components are fine while under the byte cap */
	for (size_t i = 0; i + 2 <= KW_PATH_MAX - 20; i += 2) {
		longp[i] = '.';
		longp[i + 1] = '/';
	}
	strcpy(longp + KW_PATH_MAX - 20, "etc/passwd");
	expect_res(longp, F, 0, "/etc/passwd", KW_FT_REG);
	free(longp);
}

static void test_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "/" }, { ".", "/" }, { "./", "/" }, { "/", "/" }, { "//", "/" },
		{ "./etc/x", "/etc/x" }, { "etc/x", "/etc/x" }, { "/etc/x", "/etc/x" },
		{ "etc//x/", "/etc/x" }, { "/a/./b/../c", "/a/c" }, { "../../../tmp/x", "/tmp/x" },
		{ "a/../../b", "/b" }, { "..", "/" }, { "a/..", "/" }, { "...", "/..." },
		{ "a/.b/..c", "/a/.b/..c" },
	};
	char out[KW_PATH_MAX];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = kw_path_normalize(cases[i].in, strlen(cases[i].in), out, sizeof out);
		assert_int_equal(n, (int)strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
	}
	char small[4];
	assert_int_equal(kw_path_normalize("/abcd", 5, small, sizeof small), -ENAMETOOLONG);
	/* a NUL inside the given length ends the name */
	assert_int_equal(kw_path_normalize("ab\0cd", 5, out, sizeof out), 3);
	assert_string_equal(out, "/ab");
}

/* ---- the shared fixture: one tree, its archives ---- */

static char fx_root[64];   /* the tree */
static char fx_arch[64];   /* archives made from it */
static char fx_tar[PATH_MAX], fx_tgz[PATH_MAX], fx_txz[PATH_MAX], fx_tzst[PATH_MAX],
	fx_pax[PATH_MAX];

#define BLOB_LEN ((size_t)1536 * 1024)

static void build_fixture(const char *r)
{
	puts_(r, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nu:x:1000:1000::/home/u:/bin/sh\n",
	      0644);
	puts_(r, "etc/shadow", "root:*:19000:0:99999:7:::\n", 0640);
	own(r, "etc/shadow", 0, 42);
	puts_(r, "etc/ssh/sshd_config", "PermitRootLogin no\n", 0600);
	sym(r, "etc/abs", "/etc/passwd");
	sym(r, "etc/rel", "../srv/home/u/.bashrc");
	sym(r, "etc/dangling", "/nowhere/at/all");
	puts_(r, "srv/home/u/.ssh/authorized_keys", "ssh-ed25519 AAAAC3Nza u@h\n", 0600);
	own(r, "srv/home/u/.ssh/authorized_keys", 1000, 1000);
	own(r, "srv/home/u/.ssh", 1000, 1000);
	puts_(r, "srv/home/u/.bashrc", "alias ll='ls -l'\n", 0644);
	sym(r, "home", "/srv/home");
	puts_(r, "bin/tool", "#!/bin/sh\necho hi\n", 0755);
	char a[PATH_MAX], b[PATH_MAX];
	join(a, sizeof a, r, "bin/tool");
	join(b, sizeof b, r, "bin/hard");
	assert_int_equal(link(a, b), 0);
	puts_(r, "a/b/c", "c\n", 0644);
	puts_(r, "a/b.txt", "b.txt\n", 0644);
	puts_(r, "a/b-x", "b-x\n", 0644);
	puts_(r, "a/b0", "b0\n", 0644);
	put(r, "var/empty", "", 0, 0600);
	dir_(r, "var/emptydir");
	puts_(r, "keys/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n", 0600);
	puts_(r, "keys/aws", "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\n", 0600);
	puts_(r, "keys/plain", "nothing to see\n", 0644);
	uint8_t *blob = malloc(BLOB_LEN);
	assert_non_null(blob);
	for (size_t i = 0; i < BLOB_LEN; i++)
		blob[i] = (uint8_t)((i * 7 + i / 4096) & 0xff);
	memcpy(blob, "AKIA", 4);
	put(r, "big/blob", blob, BLOB_LEN, 0644);
	free(blob);
	for (int i = 0; i < 2500; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "many/f%04d", i);
		puts_(r, rel, i % 2 ? "odd\n" : "-----BEGIN even\n", 0644);
	}
}

static int fixture_setup(void **state)
{
	(void)state;
	snprintf(fx_root, sizeof fx_root, "/tmp/kw-target-fx-XXXXXX");
	snprintf(fx_arch, sizeof fx_arch, "/tmp/kw-target-ar-XXXXXX");
	if (!mkdtemp(fx_root) || !mkdtemp(fx_arch))
		return -1;
	build_fixture(fx_root);
	join(fx_tar, sizeof fx_tar, fx_arch, "fx.tar");
	join(fx_tgz, sizeof fx_tgz, fx_arch, "fx.tar.gz");
	join(fx_txz, sizeof fx_txz, fx_arch, "fx.tar.xz");
	join(fx_tzst, sizeof fx_tzst, fx_arch, "fx.tar.zst");
	join(fx_pax, sizeof fx_pax, fx_arch, "fx-pax.tar");
	xsystem("tar -C '%s' -cf '%s' .", fx_root, fx_tar);
	xsystem("tar -C '%s' -czf '%s' .", fx_root, fx_tgz);
	xsystem("tar -C '%s' -cJf '%s' .", fx_root, fx_txz);
	xsystem("tar -C '%s' --zstd -cf '%s' .", fx_root, fx_tzst);
	xsystem("tar -C '%s' --format=pax -cf '%s' etc srv home bin a var keys", fx_root, fx_pax);
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	rm_rf(fx_root);
	rm_rf(fx_arch);
	return 0;
}

static const char *const probes[] = {
	"/", "/etc", "/etc/passwd", "/etc/shadow", "/etc/abs", "/etc/rel", "/etc/dangling",
	"/etc/ssh", "/etc/ssh/sshd_config", "/home", "/home/", "/home/u",
	"/home/u/.ssh/authorized_keys", "/home/u/../u/.bashrc", "/bin", "/bin/tool", "/bin/hard",
	"/nonexistent", "/etc/passwd/x", "/etc/passwd/", "/a", "/a/b", "/a/b/c", "/a/b.txt",
	"/a/b-x", "/var/empty", "/var/emptydir", "//etc///passwd", "etc/passwd",
	"/../../etc/passwd", "/home/../../../etc/shadow", "/keys/id_ed25519", "/keys", "/big/blob",
	"/srv/home/u/.ssh", "/etc/abs/", "/etc/dangling/", "/home/u/.", "/etc/ssh/..",
	"/bin/tool/..", "/etc/abs/..", "/home/u/.ssh/", "/././", "/var/emptydir/../../..",
	"/etc/rel/", "/keys/aws/.",
};

static void compare_stat(const char *what, const char *p, int ra, const kw_stat *a, int rb,
			 const kw_stat *b)
{
	if (ra != rb)
		print_message("%s(%s): %d vs %d\n", what, p, ra, rb);
	assert_int_equal(ra, rb);
	if (ra < 0)
		return;
	if (a->type != b->type || a->mode != b->mode || a->uid != b->uid || a->gid != b->gid ||
	    a->mtime != b->mtime || a->nlink != b->nlink)
		print_message("%s(%s): type %d/%d mode %o/%o uid %u/%u gid %u/%u mtime %" PRId64
			      "/%" PRId64 " nlink %u/%u\n",
			      what, p, a->type, b->type, a->mode, b->mode, a->uid, b->uid, a->gid,
			      b->gid, a->mtime, b->mtime, a->nlink, b->nlink);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->mtime, b->mtime);
	assert_int_equal(a->nlink, b->nlink);
	if (a->type == KW_FT_REG || a->type == KW_FT_LNK)
		assert_int_equal(a->size, b->size);
}

struct walkrec {
	char **v;
	size_t n, cap;
	uint64_t progress;
};

static void walkrec_release(struct walkrec *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	*w = (struct walkrec){ 0 };
}

static int walk_collect(void *ctx, const char *path, const kw_stat *st, int kind)
{
	struct walkrec *w = ctx;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = realloc(w->v, w->cap * sizeof *w->v);
		assert_non_null(w->v);
	}
	char *s = NULL;
	assert_true(asprintf(&s, "%s|%" PRIu64 "|%o|%u|%d", path, st->size, st->mode, st->uid,
			     kind) > 0);
	w->v[w->n++] = s;
	assert_int_equal(st->type, KW_FT_REG);
	return 0;
}

static void walk_progress(void *ctx, uint64_t files)
{
	struct walkrec *w = ctx;
	w->progress++;
	assert_int_equal(files % 1000, 0);
}

static int do_walk(kw_target *t, const char *start, uint64_t max_size, struct walkrec *w,
		   uint64_t *errors)
{
	kw_walk_opts o = { .sniff = test_sniff, .max_size = max_size, .progress = walk_progress,
			   .progress_ctx = w };
	return kw_target_walk(t, start, &o, walk_collect, w, errors);
}

static void compare_walks(kw_target *a, kw_target *b, const char *start, uint64_t max_size)
{
	struct walkrec wa = { 0 }, wb = { 0 };
	uint64_t ea = 99, eb = 99;
	int ra = do_walk(a, start, max_size, &wa, &ea);
	int rb = do_walk(b, start, max_size, &wb, &eb);
	assert_int_equal(ra, rb);
	assert_int_equal(ea, eb);
	if (wa.n != wb.n)
		print_message("walk %s: %zu vs %zu files\n", start, wa.n, wb.n);
	assert_int_equal(wa.n, wb.n);
	for (size_t i = 0; i < wa.n; i++) {
		if (strcmp(wa.v[i], wb.v[i]) != 0)
			print_message("walk %s [%zu]: %s vs %s\n", start, i, wa.v[i], wb.v[i]);
		assert_string_equal(wa.v[i], wb.v[i]);
	}
	assert_int_equal(wa.progress, wb.progress);
	walkrec_release(&wa);
	walkrec_release(&wb);
}

/* a is the reference (the folder); b must give the same answers. */
static void compare_targets(kw_target *a, kw_target *b, bool full_content)
{
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		const char *p = probes[i];
		kw_stat sa, sb;
		int ra = kw_target_stat(a, p, &sa), rb = kw_target_stat(b, p, &sb);
		compare_stat("stat", p, ra, &sa, rb, &sb);
		ra = kw_target_lstat(a, p, &sa);
		rb = kw_target_lstat(b, p, &sb);
		compare_stat("lstat", p, ra, &sa, rb, &sb);

		size_t maxes[] = { 0, 10 };
		for (size_t m = 0; m < 2; m++) {
			kw_file fa = { 0 }, fb = { 0 };
			ra = kw_target_read(a, p, maxes[m], &fa);
			rb = kw_target_read(b, p, maxes[m], &fb);
			if (!full_content && rb == KW_E_NOTKEPT)
				continue;
			if (ra != rb)
				print_message("read(%s): %d vs %d\n", p, ra, rb);
			assert_int_equal(ra, rb);
			if (ra == 0) {
				assert_int_equal(fa.len, fb.len);
				assert_memory_equal(fa.data, fb.data, fa.len);
				assert_int_equal(fa.data[fa.len], 0);
				assert_int_equal(fb.data[fb.len], 0);
				assert_int_equal(fa.truncated, fb.truncated);
				compare_stat("read", p, 0, &fa.st, 0, &fb.st);
			}
			kw_file_release(&fa);
			kw_file_release(&fb);
		}

		kw_dirent *da = NULL, *db = NULL;
		size_t na = 0, nb = 0;
		ra = kw_target_list(a, p, &da, &na);
		rb = kw_target_list(b, p, &db, &nb);
		if (ra != rb)
			print_message("list(%s): %d vs %d\n", p, ra, rb);
		assert_int_equal(ra, rb);
		if (ra == 0) {
			assert_int_equal(na, nb);
			for (size_t k = 0; k < na; k++) {
				assert_string_equal(da[k].name, db[k].name);
				assert_int_equal(da[k].type, db[k].type);
			}
			kw_dirents_free(da, na);
			kw_dirents_free(db, nb);
		}
	}
}

static void test_fixture_folder_basics(void **state)
{
	(void)state;
	kw_target *t = open_dir(fx_root, false);
	char want[128];
	snprintf(want, sizeof want, "folder %s", fx_root);
	assert_string_equal(kw_target_describe(t), want);
	assert_false(kw_target_is_tar(t));
	size_t nw = 99;
	kw_target_warnings(t, &nw);
	assert_int_equal(nw, 0);

	kw_file f;
	assert_int_equal(kw_target_read(t, "/home/u/.ssh/authorized_keys", 0, &f), 0);
	assert_string_equal((char *)f.data, "ssh-ed25519 AAAAC3Nza u@h\n");
	assert_int_equal(f.st.uid, 1000);
	assert_int_equal(f.st.mode, 0600);
	kw_file_release(&f);
	assert_null(f.data);

	assert_int_equal(kw_target_read(t, "/big/blob", 0, &f), 0);
	assert_int_equal(f.len, (size_t)1 << 20);
	assert_true(f.truncated);
	assert_int_equal(f.st.size, BLOB_LEN);
	kw_file_release(&f);
	assert_int_equal(kw_target_read(t, "/big/blob", 2 << 20, &f), 0);
	assert_int_equal(f.len, BLOB_LEN);
	assert_false(f.truncated);
	kw_file_release(&f);

	kw_stat st;
	assert_int_equal(kw_target_lstat(t, "/home", &st), 0);
	assert_int_equal(st.type, KW_FT_LNK);
	assert_int_equal(kw_target_stat(t, "/home", &st), 0);
	assert_int_equal(st.type, KW_FT_DIR);
	assert_int_equal(kw_target_stat(t, "/bin/hard", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(kw_target_read(t, "/etc", 0, &f), KW_E_NOTREG);
	assert_int_equal(kw_target_read(t, "/etc/dangling", 0, &f), -ENOENT);
	assert_int_equal(kw_target_stat(t, "", &st), -ENOENT);
	assert_int_equal(kw_target_stat(t, NULL, &st), -EINVAL);

	kw_dirent *d;
	size_t n;
	assert_int_equal(kw_target_list(t, "/a", &d, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(d[0].name, "b");
	assert_int_equal(d[0].type, KW_FT_DIR);
	assert_string_equal(d[1].name, "b-x");
	assert_string_equal(d[2].name, "b.txt");
	assert_string_equal(d[3].name, "b0");
	kw_dirents_free(d, n);
	assert_int_equal(kw_target_list(t, "/etc/passwd", &d, &n), -ENOTDIR);
	kw_target_free(t);
	kw_target_free(NULL);
}

static void test_fixture_fallback_matches_openat2(void **state)
{
	(void)state;
	kw_target *a = open_dir(fx_root, false);
	kw_target *b = open_dir(fx_root, true);
	compare_targets(a, b, true);
	compare_walks(a, b, "/", 0);
	compare_walks(a, b, "/home", 0);
	kw_target_free(a);
	kw_target_free(b);
}

static void check_tar_matches(const char *file)
{
	kw_target *a = open_dir(fx_root, false);
	kw_target *b = open_tar(file, want_all);
	assert_true(kw_target_is_tar(b));
	char want[PATH_MAX + 8];
	snprintf(want, sizeof want, "tar %s", file);
	assert_string_equal(kw_target_describe(b), want);
	size_t nw = 99;
	kw_target_warnings(b, &nw);
	assert_int_equal(nw, 0);
	compare_targets(a, b, true);
	compare_walks(a, b, "/", 0);
	compare_walks(a, b, "/home", 0);
	compare_walks(a, b, "/keys", 20); /* max_size: the bigger heads are not sniffed */
	kw_target_free(a);
	kw_target_free(b);
}

static void test_tar_plain_matches_folder(void **state)
{
	(void)state;
	check_tar_matches(fx_tar);
}

static void test_tar_gz_matches_folder(void **state)
{
	(void)state;
	check_tar_matches(fx_tgz);
}

static void test_tar_xz_matches_folder(void **state)
{
	(void)state;
	check_tar_matches(fx_txz);
}

static void test_tar_zstd_matches_folder(void **state)
{
	(void)state;
	check_tar_matches(fx_tzst);
}

static void test_tar_pax_partial(void **state)
{
	(void)state;
	/* pax archive without "./" and without many/ and big/: root and nothing else implied */
	kw_target *a = open_dir(fx_root, false);
	kw_target *b = open_tar(fx_pax, want_all);
	kw_file fa, fb;
	assert_int_equal(kw_target_read(a, "/home/u/.ssh/authorized_keys", 0, &fa), 0);
	assert_int_equal(kw_target_read(b, "/home/u/.ssh/authorized_keys", 0, &fb), 0);
	assert_int_equal(fa.len, fb.len);
	assert_memory_equal(fa.data, fb.data, fa.len);
	kw_file_release(&fa);
	kw_file_release(&fb);
	kw_stat st;
	assert_int_equal(kw_target_stat(b, "/", &st), 0);
	assert_int_equal(st.type, KW_FT_DIR);
	assert_int_equal(kw_target_stat(b, "/big", &st), -ENOENT);
	kw_dirent *d;
	size_t n;
	assert_int_equal(kw_target_list(b, "/", &d, &n), 0);
	assert_int_equal(n, 7); /* a bin etc home keys srv var */
	assert_string_equal(d[0].name, "a");
	assert_string_equal(d[6].name, "var");
	kw_dirents_free(d, n);
	kw_target_free(a);
	kw_target_free(b);
}

static void test_tar_want_selects_content(void **state)
{
	(void)state;
	kw_target *t = open_tar(fx_tgz, want_etc);
	kw_file f;
	assert_int_equal(kw_target_read(t, "/etc/passwd", 0, &f), 0);
	assert_true(f.len > 10);
	kw_file_release(&f);
	assert_int_equal(kw_target_read(t, "/etc/abs", 0, &f), 0); /* the link's target is kept */
	kw_file_release(&f);
	assert_int_equal(kw_target_read(t, "/bin/tool", 0, &f), KW_E_NOTKEPT);
	assert_int_equal(kw_target_read(t, "/home/u/.ssh/authorized_keys", 0, &f), KW_E_NOTKEPT);
	assert_int_equal(kw_target_read(t, "/var/empty", 0, &f), 0); /* empty: nothing to keep */
	assert_int_equal(f.len, 0);
	kw_file_release(&f);
	kw_stat st;
	assert_int_equal(kw_target_stat(t, "/bin/tool", &st), 0); /* metadata is always kept */
	assert_int_equal(st.mode, 0755);
	/* sniff ran over every file even though the content was not kept */
	struct walkrec w = { 0 };
	uint64_t errors;
	assert_int_equal(do_walk(t, "/keys", 0, &w, &errors), 0);
	assert_int_equal(w.n, 3);
	assert_true(strstr(w.v[0], "/keys/aws|") == w.v[0]);
	assert_true(strstr(w.v[0], "|2") != NULL);
	assert_true(strstr(w.v[1], "/keys/id_ed25519|") == w.v[1]);
	assert_true(strstr(w.v[1], "|1") != NULL);
	walkrec_release(&w);
	kw_target_free(t);
}

struct prog {
	uint64_t calls, last_entries, last_bytes;
};

static void tar_progress(void *ctx, uint64_t entries, uint64_t bytes)
{
	struct prog *p = ctx;
	p->calls++;
	assert_true(entries >= p->last_entries);
	p->last_entries = entries;
	p->last_bytes = bytes;
}

static void test_tar_caps(void **state)
{
	(void)state;
	kw_target *t = NULL;
	struct prog pg = { 0 };
	/* per-file cap */
	kw_tar_opts o = { .want = want_all, .max_file = 100, .progress = tar_progress,
			  .progress_ctx = &pg };
	assert_int_equal(kw_target_open_tar(fx_tar, &o, &t), 0);
	assert_true(pg.calls >= 2); /* every 1024 entries, and at the end */
	assert_true(pg.last_entries > 2500);
	struct stat sb;
	assert_int_equal(stat(fx_tar, &sb), 0);
	assert_true(pg.last_bytes > 0 && pg.last_bytes <= (uint64_t)sb.st_size);
	kw_file f;
	assert_int_equal(kw_target_read(t, "/big/blob", 0, &f), 0);
	assert_int_equal(f.len, 100);
	assert_true(f.truncated);
	assert_int_equal(f.st.size, BLOB_LEN);
	kw_file_release(&f);
	kw_target_free(t);

	/* total cap: a warning, and files after it are not kept */
	o = (kw_tar_opts){ .want = want_all, .max_total = 1000 };
	assert_int_equal(kw_target_open_tar(fx_tar, &o, &t), 0);
	size_t nw;
	const kw_target_warning *w = kw_target_warnings(t, &nw);
	assert_int_equal(nw, 1);
	assert_int_equal(w[0].err, KW_E_TOOBIG);
	assert_string_equal(w[0].path, fx_tar);
	assert_non_null(w[0].detail);
	assert_int_equal(kw_target_read(t, "/big/blob", 0, &f), KW_E_NOTKEPT);
	struct walkrec all = { 0 };
	uint64_t errs;
	assert_int_equal(do_walk(t, "/", 0, &all, &errs), 0);
	size_t kept = 0, notkept = 0;
	for (size_t i = 0; i < all.n; i++) {
		*strchr(all.v[i], '|') = '\0';
		int rr = kw_target_read(t, all.v[i], 0, &f);
		if (rr == 0) {
			kept += f.len;
			kw_file_release(&f);
		} else {
			assert_int_equal(rr, KW_E_NOTKEPT);
			notkept++;
		}
	}
	walkrec_release(&all);
	assert_true(kept <= 1000);
	assert_true(notkept > 2000);
	kw_target_free(t);

	/* entry cap */
	o = (kw_tar_opts){ .want = want_all, .max_entries = 5 };
	assert_int_equal(kw_target_open_tar(fx_tar, &o, &t), 0);
	w = kw_target_warnings(t, &nw);
	assert_int_equal(nw, 1);
	assert_int_equal(w[0].err, KW_E_TOOBIG);
	struct walkrec wr = { 0 };
	uint64_t errors;
	assert_int_equal(do_walk(t, "/", 0, &wr, &errors), 0);
	assert_true(wr.n <= 5);
	walkrec_release(&wr);
	kw_target_free(t);
}

static void test_tar_stdin(void **state)
{
	(void)state;
	int save = dup(0);
	assert_true(save >= 0);
	int fd = open(fx_tgz, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	kw_target *t = NULL;
	kw_tar_opts o = { .want = want_etc };
	int r = kw_target_open_tar("-", &o, &t);
	assert_int_equal(dup2(save, 0), 0);
	close(save);
	assert_int_equal(r, 0);
	assert_string_equal(kw_target_describe(t), "tar <stdin>");
	kw_file f;
	assert_int_equal(kw_target_read(t, "/etc/shadow", 0, &f), 0);
	assert_string_equal((char *)f.data, "root:*:19000:0:99999:7:::\n");
	assert_int_equal(f.st.gid, 42);
	assert_int_equal(f.st.mode, 0640);
	kw_file_release(&f);
	kw_target_free(t);
}

/* ---- walk ---- */

static uint64_t count_find(const char *dir)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "find '%s' -type f | wc -l", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	unsigned long long n = 0;
	assert_int_equal(fscanf(p, "%llu", &n), 1);
	assert_int_equal(pclose(p), 0);
	return n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int walk_stop_at(void *ctx, const char *path, const kw_stat *st, int kind)
{
	(void)st;
	(void)kind;
	int *n = ctx;
	if (strcmp(path, "/etc/passwd") == 0)
		return -ECANCELED;
	(*n)++;
	return 0;
}

static void test_walk_counts_and_sniff(void **state)
{
	(void)state;
	uint64_t want = count_find(fx_root);
	assert_true(want > 2500);
	kw_target *ts[3] = { open_dir(fx_root, false), open_dir(fx_root, true),
			     open_tar(fx_tzst, NULL) };
	for (int k = 0; k < 3; k++) {
		struct walkrec w = { 0 };
		uint64_t errors = 99;
		assert_int_equal(do_walk(ts[k], "/", 0, &w, &errors), 0);
		assert_int_equal(errors, 0);
		assert_int_equal(w.n, want);
		assert_int_equal(w.progress, want / 1000);
		bool saw_home = false, saw_key = false, saw_aws = false;
		size_t even = 0;
		for (size_t i = 0; i < w.n; i++) {
			if (strncmp(w.v[i], "/home/", 6) == 0)
				saw_home = true; /* the symlink is not followed */
			if (strncmp(w.v[i], "/keys/id_ed25519|", 17) == 0)
				saw_key = strstr(w.v[i], "|1") != NULL;
			if (strncmp(w.v[i], "/keys/aws|", 10) == 0)
				saw_aws = strstr(w.v[i], "|2") != NULL;
			if (strncmp(w.v[i], "/many/", 6) == 0 && w.v[i][strlen(w.v[i]) - 1] == '1')
				even++;
			if (i > 0)
				assert_true(strcmp(w.v[i - 1], w.v[i]) != 0);
		}
		assert_false(saw_home);
		assert_true(saw_key);
		assert_true(saw_aws);
		assert_int_equal(even, 1250);
		walkrec_release(&w);

		/* the callback stops the walk with its own code */
		int before = 0;
		assert_int_equal(kw_target_walk(ts[k], "/", NULL, walk_stop_at, &before, NULL),
				 -ECANCELED);
		assert_true(before > 0 && (uint64_t)before < want);

		/* a start that is a file */
		assert_int_equal(kw_target_walk(ts[k], "/etc/passwd", NULL, walk_stop_at, &before,
						NULL),
				 -ENOTDIR);
		assert_int_equal(kw_target_walk(ts[k], "/nope", NULL, walk_stop_at, &before, NULL),
				 -ENOENT);
	}
	/* max_size: big/blob starts with AKIA but is over the limit */
	struct walkrec w = { 0 };
	assert_int_equal(do_walk(ts[0], "/big", 4096, &w, NULL), 0);
	assert_int_equal(w.n, 1);
	assert_true(ends_with(w.v[0], "|0"));
	walkrec_release(&w);
	assert_int_equal(do_walk(ts[0], "/big", 0, &w, NULL), 0);
	assert_true(ends_with(w.v[0], "|2"));
	walkrec_release(&w);
	for (int k = 0; k < 3; k++)
		kw_target_free(ts[k]);
}

static void test_walk_depth_cap(void **state)
{
	(void)state;
	char root[64], arch[64];
	snprintf(root, sizeof root, "/tmp/kw-target-deep-XXXXXX");
	snprintf(arch, sizeof arch, "/tmp/kw-target-deepa-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(arch));
	char rel[256] = "";  /* 70 levels of "d/" fit; keeps gcc's truncation analysis happy */
	for (int i = 1; i <= 70; i++) {
		strcat(rel, i > 1 ? "/d" : "d");
		char f[PATH_MAX];
		snprintf(f, sizeof f, "%s/f%d", rel, i);
		puts_(root, f, "x\n", 0644);
	}
	char tarf[PATH_MAX];
	join(tarf, sizeof tarf, arch, "deep.tar");
	xsystem("tar -C '%s' -cf '%s' .", root, tarf);
	kw_target *ts[3] = { open_dir(root, false), open_dir(root, true), open_tar(tarf, NULL) };
	for (int k = 0; k < 3; k++) {
		struct walkrec w = { 0 };
		uint64_t errors = 0;
		assert_int_equal(do_walk(ts[k], "/", 0, &w, &errors), 0);
		/* directories at depth 1..64 are read; their files are at depth 2..65 */
		assert_int_equal(w.n, 64);
		assert_int_equal(errors, 1);
		walkrec_release(&w);
		/* but the file itself is reachable by path */
		kw_stat st;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "/%s/f70", rel);
		assert_int_equal(kw_target_stat(ts[k], p, &st), 0);
		kw_target_free(ts[k]);
	}
	rm_rf(root);
	rm_rf(arch);
}

static void test_walk_host_skips(void **state)
{
	(void)state;
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir("/", &t), 0);
	assert_string_equal(kw_target_describe(t), "host /");
	struct walkrec w = { 0 };
	uint64_t errors;
	/* pseudo file systems are skipped by their type */
	assert_int_equal(do_walk(t, "/proc", 0, &w, &errors), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(do_walk(t, "/sys", 0, &w, &errors), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(do_walk(t, "/proc/self", 0, &w, &errors), 0);
	assert_int_equal(w.n, 0);
	kw_stat st;
	assert_int_equal(kw_target_stat(t, "/etc/passwd", &st), 0);
	assert_int_equal(st.type, KW_FT_REG);
	/* magic links are not followed */
	assert_true(kw_target_stat(t, "/proc/self/root/etc/passwd", &st) < 0 ||
		    !kw_target_dir_uses_openat2(t));
	kw_target_free(t);

	/* /proc /sys /dev /run are skipped by name on the host */
	char root[64];
	snprintf(root, sizeof root, "/tmp/kw-target-host-XXXXXX");
	assert_non_null(mkdtemp(root));
	puts_(root, "proc/cpuinfo", "x\n", 0644);
	puts_(root, "sys/kernel", "x\n", 0644);
	puts_(root, "dev/shm/x", "x\n", 0644);
	puts_(root, "run/secret", "x\n", 0644);
	puts_(root, "etc/passwd", "x\n", 0644);
	puts_(root, "srv/run/x", "x\n", 0644);
	for (int k = 0; k < 2; k++) {
		t = open_dir(root, k == 1);
		assert_int_equal(do_walk(t, "/", 0, &w, &errors), 0);
		assert_int_equal(w.n, 6);
		walkrec_release(&w);
		kw_target_dir_set_host(t, true);
		assert_int_equal(do_walk(t, "/", 0, &w, &errors), 0);
		assert_int_equal(w.n, 2);
		assert_true(strncmp(w.v[0], "/etc/passwd|", 12) == 0);
		assert_true(strncmp(w.v[1], "/srv/run/x|", 11) == 0);
		walkrec_release(&w);
		kw_target_free(t);
	}
	rm_rf(root);
}

/* ---- hostile trees ---- */

static char hx_canary_dir[64];
static char hx_canary[128];
static int hx_inotify = -1;

static void canary_setup(void)
{
	snprintf(hx_canary_dir, sizeof hx_canary_dir, "/tmp/kw-canary-XXXXXX");
	assert_non_null(mkdtemp(hx_canary_dir));
	snprintf(g_canary, sizeof g_canary, "KWCANARY-%d-%ld", (int)getpid(), random());
	join(hx_canary, sizeof hx_canary, hx_canary_dir, "secret");
	put(hx_canary_dir, "secret", g_canary, strlen(g_canary), 0644);
	g_canary_seen = false;
	hx_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(hx_inotify >= 0);
	assert_true(inotify_add_watch(hx_inotify, hx_canary, IN_OPEN | IN_ACCESS) >= 0);
	assert_true(inotify_add_watch(hx_inotify, hx_canary_dir, IN_OPEN | IN_ACCESS) >= 0);
}

static void canary_check_quiet(void)
{
	char buf[4096];
	ssize_t n = read(hx_inotify, buf, sizeof buf);
	if (n > 0)
		print_message("the canary was touched (%zd bytes of inotify events)\n", n);
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
	assert_false(g_canary_seen);
}

static void canary_teardown(void)
{
	if (hx_inotify >= 0)
		close(hx_inotify);
	hx_inotify = -1;
	rm_rf(hx_canary_dir);
	g_canary[0] = '\0';
}

static void no_canary(const kw_file *f)
{
	assert_null(memmem(f->data, f->len, g_canary, strlen(g_canary)));
}

#define SPARSE_SIZE ((off_t)2 << 30)

static void build_hostile(const char *r)
{
	char t[PATH_MAX];
	puts_(r, "etc/passwd", "ROOT-PASSWD\n", 0644);
	puts_(r, "etc/shadow", "ROOT-SHADOW\n", 0600);
	sym(r, "abs_canary", hx_canary);
	sym(r, "abs_canary_dir", hx_canary_dir);
	snprintf(t, sizeof t, "../../../../../../../..%s", hx_canary);
	sym(r, "rel_escape", t);
	snprintf(t, sizeof t, "../../../../../../..%s", hx_canary_dir);
	sym(r, "sub/deeper/rel_escape_dir", t);
	sym(r, "evil", hx_canary_dir);
	snprintf(t, sizeof t, "../%s", strrchr(hx_canary_dir, '/') + 1);
	sym(r, "evil_rel", t); /* the root's real parent holds the canary dir */
	snprintf(t, sizeof t, "..%s", hx_canary);
	sym(r, "evil_rel_file", t);
	sym(r, "loop_a", "loop_b");
	sym(r, "loop_b", "loop_a");
	sym(r, "self", "self");
	for (int i = 0; i < 45; i++) {
		char rel[64], tgt[64];
		snprintf(rel, sizeof rel, "chain/c%d", i);
		snprintf(tgt, sizeof tgt, "c%d", i + 1);
		sym(r, rel, tgt);
	}
	sym(r, "chain/c45", "/etc/passwd"); /* 46 links from c0 */
	for (int i = 0; i < 39; i++) {
		char rel[64], tgt[64];
		snprintf(rel, sizeof rel, "ok/c%d", i);
		snprintf(tgt, sizeof tgt, "c%d", i + 1);
		sym(r, rel, tgt);
	}
	sym(r, "ok/c39", "/etc/passwd"); /* 40 links from c0 */
	sym(r, "home/u/.ssh", "/etc");
	sym(r, "fifolink", "/fifo");
	join(t, sizeof t, r, "fifo");
	assert_int_equal(mkfifo(t, 0644), 0);
	dir_(r, "dev");
	join(t, sizeof t, r, "dev/null");
	assert_int_equal(mknod(t, S_IFCHR | 0666, makedev(1, 3)), 0);
	join(t, sizeof t, r, "dev/zero");
	assert_int_equal(mknod(t, S_IFCHR | 0666, makedev(1, 5)), 0);
	sym(r, "zerolink", "../../dev/zero");
	join(t, sizeof t, r, "sock");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(t) < sizeof sa.sun_path);
	strcpy(sa.sun_path, t);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	close(s);
	put(r, "empty", "", 0, 0644);
	join(t, sizeof t, r, "sparse");
	int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SPARSE_SIZE), 0);
	close(fd);
	puts_(r, "weird/bad\xff\xfe", "non-utf8\n", 0644);
	puts_(r, "weird/new\nline", "newline\n", 0644);
	puts_(r, "weird/ok", "ok\n", 0644);
}

static void expect_read(kw_target *t, const char *p, int want_r, const char *want_data)
{
	kw_file f = { 0 };
	int r = kw_target_read(t, p, 0, &f);
	if (r != want_r)
		print_message("read(%s) on %s: %d (%s), want %d\n", p, kw_target_describe(t), r,
			      kw_strerror(r), want_r);
	assert_int_equal(r, want_r);
	if (r == 0) {
		no_canary(&f);
		if (want_data) {
			assert_int_equal(f.len, strlen(want_data));
			assert_memory_equal(f.data, want_data, f.len);
		}
		kw_file_release(&f);
	} else {
		assert_null(f.data);
	}
}

static int walk_no_canary(void *ctx, const char *path, const kw_stat *st, int kind)
{
	(void)kind;
	size_t *n = ctx;
	assert_null(strstr(path, "kw-canary-"));
	assert_int_equal(st->type, KW_FT_REG);
	(*n)++;
	return 0;
}

/* Everything a hostile tree must give, on any backend. */
static void hostile_checks(kw_target *t)
{
	alarm(60); /* a blocking FIFO open would hang here: fail instead */
	char p[PATH_MAX];
	expect_read(t, "/etc/passwd", 0, "ROOT-PASSWD\n");
	expect_read(t, "/abs_canary", -ENOENT, NULL);
	expect_read(t, "/abs_canary_dir/secret", -ENOENT, NULL);
	expect_read(t, "/rel_escape", -ENOENT, NULL);
	expect_read(t, "/sub/deeper/rel_escape_dir/secret", -ENOENT, NULL);
	expect_read(t, "/evil/secret", -ENOENT, NULL);
	expect_read(t, "/evil_rel/secret", -ENOENT, NULL);
	expect_read(t, "/evil_rel_file", -ENOENT, NULL);
	expect_read(t, hx_canary, -ENOENT, NULL);
	snprintf(p, sizeof p, "/../../../../..%s", hx_canary);
	expect_read(t, p, -ENOENT, NULL);
	snprintf(p, sizeof p, "../%s/secret", strrchr(hx_canary_dir, '/') + 1);
	expect_read(t, p, -ENOENT, NULL);
	expect_read(t, "/loop_a", KW_E_LOOP, NULL);
	expect_read(t, "/self", KW_E_LOOP, NULL);
	expect_read(t, "/self/x", KW_E_LOOP, NULL);
	expect_read(t, "/chain/c0", KW_E_LOOP, NULL);
	expect_read(t, "/chain/c6", 0, "ROOT-PASSWD\n");
	expect_read(t, "/ok/c0", 0, "ROOT-PASSWD\n");
	expect_read(t, "/home/u/.ssh/passwd", 0, "ROOT-PASSWD\n");
	expect_read(t, "/home/u/.ssh/shadow", 0, "ROOT-SHADOW\n");
	expect_read(t, "/home/u/.ssh/../etc/passwd", 0, "ROOT-PASSWD\n");
	expect_read(t, "/fifo", KW_E_NOTREG, NULL);
	expect_read(t, "/fifolink", KW_E_NOTREG, NULL);
	expect_read(t, "/dev/null", KW_E_NOTREG, NULL);
	expect_read(t, "/dev/zero", KW_E_NOTREG, NULL);
	expect_read(t, "/zerolink", KW_E_NOTREG, NULL);
	/* GNU tar does not archive sockets */
	expect_read(t, "/sock", kw_target_is_tar(t) ? -ENOENT : KW_E_NOTREG, NULL);
	expect_read(t, "/empty", 0, "");
	expect_read(t, "/weird/bad\xff\xfe", 0, "non-utf8\n");
	expect_read(t, "/weird/new\nline", 0, "newline\n");

	kw_stat st;
	assert_int_equal(kw_target_stat(t, "/fifo", &st), 0);
	assert_int_equal(st.type, KW_FT_OTHER);
	assert_int_equal(kw_target_stat(t, "/dev/zero", &st), 0);
	assert_int_equal(st.type, KW_FT_OTHER);
	assert_int_equal(kw_target_stat(t, "/evil", &st), -ENOENT);
	assert_int_equal(kw_target_lstat(t, "/evil", &st), 0);
	assert_int_equal(st.type, KW_FT_LNK);
	assert_int_equal(kw_target_stat(t, "/abs_canary", &st), -ENOENT);
	assert_int_equal(kw_target_lstat(t, "/self", &st), 0);
	assert_int_equal(kw_target_stat(t, "/self", &st), KW_E_LOOP);

	kw_file f;
	assert_int_equal(kw_target_read(t, "/sparse", 0, &f), 0);
	assert_int_equal(f.len, (size_t)1 << 20);
	assert_true(f.truncated);
	assert_int_equal(f.st.size, (uint64_t)SPARSE_SIZE);
	for (size_t i = 0; i < f.len; i++)
		if (f.data[i]) {
			fail_msg("sparse data not zero at %zu", i);
		}
	kw_file_release(&f);

	kw_dirent *d;
	size_t n;
	assert_int_equal(kw_target_list(t, "/weird", &d, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].name, "bad\xff\xfe");
	assert_string_equal(d[1].name, "new\nline");
	assert_string_equal(d[2].name, "ok");
	kw_dirents_free(d, n);
	assert_int_equal(kw_target_list(t, "/evil", &d, &n), -ENOENT);
	assert_int_equal(kw_target_list(t, "/abs_canary_dir", &d, &n), -ENOENT);
	assert_int_equal(kw_target_list(t, "/home/u/.ssh", &d, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].name, "passwd");
	kw_dirents_free(d, n);
	assert_int_equal(kw_target_list(t, "/", &d, &n), 0);
	assert_true(n > 10);
	kw_dirents_free(d, n);

	size_t files = 0;
	uint64_t errors = 0;
	kw_walk_opts o = { .sniff = test_sniff };
	assert_int_equal(kw_target_walk(t, "/", &o, walk_no_canary, &files, &errors), 0);
	assert_int_equal(files, 7); /* etc/passwd etc/shadow empty sparse weird/x3 */
	assert_int_equal(kw_target_walk(t, "/home/u/.ssh", &o, walk_no_canary, &files, &errors), 0);
	assert_int_equal(files, 9);
	alarm(0);
}

static char hx_root[64], hx_arch[64];

static int hostile_setup(void **state)
{
	(void)state;
	canary_setup();
	snprintf(hx_root, sizeof hx_root, "/tmp/kw-target-hx-XXXXXX");
	snprintf(hx_arch, sizeof hx_arch, "/tmp/kw-target-hxa-XXXXXX");
	if (!mkdtemp(hx_root) || !mkdtemp(hx_arch))
		return -1;
	build_hostile(hx_root);
	return 0;
}

static int hostile_teardown(void **state)
{
	(void)state;
	rm_rf(hx_root);
	rm_rf(hx_arch);
	canary_teardown();
	return 0;
}

static void test_hostile_folder_openat2(void **state)
{
	(void)state;
	kw_target *t = open_dir(hx_root, false);
	hostile_checks(t);
	kw_target_free(t);
	canary_check_quiet();
}

static void test_hostile_folder_fallback(void **state)
{
	(void)state;
	kw_target *t = open_dir(hx_root, true);
	hostile_checks(t);
	kw_target_free(t);
	canary_check_quiet();
}

static void test_hostile_tar_from_real_tar(void **state)
{
	(void)state;
	char tf[PATH_MAX], tgz[PATH_MAX];
	join(tf, sizeof tf, hx_arch, "hx.tar");
	join(tgz, sizeof tgz, hx_arch, "hx.tar.gz");
	xsystem("tar -C '%s' -S -cf '%s' . 2>/dev/null", hx_root, tf);
	xsystem("tar -C '%s' -S -czf '%s' . 2>/dev/null", hx_root, tgz);
	/* packing read the tree, not the canary: start watching anew */
	canary_check_quiet();
	kw_target *t = open_tar(tf, want_all);
	hostile_checks(t);
	kw_target_free(t);
	t = open_tar(tgz, want_all);
	hostile_checks(t);
	kw_target_free(t);
	canary_check_quiet();
}

/* A hand-made archive with the tricks real tar refuses to write. */
struct hent {
	const char *name;
	mode_t type;
	const char *data;     /* regular: content; symlink: target */
	const char *hardlink;
};

static void write_archive(const char *file, const struct hent *v, size_t n)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, file), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_filetype(e, (unsigned)v[i].type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (v[i].hardlink) {
			archive_entry_set_hardlink(e, v[i].hardlink);
			archive_entry_set_size(e, 0);
		} else if (v[i].type == AE_IFLNK) {
			archive_entry_set_symlink(e, v[i].data);
		} else if (v[i].type == AE_IFCHR) {
			archive_entry_set_rdev(e, makedev(1, 3));
		} else if (v[i].type == AE_IFREG) {
			archive_entry_set_size(e, (la_int64_t)strlen(v[i].data));
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (v[i].type == AE_IFREG && !v[i].hardlink && v[i].data[0])
			assert_int_equal(archive_write_data(a, v[i].data, strlen(v[i].data)),
					 (la_ssize_t)strlen(v[i].data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void test_hostile_tar_crafted(void **state)
{
	(void)state;
	char esc[PATH_MAX], abs_link[PATH_MAX], file[PATH_MAX];
	snprintf(esc, sizeof esc, "../../..%s", hx_canary);
	snprintf(abs_link, sizeof abs_link, "%s", hx_canary);
	const struct hent v[] = {
		{ "./", AE_IFLNK, "/tmp", NULL },  /* the root as a link: ignored */
		{ "etc/", AE_IFDIR, NULL, NULL },
		{ "etc/passwd", AE_IFREG, "TAR-PASSWD\n", NULL },
		{ esc, AE_IFREG, "IN-ARCHIVE\n", NULL },
		{ "/abs/evil", AE_IFREG, "ABS-NAME\n", NULL },
		{ "abs_canary", AE_IFLNK, abs_link, NULL },
		{ "up", AE_IFLNK, "../../../../etc", NULL },
		{ "hl_out", AE_IFREG, "", "../../outside" },
		{ "hl_ok", AE_IFREG, "", "etc/passwd" },
		{ "hl_canary", AE_IFREG, "", abs_link },
		{ "hl_self", AE_IFREG, "", "hl_self" },
		{ "hl_dir", AE_IFREG, "", "etc" },
		{ "loop_a", AE_IFLNK, "loop_b", NULL },
		{ "loop_b", AE_IFLNK, "loop_a", NULL },
		{ "self", AE_IFLNK, "self", NULL },
		{ "empty_link", AE_IFLNK, "", NULL },
		{ "home/u/.ssh", AE_IFLNK, "/etc", NULL },
		{ "fifo", AE_IFIFO, NULL, NULL },
		{ "dev/null", AE_IFCHR, NULL, NULL },
		{ "etc/motd", AE_IFREG, "first\n", NULL },
		{ "etc/motd", AE_IFREG, "second\n", NULL },
		{ "a/b/../../../../c", AE_IFREG, "C\n", NULL },
		{ "dup", AE_IFREG, "F\n", NULL },
		{ "dup/", AE_IFDIR, NULL, NULL },
		{ "dup/y", AE_IFREG, "Y\n", NULL },
		{ "lnk", AE_IFLNK, "etc", NULL },
		{ "lnk/sneaky", AE_IFREG, "SNEAKY\n", NULL }, /* behind a symlink: unreachable */
		{ "x//y/./z", AE_IFREG, "Z\n", NULL },
	};
	join(file, sizeof file, hx_arch, "crafted.tar");
	write_archive(file, v, sizeof v / sizeof v[0]);
	join(file, sizeof file, hx_arch, "crafted.tar");

	kw_target *t = open_tar(file, want_all);
	size_t nw;
	const kw_target_warning *w = kw_target_warnings(t, &nw);
	assert_int_equal(nw, 4); /* the root link, hl_out, hl_self, hl_dir */
	for (size_t i = 0; i < nw; i++) {
		assert_int_equal(w[i].err, KW_E_ARCHIVE);
		assert_string_equal(w[i].path, file);
	}
	expect_read(t, "/etc/passwd", 0, "TAR-PASSWD\n");
	expect_read(t, hx_canary, 0, "IN-ARCHIVE\n"); /* a name in the archive, nothing more */
	expect_read(t, "/abs_canary", 0, "IN-ARCHIVE\n");
	expect_read(t, "/hl_canary", 0, "IN-ARCHIVE\n");
	expect_read(t, "/abs/evil", 0, "ABS-NAME\n");
	expect_read(t, "/up/passwd", 0, "TAR-PASSWD\n");
	expect_read(t, "/hl_out", KW_E_NOTKEPT, NULL);
	expect_read(t, "/hl_self", KW_E_NOTKEPT, NULL);
	expect_read(t, "/hl_dir", KW_E_NOTKEPT, NULL);
	expect_read(t, "/hl_ok", 0, "TAR-PASSWD\n");
	expect_read(t, "/loop_a", KW_E_LOOP, NULL);
	expect_read(t, "/self", KW_E_LOOP, NULL);
	expect_read(t, "/empty_link", -ENOENT, NULL);
	expect_read(t, "/home/u/.ssh/passwd", 0, "TAR-PASSWD\n");
	expect_read(t, "/fifo", KW_E_NOTREG, NULL);
	expect_read(t, "/dev/null", KW_E_NOTREG, NULL);
	expect_read(t, "/etc/motd", 0, "second\n");
	expect_read(t, "/c", 0, "C\n");
	expect_read(t, "/dup/y", 0, "Y\n");
	expect_read(t, "/dup", KW_E_NOTREG, NULL);
	expect_read(t, "/lnk/sneaky", -ENOENT, NULL);
	expect_read(t, "/x/y/z", 0, "Z\n");
	kw_stat st;
	assert_int_equal(kw_target_stat(t, "/hl_ok", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(kw_target_stat(t, "/etc/passwd", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(st.mtime, 1700000000);
	assert_int_equal(kw_target_lstat(t, "/", &st), 0);
	assert_int_equal(st.type, KW_FT_DIR);
	assert_int_equal(kw_target_stat(t, "/home/u", &st), 0); /* implied */
	assert_int_equal(st.type, KW_FT_DIR);
	kw_dirent *d;
	size_t n;
	assert_int_equal(kw_target_list(t, "/home/u/.ssh", &d, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].name, "motd");
	assert_string_equal(d[1].name, "passwd");
	kw_dirents_free(d, n);
	assert_int_equal(kw_target_list(t, "/dup", &d, &n), 0);
	assert_int_equal(n, 1);
	kw_dirents_free(d, n);
	struct walkrec wr = { 0 };
	uint64_t errors = 0;
	assert_int_equal(do_walk(t, "/", 0, &wr, &errors), 0);
	static const char *const want_walk[] = {
		"/abs/evil|", "/c|", "/dup/y|", "/etc/motd|", "/etc/passwd|", "/hl_canary|", "/hl_dir|",
		"/hl_ok|", "/hl_out|", "/hl_self|", "/tmp/", "/x/y/z|",
	};
	assert_int_equal(wr.n, sizeof want_walk / sizeof want_walk[0]);
	for (size_t i = 0; i < wr.n; i++)
		assert_true(strncmp(wr.v[i], want_walk[i], strlen(want_walk[i])) == 0);
	walkrec_release(&wr);
	kw_target_free(t);
	canary_check_quiet();
}

/* ---- corrupt archives ---- */

static void test_corrupt_archives(void **state)
{
	(void)state;
	char dir[64], p[PATH_MAX];
	snprintf(dir, sizeof dir, "/tmp/kw-target-bad-XXXXXX");
	assert_non_null(mkdtemp(dir));
	kw_target *t = (kw_target *)1;
	kw_tar_opts o = { .want = want_all, .sniff = test_sniff };

	/* missing, zero-byte, not an archive, a directory */
	join(p, sizeof p, dir, "missing.tar");
	assert_int_equal(kw_target_open_tar(p, &o, &t), -ENOENT);
	assert_ptr_equal(t, (kw_target *)1);
	put(dir, "zero.tar", "", 0, 0644);
	join(p, sizeof p, dir, "zero.tar");
	assert_int_equal(kw_target_open_tar(p, &o, &t), KW_E_ARCHIVE);
	puts_(dir, "text.tar", "this is not an archive, just text\n", 0644);
	join(p, sizeof p, dir, "text.tar");
	assert_int_equal(kw_target_open_tar(p, &o, &t), KW_E_ARCHIVE);
	assert_true(kw_target_open_tar(dir, &o, &t) < 0);
	assert_ptr_equal(t, (kw_target *)1);

	/* a tar.gz cut in the middle: what was read is kept, with a warning */
	struct stat sb;
	assert_int_equal(stat(fx_tgz, &sb), 0);
	join(p, sizeof p, dir, "cut.tar.gz");
	xsystem("head -c %lld '%s' > '%s'", (long long)sb.st_size / 2, fx_tgz, p);
	assert_int_equal(kw_target_open_tar(p, &o, &t), 0);
	size_t nw;
	const kw_target_warning *w = kw_target_warnings(t, &nw);
	assert_true(nw >= 1);
	assert_int_equal(w[nw - 1].err, KW_E_ARCHIVE);
	assert_string_equal(w[nw - 1].path, p);
	assert_non_null(w[nw - 1].detail);
	kw_dirent *d;
	size_t n;
	assert_int_equal(kw_target_list(t, "/", &d, &n), 0);
	assert_true(n > 0);
	kw_dirents_free(d, n);
	kw_target_free(t);

	/* a plain tar cut inside the blob's data */
	join(p, sizeof p, dir, "cut.tar");
	xsystem("head -c %d '%s' > '%s'", 600, fx_tar, p);
	int r = kw_target_open_tar(p, &o, &t);
	if (r == 0) {
		kw_target_warnings(t, &nw);
		assert_true(nw >= 1);
		kw_target_free(t);
	} else {
		assert_int_equal(r, KW_E_ARCHIVE);
	}
	/* only the first 100 bytes of a header: nothing usable */
	xsystem("head -c 100 '%s' > '%s'", fx_tar, p);
	assert_int_equal(kw_target_open_tar(p, &o, &t), KW_E_ARCHIVE);

	/* flipped bytes all over a tar.gz and a tar: never a crash */
	uint8_t *buf = malloc((size_t)sb.st_size);
	assert_non_null(buf);
	int fd = open(fx_tgz, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	join(p, sizeof p, dir, "flip.tar.gz");
	srandom(42);
	for (int round = 0; round < 20; round++) {
		uint8_t *c = malloc((size_t)sb.st_size);
		assert_non_null(c);
		memcpy(c, buf, (size_t)sb.st_size);
		for (int k = 0; k < 8; k++)
			c[(size_t)random() % (size_t)sb.st_size] ^= (uint8_t)(1 + random() % 255);
		if (round == 0)
			c[sb.st_size / 3] ^= 0xff;
		put(dir, "flip.tar.gz", c, (size_t)sb.st_size, 0644);
		free(c);
		r = kw_target_open_tar(p, &o, &t);
		assert_true(r == 0 || r == KW_E_ARCHIVE);
		if (r == 0) {
			kw_file f;
			if (kw_target_read(t, "/etc/passwd", 0, &f) == 0)
				kw_file_release(&f);
			kw_target_free(t);
		}
	}
	free(buf);

	assert_int_equal(stat(fx_tar, &sb), 0);
	buf = malloc((size_t)sb.st_size);
	assert_non_null(buf);
	fd = open(fx_tar, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	join(p, sizeof p, dir, "flip.tar");
	for (int round = 0; round < 20; round++) {
		/* corrupt the first headers (checksums, sizes, names) */
		size_t span = (size_t)sb.st_size < 16384 ? (size_t)sb.st_size : 16384;
		for (int k = 0; k < 4; k++)
			buf[(size_t)random() % span] ^= (uint8_t)(1 + random() % 255);
		put(dir, "flip.tar", buf, (size_t)sb.st_size, 0644);
		r = kw_target_open_tar(p, &o, &t);
		assert_true(r == 0 || r == KW_E_ARCHIVE);
		if (r == 0) {
			struct walkrec wr = { 0 };
			uint64_t errors;
			assert_int_equal(do_walk(t, "/", 0, &wr, &errors), 0);
			walkrec_release(&wr);
			kw_target_free(t);
		}
	}
	free(buf);
	rm_rf(dir);
}

/* ---- the stat memo (kw_target_memo_stats) and reads that end at the file's size ---- */

static void memo_root(char *root, size_t n)
{
	snprintf(root, n, "/tmp/kw-target-memo-XXXXXX");
	assert_non_null(mkdtemp(root));
}

static void unlink_rel(const char *root, const char *rel)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	assert_int_equal(unlink(p), 0);
}

static void rmdir_rel(const char *root, const char *rel)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	assert_int_equal(rmdir(p), 0);
}

static void fifo_rel(const char *root, const char *rel)
{
	char p[PATH_MAX];
	join(p, sizeof p, root, rel);
	assert_int_equal(mkfifo(p, 0644), 0);
}

/* A folder target on root: openat2 (k 0) or the component walk (k 1), memo on or off. */
static kw_target *open_memo(const char *root, int k, bool memo)
{
	kw_target *t = open_dir(root, k == 1);
	if (memo)
		kw_target_memo_stats(t);
	return t;
}

static void assert_same_stat(const kw_stat *a, const kw_stat *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->nlink, b->nlink);
	assert_int_equal(a->mtime, b->mtime);
}

/* (a) With the memo a second stat answers what the first saw, even after the file was
 * changed or removed behind the target's back (a read-only command does not see later
 * changes); without it, every change is seen. */
static void test_memo_hides_later_changes(void **state)
{
	(void)state;
	kw_target_memo_stats(NULL); /* harmless */
	char root[64];
	memo_root(root, sizeof root);
	for (int k = 0; k < 2; k++) {
		for (int memo = 0; memo < 2; memo++) {
			puts_(root, "etc/f", "first\n", 0644);
			own(root, "etc/f", 0, 0);
			kw_target *t = open_memo(root, k, memo);
			kw_stat a, b;
			assert_int_equal(kw_target_stat(t, "/etc/f", &a), 0);
			assert_int_equal(a.type, KW_FT_REG);
			assert_int_equal(a.size, 6);
			assert_int_equal(a.mode, 0644);
			assert_int_equal(a.uid, 0);

			/* another size, mode and owner */
			puts_(root, "etc/f", "the second version\n", 0600);
			own(root, "etc/f", 1234, 4321);
			memset(&b, 0x5a, sizeof b);
			assert_int_equal(kw_target_stat(t, "/etc/f", &b), 0);
			if (memo) {
				assert_same_stat(&a, &b);
			} else {
				assert_int_equal(b.size, 19);
				assert_int_equal(b.mode, 0600);
				assert_int_equal(b.uid, 1234);
				assert_int_equal(b.gid, 4321);
			}

			/* removed */
			unlink_rel(root, "etc/f");
			memset(&b, 0x5a, sizeof b);
			int r = kw_target_stat(t, "/etc/f", &b);
			if (memo) {
				assert_int_equal(r, 0);
				assert_same_stat(&a, &b);
			} else {
				assert_int_equal(r, -ENOENT);
			}

			/* a directory removed: still a directory to the memo */
			dir_(root, "var/d");
			assert_int_equal(kw_target_stat(t, "/var/d", &a), 0);
			assert_int_equal(a.type, KW_FT_DIR);
			rmdir_rel(root, "var/d");
			r = kw_target_stat(t, "/var/d", &b);
			assert_int_equal(r, memo ? 0 : -ENOENT);
			if (memo)
				assert_same_stat(&a, &b);

			/* the same holds for lstat */
			puts_(root, "etc/g", "g\n", 0644);
			assert_int_equal(kw_target_lstat(t, "/etc/g", &a), 0);
			assert_int_equal(a.type, KW_FT_REG);
			unlink_rel(root, "etc/g");
			sym(root, "etc/g", "/etc/passwd");
			r = kw_target_lstat(t, "/etc/g", &b);
			assert_int_equal(r, 0);
			assert_int_equal(b.type, memo ? KW_FT_REG : KW_FT_LNK);
			unlink_rel(root, "etc/g");
			kw_target_free(t);
		}
	}
	rm_rf(root);
}

/* (b) Misses are remembered: -ENOENT (and -ENOTDIR) from stat, lstat and read answer
 * later stats and reads of the path, even once the file exists. */
static void test_memo_remembers_misses(void **state)
{
	(void)state;
	char root[64];
	memo_root(root, sizeof root);
	for (int k = 0; k < 2; k++) {
		for (int memo = 0; memo < 2; memo++) {
			puts_(root, "etc/file", "a file\n", 0644);
			kw_target *t = open_memo(root, k, memo);
			kw_stat st;
			kw_file f = { 0 };
			assert_int_equal(kw_target_stat(t, "/etc/a", &st), -ENOENT);
			assert_int_equal(kw_target_read(t, "/etc/b", 0, &f), -ENOENT);
			assert_int_equal(kw_target_lstat(t, "/etc/c", &st), -ENOENT);
			assert_int_equal(kw_target_stat(t, "/nodir/x", &st), -ENOENT);
			int notdir = kw_target_stat(t, "/etc/file/x", &st);
			assert_int_equal(notdir, -ENOTDIR);

			/* now they all exist */
			puts_(root, "etc/a", "a\n", 0644);
			puts_(root, "etc/b", "b\n", 0644);
			puts_(root, "etc/c", "c\n", 0644);
			puts_(root, "nodir/x", "x\n", 0644);
			unlink_rel(root, "etc/file");
			puts_(root, "etc/file/x", "x\n", 0644);

			int want = memo ? -ENOENT : 0;
			assert_int_equal(kw_target_stat(t, "/etc/a", &st), want);
			assert_int_equal(kw_target_read(t, "/etc/a", 0, &f), want); /* stat's miss */
			kw_file_release(&f);
			assert_int_equal(kw_target_read(t, "/etc/b", 0, &f), want);
			kw_file_release(&f);
			assert_int_equal(kw_target_stat(t, "/etc/b", &st), want);   /* read's miss */
			assert_int_equal(kw_target_stat(t, "/etc/c", &st), want);   /* lstat's miss */
			assert_int_equal(kw_target_lstat(t, "/etc/c", &st), want);
			assert_int_equal(kw_target_stat(t, "/nodir/x", &st), want);
			assert_int_equal(kw_target_read(t, "/nodir/x", 0, &f), want);
			kw_file_release(&f);
			assert_int_equal(kw_target_stat(t, "/etc/file/x", &st), memo ? notdir : 0);
			assert_int_equal(kw_target_read(t, "/etc/file/x", 0, &f), memo ? notdir : 0);
			kw_file_release(&f);
			/* a path never asked about is seen as it is now */
			assert_int_equal(kw_target_stat(t, "/etc/file", &st), 0);
			assert_int_equal(st.type, KW_FT_DIR);
			kw_target_free(t);
			rm_rf(root);
			assert_int_equal(mkdir(root, 0700), 0);
		}
	}
	rm_rf(root);
}

/* (c) An lstat that saw no symlink answers a later stat; an lstat that saw a symlink does
 * not (stat follows the link). */
static void test_memo_lstat_answers_stat(void **state)
{
	(void)state;
	char root[64];
	memo_root(root, sizeof root);
	for (int k = 0; k < 2; k++) {
		for (int memo = 0; memo < 2; memo++) {
			puts_(root, "etc/target", "the target file\n", 0640);
			puts_(root, "etc/h", "h\n", 0600);
			dir_(root, "etc/d");
			sym(root, "etc/rel", "target");
			sym(root, "etc/abs", "/etc/target");
			sym(root, "etc/todir", "/etc/d");
			sym(root, "etc/dangling", "/nowhere");
			kw_target *t = open_memo(root, k, memo);
			kw_stat l, s, real;
			assert_int_equal(kw_target_stat(t, "/etc/target", &real), 0);

			/* not a symlink: the lstat's answer is the stat's (the file is gone) */
			assert_int_equal(kw_target_lstat(t, "/etc/h", &l), 0);
			assert_int_equal(l.type, KW_FT_REG);
			unlink_rel(root, "etc/h");
			int r = kw_target_stat(t, "/etc/h", &s);
			if (memo) {
				assert_int_equal(r, 0);
				assert_same_stat(&l, &s);
			} else {
				assert_int_equal(r, -ENOENT);
			}
			assert_int_equal(kw_target_lstat(t, "/etc/d", &l), 0);
			assert_int_equal(l.type, KW_FT_DIR);
			rmdir_rel(root, "etc/d");
			r = kw_target_stat(t, "/etc/d", &s);
			assert_int_equal(r, memo ? 0 : -ENOENT);
			if (memo)
				assert_same_stat(&l, &s);
			dir_(root, "etc/d");

			/* symlinks: stat follows them, whatever lstat saw before */
			static const char *const links[] = { "/etc/rel", "/etc/abs" };
			for (size_t i = 0; i < 2; i++) {
				assert_int_equal(kw_target_lstat(t, links[i], &l), 0);
				assert_int_equal(l.type, KW_FT_LNK);
				assert_int_equal(kw_target_stat(t, links[i], &s), 0);
				assert_int_equal(s.type, KW_FT_REG);
				assert_same_stat(&s, &real);
				/* and both stay what they are */
				assert_int_equal(kw_target_lstat(t, links[i], &l), 0);
				assert_int_equal(l.type, KW_FT_LNK);
				assert_int_equal(kw_target_stat(t, links[i], &s), 0);
				assert_int_equal(s.type, KW_FT_REG);
				kw_file f;
				assert_int_equal(kw_target_read(t, links[i], 0, &f), 0);
				assert_string_equal((char *)f.data, "the target file\n");
				assert_int_equal(f.st.type, KW_FT_REG);
				assert_int_equal(f.st.mode, 0640);
				kw_file_release(&f);
			}
			assert_int_equal(kw_target_lstat(t, "/etc/todir", &l), 0);
			assert_int_equal(l.type, KW_FT_LNK);
			assert_int_equal(kw_target_stat(t, "/etc/todir", &s), 0);
			assert_int_equal(s.type, KW_FT_DIR);
			kw_file f;
			assert_int_equal(kw_target_read(t, "/etc/todir", 0, &f), KW_E_NOTREG);
			assert_int_equal(kw_target_lstat(t, "/etc/dangling", &l), 0);
			assert_int_equal(l.type, KW_FT_LNK);
			assert_int_equal(kw_target_stat(t, "/etc/dangling", &s), -ENOENT);
			assert_int_equal(kw_target_read(t, "/etc/dangling", 0, &f), -ENOENT);
			kw_target_free(t);
			rm_rf(root);
			assert_int_equal(mkdir(root, 0700), 0);
		}
	}
	rm_rf(root);
}

/* (d) A read of a path the memo saw as a directory (or anything but a regular file) is
 * KW_E_NOTREG, even after a regular file took its place. */
static void test_memo_read_of_a_directory(void **state)
{
	(void)state;
	char root[64];
	memo_root(root, sizeof root);
	for (int k = 0; k < 2; k++) {
		for (int memo = 0; memo < 2; memo++) {
			dir_(root, "etc/d");
			fifo_rel(root, "etc/p");
			kw_target *t = open_memo(root, k, memo);
			kw_stat st;
			kw_file f = { 0 };
			assert_int_equal(kw_target_stat(t, "/etc/d", &st), 0);
			assert_int_equal(st.type, KW_FT_DIR);
			assert_int_equal(kw_target_stat(t, "/etc/p", &st), 0);
			assert_int_equal(st.type, KW_FT_OTHER);
			assert_int_equal(kw_target_read(t, "/etc/d", 0, &f), KW_E_NOTREG);
			assert_int_equal(kw_target_read(t, "/etc/p", 0, &f), KW_E_NOTREG);

			rmdir_rel(root, "etc/d");
			puts_(root, "etc/d", "now a file\n", 0644);
			unlink_rel(root, "etc/p");
			puts_(root, "etc/p", "no longer a fifo\n", 0644);
			int r = kw_target_read(t, "/etc/d", 0, &f);
			if (memo) {
				assert_int_equal(r, KW_E_NOTREG);
				assert_null(f.data);
			} else {
				assert_int_equal(r, 0);
				assert_string_equal((char *)f.data, "now a file\n");
				kw_file_release(&f);
			}
			r = kw_target_read(t, "/etc/p", 0, &f);
			assert_int_equal(r, memo ? KW_E_NOTREG : 0);
			kw_file_release(&f);
			kw_target_free(t);
			rm_rf(root);
			assert_int_equal(mkdir(root, 0700), 0);
		}
	}
	rm_rf(root);
}

/* (e) A read after a memoised stat (the backend skips its own check before opening)
 * returns the file's content and metadata; what it opened is still checked. A read
 * remembers the metadata it saw for later stats. */
static void test_memo_read_after_stat(void **state)
{
	(void)state;
	char root[64], out[64];
	memo_root(root, sizeof root);
	snprintf(out, sizeof out, "/tmp/kw-target-out-XXXXXX");
	assert_non_null(mkdtemp(out));
	puts_(out, "secret", "OUTSIDE THE ROOT\n", 0644);
	char outside[PATH_MAX];
	join(outside, sizeof outside, out, "secret");
	static const char text[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 u@h\n";
	for (int k = 0; k < 2; k++) {
		puts_(root, "home/u/.ssh/authorized_keys", text, 0640);
		own(root, "home/u/.ssh/authorized_keys", 1000, 1001);
		sym(root, "home/u/.ssh/link", "authorized_keys");
		puts_(root, "etc/fifo", "regular for now\n", 0644);
		puts_(root, "etc/out", "regular for now\n", 0644);
		puts_(root, "etc/q", "abc", 0644);
		kw_target *t = open_memo(root, k, true);
		kw_target *plain = open_memo(root, k, false);
		kw_stat st, ps;
		assert_int_equal(kw_target_stat(t, "/home/u/.ssh/authorized_keys", &st), 0);
		assert_int_equal(kw_target_stat(plain, "/home/u/.ssh/authorized_keys", &ps), 0);
		for (int pass = 0; pass < 2; pass++) {
			kw_file f;
			assert_int_equal(kw_target_read(t, "/home/u/.ssh/authorized_keys", 0, &f), 0);
			assert_int_equal(f.len, strlen(text));
			assert_memory_equal(f.data, text, f.len);
			assert_int_equal(f.data[f.len], 0);
			assert_false(f.truncated);
			assert_same_stat(&f.st, &ps);
			assert_int_equal(f.st.uid, 1000);
			assert_int_equal(f.st.gid, 1001);
			assert_int_equal(f.st.mode, 0640);
			kw_file_release(&f);
			/* capped */
			assert_int_equal(kw_target_read(t, "/home/u/.ssh/authorized_keys", 5, &f), 0);
			assert_int_equal(f.len, 5);
			assert_true(f.truncated);
			assert_memory_equal(f.data, text, 5);
			kw_file_release(&f);
		}
		/* through a symlink that stat saw */
		assert_int_equal(kw_target_stat(t, "/home/u/.ssh/link", &st), 0);
		assert_same_stat(&st, &ps);
		kw_file f;
		assert_int_equal(kw_target_read(t, "/home/u/.ssh/link", 0, &f), 0);
		assert_memory_equal(f.data, text, strlen(text));
		assert_int_equal(f.len, strlen(text));
		kw_file_release(&f);

		/* replaced by a FIFO after the memo saw a regular file: refused, without
		 * blocking on the open */
		assert_int_equal(kw_target_stat(t, "/etc/fifo", &st), 0);
		assert_int_equal(st.type, KW_FT_REG);
		unlink_rel(root, "etc/fifo");
		fifo_rel(root, "etc/fifo");
		assert_int_equal(kw_target_read(t, "/etc/fifo", 0, &f), KW_E_NOTREG);
		assert_null(f.data);
		/* replaced by a symlink to a file outside the root: still resolved inside it */
		assert_int_equal(kw_target_stat(t, "/etc/out", &st), 0);
		unlink_rel(root, "etc/out");
		sym(root, "etc/out", outside);
		int r = kw_target_read(t, "/etc/out", 0, &f);
		assert_true(r < 0);
		assert_null(f.data);

		/* a read remembers what it saw: a later stat answers the read's metadata */
		assert_int_equal(kw_target_read(t, "/etc/q", 0, &f), 0);
		assert_int_equal(f.len, 3);
		kw_stat qs = f.st;
		kw_file_release(&f);
		puts_(root, "etc/q", "abcdefgh", 0600);
		assert_int_equal(kw_target_stat(t, "/etc/q", &st), 0);
		assert_same_stat(&st, &qs);
		assert_int_equal(st.size, 3);
		assert_int_equal(st.mode, 0644);
		/* and the next read returns the file as it is now, whole (len = its size) */
		assert_int_equal(kw_target_read(t, "/etc/q", 0, &f), 0);
		assert_int_equal(f.len, 8);
		assert_int_equal(f.st.size, 8);
		assert_string_equal((char *)f.data, "abcdefgh");
		kw_file_release(&f);
		kw_target_free(t);
		kw_target_free(plain);
		rm_rf(root);
		assert_int_equal(mkdir(root, 0700), 0);
	}
	rm_rf(root);
	rm_rf(out);
}

/* read() calls made by this thread so far (/proc/thread-self/io syscr), with one read */
static uint64_t thread_syscr(void)
{
	int fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	assert_true(n > 0);
	close(fd);
	buf[n] = '\0';
	const char *p = strstr(buf, "syscr: ");
	assert_non_null(p);
	return strtoull(p + 7, NULL, 10);
}

/* read() calls made by kw_target_read(t, path, max), less thread_syscr's own */
static uint64_t reads_of(kw_target *t, const char *path, size_t max, kw_file *f)
{
	uint64_t a = thread_syscr();
	uint64_t b = thread_syscr();
	uint64_t self = b - a; /* the first call's own read */
	assert_int_equal(kw_target_read(t, path, max, f), 0);
	uint64_t c = thread_syscr();
	return c - b - self;
}

/* (f) Reads end at the file's size: whole files of every size around the first buffer
 * (4096) come back exactly, with one read() for a whole file; capped reads are cut
 * where they should be; /proc files that say size 0 are still read whole. */
static void test_read_ends_at_size(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 2, 4095, 4096, 4097, 8191, 8192, 8193, 100000, 1 << 20 };
	const size_t ns = sizeof sizes / sizeof sizes[0];
	char root[64], arch[64], tarf[PATH_MAX];
	memo_root(root, sizeof root);
	snprintf(arch, sizeof arch, "/tmp/kw-target-rda-XXXXXX");
	assert_non_null(mkdtemp(arch));
	uint8_t *data = malloc((1 << 20) + 16); /* file i starts at data + i */
	assert_non_null(data);
	for (size_t i = 0; i < (1 << 20) + 16; i++)
		data[i] = (uint8_t)((i * 131 + i / 251) ^ (i >> 9)); /* NUL bytes included */
	for (size_t i = 0; i < ns; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "f/%zu", sizes[i]);
		put(root, rel, data + i, sizes[i], 0644);
	}
	join(tarf, sizeof tarf, arch, "r.tar");
	xsystem("tar -C '%s' -cf '%s' .", root, tarf);
	kw_target *ts[5] = { open_memo(root, 0, false), open_memo(root, 1, false),
			     open_memo(root, 0, true), open_memo(root, 1, true),
			     open_tar(tarf, want_all) };
	for (int k = 0; k < 5; k++) {
		for (size_t i = 0; i < ns; i++) {
			size_t sz = sizes[i];
			const uint8_t *want = data + i;
			char p[32];
			snprintf(p, sizeof p, "/f/%zu", sz);
			/* whole: max 0 (1 MiB), max = size, max = size + 1 */
			size_t maxes[] = { 0, sz, sz + 1, sz + 4096 };
			for (size_t m = 0; m < 4; m++) {
				if (maxes[m] == 0 && m > 0)
					continue;
				kw_file f = { 0 };
				uint64_t reads = 0;
				if (k < 4)
					reads = reads_of(ts[k], p, maxes[m], &f);
				else
					assert_int_equal(kw_target_read(ts[k], p, maxes[m], &f), 0);
				if (f.len != sz)
					print_message("target %d %s max %zu: len %zu\n", k, p, maxes[m], f.len);
				assert_int_equal(f.len, sz);
				assert_memory_equal(f.data, want, sz);
				assert_int_equal(f.data[sz], 0);
				assert_false(f.truncated);
				assert_int_equal(f.st.size, sz);
				assert_int_equal(f.st.type, KW_FT_REG);
				/* one read() when the cap leaves room for a byte more than the
				 * file (at the cap, a second read must learn there is no more) */
				size_t eff = maxes[m] ? maxes[m] : (size_t)1 << 20;
				if (k < 4 && eff > sz) {
					if (reads != 1)
						print_message("target %d %s max %zu: %" PRIu64 " reads\n",
							      k, p, maxes[m], reads);
					assert_int_equal(reads, 1);
				}
				kw_file_release(&f);
			}
			if (sz < 2)
				continue;
			/* capped one byte short, and at half */
			size_t caps[] = { sz - 1, sz / 2 };
			for (size_t m = 0; m < 2; m++) {
				kw_file f = { 0 };
				assert_int_equal(kw_target_read(ts[k], p, caps[m], &f), 0);
				assert_int_equal(f.len, caps[m]);
				assert_memory_equal(f.data, want, caps[m]);
				assert_int_equal(f.data[f.len], 0);
				assert_true(f.truncated);
				assert_int_equal(f.st.size, sz);
				kw_file_release(&f);
			}
		}
	}
	for (int k = 0; k < 5; k++)
		kw_target_free(ts[k]);

	/* /proc files say size 0 and are read to their end: status is under one page,
	 * smaps of this process is several */
	for (int k = 0; k < 4; k++) {
		kw_target *t = NULL;
		if (k & 1)
			setenv("KW_NO_OPENAT2", "1", 1);
		assert_int_equal(kw_target_open_dir("/", &t), 0);
		unsetenv("KW_NO_OPENAT2");
		if (k & 2)
			kw_target_memo_stats(t);
		kw_stat st;
		assert_int_equal(kw_target_stat(t, "/proc/self/status", &st), 0);
		assert_int_equal(st.type, KW_FT_REG);
		assert_int_equal(st.size, 0);
		for (int pass = 0; pass < 2; pass++) {
			kw_file f;
			assert_int_equal(kw_target_read(t, "/proc/self/status", 0, &f), 0);
			assert_int_equal(f.st.size, 0);
			assert_false(f.truncated);
			assert_true(f.len > 100);
			assert_int_equal(f.len, strlen((char *)f.data));
			assert_int_equal(strncmp((char *)f.data, "Name:", 5), 0);
			assert_int_equal(f.data[f.len - 1], '\n');
			char pid[64];
			snprintf(pid, sizeof pid, "\nPid:\t%d\n", (int)getpid());
			assert_non_null(strstr((char *)f.data, pid));
			kw_file_release(&f);
			assert_int_equal(kw_target_read(t, "/proc/self/smaps", 0, &f), 0);
			assert_true(f.len > 3 * 4096);
			assert_int_equal(f.data[f.len - 1], '\n');
			assert_false(f.truncated);
			assert_non_null(strstr((char *)f.data, "\nRss:"));
			kw_file_release(&f);
			/* capped: cut, and said so */
			assert_int_equal(kw_target_read(t, "/proc/self/status", 10, &f), 0);
			assert_int_equal(f.len, 10);
			assert_true(f.truncated);
			assert_int_equal(strncmp((char *)f.data, "Name:", 5), 0);
			kw_file_release(&f);
		}
		kw_target_free(t);
	}
	free(data);
	rm_rf(root);
	rm_rf(arch);
}

/* The memo never changes an answer on a tree that does not change: every probe of the
 * fixture, asked in several orders (stat first, lstat first, read first) and again from
 * the memo, gives what an unmemoised target gives. */
/* A file the memo saw as regular, swapped for a symlink to a FIFO (standing in for a
 * device: opening some devices has side effects) before it is read: the read must not open
 * what the symlink points at. A writer blocked in open(O_WRONLY) on the FIFO is released
 * only when a reader opens it, so the writer still waiting proves nobody did. */
static void test_memo_symlink_swap_not_opened(void **state)
{
	(void)state;
	char root[64];
	memo_root(root, sizeof root);
	for (int k = 0; k < 2; k++) {
		puts_(root, "home/u/.ssh/authorized_keys", "ssh-ed25519 AAAA u@h\n", 0644);
		kw_target *t = open_memo(root, k, true);
		kw_stat st;
		assert_int_equal(kw_target_stat(t, "/home/u/.ssh/authorized_keys", &st), 0);
		assert_int_equal(st.type, KW_FT_REG);
		char dev[PATH_MAX];
		join(dev, sizeof dev, root, "dev");
		mkdir(dev, 0755);
		join(dev, sizeof dev, root, "dev/watch");
		unlink(dev);
		fifo_rel(root, "dev/watch");
		unlink_rel(root, "home/u/.ssh/authorized_keys");
		sym(root, "home/u/.ssh/authorized_keys", "/dev/watch");
		char fifo[PATH_MAX];
		join(fifo, sizeof fifo, root, "dev/watch");
		pid_t w = fork();
		assert_true(w >= 0);
		if (w == 0) {
			alarm(10);
			int fd = open(fifo, O_WRONLY);
			_exit(fd >= 0 ? 0 : 1);
		}
		usleep(100 * 1000); /* the writer is in open() */
		kw_file f;
		assert_int_equal(kw_target_read(t, "/home/u/.ssh/authorized_keys", 0, &f), KW_E_NOTREG);
		usleep(200 * 1000);
		int status;
		pid_t done = waitpid(w, &status, WNOHANG);
		kill(w, SIGKILL);
		waitpid(w, &status, 0);
		assert_int_equal(done, 0); /* still blocked: the FIFO was never opened for reading */
		kw_target_free(t);
		unlink_rel(root, "home/u/.ssh/authorized_keys");
	}
	rm_rf(root);
}

static void test_memo_matches_plain(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++) {
		const size_t np = sizeof probes / sizeof probes[0];
		for (int order = 0; order < 3; order++) {
			kw_target *a = k < 2 ? open_dir(fx_root, k == 1) : open_tar(fx_tar, want_all);
			kw_target *b = k < 2 ? open_dir(fx_root, k == 1) : open_tar(fx_tar, want_all);
			kw_target_memo_stats(b);
			for (size_t i = 0; i < np && order > 0; i++) {
				kw_stat st;
				kw_file f = { 0 };
				if (order == 1)
					(void)kw_target_lstat(b, probes[i], &st);
				else if (kw_target_read(b, probes[i], 0, &f) == 0)
					kw_file_release(&f);
			}
			compare_targets(a, b, true);
			compare_targets(a, b, true); /* all from the memo now */
			kw_target_free(a);
			kw_target_free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_resolve),
	};
	const struct CMUnitTest fixture[] = {
		cmocka_unit_test(test_fixture_folder_basics),
		cmocka_unit_test(test_fixture_fallback_matches_openat2),
		cmocka_unit_test(test_tar_plain_matches_folder),
		cmocka_unit_test(test_tar_gz_matches_folder),
		cmocka_unit_test(test_tar_xz_matches_folder),
		cmocka_unit_test(test_tar_zstd_matches_folder),
		cmocka_unit_test(test_tar_pax_partial),
		cmocka_unit_test(test_tar_want_selects_content),
		cmocka_unit_test(test_tar_caps),
		cmocka_unit_test(test_tar_stdin),
		cmocka_unit_test(test_walk_counts_and_sniff),
		cmocka_unit_test(test_walk_depth_cap),
		cmocka_unit_test(test_walk_host_skips),
		cmocka_unit_test(test_corrupt_archives),
		cmocka_unit_test(test_memo_hides_later_changes),
		cmocka_unit_test(test_memo_remembers_misses),
		cmocka_unit_test(test_memo_lstat_answers_stat),
		cmocka_unit_test(test_memo_read_of_a_directory),
		cmocka_unit_test(test_memo_read_after_stat),
		cmocka_unit_test(test_memo_symlink_swap_not_opened),
		cmocka_unit_test(test_read_ends_at_size),
		cmocka_unit_test(test_memo_matches_plain),
	};
	const struct CMUnitTest hostile[] = {
		cmocka_unit_test(test_hostile_folder_openat2),
		cmocka_unit_test(test_hostile_folder_fallback),
		cmocka_unit_test(test_hostile_tar_from_real_tar),
		cmocka_unit_test(test_hostile_tar_crafted),
	};
	int fails = 0;
	fails += cmocka_run_group_tests_name("target-pure", pure, NULL, NULL);
	fails += cmocka_run_group_tests_name("target-fixture", fixture, fixture_setup,
					     fixture_teardown);
	fails += cmocka_run_group_tests_name("target-hostile", hostile, hostile_setup,
					     hostile_teardown);
	return fails ? 1 : 0;
}
