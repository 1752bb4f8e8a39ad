/* vec.h — grow a plain C array by one slot.
 *
 *   kw_thing *v = NULL; size_t n = 0, cap = 0;
 *   kw_thing *slot = KW_VEC_PUSH(v, n, cap);    // NULL on ENOMEM; else zeroed, n grown
 *   if (KW_VEC_RESERVE(v, n, cap) < 0) ...      // room for v[n]; n unchanged
 *
 * Capacity doubles; the array stays owned by whoever owns v (free it with free()).
 */
#ifndef KW_BASE_VEC_H
#define KW_BASE_VEC_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Make room for element n (capacity doubles from 8). 0 or -ENOMEM. */
static inline int kw_vec_reserve(void **v, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 8;
	if (c > ((size_t)-1) / elem)
		return -ENOMEM;
	void *nv = realloc(*v, c * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static inline void *kw_vec_push(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (kw_vec_reserve(v, *n, cap, elem) < 0)
		return NULL;
	void *slot = (char *)*v + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

#define KW_VEC_RESERVE(v, n, cap) kw_vec_reserve((void **)&(v), (n), &(cap), sizeof *(v))
#define KW_VEC_PUSH(v, n, cap) \
	((__typeof__(v))kw_vec_push((void **)&(v), &(n), &(cap), sizeof *(v)))

/* Free n strings and the array holding them (NULL is fine). */
static inline void kw_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

#endif
