/* inventory.h — every SSH key found on a target, and what it grants: the model behind
 * `keyward keys scan` (and, later, snapshots, diffs and the fleet view).
 *
 * Built from the collector's facts (src/collect): authorized_keys files located through
 * sshd's effective AuthorizedKeysFile for each account, the host keys, and user private
 * keys (with their public half when the file holds it). Pure: no I/O. Entries hold views
 * into the facts (strings, key records): the facts must outlive the inventory. Every
 * string came from the target and is hostile: escape it to print.
 *
 * What grants access but cannot be listed offline is recorded as a "source": an
 * AuthorizedKeysCommand, AuthorizedPrincipalsFile/Command, TrustedUserCAKeys (any
 * certificate that CA signs logs in).
 */
#ifndef KW_KEYS_INVENTORY_H
#define KW_KEYS_INVENTORY_H

#include "collect/facts.h"

#include <stdbool.h>
#include <stddef.h>

enum kw_keyrole {
	KW_KEY_AUTHORIZED = 0, /* a line of an authorized_keys file sshd reads: it grants access */
	KW_KEY_UNREAD,         /* a line of an authorized_keys file in a home that sshd does not
				* read for that account (a custom AuthorizedKeysFile): it opens
				* nothing today, and would if the configuration changed */
	KW_KEY_HOST,           /* a host key of sshd (private file; public half if known) */
	KW_KEY_PRIVATE,        /* a user's private key file */
};

typedef struct kw_invkey {
	enum kw_keyrole role;
	const char *account;   /* authorized, unread: whose; private: owner by home; host: NULL */
	const char *path;
	unsigned line;         /* authorized, unread: line in the file; 0 otherwise */
	bool has_pub;          /* the public key is known (fingerprint, type, bits) */
	const kw_pubkey *pub;  /* when has_pub */
	const kw_authkey *ak;  /* authorized, unread: the parsed line (options, comment) */
	bool ignored;          /* authorized, unread: sshd skips the line (options it rejects,
				* a type prefix that does not match the key): it opens nothing */
	const kw_privkey_info *priv; /* host and private: format, encryption */
	/* the other entries with the same fingerprint: index of the first other one, or -1;
	 * a private key next to the authorized key it opens is worth a look */
	long same_fp_first;
	size_t same_fp_count;  /* entries sharing the fingerprint, this one included */
} kw_invkey;

typedef struct kw_keysource {
	const char *account;   /* NULL: every account (the global configuration) */
	const char *keyword;   /* "AuthorizedKeysCommand", "TrustedUserCAKeys", ... */
	const char *value;     /* as sshd -T prints it */
} kw_keysource;

typedef struct kw_inventory {
	kw_invkey *keys;
	size_t n_keys, cap_keys;
	kw_keysource *sources;
	size_t n_sources, cap_sources;
	size_t n_authorized, n_unread, n_ignored, n_host, n_private;
	size_t n_accounts;     /* accounts that at least one authorized key opens */
	size_t *by_fp;         /* indexes of the keys with a public key, by fingerprint and
				* then index (the keys that share one are adjacent) */
	size_t n_by_fp;
} kw_inventory;

/* Build the inventory of f (views into f). 0 or -ENOMEM. Keys are ordered by role, then
 * authorized and unread keys by account, file and line, host and private keys by path. */
int kw_inventory_build(const kw_facts *f, kw_inventory *inv);
void kw_inventory_release(kw_inventory *inv);

const char *kw_keyrole_name(enum kw_keyrole r); /* "authorized", "unread", "host", "private" */
/* The role named s: 0 with *ret set, or KW_E_PARSE. */
int kw_keyrole_from_name(const char *s, enum kw_keyrole *ret);

#endif
