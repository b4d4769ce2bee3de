/* biolat: block I/O latency and size per device and op. Shared by
 * bpf/biolat.bpf.c and src/bpf/biolat.c. */
#ifndef IM_BPF_BIOLAT_H
#define IM_BPF_BIOLAT_H

#include "hist.h"

/* In-flight table: direct-mapped (by the request's queue and tag on tp_btf,
 * by a hash of the request elsewhere), a power of 2. A request whose slot a
 * live request holds takes the slot half the table away instead, and its
 * home slot counts it in spills, so that lookups look there only then; with
 * both taken it evicts the home slot's request, counted. This spares the
 * ~275 ns of a hash update per I/O that a BPF hash map would cost. */
#define BIOLAT_START_BITS 13
#define BIOLAT_MAX_STARTS (1u << BIOLAT_START_BITS)
#define BIOLAT_SPILL_OF(idx) (((idx) + BIOLAT_MAX_STARTS / 2) & (BIOLAT_MAX_STARTS - 1))
/* An entry older than this is a request whose completion we never saw. */
#define BIOLAT_STALE_NS (10ULL * 1000000000ULL)
/* Per-CPU table of (device, op) values, open addressing with a short probe:
 * a per-CPU array lookup costs ~8 ns where a per-CPU hash costs ~60 ns. Each
 * CPU fills its own copy, so claiming a slot needs no atomics; a key may sit
 * in different slots on different CPUs, and userspace sums by key. The size
 * histograms sit at the same index of their own array. */
#define BIOLAT_KEY_BITS 9
#define BIOLAT_MAX_KEYS (1u << BIOLAT_KEY_BITS)        /* devices x ops */
/* Every slot costs 3 latency and 1 size histograms on every CPU (6.6 KiB):
 * 3.4 MiB per CPU at BIOLAT_MAX_KEYS. The loader sizes the tables to the
 * block devices present, from 2^BIOLAT_MIN_KEY_BITS slots up. */
#define BIOLAT_MIN_KEY_BITS 6
#define BIOLAT_KEY_PROBES 4
/* Queues whose issue stamps completion has seen (by id, a power of 2). */
#define BIOLAT_QUEUES 1024

enum biolat_op {
	BIOLAT_OP_READ,
	BIOLAT_OP_WRITE,
	BIOLAT_OP_FLUSH,
	BIOLAT_OP_DISCARD,
	BIOLAT_OP_OTHER,
	BIOLAT_OP_MAX,
};

/* Index in bpf_map_full_misses_total: which map had no room. */
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
	__u64 cgid;             /* v2 cgroup of the task that started it (attribution on) */
	__u32 dev;
	__u32 spills;           /* requests of this home slot in BIOLAT_SPILL_OF() */
};

/* The home slot of a request known by id (its address, or its sector + 1)
 * on dev: Fibonacci hashing. */
static inline __u32 biolat_slot_of(__u64 id, __u32 dev)
{
	return (__u32)(((id ^ ((__u64)dev << 32)) * 0x9E3779B97F4A7C15ULL) >> (64 - BIOLAT_START_BITS));
}

/* Whether s holds a request that may still complete, at now (ns on
 * CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock). The one staleness rule, for
 * the kernel's eviction count and userspace's in-flight count alike. now
 * may be a little older than s's stamps: insert passes the kernel's own
 * stamp of its request, taken from the plug's cached clock. */
static inline int biolat_start_live(const struct biolat_start *s, __u64 now)
{
	__u64 last = s->issue_ns > s->insert_ns ? s->issue_ns : s->insert_ns;

	return s->id && (__s64)(now - last) < (__s64)BIOLAT_STALE_NS;
}

struct biolat_key {
	__u32 dev;              /* kernel dev_t: major << 20 | minor */
	__u32 op;               /* enum biolat_op */
};

/* The latencies of one device and op, so each completion touches one
 * per-CPU entry of disk_io_latency_seconds. */
struct biolat_lat {
	struct hist total;      /* insert -> complete, ns sum */
	struct hist service;    /* issue -> complete, ns sum */
	struct hist queue;      /* insert -> issue, ns sum */
};

/* A slot of disk_io_latency_seconds. used == 0: free on this CPU. The slot
 * of the same index in disk_io_size_bytes holds that key's sizes. */
struct biolat_slot {
	struct biolat_key key;
	__u32 used;
	__u32 pad;
	struct biolat_lat v;
};

#endif
