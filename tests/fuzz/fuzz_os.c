/* libFuzzer target: the os collector on os-release(5) files. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_os, "root/etc/os-release", "root/usr/lib/os-release")
