/* libFuzzer target: the pressure collector on /proc/pressure/{cpu,io,memory}. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_pressure, "proc/pressure/cpu", "proc/pressure/io", "proc/pressure/memory")
