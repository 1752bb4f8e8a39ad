/* plan.c — a fix command's plan: actions, their preview (plan lines + unified diffs with
 * secrets redacted and target text escaped) and their application through the journaled
 * writer. See plan.h.
 */
#include "fix/plan.h"

#include "base/buf.h"
#include "base/diff.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/vec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void kw_plan_init(kw_plan *p) { *p = (kw_plan){ 0 }; }

void kw_plan_release(kw_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		kw_action *a = &p->v[i];
		free(a->op);
		free(a->path);
		free(a->why);
		free(a->data);
		free(a->old);
	}
	free(p->v);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i]);
	free(p->notes);
	*p = (kw_plan){ 0 };
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
	uint8_t *r = malloc(n + 1);
	if (!r)
		return NULL;
	if (n)
		memcpy(r, b, n);
	r[n] = 0;
	return r;
}

/* A new action with op, path and why set; NULL when memory ran out. */
static kw_action *push(kw_plan *p, const char *op, kw_action_kind kind, const char *path,
		       const char *why)
{
	if (KW_VEC_RESERVE(p->v, p->n, p->cap) < 0)
		return NULL;
	kw_action a = { .kind = kind, .new_mode = -1 };
	a.op = strdup(op);
	a.path = strdup(path);
	a.why = strdup(why ? why : "");
	if (!a.op || !a.path || !a.why) {
		free(a.op);
		free(a.path);
		free(a.why);
		return NULL;
	}
	p->v[p->n] = a;
	return &p->v[p->n++];
}

int kw_plan_replace(kw_plan *p, const char *op, const char *path, const uint8_t *old,
		    size_t old_len, bool old_exists, const uint8_t *data, size_t len,
		    int new_mode, kw_redact redact, const char *why)
{
	uint8_t *nd = dup_bytes(data, len);
	uint8_t *od = old_exists ? dup_bytes(old, old_len) : NULL;
	kw_action *a = nd && (od || !old_exists) ? push(p, op, KW_ACT_REPLACE, path, why) : NULL;
	if (!a) {
		free(nd);
		free(od);
		return -ENOMEM;
	}
	a->data = nd;
	a->len = len;
	a->new_mode = new_mode;
	a->old_exists = old_exists;
	a->old = od;
	a->old_len = old_exists ? old_len : 0;
	a->redact = redact;
	return 0;
}

int kw_plan_remove(kw_plan *p, const char *op, kw_action_kind kind, const char *path,
		   uint64_t n_entries, uint64_t bytes, const char *why)
{
	if (kind == KW_ACT_REPLACE)
		return -EINVAL;
	kw_action *a = push(p, op, kind, path, why);
	if (!a)
		return -ENOMEM;
	a->n_entries = n_entries;
	a->bytes = bytes;
	return 0;
}

int kw_plan_note(kw_plan *p, const char *fmt, ...)
{
	if (KW_VEC_RESERVE(p->notes, p->n_notes, p->cap_notes) < 0)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	p->notes[p->n_notes++] = s;
	return 0;
}

bool kw_plan_has(const kw_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path))
			return true;
	return false;
}

size_t kw_plan_count(const kw_plan *p, kw_action_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->v[i].status == st;
	return n;
}

/* ---- rendering ---- */

/* Is a password field one of the markers that hold no secret? */
static bool pw_marker(const uint8_t *f, size_t n)
{
	static const char *const m[] = { "", "!", "*", "!!", "x", "!*", "*LK*", "*LOCK*",
					 "*NP*", "LK", "NP" };
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (strlen(m[i]) == n && memcmp(m[i], f, n) == 0)
			return true;
	return false;
}

/* shadow, passwd, gshadow lines: "name:FIELD2:rest" with FIELD2 masked. */
static int redact_shadow(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	(void)ctx;
	const uint8_t *c1 = memchr(line, ':', len);
	if (!c1 || line[0] == '#')
		return kw_escape_append(out, line, len);
	size_t off2 = (size_t)(c1 - line) + 1;
	const uint8_t *c2 = memchr(line + off2, ':', len - off2);
	size_t end2 = c2 ? (size_t)(c2 - line) : len;
	const uint8_t *f = line + off2;
	size_t fl = end2 - off2;
	int r = kw_escape_append(out, line, off2);
	if (r < 0)
		return r;
	if (pw_marker(f, fl))
		r = kw_escape_append(out, f, fl);
	else if (f[0] == '!')
		r = kw_sb_puts(out, "!<hash>");
	else
		r = kw_sb_puts(out, "<hash>");
	if (r < 0)
		return r;
	return kw_escape_append(out, line + end2, len - end2);
}

static int escape_line(kw_sb *out, const uint8_t *line, size_t len, void *ctx)
{
	(void)ctx;
	return kw_escape_append(out, line, len);
}

static size_t count_lines(const uint8_t *b, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += b[i] == '\n';
	return c + (n && b[n - 1] != '\n');
}

static const char *human(uint64_t bytes, char *buf, size_t n)
{
	if (bytes < 10000)
		snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
	else if (bytes < 1000000)
		snprintf(buf, n, "%.1f KB", (double)bytes / 1e3);
	else if (bytes < 1000000000)
		snprintf(buf, n, "%.1f MB", (double)bytes / 1e6);
	else
		snprintf(buf, n, "%.1f GB", (double)bytes / 1e9);
	return buf;
}

