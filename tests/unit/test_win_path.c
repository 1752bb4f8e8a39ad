/* test_win_path.c — Windows paths inside a target (windows/path.c): case-insensitive
 * walks through a real folder target (exact spelling first, symlinks kept inside the
 * root), and paths written the Windows way mapped into the volume. */
#include "windows/path.h"

#include "target/target.h"
#include "testutil.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char root[256];

static void make_tree(void)
{
	assert_int_equal(kwt_mkdtemp(root, sizeof root, "kw-winpath"), 0);
	kwt_mkdir(root, "/WINDOWS", 0755, 0);
	kwt_mkdir(root, "/WINDOWS/system32", 0755, 0);
	kwt_mkdir(root, "/WINDOWS/system32/CONFIG", 0755, 0);
	kwt_put(root, "/WINDOWS/system32/CONFIG/sam", "x", 0644, 0);
	kwt_put(root, "/WINDOWS/system32/CONFIG/SAM", "y", 0644, 0); /* a second spelling */
	kwt_put(root, "/WINDOWS/system32/CONFIG/System", "z", 0644, 0);
	/* a link whose target is absolute: it must resolve inside the root */
	kwt_mkdir(root, "/Users", 0755, 0);
	char link[512];
	snprintf(link, sizeof link, "%s/Users/Default", root);
	assert_int_equal(symlink("/WINDOWS/system32", link) == 0 ? 0 : errno, 0);
}


static char *resolve(kw_target *t, const char *p, int *r)
{
	char *out = NULL;
	*r = kw_win_path(t, p, &out);
	return out;
}

static void walk(void **state)
{
	(void)state;
	make_tree();
	kw_target *t;
	assert_int_equal(kw_target_open_dir(root, &t), 0);
	int r;
	char *p = resolve(t, "/Windows/System32/config/SYSTEM", &r);
	assert_int_equal(r, 0);
	assert_string_equal(p, "/WINDOWS/system32/CONFIG/System");
	free(p);
	/* the exact spelling wins over another variant */
	p = resolve(t, "/windows/SYSTEM32/config/SAM", &r);
	assert_int_equal(r, 0);
	assert_string_equal(p, "/WINDOWS/system32/CONFIG/SAM");
	free(p);
	p = resolve(t, "/windows/SYSTEM32/config/sam", &r);
	assert_string_equal(p, "/WINDOWS/system32/CONFIG/sam");
	free(p);
	/* spelled as asked: returned as is */
	p = resolve(t, "/WINDOWS/system32", &r);
	assert_string_equal(p, "/WINDOWS/system32");
	free(p);
	/* through a symlink to an absolute path: stays in the root */
	p = resolve(t, "/users/default/config/system", &r);
	assert_int_equal(r, 0);
	assert_string_equal(p, "/Users/Default/CONFIG/System");
	kw_stat st;
	assert_int_equal(kw_target_stat(t, p, &st), 0);
	assert_int_equal(st.size, 1);
	free(p);
	p = resolve(t, "/Windows/System32/config/SECURITY", &r);
	assert_null(p);
	assert_int_equal(r, -ENOENT);
	p = resolve(t, "/Windows/System32/config/System/x", &r);
	assert_null(p);
	assert_true(r == -ENOTDIR || r == -ENOENT);
	kw_target_free(t);
	assert_int_equal(kwt_rm_tree(root), 0);
}

static void from_windows(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } ok[] = {
		{ "C:\\Windows\\Panther\\unattend.xml", "/Windows/Panther/unattend.xml" },
		{ "d:/sysprep/sysprep.inf", "/sysprep/sysprep.inf" },
		{ "%SystemRoot%\\Temp\\a.xml", "/Windows/Temp/a.xml" },
		{ "%windir%\\x.xml", "/Windows/x.xml" },
		{ "\\unattend.xml", "/unattend.xml" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *p = kw_win_path_from_windows(ok[i].in);
		assert_non_null(p);
		assert_string_equal(p, ok[i].out);
		free(p);
	}
	static const char *const bad[] = {
		"", "\\\\server\\share\\u.xml", "//server/share", "relative\\u.xml", "%TEMP%\\u.xml",
		"C:", "C:\\", "\\",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *p = kw_win_path_from_windows(bad[i]);
		if (p)
			fail_msg("accepted %s as %s", bad[i], p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk),
		cmocka_unit_test(from_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
