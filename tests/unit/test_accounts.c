/* test_accounts.c — cmocka tests for src/collect/accounts.c (passwd, shadow, group,
 * login.defs, password field classification).
 *
 * Owned by the "parsers" module. Hashes come from real tools (openssl passwd, mkpasswd,
 * python3 crypt), stored in tests/data/accounts/hashes.txt; the account files there mix
 * real-world lines with malformed ones whose line numbers the tests check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/err.h"
#include "collect/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA KW_TEST_DATA "/accounts/"

static kw_pw_info classify(const char *s)
{
	kw_pw_info pi;
	memset(&pi, 0xa5, sizeof pi);
	kw_pw_classify(kw_buf_view(s, strlen(s)), &pi);
	return pi;
}

/* The diagnostic for a line, or NULL. */
/* ---- classification ---- */

static void test_real_hashes(void **state)
{
	(void)state;
	size_t len;
	char *text = (char *)kwt_read_file(DATA "hashes.txt", &len);
	unsigned count = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char name[64], scheme[32], hash[256];
		assert_int_equal(sscanf(line, "%63s %31s %255s", name, scheme, hash), 3);

		kw_pw_info pi = classify(hash);
		if (pi.state != KW_PW_HASH || strcmp(kw_hash_scheme_name(pi.scheme), scheme) != 0)
			fail_msg("%s: got %s/%s, want hash/%s", name, kw_pw_state_name(pi.state),
				 kw_hash_scheme_name(pi.scheme), scheme);

		/* usermod -L / passwd -l put a '!' in front: locked, the scheme still known */
		char locked[260];
		snprintf(locked, sizeof locked, "!%s", hash);
		pi = classify(locked);
		assert_int_equal(pi.state, KW_PW_LOCKED);
		assert_string_equal(kw_hash_scheme_name(pi.scheme), scheme);
		snprintf(locked, sizeof locked, "!!%s", hash);
		assert_int_equal(classify(locked).state, KW_PW_LOCKED);
		/* '*' in front is never a usable password */
		snprintf(locked, sizeof locked, "*%s", hash);
		assert_int_equal(classify(locked).state, KW_PW_NOLOGIN);

		if (strcmp(scheme, "unknown") != 0) {
			/* every known scheme has a fixed-length final hash: one byte less or more,
			 * or a byte outside the alphabet, cannot be crypt output */
			size_t n = strlen(hash);
			char bad[260];
			memcpy(bad, hash, n - 1);
			bad[n - 1] = '\0';
			if (classify(bad).state != KW_PW_INVALID)
				fail_msg("%s: truncated hash not invalid", name);
			snprintf(bad, sizeof bad, "%sA", hash);
			if (classify(bad).state != KW_PW_INVALID)
				fail_msg("%s: extended hash not invalid", name);
			snprintf(bad, sizeof bad, "%s", hash);
			bad[n - 2] = '-';
			if (classify(bad).state != KW_PW_INVALID)
				fail_msg("%s: hash with '-' not invalid", name);
		}
		count++;
	}
	assert_true(count >= 25);
	free(text);
}

