#include "collect_assert.h"
#include "util.h"

static void test_loadavg_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_loadavg, "default", 0);

	assert_sample(ms, 0.52, "node_load1");
	assert_sample(ms, 0.33, "node_load5");
	assert_sample(ms, 0.21, "node_load15");
	ms_free(ms);
}

static void test_loadavg_errors(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "garbled", -EINVAL },
		{ "does-not-exist", -ENOENT },
	};

	assert_collect_errors(&collector_loadavg, cases, ARRAY_SIZE(cases), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadavg_default),
		cmocka_unit_test(test_loadavg_errors),
	};
	return cmocka_run_group_tests_name("loadavg", tests, NULL, NULL);
}
