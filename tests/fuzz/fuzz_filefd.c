/* libFuzzer target: the filefd collector on /proc/sys/fs/file-nr. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_filefd, "proc/sys/fs/file-nr")
