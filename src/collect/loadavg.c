/* loadavg: /proc/loadavg → node_load1, node_load5, node_load15.
 *
 * The model for every /proc collector: read the whole file once through
 * collect_read() under ctx->procfs, parse strictly, fill the metric set, and
 * return -errno on anything unexpected so the runner drops the set.
 */
#include <errno.h>

#include "collector.h"
#include "util.h"

static int loadavg_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	static const char *const names[] = { "node_load1", "node_load5", "node_load15" };
	static const char *const helps[] = { "1m load average.", "5m load average.",
					     "15m load average." };
	struct buf b;
	char *fields[3];
	double v[3];
	int err;

	buf_init(&b);
	err = collect_read(ctx, ctx->procfs, "loadavg", &b);
	if (err)
		goto out;
	if (split_fields(b.data, fields, 3) != 3) {
		err = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		err = parse_double(fields[i], &v[i]);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		ms_set(ms, names[i], METRIC_GAUGE, helps[i], v[i]);
		summary_set(ctx->summary, SUMMARY_LOAD1 + i, v[i]);
	}
out:
	buf_free(&b);
	return err;
}

const struct collector collector_loadavg = {
	.name = "loadavg",
	.help = "Load averages from /proc/loadavg",
	.default_enabled = true,
	.collect = loadavg_collect,
};
