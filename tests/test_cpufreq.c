#include "collect_assert.h"
#include "util.h"

static void test_cpufreq_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_cpufreq, "default", 0);

	/* kHz in sysfs, hertz in the series. */
	assert_sample(ms, 2300001000.0, "node_cpu_frequency_hertz", "cpu", "0");
	assert_sample(ms, 1250000000.0, "node_cpu_frequency_avg_hertz", "cpu", "1");
	assert_sample(ms, 800000000.0, "node_cpu_frequency_min_hertz", "cpu", "0");
	assert_sample(ms, 4200000000.0, "node_cpu_frequency_max_hertz", "cpu", "1");
	assert_sample(ms, 2299999000.0, "node_cpu_scaling_frequency_hertz", "cpu", "0");
	assert_sample(ms, 1200000000.0, "node_cpu_scaling_frequency_hertz", "cpu", "1");
	assert_sample(ms, 800000000.0, "node_cpu_scaling_frequency_min_hertz", "cpu", "1");
	assert_sample(ms, 4200000000.0, "node_cpu_scaling_frequency_max_hertz", "cpu", "0");
	assert_family(ms, "node_cpu_scaling_governor", METRIC_GAUGE,
		      "Current enabled CPU frequency governor.", 4);
	assert_sample(ms, 1, "node_cpu_scaling_governor", "cpu", "0", "governor", "powersave");
	assert_sample(ms, 0, "node_cpu_scaling_governor", "cpu", "0", "governor", "performance");
	assert_sample(ms, 1, "node_cpu_scaling_governor", "cpu", "1", "governor", "performance");
	/* cpu1 has no cpuinfo_cur_freq, cpu2 is offline, cpu3 has no cpufreq. */
	assert_int_equal(ca_nsamples(ms, "node_cpu_frequency_hertz"), 1);
	assert_int_equal(ca_nsamples(ms, "node_cpu_scaling_frequency_hertz"), 2);
	ms_free(ms);
}

static void test_cpufreq_errors(void **state)
{
	static const struct ca_file base[] = {
		{ "sys/devices/system/cpu/offline", "\n", 0 },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "ondemand\n", 0 },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors",
		  "ondemand performance\n", 0 },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1000\n", 0 },
	};
	static const struct {
		const char *path, *text;
		int want;
	} cases[] = {
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "fast\n", -EINVAL },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_min_freq", "-1\n", -EINVAL },
		{ "sys/devices/system/cpu/offline", "0-\n", -EINVAL },
		{ "sys/devices/system/cpu/offline", "3-1\n", -EINVAL },
		{ "sys/devices/system/cpu/offline", "0\n", 0 },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "\n", 0 },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "a\x01\n", -EINVAL },
		{ "sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "2000\n", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file files[ARRAY_SIZE(base) + 1];
		struct metric_set *ms;

		memcpy(files, base, sizeof(base));
		files[ARRAY_SIZE(base)] = (struct ca_file){ cases[i].path, cases[i].text, 0 };
		ms = ca_collect_case(&collector_cpufreq, files, ARRAY_SIZE(files), i, cases[i].want);
		if (i == 4 || i == 5)
			assert_int_equal(ca_nsamples(ms, "node_cpu_scaling_governor"), 0);
		if (i == 7) {
			assert_sample(ms, 2000000, "node_cpu_scaling_frequency_max_hertz", "cpu", "0");
			assert_sample(ms, 1, "node_cpu_scaling_governor", "cpu", "0", "governor",
				      "ondemand");
			assert_sample(ms, 0, "node_cpu_scaling_governor", "cpu", "0", "governor",
				      "performance");
		}
		ms_free(ms);
	}
	/* No CPU directory at all: not this host's data. */
	ms_free(ca_collect_tree(&collector_cpufreq, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpufreq_default),
		cmocka_unit_test(test_cpufreq_errors),
	};
	return cmocka_run_group_tests_name("cpufreq", tests, NULL, NULL);
}
