/* msgs.c — the sshd message shapes the guard recognises: one table row per event kind,
 * in the order of guard/kinds.def, each with the fixed text its messages start with and
 * the function that takes the rest apart.
 *
 * Every format string below is OpenSSH's own (auth.c, auth2*.c, auth-pam.c, packet.c,
 * kex.c, sshd.c, srclimit.c; versions 7.x to 10.x), or Linux-PAM's pam_unix for its line.
 *
 * Hostile fields. User names, methods a client names, client banners, disconnect texts,
 * algorithm offers, certificate key ids and hostbased client names reach the log from the
 * network. sshd escapes non-printables (log.c strnvis: a newline becomes "\n" or "\012")
 * but leaves spaces, quotes and everything printable, so a user name can read
 * "x from 203.0.113.7 port 22 ssh2" or end in "[preauth]". Each shape therefore takes the
 * address from where sshd itself writes it:
 *   - hostile text BEFORE the address ("Invalid user U from H port P", "Failed M for U
 *     from H port P ssh2", "Connection closed by invalid user U H port P"): the message is
 *     matched from its END, whose shape sshd fixes (" port P", " ssh2", a reason from a
 *     fixed list); the address is the last token before that, and " from " must precede it;
 *   - hostile text AFTER the address ("Received disconnect from H port P:11: TEXT",
 *     "Unable to negotiate with H port P: ... Their offer: TEXT", "banner exchange:
 *     Connection from H port P: ..."): the address is the token right after the fixed
 *     prefix, and the hostile rest is never searched;
 *   - hostile text on both sides (Failed/Accepted publickey and hostbased, whose auth info
 *     after "ssh2: " holds a certificate key id or the client's user and host names):
 *     every place where " port P ssh2" could end the sshd-written part is tried, each must
 *     have an address before it and auth info of the method's grammar after it, and the
 *     line counts only when exactly one place fits. An injected "from V port 1 ssh2" can
 *     make such a line ambiguous (then it is not counted), never make V win.
 * sshd's syslog() call cuts a message at 500 bytes (log.c, "%.500s"): a message that long
 * may have lost its sshd-written end, and its visible end may then be the attacker's
 * text. Shapes matched from the end refuse such messages.
 *
 * No regex, no sscanf, no allocation: fixed prefixes with memcmp, scans with memchr.
 */
#include "guard/line.h"

#include <pthread.h>
#include <string.h>

#define SSHD_LOG_MAX 500 /* log.c: syslog(pri, "%.500s", ...) */

/* ---- views: a kw_buf with off 0 used as (p, len) ---- */

static inline kw_buf sp(const uint8_t *p, size_t n) { return kw_buf_view(p, n); }
static inline kw_buf sp_from(kw_buf s, size_t i) { return sp(s.p + i, s.len - i); }
static inline kw_buf sp_head(kw_buf s, size_t n) { return sp(s.p, n); }

static inline bool starts_n(kw_buf s, const char *lit, size_t n)
{
	return s.len >= n && kw_mem_eq(s.p, lit, n);
}
static inline bool ends_n(kw_buf s, const char *lit, size_t n)
{
	return s.len >= n && kw_mem_eq(s.p + s.len - n, lit, n);
}
#define STARTS(s, lit) starts_n((s), (lit), sizeof(lit) - 1)
#define ENDS(s, lit) ends_n((s), (lit), sizeof(lit) - 1)

/* Drop a literal prefix/suffix if present. */
static inline bool chop_head_n(kw_buf *s, const char *lit, size_t n)
{
	if (!starts_n(*s, lit, n))
		return false;
	*s = sp_from(*s, n);
	return true;
}
static inline bool chop_tail_n(kw_buf *s, const char *lit, size_t n)
{
	if (!ends_n(*s, lit, n))
		return false;
	s->len -= n;
	return true;
}
#define CHOP_HEAD(s, lit) chop_head_n((s), (lit), sizeof(lit) - 1)
#define CHOP_TAIL(s, lit) chop_tail_n((s), (lit), sizeof(lit) - 1)

