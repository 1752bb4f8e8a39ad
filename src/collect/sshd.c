/* sshd.c — collect how sshd will really run: the image's sshd_config read by the engine
 * (src/sshd, through the target so drop-ins come from the image), the global values, one
 * "witness" evaluation per Match block, and (with --match-users) one per account.
 *
 * A witness is a connection built to satisfy a Match block's criteria: the first pattern
 * of each criterion that is not negated, wildcards filled in (User adm* -> "admx",
 * Address 10.0.0.0/8 -> 10.0.0.0), Group -> an account of the image in that group. The
 * other fields get documentation values (192.0.2.0/24, host keyward-witness.invalid, port
 * 22). The checks compare each witness with the global values, so a block that turns
 * password logins back on for some addresses is seen. A block whose criteria cannot be
 * satisfied this way (only negations, a group without members) gets no witness.
 */
#include "collect/collect_internal.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"
#include "sshd/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SSHD_MAIN "/etc/ssh/sshd_config"

static void collect_hostkeys(kw_collector *c);
static void collect_chroot(kw_collector *c, kw_sshd_view *v);
#define WITNESS_MAX 256

/* The first pattern of a comma list that is not negated, wildcards filled with `fill`. */
static char *first_positive(const char *list, char fill)
{
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && p[0] != '!') {
			char *s = strndup(p, n);
			if (!s)
				return NULL;
			for (char *q = s; *q; q++)
				if (*q == '*' || *q == '?')
					*q = fill;
			return s;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return NULL;
}

/* An account of the image in the group (primary or listed member). */
static const char *witness_group_member(const kw_facts *f, const char *group)
{
	const kw_group_ent *g = f->have_group ? kw_group_find(&f->groups, group) : NULL;
	if (!g)
		return NULL;
	for (size_t i = 0; i < f->n_accounts; i++)
		if (f->accounts[i].gid == g->gid)
			return f->accounts[i].name;
	return g->n_members ? g->members[0] : NULL;
}

typedef struct witness {
	char *user, *host, *addr, *laddr, *rdomain;
	int lport;
	kw_sb spec;
} witness;

static void witness_release(witness *w)
{
	free(w->user);
	free(w->host);
	free(w->addr);
	free(w->laddr);
	free(w->rdomain);
	kw_sb_release(&w->spec);
}

/* Fill a witness from "Criterion list [Criterion list]..." ("Criterion=list" too).
 * 0 if every criterion could be satisfied, -1 if not, -ENOMEM. */
