/* collect.c — the Windows facts of a system volume: hives, answer files, leftovers.
 *
 * Everything is read through kw_target (paths matched without regard to case by
 * windows/path.c); hives through windows/hive.c on private copies; answer files through
 * windows/unattend.c. Decisions are the checks' (checks/windows.c). */
#include "windows/facts.h"
#include "windows/path.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const kw_win_service_def kw_win_services[] = {
	{ "LanmanServer", "Server",
	  "file and printer sharing over SMB (ports 139/445) on a server that needs none" },
	{ "Spooler", "Print Spooler",
	  "a print service on a server that prints nothing; the source of the PrintNightmare "
	  "remote code execution flaws" },
	{ "Browser", "Computer Browser", "announces the machine and keeps browse lists on the network" },
	{ "RemoteRegistry", "Remote Registry", "lets remote users read and change the registry" },
	{ "TlntSvr", "Telnet", "logon over an unencrypted protocol" },
	{ "SNMP", "SNMP Service", "answers SNMP queries, often with a default community string" },
	{ "SSDPSRV", "SSDP Discovery", "network device discovery a cloud server does not need" },
	{ "upnphost", "UPnP Device Host", "hosts UPnP devices; a cloud server has none" },
};
const size_t kw_win_services_n = KW_ARRAY_LEN(kw_win_services);

static const char *const hive_names[KW_WIN_HIVE__COUNT] = { "SYSTEM", "SOFTWARE", "SAM", "SECURITY" };

const char *kw_win_hive_name(kw_win_hive_id id)
{
	return id < KW_WIN_HIVE__COUNT ? hive_names[id] : "?";
}

typedef struct wc {
	kw_target *t;
	kw_win_facts *wf;
	kw_diags *d;
	uint64_t max_file;
	bool oom;
} wc;

bool kw_win_detect(kw_target *t)
{
	_cleanup_free_ char *p = NULL;
	kw_stat st;
	return kw_win_path(t, "/Windows/System32/config", &p) == 0 && kw_target_stat(t, p, &st) == 0 &&
	       st.type == KW_FT_DIR;
}

/* The path of `rel` as spelled in the image, or NULL (absent; other errors noted). */
static char *find(wc *c, const char *rel)
{
	char *p = NULL;
	int r = kw_win_path(c->t, rel, &p);
	if (r == -ENOMEM)
		c->oom = true;
	else if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		kw_diags_add(c->d, rel, 0, r, "cannot look up: %s", kw_strerror(r));
	return r == 0 ? p : NULL;
}

/* ---- hives -------------------------------------------------------------------------- */

static kw_hive *open_hive(wc *c, kw_win_hive_id id)
{
	char rel[64];
	snprintf(rel, sizeof rel, "/Windows/System32/config/%s", hive_names[id]);
	kw_win_hive_info *hi = &c->wf->hive[id];
	hi->path = find(c, rel);
	if (!hi->path) {
		/* SECURITY holds nothing a check needs but the autologon secret */
		if (id != KW_WIN_SECURITY && !c->oom)
			kw_diags_add_fatal(c->d, rel, 0, -ENOENT, "no %s hive: its checks could not run",
					   hive_names[id]);
		return NULL;
	}
	kw_file f = { 0 };
	int r = kw_target_read(c->t, hi->path, KW_HIVE_MAX, &f);
	if (r < 0) {
		kw_diags_add_fatal(c->d, hi->path, 0, r, "cannot read the %s hive: %s", hive_names[id],
				   kw_strerror(r));
		return NULL;
	}
	kw_hive *h = NULL;
	char err[128] = "";
	if (f.truncated)
		r = KW_E_TOOBIG, snprintf(err, sizeof err, "larger than %zu MiB", KW_HIVE_MAX >> 20);
	else
		r = kw_hive_open(f.data, f.len, &h, err, sizeof err);
	kw_file_release(&f);
	if (r == -ENOMEM) {
		c->oom = true;
		return NULL;
	}
	if (r < 0) {
		kw_diags_add_fatal(c->d, hi->path, 0, r, "the %s hive cannot be read: %s", hive_names[id], err);
		return NULL;
	}
	hi->opened = true;
	hi->dirty = kw_hive_dirty(h);
	return h;
}

