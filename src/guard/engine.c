/* engine.c — see engine.h. Three bounded tables:
 *   sources  address -> attempt times, ban state, report counters   (LRU, max_sources)
 *   users    user name -> attempt times (user_rule), counters       (LRU, max_sources)
 *   subnets  prefix -> currently banned members                      (LRU, max_sources)
 * each an array of entries with an open-addressing index (linear probing, backward-shift
 * deletion) and an intrusive LRU list; plus a direct-mapped table of live connections
 * keyed by sshd's pid.
 */
#include "guard/engine.h"

#include "base/err.h"
#include "base/cleanup.h"
#include "base/hash.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NIL UINT32_MAX
#define USER_MAX 100      /* sshd logs user names with %.100s */
#define SRC_USER_SLOTS 8
#define SUBNET_MAX_MEMBERS 64
#define CONN_SLOTS 16384u
#define BAN_STARTS 8

/* ---- open-addressing index: hash -> entry number ----
 * One array of {entry, 32 bits of the hash} (one cache line per probe), grown by doubling
 * so a small log keeps a small, cache-friendly index. */

typedef struct hslot {
	uint32_t e; /* NIL = empty */
	uint32_t h;
} hslot;

typedef struct hindex {
	hslot *s;
	size_t mask;
	size_t used;
} hindex;

#define HINDEX_FOR(ix, hash, i) \
	for (size_t i = (hash) & (ix)->mask; (ix)->s[i].e != NIL; i = (i + 1) & (ix)->mask) \
		if ((ix)->s[i].h == (uint32_t)(hash))

static int hindex_alloc(hindex *h, size_t n)
{
	h->s = malloc(n * sizeof *h->s);
	if (!h->s)
		return -ENOMEM;
	memset(h->s, 0xff, n * sizeof *h->s);
	h->mask = n - 1;
	h->used = 0;
	return 0;
}

static int hindex_init(hindex *h) { return hindex_alloc(h, 1024); }

static void hindex_release(hindex *h) { free(h->s); }

static void hindex_put(hindex *h, uint32_t hash, uint32_t e)
{
	size_t i = hash & h->mask;
	while (h->s[i].e != NIL)
		i = (i + 1) & h->mask;
	h->s[i] = (hslot){ .e = e, .h = hash };
	h->used++;
}

static int hindex_insert(hindex *h, uint64_t hash, uint32_t e)
{
	if ((h->used + 1) * 2 > h->mask + 1) {
		hindex old = *h;
		if (hindex_alloc(h, (old.mask + 1) * 2) < 0) {
			*h = old;
			return -ENOMEM;
		}
		for (size_t i = 0; i <= old.mask; i++)
			if (old.s[i].e != NIL)
				hindex_put(h, old.s[i].h, old.s[i].e);
		hindex_release(&old);
	}
	hindex_put(h, (uint32_t)hash, e);
	return 0;
}

static void hindex_remove(hindex *h, uint64_t hash, uint32_t e)
{
	size_t i = hash & h->mask;
	while (h->s[i].e != e)
		i = (i + 1) & h->mask;
	h->s[i].e = NIL;
	h->used--;
	/* backward shift: pull later members of the probe run into the hole */
	size_t j = i;
	for (;;) {
		j = (j + 1) & h->mask;
		if (h->s[j].e == NIL)
			return;
		size_t home = h->s[j].h & h->mask;
		/* can the entry at j live at i? (i lies cyclically in [home, j)) */
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			h->s[i] = h->s[j];
			h->s[j].e = NIL;
			i = j;
		}
	}
}

/* ---- LRU list over entry numbers ---- */

typedef struct lru {
	uint32_t head, tail; /* head = most recent */
} lru;

typedef struct lru_link {
	uint32_t prev, next;
} lru_link;

static void lru_unlink(lru *l, lru_link *links, uint32_t e)
{
	lru_link *k = &links[e];
	if (k->prev != NIL) links[k->prev].next = k->next; else l->head = k->next;
	if (k->next != NIL) links[k->next].prev = k->prev; else l->tail = k->prev;
	k->prev = k->next = NIL;
}

