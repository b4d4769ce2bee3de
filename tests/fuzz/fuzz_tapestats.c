/* libFuzzer target: the tapestats collector on one drive. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_tapestats, "sys/class/scsi_tape/st0/stats/in_flight",
	       "sys/class/scsi_tape/st0/stats/io_ns", "sys/class/scsi_tape/st0/stats/read_cnt")
