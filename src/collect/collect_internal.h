/* collect_internal.h — shared state of the collector's files (collect.c, sudo.c, deep.c).
 * Not for use outside src/collect. */
#ifndef KW_COLLECT_INTERNAL_H
#define KW_COLLECT_INTERNAL_H

#include "base/strindex.h"
#include "collect/facts.h"

typedef struct kw_collector {
	kw_target *t;
	kw_facts *f;
	const kw_collect_opts *o;
	uint64_t max_file;
	bool oom;
	kw_keymemo keys;     /* keys decoded so far, by their base64 text */
} kw_collector;

/* Read a file: 0, or a negative code; -ENOENT/-ENOTDIR are quiet, other errors are
 * recorded as diagnostics (fatal: a check could not run). */
int kw_collect_read(kw_collector *c, const char *path, kw_file *ret, bool fatal);
/* Append an artifact (strings copied); NULL on ENOMEM (c->oom set). */
kw_artifact *kw_collect_artifact(kw_collector *c, kw_artifact_kind kind, const char *path,
				 const char *account, const kw_stat *st);
/* Record path as a private key artifact of the given kind if its content is one. */
void kw_collect_privkey(kw_collector *c, const char *path, const char *account,
			kw_artifact_kind kind);
/* The public key in KEYPATH.pub (first line), if there is one: true and *ret filled. */
bool kw_collect_pubfile(kw_collector *c, const char *keypath, kw_pubkey *ret);
/* id_*, identity, *.pem, *.key, *.ppk */
bool kw_collect_keyname(const char *name);
char *kw_path_join(const char *dir, const char *rel);

void kw_collect_sudoers(kw_collector *c);
void kw_collect_sshd(kw_collector *c);
/* authorized_keys files that sshd's AuthorizedKeysFile names for each account */
void kw_collect_sshd_keyfiles(kw_collector *c);
void kw_collect_keyfile(kw_collector *c, const char *path, const char *account, bool granted);
void kw_collect_deep(kw_collector *c);

#endif
