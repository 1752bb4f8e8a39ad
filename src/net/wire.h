/* wire.h — the SSH transport before any key is in use (RFC 4253 §4.2, §6, §7.1, §11;
 * RFC 4251 §5, §6): the identification exchange, unencrypted binary packets, KEXINIT and
 * DISCONNECT, for a client that talks to a possibly hostile server.
 *
 * Pure: bytes in, values out. No I/O, no clock (deadlines belong to the caller). Every
 * length a server sends is checked before it is used or allocated for; memory per
 * connection is bounded by KW_SSH_RX_CAP whatever the server sends.
 *
 * Reading is incremental, for non-blocking sockets: feed whatever recv() returned, then
 * take complete items until one says "need more".
 *
 *   kw_ssh_rx rx;  kw_ssh_rx_init(&rx, 0);
 *   loop: n = recv(...); kw_ssh_rx_feed(&rx, p, n);
 *         phase ident:   r = kw_ssh_rx_ident(&rx, &id);      1 done, 0 more, <0 error
 *         phase packets: r = kw_ssh_rx_message(&rx, &type, &payload);   idem
 *   kw_ssh_rx_release(&rx);
 * On error, kw_ssh_rx_error(&rx) says what the server did wrong in plain words (text
 * taken from the server appears in it only escaped).
 */
#ifndef KW_NET_WIRE_H
#define KW_NET_WIRE_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 4253 §4.2: the SSH- line with CR LF is at most 255 bytes */
#define KW_SSH_IDENT_MAX 255
/* lines before the SSH- line (allowed by RFC 4253 §4.2; OpenSSH's own limits) */
#define KW_SSH_PRELINES_MAX 1024
#define KW_SSH_PRELINE_MAX 8192
#define KW_SSH_PRE_TOTAL_MAX 65536
#define KW_SSH_PRELINES_KEPT 16           /* kept for the report; the rest are counted */
/* packet_length (RFC 4253 §6.1: at least 35000 must be accepted); the default and the
 * ceiling a caller may raise it to (OpenSSH's) */
#define KW_SSH_PACKET_DEFAULT 35000
#define KW_SSH_PACKET_CEILING 262144
/* the largest payload kw_ssh_packet_put sends: with the minimum padding the whole packet
 * is then at most KW_SSH_PACKET_DEFAULT bytes, what every server must accept */
#define KW_SSH_PAYLOAD_MAX (KW_SSH_PACKET_DEFAULT - 9)
/* IGNORE / DEBUG / UNIMPLEMENTED skipped before the caller sees a message */
#define KW_SSH_SKIP_MAX 32
/* name-lists: names kept per list and in all ten lists; more are counted, not kept */
#define KW_SSH_NAMES_PER_LIST 512
#define KW_SSH_NAMES_TOTAL 4096

enum {
	KW_SSH_MSG_DISCONNECT = 1,
	KW_SSH_MSG_IGNORE = 2,
	KW_SSH_MSG_UNIMPLEMENTED = 3,
	KW_SSH_MSG_DEBUG = 4,
	KW_SSH_MSG_KEXINIT = 20,
	KW_SSH_MSG_NEWKEYS = 21,
	KW_SSH_MSG_KEXDH_INIT = 30,      /* = KEX_ECDH_INIT, KEX_DH_GEX_REQUEST_OLD */
	KW_SSH_MSG_KEXDH_REPLY = 31,     /* = KEX_ECDH_REPLY, KEX_DH_GEX_GROUP */
	KW_SSH_MSG_KEX_DH_GEX_INIT = 32,
	KW_SSH_MSG_KEX_DH_GEX_REPLY = 33,
	KW_SSH_MSG_KEX_DH_GEX_REQUEST = 34,
};

/* ---- identification ---- */

typedef struct kw_ssh_ident {
	char *line;        /* the SSH- line without CR LF (owned; raw server bytes, NUL-free:
			    * escape before printing) */
	char proto[8];     /* "2.0", "1.99", "1.5" ... as sent (bounded, validated digits/dot) */
	char *software;    /* softwareversion (owned) */
	char *comments;    /* comments after the first space, or NULL (owned) */
	char **pre;        /* the first KW_SSH_PRELINES_KEPT lines before it (owned, raw) */
	size_t npre_kept;
	size_t npre;       /* how many lines came before it in all */
	bool bare_lf;      /* the line ended in LF without CR (accepted, flagged) */
} kw_ssh_ident;

void kw_ssh_ident_release(kw_ssh_ident *id);
/* true for "2.0" and "1.99" (a server that speaks SSH-2) */
bool kw_ssh_ident_is_v2(const kw_ssh_ident *id);

