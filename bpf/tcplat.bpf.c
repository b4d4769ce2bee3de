// SPDX-License-Identifier: GPL-2.0
/* tcplat: TCP latency and trouble counters, kernel side.
 *
 *   tcp_probe            smoothed RTT of the socket, per received segment
 *   inet_sock_set_state  SYN_SENT stamps the socket; SYN_SENT -> ESTABLISHED
 *                        is the connect latency; SYN_SENT -> anything else
 *                        forgets it (refused, timed out)
 *   tcp_retransmit_skb   retransmits
 *   tcp_send_reset       resets sent;  tcp_receive_reset  resets received
 *
 * Histograms and counters are per-CPU arrays (no hash on the per-packet
 * path); only connects in flight use a bounded hash keyed by the socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tcplat.h"
#include "hist.bpf.h"
#include "core_fixes.bpf.h"
#include "workload.bpf.h"

/* Kernel v6.2+: a verifier-inlined, free cast to any kernel type (reads are
 * fault-safe). Weak: missing on older kernels, where the checked helper
 * bpf_skc_to_tcp_sock() (a real call) does the job. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

#define IPPROTO_TCP_ 6
#define TCP_ESTABLISHED_ 1
#define TCP_SYN_SENT_ 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPLAT_MAX_CONNECTS);
	__type(key, __u64);
	__type(value, __u64);
} tcp_connect_start SEC(".maps");

/* Each histogram and counter in its own per-CPU array, named after the
 * metric it feeds. */
#define PERCPU_ARRAY(name, vtype, n)                                                               \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, n);                                                            \
		__type(key, __u32);                                                                \
		__type(value, vtype);                                                              \
	} name SEC(".maps")

PERCPU_ARRAY(tcp_srtt_seconds, struct hist, 1);
PERCPU_ARRAY(tcp_connect_latency_seconds, struct hist, 1);
PERCPU_ARRAY(tcp_retransmits_total, __u64, 1);
PERCPU_ARRAY(tcp_resets_total, __u64, TCPLAT_RESETS);
/* Connects not timed because tcp_connect_start was full. */
PERCPU_ARRAY(bpf_map_full_misses_total, __u64, 1);

/* Per workload: the socket's cgroup (tp_btf and raw_tp). */
WL_MAP(cgroup_tcp_srtt_seconds, struct hist);
WL_MAP(cgroup_tcp_connect_latency_seconds, struct hist);
WL_MAP(cgroup_tcp_retransmits_total, struct wl_count);
WL_MAP(cgroup_tcp_resets_total, struct wl_count);
/* Only the per-segment hook has slots: connects, retransmits and resets are
 * rare next to it, and the resets have two writers. */
WL_CACHE_MAP(wl_srtt_cache, struct wl_hist_slot);

/* The socket's cgroup, read only when attribution is on (a load-time constant). */
#define SK_CGID_BTF(sk) (wl_on ? sk_cgroup_id_btf(sk) : 0)
#define SK_CGID_READ(sk) (wl_on ? sk_cgroup_id_read(sk) : 0)

/* srtt_us is kept scaled by 8 (tcp.h: "smoothed round trip time << 3"). */
static __always_inline void on_srtt_us(__u32 srtt_us, __u64 cgid)
{
	__u64 ns = (__u64)srtt_us * NSEC_PER_USEC;
	__u32 zero = 0, s = hist_slot_ns(ns);
	struct hist *h = bpf_map_lookup_elem(&tcp_srtt_seconds, &zero);

	if (h)
		hist_add_slot(h, s, ns);
	wl_hist_slot(&cgroup_tcp_srtt_seconds, &wl_srtt_cache, cgid, 0, s, ns);
}

static __always_inline void on_retransmit(__u64 cgid)
{
	counter_inc(&tcp_retransmits_total, 0);
	wl_count_add(&cgroup_tcp_retransmits_total, NULL, cgid, 0);
}

static __always_inline void on_reset(__u32 direction, __u64 cgid)
{
	counter_inc(&tcp_resets_total, direction);
	wl_count_add(&cgroup_tcp_resets_total, NULL, cgid, direction);
}

