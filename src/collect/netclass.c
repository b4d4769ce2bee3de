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
 * While rtnetlink reports no link change, a collection exports the last
 * read again (netclass_state.links_fd), for at most NC_REREAD_SECONDS.
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
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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
#define NC_IFINDEX 8

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

/* What one read of a device's attribute files found. */
struct nc_values {
	char str[NC_NSTR][SYSATTR_MAX + 1];
	int64_t num[ARRAY_SIZE(nc_props)];
	bool have[ARRAY_SIZE(nc_props)];
};

/* One device's open descriptors, and its values as last read. */
struct nc_dev {
	char *name;
	dev_t st_dev;   /* of the device directory, when devfd was opened */
	ino_t st_ino;
	int devfd;
	int fd[NC_NFILES];
	bool reused;    /* opened by an earlier collection */
	bool seen;      /* listed by this collection */
	struct nc_values last;
};

/* The longest a collection goes on exporting the values last read while the
 * kernel tells of no link change (below): the bound on how stale a value can
 * be that changes without a notification (a veth's iflink when its peer moves
 * to another namespace). */
#define NC_REREAD_SECONDS 60.0

struct netclass_state {
	regex_t ignored;
	bool ignore_invalid_speed;
	struct nc_dev *cache;   /* NC_CACHED_DEVICES entries; name NULL when free */
	/* Every property this collector exports changes by a netdevice event,
	 * which rtnetlink tells its RTMGRP_LINK listeners of (RTM_NEWLINK,
	 * RTM_DELLINK: MTU, flags, carrier and its counts, operstate,
	 * address, alias, rename, a device made or gone). So while that socket
	 * stays silent the last read still holds, and a collection exports it
	 * again instead of 110 reads of 5 devices' files: 40 % of a
	 * collection's system calls here. Only when the last read could
	 * replay: every device had a cache entry, and sysfs shows the devices
	 * of this process's network namespace, whose events the socket gets. */
	int links_fd;           /* -1: no socket, read every time */
	bool replayable;
	double read_at;         /* now_monotonic() of the last read */
	size_t order[NC_CACHED_DEVICES]; /* cache entries of the last read, in order */
	size_t norder;
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

/* Reads d's attribute files into d->last. 0; -ESTALE when a descriptor
 * kept from an earlier collection finds the device gone (the caller opens it
 * afresh); or -errno naming the attribute in ctx->detail. */
static int nc_read(struct collect_ctx *ctx, struct nc_dev *d, const char *dev)
{
	char (*str)[SYSATTR_MAX + 1] = d->last.str, val[SYSATTR_MAX + 1];
	int64_t *num = d->last.num;
	bool *have = d->last.have;

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
	return 0;
}

/* The series of device dev from the values vals read of it. 0, or -EINVAL
 * naming the attribute in ctx->detail. */
static int nc_emit(struct collect_ctx *ctx, struct metric_set *ms, struct nc_fams *fams,
		   const struct nc_values *vals, const char *dev)
{
	struct netclass_state *s = ctx->state;
	const char (*str)[SYSATTR_MAX + 1] = vals->str;
	const int64_t *num = vals->num;
	const bool *have = vals->have;
	const char *admin = "unknown";
	struct label info[7];

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

/* nc_collect_dev()'s *slot besides a cache entry's index. */
#define NC_SLOT_GONE (-1)       /* removed since the listing: nothing exported */
#define NC_SLOT_UNCACHED (-2)   /* read through descriptors of this collection */

/* dev's series, read through its cache entry, or through descriptors opened
 * for this collection only when the cache is full; *slot says which. 0 (also
 * when the device went away since the listing), or -errno naming the file in
 * ctx->detail. */
static int nc_collect_dev(struct collect_ctx *ctx, struct metric_set *ms, struct nc_fams *fams,
			  int classfd, const char *dev, int *slot)
{
	struct netclass_state *s = ctx->state;
	struct nc_dev tmp, *d = nc_cache_entry(s, classfd, dev);
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
		err = nc_read(ctx, d, dev);
		if (err != -ESTALE)
			break;
		nc_dev_close(d);
	}
	*slot = NC_SLOT_GONE;
	if (!err && d->devfd >= 0) {
		err = nc_emit(ctx, ms, fams, &d->last, dev);
		*slot = d == &tmp ? NC_SLOT_UNCACHED : (int)(d - s->cache);
	}
	if (d == &tmp)
		nc_dev_close(&tmp);
	else if (err || d->devfd < 0)
		nc_dev_free(d);
	return err;
}

/* A socket told of every link change in this network namespace, or -1. */
static int nc_links_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Whether the kernel told of a link change since the last call, or may have:
 * ENOBUFS says notifications were dropped. Empties the socket. */
static bool nc_links_changed(int fd)
{
	char msg[4096];
	bool changed = false;

	for (;;) {
		if (recv(fd, msg, sizeof(msg), MSG_DONTWAIT) >= 0)
			changed = true;
		else if (errno != EINTR)
			return changed || errno != EAGAIN;
	}
}

/* Whether dev, as read from sysfs into v, is the device of that name in this
 * process's network namespace, whose changes reach links_fd: the same index,
 * and the same hardware address where that is a MAC. A sysfs mounted from
 * another namespace (a container given the host's /sys but not its network)
 * names other devices, whose lo and eth0 may even have the same indexes. */
static bool nc_in_our_netns(int links_fd, const struct nc_values *v, const char *dev)
{
	struct ifreq ifr = { 0 };
	const unsigned char *a = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	char mac[18];

	if (!v->have[NC_IFINDEX] || strlen(dev) >= sizeof(ifr.ifr_name))
		return false;
	memcpy(ifr.ifr_name, dev, strlen(dev) + 1);
	if (ioctl(links_fd, SIOCGIFINDEX, &ifr) || ifr.ifr_ifindex != v->num[NC_IFINDEX])
		return false;
	if (strlen(v->str[NC_ADDRESS]) != sizeof(mac) - 1)
		return true;
	if (ioctl(links_fd, SIOCGIFHWADDR, &ifr))
		return false;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4],
		 a[5]);
	return !strcmp(mac, v->str[NC_ADDRESS]);
}

