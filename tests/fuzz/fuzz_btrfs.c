/* libFuzzer target: the btrfs collector on one filesystem's sysfs files. */
#include "fuzz_collector.h"

#define FS "sys/fs/btrfs/5c8e1f0a-3b7d-4e92-a6c1-7d2f90b3e845/"

FUZZ_COLLECTOR(collector_btrfs, FS "commit_stats", FS "label", FS "metadata_uuid",
	       FS "allocation/global_rsv_size", FS "allocation/data/raid1/total_bytes",
	       FS "allocation/system/raid1/used_bytes", FS "devices/sdc/size",
	       FS "devinfo/1/error_stats")
