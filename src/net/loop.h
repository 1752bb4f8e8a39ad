/* loop.h — the connection loop under keyward's scanners (net/scan.c for SSH,
 * net/rdpscan.c for RDP): one thread, epoll, non-blocking TCP connects to kw_target_eps,
 * a fixed table of connection slots each with an absolute deadline, and the run loop that
 * drives an engine's callbacks. It knows no protocol: what a slot holds beyond its
 * kw_loop_slot, what an event or a timeout means, what to start next, is the engine's.
 *
 * The engine owns an array of its own connection structs, each beginning with a
 * kw_loop_slot, and hands it to kw_loop_init; a slot is named by its index in that array
 * (the epoll data of its socket). The run loop, until *stop is set or an error:
 *
 *   start_more; if no slot is open and !pending: done
 *   wait for events, at most until the nearest deadline and never over 1 s
 *   on_event for each ready slot still open; on_expire for each open slot past its deadline
 *
 * Times are milliseconds of CLOCK_MONOTONIC (kw_loop_now_ms).
 */
#ifndef KW_NET_LOOP_H
#define KW_NET_LOOP_H

#include "net/targets.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct kw_loop_slot {
	bool used;
	int fd;               /* -1 when none */
	uint64_t deadline;    /* ms, CLOCK_MONOTONIC */
} kw_loop_slot;

typedef struct kw_loop {
	int ep;               /* epoll, -1 until kw_loop_open */
	void *slots;          /* n structs of stride bytes, each beginning with a kw_loop_slot */
	size_t n, stride;
	size_t active;        /* slots in use */
} kw_loop;

typedef struct kw_loop_ops {
	/* start what may start; a negative error ends the run with it */
	int (*start_more)(void *ctx);
	/* anything not started yet (the run ends when this is false and no slot is open) */
	bool (*pending)(void *ctx);
	/* slot i (open) is ready: events are epoll's */
	void (*on_event)(void *ctx, size_t i, uint32_t events);
	/* slot i (open) is past its deadline: the engine records it and closes the slot */
	void (*on_expire)(void *ctx, size_t i);
} kw_loop_ops;

uint64_t kw_loop_now_ms(void);

/* At most want connections, and what the descriptor limit allows (raised to its hard
 * limit first): the number of slots to allocate. */
size_t kw_loop_fd_budget(size_t want);

/* Slots (NULL: none, n taken as 0) laid out as stride-byte structs, each slot's fd set to
 * -1; no epoll yet. Always safe to kw_loop_release afterwards. */
void kw_loop_init(kw_loop *l, void *slots, size_t n, size_t stride);
/* Create the epoll instance: 0 or -errno. */
int kw_loop_open(kw_loop *l);
/* Close the epoll instance (the slots stay the caller's). */
void kw_loop_release(kw_loop *l);

kw_loop_slot *kw_loop_slot_at(const kw_loop *l, size_t i);
size_t kw_loop_index(const kw_loop *l, const kw_loop_slot *s);
/* A slot not in use: true and *i, or false when all are. */
bool kw_loop_free_slot(const kw_loop *l, size_t *i);

/* Mark s in use (no socket yet) until deadline; counts it in active. */
void kw_loop_take(kw_loop *l, kw_loop_slot *s, uint64_t deadline);
/* A non-blocking TCP socket (TCP_NODELAY) connecting to ep's address (IPv4 or IPv6) and
 * port, kept in s->fd: 0 (connected or in progress) or -errno. */
int kw_loop_connect(kw_loop_slot *s, const kw_target_ep *ep);
/* Register s->fd with epoll for events, or change what it is registered for: 0 or -errno. */
int kw_loop_add(kw_loop *l, kw_loop_slot *s, uint32_t events);
int kw_loop_mod(kw_loop *l, kw_loop_slot *s, uint32_t events);
/* The slot's socket unregistered and closed, the slot free (the rest of the engine's
 * struct is the engine's to release). */
void kw_loop_drop(kw_loop *l, kw_loop_slot *s);

/* 0 when the loop can connect to ep (an IPv4 or IPv6 address, resolved), else the error a
 * scan records for it, *why saying it in words. */
int kw_loop_target_error(const kw_target_ep *ep, const char **why);
/* A connect in progress whose socket reported events: 1 connected, 0 not yet, or the
 * connect's -errno. */
int kw_loop_connected(int fd, uint32_t events);
/* Send b[*off..len) as far as the socket takes it (MSG_NOSIGNAL), advancing *off: 0 (all
 * sent, or the socket is full) or -errno. */
int kw_loop_send(int fd, const void *b, size_t len, size_t *off);
/* Receive up to cap bytes: the count, 0 when the peer closed, -EAGAIN when nothing is
 * there, or -errno. */
ssize_t kw_loop_recv(int fd, void *b, size_t cap);

/* Run until nothing is left, *stop is set (stop may be NULL) or an error: 0 or the error
 * (from start_more or epoll_wait). Slots still open on return stay open: the engine
 * closes them. */
int kw_loop_run(kw_loop *l, const kw_loop_ops *ops, void *ctx, volatile sig_atomic_t *stop);

#endif
