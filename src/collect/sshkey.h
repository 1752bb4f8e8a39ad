/* sshkey.h — SSH public key blobs, authorized_keys lines and private key files.
 *
 * Fingerprints are computed exactly as `ssh-keygen -lf` prints them:
 * "SHA256:" + unpadded base64 of SHA-256(blob), with the bit size ssh-keygen reports
 * (RSA: modulus bits; DSA: p bits; ECDSA: 256/384/521; Ed25519/sk-*: 256) and the key type
 * in ssh-keygen's parenthesised spelling ("RSA", "ECDSA", "ED25519", "ECDSA-SK",
 * "ED25519-SK", "DSA", with "-CERT" for certificates).
 *
 * Pure functions over bytes, libcrypto for SHA-256 and base64. Private key material is
 * never decoded beyond the public header: we only learn the format, whether it is
 * encrypted, and (OpenSSH format) the public key, for a fingerprint.
 */
#ifndef KW_COLLECT_SSHKEY_H
#define KW_COLLECT_SSHKEY_H

#include "base/buf.h"
#include "base/diag.h"

#include <stdbool.h>
#include <stdint.h>

#define KW_FP_LEN 51 /* "SHA256:" + 43 + NUL */

typedef struct kw_pubkey {
	char type[64];      /* wire name: "ssh-ed25519", "ssh-rsa-cert-v01@openssh.com" */
	char label[16];     /* ssh-keygen's: "ED25519", "RSA", "ECDSA-SK", "RSA-CERT" ... */
	unsigned bits;
	char fp[KW_FP_LEN]; /* "SHA256:..." */
} kw_pubkey;

/* Decode a public key blob (wire format). 0, KW_E_PARSE, or KW_E_UNSUPPORTED for an
 * unknown key type (fp is still computed and label is "UNKNOWN"). */
int kw_pubkey_from_blob(const uint8_t *blob, size_t len, kw_pubkey *ret);
/* Decode base64 text (no whitespace) into a newly allocated blob. */
int kw_base64_decode(const char *text, size_t len, uint8_t **ret, size_t *ret_len);

typedef struct kw_authkey {
	unsigned line;
	kw_pubkey key;
	char *comment;        /* owned; may be NULL */
	char *options;        /* owned; the options field as written, or NULL */
	bool opt_command;     /* command="..." */
	bool opt_from;        /* from="..." */
	bool opt_cert_authority;
	bool opt_restrict;
} kw_authkey;

typedef struct kw_authkeys {
	kw_authkey *v;
	size_t n;
} kw_authkeys;

/* Parse an authorized_keys file as sshd does (auth2-pubkeyfile.c): blank lines and '#'
 * comments skipped; optional options field (quoted strings may hold spaces and escaped
 * quotes), key type, base64 blob, comment. Bad lines: diagnostics with file:line.
 * At most 100,000 keys; lines over 16 KiB are bad. */
int kw_authkeys_parse(const char *file, const uint8_t *data, size_t len, kw_authkeys *ret, kw_diags *d);
void kw_authkeys_release(kw_authkeys *ak);

/* One line of a .pub file: "type base64 [comment]". comment may be NULL (not wanted). */
int kw_pubkey_parse_line(kw_buf line, kw_pubkey *ret, char **ret_comment);

typedef enum kw_privkey_format {
	KW_PK_NONE = 0,
	KW_PK_OPENSSH,        /* -----BEGIN OPENSSH PRIVATE KEY----- (openssh-key-v1) */
	KW_PK_PEM_RSA,        /* -----BEGIN RSA PRIVATE KEY----- */
	KW_PK_PEM_DSA,
	KW_PK_PEM_EC,
	KW_PK_PKCS8,          /* -----BEGIN PRIVATE KEY----- (never encrypted) */
	KW_PK_PKCS8_ENCRYPTED,/* -----BEGIN ENCRYPTED PRIVATE KEY----- */
	KW_PK_PUTTY,          /* PuTTY-User-Key-File-2/3 */
	KW_PK_SSH2,           /* ---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ---- */
} kw_privkey_format;

typedef struct kw_privkey_info {
	kw_privkey_format format;
	int encrypted;        /* 1 yes, 0 no, -1 cannot tell */
	char cipher[32];      /* "none", "aes256-ctr", "AES-128-CBC", "aes256-cbc", "" */
	bool has_pub;         /* OpenSSH format: public key recovered */
	kw_pubkey pub;
} kw_privkey_info;

/* Recognise a private key file by content (the first bytes suffice for everything but the
 * OpenSSH public part). 0 and ret filled, or KW_E_UNSUPPORTED if not a private key.
 * (Addition) has_pub is also set for PuTTY files (their Public-Lines); the armour may
 * start anywhere in the first 8 KiB; cipher for encrypted PKCS#8 is the PBES2 cipher
 * ("AES-256-CBC") or the PKCS#12 PBE name ("PBE-SHA1-3DES"). */
int kw_privkey_classify(const uint8_t *data, size_t len, kw_privkey_info *ret);
const char *kw_privkey_format_name(kw_privkey_format f); /* "OpenSSH", "PEM RSA", "PKCS#8", ... */

#endif
