/* libFuzzer target: the watchdog collector on one device. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_watchdog, "sys/class/watchdog/watchdog0/timeout",
	       "sys/class/watchdog/watchdog0/identity", "sys/class/watchdog/watchdog0/bootstatus")
