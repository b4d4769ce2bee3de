/* libFuzzer target: the xfs collector on one filesystem's stats file. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_xfs, "sys/fs/xfs/sdb1/stats/stats")
