/* netdev: /proc/net/dev → node_network_{receive,transmit}_<field>_total{device}.
 *
 * The column names come from the file's own two-line header, as node_exporter
 * builds them, so a kernel that adds a column gets a series for it instead of a
 * parse error. node_exporter 1.5 reads these counters over netlink by default,
 * which also carries rx_nohandler (4.6+); /proc/net/dev does not, so that one
 * counter comes from <sysfs>/class/net/<dev>/statistics/rx_nohandler when the
 * kernel has it. Device names reach the label raw: the renderer escapes them.
 * --collector.netdev.address-info adds node_network_address_info (netaddr.c).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "netaddr.h"
#include "util.h"

/* More columns than any kernel prints per direction (8 today); the bound keeps
 * a hostile header from minting families without limit. */
#define NETDEV_MAX_COLS 32
enum { NETDEV_OPT_INCLUDE, NETDEV_OPT_EXCLUDE, NETDEV_OPT_ADDRESS_INFO };
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
	{ 0 },
};

struct netdev_state {
	struct device_filter *filter;
	bool address_info;
};

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
			     struct family **fam, const char *dev, struct buf *b)
{
	char rel[128];
	uint64_t v;
	char *nl;

	/* The kernel never names a device so, but the name came from a file. */
	if (strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return;
	if (snprintf(rel, sizeof(rel), "class/net/%s/statistics/rx_nohandler", dev) >=
	    (int)sizeof(rel))
		return;
	if (read_file_at(ctx->sysfs, rel, b))
		return;
	nl = strchr(b->data, '\n');
	if (nl)
		*nl = '\0';
	if (parse_u64(b->data, &v))
		return;
	if (!*fam)
		*fam = ms_family(ms, "node_network_receive_nohandler_total", METRIC_COUNTER,
				 "Network device statistic receive_nohandler.");
	ms_add(ms, *fam, (double)v, "device", dev, NULL);
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

static int netdev_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	const struct netdev_state *st = ctx->state;
	struct netdev_col cols[2 * NETDEV_MAX_COLS];
	struct family *nohandler = NULL;
	bool want_nohandler = true;
	size_t nrx = 0, ntx = 0;
	struct buf b, sb;
	char *cur, *line, *bar1, *bar2;
	int err;

	buf_init(&b);
	buf_init(&sb);
	err = read_file_at(ctx->procfs, "net/dev", &b);
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
		for (size_t i = 0; i < n; i++) {
			if (!cols[i].fam)
				cols[i].fam =
				    ms_family(ms, cols[i].name, METRIC_COUNTER, cols[i].help);
			ms_add(ms, cols[i].fam, (double)v[i], "device", dev, NULL);
			if (cols[i].summary < 0)
				continue;
			if (!net)
				net = summary_add(ctx->summary, SUMMARY_NETS, dev);
			if (net)
				net[cols[i].summary] = (double)v[i];
		}
		if (want_nohandler)
			netdev_nohandler(ctx, ms, &nohandler, dev, &sb);
	}
	err = st->address_info ? netdev_address_info(ctx, st, ms) : ms_error(ms);
out:
	buf_free(&sb);
	buf_free(&b);
	return err;
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
    .help = "Network device statistics from /proc/net/dev",
    .default_enabled = true,
    .options = netdev_options,
    .init = netdev_init,
    .collect = netdev_collect,
    .fini = netdev_fini,
};
