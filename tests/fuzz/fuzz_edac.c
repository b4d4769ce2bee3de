/* libFuzzer target: the edac collector on one controller and row. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_edac, "sys/devices/system/edac/mc/mc0/ce_count",
	       "sys/devices/system/edac/mc/mc0/ce_noinfo_count", "sys/devices/system/edac/mc/mc0/ue_count",
	       "sys/devices/system/edac/mc/mc0/ue_noinfo_count",
	       "sys/devices/system/edac/mc/mc0/csrow0/ce_count",
	       "sys/devices/system/edac/mc/mc0/csrow0/ue_count",
	       "sys/devices/system/edac/mc/mc0/csrow0/ch0_ce_count",
	       "sys/devices/system/edac/mc/mc0/csrow0/ch0_dimm_label")
