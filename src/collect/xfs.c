/* xfs: /sys/fs/xfs/<dev>/stats/stats → node_xfs_* per filesystem, as
 * node_exporter 1.12 (procfs's xfs.ParseStats()).
 *
 * The stats file is one line per group: a label and its counters. procfs
 * checks every line, not only the groups node_exporter exports: each value
 * must be a 32-bit counter (64-bit in xpc, defer_relog and "gc xpc"), and a
 * group it knows must have its count of values, so a kernel that changes one
 * fails the collector there and here alike. No XFS filesystem mounted is
 * -ENODATA (node_exporter exports nothing and calls it success).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

/* Counters of one exported group, in the order the kernel prints them. */
struct xfs_metric {
	const char *name, *help;
};

/* A group procfs knows: its label, the number of values it accepts
 * (min..max), whether they are 64-bit, and the series node_exporter
 * makes of its first values (NULL-named past the exported ones). */
struct xfs_group {
	const char *label;
	size_t min, max;
	bool wide;
	const struct xfs_metric *metrics;
	size_t nmetrics;
};

#define XFS_BTREE(prefix, what)                                                                    \
	{ { "node_xfs_" prefix "_lookups_total", "Number of " what " lookups for a filesystem." },  \
	  { "node_xfs_" prefix "_compares_total", "Number of " what " compares for a filesystem." }, \
	  { "node_xfs_" prefix "_records_inserted_total",                                          \
	    "Number of " what " records inserted for a filesystem." },                            \
	  { "node_xfs_" prefix "_records_deleted_total",                                           \
	    "Number of " what " records deleted for a filesystem." } }

static const struct xfs_metric xfs_extent_alloc[] = {
	{ "node_xfs_extent_allocation_extents_allocated_total",
	  "Number of extents allocated for a filesystem." },
	{ "node_xfs_extent_allocation_blocks_allocated_total",
	  "Number of blocks allocated for a filesystem." },
	{ "node_xfs_extent_allocation_extents_freed_total",
	  "Number of extents freed for a filesystem." },
	{ "node_xfs_extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem." },
};

static const struct xfs_metric xfs_abt[] = XFS_BTREE("allocation_btree", "allocation B-tree");
static const struct xfs_metric xfs_bmbt[] = XFS_BTREE("block_map_btree", "block map B-tree");

static const struct xfs_metric xfs_blk_map[] = {
	{ "node_xfs_block_mapping_reads_total",
	  "Number of block map for read operations for a filesystem." },
	{ "node_xfs_block_mapping_writes_total",
	  "Number of block map for write operations for a filesystem." },
	{ "node_xfs_block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem." },
	{ "node_xfs_block_mapping_extent_list_insertions_total",
	  "Number of extent list insertions for a filesystem." },
	{ "node_xfs_block_mapping_extent_list_deletions_total",
	  "Number of extent list deletions for a filesystem." },
	{ "node_xfs_block_mapping_extent_list_lookups_total",
	  "Number of extent list lookups for a filesystem." },
	{ "node_xfs_block_mapping_extent_list_compares_total",
	  "Number of extent list compares for a filesystem." },
};

static const struct xfs_metric xfs_dir[] = {
	{ "node_xfs_directory_operation_lookup_total",
	  "Number of file name directory lookups which miss the operating systems directory name lookup cache." },
	{ "node_xfs_directory_operation_create_total",
	  "Number of times a new directory entry was created for a filesystem." },
	{ "node_xfs_directory_operation_remove_total",
	  "Number of times an existing directory entry was created for a filesystem." },
	{ "node_xfs_directory_operation_getdents_total",
	  "Number of times the directory getdents operation was performed for a filesystem." },
};

static const struct xfs_metric xfs_ig[] = {
	{ "node_xfs_inode_operation_attempts_total",
	  "Number of times the OS looked for an XFS inode in the inode cache." },
	{ "node_xfs_inode_operation_found_total",
	  "Number of times the OS looked for and found an XFS inode in the inode cache." },
	{ "node_xfs_inode_operation_recycled_total",
	  "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled." },
	{ "node_xfs_inode_operation_missed_total",
	  "Number of times the OS looked for an XFS inode in the cache, but did not find it." },
	{ "node_xfs_inode_operation_duplicates_total",
	  "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already been added by another process." },
	{ "node_xfs_inode_operation_reclaims_total",
	  "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose." },
	{ "node_xfs_inode_operation_attribute_changes_total",
	  "Number of times the OS explicitly changed the attributes of an XFS inode." },
};

