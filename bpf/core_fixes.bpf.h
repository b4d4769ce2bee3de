/* Kernel struct drift, one shim per change, each naming the kernel commit.
 *
 * Every program here is CO-RE: field offsets are relocated by libbpf against
 * the running kernel's BTF. What relocation cannot do is follow a field that
 * moved to another struct or was renamed; those cases live here, decided with
 * bpf_core_field_exists() rather than version compares (distribution kernels
 * backport). The ___old flavours describe layouts no longer in vmlinux.h.
 *
 * Two access styles: the *_btf() helpers dereference directly and are only
 * for tp_btf programs (the verifier knows the pointer's BTF type); the *_read()
 * helpers go through bpf_probe_read_kernel() for raw_tp programs, whose
 * arguments are plain scalars.
 */
#ifndef IM_CORE_FIXES_BPF_H
#define IM_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/* block: remove the ->rq_disk field in struct request (f3fa33acca9f, v5.17);
 * the disk is reached through the queue since then. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* block: the request flags became an enum (enum rqf_flags, in 6.18 here);
 * before, RQF_* were macros, absent from BTF, and RQF_USE_SCHED was RQF_ELV
 * at another bit. Only the enum's bit is relocatable; kernels with the
 * macros do without it. */
enum rqf_flags___im {
	__RQF_USE_SCHED___im = 5,
};

/* Whether the I/O scheduler took rq (RQF_USE_SCHED): every such request is
 * inserted through block_rq_insert. 0 where the kernel cannot say. */
static __always_inline int rq_sched_inserted_btf(struct request *rq)
{
	if (!bpf_core_enum_value_exists(enum rqf_flags___im, __RQF_USE_SCHED___im))
		return 0;
	return !!(rq->rq_flags & (1U << bpf_core_enum_value(enum rqf_flags___im, __RQF_USE_SCHED___im)));
}

/* sched: change task_struct::state (2f064a59a11f, v5.14) renamed state to
 * __state and made it unsigned int. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* block: introduce block_rq_error tracepoint (v5.17) made block_rq_complete
 * one event of the class block_rq_completion; before, its record was its own
 * trace_event_raw_block_rq_complete, with the same fields. */
struct trace_event_raw_block_rq_complete {
	dev_t dev;
	sector_t sector;
	unsigned int nr_sector;
	char rwbs[8];
} __attribute__((preserve_access_index));

/* dev_t as the kernel encodes it (MKDEV: 12-bit major above a 20-bit minor),
 * the same value the classic block tracepoints report in their dev field. */
#define IM_MINORBITS 20
static __always_inline __u32 im_mkdev(__u32 major, __u32 minor)
{
	return (major << IM_MINORBITS) | minor;
}

static __always_inline __u32 rq_dev_read(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___old *)0)->rq_disk))
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return im_mkdev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
}

static __always_inline __u32 rq_dev_btf(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___old *)0)->rq_disk))
		disk = ((struct request___old *)(void *)rq)->rq_disk;
	else
		disk = rq->q->disk;
	if (!disk)
		return 0;
	return im_mkdev(disk->major, disk->first_minor);
}

static __always_inline unsigned int task_state_read(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___old *)t, state);
}

static __always_inline unsigned int task_state_btf(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___old *)(void *)t)->state;
}

/* cgroup: sock_cgroup_data was a union of a cgroup pointer with the net_prio
 * and net_cls bits (val & 3 set: no pointer stored) until 8520e224f547
 * (v5.15) made it a plain struct cgroup *cgroup. */
struct sock_cgroup_data___old {
	__u64 val;
} __attribute__((preserve_access_index));

struct sock___old {
	struct sock_cgroup_data___old sk_cgrp_data;
} __attribute__((preserve_access_index));

/* The v2 root's id: events with no owner count there. */
#define IM_CGROUP_ROOT_ID 1ULL

static __always_inline __u64 cgroup_id_read(struct cgroup *cg)
{
	return cg ? BPF_CORE_READ(cg, kn, id) : IM_CGROUP_ROOT_ID;
}

static __always_inline __u64 sk_cgroup_id_read(struct sock *sk)
{
	__u64 v;

	if (!sk)
		return IM_CGROUP_ROOT_ID;
	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return cgroup_id_read(BPF_CORE_READ(sk, sk_cgrp_data.cgroup));
	v = BPF_CORE_READ((struct sock___old *)sk, sk_cgrp_data.val);
	return cgroup_id_read(v & 3 ? NULL : (struct cgroup *)(unsigned long)v);
}

static __always_inline __u64 sk_cgroup_id_btf(struct sock *sk)
{
	struct cgroup *cg;
	__u64 v;

	if (!sk)
		return IM_CGROUP_ROOT_ID;
	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup)) {
		cg = sk->sk_cgrp_data.cgroup;
		return cg ? cg->kn->id : IM_CGROUP_ROOT_ID;
	}
	/* A pointer made from an integer has no BTF type: read through it. */
	v = ((struct sock___old *)(void *)sk)->sk_cgrp_data.val;
	return cgroup_id_read(v & 3 ? NULL : (struct cgroup *)(unsigned long)v);
}

/* A task's cgroup on the v2 hierarchy (kernel threads: the root). */
static __always_inline __u64 task_cgroup_id_read(struct task_struct *t)
{
	return cgroup_id_read(BPF_CORE_READ(t, cgroups, dfl_cgrp));
}

static __always_inline __u64 task_cgroup_id_btf(struct task_struct *t)
{
	struct cgroup *cg = t->cgroups->dfl_cgrp;

	return cg ? cg->kn->id : IM_CGROUP_ROOT_ID;
}

/* The blkcg a request's first bio is charged to (CONFIG_BLK_CGROUP: bio has
 * bi_blkg), as io.stat counts it; the root without one. */
static __always_inline __u64 rq_blkcg_id_read(struct request *rq)
{
	struct blkcg_gq *blkg;

	if (!bpf_core_field_exists(((struct bio *)0)->bi_blkg))
		return IM_CGROUP_ROOT_ID;
	blkg = BPF_CORE_READ(rq, bio, bi_blkg);
	return blkg ? cgroup_id_read(BPF_CORE_READ(blkg, blkcg, css.cgroup)) : IM_CGROUP_ROOT_ID;
}

static __always_inline __u64 rq_blkcg_id_btf(struct request *rq)
{
	struct cgroup *cg;
	struct bio *bio;

	if (!bpf_core_field_exists(((struct bio *)0)->bi_blkg))
		return IM_CGROUP_ROOT_ID;
	bio = rq->bio;
	if (!bio || !bio->bi_blkg || !bio->bi_blkg->blkcg)
		return IM_CGROUP_ROOT_ID;
	cg = bio->bi_blkg->blkcg->css.cgroup;
	return cg ? cg->kn->id : IM_CGROUP_ROOT_ID;
}

#endif
