/* fuzz_guard_line.c — libFuzzer harness for the guard's line parser (guard/line.c, msgs.c).
 *
 * Every input is parsed three ways: as one log line, line by line with one shared parser,
 * and as a bare message body. Checked each time: the result is 0 or 1; a match has a valid
 * kind, an address family of 0, 4 or 6, a host name only without an address, and every
 * view (user, host, method) inside the input; a miss leaves the event cleared; and the
 * shared parser gives what a fresh one gives (no state survives a line).
 *
 * Then the injection property: the input, escaped the way sshd's log.c does (strnvis:
 * printable ASCII kept, backslash doubled, the rest as \ooo, at most 100 bytes like
 * "%.100s"), is put where sshd puts a user name, a client banner, a disconnect text, an
 * algorithm offer or a certificate key id, around the real address 192.0.2.77 port 4242.
 * Whenever the line matches, the address must be 192.0.2.77 — whatever the text says —
 * and the user exactly the text as written. Shapes with one place for client text must
 * match as long as the message is under sshd's 500-byte syslog cap; where client text can
 * also sit in free-form auth info (certificate key id, hostbased names) a line may be
 * refused as ambiguous, never read with another address. */
#include "guard/line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(int rc, const kw_gevent *ev, const uint8_t *base, size_t n, bool views_in)
{
	if (rc != 0 && rc != 1)
		abort();
	if (rc == 0) {
		if (ev->kind != KW_GK_NONE || ev->has_user || ev->addr.fam || ev->port || ev->host.len)
			abort();
		return;
	}
	if (ev->kind <= KW_GK_NONE || ev->kind >= KW_GK_COUNT)
		abort();
	if (ev->addr.fam != 0 && ev->addr.fam != 4 && ev->addr.fam != 6)
		abort();
	if (ev->host.len && ev->addr.fam)
		abort();
	if (ev->proc > KW_GP_SSHD_AUTH)
		abort();
	const kw_buf *v[] = { &ev->user, &ev->host, &ev->method };
	for (size_t i = 0; i < 3; i++) {
		if (!v[i]->len)
			continue;
		if (views_in && (v[i]->p < base || v[i]->p + v[i]->len > base + n))
			abort();
		volatile uint8_t sink = 0;
		for (size_t k = 0; k < v[i]->len; k++) /* touch every byte: ASan checks */
			sink ^= v[i]->p[k];
		(void)sink;
	}
}

static bool same(int ra, const kw_gevent *a, int rb, const kw_gevent *b)
{
	if (ra != rb)
		return false;
	if (!ra)
		return true;
	return a->kind == b->kind && a->time_us == b->time_us && a->pid == b->pid &&
	       a->proc == b->proc && kw_addr_eq(&a->addr, &b->addr) && a->port == b->port &&
	       a->has_user == b->has_user && a->invalid_user == b->invalid_user &&
	       a->preauth == b->preauth && a->user.len == b->user.len &&
	       (!a->user.len || !memcmp(a->user.p, b->user.p, a->user.len)) &&
	       a->host.len == b->host.len && (!a->host.len || !memcmp(a->host.p, b->host.p, a->host.len));
}

static void raw(const uint8_t *data, size_t size)
{
	kw_gparser shared, fresh;
	kw_gevent ev, ev2;
	kw_gparser_init(&shared, INT64_C(1767312000) * 1000000);
	bool json = size && data[0] == '{';
	check_event(kw_gparse_line(&shared, data, size, &ev), &ev, data, size, !json);
	check_event(kw_gparse_message(data, size, &ev), &ev, data, size, true);
	for (size_t i = 0; i < size;) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
		const uint8_t *line = data + i;
		bool lj = n && line[0] == '{';
		int r1 = kw_gparse_line(&shared, line, n, &ev);
		check_event(r1, &ev, line, n, !lj);
		kw_gparser_init(&fresh, INT64_C(1767312000) * 1000000);
		int r2 = kw_gparse_line(&fresh, line, n, &ev2);
		/* JSON views live in a per-thread buffer: compare before the next parse */
		if (!same(r1, &ev, r2, &ev2) && !lj)
			abort();
		i += n + 1;
	}
}

/* sshd's log.c escaping (strnvis with VIS_CSTYLE|VIS_NL|VIS_TAB|VIS_OCTAL), simplified:
 * printable ASCII as is, backslash doubled, everything else \ooo. Input stops at a NUL
 * (a C string) and at max bytes (the "%.100s"). */
static size_t vis(const uint8_t *in, size_t n, size_t max, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n && i < max && in[i]; i++) {
		uint8_t c = in[i];
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			o += (size_t)sprintf(out + o, "\\%03o", c);
		}
	}
	out[o] = '\0';
	return o;
}

/* MUST: the shape has one place for client text, so any text must parse (under 500
 * bytes); MAY: client text on both sides of the address or in free-form auth info can make
 * a line ambiguous, which then does not count, but never with another address. */
enum side { MUST, MAY, BOTH };

