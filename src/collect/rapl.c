/* rapl: /sys/class/powercap/<zone>/energy_uj → node_rapl_<zone>_joules_total
 * {index,path}, or with --collector.rapl.enable-zone-label one
 * node_rapl_joules_total{index,path,rapl_zone}, as node_exporter 1.12.
 *
 * A zone is a powercap directory with a name file. "package-0" is zone
 * "package" index 0; a name without an index ("dram", "core") is numbered by
 * how often it was seen. Since Linux 5.10 (CVE-2020-8694) energy_uj is
 * readable by root only: unreadable counters are no data here, quietly, as
 * in node_exporter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

#define RAPL_MAX_ZONES 256

static const struct collector_option rapl_options[] = {
	{ "collector.rapl.enable-zone-label", COPT_BOOL, "false",
	  "One node_rapl_joules_total with a rapl_zone label instead of a metric per zone" },
	{ 0 },
};

struct rapl_seen {
	char name[64];
	uint64_t next;
};

/* getIndexAndName(): "package-12" → package, 12; else the count so far. */
static uint64_t rapl_index(char *name, struct rapl_seen *seen, size_t *nseen)
{
	char *dash = strchr(name, '-');
	uint64_t idx = 0;
	size_t i;

	if (dash && !strchr(dash + 1, '-') && !parse_u64(dash + 1, &idx)) {
		*dash = '\0';
		return idx;
	}
	for (i = 0; i < *nseen; i++)
		if (!strcmp(seen[i].name, name))
			return seen[i].next;
	return 0;
}

static void rapl_count(const char *name, uint64_t idx, struct rapl_seen *seen, size_t *nseen)
{
	size_t i;

	for (i = 0; i < *nseen && strcmp(seen[i].name, name); i++)
		;
	if (i == *nseen) {
		if (*nseen == RAPL_MAX_ZONES)
			return;
		snprintf(seen[i].name, sizeof(seen[i].name), "%s", name);
		(*nseen)++;
	}
	seen[i].next = idx + 1;
}

static bool metric_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* node_rapl_<zone>_joules_total, the zone through node_exporter's
 * SanitizeMetricName(): each run of other bytes, with the underscores
 * around it, becomes one '_'. */
static void rapl_metric_name(char *out, size_t sz, const char *zone)
{
	char clean[64];
	size_t n = 0;

	for (const char *p = zone; *p && n < sizeof(clean) - 1;) {
		if (metric_char(*p)) {
			clean[n++] = *p++;
			continue;
		}
		while (n && clean[n - 1] == '_')
			n--;
		clean[n++] = '_';
		while (*p && !metric_char(*p))
			p++;
		while (*p == '_')
			p++;
	}
	clean[n] = '\0';
	snprintf(out, sz, "node_rapl_%s_joules_total", clean);
}

static int rapl_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	bool zone_label = collector_opt_bool(ctx, &rapl_options[0]);
	struct rapl_seen *seen = calloc(RAPL_MAX_ZONES, sizeof(*seen));
	size_t nseen = 0;
	struct sysfs_dir d = { 0 };
	char dir[4096], metric[160], help[160], idx_text[24], name[64];
	struct buf b;
	int err = seen ? 0 : -ENOMEM;

	buf_init(&b);
	if (!err)
		err = sysfs_dir_read(&d, ctx->sysfs, "class/powercap");
	for (size_t i = 0; !err && i < d.n; i++) {
		uint64_t idx, uj, max;

		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "class/powercap",
				 sysfs_dir_name(&d, i));
		if (err)
			break;
		if (sysfs_read_str(ctx, dir, "name", &b))
			continue; /* the powercap control type itself, not a zone */
		if (b.len >= sizeof(name) || !pp_label_text(b.data, b.len)) {
			err = -EINVAL;
			break;
		}
		memcpy(name, b.data, b.len + 1);
		idx = rapl_index(name, seen, &nseen);
		err = sysfs_read_u64(ctx, dir, "max_energy_range_uj", &b, &max);
		if (!err)
			err = sysfs_read_u64(ctx, dir, "energy_uj", &b, &uj);
		if (err)
			break;
		rapl_count(name, idx, seen, &nseen);
		pp_fmt_u64(idx_text, idx);
		if (zone_label) {
			ms_add(ms, ms_family(ms, "node_rapl_joules_total", METRIC_COUNTER,
					     "Current RAPL value in joules"),
			       (double)uj / 1e6, "index", idx_text, "path", dir, "rapl_zone", name,
			       NULL);
			continue;
		}
		rapl_metric_name(metric, sizeof(metric), name);
		snprintf(help, sizeof(help), "Current RAPL %s value in joules", name);
		ms_add(ms, ms_family(ms, metric, METRIC_COUNTER, help), (double)uj / 1e6, "index",
		       idx_text, "path", dir, NULL);
	}
	if (err == -ENOENT || err == -EACCES || err == -EPERM)
		err = -ENODATA;
	sysfs_dir_free(&d);
	buf_free(&b);
	free(seen);
	return err;
}

const struct collector collector_rapl = {
	.name = "rapl",
	.help = "RAPL energy counters from /sys/class/powercap",
	.default_enabled = true,
	.options = rapl_options,
	.collect = rapl_collect,
};
