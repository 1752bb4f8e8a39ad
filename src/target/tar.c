/* tar.c — the archive backend: an image tarball read once, in one pass, with libarchive.
 * Owned by the target module.
 *
 * The pass reads every header and keeps, per entry, its normalised path ("/a/b"), its
 * metadata, its symlink text or hard-link target, the first bytes of its content when
 * kw_tar_opts.want selects it (capped per file and in total) and the sniff kind of its
 * head. Everything else is skipped by libarchive without being copied out.
 *
 * After the pass the index is one sorted array:
 *
 *     [0] "/"            end=7   (root, implied if the archive has no "./" entry)
 *     [1] "/etc"         end=4
 *     [2] "/etc/passwd"  end=3
 *     [3] "/etc/ssh"     end=4
 *     [4] "/home"        end=7
 *     ...
 *
 * Paths compare component-wise ('/' sorts before every other byte), so a directory's
 * whole subtree follows it contiguously and `end` is the index just past it: children are
 * found by jumping from one child's end to the next, lookups are binary searches.
 * Later duplicates of a path replace earlier ones; parents that have no entry of their
 * own are added as implied directories. A hard link's `src` is the index of the entry
 * whose type, metadata and content it shares; every other entry is its own src.
 *
 * Paths are resolved with resolve.c over this index. Nothing but the archive itself is
 * ever read: entry names like "../../x" or absolute link targets only name other entries.
 * Only the tar formats (v7, ustar, pax, GNU) are enabled, behind any compression filter
 * libarchive has built in. Not format_all: libarchive's mtree reader opens the files an
 * mtree text names on the local file system, and its cpio reader allocates whatever a
 * hostile header's name length asks for (found by fuzzing: 2 GiB from a 1 KiB input).
 */
#include "target/internal.h"
#include "target/resolve.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define TAR_MAX_FILE_DEFAULT ((size_t)1 << 20)
#define TAR_MAX_TOTAL_DEFAULT ((size_t)256 << 20)
#define TAR_MAX_ENTRIES_DEFAULT 5000000u
#define TAR_MAX_ENTRIES_HARD 50000000u
#define TAR_MAX_INDEX_BYTES ((size_t)1 << 30) /* names and metadata kept for all entries */
#define TAR_PROGRESS_EVERY 1024
#define TAR_HARDLINK_HOPS 16
#define TAR_RETRIES 16

struct tar_ent {
	char *path;      /* normalised; "/" for the root */
	char *link;      /* symlink text, or NULL */
	char *hardlink;  /* normalised hard-link target, or NULL */
	uint8_t *data;   /* kept content (NUL-terminated), or NULL */
	size_t len;
	uint64_t seq;    /* order in the archive; implied entries come last */
	size_t src;      /* entry giving type, metadata, content (itself unless hard link) */
	size_t end;      /* one past the last entry of this subtree */
	uint32_t depth;  /* number of components; 0 for the root */
	int kind;        /* sniff kind of the head */
	kw_stat st;
	bool kept, truncated;
};

struct tar_impl {
	struct tar_ent *v;
	size_t n, cap;
};

static void tar_ent_release(struct tar_ent *e)
{
	free(e->path);
	free(e->link);
	free(e->hardlink);
	free(e->data);
	*e = (struct tar_ent){ 0 };
}

static void tar_impl_free(void *p)
{
	struct tar_impl *ti = p;
	if (!ti)
		return;
	for (size_t i = 0; i < ti->n; i++)
		tar_ent_release(&ti->v[i]);
	free(ti->v);
	free(ti);
}

/* Component-wise order: end of string < '/' < every other byte. */
static int pathcmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == cb) {
			if (!ca)
				return 0;
			continue;
		}
		unsigned ka = ca == 0 ? 0 : ca == '/' ? 1 : ca + 1;
		unsigned kb = cb == 0 ? 0 : cb == '/' ? 1 : cb + 1;
		return ka < kb ? -1 : 1;
	}
}