static void lru_push_front(lru *l, lru_link *links, uint32_t e)
{
	links[e].prev = NIL;
	links[e].next = l->head;
	if (l->head != NIL) links[l->head].prev = e;
	l->head = e;
	if (l->tail == NIL) l->tail = e;
}

static void lru_touch(lru *l, lru_link *links, uint32_t e)
{
	if (l->head == e)
		return;
	lru_unlink(l, links, e);
	lru_push_front(l, links, e);
}

/* ---- attempt times: ascending, at most cap kept ---- */

typedef struct times {
	int64_t *t;
	uint32_t n, cap;
} times;

static int times_push(times *ts, int64_t t, uint32_t keep)
{
	if (keep == 0)
		return 0;
	if (ts->n == keep) {
		memmove(ts->t, ts->t + 1, (size_t)(ts->n - 1) * sizeof *ts->t);
		ts->n--;
	}
	if (ts->n == ts->cap) {
		uint32_t c = ts->cap ? ts->cap * 2 : 4;
		if (c > keep)
			c = keep;
		int64_t *nt = realloc(ts->t, (size_t)c * sizeof *nt);
		if (!nt)
			return -ENOMEM;
		ts->t = nt;
		ts->cap = c;
	}
	/* logs interleave a little: keep the array sorted */
	uint32_t i = ts->n;
	while (i > 0 && ts->t[i - 1] > t) {
		ts->t[i] = ts->t[i - 1];
		i--;
	}
	ts->t[i] = t;
	ts->n++;
	return 0;
}

static void times_clear(times *ts) { ts->n = 0; }

static uint32_t times_within(const times *ts, int64_t now, uint32_t period)
{
	uint32_t c = 0;
	for (uint32_t i = ts->n; i > 0; i--) {
		if (now - ts->t[i - 1] >= (int64_t)period)
			break;
		c++;
	}
	return c;
}

/* ---- entries ---- */

typedef struct gsrc {
	kw_addr addr;
	uint64_t hash;
	times tries;
	int64_t banned_until; /* 0 = not banned; INT64_MAX = permanent */
	int64_t ban_starts[BAN_STARTS];
	uint32_t nban_starts;
	uint32_t user_hash[SRC_USER_SLOTS];
	kw_gsource_info info;
} gsrc;

typedef struct guser {
	char name[USER_MAX];
	uint8_t len;
	bool invalid;
	uint64_t hash;
	uint64_t tries_total;
	times tries;
	int64_t blocked_until; /* user rule fired: sources failing against it are banned */
} guser;

typedef struct gsubnet {
	kw_cidr prefix;
	uint64_t hash;
	uint32_t nmembers;
	uint64_t member[SUBNET_MAX_MEMBERS];
	int64_t until[SUBNET_MAX_MEMBERS];
	int64_t banned_until;
	int64_t ban_starts[BAN_STARTS];
	uint32_t nban_starts;
} gsubnet;

typedef struct gconn {
	uint32_t pid;
	kw_addr addr;
	uint16_t tries;
	bool counted, authenticated, live;
} gconn;

/* A table of one entry type: entries, index, LRU. */
typedef struct table {
	void *ent;
	size_t esize, ent_bytes;
	lru_link *links;
	hindex ix;
	lru order;
	uint32_t n, cap;     /* n = in use; entries are never moved */
	uint32_t free_head;  /* free list through links[].next */
	uint32_t fresh;      /* entries [fresh, cap) were never used (nor their pages touched) */
} table;

struct kw_gengine {
	const kw_gconf *conf;
	const kw_iplist *ignore;
	bool host_wild;      /* host_rule names are all "*" (no need to format the address) */
	table srcs, users, subnets;
	gconn *conns;
	kw_goffense_fn offense_fn;
	void *offense_ctx;
	kw_gengine_stats st;
};

/* Zeroed memory for a table's entries, touched only as entries come into use. Entries
 * are looked up at random: ask for huge pages, which cut page faults and TLB misses
 * (a hint the kernel may ignore). */
static void *table_mem(size_t bytes, size_t *mapped)
{
	size_t huge = (size_t)2 << 20;
	*mapped = (bytes + huge - 1) / huge * huge;
	void *p = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, *mapped, MADV_HUGEPAGE);
	return p;
}

