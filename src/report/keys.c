/* keys.c — the key inventory as text and JSON (see keys.h): the keys by role, what grants
 * access without a listable file, and (text: after the list; JSON: "accounts",
 * "fleet_key_id", "findings") the accounts and findings the caller computed. Every string
 * that came from the target goes through kw_escape. */
#include "report/keys.h"
#include "report/findings.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/buf.h"
#include "report/jsonw.h"
#include "report/out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ---- */

static const char *enc_text(const kw_privkey_info *p)
{
	if (!p)
		return "unreadable";
	return p->encrypted > 0 ? "encrypted" : p->encrypted == 0 ? "NOT encrypted" : "encryption unknown";
}

/* "alice's authorized key (/home/alice/.ssh/authorized_keys:1)" for the other holder of a
 * fingerprint; escaped */
static void other_holder(FILE *out, const kw_inventory *inv, const kw_invkey *k)
{
	if (k->same_fp_first < 0)
		return;
	const kw_invkey *o = &inv->keys[k->same_fp_first];
	_cleanup_free_ char *p = kw_escape_str(o->path);
	_cleanup_free_ char *a = o->account ? kw_escape_str(o->account) : NULL;
	fprintf(out, "\n      same key: %s%s%s key %s", a ? a : "", a ? "'s " : "", kw_keyrole_name(o->role),
		p ? p : "?");
	if (o->line)
		fprintf(out, ":%u", o->line);
	if (k->same_fp_count > 2)
		fprintf(out, " and %zu more", k->same_fp_count - 2);
}

static void key_cols(FILE *out, const kw_keys_meta *m, const kw_invkey *k)
{
	if (k->has_pub)
		fprintf(out, "%-10s %5u  %s", k->pub->label, k->pub->bits,
			m->md5 && k->pub->fp_md5[0] ? k->pub->fp_md5 : k->pub->fp);
	else
		fprintf(out, "%-10s %5s  %-50s", "?", "", "(public half not in the file)");
}

/* The findings after the list, critical first (the caller sorted them). */
static void findings_text(FILE *out, const kw_keys_meta *m)
{
	if (m->findings)
		kw_findings_text(out, m->findings, false);
	if (m->note) {
		_cleanup_free_ char *n = kw_escape_str(m->note);
		fprintf(out, m->findings ? "note: %s\n" : "\nnote: %s\n", n ? n : "?");
	}
}

int kw_keys_render_text(FILE *out, const kw_keys_meta *m, const kw_inventory *inv)
{
	_cleanup_free_ char *t = kw_escape_str(m->target ? m->target : "?");
	fprintf(out, "keys on %s: %zu authorized key%s open %zu account%s; %zu host key%s; %zu private key%s",
		t ? t : "?", inv->n_authorized, inv->n_authorized == 1 ? "" : "s", inv->n_accounts,
		inv->n_accounts == 1 ? "" : "s", inv->n_host, inv->n_host == 1 ? "" : "s", inv->n_private,
		inv->n_private == 1 ? "" : "s");
	if (inv->n_unread)
		fprintf(out, "; %zu key%s in files sshd does not read", inv->n_unread, inv->n_unread == 1 ? "" : "s");
	if (inv->n_ignored)
		fprintf(out, "; %zu line%s sshd ignores", inv->n_ignored, inv->n_ignored == 1 ? "" : "s");
	fputc('\n', out);
	static const char *const titles[] = {
		"authorized keys: who can log in, as which account",
		"keys in files sshd does not read for their account (they open nothing today)",
		"host keys",
		"private keys",
	};
	for (int role = KW_KEY_AUTHORIZED; role <= KW_KEY_PRIVATE; role++) {
		bool any = false;
		for (size_t i = 0; i < inv->n_keys; i++) {
			const kw_invkey *k = &inv->keys[i];
			if ((int)k->role != role)
				continue;
			if (!any)
				fprintf(out, "\n%s\n", titles[role]);
			any = true;
			_cleanup_free_ char *acc = kw_escape_str(k->account ? k->account : "-");
			_cleanup_free_ char *path = kw_escape_str(k->path);
			fprintf(out, "  %-12s ", acc ? acc : "?");
			key_cols(out, m, k);
			fprintf(out, "  %s", path ? path : "?");
			if (k->line)
				fprintf(out, ":%u", k->line);
			if (k->ak && k->ak->comment) {
				_cleanup_free_ char *c = kw_escape_str(k->ak->comment);
				fprintf(out, "\n      comment: %s", c ? c : "?");
			}
			if (k->ak && k->ak->options) {
				_cleanup_free_ char *o = kw_escape_str(k->ak->options);
				fprintf(out, "\n      options: %s", o ? o : "?");
			}
			if (k->ignored)
				fprintf(out, "\n      sshd ignores this line (%s): it opens nothing",
					k->pub->type_mismatch ? "the type written does not match the key"
					: k->ak->opts.error ? k->ak->opts.error : "bad options");
			if (k->role >= KW_KEY_HOST)
				fprintf(out, "\n      %s, %s", k->priv ? kw_privkey_format_name(k->priv->format) : "?",
					enc_text(k->priv));
			other_holder(out, inv, k);
			fputc('\n', out);
		}
	}
	if (inv->n_sources) {
		fputs("\nalso granting access, not listable offline\n", out);
		for (size_t i = 0; i < inv->n_sources; i++) {
			const kw_keysource *s = &inv->sources[i];
			_cleanup_free_ char *v = kw_escape_str(s->value);
			_cleanup_free_ char *a = s->account ? kw_escape_str(s->account) : NULL;
			fprintf(out, "  %s %s (%s%s)\n", s->keyword, v ? v : "?", a ? "account " : "every account",
				a ? a : "");
		}
	}
	findings_text(out, m);
	return kw_out_finish(out);
}

