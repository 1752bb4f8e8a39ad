/* sort.c — see sort.h. */
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

void kw_sort_top(void *v, size_t n, size_t size, size_t k, int (*cmp)(const void *, const void *))
{
	char *b = v;
	char *tmp = k && k < n ? malloc(size) : NULL;
	if (!tmp) {
		qsort(v, n, size, cmp);
		return;
	}
	qsort(b, k, size, cmp);
	char *last = b + (k - 1) * size;
	for (size_t i = k; i < n; i++) {
		char *x = b + i * size;
		if (cmp(x, last) >= 0)
			continue;
		/* x enters the top k; the last of them takes x's place */
		size_t at = k - 1;
		while (at > 0 && cmp(x, b + (at - 1) * size) < 0)
			at--;
		memcpy(tmp, x, size);
		memcpy(x, last, size);
		memmove(b + (at + 1) * size, b + at * size, (k - 1 - at) * size);
		memcpy(b + at * size, tmp, size);
	}
	free(tmp);
}
