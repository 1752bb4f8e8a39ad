/* wire.c — the SSH transport before keys (see wire.h): identification exchange, plain
 * binary packets, KEXINIT, DISCONNECT, and the RFC 4251 writers.
 *
 * Owned by the "wire" helper. Pure code over bytes: no I/O, no clock, no printing.
 *
 * The receive buffer holds the bytes fed but not yet taken:
 *
 *     buf: [ taken ... | off: next item ... | len: end of data | ... cap ]
 *
 * Items (lines before the identification, the identification, packets) are taken from
 * off; kw_ssh_rx_feed() slides the held bytes back to the start when it needs room and
 * never lets them pass packet_max + 4 + KW_SSH_RX_SLACK. The buffer grows with what is
 * fed, never with what a length field claims, so a server announcing a huge packet costs
 * nothing: the length is refused from its first four bytes.
 *
 * Every check is tied to a position in the stream: the identification phase looks at
 * each byte once, in order (rx->scan remembers how far it got in the current line), and a
 * packet is judged from its first 4, then 5 bytes, then whole. So the items and the first
 * error are the same however the stream is cut into feeds (one byte at a time or all at
 * once), and a caller that stops at the first error never waits for bytes it will refuse.
 *
 * Errors are sticky: once rx->fail is set every further call returns it, and rx->err says
 * what the server did. Text from the server appears in rx->err only through kw_escape.
 */
#include "net/wire.h"

#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writers (RFC 4251 §5) ---- */

/* Undo a partial write: out back to old_len bytes. */
static void sb_truncate(kw_sb *out, size_t old_len)
{
	if (out->cap && out->len > old_len) {
		out->len = old_len;
		out->s[old_len] = '\0';
	}
}

int kw_ssh_put_u8(kw_sb *out, uint8_t v)
{
	return kw_sb_putc(out, (char)v);
}

int kw_ssh_put_u32(kw_sb *out, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return kw_sb_put(out, b, sizeof b);
}

int kw_ssh_put_string(kw_sb *out, const void *p, size_t n)
{
	if (n > UINT32_MAX)
		return KW_E_TOOBIG;
	size_t old = out->len;
	int r = kw_ssh_put_u32(out, (uint32_t)n);
	if (r == 0)
		r = kw_sb_put(out, p, n);
	if (r < 0)
		sb_truncate(out, old);
	return r;
}

int kw_ssh_put_mpint(kw_sb *out, const uint8_t *be, size_t n)
{
	while (n && be[0] == 0) {
		be++;
		n--;
	}
	if (n == 0)
		return kw_ssh_put_u32(out, 0);
	if (n >= UINT32_MAX)
		return KW_E_TOOBIG;
	bool lead = be[0] & 0x80;
	size_t old = out->len;
	int r = kw_ssh_put_u32(out, (uint32_t)(n + lead));
	if (r == 0 && lead)
		r = kw_ssh_put_u8(out, 0);
	if (r == 0)
		r = kw_sb_put(out, be, n);
	if (r < 0)
		sb_truncate(out, old);
	return r;
}

int kw_ssh_packet_put(kw_sb *out, const uint8_t *payload, size_t len)
{
	if (len > KW_SSH_PAYLOAD_MAX)
		return KW_E_TOOBIG;
	/* 4 + 1 + len + pad is a multiple of 8 and pad >= 4: pad is 4..11 */
	size_t pad = 8 - (5 + len) % 8;
	if (pad < 4)
		pad += 8;
	uint8_t padding[16];
	if (RAND_bytes(padding, (int)pad) != 1)
		return KW_E_CRYPTO;
	size_t old = out->len;
	int r = kw_ssh_put_u32(out, (uint32_t)(1 + len + pad));
	if (r == 0)
		r = kw_ssh_put_u8(out, (uint8_t)pad);
	if (r == 0)
		r = kw_sb_put(out, payload, len);
	if (r == 0)
		r = kw_sb_put(out, padding, pad);
	if (r < 0)
		sb_truncate(out, old);
	return r;
}

/* ---- receive buffer ---- */

enum { LINE_UNDECIDED, LINE_IDENT, LINE_PRE };

/* s[0..len) into dst[cap], cut where it does not fit before a UTF-8 continuation byte
 * (so valid UTF-8 stays valid). */
