/* test_net_wire.c — cmocka tests for src/net/wire.c: the SSH transport before keys.
 *
 * Owned by the "wire" helper. Three parts:
 *  - the writers and kw_ssh_packet_put (RFC 4251 §5 examples, padding rules, the size cap);
 *  - hostile bytes for every refusal of the reader (oversized and misaligned packets, bad
 *    padding, endless or long lines before the ident, a long ident, NUL, 33 IGNOREs,
 *    truncated KEXINITs, name-list lengths past the packet, bad names, 1200 names), and
 *    the same stream cut into feeds every which way giving the same items and errors;
 *  - real servers on 127.0.0.1 (OpenSSH sshd, dropbear, tinysshd; netpeer.c): their ident
 *    and KEXINIT read through kw_ssh_rx over a blocking socket must list exactly what
 *    `ssh-audit -j` reports for the same server, and for sshd what `sshd -T` prints; then
 *    our KEXINIT and an ECDH_INIT built with the writers must get a KEX_ECDH_REPLY (the
 *    servers accept our packets), and a KEXINIT with nothing in common must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "netpeer.h"
#include "testutil.h"
#include "base/err.h"
#include "net/wire.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static void put_raw_packet(kw_sb *s, uint32_t plen, uint8_t pad, const void *payload, size_t n)
{
	assert_int_equal(kw_ssh_put_u32(s, plen), 0);
	assert_int_equal(kw_ssh_put_u8(s, pad), 0);
	assert_int_equal(kw_sb_put(s, payload, n), 0);
	for (size_t i = 0; i < pad; i++)
		assert_int_equal(kw_ssh_put_u8(s, 0), 0);
}

static void put_packet(kw_sb *s, const void *payload, size_t n)
{
	assert_int_equal(kw_ssh_packet_put(s, payload, n), 0);
}

static void put_ignore(kw_sb *s, uint8_t type)
{
	kw_sb p;
	kw_sb_init(&p);
	assert_int_equal(kw_ssh_put_u8(&p, type), 0);
	if (type == KW_SSH_MSG_UNIMPLEMENTED) {
		assert_int_equal(kw_ssh_put_u32(&p, 7), 0);
	} else if (type == KW_SSH_MSG_DEBUG) {
		assert_int_equal(kw_ssh_put_u8(&p, 1), 0);
		assert_int_equal(kw_ssh_put_string(&p, "dbg", 3), 0);
		assert_int_equal(kw_ssh_put_string(&p, "", 0), 0);
	} else {
		assert_int_equal(kw_ssh_put_string(&p, "junk", 4), 0);
	}
	put_packet(s, p.s, p.len);
	kw_sb_release(&p);
}

static const char *const sample_lists[KW_KEXL_N] = {
	"curve25519-sha256,ecdh-sha2-nistp256,ext-info-s,kex-strict-s-v00@openssh.com",
	"ssh-ed25519,rsa-sha2-512",
	"aes128-ctr,chacha20-poly1305@openssh.com",
	"aes256-ctr",
	"hmac-sha2-256",
	"hmac-sha2-512-etm@openssh.com,hmac-sha1",
	"none",
	"none,zlib@openssh.com",
	NULL,
	"",
};

static void build_kexinit(kw_sb *payload, const char *const lists[KW_KEXL_N])
{
	uint8_t cookie[16];
	for (int i = 0; i < 16; i++)
		cookie[i] = (uint8_t)(0xA0 + i);
	assert_int_equal(kw_ssh_kexinit_build(lists, cookie, payload), 0);
}

/* A KEXINIT payload with the raw name-list bytes given (lists[i] may hold anything). */
static void raw_kexinit(kw_sb *p, const char *const lists[KW_KEXL_N], const size_t lens[KW_KEXL_N])
{
	assert_int_equal(kw_ssh_put_u8(p, KW_SSH_MSG_KEXINIT), 0);
	assert_int_equal(kw_sb_put(p, "0123456789abcdef", 16), 0);
	for (int i = 0; i < KW_KEXL_N; i++) {
		const char *s = lists[i] ? lists[i] : "";
		assert_int_equal(kw_ssh_put_string(p, s, lens ? lens[i] : strlen(s)), 0);
	}
	assert_int_equal(kw_ssh_put_u8(p, 0), 0);
	assert_int_equal(kw_ssh_put_u32(p, 0), 0);
}

static int feed_str(kw_ssh_rx *rx, const char *s)
{
	return kw_ssh_rx_feed(rx, (const uint8_t *)s, strlen(s));
}

static char *join(const kw_ssh_namelist *l)
{
	kw_sb s;
	kw_sb_init(&s);
	assert_int_equal(kw_ssh_namelist_join(l, &s), 0);
	return kw_sb_detach(&s);
}

static void assert_list(const kw_ssh_namelist *l, const char *want)
{
	char *got = join(l);
	if (strcmp(got, want) != 0)
		fail_msg("list \"%s\" != \"%s\"", got, want);
	free(got);
}

/* ---- writers ---- */

static void assert_bytes(const kw_sb *s, const char *hex)
{
	char got[512];
	assert_true(s->len * 2 < sizeof got);
	kw_hex_lower(s->s, s->len, got);
	if (strcmp(got, hex) != 0)
		fail_msg("bytes %s != %s", got, hex);
}

static void test_put_types(void **state)
{
	(void)state;
	kw_sb s;
	kw_sb_init(&s);
	assert_int_equal(kw_ssh_put_u8(&s, 0xfe), 0);
	assert_int_equal(kw_ssh_put_u32(&s, 0x29b7f4aa), 0);
	assert_bytes(&s, "fe29b7f4aa");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_string(&s, "testing", 7), 0);
	assert_bytes(&s, "0000000774657374696e67");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_string(&s, NULL, 0), 0);
	assert_bytes(&s, "00000000");
	/* RFC 4251 §5 mpint examples (non-negative ones), and leading zeros dropped */
	static const struct { const char *in; size_t n; const char *want; } mp[] = {
		{ "", 0, "00000000" },
		{ "\x00\x00", 2, "00000000" },
		{ "\x09\xa3\x78\xf9\xb2\xe3\x32\xa7", 8, "0000000809a378f9b2e332a7" },
		{ "\x80", 1, "000000020080" },
		{ "\x00\x00\x80", 3, "000000020080" },
		{ "\x00\x7f", 2, "000000017f" },
	};
	for (size_t i = 0; i < sizeof mp / sizeof mp[0]; i++) {
		kw_sb_clear(&s);
		assert_int_equal(kw_ssh_put_mpint(&s, (const uint8_t *)mp[i].in, mp[i].n), 0);
		assert_bytes(&s, mp[i].want);
	}
	kw_sb_release(&s);
}

static void test_packet_put(void **state)
{
	(void)state;
	uint8_t payload[KW_SSH_PAYLOAD_MAX + 1];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 100,
					 255, 256, 1000, 32768, KW_SSH_PAYLOAD_MAX - 1,
					 KW_SSH_PAYLOAD_MAX };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k];
		kw_sb s;
		kw_sb_init(&s);
		assert_int_equal(kw_sb_puts(&s, "x"), 0); /* appends */
		put_packet(&s, payload, n);
		size_t total = s.len - 1;
		assert_int_equal(total % 8, 0);
		assert_true(total <= KW_SSH_PACKET_DEFAULT);
		uint8_t pad = (uint8_t)s.s[5];
		assert_true(pad >= 4 && pad <= 11);
		assert_int_equal(total, 4 + 1 + n + pad);
		kw_ssh_rx rx;
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s + 1, total), 0);
		kw_buf got;
		assert_int_equal(kw_ssh_rx_packet(&rx, &got), 1);
		assert_int_equal(got.len, n);
		assert_memory_equal(got.p, payload, n);
		assert_int_equal(kw_ssh_rx_packet(&rx, &got), 0);
		assert_int_equal(rx.seq, 1);
		kw_ssh_rx_release(&rx);
		kw_sb_release(&s);
	}
	/* too big: refused, and out is left as it was */
	kw_sb s;
	kw_sb_init(&s);
	assert_int_equal(kw_sb_puts(&s, "keep"), 0);
	assert_int_equal(kw_ssh_packet_put(&s, payload, KW_SSH_PAYLOAD_MAX + 1), KW_E_TOOBIG);
	assert_string_equal(s.s, "keep");
	assert_int_equal(s.len, 4);
	/* the padding is random: two packets of the same payload differ */
	kw_sb a, b;
	kw_sb_init(&a);
	kw_sb_init(&b);
	put_packet(&a, payload, 40);
	put_packet(&b, payload, 40);
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.s + 5 + 40, b.s + 5 + 40, a.len - 45);
	kw_sb_release(&a);
	kw_sb_release(&b);
	kw_sb_release(&s);
}

