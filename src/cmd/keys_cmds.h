/* keys_cmds.h — the subcommands of `keyward keys` that live in their own files; keys.c
 * dispatches to them. Each gets argv[0] = its own name ("snapshot", "add", ...), parses
 * its options with kw_opts against its own spec (kw_spec_keys_NAME, cmd/opts.h), which
 * also gives its --help, and returns the exit code.
 *
 *   keys_store.c  snapshot, diff        the inventory in the database, and what changed since
 *   keys_edit.c   add, remove, rotate   authorized_keys through the journaled writer
 *                 log                   the audit trail, --verify
 *   keys_fleet.c  merge                 the fleet view of many hosts' JSON inventories
 *   keys_query.c  query                 the fleet's questions to the keys database
 */
#ifndef KW_CMD_KEYS_CMDS_H
#define KW_CMD_KEYS_CMDS_H

int cmd_keys_snapshot(int argc, char **argv);
int cmd_keys_diff(int argc, char **argv);
int cmd_keys_add(int argc, char **argv);
int cmd_keys_remove(int argc, char **argv);
int cmd_keys_rotate(int argc, char **argv);
int cmd_keys_log(int argc, char **argv);
int cmd_keys_merge(int argc, char **argv);
int cmd_keys_query(int argc, char **argv);

#endif
