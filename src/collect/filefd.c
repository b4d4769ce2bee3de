/* filefd: /proc/sys/fs/file-nr → node_filefd_allocated and
 * node_filefd_maximum, node_exporter 1.5's file handle gauges; alert on
 * allocated approaching maximum before open() starts failing with ENFILE.
 *
 * The file holds three numbers: handles allocated, allocated but unused
 * (always 0 since Linux 2.6, so not exported, as in node_exporter), and the
 * fs.file-max limit.
 */
#include <errno.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

static int filefd_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	uint64_t v[3];
	const char *p;
	struct buf b;
	int err;

	buf_init(&b);
	err = collect_read(ctx, ctx->procfs, "sys/fs/file-nr", &b);
	if (!err)
		err = pp_one_line(&b);
	if (err)
		goto out;
	p = b.data;
	for (size_t i = 0; i < 3 && p; i++)
		p = pp_u64_field(pp_skip_blanks(p), &v[i]);
	if (!p || *pp_skip_blanks(p)) {
		err = -EINVAL;
		goto out;
	}
	ms_set(ms, "node_filefd_allocated", METRIC_GAUGE, "File descriptor statistics: allocated.",
	       (double)v[0]);
	ms_set(ms, "node_filefd_maximum", METRIC_GAUGE, "File descriptor statistics: maximum.",
	       (double)v[2]);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_filefd = {
	.name = "filefd",
	.help = "Allocated and maximum file handles from /proc/sys/fs/file-nr",
	.default_enabled = true,
	.collect = filefd_collect,
};
