/* netpeer.c — real SSH servers on loopback for the src/net tests (see netpeer.h).
 *
 * Owned by the "wire" helper; shared with the kex tests. Children are made with fork and
 * exec: between the two only async-signal-safe calls (every path and argv is built before
 * the fork). Each child leads its own process group and asks for SIGKILL when the test
 * process dies, so nothing outlives a crashed test.
 */
#include "netpeer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

#define KWT_ARGV_MAX 24

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

__attribute__((format(printf, 2, 3)))
static void why(kwt_peer *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof p->why, fmt, ap);
	va_end(ap);
}

const char *kwt_peer_name(kwt_peer_kind kind)
{
	switch (kind) {
	case KWT_PEER_SSHD: return "sshd";
	case KWT_PEER_DROPBEAR: return "dropbear";
	case KWT_PEER_TINYSSHD: return "tinysshd";
	}
	return "?";
}

/* ---- child processes ---- */

/* In the child, after fork: own process group, die with the parent, stdio wired up, exec.
 * Only async-signal-safe calls. */
__attribute__((noreturn))
static void child_exec(const char *const argv[], pid_t parent, int out_fd, const char *err_path)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : null;
	if (null < 0 || err < 0)
		_exit(127);
	if (dup2(null, 0) < 0 || dup2(out_fd >= 0 ? out_fd : null, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Wait for pid until deadline (monotonic ms). Exit status 0..255, -1 for a signal, -2 when
 * still running at the deadline. */
static int wait_until(pid_t pid, long long deadline)
{
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline)
			return -2;
		sleep_ms(10);
	}
}

/* TERM to the group, then KILL after grace_ms; reaps pid. */
static void stop_group(pid_t pid, int grace_ms)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	if (wait_until(pid, now_ms() + grace_ms) == -2) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	kill(-pid, SIGKILL); /* per-connection children left in the group */
}

static int run_common(const char *const argv[], char *fixed, size_t cap, char **dyn, size_t max,
		      const char *stderr_path, int timeout_ms)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, parent, pfd[1], stderr_path);
	setpgid(pid, pid);
	close(pfd[1]);
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0, dcap = 0;
	char *d = NULL;
	bool timed_out = false, oom = false;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		int pr = poll(&pf, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		char tmp[4096];
		ssize_t n = read(pfd[0], tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t k = (size_t)n;
		if (fixed) {
			size_t room = cap ? cap - 1 - len : 0;
			size_t take = k < room ? k : room;
			memcpy(fixed + len, tmp, take);
			len += take;
		} else if (dyn && !oom) {
			size_t take = len + k > max ? max - len : k;
			if (len + take + 1 > dcap) {
				size_t nc = dcap ? dcap * 2 : 8192;
				while (nc < len + take + 1)
					nc *= 2;
				char *nd = realloc(d, nc);
				if (!nd) {
					oom = true;
					continue;
				}
				d = nd;
				dcap = nc;
			}
			memcpy(d + len, tmp, take);
			len += take;
		}
	}
	close(pfd[0]);
	int st = timed_out ? -2 : wait_until(pid, deadline);
	if (st == -2) {
		fprintf(stderr, "netpeer: %s timed out after %d ms\n", argv[0], timeout_ms);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		st = -1;
	}
	if (fixed && cap)
		fixed[len] = '\0';
	if (dyn) {
		if (oom || (!d && !(d = malloc(1)))) {
			free(d);
			*dyn = NULL;
			return -1;
		}
		d[len] = '\0';
		*dyn = d;
	}
	return st;
}

int kwt_run(const char *const argv[], char *out, size_t cap, const char *stderr_path,
	    int timeout_ms)
{
	char dummy[1];
	return run_common(argv, out ? out : dummy, out ? cap : 1, NULL, 0, stderr_path, timeout_ms);
}

int kwt_run_alloc(const char *const argv[], char **out, size_t max, int timeout_ms)
{
	return run_common(argv, NULL, 0, out, max, NULL, timeout_ms);
}

/* ---- sockets ---- */

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

