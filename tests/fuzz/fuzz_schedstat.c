/* libFuzzer target: the schedstat collector on /proc/schedstat. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_schedstat, "proc/schedstat")
