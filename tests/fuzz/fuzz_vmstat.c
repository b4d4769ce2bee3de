/* libFuzzer target: the vmstat collector on /proc/vmstat. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_vmstat, "proc/vmstat")
