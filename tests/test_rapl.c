#include "collect_assert.h"
#include "util.h"

#define RAPL FIXTURES "/default/sys/class/powercap/"

static void test_rapl_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_rapl, "default", 0);

	/* "package-N" carries its index; "dram" twice is numbered 0, 1. */
	assert_sample(ms, 240422.366267, "node_rapl_package_joules_total", "index", "0", "path",
		      RAPL "intel-rapl:0");
	assert_sample(ms, 1, "node_rapl_package_joules_total", "index", "1", "path",
		      RAPL "intel-rapl:1");
	assert_sample(ms, 118821.284256, "node_rapl_core_joules_total", "index", "0", "path",
		      RAPL "intel-rapl:0:0");
	assert_sample(ms, 5.05, "node_rapl_dram_joules_total", "index", "0", "path",
		      RAPL "intel-rapl:0:1");
	assert_sample(ms, 2.5, "node_rapl_dram_joules_total", "index", "1", "path",
		      RAPL "intel-rapl:1:0");
	assert_family(ms, "node_rapl_dram_joules_total", METRIC_COUNTER,
		      "Current RAPL dram value in joules", 2);
	ms_free(ms);
}

static void test_rapl_zone_label(void **state)
{
	const char *flags[] = { "--collector.rapl.enable-zone-label", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_rapl, "default", ms, flags), 0);
	assert_family(ms, "node_rapl_joules_total", METRIC_COUNTER, "Current RAPL value in joules",
		      5);
	assert_sample(ms, 2.5, "node_rapl_joules_total", "index", "1", "path", RAPL "intel-rapl:1:0",
		      "rapl_zone", "dram");
	assert_null(ms_find(ms, "node_rapl_dram_joules_total"));
	ms_free(ms);
}

static void test_rapl_errors(void **state)
{
	static const struct ca_file garbled[] = {
		{ "sys/class/powercap/intel-rapl:0/name", "package-0\n", 0 },
		{ "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n", 0 },
		{ "sys/class/powercap/intel-rapl:0/energy_uj", "-5\n", 0 },
	};
	static const struct ca_file odd_name[] = {
		{ "sys/class/powercap/x/name", "psys-a.b--c\n", 0 },
		{ "sys/class/powercap/x/max_energy_range_uj", "1\n", 0 },
		{ "sys/class/powercap/x/energy_uj", "3000000\n", 0 },
	};
	static const struct ca_file no_counter[] = {
		{ "sys/class/powercap/x/name", "core\n", 0 },
		{ "sys/class/powercap/x/max_energy_range_uj", "1\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_rapl, garbled, ARRAY_SIZE(garbled), 0, -EINVAL));
	ms = ca_collect_case(&collector_rapl, odd_name, ARRAY_SIZE(odd_name), 1, 0);
	assert_int_equal(ms_nfamilies(ms), 1);
	assert_non_null(ms_find(ms, "node_rapl_psys_a_b_c_joules_total"));
	ms_free(ms);
	ms_free(ca_collect_case(&collector_rapl, no_counter, ARRAY_SIZE(no_counter), 2, -ENODATA));
	ms_free(ca_collect_tree(&collector_rapl, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rapl_default),
		cmocka_unit_test(test_rapl_zone_label),
		cmocka_unit_test(test_rapl_errors),
	};
	return cmocka_run_group_tests_name("rapl", tests, NULL, NULL);
}
