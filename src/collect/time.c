/* time: the system clock and its sources → node_time_seconds,
 * node_time_zone_offset_seconds{time_zone} and the clocksource info series
 * node_time_clocksource_{available,current}_info{clocksource,device}, as
 * node_exporter 1.5 exports them.
 *
 * node_time_seconds lets Prometheus see clock skew against its own time
 * (compare with timestamp()). The zone is this process's local zone (TZ or
 * /etc/localtime), as in node_exporter. Clocksources come from
 * <sysfs>/devices/system/clocksource/clocksourceN/; a sysfs without that
 * directory has no clocksource series and is not an error, matching
 * node_exporter, which globs the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

#define CS_DIR "devices/system/clocksource"
/* Machines have one clocksource device; more than this is not a real sysfs. */
#define MAX_DEVICES 64
/* Names such as "kvm-clock" and "arch_sys_counter" are short; the available
 * list holds a handful of them. */
#define MAX_LIST 1024

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Device numbers N of clocksourceN, sorted so the output order does not
 * depend on readdir. *n = 0 when the directory does not exist. */
static int list_devices(struct collect_ctx *ctx, uint32_t *dev, size_t *n)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int err = path_join(path, sizeof(path), ctx->sysfs, CS_DIR);

	*n = 0;
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		const char *p;
		uint64_t v;

		if (strncmp(de->d_name, "clocksource", 11) != 0)
			continue;
		p = pp_u64(de->d_name + 11, &v);
		if (!p || *p || v > UINT32_MAX)
			continue;
		if (*n == MAX_DEVICES) {
			err = -E2BIG;
			break;
		}
		dev[(*n)++] = (uint32_t)v;
	}
	closedir(d);
	qsort(dev, *n, sizeof(*dev), cmp_u32);
	return err;
}

/* One file of clocksourceN as a list of names, each added with device N. */
static int add_sources(struct collect_ctx *ctx, struct metric_set *ms, struct family *f,
		       const char *devname, const char *file, struct buf *b)
{
	char rel[128];
	char *p, *name;
	size_t n = 0;
	int err;

	snprintf(rel, sizeof(rel), CS_DIR "/clocksource%s/%s", devname, file);
	err = collect_read(ctx, ctx->sysfs, rel, b);
	if (!err)
		err = pp_one_line(b);
	if (err)
		return err;
	if (b->len > MAX_LIST)
		return -EINVAL;
	for (p = b->data; *(p = (char *)pp_skip_blanks(p)); n++) {
		name = p;
		while (*p && !pp_blank(*p))
			p++;
		if (!pp_label_text(name, (size_t)(p - name)))
			return -EINVAL;
		if (*p)
			*p++ = '\0';
		ms_add(ms, f, 1, "clocksource", name, "device", devname, NULL);
	}
	/* current_clocksource names exactly one; available at least one. */
	if (!n || (!strcmp(file, "current_clocksource") && n != 1))
		return -EINVAL;
	return 0;
}

static int time_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	uint32_t dev[MAX_DEVICES];
	char zone[64], devname[24];
	size_t ndev;
	struct tm tm;
	struct buf b;
	double now = now_realtime();
	time_t secs = (time_t)now;
	int err;

	err = list_devices(ctx, dev, &ndev);
	if (err)
		return err;
	if (!localtime_r(&secs, &tm))
		return -EOVERFLOW;
	/* The zone abbreviation ("CET", "+0530") comes from tzdata; guard it. */
	snprintf(zone, sizeof(zone), "%s", tm.tm_zone ? tm.tm_zone : "");
	if (!pp_label_text(zone, strlen(zone)))
		return -EINVAL;

	ms_set(ms, "node_time_seconds", METRIC_GAUGE, "System time in seconds since epoch (1970).",
	       now);
	ms_add(ms, ms_family(ms, "node_time_zone_offset_seconds", METRIC_GAUGE,
			     "System time zone offset in seconds."),
	       (double)tm.tm_gmtoff, "time_zone", zone, NULL);
	if (!ndev)
		return ms_error(ms);

	struct family *avail = ms_family(
		ms, "node_time_clocksource_available_info", METRIC_GAUGE,
		"Available clocksources read from '/sys/devices/system/clocksource'.");
	struct family *cur =
		ms_family(ms, "node_time_clocksource_current_info", METRIC_GAUGE,
			  "Current clocksource read from '/sys/devices/system/clocksource'.");

	buf_init(&b);
	for (size_t i = 0; i < ndev && !err; i++) {
		pp_fmt_u64(devname, dev[i]);
		err = add_sources(ctx, ms, avail, devname, "available_clocksource", &b);
		if (!err)
			err = add_sources(ctx, ms, cur, devname, "current_clocksource", &b);
	}
	buf_free(&b);
	return err ? err : ms_error(ms);
}

const struct collector collector_time = {
	.name = "time",
	.help = "System time, time zone offset and clocksources",
	.default_enabled = true,
	.collect = time_collect,
};
