/* libFuzzer target: the rapl collector on one powercap zone. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_rapl, "sys/class/powercap/intel-rapl:0/name",
	       "sys/class/powercap/intel-rapl:0/max_energy_range_uj",
	       "sys/class/powercap/intel-rapl:0/energy_uj")
