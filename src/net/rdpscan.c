/* rdpscan.c — the RDP prober's engine, its connections on net/loop.h: see rdpscan.h.
 *
 * Each connection walks CONNECT -> SEND (the 19-byte request) -> CONFIRM (exactly the
 * TPKT's bytes, kw_rdp_rx_want at a time) -> TLS (NEGOTIATE only, when a TLS-based
 * protocol was selected) and closes. libssl runs over a pair of memory BIOs: the loop
 * moves bytes between them and the socket itself, so it counts every byte read, sends
 * with MSG_NOSIGNAL (a peer that vanishes cannot raise SIGPIPE) and registers EPOLLOUT
 * only while handshake bytes wait to be sent.
 */
#include "net/rdpscan.h"

#include "net/loop.h"

#include "base/err.h"
#include "base/buf.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

/* ---- the pure part: what to probe, what it means ---- */

static const char *const probe_names[KW_RDP_PROBES] = { "negotiate", "tls-only", "rdp-only" };
static const uint32_t probe_requests[KW_RDP_PROBES] = {
	KW_RDP_PROTOCOL_SSL | KW_RDP_PROTOCOL_HYBRID | KW_RDP_PROTOCOL_HYBRID_EX,
	KW_RDP_PROTOCOL_SSL,
	KW_RDP_PROTOCOL_RDP,
};

const char *kw_rdp_probe_name(kw_rdp_probe_kind k)
{
	return (unsigned)k < KW_RDP_PROBES ? probe_names[k] : "?";
}

uint32_t kw_rdp_probe_request(kw_rdp_probe_kind k)
{
	return (unsigned)k < KW_RDP_PROBES ? probe_requests[k] : 0;
}

static bool answered(const kw_rdp_probe *p)
{
	return p->ran && !p->err;
}

/* a confirm that lets a standard-RDP-security client in */
static bool cc_is_rdp(const kw_rdp_confirm *c)
{
	return c->kind == KW_RDP_CC_BARE || (c->kind == KW_RDP_CC_RESPONSE && c->selected == KW_RDP_PROTOCOL_RDP);
}

unsigned kw_rdp_followups(const kw_rdp_probe *neg)
{
	const unsigned tls_only = 1u << KW_RDP_PROBE_TLS_ONLY, rdp_only = 1u << KW_RDP_PROBE_RDP_ONLY;
	if (!answered(neg) || cc_is_rdp(&neg->cc))
		return 0;
	if (neg->cc.kind == KW_RDP_CC_FAILURE || neg->cc.selected == KW_RDP_PROTOCOL_SSL)
		return rdp_only;
	return tls_only | rdp_only; /* CredSSP (or something unasked for) selected */
}

void kw_rdp_verdicts(kw_rdp_result *r)
{
	const kw_rdp_probe *neg = &r->probes[KW_RDP_PROBE_NEGOTIATE];
	const kw_rdp_probe *tls = &r->probes[KW_RDP_PROBE_TLS_ONLY];
	const kw_rdp_probe *rdp = &r->probes[KW_RDP_PROBE_RDP_ONLY];
	kw_rdp_tri std = KW_RDP_UNKNOWN, nla = KW_RDP_UNKNOWN;
	if (answered(rdp))
		std = cc_is_rdp(&rdp->cc) ? KW_RDP_YES : KW_RDP_NO;
	else if (answered(neg) && cc_is_rdp(&neg->cc))
		std = KW_RDP_YES;

	if (answered(neg) && (cc_is_rdp(&neg->cc) || (neg->cc.kind == KW_RDP_CC_RESPONSE &&
						      neg->cc.selected == KW_RDP_PROTOCOL_SSL))) {
		nla = KW_RDP_NO; /* the server chose a protocol without CredSSP */
	} else if (answered(tls)) {
		const kw_rdp_confirm *c = &tls->cc;
		if (c->kind == KW_RDP_CC_FAILURE)
			nla = c->failure == KW_RDP_HYBRID_REQUIRED_BY_SERVER ||
			      c->failure == KW_RDP_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER ? KW_RDP_YES : KW_RDP_UNKNOWN;
		else if (cc_is_rdp(c) || c->selected == KW_RDP_PROTOCOL_SSL)
			nla = KW_RDP_NO;
	} else if (answered(neg) && neg->cc.kind == KW_RDP_CC_FAILURE &&
		   (neg->cc.failure == KW_RDP_HYBRID_REQUIRED_BY_SERVER ||
		    neg->cc.failure == KW_RDP_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER)) {
		nla = KW_RDP_YES;
	}
	/* a client with standard RDP security gets a session without CredSSP */
	if (std == KW_RDP_YES)
		nla = KW_RDP_NO;
	r->standard_security = std;
	r->nla_required = nla;
}

