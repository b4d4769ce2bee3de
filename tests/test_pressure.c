#include "collect_assert.h"
#include "util.h"

#define CPU_W "node_pressure_cpu_waiting_seconds_total"
#define IO_W "node_pressure_io_waiting_seconds_total"
#define IO_S "node_pressure_io_stalled_seconds_total"
#define MEM_W "node_pressure_memory_waiting_seconds_total"
#define MEM_S "node_pressure_memory_stalled_seconds_total"

static void test_pressure_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_pressure, "default", 0);

	assert_int_equal(ms_nfamilies(ms), 5);
	assert_family(ms, CPU_W, METRIC_COUNTER,
		      "Total time in seconds that processes have waited for CPU time", 1);
	assert_family(ms, IO_W, METRIC_COUNTER,
		      "Total time in seconds that processes have waited due to IO congestion", 1);
	assert_family(ms, IO_S, METRIC_COUNTER,
		      "Total time in seconds no process could make progress due to IO congestion",
		      1);
	assert_family(ms, MEM_W, METRIC_COUNTER,
		      "Total time in seconds that processes have waited for memory", 1);
	assert_family(ms, MEM_S, METRIC_COUNTER,
		      "Total time in seconds no process could make progress due to memory "
		      "congestion",
		      1);
	assert_sample(ms, 4.24196, CPU_W);
	assert_sample(ms, 4.305411, IO_W);
	assert_sample(ms, 4.145315, IO_S);
	assert_sample(ms, 0.00125, MEM_W);
	assert_sample(ms, 0.0005, MEM_S);
	ms_free(ms);
}

/* cpu's "full" line and /proc/pressure/irq exist on newer kernels but are not
 * in node_exporter 1.5's output. */
static void test_pressure_newer_kernel(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_pressure, "many-cpus", 0);

	assert_int_equal(ms_nfamilies(ms), 5);
	assert_sample(ms, 2.5, CPU_W);
	assert_sample(ms, 3.000001, IO_W);
	assert_null(ms_find(ms, "node_pressure_cpu_stalled_seconds_total"));
	assert_null(ms_find(ms, "node_pressure_irq_stalled_seconds_total"));
	ms_free(ms);
}

/* No /proc/pressure (kernel before 4.20 or no CONFIG_PSI): quiet. */
static void test_pressure_missing(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "oldkernel");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_pressure.collect(&ctx, ms), -ENODATA);
	assert_int_equal(ms_nfamilies(ms), 0);
	assert_non_null(strstr(ctx.detail, "PSI"));
	ms_free(ms);
}

#define LINE_S "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n"
#define LINE_F "full avg10=0.00 avg60=0.00 avg300=0.00 total=2000000\n"

static void test_pressure_inputs(void **state)
{
	static const struct {
		const char *io;
		int err;
	} cases[] = {
		{ LINE_S LINE_F, 0 },
		{ LINE_F LINE_S, 0 },
		{ "some total=1000000\nfull total=2000000\n", 0 },
		{ "some avg10=0.00 total=1000000 extra=1\n" LINE_F, 0 },
		{ LINE_S, -EINVAL },                            /* io needs "full" */
		{ LINE_F, -EINVAL },
		{ LINE_S LINE_F LINE_F, -EINVAL },
		{ LINE_S "half avg10=0.00 total=1\n", -EINVAL },
		{ "some avg10=0.00 avg60=0.00 avg300=0.00\n" LINE_F, -EINVAL },
		{ "some total=1 total=1\n" LINE_F, -EINVAL },
		{ "some total=x\n" LINE_F, -EINVAL },
		{ "some total=-1\n" LINE_F, -EINVAL },
		{ "some total=1.5\n" LINE_F, -EINVAL },
		{ "some total= 1\n" LINE_F, -EINVAL },
		{ "some avg10 total=1\n" LINE_F, -EINVAL },
		{ "some =1 total=1\n" LINE_F, -EINVAL },
		{ "sometotal=1\n" LINE_F, -EINVAL },
		{ LINE_S "full avg10=0.00 avg60=0.00 avg300=0.00 total=2000000", -EINVAL },
		{ "", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ca_file files[] = {
			{ "proc/pressure/cpu", LINE_S, 0 },
			{ "proc/pressure/io", cases[i].io, 0 },
			{ "proc/pressure/memory", LINE_S LINE_F, 0 },
		};
		struct metric_set *ms =
		    ca_collect_case(&collector_pressure, files, 3, i, cases[i].err);

		if (!cases[i].err) {
			assert_sample(ms, 1, IO_W);
			assert_sample(ms, 2, IO_S);
		}
		ms_free(ms);
	}
}

static void test_pressure_errors(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "truncated", -EINVAL },
		{ "garbled", -EINVAL },
		{ "does-not-exist", -ENODATA },
	};

	assert_collect_errors(&collector_pressure, cases, ARRAY_SIZE(cases), true);
	/* Only one resource missing still means no usable PSI. */
	const struct ca_file files[] = {
		{ "proc/pressure/cpu", LINE_S, 0 },
		{ "proc/pressure/io", LINE_S LINE_F, 0 },
	};
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_files(&collector_pressure, files, 2, ms), -ENODATA);
	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pressure_default),
		cmocka_unit_test(test_pressure_newer_kernel),
		cmocka_unit_test(test_pressure_missing),
		cmocka_unit_test(test_pressure_inputs),
		cmocka_unit_test(test_pressure_errors),
	};
	return cmocka_run_group_tests_name("pressure", tests, NULL, NULL);
}
