/* test_escape.c — kw_escape (src/base/escape.c): a table of hostile inputs and the exact
 * text each must become, the "already clean" predicate, and appending.
 * Owner of this test: report/finding-model engineer (src/base belongs to the lead). */
#include "base/escape.h"
#include "base/buf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *out;
} cases[] = {
	{ "plain ascii 123 !#$%&'()*+,-./:;<=>?@[]^_`{|}~", 0, "plain ascii 123 !#$%&'()*+,-./:;<=>?@[]^_`{|}~" },
	{ "", 0, "" },
	{ "back\\slash", 0, "back\\\\slash" },
	{ "a\nb\tc\rd", 0, "a\\nb\\tc\\rd" },
	{ "\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m" },
	{ "\x1b]0;title\x07", 0, "\\x1b]0;title\\x07" },
	{ "nul\0byte", 8, "nul\\x00byte" },
	{ "del\x7f", 0, "del\\x7f" },
	{ "\x01\x1f", 0, "\\x01\\x1f" },
	/* valid UTF-8 passes */
	{ "h\xc3\xa9llo \xe6\x97\xa5 \xf0\x9f\x99\x82", 0, "h\xc3\xa9llo \xe6\x97\xa5 \xf0\x9f\x99\x82" },
	/* invalid UTF-8: each bad byte alone */
	{ "\xff\xfe", 0, "\\xff\\xfe" },
	{ "\xc0\x80", 0, "\\xc0\\x80" },             /* overlong NUL */
	{ "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },     /* overlong '/' */
	{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },     /* a surrogate */
	{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" }, /* above U+10FFFF */
	{ "\xe2\x82", 0, "\\xe2\\x82" },             /* truncated at the end */
	{ "\xe2\x82x", 0, "\\xe2\\x82x" },           /* truncated in the middle */
	{ "\x80", 0, "\\x80" },                      /* a lone continuation byte */
	/* C1 controls (CSI is U+009B), bidi and invisible direction marks */
	{ "\xc2\x9b" "31m", 0, "\\u{009b}31m" },
	{ "\xc2\x85", 0, "\\u{0085}" },
	{ "\xc0\xaf", 0, "\\xc0\\xaf" },                 /* overlong '/', two bytes */
	{ "\xf5\x80\x80\x80", 0, "\\xf5\\x80\\x80\\x80" }, /* F5: never a lead byte */
	{ "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf" },    /* U+10FFFF is valid */
	{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", 0, "a\\u{2028}b\\u{2029}" }, /* line/paragraph separators */
	{ "\xe2\x80\xae" "exe.txt", 0, "\\u{202e}exe.txt" },
	{ "\xe2\x81\xa6x\xe2\x81\xa9", 0, "\\u{2066}x\\u{2069}" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xef\xbb\xbf", 0, "\\u{200e}\\u{200f}\\u{061c}\\u{feff}" },
	/* neighbours of the unsafe ranges stay */
	{ "\xc2\xa0\xe2\x80\xaf\xe2\x81\xaa", 0, "\xc2\xa0\xe2\x80\xaf\xe2\x81\xaa" },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = cases[i].len ? cases[i].len : strlen(cases[i].in);
		char *e = kw_escape_dup(cases[i].in, n);
		assert_non_null(e);
		assert_string_equal(e, cases[i].out);
		/* clean means: escaping changes nothing */
		assert_int_equal(kw_escape_is_clean(cases[i].in, n), strcmp(cases[i].out, cases[i].in) == 0 && n == strlen(cases[i].in));
		/* the output itself escapes to itself, except that backslashes double */
		char *e2 = kw_escape_str(e);
		assert_non_null(e2);
		size_t bs = 0;
		for (const char *p = e; *p; p++)
			bs += *p == '\\';
		assert_int_equal(strlen(e2), strlen(e) + bs);
		free(e2);
		free(e);
	}
}

static void test_output_has_no_controls(void **state)
{
	(void)state;
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	char *e = kw_escape_dup(all, sizeof all);
	assert_non_null(e);
	for (const unsigned char *p = (const unsigned char *)e; *p; p++) {
		assert_true(*p >= 0x20 && *p < 0x7f); /* every byte of 0x80.. is invalid alone */
	}
	assert_non_null(strstr(e, "\\x00\\x01"));
	assert_non_null(strstr(e, "\\x7f\\x80"));
	free(e);
}

static void test_append_and_null(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_sb_puts(&sb, "user: "), 0);
	assert_int_equal(kw_escape_append(&sb, "bob\n", 4), 0);
	assert_int_equal(kw_escape_append(&sb, "", 0), 0);
	assert_string_equal(sb.s, "user: bob\\n");
	kw_sb_release(&sb);

	char *e = kw_escape_str(NULL);
	assert_non_null(e);
	assert_string_equal(e, "");
	free(e);
	assert_true(kw_escape_is_clean("", 0));
	assert_false(kw_escape_is_clean("a\\b", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_output_has_no_controls),
		cmocka_unit_test(test_append_and_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
