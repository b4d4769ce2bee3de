/* Log2 histogram value shared by kernel and user code (see hist.bpf.h for the
 * slot rule). Fixed-width fields only; no implicit padding. */
#ifndef IM_BPF_HIST_H
#define IM_BPF_HIST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* 27 exported buckets (2^0 .. 2^26 units: 67 s in microseconds, 64 MiB in
 * bytes) plus one overflow slot that only +Inf shows. */
#define HIST_SLOTS 28

struct hist {
	__u64 slots[HIST_SLOTS];
	__u64 sum;              /* exact, in ns for latencies, bytes for sizes */
};

#endif