/* ---- identification ---- */

static void test_ident_basic(void **state)
{
	(void)state;
	kw_ssh_rx rx;
	kw_ssh_ident id;
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(feed_str(&rx, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r"), 0);
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), 0);
	assert_int_equal(kw_ssh_rx_feed(&rx, (const uint8_t *)"\n\0\0", 3), 0);
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
	assert_string_equal(id.line, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
	assert_string_equal(id.proto, "2.0");
	assert_string_equal(id.software, "OpenSSH_9.2p1");
	assert_string_equal(id.comments, "Debian-2+deb12u3");
	assert_false(id.bare_lf);
	assert_int_equal(id.npre, 0);
	assert_true(kw_ssh_ident_is_v2(&id));
	assert_true(rx.ident_done);
	assert_int_equal(rx.len - rx.off, 2); /* the bytes after the line stay */
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), -EINVAL);
	kw_ssh_ident_release(&id);
	kw_ssh_ident_release(&id); /* twice is fine */
	kw_ssh_rx_release(&rx);

	static const struct { const char *in; const char *proto, *sw, *comments; bool v2, bare; } ok[] = {
		{ "SSH-1.99-Cisco-1.25\r\n", "1.99", "Cisco-1.25", NULL, true, false },
		{ "SSH-1.5-old\n", "1.5", "old", NULL, false, true },
		{ "SSH-2.0-dropbear_2022.83\r\n", "2.0", "dropbear_2022.83", NULL, true, false },
		{ "SSH-2.0-x \r\n", "2.0", "x", "", true, false },
		{ "SSH-2.0-x a b\tc\n", "2.0", "x", "a b\tc", true, true },
		{ "SSH-2.0-x\r\r\n", "2.0", "x\r", NULL, true, false },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(feed_str(&rx, ok[i].in), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
		assert_string_equal(id.proto, ok[i].proto);
		assert_string_equal(id.software, ok[i].sw);
		if (ok[i].comments)
			assert_string_equal(id.comments, ok[i].comments);
		else
			assert_null(id.comments);
		assert_int_equal(kw_ssh_ident_is_v2(&id), ok[i].v2);
		assert_int_equal(id.bare_lf, ok[i].bare);
		kw_ssh_ident_release(&id);
		kw_ssh_rx_release(&rx);
	}
}

static void test_ident_prelines(void **state)
{
	(void)state;
	kw_ssh_rx rx;
	kw_ssh_ident id;
	kw_ssh_rx_init(&rx, 0);
	kw_sb s;
	kw_sb_init(&s);
	for (int i = 0; i < 20; i++)
		assert_int_equal(kw_sb_printf(&s, "line %d%s", i, i % 2 ? "\r\n" : "\n"), 0);
	/* not the ident: SSH without the dash, short lines, empty lines */
	assert_int_equal(kw_sb_puts(&s, "SSH\r\nSS\n\n\r\nSSH_2.0-no\n"), 0);
	assert_int_equal(kw_sb_puts(&s, "SSH-2.0-srv\n"), 0);
	put_ignore(&s, KW_SSH_MSG_IGNORE);
	assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s, s.len), 0);
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
	assert_int_equal(id.npre, 25);
	assert_int_equal(id.npre_kept, KW_SSH_PRELINES_KEPT);
	assert_string_equal(id.pre[0], "line 0");
	assert_string_equal(id.pre[1], "line 1");
	assert_string_equal(id.pre[15], "line 15");
	assert_true(id.bare_lf);
	assert_int_equal(rx.npre, 25);
	kw_buf p;
	assert_int_equal(kw_ssh_rx_packet(&rx, &p), 1);
	assert_int_equal(p.p[0], KW_SSH_MSG_IGNORE);
	kw_ssh_ident_release(&id);
	kw_ssh_rx_release(&rx);
	kw_sb_release(&s);

	/* the lines kept before the ident are released with rx when it never comes */
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(feed_str(&rx, "a\nb\nc"), 0);
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), 0);
	assert_int_equal(rx.npre, 2);
	kw_ssh_rx_release(&rx);
}

/* Feed text (n bytes) and expect the ident call to fail with code; err must contain want. */
static void expect_ident_error(const void *text, size_t n, int code, const char *want)
{
	kw_ssh_rx rx;
	kw_ssh_ident id = { 0 };
	kw_ssh_rx_init(&rx, 0);
	int r = 0;
	const uint8_t *p = text;
	/* in pieces of at most 4096 bytes, taking items after each, as a caller does */
	for (size_t off = 0; off < n && r >= 0;) {
		size_t k = n - off < 4096 ? n - off : 4096;
		r = kw_ssh_rx_feed(&rx, p + off, k);
		off += k;
		if (r == 0)
			r = kw_ssh_rx_ident(&rx, &id);
		assert_int_not_equal(r, 1);
	}
	assert_int_equal(r, code);
	if (!strstr(kw_ssh_rx_error(&rx), want))
		fail_msg("error \"%s\" lacks \"%s\"", kw_ssh_rx_error(&rx), want);
	/* sticky */
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), code);
	assert_int_equal(feed_str(&rx, "SSH-2.0-x\r\n"), code);
	kw_buf b;
	assert_int_equal(kw_ssh_rx_packet(&rx, &b), code);
	kw_ssh_rx_release(&rx);
}

#define EXPECT_IDENT(lit, code, want) expect_ident_error(lit, sizeof(lit) - 1, code, want)

static void test_ident_errors(void **state)
{
	(void)state;
	char *big = malloc(200000);
	assert_non_null(big);

	/* an SSH- line over 255 bytes, without waiting for its end */
	memset(big, 'A', 300);
	memcpy(big, "SSH-2.0-", 8);
	expect_ident_error(big, 255, KW_E_TOOBIG, "longer than 255");
	{ /* ... but 254 bytes may still end in LF: need more */
		kw_ssh_rx rx;
		kw_ssh_ident id;
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, 254), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 0);
		assert_int_equal(feed_str(&rx, "\n"), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
		assert_int_equal(strlen(id.line), 254);
		kw_ssh_ident_release(&id);
		kw_ssh_rx_release(&rx);
		/* exactly 255 with CR LF is fine, 256 is not */
		kw_ssh_rx_init(&rx, 0);
		memcpy(big + 253, "\r\n", 2);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, 255), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
		kw_ssh_ident_release(&id);
		kw_ssh_rx_release(&rx);
		memset(big, 'A', 300);
		memcpy(big, "SSH-2.0-", 8);
		memcpy(big + 254, "\r\n", 2);
		expect_ident_error(big, 256, KW_E_TOOBIG, "longer than 255");
	}

	/* NUL in the ident and before it */
	EXPECT_IDENT("SSH-2.0-a\0b\r\n", KW_E_PARSE, "NUL byte in the identification");
	EXPECT_IDENT("hello\0\r\nSSH-2.0-x\r\n", KW_E_PARSE, "NUL byte in a line before");
	EXPECT_IDENT("\0", KW_E_PARSE, "NUL");
	EXPECT_IDENT("SS\0", KW_E_PARSE, "NUL");

	/* endless lines before the ident: 1024 are allowed, the 1025th is not */
	size_t n = 0;
	for (int i = 0; i < 1025; i++)
		big[n++] = 'x', big[n++] = '\n';
	expect_ident_error(big, n, KW_E_TOOBIG, "more than 1024 lines");
	{
		kw_ssh_rx rx;
		kw_ssh_ident id;
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, 2048), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 0);
		assert_int_equal(feed_str(&rx, "SSH-2.0-x\r\n"), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
		assert_int_equal(id.npre, 1024);
		kw_ssh_ident_release(&id);
		kw_ssh_rx_release(&rx);
	}
	/* a line before the ident over 8192 bytes (with or without its end) */
	memset(big, 'B', 9000);
	expect_ident_error(big, 8192, KW_E_TOOBIG, "over 8192 bytes");
	big[8191] = '\n';
	{
		kw_ssh_rx rx;
		kw_ssh_ident id;
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, 8192), 0);
		assert_int_equal(kw_ssh_rx_ident(&rx, &id), 0);
		assert_int_equal(rx.npre, 1);
		kw_ssh_rx_release(&rx);
	}
	big[8191] = 'B';
	big[8192] = '\n';
	expect_ident_error(big, 8193, KW_E_TOOBIG, "over 8192 bytes");
	/* more than 64 KiB before the ident in all */
	n = 0;
	for (int i = 0; i < 20; i++) {
		memset(big + n, 'C', 3999);
		n += 3999;
		big[n++] = '\n';
	}
	expect_ident_error(big, n, KW_E_TOOBIG, "more than 65536 bytes");

	/* malformed idents: the server text in the error is escaped */
	EXPECT_IDENT("SSH-x.0-y\r\n", KW_E_PARSE, "protocol version");
	EXPECT_IDENT("SSH--y\r\n", KW_E_PARSE, "protocol version");
	EXPECT_IDENT("SSH-2.0\r\n", KW_E_PARSE, "protocol version");
	EXPECT_IDENT("SSH-12345678-y\r\n", KW_E_PARSE, "protocol version");
	EXPECT_IDENT("SSH-2.0-\r\n", KW_E_PARSE, "without a software version");
	EXPECT_IDENT("SSH-2.0- x\r\n", KW_E_PARSE, "without a software version");
	EXPECT_IDENT("SSH-\x1b]0;pwned\x07\r\n", KW_E_PARSE, "SSH-\\x1b]0;pwned\\x07");

	/* more bytes at once than rx may hold */
	{
		kw_ssh_rx rx;
		kw_ssh_rx_init(&rx, 0);
		size_t max = kw_ssh_rx_held_max(&rx);
		assert_int_equal(max, KW_SSH_PACKET_DEFAULT + 4 + KW_SSH_RX_SLACK);
		assert_true(max <= 200000);
		memset(big, 'D', max);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, max - 10), 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)big, 11), KW_E_TOOBIG);
		assert_true(rx.cap <= max);
		kw_ssh_rx_release(&rx);
	}
	free(big);
}

