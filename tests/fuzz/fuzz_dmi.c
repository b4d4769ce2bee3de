/* libFuzzer target: the dmi collector on a few firmware fields. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_dmi, "sys/class/dmi/id/bios_vendor", "sys/class/dmi/id/product_name",
	       "sys/class/dmi/id/product_version")
