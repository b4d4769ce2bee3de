#include "collect_assert.h"

static void test_kernel_hung(void **state)
{
	static const struct ca_file garbled[] = {
		{ "proc/sys/kernel/hung_task_detect_count", "three\n", 0 },
	};
	static const struct ca_file old_kernel[] = {
		{ "proc/loadavg", "0.1 0.2 0.3 1/2 3\n", 0 },
	};
	struct metric_set *ms = ca_collect_tree(&collector_kernel_hung, "default", 0);

	assert_family(ms, "node_kernel_hung_tasks_total", METRIC_COUNTER,
		      "Total number of tasks that have been detected as hung since the system "
		      "booted.", 1);
	assert_sample(ms, 3, "node_kernel_hung_tasks_total");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_kernel_hung, garbled, 1, 0, -EINVAL));
	/* Before 6.14, or without CONFIG_DETECT_HUNG_TASK. */
	ms_free(ca_collect_case(&collector_kernel_hung, old_kernel, 1, 1, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_hung),
	};
	return cmocka_run_group_tests_name("kernel_hung", tests, NULL, NULL);
}
