/* The export-mode reader: the newest complete line of a JSONL directory that
 * another process (--mode=collect) writes, rebuilt into a snapshot.
 *
 * It replaces the collectors at the head of the data flow in --mode=export:
 * the caller polls it every interval, renders what it returns and publishes
 * it, so /metrics serves what the collector process saw. Polling must be
 * cheap and the input is untrusted, so: one stat() tells whether anything
 * changed; only bytes appended since the last poll are read, and the last
 * line is found by scanning backwards from the end in bounded chunks; a
 * trailing line without its newline is a write in progress and is ignored; a
 * line longer than JSONL_MAX_LINE_BYTES is skipped unread. A file that was
 * replaced (new inode) or truncated is read afresh. When the current file is
 * missing or empty (just rotated), the newest .jsonl.gz supplies the line.
 * Every failure leaves the caller's last good snapshot in place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "health.h"
#include "log.h"
#include "sink.h"
#include "source.h"
#include "util.h"

#define COMPONENT "jsonl_reader"
#define SCAN_CHUNK (64 * 1024)
/* A rotated file holds at most max_bytes (64 MiB by default) plus a line;
 * more than this decompressed is not ours, or a bomb. */
#define GZ_MAX_BYTES (4ULL << 30)

struct jsonl_reader {
	char dir[4096];
	char path[4096];        /* dir/infra-monitor.jsonl */
	/* The current file as last seen: identity, size, and where the last
	 * line we handled (good or bad) ends. */
	dev_t dev;
	ino_t ino;
	off_t size;
	off_t done;
	bool seen;
	/* The newest rotated file as last read, to skip it when unchanged. */
	char gz_name[256];
	off_t gz_size;
	struct timespec gz_mtime;
	uint64_t last_hash;     /* of the last line parsed, to skip a repeat */
	bool have_hash;
	bool failing;           /* in an error streak: warned once already */
	struct buf line;
	struct buf chunk;
};

int jsonl_reader_open(const char *dir, struct jsonl_reader **out)
{
	struct jsonl_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (snprintf(r->dir, sizeof(r->dir), "%s", dir) >= (int)sizeof(r->dir) ||
	    path_join(r->path, sizeof(r->path), dir, JSONL_CURRENT_NAME)) {
		free(r);
		return -ENAMETOOLONG;
	}
	buf_init(&r->line);
	buf_init(&r->chunk);
	*out = r;
	return 0;
}

void jsonl_reader_free(struct jsonl_reader *r)
{
	if (!r)
		return;
	buf_free(&r->line);
	buf_free(&r->chunk);
	free(r);
}

