/* edit.c — the authorized_keys line editor of `keyward keys add | remove | rotate` (pure:
 * bytes in, bytes out) and the folder lock that serialises edits (the only I/O here).
 * See edit.h for the rules.
 *
 * A file is a list of lines {off, body, term}: body is what sshd's reader sees (a '\r'
 * before the '\n' is part of the end, as kw_buf_line strips it), term the bytes of the
 * end. An edit walks the lines once and writes each one either as it was (off .. off +
 * body + term, copied) or rebuilt: new body + the old line's own end. So nothing but the
 * lines an edit names can change, and CRLF files stay CRLF.
 */
#include "keys/edit.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"
#include "target/resolve.h"
#include "target/write.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the file, line by line ---- */

void kw_akfile_release(kw_akfile *f)
{
	if (!f)
		return;
	free(f->lines);
	kw_authkeys_release(&f->keys);
	kw_diags_release(&f->diags);
	*f = (kw_akfile){ 0 };
}

/* Lines exactly as kw_buf_line cuts them: one per '\n', a last one without it when bytes
 * remain; a '\r' right before the end belongs to the end. */
static int split_lines(const uint8_t *p, size_t len, kw_akline **ret, size_t *ret_n)
{
	kw_akline *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t off = 0; off < len;) {
		const uint8_t *nl = memchr(p + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - p) : len; /* end of the text before '\n' */
		kw_akline *l = KW_VEC_PUSH(v, n, cap);
		if (!l) {
			free(v);
			return -ENOMEM;
		}
		l->off = off;
		l->body = end - off;
		l->term = nl ? 1 : 0;
		if (l->body > 0 && p[end - 1] == '\r') {
			l->body--;
			l->term++;
		}
		off = nl ? end + 1 : len;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool blank(uint8_t c) { return c == ' ' || c == '\t'; }

/* Where the options field and the key start on a key line. */
static void find_layout(const uint8_t *data, kw_akline *l)
{
	const uint8_t *p = data + l->off;
	size_t i = 0;
	while (i < l->body && blank(p[i]))
		i++;
	l->lead = i;
	const char *o = l->key->options;
	if (o) {
		size_t ol = strlen(o);
		if (ol == 0 || i + ol > l->body || memcmp(p + i, o, ol) != 0)
			return; /* layout_ok stays false: such a line is never rewritten */
		l->opt_len = ol;
		i += ol;
		while (i < l->body && blank(p[i]))
			i++;
	}
	l->key_off = i;
	l->layout_ok = i < l->body;
}

int kw_akfile_parse(const char *name, const uint8_t *data, size_t len, kw_akfile *ret)
{
	kw_akfile f = { .data = data, .len = data ? len : 0 };
	int r = split_lines(f.data, f.len, &f.lines, &f.n);
	if (r == 0)
		r = kw_authkeys_parse(name, f.data, f.len, &f.keys, &f.diags);
	if (r < 0) {
		kw_akfile_release(&f);
		return r;
	}
	f.complete = !kw_diags_any_fatal(&f.diags);
	for (size_t i = 0; i < f.keys.n; i++) {
		unsigned ln = f.keys.v[i].line;
		if (ln == 0 || ln > f.n) {
			f.complete = false; /* cannot happen: the parser counts the same lines */
			continue;
		}
		f.lines[ln - 1].key = &f.keys.v[i];
		find_layout(f.data, &f.lines[ln - 1]);
	}
	*ret = f;
	return 0;
}

/* ---- key references ---- */

static int parse_md5(const char *s, kw_keyref *r)
{
	/* 16 pairs of hex digits separated by ':' */
	if (strlen(s) != 47)
		return KW_E_PARSE;
	char *o = r->fp_md5;
	memcpy(o, "MD5:", 4);
	o += 4;
	for (size_t i = 0; i < 47; i++) {
		char c = s[i];
		if (i % 3 == 2) {
			if (c != ':')
				return KW_E_PARSE;
		} else if (!isxdigit((unsigned char)c)) {
			return KW_E_PARSE;
		}
		*o++ = (char)tolower((unsigned char)c);
	}
	*o = '\0';
	return 0;
}

int kw_keyref_parse(const char *s, kw_keyref *ret)
{
	kw_keyref r = { 0 };
	if (!s)
		return KW_E_PARSE;
	if (!strncasecmp(s, "SHA256:", 7)) {
		const char *b = s + 7;
		size_t n = strlen(b);
		while (n > 0 && b[n - 1] == '=')
			n--;
		if (n != 43)
			return KW_E_PARSE;
		for (size_t i = 0; i < n; i++)
			if (!kw_base64_char(b[i]))
				return KW_E_PARSE;
		memcpy(r.fp, "SHA256:", 7);
		memcpy(r.fp + 7, b, n);
		r.fp[7 + n] = '\0';
	} else {
		int e = parse_md5(!strncasecmp(s, "MD5:", 4) ? s + 4 : s, &r);
		if (e < 0)
			return e;
	}
	*ret = r;
	return 0;
}

bool kw_keyref_matches(const kw_keyref *r, const kw_pubkey *k)
{
	return (r->fp[0] && !strcmp(r->fp, k->fp)) ||
	       (r->fp_md5[0] && k->fp_md5[0] && !strcmp(r->fp_md5, k->fp_md5));
}

/* ---- the new key ---- */

void kw_newkey_release(kw_newkey *k)
{
	if (!k)
		return;
	free(k->keytext);
	free(k->options);
	*k = (kw_newkey){ 0 };
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static bool is_cert_type(const char *type)
{
	static const char sfx[] = "-cert-v01@openssh.com";
	size_t n = strlen(type), m = sizeof sfx - 1;
	return n > m && !strcmp(type + n - m, sfx);
}

/* Is the key usable in a key line of its own: refusals with the reason. */
static int newkey_refusal(const kw_authkey *k, char *why, size_t whylen)
{
	if (k->key.type_mismatch) {
		kw_errf(why, whylen, "line %u: the type written (%s) is not the key's (%s): sshd "
			"would ignore the line", k->line, k->key.text_type, k->key.type);
		return KW_E_REFUSED;
	}
	if (!strcmp(k->key.label, "UNKNOWN")) {
		kw_errf(why, whylen, "line %u: key type %s is unknown to keyward", k->line, k->key.type);
		return KW_E_REFUSED;
	}
	if (is_cert_type(k->key.type)) {
		kw_errf(why, whylen, "line %u: a certificate (%s) opens no account from an "
			"authorized_keys line; authorize its CA instead: the CA's public key with "
			"--options cert-authority (or TrustedUserCAKeys in sshd_config)", k->line,
			k->key.type);
		return KW_E_REFUSED;
	}
	if (!k->opts.valid) {
		kw_errf(why, whylen, "line %u: sshd rejects the options: %s", k->line,
			k->opts.error ? k->opts.error : "invalid");
		return KW_E_REFUSED;
	}
	return 0;
}

static bool starts_with(const uint8_t *p, size_t n, const char *s)
{
	size_t m = strlen(s);
	return n >= m && memcmp(p, s, m) == 0;
}

/* The first bytes of the file after blank space. */
static const uint8_t *skip_space(const uint8_t *p, size_t *n)
{
	while (*n > 0 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
		p++;
		(*n)--;
	}
	return p;
}

int kw_newkey_parse(const uint8_t *data, size_t len, kw_newkey *ret, char *why, size_t whylen)
{
	*ret = (kw_newkey){ 0 };
	if (len > KW_NEWKEY_MAX) {
		kw_errf(why, whylen, "more than %zu bytes: not a public key file", KW_NEWKEY_MAX);
		return KW_E_TOOBIG;
	}
	kw_privkey_info pi;
	if (len && kw_privkey_classify(data, len, &pi) == 0) {
		kw_errf(why, whylen, "this is a PRIVATE key (%s): give its public half (the .pub "
			"file, or the output of ssh-keygen -y -f FILE)", kw_privkey_format_name(pi.format));
		return KW_E_REFUSED;
	}
	size_t rest = len;
	const uint8_t *start = skip_space(data, &rest);
	if (starts_with(start, rest, "---- BEGIN SSH2 PUBLIC KEY")) {
		kw_errf(why, whylen, "an RFC 4716 public key: convert it to one line with "
			"ssh-keygen -i -f FILE");
		return KW_E_REFUSED;
	}
	_cleanup_(kw_akfile_release) kw_akfile f = { 0 };
	int r = kw_akfile_parse("key", data, len, &f);
	if (r < 0)
		return r;
	if (f.diags.n > 0) {
		const kw_diag *d = &f.diags.v[0];
		kw_errf(why, whylen, "line %u: %s", d->line, d->msg ? d->msg : "not a key");
		/* a line the parser recorded anyway (bad options, wrong type) has its own words */
		for (size_t i = 0; i < f.keys.n; i++)
			if (f.keys.v[i].line == d->line && (r = newkey_refusal(&f.keys.v[i], why, whylen)) < 0)
				return r;
		return KW_E_PARSE;
	}
	if (f.keys.n != 1) {
		if (f.keys.n == 0)
			kw_errf(why, whylen, "no public key in it");
		else
			kw_errf(why, whylen, "%zu keys in it (lines %u and %u ...): give one key per "
				"run", f.keys.n, f.keys.v[0].line, f.keys.v[1].line);
		return KW_E_PARSE;
	}
	const kw_authkey *k = &f.keys.v[0];
	if ((r = newkey_refusal(k, why, whylen)) < 0)
		return r;
	const kw_akline *l = &f.lines[k->line - 1];
	if (!l->layout_ok) {
		kw_errf(why, whylen, "line %u: cannot find where the key starts", k->line);
		return KW_E_PARSE;
	}
	const char *text = (const char *)data + l->off + l->key_off;
	size_t tl = l->body - l->key_off;
	while (tl > 0 && blank((uint8_t)text[tl - 1]))
		tl--;
	if (has_control(text, tl) || (k->options && has_control(k->options, strlen(k->options)))) {
		kw_errf(why, whylen, "line %u: control characters in the key line (a comment "
			"with terminal escapes?): refused", k->line);
		return KW_E_REFUSED;
	}
	kw_newkey nk = { .key = k->key, .line = k->line };
	nk.keytext = strndup(text, tl);
	nk.options = k->options ? strdup(k->options) : NULL;
	if (!nk.keytext || (k->options && !nk.options)) {
		kw_newkey_release(&nk);
		return -ENOMEM;
	}
	*ret = nk;
	return 0;
}

int kw_keyedit_check_options(const char *opts, char *why, size_t whylen)
{
	size_t n = strlen(opts);
	if (n == 0)
		return 0;
	if (has_control(opts, n) || memchr(opts, '\t', n)) {
		kw_errf(why, whylen, "control characters or tabs in the options");
		return KW_E_REFUSED;
	}
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (opts[i] == '\\' && quoted && i + 1 < n && opts[i + 1] == '"') {
			i++;
			continue;
		}
		if (opts[i] == '"')
			quoted = !quoted;
		else if (opts[i] == ' ' && !quoted) {
			kw_errf(why, whylen, "a blank outside double quotes (after \"%.*s\") ends the "
				"options field: sshd would read the rest as the key. Write "
				"'from=\"10.0.0.0/8\",no-pty' without spaces", (int)(i > 40 ? 40 : i), opts);
			return KW_E_REFUSED;
		}
	}
	if (quoted) {
		kw_errf(why, whylen, "unterminated double quote in the options");
		return KW_E_REFUSED;
	}
	kw_authopts o;
	int r = kw_authopts_parse((const uint8_t *)opts, n, &o);
	if (r < 0)
		return r;
	bool ok = o.valid;
	if (!ok)
		kw_errf(why, whylen, "sshd rejects these options: %s", o.error ? o.error : "invalid");
	kw_authopts_release(&o);
	return ok ? 0 : KW_E_REFUSED;
}

/* ---- building the new file ---- */

void kw_keyedit_release(kw_keyedit *e)
{
	if (!e)
		return;
	free(e->data);
	free(e->fps);
	*e = (kw_keyedit){ 0 };
}

static int add_fp(kw_keyedit *e, const char *fp, size_t *cap)
{
	for (size_t i = 0; i < e->n_fps; i++)
		if (!strcmp(e->fps[i], fp))
			return 0;
	char (*slot)[KW_FP_LEN] = KW_VEC_PUSH(e->fps, e->n_fps, *cap);
	if (!slot)
		return -ENOMEM;
	memcpy(*slot, fp, KW_FP_LEN);
	return 0;
}

static int put_line(kw_sb *sb, const kw_akfile *f, const kw_akline *l)
{
	return kw_sb_put(sb, f->data + l->off, l->body + l->term);
}

static int put_end(kw_sb *sb, const kw_akfile *f, const kw_akline *l)
{
	return kw_sb_put(sb, f->data + l->off + l->body, l->term);
}

/* A key line's new body: the old line's leading blanks, options (NULL/"" none), the key
 * text. */
static int put_body(kw_sb *sb, const kw_akfile *f, const kw_akline *l, const char *opts,
		    const char *keytext, size_t keytext_len)
{
	int r = l ? kw_sb_put(sb, f->data + l->off, l->lead) : 0;
	if (r == 0 && opts && *opts)
		r = kw_sb_printf(sb, "%s ", opts);
	if (r == 0)
		r = kw_sb_put(sb, keytext, keytext_len);
	return r;
}

/* Parse one written line back: exactly the key fp, exactly the options opts (NULL/""
 * none), accepted by sshd. */
static int verify_line(const char *line, size_t n, const char *fp, const char *opts,
		       unsigned lineno, char *why, size_t whylen)
{
	kw_authkeys ak = { 0 };
	kw_diags d = { 0 };
	int r = kw_authkeys_parse("new", (const uint8_t *)line, n, &ak, &d);
	if (r < 0)
		goto out;
	bool want_opts = opts && *opts;
	if (d.n || ak.n != 1 || ak.v[0].line != 1 || strcmp(ak.v[0].key.fp, fp) != 0 ||
	    ak.v[0].sshd_ignores || want_opts != (ak.v[0].options != NULL) ||
	    (want_opts && strcmp(ak.v[0].options, opts) != 0)) {
		if (d.n)
			kw_errf(why, whylen, "line %u as it would be written: %s", lineno,
				d.v[0].msg ? d.v[0].msg : "not accepted");
		else
			kw_errf(why, whylen, "line %u as it would be written is not read back as the "
				"intended key and options", lineno);
		r = KW_E_REFUSED;
	}
out:
	kw_authkeys_release(&ak);
	kw_diags_release(&d);
	return r;
}

/* Append a rebuilt key line's body to sb, checking it. */
static int put_checked(kw_sb *sb, const kw_akfile *f, const kw_akline *l, const char *opts,
		       const char *keytext, size_t kl, const char *fp, unsigned lineno,
		       kw_keyedit *out)
{
	size_t start = sb->len;
	int r = put_body(sb, f, l, opts, keytext, kl);
	if (r < 0)
		return r;
	return verify_line(sb->s + start, sb->len - start, fp, opts, lineno, out->why, sizeof out->why);
}

static bool same_opts(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The line end this file uses: that of its last line that has one; "\n" if none. */
static const char *file_eol(const kw_akfile *f)
{
	for (size_t i = f->n; i-- > 0;)
		if (f->lines[i].term == 2)
			return "\r\n";
		else if (f->lines[i].term == 1 && f->data[f->lines[i].off + f->lines[i].body] == '\n')
			return "\n";
	return "\n";
}

static int finish(kw_sb *sb, kw_keyedit *out, int r)
{
	if (r == 0 && sb->overflow)
		r = KW_E_TOOBIG;
	if (r < 0) {
		kw_sb_release(sb);
		free(out->fps);
		out->fps = NULL;
		out->n_fps = 0;
		return r;
	}
	out->len = sb->len;
	out->data = (uint8_t *)kw_sb_detach(sb);
	return out->data ? 0 : -ENOMEM;
}

static int begin(const kw_akfile *f, kw_keyedit *out)
{
	*out = (kw_keyedit){ 0 };
	if (!f->complete) {
		kw_errf(out->why, sizeof out->why, "the file is larger than keyward edits (over "
			"100,000 keys or 1,000,000 lines)");
		return KW_E_PARSE;
	}
	return 0;
}

/* Copy the file with line `at` (index) replaced by a rebuilt body (opts + keytext). */
static int rewrite_one(const kw_akfile *f, size_t at, const char *opts, const char *keytext,
		       const char *fp, kw_keyedit *out)
{
	kw_sb sb;
	kw_sb_init(&sb);
	int r = 0;
	for (size_t i = 0; i < f->n && r == 0; i++) {
		const kw_akline *l = &f->lines[i];
		if (i != at) {
			r = put_line(&sb, f, l);
			continue;
		}
		r = put_checked(&sb, f, l, opts, keytext, strlen(keytext), fp, (unsigned)i + 1, out);
		if (r == 0)
			r = put_end(&sb, f, l);
	}
	return finish(&sb, out, r);
}

static int append_line(const kw_akfile *f, const kw_newkey *k, const char *opts, kw_keyedit *out)
{
	kw_sb sb;
	kw_sb_init(&sb);
	int r = f->len ? kw_sb_put(&sb, f->data, f->len) : 0;
	const char *eol = file_eol(f);
	const kw_akline *last = f->n ? &f->lines[f->n - 1] : NULL;
	if (r == 0 && last && last->term == 0)
		r = kw_sb_puts(&sb, eol); /* the old last line gets its end */
	else if (r == 0 && last && last->term == 1 && f->data[last->off + last->body] == '\r')
		r = kw_sb_puts(&sb, "\n"); /* a lone '\r' at the end: complete it */
	if (r == 0)
		r = put_checked(&sb, f, NULL, opts, k->keytext, strlen(k->keytext), k->key.fp,
				(unsigned)f->n + 1, out);
	if (r == 0)
		r = kw_sb_puts(&sb, eol);
	out->line = (unsigned)f->n + 1;
	out->added = 1;
	return finish(&sb, out, r);
}

int kw_keyedit_add(const kw_akfile *f, const kw_newkey *k, const char *options, kw_keyedit *out)
{
	int r = begin(f, out);
	if (r < 0)
		return r;
	const char *want = options ? options : k->options;
	bool want_set = want != NULL;
	size_t usable = SIZE_MAX, ignored = SIZE_MAX;
	for (size_t i = 0; i < f->n && usable == SIZE_MAX; i++) {
		const kw_akline *l = &f->lines[i];
		if (!l->key || strcmp(l->key->key.fp, k->key.fp) != 0)
			continue;
		if (!l->key->sshd_ignores)
			usable = i;
		else if (ignored == SIZE_MAX)
			ignored = i;
	}
	size_t cap = 0;
	if (usable != SIZE_MAX) {
		const kw_akline *l = &f->lines[usable];
		out->line = (unsigned)usable + 1;
		if (!want_set || same_opts(l->key->options, want))
			return 0; /* KW_KEYEDIT_NONE: already there */
		if (!l->layout_ok) {
			kw_errf(out->why, sizeof out->why, "line %u: cannot find its options field",
				out->line);
			return KW_E_PARSE;
		}
		/* the same key text and comment, the new options */
		const char *kt = (const char *)f->data + l->off + l->key_off;
		_cleanup_free_ char *keytext = strndup(kt, l->body - l->key_off);
		if (!keytext)
			return -ENOMEM;
		out->status = KW_KEYEDIT_OPTIONS;
		out->replaced = 1;
		if ((r = add_fp(out, k->key.fp, &cap)) < 0)
			return r;
		return rewrite_one(f, usable, want, keytext, k->key.fp, out);
	}
	if (ignored != SIZE_MAX) {
		out->status = KW_KEYEDIT_FIXED;
		out->line = (unsigned)ignored + 1;
		out->replaced = 1;
		if ((r = add_fp(out, k->key.fp, &cap)) < 0)
			return r;
		return rewrite_one(f, ignored, want, k->keytext, k->key.fp, out);
	}
	out->status = KW_KEYEDIT_ADDED;
	return append_line(f, k, want, out);
}

static int none_if_unchanged(kw_keyedit *out, int r);

static bool matches_any(const kw_akline *l, const kw_keyref *refs, size_t n)
{
	for (size_t i = 0; l->key && i < n; i++)
		if (kw_keyref_matches(&refs[i], &l->key->key))
			return true;
	return false;
}

int kw_keyedit_remove(const kw_akfile *f, const kw_keyref *refs, size_t n, kw_keyedit *out)
{
	int r = begin(f, out);
	if (r < 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	size_t cap = 0;
	for (size_t i = 0; i < f->n && r == 0; i++) {
		const kw_akline *l = &f->lines[i];
		if (!matches_any(l, refs, n)) {
			r = put_line(&sb, f, l);
			continue;
		}
		if (!out->removed)
			out->line = (unsigned)i + 1;
		out->removed++;
		r = add_fp(out, l->key->key.fp, &cap);
	}
	if (r == 0 && out->removed)
		out->status = KW_KEYEDIT_REMOVED;
	return none_if_unchanged(out, finish(&sb, out, r));
}

/* No change: no output either (as add reports a key already there). */
static int none_if_unchanged(kw_keyedit *out, int r)
{
	if (r == 0 && out->status == KW_KEYEDIT_NONE) {
		free(out->data);
		out->data = NULL;
		out->len = 0;
	}
	return r;
}

int kw_keyedit_rotate(const kw_akfile *f, const kw_keyref *old, const kw_newkey *k,
		      const char *options, kw_keyedit *out)
{
	int r = begin(f, out);
	if (r < 0)
		return r;
	if (kw_keyref_matches(old, &k->key)) {
		kw_errf(out->why, sizeof out->why, "the new key is the old key");
		return -EINVAL;
	}
	bool new_there = false;
	for (size_t i = 0; i < f->n && !new_there; i++)
		new_there = f->lines[i].key && !f->lines[i].key->sshd_ignores &&
			    !strcmp(f->lines[i].key->key.fp, k->key.fp);
	kw_sb sb;
	kw_sb_init(&sb);
	size_t cap = 0;
	size_t kl = strlen(k->keytext);
	for (size_t i = 0; i < f->n && r == 0; i++) {
		const kw_akline *l = &f->lines[i];
		if (!matches_any(l, old, 1)) {
			r = put_line(&sb, f, l);
			continue;
		}
		if (!out->removed && !out->replaced)
			out->line = (unsigned)i + 1;
		if ((r = add_fp(out, l->key->key.fp, &cap)) < 0)
			break;
		if (new_there) {
			out->removed++;
			continue;
		}
		if (!l->layout_ok) {
			kw_errf(out->why, sizeof out->why, "line %zu: cannot find its options field", i + 1);
			r = KW_E_PARSE;
			break;
		}
		const char *opts = options ? options : l->key->options;
		r = put_checked(&sb, f, l, opts, k->keytext, kl, k->key.fp, (unsigned)i + 1, out);
		if (r == KW_E_REFUSED && !options && l->key->options && !l->key->opts.valid)
			kw_errf(out->why, sizeof out->why, "line %zu: sshd rejects the old line's "
				"options (%s), which the new line would keep: pass --options", i + 1,
				l->key->opts.error ? l->key->opts.error : "invalid");
		if (r == 0)
			r = put_end(&sb, f, l);
		out->replaced++;
	}
	if (r == 0 && (out->removed || out->replaced))
		out->status = new_there ? KW_KEYEDIT_REMOVED : KW_KEYEDIT_ROTATED;
	return none_if_unchanged(out, finish(&sb, out, r));
}

/* ---- the edit lock ---- */

void kw_keylock_release(kw_keylock *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		close(l->fds[i]); /* closing the last descriptor drops the flock */
	free(l->fds);
	*l = (kw_keylock){ 0 };
}

typedef struct lock_dir {
	int fd;
	dev_t dev;
	ino_t ino;
} lock_dir;

/* The folder the writer would write `path` into, or, while that is missing, the nearest
 * existing ancestor: an fd on it (O_RDONLY|O_DIRECTORY). */
static int nearest_dir(int rootfd, const char *path, lock_dir *ret)
{
	char p[KW_PATH_MAX];
	size_t n = strlen(path);
	if (n < 2 || n >= sizeof p || path[0] != '/')
		return -EINVAL;
	memcpy(p, path, n + 1);
	for (;;) {
		int dfd = -1;
		const char *name;
		int r = kw_write_open_parent(rootfd, p, &dfd, &name);
		if (r == -ENOENT) {
			char *slash = strrchr(p, '/');
			if (slash == p)
				return r; /* the root itself is gone */
			*slash = '\0'; /* the parent is missing: look at its parent */
			continue;
		}
		if (r < 0)
			return r;
		struct stat st;
		if (fstat(dfd, &st) < 0) {
			r = -errno;
			close(dfd);
			return r;
		}
		*ret = (lock_dir){ dfd, st.st_dev, st.st_ino };
		return 0;
	}
}

static int cmp_dir(const void *a, const void *b)
{
	const lock_dir *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void close_dirs(lock_dir *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].fd >= 0)
			close(v[i].fd);
}

/* The folder of every path; *ret sorted and without duplicates. */
static int gather(int rootfd, const char *const *paths, size_t n, lock_dir *v, size_t *ret_n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int r = nearest_dir(rootfd, paths[i], &v[k]);
		if (r < 0) {
			close_dirs(v, k);
			return r == -EMFILE || r == -ENFILE ? -EMFILE : r;
		}
		k++;
	}
	qsort(v, k, sizeof *v, cmp_dir);
	size_t u = 0;
	for (size_t i = 0; i < k; i++) {
		if (u && !cmp_dir(&v[u - 1], &v[i])) {
			close(v[i].fd);
			continue;
		}
		v[u++] = v[i];
	}
	*ret_n = u;
	return 0;
}

static int lock_one(int fd, kw_keylock_wait_fn wait, void *ctx, const char *path, bool *waited)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	if (wait && !*waited)
		wait(ctx, path);
	*waited = true;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Do the folders of the paths, looked up again, still equal the locked set? */
static int still_same(int rootfd, const char *const *paths, size_t n, const lock_dir *held,
		      size_t nheld, lock_dir *scratch)
{
	size_t k = 0;
	int r = gather(rootfd, paths, n, scratch, &k);
	if (r < 0)
		return r;
	bool same = k == nheld;
	for (size_t i = 0; same && i < k; i++)
		same = !cmp_dir(&scratch[i], &held[i]);
	close_dirs(scratch, k);
	return same;
}

int kw_keylock_acquire(int rootfd, const char *const *paths, size_t n, kw_keylock_wait_fn wait,
		       void *ctx, kw_keylock *ret)
{
	*ret = (kw_keylock){ 0 };
	if (n == 0)
		return 0;
	_cleanup_free_ lock_dir *v = calloc(n, sizeof *v);
	_cleanup_free_ lock_dir *scratch = calloc(n, sizeof *scratch);
	if (!v || !scratch)
		return -ENOMEM;
	bool waited = false;
	for (int tries = 0; tries < 100; tries++) {
		size_t k = 0;
		int r = gather(rootfd, paths, n, v, &k);
		if (r < 0)
			return r;
		for (size_t i = 0; i < k && r == 0; i++)
			r = lock_one(v[i].fd, wait, ctx, paths[0], &waited);
		if (r == 0)
			r = still_same(rootfd, paths, n, v, k, scratch);
		if (r == 1) {
			int *fds = malloc(k * sizeof *fds);
			if (!fds) {
				close_dirs(v, k);
				return -ENOMEM;
			}
			for (size_t i = 0; i < k; i++)
				fds[i] = v[i].fd;
			*ret = (kw_keylock){ fds, k };
			return 0;
		}
		close_dirs(v, k); /* drops the locks taken */
		if (r < 0)
			return r;
	}
	return -EAGAIN;
}
