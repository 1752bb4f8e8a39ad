/* findings.c — the findings of `keyward keys scan` (see findings.h).
 *
 * One table of checks (defs[]) and one pass over the inventory's authorized keys; the two
 * checks that compare keys with each other (one key opening several accounts, the same
 * key twice in a file) share one sort of the keys by fingerprint, so nothing here is
 * quadratic in keys or accounts. Accounts are found by name through the facts' index.
 *
 * What sshd decides for an account (can a key get in at all? which files does StrictModes
 * reject? PermitRootLogin for uid 0) is evaluated by the caller through the target
 * (fix/lockout.c) and handed in: this file only reads it (kw_keys_eval_logins() takes
 * lockout's reasons that stop every key).
 *
 * Pure: no I/O, no clock, no printing.
 */
#include "keys/findings.h"

#include "checks/checks.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/strindex.h"
#include "base/vec.h"
#include "base/time.h"
#include "fix/lockout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	C_DSA, C_RSA_SHORT, C_TYPE_MISMATCH, C_ROOT_UNRESTRICTED, C_FROM_MISSING, C_EXPIRED,
	C_SHARED, C_NOT_ALLOWED, C_DEAD_WEIGHT, C_STRICTMODES, C_DUPLICATE, C_UNPARSABLE,
};

#define REF_SSHD_AK "sshd(8): AUTHORIZED_KEYS FILE FORMAT"

