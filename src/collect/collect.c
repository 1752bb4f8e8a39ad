/* collect.c — gather the facts the credential checks need, through src/target only.
 *
 * Order of work: login.defs, passwd, shadow, group -> accounts; homes (every passwd home,
 * /root, every directory in /home; each once) -> authorized_keys, histories, private keys, credential files;
 * system-wide image state (host keys, machine-id, systemd secrets, cloud-init, DHCP);
 * sudoers with its includes. --deep then walks the whole tree (deep.c).
 *
 * The collector decides nothing about severity; it records what is there. Every problem
 * reading the target becomes a diagnostic naming the file (and line where there is one);
 * a problem that stops a check from running is marked fatal (exit 3). Missing files are
 * normal and silent.
 */
#include "collect/facts.h"
#include "collect/collect_internal.h"
#include "windows/path.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"

#include <fnmatch.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- tables ------------------------------------------------------------------------ */

/* Shell, REPL and database histories, relative to a home. */
static const char *const history_files[] = {
	".bash_history", ".zsh_history", ".zhistory", ".histfile", ".sh_history",
	".ash_history", ".history", ".local/share/fish/fish_history",
	".python_history", ".node_repl_history", ".irb_history", ".pry_history",
	".php_history", ".lesshst", ".viminfo", ".wget-hsts", ".mysql_history",
	".psql_history", ".sqlite_history", ".rediscli_history", ".dbshell",
	".mongosh/mongosh_repl_history", ".gdb_history", ".octave_hist", ".Rhistory",
	".local/share/nano/search_history", ".config/fish/fish_history",
	/* Windows profiles: PowerShell's PSReadLine keeps every command typed */
	"AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
};

static const char *const authkeys_files[] = { ".ssh/authorized_keys", ".ssh/authorized_keys2" };

/* Shells that do not give an interactive login. */
static const char *const nologin_shells[] = {
	"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync",
	"/sbin/halt", "/sbin/shutdown", "/usr/sbin/halt", "/usr/sbin/shutdown",
	"/bin/nologin", "/usr/bin/nologin",
};

/* cloud-init data that may carry passwords, relative to an instance directory. */
static const char *const cloud_instance_files[] = {
	"user-data.txt", "user-data.txt.i", "vendor-data.txt", "vendor-data.txt.i",
	"vendor-data2.txt", "vendor-data2.txt.i", "cloud-config.txt",
};
static const char *const cloud_seed_files[] = { "user-data", "vendor-data" };

/* Directories holding DHCP client leases; pattern filters the file names. */
static const struct { const char *dir; const char *pattern; } dhcp_dirs[] = {
	{ "/var/lib/dhcp", "*.lease*" },
	{ "/var/lib/dhclient", "*" },
	{ "/var/lib/dhcpcd", "*.lease*" },
	{ "/var/lib/NetworkManager", "*.lease" },
	{ "/var/lib/systemd/netif/leases", "*" },
	{ "/var/lib/wicked", "lease*" },
};

/* Single files of per-instance identity. */
static const struct { const char *path; kw_artifact_kind kind; } identity_files[] = {
	{ "/var/lib/systemd/credential.secret", KW_ART_CREDENTIAL_SECRET },
	{ "/var/lib/systemd/random-seed", KW_ART_RANDOM_SEED },
};

/* ---- small helpers ----------------------------------------------------------------- */

bool kw_shell_is_login(const char *shell)
{
	if (!shell || !*shell)
		return true; /* an empty shell field means /bin/sh */
	for (size_t i = 0; i < KW_ARRAY_LEN(nologin_shells); i++)
		if (!strcmp(shell, nologin_shells[i]))
			return false;
	return true;
}

