/* Per-CPU workload slots, user side (see include/bpf/wlcache.h).
 *
 * Only the kernel moves a slot from free to owned, and only this file moves
 * it on: owned -> drain when its owner went idle or is missed by more than
 * twice the events it takes, then drain -> free once no program can still be
 * adding to it. Each slot's values are read as deltas from the last read, so
 * a row's sum only grows, and what a slot held when freed was read first.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../bpf/workload.h"
#include "bpf/wlcache.h"
#include "util.h"

/* A slot read this many times in a row with no new event is drained, so a
 * workload that went quiet or died leaves its slot to others. */
#define WLCACHE_IDLE 2
/* A draining slot is read for the last time and freed no sooner than this:
 * a program that saw it owned just before has long finished adding to it
 * (programs run for microseconds, under RCU). */
#define WLCACHE_DRAIN_S 1.0

/* One slot as the last read saw it. */
struct slot_view {
	uint64_t cgid;          /* WL_OTHER: free, or not yet seen owned */
	uint32_t key;
	uint32_t idle;          /* reads in a row with no new event */
	uint64_t misses;        /* the slot's misses as last read */
	double drain_at;        /* monotonic: when it was set draining */
};

/* What the slots gave one (cgroup id, key) since load. */
struct row_sum {
	uint64_t cgid;
	uint32_t key;
	bool merged;            /* given with its hash entry in this read */
	uint64_t *vals;
};

struct wlcache {
	unsigned char *mem;
	size_t nslots, stride, words;
	struct slot_view *view;
	uint64_t *prev;         /* nslots x words: each slot's values as last read */
	uint64_t *cur;          /* words */
	struct row_sum *sums;   /* sorted by (cgid, key) */
	size_t nsums, sums_cap;
};

void wlcache_free(struct wlcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsums; i++)
		free(c->sums[i].vals);
	free(c->sums);
	free(c->view);
	free(c->prev);
	free(c->cur);
	free(c);
}

struct wlcache *wlcache_new(unsigned char *mem, size_t nslots, size_t stride, size_t words)
{
	struct wlcache *c;
	size_t need = words == 1 ? sizeof(struct wl_count_slot) : sizeof(struct wl_hist_slot);

