/* unattend.c — passwords in Windows answer files and GPP files (see unattend.h).
 *
 * XML goes through expat with namespace processing (names are compared by their local
 * part), a memory suite that counts every allocation against KW_UA_MAX_MEMORY and wipes
 * every block it frees (expat's buffers hold copies of the input, passwords included),
 * and the input fed in chunks of XML_CHUNK bytes, so a text node of any length streams
 * through. A DOCTYPE stops the parser from its start handler, before an internal subset
 * is read; parameter entities are never parsed, external entities never loaded (no
 * entity can be declared anyway). expat keeps its own tag stack in a loop, not by
 * recursion; ours is an array of KW_UA_MAX_DEPTH frames and one more element stops the
 * parse.
 *
 * A frame remembers its local name (cut at KW_UA_MAX_NAME), what its text is collected
 * for (its role), whether it opens an account scope (LocalAccount, AutoLogon,
 * Credentials), whether it is a <component> (element paths start below the nearest
 * one) and a <settings> pass. The account name is the scope's Name / Username child,
 * which may come after the password: each secret records its scope's frame (owner[]),
 * and the scope hands its name to them when it closes.
 *
 * One password element (local name ending in "Password", any case) is active at a time;
 * its first <Value>, its first <PlainText> and its own text are collected into fixed
 * buffers (text_add: leading blanks skipped, bytes past the cap only scanned for a
 * non-blank, so a long value is still "set"). When it closes its form is decided
 * (judge) and every buffer that held the value is wiped; base64 is decoded into a stack
 * buffer that is wiped too. Nothing of a value is ever copied into the result.
 *
 * INF: lines (UTF-8; UTF-16 by byte order mark, or by a NUL in the first two bytes)
 * converted one at a time into a KW_UA_MAX_LINE buffer, sections and keys compared
 * without case, ';' starts a comment outside double quotes. A section's
 * EncryptedAdminPassword and DomainAdmin apply when the section ends, whichever order
 * its keys come in.
 */
#include "windows/unattend.h"

#include "base/err.h"
#include "base/vec.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_CHUNK ((size_t)256 << 10)
#define NS_SEP '\n'
#define REMOVED_MARK "*SENSITIVE*DATA*DELETED*"
#define SMALL_TEXT 16

/* ---- names ---- */

static const char *const kind_names[KW_UA__KIND_COUNT] = {
	[KW_UA_ADMIN] = "administrator password",
	[KW_UA_LOCAL_ACCOUNT] = "local account password",
	[KW_UA_AUTOLOGON] = "autologon password",
	[KW_UA_DOMAIN_JOIN] = "domain join password",
	[KW_UA_OTHER] = "other password",
	[KW_UA_GPP] = "group policy preferences cpassword",
};

static const char *const form_names[KW_UA__FORM_COUNT] = {
	[KW_UA_EMPTY] = "empty",
	[KW_UA_PLAINTEXT] = "plain text",
	[KW_UA_ENCODED] = "base64 (PlainText=false)",
	[KW_UA_OPAQUE] = "encoded in an unknown form",
	[KW_UA_REMOVED] = "removed by setup",
};

const char *kw_ua_kind_name(kw_ua_kind k)
{
	return (unsigned)k < KW_UA__KIND_COUNT ? kind_names[k] : "unknown";
}

const char *kw_ua_form_name(kw_ua_form f)
{
	return (unsigned)f < KW_UA__FORM_COUNT ? form_names[f] : "unknown";
}

void kw_ua_result_release(kw_ua_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].element);
		free(r->v[i].account);
		free(r->v[i].pass);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* ---- bytes ---- */

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline char lc(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* s[0..n) equals w, ASCII case ignored */
static bool ieq(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++)
		if (lc(s[i]) != lc(w[i]))
			return false;
	return i == n && !w[i];
}

static bool iends(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && ieq(s + n - k, k, w);
}

static bool all_blank(const char *s)
{
	for (; *s; s++)
		if (!is_blank(*s))
			return false;
	return true;
}

/* The longest prefix of s[0..n) of at most max bytes that does not split a UTF-8
 * sequence (s[max] is read only when n > max; bytes that are no UTF-8 are cut at max). */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && max - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return ((unsigned char)s[k] & 0xC0) == 0x80 ? max : k;
}

