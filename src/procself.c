/* Process self-metrics: what client_golang's process collector reports for a
 * Go exporter, measured the same way, for this C daemon.
 *
 * They are read live when /metrics or /health is served, not per snapshot, so
 * a scrape sees the daemon's own state now (the snapshot may be an interval
 * old). One scrape costs one read of /proc/self/stat, one directory listing of
 * /proc/self/fd and two getrlimit() calls; /proc/stat is read once for the boot
 * time, which never changes. /proc/self/status is not needed: stat carries the
 * thread count, and client_golang takes RSS from stat too (rss pages times the
 * page size), so both sources would only disagree with it.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procself.h"
#include "util.h"

/* Fields of /proc/<pid>/stat (proc(5), 1-based), counted after the comm. */
#define STAT_FIRST_AFTER_COMM 3 /* state */
#define STAT_UTIME 14
#define STAT_STIME 15
#define STAT_NUM_THREADS 20
#define STAT_STARTTIME 22
#define STAT_VSIZE 23
#define STAT_RSS 24
#define STAT_FIELD(n) ((n) - STAT_FIRST_AFTER_COMM)

static pthread_once_t btime_once = PTHREAD_ONCE_INIT;
static double btime_cached = NAN;

int procself_parse_btime(const char *proc_stat, double *btime)
{
	const char *p = proc_stat;
	uint64_t v;

	while (p && *p) {
		if (strncmp(p, "btime ", 6) == 0) {
			char num[24];
			size_t n = strcspn(p + 6, "\n");

			if (n == 0 || n >= sizeof(num))
				return -EINVAL;
			memcpy(num, p + 6, n);
			num[n] = '\0';
			if (parse_u64(num, &v))
				return -EINVAL;
			*btime = (double)v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -EINVAL;
}

int procself_parse_stat(const char *text, long ticks_per_second, long page_size, double btime,
			struct procself *ps)
{
	char copy[1024];
	char *fields[STAT_FIELD(STAT_RSS) + 1];
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	uint64_t utime, stime, threads, start, vsize;
	int64_t rss;
	int n;

	/* "pid (comm) state ...": the comm is whatever lies between the first
	 * '(' and the last ')', since the process may name itself ") x (". */
	if (!open || !close || close < open || ticks_per_second <= 0 || page_size <= 0)
		return -EINVAL;
	n = snprintf(copy, sizeof(copy), "%s", close + 1);
	if (n < 0 || (size_t)n >= sizeof(copy))
		return -EINVAL;
	if (split_fields(copy, fields, ARRAY_SIZE(fields)) != ARRAY_SIZE(fields))
		return -EINVAL;
	if (parse_u64(fields[STAT_FIELD(STAT_UTIME)], &utime) ||
	    parse_u64(fields[STAT_FIELD(STAT_STIME)], &stime) ||
	    parse_u64(fields[STAT_FIELD(STAT_NUM_THREADS)], &threads) ||
	    parse_u64(fields[STAT_FIELD(STAT_STARTTIME)], &start) ||
	    parse_u64(fields[STAT_FIELD(STAT_VSIZE)], &vsize) ||
	    parse_i64(fields[STAT_FIELD(STAT_RSS)], &rss))
		return -EINVAL;
	/* Ticks are USER_HZ (sysconf(_SC_CLK_TCK)), not the kernel's HZ. */
	ps->cpu_seconds_total = (double)(utime + stime) / (double)ticks_per_second;
	ps->threads = (double)threads;
	ps->start_time_seconds = btime + (double)start / (double)ticks_per_second;
	ps->virtual_memory_bytes = (double)vsize;
	ps->resident_memory_bytes = rss > 0 ? (double)rss * (double)page_size : 0;
	return 0;
}

static void read_btime(void)
{
	struct buf b;

	buf_init(&b);
	if (read_file("/proc/stat", &b) == 0)
		procself_parse_btime(b.data, &btime_cached);
	buf_free(&b);
}

/* Entries of /proc/self/fd, the directory's own descriptor included, as
 * client_golang counts them. Since Linux 6.2 the directory's st_size is the
 * number of open descriptors: one stat() instead of a readdir that makes a
 * dentry per descriptor, which the netclass collector's kept-open attribute
 * files (a hundred or more) made the largest part of a scrape's own work. */
static int count_fds(double *out)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	unsigned long n = 0;

	if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0) {
		*out = (double)st.st_size + 1;
		return 0;
	}
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	*out = (double)n;
	return 0;
}

int procself_read(struct procself *ps)
{
	struct rlimit rl;
	struct buf b;
	int err = 0, e;

	*ps = (struct procself){ NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
	pthread_once(&btime_once, read_btime);
	buf_init(&b);
	e = read_file("/proc/self/stat", &b);
	if (!e)
		e = procself_parse_stat(b.data, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
					btime_cached, ps);
	err = err ? err : e;
	buf_free(&b);
	e = count_fds(&ps->open_fds);
	err = err ? err : e;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		ps->max_fds = (double)rl.rlim_cur;
	else
		err = err ? err : -errno;
	if (getrlimit(RLIMIT_AS, &rl) == 0)
		ps->virtual_memory_max_bytes = (double)rl.rlim_cur;
	else
		err = err ? err : -errno;
	return err;
}

/* A NaN (not readable here) leaves the family out. */
static void put_metric(struct metric_set *ms, const char *name, enum metric_type type,
		       const char *help, double v)
{
	if (!isnan(v))
		ms_set(ms, name, type, help, v);
}

void procself_fill(struct metric_set *ms, const struct procself *ps)
{
	/* HELP strings as client_golang's process collector writes them. */
	put_metric(ms, "process_cpu_seconds_total", METRIC_COUNTER,
		   "Total user and system CPU time spent in seconds.", ps->cpu_seconds_total);
	put_metric(ms, "process_max_fds", METRIC_GAUGE, "Maximum number of open file descriptors.",
		   ps->max_fds);
	put_metric(ms, "process_open_fds", METRIC_GAUGE, "Number of open file descriptors.",
		   ps->open_fds);
	put_metric(ms, "process_resident_memory_bytes", METRIC_GAUGE,
		   "Resident memory size in bytes.", ps->resident_memory_bytes);
	put_metric(ms, "process_start_time_seconds", METRIC_GAUGE,
		   "Start time of the process since unix epoch in seconds.",
		   ps->start_time_seconds);
	put_metric(ms, "process_virtual_memory_bytes", METRIC_GAUGE,
		   "Virtual memory size in bytes.", ps->virtual_memory_bytes);
	put_metric(ms, "process_virtual_memory_max_bytes", METRIC_GAUGE,
		   "Maximum amount of virtual memory available in bytes.",
		   ps->virtual_memory_max_bytes);
	/* client_golang has no thread gauge (go_threads belongs to the Go
	 * runtime), so the name carries our prefix rather than claim one in
	 * the shared process_ namespace. */
	put_metric(ms, "infra_monitor_process_threads", METRIC_GAUGE,
		   "Number of OS threads in the infra-monitor process.", ps->threads);
}