static int table_init(table *t, uint32_t cap, size_t esize)
{
	memset(t, 0, sizeof *t);
	t->esize = esize;
	t->cap = cap;
	t->ent = table_mem((size_t)cap * esize, &t->ent_bytes);
	t->links = malloc((size_t)cap * sizeof *t->links);
	if (!t->ent || !t->links)
		return -ENOMEM;
	t->free_head = NIL;
	t->fresh = 0;
	t->order.head = t->order.tail = NIL;
	return hindex_init(&t->ix);
}

static void *table_at(const table *t, uint32_t e) { return (char *)t->ent + (size_t)e * t->esize; }

static bool table_full(const table *t) { return t->free_head == NIL && t->fresh == t->cap; }

/* Take a free entry, or NIL when full. */
static uint32_t table_alloc(table *t, uint64_t hash)
{
	uint32_t e = t->free_head;
	if (e != NIL)
		t->free_head = t->links[e].next;
	else if (t->fresh < t->cap)
		e = t->fresh++;
	else
		return NIL;
	t->links[e].prev = t->links[e].next = NIL;
	if (hindex_insert(&t->ix, hash, e) < 0) {
		t->links[e].next = t->free_head;
		t->free_head = e;
		return NIL;
	}
	lru_push_front(&t->order, t->links, e);
	t->n++;
	return e;
}

static void table_free_entry(table *t, uint32_t e, uint64_t hash)
{
	hindex_remove(&t->ix, hash, e);
	lru_unlink(&t->order, t->links, e);
	t->links[e].next = t->free_head;
	t->free_head = e;
	t->n--;
}

/* A fresh, zeroed entry for hash; when the table is full the least recently used entry
 * is dropped first. hash_off: where an entry keeps its hash; times_off: its owned attempt
 * array (freed on drop), or SIZE_MAX if it has none. */
static void *table_take_lru(table *t, uint64_t hash, size_t hash_off, size_t times_off)
{
	if (table_full(t)) {
		uint32_t victim = t->order.tail;
		char *v = table_at(t, victim);
		if (times_off != SIZE_MAX)
			free(*(int64_t **)(v + times_off));
		uint64_t vh;
		memcpy(&vh, v + hash_off, sizeof vh);
		memset(v, 0, t->esize);
		table_free_entry(t, victim, vh);
	}
	uint32_t e = table_alloc(t, hash);
	if (e == NIL)
		return NULL;
	void *ent = table_at(t, e);
	memset(ent, 0, t->esize);
	return ent;
}

/* ---- sources ---- */

static gsrc *src_find(kw_gengine *g, const kw_addr *a, uint64_t hash, uint32_t *pe)
{
	table *t = &g->srcs;
	HINDEX_FOR(&t->ix, hash, i) {
		gsrc *s = table_at(t, t->ix.s[i].e);
		if (kw_addr_eq(&s->addr, a)) {
			if (pe)
				*pe = t->ix.s[i].e;
			return s;
		}
	}
	return NULL;
}

static void src_evict_one(kw_gengine *g)
{
	table *t = &g->srcs;
	/* least recently seen, preferring one that is not banned (look at a few) */
	uint32_t victim = t->order.tail, e = t->order.tail;
	for (int k = 0; k < 64 && e != NIL; k++, e = t->links[e].prev) {
		gsrc *s = table_at(t, e);
		if (s->banned_until == 0) {
			victim = e;
			break;
		}
	}
	gsrc *s = table_at(t, victim);
	free(s->tries.t);
	uint64_t hash = s->hash;
	memset(s, 0, sizeof *s);
	table_free_entry(t, victim, hash);
	g->st.evicted++;
}

size_t kw_gengine_prefetch_index(const kw_gengine *g, const kw_gevent *ev)
{
	if (ev->pid)
		__builtin_prefetch(&g->conns[ev->pid % CONN_SLOTS], 1);
	if (!ev->addr.fam)
		return KW_GPREFETCH_NONE;
	size_t pos = kw_addr_hash(&ev->addr) & g->srcs.ix.mask;
	__builtin_prefetch(&g->srcs.ix.s[pos]);
	return pos;
}