static void num(kw_hive *h, kw_hnode key, const char *name, kw_win_num *ret)
{
	ret->state = kw_hive_num(h, key, name, &ret->v);
}

static void collect_system(wc *c, kw_hive *h)
{
	kw_win_facts *wf = c->wf;
	kw_hnode root = kw_hive_root(h);
	uint32_t cur = 0;
	if (kw_hive_num(h, kw_hive_key(h, root, "Select"), "Current", &cur) != KW_HVAL_SET || !cur ||
	    cur > 999) {
		kw_diags_add_fatal(c->d, wf->hive[KW_WIN_SYSTEM].path, 0, KW_E_PARSE,
				   "SYSTEM\\Select\\Current is missing or not a control set number: the "
				   "RDP, LSA and service checks could not run");
		return;
	}
	wf->control_set = cur;
	char set[32];
	snprintf(set, sizeof set, "ControlSet%03u", cur);
	kw_hnode cs = kw_hive_key(h, root, set);
	if (!cs) {
		kw_diags_add_fatal(c->d, wf->hive[KW_WIN_SYSTEM].path, 0, KW_E_PARSE,
				   "SYSTEM\\Select\\Current names %s, which does not exist", set);
		return;
	}
	num(h, kw_hive_key(h, cs, "Control\\Lsa"), "LimitBlankPasswordUse", &wf->limit_blank);
	kw_hnode ts = kw_hive_key(h, cs, "Control\\Terminal Server");
	num(h, ts, "fDenyTSConnections", &wf->rdp.deny);
	kw_hnode tcp = kw_hive_key(h, ts, "WinStations\\RDP-Tcp");
	num(h, tcp, "UserAuthentication", &wf->rdp.nla);
	num(h, tcp, "SecurityLayer", &wf->rdp.layer);
	num(h, tcp, "MinEncryptionLevel", &wf->rdp.encryption);
	num(h, tcp, "PortNumber", &wf->rdp.port);
	wf->rdp.cert_bound = kw_hive_exists(h, tcp, "SSLCertificateSHA1Hash", NULL) == KW_HVAL_SET;

	kw_hnode svcs = kw_hive_key(h, cs, "Services");
	for (size_t i = 0; i < kw_win_services_n && svcs; i++) {
		kw_hnode s = kw_hive_key(h, svcs, kw_win_services[i].name);
		if (!s)
			continue;
		kw_win_service *ws = KW_VEC_PUSH(wf->services, wf->n_services, wf->cap_services);
		if (!ws) {
			c->oom = true;
			return;
		}
		ws->def = &kw_win_services[i];
		num(h, s, "Start", &ws->start);
	}
	char *uf = NULL;
	if (kw_hive_str(h, kw_hive_key(h, root, "Setup"), "UnattendFile", &uf) == KW_HVAL_SET && uf && *uf)
		wf->unattend_file = uf;
	else
		free(uf);
}