static __always_inline void on_state(__u64 sk, int oldstate, int newstate, __u16 protocol,
				     __u64 cgid)
{
	__u32 zero = 0, s;
	__u64 now, *start;
	struct hist *h;

	if (protocol != IPPROTO_TCP_)
		return;
	if (newstate == TCP_SYN_SENT_) {
		now = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&tcp_connect_start, &sk, &now, BPF_ANY))
			counter_inc(&bpf_map_full_misses_total, 0);
		return;
	}
	if (oldstate != TCP_SYN_SENT_)
		return;
	start = bpf_map_lookup_elem(&tcp_connect_start, &sk);
	if (!start)
		return;
	now = bpf_ktime_get_ns();
	if (newstate == TCP_ESTABLISHED_ && now >= *start) {
		s = hist_slot_ns(now - *start);
		h = bpf_map_lookup_elem(&tcp_connect_latency_seconds, &zero);
		if (h)
			hist_add_slot(h, s, now - *start);
		wl_hist_slot(&cgroup_tcp_connect_latency_seconds, NULL, cgid, 0, s, now - *start);
	}
	bpf_map_delete_elem(&tcp_connect_start, &sk);
}

/* ---- tp_btf ------------------------------------------------------------ */

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe_btf, struct sock *sk)
{
	/* The argument is typed struct sock; reading tcp_sock fields needs a
	 * cast the verifier accepts. tcp_probe fires for TCP sockets only. */
	struct tcp_sock *tp;

	if (bpf_rdonly_cast)
		tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	else
		tp = bpf_skc_to_tcp_sock(sk);
	if (tp)
		on_srtt_us(tp->srtt_us >> 3, SK_CGID_BTF(sk));
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state_btf, struct sock *sk, int oldstate, int newstate)
{
	on_state((__u64)sk, oldstate, newstate, sk->sk_protocol, SK_CGID_BTF(sk));
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retrans_btf, struct sock *sk)
{
	on_retransmit(SK_CGID_BTF(sk));
	return 0;
}

/* sk is NULL for a reset sent with no socket (to a closed port). */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_rst_sent_btf, struct sock *sk)
{
	on_reset(TCPLAT_RESETS_SENT, SK_CGID_BTF(sk));
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_rst_recv_btf, struct sock *sk)
{
	on_reset(TCPLAT_RESETS_RECEIVED, SK_CGID_BTF(sk));
	return 0;
}

/* ---- raw_tp ------------------------------------------------------------ */

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_probe_raw, struct sock *sk)
{
	on_srtt_us(BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3, SK_CGID_READ(sk));
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tcp_state_raw, struct sock *sk, int oldstate, int newstate)
{
	on_state((__u64)sk, oldstate, newstate, BPF_CORE_READ(sk, sk_protocol), SK_CGID_READ(sk));
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retrans_raw, struct sock *sk)
{
	on_retransmit(SK_CGID_READ(sk));
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_rst_sent_raw, struct sock *sk)
{
	on_reset(TCPLAT_RESETS_SENT, SK_CGID_READ(sk));
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_rst_recv_raw, struct sock *sk)
{
	on_reset(TCPLAT_RESETS_RECEIVED, SK_CGID_READ(sk));
	return 0;
}

/* ---- classic tracepoint ------------------------------------------------ */

/* The tracepoint already reports srtt_us >> 3. */
SEC("tracepoint/tcp/tcp_probe")
int tcp_probe_tp(struct trace_event_raw_tcp_probe *ctx)
{
	/* No attribution on this rung: its records carry no socket pointer we
	 * may follow (the loader says so in /health). */
	on_srtt_us(ctx->srtt, 0);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcp_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((__u64)ctx->skaddr, ctx->oldstate, ctx->newstate, ctx->protocol, 0);
	return 0;
}

/* The reset and retransmit tracepoints changed their records across kernels
 * (tcp_send_reset gained a reason in v6.10); counting needs no field. */
SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcp_retrans_tp(void *ctx)
{
	on_retransmit(0);
	return 0;
}

SEC("tracepoint/tcp/tcp_send_reset")
int tcp_rst_sent_tp(void *ctx)
{
	on_reset(TCPLAT_RESETS_SENT, 0);
	return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tcp_rst_recv_tp(void *ctx)
{
	on_reset(TCPLAT_RESETS_RECEIVED, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
