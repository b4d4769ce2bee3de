#include "collect_assert.h"
#include "util.h"

static void test_powersupplyclass_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_powersupplyclass, "default", 0);
	const struct sample *s;

	assert_sample(ms, 76, "node_power_supply_capacity", "power_supply", "BAT0");
	assert_sample(ms, 100, "node_power_supply_capacity", "power_supply", "hid-ups");
	assert_sample(ms, 212, "node_power_supply_cyclecount", "power_supply", "BAT0");
	/* Micro-units to base units, tenths of a degree to degrees. */
	assert_sample(ms, 50.12, "node_power_supply_energy_full", "power_supply", "BAT0");
	assert_sample(ms, 38.09, "node_power_supply_energy_watthour", "power_supply", "BAT0");
	assert_sample(ms, 7.415, "node_power_supply_power_watt", "power_supply", "BAT0");
	assert_sample(ms, 0.612, "node_power_supply_current_ampere", "power_supply", "BAT0");
	assert_sample(ms, 12.103, "node_power_supply_voltage_volt", "power_supply", "BAT0");
	assert_sample(ms, 31.2, "node_power_supply_temp_celsius", "power_supply", "BAT0");
	assert_sample(ms, 1, "node_power_supply_online", "power_supply", "AC");
	assert_family(ms, "node_power_supply_capacity", METRIC_GAUGE,
		      "capacity value of /sys/class/power_supply/<power_supply>.", 2);
	/* Text attributes are labels of the info series; "alarm" and the
	 * threshold are not exported, power/ is a directory. */
	assert_sample(ms, 1, "node_power_supply_info", "power_supply", "AC", "type", "Mains");
	assert_sample(ms, 1, "node_power_supply_info", "power_supply", "hid-ups", "scope", "Device",
		      "status", "Full", "type", "Battery");
	s = fixture_find_labeled(ms, "node_power_supply_info", "power_supply", "BAT0");
	assert_non_null(s);
	assert_int_equal(s->nlabels, 8);
	assert_string_equal(sample_label(s, "model_name"), "5B10W13\xef\xbf\xbd");
	assert_string_equal(sample_label(s, "serial_number"), "1234");
	assert_string_equal(sample_label(s, "technology"), "Li-poly");
	assert_null(ms_find(ms, "node_power_supply_alarm"));
	ms_free(ms);
}

static void test_powersupplyclass_ignored(void **state)
{
	const char *flags[] = { "--collector.powersupply.ignored-supplies=^(AC|hid-.*)$", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_powersupplyclass, "default", ms, flags), 0);
	assert_int_equal(ca_nsamples(ms, "node_power_supply_info"), 1);
	assert_int_equal(ca_nsamples(ms, "node_power_supply_capacity"), 1);
	assert_null(ms_find(ms, "node_power_supply_online"));
	ms_free(ms);
}

static void test_powersupplyclass_errors(void **state)
{
	static const struct ca_file garbled[] = {
		{ "sys/class/power_supply/BAT1/capacity", "full\n", 0 },
	};
	static const struct ca_file nul[] = {
		{ "sys/class/power_supply/BAT1/status", "Ch\0arging\n", 10 },
	};
	static const struct ca_file neg[] = {
		{ "sys/class/power_supply/BAT1/current_now", "-1500000\n", 0 },
		{ "sys/class/power_supply/BAT1/status", "\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_powersupplyclass, garbled, 1, 0, -EINVAL));
	ms_free(ca_collect_case(&collector_powersupplyclass, nul, 1, 1, 0));
	ms = ca_collect_case(&collector_powersupplyclass, neg, 2, 2, 0);
	assert_sample(ms, -1.5, "node_power_supply_current_ampere", "power_supply", "BAT1");
	/* An empty text attribute is no label at all. */
	assert_sample(ms, 1, "node_power_supply_info", "power_supply", "BAT1");
	ms_free(ms);
	ms_free(ca_collect_tree(&collector_powersupplyclass, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_powersupplyclass_default),
		cmocka_unit_test(test_powersupplyclass_ignored),
		cmocka_unit_test(test_powersupplyclass_errors),
	};
	return cmocka_run_group_tests_name("powersupplyclass", tests, NULL, NULL);
}
