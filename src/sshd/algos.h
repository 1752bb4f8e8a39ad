/* algos.h — sshd algorithm lists (Ciphers, MACs, KexAlgorithms, the key-algorithm lists) and
 * their ratings. Owner: helper "algos" (src/sshd/algos.{c,h}, data/algorithms.ratings,
 * data/openssh/9.2.defaults).
 *
 * Resolving: an algorithm keyword takes one comma-separated token. kw_algos_resolve() turns
 * that token into the list sshd will use, exactly as OpenSSH 9.2 does it: the parse-time
 * validation of servconf.c (ciphers_valid / mac_valid / kex_names_valid /
 * sshkey_names_valid2) followed by kex_assemble_names() against the compiled-in default
 * and "all supported" lists of data/openssh/9.2.defaults:
 *   "a,b"   replaces the default; every name must be supported (key lists allow patterns);
 *   "+a,b"  appends to the default (validated);
 *   "-a,b"  removes from the default (patterns, not validated);
 *   "^a,b"  moves to the front (validated).
 * The result is the comma list that `sshd -T` prints.
 *
 * Rating: data/algorithms.ratings (embedded at build time as kw_sshd_data "algorithms";
 * format in docs/algorithms.md) grades every name per policy column ("baseline",
 * "strict", ...). Pure functions, no I/O; the built-in tables are parsed lazily once.
 */
#ifndef KW_SSHD_ALGOS_H
#define KW_SSHD_ALGOS_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	KW_ALG_CIPHERS,    /* Ciphers */
	KW_ALG_MACS,       /* MACs */
	KW_ALG_KEX,        /* KexAlgorithms */
	KW_ALG_HOSTKEY,    /* HostKeyAlgorithms */
	KW_ALG_PUBKEY,     /* PubkeyAcceptedAlgorithms (alias PubkeyAcceptedKeyTypes) */
	KW_ALG_HOSTBASED,  /* HostbasedAcceptedAlgorithms (alias HostbasedAcceptedKeyTypes) */
	KW_ALG_CASIG,      /* CASignatureAlgorithms */
	KW_ALG__COUNT
} kw_alg_kind;

/* The kind for an sshd keyword (case-insensitive, aliases accepted); -ENOENT if the
 * keyword is not an algorithm list. */
int kw_algos_kind_from_keyword(const char *keyword, kw_alg_kind *ret);
/* The canonical keyword ("Ciphers", "MACs", ...) and the lowercase -T name ("ciphers"). */
const char *kw_algos_keyword(kw_alg_kind kind);
const char *kw_algos_t_name(kw_alg_kind kind);

/* The 9.2 default list (what `sshd -T -f /dev/null` prints), and every name a list may
 * contain ("all" of kex_assemble_names). Static strings; NULL if the embedded data is bad. */
const char *kw_algos_default(kw_alg_kind kind);
const char *kw_algos_supported(kw_alg_kind kind);

/* sshd 9.2 handles an algorithm keyword in two steps, and so does keyward:
 *
 *  1. parse time (every line: also a later duplicate whose value is ignored, and a line
 *     in a Match block that does not apply):
 *     kw_algos_validate() — the +/^/plain names must be supported; -list is not checked.
 *     Refusal: "Bad SSH2 cipher spec 'x'." / "Bad SSH2 mac spec 'x'." /
 *     "Bad SSH2 KexAlgorithms 'x'." / "Bad key types 'x'.", or for an empty value
 *     "<keyword as written> missing argument." (Ciphers, MACs, KexAlgorithms) /
 *     "Missing argument." (key lists). sshd prints these as "FILE line N: MSG" and exits.
 *  2. kw_algos_assemble() — kex_assemble_names(): expand the prefix against the default,
 *     expand patterns against the supported list, drop duplicates. sshd assembles the
 *     global value twice (fill_default_server_options, then again when the Match pass
 *     copies the options), so a global "-list" that removes everything comes back as the
 *     default; a value set inside a matching Match block (PubkeyAcceptedAlgorithms,
 *     HostbasedAcceptedAlgorithms, CASignatureAlgorithms) is assembled once, against the
 *     DEFAULT (not the global value), and may print as "" (`pubkeyacceptedalgorithms `).
 *     Refusal: "assemble_algorithms: ciphers: invalid argument" (sshd prints it without a
 *     location; the field name is sshd's: ciphers, macs, kex_algorithms, hostkeyalgorithms,
 *     pubkey_accepted_algos, hostbased_accepted_algos, ca_sign_algorithms). It happens for
 *     an empty result or a "!name" that slipped past validation.
 *
 * All: value NUL-terminated, without quotes; names are case-sensitive. Success: 0 and
 * *ret_list = malloc'd comma list as `sshd -T` prints it. Refusal: KW_E_PARSE and
 * *ret_err = malloc'd message as above without "FILE line N: " (ret_err may be NULL).
 * Also -ENOMEM, KW_E_TOOBIG (value over 1 MiB), KW_E_PARSE with a message if the embedded
 * version data is broken. */
