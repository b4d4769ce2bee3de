/* bcache: /sys/fs/bcache/<set uuid> → node_bcache_* per cache set, backing
 * device and cache device, as node_exporter 1.12 (procfs's bcache.GetStats()).
 *
 * bcache prints sizes for people ("20.4G", "-29.2k"): dehumanize() reads
 * them back as procfs does, including its quirks, because dashboards compare
 * the numbers: the digits after the point are divided by 10.24 (bcache's
 * own rounding of 1024ths), an unknown suffix multiplies by 0, and every
 * file loses its last byte (the newline) before parsing. Also kept:
 * btree_read_average_duration_us exported times 1e-9 as if it were
 * nanoseconds, and cache_readaheads_total only when not zero.
 *
 * A missing value file reads 0; an unreadable or unparsable one fails the
 * collector, as does a backing device without writeback_rate_debug. Only
 * files behind exported series are read (procfs also reads the five-minute
 * and set-wide totals, which node_exporter drops). priority_stats makes the
 * kernel walk every bucket of the cache, hence --collector.bcache.priorityStats,
 * off by default there and here. No cache set is -ENODATA.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

static const struct collector_option bcache_options[] = {
	{ "collector.bcache.priorityStats", COPT_BOOL, "false", "Expose expensive priority stats." },
	{ NULL, 0, NULL, NULL },
};

/* strconv.ParseFloat of the whole of s[0..len). */
static int bcache_float(const char *s, size_t len, double *out)
{
	char tmp[64], *end;

	if (!len || len >= sizeof(tmp) || pp_blank(*s) || *s == '\n')
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	*out = strtod(tmp, &end);
	return *end ? -EINVAL : 0;
}

/* procfs's dehumanize(): "1.5k" is (1 + 5/10.24) KiB. */
static int bcache_dehumanize(const char *s, size_t len, uint64_t *out)
{
	static const char suffix[] = "kMGTPEZY";
	double mant, frac, mul = 1;
	const char *dot, *k;

	if (!len)
		return -EINVAL;
	if ((unsigned char)s[len - 1] > '9') {
		k = s[len - 1] ? strchr(suffix, s[len - 1]) : NULL;
		mul = k ? ldexp(1, 10 * (int)(k - suffix + 1)) : 0;
		len--;
		dot = memchr(s, '.', len);
		if (bcache_float(s, dot ? (size_t)(dot - s) : len, &mant))
			return -EINVAL;
		if (dot) {
			const char *f = dot + 1, *more = memchr(f, '.', len - (size_t)(f - s));

			if (bcache_float(f, (size_t)((more ? more : s + len) - f), &frac))
				return -EINVAL;
			mant += frac / 10.24;
		}
	} else if (bcache_float(s, len, &mant)) {
		return -EINVAL;
	}
	mant *= mul;
	/* Go's float to uint64 conversion, within its defined range. */
	*out = mant >= 0 && mant < 18446744073709551616.0 ? (uint64_t)mant : 0;
	return 0;
}

static int bcache_signed(const char *s, size_t len, double *out)
{
	bool neg = len && *s == '-';
	uint64_t v;
	int err = bcache_dehumanize(s + neg, len - neg, &v);

	*out = neg ? -(double)(int64_t)v : (double)(int64_t)v;
	return err;
}

/* One value file: 0 when absent, the last byte dropped, dehumanized. */
static int bcache_value(const char *dir, const char *rel, struct buf *b, double *out)
{
	int err = read_file_at(dir, rel, b);
	uint64_t v = 0;

	if (err == -ENOENT) {
		*out = 0;
		return 0;
	}
	if (!err && (memchr(b->data, '\0', b->len) || !b->len))
		err = -EINVAL;
	if (!err)
		err = bcache_dehumanize(b->data, b->len - 1, &v);
	*out = (double)v;
	return err;
}

/* The last field of a line with the suffix cut, as procfs takes it. */
static void bcache_last(const char *line, const char *cut, const char **s, size_t *len)
{
	const char *end = line + strlen(line), *p;
	size_t clen = strlen(cut);

	while (end > line && pp_blank(end[-1]))
		end--;
	for (p = end; p > line && !pp_blank(p[-1]); p--)
		;
	if (clen && (size_t)(end - p) >= clen && !memcmp(end - clen, cut, clen))
		end -= clen;
	*s = p;
	*len = (size_t)(end - p);
}

