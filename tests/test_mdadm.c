#include "collect_assert.h"
#include "util.h"

/* One array's mdstat series as node_exporter exports them. */
static void assert_md(const struct metric_set *ms, const char *dev, double required,
		      double active, double failed, double spare, const char *state, double blocks,
		      double synced)
{
	static const char *const states[] = { "active", "inactive", "recovering", "resync",
					      "check" };

	assert_sample(ms, required, "node_md_disks_required", "device", dev);
	assert_sample(ms, active, "node_md_disks", "device", dev, "state", "active");
	assert_sample(ms, failed, "node_md_disks", "device", dev, "state", "failed");
	assert_sample(ms, spare, "node_md_disks", "device", dev, "state", "spare");
	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		assert_sample(ms, state && !strcmp(state, states[i]), "node_md_state", "device", dev,
			      "state", states[i]);
	assert_sample(ms, blocks, "node_md_blocks", "device", dev);
	assert_sample(ms, synced, "node_md_blocks_synced", "device", dev);
}

static void test_mdadm_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_mdadm, "default", 0);

	/* Bitmap line between status and (no) sync line. */
	assert_md(ms, "md1", 2, 2, 0, 0, "active", 1046528, 1046528);
	assert_md(ms, "md2", 6, 6, 0, 1, "active", 7813507072, 7813507072);
	/* Recovery after a bitmap line; the failed disk counts. */
	assert_md(ms, "md3", 4, 3, 1, 0, "recovering", 2929890816, 123059200);
	assert_md(ms, "md4", 4, 4, 0, 0, "resync", 1953260544, 418074880);
	assert_md(ms, "md5", 2, 2, 0, 0, "check", 976630336, 644575104);
	/* Reshaping is none of the five states node_exporter exports. */
	assert_md(ms, "md6", 4, 4, 0, 0, NULL, 1953260544, 38226944);
	/* resync=PENDING and DELAYED: resyncing, 0 blocks synced. */
	assert_md(ms, "md7", 2, 2, 0, 1, "resync", 488254464, 0);
	assert_md(ms, "md8", 2, 2, 2, 0, "resync", 97590272, 0);
	/* raid0 and linear: the "[n]" on the device line are the disks. */
	assert_md(ms, "md9", 2, 2, 0, 0, "active", 1953258496, 1953258496);
	assert_md(ms, "md10", 3, 3, 0, 0, "active", 2929887744, 2929887744);
	/* Inactive, with and without a personality: no disks required. */
	assert_md(ms, "md11", 0, 0, 0, 2, "inactive", 10402, 10402);
	assert_md(ms, "md12", 0, 0, 1, 1, "inactive", 20954112, 20954112);
	assert_md(ms, "md126", 2, 1, 0, 0, "active", 937692160, 937692160);
	assert_family(ms, "node_md_state", METRIC_GAUGE, "Indicates the state of md-device.",
		      13 * 5);

	assert_sample(ms, 2, "node_md_raid_disks", "device", "md1");
	assert_sample(ms, 7, "node_md_raid_disks", "device", "md2");
	/* During a reshape raid_disks reads "5 (4)": the new count. */
	assert_sample(ms, 5, "node_md_raid_disks", "device", "md6");
	assert_sample(ms, 3, "node_md_raid_disks", "device", "md10");
	/* Containers and an empty level have no disk count. */
	assert_no_sample(ms, "node_md_raid_disks", "device", "md11");
	assert_no_sample(ms, "node_md_raid_disks", "device", "md127");
	assert_sample(ms, 1, "node_md_degraded", "device", "md3");
	assert_sample(ms, 1, "node_md_degraded", "device", "md126");
	/* Levels without a degraded file read 0, as procfs leaves them. */
	assert_sample(ms, 0, "node_md_degraded", "device", "md9");
	assert_sample(ms, 0, "node_md_degraded", "device", "md11");
	/* md13 has no md directory: not an array. */
	assert_no_sample(ms, "node_md_degraded", "device", "md13");
	assert_family(ms, "node_md_raid_disks", METRIC_GAUGE, "Number of raid disks on device.", 7);
	assert_family(ms, "node_md_degraded", METRIC_GAUGE, "Number of degraded disks on device.",
		      9);
	ms_free(ms);
}

