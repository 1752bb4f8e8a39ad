/* fleet.h — the fleet view behind `keyward keys merge`: many hosts' key inventories (the
 * JSON of `keyward keys scan --format json`, format "keyward-keys-inventory" version 1)
 * loaded, checked and aggregated by key fingerprint. Owned by the keys module.
 *
 * ---- Input: hostile JSON ----
 * An inventory comes from a host that may be compromised, so every file is read as
 * hostile: at most KW_FLEET_MAX_FILE bytes, parsed by jansson with duplicate members
 * rejected, "format" and "version" checked, and the type of every member this code uses
 * checked (a member it does not use may hold anything). A problem refuses the whole file
 * with a message naming the file and the member ("web-1.json: keys[3].fingerprint: a
 * string or null is needed"). Every string taken from an inventory is stored in its
 * kw_escape form (escaped once, at load): whatever the fleet holds is safe to print or to
 * put in JSON, and two strings are equal exactly when their escaped forms are.
 *
 * A host is named by the inventory's "host", else its "target", else the file name as
 * given (opts.name_by_file: always by the file name, without folder and ".json"). Two
 * inventories naming the same host are refused, unless opts.newest: then the
 * one with the newest "scanned" time counts (on a tie, the one added last) and the others
 * are kept as "superseded" (listed, not counted).
 *
 * ---- What is aggregated ----
 * Entries are grouped by SHA256 fingerprint across hosts (hash tables: no scan is
 * quadratic in hosts or keys):
 *   - role "authorized" lines sshd uses (sshd_ignores false): which hosts and accounts each
 *     key opens. Lines sshd ignores and "unread" keys open nothing: they are counted per
 *     host, not aggregated;
 *   - role "host" and "private" entries with a fingerprint: which hosts hold the key.
 * An authorized place is a root place when its account is "root" or, where the inventory
 * has an "accounts" array, an account of uid 0.
 *
 * Password digests ("accounts"[].password_digest, HMAC-SHA256 under a fleet key of the
 * account's password hash) are grouped by (fleet_key_id, digest): digests made under
 * different fleet keys never match, so inventories scanned with different keys are only
 * compared within each key's group (the caller says so: n_fleet_keys > 1). The digests
 * themselves are never part of a report: groups are.
 */
#ifndef KW_KEYS_FLEET_H
#define KW_KEYS_FLEET_H

#include "base/arena.h"
#include "base/strindex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_FLEET_MAX_FILE ((size_t)64 << 20)   /* bytes per inventory */
#define KW_FLEET_MAX_ENTRIES 1000000u          /* keys and accounts per inventory */

typedef enum kw_fleet_role {
	KW_FLEET_AUTHORIZED = 0,
	KW_FLEET_HOST,
	KW_FLEET_PRIVATE,
	KW_FLEET_ROLE_COUNT
} kw_fleet_role;

/* The report's sections: keys that deserve a look, each a list of f->keys indexes. */
typedef enum kw_fleet_section {
	KW_FLEET_WIDESPREAD = 0, /* authorized on more than opts.hosts hosts */
	KW_FLEET_ROOT,           /* authorized for root (or uid 0) on some host */
	KW_FLEET_PEOPLE,         /* authorized for accounts of different names: shared by people? */
	KW_FLEET_HOSTKEY,        /* the same host key on several hosts: a cloned image */
	KW_FLEET_PRIVKEY,        /* the same private key on several hosts */
	KW_FLEET_HOP,            /* a private key on one host that opens another host */
	KW_FLEET_SECTION_COUNT
} kw_fleet_section;

/* One inventory. Strings are interned and escaped (see above); NULL when absent. */
typedef struct kw_fleet_host {
	const char *name;
	const char *file;          /* as the caller named it */
	const char *scanned;       /* "2026-11-21T12:00:00Z" or NULL */
	const char *fleet_key_id;  /* 16 hex digits or NULL (scanned without --fleet-key) */
	bool has_accounts;         /* the inventory has an "accounts" array */
	bool superseded;           /* opts.newest: a newer inventory of this host counts */
	size_t n_authorized;       /* authorized lines sshd uses */
	size_t n_ignored;          /* authorized or unread lines sshd ignores */
	size_t n_unread;           /* keys in files sshd does not read for their account */
	size_t n_hostkeys, n_private;
	size_t n_accounts, n_digests;
} kw_fleet_host;

/* Where a key was found. account and path are string ids: f->str[id] (0 = none). */
typedef struct kw_fleet_place {
	uint32_t host;             /* index in f->hosts */
	uint32_t account;
	uint32_t path;
	uint32_t line;             /* 0: none */
	uint32_t key;              /* index in f->keys */
	uint8_t role;              /* kw_fleet_role */
	bool root;                 /* authorized for root or uid 0 */
} kw_fleet_place;

