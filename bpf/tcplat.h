/* tcplat: TCP smoothed RTT, connect latency, retransmits and resets. Shared
 * by bpf/tcplat.bpf.c and src/bpf/tcplat.c. */
#ifndef IM_BPF_TCPLAT_H
#define IM_BPF_TCPLAT_H

#include "hist.h"

#define TCPLAT_MAX_CONNECTS 8192        /* connects in flight tracked at once */

/* Index in tcp_resets_total. */
enum tcplat_reset {
	TCPLAT_RESETS_SENT,
	TCPLAT_RESETS_RECEIVED,
	TCPLAT_RESETS,
};

#endif
