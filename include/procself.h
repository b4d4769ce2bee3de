/* The daemon's own process metrics, measured live at each scrape (never in
 * a snapshot, never in JSONL): the names, HELP and types of client_golang's
 * process collector, so the usual "process_*" dashboards and alerts apply,
 * plus infra_monitor_process_threads.
 */
#ifndef IM_PROCSELF_H
#define IM_PROCSELF_H

#include "metrics.h"

/* Each value is NAN when it could not be read; renderers skip those. */
struct procself {
	double cpu_seconds_total;       /* utime + stime */
	double resident_memory_bytes;
	double virtual_memory_bytes;
	double virtual_memory_max_bytes;        /* RLIMIT_AS; 2^64-1 when unlimited */
	double open_fds;
	double max_fds;                 /* RLIMIT_NOFILE, soft */
	double start_time_seconds;      /* unix seconds */
	double threads;
};

/* Reads /proc/self/stat, /proc/self/fd and the rlimits. Fills every value it
 * can; returns 0 or the first -errno met (the other values are still set). */
int procself_read(struct procself *ps);

/* Adds a family per value that is not NAN. */
void procself_fill(struct metric_set *ms, const struct procself *ps);

/* Parsers, exposed for tests. text is the content of /proc/<pid>/stat; the
 * command name may hold spaces and ')' and is skipped up to the last ')'.
 * Sets cpu, rss, vsize, threads and start time (btime + starttime ticks).
 * 0 or -EINVAL. */
int procself_parse_stat(const char *text, long ticks_per_second, long page_size, double btime,
			struct procself *ps);
/* The "btime" line of /proc/stat: boot time in unix seconds. 0 or -EINVAL. */
int procself_parse_btime(const char *proc_stat, double *btime);

#endif
