/* test_profile.c — profiles: built-ins, includes, overrides, settings (keys scan's too),
 * and errors that name file:line. Include tests write small profile files into a fresh temp directory.
 * Owner: report/finding-model engineer. */
#include "base/cleanup.h"
#include "base/err.h"
#include "checks/profile.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

struct kw_builtin_data { const char *name; const char *text; size_t len; };
extern const struct kw_builtin_data kw_builtin_data[];

static const kw_check_def chk_nopasswd = { .id = "sudo.nopasswd", .severity = KW_SEV_HIGH, .title = "t" };
static const kw_check_def chk_history = { .id = "secrets.history", .severity = KW_SEV_MEDIUM, .title = "t" };
static const kw_check_def chk_other = { .id = "accounts.empty-password", .severity = KW_SEV_CRITICAL, .title = "t" };

/* ---- helpers ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/kw-test-profile-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *path_of(const char *name)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

static int parse(kw_profile *p, const char *text, kw_diags *d)
{
	kw_profile_init(p);
	return kw_profile_parse(p, "t.profile", NULL, text, strlen(text), d);
}

/* Is there a diagnostic at file:line whose message contains `needle`? */
static bool has_diag(const kw_diags *d, const char *file_suffix, unsigned line, const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const kw_diag *g = &d->v[i];
		size_t fl = g->file ? strlen(g->file) : 0, sl = strlen(file_suffix);
		if (!g->file || fl < sl || strcmp(g->file + fl - sl, file_suffix))
			continue;
		if (g->line == line && strstr(g->msg, needle))
			return true;
	}
	return false;
}

/* ---- built-ins ---- */

static void test_builtin_list_matches_embedded(void **state)
{
	(void)state;
	size_t n = 0;
	for (const char *const *b = kw_builtin_profiles; *b; b++, n++) {
		bool found = false;
		for (const struct kw_builtin_data *e = kw_builtin_data; e->name; e++)
			found |= !strcmp(e->name, *b);
		assert_true(found);
	}
	size_t m = 0;
	for (const struct kw_builtin_data *e = kw_builtin_data; e->name; e++)
		m++;
	assert_int_equal(n, m);
	assert_int_equal(n, 5);
}

