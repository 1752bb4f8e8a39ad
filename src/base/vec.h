/* vec.h — grow a plain C array by one slot.
 *
 *   kw_thing *v = NULL; size_t n = 0, cap = 0;
 *   kw_thing *slot = KW_VEC_PUSH(v, n, cap);    // NULL on ENOMEM; else zeroed, n grown
 *
 * Capacity doubles; the array stays owned by whoever owns v (free it with free()).
 */
#ifndef KW_BASE_VEC_H
#define KW_BASE_VEC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline void *kw_vec_push(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		if (c > ((size_t)-1) / elem)
			return NULL;
		void *nv = realloc(*v, c * elem);
		if (!nv)
			return NULL;
		*v = nv;
		*cap = c;
	}
	void *slot = (char *)*v + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

#define KW_VEC_PUSH(v, n, cap) \
	((__typeof__(v))kw_vec_push((void **)&(v), &(n), &(cap), sizeof *(v)))

#endif
