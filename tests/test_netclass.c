#include "collect_assert.h"
#include "util.h"

static void test_netclass_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netclass, "default", 0);

	assert_family(ms, "node_network_mtu_bytes", METRIC_GAUGE,
		      "Network device property: mtu_bytes", 4);
	assert_family(ms, "node_network_carrier_changes_total", METRIC_COUNTER,
		      "Network device property: carrier_changes_total", 4);
	assert_sample(ms, 9000, "node_network_mtu_bytes", "device", "eth0");
	assert_sample(ms, 65536, "node_network_mtu_bytes", "device", "lo");
	assert_sample(ms, 1, "node_network_up", "device", "eth0");
	assert_sample(ms, 0, "node_network_up", "device", "lo");	   /* operstate "unknown" */
	assert_sample(ms, 0x1003, "node_network_flags", "device", "eth0"); /* hex in sysfs */
	assert_sample(ms, 10000 * 1e6 / 8, "node_network_speed_bytes", "device", "eth0");
	/* eth1 is down and its driver says -1: exported as node_exporter does. */
	assert_sample(ms, -125000, "node_network_speed_bytes", "device", "eth1");
	assert_no_sample(ms, "node_network_speed_bytes", "device", "lo");
	assert_sample(ms, 4, "node_network_carrier_changes_total", "device", "eth0");
	assert_sample(ms, 2, "node_network_carrier_up_changes_total", "device", "eth0");
	assert_sample(ms, 772, "node_network_protocol_type", "device", "lo");
	assert_sample(ms, 2, "node_network_iface_id", "device", "eth0");
	assert_sample(ms, 3, "node_network_address_assign_type", "device", "bond0");
	/* bond0 has no name_assign_type (a virtual device's read fails). */
	assert_no_sample(ms, "node_network_name_assign_type", "device", "bond0");
	assert_sample(ms, 1, "node_network_info", "device", "eth0", "address", "52:54:00:3a:9c:e1",
		      "broadcast", "ff:ff:ff:ff:ff:ff", "duplex", "full", "operstate", "up",
		      "adminstate", "up", "ifalias", "uplink to sw-r12");
	assert_sample(ms, 1, "node_network_info", "device", "eth1", "address", "52:54:00:3a:9c:e2",
		      "broadcast", "ff:ff:ff:ff:ff:ff", "duplex", "unknown", "operstate", "down",
		      "adminstate", "down", "ifalias", "");
	/* bonding_masters is a file in class/net, not a device. */
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "bonding_masters"));
	ms_free(ms);
}

static void test_netclass_flags(void **state)
{
	struct metric_set *ms = ms_new();
	struct config cfg;

	CONFIG_ONCE(&cfg, "--collector.netclass.ignore-invalid-speed",
		    "--collector.netclass.ignored-devices=^(lo|bond[0-9]+)$");
	assert_int_equal(ca_collect_cfg(&collector_netclass, "default", &cfg, ms), 0);
	assert_no_sample(ms, "node_network_speed_bytes", "device", "eth1");
	assert_sample(ms, 1.25e9, "node_network_speed_bytes", "device", "eth0");
	assert_int_equal(ca_nsamples(ms, "node_network_up"), 2);
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "lo"));
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "bond0"));
	ms_free(ms);
	config_free(&cfg);
}

static void test_netclass_bad(void **state)
{
	static const struct ca_file garbled[] = {
	    {"sys/class/net/eth0/operstate", "up\n", 0},
	    {"sys/class/net/eth0/mtu", "15x0\n", 0},
	};
	static const struct ca_file bad_label[] = {
	    {"sys/class/net/eth0/ifalias", "caf\xc3\n", 0},
	};
	static const struct ca_file nul[] = {
	    {"sys/class/net/eth0/mtu", "1500\0\n", 6},
	};
	static const struct ca_file no_class[] = {
	    {"sys/devices/system/cpu/online", "0\n", 0},
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_netclass, garbled, ARRAY_SIZE(garbled), 0, -EINVAL);
	ms_free(ms);
	ms = ca_collect_case(&collector_netclass, bad_label, ARRAY_SIZE(bad_label), 1, -EINVAL);
	ms_free(ms);
	ms = ca_collect_case(&collector_netclass, nul, ARRAY_SIZE(nul), 2, -EBADMSG);
	ms_free(ms);
	/* A sysfs without a network class is a host without the data: quiet. */
	ms = ca_collect_case(&collector_netclass, no_class, ARRAY_SIZE(no_class), 3, -ENODATA);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netclass_default),
	    cmocka_unit_test(test_netclass_flags),
	    cmocka_unit_test(test_netclass_bad),
	};
	return cmocka_run_group_tests_name("netclass", tests, NULL, NULL);
}
