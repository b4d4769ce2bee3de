#include "collect_assert.h"

static void test_conntrack_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_conntrack, "default", 0);

	assert_family(ms, "node_nf_conntrack_entries", METRIC_GAUGE,
		      "Number of currently allocated flow entries for connection tracking.", 1);
	assert_sample(ms, 1873, "node_nf_conntrack_entries");
	assert_sample(ms, 262144, "node_nf_conntrack_entries_limit");
	/* Hex columns summed over the two CPUs' lines. */
	assert_sample(ms, 0x2a + 0x11, "node_nf_conntrack_stat_found");
	assert_sample(ms, 0x117 + 0x20, "node_nf_conntrack_stat_invalid");
	assert_sample(ms, 0xa1f2 + 0x300, "node_nf_conntrack_stat_ignore");
	assert_sample(ms, 9 + 4, "node_nf_conntrack_stat_insert");
	assert_sample(ms, 1, "node_nf_conntrack_stat_insert_failed");
	assert_sample(ms, 3, "node_nf_conntrack_stat_drop");
	assert_sample(ms, 5, "node_nf_conntrack_stat_early_drop");
	assert_sample(ms, 0x10 + 6, "node_nf_conntrack_stat_search_restart");
	ms_free(ms);
}

#define CT_COUNT { "proc/sys/net/netfilter/nf_conntrack_count", "12\n", 0 }
#define CT_MAX { "proc/sys/net/netfilter/nf_conntrack_max", "65536\n", 0 }
#define CT_HEAD "entries clashres found new invalid ignore delete chainlength insert\n"

static void test_conntrack_cases(void **state)
{
	/* A 4.9 kernel: 16 columns, no search_restart. */
	static const struct ca_file old[] = {
		CT_COUNT, CT_MAX,
		{ "proc/net/stat/nf_conntrack",
		  CT_HEAD "0000000c 00000001 00000002 00000003 00000004 00000005 00000006 "
			  "00000007 00000008 00000009 0000000a 0000000b 0000000c 0000000d "
			  "0000000e 0000000f\n", 0 },
	};
	static const struct ca_file garbled[] = {
		CT_COUNT, CT_MAX,
		{ "proc/net/stat/nf_conntrack", CT_HEAD "0000000c 0000zz01\n", 0 },
	};
	static const struct ca_file short_line[] = {
		CT_COUNT, CT_MAX,
		{ "proc/net/stat/nf_conntrack", CT_HEAD "0000000c 00000001 00000002\n", 0 },
	};
	static const struct ca_file bad_count[] = {
		{ "proc/sys/net/netfilter/nf_conntrack_count", "-1\n", 0 }, CT_MAX,
	};
	static const struct ca_file no_module[] = {
		{ "proc/loadavg", "0.1 0.2 0.3 1/2 3\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_conntrack, old, ARRAY_SIZE(old), 0, 0);
	assert_sample(ms, 12, "node_nf_conntrack_entries");
	assert_sample(ms, 2, "node_nf_conntrack_stat_found");
	assert_sample(ms, 11, "node_nf_conntrack_stat_early_drop");
	assert_sample(ms, 0, "node_nf_conntrack_stat_search_restart");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_conntrack, garbled, ARRAY_SIZE(garbled), 1, -EINVAL));
	ms_free(ca_collect_case(&collector_conntrack, short_line, ARRAY_SIZE(short_line), 2,
				-EINVAL));
	ms_free(ca_collect_case(&collector_conntrack, bad_count, ARRAY_SIZE(bad_count), 3,
				-EINVAL));
	/* No nf_conntrack module: quiet, like node_exporter's ErrNoData. */
	ms_free(ca_collect_case(&collector_conntrack, no_module, ARRAY_SIZE(no_module), 4,
				-ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conntrack_default),
		cmocka_unit_test(test_conntrack_cases),
	};
	return cmocka_run_group_tests_name("conntrack", tests, NULL, NULL);
}
