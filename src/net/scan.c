/* scan.c — the SSH scanner's engine, its connections on net/loop.h: see scan.h. */
#include "net/scan.h"

#include "net/loop.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/strindex.h"
#include "base/vec.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

static const kw_scan_gex_req gex_defaults[] = {
	{ 2048, 2048, 8192 },
	{ 2048, 3072, 8192 },
	{ 2048, 4096, 8192 },
	{ 2048, 8192, 8192 },
};

const kw_scan_gex_req *kw_scan_gex_defaults(size_t *n)
{
	*n = sizeof gex_defaults / sizeof gex_defaults[0];
	return gex_defaults;
}

const char *kw_scan_key_family(const char *alg)
{
	if (!strcmp(alg, "rsa-sha2-256") || !strcmp(alg, "rsa-sha2-512") || !strcmp(alg, "ssh-rsa"))
		return "ssh-rsa";
	return alg;
}

/* ---- probes and connections ---- */

typedef enum { P_MAIN, P_KEY, P_GEX } pkind;
typedef enum { S_CONNECT, S_IDENT, S_KEXINIT, S_REPLY } pstate;

/* the phase a connection is in, as results name it, and what it waits for */
static const char *const phase_name[] = {
	[S_CONNECT] = "connect", [S_IDENT] = "banner", [S_KEXINIT] = "kexinit", [S_REPLY] = "kex",
};
static const char *const phase_wait[] = {
	[S_CONNECT] = "connecting", [S_IDENT] = "waiting for the banner",
	[S_KEXINIT] = "waiting for KEXINIT", [S_REPLY] = "waiting for the key exchange reply",
};

typedef struct probe {
	size_t target;
	pkind kind;
	size_t slot;          /* P_KEY: index in keys; P_GEX: index in gex */
} probe;

typedef struct conn {
	kw_loop_slot ls;      /* in use, socket, deadline (first: see loop.h) */
	probe p;
	pstate st;
	kw_ssh_rx rx;
	kw_sb out;            /* bytes still to send, from out_off */
	size_t out_off;
	bool want_out;        /* EPOLLOUT is registered */
	char *v_s;            /* the server's ident line (owned) */
	kw_kex *kex;
	kw_sb i_c;            /* our KEXINIT payload */
	uint64_t bytes;
} conn;
_Static_assert(offsetof(conn, ls) == 0, "a loop slot begins with its kw_loop_slot");

typedef struct tstate {
	unsigned running;     /* connections open */
	unsigned pending;     /* probes queued or running */
	uint64_t t_first, t_last;
	bool started, done;
	size_t group;         /* the first target with the same address and port */
	unsigned ep_running;  /* (on the group's first target) connections open to it */
} tstate;

typedef struct scanner {
	const kw_targets *t;
	const kw_scan_opts *o;
	kw_scan_result *res;
	tstate *ts;
	conn *conns;          /* the loop's slots (as many as jobs) */
	kw_loop loop;
	size_t next_main;     /* next target whose main probe is not queued yet */
	probe *follow;        /* follow-up probes not started yet */
	size_t n_follow, cap_follow;
	size_t done;          /* targets finished */
	const kw_scan_gex_req *gex;
	size_t n_gex;
	uint32_t timeout;
	bool stopping;        /* closing what is open after an interrupt: nothing finishes */
} scanner;

static void target_done_check(scanner *s, size_t ti)
{
	tstate *t = &s->ts[ti];
	if (t->pending || t->done || s->stopping)
		return;
	t->done = true;
	kw_scan_result *r = &s->res[ti];
	r->finished = true;
	r->ms = (uint32_t)(t->t_last - t->t_first);
	s->done++;
	if (s->o->progress)
		s->o->progress(s->o->progress_ctx, s->done, s->t->n);
}

/* the error slot of a probe: the target (main connection before its KEXINIT), a key, a
 * group-exchange request */
