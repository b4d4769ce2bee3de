#include "collect_assert.h"
#include "util.h"

#define FS_A "5c8e1f0a-3b7d-4e92-a6c1-7d2f90b3e845"
#define FS_B "9a0c55e7-1f2b-4d38-b7e6-20c4d8f1a3b9"

static void test_btrfs_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_btrfs, "default", 0);

	assert_sample(ms, 1, "node_btrfs_info", "label", "backup", "uuid", FS_A);
	/* An empty metadata_uuid: the directory names the filesystem. A set
	 * one wins over the directory name; no label file is "". */
	assert_sample(ms, 1, "node_btrfs_info", "label", "", "uuid", FS_B);
	assert_no_sample(ms, "node_btrfs_info", "uuid", "e01d7a2b-96c4-4f3b-8a55-1b6e3c9d2f70");
	assert_sample(ms, 536870912, "node_btrfs_global_rsv_size_bytes", "uuid", FS_A);
	assert_sample(ms, 84713, "node_btrfs_commits_total", "uuid", FS_A);
	assert_sample(ms, 0.046, "node_btrfs_last_commit_seconds", "uuid", FS_A);
	assert_sample(ms, 3.21, "node_btrfs_max_commit_seconds", "uuid", FS_A);
	assert_sample(ms, 5120.477, "node_btrfs_commit_seconds_total", "uuid", FS_A);
	/* No commit_stats (before 5.x): zeros. */
	assert_sample(ms, 0, "node_btrfs_commits_total", "uuid", FS_B);
	assert_sample(ms, 1048576, "node_btrfs_reserved_bytes", "block_group_type", "metadata",
		      "uuid", FS_A);
	assert_sample(ms, 1289876606976, "node_btrfs_used_bytes", "block_group_type", "data", "mode",
		      "raid1", "uuid", FS_A);
	assert_sample(ms, 1396723122176, "node_btrfs_size_bytes", "block_group_type", "data", "mode",
		      "raid1", "uuid", FS_A);
	/* Two profiles at once, as during a balance. */
	assert_sample(ms, 2, "node_btrfs_allocation_ratio", "block_group_type", "metadata", "mode",
		      "dup", "uuid", FS_A);
	/* raid5 and raid6 over three devices: 3/2 and 3/1. */
	assert_sample(ms, 1.5, "node_btrfs_allocation_ratio", "block_group_type", "data", "mode",
		      "raid5", "uuid", FS_B);
	assert_sample(ms, 3, "node_btrfs_allocation_ratio", "block_group_type", "system", "mode",
		      "raid6", "uuid", FS_B);
	/* Sizes are 512-byte sectors. */
	assert_sample(ms, 3907029168.0 * 512, "node_btrfs_device_size_bytes", "device", "sdc",
		      "uuid", FS_A);
	assert_family(ms, "node_btrfs_device_size_bytes", METRIC_GAUGE,
		      "Size of a device that is part of the filesystem.", 5);
	assert_family(ms, "node_btrfs_commits_total", METRIC_COUNTER,
		      "The total number of commits that have occurred.", 2);
	assert_family(ms, "node_btrfs_used_bytes", METRIC_GAUGE,
		      "Amount of used space by a layout/data type", 7);
	ms_free(ms);
}

/* devinfo/<devid>/error_stats: two devices of FS_A, so named by devid; of
 * FS_B's three, devid 1's stats are not valid yet and devid 2 has no file
 * (a 5.9-5.13 kernel), so only devid 3 has series. */
static void test_btrfs_device_errors(void **state)
{
	static const char *const types[] = { "write", "read", "flush", "corruption", "generation" };
	static const double dev1[] = { 0, 3, 0, 12, 1 }, dev2[] = { 7, 0, 2, 0, 0 };
	struct metric_set *ms = ca_collect_tree(&collector_btrfs, "default", 0);

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		assert_sample(ms, dev1[i], "node_btrfs_device_errors_total", "device", "devid:1",
			      "type", types[i], "uuid", FS_A);
		assert_sample(ms, dev2[i], "node_btrfs_device_errors_total", "device", "devid:2",
			      "type", types[i], "uuid", FS_A);
		assert_sample(ms, 0, "node_btrfs_device_errors_total", "device", "devid:3", "type",
			      types[i], "uuid", FS_B);
	}
	assert_family(ms, "node_btrfs_device_errors_total", METRIC_COUNTER,
		      "Errors reported for the device", 15);
	ms_free(ms);
}

#define FS "sys/fs/btrfs/0f0f0f0f-1111-2222-3333-444444444444/"

/* One device and one devid: the block device's name. A key a later kernel
 * adds is skipped; a damaged file fails the collector, naming it. */
