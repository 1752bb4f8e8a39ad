/* fuzz_cloud_userdata.c — libFuzzer harness for instance user data (src/cloud/userdata.c).
 *
 * The input is scanned as decoded text, decoded as base64 and as plain text (then gzip
 * when it carries the magic), and judged into a launch record. Checks: no crash, no leak;
 * the verdict's flags are known ones, a hit has a line (never past the input's last line)
 * and a description that is one of keyward's own (so nothing of the input, a password
 * above all, is ever copied into it), no hit has neither; decoding returns 0, KW_E_PARSE
 * with a reason, KW_E_TOOBIG or -ENOMEM, a success stays within KW_USERDATA_MAX and plain
 * text without the gzip magic comes back unchanged; what base64 decodes to is scanned and
 * checked the same way (lines counted in it); scanning twice gives the same verdict; the
 * judge fills the launch consistently (TRUE with the scan's verdict, or UNKNOWN with a
 * reason). */
#include "base/err.h"
#include "cloud/userdata.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const whats[] = {
	"ssh_pwauth: true",
	"disable_root: false",
	"chpasswd: list sets a password",
	"chpasswd: users sets a password",
	"chpasswd: sets a password",
	"users: plain_text_passwd with lock_passwd: false",
	"users: hashed_passwd with lock_passwd: false",
	"users: passwd with lock_passwd: false",
	"password: sets the default user's password",
	"PasswordAuthentication yes",
	"sed uncomments PasswordAuthentication",
	"PermitRootLogin yes",
	"chpasswd sets a password",
	"passwd --stdin sets a password",
	"passwd sets a password from its input",
	"usermod sets a password",
	"useradd sets a password",
	"net user sets a password",
	"Set-LocalUser sets a password",
	"New-LocalUser sets a password",
	"SetPassword sets a password",
	"Winlogon DefaultPassword (autologon password)",
	"Winlogon AutoAdminLogon enabled",
};

static void check_verdict(const kw_userdata_verdict *v, const uint8_t *data, size_t size)
{
	if (v->hits & ~(unsigned)(KW_UD_PWAUTH | KW_UD_SETPW | KW_UD_WINUSER | KW_UD_ROOTLOGIN))
		abort();
	if (!v->hits) {
		if (v->line || v->what[0])
			abort();
		return;
	}
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (v->line == 0 || v->line > lines)
		abort();
	if (!memchr(v->what, '\0', sizeof v->what))
		abort();
	bool known = false;
	for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++)
		known |= !strcmp(v->what, whats[i]);
	if (!known)
		abort();
}

static void decode(const uint8_t *data, size_t size, bool b64)
{
	uint8_t *out = NULL;
	size_t n = 0;
	const char *why = NULL;
	int r = kw_userdata_decode((const char *)data, size, b64, &out, &n, &why);
	if (r == 0) {
		if (!out || n > KW_USERDATA_MAX || why)
			abort();
		if (!b64 && !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b) &&
		    (n != size || (n && memcmp(out, data, n) != 0)))
			abort();
		kw_userdata_verdict v;
		kw_userdata_scan(out, n, &v);
		if (b64) {
			/* the decoded text has its own lines: check against it */
			check_verdict(&v, out, n);
		}
		free(out);
	} else if (r == KW_E_PARSE) {
		if (out || !why || !why[0])
			abort();
	} else if (r == KW_E_TOOBIG) {
		if (out)
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_userdata_verdict v;
	kw_userdata_scan(data, size, &v);
	check_verdict(&v, data, size);
	kw_userdata_verdict again;
	kw_userdata_scan(data, size, &again);
	if (memcmp(&v, &again, sizeof v) != 0) /* pure: the same input, the same verdict */
		abort();

	decode(data, size, true);
	decode(data, size, false);

	kw_cloud_model m = { 0 };
	kw_cloud_launch *l = kw_cloud_launch_add(&m);
	if (l) {
		int r = kw_userdata_judge(&m, l, (const char *)data, size, false);
		if (r == 0) {
			if (l->user_data == KW_TRI_TRUE) {
				if (l->ud_why || !l->ud_hits != !l->ud_what)
					abort();
				if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b) &&
				    (l->ud_hits != v.hits || l->ud_line != v.line ||
				     (v.hits && strcmp(l->ud_what, v.what) != 0)))
					abort();
			} else if (l->user_data != KW_TRI_UNKNOWN || !l->ud_why || l->ud_hits) {
				abort();
			}
		} else if (r != -ENOMEM) {
			abort();
		}
	}
	kw_cloud_model_release(&m);
	return 0;
}