/* ---- packets ---- */

static void expect_packet_error(const kw_sb *s, size_t packet_max, int code, const char *want)
{
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, packet_max);
	assert_int_equal(kw_ssh_rx_feed(&rx, (const uint8_t *)s->s, s->len), 0);
	uint8_t t;
	kw_buf p;
	int r;
	while ((r = kw_ssh_rx_message(&rx, &t, &p)) == 1)
		;
	assert_int_equal(r, code);
	if (!strstr(kw_ssh_rx_error(&rx), want))
		fail_msg("error \"%s\" lacks \"%s\"", kw_ssh_rx_error(&rx), want);
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &p), code);
	kw_ssh_rx_release(&rx);
}

static void test_packet_errors(void **state)
{
	(void)state;
	kw_sb s;
	kw_sb_init(&s);
	static const uint8_t kexinit_type = KW_SSH_MSG_KEXINIT;
	uint8_t big[64] = { 20 };

	/* 0x7FFFFFFC passes the mod 8 test: refused from its first 4 bytes */
	assert_int_equal(kw_ssh_put_u32(&s, 0x7FFFFFFCu), 0);
	expect_packet_error(&s, 0, KW_E_TOOBIG, "over the 35000-byte limit");
	expect_packet_error(&s, KW_SSH_PACKET_CEILING, KW_E_TOOBIG, "over the 262144-byte limit");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 0xFFFFFFF0u), 0);
	expect_packet_error(&s, 0, KW_E_TOOBIG, "limit");
	/* just over the default; accepted (need more) when the cap is raised */
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 35004), 0);
	expect_packet_error(&s, 0, KW_E_TOOBIG, "35004 over the 35000-byte limit");
	{
		kw_ssh_rx rx;
		kw_buf p;
		kw_ssh_rx_init(&rx, 40000);
		assert_int_equal(rx.packet_max, 40000);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s, s.len), 0);
		assert_int_equal(kw_ssh_rx_packet(&rx, &p), 0);
		kw_ssh_rx_release(&rx);
		kw_ssh_rx_init(&rx, 1);
		assert_int_equal(rx.packet_max, KW_SSH_PACKET_DEFAULT);
		kw_ssh_rx_init(&rx, (size_t)1 << 30);
		assert_int_equal(rx.packet_max, KW_SSH_PACKET_CEILING);
	}
	/* not a multiple of 8, too short */
	kw_sb_clear(&s);
	put_raw_packet(&s, 13, 4, big, 8);
	expect_packet_error(&s, 0, KW_E_PARSE, "not a multiple of 8");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 4), 0);
	expect_packet_error(&s, 0, KW_E_PARSE, "under the minimum of 12");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 0), 0);
	expect_packet_error(&s, 0, KW_E_PARSE, "not a multiple of 8");
	/* bad padding, judged from the fifth byte */
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 12), 0);
	assert_int_equal(kw_ssh_put_u8(&s, 3), 0);
	expect_packet_error(&s, 0, KW_E_PARSE, "padding_length 3 under the minimum of 4");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 12), 0);
	assert_int_equal(kw_ssh_put_u8(&s, 11), 0);
	expect_packet_error(&s, 0, KW_E_PARSE, "padding_length 11 leaves no payload");
	kw_sb_clear(&s);
	assert_int_equal(kw_ssh_put_u32(&s, 12), 0);
	assert_int_equal(kw_ssh_put_u8(&s, 255), 0);
	expect_packet_error(&s, 0, KW_E_PARSE, "leaves no payload");
	/* the smallest packet: 12 bytes, 1 byte of payload, 10 of padding */
	kw_sb_clear(&s);
	put_raw_packet(&s, 12, 10, &kexinit_type, 1);
	{
		kw_ssh_rx rx;
		kw_buf p;
		kw_ssh_rx_init(&rx, 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s, s.len - 1), 0);
		assert_int_equal(kw_ssh_rx_packet(&rx, &p), 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s + s.len - 1, 1), 0);
		assert_int_equal(kw_ssh_rx_packet(&rx, &p), 1);
		assert_int_equal(p.len, 1);
		assert_int_equal(p.p[0], 20);
		kw_ssh_rx_release(&rx);
	}
	kw_sb_release(&s);
}

static void test_skip_messages(void **state)
{
	(void)state;
	kw_sb s, kex;
	kw_sb_init(&s);
	kw_sb_init(&kex);
	build_kexinit(&kex, sample_lists);
	static const uint8_t kinds[] = { KW_SSH_MSG_IGNORE, KW_SSH_MSG_DEBUG, KW_SSH_MSG_UNIMPLEMENTED };
	for (int i = 0; i < KW_SSH_SKIP_MAX; i++)
		put_ignore(&s, kinds[i % 3]);
	put_packet(&s, kex.s, kex.len);
	kw_ssh_rx rx;
	uint8_t t;
	kw_buf p;
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s, s.len), 0);
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &p), 1);
	assert_int_equal(t, KW_SSH_MSG_KEXINIT);
	assert_int_equal(p.len, kex.len);
	assert_memory_equal(p.p, kex.s, kex.len);
	assert_int_equal(rx.skipped, 32);
	assert_int_equal(rx.seq, 33);
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &p), 0);
	kw_ssh_rx_release(&rx);

	/* 33 are too many */
	kw_sb_clear(&s);
	for (int i = 0; i < KW_SSH_SKIP_MAX + 1; i++)
		put_ignore(&s, KW_SSH_MSG_IGNORE);
	put_packet(&s, kex.s, kex.len);
	expect_packet_error(&s, 0, KW_E_PARSE, "more than 32 IGNORE/DEBUG/UNIMPLEMENTED");
	kw_sb_release(&s);
	kw_sb_release(&kex);
}

