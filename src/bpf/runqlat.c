/* runqlat: run-queue latency, user side. tp_btf keeps start times in
 * task-local storage (or none at all, see bpf/runqlat.bpf.c), the other rungs
 * in a pid-keyed hash; the map a rung does not use is shrunk to one entry
 * before load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/runqlat.h"
#include "bpf/runqlat.skel.h"
#include "bpf/loader.h"
#include "util.h"

struct runqlat_reading {
	struct hist lat;
	uint64_t misses[RUNQLAT_COUNTERS];
	int64_t inflight;               /* -1 with task storage (not countable) */
};

struct runqlat_state {
	struct runqlat_reading now, shown;
	struct bpfl_wl_family wl_lat;
};

BPFL_SKEL_OPEN(runqlat)

static int has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, btf_members(t)[i].name_off), member) == 0)
			return 1;
	return 0;
}

/* Whether the kernel stamps task_struct::sched_info.last_queued
 * (CONFIG_SCHED_INFO) and a cfs_rq knows its rq (CONFIG_FAIR_GROUP_SCHED). */
static int have_sched_info(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int found;

	if (!btf)
		return 0;
	found = has_member(btf, "sched_info", "last_queued") && has_member(btf, "cfs_rq", "rq");
	btf__free(btf);
	return found;
}

static int runqlat_prepare(struct bpfl_prog *p, int hook)
{
	struct runqlat_bpf *skel = p->skel;
	struct bpf_map *wl_maps[] = { skel->maps.cgroup_runqueue_latency_seconds };
	struct bpf_map *wl_caches[] = { skel->maps.wl_runq_cache };
	int err = bpfl_wl_prepare(p, hook != BPFL_TRACEPOINT,
				  "the sched_switch tracepoint gives only pids", &skel->rodata->wl_on,
				  &skel->rodata->wl_filter, wl_maps, ARRAY_SIZE(wl_maps), wl_caches,
				  ARRAY_SIZE(wl_caches), 1);

	if (err)
		return err;

	/* Only tp_btf keeps start times in task storage, which tracing programs
	 * have from 5.13: elsewhere the map is not created, so that the other
	 * rungs load on kernels without it. */
	if (hook != BPFL_TP_BTF)
		return bpf_map__set_autocreate(skel->maps.runq_start_task, false);
	if (have_sched_info()) {
		skel->rodata->targ_sched_info = 1;
		bpf_program__set_autoload(skel->progs.runq_wakeup_btf, false);
		bpf_program__set_autoload(skel->progs.runq_wakeup_new_btf, false);
	}
	return bpf_map__set_max_entries(skel->maps.runq_start_pid, 1);
}

static int runqlat_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	struct runqlat_bpf *skel = p->skel;
	struct runqlat_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	p->state = st;
	st->wl_lat = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_runqueue_latency_seconds",
		.help = "Run-queue latency per workload (the cgroup of the task switched in).",
		.value = BPFL_WL_HIST,
		.fd = bpf_map__fd(skel->maps.cgroup_runqueue_latency_seconds),
		.cache = skel->maps.wl_runq_cache,
	};
	return bpfl_wl_init(p, bpf_map__fd(skel->maps.wl_ids), bpf_map__fd(skel->maps.wl_overflow),
			    &st->wl_lat, 1);
}

static int runqlat_read(struct bpfl_prog *p)
{
	struct runqlat_bpf *skel = p->skel;
	struct runqlat_reading *r = &((struct runqlat_state *)p->state)->now;
	uint64_t n;
	int err;

	err = bpfl_map_read_array(bpf_map__fd(skel->maps.runqueue_latency_seconds),
				  sizeof(struct hist), 1, &r->lat);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.bpf_map_full_misses_total),
					  sizeof(uint64_t), RUNQLAT_COUNTERS, r->misses);
	if (!err)
		err = bpfl_wl_read(p, &((struct runqlat_state *)p->state)->wl_lat, 1);
	r->inflight = -1;
	if (!err && p->hook != BPFL_TP_BTF &&
	    bpfl_map_count(bpf_map__fd(skel->maps.runq_start_pid), sizeof(uint32_t), &n) == 0)
		r->inflight = (int64_t)n;
	return err;
}

static void runqlat_fill(struct bpfl_prog *p, struct metric_set *ms)
{
	const struct runqlat_reading *r = &((struct runqlat_state *)p->state)->now;
	struct family *f = ms_family(ms, "infra_monitor_runqueue_latency_seconds",
				     METRIC_HISTOGRAM,
				     "Run-queue latency: time from wakeup (or preemption) to "
				     "running on a CPU.");

	bpfl_add_hist(ms, f, &r->lat, BPFL_SECONDS, NULL, 0);
	bpfl_wl_fill_families(p, &((struct runqlat_state *)p->state)->wl_lat, 1, ms);
}

/* The pid hash of raw_tp and tracepoint; task storage has no fill to show. */
static size_t runqlat_maps(const struct bpfl_prog *p, struct bpfl_map_fill *out)
{
	const struct runqlat_reading *r = &((const struct runqlat_state *)p->state)->now;

	out[0] = (struct bpfl_map_fill){ "runq_start_pid", (double)r->inflight, RUNQLAT_MAX_PIDS,
					 r->misses[RUNQLAT_START_MISSES] };
	return 1;
}

static void runqlat_print(struct bpfl_prog *p, FILE *out)
{
	struct runqlat_state *st = p->state;

	if (out && !bpfl_print_hist(out, "run queue", &st->now.lat, &st->shown.lat, BPFL_SECONDS))
		fprintf(out, "  run queue: no task switched in\n\n");
	st->shown = st->now;
}

static void runqlat_free(struct bpfl_prog *p)
{
	struct runqlat_state *st = p->state;

	if (st)
		bpfl_wl_free_families(&st->wl_lat, 1);
	free(p->state);
	p->state = NULL;
}

const struct bpfl_prog_ops runqlat_ops = {
	.name = "runqlat",
	.view = "runq",
	.open = runqlat_open,
	.prepare = runqlat_prepare,
	.init = runqlat_init,
	.read = runqlat_read,
	.fill = runqlat_fill,
	.maps = runqlat_maps,
	.print = runqlat_print,
	.free = runqlat_free,
};
