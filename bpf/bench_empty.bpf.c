// SPDX-License-Identifier: GPL-2.0
/* bench_empty: programs that do nothing, on the hooks our programs use, so
 * bench/bpf-overhead.sh can put each program's cost per event next to the
 * floor of its hook (trampoline or tracepoint dispatch, plus the statistics
 * themselves); and the histogram bucket index alone, run by
 * BPF_PROG_TEST_RUN, where the machine's noise averages out over millions
 * of runs. Never loaded by the daemon. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hist.bpf.h"

#define EMPTY(hook, tp, name)                                                                      \
	SEC(hook "/" tp)                                                                           \
	int name(void *ctx)                                                                        \
	{                                                                                          \
		return 0;                                                                          \
	}

EMPTY("tp_btf", "sched_switch", e_switch_btf)
EMPTY("tp_btf", "sched_wakeup", e_wakeup_btf)
EMPTY("tp_btf", "block_rq_insert", e_insert_btf)
EMPTY("tp_btf", "block_rq_issue", e_issue_btf)
EMPTY("tp_btf", "block_rq_complete", e_complete_btf)
EMPTY("tp_btf", "tcp_probe", e_probe_btf)
EMPTY("tp_btf", "kfree_skb", e_drop_btf)
EMPTY("raw_tp", "sched_switch", e_switch_raw)
EMPTY("raw_tp", "block_rq_complete", e_complete_raw)
EMPTY("tracepoint", "sched/sched_switch", e_switch_tp)
EMPTY("tracepoint", "block/block_rq_complete", e_complete_tp)

/* The log2-of-microseconds index every latency histogram had before the
 * native buckets (e42d53a): what issue 13's "+10 ns" budget is counted from. */
static __always_inline __u32 slot_log2_us(__u64 ns)
{
	__u64 us = (ns + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
	__u32 s;

	if (us <= 1)
		return 0;
	s = hist_log2(us - 1) + 1;
	return s < 27 ? s : 27;
}

/* Sums the index of each of the 8 values of the packet (so none is
 * optimised away) into the return value's map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} slot_sink SEC(".maps");

#define SLOT_COST(name, index)                                                                     \
	SEC("xdp")                                                                                 \
	int name(struct xdp_md *ctx)                                                               \
	{                                                                                          \
		__u64 *v = (void *)(long)ctx->data, acc = 0, *sink;                                \
		__u32 zero = 0;                                                                    \
                                                                                                   \
		if ((void *)(v + 8) > (void *)(long)ctx->data_end)                                 \
			return XDP_PASS;                                                           \
		for (int i = 0; i < 8; i++)                                                        \
			acc += index(v[i]);                                                        \
		sink = bpf_map_lookup_elem(&slot_sink, &zero);                                     \
		if (sink)                                                                          \
			*sink += acc;                                                              \
		return XDP_PASS;                                                                   \
	}

#define SLOT_NONE(v) ((v) & 1)
SLOT_COST(slot_none, SLOT_NONE)
SLOT_COST(slot_log2, slot_log2_us)
SLOT_COST(slot_native, hist_slot_ns)

char LICENSE[] SEC("license") = "GPL";
