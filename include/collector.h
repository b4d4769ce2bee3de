/* Collectors: one per source (a /proc file, a /sys tree, the BPF maps).
 *
 * A collector only fills a metric_set; the runner times it, records success
 * and publishes its set inside the snapshot (node_exporter's execute()). It
 * returns 0, -ENODATA when the host simply has no such data (quiet), or
 * another -errno. On any error its whole set is dropped, so a failing
 * collector's series vanish rather than go half-stale.
 */
#ifndef IM_COLLECTOR_H
#define IM_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"

struct config;

struct collect_ctx {
	const struct config *cfg;       /* read-only; NULL in unit tests */
	const char *procfs;     /* "/proc" or --path.procfs */
	const char *sysfs;      /* "/sys" or --path.sysfs */
	const char *rootfs;     /* "/" or --path.rootfs */
	void *state;            /* the collector's own, from init() */
	/* Collector-specific error detail for /health ("mount /mnt/nfs timed out");
	 * the runner clears it before each call. */
	char detail[256];
};

struct collector {
	const char *name;
	const char *help;
	bool default_enabled;
	/* Optional: sets ctx->state once at start-up. 0 or -errno. */
	int (*init)(struct collect_ctx *ctx);
	int (*collect)(struct collect_ctx *ctx, struct metric_set *ms);
	/* Optional: releases ctx->state. */
	void (*fini)(struct collect_ctx *ctx);
};

/* The table of every collector this binary knows, NULL-terminated, in the
 * order they run. */
extern const struct collector *const collectors[];

const struct collector *collector_find(const char *name);
size_t collector_count(void);

/* One line per collector, defined in its own src/collect/NAME.c. */
extern const struct collector collector_cpu;
extern const struct collector collector_meminfo;
extern const struct collector collector_loadavg;
extern const struct collector collector_diskstats;
extern const struct collector collector_filesystem;
extern const struct collector collector_netdev;
extern const struct collector collector_pressure;
extern const struct collector collector_vmstat;
extern const struct collector collector_netstat;
extern const struct collector collector_sockstat;
extern const struct collector collector_uname;
extern const struct collector collector_time;
extern const struct collector collector_stat;
extern const struct collector collector_filefd;
extern const struct collector collector_bpf;

#endif