static char *dup_cut(const char *s, size_t n, size_t max)
{
	n = utf8_cut(s, n, max);
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- collected text ---- */

typedef struct ua_text {
	char *buf;    /* cap bytes, not NUL-terminated (the owner's array) */
	size_t cap, len;
	bool dropped; /* a non-blank byte came after the cap */
} ua_text;

static void text_add(ua_text *t, const char *s, size_t n)
{
	if (t->len == 0)
		while (n && is_blank(*s))
			s++, n--;
	size_t room = t->cap - t->len, k = n < room ? n : room;
	if (k)
		memcpy(t->buf + t->len, s, k);
	t->len += k;
	for (size_t i = k; i < n && !t->dropped; i++)
		t->dropped = !is_blank(s[i]);
}

static void text_reset(ua_text *t)
{
	explicit_bzero(t->buf, t->len);
	t->len = 0;
	t->dropped = false;
}

/* length without trailing blanks (leading ones were never stored) */
static size_t text_trimmed(const ua_text *t)
{
	size_t n = t->len;
	while (n && is_blank(t->buf[n - 1]))
		n--;
	return n;
}

static bool text_is(const ua_text *t, const char *w)
{
	return !t->dropped && ieq(t->buf, text_trimmed(t), w);
}

/* ---- the PlainText=false encoding ---- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Standard base64, blanks anywhere ignored, '=' padding optional but only at the end.
 * false for anything else; out[0..*outlen) may be written either way. */
static bool b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t k = 0, chars = 0, pads = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_blank(s[i]))
			continue;
		if (s[i] == '=') {
			pads++;
			continue;
		}
		int v = b64_value(s[i]);
		if (v < 0 || pads)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		chars++;
		if (bits >= 8) {
			bits -= 8;
			if (k == cap)
				return false;
			out[k++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (chars % 4 == 1 || pads > 2 || (pads && (chars + pads) % 4 != 0))
		return false;
	*outlen = k;
	return true;
}

/* p[0..n) (n even) is UTF-16LE with no NUL and no lone surrogate */
static bool utf16le_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		unsigned u = p[i] | (unsigned)p[i + 1] << 8;
		if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
			return false;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= n)
				return false;
			unsigned l = p[i + 2] | (unsigned)p[i + 3] << 8;
			if (l < 0xDC00 || l > 0xDFFF)
				return false;
			i += 2;
		}
	}
	return true;
}

/* s[0..n): ENCODED (base64 of UTF-16LE(password + suffix)), EMPTY (of the suffix
 * alone) or OPAQUE. The decoded bytes never leave this function. */
static kw_ua_form judge_encoded(const char *s, size_t n, const char *suffix)
{
	uint8_t out[KW_UA_MAX_TEXT / 4 * 3 + 3];
	size_t m = 0, sl = strlen(suffix);
	kw_ua_form form = KW_UA_OPAQUE;
	if (b64_decode(s, n, out, sizeof out, &m) && m % 2 == 0 && sl && m >= 2 * sl) {
		bool tail = true;
		for (size_t i = 0; i < sl && tail; i++)
			tail = out[m - 2 * sl + 2 * i] == (uint8_t)suffix[i] &&
			       out[m - 2 * sl + 2 * i + 1] == 0;
		if (tail && utf16le_ok(out, m - 2 * sl))
			form = m == 2 * sl ? KW_UA_EMPTY : KW_UA_ENCODED;
	}
	explicit_bzero(out, sizeof out);
	return form;
}

static kw_ua_form judge(const ua_text *t, bool encoded, const char *suffix)
{
	size_t n = text_trimmed(t);
	if (!n && !t->dropped)
		return KW_UA_EMPTY;
	if (!t->dropped && n == sizeof REMOVED_MARK - 1 && !memcmp(t->buf, REMOVED_MARK, n))
		return KW_UA_REMOVED;
	if (!encoded)
		return KW_UA_PLAINTEXT;
	if (t->dropped)
		return KW_UA_OPAQUE;
	return judge_encoded(t->buf, n, suffix);
}

/* ---- result ---- */

/* A new zeroed secret in r, or NULL with *err 0 (the cap: truncated) or -ENOMEM. */
static kw_ua_secret *secret_push(kw_ua_result *r, int *err)
{
	*err = 0;
	if (r->n >= KW_UA_MAX_SECRETS) {
		r->truncated = true;
		return NULL;
	}
	kw_ua_secret *s = KW_VEC_PUSH(r->v, r->n, r->cap);
	if (!s)
		*err = -ENOMEM;
	return s;
}

/* ---- expat's memory: counted against KW_UA_MAX_MEMORY, wiped when freed ---- */

typedef union mem_hdr {
	size_t size;
	max_align_t align;
} mem_hdr;

typedef struct ua_mem {
	size_t used;
	bool over; /* an allocation was refused for the budget */
} ua_mem;

/* The suite has no user pointer: the parse running on this thread. */
static _Thread_local ua_mem *tl_mem;

static void *mem_malloc(size_t n)
{
	ua_mem *m = tl_mem;
	if (n > KW_UA_MAX_MEMORY - m->used) {
		m->over = true;
		return NULL;
	}
	mem_hdr *h = malloc(sizeof *h + n);
	if (!h)
		return NULL;
	h->size = n;
	m->used += n;
	return h + 1;
}

