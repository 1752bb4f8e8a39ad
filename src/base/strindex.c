/* strindex.c — see strindex.h. */
#include "base/strindex.h"

#include "base/hash.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kw_strslot {
	const char *key; /* NULL = empty */
	uint64_t hash;
	size_t value;
};

static uint64_t hash_of(const char *key)
{
	return kw_hash_mix(kw_fnv1a(KW_FNV1A_INIT, key, strlen(key)));
}

size_t kw_strindex_get(const kw_strindex *ix, const char *key)
{
	if (!ix->slot)
		return KW_STRINDEX_NONE;
	uint64_t h = hash_of(key);
	for (size_t i = h & ix->mask; ix->slot[i].key; i = (i + 1) & ix->mask)
		if (ix->slot[i].hash == h && !strcmp(ix->slot[i].key, key))
			return ix->slot[i].value;
	return KW_STRINDEX_NONE;
}

static int grow(kw_strindex *ix)
{
	size_t cap = ix->slot ? (ix->mask + 1) * 2 : 64;
	struct kw_strslot *s = calloc(cap, sizeof *s);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; ix->slot && i <= ix->mask; i++) {
		if (!ix->slot[i].key)
			continue;
		size_t j = ix->slot[i].hash & (cap - 1);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = ix->slot[i];
	}
	free(ix->slot);
	ix->slot = s;
	ix->mask = cap - 1;
	return 0;
}

int kw_strindex_put(kw_strindex *ix, const char *key, size_t value, size_t *existing)
{
	if (!ix->slot || (ix->n + 1) * 2 > ix->mask + 1) {
		int r = grow(ix);
		if (r < 0)
			return r;
	}
	uint64_t h = hash_of(key);
	size_t i = h & ix->mask;
	for (; ix->slot[i].key; i = (i + 1) & ix->mask) {
		if (ix->slot[i].hash == h && !strcmp(ix->slot[i].key, key)) {
			if (existing)
				*existing = ix->slot[i].value;
			return 1;
		}
	}
	ix->slot[i] = (struct kw_strslot){ .key = key, .hash = h, .value = value };
	ix->n++;
	return 0;
}

void kw_strindex_release(kw_strindex *ix)
{
	free(ix->slot);
	*ix = (kw_strindex){ 0 };
}
