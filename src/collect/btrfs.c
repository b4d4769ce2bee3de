/* btrfs: /sys/fs/btrfs/<uuid> → node_btrfs_* per filesystem, as node_exporter
 * 1.12 reads them from sysfs (procfs's btrfs.Stats()).
 *
 * node_exporter also opens each mounted btrfs and asks the kernel by ioctl
 * for per-device sizes and error counters; where that works it replaces the
 * sysfs device sizes with node_btrfs_device_size_bytes{device,btrfs_dev_uuid}
 * and adds _device_unused_bytes and _device_errors_total. Those ioctls run on
 * the mount itself and can block behind a wedged filesystem, so they are not
 * made here: the device sizes are always the sysfs ones, which are what
 * node_exporter exports when its ioctls fail (and on its own fixtures). The
 * error counters come from devinfo/<devid>/error_stats instead (Linux 5.14:
 * "btrfs: sysfs: export dev stats in devinfo directory"), the same five
 * counters the ioctl returns, as
 * node_btrfs_device_errors_total{device,type,uuid}.
 *
 * procfs reads numbers leniently: a missing or unparsable value is 0, and a
 * missing directory has nothing in it. Two things fail the collector, as
 * there: a commit_stats line that is not "name number", and no
 * allocation/system directory; and a damaged error_stats file, which has no
 * counterpart there. No btrfs filesystem is -ENODATA.
 */
#include <errno.h>
#include <inttypes.h>
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
	const char *name;       /* <uuid>, the directory's own name */
	const char *uuid;
	size_t ndev;
	struct buf *b;
	struct metric_set *ms;
	struct collect_ctx *ctx;
};

