#include "collect_assert.h"
#include "util.h"

static void test_watchdog_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_watchdog, "default", 0);

	assert_sample(ms, 32, "node_watchdog_bootstatus", "name", "watchdog0");
	assert_sample(ms, 1, "node_watchdog_fw_version", "name", "watchdog0");
	assert_sample(ms, 1, "node_watchdog_nowayout", "name", "watchdog0");
	assert_sample(ms, 27, "node_watchdog_timeleft_seconds", "name", "watchdog0");
	assert_sample(ms, 30, "node_watchdog_timeout_seconds", "name", "watchdog0");
	assert_sample(ms, 0, "node_watchdog_pretimeout_seconds", "name", "watchdog0");
	assert_family(ms, "node_watchdog_timeout_seconds", METRIC_GAUGE,
		      "Value of /sys/class/watchdog/<watchdog>/timeout", 1);
	/* watchdog0 has no access_cs0; watchdog1 has no attributes at all. */
	assert_null(ms_find(ms, "node_watchdog_access_cs0"));
	assert_sample(ms, 1, "node_watchdog_info", "name", "watchdog0", "options", "0x8180",
		      "identity", "iTCO_wdt", "state", "active", "status", "0x8000",
		      "pretimeout_governor", "panic");
	assert_sample(ms, 1, "node_watchdog_info", "name", "watchdog1", "options", "", "identity",
		      "", "state", "", "status", "", "pretimeout_governor", "");
	ms_free(ms);
}

static void test_watchdog_errors(void **state)
{
	static const struct ca_file garbled[] = {
		{ "sys/class/watchdog/watchdog0/timeout", "thirty\n", 0 },
	};
	static const struct ca_file bad_label[] = {
		{ "sys/class/watchdog/watchdog0/identity", "i\xc0TCO\n", 0 },
		{ "sys/class/watchdog/watchdog0/timeleft", "-1\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_watchdog, garbled, 1, 0, -EINVAL));
	ms = ca_collect_case(&collector_watchdog, bad_label, 2, 1, 0);
	assert_sample(ms, -1, "node_watchdog_timeleft_seconds", "name", "watchdog0");
	assert_non_null(fixture_find_labeled(ms, "node_watchdog_info", "identity",
					     "i\xef\xbf\xbdTCO"));
	ms_free(ms);
	ms_free(ca_collect_tree(&collector_watchdog, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_default),
		cmocka_unit_test(test_watchdog_errors),
	};
	return cmocka_run_group_tests_name("watchdog", tests, NULL, NULL);
}
