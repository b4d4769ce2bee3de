/* entropy: <procfs>/sys/kernel/random/{entropy_avail,poolsize} →
 * node_entropy_available_bits, node_entropy_pool_size_bits, as node_exporter's
 * entropy collector exports them. Both files exist on every kernel since 2.6;
 * one missing is an error there and here.
 */
#include <errno.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

static int entropy_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	uint64_t avail, pool;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_u64(ctx, ctx->procfs, "sys/kernel/random/entropy_avail", &b, &avail);
	if (!err)
		err = pp_read_u64(ctx, ctx->procfs, "sys/kernel/random/poolsize", &b, &pool);
	if (err)
		goto out;
	ms_set(ms, "node_entropy_available_bits", METRIC_GAUGE, "Bits of available entropy.",
	       (double)avail);
	ms_set(ms, "node_entropy_pool_size_bits", METRIC_GAUGE, "Bits of entropy pool.",
	       (double)pool);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_entropy = {
	.name = "entropy",
	.help = "Available entropy and pool size from /proc/sys/kernel/random",
	.default_enabled = true,
	.collect = entropy_collect,
};
