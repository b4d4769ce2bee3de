/* libFuzzer target: the --mode=export reader (src/source/jsonl_reader.c) over a damaged
 * directory. The input is the current file; the first poll reads it whole,
 * then a cut-down copy replaces it (truncation, a new inode) and the input
 * is appended to itself (growth), and finally the input, gzipped, is the
 * newest rotated file with the current file gone. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "sink.h"
#include "source.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[PATH_MAX], cur[PATH_MAX], tmp[PATH_MAX], gz[PATH_MAX];

static void put(const char *path, const uint8_t *p, size_t n, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void poll_once(struct jsonl_reader *r)
{
	struct snapshot *s = NULL;

	if (jsonl_reader_poll(r, &s) > 0) {
		snapshot_render(s, NULL);
		snapshot_put(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonl_reader *r;
	gzFile g;

	if (!dir[0]) {
		const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(dir, sizeof(dir), "%s/im-fuzz-reader-XXXXXX", base);
		if (!mkdtemp(dir))
			abort();
		snprintf(cur, sizeof(cur), "%s/" JSONL_CURRENT_NAME, dir);
		snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
		snprintf(gz, sizeof(gz),
			 "%s/" JSONL_ROTATED_PREFIX "20261126T000000.000000Z.jsonl.gz", dir);
		log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
	}
	unlink(gz);
	if (jsonl_reader_open(dir, &r))
		return 0;
	put(cur, data, size, O_TRUNC);
	poll_once(r);
	/* Replaced by a shorter file under the reader. */
	put(tmp, data, size / 2, O_TRUNC);
	rename(tmp, cur);
	poll_once(r);
	/* Grown by appends. */
	put(cur, data, size, O_APPEND);
	poll_once(r);
	/* Only a rotated file left. */
	unlink(cur);
	g = gzopen(gz, "wb1");
	if (!g)
		abort();
	if (size && gzwrite(g, data, (unsigned)size) <= 0)
		abort();
	gzclose(g);
	poll_once(r);
	jsonl_reader_free(r);
	return 0;
}