static const uint8_t *find(kw_buf s, const char *lit, size_t n)
{
	return n <= s.len ? memmem(s.p, s.len, lit, n) : NULL;
}
#define FIND(s, lit) find((s), (lit), sizeof(lit) - 1)

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* A decimal as sshd prints %d / %u: 1..max_digits digits. */
static bool parse_uint(kw_buf s, size_t max_digits, uint64_t max, uint64_t *out)
{
	if (s.len == 0 || s.len > max_digits)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (!is_digit(s.p[i]))
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_port(kw_buf s, uint16_t *port)
{
	uint64_t v;
	if (!parse_uint(s, 5, 65535, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Length of the run of decimal digits at the head of s. */
static size_t digits_len(kw_buf s)
{
	size_t e = 0;
	while (e < s.len && is_digit(s.p[e]))
		e++;
	return e;
}

/* The decimal port at the head of *s: sets *port and moves *s past it. */
static bool take_port(kw_buf *s, uint16_t *port)
{
	size_t e = digits_len(*s);
	if (!parse_port(sp_head(*s, e), port))
		return false;
	*s = sp_from(*s, e);
	return true;
}

/* s ends with " port N": drop it and set *port. */
static bool chop_port_tail(kw_buf *s, uint16_t *port)
{
	size_t d = 0;
	while (d < s->len && d < 6 && is_digit(s->p[s->len - 1 - d]))
		d++;
	if (d == 0 || d > 5 || s->len < d + 6)
		return false;
	kw_buf num = sp(s->p + s->len - d, d);
	kw_buf head = sp_head(*s, s->len - d);
	if (!ENDS(head, " port ") || !parse_port(num, port))
		return false;
	s->len = head.len - 6;
	return true;
}

/* Split off the last space-separated token: *tok = after the last ' ', *s = before it. */
static bool chop_last_token(kw_buf *s, kw_buf *tok)
{
	const uint8_t *sp_at = s->len ? memrchr(s->p, ' ', s->len) : NULL;
	if (!sp_at)
		return false;
	size_t i = (size_t)(sp_at - s->p);
	*tok = sp_from(*s, i + 1);
	s->len = i;
	return tok->len > 0;
}

/* The token at the start of s, up to the first ' ' (or the end). */
static kw_buf first_token(kw_buf s)
{
	const uint8_t *e = s.len ? memchr(s.p, ' ', s.len) : NULL;
	return sp_head(s, e ? (size_t)(e - s.p) : s.len);
}

static bool set_addr(kw_gevent *ev, kw_buf tok)
{
	return kw_addr_parse((const char *)tok.p, tok.len, &ev->addr) == 0;
}

/* A host name as a resolver hands it out (letters, digits, '-', '.', '_'). */
static bool is_hostname(kw_buf t)
{
	if (t.len == 0 || t.len > 253)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		uint8_t c = t.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* Where sshd writes a canonical host name (UseDNS, PAM's rhost): address, else name. */
static bool set_addr_or_host(kw_gevent *ev, kw_buf tok)
{
	if (set_addr(ev, tok))
		return true;
	memset(&ev->addr, 0, sizeof ev->addr);
	if (!is_hostname(tok))
		return false;
	ev->host = tok;
	return true;
}

static void set_user(kw_gevent *ev, kw_buf u)
{
	ev->user = u;
	ev->has_user = true;
}

/* The marker sshd writes before a user name that has no account: "invalid user " (auth.c),
 * "illegal user " (auth-pam.c, and auth.c before 4.2). Only the one a shape can carry is
 * taken off; the rest is the name as the client sent it. */
enum upfx { UP_NONE, UP_INVALID, UP_ILLEGAL, UP_EITHER };

static void set_user_pfx(kw_gevent *ev, kw_buf u, enum upfx k)
{
	if (((k == UP_INVALID || k == UP_EITHER) && CHOP_HEAD(&u, "invalid user ")) ||
	    ((k == UP_ILLEGAL || k == UP_EITHER) && CHOP_HEAD(&u, "illegal user ")))
		ev->invalid_user = true;
	set_user(ev, u);
}

/* "U from H" at the end of s, H an address (or a name when names_ok). */
static bool user_from_host(kw_buf s, bool names_ok, enum upfx k, kw_gevent *ev)
{
	kw_buf h;
	if (!chop_last_token(&s, &h) || !CHOP_TAIL(&s, " from"))
		return false;
	if (!(names_ok ? set_addr_or_host(ev, h) : set_addr(ev, h)))
		return false;
	set_user_pfx(ev, s, k);
	return true;
}

/* packet.c sshpkt_fmt_connection_id: "[PREAMBLE ]H port P" with PREAMBLE one of
 * "invalid user U", "authenticating user U" (pre-auth) or "user U" (post-auth).
 * Versions before 7.3 wrote "H" alone (port_opt). */
static bool remote_id(kw_buf s, bool port_opt, kw_gevent *ev)
{
	if (!chop_port_tail(&s, &ev->port)) {
		if (!port_opt || !set_addr(ev, s))
			return false;
		return true;
	}
	kw_buf h;
	if (!chop_last_token(&s, &h))
		return set_addr(ev, s);
	if (!set_addr(ev, h))
		return false;
	/* s is what came before " H": the preamble */
	if (CHOP_HEAD(&s, "invalid user "))
		ev->invalid_user = true;
	else if (!CHOP_HEAD(&s, "authenticating user ") && !CHOP_HEAD(&s, "user "))
		return false;
	set_user(ev, s);
	return true;
}

/* ---- the shapes ---- */

struct mctx {
	bool cut; /* the message may have been cut at SSHD_LOG_MAX: refuse end matches */
};

/* auth.c auth_log: "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s"
 *   Failed|Accepted METHOD[/SUBMETHOD] for [invalid user ]U from H port P ssh2[: INFO]
 * METHOD is the client's string on a failure (any text, even with spaces), one of
 * sshd's names on success. INFO only follows key methods (key type and fingerprint, a
 * certificate's "ID key-id (serial N) CA type fp", hostbased's client user/host in
 * quotes, ", signature count = N") and GSSAPI (the principal). */
enum info_kind { INFO_NONE, INFO_KEY, INFO_ANY };

static const struct method_name {
	const char *name;
	uint8_t len;
	enum kw_gkind failed;
	enum info_kind info;
} methods[] = {
	{ "password", 8, KW_GK_FAILED_PASSWORD, INFO_NONE },
	{ "publickey", 9, KW_GK_FAILED_PUBLICKEY, INFO_KEY },
	{ "keyboard-interactive", 20, KW_GK_FAILED_KBDINT, INFO_NONE },
	{ "none", 4, KW_GK_FAILED_NONE, INFO_NONE },
	{ "hostbased", 9, KW_GK_FAILED_OTHER, INFO_KEY },
	{ "gssapi-with-mic", 15, KW_GK_FAILED_OTHER, INFO_ANY },
	{ "gssapi-keyex", 12, KW_GK_FAILED_OTHER, INFO_ANY },
	{ "challenge-response", 18, KW_GK_FAILED_KBDINT, INFO_NONE },
};

static bool key_type_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
	       c == '@' || c == '.' || c == '_';
}

static bool fp_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
	       c == '/' || c == '=' || c == ':';
}

/* sshkey_type(): "RSA", "ED25519-CERT", "ECDSA-SK" ... */
static size_t key_type_len(kw_buf s)
{
	size_t i = 0;
	while (i < s.len && i <= 64 && key_type_char(s.p[i]))
		i++;
	return i <= 64 ? i : 0;
}

/* sshkey_fingerprint(): "SHA256:base64", "MD5:hex:..." or "(null)" */
static size_t fp_len(kw_buf s)
{
	if (STARTS(s, "(null)"))
		return 6;
	size_t i = 0;
	while (i < s.len && fp_char(s.p[i]))
		i++;
	return i && memchr(s.p, ':', i) ? i : 0;
}

/* Drop ", signature count = N" (auth2-pubkey.c, security keys) from the end of s. */
static void chop_sig_count(kw_buf *s)
{
	kw_buf t = *s;
	size_t d = 0;
	while (d < t.len && d < 11 && is_digit(t.p[t.len - 1 - d]))
		d++;
	if (d == 0 || d > 10)
		return;
	t.len -= d;
	if (CHOP_TAIL(&t, ", signature count = "))
		*s = t;
}

/* Drop a certificate's " (serial N) CA TYPE FP" from the end of s. */
static bool chop_cert_tail(kw_buf *s)
{
	kw_buf t = *s, fp, ty;
	if (!chop_last_token(&t, &fp) || fp_len(fp) != fp.len || !chop_last_token(&t, &ty) ||
	    key_type_len(ty) != ty.len || !CHOP_TAIL(&t, ") CA"))
		return false;
	size_t d = 0;
	while (d < t.len && d < 21 && is_digit(t.p[t.len - 1 - d]))
		d++;
	if (d == 0 || d > 20)
		return false;
	t.len -= d;
	if (!CHOP_TAIL(&t, " (serial "))
		return false;
	*s = t;
	return true;
}

/* auth.c format_method_key + auth2_record_info, after "ssh2: ":
 *   TYPE FP[, signature count = N]
 *   TYPE FP ID KEYID (serial N) CA TYPE FP[, signature count = N]
 *   TYPE FP[ ID KEYID (serial N) CA TYPE FP], client user "U", client host "H" (hostbased)
 * KEYID, U and H are the client's. Everything but them is checked from both ends, so a
 * user name that fakes "ssh2: TYPE FP" cannot pass for the start of real auth info unless
 * the real info itself holds client text (certificates, hostbased). */
static bool key_info_ok(kw_buf s)
{
	size_t t = key_type_len(s);
	if (t == 0 || t >= s.len || s.p[t] != ' ')
		return false;
	s = sp_from(s, t + 1);
	size_t f = fp_len(s);
	if (f == 0)
		return false;
	s = sp_from(s, f);
	if (STARTS(s, ", client user \"")) /* hostbased */
		return ENDS(s, "\"") && FIND(s, "\", client host \"");
	chop_sig_count(&s);
	if (s.len == 0)
		return true;
	if (!CHOP_HEAD(&s, " ID "))
		return false;
	if (ENDS(s, "\"")) /* hostbased with a certificate */
		return FIND(s, " (serial ") && FIND(s, ") CA ") && FIND(s, ", client user \"");
	return chop_cert_tail(&s);
}

static bool info_ok(enum info_kind k, kw_buf info)
{
	switch (k) {
	case INFO_KEY:
		return key_info_ok(info);
	case INFO_ANY:
		return info.len > 0;
	case INFO_NONE:
		break;
	}
	return false;
}

/* body = "[invalid user ]U from H port P ssh2[: INFO]" */
static bool auth_body(kw_buf body, enum info_kind ik, kw_gevent *ev)
{
	if (ik == INFO_NONE) {
		/* no auth info: sshd's own text ends the message */
		kw_buf s = body;
		return CHOP_TAIL(&s, " ssh2") && chop_port_tail(&s, &ev->port) &&
		       user_from_host(s, false, UP_EITHER, ev);
	}
	/* auth info may follow: try every " port P ssh2" and demand exactly one fit */
	int fits = 0;
	kw_gevent best = *ev, trial;
	size_t at = 0;
	for (;;) {
		const uint8_t *q = find(sp_from(body, at), " port ", 6);
		if (!q)
			break;
		size_t j = (size_t)(q - body.p);
		at = j + 1;
		size_t d = j + 6, e = d + digits_len(sp_from(body, d));
		kw_buf tail = sp_from(body, e);
		bool bare = tail.len == 5 && STARTS(tail, " ssh2");
		if (!bare && !STARTS(tail, " ssh2: "))
			continue;
		trial = *ev;
		if (!parse_port(sp(body.p + d, e - d), &trial.port) ||
		    !user_from_host(sp_head(body, j), false, UP_EITHER, &trial) ||
		    (!bare && !info_ok(ik, sp_from(tail, 7))))
			continue;
		if (++fits > 1)
			return false;
		best = trial;
	}
	if (fits != 1)
		return false;
	*ev = best;
	return true;
}

static int p_auth(kw_buf rest, bool accepted, const struct mctx *c, kw_gevent *ev)
{
	if (c->cut)
		return 0;
	const struct method_name *m = NULL;
	kw_buf body = { 0 };
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (!starts_n(rest, methods[i].name, methods[i].len))
			continue;
		kw_buf t = sp_from(rest, methods[i].len);
		size_t mlen = methods[i].len;
		if (methods[i].failed == KW_GK_FAILED_KBDINT && t.len && t.p[0] == '/') {
			/* keyboard-interactive/pam: one of sshd's devices */
			kw_buf dev = first_token(t);
			mlen += dev.len;
			t = sp_from(t, dev.len);
		}
		if (CHOP_HEAD(&t, " for ")) {
			m = &methods[i];
			ev->method = sp_head(rest, mlen);
			body = t;
			break;
		}
	}
	enum info_kind ik = m ? m->info : INFO_NONE;
	if (!m) {
		/* a method name sshd does not know: the client's text, up to the first " for " */
		const uint8_t *f = FIND(rest, " for ");
		if (!f)
			return 0;
		ev->method = sp_head(rest, (size_t)(f - rest.p));
		body = sp_from(rest, ev->method.len + 5);
	}
	if (!auth_body(body, ik, ev))
		return 0;
	ev->kind = accepted ? KW_GK_ACCEPTED : m ? m->failed : KW_GK_FAILED_OTHER;
	return 1;
}

static int p_failed(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf rest = sp(txt, txt_len);
	return p_auth(rest, false, c, ev);
}

static int p_accepted(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf rest = sp(txt, txt_len);
	return p_auth(rest, true, c, ev);
}

/* auth-pam.c: "PAM: %s for %s%.100s from %.100s" with pam_strerror's text; FreeBSD
 * adds " via LOCAL". H is PAM_RHOST: an address or, with UseDNS, a name. */
static int p_pam(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf rest = sp(txt, txt_len);
	static const char *const texts[] = {
		"Authentication failure for ",
		"authentication failure for ",
		"authentication error for ",
		"User not known to the underlying authentication module for ",
		"unknown user for ",
		"Have exhausted maximum number of retries for service for ",
		"maximum number of tries exceeded for ",
	};
	if (c->cut)
		return 0;
	bool ok = false;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0] && !ok; i++)
		ok = chop_head_n(&rest, texts[i], strlen(texts[i]));
	if (!ok)
		return 0;
	kw_buf s = rest, last = { 0 };
	kw_buf probe = s;
	if (chop_last_token(&probe, &last) && CHOP_TAIL(&probe, " via") && set_addr(ev, last)) {
		s = probe; /* "... from H via L": L is the local end */
		memset(&ev->addr, 0, sizeof ev->addr);
	}
	if (!user_from_host(s, true, UP_ILLEGAL, ev))
		return 0;
	ev->kind = KW_GK_PAM_FAILURE;
	return 1;
}

/* pam_unix (Linux-PAM support.c): "authentication failure; logname=%s uid=%d euid=%d
 * tty=%s ruser=%s rhost=%s %s%s" — the last pair is " user=" NAME when PAM knows the
 * user. The user comes last and is the client's text: rhost is read at its place. */
static int p_pam_unix(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	kw_buf t;
	uint64_t v;
	t = first_token(s); /* logname */
	s = sp_from(s, t.len);
	if (!CHOP_HEAD(&s, " uid="))
		return 0;
	t = first_token(s);
	if (!parse_uint(t, 10, UINT32_MAX, &v))
		return 0;
	s = sp_from(s, t.len);
	if (!CHOP_HEAD(&s, " euid="))
		return 0;
	t = first_token(s);
	if (!parse_uint(t, 10, UINT32_MAX, &v))
		return 0;
	s = sp_from(s, t.len);
	if (!CHOP_HEAD(&s, " tty="))
		return 0;
	s = sp_from(s, first_token(s).len);
	if (!CHOP_HEAD(&s, " ruser="))
		return 0;
	s = sp_from(s, first_token(s).len);
	if (!CHOP_HEAD(&s, " rhost="))
		return 0;
	kw_buf h = first_token(s);
	s = sp_from(s, h.len);
	if (!set_addr_or_host(ev, h))
		return 0;
	if (CHOP_HEAD(&s, "  user="))
		set_user(ev, s);
	else if (s.len > 1 || (s.len == 1 && s.p[0] != ' '))
		return 0;
	ev->kind = KW_GK_PAM_UNIX_FAILURE;
	return 1;
}

/* auth.c: "Invalid user %.100s from %.100s port %d"; before 7.x without the port,
 * before 4.2 "Illegal user". */
static int p_invalid(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (c->cut)
		return 0;
	(void)chop_port_tail(&s, &ev->port);
	if (!user_from_host(s, false, UP_NONE, ev))
		return 0;
	ev->invalid_user = true;
	ev->kind = KW_GK_INVALID_USER;
	return 1;
}

/* auth.c allowed_user: "User %.100s from %.100s not allowed because REASON" (H is the
 * canonical host name: a name with UseDNS) or, without a host, "User %.100s not allowed
 * because account is locked" / "... because shell %.100s does not exist|is not
 * executable". REASON is sshd's fixed text. */
static int p_not_allowed(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	static const char *const with_host[] = {
		" not allowed because listed in DenyUsers",
		" not allowed because not listed in AllowUsers",
		" not allowed because not in any group",
		" not allowed because a group is listed in DenyGroups",
		" not allowed because none of user's groups are listed in AllowGroups",
	};
	if (c->cut)
		return 0;
	for (size_t i = 0; i < sizeof with_host / sizeof with_host[0]; i++) {
		if (!chop_tail_n(&s, with_host[i], strlen(with_host[i])))
			continue;
		kw_buf h;
		if (!chop_last_token(&s, &h) || !CHOP_TAIL(&s, " from") || !set_addr_or_host(ev, h))
			return 0;
		set_user(ev, s);
		ev->kind = KW_GK_NOT_ALLOWED;
		return 1;
	}
	if (CHOP_TAIL(&s, " not allowed because account is locked")) {
		set_user(ev, s);
	} else if (CHOP_TAIL(&s, " does not exist") || CHOP_TAIL(&s, " is not executable")) {
		static const char mid[] = " not allowed because shell ";
		const uint8_t *q = NULL;
		for (size_t i = s.len; i >= sizeof mid - 1 && !q; i--)
			if (!memcmp(s.p + i - (sizeof mid - 1), mid, sizeof mid - 1))
				q = s.p + i - (sizeof mid - 1);
		if (!q)
			return 0;
		set_user(ev, sp_head(s, (size_t)(q - s.p)));
	} else {
		return 0;
	}
	ev->kind = KW_GK_NOT_ALLOWED;
	return 1;
}

/* All of s is "H" or "H port P" (old sshds wrote no port). */
static bool addr_opt_port(kw_buf s, kw_gevent *ev)
{
	kw_buf h = first_token(s);
	if (!set_addr(ev, h))
		return false;
	s = sp_from(s, h.len);
	return !s.len || (CHOP_HEAD(&s, " port ") && parse_port(s, &ev->port));
}

/* auth.c: "ROOT LOGIN REFUSED FROM %.200s port %d" (older: without the port). */
static int p_root_refused(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (!addr_opt_port(s, ev))
		return 0;
	ev->kind = KW_GK_ROOT_REFUSED;
	return 1;
}

/* auth.c auth_maxtries_exceeded: "maximum authentication attempts exceeded for
 * %s%.100s from %.200s port %d ssh2" */
static int p_max_auth(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (c->cut || !CHOP_TAIL(&s, " ssh2") || !chop_port_tail(&s, &ev->port) ||
	    !user_from_host(s, false, UP_INVALID, ev))
		return 0;
	ev->kind = KW_GK_MAX_AUTH;
	return 1;
}

/* packet.c ssh_packet_disconnect: "Disconnecting %s: %.100s" with the connection id
 * (7.3+), "Disconnecting: %.100s" before; the text is auth2.c's
 * "Too many authentication failures" (older: "... for %.100s"). */
static int p_too_many(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	static const char tmaf[] = "Too many authentication failures";
	if (CHOP_HEAD(&s, ": ")) {
		if (!CHOP_HEAD(&s, tmaf))
			return 0;
		if (s.len) {
			if (!CHOP_HEAD(&s, " for "))
				return 0;
			set_user(ev, s);
		}
		ev->kind = KW_GK_TOO_MANY_AUTH;
		return 1;
	}
	if (c->cut || !CHOP_HEAD(&s, " ") || !CHOP_TAIL(&s, ": Too many authentication failures") ||
	    !remote_id(s, false, ev))
		return 0;
	ev->kind = KW_GK_TOO_MANY_AUTH;
	return 1;
}

/* packet.c sshpkt_vfatal: "Connection closed by %s" / "Connection reset by %s" with the
 * connection id; " [preauth]" when the pre-auth child wrote it. */
static int p_closed(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (c->cut || !remote_id(s, true, ev))
		return 0;
	ev->kind = ev->preauth ? KW_GK_PREAUTH_CLOSE : KW_GK_CLOSE;
	return 1;
}

/* packet.c sshpkt_vfatal: "Disconnected from %s" (the client sent a disconnect). */
static int p_disconnected(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (c->cut || !remote_id(s, true, ev))
		return 0;
	ev->kind = ev->preauth ? KW_GK_PREAUTH_DISCONNECT : KW_GK_CLOSE;
	return 1;
}

/* packet.c: "Received disconnect from %s port %d:%u: %.400s" (7.3+); before,
 * "Received disconnect from %s: %u: %.400s". The text is the client's: never read. */
static int p_received_disconnect(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	kw_buf h = first_token(s);
	s = sp_from(s, h.len);
	if (CHOP_HEAD(&s, " port ")) {
		if (!take_port(&s, &ev->port) || !STARTS(s, ":"))
			return 0;
	} else if (h.len < 2 || h.p[h.len - 1] != ':' || !STARTS(s, " ")) {
		return 0;
	} else {
		h.len--;
	}
	if (!set_addr(ev, h))
		return 0;
	ev->kind = KW_GK_RECEIVED_DISCONNECT;
	return 1;
}

/* sshd.c (before 8.0): "Did not receive identification string from %s port %d"
 * (older: without the port). */
static int p_no_ident(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (!addr_opt_port(s, ev))
		return 0;
	ev->kind = KW_GK_NO_IDENT;
	return 1;
}

/* kex.c kex_exchange_identification (8.0+): "kex_exchange_identification: Connection
 * closed by remote host", "...: read: Connection reset by peer", "...: client sent
 * invalid protocol identifier \"%.256s\"", "...: banner line contains invalid
 * characters", "Protocol major versions differ: %d vs. %d". No address: the engine
 * takes it from the connection (pid). */
static int p_kex_ident(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (s.len == 0)
		return 0;
	ev->kind = KW_GK_KEX_IDENT;
	return 1;
}

/* "H port P" + `then` at the start of s (the shapes whose hostile text comes after the
 * address): sets addr and port. */
static bool lead_addr_port(kw_buf s, kw_gevent *ev, const char *then)
{
	kw_buf h = first_token(s);
	if (!set_addr(ev, h))
		return false;
	s = sp_from(s, h.len);
	return CHOP_HEAD(&s, " port ") && take_port(&s, &ev->port) && starts_n(s, then, strlen(then));
}

/* sshd.c: sshpkt_fatal(ssh, r, "banner exchange") -> "banner exchange: Connection from
 * %s port %d: %s" (ssh_err text: "invalid format", "could not read protocol version"). */
static int p_banner(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (!lead_addr_port(s, ev, ": "))
		return 0;
	ev->kind = KW_GK_BANNER_INVALID;
	return 1;
}

/* packet.c: "Unable to negotiate with %s: %s. Their offer: %s" — ssh_err's "no matching
 * ... found", then the client's offer. Key exchange runs before user authentication, so
 * the connection id is "H port P" and the address is read right after the prefix. */
static int p_no_match(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (!lead_addr_port(s, ev, ": no matching "))
		return 0;
	ev->kind = KW_GK_NO_MATCH;
	return 1;
}

/* sshd.c (before 8.0): "Bad protocol version identification '%.100s' from %s port %d";
 * kex.c (8.0+): "Bad remote protocol version identification: '%.100s'" (no address). */
static int p_bad_protocol(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (CHOP_HEAD(&s, "remote protocol version identification: '")) {
		ev->kind = KW_GK_BAD_PROTOCOL;
		return 1;
	}
	if (c->cut || !CHOP_HEAD(&s, "protocol version identification '"))
		return 0;
	(void)chop_port_tail(&s, &ev->port);
	kw_buf h;
	if (!chop_last_token(&s, &h) || !CHOP_TAIL(&s, "' from") || !set_addr(ev, h))
		return 0;
	ev->kind = KW_GK_BAD_PROTOCOL;
	return 1;
}

/* sshd.c: "Timeout before authentication for %s port %d" (up to 9.7, from the
 * grace alarm) and "Timeout before authentication for connection from %s to %s, pid =
 * %ld" (9.8+, the listener; 9.8p1 alone wrote the local address first). */
static int p_timeout(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	if (CHOP_HEAD(&s, "connection from ")) {
		kw_buf h = first_token(s);
		if (h.len && h.p[h.len - 1] == ',')
			h.len--;
		if (!set_addr(ev, h))
			return 0;
		s = sp_from(s, h.len);
		if (!CHOP_HEAD(&s, " to ") && !CHOP_HEAD(&s, ", pid = "))
			return 0;
		ev->kind = KW_GK_TIMEOUT;
		return 1;
	}
	kw_buf h = first_token(s);
	if (!set_addr(ev, h))
		return 0;
	s = sp_from(s, h.len);
	if (!CHOP_HEAD(&s, " port ") || !parse_port(s, &ev->port))
		return 0;
	ev->kind = KW_GK_TIMEOUT;
	return 1;
}

/* sshd.c drop_connection: "drop connection #%d from [%s]:%d on [%s]:%d %s" where the
 * last part is "past MaxStartups" (up to 9.7), "past Maxstartups" (9.8, 9.9),
 * "Maxstartups" (10.0+), or a PerSourcePenalties reason (srclimit.c, 9.8+:
 * "penalty: ...", "too many penalised addresses", "PerSourcePenalties"). */
static int p_drop(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	(void)c;
	size_t e = digits_len(s);
	if (e == 0)
		return 0;
	s = sp_from(s, e);
	if (!CHOP_HEAD(&s, " from ["))
		return 0;
	const uint8_t *rb = s.len ? memchr(s.p, ']', s.len) : NULL;
	if (!rb || !set_addr(ev, sp_head(s, (size_t)(rb - s.p))))
		return 0;
	s = sp_from(s, (size_t)(rb - s.p) + 1);
	if (!CHOP_HEAD(&s, ":") || !take_port(&s, &ev->port))
		return 0;
	if (!CHOP_HEAD(&s, " on ["))
		return 0;
	rb = s.len ? memchr(s.p, ']', s.len) : NULL;
	if (!rb)
		return 0;
	s = sp_from(s, (size_t)(rb - s.p) + 1);
	uint16_t lport;
	if (!CHOP_HEAD(&s, ":") || !take_port(&s, &lport))
		return 0;
	if (!CHOP_HEAD(&s, " "))
		return 0;
	if (ENDS(s, "MaxStartups") || ENDS(s, "Maxstartups"))
		ev->kind = KW_GK_MAXSTARTUPS;
	else if (STARTS(s, "penalty: ") || STARTS(s, "too many penalised addresses") ||
		 STARTS(s, "PerSourcePenalties"))
		ev->kind = KW_GK_PENALTY;
	else
		return 0;
	return 1;
}

/* packet.c sshpkt_vfatal default case via dispatch.c: "ssh_dispatch_run_fatal:
 * Connection from %s: %s" with ssh_err's "message authentication code incorrect" or
 * "Connection corrupted". */
static int p_mac(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev)
{
	kw_buf s = sp(txt, txt_len);
	if (c->cut)
		return 0;
	if (!CHOP_TAIL(&s, ": message authentication code incorrect") &&
	    !CHOP_TAIL(&s, ": Connection corrupted"))
		return 0;
	if (!remote_id(s, false, ev))
		return 0;
	ev->kind = KW_GK_MAC_ERROR;
	return 1;
}

/* ---- the table: one row per kind, in kinds.def order ---- */

/* The message after the row's prefix as a pointer and a length, not a kw_buf: a struct
 * passed by value through a function pointer goes by memory, and reading it back whole
 * right after it was stored field by field stalls on every line. */
typedef int (*shape_fn)(const uint8_t *txt, size_t txt_len, const struct mctx *c, kw_gevent *ev);

struct shape {
	enum kw_gkind kind;
	const char *prefix[2]; /* fixed text the message starts with; NULL = none */
	shape_fn parse;        /* takes the rest after the prefix; NULL = made by another row */
	bool pam_log;          /* written by a PAM module, not through sshd's log(): no
				  monitor suffix, no 500-byte cut; its end is the client's text */
};

#define SSHD_LOG false
#define PAM_LOG true

static const struct shape shapes[] = {
	{ KW_GK_FAILED_PASSWORD, { "Failed password for ", NULL }, NULL, SSHD_LOG },
	{ KW_GK_FAILED_KBDINT, { "Failed keyboard-interactive", NULL }, NULL, SSHD_LOG },
	{ KW_GK_FAILED_NONE, { "Failed none for ", NULL }, NULL, SSHD_LOG },
	{ KW_GK_FAILED_PUBLICKEY, { "Failed publickey for ", NULL }, NULL, SSHD_LOG },
	/* every Failed line: the method decides among the four kinds above and this one */
	{ KW_GK_FAILED_OTHER, { "Failed ", NULL }, p_failed, SSHD_LOG },
	{ KW_GK_PAM_FAILURE, { "PAM: ", NULL }, p_pam, SSHD_LOG },
	{ KW_GK_PAM_UNIX_FAILURE, { "pam_unix(sshd:auth): authentication failure; logname=", NULL },
	  p_pam_unix, PAM_LOG },
	{ KW_GK_INVALID_USER, { "Invalid user ", "Illegal user " }, p_invalid, SSHD_LOG },
	{ KW_GK_NOT_ALLOWED, { "User ", NULL }, p_not_allowed, SSHD_LOG },
	{ KW_GK_ROOT_REFUSED, { "ROOT LOGIN REFUSED FROM ", NULL }, p_root_refused, SSHD_LOG },
	{ KW_GK_MAX_AUTH, { "maximum authentication attempts exceeded for ", NULL }, p_max_auth,
	  SSHD_LOG },
	{ KW_GK_TOO_MANY_AUTH, { "Disconnecting", NULL }, p_too_many, SSHD_LOG },
	{ KW_GK_PREAUTH_CLOSE, { "Connection closed by ", "Connection reset by " }, p_closed, SSHD_LOG },
	{ KW_GK_PREAUTH_DISCONNECT, { "Disconnected from ", NULL }, p_disconnected, SSHD_LOG },
	{ KW_GK_RECEIVED_DISCONNECT, { "Received disconnect from ", NULL }, p_received_disconnect,
	  SSHD_LOG },
	/* closes without " [preauth]" come from the two rows above */
	{ KW_GK_CLOSE, { NULL, NULL }, NULL, SSHD_LOG },
	{ KW_GK_NO_IDENT, { "Did not receive identification string from ", NULL }, p_no_ident,
	  SSHD_LOG },
	{ KW_GK_KEX_IDENT, { "kex_exchange_identification: ", "Protocol major versions differ: " },
	  p_kex_ident, SSHD_LOG },
	{ KW_GK_BANNER_INVALID, { "banner exchange: Connection from ", NULL }, p_banner, SSHD_LOG },
	{ KW_GK_NO_MATCH, { "Unable to negotiate with ", NULL }, p_no_match, SSHD_LOG },
	{ KW_GK_BAD_PROTOCOL, { "Bad ", NULL }, p_bad_protocol, SSHD_LOG },
	{ KW_GK_TIMEOUT, { "Timeout before authentication for ", NULL }, p_timeout, SSHD_LOG },
	{ KW_GK_MAXSTARTUPS, { "drop connection #", NULL }, p_drop, SSHD_LOG },
	/* PerSourcePenalties drops come from the row above */
	{ KW_GK_PENALTY, { NULL, NULL }, NULL, SSHD_LOG },
	{ KW_GK_MAC_ERROR, { "ssh_dispatch_run_fatal: Connection from ", NULL }, p_mac, SSHD_LOG },
	{ KW_GK_ACCEPTED, { "Accepted ", NULL }, p_accepted, SSHD_LOG },
};

_Static_assert(sizeof shapes / sizeof shapes[0] == KW_GK_COUNT - 1,
	       "msgs.c needs one row per kind in kinds.def");

/* The rows to try for a message's first byte, built once from the table. */
struct first_index {
	uint8_t start[257];
	struct entry {
		const char *prefix;
		uint8_t len;
		uint8_t row;
	} e[2 * (KW_GK_COUNT - 1)];
};

static struct first_index idx;
static pthread_once_t idx_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	size_t n = 0;
	for (unsigned b = 0; b < 256; b++) {
		idx.start[b] = (uint8_t)n;
		for (size_t r = 0; r < sizeof shapes / sizeof shapes[0]; r++) {
			if (!shapes[r].parse)
				continue;
			for (int k = 0; k < 2; k++) {
				const char *pfx = shapes[r].prefix[k];
				if (pfx && (uint8_t)pfx[0] == b)
					idx.e[n++] = (struct entry){ pfx, (uint8_t)strlen(pfx), (uint8_t)r };
			}
		}
	}
	idx.start[256] = (uint8_t)n;
}

