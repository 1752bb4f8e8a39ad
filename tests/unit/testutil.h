/* testutil.h — helpers shared by the cmocka unit tests (compiled into each of them).
 * They fail the running test (cmocka fail_msg) instead of returning errors. */
#ifndef KW_TESTUTIL_H
#define KW_TESTUTIL_H

#include "base/diag.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Whole file, NUL-terminated (not counted in *len); the caller frees it. */
uint8_t *kwt_read_file(const char *path, size_t *len);
/* A new private folder "/tmp/<prefix>" + six random characters, in dir[cap]. 0 or -1. */
int kwt_mkdtemp(char *dir, size_t cap, const char *prefix);
/* Remove a folder tree, depth first, following no symbolic link. 0 or -1. */
int kwt_rm_tree(const char *dir);
/* Files and folders of a fixture tree: root + rel, with the mode and uid (= gid) given
 * (the tests run as root). */
void kwt_put(const char *root, const char *rel, const char *text, mode_t mode, uid_t uid);
void kwt_mkdir(const char *root, const char *rel, mode_t mode, uid_t uid);
void kwt_chmod(const char *root, const char *rel, mode_t mode);
/* The first diagnostic at `line`, or NULL. */
const kw_diag *kwt_diag_at(const kw_diags *d, unsigned line);

#endif
