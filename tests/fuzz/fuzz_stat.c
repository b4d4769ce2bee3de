/* libFuzzer target: the stat collector on /proc/stat. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_stat, "proc/stat")
