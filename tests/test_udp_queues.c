#include "collect_assert.h"

static void test_udp_queues_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_udp_queues, "default", 0);

	assert_family(ms, "node_udp_queues", METRIC_GAUGE,
		      "Number of allocated memory in the kernel for UDP datagrams in bytes.", 4);
	assert_sample(ms, 0x340, "node_udp_queues", "queue", "tx", "ip", "v4");
	assert_sample(ms, 0xa00, "node_udp_queues", "queue", "rx", "ip", "v4");
	assert_sample(ms, 0, "node_udp_queues", "queue", "tx", "ip", "v6");
	assert_sample(ms, 0x100, "node_udp_queues", "queue", "rx", "ip", "v6");
	ms_free(ms);
}

#define UDP_HEAD                                                                                   \
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "     \
	"timeout inode ref pointer drops\n"

static void test_udp_queues_cases(void **state)
{
	static const struct ca_file v4_only[] = {
		{ "proc/net/udp",
		  UDP_HEAD "  1: 00000000:0044 00000000:0000 07 00000010:00000020 00:00000000 "
			   "00000000     0        0 1234 2 0000000000000000 0\n", 0 },
	};
	static const struct ca_file bad_queue[] = {
		{ "proc/net/udp",
		  UDP_HEAD "  1: 00000000:0044 00000000:0000 07 00000010-00000020 00:00000000 "
			   "00000000     0        0 1234 2 0000000000000000 0\n", 0 },
	};
	static const struct ca_file bad_addr[] = {
		{ "proc/net/udp6",
		  UDP_HEAD "  1: 0000:0044 00000000:0000 07 00000010:00000020 00:00000000 "
			   "00000000     0        0 1234 2 0000000000000000 0\n", 0 },
	};
	static const struct ca_file no_drops[] = {
		{ "proc/net/udp",
		  UDP_HEAD "  1: 00000000:0044 00000000:0000 07 00000010:00000020 00:00000000 "
			   "00000000     0        0 1234\n", 0 },
	};
	static const struct ca_file neither[] = {
		{ "proc/net/dev", "x\n", 0 },
	};
	struct metric_set *ms;

	/* IPv6 disabled: only the v4 pair. */
	ms = ca_collect_case(&collector_udp_queues, v4_only, ARRAY_SIZE(v4_only), 0, 0);
	assert_int_equal(ca_nsamples(ms, "node_udp_queues"), 2);
	assert_sample(ms, 0x10, "node_udp_queues", "queue", "tx", "ip", "v4");
	assert_sample(ms, 0x20, "node_udp_queues", "queue", "rx", "ip", "v4");
	ms_free(ms);
	ms_free(ca_collect_case(&collector_udp_queues, bad_queue, ARRAY_SIZE(bad_queue), 1,
				-EINVAL));
	ms_free(ca_collect_case(&collector_udp_queues, bad_addr, ARRAY_SIZE(bad_addr), 2,
				-EINVAL));
	ms_free(ca_collect_case(&collector_udp_queues, no_drops, ARRAY_SIZE(no_drops), 3,
				-EINVAL));
	ms_free(ca_collect_case(&collector_udp_queues, neither, ARRAY_SIZE(neither), 4, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_queues_default),
		cmocka_unit_test(test_udp_queues_cases),
	};
	return cmocka_run_group_tests_name("udp_queues", tests, NULL, NULL);
}
