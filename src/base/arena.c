/* arena.c — see arena.h. */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kw_arena_chunk {
	struct kw_arena_chunk *next;
	size_t used, cap;
	_Alignas(8) char data[];
};

#define ARENA_CHUNK ((size_t)64 << 10)

void *kw_arena_alloc(kw_arena *a, size_t n, size_t align)
{
	struct kw_arena_chunk *c = a->head;
	if (c) {
		size_t at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->cap && n <= c->cap - at) {
			c->used = at + n;
			return c->data + at;
		}
	}
	size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
	if (cap > SIZE_MAX - sizeof *c)
		return NULL;
	struct kw_arena_chunk *nc = malloc(sizeof *nc + cap);
	if (!nc)
		return NULL;
	nc->cap = cap;
	nc->used = n;
	a->bytes += cap;
	if (c && n > ARENA_CHUNK / 4) {
		/* a big one-off: keep filling the current chunk afterwards */
		nc->next = c->next;
		c->next = nc;
	} else {
		nc->next = c;
		a->head = nc;
	}
	return nc->data;
}

char *kw_arena_strndup(kw_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = kw_arena_alloc(a, n + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void kw_arena_release(kw_arena *a)
{
	for (struct kw_arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	*a = (kw_arena){ 0 };
}
