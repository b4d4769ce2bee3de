/* netdev: /proc/net/dev → node_network_{receive,transmit}_<field>_total{device}.
 *
 * The column names come from the file's own two-line header, as node_exporter
 * builds them, so a kernel that adds a column gets a series for it instead of a
 * parse error. node_exporter 1.5 reads these counters over netlink by default,
 * which also carries rx_nohandler (4.6+); /proc/net/dev does not, so that one
 * counter comes from <sysfs>/class/net/<dev>/statistics/rx_nohandler when the
 * kernel has it. Device names reach the label raw: the renderer escapes them.
 * --collector.netdev.address-info adds node_network_address_info (netaddr.c).
 * --collector.netdev.label-ifalias adds, as node_exporter does, an ifalias
 * label (the interface's alias, "" when unset) to every counter of a device
 * that <sysfs>/class/net lists; a device it does not list keeps device alone.
 *
 * --collector.netdev.enable-detailed-metrics exports instead what
 * node_exporter's netlink read gives unfolded: the 24 counters of
 * rtnl_link_stats64 under its names (receive_crc_errors_total, ...), where
 * /proc/net/dev sums several into one column (frame = length + over + crc +
 * frame errors). They are read from <sysfs>/class/net/<dev>/statistics/, one
 * file per counter: the kernel fills those files and the netlink attribute
 * from the same dev_get_stats() call, so the values are the same, and a sysfs
 * tree, unlike a netlink socket, can be a fixture and follows --path.sysfs.
 * The device list comes from the same class/net directory, so names and
 * counters are of one network namespace (sysfs's; under --net=host, as either
 * exporter is run in a container, that is the host's, as netlink's is). With
 * --no-collector.netdev.netlink node_exporter keeps the /proc/net/dev names
 * even when detailed, and so does this collector.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "netaddr.h"
#include "parse.h"
#include "sysattr.h"
#include "sysfs.h"
#include "util.h"

/* More columns than any kernel prints per direction (8 today); the bound keeps
 * a hostile header from minting families without limit. */
#define NETDEV_MAX_COLS 32
enum {
	NETDEV_OPT_INCLUDE,
	NETDEV_OPT_EXCLUDE,
	NETDEV_OPT_ADDRESS_INFO,
	NETDEV_OPT_DETAILED,
	NETDEV_OPT_NETLINK,
	NETDEV_OPT_LABEL_IFALIAS,
};
/* No default exclude: 1.12 exports lo (Debian's package patches in ^lo$). */
static const struct collector_option netdev_options[] = {
	[NETDEV_OPT_INCLUDE] = { "collector.netdev.device-include", COPT_REGEX, NULL,
				 "Regexp of net devices to include (mutually exclusive to "
				 "device-exclude)" },
	[NETDEV_OPT_EXCLUDE] = { "collector.netdev.device-exclude", COPT_REGEX, NULL,
				 "Regexp of net devices to exclude (mutually exclusive to "
				 "device-include)" },
	[NETDEV_OPT_ADDRESS_INFO] = { "collector.netdev.address-info", COPT_BOOL, "false",
				      "Collect address-info for every device" },
	[NETDEV_OPT_DETAILED] = { "collector.netdev.enable-detailed-metrics", COPT_BOOL, "false",
				  "Use (incompatible) metric names that provide more detailed "
				  "stats on Linux" },
	[NETDEV_OPT_NETLINK] = { "collector.netdev.netlink", COPT_BOOL, "true",
				 "With enable-detailed-metrics, export the counters under "
				 "node_exporter's netlink names (read from sysfs); without it, "
				 "the /proc/net/dev names" },
	[NETDEV_OPT_LABEL_IFALIAS] = { "collector.netdev.label-ifalias", COPT_BOOL, "false",
				       "Add ifAlias label" },
	{ 0 },
};

struct netdev_state {
	struct device_filter *filter;
	bool address_info;
	bool detailed;
	bool label_ifalias;
};

/* A device's labels: device, and ifalias when asked for and known. */
struct netdev_labels {
	struct label l[2];
	size_t n;
	char alias[SYSATTR_MAX];
};

/* An ifalias that cannot be read (a device gone since the listing, a kernel
 * without the attribute) leaves the device with its name alone, as
 * node_exporter's sysfs read does; a damaged one fails the collector. */
