/* tcplat: TCP smoothed RTT, connect latency, retransmits and resets. Shared
 * by bpf/tcplat.bpf.c and src/bpf/tcplat.c. */
#ifndef IM_BPF_TCPLAT_H
#define IM_BPF_TCPLAT_H

#include "hist.h"

#define TCPLAT_MAX_CONNECTS 8192        /* connects in flight tracked at once */

enum tcplat_hist {
	TCPLAT_SRTT,            /* us slots, ns sum */
	TCPLAT_CONNECT,         /* us slots, ns sum */
	TCPLAT_HISTS,
};

enum tcplat_counter {
	TCPLAT_RETRANSMITS,
	TCPLAT_RESETS_SENT,
	TCPLAT_RESETS_RECEIVED,
	TCPLAT_START_MISSES,    /* tcp_connect_start full: connect not timed */
	TCPLAT_COUNTERS,
};

#endif
