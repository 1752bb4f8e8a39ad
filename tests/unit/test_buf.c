/* test_buf.c — unit tests for src/base/buf.c (tests owned by the secrets module; buf.c by
 * the base module). Bounded views: lines, fields, SSH wire types, decimal parsing; and the
 * kw_sb string builder. Every get that fails must consume nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

static void assert_view(kw_buf v, const char *want)
{
	size_t n = strlen(want);
	if (kw_buf_left(&v) != n || memcmp(kw_buf_cur(&v), want, n) != 0)
		fail_msg("view \"%.*s\" != \"%s\"", (int)kw_buf_left(&v), (const char *)kw_buf_cur(&v), want);
}

/* ---- lines ---- */

static void test_line_split(void **state)
{
	(void)state;
	static const char text[] = "one\r\ntwo\n\nthree\r\r\nlast";
	kw_buf b = kw_buf_view(text, sizeof text - 1), line;
	bool trunc = true;
	assert_true(kw_buf_line(&b, &line, 100, &trunc));
	assert_view(line, "one");
	assert_false(trunc);
	assert_true(kw_buf_line(&b, &line, 100, &trunc));
	assert_view(line, "two");
	assert_true(kw_buf_line(&b, &line, 100, &trunc));
	assert_view(line, "");
	assert_true(kw_buf_line(&b, &line, 100, &trunc));
	assert_view(line, "three\r"); /* only the one '\r' before '\n' goes */
	assert_true(kw_buf_line(&b, &line, 100, NULL));
	assert_view(line, "last");     /* no final newline */
	assert_false(kw_buf_line(&b, &line, 100, &trunc));
	assert_false(kw_buf_line(&b, &line, 100, &trunc));
}

static void test_line_edges(void **state)
{
	(void)state;
	kw_buf line;
	kw_buf b = kw_buf_view("", 0);
	assert_false(kw_buf_line(&b, &line, 10, NULL));

	b = kw_buf_view("\n", 1);
	assert_true(kw_buf_line(&b, &line, 10, NULL));
	assert_view(line, "");
	assert_false(kw_buf_line(&b, &line, 10, NULL));

	b = kw_buf_view("x\n", 2);  /* a final newline does not make an extra empty line */
	assert_true(kw_buf_line(&b, &line, 10, NULL));
	assert_view(line, "x");
	assert_false(kw_buf_line(&b, &line, 10, NULL));

	b = kw_buf_view("\r", 1);   /* a lone CR at the end is stripped too */
	assert_true(kw_buf_line(&b, &line, 10, NULL));
	assert_view(line, "");

	b = kw_buf_view("a\0b\nc", 5); /* NUL bytes stay inside the line */
	assert_true(kw_buf_line(&b, &line, 10, NULL));
	assert_int_equal(line.len, 3);
	assert_int_equal(line.p[1], 0);
}

static void test_line_truncation(void **state)
{
	(void)state;
	static const char text[] = "0123456789abcdef\nshort\n01234\n012345";
	kw_buf b = kw_buf_view(text, sizeof text - 1), line;
	bool trunc = false;
	assert_true(kw_buf_line(&b, &line, 5, &trunc));
	assert_view(line, "01234");
	assert_true(trunc);
	/* the rest of the long line was skipped */
	assert_true(kw_buf_line(&b, &line, 5, &trunc));
	assert_view(line, "short");
	assert_false(trunc);
	assert_true(kw_buf_line(&b, &line, 5, &trunc)); /* exactly max: not truncated */
	assert_view(line, "01234");
	assert_false(trunc);
	assert_true(kw_buf_line(&b, &line, 5, &trunc)); /* long last line, no newline */
	assert_view(line, "01234");
	assert_true(trunc);
	assert_false(kw_buf_line(&b, &line, 5, &trunc));

	/* max 0: every non-empty line is truncated to nothing */
	b = kw_buf_view("ab\n\n", 4);
	assert_true(kw_buf_line(&b, &line, 0, &trunc));
	assert_int_equal(line.len, 0);
	assert_true(trunc);
	assert_true(kw_buf_line(&b, &line, 0, &trunc));
	assert_false(trunc);
}