static void collect_software(wc *c, kw_hive *h)
{
	kw_win_facts *wf = c->wf;
	kw_hnode root = kw_hive_root(h);
	kw_hnode pol = kw_hive_key(h, root, "Policies\\Microsoft\\Windows NT\\Terminal Services");
	num(h, pol, "fDenyTSConnections", &wf->rdp.deny_policy);
	num(h, pol, "UserAuthentication", &wf->rdp.nla_policy);
	num(h, pol, "SecurityLayer", &wf->rdp.layer_policy);
	num(h, pol, "MinEncryptionLevel", &wf->rdp.encryption_policy);

	kw_win_autologon *al = &wf->autologon;
	kw_hnode wl = kw_hive_key(h, root, "Microsoft\\Windows NT\\CurrentVersion\\Winlogon");
	if (!wl)
		return;
	uint32_t n;
	switch (kw_hive_num(h, wl, "AutoAdminLogon", &n)) {
	case KW_HVAL_SET:
		if (asprintf(&al->auto_admin_logon, "%u", n) < 0)
			c->oom = true, al->auto_admin_logon = NULL;
		break;
	case KW_HVAL_BADTYPE:
		if (kw_hive_str(h, wl, "AutoAdminLogon", &al->auto_admin_logon) != KW_HVAL_SET)
			al->auto_admin_logon = strdup("?");
		break;
	case KW_HVAL_ABSENT:
		break;
	}
	/* a password's presence and emptiness; its value is never fetched as text */
	size_t len = 0;
	al->default_password = kw_hive_exists(h, wl, "DefaultPassword", &len);
	/* REG_SZ data is UTF-16 with a terminating NUL: 2 bytes or less is empty */
	if (al->default_password == KW_HVAL_SET && len <= 2)
		al->default_password = KW_HVAL_ABSENT;
	al->alt_default_password = kw_hive_exists(h, wl, "AltDefaultPassword", &len);
	if (al->alt_default_password == KW_HVAL_SET && len <= 2)
		al->alt_default_password = KW_HVAL_ABSENT;
	kw_hive_str(h, wl, "DefaultUserName", &al->default_user);
}

/* Users\<RID as 8 hex digits> keys, listed once and found by RID (a child lookup per
 * account would compare, and convert, every name under Users again for each account) */
typedef struct rid_key {
	uint32_t rid;
	size_t order;       /* the first of two spellings of one RID wins, as in a lookup */
	kw_hnode node;
} rid_key;

static int cmp_rid_key(const void *a, const void *b)
{
	const rid_key *x = a, *y = b;
	if (x->rid != y->rid)
		return x->rid < y->rid ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int rid_keys(kw_hive *h, kw_hnode users, rid_key **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_free_ kw_hnode *kids = NULL;
	size_t nk = 0;
	if (kw_hive_children(h, users, &kids, &nk) < 0)
		return 0;
	rid_key *v = calloc(nk ? nk : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < nk; i++) {
		_cleanup_free_ char *name = kw_hive_key_name(h, kids[i]);
		if (!name || strlen(name) != 8 || strspn(name, "0123456789abcdefABCDEF") != 8)
			continue;
		v[n++] = (rid_key){ (uint32_t)strtoul(name, NULL, 16), i, kids[i] };
	}
	qsort(v, n, sizeof *v, cmp_rid_key);
	*ret = v;
	*ret_n = n;
	return 0;
}

static kw_hnode rid_key_find(const rid_key *v, size_t n, uint32_t rid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) { /* the first entry with this RID */
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].rid < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].rid == rid ? v[lo].node : 0;
}

