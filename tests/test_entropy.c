#include "collect_assert.h"

static void test_entropy_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_entropy, "default", 0);

	assert_family(ms, "node_entropy_available_bits", METRIC_GAUGE,
		      "Bits of available entropy.", 1);
	assert_family(ms, "node_entropy_pool_size_bits", METRIC_GAUGE, "Bits of entropy pool.", 1);
	assert_sample(ms, 256, "node_entropy_available_bits");
	assert_sample(ms, 256, "node_entropy_pool_size_bits");
	ms_free(ms);
}

static void test_entropy_cases(void **state)
{
	static const struct ca_file old[] = {
		{ "proc/sys/kernel/random/entropy_avail", "3017\n", 0 },
		{ "proc/sys/kernel/random/poolsize", "4096\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "proc/sys/kernel/random/entropy_avail", "30x7\n", 0 },
		{ "proc/sys/kernel/random/poolsize", "4096\n", 0 },
	};
	static const struct ca_file two_lines[] = {
		{ "proc/sys/kernel/random/entropy_avail", "3017\n12\n", 0 },
		{ "proc/sys/kernel/random/poolsize", "4096\n", 0 },
	};
	static const struct ca_file no_pool[] = {
		{ "proc/sys/kernel/random/entropy_avail", "3017\n", 0 },
	};
	struct metric_set *ms;

	/* Before 5.18 the pool was 4096 bits and the count moved. */
	ms = ca_collect_case(&collector_entropy, old, ARRAY_SIZE(old), 0, 0);
	assert_sample(ms, 3017, "node_entropy_available_bits");
	assert_sample(ms, 4096, "node_entropy_pool_size_bits");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_entropy, garbled, ARRAY_SIZE(garbled), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_entropy, two_lines, ARRAY_SIZE(two_lines), 2, -EINVAL));
	ms_free(ca_collect_case(&collector_entropy, no_pool, ARRAY_SIZE(no_pool), 3, -ENOENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entropy_default),
		cmocka_unit_test(test_entropy_cases),
	};
	return cmocka_run_group_tests_name("entropy", tests, NULL, NULL);
}
