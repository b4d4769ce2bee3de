#include "collect_assert.h"
#include "util.h"

/* Values as node_exporter 1.5 prints them for the same fixture tree. */
static void test_diskstats_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_diskstats, "default", 0);

	assert_sample(ms, 25354637, "node_disk_reads_completed_total", "device", "sda");
	assert_sample(ms, 34367663, "node_disk_reads_merged_total", "device", "sda");
	assert_sample(ms, 513713216512.0, "node_disk_read_bytes_total", "device", "sda");
	assert_sample(ms, 18492.372, "node_disk_read_time_seconds_total", "device", "sda");
	assert_sample(ms, 28444756, "node_disk_writes_completed_total", "device", "sda");
	assert_sample(ms, 11134226, "node_disk_writes_merged_total", "device", "sda");
	assert_sample(ms, 258916880384.0, "node_disk_written_bytes_total", "device", "sda");
	assert_sample(ms, 63877.96, "node_disk_write_time_seconds_total", "device", "sda");
	assert_sample(ms, 0, "node_disk_io_now", "device", "sda");
	assert_sample(ms, 9653.88, "node_disk_io_time_seconds_total", "device", "sda");
	assert_sample(ms, 82621.804, "node_disk_io_time_weighted_seconds_total", "device", "sda");
	assert_sample(ms, 68851, "node_disk_discards_completed_total", "device", "sda");
	assert_sample(ms, 0, "node_disk_discards_merged_total", "device", "sda");
	assert_sample(ms, 1925173784, "node_disk_discarded_sectors_total", "device", "sda");
	assert_sample(ms, 11.13, "node_disk_discard_time_seconds_total", "device", "sda");
	assert_sample(ms, 1555, "node_disk_flush_requests_total", "device", "sda");
	assert_sample(ms, 1.944, "node_disk_flush_requests_time_seconds_total", "device", "sda");
	assert_sample(ms, 0.003, "node_disk_flush_requests_time_seconds_total", "device",
		      "nvme0n1");
	assert_sample(ms, 16727491584.0, "node_disk_read_bytes_total", "device", "vda");

	assert_family(ms, "node_disk_read_time_seconds_total", METRIC_COUNTER,
		      "The total number of seconds spent by all reads.", -1);
	assert_int_equal(ms_find(ms, "node_disk_io_now")->type, METRIC_GAUGE);
	assert_string_equal(ms_find(ms, "node_disk_flush_requests_total")->help,
			    "The total number of flush requests completed successfully");
	ms_free(ms);
}

