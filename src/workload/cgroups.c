/* cgroup v2 id -> path, by walking the cgroup2 mount.
 *
 * On 64-bit kernels a cgroup's id is its kernfs node id, which is the inode
 * number of its directory (kernfs_node.id; cgroup_id() in the kernel), so
 * one readdir walk with fstatat() maps every id. The walk is the expensive
 * part: it runs when asked for an id it does not know, at most once per
 * rescan_min_s (a cgroup that lives for less than that is named on the next
 * walk, or counted under its id if it is gone by then). Where the kernel
 * tells of each new cgroup (bpf/cgnames.bpf.c), cgroup_paths_learn() names it
 * before any event of it is read, and the walk is only the fallback. An id
 * the kernel says it removed, or that a walk missed, stays known for grace_s,
 * so a workload that just exited keeps its name while its last events are
 * exported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "buf.h"
#include "util.h"
#include "workload.h"

/* The kernel caps the hierarchy's depth only by cgroup.max.depth (unlimited
 * by default); a tree deeper than this is not a real host's. */
#define WALK_MAX_DEPTH 32

struct cgroup_entry {
	uint64_t id;
	char *path;
	double seen;    /* monotonic: the last walk that found it, or its report */
	bool removed;   /* the kernel said so, at seen */
};

struct cgroup_paths {
	char *root;
	double rescan_min_s, grace_s;
	double last_walk;       /* -1: never */
	size_t walks;
	struct cgroup_entry *e; /* sorted by id */
	size_t n, cap;
};

int cgroup2_mount(const char *procfs, char *out, size_t outsz)
{
	struct buf b;
	char *cur, *line;
	int err;

	buf_init(&b);
	/* The host's view first, as the filesystem collector reads it (in a
	 * container with the host's /proc under --path.procfs). */
	err = read_file_at(procfs, "1/mountinfo", &b);
	if (err == -ENOENT || err == -EACCES)
		err = read_file_at(procfs, "self/mountinfo", &b);
	if (err)
		goto out;
	err = -ENOENT;
	cur = b.data;
	while ((line = next_line(&cur))) {
		char *f[16], *dash;
		size_t nf;

		/* "... mountpoint opts [optional...] - fstype source superopts" */
		dash = strstr(line, " - cgroup2 ");
		if (!dash)
			continue;
		*dash = '\0';
		nf = split_fields(line, f, ARRAY_SIZE(f));
		if (nf < 5)
			continue;
		if (snprintf(out, outsz, "%s", f[4]) >= (int)outsz) {
			err = -ENAMETOOLONG;
			goto out;
		}
		mountinfo_unescape(out);
		err = 0;
		break;
	}
out:
	buf_free(&b);
	return err;
}

struct cgroup_paths *cgroup_paths_new(const char *root, double rescan_min_s, double grace_s)
{
	struct cgroup_paths *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->root = strdup(root);
	if (!c->root) {
		free(c);
		return NULL;
	}
	c->rescan_min_s = rescan_min_s;
	c->grace_s = grace_s;
	c->last_walk = -1;
	return c;
}

void cgroup_paths_free(struct cgroup_paths *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].path);
	free(c->e);
	free(c->root);
	free(c);
}

size_t cgroup_paths_count(const struct cgroup_paths *c)
{
	return c->n;
}

size_t cgroup_paths_walks(const struct cgroup_paths *c)
{
	return c->walks;
}

void cgroup_paths_each(const struct cgroup_paths *c,
		       void (*cb)(uint64_t id, const char *path, void *arg), void *arg)
{
	for (size_t i = 0; i < c->n; i++)
		cb(c->e[i].id, c->e[i].path, arg);
}

static struct cgroup_entry *find(const struct cgroup_paths *c, uint64_t id, size_t *at)
{
	size_t lo = sorted_u64_lower_bound(c->e, c->n, sizeof(*c->e), id);

	if (at)
		*at = lo;
	return lo < c->n && c->e[lo].id == id ? &c->e[lo] : NULL;
}

