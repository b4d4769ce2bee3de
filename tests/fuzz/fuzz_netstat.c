/* libFuzzer target: the netstat collector on /proc/net/netstat and /proc/net/snmp. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_netstat, "proc/net/netstat", "proc/net/snmp")
