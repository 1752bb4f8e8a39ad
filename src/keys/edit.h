/* edit.h — the line editor behind `keyward keys add | remove | rotate`, and the lock that
 * serialises those edits. Owned by the keys module.
 *
 * The editor is pure: the bytes of one authorized_keys file in, the bytes of its new
 * version out. Every line it does not touch is copied byte for byte, in order: comments,
 * blank lines, other keys, lines sshd cannot parse, CRLF line ends, a last line without a
 * newline (one is added only when a line is appended after it). Lines are read the way
 * sshd reads them (kw_authkeys_parse, collect/sshkey.h); a key is found by its SHA256 (or
 * MD5) fingerprint, so "ssh-ed25519 AAAA... old comment" and the same key with other
 * options or another comment are the same key. Every line the editor writes is parsed
 * back before it is returned: it holds exactly the intended key with exactly the intended
 * options, and sshd accepts it (else KW_E_REFUSED with sshd's reason in `why`).
 *
 *   add     the key is already there and sshd uses that line: nothing to do, unless other
 *           options were asked for: then that line's options field is replaced (key text
 *           and comment kept). Only a line sshd ignores holds it (bad options, a type
 *           prefix that is not the key's): that line is replaced by the new one. Else the
 *           new line is appended, with the file's line end (CRLF if its last line ends so).
 *   remove  every line holding one of the keys goes, whether sshd uses it or not.
 *   rotate  every line holding the old key is replaced in place by the new key, keeping
 *           that line's options (unless others are given) and its line end. When the new
 *           key is already in the file, the old lines are removed instead (no duplicate).
 *
 * The lock (kw_keylock_*) is the one part that does I/O. Files are replaced by rename, so
 * a lock on a file's inode is lost at the first replace: an edit holds flock(LOCK_EX) on
 * the FOLDER that holds each file it edits (the folder the journaled writer writes into,
 * resolved inside the root), from before it reads the files until after it applied the
 * change. When that folder does not exist yet (a first key for an account without
 * ~/.ssh), the nearest existing ancestor is locked instead, so two runs that would both
 * create it wait for each other; once the locks are held, every folder is looked up again
 * and a run whose folder appeared (or was replaced) meanwhile drops its locks and starts
 * over. Folders are locked each once, in (st_dev, st_ino) order, so runs that edit several
 * files never deadlock. Tools that do not take the lock (an editor, ssh-copy-id) are
 * caught by the writer's compare-before-replace (kw_writer_replace_expect: KW_E_CHANGED).
 *
 * Ownership: kw_akfile borrows the bytes it was parsed from (they must outlive it);
 * kw_newkey, kw_keyedit and kw_keylock own what they hold; release each with its
 * _release function (all accept a zeroed struct).
 */
#ifndef KW_KEYS_EDIT_H
#define KW_KEYS_EDIT_H

#include "collect/sshkey.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_KEYEDIT_WHY 320
#define KW_NEWKEY_MAX ((size_t)64 << 10) /* a key file (.pub) is read up to this size */

/* ---- one authorized_keys file, line by line ---- */

typedef struct kw_akline {
	size_t off;             /* first byte of the line in the file */
	size_t body;            /* bytes of the line before its end ("\r\n", "\n", a last "\r"
				 * or the end of the file) */
	size_t term;            /* bytes of that end: 0, 1 or 2 */
	const kw_authkey *key;  /* the key on this line as sshd reads it (key->sshd_ignores:
				 * sshd skips it), or NULL (comment, blank, unparsable) */
	size_t lead;            /* key: blanks before the first field */
	size_t opt_len;         /* key: length of the options field at `lead` (0: none) */
	size_t key_off;         /* key: where the key type starts, from off */
	bool layout_ok;         /* key: the fields above were found (always, in practice) */
} kw_akline;

typedef struct kw_akfile {
	const uint8_t *data;    /* borrowed */
	size_t len;
	kw_akline *lines;
	size_t n;
	kw_authkeys keys;
	kw_diags diags;         /* the parser's, file:line */
	bool complete;          /* every line was read (no cap of the parser was reached):
				 * only a complete file may be edited */
} kw_akfile;

/* Split and parse a file. name labels the diagnostics. 0 or -ENOMEM. */
int kw_akfile_parse(const char *name, const uint8_t *data, size_t len, kw_akfile *ret);
void kw_akfile_release(kw_akfile *f);

/* ---- what a user names a key by ---- */

typedef struct kw_keyref {
	char fp[KW_FP_LEN];         /* "SHA256:<43 base64>" or "" */
	char fp_md5[KW_FP_MD5_LEN]; /* "MD5:xx:..:xx" (lowercase) or "" */
} kw_keyref;

/* "SHA256:<43 base64>" (prefix in any case, '=' padding dropped) or "MD5:<16 hex pairs
 * separated by ':'>" (also without the prefix, as older ssh-keygen printed it). 0 or
 * KW_E_PARSE. */
int kw_keyref_parse(const char *s, kw_keyref *ret);
bool kw_keyref_matches(const kw_keyref *r, const kw_pubkey *k);

