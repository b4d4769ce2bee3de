/* libFuzzer target: the nvme collector on one controller and namespace. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_nvme, "sys/class/nvme/nvme0/firmware_rev", "sys/class/nvme/nvme0/model",
	       "sys/class/nvme/nvme0/serial", "sys/class/nvme/nvme0/state", "sys/class/nvme/nvme0/cntlid",
	       "sys/class/nvme/nvme0/nvme0n1/nuse", "sys/class/nvme/nvme0/nvme0n1/size",
	       "sys/class/nvme/nvme0/nvme0n1/queue/logical_block_size")
