/* libFuzzer target: the bcache collector on one cache set, backing and cache device. */
#include "fuzz_collector.h"

#define SET "sys/fs/bcache/8b2f4f1e-0c73-4a9d-9e55-3c1d2a7b6f04/"

FUZZ_COLLECTOR(collector_bcache, SET "average_key_size", SET "internal/btree_nodes",
	       SET "bdev0/dirty_data", SET "bdev0/writeback_rate_debug",
	       SET "bdev0/stats_total/bypassed", SET "cache0/written", SET "cache0/priority_stats")
