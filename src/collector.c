/* The collector table: every collector this binary knows, in run order.
 * Adding a collector is one line here plus its own src/collect/NAME.c. */
#include <errno.h>
#include <string.h>

#include "collector.h"
#include "config.h"
#include "util.h"

const struct collector *const collectors[] = {
	&collector_cpu,
	&collector_stat,
	&collector_meminfo,
	&collector_loadavg,
	&collector_vmstat,
	&collector_pressure,
	&collector_diskstats,
	&collector_filesystem,
	&collector_netdev,
	&collector_netstat,
	&collector_sockstat,
	&collector_uname,
	&collector_time,
	&collector_filefd,
	&collector_hwmon,
	&collector_thermal_zone,
	&collector_netclass,
	&collector_cpufreq,
	&collector_bpf,
	NULL,
};

const struct collector *collector_find(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (strcmp(collectors[i]->name, name) == 0)
			return collectors[i];
	return NULL;
}

size_t collector_count(void)
{
	size_t n = 0;

	while (collectors[n])
		n++;
	return n;
}

const char *collector_opt(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = ctx->cfg ? config_collector_opt(ctx->cfg, o) : NULL;

	return v ? v : o->def;
}

/* The config layer checked every given value against its kind, and defaults
 * are ours: a parse failure here can only be an unset option, which reads as
 * false or 0. */
bool collector_opt_bool(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	int b = 0;

	return v && !parse_bool(v, &b) && b;
}

uint64_t collector_opt_u64(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	uint64_t u = 0;

	return v && !parse_u64(v, &u) ? u : 0;
}

uint64_t collector_opt_ms(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	uint64_t ms = 0;

	return v && !parse_duration_ms(v, &ms) ? ms : 0;
}

int collector_opt_regex(const struct collect_ctx *ctx, const struct collector_option *o,
			regex_t *re)
{
	const char *v = collector_opt(ctx, o);

	if (!v)
		return -ENODATA;
	return regcomp(re, v, REG_EXTENDED | REG_NOSUB) ? -EINVAL : 0;
}
