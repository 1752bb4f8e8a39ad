/* lockout.c — the lock-out guard: does some account keep a key login under the new sshd
 * configuration? See lockout.h for the rules; each one mirrors a check sshd makes before
 * it accepts a public key (auth.c allowed_user, auth2-pubkey.c, auth2-pubkeyfile.c,
 * misc.c safe_path), evaluated offline through the target.
 */
#include "fix/lockout.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/strindex.h"
#include "base/vec.h"
#include "collect/sshkey.h"
#include "sshd/algos.h"
#include "sshd/match.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GUARD_ACCOUNTS_MAX 100000
#define KEYFILE_MAX ((size_t)16 << 20)

static void candidate_release(kw_lockout_candidate *c)
{
	free(c->account);
	free(c->why);
	free(c->account_why);
	free(c->account_stop);
}

void kw_lockout_report_release(kw_lockout_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		candidate_release(&r->v[i]);
	free(r->v);
	free(r->turns_off);
	*r = (kw_lockout_report){ 0 };
}

/* ---------------------------------------------------------- what turns off -- */

static const char *gv(const kw_sshd_result *r, kw_sshd_opt o)
{
	const char *v = kw_sshd_value(r, o);
	return v ? v : "";
}

/* yes > prohibit-password (-T: without-password) > forced-commands-only > no */
static int root_rank(const char *v)
{
	if (!strcasecmp(v, "yes"))
		return 3;
	if (!strcasecmp(v, "without-password") || !strcasecmp(v, "prohibit-password"))
		return 2;
	if (!strcasecmp(v, "forced-commands-only"))
		return 1;
	return 0;
}

/* All values of an option joined by spaces (as -T prints a one-line list). */
static char *joined(const kw_sshd_result *r, kw_sshd_opt o)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, o, &v);
	kw_sb sb;
	kw_sb_init(&sb);
	for (size_t i = 0; i < n; i++)
		kw_sb_printf(&sb, "%s%s", i ? " " : "", v[i]);
	return sb.overflow ? (kw_sb_release(&sb), NULL) : kw_sb_detach(&sb);
}

/* Does some name of the old list disappear from the new one? */
static bool list_shrinks(const char *oldl, const char *newl)
{
	_cleanup_free_ char *copy = strdup(oldl);
	if (!copy)
		return true;
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save))
		if (!kw_algos_list_has(newl, n))
			return true;
	return false;
}

static int describe_turn_off(const kw_sshd_result *o, const kw_sshd_result *n, kw_sb *sb)
{
	static const kw_sshd_opt flags_off[] = { KW_SO_PASSWORDAUTHENTICATION,
		KW_SO_KBDINTERACTIVEAUTHENTICATION, KW_SO_PUBKEYAUTHENTICATION };
	for (size_t i = 0; i < KW_ARRAY_LEN(flags_off); i++)
		if (!strcasecmp(gv(o, flags_off[i]), "yes") && strcasecmp(gv(n, flags_off[i]), "yes") != 0)
			kw_sb_printf(sb, "%s%s yes -> %s", sb->len ? ", " : "",
				     kw_sshd_optdef_get(flags_off[i])->tname, gv(n, flags_off[i]));
	if (root_rank(gv(n, KW_SO_PERMITROOTLOGIN)) < root_rank(gv(o, KW_SO_PERMITROOTLOGIN)))
		kw_sb_printf(sb, "%spermitrootlogin %s -> %s", sb->len ? ", " : "",
			     gv(o, KW_SO_PERMITROOTLOGIN), gv(n, KW_SO_PERMITROOTLOGIN));
	if (!strcasecmp(gv(o, KW_SO_STRICTMODES), "no") && !strcasecmp(gv(n, KW_SO_STRICTMODES), "yes"))
		kw_sb_printf(sb, "%sstrictmodes no -> yes", sb->len ? ", " : "");
	if (strtol(gv(n, KW_SO_REQUIREDRSASIZE), NULL, 10) > strtol(gv(o, KW_SO_REQUIREDRSASIZE), NULL, 10))
		kw_sb_printf(sb, "%srequiredrsasize %s -> %s", sb->len ? ", " : "",
			     gv(o, KW_SO_REQUIREDRSASIZE), gv(n, KW_SO_REQUIREDRSASIZE));
	if (list_shrinks(gv(o, KW_SO_PUBKEYACCEPTEDALGORITHMS), gv(n, KW_SO_PUBKEYACCEPTEDALGORITHMS)))
		kw_sb_printf(sb, "%sfewer pubkeyacceptedalgorithms", sb->len ? ", " : "");
	static const kw_sshd_opt changed[] = { KW_SO_AUTHENTICATIONMETHODS, KW_SO_AUTHORIZEDKEYSFILE,
		KW_SO_AUTHORIZEDKEYSCOMMAND };
	for (size_t i = 0; i < KW_ARRAY_LEN(changed); i++) {
		_cleanup_free_ char *a = joined(o, changed[i]), *b = joined(n, changed[i]);
		if (!a || !b)
			return -ENOMEM;
		if (strcmp(a, b) != 0)
			kw_sb_printf(sb, "%s%s %s -> %s", sb->len ? ", " : "",
				     kw_sshd_optdef_get(changed[i])->tname, a, b);
	}
	return sb->overflow ? -ENOMEM : 0;
}

