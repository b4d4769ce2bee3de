#include "collect_assert.h"

static void test_nfs_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_nfs, "default", 0);

	assert_family(ms, "node_nfs_requests_total", METRIC_COUNTER,
		      "Number of NFS procedures invoked.", 18 + 22 + 59);
	assert_sample(ms, 184731, "node_nfs_rpcs_total");
	assert_sample(ms, 12, "node_nfs_rpc_retransmissions_total");
	assert_sample(ms, 4, "node_nfs_rpc_authentication_refreshes_total");
	assert_sample(ms, 0, "node_nfs_packets_total", "protocol", "tcp");
	assert_sample(ms, 57012, "node_nfs_requests_total", "proto", "3", "method", "Read");
	assert_sample(ms, 1133, "node_nfs_requests_total", "proto", "3", "method", "Commit");
	assert_sample(ms, 14092, "node_nfs_requests_total", "proto", "4", "method", "Getattr");
	assert_sample(ms, 1880, "node_nfs_requests_total", "proto", "4", "method", "Sequence");
	/* No proc2 line on this kernel: node_exporter still exports zeros. */
	assert_sample(ms, 0, "node_nfs_requests_total", "proto", "2", "method", "Read");
	ms_free(ms);
}

static void test_nfsd_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_nfsd, "default", 0);

	assert_family(ms, "node_nfsd_requests_total", METRIC_COUNTER,
		      "Total number NFSd Requests by method and protocol.", 17 + 21 + 35 + 1);
	assert_sample(ms, 31842, "node_nfsd_reply_cache_misses_total");
	assert_sample(ms, 708312, "node_nfsd_reply_cache_nocache_total");
	assert_sample(ms, 3, "node_nfsd_file_handles_stale_total");
	assert_sample(ms, 1940315648, "node_nfsd_disk_bytes_read_total");
	assert_sample(ms, 16, "node_nfsd_server_threads");
	assert_sample(ms, 32, "node_nfsd_read_ahead_cache_size_blocks");
	assert_sample(ms, 740118, "node_nfsd_packets_total", "proto", "tcp");
	assert_sample(ms, 1203, "node_nfsd_connections_total");
	assert_sample(ms, 1, "node_nfsd_rpc_errors_total", "error", "fmt");
	assert_sample(ms, 740154, "node_nfsd_server_rpcs_total");
	assert_sample(ms, 310229, "node_nfsd_requests_total", "proto", "3", "method", "GetAttr");
	assert_sample(ms, 3197, "node_nfsd_requests_total", "proto", "3", "method", "Commit");
	assert_sample(ms, 5010, "node_nfsd_requests_total", "proto", "4", "method", "Access");
	assert_sample(ms, 27302, "node_nfsd_requests_total", "proto", "4", "method", "PutFH");
	assert_sample(ms, 3120, "node_nfsd_requests_total", "proto", "4", "method", "Write");
	assert_sample(ms, 7, "node_nfsd_requests_total", "proto", "4", "method", "WdelegGetattr");
	assert_no_sample(ms, "node_nfsd_requests_total", "proto", "3", "method", "Null");
	ms_free(ms);
}

static void test_nfs_bad(void **state)
{
	static const struct ca_file count[] = {
		{ "proc/net/rpc/nfs", "net 0 0 0 0\nproc3 22 1 2 3\n", 0 },
	};
	static const struct ca_file tag[] = {
		{ "proc/net/rpc/nfs", "net 0 0 0 0\nbogus 1 2\n", 0 },
	};
	static const struct ca_file rpc[] = {
		{ "proc/net/rpc/nfs", "rpc 1 2 3 4 5\n", 0 },
	};
	static const struct ca_file garbled[] = {
		{ "proc/net/rpc/nfsd", "rc 0 1x 2\n", 0 },
	};
	static const struct ca_file th_short[] = {
		{ "proc/net/rpc/nfsd", "th 8\n", 0 },
	};
	static const struct ca_file none[] = {
		{ "proc/loadavg", "0.1 0.2 0.3 1/2 3\n", 0 },
	};

	ms_free(ca_collect_case(&collector_nfs, count, 1, 0, -EINVAL));
	ms_free(ca_collect_case(&collector_nfs, tag, 1, 1, -EINVAL));
	ms_free(ca_collect_case(&collector_nfs, rpc, 1, 2, -EINVAL));
	ms_free(ca_collect_case(&collector_nfsd, garbled, 1, 3, -EINVAL));
	ms_free(ca_collect_case(&collector_nfsd, th_short, 1, 4, -EINVAL));
	/* No nfs module loaded. */
	ms_free(ca_collect_case(&collector_nfs, none, 1, 5, -ENODATA));
	ms_free(ca_collect_case(&collector_nfsd, none, 1, 6, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfs_default),
		cmocka_unit_test(test_nfsd_default),
		cmocka_unit_test(test_nfs_bad),
	};
	return cmocka_run_group_tests_name("nfs", tests, NULL, NULL);
}
