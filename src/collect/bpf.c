/* bpf: the kernel-latency collector. Its programs (bpf/NAME.bpf.c, each with
 * its user side in src/bpf/NAME.c) aggregate disk, TCP, drop and run-queue
 * events in per-CPU maps; each interval this collector has every program read
 * its maps and fill its families, then adds what it reports on the programs
 * themselves: hook and status, run-time cost, and the fill of the maps that
 * can fill up. It never clears a map: every series is cumulative since load.
 *
 * init() loads and attaches once (hook per program from --bpf.hook); with no
 * BTF, no privileges or nothing attached it fails fast, leaving the reason in
 * ctx->detail for the runner's one log line; every /proc collector runs on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bpf/loader.h"
#include "collector.h"
#include "config.h"
#include "log.h"

#define NSEC 1e-9       /* run times are in ns */

static void bpf_fini(struct collect_ctx *ctx)
{
	bpfl_set_free(ctx->state);
	ctx->state = NULL;
}

static int bpf_init(struct collect_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct bpfl_opts o = {
		.procfs = ctx->procfs,
		.sysfs = ctx->sysfs,
		.hook = cfg ? cfg->bpf_hook : BPF_HOOK_AUTO,
		.stats = cfg ? cfg->bpf_stats : BPF_STATS_SAMPLED,
		.stats_window_ms = cfg ? cfg->bpf_stats_window_ms : 1000,
		.stats_period_ms = cfg ? cfg->bpf_stats_period_ms : 60000,
	};
	struct bpfl_set *set;
	int err;

	bpfl_wl_opts_from(&o.wl, cfg, ctx->procfs, ctx->rootfs);
	/* On failure the runner logs the one line, with this detail. */
	err = bpfl_set_open(&set, &o, ctx->detail, sizeof(ctx->detail));
	if (err)
		return err;
	ctx->state = set;
	if (cfg && cfg->command == CMD_ONCE)
		log_infof("bpf", NULL, "once: the programs ran for a moment only, so their histograms "
			  "and counters are left out; `infra-monitor latency` shows them per interval");
	return 0;
}

static void fill_self(struct bpfl_set *set, struct metric_set *ms)
{
	struct bpfl_prog p[BPFL_MAX_PROGS];
	struct family *info, *rt, *rc, *cost, *rec, *ent, *max, *miss;
	size_t n = bpfl_set_progs(set, p);

	info = ms_family(ms, "infra_monitor_bpf_program_info", METRIC_GAUGE,
			 "BPF programs: hook chosen and status (attached, failed, disabled).");
	rt = ms_family(ms, "infra_monitor_bpf_run_time_seconds_total", METRIC_COUNTER,
		       "Time spent in the program over the sampled statistics windows.");
	rc = ms_family(ms, "infra_monitor_bpf_run_count_total", METRIC_COUNTER,
		       "Program runs over the sampled statistics windows.");
	cost = ms_family(ms, "infra_monitor_bpf_event_cost_seconds", METRIC_GAUGE,
			 "Mean run time per event in the last statistics window.");
	rec = ms_family(ms, "infra_monitor_bpf_recursion_misses_total", METRIC_COUNTER,
			"Events the kernel skipped for a program because another BPF program was "
			"running on the same CPU (counted since 5.12).");
	for (size_t i = 0; i < n; i++) {
		ms_add(ms, info, 1, "program", p[i].name, "workloads",
		       p[i].wl_on ? "attributed" : "absent", "hook", bpfl_hook_name(p[i].hook),
		       "status", bpfl_status_name(p[i].status), NULL);
		if (p[i].status != BPFL_ATTACHED)
			continue;
		ms_add(ms, rec, (double)p[i].recursion_misses, "program", p[i].name, NULL);
		if (!p[i].windows)
			continue;
		ms_add(ms, rt, (double)p[i].run_time_ns * NSEC, "program", p[i].name, NULL);
		ms_add(ms, rc, (double)p[i].run_cnt, "program", p[i].name, NULL);
		if (!isnan(p[i].event_cost_ns))
			ms_add(ms, cost, p[i].event_cost_ns * NSEC, "program", p[i].name, NULL);
	}
	ent = ms_family(ms, "infra_monitor_bpf_map_entries", METRIC_GAUGE,
			"Entries in use in a BPF map that can fill up.");
	max = ms_family(ms, "infra_monitor_bpf_map_max_entries", METRIC_GAUGE,
			"Capacity of a BPF map that can fill up.");
	miss = ms_family(ms, "infra_monitor_bpf_map_full_misses_total", METRIC_COUNTER,
			 "Events not recorded because a BPF map was full.");
	for (size_t i = 0; i < n; i++) {
		struct bpfl_map_fill m[BPFL_MAX_MAPS];
		size_t nm = bpfl_set_maps(set, i, m);

		for (size_t j = 0; j < nm; j++) {
			if (m[j].entries >= 0) {
				ms_add(ms, ent, m[j].entries, "program", p[i].name, "map", m[j].map,
				       NULL);
				ms_add(ms, max, m[j].max, "program", p[i].name, "map", m[j].map,
				       NULL);
			}
			ms_add(ms, miss, (double)m[j].misses, "program", p[i].name, "map",
			       m[j].map, NULL);
		}
	}
}

static int bpf_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct bpfl_set *set = ctx->state;
	size_t nread;
	int err;

	if (!set)
		return -ENODATA;
	err = bpfl_set_read(set, &nread);
	if (err)
		snprintf(ctx->detail, sizeof(ctx->detail), "read BPF maps: %s", strerror(-err));
	/* `once` reads right after load: what a fraction of a second saw is
	 * not a distribution worth printing. */
	if (!ctx->cfg || ctx->cfg->command != CMD_ONCE)
		bpfl_set_fill(set, ms);
	fill_self(set, ms);
	/* A map that could not be read leaves its series out; the programs
	 * that were read still count, so only fail when nothing was. */
	return nread ? 0 : err ? err : -ENODATA;
}

const struct collector collector_bpf = {
	.name = "bpf",
	.help = "Kernel latency histograms from CO-RE BPF programs (disk, TCP, drops, run queue)",
	.default_enabled = true,
	.init = bpf_init,
	.collect = bpf_collect,
	.fini = bpf_fini,
};
