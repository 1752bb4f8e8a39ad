/* store.h — key inventory snapshots in SQLite, and what changed between two inventories:
 * the library behind `keyward keys snapshot` and `keyward keys diff`. Owned by the keys
 * module.
 *
 * ---- The model ----
 * A kw_keysnap is an inventory (keys/inventory.h) copied into owned memory, plus where and
 * when it was taken. Strings are kept exactly as the target had them (raw bytes, never a
 * NUL): they are hostile, escape them to print. A snapshot belongs to a *target name*: the
 * live host's name, the absolute path of an image root or tarball, or a name the user
 * gives. `keys diff` compares with snapshots of the same name.
 *
 * ---- The database ----
 * A kw_db (db/db.h): a SQLite file (default KW_KEYS_DB_DEFAULT; the file checks, modes,
 * WAL and synchronous=FULL of db.h, so concurrent snapshots all land) or a PostgreSQL
 * database named by a postgresql:// URI, shared by a fleet. The same tables and queries
 * on both (schema version KW_KEYSTORE_SCHEMA; a database of another application or of a
 * newer schema is refused and never changed):
 *
 *   snapshots(id, taken (Unix seconds, UTC), host, host_id, target, target_desc, complete,
 *             n_keys, n_sources, n_authorized, n_accounts, n_unread, n_ignored, n_host,
 *             n_private, digest)
 *   keys(snapshot -> snapshots.id ON DELETE CASCADE, seq, role, account, path, line,
 *        has_pub, type, label, bits, fingerprint, fingerprint_md5, comment, options,
 *        sshd_ignores, format, encrypted)
 *   sources(snapshot -> snapshots.id ON DELETE CASCADE, seq, keyword, value, account)
 *   host_latest(host_id, target, snapshot): each host's newest snapshot of each target
 *   latest_keys(host_id, target, snapshot, seq, fingerprint, grants, label, bits): the
 *        keys of those snapshots, what the fleet queries read (a host that drops a key
 *        stops being listed for it; the cost follows the fleet, not its history)
 *
 * host_id is the identity of the machine the snapshot describes (its machine-id, or what
 * the user names); snapshots of schema 1 have none ("" in host_latest). No secret is
 * stored: fingerprints, paths, accounts, options and comments only.
 *
 * A snapshot is written in one transaction: it is all there or not at all. digest is the
 * hex SHA-256 of the snapshot's canonical encoding (kw_keysnap_digest): loading recomputes
 * it, and every row read back is validated (types, ranges, the shape of fingerprints, no
 * NUL): a snapshot that was edited by hand or damaged fails to load (KW_E_PARSE with why)
 * instead of producing a wrong diff. The audit line of a snapshot records the digest, so
 * the hash-chained audit trail pins what the database held.
 *
 * ---- Identity and the diff ----
 * Two entries are "the same key in the same place" when role, account and fingerprint are
 * equal (entries without a public key: role, account and path). Within that identity the
 * entries of the two sides are paired first exactly, then by file (a key moved to another
 * line of its file), then in order (moved to another file); what is left unpaired is added
 * or removed. So moving a key to another line or file is a change, the same key added for a
 * second account is an addition, and a duplicated line is an addition too. A pair that
 * differs in file, line, options, comment, whether sshd ignores the line, private key
 * format or encryption is a change, with a bit for each. Sources (AuthorizedKeysCommand and
 * the like) are compared as a multiset of (keyword, account, value).
 *
 * Library code: no output; errors are negative codes (err.h) with a sentence in err.
 */
#ifndef KW_KEYS_STORE_H
#define KW_KEYS_STORE_H

#include "collect/sshkey.h"
#include "keys/inventory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_KEYS_DB_DEFAULT "/var/lib/keyward/keys.db"
#define KW_KEYSTORE_SCHEMA 3               /* the schema version this code writes */
#define KW_KEYSTORE_TEXT_MAX ((size_t)1 << 16) /* longest string accepted from the file */
#define KW_KEYSNAP_DIGEST_HEX 64

/* One inventory entry, owned. */
typedef struct kw_keyrec {
	enum kw_keyrole role;
	char *account;           /* NULL for host keys */
	char *path;              /* never NULL */
	unsigned line;           /* authorized, unread: the line; 0 otherwise */
	bool has_pub;            /* type, label, bits, fp, fp_md5 are known */
	char type[64];
	char label[16];
	unsigned bits;
	char fp[KW_FP_LEN];
	char fp_md5[KW_FP_MD5_LEN]; /* "" when unknown */
	char *comment;           /* authorized, unread; NULL when the line has none */
	char *options;           /* authorized, unread; NULL when the line has none */
	bool sshd_ignores;
	char *format;            /* host, private: kw_privkey_format_name, or NULL (unreadable) */
	int encrypted;           /* host, private: 1, 0, -1 unknown (or unreadable) */
} kw_keyrec;