/* ---- reading the server's stream ---- */

/* bytes held at most: one packet at the cap plus one recv's worth of slack */
#define KW_SSH_RX_SLACK 65536

typedef struct kw_ssh_rx {
	uint8_t *buf;
	size_t len, off, cap;
	size_t packet_max;     /* packet_length cap in force */
	bool ident_done;
	size_t npre, pre_bytes;
	size_t skipped;        /* IGNORE/DEBUG/UNIMPLEMENTED skipped so far */
	uint64_t total;        /* bytes fed in all */
	char err[256];
	/* (the implementation may add fields) */
	int fail;              /* the first error (sticky: every later call returns it) */
	uint32_t seq;          /* packets taken so far (RFC 4253 §6.4 sequence number) */
	size_t scan;           /* bytes of the current line before the ident already checked */
	int line_kind;         /* that line: undecided, the SSH- line, a line before it */
	char **pre;            /* lines before the ident kept until it arrives */
	size_t npre_kept, pre_cap;
} kw_ssh_rx;

/* packet_max: 0 = KW_SSH_PACKET_DEFAULT; clamped to [KW_SSH_PACKET_DEFAULT,
 * KW_SSH_PACKET_CEILING]. */
void kw_ssh_rx_init(kw_ssh_rx *rx, size_t packet_max);
/* Frees what rx holds; rx is left empty, as after kw_ssh_rx_init with its packet_max. */
void kw_ssh_rx_release(kw_ssh_rx *rx);
/* Append n bytes from the socket. KW_E_TOOBIG when the bytes held would pass
 * packet_max + 4 + KW_SSH_RX_SLACK (the caller must take items after every feed). */
int kw_ssh_rx_feed(kw_ssh_rx *rx, const uint8_t *p, size_t n);
/* packet_max + 4 + KW_SSH_RX_SLACK: the most bytes rx holds (a feed that would pass it
 * fails). */
size_t kw_ssh_rx_held_max(const kw_ssh_rx *rx);
/* The server's identification. 1 = *id filled (owned by the caller), 0 = need more
 * bytes, <0 = KW_E_PARSE / KW_E_TOOBIG (too many or too long lines before it, an SSH-
 * line over KW_SSH_IDENT_MAX, a NUL, ...). Bytes after the line stay for the packets.
 * Every check is made at the byte where it becomes certain (an SSH- line is refused at
 * its 255th byte when that is not its LF, without waiting for its end), so the result
 * does not depend on how the stream was cut into feeds. -EINVAL when called again after
 * it returned 1. Any line (CR LF or a bare LF) that starts with "SSH-" is the ident; lines
 * before it are counted and the first KW_SSH_PRELINES_KEPT kept. kw_ssh_rx_packet does
 * not need the ident to have been read (tests feed packets alone).
 * Errors of the reader are sticky: after one, feed, ident, packet and message all return
 * it (except -ENOMEM, which may be retried). */
int kw_ssh_rx_ident(kw_ssh_rx *rx, kw_ssh_ident *id);
/* One binary packet (before NEWKEYS: no MAC, block size 8). 1 = *payload is a view of
 * the payload valid until the next call on rx, 0 = need more, <0 = KW_E_PARSE (length
 * not a multiple of 8, padding < 4 or >= length, payload empty) or KW_E_TOOBIG
 * (packet_length over packet_max: refused from the first 4 bytes, before buffering). */
int kw_ssh_rx_packet(kw_ssh_rx *rx, kw_buf *payload);
/* The next message that is not IGNORE, DEBUG or UNIMPLEMENTED (at most KW_SSH_SKIP_MAX
 * of those are skipped, then KW_E_PARSE). *type is the message number, *payload the view
 * of the whole payload (type byte included). A DISCONNECT is returned like any message:
 * parse it with kw_ssh_disconnect_parse. Returns like kw_ssh_rx_packet. */
int kw_ssh_rx_message(kw_ssh_rx *rx, uint8_t *type, kw_buf *payload);
const char *kw_ssh_rx_error(const kw_ssh_rx *rx);

/* ---- messages ---- */

enum {
	KW_KEXL_KEX, KW_KEXL_HOSTKEY,
	KW_KEXL_ENC_CS, KW_KEXL_ENC_SC, KW_KEXL_MAC_CS, KW_KEXL_MAC_SC,
	KW_KEXL_COMP_CS, KW_KEXL_COMP_SC, KW_KEXL_LANG_CS, KW_KEXL_LANG_SC,
	KW_KEXL_N
};