static int read_error(struct jsonl_reader *r, int err, const char *what, const char *file)
{
	char reason[256];

	self_counter_add(SELF_EXPORT_READ_ERRORS, 1);
	snprintf(reason, sizeof(reason), "%.100s: %.110s; serving the last good snapshot", file,
		 what);
	health_set(COMPONENT, HEALTH_DEGRADED, reason);
	/* Once per streak: a directory we cannot read would otherwise log
	 * every poll. */
	if (!r->failing)
		log_warnf(COMPONENT, LOG_KV("path", file, "err", what), "cannot read JSONL line");

	r->failing = true;
	return err;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

/* Parses r->line (without its newline) into *out, unless it is the very line
 * parsed last time (a rotation shows the same newest line again). */
static int parse_line(struct jsonl_reader *r, const char *file, struct snapshot **out)
{
	uint64_t h = hash_bytes(r->line.data, r->line.len);
	char errbuf[256];
	int err = 0;
	struct snapshot *s;

	if (r->have_hash && h == r->last_hash)
		return 0;
	r->last_hash = h;
	r->have_hash = true;
	s = jsonl_parse(r->line.data, r->line.len, &err, errbuf, sizeof(errbuf));
	if (!s)
		return read_error(r, err, errbuf, file);
	health_set(COMPONENT, HEALTH_OK, file);
	r->failing = false;
	*out = s;
	return 1;
}

static int pread_full(int fd, char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t got = pread(fd, p, n, off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO;    /* truncated under us */
		p += got;
		n -= (size_t)got;
		off += got;
	}
	return 0;
}

/* Offset of the last '\n' in [floor, end), scanning backwards in chunks and
 * giving up after `limit` bytes: -1 when there is none in reach. */
static off_t scan_back(struct jsonl_reader *r, int fd, off_t floor, off_t end, off_t limit,
		       int *err)
{
	off_t stop = end - floor > limit ? end - limit : floor;

	*err = 0;
	if (buf_reserve(&r->chunk, SCAN_CHUNK)) {
		*err = -ENOMEM;
		return -1;
	}
	while (end > stop) {
		size_t n = end - stop > SCAN_CHUNK ? SCAN_CHUNK : (size_t)(end - stop);
		char *nl;

		*err = pread_full(fd, r->chunk.data, n, end - (off_t)n);
		if (*err)
			return -1;
		nl = memrchr(r->chunk.data, '\n', n);
		if (nl)
			return end - (off_t)n + (nl - r->chunk.data);
		end -= (off_t)n;
	}
	return -1;
}

/* The newest complete line of the current file that we have not handled:
 * everything before r->done was handled, so the search never goes below it,
 * and only the appended tail is ever read. */
static int poll_current(struct jsonl_reader *r, int fd, off_t end, struct snapshot **out)
{
	const off_t reach = (off_t)JSONL_MAX_LINE_BYTES + 1;
	off_t floor = r->done, nl, start;
	int err;

	for (;;) {
		/* The last '\n'; whatever follows it is a line still being
		 * written. A tail longer than any line we accept without a
		 * newline is junk or a huge line: nothing to serve yet. */
		nl = scan_back(r, fd, floor, end, reach, &err);
		if (err)
			return read_error(r, err, strerror(-err), r->path);
		if (nl < 0)
			return 0;
		if (nl + 1 > r->done)
			r->done = nl + 1;
		start = scan_back(r, fd, floor, nl, reach, &err);
		if (err)
			return read_error(r, err, strerror(-err), r->path);
		if (start < 0 && nl - floor > reach)
			return read_error(r, -E2BIG, "line longer than the limit, skipped",
					  r->path);
		start = start < 0 ? floor : start + 1;
		if (nl > start)
			break;
		end = nl;       /* an empty line: the newest line is before it */
	}
	if (nl - start > (off_t)JSONL_MAX_LINE_BYTES)
		return read_error(r, -E2BIG, "line longer than the limit, skipped", r->path);
	buf_reset(&r->line);
	if (buf_reserve(&r->line, (size_t)(nl - start)))
		return read_error(r, -ENOMEM, "out of memory", r->path);
	err = pread_full(fd, r->line.data, (size_t)(nl - start), start);
	if (err)
		return read_error(r, err, strerror(-err), r->path);
	r->line.len = (size_t)(nl - start);
	return parse_line(r, r->path, out);
}

/* ---- the newest rotated file -------------------------------------------- */

static bool is_gz_name(const char *name)
{
	size_t n = strlen(name), p = strlen(JSONL_ROTATED_PREFIX), s = strlen(".jsonl.gz");

	return n > p + s && strncmp(name, JSONL_ROTATED_PREFIX, p) == 0 &&
	       strcmp(name + n - s, ".jsonl.gz") == 0;
}

/* Name of the newest .jsonl.gz (names sort by time); "" when there is none. */
static int newest_gz(struct jsonl_reader *r, char *out, size_t outsz)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (is_gz_name(e->d_name) && strlen(e->d_name) < outsz &&
		    strcmp(e->d_name, out) > 0)
			snprintf(out, outsz, "%s", e->d_name);
	closedir(d);
	return 0;
}

/* Decompresses path keeping only the last complete line in r->line; a line
 * over the limit is dropped as it streams past, never held whole. */