/* ---- fields ---- */

static void test_fields(void **state)
{
	(void)state;
	kw_buf b = kw_buf_view("root:x:0::/root:", 16), f;
	const char *want[] = { "root", "x", "0", "", "/root", "" };
	for (size_t i = 0; i < 6; i++) {
		assert_true(kw_buf_field(&b, ':', &f));
		assert_view(f, want[i]);
	}
	assert_false(kw_buf_field(&b, ':', &f)); /* the empty trailing field came once */
	assert_false(kw_buf_field(&b, ':', &f));

	b = kw_buf_view("", 0);  /* an empty input is one empty field */
	assert_true(kw_buf_field(&b, ':', &f));
	assert_view(f, "");
	assert_false(kw_buf_field(&b, ':', &f));

	b = kw_buf_view("abc", 3);
	assert_true(kw_buf_field(&b, ':', &f));
	assert_view(f, "abc");
	assert_false(kw_buf_field(&b, ':', &f));

	b = kw_buf_view("::", 2);
	for (int i = 0; i < 3; i++) {
		assert_true(kw_buf_field(&b, ':', &f));
		assert_view(f, "");
	}
	assert_false(kw_buf_field(&b, ':', &f));
	/* an exhausted view yields no more lines either */
	kw_buf line;
	assert_false(kw_buf_line(&b, &line, 10, NULL));
}

/* After the empty trailing field the view is past its end internally; every reader must
 * see an empty view (exact-size heap copy, so ASan catches a read past the end). */
static void test_exhausted_field_view(void **state)
{
	(void)state;
	char *mem = malloc(3);
	assert_non_null(mem);
	memcpy(mem, "a:b", 3);
	kw_buf b = kw_buf_view(mem, 3), f;
	while (kw_buf_field(&b, ':', &f))
		;
	assert_int_equal(kw_buf_left(&b), 0);
	uint8_t c;
	uint32_t v;
	uint64_t u;
	kw_buf s;
	assert_int_equal(kw_buf_get_u8(&b, &c), KW_E_PARSE);
	assert_int_equal(kw_buf_get_u32(&b, &v), KW_E_PARSE);
	assert_int_equal(kw_buf_get_string(&b, &s), KW_E_PARSE);
	assert_int_equal(kw_buf_get_bytes(&b, 1, &s), KW_E_PARSE);
	assert_int_equal(kw_buf_skip(&b, 1), KW_E_PARSE);
	assert_false(kw_buf_starts_with(&b, "b"));
	assert_true(kw_buf_starts_with(&b, ""));
	assert_true(kw_buf_eq(&b, ""));
	assert_false(kw_buf_has_nul(&b));
	assert_false(kw_buf_token(&b, &s));
	assert_int_equal(kw_buf_to_u64(&b, 10, &u), KW_E_PARSE);
	assert_int_equal(kw_buf_trim(b).len, 0);
	char *d = kw_buf_strdup(&b);
	assert_non_null(d);
	assert_string_equal(d, "");
	free(d);
	free(mem);
}

/* ---- SSH wire types ---- */