static void mem_free(void *p)
{
	if (!p)
		return;
	mem_hdr *h = (mem_hdr *)p - 1;
	explicit_bzero(p, h->size);
	tl_mem->used -= h->size;
	free(h);
}

static void *mem_realloc(void *p, size_t n)
{
	if (!p)
		return mem_malloc(n);
	size_t old = ((mem_hdr *)p - 1)->size;
	void *q = mem_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	mem_free(p);
	return q;
}

static const XML_Memory_Handling_Suite mem_suite = { mem_malloc, mem_realloc, mem_free };

/* ---- XML ---- */

enum { ROLE_NONE, ROLE_PASSWORD, ROLE_VALUE, ROLE_PLAIN, ROLE_NAME, ROLE_ENABLED };
enum { SCOPE_NONE, SCOPE_LOCAL, SCOPE_AUTOLOGON, SCOPE_CREDS };

typedef struct ua_frame {
	char name[KW_UA_MAX_NAME + 1]; /* local name, cut */
	unsigned char role, scope;
	bool component;
	size_t first_secret;           /* r->n when it opened */
	char *account;                 /* scope: its Name / Username (owned) */
	char *pass;                    /* settings: its pass attribute (owned) */
} ua_frame;

typedef struct ua_xml {
	kw_ua_result *r;
	XML_Parser p;
	bool live;                /* inside XML_Parse: the parser may be stopped */
	int err;                  /* the first error (KW_E_PARSE, -ENOMEM); 0 while none */
	ua_mem mem;
	unsigned depth;
	ua_frame f[KW_UA_MAX_DEPTH];
	int16_t *owner;           /* per secret: the frame of its account scope, or -1 */
	size_t owner_cap;
	struct {
		bool active, has_value, plain_seen, plain_false;
		unsigned frame;       /* its frame */
		kw_ua_kind kind;
		unsigned line, value_line;
		int owner;
	} pw;
	ua_text value, direct, plain, name, enabled;
	char value_buf[KW_UA_MAX_TEXT], direct_buf[KW_UA_MAX_TEXT];
	char plain_buf[SMALL_TEXT], name_buf[KW_UA_MAX_NAME + 4], enabled_buf[SMALL_TEXT];
} ua_xml;

static unsigned cur_line(const ua_xml *x)
{
	if (!x->live)
		return 0;
	XML_Size l = XML_GetCurrentLineNumber(x->p);
	return l > UINT_MAX ? UINT_MAX : (unsigned)l;
}

/* Record the first error (fixed text of ours, never input bytes) and stop the parser. */
__attribute__((format(printf, 3, 4)))
static void xml_fail(ua_xml *x, int err, const char *fmt, ...)
{
	if (x->err)
		return;
	x->err = err;
	x->r->error_line = cur_line(x);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->r->error, sizeof x->r->error, fmt, ap);
	va_end(ap);
	if (x->live)
		XML_StopParser(x->p, XML_FALSE);
}

static const char *local_name(const XML_Char *n)
{
	const char *s = strrchr(n, NS_SEP);
	return s ? s + 1 : n;
}

/* "A/B/C" from below the nearest <component> ancestor of frame upto (or the root) to
 * it, then "@attr"; cut at KW_UA_MAX_PATH. */
static char *xml_path(const ua_xml *x, unsigned upto, const char *attr)
{
	char buf[KW_UA_MAX_PATH + 8];
	size_t n = 0, room = sizeof buf;
	unsigned start = 0;
	for (unsigned i = 0; i < upto; i++)
		if (x->f[i].component)
			start = i + 1;
	for (unsigned i = start; i <= upto + (attr ? 1u : 0u) && n < room; i++) {
		const char *s = i <= upto ? x->f[i].name : attr;
		if (i > start)
			buf[n++] = i <= upto ? '/' : '@';
		size_t k = strlen(s);
		if (k > room - n)
			k = room - n;
		memcpy(buf + n, s, k);
		n += k;
	}
	return dup_cut(buf, n, KW_UA_MAX_PATH);
}

