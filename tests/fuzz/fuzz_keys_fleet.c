/* fuzz_keys_fleet.c — libFuzzer harness for the inventory loader of `keyward keys merge`
 * (kw_fleet_add_buf and kw_fleet_finish in src/keys/fleet.c). Owner: keys module.
 *
 * The input is one inventory, or two separated by a NUL byte (JSON text holds no raw NUL),
 * loaded as a.json and b.json; a first byte below 8 (never the start of JSON text) is an
 * option byte: its low bits pick the --hosts threshold and --newest, so duplicate hosts and
 * thresholds are exercised too. Checks: no crash, no
 * leak; a refused inventory leaves the fleet exactly as it was and its message starts with
 * the file name and holds no raw control character; after kw_fleet_finish every stored
 * string is free of control characters, places are grouped by key in host order with no
 * superseded host, the host counts and the sections agree with the places, and password
 * groups hold two or more accounts of one digest. */
#include "keys/fleet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

/* name: the file name; shown: how a message names it (escaped) */
static void add(kw_fleet *f, const char *name, const char *shown, const uint8_t *p, size_t n)
{
	char err[512];
	size_t hosts = f->n_hosts, keys = f->n_keys, places = f->n_places, pws = f->n_pws;
	int r = kw_fleet_add_buf(f, name, p, n, err, sizeof err);
	if (r == 0) {
		if (f->n_hosts != hosts + 1)
			abort();
		return;
	}
	if (f->n_hosts != hosts || f->n_keys != keys || f->n_places != places || f->n_pws != pws)
		abort();
	if (r != -ENOMEM && strncmp(err, shown, strlen(shown)) != 0)
		abort();
	check_text(err);
}

static void check_key(const kw_fleet *f, const kw_fleet_key *k)
{
	uint32_t last[KW_FLEET_ROLE_COUNT] = { 0 }, hosts[KW_FLEET_ROLE_COUNT] = { 0 };
	bool root = false;
	for (size_t i = k->first; i < k->first + k->n; i++) {
		const kw_fleet_place *p = &f->places[i];
		if (&f->keys[p->key] != k || p->role >= KW_FLEET_ROLE_COUNT || p->host >= f->n_hosts ||
		    f->hosts[p->host].superseded)
			abort();
		if (i > k->first && p->host < f->places[i - 1].host)
			abort();
		if (!hosts[p->role] || last[p->role] != p->host)
			hosts[p->role]++;
		last[p->role] = p->host;
		root |= p->role == KW_FLEET_AUTHORIZED && p->root;
	}
	for (size_t r = 0; r < KW_FLEET_ROLE_COUNT; r++)
		if (hosts[r] != k->hosts[r])
			abort();
	if (root != k->root)
		abort();
}

static void check(kw_fleet *f)
{
	for (size_t i = 1; i < f->n_str; i++)
		check_text(f->str[i]);
	size_t total = 0;
	for (size_t k = 0; k < f->n_keys; k++) {
		const kw_fleet_key *key = &f->keys[k];
		if (key->first != total)
			abort();
		total += key->n;
		check_key(f, key);
	}
	if (total != f->n_places)
		abort();
	for (size_t s = 0; s < KW_FLEET_SECTION_COUNT; s++)
		for (size_t i = 0; i < f->n_section[s]; i++) {
			const kw_fleet_key *k = &f->keys[f->section[s][i]];
			bool ok = s == KW_FLEET_WIDESPREAD ? k->hosts[KW_FLEET_AUTHORIZED] > f->opts.hosts
				: s == KW_FLEET_ROOT ? k->root
				: s == KW_FLEET_PEOPLE ? kw_fleet_key_names(f, k, NULL, 0) >= 2
				: s == KW_FLEET_HOSTKEY ? k->hosts[KW_FLEET_HOST] >= 2
				: s == KW_FLEET_PRIVKEY ? k->hosts[KW_FLEET_PRIVATE] >= 2
				: k->hosts[KW_FLEET_PRIVATE] && k->hosts[KW_FLEET_AUTHORIZED];
			if (!ok)
				abort();
		}
	for (size_t g = 0; g < f->n_pwgroups; g++) {
		const kw_fleet_pwgroup *pg = &f->pwgroups[g];
		if (pg->n < 2 || pg->first + pg->n > f->n_pws)
			abort();
		const kw_fleet_pw *a = &f->pws[pg->first];
		for (size_t i = 1; i < pg->n; i++)
			if (a[i].fleet_key_id != a[0].fleet_key_id || memcmp(a[i].digest, a[0].digest, 32))
				abort();
	}
	if (f->n_counted + f->n_superseded != f->n_hosts)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_fleet_opts o = { .hosts = 1 };
	if (size && data[0] < 8) { /* an option byte (never the start of JSON text) */
		o.hosts = data[0] & 3u;
		o.newest = data[0] & 4;
		data++;
		size--;
	}
	kw_fleet f;
	kw_fleet_init(&f, &o);
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	add(&f, "a.json", "a.json: ", data, first);
	if (nul)
		add(&f, "b\x1b.json", "b\\x1b.json: ", nul + 1, size - first - 1);
	if (kw_fleet_finish(&f) == 0)
		check(&f);
	kw_fleet_release(&f);
	return 0;
}
