/* libFuzzer target: the loadavg collector on /proc/loadavg. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_loadavg, "proc/loadavg")