/* Runs fn on each line of the file dir/rel, which must exist. */
static int bcache_lines(const char *dir, const char *rel, struct buf *b,
			int (*fn)(const char *line, double *v), double *v)
{
	int err = read_file_at(dir, rel, b);

	if (!err && b->len)
		err = pp_check_text(b);
	for (char *line = b->data, *nl; !err && b->len && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		err = fn(line, v);
	}
	return err;
}

/* writeback_rate_debug into v: rate, target, proportional, integral, change. */
static int bcache_writeback_line(const char *line, double *v)
{
	static const struct {
		const char *prefix, *cut;
		bool is_signed;
	} keys[] = { { "rate:", "/sec", false }, { "target:", "", false },
		     { "proportional:", "", true }, { "integral:", "", true },
		     { "change:", "/sec", true } };
	const char *s;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		uint64_t u;

		if (strncmp(line, keys[i].prefix, strlen(keys[i].prefix)))
			continue;
		bcache_last(line, keys[i].cut, &s, &len);
		if (keys[i].is_signed)
			return bcache_signed(s, len, &v[i]);
		if (bcache_dehumanize(s, len, &u))
			return -EINVAL;
		v[i] = (double)u;
		return 0;
	}
	/* procfs also checks these, though node_exporter exports neither. */
	if (!strncmp(line, "dirty:", 6)) {
		uint64_t u;

		bcache_last(line, "", &s, &len);
		return bcache_dehumanize(s, len, &u);
	}
	if (!strncmp(line, "next io:", 8)) {
		char tmp[32], *end;

		bcache_last(line, "ms", &s, &len);
		if (!len || len >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		errno = 0;
		strtoll(tmp, &end, 10);
		return *end || errno || pp_blank(*tmp) ? -EINVAL : 0;
	}
	return 0;
}

/* priority_stats into v: unused and metadata percent. */
static int bcache_priority_line(const char *line, double *v)
{
	const char *s;
	size_t len;
	uint64_t u;
	char tmp[32];
	int i = !strncmp(line, "Unused:", 7) ? 0 : !strncmp(line, "Metadata:", 9) ? 1 : -1;

	if (i < 0)
		return 0;
	bcache_last(line, "%", &s, &len);
	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (parse_u64(tmp, &u))
		return -EINVAL;
	v[i] = (double)u;
	return 0;
}

struct bcache_series {
	const char *rel, *name, *help;
	enum metric_type type;
	double scale;
};

static const struct bcache_series bcache_set_series[] = {
	{ "average_key_size", "node_bcache_average_key_size_sectors",
	  "Average data per key in the btree (sectors).", METRIC_GAUGE, 1 },
	{ "btree_cache_size", "node_bcache_btree_cache_size_bytes",
	  "Amount of memory currently used by the btree cache.", METRIC_GAUGE, 1 },
	{ "cache_available_percent", "node_bcache_cache_available_percent",
	  "Percentage of cache device without dirty data, usable for writeback (may contain clean cached data).",
	  METRIC_GAUGE, 1 },
	{ "congested", "node_bcache_congested", "Congestion.", METRIC_GAUGE, 1 },
	{ "root_usage_percent", "node_bcache_root_usage_percent",
	  "Percentage of the root btree node in use (tree depth increases if too high).",
	  METRIC_GAUGE, 1 },
	{ "tree_depth", "node_bcache_tree_depth", "Depth of the btree.", METRIC_GAUGE, 1 },
	{ "internal/active_journal_entries", "node_bcache_active_journal_entries",
	  "Number of journal entries that are newer than the index.", METRIC_GAUGE, 1 },
	{ "internal/btree_nodes", "node_bcache_btree_nodes", "Total nodes in the btree.",
	  METRIC_GAUGE, 1 },
	{ "internal/btree_read_average_duration_us",
	  "node_bcache_btree_read_average_duration_seconds", "Average btree read duration.",
	  METRIC_GAUGE, 1e-9 },
	{ "internal/cache_read_races", "node_bcache_cache_read_races_total",
	  "Counts instances where while data was being read from the cache, the bucket was reused and invalidated - i.e. where the pointer was stale after the read completed.",
	  METRIC_COUNTER, 1 },
};

