/* scan.h — the scanner's engine: many SSH servers at once on one thread, with
 * non-blocking sockets and epoll, each connection a small state machine with an absolute
 * deadline, so that no server (silent, dripping, endless) holds up another.
 *
 * Per target, one connection does the main work: identification, the server's KEXINIT,
 * then a key exchange for the best host key algorithm it offers, far enough to verify the
 * signature over the exchange hash (net/kex.h). Optional follow-ups, each its own
 * connection: one per further host key (--hostkeys) and one per group-exchange size
 * (--gex). At most KW_SCAN_PER_TARGET connections to one target at a time, so a server's
 * MaxStartups does not drop the scanner's own connections.
 *
 * Results come back in target order, complete or (after *stop was set) with what had
 * finished. Every text taken from a server stays raw in the result; whoever prints it
 * escapes it (errors in why[] are already escaped).
 *
 *   kw_scan_result *r;  kw_scan_run(&targets, &opts, &r);  ... r[0..targets.n) ...
 *   kw_scan_results_free(r, targets.n);
 */
#ifndef KW_NET_SCAN_H
#define KW_NET_SCAN_H

#include "net/kex.h"
#include "net/targets.h"
#include "net/wire.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_SCAN_JOBS_DEFAULT 128
#define KW_SCAN_JOBS_MAX 4096
#define KW_SCAN_TIMEOUT_DEFAULT_MS 5000
#define KW_SCAN_PER_TARGET 4
/* bytes read from one connection in all (the rx buffer itself is bounded by wire.h) */
#define KW_SCAN_CONN_BYTES_MAX ((uint64_t)4 << 20)
#define KW_SCAN_GEX_MAX 8

typedef struct kw_scan_gex_req {
	uint32_t min, n, max;
} kw_scan_gex_req;

typedef struct kw_scan_opts {
	unsigned jobs;              /* connections at once (0 = KW_SCAN_JOBS_DEFAULT) */
	uint32_t timeout_ms;        /* per connection, from connect to the last reply
				     * (0 = KW_SCAN_TIMEOUT_DEFAULT_MS) */
	bool all_hostkeys;          /* one more connection per further host key */
	bool gex;                   /* group-exchange probes */
	const kw_scan_gex_req *gex_reqs; /* NULL = the defaults (kw_scan_gex_defaults) */
	size_t n_gex_reqs;
	size_t packet_max;          /* 0 = KW_SSH_PACKET_DEFAULT */
	/* called after each finished target (done of total), on the scanning thread */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	volatile sig_atomic_t *stop; /* when set (a signal handler): stop starting and
				      * waiting, return what finished */
} kw_scan_opts;

/* 2048:2048:8192, 2048:3072:8192, 2048:4096:8192, 2048:8192:8192 */
const kw_scan_gex_req *kw_scan_gex_defaults(size_t *n);

/* One host key, from its own key exchange. */
typedef struct kw_scan_key {
	char alg[64];           /* the host key algorithm asked for */
	int err;                /* 0: res holds the key (verified or not: res.verified) */
	char why[256];          /* when err: what went wrong (escaped) */
	kw_kex_result res;
	char kex[64];           /* the key exchange used */
} kw_scan_key;

typedef struct kw_scan_gex {
	kw_scan_gex_req req;
	int err;                /* 0: g holds the group's size and checks */
	char why[256];
	kw_gex_group g;
	char kex[64];           /* the group-exchange algorithm used */
} kw_scan_gex;

typedef struct kw_scan_result {
	int err;                /* 0 = the server's identification and KEXINIT were read */
	char why[256];          /* when err (escaped) */
	const char *phase;      /* where the main connection stopped: "resolve", "connect",
				 * "banner", "kexinit", "kex", "done" */
	bool have_ident, have_kexinit;
	kw_ssh_ident ident;
	kw_ssh_kexinit kexinit;
	kw_scan_key *keys;      /* the main connection's key first, then the follow-ups */
	size_t n_keys;
	kw_scan_gex *gex;
	size_t n_gex;
	uint32_t ms;            /* from the first connect to the last close */
	unsigned conns;         /* connections made */
	bool finished;          /* every probe ran (false when interrupted) */
} kw_scan_result;

/* Scan every target of t (resolved: kw_targets_resolve). *ret gets t->n results (owned;
 * kw_scan_results_free). 0, -ENOMEM, or -errno when epoll cannot be set up. A target that
 * cannot be reached is not an error of the scan: its result says why. */
int kw_scan_run(const kw_targets *t, const kw_scan_opts *o, kw_scan_result **ret);
void kw_scan_results_free(kw_scan_result *r, size_t n);

/* The RSA, DSA, ECDSA (one curve) and Ed25519 host key algorithms that show one key:
 * "rsa-sha2-512" and "ssh-rsa" both name the RSA key ("ssh-rsa"); others name their own. */
const char *kw_scan_key_family(const char *alg);

#endif
