/* diskstats: /proc/diskstats (+ udev's database) → node_disk_*.
 *
 * One pass over /proc/diskstats fills node_exporter 1.5's per-device counters,
 * converted to bytes and seconds at the edge. The kernel has grown the line
 * twice (4.18 added four discard columns, 5.5 two flush columns), so the
 * discard and flush families appear only for lines long enough to carry them;
 * longer lines from future kernels are read as far as we understand them.
 * node_disk_info and the udev-derived families (ATA, device mapper, filesystem
 * signature) come from <--path.udev.data>/b<major>:<minor>, as in node_exporter
 * 1.12; a device without that file still gets node_disk_info with empty
 * labels, and a missing directory disables the lookups with a warning at
 * start-up (node_exporter logs an error; a container without udev is ordinary).
 * The rotational label is /sys/block/<dev>/queue/rotational, "0" when unreadable.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "log.h"
#include "sysfs.h"
#include "util.h"

/* The kernel counts diskstats sectors in 512-byte units whatever the device's
 * logical block size (block/genhd.c, Documentation/admin-guide/iostats.rst). */
#define DISK_SECTOR_BYTES 512.0
/* Times are in milliseconds. Multiplying by the reciprocal rather than dividing
 * gives the very doubles node_exporter prints (9653.880000000001), so the two
 * outputs diff clean. */
#define DISK_SECONDS_PER_MS (1.0 / 1000.0)

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
	U_SCSI_SERIAL,
	U_SERIAL_SHORT,
	U_SERIAL,
	U_WWN,
	U_ATA,
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
    [U_SCSI_SERIAL] = "SCSI_IDENT_SERIAL",
    [U_SERIAL_SHORT] = "ID_SERIAL_SHORT",
    [U_SERIAL] = "ID_SERIAL",
    [U_WWN] = "ID_WWN",
    [U_ATA] = "ID_ATA",
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

struct ds_state {
	struct device_filter *filter;
	/* Whether --path.udev.data was a directory at start-up (node_exporter
	 * checks once and never looks again). */
	bool udev;
};

/* Parses udev database text ("E:KEY=VALUE" lines; others are not properties)
 * in place, pointing props[] into it; a key we do not export is skipped, a
 * repeated one keeps its last value, as node_exporter's map does. */
static void udev_parse(char *text, const char *props[U_NPROPS])
{
	char *line;

	memset(props, 0, U_NPROPS * sizeof(*props));
	while ((line = next_line(&text))) {
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

/* Fills props[] from the device's udev file, pointers into b (valid until b
 * changes); a missing or unreadable file leaves every property NULL. */
static void udev_read(const struct collect_ctx *ctx, const struct ds_state *st, const char *major,
		      const char *minor, struct buf *b, const char *props[U_NPROPS])
{
	char rel[128];

	memset(props, 0, U_NPROPS * sizeof(*props));
	if (!st->udev ||
	    snprintf(rel, sizeof(rel), "b%s:%s", major, minor) >= (int)sizeof(rel) ||
	    read_file_at(ctx->udev_data, rel, b))
		return;
	udev_parse(b->data, props);
}

/* "1" for a rotating disk, else "0", unreadable included (1.12's rotationalLabel). */
static const char *ds_rotational(struct collect_ctx *ctx, const char *dev, struct buf *b)
{
	char rel[160];
	uint64_t v;

	if (snprintf(rel, sizeof(rel), "block/%s/queue/rotational", dev) >= (int)sizeof(rel) ||
	    sysfs_read_u64(ctx, ctx->sysfs, rel, b, &v))
		return "0";
	return v == 1 ? "1" : "0";
}

/* The first non-empty of the properties given, else "". */
static const char *udev_first(const char *const p[U_NPROPS], const enum udev_prop *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[order[i]] && *p[order[i]])
			return p[order[i]];
	return "";
}

static void udev_emit(struct metric_set *ms, const char *dev, const char *major, const char *minor,
		      const char *rotational, const char *const p[U_NPROPS])
{
#define P(i) (p[i] ? p[i] : "")
	/* The serial printed on the label first, then the short and the long
	 * (virtio) forms, in 1.12's order. */
	static const enum udev_prop serials[] = { U_SCSI_SERIAL, U_SERIAL_SHORT, U_SERIAL };
	static const struct {
		enum udev_prop prop;
		const char *name, *help;
	} ata[] = {
		{ U_ATA_ROT, "node_disk_ata_rotation_rate_rpm",
		  "ATA disk rotation rate in RPMs (0 for SSDs)." },
		{ U_ATA_WC, "node_disk_ata_write_cache", "ATA disk has a write cache." },
		{ U_ATA_WCE, "node_disk_ata_write_cache_enabled",
		  "ATA disk has its write cache enabled." },
	};
	double v;

	ms_add(ms,
	       ms_family(ms, "node_disk_info", METRIC_GAUGE, "Info of /sys/block/<block_device>."),
	       1, "device", dev, "major", major, "minor", minor, "model", P(U_MODEL), "path",
	       P(U_PATH), "revision", P(U_REVISION), "rotational", rotational, "serial",
	       udev_first(p, serials, ARRAY_SIZE(serials)), "wwn", P(U_WWN), NULL);
	/* Only a disk udev identified as ATA has the ATA families; a value that
	 * is not a number leaves that family out for the device. */
	for (size_t i = 0; p[U_ATA] && *p[U_ATA] && i < ARRAY_SIZE(ata); i++)
		if (p[ata[i].prop] && !parse_double(p[ata[i].prop], &v))
			ms_add(ms, ms_family(ms, ata[i].name, METRIC_GAUGE, ata[i].help), v,
			       "device", dev, NULL);
	if (p[U_DM_NAME] && *p[U_DM_NAME])
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
	const struct ds_state *st = ctx->state;
	const char *props[U_NPROPS], *rot;
	struct buf b, ub;
	char *cur, *line;
	int err;

	buf_init(&b);
	buf_init(&ub);
	err = collect_read(ctx, ctx->procfs, "diskstats", &b);
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
		if (device_filter_ignored(st->filter, f[2]))
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
		/* ds_rotational() uses ub as scratch, so it goes before ub holds the udev file. */
		rot = ds_rotational(ctx, f[2], &ub);
		udev_read(ctx, st, f[0], f[1], &ub, props);
		udev_emit(ms, f[2], f[0], f[1], rot, props);
	}
	err = ms_error(ms);
out:
	buf_free(&ub);
	buf_free(&b);
	return err;
}

static int diskstats_init(struct collect_ctx *ctx)
{
	struct ds_state *st = calloc(1, sizeof(*st));
	struct stat sb;

	if (!st)
		return -ENOMEM;
	st->filter = device_filter_new(ctx, &diskstats_options[DS_OPT_INCLUDE],
				       &diskstats_options[DS_OPT_EXCLUDE]);
	if (!st->filter) {
		int err = -errno;

		free(st);
		return err;
	}
	st->udev = ctx->udev_data && !stat(ctx->udev_data, &sb) && S_ISDIR(sb.st_mode);
	if (!st->udev)
		log_warnf("diskstats", LOG_KV("path", ctx->udev_data ? ctx->udev_data : ""),
			   "Failed to open directory, disabling udev device properties");
	ctx->state = st;
	return 0;
}

static void diskstats_fini(struct collect_ctx *ctx)
{
	struct ds_state *st = ctx->state;

	if (!st)
		return;
	device_filter_free(st->filter);
	free(st);
	ctx->state = NULL;
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
