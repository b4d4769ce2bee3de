#include "collect_assert.h"
#include "util.h"

static void test_nvme_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_nvme, "default", 0);

	assert_sample(ms, 1, "node_nvme_info", "device", "nvme0", "firmware_revision", "4B2QGXA7",
		      "model", "Samsung SSD 980 PRO 1TB", "serial", "S5GXNX0R123456A", "state", "live",
		      "cntlid", "6");
	assert_sample(ms, 1, "node_nvme_namespace_info", "device", "nvme0", "nsid", "1",
		      "ana_state", "unknown");
	/* procfs's arithmetic: blocks times the logical block size. */
	assert_sample(ms, 1953525168.0 * 512, "node_nvme_namespace_size_bytes", "device", "nvme0",
		      "nsid", "1");
	assert_sample(ms, 1953525168.0 * 512, "node_nvme_namespace_capacity_bytes", "device",
		      "nvme0", "nsid", "1");
	assert_sample(ms, 312543400.0 * 512, "node_nvme_namespace_used_bytes", "device", "nvme0",
		      "nsid", "1");
	assert_sample(ms, 512, "node_nvme_namespace_logical_block_size_bytes", "device", "nvme0",
		      "nsid", "1");
	/* The multipath path device nvme0c0n1 is not a namespace of its own. */
	assert_int_equal(ca_nsamples(ms, "node_nvme_namespace_info"), 1);
	ms_free(ms);
}

static void test_nvme_errors(void **state)
{
	static const struct ca_file missing[] = {
		{ "sys/class/nvme/nvme1/model", "X\n", 0 },
	};
	static const struct ca_file odd[] = {
		{ "sys/class/nvme/nvme1/firmware_rev", "1\n", 0 },
		{ "sys/class/nvme/nvme1/model", "M\xff\n", 0 },
		{ "sys/class/nvme/nvme1/serial", "S\n", 0 },
		{ "sys/class/nvme/nvme1/state", "dead\n", 0 },
		{ "sys/class/nvme/nvme1/cntlid", "1\n", 0 },
		{ "sys/class/nvme/nvme1/nvme1n2/nuse", "lots\n", 0 },
		{ "sys/class/nvme/nvme1/nvme1n2/size", "8\n", 0 },
		{ "sys/class/nvme/nvme1/nvme1n2/queue/logical_block_size", "4096\n", 0 },
		{ "sys/class/nvme/nvme1/nvme1n2/ana_state", "optimized\n", 0 },
	};
	struct metric_set *ms;

	ms_free(ca_collect_case(&collector_nvme, missing, 1, 0, -ENOENT));
	ms = ca_collect_case(&collector_nvme, odd, ARRAY_SIZE(odd), 1, 0);
	assert_sample(ms, 0, "node_nvme_namespace_used_bytes", "device", "nvme1", "nsid", "2");
	assert_sample(ms, 32768, "node_nvme_namespace_size_bytes", "device", "nvme1", "nsid", "2");
	assert_sample(ms, 1, "node_nvme_namespace_info", "device", "nvme1", "nsid", "2",
		      "ana_state", "optimized");
	assert_non_null(fixture_find_labeled(ms, "node_nvme_info", "model", "M\xef\xbf\xbd"));
	ms_free(ms);
	/* A namespace without its size: the controller's data is incomplete. */
	ms_free(ca_collect_case(&collector_nvme, odd, ARRAY_SIZE(odd) - 3, 2, -ENOENT));
	ms_free(ca_collect_tree(&collector_nvme, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_default),
		cmocka_unit_test(test_nvme_errors),
	};
	return cmocka_run_group_tests_name("nvme", tests, NULL, NULL);
}
