#include "collect_assert.h"
#include "util.h"

static void test_stat_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_stat, "default", 0);

	assert_int_equal(ms_nfamilies(ms), 6);
	assert_family(ms, "node_intr_total", METRIC_COUNTER,
		      "Total number of interrupts serviced.", 1);
	assert_family(ms, "node_context_switches_total", METRIC_COUNTER,
		      "Total number of context switches.", 1);
	assert_family(ms, "node_forks_total", METRIC_COUNTER, "Total number of forks.", 1);
	assert_family(ms, "node_boot_time_seconds", METRIC_GAUGE, "Node boot time, in unixtime.",
		      1);
	assert_family(ms, "node_procs_running", METRIC_GAUGE,
		      "Number of processes in runnable state.", 1);
	assert_family(ms, "node_procs_blocked", METRIC_GAUGE,
		      "Number of processes blocked waiting for I/O to complete.", 1);
	assert_sample(ms, 1456990, "node_intr_total");
	assert_sample(ms, 2962090, "node_context_switches_total");
	assert_sample(ms, 62840, "node_forks_total");
	assert_sample(ms, 1795670382, "node_boot_time_seconds");
	assert_sample(ms, 3, "node_procs_running");
	assert_sample(ms, 1, "node_procs_blocked");
	ms_free(ms);
}

static void test_stat_trees(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_stat, "oldkernel", 0);

	assert_sample(ms, 123456, "node_intr_total");
	assert_sample(ms, 1262304000, "node_boot_time_seconds");
	ms_free(ms);
	ms = ca_collect_tree(&collector_stat, "many-cpus", 0);
	assert_sample(ms, 64, "node_procs_running");
	ms_free(ms);
}

#define ALL "intr 5 1 2\nctxt 6\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n"

static void test_stat_inputs(void **state)
{
	static const struct {
		const char *text;
		int err;
	} cases[] = {
		{ ALL, 0 },
		{ "cpu  1 2 3 4\ncpu0 1 2 3 4\n" ALL "softirq 1 2 3\n", 0 },
		{ "intr 5\nctxt 6\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n", 0 },
		/* largest u64 is fine, one more overflows */
		{ "intr 18446744073709551615\nctxt 6\nprocesses 7\nbtime 8\n"
		  "procs_running 9\nprocs_blocked 10\n", 0 },
		{ "intr 18446744073709551616\nctxt 6\nprocesses 7\nbtime 8\n"
		  "procs_running 9\nprocs_blocked 10\n", -EINVAL },
		{ "intr 5 1 2\nctxt 6\nprocesses 7\nbtime 8\nprocs_running 9\n", -EINVAL },
		{ ALL "ctxt 7\n", -EINVAL },                            /* twice */
		{ "intr 5\nctxt 6x\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n",
		  -EINVAL },
		{ "intr 5\nctxt 6 7\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n",
		  -EINVAL },
		{ "intr\nctxt 6\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n",
		  -EINVAL },
		{ "intr 5\nctxt -6\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 10\n",
		  -EINVAL },
		{ ALL "procs_blocked 1", -EINVAL },                     /* no final newline */
		{ "intr 5 1 2\nctxt 6\nprocesses 7\nbtime 8\nprocs_running 9\nprocs_blocked 1",
		  -EINVAL },
		{ "", -EINVAL },
		{ "\n\n\n", -EINVAL },
		{ "ctxtt 6\n", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { "proc/stat", cases[i].text, 0 };
		struct metric_set *ms = ca_collect_case(&collector_stat, &f, 1, i, cases[i].err);

		assert_int_equal(ms_nfamilies(ms), cases[i].err ? 0 : 6);
		if (!cases[i].err)
			assert_sample(ms, 6, "node_context_switches_total");
		ms_free(ms);
	}
	/* A NUL in the middle is garbage, not the end of the file. */
	struct ca_file nul = { "proc/stat", ALL "\0intr 1\n", sizeof(ALL "\0intr 1\n") - 1 };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_files(&collector_stat, &nul, 1, ms), -EINVAL);
	ms_free(ms);
}

static void test_stat_errors(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "truncated", -EINVAL },
		{ "cpu-dup", -EINVAL },         /* cpu lines only */
		{ "does-not-exist", -ENOENT },
	};

	assert_collect_errors(&collector_stat, cases, ARRAY_SIZE(cases), true);
}

static void test_stat_softirq(void **state)
{
	static const char *const vectors[] = { "hi",      "timer", "net_tx",  "net_rx",
					       "block",   "block_iopoll", "tasklet", "sched",
					       "hrtimer", "rcu" };
	static const double want[] = { 0, 88460, 40, 23070, 409090, 0, 40, 247220, 0, 205370 };
	const char *flags[] = { "--collector.stat.softirq", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_stat, "default", ms, flags), 0);
	assert_family(ms, "node_softirqs_total", METRIC_COUNTER, "Number of softirq calls.", 10);
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++)
		assert_sample(ms, want[i], "node_softirqs_total", "vector", vectors[i]);
	ms_free(ms);
	/* Off by default; a kernel without the line has no such series. */
	ms = ca_collect_tree(&collector_stat, "default", 0);
	assert_null(ms_find(ms, "node_softirqs_total"));
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_stat, "oldkernel", ms, flags), 0);
	assert_null(ms_find(ms, "node_softirqs_total"));
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_default),
		cmocka_unit_test(test_stat_trees),
		cmocka_unit_test(test_stat_inputs),
		cmocka_unit_test(test_stat_errors),
		cmocka_unit_test(test_stat_softirq),
	};
	return cmocka_run_group_tests_name("stat", tests, NULL, NULL);
}
