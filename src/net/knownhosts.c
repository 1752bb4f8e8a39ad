/* knownhosts.c — known_hosts files as ssh(1) reads them: see knownhosts.h.
 *
 * The line rules follow OpenSSH 9.2's hostfile.c: leading blanks skipped, blank and '#'
 * lines ignored, markers by check_markers() (the marker ends at the first space of the
 * rest of the line, or the first tab if there is no space; one marker at most; only
 * "@cert-authority" and "@revoked"), the host field up to the next blank, then a key read
 * like sshkey_read() (collect/sshkey.h kw_pubkey_parse_line: type, base64 blob, the type
 * in the text must be the blob's). Plain host patterns go through the sshd engine's
 * match_pattern_list (sshd/match.h), which is the same code ssh uses.
 */
#include "net/knownhosts.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/file.h"
#include "base/vec.h"
#include "sshd/match.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_MAGIC "|1|"
#define MARKER_MAX 32 /* check_markers: char marker[32] */

void kw_kh_release(kw_known_hosts *kh)
{
	for (size_t i = 0; i < kh->n; i++)
		free(kh->v[i].hosts);
	free(kh->v);
	*kh = (kw_known_hosts){ 0 };
}

static bool is_blank(uint8_t c) { return c == ' ' || c == '\t'; }

static void skip_blanks(kw_buf *b)
{
	while (kw_buf_left(b) && is_blank(*kw_buf_cur(b)))
		b->off++;
}

/* check_markers(): 0 and *m, or -1 for a marker ssh refuses. */
static int read_marker(kw_buf *l, kw_kh_marker *m)
{
	*m = KW_KH_PLAIN;
	bool have = false;
	while (kw_buf_left(l) && *kw_buf_cur(l) == '@') {
		if (have)
			return -1; /* only one marker is allowed */
		const uint8_t *cp = kw_buf_cur(l);
		size_t left = kw_buf_left(l);
		const uint8_t *sp = memchr(cp, ' ', left);
		if (!sp)
			sp = memchr(cp, '\t', left);
		if (!sp || sp <= cp + 1 || sp >= cp + MARKER_MAX)
			return -1;
		size_t n = (size_t)(sp - cp);
		if (n == strlen("@cert-authority") && !memcmp(cp, "@cert-authority", n))
			*m = KW_KH_CA;
		else if (n == strlen("@revoked") && !memcmp(cp, "@revoked", n))
			*m = KW_KH_REVOKED;
		else
			return -1;
		have = true;
		l->off += n;
		skip_blanks(l);
	}
	return 0;
}

/* base64 text that decodes to exactly KW_KH_SALT_LEN bytes and is spelled as ssh spells
 * them (re-encoding gives the same text). 0, KW_E_PARSE, -ENOMEM. */
static int b64_20(const uint8_t *p, size_t n, uint8_t out[KW_KH_SALT_LEN])
{
	uint8_t *bin = NULL;
	size_t blen = 0;
	int r = kw_base64_decode((const char *)p, n, &bin, &blen);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || blen != KW_KH_SALT_LEN) {
		free(bin);
		return KW_E_PARSE;
	}
	memcpy(out, bin, KW_KH_SALT_LEN);
	free(bin);
	unsigned char enc[4 * ((KW_KH_SALT_LEN + 2) / 3) + 1];
	int el = EVP_EncodeBlock(enc, out, KW_KH_SALT_LEN);
	if (el < 0 || (size_t)el != n || memcmp(enc, p, n) != 0)
		return KW_E_PARSE;
	return 0;
}

