/* thermal_zone: /sys/class/thermal → node_thermal_zone_temp{zone,type} and
 * node_cooling_device_{cur,max}_state{name,type}, as node_exporter 1.12.
 *
 * A cooling device the kernel refuses to describe (missing, permission,
 * EINVAL or EOPNOTSUPP from its driver) is skipped as procfs skips it; a
 * state that is not a number fails the collector, as it does there. One
 * deliberate difference: node_exporter reports a zone whose temp cannot be
 * read as 0 degrees; here such a zone has no sample, since 0 is a reading
 * nobody took. A host without the class has no series and succeeds, as there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

/* procfs's canIgnoreError(): the driver has nothing to say about this device. */
static bool ignorable(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EOPNOTSUPP ||
	       err == -EINVAL;
}

/* Entries named prefix followed by a digit (the glob thermal_zone[0-9]*). */
static bool numbered(const char *name, const char *prefix, size_t plen)
{
	return !strncmp(name, prefix, plen) && name[plen] >= '0' && name[plen] <= '9';
}

static int thermal_zone(struct metric_set *ms, const char *dir, const char *zone,
			struct buf *b)
{
	char type[128];
	int64_t temp;

	if (sysfs_read_str(NULL, dir, "type", b) || !pp_label_text(b->data, b->len))
		return 0;
	snprintf(type, sizeof(type), "%s", b->data);
	if (sysfs_read_i64(NULL, dir, "temp", b, &temp))
		return 0;
	ms_add(ms, ms_family(ms, "node_thermal_zone_temp", METRIC_GAUGE,
			     "Zone temperature in Celsius"),
	       (double)temp / 1000.0, "type", type, "zone", zone, NULL);
	return 0;
}

static int cooling_device(struct metric_set *ms, const char *dir, const char *name,
			  struct buf *b)
{
	static const char *const files[] = { "max_state", "cur_state" };
	char type[128];
	int64_t st[2];
	int err = sysfs_read_str(NULL, dir, "type", b);

	if (err)
		return ignorable(err) ? 0 : err;
	if (!pp_label_text(b->data, b->len))
		return 0; /* not a label Prometheus would take */
	snprintf(type, sizeof(type), "%s", b->data);
	for (size_t i = 0; i < 2; i++) {
		err = sysfs_read_str(NULL, dir, files[i], b);
		if (err)
			return ignorable(err) ? 0 : err;
		/* cur_state is -1 while intel_powerclamp is idle. */
		err = parse_i64(b->data, &st[i]);
		if (err)
			return err;
	}
	ms_add(ms, ms_family(ms, "node_cooling_device_cur_state", METRIC_GAUGE,
			     "Current throttle state of the cooling device"),
	       (double)st[1], "name", name, "type", type, NULL);
	ms_add(ms, ms_family(ms, "node_cooling_device_max_state", METRIC_GAUGE,
			     "Maximum throttle state of the cooling device"),
	       (double)st[0], "name", name, "type", type, NULL);
	return 0;
}

static int thermal_zone_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir d;
	char dir[4096];
	struct buf b;
	int err;

	buf_init(&b);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/thermal");
	if (err == -ENOENT)
		err = 0; /* no class, no series, as node_exporter */
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *e = sysfs_dir_name(&d, i);
		bool zone = numbered(e, "thermal_zone", 12);

		if (!zone && !numbered(e, "cooling_device", 14))
			continue;
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "class/thermal", e);
		if (!err)
			err = zone ? thermal_zone(ms, dir, e + 12, &b)
				   : cooling_device(ms, dir, e + 14, &b);
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	return err;
}

const struct collector collector_thermal_zone = {
	.name = "thermal_zone",
	.help = "Thermal zone temperatures and cooling device states from /sys/class/thermal",
	.default_enabled = true,
	.collect = thermal_zone_collect,
};
