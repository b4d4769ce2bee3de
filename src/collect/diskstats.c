/* diskstats: /proc/diskstats (+ udev's database) → node_disk_*.
 *
 * One pass over /proc/diskstats fills node_exporter 1.5's per-device counters,
 * converted to bytes and seconds at the edge. The kernel has grown the line
 * twice (4.18 added four discard columns, 5.5 two flush columns), so the
 * discard and flush families appear only for lines long enough to carry them;
 * longer lines from future kernels are read as far as we understand them.
 * node_disk_info and the udev-derived families (ATA, device mapper, filesystem
 * signature) come from <rootfs>/run/udev/data/b<major>:<minor>, the file
 * node_exporter reads through --path.udev.data; a device without one still
 * gets node_disk_info with empty labels, as 1.5 does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"

/* The kernel counts diskstats sectors in 512-byte units whatever the device's
 * logical block size (block/genhd.c, Documentation/admin-guide/iostats.rst). */
#define DISK_SECTOR_BYTES 512.0
/* Times are in milliseconds. Multiplying by the reciprocal rather than dividing
 * gives the very doubles node_exporter prints (9653.880000000001), so the two
 * outputs diff clean. */
#define DISK_SECONDS_PER_MS (1.0 / 1000.0)
#define UDEV_DATA_DIR "run/udev/data"

/* Columns before the counters: major, minor, name. */
#define DS_HEAD 3
#define DS_MIN_COLS 14	   /* before 4.18: 11 counters */
#define DS_DISCARD_COLS 18 /* 4.18+: discards */
#define DS_FLUSH_COLS 20   /* 5.5+: flushes */
#define DS_MAX_COLS 32

enum ds_scale { DS_RAW, DS_SECTORS, DS_MS };

/* The counter columns the host summary (summary.h) takes, by its counter. */
static const unsigned int ds_summary_cols[SUMMARY_DISK_NCOUNTERS] = {
	[SUMMARY_DISK_READS] = 0,         [SUMMARY_DISK_READ_BYTES] = 2,
	[SUMMARY_DISK_READ_SECONDS] = 3,  [SUMMARY_DISK_WRITES] = 4,
	[SUMMARY_DISK_WRITTEN_BYTES] = 6, [SUMMARY_DISK_WRITE_SECONDS] = 7,
};

/* One family per counter column; col is the counter's index after the name. */
static const struct ds_field {
	const char *name;
	const char *help;
	enum metric_type type;
	unsigned int col;
	enum ds_scale scale;
} ds_fields[] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
     METRIC_COUNTER, 0, DS_RAW},
    {"node_disk_reads_merged_total", "The total number of reads merged.", METRIC_COUNTER, 1,
     DS_RAW},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", METRIC_COUNTER,
     2, DS_SECTORS},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
     METRIC_COUNTER, 3, DS_MS},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
     METRIC_COUNTER, 4, DS_RAW},
    {"node_disk_writes_merged_total", "The number of writes merged.", METRIC_COUNTER, 5, DS_RAW},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
     METRIC_COUNTER, 6, DS_SECTORS},
    {"node_disk_write_time_seconds_total",
     "This is the total number of seconds spent by all writes.", METRIC_COUNTER, 7, DS_MS},
    {"node_disk_io_now", "The number of I/Os currently in progress.", METRIC_GAUGE, 8, DS_RAW},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", METRIC_COUNTER, 9,
     DS_MS},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     METRIC_COUNTER, 10, DS_MS},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     METRIC_COUNTER, 11, DS_RAW},
    {"node_disk_discards_merged_total", "The total number of discards merged.", METRIC_COUNTER, 12,
     DS_RAW},
    /* node_exporter exports this one in sectors, not bytes; we keep its name and unit so
     * existing queries stay right. */
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     METRIC_COUNTER, 13, DS_RAW},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", METRIC_COUNTER, 14, DS_MS},
    /* No full stop at the end: 1.5's text, kept byte for byte. */
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     METRIC_COUNTER, 15, DS_RAW},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", METRIC_COUNTER, 16, DS_MS},
};

/* The udev properties we export, as found in the database's "E:KEY=VALUE" lines. */
enum udev_prop {
	U_MODEL,
	U_PATH,
	U_REVISION,
	U_SERIAL,
	U_WWN,
	U_ATA_ROT,
	U_ATA_WC,
	U_ATA_WCE,
	U_DM_LV_LAYER,
	U_DM_LV_NAME,
	U_DM_NAME,
	U_DM_UUID,
	U_DM_VG_NAME,
	U_FS_TYPE,
	U_FS_USAGE,
	U_FS_UUID,
	U_FS_VERSION,
	U_NPROPS
};

