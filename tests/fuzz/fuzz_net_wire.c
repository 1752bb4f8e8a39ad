/* fuzz_net_wire.c — libFuzzer harness for the SSH transport before keys (net/wire.c).
 *
 * The input is what a server sends. Its first byte picks how the stream is cut into feeds
 * (1 to 4096 bytes) and the packet_length cap (the default or the ceiling); the rest goes
 * through kw_ssh_rx as a client would take it: the ident, then messages, taking every item
 * after each feed. Every KEXINIT is parsed, checked and rebuilt (build -> parse must give
 * the same lists when nothing was dropped), every DISCONNECT parsed and described.
 *
 * Checked each time: the buffer never holds more than kw_ssh_rx_held_max(); every view
 * lies inside the buffer; names are non-empty C strings within the caps; every text meant
 * for humans (rx errors, parse errors, DISCONNECT descriptions) is escaped (no control
 * character, valid UTF-8 apart from the backslash escapes); and the same stream fed one
 * byte at a time gives exactly the same items and the same first error. The whole input is
 * also parsed as a KEXINIT payload and as a DISCONNECT payload on its own.
 */
#include "base/err.h"
#include "base/escape.h"
#include "net/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Escaped text: each piece between backslashes must be clean (what kw_escape leaves). */
static void check_text(const char *s)
{
	size_t n = strlen(s);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\\') {
			if (!kw_escape_is_clean(s + start, i - start))
				abort();
			start = i + 1;
		}
	}
}

typedef struct trace {
	uint64_t h;
} trace;

static void mix(trace *t, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		t->h ^= b[i];
		t->h *= 0x100000001b3ULL;
	}
	t->h ^= n;
	t->h *= 0x100000001b3ULL;
}

static void check_list(const kw_ssh_namelist *l, size_t *total)
{
	if (l->n > KW_SSH_NAMES_PER_LIST)
		abort();
	*total += l->n;
	for (size_t i = 0; i < l->n; i++)
		if (!l->names[i] || !l->names[i][0])
			abort();
}

static void kexinit_rebuild(const kw_ssh_kexinit *k)
{
	bool dropped = false;
	for (int i = 0; i < KW_KEXL_N; i++)
		dropped |= k->lists[i].dropped != 0;
	char *lists[KW_KEXL_N] = { 0 };
	kw_sb out;
	kw_sb_init(&out);
	bool oom = false;
	for (int i = 0; i < KW_KEXL_N; i++) {
		kw_sb s;
		kw_sb_init(&s);
		if (kw_ssh_namelist_join(&k->lists[i], &s) < 0)
			oom = true;
		lists[i] = kw_sb_detach(&s);
		if (!lists[i])
			oom = true;
	}
	int r = oom ? -ENOMEM : kw_ssh_kexinit_build((const char *const *)lists, k->cookie, &out);
	if (r == KW_E_TOOBIG || r == -ENOMEM)
		goto done;
	if (r < 0)
		abort();
	kw_ssh_kexinit again;
	char err[160];
	if (kw_ssh_kexinit_parse(kw_buf_view(out.s, out.len), &again, err, sizeof err) != 0)
		abort();
	if (memcmp(again.cookie, k->cookie, 16) != 0 || again.first_kex_follows || again.reserved ||
	    again.trailing)
		abort();
	if (!dropped) {
		for (int i = 0; i < KW_KEXL_N; i++) {
			const kw_ssh_namelist *a = &k->lists[i], *b = &again.lists[i];
			if (a->n != b->n || b->dropped)
				abort();
			for (size_t j = 0; j < a->n; j++)
				if (strcmp(a->names[j], b->names[j]) != 0)
					abort();
		}
		if (again.strict_kex != k->strict_kex || again.ext_info != k->ext_info)
			abort();
	}
	kw_ssh_kexinit_release(&again);
done:
	for (int i = 0; i < KW_KEXL_N; i++)
		free(lists[i]);
	kw_sb_release(&out);
}

static void kexinit_check(kw_buf payload, bool rebuild)
{
	kw_ssh_kexinit k;
	char err[160] = "";
	int r = kw_ssh_kexinit_parse(payload, &k, err, sizeof err);
	if (r < 0) {
		if (r != KW_E_PARSE && r != -ENOMEM)
			abort();
		for (int i = 0; i < KW_KEXL_N; i++)
			if (k.lists[i].names || k.lists[i].n)
				abort();
		check_text(err);
		return;
	}
	if (r != 0)
		abort();
	size_t total = 0;
	for (int i = 0; i < KW_KEXL_N; i++)
		check_list(&k.lists[i], &total);
	if (total > KW_SSH_NAMES_TOTAL)
		abort();
	if (k.strict_kex != kw_ssh_namelist_has(&k.lists[KW_KEXL_KEX], "kex-strict-s-v00@openssh.com") &&
	    !k.lists[KW_KEXL_KEX].dropped)
		abort();
	if (rebuild)
		kexinit_rebuild(&k);
	kw_ssh_kexinit_release(&k);
}

