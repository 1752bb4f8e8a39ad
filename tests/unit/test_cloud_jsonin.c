/* test_cloud_jsonin.c — bounded JSON loading, lenient getters and JSON pointers
 * (src/cloud/jsonin.c):
 *
 *  - limits: a text over max_bytes is refused before parsing, with the limit in the
 *    message; a tree over max_memory is refused with "--max-memory" in the message, and
 *    the counting allocator is back to where it was afterwards (nothing leaked, nothing
 *    half-counted); the same text parses under a larger budget;
 *  - hostile shapes: nesting 100,000 deep is a parse error (jansson's depth cap), not a
 *    crash; duplicate keys are refused; a \u0000 in a string is refused; a UTF-8 BOM is
 *    skipped; UTF-16 is named with the iconv command; the error names line and column;
 *  - files: a missing file, a folder, a file over the cap (size from fstat), stdin-like
 *    reading from a pipe over the cap;
 *  - getters: "" and null are absent, Priority as "1", 1, " 7 ", 1.0; wrong types are
 *    KW_E_PARSE (an object for a number, "high" for a number, 1.5, a number for a string);
 *    ranges are enforced; booleans as true and "TRUE"; Alibaba's {"X":{"x":[...]}}
 *    nesting and a bare array;
 *  - pointers: keys with '/' and '~' escaped per RFC 6901, indexes, the file prefix,
 *    deeper than KW_JPTR_MAX ends in "/...", a small buffer is cut with an ellipsis at a
 *    UTF-8 boundary and stays NUL-terminated;
 *  - kw_json_parse_each: documents one at a time with their index, a single document as
 *    SIZE_MAX, every malformed array named with its absolute line and column, and a
 *    2,000-document array read under a 4 MiB budget that the whole tree would exceed.
 */
#include "cloud/jsonin.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_limits(void **state)
{
	(void)state;
	/* 20,000 small objects: a tree far bigger than its text */
	size_t n = 20000;
	char *text = malloc(n * 16 + 16);
	assert_non_null(text);
	size_t len = 0;
	text[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s{\"a\":%zu}", i ? "," : "", i);
	text[len++] = ']';
	char msg[256];
	json_t *j = NULL;
	kw_json_limits small = { .max_bytes = 100, .max_memory = (size_t)1 << 30 };
	assert_int_equal(kw_json_parse(text, len, &small, &j, msg, sizeof msg), KW_E_TOOBIG);
	assert_null(j);
	assert_non_null(strstr(msg, "--max-input"));
	assert_non_null(strstr(msg, "100 bytes"));

	size_t before = kw_json_memory_in_use();
	kw_json_limits tight = { .max_bytes = (size_t)1 << 30, .max_memory = 64 << 10 };
	assert_int_equal(kw_json_parse(text, len, &tight, &j, msg, sizeof msg), KW_E_TOOBIG);
	assert_null(j);
	assert_non_null(strstr(msg, "--max-memory"));
	assert_int_equal(kw_json_memory_in_use(), before);

	assert_int_equal(kw_json_parse(text, len, NULL, &j, msg, sizeof msg), 0);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), n);
	assert_true(kw_json_memory_in_use() > before + (64 << 10));
	assert_true(kw_json_memory_peak() >= kw_json_memory_in_use());
	json_decref(j);
	assert_int_equal(kw_json_memory_in_use(), before);
	free(text);
}

static void test_hostile_shapes(void **state)
{
	(void)state;
	char msg[256];
	json_t *j = NULL;
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	assert_int_equal(kw_json_parse(deep, depth * 2, NULL, &j, msg, sizeof msg), KW_E_PARSE);
	assert_null(j);
	assert_non_null(strstr(msg, "line 1"));
	free(deep);

	const char dup[] = "{\"Priority\":\"1\",\"Priority\":\"100\"}";
	assert_int_equal(kw_json_parse(dup, strlen(dup), NULL, &j, msg, sizeof msg), KW_E_PARSE);
	assert_non_null(strstr(msg, "duplicate"));
	const char nul[] = "{\"GroupId\":\"sg-\\u0000x\"}";
	assert_int_equal(kw_json_parse(nul, strlen(nul), NULL, &j, msg, sizeof msg), KW_E_PARSE);
	const char bad[] = "{\n  \"a\": [1,\n  2,,]}";
	assert_int_equal(kw_json_parse(bad, strlen(bad), NULL, &j, msg, sizeof msg), KW_E_PARSE);
	assert_non_null(strstr(msg, "line 3"));

	const char bom[] = "\xef\xbb\xbf{\"a\":1}";
	assert_int_equal(kw_json_parse(bom, strlen(bom), NULL, &j, msg, sizeof msg), 0);
	assert_true(json_is_object(j));
	json_decref(j);
	const char u16[] = "\xff\xfe{\0\"\0";
	assert_int_equal(kw_json_parse(u16, 6, NULL, &j, msg, sizeof msg), KW_E_UNSUPPORTED);
	assert_non_null(strstr(msg, "iconv"));
	assert_int_equal(kw_json_parse("", 0, NULL, &j, msg, sizeof msg), KW_E_PARSE);
}