char *kw_rdp_target_label(const kw_target_ep *e)
{
	char *l = kw_target_label(e);
	char *out = NULL;
	if (l && asprintf(&out, "rdp://%s", l) < 0)
		out = NULL;
	free(l);
	return out;
}

/* ---- connections ---- */

typedef enum { S_CONNECT, S_SEND, S_CONFIRM, S_TLS } cstate;

static const char *const phase_name[] = {
	[S_CONNECT] = "connect", [S_SEND] = "request", [S_CONFIRM] = "confirm", [S_TLS] = "tls",
};
static const char *const phase_wait[] = {
	[S_CONNECT] = "connecting", [S_SEND] = "sending the connection request",
	[S_CONFIRM] = "waiting for the connection confirm", [S_TLS] = "in the TLS handshake",
};

typedef struct conn {
	kw_loop_slot ls;       /* in use, socket, deadline (first: see loop.h) */
	size_t target;
	kw_rdp_probe_kind kind;
	cstate st;
	uint64_t t0;           /* ms, CLOCK_MONOTONIC */
	uint8_t req[KW_RDP_REQUEST_LEN];
	size_t req_off;
	kw_rdp_rx rx;
	SSL *ssl;
	BIO *rbio, *wbio;      /* owned by ssl once set */
	uint8_t out[4096];     /* handshake bytes taken from wbio, not yet sent */
	size_t out_len, out_off;
	uint32_t events;       /* registered with epoll */
	uint64_t bytes;
} conn;
_Static_assert(offsetof(conn, ls) == 0, "a loop slot begins with its kw_loop_slot");

typedef struct tstate {
	unsigned plan;         /* follow-up probes still to run (1 << kind) */
	bool running, started, done;
	uint64_t t_first, t_last;
} tstate;

typedef struct prober {
	const kw_targets *t;
	const kw_rdp_opts *o;
	kw_rdp_result *res;
	tstate *ts;
	conn *conns;           /* the loop's slots */
	kw_loop loop;
	SSL_CTX *ctx;
	size_t next_target;    /* the next target whose NEGOTIATE has not started */
	size_t *ready;         /* targets with a follow-up waiting, oldest first */
	size_t n_ready;
	size_t done;
	uint32_t timeout;
	bool stopping;
} prober;