static const kw_check_def defs[] = {
	[C_DSA] = { "keys.dsa", KW_SEV_HIGH,
		"a DSA key grants access",
		"DSA keys are 1024 bits with SHA-1 signatures: too weak today. OpenSSH disables them "
		"by default since 7.0 (a configuration that adds ssh-dss back makes the key work "
		"again) and FIPS 186-5 withdrew DSA.",
		"Replace the key with an Ed25519 key (ssh-keygen -t ed25519) and remove the DSA line.",
		{ "NIST FIPS 186-5 (DSA withdrawn)", "OpenSSH 7.0 release notes: ssh-dss disabled" } },
	[C_RSA_SHORT] = { "keys.rsa-short", KW_SEV_HIGH,
		"an RSA key is shorter than the profile allows",
		"RSA below 2048 bits is below NIST's minimum; strict profiles ask for 3072 bits "
		"(128-bit security). A short key can be factored by a well-funded attacker.",
		"Replace the key with an Ed25519 key or an RSA key of at least the profile's size "
		"(set keys-rsa-min-bits).",
		{ "NIST SP 800-131A Rev. 2", "NIST SP 800-57 Part 1 Rev. 5, table 2" } },
	[C_TYPE_MISMATCH] = { "keys.type-mismatch", KW_SEV_MEDIUM,
		"a key line names another key type than its key",
		"sshd rejects a line whose written type does not match the key in it: the key "
		"silently opens nothing, while whoever put it there believes it works (or an edit "
		"damaged the line).",
		"Rewrite the line from the key's .pub file, or remove it.",
		{ REF_SSHD_AK } },
	[C_ROOT_UNRESTRICTED] = { "keys.root-unrestricted", KW_SEV_HIGH,
		"a key opens root without any restriction",
		"A key of a uid 0 account with none of from=, command=, restrict (or every no-* "
		"option) and expiry-time gives its holder a full root shell from anywhere, for "
		"ever. Critical when PermitRootLogin is yes.",
		"Log in as a named account and use sudo; if root must take keys, limit each key "
		"with from=\"ADDRESSES\", command= or restrict, and set PermitRootLogin "
		"prohibit-password or forced-commands-only.",
		{ REF_SSHD_AK, "CIS Debian 12 5.1.20: PermitRootLogin no" } },
	[C_FROM_MISSING] = { "keys.from-missing", KW_SEV_MEDIUM,
		"a key has no from= although the profile requires it",
		"from= limits the client addresses a key is accepted from: a stolen key is useless "
		"elsewhere. The profile (set keys-require-from) asks for it on these keys.",
		"Add from=\"ADDRESS-PATTERNS\" to the line (e.g. keyward keys add ... --options "
		"'from=\"10.0.0.0/8\"').",
		{ REF_SSHD_AK } },
	[C_EXPIRED] = { "keys.expired", KW_SEV_LOW,
		"a key's expiry-time has passed",
		"sshd refuses a key after its expiry-time: the line is dead, and it hides which keys "
		"are really in use.",
		"Remove the line, or give the key's owner a new key with a new expiry-time.",
		{ REF_SSHD_AK } },
	[C_SHARED] = { "keys.shared-across-accounts", KW_SEV_MEDIUM,
		"one key opens several accounts",
		"The same key in several accounts' files means several people or services share a "
		"private key (no accountability, no clean revocation), or one holder can act as "
		"every one of those accounts.",
		"Give each person and service its own key; remove the shared one where it does not "
		"belong.",
		{ "NIST IR 7966: Security of Interactive and Automated Access Management Using SSH" } },
	[C_NOT_ALLOWED] = { "keys.not-allowed", KW_SEV_HIGH,
		"a key is not in the allowlist",
		"The allowlist (--allowed FILE) names every key meant to grant access; any other key "
		"was added outside the process that manages keys.",
		"Remove the key, or add its fingerprint to the allowlist if it is meant to be there.",
		{ "NIST IR 7966: Security of Interactive and Automated Access Management Using SSH" } },
	[C_DEAD_WEIGHT] = { "keys.dead-weight", KW_SEV_LOW,
		"a key opens an account sshd never lets in",
		"sshd refuses this account whatever the key (no login shell, DenyUsers, "
		"PermitRootLogin no, ...): the key is dead weight today and starts to work the day "
		"that changes.",
		"Remove the key, or fix the account if it is meant to log in.",
		{ "sshd_config(5): AllowUsers, DenyUsers, PermitRootLogin", REF_SSHD_AK } },
	[C_STRICTMODES] = { "keys.strictmodes-rejects", KW_SEV_MEDIUM,
		"StrictModes rejects an authorized_keys file",
		"With StrictModes yes, sshd ignores a key file that is, or sits in a folder that is, "
		"owned by someone else or writable by group or others: its keys silently do not "
		"work, and whoever can write there could have planted a key.",
		"chown the file and folders to the account (or root) and chmod go-w them "
		"(e.g. chmod 700 ~/.ssh; chmod 600 ~/.ssh/authorized_keys).",
		{ "sshd_config(5): StrictModes", "sshd(8): FILES ~/.ssh/authorized_keys" } },
	[C_DUPLICATE] = { "keys.duplicate-line", KW_SEV_LOW,
		"the same key is twice in one file",
		"sshd uses the first line of a file that accepts the key: a later line with the same "
		"key never counts, and its options (perhaps the restrictive ones) are dead.",
		"Keep one line per key, with the options meant to apply.",
		{ REF_SSHD_AK } },
	[C_UNPARSABLE] = { "keys.unparsable-line", KW_SEV_LOW,
		"sshd cannot use a line of an authorized_keys file",
		"sshd skips a line it cannot parse or whose options it rejects: a key someone thinks "
		"is active may be in it, or an edit damaged the file.",
		"Fix or remove the line named (sshd's reason is in the evidence).",
		{ REF_SSHD_AK } },
};

const kw_check_def *kw_keys_checks(size_t *ret_n)
{
	*ret_n = KW_ARRAY_LEN(defs);
	return defs;
}

const kw_check_def *kw_keys_check_find(const char *id)
{
	return kw_check_defs_find(defs, KW_ARRAY_LEN(defs), id);
}

/* ---------------------------------------------------------------- allowlist -- */

#define ALLOW_MAX_LINE 16384

static bool is_fp(kw_buf t)
{
	return kw_fp_sha256_valid((const char *)kw_buf_cur(&t), kw_buf_left(&t));
}

static bool all_digits(kw_buf t)
{
	size_t n = kw_buf_left(&t);
	for (size_t i = 0; i < n; i++)
		if (kw_buf_cur(&t)[i] < '0' || kw_buf_cur(&t)[i] > '9')
			return false;
	return n > 0;
}

/* The fingerprint of one allowlist line (trimmed, not blank, not a comment): "SHA256:..."
 * [comment], ssh-keygen -l's "BITS SHA256:... comment (TYPE)", or a public key line. 0 and
 * fp filled, 1 with *why (static) for a bad line, or -ENOMEM. */
