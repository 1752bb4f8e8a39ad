/* inventory.c — see inventory.h. */
#include "keys/inventory.h"

#include "base/err.h"
#include "base/vec.h"
#include "sshd/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *kw_keyrole_name(enum kw_keyrole r)
{
	switch (r) {
	case KW_KEY_AUTHORIZED: return "authorized";
	case KW_KEY_UNREAD: return "unread";
	case KW_KEY_HOST: return "host";
	case KW_KEY_PRIVATE: return "private";
	}
	return "?";
}

int kw_keyrole_from_name(const char *s, enum kw_keyrole *ret)
{
	for (int r = KW_KEY_AUTHORIZED; r <= KW_KEY_PRIVATE; r++)
		if (!strcmp(s, kw_keyrole_name((enum kw_keyrole)r))) {
			*ret = (enum kw_keyrole)r;
			return 0;
		}
	return KW_E_PARSE;
}

static kw_invkey *push_key(kw_inventory *inv, enum kw_keyrole role, const char *account,
			   const char *path)
{
	kw_invkey *k = KW_VEC_PUSH(inv->keys, inv->n_keys, inv->cap_keys);
	if (k)
		*k = (kw_invkey){ .role = role, .account = account, .path = path, .same_fp_first = -1 };
	return k;
}

static int add_authorized(const kw_facts *f, kw_inventory *inv)
{
	for (size_t i = 0; i < f->n_keyfiles; i++) {
		const kw_keyfile *kf = &f->keyfiles[i];
		for (size_t j = 0; j < kf->keys.n; j++) {
			const kw_authkey *ak = &kf->keys.v[j];
			kw_invkey *k = push_key(inv, kf->granted ? KW_KEY_AUTHORIZED : KW_KEY_UNREAD,
						kf->account, kf->path);
			if (!k)
				return -ENOMEM;
			k->line = ak->line;
			k->has_pub = true;
			k->pub = &ak->key;
			k->ak = ak;
			k->ignored = ak->sshd_ignores;
			if (k->ignored)
				inv->n_ignored++;
			else if (kf->granted)
				inv->n_authorized++;
			else
				inv->n_unread++;
		}
	}
	return 0;
}

static int add_host(const kw_facts *f, kw_inventory *inv)
{
	size_t first = inv->n_keys; /* host entries start here (after the authorized keys) */
	/* the host keys sshd's configuration names, then other ssh_host_*_key files */
	for (size_t i = 0; i < f->sshd.n_hostkeys; i++) {
		const kw_sshd_hostkey *h = &f->sshd.hostkeys[i];
		kw_invkey *k = push_key(inv, KW_KEY_HOST, NULL, h->path);
		if (!k)
			return -ENOMEM;
		k->priv = h->readable ? &h->priv : NULL;
		if (h->has_pub && !h->mismatch) {
			k->has_pub = true;
			k->pub = &h->pub;
		} else if (h->readable && h->priv.has_pub) {
			k->has_pub = true;
			k->pub = &h->priv.pub;
		}
		inv->n_host++;
	}
	for (size_t i = 0; i < f->n_artifacts; i++) {
		const kw_artifact *a = &f->artifacts[i];
		if (a->kind != KW_ART_HOST_KEY)
			continue;
		bool named = false; /* already in as a HostKey of the configuration */
		for (size_t k = first; k < inv->n_keys && !named; k++)
			named = !strcmp(inv->keys[k].path, a->path);
		if (named)
			continue;
		kw_invkey *k = push_key(inv, KW_KEY_HOST, NULL, a->path);
		if (!k)
			return -ENOMEM;
		k->priv = &a->privkey;
		k->has_pub = a->privkey.has_pub;
		k->pub = a->privkey.has_pub ? &a->privkey.pub : NULL;
		inv->n_host++;
	}
	return 0;
}

