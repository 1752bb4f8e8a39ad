/* keys.c — the key inventory as text and JSON (see keys.h): the keys by role, what grants
 * access without a listable file, and (text: after the list; JSON: "accounts",
 * "fleet_key_id", "findings") the accounts and findings the caller computed. Every string
 * that came from the target goes through kw_escape. */
#include "report/keys.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "report/out.h"

#include <errno.h>
#include <jansson.h>
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

static const char *const sev_word[KW_SEV__COUNT] = {
	[KW_SEV_INFO] = "INFO", [KW_SEV_LOW] = "LOW", [KW_SEV_MEDIUM] = "MEDIUM",
	[KW_SEV_HIGH] = "HIGH", [KW_SEV_CRITICAL] = "CRITICAL",
};

/* One finding:
 *   HIGH      keys.dsa  a DSA key grants access
 *             alice  /home/alice/.ssh/authorized_keys:3  SHA256:...
 *             evidence */
static void finding_text(FILE *out, const kw_finding *f)
{
	_cleanup_free_ char *acc = f->account ? kw_escape_str(f->account) : NULL;
	_cleanup_free_ char *path = f->path ? kw_escape_str(f->path) : NULL;
	_cleanup_free_ char *fp = !strncmp(f->target, "SHA256:", 7) ? kw_escape_str(f->target) : NULL;
	_cleanup_free_ char *ev = kw_escape_str(f->evidence);
	const char *sev = (unsigned)f->severity < KW_SEV__COUNT ? sev_word[f->severity] : "?";
	fprintf(out, "  %-9s %s  %s\n            ", sev, f->check->id, f->check->title);
	const char *sep = "";
	if (acc) {
		fputs(acc, out);
		sep = "  ";
	}
	if (path) {
		fprintf(out, f->line ? "%s%s:%u" : "%s%s", sep, path, f->line);
		sep = "  ";
	}
	if (fp)
		fprintf(out, "%s%s", sep, fp);
	fprintf(out, "\n            %s\n", ev ? ev : "?");
}

/* The findings after the list, critical first (the caller sorted them). */
static void findings_text(FILE *out, const kw_keys_meta *m)
{
	if (!m->findings) {
		if (m->note) {
			_cleanup_free_ char *n = kw_escape_str(m->note);
			fprintf(out, "\nnote: %s\n", n ? n : "?");
		}
		return;
	}
	const kw_findings *fs = m->findings;
	size_t by[KW_SEV__COUNT] = { 0 };
	for (size_t i = 0; i < fs->n; i++)
		if ((unsigned)fs->v[i].severity < KW_SEV__COUNT)
			by[fs->v[i].severity]++;
	fprintf(out, "\nfindings: ");
	if (!fs->n)
		fputs("none\n", out);
	else
		fprintf(out, "%zu (%zu critical, %zu high, %zu medium, %zu low, %zu info)\n", fs->n,
			by[KW_SEV_CRITICAL], by[KW_SEV_HIGH], by[KW_SEV_MEDIUM], by[KW_SEV_LOW], by[KW_SEV_INFO]);
	for (int sev = KW_SEV_CRITICAL; sev >= KW_SEV_INFO; sev--)
		for (size_t i = 0; i < fs->n; i++)
			if ((int)fs->v[i].severity == sev)
				finding_text(out, &fs->v[i]);
	if (m->note) {
		_cleanup_free_ char *n = kw_escape_str(m->note);
		fprintf(out, "note: %s\n", n ? n : "?");
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

static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	_cleanup_free_ char *e = kw_escape_str(s);
	return e ? json_string(e) : json_null();
}

static json_t *key_json(const kw_invkey *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "role", json_string(kw_keyrole_name(k->role)));
	json_object_set_new(o, "account", jstr(k->account));
	json_object_set_new(o, "path", jstr(k->path));
	json_object_set_new(o, "line", k->line ? json_integer(k->line) : json_null());
	json_object_set_new(o, "type", k->has_pub ? jstr(k->pub->type) : json_null());
	json_object_set_new(o, "label", k->has_pub ? jstr(k->pub->label) : json_null());
	json_object_set_new(o, "bits", k->has_pub ? json_integer(k->pub->bits) : json_null());
	json_object_set_new(o, "fingerprint", k->has_pub ? jstr(k->pub->fp) : json_null());
	json_object_set_new(o, "fingerprint_md5", k->has_pub && k->pub->fp_md5[0] ? jstr(k->pub->fp_md5) : json_null());
	if (k->role <= KW_KEY_UNREAD) {
		json_object_set_new(o, "comment", jstr(k->ak ? k->ak->comment : NULL));
		json_object_set_new(o, "options", jstr(k->ak ? k->ak->options : NULL));
		json_object_set_new(o, "sshd_ignores", json_boolean(k->ignored));
	} else {
		json_object_set_new(o, "format", k->priv ? json_string(kw_privkey_format_name(k->priv->format)) : json_null());
		json_object_set_new(o, "encrypted", !k->priv || k->priv->encrypted < 0 ? json_null()
							: json_boolean(k->priv->encrypted > 0));
	}
	json_object_set_new(o, "same_key_count", json_integer((json_int_t)k->same_fp_count));
	return o;
}

