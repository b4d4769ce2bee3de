/* libFuzzer target: the filesystem collector on /proc/1/mountinfo (statvfs under a throw-away
 * rootfs). */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_filesystem, "proc/1/mountinfo")
