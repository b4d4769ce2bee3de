/* libFuzzer target: the hwmon collector on one chip directory. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_hwmon, "sys/class/hwmon/hwmon0/temp1_input", "sys/class/hwmon/hwmon0/temp1_label",
	       "sys/class/hwmon/hwmon0/name", "sys/class/hwmon/hwmon0/freq1_label")
