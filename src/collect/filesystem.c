/* filesystem: mounts from <procfs>/1/mountinfo → node_filesystem_* per mount,
 * from statvfs() on <rootfs>/<mountpoint>.
 *
 * The one /proc collector that can hang: statvfs() on a dead NFS server blocks
 * in the kernel for as long as the server stays away, and no signal or timeout
 * of ours can cut it short. So the calls run on a worker thread and the
 * collector only waits for them, each for a time box (--collector.filesystem.
 * timeout, 1s by default). A mount that overruns it reports
 * node_filesystem_device_error 1, is named in ctx->detail, and is not asked
 * again while its first call still hangs, like node_exporter's stuckMounts:
 * retrying would only park one more thread on the same dead server.
 *
 * Thread lifecycle. One detached worker at a time takes the mounts of a batch
 * in order and then sleeps until the next batch, so a steady state costs no
 * thread creation. When a call overruns, the collector abandons that worker
 * (it will exit as soon as its call returns, and un-mark its mount) and starts
 * a fresh one for the rest of the batch. Everything the threads share lives in
 * one reference-counted struct fs_shared: the collector holds one reference,
 * each worker another, and the last to let go frees it. fini() therefore never
 * waits for a thread; a worker that never comes back keeps its reference and
 * the struct, which the process exit reclaims.
 *
 * Mount selection and labels follow node_exporter 1.5: its default exclude
 * regexes (POSIX ERE, compiled once in init(); both can be set in the config),
 * mountinfo's octal escapes decoded, the rootfs prefix stripped from the label,
 * and one series per (device, fstype, mountpoint).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "collector.h"
#include "config.h"
#include "util.h"

/* node_exporter 1.5's defaults (collector/filesystem_linux.go upstream; Debian's
 * package patches the mount points one to also drop /run, /mnt and /media). */
#define FS_MOUNT_POINTS_EXCLUDE                                                                    \
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)"      \
	"($|/)"
#define FS_TYPES_EXCLUDE                                                                           \
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"    \
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|"          \
	"squashfs|sysfs|tracefs)$"

enum { FS_OPT_MOUNT_POINTS, FS_OPT_FS_TYPES, FS_OPT_TIMEOUT };
static const struct collector_option filesystem_options[] = {
	[FS_OPT_MOUNT_POINTS] = { "collector.filesystem.mount-points-exclude", COPT_REGEX,
				  FS_MOUNT_POINTS_EXCLUDE, "Regex of mount points to skip" },
	[FS_OPT_FS_TYPES] = { "collector.filesystem.fs-types-exclude", COPT_REGEX,
			      FS_TYPES_EXCLUDE, "Regex of filesystem types to skip" },
	[FS_OPT_TIMEOUT] = { "collector.filesystem.timeout", COPT_DURATION, "1s",
			     "Time box for one statvfs() (a hung mount is marked failed)" },
	{ NULL },
};
/* A statvfs() needs a few hundred bytes of stack; glibc's default would be 8 MiB
 * of address space per worker, and hung workers can pile up. */
#define FS_WORKER_STACK (64 * 1024)
/* More than any mountinfo line has (optional fields are a handful). */
#define FS_MAX_FIELDS 64

/* Replaced only by tests/test_filesystem.c, to stand in for a hung NFS mount:
 * a real one cannot be made on demand in a unit test. Workers read it once per
 * call; nothing else writes it. */
int (*filesystem_statvfs_fn)(const char *path, struct statvfs *buf) = statvfs;

enum fs_job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_TIMEDOUT };

struct fs_job {
	size_t path_off; /* into fs_shared.paths */
	enum fs_job_state state;
	int err; /* 0 or -errno */
	struct statvfs st;
};

struct fs_stuck {
	char *mountpoint; /* owned; the label value */
	uint64_t worker;  /* the worker still inside its statvfs() */
};

struct fs_shared {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* workers: a batch arrived, or stop */
	pthread_cond_t done_cv; /* collector: the batch is finished */
	unsigned int refs;
	bool shutdown;
	uint64_t next_id;
	uint64_t active; /* the worker allowed to take jobs; 0: none */
	bool busy;	 /* active worker is inside statvfs() on job cur */
	size_t cur;
	double cur_start; /* monotonic seconds */
	uint64_t batch;	  /* bumped per collection */
	struct fs_job *jobs;
	size_t njobs, cap, next, nfinished;
	struct buf paths; /* NUL-separated statvfs paths of the batch */
	struct fs_stuck *stuck;
	size_t nstuck, stuck_cap;
};