/* "/home/a" + ".ssh/x" -> "/home/a/.ssh/x"; handles "/" and trailing slashes. */
char *kw_path_join(const char *dir, const char *rel)
{
	size_t n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	char *s = NULL;
	if (asprintf(&s, "%s%.*s/%s", dir[0] == '/' ? "" : "/", (int)n, dir, rel) < 0)
		return NULL;
	return s;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Read a file; -ENOENT/-ENOTDIR are returned quietly, other errors become diagnostics. */
int kw_collect_read(kw_collector *c, const char *path, kw_file *ret, bool fatal)
{
	int r = kw_target_read(c->t, path, c->max_file, ret);
	if (r == -ENOENT || r == -ENOTDIR)
		return r;
	if (r < 0) {
		if (fatal)
			kw_diags_add_fatal(&c->f->diags, path, 0, r, "cannot read: %s", kw_strerror(r));
		else
			kw_diags_add(&c->f->diags, path, 0, r, "cannot read: %s", kw_strerror(r));
		return r;
	}
	if (ret->truncated)
		kw_diags_add(&c->f->diags, path, 0, KW_E_TOOBIG,
			     "larger than %llu bytes; only the start was read",
			     (unsigned long long)c->max_file);
	return 0;
}

static int list_dir(kw_collector *c, const char *dir, kw_dirent **ret, size_t *n)
{
	int r = kw_target_list(c->t, dir, ret, n);
	if (r == -ENOENT || r == -ENOTDIR) {
		*ret = NULL;
		*n = 0;
		return r;
	}
	if (r < 0) {
		kw_diags_add(&c->f->diags, dir, 0, r, "cannot list directory: %s", kw_strerror(r));
		*ret = NULL;
		*n = 0;
	}
	return r;
}

kw_artifact *kw_collect_artifact(kw_collector *c, kw_artifact_kind kind, const char *path,
				 const char *account, const kw_stat *st)
{
	kw_facts *f = c->f;
	kw_artifact *a = KW_VEC_PUSH(f->artifacts, f->n_artifacts, f->cap_artifacts);
	if (!a)
		return NULL;
	a->kind = kind;
	a->path = strdup(path);
	a->account = account ? strdup(account) : NULL;
	if (st) {
		a->st = *st;
		a->size = st->size;
	}
	kw_stat lst;
	if (kw_target_lstat(c->t, path, &lst) == 0 && lst.type == KW_FT_LNK)
		a->symlink = true;
	if (!a->path || (account && !a->account)) {
		c->oom = true;
		return NULL;
	}
	return a;
}

/* ---- password digests (keys merge compares them across hosts) ----------------------- */

/* HMAC-SHA256 under the fleet key of a password field (passwd's, or shadow's when passwd
 * says "x") when it is a hash; a locked "!hash" is digested without its '!' so it matches
 * the unlocked copy. The field is read in place in the file's buffer: no copy is made. */
static void pw_digest(const kw_collect_opts *o, const uint8_t *data, size_t off, size_t len,
		      const kw_pw_info *pi, kw_account *a)
{
	if (!o || !o->fleet_key || o->fleet_key_len == 0 || o->fleet_key_len > INT_MAX || !data ||
	    (pi->state != KW_PW_HASH && pi->state != KW_PW_LOCKED))
		return;
	const uint8_t *p = data + off;
	while (pi->state == KW_PW_LOCKED && len && *p == '!') {
		p++;
		len--;
	}
	unsigned int n = 0;
	if (HMAC(EVP_sha256(), o->fleet_key, (int)o->fleet_key_len, p, len, a->pw_digest, &n) &&
	    n == sizeof a->pw_digest)
		a->has_pw_digest = true;
	else
		OPENSSL_cleanse(a->pw_digest, sizeof a->pw_digest);
}

/* ---- accounts ---------------------------------------------------------------------- */

static void collect_accounts(kw_collector *c)
{
	kw_facts *f = c->f;
	kw_file ld = { 0 }, pw = { 0 }, sh = { 0 }, gr = { 0 };

	if (kw_collect_read(c, "/etc/login.defs", &ld, false) == 0)
		kw_logindefs_parse(ld.data, ld.len, &f->logindefs);
	else
		kw_logindefs_parse(NULL, 0, &f->logindefs);
	kw_file_release(&ld);

	kw_passwd_db pdb = { 0 };
	kw_shadow_db sdb = { 0 };
	int r = kw_collect_read(c, "/etc/passwd", &pw, true);
	if (r == -ENOENT || r == -ENOTDIR)
		kw_diags_add_fatal(&f->diags, "/etc/passwd", 0, r,
				   "no /etc/passwd: the account checks could not run");
	if (r == 0) {
		f->have_passwd = true;
		kw_passwd_parse("/etc/passwd", pw.data, pw.len, &pdb, &f->diags);
	}

	r = kw_collect_read(c, "/etc/shadow", &sh, true);
	if (r == -ENOENT && f->have_passwd)
		kw_diags_add(&f->diags, "/etc/shadow", 0, r,
			     "no /etc/shadow: passwords are only checked in /etc/passwd");
	if (r == 0) {
		f->have_shadow = true;
		kw_shadow_parse("/etc/shadow", sh.data, sh.len, &sdb, &f->diags);
	}

	if (kw_collect_read(c, "/etc/group", &gr, false) == 0) {
		f->have_group = true;
		kw_group_parse("/etc/group", gr.data, gr.len, &f->groups, &f->diags);
	}
	kw_file_release(&gr);

	int64_t today = (int64_t)(time(NULL) / 86400);
	f->nis_lines = pdb.nis_lines;
	/* join by name through indexes: an image may have thousands of accounts */
	kw_strindex shadow_ix = { 0 }, passwd_ix = { 0 };
	for (size_t i = 0; i < sdb.n && !c->oom; i++)
		c->oom = kw_strindex_put(&shadow_ix, sdb.v[i].name, i, NULL) < 0;
	for (size_t i = 0; i < pdb.n && !c->oom; i++)
		c->oom = kw_strindex_put(&passwd_ix, pdb.v[i].name, i, NULL) < 0;
	for (size_t i = 0; i < pdb.n && !c->oom; i++) {
		const kw_passwd_ent *p = &pdb.v[i];
		kw_account *a = KW_VEC_PUSH(f->accounts, f->n_accounts, f->cap_accounts);
		if (!a) { c->oom = true; break; }
		a->name = strdup(p->name);
		a->home = strdup(p->home ? p->home : "");
		a->shell = strdup(p->shell ? p->shell : "");
		if (!a->name || !a->home || !a->shell) { c->oom = true; break; }
		a->uid = p->uid;
		a->gid = p->gid;
		a->passwd_line = p->line;
		a->passwd_pw = p->pw;
		a->login_shell = kw_shell_is_login(p->shell);
		a->lastchg = a->expire = -1;
		size_t si = kw_strindex_get(&shadow_ix, p->name);
		const kw_shadow_ent *s = si == KW_STRINDEX_NONE ? NULL : &sdb.v[si];
		if (s) {
			a->has_shadow = true;
			a->shadow_line = s->line;
			a->shadow_pw = s->pw;
			a->lastchg = s->lastchg;
			a->expire = s->expire;
			/* shadow(5): the account expires at the start of day `expire` */
			a->expired = s->expire >= 0 && s->expire <= today;
		}
		if (p->pw.state != KW_PW_SHADOWED)
			pw_digest(c->o, pw.data, p->pw_off, p->pw_len, &p->pw, a);
		else if (s)
			pw_digest(c->o, sh.data, s->pw_off, s->pw_len, &s->pw, a);
	}
	for (size_t i = 0; i < sdb.n && !c->oom; i++) {
		if (kw_strindex_get(&passwd_ix, sdb.v[i].name) != KW_STRINDEX_NONE)
			continue;
		struct kw_orphan *o = KW_VEC_PUSH(f->orphan_shadow, f->n_orphan_shadow,
						  f->cap_orphan_shadow);
		if (!o || !(o->name = strdup(sdb.v[i].name))) { c->oom = true; break; }
		o->line = sdb.v[i].line;
	}
	kw_strindex_release(&shadow_ix);
	kw_strindex_release(&passwd_ix);
	kw_passwd_db_release(&pdb);
	kw_shadow_db_release(&sdb);
	/* the files hold password hashes: wipe our copies */
	if (pw.data)
		OPENSSL_cleanse(pw.data, pw.len);
	if (sh.data)
		OPENSSL_cleanse(sh.data, sh.len);
	kw_file_release(&pw);
	kw_file_release(&sh);
}

/* ---- homes ------------------------------------------------------------------------- */

typedef struct home {
	char *path;      /* normalised: absolute, no trailing slash (except "/") */
	char *account;   /* first account with this home, or NULL (orphan) */
} home;

static char *normalise_home(const char *h)
{
	if (!h || !*h)
		return NULL;
	size_t n = strlen(h);
	while (n > 1 && h[n - 1] == '/')
		n--;
	char *s = NULL;
	if (asprintf(&s, "%s%.*s", h[0] == '/' ? "" : "/", (int)n, h) < 0)
		return NULL;
	return s;
}

typedef struct homes {
	home *v;
	size_t n, cap;
	kw_strindex ix; /* by path */
} homes;

static int add_home(homes *hs, const char *path, const char *account)
{
	char *p = normalise_home(path);
	if (!p)
		return path && *path ? -ENOMEM : 0;
	size_t i = kw_strindex_get(&hs->ix, p);
	if (i != KW_STRINDEX_NONE) {
		if (!hs->v[i].account && account && !(hs->v[i].account = strdup(account))) {
			free(p);
			return -ENOMEM;
		}
		free(p);
		return 0;
	}
	home *h = KW_VEC_PUSH(hs->v, hs->n, hs->cap);
	if (!h) {
		free(p);
		return -ENOMEM;
	}
	h->path = p;
	h->account = account ? strdup(account) : NULL;
	if ((account && !h->account) || kw_strindex_put(&hs->ix, h->path, hs->n - 1, NULL) < 0)
		return -ENOMEM;
	return 0;
}

/* Read and parse one authorized_keys file of `account`; once per path. granted: sshd
 * reads it for that account (a later call may say so for a file already read). */
void kw_collect_keyfile(kw_collector *c, const char *path, const char *account, bool granted)
{
	kw_facts *f = c->f;
	size_t known = kw_strindex_get(&c->f->keyfile_ix, path);
	if (known != KW_STRINDEX_NONE) {
		f->keyfiles[known].granted |= granted;
		return;
	}
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, true) < 0)
		return;
	kw_keyfile *k = KW_VEC_PUSH(f->keyfiles, f->n_keyfiles, f->cap_keyfiles);
	if (!k || !(k->path = strdup(path)) || (account && !(k->account = strdup(account)))) {
		kw_file_release(&file);
		c->oom = true;
		return;
	}
	k->st = file.st;
	k->granted = granted;
	if (kw_strindex_put(&c->f->keyfile_ix, k->path, f->n_keyfiles - 1, NULL) < 0)
		c->oom = true;
	size_t before = f->diags.n;
	kw_authkeys_parse_memo(k->path, file.data, file.len, &c->keys, &k->keys, &f->diags);
	k->bad_lines = (unsigned)(f->diags.n - before);
	kw_file_release(&file);
}