typedef struct kw_ssh_namelist {
	char **names;      /* owned, NUL-terminated, in the server's order; raw bytes (a name
			    * that breaks RFC 4251 §6 is kept and flagged: escape to print) */
	size_t n;
	size_t dropped;    /* names past KW_SSH_NAMES_PER_LIST / _TOTAL, counted only */
	size_t bad;        /* names breaking RFC 4251 §6 (empty, > 64 bytes, not printable
			    * US-ASCII, whitespace) */
} kw_ssh_namelist;

typedef struct kw_ssh_kexinit {
	uint8_t cookie[16];
	kw_ssh_namelist lists[KW_KEXL_N];
	bool first_kex_follows;
	uint32_t reserved;
	bool strict_kex;   /* "kex-strict-s-v00@openssh.com" in the kex list */
	bool ext_info;     /* "ext-info-s" in the kex list */
	size_t trailing;   /* bytes after the reserved field (RFC 4253 has none; ignored) */
} kw_ssh_kexinit;

/* A KEXINIT payload (type byte included). 0, KW_E_PARSE (err says which list and why),
 * -ENOMEM. On error *k is released. An empty name (",,", a leading or trailing comma) and
 * a name holding a NUL are counted in bad and not kept; the pseudo names set strict_kex
 * and ext_info even when they come past the caps. */
int kw_ssh_kexinit_parse(kw_buf payload, kw_ssh_kexinit *k, char *err, size_t errlen);
void kw_ssh_kexinit_release(kw_ssh_kexinit *k);
bool kw_ssh_namelist_has(const kw_ssh_namelist *l, const char *name);
/* The ten lists of the name-list of kexinit joined with ',' (what a KEXINIT carries). */
int kw_ssh_namelist_join(const kw_ssh_namelist *l, kw_sb *out);
/* "kex_algorithms", "server_host_key_algorithms", ... for KW_KEXL_*; "?" otherwise. */
const char *kw_ssh_kexinit_list_name(int list);

/* A client KEXINIT payload: lists[i] are comma-separated name-lists (NULL = empty),
 * cookie 16 random bytes, first_kex_packet_follows false. 0 or -ENOMEM / KW_E_TOOBIG
 * (the payload would pass KW_SSH_PAYLOAD_MAX). */
int kw_ssh_kexinit_build(const char *const lists[KW_KEXL_N], const uint8_t cookie[16],
			 kw_sb *out);

typedef struct kw_ssh_disconnect {
	uint32_t reason;
	kw_buf description;  /* view into the payload (raw: escape to print) */
} kw_ssh_disconnect;
int kw_ssh_disconnect_parse(kw_buf payload, kw_ssh_disconnect *d);
/* RFC 4253 §11.1 reason names ("PROTOCOL_ERROR" ...), "?" for others */
const char *kw_ssh_disconnect_reason(uint32_t reason);
/* "PROTOCOL_ERROR (2): <description, escaped and cut at 160 bytes>" into out[cap]
 * (cut at a character boundary when it does not fit). 0 or -ENOMEM. */
int kw_ssh_disconnect_describe(const kw_ssh_disconnect *d, char *out, size_t cap);

/* ---- writing ---- */

/* The identification line we send (followed by CR LF on the wire; without it, it is V_C
 * in the exchange hash). */
#define KW_SSH_CLIENT_IDENT "SSH-2.0-keyward_0.1"
/* payload -> one unencrypted binary packet appended to out (block size 8, 4..255 bytes of
 * random padding). 0, -ENOMEM, KW_E_TOOBIG (payload over KW_SSH_PACKET_DEFAULT; precisely
 * over KW_SSH_PAYLOAD_MAX, so the packet fits what every server accepts), or
 * KW_E_CRYPTO (no random bytes). On error out is left as it was (so are the writers and
 * kw_ssh_kexinit_build below). */
int kw_ssh_packet_put(kw_sb *out, const uint8_t *payload, size_t len);

/* RFC 4251 §5 writers used to build payloads (append to out; -ENOMEM / KW_E_TOOBIG) */
int kw_ssh_put_u8(kw_sb *out, uint8_t v);
int kw_ssh_put_u32(kw_sb *out, uint32_t v);
int kw_ssh_put_string(kw_sb *out, const void *p, size_t n);
/* an mpint from a big-endian unsigned magnitude (leading zeros dropped, 0x00 added when
 * the top bit is set) */
int kw_ssh_put_mpint(kw_sb *out, const uint8_t *be, size_t n);

#endif