static void test_files(void **state)
{
	(void)state;
	char msg[256], dir[] = "/tmp/kw-jsonin-XXXXXX";
	json_t *j = NULL;
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/missing.json", dir);
	assert_int_equal(kw_json_load_file(path, NULL, &j, msg, sizeof msg), -ENOENT);
	assert_non_null(strstr(msg, "cannot open"));
	assert_int_equal(kw_json_load_file(dir, NULL, &j, msg, sizeof msg), KW_E_NOTREG);

	snprintf(path, sizeof path, "%s/big.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"SecurityGroups\":[", f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "%s{\"GroupId\":\"sg-%d\"}", i ? "," : "", i);
	fputs("]}", f);
	fclose(f);
	kw_json_limits lim = { .max_bytes = 1000, .max_memory = (size_t)1 << 30 };
	assert_int_equal(kw_json_load_file(path, &lim, &j, msg, sizeof msg), KW_E_TOOBIG);
	assert_non_null(strstr(msg, "larger than"));
	assert_int_equal(kw_json_load_file(path, NULL, &j, msg, sizeof msg), 0);
	assert_int_equal(json_array_size(json_object_get(j, "SecurityGroups")), 1000);
	json_decref(j);

	/* a pipe: no size up front, the cap still holds */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char buf[4096];
		memset(buf, ' ', sizeof buf);
		for (int i = 0; i < 64; i++)
			if (write(p[1], buf, sizeof buf) < 0)
				break;
		_exit(0);
	}
	close(p[1]);
	int saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	lim.max_bytes = 10000;
	assert_int_equal(kw_json_load_file("-", &lim, &j, msg, sizeof msg), KW_E_TOOBIG);
	dup2(saved, 0);
	close(saved);
	unlink(path);
	rmdir(dir);
}

