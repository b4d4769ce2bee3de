/* Assertions for the /proc collector tests, on top of fixture.h: a family's
 * type, HELP text and size, a collector's whole life on one tree, and the
 * table-driven runs over bad trees and input rows that every collector test
 * repeats. Kept apart from fixture.h so the two can grow without stepping on
 * each other. */
#ifndef IM_TEST_COLLECT_ASSERT_H
#define IM_TEST_COLLECT_ASSERT_H

#include <ftw.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"
#include "fixture.h"
#include "util.h"

/* Asserts that family `name` exists with that type and HELP text, and has
 * nsamples samples (a negative nsamples skips the count). */
#define assert_family(ms, name, type_, help_, nsamples_)                                  \
	do {                                                                              \
		const struct family *f_ = ms_find(ms, name);                              \
		if (!f_)                                                                  \
			fail_msg("no family %s", name);                                   \
		assert_int_equal(f_->type, type_);                                        \
		assert_string_equal(f_->help, help_);                                     \
		if ((nsamples_) >= 0)                                                     \
			assert_int_equal(f_->nsamples, (size_t)(nsamples_));              \
	} while (0)

/* A configuration as `infra-monitor once FLAGS...` would have it. */
#define CONFIG_ONCE(cfg, ...)                                                                      \
	do {                                                                                       \
		char *argv_[] = { "infra-monitor", "once", __VA_ARGS__ };                          \
		assert_int_equal(config_load(cfg, ARRAY_SIZE(argv_), argv_), 0);                   \
	} while (0)

/* Number of samples in family `name`, 0 when it does not exist. */
static inline size_t ca_nsamples(const struct metric_set *ms, const char *name)
{
	const struct family *f = ms_find(ms, name);

	return f ? f->nsamples : 0;
}

/* ctx->detail of the last ca_collect_cfg() or ca_collect_files() run: what
 * /health would name. */
static char ca_detail[sizeof(((struct collect_ctx *)0)->detail)];

/* Runs a collector's whole life (init, collect, fini) on one fixture tree
 * with its options from cfg (NULL: the defaults) and returns collect's
 * result; the set is left filled for assertions, the detail in ca_detail. */
static inline int ca_collect_cfg(const struct collector *c, const char *tree,
				 const struct config *cfg, struct metric_set *ms)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, tree);
	int err;

	ctx.cfg = cfg;
	err = c->init ? c->init(&ctx) : 0;
	if (!err)
		err = c->collect(&ctx, ms);
	memcpy(ca_detail, ctx.detail, sizeof(ca_detail));
	if (c->fini)
		c->fini(&ctx);
	return err;
}

static inline int ca_collect(const struct collector *c, const char *tree, struct metric_set *ms)
{
	return ca_collect_cfg(c, tree, NULL, ms);
}

/* ca_collect_cfg() with the options set by flags, as the daemon would get
 * them ({ "--collector.netdev.device-include=^eth", NULL }); the flags must
 * load. */
static inline int ca_collect_flags(const struct collector *c, const char *tree,
				   struct metric_set *ms, const char *const *flags)
{
	char *argv[16] = { "infra-monitor" };
	struct config cfg;
	int argc = 1, err;

	while (flags[argc - 1] && argc < 15) {
		argv[argc] = (char *)flags[argc - 1];
		argc++;
	}
	assert_int_equal(config_load(&cfg, argc, argv), 0);
	err = ca_collect_cfg(c, tree, &cfg, ms);
	config_free(&cfg);
	return err;
}

/* Runs ca_collect() on a fresh set, asserts its result and returns the set
 * for further assertions; the caller frees it. */
static inline struct metric_set *ca_collect_tree(const struct collector *c, const char *tree,
						 int want)
{
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect(c, tree, ms), want);
	return ms;
}

/* A fixture tree a collector must fail on, and the error it must return. */
struct ca_tree_err {
	const char *tree;
	int err;
};

/* The shared fixture trees most collectors must refuse: their file cut
 * short, garbage in it, and no file at all. A collector with another outcome
 * for one of them (-ENODATA, or garbage it does not read) lists its own. */
