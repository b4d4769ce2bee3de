/* dmmultipath: the device-mapper multipath maps among <sysfs>/block/dm-* (those
 * whose dm/uuid starts with "mpath-") → node_dmmultipath_device_info{device,
 * sysfs_name,uuid} 1, device_active, device_size_bytes, device_paths,
 * device_paths_active and device_paths_failed {device,sysfs_name}, and
 * node_dmmultipath_path_state{device,path,state} 1 per slave, as node_exporter
 * 1.12 (procfs's blockdevice.DMMultipathDevices()).
 *
 * A path is active when its /sys/block/<slave>/device/state reads "running"
 * (SCSI) or "live" (NVMe). A dm device without dm/uuid is not a
 * device-mapper device and is skipped, as there. No multipath map at all (no
 * /sys/block, or no dm-* with an mpath- uuid): -ENODATA, so a host without
 * multipath reads "no data" in /health rather than an empty success. A map
 * missing dm/name, dm/suspended, size or a slave's state fails the collector
 * with the file named (node_exporter reports "no data" for a missing file).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

enum { DM_INFO, DM_ACTIVE, DM_SIZE, DM_PATHS, DM_PATHS_ACTIVE, DM_PATHS_FAILED, DM_PATH_STATE,
       DM_NFAMS };

static const struct {
	const char *name, *help;
} dm_fams[DM_NFAMS] = {
	[DM_INFO] = { "node_dmmultipath_device_info",
		      "Non-numeric information about a DM-multipath device." },
	[DM_ACTIVE] = { "node_dmmultipath_device_active",
			"Whether the multipath device-mapper device is active (1) or suspended "
			"(0)." },
	[DM_SIZE] = { "node_dmmultipath_device_size_bytes",
		      "Size of the multipath device in bytes, read from /sys/block/<dm>/size." },
	[DM_PATHS] = { "node_dmmultipath_device_paths", "Number of paths for a multipath device." },
	[DM_PATHS_ACTIVE] = { "node_dmmultipath_device_paths_active",
			      "Number of paths in active state (SCSI running or NVMe live) for a "
			      "multipath device." },
	[DM_PATHS_FAILED] = { "node_dmmultipath_device_paths_failed",
			      "Number of paths not in active state for a multipath device." },
	[DM_PATH_STATE] = { "node_dmmultipath_path_state",
			    "Reports the underlying device state for a multipath path, as read "
			    "from /sys/block/<dev>/device/state." },
};

static int dm_fail(struct collect_ctx *ctx, const char *rel, int err, const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "%.200s: %s", rel, why ? why : strerror(-err));
	return err;
}

/* One attribute as label text: read, trimmed, valid UTF-8. */
static int dm_label(struct collect_ctx *ctx, const char *rel, struct buf *b)
{
	int err = sysfs_read_str(ctx, ctx->sysfs, rel, b);

	if (err)
		return dm_fail(ctx, rel, err, NULL);
	if (!pp_label_text(b->data, b->len))
		return dm_fail(ctx, rel, -EINVAL, "not UTF-8 text");
	return 0;
}

static int dm_number(struct collect_ctx *ctx, const char *rel, struct buf *b, uint64_t *v)
{
	int err = sysfs_read_u64(ctx, ctx->sysfs, rel, b, v);

	return err ? dm_fail(ctx, rel, err, err == -EINVAL ? "not a number" : NULL) : 0;
}

/* The slaves of dm-N: one path_state sample each, and the counts. */
static int dm_paths(struct collect_ctx *ctx, struct metric_set *ms, struct family **f,
		    const char *dm, const char *name, struct buf *b, double count[3])
{
	struct sysfs_dir slaves;
	char rel[512];
	int err;

	snprintf(rel, sizeof(rel), "block/%s/slaves", dm);
	err = sysfs_dir_read(&slaves, ctx->sysfs, rel);
	if (err == -ENOENT)
		return 0;
	if (err)
		return dm_fail(ctx, rel, err, NULL);
	for (size_t i = 0; !err && i < slaves.n; i++) {
		const char *path = sysfs_dir_name(&slaves, i);
		bool active;

		if (snprintf(rel, sizeof(rel), "block/%s/device/state", path) >= (int)sizeof(rel) ||
		    !pp_label_text(path, strlen(path))) {
			err = dm_fail(ctx, dm, -EINVAL, "a slave's name is not a device name");
			break;
		}
		err = dm_label(ctx, rel, b);
		if (err)
			break;
		active = !strcmp(b->data, "running") || !strcmp(b->data, "live");
		count[0]++;
		count[active ? 1 : 2]++;
		if (!f[DM_PATH_STATE])
			f[DM_PATH_STATE] = ms_family(ms, dm_fams[DM_PATH_STATE].name, METRIC_GAUGE,
						     dm_fams[DM_PATH_STATE].help);
		ms_add(ms, f[DM_PATH_STATE], 1, "device", name, "path", path, "state", b->data,
		       NULL);
	}
	sysfs_dir_free(&slaves);
	return err;
}

