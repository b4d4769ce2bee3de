#include "collect_assert.h"

static void test_bonding_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_bonding, "default", 0);

	assert_family(ms, "node_bonding_slaves", METRIC_GAUGE,
		      "Number of configured slaves per bonding interface.", 1);
	assert_family(ms, "node_bonding_active", METRIC_GAUGE,
		      "Number of active slaves per bonding interface.", 1);
	/* eth0 through lower_eth0 (up), eth1 through the old slave_eth1 (down). */
	assert_sample(ms, 2, "node_bonding_slaves", "master", "bond0");
	assert_sample(ms, 1, "node_bonding_active", "master", "bond0");
	ms_free(ms);
}

#define MII(m, s, v) { "sys/class/net/" m "/lower_" s "/bonding_slave/mii_status", v "\n", 0 }

static void test_bonding_cases(void **state)
{
	static const struct ca_file two[] = {
		{ "sys/class/net/bonding_masters", "bond0 bond1\n", 0 },
		{ "sys/class/net/bond0/bonding/slaves", "eth0 eth1 eth2\n", 0 },
		MII("bond0", "eth0", "up"), MII("bond0", "eth1", "up"), MII("bond0", "eth2", "down"),
		{ "sys/class/net/bond1/bonding/slaves", "\n", 0 },
	};
	static const struct ca_file repeated[] = {
		{ "sys/class/net/bonding_masters", "bond0 bond0\n", 0 },
		{ "sys/class/net/bond0/bonding/slaves", "\n", 0 },
	};
	static const struct ca_file escape[] = {
		{ "sys/class/net/bonding_masters", "..\n", 0 },
	};
	static const struct ca_file no_status[] = {
		{ "sys/class/net/bonding_masters", "bond0\n", 0 },
		{ "sys/class/net/bond0/bonding/slaves", "eth0\n", 0 },
	};
	static const struct ca_file no_driver[] = {
		{ "sys/class/net/eth0/mtu", "1500\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_bonding, two, ARRAY_SIZE(two), 0, 0);
	assert_sample(ms, 3, "node_bonding_slaves", "master", "bond0");
	assert_sample(ms, 2, "node_bonding_active", "master", "bond0");
	assert_sample(ms, 0, "node_bonding_slaves", "master", "bond1");
	assert_sample(ms, 0, "node_bonding_active", "master", "bond1");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_bonding, repeated, ARRAY_SIZE(repeated), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_bonding, escape, ARRAY_SIZE(escape), 2, -EINVAL));
	/* A slave without a status file: node_exporter's ErrNotExist, no data. */
	ms_free(ca_collect_case(&collector_bonding, no_status, ARRAY_SIZE(no_status), 3,
				-ENODATA));
	ms_free(ca_collect_case(&collector_bonding, no_driver, ARRAY_SIZE(no_driver), 4,
				-ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bonding_default),
		cmocka_unit_test(test_bonding_cases),
	};
	return cmocka_run_group_tests_name("bonding", tests, NULL, NULL);
}
