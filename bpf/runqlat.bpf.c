// SPDX-License-Identifier: GPL-2.0
/* runqlat: run-queue latency, kernel side.
 *
 * A task is stamped when it becomes runnable (sched_wakeup, sched_wakeup_new,
 * or sched_switch preempting it while still TASK_RUNNING) and measured when
 * sched_switch puts it on a CPU. One per-CPU histogram for the whole host.
 *
 * Where the start time comes from depends on the rung:
 *   tp_btf, CONFIG_SCHED_INFO: the kernel already stamps it. enqueue sets
 *     next->sched_info.last_queued from the run-queue clock, and it is only
 *     consumed after trace_sched_switch (sched_info_arrive() in
 *     context_switch()); this CPU's rq->clock, the clock it was stamped
 *     with, was updated at the top of __schedule(). So only sched_switch is
 *     traced, no start time is stored and no clock is read (here
 *     bpf_ktime_get_ns() alone costs ~70 ns).
 *   tp_btf otherwise: task-local storage (a pointer chase, no hash).
 *   raw_tp, tracepoint: a pid-keyed hash, a hash update per wakeup (about
 *     275 ns here), which is why tp_btf comes first.
 * The loader turns targ_sched_info on when BTF has the fields, drops the
 * wakeup handlers then, and shrinks the map a rung does not use.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "runqlat.h"
#include "hist.bpf.h"
#include "core_fixes.bpf.h"
#include "workload.bpf.h"

#define TASK_RUNNING_ 0

const volatile __u32 targ_sched_info = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runq_start_task SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RUNQLAT_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u64);
} runq_start_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} runqueue_latency_seconds SEC(".maps");

/* Per workload: the cgroup of the task switched in (tp_btf and raw_tp). */
WL_MAP(cgroup_runqueue_latency_seconds, struct hist);
WL_CACHE_MAP(wl_runq_cache, struct wl_hist_slot);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RUNQLAT_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} bpf_map_full_misses_total SEC(".maps");

/* cgid is read only when attribution is on (a constant the verifier folds). */
static __always_inline void record(__u64 start, __u64 now, __u64 cgid)
{
	__u32 zero = 0, s;
	struct hist *h;

	if (now < start)
		return;
	s = hist_slot_ns(now - start);
	h = bpf_map_lookup_elem(&runqueue_latency_seconds, &zero);
	if (h)
		hist_add_slot(h, s, now - start);
	wl_hist_slot(&cgroup_runqueue_latency_seconds, &wl_runq_cache, cgid, 0, s, now - start);
}

/* ---- tp_btf: task-local storage ---------------------------------------- */

static __always_inline void stamp_task(struct task_struct *p, __u64 now)
{
	__u64 *ts;

	ts = bpf_task_storage_get(&runq_start_task, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = now;
	else
		counter_inc(&bpf_map_full_misses_total, RUNQLAT_START_MISSES);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runq_wakeup_btf, struct task_struct *p)
{
	stamp_task(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runq_wakeup_new_btf, struct task_struct *p)
{
	stamp_task(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 *ts, now;

	if (targ_sched_info) {
		/* This CPU's run queue without a per-CPU symbol (this kernel
		 * has no kallsyms for ksyms): set_task_rq() points every
		 * task's se.cfs_rq at its group's cfs_rq on its CPU, whose
		 * ->rq (CONFIG_FAIR_GROUP_SCHED) is that CPU's struct rq. */
		struct cfs_rq *cfs;
		struct rq *rq;
		__u64 queued;

		if (!next->pid)
			return 0;
		queued = next->sched_info.last_queued;
		if (!queued)
			return 0;
		cfs = next->se.cfs_rq;
		rq = cfs ? cfs->rq : NULL;
		if (rq)
			record(queued, rq->clock, wl_on ? task_cgroup_id_btf(next) : 0);
		return 0;
	}
	now = bpf_ktime_get_ns();       /* once: it is the dear part */
	if (prev->pid && task_state_btf(prev) == TASK_RUNNING_)
		stamp_task(prev, now);
	if (!next->pid)
		return 0;
	ts = bpf_task_storage_get(&runq_start_task, next, 0, 0);
	if (!ts || !*ts)
		return 0;
	record(*ts, now, wl_on ? task_cgroup_id_btf(next) : 0);
	*ts = 0;
	return 0;
}

/* ---- raw_tp and tracepoint: pid-keyed hash ----------------------------- */

static __always_inline void stamp_pid(__u32 pid, __u64 now)
{
	if (!pid)
		return;
	if (bpf_map_update_elem(&runq_start_pid, &pid, &now, BPF_ANY))
		counter_inc(&bpf_map_full_misses_total, RUNQLAT_START_MISSES);
}

static __always_inline void switch_pid(__u32 prev_pid, long prev_state, __u32 next_pid,
				       __u64 next_cgid)
{
	__u64 now = bpf_ktime_get_ns(), *ts;

	if (prev_state == TASK_RUNNING_)
		stamp_pid(prev_pid, now);
	if (!next_pid)
		return;
	ts = bpf_map_lookup_elem(&runq_start_pid, &next_pid);
	if (!ts)
		return;
	record(*ts, now, next_cgid);
	bpf_map_delete_elem(&runq_start_pid, &next_pid);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(runq_wakeup_raw, struct task_struct *p)
{
	stamp_pid(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(runq_wakeup_new_raw, struct task_struct *p)
{
	stamp_pid(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(runq_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switch_pid(BPF_CORE_READ(prev, pid), task_state_read(prev), BPF_CORE_READ(next, pid),
		   wl_on ? task_cgroup_id_read(next) : 0);
	return 0;
}

SEC("tracepoint/sched/sched_wakeup")
int runq_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	stamp_pid(ctx->pid, bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/sched/sched_wakeup_new")
int runq_wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	stamp_pid(ctx->pid, bpf_ktime_get_ns());
	return 0;
}

/* prev_state in the tracepoint is the reported state, where preemption shows
 * as TASK_RUNNING (0) too, so the test matches the tp_btf one. */
SEC("tracepoint/sched/sched_switch")
int runq_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	/* Only pids here: no attribution on this rung (the loader says so). */
	switch_pid(ctx->prev_pid, ctx->prev_state, ctx->next_pid, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