/* fmt with each "%s" replaced by the next of a, b; -1 if it does not fit. */
static int fill(char *out, size_t cap, const char *fmt, const char *a, const char *b)
{
	size_t o = 0;
	const char *args[2] = { a, b };
	int k = 0;
	for (const char *f = fmt; *f; f++) {
		const char *src = f;
		size_t n = 1;
		if (f[0] == '%' && f[1] == 's' && k < 2) {
			src = args[k++];
			n = strlen(src);
			f++;
		}
		if (o + n >= cap)
			return -1;
		memcpy(out + o, src, n);
		o += n;
	}
	out[o] = '\0';
	return (int)o;
}

static const struct tmpl {
	const char *fmt;  /* %s = the hostile text (twice for BOTH) */
	enum side side;
	bool has_user;    /* the (first) text is the event's user */
} tmpls[] = {
	{ "Invalid user %s from 192.0.2.77 port 4242", MUST, true },
	{ "Failed password for invalid user %s from 192.0.2.77 port 4242 ssh2", MUST, true },
	{ "Failed keyboard-interactive/pam for invalid user %s from 192.0.2.77 port 4242 ssh2", MUST, true },
	{ "Failed none for invalid user %s from 192.0.2.77 port 4242 ssh2", MUST, true },
	{ "Failed publickey for invalid user %s from 192.0.2.77 port 4242 ssh2: RSA SHA256:Zm9v", MUST, true },
	{ "error: maximum authentication attempts exceeded for invalid user %s from 192.0.2.77 port 4242 ssh2 [preauth]", MUST, true },
	{ "Connection closed by invalid user %s 192.0.2.77 port 4242 [preauth]", MUST, true },
	{ "Connection reset by authenticating user %s 192.0.2.77 port 4242 [preauth]", MUST, true },
	{ "Disconnected from invalid user %s 192.0.2.77 port 4242 [preauth]", MUST, true },
	{ "Disconnecting invalid user %s 192.0.2.77 port 4242: Too many authentication failures [preauth]", MUST, true },
	{ "ssh_dispatch_run_fatal: Connection from invalid user %s 192.0.2.77 port 4242: message authentication code incorrect [preauth]", MUST, true },
	{ "error: PAM: Authentication failure for illegal user %s from 192.0.2.77", MUST, true },
	{ "Bad protocol version identification '%s' from 192.0.2.77 port 4242", MUST, false },
	{ "Received disconnect from 192.0.2.77 port 4242:11: %s [preauth]", MUST, false },
	{ "Unable to negotiate with 192.0.2.77 port 4242: no matching cipher found. Their offer: %s [preauth]", MUST, false },
	{ "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.77  user=%s", MUST, true },
	{ "Failed publickey for root from 192.0.2.77 port 4242 ssh2: ED25519-CERT SHA256:Zm9v ID %s (serial 0) CA ED25519 SHA256:YmFy", MAY, false },
	{ "Failed hostbased for root from 192.0.2.77 port 4242 ssh2: RSA SHA256:Zm9v, client user \"%s\", client host \"h\"", MAY, false },
	{ "Failed publickey for invalid user %s from 192.0.2.77 port 4242 ssh2: ED25519-CERT SHA256:Zm9v ID %s (serial 0) CA ED25519 SHA256:YmFy", BOTH, true },
	{ "Failed hostbased for invalid user %s from 192.0.2.77 port 4242 ssh2: RSA SHA256:Zm9v, client user \"u\", client host \"%s\"", BOTH, true },
};

static void injection(const uint8_t *data, size_t size)
{
	if (size < 1)
		return;
	const struct tmpl *t = &tmpls[data[0] % (sizeof tmpls / sizeof tmpls[0])];
	data++;
	size--;
	/* BOTH: the input's two halves, split at its first 0xff byte */
	const uint8_t *ff = memchr(data, 0xff, size);
	size_t n1 = t->side == BOTH && ff ? (size_t)(ff - data) : size;
	const uint8_t *d2 = ff ? ff + 1 : data + size;
	size_t n2 = ff ? size - (size_t)(ff - data) - 1 : 0;
	char a[401], b[401], msg[1200];
	size_t alen = vis(data, n1, 100, a);
	(void)vis(d2, n2, 100, b);
	int mlen = fill(msg, sizeof msg, t->fmt, a, b);
	if (mlen < 0)
		return;
	char line[1300];
	int llen = snprintf(line, sizeof line, "Mar  1 00:00:00 host sshd[99]: %s", msg);
	kw_gparser p;
	kw_gparser_init(&p, INT64_C(1767312000) * 1000000);
	kw_gevent ev;
	int rc = kw_gparse_line(&p, (const uint8_t *)line, (size_t)llen, &ev);
	check_event(rc, &ev, (const uint8_t *)line, (size_t)llen, true);
	if (rc == 1) {
		kw_addr want;
		if (kw_addr_parse("192.0.2.77", 10, &want) < 0 || !kw_addr_eq(&ev.addr, &want))
			abort(); /* injected text won */
		if (ev.port && ev.port != 4242)
			abort();
	}
	if (t->side == MUST && mlen < 500 && rc != 1)
		abort();
	if (rc == 1 && t->has_user &&
	    (!ev.has_user || ev.user.len != alen || memcmp(ev.user.p, a, alen)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	raw(data, size);
	injection(data, size);
	return 0;
}