static const struct ca_tree_err ca_bad_trees[] = {
	{ "truncated", -EINVAL },
	{ "garbled", -EINVAL },
	{ "does-not-exist", -ENOENT },
};

/* Runs the collector on each tree of the table and asserts its error. With
 * empty, also that the failed run added no family: only some collectors check
 * all their input before adding, the rest rely on the runner dropping a
 * failed set (collector.h), so the check is the caller's choice. */
static inline void assert_collect_errors(const struct collector *c, const struct ca_tree_err *cases,
					 size_t n, bool empty)
{
	for (size_t i = 0; i < n; i++) {
		struct metric_set *ms = ms_new();
		int err = ca_collect(c, cases[i].tree, ms);

		if (err != cases[i].err)
			fail_msg("%s: got %d, want %d", cases[i].tree, err, cases[i].err);
		if (empty)
			assert_int_equal(ms_nfamilies(ms), 0);
		ms_free(ms);
	}
}

/* One file of a throw-away tree: path relative to the tree's root, such as
 * "proc/stat"; len 0 means strlen(text), so NULs can be written on purpose. */
struct ca_file {
	const char *path;
	const char *text;
	size_t len;
};

static inline int ca_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Writes one file under dir, creating its parent directories; an existing
 * file is replaced. */
static inline void ca_tree_write(const char *dir, const struct ca_file *f)
{
	size_t len = f->len ? f->len : strlen(f->text);
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, f->path);
	for (char *q = path + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		mkdir(path, 0755);
		*q = '/';
	}
	fp = fopen(path, "w");
	if (!fp || fwrite(f->text, 1, len, fp) != len || fclose(fp))
		fail_msg("write %s", path);
}

/* Writes the files under a fresh temporary directory, whose name goes to
 * dir (at least 20 bytes). */
static inline void ca_tree_new(char *dir, const struct ca_file *files, size_t nfiles)
{
	strcpy(dir, "/tmp/im-test-XXXXXX");
	if (!mkdtemp(dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	for (size_t i = 0; i < nfiles; i++)
		ca_tree_write(dir, &files[i]);
}

static inline void ca_tree_free(const char *dir)
{
	nftw(dir, ca_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs the collector's whole life on a temporary tree of these files
 * (procfs = dir/proc, sysfs = dir/sys), removes the tree and returns
 * collect's result: hostile inputs as table rows, not fixture trees. */
static inline int ca_collect_files(const struct collector *c, const struct ca_file *files,
				   size_t nfiles, struct metric_set *ms)
{
	char dir[32], procfs[512], sysfs[512], rootfs[512];
	struct collect_ctx ctx = { .procfs = procfs, .sysfs = sysfs, .rootfs = rootfs };
	int err;

	ca_tree_new(dir, files, nfiles);
	snprintf(procfs, sizeof(procfs), "%s/proc", dir);
	snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
	snprintf(rootfs, sizeof(rootfs), "%s/root", dir);
	err = c->init ? c->init(&ctx) : 0;
	if (!err)
		err = c->collect(&ctx, ms);
	memcpy(ca_detail, ctx.detail, sizeof(ca_detail));
	if (c->fini)
		c->fini(&ctx);
	ca_tree_free(dir);
	return err;
}

/* Case i of an input table: runs the collector on these files, fails naming
 * the case when collect's result is not want, and returns the set for the
 * case's own assertions; the caller frees it. */
static inline struct metric_set *ca_collect_case(const struct collector *c,
						 const struct ca_file *files, size_t nfiles,
						 size_t i, int want)
{
	struct metric_set *ms = ms_new();
	int err = ca_collect_files(c, files, nfiles, ms);

	if (err != want)
		fail_msg("case %zu: got %d, want %d", i, err, want);
	return ms;
}

/* The common case: one file. */
static inline int ca_collect_text(const struct collector *c, const char *path, const char *text,
				  struct metric_set *ms)
{
	struct ca_file f = { path, text, 0 };

	return ca_collect_files(c, &f, 1, ms);
}

#endif
