/* fuzz_waivers.c — libFuzzer harness for waiver files and --waive arguments
 * (src/checks/waiver.c), and for rendering what they produce.
 * Owner: report/finding-model engineer.
 *
 * The input is parsed as a waiver file, its first line is also tried as a --waive
 * argument, the waivers are applied to a few fixed findings with a fixed "today", and
 * the result is rendered as text and JSON into memory. Checks: no crash, no leak,
 * every stored date is a valid YYYY-MM-DD, waived findings carry a reason, and the text
 * report holds no raw ESC byte. */
#include "base/diag.h"
#include "base/err.h"
#include "checks/finding.h"
#include "checks/profile.h"
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const kw_check_def chk[] = {
	{ .id = "keys.authorized-key", .severity = KW_SEV_HIGH, .title = "t", .remediation = "r." },
	{ .id = "accounts.empty-password", .severity = KW_SEV_CRITICAL, .title = "t" },
	{ .id = "secrets.history", .severity = KW_SEV_MEDIUM, .title = "t" },
};

static void render(const kw_report *r, kw_format fmt, bool color)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return;
	int rc = kw_report_render(f, fmt, r, color, 1);
	fclose(f);
	if (rc == 0 && fmt == KW_FMT_TEXT && !color && memchr(s, 0x1b, len))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0; /* the parser caps lines, not files; keep runs fast */
	kw_waivers w = { 0 };
	kw_diags d = { 0 };
	int r = kw_waivers_parse(&w, "fuzz.waivers", (const char *)data, size, &d);
	if (r != 0 && r != KW_E_USAGE && r != KW_E_TOOBIG && r != -ENOMEM)
		abort();
	if (r == KW_E_USAGE && d.n == 0)
		abort();

	/* the first line as a --waive argument */
	size_t n = 0;
	while (n < size && n < 512 && data[n] != '\n' && data[n] != 0)
		n++;
	char *arg = malloc(n + 1);
	if (arg) {
		memcpy(arg, data, n);
		arg[n] = 0;
		(void)kw_waivers_add_arg(&w, arg);
		free(arg);
	}

	for (size_t i = 0; i < w.n; i++) {
		const char *e = w.v[i].expires;
		if (!w.v[i].id || !w.v[i].glob || !w.v[i].reason || !w.v[i].source)
			abort();
		if (e && (strlen(e) != 10 || e[4] != '-' || e[7] != '-'))
			abort();
	}

	kw_findings fs = { 0 };
	kw_findings_add(&fs, &chk[0], "/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys", 1, "root", "1 key");
	kw_findings_add(&fs, &chk[1], "bob", "/etc/shadow", 4, "bob", "empty");
	kw_findings_add(&fs, &chk[2], "/home/a b/.bash_history", NULL, 0, NULL, "history");
	kw_findings_add(&fs, &chk[2], "", NULL, 0, NULL, "history");
	kw_waivers_apply(&w, &fs, "2026-06-15");
	for (size_t i = 0; i < fs.n; i++)
		if (fs.v[i].waived && !fs.v[i].waiver_reason)
			abort();

	kw_report rep = {
		.command = "audit", .target = "fuzz", .profile = "baseline", .version = "0",
		.findings = &fs, .diags = &d, .waivers = &w, .checks_run = 3,
		.fail_on = KW_SEV_HIGH, .exit_code = 1,
	};
	render(&rep, KW_FMT_TEXT, false);
	render(&rep, KW_FMT_JSON, false);

	kw_findings_release(&fs);
	kw_waivers_release(&w);
	kw_diags_release(&d);
	return 0;
}
