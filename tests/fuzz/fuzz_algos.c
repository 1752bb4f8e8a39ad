/* fuzz_algos.c — libFuzzer harness for src/sshd/algos.c. Owner: helper "algos".
 *
 * Byte 0 picks the target: 0-6 an algorithm kind (the rest is the value written after the
 * keyword: validate, assemble, resolve, then grade and Terrapin-check the result), 7 the
 * ratings-file parser (the rest is the file). Invariants checked: only the documented
 * return codes; a refusal always comes with a message, a success with a list whose names
 * are all supported (so assembling it again is a fixed point); nothing leaks. */
#include "base/err.h"
#include "sshd/algos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_code(int r)
{
	if (r != 0 && r != KW_E_PARSE && r != KW_E_TOOBIG && r != -ENOMEM)
		abort();
}

static void fuzz_list(kw_alg_kind kind, const char *value)
{
	char *err = NULL, *list = NULL, *again = NULL;
	int r = kw_algos_validate(kind, NULL, value, &err);
	check_code(r);
	if (r == KW_E_PARSE && !err)
		abort();
	free(err);
	err = NULL;

	r = kw_algos_assemble(kind, value, &list, &err);
	check_code(r);
	if (r == KW_E_PARSE && !err)
		abort();
	if (r == 0) {
		/* a non-empty assembled list is a plain list of supported names: a fixed point */
		if (*list) {
			if (kw_algos_assemble(kind, list, &again, NULL) != 0 || strcmp(again, list) != 0)
				abort();
			free(again);
			again = NULL;
		}
		kw_grade g;
		size_t idx;
		if (kw_ratings_builtin() &&
		    kw_ratings_worst(kw_ratings_builtin(), kind, list, "strict", &g, &idx) != 0)
			abort();
		const char *why = NULL;
		(void)kw_algos_terrapin_check(list, list, list, KW_STRICTKEX_FROM_LIST, &why);
		if (!why)
			abort();
	}
	free(list);
	free(err);
	list = err = NULL;

	r = kw_algos_resolve(kind, value, &list, &err);
	check_code(r);
	if (r == 0 && (!list || !*list))
		abort();   /* a global value never resolves to an empty list */
	free(list);
	free(err);
}

static void fuzz_ratings(const uint8_t *data, size_t size)
{
	kw_ratings *r = NULL;
	char *err = NULL;
	int e = kw_ratings_parse((const char *)data, size, &r, &err);
	if (e != 0 && e != KW_E_PARSE && e != KW_E_TOOBIG && e != -ENOMEM)
		abort();
	if (e == KW_E_PARSE && (!err || strncmp(err, "line ", 5) != 0))
		abort();
	free(err);
	if (e == 0) {
		static const char *const names[] = { "aes128-ctr", "ssh-rsa", "curve25519-sha256",
						     "hmac-sha1", "x", "" };
		for (int k = 0; k < KW_ALG__COUNT; k++)
			for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
				kw_grade g;
				const char *why = NULL;
				int q = kw_ratings_grade(r, (kw_alg_kind)k, names[i], "baseline", &g, &why);
				if (q == 0 && !why)
					abort();
				if (q != 0 && q != -ENOENT)
					abort();
			}
		kw_ratings_free(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	unsigned sel = data[0] % 8;
	if (sel == 7) {
		fuzz_ratings(data + 1, size - 1);
		return 0;
	}
	char *value = malloc(size);
	if (!value)
		return 0;
	memcpy(value, data + 1, size - 1);
	value[size - 1] = '\0';   /* a value is a C string: stops at the first NUL */
	fuzz_list((kw_alg_kind)sel, value);
	free(value);
	return 0;
}