static void test_disconnect(void **state)
{
	(void)state;
	kw_sb p, s;
	kw_sb_init(&p);
	kw_sb_init(&s);
	assert_int_equal(kw_ssh_put_u8(&p, KW_SSH_MSG_DISCONNECT), 0);
	assert_int_equal(kw_ssh_put_u32(&p, 2), 0);
	static const char text[] = "bye \x1b[31mred\x1b[0m \xe2\x80\xae";
	assert_int_equal(kw_ssh_put_string(&p, text, sizeof text - 1), 0);
	assert_int_equal(kw_ssh_put_string(&p, "en", 2), 0);
	put_ignore(&s, KW_SSH_MSG_IGNORE);
	put_packet(&s, p.s, p.len);
	kw_ssh_rx rx;
	uint8_t t;
	kw_buf m;
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)s.s, s.len), 0);
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &m), 1);
	assert_int_equal(t, KW_SSH_MSG_DISCONNECT);
	kw_ssh_disconnect d;
	assert_int_equal(kw_ssh_disconnect_parse(m, &d), 0);
	assert_int_equal(d.reason, 2);
	assert_int_equal(d.description.len, sizeof text - 1);
	assert_memory_equal(d.description.p, text, sizeof text - 1);
	assert_string_equal(kw_ssh_disconnect_reason(d.reason), "PROTOCOL_ERROR");
	char out[128];
	assert_int_equal(kw_ssh_disconnect_describe(&d, out, sizeof out), 0);
	assert_string_equal(out, "PROTOCOL_ERROR (2): bye \\x1b[31mred\\x1b[0m \\u{202e}");
	/* cut short: still NUL-terminated, no half escape of a multi-byte character */
	char tiny[8];
	assert_int_equal(kw_ssh_disconnect_describe(&d, tiny, sizeof tiny), 0);
	assert_string_equal(tiny, "PROTOCO");
	kw_ssh_rx_release(&rx);

	assert_string_equal(kw_ssh_disconnect_reason(1), "HOST_NOT_ALLOWED_TO_CONNECT");
	assert_string_equal(kw_ssh_disconnect_reason(11), "BY_APPLICATION");
	assert_string_equal(kw_ssh_disconnect_reason(15), "ILLEGAL_USER_NAME");
	assert_string_equal(kw_ssh_disconnect_reason(0), "?");
	assert_string_equal(kw_ssh_disconnect_reason(16), "?");
	assert_string_equal(kw_ssh_disconnect_reason(UINT32_MAX), "?");

	/* without the language tag: accepted; truncated: refused */
	assert_int_equal(kw_ssh_disconnect_parse(kw_buf_view(p.s, p.len - 6), &d), 0);
	for (size_t n = 0; n < 9 + sizeof text - 1; n++)
		assert_int_equal(kw_ssh_disconnect_parse(kw_buf_view(p.s, n), &d), KW_E_PARSE);
	uint8_t notdisc[] = { 20, 0, 0, 0, 1, 0, 0, 0, 0 };
	assert_int_equal(kw_ssh_disconnect_parse(kw_buf_view(notdisc, sizeof notdisc), &d), KW_E_PARSE);
	/* a long UTF-8 description is cut at a character boundary */
	kw_sb_clear(&p);
	assert_int_equal(kw_ssh_put_u8(&p, KW_SSH_MSG_DISCONNECT), 0);
	assert_int_equal(kw_ssh_put_u32(&p, 99), 0);
	kw_sb long_text;
	kw_sb_init(&long_text);
	for (int i = 0; i < 100; i++)
		assert_int_equal(kw_sb_puts(&long_text, "\xc3\xa9"), 0);
	assert_int_equal(kw_ssh_put_string(&p, long_text.s, long_text.len), 0);
	assert_int_equal(kw_ssh_disconnect_parse(kw_buf_view(p.s, p.len), &d), 0);
	char mid[20];
	assert_int_equal(kw_ssh_disconnect_describe(&d, mid, sizeof mid), 0);
	assert_string_equal(mid, "? (99): \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	char all[400];
	assert_int_equal(kw_ssh_disconnect_describe(&d, all, sizeof all), 0);
	assert_non_null(strstr(all, "..."));
	assert_int_equal(strlen(all), strlen("? (99): ") + 160 + 3);
	kw_sb_release(&long_text);
	kw_sb_release(&p);
	kw_sb_release(&s);
}

/* Memory stays bounded whatever is fed: many packets through a small buffer, and a flood
 * after a refused length is not buffered at all. */
static void test_memory_bounded(void **state)
{
	(void)state;
	kw_sb one, stream;
	kw_sb_init(&one);
	kw_sb_init(&stream);
	uint8_t payload[300];
	memset(payload, KW_SSH_MSG_KEXINIT, sizeof payload);
	put_packet(&one, payload, sizeof payload);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(kw_sb_put(&stream, one.s, one.len), 0);
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	size_t got = 0;
	for (size_t off = 0; off < stream.len; off += 1460) {
		size_t k = stream.len - off < 1460 ? stream.len - off : 1460;
		assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)stream.s + off, k), 0);
		uint8_t t;
		kw_buf m;
		int r;
		while ((r = kw_ssh_rx_message(&rx, &t, &m)) == 1) {
			assert_int_equal(m.len, sizeof payload);
			got++;
		}
		assert_int_equal(r, 0);
		assert_true(rx.cap <= 4096);
	}
	assert_int_equal(got, 2000);
	assert_int_equal(rx.total, stream.len);
	kw_ssh_rx_release(&rx);

	/* SSH-2.0-x, then packet_length 0x7FFFFFFC and 1 MiB behind it */
	kw_ssh_rx_init(&rx, KW_SSH_PACKET_CEILING);
	kw_ssh_ident id;
	assert_int_equal(feed_str(&rx, "SSH-2.0-x\r\n\x7f\xff\xff\xfc"), 0);
	assert_int_equal(kw_ssh_rx_ident(&rx, &id), 1);
	kw_ssh_ident_release(&id);
	uint8_t t;
	kw_buf m;
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &m), KW_E_TOOBIG);
	uint8_t junk[4096];
	memset(junk, 'A', sizeof junk);
	for (int i = 0; i < 256; i++)
		assert_int_equal(kw_ssh_rx_feed(&rx, junk, sizeof junk), KW_E_TOOBIG);
	assert_true(rx.cap <= 4096);
	assert_int_equal(rx.total, 15);
	kw_ssh_rx_release(&rx);
	kw_sb_release(&one);
	kw_sb_release(&stream);
}

/* ---- the same stream, cut into feeds in different ways ---- */

static void log_hex(kw_sb *log, const uint8_t *p, size_t n)
{
	char h[3];
	for (size_t i = 0; i < n; i++) {
		kw_hex_lower(p + i, 1, h);
		assert_int_equal(kw_sb_put(log, h, 2), 0);
	}
}

/* Feed s in pieces of `chunk` bytes, taking every item after each feed; log what came. */
static void run_stream(const uint8_t *s, size_t n, size_t chunk, kw_sb *log)
{
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	int r = 0;
	for (size_t off = 0; off < n && r >= 0;) {
		size_t k = n - off < chunk ? n - off : chunk;
		r = kw_ssh_rx_feed(&rx, s + off, k);
		off += k;
		while (r >= 0) {
			if (!rx.ident_done) {
				kw_ssh_ident id;
				r = kw_ssh_rx_ident(&rx, &id);
				if (r != 1)
					break;
				assert_int_equal(kw_sb_printf(log, "ident %s pre=%zu/%zu bare=%d\n", id.line,
							      id.npre, id.npre_kept, id.bare_lf), 0);
				for (size_t i = 0; i < id.npre_kept; i++)
					assert_int_equal(kw_sb_printf(log, " pre %s\n", id.pre[i]), 0);
				kw_ssh_ident_release(&id);
			} else {
				uint8_t t;
				kw_buf p;
				r = kw_ssh_rx_message(&rx, &t, &p);
				if (r != 1)
					break;
				assert_int_equal(kw_sb_printf(log, "msg %u ", t), 0);
				log_hex(log, p.p, p.len);
				assert_int_equal(kw_sb_putc(log, '\n'), 0);
			}
		}
	}
	assert_int_equal(kw_sb_printf(log, "end %d skipped=%zu seq=%u err=%s\n", r < 0 ? r : 0,
				      rx.skipped, rx.seq, rx.fail ? kw_ssh_rx_error(&rx) : ""), 0);
	kw_ssh_rx_release(&rx);
}

static void assert_same_any_cut(const kw_sb *stream, const char *must_contain)
{
	kw_sb want;
	kw_sb_init(&want);
	run_stream((const uint8_t *)stream->s, stream->len, stream->len, &want);
	if (must_contain && !strstr(want.s, must_contain))
		fail_msg("log lacks \"%s\":\n%s", must_contain, want.s);
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 8, 13, 64, 255, 256, 1000, 4096 };
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		kw_sb got;
		kw_sb_init(&got);
		run_stream((const uint8_t *)stream->s, stream->len, chunks[i], &got);
		if (strcmp(got.s, want.s) != 0)
			fail_msg("chunk %zu:\n%s\n!= one shot:\n%s", chunks[i], got.s, want.s);
		kw_sb_release(&got);
	}
	kw_sb_release(&want);
}