static int allow_line(kw_buf l, char fp[KW_FP_LEN], const char **why)
{
	kw_buf rest = l, t1, t2;
	kw_buf_token(&rest, &t1);
	kw_buf after1 = rest;
	bool two = kw_buf_token(&after1, &t2);
	if (is_fp(t1) || (all_digits(t1) && two && is_fp(t2))) {
		kw_buf f = is_fp(t1) ? t1 : t2;
		memcpy(fp, kw_buf_cur(&f), kw_buf_left(&f));
		fp[kw_buf_left(&f)] = '\0';
		return 0;
	}
	if (kw_buf_starts_with(&t1, "SHA256:") || kw_buf_starts_with(&t1, "MD5:")) {
		*why = "not a SHA256 fingerprint as ssh-keygen -l prints it (SHA256: and 43 base64 "
		       "characters)";
		return 1;
	}
	kw_authkeys ak = { 0 };
	kw_diags d = { 0 };
	int r = kw_authkeys_parse("allowlist", kw_buf_cur(&l), kw_buf_left(&l), &ak, &d);
	kw_diags_release(&d);
	if (r < 0)
		return r;
	r = 1;
	if (ak.n != 1)
		*why = "neither a fingerprint (SHA256:...) nor a public key line";
	else if (ak.v[0].key.type_mismatch)
		*why = "the key type written does not match the key";
	else if (!ak.v[0].opts.valid)
		*why = ak.v[0].opts.error ? ak.v[0].opts.error : "bad key options";
	else if (!strcmp(ak.v[0].key.label, "UNKNOWN"))
		*why = "a key type sshd does not know";
	else {
		memcpy(fp, ak.v[0].key.fp, KW_FP_LEN);
		r = 0;
	}
	kw_authkeys_release(&ak);
	return r;
}

static int cmp_fp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int kw_keys_allowlist_parse(const char *name, const char *text, size_t len,
			    kw_keys_allowlist *ret, kw_diags *d)
{
	kw_keys_allowlist a = { 0 };
	kw_buf in = kw_buf_view(text, text ? len : 0), line;
	unsigned lineno = 0;
	bool trunc, bad = false;
	int r = 0;
	while (r == 0 && kw_buf_line(&in, &line, ALLOW_MAX_LINE, &trunc)) {
		lineno++;
		const char *why = NULL;
		char fp[KW_FP_LEN];
		kw_buf l = kw_buf_trim(line);
		if (!trunc && (!kw_buf_left(&l) || kw_buf_cur(&l)[0] == '#'))
			continue;
		if (trunc)
			why = "line longer than 16384 bytes";
		else if (kw_buf_has_nul(&l))
			why = "NUL byte in line";
		else if ((r = allow_line(l, fp, &why)) < 0)
			break;
		if (why) {
			bad = true;
			r = kw_diags_add(d, name, lineno, KW_E_USAGE, "%s", why);
			continue;
		}
		char(*slot)[KW_FP_LEN] = KW_VEC_PUSH(a.fp, a.n, a.cap);
		if (!slot) {
			r = -ENOMEM;
			break;
		}
		memcpy(*slot, fp, KW_FP_LEN);
	}
	if (r == 0 && bad)
		r = KW_E_USAGE;
	if (r < 0) {
		kw_keys_allowlist_release(&a);
		*ret = a;
		return r;
	}
	if (a.n > 1) {
		qsort(a.fp, a.n, sizeof *a.fp, cmp_fp);
		size_t w = 1;
		for (size_t i = 1; i < a.n; i++)
			if (strcmp(a.fp[i], a.fp[w - 1]) != 0)
				memcpy(a.fp[w++], a.fp[i], KW_FP_LEN);
		a.n = w;
	}
	*ret = a;
	return 0;
}

bool kw_keys_allowlist_has(const kw_keys_allowlist *a, const char *fp)
{
	if (!a || !a->n || !fp)
		return false;
	char key[KW_FP_LEN] = { 0 };
	snprintf(key, sizeof key, "%s", fp);
	return bsearch(key, a->fp, a->n, sizeof *a->fp, cmp_fp) != NULL;
}

void kw_keys_allowlist_release(kw_keys_allowlist *a)
{
	if (!a)
		return;
	free(a->fp);
	*a = (kw_keys_allowlist){ 0 };
}

