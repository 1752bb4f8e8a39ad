/* sshkey.h — SSH public key blobs, authorized_keys lines and private key files.
 *
 * Fingerprints are computed exactly as `ssh-keygen -lf` prints them:
 * "SHA256:" + unpadded base64 of SHA-256(blob), with the bit size ssh-keygen reports
 * (RSA: modulus bits; DSA: p bits; ECDSA: 256/384/521; Ed25519/sk-*: 256) and the key type
 * in ssh-keygen's parenthesised spelling ("RSA", "ECDSA", "ED25519", "ECDSA-SK",
 * "ED25519-SK", "DSA", with "-CERT" for certificates).
 *
 * The MD5 form is what `ssh-keygen -E md5 -lf` prints: "MD5:" + the 16 digest bytes in
 * lowercase hex, colon-separated, over the same bytes.
 *
 * Pure functions over bytes, libcrypto for SHA-256, MD5 and base64. Private key material
 * is never decoded beyond the public header: we only learn the format, whether it is
 * encrypted, and (OpenSSH format) the public key, for a fingerprint.
 */
#ifndef KW_COLLECT_SSHKEY_H
#define KW_COLLECT_SSHKEY_H

#include "base/buf.h"
#include "base/diag.h"
#include "base/strindex.h"

#include <stdbool.h>
#include <stdint.h>

#define KW_FP_LEN 51     /* "SHA256:" + 43 + NUL */
#define KW_FP_MD5_LEN 52 /* "MD5:" + 16 * 3 - 1 + NUL */

typedef struct kw_pubkey {
	char type[64];      /* wire name: "ssh-ed25519", "ssh-rsa-cert-v01@openssh.com" */
	char label[16];     /* ssh-keygen's: "ED25519", "RSA", "ECDSA-SK", "RSA-CERT" ... */
	unsigned bits;      /* RSA: modulus bits; DSA: p bits; ECDSA: curve size; else 256 */
	char fp[KW_FP_LEN]; /* "SHA256:..." */
	/* (Addition) */
	char fp_md5[KW_FP_MD5_LEN]; /* "MD5:xx:..:xx" as ssh-keygen -E md5; "" if libcrypto
				     * has no MD5 (FIPS mode) */
	char curve[16];     /* ECDSA, ECDSA-SK and their certificates: "nistp256", "nistp384",
			     * "nistp521" (read from the blob); "" for other types */
	char text_type[64]; /* from text (kw_pubkey_parse_line, kw_authkeys_parse): the key type
			     * as written before the base64 ("rsa-sha2-256" is an RSA key);
			     * "" when decoded from a bare blob */
	bool type_mismatch; /* text_type names another key type (or ECDSA curve) than the blob
			     * holds. sshd (sshkey_read) and ssh-keygen reject such a key: it
			     * grants nothing. type, label, bits and fp describe the blob. */
} kw_pubkey;

/* Decode a public key blob (wire format). 0, KW_E_PARSE, or KW_E_UNSUPPORTED for an
 * unknown key type (fp is still computed and label is "UNKNOWN"). */
int kw_pubkey_from_blob(const uint8_t *blob, size_t len, kw_pubkey *ret);
/* (Addition) The MD5 fingerprint of a blob exactly as `ssh-keygen -E md5 -lf` prints it
 * (for a certificate: of the plain key inside it, as ssh-keygen does). 0, KW_E_PARSE,
 * KW_E_UNSUPPORTED (unknown type: out is the MD5 of the whole blob), or KW_E_CRYPTO when
 * libcrypto offers no MD5. */
int kw_pubkey_fp_md5(const uint8_t *blob, size_t len, char out[KW_FP_MD5_LEN]);
/* Decode base64 text (no whitespace) into a newly allocated blob. */
int kw_base64_decode(const char *text, size_t len, uint8_t **ret, size_t *ret_len);

/* (Addition) The options field of an authorized_keys line read as sshd reads it
 * (auth-options.c sshauthopt_parse, OpenSSH 9.2), see sshd(8) AUTHORIZED_KEYS FILE FORMAT.
 * Option names ignore case; options are separated by commas; values are double-quoted and
 * \" is an escaped quote (the only escape). Empty options (",,", a trailing comma) are
 * skipped as sshd skips them. The first error makes the whole field invalid, as it makes
 * sshd ignore the line; we keep reading past it (from the next comma outside quotes) so
 * the fields still say what the line asks for. Strings are owned, NULL when absent.
 * test_sshkey checks every rule against the real sshd's debug log. */
#define KW_AUTHOPT_TUN_NONE (-1) /* no tunnel= */
#define KW_AUTHOPT_TUN_ANY (-2)  /* tunnel="any" (sshd's SSH_TUNID_ANY: no restriction) */
#define KW_AUTHOPT_TUN_MAX 0x7ffffffd

typedef struct kw_authopt_list {
	char **v;
	size_t n, cap;
} kw_authopt_list;

