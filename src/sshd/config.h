/* config.h — sshd_config read exactly as OpenSSH 9.2 (Debian 12) reads it: Include with
 * globs inside the target, Match in two passes, first-value-wins, accumulating keywords,
 * defaults, and provenance (file:line of every effective value, shadowed lines, Match
 * blocks). Owner: helper "engine".
 *
 *   kw_sshd_config_load()  pass 1: every file, every line (syntax), global values.
 *   kw_sshd_config_eval()  pass 2 for one connection (-C): the lines of matching Match
 *                          blocks, applied over the global values as sshd applies them.
 *   kw_sshd_print()        the `sshd -T` text of a result (print.c).
 *
 * Files come only through src/target (kw_target_read / kw_target_list), so a folder or
 * tarball image resolves /etc/ssh/... inside itself. Users and groups for Match Group come
 * from the target's /etc/passwd and /etc/group. Caps: 16 MiB per file (a line may be as
 * long: sshd has no line limit), 65536 arguments per line, Include depth 16 (sshd's),
 * 4096 included files and 4,000,000 lines per pass.
 *
 * Errors: a config sshd would refuse gives KW_E_PARSE and kw_diags entries "file, line,
 * message" in sshd's words (the last one fatal). Warnings (deprecated keywords) are
 * non-fatal diags. Strings in diags and values come from the target: escape to print.
 */
#ifndef KW_SSHD_CONFIG_H
#define KW_SSHD_CONFIG_H

#include "base/buf.h"
#include "base/diag.h"
#include "sshd/keywords.h"
#include "sshd/match.h"
#include "target/target.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kw_sshd_config kw_sshd_config;
typedef struct kw_sshd_result kw_sshd_result;

typedef struct kw_sshd_load_opts {
	const char *config_path;        /* NULL: /etc/ssh/sshd_config; "none": no file */
	const char *const *hostkeys;    /* -h KEY, in order (added before the file) */
	size_t n_hostkeys;
	const char *const *overrides;   /* -o KEY=VALUE lines, parsed before the file */
	size_t n_overrides;
	/* In-memory main file instead of reading config_path (fuzzing, tests): */
	const uint8_t *text;
	size_t text_len;
} kw_sshd_load_opts;

/* Pass 1. On success *ret (free with kw_sshd_config_free). KW_E_PARSE: sshd would refuse
 * the configuration (diags say why, with file and line). Other negative codes: I/O. */
int kw_sshd_config_load(kw_target *t, const kw_sshd_load_opts *o, kw_sshd_config **ret,
			kw_diags *d);
void kw_sshd_config_free(kw_sshd_config *c);

/* Pass 2 for a connection (conn NULL: `sshd -T` without -C: no criterion matches but
 * "all"; 9.2 makes any "Match LocalPort" fatal then). KW_E_PARSE if sshd would stop. */
int kw_sshd_config_eval(kw_sshd_config *c, const kw_sshd_conn *conn, kw_sshd_result **ret,
			kw_diags *d);
/* The global values (pass 1 plus defaults) as a result owned by the config. */
const kw_sshd_result *kw_sshd_config_global(const kw_sshd_config *c);
void kw_sshd_result_free(kw_sshd_result *r);

/* Values as `sshd -T` would print them (defaults included). For one-line options the
 * array has one element. Returns the count; *ret_v is owned by the result. */
size_t kw_sshd_values(const kw_sshd_result *r, kw_sshd_opt id, const char *const **ret_v);
/* First value or NULL (unset list without default). */
const char *kw_sshd_value(const kw_sshd_result *r, kw_sshd_opt id);
/* Where the effective value came from: 0 and file/line; -ENOENT for a default. The file
 * string lives as long as the config. "command-line" for -o, line 0. */
int kw_sshd_value_source(const kw_sshd_result *r, kw_sshd_opt id, const char **ret_file,
			 unsigned *ret_line);

/* Lines that set a keyword while it was already set (first-value-wins lost), pass 1. */
typedef struct kw_sshd_shadow {
	kw_sshd_opt opt;
	const char *file;  unsigned line;        /* the line that lost */
	const char *win_file; unsigned win_line; /* the line in force */
} kw_sshd_shadow;
size_t kw_sshd_shadowed(const kw_sshd_config *c, const kw_sshd_shadow **ret);

/* Every Match line met in pass 1, in file order. */
typedef struct kw_sshd_matchblock {
	const char *file;
	unsigned line;
	char *criteria;     /* the text after "Match", as written */
} kw_sshd_matchblock;
size_t kw_sshd_match_blocks(const kw_sshd_config *c, const kw_sshd_matchblock **ret);

/* Every file read (main file first, then includes in order). */
size_t kw_sshd_files(const kw_sshd_config *c, const char *const **ret);

/* `sshd -T` text of a result (print.c). */
int kw_sshd_print(const kw_sshd_result *r, kw_sb *out);

#endif
