/* libFuzzer target: the nfs collector on /proc/net/rpc/nfs. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_nfs, "proc/net/rpc/nfs")
