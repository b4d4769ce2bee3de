/* libFuzzer target: the time collector on /sys/devices/system/clocksource. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_time, "sys/devices/system/clocksource/clocksource0/current_clocksource",
	       "sys/devices/system/clocksource/clocksource0/available_clocksource")
