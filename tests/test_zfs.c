#include "collect_assert.h"

static void test_zfs_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_zfs, "default", 0);

	/* Kstat tables: untyped, HELP the kstat's sysctl-like key. */
	assert_family(ms, "node_zfs_arc_hits", METRIC_UNTYPED, "kstat.zfs.misc.arcstats.hits", 1);
	assert_sample(ms, 18462091, "node_zfs_arc_hits");
	assert_sample(ms, 8589934592, "node_zfs_arc_c_max");
	/* Type 3 is a signed 64-bit value. */
	assert_sample(ms, -58245120, "node_zfs_arc_memory_available_bytes");
	/* '-' in a kstat name becomes '_'; the HELP keeps the kstat's own. */
	assert_family(ms, "node_zfs_fm_erpt_dropped", METRIC_UNTYPED,
		      "kstat.zfs.misc.fm.erpt-dropped", 1);
	assert_sample(ms, 3, "node_zfs_fm_erpt_dropped");
	assert_sample(ms, 2812233, "node_zfs_dmu_tx_dmu_tx_assigned");
	assert_sample(ms, 1407, "node_zfs_dmu_tx_dmu_tx_dirty_delay");
	assert_sample(ms, 48, "node_zfs_vdev_mirror_preferred_not_found");
	assert_sample(ms, 901771264, "node_zfs_zil_zil_itx_needcopy_bytes");
	assert_sample(ms, 61255, "node_zfs_abd_scatter_cnt");
	assert_sample(ms, 7, "node_zfs_dbuf_hash_insert_race");
	assert_sample(ms, 41233, "node_zfs_dnode_dnode_allocate");
	assert_sample(ms, 44102, "node_zfs_zfetch_misses");
	assert_sample(ms, 0, "node_zfs_vdev_cache_delegations");
	/* No xuio_stats in this tree (a module without XUIO): nothing, no error. */
	assert_null(ms_find(ms, "node_zfs_xuio_onloan_read_buf"));

	/* Per pool io: one series per column. */
	assert_family(ms, "node_zfs_zpool_nread", METRIC_UNTYPED, "kstat.zfs.misc.io.nread", 2);
	assert_sample(ms, 5120032768, "node_zfs_zpool_nread", "zpool", "tank");
	assert_sample(ms, 9002, "node_zfs_zpool_writes", "zpool", "backup");
	assert_sample(ms, 1934828020444, "node_zfs_zpool_rupdate", "zpool", "backup");
	assert_sample(ms, 1, "node_zfs_zpool_rcnt", "zpool", "tank");

	/* Datasets, spaces in the name kept. */
	assert_family(ms, "node_zfs_zpool_dataset_nwritten", METRIC_UNTYPED,
		      "kstat.zfs.misc.objset.nwritten", 3);
	assert_sample(ms, 1990117376, "node_zfs_zpool_dataset_nwritten", "zpool", "tank",
		      "dataset", "tank/home");
	assert_sample(ms, 0, "node_zfs_zpool_dataset_nwritten", "zpool", "tank", "dataset",
		      "tank");
	assert_sample(ms, 4, "node_zfs_zpool_dataset_nunlinked", "zpool", "backup", "dataset",
		      "backup/vm  images");
	/* dataset_name is a string row, not a metric. */
	assert_null(ms_find(ms, "node_zfs_zpool_dataset_dataset_name"));

	/* State: one series per known state, 1 for the pool's. */
	assert_family(ms, "node_zfs_zpool_state", METRIC_GAUGE, "kstat.zfs.misc.state", 14);
	assert_sample(ms, 1, "node_zfs_zpool_state", "zpool", "tank", "state", "online");
	assert_sample(ms, 0, "node_zfs_zpool_state", "zpool", "tank", "state", "degraded");
	assert_sample(ms, 1, "node_zfs_zpool_state", "zpool", "backup", "state", "degraded");
	assert_sample(ms, 0, "node_zfs_zpool_state", "zpool", "backup", "state", "suspended");
	ms_free(ms);
}

