#include "collect_assert.h"

static void test_schedstat_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_schedstat, "default", 0);

	assert_family(ms, "node_schedstat_running_seconds_total", METRIC_COUNTER,
		      "Number of seconds CPU spent running a process.", 2);
	assert_family(ms, "node_schedstat_waiting_seconds_total", METRIC_COUNTER,
		      "Number of seconds spent by processing waiting for this CPU.", 2);
	assert_family(ms, "node_schedstat_timeslices_total", METRIC_COUNTER,
		      "Number of timeslices executed by CPU.", 2);
	assert_sample(ms, 2873.420983412, "node_schedstat_running_seconds_total", "cpu", "0");
	assert_sample(ms, 120.544098017, "node_schedstat_waiting_seconds_total", "cpu", "1");
	assert_sample(ms, 39870246, "node_schedstat_timeslices_total", "cpu", "1");
	ms_free(ms);
}

static void test_schedstat_cases(void **state)
{
	static const struct ca_file short_line[] = {
		{ "proc/schedstat", "version 15\ncpu0 0 0 0 0 0 0 28734 1349\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "proc/schedstat", "version 15\ncpu0 0 0 0 0 0 0 28734 13x9 4\n", 0 },
	};
	static const struct ca_file no_id[] = {
		{ "proc/schedstat", "cpu 0 0 0 0 0 0 28734 1349 4\n", 0 },
	};
	static const struct ca_file no_schedstats[] = {
		{ "proc/loadavg", "0.1 0.2 0.3 1/2 3\n", 0 },
	};

	ms_free(ca_collect_case(&collector_schedstat, short_line, 1, 0, -EINVAL));
	ms_free(ca_collect_case(&collector_schedstat, garbled, 1, 1, -EINVAL));
	ms_free(ca_collect_case(&collector_schedstat, no_id, 1, 2, -EINVAL));
	/* A kernel without CONFIG_SCHEDSTATS. */
	ms_free(ca_collect_case(&collector_schedstat, no_schedstats, 1, 3, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedstat_default),
		cmocka_unit_test(test_schedstat_cases),
	};
	return cmocka_run_group_tests_name("schedstat", tests, NULL, NULL);
}
