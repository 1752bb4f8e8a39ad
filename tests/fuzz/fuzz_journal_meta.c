/* fuzz_journal_meta.c — libFuzzer harness for the journal's .meta parser
 * (kw_journal_meta_parse in src/target/journal.c), the gate every entry passes before
 * undo acts on it. Owner: target module.
 *
 * The input is the text of one NNNNNN.meta. Checks: no crash, no leak; the parser returns
 * 0, KW_E_PARSE, KW_E_TOOBIG or -ENOMEM and leaves nothing behind on error; an accepted
 * entry keeps every promise undo relies on (a canonical absolute path with no "", "." or
 * ".." component, a known type, bounded sizes, the fields of its type and no others);
 * and formatting it gives a text that parses to the same entry. Pure: no file is
 * touched. */
#include "base/err.h"
#include "target/journal.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p, bool root)
{
	size_t l = strlen(p);
	if (p[0] != '/' || l >= 4096)
		abort();
	if (root && l == 1)
		return;
	if (l < 2 || p[l - 1] == '/')
		abort();
	for (const char *c = p + 1;;) {
		const char *e = strchr(c, '/');
		size_t cl = e ? (size_t)(e - c) : strlen(c);
		if (cl == 0 || cl > NAME_MAX || (cl == 1 && c[0] == '.') ||
		    (cl == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		if (!e)
			break;
		c = e + 1;
	}
}

static void check(const kw_journal_meta *m)
{
	if (!m->root || !m->path || (m->version != 1 && m->version != 2))
		abort();
	check_path(m->root, true);
	check_path(m->path, false);
	if (m->seq < 1 || m->seq > KW_JOURNAL_MAX_ENTRIES || !m->op[0] || strlen(m->op) > 32)
		abort();
	if ((unsigned)m->type > KW_JT_BLK || (!m->existed && m->type != KW_JT_REG))
		abort();
	if (m->mode > 07777 || m->uid == UINT32_MAX || m->gid == UINT32_MAX ||
	    m->mtime.tv_nsec < 0 || m->mtime.tv_nsec > 999999999 || m->size > KW_JOURNAL_MAX_DATA)
		abort();
	if (m->has_parent_mtime && (m->parent_mtime.tv_nsec < 0 || m->parent_mtime.tv_nsec > 999999999))
		abort();
	if ((m->type == KW_JT_LNK && m->existed) != (m->target != NULL))
		abort();
	if (m->target && (m->target_len == 0 || m->target_len > 4095 ||
			  strlen(m->target) != m->target_len))
		abort();
	if (m->xattrs.n > KW_XATTRS_MAX ||
	    (m->xattrs.n && m->type != KW_JT_REG && m->type != KW_JT_DIR))
		abort();
	for (size_t i = 0; i < m->xattrs.n; i++)
		if (!m->xattrs.names[i][0] || strlen(m->xattrs.names[i]) > 255 ||
		    m->xattrs.lens[i] > KW_XATTR_VALUE_MAX)
			abort();
	if (m->tmp && (m->tmp[0] != '.' || strchr(m->tmp, '/') || strlen(m->tmp) > NAME_MAX))
		abort();
}

static bool same(const kw_journal_meta *a, const kw_journal_meta *b)
{
	if (a->version != b->version || strcmp(a->root, b->root) != 0 || a->seq != b->seq ||
	    strcmp(a->op, b->op) != 0 || strcmp(a->path, b->path) != 0 ||
	    a->existed != b->existed || a->type != b->type || a->uid != b->uid ||
	    a->gid != b->gid || a->mode != b->mode || a->mtime.tv_sec != b->mtime.tv_sec ||
	    a->mtime.tv_nsec != b->mtime.tv_nsec || a->size != b->size || a->rdev != b->rdev ||
	    a->has_parent_mtime != b->has_parent_mtime ||
	    a->parent_mtime.tv_sec != b->parent_mtime.tv_sec ||
	    a->parent_mtime.tv_nsec != b->parent_mtime.tv_nsec ||
	    (a->tmp == NULL) != (b->tmp == NULL) || (a->tmp && strcmp(a->tmp, b->tmp) != 0) ||
	    a->target_len != b->target_len ||
	    (a->target_len && memcmp(a->target, b->target, a->target_len) != 0) ||
	    a->xattrs.n != b->xattrs.n)
		return false;
	for (size_t i = 0; i < a->xattrs.n; i++)
		if (strcmp(a->xattrs.names[i], b->xattrs.names[i]) != 0 ||
		    a->xattrs.lens[i] != b->xattrs.lens[i] ||
		    memcmp(a->xattrs.values[i], b->xattrs.values[i], a->xattrs.lens[i]) != 0)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_journal_meta m;
	int r = kw_journal_meta_parse((const char *)data, size, &m);
	if (r != 0) {
		if (r != KW_E_PARSE && r != KW_E_TOOBIG && r != -ENOMEM)
			abort();
		if (m.root || m.path || m.target || m.tmp || m.xattrs.n)
			abort(); /* an error leaves nothing to release */
		return 0;
	}
	check(&m);
	char *text = NULL;
	r = kw_journal_meta_format(&m, &text);
	if (r == 0) {
		kw_journal_meta m2;
		if (kw_journal_meta_parse(text, strlen(text), &m2) != 0 || !same(&m, &m2))
			abort();
		kw_journal_meta_release(&m2);
		free(text);
	} else if (r != -ENOMEM) {
		abort();
	}
	kw_journal_meta_release(&m);
	return 0;
}
