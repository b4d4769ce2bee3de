/* btrfs: /sys/fs/btrfs/<uuid> → node_btrfs_* per filesystem, as node_exporter
 * 1.12 reads them from sysfs (procfs's btrfs.Stats()).
 *
 * node_exporter also opens each mounted btrfs and asks the kernel by ioctl
 * for per-device sizes and error counters; where that works it replaces the
 * sysfs device sizes with node_btrfs_device_size_bytes{device,btrfs_dev_uuid}
 * and adds _device_unused_bytes and _device_errors_total. Those ioctls run on
 * the mount itself and can block behind a wedged filesystem, so they are not
 * made here: the device sizes are always the sysfs ones, which are what
 * node_exporter exports when its ioctls fail (and on its own fixtures).
 *
 * procfs reads numbers leniently: a missing or unparsable value is 0, and a
 * missing directory has nothing in it. Two things fail the collector, as
 * there: a commit_stats line that is not "name number", and no
 * allocation/system directory. No btrfs filesystem is -ENODATA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

#define BTRFS_SECTOR 512

struct btrfs_fs {
	const char *dir;        /* /sys/fs/btrfs/<uuid> */
	const char *uuid;
	size_t ndev;
	struct buf *b;
	struct metric_set *ms;
};

/* procfs's readValue(): 0 for anything but a whole decimal number. */
static uint64_t btrfs_value(const struct btrfs_fs *fs, const char *rel)
{
	uint64_t v;

	return sysfs_read_u64(fs->dir, rel, fs->b, &v) ? 0 : v;
}

static void btrfs_add(const struct btrfs_fs *fs, const char *name, enum metric_type type,
		      const char *help, double v, const char *lname, const char *lval,
		      const char *mode)
{
	/* In name order, as node_exporter prints them: uuid sorts last. */
	struct label l[3];
	uint32_t n = 0;

	if (lname)
		l[n++] = (struct label){ lname, lval };
	if (mode)
		l[n++] = (struct label){ "mode", mode };
	l[n++] = (struct label){ "uuid", fs->uuid };
	ms_add_labels(fs->ms, ms_family(fs->ms, name, type, help), v, l, n);
}

/* Data's share of raw space in a profile (procfs's calcRatio()); raid5 and
 * raid6 divide as it does, so one device gives +Inf there too. */
static double btrfs_ratio(const char *mode, size_t ndev)
{
	double n = (double)ndev;

	if (!strcmp(mode, "single") || !strcmp(mode, "raid0"))
		return 1;
	if (!strcmp(mode, "dup") || !strcmp(mode, "raid1") || !strcmp(mode, "raid10"))
		return 2;
	if (!strcmp(mode, "raid1c3"))
		return 3;
	if (!strcmp(mode, "raid1c4"))
		return 4;
	if (!strcmp(mode, "raid5"))
		return n / (n - 1);
	if (!strcmp(mode, "raid6"))
		return n / (n - 2);
	return 0;
}

static int btrfs_allocation(const struct btrfs_fs *fs, const char *type)
{
	struct sysfs_dir d;
	char rel[64], sub[4352];
	int err;

	snprintf(rel, sizeof(rel), "allocation/%s/bytes_reserved", type);
	btrfs_add(fs, "node_btrfs_reserved_bytes", METRIC_GAUGE,
		  "Amount of space reserved for a data type", (double)btrfs_value(fs, rel),
		  "block_group_type", type, NULL);
	snprintf(rel, sizeof(rel), "allocation/%s", type);
	err = sysfs_dir_read(&d, fs->dir, rel);
	if (err)
		return err;
	for (size_t i = 0; i < d.n; i++) {
		const char *mode = sysfs_dir_name(&d, i);
		struct stat st;
		uint64_t total, used;

		if (snprintf(sub, sizeof(sub), "%s/%s/%s", fs->dir, rel, mode) >= (int)sizeof(sub) ||
		    lstat(sub, &st) || !S_ISDIR(st.st_mode) || !pp_label_text(mode, strlen(mode)))
			continue;
		total = sysfs_read_u64(sub, "total_bytes", fs->b, &total) ? 0 : total;
		used = sysfs_read_u64(sub, "used_bytes", fs->b, &used) ? 0 : used;
		btrfs_add(fs, "node_btrfs_used_bytes", METRIC_GAUGE,
			  "Amount of used space by a layout/data type", (double)used,
			  "block_group_type", type, mode);
		btrfs_add(fs, "node_btrfs_size_bytes", METRIC_GAUGE,
			  "Amount of space allocated for a layout/data type", (double)total,
			  "block_group_type", type, mode);
		btrfs_add(fs, "node_btrfs_allocation_ratio", METRIC_GAUGE,
			  "Data allocation ratio for a layout/data type", btrfs_ratio(mode, fs->ndev),
			  "block_group_type", type, mode);
	}
	sysfs_dir_free(&d);
	return 0;
}

