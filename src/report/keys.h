/* keys.h — render a key inventory (keys/inventory.h) as text or JSON.
 *
 * The JSON form is also the input of `keyward keys merge` (the fleet view): an object
 * {"format": "keyward-keys-inventory", "version": 1, "host", "target", "scanned",
 *  "summary": {...}, "keys": [...], "sources": [...]}; each key has role, account, path,
 * line, type, label, bits, fingerprint (SHA256:...), fingerprint_md5, comment, options,
 * sshd_ignores and, for host and
 * private keys, format and encrypted. Every string from the target is escaped (kw_escape).
 * No secret is written: private keys appear as their public fingerprint only.
 */
#ifndef KW_REPORT_KEYS_H
#define KW_REPORT_KEYS_H

#include "keys/inventory.h"

#include <stdio.h>

typedef struct kw_keys_meta {
	const char *host;      /* the host name for a live scan, or NULL */
	const char *target;    /* kw_target_describe */
	const char *scanned;   /* "2026-11-21T12:00:00Z" */
	bool md5;              /* text: MD5 fingerprints (ssh-keygen -E md5) instead of SHA256 */
} kw_keys_meta;

int kw_keys_render_text(FILE *out, const kw_keys_meta *m, const kw_inventory *inv);
int kw_keys_render_json(FILE *out, const kw_keys_meta *m, const kw_inventory *inv);

#endif
