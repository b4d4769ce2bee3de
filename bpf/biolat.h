/* biolat: block I/O latency and size per device and op. Shared by
 * bpf/biolat.bpf.c and src/bpf/biolat.c. */
#ifndef IM_BPF_BIOLAT_H
#define IM_BPF_BIOLAT_H

#include "hist.h"

#define BIOLAT_MAX_STARTS 16384 /* requests in flight tracked at once */
#define BIOLAT_MAX_KEYS 1024    /* devices x ops */

enum biolat_op {
	BIOLAT_OP_READ,
	BIOLAT_OP_WRITE,
	BIOLAT_OP_FLUSH,
	BIOLAT_OP_DISCARD,
	BIOLAT_OP_OTHER,
	BIOLAT_OP_MAX,
};

enum biolat_counter {
	BIOLAT_START_MISSES,    /* disk_io_start full: request not timed */
	BIOLAT_KEY_MISSES,      /* disk_io_latency_seconds full: sample lost */
	BIOLAT_COUNTERS,
};

/* Key of the in-flight map: the request pointer (tp_btf, raw_tp), or the
 * start sector and device (classic tracepoints, which carry no pointer). */
struct biolat_start_key {
	__u64 id;
	__u32 dev;
	__u32 pad;
};

struct biolat_start {
	__u64 insert_ns;        /* or the issue time when no insert was seen */
	__u64 issue_ns;
};

struct biolat_key {
	__u32 dev;              /* kernel dev_t: major << 20 | minor */
	__u32 op;               /* enum biolat_op */
};

/* One value per device and op, so each event touches one per-CPU entry. */
struct biolat_val {
	struct hist total;      /* insert -> complete, us slots, ns sum */
	struct hist service;    /* issue -> complete, us slots, ns sum */
	struct hist size;       /* bytes at issue */
};

#endif
