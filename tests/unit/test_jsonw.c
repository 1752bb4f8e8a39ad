/* test_jsonw.c — the streaming JSON writer (report/jsonw.c) against jansson as the
 * oracle: random documents written both ways must be the same bytes (indented as
 * JSON_INDENT(1), and compact as JSON_COMPACT), strings escaped as kw_escape then JSON,
 * errors sticky. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/escape.h"
#include "report/jsonw.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const samples[] = { "", "plain", "a\"b", "c\\d", "\x1b[31mred", "tab\there",
	"\xe2\x80\xae" "rtl", "caf\xc3\xa9", "bad\xff utf8", "new\nline", "<script>", "\x7f" };

/* Write one random value both ways; depth bounds the nesting. */
static json_t *gen(kw_jw *w, const char *key, int depth)
{
	unsigned k = (unsigned)(next() % (depth > 3 ? 5 : 7));
	switch (k) {
	case 0: {
		int64_t v = (int64_t)next() >> (next() % 64);
		kw_jw_int(w, key, v);
		return json_integer((json_int_t)v);
	}
	case 1: {
		uint64_t v = (next() >> (next() % 64)) & INT64_MAX;
		kw_jw_uint(w, key, v);
		return json_integer((json_int_t)v);
	}
	case 2: {
		const char *s = samples[next() % (sizeof samples / sizeof *samples)];
		kw_jw_strz(w, key, s);
		char *e = kw_escape_dup(s, strlen(s));
		json_t *j = json_string(e);
		free(e);
		return j;
	}
	case 3:
		kw_jw_bool(w, key, next() & 1);
		/* the writer's value is not known here: read it back from the text */
		return NULL;
	case 4:
		kw_jw_null(w, key);
		return json_null();
	case 5: {
		kw_jw_obj(w, key);
		json_t *o = json_object();
		unsigned n = (unsigned)(next() % 5);
		for (unsigned i = 0; i < n; i++) {
			char name[16];
			snprintf(name, sizeof name, "k%u", i);
			json_t *v = gen(w, name, depth + 1);
			json_object_set_new(o, name, v ? v : json_true());
		}
		kw_jw_end(w);
		return o;
	}
	default: {
		kw_jw_arr(w, key);
		json_t *a = json_array();
		unsigned n = (unsigned)(next() % 5);
		for (unsigned i = 0; i < n; i++) {
			json_t *v = gen(w, NULL, depth + 1);
			json_array_append_new(a, v ? v : json_true());
		}
		kw_jw_end(w);
		return a;
	}
	}
}

/* Booleans are random on the writer's side: make the oracle's agree by reading them out
 * of the writer's text in order (the only part not generated both ways). */
static void fix_bools(json_t *oracle, json_t *parsed)
{
	if (json_is_object(oracle)) {
		const char *k;
		json_t *v;
		json_object_foreach(oracle, k, v) {
			json_t *p = json_object_get(parsed, k);
			if (json_is_true(v) && json_is_boolean(p))
				json_object_set(oracle, k, p);
			else
				fix_bools(v, p);
		}
	} else if (json_is_array(oracle)) {
		for (size_t i = 0; i < json_array_size(oracle); i++) {
			json_t *v = json_array_get(oracle, i), *p = json_array_get(parsed, i);
			if (json_is_true(v) && json_is_boolean(p))
				json_array_set(oracle, i, p);
			else
				fix_bools(v, p);
		}
	}
}

static void compare(unsigned indent)
{
	for (int round = 0; round < 400; round++) {
		kw_jw w;
		kw_jw_init(&w, NULL, indent);
		json_t *o = json_object();
		kw_jw_obj(&w, NULL);
		unsigned n = 1 + (unsigned)(next() % 6);
		for (unsigned i = 0; i < n; i++) {
			char name[16];
			snprintf(name, sizeof name, "m%u", i);
			json_t *v = gen(&w, name, 0);
			json_object_set_new(o, name, v ? v : json_true());
		}
		kw_jw_end(&w);
		assert_int_equal(kw_jw_finish(&w), 0);
		json_error_t e;
		json_t *parsed = json_loads(w.sb.s, 0, &e);
		if (!parsed)
			fail_msg("not JSON (%s): %s", e.text, w.sb.s);
		fix_bools(o, parsed);
		size_t flags = JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) : JSON_COMPACT);
		char *want = json_dumps(o, flags);
		assert_non_null(want);
		if (strcmp(want, w.sb.s) != 0)
			fail_msg("round %d differs:\nwriter:\n%s\njansson:\n%s", round, w.sb.s, want);
		free(want);
		json_decref(parsed);
		json_decref(o);
		kw_sb_release(&w.sb);
	}
}

static void test_matches_jansson_indented(void **state)
{
	(void)state;
	compare(1);
	compare(3);
}

static void test_matches_jansson_compact(void **state)
{
	(void)state;
	compare(0);
}

static void test_string_escaping(void **state)
{
	(void)state;
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_json_str(&sb, "a\"b\\c\x01\x1b\xff", 8), 0);
	/* control bytes and invalid UTF-8 as kw_escape text, then quote and backslash */
	assert_string_equal(sb.s, "\"a\\\"b\\\\\\\\c\\\\x01\\\\x1b\\\\xff\"");
	for (size_t i = 0; i < sb.len; i++)
		assert_true((unsigned char)sb.s[i] >= 0x20 && (unsigned char)sb.s[i] < 0x7f);
	kw_sb_release(&sb);
}

static void test_errors(void **state)
{
	(void)state;
	kw_jw w;
	/* a container left open is the caller's bug, reported */
	kw_jw_init(&w, NULL, 1);
	kw_jw_obj(&w, NULL);
	assert_int_equal(kw_jw_finish(&w), -EINVAL);
	kw_sb_release(&w.sb);
	/* too deep: sticky, later calls do nothing */
	kw_jw_init(&w, NULL, 0);
	for (int i = 0; i < KW_JW_DEPTH + 3; i++)
		kw_jw_arr(&w, NULL);
	size_t len = w.sb.len;
	kw_jw_null(&w, NULL);
	assert_int_equal(w.sb.len, len);
	assert_int_equal(kw_jw_finish(&w), -E2BIG);
	kw_sb_release(&w.sb);
	/* a FILE that fails on write */
	FILE *full = fopen("/dev/full", "w");
	assert_non_null(full);
	kw_jw_init(&w, full, 1);
	kw_jw_arr(&w, NULL);
	for (int i = 0; i < 20000; i++)
		kw_jw_strz(&w, NULL, "0123456789");
	kw_jw_end(&w);
	assert_int_equal(kw_jw_finish(&w), -EIO);
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_jansson_indented),
		cmocka_unit_test(test_matches_jansson_compact),
		cmocka_unit_test(test_string_escaping),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
