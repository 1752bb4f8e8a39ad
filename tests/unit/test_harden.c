/* test_harden.c — the harden plan (fix/harden.c) and its checks (fix/validate.c) on image
 * roots made in a temp folder: harden sets, placement (Include at the top, after a
 * setting, none; drop-ins that must sort later; an earlier block replaced), computed
 * algorithm lists, the moduli filter and its refusals, "never loosen", and the second
 * apply being empty. Every plan is checked by the real /usr/sbin/sshd -t and -T (the
 * builder runs it on a staged copy); after applying, keyward's engine reads the root
 * again and must see the hardened values. Runs as root (private mount namespace). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "collect/facts.h"
#include "fix/harden.h"
#include "fix/validate.h"
#include "sshd/algos.h"
#include "sshd/config.h"
#include "target/write.h"
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA KW_TEST_DATA "/harden/"
#define MODULI KW_TEST_DATA "/moduli/"


static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void rm_tree(const char *p)
{
	nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write rel inside root (parents made). */
static void write_in(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void text_in(const char *root, const char *rel, const char *text)
{
	write_in(root, rel, text, strlen(text));
}

static void copy_in(const char *root, const char *rel, const char *src)
{
	size_t len;
	uint8_t *d = kwt_read_file(src, &len);
	write_in(root, rel, d, len);
	free(d);
}

/* A Debian-like image root with the given main sshd_config and an empty drop-in folder. */
static char *image(const char *sshd_config)
{
	char *root = strdup("/tmp/kwharden.XXXXXX");
	assert_non_null(root);
	assert_non_null(mkdtemp(root));
	chmod(root, 0755);
	text_in(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
		"sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n");
	text_in(root, "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
	text_in(root, "/etc/shadow", "root:*:19700:0:99999:7:::\nsshd:!:19700::::::\n");
	text_in(root, "/etc/ssh/sshd_config", sshd_config);
	char d[512];
	snprintf(d, sizeof d, "%s/etc/ssh/sshd_config.d", root);
	mkdir(d, 0755);
	return root;
}

typedef struct hrun {
	kw_target *t;
	kw_facts f;
	kw_harden_set set;
	kw_plan p;
	kw_harden_result res;
	int r;
} hrun;

static void plan_with(hrun *h, const char *root, const char *set, const kw_harden_opts *extra)
{
	memset(h, 0, sizeof *h);
	kw_plan_init(&h->p);
	kw_diags d = { 0 };
	assert_int_equal(kw_harden_set_load(set, &h->set, &d), 0);
	kw_diags_release(&d);
	assert_int_equal(kw_target_open_dir(root, &h->t), 0);
	kw_collect_opts co = { 0 };
	assert_int_equal(kw_collect(h->t, &co, &h->f), 0);
	kw_harden_opts o = *extra;
	o.set = &h->set;
	h->r = kw_harden_plan(h->t, &h->f, &o, &h->p, &h->res);
}

/* The usual run: the guard only reports (these roots have no keys), moduli default. */
static void plan(hrun *h, const char *root, const char *set)
{
	kw_harden_opts o = { .console_access = true };
	plan_with(h, root, set, &o);
	if (h->r != 0)
		fail_msg("plan refused: %s", h->res.why ? h->res.why : kw_strerror(h->r));
	if (h->p.n && h->res.check.verdict != KW_SSHD_ACCEPTED)
		fail_msg("sshd did not accept the plan: %s", h->res.check.note ? h->res.check.note
			 : h->res.check.errors ? h->res.check.errors : "?");
}

static void hrun_release(hrun *h)
{
	kw_harden_result_release(&h->res);
	kw_plan_release(&h->p);
	kw_facts_release(&h->f);
	kw_target_free(h->t);
	kw_harden_set_release(&h->set);
}

static const kw_action *action(const kw_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path))
			return &p->v[i];
	return NULL;
}

static bool has_note(const kw_plan *p, const char *needle)
{
	for (size_t i = 0; i < p->n_notes; i++)
		if (strstr(p->notes[i], needle))
			return true;
	return false;
}

/* New content of an action as a string (caller frees). */
static char *content(const kw_action *a)
{
	assert_non_null(a);
	char *s = malloc(a->len + 1);
	assert_non_null(s);
	memcpy(s, a->data, a->len);
	s[a->len] = '\0';
	return s;
}

