/* netpeer.h — real SSH servers on loopback for the src/net tests (compiled into the net_*
 * unit tests only).
 *
 * A peer is one daemon (OpenSSH sshd, dropbear, or tinysshd behind systemd-socket-activate)
 * listening on 127.0.0.1 on a free port, with fresh host keys in a private temp folder.
 * Start it in a cmocka group setup and stop it in the group teardown, which cmocka runs
 * even when a test fails. The daemon gets PR_SET_PDEATHSIG, so it also dies with the test
 * process if that crashes; it runs in its own process group, and stopping it signals that
 * group (the daemon and the per-connection children it forked), TERM then KILL.
 *
 * Every wait is bounded: starting waits at most KWT_PEER_START_MS for the port to accept,
 * kwt_run() kills a command still running after its timeout, and kwt_connect() sockets
 * carry receive and send timeouts. Only 127.0.0.1 is ever used.
 *
 * Unlike the cmocka helpers of testutil.h these return errors (-1, with a message in
 * peer->why or on stderr) so they can be used from group setup functions.
 */
#ifndef KW_TEST_NETPEER_H
#define KW_TEST_NETPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KWT_PEER_START_MS 5000

typedef enum kwt_peer_kind {
	KWT_PEER_SSHD,      /* /usr/sbin/sshd -D -e -f DIR/sshd_config */
	KWT_PEER_DROPBEAR,  /* /usr/sbin/dropbear -F -E -s -w -j -k -p 127.0.0.1:PORT -r ... */
	KWT_PEER_TINYSSHD,  /* systemd-socket-activate -l 127.0.0.1:PORT -a --inetd tinysshd */
} kwt_peer_kind;

typedef struct kwt_peer {
	kwt_peer_kind kind;
	pid_t pid;          /* the daemon, leader of its own process group; 0 when stopped */
	int port;
	char dir[64];       /* private temp folder: keys, config, log */
	char config[128];   /* sshd: DIR/sshd_config */
	char log[128];      /* the daemon's stderr */
	char why[256];      /* why starting failed */
} kwt_peer;

/* Start a daemon of this kind. sshd_extra: more sshd_config lines (sshd only; may be
 * NULL), written before the ones netpeer sets, so they win (sshd keeps the first value).
 * Host keys: sshd ed25519, ecdsa-256 and rsa-2048 (sshd_config also pins HostKeyAlgorithms
 * to exactly those, so `sshd -T` matches the wire); dropbear ed25519, ecdsa-256 and
 * rsa-2048; tinysshd an ed25519 key from tinysshd-makekey. Retries with another port if
 * the first one was taken meanwhile. 0 or -1 (peer->why says why). */
int kwt_peer_start(kwt_peer *peer, kwt_peer_kind kind, const char *sshd_extra);
/* Stop the daemon and its children and remove the temp folder. Safe to call twice and on
 * a peer whose start failed. */
void kwt_peer_stop(kwt_peer *peer);
const char *kwt_peer_name(kwt_peer_kind kind);

/* A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
int kwt_free_port(void);
/* Until a TCP connect to 127.0.0.1:port succeeds (0), the process pid exits (-1), or
 * timeout_ms pass (-1). pid 0: do not watch a process. */
int kwt_wait_accept(int port, pid_t pid, int timeout_ms);
/* A blocking socket connected to 127.0.0.1:port, with SO_RCVTIMEO and SO_SNDTIMEO of
 * timeout_ms. -1 on failure. */
int kwt_connect(int port, int timeout_ms);
/* send() all of p[0..n) (MSG_NOSIGNAL). 0 or -1. */
int kwt_send_all(int fd, const void *p, size_t n);

/* Run argv (argv[0] an absolute path) with stdin from /dev/null; its stdout into out
 * (NUL-terminated; at most cap - 1 bytes kept, the rest read and dropped; out may be NULL),
 * its stderr into stderr_path (NULL: /dev/null). Killed after timeout_ms. Returns the exit
 * status (0..255), or -1 if it could not run, was killed by a signal, or timed out. */
int kwt_run(const char *const argv[], char *out, size_t cap, const char *stderr_path,
	    int timeout_ms);
/* Like kwt_run, with stdout as a new malloc()ed string in *out (capped at max bytes). */
int kwt_run_alloc(const char *const argv[], char **out, size_t max, int timeout_ms);

#endif