/* The default exclude regex drops partitions and pseudo devices only. */
static void test_diskstats_exclude(void **state)
{
	static const char *const dropped[] = {"sda1",  "sda2", "nvme0n1p1", "loop0",
					      "loop1", "ram0", "vda1"};
	static const char *const kept[] = {"sda", "nvme0n1", "dm-0",	 "sr0",
					   "vda", "mmcblk0", "mmcblk0p1"};
	struct metric_set *ms = ca_collect_tree(&collector_diskstats, "default", 0);

	for (size_t i = 0; i < ARRAY_SIZE(dropped); i++) {
		assert_no_sample(ms, "node_disk_reads_completed_total", "device", dropped[i]);
		assert_null(fixture_find_labeled(ms, "node_disk_info", "device", dropped[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		assert_non_null(
		    fixture_find(ms, "node_disk_reads_completed_total", "device", kept[i], NULL));
	assert_int_equal(ms_find(ms, "node_disk_io_now")->nsamples, ARRAY_SIZE(kept));
	ms_free(ms);
}

/* node_exporter 1.12's labels: the serial falls back from SCSI_IDENT_SERIAL to
 * ID_SERIAL_SHORT to ID_SERIAL; rotational is sysfs's flag, "0" when absent or
 * unreadable. */
static void test_diskstats_udev(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_diskstats, "default", 0);

	assert_sample(ms, 1, "node_disk_info", "device", "sda", "major", "8", "minor", "0", "model",
		      "TOSHIBA_KSDB4U86", "path", "pci-0000:3b:00.0-sas-phy7-lun-0", "revision",
		      "0102", "rotational", "1", "serial", "2160A0D5FVGG-LBL", "wwn",
		      "0x7c72382b8de36a64");
	assert_sample(ms, 1, "node_disk_info", "device", "nvme0n1", "major", "259", "minor", "0",
		      "model", "SAMSUNG EHFTF55LURSY-000Y9", "path", "pci-0000:02:00.0-nvme-1",
		      "revision", "4NBTUY95", "rotational", "0", "serial", "S252B6CU1HG3M1", "wwn",
		      "eui.p3vbbiejx5aae2r3");
	/* Virtio: only ID_SERIAL; a rotational file that is not a number reads as 0. */
	assert_sample(ms, 1, "node_disk_info", "device", "vda", "major", "254", "minor", "0",
		      "model", "", "path", "pci-0000:00:06.0", "revision", "", "rotational", "0",
		      "serial", "virtio-BHYVE-7F2A", "wwn", "");
	/* A udev file with an empty DM_NAME: no device mapper series, empty labels. */
	assert_sample(ms, 1, "node_disk_info", "device", "sr0", "major", "11", "minor", "0",
		      "model", "", "path", "", "revision", "", "rotational", "0", "serial", "",
		      "wwn", "");
	/* No udev file at all: the info sample is still there. */
	assert_sample(ms, 1, "node_disk_info", "device", "mmcblk0", "major", "179", "minor", "0",
		      "model", "", "path", "", "revision", "", "rotational", "0", "serial", "",
		      "wwn", "");
	assert_sample(ms, 7200, "node_disk_ata_rotation_rate_rpm", "device", "sda");
	assert_sample(ms, 1, "node_disk_ata_write_cache", "device", "sda");
	assert_sample(ms, 0, "node_disk_ata_write_cache_enabled", "device", "sda");
	/* vda carries an ATA rotation rate but udev did not say ID_ATA: no ATA series. */
	assert_no_sample(ms, "node_disk_ata_rotation_rate_rpm", "device", "vda");
	assert_int_equal(ca_nsamples(ms, "node_disk_ata_rotation_rate_rpm"), 1);
	assert_int_equal(ca_nsamples(ms, "node_disk_ata_write_cache"), 1);
	assert_sample(ms, 1, "node_disk_device_mapper_info", "device", "dm-0", "lv_layer", "",
		      "lv_name", "root", "name", "system-root", "uuid",
		      "LVM-NWEDo8q5ABDyJuC3F8veKNyWfYmeIBfFMS4MF3HakzUhkk7ekDm6fJTHkl2fYHe7",
		      "vg_name", "system");
	assert_int_equal(ca_nsamples(ms, "node_disk_device_mapper_info"), 1);
	assert_sample(ms, 1, "node_disk_filesystem_info", "device", "sda", "type", "LVM2_member",
		      "usage", "raid", "uuid", "cVVv6j-HSA2-IY33-1Jmj-dO2H-YL7w-b4Oxqw", "version",
		      "LVM2 001");
	assert_sample(ms, 1, "node_disk_filesystem_info", "device", "dm-0", "type", "ext4", "usage",
		      "filesystem", "uuid", "3deafd0d-faff-4695-8d15-51061ae1f51b", "version",
		      "1.0");
	assert_int_equal(ca_nsamples(ms, "node_disk_filesystem_info"), 2);
	ms_free(ms);
}

/* --path.udev.data that is not a directory: lookups are off, as in 1.12, and
 * every device still has its info sample with empty udev labels. */
static void test_diskstats_no_udev_dir(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "default");
	struct metric_set *ms = ms_new();

	assert_non_null(ms);
	strcat(p.udev_data, "/b8:0"); /* a file, not a directory */
	assert_int_equal(collector_diskstats.init(&ctx), 0);
	assert_int_equal(collector_diskstats.collect(&ctx, ms), 0);
	collector_diskstats.fini(&ctx);
	assert_sample(ms, 1, "node_disk_info", "device", "sda", "major", "8", "minor", "0", "model",
		      "", "path", "", "revision", "", "rotational", "1", "serial", "", "wwn", "");
	assert_null(ms_find(ms, "node_disk_ata_write_cache"));
	assert_null(ms_find(ms, "node_disk_filesystem_info"));
	ms_free(ms);
}

/* 14 columns (before 4.18): no discard or flush series; 18: discards only; longer lines
 * from newer kernels are read as far as we know the columns. */
static void test_diskstats_old_kernels(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_diskstats, "oldkernel", 0);

	assert_sample(ms, 4521, "node_disk_reads_completed_total", "device", "sda");
	assert_sample(ms, 13.888, "node_disk_io_time_weighted_seconds_total", "device", "sda");
	assert_no_sample(ms, "node_disk_discards_completed_total", "device", "sda");
	assert_no_sample(ms, "node_disk_flush_requests_total", "device", "sda");
	assert_no_sample(ms, "node_disk_reads_completed_total", "device", "sda1");

	assert_sample(ms, 2, "node_disk_io_now", "device", "vda");
	assert_sample(ms, 15, "node_disk_discards_completed_total", "device", "vda");
	assert_sample(ms, 4096, "node_disk_discarded_sectors_total", "device", "vda");
	assert_sample(ms, 0.008, "node_disk_discard_time_seconds_total", "device", "vda");
	assert_no_sample(ms, "node_disk_flush_requests_total", "device", "vda");

	assert_sample(ms, 0, "node_disk_flush_requests_total", "device", "vdb");
	assert_int_equal(ms_find(ms, "node_disk_flush_requests_total")->nsamples, 1);
	ms_free(ms);
}

static void test_diskstats_errors(void **state)
{
	assert_collect_errors(&collector_diskstats, ca_bad_trees, ARRAY_SIZE(ca_bad_trees), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diskstats_default), cmocka_unit_test(test_diskstats_exclude),
	    cmocka_unit_test(test_diskstats_udev),    cmocka_unit_test(test_diskstats_no_udev_dir),
	    cmocka_unit_test(test_diskstats_old_kernels),
	    cmocka_unit_test(test_diskstats_errors),
	};
	return cmocka_run_group_tests_name("diskstats", tests, NULL, NULL);
}
