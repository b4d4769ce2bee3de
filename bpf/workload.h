/* Per-workload maps: the types kernel and user code share.
 *
 * Each attributing program keeps, beside its host-wide arrays, plain hash
 * maps keyed by (cgroup v2 id, key): a histogram or a counter per workload
 * and op, direction or reason. The maps are bounded (--bpf.cgroup.max-entries)
 * and never LRU: an LRU map would evict counts silently. Once a map is full,
 * a new workload's events go to the catch-all id WL_OTHER, whose entries
 * userspace creates for every key before attaching, so no event is lost; the
 * same id takes the events of workloads the include/exclude filter leaves out.
 */
#ifndef IM_BPF_WORKLOAD_H
#define IM_BPF_WORKLOAD_H

#include "hist.h"

/* No cgroup has id 0 (the v2 root is 1), so it names "everything else". */
#define WL_OTHER 0ULL

enum wl_filter { WL_FILTER_NONE, WL_FILTER_INCLUDE, WL_FILTER_EXCLUDE };

#define WL_FILTER_MAX 4096      /* ids userspace can list for the filter */

struct wl_key {
	__u64 cgid;
	__u32 key;              /* op, direction or reason; 0 when the family has none */
	__u32 pad;
};

struct wl_count {
	__u64 events;
};

/* A histogram whose events also carry a size (disk I/O: latency and bytes),
 * so one entry takes both, in the kernel and in the ledger. */
struct wl_hist_bytes {
	struct hist h;
	__u64 bytes;
};

/* The per-CPU slots in front of a family's hash (WL_CACHE_MAP in
 * workload.bpf.h). The hash costs a jhash, a bucket walk and two atomic adds
 * to a line other CPUs write too: 135-150 ns an event here. A slot is a plain
 * array entry only its own CPU writes: an index, a compare and two adds.
 * Each CPU has WL_CACHE_SLOTS of them, direct-mapped by a hash of (cgroup id,
 * key): CPU c's slot i is entry c * WL_CACHE_SLOTS + i of a mmap-able array.
 * A free slot is claimed by the first event that maps to it; an event whose
 * slot another workload owns (counted in misses), or which userspace is
 * draining, takes the hash. Userspace sums slots and hash per (cgroup id,
 * key), and frees a slot whose owner went idle or misses more events than it
 * takes, in two steps (OWNED -> DRAIN, then, once no program can still be
 * adding to it, read, zeroed and FREE), so that no event is lost or counted
 * twice. */
#define WL_CACHE_BITS 4
#define WL_CACHE_SLOTS (1u << WL_CACHE_BITS)

enum wl_slot_state { WL_SLOT_FREE, WL_SLOT_OWNED, WL_SLOT_DRAIN };

struct wl_slot_head {
	__u64 cgid;             /* never WL_OTHER: that id always takes the hash */
	__u32 key;
	__u32 state;            /* enum wl_slot_state */
	__u64 misses;           /* events of other workloads that mapped here */
};

/* sum and bytes share the head's cache line; slots fill 27 lines exactly. */
struct wl_hist_slot {
	struct wl_slot_head head;
	__u64 sum;
	__u64 bytes;            /* a wl_hist_bytes family's; 0 elsewhere */
	__u64 pad;
	__u64 slots[HIST_SLOTS];
};

struct wl_count_slot {
	struct wl_slot_head head;
	struct wl_count c;
};

/* An event of (cgid, key) at its slot h, on the slot's own CPU: 1 if it goes
 * in the slot (owned by it, or claimed now: userspace zeroed the values
 * before it freed the slot), 0 if it takes the hash. Shared so that the unit
 * test plays the kernel's part with the kernel's code. */
static inline __attribute__((always_inline)) int wl_slot_take(struct wl_slot_head *h, __u64 cgid,
							      __u32 key)
{
	if (h->state == WL_SLOT_OWNED) {
		if (h->cgid == cgid && h->key == key)
			return 1;
		h->misses++;
		return 0;
	}
	if (h->state != WL_SLOT_FREE)
		return 0;
	h->cgid = cgid;
	h->key = key;
	h->state = WL_SLOT_OWNED;
	return 1;
}

#endif
