/* strindex.h — a string -> number index (open addressing, FNV-1a), for lookups by name or
 * path that would otherwise scan a list: accounts by name, files by path. The index keeps
 * the caller's key pointers, not copies: each key must stay valid (and unchanged) while it
 * is in the index. Keys in an image are hostile; the index grows by doubling, so a probe
 * run stays short whatever the keys.
 */
#ifndef KW_BASE_STRINDEX_H
#define KW_BASE_STRINDEX_H

#include <stddef.h>

typedef struct kw_strindex {
	struct kw_strslot *slot;
	size_t mask;   /* capacity - 1 (0 with no slots yet) */
	size_t n;
} kw_strindex;

#define KW_STRINDEX_NONE ((size_t)-1)

/* The number stored for key, or KW_STRINDEX_NONE. */
size_t kw_strindex_get(const kw_strindex *ix, const char *key);
/* Store key -> value unless key is there: 0 = stored, 1 = already there (*existing, if
 * not NULL, receives its number; nothing changes), -ENOMEM. */
int kw_strindex_put(kw_strindex *ix, const char *key, size_t value, size_t *existing);
void kw_strindex_release(kw_strindex *ix); /* the index is empty and usable again */

#endif
