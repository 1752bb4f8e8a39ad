/* fuzz_sshd_config.c — libFuzzer harness for the sshd_config engine: the input is the main
 * file's text (no target: Include finds nothing), parsed in pass 1, evaluated for one
 * connection in pass 2 and printed. Owner: helper "engine". */
#include "base/buf.h"
#include "base/diag.h"
#include "sshd/config.h"

#include <stdint.h>
#include <stdlib.h>

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
	if (kw_sshd_config_load(NULL, &o, &c, &d) == 0) {
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
