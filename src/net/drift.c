/* drift.c — the server's KEXINIT against its configuration: see drift.h. */
#include "net/drift.h"

#include "base/err.h"
#include "base/vec.h"
#include "sshd/algos.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pseudo_kex[] = {
	"ext-info-s", "ext-info-c", "kex-strict-s-v00@openssh.com", "kex-strict-c-v00@openssh.com",
};

bool kw_drift_pseudo_kex(const char *name)
{
	for (size_t i = 0; i < sizeof pseudo_kex / sizeof pseudo_kex[0]; i++)
		if (!strcmp(name, pseudo_kex[i]))
			return true;
	return false;
}

/* sshd.c append_hostkey_type(): only what HostKeyAlgorithms lists, here once each */
static int append_alg(const kw_drift_config *c, const char *alg, kw_sb *out)
{
	if (!c->hostkey_algs || !kw_algos_list_has(c->hostkey_algs, alg) || kw_algos_list_has(out->s, alg))
		return 0;
	return kw_sb_printf(out, "%s%s", out->len ? "," : "", alg) < 0 ? -ENOMEM : 0;
}

int kw_drift_hostkey_offer(const kw_drift_config *c, kw_sb *out)
{
	int r = 0;
	for (size_t i = 0; i < c->n_key_types && r == 0; i++) {
		const char *t = c->key_types[i];
		if (!strcmp(t, "ssh-rsa")) {
			r = append_alg(c, "rsa-sha2-512", out);
			if (!r)
				r = append_alg(c, "rsa-sha2-256", out);
		} else if (!strcmp(t, "ssh-rsa-cert-v01@openssh.com")) {
			r = append_alg(c, "rsa-sha2-512-cert-v01@openssh.com", out);
			if (!r)
				r = append_alg(c, "rsa-sha2-256-cert-v01@openssh.com", out);
		}
		if (!r)
			r = append_alg(c, t, out);
	}
	return r;
}

/* the comma list s as a vector of names (copies) */
typedef struct names {
	char **v;
	size_t n, cap;
} names;

static void names_release(names *n)
{
	kw_strv_free(n->v, n->n);
	*n = (names){ 0 };
}

static bool names_has(const names *n, const char *s)
{
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->v[i], s))
			return true;
	return false;
}

static int names_add(names *n, const char *s, size_t len)
{
	char *c = strndup(s, len);
	if (!c)
		return -ENOMEM;
	if (names_has(n, c)) {
		free(c);
		return 0;
	}
	char **slot = KW_VEC_PUSH(n->v, n->n, n->cap);
	if (!slot) {
		free(c);
		return -ENOMEM;
	}
	*slot = c;
	return 0;
}

static int names_from_list(names *n, const char *list)
{
	for (const char *p = list ? list : ""; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len && names_add(n, p, len) < 0)
			return -ENOMEM;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int names_from_wire(names *n, const kw_ssh_namelist *l, bool kex)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->names[i];
		if (kex && kw_drift_pseudo_kex(s))
			continue;
		if (names_add(n, s, strlen(s)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int say(kw_drift *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(kw_drift *d, const char *fmt, ...)
{
	va_list ap;
	kw_sb sb;
	kw_sb_init(&sb);
	va_start(ap, fmt);
	int r = kw_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	char *s = r < 0 ? NULL : kw_sb_detach(&sb);
	kw_sb_release(&sb);
	char **slot = s ? KW_VEC_PUSH(d->v, d->n, d->cap) : NULL;
	if (!slot) {
		free(s);
		return -ENOMEM;
	}
	*slot = s;
	return 0;
}

/* Names of a that b lacks, one sentence each (at most KW_DRIFT_PER_LIST, then a count). */
static int missing(kw_drift *d, const names *a, const names *b, const char *what, bool server_side)
{
	size_t told = 0, more = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (names_has(b, a->v[i]))
			continue;
		if (told == KW_DRIFT_PER_LIST) {
			more++;
			continue;
		}
		told++;
		int r = server_side
			? say(d, "%s: the server offers %s, the configuration does not", what, a->v[i])
			: say(d, "%s: the configuration lists %s, the server does not offer it", what, a->v[i]);
		if (r < 0)
			return r;
	}
	if (more)
		return server_side
			? say(d, "%s: the server offers %zu more the configuration does not", what, more)
			: say(d, "%s: the configuration lists %zu more the server does not offer", what, more);
	return 0;
}

int kw_drift_compare(const kw_drift_config *c, const kw_ssh_kexinit *k, kw_drift *out)
{
	kw_sb hk;
	kw_sb_init(&hk);
	int r = kw_drift_hostkey_offer(c, &hk);
	struct {
		const char *what;
		const char *config;
		int wire[2];
	} kinds[] = {
		{ "key exchange", c->kex, { KW_KEXL_KEX, -1 } },
		{ "host key algorithms", hk.s, { KW_KEXL_HOSTKEY, -1 } },
		{ "ciphers", c->ciphers, { KW_KEXL_ENC_SC, KW_KEXL_ENC_CS } },
		{ "MACs", c->macs, { KW_KEXL_MAC_SC, KW_KEXL_MAC_CS } },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && r == 0; i++) {
		names wire = { 0 }, conf = { 0 };
		for (size_t j = 0; j < 2 && r == 0; j++)
			if (kinds[i].wire[j] >= 0)
				r = names_from_wire(&wire, &k->lists[kinds[i].wire[j]], kinds[i].wire[j] == KW_KEXL_KEX);
		if (r == 0)
			r = names_from_list(&conf, kinds[i].config);
		if (r == 0)
			r = missing(out, &wire, &conf, kinds[i].what, true);
		if (r == 0)
			r = missing(out, &conf, &wire, kinds[i].what, false);
		names_release(&wire);
		names_release(&conf);
	}
	kw_sb_release(&hk);
	return r;
}

void kw_drift_release(kw_drift *d)
{
	kw_strv_free(d->v, d->n);
	*d = (kw_drift){ 0 };
}