static int gz_last_line(struct jsonl_reader *r, const char *path)
{
	struct buf cur;
	gzFile gz = NULL;
	uint64_t total = 0;
	bool skipping = false, have = false;
	int err = 0, n;

	buf_init(&cur);
	buf_reset(&r->line);
	if (buf_reserve(&r->chunk, SCAN_CHUNK)) {
		err = -ENOMEM;
		goto out;
	}
	gz = gzopen(path, "rb");
	if (!gz) {
		err = errno ? -errno : -ENOMEM;
		goto out;
	}
	while ((n = gzread(gz, r->chunk.data, SCAN_CHUNK)) > 0) {
		const char *p = r->chunk.data, *end = p + n;

		total += (uint64_t)n;
		if (total > GZ_MAX_BYTES) {
			err = -EFBIG;
			goto out;
		}
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = (size_t)((nl ? nl : end) - p);

			if (!skipping && cur.len + len > JSONL_MAX_LINE_BYTES)
				skipping = true;
			if (!skipping)
				buf_put(&cur, p, len);
			if (!nl)
				break;
			/* A complete line: it becomes the last one unless empty
			 * or too long (an earlier good line is kept). */
			if (!skipping && cur.len) {
				struct buf t = r->line;

				r->line = cur;
				cur = t;
				have = true;
			}
			buf_reset(&cur);
			skipping = false;
			p = nl + 1;
		}
		if (cur.oom || r->line.oom) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (n < 0) {
		/* A truncated .gz (a crash mid-compression that was then
		 * renamed) still yields every line before the damage. */
		int zerr;

		gzerror(gz, &zerr);
		if (!have)
			err = zerr == Z_ERRNO ? -errno : -EIO;
	}
	if (!err && !have)
		err = -ENODATA;
out:
	if (gz)
		gzclose(gz);
	buf_free(&cur);
	return err;
}

static int poll_rotated(struct jsonl_reader *r, struct snapshot **out)
{
	char name[256], path[4096 + 256];
	struct stat st;
	int err;

	err = newest_gz(r, name, sizeof(name));
	if (err == -ENOENT || (!err && !name[0])) {
		health_set(COMPONENT, HEALTH_DEGRADED, "no JSONL data yet in the output directory");
		return 0;
	}
	if (err)
		return read_error(r, err, strerror(-err), r->dir);
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	if (stat(path, &st))
		return errno == ENOENT ? 0 : read_error(r, -errno, strerror(errno), path);
	if (strcmp(name, r->gz_name) == 0 && st.st_size == r->gz_size &&
	    st.st_mtim.tv_sec == r->gz_mtime.tv_sec && st.st_mtim.tv_nsec == r->gz_mtime.tv_nsec)
		return 0;
	snprintf(r->gz_name, sizeof(r->gz_name), "%s", name);
	r->gz_size = st.st_size;
	r->gz_mtime = st.st_mtim;
	err = gz_last_line(r, path);
	if (err)
		return read_error(r, err, err == -ENODATA ? "no complete line" : strerror(-err),
				  path);
	return parse_line(r, path, out);
}

int jsonl_reader_poll(struct jsonl_reader *r, struct snapshot **out)
{
	struct stat st;
	int fd, ret;

	*out = NULL;
	if (stat(r->path, &st)) {
		if (errno != ENOENT && errno != ENOTDIR)
			return read_error(r, -errno, strerror(errno), r->path);
		r->seen = false;
		return poll_rotated(r, out);
	}
	if (st.st_size == 0) {
		r->seen = false;
		return poll_rotated(r, out);
	}
	if (r->seen && st.st_dev == r->dev && st.st_ino == r->ino && st.st_size == r->size)
		return 0;
	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	/* Rotated away between stat and open: the next poll sees the new one. */
	if (fd < 0)
		return errno == ENOENT ? 0 : read_error(r, -errno, strerror(errno), r->path);
	if (fstat(fd, &st)) {
		ret = read_error(r, -errno, strerror(errno), r->path);
		goto out;
	}
	if (!r->seen || st.st_dev != r->dev || st.st_ino != r->ino || st.st_size < r->size ||
	    !S_ISREG(st.st_mode)) {
		/* A new file (rotation, replacement) or one cut shorter. */
		r->dev = st.st_dev;
		r->ino = st.st_ino;
		r->done = 0;
	}
	r->seen = true;
	r->size = st.st_size;
	ret = S_ISREG(st.st_mode) ? poll_current(r, fd, st.st_size, out)
				  : read_error(r, -EINVAL, "not a regular file", r->path);
out:
	close(fd);
	return ret;
}