static void xml_secret(ua_xml *x, kw_ua_kind kind, kw_ua_form form, unsigned line,
		       unsigned frame, const char *attr, int owner, const char *account)
{
	kw_ua_result *r = x->r;
	int err;
	if (r->n < KW_UA_MAX_SECRETS && KW_VEC_RESERVE(x->owner, r->n, x->owner_cap) < 0)
		goto nomem;
	kw_ua_secret *s = secret_push(r, &err);
	if (!s) {
		if (err)
			goto nomem;
		return;
	}
	x->owner[r->n - 1] = (int16_t)owner;
	s->kind = kind;
	s->form = form;
	s->line = line;
	s->element = xml_path(x, frame, attr);
	if (!s->element)
		goto nomem;
	for (unsigned i = frame + 1; i-- > 0;)
		if (x->f[i].pass) {
			if (!(s->pass = strdup(x->f[i].pass)))
				goto nomem;
			break;
		}
	if (account && !(s->account = dup_cut(account, strlen(account), KW_UA_MAX_NAME)))
		goto nomem;
	return;
nomem:
	xml_fail(x, -ENOMEM, "out of memory");
}

/* The password element closes (or the document ends inside it): judge and record. */
static void pw_finish(ua_xml *x)
{
	const ua_text *t = x->pw.has_value ? &x->value : &x->direct;
	kw_ua_form form = judge(t, x->pw.plain_false, x->f[x->pw.frame].name);
	text_reset(&x->value);
	text_reset(&x->direct);
	x->pw.active = false;
	xml_secret(x, x->pw.kind, form, x->pw.has_value ? x->pw.value_line : x->pw.line,
		   x->pw.frame, NULL, x->pw.owner, NULL);
}

/* A scope closes: its account name goes to its own secrets that have none. */
static void scope_finish(ua_xml *x, unsigned i)
{
	ua_frame *fr = &x->f[i];
	for (size_t k = fr->first_secret; fr->account && k < x->r->n; k++) {
		kw_ua_secret *s = &x->r->v[k];
		if (x->owner[k] != (int16_t)i || s->account)
			continue;
		if (!(s->account = strdup(fr->account))) {
			xml_fail(x, -ENOMEM, "out of memory");
			break;
		}
	}
	free(fr->account);
	fr->account = NULL;
}

static bool is_gpp_root(const char *n)
{
	static const char *const roots[] = { "Groups", "NTServices", "Services", "ScheduledTasks",
					     "DataSources", "Drives", "Printers" };
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (!strcmp(n, roots[i]))
			return true;
	return false;
}

/* GPP: the account an element's attributes name (userName first). */
static const char *gpp_account(const XML_Char **atts)
{
	static const char *const keys[] = { "userName", "accountName", "runAs", "newName" };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		for (size_t i = 0; atts[i]; i += 2) {
			const char *a = local_name(atts[i]);
			if (ieq(a, strlen(a), keys[k]) && !all_blank(atts[i + 1]))
				return atts[i + 1];
		}
	return NULL;
}

static void start_password(ua_xml *x, unsigned i, const char *ln)
{
	const ua_frame *parent = i ? &x->f[i - 1] : NULL;
	kw_ua_kind kind = KW_UA_OTHER;
	if (!strcmp(ln, "AdministratorPassword") || !strcmp(ln, "OfflineAdministratorPassword"))
		kind = KW_UA_ADMIN;
	else if (!strcmp(ln, "Password") && parent) {
		if (parent->scope == SCOPE_LOCAL)
			kind = KW_UA_LOCAL_ACCOUNT;
		else if (parent->scope == SCOPE_AUTOLOGON)
			kind = KW_UA_AUTOLOGON;
		else if (parent->scope == SCOPE_CREDS && i >= 2 &&
			 !strcmp(x->f[i - 2].name, "Identification"))
			kind = KW_UA_DOMAIN_JOIN;
	}
	x->pw.active = true;
	x->pw.has_value = x->pw.plain_seen = x->pw.plain_false = false;
	x->pw.frame = i;
	x->pw.kind = kind;
	x->pw.line = cur_line(x);
	x->pw.value_line = 0;
	x->pw.owner = parent && parent->scope ? (int)i - 1 : -1;
	text_reset(&x->value);
	text_reset(&x->direct);
	x->f[i].role = ROLE_PASSWORD;
}

