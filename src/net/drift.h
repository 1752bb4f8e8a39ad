/* drift.h — what a running sshd offers on the wire (its KEXINIT) against what its
 * sshd_config says it offers (`keyward scan --compare-config`). Pure: lists in, one
 * sentence per difference out.
 *
 * The configuration side is what `keyward sshd -T` prints (the caller reads it with the
 * sshd engine): Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms, and the types of the host
 * keys sshd would load. The host key list sshd puts in its KEXINIT is not
 * HostKeyAlgorithms but sshd.c list_hostkey_types(): for each loaded key in HostKey
 * order, its algorithms (an RSA key: rsa-sha2-512, rsa-sha2-256, then ssh-rsa; an RSA
 * certificate: the three -cert-v01@openssh.com forms), each only when HostKeyAlgorithms
 * lists it (kw_drift_hostkey_offer).
 *
 * The wire side: the kex list without the pseudo names sshd adds (kw_drift_pseudo_kex:
 * ext-info-s, kex-strict-s-v00@openssh.com and their client forms); ciphers and MACs of
 * both directions together (sshd sends the same list both ways). Order is not compared:
 * the client's order decides what is used, the server's does not.
 */
#ifndef KW_NET_DRIFT_H
#define KW_NET_DRIFT_H

#include "base/buf.h"
#include "net/wire.h"

#include <stdbool.h>
#include <stddef.h>

/* differences reported per list and direction; the rest are counted in one sentence */
#define KW_DRIFT_PER_LIST 16

typedef struct kw_drift_config {
	const char *ciphers;             /* comma lists as `sshd -T` prints them */
	const char *macs;
	const char *kex;
	const char *hostkey_algs;        /* HostKeyAlgorithms */
	const char *const *key_types;    /* wire names of the keys sshd loads, in HostKey order
					  * ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa",
					  * "ssh-dss", "sk-ssh-ed25519@openssh.com", ...), then the
					  * HostCertificate types ("ssh-ed25519-cert-v01@openssh.com") */
	size_t n_key_types;
} kw_drift_config;

/* Is name one of the pseudo algorithms sshd adds to its kex list? */
bool kw_drift_pseudo_kex(const char *name);
/* The host key algorithms sshd offers for c (list_hostkey_types), comma-separated, each
 * once, appended to out. 0 or -ENOMEM. */
int kw_drift_hostkey_offer(const kw_drift_config *c, kw_sb *out);

typedef struct kw_drift {
	char **v;                        /* owned sentences */
	size_t n, cap;
} kw_drift;

/* Every difference between c and the server's KEXINIT k, as sentences:
 *   "ciphers: the server offers aes128-cbc, the configuration does not"
 *   "MACs: the configuration lists hmac-sha2-512, the server does not offer it"
 * in the order kex, host key, ciphers, MACs. 0 or -ENOMEM (out keeps what was made).
 * Names from the server are raw: renderers escape findings' evidence. */
int kw_drift_compare(const kw_drift_config *c, const kw_ssh_kexinit *k, kw_drift *out);
void kw_drift_release(kw_drift *d);

#endif
