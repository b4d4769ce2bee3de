#include "collect_assert.h"
#include "util.h"

#define NCT "platform_nct6775_656"
#define CORE "platform_coretemp_0"

static void test_hwmon_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_hwmon, "default", 0);

	/* Units converted as node_exporter converts them. */
	assert_sample(ms, 55, "node_hwmon_temp_celsius", "chip", CORE, "sensor", "temp1");
	assert_sample(ms, 100, "node_hwmon_temp_crit_celsius", "chip", CORE, "sensor", "temp1");
	assert_sample(ms, 0, "node_hwmon_temp_crit_alarm_celsius", "chip", CORE, "sensor", "temp1");
	assert_sample(ms, 0.792, "node_hwmon_in_volts", "chip", NCT, "sensor", "in0");
	assert_sample(ms, 1.744, "node_hwmon_in_max_volts", "chip", NCT, "sensor", "in0");
	assert_sample(ms, 0.9, "node_hwmon_cpu_vid_volts", "chip", NCT, "sensor", "cpu0");
	assert_sample(ms, 1.5, "node_hwmon_curr_amps", "chip", NCT, "sensor", "curr1");
	assert_sample(ms, 12.5, "node_hwmon_power_watt", "chip", NCT, "sensor", "power1");
	assert_sample(ms, 0.025, "node_hwmon_power_accuracy", "chip", NCT, "sensor", "power1");
	assert_sample(ms, 1, "node_hwmon_power_average_interval_seconds", "chip", NCT, "sensor",
		      "power1");
	assert_sample(ms, 123.456789, "node_hwmon_energy_joule_total", "chip", NCT, "sensor",
		      "energy1");
	assert_family(ms, "node_hwmon_energy_joule_total", METRIC_COUNTER,
		      "Hardware monitor for joules used so far (input)", 1);
	assert_sample(ms, 45, "node_hwmon_humidity", "chip", NCT, "sensor", "humidity1");
	assert_sample(ms, 1098, "node_hwmon_fan_rpm", "chip", NCT, "sensor", "fan2");
	assert_sample(ms, 27000, "node_hwmon_fan_target_rpm", "chip", NCT, "sensor", "fan2");
	assert_sample(ms, 2, "node_hwmon_fan_pulses", "chip", NCT, "sensor", "fan2");
	assert_sample(ms, 0, "node_hwmon_in_alarm", "chip", NCT, "sensor", "in0");
	assert_sample(ms, 0, "node_hwmon_in_beep_enabled", "chip", NCT, "sensor", "in0");
	assert_sample(ms, 1, "node_hwmon_intrusion_alarm", "chip", NCT, "sensor", "intrusion0");
	assert_sample(ms, 153, "node_hwmon_pwm", "chip", NCT, "sensor", "pwm1");
	assert_sample(ms, 30000, "node_hwmon_pwm_auto_point1_temp", "chip", NCT, "sensor", "pwm1");
	assert_sample(ms, 4, "node_hwmon_temp_type", "chip", NCT, "sensor", "temp3");
	assert_sample(ms, 1, "node_hwmon_beep_enabled", "chip", NCT, "sensor", "beep_enable0");
	assert_sample(ms, 12.4, "node_hwmon_voltage_regulator_version", "chip", NCT, "sensor",
		      "vrm0");
	assert_sample(ms, 1, "node_hwmon_update_interval_seconds", "chip", NCT, "sensor",
		      "update_interval0");
	/* "fan_x1y" reads as type fan, property x1y, as Go's regex backtracks. */
	assert_sample(ms, 7, "node_hwmon_fan_x1y", "chip", NCT, "sensor", "fan0");
	/* Not a number: skipped, not an error. */
	assert_null(ms_find(ms, "node_hwmon_temp_offset_celsius"));
	/* An old driver's values under device/, a directory named like a type skipped. */
	assert_sample(ms, 1998, "node_hwmon_fan_rpm", "chip", "platform_applesmc_768", "sensor",
		      "fan1");
	assert_sample(ms, 0, "node_hwmon_fan_manual", "chip", "platform_applesmc_768", "sensor",
		      "fan1");
	assert_int_equal(ca_nsamples(ms, "node_hwmon_fan_min_rpm"), 1);
	/* Two chips of one device told apart by their name files. */
	assert_sample(ms, 2, "node_hwmon_pwm_enable", "chip", "platform_asus_nb_wmi_asus", "sensor",
		      "pwm1");
	assert_sample(ms, 2, "node_hwmon_pwm_enable", "chip", "platform_asus_nb_wmi_asus_wmi_sensors",
		      "sensor", "pwm1");
	assert_sample(ms, 1, "node_hwmon_chip_names", "chip", CORE, "chip_name", "coretemp");
	assert_int_equal(ca_nsamples(ms, "node_hwmon_chip_names"), 4);
	/* No device, no name file: hwmonN; the GPU clock named by its label. */
	assert_sample(ms, 214, "node_hwmon_freq_freq_mhz", "chip", "hwmon4", "sensor", "sclk");
	assert_sample(ms, 40, "node_hwmon_temp_celsius", "chip", "hwmon4", "sensor", "temp1");
	assert_sample(ms, 1, "node_hwmon_sensor_label", "chip", CORE, "label", "Package id 0",
		      "sensor", "temp1");
	/* A byte that is not UTF-8 becomes U+FFFD. */
	assert_sample(ms, 1, "node_hwmon_sensor_label", "chip", "hwmon4", "label",
		      "foo\xef\xbf\xbdsensor", "sensor", "temp1");
	assert_family(ms, "node_hwmon_temp_celsius", METRIC_GAUGE,
		      "Hardware monitor for temperature (input)", 4);
	ms_free(ms);
}

