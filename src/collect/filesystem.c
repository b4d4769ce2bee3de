/* filesystem: mounts from <procfs>/1/mountinfo → node_filesystem_* per mount,
 * from statvfs() on <rootfs>/<mountpoint>.
 *
 * The one /proc collector that can hang: statvfs() on a dead NFS server or a
 * FUSE mount whose daemon stopped answering blocks in the kernel for as long
 * as the server stays away, and no signal or timeout of ours can cut it
 * short. So the calls run in a child process (prober.h), each within a time
 * box (--collector.filesystem.timeout, 1s by default). A mount that overruns
 * it reports node_filesystem_device_error 1, is named in ctx->detail, and is
 * not asked again while its first call still hangs, like node_exporter's
 * stuckMounts: retrying would only park one more process on the same server.
 *
 * Mount selection and labels follow node_exporter 1.5: its default exclude
 * regexes (POSIX ERE, compiled once in init(); both can be set in the config),
 * mountinfo's octal escapes decoded, the rootfs prefix stripped from the label,
 * and one series per (device, fstype, mountpoint).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "config.h"
#include "prober.h"
#include "util.h"

/* node_exporter 1.12's defaults (collector/filesystem_linux.go; Debian's package
 * patches the mount points one to also drop /run, /mnt and /media). */
#define FS_MOUNT_POINTS_EXCLUDE                                                                    \
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)"      \
	"($|/)"
#define FS_TYPES_EXCLUDE                                                                           \
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"    \
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|"          \
	"squashfs|erofs|sysfs|tracefs)$"

enum {
	FS_OPT_MOUNT_POINTS,
	FS_OPT_MOUNT_POINTS_INCLUDE,
	FS_OPT_FS_TYPES,
	FS_OPT_FS_TYPES_INCLUDE,
	FS_OPT_TIMEOUT
};
static const struct collector_option filesystem_options[] = {
	[FS_OPT_MOUNT_POINTS] = { "collector.filesystem.mount-points-exclude", COPT_REGEX,
				  FS_MOUNT_POINTS_EXCLUDE,
				  "Regexp of mount points to exclude (mutually exclusive to "
				  "mount-points-include)" },
	[FS_OPT_MOUNT_POINTS_INCLUDE] = { "collector.filesystem.mount-points-include", COPT_REGEX,
					  NULL, "Regexp of mount points to include (mutually "
					  "exclusive to mount-points-exclude)" },
	[FS_OPT_FS_TYPES] = { "collector.filesystem.fs-types-exclude", COPT_REGEX,
			      FS_TYPES_EXCLUDE, "Regexp of filesystem types to exclude (mutually "
			      "exclusive to fs-types-include)" },
	[FS_OPT_FS_TYPES_INCLUDE] = { "collector.filesystem.fs-types-include", COPT_REGEX, NULL,
				      "Regexp of filesystem types to include (mutually exclusive "
				      "to fs-types-exclude)" },
	/* node_exporter's 5s would stretch a collection by 5s per hung mount; our
	 * older name --collector.filesystem.timeout is an alias (config.c). */
	[FS_OPT_TIMEOUT] = { "collector.filesystem.mount-timeout", COPT_DURATION, "1s",
			     "Time box for one statvfs() (a hung mount is marked failed)" },
	{ 0 },
};
/* More than any mountinfo line has (optional fields are a handful). */
#define FS_MAX_FIELDS 64

struct fs_state {
	struct device_filter *mount_points, *fs_types;
	unsigned int timeout_ms;
	struct prober *prober;
	/* mountinfo, kept open while it is on procfs, and its last text. The
	 * kernel flags a change of the mount table to poll() (POLLPRI: the
	 * namespace's event count, which mount, umount, move and a change of a
	 * mount's options bump), so an unchanged table is not formatted and
	 * read again every collection. */
	int mounts_fd;
	struct buf mounts;
};

/* One mount from mountinfo; strings point into the read buffer, decoded. */
struct fs_mount {
	const char *device, *fstype, *mountpoint;
	bool ro;
	bool stuck;    /* skipped: an earlier call still hangs */
	uint64_t hash; /* of the three labels, to find duplicates fast */
	int err;
	struct prober_fs st;
};

/* ---------------------------------------------------------------------------
 * mountinfo
 */

