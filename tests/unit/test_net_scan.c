/* test_net_scan.c — the scanner's engine (net/scan.c) against real servers on 127.0.0.1:
 * a real sshd (three host keys) and dropbear, a port nothing listens on, and a listener
 * that accepts and never speaks. Fingerprints are checked against `ssh-keygen -lf` of the
 * servers' own key files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "netpeer.h"

#include "base/err.h"
#include "net/scan.h"
#include "net/targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static kwt_peer sshd, dropbear;
static int silent_fd = -1, silent_port;

static int group_setup(void **state)
{
	(void)state;
	if (kwt_peer_start(&sshd, KWT_PEER_SSHD, NULL) < 0) {
		fprintf(stderr, "sshd: %s\n", sshd.why);
		return -1;
	}
	if (kwt_peer_start(&dropbear, KWT_PEER_DROPBEAR, NULL) < 0) {
		fprintf(stderr, "dropbear: %s\n", dropbear.why);
		return -1;
	}
	/* a listener that accepts (the kernel completes the handshake) and never answers */
	silent_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (silent_fd < 0 || bind(silent_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(silent_fd, 16) < 0 ||
	    getsockname(silent_fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	silent_port = ntohs(a.sin_port);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	kwt_peer_stop(&sshd);
	kwt_peer_stop(&dropbear);
	if (silent_fd >= 0)
		close(silent_fd);
	return 0;
}

/* the SHA256 field of `ssh-keygen -lf FILE` */
static void keygen_fp(const char *file, char fp[64])
{
	char out[512];
	const char *const argv[] = { "/usr/bin/ssh-keygen", "-l", "-f", file, NULL };
	int st = kwt_run(argv, out, sizeof out, NULL, 10000);
	if (st != 0)
		fail_msg("ssh-keygen -lf %s: status %d", file, st);
	char *sp = strchr(out, ' ');
	assert_non_null(sp);
	size_t n = strcspn(sp + 1, " ");
	assert_true(n < 64);
	memcpy(fp, sp + 1, n);
	fp[n] = '\0';
}

static void add_port(kw_targets *t, int port)
{
	char spec[32], err[256] = "";
	snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
	assert_int_equal(kw_targets_add(t, spec, 22, err, sizeof err), 0);
}

static const kw_scan_key *key_of(const kw_scan_result *r, const char *label)
{
	for (size_t i = 0; i < r->n_keys; i++)
		if (!r->keys[i].err && !strcmp(r->keys[i].res.key.label, label))
			return &r->keys[i];
	return NULL;
}

/* sshd, a refused port, dropbear, in that order: results come back in input order, the
 * refused one says so and does not disturb the others, every host key is verified and
 * its fingerprint is ssh-keygen's */
static void test_real_servers(void **state)
{
	(void)state;
	int closed = kwt_free_port();
	kw_targets t;
	kw_targets_init(&t, 0);
	add_port(&t, sshd.port);
	add_port(&t, closed);
	add_port(&t, dropbear.port);
	kw_scan_opts o = { .jobs = 8, .timeout_ms = 5000, .all_hostkeys = true };
	kw_scan_result *r = NULL;
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);

	/* sshd: ed25519, ecdsa-256, rsa-2048, one connection each */
	assert_true(r[0].have_ident && r[0].have_kexinit && r[0].finished);
	assert_int_equal(r[0].err, 0);
	assert_string_equal(r[0].phase, "done");
	assert_non_null(strstr(r[0].ident.software, "OpenSSH_"));
	assert_int_equal(r[0].n_keys, 3);
	assert_int_equal(r[0].conns, 3);
	static const struct { const char *label, *file; } want[] = {
		{ "ED25519", "ssh_host_ed25519_key.pub" },
		{ "ECDSA", "ssh_host_ecdsa_key.pub" },
		{ "RSA", "ssh_host_rsa_key.pub" },
	};
	for (size_t i = 0; i < 3; i++) {
		char path[256], fp[64];
		snprintf(path, sizeof path, "%s/%s", sshd.dir, want[i].file);
		keygen_fp(path, fp);
		const kw_scan_key *k = key_of(&r[0], want[i].label);
		assert_non_null(k);
		assert_true(k->res.verified);
		assert_string_equal(k->res.key.fp, fp);
		assert_string_equal(k->kex, "curve25519-sha256");
	}

	/* the refused port */
	assert_false(r[1].have_ident);
	assert_false(r[1].have_kexinit);
	assert_true(r[1].finished);
	assert_int_equal(r[1].err, -ECONNREFUSED);
	assert_string_equal(r[1].phase, "connect");
	assert_non_null(strstr(r[1].why, "refused"));
	assert_int_equal(r[1].n_keys, 0);

	/* dropbear: verified keys too */
	assert_true(r[2].have_kexinit);
	assert_non_null(strstr(r[2].ident.software, "dropbear"));
	assert_true(r[2].n_keys >= 2);
	for (size_t i = 0; i < r[2].n_keys; i++) {
		assert_int_equal(r[2].keys[i].err, 0);
		assert_true(r[2].keys[i].res.verified);
	}
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

/* without --hostkeys: one connection, the server's preferred key; with --gex: one more
 * connection per request, sizes within the requests */
static void test_main_connection_and_gex(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	add_port(&t, sshd.port);
	kw_scan_opts o = { .gex = true };
	kw_scan_result *r = NULL;
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);
	size_t ngex;
	const kw_scan_gex_req *req = kw_scan_gex_defaults(&ngex);
	assert_int_equal(r[0].n_keys, 1);
	assert_true(r[0].keys[0].res.verified);
	assert_string_equal(r[0].keys[0].alg, r[0].kexinit.lists[KW_KEXL_HOSTKEY].names[0]);
	assert_int_equal(r[0].n_gex, ngex);
	assert_int_equal(r[0].conns, 1 + ngex);
	for (size_t i = 0; i < ngex; i++) {
		assert_int_equal(r[0].gex[i].err, 0);
		assert_int_equal(r[0].gex[i].req.n, req[i].n);
		assert_true(r[0].gex[i].g.in_range);
		assert_true(r[0].gex[i].g.bits >= req[i].min && r[0].gex[i].g.bits <= req[i].max);
	}
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

static uint64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* a server that never speaks costs its own deadline and nothing else: the real server
 * next to it finishes at once, the silent one times out in the banner phase */
static void test_silent_server_deadline(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	add_port(&t, silent_port);
	add_port(&t, sshd.port);
	kw_scan_opts o = { .timeout_ms = 700 };
	kw_scan_result *r = NULL;
	uint64_t t0 = ms_now();
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);
	uint64_t took = ms_now() - t0;
	assert_true(took >= 650 && took < 3000);
	assert_int_equal(r[0].err, KW_E_TIMEOUT);
	assert_string_equal(r[0].phase, "banner");
	assert_true(r[1].have_kexinit && r[1].keys[0].res.verified);
	assert_true(r[1].ms < 650);
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

/* a stop flag already set: nothing is finished, every target says so */
static void test_stop(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	add_port(&t, sshd.port);
	add_port(&t, dropbear.port);
	volatile sig_atomic_t stop = 1;
	kw_scan_opts o = { .stop = &stop };
	kw_scan_result *r = NULL;
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_false(r[i].finished);
		assert_int_equal(r[i].err, -EINTR);
		assert_int_equal(r[i].conns, 0);
	}
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

/* many entries of one server with one job slot: each target still completes, in order */
static void test_one_job(void **state)
{
	(void)state;
	kw_targets t;
	kw_targets_init(&t, 0);
	for (int i = 0; i < 6; i++)
		add_port(&t, i % 2 ? dropbear.port : sshd.port);
	kw_scan_opts o = { .jobs = 1, .all_hostkeys = true };
	kw_scan_result *r = NULL;
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);
	for (size_t i = 0; i < 6; i++) {
		assert_true(r[i].finished);
		assert_true(r[i].have_kexinit);
		assert_non_null(strstr(r[i].ident.software, i % 2 ? "dropbear" : "OpenSSH"));
		for (size_t k = 0; k < r[i].n_keys; k++)
			assert_true(r[i].keys[k].res.verified);
	}
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

/* A listener that accepts and never answers, counting how many of its connections are
 * open at once (the scanner sends its identification at once: a read of 0 means it
 * closed). */
typedef struct counter {
	int lfd;
	volatile int stop;
	int max_open;
	int accepted;
} counter;

static void *count_conns(void *arg)
{
	counter *c = arg;
	struct pollfd p[128];
	int n = 1, open_now = 0;
	p[0] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
	while (!c->stop) {
		if (poll(p, (nfds_t)n, 50) <= 0)
			continue;
		for (int i = n - 1; i >= 1; i--) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[256];
			if (recv(p[i].fd, buf, sizeof buf, 0) > 0)
				continue;
			close(p[i].fd);
			p[i] = p[--n];
			open_now--;
		}
		if ((p[0].revents & POLLIN) && n < 128) {
			int fd = accept(c->lfd, NULL, NULL);
			if (fd >= 0) {
				p[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
				c->accepted++;
				if (++open_now > c->max_open)
					c->max_open = open_now;
			}
		}
	}
	for (int i = 1; i < n; i++)
		close(p[i].fd);
	return NULL;
}

/* one server listed many times: the per-target limit counts per address and port, so a
 * server is never held by more than KW_SCAN_PER_TARGET of the scanner's connections (sshd's
 * MaxStartups and dropbear's per-address limit would drop the rest) */
static void test_same_server_listed_often(void **state)
{
	(void)state;
	counter c = { .lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	assert_true(c.lfd >= 0);
	assert_int_equal(bind(c.lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(c.lfd, 64), 0);
	assert_int_equal(getsockname(c.lfd, (struct sockaddr *)&a, &al), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, count_conns, &c), 0);
	kw_targets t;
	kw_targets_init(&t, 0);
	for (int i = 0; i < 16; i++)
		add_port(&t, ntohs(a.sin_port));
	kw_scan_opts o = { .jobs = 64, .timeout_ms = 300 };
	kw_scan_result *r = NULL;
	assert_int_equal(kw_scan_run(&t, &o, &r), 0);
	c.stop = 1;
	pthread_join(th, NULL);
	close(c.lfd);
	for (size_t i = 0; i < t.n; i++) {
		assert_true(r[i].finished);
		assert_int_equal(r[i].err, KW_E_TIMEOUT);
	}
	assert_int_equal(c.accepted, 16);
	assert_true(c.max_open >= 2);
	assert_true(c.max_open <= KW_SCAN_PER_TARGET);
	kw_scan_results_free(r, t.n);
	kw_targets_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_servers),
		cmocka_unit_test(test_main_connection_and_gex),
		cmocka_unit_test(test_silent_server_deadline),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_one_job),
		cmocka_unit_test(test_same_server_listed_often),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
