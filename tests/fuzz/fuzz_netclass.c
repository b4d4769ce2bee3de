/* libFuzzer target: the netclass collector on one device's sysfs attributes. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_netclass, "sys/class/net/eth0/operstate", "sys/class/net/eth0/address",
	       "sys/class/net/eth0/ifalias", "sys/class/net/eth0/flags",
	       "sys/class/net/eth0/mtu", "sys/class/net/eth0/speed")
