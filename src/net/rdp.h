/* rdp.h — the first exchange of an RDP connection, as a client that faces a possibly
 * hostile server sees it, and the server's TLS certificate as the scan reports it.
 *
 * The client sends a TPKT (RFC 1006) holding an X.224 Connection Request (ISO 8073 class
 * 0) whose variable part is an RDP Negotiation Request (MS-RDPBCGR 2.2.1.1: the security
 * protocols the client can do); the server answers with a Connection Confirm (2.2.1.2)
 * holding an RDP Negotiation Response (the protocol it selected), an RDP Negotiation
 * Failure (why it refuses), or nothing (a server older than RDP 5.2, which knows only
 * standard RDP security). When the selected protocol is TLS-based, the next bytes on the
 * socket are a TLS handshake (net/rdpscan.h drives it).
 *
 * Layout of the 19-byte request and of a confirm with negotiation data (all lengths
 * checked against the bytes that arrived):
 *
 *   TPKT   03 00 LL LL            version 3, reserved, length of the whole TPDU (big endian)
 *   X.224  LI CC 00 00 SS SS 00   LI = bytes after LI; CR 0xE0 / CC 0xD0; refs; class 0
 *   neg    TT FF 08 00 PP PP PP PP  type (1 request, 2 response, 3 failure), flags,
 *                                 length 8 (little endian), protocols / code (little endian)
 *
 * Pure: bytes in, values out; no I/O, no clock. Reading is incremental for non-blocking
 * sockets, and never asks for a byte past the Connection Confirm (the TLS handshake that
 * follows must stay in the socket): kw_rdp_rx_want says how many bytes to read next.
 * A TPKT longer than KW_RDP_CONFIRM_MAX is refused from its header, before its body is
 * read. Error texts hold no byte from the server.
 */
#ifndef KW_NET_RDP_H
#define KW_NET_RDP_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* requestedProtocols / selectedProtocol (MS-RDPBCGR 2.2.1.1.1, 2.2.1.2.1) */
#define KW_RDP_PROTOCOL_RDP 0x00000000u        /* standard RDP security (RC4) */
#define KW_RDP_PROTOCOL_SSL 0x00000001u        /* TLS */
#define KW_RDP_PROTOCOL_HYBRID 0x00000002u     /* CredSSP (NLA) over TLS */
#define KW_RDP_PROTOCOL_RDSTLS 0x00000004u
#define KW_RDP_PROTOCOL_HYBRID_EX 0x00000008u  /* CredSSP with the Early User
						* Authorization Result PDU */
#define KW_RDP_PROTOCOL_RDSAAD 0x00000010u

/* failureCode of an RDP Negotiation Failure (2.2.1.2.2) */
enum {
	KW_RDP_SSL_REQUIRED_BY_SERVER = 1,
	KW_RDP_SSL_NOT_ALLOWED_BY_SERVER = 2,
	KW_RDP_SSL_CERT_NOT_ON_SERVER = 3,
	KW_RDP_INCONSISTENT_FLAGS = 4,
	KW_RDP_HYBRID_REQUIRED_BY_SERVER = 5,
	KW_RDP_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER = 6,
};

/* flags of an RDP Negotiation Response */
#define KW_RDP_EXTENDED_CLIENT_DATA_SUPPORTED 0x01u
#define KW_RDP_DYNVC_GFX_PROTOCOL_SUPPORTED 0x02u
#define KW_RDP_NEGRSP_FLAG_RESERVED 0x04u
#define KW_RDP_RESTRICTED_ADMIN_MODE_SUPPORTED 0x08u
#define KW_RDP_REDIRECTED_AUTHENTICATION_MODE_SUPPORTED 0x10u

#define KW_RDP_REQUEST_LEN 19
#define KW_RDP_TPKT_HDR 4
/* The longest Connection Confirm accepted (one with negotiation data is 19 bytes). */
#define KW_RDP_CONFIRM_MAX 64

/* The Connection Request asking for `protocols` (a KW_RDP_PROTOCOL_* mask) into out.
 * Returns KW_RDP_REQUEST_LEN. */
size_t kw_rdp_request(uint32_t protocols, uint8_t out[KW_RDP_REQUEST_LEN]);

/* ---- reading the Connection Confirm ---- */

typedef struct kw_rdp_rx {
	uint8_t b[KW_RDP_CONFIRM_MAX];
	size_t have;       /* bytes in b */
	size_t need;       /* the TPKT's length once its header is in, else KW_RDP_TPKT_HDR */
	int err;           /* sticky: the first error */
	char why[128];
} kw_rdp_rx;

