/* validate.c — a staged copy of a planned sshd configuration, and the real sshd run on it
 * in a private mount namespace. See validate.h for the layout and the namespace recipe.
 *
 * The stage is built only with *at() calls from an fd on STAGE/root, every component
 * opened O_NOFOLLOW|O_DIRECTORY: nothing we create is a symlink, and a path from the image
 * (normalised first: "." dropped, ".." pops and stops at the root) cannot leave the stage.
 *
 * Children (ssh-keygen, sshd) get stdin /dev/null, a minimal environment, and pipes for
 * stdout and stderr that the parent drains with poll() against a deadline; output beyond
 * the caps is read and dropped so the child never blocks on a full pipe. A child that
 * cannot set up its namespace exits with NS_FAIL after writing NS_MARK and the failed
 * step, which the parent turns into "not validated" rather than a rejection.
 */
#include "fix/validate.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STAGE_FILE_MAX ((size_t)16 << 20)
#define NS_FAIL 125
#define NS_MARK "keyward-namespace: "
#define KEYGEN_PATH "/usr/bin/ssh-keygen"

/* ------------------------------------------------------------------ staging -- */

/* Split path into normalised components (no "", ".", ".."): a NULL-terminated vector of
 * pointers into *ret_buf. */
static int split_path(const char *path, char **ret_buf, char ***ret_v, size_t *ret_n)
{
	char *buf = strdup(path);
	size_t cap = strlen(path) / 2 + 2;
	char **v = calloc(cap, sizeof *v);
	if (!buf || !v) {
		free(buf);
		free(v);
		return -ENOMEM;
	}
	size_t n = 0;
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (n)
				n--;
			continue;
		}
		v[n++] = c;
	}
	v[n] = NULL;
	*ret_buf = buf;
	*ret_v = v;
	*ret_n = n;
	return 0;
}

/* Open the folder that holds path's last component inside the stage (made when create),
 * O_NOFOLLOW at every step. *ret_name: a malloc'd last component. */