static int witness_build(const kw_facts *f, const char *criteria, witness *w)
{
	_cleanup_free_ char *text = strdup(criteria);
	if (!text)
		return -ENOMEM;
	char *save = NULL;
	for (char *tok = strtok_r(text, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (tok[0] == '#')
			break;
		char *val = strchr(tok, '=');
		if (val)
			*val++ = '\0';
		else
			val = strtok_r(NULL, " \t", &save);
		if (!strcasecmp(tok, "all"))
			continue;
		if (!val)
			return -1;
		char *v;
		if (!strcasecmp(tok, "user")) {
			if (!(v = first_positive(val, 'x'))) return -1;
			free(w->user); w->user = v;
		} else if (!strcasecmp(tok, "group")) {
			_cleanup_free_ char *g = first_positive(val, 'x');
			const char *m = g ? witness_group_member(f, g) : NULL;
			if (!m) return -1;
			free(w->user);
			if (!(w->user = strdup(m))) return -ENOMEM;
		} else if (!strcasecmp(tok, "host")) {
			if (!(v = first_positive(val, 'x'))) return -1;
			free(w->host); w->host = v;
		} else if (!strcasecmp(tok, "address") || !strcasecmp(tok, "localaddress")) {
			if (!(v = first_positive(val, '1'))) return -1;
			char *slash = strchr(v, '/');
			if (slash) *slash = '\0';
			char **dst = tolower((unsigned char)tok[0]) == 'a' ? &w->addr : &w->laddr;
			free(*dst); *dst = v;
		} else if (!strcasecmp(tok, "localport")) {
			_cleanup_free_ char *p = first_positive(val, '1');
			if (!p) return -1;
			w->lport = atoi(p);
		} else if (!strcasecmp(tok, "rdomain")) {
			if (!(v = first_positive(val, 'x'))) return -1;
			free(w->rdomain); w->rdomain = v;
		} else {
			return -1; /* an attribute this version does not know: the engine said so */
		}
	}
	return 0;
}

static kw_sshd_view *add_view(kw_collector *c, const char *label)
{
	kw_sshd_facts *s = &c->f->sshd;
	kw_sshd_view *v = KW_VEC_PUSH(s->views, s->n_views, s->cap_views);
	if (!v || !(v->label = strdup(label))) {
		c->oom = true;
		return NULL;
	}
	return v;
}

/* Evaluate one connection; on success append a view. */
static void eval_view(kw_collector *c, witness *w, const char *label, const char *user,
		      const char *block_file, unsigned block_line)
{
	kw_sshd_facts *s = &c->f->sshd;
	kw_sshd_conn conn = {
		.user = w->user ? w->user : "keyward-witness",
		.host = w->host ? w->host : "keyward-witness.invalid",
		.addr = w->addr ? w->addr : "192.0.2.1",
		.laddr = w->laddr ? w->laddr : "192.0.2.2",
		.rdomain = w->rdomain,
		.lport = w->lport > 0 ? w->lport : 22,
	};
	kw_sb_clear(&w->spec);
	kw_sb_printf(&w->spec, "user=%s,host=%s,addr=%s,laddr=%s,lport=%d%s%s", conn.user,
		     conn.host, conn.addr, conn.laddr, conn.lport, conn.rdomain ? ",rdomain=" : "",
		     conn.rdomain ? conn.rdomain : "");
	kw_sshd_result *r = NULL;
	kw_diags d = { 0 };
	int e = kw_sshd_config_eval(s->cfg, &conn, &r, &d);
	kw_diags_release(&d);
	if (e < 0)
		return; /* sshd would drop such a connection; nothing to judge */
	kw_sshd_view *v = add_view(c, label);
	if (!v || !(v->conn = strdup(w->spec.s)) || !(v->conn_user = strdup(conn.user)) ||
	    (user && !(v->user = strdup(user)))) {
		kw_sshd_result_free(r);
		c->oom = true;
		return;
	}
	v->r = r;
	v->res = r;
	v->block_file = block_file;
	v->block_line = block_line;
}

/* The moduli file sshd reads (ModuliFile, default /etc/ssh/moduli): the DH groups it
 * offers for group exchange. Read after the configuration, whose ModuliFile names it. */
static void collect_moduli(kw_collector *c)
{
	kw_sshd_facts *s = &c->f->sshd;
	const char *path = s->cfg ? kw_sshd_value(kw_sshd_config_global(s->cfg), KW_SO_MODULIFILE)
				  : NULL;
	if (!path || path[0] != '/')
		path = "/etc/ssh/moduli";
	s->moduli_file = strdup(path);
	if (!s->moduli_file) {
		c->oom = true;
		return;
	}
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, false) < 0)
		return;
	int r = kw_moduli_parse(path, file.data, file.len, &s->moduli, &s->diags);
	if (r == -ENOMEM)
		c->oom = true;
	else if (r < 0)
		kw_diags_add(&c->f->diags, path, 0, r, "cannot parse: %s", kw_strerror(r));
	else
		s->have_moduli = true;
	kw_file_release(&file);
}

static void collect_config(kw_collector *c);

void kw_collect_sshd(kw_collector *c)
{
	collect_config(c);
	if (!c->oom)
		collect_moduli(c);
}

static void collect_config(kw_collector *c)
{
	kw_sshd_facts *s = &c->f->sshd;
	kw_stat st;
	if (kw_target_stat(c->t, SSHD_MAIN, &st) < 0)
		return; /* no OpenSSH server configuration: nothing to check */
	s->present = true;
	kw_sshd_load_opts o = { .config_path = NULL };
	int r = kw_sshd_config_load(c->t, &o, &s->cfg, &s->diags);
	if (r == KW_E_PARSE) {
		s->refused = true;
		for (size_t i = 0; i < s->diags.n; i++) {
			if (!s->diags.v[i].fatal)
				continue;
			if (asprintf(&s->refusal, "%s:%u: %s", s->diags.v[i].file ? s->diags.v[i].file : SSHD_MAIN,
				     s->diags.v[i].line, s->diags.v[i].msg) < 0)
				c->oom = true;
			break;
		}
		return;
	}
	if (r < 0) {
		kw_diags_add_fatal(&c->f->diags, SSHD_MAIN, 0, r,
				   "sshd configuration could not be read: %s", kw_strerror(r));
		return;
	}

	kw_sshd_view *g = add_view(c, "global");
	if (!g)
		return;
	g->res = kw_sshd_config_global(s->cfg);

	const kw_sshd_matchblock *mb;
	size_t nmb = kw_sshd_match_blocks(s->cfg, &mb);
	for (size_t i = 0; i < nmb && i < WITNESS_MAX && !c->oom; i++) {
		witness w = { 0 };
		kw_sb_init(&w.spec);
		int wr = witness_build(c->f, mb[i].criteria, &w);
		if (wr == -ENOMEM)
			c->oom = true;
		if (wr == 0) {
			_cleanup_free_ char *label = NULL;
			if (asprintf(&label, "Match %s (%s:%u)", mb[i].criteria, mb[i].file, mb[i].line) < 0)
				c->oom = true;
			else
				eval_view(c, &w, label, NULL, mb[i].file, mb[i].line);
		}
		witness_release(&w);
	}

	if (c->o && c->o->match_users) {
		for (size_t i = 0; i < c->f->n_accounts && !c->oom; i++) {
			const kw_account *a = &c->f->accounts[i];
			witness w = { .user = strdup(a->name) };
			kw_sb_init(&w.spec);
			_cleanup_free_ char *label = NULL;
			if (!w.user || asprintf(&label, "user %s", a->name) < 0)
				c->oom = true;
			else
				eval_view(c, &w, label, a->name, NULL, 0);
			witness_release(&w);
		}
	}

	collect_hostkeys(c);
	for (size_t i = 0; i < s->n_views && !c->oom; i++)
		collect_chroot(c, &s->views[i]);

	const char *const *files;
	size_t nf = kw_sshd_files(s->cfg, &files);
	for (size_t i = 0; i < nf && !c->oom; i++) {
		kw_stat fst;
		if (kw_target_lstat(c->t, files[i], &fst) < 0)
			continue;
		kw_sshd_file *sf = KW_VEC_PUSH(s->files, s->n_files, s->cap_files);
		if (!sf || !(sf->path = strdup(files[i]))) {
			c->oom = true;
			break;
		}
		sf->st = fst;
	}
}