static void test_states(void **state)
{
	(void)state;
	static const struct {
		const char *field;
		kw_pw_state st;
		kw_hash_scheme sc;
	} cases[] = {
		{ "", KW_PW_EMPTY, KW_HASH_NONE },
		{ "x", KW_PW_SHADOWED, KW_HASH_NONE },
		{ "!", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "!!", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "*", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "!*", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "*LK*", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "*LOCK*", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "*NP*", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "!*disabled by admin", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "!not a hash", KW_PW_NOLOGIN, KW_HASH_NONE },
		{ "X", KW_PW_INVALID, KW_HASH_NONE },
		{ "xx", KW_PW_INVALID, KW_HASH_NONE },
		{ "not-a-hash", KW_PW_INVALID, KW_HASH_NONE },
		{ "$6$", KW_PW_INVALID, KW_HASH_NONE },
		{ "$6$salt$short", KW_PW_INVALID, KW_HASH_NONE },
		/* 17-char salt: sha512crypt never writes one */
		{ "$6$abcdefghijklmnopq$jtHV.ZbW5kDuRmzrGh0fK/.nsbtK2/y0lo.6jTeDJMd9zXLOHeaCFWH.c3Dg6DxJ9MM8I0pyEdwzOSBXIi1Xc/",
		  KW_PW_INVALID, KW_HASH_NONE },
		/* 9-char md5crypt salt */
		{ "$1$abcdefghi$u6uR4uHfew1lG2sCMlE3x0", KW_PW_INVALID, KW_HASH_NONE },
		/* bcrypt cost out of range */
		{ "$2b$03$zqfMYvCxtlHh.XPcEbRv/.FeBA329wmNIDbhK4N1KgKytHZhIz24W", KW_PW_INVALID, KW_HASH_NONE },
		{ "$2b$32$zqfMYvCxtlHh.XPcEbRv/.FeBA329wmNIDbhK4N1KgKytHZhIz24W", KW_PW_INVALID, KW_HASH_NONE },
		{ "$2c$05$zqfMYvCxtlHh.XPcEbRv/.FeBA329wmNIDbhK4N1KgKytHZhIz24W", KW_PW_HASH, KW_HASH_UNKNOWN },
		/* NT hash digits must be lowercase hex */
		{ "$3$$878D8014606CDA29677A44EFA1353FC7", KW_PW_INVALID, KW_HASH_NONE },
		{ "$3$$878d8014606cda29677a44efa1353fc", KW_PW_INVALID, KW_HASH_NONE },
		/* DES: 13 chars of [./0-9A-Za-z] exactly */
		{ "L03qRxQ7teItw", KW_PW_HASH, KW_HASH_DES },
		{ "L03qRxQ7te-tw", KW_PW_INVALID, KW_HASH_NONE },
		{ "_J9..40Upt7m3SiAffeg", KW_PW_HASH, KW_HASH_BSDI },
		{ "_J9..40Upt7m3SiAffe", KW_PW_INVALID, KW_HASH_NONE },
		/* unknown $id$ shaped like crypt output */
		{ "$apr1$abcdefgh$ijklmnopqrstuvwxyz0123", KW_PW_HASH, KW_HASH_UNKNOWN },
		{ "!$apr1$abcdefgh$ijklmnopqrstuvwxyz0123", KW_PW_LOCKED, KW_HASH_UNKNOWN },
		{ "$apr1$abc", KW_PW_INVALID, KW_HASH_NONE },
		{ "$APR1$abcdefgh$ijklmnopqrstuvwxyz0123", KW_PW_INVALID, KW_HASH_NONE },
		{ "$$abcdefgh$ijklmnopqrstuvwxyz0123", KW_PW_INVALID, KW_HASH_NONE },
		{ "$9$abcdefgh$ijklmnopqrstuvwxyz012$", KW_PW_INVALID, KW_HASH_NONE },
		/* blanks are not part of crypt output */
		{ " L03qRxQ7teItw", KW_PW_INVALID, KW_HASH_NONE },
		{ "L03qRxQ7teItw ", KW_PW_INVALID, KW_HASH_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_pw_info pi = classify(cases[i].field);
		if (pi.state != cases[i].st || pi.scheme != cases[i].sc)
			fail_msg("case %zu: got %s/%s want %s/%s", i, kw_pw_state_name(pi.state),
				 kw_hash_scheme_name(pi.scheme), kw_pw_state_name(cases[i].st),
				 kw_hash_scheme_name(cases[i].sc));
	}
	/* a NUL byte inside the field */
	kw_pw_info pi;
	kw_pw_classify(kw_buf_view("L03qRxQ7te\0tw", 13), &pi);
	assert_int_equal(pi.state, KW_PW_INVALID);
}

static void test_names_and_weak(void **state)
{
	(void)state;
	assert_string_equal(kw_hash_scheme_name(KW_HASH_DES), "DES");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_BSDI), "BSDi");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_MD5), "md5crypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_BCRYPT), "bcrypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_SHA256), "sha256crypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_SHA512), "sha512crypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_YESCRYPT), "yescrypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_GOST_YESCRYPT), "gost-yescrypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_SCRYPT), "scrypt");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_SUNMD5), "SunMD5");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_NTHASH), "NT-hash");
	assert_string_equal(kw_hash_scheme_name(KW_HASH_UNKNOWN), "unknown");
	assert_string_equal(kw_hash_scheme_name((kw_hash_scheme)999), "unknown");
	assert_string_equal(kw_pw_state_name(KW_PW_EMPTY), "empty");
	assert_string_equal(kw_pw_state_name(KW_PW_HASH), "hash");
	assert_string_equal(kw_pw_state_name(KW_PW_LOCKED), "locked");
	assert_string_equal(kw_pw_state_name(KW_PW_NOLOGIN), "nologin");
	assert_string_equal(kw_pw_state_name(KW_PW_SHADOWED), "shadowed");
	assert_string_equal(kw_pw_state_name(KW_PW_INVALID), "invalid");

	assert_true(kw_hash_scheme_weak(KW_HASH_DES));
	assert_true(kw_hash_scheme_weak(KW_HASH_BSDI));
	assert_true(kw_hash_scheme_weak(KW_HASH_MD5));
	assert_true(kw_hash_scheme_weak(KW_HASH_NTHASH));
	assert_true(kw_hash_scheme_weak(KW_HASH_SUNMD5));
	assert_false(kw_hash_scheme_weak(KW_HASH_SHA512));
	assert_false(kw_hash_scheme_weak(KW_HASH_SHA256));
	assert_false(kw_hash_scheme_weak(KW_HASH_YESCRYPT));
	assert_false(kw_hash_scheme_weak(KW_HASH_BCRYPT));
	assert_false(kw_hash_scheme_weak(KW_HASH_SCRYPT));
	assert_false(kw_hash_scheme_weak(KW_HASH_GOST_YESCRYPT));
	assert_false(kw_hash_scheme_weak(KW_HASH_UNKNOWN));
}