/* procfs's readValue(): 0 for anything but a whole decimal number. */
static uint64_t btrfs_value(const struct btrfs_fs *fs, const char *rel)
{
	uint64_t v;

	return sysfs_read_u64(NULL, fs->dir, rel, fs->b, &v) ? 0 : v;
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
		total = sysfs_read_u64(NULL, sub, "total_bytes", fs->b, &total) ? 0 : total;
		used = sysfs_read_u64(NULL, sub, "used_bytes", fs->b, &used) ? 0 : used;
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

/* A whole file of "name number" lines in b (commit_stats, error_stats): the
 * number of keys[i] goes to v[i] and sets bit i of *seen; names not in keys
 * (a later kernel's) are skipped. 0, or -EINVAL for any other line or a file
 * cut short. */
static int btrfs_kv(struct buf *b, const char *const *keys, size_t nkeys, uint64_t *v,
		    unsigned *seen)
{
	if (pp_check_text(b))
		return -EINVAL;
	for (char *line = b->data, *nl; *line; line = nl + 1) {
		char *f[3];
		uint64_t x;

		nl = strchr(line, '\n');
		*nl = '\0';
		if (split_fields(line, f, 3) != 2 || parse_u64(f[1], &x))
			return -EINVAL;
		for (size_t i = 0; i < nkeys; i++)
			if (!strcmp(f[0], keys[i])) {
				v[i] = x;
				*seen |= 1u << i;
			}
	}
	return 0;
}

/* commit_stats: "name value" lines; the four procfs knows are exported. */
static int btrfs_commits(const struct btrfs_fs *fs)
{
	static const char *const names[] = { "commits", "last_commit_ms", "max_commit_ms",
					     "total_commit_ms" };
	uint64_t v[4] = { 0 };
	unsigned seen = 0;
	int err = read_file_at(fs->dir, "commit_stats", fs->b);

	if (err == -ENOENT)
		err = 0;
	else if (!err && fs->b->len)
		err = btrfs_kv(fs->b, names, ARRAY_SIZE(names), v, &seen);
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

/* error_stats keys in the kernel's order (enum btrfs_dev_stat_values), and
 * the type label node_exporter gives each. */
static const char *const btrfs_err_keys[] = { "write_errs", "read_errs", "flush_errs",
					      "corruption_errs", "generation_errs" };
static const char *const btrfs_err_types[] = { "write", "read", "flush", "corruption",
					       "generation" };

/* One error_stats file in b into v: 0, -ENODATA for the kernel's "invalid"
 * (the counters are not loaded from disk yet), or -EINVAL when a line is not
 * "name number" or a counter is missing. */
static int btrfs_parse_errors(struct buf *b, uint64_t v[ARRAY_SIZE(btrfs_err_keys)])
{
	unsigned seen = 0;
	int err;

	if (b->len == strlen("invalid\n") && !memcmp(b->data, "invalid\n", b->len))
		return -ENODATA;
	err = btrfs_kv(b, btrfs_err_keys, ARRAY_SIZE(btrfs_err_keys), v, &seen);
	if (err)
		return err;
	return seen == (1u << ARRAY_SIZE(btrfs_err_keys)) - 1 ? 0 : -EINVAL;
}

/* The device label of a devid. sysfs does not say which block device a devid
 * is: with one of each the name is certain; with several it is "devid:N", as
 * btrfs-progs names a device it has no path for. */
static void btrfs_device_name(const struct sysfs_dir *devs, size_t nids, uint64_t devid,
			      char *out, size_t outsz)
{
	const char *only = nids == 1 && devs->n == 1 ? sysfs_dir_name(devs, 0) : NULL;

	if (only && pp_label_text(only, strlen(only)) &&
	    snprintf(out, outsz, "%s", only) < (int)outsz)
		return;
	snprintf(out, outsz, "devid:%" PRIu64, devid);
}

/* node_btrfs_device_errors_total of each devinfo/<devid>. No devinfo (before
 * 5.9), no error_stats (before 5.14) or stats not yet valid: no series. A
 * damaged file fails the collector, named. */
static int btrfs_device_errors(const struct btrfs_fs *fs, const struct sysfs_dir *devs)
{
	struct family *fam = NULL;
	struct sysfs_dir ids;
	int err = 0;

	if (sysfs_dir_read(&ids, fs->dir, "devinfo"))
		return 0;
	for (size_t i = 0; !err && i < ids.n; i++) {
		const char *id = sysfs_dir_name(&ids, i);
		uint64_t devid, v[ARRAY_SIZE(btrfs_err_keys)];
		char rel[64], device[64];

		if (parse_u64(id, &devid) ||
		    snprintf(rel, sizeof(rel), "devinfo/%s/error_stats", id) >= (int)sizeof(rel))
			continue;
		err = read_file_at(fs->dir, rel, fs->b);
		if (err == -ENOENT || err == -ENOTDIR) {
			err = 0;
			continue;
		}
		if (!err)
			err = btrfs_parse_errors(fs->b, v);
		if (err == -ENODATA) {
			err = 0;
			continue;
		}
		if (err) {
			snprintf(fs->ctx->detail, sizeof(fs->ctx->detail), "fs/btrfs/%.64s/%s: %s",
				 fs->name, rel,
				 err == -EINVAL ? "not five \"name count\" lines" : strerror(-err));
			break;
		}
		btrfs_device_name(devs, ids.n, devid, device, sizeof(device));
		if (!fam)
			fam = ms_family(fs->ms, "node_btrfs_device_errors_total", METRIC_COUNTER,
					"Errors reported for the device");
		for (size_t t = 0; t < ARRAY_SIZE(btrfs_err_types); t++) {
			struct label l[3] = { { "device", device },
					      { "type", btrfs_err_types[t] },
					      { "uuid", fs->uuid } };

			ms_add_labels(fs->ms, fam, (double)v[t], l, 3);
		}
	}
	sysfs_dir_free(&ids);
	return err;
}

/* A one-line text file as a label value: "" when absent, invalid UTF-8
 * replaced (client_golang refuses it). */
static const char *btrfs_text(struct btrfs_fs *fs, const char *rel, struct buf *out)
{
	buf_reset(out);
	if (!sysfs_read_str(NULL, fs->dir, rel, fs->b))
		sysfs_valid_utf8(out, fs->b->data, fs->b->len);
	buf_put(out, "", 1);
	return out->oom ? "" : out->data;
}

static int btrfs_one(struct collect_ctx *ctx, struct metric_set *ms, const char *dir,
		     const char *name, struct buf *b)
{
	struct btrfs_fs fs = { .dir = dir, .name = name, .b = b, .ms = ms, .ctx = ctx };
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
	if (!err)
		err = btrfs_device_errors(&fs, &devs);
	sysfs_dir_free(&devs);
	buf_free(&uuid);
	buf_free(&label);
	return err;
}

/* The per-set state sysfs_each_set() passes through. */
struct btrfs_walk {
	struct collect_ctx *ctx;
	struct metric_set *ms;
	struct buf b;
};

static int btrfs_set(const char *dir, const char *name, void *arg)
{
	struct btrfs_walk *w = arg;

	return btrfs_one(w->ctx, w->ms, dir, name, &w->b);
}

static int btrfs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct btrfs_walk w = { .ctx = ctx, .ms = ms };
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
