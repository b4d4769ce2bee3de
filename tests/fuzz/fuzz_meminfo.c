/* libFuzzer target: the meminfo collector on /proc/meminfo. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_meminfo, "proc/meminfo")