void kw_gengine_prefetch_entry(const kw_gengine *g, size_t pos)
{
	const table *t = &g->srcs;
	if (pos > t->ix.mask || t->ix.s[pos].e == NIL)
		return; /* no address, or the index grew since */
	__builtin_prefetch(table_at(t, t->ix.s[pos].e), 1);
}

static gsrc *src_get(kw_gengine *g, const kw_addr *a, int64_t now)
{
	uint64_t hash = kw_addr_hash(a);
	uint32_t e;
	gsrc *s = src_find(g, a, hash, &e);
	if (s) {
		lru_touch(&g->srcs.order, g->srcs.links, e);
		return s;
	}
	if (table_full(&g->srcs))
		src_evict_one(g);
	e = table_alloc(&g->srcs, hash);
	if (e == NIL)
		return NULL;
	s = table_at(&g->srcs, e);
	memset(s, 0, sizeof *s);
	s->addr = *a;
	s->hash = hash;
	s->info.addr = *a;
	s->info.first = s->info.last = now;
	return s;
}

/* ---- users ---- */

static uint64_t name_hash(const uint8_t *p, size_t n)
{
	return kw_hash_mix(kw_fnv1a(KW_FNV1A_INIT, p, n));
}

static guser *user_get(kw_gengine *g, const uint8_t *name, size_t n)
{
	if (n > USER_MAX)
		n = USER_MAX;
	uint64_t hash = name_hash(name, n);
	table *t = &g->users;
	HINDEX_FOR(&t->ix, hash, i) {
		guser *u = table_at(t, t->ix.s[i].e);
		if (u->len == n && !memcmp(u->name, name, n)) {
			lru_touch(&t->order, t->links, t->ix.s[i].e);
			return u;
		}
	}
	guser *u = table_take_lru(t, hash, offsetof(guser, hash), offsetof(guser, tries.t));
	if (!u)
		return NULL;
	memcpy(u->name, name, n);
	u->len = (uint8_t)n;
	u->hash = hash;
	return u;
}

/* ---- subnets ---- */

static uint64_t subnet_hash(const kw_cidr *p) { return kw_addr_hash(&p->a) ^ p->bits; }

/* The subnet entry of p (hash: subnet_hash(p)); *pe (may be NULL): its index. */
static gsubnet *subnet_find(kw_gengine *g, const kw_cidr *p, uint64_t hash, uint32_t *pe)
{
	table *t = &g->subnets;
	HINDEX_FOR(&t->ix, hash, i) {
		gsubnet *s = table_at(t, t->ix.s[i].e);
		if (s->prefix.bits == p->bits && kw_addr_eq(&s->prefix.a, &p->a)) {
			if (pe)
				*pe = t->ix.s[i].e;
			return s;
		}
	}
	return NULL;
}

static gsubnet *subnet_get(kw_gengine *g, const kw_cidr *p)
{
	table *t = &g->subnets;
	uint32_t e;
	uint64_t hash = subnet_hash(p);
	gsubnet *s = subnet_find(g, p, hash, &e);
	if (s) {
		lru_touch(&t->order, t->links, e);
		return s;
	}
	s = table_take_lru(t, hash, offsetof(gsubnet, hash), SIZE_MAX);
	if (!s)
		return NULL;
	s->prefix = *p;
	s->hash = hash;
	return s;
}

/* ---- life cycle ---- */

static bool rules_all_wild(const kw_rules *r)
{
	for (size_t i = 0; i < r->nclauses; i++) {
		if (r->clauses[i].negate)
			return false;
		for (size_t j = 0; j < r->clauses[i].nnames; j++)
			if (strcmp(r->clauses[i].names[j].name, "*"))
				return false;
	}
	return true;
}

