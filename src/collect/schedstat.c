/* schedstat: <procfs>/schedstat → node_schedstat_{running,waiting}_seconds_total
 * and node_schedstat_timeslices_total per CPU, as node_exporter's schedstat
 * collector exports them.
 *
 * Of a "cpuN" line the last three of its nine numbers are the run queue's
 * time running tasks, their time waiting on it (both ns) and the timeslices
 * run (Documentation/scheduler/sched-stats.rst, version 15 and later keep
 * that order). "version", "timestamp" and "domainN" lines are not per-CPU
 * totals and are skipped. Without CONFIG_SCHEDSTATS the file is missing:
 * -ENODATA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

#define SS_NUMS 9
#define SS_NS_PER_SEC 1e9

static int schedstat_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *run = NULL, *wait = NULL, *slices = NULL;
	uint64_t lineno = 0;
	struct buf b;
	char *cur, *line;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "schedstat", &b);
	if (err)
		goto out;
	cur = b.data;
	while ((line = next_line(&cur))) {
		uint64_t v[SS_NUMS], cpu;
		const char *p;
		char id[24];

		lineno++;
		if (strncmp(line, "cpu", 3) != 0)
			continue;
		p = pp_u64(line + 3, &cpu);
		for (size_t i = 0; p && i < SS_NUMS; i++) {
			if (!pp_blank(*p)) {
				p = NULL;
				break;
			}
			p = pp_u64_field(pp_skip_blanks(p), &v[i]);
		}
		if (!p || *pp_skip_blanks(p)) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "schedstat line %llu: not \"cpuN\" and %d numbers",
				 (unsigned long long)lineno, SS_NUMS);
			err = -EINVAL;
			goto out;
		}
		if (!run) {
			run = ms_family(ms, "node_schedstat_running_seconds_total", METRIC_COUNTER,
					"Number of seconds CPU spent running a process.");
			wait = ms_family(ms, "node_schedstat_waiting_seconds_total", METRIC_COUNTER,
					 "Number of seconds spent by processing waiting for this CPU.");
			slices = ms_family(ms, "node_schedstat_timeslices_total", METRIC_COUNTER,
					   "Number of timeslices executed by CPU.");
		}
		pp_fmt_u64(id, cpu);
		ms_add(ms, run, (double)v[6] / SS_NS_PER_SEC, "cpu", id, NULL);
		ms_add(ms, wait, (double)v[7] / SS_NS_PER_SEC, "cpu", id, NULL);
		ms_add(ms, slices, (double)v[8], "cpu", id, NULL);
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	return err == -ENOENT ? -ENODATA : err;
}

const struct collector collector_schedstat = {
	.name = "schedstat",
	.help = "Per-CPU run and wait time from /proc/schedstat",
	.default_enabled = true,
	.collect = schedstat_collect,
};