static int render_diff(kw_sb *sb, const kw_action *a, const char *epath)
{
	if (a->redact == KW_REDACT_ALL)
		return kw_sb_printf(sb, "      (content not shown: %zu lines now, %zu after)\n",
				    count_lines(a->old, a->old_len), count_lines(a->data, a->len));
	kw_sb d;
	kw_sb_init(&d);
	char la[4200], lb[4200];
	snprintf(la, sizeof la, "%s%s", a->old_exists ? "a" : "", a->old_exists ? epath : "/dev/null");
	snprintf(lb, sizeof lb, "b%s", epath);
	int r = kw_diff_unified(&d, la, a->old, a->old_len, lb, a->data, a->len, 3,
				a->redact == KW_REDACT_SHADOW ? redact_shadow : escape_line, NULL);
	if (r == KW_E_TOOBIG) {
		kw_sb_release(&d);
		return kw_sb_printf(sb, "      (diff too large to show: %zu lines now, %zu after)\n",
				    count_lines(a->old, a->old_len), count_lines(a->data, a->len));
	}
	if (r == 0 && d.len)
		r = kw_sb_put(sb, d.s, d.len);
	kw_sb_release(&d);
	return r;
}

int kw_plan_render(FILE *out, const kw_plan *p, bool diffs, bool color)
{
	kw_sb sb;
	kw_sb_init(&sb);
	int r = 0;
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	const char *last_op = NULL;
	for (size_t i = 0; i < p->n && r == 0; i++) {
		const kw_action *a = &p->v[i];
		if (!last_op || strcmp(last_op, a->op) != 0) {
			r = kw_sb_printf(&sb, "%s%s%s\n", bold, a->op, off);
			last_op = a->op;
		}
		char *ep = kw_escape_str(a->path);
		char *ew = kw_escape_str(a->why);
		if (!ep || !ew) {
			free(ep);
			free(ew);
			r = -ENOMEM;
			break;
		}
		char hb[32];
		switch (a->kind) {
		case KW_ACT_REPLACE:
			r = kw_sb_printf(&sb, "  %s %s%s%s\n", a->old_exists ? "edit  " : "create", ep,
					 *ew ? "  - " : "", ew);
			if (r == 0 && diffs)
				r = render_diff(&sb, a, ep);
			break;
		case KW_ACT_REMOVE:
			r = kw_sb_printf(&sb, "  remove %s%s%s\n", ep, *ew ? "  - " : "", ew);
			break;
		case KW_ACT_REMOVE_TREE:
		case KW_ACT_EMPTY_TREE:
			r = kw_sb_printf(&sb, "  %s %s (%llu file%s, %s)%s%s\n",
					 a->kind == KW_ACT_REMOVE_TREE ? "remove" : "empty ", ep,
					 (unsigned long long)a->n_entries, a->n_entries == 1 ? "" : "s",
					 human(a->bytes, hb, sizeof hb), *ew ? "  - " : "", ew);
			break;
		}
		free(ep);
		free(ew);
	}
	for (size_t i = 0; i < p->n_notes && r == 0; i++) {
		char *e = kw_escape_str(p->notes[i]);
		r = e ? kw_sb_printf(&sb, "note: %s\n", e) : -ENOMEM;
		free(e);
	}
	if (r == 0 && sb.len && fwrite(sb.s, 1, sb.len, out) != sb.len)
		r = -EIO;
	kw_sb_release(&sb);
	return r;
}

/* ---- apply ---- */

static int apply_one(kw_action *a, kw_writer *w)
{
	uint64_t n = 0;
	int r;
	switch (a->kind) {
	case KW_ACT_REPLACE:
		r = kw_writer_replace_expect(w, a->path, a->data, a->len, a->new_mode, a->old,
					     a->old_len, a->old_exists);
		n = r == 0;
		break;
	case KW_ACT_REMOVE:
		r = kw_writer_remove(w, a->path);
		if (r == -ENOENT)
			r = 0; /* already gone: the goal is met */
		else
			n = r == 0;
		break;
	case KW_ACT_REMOVE_TREE:
	case KW_ACT_EMPTY_TREE:
		r = kw_writer_remove_tree(w, a->path, a->kind == KW_ACT_EMPTY_TREE, &n);
		if (r == -ENOENT)
			r = 0;
		break;
	default:
		r = -EINVAL;
	}
	a->n_done = n;
	return r;
}

int kw_plan_apply(kw_plan *p, kw_writer *w, FILE *log, bool stop_on_error)
{
	int first = 0;
	for (size_t i = 0; i < p->n; i++) {
		kw_action *a = &p->v[i];
		int r = apply_one(a, w);
		a->status = r == 0 ? KW_ST_DONE : KW_ST_FAILED;
		a->err = r;
		if (log) {
			char *ep = kw_escape_str(a->path);
			const char *verb = a->kind == KW_ACT_REPLACE ? (a->old_exists ? "edited" : "created")
					   : a->kind == KW_ACT_EMPTY_TREE ? "emptied" : "removed";
			if (r == 0 && (a->kind == KW_ACT_REMOVE_TREE || a->kind == KW_ACT_EMPTY_TREE))
				fprintf(log, "  %s %s (%llu entr%s)\n", verb, ep ? ep : "?",
					(unsigned long long)a->n_done, a->n_done == 1 ? "y" : "ies");
			else if (r == 0)
				fprintf(log, "  %s %s\n", verb, ep ? ep : "?");
			else
				fprintf(log, "  FAILED %s: %s%s\n", ep ? ep : "?", kw_strerror(r),
					r == -EPERM ? " (immutable or append-only attribute? see lsattr)"
					: r == -EROFS ? " (read-only file system)"
					: r == -ENOSPC ? " (file system full)"
					: r == -EMLINK ? " (hard link: not changed, it would change the other name too)"
					: "");
			free(ep);
		}
		if (r < 0 && first == 0)
			first = r;
		if (r < 0 && stop_on_error)
			break;
	}
	return first;
}