static void collect_authkeys(kw_collector *c, const home *h)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(authkeys_files) && !c->oom; i++) {
		_cleanup_free_ char *path = kw_path_join(h->path, authkeys_files[i]);
		if (!path) { c->oom = true; return; }
		kw_collect_keyfile(c, path, h->account, false);
	}
}

static void collect_histories(kw_collector *c, const home *h)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(history_files); i++) {
		_cleanup_free_ char *path = kw_path_join(h->path, history_files[i]);
		if (!path) { c->oom = true; return; }
		kw_stat st;
		if (kw_target_stat(c->t, path, &st) < 0 || st.type != KW_FT_REG || st.size == 0)
			continue;
		kw_collect_artifact(c, KW_ART_HISTORY, path, h->account, &st);
	}
}

/* Names that may hold a private key: id_* (not .pub), identity, *.pem, *.key, *.ppk. */
bool kw_collect_keyname(const char *name)
{
	if (!strncmp(name, "id_", 3) && !has_suffix(name, ".pub") && !has_suffix(name, "-cert.pub"))
		return true;
	return !strcmp(name, "identity") || has_suffix(name, ".pem") ||
	       has_suffix(name, ".key") || has_suffix(name, ".ppk");
}

/* Read a file and record it as a private key if its content says it is one. */
void kw_collect_privkey(kw_collector *c, const char *path, const char *account,
			kw_artifact_kind kind)
{
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, false) < 0)
		return;
	kw_privkey_info info;
	if (kw_privkey_classify(file.data, file.len, &info) == 0) {
		kw_artifact *a = kw_collect_artifact(c, kind, path, account, &file.st);
		if (a)
			a->privkey = info;
	}
	kw_file_release(&file);
}