static void fail(prober *s, conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The first error of a connection says what happened: later ones are not recorded. */
static void fail(prober *s, conn *c, int err, const char *fmt, ...)
{
	kw_rdp_result *r = &s->res[c->target];
	char *why;
	size_t cap;
	int *errp;
	if (c->st == S_TLS) {
		why = r->tls.why, cap = sizeof r->tls.why, errp = &r->tls.err;
	} else {
		kw_rdp_probe *p = &r->probes[c->kind];
		why = p->why, cap = sizeof p->why, errp = &p->err;
		p->phase = phase_name[c->st];
	}
	if (*errp)
		return;
	*errp = err ? err : KW_E_PARSE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

static void target_finish(prober *s, size_t ti)
{
	tstate *t = &s->ts[ti];
	if (t->done || s->stopping)
		return;
	t->done = true;
	kw_rdp_result *r = &s->res[ti];
	r->finished = true;
	r->ms = (uint32_t)(t->t_last - t->t_first);
	kw_rdp_verdicts(r);
	s->done++;
	if (s->o->progress)
		s->o->progress(s->o->progress_ctx, s->done, s->t->n);
}

static void conn_close(prober *s, conn *c)
{
	if (!c->ls.used)
		return;
	kw_loop_drop(&s->loop, &c->ls);
	SSL_free(c->ssl); /* frees the BIOs */
	size_t ti = c->target;
	kw_rdp_probe *p = &s->res[ti].probes[c->kind];
	uint64_t now = kw_loop_now_ms();
	p->ms = (uint32_t)(now - c->t0);
	if (c->kind == KW_RDP_PROBE_NEGOTIATE && !p->err) {
		s->res[ti].answered = true;
		s->ts[ti].plan = kw_rdp_followups(p);
	}
	*c = (conn){ .ls = { .used = false, .fd = -1 } };
	tstate *t = &s->ts[ti];
	t->running = false;
	t->t_last = now;
	if (s->stopping)
		return;
	if (t->plan)
		s->ready[s->n_ready++] = ti; /* at most once per target at a time: n_ready <= n */
	else
		target_finish(s, ti);
}

static int set_events(prober *s, conn *c, uint32_t ev)
{
	if (ev == c->events)
		return 0;
	int e = kw_loop_mod(&s->loop, &c->ls, ev);
	if (e < 0)
		return e;
	c->events = ev;
	return 0;
}

/* send what waits in c->out; 0 (all sent or EAGAIN) or -errno */
static int send_pending(conn *c)
{
	int e = kw_loop_send(c->ls.fd, c->out, c->out_len, &c->out_off);
	if (e == 0 && c->out_off == c->out_len)
		c->out_len = c->out_off = 0;
	return e;
}

/* the last libssl error as text (our own words and libssl's: no server bytes) */
static void ssl_error_text(int ssl_err, char *out, size_t cap)
{
	unsigned long e = ERR_get_error();
	if (e) {
		char buf[200];
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(out, cap, "TLS handshake failed: %s", buf);
	} else if (ssl_err == SSL_ERROR_ZERO_RETURN || ssl_err == SSL_ERROR_SYSCALL) {
		snprintf(out, cap, "TLS handshake failed: the server closed the connection");
	} else {
		snprintf(out, cap, "TLS handshake failed (libssl error %d)", ssl_err);
	}
	ERR_clear_error();
}

static void take_certificate(prober *s, conn *c)
{
	kw_rdp_tls *tls = &s->res[c->target].tls;
	const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
	snprintf(tls->version, sizeof tls->version, "%s", SSL_get_version(c->ssl));
	tls->version_num = SSL_version(c->ssl);
	snprintf(tls->cipher, sizeof tls->cipher, "%s", ci ? SSL_CIPHER_get_name(ci) : "");
	X509 *x = SSL_get0_peer_certificate(c->ssl);
	if (!x) {
		tls->cert_err = KW_E_PARSE;
		snprintf(tls->cert_why, sizeof tls->cert_why, "the server sent no certificate");
		return;
	}
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0) {
		tls->cert_err = KW_E_CRYPTO;
		snprintf(tls->cert_why, sizeof tls->cert_why, "libcrypto cannot encode the certificate");
		return;
	}
	int e = kw_rdp_cert_from_der(der, (size_t)n, &tls->cert, tls->cert_why, sizeof tls->cert_why);
	OPENSSL_free(der);
	if (e < 0)
		tls->cert_err = e;
	else
		tls->have_cert = true;
}

/* Run the handshake as far as the bytes at hand allow. 1 = the connection is finished
 * (result recorded), 0 = wait for the socket. */
static int drive_tls(prober *s, conn *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	int se = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
	/* whatever libssl wrote goes out first (its Finished, or an alert) */
	while (c->out_off == c->out_len && BIO_ctrl_pending(c->wbio) > 0) {
		int n = BIO_read(c->wbio, c->out, (int)sizeof c->out);
		if (n <= 0)
			break;
		c->out_len = (size_t)n, c->out_off = 0;
		int e = send_pending(c);
		if (e < 0) {
			fail(s, c, e, "send: %s", kw_strerror(e));
			return 1;
		}
	}
	if (r == 1) {
		take_certificate(s, c);
		s->res[c->target].probes[c->kind].phase = "done";
		return 1;
	}
	if (se != SSL_ERROR_WANT_READ) {
		char why[256];
		ssl_error_text(se, why, sizeof why);
		fail(s, c, KW_E_CRYPTO, "%s", why);
		return 1;
	}
	/* libssl waits for the server; the socket may still owe it our bytes */
	bool pending_out = c->out_off < c->out_len || BIO_ctrl_pending(c->wbio) > 0;
	int e = set_events(s, c, EPOLLIN | (pending_out ? EPOLLOUT : 0));
	if (e < 0) {
		fail(s, c, e, "epoll: %s", kw_strerror(e));
		return 1;
	}
	return 0;
}

static int start_tls(prober *s, conn *c)
{
	kw_rdp_result *r = &s->res[c->target];
	r->tls.attempted = true;
	c->st = S_TLS;
	c->ssl = SSL_new(s->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->rbio || !c->wbio) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		c->rbio = c->wbio = NULL;
		fail(s, c, -ENOMEM, "out of memory");
		return 1;
	}
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_connect_state(c->ssl);
	const char *host = s->t->v[c->target].host;
	if (host && host[0])
		SSL_set_tlsext_host_name(c->ssl, host);
	return drive_tls(s, c);
}