/* "|1|salt|hash" -> e->salt, e->hash. 0, KW_E_PARSE (*why says why), -ENOMEM. */
static int read_hashed(const uint8_t *p, size_t n, kw_kh_entry *e, const char **why)
{
	size_t ml = strlen(HASH_MAGIC);
	if (n < ml || memcmp(p, HASH_MAGIC, ml) != 0) {
		*why = "hashed host name of an unknown kind (ssh knows only |1|)";
		return KW_E_PARSE;
	}
	p += ml;
	n -= ml;
	const uint8_t *bar = memchr(p, '|', n);
	if (!bar) {
		*why = "hashed host name without the '|' after its salt";
		return KW_E_PARSE;
	}
	size_t sl = (size_t)(bar - p);
	int r = sl ? b64_20(p, sl, e->salt) : KW_E_PARSE;
	if (r == 0)
		r = b64_20(bar + 1, n - sl - 1, e->hash);
	if (r == KW_E_PARSE)
		*why = "hashed host name whose salt or hash is not 20 bytes of base64 as ssh-keygen -H "
		       "writes them (ssh never matches it)";
	return r;
}

int kw_kh_parse(const char *name, const uint8_t *data, size_t len, kw_known_hosts *ret,
		kw_diags *d)
{
	*ret = (kw_known_hosts){ 0 };
	if (len > KW_KH_FILE_MAX)
		return KW_E_TOOBIG;
	kw_known_hosts kh = { 0 };
	kw_buf in = kw_buf_view(data, len), line;
	bool trunc = false;
	int r = 0;
	bool full = false;
	while (r == 0 && kw_buf_line(&in, &line, KW_KH_LINE_MAX, &trunc)) {
		unsigned ln = ++kh.lines;
		const char *why = NULL;
		if (trunc) {
			why = "line longer than 65536 bytes";
			goto bad;
		}
		if (kw_buf_has_nul(&line)) {
			why = "NUL byte in the line";
			goto bad;
		}
		skip_blanks(&line);
		if (!kw_buf_left(&line) || *kw_buf_cur(&line) == '#')
			continue;
		kw_kh_marker marker;
		if (read_marker(&line, &marker) < 0) {
			why = "invalid marker (only @cert-authority and @revoked, once, followed by a blank)";
			goto bad;
		}
		const uint8_t *hp = kw_buf_cur(&line);
		size_t hl = 0;
		while (hl < kw_buf_left(&line) && !is_blank(hp[hl]))
			hl++;
		line.off += hl;
		skip_blanks(&line);
		if (!kw_buf_left(&line) || *kw_buf_cur(&line) == '#') {
			why = "no key after the host names";
			goto bad;
		}
		if (full) {
			kh.skipped++;
			continue; /* the diagnostic was given once */
		}
		kw_pubkey key;
		memset(&key, 0, sizeof key);
		int kr = kw_pubkey_parse_line(line, &key, NULL);
		if (kr == -ENOMEM || kr == KW_E_CRYPTO) {
			r = kr;
			break;
		}
		if (kr < 0) {
			why = kr == KW_E_UNSUPPORTED ? "unknown key type"
			      : key.type_mismatch   ? "the key type written does not match the key"
						    : "malformed key";
			goto bad;
		}
		kw_kh_entry e = { .line = ln, .marker = marker };
		if (hl && hp[0] == '|') {
			e.hashed = true;
			int hr = read_hashed(hp, hl, &e, &why);
			if (hr == -ENOMEM) {
				r = hr;
				break;
			}
			if (hr < 0)
				goto bad;
		} else if (!(e.hosts = strndup((const char *)hp, hl))) {
			r = -ENOMEM;
			break;
		}
		memcpy(e.fp, key.fp, sizeof e.fp);
		memcpy(e.label, key.label, sizeof e.label);
		memcpy(e.type, key.type, sizeof e.type);
		e.bits = key.bits;
		kw_kh_entry *slot = KW_VEC_PUSH(kh.v, kh.n, kh.cap);
		if (!slot) {
			free(e.hosts);
			r = -ENOMEM;
			break;
		}
		*slot = e;
		if (kh.n == KW_KH_ENTRIES_MAX) {
			full = true;
			if (d && kw_diags_add(d, name, ln, KW_E_TOOBIG,
					      "more than %d keys: the lines after this one are ignored",
					      KW_KH_ENTRIES_MAX) < 0)
				r = -ENOMEM;
		}
		continue;
	bad:
		kh.skipped++;
		if (d && kw_diags_add(d, name, ln, KW_E_PARSE, "%s: ssh ignores this line", why) < 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		kw_kh_release(&kh);
		return r;
	}
	*ret = kh;
	return 0;
}

int kw_kh_load(const char *path, kw_known_hosts *ret, kw_diags *d)
{
	*ret = (kw_known_hosts){ 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = kw_file_read_capped(path, KW_KH_FILE_MAX, &text, &len, NULL);
	if (r < 0)
		return r;
	return kw_kh_parse(path, (const uint8_t *)text, len, ret, d);
}

int kw_kh_hostport(const char *host, uint16_t port, char *out, size_t cap)
{
	int n = port == 0 || port == 22 ? snprintf(out, cap, "%s", host)
					: snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
	return n < 0 || (size_t)n >= cap ? KW_E_TOOBIG : 0;
}

/* name lowercased into buf (ssh lowercases the host name it looks up) */
static const char *lower(const char *name, char *buf, size_t cap)
{
	size_t n = strlen(name);
	if (n >= cap)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	return buf;
}

static bool matches_lower(const kw_kh_entry *e, const char *name)
{
	if (!e->hashed)
		return kw_sshd_match_pattern_list(name, e->hosts, true) == 1;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!HMAC(EVP_sha1(), e->salt, KW_KH_SALT_LEN, (const unsigned char *)name, strlen(name), md,
		  &mdlen) ||
	    mdlen != KW_KH_SALT_LEN)
		return false;
	return memcmp(md, e->hash, KW_KH_SALT_LEN) == 0;
}

bool kw_kh_entry_matches(const kw_kh_entry *e, const char *name)
{
	char buf[KW_KH_NAME_MAX + 1];
	const char *l = lower(name, buf, sizeof buf);
	return l && matches_lower(e, l);
}

void kw_kh_match_release(kw_kh_match *m)
{
	free(m->keys);
	free(m->revoked);
	free(m->ca);
	*m = (kw_kh_match){ 0 };
}

/* Append fp to a list unless it is there. 0 or -ENOMEM. */
static int add_fp(const char ***v, size_t *n, size_t *cap, const char *fp)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], fp))
			return 0;
	if (kw_vec_reserve((void **)v, *n, cap, sizeof **v) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = fp;
	return 0;
}

