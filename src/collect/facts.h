/* facts.h — what the collector learned about a target: plain data, no decisions.
 *
 * The collector (collect.c) fills a kw_facts through src/target only; checks read it and
 * never do I/O. Everything is owned by the kw_facts and freed by kw_facts_release().
 * Strings come from the target (user names, paths): escape them to print.
 *
 *   target --collect--> kw_facts --checks--> kw_findings --report--> text / JSON
 *
 * Accounts are the join of passwd and shadow. Homes are the home field of every passwd
 * entry plus /root and every directory under /home (orphaned homes), each visited once.
 * Files found in homes are "artifacts": one list, each with a kind, so the checks are a
 * table from kind to finding.
 */
#ifndef KW_COLLECT_FACTS_H
#define KW_COLLECT_FACTS_H

#include "base/diag.h"
#include "base/strindex.h"
#include "base/vec.h"
#include "collect/accounts.h"
#include "collect/secrets.h"
#include "collect/sshkey.h"
#include "collect/sudoers.h"
#include "sshd/config.h"
#include "sshd/moduli.h"
#include "target/target.h"
#include "windows/facts.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct kw_account {
	char *name;
	uint32_t uid, gid;
	char *home, *shell;
	unsigned passwd_line;
	kw_pw_info passwd_pw;   /* field 2 of passwd */
	bool has_shadow;
	unsigned shadow_line;
	kw_pw_info shadow_pw;   /* field 2 of shadow, if has_shadow */
	int64_t lastchg, expire;
	bool login_shell;       /* shell is not nologin/false/sync/halt/shutdown/empty-nologin */
	bool expired;           /* shadow expire field set and in the past (days since epoch) */
	unsigned n_keys;        /* keys in this account's authorized_keys files */
	/* HMAC-SHA256 under kw_collect_opts.fleet_key of the password field (shadow's when
	 * shadowed) when it is a hash (usable or locked) and a fleet key was given: hosts
	 * sharing a password show the same digest; the hash itself never leaves the collector */
	bool has_pw_digest;
	uint8_t pw_digest[32];
} kw_account;

typedef enum kw_artifact_kind {
	KW_ART_HISTORY = 0,        /* non-empty shell / REPL / database history */
	KW_ART_PRIVATE_KEY,        /* private key file (privkey info filled) */
	KW_ART_CREDENTIAL,         /* cloud / tool credential file (cred_kind filled) */
	KW_ART_HOST_KEY,           /* /etc/ssh/ssh_host_*_key (pub info if readable) */
	KW_ART_MACHINE_ID,         /* /etc/machine-id not empty and not "uninitialized" */
	KW_ART_DBUS_MACHINE_ID,    /* /var/lib/dbus/machine-id regular file, not empty */
	KW_ART_CREDENTIAL_SECRET,  /* /var/lib/systemd/credential.secret */
	KW_ART_RANDOM_SEED,        /* /var/lib/systemd/random-seed */
	KW_ART_CLOUD_INSTANCE,     /* /var/lib/cloud/instances/<id> (per-instance state) */
	KW_ART_CLOUD_PASSWORD,     /* cloud-init data that sets passwords / enables password SSH */
	KW_ART_DHCP_LEASE,         /* DHCP client lease files */
	KW_ART_DEEP_SECRET,        /* --deep: a file found by content signature */
	KW_ART__COUNT
} kw_artifact_kind;

typedef struct kw_artifact {
	kw_artifact_kind kind;
	char *path;                /* inside the target */
	char *account;             /* owner account by home, may be NULL */
	uint64_t size;
	kw_stat st;
	/* kind-specific */
	kw_privkey_info privkey;   /* PRIVATE_KEY; HOST_KEY (format, encrypted) */
	kw_cred_kind cred_kind;    /* CREDENTIAL */
	char *detail;              /* CREDENTIAL: description; others: free text or NULL */
	unsigned ci_flags;         /* CLOUD_PASSWORD: KW_CI_* bits */
	int sniff_kind;            /* DEEP_SECRET: kw_sniff_kind */
	bool symlink;              /* the path itself is a symlink (evidence) */
} kw_artifact;