/* One source that grants access but cannot be listed offline, owned. */
typedef struct kw_keysrc {
	char *keyword;
	char *value;
	char *account;           /* NULL: every account */
} kw_keysrc;

typedef struct kw_keysnap {
	int64_t id;              /* 0: not stored (a live scan) */
	int64_t taken;           /* Unix seconds, UTC */
	char *host;              /* the machine that took it; may be NULL */
	char *host_id;           /* the identity of the machine it describes; NULL in
				  * snapshots of schema 1 */
	char *target;            /* the target name diffs match on */
	char *target_desc;       /* kw_target_describe: "folder /mnt/img" */
	bool complete;           /* nothing was unreadable when it was taken */
	size_t n_authorized, n_accounts, n_unread, n_ignored, n_host, n_private;
	size_t n_keys_total;     /* kw_keystore_list: rows the snapshot holds (keys not loaded) */
	kw_keyrec *keys;
	size_t n_keys, cap_keys;
	kw_keysrc *sources;
	size_t n_sources, cap_sources;
	char digest[KW_KEYSNAP_DIGEST_HEX + 1]; /* set by save and load; "" otherwise */
} kw_keysnap;

typedef struct kw_keysnap_meta {
	int64_t taken;
	const char *host;        /* may be NULL */
	const char *host_id;     /* may be NULL */
	const char *target;
	const char *target_desc;
	bool complete;
} kw_keysnap_meta;

/* Copy inv (and the meta strings) into *ret. 0, -EINVAL (no target), or -ENOMEM (*ret is
 * then released). */
int kw_keysnap_from_inventory(const kw_inventory *inv, const kw_keysnap_meta *m, kw_keysnap *ret);
void kw_keysnap_release(kw_keysnap *s);

/* Hex SHA-256 over the canonical encoding of s: a version tag, taken, host, target,
 * target_desc, complete, the counts, every key (every field, in order) and every source.
 * Strings are length-prefixed (NULL apart from ""), integers 8 bytes big-endian. The id
 * is not included. 0, -ENOMEM or KW_E_CRYPTO. */
int kw_keysnap_digest(const kw_keysnap *s, char out[KW_KEYSNAP_DIGEST_HEX + 1]);

/* ---- the database ---- */

typedef struct kw_keystore kw_keystore;

enum {
	KW_KEYSTORE_CREATE = 1u << 0, /* create the file (and its folders) if missing; without
				       * it a missing file is -ENOENT */
};

/* Open the database name (a file path or a postgresql:// URI). 0, or a negative code with
 * err filled: -ELOOP (a symbolic link), KW_E_NOTREG, KW_E_REFUSED (a file with other hard
 * links), KW_E_UNSUPPORTED (not keyward's keys database, or a schema version this code
 * does not know), -ENOENT, -ECONNREFUSED (PostgreSQL unreachable), -errno, KW_E_PARSE. */
int kw_keystore_open(const char *path, unsigned flags, kw_keystore **ret, char *err, size_t errlen);
void kw_keystore_close(kw_keystore *s);

/* Called by kw_keystore_save with the snapshot's rows written but not yet committed, and
 * snap->id and snap->digest set (the database's write lock is held): 0 commits, a
 * negative code rolls everything back and is returned by save. `keys snapshot` appends
 * its audit line here, so no snapshot is stored without one. */
typedef int (*kw_keystore_commit_fn)(void *ctx, const kw_keysnap *snap);

/* Store snap as a new snapshot in one transaction; sets snap->id and snap->digest (both
 * cleared again on failure). before_commit may be NULL. */
int kw_keystore_save(kw_keystore *s, kw_keysnap *snap, kw_keystore_commit_fn before_commit,
		     void *ctx, char *err, size_t errlen);

/* Every stored snapshot (target NULL) or those of one target, oldest first, without their
 * keys and sources (n_keys_total says how many keys). Caller releases each and frees. */
int kw_keystore_list(kw_keystore *s, const char *target, kw_keysnap **ret, size_t *n,
		     char *err, size_t errlen);

/* Load snapshot id whole, validated (see the top). -ENOENT when there is none;
 * KW_E_PARSE when a row or the digest does not check. */
int kw_keystore_load(kw_keystore *s, int64_t id, kw_keysnap *ret, char *err, size_t errlen);

/* Delete all but the newest keep (>= 1) snapshots of target (by id), with their keys and
 * sources, in one transaction; *ret_deleted (may be NULL) says how many went. */
int kw_keystore_prune(kw_keystore *s, const char *target, size_t keep, size_t *ret_deleted,
		      char *err, size_t errlen);

/* ---- fleet queries: over each host's newest snapshot of each target ---- */

