/* fuzz_sshd_config.c — libFuzzer harness for the sshd_config engine: the input is the main
 * file's text, parsed in pass 1, evaluated for one connection in pass 2 and printed. Odd
 * inputs run over a small folder target made once in /tmp (Include globs, ~user from its
 * /etc/passwd), even ones without a target. Owner: helper "engine". */
#include "base/buf.h"
#include "base/diag.h"
#include "sshd/config.h"

#include "target/target.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A tree for Include globs: /etc/passwd, /etc/ssh/sshd_config.d/{a,.h}.conf, /inc/sub/c.conf.
 * Made once; kept for the life of the process (reachable, not leaked). */
static kw_target *fuzz_target(void)
{
	static kw_target *t;
	static int tried;
	if (tried)
		return t;
	tried = 1;
	char root[] = "/tmp/kw-fuzz-sshd-XXXXXX";
	if (!mkdtemp(root))
		return NULL;
	static const struct { const char *path, *text; } files[] = {
		{ "/etc", NULL }, { "/etc/ssh", NULL }, { "/etc/ssh/sshd_config.d", NULL },
		{ "/inc", NULL }, { "/inc/sub", NULL },
		{ "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice/:/bin/sh\n" },
		{ "/etc/group", "root:x:0:\nusers:x:100:alice\n" },
		{ "/etc/ssh/sshd_config.d/a.conf", "Port 2201\nMatch User alice\n X11Forwarding yes\n" },
		{ "/etc/ssh/sshd_config.d/.h.conf", "PasswordAuthentication no\n" },
		{ "/inc/sub/c.conf", "Include /inc/*/\nAcceptEnv LANG\n" },
	};
	char path[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s%s", root, files[i].path);
		if (!files[i].text) {
			if (mkdir(path, 0755) != 0)
				return NULL;
			continue;
		}
		FILE *f = fopen(path, "w");
		if (!f)
			return NULL;
		fputs(files[i].text, f);
		fclose(f);
	}
	if (kw_target_open_dir(root, &t) < 0)
		t = NULL;
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	kw_diags d = { 0 };
	kw_sshd_config *c = NULL;
	const char *hk[] = { "/tmp/hk" };
	kw_sshd_load_opts o = { .config_path = "/etc/ssh/sshd_config", .text = data,
				.text_len = size, .hostkeys = hk, .n_hostkeys = 1 };
	kw_target *t = (size & 1) ? fuzz_target() : NULL;
	if (kw_sshd_config_load(t, &o, &c, &d) == 0) {
		kw_sshd_conn conn = { .user = "alice", .host = "h.example.com", .addr = "10.0.0.5",
				      .laddr = "192.168.1.1", .lport = 22 };
		kw_sshd_result *r = NULL;
		if (kw_sshd_config_eval(c, &conn, &r, &d) == 0) {
			kw_sb sb;
			kw_sb_init(&sb);
			kw_sshd_print(r, &sb);
			kw_sb_release(&sb);
			kw_sshd_result_free(r);
		}
		kw_sshd_config_free(c);
	}
	kw_diags_release(&d);
	return 0;
}