static void collect_sam(wc *c, kw_hive *h)
{
	kw_win_facts *wf = c->wf;
	kw_hnode users = kw_hive_key(h, kw_hive_root(h), "SAM\\Domains\\Account\\Users");
	kw_hnode names = kw_hive_key(h, users, "Names");
	if (!names) {
		kw_diags_add_fatal(c->d, wf->hive[KW_WIN_SAM].path, 0, KW_E_PARSE,
				   "no SAM\\Domains\\Account\\Users\\Names: the account checks could not run");
		return;
	}
	_cleanup_free_ kw_hnode *kids = NULL;
	size_t nk = 0;
	if (kw_hive_children(h, names, &kids, &nk) < 0) {
		kw_diags_add_fatal(c->d, wf->hive[KW_WIN_SAM].path, 0, KW_E_PARSE,
				   "the SAM's account names cannot be listed");
		return;
	}
	_cleanup_free_ rid_key *rk = NULL;
	size_t nrk = 0;
	if (rid_keys(h, users, &rk, &nrk) < 0) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < nk && !c->oom; i++) {
		kw_win_account *a = KW_VEC_PUSH(wf->accounts, wf->n_accounts, wf->cap_accounts);
		if (!a || !(a->name = kw_hive_key_name(h, kids[i]))) {
			c->oom = true;
			return;
		}
		uint8_t *data;
		size_t len;
		uint32_t type = 0;
		if (kw_hive_raw(h, kids[i], "", &data, &len, &type) == KW_HVAL_SET) {
			a->rid = type;
			free(data);
		}
		kw_hnode u = a->rid ? rid_key_find(rk, nrk, a->rid) : 0;
		if (u && kw_hive_raw(h, u, "F", &data, &len, NULL) == KW_HVAL_SET) {
			a->have_f = kw_sam_parse_f(data, len, &a->f) == 0;
			free(data);
		}
		if (u && kw_hive_raw(h, u, "V", &data, &len, NULL) == KW_HVAL_SET) {
			a->have_v = kw_sam_parse_v(data, len, &a->v) == 0;
			/* the record holds the (encrypted) hashes: wipe the copy */
			explicit_bzero(data, len);
			free(data);
		}
		if (!a->have_f || !a->have_v)
			kw_diags_add(c->d, wf->hive[KW_WIN_SAM].path, 0, KW_E_PARSE,
				     "account RID %u: the %s record is missing or malformed", a->rid,
				     !a->have_f ? "F" : "V");
	}
}

static void collect_security(wc *c, kw_hive *h)
{
	c->wf->autologon.lsa_secret =
		kw_hive_key(h, kw_hive_root(h), "Policy\\Secrets\\DefaultPassword") != 0;
}

/* ---- answer files ------------------------------------------------------------------- */

static void add_answer(wc *c, const char *path, bool from_registry)
{
	kw_win_facts *wf = c->wf;
	for (size_t i = 0; i < wf->n_answers; i++)
		if (!strcmp(wf->answers[i].path, path)) {
			wf->answers[i].from_registry |= from_registry;
			return;
		}
	kw_file f = { 0 };
	int r = kw_target_read(c->t, path, c->max_file, &f);
	if (r == -ENOENT || r == -ENOTDIR || r == KW_E_NOTREG)
		return;
	if (r < 0) {
		kw_diags_add(c->d, path, 0, r, "cannot read the answer file: %s", kw_strerror(r));
		return;
	}
	kw_win_answer *a = KW_VEC_PUSH(wf->answers, wf->n_answers, wf->cap_answers);
	if (!a || !(a->path = strdup(path))) {
		c->oom = true;
		kw_file_release(&f);
		return;
	}
	a->from_registry = from_registry;
	a->truncated = f.truncated;
	a->parse_err = kw_ua_parse(f.data, f.len, &a->r);
	explicit_bzero(f.data, f.len);
	kw_file_release(&f);
	if (a->parse_err == -ENOMEM)
		c->oom = true;
	else if (a->truncated)
		kw_diags_add(c->d, path, 0, KW_E_TOOBIG, "larger than %llu MiB: only the start was read",
			     (unsigned long long)(c->max_file >> 20));
	else if (a->parse_err < 0)
		kw_diags_add(c->d, path, a->r.error_line, a->parse_err, "%s",
			     a->r.error[0] ? a->r.error : kw_strerror(a->parse_err));
}

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && !strcasecmp(name + n - e, ext);
}

/* every file with extension ext in the image folder rel, depth levels down */
static void answers_in(wc *c, const char *rel, const char *ext, int depth)
{
	_cleanup_free_ char *dir = find(c, rel);
	kw_dirent *d;
	size_t n;
	if (!dir || kw_target_list(c->t, dir, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n && !c->oom; i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, d[i].name) < 0) {
			c->oom = true;
			break;
		}
		if (d[i].type == KW_FT_DIR && depth > 0)
			answers_in(c, p, ext, depth - 1);
		else if (d[i].type == KW_FT_REG && has_ext(d[i].name, ext))
			add_answer(c, p, false);
	}
	kw_dirents_free(d, n);
}

