/* path.h — Windows paths inside a target, found the way NTFS finds them.
 *
 * NTFS compares names without regard to case, and a system volume copied or mounted on
 * Linux (ntfs-3g, guestmount, an unpacked archive) keeps each name's own spelling:
 * "Windows/System32/config/SAM" may be "WINDOWS/system32/CONFIG/sam". kw_win_path walks
 * the path one component at a time through kw_target (so symlinks stay inside the root),
 * taking the exact spelling where it exists and otherwise the first name, in name order,
 * equal to it without regard to ASCII case.
 *
 * Ownership: *ret is the caller's (free()).
 */
#ifndef KW_WINDOWS_PATH_H
#define KW_WINDOWS_PATH_H

#include "target/target.h"

/* The path as spelled in the target of `path` ("/Windows/System32/config/SAM"), or
 * -ENOENT (no such entry), -ENOTDIR, -ENOMEM or the target's error. */
int kw_win_path(kw_target *t, const char *path, char **ret);

/* A path written the Windows way ("C:\\Windows\\Panther\\unattend.xml",
 * "%SystemRoot%\\Panther\\x.xml", "\\Windows\\x") as a path inside the target
 * ("/Windows/Panther/unattend.xml"). The drive letter is dropped: the target is the
 * system volume. NULL for what is not a local absolute path (UNC "\\\\server\\share",
 * another variable, an empty string) or on ENOMEM (errno says which). */
char *kw_win_path_from_windows(const char *wpath);

#endif