static int netdev_labels_for(struct collect_ctx *ctx, const struct netdev_state *st,
			     const char *dev, struct netdev_labels *out)
{
	char path[PATH_MAX];
	int dirfd, n;

	out->l[0] = (struct label){ "device", dev };
	out->n = 1;
	if (!st->label_ifalias || strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return 0;
	if (sysfs_path(path, sizeof(path), ctx->sysfs, "class/net", dev))
		return 0;
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	n = sysattr_read(dirfd, "ifalias", out->alias);
	close(dirfd);
	if (n >= 0 && !pp_label_text(out->alias, (size_t)n)) {
		snprintf(ctx->detail, sizeof(ctx->detail), "class/net/%.64s/ifalias: not UTF-8 text",
			 dev);
		return -EINVAL;
	}
	if (n < 0 && !sysattr_absent(n)) {
		snprintf(ctx->detail, sizeof(ctx->detail), "class/net/%.64s/ifalias: %s", dev,
			 strerror(-n));
		return n;
	}
	if (n >= 0)
		out->l[out->n++] = (struct label){ "ifalias", out->alias };
	return 0;
}

/* struct rtnl_link_stats64 as node_exporter names its fields with detailed
 * metrics on (netdev_linux.go), and the sysfs file of each. */
#define NETDEV_STAT(file, key, summary)                                                        \
	{ file, "node_network_" key "_total", "Network device statistic " key ".", summary }
static const struct netdev_stat {
	const char *file;
	const char *name;
	const char *help;
	int summary;    /* the host summary's counter it feeds, or -1 */
} netdev_stats[] = {
	NETDEV_STAT("rx_packets", "receive_packets", -1),
	NETDEV_STAT("tx_packets", "transmit_packets", -1),
	NETDEV_STAT("rx_bytes", "receive_bytes", SUMMARY_NET_RECEIVE_BYTES),
	NETDEV_STAT("tx_bytes", "transmit_bytes", SUMMARY_NET_TRANSMIT_BYTES),
	NETDEV_STAT("rx_errors", "receive_errors", -1),
	NETDEV_STAT("tx_errors", "transmit_errors", -1),
	NETDEV_STAT("rx_dropped", "receive_dropped", -1),
	NETDEV_STAT("tx_dropped", "transmit_dropped", -1),
	NETDEV_STAT("multicast", "multicast", -1),
	NETDEV_STAT("collisions", "collisions", -1),
	NETDEV_STAT("rx_length_errors", "receive_length_errors", -1),
	NETDEV_STAT("rx_over_errors", "receive_over_errors", -1),
	NETDEV_STAT("rx_crc_errors", "receive_crc_errors", -1),
	NETDEV_STAT("rx_frame_errors", "receive_frame_errors", -1),
	NETDEV_STAT("rx_fifo_errors", "receive_fifo_errors", -1),
	NETDEV_STAT("rx_missed_errors", "receive_missed_errors", -1),
	NETDEV_STAT("tx_aborted_errors", "transmit_aborted_errors", -1),
	NETDEV_STAT("tx_carrier_errors", "transmit_carrier_errors", -1),
	NETDEV_STAT("tx_fifo_errors", "transmit_fifo_errors", -1),
	NETDEV_STAT("tx_heartbeat_errors", "transmit_heartbeat_errors", -1),
	NETDEV_STAT("tx_window_errors", "transmit_window_errors", -1),
	NETDEV_STAT("rx_compressed", "receive_compressed", -1),
	NETDEV_STAT("tx_compressed", "transmit_compressed", -1),
	NETDEV_STAT("rx_nohandler", "receive_nohandler", -1),
};
#undef NETDEV_STAT

struct netdev_col {
	char name[96];
	char help[128];
	struct family *fam;
	int summary;    /* the host summary's counter for this column, or -1 */
};

/* Column names of one direction of the header ("bytes    packets errs ...");
 * bytes_counter is the summary counter its "bytes" column feeds. */
static int netdev_header(char *part, const char *dir, int bytes_counter, struct netdev_col *cols,
			 size_t *ncols)
{
	char *f[NETDEV_MAX_COLS + 1];
	size_t n = split_fields(part, f, NETDEV_MAX_COLS + 1);

	if (n == 0 || n > NETDEV_MAX_COLS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct netdev_col *c = &cols[i];
		int a = snprintf(c->name, sizeof(c->name), "node_network_%s_%s_total", dir, f[i]);
		int b = snprintf(c->help, sizeof(c->help), "Network device statistic %s_%s.", dir,
				 f[i]);

		if (a < 0 || (size_t)a >= sizeof(c->name) || b < 0 ||
		    (size_t)b >= sizeof(c->help) || !metric_name_valid(c->name))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cols[j].name, c->name))
				return -EINVAL;
		c->fam = NULL;
		c->summary = strcmp(f[i], "bytes") == 0 ? bytes_counter : -1;
	}
	*ncols = n;
	return 0;
}

/* rx_nohandler from sysfs; quietly nothing if the kernel or the tree lacks it. */
static void netdev_nohandler(const struct collect_ctx *ctx, struct metric_set *ms,
			     struct family **fam, const struct netdev_labels *lab, struct buf *b)
{
	const char *dev = lab->l[0].value;
	char rel[128];
	uint64_t v;

