// SPDX-License-Identifier: GPL-2.0
/* cgnames: each cgroup made or removed on the v2 hierarchy, to userspace.
 *
 * The other programs key their per-workload maps by cgroup id, and userspace
 * names an id by walking the cgroup2 tree, at most every few seconds: a
 * cgroup that lived for less than that was gone before any walk, and its
 * events could only count as other. cgroup:cgroup_mkdir hands over the id
 * and path as the cgroup is made (the path is the kernel's, from the
 * hierarchy's root, formatted for the tracepoint anyway), so every workload
 * is named from its first event; cgroup:cgroup_rmdir says when its name may
 * go, which no walk then has to find out. Records travel in a ring buffer,
 * each as long as its path.
 *
 * Both tracepoints fire with interrupts off (under trace_cgroup_path_lock),
 * so the per-CPU scratch record cannot be reentered.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cgnames.h"
#include "hist.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} cgroup_events SEC(".maps");

/* The record is built here: it is larger than the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgnames_event);
} cgnames_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CGNAMES_LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} cgnames_lost SEC(".maps");

/* hierarchy_id 0 is the default (v2) hierarchy; v1 ones number from 1 and
 * their ids would collide with v2's. path NULL: removed. */
static __always_inline void send(int hierarchy, __u64 id, const char *path)
{
	__u32 zero = 0;
	struct cgnames_event *e;
	long n = 0;

	if (hierarchy != 0)
		return;
	e = bpf_map_lookup_elem(&cgnames_scratch, &zero);
	if (!e)
		return;
	if (path) {
		n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
		if (n <= 0 || n >= CGNAMES_PATH_MAX) {
			counter_inc(&cgnames_lost, CGNAMES_LOST_LONG);        /* cut short, maybe */
			return;
		}
	}
	e->id = id;
	e->made = path != NULL;
	e->len = n;
	if (bpf_ringbuf_output(&cgroup_events, e,
			       offsetof(struct cgnames_event, path) + (n & (CGNAMES_PATH_MAX - 1)), 0))
		counter_inc(&cgnames_lost, CGNAMES_LOST_FULL);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgnames_mkdir_btf, struct cgroup *cgrp, const char *path)
{
	send(cgrp->root->hierarchy_id, cgrp->kn->id, path);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgnames_rmdir_btf, struct cgroup *cgrp)
{
	send(cgrp->root->hierarchy_id, cgrp->kn->id, NULL);
	return 0;
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(cgnames_mkdir_raw, struct cgroup *cgrp, const char *path)
{
	send(BPF_CORE_READ(cgrp, root, hierarchy_id), BPF_CORE_READ(cgrp, kn, id), path);
	return 0;
}

SEC("raw_tp/cgroup_rmdir")
int BPF_PROG(cgnames_rmdir_raw, struct cgroup *cgrp)
{
	send(BPF_CORE_READ(cgrp, root, hierarchy_id), BPF_CORE_READ(cgrp, kn, id), NULL);
	return 0;
}

SEC("tracepoint/cgroup/cgroup_mkdir")
int cgnames_mkdir_tp(struct trace_event_raw_cgroup *ctx)
{
	send(ctx->root, ctx->id, (const char *)ctx + (ctx->__data_loc_path & 0xffff));
	return 0;
}

SEC("tracepoint/cgroup/cgroup_rmdir")
int cgnames_rmdir_tp(struct trace_event_raw_cgroup *ctx)
{
	send(ctx->root, ctx->id, NULL);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