static void test_feed_any_cut(void **state)
{
	(void)state;
	kw_sb s, kex, tail;
	kw_sb_init(&s);
	kw_sb_init(&kex);
	kw_sb_init(&tail);
	build_kexinit(&kex, sample_lists);
	assert_int_equal(kw_sb_puts(&s, "Welcome\r\n\x1b[2J banner\nSSH-2.0-Srv_1.0 c\r\n"), 0);
	put_ignore(&s, KW_SSH_MSG_IGNORE);
	put_ignore(&s, KW_SSH_MSG_DEBUG);
	put_packet(&s, kex.s, kex.len);
	put_ignore(&s, KW_SSH_MSG_UNIMPLEMENTED);
	uint8_t disc[] = { 1, 0, 0, 0, 11, 0, 0, 0, 3, 'b', 'y', 'e', 0, 0, 0, 0 };
	put_packet(&s, disc, sizeof disc);
	assert_same_any_cut(&s, "msg 1 010000000b00000003627965");

	/* and with an error at the end of each kind */
	static const struct { const char *tail; size_t n; const char *err; } bad[] = {
		{ "\x7f\xff\xff\xfc", 4, "limit" },
		{ "\x00\x00\x00\x0d\x04", 5, "multiple of 8" },
		{ "\x00\x00\x00\x0c\x0b", 5, "no payload" },
		{ "\x00\x00\x00\x0c\x02", 5, "minimum of 4" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kw_sb_clear(&tail);
		assert_int_equal(kw_sb_put(&tail, s.s, s.len), 0);
		assert_int_equal(kw_sb_put(&tail, bad[i].tail, bad[i].n), 0);
		assert_same_any_cut(&tail, bad[i].err);
	}
	kw_sb_clear(&tail);
	for (int i = 0; i < 40; i++)
		assert_int_equal(kw_sb_puts(&tail, "pre\n"), 0);
	assert_int_equal(kw_sb_puts(&tail, "SSH-2.0-x\n"), 0);
	for (int i = 0; i < 40; i++)
		put_ignore(&tail, KW_SSH_MSG_IGNORE);
	assert_same_any_cut(&tail, "more than 32");
	/* every check on lines before the ident fires at the same byte whatever the cut */
	static const char *const pre_bad[] = { "x\0y\n", "SSH-2.0-\0\r\n", "SSH-\0" };
	for (size_t i = 0; i < 3; i++) {
		kw_sb_clear(&tail);
		assert_int_equal(kw_sb_put(&tail, pre_bad[i], strlen(pre_bad[i]) + 2), 0);
		assert_same_any_cut(&tail, "NUL");
	}
	kw_sb_clear(&tail);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(kw_sb_puts(&tail, "a\n"), 0);
	for (int i = 0; i < 9000; i++) /* 1001st line: too long, but also past the count? no */
		assert_int_equal(kw_sb_putc(&tail, 'z'), 0);
	assert_same_any_cut(&tail, "over 8192 bytes");
	kw_sb_clear(&tail);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(kw_sb_puts(&tail, "a\n"), 0);
	for (int i = 0; i < 9000; i++) /* the 1025th line is refused at its first byte */
		assert_int_equal(kw_sb_putc(&tail, 'z'), 0);
	assert_same_any_cut(&tail, "more than 1024 lines");
	kw_sb_release(&s);
	kw_sb_release(&kex);
	kw_sb_release(&tail);
}

/* ---- KEXINIT ---- */

static void test_kexinit_round_trip(void **state)
{
	(void)state;
	kw_sb payload, wire;
	kw_sb_init(&payload);
	kw_sb_init(&wire);
	build_kexinit(&payload, sample_lists);
	put_packet(&wire, payload.s, payload.len);
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)wire.s, wire.len), 0);
	uint8_t t;
	kw_buf m;
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &m), 1);
	kw_ssh_kexinit k;
	char err[200] = "";
	assert_int_equal(kw_ssh_kexinit_parse(m, &k, err, sizeof err), 0);
	for (int i = 0; i < KW_KEXL_N; i++) {
		assert_list(&k.lists[i], sample_lists[i] ? sample_lists[i] : "");
		assert_int_equal(k.lists[i].bad, 0);
		assert_int_equal(k.lists[i].dropped, 0);
	}
	for (int i = 0; i < 16; i++)
		assert_int_equal(k.cookie[i], 0xA0 + i);
	assert_true(k.strict_kex);
	assert_true(k.ext_info);
	assert_false(k.first_kex_follows);
	assert_int_equal(k.reserved, 0);
	assert_int_equal(k.trailing, 0);
	assert_true(kw_ssh_namelist_has(&k.lists[KW_KEXL_HOSTKEY], "rsa-sha2-512"));
	assert_false(kw_ssh_namelist_has(&k.lists[KW_KEXL_HOSTKEY], "rsa-sha2"));
	assert_false(kw_ssh_namelist_has(&k.lists[KW_KEXL_LANG_CS], ""));
	assert_int_equal(k.lists[KW_KEXL_LANG_CS].n, 0);
	assert_string_equal(kw_ssh_kexinit_list_name(KW_KEXL_ENC_SC), "encryption_algorithms_server_to_client");
	assert_string_equal(kw_ssh_kexinit_list_name(KW_KEXL_N), "?");
	kw_ssh_kexinit_release(&k);
	kw_ssh_kexinit_release(&k);
	kw_ssh_rx_release(&rx);

	/* the exact bytes */
	static const char *const tiny[KW_KEXL_N] = { "a", "b,c" };
	kw_sb_clear(&payload);
	uint8_t cookie[16] = { 0 };
	assert_int_equal(kw_ssh_kexinit_build(tiny, cookie, &payload), 0);
	assert_bytes(&payload, "14" "00000000000000000000000000000000" "0000000161" "00000003622c63"
			       "0000000000000000000000000000000000000000000000000000000000000000"
			       "00" "00000000");
	/* first_kex_packet_follows, reserved and trailing bytes as sent */
	payload.s[payload.len - 5] = 1;
	payload.s[payload.len - 1] = 9;
	assert_int_equal(kw_sb_puts(&payload, "xyz"), 0);
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, payload.len), &k, err, sizeof err), 0);
	assert_true(k.first_kex_follows);
	assert_int_equal(k.reserved, 9);
	assert_int_equal(k.trailing, 3);
	assert_false(k.strict_kex);
	kw_ssh_kexinit_release(&k);

	/* a payload too big for one packet */
	char *huge = malloc(KW_SSH_PAYLOAD_MAX);
	assert_non_null(huge);
	memset(huge, 'h', KW_SSH_PAYLOAD_MAX - 1);
	huge[KW_SSH_PAYLOAD_MAX - 1] = '\0';
	const char *hl[KW_KEXL_N] = { huge };
	kw_sb_clear(&payload);
	assert_int_equal(kw_sb_puts(&payload, "keep"), 0);
	assert_int_equal(kw_ssh_kexinit_build(hl, cookie, &payload), KW_E_TOOBIG);
	assert_string_equal(payload.s, "keep");
	huge[KW_SSH_PAYLOAD_MAX - 62] = '\0'; /* 62 bytes around the list: exactly the maximum */
	assert_int_equal(kw_ssh_kexinit_build(hl, cookie, &payload), 0);
	assert_int_equal(payload.len, 4 + KW_SSH_PAYLOAD_MAX);
	free(huge);
	kw_sb_release(&payload);
	kw_sb_release(&wire);
}

