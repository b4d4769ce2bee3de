/* libFuzzer target: the netdev collector on /proc/net/dev. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_netdev, "proc/net/dev")