struct fs_state {
	regex_t mount_points, fs_types;
	double timeout; /* seconds */
	struct fs_shared *sh;
};

struct fs_worker_arg {
	struct fs_shared *sh;
	uint64_t id;
};

/* One mount from mountinfo; strings point into the read buffer, decoded. */
struct fs_mount {
	const char *device, *fstype, *mountpoint;
	bool ro;
	bool stuck;    /* skipped: an earlier call still hangs */
	uint64_t hash; /* of the three labels, to find duplicates fast */
	size_t job;    /* index in the batch, SIZE_MAX when not queued */
	int err;
	struct statvfs st;
};

/* ---------------------------------------------------------------------------
 * Shared state and the worker
 */

static void fs_shared_put_locked(struct fs_shared *sh, bool *last)
{
	*last = --sh->refs == 0;
}

static void fs_shared_free(struct fs_shared *sh)
{
	if (!sh)
		return;
	for (size_t i = 0; i < sh->nstuck; i++)
		free(sh->stuck[i].mountpoint);
	free(sh->stuck);
	free(sh->jobs);
	buf_free(&sh->paths);
	pthread_cond_destroy(&sh->done_cv);
	pthread_cond_destroy(&sh->work_cv);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
}

static bool fs_is_stuck_locked(const struct fs_shared *sh, const char *mountpoint)
{
	for (size_t i = 0; i < sh->nstuck; i++)
		if (!strcmp(sh->stuck[i].mountpoint, mountpoint))
			return true;
	return false;
}

static void fs_unstick_locked(struct fs_shared *sh, uint64_t worker)
{
	for (size_t i = 0; i < sh->nstuck;) {
		if (sh->stuck[i].worker == worker) {
			free(sh->stuck[i].mountpoint);
			sh->stuck[i] = sh->stuck[--sh->nstuck];
		} else {
			i++;
		}
	}
}

/* Out of memory here only means the mount is asked again next time. */
static void fs_stick_locked(struct fs_shared *sh, const char *mountpoint, uint64_t worker)
{
	char *copy;

	if (sh->nstuck == sh->stuck_cap) {
		size_t cap = sh->stuck_cap ? 2 * sh->stuck_cap : 4;
		struct fs_stuck *s = realloc(sh->stuck, cap * sizeof(*s));

		if (!s)
			return;
		sh->stuck = s;
		sh->stuck_cap = cap;
	}
	copy = strdup(mountpoint);
	if (copy)
		sh->stuck[sh->nstuck++] = (struct fs_stuck){.mountpoint = copy, .worker = worker};
}

static double fs_now(void)
{
	return now_monotonic();
}

static void *fs_worker(void *p)
{
	struct fs_worker_arg arg = *(struct fs_worker_arg *)p;
	struct fs_shared *sh = arg.sh;
	char path[PATH_MAX];
	bool last;

	free(p);
	pthread_mutex_lock(&sh->mu);
	for (;;) {
		struct statvfs st = {0};
		uint64_t batch;
		size_t i;
		int err;

		if (sh->shutdown || sh->active != arg.id)
			break;
		if (sh->next >= sh->njobs) {
			pthread_cond_wait(&sh->work_cv, &sh->mu);
			continue;
		}
		i = sh->next++;
		batch = sh->batch;
		sh->jobs[i].state = JOB_RUNNING;
		sh->cur = i;
		sh->cur_start = fs_now();
		sh->busy = true;
		/* Copied under the lock: the collector may grow the buffer while we hang. */
		snprintf(path, sizeof(path), "%s", sh->paths.data + sh->jobs[i].path_off);
		pthread_mutex_unlock(&sh->mu);

		err = filesystem_statvfs_fn(path, &st) ? -errno : 0;

		pthread_mutex_lock(&sh->mu);
		if (sh->active != arg.id) {
			/* Given up on while we hung: the mount may be asked again. */
			fs_unstick_locked(sh, arg.id);
			break;
		}
		sh->busy = false;
		if (batch == sh->batch && i < sh->njobs && sh->jobs[i].state == JOB_RUNNING) {
			sh->jobs[i].state = JOB_DONE;
			sh->jobs[i].err = err;
			sh->jobs[i].st = st;
			if (++sh->nfinished == sh->njobs)
				pthread_cond_signal(&sh->done_cv);
		}
	}
	fs_shared_put_locked(sh, &last);
	pthread_mutex_unlock(&sh->mu);
	if (last)
		fs_shared_free(sh);
	return NULL;
}