/* Apply through the journaled writer (journal outside the root). */
static void apply(const char *root, kw_plan *p)
{
	char j[] = "/tmp/kwharden-journal.XXXXXX";
	assert_non_null(mkdtemp(j));
	char jd[64];
	snprintf(jd, sizeof jd, "%s/j", j);
	kw_writer *w = NULL;
	assert_int_equal(kw_writer_open(root, jd, &w), 0);
	assert_int_equal(kw_plan_apply(p, w, NULL, true), 0);
	kw_writer_free(w);
	rm_tree(j);
}

/* Effective global value of a -T keyword after the change, read from the root. */
static char *effective(const char *root, kw_sshd_opt o)
{
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(root, &t), 0);
	kw_sshd_config *c = NULL;
	kw_diags d = { 0 };
	kw_sshd_load_opts lo = { .config_path = NULL };
	assert_int_equal(kw_sshd_config_load(t, &lo, &c, &d), 0);
	const char *v = kw_sshd_value(kw_sshd_config_global(c), o);
	char *r = strdup(v ? v : "");
	kw_sshd_config_free(c);
	kw_diags_release(&d);
	kw_target_free(t);
	return r;
}

static void assert_effective(const char *root, kw_sshd_opt o, const char *want)
{
	char *v = effective(root, o);
	if (strcmp(v, want) != 0)
		fail_msg("%s is %s, not %s", kw_sshd_optdef_get(o)->tname, v, want);
	free(v);
}

/* Apply, then the same run again must plan nothing. */
static void apply_then_empty(const char *root, hrun *h, const char *set)
{
	apply(root, &h->p);
	hrun again;
	plan(&again, root, set);
	if (again.p.n)
		fail_msg("second run plans %zu changes (first: %s)", again.p.n, again.p.v[0].path);
	hrun_release(&again);
}

/* ---------------------------------------------------------------- sets -- */

static void test_builtin_sets(void **state)
{
	(void)state;
	kw_harden_set s = { 0 };
	kw_diags d = { 0 };
	assert_int_equal(kw_harden_set_load("strict", &s, &d), 0);
	assert_string_equal(s.policy, "strict");
	bool pw = false, root_no = false;
	for (size_t i = 0; i < s.n; i++) {
		pw |= s.v[i].opt == KW_SO_PASSWORDAUTHENTICATION; /* from the included baseline */
		if (s.v[i].opt == KW_SO_PERMITROOTLOGIN)
			root_no = !strcmp(s.v[i].line, "PermitRootLogin no"); /* replaced, comment dropped */
	}
	assert_true(pw && root_no);
	kw_harden_set_release(&s);
	assert_int_equal(kw_harden_set_load("nosuchset", &s, &d), -ENOENT);
	kw_diags_release(&d);
}

static void test_set_errors(void **state)
{
	(void)state;
	kw_harden_set s = { 0 };
	kw_diags d = { 0 };
	assert_true(kw_harden_set_load(DATA "bad-set.conf", &s, &d) < 0);
	static const struct { unsigned line; const char *msg; } want[] = {
		{ 2, "Match cannot be in a harden set" },
		{ 3, "Include cannot be in a harden set" },
		{ 4, "AllowUsers adds up across lines" },
		{ 5, "NoSuchKeyword is not an sshd keyword" },
		{ 6, "UsePrivilegeSeparation is deprecated or unsupported" },
		{ 7, "integer value invalid" },
		{ 8, "unknown algorithms policy paranoid" },
		{ 9, "no built-in harden set nosuchset" },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const kw_diag *g = kwt_diag_at(&d, want[i].line);
		if (!g || !strstr(g->msg, want[i].msg))
			fail_msg("line %u: want \"%s\", got \"%s\"", want[i].line, want[i].msg, g ? g->msg : "nothing");
	}
	kw_diags_release(&d);
	assert_true(kw_harden_set_load(DATA "unknown-cipher.conf", &s, &d) < 0);
	assert_non_null(kwt_diag_at(&d, 4));
	assert_non_null(strstr(kwt_diag_at(&d, 4)->msg, "Bad SSH2 cipher spec"));
	kw_diags_release(&d);
	assert_int_equal(kw_harden_set_load(DATA "site.conf", &s, &d), 0);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].opt == KW_SO_LOGINGRACETIME)
			assert_string_equal(s.v[i].line, "LoginGraceTime 20");
	kw_harden_set_release(&s);
	kw_diags_release(&d);
}