void kw_rdp_rx_init(kw_rdp_rx *rx);
/* How many bytes to read next (never past the TPKT); 0 when complete or failed. */
size_t kw_rdp_rx_want(const kw_rdp_rx *rx);
/* Take n bytes (at most kw_rdp_rx_want). 1 = the TPKT is complete (rx->b, rx->have),
 * 0 = more needed, <0 = error (rx->why says what): KW_E_PARSE (not TPKT version 3, a
 * length under the smallest confirm, more bytes than asked for), KW_E_TOOBIG (a length
 * over KW_RDP_CONFIRM_MAX). */
int kw_rdp_rx_feed(kw_rdp_rx *rx, const void *p, size_t n);

typedef enum kw_rdp_cc_kind {
	KW_RDP_CC_BARE = 0,   /* no negotiation data: standard RDP security only */
	KW_RDP_CC_RESPONSE,   /* RDP Negotiation Response: selected */
	KW_RDP_CC_FAILURE,    /* RDP Negotiation Failure: failure */
} kw_rdp_cc_kind;

typedef struct kw_rdp_confirm {
	kw_rdp_cc_kind kind;
	uint8_t flags;        /* RESPONSE: KW_RDP_*_SUPPORTED flags */
	uint32_t selected;    /* RESPONSE: a KW_RDP_PROTOCOL_* value */
	uint32_t failure;     /* FAILURE: a KW_RDP_*_BY_SERVER code */
} kw_rdp_confirm;

/* One whole TPKT (what kw_rdp_rx collected) as a Connection Confirm. 0, KW_E_PARSE (a
 * malformed TPDU or negotiation structure: why says which byte is wrong), KW_E_REFUSED
 * (an X.224 Disconnect Request or an error TPDU instead of a confirm). */
int kw_rdp_confirm_parse(kw_buf tpkt, kw_rdp_confirm *c, char *why, size_t cap);

/* "PROTOCOL_SSL", "PROTOCOL_HYBRID" ...; NULL for a value the specification lacks */
const char *kw_rdp_protocol_name(uint32_t protocol);
/* what a protocol means to a reader: "standard RDP security", "TLS", "CredSSP (NLA)" ... */
const char *kw_rdp_protocol_desc(uint32_t protocol);
/* "HYBRID_REQUIRED_BY_SERVER" ...; NULL for an unknown code */
const char *kw_rdp_failure_name(uint32_t code);
/* Is this selected protocol a TLS handshake next (SSL, HYBRID, HYBRID_EX, RDSTLS)? */
bool kw_rdp_protocol_is_tls(uint32_t protocol);
/* A request mask as "PROTOCOL_SSL|PROTOCOL_HYBRID" ("PROTOCOL_RDP" for 0; unknown bits
 * in hex) into out. */
void kw_rdp_protocols_str(uint32_t mask, char *out, size_t cap);

/* ---- the server's certificate ---- */

#define KW_RDP_CERT_DER_MAX 65536
#define KW_RDP_NAME_MAX 512

typedef struct kw_rdp_cert {
	char subject[KW_RDP_NAME_MAX];  /* RFC 2253 text, UTF-8 from the server: raw, escape
					 * to print; cut at the cap with "..." */
	char issuer[KW_RDP_NAME_MAX];
	int64_t not_before, not_after;  /* seconds since the epoch (UTC) */
	char key_type[16];              /* "RSA", "EC", "Ed25519", "DSA", ... */
	unsigned key_bits;
	char sig_alg[64];               /* "sha256WithRSAEncryption" */
	char sha1[41];                  /* thumbprints of the DER bytes, uppercase hex as */
	char sha256[65];                /* Windows shows them */
	bool self_signed;               /* issuer = subject and its own key verifies it */
	size_t der_len;
} kw_rdp_cert;

/* A DER certificate (at most KW_RDP_CERT_DER_MAX bytes) summarised. 0, KW_E_TOOBIG,
 * KW_E_PARSE (not one whole certificate: why says so), KW_E_CRYPTO, -ENOMEM. */
int kw_rdp_cert_from_der(const uint8_t *der, size_t len, kw_rdp_cert *c, char *why, size_t cap);

/* A thumbprint as a user writes it (SHA-1: 40 hex digits, SHA-256: 64; colons and blanks
 * between digits allowed, any case) into out as uppercase hex without separators (out at
 * least 65 bytes). Its length (40 or 64), or KW_E_PARSE. */
int kw_rdp_thumbprint_norm(const char *in, char *out, size_t cap);

#endif