typedef struct kw_fleet_key {
	uint32_t fp, label, comment; /* string ids; comment: the first one met */
	uint32_t bits;               /* 0: unknown */
	size_t first, n;             /* after kw_fleet_finish: f->places[first .. first + n),
				      * in the order the hosts were added */
	uint32_t hosts[KW_FLEET_ROLE_COUNT]; /* distinct hosts holding it, per role */
	uint32_t hop_hosts;          /* distinct hosts holding it as authorized or private */
	uint32_t names;              /* distinct account names among its authorized places */
	bool root;
} kw_fleet_key;

typedef struct kw_fleet_pw {
	uint32_t host;
	uint32_t account;            /* string id */
	uint32_t uid;
	uint32_t fleet_key_id;       /* string id */
	uint8_t digest[32];
} kw_fleet_pw;

/* Accounts sharing one password digest: f->pws[first .. first + n), n >= 2. */
typedef struct kw_fleet_pwgroup {
	size_t first, n;
	uint32_t hosts;              /* distinct hosts among them */
} kw_fleet_pwgroup;

typedef struct kw_fleet_opts {
	unsigned hosts;  /* KW_FLEET_WIDESPREAD: keys authorized on more than this many hosts */
	bool newest;     /* several inventories of one host: the newest counts */
	bool name_by_file; /* name hosts by their file name (no folder, no ".json"), not by
			    * "host": clones that kept one hostname stay apart */
} kw_fleet_opts;

typedef struct kw_fleet {
	kw_fleet_opts opts;
	kw_fleet_host *hosts;
	size_t n_hosts, cap_hosts;
	kw_fleet_key *keys;
	size_t n_keys, cap_keys;
	kw_fleet_place *places;    /* grouped by key after kw_fleet_finish */
	size_t n_places, cap_places;
	kw_fleet_pw *pws;          /* after kw_fleet_finish: sorted so that groups are runs */
	size_t n_pws, cap_pws;
	kw_fleet_pwgroup *pwgroups; /* most accounts first */
	size_t n_pwgroups, cap_pwgroups;
	size_t *section[KW_FLEET_SECTION_COUNT]; /* key indexes, most hosts first */
	size_t n_section[KW_FLEET_SECTION_COUNT];
	/* after kw_fleet_finish, over the hosts that count (not superseded) */
	size_t n_counted;          /* hosts that count */
	size_t n_superseded;
	size_t n_with_key_id;      /* hosts scanned with a fleet key */
	uint32_t *fleet_key_ids;   /* the distinct fleet_key_id string ids, in order met */
	size_t *fleet_key_hosts;   /* [i]: hosts counted under fleet_key_ids[i] */
	size_t n_fleet_keys;
	size_t n_authorized, n_ignored, n_unread;
	/* interned strings: str[0] is NULL; ids are indexes */
	const char **str;
	size_t n_str, cap_str;
	/* private to fleet.c */
	kw_strindex str_ix;        /* string -> id */
	uint32_t *str_key;         /* per string id: key index + 1 of that fingerprint, or 0 */
	uint32_t *str_host;        /* per string id: host index + 1 of that host name, or 0 */
	uint32_t *str_mark;        /* per string id: scratch stamps (uid 0 names, distinct names) */
	uint32_t stamp;
	kw_arena arena;
	bool finished;
} kw_fleet;

void kw_fleet_init(kw_fleet *f, const kw_fleet_opts *opts);
void kw_fleet_release(kw_fleet *f);

/* Add one inventory from memory; name is the file name for messages and the fallback host
 * name. On failure (KW_E_PARSE: malformed, KW_E_TOOBIG, KW_E_USAGE: a second inventory of a
 * host without opts.newest, -ENOMEM) the fleet is unchanged and err[errlen] says why,
 * escaped, starting with the file name. Not after kw_fleet_finish. */
int kw_fleet_add_buf(kw_fleet *f, const char *name, const void *data, size_t len,
		     char *err, size_t errlen);
/* Add one inventory file (regular files only, at most KW_FLEET_MAX_FILE bytes). */
int kw_fleet_add_file(kw_fleet *f, const char *path, char *err, size_t errlen);

/* Aggregate: group places by key, count hosts and names, fill the sections and the
 * password groups. 0 or -ENOMEM. Once. */
int kw_fleet_finish(kw_fleet *f);

/* The distinct account names of a key's authorized places, in the order met, as string
 * ids in out[0..cap); returns how many there are (may be more than cap). */
size_t kw_fleet_key_names(kw_fleet *f, const kw_fleet_key *k, uint32_t *out, size_t cap);

/* Any section or password group not empty. */
bool kw_fleet_any_finding(const kw_fleet *f);

/* "widespread", "root", "people", "host_keys", "private_keys", "hops" */
const char *kw_fleet_section_name(kw_fleet_section s);
const char *kw_fleet_role_name(kw_fleet_role r); /* "authorized", "host", "private" */

#endif
