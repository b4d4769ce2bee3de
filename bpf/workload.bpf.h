/* Per-workload attribution for the kernel programs (types in workload.h).
 *
 * A program that attributes defines its maps with WL_MAP() and, per event,
 * finds the entry of (cgroup id, key) with wl_hist_slot(),
 * wl_hist_bytes_slot() or wl_count_add(): a lookup, a create when missing, and the catch-all entry
 * when the map is full or the filter leaves the workload out. Updates are
 * atomic adds to a shared (not per-CPU) value: a per-CPU histogram per
 * workload would cost CPUs x 1.7 KiB per entry.
 *
 * A family on a hot hook (a context switch, a received segment, a drop, an
 * I/O) puts a WL_CACHE_MAP() in front of its hash: per-CPU slots for the
 * workloads a CPU sees most, updated without atomics (workload.h). Each cache
 * has one program writing it, so only that program nested in itself on a
 * CPU could race on a slot, which the kernel skips on most rungs (tp_btf from
 * 5.12, raw_tp on newer kernels, classic tracepoints always). Where it does
 * not, a nested event can lose an increment, as the host-wide per-CPU arrays
 * can, or count for the workload it interrupted when both claim one free
 * slot; it is never counted twice.
 */
#ifndef IM_WORKLOAD_BPF_H
#define IM_WORKLOAD_BPF_H

#include "hist.bpf.h"
#include "workload.h"

/* Set through rodata by the loader. */
const volatile __u32 wl_on = 0;                 /* --no-bpf.cgroup: 0 */
const volatile __u32 wl_filter = WL_FILTER_NONE;

/* The ids --bpf.cgroup.include/exclude select, filled by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WL_FILTER_MAX);
	__type(key, __u64);
	__type(value, __u8);
} wl_ids SEC(".maps");

/* Events that found their map full and went to the catch-all entry. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wl_overflow SEC(".maps");

/* The value a new entry starts from (maps cannot take a stack value this big),
 * sized for the largest. */
static const struct wl_hist_bytes wl_zero;

/* A family's per-workload hash; vtype: struct hist, struct wl_hist_bytes
 * (a histogram with the bytes of its events) or struct wl_count. */
#define WL_MAP(name, vtype)                                                        \
	struct {                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                   \
		__uint(max_entries, 1024); /* set by the loader */                 \
		__type(key, struct wl_key);                                        \
		__type(value, vtype);                                              \
	} name SEC(".maps")

/* max_entries: CPUs x WL_CACHE_SLOTS, set by the loader. */
#define WL_CACHE_MAP(name, vtype)                                                  \
	struct {                                                                   \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                  \
		__uint(map_flags, BPF_F_MMAPABLE);                                 \
		__uint(max_entries, 1);                                            \
		__type(key, __u32);                                                \
		__type(value, vtype);                                              \
	} name SEC(".maps")

/* This CPU's slot for (cgid, key), claimed if free; NULL: take the hash. */
static __always_inline void *wl_cached(void *cache, __u64 cgid, __u32 key)
{
	__u32 idx = ((cgid ^ ((__u64)key << 40)) * 0x9E3779B97F4A7C15ULL) >> (64 - WL_CACHE_BITS);
	struct wl_slot_head *h;

	if (cgid == WL_OTHER)
		return NULL;
	idx += bpf_get_smp_processor_id() * WL_CACHE_SLOTS;
	h = bpf_map_lookup_elem(cache, &idx);
	return h && wl_slot_take(h, cgid, key) ? h : NULL;
}

/* The id events of cgid are counted under, after the filter. */
static __always_inline __u64 wl_attribute(__u64 cgid)
{
	__u8 *listed;

	if (wl_filter == WL_FILTER_NONE)
		return cgid;
	listed = bpf_map_lookup_elem(&wl_ids, &cgid);
	if ((wl_filter == WL_FILTER_INCLUDE) == (listed != 0))
		return cgid;
	return WL_OTHER;
}

/* cgid: as wl_attribute() returned it. */
static __always_inline void *wl_entry(void *map, __u64 cgid, __u32 key)
{
	struct wl_key k = { .cgid = cgid, .key = key };
	void *v = bpf_map_lookup_elem(map, &k);
	__u32 zero_idx = 0;
	__u64 *miss;

	if (v)
		return v;
	/* Another CPU may create it first: EEXIST, and the lookup finds it. */
	bpf_map_update_elem(map, &k, &wl_zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, &k);
	if (v)
		return v;
	miss = bpf_map_lookup_elem(&wl_overflow, &zero_idx);
	if (miss)
		(*miss)++;
	k.cgid = WL_OTHER;
	return bpf_map_lookup_elem(map, &k);
}

/* Adds one value (ns or bytes) in histogram slot s, which the caller found
 * for its host-wide histogram already, to the workload's histogram of key,
 * and with_bytes (a constant: a map of struct wl_hist_bytes) the event's bytes.
 * cache: the family's WL_CACHE_MAP, or NULL (a constant) for none. */
static __always_inline void wl_hist_add(void *map, void *cache, __u64 cgid, __u32 key, __u32 s,
					__u64 value, int with_bytes, __u64 bytes)
{
	struct wl_hist_slot *c;
	struct hist *h;

	if (!wl_on)
		return;
	cgid = wl_attribute(cgid);
	c = cache ? wl_cached(cache, cgid, key) : NULL;
	/* Checked next to each use: clang may index with a copy of s made
	 * before a check, whose bound the verifier does not know (as in
	 * hist_add_slot()). */
	if (c) {
		barrier_var(s);
		if (s >= HIST_SLOTS)
			return;
		c->slots[s]++;
		c->sum += value;
		if (with_bytes)
			c->bytes += bytes;
		return;
	}
	h = wl_entry(map, cgid, key);
	if (!h)
		return;
	barrier_var(s);
	if (s >= HIST_SLOTS)
		return;
	__sync_fetch_and_add(&h->slots[s], 1);
	__sync_fetch_and_add(&h->sum, value);
	if (with_bytes)
		__sync_fetch_and_add(&((struct wl_hist_bytes *)h)->bytes, bytes);
}

static __always_inline void wl_hist_slot(void *map, void *cache, __u64 cgid, __u32 key, __u32 s,
					 __u64 value)
{
	wl_hist_add(map, cache, cgid, key, s, value, 0, 0);
}

/* An event of a map of struct wl_hist_bytes: its value in slot s, and its bytes. */
static __always_inline void wl_hist_bytes_slot(void *map, void *cache, __u64 cgid, __u32 key,
					       __u32 s, __u64 value, __u64 bytes)
{
	wl_hist_add(map, cache, cgid, key, s, value, 1, bytes);
}

/* Counts one event for the workload under key. */
static __always_inline void wl_count_add(void *map, void *cache, __u64 cgid, __u32 key)
{
	struct wl_count_slot *s;
	struct wl_count *c;

	if (!wl_on)
		return;
	cgid = wl_attribute(cgid);
	s = cache ? wl_cached(cache, cgid, key) : NULL;
	if (s) {
		s->c.events++;
		return;
	}
	c = wl_entry(map, cgid, key);
	if (!c)
		return;
	__sync_fetch_and_add(&c->events, 1);
}

#endif
