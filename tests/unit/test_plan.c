/* test_plan.c — unit tests of src/fix/plan.c: the preview (diffs with password fields
 * redacted, target text escaped, counts for trees and hidden content) and apply through
 * the journaled writer (done / failed statuses, KW_E_CHANGED when the file moved on
 * since the plan, removal that is already done). Runs as root like test_journal. */
#include "fix/plan.h"
#include "target/journal.h"
#include "target/write.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *render(const kw_plan *p, bool diffs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(kw_plan_render(f, p, diffs, false), 0);
	fclose(f);
	return buf;
}

static const char shadow_old[] =
	"root:$6$salt$abcdefghijklmnop:19700:0:99999:7:::\n"
	"bob::19700:0:99999:7:::\n"
	"dave:!$1$md5salt$sVheoXpHpmNzHyr5a2r/V0:19700:0:99999:7:::\n"
	"daemon:*:19700:0:99999:7:::\n";
static const char shadow_new[] =
	"root:*:19700:0:99999:7:::\n"
	"bob:*:19700:0:99999:7:::\n"
	"dave:*:19700:0:99999:7:::\n"
	"daemon:*:19700:0:99999:7:::\n";

static void test_shadow_diff_is_redacted(void **state)
{
	(void)state;
	kw_plan p;
	kw_plan_init(&p);
	assert_int_equal(kw_plan_replace(&p, "passwords", "/etc/shadow", (const uint8_t *)shadow_old,
					 strlen(shadow_old), true, (const uint8_t *)shadow_new,
					 strlen(shadow_new), -1, KW_REDACT_SHADOW, "lock 3 passwords"), 0);
	char *out = render(&p, true);
	assert_non_null(strstr(out, "passwords\n"));
	assert_non_null(strstr(out, "  edit   /etc/shadow  - lock 3 passwords\n"));
	assert_non_null(strstr(out, "--- a/etc/shadow\n+++ b/etc/shadow\n"));
	assert_non_null(strstr(out, "-root:<hash>:19700:0:99999:7:::\n"));
	assert_non_null(strstr(out, "-bob::19700"));          /* empty field: shown, no secret */
	assert_non_null(strstr(out, "-dave:!<hash>:19700"));
	assert_non_null(strstr(out, "+root:*:19700"));
	assert_null(strstr(out, "$6$"));
	assert_null(strstr(out, "$1$"));
	assert_null(strstr(out, "abcdefghijklmnop"));
	assert_null(strstr(out, "-daemon")); /* unchanged line: context only */
	free(out);
	/* without diffs: the plan line only */
	out = render(&p, false);
	assert_null(strstr(out, "---"));
	free(out);
	kw_plan_release(&p);
}

static void test_escaping_and_hidden_content(void **state)
{
	(void)state;
	kw_plan p;
	kw_plan_init(&p);
	const char evil_old[] = "line \033[2J one\n";
	assert_int_equal(kw_plan_replace(&p, "authorized-keys", "/home/e\033]0;x\007/keys",
					 (const uint8_t *)evil_old, strlen(evil_old), true,
					 (const uint8_t *)"", 0, -1, KW_REDACT_NONE, "user \033[31mred"), 0);
	assert_int_equal(kw_plan_replace(&p, "logs", "/var/log/wtmp", (const uint8_t *)"a\nb\n", 4,
					 true, (const uint8_t *)"", 0, -1, KW_REDACT_ALL, "emptied"), 0);
	assert_int_equal(kw_plan_remove(&p, "tmp", KW_ACT_EMPTY_TREE, "/tmp", 12345, 3400000,
					"leftovers"), 0);
	assert_int_equal(kw_plan_note(&p, "note with \033 escape %d", 7), 0);
	assert_true(kw_plan_has(&p, "/tmp"));
	assert_false(kw_plan_has(&p, "/var/tmp"));
	char *out = render(&p, true);
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\007'));
	assert_non_null(strstr(out, "(content not shown: 2 lines now, 0 after)"));
	assert_non_null(strstr(out, "  empty  /tmp (12345 files, 3.4 MB)  - leftovers\n"));
	assert_non_null(strstr(out, "note: note with \\x1b escape 7\n"));
	free(out);
	kw_plan_release(&p);
}