/* The sshd profiles: thresholds and policy come through (later lines win over baseline's). */
static void test_builtin_thresholds(void **state)
{
	(void)state;
	static const kw_check_def rsa = { .id = "sshd.host-key-rsa-small" };
	static const kw_check_def tries = { .id = "sshd.max-auth-tries" };
	static const kw_check_def unset = { .id = "sshd.no-such-threshold" };
	static const struct { const char *name; const char *policy; int64_t rsa, tries; } want[] = {
		{ "baseline", "baseline", 3072, 4 },
		{ "paranoid", "strict", 4096, 4 },
		{ "strict", "strict", 4096, 3 },
		{ "mozilla-modern", "baseline", 3072, 4 },
		{ "cis-debian12", "baseline", 3072, 4 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		kw_profile p;
		kw_diags d = { 0 };
		kw_profile_init(&p);
		assert_int_equal(kw_profile_load(&p, want[i].name, &d), 0);
		assert_string_equal(p.sshd_policy, want[i].policy);
		assert_int_equal(kw_profile_threshold(&p, &rsa, 1), want[i].rsa);
		assert_int_equal(kw_profile_threshold(&p, &tries, 1), want[i].tries);
		assert_int_equal(kw_profile_threshold(&p, &unset, 77), 77);
		kw_profile_release(&p);
		kw_diags_release(&d);
	}
	/* a bad threshold is an error naming the line */
	kw_profile p;
	kw_diags d = { 0 };
	kw_profile_init(&p);
	static const char bad[] = "profile t\nthreshold sshd.max-auth-tries many\n";
	assert_int_equal(kw_profile_parse(&p, "t", NULL, bad, sizeof bad - 1, &d), KW_E_USAGE);
	assert_true(d.n >= 1);
	assert_int_equal(d.v[0].line, 2);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_builtin_baseline(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(kw_profile_load(&p, "baseline", &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(p.name, "baseline");
	assert_non_null(p.description);
	assert_non_null(strstr(p.description, "Preset logon credentials"));
	assert_int_equal(p.uid_min, 0);
	assert_int_equal(p.uid_max, 0);
	assert_int_equal(p.max_file_size, 16u << 20);
	assert_int_equal(p.deep_max_size, 64u << 20);
	assert_true(p.report_locked_hash);
	assert_true(kw_profile_enabled(&p, &chk_nopasswd));
	assert_int_equal(kw_profile_severity(&p, &chk_nopasswd), KW_SEV_HIGH);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_builtin_paranoid_includes_baseline(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(kw_profile_load(&p, "paranoid", &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(p.name, "paranoid");
	assert_non_null(strstr(p.description, "release blocker"));
	/* settings come from baseline through the include */
	assert_int_equal(p.max_file_size, 16u << 20);
	assert_int_equal(p.deep_max_size, 64u << 20);
	assert_true(p.report_locked_hash);
	/* paranoid's own overrides */
	assert_int_equal(kw_profile_severity(&p, &chk_nopasswd), KW_SEV_CRITICAL);
	assert_int_equal(kw_profile_severity(&p, &chk_history), KW_SEV_HIGH);
	assert_int_equal(kw_profile_severity(&p, &chk_other), KW_SEV_CRITICAL);
	assert_true(kw_profile_enabled(&p, &chk_other));
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_builtin_case_and_unknown(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	kw_profile_init(&p);
	p.uid_min = 4242; /* must stay untouched on failure */
	assert_int_equal(kw_profile_load(&p, "nosuch", &d), KW_E_USAGE);
	assert_int_equal(p.uid_min, 4242);
	assert_null(p.name);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "no built-in profile nosuch"));
	kw_diags_release(&d);

	/* a name that is really a path is read from disk */
	assert_int_equal(kw_profile_load(&p, "/nonexistent/x.profile", &d), -ENOENT);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, "/nonexistent/x.profile");
	kw_diags_release(&d);
}

/* ---- directives and overrides ---- */

static void test_overrides_later_wins(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(parse(&p,
		"# comment\n"
		"PROFILE mine   # trailing comment\n"
		"Description  My policy   \n"
		"disable sudo.nopasswd\n"
		"severity secrets.history low\n"
		"severity secrets.history CRITICAL\n"
		"disable accounts.empty-password\n"
		"enable accounts.empty-password\n"
		"\n"
		"\t  \n", &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(p.name, "mine");
	assert_string_equal(p.description, "My policy");
	assert_false(kw_profile_enabled(&p, &chk_nopasswd));
	assert_int_equal(kw_profile_severity(&p, &chk_nopasswd), KW_SEV_HIGH); /* no override */
	assert_int_equal(kw_profile_severity(&p, &chk_history), KW_SEV_CRITICAL);
	assert_true(kw_profile_enabled(&p, &chk_other));
	assert_int_equal(p.n_ov, 3); /* one entry per id */
	kw_profile_release(&p);
	assert_null(p.name);
	assert_int_equal(p.n_ov, 0);
}

static void test_no_profile_line_uses_given_name(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(parse(&p, "set uid-min 1000\r\nset uid-max 60000\r\n", &d), 0);
	assert_string_equal(p.name, "t.profile");
	assert_int_equal(p.uid_min, 1000);
	assert_int_equal(p.uid_max, 60000);
	kw_profile_release(&p);
}

static void test_settings_with_suffixes(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(parse(&p,
		"set max-file-size 1K\n"
		"set deep-max-size 3g\n"
		"set report-locked-hash NO\n"
		"set uid-min 4294967295\n", &d), 0);
	assert_int_equal(p.max_file_size, 1024);
	assert_int_equal(p.deep_max_size, (uint64_t)3 << 30);
	assert_false(p.report_locked_hash);
	assert_int_equal(p.uid_min, UINT32_MAX);
	kw_profile_release(&p);

	assert_int_equal(parse(&p, "set max-file-size 2M\nset deep-max-size 12345\n", &d), 0);
	assert_int_equal(p.max_file_size, 2u << 20);
	assert_int_equal(p.deep_max_size, 12345);
	kw_profile_release(&p);

	/* 0 restores the default */
	assert_int_equal(parse(&p, "set max-file-size 1K\nset max-file-size 0\n", &d), 0);
	assert_int_equal(p.max_file_size, 16u << 20);
	kw_profile_release(&p);

	/* the largest value that still fits, and one that does not */
	assert_int_equal(parse(&p, "set max-file-size 17179869183G\n", &d), 0);
	assert_int_equal(p.max_file_size, (uint64_t)17179869183 << 30);
	kw_profile_release(&p);
	assert_int_equal(d.n, 0);

	static const char *const bad[] = {
		"set max-file-size 17179869184G\n",
		"set max-file-size 99999999999999999999\n",
		"set max-file-size 5X\n",
		"set max-file-size K\n",
		"set max-file-size -1\n",
		"set max-file-size 1.5M\n",
		"set uid-min 4294967296\n",
		"set uid-max 1K\n",
		"set report-locked-hash maybe\n",
		"set no-such-setting 1\n",
		"set uid-min\n",
		"set uid-min 1 2\n",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(&p, bad[i], &d), KW_E_USAGE);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.v[0].file, "t.profile");
		assert_int_equal(d.v[0].line, 1);
		assert_int_equal(d.v[0].err, KW_E_USAGE);
		kw_diags_release(&d);
		kw_profile_release(&p);
	}
}

/* keys scan's settings: keys-rsa-min-bits (0 restores 2048) and keys-require-from; the
 * built-ins keep the defaults except strict and paranoid. */
static void test_keys_settings(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	kw_profile_init(&p);
	assert_int_equal(p.keys_rsa_min_bits, 2048);
	assert_int_equal(p.keys_require_from, KW_KEYS_FROM_NONE);
	kw_profile_release(&p);
	assert_int_equal(parse(&p, "set keys-rsa-min-bits 4096\nset keys-require-from ALL\n", &d), 0);
	assert_int_equal(p.keys_rsa_min_bits, 4096);
	assert_int_equal(p.keys_require_from, KW_KEYS_FROM_ALL);
	assert_int_equal(p.uid_min, 0); /* not a uid setting */
	kw_profile_release(&p);
	assert_int_equal(parse(&p, "set keys-rsa-min-bits 3072\nset keys-rsa-min-bits 0\n"
				   "set keys-require-from root\n", &d), 0);
	assert_int_equal(p.keys_rsa_min_bits, 2048);
	assert_int_equal(p.keys_require_from, KW_KEYS_FROM_ROOT);
	kw_profile_release(&p);
	assert_int_equal(d.n, 0);

	static const char *const bad[] = {
		"set keys-rsa-min-bits 16385\n", "set keys-rsa-min-bits -1\n", "set keys-rsa-min-bits 2k\n",
		"set keys-require-from some\n", "set keys-require-from\n",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(&p, bad[i], &d), KW_E_USAGE);
		assert_int_equal(d.n, 1);
		assert_int_equal(d.v[0].line, 1);
		kw_diags_release(&d);
		kw_profile_release(&p);
	}
	static const struct {
		const char *name;
		uint32_t bits;
		kw_keys_require_from from;
	} want[] = {
		{ "baseline", 2048, KW_KEYS_FROM_NONE }, { "strict", 3072, KW_KEYS_FROM_ROOT },
		{ "paranoid", 3072, KW_KEYS_FROM_ALL }, { "cis-debian12", 2048, KW_KEYS_FROM_NONE },
		{ "mozilla-modern", 2048, KW_KEYS_FROM_NONE },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(want); i++) {
		kw_profile_init(&p);
		assert_int_equal(kw_profile_load(&p, want[i].name, &d), 0);
		assert_int_equal(p.keys_rsa_min_bits, want[i].bits);
		assert_int_equal(p.keys_require_from, want[i].from);
		kw_profile_release(&p);
	}
	kw_diags_release(&d);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(parse(&p,
		"profile ok\n"                     /* 1 */
		"frobnicate all\n"                 /* 2 */
		"severity sudo.nopasswd urgent\n"  /* 3 */
		"disable Sudo.NoPasswd\n"          /* 4: ids are lower-case */
		"profile bad/name\n"               /* 5 */
		"description\n"                    /* 6 */
		"enable\n"                         /* 7 */
		"include x.profile\n"              /* 8: dir NULL forbids includes */
		"include baseline\n"               /* 9: so do built-in ones */
		"disable a.b c.d\n"                /* 10 */
		"set uid-min 2000\nset uid-max 1000\n" /* 11, 12 */
		"disable ok.one\n", &d),           /* 13 */
		KW_E_USAGE);
	assert_true(has_diag(&d, "t.profile", 2, "unknown keyword frobnicate"));
	assert_true(has_diag(&d, "t.profile", 3, "urgent"));
	assert_true(has_diag(&d, "t.profile", 4, "not a check id"));
	assert_true(has_diag(&d, "t.profile", 5, "not a valid name"));
	assert_true(has_diag(&d, "t.profile", 6, "missing text"));
	assert_true(has_diag(&d, "t.profile", 7, "expected 1 argument"));
	assert_true(has_diag(&d, "t.profile", 8, "not allowed"));
	assert_true(has_diag(&d, "t.profile", 9, "not allowed"));
	assert_true(has_diag(&d, "t.profile", 10, "expected 1 argument"));
	assert_true(has_diag(&d, "t.profile", 12, "uid-min 2000 is larger than uid-max 1000"));
	assert_int_equal(d.n, 10);
	/* valid lines around the bad ones still took effect */
	assert_string_equal(p.name, "ok");
	assert_false(kw_profile_enabled(&p, &(kw_check_def){ .id = "ok.one" }));
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_hostile_bytes(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	/* a NUL byte in a line, an over-long line, an escape sequence in a keyword */
	static const char text[] = "disable a.b\0x\nprofile ok\n\x1b[31mevil 1\n";
	kw_profile_init(&p);
	assert_int_equal(kw_profile_parse(&p, "t", NULL, text, sizeof text - 1, &d), KW_E_USAGE);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 1);
	assert_non_null(strstr(d.v[0].msg, "NUL"));
	assert_int_equal(d.v[1].line, 3);
	assert_null(strchr(d.v[1].msg, 0x1b)); /* the message quotes it escaped */
	assert_non_null(strstr(d.v[1].msg, "\\x1b[31mevil"));
	kw_profile_release(&p);
	kw_diags_release(&d);

	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'a', 9999);
	big[9999] = '\n';
	kw_profile_init(&p);
	assert_int_equal(kw_profile_parse(&p, "t", NULL, big, 10000, &d), KW_E_USAGE);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "longer"));
	free(big);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

/* ---- includes ---- */

static void test_include_relative_and_override(void **state)
{
	(void)state;
	assert_int_equal(mkdir(path_of("sub"), 0700), 0);
	write_file("sub/base.profile",
		"profile base\n"
		"set uid-min 500\n"
		"set max-file-size 8M\n"
		"disable sudo.nopasswd\n"
		"severity secrets.history low\n");
	write_file("sub/top.profile",
		"include base.profile\n"
		"enable sudo.nopasswd\n"
		"set uid-min 1000\n");
	write_file("main.profile",
		"include paranoid\n" /* a built-in, by bare name */
		"include sub/top.profile\n"
		"severity secrets.history info\n");
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(kw_profile_load(&p, path_of("main.profile"), &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(p.name, "base"); /* the last profile line seen wins */
	assert_int_equal(p.uid_min, 1000);
	assert_int_equal(p.max_file_size, 8u << 20); /* base.profile came after baseline */
	assert_int_equal(p.deep_max_size, 64u << 20);
	assert_true(kw_profile_enabled(&p, &chk_nopasswd));
	assert_int_equal(kw_profile_severity(&p, &chk_nopasswd), KW_SEV_CRITICAL);
	assert_int_equal(kw_profile_severity(&p, &chk_history), KW_SEV_INFO);
	kw_profile_release(&p);

	/* no profile line anywhere: the file's base name */
	write_file("plain.profile", "set uid-max 9\n");
	assert_int_equal(kw_profile_load(&p, path_of("plain.profile"), &d), 0);
	assert_string_equal(p.name, "plain");
	assert_int_equal(p.uid_max, 9);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_include_errors(void **state)
{
	(void)state;
	write_file("a.profile", "profile a\n\ninclude missing.profile\ninclude nosuchbuiltin\n");
	kw_diags d = { 0 };
	kw_profile p;
	kw_profile_init(&p);
	assert_int_equal(kw_profile_load(&p, path_of("a.profile"), &d), KW_E_USAGE);
	assert_null(p.name); /* untouched */
	assert_true(has_diag(&d, "/a.profile", 3, "cannot include missing.profile"));
	assert_true(has_diag(&d, "/a.profile", 4, "no built-in profile"));
	kw_diags_release(&d);

	/* an error inside an included file names that file and its line */
	write_file("inner.profile", "profile inner\nset bogus 1\n");
	write_file("outer.profile", "include inner.profile\n");
	assert_int_equal(kw_profile_load(&p, path_of("outer.profile"), &d), KW_E_USAGE);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, "/inner.profile", 2, "unknown setting bogus"));
	kw_diags_release(&d);

	/* a directory is not a profile */
	assert_int_equal(mkdir(path_of("dir.profile"), 0700), 0);
	assert_int_equal(kw_profile_load(&p, path_of("dir.profile"), &d), KW_E_NOTREG);
	kw_diags_release(&d);
}

static void test_include_loops(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;

	write_file("self.profile", "include self.profile\n");
	assert_int_equal(kw_profile_load(&p, path_of("self.profile"), &d), KW_E_USAGE);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, "/self.profile", 1, "include loop"));
	kw_diags_release(&d);

	write_file("x.profile", "profile x\ninclude y.profile\n");
	write_file("y.profile", "\n\ninclude ./x.profile\n"); /* another spelling, same file */
	assert_int_equal(kw_profile_load(&p, path_of("x.profile"), &d), KW_E_USAGE);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, "/y.profile", 3, "include loop"));
	kw_diags_release(&d);

	/* a diamond is not a loop */
	write_file("d1.profile", "include d2.profile\ninclude d3.profile\n");
	write_file("d2.profile", "include d4.profile\n");
	write_file("d3.profile", "include d4.profile\n");
	write_file("d4.profile", "set uid-min 77\n");
	assert_int_equal(kw_profile_load(&p, path_of("d1.profile"), &d), 0);
	assert_int_equal(p.uid_min, 77);
	kw_profile_release(&p);
	kw_diags_release(&d);

	/* include the same built-in twice from a file: fine, not a loop */
	write_file("twice.profile", "include baseline\ninclude baseline\n");
	assert_int_equal(kw_profile_load(&p, path_of("twice.profile"), &d), 0);
	kw_profile_release(&p);
	kw_diags_release(&d);
}