/* ---------------------------------------------------------------- evaluation -- */

int kw_keys_eval_init(kw_keys_eval *e, const kw_facts *f)
{
	*e = (kw_keys_eval){ 0 };
	e->login = calloc(f->n_accounts ? f->n_accounts : 1, sizeof *e->login);
	e->modes = calloc(f->n_keyfiles ? f->n_keyfiles : 1, sizeof *e->modes);
	if (!e->login || !e->modes) {
		kw_keys_eval_release(e);
		return -ENOMEM;
	}
	e->n_login = f->n_accounts;
	e->n_modes = f->n_keyfiles;
	return 0;
}

void kw_keys_eval_release(kw_keys_eval *e)
{
	if (!e)
		return;
	for (size_t i = 0; e->login && i < e->n_login; i++) {
		free(e->login[i].why_not);
		free(e->login[i].permit_root);
	}
	for (size_t i = 0; e->modes && i < e->n_modes; i++)
		free(e->modes[i].why);
	free(e->login);
	free(e->modes);
	*e = (kw_keys_eval){ 0 };
}

int kw_keys_eval_logins(kw_keys_eval *e, const kw_facts *f, const kw_lockout_report *rep)
{
	if (!e->login || e->n_login != f->n_accounts)
		return -EINVAL;
	e->have_sshd = true;
	size_t j = 0;
	for (size_t i = 0; i < f->n_accounts; i++) {
		const kw_account *a = &f->accounts[i];
		kw_keys_login *l = &e->login[i];
		if (j < rep->n && rep->v[j].account && !strcmp(rep->v[j].account, a->name)) {
			const kw_lockout_candidate *c = &rep->v[j++];
			if (c->account_stop && !(l->why_not = strdup(c->account_stop)))
				return -ENOMEM;
			l->state = l->why_not ? KW_LOGIN_NO : KW_LOGIN_YES;
		} else if (!a->login_shell && a->uid != 0) {
			/* lockout skips an account without a login shell and without key files */
			const char *sh = a->shell && a->shell[0] ? a->shell : "/bin/sh";
			if (asprintf(&l->why_not, "shell %s is not a login shell", sh) < 0) {
				l->why_not = NULL;
				return -ENOMEM;
			}
			l->state = KW_LOGIN_NO;
		}
		/* else: not evaluated (lockout's account cap) */
	}
	return 0;
}

/* ---------------------------------------------------------------- findings -- */

typedef struct fctx {
	const kw_keys_check_in *in;
	kw_check_ctx cx;     /* the shared emitter: profile, output, first error */
} fctx;

/* A finding of defs[check], at severity sev (< 0: the table's), unless the profile turns
 * the check off; a severity the profile sets wins over sev. */
#define emit(x, check, sev, target, path, line, account, ...)                                  \
	((sev) < 0 ? kw_emit(&(x)->cx, &defs[check], target, path, line, account, __VA_ARGS__)   \
		   : kw_emit_default(&(x)->cx, &defs[check], (kw_severity)(sev), target, path,  \
				     line, account, __VA_ARGS__))

#define KEY_EMIT(x, check, sev, k, ...) \
	emit(x, check, sev, (k)->pub->fp, (k)->path, (k)->line, (k)->account, __VA_ARGS__)

static bool is_root(const kw_account *a)
{
	return a && a->uid == 0;
}

static bool is_rsa(const kw_pubkey *p)
{
	return !strcmp(p->label, "RSA") || !strcmp(p->label, "RSA-CERT");
}

static bool is_dsa(const kw_pubkey *p)
{
	return !strcmp(p->label, "DSA") || !strcmp(p->label, "DSA-CERT");
}

/* none of from=, command=, restrict (or every no-* option), expiry-time; for a
 * cert-authority line principals= counts as a restriction too */
static bool unrestricted(const kw_authopts *o)
{
	bool all_no = o->no_agent_forwarding && o->no_port_forwarding && o->no_pty && o->no_user_rc &&
		      o->no_x11_forwarding;
	return !o->from && !o->command && !o->restricted && !all_no && !o->expiry_time &&
	       !(o->cert_authority && o->principals);
}

