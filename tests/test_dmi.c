#include "collect_assert.h"
#include "util.h"

static void test_dmi_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_dmi, "default", 0);
	const struct sample *s;

	assert_int_equal(ca_nsamples(ms, "node_dmi_info"), 1);
	s = &ms_find(ms, "node_dmi_info")->samples[0];
	assert_float_equal(s->value, 1, 0);
	/* Twenty fields; chassis_type, modalias and uevent are not labels. */
	assert_int_equal(s->nlabels, 20);
	assert_string_equal(sample_label(s, "bios_version"), "N3AET80W (1.45 )");
	assert_string_equal(sample_label(s, "system_vendor"), "LENOVO");
	assert_string_equal(sample_label(s, "product_uuid"), "4c4c4544-0042-3510-8052-b4c04f4a4e31");
	assert_string_equal(sample_label(s, "chassis_asset_tag"), "");
	assert_string_equal(sample_label(s, "product_version"), "Th\xef\xbf\xbd");
	assert_null(sample_label(s, "chassis_type"));
	ms_free(ms);
}

static void test_dmi_errors(void **state)
{
	static const struct ca_file partial[] = {
		{ "sys/class/dmi/id/bios_vendor", "SeaBIOS\n", 0 },
		{ "sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n", 0 },
		{ "sys/class/dmi/id/product_serial/x", "a directory, not a field\n", 0 },
		{ "sys/class/dmi/id/board_name", "a\0b\n", 4 },
	};
	static const struct ca_file none[] = {
		{ "sys/class/dmi/id/uevent", "MODALIAS=dmi:\n", 0 },
	};
	struct metric_set *ms;

	/* A NUL inside a field: the firmware's text is not trusted. */
	ms_free(ca_collect_case(&collector_dmi, partial, ARRAY_SIZE(partial), 0, -EINVAL));
	ms = ca_collect_case(&collector_dmi, partial, ARRAY_SIZE(partial) - 1, 1, 0);
	assert_sample(ms, 1, "node_dmi_info", "bios_vendor", "SeaBIOS", "product_name",
		      "Standard PC (Q35 + ICH9, 2009)");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_dmi, none, 1, 2, -ENODATA));
	ms_free(ca_collect_tree(&collector_dmi, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmi_default),
		cmocka_unit_test(test_dmi_errors),
	};
	return cmocka_run_group_tests_name("dmi", tests, NULL, NULL);
}