/* Windows Setup's implicit search order, its caches, and cloud agents' copies */
static const char *const answer_files[] = {
	"/Windows/Panther/Unattend/Unattend.xml",
	"/Windows/Panther/Unattend/Autounattend.xml",
	"/Windows/Panther/Unattend.xml",
	"/Windows/Panther/Autounattend.xml",
	"/Windows/System32/Sysprep/unattend.xml",
	"/Windows/System32/Sysprep/sysprep.xml",
	"/Windows/System32/Sysprep/sysprep.inf",
	"/Windows/sysprep.inf",
	"/unattend.xml",
	"/autounattend.xml",
	"/unattend.txt",
	"/unattend.inf",
	"/sysprep.inf",
	"/sysprep/sysprep.inf",
	"/sysprep/sysprep.xml",
	"/ProgramData/Amazon/EC2Launch/sysprep/unattend.xml",
	"/ProgramData/Amazon/EC2-Windows/Launch/Sysprep/Unattend.xml",
	"/Program Files/Amazon/EC2ConfigService/sysprep2008.xml",
	"/Program Files/Amazon/Ec2ConfigService/Settings/sysprep2008.xml",
	"/Program Files/Cloudbase Solutions/Cloudbase-Init/conf/Unattend.xml",
};

static void collect_answers(wc *c)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(answer_files) && !c->oom; i++) {
		_cleanup_free_ char *p = find(c, answer_files[i]);
		if (p)
			add_answer(c, p, false);
	}
	answers_in(c, "/Windows/Panther/UnattendGC", ".xml", 0);
	answers_in(c, "/Windows/System32/Sysprep/Panther", ".xml", 1);
	/* Group Policy Preferences as cached on the machine */
	answers_in(c, "/ProgramData/Microsoft/Group Policy/History", ".xml", 5);
	if (c->wf->unattend_file && !c->oom) {
		_cleanup_free_ char *rel = kw_win_path_from_windows(c->wf->unattend_file);
		_cleanup_free_ char *p = rel ? find(c, rel) : NULL;
		if (p)
			add_answer(c, p, true);
	}
}

/* ---- leftovers ---------------------------------------------------------------------- */

static kw_win_leftover *leftover(wc *c, kw_win_leftover_kind kind, const char *path,
				 const char *profile, uint64_t size, unsigned count)
{
	kw_win_facts *wf = c->wf;
	kw_win_leftover *l = KW_VEC_PUSH(wf->leftovers, wf->n_leftovers, wf->cap_leftovers);
	if (!l || !(l->path = strdup(path)) || (profile && !(l->profile = strdup(profile)))) {
		c->oom = true;
		return NULL;
	}
	l->kind = kind;
	l->size = size;
	l->count = count;
	return l;
}

/* The entries of home/rel (any case): true with *dir (the caller's) and the listing. */
static bool list_sub(wc *c, const char *home, const char *rel, char **dir, kw_dirent **d,
		     size_t *n)
{
	_cleanup_free_ char *want = NULL;
	if (asprintf(&want, "%s/%s", home, rel) < 0) {
		c->oom = true;
		return false;
	}
	*dir = find(c, want);
	return *dir && kw_target_list(c->t, *dir, d, n) == 0;
}

