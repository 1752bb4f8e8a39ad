/* rdpscan.h — `keyward scan --rdp`: what many RDP servers negotiate, learned over the
 * wire on one thread with non-blocking sockets and epoll, each connection a small state
 * machine with an absolute deadline (the properties of net/scan.h, in an engine of its
 * own: the SSH engine's states are SSH's).
 *
 * Per target, up to three connections, one after the other (never two at once to one
 * server), each sending one Connection Request (net/rdp.h) and reading the confirm:
 *
 *   NEGOTIATE  requests SSL|HYBRID|HYBRID_EX: the protocol the server prefers; when it is
 *              TLS-based, a TLS handshake with libssl follows on the same socket (no
 *              verification, SNI = the target's host name when it has one, TLS 1.0 to 1.3
 *              offered at security level 0 so that an old server's certificate can still
 *              be read) for the certificate, the TLS version and the cipher;
 *   TLS_ONLY   requests SSL alone: does the server insist on NLA (CredSSP), or let a
 *              TLS client without it in? Run only when NEGOTIATE selected CredSSP;
 *   RDP_ONLY   requests PROTOCOL_RDP alone: is standard RDP security (RC4) accepted?
 *              Skipped when NEGOTIATE already showed it (a bare confirm, or RDP
 *              selected).
 * kw_rdp_followups says which follow-ups a NEGOTIATE answer calls for; kw_rdp_verdicts
 * turns the answers into the two verdicts the checks read. Both are pure.
 *
 * Nothing is logged in: the connection closes after the confirm or the TLS handshake.
 * Memory per connection is bounded (a 64-byte confirm buffer, libssl's handshake with
 * the certificate list capped at KW_RDP_CERT_LIST_MAX, KW_RDP_CONN_BYTES_MAX read in all).
 * Results come back in target order; text from the server (the certificate's names)
 * stays raw in the result and is escaped by whoever prints it; why[] texts hold no
 * server bytes.
 *
 *   kw_rdp_result *r;  kw_rdp_run(&targets, &opts, &r);  ... r[0..targets.n) ...
 *   kw_rdp_results_free(r, targets.n);
 */
#ifndef KW_NET_RDPSCAN_H
#define KW_NET_RDPSCAN_H

#include "net/rdp.h"
#include "net/targets.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_RDP_PORT_DEFAULT 3389
#define KW_RDP_JOBS_DEFAULT 128
#define KW_RDP_TIMEOUT_DEFAULT_MS 5000
#define KW_RDP_CERT_LIST_MAX (64 * 1024)
#define KW_RDP_CONN_BYTES_MAX ((uint64_t)256 << 10)

typedef enum kw_rdp_probe_kind {
	KW_RDP_PROBE_NEGOTIATE = 0,
	KW_RDP_PROBE_TLS_ONLY,
	KW_RDP_PROBE_RDP_ONLY,
	KW_RDP_PROBES
} kw_rdp_probe_kind;

/* "negotiate", "tls-only", "rdp-only" */
const char *kw_rdp_probe_name(kw_rdp_probe_kind k);
/* what each probe requests (a KW_RDP_PROTOCOL_* mask) */
uint32_t kw_rdp_probe_request(kw_rdp_probe_kind k);

typedef struct kw_rdp_probe {
	uint32_t requested;
	bool ran;              /* a connection was made for it */
	int err;               /* 0 with ran: cc holds the server's confirm */
	char why[256];         /* when err */
	const char *phase;     /* where it stopped: "resolve", "connect", "request",
				* "confirm", "done" (the confirm was read; a TLS
				* failure after it is in kw_rdp_tls), "interrupted" */
	kw_rdp_confirm cc;
	uint32_t ms;
} kw_rdp_probe;

typedef struct kw_rdp_tls {
	bool attempted;        /* NEGOTIATE selected a TLS-based protocol */
	int err;               /* 0 with attempted: the handshake completed */
	char why[256];
	char version[16];      /* "TLSv1.2" */
	int version_num;       /* 0x0303 ... (TLS1_2_VERSION) */
	char cipher[64];       /* "ECDHE-RSA-AES256-GCM-SHA384" */
	bool have_cert;
	int cert_err;          /* the server's certificate could not be read */
	char cert_why[128];
	kw_rdp_cert cert;
} kw_rdp_tls;

typedef enum kw_rdp_tri { KW_RDP_UNKNOWN = 0, KW_RDP_NO, KW_RDP_YES } kw_rdp_tri;

typedef struct kw_rdp_result {
	kw_rdp_probe probes[KW_RDP_PROBES];
	kw_rdp_tls tls;
	/* kw_rdp_verdicts of the probes, filled when the target finished */
	kw_rdp_tri standard_security;  /* standard RDP security (RC4) accepted */
	kw_rdp_tri nla_required;       /* a client must authenticate (CredSSP, or TLS with
					* a client certificate) before the session starts */
	bool answered;         /* NEGOTIATE read a Connection Confirm */
	uint32_t ms;           /* from the first connect to the last close */
	unsigned conns;
	bool finished;         /* every probe planned ran (false when interrupted) */
} kw_rdp_result;

typedef struct kw_rdp_opts {
	unsigned jobs;               /* connections at once (0 = KW_RDP_JOBS_DEFAULT) */
	uint32_t timeout_ms;         /* per connection, connect to the end of the TLS
				      * handshake (0 = KW_RDP_TIMEOUT_DEFAULT_MS) */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	volatile sig_atomic_t *stop; /* when set: stop starting and waiting */
} kw_rdp_opts;

/* Probe every target of t (resolved). *ret gets t->n results (kw_rdp_results_free).
 * 0, -ENOMEM, KW_E_CRYPTO (no TLS context), or -errno when epoll cannot be set up. A
 * target that does not answer is not an error of the run: its result says why. */
int kw_rdp_run(const kw_targets *t, const kw_rdp_opts *o, kw_rdp_result **ret);
void kw_rdp_results_free(kw_rdp_result *r, size_t n);

/* "rdp://host:port" ("rdp://[v6]:port"), escaped, for reports (owned; NULL on ENOMEM) */
char *kw_rdp_target_label(const kw_target_ep *e);

/* Which follow-up probes a NEGOTIATE answer calls for: a mask of 1 << KW_RDP_PROBE_*.
 * None when NEGOTIATE got no confirm. */
unsigned kw_rdp_followups(const kw_rdp_probe *negotiate);
/* The verdicts from whatever probes answered (pure): sets r->standard_security and
 * r->nla_required. */
void kw_rdp_verdicts(kw_rdp_result *r);

#endif