static bool fs_opt_ro(const char *opts)
{
	return !strncmp(opts, "ro", 2) && (opts[2] == ',' || opts[2] == '\0');
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
 * (proc(5)): mount point is field 5, options field 6, then optional fields up
 * to a lone "-", then type, source and superblock options. */
static int fs_parse_line(char *line, struct fs_mount *m)
{
	char *f[FS_MAX_FIELDS];
	size_t n = split_fields(line, f, FS_MAX_FIELDS), sep;

	if (n == 0)
		return -ENODATA;
	for (sep = 6; sep < n && strcmp(f[sep], "-"); sep++)
		;
	if (n < 6 || sep + 2 >= n)
		return -EINVAL;
	mountinfo_unescape(f[4]);
	mountinfo_unescape(f[sep + 1]);
	mountinfo_unescape(f[sep + 2]);
	if (f[4][0] != '/')
		return -EINVAL;
	*m = (struct fs_mount){
	    .mountpoint = f[4],
	    .fstype = f[sep + 1],
	    .device = f[sep + 2],
	    /* /proc/mounts says "ro" when either the mount or its superblock is. */
	    .ro = fs_opt_ro(f[5]) || (sep + 3 < n && fs_opt_ro(f[sep + 3])),
	};
	return 0;
}

/* The label is the mount point as seen from --path.rootfs; node_exporter
 * strips that prefix when it runs in a container with the host's / mounted. */
static const char *fs_strip_rootfs(const char *rootfs, const char *mp)
{
	size_t n;

	if (!rootfs || !strcmp(rootfs, "/") || !*rootfs)
		return mp;
	n = strlen(rootfs);
	while (n > 1 && rootfs[n - 1] == '/')
		n--;
	if (strncmp(mp, rootfs, n) || (mp[n] != '/' && mp[n] != '\0'))
		return mp;
	return mp[n] ? mp + n : "/";
}

static uint64_t fs_hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL; /* FNV-1a */
	return (h ^ 0xff) * 1099511628211ULL; /* a separator, so "a"+"bc" != "ab"+"c" */
}

/* Quadratic, but on integers first: a node with a thousand pod mounts stays well
 * under a millisecond. */
static bool fs_seen(const struct fs_mount *ms, size_t n, const struct fs_mount *m)
{
	for (size_t i = 0; i < n; i++)
		if (ms[i].hash == m->hash && !strcmp(ms[i].mountpoint, m->mountpoint) &&
		    !strcmp(ms[i].device, m->device) && !strcmp(ms[i].fstype, m->fstype))
			return true;
	return false;
}

/* ---------------------------------------------------------------------------
 * Collector
 */

static void fs_emit(struct metric_set *ms, struct family **fam, const struct fs_mount *m)
{
	static const struct {
		const char *name, *help;
	} defs[] = {
	    {"node_filesystem_size_bytes", "Filesystem size in bytes."},
	    {"node_filesystem_free_bytes", "Filesystem free space in bytes."},
	    {"node_filesystem_avail_bytes",
	     "Filesystem space available to non-root users in bytes."},
	    {"node_filesystem_files", "Filesystem total file nodes."},
	    {"node_filesystem_files_free", "Filesystem total free file nodes."},
	    {"node_filesystem_readonly", "Filesystem read-only status."},
	    {"node_filesystem_device_error",
	     "Whether an error occurred while getting statistics for the given device."},
	};
	/* node_exporter multiplies the block counts by f_bsize, not f_frsize; on Linux
	 * they agree for every filesystem that reports both. */
	double bs = (double)m->st.bsize;
	double v[ARRAY_SIZE(defs)] = {
	    (double)m->st.blocks * bs,
	    (double)m->st.bfree * bs,
	    (double)m->st.bavail * bs,
	    (double)m->st.files,
	    (double)m->st.ffree,
	    m->ro ? 1 : 0,
	    0,
	};
	size_t first = 0;

	/* A mount we could not stat gets only the error series, as in 1.5. */
	if (m->stuck || m->err) {
		first = ARRAY_SIZE(defs) - 1;
		v[first] = 1;
	}
	for (size_t i = first; i < ARRAY_SIZE(defs); i++) {
		if (!fam[i])
			fam[i] = ms_family(ms, defs[i].name, METRIC_GAUGE, defs[i].help);
		ms_add(ms, fam[i], v[i], "device", m->device, "fstype", m->fstype, "mountpoint",
		       m->mountpoint, NULL);
	}
}

/* "statvfs timed out: /mnt/a, /mnt/b" within ctx->detail, cut with "...". */
static void fs_detail(struct collect_ctx *ctx, const struct fs_mount *mounts, size_t n)
{
	size_t len = 0, cap = sizeof(ctx->detail);
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct fs_mount *m = &mounts[i];
		int w;

		if (!m->stuck && m->err != -ETIMEDOUT)
			continue;
		w = snprintf(ctx->detail + len, cap - len, "%s%s",
			     any ? ", " : "statvfs hung: ", m->mountpoint);
		any = true;
		if (w < 0 || (size_t)w >= cap - len) {
			snprintf(ctx->detail + cap - 4, 4, "...");
			return;
		}
		len += (size_t)w;
	}
}

static void fs_close_mounts(struct fs_state *s)
{
	if (s->mounts_fd >= 0)
		close(s->mounts_fd);
	s->mounts_fd = -1;
}

static int fs_open_mounts(const struct collect_ctx *ctx, struct fs_state *s, const char *rel)
{
	char path[PATH_MAX];
	int err = path_join(path, sizeof(path), ctx->procfs, rel);

	if (err)
		return err;
	s->mounts_fd = open(path, O_RDONLY | O_CLOEXEC);
	return s->mounts_fd < 0 ? -errno : 0;
}

/* The mount table's text into b: the kept copy while poll() reports no
 * change, else read afresh. */
