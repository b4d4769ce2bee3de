/* libFuzzer target: the diskstats collector on /proc/diskstats, udev data files
 * (the udev database parser) and a rotational attribute. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_diskstats, "proc/diskstats", "root/run/udev/data/b8:0",
	       "root/run/udev/data/b259:0", "sys/block/sda/queue/rotational")
