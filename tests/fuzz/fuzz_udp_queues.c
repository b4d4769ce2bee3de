/* libFuzzer target: the udp_queues collector on /proc/net/udp and udp6. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_udp_queues, "proc/net/udp", "proc/net/udp6")
