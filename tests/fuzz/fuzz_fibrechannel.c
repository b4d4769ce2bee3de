/* libFuzzer target: the fibrechannel collector on one host's attributes. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_fibrechannel, "sys/class/fc_host/host3/port_state",
	       "sys/class/fc_host/host3/port_name", "sys/class/fc_host/host3/symbolic_name",
	       "sys/class/fc_host/host3/statistics/rx_frames",
	       "sys/class/fc_host/host3/statistics/dumped_frames")