static int fs_read_mounts(const struct collect_ctx *ctx, struct fs_state *s, struct buf *b)
{
	struct pollfd changed = { .fd = s->mounts_fd, .events = POLLPRI };
	int err;

	if (s->mounts_fd >= 0 && poll(&changed, 1, 0) == 0)
		goto copy;
	if (s->mounts_fd >= 0 && !read_fd(s->mounts_fd, READ_FROM_START, &s->mounts))
		goto copy;
	fs_close_mounts(s);
	err = fs_open_mounts(ctx, s, "1/mountinfo");
	/* Not in the host's PID namespace, or /proc/1 hidden (hidepid=): our own view. */
	if (err == -ENOENT || err == -EACCES)
		err = fs_open_mounts(ctx, s, "self/mountinfo");
	if (!err)
		err = read_fd(s->mounts_fd, 0, &s->mounts);
	/* A fixture tree's file is read again each time: poll() says nothing
	 * of a regular file's changes. */
	if (err || !kernel_fs_of(s->mounts_fd))
		fs_close_mounts(s);
	if (err)
		return err;
copy:
	buf_reset(b);
	buf_put(b, s->mounts.data, s->mounts.len);
	buf_cstr(b);
	return b->oom ? -ENOMEM : 0;
}

static int filesystem_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct fs_state *s = ctx->state;
	struct family *fam[7] = {0};
	struct fs_mount *mounts = NULL;
	size_t nmounts = 0, cap = 0;
	char *cur, *line;
	struct buf b;
	int err;

	if (!s)
		return -EINVAL;
	buf_init(&b);
	err = fs_read_mounts(ctx, s, &b);
	if (err)
		goto out;

	/* Select the mounts. */
	cur = b.data;
	while ((line = next_line(&cur))) {
		struct fs_mount m;

		err = fs_parse_line(line, &m);
		if (err == -ENODATA)
			continue;
		if (err) {
			snprintf(ctx->detail, sizeof(ctx->detail), "mountinfo: malformed line");
			goto out;
		}
		m.mountpoint = fs_strip_rootfs(ctx->rootfs, m.mountpoint);
		m.hash = fs_hash(fs_hash(fs_hash(1469598103934665603ULL, m.mountpoint), m.device),
				 m.fstype);
		if (device_filter_ignored(s->mount_points, m.mountpoint) ||
		    device_filter_ignored(s->fs_types, m.fstype) || fs_seen(mounts, nmounts, &m))
			continue;
		if (nmounts == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			struct fs_mount *nm = realloc(mounts, ncap * sizeof(*nm));

			if (!nm) {
				err = -ENOMEM;
				goto out;
			}
			mounts = nm;
			cap = ncap;
		}
		mounts[nmounts++] = m;
	}

	/* Ask every mount not known to hang, each within its own time box. */
	for (size_t i = 0; i < nmounts; i++) {
		struct fs_mount *m = &mounts[i];
		char path[PATH_MAX];

		if (path_join(path, sizeof(path), ctx->rootfs, m->mountpoint)) {
			m->err = -ENAMETOOLONG;
			continue;
		}
		m->stuck = prober_stuck(s->prober, path);
		if (!m->stuck)
			m->err = prober_statfs(s->prober, path, s->timeout_ms, &m->st);
	}
	for (size_t i = 0; i < nmounts; i++)
		fs_emit(ms, fam, &mounts[i]);
	fs_detail(ctx, mounts, nmounts);
	err = ms_error(ms);
out:
	free(mounts);
	buf_free(&b);
	return err;
}

static void filesystem_fini(struct collect_ctx *ctx)
{
	struct fs_state *s = ctx->state;

	if (!s)
		return;
	prober_free(s->prober);
	device_filter_free(s->fs_types);
	device_filter_free(s->mount_points);
	fs_close_mounts(s);
	buf_free(&s->mounts);
	free(s);
	ctx->state = NULL;
}

static int filesystem_init(struct collect_ctx *ctx)
{
	struct fs_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->mounts_fd = -1;
	buf_init(&s->mounts);
	s->timeout_ms = (unsigned int)collector_opt_ms(ctx, &filesystem_options[FS_OPT_TIMEOUT]);
	s->prober = prober_new();
	errno = ENOMEM;
	s->mount_points = s->prober ? device_filter_new(ctx,
			&filesystem_options[FS_OPT_MOUNT_POINTS_INCLUDE],
			&filesystem_options[FS_OPT_MOUNT_POINTS]) : NULL;
	s->fs_types = s->mount_points ? device_filter_new(ctx,
			&filesystem_options[FS_OPT_FS_TYPES_INCLUDE],
			&filesystem_options[FS_OPT_FS_TYPES]) : NULL;
	if (!s->fs_types) {
		rc = -errno;
		device_filter_free(s->mount_points);
		prober_free(s->prober);
		free(s);
		return rc;
	}
	ctx->state = s;
	return 0;
}

const struct collector collector_filesystem = {
    .name = "filesystem",
    .help = "Filesystem sizes from statvfs() on every mount in /proc/1/mountinfo",
    .default_enabled = true,
    .options = filesystem_options,
    .init = filesystem_init,
    .collect = filesystem_collect,
    .fini = filesystem_fini,
};
