#include <stdlib.h>
#include <time.h>

#include "collect_assert.h"
#include "util.h"

#define AVAIL "node_time_clocksource_available_info"
#define CUR "node_time_clocksource_current_info"

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_time_default(void **state)
{
	struct metric_set *ms = ms_new();
	double before = now_realtime(), after;

	set_tz("UTC");
	assert_int_equal(ca_collect(&collector_time, "default", ms), 0);
	after = now_realtime();
	assert_int_equal(ms_nfamilies(ms), 4);
	assert_family(ms, "node_time_seconds", METRIC_GAUGE,
		      "System time in seconds since epoch (1970).", 1);
	const struct sample *s = fixture_find(ms, "node_time_seconds", NULL);
	assert_true(s->value >= before && s->value <= after);
	assert_family(ms, "node_time_zone_offset_seconds", METRIC_GAUGE,
		      "System time zone offset in seconds.", 1);
	assert_sample(ms, 0, "node_time_zone_offset_seconds", "time_zone", "UTC");
	assert_family(ms, AVAIL, METRIC_GAUGE,
		      "Available clocksources read from '/sys/devices/system/clocksource'.", 2);
	assert_family(ms, CUR, METRIC_GAUGE,
		      "Current clocksource read from '/sys/devices/system/clocksource'.", 1);
	assert_sample(ms, 1, AVAIL, "clocksource", "tsc", "device", "0");
	assert_sample(ms, 1, AVAIL, "clocksource", "kvm-clock", "device", "0");
	assert_sample(ms, 1, CUR, "clocksource", "tsc", "device", "0");
	/* node_exporter's label order */
	assert_string_equal(ms_find(ms, CUR)->samples[0].labels[0].name, "clocksource");
	ms_free(ms);
}

static void test_time_zones(void **state)
{
	static const struct {
		const char *tz, *zone;
		double offset;
	} cases[] = {
		{ "UTC", "UTC", 0 },
		{ "IST-5:30", "IST", 19800 },
		{ "XST+8", "XST", -28800 },
		{ "Asia/Kolkata", "IST", 19800 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct metric_set *ms = ms_new();

		set_tz(cases[i].tz);
		assert_int_equal(ca_collect(&collector_time, "default", ms), 0);
		assert_sample(ms, cases[i].offset, "node_time_zone_offset_seconds", "time_zone",
			      cases[i].zone);
		ms_free(ms);
	}
	set_tz("UTC");
}

static void test_time_devices(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_time, "many-cpus", 0);

	assert_int_equal(ca_nsamples(ms, AVAIL), 4);
	assert_int_equal(ca_nsamples(ms, CUR), 2);
	assert_sample(ms, 1, AVAIL, "clocksource", "acpi_pm", "device", "0");
	assert_sample(ms, 1, CUR, "clocksource", "jiffies", "device", "1");
	/* Sorted by device whatever readdir says. */
	assert_string_equal(ms_find(ms, CUR)->samples[0].labels[1].value, "0");
	assert_string_equal(ms_find(ms, CUR)->samples[1].labels[1].value, "1");
	ms_free(ms);

	/* No clocksource directory: time and zone only. */
	ms = ca_collect_tree(&collector_time, "oldkernel", 0);
	assert_int_equal(ms_nfamilies(ms), 2);
	assert_null(ms_find(ms, AVAIL));
	ms_free(ms);
}

#define CS "sys/devices/system/clocksource/"

static void test_time_inputs(void **state)
{
	static const struct {
		const char *avail, *cur;
		int err;
	} cases[] = {
		{ "tsc hpet\n", "tsc\n", 0 },
		{ "tsc", "tsc", 0 },
		{ "  tsc\t hpet  \n", " tsc \n", 0 },
		{ "tsc hpet\n", "tsc hpet\n", -EINVAL },
		{ "tsc hpet\n", "\n", -EINVAL },
		{ "\n", "tsc\n", -EINVAL },
		{ "tsc\nhpet\n", "tsc\n", -EINVAL },
		{ "tsc \xfe\n", "tsc\n", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ca_file files[] = {
			{ CS "clocksource0/available_clocksource", cases[i].avail, 0 },
			{ CS "clocksource0/current_clocksource", cases[i].cur, 0 },
			{ CS "clocksourcex/current_clocksource", "ignored\n", 0 },
			{ CS "power/uevent", "", 0 },
		};
		struct metric_set *ms =
		    ca_collect_case(&collector_time, files, ARRAY_SIZE(files), i, cases[i].err);

		if (!cases[i].err) {
			assert_sample(ms, 1, CUR, "clocksource", "tsc", "device", "0");
			assert_int_equal(ca_nsamples(ms, CUR), 1);
		}
		ms_free(ms);
	}
	/* A device directory without its files. */
	const struct ca_file half[] = { { CS "clocksource0/available_clocksource", "tsc\n", 0 } };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_files(&collector_time, half, 1, ms), -ENOENT);
	ms_free(ms);
}

static void test_time_errors(void **state)
{
	ms_free(ca_collect_tree(&collector_time, "garbled", -EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_default), cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_time_devices), cmocka_unit_test(test_time_inputs),
		cmocka_unit_test(test_time_errors),
	};
	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
