/* The JSONL sink: appends each snapshot's line to <dir>/infra-monitor.jsonl
 * and rotates it into gzip files.
 *
 * It sits at the end of the data flow, called by the collector thread after
 * each publish. Two promises shape it. A reader (--mode=export, a log
 * shipper, a person with tail -f) never sees half a line: each line goes out
 * in one O_APPEND write(), and a short or failed write is cut back off before
 * anything else is appended. And no crash loses a line: rotation renames the
 * full file to *.jsonl.rotating, starts a fresh current file, then compresses
 * into *.jsonl.gz.tmp, fsyncs, renames to *.jsonl.gz and only then removes the
 * plain copy, so at every step one complete copy exists under a name that
 * open() knows how to finish (finish_leftovers()).
 *
 * Compression runs synchronously here. That is acceptable because it happens
 * once per max_bytes of output (64 MiB by default: over a thousand lines of a
 * typical host), runs after the snapshot was published (so /metrics and
 * /health keep serving the fresh one meanwhile), streams in fixed chunks
 * (memory does not grow with the file), and its time is bounded by max_bytes
 * at a fast zlib level: about 0.6 s for 64 MiB of real lines on one busy
 * core. The only cost is that the next collection may start that much late;
 * the duration is logged with every rotation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "health.h"
#include "log.h"
#include "sink.h"
#include "util.h"

#define COMPONENT "jsonl_sink"
/* Real lines compress about 6:1 at this level; higher levels buy little on
 * this repetitive text and cost several times the CPU on the collector thread. */
#define ROTATE_GZIP_LEVEL 3
#define COPY_CHUNK (64 * 1024)
#define NAME_MAX_LEN 128

#define SUFFIX_GZ ".jsonl.gz"
#define SUFFIX_TMP ".jsonl.gz.tmp"
#define SUFFIX_ROTATING ".jsonl.rotating"

struct jsonl_sink {
	char *dir;
	char path[4096]; /* dir/infra-monitor.jsonl, for messages */
	int dirfd;
	int fd; /* current file, O_APPEND; -1 until (re)opened */
	uint64_t max_bytes;
	uint32_t max_files;
	bool fsync;
	bool failing;		/* in an error streak: warned once already */
	bool torn;		/* a failed write could not be cut back off */
	uint64_t torn_size;	/* the size to cut back to */
	uint64_t last_stamp_us; /* of the newest rotated name, to keep names unique */
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_ours(const char *name, const char *suffix)
{
	return strncmp(name, JSONL_ROTATED_PREFIX, strlen(JSONL_ROTATED_PREFIX)) == 0 &&
	       has_suffix(name, suffix);
}

static int fsync_dir(struct jsonl_sink *k)
{
	return fsync(k->dirfd) ? -errno : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -ENOSPC;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A process killed inside write() (SIGKILL lands between page copies of a
 * long line) or a machine that lost power can leave the last line cut
 * short. Appending after it would glue two lines into one bad record, and
 * compressing it would keep the torn piece forever, so the file is cut back
 * to just after its last newline first. Scans backwards in small chunks
 * from the end; returns the bytes removed, or -errno. */
static long long cut_torn_tail(int dirfd, const char *name)
{
	char chunk[4096];
	int fd = openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	off_t end, keep = 0;
	struct stat st;
	long long err = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	for (end = st.st_size; end > 0;) {
		size_t n = end > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)end;
		ssize_t got = pread(fd, chunk, n, end - (off_t)n);
		char *nl;

		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)n) {
			err = got < 0 ? -errno : -EIO;
			goto out;
		}
		nl = memrchr(chunk, '\n', n);
		if (nl) {
			keep = end - (off_t)n + (nl - chunk) + 1;
			break;
		}
		end -= (off_t)n;
	}
	if (keep < st.st_size) {
		if (ftruncate(fd, keep) || fsync(fd)) {
			err = -errno;
			goto out;
		}
		err = (long long)(st.st_size - keep);
	}
out:
	close(fd);
	return err;
}

/* cut_torn_tail() with its log line. */
static void repair_tail(struct jsonl_sink *k, const char *name)
{
	long long cut = cut_torn_tail(k->dirfd, name);
	char bytes[32];

	if (!cut)
		return;
	if (cut < 0) {
		log_warn_errno(COMPONENT, (int)cut, LOG_KV("path", name, "dir", k->dir),
			       "cannot check JSONL file for a torn last line");
		return;
	}
	snprintf(bytes, sizeof(bytes), "%lld", cut);
	log_warnf(COMPONENT, LOG_KV("path", name, "dir", k->dir, "bytes", bytes),
		  "cut a torn last line left by a crash");
}

/* ---- compression -------------------------------------------------------- */