static struct metric_set *collect_with(const char *flag, const char *flag2)
{
	const char *flags[] = { flag, flag2, NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_hwmon, "default", ms, flags), 0);
	return ms;
}

static void test_hwmon_filters(void **state)
{
	struct metric_set *ms = collect_with("--collector.hwmon.chip-include=^platform_coretemp",
					     NULL);

	assert_int_equal(ca_nsamples(ms, "node_hwmon_temp_celsius"), 2);
	assert_int_equal(ca_nsamples(ms, "node_hwmon_chip_names"), 1);
	ms_free(ms);

	ms = collect_with("--collector.hwmon.chip-exclude=nct|asus|applesmc|hwmon4",
			  "--collector.hwmon.sensor-exclude=^platform_coretemp_0;temp2$");
	assert_int_equal(ca_nsamples(ms, "node_hwmon_temp_celsius"), 1);
	assert_sample(ms, 55, "node_hwmon_temp_celsius", "chip", CORE, "sensor", "temp1");
	ms_free(ms);

	ms = collect_with("--collector.hwmon.sensor-include=;fan", NULL);
	assert_int_equal(ca_nsamples(ms, "node_hwmon_fan_rpm"), 2);
	assert_null(ms_find(ms, "node_hwmon_temp_celsius"));
	ms_free(ms);
}

static void test_hwmon_errors(void **state)
{
	/* No hwmon class at all: a host without sensors, quiet. */
	static const struct ca_tree_err cases[] = {
		{ "does-not-exist", -ENODATA },
		{ "garbled", -ENODATA },
	};
	struct ca_file hostile[] = {
		{ "sys/class/hwmon/hwmon0/temp1_input", "4\0002\n", 4 },
		{ "sys/class/hwmon/hwmon0/temp2_input", "\n\n\n", 0 },
		{ "sys/class/hwmon/hwmon0/temp3_input", "1e999999\n", 0 },
		{ "sys/class/hwmon/hwmon0/temp99999999999999999999_input", "1\n", 0 },
		{ "sys/class/hwmon/hwmon0/temp4_", "1\n", 0 },
		{ "sys/class/hwmon/hwmon0/temp5_input", "-7000\n", 0 },
		{ "sys/class/hwmon/hwmon0/name", "\n", 0 },
		{ "sys/class/hwmon/hwmon1", "not a directory\n", 0 },
	};
	struct metric_set *ms;

	assert_collect_errors(&collector_hwmon, cases, ARRAY_SIZE(cases), true);
	ms = ca_collect_case(&collector_hwmon, hostile, ARRAY_SIZE(hostile), 0, 0);
	assert_int_equal(ca_nsamples(ms, "node_hwmon_temp_celsius"), 1);
	assert_sample(ms, -7, "node_hwmon_temp_celsius", "chip", "hwmon0", "sensor", "temp5");
	assert_null(ms_find(ms, "node_hwmon_chip_names"));
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hwmon_default),
		cmocka_unit_test(test_hwmon_filters),
		cmocka_unit_test(test_hwmon_errors),
	};
	return cmocka_run_group_tests_name("hwmon", tests, NULL, NULL);
}
