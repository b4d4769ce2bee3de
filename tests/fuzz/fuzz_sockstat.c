/* libFuzzer target: the sockstat collector on /proc/net/sockstat and sockstat6. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_sockstat, "proc/net/sockstat", "proc/net/sockstat6")
