#include "collect_assert.h"

static void test_os_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_os, "default", 0);

	assert_family(ms, "node_os_info", METRIC_GAUGE,
		      "A metric with a constant '1' value labeled by build_id, id, id_like, "
		      "image_id, image_version, name, pretty_name, variant, variant_id, version, "
		      "version_codename, version_id.", 1);
	assert_sample(ms, 1, "node_os_info", "build_id", "", "id", "ubuntu", "id_like", "debian",
		      "image_id", "", "image_version", "", "name", "Ubuntu", "pretty_name",
		      "Ubuntu 24.04.1 LTS", "variant", "", "variant_id", "", "version",
		      "24.04.1 LTS (Noble Numbat)", "version_codename", "noble", "version_id",
		      "24.04");
	assert_sample(ms, 24.04, "node_os_version", "id", "ubuntu", "id_like", "debian", "name",
		      "Ubuntu");
	/* SUPPORT_END='2029-05-31', midnight UTC. */
	assert_sample(ms, 1874880000, "node_os_support_end_timestamp_seconds");
	ms_free(ms);
}

static void test_os_cases(void **state)
{
	/* /etc wins over /usr/lib; escapes, comments and export decoded. */
	static const struct ca_file both[] = {
		{ "root/etc/os-release",
		  "# local build\nexport NAME=\"Fancy \\\"Linux\\\"\"  # trailing\nID=fancy\n"
		  "VERSION_ID=rolling\nBUILD_ID='2026 11 30'\n\n", 0 },
		{ "root/usr/lib/os-release", "NAME=Other\nVERSION_ID=9\n", 0 },
	};
	static const struct ca_file usr_lib[] = {
		{ "root/usr/lib/os-release", "NAME=Debian\nID=debian\nVERSION_ID=\"12\"\n", 0 },
	};
	static const struct ca_file unclosed[] = {
		{ "root/etc/os-release", "NAME=\"Debian\nID=debian\n", 0 },
	};
	static const struct ca_file not_assign[] = {
		{ "root/etc/os-release", "NAME=Debian\nthis is prose\n", 0 },
	};
	static const struct ca_file bad_date[] = {
		{ "root/etc/os-release", "NAME=x\nSUPPORT_END=2025-02-30\n", 0 },
	};
	static const struct ca_file none[] = {
		{ "root/etc/hostname", "x\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_os, both, 2, 0, 0);
	assert_non_null(fixture_find_labeled(ms, "node_os_info", "name", "Fancy \"Linux\""));
	assert_non_null(fixture_find_labeled(ms, "node_os_info", "build_id", "2026 11 30"));
	/* "rolling" has no leading number: no node_os_version, as in node_exporter. */
	assert_null(ms_find(ms, "node_os_version"));
	assert_null(ms_find(ms, "node_os_support_end_timestamp_seconds"));
	ms_free(ms);
	ms = ca_collect_case(&collector_os, usr_lib, 1, 1, 0);
	assert_sample(ms, 12, "node_os_version", "id", "debian", "id_like", "", "name", "Debian");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_os, unclosed, 1, 2, -EINVAL));
	ms_free(ca_collect_case(&collector_os, not_assign, 1, 3, -EINVAL));
	ms_free(ca_collect_case(&collector_os, bad_date, 1, 4, -EINVAL));
	ms_free(ca_collect_case(&collector_os, none, 1, 5, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_default),
		cmocka_unit_test(test_os_cases),
	};
	return cmocka_run_group_tests_name("os", tests, NULL, NULL);
}
