/* One libFuzzer harness for every /proc and /sys collector, the honest way:
 * the input becomes the files of a throw-away tree and the collector's own
 * init(), collect() and fini() run on it, exactly as the runner calls them.
 * Nothing in the collectors changes for fuzzing.
 *
 * A collector that reads several files gets them from one input split at
 * FUZZ_SPLIT lines: part i is written to files[i], a missing part means the
 * file is absent. The seeds in corpus/<name>/ are fixture files joined the
 * same way (tests/fuzz/seed.sh).
 *
 * A target is three lines:
 *     #include "fuzz_collector.h"
 *     FUZZ_COLLECTOR(collector_meminfo, "proc/meminfo");
 */
#ifndef IM_FUZZ_COLLECTOR_H
#define IM_FUZZ_COLLECTOR_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "metrics.h"

#define FUZZ_SPLIT "\n----8<----\n"

static char fuzz_root[PATH_MAX], fuzz_proc[PATH_MAX], fuzz_sys[PATH_MAX], fuzz_rootfs[PATH_MAX],
    fuzz_udev[PATH_MAX];

/* mkdir -p of path's parent directories. */
static inline void fuzz_mkparents(char *path)
{
	for (char *s = path + strlen(fuzz_root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

static inline void fuzz_put(const char *rel, const uint8_t *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	fuzz_mkparents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort(); /* the harness itself is broken */
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			abort();
		data += n;
		len -= (size_t)n;
	}
	close(fd);
}

static inline void fuzz_rm(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	unlink(path);
}

static inline void fuzz_setup_tree(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (fuzz_root[0])
		return;
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/im-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_root))
		abort();
	snprintf(fuzz_proc, sizeof(fuzz_proc), "%s/proc", fuzz_root);
	snprintf(fuzz_sys, sizeof(fuzz_sys), "%s/sys", fuzz_root);
	snprintf(fuzz_rootfs, sizeof(fuzz_rootfs), "%s/root", fuzz_root);
	snprintf(fuzz_udev, sizeof(fuzz_udev), "%s/run/udev/data", fuzz_rootfs);
	mkdir(fuzz_proc, 0755);
	mkdir(fuzz_sys, 0755);
	mkdir(fuzz_rootfs, 0755);
	/* Logs from hostile input are expected; keep the fuzzer's output readable. */
	log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
}

static inline int fuzz_collect(const struct collector *c, const char *const *files,
			       const uint8_t *data, size_t size)
{
	struct collect_ctx ctx = {.procfs = fuzz_proc, .sysfs = fuzz_sys, .rootfs = fuzz_rootfs,
				  .udev_data = fuzz_udev};
	struct metric_set *ms;
	const uint8_t *p = data, *end = data + size;
	size_t seplen = strlen(FUZZ_SPLIT);
	int err;

	fuzz_setup_tree();
	for (size_t i = 0; files[i]; i++) {
		const uint8_t *q;

		if (!p) {
			fuzz_rm(files[i]);
			continue;
		}
		q = memmem(p, (size_t)(end - p), FUZZ_SPLIT, seplen);
		fuzz_put(files[i], p, (size_t)((q ? q : end) - p));
		p = q ? q + seplen : NULL;
	}
	ms = ms_new();
	if (!ms)
		return 0;
	err = c->init ? c->init(&ctx) : 0;
	if (!err)
		c->collect(&ctx, ms);
	if (c->fini)
		c->fini(&ctx);
	ms_free(ms);
	return 0;
}

#define FUZZ_COLLECTOR(coll, ...)                                                                  \
	static const char *const fuzz_files[] = {__VA_ARGS__, NULL};                               \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		return fuzz_collect(&(coll), fuzz_files, data, size);                              \
	}

#endif