static int ent_cmp(const void *x, const void *y)
{
	const struct tar_ent *a = x, *b = y;
	int c = pathcmp(a->path, b->path);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Index of canonical path p in v[0..n), or -1. */
static ssize_t find_in(const struct tar_ent *v, size_t n, const char *p)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pathcmp(v[mid].path, p);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int push_ent(struct tar_impl *ti, struct tar_ent *e)
{
	if (ti->n == ti->cap) {
		size_t cap = ti->cap ? ti->cap * 2 : 256;
		struct tar_ent *v = realloc(ti->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		ti->v = v;
		ti->cap = cap;
	}
	ti->v[ti->n++] = *e;
	*e = (struct tar_ent){ 0 };
	return 0;
}

/* ---- the pass over the archive ---- */

struct pass {
	kw_target *t;
	struct tar_impl *ti;
	struct archive *a;
	const char *name;     /* the archive, for warnings */
	kw_tar_opts o;
	size_t total;         /* content bytes kept so far */
	bool total_full;      /* max_total reached: keep no more */
	bool broken;          /* a fatal archive error ended the pass */
	bool index_full;      /* TAR_MAX_INDEX_BYTES reached: the pass stops */
	size_t index_bytes;   /* memory the index holds, content excluded */
	uint64_t seq;
};

static void pass_warn(struct pass *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pass_warn(struct pass *p, int err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	(void)kw_target_add_warning(p->t, p->name, err, buf);
}

static const char *archive_msg(struct archive *a)
{
	const char *s = archive_error_string(a);
	return s ? s : "unknown libarchive error";
}

static uint32_t clamp_u32(la_int64_t v)
{
	if (v < 0)
		return 0;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Read up to n bytes of the current entry's data into buf. Returns bytes read, or a
 * negative libarchive status (the archive is broken). libarchive does not report a
 * sparse file's final hole: those bytes are zeros (`sparse`). */
static ssize_t read_data(struct archive *a, uint8_t *buf, size_t n, bool sparse)
{
	size_t got = 0;
	int retries = 0;
	while (got < n) {
		la_ssize_t r = archive_read_data(a, buf + got, n - got);
		if (r == 0)
			break;
		if (r == ARCHIVE_RETRY && retries++ < TAR_RETRIES)
			continue;
		if (r < 0)
			return r;
		got += (size_t)r;
	}
	if (sparse && got < n) {
		memset(buf + got, 0, n - got);
		got = n;
	}
	return (ssize_t)got;
}

static int pass_entry(struct pass *p, struct archive_entry *ae)
{
	struct tar_ent e = { 0 };
	char norm[KW_PATH_MAX];

	const char *name = archive_entry_pathname(ae);
	if (!name)
		name = archive_entry_pathname_utf8(ae);
	if (!name) {
		pass_warn(p, KW_E_ARCHIVE, "entry %" PRIu64 " has no usable name; skipped", p->seq);
		return 0;
	}
	int n = kw_path_normalize(name, strlen(name), norm, sizeof norm);
	if (n < 0) {
		pass_warn(p, n, "entry %" PRIu64 ": name too long; skipped", p->seq);
		return 0;
	}

	const char *hl = archive_entry_hardlink(ae);
	if (!hl)
		hl = archive_entry_hardlink_utf8(ae);
	mode_t ft = archive_entry_filetype(ae);
	e.st.type = hl && *hl ? KW_FT_REG : kw_ftype_from_mode(ft);
	if (ft == 0 && !(hl && *hl))
		e.st.type = KW_FT_OTHER;
	e.st.mode = (uint32_t)(archive_entry_mode(ae) & 07777);
	e.st.uid = clamp_u32(archive_entry_uid(ae));
	e.st.gid = clamp_u32(archive_entry_gid(ae));
	e.st.mtime = (int64_t)archive_entry_mtime(ae);
	e.st.nlink = 1;
	la_int64_t size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	e.st.size = size > 0 ? (uint64_t)size : 0;
	e.seq = p->seq;

	if (strcmp(norm, "/") == 0 && (e.st.type != KW_FT_DIR || (hl && *hl))) {
		pass_warn(p, KW_E_ARCHIVE, "entry %" PRIu64 " for the root is not a directory; skipped",
			  p->seq);
		return 0;
	}
	if (!(e.path = strdup(norm)))
		return -ENOMEM;

	if (hl && *hl) {
		n = kw_path_normalize(hl, strlen(hl), norm, sizeof norm);
		if (n < 0) {
			pass_warn(p, n, "entry %" PRIu64 ": hard-link target too long; skipped", p->seq);
			tar_ent_release(&e);
			return 0;
		}
		e.st.size = 0;
		if (!(e.hardlink = strdup(norm))) {
			tar_ent_release(&e);
			return -ENOMEM;
		}
	} else if (e.st.type == KW_FT_LNK) {
		const char *l = archive_entry_symlink(ae);
		if (!l)
			l = archive_entry_symlink_utf8(ae);
		size_t ll = l ? strnlen(l, KW_PATH_MAX) : 0;
		if (!(e.link = strndup(l ? l : "", ll))) {
			tar_ent_release(&e);
			return -ENOMEM;
		}
		e.st.size = ll;
	} else if (e.st.type == KW_FT_REG && e.st.size > 0) {
		bool sparse = archive_entry_sparse_count(ae) > 0;
		bool want = p->o.want && p->o.want(e.path, &e.st);
		size_t keep = 0;
		if (want && !p->total_full) {
			keep = e.st.size < p->o.max_file ? (size_t)e.st.size : p->o.max_file;
			if (keep > p->o.max_total - p->total) {
				p->total_full = true;
				keep = 0;
				pass_warn(p, KW_E_TOOBIG,
					  "content cap of %zu bytes reached; later files are not kept",
					  p->o.max_total);
			}
		}
		if (keep > 0) {
			if (!(e.data = malloc(keep + 1))) {
				tar_ent_release(&e);
				return -ENOMEM;
			}
			ssize_t got = read_data(p->a, e.data, keep, sparse);
			if (got < 0) {
				pass_warn(p, KW_E_ARCHIVE, "%s", archive_msg(p->a));
				p->broken = true;
				got = 0;
			}
			e.len = (size_t)got;
			e.data[e.len] = '\0';
			e.kept = true;
			e.truncated = e.len < e.st.size;
			p->total += keep;
			if (p->o.sniff && e.len > 0) {
				size_t h = e.len < KW_SNIFF_HEAD ? e.len : KW_SNIFF_HEAD;
				int k = p->o.sniff(e.path, e.data, h);
				e.kind = k > 0 ? k : 0;
			}
		} else if (p->o.sniff) {
			uint8_t head[KW_SNIFF_HEAD];
			size_t want_n = e.st.size < sizeof head ? (size_t)e.st.size : sizeof head;
			ssize_t got = read_data(p->a, head, want_n, sparse);
			if (got < 0) {
				pass_warn(p, KW_E_ARCHIVE, "%s", archive_msg(p->a));
				p->broken = true;
			} else if (got > 0) {
				int k = p->o.sniff(e.path, head, (size_t)got);
				e.kind = k > 0 ? k : 0;
			}
			/* a sniff hit is kept like a wanted file, so the collector can classify
			 * it from its content on this backend too (same caps) */
			size_t keep_n = e.st.size < p->o.max_file ? (size_t)e.st.size : p->o.max_file;
			if (e.kind > 0 && got > 0 && !p->total_full && keep_n <= p->o.max_total - p->total) {
				if (!(e.data = malloc(keep_n + 1))) {
					tar_ent_release(&e);
					return -ENOMEM;
				}
				memcpy(e.data, head, (size_t)got);
				ssize_t more = (size_t)got < keep_n
					? read_data(p->a, e.data + got, keep_n - (size_t)got, sparse) : 0;
				if (more < 0) {
					pass_warn(p, KW_E_ARCHIVE, "%s", archive_msg(p->a));
					p->broken = true;
					more = 0;
				}
				e.len = (size_t)got + (size_t)more;
				e.data[e.len] = '\0';
				e.kept = true;
				e.truncated = e.len < e.st.size;
				p->total += keep_n;
			}
		}
	}
	p->index_bytes += sizeof e + strlen(e.path) + 1 + (e.link ? strlen(e.link) + 1 : 0) +
			  (e.hardlink ? strlen(e.hardlink) + 1 : 0);
	if (p->index_bytes > TAR_MAX_INDEX_BYTES)
		p->index_full = true; /* this entry is kept; the pass stops after it */
	return push_ent(p->ti, &e);
}

/* Sort, drop earlier duplicates, add implied parents, link subtrees and hard links. */
static int finish_index(struct pass *p)
{
	struct tar_impl *ti = p->ti;

	if (ti->n > 1)
		qsort(ti->v, ti->n, sizeof *ti->v, ent_cmp);
	size_t w = 0;
	for (size_t i = 0; i < ti->n; i++) {
		if (i + 1 < ti->n && strcmp(ti->v[i].path, ti->v[i + 1].path) == 0) {
			tar_ent_release(&ti->v[i]); /* a later entry replaces it */
			continue;
		}
		ti->v[w++] = ti->v[i];
	}
	ti->n = w;

	/* implied parents (and the root): collected against the deduplicated array */
	size_t n0 = ti->n;
	char last[KW_PATH_MAX] = "";
	char par[KW_PATH_MAX];
	bool need_root = n0 == 0 || strcmp(ti->v[0].path, "/") != 0;
	for (size_t i = 0; i < n0; i++) {
		const char *s = ti->v[i].path;
		const char *slash = strrchr(s, '/');
		size_t pl = (size_t)(slash - s);
		if (pl == 0)
			continue; /* parent is the root */
		memcpy(par, s, pl);
		par[pl] = '\0';
		if (strcmp(par, last) == 0)
			continue;
		memcpy(last, par, pl + 1);
		while (pl > 0 && find_in(ti->v, n0, par) < 0) {
			struct tar_ent e = {
				.st = { .type = KW_FT_DIR, .mode = 0755, .nlink = 2 },
				.seq = UINT64_MAX,
			};
			if (!(e.path = strdup(par)))
				return -ENOMEM;
			int r = push_ent(ti, &e);
			if (r < 0) {
				tar_ent_release(&e);
				return r;
			}
			slash = strrchr(par, '/');
			pl = (size_t)(slash - par);
			par[pl] = '\0';
		}
	}
	if (need_root) {
		struct tar_ent e = {
			.st = { .type = KW_FT_DIR, .mode = 0755, .nlink = 2 },
			.seq = UINT64_MAX,
		};
		if (!(e.path = strdup("/")))
			return -ENOMEM;
		int r = push_ent(ti, &e);
		if (r < 0) {
			tar_ent_release(&e);
			return r;
		}
	}
	if (ti->n > n0) {
		qsort(ti->v, ti->n, sizeof *ti->v, ent_cmp);
		w = 0;
		for (size_t i = 0; i < ti->n; i++) {
			if (w > 0 && strcmp(ti->v[w - 1].path, ti->v[i].path) == 0) {
				tar_ent_release(&ti->v[i]); /* a second implied copy */
				continue;
			}
			ti->v[w++] = ti->v[i];
		}
		ti->n = w;
	}

	/* subtree ends and depths: a stack of open ancestors */
	_cleanup_free_ size_t *stack = malloc((ti->n + 1) * sizeof *stack);
	if (!stack)
		return -ENOMEM;
	size_t sp = 0;
	for (size_t i = 0; i < ti->n; i++) {
		struct tar_ent *e = &ti->v[i];
		while (sp > 0) {
			const char *a = ti->v[stack[sp - 1]].path;
			size_t al = strlen(a);
			if (al == 1 || (strncmp(e->path, a, al) == 0 && e->path[al] == '/'))
				break;
			ti->v[stack[--sp]].end = i;
		}
		e->depth = (uint32_t)sp;
		e->src = i;
		stack[sp++] = i;
	}
	while (sp > 0)
		ti->v[stack[--sp]].end = ti->n;

	/* hard links: share the final target's type, metadata and content */
	for (size_t i = 0; i < ti->n; i++) {
		struct tar_ent *e = &ti->v[i];
		if (!e->hardlink)
			continue;
		ssize_t t = find_in(ti->v, ti->n, e->hardlink);
		for (int hop = 0; t >= 0 && ti->v[t].hardlink && hop < TAR_HARDLINK_HOPS; hop++)
			t = find_in(ti->v, ti->n, ti->v[t].hardlink);
		if (t < 0 || ti->v[t].hardlink || ti->v[t].st.type == KW_FT_DIR) {
			pass_warn(p, KW_E_ARCHIVE, "hard link %s points to no usable entry", e->path);
			continue; /* stays an empty regular file whose content is not kept */
		}
		e->src = (size_t)t;
	}

	/* link counts: directories 2 + subdirectories, others the number sharing a src */
	_cleanup_free_ uint32_t *cnt = calloc(ti->n ? ti->n : 1, sizeof *cnt);
	if (!cnt)
		return -ENOMEM;
	for (size_t i = 0; i < ti->n; i++)
		if (ti->v[i].st.type != KW_FT_DIR && cnt[ti->v[i].src] < UINT32_MAX)
			cnt[ti->v[i].src]++;
	for (size_t i = 0; i < ti->n; i++) {
		struct tar_ent *e = &ti->v[i];
		if (e->src != i)
			continue;
		if (e->st.type != KW_FT_DIR) {
			e->st.nlink = cnt[i];
			continue;
		}
		uint32_t nl = 2;
		for (size_t c = i + 1; c < e->end; c = ti->v[c].end)
			if (ti->v[ti->v[c].src].st.type == KW_FT_DIR && nl < UINT32_MAX)
				nl++;
		e->st.nlink = nl;
	}
	return 0;
}

/* Decompression filters, enabled only where libarchive has them built in: where it does
 * not, it would run an external program (lz4 -d, ...) over the hostile bytes instead. */
static void support_filters(struct archive *a)
{
	static int (*const filters[])(struct archive *) = {
		archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
		archive_read_support_filter_xz,   archive_read_support_filter_lzma,
		archive_read_support_filter_lzip, archive_read_support_filter_zstd,
		archive_read_support_filter_lz4,  archive_read_support_filter_compress,
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(filters); i++) {
		struct archive *probe = archive_read_new();
		bool native = probe && filters[i](probe) == ARCHIVE_OK;
		archive_read_free(probe);
		if (native)
			filters[i](a);
	}
}

static int open_archive(struct archive *a, const char *file)
{
	support_filters(a);
	archive_read_support_format_tar(a);   /* ustar, pax, gnutar, v7 */
	archive_read_support_format_gnutar(a);
	if (strcmp(file, "-") == 0)
		return archive_read_open_fd(a, 0, 1 << 17);
	return archive_read_open_filename(a, file, 1 << 17);
}

static int run_pass(struct pass *p, const char *file)
{
	struct archive_entry *ae;
	uint64_t entries = 0;
	int retries = 0;

	if (open_archive(p->a, file) != ARCHIVE_OK) {
		/* the file could not be opened (libarchive's own codes mean: not an archive) */
		switch (archive_errno(p->a)) {
		case ENOENT: case EACCES: case EPERM: case EISDIR: case ENOTDIR: case ELOOP:
		case ENAMETOOLONG: case EMFILE: case ENFILE: case ENOMEM: case EIO:
			return -archive_errno(p->a);
		default:
			return KW_E_ARCHIVE;
		}
	}
	for (;;) {
		int r = archive_read_next_header(p->a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_RETRY && retries++ < TAR_RETRIES)
			continue;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			pass_warn(p, KW_E_ARCHIVE, "%s", archive_msg(p->a));
			p->broken = true;
			break;
		}
		if (r == ARCHIVE_WARN)
			pass_warn(p, KW_E_ARCHIVE, "%s", archive_msg(p->a));
		if (entries >= p->o.max_entries) {
			pass_warn(p, KW_E_TOOBIG, "more than %" PRIu64 " entries; the rest is ignored",
				  p->o.max_entries);
			break;
		}
		entries++;
		p->seq++;
		int e = pass_entry(p, ae);
		if (e < 0)
			return e;
		if (p->broken)
			break;
		if (p->index_full) {
			pass_warn(p, KW_E_TOOBIG, "entry names over %zu bytes; the rest is ignored",
				  TAR_MAX_INDEX_BYTES);
			break;
		}
		if (p->o.progress && entries % TAR_PROGRESS_EVERY == 0)
			p->o.progress(p->o.progress_ctx, entries,
				      (uint64_t)archive_filter_bytes(p->a, -1));
	}
	if (p->o.progress)
		p->o.progress(p->o.progress_ctx, entries, (uint64_t)archive_filter_bytes(p->a, -1));
	return 0;
}

static const kw_target_ops tar_ops;

int kw_target_open_tar(const char *file, const kw_tar_opts *opts, kw_target **ret)
{
	if (!file || !*file || !ret)
		return -EINVAL;
	struct tar_impl *ti = calloc(1, sizeof *ti);
	if (!ti)
		return -ENOMEM;
	bool is_stdin = strcmp(file, "-") == 0;
	char *desc = NULL;
	if (asprintf(&desc, "tar %s", is_stdin ? "<stdin>" : file) < 0)
		desc = NULL;
	kw_target *t = NULL;
	int r = kw_target_new(&tar_ops, ti, desc, true, &t);
	if (r < 0)
		return r;

	struct pass p = { .t = t, .ti = ti, .name = is_stdin ? "<stdin>" : file };
	if (opts)
		p.o = *opts;
	if (p.o.max_file == 0)
		p.o.max_file = TAR_MAX_FILE_DEFAULT;
	if (p.o.max_file > KW_READ_HARD_MAX)
		p.o.max_file = KW_READ_HARD_MAX;
	if (p.o.max_total == 0)
		p.o.max_total = TAR_MAX_TOTAL_DEFAULT;
	if (p.o.max_entries == 0)
		p.o.max_entries = TAR_MAX_ENTRIES_DEFAULT;
	if (p.o.max_entries > TAR_MAX_ENTRIES_HARD)
		p.o.max_entries = TAR_MAX_ENTRIES_HARD;

	p.a = archive_read_new();
	if (!p.a) {
		kw_target_free(t);
		return -ENOMEM;
	}
	r = run_pass(&p, file);
	archive_read_free(p.a);
	if (r < 0) {
		kw_target_free(t);
		return r;
	}
	if (ti->n == 0) {
		kw_target_free(t);
		return KW_E_ARCHIVE;
	}
	r = finish_index(&p);
	if (r < 0) {
		kw_target_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

/* ---- lookups over the index ---- */

static int tr_lookup(void *ctx, const char *path, kw_ftype *ret_type)
{
	struct tar_impl *ti = ctx;
	ssize_t i = find_in(ti->v, ti->n, path);
	if (i < 0)
		return -ENOENT;
	*ret_type = ti->v[ti->v[i].src].st.type;
	return 0;
}

static int tr_readlink(void *ctx, const char *path, char *buf, size_t size, size_t *ret_len)
{
	struct tar_impl *ti = ctx;
	ssize_t i = find_in(ti->v, ti->n, path);
	if (i < 0)
		return -ENOENT;
	const struct tar_ent *e = &ti->v[ti->v[i].src];
	if (!e->link)
		return -EINVAL;
	size_t n = strlen(e->link);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, e->link, n + 1);
	*ret_len = n;
	return 0;
}

static const kw_resolve_ops tar_rops = {
	.lookup = tr_lookup,
	.readlink = tr_readlink,
};

/* Resolve path to an index. */
static int tar_resolve(struct tar_impl *ti, const char *path, bool follow, size_t *ret_idx)
{
	char canon[KW_PATH_MAX];
	kw_ftype type;
	int r = kw_resolve(&tar_rops, ti, path, follow ? KW_RESOLVE_FOLLOW : 0, canon, &type);
	if (r < 0)
		return r;
	ssize_t i = find_in(ti->v, ti->n, canon);
	if (i < 0)
		return -ENOENT;
	*ret_idx = (size_t)i;
	return 0;
}

static int tar_stat(kw_target *t, const char *path, kw_stat *ret)
{
	struct tar_impl *ti = t->impl;
	size_t i;
	int r = tar_resolve(ti, path, true, &i);
	if (r < 0)
		return r;
	*ret = ti->v[ti->v[i].src].st;
	return 0;
}

static int tar_lstat(kw_target *t, const char *path, kw_stat *ret)
{
	struct tar_impl *ti = t->impl;
	size_t i;
	int r = tar_resolve(ti, path, false, &i);
	if (r < 0)
		return r;
	*ret = ti->v[ti->v[i].src].st;
	return 0;
}

static int tar_read(kw_target *t, const char *path, size_t max, bool checked, kw_file *ret)
{
	(void)checked; /* the archive's metadata is already in memory */
	struct tar_impl *ti = t->impl;
	size_t i;
	int r = tar_resolve(ti, path, true, &i);
	if (r < 0)
		return r;
	const struct tar_ent *e = &ti->v[ti->v[i].src];
	if (e->st.type != KW_FT_REG)
		return KW_E_NOTREG;
	if (e->hardlink || (e->st.size > 0 && !e->kept))
		return KW_E_NOTKEPT; /* (a hard link whose target is missing has no content) */
	size_t n = e->len < max ? e->len : max;
	uint8_t *data = malloc(n + 1);
	if (!data)
		return -ENOMEM;
	if (n)
		memcpy(data, e->data, n);
	data[n] = '\0';
	*ret = (kw_file){
		.data = data,
		.len = n,
		.truncated = e->truncated || e->len > max,
		.st = e->st,
	};
	return 0;
}

static int tar_list(kw_target *t, const char *path, kw_dirent **ret, size_t *ret_n)
{
	struct tar_impl *ti = t->impl;
	size_t d;
	int r = tar_resolve(ti, path, true, &d);
	if (r < 0)
		return r;
	if (ti->v[ti->v[d].src].st.type != KW_FT_DIR)
		return -ENOTDIR;
	size_t n = 0;
	for (size_t c = d + 1; c < ti->v[d].end; c = ti->v[c].end)
		if (++n > KW_LIST_MAX)
			return KW_E_TOOBIG;
	kw_dirent *v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t c = d + 1; c < ti->v[d].end; c = ti->v[c].end) {
		const char *name = strrchr(ti->v[c].path, '/') + 1;
		v[k].type = ti->v[ti->v[c].src].st.type;
		if (!(v[k].name = strdup(name))) {
			kw_dirents_free(v, k);
			return -ENOMEM;
		}
		k++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int tar_walk(kw_target *t, const char *start, const kw_walk_opts *o, kw_walk_fn fn,
		    void *ctx, uint64_t *ret_errors)
{
	struct tar_impl *ti = t->impl;
	char path[KW_PATH_MAX];
	uint64_t errors = 0, files = 0;
	size_t d;

	int n = kw_path_normalize(start, strlen(start), path, sizeof path);
	if (n < 0)
		return n;
	size_t plen = n == 1 ? 0 : (size_t)n;
	int r = tar_resolve(ti, start, true, &d);
	if (r < 0)
		return r;
	if (ti->v[ti->v[d].src].st.type != KW_FT_DIR)
		return -ENOTDIR;
	size_t skip = d == 0 ? 0 : strlen(ti->v[d].path); /* the root's "/" is kept */
	uint32_t base = ti->v[d].depth;

	r = 0;
	for (size_t i = d + 1; i < ti->v[d].end;) {
		const struct tar_ent *e = &ti->v[i];
		const struct tar_ent *s = &ti->v[e->src];
		uint32_t rel = e->depth - base;
		if (s->st.type == KW_FT_DIR) {
			if (rel > KW_WALK_MAX_DEPTH) {
				errors++;
				i = e->end;
			} else {
				i++;
			}
			continue;
		}
		size_t next = e->end;
		if (s->st.type != KW_FT_REG) {
			i = next;
			continue;
		}
		const char *suffix = e->path + skip;
		size_t sl = strlen(suffix);
		if (plen + sl >= sizeof path) {
			errors++;
			i = next;
			continue;
		}
		memcpy(path + plen, suffix, sl + 1);
		int kind = s->kind;
		if (o->max_size && s->st.size > o->max_size)
			kind = 0;
		r = fn(ctx, path, &s->st, kind);
		if (r < 0)
			break;
		r = 0;
		files++;
		if (o->progress && files % KW_WALK_PROGRESS_EVERY == 0)
			o->progress(o->progress_ctx, files);
		i = next;
	}
	if (ret_errors)
		*ret_errors += errors;
	return r;
}

static const kw_target_ops tar_ops = {
	.stat = tar_stat,
	.lstat = tar_lstat,
	.read = tar_read,
	.list = tar_list,
	.walk = tar_walk,
	.free = tar_impl_free,
};