static void XMLCALL on_start(void *ud, const XML_Char *qname, const XML_Char **atts)
{
	ua_xml *x = ud;
	if (x->err)
		return;
	if (x->depth >= KW_UA_MAX_DEPTH) {
		xml_fail(x, KW_E_PARSE, "elements nested deeper than %d", KW_UA_MAX_DEPTH);
		return;
	}
	const char *ln = local_name(qname);
	size_t lnn = strlen(ln);
	unsigned i = x->depth++;
	ua_frame *fr = &x->f[i], *parent = i ? &x->f[i - 1] : NULL;
	size_t k = utf8_cut(ln, lnn, KW_UA_MAX_NAME);
	memcpy(fr->name, ln, k);
	fr->name[k] = '\0';
	fr->role = ROLE_NONE;
	fr->scope = SCOPE_NONE;
	fr->component = false;
	fr->first_secret = x->r->n;
	fr->account = fr->pass = NULL;
	if (i == 0)
		x->r->format = is_gpp_root(ln) ? KW_UA_FMT_GPP : KW_UA_FMT_XML;

	if (x->pw.active) {
		/* inside a password element only its Value and PlainText children count */
		if (i - 1 == x->pw.frame) {
			if (!strcmp(ln, "Value") && !x->pw.has_value) {
				x->pw.has_value = true;
				x->pw.value_line = cur_line(x);
				fr->role = ROLE_VALUE;
			} else if (!strcmp(ln, "PlainText") && !x->pw.plain_seen) {
				x->pw.plain_seen = true;
				text_reset(&x->plain);
				fr->role = ROLE_PLAIN;
			}
		}
	} else if (iends(ln, lnn, "password")) {
		start_password(x, i, ln);
	} else if (parent && parent->scope && !parent->account && x->name.len == 0 &&
		   !strcmp(ln, parent->scope == SCOPE_LOCAL ? "Name" : "Username")) {
		fr->role = ROLE_NAME;
	} else if (parent && parent->scope == SCOPE_AUTOLOGON && !strcmp(ln, "Enabled")) {
		text_reset(&x->enabled);
		fr->role = ROLE_ENABLED;
	} else if (!strcmp(ln, "LocalAccount")) {
		fr->scope = SCOPE_LOCAL;
	} else if (!strcmp(ln, "AutoLogon")) {
		fr->scope = SCOPE_AUTOLOGON;
	} else if (!strcmp(ln, "Credentials")) {
		fr->scope = SCOPE_CREDS;
	} else if (!strcmp(ln, "component")) {
		fr->component = true;
	} else if (!strcmp(ln, "settings")) {
		for (size_t a = 0; atts[a]; a += 2)
			if (!strcmp(atts[a], "pass") && !fr->pass) {
				const char *v = atts[a + 1];
				if (!(fr->pass = dup_cut(v, strlen(v), KW_UA_MAX_NAME))) {
					xml_fail(x, -ENOMEM, "out of memory");
					return;
				}
			}
	}

	/* Group Policy Preferences: a cpassword attribute on any element */
	for (size_t a = 0; atts[a]; a += 2) {
		const char *an = local_name(atts[a]);
		if (ieq(an, strlen(an), "cpassword") && !all_blank(atts[a + 1])) {
			xml_secret(x, KW_UA_GPP, KW_UA_PLAINTEXT, cur_line(x), i, "cpassword", -1,
				   gpp_account(atts));
			break;
		}
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	ua_xml *x = ud;
	if (x->err || !x->depth || len <= 0)
		return;
	ua_text *t = NULL;
	switch (x->f[x->depth - 1].role) {
	case ROLE_PASSWORD: t = &x->direct; break;
	case ROLE_VALUE: t = &x->value; break;
	case ROLE_PLAIN: t = &x->plain; break;
	case ROLE_NAME: t = &x->name; break;
	case ROLE_ENABLED: t = &x->enabled; break;
	default: return;
	}
	text_add(t, s, (size_t)len);
}

static void XMLCALL on_end(void *ud, const XML_Char *qname)
{
	ua_xml *x = ud;
	(void)qname;
	if (x->err || !x->depth)
		return;
	unsigned i = --x->depth;
	ua_frame *fr = &x->f[i];
	switch (fr->role) {
	case ROLE_PLAIN:
		x->pw.plain_false = text_is(&x->plain, "false") || text_is(&x->plain, "0");
		text_reset(&x->plain);
		break;
	case ROLE_NAME: {
		ua_frame *parent = &x->f[i - 1];
		size_t n = text_trimmed(&x->name);
		if (n && !parent->account &&
		    !(parent->account = dup_cut(x->name.buf, n, KW_UA_MAX_NAME)))
			xml_fail(x, -ENOMEM, "out of memory");
		text_reset(&x->name);
		break;
	}
	case ROLE_ENABLED:
		if (text_is(&x->enabled, "true") || text_is(&x->enabled, "1"))
			x->r->autologon_enabled = true;
		text_reset(&x->enabled);
		break;
	case ROLE_PASSWORD:
		pw_finish(x);
		break;
	default:
		break;
	}
	if (fr->scope)
		scope_finish(x, i);
	free(fr->pass);
	fr->pass = NULL;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_fail(ud, KW_E_PARSE, "document type declarations are not accepted");
}

/* Unreachable without a DOCTYPE; refused all the same. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
				   const XML_Char *value, int value_length, const XML_Char *base,
				   const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_length, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	xml_fail(ud, KW_E_PARSE, "entity declarations are not accepted");
}

static int XMLCALL on_external_entity(XML_Parser p, const XML_Char *context,
				      const XML_Char *base, const XML_Char *sysid,
				      const XML_Char *pubid)
{
	(void)context, (void)base, (void)sysid, (void)pubid;
	xml_fail(XML_GetUserData(p), KW_E_PARSE, "external entities are not loaded");
	return XML_STATUS_ERROR;
}

/* An encoding expat does not know: read byte for byte as ISO-8859-1. */
static int XMLCALL on_unknown_encoding(void *ud, const XML_Char *name, XML_Encoding *info)
{
	(void)ud, (void)name;
	for (int i = 0; i < 256; i++)
		info->map[i] = i;
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

/* After the last chunk or an error: a password still open is recorded with what it
 * had, open scopes hand out their names, frames are freed. */
static void xml_close(ua_xml *x)
{
	if (x->pw.active && x->err != -ENOMEM)
		pw_finish(x);
	for (unsigned i = x->depth; i-- > 0;) {
		if (x->f[i].scope)
			scope_finish(x, i);
		free(x->f[i].pass);
		x->f[i].pass = NULL;
	}
	x->depth = 0;
	text_reset(&x->value);
	text_reset(&x->direct);
	free(x->owner);
	x->owner = NULL;
}

static void text_init(ua_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->dropped = false;
}

int kw_ua_parse_xml(const uint8_t *data, size_t len, kw_ua_result *out)
{
	memset(out, 0, sizeof *out);
	out->format = KW_UA_FMT_XML;
	ua_xml *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	x->r = out;
	text_init(&x->value, x->value_buf, sizeof x->value_buf);
	text_init(&x->direct, x->direct_buf, sizeof x->direct_buf);
	text_init(&x->plain, x->plain_buf, sizeof x->plain_buf);
	text_init(&x->name, x->name_buf, sizeof x->name_buf);
	text_init(&x->enabled, x->enabled_buf, sizeof x->enabled_buf);

	tl_mem = &x->mem;
	static const XML_Char sep[] = { NS_SEP, '\0' };
	XML_Parser p = XML_ParserCreate_MM(NULL, &mem_suite, sep);
	if (!p) {
		tl_mem = NULL;
		free(x);
		return -ENOMEM;
	}
	x->p = p;
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetEntityDeclHandler(p, on_entity_decl);
	XML_SetExternalEntityRefHandler(p, on_external_entity);
	XML_SetUnknownEncodingHandler(p, on_unknown_encoding, x);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);

	x->live = true;
	for (size_t off = 0;;) {
		size_t n = len - off < XML_CHUNK ? len - off : XML_CHUNK;
		bool final = off + n == len;
		if (XML_Parse(p, n ? (const char *)data + off : "", (int)n, final) != XML_STATUS_OK) {
			enum XML_Error e = XML_GetErrorCode(p);
			if (x->mem.over)
				xml_fail(x, KW_E_PARSE,
					 "a tag, comment or processing instruction over %zu MiB",
					 KW_UA_MAX_MEMORY >> 20);
			else if (e == XML_ERROR_NO_MEMORY)
				xml_fail(x, -ENOMEM, "out of memory");
			else
				xml_fail(x, KW_E_PARSE, "malformed XML: %s", XML_ErrorString(e));
			break;
		}
		off += n;
		if (final)
			break;
	}
	x->live = false;
	xml_close(x);
	XML_ParserFree(p);
	tl_mem = NULL;
	int err = x->err;
	if (err == -ENOMEM)
		out->error_line = 0;
	explicit_bzero(x, sizeof *x);
	free(x);
	return err;
}

/* ---- INF ---- */

enum { ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE };

/* The encoding by byte order mark (*off past it), or UTF-16 by a NUL in the first
 * two bytes. */
static int detect_encoding(const uint8_t *d, size_t len, size_t *off)
{
	*off = 0;
	if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
		*off = 3;
		return ENC_UTF8;
	}
	if (len >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
		*off = 2;
		return ENC_UTF16LE;
	}
	if (len >= 2 && d[0] == 0xFE && d[1] == 0xFF) {
		*off = 2;
		return ENC_UTF16BE;
	}
	if (len >= 2 && d[0] && !d[1])
		return ENC_UTF16LE;
	if (len >= 2 && !d[0] && d[1])
		return ENC_UTF16BE;
	return ENC_UTF8;
}