static void test_include_depth(void **state)
{
	(void)state;
	kw_diags d = { 0 };
	kw_profile p;
	char name[32], text[64];
	/* c0 includes c1 ... c8: eight levels of nesting are allowed */
	for (int i = 0; i <= 8; i++) {
		snprintf(name, sizeof name, "c%d.profile", i);
		if (i < 8)
			snprintf(text, sizeof text, "include c%d.profile\n", i + 1);
		else
			snprintf(text, sizeof text, "set uid-max 8\n");
		write_file(name, text);
	}
	assert_int_equal(kw_profile_load(&p, path_of("c0.profile"), &d), 0);
	assert_int_equal(p.uid_max, 8);
	kw_profile_release(&p);
	kw_diags_release(&d);

	/* nine levels are not */
	write_file("c8.profile", "include c9.profile\n");
	write_file("c9.profile", "set uid-max 9\n");
	assert_int_equal(kw_profile_load(&p, path_of("c0.profile"), &d), KW_E_USAGE);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, "/c8.profile", 1, "nested deeper than 8"));
	kw_diags_release(&d);
}

static void test_include_fanout_capped(void **state)
{
	(void)state;
	/* f includes g 40 times; g includes h twice: 1 + 40 + 80 reads without a cap */
	char text[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(text, "include g.profile\n");
	write_file("f.profile", text);
	write_file("g.profile", "include h.profile\ninclude h.profile\n");
	write_file("h.profile", "set uid-min 1\n");
	kw_diags d = { 0 };
	kw_profile p;
	assert_int_equal(kw_profile_load(&p, path_of("f.profile"), &d), KW_E_USAGE);
	assert_true(d.n >= 1);
	assert_non_null(strstr(d.v[0].msg, "more than 64 profile files"));
	kw_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_list_matches_embedded),
		cmocka_unit_test(test_builtin_thresholds),
		cmocka_unit_test(test_builtin_baseline),
		cmocka_unit_test(test_builtin_paranoid_includes_baseline),
		cmocka_unit_test(test_builtin_case_and_unknown),
		cmocka_unit_test(test_overrides_later_wins),
		cmocka_unit_test(test_no_profile_line_uses_given_name),
		cmocka_unit_test(test_settings_with_suffixes),
		cmocka_unit_test(test_keys_settings),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test_setup_teardown(test_include_relative_and_override, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_loops, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_depth, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_fanout_capped, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
