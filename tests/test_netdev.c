#include "collect_assert.h"
#include "util.h"

static void test_netdev_default(void **state)
{
	static const char *const rx[] = {"bytes", "packets", "errs",	   "drop",
					 "fifo",  "frame",   "compressed", "multicast"};
	static const char *const tx[] = {"bytes", "packets", "errs",	"drop",
					 "fifo",  "colls",   "carrier", "compressed"};
	static const double eth0_rx[] = {68210035552.0, 52735682, 0, 121, 0, 0, 0, 103855};
	static const double eth0_tx[] = {43217741921.0, 41023477, 3, 0, 1, 0, 2, 0};
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "default", 0);
	char name[96], help[96];

	for (size_t i = 0; i < ARRAY_SIZE(rx); i++) {
		snprintf(name, sizeof(name), "node_network_receive_%s_total", rx[i]);
		snprintf(help, sizeof(help), "Network device statistic receive_%s.", rx[i]);
		assert_sample(ms, eth0_rx[i], name, "device", "eth0");
		/* Seven devices: 1.12 excludes none by default. */
		assert_family(ms, name, METRIC_COUNTER, help, 7);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tx); i++) {
		snprintf(name, sizeof(name), "node_network_transmit_%s_total", tx[i]);
		assert_sample(ms, eth0_tx[i], name, "device", "eth0");
		assert_int_equal(ms_find(ms, name)->nsamples, 7);
	}
	assert_int_equal(ms_nfamilies(ms), 17);
	assert_sample(ms, 7, "node_network_receive_errs_total", "device", "eth1");
	assert_sample(ms, 68217949040.0, "node_network_receive_bytes_total", "device", "bond0");
	assert_sample(ms, 79101239, "node_network_transmit_bytes_total", "device", "veth8a3e1f2");
	assert_sample(ms, 5, "node_network_transmit_drop_total", "device", "veth8a3e1f2");
	/* Quotes and backslashes stay raw here; escaping is the renderer's job. */
	assert_sample(ms, 928, "node_network_receive_bytes_total", "device", "wg\"q\\uote");
	assert_sample(ms, 18446620, "node_network_receive_bytes_total", "device", "lo");
	ms_free(ms);
}

/* --collector.netdev.device-include/-exclude and their deprecated names, as
 * Go regexes (\d), and the two together refused. */
static void test_netdev_filters(void **state)
{
	static const char *const inc[] = { "--collector.netdev.device-include=^eth\\d$", NULL };
	static const char *const exc[] = { "--collector.netdev.device-blacklist=^(lo|veth.*)$",
					   NULL };
	static const char *const both[] = { "--collector.netdev.device-whitelist=eth",
					    "--collector.netdev.device-exclude=lo", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, inc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_bytes_total"), 2);
	assert_sample(ms, 7, "node_network_receive_errs_total", "device", "eth1");
	assert_no_sample(ms, "node_network_receive_bytes_total", "device", "lo");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, exc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_bytes_total"), 5);
	assert_no_sample(ms, "node_network_receive_bytes_total", "device", "veth8a3e1f2");
	assert_sample(ms, 928, "node_network_receive_bytes_total", "device", "wg\"q\\uote");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, both), -EINVAL);
	ms_free(ms);
}

/* rx_nohandler comes from sysfs, for the devices that have the file. */
static void test_netdev_nohandler(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "default", 0);
	const struct family *f = ms_find(ms, "node_network_receive_nohandler_total");

	assert_non_null(f);
	assert_string_equal(f->help, "Network device statistic receive_nohandler.");
	assert_sample(ms, 17, "node_network_receive_nohandler_total", "device", "eth0");
	assert_sample(ms, 0, "node_network_receive_nohandler_total", "device", "bond0");
	assert_int_equal(f->nsamples, 2);
	ms_free(ms);
}

/* A column the kernel adds gets its own series; it beats sysfs for nohandler. */
static void test_netdev_new_column(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "netdev-newcol", 0);

	assert_sample(ms, 99, "node_network_receive_nohandler_total", "device", "eth0");
	assert_sample(ms, 16, "node_network_transmit_compressed_total", "device", "eth0");
	assert_int_equal(ms_nfamilies(ms), 17);
	ms_free(ms);
}

static void test_netdev_bad(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "garbled", -EINVAL },
		{ "truncated", -EINVAL },
		{ "netdev-header", -EINVAL },
		{ "does-not-exist", -ENOENT },
	};

	assert_collect_errors(&collector_netdev, cases, ARRAY_SIZE(cases), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netdev_default),
	    cmocka_unit_test(test_netdev_filters),
	    cmocka_unit_test(test_netdev_nohandler),
	    cmocka_unit_test(test_netdev_new_column),
	    cmocka_unit_test(test_netdev_bad),
	};
	return cmocka_run_group_tests_name("netdev", tests, NULL, NULL);
}
