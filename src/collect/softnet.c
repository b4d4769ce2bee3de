/* softnet: <procfs>/net/softnet_stat → node_softnet_*{cpu}, one line per
 * online CPU, as node_exporter's softnet collector exports it.
 *
 * Columns are hex, and the kernel only ever appends: 9 up to 2.6.x (processed,
 * dropped, time_squeeze, five zeros, cpu_collision), received_rps (10),
 * flow_limit_count (11), then backlog length and the CPU's own index (13,
 * since 5.10). Older kernels leave the index out, so the line number stands
 * in for it, which is wrong only when a CPU is offline: procfs does the same.
 */
#include <errno.h>
#include <stdio.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

#define SN_MIN_COLS 9
/* The kernel prints 15 today; more are read and ignored. */
#define SN_MAX_COLS 32

enum { SN_PROCESSED, SN_DROPPED, SN_SQUEEZED, SN_COLLISION, SN_RPS, SN_FLOW_LIMIT, SN_BACKLOG,
       SN_NFAMS };
static const struct sn_fam {
	unsigned col; /* the column it comes from; absent on lines with fewer */
	const char *name, *help;
	enum metric_type type;
} sn_fams[SN_NFAMS] = {
	[SN_PROCESSED] = { 0, "node_softnet_processed_total", "Number of processed packets",
			   METRIC_COUNTER },
	[SN_DROPPED] = { 1, "node_softnet_dropped_total", "Number of dropped packets",
			 METRIC_COUNTER },
	[SN_SQUEEZED] = { 2, "node_softnet_times_squeezed_total",
			  "Number of times processing packets ran out of quota", METRIC_COUNTER },
	[SN_COLLISION] = { 8, "node_softnet_cpu_collision_total",
			   "Number of collision occur while obtaining device lock while transmitting",
			   METRIC_COUNTER },
	[SN_RPS] = { 9, "node_softnet_received_rps_total", "Number of times cpu woken up received_rps",
		     METRIC_COUNTER },
	[SN_FLOW_LIMIT] = { 10, "node_softnet_flow_limit_count_total",
			    "Number of times flow limit has been reached", METRIC_COUNTER },
	[SN_BACKLOG] = { 11, "node_softnet_backlog_len", "Softnet backlog status", METRIC_GAUGE },
};
#define SN_INDEX_COL 12

static int softnet_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *fam[SN_NFAMS];
	uint64_t lineno = 0, next_cpu = 0;
	struct buf b;
	char *cur, *line;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "net/softnet_stat", &b);
	if (err)
		goto out;
	for (size_t i = 0; i < SN_NFAMS; i++)
		fam[i] = ms_family(ms, sn_fams[i].name, sn_fams[i].type, sn_fams[i].help);
	cur = b.data;
	for (; (line = next_line(&cur)); lineno++) {
		uint64_t v[SN_MAX_COLS] = { 0 };
		const char *p = pp_skip_blanks(line);
		unsigned n = 0;
		uint64_t idx;
		char cpu[24];

		for (; *p; n++) {
			uint64_t x;

			p = pp_x64(p, &x);
			if (!p || !(pp_blank(*p) || !*p) || x > UINT32_MAX) {
				snprintf(ctx->detail, sizeof(ctx->detail),
					 "net/softnet_stat line %llu: column %u is not a 32-bit hex "
					 "number", (unsigned long long)lineno + 1, n + 1);
				err = -EINVAL;
				goto out;
			}
			if (n < SN_MAX_COLS)
				v[n] = x;
			p = pp_skip_blanks(p);
		}
		if (n < SN_MIN_COLS) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "net/softnet_stat line %llu: %u columns, want at least %d",
				 (unsigned long long)lineno + 1, n, SN_MIN_COLS);
			err = -EINVAL;
			goto out;
		}
		idx = n > SN_INDEX_COL ? v[SN_INDEX_COL] : lineno;
		/* The kernel prints CPUs in rising order; a repeat would give two
		 * series one set of labels. */
		if (idx < next_cpu) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "net/softnet_stat line %llu: CPU %llu out of order",
				 (unsigned long long)lineno + 1, (unsigned long long)idx);
			err = -EINVAL;
			goto out;
		}
		next_cpu = idx + 1;
		pp_fmt_u64(cpu, idx);
		for (size_t i = 0; i < SN_NFAMS; i++) {
			/* procfs reads backlog and index as a pair: backlog needs 13. */
			unsigned need = i == SN_BACKLOG ? SN_INDEX_COL : sn_fams[i].col;

			ms_add(ms, fam[i], n > need ? (double)v[sn_fams[i].col] : 0, "cpu", cpu,
			       NULL);
		}
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_softnet = {
	.name = "softnet",
	.help = "Per-CPU packet processing statistics from /proc/net/softnet_stat",
	.default_enabled = true,
	.collect = softnet_collect,
};
