/* libFuzzer target: the diskstats collector on /proc/diskstats and udev data files. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_diskstats, "proc/diskstats", "root/run/udev/data/b8:0",
	       "root/run/udev/data/b259:0")