int kwt_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = loopback(0);
	socklen_t al = sizeof a;
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int kwt_connect(int port, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	struct sockaddr_in a = loopback(port);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int kwt_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int kwt_wait_accept(int port, pid_t pid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
			return -1; /* it exited (and is reaped) */
		int fd = kwt_connect(port, 500);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(20);
	}
}

/* ---- the peers ---- */

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(p);
}

static int put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	int r = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

static int keygen(kwt_peer *p, const char *const argv[])
{
	char errlog[160];
	snprintf(errlog, sizeof errlog, "%s/keygen.log", p->dir);
	int st = kwt_run(argv, NULL, 0, errlog, 30000);
	if (st != 0) {
		why(p, "%s failed (status %d, see %s)", argv[0], st, errlog);
		return -1;
	}
	return 0;
}

static int make_keys(kwt_peer *p)
{
	char a[128], b[128], c[128];
	switch (p->kind) {
	case KWT_PEER_SSHD: {
		snprintf(a, sizeof a, "%s/ssh_host_ed25519_key", p->dir);
		snprintf(b, sizeof b, "%s/ssh_host_ecdsa_key", p->dir);
		snprintf(c, sizeof c, "%s/ssh_host_rsa_key", p->dir);
		const char *const k1[] = { "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", a, NULL };
		const char *const k2[] = { "/usr/bin/ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f", b, NULL };
		const char *const k3[] = { "/usr/bin/ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", c, NULL };
		return keygen(p, k1) < 0 || keygen(p, k2) < 0 || keygen(p, k3) < 0 ? -1 : 0;
	}
	case KWT_PEER_DROPBEAR: {
		snprintf(a, sizeof a, "%s/dropbear_ed25519_host_key", p->dir);
		snprintf(b, sizeof b, "%s/dropbear_ecdsa_host_key", p->dir);
		snprintf(c, sizeof c, "%s/dropbear_rsa_host_key", p->dir);
		const char *const k1[] = { "/usr/bin/dropbearkey", "-t", "ed25519", "-f", a, NULL };
		const char *const k2[] = { "/usr/bin/dropbearkey", "-t", "ecdsa", "-s", "256", "-f", b, NULL };
		const char *const k3[] = { "/usr/bin/dropbearkey", "-t", "rsa", "-s", "2048", "-f", c, NULL };
		return keygen(p, k1) < 0 || keygen(p, k2) < 0 || keygen(p, k3) < 0 ? -1 : 0;
	}
	case KWT_PEER_TINYSSHD: {
		snprintf(a, sizeof a, "%s/keys", p->dir);
		const char *const k1[] = { "/usr/sbin/tinysshd-makekey", a, NULL };
		return keygen(p, k1);
	}
	}
	return -1;
}

static int write_sshd_config(kwt_peer *p, const char *extra)
{
	char text[2048];
	int n = snprintf(text, sizeof text,
		"# keyward test sshd (netpeer.c)\n"
		"%s%s"
		"Port %d\n"
		"ListenAddress 127.0.0.1\n"
		"HostKey %s/ssh_host_ed25519_key\n"
		"HostKey %s/ssh_host_ecdsa_key\n"
		"HostKey %s/ssh_host_rsa_key\n"
		"HostKeyAlgorithms ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256\n"
		"PidFile %s/sshd.pid\n"
		"UsePAM no\n"
		"LoginGraceTime 10\n"
		"MaxStartups 100:30:200\n"
		"DenyUsers *\n"
		"PasswordAuthentication no\n"
		"KbdInteractiveAuthentication no\n"
		"AuthorizedKeysFile none\n"
		"LogLevel INFO\n",
		extra ? extra : "", extra && *extra && extra[strlen(extra) - 1] != '\n' ? "\n" : "",
		p->port, p->dir, p->dir, p->dir, p->dir);
	if (n < 0 || (size_t)n >= sizeof text) {
		why(p, "sshd_config too long");
		return -1;
	}
	if (put_file(p->config, text) < 0) {
		why(p, "cannot write %s", p->config);
		return -1;
	}
	return 0;
}

