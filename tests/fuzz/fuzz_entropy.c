/* libFuzzer target: the entropy collector on /proc/sys/kernel/random. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_entropy, "proc/sys/kernel/random/entropy_avail",
	       "proc/sys/kernel/random/poolsize")
