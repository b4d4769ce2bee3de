// SPDX-License-Identifier: GPL-2.0
/* skbdrop: skb drops by reason, kernel side.
 *
 * skb:kfree_skb carries enum skb_drop_reason (since v5.17); the count goes to
 * a per-CPU array indexed by the reason number. Names are not known here:
 * userspace reads enum skb_drop_reason from the running kernel's BTF.
 *
 * Before v5.17 (c504e5c2f964) kfree_skb is (skb, location) and every drop
 * counts as reason 0. The guards are CO-RE constants: on such a kernel the
 * verifier never walks the read of the missing argument or field.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "skbdrop.h"
#include "core_fixes.bpf.h"
#include "workload.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SKBDROP_MAX_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} skb_drops_total SEC(".maps");

/* Per workload and reason: the cgroup of the skb's socket, the root when it
 * has none (tp_btf and raw_tp). */
WL_MAP(cgroup_skb_drops_total, struct wl_count);
WL_CACHE_MAP(wl_drop_cache, struct wl_count_slot);

static __always_inline void on_drop(__u32 reason, __u64 cgid)
{
	__u64 *c;

	if (reason >= SKBDROP_MAX_REASONS)
		reason = SKBDROP_MAX_REASONS - 1;
	c = bpf_map_lookup_elem(&skb_drops_total, &reason);
	if (c)
		(*c)++;
	wl_count_add(&cgroup_skb_drops_total, &wl_drop_cache, cgid, reason);
}

/* kfree_skb(skb, location, reason[, rx_sk]): the reason is argument 2. */
#define REASON_ARG(ctx) \
	(bpf_core_type_exists(enum skb_drop_reason) ? (__u32)(ctx)[2] : 0)

SEC("tp_btf/kfree_skb")
int BPF_PROG(skbdrop_btf)
{
	on_drop(REASON_ARG(ctx), wl_on ? sk_cgroup_id_btf(((struct sk_buff *)ctx[0])->sk) : 0);
	return 0;
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(skbdrop_raw)
{
	on_drop(REASON_ARG(ctx),
		wl_on ? sk_cgroup_id_read(BPF_CORE_READ((struct sk_buff *)ctx[0], sk)) : 0);
	return 0;
}

/* The record has no socket: no attribution on this rung. */
SEC("tracepoint/skb/kfree_skb")
int skbdrop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_drop(bpf_core_field_exists(ctx->reason) ? ctx->reason : 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
