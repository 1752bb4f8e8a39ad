/* test_win_sam.c — SAM F and V records (windows/sam.c) and FILETIME conversion.
 *
 * Records are laid out here byte by byte from the documented offsets, independently of
 * the parser: flags and RID from F, hash presence from the V entry lengths in both hash
 * formats, and every way a hostile record can point outside itself. */
#include "windows/sam.h"

#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* 2026-11-01T00:00:00Z as a FILETIME */
#define FT_2026 ((1793491200ull + 11644473600ull) * 10000000ull)

static void f_record(void **state)
{
	(void)state;
	uint8_t f[0x50] = { 0 };
	put64(f + 0x08, FT_2026);
	put64(f + 0x18, FT_2026 + 10000000ull * 60);
	put64(f + 0x20, 0x7FFFFFFFFFFFFFFFull);
	put32(f + 0x30, 1001);
	put16(f + 0x38, KW_ACB_NORMAL | KW_ACB_PWNOTREQ);
	put16(f + 0x40, 3);
	put16(f + 0x42, 42);
	kw_sam_f r;
	assert_int_equal(kw_sam_parse_f(f, sizeof f, &r), 0);
	assert_int_equal(r.rid, 1001);
	assert_int_equal(r.acb, KW_ACB_NORMAL | KW_ACB_PWNOTREQ);
	assert_int_equal(r.failed, 3);
	assert_int_equal(r.logons, 42);
	assert_int_equal(r.last_logon, 1793491200);
	assert_int_equal(r.pw_last_set, 1793491260);
	assert_int_equal(r.expires, 0); /* "never" */
	/* one byte short of the logon count */
	assert_int_equal(kw_sam_parse_f(f, 0x43, &r), KW_E_PARSE);
	assert_int_equal(kw_sam_parse_f(f, 0, &r), KW_E_PARSE);
}

static void filetime(void **state)
{
	(void)state;
	assert_int_equal(kw_filetime_to_unix(0), 0);
	assert_int_equal(kw_filetime_to_unix(116444736000000000ull), 0); /* the epoch itself */
	assert_int_equal(kw_filetime_to_unix(116444736000000000ull + 10000000ull), 1);
	assert_int_equal(kw_filetime_to_unix(1), 0);                      /* before 1970 */
	assert_int_equal(kw_filetime_to_unix(0x7FFFFFFFFFFFFFFFull), 0);
	assert_int_equal(kw_filetime_to_unix(UINT64_MAX), 0);
}

/* a V record: the 0xCC table, then name, LM entry and NT entry of the given lengths */
static size_t v_record(uint8_t *v, size_t cap, uint32_t lm_len, uint32_t nt_len)
{
	memset(v, 0, cap);
	uint32_t off = 0;
	put32(v + 0x0C, off);
	put32(v + 0x10, 10);           /* "admin" in UTF-16 */
	off += 12;
	put32(v + 0x9C, off);
	put32(v + 0xA0, lm_len);
	off += (lm_len + 3) & ~3u;
	put32(v + 0xA8, off);
	put32(v + 0xAC, nt_len);
	off += nt_len;
	/* the hash bytes: a marker the parser must never need */
	memset(v + 0xCC + off - nt_len, 0xA5, nt_len);
	return 0xCC + off;
}

static void v_hash_formats(void **state)
{
	(void)state;
	uint8_t v[512];
	kw_sam_v r;
	static const struct { uint32_t nt; bool has; } cases[] = {
		{ 56, true },   /* AES: header and hash */
		{ 24, false },  /* AES: header only */
		{ 20, true },   /* RC4: header and hash */
		{ 4, false },   /* RC4: header only */
		{ 0, false },   /* no entry at all */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = v_record(v, sizeof v, 4, cases[i].nt);
		assert_int_equal(kw_sam_parse_v(v, len, &r), 0);
		assert_int_equal(r.has_nt, cases[i].has);
		assert_int_equal(r.nt_len, cases[i].nt);
		assert_false(r.has_lm);
	}
	size_t len = v_record(v, sizeof v, 20, 56);
	assert_int_equal(kw_sam_parse_v(v, len, &r), 0);
	assert_true(r.has_lm);
	assert_true(r.has_nt);
}

static void v_hostile(void **state)
{
	(void)state;
	uint8_t v[512];
	kw_sam_v r;
	size_t len = v_record(v, sizeof v, 4, 56);
	/* the record cut one byte before the NT hash ends */
	assert_int_equal(kw_sam_parse_v(v, len - 1, &r), KW_E_PARSE);
	/* shorter than the table */
	assert_int_equal(kw_sam_parse_v(v, 0xCB, &r), KW_E_PARSE);
	/* an offset that wraps around 32 bits */
	put32(v + 0xA8, 0xFFFFFFF0u);
	assert_int_equal(kw_sam_parse_v(v, len, &r), KW_E_PARSE);
	/* a length far past the end */
	len = v_record(v, sizeof v, 4, 56);
	put32(v + 0xA0, 0x7FFFFFFFu);
	assert_int_equal(kw_sam_parse_v(v, len, &r), KW_E_PARSE);
	/* a table with no entries at all: nothing present, not an error */
	memset(v, 0, 0xCC);
	assert_int_equal(kw_sam_parse_v(v, 0xCC, &r), 0);
	assert_false(r.has_nt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(f_record),
		cmocka_unit_test(filetime),
		cmocka_unit_test(v_hash_formats),
		cmocka_unit_test(v_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
