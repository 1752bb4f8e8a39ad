/* sudo.c — read /etc/sudoers and everything it includes, and record who may run
 * commands as root without a password (NOPASSWD rules, Defaults !authenticate).
 *
 * Includes follow sudo(8): #include/@include FILE (relative to the including file's
 * directory), #includedir/@includedir DIR (names containing '.' or ending in '~' are
 * skipped, in lexical order). Depth is capped at 8 (sudo: 128) and every file is read
 * at most once, so include loops end. User_Alias names are expanded across all files,
 * nested at most 8 deep.
 */
#include "collect/collect_internal.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUDO_MAX_DEPTH 8
#define SUDO_MAX_FILES 256

typedef struct sudo_file {
	char *path;
	kw_sudoers s;
} sudo_file;

typedef struct sudo_state {
	kw_collector *c;
	sudo_file *files;
	size_t n, cap;
} sudo_state;

static void read_sudoers(sudo_state *ss, const char *path, int depth);

static char *resolve_include(const char *from, const char *inc)
{
	if (inc[0] == '/')
		return strdup(inc);
	const char *slash = strrchr(from, '/');
	size_t n = slash ? (size_t)(slash - from) : 0;
	char *s = NULL;
	if (asprintf(&s, "%.*s/%s", (int)n, from, inc) < 0)
		return NULL;
	return s;
}

static void read_includedir(sudo_state *ss, const char *dir, int depth)
{
	kw_dirent *d;
	size_t n;
	int r = kw_target_list(ss->c->t, dir, &d, &n);
	if (r < 0) {
		if (r != -ENOENT)
			kw_diags_add(&ss->c->f->diags, dir, 0, r, "cannot list sudoers include directory: %s",
				     kw_strerror(r));
		return;
	}
	for (size_t i = 0; i < n && !ss->c->oom; i++) {
		const char *name = d[i].name;
		size_t len = strlen(name);
		if (strchr(name, '.') || (len && name[len - 1] == '~'))
			continue;
		if (d[i].type != KW_FT_REG && d[i].type != KW_FT_LNK)
			continue;
		_cleanup_free_ char *path = kw_path_join(dir, name);
		if (!path) { ss->c->oom = true; break; }
		read_sudoers(ss, path, depth);
	}
	kw_dirents_free(d, n);
}

static void read_sudoers(sudo_state *ss, const char *path, int depth)
{
	kw_collector *c = ss->c;
	if (depth > SUDO_MAX_DEPTH) {
		kw_diags_add(&c->f->diags, path, 0, KW_E_LOOP, "sudoers includes nested too deep; not read");
		return;
	}
	for (size_t i = 0; i < ss->n; i++)
		if (!strcmp(ss->files[i].path, path))
			return; /* already read: an include loop */
	if (ss->n >= SUDO_MAX_FILES) {
		kw_diags_add(&c->f->diags, path, 0, KW_E_TOOBIG, "more than %d sudoers files; not read",
			     SUDO_MAX_FILES);
		return;
	}
	kw_file file = { 0 };
	if (kw_collect_read(c, path, &file, false) < 0)
		return;
	sudo_file *sf = KW_VEC_PUSH(ss->files, ss->n, ss->cap);
	if (!sf || !(sf->path = strdup(path))) {
		c->oom = true;
		kw_file_release(&file);
		return;
	}
	size_t idx = (size_t)(sf - ss->files);
	kw_sudoers_parse(path, file.data, file.len, &sf->s, &c->f->diags);
	kw_file_release(&file);
	/* ss->files may move while includes are read: index, never keep the pointer */
	for (size_t i = 0; i < ss->files[idx].s.n_includes && !c->oom; i++) {
		const kw_sudo_include *inc = &ss->files[idx].s.includes[i];
		if (strstr(inc->path, "%h")) {
			kw_diags_add(&c->f->diags, path, inc->line, KW_E_UNSUPPORTED,
				     "include with %%h (host name) not followed");
			continue;
		}
		_cleanup_free_ char *p = resolve_include(path, inc->path);
		if (!p) { c->oom = true; break; }
		bool is_dir = inc->is_dir;
		if (is_dir)
			read_includedir(ss, p, depth + 1);
		else
			read_sudoers(ss, p, depth + 1);
	}
}

static const kw_sudo_alias *find_alias(const sudo_state *ss, const char *name)
{
	for (size_t i = 0; i < ss->n; i++)
		for (size_t j = 0; j < ss->files[i].s.n_aliases; j++)
			if (!strcmp(ss->files[i].s.aliases[j].name, name))
				return &ss->files[i].s.aliases[j];
	return NULL;
}

static void add_grant(sudo_state *ss, const char *file, const kw_sudo_rule *r,
		      const char *who, int depth)
{
	kw_facts *f = ss->c->f;
	if (who[0] == '!')
		return; /* a negation removes users; it grants nothing */
	const kw_sudo_alias *a = depth < 8 ? find_alias(ss, who) : NULL;
	if (a) {
		for (size_t i = 0; i < a->n_members; i++)
			add_grant(ss, file, r, a->members[i], depth + 1);
		return;
	}
	kw_sudo_grant *g = KW_VEC_PUSH(f->sudo, f->n_sudo, f->cap_sudo);
	if (!g || !(g->file = strdup(file)) || !(g->who = strdup(who))) {
		ss->c->oom = true;
		return;
	}
	g->line = r->line;
	g->nopasswd = r->nopasswd;
	g->noauth_default = r->noauth_default;
	g->all_commands = r->all_commands;
}

void kw_collect_sudoers(kw_collector *c)
{
	sudo_state ss = { .c = c };
	read_sudoers(&ss, "/etc/sudoers", 0);
	for (size_t i = 0; i < ss.n && !c->oom; i++) {
		const kw_sudoers *s = &ss.files[i].s;
		for (size_t j = 0; j < s->n_rules; j++) {
			const kw_sudo_rule *r = &s->rules[j];
			if (!r->nopasswd && !r->noauth_default)
				continue;
			for (size_t k = 0; k < r->n_users; k++)
				add_grant(&ss, ss.files[i].path, r, r->users[k], 0);
		}
	}
	for (size_t i = 0; i < ss.n; i++) {
		free(ss.files[i].path);
		kw_sudoers_release(&ss.files[i].s);
	}
	free(ss.files);
}
