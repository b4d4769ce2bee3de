/* netclass: <sysfs>/class/net/<device>/ attributes → node_network_up,
 * node_network_info and one node_network_<property>{device} per numeric
 * attribute (MTU, carrier, speed, ...), as node_exporter's netclass collector
 * exports them through procfs's sysfs.NetClass.
 *
 * Every entry of class/net that is not a regular file is a device
 * ("bonding_masters" is a file). Of each device only the attributes that
 * become series are read, through the device's directory fd; one the device
 * cannot report right now (speed of a link that is down: EINVAL) is left out,
 * as procfs leaves it out. A numeric attribute that does not parse is an
 * error naming the file, where procfs would quietly export 0.
 *
 * The 22 attribute files of a device stay open between collections and are
 * read again with pread() at offset 0, which makes sysfs format the current
 * value: one system call per attribute instead of three. Opening, reading and
 * closing them was two thirds of this collector's system calls and its
 * largest cost. A device is recognised by its directory's inode, so one
 * removed and made again under the same name, or two that swapped names, get
 * fresh descriptors; a read that finds the device gone (ENODEV) is retried
 * once with fresh ones, so the values are always those a fresh open gives.
 *
 * --collector.netclass.netlink makes node_exporter read the same properties
 * over rtnetlink; the values are the kernel's same fields, so this collector
 * reads sysfs either way. --collector.netclass_rtnl.with-stats (per-device
 * traffic counters under netclass, only with netlink) is accepted and warned
 * about: the netdev collector exports those counters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "parse.h"
#include "sysattr.h"
#include "util.h"

enum { NC_OPT_IGNORED, NC_OPT_INVALID_SPEED, NC_OPT_NETLINK, NC_OPT_WITH_STATS };
static const struct collector_option netclass_options[] = {
	[NC_OPT_IGNORED] = { "collector.netclass.ignored-devices", COPT_REGEX, "^$",
			     "Regexp of net devices to ignore for netclass collector" },
	[NC_OPT_INVALID_SPEED] = { "collector.netclass.ignore-invalid-speed", COPT_BOOL, "false",
				   "Ignore devices where the speed is invalid (-1)" },
	[NC_OPT_NETLINK] = { "collector.netclass.netlink", COPT_BOOL, "false",
			     "Accepted for node_exporter; the same values are read from sysfs" },
	[NC_OPT_WITH_STATS] = { "collector.netclass_rtnl.with-stats", COPT_BOOL, "false",
				"Accepted for node_exporter, no effect: the netdev collector "
				"exports the device statistics" },
	{ 0 },
};

#define NC_PROP(file, prop, type)                                                      \
	{ file, "node_network_" prop, "Network device property: " prop, type }

/* In node_exporter's order; speed is the odd one (a unit conversion and a
 * filter), handled by index. */
static const struct nc_prop {
	const char *file, *name, *help;
	enum metric_type type;
} nc_props[] = {
	NC_PROP("addr_assign_type", "address_assign_type", METRIC_GAUGE),
	NC_PROP("carrier", "carrier", METRIC_GAUGE),
	NC_PROP("carrier_changes", "carrier_changes_total", METRIC_COUNTER),
	NC_PROP("carrier_up_count", "carrier_up_changes_total", METRIC_COUNTER),
	NC_PROP("carrier_down_count", "carrier_down_changes_total", METRIC_COUNTER),
	NC_PROP("dev_id", "device_id", METRIC_GAUGE),
	NC_PROP("dormant", "dormant", METRIC_GAUGE),
	NC_PROP("flags", "flags", METRIC_GAUGE),
	NC_PROP("ifindex", "iface_id", METRIC_GAUGE),
	NC_PROP("iflink", "iface_link", METRIC_GAUGE),
	NC_PROP("link_mode", "iface_link_mode", METRIC_GAUGE),
	NC_PROP("mtu", "mtu_bytes", METRIC_GAUGE),
	NC_PROP("name_assign_type", "name_assign_type", METRIC_GAUGE),
	NC_PROP("netdev_group", "net_dev_group", METRIC_GAUGE),
	NC_PROP("speed", "speed_bytes", METRIC_GAUGE),
	NC_PROP("tx_queue_len", "transmit_queue_length", METRIC_GAUGE),
	NC_PROP("type", "protocol_type", METRIC_GAUGE),
};
#define NC_SPEED 14
#define NC_FLAGS 7

/* The label-valued attributes of node_network_info, in its label order
 * after device (adminstate, derived from flags, goes before ifalias). */