/* ---------------------------------------------------------------- placement -- */

static void test_dropin_when_included_first(void **state)
{
	(void)state;
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n"
			   "X11Forwarding yes\nUsePAM yes\n");
	text_in(root, "/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n");
	hrun h;
	plan(&h, root, "baseline");
	assert_true(h.res.dropin);
	assert_string_equal(h.res.written, "/etc/ssh/sshd_config.d/00-keyward-harden.conf");
	char *c = content(action(&h.p, "/etc/ssh/sshd_config.d/00-keyward-harden.conf"));
	assert_non_null(strstr(c, "\nPasswordAuthentication no\n"));
	assert_non_null(strstr(c, "\nX11Forwarding no\n"));
	assert_true(!strncmp(c, KW_HARDEN_MARK, strlen(KW_HARDEN_MARK)));
	free(c);
	assert_null(action(&h.p, "/etc/ssh/sshd_config")); /* the main file is not touched */
	assert_true(has_note(&h.p, "overrides /etc/ssh/sshd_config.d/50-cloud-init.conf:1 (PasswordAuthentication yes)"));
	assert_true(has_note(&h.p, "overrides /etc/ssh/sshd_config:3 (X11Forwarding yes)"));
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_PASSWORDAUTHENTICATION, "no");
	assert_effective(root, KW_SO_X11FORWARDING, "no");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_block_when_set_before_include(void **state)
{
	(void)state;
	char *root = image("PasswordAuthentication yes\nInclude /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n");
	hrun h;
	plan(&h, root, "baseline");
	assert_false(h.res.dropin);
	char *c = content(action(&h.p, "/etc/ssh/sshd_config"));
	assert_true(!strncmp(c, KW_HARDEN_BEGIN, strlen(KW_HARDEN_BEGIN)));
	char *ours = strstr(c, "\nPasswordAuthentication no\n"), *theirs = strstr(c, "\nPasswordAuthentication yes\n");
	assert_true(ours && theirs && ours < theirs && strstr(c, KW_HARDEN_END) < theirs);
	free(c);
	assert_true(has_note(&h.p, "does not win (PasswordAuthentication comes from /etc/ssh/sshd_config:1)"));
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_PASSWORDAUTHENTICATION, "no");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_block_without_include(void **state)
{
	(void)state;
	/* CRLF line ends and no final newline: the rest of the file is kept byte for byte */
	static const char orig[] = "X11Forwarding yes\r\nUsePAM yes\r\n# last line";
	char *root = image(orig);
	hrun h;
	plan(&h, root, "baseline");
	assert_false(h.res.dropin);
	assert_string_equal(h.res.written, "/etc/ssh/sshd_config");
	assert_true(has_note(&h.p, "Includes no folder under /etc/ssh"));
	char *c = content(action(&h.p, "/etc/ssh/sshd_config"));
	char *rest = strstr(c, KW_HARDEN_END "\n");
	assert_non_null(rest);
	assert_string_equal(rest + strlen(KW_HARDEN_END "\n"), orig);
	free(c);
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_X11FORWARDING, "no");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_dropin_sorts_before_setters(void **state)
{
	(void)state;
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n");
	text_in(root, "/etc/ssh/sshd_config.d/00-aaa.conf", "PasswordAuthentication yes\n");
	text_in(root, "/etc/ssh/sshd_config.d/01-unrelated.conf", "Banner none\n");
	hrun h;
	plan(&h, root, "baseline");
	assert_true(h.res.dropin);
	assert_string_equal(h.res.written, "/etc/ssh/sshd_config.d/00-0-keyward-harden.conf");
	assert_true(strcmp("00-0-keyward-harden.conf", "00-aaa.conf") < 0);
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_PASSWORDAUTHENTICATION, "no");
	hrun_release(&h);

	/* a new drop-in sorting before ours: our file moves to a smaller name, merged */
	text_in(root, "/etc/ssh/sshd_config.d/00-0-a.conf", "MaxAuthTries 8\n");
	plan(&h, root, "baseline");
	assert_string_equal(h.res.written, "/etc/ssh/sshd_config.d/00-0-0-keyward-harden.conf");
	char *c = content(action(&h.p, h.res.written));
	assert_non_null(strstr(c, "\nMaxAuthTries 4\n"));
	assert_non_null(strstr(c, "\nPasswordAuthentication no\n")); /* kept from the old file */
	free(c);
	const kw_action *rm = action(&h.p, "/etc/ssh/sshd_config.d/00-0-keyward-harden.conf");
	assert_non_null(rm);
	assert_int_equal(rm->kind, KW_ACT_REMOVE);
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_MAXAUTHTRIES, "4");
	assert_effective(root, KW_SO_PASSWORDAUTHENTICATION, "no");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_block_replaced_not_duplicated(void **state)
{
	(void)state;
	char *root = image("# BEGIN keyward harden (set old)\nMaxAuthTries 5\nGatewayPorts no\n"
			   "# END keyward harden\nPasswordAuthentication yes\nUsePAM yes\n");
	hrun h;
	plan(&h, root, "strict");
	char *c = content(action(&h.p, "/etc/ssh/sshd_config"));
	char *first = strstr(c, KW_HARDEN_BEGIN);
	assert_true(first == c && !strstr(first + 1, KW_HARDEN_BEGIN));
	assert_non_null(strstr(c, "\nMaxAuthTries 3\n"));
	assert_null(strstr(c, "MaxAuthTries 5"));
	assert_non_null(strstr(c, "\nGatewayPorts no\n")); /* the old block's lines stay */
	assert_non_null(strstr(c, "\nPasswordAuthentication yes\n"));
	free(c);
	apply_then_empty(root, &h, "strict");
	assert_effective(root, KW_SO_MAXAUTHTRIES, "3");
	assert_effective(root, KW_SO_PERMITROOTLOGIN, "no");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_match_blocks_reported(void **state)
{
	(void)state;
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n"
			   "Match Address 10.0.0.0/8\n  PasswordAuthentication yes\n");
	hrun h;
	plan(&h, root, "baseline");
	assert_true(has_note(&h.p, "/etc/ssh/sshd_config:4: PasswordAuthentication yes inside \"Match Address 10.0.0.0/8\" (line 3)"));
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

/* ---------------------------------------------------------------- values -- */

static void test_never_loosens(void **state)
{
	(void)state;
	char *root = image("PermitRootLogin no\nMaxAuthTries 2\nLoginGraceTime 20\nUsePAM yes\n"
			   "ClientAliveInterval 0\nMaxStartups 5:50:20\nCompression no\n");
	hrun h;
	plan(&h, root, "strict");
	char *c = content(action(&h.p, "/etc/ssh/sshd_config"));
	*strstr(c, KW_HARDEN_END) = '\0'; /* our block only */
	static const char *const kept[] = { "PermitRootLogin", "MaxAuthTries", "LoginGraceTime",
					    "MaxStartups", "Compression" };
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		if (strstr(c, kept[i]))
			fail_msg("the block sets %s, which is already stricter", kept[i]);
	assert_non_null(strstr(c, "\nClientAliveInterval 300\n")); /* 0 = never: the weakest */
	free(c);
	apply_then_empty(root, &h, "strict");
	assert_effective(root, KW_SO_MAXAUTHTRIES, "2");
	assert_effective(root, KW_SO_LOGINGRACETIME, "20");
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

/* Every name of the list graded below fail (and warn for strict), and the list not empty. */
static void assert_graded(const char *list, kw_alg_kind kind, const char *policy)
{
	assert_true(list && *list);
	char *copy = strdup(list);
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		kw_grade g;
		const char *why;
		assert_int_equal(kw_algos_grade(kind, n, policy, &g, &why), 0);
		if (g == KW_GRADE_FAIL || (!strcmp(policy, "strict") && g == KW_GRADE_WARN))
			fail_msg("%s kept %s (%s)", kw_algos_keyword(kind), n, kw_grade_name(g));
	}
	free(copy);
}

static void test_algorithms_never_empty(void **state)
{
	(void)state;
	/* every list holds only names the ratings fail */
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\nCiphers 3des-cbc,aes128-cbc\n"
			   "MACs hmac-md5,hmac-sha1\nKexAlgorithms diffie-hellman-group1-sha1\n"
			   "HostKeyAlgorithms ssh-rsa,ssh-dss\nPubkeyAcceptedAlgorithms ssh-rsa\n"
			   "CASignatureAlgorithms ssh-rsa\n");
	static const char *const policies[] = { "baseline", "strict" };
	for (size_t p = 0; p < 2; p++) {
		hrun h;
		plan(&h, root, policies[p]);
		for (int k = 0; k < KW_ALG__COUNT; k++) {
			if (k == KW_ALG_HOSTBASED)
				continue;
			const kw_sshd_kwdef *kd = kw_sshd_keyword_find(kw_algos_keyword((kw_alg_kind)k));
			const char *const *v;
			assert_int_equal(kw_sshd_values(kw_sshd_config_global(h.f.sshd.cfg), kd->opt, &v), 1);
			/* the staged result is what sshd -T printed and accepted */
			char *real = kw_sshd_dump_values(h.res.check.dump, kw_algos_t_name((kw_alg_kind)k));
			assert_graded(real, (kw_alg_kind)k, policies[p]);
			free(real);
		}
		hrun_release(&h);
	}
	rm_tree(root);
	free(root);
}