/* ---- JSON ---- */

static void key_json(kw_jw *w, const kw_invkey *k)
{
	const kw_pubkey *pub = k->has_pub ? k->pub : NULL;
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "role", kw_keyrole_name(k->role));
	kw_jw_strz(w, "account", k->account);
	kw_jw_strz(w, "path", k->path);
	if (k->line)
		kw_jw_uint(w, "line", k->line);
	else
		kw_jw_null(w, "line");
	kw_jw_strz(w, "type", pub ? pub->type : NULL);
	kw_jw_strz(w, "label", pub ? pub->label : NULL);
	if (pub)
		kw_jw_uint(w, "bits", pub->bits);
	else
		kw_jw_null(w, "bits");
	kw_jw_strz(w, "fingerprint", pub ? pub->fp : NULL);
	kw_jw_strz(w, "fingerprint_md5", pub && pub->fp_md5[0] ? pub->fp_md5 : NULL);
	if (k->role <= KW_KEY_UNREAD) {
		kw_jw_strz(w, "comment", k->ak ? k->ak->comment : NULL);
		kw_jw_strz(w, "options", k->ak ? k->ak->options : NULL);
		kw_jw_bool(w, "sshd_ignores", k->ignored);
	} else {
		kw_jw_strz(w, "format", k->priv ? kw_privkey_format_name(k->priv->format) : NULL);
		if (!k->priv || k->priv->encrypted < 0)
			kw_jw_null(w, "encrypted");
		else
			kw_jw_bool(w, "encrypted", k->priv->encrypted > 0);
	}
	kw_jw_uint(w, "same_key_count", k->same_fp_count);
	kw_jw_end(w);
}

static void account_json(kw_jw *w, const kw_keys_account *ka)
{
	const kw_account *a = ka->a;
	kw_jw_obj(w, NULL);
	kw_jw_strz(w, "name", a->name);
	kw_jw_uint(w, "uid", a->uid);
	kw_jw_strz(w, "shell", a->shell);
	if (ka->login == KW_LOGIN_UNKNOWN)
		kw_jw_null(w, "can_login");
	else
		kw_jw_bool(w, "can_login", ka->login == KW_LOGIN_YES);
	kw_jw_strz(w, "why_not", ka->login == KW_LOGIN_NO ? ka->why_not : NULL);
	kw_jw_strz(w, "password", ka->password);
	if (a->has_pw_digest) {
		char d[2 * sizeof a->pw_digest + 1];
		kw_hex_lower(a->pw_digest, sizeof a->pw_digest, d);
		kw_jw_strz(w, "password_digest", d);
	} else {
		kw_jw_null(w, "password_digest");
	}
	kw_jw_uint(w, "authorized_keys", ka->n_keys);
	kw_jw_end(w);
}

/* Streamed (report/jsonw.h): an inventory of 10,000 accounts holds 50,000 keys; a jansson
 * tree and its dump were more than half of keys scan's time. */
int kw_keys_render_json(FILE *out, const kw_keys_meta *m, const kw_inventory *inv)
{
	kw_jw w;
	kw_jw_init(&w, out, 1);
	kw_jw_obj(&w, NULL);
	kw_jw_strz(&w, "format", "keyward-keys-inventory");
	kw_jw_uint(&w, "version", 1);
	kw_jw_strz(&w, "host", m->host);
	kw_jw_strz(&w, "target", m->target);
	kw_jw_strz(&w, "scanned", m->scanned);
	kw_jw_obj(&w, "summary");
	kw_jw_uint(&w, "authorized", inv->n_authorized);
	kw_jw_uint(&w, "accounts", inv->n_accounts);
	kw_jw_uint(&w, "unread", inv->n_unread);
	kw_jw_uint(&w, "ignored", inv->n_ignored);
	kw_jw_uint(&w, "host", inv->n_host);
	kw_jw_uint(&w, "private", inv->n_private);
	kw_jw_end(&w);
	kw_jw_arr(&w, "keys");
	for (size_t i = 0; i < inv->n_keys; i++)
		key_json(&w, &inv->keys[i]);
	kw_jw_end(&w);
	kw_jw_arr(&w, "sources");
	for (size_t i = 0; i < inv->n_sources; i++) {
		const kw_keysource *s = &inv->sources[i];
		kw_jw_obj(&w, NULL);
		kw_jw_strz(&w, "keyword", s->keyword);
		kw_jw_strz(&w, "value", s->value);
		kw_jw_strz(&w, "account", s->account);
		kw_jw_end(&w);
	}
	kw_jw_end(&w);
	kw_jw_arr(&w, "accounts");
	for (size_t i = 0; i < m->n_accounts; i++)
		account_json(&w, &m->accounts[i]);
	kw_jw_end(&w);
	kw_jw_strz(&w, "fleet_key_id", m->fleet_key_id);
	if (m->findings) {
		kw_jw_arr(&w, "findings");
		for (size_t i = 0; i < m->findings->n; i++)
			kw_finding_json(&w, &m->findings->v[i], false);
		kw_jw_end(&w);
	} else {
		kw_jw_null(&w, "findings");
	}
	kw_jw_end(&w);
	return kw_jw_finish(&w);
}