/* The line sshd skips: its own finding, with sshd's reason. */
static void ignored_line(fctx *x, const kw_invkey *k)
{
	if (k->pub->type_mismatch)
		KEY_EMIT(x, C_TYPE_MISMATCH, -1, k,
			 "the line says %s but the key is %s (%s %u): sshd ignores the line, the key "
			 "opens nothing", k->pub->text_type, k->pub->type, k->pub->label, k->pub->bits);
	else
		KEY_EMIT(x, C_UNPARSABLE, -1, k, "bad key options: %s; sshd ignores this line",
			 k->ak->opts.error ? k->ak->opts.error : "rejected");
}

static void strength(fctx *x, const kw_invkey *k)
{
	const kw_pubkey *p = k->pub;
	uint32_t min = x->in->profile && x->in->profile->keys_rsa_min_bits ? x->in->profile->keys_rsa_min_bits
									    : 2048;
	if (is_dsa(p))
		KEY_EMIT(x, C_DSA, -1, k, "%s %u-bit key; OpenSSH accepts DSA only where "
			 "PubkeyAcceptedAlgorithms adds ssh-dss back", p->label, p->bits);
	else if (is_rsa(p) && p->bits < min)
		KEY_EMIT(x, C_RSA_SHORT, -1, k, "%s %u bits, below %u (profile keys-rsa-min-bits)%s",
			 p->label, p->bits, min,
			 p->bits < 1024 ? "; sshd refuses it anyway (RequiredRSASize 1024)" : "");
}

static void expiry(fctx *x, const kw_invkey *k)
{
	int64_t t = k->ak->opts.expiry_time;
	if (!t || t >= x->in->now)
		return;
	char when[32] = "?";
	if (kw_time_iso(t, true, when, sizeof when) == 0)
		strcpy(when, "?");
	KEY_EMIT(x, C_EXPIRED, -1, k, "%s key expired %s (expiry-time): sshd refuses it",
		 k->pub->label, when);
}

static const char *from_setting(kw_keys_require_from r)
{
	return r == KW_KEYS_FROM_ALL ? "all" : r == KW_KEYS_FROM_ROOT ? "root" : "none";
}

/* Root keys, dead weight: what sshd does with this key for this account. */
static void account_checks(fctx *x, const kw_invkey *k, const kw_account *a, const kw_keys_login *lg)
{
	const kw_authopts *o = &k->ak->opts;
	if (lg && lg->state == KW_LOGIN_NO) {
		KEY_EMIT(x, C_DEAD_WEIGHT, -1, k, "%s key for %s, which sshd never lets in: %s",
			 k->pub->label, k->account, lg->why_not ? lg->why_not : "?");
		return;
	}
	const char *prl = lg ? lg->permit_root : NULL;
	if (is_root(a) && prl && !strcmp(prl, "forced-commands-only") && !o->command) {
		KEY_EMIT(x, C_DEAD_WEIGHT, -1, k, "%s key without command= for uid 0 account %s: "
			 "PermitRootLogin forced-commands-only lets only keys with command= in",
			 k->pub->label, k->account);
		return;
	}
	if (!is_root(a) || !unrestricted(o))
		return;
	/* PermitRootLogin here is yes or prohibit-password (no made the account NO); without
	 * an sshd configuration sshd's default, prohibit-password */
	bool yes = prl && !strcmp(prl, "yes");
	KEY_EMIT(x, C_ROOT_UNRESTRICTED, yes ? KW_SEV_CRITICAL : -1, k,
		 "%s key for uid 0 account %s with none of from=, command=, restrict, expiry-time "
		 "(PermitRootLogin %s)", k->pub->label, k->account,
		 prl ? prl : "not evaluated; sshd's default is prohibit-password");
}

