/* dmi: /sys/class/dmi/id/<field> → node_dmi_info{bios_*,board_*,chassis_*,product_*,
 * system_vendor}, as node_exporter 1.12.
 *
 * Firmware tables do not change while the system runs, so they are read once
 * in init(), as node_exporter reads them when it starts. The serials and the
 * UUID are readable by root only: without the right they are left out. Text
 * that is not UTF-8 (vendors leave garbage in unused fields) has each bad run
 * replaced by U+FFFD.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "sysfs.h"
#include "util.h"

/* File and label, in label order. */
static const char *const dmi_fields[][2] = {
	{ "bios_date", "bios_date" },
	{ "bios_release", "bios_release" },
	{ "bios_vendor", "bios_vendor" },
	{ "bios_version", "bios_version" },
	{ "board_asset_tag", "board_asset_tag" },
	{ "board_name", "board_name" },
	{ "board_serial", "board_serial" },
	{ "board_vendor", "board_vendor" },
	{ "board_version", "board_version" },
	{ "chassis_asset_tag", "chassis_asset_tag" },
	{ "chassis_serial", "chassis_serial" },
	{ "chassis_vendor", "chassis_vendor" },
	{ "chassis_version", "chassis_version" },
	{ "product_family", "product_family" },
	{ "product_name", "product_name" },
	{ "product_serial", "product_serial" },
	{ "product_sku", "product_sku" },
	{ "product_uuid", "product_uuid" },
	{ "product_version", "product_version" },
	{ "sys_vendor", "system_vendor" },
};

#define DMI_NFIELDS ARRAY_SIZE(dmi_fields)

struct dmi_state {
	struct label labels[DMI_NFIELDS];
	uint32_t nlabels;
	char *values[DMI_NFIELDS];
};

static void dmi_fini(struct collect_ctx *ctx)
{
	struct dmi_state *st = ctx->state;

	for (size_t i = 0; st && i < DMI_NFIELDS; i++)
		free(st->values[i]);
	free(st);
	ctx->state = NULL;
}

static int dmi_init(struct collect_ctx *ctx)
{
	struct dmi_state *st = calloc(1, sizeof(*st));
	char dir[4096];
	struct buf b, text;
	int err = st ? path_join(dir, sizeof(dir), ctx->sysfs, "class/dmi/id") : -ENOMEM;

	buf_init(&b);
	buf_init(&text);
	ctx->state = st;
	for (size_t i = 0; !err && i < DMI_NFIELDS; i++) {
		struct stat sb;
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", dir, dmi_fields[i][0]);
		if (lstat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		err = sysfs_read_str(ctx, dir, dmi_fields[i][0], &b);
		if (err == -EACCES || err == -EPERM) {
			err = 0; /* serials and UUID: root only */
			continue;
		}
		if (err)
			break;
		sysfs_valid_utf8(&text, b.data, b.len);
		st->values[i] = strdup(text.data ? text.data : "");
		if (!st->values[i] || text.oom) {
			err = -ENOMEM;
			break;
		}
		st->labels[st->nlabels++] = (struct label){ dmi_fields[i][1], st->values[i] };
	}
	buf_free(&b);
	buf_free(&text);
	if (err)
		dmi_fini(ctx);
	return err;
}

static int dmi_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct dmi_state *st = ctx->state;

	if (!st->nlabels)
		return -ENODATA;
	ms_add_labels(ms, ms_family(ms, "node_dmi_info", METRIC_GAUGE,
				    "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, bios_version, "
				    "board_asset_tag, board_name, board_serial, board_vendor, board_version, chassis_asset_tag, "
				    "chassis_serial, chassis_vendor, chassis_version, product_family, product_name, product_serial, "
				    "product_sku, product_uuid, product_version, system_vendor if provided by DMI."),
		      1, st->labels, st->nlabels);
	return 0;
}

const struct collector collector_dmi = {
	.name = "dmi",
	.help = "Firmware identity (DMI/SMBIOS) from /sys/class/dmi/id, read once",
	.default_enabled = true,
	.init = dmi_init,
	.collect = dmi_collect,
	.fini = dmi_fini,
};
