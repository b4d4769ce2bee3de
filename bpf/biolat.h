/* biolat: block I/O latency and size per device and op. Shared by
 * bpf/biolat.bpf.c and src/bpf/biolat.c. */
#ifndef IM_BPF_BIOLAT_H
#define IM_BPF_BIOLAT_H

#include "hist.h"

/* In-flight table: direct-mapped by a hash of the request, a power of 2. A
 * collision with a live request evicts it and is counted; with a few hundred
 * requests in flight that is rare, and it spares the ~275 ns of a hash update
 * per I/O that a BPF hash map would cost. */
#define BIOLAT_START_BITS 13
#define BIOLAT_MAX_STARTS (1u << BIOLAT_START_BITS)
/* An entry older than this is a request whose completion we never saw. */
#define BIOLAT_STALE_NS (10ULL * 1000000000ULL)
/* Per-CPU table of (device, op) values, open addressing with a short probe:
 * a per-CPU array lookup costs ~8 ns where a per-CPU hash costs ~60 ns. Each
 * CPU fills its own copy, so claiming a slot needs no atomics; a key may sit
 * in different slots on different CPUs, and userspace sums by key. */
#define BIOLAT_KEY_BITS 9
#define BIOLAT_MAX_KEYS (1u << BIOLAT_KEY_BITS)        /* devices x ops */
#define BIOLAT_KEY_PROBES 4

enum biolat_op {
	BIOLAT_OP_READ,
	BIOLAT_OP_WRITE,
	BIOLAT_OP_FLUSH,
	BIOLAT_OP_DISCARD,
	BIOLAT_OP_OTHER,
	BIOLAT_OP_MAX,
};

enum biolat_counter {
	BIOLAT_START_MISSES,    /* disk_io_start slot taken by a live request: evicted */
	BIOLAT_KEY_MISSES,      /* disk_io_latency_seconds full: sample lost */
	BIOLAT_COUNTERS,
};

/* One in-flight request. id is the request pointer (tp_btf, raw_tp) or the
 * start sector (classic tracepoints, which carry no pointer; dev then tells
 * devices apart). id == 0: free. */
struct biolat_start {
	__u64 id;
	__u64 insert_ns;        /* or the issue time when no insert was seen */
	__u64 issue_ns;
	__u32 dev;
	__u32 pad;
};

struct biolat_key {
	__u32 dev;              /* kernel dev_t: major << 20 | minor */
	__u32 op;               /* enum biolat_op */
};

/* One value per device and op, so each completion touches one per-CPU entry. */
struct biolat_val {
	struct hist total;      /* insert -> complete, us slots, ns sum */
	struct hist service;    /* issue -> complete, us slots, ns sum */
	struct hist size;       /* bytes completed */
};

/* A slot of disk_io_latency_seconds. used == 0: free on this CPU. */
struct biolat_slot {
	struct biolat_key key;
	__u32 used;
	__u32 pad;
	struct biolat_val v;
};

#endif
