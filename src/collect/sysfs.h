/* Private helpers for the collectors that walk /sys trees (hwmon, thermal,
 * power supplies, RAPL, EDAC, NVMe, md, tape, bcache...): sorted directory
 * listings, one-value attribute files, node_exporter's device filters and
 * its label clean-ups. A sysfs attribute is one short value the kernel
 * formats, so these read it whole and trim it as procfs's util.SysReadFile
 * does; anything else is -EINVAL for the caller to skip or fail on.
 */
#ifndef IM_COLLECT_SYSFS_H
#define IM_COLLECT_SYSFS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "collector.h"

/* The entries of one directory, sorted bytewise (the order Prometheus sorts
 * label values in), without "." and "..". Names live in one buffer. */
struct sysfs_dir {
	struct buf names;
	size_t *off;
	size_t n;
};

/* Lists root/rel (rel may be NULL). 0, -ENOENT or -ENOTDIR as opendir says,
 * -ENOMEM. */
int sysfs_dir_read(struct sysfs_dir *d, const char *root, const char *rel);
void sysfs_dir_free(struct sysfs_dir *d);

static inline const char *sysfs_dir_name(const struct sysfs_dir *d, size_t i)
{
	return d->names.data + d->off[i];
}

/* Calls fn(dir, name, arg) for each entry root/rel/<name> whose name holds
 * a dash: the uuid-named sets /sys/fs/btrfs and /sys/fs/bcache keep beside
 * their control files ("features", "register"). Stops at fn's first error;
 * -ENODATA when there is no such set, or no root/rel at all. */
int sysfs_each_set(const char *root, const char *rel,
		   int (*fn)(const char *dir, const char *name, void *arg), void *arg);

/* root/rel as one line of text with surrounding white space removed, in b,
 * read by collect_read() (ctx NULL: nothing kept, as for a path through a
 * network device's name). 0, the read's -errno, or -EINVAL for a NUL or a
 * second line. */
int sysfs_read_str(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b);
/* The same, parsed whole as a number; b is scratch space. */
int sysfs_read_u64(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		   uint64_t *out);
int sysfs_read_i64(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		   int64_t *out);
int sysfs_read_double(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		      double *out);

/* root "/" a "/" b into out: 0 or -ENAMETOOLONG. */
int sysfs_path(char *out, size_t outsz, const char *root, const char *a, const char *b);

/* node_exporter's deviceFilter: a name is ignored when it matches the exclude
 * regex or fails to match the include one. Both come from the collector's
 * options (NULL: none), compiled once in init(). */
struct dev_filter {
	regex_t exclude, include;
	bool has_exclude, has_include;
};

int dev_filter_init(struct dev_filter *f, const struct collect_ctx *ctx,
		    const struct collector_option *exclude, const struct collector_option *include);
bool dev_filter_ignored(const struct dev_filter *f, const char *name);
void dev_filter_free(struct dev_filter *f);

/* init() and fini() of a collector whose only state is one ignore filter
 * (--collector.powersupply.ignored-supplies, --collector.tapestats.ignored-devices):
 * ctx->state becomes the struct dev_filter. */
int dev_filter_state_init(struct collect_ctx *ctx, const struct collector_option *exclude);
/* The same with an include/exclude pair that may both be given (infiniband):
 * unlike device_filter_new(), node_exporter does not refuse the two together
 * for these collectors. */
int dev_filter_pair_state_init(struct collect_ctx *ctx, const struct collector_option *exclude,
			       const struct collector_option *include);
void dev_filter_state_fini(struct collect_ctx *ctx);

/* hwmon's cleanMetricName(): lower case, every byte outside [a-z0-9:_]
 * becomes '_', leading and trailing '_' dropped. In place; returns s. */
char *sysfs_clean_name(char *s);

/* Text made safe as a label value the way Go's strings.ToValidUTF8(s, "\uFFFD")
 * does: each run of invalid UTF-8 bytes becomes one U+FFFD. Into out. */
void sysfs_valid_utf8(struct buf *out, const char *s, size_t len);

#endif
