/* libFuzzer target: the infiniband collector on one port's attributes and counters. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_infiniband, "sys/class/infiniband/mlx4_0/fw_ver",
	       "sys/class/infiniband/mlx4_0/ports/1/link_layer",
	       "sys/class/infiniband/mlx4_0/ports/1/state",
	       "sys/class/infiniband/mlx4_0/ports/1/phys_state",
	       "sys/class/infiniband/mlx4_0/ports/1/rate",
	       "sys/class/infiniband/mlx4_0/ports/1/counters/port_rcv_data",
	       "sys/class/infiniband/mlx4_0/ports/1/counters_ext/port_xmit_data_64",
	       "sys/class/infiniband/mlx4_0/ports/1/hw_counters/lifespan")
