/* test_strindex.c — kw_strindex (src/base/strindex.c) against a plain list: 5,000 random
 * names (many sharing prefixes, some duplicates) put and looked up; duplicates report the
 * first number and change nothing; absent keys are NONE; release empties and allows reuse;
 * the empty index answers NONE. */
#include "base/strindex.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 5000

static void test_against_list(void **state)
{
	(void)state;
	static char names[N][24];
	srand(11);
	for (size_t i = 0; i < N; i++) {
		/* every 10th name repeats an earlier one */
		if (i % 10 == 9)
			strcpy(names[i], names[(size_t)rand() % i]);
		else
			snprintf(names[i], sizeof names[i], "/home/u%05d/.ssh/k%d", rand() % 30000, (int)(i % 7));
	}
	kw_strindex ix = { 0 };
	assert_int_equal(kw_strindex_get(&ix, "x"), KW_STRINDEX_NONE);
	for (size_t i = 0; i < N; i++) {
		size_t first = KW_STRINDEX_NONE;
		for (size_t j = 0; j < i && first == KW_STRINDEX_NONE; j++)
			if (!strcmp(names[j], names[i]))
				first = j;
		size_t existing = 12345;
		int r = kw_strindex_put(&ix, names[i], i, &existing);
		if (first == KW_STRINDEX_NONE) {
			assert_int_equal(r, 0);
			assert_int_equal(existing, 12345);
		} else {
			assert_int_equal(r, 1);
			assert_int_equal(existing, first);
		}
	}
	for (size_t i = 0; i < N; i++) {
		size_t got = kw_strindex_get(&ix, names[i]);
		assert_true(got != KW_STRINDEX_NONE);
		assert_string_equal(names[got], names[i]);
		assert_true(got <= i);
	}
	assert_int_equal(kw_strindex_get(&ix, "/home/none"), KW_STRINDEX_NONE);
	assert_int_equal(kw_strindex_get(&ix, ""), KW_STRINDEX_NONE);
	kw_strindex_release(&ix);
	assert_int_equal(kw_strindex_get(&ix, names[0]), KW_STRINDEX_NONE);
	assert_int_equal(kw_strindex_put(&ix, names[0], 7, NULL), 0);
	assert_int_equal(kw_strindex_get(&ix, names[0]), 7);
	kw_strindex_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
