/* conntrack: netfilter's connection table → node_nf_conntrack_entries,
 * _entries_limit (<procfs>/sys/net/netfilter/nf_conntrack_{count,max}) and
 * node_nf_conntrack_stat_* summed over CPUs (<procfs>/net/stat/nf_conntrack),
 * as node_exporter's conntrack collector exports them (all gauges there,
 * though most are counters: kept for dashboards that query them as they are).
 *
 * Without the nf_conntrack module none of the files exist: -ENODATA, quiet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* Columns of a per-CPU line (17 since Linux 4.10, 16 before: no
 * search_restart), each a hex number. */
#define CT_MIN_COLS 16
#define CT_MAX_COLS 17

static const struct ct_stat {
	unsigned col;
	const char *name, *help;
} ct_stats[] = {
	{ 2, "node_nf_conntrack_stat_found", "Number of searched entries which were successful." },
	{ 4, "node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked." },
	{ 5, "node_nf_conntrack_stat_ignore",
	  "Number of packets seen which are already connected to a conntrack entry." },
	{ 8, "node_nf_conntrack_stat_insert", "Number of entries inserted into the list." },
	{ 9, "node_nf_conntrack_stat_insert_failed",
	  "Number of entries for which list insertion was attempted but failed." },
	{ 10, "node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure." },
	{ 11, "node_nf_conntrack_stat_early_drop",
	  "Number of dropped conntrack entries to make room for new ones, if maximum table size "
	  "was reached." },
	{ 16, "node_nf_conntrack_stat_search_restart",
	  "Number of conntrack table lookups which had to be restarted due to hashtable resizes." },
};

static int conntrack_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	uint64_t count, max, sum[ARRAY_SIZE(ct_stats)] = { 0 };
	struct buf b;
	char *cur, *line;
	int err;

	buf_init(&b);
	err = pp_read_u64(ctx, ctx->procfs, "sys/net/netfilter/nf_conntrack_count", &b, &count);
	if (!err)
		err = pp_read_u64(ctx, ctx->procfs, "sys/net/netfilter/nf_conntrack_max", &b, &max);
	if (!err)
		err = pp_read_text(ctx, ctx->procfs, "net/stat/nf_conntrack", &b);
	if (err)
		goto out;
	cur = b.data;
	next_line(&cur); /* the column names */
	while ((line = next_line(&cur))) {
		uint64_t v[CT_MAX_COLS];
		const char *p = pp_skip_blanks(line);
		unsigned n = 0;

		while (*p && n < CT_MAX_COLS) {
			p = pp_x64(p, &v[n]);
			if (!p || !(pp_blank(*p) || !*p))
				break;
			n++;
			p = pp_skip_blanks(p);
		}
		if (!p || *p || n < CT_MIN_COLS) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "net/stat/nf_conntrack: a line is not %d or %d hex numbers",
				 CT_MIN_COLS, CT_MAX_COLS);
			err = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < ARRAY_SIZE(ct_stats); i++)
			if (ct_stats[i].col < n)
				sum[i] += v[ct_stats[i].col];
	}
	ms_set(ms, "node_nf_conntrack_entries", METRIC_GAUGE,
	       "Number of currently allocated flow entries for connection tracking.",
	       (double)count);
	ms_set(ms, "node_nf_conntrack_entries_limit", METRIC_GAUGE,
	       "Maximum size of connection tracking table.", (double)max);
	for (size_t i = 0; i < ARRAY_SIZE(ct_stats); i++)
		ms_set(ms, ct_stats[i].name, METRIC_GAUGE, ct_stats[i].help, (double)sum[i]);
	err = ms_error(ms);
out:
	buf_free(&b);
	/* The module is not loaded: node_exporter's ErrNoData. */
	return err == -ENOENT ? -ENODATA : err;
}

const struct collector collector_conntrack = {
	.name = "conntrack",
	.help = "Connection tracking table size and statistics from /proc (nf_conntrack)",
	.default_enabled = true,
	.collect = conntrack_collect,
};