static const struct xfs_metric xfs_rw[] = {
	{ "node_xfs_write_calls_total", "Number of write(2) system calls made to files in a filesystem." },
	{ "node_xfs_read_calls_total", "Number of read(2) system calls made to files in a filesystem." },
};

/* The eighth counter, free, is not exported. */
static const struct xfs_metric xfs_vnodes[] = {
	{ "node_xfs_vnode_active_total", "Number of vnodes not on free lists for a filesystem." },
	{ "node_xfs_vnode_allocate_total", "Number of times vn_alloc called for a filesystem." },
	{ "node_xfs_vnode_get_total", "Number of times vn_get called for a filesystem." },
	{ "node_xfs_vnode_hold_total", "Number of times vn_hold called for a filesystem." },
	{ "node_xfs_vnode_release_total", "Number of times vn_rele called for a filesystem." },
	{ "node_xfs_vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem." },
	{ "node_xfs_vnode_remove_total", "Number of times vn_remove called for a filesystem." },
};

#define XFS_EXPORT(m) m, ARRAY_SIZE(m)
#define XFS_ANY SIZE_MAX

static const struct xfs_group xfs_groups[] = {
	{ "extent_alloc", 4, 4, false, XFS_EXPORT(xfs_extent_alloc) },
	{ "abt", 4, 4, false, XFS_EXPORT(xfs_abt) },
	{ "blk_map", 7, 7, false, XFS_EXPORT(xfs_blk_map) },
	{ "bmbt", 4, 4, false, XFS_EXPORT(xfs_bmbt) },
	{ "dir", 4, 4, false, XFS_EXPORT(xfs_dir) },
	{ "trans", 3, 3, false, NULL, 0 },
	{ "ig", 7, 7, false, XFS_EXPORT(xfs_ig) },
	{ "log", 5, 5, false, NULL, 0 },
	{ "push_ail", 10, 10, false, NULL, 0 },
	{ "xstrat", 2, 2, false, NULL, 0 },
	{ "rw", 2, 2, false, XFS_EXPORT(xfs_rw) },
	{ "attr", 4, 4, false, NULL, 0 },
	{ "icluster", 3, 3, false, NULL, 0 },
	{ "vnodes", 7, 8, false, XFS_EXPORT(xfs_vnodes) },
	{ "buf", 9, 9, false, NULL, 0 },
	{ "xpc", 3, 3, true, NULL, 0 },
	{ "abtb2", 15, 15, false, NULL, 0 },
	{ "abtc2", 15, 15, false, NULL, 0 },
	{ "bmbt2", 15, 15, false, NULL, 0 },
	{ "ibt2", 15, 15, false, NULL, 0 },
	{ "fibt2", 15, 15, false, NULL, 0 },
	{ "rmapbt", 15, 15, false, NULL, 0 },
	{ "refcntbt", 15, 15, false, NULL, 0 },
	{ "rmapbt_mem", 15, 15, false, NULL, 0 },
	{ "rcbagbt", 15, 15, false, NULL, 0 },
	{ "rtrmapbt", 15, 15, false, NULL, 0 },
	{ "rtrmapbt_mem", 15, 15, false, NULL, 0 },
	{ "rtrefcntbt", 15, 15, false, NULL, 0 },
	{ "qm", 8, 9, false, NULL, 0 },
	{ "debug", 1, 1, false, NULL, 0 },
	{ "zoned", 3, XFS_ANY, false, NULL, 0 },
	{ "metafile", 1, XFS_ANY, false, NULL, 0 },
	{ "defer_relog", 1, 1, true, NULL, 0 },
};

/* The widest exported group. */
#define XFS_MAX_EXPORTED 7

