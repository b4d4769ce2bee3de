/* libFuzzer target: the powersupplyclass collector on one battery. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_powersupplyclass, "sys/class/power_supply/BAT0/capacity",
	       "sys/class/power_supply/BAT0/model_name", "sys/class/power_supply/BAT0/power_now",
	       "sys/class/power_supply/BAT0/status")