/* Streams dirfd/src into gzip dirfd/dst. 0 or -errno. */
static int gzip_file(int dirfd, const char *src, const char *dst)
{
	z_stream zs = {0};
	unsigned char *in = NULL, *out = NULL;
	int in_fd = -1, out_fd = -1, zinit = 0, err = 0, flush = Z_NO_FLUSH;

	in = malloc(COPY_CHUNK);
	out = malloc(COPY_CHUNK);
	if (!in || !out) {
		err = -ENOMEM;
		goto out;
	}
	in_fd = openat(dirfd, src, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		err = -errno;
		goto out;
	}
	out_fd = openat(dirfd, dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		err = -errno;
		goto out;
	}
	/* 16 + MAX_WBITS: a gzip header and trailer, so gunzip/zcat read it. */
	if (deflateInit2(&zs, ROTATE_GZIP_LEVEL, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		err = -ENOMEM;
		goto out;
	}
	zinit = 1;
	do {
		ssize_t n = read(in_fd, in, COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = out;
			zs.avail_out = COPY_CHUNK;
			if (deflate(&zs, flush) == Z_STREAM_ERROR) {
				err = -EIO;
				goto out;
			}
			err = write_all(out_fd, out, COPY_CHUNK - zs.avail_out);
			if (err)
				goto out;
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	if (fsync(out_fd))
		err = -errno;
out:
	if (zinit)
		deflateEnd(&zs);
	if (out_fd >= 0 && close(out_fd) && !err)
		err = -errno;
	if (in_fd >= 0)
		close(in_fd);
	free(in);
	free(out);
	return err;
}

/* stem is "infra-monitor-<stamp>.jsonl"; name + suffix into out. */
static int stem_name(char *out, size_t outsz, const char *stem, const char *suffix)
{
	int n = snprintf(out, outsz, "%s%s", stem, suffix);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* Turns one <stem>.rotating into <stem>.gz, the crash-safe way. */
static int finish_rotating(struct jsonl_sink *k, const char *rotating)
{
	char stem[NAME_MAX_LEN], gz[NAME_MAX_LEN], tmp[NAME_MAX_LEN];
	size_t n = strlen(rotating) - strlen(".rotating");
	struct stat st;
	int err;

	if (n >= sizeof(stem))
		return -ENAMETOOLONG;
	memcpy(stem, rotating, n);
	stem[n] = '\0';
	if ((err = stem_name(gz, sizeof(gz), stem, ".gz")) ||
	    (err = stem_name(tmp, sizeof(tmp), stem, ".gz.tmp")))
		return err;
	/* The .gz was completed and synced before the crash: only the
	 * unlink was missing. An empty file has nothing worth keeping. */
	if (fstatat(k->dirfd, gz, &st, 0) == 0 ||
	    (fstatat(k->dirfd, rotating, &st, 0) == 0 && st.st_size == 0))
		goto unlink;
	repair_tail(k, rotating);
	err = gzip_file(k->dirfd, rotating, tmp);
	if (!err && renameat(k->dirfd, tmp, k->dirfd, gz))
		err = -errno;
	if (err) {
		unlinkat(k->dirfd, tmp, 0);
		return err;
	}
	err = fsync_dir(k);
	if (err)
		return err;
unlink:
	if (unlinkat(k->dirfd, rotating, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- directory housekeeping --------------------------------------------- */

struct name_list {
	char **v;
	size_t n;
};

static void name_list_free(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Our names in the directory ending in suffix, sorted (= oldest first, the
 * stamps are fixed-width UTC). 0 or -errno. */
static int list_names(struct jsonl_sink *k, const char *suffix, struct name_list *l)
{
	int fd = openat(k->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int err = 0;

	l->v = NULL;
	l->n = 0;
	if (!d) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	while ((e = readdir(d))) {
		char **v;

		if (!is_ours(e->d_name, suffix) || strlen(e->d_name) >= NAME_MAX_LEN)
			continue;
		v = realloc(l->v, (l->n + 1) * sizeof(*v));
		if (!v || !(v[l->n] = strdup(e->d_name))) {
			if (v)
				l->v = v;
			err = -ENOMEM;
			break;
		}
		l->v = v;
		l->n++;
	}
	closedir(d);
	if (err) {
		name_list_free(l);
		return err;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	return 0;
}

/* Removes stale .gz.tmp files and completes every .rotating one: what a crash
 * (or a full disk during compression) left behind. Errors are logged; the
 * files stay for the next attempt. */
static void finish_leftovers(struct jsonl_sink *k)
{
	struct name_list l;
	int err;

	if (!list_names(k, SUFFIX_TMP, &l)) {
		for (size_t i = 0; i < l.n; i++)
			unlinkat(k->dirfd, l.v[i], 0);
		name_list_free(&l);
	}
	err = list_names(k, SUFFIX_ROTATING, &l);
	if (err) {
		log_warn_errno(COMPONENT, err, LOG_KV("path", k->dir), "cannot list JSONL directory");
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		double t0 = now_monotonic();
		char ms[32];

		err = finish_rotating(k, l.v[i]);
		snprintf(ms, sizeof(ms), "%.0f", (now_monotonic() - t0) * 1000);
		if (err)
			log_warn_errno(COMPONENT, err, LOG_KV("path", l.v[i], "dir", k->dir),
				       "cannot compress rotated JSONL file");
		else
			log_infof(COMPONENT, LOG_KV("path", l.v[i], "dir", k->dir, "duration_ms", ms),
				  "compressed rotated JSONL file");
	}
	name_list_free(&l);
}

/* Keeps the newest max_files .jsonl.gz files. */
static void prune(struct jsonl_sink *k)
{
	struct name_list l;

	if (list_names(k, SUFFIX_GZ, &l))
		return;
	for (size_t i = 0; i + k->max_files < l.n; i++) {
		if (unlinkat(k->dirfd, l.v[i], 0) && errno != ENOENT)
			log_warn_errno(COMPONENT, -errno, LOG_KV("path", l.v[i], "dir", k->dir),
				       "cannot remove old JSONL file");
	}
	name_list_free(&l);
}

/* "infra-monitor-20261126T052014.123456Z.jsonl": fixed width, so names sort
 * by time; never reused, even for two rotations in one microsecond or a
 * clock that stepped back onto an older name. */
static int rotated_stem(struct jsonl_sink *k, char *out, size_t outsz)
{
	struct timespec ts;
	uint64_t us;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (us <= k->last_stamp_us)
		us = k->last_stamp_us + 1;
	for (;; us++) {
		char gz[NAME_MAX_LEN], rot[NAME_MAX_LEN];
		time_t sec = (time_t)(us / 1000000u);
		struct tm tm;
		struct stat st;
		int n;

		gmtime_r(&sec, &tm);
		n = snprintf(out, outsz,
			     JSONL_ROTATED_PREFIX "%04d%02d%02dT%02d%02d%02d.%06uZ.jsonl",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, (unsigned int)(us % 1000000u));
		if (n < 0 || (size_t)n >= outsz || stem_name(gz, sizeof(gz), out, ".gz") ||
		    stem_name(rot, sizeof(rot), out, ".rotating"))
			return -ENAMETOOLONG;
		if (fstatat(k->dirfd, gz, &st, 0) && fstatat(k->dirfd, rot, &st, 0))
			break;
	}
	k->last_stamp_us = us;
	return 0;
}

static int open_current(struct jsonl_sink *k)
{
	k->fd =
	    openat(k->dirfd, JSONL_CURRENT_NAME, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	return k->fd < 0 ? -errno : 0;
}

/* Current file → <stamp>.jsonl.rotating → fresh current file → gzip. Only
 * the rename and the new file must succeed for writing to go on; a failed
 * compression leaves the .rotating file for the next rotation or start. */
static int rotate(struct jsonl_sink *k)
{
	char stem[NAME_MAX_LEN], rot[NAME_MAX_LEN];
	int err;

	err = rotated_stem(k, stem, sizeof(stem));
	if (!err)
		err = stem_name(rot, sizeof(rot), stem, ".rotating");
	if (err)
		return err;
	if (renameat(k->dirfd, JSONL_CURRENT_NAME, k->dirfd, rot) && errno != ENOENT)
		return -errno;
	/* ENOENT: someone removed the current file; just start a new one. */
	if (k->fd >= 0)
		close(k->fd);
	k->torn = false; /* whatever was torn left with the old file */
	err = open_current(k);
	fsync_dir(k); /* rename and create durable before the first line */
	self_counter_add(SELF_JSONL_ROTATIONS, 1);
	finish_leftovers(k);
	prune(k);
	return err;
}

/* ---- API ---------------------------------------------------------------- */

int jsonl_sink_open(const char *dir, uint64_t max_bytes, uint32_t max_files, bool fsync,
		    struct jsonl_sink **res)
{
	struct jsonl_sink *k = calloc(1, sizeof(*k));
	struct stat st;
	char reason[256];
	int err = 0;

	if (!k)
		return -ENOMEM;
	k->dirfd = k->fd = -1;
	k->max_bytes = max_bytes;
	k->max_files = max_files;
	k->fsync = fsync;
	k->dir = strdup(dir);
	if (!k->dir) {
		err = -ENOMEM;
		goto out;
	}
	err = path_join(k->path, sizeof(k->path), dir, JSONL_CURRENT_NAME);
	if (err)
		goto out;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		goto out;
	}
	k->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->dirfd < 0) {
		err = -errno;
		goto out;
	}
	finish_leftovers(k);
	repair_tail(k, JSONL_CURRENT_NAME);
	/* A previous run's lines go to a rotated file of their own, so the
	 * current file always starts with this run. */
	if (fstatat(k->dirfd, JSONL_CURRENT_NAME, &st, 0) == 0 && st.st_size > 0)
		err = rotate(k);
	else
		err = open_current(k);
	if (err)
		goto out;
	prune(k);
	health_set(COMPONENT, HEALTH_OK, k->path);
	*res = k;
	return 0;
out:
	snprintf(reason, sizeof(reason), "cannot open %.200s: %s", k->path[0] ? k->path : dir,
		 strerror(-err));
	/* No log line here: the caller retries every interval and logs once
	 * per streak of failures. */
	health_set(COMPONENT, HEALTH_FAILED, reason);
	jsonl_sink_free(k);
	return err;
}

const char *jsonl_sink_path(const struct jsonl_sink *k)
{
	return k->path;
}

static void write_failed(struct jsonl_sink *k, int err, const char *step)
{
	char reason[256];

	self_counter_add(SELF_JSONL_WRITE_ERRORS, 1);
	snprintf(reason, sizeof(reason), "%s %.150s: %s; lines dropped until it succeeds", step,
		 k->path, strerror(-err));
	health_set(COMPONENT, HEALTH_DEGRADED, reason);
	if (!k->failing)
		log_warn_errno(COMPONENT, err, LOG_KV("path", k->path, "step", step),
			       "JSONL write failed, dropping lines until it succeeds");
	k->failing = true;
}

int jsonl_sink_write(struct jsonl_sink *k, const char *line, size_t len)
{
	struct stat st;
	ssize_t n;
	int err;

	/* One line, ending in its only newline: anything else would break
	 * every reader's idea of a record. */
	if (!len || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		return -EINVAL;
	if (k->fd < 0 && (err = open_current(k))) {
		write_failed(k, err, "open");
		return err;
	}
	if (k->torn) {
		if (ftruncate(k->fd, (off_t)k->torn_size)) {
			err = -errno;
			write_failed(k, err, "truncate");
			return err;
		}
		k->torn = false;
	}
	if (fstat(k->fd, &st)) {
		err = -errno;
		write_failed(k, err, "stat");
		return err;
	}
	/* Removed behind our back (an operator, a cleanup job): lines written
	 * to the unlinked inode would be lost, so start a new current file. */
	if (st.st_nlink == 0) {
		close(k->fd);
		k->torn = false;
		if ((err = open_current(k)) || (fstat(k->fd, &st) && (err = -errno))) {
			write_failed(k, err, "reopen");
			return err;
		}
	}
	if (st.st_size > 0 && (uint64_t)st.st_size + len > k->max_bytes) {
		double t0 = now_monotonic();
		char ms[32];

		err = rotate(k);
		snprintf(ms, sizeof(ms), "%.0f", (now_monotonic() - t0) * 1000);
		log_infof(COMPONENT, LOG_KV("path", k->path, "duration_ms", ms), "rotated JSONL file");
		if (!err && fstat(k->fd, &st))
			err = -errno;
		if (err) {
			write_failed(k, err, "rotate");
			return err;
		}
	}
	n = write(k->fd, line, len);
	if (n != (ssize_t)len) {
		/* A short write sets no errno: the device or quota is full. */
		err = n < 0 ? -errno : -ENOSPC;
		if (n > 0 && ftruncate(k->fd, st.st_size)) {
			k->torn = true;
			k->torn_size = (uint64_t)st.st_size;
		}
		write_failed(k, err, "write");
		return err;
	}
	if (k->fsync && fdatasync(k->fd)) {
		/* The line is in the file, complete; only its durability is
		 * in doubt, so it is counted as written and as an error. */
		err = -errno;
		write_failed(k, err, "fdatasync");
	} else {
		err = 0;
	}
	self_counter_add(SELF_JSONL_LINES_WRITTEN, 1);
	self_counter_add(SELF_JSONL_BYTES_WRITTEN, len);
	if (k->failing && !err) {
		k->failing = false;
		health_set(COMPONENT, HEALTH_OK, k->path);
		log_infof(COMPONENT, LOG_KV("path", k->path), "JSONL writes resumed");

	}
	return err;
}

void jsonl_sink_free(struct jsonl_sink *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	if (k->dirfd >= 0)
		close(k->dirfd);
	free(k->dir);
	free(k);
}
