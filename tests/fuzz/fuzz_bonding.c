/* libFuzzer target: the bonding collector on one master and two slaves. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_bonding, "sys/class/net/bonding_masters",
	       "sys/class/net/bond0/bonding/slaves",
	       "sys/class/net/bond0/lower_eth0/bonding_slave/mii_status",
	       "sys/class/net/bond0/slave_eth1/bonding_slave/mii_status")
