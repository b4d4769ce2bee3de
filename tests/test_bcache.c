#include "collect_assert.h"
#include "util.h"

#define SET "8b2f4f1e-0c73-4a9d-9e55-3c1d2a7b6f04"

static void test_bcache_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_bcache, "default", 0);

	/* bcache's "4.5k": the digit after the point counts 1024ths / 10.24. */
	assert_sample(ms, 4596, "node_bcache_average_key_size_sectors", "uuid", SET);
	assert_sample(ms, 10690560, "node_bcache_btree_cache_size_bytes", "uuid", SET);
	assert_sample(ms, 87, "node_bcache_cache_available_percent", "uuid", SET);
	assert_sample(ms, 17, "node_bcache_btree_nodes", "uuid", SET);
	/* Microseconds exported times 1e-9, as node_exporter does. */
	assert_sample(ms, 1305e-9, "node_bcache_btree_read_average_duration_seconds", "uuid", SET);
	assert_sample(ms, 4, "node_bcache_cache_read_races_total", "uuid", SET);
	assert_sample(ms, 1283457024, "node_bcache_dirty_data_bytes", "backing_device", "bdev0",
		      "uuid", SET);
	assert_sample(ms, 1150976, "node_bcache_writeback_rate", "backing_device", "bdev0", "uuid",
		      SET);
	assert_sample(ms, 2147483648.0, "node_bcache_dirty_target_bytes", "backing_device", "bdev0",
		      "uuid", SET);
	assert_sample(ms, -32244, "node_bcache_writeback_rate_proportional_term", "backing_device",
		      "bdev0", "uuid", SET);
	assert_sample(ms, 1524, "node_bcache_writeback_rate_integral_term", "backing_device",
		      "bdev1", "uuid", SET);
	assert_sample(ms, -18008, "node_bcache_writeback_change", "backing_device", "bdev0", "uuid",
		      SET);
	assert_sample(ms, 1388314624, "node_bcache_bypassed_bytes_total", "backing_device", "bdev0",
		      "uuid", SET);
	assert_sample(ms, 712, "node_bcache_cache_misses_total", "backing_device", "bdev0", "uuid",
		      SET);
	/* Readaheads only where not zero; bdev1's missing files read 0. */
	assert_no_sample(ms, "node_bcache_cache_readaheads_total", "backing_device", "bdev0", "uuid",
			 SET);
	assert_sample(ms, 6, "node_bcache_cache_readaheads_total", "backing_device", "bdev1", "uuid",
		      SET);
	assert_sample(ms, 0, "node_bcache_cache_bypass_hits_total", "backing_device", "bdev1", "uuid",
		      SET);
	assert_sample(ms, 22758293504.0, "node_bcache_written_bytes_total", "cache_device", "cache0",
		      "uuid", SET);
	assert_sample(ms, 536870912, "node_bcache_metadata_written_bytes_total", "cache_device",
		      "cache0", "uuid", SET);
	/* priority_stats is off by default. */
	assert_int_equal(ca_nsamples(ms, "node_bcache_priority_stats_unused_percent"), 0);
	assert_family(ms, "node_bcache_written_bytes_total", METRIC_COUNTER,
		      "Sum of all data that has been written to the cache.", 1);
	ms_free(ms);
}

static void test_bcache_priority_stats(void **state)
{
	static const char *const flags[] = { "--collector.bcache.priorityStats", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_bcache, "default", ms, flags), 0);
	assert_sample(ms, 12, "node_bcache_priority_stats_unused_percent", "cache_device", "cache0",
		      "uuid", SET);
	assert_sample(ms, 2, "node_bcache_priority_stats_metadata_percent", "cache_device", "cache0",
		      "uuid", SET);
	ms_free(ms);
}

#define DIR "sys/fs/bcache/00000000-1111-2222-3333-444444444444/"

static void test_bcache_values(void **state)
{
	static const struct {
		const char *text;
		int err;
		double want;
	} cases[] = {
		{ "12\n", 0, 12 },
		{ "1.5k\n", 0, 1524 },
		{ "3M\n", 0, 3145728 },
		/* An unknown suffix multiplies by 0, as in procfs. */
		{ "7x\n", 0, 0 },
		/* The last byte is taken for the newline, whatever it is. */
		{ "125", 0, 12 },
		{ "\n", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "abc\n", -EINVAL, 0 },
		{ "1.xk\n", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { DIR "tree_depth", cases[i].text, 0 };
		struct metric_set *ms = ca_collect_case(&collector_bcache, &f, 1, i, cases[i].err);

		if (!cases[i].err)
			assert_sample(ms, cases[i].want, "node_bcache_tree_depth", "uuid",
				      "00000000-1111-2222-3333-444444444444");
		ms_free(ms);
	}
}

static void test_bcache_errors(void **state)
{
	static const struct ca_file files[] = {
		{ DIR "bdev0/dirty_data", "1\n", 0 },
		{ DIR "bdev0/writeback_rate_debug", "rate:\t\t1.0k/sec\n", 0 },
		{ DIR "bdev0/writeback_rate_debug", "rate:\t\tfast/sec\n", 0 },
		{ DIR "bdev0/writeback_rate_debug", "next io:\t-x2ms\n", 0 },
	};

	/* A backing device needs its writeback_rate_debug. */
	ms_free(ca_collect_case(&collector_bcache, files, 1, 0, -ENOENT));
	ms_free(ca_collect_case(&collector_bcache, files, 2, 1, 0));
	ms_free(ca_collect_case(&collector_bcache, (struct ca_file[]){ files[0], files[2] }, 2, 2,
				-EINVAL));
	ms_free(ca_collect_case(&collector_bcache, (struct ca_file[]){ files[0], files[3] }, 2, 3,
				-EINVAL));
	/* No cache set: the module's register files only. */
	ms_free(ca_collect_case(&collector_bcache,
				(struct ca_file[]){ { "sys/fs/bcache/register", "\n", 0 } }, 1, 4,
				-ENODATA));
	ms_free(ca_collect_tree(&collector_bcache, "does-not-exist", -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcache_default),
		cmocka_unit_test(test_bcache_priority_stats),
		cmocka_unit_test(test_bcache_values),
		cmocka_unit_test(test_bcache_errors),
	};
	return cmocka_run_group_tests_name("bcache", tests, NULL, NULL);
}