enum { NC_ADDRESS, NC_BROADCAST, NC_DUPLEX, NC_OPERSTATE, NC_IFALIAS, NC_NSTR };
static const char *const nc_str_files[NC_NSTR] = { "address", "broadcast", "duplex", "operstate",
						   "ifalias" };

/* IFF_UP in the flags attribute. */
#define NC_IFF_UP 0x1

/* Every attribute file of a device: nc_str_files, then nc_props. */
#define NC_NFILES (NC_NSTR + ARRAY_SIZE(nc_props))
/* nc_dev.fd values besides open descriptors. */
#define NC_FD_CLOSED (-1)       /* not opened yet */
#define NC_FD_ABSENT (-2)       /* the device has no such file */

/* Devices whose descriptors stay open between collections: 23 each, 184 in
 * all, inside the 512 the daemon's descriptor budget leaves beside its HTTP
 * connections (HTTP_NOFILE_WANTED). A container host's hundreds of veths
 * would not fit; the devices past this many are read with an open per file. */
#define NC_CACHED_DEVICES 8

/* One device's open descriptors. */
struct nc_dev {
	char *name;
	dev_t st_dev;   /* of the device directory, when devfd was opened */
	ino_t st_ino;
	int devfd;
	int fd[NC_NFILES];
	bool reused;    /* opened by an earlier collection */
	bool seen;      /* listed by this collection */
};

struct netclass_state {
	regex_t ignored;
	bool ignore_invalid_speed;
	struct nc_dev *cache;   /* NC_CACHED_DEVICES entries; name NULL when free */
};

struct nc_fams {
	struct family *up, *info, *prop[ARRAY_SIZE(nc_props)];
};

static int nc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The device names of class/net, sorted (readdir order differs between
 * filesystems, and the output should not), NUL-separated in names with
 * pointers in *list. */
static int nc_devices(int classfd, struct buf *names, char ***list, size_t *n)
{
	DIR *d = fdopendir(dup(classfd));
	struct dirent *e;
	size_t cnt = 0, off = 0;
	char **v = NULL;
	int err = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (e->d_type == DT_REG)
			continue;
		if (e->d_type == DT_UNKNOWN &&
		    (fstatat(classfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || S_ISREG(st.st_mode)))
			continue;
		buf_put(names, e->d_name, strlen(e->d_name) + 1);
		cnt++;
	}
	closedir(d);
	if (!cnt)
		goto done;
	v = malloc(cnt * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		v[i] = names->data + off;
		off += strlen(v[i]) + 1;
	}
	qsort(v, cnt, sizeof(*v), nc_cmp);
done:
	*list = v;
	*n = cnt;
	return err;
}

static void nc_detail(struct collect_ctx *ctx, const char *dev, const char *file, const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "class/net/%.64s/%s: %s", dev, file, why);
}

static void nc_dev_init(struct nc_dev *d)
{
	*d = (struct nc_dev){ .devfd = -1 };
	for (size_t i = 0; i < NC_NFILES; i++)
		d->fd[i] = NC_FD_CLOSED;
}

static void nc_dev_close(struct nc_dev *d)
{
	for (size_t i = 0; i < NC_NFILES; i++) {
		if (d->fd[i] >= 0)
			close(d->fd[i]);
		d->fd[i] = NC_FD_CLOSED;
	}
	if (d->devfd >= 0)
		close(d->devfd);
	d->devfd = -1;
}

static void nc_dev_free(struct nc_dev *d)
{
	nc_dev_close(d);
	free(d->name);
	d->name = NULL;
}

/* Opens dev's directory into d, whose descriptors are all closed. 0, -ENOENT
 * when the device went away since the listing, or -errno. */
static int nc_dev_open(struct nc_dev *d, int classfd, const char *dev)
{
	struct stat st;

	d->devfd = openat(classfd, dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->devfd < 0)
		return -errno;
	if (fstat(d->devfd, &st)) {
		int err = -errno;

		nc_dev_close(d);
		return err;
	}
	d->st_dev = st.st_dev;
	d->st_ino = st.st_ino;
	d->reused = false;
	return 0;
}

/* Attribute i (named file) of d into out, opening it on first use. As
 * sysattr_read(). */