/* ---- passwd ---- */

static void check_passwd_fixture(const kw_passwd_db *db, const kw_diags *d, const char *file)
{
	static const char *const names[] = { "root", "daemon", "bin", "sys", "nobody", "_apt",
					     "systemd-network", "debian", "toor", "legacy", "nopw",
					     "indented", "short", "toolong", "maxid", "last" };
	assert_int_equal(db->n, sizeof names / sizeof names[0]);
	for (size_t i = 0; i < db->n; i++)
		assert_string_equal(db->v[i].name, names[i]);
	assert_int_equal(db->nis_lines, 3);

	const kw_passwd_ent *e = kw_passwd_find(db, "root");
	assert_non_null(e);
	assert_int_equal(e->uid, 0);
	assert_int_equal(e->pw.state, KW_PW_SHADOWED);
	assert_string_equal(e->home, "/root");
	assert_string_equal(e->shell, "/bin/bash");
	assert_int_equal(e->line, 1);

	e = kw_passwd_find(db, "toor");
	assert_non_null(e);
	assert_int_equal(e->uid, 0);
	assert_string_equal(e->gecos, "backdoor root");

	e = kw_passwd_find(db, "legacy");
	assert_int_equal(e->pw.state, KW_PW_HASH);
	assert_int_equal(e->pw.scheme, KW_HASH_DES);
	assert_int_equal(kw_passwd_find(db, "nopw")->pw.state, KW_PW_EMPTY);
	assert_int_equal(kw_passwd_find(db, "nobody")->uid, 65534);
	assert_string_equal(kw_passwd_find(db, "_apt")->gecos, "");
	assert_int_equal(kw_passwd_find(db, "indented")->line, 14);
	e = kw_passwd_find(db, "maxid");
	assert_int_equal(e->uid, 4294967294u);
	assert_int_equal(e->gid, 4294967294u);
	e = kw_passwd_find(db, "last");
	assert_int_equal(e->line, 26);
	assert_string_equal(e->shell, "/bin/zsh"); /* no final newline, no '\r' */
	/* glibc reads lines with 4-6 fields (the rest empty) and lines with extra colons
	 * (the shell takes the rest): recorded the same way, with a diagnostic */
	e = kw_passwd_find(db, "short");
	assert_non_null(e);
	assert_string_equal(e->gecos, "/home/short");
	assert_string_equal(e->home, "/bin/sh");
	assert_string_equal(e->shell, "");
	e = kw_passwd_find(db, "toolong");
	assert_non_null(e);
	assert_string_equal(e->home, "/home/toolong");
	assert_string_equal(e->shell, "/bin/sh:extra");
	assert_null(kw_passwd_find(db, "badid"));
	assert_null(kw_passwd_find(db, "neguid"));
	assert_null(kw_passwd_find(db, "bigid"));
	assert_null(kw_passwd_find(db, "emptyuid"));
	assert_null(kw_passwd_find(db, "+@netadmins"));
	assert_null(kw_passwd_find(db, ""));

	/* one diagnostic per malformed line, with file and line, nothing else */
	static const unsigned bad[] = { 18, 19, 20, 21, 22, 24, 25 };
	assert_int_equal(d->n, sizeof bad / sizeof bad[0]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const kw_diag *g = kwt_diag_at(d, bad[i]);
		if (!g)
			fail_msg("no diagnostic for line %u", bad[i]);
		assert_string_equal(g->file, file);
		assert_int_equal(g->err, KW_E_PARSE);
		assert_false(g->fatal);
	}
	assert_non_null(strstr(kwt_diag_at(d, 18)->msg, "expected 7"));
	assert_non_null(strstr(kwt_diag_at(d, 18)->msg, "found 6"));
	assert_non_null(strstr(kwt_diag_at(d, 18)->msg, "recorded"));
	assert_non_null(strstr(kwt_diag_at(d, 19)->msg, "found 8"));
	assert_non_null(strstr(kwt_diag_at(d, 20)->msg, "uid"));
	assert_non_null(strstr(kwt_diag_at(d, 22)->msg, "uid"));
	assert_non_null(strstr(kwt_diag_at(d, 24)->msg, "empty user name"));
}