/* ---------------------------------------------------------- one account -- */

typedef struct shell_seen {
	char *path;
	bool ok;             /* a regular file with an execute bit */
} shell_seen;

typedef struct guard {
	kw_target *t;
	const kw_facts *f;
	shell_seen shells[8];/* shells already looked at: most accounts share a few */
	kw_sshd_config *newc;
	const kw_lockout_whatif *w;
} guard;

/* sshd's locked-account test (UsePAM no, auth.c allowed_user): the password field sshd
 * sees (shadow's, passwd's when the account has no shadow line) starts with "!". */
static bool pw_locked(const kw_account *a)
{
	return a->has_shadow ? a->shadow_pw.bang : a->passwd_pw.bang;
}

/* sshd's match_user without knowing the client: 0 no, 1 yes, 2 yes for clients that match
 * the USER@HOST pattern's host part only. */
static int user_pattern(const char *user, const char *pat)
{
	const char *at = strchr(pat, '@');
	if (!at)
		return kw_sshd_match_pattern(user, pat);
	_cleanup_free_ char *u = strndup(pat, (size_t)(at - pat));
	return u && kw_sshd_match_pattern(user, u) ? 2 : 0;
}

/* Does one of the account's groups (primary, then every group listing it) match one of
 * the patterns (sshd's ga_match: plain match_pattern, no negation)? *ret_group: which. */
static bool group_hit(const kw_facts *f, const kw_account *a, const char *const *pats, size_t np,
		      const char **ret_group)
{
	for (size_t i = 0; f->have_group && i < f->groups.n; i++) {
		const kw_group_ent *g = &f->groups.v[i];
		bool member = g->gid == a->gid;
		for (size_t m = 0; !member && m < g->n_members; m++)
			member = !strcmp(g->members[m], a->name);
		if (!member)
			continue;
		for (size_t p = 0; p < np; p++)
			if (kw_sshd_match_pattern(g->name, pats[p])) {
				*ret_group = g->name;
				return true;
			}
	}
	return false;
}

/* Allow/Deny lists. false (with the reason) when sshd's allowed_user says no; cond gets
 * "only from HOST" restrictions of USER@HOST patterns. */
static bool lists_allow(const kw_facts *f, const kw_account *a, const kw_sshd_result *r,
			kw_sb *why, kw_sb *cond)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, KW_SO_DENYUSERS, &v);
	for (size_t i = 0; i < n; i++) {
		int m = user_pattern(a->name, v[i]);
		if (m == 1) {
			kw_sb_printf(why, "%sdenied by DenyUsers %s", why->len ? "; " : "", v[i]);
			return false;
		}
		if (m == 2)
			kw_sb_printf(cond, "%snot from %s (DenyUsers)", cond->len ? ", " : "", strchr(v[i], '@') + 1);
	}
	n = kw_sshd_values(r, KW_SO_ALLOWUSERS, &v);
	if (n) {
		const char *host_only = NULL;
		bool ok = false;
		for (size_t i = 0; i < n && !ok; i++) {
			int m = user_pattern(a->name, v[i]);
			ok = m == 1;
			if (m == 2 && !host_only)
				host_only = v[i];
		}
		if (!ok && !host_only) {
			kw_sb_printf(why, "%snot in AllowUsers (", why->len ? "; " : "");
			for (size_t i = 0; i < n; i++)
				kw_sb_printf(why, "%s%s", i ? " " : "", v[i]);
			kw_sb_puts(why, ")");
			return false;
		}
		if (!ok)
			kw_sb_printf(cond, "%sonly from %s (AllowUsers %s)", cond->len ? ", " : "",
				     strchr(host_only, '@') + 1, host_only);
	}
	const char *grp = NULL;
	n = kw_sshd_values(r, KW_SO_DENYGROUPS, &v);
	if (n && group_hit(f, a, v, n, &grp)) {
		kw_sb_printf(why, "%sgroup %s is in DenyGroups", why->len ? "; " : "", grp);
		return false;
	}
	n = kw_sshd_values(r, KW_SO_ALLOWGROUPS, &v);
	if (n && !group_hit(f, a, v, n, &grp)) {
		kw_sb_printf(why, "%sno group of it is in AllowGroups (", why->len ? "; " : "");
		for (size_t i = 0; i < n; i++)
			kw_sb_printf(why, "%s%s", i ? " " : "", v[i]);
		kw_sb_puts(why, ")");
		return false;
	}
	return true;
}

