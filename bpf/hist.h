/* Histogram value shared by kernel and user code: the buckets of a Prometheus
 * native histogram of schema HIST_SCHEMA, so that no layer re-buckets (see
 * hist.bpf.h for how the kernel finds a slot, docs/histograms.md for the
 * range). Fixed-width fields only; no implicit padding.
 *
 * Native bucket i holds values v with 2^((i-1)/8) < v <= 2^(i/8) base units
 * (seconds or bytes). slots[0] is the zero bucket (v <= the lower bound of
 * the first bucket), slots[1 .. HIST_BUCKETS] are native buckets
 * first .. first + HIST_BUCKETS - 1, and the last slot counts values above
 * the top bucket (only the count and +Inf show them).
 */
#ifndef IM_BPF_HIST_H
#define IM_BPF_HIST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HIST_SCHEMA 3                   /* 2^3 buckets per power of two */
#define HIST_BUCKETS (26 << HIST_SCHEMA) /* 26 powers of two */
#define HIST_SLOTS (HIST_BUCKETS + 2)   /* zero bucket, buckets, overflow */

/* Latency: buckets from (2^-20 s, 2^(-159/8) s] (0.95 us) to (.., 2^6 s] (64 s). */
#define HIST_FIRST_SECONDS (-(20 << HIST_SCHEMA) + 1)
/* Sizes: buckets from (1 B, 2^(1/8) B] to (.., 2^26 B] (64 MiB). */
#define HIST_FIRST_BYTES 1

struct hist {
	__u64 slots[HIST_SLOTS];
	__u64 sum;              /* exact, in ns for latencies, bytes for sizes */
};

#endif
