#include "collect_assert.h"
#include "util.h"

static void test_thermal_zone_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_thermal_zone, "default", 0);

	assert_family(ms, "node_thermal_zone_temp", METRIC_GAUGE, "Zone temperature in Celsius", 2);
	assert_sample(ms, 47, "node_thermal_zone_temp", "type", "x86_pkg_temp", "zone", "0");
	assert_sample(ms, -2.5, "node_thermal_zone_temp", "type", "acpitz", "zone", "1");
	/* thermal_zone2 has no temp file: no sample rather than a made-up 0. */
	assert_null(fixture_find_labeled(ms, "node_thermal_zone_temp", "zone", "2"));
	assert_family(ms, "node_cooling_device_cur_state", METRIC_GAUGE,
		      "Current throttle state of the cooling device", 2);
	assert_sample(ms, 0, "node_cooling_device_cur_state", "name", "0", "type", "Processor");
	assert_sample(ms, 3, "node_cooling_device_max_state", "name", "0", "type", "Processor");
	assert_sample(ms, -1, "node_cooling_device_cur_state", "name", "1", "type",
		      "intel_powerclamp");
	assert_sample(ms, 50, "node_cooling_device_max_state", "name", "1", "type",
		      "intel_powerclamp");
	/* cooling_device2 lacks cur_state: skipped, as procfs skips it. */
	assert_null(fixture_find_labeled(ms, "node_cooling_device_max_state", "name", "2"));
	ms_free(ms);
}

static void test_thermal_zone_errors(void **state)
{
	static const struct ca_file garbled_state[] = {
		{ "sys/class/thermal/cooling_device0/type", "Fan\n", 0 },
		{ "sys/class/thermal/cooling_device0/cur_state", "one\n", 0 },
		{ "sys/class/thermal/cooling_device0/max_state", "3\n", 0 },
	};
	static const struct ca_file odd_zones[] = {
		{ "sys/class/thermal/thermal_zone0/type", "a\x01b\n", 0 },
		{ "sys/class/thermal/thermal_zone0/temp", "1000\n", 0 },
		{ "sys/class/thermal/thermal_zone1/type", "ok\n", 0 },
		{ "sys/class/thermal/thermal_zone1/temp", "12x\n", 0 },
		{ "sys/class/thermal/thermal_zoneX/type", "ok\n", 0 },
		{ "sys/class/thermal/thermal_zoneX/temp", "1\n", 0 },
		{ "sys/class/thermal/thermal_zone2/type", "ok\n", 0 },
		{ "sys/class/thermal/thermal_zone2/temp", "  99500 \n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_thermal_zone, garbled_state, ARRAY_SIZE(garbled_state), 0,
			     -EINVAL);
	ms_free(ms);
	ms = ca_collect_case(&collector_thermal_zone, odd_zones, ARRAY_SIZE(odd_zones), 1, 0);
	assert_int_equal(ca_nsamples(ms, "node_thermal_zone_temp"), 1);
	assert_sample(ms, 99.5, "node_thermal_zone_temp", "type", "ok", "zone", "2");
	ms_free(ms);
	/* No thermal class: no series, and success, as node_exporter. */
	ms = ca_collect_tree(&collector_thermal_zone, "does-not-exist", 0);
	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thermal_zone_default),
		cmocka_unit_test(test_thermal_zone_errors),
	};
	return cmocka_run_group_tests_name("thermal_zone", tests, NULL, NULL);
}
