#include "collect_assert.h"
#include "util.h"

static void test_edac_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_edac, "default", 0);

	assert_sample(ms, 7, "node_edac_correctable_errors_total", "controller", "0");
	assert_sample(ms, 2, "node_edac_uncorrectable_errors_total", "controller", "0");
	/* The counts the kernel could not place on a row. */
	assert_sample(ms, 1, "node_edac_csrow_correctable_errors_total", "controller", "0", "csrow",
		      "unknown");
	assert_sample(ms, 0, "node_edac_csrow_uncorrectable_errors_total", "controller", "0",
		      "csrow", "unknown");
	assert_sample(ms, 6, "node_edac_csrow_correctable_errors_total", "controller", "0", "csrow",
		      "0");
	assert_sample(ms, 2, "node_edac_csrow_uncorrectable_errors_total", "controller", "0",
		      "csrow", "0");
	assert_sample(ms, 4, "node_edac_channel_correctable_errors_total", "controller", "0",
		      "csrow", "0", "channel", "0", "dimm_label", "mc0_csrow0_channel0");
	assert_sample(ms, 2, "node_edac_channel_correctable_errors_total", "controller", "0",
		      "csrow", "0", "channel", "1", "dimm_label", "CPU_SrcID0_Ha0_Chan1_DIMM0");
	assert_sample(ms, 0, "node_edac_channel_correctable_errors_total", "controller", "0",
		      "csrow", "1", "channel", "0", "dimm_label", "unknown");
	/* ch1 of csrow0 has no ue_count: no series rather than an error. */
	assert_int_equal(ca_nsamples(ms, "node_edac_channel_uncorrectable_errors_total"), 2);
	assert_family(ms, "node_edac_correctable_errors_total", METRIC_COUNTER,
		      "Total correctable memory errors.", 1);
	ms_free(ms);
}

static void test_edac_errors(void **state)
{
	static const struct ca_file missing[] = {
		{ "sys/devices/system/edac/mc/mc3/ce_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/ce_noinfo_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/ue_count", "1\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "sys/devices/system/edac/mc/mc3/ce_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/ce_noinfo_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/ue_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/ue_noinfo_count", "1\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/csrow7/ce_count", "x\n", 0 },
		{ "sys/devices/system/edac/mc/mc3/csrow7/ue_count", "1\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_edac, missing, ARRAY_SIZE(missing), 0, -ENOENT));
	ms_free(ca_collect_case(&collector_edac, garbled, ARRAY_SIZE(garbled), 1, -EINVAL));
	ms = ca_collect_case(&collector_edac, garbled, 4, 2, 0);
	assert_sample(ms, 1, "node_edac_correctable_errors_total", "controller", "3");
	ms_free(ms);
	/* No EDAC at all: no series, success, as node_exporter. */
	ms = ca_collect_tree(&collector_edac, "does-not-exist", 0);
	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edac_default),
		cmocka_unit_test(test_edac_errors),
	};
	return cmocka_run_group_tests_name("edac", tests, NULL, NULL);
}