static const struct bcache_series bcache_bdev_totals[] = {
	{ "stats_total/bypassed", "node_bcache_bypassed_bytes_total",
	  "Amount of IO (both reads and writes) that has bypassed the cache.", METRIC_COUNTER, 1 },
	{ "stats_total/cache_hits", "node_bcache_cache_hits_total",
	  "Hits counted per individual IO as bcache sees them.", METRIC_COUNTER, 1 },
	{ "stats_total/cache_misses", "node_bcache_cache_misses_total",
	  "Misses counted per individual IO as bcache sees them.", METRIC_COUNTER, 1 },
	{ "stats_total/cache_bypass_hits", "node_bcache_cache_bypass_hits_total",
	  "Hits for IO intended to skip the cache.", METRIC_COUNTER, 1 },
	{ "stats_total/cache_bypass_misses", "node_bcache_cache_bypass_misses_total",
	  "Misses for IO intended to skip the cache.", METRIC_COUNTER, 1 },
	{ "stats_total/cache_miss_collisions", "node_bcache_cache_miss_collisions_total",
	  "Instances where data insertion from cache miss raced with write (data already present).",
	  METRIC_COUNTER, 1 },
	{ "stats_total/cache_readaheads", "node_bcache_cache_readaheads_total",
	  "Count of times readahead occurred.", METRIC_COUNTER, 1 },
};

static const struct bcache_series bcache_cache_series[] = {
	{ "io_errors", "node_bcache_io_errors",
	  "Number of errors that have occurred, decayed by io_error_halflife.", METRIC_GAUGE, 1 },
	{ "metadata_written", "node_bcache_metadata_written_bytes_total",
	  "Sum of all non data writes (btree writes and all other metadata).", METRIC_COUNTER, 1 },
	{ "written", "node_bcache_written_bytes_total",
	  "Sum of all data that has been written to the cache.", METRIC_COUNTER, 1 },
};

static const struct bcache_series bcache_wb_series[] = {
	{ NULL, "node_bcache_writeback_rate",
	  "Current writeback rate for this backing device in bytes.", METRIC_GAUGE, 1 },
	{ NULL, "node_bcache_dirty_target_bytes",
	  "Current dirty data target threshold for this backing device in bytes.", METRIC_GAUGE, 1 },
	{ NULL, "node_bcache_writeback_rate_proportional_term",
	  "Current result of proportional controller, part of writeback rate", METRIC_GAUGE, 1 },
	{ NULL, "node_bcache_writeback_rate_integral_term",
	  "Current result of integral controller, part of writeback rate", METRIC_GAUGE, 1 },
	{ NULL, "node_bcache_writeback_change",
	  "Last writeback rate change step for this backing device.", METRIC_GAUGE, 1 },
};

static const struct bcache_series bcache_prio_series[] = {
	{ NULL, "node_bcache_priority_stats_unused_percent",
	  "The percentage of the cache that doesn't contain any data.", METRIC_GAUGE, 1 },
	{ NULL, "node_bcache_priority_stats_metadata_percent", "Bcache's metadata overhead.",
	  METRIC_GAUGE, 1 },
};

static void bcache_add(struct metric_set *ms, const struct bcache_series *s, double v,
		       const struct label *l, uint32_t nl)
{
	ms_add_labels(ms, ms_family(ms, s->name, s->type, s->help), v * s->scale, l, nl);
}

/* Reads each series' file under dir into v, in order. */
static int bcache_read_all(const char *dir, const struct bcache_series *s, size_t n,
			   struct buf *b, double *v)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = bcache_value(dir, s[i].rel, b, &v[i]);
	return err;
}