static void test_hostkey_refusal(void **state)
{
	(void)state;
	/* the only host key is ECDSA, which strict grades out of HostKeyAlgorithms */
	char *root = image("UsePAM yes\n");
	copy_in(root, "/etc/ssh/ssh_host_ecdsa_key", KW_TEST_DATA "/keys/alice_ecdsa");
	copy_in(root, "/etc/ssh/ssh_host_ecdsa_key.pub", KW_TEST_DATA "/keys/alice_ecdsa.pub");
	hrun h;
	kw_harden_opts o = { .console_access = true };
	plan_with(&h, root, "strict", &o);
	assert_int_equal(h.r, KW_E_REFUSED);
	assert_int_equal(h.res.refusal, KW_HARDEN_REFUSE_HOSTKEY);
	hrun_release(&h);
	plan(&h, root, "baseline"); /* baseline only warns about NIST curves: keeps them */
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

/* ---------------------------------------------------------------- moduli -- */

static size_t count_groups(const char *text)
{
	size_t n = 0;
	for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		n += *p != '#' && *p != '\n';
	return n;
}

static void test_moduli_filtered(void **state)
{
	(void)state;
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n");
	copy_in(root, "/etc/ssh/moduli", MODULI "debian12.moduli");
	hrun h;
	plan(&h, root, "baseline");
	char *m = content(action(&h.p, KW_HARDEN_MODULI));
	assert_int_equal(count_groups(m), 363); /* awk '$5 >= 3071' debian12.moduli | wc -l */
	assert_null(strstr(m, " 2047 "));
	free(m);
	char *c = content(action(&h.p, h.res.written));
	assert_non_null(strstr(c, "\nModuliFile " KW_HARDEN_MODULI "\n"));
	free(c);
	assert_null(action(&h.p, "/etc/ssh/moduli")); /* the packaged file stays */
	/* the moduli file is created before the config that names it */
	assert_string_equal(h.p.v[0].path, KW_HARDEN_MODULI);
	apply_then_empty(root, &h, "baseline");
	assert_effective(root, KW_SO_MODULIFILE, KW_HARDEN_MODULI);
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

static void test_moduli_refusals(void **state)
{
	(void)state;
	char *root = image("UsePAM yes\n");
	copy_in(root, "/etc/ssh/moduli", MODULI "keygen1024.moduli");
	hrun h;
	kw_harden_opts o = { .console_access = true };
	plan_with(&h, root, "baseline", &o);
	assert_int_equal(h.r, KW_E_REFUSED);
	assert_int_equal(h.res.refusal, KW_HARDEN_REFUSE_MODULI);
	assert_non_null(strstr(h.res.why, "would leave nothing (0 of 35 groups)"));
	assert_null(action(&h.p, KW_HARDEN_MODULI));
	hrun_release(&h);
	/* 1024-bit groups only, kept at --min-bits 1024: none sshd can offer (2048..8192) */
	o.min_bits = 1024;
	plan_with(&h, root, "baseline", &o);
	assert_int_equal(h.r, 0); /* nothing below 1024 bits: no filter needed */
	assert_null(action(&h.p, KW_HARDEN_MODULI));
	hrun_release(&h);
	/* --no-moduli leaves it alone */
	o.min_bits = 0;
	o.no_moduli = true;
	plan_with(&h, root, "baseline", &o);
	assert_int_equal(h.r, 0);
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

/* ---------------------------------------------------------------- guard -- */

static void test_guard_in_plan(void **state)
{
	(void)state;
	char *root = image("Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\nPasswordAuthentication yes\n");
	hrun h;
	kw_harden_opts o = { 0 };
	plan_with(&h, root, "baseline", &o);
	assert_int_equal(h.r, KW_E_REFUSED);
	assert_int_equal(h.res.refusal, KW_HARDEN_REFUSE_LOCKOUT);
	assert_true(h.res.guard.needed && !h.res.guard.pass);
	assert_non_null(action(&h.p, "/etc/ssh/sshd_config.d/00-keyward-harden.conf")); /* for the preview */
	hrun_release(&h);
	o.console_access = true;
	plan_with(&h, root, "baseline", &o);
	assert_int_equal(h.r, 0);
	assert_true(has_note(&h.p, "going ahead because of --i-have-console-access"));
	hrun_release(&h);
	rm_tree(root);
	free(root);
}

/* ---------------------------------------------------------------- validate -- */

static void test_validate_real_sshd(void **state)
{
	(void)state;
	char *root = image("Ciphers aes128-ctr\n");
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir(root, &t), 0);
	const char *paths[] = { "/etc/ssh/sshd_config" };
	kw_stage st;
	assert_int_equal(kw_stage_create(t, paths, 1, &st), 0);
	kw_sshd_check c;
	assert_int_equal(kw_validate_sshd(&st, NULL, &c), 0);
	assert_int_equal(c.verdict, KW_SSHD_ACCEPTED);
	char *v = kw_sshd_dump_values(c.dump, "ciphers");
	assert_string_equal(v, "aes128-ctr");
	free(v);
	kw_sshd_check_release(&c);
	/* sshd rejects what the stage says, not what this host has */
	const char bad[] = "Ciphers aes128-ctr,no-such-cipher\n";
	assert_int_equal(kw_stage_write(&st, "/etc/ssh/sshd_config", (const uint8_t *)bad, sizeof bad - 1), 0);
	assert_int_equal(kw_validate_sshd(&st, NULL, &c), 0);
	assert_int_equal(c.verdict, KW_SSHD_REJECTED);
	assert_int_equal(c.status, 255);
	assert_non_null(strstr(c.errors, "Bad SSH2 cipher spec 'aes128-ctr,no-such-cipher'"));
	kw_sshd_check_release(&c);
	/* a path with ".." stays inside the stage */
	assert_int_equal(kw_stage_write(&st, "/../../etc/ssh/x.conf", (const uint8_t *)"x", 1), 0);
	char p[512];
	snprintf(p, sizeof p, "%s/etc/ssh/x.conf", st.root);
	assert_int_equal(access(p, F_OK), 0);
	char *dir = strdup(st.dir);
	kw_stage_release(&st);
	assert_int_equal(access(dir, F_OK), -1); /* removed */
	free(dir);
	/* no sshd: not validated, said so */
	assert_int_equal(kw_stage_create(t, paths, 1, &st), 0);
	assert_int_equal(kw_validate_sshd(&st, "/nonexistent/sshd", &c), 0);
	assert_int_equal(c.verdict, KW_SSHD_NOT_RUN);
	assert_non_null(strstr(c.note, "not validated: sshd not installed here"));
	kw_sshd_check_release(&c);
	kw_stage_release(&st);
	kw_target_free(t);
	rm_tree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_sets),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_dropin_when_included_first),
		cmocka_unit_test(test_block_when_set_before_include),
		cmocka_unit_test(test_block_without_include),
		cmocka_unit_test(test_dropin_sorts_before_setters),
		cmocka_unit_test(test_block_replaced_not_duplicated),
		cmocka_unit_test(test_match_blocks_reported),
		cmocka_unit_test(test_never_loosens),
		cmocka_unit_test(test_algorithms_never_empty),
		cmocka_unit_test(test_hostkey_refusal),
		cmocka_unit_test(test_moduli_filtered),
		cmocka_unit_test(test_moduli_refusals),
		cmocka_unit_test(test_guard_in_plan),
		cmocka_unit_test(test_validate_real_sshd),
	};
	/* the real sshd is part of this test, not optional: scripts/bootstrap installs it */
	if (geteuid() != 0) {
		printf("test_harden: needs root (sshd -t in a private mount namespace)\n");
		return 1;
	}
	if (access(KW_SSHD_PATH, X_OK) != 0) {
		printf("test_harden: %s is missing (package openssh-server)\n", KW_SSHD_PATH);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
