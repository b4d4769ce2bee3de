/* bpf: the kernel-latency collector. Its programs (bpf/NAME.bpf.c, loaded by
 * src/bpf/) aggregate disk, TCP, drop and run-queue events in per-CPU maps;
 * each interval this collector reads the maps, sums the CPUs, names devices
 * and drop reasons, and fills Prometheus histograms in seconds and bytes plus
 * the programs' own state and cost. It never clears a map: every series is
 * cumulative since load.
 *
 * init() loads and attaches once (hook per program from --bpf.hook); with no
 * BTF, no privileges or nothing attached it fails fast, leaving the reason in
 * ctx->detail for the runner's one log line; every /proc collector runs on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/loader.h"
#include "collector.h"
#include "config.h"
#include "log.h"

#define NSEC 1e-9       /* kernel sums are in ns */

struct bpf_state {
	struct bpfl_set *set;
	struct disk_names *disks;
	struct skbdrop_names reasons;
	int have_reasons;
	struct bpfl_readout r;
};

static void bpf_fini(struct collect_ctx *ctx)
{
	struct bpf_state *st = ctx->state;

	if (!st)
		return;
	bpfl_set_free(st->set);
	disk_names_free(st->disks);
	skbdrop_names_free(&st->reasons);
	bpfl_readout_free(&st->r);
	free(st);
	ctx->state = NULL;
}