static int stage_parent(const kw_stage *s, const char *path, bool create, int *ret_dfd,
			char **ret_name)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **v = NULL;
	size_t n;
	int r = split_path(path, &buf, &v, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return -EISDIR;
	int dfd = open(s->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i + 1 < n; i++) {
		int nfd = openat(dfd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(dfd, v[i], 0755) < 0 && errno != EEXIST) {
				r = -errno;
				close(dfd);
				return r;
			}
			nfd = openat(dfd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		r = -errno;
		close(dfd);
		if (nfd < 0)
			return r;
		dfd = nfd;
	}
	char *name = strdup(v[n - 1]);
	if (!name) {
		close(dfd);
		return -ENOMEM;
	}
	*ret_dfd = dfd;
	*ret_name = name;
	return 0;
}

int kw_stage_write(kw_stage *s, const char *path, const uint8_t *data, size_t len)
{
	int dfd;
	_cleanup_free_ char *name = NULL;
	int r = stage_parent(s, path, true, &dfd, &name);
	if (r < 0)
		return r;
	_cleanup_close_ int pdfd = dfd;
	_cleanup_close_ int fd = openat(pdfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
					0644);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return 0;
}

static int stage_unlink(kw_stage *s, const char *path)
{
	int dfd;
	_cleanup_free_ char *name = NULL;
	int r = stage_parent(s, path, false, &dfd, &name);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	r = unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	close(dfd);
	return r;
}

static void rm_tree_at(int dfd, int depth)
{
	if (depth > 64)
		return;
	int fd = dup(dfd);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			continue;
		int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			rm_tree_at(sub, depth + 1);
			close(sub);
		}
		unlinkat(dfd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

void kw_stage_release(kw_stage *s)
{
	if (!s)
		return;
	if (s->dir) {
		int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			rm_tree_at(fd, 0);
			close(fd);
		}
		rmdir(s->dir);
	}
	free(s->dir);
	free(s->root);
	free(s->hostkey);
	for (size_t i = 0; i < s->n_outside; i++)
		free(s->outside[i]);
	free(s->outside);
	*s = (kw_stage){ 0 };
}

static bool under_etc_ssh(const char *path)
{
	return !strncmp(path, "/etc/ssh/", 9);
}

int kw_stage_create(kw_target *t, const char *const *paths, size_t n, kw_stage *ret)
{
	kw_stage s = { 0 };
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	/* mkdtemp(3) wants the name to end in six 'X' characters, which it replaces */
	char six[7];
	memset(six, 'X', 6);
	six[6] = '\0';
	if (asprintf(&s.dir, "%s/keyward-stage.%s", tmp, six) < 0) {
		s.dir = NULL;
		return -ENOMEM;
	}
	if (!mkdtemp(s.dir)) {
		int r = -errno;
		free(s.dir);
		return r;
	}
	int r = 0;
	if (asprintf(&s.root, "%s/root", s.dir) < 0) {
		s.root = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (mkdir(s.root, 0755) < 0) {
		r = -errno;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		kw_file f = { 0 };
		r = kw_target_read(t, paths[i], STAGE_FILE_MAX + 1, &f);
		if (r == -ENOENT || r == -ENOTDIR || r == KW_E_NOTREG) {
			r = 0; /* sshd skips what a glob named but cannot read as a file */
			continue;
		}
		if (r < 0)
			goto fail;
		if (f.truncated || f.len > STAGE_FILE_MAX) {
			kw_file_release(&f);
			r = KW_E_TOOBIG;
			goto fail;
		}
		r = kw_stage_write(&s, paths[i], f.data, f.len);
		kw_file_release(&f);
		if (r < 0)
			goto fail;
		if (!under_etc_ssh(paths[i]) && strcmp(paths[i], "/etc/passwd") != 0 &&
		    strcmp(paths[i], "/etc/group") != 0) {
			char **slot = KW_VEC_PUSH(s.outside, s.n_outside, s.cap_outside);
			if (!slot || !(*slot = strdup(paths[i]))) {
				r = -ENOMEM;
				goto fail;
			}
		}
	}
	*ret = s;
	return 0;
fail:
	kw_stage_release(&s);
	return r;
}

int kw_stage_apply(kw_stage *s, const kw_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const kw_action *a = &p->v[i];
		int r = 0;
		if (a->kind == KW_ACT_REPLACE)
			r = kw_stage_write(s, a->path, a->data, a->len);
		else if (a->kind == KW_ACT_REMOVE)
			r = stage_unlink(s, a->path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ children -- */

typedef struct capture {
	char *buf;
	size_t len, cap, max;
} capture;

static int capture_read(capture *c, int fd)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
	size_t take = c->len < c->max ? c->max - c->len : 0;
	if (take > (size_t)n)
		take = (size_t)n;
	if (take) {
		if (c->len + take + 1 > c->cap) {
			size_t nc = c->cap ? c->cap * 2 : 8192;
			while (nc < c->len + take + 1)
				nc *= 2;
			char *nb = realloc(c->buf, nc);
			if (!nb)
				return -ENOMEM;
			c->buf = nb;
			c->cap = nc;
		}
		memcpy(c->buf + c->len, chunk, take);
		c->len += take;
		c->buf[c->len] = '\0';
	}
	return 1;
}

static char *capture_take(capture *c)
{
	if (!c->buf)
		return strdup("");
	char *b = c->buf;
	c->buf = NULL;
	return b;
}

/* What the child does before exec in a private mount namespace (all strings prepared by
 * the parent: nothing is allocated after fork). */
typedef struct ns_setup {
	bool on;
	const char *etc_ssh;          /* STAGE/root/etc/ssh */
	const char *const *binds_src; /* staged files outside /etc/ssh ... */
	const char *const *binds_dst; /* ... and the host files they cover */
	size_t n_binds;
	uid_t uid;
	gid_t gid;
} ns_setup;

static void ns_die(int errfd, const char *step)
{
	int e = errno;
	dprintf(errfd, NS_MARK "%s: %s\n", step, strerror(e));
	_exit(NS_FAIL);
}

static void write_file(int errfd, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		ns_die(errfd, path);
	close(fd);
}

static void ns_enter(const ns_setup *ns, int errfd)
{
	if (unshare(CLONE_NEWNS) < 0) {
		if (errno != EPERM || ns->uid == 0)
			ns_die(errfd, "unshare(CLONE_NEWNS)");
		/* not root: a user namespace in which we are root owns the mount namespace */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			ns_die(errfd, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
		char map[64];
		write_file(errfd, "/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)ns->uid);
		write_file(errfd, "/proc/self/uid_map", map);
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)ns->gid);
		write_file(errfd, "/proc/self/gid_map", map);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		ns_die(errfd, "mount --make-rprivate /");
	if (mount(ns->etc_ssh, "/etc/ssh", NULL, MS_BIND | MS_REC, NULL) < 0)
		ns_die(errfd, "bind mount over /etc/ssh");
	for (size_t i = 0; i < ns->n_binds; i++)
		if (mount(ns->binds_src[i], ns->binds_dst[i], NULL, MS_BIND, NULL) < 0)
			ns_die(errfd, "bind mount of a file outside /etc/ssh");
	struct stat st;
	if (stat("/run/sshd", &st) < 0) {
		/* sshd -t as root insists on its privilege separation folder */
		if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
			ns_die(errfd, "tmpfs on /run");
		if (mkdir("/run/sshd", 0755) < 0)
			ns_die(errfd, "mkdir /run/sshd");
	}
}

/* Run argv[0] with argv, optionally in a namespace; capture stdout and stderr; kill after
 * timeout_ms. *ret_status: the exit status, or -1 when killed or signalled. */
static int run_child(const char *const *argv, const ns_setup *ns, int timeout_ms,
		     char **ret_out, char **ret_err, int *ret_status)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int r = -errno;
		close(po[0]);
		close(po[1]);
		return r;
	}
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
		if (devnull >= 0)
			close(devnull);
		return r;
	}
	if (pid == 0) {
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		if (ns && ns->on)
			ns_enter(ns, 2);
		execve(argv[0], (char *const *)argv, envp);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	if (devnull >= 0)
		close(devnull);
	capture out = { .max = KW_SSHD_OUTPUT_MAX }, err = { .max = KW_SSHD_ERRORS_MAX };
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool open_o = true, open_e = true, killed = false;
	int r = 0;
	while ((open_o || open_e) && r == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd fds[2] = { { open_o ? po[0] : -1, POLLIN, 0 }, { open_e ? pe[0] : -1, POLLIN, 0 } };
		int pr = poll(fds, 2, (int)(timeout_ms - el));
		if (pr < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		for (int i = 0; i < 2 && pr > 0; i++) {
			if (!fds[i].revents)
				continue;
			int cr = capture_read(i == 0 ? &out : &err, i == 0 ? po[0] : pe[0]);
			if (cr < 0)
				r = cr;
			else if (cr == 0) {
				if (i == 0) open_o = false; else open_e = false;
			}
		}
	}
	close(po[0]);
	close(pe[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0) {
		*ret_status = !killed && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		*ret_out = capture_take(&out);
		*ret_err = capture_take(&err);
		if (!*ret_out || !*ret_err) {
			free(*ret_out);
			free(*ret_err);
			r = -ENOMEM;
		}
	}
	free(out.buf);
	free(err.buf);
	return r;
}

/* ------------------------------------------------------------------ sshd -- */

void kw_sshd_check_release(kw_sshd_check *c)
{
	if (!c)
		return;
	free(c->errors);
	free(c->note);
	free(c->dump);
	free(c->dump_errors);
	*c = (kw_sshd_check){ 0 };
}

static int make_hostkey(kw_stage *s, char **ret_note)
{
	if (s->hostkey)
		return 0;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/hostkey", s->dir) < 0)
		return -ENOMEM;
	const char *argv[] = { KEYGEN_PATH, "-q", "-t", "ed25519", "-N", "", "-C",
			       "keyward-throwaway", "-f", path, NULL };
	_cleanup_free_ char *out = NULL, *err = NULL;
	int status;
	int r = run_child(argv, NULL, KW_SSHD_TIMEOUT_MS, &out, &err, &status);
	if (r < 0)
		return r;
	if (status != 0) {
		if (asprintf(ret_note, "not validated: %s could not make a throwaway host key: %s",
			     KEYGEN_PATH, err[0] ? err : "failed") < 0)
			return -ENOMEM;
		return 1;
	}
	s->hostkey = TAKE_PTR(path);
	return 0;
}

/* Is the child's stderr a namespace-setup failure? Then it is the note. */
static bool ns_failed(int status, const char *err)
{
	return status == NS_FAIL && !strncmp(err, NS_MARK, strlen(NS_MARK));
}

int kw_validate_sshd(kw_stage *s, const char *sshd, kw_sshd_check *ret)
{
	kw_sshd_check c = { .status = -1 };
	if (!sshd)
		sshd = KW_SSHD_PATH;
	int r = 0;
	if (access(sshd, X_OK) < 0) {
		if (asprintf(&c.note, "not validated: sshd not installed here (%s)", sshd) < 0)
			return -ENOMEM;
		*ret = c;
		return 0;
	}
	struct stat st;
	if (stat("/etc/ssh", &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (!(c.note = strdup("not validated: this host has no /etc/ssh to mount the staged copy over")))
			return -ENOMEM;
		*ret = c;
		return 0;
	}
	if ((r = make_hostkey(s, &c.note)) != 0) {
		if (r < 0)
			return r;
		*ret = c;
		return 0;
	}
	_cleanup_free_ char *etc_ssh = NULL, *out = NULL;
	if (asprintf(&etc_ssh, "%s/etc/ssh", s->root) < 0)
		return -ENOMEM;
	_cleanup_free_ const char **src = calloc(s->n_outside + 1, sizeof *src);
	_cleanup_free_ const char **dst = calloc(s->n_outside + 1, sizeof *dst);
	char **owned = calloc(s->n_outside + 1, sizeof *owned);
	kw_sb notes;
	kw_sb_init(&notes);
	if (!src || !dst || !owned) {
		free(owned);
		return -ENOMEM;
	}
	size_t nb = 0;
	for (size_t i = 0; i < s->n_outside; i++) {
		struct stat hs;
		if (stat(s->outside[i], &hs) == 0 && S_ISREG(hs.st_mode)) {
			if (asprintf(&owned[nb], "%s%s", s->root, s->outside[i]) < 0) {
				r = -ENOMEM;
				goto out;
			}
			src[nb] = owned[nb];
			dst[nb] = s->outside[i];
			nb++;
		} else {
			kw_sb_printf(&notes, "%s%s", notes.len ? ", " : "", s->outside[i]);
		}
	}
	if (notes.len) {
		/* honest about what sshd saw: a file outside /etc/ssh this host lacks cannot be
		 * mounted over anything, so sshd read nothing (or this host's folder) there */
		if (asprintf(&c.note, "validated without the root's copies of %s (outside /etc/ssh; "
			     "this host has no such file to mount them over); keyward's own engine "
			     "read them", notes.s) < 0) {
			c.note = NULL;
			r = -ENOMEM;
			goto out;
		}
	}
	ns_setup ns = { .on = true, .etc_ssh = etc_ssh, .binds_src = src, .binds_dst = dst,
			.n_binds = nb, .uid = geteuid(), .gid = getegid() };
	const char *targv[] = { sshd, "-t", "-f", "/etc/ssh/sshd_config", "-h", s->hostkey, NULL };
	r = run_child(targv, &ns, KW_SSHD_TIMEOUT_MS, &out, &c.errors, &c.status);
	if (r < 0)
		goto out;
	if (ns_failed(c.status, c.errors)) {
		free(c.note);
		if (asprintf(&c.note, "not validated: no private mount namespace (%.*s)",
			     (int)strcspn(c.errors + strlen(NS_MARK), "\n"), c.errors + strlen(NS_MARK)) < 0) {
			c.note = NULL;
			r = -ENOMEM;
		}
		c.status = -1;
		goto out;
	}
	if (c.status != 0) {
		c.verdict = KW_SSHD_REJECTED;
		if (c.status == -1 && !c.errors[0]) {
			free(c.errors);
			if (!(c.errors = strdup("sshd -t did not finish within 10 s (killed)")))
				r = -ENOMEM;
		}
		goto out;
	}
	c.verdict = KW_SSHD_ACCEPTED;
	targv[1] = "-T";
	int st_t;
	char *tout = NULL, *terr = NULL;
	r = run_child(targv, &ns, KW_SSHD_TIMEOUT_MS, &tout, &terr, &st_t);
	if (r < 0)
		goto out;
	if (st_t == 0) {
		c.dump = tout;
		free(terr);
	} else {
		free(tout);
		c.dump_errors = terr;
	}
out:
	for (size_t i = 0; i < nb; i++)
		free(owned[i]);
	free(owned);
	kw_sb_release(&notes);
	if (r < 0) {
		kw_sshd_check_release(&c);
		return r;
	}
	*ret = c;
	return 0;
}

char *kw_sshd_dump_values(const char *dump, const char *tname)
{
	if (!dump)
		return NULL;
	size_t tl = strlen(tname);
	kw_sb sb;
	kw_sb_init(&sb);
	bool found = false;
	for (const char *p = dump; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= tl && !strncmp(p, tname, tl) && (n == tl || p[tl] == ' ')) {
			if (found)
				kw_sb_putc(&sb, '\n');
			if (n > tl)
				kw_sb_put(&sb, p + tl + 1, n - tl - 1);
			found = true;
		}
		p = e ? e + 1 : p + n;
	}
	if (!found || sb.overflow) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}