static void test_passwd_fixture(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "passwd", &len);
	assert_int_not_equal(data[len - 1], '\n');
	kw_passwd_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_passwd_parse("/etc/passwd", data, len, &db, &d), 0);
	check_passwd_fixture(&db, &d, "/etc/passwd");
	kw_passwd_db_release(&db);
	assert_null(db.v);
	kw_diags_release(&d);
	free(data);
}

static void test_passwd_crlf(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "passwd", &len);
	uint8_t *crlf = malloc(len * 2 + 2);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = data[i];
	}
	crlf[n++] = '\r';
	crlf[n++] = '\n';
	kw_passwd_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_passwd_parse("passwd", crlf, n, &db, &d), 0);
	check_passwd_fixture(&db, &d, "passwd");
	kw_passwd_db_release(&db);
	kw_diags_release(&d);
	free(crlf);
	free(data);
}

static void test_passwd_nul_and_huge(void **state)
{
	(void)state;
	/* line 2 holds a NUL byte, line 3 is 70,000 bytes, line 4 is fine */
	size_t huge = 70000;
	const char head[] = "a:x:1:1::/:/bin/sh\nb:x:2:2:\0:/:/bin/sh\n";
	const char tail[] = "\nc:x:3:3::/:/bin/sh\n";
	size_t n = sizeof head - 1 + huge + sizeof tail - 1;
	uint8_t *buf = malloc(n);
	memcpy(buf, head, sizeof head - 1);
	memset(buf + sizeof head - 1, 'z', huge);
	memcpy(buf + sizeof head - 1, "zz:x:9:9::/:", 12);
	memcpy(buf + sizeof head - 1 + huge, tail, sizeof tail - 1);

	kw_passwd_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_passwd_parse("p", buf, n, &db, &d), 0);
	assert_int_equal(db.n, 2);
	assert_string_equal(db.v[0].name, "a");
	assert_string_equal(db.v[1].name, "c");
	assert_int_equal(db.v[1].line, 4);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].msg, "NUL"));
	assert_int_equal(d.v[1].line, 3);
	assert_int_equal(d.v[1].err, KW_E_TOOBIG);
	kw_passwd_db_release(&db);
	kw_diags_release(&d);
	free(buf);
}