	/* The kernel never names a device so, but the name came from a file. */
	if (strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return;
	if (snprintf(rel, sizeof(rel), "class/net/%s/statistics/rx_nohandler", dev) >=
	    (int)sizeof(rel))
		return;
	if (sysfs_read_u64(NULL, ctx->sysfs, rel, b, &v))
		return;
	if (!*fam)
		*fam = ms_family(ms, "node_network_receive_nohandler_total", METRIC_COUNTER,
				 "Network device statistic receive_nohandler.");
	ms_add_labels(ms, *fam, (double)v, lab->l, lab->n);
}

static void netdev_stat_detail(struct collect_ctx *ctx, const char *dev, const char *file,
			       const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "class/net/%.64s/statistics/%s: %s", dev, file,
		 why);
}

/* One device's detailed counters, read through its statistics directory's
 * descriptor (24 path walks fewer per device). An entry that is no device
 * (bonding_masters), a device removed since the listing or a counter the
 * kernel lacks (rx_nohandler before 4.6) has no series; a file that cannot
 * be read or holds no number fails the collector, naming it. */
static int netdev_detailed_dev(struct collect_ctx *ctx, struct metric_set *ms,
			       struct family **fams, int classfd, const struct netdev_labels *lab)
{
	const char *dev = lab->l[0].value;
	char rel[96], num[SYSATTR_MAX];
	double *net = NULL;
	int statfd, err = 0;

	if (snprintf(rel, sizeof(rel), "%s/statistics", dev) >= (int)sizeof(rel))
		return -ENAMETOOLONG;
	statfd = openat(classfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (statfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	for (size_t i = 0; i < ARRAY_SIZE(netdev_stats); i++) {
		const struct netdev_stat *c = &netdev_stats[i];
		int n = sysattr_read(statfd, c->file, num);
		uint64_t v;

		if (n == -ENOENT)
			continue;
		if (n < 0) {
			netdev_stat_detail(ctx, dev, c->file, strerror(-n));
			err = n;
			break;
		}
		if (parse_u64(num, &v)) {
			netdev_stat_detail(ctx, dev, c->file, "not a number");
			err = -EINVAL;
			break;
		}
		if (!fams[i])
			fams[i] = ms_family(ms, c->name, METRIC_COUNTER, c->help);
		ms_add_labels(ms, fams[i], (double)v, lab->l, lab->n);
		if (c->summary < 0)
			continue;
		if (!net)
			net = summary_add(ctx->summary, SUMMARY_NETS, dev);
		if (net)
			net[c->summary] = (double)v;
	}
	close(statfd);
	return err;
}

static int netdev_detailed(struct collect_ctx *ctx, const struct netdev_state *st,
			   struct metric_set *ms)
{
	struct family *fams[ARRAY_SIZE(netdev_stats)] = { 0 };
	struct netdev_labels lab;
	struct sysfs_dir devs = { 0 };
	char path[PATH_MAX];
	int classfd = -1;
	int err = path_join(path, sizeof(path), ctx->sysfs, "class/net");

	if (!err && (classfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = -errno;
	if (!err)
		err = sysfs_dir_read(&devs, ctx->sysfs, "class/net");
	if (err) {
		snprintf(ctx->detail, sizeof(ctx->detail), "class/net: %s", strerror(-err));
		goto out;
	}
	for (size_t i = 0; !err && i < devs.n; i++) {
		const char *dev = sysfs_dir_name(&devs, i);

		if (device_filter_ignored(st->filter, dev))
			continue;
		/* As netclass: client_golang refuses such a label value. */
		if (!pp_label_text(dev, strlen(dev))) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "class/net: a device name is not UTF-8 text");
			err = -EINVAL;
			break;
		}
		err = netdev_labels_for(ctx, st, dev, &lab);
		if (!err)
			err = netdev_detailed_dev(ctx, ms, fams, classfd, &lab);
	}
out:
	if (classfd >= 0)
		close(classfd);
	sysfs_dir_free(&devs);
	return err;
}

/* As node_exporter, a failure to list the addresses fails the collector. */
static int netdev_address_info(struct collect_ctx *ctx, const struct netdev_state *st,
			       struct metric_set *ms)
{
	struct ifaddrs *list;
	int err;

	if (getifaddrs(&list)) {
		err = -errno;
		snprintf(ctx->detail, sizeof(ctx->detail), "getifaddrs: %s", strerror(-err));
		return err;
	}
	err = netaddr_emit(ms, st->filter, list);
	freeifaddrs(list);
	return err;
}

/* The /proc/net/dev counters under its own column names. */
static int netdev_proc(struct collect_ctx *ctx, const struct netdev_state *st,
		       struct metric_set *ms)
{
	struct netdev_col cols[2 * NETDEV_MAX_COLS];
	struct family *nohandler = NULL;
	struct netdev_labels lab;
	bool want_nohandler = true;
	size_t nrx = 0, ntx = 0;
	struct buf b, sb;
	char *cur, *line, *bar1, *bar2;
	int err;

	buf_init(&b);
	buf_init(&sb);
	err = collect_read(ctx, ctx->procfs, "net/dev", &b);
	if (err)
		goto out;
	cur = b.data;
	/* "Inter-|   Receive ...|  Transmit", then " face |bytes ...|bytes ...". */
	err = -EINVAL;
	if (!next_line(&cur) || !(line = next_line(&cur)))
		goto out;
	bar1 = strchr(line, '|');
	bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
	if (!bar2)
		goto out;
	*bar2 = '\0';
	err = netdev_header(bar1 + 1, "receive", SUMMARY_NET_RECEIVE_BYTES, cols, &nrx);
	if (!err)
		err = netdev_header(bar2 + 1, "transmit", SUMMARY_NET_TRANSMIT_BYTES, cols + nrx,
				    &ntx);
	if (err)
		goto out;
	/* Should the file ever carry the column itself, it wins over sysfs. */
	for (size_t i = 0; i < nrx; i++)
		if (!strcmp(cols[i].name, "node_network_receive_nohandler_total"))
			want_nohandler = false;

	while ((line = next_line(&cur))) {
		char *f[2 * NETDEV_MAX_COLS + 1];
		uint64_t v[2 * NETDEV_MAX_COLS];
		double *net = NULL;
		char *colon = strchr(line, ':'), *dev;
		size_t n;

		if (!colon) {
			if (split_fields(line, f, 1) == 0)
				continue; /* blank line */
			err = -EINVAL;
			goto out;
		}
		*colon = '\0';
		/* The name is right-aligned; names cannot hold blanks or ':' (dev_valid_name). */
		if (split_fields(line, &dev, 1) != 1) {
			err = -EINVAL;
			goto out;
		}
		n = split_fields(colon + 1, f, ARRAY_SIZE(f));
		if (n != nrx + ntx) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "net/dev: %.64s has %zu columns, header names %zu", dev, n,
				 nrx + ntx);
			err = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			err = parse_u64(f[i], &v[i]);
			if (err)
				goto out;
		}
		if (device_filter_ignored(st->filter, dev))
			continue;
		err = netdev_labels_for(ctx, st, dev, &lab);
		if (err)
			goto out;
		for (size_t i = 0; i < n; i++) {
			if (!cols[i].fam)
				cols[i].fam =
				    ms_family(ms, cols[i].name, METRIC_COUNTER, cols[i].help);
			ms_add_labels(ms, cols[i].fam, (double)v[i], lab.l, lab.n);
			if (cols[i].summary < 0)
				continue;
			if (!net)
				net = summary_add(ctx->summary, SUMMARY_NETS, dev);
			if (net)
				net[cols[i].summary] = (double)v[i];
		}
		if (want_nohandler)
			netdev_nohandler(ctx, ms, &nohandler, &lab, &sb);
	}
out:
	buf_free(&sb);
	buf_free(&b);
	return err;
}