/* the confirm is complete: record it, then go on to TLS or finish. 1 = finished. */
static int on_confirm(prober *s, conn *c)
{
	kw_rdp_probe *p = &s->res[c->target].probes[c->kind];
	char why[160] = "";
	int e = kw_rdp_confirm_parse(kw_buf_view(c->rx.b, c->rx.have), &p->cc, why, sizeof why);
	if (e < 0) {
		fail(s, c, e, "%s", why);
		return 1;
	}
	p->phase = "done";
	if (c->kind == KW_RDP_PROBE_NEGOTIATE && p->cc.kind == KW_RDP_CC_RESPONSE &&
	    kw_rdp_protocol_is_tls(p->cc.selected))
		return start_tls(s, c);
	return 1;
}

static void on_readable(prober *s, conn *c)
{
	uint8_t buf[16384];
	for (;;) {
		size_t want = c->st == S_TLS ? sizeof buf : kw_rdp_rx_want(&c->rx);
		if (want == 0)
			return;
		ssize_t n = kw_loop_recv(c->ls.fd, buf, want);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			int e = (int)n;
			fail(s, c, e, "receive: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
		if (n == 0) {
			fail(s, c, -ECONNRESET, "the server closed the connection (%s)", phase_wait[c->st]);
			conn_close(s, c);
			return;
		}
		c->bytes += (uint64_t)n;
		if (c->bytes > KW_RDP_CONN_BYTES_MAX) {
			fail(s, c, KW_E_TOOBIG, "the server sent too much (over %llu bytes)",
			     (unsigned long long)KW_RDP_CONN_BYTES_MAX);
			conn_close(s, c);
			return;
		}
		int done;
		if (c->st == S_TLS) {
			if (BIO_write(c->rbio, buf, (int)n) != (int)n) {
				fail(s, c, -ENOMEM, "out of memory");
				done = 1;
			} else {
				done = drive_tls(s, c);
			}
		} else {
			int e = kw_rdp_rx_feed(&c->rx, buf, (size_t)n);
			if (e < 0) {
				fail(s, c, e, "%s", c->rx.why);
				done = 1;
			} else {
				done = e == 1 ? on_confirm(s, c) : 0;
			}
		}
		if (done) {
			conn_close(s, c);
			return;
		}
	}
}

/* the loop's on_event (loop.h): slot i is ready */
static void on_event(void *ctx, size_t i, uint32_t events)
{
	prober *s = ctx;
	conn *c = &s->conns[i];
	if (c->st == S_CONNECT) {
		int e = kw_loop_connected(c->ls.fd, events);
		if (e < 0) {
			fail(s, c, e, "connect: %s", strerror(-e));
			conn_close(s, c);
			return;
		}
		if (e == 0)
			return;
		c->st = S_SEND;
	}
	if (c->st == S_SEND) {
		int e = kw_loop_send(c->ls.fd, c->req, sizeof c->req, &c->req_off);
		if (e < 0) {
			fail(s, c, e, "send: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
		if (c->req_off < sizeof c->req)
			return;
		c->st = S_CONFIRM;
		e = set_events(s, c, EPOLLIN);
		if (e < 0) {
			fail(s, c, e, "epoll: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
	}
	if (c->st == S_TLS && (events & EPOLLOUT)) {
		int e = send_pending(c);
		if (e < 0) {
			fail(s, c, e, "send: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
		if (c->out_off == c->out_len && drive_tls(s, c)) {
			conn_close(s, c);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_readable(s, c);
}

static void start_probe(prober *s, size_t ti, kw_rdp_probe_kind kind)
{
	size_t slot;
	if (!kw_loop_free_slot(&s->loop, &slot))
		return; /* not reached: callers start only while active < n */
	conn *c = &s->conns[slot];
	const kw_target_ep *ep = &s->t->v[ti];
	kw_rdp_result *r = &s->res[ti];
	tstate *t = &s->ts[ti];
	uint64_t now = kw_loop_now_ms();
	*c = (conn){ .ls = { .fd = -1 }, .target = ti, .kind = kind, .st = S_CONNECT, .t0 = now };
	kw_loop_take(&s->loop, &c->ls, now + s->timeout);
	kw_rdp_rx_init(&c->rx);
	kw_rdp_request(probe_requests[kind], c->req);
	t->running = true;
	if (!t->started) {
		t->started = true;
		t->t_first = now;
	}
	kw_rdp_probe *p = &r->probes[kind];
	p->ran = true;
	p->phase = "connect";
	r->conns++;

	int e = kw_loop_connect(&c->ls, ep);
	if (e == 0) {
		e = kw_loop_add(&s->loop, &c->ls, EPOLLIN | EPOLLOUT);
		c->events = EPOLLIN | EPOLLOUT;
	}
	if (e < 0) {
		fail(s, c, e, "connect: %s", kw_strerror(e));
		conn_close(s, c);
	}
}

/* a target that cannot be connected to at all */
static void skip_target(prober *s, size_t ti, int err, const char *why)
{
	kw_rdp_probe *p = &s->res[ti].probes[KW_RDP_PROBE_NEGOTIATE];
	p->err = err;
	p->phase = "resolve";
	snprintf(p->why, sizeof p->why, "%s", why);
	target_finish(s, ti);
}

/* the loop's start_more (loop.h): follow-ups first (they finish targets already begun),
 * then new targets */
static int start_more(void *ctx)
{
	prober *s = ctx;
	while (s->n_ready && s->loop.active < s->loop.n) {
		size_t ti = s->ready[0];
		memmove(s->ready, s->ready + 1, (s->n_ready - 1) * sizeof *s->ready);
		s->n_ready--;
		tstate *t = &s->ts[ti];
		kw_rdp_probe_kind k = (t->plan & (1u << KW_RDP_PROBE_TLS_ONLY)) ? KW_RDP_PROBE_TLS_ONLY
										  : KW_RDP_PROBE_RDP_ONLY;
		t->plan &= ~(1u << k);
		start_probe(s, ti, k);
	}
	while (s->loop.active < s->loop.n && s->next_target < s->t->n) {
		size_t ti = s->next_target++;
		const char *why;
		int err = kw_loop_target_error(&s->t->v[ti], &why);
		if (err) {
			skip_target(s, ti, err, why);
			continue;
		}
		start_probe(s, ti, KW_RDP_PROBE_NEGOTIATE);
	}
	return 0;
}

/* the loop's pending (loop.h): a follow-up or a target not started yet */
static bool pending(void *ctx)
{
	const prober *s = ctx;
	return s->n_ready != 0 || s->next_target < s->t->n;
}

/* the loop's on_expire (loop.h) */
static void on_expire(void *ctx, size_t i)
{
	prober *s = ctx;
	conn *c = &s->conns[i];
	fail(s, c, KW_E_TIMEOUT, "no answer within %u ms (%s)", s->timeout, phase_wait[c->st]);
	conn_close(s, c);
}

static const kw_loop_ops loop_ops = {
	.start_more = start_more, .pending = pending, .on_event = on_event, .on_expire = on_expire,
};

static size_t job_slots(unsigned jobs, size_t ntargets)
{
	size_t want = jobs ? jobs : KW_RDP_JOBS_DEFAULT;
	if (want > 4096)
		want = 4096;
	if (want > ntargets)
		want = ntargets ? ntargets : 1; /* one connection per target at a time */
	return kw_loop_fd_budget(want);
}

/* The client side of every handshake: nothing verified (the scan reports what the server
 * shows, the checks judge it), every version and cipher libssl still has, so that an old
 * server's certificate can be read at all; the certificate list capped. */
static SSL_CTX *make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_max_cert_list(ctx, KW_RDP_CERT_LIST_MAX);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

int kw_rdp_run(const kw_targets *t, const kw_rdp_opts *o, kw_rdp_result **ret)
{
	*ret = NULL;
	prober s = { .t = t, .o = o };
	s.timeout = o->timeout_ms ? o->timeout_ms : KW_RDP_TIMEOUT_DEFAULT_MS;
	size_t n = t->n ? t->n : 1;
	s.res = calloc(n, sizeof *s.res);
	s.ts = calloc(n, sizeof *s.ts);
	s.ready = calloc(n, sizeof *s.ready);
	size_t nconns = job_slots(o->jobs, t->n);
	s.conns = calloc(nconns, sizeof *s.conns);
	kw_loop_init(&s.loop, s.conns, nconns, sizeof *s.conns);
	int e = 0;
	if (!s.res || !s.ts || !s.ready || !s.conns)
		e = -ENOMEM;
	for (size_t i = 0; e == 0 && i < t->n; i++)
		for (int k = 0; k < KW_RDP_PROBES; k++)
			s.res[i].probes[k].requested = probe_requests[k];
	if (e == 0 && !(s.ctx = make_ctx()))
		e = KW_E_CRYPTO;
	if (e == 0)
		e = kw_loop_open(&s.loop);
	if (e == 0)
		e = kw_loop_run(&s.loop, &loop_ops, &s, o->stop);
	/* interrupted or failed: close what is open; its target stays unfinished */
	s.stopping = true;
	for (size_t i = 0; i < s.loop.n; i++)
		if (s.conns[i].ls.used) {
			fail(&s, &s.conns[i], -EINTR, "the scan was interrupted");
			if (s.conns[i].st != S_TLS)
				s.res[s.conns[i].target].probes[s.conns[i].kind].phase = "interrupted";
			conn_close(&s, &s.conns[i]);
		}
	for (size_t i = 0; s.res && i < t->n; i++) {
		kw_rdp_result *r = &s.res[i];
		if (s.ts[i].done)
			continue;
		if (s.ts[i].started)
			r->ms = (uint32_t)(s.ts[i].t_last - s.ts[i].t_first);
		kw_rdp_probe *neg = &r->probes[KW_RDP_PROBE_NEGOTIATE];
		if (!neg->ran) {
			neg->err = -EINTR;
			neg->phase = "interrupted";
			snprintf(neg->why, sizeof neg->why, "not probed (interrupted)");
		}
		kw_rdp_verdicts(r);
	}
	kw_loop_release(&s.loop);
	SSL_CTX_free(s.ctx);
	free(s.conns);
	free(s.ts);
	free(s.ready);
	if (e < 0) {
		free(s.res);
		return e;
	}
	*ret = s.res;
	return 0;
}

void kw_rdp_results_free(kw_rdp_result *r, size_t n)
{
	(void)n; /* nothing inside a result is allocated */
	free(r);
}