static void test_passwd_empty_and_null(void **state)
{
	(void)state;
	kw_passwd_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_passwd_parse("p", NULL, 0, &db, &d), 0);
	assert_int_equal(db.n, 0);
	assert_int_equal(d.n, 0);
	kw_passwd_db_release(&db);
	assert_int_equal(kw_passwd_parse("p", (const uint8_t *)"\n\n  \n", 5, &db, NULL), 0);
	assert_int_equal(db.n, 0);
	kw_passwd_db_release(&db);
	/* diagnostics are optional */
	assert_int_equal(kw_passwd_parse("p", (const uint8_t *)"bad\nok:x:1:1::/:\n", 17, &db, NULL), 0);
	assert_int_equal(db.n, 1);
	kw_passwd_db_release(&db);
	/* numbers as strtoul reads them: leading blanks and '+' */
	const char *t = "a:x: 5:+6::/:\nb:x:5 :6::/:\nc:x:0x5:6::/:\nd:x:5:6\ne:x:5\n";
	kw_diags d2 = { 0 };
	assert_int_equal(kw_passwd_parse("p", (const uint8_t *)t, strlen(t), &db, &d2), 0);
	assert_int_equal(db.n, 2);
	assert_int_equal(db.v[0].uid, 5);
	assert_int_equal(db.v[0].gid, 6);
	assert_string_equal(db.v[1].name, "d");
	assert_string_equal(db.v[1].shell, "");
	assert_int_equal(d2.n, 4); /* b, c: bad uid; d: 4 fields (kept); e: 3 fields */
	kw_passwd_db_release(&db);
	kw_diags_release(&d2);
	kw_passwd_db_release(NULL);
}

static void test_passwd_duplicates(void **state)
{
	(void)state;
	const char *t = "dup:x:1:1::/a:/bin/sh\ndup:x:2:2::/b:/bin/sh\n";
	kw_passwd_db db;
	assert_int_equal(kw_passwd_parse("p", (const uint8_t *)t, strlen(t), &db, NULL), 0);
	assert_int_equal(db.n, 2);
	/* like getpwnam(): the first wins */
	assert_int_equal(kw_passwd_find(&db, "dup")->uid, 1);
	kw_passwd_db_release(&db);
}

static void test_line_cap(void **state)
{
	(void)state;
	size_t n = 1000000 + 10;
	uint8_t *buf = malloc(n + 32);
	memset(buf, '\n', n);
	memcpy(buf + n, "late:x:1:1::/:/bin/sh\n", 22);
	kw_passwd_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_passwd_parse("p", buf, n + 22, &db, &d), 0);
	assert_int_equal(db.n, 0);
	assert_int_equal(d.n, 1);
	assert_true(d.v[0].fatal);
	assert_int_equal(d.v[0].err, KW_E_TOOBIG);
	assert_true(kw_diags_any_fatal(&d));
	kw_passwd_db_release(&db);
	kw_diags_release(&d);
	free(buf);
}

/* ---- shadow ---- */

static void test_shadow_fixture(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "shadow", &len);
	kw_shadow_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_shadow_parse("/etc/shadow", data, len, &db, &d), 0);
	assert_int_equal(db.n, 19);

	static const struct {
		const char *name;
		kw_pw_state st;
		kw_hash_scheme sc;
		int64_t lastchg, expire;
	} want[] = {
		{ "root", KW_PW_HASH, KW_HASH_YESCRYPT, 19700, -1 },
		{ "daemon", KW_PW_NOLOGIN, KW_HASH_NONE, 19700, -1 },
		{ "systemd-network", KW_PW_NOLOGIN, KW_HASH_NONE, 19700, -1 },
		{ "debian", KW_PW_LOCKED, KW_HASH_SHA512, 19701, -1 },
		{ "toor", KW_PW_HASH, KW_HASH_MD5, 0, -1 },
		{ "nopw", KW_PW_EMPTY, KW_HASH_NONE, 19702, -1 },
		{ "rhel", KW_PW_NOLOGIN, KW_HASH_NONE, 19703, -1 },
		{ "solaris", KW_PW_NOLOGIN, KW_HASH_NONE, -1, -1 },
		{ "waagent", KW_PW_NOLOGIN, KW_HASH_NONE, 14600, -1 },
		{ "np", KW_PW_NOLOGIN, KW_HASH_NONE, -1, -1 },
		{ "bang", KW_PW_NOLOGIN, KW_HASH_NONE, 19704, -1 },
		{ "garbage", KW_PW_INVALID, KW_HASH_NONE, 19705, -1 },
		{ "expired", KW_PW_HASH, KW_HASH_SHA512, 19000, 1 },
		{ "oldform", KW_PW_HASH, KW_HASH_DES, -1, -1 },
		{ "eight", KW_PW_NOLOGIN, KW_HASH_NONE, 19706, -1 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const kw_shadow_ent *e = kw_shadow_find(&db, want[i].name);
		if (!e)
			fail_msg("%s missing", want[i].name);
		if (e->pw.state != want[i].st || e->pw.scheme != want[i].sc ||
		    e->lastchg != want[i].lastchg || e->expire != want[i].expire)
			fail_msg("%s: %s/%s %lld %lld", want[i].name, kw_pw_state_name(e->pw.state),
				 kw_hash_scheme_name(e->pw.scheme), (long long)e->lastchg,
				 (long long)e->expire);
	}
	assert_int_equal(kw_shadow_find(&db, "toor")->line, 9);
	assert_null(kw_shadow_find(&db, "+nisuser"));
	assert_null(kw_shadow_find(&db, "badnum"));
	assert_null(kw_shadow_find(&db, "toomany"));
	assert_null(kw_shadow_find(&db, "one"));

	static const unsigned bad[] = { 21, 22, 23, 24 };
	assert_int_equal(d.n, 4);
	for (size_t i = 0; i < 4; i++) {
		const kw_diag *g = kwt_diag_at(&d, bad[i]);
		if (!g)
			fail_msg("no diagnostic for line %u", bad[i]);
		assert_string_equal(g->file, "/etc/shadow");
	}
	assert_non_null(strstr(kwt_diag_at(&d, 21)->msg, "number"));
	assert_non_null(strstr(kwt_diag_at(&d, 22)->msg, "found 10"));
	assert_non_null(strstr(kwt_diag_at(&d, 24)->msg, "found 1"));
	kw_shadow_db_release(&db);
	kw_diags_release(&d);
	free(data);
}

