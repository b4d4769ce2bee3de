/* pressure: pressure stall information from /proc/pressure/{cpu,io,memory} →
 * node_pressure_*_{waiting,stalled}_seconds_total, as node_exporter 1.5
 * exports them.
 *
 * Each file has a "some" line (time at least one task stalled) and, for io
 * and memory, a "full" line (time all non-idle tasks stalled at once); only
 * the running totals are exported, since Prometheus derives rates better
 * than the kernel's fixed avg10/60/300 windows. node_exporter 1.5 exports
 * neither cpu's "full" line (kernels 5.13+) nor /proc/pressure/irq (6.1+),
 * so neither do we, which keeps dashboards built on it consistent.
 *
 * A kernel without PSI has no /proc/pressure, and one booted with psi=0 has
 * the files but refuses to read them (EOPNOTSUPP): both are the quiet
 * -ENODATA, not a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

/* The kernel keeps PSI totals in microseconds. */
#define USEC_PER_SEC 1e6

struct psi_metric {
	const char *name;
	const char *help;
};

struct psi_resource {
	const char *file;
	struct psi_metric some, full;   /* name NULL: not exported */
};

static const struct psi_resource resources[] = {
	{ "pressure/cpu",
	  { "node_pressure_cpu_waiting_seconds_total",
	    "Total time in seconds that processes have waited for CPU time" },
	  { NULL, NULL } },
	{ "pressure/io",
	  { "node_pressure_io_waiting_seconds_total",
	    "Total time in seconds that processes have waited due to IO congestion" },
	  { "node_pressure_io_stalled_seconds_total",
	    "Total time in seconds no process could make progress due to IO congestion" } },
	{ "pressure/memory",
	  { "node_pressure_memory_waiting_seconds_total",
	    "Total time in seconds that processes have waited for memory" },
	  { "node_pressure_memory_stalled_seconds_total",
	    "Total time in seconds no process could make progress due to memory congestion" } },
};

#define NRES ARRAY_SIZE(resources)

struct psi_totals {
	uint64_t some, full;
	bool has_some, has_full;
};

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=123": the total, which must be
 * there; the averages are skipped but must look like key=value. */
static int parse_total(const char *p, uint64_t *total)
{
	bool found = false;

	for (p = pp_skip_blanks(p); *p; p = pp_skip_blanks(p)) {
		const char *eq = p;

		while (*eq && *eq != '=' && !pp_blank(*eq))
			eq++;
		if (*eq != '=' || eq == p)
			return -EINVAL;
		if (eq - p == 5 && !strncmp(p, "total", 5)) {
			if (found)
				return -EINVAL;
			p = pp_u64_field(eq + 1, total);
			if (!p)
				return -EINVAL;
			found = true;
			continue;
		}
		for (p = eq + 1; *p && !pp_blank(*p); p++)
			;
	}
	return found ? 0 : -EINVAL;
}

static int parse_file(char *text, struct psi_totals *t)
{
	char *cursor = text, *line;

	while ((line = next_line(&cursor))) {
		bool some = pp_word(line, "some", 4);
		int err;

		if (!some && !pp_word(line, "full", 4))
			return -EINVAL;
		if (some ? t->has_some : t->has_full)
			return -EINVAL;
		err = parse_total(line + 4, some ? &t->some : &t->full);
		if (err)
			return err;
		*(some ? &t->has_some : &t->has_full) = true;
	}
	return 0;
}

static int pressure_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct psi_totals t[NRES] = { 0 };
	struct buf b;
	int err = 0;

	buf_init(&b);
	for (size_t i = 0; i < NRES; i++) {
		err = pp_read_text(ctx, ctx->procfs, resources[i].file, &b);
		if (err == -ENOENT || err == -EOPNOTSUPP) {
			snprintf(ctx->detail, sizeof(ctx->detail), "%s",
				 err == -ENOENT ? "no PSI in this kernel (4.20+, CONFIG_PSI)"
						: "PSI disabled, boot with psi=1");
			err = -ENODATA;
		}
		if (!err)
			err = parse_file(b.data, &t[i]);
		/* Every line that is exported must be there. */
		if (!err && (!t[i].has_some || (resources[i].full.name && !t[i].has_full)))
			err = -EINVAL;
		if (err)
			goto out;
	}
	for (size_t i = 0; i < NRES; i++) {
		const struct psi_resource *r = &resources[i];

		ms_set(ms, r->some.name, METRIC_COUNTER, r->some.help,
		       (double)t[i].some / USEC_PER_SEC);
		if (r->full.name)
			ms_set(ms, r->full.name, METRIC_COUNTER, r->full.help,
			       (double)t[i].full / USEC_PER_SEC);
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_pressure = {
	.name = "pressure",
	.help = "Pressure stall totals from /proc/pressure",
	.default_enabled = true,
	.collect = pressure_collect,
};