static void scan_keydir(kw_collector *c, const char *dir, const char *account)
{
	kw_dirent *d;
	size_t n;
	if (list_dir(c, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (d[i].type != KW_FT_REG && d[i].type != KW_FT_LNK)
			continue;
		if (!kw_collect_keyname(d[i].name))
			continue;
		_cleanup_free_ char *path = kw_path_join(dir, d[i].name);
		if (!path) { c->oom = true; break; }
		kw_collect_privkey(c, path, account, KW_ART_PRIVATE_KEY);
	}
	kw_dirents_free(d, n);
}

static void collect_privkeys(kw_collector *c, const home *h)
{
	_cleanup_free_ char *ssh = kw_path_join(h->path, ".ssh");
	if (!ssh) { c->oom = true; return; }
	scan_keydir(c, ssh, h->account);
	/* the home's top level too (*.pem dropped next to the build scripts) — but never
	 * for "/" as a home: that is the whole root and --deep's job */
	if (strcmp(h->path, "/"))
		scan_keydir(c, h->path, h->account);
}

static void analyze_cred(kw_collector *c, const char *path, const char *account,
			 const kw_cred_file *cf)
{
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, false) < 0)
		return;
	char *desc = NULL;
	int r = kw_cred_analyze(cf->kind, cf->relpath, file.data, file.len, &desc);
	if (r > 0) {
		kw_artifact *a = kw_collect_artifact(c, KW_ART_CREDENTIAL, path, account, &file.st);
		if (a) {
			a->cred_kind = cf->kind;
			a->detail = TAKE_PTR(desc);
		}
	} else if (r < 0) {
		kw_diags_add(&c->f->diags, path, 0, r, "cannot analyse: %s", kw_strerror(r));
	}
	free(desc);
	kw_file_release(&file);
}

