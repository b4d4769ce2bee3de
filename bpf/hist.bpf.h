/* Log2 histogram slots for the kernel programs, shared by every program in bpf/.
 *
 * Slot i counts values v with 2^(i-1) < v <= 2^i (slot 0: v <= 1), rounding
 * up as ebpf_exporter's maps.bpf.h does, so that 2^i is a true upper bound
 * ("le") once userspace multiplies it by the unit. The last slot is the
 * overflow: values above 2^(HIST_SLOTS-2) land there and userspace shows them
 * only in +Inf. Nanoseconds become microseconds rounding up for the same
 * reason: 1500 ns must not be counted as "<= 1 us".
 */
#ifndef IM_HIST_BPF_H
#define IM_HIST_BPF_H

#include "hist.h"

#define NSEC_PER_USEC 1000ULL

/* floor(log2(v)) for v >= 1, by halving the search window (no clz in BPF). */
static __always_inline __u32 hist_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffffULL) << 4; v >>= shift; r |= shift;
	shift = (v > 0xffULL) << 3; v >>= shift; r |= shift;
	shift = (v > 0xfULL) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3ULL) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* Smallest i with v <= 2^i, clamped to the overflow slot. */
static __always_inline __u64 hist_slot(__u64 v)
{
	__u64 s;

	if (v <= 1)
		return 0;
	s = hist_log2(v - 1) + 1;
	return s < HIST_SLOTS - 1 ? s : HIST_SLOTS - 1;
}

static __always_inline __u64 ns_to_us_up(__u64 ns)
{
	return (ns + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
}

/* Adds one value to h; the caller owns h (a per-CPU map value). */
static __always_inline void hist_add(struct hist *h, __u64 slot_value, __u64 sum_value)
{
	__u64 s = hist_slot(slot_value);

	/* hist_slot() already clamps, but clang may test a copy of s and index
	 * with the original; pin s to one register so the verifier sees the
	 * bound on the value actually used. */
	barrier_var(s);
	if (s >= HIST_SLOTS)
		return;
	h->slots[s]++;
	h->sum += sum_value;
}

/* Latency in ns: slots in microseconds, exact sum in ns. */
static __always_inline void hist_add_ns(struct hist *h, __u64 ns)
{
	hist_add(h, ns_to_us_up(ns), ns);
}

static __always_inline void counter_inc(void *map, __u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(map, &idx);

	if (c)
		(*c)++;
}

#endif