/* a folder of credential blobs: one leftover with the count of non-empty files */
static void cred_dir(wc *c, const char *home, const char *rel, kw_win_leftover_kind kind,
		     const char *profile)
{
	_cleanup_free_ char *dir = NULL;
	kw_dirent *d;
	size_t n;
	if (!list_sub(c, home, rel, &dir, &d, &n))
		return;
	unsigned count = 0;
	uint64_t bytes = 0;
	for (size_t i = 0; i < n && !c->oom; i++) {
		_cleanup_free_ char *p = NULL;
		kw_stat st;
		if (asprintf(&p, "%s/%s", dir, d[i].name) < 0) {
			c->oom = true;
			break;
		}
		if (d[i].type == KW_FT_DIR && kind == KW_WL_VAULT) {
			/* a vault is a folder of .vcrd records */
			kw_dirent *v;
			size_t nv;
			if (kw_target_list(c->t, p, &v, &nv) == 0) {
				for (size_t j = 0; j < nv; j++)
					count += v[j].type == KW_FT_REG && has_ext(v[j].name, ".vcrd");
				kw_dirents_free(v, nv);
			}
		} else if (d[i].type == KW_FT_REG && kw_target_lstat(c->t, p, &st) == 0 && st.size > 0) {
			count++;
			bytes += st.size;
		}
	}
	kw_dirents_free(d, n);
	if (count)
		leftover(c, kind, dir, profile, bytes, count);
}

/* .rdp files with a saved password: "password 51:b:<hex>" (DPAPI-protected) */
static bool rdp_has_password(const uint8_t *p, size_t len)
{
	static const char key[] = "password 51:b:";
	size_t k = sizeof key - 1;
	/* UTF-8/ANSI, or UTF-16LE (every other byte NUL) */
	for (size_t i = 0; i + k <= len; i++)
		if (!strncasecmp((const char *)p + i, key, k) && i + k < len && p[i + k] > ' ')
			return true;
	for (size_t i = 0; i + 2 * k + 1 < len; i++) {
		size_t j = 0;
		while (j < k && (p[i + 2 * j] | 0x20) == (key[j] | 0x20) && !p[i + 2 * j + 1])
			j++;
		if (j == k && p[i + 2 * k] > ' ')
			return true;
	}
	return false;
}

static void rdp_files(wc *c, const char *home, const char *sub, const char *profile)
{
	_cleanup_free_ char *dir = NULL;
	kw_dirent *d;
	size_t n;
	if (!list_sub(c, home, sub, &dir, &d, &n))
		return;
	for (size_t i = 0; i < n && !c->oom; i++) {
		if (d[i].type != KW_FT_REG || !has_ext(d[i].name, ".rdp"))
			continue;
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, d[i].name) < 0) {
			c->oom = true;
			break;
		}
		kw_file f = { 0 };
		if (kw_target_read(c->t, p, 1 << 20, &f) < 0)
			continue;
		if (rdp_has_password(f.data, f.len))
			leftover(c, KW_WL_RDP_PASSWORD, p, profile, f.st.size, 1);
		kw_file_release(&f);
	}
	kw_dirents_free(d, n);
}

static void collect_profile(wc *c, const char *home, const char *profile)
{
	static const struct { const char *rel; kw_win_leftover_kind kind; } dirs[] = {
		{ "AppData/Roaming/Microsoft/Credentials", KW_WL_CREDMAN },
		{ "AppData/Local/Microsoft/Credentials", KW_WL_CREDMAN },
		{ "AppData/Roaming/Microsoft/Vault", KW_WL_VAULT },
		{ "AppData/Local/Microsoft/Vault", KW_WL_VAULT },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(dirs) && !c->oom; i++)
		cred_dir(c, home, dirs[i].rel, dirs[i].kind, profile);
	rdp_files(c, home, "Documents", profile);
	rdp_files(c, home, "Desktop", profile);
}