/* A credential directory (.config/gcloud): regular files up to three levels down. */
static void analyze_cred_dir(kw_collector *c, const char *dir, const char *account,
			     const kw_cred_file *cf, int depth)
{
	kw_dirent *d;
	size_t n;
	if (depth > 3 || list_dir(c, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n && !c->oom; i++) {
		_cleanup_free_ char *path = kw_path_join(dir, d[i].name);
		if (!path) { c->oom = true; break; }
		if (d[i].type == KW_FT_DIR)
			analyze_cred_dir(c, path, account, cf, depth + 1);
		else if (d[i].type == KW_FT_REG)
			analyze_cred(c, path, account, cf);
	}
	kw_dirents_free(d, n);
}

static void collect_creds(kw_collector *c, const home *h)
{
	for (size_t i = 0; i < kw_cred_files_n; i++) {
		const kw_cred_file *cf = &kw_cred_files[i];
		_cleanup_free_ char *path = kw_path_join(h->path, cf->relpath);
		if (!path) { c->oom = true; return; }
		if (cf->directory)
			analyze_cred_dir(c, path, h->account, cf, 0);
		else
			analyze_cred(c, path, h->account, cf);
	}
}

/* The profile folders of a Windows volume (Users/<name>), each its own account's home. */
static int add_windows_homes(kw_collector *c, homes *hs)
{
	_cleanup_free_ char *users = NULL;
	int r = kw_win_path(c->t, "/Users", &users);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	kw_dirent *d;
	size_t nd;
	if (list_dir(c, users, &d, &nd) < 0)
		return 0;
	for (size_t i = 0; i < nd && r == 0; i++) {
		if (d[i].type != KW_FT_DIR)
			continue;
		_cleanup_free_ char *p = kw_path_join(users, d[i].name);
		r = p ? add_home(hs, p, d[i].name) : -ENOMEM;
	}
	kw_dirents_free(d, nd);
	return r;
}

static void collect_homes(kw_collector *c)
{
	kw_facts *f = c->f;
	homes hs = { 0 };
	int r = f->win ? add_windows_homes(c, &hs) : add_home(&hs, "/root", NULL);
	for (size_t i = 0; i < f->n_accounts && r == 0; i++)
		r = add_home(&hs, f->accounts[i].home, f->accounts[i].name);
	/* /root belongs to the UID 0 account named root, even if passwd says otherwise */
	for (size_t i = 0; i < hs.n; i++)
		if (!strcmp(hs.v[i].path, "/root") && !hs.v[i].account)
			hs.v[i].account = strdup("root");
	kw_dirent *d;
	size_t nd;
	if (r == 0 && !f->win && list_dir(c, "/home", &d, &nd) == 0) {
		for (size_t i = 0; i < nd && r == 0; i++) {
			if (d[i].type != KW_FT_DIR && d[i].type != KW_FT_LNK)
				continue;
			_cleanup_free_ char *p = kw_path_join("/home", d[i].name);
			r = p ? add_home(&hs, p, NULL) : -ENOMEM;
		}
		kw_dirents_free(d, nd);
	}
	if (r < 0)
		c->oom = true;
	for (size_t i = 0; i < hs.n && !c->oom; i++) {
		kw_stat st;
		if (kw_target_stat(c->t, hs.v[i].path, &st) < 0 || st.type != KW_FT_DIR)
			continue;
		collect_authkeys(c, &hs.v[i]);
		collect_privkeys(c, &hs.v[i]);
		if (c->o && c->o->keys_only)
			continue;
		collect_histories(c, &hs.v[i]);
		collect_creds(c, &hs.v[i]);
	}
	kw_strindex_release(&hs.ix);
	for (size_t i = 0; i < hs.n; i++) {
		free(hs.v[i].path);
		free(hs.v[i].account);
	}
	free(hs.v);
}

/* ---- system-wide image state ------------------------------------------------------- */

bool kw_collect_pubfile(kw_collector *c, const char *keypath, kw_pubkey *ret)
{
	_cleanup_free_ char *pub = NULL;
	if (asprintf(&pub, "%s.pub", keypath) < 0) {
		c->oom = true;
		return false;
	}
	kw_file pf = { 0 };
	if (kw_target_read(c->t, pub, 64 * 1024, &pf) < 0)
		return false;
	kw_buf line, b = kw_buf_view(pf.data, pf.len);
	bool ok = kw_buf_line(&b, &line, 16 * 1024, NULL) &&
		  kw_pubkey_parse_line(line, ret, NULL) == 0;
	kw_file_release(&pf);
	return ok;
}

/* ssh_host_*_key in dir: /etc/ssh, or Win32-OpenSSH's ProgramData/ssh */
static void collect_host_keys(kw_collector *c, const char *dir)
{
	kw_dirent *d;
	size_t n;
	if (!dir || list_dir(c, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n && !c->oom; i++) {
		const char *name = d[i].name;
		if (d[i].type != KW_FT_REG && d[i].type != KW_FT_LNK)
			continue;
		if (fnmatch("ssh_host_*_key", name, 0) != 0 && strcmp(name, "ssh_host_key"))
			continue;
		_cleanup_free_ char *path = kw_path_join(dir, name);
		if (!path) { c->oom = true; break; }
		kw_stat st;
		if (kw_target_stat(c->t, path, &st) < 0 || st.type != KW_FT_REG)
			continue;
		kw_artifact *a = kw_collect_artifact(c, KW_ART_HOST_KEY, path, NULL, &st);
		if (!a)
			break;
		/* the fingerprint comes from the .pub next to it, when there is one */
		a->privkey.has_pub = kw_collect_pubfile(c, path, &a->privkey.pub);
	}
	kw_dirents_free(d, n);
}

static void collect_identity(kw_collector *c)
{
	kw_file file = { 0 };
	if (kw_collect_read(c, "/etc/machine-id", &file, false) == 0) {
		kw_buf v = kw_buf_trim(kw_buf_view(file.data, file.len));
		if (kw_buf_left(&v) > 0 && !kw_buf_eq(&v, "uninitialized"))
			kw_collect_artifact(c, KW_ART_MACHINE_ID, "/etc/machine-id", NULL, &file.st);
		kw_file_release(&file);
	}
	kw_stat st;
	if (kw_target_lstat(c->t, "/var/lib/dbus/machine-id", &st) == 0 &&
	    st.type == KW_FT_REG && st.size > 0)
		kw_collect_artifact(c, KW_ART_DBUS_MACHINE_ID, "/var/lib/dbus/machine-id", NULL, &st);
	for (size_t i = 0; i < KW_ARRAY_LEN(identity_files); i++)
		if (kw_target_lstat(c->t, identity_files[i].path, &st) == 0 && st.type == KW_FT_REG)
			kw_collect_artifact(c, identity_files[i].kind, identity_files[i].path, NULL, &st);
}

static void scan_cloud_file(kw_collector *c, const char *path)
{
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, false) < 0)
		return;
	unsigned flags = kw_cloudinit_scan(file.data, file.len);
	if (flags) {
		kw_artifact *a = kw_collect_artifact(c, KW_ART_CLOUD_PASSWORD, path, NULL, &file.st);
		if (a)
			a->ci_flags = flags;
	}
	kw_file_release(&file);
}