/* dm-N if it is a multipath map: 1 when exported, 0 when not one. */
static int dm_device(struct collect_ctx *ctx, struct metric_set *ms, struct family **f,
		     const char *dm, struct buf *b)
{
	char rel[512], uuid[256], name[256];
	uint64_t suspended, sectors;
	double count[3] = { 0 }; /* paths, active, failed */
	int err;

	if (!pp_label_text(dm, strlen(dm)))
		return dm_fail(ctx, dm, -EINVAL, "device name not UTF-8 text");
	snprintf(rel, sizeof(rel), "block/%s/dm/uuid", dm);
	err = sysfs_read_str(ctx, ctx->sysfs, rel, b);
	if (err == -ENOENT)
		return 0; /* not a device-mapper device */
	if (err)
		return dm_fail(ctx, rel, err, NULL);
	if (strncmp(b->data, "mpath-", 6))
		return 0;
	if (b->len >= sizeof(uuid) || !pp_label_text(b->data, b->len))
		return dm_fail(ctx, rel, -EINVAL, "not a UUID");
	memcpy(uuid, b->data, b->len + 1);
	snprintf(rel, sizeof(rel), "block/%s/dm/name", dm);
	err = dm_label(ctx, rel, b);
	if (!err && b->len >= sizeof(name))
		err = dm_fail(ctx, rel, -EINVAL, "too long");
	if (err)
		return err;
	memcpy(name, b->data, b->len + 1);
	snprintf(rel, sizeof(rel), "block/%s/dm/suspended", dm);
	err = dm_number(ctx, rel, b, &suspended);
	if (!err) {
		snprintf(rel, sizeof(rel), "block/%s/size", dm);
		err = dm_number(ctx, rel, b, &sectors);
	}
	if (!err)
		err = dm_paths(ctx, ms, f, dm, name, b, count);
	if (err)
		return err;
	for (size_t i = 0; i < DM_PATH_STATE; i++)
		if (!f[i])
			f[i] = ms_family(ms, dm_fams[i].name, METRIC_GAUGE, dm_fams[i].help);
	ms_add(ms, f[DM_INFO], 1, "device", name, "sysfs_name", dm, "uuid", uuid, NULL);
	ms_add(ms, f[DM_ACTIVE], suspended != 1, "device", name, "sysfs_name", dm, NULL);
	/* 512-byte sectors, wrapping as procfs's uint64 product does. */
	ms_add(ms, f[DM_SIZE], (double)(sectors * 512), "device", name, "sysfs_name", dm, NULL);
	for (size_t i = 0; i < 3; i++)
		ms_add(ms, f[DM_PATHS + i], count[i], "device", name, "sysfs_name", dm, NULL);
	return 1;
}

static int dmmultipath_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *f[DM_NFAMS] = { 0 };
	struct sysfs_dir block;
	size_t maps = 0;
	struct buf b;
	int err;

	err = sysfs_dir_read(&block, ctx->sysfs, "block");
	if (err == -ENOENT)
		return -ENODATA;
	if (err)
		return err;
	buf_init(&b);
	for (size_t i = 0; i < block.n; i++) {
		const char *dm = sysfs_dir_name(&block, i);

		if (strncmp(dm, "dm-", 3))
			continue;
		err = dm_device(ctx, ms, f, dm, &b);
		if (err < 0)
			break;
		maps += (size_t)err;
		err = 0;
	}
	if (!err)
		err = maps ? ms_error(ms) : -ENODATA;
	buf_free(&b);
	sysfs_dir_free(&block);
	return err;
}

const struct collector collector_dmmultipath = {
	.name = "dmmultipath",
	.help = "Device-mapper multipath maps and their paths' states from /sys/block/dm-*",
	.default_enabled = true,
	.collect = dmmultipath_collect,
};
