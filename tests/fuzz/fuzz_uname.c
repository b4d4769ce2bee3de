/* libFuzzer target: the uname collector on /proc/sys/kernel/{ostype,osrelease,...}. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_uname, "proc/sys/kernel/ostype", "proc/sys/kernel/osrelease",
	       "proc/sys/kernel/version", "proc/sys/kernel/hostname", "proc/sys/kernel/domainname")