static const struct xfs_group *xfs_group_find(const char *label, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(xfs_groups); i++)
		if (strlen(xfs_groups[i].label) == len && !memcmp(xfs_groups[i].label, label, len))
			return &xfs_groups[i];
	return NULL;
}

/* The counters of one line after its label: every one a whole number that
 * fits the group's width, their count within the group's bounds. The first
 * XFS_MAX_EXPORTED go to v. */
static int xfs_values(const char *p, const struct xfs_group *g, uint64_t *v)
{
	uint64_t max = g && g->wide ? UINT64_MAX : UINT32_MAX, x;
	size_t n = 0;

	for (p = pp_skip_blanks(p); *p && *p != '\n'; p = pp_skip_blanks(p)) {
		p = pp_u64_field(p, &x);
		if (!p || x > max)
			return -EINVAL;
		if (n < XFS_MAX_EXPORTED)
			v[n] = x;
		n++;
	}
	if (g && (n < g->min || n > g->max))
		return -EINVAL;
	return 0;
}

/* One stats file, checked whole before any of its series is added. */
static int xfs_parse(struct metric_set *ms, char *text, const char *dev)
{
	static const struct xfs_group gc_xpc = { "gc xpc", 1, 1, true, NULL, 0 };
	uint64_t v[ARRAY_SIZE(xfs_groups)][XFS_MAX_EXPORTED] = { { 0 } };
	bool seen[ARRAY_SIZE(xfs_groups)] = { false };
	struct label l = { "device", dev };

	for (char *line = text, *nl; *line; line = nl + 1) {
		const char *p = pp_skip_blanks(line), *label = p;
		const struct xfs_group *g;
		uint64_t scratch[XFS_MAX_EXPORTED];
		size_t len;
		int err;

		nl = strchr(line, '\n');
		*nl = '\0';
		while (*p && !pp_blank(*p))
			p++;
		len = (size_t)(p - label);
		/* A label alone (or nothing) is not a group. */
		if (!*pp_skip_blanks(p))
			continue;
		g = xfs_group_find(label, len);
		if (len == 2 && !memcmp(label, "gc", 2)) {
			const char *q = pp_skip_blanks(p);

			if (!strncmp(q, "xpc", 3) && (pp_blank(q[3]) || !q[3])) {
				q += 3;
				if (*pp_skip_blanks(q))
					g = &gc_xpc, p = q;
			}
		}
		err = xfs_values(p, g, g && g->nmetrics ? v[g - xfs_groups] : scratch);
		if (err)
			return err;
		if (g && g != &gc_xpc)
			seen[g - xfs_groups] = true;
	}
	/* A group the file lacks reads 0, as procfs's zero structs do. */
	for (size_t i = 0; i < ARRAY_SIZE(xfs_groups); i++) {
		const struct xfs_group *g = &xfs_groups[i];

		for (size_t k = 0; k < g->nmetrics; k++)
			ms_add_labels(ms, ms_family(ms, g->metrics[k].name, METRIC_COUNTER,
						    g->metrics[k].help),
				      seen[i] ? (double)v[i][k] : 0, &l, 1);
	}
	return 0;
}

static int xfs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir d;
	struct buf b;
	size_t found = 0;
	int err = sysfs_dir_read(&d, ctx->sysfs, "fs/xfs");

	buf_init(&b);
	if (err == -ENOENT)
		err = 0;
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *dev = sysfs_dir_name(&d, i);
		char rel[512];

		if (snprintf(rel, sizeof(rel), "fs/xfs/%s/stats/stats", dev) >= (int)sizeof(rel))
			continue;
		err = pp_read_text(ctx, ctx->sysfs, rel, &b);
		if (err == -ENOENT || err == -ENOTDIR) {
			err = 0; /* not a filesystem's directory (the global stats/) */
			continue;
		}
		if (!err && !pp_label_text(dev, strlen(dev)))
			err = -EINVAL;
		if (!err)
			err = xfs_parse(ms, b.data, dev);
		found++;
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	return err ? err : found ? 0 : -ENODATA;
}

const struct collector collector_xfs = {
	.name = "xfs",
	.help = "XFS runtime statistics from /sys/fs/xfs/<dev>/stats/stats",
	.default_enabled = true,
	.collect = xfs_collect,
};
