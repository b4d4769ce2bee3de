/* libFuzzer target: the ipvs collector on /proc/net/ip_vs_stats and ip_vs. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_ipvs, "proc/net/ip_vs_stats", "proc/net/ip_vs")
