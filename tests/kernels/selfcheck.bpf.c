// SPDX-License-Identifier: GPL-2.0
/* The kernel matrix's own self-check: one program per hook rung on sched_switch, each counting into
 * its own slot of a per-CPU array. tp_btf reads a task field directly (BTF-typed pointer), raw_tp
 * reads it through CO-RE (bpf_probe_read_kernel with relocations against the guest's BTF), and the
 * classic tracepoint uses the stable tracefs record. It proves that BPF, BTF, CO-RE relocation and
 * each attach type work inside a guest before the daemon's programs are judged there. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		(*v)++;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sc_tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (next->pid >= 0)
		bump(0);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sc_raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (BPF_CORE_READ(next, pid) >= 0)
		bump(1);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int sc_tracepoint(struct trace_event_raw_sched_switch *ctx)
{
	if (ctx->next_pid >= 0)
		bump(2);
	return 0;
}

/* Workload probes: classic tracepoints (the most portable rung) on the events the daemon's programs
 * consume, counted while the matrix's workload runs. They show that the workload makes the kernel
 * fire those tracepoints in that guest (a real request on a real block device, a TCP handshake, a
 * drop, a wakeup), independently of the daemon. Slots 3.. in the same array. */
#define PROBE(name, tp, slot)                     \
	SEC("tracepoint/" tp)                     \
	int name(void *ctx)                       \
	{                                         \
		bump(slot);                       \
		return 0;                         \
	}
PROBE(wl_rq_insert, "block/block_rq_insert", 3)
PROBE(wl_rq_issue, "block/block_rq_issue", 4)
PROBE(wl_rq_complete, "block/block_rq_complete", 5)
PROBE(wl_sock_state, "sock/inet_sock_set_state", 6)
PROBE(wl_tcp_probe, "tcp/tcp_probe", 7)
PROBE(wl_tcp_rst, "tcp/tcp_send_reset", 8)
PROBE(wl_kfree_skb, "skb/kfree_skb", 9)
PROBE(wl_wakeup, "sched/sched_wakeup", 10)
PROBE(wl_wakeup_new, "sched/sched_wakeup_new", 11)
