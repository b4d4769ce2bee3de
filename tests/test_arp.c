#include "collect_assert.h"

static void test_arp_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_arp, "default", 0);

	assert_family(ms, "node_arp_entries", METRIC_GAUGE, "ARP entries by device", 3);
	/* Incomplete entries (flags 0x0, zero address) count, as in the kernel's table. */
	assert_sample(ms, 3, "node_arp_entries", "device", "eth0");
	assert_sample(ms, 1, "node_arp_entries", "device", "docker0");
	assert_sample(ms, 1, "node_arp_entries", "device", "br-7a1c");
	ms_free(ms);
}

static void test_arp_filters(void **state)
{
	struct metric_set *ms = ms_new();
	struct config cfg;

	CONFIG_ONCE(&cfg, "--collector.arp.device-exclude=^(docker|br-)", "--no-collector.arp.netlink");
	assert_int_equal(ca_collect_cfg(&collector_arp, "default", &cfg, ms), 0);
	assert_int_equal(ca_nsamples(ms, "node_arp_entries"), 1);
	assert_sample(ms, 3, "node_arp_entries", "device", "eth0");
	ms_free(ms);
	config_free(&cfg);

	ms = ms_new();
	CONFIG_ONCE(&cfg, "--collector.arp.device-include=^br-");
	assert_int_equal(ca_collect_cfg(&collector_arp, "default", &cfg, ms), 0);
	assert_int_equal(ca_nsamples(ms, "node_arp_entries"), 1);
	assert_sample(ms, 1, "node_arp_entries", "device", "br-7a1c");
	ms_free(ms);
	config_free(&cfg);
}

#define ARP_HEAD "IP address       HW type     Flags       HW address            Mask     Device\n"

static void test_arp_cases(void **state)
{
	static const struct ca_file empty[] = { { "proc/net/arp", ARP_HEAD, 0 } };
	static const struct ca_file bad_mac[] = {
		{ "proc/net/arp", ARP_HEAD "10.0.0.1 0x1 0x2 52:54:00:12:9a *  eth0\n", 0 },
	};
	static const struct ca_file bad_flags[] = {
		{ "proc/net/arp", ARP_HEAD "10.0.0.1 0x1 0x200 52:54:00:12:9a:3c *  eth0\n", 0 },
	};
	static const struct ca_file cols[] = {
		{ "proc/net/arp", ARP_HEAD "10.0.0.1 0x1 0x2 52:54:00:12:9a:3c eth0\n", 0 },
	};
	static const struct ca_file ib[] = {
		{ "proc/net/arp",
		  ARP_HEAD "10.0.0.1 0x20 0x2 "
			   "80:00:00:48:fe:80:00:00:00:00:00:00:f4:52:14:03:00:7b:cb:a1 * ib0\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_arp, empty, ARRAY_SIZE(empty), 0, 0);
	assert_int_equal(ca_nsamples(ms, "node_arp_entries"), 0);
	ms_free(ms);
	ms_free(ca_collect_case(&collector_arp, bad_mac, ARRAY_SIZE(bad_mac), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_arp, bad_flags, ARRAY_SIZE(bad_flags), 2, -EINVAL));
	ms_free(ca_collect_case(&collector_arp, cols, ARRAY_SIZE(cols), 3, -EINVAL));
	/* InfiniBand's 20-byte hardware addresses. */
	ms = ca_collect_case(&collector_arp, ib, ARRAY_SIZE(ib), 4, 0);
	assert_sample(ms, 1, "node_arp_entries", "device", "ib0");
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_default),
		cmocka_unit_test(test_arp_filters),
		cmocka_unit_test(test_arp_cases),
	};
	return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}