static void scan_cloud_dir(kw_collector *c, const char *dir, const char *const *names,
			   size_t n_names, const char *pattern)
{
	kw_dirent *d;
	size_t n;
	if (list_dir(c, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n && !c->oom; i++) {
		_cleanup_free_ char *path = kw_path_join(dir, d[i].name);
		if (!path) { c->oom = true; break; }
		if (pattern) {
			if (d[i].type == KW_FT_REG && fnmatch(pattern, d[i].name, 0) == 0)
				scan_cloud_file(c, path);
			continue;
		}
		if (d[i].type != KW_FT_DIR)
			continue;
		for (size_t j = 0; j < n_names; j++) {
			_cleanup_free_ char *fp = kw_path_join(path, names[j]);
			if (!fp) { c->oom = true; break; }
			scan_cloud_file(c, fp);
		}
	}
	kw_dirents_free(d, n);
}

static void collect_cloud(kw_collector *c)
{
	kw_dirent *d;
	size_t n;
	if (list_dir(c, "/var/lib/cloud/instances", &d, &n) == 0) {
		for (size_t i = 0; i < n && !c->oom; i++) {
			if (d[i].type != KW_FT_DIR)
				continue;
			_cleanup_free_ char *path = kw_path_join("/var/lib/cloud/instances", d[i].name);
			kw_stat st;
			if (path && kw_target_lstat(c->t, path, &st) == 0)
				kw_collect_artifact(c, KW_ART_CLOUD_INSTANCE, path, NULL, &st);
		}
		kw_dirents_free(d, n);
	}
	scan_cloud_dir(c, "/var/lib/cloud/instances", cloud_instance_files,
		       KW_ARRAY_LEN(cloud_instance_files), NULL);
	scan_cloud_dir(c, "/var/lib/cloud/seed", cloud_seed_files,
		       KW_ARRAY_LEN(cloud_seed_files), NULL);
	scan_cloud_file(c, "/etc/cloud/cloud.cfg");
	scan_cloud_dir(c, "/etc/cloud/cloud.cfg.d", NULL, 0, "*.cfg");
}

static void collect_dhcp(kw_collector *c)
{
	for (size_t k = 0; k < KW_ARRAY_LEN(dhcp_dirs) && !c->oom; k++) {
		kw_dirent *d;
		size_t n;
		if (list_dir(c, dhcp_dirs[k].dir, &d, &n) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (d[i].type != KW_FT_REG || fnmatch(dhcp_dirs[k].pattern, d[i].name, 0))
				continue;
			_cleanup_free_ char *path = kw_path_join(dhcp_dirs[k].dir, d[i].name);
			kw_stat st;
			if (path && kw_target_stat(c->t, path, &st) == 0 && st.size > 0)
				kw_collect_artifact(c, KW_ART_DHCP_LEASE, path, NULL, &st);
		}
		kw_dirents_free(d, n);
	}
}

/* ---- the keep predicate for the tar backend ---------------------------------------- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

bool kw_collect_want(const char *path, const kw_stat *st)
{
	if (st && st->type != KW_FT_REG)
		return false;
	/* all of /etc: small, and where passwd, shadow, sudoers, sshd, cloud-init live */
	if (under(path, "/etc") || under(path, "/var/lib/cloud"))
		return true;
	const char *name = base_name(path);
	if (!strcmp(name, "authorized_keys") || !strcmp(name, "authorized_keys2"))
		return true;
	/* anything directly in a .ssh folder: a custom AuthorizedKeysFile often lives there,
	 * and the archive is read before sshd_config is */
	if (name - path >= 6 && !strncmp(name - 6, "/.ssh/", 6))
		return true;
	if (kw_collect_keyname(name))
		return true;
	for (size_t i = 0; i < kw_cred_files_n; i++) {
		const char *rel = kw_cred_files[i].relpath;
		size_t pl = strlen(path), rl = strlen(rel);
		if (pl > rl && path[pl - rl - 1] == '/' && !strcmp(path + pl - rl, rel))
			return true;
		if (kw_cred_files[i].directory) {
			/* ".../<rel>/..." */
			const char *p = path;
			while ((p = strstr(p, rel))) {
				if (p > path && p[-1] == '/' && p[rl] == '/')
					return true;
				p++;
			}
		}
	}
	return false;
}

