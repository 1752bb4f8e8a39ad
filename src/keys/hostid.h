/* hostid.h — the identity a fleet database files a host's snapshots under.
 *
 * machine-id(5) asks applications not to use the machine ID itself (it is confidential)
 * but a keyed hash of it with an application-specific key, as systemd's
 * sd_id128_get_machine_app_specific(3) computes: HMAC-SHA256 keyed with the 16 bytes of
 * the machine ID over an application ID, its first 16 bytes marked as a version 4 UUID.
 * kw_host_id does the same with keyward's application ID on the target's /etc/machine-id,
 * so a live host and an image of it that kept its machine-id get the same identity, and
 * the machine ID never leaves the host. A target without a valid machine-id (an image
 * prepared for capture) has none: the caller names one, or uses the target's name.
 */
#ifndef KW_KEYS_HOSTID_H
#define KW_KEYS_HOSTID_H

#include "target/target.h"

#include <stddef.h>
#include <stdint.h>

#define KW_HOST_ID_LEN 33  /* 32 lowercase hex digits and a NUL */

/* keyward's application ID (a random 128-bit constant) */
extern const uint8_t kw_host_id_app[16];

/* The app-specific ID of a machine ID given as text (32 hex digits, an optional newline):
 * 0, KW_E_PARSE (not a machine ID: empty, "uninitialized", anything else) or KW_E_CRYPTO. */
int kw_host_id_from_machine_id(const char *text, size_t len, char out[KW_HOST_ID_LEN]);

/* The same for the target's /etc/machine-id: 0, -ENOENT (no file), KW_E_PARSE, or a
 * read error. */
int kw_host_id(kw_target *t, char out[KW_HOST_ID_LEN]);
/* The same for the machine keyward runs on (its own /etc/machine-id). */
int kw_host_id_here(char out[KW_HOST_ID_LEN]);

#endif
