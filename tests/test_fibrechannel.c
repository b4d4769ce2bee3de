#include "collect_assert.h"

static void test_fibrechannel_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_fibrechannel, "default", 0);

	assert_family(ms, "node_fibrechannel_info", METRIC_GAUGE,
		      "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.", 1);
	/* port_id, port_name and fabric_name lose their "0x". */
	assert_sample(ms, 1, "node_fibrechannel_info", "fc_host", "host3", "speed", "16 Gbit",
		      "port_state", "Online", "port_type", "NPort (fabric via point-to-point)",
		      "port_id", "0a1b00", "port_name", "10000090fa3c51d2", "fabric_name",
		      "100050eb1a4e8c01", "symbolic_name",
		      "Emulex LPe32002-M2 FV14.0.326.12 DV14.2.0.5", "supported_classes", "Class 3",
		      "supported_speeds", "4 Gbit, 8 Gbit, 16 Gbit, 32 Gbit", "dev_loss_tmo", "30");
	assert_family(ms, "node_fibrechannel_rx_frames_total", METRIC_COUNTER,
		      "Number of frames received", 1);
	assert_sample(ms, 0x3f2a1c, "node_fibrechannel_rx_frames_total", "fc_host", "host3");
	assert_sample(ms, 0x61a0f33, "node_fibrechannel_tx_words_total", "fc_host", "host3");
	assert_sample(ms, 3, "node_fibrechannel_invalid_crc_total", "fc_host", "host3");
	assert_sample(ms, 0x1c20f, "node_fibrechannel_seconds_since_last_reset_total", "fc_host",
		      "host3");
	assert_sample(ms, 0, "node_fibrechannel_error_frames_total", "fc_host", "host3");
	/* All ones: not counted by this driver. Absent: not exported. */
	assert_null(ms_find(ms, "node_fibrechannel_dumped_frames_total"));
	assert_null(ms_find(ms, "node_fibrechannel_nos_total"));
	assert_null(ms_find(ms, "node_fibrechannel_invalid_tx_words_total"));
	ms_free(ms);
}

static void test_fibrechannel_cases(void **state)
{
	static const struct ca_file garbled[] = {
		{ "sys/class/fc_host/host0/port_state", "Online\n", 0 },
		{ "sys/class/fc_host/host0/statistics/rx_frames", "0x12g\n", 0 },
	};
	static const struct ca_file bad_label[] = {
		{ "sys/class/fc_host/host0/symbolic_name", "HBA \xff\n", 0 },
	};
	static const struct ca_file bare[] = {
		{ "sys/class/fc_host/host1/port_state", "Linkdown\n", 0 },
	};
	static const struct ca_file no_hba[] = {
		{ "sys/class/net/eth0/mtu", "1500\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_fibrechannel, garbled, 2, 0, -EINVAL));
	ms_free(ca_collect_case(&collector_fibrechannel, bad_label, 1, 1, -EINVAL));
	/* A host with no statistics directory and few attributes: info only. */
	ms = ca_collect_case(&collector_fibrechannel, bare, 1, 2, 0);
	assert_non_null(fixture_find_labeled(ms, "node_fibrechannel_info", "port_state",
					     "Linkdown"));
	assert_non_null(fixture_find_labeled(ms, "node_fibrechannel_info", "speed", ""));
	assert_int_equal(ms_nfamilies(ms), 1);
	ms_free(ms);
	ms_free(ca_collect_case(&collector_fibrechannel, no_hba, 1, 3, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fibrechannel_default),
		cmocka_unit_test(test_fibrechannel_cases),
	};
	return cmocka_run_group_tests_name("fibrechannel", tests, NULL, NULL);
}