static int bpf_init(struct collect_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct bpfl_opts o = {
		.progs = BPFL_ALL,
		.hook = cfg ? cfg->bpf_hook : BPF_HOOK_AUTO,
		.stats = cfg ? cfg->bpf_stats : BPF_STATS_SAMPLED,
		.stats_window_ms = cfg ? cfg->bpf_stats_window_ms : 1000,
		.stats_period_ms = cfg ? cfg->bpf_stats_period_ms : 60000,
	};
	struct bpf_state *st;
	char why[256];
	int err;

	err = bpfl_probe_env(why, sizeof(why));
	if (err) {
		/* The runner logs the one line, with this detail. */
		snprintf(ctx->detail, sizeof(ctx->detail), "%s", why);
		return err;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ctx->state = st;
	err = bpfl_set_open(&st->set, &o);
	if (err) {
		snprintf(ctx->detail, sizeof(ctx->detail),
			 "no BPF program attached (see bpf/* in /health)");
		goto out;
	}
	st->disks = disk_names_new(ctx->procfs);
	st->have_reasons = skbdrop_names_load(&st->reasons, NULL) == 0;
	if (!st->have_reasons)
		log_warn("bpf", "enum skb_drop_reason not in BTF; drop reasons are numbers");
	return 0;
out:
	bpf_fini(ctx);
	return err;
}

static void add_hist(struct metric_set *ms, struct family *f, const struct hist *h, int32_t first,
		     double sum_scale, const struct label *l, uint32_t nl)
{
	struct nhist lh;

	bpfl_hist_export(h, first, sum_scale, &lh);
	ms_add_hist(ms, f, &lh, l, nl);
}

static void fill_disk(struct bpf_state *st, struct metric_set *ms)
{
	const struct biolat_data *d = &st->r.disk;
	struct family *lat = ms_family(ms, "infra_monitor_disk_io_latency_seconds",
				       METRIC_HISTOGRAM,
				       "Block I/O latency by device and op; phase total is "
				       "insert to complete (queue and service), service is "
				       "issue to complete.");
	struct family *size = ms_family(ms, "infra_monitor_disk_io_size_bytes", METRIC_HISTOGRAM,
					"Block I/O size at issue by device and op.");

	for (size_t i = 0; i < d->n; i++) {
		const struct biolat_entry *e = &d->e[i];
		char buf[32];
		const char *dev = disk_names_get(st->disks, e->dev, buf, sizeof(buf));
		const char *op = biolat_op_name(e->op);
		struct label l[3] = { { "device", dev }, { "op", op }, { "phase", "total" } };

		add_hist(ms, lat, &e->total, HIST_FIRST_SECONDS, NSEC, l, 3);
		l[2].value = "service";
		add_hist(ms, lat, &e->service, HIST_FIRST_SECONDS, NSEC, l, 3);
		add_hist(ms, size, &e->size, HIST_FIRST_BYTES, 1, l, 2);
	}
}

static void fill_tcp(struct bpf_state *st, struct metric_set *ms)
{
	const struct tcplat_data *d = &st->r.tcp;
	struct family *f;

	f = ms_family(ms, "infra_monitor_tcp_srtt_seconds", METRIC_HISTOGRAM,
		      "TCP smoothed round-trip time, sampled per received segment (tcp_probe).");
	add_hist(ms, f, &d->hist[TCPLAT_SRTT], HIST_FIRST_SECONDS, NSEC, NULL, 0);
	f = ms_family(ms, "infra_monitor_tcp_connect_latency_seconds", METRIC_HISTOGRAM,
		      "TCP active connect latency, SYN_SENT to ESTABLISHED.");
	add_hist(ms, f, &d->hist[TCPLAT_CONNECT], HIST_FIRST_SECONDS, NSEC, NULL, 0);
	f = ms_family(ms, "infra_monitor_tcp_retransmits_total", METRIC_COUNTER,
		      "TCP segments retransmitted.");
	ms_add(ms, f, (double)d->counters[TCPLAT_RETRANSMITS], NULL);
	f = ms_family(ms, "infra_monitor_tcp_resets_total", METRIC_COUNTER,
		      "TCP resets sent and received.");
	ms_add(ms, f, (double)d->counters[TCPLAT_RESETS_SENT], "direction", "sent", NULL);
	ms_add(ms, f, (double)d->counters[TCPLAT_RESETS_RECEIVED], "direction", "received", NULL);
}

static void fill_drops(struct bpf_state *st, struct metric_set *ms)
{
	struct family *f = ms_family(ms, "infra_monitor_skb_drops_total", METRIC_COUNTER,
				     "Packets dropped by the kernel, by drop reason (skb:kfree_skb).");

	for (uint32_t i = 0; i < SKBDROP_MAX_REASONS; i++) {
		char buf[32];

		if (!st->r.drops.drops[i])
			continue;
		ms_add(ms, f, (double)st->r.drops.drops[i], "reason",
		       skbdrop_reason_label(st->have_reasons ? &st->reasons : NULL, i, buf,
					    sizeof(buf)),
		       NULL);
	}
}

static void fill_runq(struct bpf_state *st, struct metric_set *ms)
{
	struct family *f = ms_family(ms, "infra_monitor_runqueue_latency_seconds",
				     METRIC_HISTOGRAM,
				     "Run-queue latency: time from wakeup (or preemption) to "
				     "running on a CPU.");

	add_hist(ms, f, &st->r.runq.lat, HIST_FIRST_SECONDS, NSEC, NULL, 0);
}

/* Map fill and full-map misses, for the maps that can fill up. */
struct map_fill {
	enum bpfl_prog_id prog;
	const char *map;
	double entries, max;            /* entries < 0: not countable */
	uint64_t misses;
};

static void fill_self(struct bpf_state *st, struct metric_set *ms)
{
	struct bpfl_prog p[BPFL_PROGS];
	struct family *info, *rt, *rc, *cost, *ent, *max, *miss;
	const struct bpfl_readout *r = &st->r;
	const struct map_fill maps[] = {
		{ BPFL_BIOLAT, "disk_io_start", (double)r->disk.inflight, BIOLAT_MAX_STARTS,
		  r->disk.misses[BIOLAT_START_MISSES] },
		{ BPFL_BIOLAT, "disk_io_latency_seconds", (double)r->disk.n, BIOLAT_MAX_KEYS,
		  r->disk.misses[BIOLAT_KEY_MISSES] },
		{ BPFL_TCPLAT, "tcp_connect_start", (double)r->tcp.inflight, TCPLAT_MAX_CONNECTS,
		  r->tcp.counters[TCPLAT_START_MISSES] },
		{ BPFL_RUNQLAT, "runq_start_pid", (double)r->runq.inflight, RUNQLAT_MAX_PIDS,
		  r->runq.misses[RUNQLAT_START_MISSES] },
	};

	bpfl_set_progs(st->set, p);
	info = ms_family(ms, "infra_monitor_bpf_program_info", METRIC_GAUGE,
			 "BPF programs: hook chosen and status (attached, failed, disabled).");
	rt = ms_family(ms, "infra_monitor_bpf_run_time_seconds_total", METRIC_COUNTER,
		       "Time spent in the program over the sampled statistics windows.");
	rc = ms_family(ms, "infra_monitor_bpf_run_count_total", METRIC_COUNTER,
		       "Program runs over the sampled statistics windows.");
	cost = ms_family(ms, "infra_monitor_bpf_event_cost_seconds", METRIC_GAUGE,
			 "Mean run time per event in the last statistics window.");
	for (int i = 0; i < BPFL_PROGS; i++) {
		ms_add(ms, info, 1, "program", p[i].name, "hook", bpfl_hook_name(p[i].hook),
		       "status", bpfl_status_name(p[i].status), NULL);
		if (p[i].status != BPFL_ATTACHED || !p[i].windows)
			continue;
		ms_add(ms, rt, (double)p[i].run_time_ns * NSEC, "program", p[i].name, NULL);
		ms_add(ms, rc, (double)p[i].run_cnt, "program", p[i].name, NULL);
		if (!isnan(p[i].event_cost_ns))
			ms_add(ms, cost, p[i].event_cost_ns * NSEC, "program", p[i].name, NULL);
	}
	ent = ms_family(ms, "infra_monitor_bpf_map_entries", METRIC_GAUGE,
			"Entries in a bounded BPF hash map.");
	max = ms_family(ms, "infra_monitor_bpf_map_max_entries", METRIC_GAUGE,
			"Capacity of a bounded BPF hash map.");
	miss = ms_family(ms, "infra_monitor_bpf_map_full_misses_total", METRIC_COUNTER,
			 "Events not recorded because a BPF map was full.");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		const struct map_fill *m = &maps[i];
		const char *prog = p[m->prog].name;

		if (!(r->valid & (1u << m->prog)))
			continue;
		if (m->entries >= 0 && !(m->prog == BPFL_RUNQLAT && p[m->prog].hook == BPFL_TP_BTF)) {
			ms_add(ms, ent, m->entries, "program", prog, "map", m->map, NULL);
			ms_add(ms, max, m->max, "program", prog, "map", m->map, NULL);
		}
		ms_add(ms, miss, (double)m->misses, "program", prog, "map", m->map, NULL);
	}
}

static int bpf_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct bpf_state *st = ctx->state;
	int err;

	if (!st)
		return -ENODATA;
	err = bpfl_set_read(st->set, &st->r);
	if (err)
		snprintf(ctx->detail, sizeof(ctx->detail), "read BPF maps: %s", strerror(-err));
	if (st->r.valid & (1u << BPFL_BIOLAT))
		fill_disk(st, ms);
	if (st->r.valid & (1u << BPFL_TCPLAT))
		fill_tcp(st, ms);
	if (st->r.valid & (1u << BPFL_SKBDROP))
		fill_drops(st, ms);
	if (st->r.valid & (1u << BPFL_RUNQLAT))
		fill_runq(st, ms);
	fill_self(st, ms);
	/* A map that could not be read leaves its series out; the programs
	 * that were read still count, so only fail when nothing was. */
	return st->r.valid ? 0 : err ? err : -ENODATA;
}

const struct collector collector_bpf = {
	.name = "bpf",
	.help = "Kernel latency histograms from CO-RE BPF programs (disk, TCP, drops, run queue)",
	.default_enabled = true,
	.init = bpf_init,
	.collect = bpf_collect,
	.fini = bpf_fini,
};
