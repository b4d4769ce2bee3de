/* kernel_hung: <procfs>/sys/kernel/hung_task_detect_count →
 * node_kernel_hung_tasks_total, as node_exporter's kernel_hung collector
 * exports it. The file exists with CONFIG_DETECT_HUNG_TASK on Linux 6.14 and
 * later; elsewhere -ENODATA.
 */
#include <errno.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

static int kernel_hung_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct buf b;
	uint64_t v;
	int err;

	buf_init(&b);
	err = pp_read_u64(ctx, ctx->procfs, "sys/kernel/hung_task_detect_count", &b, &v);
	buf_free(&b);
	if (err)
		return err == -ENOENT ? -ENODATA : err;
	ms_set(ms, "node_kernel_hung_tasks_total", METRIC_COUNTER,
	       "Total number of tasks that have been detected as hung since the system booted.",
	       (double)v);
	return ms_error(ms);
}

const struct collector collector_kernel_hung = {
	.name = "kernel_hung",
	.help = "Hung tasks detected since boot from /proc/sys/kernel/hung_task_detect_count",
	.default_enabled = true,
	.collect = kernel_hung_collect,
};