static void collect_leftovers(wc *c)
{
	_cleanup_free_ char *users = find(c, "/Users");
	kw_dirent *d;
	size_t n;
	if (users && kw_target_list(c->t, users, &d, &n) == 0) {
		for (size_t i = 0; i < n && !c->oom; i++) {
			if (d[i].type != KW_FT_DIR)
				continue;
			_cleanup_free_ char *home = NULL;
			if (asprintf(&home, "%s/%s", users, d[i].name) < 0) {
				c->oom = true;
				break;
			}
			collect_profile(c, home, d[i].name);
		}
		kw_dirents_free(d, n);
	}
	/* the accounts services run as */
	static const char *const sys_profiles[] = {
		"/Windows/System32/config/systemprofile",
		"/Windows/ServiceProfiles/LocalService",
		"/Windows/ServiceProfiles/NetworkService",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(sys_profiles) && !c->oom; i++) {
		_cleanup_free_ char *home = find(c, sys_profiles[i]);
		if (home)
			collect_profile(c, home, strrchr(sys_profiles[i], '/') + 1);
	}
	/* older copies of the hives: old accounts and their hashes */
	static const char *const old_dirs[] = { "/Windows/System32/config/RegBack", "/Windows/repair" };
	for (size_t i = 0; i < KW_ARRAY_LEN(old_dirs) && !c->oom; i++)
		for (size_t j = 0; j < KW_WIN_HIVE__COUNT && !c->oom; j++) {
			char rel[96];
			snprintf(rel, sizeof rel, "%s/%s", old_dirs[i], hive_names[j]);
			_cleanup_free_ char *p = find(c, rel);
			kw_stat st;
			/* Windows 10 1803 and later leave RegBack's files empty */
			if (p && kw_target_lstat(c->t, p, &st) == 0 && st.type == KW_FT_REG && st.size > 0)
				leftover(c, KW_WL_OLD_HIVE, p, NULL, st.size, 1);
		}
	static const char *const memory[] = {
		"/hiberfil.sys", "/pagefile.sys", "/swapfile.sys", "/Windows/MEMORY.DMP",
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(memory) && !c->oom; i++) {
		_cleanup_free_ char *p = find(c, memory[i]);
		kw_stat st;
		if (p && kw_target_lstat(c->t, p, &st) == 0 && st.type == KW_FT_REG && st.size > 0)
			leftover(c, KW_WL_MEMORY_IMAGE, p, NULL, st.size, 1);
	}
}

/* ---- entry point -------------------------------------------------------------------- */

int kw_win_collect(kw_target *t, uint64_t max_file, kw_win_facts *wf, kw_diags *diags)
{
	*wf = (kw_win_facts){ 0 };
	wc c = { .t = t, .wf = wf, .d = diags, .max_file = max_file };
	wf->windir = find(&c, "/Windows");
	static void (*const readers[KW_WIN_HIVE__COUNT])(wc *, kw_hive *) = {
		collect_system, collect_software, collect_sam, collect_security,
	};
	for (int i = 0; i < KW_WIN_HIVE__COUNT && !c.oom; i++) {
		kw_hive *h = open_hive(&c, (kw_win_hive_id)i);
		if (h)
			readers[i](&c, h);
		kw_hive_free(h);
	}
	if (!c.oom)
		collect_answers(&c);
	if (!c.oom)
		collect_leftovers(&c);
	return c.oom ? -ENOMEM : 0;
}

void kw_win_facts_release(kw_win_facts *wf)
{
	if (!wf)
		return;
	free(wf->windir);
	for (int i = 0; i < KW_WIN_HIVE__COUNT; i++)
		free(wf->hive[i].path);
	free(wf->autologon.auto_admin_logon);
	free(wf->autologon.default_user);
	for (size_t i = 0; i < wf->n_accounts; i++)
		free(wf->accounts[i].name);
	free(wf->accounts);
	free(wf->services);
	for (size_t i = 0; i < wf->n_answers; i++) {
		free(wf->answers[i].path);
		kw_ua_result_release(&wf->answers[i].r);
	}
	free(wf->answers);
	for (size_t i = 0; i < wf->n_leftovers; i++) {
		free(wf->leftovers[i].path);
		free(wf->leftovers[i].profile);
	}
	free(wf->leftovers);
	free(wf->unattend_file);
	*wf = (kw_win_facts){ 0 };
}
