/* Per-CPU workload slots, user side: the kernel's part (claim, add, miss) is
 * played here on plain memory with the kernel's own wl_slot_take(), and every
 * event must come out exactly once, through the slots or the hash, across
 * claims, drains and frees. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "collect_assert.h"
#include "../bpf/workload.h"
#include "bpf/wlcache.h"

#define NSLOTS 4

struct fake {
	union {
		struct wl_count_slot count[NSLOTS];
		struct wl_hist_slot hist[NSLOTS];
	};
	uint64_t hash_events[8];        /* the hash's events, by cgroup id */
	uint64_t hash_hist[8][HIST_SLOTS + 1];
};

/* wl_cached(): the slot if (cgid, key) owns or just claimed it, else NULL. */
static void *kernel_slot(struct fake *f, size_t i, bool hist, uint64_t cgid, uint32_t key)
{
	struct wl_slot_head *h = hist ? &f->hist[i].head : &f->count[i].head;

	return wl_slot_take(h, cgid, key) ? h : NULL;
}

/* n events of cgid (key 0), mapped to slot i. */
static void count_events(struct fake *f, size_t i, uint64_t cgid, int n)
{
	for (int e = 0; e < n; e++) {
		struct wl_count_slot *s = kernel_slot(f, i, false, cgid, 0);

		if (s) {
			s->c.events++;
		} else {
			f->hash_events[cgid]++;
		}
	}
}

struct seen {
	uint64_t events[8];
};

static void on_row(void *arg, uint64_t cgid, uint32_t key, const uint64_t *vals)
{
	struct seen *s = arg;

	assert_int_equal(key, 0);
	s->events[cgid] = vals[0];
}

/* One collection as wl.c does it: slots, then each hash entry merged with
 * them, then the rows only the slots have. */
static struct seen collect(struct wlcache *c, struct fake *f, double now)
{
	struct seen s = { 0 };

	assert_int_equal(wlcache_read(c, now), 0);
	for (uint64_t id = 1; id < 8; id++) {
		uint64_t vals[1] = { f->hash_events[id] };

		if (f->hash_events[id])
			on_row(&s, id, 0, wlcache_merge(c, id, 0, vals));
	}
	wlcache_each_unmerged(c, on_row, &s);
	return s;
}

static void test_exact_through_a_slots_life(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct wlcache *c = wlcache_new((unsigned char *)f->count, NSLOTS,
					sizeof(struct wl_count_slot), 1);
	struct seen s;

	(void)state;
	assert_non_null(c);
	count_events(f, 0, 1, 5);
	s = collect(c, f, 0);
	assert_int_equal(s.events[1], 5);
	assert_int_equal(f->count[0].head.state, WL_SLOT_OWNED);

	count_events(f, 0, 1, 3);
	s = collect(c, f, 1);
	assert_int_equal(s.events[1], 8);

	/* Idle for two reads: drained; its events then take the hash. */
	collect(c, f, 2);
	assert_int_equal(f->count[0].head.state, WL_SLOT_OWNED);
	collect(c, f, 3);
	assert_int_equal(f->count[0].head.state, WL_SLOT_DRAIN);
	count_events(f, 0, 1, 1);
	assert_int_equal(f->hash_events[1], 1);
	/* A program that saw it owned just before the drain still adds. */
	f->count[0].c.events++;

	/* Too soon to free, then freed: what it held was read first. */
	s = collect(c, f, 3.5);
	assert_int_equal(f->count[0].head.state, WL_SLOT_DRAIN);
	assert_int_equal(s.events[1], 10);
	s = collect(c, f, 4.5);
	assert_int_equal(f->count[0].head.state, WL_SLOT_FREE);
	assert_int_equal(f->count[0].c.events, 0);
	assert_int_equal(f->count[0].head.cgid, WL_OTHER);
	assert_int_equal(s.events[1], 10);

	/* Claimed again by the same workload: counted from zero, on top. */
	count_events(f, 0, 1, 2);
	s = collect(c, f, 5);
	assert_int_equal(s.events[1], 12);

	wlcache_forget(c, 1);
	f->hash_events[1] = 0;
	s = collect(c, f, 6);
	assert_int_equal(s.events[1], 0);
	wlcache_free(c);
	free(f);
}

