#include "collect_assert.h"

static void test_dmmultipath_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_dmmultipath, "default", 0);

	/* dm-0 is LVM (uuid LVM-...): not a multipath map. */
	assert_family(ms, "node_dmmultipath_device_info", METRIC_GAUGE,
		      "Non-numeric information about a DM-multipath device.", 2);
	assert_sample(ms, 1, "node_dmmultipath_device_info", "device", "mpatha", "sysfs_name",
		      "dm-1", "uuid", "mpath-3600a098038303877503f4f6d4a6e4b31");
	assert_null(fixture_find_labeled(ms, "node_dmmultipath_device_info", "sysfs_name", "dm-0"));
	assert_sample(ms, 1, "node_dmmultipath_device_active", "device", "mpatha", "sysfs_name",
		      "dm-1");
	assert_sample(ms, 0, "node_dmmultipath_device_active", "device", "mpathb", "sysfs_name",
		      "dm-2");
	/* Sectors of 512 bytes. */
	assert_family(ms, "node_dmmultipath_device_size_bytes", METRIC_GAUGE,
		      "Size of the multipath device in bytes, read from /sys/block/<dm>/size.", 2);
	assert_sample(ms, 107374182400, "node_dmmultipath_device_size_bytes", "device", "mpatha",
		      "sysfs_name", "dm-1");
	assert_sample(ms, 2, "node_dmmultipath_device_paths", "device", "mpatha", "sysfs_name",
		      "dm-1");
	assert_sample(ms, 1, "node_dmmultipath_device_paths_active", "device", "mpatha",
		      "sysfs_name", "dm-1");
	assert_sample(ms, 1, "node_dmmultipath_device_paths_failed", "device", "mpatha",
		      "sysfs_name", "dm-1");
	/* NVMe's "live" is active. */
	assert_sample(ms, 1, "node_dmmultipath_device_paths_active", "device", "mpathb",
		      "sysfs_name", "dm-2");
	assert_sample(ms, 0, "node_dmmultipath_device_paths_failed", "device", "mpathb",
		      "sysfs_name", "dm-2");
	assert_family(ms, "node_dmmultipath_path_state", METRIC_GAUGE,
		      "Reports the underlying device state for a multipath path, as read from "
		      "/sys/block/<dev>/device/state.",
		      3);
	assert_sample(ms, 1, "node_dmmultipath_path_state", "device", "mpatha", "path", "sdc",
		      "state", "offline");
	assert_sample(ms, 1, "node_dmmultipath_path_state", "device", "mpathb", "path", "nvme1n1",
		      "state", "live");
	ms_free(ms);
}

#define DM3 "sys/block/dm-3/"
/* A multipath map dm-3 without slaves, its name and size as given. */
#define DM3_MAP(name, size)                                                                  \
	{ DM3 "dm/uuid", "mpath-36001405f2b4a1c7\n", 0 }, { DM3 "dm/name", name, 0 },         \
	    { DM3 "dm/suspended", "0\n", 0 }, { DM3 "size", size, 0 }

static void test_dmmultipath_cases(void **state)
{
	static const struct ca_file no_slaves[] = {
		DM3_MAP("mpathc\n", "8\n"),
		/* No dm/uuid: not a device-mapper device, skipped. */
		{ "sys/block/dm-4/size", "8\n", 0 },
	};
	static const struct ca_file garbled_size[] = { DM3_MAP("mpathc\n", "8 sectors\n") };
	static const struct ca_file no_name[] = {
		{ DM3 "dm/uuid", "mpath-36001405f2b4a1c7\n", 0 },
		{ DM3 "dm/suspended", "0\n", 0 },
		{ DM3 "size", "8\n", 0 },
	};
	static const struct ca_file bad_name[] = { DM3_MAP("mpath\xc3\n", "8\n") };
	static const struct ca_file lvm_only[] = {
		{ DM3 "dm/uuid", "LVM-abc\n", 0 },
		{ "sys/block/sda/size", "8\n", 0 },
	};
	static const struct ca_file no_block[] = {
		{ "sys/class/net/eth0/mtu", "1500\n", 0 },
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_dmmultipath, no_slaves, ARRAY_SIZE(no_slaves), 0, 0);
	assert_sample(ms, 0, "node_dmmultipath_device_paths", "device", "mpathc", "sysfs_name",
		      "dm-3");
	assert_sample(ms, 4096, "node_dmmultipath_device_size_bytes", "device", "mpathc",
		      "sysfs_name", "dm-3");
	assert_int_equal(ca_nsamples(ms, "node_dmmultipath_device_info"), 1);
	assert_null(ms_find(ms, "node_dmmultipath_path_state"));
	ms_free(ms);
	ms_free(ca_collect_case(&collector_dmmultipath, garbled_size, ARRAY_SIZE(garbled_size), 1,
				-EINVAL));
	ms_free(ca_collect_case(&collector_dmmultipath, no_name, ARRAY_SIZE(no_name), 2, -ENOENT));
	ms_free(ca_collect_case(&collector_dmmultipath, bad_name, ARRAY_SIZE(bad_name), 3,
				-EINVAL));
	/* Device-mapper without multipath, or no /sys/block: no data. */
	ms_free(ca_collect_case(&collector_dmmultipath, lvm_only, ARRAY_SIZE(lvm_only), 4,
				-ENODATA));
	ms_free(ca_collect_case(&collector_dmmultipath, no_block, ARRAY_SIZE(no_block), 5,
				-ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmmultipath_default),
		cmocka_unit_test(test_dmmultipath_cases),
	};
	return cmocka_run_group_tests_name("dmmultipath", tests, NULL, NULL);
}