static int dispatch(kw_buf m, const struct mctx *c, kw_gevent *ev)
{
	if (m.len == 0)
		return 0;
	unsigned b = m.p[0];
	for (unsigned i = idx.start[b]; i < idx.start[b + 1]; i++) {
		const struct entry *e = &idx.e[i];
		if (!starts_n(m, e->prefix, e->len))
			continue;
		const struct shape *row = &shapes[e->row];
		kw_buf rest = sp_from(m, e->len);
		/* the monitor's suffix for what its pre-auth child logged (monitor.c) */
		if (!row->pam_log) {
			if (CHOP_TAIL(&rest, " [preauth]"))
				ev->preauth = true;
			else
				(void)CHOP_TAIL(&rest, " [postauth]");
		}
		return row->parse(rest.p, rest.len, c, ev);
	}
	return 0;
}

int kw_gparse_message(const uint8_t *msg, size_t n, kw_gevent *ev)
{
	kw_gevent_clear_msg(ev);
	if (!msg || n == 0)
		return 0;
	pthread_once(&idx_once, build_index);
	kw_buf m = sp(msg, n);
	/* rsyslog's repeated-message reduction: "message repeated N times: [ MSG]" */
	if (CHOP_HEAD(&m, "message repeated ")) {
		size_t e = digits_len(m);
		m = sp_from(m, e);
		if (e == 0 || !CHOP_HEAD(&m, " times: [ ") || !CHOP_TAIL(&m, "]"))
			return 0;
	}
	struct mctx c = { .cut = m.len >= SSHD_LOG_MAX };
	if (!CHOP_HEAD(&m, "error: "))
		(void)CHOP_HEAD(&m, "fatal: ");
	int r = dispatch(m, &c, ev);
	if (r != 1) {
		kw_gevent_clear_msg(ev);
		return 0;
	}
	return 1;
}
