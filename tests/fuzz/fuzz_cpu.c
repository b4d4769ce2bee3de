/* libFuzzer target: the cpu collector on /proc/stat and /sys/devices/system/cpu. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_cpu, "proc/stat", "sys/devices/system/cpu/isolated",
	       "sys/devices/system/cpu/cpu0/topology/physical_package_id",
	       "sys/devices/system/cpu/cpu0/topology/core_id",
	       "sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count",
	       "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count")
