/* libFuzzer target: the arp collector on /proc/net/arp. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_arp, "proc/net/arp")
