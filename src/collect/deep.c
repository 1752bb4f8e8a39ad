/* deep.c — `audit --deep`: walk the whole target for secrets by name and by content.
 *
 * The targeted collector looks where credentials usually are; the deep walk looks
 * everywhere else: every regular file below "/" (pseudo file systems skipped by the
 * target layer), sniffed by its first bytes (secrets.h kw_sniff) and matched by name
 * (id_* keys, credential file names). Files the targeted pass already reported are not
 * reported twice. Sniff hits that are private keys are classified (encrypted or not)
 * from their content where the target can give it.
 */
#include "collect/collect_internal.h"

#include "base/cleanup.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

typedef struct deep_ctx {
	kw_collector *c;
	size_t n_targeted; /* artifacts [0, n_targeted) came from the targeted pass */
} deep_ctx;

static bool already_reported(const deep_ctx *d, const char *path)
{
	const kw_facts *f = d->c->f;
	for (size_t i = 0; i < d->n_targeted; i++)
		if (!strcmp(f->artifacts[i].path, path))
			return true;
	for (size_t i = 0; i < f->n_keyfiles; i++)
		if (!strcmp(f->keyfiles[i].path, path))
			return true;
	return false;
}

/* A credential file name anywhere: ".../.aws/credentials", ".../.git-credentials". */
static const kw_cred_file *cred_by_name(const char *path)
{
	size_t pl = strlen(path);
	for (size_t i = 0; i < kw_cred_files_n; i++) {
		const kw_cred_file *cf = &kw_cred_files[i];
		size_t rl = strlen(cf->relpath);
		if (!cf->directory && pl > rl && path[pl - rl - 1] == '/' &&
		    !strcmp(path + pl - rl, cf->relpath))
			return cf;
	}
	return NULL;
}

static int deep_visit(void *ctx, const char *path, const kw_stat *st, int kind)
{
	deep_ctx *d = ctx;
	kw_collector *c = d->c;
	c->f->deep_files++;
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	const kw_cred_file *cf = NULL;
	bool keyname = !strncmp(name, "id_", 3) && kw_collect_keyname(name);

	if (kind == KW_SNIFF_NONE && !keyname && !(cf = cred_by_name(path)))
		return 0;
	if (already_reported(d, path))
		return 0;

	if (kind == KW_SNIFF_PRIVATE_KEY || (kind == KW_SNIFF_NONE && keyname)) {
		size_t before = c->f->n_artifacts;
		kw_collect_privkey(c, path, NULL, KW_ART_DEEP_SECRET);
		if (c->f->n_artifacts > before) {
			c->f->artifacts[before].sniff_kind = KW_SNIFF_PRIVATE_KEY;
			return c->oom ? -ENOMEM : 0;
		}
		if (kind == KW_SNIFF_NONE)
			return 0;
		/* sniffed as a key but the content is not at hand (tar: not kept): still report */
	}
	if (kind == KW_SNIFF_NONE && cf) {
		kw_file file = { 0 };
		if (kw_collect_read(c, path, &file, false) < 0)
			return 0;
		char *desc = NULL;
		int r = kw_cred_analyze(cf->kind, cf->relpath, file.data, file.len, &desc);
		kw_artifact *a = r > 0 ? kw_collect_artifact(c, KW_ART_CREDENTIAL, path, NULL, &file.st) : NULL;
		if (a) {
			a->cred_kind = cf->kind;
			a->detail = desc;
			desc = NULL;
		}
		free(desc);
		kw_file_release(&file);
		return c->oom ? -ENOMEM : 0;
	}
	kw_artifact *a = kw_collect_artifact(c, KW_ART_DEEP_SECRET, path, NULL, st);
	if (a) {
		a->sniff_kind = kind;
		a->privkey.encrypted = -1;
	}
	return c->oom ? -ENOMEM : 0;
}

void kw_collect_deep(kw_collector *c)
{
	deep_ctx d = { .c = c, .n_targeted = c->f->n_artifacts };
	kw_walk_opts wo = {
		.sniff = kw_sniff,
		.max_size = c->o && c->o->deep_max_size ? c->o->deep_max_size : 64u << 20,
		.progress = c->o ? c->o->progress : NULL,
		.progress_ctx = c->o ? c->o->progress_ctx : NULL,
	};
	uint64_t errors = 0;
	int r = kw_target_walk(c->t, "/", &wo, deep_visit, &d, &errors);
	if (r == -ENOMEM)
		c->oom = true;
	else if (r < 0)
		kw_diags_add_fatal(&c->f->diags, "/", 0, r, "deep walk stopped: %s", kw_strerror(r));
	if (errors)
		kw_diags_add(&c->f->diags, NULL, 0, -EACCES,
			     "deep walk: %llu directories could not be read",
			     (unsigned long long)errors);
}
