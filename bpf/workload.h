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

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

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
	__u64 value;            /* bytes for disk I/O; events again elsewhere */
};

#endif
