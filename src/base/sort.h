/* sort.h — ranking: the first k of an array in order, without sorting the rest.
 *
 * Reports show the top 20 of tens of thousands of entries; kw_sort_top costs about one
 * comparison for each entry that does not make the top, where qsort costs log2(n).
 */
#ifndef KW_BASE_SORT_H
#define KW_BASE_SORT_H

#include <stddef.h>

/* Put the first k of v[0..n) by cmp, in order, at the start of v; the other entries
 * follow in no particular order. k == 0 or k >= n sorts the whole array (qsort). With
 * a cmp that orders every pair (no ties), v[0..k) equals what qsort puts there. */
void kw_sort_top(void *v, size_t n, size_t size, size_t k, int (*cmp)(const void *, const void *));

#endif