static void disconnect_check(kw_buf payload)
{
	kw_ssh_disconnect d;
	if (kw_ssh_disconnect_parse(payload, &d) != 0)
		return;
	if (d.description.len > payload.len ||
	    d.description.p < payload.p || d.description.p + d.description.len > payload.p + payload.len)
		abort();
	char out[256];
	if (kw_ssh_disconnect_describe(&d, out, sizeof out) == 0)
		check_text(out);
	char tiny[9];
	if (kw_ssh_disconnect_describe(&d, tiny, sizeof tiny) == 0)
		check_text(tiny);
}

static void check_rx(const kw_ssh_rx *rx)
{
	if (rx->cap > kw_ssh_rx_held_max(rx) || rx->len > rx->cap || rx->off > rx->len)
		abort();
	if (rx->skipped > KW_SSH_SKIP_MAX || rx->npre > KW_SSH_PRELINES_MAX ||
	    rx->pre_bytes > KW_SSH_PRE_TOTAL_MAX)
		abort();
}

/* Feed data in pieces of `chunk`, taking items after each feed. Returns the trace. */
static uint64_t run(const uint8_t *data, size_t size, size_t chunk, size_t packet_max, bool deep)
{
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, packet_max);
	trace t = { 0xcbf29ce484222325ULL };
	int r = 0;
	for (size_t off = 0; off < size && r >= 0;) {
		size_t k = size - off < chunk ? size - off : chunk;
		r = kw_ssh_rx_feed(&rx, data + off, k);
		off += k;
		while (r >= 0) {
			check_rx(&rx);
			if (!rx.ident_done) {
				kw_ssh_ident id;
				r = kw_ssh_rx_ident(&rx, &id);
				if (r != 1)
					break;
				size_t ll = strlen(id.line);
				if (ll + 1 > KW_SSH_IDENT_MAX || strncmp(id.line, "SSH-", 4) != 0 ||
				    !id.software[0] || id.npre_kept > KW_SSH_PRELINES_KEPT ||
				    id.npre_kept > id.npre || id.npre > KW_SSH_PRELINES_MAX)
					abort();
				for (const char *c = id.proto; *c; c++)
					if (!((*c >= '0' && *c <= '9') || *c == '.'))
						abort();
				mix(&t, id.line, ll);
				mix(&t, &id.npre, sizeof id.npre);
				mix(&t, &id.bare_lf, sizeof id.bare_lf);
				for (size_t i = 0; i < id.npre_kept; i++) {
					size_t pl = strlen(id.pre[i]);
					if (pl >= KW_SSH_PRELINE_MAX)
						abort();
					mix(&t, id.pre[i], pl);
				}
				kw_ssh_ident_release(&id);
			} else {
				uint8_t type;
				kw_buf p;
				r = kw_ssh_rx_message(&rx, &type, &p);
				if (r != 1)
					break;
				if (p.len < 1 || p.len > rx.packet_max || p.p < rx.buf ||
				    p.p + p.len > rx.buf + rx.len || p.p[0] != type)
					abort();
				if (type == KW_SSH_MSG_IGNORE || type == KW_SSH_MSG_DEBUG ||
				    type == KW_SSH_MSG_UNIMPLEMENTED)
					abort();
				mix(&t, p.p, p.len);
				if (deep && type == KW_SSH_MSG_KEXINIT)
					kexinit_check(p, true);
				if (deep && type == KW_SSH_MSG_DISCONNECT)
					disconnect_check(p);
			}
		}
	}
	check_rx(&rx);
	mix(&t, &r, sizeof r);
	if (r < 0) {
		const char *e = kw_ssh_rx_error(&rx);
		if (r != -ENOMEM && !rx.fail)
			abort();
		check_text(e);
		mix(&t, e, strlen(e));
	}
	mix(&t, &rx.skipped, sizeof rx.skipped);
	mix(&t, &rx.seq, sizeof rx.seq);
	kw_ssh_rx_release(&rx);
	return t.h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[16] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 64, 255, 256, 1000, 1460, 2048, 4096 };
	if (size < 1 || size > 300000)
		return 0;
	size_t chunk = chunks[data[0] & 15];
	size_t packet_max = data[0] & 0x80 ? KW_SSH_PACKET_CEILING : 0;
	const uint8_t *s = data + 1;
	size_t n = size - 1;
	uint64_t a = run(s, n, chunk, packet_max, true);
	uint64_t b = run(s, n, 1, packet_max, false);
	if (a != b)
		abort();
	/* the whole input as a payload on its own */
	kexinit_check(kw_buf_view(s, n), true);
	disconnect_check(kw_buf_view(s, n));
	return 0;
}