/* AuthenticationMethods "any", or a chain of publickey steps only. */
static bool key_chain(const kw_sshd_result *r)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, KW_SO_AUTHENTICATIONMETHODS, &v);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i], "any"))
			return true;
		bool only = true;
		for (const char *p = v[i]; *p && only;) {
			size_t len = strcspn(p, ",");
			only = len == 9 && !strncmp(p, "publickey", 9);
			p += len + (p[len] == ',');
		}
		if (only)
			return true;
	}
	return false;
}

/* sshd's safe_path on the path as written: the file, then each folder up to the home
 * (inclusive) or up to /, owned by root or the account, not group/world-writable. */
static bool modes_ok(kw_target *t, const char *file, const kw_account *a, kw_sb *why)
{
	_cleanup_free_ char *p = strdup(file);
	_cleanup_free_ char *home = strdup(a->home);
	if (!p || !home)
		return false;
	for (size_t hl = strlen(home); hl > 1 && home[hl - 1] == '/';)
		home[--hl] = '\0';
	bool is_file = true;
	for (;;) {
		kw_stat st;
		const char *what = is_file ? "file" : "folder";
		if (kw_target_stat(t, p[0] ? p : "/", &st) < 0) {
			kw_sb_printf(why, "%sStrictModes: %s %s cannot be read", why->len ? "; " : "", what, p);
			return false;
		}
		if ((st.uid != 0 && st.uid != a->uid) || (st.mode & 022)) {
			kw_sb_printf(why, "%sStrictModes refuses %s: %s %s has owner uid %u, mode %04o",
				     why->len ? "; " : "", file, what, p[0] ? p : "/", st.uid, st.mode & 07777);
			return false;
		}
		if (!is_file && (!strcmp(p[0] ? p : "/", home) || !p[0]))
			return true;
		char *slash = strrchr(p, '/');
		if (!slash)
			return true;
		*slash = '\0';
		is_file = false;
	}
}

bool kw_lockout_modes_ok(kw_target *t, const char *file, const kw_account *a, char **why)
{
	kw_sb sb;
	kw_sb_init(&sb);
	bool ok = modes_ok(t, file, a, &sb);
	*why = ok ? NULL : kw_sb_detach(&sb);
	kw_sb_release(&sb);
	return ok;
}

/* Does the what-if take this key away from account a? */
static bool whatif_drops(const kw_lockout_whatif *w, const kw_account *a, const kw_authkey *k)
{
	if (!w || !w->n_drop || (w->account && strcmp(w->account, a->name) != 0))
		return false;
	for (size_t i = 0; i < w->n_drop; i++)
		if (!strcmp(w->drop_fps[i], k->key.fp))
			return true;
	return false;
}

/* Why sshd would not use a key line, as an index into key_faults; -1: usable. */
static const char *const key_faults[] = { "malformed", "a key type sshd does not know",
	"a cert-authority line", "restricted to a forced command",
	"its algorithm is not in PubkeyAcceptedAlgorithms", "an RSA key below RequiredRSASize" };
enum { KF_MALFORMED, KF_UNKNOWN, KF_CA, KF_FORCED, KF_ALGORITHM, KF_RSA_SIZE, KF__COUNT };