static const char *const udev_keys[U_NPROPS] = {
    [U_MODEL] = "ID_MODEL",
    [U_PATH] = "ID_PATH",
    [U_REVISION] = "ID_REVISION",
    [U_SERIAL] = "ID_SERIAL_SHORT",
    [U_WWN] = "ID_WWN",
    [U_ATA_ROT] = "ID_ATA_ROTATION_RATE_RPM",
    [U_ATA_WC] = "ID_ATA_WRITE_CACHE",
    [U_ATA_WCE] = "ID_ATA_WRITE_CACHE_ENABLED",
    [U_DM_LV_LAYER] = "DM_LV_LAYER",
    [U_DM_LV_NAME] = "DM_LV_NAME",
    [U_DM_NAME] = "DM_NAME",
    [U_DM_UUID] = "DM_UUID",
    [U_DM_VG_NAME] = "DM_VG_NAME",
    [U_FS_TYPE] = "ID_FS_TYPE",
    [U_FS_USAGE] = "ID_FS_USAGE",
    [U_FS_UUID] = "ID_FS_UUID",
    [U_FS_VERSION] = "ID_FS_VERSION",
};

enum { DS_OPT_INCLUDE, DS_OPT_EXCLUDE };
static const struct collector_option diskstats_options[] = {
	[DS_OPT_INCLUDE] = { "collector.diskstats.device-include", COPT_REGEX, NULL,
			     "Regexp of diskstats devices to include (mutually exclusive to "
			     "device-exclude)" },
	/* 1.12's default: partitions and pseudo devices. */
	[DS_OPT_EXCLUDE] = { "collector.diskstats.device-exclude", COPT_REGEX,
			     "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$",
			     "Regexp of diskstats devices to exclude (mutually exclusive to "
			     "device-include)" },
	{ 0 },
};

/* Go's strconv.ParseBool, which node_exporter applies to the ATA flags; anything
 * else leaves the family out for that device, as 1.5 does. */
