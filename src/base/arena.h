/* arena.h — many small allocations that live and die together (strings of a model, of an
 * index): carved from 64 KiB chunks, released at once. A request larger than a quarter
 * chunk gets a chunk of its own, slotted behind the current one so the current one keeps
 * filling.
 *
 *   kw_arena a = { 0 };
 *   const char *s = kw_arena_strndup(&a, name, len);   // NULL on ENOMEM
 *   kw_arena_release(&a);                              // every pointer is gone
 */
#ifndef KW_BASE_ARENA_H
#define KW_BASE_ARENA_H

#include <stddef.h>

typedef struct kw_arena {
	struct kw_arena_chunk *head;
	size_t bytes;                 /* what the chunks hold in all */
} kw_arena;

/* n bytes aligned to align (a power of two, at most 8); NULL on ENOMEM. */
void *kw_arena_alloc(kw_arena *a, size_t n, size_t align);
/* A NUL-terminated copy of s[0..n); NULL on ENOMEM. */
char *kw_arena_strndup(kw_arena *a, const char *s, size_t n);
void kw_arena_release(kw_arena *a);

#endif
