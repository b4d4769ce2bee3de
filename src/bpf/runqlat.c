/* runqlat loader: run-queue latency. tp_btf keeps start times in task-local
 * storage, the other rungs in a pid-keyed hash; the map a rung does not use
 * is shrunk to one entry before load. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/runqlat.skel.h"
#include "bpf/loader.h"

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

	if (hook != BPFL_TP_BTF)
		return 0;
	if (have_sched_info()) {
		skel->rodata->targ_sched_info = 1;
		bpf_program__set_autoload(skel->progs.runq_wakeup_btf, false);
		bpf_program__set_autoload(skel->progs.runq_wakeup_new_btf, false);
	}
	return bpf_map__set_max_entries(skel->maps.runq_start_pid, 1);
}

static int runqlat_read(struct bpfl_prog *p, struct bpfl_readout *r)
{
	struct runqlat_bpf *skel = p->skel;
	struct runqlat_data *d = &r->runq;
	uint64_t n;
	int err;

	memset(d, 0, sizeof(*d));
	err = bpfl_map_read_array(bpf_map__fd(skel->maps.runqueue_latency_seconds),
				  sizeof(struct hist), 1, &d->lat);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.runqueue_misses), sizeof(uint64_t),
					  RUNQLAT_COUNTERS, d->misses);
	d->inflight = -1;
	if (!err && p->hook != BPFL_TP_BTF &&
	    bpfl_map_count(bpf_map__fd(skel->maps.runq_start_pid), sizeof(uint32_t), &n) == 0)
		d->inflight = (int64_t)n;
	return err;
}

const struct bpfl_prog_ops runqlat_ops = {
	.name = "runqlat",
	.open = runqlat_open,
	.prepare = runqlat_prepare,
	.read = runqlat_read,
};