typedef struct kw_keyfile {
	char *path;
	char *account;             /* whose access it grants */
	kw_authkeys keys;
	unsigned bad_lines;
	kw_stat st;
	/* sshd reads it for `account` (its effective AuthorizedKeysFile, or sshd's default
	 * files when there is no sshd_config). False: found in a home only, sshd would not
	 * read it — its keys open nothing (yet). */
	bool granted;
} kw_keyfile;

typedef struct kw_sudo_grant {
	char *file;
	unsigned line;
	char *who;                 /* the user or %group the rule names (alias expanded) */
	bool nopasswd;
	bool noauth_default;
	bool all_commands;
} kw_sudo_grant;

/* sshd as it will run: the effective configuration (global, per Match block, per user). */
typedef struct kw_sshd_view {
	char *label;               /* "global", "Match User root (sshd_config:120)", "user alice" */
	char *conn;                /* the -C spec it was evaluated for, or NULL (global) */
	const char *block_file;    /* Match block views: where the block starts */
	unsigned block_line;
	char *user;                /* user views: the account */
	char *conn_user;           /* the user of conn (witness or account); NULL: global view */
	kw_sshd_result *r;         /* owned (NULL for the global view: it is the config's) */
	const kw_sshd_result *res; /* what checks read: r, or the config's global result */
	/* ChrootDirectory of this view, expanded for its user, and the first component (from
	 * "/" down) that is missing, not owned by root, or group/world-writable */
	char *chroot;
	char *chroot_bad;          /* NULL: every component is fine */
	bool chroot_missing;
	kw_stat chroot_bad_st;
} kw_sshd_view;

/* A HostKey the effective configuration names. */
typedef struct kw_sshd_hostkey {
	char *path;
	kw_stat st;                /* of the private key file */
	bool readable;             /* read and recognised as a private key */
	kw_privkey_info priv;      /* format; public part for OpenSSH keys */
	bool has_pub;              /* PATH.pub read and parsed */
	kw_pubkey pub;
	bool mismatch;             /* PATH.pub is not the public half of PATH */
} kw_sshd_hostkey;

typedef struct kw_sshd_file {
	char *path;
	kw_stat st;
} kw_sshd_file;

typedef struct kw_sshd_facts {
	bool present;              /* the main config file exists */
	bool refused;              /* sshd would refuse to start with it */
	char *refusal;             /* "file:line: message" of the first fatal error */
	kw_sshd_config *cfg;       /* NULL when absent or refused */
	kw_sshd_view *views;       /* [0] global, then Match witnesses, then users */
	size_t n_views, cap_views;
	kw_sshd_file *files;       /* every config file read, with its metadata */
	size_t n_files, cap_files;
	kw_diags diags;            /* the engine's errors and warnings, file:line */
	kw_sshd_hostkey *hostkeys; /* HostKey files that exist */
	size_t n_hostkeys, cap_hostkeys;
	char *moduli_file;         /* the file sshd reads (ModuliFile; default /etc/ssh/moduli) */
	bool have_moduli;          /* it exists and was parsed */
	kw_moduli moduli;          /* the groups sshd would accept from it */
} kw_sshd_facts;

typedef struct kw_facts {
	char *target;              /* kw_target_describe */
	bool tar;
	bool deep;
	bool live_host;             /* the running host, not an image: image.* checks are advice */
	kw_logindefs logindefs;
	bool have_passwd, have_shadow, have_group;
	kw_account *accounts;
	size_t n_accounts, cap_accounts;
	struct kw_orphan { char *name; unsigned line; } *orphan_shadow; /* in shadow, not passwd */
	size_t n_orphan_shadow, cap_orphan_shadow;
	unsigned nis_lines;
	kw_group_db groups;
	kw_keyfile *keyfiles;
	size_t n_keyfiles, cap_keyfiles;
	kw_artifact *artifacts;
	size_t n_artifacts, cap_artifacts;
	kw_sudo_grant *sudo;
	size_t n_sudo, cap_sudo;
	uint64_t deep_files;       /* --deep: files walked */
	kw_sshd_facts sshd;
	kw_win_facts *win;         /* a Windows system volume (no /etc/passwd, a
				    * Windows/System32/config folder): its registry, answer
				    * files and leftovers; NULL for any other target */
	kw_diags diags;            /* problems; fatal ones: a check could not run */
	/* lookups that would otherwise scan lists (images with thousands of accounts); use
	 * kw_facts_account / kw_facts_keyfile */
	kw_strindex account_ix;    /* accounts by name (the first of a duplicated name) */
	kw_strindex keyfile_ix;    /* keyfiles by path */
} kw_facts;

