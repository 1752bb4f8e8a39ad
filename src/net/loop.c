/* loop.c — the scanners' connection loop: see loop.h. */
#include "net/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t kw_loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t kw_loop_fd_budget(size_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < want + 64) {
			rlim_t old = rl.rlim_cur;
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				rl.rlim_cur = old;
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 32)
			want = rl.rlim_cur > 48 ? (size_t)rl.rlim_cur - 32 : 16;
	}
	return want;
}

kw_loop_slot *kw_loop_slot_at(const kw_loop *l, size_t i)
{
	return (kw_loop_slot *)(void *)((char *)l->slots + i * l->stride);
}

size_t kw_loop_index(const kw_loop *l, const kw_loop_slot *s)
{
	return (size_t)((const char *)s - (const char *)l->slots) / l->stride;
}

void kw_loop_init(kw_loop *l, void *slots, size_t n, size_t stride)
{
	*l = (kw_loop){ .ep = -1, .slots = slots, .n = slots ? n : 0, .stride = stride };
	for (size_t i = 0; i < l->n; i++)
		kw_loop_slot_at(l, i)->fd = -1;
}

int kw_loop_open(kw_loop *l)
{
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	return l->ep < 0 ? -errno : 0;
}

void kw_loop_release(kw_loop *l)
{
	if (l->ep >= 0)
		close(l->ep);
	l->ep = -1;
}

bool kw_loop_free_slot(const kw_loop *l, size_t *i)
{
	for (size_t k = 0; k < l->n; k++)
		if (!kw_loop_slot_at(l, k)->used) {
			*i = k;
			return true;
		}
	return false;
}

void kw_loop_take(kw_loop *l, kw_loop_slot *s, uint64_t deadline)
{
	*s = (kw_loop_slot){ .used = true, .fd = -1, .deadline = deadline };
	l->active++;
}

int kw_loop_connect(kw_loop_slot *s, const kw_target_ep *ep)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (ep->addr.fam == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(ep->port);
		memcpy(&in->sin_addr, ep->addr.b, 4);
		sl = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(ep->port);
		memcpy(&in6->sin6_addr, ep->addr.b, 16);
		sl = sizeof *in6;
	}
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
		return -errno;
	return 0;
}

static int watch(kw_loop *l, kw_loop_slot *s, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)kw_loop_index(l, s) };
	return epoll_ctl(l->ep, op, s->fd, &ev) < 0 ? -errno : 0;
}

int kw_loop_add(kw_loop *l, kw_loop_slot *s, uint32_t events)
{
	return watch(l, s, EPOLL_CTL_ADD, events);
}

int kw_loop_mod(kw_loop *l, kw_loop_slot *s, uint32_t events)
{
	return watch(l, s, EPOLL_CTL_MOD, events);
}

void kw_loop_drop(kw_loop *l, kw_loop_slot *s)
{
	if (!s->used)
		return;
	if (s->fd >= 0) {
		epoll_ctl(l->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	*s = (kw_loop_slot){ .used = false, .fd = -1 };
	l->active--;
}

int kw_loop_target_error(const kw_target_ep *ep, const char **why)
{
	if (ep->resolve_err) {
		*why = "the name does not resolve";
		return ep->resolve_err;
	}
	if (ep->addr.fam != 4 && ep->addr.fam != 6) {
		*why = "no address";
		return -EADDRNOTAVAIL;
	}
	return 0;
}

int kw_loop_connected(int fd, uint32_t events)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr)
		return -soerr;
	return (events & (EPOLLOUT | EPOLLIN)) ? 1 : 0;
}

int kw_loop_send(int fd, const void *b, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, (const char *)b + *off, len - *off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		*off += (size_t)n;
	}
	return 0;
}

ssize_t kw_loop_recv(int fd, void *b, size_t cap)
{
	for (;;) {
		ssize_t n = recv(fd, b, cap, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		return -errno;
	}
}

static uint64_t next_deadline(const kw_loop *l)
{
	uint64_t d = UINT64_MAX;
	for (size_t i = 0; i < l->n; i++) {
		const kw_loop_slot *s = kw_loop_slot_at(l, i);
		if (s->used && s->deadline < d)
			d = s->deadline;
	}
	return d;
}

static void expire(kw_loop *l, const kw_loop_ops *ops, void *ctx, uint64_t now)
{
	for (size_t i = 0; i < l->n; i++) {
		const kw_loop_slot *s = kw_loop_slot_at(l, i);
		if (s->used && now >= s->deadline)
			ops->on_expire(ctx, i);
	}
}

int kw_loop_run(kw_loop *l, const kw_loop_ops *ops, void *ctx, volatile sig_atomic_t *stop)
{
	struct epoll_event evs[256];
	int e = 0;
	while (!(stop && *stop)) {
		if ((e = ops->start_more(ctx)) < 0)
			break;
		if (l->active == 0 && !ops->pending(ctx))
			break;
		uint64_t now = kw_loop_now_ms(), d = next_deadline(l);
		int wait = d == UINT64_MAX ? 1000 : d <= now ? 0 : d - now > 1000 ? 1000 : (int)(d - now);
		int n = epoll_wait(l->ep, evs, (int)(sizeof evs / sizeof evs[0]), wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			size_t k = (size_t)evs[i].data.u64;
			if (kw_loop_slot_at(l, k)->used)
				ops->on_event(ctx, k, evs[i].events);
		}
		expire(l, ops, ctx, kw_loop_now_ms());
	}
	return e;
}