static void test_shadow_diag_has_no_secret(void **state)
{
	(void)state;
	/* malformed lines carrying hashes: the diagnostics must not quote them */
	const char *t = "a:$6$p.QFybM6fz5BC8ty$x2T8HQvQART0ej6aY1LidUVq0U/Z9zdUvJSrpbnF.B.Ze4dfIAd/"
			"IWFCCiojzfIU5q4WnVyyTxsj67vQa79t91:x:0:99999:7:::\n"
			"b:$1$Zef/VNh9$fFcf.ErRfTy71q9a/dH5y0:1:2:3:4:5:6:7:8:9\n"
			"legacy:8rwlsvx7gcJLM:x:1:1::/:/bin/sh\n";
	kw_shadow_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_shadow_parse("s", (const uint8_t *)t, strlen(t), &db, &d), 0);
	assert_int_equal(db.n, 0);
	assert_int_equal(d.n, 3);
	kw_passwd_db pdb;
	assert_int_equal(kw_passwd_parse("p", (const uint8_t *)t, strlen(t), &pdb, &d), 0);
	assert_int_equal(pdb.n, 1); /* "b" has 11 fields: read as glibc would, with a hash */
	assert_int_equal(pdb.v[0].pw.state, KW_PW_HASH);
	assert_int_equal(pdb.v[0].pw.scheme, KW_HASH_MD5);
	assert_int_equal(d.n, 6);
	for (size_t i = 0; i < d.n; i++) {
		assert_null(strchr(d.v[i].msg, '$'));
		assert_null(strstr(d.v[i].msg, "8rwlsvx7gcJLM"));
		assert_null(strstr(d.v[i].msg, "Zef/VNh9"));
	}
	kw_shadow_db_release(&db);
	kw_passwd_db_release(&pdb);
	kw_diags_release(&d);
}

/* ---- group ---- */