static void copy_cut(char *dst, size_t cap, const char *s, size_t len)
{
	if (!cap)
		return;
	if (len >= cap) {
		len = cap - 1;
		while (len && ((uint8_t)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Append at most max bytes of server text to sb, escaped (and "..." when cut). */
static int escape_max(kw_sb *sb, const uint8_t *p, size_t n, size_t max)
{
	bool cut = n > max;
	int r = kw_escape_append(sb, p, cut ? max : n);
	if (r == 0 && cut)
		r = kw_sb_puts(sb, "...");
	return r;
}

/* At most max bytes of server text into dst[cap], escaped. */
static void escape_into(char *dst, size_t cap, const uint8_t *p, size_t n, size_t max)
{
	kw_sb sb;
	kw_sb_init(&sb);
	if (escape_max(&sb, p, n, max) < 0)
		copy_cut(dst, cap, "(text not shown)", 16);
	else
		copy_cut(dst, cap, sb.s, sb.len);
	kw_sb_release(&sb);
}

__attribute__((format(printf, 3, 4)))
static int rx_fail(kw_ssh_rx *rx, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kw_verrf(rx->err, sizeof rx->err, fmt, ap);
	va_end(ap);
	rx->fail = code;
	return code;
}

void kw_ssh_rx_init(kw_ssh_rx *rx, size_t packet_max)
{
	*rx = (kw_ssh_rx){ 0 };
	if (packet_max < KW_SSH_PACKET_DEFAULT)
		packet_max = KW_SSH_PACKET_DEFAULT;
	if (packet_max > KW_SSH_PACKET_CEILING)
		packet_max = KW_SSH_PACKET_CEILING;
	rx->packet_max = packet_max;
}

void kw_ssh_rx_release(kw_ssh_rx *rx)
{
	free(rx->buf);
	kw_strv_free(rx->pre, rx->npre_kept);
	size_t packet_max = rx->packet_max;
	*rx = (kw_ssh_rx){ 0 };
	rx->packet_max = packet_max;
}

const char *kw_ssh_rx_error(const kw_ssh_rx *rx)
{
	return rx->err[0] ? rx->err : "no error";
}

size_t kw_ssh_rx_held_max(const kw_ssh_rx *rx)
{
	return rx->packet_max + 4 + KW_SSH_RX_SLACK;
}

int kw_ssh_rx_feed(kw_ssh_rx *rx, const uint8_t *p, size_t n)
{
	if (rx->fail)
		return rx->fail;
	if (n == 0)
		return 0;
	size_t limit = kw_ssh_rx_held_max(rx);
	size_t held = rx->len - rx->off;
	if (n > limit - held)
		return rx_fail(rx, KW_E_TOOBIG,
			       "more than %zu bytes held without a complete item", limit);
	if (rx->off == rx->len) {
		rx->off = rx->len = 0;
	} else if (rx->cap - rx->len < n && rx->off) {
		memmove(rx->buf, rx->buf + rx->off, held);
		rx->len = held;
		rx->off = 0;
	}
	if (rx->cap - rx->len < n) {
		size_t want = rx->len + n;
		size_t cap = rx->cap ? rx->cap : 4096;
		while (cap < want)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		uint8_t *nb = realloc(rx->buf, cap);
		if (!nb)
			return -ENOMEM; /* not sticky: nothing was taken, the caller may retry */
		rx->buf = nb;
		rx->cap = cap;
	}
	memcpy(rx->buf + rx->len, p, n);
	rx->len += n;
	rx->total += n;
	return 0;
}

/* ---- identification (RFC 4253 §4.2) ---- */

void kw_ssh_ident_release(kw_ssh_ident *id)
{
	if (!id)
		return;
	free(id->line);
	free(id->software);
	free(id->comments);
	kw_strv_free(id->pre, id->npre_kept);
	*id = (kw_ssh_ident){ 0 };
}

bool kw_ssh_ident_is_v2(const kw_ssh_ident *id)
{
	return strcmp(id->proto, "2.0") == 0 || strcmp(id->proto, "1.99") == 0;
}

/* Split "SSH-proto-software[ comments]" (content without CR LF, NUL-free). */
static int ident_split(kw_ssh_rx *rx, const uint8_t *s, size_t n, kw_ssh_ident *id)
{
	char shown[96];
	size_t i = 4, p0 = 4;
	while (i < n && s[i] != '-')
		i++;
	size_t plen = i - p0;
	bool ok = i < n && plen >= 1 && plen < sizeof id->proto && s[p0] >= '0' && s[p0] <= '9';
	for (size_t k = p0; ok && k < i; k++)
		ok = (s[k] >= '0' && s[k] <= '9') || s[k] == '.';
	if (!ok) {
		escape_into(shown, sizeof shown, s, n, 64);
		return rx_fail(rx, KW_E_PARSE, "malformed identification (protocol version): %s",
			       shown);
	}
	size_t sw0 = i + 1, sw1 = sw0;
	while (sw1 < n && s[sw1] != ' ')
		sw1++;
	if (sw1 == sw0) {
		escape_into(shown, sizeof shown, s, n, 64);
		return rx_fail(rx, KW_E_PARSE, "identification without a software version: %s",
			       shown);
	}
	kw_ssh_ident tmp = { 0 };
	memcpy(tmp.proto, s + p0, plen);
	tmp.proto[plen] = '\0';
	kw_buf v = kw_buf_view(s, n);
	tmp.line = kw_buf_strdup(&v);
	v = kw_buf_view(s + sw0, sw1 - sw0);
	tmp.software = kw_buf_strdup(&v);
	if (sw1 < n) {
		v = kw_buf_view(s + sw1 + 1, n - sw1 - 1);
		tmp.comments = kw_buf_strdup(&v);
	}
	if (!tmp.line || !tmp.software || (sw1 < n && !tmp.comments)) {
		kw_ssh_ident_release(&tmp);
		return -ENOMEM;
	}
	*id = tmp;
	return 0;
}

/* One complete line of len bytes (LF included) at s: the identification or a pre-line. */
static int ident_line(kw_ssh_rx *rx, const uint8_t *s, size_t len, kw_ssh_ident *id)
{
	size_t n = len - 1; /* without the LF */
	bool bare = !(n && s[n - 1] == '\r');
	if (!bare)
		n--;
	if (rx->line_kind == LINE_PRE) {
		if (rx->npre_kept < KW_SSH_PRELINES_KEPT) {
			if (KW_VEC_RESERVE(rx->pre, rx->npre_kept, rx->pre_cap) < 0)
				return -ENOMEM;
			kw_buf v = kw_buf_view(s, n);
			char *copy = kw_buf_strdup(&v);
			if (!copy)
				return -ENOMEM;
			rx->pre[rx->npre_kept++] = copy;
		}
		rx->npre++;
		rx->pre_bytes += len;
		return 0;
	}
	int r = ident_split(rx, s, n, id);
	if (r < 0)
		return r;
	id->bare_lf = bare;
	id->npre = rx->npre;
	id->pre = rx->pre;
	id->npre_kept = rx->npre_kept;
	rx->pre = NULL;
	rx->npre_kept = rx->pre_cap = 0;
	return 1;
}

int kw_ssh_rx_ident(kw_ssh_rx *rx, kw_ssh_ident *id)
{
	static const char magic[4] = { 'S', 'S', 'H', '-' };
	if (rx->fail)
		return rx->fail;
	if (rx->ident_done)
		return -EINVAL;
	for (;;) {
		const uint8_t *s = rx->buf + rx->off;
		size_t avail = rx->len - rx->off;
		size_t i = rx->scan;
		for (; i < avail; i++) {
			uint8_t c = s[i];
			if (rx->line_kind == LINE_UNDECIDED) {
				if (i < 4 && c == (uint8_t)magic[i])
					rx->line_kind = i == 3 ? LINE_IDENT : LINE_UNDECIDED;
				else
					rx->line_kind = LINE_PRE;
			}
			/* the line is at least this long: a byte other than LF needs one more */
			size_t n = c == '\n' ? i + 1 : i + 2;
			if (c == 0)
				return rx_fail(rx, KW_E_PARSE, "NUL byte in %s",
					       rx->line_kind == LINE_IDENT ? "the identification" :
					       "a line before the identification");
			if (rx->line_kind == LINE_IDENT && n > KW_SSH_IDENT_MAX)
				return rx_fail(rx, KW_E_TOOBIG,
					       "identification longer than %d bytes", KW_SSH_IDENT_MAX);
			if (rx->line_kind == LINE_PRE) {
				if (rx->npre + 1 > KW_SSH_PRELINES_MAX)
					return rx_fail(rx, KW_E_TOOBIG,
						       "more than %d lines before the identification",
						       KW_SSH_PRELINES_MAX);
				if (n > KW_SSH_PRELINE_MAX)
					return rx_fail(rx, KW_E_TOOBIG,
						       "a line before the identification is over %d bytes",
						       KW_SSH_PRELINE_MAX);
				if (rx->pre_bytes + n > KW_SSH_PRE_TOTAL_MAX)
					return rx_fail(rx, KW_E_TOOBIG,
						       "more than %d bytes before the identification",
						       KW_SSH_PRE_TOTAL_MAX);
			}
			if (c == '\n')
				break;
		}
		if (i == avail) {
			rx->scan = avail;
			return 0;
		}
		kw_ssh_ident got = { 0 };
		int r = ident_line(rx, s, i + 1, &got);
		if (r < 0) {
			if (!rx->fail && r != -ENOMEM)
				rx->fail = r;
			return r;
		}
		rx->off += i + 1;
		rx->scan = 0;
		rx->line_kind = LINE_UNDECIDED;
		if (r == 1) {
			rx->ident_done = true;
			*id = got;
			return 1;
		}
	}
}

/* ---- binary packets (RFC 4253 §6) ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int kw_ssh_rx_packet(kw_ssh_rx *rx, kw_buf *payload)
{
	if (rx->fail)
		return rx->fail;
	const uint8_t *s = rx->buf + rx->off;
	size_t avail = rx->len - rx->off;
	if (avail < 4)
		return 0;
	uint32_t plen = be32(s);
	if (plen > rx->packet_max)
		return rx_fail(rx, KW_E_TOOBIG, "packet_length %lu over the %zu-byte limit",
			       (unsigned long)plen, rx->packet_max);
	if ((plen + 4) % 8 != 0)
		return rx_fail(rx, KW_E_PARSE,
			       "packet_length %lu: the packet is not a multiple of 8 bytes",
			       (unsigned long)plen);
	if (plen < 12)
		return rx_fail(rx, KW_E_PARSE, "packet_length %lu under the minimum of 12",
			       (unsigned long)plen);
	if (avail < 5)
		return 0;
	uint8_t pad = s[4];
	if (pad < 4)
		return rx_fail(rx, KW_E_PARSE, "padding_length %u under the minimum of 4", pad);
	if (pad >= plen - 1)
		return rx_fail(rx, KW_E_PARSE,
			       "padding_length %u leaves no payload in a %lu-byte packet", pad,
			       (unsigned long)plen);
	if (avail - 4 < plen)
		return 0;
	*payload = kw_buf_view(s + 5, plen - pad - 1);
	rx->off += 4 + (size_t)plen;
	rx->seq++;
	return 1;
}

int kw_ssh_rx_message(kw_ssh_rx *rx, uint8_t *type, kw_buf *payload)
{
	for (;;) {
		kw_buf p;
		int r = kw_ssh_rx_packet(rx, &p);
		if (r <= 0)
			return r;
		uint8_t t = p.p[0];
		if (t == KW_SSH_MSG_IGNORE || t == KW_SSH_MSG_DEBUG || t == KW_SSH_MSG_UNIMPLEMENTED) {
			if (rx->skipped >= KW_SSH_SKIP_MAX)
				return rx_fail(rx, KW_E_PARSE,
					       "more than %d IGNORE/DEBUG/UNIMPLEMENTED messages",
					       KW_SSH_SKIP_MAX);
			rx->skipped++;
			continue;
		}
		*type = t;
		*payload = p;
		return 1;
	}
}

/* ---- KEXINIT (RFC 4253 §7.1) ---- */

static const char *const list_names[KW_KEXL_N] = {
	"kex_algorithms",
	"server_host_key_algorithms",
	"encryption_algorithms_client_to_server",
	"encryption_algorithms_server_to_client",
	"mac_algorithms_client_to_server",
	"mac_algorithms_server_to_client",
	"compression_algorithms_client_to_server",
	"compression_algorithms_server_to_client",
	"languages_client_to_server",
	"languages_server_to_client",
};

const char *kw_ssh_kexinit_list_name(int list)
{
	return list >= 0 && list < KW_KEXL_N ? list_names[list] : "?";
}

static void namelist_release(kw_ssh_namelist *l)
{
	kw_strv_free(l->names, l->n);
	*l = (kw_ssh_namelist){ 0 };
}

void kw_ssh_kexinit_release(kw_ssh_kexinit *k)
{
	if (!k)
		return;
	for (int i = 0; i < KW_KEXL_N; i++)
		namelist_release(&k->lists[i]);
	*k = (kw_ssh_kexinit){ 0 };
}

/* RFC 4251 §6: 1..64 bytes of printable US-ASCII without whitespace (and no comma, which
 * the split already guarantees). */
static bool name_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	return true;
}

static bool name_is(const uint8_t *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Split one name-list into l. *total counts names kept in all lists so far. */
static int namelist_parse(kw_buf v, kw_ssh_namelist *l, size_t *total, kw_ssh_kexinit *k,
			  bool kex)
{
	size_t cap = 0;
	if (kw_buf_left(&v) == 0)
		return 0; /* the empty list */
	kw_buf f;
	while (kw_buf_field(&v, ',', &f)) {
		const uint8_t *p = kw_buf_cur(&f);
		size_t n = kw_buf_left(&f);
		if (kex) {
			if (name_is(p, n, "kex-strict-s-v00@openssh.com"))
				k->strict_kex = true;
			if (name_is(p, n, "ext-info-s"))
				k->ext_info = true;
		}
		if (!name_ok(p, n))
			l->bad++;
		if (n == 0 || memchr(p, 0, n)) /* cannot be a name: counted, not kept */
			continue;
		if (l->n >= KW_SSH_NAMES_PER_LIST || *total >= KW_SSH_NAMES_TOTAL) {
			l->dropped++;
			continue;
		}
		if (KW_VEC_RESERVE(l->names, l->n, cap) < 0)
			return -ENOMEM;
		char *s = kw_buf_strdup(&f);
		if (!s)
			return -ENOMEM;
		l->names[l->n++] = s;
		(*total)++;
	}
	return 0;
}

int kw_ssh_kexinit_parse(kw_buf payload, kw_ssh_kexinit *k, char *err, size_t errlen)
{
	*k = (kw_ssh_kexinit){ 0 };
	kw_buf b = payload;
	uint8_t t;
	kw_buf cookie;
	if (kw_buf_get_u8(&b, &t) < 0 || t != KW_SSH_MSG_KEXINIT) {
		kw_errf(err, errlen, "not a KEXINIT message");
		return KW_E_PARSE;
	}
	if (kw_buf_get_bytes(&b, 16, &cookie) < 0) {
		kw_errf(err, errlen, "KEXINIT truncated in the cookie");
		return KW_E_PARSE;
	}
	memcpy(k->cookie, cookie.p, 16);
	size_t total = 0;
	int r = 0;
	for (int i = 0; i < KW_KEXL_N; i++) {
		uint32_t n;
		kw_buf v;
		size_t save = b.off;
		if (kw_buf_get_u32(&b, &n) < 0) {
			kw_errf(err, errlen, "KEXINIT truncated before %s", list_names[i]);
			r = KW_E_PARSE;
			break;
		}
		if (n > kw_buf_left(&b)) {
			kw_errf(err, errlen, "%s: name-list length %lu over the %zu bytes left",
				list_names[i], (unsigned long)n, kw_buf_left(&b));
			r = KW_E_PARSE;
			break;
		}
		b.off = save;
		if (kw_buf_get_string(&b, &v) < 0) { /* cannot fail after the checks above */
			r = KW_E_PARSE;
			break;
		}
		r = namelist_parse(v, &k->lists[i], &total, k, i == KW_KEXL_KEX);
		if (r < 0) {
			kw_errf(err, errlen, "%s: %s", list_names[i], kw_strerror(r));
			break;
		}
	}
	uint8_t follows;
	if (r == 0 && kw_buf_get_u8(&b, &follows) < 0) {
		kw_errf(err, errlen, "KEXINIT truncated before first_kex_packet_follows");
		r = KW_E_PARSE;
	}
	if (r == 0 && kw_buf_get_u32(&b, &k->reserved) < 0) {
		kw_errf(err, errlen, "KEXINIT truncated in the reserved field");
		r = KW_E_PARSE;
	}
	if (r < 0) {
		kw_ssh_kexinit_release(k);
		return r;
	}
	k->first_kex_follows = follows != 0;
	k->trailing = kw_buf_left(&b);
	return 0;
}

bool kw_ssh_namelist_has(const kw_ssh_namelist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return true;
	return false;
}

int kw_ssh_namelist_join(const kw_ssh_namelist *l, kw_sb *out)
{
	size_t old = out->len;
	int r = 0;
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		if (i)
			r = kw_sb_putc(out, ',');
		if (r == 0)
			r = kw_sb_puts(out, l->names[i]);
	}
	if (r < 0)
		sb_truncate(out, old);
	return r;
}

int kw_ssh_kexinit_build(const char *const lists[KW_KEXL_N], const uint8_t cookie[16],
			 kw_sb *out)
{
	size_t old = out->len;
	int r = kw_ssh_put_u8(out, KW_SSH_MSG_KEXINIT);
	if (r == 0)
		r = kw_sb_put(out, cookie, 16);
	for (int i = 0; r == 0 && i < KW_KEXL_N; i++) {
		const char *s = lists[i] ? lists[i] : "";
		r = kw_ssh_put_string(out, s, strlen(s));
	}
	if (r == 0)
		r = kw_ssh_put_u8(out, 0); /* first_kex_packet_follows */
	if (r == 0)
		r = kw_ssh_put_u32(out, 0); /* reserved */
	if (r == 0 && out->len - old > KW_SSH_PAYLOAD_MAX)
		r = KW_E_TOOBIG;
	if (r < 0)
		sb_truncate(out, old);
	return r;
}

/* ---- DISCONNECT (RFC 4253 §11.1) ---- */

int kw_ssh_disconnect_parse(kw_buf payload, kw_ssh_disconnect *d)
{
	kw_buf b = payload;
	uint8_t t;
	kw_ssh_disconnect tmp = { 0 };
	if (kw_buf_get_u8(&b, &t) < 0 || t != KW_SSH_MSG_DISCONNECT ||
	    kw_buf_get_u32(&b, &tmp.reason) < 0 || kw_buf_get_string(&b, &tmp.description) < 0)
		return KW_E_PARSE;
	/* the language tag that follows is not needed (and some servers leave it out) */
	*d = tmp;
	return 0;
}

const char *kw_ssh_disconnect_reason(uint32_t reason)
{
	static const char *const names[] = {
		[1] = "HOST_NOT_ALLOWED_TO_CONNECT",
		[2] = "PROTOCOL_ERROR",
		[3] = "KEY_EXCHANGE_FAILED",
		[4] = "RESERVED",
		[5] = "MAC_ERROR",
		[6] = "COMPRESSION_ERROR",
		[7] = "SERVICE_NOT_AVAILABLE",
		[8] = "PROTOCOL_VERSION_NOT_SUPPORTED",
		[9] = "HOST_KEY_NOT_VERIFIABLE",
		[10] = "CONNECTION_LOST",
		[11] = "BY_APPLICATION",
		[12] = "TOO_MANY_CONNECTIONS",
		[13] = "AUTH_CANCELLED_BY_USER",
		[14] = "NO_MORE_AUTH_METHODS_AVAILABLE",
		[15] = "ILLEGAL_USER_NAME",
	};
	if (reason < sizeof names / sizeof names[0] && names[reason])
		return names[reason];
	return "?";
}

int kw_ssh_disconnect_describe(const kw_ssh_disconnect *d, char *out, size_t cap)
{
	kw_sb sb;
	kw_sb_init(&sb);
	int r = kw_sb_printf(&sb, "%s (%lu): ", kw_ssh_disconnect_reason(d->reason),
			     (unsigned long)d->reason);
	if (r == 0)
		r = escape_max(&sb, kw_buf_cur(&d->description), kw_buf_left(&d->description), 160);
	if (r == 0)
		copy_cut(out, cap, sb.s, sb.len);
	kw_sb_release(&sb);
	return r < 0 ? r : 0;
}