static void test_u8_u32(void **state)
{
	(void)state;
	static const uint8_t d[] = { 0x01, 0x80, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff };
	kw_buf b = kw_buf_view(d, sizeof d);
	uint8_t c;
	uint32_t v;
	assert_int_equal(kw_buf_get_u8(&b, &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(kw_buf_get_u32(&b, &v), 0);
	assert_int_equal(v, 0x80000001u);
	v = 7;
	assert_int_equal(kw_buf_get_u32(&b, &v), KW_E_PARSE); /* 3 bytes left */
	assert_int_equal(v, 7);
	assert_int_equal(kw_buf_left(&b), 3);
	assert_int_equal(kw_buf_skip(&b, 4), KW_E_PARSE);
	assert_int_equal(kw_buf_left(&b), 3);
	assert_int_equal(kw_buf_skip(&b, 3), 0);
	assert_int_equal(kw_buf_get_u8(&b, &c), KW_E_PARSE);
	assert_int_equal(kw_buf_left(&b), 0);
}

static void test_string_bounds(void **state)
{
	(void)state;
	/* string "abc", then a string claiming 5 bytes with only 3 present */
	static const uint8_t d[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 5, 'x', 'y', 'z' };
	kw_buf b = kw_buf_view(d, sizeof d), s;
	assert_int_equal(kw_buf_get_string(&b, &s), 0);
	assert_view(s, "abc");
	size_t off = b.off;
	assert_int_equal(kw_buf_get_string(&b, &s), KW_E_PARSE);
	assert_int_equal(b.off, off); /* the length was not consumed */

	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	b = kw_buf_view(huge, sizeof huge);
	assert_int_equal(kw_buf_get_string(&b, &s), KW_E_PARSE);
	assert_int_equal(b.off, 0);

	static const uint8_t shortlen[] = { 0, 0, 1 };
	b = kw_buf_view(shortlen, sizeof shortlen);
	assert_int_equal(kw_buf_get_string(&b, &s), KW_E_PARSE);
	assert_int_equal(b.off, 0);

	/* nested: a child view is bounded by its own length, not the parent's */
	static const uint8_t nest[] = { 0, 0, 0, 6, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 9 };
	b = kw_buf_view(nest, sizeof nest);
	kw_buf outer, inner;
	assert_int_equal(kw_buf_get_string(&b, &outer), 0);
	assert_int_equal(kw_buf_get_string(&outer, &inner), 0);
	assert_view(inner, "hi");
	assert_int_equal(kw_buf_left(&outer), 0);
	assert_int_equal(kw_buf_get_string(&outer, &inner), KW_E_PARSE);
	assert_int_equal(kw_buf_get_string(&b, &inner), KW_E_PARSE); /* claims 9, 0 left */

	b = kw_buf_view(d, sizeof d);
	assert_int_equal(kw_buf_get_bytes(&b, sizeof d + 1, &s), KW_E_PARSE);
	assert_int_equal(kw_buf_get_bytes(&b, sizeof d, &s), 0);
	assert_int_equal(kw_buf_left(&b), 0);
	assert_int_equal(kw_buf_get_bytes(&b, 0, &s), 0);
	assert_int_equal(s.len, 0);
}

/* ---- decimal ---- */

static int to_u64(const char *s, uint64_t max, uint64_t *v)
{
	kw_buf b = kw_buf_view(s, strlen(s));
	return kw_buf_to_u64(&b, max, v);
}

static void test_to_u64(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(to_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(to_u64("007", 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(to_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 42;
	assert_int_equal(to_u64("18446744073709551616", UINT64_MAX, &v), KW_E_PARSE);
	assert_int_equal(to_u64("99999999999999999999", UINT64_MAX, &v), KW_E_PARSE);
	assert_int_equal(to_u64("000000000000000000001", UINT64_MAX, &v), KW_E_PARSE); /* 21 digits */
	assert_int_equal(to_u64("", 10, &v), KW_E_PARSE);
	assert_int_equal(to_u64("-1", 10, &v), KW_E_PARSE);
	assert_int_equal(to_u64("+1", 10, &v), KW_E_PARSE);
	assert_int_equal(to_u64(" 1", 10, &v), KW_E_PARSE);
	assert_int_equal(to_u64("1 ", 10, &v), KW_E_PARSE);
	assert_int_equal(to_u64("0x10", 100, &v), KW_E_PARSE);
	assert_int_equal(to_u64("101", 100, &v), KW_E_PARSE);
	assert_int_equal(v, 42); /* not written on failure */
	assert_int_equal(to_u64("100", 100, &v), 0);
	assert_int_equal(v, 100);

	/* only the unread part of the view counts */
	kw_buf b = kw_buf_view("uid=1000", 8);
	b.off = 4;
	assert_int_equal(kw_buf_to_u64(&b, 65535, &v), 0);
	assert_int_equal(v, 1000);
}

/* ---- small view helpers ---- */

static void test_view_helpers(void **state)
{
	(void)state;
	kw_buf t = kw_buf_trim(kw_buf_view(" \t\r\nab c\t \n", 11));
	assert_view(t, "ab c");
	t = kw_buf_trim(kw_buf_view(" \t ", 3));
	assert_int_equal(t.len, 0);

	kw_buf b = kw_buf_view("  ssh-rsa\tAAAA  comment  ", 25), tok;
	assert_true(kw_buf_token(&b, &tok));
	assert_view(tok, "ssh-rsa");
	assert_true(kw_buf_token(&b, &tok));
	assert_view(tok, "AAAA");
	assert_true(kw_buf_token(&b, &tok));
	assert_view(tok, "comment");
	assert_false(kw_buf_token(&b, &tok));

	b = kw_buf_view("ab\0cd", 5);
	assert_true(kw_buf_has_nul(&b));
	b.off = 3;
	assert_false(kw_buf_has_nul(&b));
	b.off = 5;
	assert_false(kw_buf_has_nul(&b));

	b = kw_buf_view("PermitRootLogin", 15);
	assert_true(kw_buf_starts_with(&b, "Permit"));
	assert_true(kw_buf_starts_with(&b, ""));
	assert_false(kw_buf_starts_with(&b, "PermitRootLogin no"));
	assert_true(kw_buf_eq(&b, "PermitRootLogin"));
	assert_false(kw_buf_eq(&b, "PermitRootLogi"));
	b.off = 6;
	assert_true(kw_buf_eq(&b, "RootLogin"));

	b = kw_buf_view("a\0b", 3);
	char *s = kw_buf_strdup(&b);
	assert_non_null(s);
	assert_int_equal(memcmp(s, "a\0b\0", 4), 0);
	free(s);
	b = kw_buf_view("", 0);
	s = kw_buf_strdup(&b);
	assert_string_equal(s, "");
	free(s);
}

/* ---- string builder ---- */

static void test_sb_basics(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	assert_non_null(sb.s);
	assert_string_equal(sb.s, "");
	assert_int_equal(sb.len, 0);
	kw_sb_clear(&sb); /* on a fresh builder: no memory touched */
	kw_sb_release(&sb);
	assert_string_equal(sb.s, "");

	assert_int_equal(kw_sb_puts(&sb, "abc"), 0);
	assert_int_equal(kw_sb_putc(&sb, '-'), 0);
	assert_int_equal(kw_sb_put(&sb, "x\0y", 3), 0);
	assert_int_equal(sb.len, 7);
	assert_int_equal(memcmp(sb.s, "abc-x\0y\0", 8), 0);
	kw_sb_clear(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.s, "");
	assert_true(sb.cap > 0); /* memory kept */
	assert_int_equal(kw_sb_put(&sb, NULL, 0), 0);
	assert_string_equal(sb.s, "");
	kw_sb_release(&sb);
	assert_int_equal(sb.cap, 0);
	assert_string_equal(sb.s, "");
}

static void test_sb_growth(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(kw_sb_putc(&sb, (char)('a' + i % 26)), 0);
	assert_int_equal(sb.len, 10000);
	assert_true(sb.cap > sb.len);
	assert_int_equal(sb.s[sb.len], '\0');
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sb.s[i], 'a' + i % 26);
	kw_sb_release(&sb);
}

static void test_sb_printf(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_sb_printf(&sb, "%s", ""), 0);
	assert_string_equal(sb.s, "");
	assert_int_equal(kw_sb_printf(&sb, "%d-%s", 42, "x"), 0);
	assert_int_equal(kw_sb_printf(&sb, "/%05u", 7u), 0);
	assert_string_equal(sb.s, "42-x/00007");
	assert_int_equal(sb.len, 10);
	/* a long expansion forces growth inside printf */
	char big[3000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(kw_sb_printf(&sb, "[%s]", big), 0);
	assert_int_equal(sb.len, 10 + 2 + 2999);
	assert_int_equal(sb.s[10], '[');
	assert_int_equal(sb.s[sb.len - 1], ']');
	assert_int_equal(strlen(sb.s), sb.len);
	kw_sb_release(&sb);
}

static void test_sb_detach_and_cap(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	char *s = kw_sb_detach(&sb); /* never used: still an owned "" */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(kw_sb_puts(&sb, "hello"), 0);
	s = kw_sb_detach(&sb);
	assert_string_equal(s, "hello");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.s, "");
	assert_int_equal(kw_sb_puts(&sb, "again"), 0); /* the builder is reusable */
	assert_string_equal(sb.s, "again");
	assert_string_equal(s, "hello");                /* and the detached copy is untouched */
	free(s);

	/* past the hard cap: refused, flagged, content kept */
	assert_false(sb.overflow);
	/* the sizes are refused before a byte is read; the compiler would see the inline fast
	 * path's memcpy of a 2-byte literal and warn: hide where x points */
	const char *x = "x";
	__asm__ volatile("" : "+r"(x));
	assert_int_equal(kw_sb_put(&sb, x, KW_SB_MAX), KW_E_TOOBIG);
	assert_true(sb.overflow);
	assert_string_equal(sb.s, "again");
	assert_int_equal(kw_sb_put(&sb, x, SIZE_MAX), KW_E_TOOBIG);
	assert_int_equal(sb.len, 5);
	kw_sb_clear(&sb);
	assert_false(sb.overflow);
	kw_sb_release(&sb);
}

/* kw_buf_to_size: the size syntax of profiles (max-file-size) and --max-input */
static void test_to_size(void **state)
{
	(void)state;
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "512", 512 }, { "16M", 16u << 20 }, { "16m", 16u << 20 }, { "2G", 2ull << 30 },
		{ "64k", 64u << 10 }, { "64KiB", 64u << 10 }, { "1GB", 1ull << 30 }, { "7B", 7 },
		{ "17179869183G", 17179869183ull << 30 },
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		kw_buf b = kw_buf_view(good[i].s, strlen(good[i].s));
		uint64_t v = 1;
		assert_int_equal(kw_buf_to_size(&b, &v), 0);
		assert_true(v == good[i].v);
	}
	static const char *const bad[] = { "", "M", "iB", "-5", "+5", " 5", "5 ", "12Q", "5MM", "5iB",
					   "17179869184G", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kw_buf b = kw_buf_view(bad[i], strlen(bad[i]));
		uint64_t v;
		if (kw_buf_to_size(&b, &v) != KW_E_PARSE)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
}

static void test_hex(void **state)
{
	(void)state;
	assert_int_equal(kw_hex_digit('0', false), 0);
	assert_int_equal(kw_hex_digit('f', false), 15);
	assert_int_equal(kw_hex_digit('F', false), -1);
	assert_int_equal(kw_hex_digit('F', true), 15);
	assert_int_equal(kw_hex_digit('g', true), -1);
	assert_int_equal(kw_hex_digit('/', true), -1);
	assert_int_equal(kw_hex_digit(':', true), -1);
	assert_int_equal(kw_hex_digit(0xe0, true), -1);
	uint8_t out[4];
	assert_int_equal(kw_hex_decode("00fF7a80", 4, true, out), 0);
	assert_memory_equal(out, "\x00\xff\x7a\x80", 4);
	assert_int_equal(kw_hex_decode("00fF7a80", 4, false, out), KW_E_PARSE);
	assert_int_equal(kw_hex_decode("0g", 1, true, out), KW_E_PARSE);
	char again[9];
	assert_int_equal(kw_hex_decode("deadbeef", 4, false, out), 0);
	kw_hex_lower(out, 4, again);
	assert_string_equal(again, "deadbeef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_split),
		cmocka_unit_test(test_line_edges),
		cmocka_unit_test(test_line_truncation),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_exhausted_field_view),
		cmocka_unit_test(test_u8_u32),
		cmocka_unit_test(test_string_bounds),
		cmocka_unit_test(test_to_u64),
		cmocka_unit_test(test_view_helpers),
		cmocka_unit_test(test_sb_basics),
		cmocka_unit_test(test_sb_growth),
		cmocka_unit_test(test_sb_printf),
		cmocka_unit_test(test_sb_detach_and_cap),
		cmocka_unit_test(test_to_size),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
