#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "prober.h"
#include "collect_assert.h"
#include "util.h"

/* A stand-in for a dead NFS server: statvfs() on a path ending in /mnt/nfs
 * blocks until the test lets it go. It runs in the prober's child process, so
 * the flag and the counters live in memory shared across fork(). */
struct hang {
	int released, calls, returns;
};
static struct hang *hang;

static const char *hang_also; /* a second mount point to hang, or NULL */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_nfs(const char *path)
{
	return ends_with(path, "/mnt/nfs") || (hang_also && ends_with(path, hang_also));
}

static int hanging_statvfs(const char *path, struct statvfs *buf)
{
	if (is_nfs(path)) {
		struct timespec ms = {.tv_nsec = 1000000L};

		__atomic_add_fetch(&hang->calls, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&hang->released, __ATOMIC_SEQ_CST))
			nanosleep(&ms, NULL);
		__atomic_add_fetch(&hang->returns, 1, __ATOMIC_SEQ_CST);
	}
	return statvfs(path, buf);
}

static void hang_arm(void)
{
	if (!hang) {
		hang = mmap(NULL, sizeof(*hang), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
		assert_true(hang != MAP_FAILED);
	}
	*hang = (struct hang){0};
	prober_statvfs_fn = hanging_statvfs;
}

static void hang_release(void)
{
	__atomic_store_n(&hang->released, 1, __ATOMIC_SEQ_CST);
}

static int hang_get(int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* After hang_release(): up to a second for n stuck calls to come back. */
static void hang_wait_returns(int n)
{
	for (int i = 0; i < 200 && hang_get(&hang->returns) < n; i++)
		sleep_ms(5);
}

struct run {
	struct fixture_paths p;
	struct collect_ctx ctx;
	struct metric_set *ms;
};

static void run_init(struct run *r, const char *tree, const struct config *cfg)
{
	r->ctx = fixture_ctx(&r->p, tree);
	r->ctx.cfg = cfg;
	r->ms = NULL;
	assert_int_equal(collector_filesystem.init(&r->ctx), 0);
}

static int run_collect(struct run *r)
{
	ms_free(r->ms);
	r->ms = ms_new();
	r->ctx.detail[0] = '\0';
	return collector_filesystem.collect(&r->ctx, r->ms);
}

/* A collection that must succeed; returns the seconds it took. */
static double run_collect_timed(struct run *r)
{
	double t0 = now_monotonic();

	assert_int_equal(run_collect(r), 0);
	return now_monotonic() - t0;
}

static void run_fini(struct run *r)
{
	ms_free(r->ms);
	collector_filesystem.fini(&r->ctx);
	assert_null(r->ctx.state);
}

#define FS_LABELS(dev, type, mp) "device", dev, "fstype", type, "mountpoint", mp

static const struct sample *fs_sample(const struct metric_set *ms, const char *family,
				      const char *mountpoint)
{
	return fixture_find_labeled(ms, family, "mountpoint", mountpoint);
}

/* Values come from the real filesystem under the fixture root: sane, not exact. */
static void assert_sane(const struct metric_set *ms, const char *mp)
{
	const struct sample *size = fs_sample(ms, "node_filesystem_size_bytes", mp);
	const struct sample *free_ = fs_sample(ms, "node_filesystem_free_bytes", mp);
	const struct sample *avail = fs_sample(ms, "node_filesystem_avail_bytes", mp);
	const struct sample *files = fs_sample(ms, "node_filesystem_files", mp);
	const struct sample *ffree = fs_sample(ms, "node_filesystem_files_free", mp);
	const struct sample *err = fs_sample(ms, "node_filesystem_device_error", mp);

	if (!size || !free_ || !avail || !files || !ffree || !err)
		fail_msg("missing series for %s", mp);
	assert_true(size->value > 0);
	assert_true(free_->value <= size->value);
	assert_true(avail->value <= free_->value);
	assert_true(ffree->value <= files->value);
	assert_true(err->value == 0);
}

static void test_filesystem_default(void **state)
{
	static const char *const kept[] = {"/",
					   "/boot/efi",
					   "/home",
					   "/mnt/backup disk",
					   "/srv/ro",
					   "/mnt/nfs",
					   "/data/quote\"d\\dir",
					   "/srv/sb-ro",
					   "/run",
					   "/run/lock",
					   "/run/user/1000"};
	static const char *const dropped[] = {
	    "/proc",
	    "/sys",
	    "/dev",
	    "/dev/shm",
	    "/sys/fs/cgroup",
	    "/snap/core20/1974",
	    "/var/lib/docker/overlay2/4f1c2a9e/merged",
	    "/run/credentials/systemd-sysusers.service",
	};
	static const struct {
		const char *name, *help;
	} fams[] = {
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
	struct run r;

	prober_statvfs_fn = statvfs;
	run_init(&r, "default", NULL);
	assert_int_equal(run_collect(&r), 0);
	assert_string_equal(r.ctx.detail, "");

	assert_int_equal(ms_nfamilies(r.ms), ARRAY_SIZE(fams));
	/* The duplicate "/" line counts once; /missing only has device_error. */
	for (size_t i = 0; i < ARRAY_SIZE(fams); i++)
		assert_family(r.ms, fams[i].name, METRIC_GAUGE, fams[i].help,
			      (int)ARRAY_SIZE(kept) + (i == ARRAY_SIZE(fams) - 1));
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		assert_sane(r.ms, kept[i]);
	for (size_t i = 0; i < ARRAY_SIZE(dropped); i++)
		assert_null(fs_sample(r.ms, "node_filesystem_device_error", dropped[i]));

	/* Exact labels, escapes decoded (\040 space, \134 backslash). */
	assert_sample(r.ms, 0, "node_filesystem_readonly", FS_LABELS("/dev/sda2", "ext4", "/"));
	assert_sample(r.ms, 0, "node_filesystem_readonly",
		      FS_LABELS("/dev/sdb1", "ext4", "/mnt/backup disk"));
	assert_sample(r.ms, 0, "node_filesystem_device_error",
		      FS_LABELS("/dev/sdd1", "ext4", "/data/quote\"d\\dir"));
	assert_sample(r.ms, 0, "node_filesystem_device_error",
		      FS_LABELS("fileserver:/export/home", "nfs4", "/mnt/nfs"));
	assert_sample(r.ms, 0, "node_filesystem_readonly",
		      FS_LABELS("tmpfs", "tmpfs", "/run/user/1000"));
	/* Read-only by its mount options, and by its superblock's. */
	assert_sample(r.ms, 1, "node_filesystem_readonly",
		      FS_LABELS("/dev/sdc1", "xfs", "/srv/ro"));
	assert_sample(r.ms, 1, "node_filesystem_readonly",
		      FS_LABELS("/dev/sdf1", "ext4", "/srv/sb-ro"));
	/* No such directory under the root: an error, and no other series. */
	assert_sample(r.ms, 1, "node_filesystem_device_error",
		      FS_LABELS("/dev/sde1", "ext4", "/missing"));
	assert_null(fs_sample(r.ms, "node_filesystem_size_bytes", "/missing"));
	assert_null(fs_sample(r.ms, "node_filesystem_readonly", "/missing"));

	/* The worker is reused from one collection to the next. */
	assert_int_equal(run_collect(&r), 0);
	assert_sane(r.ms, "/");
	run_fini(&r);
}

/* Outside the host's PID namespace /proc/1 may be missing: use our own view. */
static void test_filesystem_self_fallback(void **state)
{
	struct fixture_paths root;
	struct run r;

	prober_statvfs_fn = statvfs;
	run_init(&r, "fs-self", NULL);
	fixture_ctx(&root, "default");
	r.ctx.rootfs = root.rootfs;
	assert_int_equal(run_collect(&r), 0);
	assert_sane(r.ms, "/home");
	assert_int_equal(ms_find(r.ms, "node_filesystem_size_bytes")->nsamples, 11);
	run_fini(&r);
}

static void test_filesystem_escapes(void **state)
{
	struct run r;

	prober_statvfs_fn = statvfs;
	run_init(&r, "fs-escapes", NULL);
	assert_int_equal(run_collect(&r), 0);
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda3", "ext4", "/a\ttab"), NULL));
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda4", "ext4", "/new\nline"), NULL));
	/* Not escapes the kernel writes (\9, \000, a trailing \): kept as they are. */
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda5", "ext4", "/odd\\9x\\000y\\"), NULL));
	/* Optional fields between the options and "-" are skipped. */
	assert_non_null(
	    fixture_find(r.ms, "node_filesystem_device_error",
			 FS_LABELS("user@host:/my files", "fuse.sshfs", "/srv/dev name"), NULL));
	assert_int_equal(ms_find(r.ms, "node_filesystem_device_error")->nsamples, 5);
	run_fini(&r);
}

/* With the host's / at --path.rootfs=/host, labels lose the prefix. */
static void test_filesystem_rootfs_prefix(void **state)
{
	struct run r;

	prober_statvfs_fn = statvfs;
	run_init(&r, "fs-rootfs", NULL);
	r.ctx.rootfs = "/host";
	assert_int_equal(run_collect(&r), 0);
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda2", "ext4", "/"), NULL));
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda3", "xfs", "/data"), NULL));
	assert_non_null(fixture_find(r.ms, "node_filesystem_device_error",
				     FS_LABELS("/dev/sda4", "ext4", "/hostile"), NULL));
	/* /host/proc became /proc, which the default excludes. */
	assert_int_equal(ms_find(r.ms, "node_filesystem_device_error")->nsamples, 3);
	run_fini(&r);
}

static void test_filesystem_config(void **state)
{
	char *bad[] = { "infra-monitor", "once", "--collector.filesystem.fs-types-exclude=^(ext4" };
	struct config cfg;
	struct run r;

	prober_statvfs_fn = statvfs;
	CONFIG_ONCE(&cfg, "--collector.filesystem.fs-types-exclude=^(ext4|tmpfs)$",
		    "--collector.filesystem.mount-points-exclude", "^/(proc|sys|dev|srv/ro)($|/)");
	run_init(&r, "default", &cfg);
	assert_int_equal(run_collect(&r), 0);
	assert_null(fs_sample(r.ms, "node_filesystem_device_error", "/"));
	assert_null(fs_sample(r.ms, "node_filesystem_device_error", "/run"));
	assert_null(fs_sample(r.ms, "node_filesystem_device_error", "/srv/ro"));
	assert_sane(r.ms, "/boot/efi");
	assert_sane(r.ms, "/mnt/nfs");
	/* Not excluded any more: squashfs, overlay, ramfs. */
	assert_non_null(fs_sample(r.ms, "node_filesystem_device_error", "/snap/core20/1974"));
	assert_non_null(fs_sample(r.ms, "node_filesystem_device_error",
				  "/run/credentials/systemd-sysusers.service"));
	run_fini(&r);
	config_free(&cfg);

	/* A bad regex is the flag's error at start-up, not the collector's. */
	assert_int_equal(config_load(&cfg, ARRAY_SIZE(bad), bad), -EINVAL);
	config_free(&cfg);
}

static void test_filesystem_hung_mount(void **state)
{
	struct config cfg;
	double took;
	struct run r;

	CONFIG_ONCE(&cfg, "--collector.filesystem.timeout=200ms");
	hang_arm();
	run_init(&r, "default", &cfg);

	/* First collection: /mnt/nfs overruns its time box, the rest is still there,
	 * including mounts listed after it (a fresh worker took over). */
	took = run_collect_timed(&r);
	assert_true(took >= 0.19 && took < 2.0);
	assert_sample(r.ms, 1, "node_filesystem_device_error",
		      FS_LABELS("fileserver:/export/home", "nfs4", "/mnt/nfs"));
	assert_null(fs_sample(r.ms, "node_filesystem_size_bytes", "/mnt/nfs"));
	assert_sane(r.ms, "/srv/sb-ro");
	assert_sane(r.ms, "/run/user/1000");
	assert_sane(r.ms, "/");
	assert_string_equal(r.ctx.detail, "statvfs hung: /mnt/nfs");
	assert_int_equal(hang_get(&hang->calls), 1);

	/* Second: still hung, so not asked again, and no time box spent on it. */
	assert_true(run_collect_timed(&r) < 0.15);
	assert_sample(r.ms, 1, "node_filesystem_device_error",
		      FS_LABELS("fileserver:/export/home", "nfs4", "/mnt/nfs"));
	assert_sane(r.ms, "/home");
	assert_string_equal(r.ctx.detail, "statvfs hung: /mnt/nfs");
	assert_int_equal(hang_get(&hang->calls), 1);

	/* The server comes back: once the stuck call returns, the mount is asked again. */
	hang_release();
	hang_wait_returns(1);
	assert_int_equal(hang_get(&hang->returns), 1);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(run_collect(&r), 0);
		if (fs_sample(r.ms, "node_filesystem_size_bytes", "/mnt/nfs"))
			break;
		sleep_ms(5);
	}
	assert_sane(r.ms, "/mnt/nfs");
	assert_string_equal(r.ctx.detail, "");
	assert_int_equal(hang_get(&hang->calls), 2);
	run_fini(&r);
	config_free(&cfg);
	prober_statvfs_fn = statvfs;
}

/* Shutdown with a child stuck in statvfs() must not wait for it. */
static void test_filesystem_fini_while_hung(void **state)
{
	struct config cfg;
	double t0;
	struct run r;

	CONFIG_ONCE(&cfg, "--collector.filesystem.timeout=50ms");
	hang_arm();
	run_init(&r, "default", &cfg);
	assert_int_equal(run_collect(&r), 0);
	assert_int_equal(hang_get(&hang->calls), 1);
	t0 = now_monotonic();
	run_fini(&r);
	config_free(&cfg);
	assert_true(now_monotonic() - t0 < 0.1);
	hang_release();
	sleep_ms(50);
	/* fini() killed the abandoned child where its wait was killable. */
	assert_int_equal(hang_get(&hang->returns), 0);
	prober_statvfs_fn = statvfs;
}

/* Two dead mounts in one collection: each gets its own time box and its own
 * replacement child; both are reported, in mount order. */
static void test_filesystem_two_hung_mounts(void **state)
{
	struct config cfg;
	double took;
	struct run r;

	CONFIG_ONCE(&cfg, "--collector.filesystem.timeout=100ms");
	hang_arm();
	hang_also = "/srv/ro";
	run_init(&r, "default", &cfg);
	took = run_collect_timed(&r);
	assert_true(took >= 0.19 && took < 2.0);
	assert_sample(r.ms, 1, "node_filesystem_device_error",
		      FS_LABELS("/dev/sdc1", "xfs", "/srv/ro"));
	assert_sample(r.ms, 1, "node_filesystem_device_error",
		      FS_LABELS("fileserver:/export/home", "nfs4", "/mnt/nfs"));
	assert_sane(r.ms, "/run/user/1000");
	assert_string_equal(r.ctx.detail, "statvfs hung: /srv/ro, /mnt/nfs");
	assert_int_equal(hang_get(&hang->calls), 2);
	hang_release();
	hang_wait_returns(2);
	assert_int_equal(hang_get(&hang->returns), 2);
	run_fini(&r);
	config_free(&cfg);
	hang_also = NULL;
	prober_statvfs_fn = statvfs;
	sleep_ms(20);
}

static void test_filesystem_bad(void **state)
{
	struct run r;

	/* Not assert_collect_errors(): init must succeed and fini clear the state. */
	prober_statvfs_fn = statvfs;
	for (size_t i = 0; i < ARRAY_SIZE(ca_bad_trees); i++) {
		run_init(&r, ca_bad_trees[i].tree, NULL);
		assert_int_equal(run_collect(&r), ca_bad_trees[i].err);
		run_fini(&r);
	}
}

/* mountinfo is kept open on procfs and read again only when poll() says
 * the mount table changed: a mount, a remount read-only and an umount made
 * between collections each show in the next one. In a mount namespace of
 * this test's own, seen through a procfs root whose "1" is this process. */
static void test_filesystem_follows_mount_changes(void **state)
{
	char root[] = "/tmp/test-fs-mounts-XXXXXX", link[64], mnt[64];
	struct collect_ctx ctx = { .sysfs = "/sys", .rootfs = "/" };
	struct metric_set *ms;
	const struct sample *ro;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "skipped: needs root to make a mount namespace (%s)\n",
			strerror(errno ? errno : EPERM));
		skip();
	}
	prober_statvfs_fn = statvfs;
	assert_non_null(mkdtemp(root));
	snprintf(link, sizeof(link), "%s/1", root);
	snprintf(mnt, sizeof(mnt), "%s/mnt", root);
	assert_int_equal(symlink("/proc/self", link), 0);
	assert_int_equal(mkdir(mnt, 0755), 0);
	ctx.procfs = root;
	assert_int_equal(collector_filesystem.init(&ctx), 0);

	ms = ms_new();
	assert_int_equal(collector_filesystem.collect(&ctx, ms), 0);
	assert_null(fs_sample(ms, "node_filesystem_size_bytes", mnt));
	ms_free(ms);

	assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=1m"), 0);
	ms = ms_new();
	assert_int_equal(collector_filesystem.collect(&ctx, ms), 0);
	assert_non_null(fs_sample(ms, "node_filesystem_size_bytes", mnt));
	assert_true(fs_sample(ms, "node_filesystem_size_bytes", mnt)->value == 1048576.0);
	ro = fs_sample(ms, "node_filesystem_readonly", mnt);
	assert_true(ro && ro->value == 0);
	ms_free(ms);

	assert_int_equal(mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	ms = ms_new();
	assert_int_equal(collector_filesystem.collect(&ctx, ms), 0);
	ro = fs_sample(ms, "node_filesystem_readonly", mnt);
	assert_true(ro && ro->value == 1);
	ms_free(ms);

	assert_int_equal(umount(mnt), 0);
	ms = ms_new();
	assert_int_equal(collector_filesystem.collect(&ctx, ms), 0);
	assert_null(fs_sample(ms, "node_filesystem_size_bytes", mnt));
	ms_free(ms);

	collector_filesystem.fini(&ctx);
	assert_int_equal(rmdir(mnt), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rmdir(root), 0);
}

/* The child is the small program run from a memfd, not a copy of this
 * process, and answers as statvfs() does. */
static void test_prober_runs_its_program(void **state)
{
	struct prober *p = prober_new();
	struct prober_fs fs;
	struct statvfs want;
	char path[64], exe[PATH_MAX], line[4096];
	long rss_kb = -1;
	ssize_t n = -1;
	FILE *f;
	int child = 0;

	assert_non_null(p);
	prober_statvfs_fn = statvfs;
	assert_int_equal(prober_statfs(p, "/", 1000, &fs), 0);
	assert_int_equal(statvfs("/", &want), 0);
	assert_int_equal(fs.bsize, want.f_bsize);
	assert_int_equal(fs.blocks, want.f_blocks);
	assert_int_equal(fs.files, want.f_files);
	assert_int_equal(prober_statfs(p, "/no/such/mount", 1000, &fs), -ENOENT);

	/* Earlier tests' children are gone or zombies (no exe link) by now. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fscanf(f, "%d", &child) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/exe", child);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0)
			break;
	}
	fclose(f);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(strstr(exe, "memfd:infra-monitor-prober"));
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld", &rss_kb);
	fclose(f);
	assert_in_range(rss_kb, 1, 256);
	prober_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filesystem_default),
	    cmocka_unit_test(test_filesystem_self_fallback),
	    cmocka_unit_test(test_filesystem_escapes),
	    cmocka_unit_test(test_filesystem_rootfs_prefix),
	    cmocka_unit_test(test_filesystem_config),
	    cmocka_unit_test(test_filesystem_hung_mount),
	    cmocka_unit_test(test_filesystem_fini_while_hung),
	    cmocka_unit_test(test_filesystem_two_hung_mounts),
	    cmocka_unit_test(test_filesystem_bad),
	    cmocka_unit_test(test_prober_runs_its_program),
	    cmocka_unit_test(test_filesystem_follows_mount_changes),
	};
	return cmocka_run_group_tests_name("filesystem", tests, NULL, NULL);
}
