/* sudoers.h — the parts of sudoers(5) that decide who may become root without a password.
 *
 * Pure parser over one file's bytes (no I/O). It records:
 *  - user specifications: the user list as written (users, %group, %:group, #uid,
 *    User_Alias names, ALL, negations kept with their '!'), and whether any command spec
 *    on the line is tagged NOPASSWD (the tag carries over to later commands of the same
 *    line until PASSWD), and whether ALL commands are allowed;
 *  - User_Alias definitions (name -> list), for the caller to expand;
 *  - Defaults lines that turn authentication off ("!authenticate"), with their binding
 *    (Defaults:user_list, or global);
 *  - include directives: #include / @include FILE and #includedir / @includedir DIR (the
 *    caller resolves and reads them; sudo skips names in an includedir that contain '.' or
 *    end in '~').
 * Line continuation with a trailing backslash is honoured; comments start with '#' unless
 * it is #include/#includedir or "#<digits>" (a uid) inside a user list.
 */
#ifndef KW_COLLECT_SUDOERS_H
#define KW_COLLECT_SUDOERS_H

#include "base/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kw_sudo_rule {
	unsigned line;
	char **users;     /* NULL-terminated, owned */
	size_t n_users;
	bool nopasswd;    /* some command of the rule runs without a password */
	bool all_commands;/* "ALL" appears as a command */
	bool noauth_default; /* from a Defaults !authenticate line (users = its binding or ALL) */
	bool nopasswd_all;   /* (addition) "ALL" itself is allowed while NOPASSWD is in effect */
} kw_sudo_rule;

typedef struct kw_sudo_alias {
	char *name;
	char **members;   /* NULL-terminated, owned */
	size_t n_members;
	unsigned line;
} kw_sudo_alias;

typedef struct kw_sudo_include {
	char *path;       /* as written (may be relative, may contain %h) */
	bool is_dir;
	unsigned line;
} kw_sudo_include;

typedef struct kw_sudoers {
	kw_sudo_rule *rules;
	size_t n_rules;
	kw_sudo_alias *aliases;
	size_t n_aliases;
	kw_sudo_include *includes;
	size_t n_includes;
} kw_sudoers;

int kw_sudoers_parse(const char *file, const uint8_t *data, size_t len, kw_sudoers *ret, kw_diags *d);
void kw_sudoers_release(kw_sudoers *s);

#endif
