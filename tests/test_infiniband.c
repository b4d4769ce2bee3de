#include "collect_assert.h"

static void test_infiniband_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_infiniband, "default", 0);

	assert_family(ms, "node_infiniband_info", METRIC_GAUGE,
		      "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.", 2);
	assert_sample(ms, 1, "node_infiniband_info", "device", "mlx4_0", "board_id",
		      "MT_1090120019", "firmware_version", "2.42.5000", "hca_type", "MT4099");
	/* No board_id file: an empty label, as procfs leaves the field empty. */
	assert_sample(ms, 1, "node_infiniband_info", "device", "mlx5_0", "board_id", "",
		      "firmware_version", "16.35.2000", "hca_type", "MT4119");

	assert_family(ms, "node_infiniband_state_id", METRIC_GAUGE,
		      "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: "
		      "active, 5: act defer)",
		      3);
	assert_sample(ms, 4, "node_infiniband_state_id", "device", "mlx4_0", "port", "1");
	assert_sample(ms, 1, "node_infiniband_state_id", "device", "mlx4_0", "port", "2");
	assert_sample(ms, 3, "node_infiniband_physical_state_id", "device", "mlx4_0", "port", "2");
	/* Gb/s to bytes/s, fractions included. */
	assert_sample(ms, 5e9, "node_infiniband_rate_bytes_per_second", "device", "mlx4_0", "port",
		      "1");
	assert_sample(ms, 312500000, "node_infiniband_rate_bytes_per_second", "device", "mlx4_0",
		      "port", "2");
	assert_sample(ms, 3125000000, "node_infiniband_rate_bytes_per_second", "device", "mlx5_0",
		      "port", "1");

	/* Data counters count 4-byte words: times 4, in counters/ and counters_ext/. */
	assert_family(ms, "node_infiniband_port_data_received_bytes_total", METRIC_COUNTER,
		      "Number of data octets received on all links", 2);
	assert_sample(ms, 11000000, "node_infiniband_port_data_received_bytes_total", "device",
		      "mlx4_0", "port", "1");
	assert_sample(ms, 396480, "node_infiniband_port_data_transmitted_bytes_total", "device",
		      "mlx5_0", "port", "1");
	assert_sample(ms, 4400000, "node_infiniband_legacy_data_transmitted_bytes_total", "device",
		      "mlx4_0", "port", "1");
	assert_sample(ms, 9001, "node_infiniband_legacy_packets_received_total", "device", "mlx4_0",
		      "port", "1");
	/* A saturated 32-bit counter is exported as read. */
	assert_sample(ms, 4294967295, "node_infiniband_port_transmit_wait_total", "device",
		      "mlx4_0", "port", "1");
	assert_sample(ms, 2, "node_infiniband_symbol_error_total", "device", "mlx4_0", "port", "1");
	/* "N/A (no PMA)" counters are left out, the port's others kept. */
	assert_null(fixture_find(ms, "node_infiniband_port_data_received_bytes_total", "device",
				 "mlx4_0", "port", "2", NULL));
	assert_null(fixture_find(ms, "node_infiniband_legacy_data_received_bytes_total", "device",
				 "mlx4_0", "port", "2", NULL));
	assert_sample(ms, 0, "node_infiniband_link_downed_total", "device", "mlx4_0", "port", "2");
	assert_sample(ms, 0, "node_infiniband_legacy_unicast_packets_received_total", "device",
		      "mlx4_0", "port", "2");

	/* hw_counters: lifespan is a gauge in whole seconds. */
	assert_family(ms, "node_infiniband_lifespan_seconds", METRIC_GAUGE,
		      "The maximum period in ms which defines the aging of the counter reads. Two "
		      "consecutive reads within this period might return the same values.",
		      1);
	assert_sample(ms, 2, "node_infiniband_lifespan_seconds", "device", "mlx5_0", "port", "1");
	assert_sample(ms, 17, "node_infiniband_out_of_buffer_drops_total", "device", "mlx5_0",
		      "port", "1");
	assert_sample(ms, 6, "node_infiniband_resp_cqes_flush_errors_total", "device", "mlx5_0",
		      "port", "1");
	assert_sample(ms, 118, "node_infiniband_np_ecn_marked_roce_packets_received_total",
		      "device", "mlx5_0", "port", "1");
	ms_free(ms);
}

static void test_infiniband_filter(void **state)
{
	const char *const include[] = { "--collector.infiniband.device-include=^mlx5", NULL };
	const char *const exclude[] = { "--collector.infiniband.device-exclude=^mlx5", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_infiniband, "default", ms, include), 0);
	assert_int_equal(ca_nsamples(ms, "node_infiniband_info"), 1);
	assert_non_null(fixture_find_labeled(ms, "node_infiniband_info", "device", "mlx5_0"));
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_infiniband, "default", ms, exclude), 0);
	assert_int_equal(ca_nsamples(ms, "node_infiniband_state_id"), 2);
	assert_null(fixture_find_labeled(ms, "node_infiniband_info", "device", "mlx5_0"));
	ms_free(ms);
}