static int key_unusable(const kw_authkey *k, const kw_sshd_result *r)
{
	if (k->sshd_ignores)
		return KF_MALFORMED; /* e.g. an option sshd does not accept */
	if (!strcmp(k->key.label, "UNKNOWN"))
		return KF_UNKNOWN;
	if (k->opt_cert_authority)
		return KF_CA;
	if (k->opt_command)
		return KF_FORCED;
	const char *algs = gv(r, KW_SO_PUBKEYACCEPTEDALGORITHMS);
	bool rsa = !strcmp(k->key.type, "ssh-rsa");
	bool ok = kw_algos_list_has(algs, k->key.type) ||
		  (rsa && (kw_algos_list_has(algs, "rsa-sha2-512") || kw_algos_list_has(algs, "rsa-sha2-256")));
	if (!ok)
		return KF_ALGORITHM;
	if (rsa && k->key.bits < (unsigned)strtoul(gv(r, KW_SO_REQUIREDRSASIZE), NULL, 10))
		return KF_RSA_SIZE;
	return -1;
}

/* Look at one key file: the collector's parse when it read the file (the same bytes),
 * else read and parsed here (another configuration's AuthorizedKeysFile). 1: a usable
 * key whose file StrictModes accepts (ok text set), 0: none (reasons appended),
 * negative: ENOMEM. */
static int check_keyfile(guard *g, const kw_account *a, const kw_sshd_result *r,
			 const char *path, kw_sb *why, kw_sb *ok, bool *seen)
{
	kw_authkeys own = { 0 };
	kw_diags d = { 0 };
	const kw_authkeys *ak = &own;
	size_t diags;
	size_t fi = kw_facts_keyfile(g->f, path);
	if (fi != KW_STRINDEX_NONE) {
		ak = &g->f->keyfiles[fi].keys;
		diags = g->f->keyfiles[fi].bad_lines;
	} else {
		kw_stat st;
		if (kw_target_stat(g->t, path, &st) < 0)
			return 0;
		*seen = true;
		if (st.type != KW_FT_REG) {
			kw_sb_printf(why, "%s%s is not a regular file", why->len ? "; " : "", path);
			return 0;
		}
		kw_file file = { 0 };
		if (kw_target_read(g->t, path, KEYFILE_MAX, &file) < 0) {
			kw_sb_printf(why, "%s%s cannot be read", why->len ? "; " : "", path);
			return 0;
		}
		int pr = kw_authkeys_parse(path, file.data, file.len, &own, &d);
		kw_file_release(&file);
		if (pr == -ENOMEM) {
			kw_diags_release(&d);
			return -ENOMEM;
		}
		diags = d.n;
	}
	*seen = true;
	const kw_authkey *good = NULL;
	size_t bad[KF__COUNT] = { 0 }, ignored = 0;
	for (size_t i = 0; i < ak->n; i++) {
		const kw_authkey *k = &ak->v[i];
		ignored += k->sshd_ignores; /* each has its diagnostic */
		if (good || whatif_drops(g->w, a, k))
			continue;
		int no = key_unusable(k, r);
		if (no < 0)
			good = k;
		else
			bad[no]++;
	}
	const kw_lockout_whatif *w = g->w;
	if (!good && w && w->add && w->add_path && !strcmp(w->add_path, path) &&
	    (!w->account || !strcmp(w->account, a->name))) {
		int no = key_unusable(w->add, r);
		if (no < 0)
			good = w->add;
		else
			bad[no]++;
	}
	/* lines the parser rejected outright (a diagnostic, no key) are malformed keys too */
	if (diags > ignored)
		bad[KF_MALFORMED] += diags - ignored;
	int res = 0;
	if (!good) {
		kw_sb_printf(why, "%s%s: no usable key", why->len ? "; " : "", path);
		const char *sep = " (";
		for (size_t k = 0; k < KF__COUNT; k++)
			if (bad[k]) {
				kw_sb_printf(why, "%s%zu %s", sep, bad[k], key_faults[k]);
				sep = ", ";
			}
		if (!strcmp(sep, ", "))
			kw_sb_puts(why, ")");
	} else if (strcasecmp(gv(r, KW_SO_STRICTMODES), "yes") != 0 || modes_ok(g->t, path, a, why)) {
		kw_sb_printf(ok, "%s key %s in %s%s", good->key.label, good->key.fp, path,
			     good->opt_from ? " (from= limits the client addresses)" : "");
		res = 1;
	}
	kw_authkeys_release(&own);
	kw_diags_release(&d);
	return res;
}

