#include "collect_assert.h"

static void test_softnet_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_softnet, "default", 0);

	assert_family(ms, "node_softnet_processed_total", METRIC_COUNTER,
		      "Number of processed packets", 3);
	assert_family(ms, "node_softnet_backlog_len", METRIC_GAUGE, "Softnet backlog status", 3);
	assert_sample(ms, 0x0a3c5b11, "node_softnet_processed_total", "cpu", "0");
	assert_sample(ms, 0x12, "node_softnet_dropped_total", "cpu", "1");
	assert_sample(ms, 0x104, "node_softnet_times_squeezed_total", "cpu", "1");
	assert_sample(ms, 7, "node_softnet_cpu_collision_total", "cpu", "0");
	assert_sample(ms, 0xb3a, "node_softnet_received_rps_total", "cpu", "1");
	assert_sample(ms, 4, "node_softnet_flow_limit_count_total", "cpu", "1");
	assert_sample(ms, 2, "node_softnet_backlog_len", "cpu", "1");
	/* The third line is CPU 3 by its own index column (CPU 2 is offline). */
	assert_sample(ms, 0x01f30c42, "node_softnet_processed_total", "cpu", "3");
	assert_no_sample(ms, "node_softnet_processed_total", "cpu", "2");
	ms_free(ms);
}

static void test_softnet_cases(void **state)
{
	/* A 3.x kernel: 11 columns, no backlog or index; lines count the CPUs. */
	static const struct ca_file old[] = {
		{ "proc/net/softnet_stat",
		  "00000010 00000001 00000002 00000000 00000000 00000000 00000000 00000000 "
		  "00000003 00000004 00000005\n"
		  "00000020 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
		  "00000000 00000000 00000000\n", 0 },
	};
	static const struct ca_file few[] = {
		{ "proc/net/softnet_stat", "00000010 00000001 00000002\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "proc/net/softnet_stat",
		  "00000010 0000g001 00000002 00000000 00000000 00000000 00000000 00000000 "
		  "00000003\n", 0 },
	};
	static const struct ca_file too_big[] = {
		{ "proc/net/softnet_stat",
		  "100000000 00000001 00000002 00000000 00000000 00000000 00000000 00000000 "
		  "00000003\n", 0 },
	};
	static const struct ca_file repeat[] = {
		{ "proc/net/softnet_stat",
		  "1 0 0 0 0 0 0 0 0 0 0 0 1 0 0\n1 0 0 0 0 0 0 0 0 0 0 0 1 0 0\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_softnet, old, ARRAY_SIZE(old), 0, 0);
	assert_sample(ms, 0x10, "node_softnet_processed_total", "cpu", "0");
	assert_sample(ms, 0x20, "node_softnet_processed_total", "cpu", "1");
	assert_sample(ms, 4, "node_softnet_received_rps_total", "cpu", "0");
	assert_sample(ms, 5, "node_softnet_flow_limit_count_total", "cpu", "0");
	assert_sample(ms, 0, "node_softnet_backlog_len", "cpu", "0");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_softnet, few, ARRAY_SIZE(few), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_softnet, garbled, ARRAY_SIZE(garbled), 2, -EINVAL));
	ms_free(ca_collect_case(&collector_softnet, too_big, ARRAY_SIZE(too_big), 3, -EINVAL));
	ms_free(ca_collect_case(&collector_softnet, repeat, ARRAY_SIZE(repeat), 4, -EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softnet_default),
		cmocka_unit_test(test_softnet_cases),
	};
	return cmocka_run_group_tests_name("softnet", tests, NULL, NULL);
}