static void per_key(fctx *x, const kw_invkey *k)
{
	const kw_keys_check_in *in = x->in;
	if (k->ignored) {
		ignored_line(x, k);
		return;
	}
	size_t ai = kw_facts_account(x->in->f, k->account);
	const kw_account *a = ai != KW_STRINDEX_NONE ? &in->f->accounts[ai] : NULL;
	const kw_keys_login *lg = ai != KW_STRINDEX_NONE && in->ev && in->ev->login && ai < in->ev->n_login
				  ? &in->ev->login[ai] : NULL;
	strength(x, k);
	expiry(x, k);
	if (in->allowed && !kw_keys_allowlist_has(in->allowed, k->pub->fp))
		KEY_EMIT(x, C_NOT_ALLOWED, -1, k, "%s %u-bit key of %s is not in the allowlist",
			 k->pub->label, k->pub->bits, k->account ? k->account : "?");
	kw_keys_require_from req = in->profile ? in->profile->keys_require_from : KW_KEYS_FROM_NONE;
	if (!k->ak->opts.from && (req == KW_KEYS_FROM_ALL || (req == KW_KEYS_FROM_ROOT && is_root(a))))
		KEY_EMIT(x, C_FROM_MISSING, -1, k, "%s key for %s has no from= (profile "
			 "keys-require-from %s)", k->pub->label, k->account ? k->account : "?",
			 from_setting(req));
	account_checks(x, k, a, lg);
}

/* ---- keys compared with each other: one sort by fingerprint ---- */

#define SHARED_NAMES_SHOWN 10

/* ix[s..e): one fingerprint, in inventory order (by account, then file and line). */
static void same_key_run(fctx *x, const size_t *ix, size_t s, size_t e)
{
	const kw_invkey *keys = x->in->inv->keys;
	size_t accounts = 0;
	for (size_t i = s; i < e; i++) {
		const kw_invkey *k = &keys[ix[i]], *prev = i > s ? &keys[ix[i - 1]] : NULL;
		if (k->account && (!prev || !prev->account || strcmp(prev->account, k->account) != 0))
			accounts++;
		/* the same file: a later line of the same key */
		if (prev && !strcmp(prev->path, k->path)) {
			size_t first = i - 1;
			while (first > s && !strcmp(keys[ix[first - 1]].path, k->path))
				first--;
			const kw_invkey *f0 = &keys[ix[first]];
			const char *o1 = f0->ak && f0->ak->options ? f0->ak->options : "";
			const char *o2 = k->ak && k->ak->options ? k->ak->options : "";
			KEY_EMIT(x, C_DUPLICATE, -1, k, "%s key already on line %u of this file: this line "
				 "never counts%s", k->pub->label, f0->line,
				 strcmp(o1, o2) ? " (its options differ from that line's)" : "");
		}
	}
	if (accounts < 2)
		return;
	kw_sb sb;
	kw_sb_init(&sb);
	kw_sb_printf(&sb, "%s key opens %zu accounts: ", keys[ix[s]].pub->label, accounts);
	size_t shown = 0;
	for (size_t i = s; i < e && shown < SHARED_NAMES_SHOWN; i++) {
		const kw_invkey *k = &keys[ix[i]], *prev = i > s ? &keys[ix[i - 1]] : NULL;
		if (!k->account || (prev && prev->account && !strcmp(prev->account, k->account)))
			continue;
		kw_sb_printf(&sb, "%s%s (%s:%u)", shown++ ? ", " : "", k->account, k->path, k->line);
	}
	if (accounts > shown)
		kw_sb_printf(&sb, " and %zu more", accounts - shown);
	if (sb.overflow)
		x->cx.err = -ENOMEM;
	else
		emit(x, C_SHARED, -1, keys[ix[s]].pub->fp, NULL, 0, NULL, "%s", sb.s);
	kw_sb_release(&sb);
}

static void compare_keys(fctx *x)
{
	const kw_inventory *inv = x->in->inv;
	size_t n = 0;
	size_t *ix = malloc((inv->n_by_fp ? inv->n_by_fp : 1) * sizeof *ix);
	if (!ix) {
		x->cx.err = -ENOMEM;
		return;
	}
	/* the inventory's fingerprint order, authorized keys sshd reads only */
	for (size_t j = 0; j < inv->n_by_fp; j++) {
		const kw_invkey *k = &inv->keys[inv->by_fp[j]];
		if (k->role == KW_KEY_AUTHORIZED && k->ak && !k->ignored)
			ix[n++] = inv->by_fp[j];
	}
	for (size_t s = 0, e; s < n && !x->cx.err; s = e) {
		for (e = s + 1; e < n && !strcmp(inv->keys[ix[e]].pub->fp, inv->keys[ix[s]].pub->fp); e++)
			;
		if (e - s > 1)
			same_key_run(x, ix, s, e);
	}
	free(ix);
}

/* ---- files ---- */

