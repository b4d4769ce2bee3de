/* libFuzzer target: the dmmultipath collector on one map and its slave. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_dmmultipath, "sys/block/dm-1/dm/uuid", "sys/block/dm-1/dm/name",
	       "sys/block/dm-1/dm/suspended", "sys/block/dm-1/size",
	       "sys/block/dm-1/slaves/sdb", "sys/block/sdb/device/state")
