/* cpufreq: /sys/devices/system/cpu/cpuN/cpufreq → node_cpu_frequency_*_hertz,
 * node_cpu_scaling_frequency_*_hertz and node_cpu_scaling_governor, as
 * node_exporter 1.12 and procfs's SystemCpufreq() read them.
 *
 * sysfs counts in kHz; the series are in hertz. CPUs listed in
 * devices/system/cpu/offline are left out (their cpufreq files refuse reads),
 * as are CPUs without a cpufreq directory (virtual machines have none). A
 * frequency file that is missing or unreadable to us is left out; one that
 * holds anything but a number fails the collector, as in procfs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

#define KHZ 1000.0

static const struct {
	const char *file, *name, *help;
} freq_files[] = {
	{ "cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current CPU thread frequency in hertz." },
	{ "cpuinfo_avg_freq", "node_cpu_frequency_avg_hertz",
	  "Average CPU thread frequency in hertz." },
	{ "cpuinfo_min_freq", "node_cpu_frequency_min_hertz",
	  "Minimum CPU thread frequency in hertz." },
	{ "cpuinfo_max_freq", "node_cpu_frequency_max_hertz",
	  "Maximum CPU thread frequency in hertz." },
	{ "scaling_cur_freq", "node_cpu_scaling_frequency_hertz",
	  "Current scaled CPU thread frequency in hertz." },
	{ "scaling_min_freq", "node_cpu_scaling_frequency_min_hertz",
	  "Minimum scaled CPU thread frequency in hertz." },
	{ "scaling_max_freq", "node_cpu_scaling_frequency_max_hertz",
	  "Maximum scaled CPU thread frequency in hertz." },
};

/* Whether cpu is in a kernel cpulist: 0 or -EINVAL. */
static int cpu_listed(const char *list, uint64_t cpu, bool *in)
{
	uint64_t lo, hi;
	int more;

	*in = false;
	while ((more = pp_cpulist_next(&list, &lo, &hi)) > 0)
		*in |= cpu >= lo && cpu <= hi;
	return more;
}

/* Files the kernel creates for every policy, missing only when the CPU is
 * going away: their absence is an error in procfs too. */
static int cpufreq_governors(struct metric_set *ms, const char *dir, const char *cpu,
			     struct buf *b)
{
	char gov[64];
	int err = sysfs_read_str(NULL, dir, "scaling_governor", b);

	if (err)
		return err;
	if (!b->len)
		return 0;
	if (b->len >= sizeof(gov) || !pp_label_text(b->data, b->len))
		return -EINVAL;
	memcpy(gov, b->data, b->len + 1);
	err = sysfs_read_str(NULL, dir, "scaling_available_governors", b);
	if (err)
		return err;
	if (!pp_label_text(b->data, b->len))
		return -EINVAL;
	/* Split on single spaces, as strings.Split(s, " ") does. */
	for (char *g = b->data, *next;; g = next + 1) {
		next = strchr(g, ' ');
		if (next)
			*next = '\0';
		ms_add(ms, ms_family(ms, "node_cpu_scaling_governor", METRIC_GAUGE,
				     "Current enabled CPU frequency governor."),
		       !strcmp(g, gov), "cpu", cpu, "governor", g, NULL);
		if (!next)
			break;
	}
	return 0;
}

static int cpufreq_cpu(struct metric_set *ms, const char *dir, const char *cpu, struct buf *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(freq_files); i++) {
		uint64_t khz;
		int err = sysfs_read_str(NULL, dir, freq_files[i].file, b);

		if (err == -ENOENT || err == -EACCES || err == -EPERM)
			continue;
		if (!err)
			err = parse_u64(b->data, &khz);
		if (err)
			return err;
		ms_add(ms, ms_family(ms, freq_files[i].name, METRIC_GAUGE, freq_files[i].help),
		       (double)khz * KHZ, "cpu", cpu, NULL);
	}
	return cpufreq_governors(ms, dir, cpu, b);
}

static int cpufreq_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	char offline[256], dir[4096];
	struct sysfs_dir d;
	struct buf b;
	size_t ncpus = 0;
	struct stat sb;
	int err;

	buf_init(&b);
	err = sysfs_dir_read(&d, ctx->sysfs, "devices/system/cpu");
	if (err) {
		err = err == -ENOENT ? -ENODATA : err;
		goto out;
	}
	offline[0] = '\0';
	err = sysfs_read_str(ctx, ctx->sysfs, "devices/system/cpu/offline", &b);
	if (!err && b.len >= sizeof(offline))
		err = -EINVAL;
	if (!err)
		memcpy(offline, b.data, b.len + 1);
	else if (err != -ENOENT) /* kernels before 2.6.31 lack the file */
		goto out;
	err = 0;
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *e = sysfs_dir_name(&d, i);
		uint64_t id;
		bool off;

		if (strncmp(e, "cpu", 3) || parse_u64(e + 3, &id))
			continue;
		ncpus++;
		err = cpu_listed(offline, id, &off);
		if (err || off)
			continue;
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "devices/system/cpu", e);
		if (err || strlen(dir) + sizeof("/cpufreq") > sizeof(dir))
			break;
		strcat(dir, "/cpufreq");
		if (stat(dir, &sb))
			continue; /* no cpufreq for this CPU */
		err = cpufreq_cpu(ms, dir, e + 3, &b);
	}
	if (!err && !ncpus)
		err = -ENODATA;
out:
	sysfs_dir_free(&d);
	buf_free(&b);
	return err;
}

const struct collector collector_cpufreq = {
	.name = "cpufreq",
	.help = "CPU frequencies and governors from /sys/devices/system/cpu/cpuN/cpufreq",
	.default_enabled = true,
	.collect = cpufreq_collect,
};
