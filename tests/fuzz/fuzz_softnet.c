/* libFuzzer target: the softnet collector on /proc/net/softnet_stat. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_softnet, "proc/net/softnet_stat")
