/* userdata.h — what instance user data does to logon, read without running it.
 *
 * User data comes base64-encoded in launch requests, launch templates and Terraform's
 * *_base64 attributes, sometimes gzip-compressed (cloud-init accepts that) and sometimes
 * a MIME multipart of several parts. kw_userdata_judge decodes what it can and scans
 * the text, line by line, for settings that open password logon:
 *   cloud-config  ssh_pwauth: true|yes, chpasswd: (list/users/expire), password: or
 *                 plain_text_passwd: / hashed_passwd: in users:, disable_root: false
 *   shell         `PasswordAuthentication yes` written into sshd_config (sed, echo, tee),
 *                 `chpasswd`, `passwd --stdin`, `usermod -p|--password`, `echo ... | passwd`,
 *                 PermitRootLogin yes
 *   PowerShell/cmd  `net user NAME PASS`, `Set-LocalUser -Password`, autologon
 *                 DefaultPassword
 * The verdict says what and on which line, never the value: a password on that line is
 * not copied anywhere.
 */
#ifndef KW_CLOUD_USERDATA_H
#define KW_CLOUD_USERDATA_H

#include "cloud/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_USERDATA_MAX ((size_t)16 << 20)   /* decoded bytes scanned at most */

typedef struct kw_userdata_verdict {
	unsigned hits;             /* KW_UD_* */
	unsigned line;             /* first hit's line, 1-based; 0 none */
	char what[96];             /* the first hit described, secret-free ("ssh_pwauth: true") */
} kw_userdata_verdict;

/* Scan decoded text (any bytes; NULs and binary are skipped over). Pure. */
void kw_userdata_scan(const uint8_t *data, size_t n, kw_userdata_verdict *v);

/* Does text[0..n) look like base64 rather than plain user data: only the base64 alphabet
 * and whitespace, '=' only as the final padding (at most two), a multiple of four
 * characters? For exports that hold user data either way (a --cli-input-json request,
 * Alibaba's Terraform user_data). */
bool kw_userdata_looks_base64(const char *text, size_t n);

/* Decode text as an export holds it (base64 when is_base64, whitespace allowed; then gzip
 * if it starts with the gzip magic) into a new buffer, at most KW_USERDATA_MAX bytes.
 * 0, KW_E_PARSE (not base64, broken gzip: *why says so), KW_E_TOOBIG, -ENOMEM. */
int kw_userdata_decode(const char *text, size_t n, bool is_base64, uint8_t **ret,
		       size_t *ret_len, const char **why);

/* Decode and scan, and fill l->user_data (TRUE, or UNKNOWN with l->ud_why), l->ud_hits,
 * l->ud_line and l->ud_what (arena strings). 0 or -ENOMEM. */
int kw_userdata_judge(kw_cloud_model *m, kw_cloud_launch *l, const char *text, size_t n,
		      bool is_base64);

#endif