static json_t *account_json(const kw_keys_account *ka)
{
	const kw_account *a = ka->a;
	json_t *o = json_object();
	json_object_set_new(o, "name", jstr(a->name));
	json_object_set_new(o, "uid", json_integer(a->uid));
	json_object_set_new(o, "shell", jstr(a->shell));
	json_object_set_new(o, "can_login", ka->login == KW_LOGIN_UNKNOWN ? json_null()
						: json_boolean(ka->login == KW_LOGIN_YES));
	json_object_set_new(o, "why_not", jstr(ka->login == KW_LOGIN_NO ? ka->why_not : NULL));
	json_object_set_new(o, "password", json_string(ka->password));
	if (a->has_pw_digest) {
		static const char hex[] = "0123456789abcdef";
		char d[2 * sizeof a->pw_digest + 1];
		for (size_t i = 0; i < sizeof a->pw_digest; i++) {
			d[2 * i] = hex[a->pw_digest[i] >> 4];
			d[2 * i + 1] = hex[a->pw_digest[i] & 15];
		}
		d[sizeof d - 1] = '\0';
		json_object_set_new(o, "password_digest", json_string(d));
	} else {
		json_object_set_new(o, "password_digest", json_null());
	}
	json_object_set_new(o, "authorized_keys", json_integer((json_int_t)ka->n_keys));
	return o;
}

static json_t *finding_json(const kw_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(f->check->id));
	json_object_set_new(o, "severity", json_string(kw_severity_name(f->severity)));
	json_object_set_new(o, "title", json_string(f->check->title));
	json_object_set_new(o, "account", jstr(f->account));
	json_object_set_new(o, "path", jstr(f->path));
	json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
	json_object_set_new(o, "fingerprint", jstr(!strncmp(f->target, "SHA256:", 7) ? f->target : NULL));
	json_object_set_new(o, "evidence", jstr(f->evidence));
	return o;
}

int kw_keys_render_json(FILE *out, const kw_keys_meta *m, const kw_inventory *inv)
{
	json_t *root = json_object(), *keys = json_array(), *sources = json_array();
	if (!root || !keys || !sources) {
		json_decref(root);
		json_decref(keys);
		json_decref(sources);
		return -ENOMEM;
	}
	for (size_t i = 0; i < inv->n_keys; i++)
		json_array_append_new(keys, key_json(&inv->keys[i]));
	for (size_t i = 0; i < inv->n_sources; i++) {
		const kw_keysource *s = &inv->sources[i];
		json_t *o = json_object();
		json_object_set_new(o, "keyword", json_string(s->keyword));
		json_object_set_new(o, "value", jstr(s->value));
		json_object_set_new(o, "account", jstr(s->account));
		json_array_append_new(sources, o);
	}
	json_object_set_new(root, "format", json_string("keyward-keys-inventory"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "host", jstr(m->host));
	json_object_set_new(root, "target", jstr(m->target));
	json_object_set_new(root, "scanned", jstr(m->scanned));
	json_object_set_new(root, "summary", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
		"authorized", (json_int_t)inv->n_authorized, "accounts", (json_int_t)inv->n_accounts,
		"unread", (json_int_t)inv->n_unread, "ignored", (json_int_t)inv->n_ignored,
		"host", (json_int_t)inv->n_host, "private", (json_int_t)inv->n_private));
	json_object_set_new(root, "keys", keys);
	json_object_set_new(root, "sources", sources);
	json_t *accounts = json_array();
	for (size_t i = 0; accounts && i < m->n_accounts; i++)
		json_array_append_new(accounts, account_json(&m->accounts[i]));
	json_object_set_new(root, "accounts", accounts ? accounts : json_null());
	json_object_set_new(root, "fleet_key_id", jstr(m->fleet_key_id));
	json_t *findings = m->findings ? json_array() : json_null();
	for (size_t i = 0; m->findings && findings && i < m->findings->n; i++)
		json_array_append_new(findings, finding_json(&m->findings->v[i]));
	json_object_set_new(root, "findings", findings);
	return kw_json_write(out, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
}
