/* fuzz_net_knownhosts.c — libFuzzer harness for known_hosts files (src/net/knownhosts.c).
 *
 * The input is a known_hosts file. Checks: no crash, no leak; the result is 0 or -ENOMEM;
 * entries come in strictly ascending line order within [1, lines], each with a
 * well-formed SHA256 fingerprint, a plain entry with its host patterns and a hashed one
 * without; lines kept + lines skipped never exceed lines read; every diagnostic names the
 * file and a line in range. Then lookups: names taken from the input's own host fields
 * (and a few fixed ones) at ports 22 and 2222 give fingerprints that belong to entries
 * with the right marker, each once, a first line that is one of the matching entries',
 * and kw_kh_entry_matches agrees with the lookup entry by entry. */
#include "base/err.h"
#include "net/knownhosts.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const kw_known_hosts *kh, const char *const *fps, size_t n, unsigned first,
		       kw_kh_marker marker, const char *const *names, size_t nn, uint16_t port)
{
	if (!n && first)
		abort();
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(fps[i], fps[j]))
				abort(); /* once each */
		bool found = false;
		for (size_t e = 0; e < kh->n && !found; e++)
			found = kh->v[e].fp == fps[i] && kh->v[e].marker == marker;
		if (!found)
			abort();
	}
	/* the first line: the first entry of that marker that matches one of the names */
	unsigned want = 0;
	for (size_t e = 0; e < kh->n && !want; e++) {
		if (kh->v[e].marker != marker)
			continue;
		for (size_t k = 0; k < nn && !want; k++) {
			char hp[KW_KH_NAME_MAX + 1];
			if (kw_kh_hostport(names[k], port, hp, sizeof hp) == 0 &&
			    kw_kh_entry_matches(&kh->v[e], hp))
				want = kh->v[e].line;
		}
	}
	if (want != first)
		abort();
}

static void lookup(const kw_known_hosts *kh, const char *const *names, size_t nn, uint16_t port)
{
	kw_kh_match m;
	int r = kw_kh_lookup(kh, names, nn, port, &m);
	if (r == -ENOMEM)
		return;
	if (r != 0)
		abort();
	check_list(kh, m.keys, m.n_keys, m.keys_line, KW_KH_PLAIN, names, nn, port);
	check_list(kh, m.revoked, m.n_revoked, m.revoked_line, KW_KH_REVOKED, names, nn, port);
	check_list(kh, m.ca, m.n_ca, m.ca_line, KW_KH_CA, names, nn, port);
	if (m.any != (m.n_keys || m.n_revoked || m.n_ca))
		abort();
	kw_kh_match_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char file[] = "kh\x1b";
	kw_known_hosts kh;
	kw_diags d = { 0 };
	int r = kw_kh_parse(file, data, size, &kh, &d);
	if (r == -ENOMEM) {
		kw_diags_release(&d);
		return 0;
	}
	if (r != 0)
		abort();
	if (kh.n + kh.skipped > kh.lines)
		abort();
	unsigned last = 0;
	for (size_t i = 0; i < kh.n; i++) {
		const kw_kh_entry *e = &kh.v[i];
		if (e->line <= last || e->line > kh.lines)
			abort();
		last = e->line;
		if (!kw_fp_sha256_valid(e->fp, strlen(e->fp)))
			abort();
		if (e->hashed != (e->hosts == NULL))
			abort();
		if (e->marker != KW_KH_PLAIN && e->marker != KW_KH_CA && e->marker != KW_KH_REVOKED)
			abort();
	}
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].file || strcmp(d.v[i].file, file) || d.v[i].line < 1 ||
		    d.v[i].line > kh.lines || !d.v[i].msg)
			abort();

	/* names: the first pattern of some host fields, and fixed ones */
	const char *names[8] = { "host", "127.0.0.1", "::1", "a.example.com" };
	char own[4][64];
	size_t nn = 4;
	for (size_t i = 0; i < kh.n && nn < 8; i++) {
		if (!kh.v[i].hosts)
			continue;
		const char *h = kh.v[i].hosts + (kh.v[i].hosts[0] == '!');
		size_t l = strcspn(h, ",");
		if (l >= sizeof own[0])
			l = sizeof own[0] - 1;
		memcpy(own[nn - 4], h, l);
		own[nn - 4][l] = '\0';
		names[nn] = own[nn - 4];
		nn++;
	}
	lookup(&kh, names, nn, 22);
	lookup(&kh, names, nn, 2222);
	lookup(&kh, names + 4, nn - 4, 22);
	kw_kh_release(&kh);
	kw_diags_release(&d);
	return 0;
}