static void test_kexinit_truncated(void **state)
{
	(void)state;
	kw_sb payload;
	kw_sb_init(&payload);
	build_kexinit(&payload, sample_lists);
	char err[200];
	kw_ssh_kexinit k;
	for (size_t n = 0; n < payload.len; n++) {
		err[0] = '\0';
		assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, n), &k, err, sizeof err),
				 KW_E_PARSE);
		assert_true(err[0]);
		for (int i = 0; i < KW_KEXL_N; i++)
			assert_null(k.lists[i].names);
	}
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, 1), &k, err, sizeof err), KW_E_PARSE);
	assert_string_equal(err, "KEXINIT truncated in the cookie");
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, 17), &k, err, sizeof err), KW_E_PARSE);
	assert_string_equal(err, "KEXINIT truncated before kex_algorithms");
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, payload.len - 5), &k, err, sizeof err),
			 KW_E_PARSE);
	assert_string_equal(err, "KEXINIT truncated before first_kex_packet_follows");
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(payload.s, payload.len - 1), &k, err, sizeof err),
			 KW_E_PARSE);
	assert_string_equal(err, "KEXINIT truncated in the reserved field");
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view("\x15", 1), &k, err, sizeof err), KW_E_PARSE);
	assert_string_equal(err, "not a KEXINIT message");
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view("", 0), &k, NULL, 0), KW_E_PARSE);

	/* a name-list length past the end of the packet, in each list */
	for (int i = 0; i < KW_KEXL_N; i++) {
		kw_sb p;
		kw_sb_init(&p);
		size_t lens[KW_KEXL_N];
		for (int j = 0; j < KW_KEXL_N; j++)
			lens[j] = 4;
		const char *lists[KW_KEXL_N];
		for (int j = 0; j < KW_KEXL_N; j++)
			lists[j] = "none";
		raw_kexinit(&p, lists, lens);
		/* patch list i's length to 0x00FFFFFF */
		size_t at = 17 + (size_t)i * 8;
		memcpy(p.s + at, "\x00\xff\xff\xff", 4);
		assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), KW_E_PARSE);
		char want[160];
		snprintf(want, sizeof want, "%s: name-list length 16777215 over the %zu bytes left",
			 kw_ssh_kexinit_list_name(i), p.len - at - 4);
		assert_string_equal(err, want);
		memcpy(p.s + at, "\xff\xff\xff\xff", 4);
		assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), KW_E_PARSE);
		kw_sb_release(&p);
	}
	kw_sb_release(&payload);
}

static void test_kexinit_bad_names(void **state)
{
	(void)state;
	char long_name[201];
	memset(long_name, 'n', 200);
	long_name[200] = '\0';
	char kexl[512];
	snprintf(kexl, sizeof kexl, ",curve25519-sha256,,evil\x1b[31mred,with space,caf\xc3\xa9,%s,"
		 "tab\there,del\x7f,ok@x.org,", long_name);
	static const char nul_list[] = "a,b\0c,d";
	const char *lists[KW_KEXL_N] = { kexl, "ssh-ed25519", NULL, NULL, NULL, NULL, NULL, NULL, nul_list };
	size_t lens[KW_KEXL_N] = { 0 };
	for (int i = 0; i < KW_KEXL_N; i++)
		lens[i] = lists[i] ? strlen(lists[i]) : 0;
	lens[KW_KEXL_LANG_CS] = sizeof nul_list - 1;
	kw_sb p;
	kw_sb_init(&p);
	raw_kexinit(&p, lists, lens);
	kw_ssh_kexinit k;
	char err[200];
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), 0);
	const kw_ssh_namelist *l = &k.lists[KW_KEXL_KEX];
	/* empty names (leading, ",,", trailing) are counted, not kept; the others are kept */
	assert_int_equal(l->n, 8);
	assert_int_equal(l->bad, 3 + 6);
	assert_string_equal(l->names[0], "curve25519-sha256");
	assert_string_equal(l->names[1], "evil\x1b[31mred");
	assert_string_equal(l->names[2], "with space");
	assert_string_equal(l->names[3], "caf\xc3\xa9");
	assert_string_equal(l->names[4], long_name);
	assert_string_equal(l->names[7], "ok@x.org");
	assert_int_equal(l->dropped, 0);
	assert_int_equal(k.lists[KW_KEXL_HOSTKEY].bad, 0);
	/* a name with a NUL cannot be a C string: counted, not kept */
	const kw_ssh_namelist *lang = &k.lists[KW_KEXL_LANG_CS];
	assert_int_equal(lang->n, 2);
	assert_int_equal(lang->bad, 1);
	assert_string_equal(lang->names[0], "a");
	assert_string_equal(lang->names[1], "d");
	kw_ssh_kexinit_release(&k);

	/* a 64-byte name is fine, 65 is not */
	char n64[66];
	memset(n64, 'q', 65);
	n64[64] = '\0';
	const char *l64[KW_KEXL_N] = { n64 };
	kw_sb_clear(&p);
	raw_kexinit(&p, l64, NULL);
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), 0);
	assert_int_equal(k.lists[0].bad, 0);
	kw_ssh_kexinit_release(&k);
	n64[64] = 'q';
	n64[65] = '\0';
	kw_sb_clear(&p);
	raw_kexinit(&p, l64, NULL);
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), 0);
	assert_int_equal(k.lists[0].bad, 1);
	assert_int_equal(k.lists[0].n, 1);
	kw_ssh_kexinit_release(&k);
	/* a single comma: two empty names */
	const char *comma[KW_KEXL_N] = { ",", "x" };
	kw_sb_clear(&p);
	raw_kexinit(&p, comma, NULL);
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), 0);
	assert_int_equal(k.lists[0].n, 0);
	assert_int_equal(k.lists[0].bad, 2);
	kw_ssh_kexinit_release(&k);
	kw_sb_release(&p);
}

static void test_kexinit_many_names(void **state)
{
	(void)state;
	/* 1200 valid names in the kex list (32 KB, like evil_sshd's many_names), strict-kex last */
	kw_sb kexl, p, wire;
	kw_sb_init(&kexl);
	kw_sb_init(&p);
	kw_sb_init(&wire);
	for (int i = 0; i < 1199; i++)
		assert_int_equal(kw_sb_printf(&kexl, "kex-%04d@many.example.org,", i), 0);
	assert_int_equal(kw_sb_puts(&kexl, "kex-strict-s-v00@openssh.com"), 0);
	const char *lists[KW_KEXL_N] = { kexl.s, "ssh-ed25519" };
	raw_kexinit(&p, lists, NULL);
	assert_true(p.len > 30000 && p.len <= KW_SSH_PAYLOAD_MAX);
	put_packet(&wire, p.s, p.len);
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	assert_int_equal(kw_ssh_rx_feed(&rx, (uint8_t *)wire.s, wire.len), 0);
	uint8_t t;
	kw_buf m;
	assert_int_equal(kw_ssh_rx_message(&rx, &t, &m), 1);
	kw_ssh_kexinit k;
	char err[200];
	assert_int_equal(kw_ssh_kexinit_parse(m, &k, err, sizeof err), 0);
	assert_int_equal(k.lists[0].n, KW_SSH_NAMES_PER_LIST);
	assert_int_equal(k.lists[0].dropped, 1200 - KW_SSH_NAMES_PER_LIST);
	assert_int_equal(k.lists[0].bad, 0);
	assert_string_equal(k.lists[0].names[511], "kex-0511@many.example.org");
	assert_true(k.strict_kex); /* seen even past the cap */
	assert_int_equal(k.lists[1].n, 1);
	kw_ssh_kexinit_release(&k);
	kw_ssh_rx_release(&rx);

	/* the cap over all ten lists: 10 x 500 names, 4096 kept */
	kw_sb_clear(&kexl);
	for (int i = 0; i < 500; i++)
		assert_int_equal(kw_sb_printf(&kexl, "%sn%d", i ? "," : "", i), 0);
	const char *all[KW_KEXL_N];
	for (int i = 0; i < KW_KEXL_N; i++)
		all[i] = kexl.s;
	kw_sb_clear(&p);
	raw_kexinit(&p, all, NULL);
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(p.s, p.len), &k, err, sizeof err), 0);
	size_t kept = 0, dropped = 0;
	for (int i = 0; i < KW_KEXL_N; i++) {
		kept += k.lists[i].n;
		dropped += k.lists[i].dropped;
		assert_true(k.lists[i].n <= KW_SSH_NAMES_PER_LIST);
	}
	assert_int_equal(kept, KW_SSH_NAMES_TOTAL);
	assert_int_equal(dropped, 5000 - KW_SSH_NAMES_TOTAL);
	assert_int_equal(k.lists[8].n, KW_SSH_NAMES_TOTAL - 8 * 500);
	assert_int_equal(k.lists[9].n, 0);
	assert_int_equal(k.lists[9].dropped, 500);
	kw_ssh_kexinit_release(&k);
	kw_sb_release(&kexl);
	kw_sb_release(&p);
	kw_sb_release(&wire);
}

