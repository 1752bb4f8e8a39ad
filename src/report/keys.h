/* keys.h — render a key inventory (keys/inventory.h) as text or JSON.
 *
 * The JSON form is also the input of `keyward keys merge` (the fleet view): an object
 * {"format": "keyward-keys-inventory", "version": 1, "host", "target", "scanned",
 *  "summary": {...}, "keys": [...], "sources": [...]}; each key has role, account, path,
 * line, type, label, bits, fingerprint (SHA256:...), fingerprint_md5, comment, options,
 * sshd_ignores and, for host and
 * private keys, format and encrypted. Every string from the target is escaped (kw_escape).
 * No secret is written: private keys appear as their public fingerprint only.
 *
 * After "sources" come "accounts" (every passwd account in passwd order: name, uid,
 * shell, can_login true/false/null, why_not, password "usable"|"empty"|"locked"|"none",
 * password_digest (64 hex digits, --fleet-key only) or null, authorized_keys), then
 * "fleet_key_id" (16 hex digits or null) and "findings" (id, severity, title, account,
 * path, line, fingerprint, evidence; null when findings were not computed). Text shows
 * the findings after the key list, grouped by severity. The renderers only print what the
 * caller computed (keys/findings.h).
 */
#ifndef KW_REPORT_KEYS_H
#define KW_REPORT_KEYS_H

#include "checks/finding.h"
#include "keys/findings.h"
#include "keys/inventory.h"

#include <stdio.h>

typedef struct kw_keys_meta {
	const char *host;      /* the host name for a live scan, or NULL */
	const char *target;    /* kw_target_describe */
	const char *scanned;   /* "2026-11-21T12:00:00Z" */
	bool md5;              /* text: MD5 fingerprints (ssh-keygen -E md5) instead of SHA256 */
	const kw_keys_account *accounts; /* every passwd account (JSON "accounts") */
	size_t n_accounts;
	const kw_findings *findings;     /* sorted; NULL: not computed */
	const char *fleet_key_id;        /* 16 lowercase hex digits, or NULL */
	const char *note;                /* what could not be checked (text), or NULL */
} kw_keys_meta;

int kw_keys_render_text(FILE *out, const kw_keys_meta *m, const kw_inventory *inv);
int kw_keys_render_json(FILE *out, const kw_keys_meta *m, const kw_inventory *inv);

#endif