static int add_private(const kw_facts *f, kw_inventory *inv)
{
	for (size_t i = 0; i < f->n_artifacts; i++) {
		const kw_artifact *a = &f->artifacts[i];
		if (a->kind != KW_ART_PRIVATE_KEY)
			continue;
		kw_invkey *k = push_key(inv, KW_KEY_PRIVATE, a->account, a->path);
		if (!k)
			return -ENOMEM;
		k->priv = &a->privkey;
		k->has_pub = a->privkey.has_pub;
		k->pub = a->privkey.has_pub ? &a->privkey.pub : NULL;
		inv->n_private++;
	}
	return 0;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_keys(const void *x, const void *y)
{
	const kw_invkey *a = x, *b = y;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	int c = a->role <= KW_KEY_UNREAD ? strcmp_null(a->account, b->account) : 0;
	if (!c)
		c = strcmp(a->path, b->path);
	if (!c && a->line != b->line)
		c = a->line < b->line ? -1 : 1;
	return c;
}

/* Link entries that share a fingerprint (after sorting, so indexes are final): sort the
 * indexes of entries with a public key by fingerprint, then walk each run of equals.
 * Each row carries the fingerprint's characters after "SHA256:" packed big-endian into
 * words (the same order as strcmp on them), so the sort never chases a pointer into the
 * keys: many keys share a fingerprint, and those ties would each compare two strings
 * far apart in memory. */
#define FP_WORDS 6 /* 43 base64 characters */
typedef struct fp_row {
	uint64_t w[FP_WORDS];
	size_t i;
} fp_row;

static int cmp_fp(const void *x, const void *y)
{
	const fp_row *a = x, *b = y;
	for (size_t j = 0; j < FP_WORDS; j++)
		if (a->w[j] != b->w[j])
			return a->w[j] < b->w[j] ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static bool same_fp(const fp_row *a, const fp_row *b)
{
	return !memcmp(a->w, b->w, sizeof a->w);
}

/* fingerprints are "SHA256:" + 43 characters; anything longer is cut (never happens:
 * kw_pubkey_from_blob makes them) and anything shorter padded with NULs, as strcmp orders */
static void fp_pack(const char *fp, fp_row *row)
{
	size_t n = strlen(fp);
	for (size_t j = 0; j < FP_WORDS; j++) {
		uint64_t v = 0;
		for (size_t b = 0; b < 8; b++) {
			size_t at = 7 + j * 8 + b;
			v = v << 8 | (at < n ? (uint8_t)fp[at] : 0);
		}
		row->w[j] = v;
	}
}

static int link_fingerprints(kw_inventory *inv)
{
	size_t n = 0;
	fp_row *rows = malloc((inv->n_keys ? inv->n_keys : 1) * sizeof *rows);
	inv->by_fp = malloc((inv->n_keys ? inv->n_keys : 1) * sizeof *inv->by_fp);
	if (!rows || !inv->by_fp) {
		free(rows);
		return -ENOMEM;
	}
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].has_pub) {
			fp_pack(inv->keys[i].pub->fp, &rows[n]);
			rows[n++].i = i;
		}
	qsort(rows, n, sizeof *rows, cmp_fp);
	size_t *ix = inv->by_fp;
	for (size_t k = 0; k < n; k++)
		ix[k] = rows[k].i;
	inv->n_by_fp = n;
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s + 1; e < n && same_fp(&rows[e], &rows[s]); e++)
			;
		/* ix[s..e) share one fingerprint, in index order */
		for (size_t k = s; k < e; k++) {
			kw_invkey *key = &inv->keys[ix[k]];
			key->same_fp_count = e - s;
			if (e - s > 1)
				key->same_fp_first = (long)(k == s ? ix[s + 1] : ix[s]);
		}
	}
	free(rows);
	return 0;
}

static size_t count_accounts(const kw_inventory *inv)
{
	size_t n = 0;
	for (size_t i = 0; i < inv->n_keys; i++) {
		const kw_invkey *k = &inv->keys[i];
		if (k->role != KW_KEY_AUTHORIZED || !k->account || k->ignored)
			continue;
		/* sorted by account: count each name once */
		if (i == 0 || inv->keys[i - 1].role != KW_KEY_AUTHORIZED ||
		    strcmp_null(inv->keys[i - 1].account, k->account) != 0)
			n++;
	}
	return n;
}

/* What grants access without a file keyward can read. */
static const struct {
	kw_sshd_opt id;
	const char *keyword;
} source_opts[] = {
	{ KW_SO_AUTHORIZEDKEYSCOMMAND, "AuthorizedKeysCommand" },
	{ KW_SO_AUTHORIZEDPRINCIPALSFILE, "AuthorizedPrincipalsFile" },
	{ KW_SO_AUTHORIZEDPRINCIPALSCOMMAND, "AuthorizedPrincipalsCommand" },
	{ KW_SO_TRUSTEDUSERCAKEYS, "TrustedUserCAKeys" },
};

static int add_sources(const kw_facts *f, kw_inventory *inv)
{
	const kw_sshd_result *global = NULL;
	for (size_t v = 0; v < f->sshd.n_views; v++) {
		const kw_sshd_view *view = &f->sshd.views[v];
		if (!view->res || (v > 0 && !view->user))
			continue; /* Match block witnesses: their users are seen in user views */
		if (v == 0)
			global = view->res;
		for (size_t i = 0; i < sizeof source_opts / sizeof source_opts[0]; i++) {
			const char *val = kw_sshd_value(view->res, source_opts[i].id);
			if (!val || !strcmp(val, "none"))
				continue;
			const char *g = global ? kw_sshd_value(global, source_opts[i].id) : NULL;
			if (v > 0 && g && !strcmp(g, val))
				continue; /* the same as every account's */
			kw_keysource *s = KW_VEC_PUSH(inv->sources, inv->n_sources, inv->cap_sources);
			if (!s)
				return -ENOMEM;
			*s = (kw_keysource){ .account = v > 0 ? view->user : NULL,
					     .keyword = source_opts[i].keyword, .value = val };
		}
	}
	return 0;
}

int kw_inventory_build(const kw_facts *f, kw_inventory *inv)
{
	memset(inv, 0, sizeof *inv);
	int r = add_authorized(f, inv);
	if (r == 0)
		r = add_host(f, inv);
	if (r == 0)
		r = add_private(f, inv);
	if (r == 0)
		r = add_sources(f, inv);
	if (r < 0) {
		kw_inventory_release(inv);
		return r;
	}
	if (inv->n_keys)
		qsort(inv->keys, inv->n_keys, sizeof *inv->keys, cmp_keys);
	if ((r = link_fingerprints(inv)) < 0) {
		kw_inventory_release(inv);
		return r;
	}
	inv->n_accounts = count_accounts(inv);
	return 0;
}

void kw_inventory_release(kw_inventory *inv)
{
	if (!inv)
		return;
	free(inv->keys);
	free(inv->sources);
	free(inv->by_fp);
	memset(inv, 0, sizeof *inv);
}