static int netdev_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	const struct netdev_state *st = ctx->state;
	int err = st->detailed ? netdev_detailed(ctx, st, ms) : netdev_proc(ctx, st, ms);

	if (err)
		return err;
	return st->address_info ? netdev_address_info(ctx, st, ms) : ms_error(ms);
}

static int netdev_init(struct collect_ctx *ctx)
{
	struct netdev_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	st->filter = device_filter_new(ctx, &netdev_options[NETDEV_OPT_INCLUDE],
				       &netdev_options[NETDEV_OPT_EXCLUDE]);
	if (!st->filter) {
		err = -errno;
		free(st);
		return err;
	}
	st->address_info = collector_opt_bool(ctx, &netdev_options[NETDEV_OPT_ADDRESS_INFO]);
	st->label_ifalias = collector_opt_bool(ctx, &netdev_options[NETDEV_OPT_LABEL_IFALIAS]);
	st->detailed = collector_opt_bool(ctx, &netdev_options[NETDEV_OPT_DETAILED]) &&
		       collector_opt_bool(ctx, &netdev_options[NETDEV_OPT_NETLINK]);
	ctx->state = st;
	return 0;
}

static void netdev_fini(struct collect_ctx *ctx)
{
	struct netdev_state *st = ctx->state;

	if (!st)
		return;
	device_filter_free(st->filter);
	free(st);
	ctx->state = NULL;
}

const struct collector collector_netdev = {
    .name = "netdev",
    .help = "Network device statistics from /proc/net/dev (detailed: /sys/class/net)",
    .default_enabled = true,
    .options = netdev_options,
    .init = netdev_init,
    .collect = netdev_collect,
    .fini = netdev_fini,
};
