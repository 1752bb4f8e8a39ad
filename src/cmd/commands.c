/* commands.c — every command and subcommand keyward has, in documentation order: what
 * main() dispatches, `keyward help` lists, and the man pages and completions cover. */
#include "cmd/cmd.h"
#include "cmd/opts.h"

const kw_command kw_commands[] = {
	{ &kw_spec_audit, cmd_audit },
	{ &kw_spec_sshd, cmd_sshd },
	{ &kw_spec_sanitize, cmd_sanitize },
	{ &kw_spec_harden, cmd_harden },
	{ &kw_spec_undo, cmd_undo },
	{ &kw_spec_guard, cmd_guard },
	{ &kw_spec_keys, cmd_keys },
	{ &kw_spec_keys_scan, NULL },
	{ &kw_spec_keys_snapshot, NULL },
	{ &kw_spec_keys_diff, NULL },
	{ &kw_spec_keys_add, NULL },
	{ &kw_spec_keys_remove, NULL },
	{ &kw_spec_keys_rotate, NULL },
	{ &kw_spec_keys_log, NULL },
	{ &kw_spec_keys_merge, NULL },
	{ &kw_spec_keys_query, NULL },
	{ &kw_spec_scan, cmd_scan },
	{ &kw_spec_cloud, cmd_cloud },
	{ &kw_spec_cloud_policy, NULL },
	{ &kw_spec_windows, cmd_windows },
	{ &kw_spec_help, cmd_help },
	{ &kw_spec_completion, cmd_completion },
};
const size_t kw_n_commands = sizeof kw_commands / sizeof kw_commands[0];
