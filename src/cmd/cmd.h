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

#endif