static int spawn_daemon(kwt_peer *p)
{
	char port[16], listen[48], kdir[128], pidf[128], k1[128], k2[128], k3[128];
	snprintf(port, sizeof port, "%d", p->port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", p->port);
	const char *argv[KWT_ARGV_MAX] = { 0 };
	size_t i = 0;
	switch (p->kind) {
	case KWT_PEER_SSHD:
		argv[i++] = "/usr/sbin/sshd";
		argv[i++] = "-D";
		argv[i++] = "-e";
		argv[i++] = "-f";
		argv[i++] = p->config;
		break;
	case KWT_PEER_DROPBEAR:
		snprintf(pidf, sizeof pidf, "%s/dropbear.pid", p->dir);
		snprintf(k1, sizeof k1, "%s/dropbear_ed25519_host_key", p->dir);
		snprintf(k2, sizeof k2, "%s/dropbear_ecdsa_host_key", p->dir);
		snprintf(k3, sizeof k3, "%s/dropbear_rsa_host_key", p->dir);
		argv[i++] = "/usr/sbin/dropbear";
		argv[i++] = "-F"; /* foreground */
		argv[i++] = "-E"; /* log to stderr */
		argv[i++] = "-s"; /* no passwords */
		argv[i++] = "-w"; /* no root */
		argv[i++] = "-j"; /* no forwarding */
		argv[i++] = "-k";
		argv[i++] = "-I";
		argv[i++] = "30";
		argv[i++] = "-P";
		argv[i++] = pidf;
		argv[i++] = "-p";
		argv[i++] = listen;
		argv[i++] = "-r";
		argv[i++] = k1;
		argv[i++] = "-r";
		argv[i++] = k2;
		argv[i++] = "-r";
		argv[i++] = k3;
		break;
	case KWT_PEER_TINYSSHD:
		snprintf(kdir, sizeof kdir, "%s/keys", p->dir);
		argv[i++] = "/usr/bin/systemd-socket-activate";
		argv[i++] = "-l";
		argv[i++] = listen;
		argv[i++] = "-a";
		argv[i++] = "--inetd";
		argv[i++] = "/usr/sbin/tinysshd";
		argv[i++] = kdir;
		break;
	}
	argv[i] = NULL;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		why(p, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_exec(argv, parent, -1, p->log);
	setpgid(pid, pid);
	p->pid = pid;
	if (kwt_wait_accept(p->port, pid, KWT_PEER_START_MS) < 0) {
		if (waitpid(pid, NULL, WNOHANG) == 0)
			stop_group(pid, 1000);
		p->pid = 0;
		why(p, "%s did not accept on 127.0.0.1:%d (see %s)", kwt_peer_name(p->kind),
		    p->port, p->log);
		return -1;
	}
	return 0;
}

int kwt_peer_start(kwt_peer *p, kwt_peer_kind kind, const char *sshd_extra)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	snprintf(p->dir, sizeof p->dir, "/tmp/kwt-%s-XXXXXX", kwt_peer_name(kind));
	if (!mkdtemp(p->dir)) {
		why(p, "mkdtemp: %s", strerror(errno));
		p->dir[0] = '\0';
		return -1;
	}
	snprintf(p->config, sizeof p->config, "%s/sshd_config", p->dir);
	snprintf(p->log, sizeof p->log, "%s/daemon.log", p->dir);
	if (make_keys(p) < 0)
		return -1;
	for (int attempt = 0; attempt < 5; attempt++) {
		p->port = kwt_free_port();
		if (p->port <= 0) {
			why(p, "no free port");
			return -1;
		}
		if (kind == KWT_PEER_SSHD) {
			if (write_sshd_config(p, sshd_extra) < 0)
				return -1;
			const char *const t[] = { "/usr/sbin/sshd", "-t", "-f", p->config, NULL };
			if (kwt_run(t, NULL, 0, p->log, 10000) != 0) {
				why(p, "sshd -t refused %s (see %s)", p->config, p->log);
				return -1;
			}
		}
		if (spawn_daemon(p) == 0)
			return 0;
	}
	return -1;
}

void kwt_peer_stop(kwt_peer *p)
{
	if (p->pid > 0)
		stop_group(p->pid, 2000);
	p->pid = 0;
	if (p->dir[0]) {
		nftw(p->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		p->dir[0] = '\0';
	}
}
