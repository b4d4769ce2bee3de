#include "collect_assert.h"

static void test_selinux_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_selinux, "default", 0);

	assert_family(ms, "node_selinux_enabled", METRIC_GAUGE,
		      "SELinux is enabled, 1 is true, 0 is false", 1);
	assert_sample(ms, 1, "node_selinux_enabled");
	assert_sample(ms, 1, "node_selinux_current_mode");
	assert_sample(ms, 0, "node_selinux_config_mode"); /* SELINUX=permissive */
	ms_free(ms);
}

static void test_selinux_cases(void **state)
{
	static const struct ca_file disabled[] = {
		{ "sys/kernel/mm/x", "x\n", 0 },
	};
	static const struct ca_file enforcing[] = {
		{ "sys/fs/selinux/enforce", "0\n", 0 },
		{ "root/etc/selinux/config", "SELINUX=\"enforcing\"\n", 0 },
	};
	static const struct ca_file no_config[] = {
		{ "sys/fs/selinux/enforce", "1\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "sys/fs/selinux/enforce", "2\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_selinux, disabled, 1, 0, 0);
	assert_sample(ms, 0, "node_selinux_enabled");
	assert_null(ms_find(ms, "node_selinux_current_mode"));
	assert_null(ms_find(ms, "node_selinux_config_mode"));
	ms_free(ms);
	ms = ca_collect_case(&collector_selinux, enforcing, 2, 1, 0);
	assert_sample(ms, 1, "node_selinux_config_mode");
	assert_sample(ms, 0, "node_selinux_current_mode");
	ms_free(ms);
	/* No config: go-selinux's DefaultEnforceMode() says disabled, -1. */
	ms = ca_collect_case(&collector_selinux, no_config, 1, 2, 0);
	assert_sample(ms, -1, "node_selinux_config_mode");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_selinux, garbled, 1, 3, -EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selinux_default),
		cmocka_unit_test(test_selinux_cases),
	};
	return cmocka_run_group_tests_name("selinux", tests, NULL, NULL);
}