static int nc_attr(struct nc_dev *d, size_t i, const char *file, char *out)
{
	if (d->fd[i] == NC_FD_ABSENT)
		return -ENOENT;
	if (d->fd[i] == NC_FD_CLOSED) {
		int fd = openat(d->devfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		/* A device's attribute files are made with it and never change:
		 * one that is missing stays missing. */
		if (fd < 0 && errno == ENOENT)
			d->fd[i] = NC_FD_ABSENT;
		if (fd < 0)
			return -errno;
		d->fd[i] = fd;
	}
	return sysattr_pread(d->fd[i], out);
}

/* One device's series. 0; -ESTALE when a descriptor kept from an earlier
 * collection finds the device gone (the caller opens it afresh), before
 * anything is added; or -EINVAL naming the attribute in ctx->detail. */
static int nc_device(struct collect_ctx *ctx, struct metric_set *ms, struct nc_fams *fams,
		     struct nc_dev *d, const char *dev)
{
	struct netclass_state *s = ctx->state;
	char str[NC_NSTR][SYSATTR_MAX + 1], val[SYSATTR_MAX + 1];
	int64_t num[ARRAY_SIZE(nc_props)];
	bool have[ARRAY_SIZE(nc_props)];
	const char *admin = "unknown";
	struct label info[7];

	for (size_t i = 0; i < NC_NSTR; i++) {
		int n = nc_attr(d, i, nc_str_files[i], str[i]);

		if (n == -ENODEV && d->reused)
			return -ESTALE;
		if (n < 0 && !sysattr_absent(n)) {
			nc_detail(ctx, dev, nc_str_files[i], strerror(-n));
			return n;
		}
		if (n < 0)
			str[i][0] = '\0';
		else if (!pp_label_text(str[i], (size_t)n)) {
			nc_detail(ctx, dev, nc_str_files[i], "not UTF-8 text");
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(nc_props); i++) {
		int n = nc_attr(d, NC_NSTR + i, nc_props[i].file, val);

		have[i] = false;
		if (n == -ENODEV && d->reused)
			return -ESTALE;
		if (n < 0 && sysattr_absent(n))
			continue;
		if (n < 0) {
			nc_detail(ctx, dev, nc_props[i].file, strerror(-n));
			return n;
		}
		if (sysattr_i64(val, &num[i])) {
			nc_detail(ctx, dev, nc_props[i].file, "not a number");
			return -EINVAL;
		}
		have[i] = true;
	}

	if (!fams->up) {
		fams->up = ms_family(ms, "node_network_up", METRIC_GAUGE,
				     "Value is 1 if operstate is 'up', 0 otherwise.");
		fams->info = ms_family(ms, "node_network_info", METRIC_GAUGE,
				       "Non-numeric data from /sys/class/net/<iface>, value is always 1.");
	}
	ms_add(ms, fams->up, strcmp(str[NC_OPERSTATE], "up") == 0 ? 1 : 0, "device", dev, NULL);
	if (have[NC_FLAGS])
		admin = num[NC_FLAGS] & NC_IFF_UP ? "up" : "down";
	info[0] = (struct label){ "device", dev };
	info[1] = (struct label){ "address", str[NC_ADDRESS] };
	info[2] = (struct label){ "broadcast", str[NC_BROADCAST] };
	info[3] = (struct label){ "duplex", str[NC_DUPLEX] };
	info[4] = (struct label){ "operstate", str[NC_OPERSTATE] };
	info[5] = (struct label){ "adminstate", admin };
	info[6] = (struct label){ "ifalias", str[NC_IFALIAS] };
	ms_add_labels(ms, fams->info, 1, info, ARRAY_SIZE(info));

	for (size_t i = 0; i < ARRAY_SIZE(nc_props); i++) {
		int64_t v = num[i];

		if (!have[i])
			continue;
		if (i == NC_SPEED) {
			/* Mbit/s to bytes/s; some drivers report -1 for "unknown". */
			if (v < 0 && s->ignore_invalid_speed)
				continue;
			if (v > INT64_MAX / 1000000 || v < INT64_MIN / 1000000) {
				nc_detail(ctx, dev, "speed", "out of range");
				return -EINVAL;
			}
			v = v * 1000000 / 8;
		}
		if (!fams->prop[i])
			fams->prop[i] = ms_family(ms, nc_props[i].name, nc_props[i].type,
						  nc_props[i].help);
		ms_add(ms, fams->prop[i], (double)v, "device", dev, NULL);
	}
	return 0;
}

/* dev's cache entry, marked seen: still open if its directory is the one
 * opened (reused), else with its descriptors closed; a new entry if there is
 * room; NULL when the cache is full. */
static struct nc_dev *nc_cache_entry(struct netclass_state *s, int classfd, const char *dev)
{
	struct nc_dev *d = NULL;
	struct stat st;

	for (size_t i = 0; i < NC_CACHED_DEVICES && !d; i++)
		if (s->cache[i].name && !strcmp(s->cache[i].name, dev))
			d = &s->cache[i];
	if (d) {
		d->seen = true;
		d->reused = true;
		if (fstatat(classfd, dev, &st, 0) || st.st_ino != d->st_ino || st.st_dev != d->st_dev)
			nc_dev_close(d);
		return d;
	}
	for (size_t i = 0; i < NC_CACHED_DEVICES && !d; i++)
		if (!s->cache[i].name)
			d = &s->cache[i];
	if (!d || !(d->name = strdup(dev)))
		return NULL;
	d->seen = true;
	return d;
}

/* dev's series, read through its cache entry, or through descriptors opened
 * for this collection only when the cache is full. 0 (also when the device
 * went away since the listing), or -errno naming the file in ctx->detail. */
static int nc_collect_dev(struct collect_ctx *ctx, struct metric_set *ms, struct nc_fams *fams,
			  int classfd, const char *dev)
{
	struct nc_dev tmp, *d = nc_cache_entry(ctx->state, classfd, dev);
	int err = 0;

	nc_dev_init(&tmp);
	if (!d)
		d = &tmp;
	/* A second round only after -ESTALE, with fresh descriptors. */
	for (int round = 0; round < 2; round++) {
		if (d->devfd < 0) {
			err = nc_dev_open(d, classfd, dev);
			if (err == -ENOENT)
				err = 0; /* removed since the listing: as if not listed */
			else if (err)
				nc_detail(ctx, dev, "", strerror(-err));
			if (d->devfd < 0)
				break;
		}
		err = nc_device(ctx, ms, fams, d, dev);
		if (err != -ESTALE)
			break;
		nc_dev_close(d);
	}
	if (d == &tmp)
		nc_dev_close(&tmp);
	else if (err || d->devfd < 0)
		nc_dev_free(d);
	return err;
}

static int netclass_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct netclass_state *s = ctx->state;
	struct nc_fams fams = { 0 };
	char path[4096];
	struct buf names;
	char **devs = NULL;
	size_t ndevs = 0;
	int classfd = -1, err;

	buf_init(&names);
	err = path_join(path, sizeof(path), ctx->sysfs, "class/net");
	if (err)
		goto out;
	classfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (classfd < 0) {
		/* No network class in this sysfs: node_exporter's ErrNoData. */
		err = errno == ENOENT || errno == EACCES ? -ENODATA : -errno;
		goto out;
	}
	err = nc_devices(classfd, &names, &devs, &ndevs);
	if (err)
		goto out;
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		s->cache[i].seen = false;
	for (size_t i = 0; i < ndevs; i++) {
		if (!regexec(&s->ignored, devs[i], 0, NULL, 0))
			continue;
		if (!pp_label_text(devs[i], strlen(devs[i]))) {
			nc_detail(ctx, devs[i], "", "device name not UTF-8 text");
			err = -EINVAL;
			goto out;
		}
		err = nc_collect_dev(ctx, ms, &fams, classfd, devs[i]);
		if (err)
			goto out;
	}
	/* Devices gone since the last collection give their descriptors back. */
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		if (s->cache[i].name && !s->cache[i].seen)
			nc_dev_free(&s->cache[i]);
	err = ms_error(ms);
out:
	if (classfd >= 0)
		close(classfd);
	free(devs);
	buf_free(&names);
	return err;
}

static int netclass_init(struct collect_ctx *ctx)
{
	struct netclass_state *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	/* The option has a default, and the config layer checked any value given. */
	err = collector_opt_regex(ctx, &netclass_options[NC_OPT_IGNORED], &s->ignored);
	if (err) {
		free(s);
		return err;
	}
	s->cache = calloc(NC_CACHED_DEVICES, sizeof(*s->cache));
	if (!s->cache) {
		regfree(&s->ignored);
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		nc_dev_init(&s->cache[i]);
	s->ignore_invalid_speed =
	    collector_opt_bool(ctx, &netclass_options[NC_OPT_INVALID_SPEED]);
	if (collector_opt_bool(ctx, &netclass_options[NC_OPT_WITH_STATS]))
		log_warnf("collector", LOG_KV("flag", "--collector.netclass_rtnl.with-stats"),
			  "flag has no effect here; the netdev collector exports device statistics");
	ctx->state = s;
	return 0;
}

static void netclass_fini(struct collect_ctx *ctx)
{
	struct netclass_state *s = ctx->state;

	if (!s)
		return;
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		nc_dev_free(&s->cache[i]);
	free(s->cache);
	regfree(&s->ignored);
	free(s);
	ctx->state = NULL;
}

const struct collector collector_netclass = {
	.name = "netclass",
	.help = "Network device properties from /sys/class/net",
	.default_enabled = true,
	.options = netclass_options,
	.init = netclass_init,
	.collect = netclass_collect,
	.fini = netclass_fini,
};