/* ---- real servers ---- */

static kwt_peer peers[3];

static int group_setup(void **state)
{
	(void)state;
	static const kwt_peer_kind kinds[3] = { KWT_PEER_SSHD, KWT_PEER_DROPBEAR, KWT_PEER_TINYSSHD };
	for (int i = 0; i < 3; i++) {
		if (kwt_peer_start(&peers[i], kinds[i], NULL) < 0) {
			fprintf(stderr, "cannot start %s: %s\n", kwt_peer_name(kinds[i]), peers[i].why);
			for (int j = 0; j <= i; j++)
				kwt_peer_stop(&peers[j]);
			return -1;
		}
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		kwt_peer_stop(&peers[i]);
	return 0;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receive until the next message (ident first when needed), within 5 s in all.
 * 1 = message, 0 = the server closed, <0 = error. */
static int recv_message(int fd, kw_ssh_rx *rx, kw_ssh_ident *id, uint8_t *type, kw_buf *msg)
{
	long long deadline = mono_ms() + 5000;
	for (;;) {
		int r;
		if (id && !rx->ident_done) {
			r = kw_ssh_rx_ident(rx, id);
			if (r < 0)
				return r;
			if (r == 1)
				continue;
		} else {
			r = kw_ssh_rx_message(rx, type, msg);
			if (r != 0)
				return r;
		}
		if (mono_ms() > deadline)
			return KW_E_TIMEOUT;
		uint8_t buf[4096];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? KW_E_TIMEOUT : -errno;
		if (n == 0)
			return 0;
		r = kw_ssh_rx_feed(rx, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

typedef struct server_view {
	kw_ssh_ident id;
	kw_ssh_kexinit k;
	kw_sb kexinit;   /* the server's KEXINIT payload */
} server_view;

/* Connect, send our ident, read the server's ident and KEXINIT. fd stays open. */
static int read_server(const kwt_peer *peer, server_view *v, kw_ssh_rx *rx)
{
	int fd = kwt_connect(peer->port, 5000);
	if (fd < 0)
		fail_msg("cannot connect to %s on port %d", kwt_peer_name(peer->kind), peer->port);
	assert_int_equal(kwt_send_all(fd, KW_SSH_CLIENT_IDENT "\r\n", strlen(KW_SSH_CLIENT_IDENT) + 2), 0);
	kw_ssh_rx_init(rx, 0);
	uint8_t t = 0;
	kw_buf m;
	int r = recv_message(fd, rx, &v->id, &t, &m);
	if (r != 1)
		fail_msg("%s: no KEXINIT (%d: %s)", kwt_peer_name(peer->kind), r, kw_ssh_rx_error(rx));
	assert_int_equal(t, KW_SSH_MSG_KEXINIT);
	char err[200] = "";
	if (kw_ssh_kexinit_parse(m, &v->k, err, sizeof err) < 0)
		fail_msg("%s: KEXINIT: %s", kwt_peer_name(peer->kind), err);
	kw_sb_init(&v->kexinit);
	assert_int_equal(kw_sb_put(&v->kexinit, m.p, m.len), 0);
	for (int i = 0; i < KW_KEXL_N; i++) {
		assert_int_equal(v->k.lists[i].bad, 0);
		assert_int_equal(v->k.lists[i].dropped, 0);
	}
	return fd;
}

static void server_view_release(server_view *v)
{
	kw_ssh_ident_release(&v->id);
	kw_ssh_kexinit_release(&v->k);
	kw_sb_release(&v->kexinit);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An ssh-audit JSON array (of strings, or of objects with "algorithm") joined with ','. */
static char *json_list(json_t *root, const char *key, bool sorted)
{
	json_t *a = json_object_get(root, key);
	if (!json_is_array(a))
		fail_msg("ssh-audit JSON has no array \"%s\"", key);
	size_t n = json_array_size(a);
	const char **v = calloc(n + 1, sizeof *v);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		if (json_is_object(e))
			e = json_object_get(e, "algorithm");
		if (!json_is_string(e))
			fail_msg("ssh-audit \"%s\"[%zu] is not a name", key, i);
		v[i] = json_string_value(e);
	}
	if (sorted)
		qsort(v, n, sizeof *v, cmp_str);
	kw_sb s;
	kw_sb_init(&s);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kw_sb_printf(&s, "%s%s", i ? "," : "", v[i]), 0);
	free(v);
	return kw_sb_detach(&s);
}

static char *join_sorted(const kw_ssh_namelist *l)
{
	char **v = calloc(l->n + 1, sizeof *v);
	assert_non_null(v);
	memcpy(v, l->names, l->n * sizeof *v);
	qsort(v, l->n, sizeof *v, cmp_str);
	kw_ssh_namelist tmp = { .names = v, .n = l->n };
	char *s = join(&tmp);
	free(v);
	return s;
}

static void assert_str_eq(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n wire      %s\n reference %s", what, got, want);
}

/* The server's lists as ssh-audit sees them. Host keys compared as sets: ssh-audit 2.5
 * lists them in the order its host-key tests found them, not in the server's order. */
static void compare_with_ssh_audit(const kwt_peer *peer, const server_view *v)
{
	char port[16];
	snprintf(port, sizeof port, "%d", peer->port);
	const char *const argv[] = { "/usr/bin/ssh-audit", "-j", "-p", port, "127.0.0.1", NULL };
	char *out = NULL;
	int st = kwt_run_alloc(argv, &out, 1 << 20, 60000);
	/* ssh-audit exits 0 (good), 1 (warnings), 2 (failures) or 3 (unknown) */
	if (st < 0 || st > 3 || !out)
		fail_msg("ssh-audit against %s: status %d", kwt_peer_name(peer->kind), st);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	if (!root)
		fail_msg("ssh-audit JSON: %s (%s)", je.text, out);
	free(out);
	json_t *banner = json_object_get(root, "banner");
	/* tinysshd's comment is random per connection */
	if (peer->kind != KWT_PEER_TINYSSHD)
		assert_string_equal(json_string_value(json_object_get(banner, "raw")), v->id.line);
	assert_string_equal(json_string_value(json_object_get(banner, "software")), v->id.software);
	static const struct { const char *key; int list; bool sorted; } cmp[] = {
		{ "kex", KW_KEXL_KEX, false },
		{ "key", KW_KEXL_HOSTKEY, true },
		{ "enc", KW_KEXL_ENC_SC, false },
		{ "enc", KW_KEXL_ENC_CS, false },
		{ "mac", KW_KEXL_MAC_SC, false },
		{ "mac", KW_KEXL_MAC_CS, false },
		{ "compression", KW_KEXL_COMP_SC, false },
	};
	for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
		char *want = json_list(root, cmp[i].key, cmp[i].sorted);
		const kw_ssh_namelist *l = &v->k.lists[cmp[i].list];
		char *got = cmp[i].sorted ? join_sorted(l) : join(l);
		char what[128];
		snprintf(what, sizeof what, "%s %s vs ssh-audit %s", kwt_peer_name(peer->kind),
			 kw_ssh_kexinit_list_name(cmp[i].list), cmp[i].key);
		assert_str_eq(what, got, want);
		free(got);
		free(want);
	}
	json_decref(root);
}

/* `sshd -T -f CONFIG`: the value of one keyword (a static buffer). */
static void sshd_T_value(const char *config, const char *key, char *out, size_t cap)
{
	const char *const argv[] = { "/usr/sbin/sshd", "-T", "-f", config, NULL };
	char *text = NULL;
	int st = kwt_run_alloc(argv, &text, 1 << 20, 10000);
	if (st != 0 || !text)
		fail_msg("sshd -T -f %s: status %d", config, st);
	size_t kl = strlen(key);
	out[0] = '\0';
	bool found = false;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			snprintf(out, cap, "%s", line + kl + 1);
			found = true;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (!found)
		fail_msg("sshd -T has no %s", key);
}

/* A kex list without the pseudo algorithms (strict kex, ext-info). */
static char *join_real_kex(const kw_ssh_namelist *l)
{
	kw_sb s;
	kw_sb_init(&s);
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->names[i], "kex-strict-s-v00@openssh.com") ||
		    !strcmp(l->names[i], "ext-info-s"))
			continue;
		assert_int_equal(kw_sb_printf(&s, "%s%s", s.len ? "," : "", l->names[i]), 0);
	}
	return kw_sb_detach(&s);
}

