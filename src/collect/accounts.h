/* accounts.h — parsers for /etc/passwd, /etc/shadow, /etc/group and /etc/login.defs,
 * and the classification of a password field.
 *
 * Pure functions over bytes: no I/O. Malformed lines are skipped and reported in the
 * kw_diags (file name as given, 1-based line); the rest of the file is still parsed.
 * A line with a NUL byte, or longer than 64 KiB, is malformed. At most 1,000,000 lines.
 * Strings in the entries are owned by the db and released with its _release function.
 *
 * (Addition) "Skipped" follows what glibc's files backend would read, so the audit never
 * misses an account the system sees: a passwd line with 4-6 fields (the rest empty) or
 * more than 7 (the shell takes the rest of the line), or a group line with 3 or more
 * fields, is reported AND recorded that way. uid/gid/day numbers may have leading
 * blanks or '+' (strtoul). Comment lines ('#') and blank lines are ignored, as glibc does.
 */
#ifndef KW_COLLECT_ACCOUNTS_H
#define KW_COLLECT_ACCOUNTS_H

#include "base/buf.h"
#include "base/diag.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum kw_pw_state {
	KW_PW_EMPTY = 0,  /* field empty: no password needed (pam_unix nullok) */
	KW_PW_HASH,       /* a crypt(3) hash: a usable password */
	KW_PW_LOCKED,     /* '!' followed by a hash ("!$6$..."): locked, revived by usermod -U */
	KW_PW_NOLOGIN,    /* '*', '!', '!!', '!*', '*LK*', '*LOCK*', '*NP*', ... no password */
	KW_PW_SHADOWED,   /* passwd field "x": look in shadow */
	KW_PW_INVALID,    /* anything else that is not valid crypt output: cannot match */
} kw_pw_state;

typedef enum kw_hash_scheme {
	KW_HASH_NONE = 0,
	KW_HASH_DES,          /* 13 chars [./0-9A-Za-z] */
	KW_HASH_BSDI,         /* _ + 19 chars */
	KW_HASH_MD5,          /* $1$ */
	KW_HASH_BCRYPT,       /* $2a$ $2b$ $2x$ $2y$ */
	KW_HASH_SHA256,       /* $5$ */
	KW_HASH_SHA512,       /* $6$ */
	KW_HASH_YESCRYPT,     /* $y$ */
	KW_HASH_GOST_YESCRYPT,/* $gy$ */
	KW_HASH_SCRYPT,       /* $7$ */
	KW_HASH_SUNMD5,       /* $md5 */
	KW_HASH_NTHASH,       /* $3$ */
	KW_HASH_UNKNOWN,      /* $id$ keyword unknown but shaped like crypt output */
} kw_hash_scheme;

typedef struct kw_pw_info {
	kw_pw_state state;
	kw_hash_scheme scheme; /* for HASH and LOCKED */
	bool bang;             /* the field starts with '!': sshd (UsePAM no) refuses the account */
} kw_pw_info;

/* Classify a passwd/shadow password field. */
void kw_pw_classify(kw_buf field, kw_pw_info *ret);
const char *kw_hash_scheme_name(kw_hash_scheme s); /* "sha512crypt", "yescrypt", "DES", ... */
const char *kw_pw_state_name(kw_pw_state s);      /* "empty", "hash", "locked", ... */
/* Is a hash scheme weak (DES, BSDI, MD5, NT)? */
bool kw_hash_scheme_weak(kw_hash_scheme s);

typedef struct kw_passwd_ent {
	char *name;
	kw_pw_info pw;
	size_t pw_off, pw_len;  /* the password field in the parsed data (it stays there) */
	uint32_t uid, gid;
	char *gecos, *home, *shell;
	unsigned line;
} kw_passwd_ent;

typedef struct kw_passwd_db {
	kw_passwd_ent *v;
	size_t n;
	unsigned nis_lines; /* "+" / "-" NIS compat lines (counted, not entries) */
} kw_passwd_db;

typedef struct kw_shadow_ent {
	char *name;
	kw_pw_info pw;
	size_t pw_off, pw_len;  /* the password field in the parsed data (it stays there) */
	int64_t lastchg;   /* days since epoch; -1 empty. 0 = must change at next login */
	int64_t expire;    /* field 8; -1 empty */
	unsigned line;
} kw_shadow_ent;

typedef struct kw_shadow_db {
	kw_shadow_ent *v;
	size_t n;
} kw_shadow_db;

typedef struct kw_group_ent {
	char *name;
	uint32_t gid;
	char **members;    /* NULL-terminated */
	size_t n_members;
	unsigned line;
} kw_group_ent;

typedef struct kw_group_db {
	kw_group_ent *v;
	size_t n;
} kw_group_db;

typedef struct kw_logindefs {
	uint32_t uid_min, uid_max, sys_uid_min, sys_uid_max; /* defaults 1000 60000 101 999 */
} kw_logindefs;

int kw_passwd_parse(const char *file, const uint8_t *data, size_t len, kw_passwd_db *ret, kw_diags *d);
int kw_shadow_parse(const char *file, const uint8_t *data, size_t len, kw_shadow_db *ret, kw_diags *d);
int kw_group_parse(const char *file, const uint8_t *data, size_t len, kw_group_db *ret, kw_diags *d);
void kw_logindefs_parse(const uint8_t *data, size_t len, kw_logindefs *ret); /* data may be NULL: defaults */
void kw_passwd_db_release(kw_passwd_db *db);
void kw_shadow_db_release(kw_shadow_db *db);
void kw_group_db_release(kw_group_db *db);

const kw_passwd_ent *kw_passwd_find(const kw_passwd_db *db, const char *name);
const kw_shadow_ent *kw_shadow_find(const kw_shadow_db *db, const char *name);
const kw_group_ent *kw_group_find_gid(const kw_group_db *db, uint32_t gid);
const kw_group_ent *kw_group_find(const kw_group_db *db, const char *name);

#endif
