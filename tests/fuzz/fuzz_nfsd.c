/* libFuzzer target: the nfsd collector on /proc/net/rpc/nfsd. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_nfsd, "proc/net/rpc/nfsd")