/* The series of the last read again, in its order. */
static int nc_replay(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct netclass_state *s = ctx->state;
	struct nc_fams fams = { 0 };

	for (size_t i = 0; i < s->norder; i++) {
		const struct nc_dev *d = &s->cache[s->order[i]];
		int err = nc_emit(ctx, ms, &fams, &d->last, d->name);

		if (err)
			return err;
	}
	return ms_error(ms);
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
	double started = now_monotonic();
	bool replayable;

	/* Emptied first: a change while the files are read is seen next time. */
	if (s->links_fd >= 0 && !nc_links_changed(s->links_fd) && s->replayable &&
	    started - s->read_at < NC_REREAD_SECONDS)
		return nc_replay(ctx, ms);
	s->replayable = false;
	s->norder = 0;
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
	replayable = s->links_fd >= 0 && kernel_fs_of(classfd) == KERNEL_FS_SYS;
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		s->cache[i].seen = false;
	for (size_t i = 0; i < ndevs; i++) {
		int slot;

		if (!regexec(&s->ignored, devs[i], 0, NULL, 0))
			continue;
		if (!pp_label_text(devs[i], strlen(devs[i]))) {
			nc_detail(ctx, devs[i], "", "device name not UTF-8 text");
			err = -EINVAL;
			goto out;
		}
		err = nc_collect_dev(ctx, ms, &fams, classfd, devs[i], &slot);
		if (err)
			goto out;
		if (slot == NC_SLOT_UNCACHED)
			replayable = false;
		if (slot < 0)
			continue;
		replayable = replayable && s->norder < NC_CACHED_DEVICES &&
			     nc_in_our_netns(s->links_fd, &s->cache[slot].last, devs[i]);
		if (s->norder < NC_CACHED_DEVICES)
			s->order[s->norder++] = (size_t)slot;
	}
	/* Devices gone since the last collection give their descriptors back. */
	for (size_t i = 0; i < NC_CACHED_DEVICES; i++)
		if (s->cache[i].name && !s->cache[i].seen)
			nc_dev_free(&s->cache[i]);
	err = ms_error(ms);
	if (!err) {
		s->replayable = replayable;
		s->read_at = started;
	}
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
	s->links_fd = nc_links_socket();
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
	if (s->links_fd >= 0)
		close(s->links_fd);
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