static void test_getters(void **state)
{
	(void)state;
	json_error_t e;
	json_t *o = json_loads("{\"s\":\"x\",\"empty\":\"\",\"null\":null,\"n\":1,\"ns\":\" 7 \",\"neg\":\"-1\","
			       "\"real\":22.0,\"half\":1.5,\"word\":\"high\",\"obj\":{},\"t\":true,\"ts\":\"TRUE\","
			       "\"fs\":\"false\",\"arr\":[1],\"nest\":{\"Permission\":[1,2]},\"bare\":[3],"
			       "\"huge\":\"99999999999999999999999\"}", 0, &e);
	assert_non_null(o);
	const char *s = NULL;
	assert_int_equal(kw_jget_str(o, "s", &s), 1);
	assert_string_equal(s, "x");
	assert_int_equal(kw_jget_str(o, "empty", &s), 0);
	assert_int_equal(kw_jget_str(o, "null", &s), 0);
	assert_int_equal(kw_jget_str(o, "missing", &s), 0);
	assert_int_equal(kw_jget_str(o, "n", &s), KW_E_PARSE);
	assert_int_equal(kw_jget_str(NULL, "s", &s), 0);
	long long v = 0;
	assert_int_equal(kw_jget_int(o, "n", 1, 100, &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(kw_jget_int(o, "ns", 1, 100, &v), 1);
	assert_int_equal(v, 7);
	assert_int_equal(kw_jget_int(o, "neg", -1, 65535, &v), 1);
	assert_int_equal(v, -1);
	assert_int_equal(kw_jget_int(o, "neg", 0, 65535, &v), KW_E_PARSE);
	assert_int_equal(kw_jget_int(o, "real", 0, 65535, &v), 1);
	assert_int_equal(v, 22);
	assert_int_equal(kw_jget_int(o, "half", 0, 65535, &v), KW_E_PARSE);
	assert_int_equal(kw_jget_int(o, "word", 0, 65535, &v), KW_E_PARSE);
	assert_int_equal(kw_jget_int(o, "obj", 0, 65535, &v), KW_E_PARSE);
	assert_int_equal(kw_jget_int(o, "huge", 0, 65535, &v), KW_E_PARSE);
	assert_int_equal(kw_jget_int(o, "empty", 0, 65535, &v), 0);
	bool b = false;
	assert_int_equal(kw_jget_bool(o, "t", &b), 1);
	assert_true(b);
	assert_int_equal(kw_jget_bool(o, "ts", &b), 1);
	assert_true(b);
	assert_int_equal(kw_jget_bool(o, "fs", &b), 1);
	assert_false(b);
	assert_int_equal(kw_jget_bool(o, "n", &b), KW_E_PARSE);
	assert_int_equal(kw_jget_bool(o, "word", &b), KW_E_PARSE);
	json_t *a = NULL;
	assert_int_equal(kw_jget_array(o, "arr", &a), 1);
	assert_int_equal(kw_jget_array(o, "obj", &a), KW_E_PARSE);
	assert_int_equal(kw_jget_object(o, "obj", &a), 1);
	assert_int_equal(kw_jget_nested_array(o, "nest", "Permission", &a), 1);
	assert_int_equal(json_array_size(a), 2);
	assert_int_equal(kw_jget_nested_array(o, "bare", "Permission", &a), 1);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(kw_jget_nested_array(o, "obj", "Permission", &a), 0);
	assert_int_equal(kw_jget_nested_array(o, "s", "Permission", &a), KW_E_PARSE);
	json_decref(o);
}

static void test_pointers(void **state)
{
	(void)state;
	kw_jptr p = { 0 };
	char out[256];
	kw_jptr_key(&p, "SecurityGroups");
	kw_jptr_idx(&p, 0);
	kw_jptr_key(&p, "a/b~c");
	assert_int_equal(kw_jptr_format(&p, "sg.json", out, sizeof out), strlen("sg.json#/SecurityGroups/0/a~1b~0c"));
	assert_string_equal(out, "sg.json#/SecurityGroups/0/a~1b~0c");
	kw_jptr_pop(&p);
	kw_jptr_idx(&p, 12345);
	kw_jptr_format(&p, NULL, out, sizeof out);
	assert_string_equal(out, "#/SecurityGroups/0/12345");

	kw_jptr deep = { 0 };
	for (size_t i = 0; i < KW_JPTR_MAX + 5; i++)
		kw_jptr_idx(&deep, 1);
	kw_jptr_format(&deep, "f", out, sizeof out);
	assert_non_null(strstr(out, "/1/..."));
	for (size_t i = 0; i < 5; i++)
		kw_jptr_pop(&deep);
	kw_jptr_format(&deep, "f", out, sizeof out);
	assert_null(strstr(out, "..."));

	kw_jptr u = { 0 };
	kw_jptr_key(&u, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	char small[12];
	size_t n = kw_jptr_format(&u, "x", small, sizeof small);
	assert_int_equal(n, strlen(small));
	assert_true(n < sizeof small);
	assert_memory_equal(small + n - 3, "\xe2\x80\xa6", 3);
	/* the byte before the ellipsis ends a character */
	unsigned char last = (unsigned char)small[n - 4];
	assert_true(last < 0x80 || (last & 0xc0) == 0x80);
	if ((last & 0xc0) == 0x80)
		assert_int_equal((unsigned char)small[n - 5], 0xc3);
}

typedef struct seen {
	size_t n, last;
	size_t in_use_max;
} seen;

static int count_docs(void *ctx, size_t index, json_t *doc)
{
	seen *s = ctx;
	s->n++;
	s->last = index;
	assert_non_null(doc);
	if (kw_json_memory_in_use() > s->in_use_max)
		s->in_use_max = kw_json_memory_in_use();
	return 0;
}

/* kw_json_parse_each: one document at a time, errors placed in the whole text */
static void test_each(void **state)
{
	(void)state;
	char msg[256];
	seen s = { 0 };
	const char three[] = " [ {\"a\":1} ,\n[2], \"x\" ] \n";
	assert_int_equal(kw_json_parse_each(three, strlen(three), NULL, count_docs, &s, msg, sizeof msg), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.last, 2);
	memset(&s, 0, sizeof s);
	const char one[] = "{\"a\":[1,2]}";
	assert_int_equal(kw_json_parse_each(one, strlen(one), NULL, count_docs, &s, msg, sizeof msg), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last, SIZE_MAX);
	struct { const char *text, *want; } bad[] = {
		{ "[]", "an empty array" },
		{ "[{}, {}", "the array is not closed" },
		{ "[{} {}]", "',' or ']' expected" },
		{ "[{}]\n x", "line 2 column 2: data after the array" },
		{ "[{},\n {\"a\":}]", "element 1 (line 2 column 2)" },
		{ "[{\"k\":1,\"k\":2}]", "duplicate" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&s, 0, sizeof s);
		int rc = kw_json_parse_each(bad[i].text, strlen(bad[i].text), NULL, count_docs, &s, msg, sizeof msg);
		if (rc != KW_E_PARSE || !strstr(msg, bad[i].want))
			fail_msg("%s: rc %d, message \"%s\", want \"%s\"", bad[i].text, rc, msg, bad[i].want);
	}
	/* memory holds one document: 2,000 documents of ~40 KB each never add up */
	size_t docs = 2000, each = 2000;
	char *big = malloc(docs * (each * 12 + 16) + 16);
	size_t len = 0;
	big[len++] = '[';
	for (size_t d = 0; d < docs; d++) {
		len += (size_t)sprintf(big + len, "%s{\"v\":[", d ? "," : "");
		for (size_t k = 0; k < each; k++)
			len += (size_t)sprintf(big + len, "%s%zu", k ? "," : "", k);
		len += (size_t)sprintf(big + len, "]}");
	}
	big[len++] = ']';
	memset(&s, 0, sizeof s);
	size_t before = kw_json_memory_in_use();
	kw_json_limits lim = { .max_bytes = (size_t)1 << 30, .max_memory = 4 << 20 };
	assert_int_equal(kw_json_parse_each(big, len, &lim, count_docs, &s, msg, sizeof msg), 0);
	assert_int_equal(s.n, docs);
	assert_true(s.in_use_max - before < (4 << 20));
	json_t *whole = NULL;
	assert_int_equal(kw_json_parse(big, len, &lim, &whole, msg, sizeof msg), KW_E_TOOBIG);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile_shapes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
