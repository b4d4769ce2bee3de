/* The host summary of --mode=export, rebuilt from the families of a JSONL
 * line. A collecting daemon gets its summary from the collectors directly
 * (summary.h); a line carries only families, so here, and only here, the
 * summary's figures are looked up by the family names the collectors use.
 * test_summary holds this table to the collectors on the fixture tree, so a
 * renamed family fails a test instead of turning /health's figures null.
 */
#include <errno.h>
#include <string.h>

#include "source.h"
#include "util.h"

static const char *const scalar_families[SUMMARY_NSCALARS] = {
	[SUMMARY_LOAD1] = "node_load1",
	[SUMMARY_LOAD5] = "node_load5",
	[SUMMARY_LOAD15] = "node_load15",
	[SUMMARY_MEM_TOTAL_BYTES] = "node_memory_MemTotal_bytes",
	[SUMMARY_MEM_AVAILABLE_BYTES] = "node_memory_MemAvailable_bytes",
	[SUMMARY_BOOT_TIME_SECONDS] = "node_boot_time_seconds",
};

static const char *const cpu_modes[SUMMARY_CPU_NMODES] = {
	[SUMMARY_CPU_USER] = "user",       [SUMMARY_CPU_NICE] = "nice",
	[SUMMARY_CPU_SYSTEM] = "system",   [SUMMARY_CPU_IDLE] = "idle",
	[SUMMARY_CPU_IOWAIT] = "iowait",   [SUMMARY_CPU_IRQ] = "irq",
	[SUMMARY_CPU_SOFTIRQ] = "softirq", [SUMMARY_CPU_STEAL] = "steal",
};

/* Per-object counters, in the order the collectors add their objects: the
 * first family of a kind lists them, later ones fill in. */
static const struct counter_family {
	const char *family;
	enum summary_kind kind;
	int counter;            /* -1: named by the mode label (CPUs) */
} counter_families[] = {
	{ "node_cpu_seconds_total", SUMMARY_CPUS, -1 },
	{ "node_disk_reads_completed_total", SUMMARY_DISKS, SUMMARY_DISK_READS },
	{ "node_disk_read_bytes_total", SUMMARY_DISKS, SUMMARY_DISK_READ_BYTES },
	{ "node_disk_read_time_seconds_total", SUMMARY_DISKS, SUMMARY_DISK_READ_SECONDS },
	{ "node_disk_writes_completed_total", SUMMARY_DISKS, SUMMARY_DISK_WRITES },
	{ "node_disk_written_bytes_total", SUMMARY_DISKS, SUMMARY_DISK_WRITTEN_BYTES },
	{ "node_disk_write_time_seconds_total", SUMMARY_DISKS, SUMMARY_DISK_WRITE_SECONDS },
	{ "node_network_receive_bytes_total", SUMMARY_NETS, SUMMARY_NET_RECEIVE_BYTES },
	{ "node_network_transmit_bytes_total", SUMMARY_NETS, SUMMARY_NET_TRANSMIT_BYTES },
};

static int mode_index(const char *mode)
{
	for (int m = 0; m < SUMMARY_CPU_NMODES; m++)
		if (strcmp(cpu_modes[m], mode) == 0)
			return m;
	return -1;
}

static void rebuild_counters(struct host_summary *sum, const struct counter_family *cf,
			     const struct family *f)
{
	const char *label = cf->kind == SUMMARY_CPUS ? "cpu" : "device";
	struct summary_list *l = &sum->list[cf->kind];
	size_t hint = 0;

	for (size_t i = 0; i < f->nsamples; i++) {
		const struct sample *smp = &f->samples[i];
		const char *name = sample_label(smp, label);
		int k = cf->counter;
		struct summary_obj *o;
		double *v;

		if (k < 0) {
			const char *mode = sample_label(smp, "mode");

			k = mode ? mode_index(mode) : -1;
		}
		if (!name || k < 0)
			continue;
		o = summary_find(l, name, &hint);
		v = o ? o->v : summary_add(sum, cf->kind, name);
		if (v)
			v[k] = smp->value;
	}
}

int jsonl_summary_rebuild(struct host_summary *sum, const struct metric_set *ms)
{
	for (size_t k = 0; k < SUMMARY_NSCALARS; k++) {
		const struct family *f = ms_find(ms, scalar_families[k]);

		if (f && f->nsamples)
			summary_set(sum, k, f->samples[0].value);
	}
	for (size_t i = 0; i < ARRAY_SIZE(counter_families); i++) {
		const struct family *f = ms_find(ms, counter_families[i].family);

		if (f)
			rebuild_counters(sum, &counter_families[i], f);
	}
	return summary_error(sum);
}