static int bcache_bdev(struct metric_set *ms, const char *dir, struct label *l, struct buf *b)
{
	static const struct bcache_series dirty = {
		"dirty_data", "node_bcache_dirty_data_bytes",
		"Amount of dirty data for this backing device in the cache.", METRIC_GAUGE, 1
	};
	double d, wb[ARRAY_SIZE(bcache_wb_series)] = { 0 }, tot[ARRAY_SIZE(bcache_bdev_totals)];
	int err = bcache_value(dir, dirty.rel, b, &d);

	if (!err)
		err = bcache_lines(dir, "writeback_rate_debug", b, bcache_writeback_line, wb);
	if (!err)
		err = bcache_read_all(dir, bcache_bdev_totals, ARRAY_SIZE(bcache_bdev_totals), b, tot);
	if (err)
		return err;
	bcache_add(ms, &dirty, d, l, 2);
	for (size_t i = 0; i < ARRAY_SIZE(bcache_wb_series); i++)
		bcache_add(ms, &bcache_wb_series[i], wb[i], l, 2);
	for (size_t i = 0; i < ARRAY_SIZE(bcache_bdev_totals); i++)
		if (i + 1 < ARRAY_SIZE(bcache_bdev_totals) || tot[i] != 0)
			bcache_add(ms, &bcache_bdev_totals[i], tot[i], l, 2);
	return 0;
}

static int bcache_cache(struct metric_set *ms, const char *dir, struct label *l, bool prio,
			struct buf *b)
{
	double v[ARRAY_SIZE(bcache_cache_series)], p[2] = { 0 };
	int err = bcache_read_all(dir, bcache_cache_series, ARRAY_SIZE(bcache_cache_series), b, v);

	if (!err && prio)
		err = bcache_lines(dir, "priority_stats", b, bcache_priority_line, p);
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(bcache_cache_series); i++)
		bcache_add(ms, &bcache_cache_series[i], v[i], l, 2);
	for (size_t i = 0; prio && i < 2; i++)
		bcache_add(ms, &bcache_prio_series[i], p[i], l, 2);
	return 0;
}

/* The digits after prefix make a bdev/cache directory (procfs's bdev[0-9]*). */
static bool bcache_numbered(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && name[n] >= '0' && name[n] <= '9';
}

static int bcache_set(struct metric_set *ms, const char *dir, const char *uuid, bool prio,
		      struct buf *b)
{
	double v[ARRAY_SIZE(bcache_set_series)];
	/* The device label before uuid: name order, as node_exporter prints them. */
	struct label l[2] = { { NULL, NULL }, { "uuid", uuid } };
	struct sysfs_dir d;
	char sub[4352];
	int err = bcache_read_all(dir, bcache_set_series, ARRAY_SIZE(bcache_set_series), b, v);

	if (!err)
		err = sysfs_dir_read(&d, dir, NULL);
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(bcache_set_series); i++)
		bcache_add(ms, &bcache_set_series[i], v[i], &l[1], 1);
	/* Backing devices first, then caches, as procfs stops at the first error. */
	for (int pass = 0; !err && pass < 2; pass++)
		for (size_t i = 0; !err && i < d.n; i++) {
			const char *name = sysfs_dir_name(&d, i);

			if (!bcache_numbered(name, pass ? "cache" : "bdev") ||
			    !pp_label_text(name, strlen(name)))
				continue;
			l[0] = (struct label){ pass ? "cache_device" : "backing_device", name };
			if (snprintf(sub, sizeof(sub), "%s/%s", dir, name) >= (int)sizeof(sub))
				err = -ENAMETOOLONG;
			else
				err = pass ? bcache_cache(ms, sub, l, prio, b) : bcache_bdev(ms, sub, l, b);
		}
	sysfs_dir_free(&d);
	return err;
}

/* The per-set state sysfs_each_set() passes through. */
struct bcache_walk {
	struct metric_set *ms;
	struct buf b;
	bool prio;
};

static int bcache_each(const char *dir, const char *name, void *arg)
{
	struct bcache_walk *w = arg;

	if (!pp_label_text(name, strlen(name)))
		return 0;
	return bcache_set(w->ms, dir, name, w->prio, &w->b);
}

static int bcache_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct bcache_walk w = { .ms = ms, .prio = collector_opt_bool(ctx, &bcache_options[0]) };
	int err;

	buf_init(&w.b);
	err = sysfs_each_set(ctx->sysfs, "fs/bcache", bcache_each, &w);
	buf_free(&w.b);
	return err;
}

const struct collector collector_bcache = {
	.name = "bcache",
	.help = "bcache cache set, backing and cache device statistics from /sys/fs/bcache",
	.default_enabled = true,
	.options = bcache_options,
	.collect = bcache_collect,
};