	if (!mem || stride < need ||
	    (words != 1 && words != HIST_SLOTS + 1 && words != HIST_SLOTS + 2)) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = (struct wlcache){ .mem = mem, .nslots = nslots, .stride = stride, .words = words };
	c->view = calloc(nslots, sizeof(*c->view));
	c->prev = calloc(nslots * words, sizeof(*c->prev));
	c->cur = calloc(words, sizeof(*c->cur));
	if (!c->view || !c->prev || !c->cur) {
		wlcache_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

/* The slot's values in the ledger's layout (struct hist, struct
 * wl_hist_bytes or struct wl_count), each word read once: the kernel may be
 * adding to them. */
static void slot_values(const struct wlcache *c, const unsigned char *slot, uint64_t *out)
{
	const struct wl_hist_slot *h = (const void *)slot;
	const struct wl_count_slot *n = (const void *)slot;

	if (c->words == 1) {
		out[0] = __atomic_load_n(&n->c.events, __ATOMIC_RELAXED);
		return;
	}
	for (size_t i = 0; i < HIST_SLOTS; i++)
		out[i] = __atomic_load_n(&h->slots[i], __ATOMIC_RELAXED);
	out[HIST_SLOTS] = __atomic_load_n(&h->sum, __ATOMIC_RELAXED);
	if (c->words == HIST_SLOTS + 2)
		out[HIST_SLOTS + 1] = __atomic_load_n(&h->bytes, __ATOMIC_RELAXED);
}

static struct row_sum *row_sum(struct wlcache *c, uint64_t cgid, uint32_t key, bool add)
{
	size_t lo = 0, hi = c->nsums;
	struct row_sum *s;
	uint64_t *vals;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct row_sum *m = &c->sums[mid];

		if (m->cgid < cgid || (m->cgid == cgid && m->key < key))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nsums && c->sums[lo].cgid == cgid && c->sums[lo].key == key)
		return &c->sums[lo];
	if (!add)
		return NULL;
	vals = calloc(c->words, sizeof(*vals));
	s = vals ? array_insert((void **)&c->sums, &c->sums_cap, &c->nsums, sizeof(*s), 16, lo)
		 : NULL;
	if (!s) {
		free(vals);
		return NULL;
	}
	*s = (struct row_sum){ .cgid = cgid, .key = key, .vals = vals };
	return s;
}

static int read_slot(struct wlcache *c, size_t i, double now)
{
	unsigned char *slot = c->mem + i * c->stride;
	struct wl_slot_head *h = (struct wl_slot_head *)slot;
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	struct slot_view *v = &c->view[i];
	uint64_t *prev = &c->prev[i * c->words], cgid, events = 0, misses;
	uint32_t key;
	struct row_sum *s;

	if (state == WL_SLOT_FREE)
		return 0;
	cgid = __atomic_load_n(&h->cgid, __ATOMIC_RELAXED);
	key = __atomic_load_n(&h->key, __ATOMIC_RELAXED);
	/* A claim whose owner is not visible yet (the kernel stores it before
	 * the state, but without a barrier): the next read sees it. */
	if (cgid == WL_OTHER)
		return 0;
	if (v->cgid != cgid || v->key != key) {
		*v = (struct slot_view){ .cgid = cgid, .key = key };
		memset(prev, 0, c->words * sizeof(*prev));
	}
	slot_values(c, slot, c->cur);
	/* Events: the histogram's slots, or a counter's first word. */
	for (size_t k = 0; k < (c->words == 1 ? 1 : HIST_SLOTS); k++)
		events += c->cur[k] - prev[k];
	misses = __atomic_load_n(&h->misses, __ATOMIC_RELAXED) - v->misses;
	v->misses += misses;
	if (events) {
		s = row_sum(c, cgid, key, true);
		if (!s)
			return -ENOMEM;
		for (size_t k = 0; k < c->words; k++) {
			s->vals[k] += c->cur[k] - prev[k];
			prev[k] = c->cur[k];
		}
		v->idle = 0;
	} else {
		v->idle++;
	}
	if (state == WL_SLOT_OWNED && (v->idle >= WLCACHE_IDLE || misses > 2 * events)) {
		v->drain_at = now;
		__atomic_store_n(&h->state, WL_SLOT_DRAIN, __ATOMIC_RELEASE);
	} else if (state == WL_SLOT_DRAIN && now - v->drain_at >= WLCACHE_DRAIN_S) {
		/* What was just read is final: zero it before the slot can be
		 * claimed again, and forget it here. */
		memset(slot + sizeof(*h), 0, c->stride - sizeof(*h));
		__atomic_store_n(&h->misses, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&h->cgid, WL_OTHER, __ATOMIC_RELAXED);
		__atomic_store_n(&h->key, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&h->state, WL_SLOT_FREE, __ATOMIC_RELEASE);
		*v = (struct slot_view){ 0 };
		memset(prev, 0, c->words * sizeof(*prev));
	}
	return 0;
}

int wlcache_read(struct wlcache *c, double now)
{
	int err = 0;

	for (size_t i = 0; !err && i < c->nslots; i++)
		err = read_slot(c, i, now);
	for (size_t i = 0; i < c->nsums; i++)
		c->sums[i].merged = false;
	return err;
}

const uint64_t *wlcache_merge(struct wlcache *c, uint64_t cgid, uint32_t key,
			      const uint64_t *vals)
{
	struct row_sum *s = row_sum(c, cgid, key, false);

	if (!s)
		return vals;
	for (size_t i = 0; i < c->words; i++)
		c->cur[i] = vals[i] + s->vals[i];
	s->merged = true;
	return c->cur;
}

void wlcache_each_unmerged(const struct wlcache *c, wlcache_row_fn fn, void *arg)
{
	for (size_t i = 0; i < c->nsums; i++)
		if (!c->sums[i].merged)
			fn(arg, c->sums[i].cgid, c->sums[i].key, c->sums[i].vals);
}

void wlcache_forget(struct wlcache *c, uint64_t cgid)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->nsums; i++) {
		if (c->sums[i].cgid == cgid)
			free(c->sums[i].vals);
		else
			c->sums[kept++] = c->sums[i];
	}
	c->nsums = kept;
}

int wlcache_cpus(const char *list)
{
	long top = -1;
	char *end;

	for (const char *s = list; *s;) {
		long id;

		/* Only digits start a number: "-11" in "8-11" is not negative. */
		if (!isdigit((unsigned char)*s)) {
			s++;
			continue;
		}
		id = strtol(s, &end, 10);
		if (id > top)
			top = id < INT_MAX ? id : INT_MAX - 1;
		s = end;
	}
	return (int)(top + 1);
}