static char dir[64];

static void wfile(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/root%s", dir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *rfile(const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "%s/root%s", dir, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *b = calloc(1, 4096);
	size_t n = fread(b, 1, 4095, f);
	b[n] = 0;
	fclose(f);
	return b;
}

static void test_apply_statuses(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kwplan.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char root[128], journal[128], cmd[300];
	snprintf(root, sizeof root, "%s/root", dir);
	snprintf(journal, sizeof journal, "%s/journal", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	char etc[160];
	snprintf(etc, sizeof etc, "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	wfile("/etc/a", "old a\n");
	wfile("/etc/b", "old b\n");
	wfile("/etc/c", "gone\n");

	kw_plan p;
	kw_plan_init(&p);
	/* a: as the builder saw it -> done */
	assert_int_equal(kw_plan_replace(&p, "t", "/etc/a", (const uint8_t *)"old a\n", 6, true,
					 (const uint8_t *)"new a\n", 6, -1, KW_REDACT_NONE, ""), 0);
	/* b: changed since the plan -> KW_E_CHANGED, untouched */
	assert_int_equal(kw_plan_replace(&p, "t", "/etc/b", (const uint8_t *)"older b\n", 8, true,
					 (const uint8_t *)"new b\n", 6, -1, KW_REDACT_NONE, ""), 0);
	/* c: removed; d: already absent -> done, nothing removed */
	assert_int_equal(kw_plan_remove(&p, "t", KW_ACT_REMOVE, "/etc/c", 1, 5, ""), 0);
	assert_int_equal(kw_plan_remove(&p, "t", KW_ACT_REMOVE, "/etc/d", 1, 0, ""), 0);
	/* e: a new file that must not exist yet */
	assert_int_equal(kw_plan_replace(&p, "t", "/etc/e", NULL, 0, false,
					 (const uint8_t *)"e\n", 2, 0644, KW_REDACT_NONE, ""), 0);

	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(root, journal, &w), 0);
	int r = kw_plan_apply(&p, w, NULL, false);
	kw_writer_free(w);
	assert_int_equal(r, KW_E_CHANGED);
	assert_int_equal(p.v[0].status, KW_ST_DONE);
	assert_int_equal(p.v[1].status, KW_ST_FAILED);
	assert_int_equal(p.v[1].err, KW_E_CHANGED);
	assert_int_equal(p.v[2].status, KW_ST_DONE);
	assert_int_equal(p.v[3].status, KW_ST_DONE);
	assert_int_equal(p.v[3].n_done, 0);
	assert_int_equal(p.v[4].status, KW_ST_DONE);
	assert_int_equal(kw_plan_count(&p, KW_ST_DONE), 4);
	assert_int_equal(kw_plan_count(&p, KW_ST_FAILED), 1);
	char *a = rfile("/etc/a"), *b = rfile("/etc/b"), *c = rfile("/etc/c"), *e = rfile("/etc/e");
	assert_string_equal(a, "new a\n");
	assert_string_equal(b, "old b\n");
	assert_null(c);
	assert_string_equal(e, "e\n");
	free(a);
	free(b);
	free(e);
	struct stat st;
	char ep[200];
	snprintf(ep, sizeof ep, "%s/etc/e", root);
	assert_int_equal(stat(ep, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* undo: back as before */
	unsigned restored = 0;
	assert_int_equal(kw_journal_undo(journal, &restored), 0);
	assert_int_equal(restored, 3);
	a = rfile("/etc/a");
	c = rfile("/etc/c");
	assert_string_equal(a, "old a\n");
	assert_string_equal(c, "gone\n");
	assert_null(rfile("/etc/e"));
	free(a);
	free(c);
	kw_plan_release(&p);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadow_diff_is_redacted),
		cmocka_unit_test(test_escaping_and_hidden_content),
		cmocka_unit_test(test_apply_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