/* Starts a worker and makes it the active one. Called with sh->mu held. */
static int fs_spawn_locked(struct fs_shared *sh)
{
	struct fs_worker_arg *arg = malloc(sizeof(*arg));
	uint64_t id = ++sh->next_id;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	if (!arg)
		return -ENOMEM;
	*arg = (struct fs_worker_arg){.sh = sh, .id = id};
	/* Set before the thread runs: it checks this first, once we drop the lock. */
	sh->active = id;
	sh->busy = false;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, FS_WORKER_STACK + PATH_MAX);
	/* Signals belong to the main thread (its handlers only set flags). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t, &attr, fs_worker, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		sh->active = 0;
		free(arg);
		return -err;
	}
	sh->refs++;
	return 0;
}

static void fs_timespec_at(double t_mono, struct timespec *ts)
{
	ts->tv_sec = (time_t)t_mono;
	ts->tv_nsec = (long)((t_mono - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Runs the queued batch to its end: every job done or timed out. Returns the
 * number of timed-out jobs. Called with sh->mu held. */
static int fs_run_batch_locked(struct fs_shared *sh, double timeout, const struct fs_mount *mounts,
			       size_t nmounts)
{
	double idle_since = fs_now();
	size_t last_next = sh->next;
	int ntimedout = 0;

	pthread_cond_broadcast(&sh->work_cv);
	while (sh->nfinished < sh->njobs) {
		double now = fs_now(), deadline;
		struct timespec ts;

		if (sh->next != last_next) {
			last_next = sh->next;
			idle_since = now;
		}
		if (sh->busy && now >= sh->cur_start + timeout) {
			struct fs_job *j = &sh->jobs[sh->cur];
			const char *mp = NULL;

			for (size_t m = 0; m < nmounts; m++)
				if (mounts[m].job == sh->cur)
					mp = mounts[m].mountpoint;
			j->state = JOB_TIMEDOUT;
			j->err = -ETIMEDOUT;
			sh->nfinished++;
			ntimedout++;
			if (mp)
				fs_stick_locked(sh, mp, sh->active);
			sh->active = 0;
			sh->busy = false;
			if (sh->next < sh->njobs && fs_spawn_locked(sh) != 0)
				break;
			idle_since = fs_now();
			continue;
		}
		if (!sh->busy && sh->next < sh->njobs && now >= idle_since + timeout)
			break; /* the worker never picked up: give up on the rest */
		deadline = sh->busy ? sh->cur_start + timeout : idle_since + timeout;
		fs_timespec_at(deadline, &ts);
		pthread_cond_timedwait(&sh->done_cv, &sh->mu, &ts);
	}
	/* Whatever is left was never started (no worker could be had): fail it
	 * without marking it stuck. The loop only stops early when not busy, so
	 * no job is left running. */
	for (size_t i = 0; i < sh->njobs; i++)
		if (sh->jobs[i].state == JOB_PENDING)
			sh->jobs[i].err = -EAGAIN;
	sh->next = sh->njobs; /* nothing more for the worker to take */
	return ntimedout;
}

/* ---------------------------------------------------------------------------
 * mountinfo
 */

/* Undoes the kernel's mangling (fs/proc_namespace.c: space, tab, newline and
 * backslash as \ooo) in place. Anything that is not a valid escape of a
 * non-NUL byte is kept as it is. */
