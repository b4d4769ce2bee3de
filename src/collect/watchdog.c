/* watchdog: /sys/class/watchdog/<watchdog>/ → node_watchdog_* and
 * node_watchdog_info{name,options,identity,state,status,pretimeout_governor},
 * as node_exporter 1.12 (procfs WatchdogClass()).
 *
 * Which attributes exist depends on the driver and the kernel's
 * CONFIG_WATCHDOG_SYSFS: a missing one is left out (an empty label for the
 * info series); one that cannot be read or is not a number fails the
 * collector, except for a permission refusal, which is no data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "sysfs.h"
#include "util.h"

static const struct {
	const char *file, *metric, *help;
} wd_numbers[] = {
	{ "bootstatus", "node_watchdog_bootstatus",
	  "Value of /sys/class/watchdog/<watchdog>/bootstatus" },
	{ "fw_version", "node_watchdog_fw_version",
	  "Value of /sys/class/watchdog/<watchdog>/fw_version" },
	{ "nowayout", "node_watchdog_nowayout", "Value of /sys/class/watchdog/<watchdog>/nowayout" },
	{ "timeleft", "node_watchdog_timeleft_seconds",
	  "Value of /sys/class/watchdog/<watchdog>/timeleft" },
	{ "timeout", "node_watchdog_timeout_seconds",
	  "Value of /sys/class/watchdog/<watchdog>/timeout" },
	{ "pretimeout", "node_watchdog_pretimeout_seconds",
	  "Value of /sys/class/watchdog/<watchdog>/pretimeout" },
	{ "access_cs0", "node_watchdog_access_cs0",
	  "Value of /sys/class/watchdog/<watchdog>/access_cs0" },
};

/* The info series' labels after "name", in node_exporter's order. */
static const char *const wd_texts[] = { "options", "identity", "state", "status",
					"pretimeout_governor" };

static int wd_device(struct metric_set *ms, const char *dir, const char *name, struct buf *b)
{
	struct label labels[1 + ARRAY_SIZE(wd_texts)];
	int err = 0;

	labels[0] = (struct label){ "name", name };
	for (size_t i = 0; i < ARRAY_SIZE(wd_texts); i++) {
		err = sysfs_read_str(NULL, dir, wd_texts[i], b);
		if (err && err != -ENOENT)
			return err;
		if (!err)
			sysfs_valid_utf8(b + 1, b->data, b->len);
		labels[1 + i] = (struct label){ wd_texts[i],
						err || !b[1].data ? "" : ms_strdup(ms, b[1].data) };
	}
	for (size_t i = 0; i < ARRAY_SIZE(wd_numbers); i++) {
		int64_t v;

		err = sysfs_read_i64(NULL, dir, wd_numbers[i].file, b, &v);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		ms_add(ms, ms_family(ms, wd_numbers[i].metric, METRIC_GAUGE, wd_numbers[i].help),
		       (double)v, "name", name, NULL);
	}
	ms_add_labels(ms, ms_family(ms, "node_watchdog_info", METRIC_GAUGE,
				    "Info of /sys/class/watchdog/<watchdog>"),
		      1, labels, ARRAY_SIZE(labels));
	return 0;
}

static int watchdog_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir d;
	struct buf b[2];
	char dir[4096];
	int err;

	buf_init(&b[0]);
	buf_init(&b[1]);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/watchdog");
	for (size_t i = 0; !err && i < d.n; i++) {
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "class/watchdog",
				 sysfs_dir_name(&d, i));
		if (!err)
			err = wd_device(ms, dir, sysfs_dir_name(&d, i), b);
	}
	if (err == -ENOENT || err == -EACCES || err == -EPERM)
		err = -ENODATA;
	sysfs_dir_free(&d);
	buf_free(&b[0]);
	buf_free(&b[1]);
	return err;
}

const struct collector collector_watchdog = {
	.name = "watchdog",
	.help = "Watchdog devices from /sys/class/watchdog",
	.default_enabled = true,
	.collect = watchdog_collect,
};
