/* libFuzzer target: the mdadm collector on /proc/mdstat and one array's sysfs files. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_mdadm, "proc/mdstat", "sys/block/md3/md/level",
	       "sys/block/md3/md/raid_disks", "sys/block/md3/md/degraded")
