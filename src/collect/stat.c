/* stat: the system-wide counters of /proc/stat → node_boot_time_seconds,
 * node_context_switches_total, node_forks_total, node_intr_total,
 * node_procs_blocked and node_procs_running, as node_exporter's stat
 * collector names them, and with --collector.stat.softirq (off by default, as
 * there) node_softirqs_total{vector} from the "softirq" line.
 *
 * The cpu collector reads the same file for its per-CPU lines; each keeps to
 * its own lines so either can be turned off alone. Of the "intr" line, which
 * holds one count per interrupt number and runs to thousands of fields on big
 * hosts, only the leading total is read.
 */
#include <errno.h>
#include <stdbool.h>

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
enum { STAT_INTR, STAT_CTXT, STAT_PROCESSES, STAT_BTIME, STAT_PROCS_RUNNING, STAT_PROCS_BLOCKED };

static const struct stat_field fields[] = {
	[STAT_INTR] = { KEY("intr"), "node_intr_total", METRIC_COUNTER,
			"Total number of interrupts serviced." },
	[STAT_CTXT] = { KEY("ctxt"), "node_context_switches_total", METRIC_COUNTER,
			"Total number of context switches." },
	[STAT_PROCESSES] = { KEY("processes"), "node_forks_total", METRIC_COUNTER,
			     "Total number of forks." },
	[STAT_BTIME] = { KEY("btime"), "node_boot_time_seconds", METRIC_GAUGE,
			 "Node boot time, in unixtime." },
	[STAT_PROCS_RUNNING] = { KEY("procs_running"), "node_procs_running", METRIC_GAUGE,
				 "Number of processes in runnable state." },
	[STAT_PROCS_BLOCKED] = { KEY("procs_blocked"), "node_procs_blocked", METRIC_GAUGE,
				 "Number of processes blocked waiting for I/O to complete." },
};

#define NFIELDS ARRAY_SIZE(fields)

static const struct collector_option stat_options[] = {
	{ "collector.stat.softirq", COPT_BOOL, "false", "Export softirq calls per vector" },
	{ 0 },
};

/* The softirq line's columns after its total, in the kernel's order
 * (softirq_to_name[] in kernel/softirq.c). */
static const char *const softirq_vectors[] = { "hi",    "timer",   "net_tx",  "net_rx",
					       "block", "block_iopoll", "tasklet", "sched",
					       "hrtimer", "rcu" };

#define NVECTORS ARRAY_SIZE(softirq_vectors)

/* "softirq TOTAL HI TIMER ...": the ten vectors into si. Newer kernels may
 * add columns; like procfs, only the first ten are read. */
static int parse_softirq(const char *line, uint64_t *si)
{
	const char *p = pp_skip_blanks(line + sizeof("softirq") - 1);
	uint64_t total;

	p = pp_u64_field(p, &total);
	for (size_t i = 0; p && i < NVECTORS; i++)
		p = pp_u64_field(pp_skip_blanks(p), &si[i]);
	return p ? 0 : -EINVAL;
}

/* si (NULL: not wanted) gets the softirq vectors; *have_si says whether the
 * file had them (kernels before 2.6.31 do not). */
static int parse(char *text, uint64_t *v, uint64_t *si, bool *have_si)
{
	unsigned seen = 0;
	char *cursor = text, *line;

	while ((line = next_line(&cursor))) {
		size_t i;

		/* cpuN lines are most of the file and never ours. */
		if (line[0] == 'c' && line[1] == 'p')
			continue;
		if (si && pp_word(line, "softirq", sizeof("softirq") - 1)) {
			if (*have_si || parse_softirq(line, si))
				return -EINVAL;
			*have_si = true;
			continue;
		}
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
	bool want_si = collector_opt_bool(ctx, &stat_options[0]), have_si = false;
	uint64_t v[NFIELDS], si[NVECTORS];
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "stat", &b);
	if (!err)
		err = parse(b.data, v, want_si ? si : NULL, &have_si);
	if (err)
		goto out;
	for (size_t i = 0; i < NFIELDS; i++)
		ms_set(ms, fields[i].name, fields[i].type, fields[i].help, (double)v[i]);
	summary_set(ctx->summary, SUMMARY_BOOT_TIME_SECONDS, (double)v[STAT_BTIME]);
	for (size_t i = 0; have_si && i < NVECTORS; i++)
		ms_add(ms, ms_family(ms, "node_softirqs_total", METRIC_COUNTER,
				     "Number of softirq calls."),
		       (double)si[i], "vector", softirq_vectors[i], NULL);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_stat = {
	.name = "stat",
	.help = "Boot time, context switches, forks, interrupts and runnable tasks from /proc/stat",
	.default_enabled = true,
	.options = stat_options,
	.collect = stat_collect,
};