/* Is the shell a regular file with an execute bit? (sshd refuses a login without one) */
static bool shell_ok(guard *g, const char *shell)
{
	size_t i = 0;
	for (; i < KW_ARRAY_LEN(g->shells) && g->shells[i].path; i++)
		if (!strcmp(g->shells[i].path, shell))
			return g->shells[i].ok;
	kw_stat st;
	bool ok = kw_target_stat(g->t, shell, &st) == 0 && st.type == KW_FT_REG && (st.mode & 0111);
	if (i < KW_ARRAY_LEN(g->shells) && (g->shells[i].path = strdup(shell)))
		g->shells[i].ok = ok;
	return ok;
}

/* One reason an account does not count, "; "-joined into why, and into stop as well when
 * it stops every key (not only this guard's "a plain key login"). */
__attribute__((format(printf, 4, 5)))
static void reason(kw_sb *why, kw_sb *stop, bool stops, const char *fmt, ...)
{
	if (why->len)
		kw_sb_puts(why, "; ");
	size_t at = why->len;
	va_list ap;
	va_start(ap, fmt);
	kw_sb_vprintf(why, fmt, ap);
	va_end(ap);
	if (stops && why->len > at) {
		if (stop->len)
			kw_sb_puts(stop, "; ");
		kw_sb_put(stop, why->s + at, why->len - at);
	}
}

/* Does one of the AuthenticationMethods chains use a key at all? */
static bool chain_has_key(const kw_sshd_result *r)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, KW_SO_AUTHENTICATIONMETHODS, &v);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], "any") || strstr(v[i], "publickey"))
			return true;
	return false;
}

/* Evaluate one account; fill c. */
static int check_account(guard *g, const kw_account *a, kw_lockout_candidate *c, bool *listed)
{
	kw_sb why, ok, cond, stop;
	kw_sb_init(&stop);
	kw_sb_init(&why);
	kw_sb_init(&ok);
	kw_sb_init(&cond);
	kw_sshd_result *own = NULL;
	const kw_sshd_result *r;
	int e = kw_sshd_user_result(g->newc, a->name, &own, &r);
	int res = 0;
	bool any_keyfile = false;
	if (e == -ENOMEM) {
		res = -ENOMEM;
		goto out;
	}
	if (e < 0) {
		reason(&why, &stop, true, "sshd stops on its Match blocks for this user");
		if (!(c->account_why = strdup(why.s)) || !(c->account_stop = strdup(stop.s)))
			res = -ENOMEM;
		goto out;
	}
	const char *shell = a->shell && a->shell[0] ? a->shell : "/bin/sh";
	const char *chroot = gv(r, KW_SO_CHROOTDIRECTORY);
	if (!a->login_shell)
		reason(&why, &stop, true, "shell %s is not a login shell", shell);
	else if (strcmp(chroot, "none") != 0)
		reason(&why, &stop, false, "ChrootDirectory %s confines its sessions", chroot);
	else if (!shell_ok(g, shell))
		reason(&why, &stop, true, "shell %s is missing or not executable (sshd refuses the login)", shell);
	if (a->expired)
		reason(&why, &stop, true, "account expired");
	if (strcasecmp(gv(r, KW_SO_USEPAM), "yes") != 0 && pw_locked(a))
		reason(&why, &stop, true, "password field locked (!) and UsePAM no: sshd refuses locked accounts");
	kw_sb lists;
	kw_sb_init(&lists);
	if (!lists_allow(g->f, a, r, &lists, &cond))
		reason(&why, &stop, true, "%s", lists.s);
	kw_sb_release(&lists);
	if (strcasecmp(gv(r, KW_SO_PUBKEYAUTHENTICATION), "yes") != 0)
		reason(&why, &stop, true, "PubkeyAuthentication no");
	const char *prl = gv(r, KW_SO_PERMITROOTLOGIN);
	if (a->uid == 0 && root_rank(prl) < 2) /* forced-commands-only: keys with command= work */
		reason(&why, &stop, root_rank(prl) < 1, "PermitRootLogin %s", prl);
	if (!key_chain(r)) {
		_cleanup_free_ char *am = joined(r, KW_SO_AUTHENTICATIONMETHODS);
		reason(&why, &stop, !chain_has_key(r), "AuthenticationMethods %s needs more than a key",
		       am ? am : "?");
	}
	if (strcmp(gv(r, KW_SO_FORCECOMMAND), "none") != 0)
		reason(&why, &stop, false, "ForceCommand %s runs instead of a shell",
		       gv(r, KW_SO_FORCECOMMAND));
	if ((why.len && !(c->account_why = strdup(why.s))) ||
	    (stop.len && !(c->account_stop = strdup(stop.s)))) {
		res = -ENOMEM;
		goto out;
	}

	char **files = NULL;
	size_t nf = 0;
	int found = kw_sshd_keyfile_paths(r, a, &files, &nf);
	kw_sb keywhy;
	kw_sb_init(&keywhy);
	for (size_t i = 0; i < nf && found == 0; i++)
		found = check_keyfile(g, a, r, files[i], &keywhy, &ok, &any_keyfile);
	kw_strv_free(files, nf);
	if (found < 0) {
		kw_sb_release(&keywhy);
		res = found;
		goto out;
	}
	if (!found) {
		if (keywhy.len)
			kw_sb_printf(&why, "%s%s", why.len ? "; " : "", keywhy.s);
		else
			kw_sb_printf(&why, "%sno authorized_keys file", why.len ? "; " : "");
		if (strcmp(gv(r, KW_SO_AUTHORIZEDKEYSCOMMAND), "none") != 0)
			kw_sb_printf(&why, " (keys from AuthorizedKeysCommand cannot be checked offline)");
	}
	kw_sb_release(&keywhy);
out:
	*listed = a->login_shell || any_keyfile || a->uid == 0;
	if (res == 0 && *listed) {
		c->counts = !why.len && ok.len;
		if (c->counts && cond.len)
			kw_sb_printf(&ok, " (%s)", cond.s);
		c->why = kw_sb_detach(c->counts ? &ok : &why);
		c->account = strdup(a->name);
		if (!c->why || !c->account || why.overflow || ok.overflow)
			res = -ENOMEM;
	}
	kw_sb_release(&why);
	kw_sb_release(&ok);
	kw_sb_release(&cond);
	kw_sb_release(&stop);
	kw_sshd_result_free(own);
	return res;
}

