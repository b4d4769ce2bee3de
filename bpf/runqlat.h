/* runqlat: run-queue latency (wakeup -> run). Shared by bpf/runqlat.bpf.c
 * and src/bpf/runqlat.c. */
#ifndef IM_BPF_RUNQLAT_H
#define IM_BPF_RUNQLAT_H

#include "hist.h"

#define RUNQLAT_MAX_PIDS 16384  /* pid-keyed fallback (raw_tp, tracepoint) */

/* Index in bpf_map_full_misses_total. */
enum runqlat_counter {
	RUNQLAT_START_MISSES,   /* no room for a start time: wakeup not timed */
	RUNQLAT_COUNTERS,
};

#endif
