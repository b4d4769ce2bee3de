// SPDX-License-Identifier: GPL-2.0
/* skbdrop: skb drops by reason, kernel side.
 *
 * skb:kfree_skb carries enum skb_drop_reason (since v5.17); the count goes to
 * a per-CPU array indexed by the reason number. Names are not known here:
 * userspace reads enum skb_drop_reason from the running kernel's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "skbdrop.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SKBDROP_MAX_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} skb_drops_total SEC(".maps");

static __always_inline void on_drop(__u32 reason)
{
	__u64 *c;

	if (reason >= SKBDROP_MAX_REASONS)
		reason = SKBDROP_MAX_REASONS - 1;
	c = bpf_map_lookup_elem(&skb_drops_total, &reason);
	if (c)
		(*c)++;
}

/* kfree_skb(skb, location, reason[, rx_sk]) */
SEC("tp_btf/kfree_skb")
int BPF_PROG(skbdrop_btf, struct sk_buff *skb, void *location, int reason)
{
	on_drop(reason);
	return 0;
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(skbdrop_raw, struct sk_buff *skb, void *location, int reason)
{
	on_drop(reason);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int skbdrop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_drop(ctx->reason);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
