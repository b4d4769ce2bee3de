#include "collect_assert.h"
#include "util.h"

static void test_xfs_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_xfs, "default", 0);

	assert_sample(ms, 1436, "node_xfs_extent_allocation_extents_allocated_total", "device",
		      "sdb1");
	assert_sample(ms, 53248, "node_xfs_extent_allocation_blocks_freed_total", "device", "sdb1");
	assert_sample(ms, 247305, "node_xfs_block_mapping_extent_list_lookups_total", "device",
		      "sdb1");
	assert_sample(ms, 30, "node_xfs_block_map_btree_compares_total", "device", "sdb1");
	assert_sample(ms, 31847, "node_xfs_directory_operation_getdents_total", "device", "sdb1");
	assert_sample(ms, 914, "node_xfs_inode_operation_attribute_changes_total", "device", "sdb1");
	/* rw prints writes first. */
	assert_sample(ms, 76354, "node_xfs_write_calls_total", "device", "sdb1");
	assert_sample(ms, 218870, "node_xfs_read_calls_total", "device", "sdb1");
	assert_sample(ms, 311, "node_xfs_vnode_active_total", "device", "sdb1");
	assert_sample(ms, 1321, "node_xfs_vnode_remove_total", "device", "sdb1");
	/* The largest 32-bit counter; an older kernel's seven vnode counters. */
	assert_sample(ms, 4294967295.0, "node_xfs_write_calls_total", "device", "dm-3");
	assert_sample(ms, 44, "node_xfs_vnode_remove_total", "device", "dm-3");
	/* The global stats directory is not a filesystem. */
	assert_no_sample(ms, "node_xfs_read_calls_total", "device", "stats");
	assert_family(ms, "node_xfs_read_calls_total", METRIC_COUNTER,
		      "Number of read(2) system calls made to files in a filesystem.", 2);
	assert_int_equal(ms_nfamilies(ms), 39);
	ms_free(ms);
}

#define XFS_FILE "sys/fs/xfs/sda/stats/stats"

static void test_xfs_lines(void **state)
{
	static const struct {
		const char *text;
		int err;
	} cases[] = {
		{ "rw 1 2\n", 0 },
		/* A label alone, or a blank line, is skipped. */
		{ "rw 1 2\nqm\n\n", 0 },
		/* Every group procfs knows has its count of values. */
		{ "rw 1 2 3\n", -EINVAL },
		{ "vnodes 1 2 3 4 5 6\n", -EINVAL },
		{ "vnodes 1 2 3 4 5 6 7 8 9\n", -EINVAL },
		{ "abtb2 1 2 3\n", -EINVAL },
		{ "qm 1 2 3 4 5 6 7 8 9\n", 0 },
		{ "qm 1 2 3 4 5 6 7 8 9 10\n", -EINVAL },
		{ "zoned 1 2 3 4 5\n", 0 },
		{ "zoned 1 2\n", -EINVAL },
		/* 32-bit counters, except in the 64-bit groups. */
		{ "rw 4294967296 1\n", -EINVAL },
		{ "xpc 4294967296 1 2\n", 0 },
		{ "defer_relog 18446744073709551615\n", 0 },
		{ "gc xpc 4294967296\n", 0 },
		{ "gc xpc 1 2\n", -EINVAL },
		{ "gc xpc\n", -EINVAL },
		/* Groups procfs does not know are still numbers. */
		{ "future 1 2 3 4 5 6 7 8 9 10 11 12\n", 0 },
		{ "future 1 x\n", -EINVAL },
		{ "rw -1 2\n", -EINVAL },
		{ "rw 1 2", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { XFS_FILE, cases[i].text, 0 };

		ms_free(ca_collect_case(&collector_xfs, &f, 1, i, cases[i].err));
	}
}

static void test_xfs_values(void **state)
{
	static const struct ca_file files[] = {
		{ XFS_FILE, "rw 5 6\nrw 7 8\nabt 1 2 3 4\n", 0 },
	};
	struct metric_set *ms = ca_collect_case(&collector_xfs, files, 1, 0, 0);

	/* A repeated line wins over the first; a missing group reads 0. */
	assert_sample(ms, 7, "node_xfs_write_calls_total", "device", "sda");
	assert_sample(ms, 4, "node_xfs_allocation_btree_records_deleted_total", "device", "sda");
	assert_sample(ms, 0, "node_xfs_vnode_active_total", "device", "sda");
	ms_free(ms);
}

static void test_xfs_absent(void **state)
{
	static const struct ca_file global[] = { { "sys/fs/xfs/stats/stats", "rw 1 2\n", 0 } };
	struct metric_set *ms = ca_collect_tree(&collector_xfs, "does-not-exist", -ENODATA);

	ms_free(ms);
	/* The xfs module loaded but nothing mounted: only the global file. */
	ms = ca_collect_case(&collector_xfs, global, 1, 0, -ENODATA);
	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xfs_default),
		cmocka_unit_test(test_xfs_lines),
		cmocka_unit_test(test_xfs_values),
		cmocka_unit_test(test_xfs_absent),
	};
	return cmocka_run_group_tests_name("xfs", tests, NULL, NULL);
}