/* Our KEXINIT (curve25519-sha256, ssh-ed25519, the rest echoed from the server) and an
 * ECDH_INIT with a random public value: the server must answer KEX_ECDH_REPLY whose host key
 * is an ssh-ed25519 key, which proves it took our packets. */
static void kex_reply_check(const kwt_peer *peer, int fd, kw_ssh_rx *rx, const server_view *v)
{
	char *lists[KW_KEXL_N] = { 0 };
	lists[KW_KEXL_KEX] = strdup("curve25519-sha256");
	lists[KW_KEXL_HOSTKEY] = strdup("ssh-ed25519");
	for (int i = KW_KEXL_ENC_CS; i < KW_KEXL_N; i++)
		lists[i] = join(&v->k.lists[i]);
	kw_sb payload, wire;
	kw_sb_init(&payload);
	kw_sb_init(&wire);
	uint8_t cookie[16] = { 1, 2, 3 };
	assert_int_equal(kw_ssh_kexinit_build((const char *const *)lists, cookie, &payload), 0);
	put_packet(&wire, payload.s, payload.len);
	/* an IGNORE first: the server must skip it too */
	kw_sb_clear(&payload);
	assert_int_equal(kw_ssh_put_u8(&payload, KW_SSH_MSG_IGNORE), 0);
	assert_int_equal(kw_ssh_put_string(&payload, "keyward", 7), 0);
	put_packet(&wire, payload.s, payload.len);
	kw_sb_clear(&payload);
	uint8_t q[32];
	for (int i = 0; i < 32; i++)
		q[i] = (uint8_t)(i * 37 + 11);
	assert_int_equal(kw_ssh_put_u8(&payload, KW_SSH_MSG_KEXDH_INIT), 0);
	assert_int_equal(kw_ssh_put_string(&payload, q, sizeof q), 0);
	put_packet(&wire, payload.s, payload.len);
	assert_int_equal(kwt_send_all(fd, wire.s, wire.len), 0);
	uint8_t t = 0;
	kw_buf m;
	int r = recv_message(fd, rx, NULL, &t, &m);
	if (r != 1)
		fail_msg("%s: no reply to our KEXINIT + ECDH_INIT (%d: %s)", kwt_peer_name(peer->kind), r,
			 kw_ssh_rx_error(rx));
	if (t == KW_SSH_MSG_DISCONNECT) {
		kw_ssh_disconnect d;
		char why[256] = "";
		if (kw_ssh_disconnect_parse(m, &d) == 0)
			kw_ssh_disconnect_describe(&d, why, sizeof why);
		fail_msg("%s disconnected: %s", kwt_peer_name(peer->kind), why);
	}
	assert_int_equal(t, KW_SSH_MSG_KEXDH_REPLY);
	kw_buf b = m, ks, inner;
	uint8_t type;
	assert_int_equal(kw_buf_get_u8(&b, &type), 0);
	assert_int_equal(kw_buf_get_string(&b, &ks), 0);
	assert_int_equal(kw_buf_get_string(&ks, &inner), 0);
	assert_true(kw_buf_eq(&inner, "ssh-ed25519"));
	for (int i = 0; i < KW_KEXL_N; i++)
		free(lists[i]);
	kw_sb_release(&payload);
	kw_sb_release(&wire);
}

static void check_server(const kwt_peer *peer)
{
	server_view v = { 0 };
	kw_ssh_rx rx;
	int fd = read_server(peer, &v, &rx);
	assert_true(kw_ssh_ident_is_v2(&v.id));
	assert_int_equal(v.id.npre, 0);
	compare_with_ssh_audit(peer, &v);
	kex_reply_check(peer, fd, &rx, &v);
	close(fd);
	kw_ssh_rx_release(&rx);
	server_view_release(&v);
}

static void test_real_sshd(void **state)
{
	(void)state;
	const kwt_peer *peer = &peers[0];
	server_view v = { 0 };
	kw_ssh_rx rx;
	int fd = read_server(peer, &v, &rx);
	close(fd);
	kw_ssh_rx_release(&rx);
	assert_string_equal(v.id.proto, "2.0");
	assert_non_null(strstr(v.id.software, "OpenSSH_"));
	/* the lists sshd -T prints for the same config (kex without the pseudo names) */
	char want[4096];
	sshd_T_value(peer->config, "kexalgorithms", want, sizeof want);
	char *got = join_real_kex(&v.k.lists[KW_KEXL_KEX]);
	assert_str_eq("sshd kex vs sshd -T", got, want);
	free(got);
	assert_true(v.k.strict_kex);
	static const struct { const char *key; int list; } cmp[] = {
		{ "ciphers", KW_KEXL_ENC_CS }, { "ciphers", KW_KEXL_ENC_SC },
		{ "macs", KW_KEXL_MAC_CS }, { "macs", KW_KEXL_MAC_SC },
		{ "hostkeyalgorithms", KW_KEXL_HOSTKEY },
	};
	for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
		sshd_T_value(peer->config, cmp[i].key, want, sizeof want);
		got = join(&v.k.lists[cmp[i].list]);
		char what[96];
		snprintf(what, sizeof what, "sshd %s vs sshd -T %s",
			 kw_ssh_kexinit_list_name(cmp[i].list), cmp[i].key);
		assert_str_eq(what, got, want);
		free(got);
	}
	assert_list(&v.k.lists[KW_KEXL_LANG_CS], "");
	assert_false(v.k.first_kex_follows);
	server_view_release(&v);
	/* and what ssh-audit sees, and a real exchange start */
	check_server(peer);
}

static void test_real_dropbear(void **state)
{
	(void)state;
	check_server(&peers[1]);
}

static void test_real_tinysshd(void **state)
{
	(void)state;
	check_server(&peers[2]);
}

/* A KEXINIT with no kex in common: sshd must end the connection, never answer (9.2 closes
 * without a DISCONNECT; a DISCONNECT would be fine too). */
static void test_real_sshd_no_common_kex(void **state)
{
	(void)state;
	const kwt_peer *peer = &peers[0];
	server_view v = { 0 };
	kw_ssh_rx rx;
	int fd = read_server(peer, &v, &rx);
	const char *lists[KW_KEXL_N] = { "bogus-kex@keyward.test", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
					 "hmac-sha2-256", "hmac-sha2-256", "none", "none" };
	kw_sb payload, wire;
	kw_sb_init(&payload);
	kw_sb_init(&wire);
	uint8_t cookie[16] = { 0 };
	assert_int_equal(kw_ssh_kexinit_build(lists, cookie, &payload), 0);
	put_packet(&wire, payload.s, payload.len);
	assert_int_equal(kwt_send_all(fd, wire.s, wire.len), 0);
	uint8_t t = 0;
	kw_buf m;
	int r = recv_message(fd, &rx, NULL, &t, &m);
	if (r == 1) {
		assert_int_equal(t, KW_SSH_MSG_DISCONNECT);
		kw_ssh_disconnect d;
		assert_int_equal(kw_ssh_disconnect_parse(m, &d), 0);
	} else {
		assert_int_equal(r, 0); /* closed, not a timeout */
	}
	close(fd);
	kw_ssh_rx_release(&rx);
	kw_sb_release(&payload);
	kw_sb_release(&wire);
	server_view_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_types),
		cmocka_unit_test(test_packet_put),
		cmocka_unit_test(test_ident_basic),
		cmocka_unit_test(test_ident_prelines),
		cmocka_unit_test(test_ident_errors),
		cmocka_unit_test(test_packet_errors),
		cmocka_unit_test(test_skip_messages),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_memory_bounded),
		cmocka_unit_test(test_feed_any_cut),
		cmocka_unit_test(test_kexinit_round_trip),
		cmocka_unit_test(test_kexinit_truncated),
		cmocka_unit_test(test_kexinit_bad_names),
		cmocka_unit_test(test_kexinit_many_names),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_sshd),
		cmocka_unit_test(test_real_dropbear),
		cmocka_unit_test(test_real_tinysshd),
		cmocka_unit_test(test_real_sshd_no_common_kex),
	};
	int failed = cmocka_run_group_tests_name("wire", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("wire-real-servers", real, group_setup, group_teardown);
	return failed;
}