/* ---- a Windows system volume ------------------------------------------------------- */

/* What applies of the above to Windows (the profile folders as homes: keys, credentials,
 * histories; Win32-OpenSSH's host keys and administrators_authorized_keys) and the Windows
 * facts proper (windows/collect.c): registry, answer files, stored credentials. */
static int collect_windows(kw_collector *c, bool all, bool sshd_only)
{
	kw_facts *f = c->f;
	if (!(f->win = calloc(1, sizeof *f->win)))
		return -ENOMEM;
	if (sshd_only)
		return 0;
	if (all && kw_win_collect(c->t, c->max_file, f->win, &f->diags) < 0)
		c->oom = true;
	if (!c->oom) collect_homes(c);
	_cleanup_free_ char *ssh = NULL;
	int r = kw_win_path(c->t, "/ProgramData/ssh", &ssh);
	c->oom |= r == -ENOMEM;
	if (!c->oom && ssh) {
		collect_host_keys(c, ssh);
		/* Win32-OpenSSH's default sshd_config: Match Group administrators ->
		 * __PROGRAMDATA__/ssh/administrators_authorized_keys */
		_cleanup_free_ char *ak = kw_path_join(ssh, "administrators_authorized_keys");
		if (!ak)
			c->oom = true;
		else
			kw_collect_keyfile(c, ak, "Administrators", true);
	}
	if (!c->oom && f->deep && all) kw_collect_deep(c);
	kw_keymemo_release(&c->keys);
	return c->oom ? -ENOMEM : 0;
}