/* One place a key is: a host, and where on it. Strings owned, raw (escape to print). */
typedef struct kw_keyplace {
	char *host_id;           /* "" for snapshots without one */
	char *host;              /* may be NULL */
	char *target;
	int64_t snapshot, taken;
	enum kw_keyrole role;
	char *account;           /* NULL for host keys */
	char *path;
	unsigned line;           /* 0: none */
	bool sshd_ignores;
	char label[16];          /* ssh-keygen's type label ("ED25519"); "" when unknown */
	unsigned bits;
	char *comment, *options; /* may be NULL */
} kw_keyplace;

/* Every place of the key with SHA256 fingerprint fp (every role), ordered by host_id,
 * target and position. Caller frees with kw_keyplaces_free. */
int kw_keystore_where(kw_keystore *s, const char *fp, kw_keyplace **ret, size_t *n, char *err,
		      size_t errlen);
void kw_keyplaces_free(kw_keyplace *v, size_t n);

/* A key authorized (on lines sshd uses) on several hosts. */
typedef struct kw_keyshared {
	char fp[KW_FP_LEN];
	size_t hosts;            /* distinct host_ids */
	size_t places;           /* authorized lines, over all of them */
	char label[16];          /* ssh-keygen's type label */
	unsigned bits;
} kw_keyshared;

/* Keys authorized on at least min_hosts hosts, most hosts first (then by fingerprint), at
 * most limit (0: all). Caller frees *ret. */
int kw_keystore_shared(kw_keystore *s, size_t min_hosts, size_t limit, kw_keyshared **ret,
		       size_t *n, char *err, size_t errlen);

/* How many hosts (distinct host_ids) and host/target pairs the fleet tables know. */
int kw_keystore_fleet_size(kw_keystore *s, size_t *hosts, size_t *latest, char *err,
			   size_t errlen);

/* ---- naming a snapshot (--since, --to) ---- */

typedef enum kw_snapspec_kind {
	KW_SNAP_LATEST = 0,  /* "latest", "latest~N": the newest of the target, or N before it */
	KW_SNAP_ID,          /* "12", "#12": that snapshot, whatever its target */
	KW_SNAP_TIME,        /* "2026-11-21", "2026-11-21T12:00[:00][Z]" (UTC): the newest of
			      * the target taken at or before it; a date alone means the end of
			      * that day */
} kw_snapspec_kind;

typedef struct kw_snapspec {
	kw_snapspec_kind kind;
	int64_t n;           /* LATEST: how many back (0 = the newest); ID: the id; TIME: Unix s */
} kw_snapspec;

/* Parse a user's spec (NULL or "" = "latest"). 0 or KW_E_USAGE. Pure. */
int kw_snapspec_parse(const char *spec, kw_snapspec *ret);

/* The id of the snapshot spec names among target's snapshots (LATEST and TIME): with
 * host_id, only that host's and those of schema 1 (which have no host identity: a shared
 * database may hold several hosts' snapshots of one target name); with before > 0 only
 * snapshots whose id is below it. 0, -ENOENT (none; err says which), or a negative code. */
int kw_keystore_find(kw_keystore *s, const char *target, const char *host_id,
		     const kw_snapspec *spec, int64_t before, int64_t *ret_id, char *err, size_t errlen);

/* ---- the diff (pure) ---- */

enum kw_keychange_bits {
	KW_KC_PATH = 1u << 0,
	KW_KC_LINE = 1u << 1,
	KW_KC_OPTIONS = 1u << 2,
	KW_KC_COMMENT = 1u << 3,
	KW_KC_IGNORED = 1u << 4,
	KW_KC_FORMAT = 1u << 5,
	KW_KC_ENCRYPTED = 1u << 6,
	KW_KC_ALL = (1u << 7) - 1,
};
/* "file", "line", "options", "comment", "sshd_ignores", "format", "encrypted" for one bit;
 * NULL for anything else. */
const char *kw_keychange_name(unsigned bit);

typedef struct kw_keychange {
	const kw_keyrec *before, *after;
	unsigned what;           /* kw_keychange_bits */
} kw_keychange;

typedef struct kw_keydiff {
	const kw_keyrec **added;   /* in the newer snapshot's order */
	size_t n_added;
	const kw_keyrec **removed; /* in the older snapshot's order */
	size_t n_removed;
	kw_keychange *changed;     /* in the newer snapshot's order */
	size_t n_changed;
	size_t n_moved;            /* changes that are only the line (lines inserted above) */
	const kw_keysrc **src_added, **src_removed;
	size_t n_src_added, n_src_removed;
} kw_keydiff;

/* What changed from before to after (views into both: they must outlive d). 0 or -ENOMEM.
 * O(n log n) in the number of entries, whatever the duplicates. */
int kw_keydiff_compute(const kw_keysnap *before, const kw_keysnap *after, kw_keydiff *d);
void kw_keydiff_release(kw_keydiff *d);
static inline bool kw_keydiff_empty(const kw_keydiff *d)
{
	return !d->n_added && !d->n_removed && !d->n_changed && !d->n_src_added && !d->n_src_removed;
}

#endif
