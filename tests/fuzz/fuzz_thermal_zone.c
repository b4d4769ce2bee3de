/* libFuzzer target: the thermal_zone collector on one zone and one cooling device. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_thermal_zone, "sys/class/thermal/thermal_zone0/type",
	       "sys/class/thermal/thermal_zone0/temp", "sys/class/thermal/cooling_device0/type",
	       "sys/class/thermal/cooling_device0/max_state", "sys/class/thermal/cooling_device0/cur_state")
