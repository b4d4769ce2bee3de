/* The userspace half of the per-CPU slots in front of a per-workload hash
 * (WL_CACHE_MAP in bpf/workload.bpf.h, layout and life of a slot in
 * bpf/workload.h). It reads the slots, which the kernel writes without
 * atomics, into cumulative sums per (cgroup id, key), and drains and frees
 * slots whose owner went idle or is in others' way. Kept apart from wl.c so
 * that tests can drive it on plain memory standing in for the map.
 */
#ifndef IM_BPF_WLCACHE_H
#define IM_BPF_WLCACHE_H

#include <stddef.h>
#include <stdint.h>

struct wlcache;

/* mem: nslots slots of stride bytes (the mmap-ed map, owned by the caller);
 * words: the ledger's value width, HIST_SLOTS + 1 for struct wl_hist_slot
 * (HIST_SLOTS + 2 with its bytes), 1 for struct wl_count_slot. NULL with
 * errno set on failure. */
struct wlcache *wlcache_new(unsigned char *mem, size_t nslots, size_t stride, size_t words);
void wlcache_free(struct wlcache *c);

/* Every slot's new events into the sums, and the step of its life each is
 * due; now is monotonic seconds. Starts a read: every sum unmerged. */
int wlcache_read(struct wlcache *c, double now);

/* vals (a hash entry's values of (cgid, key)) plus what the slots gave the
 * same row: vals itself when they gave nothing, else a buffer valid until
 * the next call. Marks the row merged for this read. */
const uint64_t *wlcache_merge(struct wlcache *c, uint64_t cgid, uint32_t key,
			      const uint64_t *vals);

/* The rows with no hash entry in this read: their sums are their values. */
typedef void (*wlcache_row_fn)(void *arg, uint64_t cgid, uint32_t key, const uint64_t *vals);
void wlcache_each_unmerged(const struct wlcache *c, wlcache_row_fn fn, void *arg);

/* A dead workload's sums go, with its ledger rows. */
void wlcache_forget(struct wlcache *c, uint64_t cgid);

/* The CPUs that need slots from a CPU list as /sys/devices/system/cpu/online
 * has it ("0-3,8-11"): the highest id + 1; 0 when it names none. */
int wlcache_cpus(const char *list);

#endif
