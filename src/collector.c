/* The collector table: every collector this binary knows, in run order.
 * Adding a collector is one line here plus its own src/collect/NAME.c. */
#include <string.h>

#include "collector.h"

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