static bool has_key_at(const kw_keyfile *kf, unsigned line)
{
	size_t lo = 0, hi = kf->keys.n; /* keys are in line order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		unsigned l = kf->keys.v[mid].line;
		if (l == line)
			return true;
		if (l < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Lines the parser could not read at all (no key recorded): the collector's diagnostics
 * for granted key files. Lines with a key that sshd ignores come from the inventory. */
static void unparsable_lines(fctx *x)
{
	const kw_facts *f = x->in->f;
	for (size_t i = 0; i < f->diags.n && !x->cx.err; i++) {
		const kw_diag *d = &f->diags.v[i];
		size_t k = d->line ? kw_facts_keyfile(f, d->file) : KW_STRINDEX_NONE;
		if (k == KW_STRINDEX_NONE)
			continue;
		const kw_keyfile *kf = &f->keyfiles[k];
		if (!kf->granted || !kf->bad_lines || has_key_at(kf, d->line))
			continue;
		emit(x, C_UNPARSABLE, -1, kf->path, kf->path, d->line, kf->account, "%s",
		     d->msg ? d->msg : "sshd cannot parse this line");
	}
}

static void strict_modes(fctx *x)
{
	const kw_facts *f = x->in->f;
	const kw_keys_eval *ev = x->in->ev;
	for (size_t i = 0; ev && ev->modes && i < ev->n_modes && i < f->n_keyfiles; i++) {
		const kw_keys_modes *m = &ev->modes[i];
		const kw_keyfile *kf = &f->keyfiles[i];
		if (!m->checked || m->ok || !kf->granted)
			continue;
		size_t used = 0;
		for (size_t j = 0; j < kf->keys.n; j++)
			used += !kf->keys.v[j].sshd_ignores;
		emit(x, C_STRICTMODES, -1, kf->path, kf->path, 0, kf->account,
		     "%s; sshd ignores the file: its %zu key%s do%s not work", m->why ? m->why : "?",
		     used, used == 1 ? "" : "s", used == 1 ? "es" : "");
	}
}

int kw_keys_findings(const kw_keys_check_in *in, kw_findings *out)
{
	fctx x = { .in = in, .cx = { .f = in->f, .p = in->profile, .out = out } };
	for (size_t i = 0; i < in->inv->n_keys && !x.cx.err; i++) {
		const kw_invkey *k = &in->inv->keys[i];
		if (k->role == KW_KEY_AUTHORIZED && k->has_pub && k->ak)
			per_key(&x, k);
	}
	if (!x.cx.err)
		compare_keys(&x);
	if (!x.cx.err)
		unparsable_lines(&x);
	if (!x.cx.err)
		strict_modes(&x);
	return x.cx.err;
}

/* ---------------------------------------------------------------- accounts -- */

static const char *password_word(const kw_account *a)
{
	kw_pw_state s = a->passwd_pw.state;
	if (s == KW_PW_SHADOWED)
		s = a->has_shadow ? a->shadow_pw.state : KW_PW_NOLOGIN;
	switch (s) {
	case KW_PW_HASH: return "usable";
	case KW_PW_EMPTY: return "empty";
	case KW_PW_LOCKED: return "locked";
	default: return "none";
	}
}

int kw_keys_accounts_build(const kw_facts *f, const kw_inventory *inv, const kw_keys_eval *ev,
			   kw_keys_account **ret, size_t *ret_n)
{
	kw_keys_account *v = calloc(f->n_accounts ? f->n_accounts : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_accounts; i++) {
		const kw_keys_login *l = ev && ev->login && i < ev->n_login ? &ev->login[i] : NULL;
		v[i] = (kw_keys_account){ .a = &f->accounts[i], .password = password_word(&f->accounts[i]),
					  .login = l ? l->state : KW_LOGIN_UNKNOWN,
					  .why_not = l ? l->why_not : NULL };
	}
	for (size_t i = 0; i < inv->n_keys; i++) {
		const kw_invkey *k = &inv->keys[i];
		if (k->role != KW_KEY_AUTHORIZED || k->ignored || !k->account)
			continue;
		size_t ai = kw_facts_account(f, k->account);
		if (ai != KW_STRINDEX_NONE)
			v[ai].n_keys++;
	}
	*ret = v;
	*ret_n = f->n_accounts;
	return 0;
}
