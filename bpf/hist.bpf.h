/* Native-histogram slots for the kernel programs, shared by every program in bpf/.
 *
 * A value v (ns or bytes) belongs to native bucket i when
 * 2^((i-1)/8) < v <= 2^(i/8) base units. Seconds and nanoseconds do not line
 * up on powers of two (1 s = 1e9 ns), so the boundaries are not a shift of
 * the ns value; but 8 * log2(ns per second) = 239.1788..., so in log2(ns) every
 * boundary sits at (n + 0.1788...) / 8 for an integer n: the same eight
 * positions inside every power of two of ns. Finding the bucket is then a
 * log2 (which power of two) plus eight compares of the value, normalised to
 * 64 bits, against eight constants. The constants are the exact boundaries
 * rounded down, so an integer v <= constant iff v <= the real boundary: every
 * bucket's upper bound is a true "le". For bytes the positions are j / 8.
 */
#ifndef IM_HIST_BPF_H
#define IM_HIST_BPF_H

#include "hist.h"

#define NSEC_PER_USEC 1000ULL

/* floor(2^63 * 2^((j + 8 log2(1e9) - 239) / 8)): the boundaries inside one
 * power of two of ns, as 64-bit mantissas. Computed as exact integer 8th
 * roots of 2^(265 + j) * 10^72; the last one is 1e9 * 2^34 exactly (1 s). */
static const __u64 hist_bounds_ns[8] = {
	0x81ffa7a9549ca6e3ULL, 0x8dc3b8960164a7d9ULL, 0x9a9867054d512391ULL,
	0xa8965f74bf065071ULL, 0xb7d88a12d0dd9ea0ULL, 0xc87c3e7d03cdbec3ULL,
	0xdaa17c2cd19555dbULL, 0xee6b280000000000ULL,
};

/* floor(2^63 * 2^(j / 8)): the same for bytes. */
static const __u64 hist_bounds_bytes[8] = {
	0x8000000000000000ULL, 0x8b95c1e3ea8bd6e6ULL, 0x9837f0518db8a96fULL,
	0xa5fed6a9b15138eaULL, 0xb504f333f9de6484ULL, 0xc5672a115506daddULL,
	0xd744fccad69d6af4ULL, 0xeac0c6e7dd24392eULL,
};

/* Boundary number n (the n-th of the table's positions counted from 1 ns or
 * 1 byte) of native bucket 0, whose upper bound is 1 base unit. */
#define HIST_N0_NS 239
#define HIST_N0_BYTES 0

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

/* Slot of v in a struct hist whose first bucket is native index first:
 * 0 for the zero bucket, HIST_SLOTS - 1 above the top. */
static __always_inline __u32 hist_slot(__u64 v, const __u64 *bounds, int n0, int first)
{
	__u32 l;
	__u64 m;
	int s;

	if (!v)
		return 0;
	l = hist_log2(v);
	m = v << (63 - l);
	/* m and every bound lie in [2^63, 2^64): their difference fits in 63
	 * bits plus a sign, so its top bit is "m > bound", without a branch
	 * (eight branches would multiply the paths the verifier walks). */
	s = (int)(8 * l) - n0 - first + 1;
	s += (int)((bounds[0] - m) >> 63) + (int)((bounds[1] - m) >> 63) +
	     (int)((bounds[2] - m) >> 63) + (int)((bounds[3] - m) >> 63) +
	     (int)((bounds[4] - m) >> 63) + (int)((bounds[5] - m) >> 63) +
	     (int)((bounds[6] - m) >> 63) + (int)((bounds[7] - m) >> 63);
	if (s < 0)
		return 0;
	return s < HIST_SLOTS - 1 ? (__u32)s : HIST_SLOTS - 1;
}

static __always_inline __u32 hist_slot_ns(__u64 ns)
{
	return hist_slot(ns, hist_bounds_ns, HIST_N0_NS, HIST_FIRST_SECONDS);
}

static __always_inline __u32 hist_slot_bytes(__u64 bytes)
{
	return hist_slot(bytes, hist_bounds_bytes, HIST_N0_BYTES, HIST_FIRST_BYTES);
}

/* Adds one value to h; the caller owns h (a per-CPU map value). */
static __always_inline void hist_add_slot(struct hist *h, __u32 s, __u64 value)
{
	/* hist_slot() already clamps, but clang may test a copy of s and index
	 * with the original; pin s to one register so the verifier sees the
	 * bound on the value actually used. */
	barrier_var(s);
	if (s >= HIST_SLOTS)
		return;
	h->slots[s]++;
	h->sum += value;
}

/* Latency in ns: buckets in seconds, exact sum in ns. */
static __always_inline void hist_add_ns(struct hist *h, __u64 ns)
{
	hist_add_slot(h, hist_slot_ns(ns), ns);
}

/* Size in bytes: buckets and sum in bytes. */
static __always_inline void hist_add_bytes(struct hist *h, __u64 bytes)
{
	hist_add_slot(h, hist_slot_bytes(bytes), bytes);
}

static __always_inline void counter_inc(void *map, __u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(map, &idx);

	if (c)
		(*c)++;
}

#endif
