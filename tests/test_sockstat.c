#include <unistd.h>

#include "collect_assert.h"
#include "util.h"

static void test_sockstat_default(void **state)
{
	double page = (double)sysconf(_SC_PAGESIZE);
	struct metric_set *ms = ca_collect_tree(&collector_sockstat, "default", 0);

	assert_sample(ms, 1392, "node_sockstat_sockets_used");
	assert_sample(ms, 271, "node_sockstat_TCP_inuse");
	assert_sample(ms, 3, "node_sockstat_TCP_orphan");
	assert_sample(ms, 1184, "node_sockstat_TCP_tw");
	assert_sample(ms, 402, "node_sockstat_TCP_alloc");
	assert_sample(ms, 187, "node_sockstat_TCP_mem");
	assert_sample(ms, 187 * page, "node_sockstat_TCP_mem_bytes");
	assert_sample(ms, 17, "node_sockstat_UDP_inuse");
	assert_sample(ms, 24, "node_sockstat_UDP_mem");
	assert_sample(ms, 24 * page, "node_sockstat_UDP_mem_bytes");
	assert_sample(ms, 0, "node_sockstat_UDPLITE_inuse");
	assert_sample(ms, 1, "node_sockstat_RAW_inuse");
	assert_sample(ms, 2, "node_sockstat_FRAG_inuse");
	/* FRAG memory is already bytes: no _bytes twin. */
	assert_sample(ms, 8192, "node_sockstat_FRAG_memory");
	assert_null(ms_find(ms, "node_sockstat_FRAG_memory_bytes"));
	assert_sample(ms, 38, "node_sockstat_TCP6_inuse");
	assert_sample(ms, 9, "node_sockstat_UDP6_inuse");
	assert_sample(ms, 0, "node_sockstat_UDPLITE6_inuse");
	assert_sample(ms, 1, "node_sockstat_RAW6_inuse");
	assert_sample(ms, 0, "node_sockstat_FRAG6_inuse");
	assert_sample(ms, 0, "node_sockstat_FRAG6_memory");
	assert_int_equal(ms_nfamilies(ms), 20);

	assert_family(ms, "node_sockstat_sockets_used", METRIC_GAUGE,
		      "Number of IPv4 sockets in use.", -1);
	assert_string_equal(ms_find(ms, "node_sockstat_TCP_mem_bytes")->help,
			    "Number of TCP sockets in state mem_bytes.");
	assert_family(ms, "node_sockstat_TCP6_inuse", METRIC_GAUGE,
		      "Number of TCP6 sockets in state inuse.", -1);
	ms_free(ms);
}

static void test_sockstat_no_ipv6(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_sockstat, "noipv6", 0);

	assert_sample(ms, 271, "node_sockstat_TCP_inuse");
	assert_null(ms_find(ms, "node_sockstat_TCP6_inuse"));
	assert_int_equal(ms_nfamilies(ms), 14);
	ms_free(ms);
}

static void test_sockstat_bad(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "garbled", -EINVAL },
		{ "truncated", -EINVAL },
		/* Neither file: a namespace without sockstat is "no data", not a failure. */
		{ "does-not-exist", -ENODATA },
	};

	assert_collect_errors(&collector_sockstat, cases, ARRAY_SIZE(cases), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sockstat_default),
	    cmocka_unit_test(test_sockstat_no_ipv6),
	    cmocka_unit_test(test_sockstat_bad),
	};
	return cmocka_run_group_tests_name("sockstat", tests, NULL, NULL);
}
