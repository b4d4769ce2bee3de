/* tapestats: /sys/class/scsi_tape/stN/stats/ → node_tape_*{device}, as
 * node_exporter 1.12 (procfs SCSITapeClass()).
 *
 * Only the stN devices count: nstN, stNa and the other minors are the same
 * drive. A counter the kernel does not provide reads as 0, as there; one that
 * cannot be read or is not a number fails the collector (node_exporter
 * crashes on the latter). Times are nanoseconds in sysfs, seconds here.
 */
#include <errno.h>
#include <string.h>

#include "collector.h"
#include "sysfs.h"
#include "util.h"

static const struct {
	const char *file, *name;
	enum metric_type type;
	double scale;
	const char *help;
} tape_stats[] = {
	{ "in_flight", "node_tape_io_now", METRIC_GAUGE, 1,
	  "The number of I/Os currently outstanding to this device." },
	{ "io_ns", "node_tape_io_time_seconds_total", METRIC_COUNTER, 1e-9,
	  "The amount of time spent waiting for all I/O to complete (including read and write). This includes tape movement commands such as seeking between file or set marks and implicit tape movement such as when rewind on close tape devices are used." },
	{ "other_cnt", "node_tape_io_others_total", METRIC_COUNTER, 1,
	  "The number of I/Os issued to the tape drive other than read or write commands. The time taken to complete these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-write_time_seconds_total" },
	{ "read_byte_cnt", "node_tape_read_bytes_total", METRIC_COUNTER, 1,
	  "The number of bytes read from the tape drive." },
	{ "read_cnt", "node_tape_reads_completed_total", METRIC_COUNTER, 1,
	  "The number of read requests issued to the tape drive." },
	{ "read_ns", "node_tape_read_time_seconds_total", METRIC_COUNTER, 1e-9,
	  "The amount of time spent waiting for read requests to complete." },
	{ "resid_cnt", "node_tape_residual_total", METRIC_COUNTER, 1,
	  "The number of times during a read or write we found the residual amount to be non-zero. This should mean that a program is issuing a read larger thean the block size on tape. For write not all data made it to tape." },
	{ "write_byte_cnt", "node_tape_written_bytes_total", METRIC_COUNTER, 1,
	  "The number of bytes written to the tape drive." },
	{ "write_cnt", "node_tape_writes_completed_total", METRIC_COUNTER, 1,
	  "The number of write requests issued to the tape drive." },
	{ "write_ns", "node_tape_write_time_seconds_total", METRIC_COUNTER, 1e-9,
	  "The amount of time spent waiting for write requests to complete." },
};

#define NSTATS ARRAY_SIZE(tape_stats)

static const struct collector_option tape_options[] = {
	{ "collector.tapestats.ignored-devices", COPT_REGEX, "^$",
	  "Regexp of devices to ignore for tapestats." },
	{ 0 },
};

/* ^st[0-9]+$ */
static bool tape_device(const char *name)
{
	return !strncmp(name, "st", 2) && name[2] && strspn(name + 2, "0123456789") == strlen(name + 2);
}

static int tape_read(const char *sysfs, const char *dev, uint64_t *v, struct buf *b)
{
	char dir[4096];
	struct sysfs_dir d;
	int err = sysfs_path(dir, sizeof(dir), sysfs, "class/scsi_tape", dev);

	if (!err && strlen(dir) + sizeof("/stats") <= sizeof(dir))
		strcat(dir, "/stats");
	if (!err)
		err = sysfs_dir_read(&d, dir, NULL);
	if (err)
		return err;
	memset(v, 0, NSTATS * sizeof(*v));
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *f = sysfs_dir_name(&d, i);
		uint64_t x;
		size_t k;

		err = sysfs_read_u64(NULL, dir, f, b, &x);
		for (k = 0; !err && k < NSTATS && strcmp(tape_stats[k].file, f); k++)
			;
		if (!err && k < NSTATS)
			v[k] = x;
	}
	sysfs_dir_free(&d);
	return err;
}

static int tape_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	const struct dev_filter *ignored = ctx->state;
	struct sysfs_dir d;
	uint64_t v[NSTATS];
	struct buf b;
	int err;

	buf_init(&b);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/scsi_tape");
	if (err == -ENOENT)
		err = -ENODATA;
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *dev = sysfs_dir_name(&d, i);

		if (!tape_device(dev) || dev_filter_ignored(ignored, dev))
			continue;
		err = tape_read(ctx->sysfs, dev, v, &b);
		for (size_t k = 0; !err && k < NSTATS; k++)
			ms_add(ms, ms_family(ms, tape_stats[k].name, tape_stats[k].type,
					     tape_stats[k].help),
			       (double)v[k] * tape_stats[k].scale, "device", dev, NULL);
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	return err;
}

static int tape_init(struct collect_ctx *ctx)
{
	return dev_filter_state_init(ctx, &tape_options[0]);
}

const struct collector collector_tapestats = {
	.name = "tapestats",
	.help = "SCSI tape drive statistics from /sys/class/scsi_tape",
	.default_enabled = true,
	.options = tape_options,
	.init = tape_init,
	.collect = tape_collect,
	.fini = dev_filter_state_fini,
};
