/* libFuzzer target: the cpufreq collector on one CPU policy. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_cpufreq, "sys/devices/system/cpu/offline",
	       "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	       "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
	       "sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors")
