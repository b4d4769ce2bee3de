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

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "summary.h"

struct config;
struct kept_file;
struct buf;

struct collect_ctx {
	const struct config *cfg;       /* read-only; NULL in unit tests */
	const char *procfs;     /* "/proc" or --path.procfs */
	const char *sysfs;      /* "/sys" or --path.sysfs */
	const char *rootfs;     /* "/" or --path.rootfs */
	const char *udev_data;  /* "/run/udev/data" or --path.udev.data; NULL in unit tests */
	void *state;            /* the collector's own, from init() */
	/* Whether a collector that ran earlier in this collection exported a
	 * family of this name (the textfile collector refuses such names); NULL
	 * when unknown (unit tests). */
	bool (*family_taken)(const struct collect_ctx *ctx, const char *name);
	const void *taken_arg;
	/* Where the collectors of summary.h's figures put them; set by the
	 * runner for each call, NULL elsewhere (the setters accept that). */
	struct host_summary *summary;
	/* Collector-specific error detail for /health ("mount /mnt/nfs timed out");
	 * the runner clears it before each call. */
	char detail[256];
	/* The descriptors collect_read() keeps; collect_ctx_release() closes them. */
	struct kept_file *kept;
	size_t nkept, kept_cap;
};

/* Reads root/rel whole into b, as read_file_at() does, for a file the kernel
 * makes (/proc/meminfo, /sys/block/sda/queue/rotational). When the file is on
 * procfs or sysfs its descriptor stays open in ctx while every collection
 * reads it (collect_ctx_sweep()), and later calls read it again from offset
 * 0, which makes the kernel format it afresh: one or two system calls
 * instead of four, and no path walk. A read that fails on a kept descriptor
 * (the sysctl, device or pool behind it went away) is retried once on a
 * fresh open, so the answer is always the one a fresh open gives. Files on
 * other filesystems (fixture trees, /etc) are opened each time: a file
 * replaced by rename would go on reading the old one. Pass ctx NULL (nothing
 * kept) for a path through a name that can move to another device
 * (class/net/eth0/...: network devices are renamed), where a kept
 * descriptor would go on reading the device that had the name. */
int collect_read(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b);
/* Closes the files collect_read() kept that the collect() just ended did not
 * read (a device or a pool that went away), so a file stays open only while
 * every collection reads it; the runner calls it after each collect(). */
void collect_ctx_sweep(struct collect_ctx *ctx);
/* Closes what collect_read() kept; the runner calls it after fini(). */
void collect_ctx_release(struct collect_ctx *ctx);

/* A collector's own flag ("--collector.netdev.device-exclude=REGEX"), declared
 * beside the code that reads it, so adding one touches one file. The config
 * layer accepts it as a flag and as a config key, checks its value by kind at
 * start-up (a bad regex or duration is a flag error, exit 2) and lists it in
 * --help; the collector reads it with collector_opt*(). */
enum collector_opt_kind {
	COPT_STRING,
	COPT_REGEX,     /* POSIX extended */
	COPT_BOOL,      /* --[no-]name */
	COPT_DURATION,  /* 500ms, 15s, 1m */
	COPT_U64,
};

struct collector_option {
	const char *name;       /* the whole flag name without "--" */
	enum collector_opt_kind kind;
	const char *def;        /* the default as a user would type it; NULL: unset */
	const char *help;
};

struct collector {
	const char *name;
	const char *help;
	bool default_enabled;
	/* Optional, terminated by an entry whose name is NULL. */
	const struct collector_option *options;
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

/* The option's value: the flag or config key if given, else its default
 * (NULL when it has none). With ctx->cfg NULL (unit tests) the default. */
const char *collector_opt(const struct collect_ctx *ctx, const struct collector_option *o);
bool collector_opt_bool(const struct collect_ctx *ctx, const struct collector_option *o);
uint64_t collector_opt_u64(const struct collect_ctx *ctx, const struct collector_option *o);
uint64_t collector_opt_ms(const struct collect_ctx *ctx, const struct collector_option *o);
/* True when the flag or config key was given (include/exclude pairs: an
 * include given drops the exclude's default, as node_exporter does). */
bool collector_opt_given(const struct collect_ctx *ctx, const struct collector_option *o);
/* Compiles a COPT_REGEX option as given (unanchored, like Go's MatchString;
 * node_exporter's defaults carry their own ^...$). 0, -ENODATA when the option
 * is unset (nothing to match), or -EINVAL. The caller regfree()s on 0. */
int collector_opt_regex(const struct collect_ctx *ctx, const struct collector_option *o,
			regex_t *re);
/* regcomp() of a Go (RE2) expression as node_exporter users write them: \d,
 * \s, \w and their negations, (?:...), \t and \n and escapes inside
 * brackets become POSIX ERE; what ERE cannot say (\b, (?i), lazy
 * quantifiers) is -EINVAL rather than a silently different match. */
int collector_regcomp(regex_t *re, const char *go_re);

/* node_exporter's device filter (collector/device_filter.go) over an
 * include/exclude option pair: a name is ignored when it matches the exclude
 * or misses a given include. Giving the include drops the exclude's default;
 * giving both is -EINVAL with ctx->detail naming the flags (node_exporter
 * refuses to start). Unset options match nothing. */
struct device_filter {
	regex_t include, exclude;
	bool has_include, has_exclude;
};

/* NULL with errno set (and ctx->detail) on failure. */
struct device_filter *device_filter_new(struct collect_ctx *ctx,
					const struct collector_option *include,
					const struct collector_option *exclude);
bool device_filter_ignored(const struct device_filter *f, const char *name);
void device_filter_free(struct device_filter *f);       /* NULL-safe */

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
extern const struct collector collector_hwmon;
extern const struct collector collector_thermal_zone;
extern const struct collector collector_netclass;
extern const struct collector collector_cpufreq;
extern const struct collector collector_powersupplyclass;
extern const struct collector collector_conntrack;
extern const struct collector collector_entropy;
extern const struct collector collector_softnet;
extern const struct collector collector_timex;
extern const struct collector collector_udp_queues;
extern const struct collector collector_arp;
extern const struct collector collector_schedstat;
extern const struct collector collector_os;
extern const struct collector collector_selinux;
extern const struct collector collector_kernel_hung;
extern const struct collector collector_rapl;
extern const struct collector collector_bonding;
extern const struct collector collector_dmi;
extern const struct collector collector_nfs;
extern const struct collector collector_nfsd;
extern const struct collector collector_ipvs;
extern const struct collector collector_watchdog;
extern const struct collector collector_edac;
extern const struct collector collector_fibrechannel;
extern const struct collector collector_nvme;
extern const struct collector collector_tapestats;
extern const struct collector collector_infiniband;
extern const struct collector collector_zfs;
extern const struct collector collector_dmmultipath;
extern const struct collector collector_mdadm;
extern const struct collector collector_xfs;
extern const struct collector collector_btrfs;
extern const struct collector collector_bcache;
extern const struct collector collector_bpf;
extern const struct collector collector_textfile;

/* textfile.c: one file of Prometheus text format 0.0.4 into ms (text[len] must
 * be NUL). 0, or -EINVAL with err naming the line; *nseries counts the series. */
int textfile_parse(struct metric_set *ms, const char *text, size_t len, size_t *nseries,
		   char *err, size_t errsz);

#endif