int kw_sshd_user_result(kw_sshd_config *cfg, const char *user, kw_sshd_result **owned,
			const kw_sshd_result **res)
{
	*owned = NULL;
	*res = kw_sshd_config_global(cfg);
	const kw_sshd_matchblock *mb;
	if (kw_sshd_match_blocks(cfg, &mb) == 0)
		return 0;
	kw_sshd_conn conn = { .user = user, .host = "keyward-witness.invalid", .addr = "192.0.2.1",
			      .laddr = "192.0.2.2", .lport = 22 };
	kw_diags d = { 0 };
	int e = kw_sshd_config_eval(cfg, &conn, owned, &d);
	kw_diags_release(&d);
	if (e == 0)
		*res = *owned;
	return e;
}

int kw_sshd_keyfile_paths(const kw_sshd_result *r, const kw_account *a, char ***ret,
			  size_t *ret_n)
{
	const char *const *v;
	size_t nv = kw_sshd_values(r, KW_SO_AUTHORIZEDKEYSFILE, &v);
	char **out = calloc(nv ? nv : 1, sizeof *out);
	size_t n = 0;
	if (!out)
		return -ENOMEM;
	for (size_t k = 0; k < nv; k++) {
		if (!strcasecmp(v[k], "none"))
			continue;
		char *path = kw_sshd_expand_tokens(v[k], a->name, a);
		if (path && path[0] != '/') { /* relative names are taken from the home */
			char *j = kw_path_join(a->home ? a->home : "/", path);
			free(path);
			if (!j) {
				kw_strv_free(out, n);
				return -ENOMEM;
			}
			path = j;
		}
		if (path)
			out[n++] = path;
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

char *kw_sshd_expand_tokens(const char *pat, const char *user, const kw_account *a)
{
	kw_sb sb;
	kw_sb_init(&sb);
	for (const char *p = pat; *p; p++) {
		if (*p != '%') {
			kw_sb_putc(&sb, *p);
			continue;
		}
		p++;
		if (*p == '%') kw_sb_putc(&sb, '%');
		else if (*p == 'u' && user) kw_sb_puts(&sb, user);
		else if (*p == 'h' && a) kw_sb_puts(&sb, a->home);
		else if (*p == 'U' && a) kw_sb_printf(&sb, "%u", a->uid);
		else { kw_sb_release(&sb); return NULL; }
	}
	if (sb.overflow) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}

static const kw_account *find_account(const kw_collector *c, const char *name)
{
	size_t i = name ? kw_strindex_get(&c->f->account_ix, name) : KW_STRINDEX_NONE;
	return i == KW_STRINDEX_NONE ? NULL : &c->f->accounts[i];
}

/* Accounts whose Match blocks are evaluated one by one; after that the global values are
 * used (they differ only where a Match block changes AuthorizedKeysFile for that user). */
#define KEYFILE_ACCOUNTS_MAX 5000

void kw_collect_sshd_keyfiles(kw_collector *c)
{
	kw_sshd_facts *s = &c->f->sshd;
	if (!s->cfg) {
		/* no sshd configuration: sshd's defaults (.ssh/authorized_keys, authorized_keys2)
		 * are what a sshd installed later would read; the home scan found those */
		for (size_t i = 0; i < c->f->n_keyfiles; i++)
			c->f->keyfiles[i].granted |= c->f->keyfiles[i].account != NULL;
		return;
	}
	/* the views --match-users made, by account; without Match blocks every account
	 * gets the global values */
	kw_strindex views = { 0 };
	for (size_t v = 0; v < s->n_views && !c->oom; v++)
		if (s->views[v].user)
			c->oom = kw_strindex_put(&views, s->views[v].user, v, NULL) < 0;
	const kw_sshd_matchblock *mb;
	bool has_match = kw_sshd_match_blocks(s->cfg, &mb) > 0;
	for (size_t i = 0; i < c->f->n_accounts && !c->oom; i++) {
		const kw_account *a = &c->f->accounts[i];
		kw_sshd_result *r = NULL;
		size_t uv = kw_strindex_get(&views, a->name);
		const kw_sshd_result *res = uv != KW_STRINDEX_NONE ? s->views[uv].res : NULL;
		if (!res && (!has_match || i >= KEYFILE_ACCOUNTS_MAX))
			res = kw_sshd_config_global(s->cfg);
		if (!res) /* not evaluated by --match-users: do it now */
			kw_sshd_user_result(s->cfg, a->name, &r, &res);
		char **paths = NULL;
		size_t n = 0;
		if (kw_sshd_keyfile_paths(res, a, &paths, &n) < 0)
			c->oom = true;
		for (size_t k = 0; k < n && !c->oom; k++)
			kw_collect_keyfile(c, paths[k], a->name, true);
		kw_strv_free(paths, n);
		kw_sshd_result_free(r);
	}
	kw_strindex_release(&views);
}

/* HostKey files: metadata, format, and whether PATH.pub belongs to PATH. Missing host
 * keys are normal in an image (they are made at first boot) and are skipped. */
static void collect_hostkeys(kw_collector *c)
{
	kw_sshd_facts *s = &c->f->sshd;
	const char *const *v;
	size_t n = kw_sshd_values(s->views[0].res, KW_SO_HOSTKEY, &v);
	for (size_t i = 0; i < n && !c->oom; i++) {
		kw_stat st;
		if (kw_target_stat(c->t, v[i], &st) < 0 || st.type != KW_FT_REG)
			continue;
		kw_sshd_hostkey *hk = KW_VEC_PUSH(s->hostkeys, s->n_hostkeys, s->cap_hostkeys);
		if (!hk || !(hk->path = strdup(v[i]))) {
			c->oom = true;
			return;
		}
		hk->st = st;
		kw_file f = { 0 };
		if (kw_collect_read(c, v[i], &f, false) == 0) {
			hk->readable = kw_privkey_classify(f.data, f.len, &hk->priv) == 0;
			kw_file_release(&f);
		}
		hk->has_pub = kw_collect_pubfile(c, v[i], &hk->pub);
		hk->mismatch = hk->has_pub && hk->readable && hk->priv.has_pub &&
			       strcmp(hk->pub.fp, hk->priv.pub.fp) != 0;
	}
}

/* Every component of a view's ChrootDirectory must be owned by root and not writable by
 * group or others (sshd refuses the login otherwise: session.c safely_chroot). */
static void collect_chroot(kw_collector *c, kw_sshd_view *v)
{
	const char *pat = kw_sshd_value(v->res, KW_SO_CHROOTDIRECTORY);
	if (!pat || !strcmp(pat, "none"))
		return;
	char *dir = kw_sshd_expand_tokens(pat, v->conn_user, find_account(c, v->conn_user));
	if (!dir)
		return;
	v->chroot = dir;
	char *walk = strdup(dir);
	if (!walk) {
		c->oom = true;
		return;
	}
	for (char *p = walk;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char save = *p;
		*p = '\0';
		const char *component = walk[0] ? walk : "/";
		kw_stat st;
		if (kw_target_stat(c->t, component, &st) < 0) {
			v->chroot_missing = true;
			v->chroot_bad = strdup(component);
		} else if (st.uid != 0 || (st.mode & 022) || st.type != KW_FT_DIR) {
			v->chroot_bad = strdup(component);
			v->chroot_bad_st = st;
		}
		*p = save;
		if (v->chroot_bad || !save)
			break;
	}
	free(walk);
}

void kw_sshd_facts_release(kw_sshd_facts *s)
{
	for (size_t i = 0; i < s->n_hostkeys; i++)
		free(s->hostkeys[i].path);
	free(s->hostkeys);
	for (size_t i = 0; i < s->n_views; i++) {
		free(s->views[i].chroot);
		free(s->views[i].chroot_bad);
		free(s->views[i].label);
		free(s->views[i].conn);
		free(s->views[i].user);
		free(s->views[i].conn_user);
		kw_sshd_result_free(s->views[i].r);
	}
	free(s->views);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i].path);
	free(s->files);
	kw_sshd_config_free(s->cfg);
	if (s->have_moduli)
		kw_moduli_release(&s->moduli);
	free(s->moduli_file);
	free(s->refusal);
	kw_diags_release(&s->diags);
	*s = (kw_sshd_facts){ 0 };
}