typedef struct kw_authopts {
	bool valid;           /* sshd accepts the field (no options: true) */
	const char *error;    /* static: sshd's reason for the first error, e.g. "multiple
			       * \"command\" clauses", "invalid expires time"; NULL if valid */
	bool restricted;      /* restrict */
	bool cert_authority;
	/* after every option in order: restrict sets all five, no-X sets one, the positive
	 * forms (agent-forwarding, port-forwarding, pty, user-rc, x11-forwarding) clear one */
	bool no_agent_forwarding, no_port_forwarding, no_pty, no_user_rc, no_x11_forwarding;
	bool no_touch_required; /* no-touch-required (touch-required clears it) */
	bool verify_required;   /* verify-required (no-verify-required clears it) */
	char *command;        /* command=, unescaped (\" -> "); a second command= is an error */
	char *from;           /* from=, the pattern list text (checked by sshd at login only) */
	char *principals;     /* principals=, the text; a second one is an error */
	int64_t expiry_time;  /* expiry-time=, epoch seconds; 0: none. YYYYMMDD[HHMM[SS]] in
			       * this process's local time (TZ), or UTC with a trailing Z or
			       * "UTC", read like sshd (strptime, then mktime with tm_isdst 0);
			       * several: the earliest, as sshd keeps */
	kw_authopt_list permitopen;   /* "host:port" as written, every permitopen= */
	kw_authopt_list permitlisten; /* as sshd records it: a bare port becomes "*:port" */
	kw_authopt_list environment;  /* "NAME=value"; a repeated NAME keeps the first */
	int tunnel;           /* KW_AUTHOPT_TUN_NONE, KW_AUTHOPT_TUN_ANY, or 0..TUN_MAX (the
			       * last tunnel= wins, as in sshd) */
	bool port_by_name;    /* a permitopen/permitlisten port is a service name ("host:ssh"):
			       * sshd resolves it in the image's /etc/services, which a parser
			       * cannot read; we accept any well-formed name */
} kw_authopts;

/* Parse an options field (the text before the key, without the blank after it) into
 * *ret. 0 (ret->valid says whether sshd accepts it) or -ENOMEM. */
int kw_authopts_parse(const uint8_t *p, size_t len, kw_authopts *ret);
void kw_authopts_release(kw_authopts *o);

typedef struct kw_authkey {
	unsigned line;
	kw_pubkey key;
	char *comment;        /* owned; may be NULL */
	char *options;        /* owned; the options field as written, or NULL */
	/* shorthands of opts: command=, from=, cert-authority, restrict */
	bool opt_command;
	bool opt_from;
	bool opt_cert_authority;
	bool opt_restrict;
	/* (Addition) */
	kw_authopts opts;     /* the options as sshd reads them; no options: valid, empty */
	bool sshd_ignores;    /* sshd skips this line: key.type_mismatch or !opts.valid (a
			       * diagnostic for the line says why) */
} kw_authkey;

typedef struct kw_authkeys {
	kw_authkey *v;
	size_t n;
} kw_authkeys;

/* (Addition) Keys already decoded, by their base64 text: the same key in many files
 * (an admin key in every account of a fleet image) is decoded and fingerprinted once.
 * Owned by whoever parses many files (the collector); zero-initialise, then release.
 * At most KW_KEYMEMO_MAX keys of at most KW_KEYMEMO_TOKEN bytes of base64 are kept. */
#define KW_KEYMEMO_MAX 65536
#define KW_KEYMEMO_TOKEN 2048
typedef struct kw_keymemo {
	kw_strindex ix;
	struct kw_keymemo_row *v;
	size_t n, cap;
} kw_keymemo;
void kw_keymemo_release(kw_keymemo *m);

/* Parse an authorized_keys file as sshd does (auth2-pubkeyfile.c): blank lines and '#'
 * comments skipped; optional options field (quoted strings may hold spaces and escaped
 * quotes), key type, base64 blob, comment. Bad lines: diagnostics with file:line.
 * At most 100,000 keys; lines over 16 KiB are bad.
 * (Addition) Lines sshd ignores but whose key we can still decode are recorded with
 * sshd_ignores set and a diagnostic: options sshd rejects, and a key type in the text that
 * does not match the blob (key.type_mismatch). */
int kw_authkeys_parse(const char *file, const uint8_t *data, size_t len, kw_authkeys *ret, kw_diags *d);
/* The same, with decoded keys taken from and added to memo (may be NULL). */
int kw_authkeys_parse_memo(const char *file, const uint8_t *data, size_t len, kw_keymemo *memo,
			   kw_authkeys *ret, kw_diags *d);
void kw_authkeys_release(kw_authkeys *ak);

/* One line of a .pub file: "type base64 [comment]". comment may be NULL (not wanted).
 * (Addition) ret->text_type is the type as written. When it does not match the blob,
 * KW_E_PARSE as before (ssh-keygen rejects the line), but *ret is filled anyway with
 * type_mismatch set (the comment is not returned). */
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

/* A character of standard base64 (not '='). */
bool kw_base64_char(char c);
/* Is s[0..n) shaped like a SHA256 fingerprint: "SHA256:" and 43 base64 characters? */
bool kw_fp_sha256_valid(const char *s, size_t n);

#endif
