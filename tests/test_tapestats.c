#include "collect_assert.h"
#include "util.h"

static void test_tapestats_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_tapestats, "default", 0);

	assert_sample(ms, 1, "node_tape_io_now", "device", "st0");
	assert_sample(ms, 9247.01108772, "node_tape_io_time_seconds_total", "device", "st0");
	assert_sample(ms, 1409, "node_tape_io_others_total", "device", "st0");
	assert_sample(ms, 979383912, "node_tape_read_bytes_total", "device", "st0");
	assert_sample(ms, 3741, "node_tape_reads_completed_total", "device", "st0");
	assert_sample(ms, 33.788355744, "node_tape_read_time_seconds_total", "device", "st0");
	assert_sample(ms, 19, "node_tape_residual_total", "device", "st0");
	assert_sample(ms, 1496246784000.0, "node_tape_written_bytes_total", "device", "st0");
	assert_sample(ms, 53772916, "node_tape_writes_completed_total", "device", "st0");
	/* write_ns is missing from this drive's stats: 0, as procfs has it. */
	assert_sample(ms, 0, "node_tape_write_time_seconds_total", "device", "st0");
	assert_family(ms, "node_tape_io_now", METRIC_GAUGE,
		      "The number of I/Os currently outstanding to this device.", 1);
	/* nst0 and st0a are the same drive. */
	assert_int_equal(ca_nsamples(ms, "node_tape_residual_total"), 1);
	ms_free(ms);
}

static void test_tapestats_errors(void **state)
{
	static const struct ca_file garbled[] = {
		{ "sys/class/scsi_tape/st1/stats/read_cnt", "many\n", 0 },
	};
	const char *flags[] = { "--collector.tapestats.ignored-devices=^st0$", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_tapestats, "default", ms, flags), 0);
	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
	ms_free(ca_collect_case(&collector_tapestats, garbled, 1, 0, -EINVAL));
	ms_free(ca_collect_tree(&collector_tapestats, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tapestats_default),
		cmocka_unit_test(test_tapestats_errors),
	};
	return cmocka_run_group_tests_name("tapestats", tests, NULL, NULL);
}