typedef struct ua_inf {
	kw_ua_result *r;
	int err;
	const uint8_t *p;
	size_t len, off;
	int enc;
	unsigned lineno;
	char line[KW_UA_MAX_LINE];
	size_t n;
	bool cut;                  /* the line was longer than KW_UA_MAX_LINE */
	bool dropped;              /* and a non-blank byte was left out */
	char section[KW_UA_MAX_NAME + 1];
	bool gui, ident, encrypted;
	char *domain_admin;
	size_t first;              /* r->n when the section began */
} ua_inf;

static void inf_put(ua_inf *c, const char *s, size_t k)
{
	if (!c->cut && k <= sizeof c->line - c->n) {
		memcpy(c->line + c->n, s, k);
		c->n += k;
		return;
	}
	c->cut = true;
	for (size_t i = 0; i < k && !c->dropped; i++)
		c->dropped = !is_blank(s[i]);
}

/* The next line into c->line (UTF-8, without "\r\n"); false at the end. */
static bool inf_next(ua_inf *c)
{
	if (c->off >= c->len)
		return false;
	c->n = 0;
	c->cut = c->dropped = false;
	c->lineno++;
	while (c->off < c->len) {
		if (c->enc == ENC_UTF8) {
			const uint8_t *b = c->p + c->off, *nl = memchr(b, '\n', c->len - c->off);
			size_t k = nl ? (size_t)(nl - b) : c->len - c->off;
			for (size_t i = 0; i < k; i++) {
				char ch = b[i] ? (char)b[i] : '?';
				inf_put(c, &ch, 1);
			}
			c->off += k + (nl ? 1 : 0);
			break;
		}
		if (c->len - c->off < 2) {
			c->off = c->len;
			break;
		}
		const uint8_t *b = c->p + c->off;
		uint32_t u = c->enc == ENC_UTF16LE ? (uint32_t)(b[0] | b[1] << 8) : (uint32_t)(b[0] << 8 | b[1]);
		c->off += 2;
		if (u == '\n')
			break;
		if (u >= 0xD800 && u <= 0xDBFF && c->len - c->off >= 2) {
			b = c->p + c->off;
			uint32_t l = c->enc == ENC_UTF16LE ? (uint32_t)(b[0] | b[1] << 8) : (uint32_t)(b[0] << 8 | b[1]);
			if (l >= 0xDC00 && l <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
				c->off += 2;
			} else {
				u = 0xFFFD;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = 0xFFFD;
		}
		char e[4];
		size_t k;
		if (u == 0) {
			e[0] = '?', k = 1;
		} else if (u < 0x80) {
			e[0] = (char)u, k = 1;
		} else if (u < 0x800) {
			e[0] = (char)(0xC0 | u >> 6), e[1] = (char)(0x80 | (u & 0x3F)), k = 2;
		} else if (u < 0x10000) {
			e[0] = (char)(0xE0 | u >> 12), e[1] = (char)(0x80 | (u >> 6 & 0x3F));
			e[2] = (char)(0x80 | (u & 0x3F)), k = 3;
		} else {
			e[0] = (char)(0xF0 | u >> 18), e[1] = (char)(0x80 | (u >> 12 & 0x3F));
			e[2] = (char)(0x80 | (u >> 6 & 0x3F)), e[3] = (char)(0x80 | (u & 0x3F)), k = 4;
		}
		inf_put(c, e, k);
	}
	if (!c->cut && c->n && c->line[c->n - 1] == '\r')
		c->n--;
	return true;
}

/* The section ends: EncryptedAdminPassword and DomainAdmin apply to its secrets. */
static void inf_section_end(ua_inf *c)
{
	for (size_t k = c->first; k < c->r->n; k++) {
		kw_ua_secret *s = &c->r->v[k];
		if (c->encrypted && s->kind == KW_UA_ADMIN && s->form == KW_UA_PLAINTEXT)
			s->form = KW_UA_OPAQUE;
		if (c->domain_admin && s->kind == KW_UA_DOMAIN_JOIN && !s->account &&
		    !(s->account = strdup(c->domain_admin))) {
			c->err = -ENOMEM;
			break;
		}
	}
	free(c->domain_admin);
	c->domain_admin = NULL;
	c->encrypted = false;
	c->first = c->r->n;
}

static void inf_secret(ua_inf *c, kw_ua_kind kind, kw_ua_form form, const char *key, size_t keylen)
{
	int err;
	kw_ua_secret *s = secret_push(c->r, &err);
	if (!s) {
		c->err = err;
		return;
	}
	s->kind = kind;
	s->form = form;
	s->line = c->lineno;
	char buf[KW_UA_MAX_PATH];
	const char *el = kind == KW_UA_ADMIN ? "[GuiUnattended] AdminPassword"
		       : kind == KW_UA_DOMAIN_JOIN ? "[Identification] DomainAdminPassword" : NULL;
	if (!el) {
		int k = (int)utf8_cut(key, keylen, KW_UA_MAX_NAME);
		snprintf(buf, sizeof buf, "[%s] %.*s", c->section, k, key);
		el = buf;
	}
	if (!(s->element = strdup(el)))
		c->err = -ENOMEM;
}

static void inf_line(ua_inf *c)
{
	const char *s = c->line;
	size_t n = c->n, i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == ';')
		return;
	if (s[i] == '[') {
		inf_section_end(c);
		size_t b = ++i;
		while (i < n && s[i] != ']')
			i++;
		size_t e = i;
		while (b < e && is_blank(s[b]))
			b++;
		while (e > b && is_blank(s[e - 1]))
			e--;
		size_t k = utf8_cut(s + b, e - b, KW_UA_MAX_NAME);
		memcpy(c->section, s + b, k);
		c->section[k] = '\0';
		c->gui = ieq(c->section, k, "GuiUnattended");
		c->ident = ieq(c->section, k, "Identification");
		return;
	}
	const char *eq = memchr(s + i, '=', n - i);
	if (!eq)
		return;
	size_t kb = i, ke = (size_t)(eq - s);
	while (ke > kb && is_blank(s[ke - 1]))
		ke--;
	if (ke == kb)
		return;
	const char *key = s + kb;
	size_t keylen = ke - kb;

	/* the value: up to a ';' outside quotes, blanks and one pair of quotes stripped */
	size_t vb = (size_t)(eq - s) + 1, ve = vb;
	bool quoted = false, comment = false;
	for (; ve < n; ve++) {
		if (s[ve] == '"')
			quoted = !quoted;
		else if (s[ve] == ';' && !quoted) {
			comment = true;
			break;
		}
	}
	while (vb < ve && is_blank(s[vb]))
		vb++;
	while (ve > vb && is_blank(s[ve - 1]))
		ve--;
	if (vb < ve && s[vb] == '"') {
		vb++;
		if (ve > vb && s[ve - 1] == '"')
			ve--;
		while (vb < ve && is_blank(s[vb]))
			vb++;
		while (ve > vb && is_blank(s[ve - 1]))
			ve--;
	}
	bool set = ve > vb || (c->cut && c->dropped && !comment);
	bool star = ve - vb == 1 && s[vb] == '*';
	const char *v = s + vb;
	size_t vn = ve - vb;

	if (c->gui && ieq(key, keylen, "AdminPassword")) {
		inf_secret(c, KW_UA_ADMIN, set && !star ? KW_UA_PLAINTEXT : KW_UA_EMPTY, key, keylen);
	} else if (ieq(key, keylen, "EncryptedAdminPassword")) {
		if (c->gui && (ieq(v, vn, "yes") || ieq(v, vn, "1")))
			c->encrypted = true;
	} else if (c->gui && ieq(key, keylen, "AutoLogon")) {
		if (ieq(v, vn, "yes") || ieq(v, vn, "1"))
			c->r->autologon_enabled = true;
	} else if (c->ident && ieq(key, keylen, "DomainAdminPassword")) {
		inf_secret(c, KW_UA_DOMAIN_JOIN, set ? KW_UA_PLAINTEXT : KW_UA_EMPTY, key, keylen);
	} else if (c->ident && ieq(key, keylen, "DomainAdmin")) {
		if (vn) {
			free(c->domain_admin);
			if (!(c->domain_admin = dup_cut(v, vn, KW_UA_MAX_NAME)))
				c->err = -ENOMEM;
		}
	} else if (iends(key, keylen, "password")) {
		inf_secret(c, KW_UA_OTHER, set ? KW_UA_PLAINTEXT : KW_UA_EMPTY, key, keylen);
	}
}