static int remember(struct cgroup_paths *c, uint64_t id, const char *path, double now)
{
	size_t at;
	struct cgroup_entry *e = find(c, id, &at);
	char *copy;

	if (e && !strcmp(e->path, path)) {
		e->seen = now;
		e->removed = false;
		return 0;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (e) { /* the id now names another path (a renamed cgroup) */
		free(e->path);
		e->path = copy;
		e->seen = now;
		e->removed = false;
		return 0;
	}
	e = array_insert((void **)&c->e, &c->cap, &c->n, sizeof(*e), 64, at);
	if (!e) {
		free(copy);
		return -ENOMEM;
	}
	*e = (struct cgroup_entry){ .id = id, .path = copy, .seen = now };
	return 0;
}

/* path is the cgroup's path below the root, in a buffer of PATH_MAX bytes
 * that the walk extends and restores. */
static int walk(struct cgroup_paths *c, int dirfd, char *path, size_t len, int depth, double now)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err;

	if (fstat(dirfd, &st))
		return -errno;
	err = remember(c, st.st_ino, len ? path : "/", now);
	if (err || depth >= WALK_MAX_DEPTH)
		return err;
	d = fdopendir(dirfd);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (len + 1 + n >= PATH_MAX)
			continue; /* deeper than any name we could export */
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue; /* removed since readdir, or unreadable: skip it */
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		err = walk(c, sub, path, len + 1 + n, depth + 1, now);
		path[len] = '\0';
	}
	closedir(d); /* closes dirfd */
	return err;
}

/* Past their grace period, dead cgroups are forgotten: those the kernel said
 * it removed, and after a walk also those the walk did not find. */
static void forget(struct cgroup_paths *c, double now, bool removed_only)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n; i++) {
		if ((c->e[i].removed || !removed_only) && now - c->e[i].seen > c->grace_s) {
			free(c->e[i].path);
			continue;
		}
		c->e[kept++] = c->e[i];
	}
	c->n = kept;
}

int cgroup_paths_rescan(struct cgroup_paths *c, double now)
{
	char *path = malloc(PATH_MAX);
	int fd, err;

	if (!path)
		return -ENOMEM;
	path[0] = '\0';
	c->last_walk = now;
	c->walks++;
	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : walk(c, fd, path, 0, 0, now);
	free(path);
	if (!err)
		forget(c, now, false);
	return err;
}

void cgroup_paths_expire(struct cgroup_paths *c, double now)
{
	forget(c, now, true);
}

int cgroup_paths_learn(struct cgroup_paths *c, uint64_t id, const char *path, double now)
{
	return remember(c, id, path, now);
}

void cgroup_paths_removed(struct cgroup_paths *c, uint64_t id, double now)
{
	struct cgroup_entry *e = find(c, id, NULL);

	if (e) {
		e->seen = now;
		e->removed = true;
	}
}

bool cgroup_paths_gone(const struct cgroup_paths *c, uint64_t id, double now)
{
	const struct cgroup_entry *e = find(c, id, NULL);

	return e && e->removed && now - e->seen > c->grace_s;
}

/* The hierarchy's root is the first kernfs node of its tree. */
#define CGROUP_TOP_ID 1

bool cgroup_paths_at_top(const struct cgroup_paths *c)
{
	struct stat st;

	return !stat(c->root, &st) && st.st_ino == CGROUP_TOP_ID;
}

int cgroup_paths_check(const struct cgroup_paths *c)
{
	struct statfs sf;
	int fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf))
		err = -errno;
	else if (sf.f_type != CGROUP2_SUPER_MAGIC)
		err = -ENOTDIR;
	close(fd);
	return err;
}

const char *cgroup_paths_lookup(struct cgroup_paths *c, uint64_t id, double now)
{
	struct cgroup_entry *e = find(c, id, NULL);

	if (e)
		return e->path;
	if (c->last_walk >= 0 && now - c->last_walk < c->rescan_min_s)
		return NULL;
	if (cgroup_paths_rescan(c, now))
		return NULL;
	e = find(c, id, NULL);
	return e ? e->path : NULL;
}
