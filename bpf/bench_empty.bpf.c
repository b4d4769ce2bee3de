// SPDX-License-Identifier: GPL-2.0
/* bench_empty: programs that do nothing, on the hooks our programs use, so
 * bench/bpf-overhead.sh can put each program's cost per event next to the
 * floor of its hook (trampoline or tracepoint dispatch, plus the statistics
 * themselves). Never loaded by the daemon. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EMPTY(hook, tp, name)                                                                      \
	SEC(hook "/" tp)                                                                           \
	int name(void *ctx)                                                                        \
	{                                                                                          \
		return 0;                                                                          \
	}

EMPTY("tp_btf", "sched_switch", e_switch_btf)
EMPTY("tp_btf", "sched_wakeup", e_wakeup_btf)
EMPTY("tp_btf", "block_rq_issue", e_issue_btf)
EMPTY("tp_btf", "block_rq_complete", e_complete_btf)
EMPTY("tp_btf", "tcp_probe", e_probe_btf)
EMPTY("tp_btf", "kfree_skb", e_drop_btf)
EMPTY("raw_tp", "sched_switch", e_switch_raw)
EMPTY("raw_tp", "block_rq_complete", e_complete_raw)
EMPTY("tracepoint", "sched/sched_switch", e_switch_tp)
EMPTY("tracepoint", "block/block_rq_complete", e_complete_tp)

char LICENSE[] SEC("license") = "GPL";