/* commit_stats: "name value" lines; the four procfs knows are exported. */
static int btrfs_commits(const struct btrfs_fs *fs)
{
	static const char *const names[] = { "commits", "last_commit_ms", "max_commit_ms",
					     "total_commit_ms" };
	uint64_t v[4] = { 0 };
	int err = read_file_at(fs->dir, "commit_stats", fs->b);

	if (err == -ENOENT)
		err = 0;
	else if (!err && fs->b->len && !(err = pp_check_text(fs->b)))
		for (char *line = fs->b->data, *nl; *line; line = nl + 1) {
			char *f[3];
			uint64_t x;

			nl = strchr(line, '\n');
			*nl = '\0';
			if (split_fields(line, f, 3) != 2 || parse_u64(f[1], &x))
				return -EINVAL;
			for (size_t i = 0; i < ARRAY_SIZE(names); i++)
				if (!strcmp(f[0], names[i]))
					v[i] = x;
		}
	if (err)
		return err;
	btrfs_add(fs, "node_btrfs_commits_total", METRIC_COUNTER,
		  "The total number of commits that have occurred.", (double)v[0], NULL, NULL, NULL);
	btrfs_add(fs, "node_btrfs_last_commit_seconds", METRIC_GAUGE,
		  "Duration of the most recent commit, in seconds.", (double)v[1] / 1000, NULL, NULL,
		  NULL);
	btrfs_add(fs, "node_btrfs_max_commit_seconds", METRIC_GAUGE,
		  "Duration of the slowest commit, in seconds.", (double)v[2] / 1000, NULL, NULL, NULL);
	btrfs_add(fs, "node_btrfs_commit_seconds_total", METRIC_COUNTER,
		  "Sum of the duration of all commits, in seconds.", (double)v[3] / 1000, NULL, NULL,
		  NULL);
	return 0;
}

/* A one-line text file as a label value: "" when absent, invalid UTF-8
 * replaced (client_golang refuses it). */
static const char *btrfs_text(struct btrfs_fs *fs, const char *rel, struct buf *out)
{
	buf_reset(out);
	if (!sysfs_read_str(fs->dir, rel, fs->b))
		sysfs_valid_utf8(out, fs->b->data, fs->b->len);
	buf_put(out, "", 1);
	return out->oom ? "" : out->data;
}

static int btrfs_one(struct metric_set *ms, const char *dir, const char *name, struct buf *b)
{
	struct btrfs_fs fs = { .dir = dir, .b = b, .ms = ms };
	struct buf uuid, label;
	struct sysfs_dir devs;
	int err;

	buf_init(&uuid);
	buf_init(&label);
	if (sysfs_dir_read(&devs, dir, "devices"))
		devs.n = 0;
	fs.ndev = devs.n;
	fs.uuid = btrfs_text(&fs, "metadata_uuid", &uuid);
	if (!*fs.uuid) {
		buf_reset(&uuid);
		sysfs_valid_utf8(&uuid, name, strlen(name));
		buf_put(&uuid, "", 1);
		fs.uuid = uuid.oom ? name : uuid.data;
	}
	btrfs_add(&fs, "node_btrfs_info", METRIC_GAUGE, "Filesystem information", 1, "label",
		  btrfs_text(&fs, "label", &label), NULL);
	btrfs_add(&fs, "node_btrfs_global_rsv_size_bytes", METRIC_GAUGE, "Size of global reserve.",
		  (double)btrfs_value(&fs, "allocation/global_rsv_size"), NULL, NULL, NULL);
	err = btrfs_commits(&fs);
	btrfs_allocation(&fs, "data");
	btrfs_allocation(&fs, "metadata");
	if (!err)
		err = btrfs_allocation(&fs, "system");
	for (size_t i = 0; !err && i < devs.n; i++) {
		const char *dev = sysfs_dir_name(&devs, i);
		char rel[300];

		if (snprintf(rel, sizeof(rel), "devices/%s/size", dev) >= (int)sizeof(rel) ||
		    !pp_label_text(dev, strlen(dev)))
			continue;
		btrfs_add(&fs, "node_btrfs_device_size_bytes", METRIC_GAUGE,
			  "Size of a device that is part of the filesystem.",
			  (double)(BTRFS_SECTOR * btrfs_value(&fs, rel)), "device", dev, NULL);
	}
	sysfs_dir_free(&devs);
	buf_free(&uuid);
	buf_free(&label);
	return err;
}

/* The per-set state sysfs_each_set() passes through. */
struct btrfs_walk {
	struct metric_set *ms;
	struct buf b;
};

static int btrfs_set(const char *dir, const char *name, void *arg)
{
	struct btrfs_walk *w = arg;

	return btrfs_one(w->ms, dir, name, &w->b);
}

static int btrfs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct btrfs_walk w = { .ms = ms };
	int err;

	buf_init(&w.b);
	err = sysfs_each_set(ctx->sysfs, "fs/btrfs", btrfs_set, &w);
	buf_free(&w.b);
	return err;
}

const struct collector collector_btrfs = {
	.name = "btrfs",
	.help = "Btrfs allocation, commit and device statistics from /sys/fs/btrfs",
	.default_enabled = true,
	.collect = btrfs_collect,
};
