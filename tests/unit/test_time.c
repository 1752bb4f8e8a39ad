/* test_time.c — base/time.c against the C library: gmtime_r + strftime as the oracle for
 * every day from year 1 to 9999 and random seconds, and the two day conversions as each
 * other's inverse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define FIRST_DAY (-719162) /* 0001-01-01 */
#define LAST_DAY 2932896    /* 9999-12-31 */

static void test_every_day(void **state)
{
	(void)state;
	for (int64_t z = FIRST_DAY; z <= LAST_DAY; z++) {
		time_t t = (time_t)(z * 86400);
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		int64_t y;
		int m, d;
		kw_civil_from_days(z, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday)
			fail_msg("day %lld: %lld-%d-%d, libc %d-%d-%d", (long long)z, (long long)y, m, d,
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		assert_int_equal(kw_days_from_civil(y, m, d), z);
	}
}

static void test_iso_random_seconds(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t span = (int64_t)(LAST_DAY - FIRST_DAY + 1) * 86400;
		int64_t s = (int64_t)(x % (uint64_t)span) + (int64_t)FIRST_DAY * 86400;
		if (i < 1000)
			s = (int64_t)i * 86399 - 500 * 86400; /* around the epoch, negatives too */
		char got[32], want[32];
		time_t t = (time_t)s;
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (tm.tm_year + 1900 < 1000) /* strftime does not pad the year to four digits */
			continue;
		assert_int_equal(kw_time_iso(s, true, got, sizeof got), KW_ISO_LEN);
		if (strcmp(got, want) != 0)
			fail_msg("%lld: %s, libc %s", (long long)s, got, want);
		assert_int_equal(kw_time_iso(s, false, got, sizeof got), KW_ISO_LEN - 1);
		want[KW_ISO_LEN - 1] = '\0';
		assert_string_equal(got, want);
	}
}

static void test_iso_limits(void **state)
{
	(void)state;
	char out[32];
	assert_int_equal(kw_time_iso(0, true, out, sizeof out), 20);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(kw_time_iso(-1, true, out, sizeof out), 20);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	assert_int_equal(kw_time_iso(0, true, out, 20), 0);         /* no room for the NUL */
	assert_int_equal(kw_time_iso(0, false, out, 20), 19);
	assert_int_equal(kw_time_iso((int64_t)(LAST_DAY + 1) * 86400, true, out, sizeof out), 1);
	assert_string_equal(out, "-");                                 /* year 10000 */
	assert_int_equal(kw_time_iso(INT64_MIN / 2, true, out, sizeof out), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_iso_random_seconds),
		cmocka_unit_test(test_iso_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