int kw_gengine_new(const kw_gconf *conf, const kw_iplist *ignore, kw_gengine **out)
{
	*out = NULL;
	kw_gengine *g = calloc(1, sizeof *g);
	if (!g)
		return -ENOMEM;
	g->conf = conf;
	g->ignore = ignore;
	g->host_wild = rules_all_wild(&conf->host_rule);
	uint32_t cap = conf->max_sources ? conf->max_sources : 100000;
	g->conns = calloc(CONN_SLOTS, sizeof *g->conns);
	if (!g->conns || table_init(&g->srcs, cap, sizeof(gsrc)) < 0 ||
	    table_init(&g->users, cap, sizeof(guser)) < 0 ||
	    table_init(&g->subnets, cap, sizeof(gsubnet)) < 0) {
		kw_gengine_free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

static void table_release(table *t, bool is_src, bool is_user)
{
	/* entries in use are exactly those on the LRU list */
	if (t->ent && t->links && (is_src || is_user)) {
		for (uint32_t i = t->order.head; i != NIL; i = t->links[i].next) {
			if (is_src) {
				gsrc *s = table_at(t, i);
				free(s->tries.t);
			} else {
				guser *u = table_at(t, i);
				free(u->tries.t);
			}
		}
	}
	if (t->ent)
		munmap(t->ent, t->ent_bytes);
	free(t->links);
	hindex_release(&t->ix);
}

void kw_gengine_free(kw_gengine *g)
{
	if (!g)
		return;
	table_release(&g->srcs, true, false);
	table_release(&g->users, false, true);
	table_release(&g->subnets, false, false);
	free(g->conns);
	free(g);
}

void kw_gengine_set_offense_hook(kw_gengine *g, kw_goffense_fn fn, void *ctx)
{
	g->offense_fn = fn;
	g->offense_ctx = ctx;
}

/* ---- decisions ---- */

static void format_period(char *out, size_t cap, uint32_t s)
{
	if (s % 604800 == 0) snprintf(out, cap, "%uw", s / 604800);
	else if (s % 86400 == 0) snprintf(out, cap, "%ud", s / 86400);
	else if (s % 3600 == 0) snprintf(out, cap, "%uh", s / 3600);
	else if (s % 60 == 0) snprintf(out, cap, "%um", s / 60);
	else snprintf(out, cap, "%us", s);
}

static uint32_t recent_bans(const int64_t *starts, uint32_t n, int64_t since)
{
	uint32_t c = 0;
	for (uint32_t i = 0; i < n && i < BAN_STARTS; i++)
		if (starts[i] >= since)
			c++;
	return c;
}

static void remember_ban(int64_t *starts, uint32_t *n, int64_t start)
{
	starts[*n % BAN_STARTS] = start;
	(*n)++;
}

/* Offense number and duration for a new ban of prefix. */
static void decide_length(kw_gengine *g, const kw_cidr *prefix, const int64_t *starts,
			  uint32_t nstarts, int64_t now, kw_gdecision *d)
{
	const kw_gconf *c = g->conf;
	int64_t since = now - (int64_t)c->escalation_window_s;
	uint32_t earlier = recent_bans(starts, nstarts, since);
	if (g->offense_fn) {
		uint32_t db = 0;
		if (g->offense_fn(g->offense_ctx, prefix, since, &db) == 0 && db > earlier)
			earlier = db;
	}
	d->offense = earlier + 1;
	d->start = now;
	d->prefix = *prefix;
	if (c->bantime_s == 0) {
		d->duration_s = 0;
		return;
	}
	uint64_t len = c->bantime_s;
	uint32_t mult = c->escalation ? c->escalation : 1;
	for (uint32_t i = 1; i < d->offense && mult > 1; i++) {
		if (c->bantime_max_s && len >= c->bantime_max_s)
			break;
		if (len > UINT64_MAX / mult) {
			len = UINT64_MAX;
			break;
		}
		len *= mult;
	}
	if (c->bantime_max_s && len > c->bantime_max_s)
		len = c->bantime_max_s;
	d->duration_s = len;
}

static int64_t until_of(const kw_gdecision *d)
{
	if (d->duration_s == 0 || d->duration_s > (uint64_t)(INT64_MAX - d->start))
		return INT64_MAX;
	return d->start + (int64_t)d->duration_s;
}

static bool is_banned(int64_t until, int64_t now) { return until != 0 && until > now; }

static void ban_source(kw_gengine *g, gsrc *s, int64_t now, kw_gdecision *d)
{
	kw_cidr host = kw_cidr_host(&s->addr);
	decide_length(g, &host, s->ban_starts, s->nban_starts, now, d);
	s->banned_until = until_of(d);
	remember_ban(s->ban_starts, &s->nban_starts, now);
	times_clear(&s->tries);
	s->info.bans++;
}

/* A member was banned: maybe its subnet now is too. Returns 1 with *d filled. */
static int subnet_check(kw_gengine *g, const kw_addr *a, int64_t now, int64_t member_until,
			kw_gdecision *d)
{
	const kw_gconf *c = g->conf;
	unsigned bits = a->fam == 4 ? c->subnet_v4_bits : c->subnet_v6_bits;
	uint32_t need = a->fam == 4 ? c->subnet_v4_members : c->subnet_v6_members;
	if (bits == 0 || need == 0)
		return 0;
	if (need > SUBNET_MAX_MEMBERS)
		need = SUBNET_MAX_MEMBERS;
	kw_cidr p = kw_cidr_of(a, bits);
	if (kw_cidr_is_host(&p))
		return 0;
	gsubnet *sn = subnet_get(g, &p);
	if (!sn)
		return -ENOMEM;
	/* drop members whose ban ran out, then add (or refresh) this one */
	uint64_t mh = kw_addr_hash(a);
	uint32_t w = 0;
	bool present = false;
	for (uint32_t i = 0; i < sn->nmembers; i++) {
		if (!is_banned(sn->until[i], now))
			continue;
		if (sn->member[i] == mh) {
			present = true;
			sn->until[i] = member_until;
		}
		sn->member[w] = sn->member[i];
		sn->until[w] = sn->until[i];
		w++;
	}
	sn->nmembers = w;
	if (!present && sn->nmembers < SUBNET_MAX_MEMBERS) {
		sn->member[sn->nmembers] = mh;
		sn->until[sn->nmembers] = member_until;
		sn->nmembers++;
	}
	if (sn->nmembers < need || is_banned(sn->banned_until, now))
		return 0;
	decide_length(g, &p, sn->ban_starts, sn->nban_starts, now, d);
	sn->banned_until = until_of(d);
	remember_ban(sn->ban_starts, &sn->nban_starts, now);
	d->failures = sn->nmembers;
	snprintf(d->rule, sizeof d->rule, "subnet /%u %u members", bits, sn->nmembers);
	return 1;
}

static bool in_banned_subnet(kw_gengine *g, const kw_addr *a, int64_t now)
{
	const kw_gconf *c = g->conf;
	unsigned bits = a->fam == 4 ? c->subnet_v4_bits : c->subnet_v6_bits;
	if (bits == 0 || g->subnets.n == 0)
		return false;
	kw_cidr p = kw_cidr_of(a, bits);
	const gsubnet *s = subnet_find(g, &p, subnet_hash(&p), NULL);
	return s && is_banned(s->banned_until, now);
}

/* ---- feeding ---- */

static gconn *conn_for(kw_gengine *g, uint32_t pid)
{
	/* sshd's pids grow by one: consecutive connections land in neighbouring slots, and
	 * any two live ones less than CONN_SLOTS apart never share a slot */
	return pid ? &g->conns[pid % CONN_SLOTS] : NULL;
}

static enum kw_gclass effective_class(const kw_gengine *g, const kw_gevent *ev, const gconn *cn)
{
	enum kw_gclass cls = kw_gkind_class(ev->kind);
	switch (ev->kind) {
	case KW_GK_FAILED_PUBLICKEY:
		if (g->conf->publickey == KW_GPUBKEY_ANY ||
		    (g->conf->publickey == KW_GPUBKEY_INVALID && ev->invalid_user))
			cls = KW_GC_TRY;
		else
			cls = KW_GC_INFO;
		break;
	case KW_GK_CLOSE:
	case KW_GK_PREAUTH_CLOSE:
	case KW_GK_PREAUTH_DISCONNECT:
	case KW_GK_RECEIVED_DISCONNECT:
		if (cn && cn->authenticated)
			cls = KW_GC_INFO;
		break;
	default:
		break;
	}
	if (cls == KW_GC_PROBE && g->conf->mode == KW_GMODE_NORMAL)
		cls = KW_GC_INFO;
	return cls;
}

static void src_note_user(gsrc *s, const kw_buf *user)
{
	uint32_t h = (uint32_t)name_hash(user->p + user->off, kw_buf_left(user)) | 1u;
	uint32_t n = s->info.users < SRC_USER_SLOTS ? s->info.users : SRC_USER_SLOTS;
	for (uint32_t i = 0; i < n; i++)
		if (s->user_hash[i] == h)
			return;
	if (s->info.users < SRC_USER_SLOTS)
		s->user_hash[s->info.users] = h;
	s->info.users++;
}

static int check_host_rule(kw_gengine *g, gsrc *s, int64_t t, int64_t now, kw_gdecision *d)
{
	const kw_rules *r = &g->conf->host_rule;
	char text[KW_ADDR_STRLEN] = "";
	size_t tn = 0;
	if (!g->host_wild)
		tn = kw_addr_format(&s->addr, text, sizeof text);
	const kw_rule_trigger *hit = NULL;
	if (!kw_rules_blocked(r, text, tn, "sshd", s->tries.t, s->tries.n, t, &hit) || !hit)
		return 0;
	uint32_t failures = times_within(&s->tries, t, hit->period_s);
	ban_source(g, s, now, d);
	d->failures = failures;
	char per[16];
	format_period(per, sizeof per, hit->period_s);
	snprintf(d->rule, sizeof d->rule, "host %u/%s", hit->count, per);
	return 1;
}

static int check_user_rule(kw_gengine *g, gsrc *s, guser *u, int64_t t, int64_t now, kw_gdecision *d)
{
	if (!u || !g->conf->has_user_rule)
		return 0;
	const kw_rules *r = &g->conf->user_rule;
	const kw_rule_trigger *hit = NULL;
	if (!is_banned(u->blocked_until, t)) {
		if (!kw_rules_blocked(r, u->name, u->len, "sshd", u->tries.t, u->tries.n, t, &hit) || !hit)
			return 0;
		u->blocked_until = t + (int64_t)hit->period_s;
	}
	/* the user is blocked: this source failed against it, ban it */
	ban_source(g, s, now, d);
	d->failures = 1;
	char name[64];
	size_t n = u->len < 40 ? u->len : 40;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) /* rule text goes into state and reports: printable only */
		name[w++] = (u->name[i] > 0x20 && u->name[i] < 0x7f) ? u->name[i] : '?';
	name[w] = '\0';
	if (hit) {
		char per[16];
		format_period(per, sizeof per, hit->period_s);
		snprintf(d->rule, sizeof d->rule, "user %s %u/%s", name, hit->count, per);
	} else {
		snprintf(d->rule, sizeof d->rule, "user %s blocked", name);
	}
	return 1;
}

int kw_gengine_feed(kw_gengine *g, const kw_gevent *ev, int64_t now, kw_gdecision out[2])
{
	if (ev->kind <= KW_GK_NONE || ev->kind >= KW_GK_COUNT)
		return 0;
	g->st.events++;
	g->st.by_kind[ev->kind]++;
	int64_t t = ev->time_us == KW_GTIME_UNKNOWN ? now : ev->time_us / 1000000;

	/* which connection, which address */
	gconn *cn = conn_for(g, ev->pid);
	kw_addr addr = ev->addr;
	if (cn) {
		if (addr.fam) {
			if (!cn->live || cn->pid != ev->pid || !kw_addr_eq(&cn->addr, &addr)) {
				memset(cn, 0, sizeof *cn);
				cn->live = true;
				cn->pid = ev->pid;
				cn->addr = addr;
			}
		} else if (cn->live && cn->pid == ev->pid) {
			addr = cn->addr;
		}
	}
	if (!addr.fam) {
		g->st.unattributed++;
		return 0;
	}
	if (cn && !(cn->live && cn->pid == ev->pid))
		cn = NULL;
	if (g->ignore && kw_iplist_contains(g->ignore, &addr)) {
		g->st.ignored++;
		return 0;
	}

	enum kw_gclass cls = effective_class(g, ev, cn);
	gsrc *s = src_get(g, &addr, t);
	if (!s)
		return -ENOMEM;
	s->info.events++;
	if (t < s->info.first) s->info.first = t;
	if (t > s->info.last) s->info.last = t;
	if (cls == KW_GC_PROBE)
		s->info.probes++;

	if (cls == KW_GC_SUCCESS) {
		if (cn)
			cn->authenticated = true;
		if (g->conf->reset_on_success)
			times_clear(&s->tries);
		return 0;
	}
	bool count = false;
	if (cls == KW_GC_TRY) {
		if (!cn) {
			count = true;
		} else {
			cn->tries++;
			count = !(cn->tries == 1 && cn->counted);
			cn->counted = true;
		}
	} else if (cls == KW_GC_CONN || cls == KW_GC_PROBE) {
		if (!cn) {
			count = true;
		} else if (!cn->counted && cn->tries == 0) {
			count = true;
			cn->counted = true;
		}
	}
	if (!count)
		return 0;

	g->st.counted++;
	s->info.attempts++;
	guser *u = NULL;
	if (ev->has_user) {
		src_note_user(s, &ev->user);
		u = user_get(g, ev->user.p + ev->user.off, kw_buf_left(&ev->user));
		if (u) {
			u->tries_total++;
			if (ev->invalid_user)
				u->invalid = true;
			if (g->conf->has_user_rule && times_push(&u->tries, t, g->conf->user_rule.max_count) < 0)
				return -ENOMEM;
		}
	}
	if (is_banned(s->banned_until, now) || in_banned_subnet(g, &addr, now))
		return 0; /* already banned: the firewall (or, replaying, the log) still shows it */
	if (s->banned_until)
		s->banned_until = 0; /* the ban ran out: start again from a clean window */
	if (times_push(&s->tries, t, g->conf->host_rule.max_count) < 0)
		return -ENOMEM;

	int nd = check_host_rule(g, s, t, now, &out[0]);
	if (nd == 0)
		nd = check_user_rule(g, s, u, t, now, &out[0]);
	if (nd == 1) {
		int r = subnet_check(g, &addr, now, s->banned_until, &out[1]);
		if (r < 0)
			return r;
		nd += r;
	}
	return nd;
}

int kw_gengine_note_ban(kw_gengine *g, const kw_cidr *prefix, int64_t start, int64_t until,
			uint32_t offense)
{
	int64_t u = until == 0 ? INT64_MAX : until;
	if (kw_cidr_is_host(prefix)) {
		gsrc *s = src_get(g, &prefix->a, start);
		if (!s)
			return -ENOMEM;
		s->banned_until = u;
		for (uint32_t i = 0; i < offense && i < BAN_STARTS; i++)
			remember_ban(s->ban_starts, &s->nban_starts, start);
		times_clear(&s->tries);
		return 0;
	}
	gsubnet *sn = subnet_get(g, prefix);
	if (!sn)
		return -ENOMEM;
	sn->banned_until = u;
	remember_ban(sn->ban_starts, &sn->nban_starts, start);
	return 0;
}

void kw_gengine_note_unban(kw_gengine *g, const kw_cidr *prefix)
{
	if (kw_cidr_is_host(prefix)) {
		uint32_t e;
		gsrc *s = src_find(g, &prefix->a, kw_addr_hash(&prefix->a), &e);
		if (s) {
			s->banned_until = 0;
			times_clear(&s->tries);
		}
		return;
	}
	gsubnet *sn = subnet_find(g, prefix, subnet_hash(prefix), NULL);
	if (sn) {
		sn->banned_until = 0;
		sn->nmembers = 0;
	}
}

void kw_gengine_get_stats(const kw_gengine *g, kw_gengine_stats *st)
{
	*st = g->st;
	st->sources = g->srcs.n;
}

uint64_t kw_gengine_counted(const kw_gengine *g) { return g->st.counted; }

int kw_gengine_sources(const kw_gengine *g, kw_gsource_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	kw_gsource_info *v = calloc(g->srcs.n ? g->srcs.n : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (uint32_t e = g->srcs.order.head; e != NIL; e = g->srcs.links[e].next) {
		const gsrc *s = table_at(&g->srcs, e);
		v[k++] = s->info;
	}
	*out = v;
	*n = k;
	return 0;
}

int kw_gengine_users(const kw_gengine *g, kw_guser_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	kw_guser_info *v = calloc(g->users.n ? g->users.n : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (uint32_t e = g->users.order.head; e != NIL; e = g->users.links[e].next) {
		const guser *u = table_at(&g->users, e);
		v[k].name = u->name;
		v[k].name_len = u->len;
		v[k].tries = u->tries_total;
		v[k].invalid = u->invalid;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}