int kw_kh_lookup(const kw_known_hosts *kh, const char *const *names, size_t n, uint16_t port,
		 kw_kh_match *m)
{
	*m = (kw_kh_match){ 0 };
	char (*look)[KW_KH_NAME_MAX + 1] = calloc(n ? n : 1, sizeof *look);
	if (!look)
		return -ENOMEM;
	size_t nl = 0;
	for (size_t i = 0; i < n; i++) {
		char hp[KW_KH_NAME_MAX + 1];
		if (names[i] && kw_kh_hostport(names[i], port, hp, sizeof hp) == 0 &&
		    lower(hp, look[nl], sizeof look[nl]))
			nl++;
	}
	size_t cap_k = 0, cap_r = 0, cap_c = 0;
	int r = 0;
	for (size_t i = 0; i < kh->n && r == 0; i++) {
		const kw_kh_entry *e = &kh->v[i];
		bool hit = false;
		for (size_t j = 0; j < nl && !hit; j++)
			hit = matches_lower(e, look[j]);
		if (!hit)
			continue;
		m->any = true;
		switch (e->marker) {
		case KW_KH_PLAIN:
			r = add_fp(&m->keys, &m->n_keys, &cap_k, e->fp);
			if (!m->keys_line)
				m->keys_line = e->line;
			break;
		case KW_KH_REVOKED:
			r = add_fp(&m->revoked, &m->n_revoked, &cap_r, e->fp);
			if (!m->revoked_line)
				m->revoked_line = e->line;
			break;
		case KW_KH_CA:
			r = add_fp(&m->ca, &m->n_ca, &cap_c, e->fp);
			if (!m->ca_line)
				m->ca_line = e->line;
			break;
		}
	}
	free(look);
	if (r < 0)
		kw_kh_match_release(m);
	return r;
}
