/* cmd.h — the subcommands. Each parses its options, calls the library and renders; only
 * this layer prints to the user or decides the exit code. */
#ifndef KW_CMD_CMD_H
#define KW_CMD_CMD_H

int cmd_audit(int argc, char **argv);
int cmd_sshd(int argc, char **argv);
int cmd_sanitize(int argc, char **argv);
int cmd_harden(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_guard(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_cloud(int argc, char **argv);
int cmd_windows(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_completion(int argc, char **argv);

/* Each command's options and documentation (opts.h), defined in its file. */
struct kw_cmd_spec;
extern const struct kw_cmd_spec kw_spec_audit, kw_spec_sshd, kw_spec_sanitize, kw_spec_harden,
	kw_spec_undo, kw_spec_guard, kw_spec_keys, kw_spec_keys_scan, kw_spec_keys_snapshot,
	kw_spec_keys_diff, kw_spec_keys_add, kw_spec_keys_remove, kw_spec_keys_rotate,
	kw_spec_keys_log, kw_spec_keys_merge, kw_spec_keys_query, kw_spec_scan, kw_spec_cloud, kw_spec_cloud_policy,
	kw_spec_windows, kw_spec_help, kw_spec_completion;

#endif
