#include "fixture.h"

static void test_loadavg_default(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "default");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_loadavg.collect(&ctx, ms), 0);
	assert_sample(ms, 0.52, "node_load1");
	assert_sample(ms, 0.33, "node_load5");
	assert_sample(ms, 0.21, "node_load15");
	ms_free(ms);
}

static void test_loadavg_garbled(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "garbled");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_loadavg.collect(&ctx, ms), -EINVAL);
	ms_free(ms);
}

static void test_loadavg_missing(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "does-not-exist");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_loadavg.collect(&ctx, ms), -ENOENT);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadavg_default),
		cmocka_unit_test(test_loadavg_garbled),
		cmocka_unit_test(test_loadavg_missing),
	};
	return cmocka_run_group_tests_name("loadavg", tests, NULL, NULL);
}