static void fs_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			int c = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');

			if (c) {
				*w++ = (char)c;
				s += 3;
				continue;
			}
		}
		*w++ = *s;
	}
	*w = '\0';
}

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
	fs_unescape(f[4]);
	fs_unescape(f[sep + 1]);
	fs_unescape(f[sep + 2]);
	if (f[4][0] != '/')
		return -EINVAL;
	*m = (struct fs_mount){
	    .mountpoint = f[4],
	    .fstype = f[sep + 1],
	    .device = f[sep + 2],
	    /* /proc/mounts says "ro" when either the mount or its superblock is. */
	    .ro = fs_opt_ro(f[5]) || (sep + 3 < n && fs_opt_ro(f[sep + 3])),
	    .job = SIZE_MAX,
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
	double bs = (double)m->st.f_bsize;
	double v[ARRAY_SIZE(defs)] = {
	    (double)m->st.f_blocks * bs,
	    (double)m->st.f_bfree * bs,
	    (double)m->st.f_bavail * bs,
	    (double)m->st.f_files,
	    (double)m->st.f_ffree,
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

static int fs_read_mounts(const struct collect_ctx *ctx, struct buf *b)
{
	int err = read_file_at(ctx->procfs, "1/mountinfo", b);

	/* Not in the host's PID namespace, or /proc/1 hidden (hidepid=): our own view. */
	if (err == -ENOENT || err == -EACCES)
		err = read_file_at(ctx->procfs, "self/mountinfo", b);
	return err;
}

static int filesystem_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct fs_state *s = ctx->state;
	struct family *fam[7] = {0};
	struct fs_mount *mounts = NULL;
	size_t nmounts = 0, cap = 0, njobs = 0;
	struct fs_shared *sh;
	char *cur, *line;
	struct buf b;
	int err;

	if (!s)
		return -EINVAL;
	sh = s->sh;
	buf_init(&b);
	err = fs_read_mounts(ctx, &b);
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
		if (!regexec(&s->mount_points, m.mountpoint, 0, NULL, 0) ||
		    !regexec(&s->fs_types, m.fstype, 0, NULL, 0) || fs_seen(mounts, nmounts, &m))
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

	/* Queue every mount that is not known to hang, and run the batch. */
	pthread_mutex_lock(&sh->mu);
	if (sh->cap < nmounts) {
		struct fs_job *j = realloc(sh->jobs, nmounts * sizeof(*j));

		if (!j) {
			pthread_mutex_unlock(&sh->mu);
			err = -ENOMEM;
			goto out;
		}
		sh->jobs = j;
		sh->cap = nmounts;
	}
	buf_reset(&sh->paths);
	for (size_t i = 0; i < nmounts; i++) {
		struct fs_mount *m = &mounts[i];
		char path[PATH_MAX];

		m->stuck = fs_is_stuck_locked(sh, m->mountpoint);
		if (m->stuck)
			continue;
		if (path_join(path, sizeof(path), ctx->rootfs, m->mountpoint)) {
			m->err = -ENAMETOOLONG;
			continue;
		}
		m->job = njobs;
		sh->jobs[njobs++] = (struct fs_job){.path_off = sh->paths.len};
		buf_put(&sh->paths, path, strlen(path) + 1);
	}
	if (sh->paths.oom) {
		pthread_mutex_unlock(&sh->mu);
		err = -ENOMEM;
		goto out;
	}
	sh->batch++;
	sh->njobs = njobs;
	sh->next = 0;
	sh->nfinished = 0;
	err = 0;
	if (njobs && !sh->active)
		err = fs_spawn_locked(sh);
	if (!err && njobs)
		fs_run_batch_locked(sh, s->timeout, mounts, nmounts);
	for (size_t i = 0; !err && i < nmounts; i++) {
		struct fs_mount *m = &mounts[i];

		if (m->stuck || m->err)
			continue;
		m->err = sh->jobs[m->job].err;
		m->st = sh->jobs[m->job].st;
	}
	sh->njobs = 0;
	pthread_mutex_unlock(&sh->mu);
	if (err)
		goto out;

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
	struct fs_shared *sh;
	bool last;

	if (!s)
		return;
	sh = s->sh;
	pthread_mutex_lock(&sh->mu);
	sh->shutdown = true;
	sh->active = 0;
	pthread_cond_broadcast(&sh->work_cv);
	fs_shared_put_locked(sh, &last);
	pthread_mutex_unlock(&sh->mu);
	/* Workers still inside statvfs() keep the shared part alive. */
	if (last)
		fs_shared_free(sh);
	regfree(&s->fs_types);
	regfree(&s->mount_points);
	free(s);
	ctx->state = NULL;
}

static int filesystem_init(struct collect_ctx *ctx)
{
	uint64_t timeout_ms = collector_opt_ms(ctx, &filesystem_options[FS_OPT_TIMEOUT]);
	struct fs_state *s = calloc(1, sizeof(*s));
	struct fs_shared *sh = calloc(1, sizeof(*sh));
	int rc;

	if (!s || !sh) {
		free(s);
		free(sh);
		return -ENOMEM;
	}
	/* Both have defaults, and the config layer compiled any value given. */
	rc = collector_opt_regex(ctx, &filesystem_options[FS_OPT_MOUNT_POINTS], &s->mount_points);
	if (rc) {
		free(s);
		free(sh);
		return rc;
	}
	rc = collector_opt_regex(ctx, &filesystem_options[FS_OPT_FS_TYPES], &s->fs_types);
	if (rc) {
		regfree(&s->mount_points);
		free(s);
		free(sh);
		return rc;
	}
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->work_cv, NULL);
	{
		pthread_condattr_t ca;

		/* Deadlines are on the monotonic clock: a wall-clock step must not stretch
		 * or cut a time box. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sh->done_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	buf_init(&sh->paths);
	sh->refs = 1;
	s->sh = sh;
	s->timeout = (double)timeout_ms / 1000.0;
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