/* ---- entry point ------------------------------------------------------------------- */

int kw_collect(kw_target *t, const kw_collect_opts *o, kw_facts *f)
{
	*f = (kw_facts){ 0 };
	kw_collector c = {
		.t = t,
		.f = f,
		.o = o,
		.max_file = o && o->max_file_size ? o->max_file_size : 16u << 20,
	};
	f->target = strdup(kw_target_describe(t));
	f->tar = kw_target_is_tar(t);
	f->deep = o && o->deep;
	f->live_host = o && o->live_host;
	if (!f->target)
		return -ENOMEM;

	/* problems the target met while opening (tar: corrupt tail, dropped entries) */
	size_t nw;
	const kw_target_warning *w = kw_target_warnings(t, &nw);
	for (size_t i = 0; i < nw; i++)
		kw_diags_add_fatal(&f->diags, w[i].path, 0, w[i].err, "%s%s%s",
				   kw_strerror(w[i].err), w[i].detail ? ": " : "",
				   w[i].detail ? w[i].detail : "");

	bool sshd_only = o && o->sshd_only;
	bool all = !(o && (o->keys_only || sshd_only));
	kw_stat pst;
	if (kw_target_lstat(t, "/etc/passwd", &pst) < 0 && kw_win_detect(t))
		return collect_windows(&c, all, sshd_only);

	collect_accounts(&c);
	for (size_t i = 0; i < f->n_accounts && !c.oom; i++)
		c.oom = kw_strindex_put(&f->account_ix, f->accounts[i].name, i, NULL) < 0;
	if (!c.oom && !sshd_only) collect_homes(&c);
	if (!c.oom && !sshd_only) collect_host_keys(&c, "/etc/ssh");
	if (!c.oom && all) collect_identity(&c);
	if (!c.oom && all) collect_cloud(&c);
	if (!c.oom && all) collect_dhcp(&c);
	if (!c.oom && all) kw_collect_sudoers(&c);
	if (!c.oom) kw_collect_sshd(&c);
	if (!c.oom && !sshd_only) kw_collect_sshd_keyfiles(&c);
	/* keys per account, for the login-account review */
	for (size_t i = 0; i < f->n_keyfiles; i++) {
		const kw_keyfile *k = &f->keyfiles[i];
		size_t j = k->account ? kw_strindex_get(&f->account_ix, k->account) : KW_STRINDEX_NONE;
		if (j != KW_STRINDEX_NONE)
			f->accounts[j].n_keys += (unsigned)k->keys.n;
	}
	if (!c.oom && f->deep && all) kw_collect_deep(&c);
	kw_keymemo_release(&c.keys);
	return c.oom ? -ENOMEM : 0;
}

size_t kw_facts_account(const kw_facts *f, const char *name)
{
	return name ? kw_strindex_get(&f->account_ix, name) : KW_STRINDEX_NONE;
}

size_t kw_facts_keyfile(const kw_facts *f, const char *path)
{
	return path ? kw_strindex_get(&f->keyfile_ix, path) : KW_STRINDEX_NONE;
}

void kw_facts_release(kw_facts *f)
{
	for (size_t i = 0; i < f->n_accounts; i++) {
		free(f->accounts[i].name);
		free(f->accounts[i].home);
		free(f->accounts[i].shell);
	}
	free(f->accounts);
	for (size_t i = 0; i < f->n_orphan_shadow; i++)
		free(f->orphan_shadow[i].name);
	free(f->orphan_shadow);
	kw_group_db_release(&f->groups);
	for (size_t i = 0; i < f->n_keyfiles; i++) {
		free(f->keyfiles[i].path);
		free(f->keyfiles[i].account);
		kw_authkeys_release(&f->keyfiles[i].keys);
	}
	free(f->keyfiles);
	for (size_t i = 0; i < f->n_artifacts; i++) {
		free(f->artifacts[i].path);
		free(f->artifacts[i].account);
		free(f->artifacts[i].detail);
	}
	free(f->artifacts);
	for (size_t i = 0; i < f->n_sudo; i++) {
		free(f->sudo[i].file);
		free(f->sudo[i].who);
	}
	free(f->sudo);
	kw_sshd_facts_release(&f->sshd);
	kw_win_facts_release(f->win);
	free(f->win);
	kw_diags_release(&f->diags);
	kw_strindex_release(&f->account_ix);
	kw_strindex_release(&f->keyfile_ix);
	free(f->target);
	*f = (kw_facts){ 0 };
}