static void record_error(scanner *s, conn *c, int err, const char *phase, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void record_error(scanner *s, conn *c, int err, const char *phase, const char *fmt, ...)
{
	kw_scan_result *r = &s->res[c->p.target];
	char *why;
	int *errp;
	size_t cap;
	if (c->p.kind == P_MAIN && !r->have_kexinit) {
		why = r->why, errp = &r->err, cap = sizeof r->why;
		r->phase = phase;
	} else if (c->p.kind == P_GEX) {
		why = r->gex[c->p.slot].why, errp = &r->gex[c->p.slot].err, cap = sizeof r->gex[0].why;
	} else {
		if (c->p.kind == P_MAIN)
			r->phase = phase;
		why = r->keys[c->p.slot].why, errp = &r->keys[c->p.slot].err, cap = sizeof r->keys[0].why;
	}
	if (*errp)
		return; /* the first error says what happened */
	*errp = err ? err : KW_E_PARSE;
	va_list ap;
	va_start(ap, fmt);
	kw_verrf(why, cap, fmt, ap);
	va_end(ap);
}

static void conn_close(scanner *s, conn *c)
{
	if (!c->ls.used)
		return;
	kw_loop_drop(&s->loop, &c->ls);
	kw_ssh_rx_release(&c->rx);
	kw_sb_release(&c->out);
	kw_sb_release(&c->i_c);
	free(c->v_s);
	kw_kex_free(c->kex);
	size_t ti = c->p.target;
	*c = (conn){ .ls = { .used = false, .fd = -1 } };
	tstate *t = &s->ts[ti];
	t->running--;
	s->ts[t->group].ep_running--;
	t->pending--;
	t->t_last = kw_loop_now_ms();
	target_done_check(s, ti);
}

static int add_follow(scanner *s, size_t target, pkind kind, size_t slot)
{
	probe *p = KW_VEC_PUSH(s->follow, s->n_follow, s->cap_follow);
	if (!p)
		return -ENOMEM;
	*p = (probe){ .target = target, .kind = kind, .slot = slot };
	s->ts[target].pending++;
	return 0;
}

/* ---- sending ---- */

static int flush_out(scanner *s, conn *c)
{
	int e = kw_loop_send(c->ls.fd, c->out.s, c->out.len, &c->out_off);
	if (e < 0)
		return e;
	if (c->out_off == c->out.len) {
		kw_sb_clear(&c->out);
		c->out_off = 0;
	}
	bool want = c->out.len > 0 || c->st == S_CONNECT;
	if (want != c->want_out) {
		if ((e = kw_loop_mod(&s->loop, &c->ls, EPOLLIN | (want ? EPOLLOUT : 0))) < 0)
			return e;
		c->want_out = want;
	}
	return 0;
}

static int queue_packet(conn *c, const kw_sb *payload)
{
	return kw_ssh_packet_put(&c->out, (const uint8_t *)payload->s, payload->len);
}

/* ---- the exchange ---- */

/* our KEXINIT: one kex, one host key algorithm, the server's own ciphers, MACs and
 * compression (so that it finds something in common and answers) */
static int build_kexinit(conn *c, const kw_ssh_kexinit *sk, const char *kex, const char *hostkey)
{
	kw_sb lists[KW_KEXL_N];
	const char *lp[KW_KEXL_N] = { 0 };
	int r = 0;
	for (int i = 0; i < KW_KEXL_N; i++)
		kw_sb_init(&lists[i]);
	lp[KW_KEXL_KEX] = kex;
	lp[KW_KEXL_HOSTKEY] = hostkey;
	for (int i = KW_KEXL_ENC_CS; i <= KW_KEXL_COMP_SC && r == 0; i++) {
		r = kw_ssh_namelist_join(&sk->lists[i], &lists[i]);
		lp[i] = lists[i].s;
	}
	uint8_t cookie[16];
	if (r == 0 && RAND_bytes(cookie, sizeof cookie) != 1)
		r = KW_E_CRYPTO;
	if (r == 0)
		r = kw_ssh_kexinit_build(lp, cookie, &c->i_c);
	if (r == 0)
		r = queue_packet(c, &c->i_c);
	for (int i = 0; i < KW_KEXL_N; i++)
		kw_sb_release(&lists[i]);
	return r;
}

static const char *gex_alg(const kw_ssh_kexinit *k)
{
	static const char *const names[] = { "diffie-hellman-group-exchange-sha256",
					     "diffie-hellman-group-exchange-sha1" };
	for (size_t i = 0; i < 2; i++)
		if (kw_ssh_namelist_has(&k->lists[KW_KEXL_KEX], names[i]))
			return names[i];
	return NULL;
}

/* The main connection has the server's KEXINIT: decide what else to ask. */
static int plan_target(scanner *s, size_t ti)
{
	kw_scan_result *r = &s->res[ti];
	const kw_ssh_kexinit *k = &r->kexinit;
	const char *algs[32];
	size_t n = kw_kex_hostkey_probes(&k->lists[KW_KEXL_HOSTKEY], algs, 32);
	size_t nk = n == 0 ? 1 : s->o->all_hostkeys ? n : 1;
	r->keys = calloc(nk, sizeof *r->keys);
	if (!r->keys)
		return -ENOMEM;
	r->n_keys = nk;
	if (n == 0) {
		kw_scan_key *key = &r->keys[0];
		key->err = KW_E_UNSUPPORTED;
		kw_errf(key->why, sizeof key->why, "the server offers no host key algorithm keyward can verify");
		if (k->lists[KW_KEXL_HOSTKEY].n)
			snprintf(key->alg, sizeof key->alg, "%s", k->lists[KW_KEXL_HOSTKEY].names[0]);
	}
	for (size_t i = 0; i < n && i < nk; i++)
		snprintf(r->keys[i].alg, sizeof r->keys[0].alg, "%s", algs[i]);
	for (size_t i = 1; i < nk && n; i++)
		if (add_follow(s, ti, P_KEY, i) < 0)
			return -ENOMEM;
	if (s->o->gex && gex_alg(k)) {
		r->gex = calloc(s->n_gex, sizeof *r->gex);
		if (!r->gex)
			return -ENOMEM;
		r->n_gex = s->n_gex;
		for (size_t i = 0; i < s->n_gex; i++) {
			r->gex[i].req = s->gex[i];
			if (add_follow(s, ti, P_GEX, i) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* After the server's KEXINIT (sk, payload is): send ours and the first kex message.
 * 1 = the connection has nothing more to do (no kex possible: recorded), 0 = sent. */
static int start_exchange(scanner *s, conn *c, const kw_ssh_kexinit *sk, kw_buf is)
{
	kw_scan_result *r = &s->res[c->p.target];
	kw_sb first;
	kw_sb_init(&first);
	int e = 0;
	if (c->p.kind == P_GEX) {
		kw_scan_gex *g = &r->gex[c->p.slot];
		const char *alg = gex_alg(sk);
		if (!alg) {
			record_error(s, c, KW_E_UNSUPPORTED, "kexinit", "the server no longer offers group exchange");
			return 1;
		}
		snprintf(g->kex, sizeof g->kex, "%s", alg);
		const char *hk = sk->lists[KW_KEXL_HOSTKEY].n ? sk->lists[KW_KEXL_HOSTKEY].names[0] : "ssh-ed25519";
		e = build_kexinit(c, sk, alg, hk);
		if (e == 0)
			e = kw_gex_request(&first, g->req.min, g->req.n, g->req.max);
	} else {
		kw_scan_key *key = &r->keys[c->p.slot];
		if (key->err) /* nothing to verify (recorded by plan_target) */
			return 1;
		const char *kname = NULL;
		kw_kex_alg ka = kw_kex_choose(&sk->lists[KW_KEXL_KEX], &kname);
		if (ka == KW_KEX_NONE) {
			record_error(s, c, KW_E_UNSUPPORTED, "kex", "the server offers no key exchange keyward can run");
			return 1;
		}
		snprintf(key->kex, sizeof key->kex, "%s", kname);
		e = build_kexinit(c, sk, kname, key->alg);
		if (e == 0)
			e = kw_kex_new(ka, key->alg, &c->kex);
		if (e == 0)
			e = kw_kex_set_transcript(c->kex, KW_SSH_CLIENT_IDENT, c->v_s,
						  kw_buf_view(c->i_c.s, c->i_c.len), is);
		if (e == 0)
			e = kw_kex_first(c->kex, &first);
	}
	if (e == 0)
		e = queue_packet(c, &first);
	kw_sb_release(&first);
	if (e < 0) {
		record_error(s, c, e, "kex", "cannot start the key exchange: %s", kw_strerror(e));
		return 1;
	}
	return 0;
}

static void describe_disconnect(kw_buf payload, char *out, size_t cap)
{
	kw_ssh_disconnect d;
	if (kw_ssh_disconnect_parse(payload, &d) < 0 || kw_ssh_disconnect_describe(&d, out, cap) < 0)
		snprintf(out, cap, "(unreadable)");
}

/* Take what rx holds. 1 = the connection is finished (result recorded), 0 = wait for
 * more bytes. */
static int process(scanner *s, conn *c)
{
	kw_scan_result *r = &s->res[c->p.target];
	for (;;) {
		if (c->st == S_IDENT) {
			kw_ssh_ident id = { 0 };
			int e = kw_ssh_rx_ident(&c->rx, &id);
			if (e == 0)
				return 0;
			if (e < 0) {
				record_error(s, c, e, "banner", "%s", kw_ssh_rx_error(&c->rx));
				return 1;
			}
			c->v_s = strdup(id.line);
			bool v2 = kw_ssh_ident_is_v2(&id);
			if (c->p.kind == P_MAIN) {
				r->ident = id;
				r->have_ident = true;
			} else {
				kw_ssh_ident_release(&id);
			}
			if (!c->v_s) {
				record_error(s, c, -ENOMEM, "banner", "out of memory");
				return 1;
			}
			if (!v2) {
				record_error(s, c, KW_E_UNSUPPORTED, "banner", "not an SSH-2 server");
				return 1;
			}
			c->st = S_KEXINIT;
			continue;
		}
		uint8_t type = 0;
		kw_buf m;
		int e = kw_ssh_rx_message(&c->rx, &type, &m);
		if (e == 0)
			return 0;
		const char *phase = phase_name[c->st];
		if (e < 0) {
			record_error(s, c, e, phase, "%s", kw_ssh_rx_error(&c->rx));
			return 1;
		}
		if (type == KW_SSH_MSG_DISCONNECT) {
			char d[200];
			describe_disconnect(m, d, sizeof d);
			record_error(s, c, KW_E_REFUSED, phase, "the server disconnected: %s", d);
			return 1;
		}
		if (c->st == S_KEXINIT) {
			if (type != KW_SSH_MSG_KEXINIT) {
				record_error(s, c, KW_E_PARSE, phase, "expected KEXINIT (20), got message %u", type);
				return 1;
			}
			char err[200] = "";
			kw_ssh_kexinit local = { 0 }, *sk = c->p.kind == P_MAIN ? &r->kexinit : &local;
			e = kw_ssh_kexinit_parse(m, sk, err, sizeof err);
			if (e < 0) {
				record_error(s, c, e, phase, "bad KEXINIT: %s", err[0] ? err : kw_strerror(e));
				return 1;
			}
			/* the payload view dies with the next rx call: the exchange copies it now */
			if (c->p.kind == P_MAIN) {
				if (plan_target(s, c->p.target) < 0) {
					record_error(s, c, -ENOMEM, phase, "out of memory");
					return 1;
				}
				r->have_kexinit = true;
				r->phase = "kex";
			}
			int done = start_exchange(s, c, sk, m);
			kw_ssh_kexinit_release(&local);
			if (done)
				return 1;
			c->st = S_REPLY;
			if ((e = flush_out(s, c)) < 0) {
				record_error(s, c, e, phase, "send: %s", kw_strerror(e));
				return 1;
			}
			continue;
		}
		/* S_REPLY */
		if (c->p.kind == P_GEX) {
			kw_scan_gex *g = &r->gex[c->p.slot];
			if (type != KW_SSH_MSG_KEXDH_REPLY) {
				record_error(s, c, KW_E_PARSE, phase, "expected KEX_DH_GEX_GROUP (31), got message %u", type);
				return 1;
			}
			char err[200] = "";
			e = kw_gex_group_parse(m, g->req.min, g->req.max, &g->g, err, sizeof err);
			if (e < 0)
				record_error(s, c, e, phase, "bad group: %s", err[0] ? err : kw_strerror(e));
			return 1;
		}
		kw_scan_key *key = &r->keys[c->p.slot];
		kw_sb next;
		kw_sb_init(&next);
		char err[200] = "";
		e = kw_kex_step(c->kex, m, &next, &key->res, err, sizeof err);
		if (e == 1) {
			e = queue_packet(c, &next);
			kw_sb_release(&next);
			if (e == 0)
				e = flush_out(s, c);
			if (e < 0) {
				record_error(s, c, e, phase, "send: %s", kw_strerror(e));
				return 1;
			}
			continue;
		}
		kw_sb_release(&next);
		if (e < 0) {
			kw_kex_result_release(&key->res);
			record_error(s, c, e, phase, "%s", err[0] ? err : kw_strerror(e));
		} else if (c->p.kind == P_MAIN) {
			r->phase = "done";
		}
		return 1;
	}
}

static void on_readable(scanner *s, conn *c)
{
	uint8_t buf[16384];
	for (;;) {
		ssize_t n = kw_loop_recv(c->ls.fd, buf, sizeof buf);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			int e = (int)n;
			record_error(s, c, e, phase_name[c->st], "receive: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
		const char *phase = phase_name[c->st];
		if (n == 0) {
			record_error(s, c, -ECONNRESET, phase, "the server closed the connection");
			conn_close(s, c);
			return;
		}
		c->bytes += (uint64_t)n;
		int e = c->bytes > KW_SCAN_CONN_BYTES_MAX ? KW_E_TOOBIG
							   : kw_ssh_rx_feed(&c->rx, buf, (size_t)n);
		if (e < 0) {
			record_error(s, c, e, phase, "the server sent too much (%llu bytes)",
				     (unsigned long long)c->bytes);
			conn_close(s, c);
			return;
		}
		if (process(s, c)) {
			conn_close(s, c);
			return;
		}
	}
}

/* the loop's on_event (loop.h): slot i is ready */
static void on_event(void *ctx, size_t i, uint32_t events)
{
	scanner *s = ctx;
	conn *c = &s->conns[i];
	if (c->st == S_CONNECT) {
		int e = kw_loop_connected(c->ls.fd, events);
		if (e < 0) {
			record_error(s, c, e, "connect", "connect: %s", strerror(-e));
			conn_close(s, c);
			return;
		}
		if (e == 0)
			return;
		c->st = S_IDENT;
	}
	if (events & EPOLLOUT) {
		int e = flush_out(s, c);
		if (e < 0) {
			record_error(s, c, e, phase_name[c->st], "send: %s", kw_strerror(e));
			conn_close(s, c);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_readable(s, c);
}

/* ---- starting connections ---- */

static int start_probe(scanner *s, const probe *p)
{
	size_t slot;
	if (!kw_loop_free_slot(&s->loop, &slot))
		return -EAGAIN;
	conn *c = &s->conns[slot];
	const kw_target_ep *ep = &s->t->v[p->target];
	kw_scan_result *r = &s->res[p->target];
	tstate *t = &s->ts[p->target];
	*c = (conn){ .ls = { .fd = -1 }, .p = *p, .st = S_CONNECT };
	kw_ssh_rx_init(&c->rx, s->o->packet_max);
	kw_sb_init(&c->out);
	kw_sb_init(&c->i_c);
	t->running++;
	s->ts[t->group].ep_running++;
	uint64_t now = kw_loop_now_ms();
	if (!t->started) {
		t->started = true;
		t->t_first = now;
	}
	kw_loop_take(&s->loop, &c->ls, now + s->timeout);
	r->conns++;

	int e = kw_loop_connect(&c->ls, ep);
	if (e == 0)
		e = kw_sb_puts(&c->out, KW_SSH_CLIENT_IDENT "\r\n") < 0 ? -ENOMEM : 0;
	if (e == 0) {
		e = kw_loop_add(&s->loop, &c->ls, EPOLLIN | EPOLLOUT);
		c->want_out = true;
	}
	if (e < 0) {
		record_error(s, c, e, "connect", "connect: %s", kw_strerror(e));
		conn_close(s, c);
	}
	return 0;
}

/* a target that cannot be connected to at all */
static void skip_target(scanner *s, size_t ti, int err, const char *why)
{
	kw_scan_result *r = &s->res[ti];
	r->err = err;
	r->phase = "resolve";
	snprintf(r->why, sizeof r->why, "%s", why);
	s->ts[ti].pending = 0;
	target_done_check(s, ti);
}

/* The loop's start_more (loop.h): follow-ups first (they finish targets already begun),
 * then the next targets' main connections. */
static int start_more(void *ctx)
{
	scanner *s = ctx;
	for (size_t i = 0; i < s->n_follow && s->loop.active < s->loop.n;) {
		probe p = s->follow[i];
		if (s->ts[s->ts[p.target].group].ep_running >= KW_SCAN_PER_TARGET) {
			i++;
			continue;
		}
		memmove(&s->follow[i], &s->follow[i + 1], (s->n_follow - i - 1) * sizeof *s->follow);
		s->n_follow--;
		int e = start_probe(s, &p);
		if (e < 0)
			return e;
	}
	while (s->loop.active < s->loop.n && s->next_main < s->t->n) {
		size_t ti = s->next_main++;
		const char *why;
		int err = kw_loop_target_error(&s->t->v[ti], &why);
		if (err) {
			skip_target(s, ti, err, why);
			continue;
		}
		if (s->ts[s->ts[ti].group].ep_running >= KW_SCAN_PER_TARGET) {
			s->next_main--; /* the same server listed again: wait for its connections */
			break;
		}
		s->ts[ti].pending = 1;
		probe p = { .target = ti, .kind = P_MAIN };
		int e = start_probe(s, &p);
		if (e < 0)
			return e;
	}
	return 0;
}

/* the loop's pending (loop.h): a follow-up or a target not started yet */
static bool pending(void *ctx)
{
	const scanner *s = ctx;
	return s->n_follow != 0 || s->next_main < s->t->n;
}

/* the loop's on_expire (loop.h) */
static void on_expire(void *ctx, size_t i)
{
	scanner *s = ctx;
	conn *c = &s->conns[i];
	record_error(s, c, KW_E_TIMEOUT, phase_name[c->st], "no answer within %u ms (%s)",
		     s->timeout, phase_wait[c->st]);
	conn_close(s, c);
}

static const kw_loop_ops loop_ops = {
	.start_more = start_more, .pending = pending, .on_event = on_event, .on_expire = on_expire,
};

/* Targets listed more than once (a repeated entry, overlapping ranges) share one server:
 * the per-target connection limit counts per address and port. */
static int group_endpoints(scanner *s)
{
	const size_t keylen = 2 * 16 + 16;
	char *keys = malloc((s->t->n ? s->t->n : 1) * keylen);
	kw_strindex ix = { 0 };
	int e = keys ? 0 : -ENOMEM;
	for (size_t i = 0; e == 0 && i < s->t->n; i++) {
		const kw_target_ep *ep = &s->t->v[i];
		char *k = keys + i * keylen;
		kw_hex_lower(ep->addr.b, 16, k);
		snprintf(k + 32, keylen - 32, "%u%05u", ep->addr.fam, ep->port);
		size_t first = i;
		int r = kw_strindex_put(&ix, k, i, &first);
		if (r < 0)
			e = r;
		s->ts[i].group = first;
	}
	kw_strindex_release(&ix);
	free(keys);
	return e;
}

/* At most jobs connections, and what the descriptor limit allows. */
static size_t job_slots(unsigned jobs)
{
	size_t want = jobs ? jobs : KW_SCAN_JOBS_DEFAULT;
	if (want > KW_SCAN_JOBS_MAX)
		want = KW_SCAN_JOBS_MAX;
	return kw_loop_fd_budget(want);
}

int kw_scan_run(const kw_targets *t, const kw_scan_opts *o, kw_scan_result **ret)
{
	*ret = NULL;
	scanner s = { .t = t, .o = o };
	s.timeout = o->timeout_ms ? o->timeout_ms : KW_SCAN_TIMEOUT_DEFAULT_MS;
	if (o->gex_reqs && o->n_gex_reqs) {
		s.gex = o->gex_reqs;
		s.n_gex = o->n_gex_reqs > KW_SCAN_GEX_MAX ? KW_SCAN_GEX_MAX : o->n_gex_reqs;
	} else {
		s.gex = kw_scan_gex_defaults(&s.n_gex);
	}
	s.res = calloc(t->n ? t->n : 1, sizeof *s.res);
	s.ts = calloc(t->n ? t->n : 1, sizeof *s.ts);
	size_t nconns = job_slots(o->jobs);
	s.conns = calloc(nconns, sizeof *s.conns);
	kw_loop_init(&s.loop, s.conns, nconns, sizeof *s.conns);
	int e = 0;
	if (!s.res || !s.ts || !s.conns)
		e = -ENOMEM;
	for (size_t i = 0; e == 0 && i < t->n; i++)
		s.res[i].phase = "connect";
	if (e == 0)
		e = group_endpoints(&s);
	if (e == 0)
		e = kw_loop_open(&s.loop);
	if (e == 0)
		e = kw_loop_run(&s.loop, &loop_ops, &s, o->stop);
	/* interrupted or failed: close what is open (its target stays unfinished) */
	s.stopping = true;
	for (size_t i = 0; i < s.loop.n; i++)
		if (s.conns[i].ls.used) {
			record_error(&s, &s.conns[i], -EINTR, "interrupted", "interrupted");
			conn_close(&s, &s.conns[i]);
		}
	/* follow-ups still queued never ran: their slots say so (an empty slot would read as
	 * a 0-bit group or a key without a type) */
	for (size_t i = 0; s.res && i < s.n_follow; i++) {
		const probe *p = &s.follow[i];
		kw_scan_result *r = &s.res[p->target];
		if (p->kind == P_GEX && p->slot < r->n_gex && !r->gex[p->slot].err) {
			r->gex[p->slot].err = -EINTR;
			snprintf(r->gex[p->slot].why, sizeof r->gex[0].why, "not probed (interrupted)");
		} else if (p->kind == P_KEY && p->slot < r->n_keys && !r->keys[p->slot].err) {
			r->keys[p->slot].err = -EINTR;
			snprintf(r->keys[p->slot].why, sizeof r->keys[0].why, "not probed (interrupted)");
		}
	}
	for (size_t i = 0; s.res && i < t->n; i++) {
		if (!s.ts[i].done && s.ts[i].started)
			s.res[i].ms = (uint32_t)(s.ts[i].t_last - s.ts[i].t_first);
		if (!s.ts[i].done && !s.res[i].err && !s.res[i].have_kexinit) {
			s.res[i].err = -EINTR;
			s.res[i].phase = "interrupted";
			snprintf(s.res[i].why, sizeof s.res[i].why, "not scanned (interrupted)");
		}
	}
	kw_loop_release(&s.loop);
	free(s.conns);
	free(s.ts);
	free(s.follow);
	if (e < 0) {
		kw_scan_results_free(s.res, t->n);
		return e;
	}
	*ret = s.res;
	return 0;
}

void kw_scan_results_free(kw_scan_result *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		kw_ssh_ident_release(&r[i].ident);
		kw_ssh_kexinit_release(&r[i].kexinit);
		for (size_t k = 0; k < r[i].n_keys; k++)
			kw_kex_result_release(&r[i].keys[k].res);
		free(r[i].keys);
		free(r[i].gex);
	}
	free(r);
}