static void test_missed_owner_makes_way(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct wlcache *c = wlcache_new((unsigned char *)f->count, NSLOTS,
					sizeof(struct wl_count_slot), 1);
	struct seen s;

	(void)state;
	count_events(f, 2, 1, 1);
	count_events(f, 2, 2, 2);
	collect(c, f, 0);
	/* Missed by twice its own events: not yet. */
	assert_int_equal(f->count[2].head.state, WL_SLOT_OWNED);
	count_events(f, 2, 1, 1);
	count_events(f, 2, 2, 3);
	collect(c, f, 1);
	assert_int_equal(f->count[2].head.state, WL_SLOT_DRAIN);
	s = collect(c, f, 2);
	assert_int_equal(f->count[2].head.state, WL_SLOT_FREE);
	count_events(f, 2, 2, 4);
	assert_int_equal(f->count[2].head.cgid, 2);
	s = collect(c, f, 3);
	assert_int_equal(s.events[1], 2);
	assert_int_equal(s.events[2], 9);
	assert_int_equal(f->hash_events[2], 5);
	wlcache_free(c);
	free(f);
}

/* Histograms, plain and with the bytes of their events (struct
 * wl_hist_bytes): the slot's bytes are read only into the wider ledger. */
static void test_histogram_slots(void **state)
{
	(void)state;
	for (size_t words = HIST_SLOTS + 1; words <= HIST_SLOTS + 2; words++) {
		struct fake *f = calloc(1, sizeof(*f));
		struct wlcache *c = wlcache_new((unsigned char *)f->hist, NSLOTS,
						sizeof(struct wl_hist_slot), words);
		struct wl_hist_slot *h;
		uint64_t hash[HIST_SLOTS + 2] = { 0 };
		const uint64_t *v;

		assert_non_null(c);
		h = kernel_slot(f, 3, true, 7, 2);
		assert_non_null(h);
		h->slots[5] += 2;
		h->sum += 300;
		h->slots[HIST_SLOTS - 1]++;
		h->sum += 1000;
		h->bytes += 3 * 4096;
		hash[5] = 1;
		hash[HIST_SLOTS] = 100;
		hash[HIST_SLOTS + 1] = 512;
		assert_int_equal(wlcache_read(c, 0), 0);
		v = wlcache_merge(c, 7, 2, hash);
		assert_int_equal(v[5], 3);
		assert_int_equal(v[HIST_SLOTS - 1], 1);
		assert_int_equal(v[HIST_SLOTS], 1400);
		if (words == HIST_SLOTS + 2)
			assert_int_equal(v[HIST_SLOTS + 1], 3 * 4096 + 512);
		/* Another key of the same workload has nothing in the slots. */
		assert_ptr_equal(wlcache_merge(c, 7, 1, hash), hash);
		wlcache_free(c);
		free(f);
	}
}

static void test_cpus_from_online_list(void **state)
{
	(void)state;
	assert_int_equal(wlcache_cpus("0-1\n"), 2);
	assert_int_equal(wlcache_cpus("0-3,8-11\n"), 12);
	assert_int_equal(wlcache_cpus("5\n"), 6);
	assert_int_equal(wlcache_cpus("\n"), 0);
	assert_int_equal(wlcache_cpus(""), 0);
	assert_int_equal(wlcache_cpus("99999999999999999999"), INT_MAX);
}

static void test_bad_layout(void **state)
{
	unsigned char mem[64];

	(void)state;
	errno = 0;
	assert_null(wlcache_new(mem, 1, sizeof(mem), HIST_SLOTS + 1));
	assert_int_equal(errno, EINVAL);
	assert_null(wlcache_new(mem, 1, sizeof(mem), 3));
	assert_null(wlcache_new(NULL, 1, sizeof(mem), 1));
	wlcache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_through_a_slots_life),
		cmocka_unit_test(test_missed_owner_makes_way),
		cmocka_unit_test(test_histogram_slots),
		cmocka_unit_test(test_cpus_from_online_list),
		cmocka_unit_test(test_bad_layout),
	};
	return cmocka_run_group_tests_name("wlcache", tests, NULL, NULL);
}