int kw_ua_parse_inf(const uint8_t *data, size_t len, kw_ua_result *out)
{
	memset(out, 0, sizeof *out);
	out->format = KW_UA_FMT_INF;
	ua_inf *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->r = out;
	c->p = data;
	c->len = len;
	c->enc = detect_encoding(data, len, &c->off);
	while (!c->err && inf_next(c)) {
		inf_line(c);
		explicit_bzero(c->line, c->n);
	}
	if (!c->err)
		inf_section_end(c);
	free(c->domain_admin);
	int err = c->err;
	explicit_bzero(c, sizeof *c);
	free(c);
	return err;
}

/* ---- either ---- */

int kw_ua_parse(const uint8_t *data, size_t len, kw_ua_result *out)
{
	size_t off;
	int enc = detect_encoding(data, len, &off);
	size_t step = enc == ENC_UTF8 ? 1 : 2;
	for (; off + step <= len; off += step) {
		unsigned ch = enc == ENC_UTF8 ? data[off]
			    : enc == ENC_UTF16LE ? (unsigned)(data[off] | data[off + 1] << 8)
						 : (unsigned)(data[off] << 8 | data[off + 1]);
		if (ch == '<')
			return kw_ua_parse_xml(data, len, out);
		if (ch > 0x7F || !is_blank((char)ch))
			break;
	}
	return kw_ua_parse_inf(data, len, out);
}