static void test_group_fixture(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = kwt_read_file(DATA "group", &len);
	kw_group_db db;
	kw_diags d = { 0 };
	assert_int_equal(kw_group_parse("/etc/group", data, len, &db, &d), 0);
	assert_int_equal(db.n, 9);

	const kw_group_ent *g = kw_group_find(&db, "sudo");
	assert_non_null(g);
	assert_int_equal(g->gid, 27);
	assert_int_equal(g->n_members, 2);
	assert_string_equal(g->members[0], "debian");
	assert_string_equal(g->members[1], "toor");
	assert_null(g->members[2]);
	assert_int_equal(g->line, 4);

	g = kw_group_find(&db, "wheel"); /* ",alice,,bob," */
	assert_int_equal(g->n_members, 2);
	assert_string_equal(g->members[0], "alice");
	assert_string_equal(g->members[1], "bob");
	assert_null(g->members[2]);

	g = kw_group_find(&db, "root");
	assert_int_equal(g->n_members, 0);
	assert_non_null(g->members);
	assert_null(g->members[0]);

	assert_ptr_equal(kw_group_find_gid(&db, 0), kw_group_find(&db, "root"));
	assert_string_equal(kw_group_find_gid(&db, 65534)->name, "nogroup");
	assert_null(kw_group_find_gid(&db, 12345));
	assert_null(kw_group_find(&db, "badgid"));
	g = kw_group_find(&db, "three"); /* 3 fields: glibc reads it, without members */
	assert_non_null(g);
	assert_int_equal(g->gid, 5);
	assert_int_equal(g->n_members, 0);
	assert_null(g->members[0]);

	assert_int_equal(d.n, 3);
	assert_non_null(kwt_diag_at(&d, 9));
	assert_non_null(kwt_diag_at(&d, 10));
	assert_non_null(kwt_diag_at(&d, 11));
	assert_non_null(strstr(kwt_diag_at(&d, 10)->msg, "expected 4"));
	kw_group_db_release(&db);
	kw_diags_release(&d);
	free(data);

	/* extra fields: the member list is the rest of the line, as glibc reads it */
	const char *t = "g:x:1:a,b:c\n";
	assert_int_equal(kw_group_parse("g", (const uint8_t *)t, strlen(t), &db, NULL), 0);
	assert_int_equal(db.n, 1);
	assert_int_equal(db.v[0].n_members, 2);
	assert_string_equal(db.v[0].members[1], "b:c");
	kw_group_db_release(&db);
}

/* ---- login.defs ---- */

static void test_logindefs(void **state)
{
	(void)state;
	kw_logindefs ld;
	memset(&ld, 0xff, sizeof ld);
	kw_logindefs_parse(NULL, 0, &ld);
	assert_int_equal(ld.uid_min, 1000);
	assert_int_equal(ld.uid_max, 60000);
	assert_int_equal(ld.sys_uid_min, 101);
	assert_int_equal(ld.sys_uid_max, 999);

	size_t len;
	uint8_t *data = kwt_read_file(DATA "login.defs", &len);
	kw_logindefs_parse(data, len, &ld);
	assert_int_equal(ld.uid_min, 2000);     /* decimal */
	assert_int_equal(ld.uid_max, 70000);    /* quoted */
	assert_int_equal(ld.sys_uid_min, 100);  /* 0x64 */
	assert_int_equal(ld.sys_uid_max, 999);  /* 01747 octal */
	free(data);

	data = kwt_read_file(DATA "login.defs.crlf", &len);
	kw_logindefs_parse(data, len, &ld);
	assert_int_equal(ld.uid_min, 500);      /* CRLF */
	assert_int_equal(ld.uid_max, 60000);    /* junk: default */
	assert_int_equal(ld.sys_uid_max, 999);  /* out of range: default */
	free(data);

	const char *t = "UID_MIN 1\n  UID_MIN\t3000  # later wins\nSYS_UID_MIN 0\n#UID_MAX 5\n";
	kw_logindefs_parse((const uint8_t *)t, strlen(t), &ld);
	/* the last UID_MIN line wins, and "3000  # later wins" is not a number: shadow-utils'
	 * getdef_ulong() then falls back to the default */
	assert_int_equal(ld.uid_min, 1000);
	assert_int_equal(ld.uid_max, 60000);
	assert_int_equal(ld.sys_uid_min, 0);
	t = "UID_MIN 1\nUID_MIN 3000\nUID_MAX\n";
	kw_logindefs_parse((const uint8_t *)t, strlen(t), &ld);
	assert_int_equal(ld.uid_min, 3000);
	assert_int_equal(ld.uid_max, 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_hashes),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_names_and_weak),
		cmocka_unit_test(test_passwd_fixture),
		cmocka_unit_test(test_passwd_crlf),
		cmocka_unit_test(test_passwd_nul_and_huge),
		cmocka_unit_test(test_passwd_empty_and_null),
		cmocka_unit_test(test_passwd_duplicates),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_shadow_fixture),
		cmocka_unit_test(test_shadow_diag_has_no_secret),
		cmocka_unit_test(test_group_fixture),
		cmocka_unit_test(test_logindefs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
