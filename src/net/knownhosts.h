/* knownhosts.h — an OpenSSH known_hosts file (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT), read
 * as ssh(1) 9.2 reads it (hostfile.c hostkeys_foreach, check_markers, match_maybe_hashed;
 * match.c match_hostname), for `keyward scan --known-hosts`: which keys the file holds for
 * a host, so the scanner can say whether the server proved one of them.
 *
 * A line: optional marker (@cert-authority or @revoked), the host field (a comma list of
 * patterns with '*', '?' and '!' negation, or one hashed name "|1|base64 salt|base64
 * HMAC-SHA1(salt, name)"), the key type, the base64 key, an optional comment. Blank lines
 * and '#' comments are skipped. A line ssh would ignore (bad marker, hash it cannot use,
 * no key, a key it cannot read) is skipped with a FILE:LINE diagnostic; nothing in the
 * file makes the parser fail but size caps and memory.
 *
 * Lookups use the name ssh looks up: "host" for port 22, "[host]:port" for any other port
 * (kw_kh_hostport). Plain patterns are matched case-insensitively (ssh lowercases the
 * name and match_hostname lowercases the patterns); a negated pattern that matches makes
 * the line not match. A hashed name matches when the HMAC of the lowercased name under its
 * salt is its hash (ssh compares the re-encoded "|1|salt|hash" text, so a hashed field in
 * any other spelling never matches: it is skipped with a diagnostic).
 *
 * Differences from ssh, on purpose: a CR before the LF is dropped (ssh would make the key
 * or comment end in CR; for the key that breaks the line), lines over KW_KH_LINE_MAX and
 * lines holding a NUL are skipped with a diagnostic (ssh reads any length and stops at the
 * NUL), and at most KW_KH_ENTRIES_MAX keys are kept.
 *
 * @cert-authority lines hold CA keys: a host that presents a certificate signed by one is
 * trusted. keyward's scanner verifies plain host keys, not certificates, so lookups return
 * CA keys apart (kw_kh_match.ca) and the scan does not use them as expected keys.
 * @revoked lines are host-matched like the others (as ssh's load_hostkeys does); their
 * keys come back in kw_kh_match.revoked.
 *
 * Pure except kw_kh_load (reads one file). Strings in entries and diagnostics come from
 * the file: escape to print.
 */
#ifndef KW_NET_KNOWNHOSTS_H
#define KW_NET_KNOWNHOSTS_H

#include "base/diag.h"
#include "collect/sshkey.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_KH_FILE_MAX ((size_t)64 << 20)
#define KW_KH_LINE_MAX 65536
#define KW_KH_ENTRIES_MAX 500000
#define KW_KH_SALT_LEN 20            /* SHA-1 HMAC key and digest sizes (ssh's HASH_MAGIC "|1|") */
/* the longest name a lookup builds: "[" + host + "]:" + port */
#define KW_KH_NAME_MAX 300

typedef enum kw_kh_marker {
	KW_KH_PLAIN,
	KW_KH_CA,        /* @cert-authority */
	KW_KH_REVOKED,   /* @revoked */
} kw_kh_marker;

typedef struct kw_kh_entry {
	unsigned line;
	kw_kh_marker marker;
	bool hashed;
	uint8_t salt[KW_KH_SALT_LEN], hash[KW_KH_SALT_LEN]; /* hashed entries */
	char *hosts;            /* the pattern list as written (owned); NULL when hashed */
	char fp[KW_FP_LEN];     /* "SHA256:..." of the key */
	char label[16];         /* "ED25519", "RSA", ... (ssh-keygen's spelling) */
	char type[64];          /* the key's wire type name ("ssh-ed25519") */
	unsigned bits;
} kw_kh_entry;

typedef struct kw_known_hosts {
	kw_kh_entry *v;
	size_t n, cap;
	unsigned lines;         /* lines read */
	unsigned skipped;       /* lines ssh would ignore (each has a diagnostic) */
} kw_known_hosts;

/* Parse data[0..len) (name: the file name for diagnostics). 0, KW_E_TOOBIG (over
 * KW_KH_FILE_MAX), -ENOMEM, KW_E_CRYPTO. On error *ret is empty. Bad lines are
 * diagnostics in d (may be NULL), not errors. */
int kw_kh_parse(const char *name, const uint8_t *data, size_t len, kw_known_hosts *ret,
		kw_diags *d);
/* Read the file at path (a regular file of at most KW_KH_FILE_MAX bytes; "-" is not
 * special) and parse it. 0 or a negative code (-ENOENT, KW_E_NOTREG, KW_E_TOOBIG, ...). */
int kw_kh_load(const char *path, kw_known_hosts *ret, kw_diags *d);
void kw_kh_release(kw_known_hosts *kh);

/* The name ssh looks up for host at port: host itself for port 22 (and 0), else
 * "[host]:port". 0, or KW_E_TOOBIG when it does not fit out[cap]. */
int kw_kh_hostport(const char *host, uint16_t port, char *out, size_t cap);
/* Does entry e apply to name (as kw_kh_hostport builds it)? Case-insensitive. */
bool kw_kh_entry_matches(const kw_kh_entry *e, const char *name);

/* What a file holds for one host. The fingerprints point into the kw_known_hosts (valid
 * as long as it is), each fingerprint once per list, in file order. */
typedef struct kw_kh_match {
	bool any;                 /* some entry (any marker) matched */
	const char **keys;        /* plain entries: the keys the host may prove */
	size_t n_keys;
	unsigned keys_line;       /* the first plain entry that matched (0: none) */
	const char **revoked;     /* @revoked entries */
	size_t n_revoked;
	unsigned revoked_line;
	const char **ca;          /* @cert-authority entries (CA keys, not host keys) */
	size_t n_ca;
	unsigned ca_line;
} kw_kh_match;

/* Every entry that matches any of names[0..n) (host names or addresses, without port)
 * looked up at port. 0 or -ENOMEM (*m is then empty). Names longer than fits
 * KW_KH_NAME_MAX with the port are skipped. Release with kw_kh_match_release. */
int kw_kh_lookup(const kw_known_hosts *kh, const char *const *names, size_t n, uint16_t port,
		 kw_kh_match *m);
void kw_kh_match_release(kw_kh_match *m);

#endif