#define IB_PORT "sys/class/infiniband/hfi1_0/ports/1/"

static void test_infiniband_cases(void **state)
{
	static const struct ca_file ok[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ IB_PORT "link_layer", "InfiniBand\n", 0 },
		{ IB_PORT "state", "2: INIT\n", 0 },
		{ IB_PORT "phys_state", "5: LinkUp\n", 0 },
		{ IB_PORT "rate", "100 Gb/sec (4X EDR)\n", 0 },
		/* ParseUint base 0: a 0x counter is a number too. */
		{ IB_PORT "counters/symbol_error", "0x10\n", 0 },
	};
	static const struct ca_file garbled_counter[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ IB_PORT "link_layer", "InfiniBand\n", 0 },
		{ IB_PORT "state", "4: ACTIVE\n", 0 },
		{ IB_PORT "phys_state", "5: LinkUp\n", 0 },
		{ IB_PORT "rate", "100 Gb/sec (4X EDR)\n", 0 },
		{ IB_PORT "counters/symbol_error", "12x\n", 0 },
	};
	static const struct ca_file garbled_state[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ IB_PORT "link_layer", "InfiniBand\n", 0 },
		{ IB_PORT "state", "ACTIVE\n", 0 },
		{ IB_PORT "phys_state", "5: LinkUp\n", 0 },
		{ IB_PORT "rate", "100 Gb/sec (4X EDR)\n", 0 },
	};
	static const struct ca_file garbled_rate[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ IB_PORT "link_layer", "InfiniBand\n", 0 },
		{ IB_PORT "state", "4: ACTIVE\n", 0 },
		{ IB_PORT "phys_state", "5: LinkUp\n", 0 },
		{ IB_PORT "rate", "fast\n", 0 },
	};
	static const struct ca_file no_fw[] = {
		{ "sys/class/infiniband/hfi1_0/board_id", "HFI\n", 0 },
		{ IB_PORT "state", "4: ACTIVE\n", 0 },
	};
	static const struct ca_file no_rate[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ IB_PORT "link_layer", "InfiniBand\n", 0 },
		{ IB_PORT "state", "4: ACTIVE\n", 0 },
		{ IB_PORT "phys_state", "5: LinkUp\n", 0 },
	};
	static const struct ca_file bad_port[] = {
		{ "sys/class/infiniband/hfi1_0/fw_ver", "1.27.0\n", 0 },
		{ "sys/class/infiniband/hfi1_0/ports/one/state", "4: ACTIVE\n", 0 },
	};
	static const struct ca_file no_ib[] = {
		{ "sys/class/net/eth0/mtu", "1500\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_infiniband, ok, ARRAY_SIZE(ok), 0, 0);
	assert_sample(ms, 2, "node_infiniband_state_id", "device", "hfi1_0", "port", "1");
	assert_sample(ms, 12.5e9, "node_infiniband_rate_bytes_per_second", "device", "hfi1_0",
		      "port", "1");
	assert_sample(ms, 16, "node_infiniband_symbol_error_total", "device", "hfi1_0", "port",
		      "1");
	assert_sample(ms, 1, "node_infiniband_info", "device", "hfi1_0", "board_id", "",
		      "firmware_version", "1.27.0", "hca_type", "");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_infiniband, garbled_counter,
				ARRAY_SIZE(garbled_counter), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_infiniband, garbled_state, ARRAY_SIZE(garbled_state), 2,
				-EINVAL));
	ms_free(ca_collect_case(&collector_infiniband, garbled_rate, ARRAY_SIZE(garbled_rate), 3,
				-EINVAL));
	ms_free(ca_collect_case(&collector_infiniband, no_fw, ARRAY_SIZE(no_fw), 4, -ENOENT));
	ms_free(ca_collect_case(&collector_infiniband, no_rate, ARRAY_SIZE(no_rate), 5, -ENOENT));
	ms_free(ca_collect_case(&collector_infiniband, bad_port, ARRAY_SIZE(bad_port), 6,
				-EINVAL));
	ms_free(ca_collect_case(&collector_infiniband, no_ib, ARRAY_SIZE(no_ib), 7, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_infiniband_default),
		cmocka_unit_test(test_infiniband_filter),
		cmocka_unit_test(test_infiniband_cases),
	};
	return cmocka_run_group_tests_name("infiniband", tests, NULL, NULL);
}
