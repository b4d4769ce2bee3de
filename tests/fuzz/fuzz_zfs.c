/* libFuzzer target: the zfs collector's kstat parsers (a named table, a
 * pool's io row, a dataset's objset table, a pool's state). */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_zfs, "proc/spl/kstat/zfs/arcstats", "proc/spl/kstat/zfs/fm",
	       "proc/spl/kstat/zfs/tank/io", "proc/spl/kstat/zfs/tank/objset-0x36",
	       "proc/spl/kstat/zfs/tank/state")