/* Every account under cfg into rep (candidates, pass, skipped). */
static int evaluate(kw_target *t, const kw_facts *f, kw_sshd_config *cfg,
		    const kw_lockout_whatif *w, kw_lockout_report *rep)
{
	guard g = { .t = t, .f = f, .newc = cfg, .w = w };
	int r = 0;
	for (size_t i = 0; i < f->n_accounts && i < GUARD_ACCOUNTS_MAX && r == 0; i++) {
		kw_lockout_candidate c = { 0 };
		bool listed = false;
		r = check_account(&g, &f->accounts[i], &c, &listed);
		if (r < 0 || !listed) {
			candidate_release(&c);
			if (!listed)
				rep->skipped++;
			continue;
		}
		kw_lockout_candidate *slot = KW_VEC_PUSH(rep->v, rep->n, rep->cap);
		if (!slot) {
			candidate_release(&c);
			r = -ENOMEM;
			break;
		}
		*slot = c;
		rep->pass |= c.counts;
	}
	for (size_t i = 0; i < KW_ARRAY_LEN(g.shells); i++)
		free(g.shells[i].path);
	return r;
}

int kw_lockout_check(kw_target *t, const kw_facts *f, kw_sshd_config *oldc,
		     kw_sshd_config *newc, kw_lockout_report *ret)
{
	kw_lockout_report rep = { 0 };
	kw_sb off;
	kw_sb_init(&off);
	int r = describe_turn_off(kw_sshd_config_global(oldc), kw_sshd_config_global(newc), &off);
	if (r < 0) {
		kw_sb_release(&off);
		return r;
	}
	if (!off.len) {
		kw_sb_release(&off);
		*ret = rep;
		return 0;
	}
	rep.needed = true;
	rep.turns_off = kw_sb_detach(&off);
	if (!rep.turns_off)
		return -ENOMEM;
	r = evaluate(t, f, newc, NULL, &rep);
	if (r < 0) {
		kw_lockout_report_release(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}

int kw_lockout_accounts(kw_target *t, const kw_facts *f, kw_sshd_config *cfg,
			const kw_lockout_whatif *w, kw_lockout_report *ret)
{
	kw_lockout_report rep = { .needed = true };
	int r = evaluate(t, f, cfg, w, &rep);
	if (r < 0) {
		kw_lockout_report_release(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}