#define PERS "Personalities : [raid1] [raid0]\n"

static void test_mdadm_shapes(void **state)
{
	static const struct {
		const char *mdstat;
		int err;
	} cases[] = {
		/* No arrays: no series, success. */
		{ "Personalities : \nunused devices: <none>\n", 0 },
		{ "Personalities : [raid1]\nunused devices: <none>\n", 0 },
		/* A record needs its status line and one more. */
		{ PERS "md0 : active raid1 sda[0] sdb[1]\n", -EINVAL },
		{ PERS "md0 : active\n", -EINVAL },
		/* A status line without its size, or without [n/m] [U_]. */
		{ PERS "md0 : active raid1 sda[0]\n  blocks [2/2] [UU]\n\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  100 blocks [2/2]\n\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  100 blocks [2/x] [UU]\n\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  100 blocks super 1.2 [2/2] [UU]\n\n", 0 },
		/* A sync line without its numbers. */
		{ PERS "md0 : active raid1 sda[0]\n  9 blocks [2/2] [UU]\n  resync = 1%\n\n",
		  -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  9 blocks [2/2] [UU]\n"
		       "  resync = x% (1/9) finish=1.0min speed=1K/sec\n\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  9 blocks [2/2] [UU]\n"
		       "  resync = 1% (1/9) finish=1.0min speed=1K/sec\n\n", 0 },
		/* A descriptor index beyond int32. */
		{ PERS "md0 : active raid1 sda[2147483648]\n  9 blocks [2/2] [UU]\n\n\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[2147483647]\n  9 blocks [2/2] [UU]\n\n\n", 0 },
		/* A personality not in brackets; a cut or binary file. */
		{ "Personalities : x\n", -EINVAL },
		{ PERS "md0 : active raid1 sda[0]\n  9 blocks [2/2] [UU]\n\n", 0 },
		{ PERS "md0 : active raid1 sda[0]\n  9 blocks [2/2] [UU]", -EINVAL },
	};
	static const char nul[] = "Personalities : [raid1]\n\0\n";
	struct ca_file f = { "proc/mdstat", nul, sizeof(nul) - 1 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file one = { "proc/mdstat", cases[i].mdstat, 0 };

		ms_free(ca_collect_case(&collector_mdadm, &one, 1, i, cases[i].err));
	}
	ms_free(ca_collect_case(&collector_mdadm, &f, 1, ARRAY_SIZE(cases), -EINVAL));
}

static void test_mdadm_sync_values(void **state)
{
	static const struct ca_file files[] = {
		{ "proc/mdstat", PERS "md0 : active raid1 sdb[1] sda[0]\n"
				 "      1000 blocks [2/2] [UU]\n"
				 "      [>....]  resync = 1.5% (15/1000) finish=0.1min speed=5K/sec\n\n",
		  0 },
		{ "sys/block/md0/md/level", "raid1\n", 0 },
		{ "sys/block/md0/md/raid_disks", "2\n", 0 },
		{ "sys/block/md0/md/degraded", "x\n", 0 },
	};
	struct metric_set *ms = ca_collect_case(&collector_mdadm, files, 3, 0, 0);

	assert_md(ms, "md0", 2, 2, 0, 0, "resync", 1000, 15);
	/* raid1 without its degraded file: the array is being stopped. */
	assert_no_sample(ms, "node_md_raid_disks", "device", "md0");
	ms_free(ms);
	/* A garbled degraded count fails, as procfs's ParseUint does. */
	ms_free(ca_collect_case(&collector_mdadm, files, 4, 1, -EINVAL));
}

static void test_mdadm_absent(void **state)
{
	/* No md driver: quiet -ENODATA, as node_exporter's ErrNoData. */
	struct metric_set *ms = ca_collect_tree(&collector_mdadm, "does-not-exist", -ENODATA);

	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mdadm_default),
		cmocka_unit_test(test_mdadm_shapes),
		cmocka_unit_test(test_mdadm_sync_values),
		cmocka_unit_test(test_mdadm_absent),
	};
	return cmocka_run_group_tests_name("mdadm", tests, NULL, NULL);
}
