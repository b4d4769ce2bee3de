/* stat: the system-wide counters of /proc/stat → node_boot_time_seconds,
 * node_context_switches_total, node_forks_total, node_intr_total,
 * node_procs_blocked and node_procs_running, as node_exporter 1.5's stat
 * collector names them (its optional softirq breakdown is off by default and
 * not provided).
 *
 * The cpu collector reads the same file for its per-CPU lines; each keeps to
 * its own lines so either can be turned off alone. Of the "intr" line, which
 * holds one count per interrupt number and runs to thousands of fields on big
 * hosts, only the leading total is read.
 */
#include <errno.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

struct stat_field {
	const char *key;
	size_t keylen;
	const char *name;
	enum metric_type type;
	const char *help;
};

#define KEY(k) k, sizeof(k) - 1

/* Emitted in this order. Every kernel since 2.6 writes all six lines, so a
 * missing one means a damaged file rather than an old kernel. */
static const struct stat_field fields[] = {
	{ KEY("intr"), "node_intr_total", METRIC_COUNTER,
	  "Total number of interrupts serviced." },
	{ KEY("ctxt"), "node_context_switches_total", METRIC_COUNTER,
	  "Total number of context switches." },
	{ KEY("processes"), "node_forks_total", METRIC_COUNTER, "Total number of forks." },
	{ KEY("btime"), "node_boot_time_seconds", METRIC_GAUGE, "Node boot time, in unixtime." },
	{ KEY("procs_running"), "node_procs_running", METRIC_GAUGE,
	  "Number of processes in runnable state." },
	{ KEY("procs_blocked"), "node_procs_blocked", METRIC_GAUGE,
	  "Number of processes blocked waiting for I/O to complete." },
};

#define NFIELDS ARRAY_SIZE(fields)

static int parse(char *text, uint64_t *v)
{
	unsigned seen = 0;
	char *cursor = text, *line;

	while ((line = next_line(&cursor))) {
		size_t i;

		/* cpuN lines are most of the file and never ours. */
		if (line[0] == 'c' && line[1] == 'p')
			continue;
		for (i = 0; i < NFIELDS; i++)
			if (pp_word(line, fields[i].key, fields[i].keylen))
				break;
		if (i == NFIELDS)
			continue;
		if (seen & (1u << i))
			return -EINVAL;
		const char *p = pp_skip_blanks(line + fields[i].keylen);

		/* intr's total is followed by per-IRQ counts; the rest end here. */
		p = pp_u64_field(p, &v[i]);
		if (!p || (i != 0 && *pp_skip_blanks(p)))
			return -EINVAL;
		seen |= 1u << i;
	}
	return seen == (1u << NFIELDS) - 1 ? 0 : -EINVAL;
}

static int stat_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	uint64_t v[NFIELDS];
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx->procfs, "stat", &b);
	if (!err)
		err = parse(b.data, v);
	if (err)
		goto out;
	for (size_t i = 0; i < NFIELDS; i++)
		ms_set(ms, fields[i].name, fields[i].type, fields[i].help, (double)v[i]);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_stat = {
	.name = "stat",
	.help = "Boot time, context switches, forks, interrupts and runnable tasks from /proc/stat",
	.default_enabled = true,
	.collect = stat_collect,
};