static int parse_go_bool(const char *s, double *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Fills props[] with pointers into b (borrowed; valid until b changes). A
 * missing or unreadable file leaves every property NULL. */
static void udev_read(const struct collect_ctx *ctx, const char *major, const char *minor,
		      struct buf *b, const char *props[U_NPROPS])
{
	char rel[128], *cur, *line;

	memset(props, 0, U_NPROPS * sizeof(*props));
	if (snprintf(rel, sizeof(rel), "%s/b%s:%s", UDEV_DATA_DIR, major, minor) >=
	    (int)sizeof(rel))
		return;
	if (read_file_at(ctx->rootfs ? ctx->rootfs : "/", rel, b))
		return;
	cur = b->data;
	while ((line = next_line(&cur))) {
		char *eq;

		if (strncmp(line, "E:", 2) != 0 || !(eq = strchr(line + 2, '=')))
			continue;
		*eq = '\0';
		for (size_t i = 0; i < U_NPROPS; i++) {
			if (!strcmp(line + 2, udev_keys[i])) {
				props[i] = eq + 1;
				break;
			}
		}
	}
}

static void udev_emit(struct metric_set *ms, const char *dev, const char *major, const char *minor,
		      const char *const p[U_NPROPS])
{
#define P(i) (p[i] ? p[i] : "")
	double v;

	ms_add(ms,
	       ms_family(ms, "node_disk_info", METRIC_GAUGE, "Info of /sys/block/<block_device>."),
	       1, "device", dev, "major", major, "minor", minor, "model", P(U_MODEL), "path",
	       P(U_PATH), "revision", P(U_REVISION), "serial", P(U_SERIAL), "wwn", P(U_WWN), NULL);
	if (p[U_ATA_ROT] && !parse_double(p[U_ATA_ROT], &v))
		ms_add(ms,
		       ms_family(ms, "node_disk_ata_rotation_rate_rpm", METRIC_GAUGE,
				 "ATA disk rotation rate in RPMs (0 for SSDs)."),
		       v, "device", dev, NULL);
	if (p[U_ATA_WC] && !parse_go_bool(p[U_ATA_WC], &v))
		ms_add(ms,
		       ms_family(ms, "node_disk_ata_write_cache", METRIC_GAUGE,
				 "ATA disk has a write cache."),
		       v, "device", dev, NULL);
	if (p[U_ATA_WCE] && !parse_go_bool(p[U_ATA_WCE], &v))
		ms_add(ms,
		       ms_family(ms, "node_disk_ata_write_cache_enabled", METRIC_GAUGE,
				 "ATA disk has its write cache enabled."),
		       v, "device", dev, NULL);
	if (p[U_DM_NAME])
		ms_add(ms,
		       ms_family(ms, "node_disk_device_mapper_info", METRIC_GAUGE,
				 "Info about disk device mapper."),
		       1, "device", dev, "lv_layer", P(U_DM_LV_LAYER), "lv_name", P(U_DM_LV_NAME),
		       "name", P(U_DM_NAME), "uuid", P(U_DM_UUID), "vg_name", P(U_DM_VG_NAME),
		       NULL);
	if (p[U_FS_TYPE] && *p[U_FS_TYPE])
		ms_add(ms,
		       ms_family(ms, "node_disk_filesystem_info", METRIC_GAUGE,
				 "Info about disk filesystem."),
		       1, "device", dev, "type", P(U_FS_TYPE), "usage", P(U_FS_USAGE), "uuid",
		       P(U_FS_UUID), "version", P(U_FS_VERSION), NULL);
#undef P
}

static int diskstats_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *fams[ARRAY_SIZE(ds_fields)] = {0};
	const char *props[U_NPROPS];
	struct buf b, ub;
	char *cur, *line;
	int err;

	buf_init(&b);
	buf_init(&ub);
	err = read_file_at(ctx->procfs, "diskstats", &b);
	if (err)
		goto out;
	cur = b.data;
	while ((line = next_line(&cur))) {
		char *f[DS_MAX_COLS];
		size_t n = split_fields(line, f, DS_MAX_COLS);
		size_t ncounters;
		uint64_t v[DS_FLUSH_COLS - DS_HEAD], dev_no;
		double scaled[DS_FLUSH_COLS - DS_HEAD], *disk;

		if (n == 0)
			continue;
		if (n < DS_MIN_COLS || parse_u64(f[0], &dev_no) || parse_u64(f[1], &dev_no)) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "diskstats: malformed line for %.64s", f[n > 2 ? 2 : 0]);
			err = -EINVAL;
			goto out;
		}
		/* Use only whole groups of columns: a 19-column line has discards, not flushes. */
		ncounters = n >= DS_FLUSH_COLS	   ? DS_FLUSH_COLS
			    : n >= DS_DISCARD_COLS ? DS_DISCARD_COLS
						   : DS_MIN_COLS;
		ncounters -= DS_HEAD;
		for (size_t i = 0; i < ncounters; i++) {
			if (parse_u64(f[DS_HEAD + i], &v[i])) {
				snprintf(ctx->detail, sizeof(ctx->detail),
					 "diskstats: bad counter %zu for %.64s", i + 1, f[2]);
				err = -EINVAL;
				goto out;
			}
		}
		if (device_filter_ignored(ctx->state, f[2]))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(ds_fields); i++) {
			const struct ds_field *d = &ds_fields[i];
			double x;

			if (d->col >= ncounters)
				continue;
			x = (double)v[d->col];
			if (d->scale == DS_SECTORS)
				x *= DISK_SECTOR_BYTES;
			else if (d->scale == DS_MS)
				x *= DISK_SECONDS_PER_MS;
			if (!fams[i])
				fams[i] = ms_family(ms, d->name, d->type, d->help);
			ms_add(ms, fams[i], x, "device", f[2], NULL);
			scaled[d->col] = x;
		}
		/* Every line has the 11 counters of the oldest format (DS_MIN_COLS). */
		disk = summary_add(ctx->summary, SUMMARY_DISKS, f[2]);
		for (size_t k = 0; disk && k < SUMMARY_DISK_NCOUNTERS; k++)
			disk[k] = scaled[ds_summary_cols[k]];
		udev_read(ctx, f[0], f[1], &ub, props);
		udev_emit(ms, f[2], f[0], f[1], props);
	}
	err = ms_error(ms);
out:
	buf_free(&ub);
	buf_free(&b);
	return err;
}

static int diskstats_init(struct collect_ctx *ctx)
{
	ctx->state = device_filter_new(ctx, &diskstats_options[DS_OPT_INCLUDE],
				       &diskstats_options[DS_OPT_EXCLUDE]);
	return ctx->state ? 0 : -errno;
}

static void diskstats_fini(struct collect_ctx *ctx)
{
	device_filter_free(ctx->state);
}

const struct collector collector_diskstats = {
    .name = "diskstats",
    .help = "Disk I/O statistics from /proc/diskstats",
    .default_enabled = true,
    .options = diskstats_options,
    .init = diskstats_init,
    .collect = diskstats_collect,
    .fini = diskstats_fini,
};