typedef struct kw_collect_opts {
	bool deep;
	bool live_host;
	bool match_users;          /* evaluate sshd's Match blocks for every account */
	bool keys_only;            /* only what `keys scan` needs: accounts, sshd, authorized
				    * keys, host keys, private keys in homes (no histories,
				    * credentials, cloud, DHCP, sudo, identity, deep scan) */
	bool sshd_only;            /* only accounts and the sshd configuration with its HostKey
				    * files (scan --compare-config): no homes, no key files */
	uint64_t max_file_size;    /* targeted reads (0: 16 MiB) */
	uint64_t deep_max_size;    /* deep sniffing (0: 64 MiB) */
	const uint8_t *fleet_key;  /* key of the password digests (kw_account.pw_digest);
				    * NULL: no digests */
	size_t fleet_key_len;
	void (*progress)(void *ctx, uint64_t files);
	void *progress_ctx;
} kw_collect_opts;

/* Index of the account named name in f->accounts, of the key file at path in
 * f->keyfiles, or KW_STRINDEX_NONE. */
size_t kw_facts_account(const kw_facts *f, const char *name);
size_t kw_facts_keyfile(const kw_facts *f, const char *path);

/* Collect everything the checks of this issue need. Problems go to f->diags; returns 0
 * unless memory ran out. */
int kw_collect(kw_target *t, const kw_collect_opts *o, kw_facts *f);
void kw_facts_release(kw_facts *f);
void kw_sshd_facts_release(kw_sshd_facts *s);

/* The tar backend's keep predicate: which archive paths the collector will read
 * (kw_want_fn-compatible). Pure: path names only. */
bool kw_collect_want(const char *path, const kw_stat *st);

/* Expand the path tokens sshd allows in AuthorizedKeysFile and ChrootDirectory (%% %h %u
 * %U) for user (whose account a may be NULL: then %h and %U cannot be expanded). A new
 * string (caller frees); NULL on ENOMEM or a token that cannot be expanded (sshd refuses
 * unknown ones). A relative result is relative to the home: the caller joins it. */
char *kw_sshd_expand_tokens(const char *pat, const char *user, const kw_account *a);

/* sshd's configuration for a login of user from the documentation witness (192.0.2.1):
 * cfg's global values when it has no Match block, else an evaluation for that user into
 * *owned (free it with kw_sshd_result_free; NULL when none was made). *res is what to
 * read. Returns 0, or the evaluation's error: -ENOMEM, or another negative code when
 * sshd would stop on a Match block (then *res is the global values). */
int kw_sshd_user_result(kw_sshd_config *cfg, const char *user, kw_sshd_result **owned,
			const kw_sshd_result **res);

/* The files sshd reads account a's keys from under the configuration r: each name of
 * AuthorizedKeysFile but "none", tokens expanded, relative names taken from the home;
 * a name with a token sshd does not know is skipped. *ret: a vector of *ret_n absolute
 * paths, each and the vector freed by the caller (kw_strv_free, base/vec.h). 0 or -ENOMEM. */
int kw_sshd_keyfile_paths(const kw_sshd_result *r, const kw_account *a, char ***ret,
			  size_t *ret_n);

/* Is this login shell one that lets a person log in? (not nologin, false, sync, ...) */
bool kw_shell_is_login(const char *shell);

#endif
