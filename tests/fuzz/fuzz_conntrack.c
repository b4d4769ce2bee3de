/* libFuzzer target: the conntrack collector on its three /proc files. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_conntrack, "proc/sys/net/netfilter/nf_conntrack_count",
	       "proc/sys/net/netfilter/nf_conntrack_max", "proc/net/stat/nf_conntrack")