#define ZFS "proc/spl/kstat/zfs/"
#define TABLE_HEAD "6 1 0x01 3 144 1 2\nname                            type data\n"
#define IO_HEAD                                                                                \
	"12 3 0x00 1 80 1 2\nnread nwritten reads writes wtime wlentime wupdate rtime rlentime " \
	"rupdate wcnt rcnt\n"

static void test_zfs_cases(void **state)
{
	static const struct ca_file kinds[] = {
		/* Only types 3 and 4 are numbers node_exporter exports; short
		 * rows are skipped. */
		{ ZFS "arcstats",
		  TABLE_HEAD "hits 4 12\nmin 3 +5\nname_str 7 abc\nshort 4\nodd-name.part 4 9\n", 0 },
		/* An unknown state matches none of the seven; no io header: no io. */
		{ ZFS "p1/state", "EXPORTING\n", 0 },
		{ ZFS "p1/io", "12 3 0x00 1 80 1 2\n", 0 },
	};
	static const struct ca_file no_header[] = {
		{ ZFS "arcstats", "6 1 0x01 3 144 1 2\nhits 4 12\n", 0 },
	};
	static const struct ca_file bad_u64[] = {
		{ ZFS "zil", TABLE_HEAD "zil_commit_count 4 -3\n", 0 },
	};
	static const struct ca_file bad_i64[] = {
		{ ZFS "arcstats", TABLE_HEAD "memory_available_bytes 3 9223372036854775808\n", 0 },
	};
	static const struct ca_file twice[] = {
		{ ZFS "arcstats", TABLE_HEAD "hits 4 12\nhits 4 13\n", 0 },
	};
	static const struct ca_file io_short[] = {
		{ ZFS "p1/io", IO_HEAD "1 2 3 4 5 6 7 8 9 10 11\n", 0 },
	};
	static const struct ca_file io_twice[] = {
		{ ZFS "p1/io", IO_HEAD "1 2 3 4 5 6 7 8 9 10 11 12\n1 2 3 4 5 6 7 8 9 10 11 12\n", 0 },
	};
	static const struct ca_file objset_garbled[] = {
		{ ZFS "p1/objset-0x1", TABLE_HEAD "dataset_name 7 p1\nwrites 4 1x\n", 0 },
	};
	static const struct ca_file objset_no_header[] = {
		{ ZFS "p1/objset-0x1", "dataset_name 7 p1\nwrites 4 1\n", 0 },
	};
	static const struct ca_file cut[] = {
		{ ZFS "arcstats", TABLE_HEAD "hits 4 12", 0 },
	};
	static const struct ca_file no_zfs[] = {
		{ "proc/spl/kstat/kmem", "x\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_zfs, kinds, ARRAY_SIZE(kinds), 0, 0);
	assert_sample(ms, 12, "node_zfs_arc_hits");
	assert_sample(ms, 5, "node_zfs_arc_min");
	/* The name is the key's last '.'-part, as node_exporter's metricName(). */
	assert_family(ms, "node_zfs_arc_part", METRIC_UNTYPED,
		      "kstat.zfs.misc.arcstats.odd-name.part", 1);
	assert_null(ms_find(ms, "node_zfs_arc_name_str"));
	assert_null(ms_find(ms, "node_zfs_arc_short"));
	assert_null(ms_find(ms, "node_zfs_zpool_nread"));
	assert_sample(ms, 0, "node_zfs_zpool_state", "zpool", "p1", "state", "online");
	assert_int_equal(ca_nsamples(ms, "node_zfs_zpool_state"), 7);
	ms_free(ms);
	ms_free(ca_collect_case(&collector_zfs, no_header, 1, 1, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, bad_u64, 1, 2, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, bad_i64, 1, 3, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, twice, 1, 4, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, io_short, 1, 5, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, io_twice, 1, 6, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, objset_garbled, 1, 7, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, objset_no_header, 1, 8, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, cut, 1, 9, -EINVAL));
	ms_free(ca_collect_case(&collector_zfs, no_zfs, 1, 10, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zfs_default),
		cmocka_unit_test(test_zfs_cases),
	};
	return cmocka_run_group_tests_name("zfs", tests, NULL, NULL);
}
