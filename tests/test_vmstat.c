#include "collect_assert.h"
#include "util.h"

static void test_vmstat_default(void **state)
{
	static const struct {
		const char *name;
		double value;
	} want[] = {
		{ "node_vmstat_pgpgin", 1639533 },   { "node_vmstat_pgpgout", 1911900 },
		{ "node_vmstat_pswpin", 17 },        { "node_vmstat_pswpout", 42 },
		{ "node_vmstat_pgfault", 4732727 },  { "node_vmstat_pgmajfault", 1347 },
		{ "node_vmstat_oom_kill", 2 },
	};
	struct metric_set *ms = ca_collect_tree(&collector_vmstat, "default", 0);

	assert_int_equal(ms_nfamilies(ms), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_sample(ms, want[i].value, want[i].name);
	assert_family(ms, "node_vmstat_pgmajfault", METRIC_UNTYPED,
		      "/proc/vmstat information field pgmajfault.", 1);
	/* Outside the default filter. */
	assert_null(ms_find(ms, "node_vmstat_thp_fault_alloc"));
	assert_null(ms_find(ms, "node_vmstat_workingset_refault_file"));
	assert_null(ms_find(ms, "node_vmstat_nr_free_pages"));
	ms_free(ms);
}

/* No oom_kill before 4.13: fewer series, not an error. */
static void test_vmstat_old_kernel(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_vmstat, "oldkernel", 0);

	assert_int_equal(ms_nfamilies(ms), 6);
	assert_null(ms_find(ms, "node_vmstat_oom_kill"));
	assert_sample(ms, 308937227, "node_vmstat_pgfault");
	ms_free(ms);
}

/* The filter, row by row: node_exporter's ^(oom_kill|pgpg|pswp|pg.*fault).* */
static void test_vmstat_filter(void **state)
{
	static const struct {
		const char *field;
		bool wanted;
	} cases[] = {
		{ "oom_kill", true },           { "oom_kill_extra", true },
		{ "pgpgin", true },             { "pgpgoutclean", true },
		{ "pswpin", true },             { "pgfault", true },
		{ "pgmajfault", true },         { "pgmajfault_s", true },
		{ "pgfaul", false },            { "pgscan_fault_x", true },
		{ "thp_fault_alloc", false },   { "numa_hint_faults", false },
		{ "oom", false },               { "pg", false },
		{ "xpgpgin", false },           { "nr_free_pages", false },
		{ "workingset_refault_file", false },
	};
	char text[128], name[128];
	regex_t re;

	/* The hand-written default and the regex it stands for agree. */
	assert_string_equal(collector_vmstat.options[0].name, "collector.vmstat.fields");
	assert_int_equal(collector_regcomp(&re, collector_vmstat.options[0].def), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct metric_set *ms = ms_new();

		assert_int_equal(!regexec(&re, cases[i].field, 0, NULL, 0), cases[i].wanted);

		snprintf(text, sizeof(text), "nr_free_pages 1\n%s 7\n", cases[i].field);
		snprintf(name, sizeof(name), "node_vmstat_%s", cases[i].field);
		assert_int_equal(ca_collect_text(&collector_vmstat, "proc/vmstat", text, ms), 0);
		if (cases[i].wanted)
			assert_sample(ms, 7, name);
		else if (ms_nfamilies(ms))
			fail_msg("%s exported", cases[i].field);
		ms_free(ms);
	}
	regfree(&re);
}

/* A --collector.vmstat.fields given replaces the default set. */
static void test_vmstat_fields_flag(void **state)
{
	static const char *const flags[] = { "--collector.vmstat.fields=^nr_free_(pages|cma)$",
					     NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_vmstat, "default", ms, flags), 0);
	assert_int_equal(ms_nfamilies(ms), 2);
	assert_sample(ms, 836698, "node_vmstat_nr_free_pages");
	assert_sample(ms, 0, "node_vmstat_nr_free_cma");
	assert_null(ms_find(ms, "node_vmstat_pgfault"));
	ms_free(ms);
}

static void test_vmstat_inputs(void **state)
{
	static const struct {
		const char *text;
		int err;
	} cases[] = {
		{ "pgfault 1\n", 0 },
		{ "nr_free_pages x\npgfault 1\n", 0 },  /* unused lines are not parsed */
		{ "pgfault\t1\t\n", 0 },
		{ "pgfault 1\npgfault 2\n", -EINVAL },
		{ "pgfault -1\n", -EINVAL },
		{ "pgfault 1x\n", -EINVAL },
		{ "pgfault 1 2\n", -EINVAL },
		{ "pgfault\n", -EINVAL },
		{ "pgfault 1", -EINVAL },
		{ "pgfault.x 1\n", -EINVAL },           /* not a metric name */
		{ "", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { "proc/vmstat", cases[i].text, 0 };
		struct metric_set *ms = ca_collect_case(&collector_vmstat, &f, 1, i, cases[i].err);

		if (!cases[i].err)
			assert_sample(ms, 1, "node_vmstat_pgfault");
		ms_free(ms);
	}
}

static void test_vmstat_errors(void **state)
{
	assert_collect_errors(&collector_vmstat, ca_bad_trees, ARRAY_SIZE(ca_bad_trees), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmstat_default), cmocka_unit_test(test_vmstat_old_kernel),
		cmocka_unit_test(test_vmstat_filter),  cmocka_unit_test(test_vmstat_inputs),
		cmocka_unit_test(test_vmstat_errors), cmocka_unit_test(test_vmstat_fields_flag),
	};
	return cmocka_run_group_tests_name("vmstat", tests, NULL, NULL);
}