/* ---- the key to write ---- */

typedef struct kw_newkey {
	kw_pubkey key;
	char *keytext;   /* "type base64[ comment]" as written in the input, blanks at the end
			  * dropped (owned) */
	char *options;   /* the options field the input line carried, or NULL (owned) */
	unsigned line;   /* its line in the input */
} kw_newkey;

/* The one public key of a .pub file, or of an authorized_keys line (options kept). Blank
 * and '#' lines are skipped. KW_E_PARSE: no key, several keys, or a line that is not a key
 * (why names the line); KW_E_REFUSED: a private key, an RFC 4716 ("---- BEGIN SSH2 PUBLIC
 * KEY ----") file, a certificate (it cannot open an account from authorized_keys: add its
 * CA with cert-authority), a key type keyward does not know, a type prefix that does not
 * match the key, options sshd rejects, control characters; KW_E_TOOBIG: over
 * KW_NEWKEY_MAX. -ENOMEM. */
int kw_newkey_parse(const uint8_t *data, size_t len, kw_newkey *ret, char *why, size_t whylen);
void kw_newkey_release(kw_newkey *k);

/* An options field given on the command line ("" = none): no control character, no blank
 * outside double quotes (sshd would take the rest for the key), and sshd accepts it
 * (kw_authopts_parse). 0 or KW_E_REFUSED with the reason. */
int kw_keyedit_check_options(const char *opts, char *why, size_t whylen);

/* ---- edits ---- */

typedef enum kw_keyedit_status {
	KW_KEYEDIT_NONE = 0,     /* nothing to change (add: present; remove/rotate: no match) */
	KW_KEYEDIT_ADDED,        /* add: a line appended */
	KW_KEYEDIT_OPTIONS,      /* add: the options of the line holding the key replaced */
	KW_KEYEDIT_FIXED,        /* add: a line sshd ignored, holding the key, replaced */
	KW_KEYEDIT_REMOVED,      /* remove; rotate when the new key was already there */
	KW_KEYEDIT_ROTATED,      /* rotate: old lines replaced in place */
} kw_keyedit_status;

typedef struct kw_keyedit {
	kw_keyedit_status status;
	uint8_t *data;           /* the new file (owned; NUL-terminated, not counted);
				  * NULL when status is KW_KEYEDIT_NONE */
	size_t len;
	size_t added, replaced, removed;  /* lines */
	unsigned line;           /* add: the line (from 1) holding the key afterwards;
				  * remove/rotate: the first line touched */
	char (*fps)[KW_FP_LEN];  /* SHA256 fingerprints of the keys removed or replaced, each
				  * once, in file order (remove, rotate, add OPTIONS/FIXED) */
	size_t n_fps;
	char why[KW_KEYEDIT_WHY];/* on KW_E_REFUSED / KW_E_PARSE: why */
} kw_keyedit;

/* Add k. options: NULL keeps what the input line carried (k->options, maybe none);
 * "" asks for no options; else the options field to write (check it first with
 * kw_keyedit_check_options). 0 (out->status says what happened), KW_E_PARSE (the file
 * is not complete: a parser cap), KW_E_REFUSED (the written line would not be read as
 * intended), -ENOMEM. */
int kw_keyedit_add(const kw_akfile *f, const kw_newkey *k, const char *options, kw_keyedit *out);

/* Remove every line holding a key that one of refs[0..n) matches. */
int kw_keyedit_remove(const kw_akfile *f, const kw_keyref *refs, size_t n, kw_keyedit *out);

/* Replace every line holding the key `old` by k (options: NULL keeps each line's own, ""
 * none, else these). -EINVAL when old matches k itself. KW_E_REFUSED when a line would
 * not be accepted by sshd (e.g. the old line's options are invalid: pass others). */
int kw_keyedit_rotate(const kw_akfile *f, const kw_keyref *old, const kw_newkey *k,
		      const char *options, kw_keyedit *out);

void kw_keyedit_release(kw_keyedit *e);

/* ---- the edit lock (I/O) ---- */

typedef struct kw_keylock {
	int *fds;                /* locked folders, in lock order */
	size_t n;
} kw_keylock;

/* Called once, before blocking, when a folder is locked by another run (path: one of
 * the files being locked). May be NULL. */
typedef void (*kw_keylock_wait_fn)(void *ctx, const char *path);

/* Lock the folders of paths[0..n) (absolute, canonical paths inside the root open at
 * rootfd, as write.h takes them), see above. Blocks until every lock is held. 0, or
 * -errno from resolving a folder (-ENOTDIR, -ELOOP ...), -EMFILE when more folders than
 * file descriptors allow, -EAGAIN when the folders kept changing (100 tries). On error no
 * lock is held. */
int kw_keylock_acquire(int rootfd, const char *const *paths, size_t n, kw_keylock_wait_fn wait,
		       void *ctx, kw_keylock *ret);
void kw_keylock_release(kw_keylock *l);

#endif