static void test_btrfs_device_errors_files(void **state)
{
	static const struct ca_file files[] = {
		{ FS "allocation/system/single/total_bytes", "4194304\n", 0 },
		{ FS "devices/nvme0n1p3/size", "8\n", 0 },
		{ FS "devinfo/1/error_stats",
		  "write_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\ngeneration_errs 5\n"
		  "future_errs 6\n",
		  0 },
		/* Damaged: a counter missing, a word for a number, cut short, empty. */
		{ FS "devinfo/1/error_stats",
		  "write_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\n", 0 },
		{ FS "devinfo/1/error_stats",
		  "write_errs 1\nread_errs 2\nflush_errs x\ncorruption_errs 4\ngeneration_errs 5\n",
		  0 },
		{ FS "devinfo/1/error_stats", "write_errs 1\nread_errs 2\nflush_errs 3\ncorr", 0 },
		{ FS "devinfo/1/error_stats", "", 0 },
		/* devinfo without error_stats: no series, no error. */
		{ FS "devinfo/1/missing", "0\n", 0 },
	};
	static const char *const types[] = { "write", "read", "flush", "corruption", "generation" };
	struct metric_set *ms = ca_collect_case(&collector_btrfs, files, 3, 0, 0);

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		assert_sample(ms, (double)i + 1, "node_btrfs_device_errors_total", "device",
			      "nvme0n1p3", "type", types[i], "uuid",
			      "0f0f0f0f-1111-2222-3333-444444444444");
	assert_int_equal(ca_nsamples(ms, "node_btrfs_device_errors_total"), 5);
	ms_free(ms);
	for (size_t i = 3; i < 7; i++) {
		ms_free(ca_collect_case(&collector_btrfs,
					(struct ca_file[]){ files[0], files[1], files[i] }, 3, i,
					-EINVAL));
		assert_string_equal(ca_detail,
				    "fs/btrfs/0f0f0f0f-1111-2222-3333-444444444444/devinfo/1/"
				    "error_stats: not five \"name count\" lines");
	}
	ms = ca_collect_case(&collector_btrfs, (struct ca_file[]){ files[0], files[1], files[7] },
			     3, 7, 0);
	assert_null(ms_find(ms, "node_btrfs_device_errors_total"));
	assert_non_null(ms_find(ms, "node_btrfs_device_size_bytes"));
	ms_free(ms);
}

static void test_btrfs_files(void **state)
{
	static const struct ca_file files[] = {
		{ FS "allocation/system/single/total_bytes", "4194304\n", 0 },
		{ FS "allocation/global_rsv_size", "lots\n", 0 },
		{ FS "allocation/data/raid5/used_bytes", "7\n", 0 },
		{ FS "devices/sda/size", "8\n", 0 },
		{ FS "commit_stats", "commits 3\nnew_counter 9\n", 0 },
		{ FS "commit_stats", "commits 3 4\n", 0 },
		{ FS "commit_stats", "commits x\n", 0 },
	};
	struct metric_set *ms = ca_collect_case(&collector_btrfs, files, 5, 0, 0);
	const struct sample *s;

	/* Unparsable numbers read 0, as procfs's readValue() returns them. */
	assert_sample(ms, 0, "node_btrfs_global_rsv_size_bytes", "uuid",
		      "0f0f0f0f-1111-2222-3333-444444444444");
	assert_sample(ms, 4194304, "node_btrfs_size_bytes", "block_group_type", "system", "mode",
		      "single", "uuid", "0f0f0f0f-1111-2222-3333-444444444444");
	/* raid5 on one device divides by zero there too. */
	s = fixture_find(ms, "node_btrfs_allocation_ratio", "block_group_type", "data", "mode", "raid5",
			 "uuid", "0f0f0f0f-1111-2222-3333-444444444444", NULL);
	assert_non_null(s);
	assert_true(isinf(s->value));
	assert_sample(ms, 3, "node_btrfs_commits_total", "uuid",
		      "0f0f0f0f-1111-2222-3333-444444444444");
	ms_free(ms);
	/* No allocation/system: procfs's error. */
	ms_free(ca_collect_case(&collector_btrfs, files + 1, 4, 1, -ENOENT));
	/* commit_stats lines must be "name number". */
	ms_free(ca_collect_case(&collector_btrfs, (struct ca_file[]){ files[0], files[5] }, 2, 2,
				-EINVAL));
	ms_free(ca_collect_case(&collector_btrfs, (struct ca_file[]){ files[0], files[6] }, 2, 3,
				-EINVAL));
}

static void test_btrfs_absent(void **state)
{
	static const struct ca_file features[] = { { "sys/fs/btrfs/features/raid1c34", "0\n", 0 } };

	ms_free(ca_collect_tree(&collector_btrfs, "does-not-exist", -ENODATA));
	/* The module loaded, nothing mounted: only features/. */
	ms_free(ca_collect_case(&collector_btrfs, features, 1, 0, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_btrfs_default),
		cmocka_unit_test(test_btrfs_device_errors),
		cmocka_unit_test(test_btrfs_device_errors_files),
		cmocka_unit_test(test_btrfs_files),
		cmocka_unit_test(test_btrfs_absent),
	};
	return cmocka_run_group_tests_name("btrfs", tests, NULL, NULL);
}