int kw_algos_validate(kw_alg_kind kind, const char *keyword_as_written, const char *value,
		      char **ret_err);
int kw_algos_assemble(kw_alg_kind kind, const char *value, char **ret_list, char **ret_err);
/* The global-section value: validate, assemble, assemble again (see above). */
int kw_algos_resolve(kw_alg_kind kind, const char *value, char **ret_list, char **ret_err);

/* Is name (exact) in the comma list? Helper for checks. */
bool kw_algos_list_has(const char *list, const char *name);

/* ---- ratings ---- */

typedef enum { KW_GRADE_OK, KW_GRADE_WARN, KW_GRADE_FAIL, KW_GRADE_UNKNOWN } kw_grade;

const char *kw_grade_name(kw_grade g);   /* "ok" "warn" "fail" "unknown" */

/* Grade one algorithm name under a policy column ("baseline", "strict", or any column the
 * ratings file declares) using the built-in ratings. *ret_reason: a static string citing
 * the source (never NULL on success; "not in the ratings table" for KW_GRADE_UNKNOWN).
 * -ENOENT if the policy is not a column; KW_E_PARSE if the embedded table is bad. */
int kw_algos_grade(kw_alg_kind kind, const char *name, const char *policy, kw_grade *ret,
		   const char **ret_reason);

/* Grade every name of a comma list under policy (built-in ratings): the names graded
 * fail appended to fail, those graded warn to warn, each as "name (reason)" joined by
 * ", ". Names longer than 255 bytes are skipped. 0, -ENOENT (no such policy), KW_E_PARSE
 * (bad embedded table), -ENOMEM. Shared by the sshd_config checks and the scanner. */
int kw_algos_grade_list(kw_alg_kind kind, const char *list, const char *policy, kw_sb *fail,
			kw_sb *warn);

/* A parsed ratings table (a user-edited copy of data/algorithms.ratings). */
typedef struct kw_ratings kw_ratings;

/* Parse ratings text. 0 and *ret; on a bad line KW_E_PARSE and *ret_err = malloc'd
 * "line N: message" (ret_err may be NULL). Caps: 4096 rows, 16 policies, 1 MiB text. */
int kw_ratings_parse(const char *text, size_t len, kw_ratings **ret, char **ret_err);
void kw_ratings_free(kw_ratings *r);
/* The same lookup as kw_algos_grade against a given table (reason strings live as long as
 * the table). */
int kw_ratings_grade(const kw_ratings *r, kw_alg_kind kind, const char *name,
		     const char *policy, kw_grade *ret, const char **ret_reason);
/* Worst grade over a comma list: *ret = worst, *ret_index = 0-based position of the first
 * name with that grade. An empty list is KW_GRADE_OK with index 0. */
int kw_ratings_worst(const kw_ratings *r, kw_alg_kind kind, const char *list,
		     const char *policy, kw_grade *ret, size_t *ret_index);
/* The built-in table (parsed once; NULL if the embedded data does not parse). */
const kw_ratings *kw_ratings_builtin(void);

/* ---- Terrapin (CVE-2023-48795) ---- */

typedef enum {
	KW_STRICTKEX_FROM_LIST,  /* only "kex-strict-s-v00@openssh.com" in kex counts (a scan) */
	KW_STRICTKEX_SERVER,     /* the server always adds strict kex (Debian 9.2p1-2+deb12u2+) */
	KW_STRICTKEX_NONE,       /* the server never offers it (an unpatched OpenSSH < 9.6) */
} kw_strictkex;

/* Exposed when chacha20-poly1305@openssh.com is offered, or an -etm MAC together with a
 * CBC cipher, and strict kex is not in use. *ret_why (a static string; ret_why may be
 * NULL) says which condition decided. */
bool kw_algos_terrapin_check(const char *ciphers, const char *macs, const char *kex,
			     kw_strictkex strict, const char **ret_why);
/* The same for a 9.2 sshd_config: strict kex comes from the embedded version data
 * ("strictkex yes" in 9.2.defaults: Debian's 9.2 always offers it), so this returns false
 * for 9.2 with a note saying why. */
bool kw_algos_terrapin_exposed(const char *ciphers, const char *macs, const char *kex,
			       const char **ret_why);

#endif
