#include "collect_assert.h"
#include "util.h"

static void test_meminfo_default(void **state)
{
	static const struct {
		const char *name;
		double value;
	} want[] = {
		{ "node_memory_MemTotal_bytes", 24683656.0 * 1024 },
		{ "node_memory_MemAvailable_bytes", 24226884.0 * 1024 },
		{ "node_memory_Active_anon_bytes", 1572.0 * 1024 },
		{ "node_memory_Inactive_file_bytes", 1262052.0 * 1024 },
		{ "node_memory_SwapTotal_bytes", 0 },
		{ "node_memory_VmallocTotal_bytes", 34359738367.0 * 1024 },
		{ "node_memory_HugePages_Total", 0 },
		{ "node_memory_Hugepagesize_bytes", 2048.0 * 1024 },
		{ "node_memory_DirectMap1G_bytes", 25165824.0 * 1024 },
	};
	struct metric_set *ms = ca_collect_tree(&collector_meminfo, "default", 0);

	/* One family per line of the file. */
	assert_int_equal(ms_nfamilies(ms), 54);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_sample(ms, want[i].value, want[i].name);
	assert_family(ms, "node_memory_Active_anon_bytes", METRIC_GAUGE,
		      "Memory information field Active_anon_bytes.", 1);
	assert_family(ms, "node_memory_HugePages_Total", METRIC_GAUGE,
		      "Memory information field HugePages_Total.", 1);
	assert_null(ms_find(ms, "node_memory_HugePages_Total_bytes"));
	assert_null(ms_find(ms, "node_memory_Active(anon)_bytes"));
	ms_free(ms);
}

static void test_meminfo_trees(void **state)
{
	/* No swap configured at build time: fewer fields, not an error. */
	struct metric_set *ms = ca_collect_tree(&collector_meminfo, "no-swap", 0);

	assert_int_equal(ms_nfamilies(ms), 49);
	assert_null(ms_find(ms, "node_memory_SwapTotal_bytes"));
	assert_sample(ms, 24683656.0 * 1024, "node_memory_MemTotal_bytes");
	ms_free(ms);

	ms = ca_collect_tree(&collector_meminfo, "oldkernel", 0);
	assert_int_equal(ms_nfamilies(ms), 30);
	assert_null(ms_find(ms, "node_memory_MemAvailable_bytes"));
	assert_sample(ms, 4185800.0 * 1024, "node_memory_SwapFree_bytes");
	assert_sample(ms, 0, "node_memory_HugePages_Rsvd");
	ms_free(ms);
}

static void test_meminfo_inputs(void **state)
{
	static const struct {
		const char *text;
		int err;
		size_t nfamilies;
	} cases[] = {
		{ "MemTotal: 1 kB\n", 0, 1 },
		{ "MemTotal:1 kB\nFoo: 3\n", 0, 2 },
		{ "MemTotal:\t1\tkB\t\n", 0, 1 },
		{ "MemFree: 1 kB\n", -EINVAL, 0 },              /* no MemTotal */
		{ "MemTotal: 1 kB\nMemTotal: 2 kB\n", -EINVAL, 0 },
		{ "MemTotal: 1 MB\n", -EINVAL, 0 },
		{ "MemTotal: 1 kBx\n", -EINVAL, 0 },
		{ "MemTotal: 1 kB 2\n", -EINVAL, 0 },
		{ "MemTotal: kB\n", -EINVAL, 0 },
		{ "MemTotal: -1 kB\n", -EINVAL, 0 },
		{ "MemTotal 1 kB\n", -EINVAL, 0 },
		{ "Mem Total: 1 kB\n", -EINVAL, 0 },
		{ "Mem\"Total: 1 kB\n", -EINVAL, 0 },
		{ ": 1 kB\n", -EINVAL, 0 },
		{ "MemTotal: 1 kB\n\n", -EINVAL, 0 },
		{ "MemTotal: 1 kB", -EINVAL, 0 },               /* cut short */
		{ "MemTotal: 99999999999999999999 kB\n", -EINVAL, 0 },
		{ "MemTotal: 1 kB\n"
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: 1\n",
		  -EINVAL, 0 },                                 /* name too long */
		{ "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { "proc/meminfo", cases[i].text, 0 };
		struct metric_set *ms = ca_collect_case(&collector_meminfo, &f, 1, i, cases[i].err);

		if (!cases[i].err) {
			assert_int_equal(ms_nfamilies(ms), cases[i].nfamilies);
			assert_sample(ms, 1024, "node_memory_MemTotal_bytes");
		}
		ms_free(ms);
	}
}

static void test_meminfo_errors(void **state)
{
	assert_collect_errors(&collector_meminfo, ca_bad_trees, ARRAY_SIZE(ca_bad_trees), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo_default),
		cmocka_unit_test(test_meminfo_trees),
		cmocka_unit_test(test_meminfo_inputs),
		cmocka_unit_test(test_meminfo_errors),
	};
	return cmocka_run_group_tests_name("meminfo", tests, NULL, NULL);
}
