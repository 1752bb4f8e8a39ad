/* test_sort.c — kw_sort_top (src/base/sort.c): for random, ascending, descending and
 * constant-prefix arrays of many sizes and every k from 0 to n+1, the first min(k, n)
 * entries equal qsort's and the whole array is still a permutation of the input. */
#include "base/sort.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

typedef struct ent {
	uint32_t key;   /* ranked by key, highest first, then id: no ties */
	uint32_t id;
	char pad[24];   /* entries bigger than a word, as in the reports */
} ent;

static int cmp_ent(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void check(const ent *in, size_t n)
{
	ent *want = malloc((n ? n : 1) * sizeof *want), *got = malloc((n ? n : 1) * sizeof *got);
	assert_non_null(want);
	assert_non_null(got);
	memcpy(want, in, n * sizeof *in);
	qsort(want, n, sizeof *want, cmp_ent);
	for (size_t k = 0; k <= n + 1; k++) {
		memcpy(got, in, n * sizeof *in);
		kw_sort_top(got, n, sizeof *got, k, cmp_ent);
		size_t ranked = k == 0 || k > n ? n : k;
		if (ranked && memcmp(got, want, ranked * sizeof *got) != 0)
			fail_msg("n %zu k %zu: the first %zu differ from qsort's", n, k, ranked);
		qsort(got, n, sizeof *got, cmp_ent); /* still the same entries */
		assert_memory_equal(got, want, n * sizeof *got);
	}
	free(want);
	free(got);
}

static void test_orders(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 2, 3, 5, 20, 21, 64, 257, 1000 };
	srand(7);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		ent *v = calloc(n ? n : 1, sizeof *v);
		assert_non_null(v);
		for (int order = 0; order < 4; order++) {
			for (size_t i = 0; i < n; i++) {
				v[i].id = (uint32_t)i;
				switch (order) {
				case 0: v[i].key = (uint32_t)rand() % 50; break;          /* many equal keys */
				case 1: v[i].key = (uint32_t)i; break;                    /* each one enters */
				case 2: v[i].key = (uint32_t)(n - i); break;              /* none enters */
				default: v[i].key = i < n / 2 ? 7 : (uint32_t)rand(); break;
				}
			}
			check(v, n);
		}
		free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
