// SPDX-License-Identifier: GPL-2.0
/* biolat: block I/O latency per device and op, kernel side.
 *
 * insert (or issue, for requests dispatched straight to the driver) stamps the
 * request in disk_io_start; complete checks the stamp is its own, adds
 * queue+service (insert -> complete), service (issue -> complete) and queue
 * (insert -> issue) to the per-CPU latency value of its device and op, the
 * bytes completed to its size histogram, and frees the slot. Where the kernel
 * stamps the request itself (tp_btf), its stamps stand in for ours, and the
 * slot only carries the cgroup when the task's is charged. Userspace
 * (src/bpf/biolat.c) sums the CPUs and names the devices.
 *
 * Cost per I/O is what the design is about: disk_io_start is a plain array
 * indexed by a hash of the request (a lookup is a few ns, a hash-map update
 * about 275 ns here), and each I/O touches one per-CPU array slot of its
 * device and op, at completion.
 *
 * One event path: stamp() and complete() do the work for every hook rung. The
 * rungs differ only in how they name a request and find its slot, and the
 * loader keeps one rung and turns the other programs' autoload off:
 *   tp_btf     reads struct request fields directly (cheapest);
 *   raw_tp     reads them through bpf_probe_read_kernel();
 *   tracepoint uses the tracepoint's own fields and keys requests by
 *              (device, sector), since it carries no request pointer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "biolat.h"
#include "hist.bpf.h"
#include "core_fixes.bpf.h"
#include "workload.bpf.h"

#define REQ_OP_BITS_ 8
#define REQ_OP_MASK_ ((1U << REQ_OP_BITS_) - 1)
#define SECTOR_SHIFT_ 9

/* block: remove the request_queue argument to the request based tracepoints
 * (a54895fa057c, v5.11): block_rq_insert/issue took (q, rq) before. The
 * loader counts btf_trace_block_rq_issue's parameters in the running kernel's
 * BTF and sets the index of rq here before load. */
const volatile __u32 targ_rq_arg = 0;

/* Whose I/O it is, per workload. With the io controller on the v2 hierarchy
 * (the loader checks its root's cgroup.controllers) the request's bio is
 * charged to a blkcg, as io.stat counts it, so writeback flushed by a kworker
 * goes to the writer. Elsewhere (a hybrid host keeps blkio on v1, whose ids
 * must not mix with v2's) the v2 cgroup of the task that inserted the request,
 * or issued it when no insert was seen: writeback then counts for the
 * flusher. */
const volatile __u32 targ_bio_cgroup = 0;
/* The cgroup comes from the task, which only our stamp in disk_io_start
 * remembers until completion. */
#define CGID_FROM_STAMP (wl_on && !targ_bio_cgroup)
/* log2 of the slots of the (device, op) tables, as the loader sized them. */
const volatile __u32 key_bits = BIOLAT_KEY_BITS;
/* Latency and bytes in one entry (the bytes family is read from it). */
WL_MAP(cgroup_disk_io_latency_seconds, struct wl_hist_bytes);
WL_CACHE_MAP(wl_disk_lat_cache, struct wl_hist_slot);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BIOLAT_MAX_STARTS);
	__type(key, __u32);
	__type(value, struct biolat_start);
} disk_io_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BIOLAT_MAX_KEYS);
	__type(key, __u32);
	__type(value, struct biolat_slot);
} disk_io_latency_seconds SEC(".maps");

/* Indexed like disk_io_latency_seconds, whose slot says whose sizes these are. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BIOLAT_MAX_KEYS);
	__type(key, __u32);
	__type(value, struct hist);
} disk_io_size_bytes SEC(".maps");

/* Per queue (by its id, modulo the size): the queue's id + 1 while its last
 * completion showed the kernel's own issue stamp (rq->io_start_time_ns),
 * else 0. blk_mq_start_request() stamps a request right after
 * block_rq_issue when anything on the queue tracks I/O times
 * (QUEUE_FLAG_STATS: writeback throttling, on by default for every blk-mq
 * disk, sets it), on bpf_ktime_get_ns()'s clock. Learned at completion, as
 * no flag says it at issue in every kernel. Written only when it changes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BIOLAT_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} disk_queue_issue_stamped SEC(".maps");

/* Slots taken on any CPU, so userspace reads only those. Written once per
 * slot (tested first, so the line is not bounced on every I/O). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BIOLAT_MAX_KEYS);
	__type(key, __u32);
	__type(value, __u32);
} disk_io_slots_used SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BIOLAT_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} bpf_map_full_misses_total SEC(".maps");

/* This CPU's latencies for (dev, op), claimed on first use, and their index;
 * NULL when the probe finds no room (counted by the caller). */
static __always_inline struct biolat_lat *key_slot(__u32 dev, __u32 op, __u32 *slot)
{
	__u32 h = ((((__u64)dev << 8) | op) * 0x9E3779B97F4A7C15ULL) >> (64 - key_bits);

	for (__u32 i = 0; i < BIOLAT_KEY_PROBES; i++) {
		__u32 idx = (h + i) & ((1u << key_bits) - 1);
		struct biolat_slot *s = bpf_map_lookup_elem(&disk_io_latency_seconds, &idx);
		__u32 *used;

		if (!s)
			return NULL;
		if (s->used) {
			if (s->key.dev == dev && s->key.op == op) {
				*slot = idx;
				return &s->v;
			}
			continue;
		}
		s->key.dev = dev;
		s->key.op = op;
		s->used = 1;
		used = bpf_map_lookup_elem(&disk_io_slots_used, &idx);
		if (used && !*used)
			*used = 1;
		*slot = idx;
		return &s->v;
	}
	return NULL;
}

static __always_inline __u32 op_of_flags(__u32 cmd_flags)
{
	switch (cmd_flags & REQ_OP_MASK_) {
	case 0: return BIOLAT_OP_READ;     /* REQ_OP_READ */
	case 1: return BIOLAT_OP_WRITE;    /* REQ_OP_WRITE */
	case 2: return BIOLAT_OP_FLUSH;    /* REQ_OP_FLUSH */
	case 3: return BIOLAT_OP_DISCARD;  /* REQ_OP_DISCARD */
	default: return BIOLAT_OP_OTHER;
	}
}

/* rwbs as blk_fill_rwbs() writes it: an optional 'F' for REQ_PREFLUSH, then
 * the op letter ('F' again for REQ_OP_FLUSH). */
static __always_inline __u32 op_of_rwbs(char c0, char c1)
{
	char c = c0;

	if (c == 'F' && c1 != 0 && c1 != 'S' && c1 != 'M' && c1 != 'A')
		c = c1;
	switch (c) {
	case 'R': return BIOLAT_OP_READ;
	case 'W': return BIOLAT_OP_WRITE;
	case 'F': return BIOLAT_OP_FLUSH;
	case 'D': return BIOLAT_OP_DISCARD;
	default: return BIOLAT_OP_OTHER;
	}
}

/* The current task's v2 cgroup id costs 40-60 ns an I/O here, in cache
 * misses on its css_set, cgroup and kernfs node. On tp_btf each of insert
 * and issue keeps, per CPU, the last cgroup it saw and its id: a hit reads
 * only the task's css_set. A cgroup's memory can be freed and reused for
 * another, but only after its rmdir and an RCU grace period, which the
 * program that read its address holds off: so an entry counts only while
 * no rmdir has happened since it was made (cgroup_rmdirs, bumped by
 * biolat_cgroup_rmdir before any such reuse). One entry per program, as
 * a program does not nest in itself on tp_btf (from 5.12) but insert can
 * interrupt issue. */
enum cgid_cache_user { CGID_CACHE_INSERT, CGID_CACHE_ISSUE, CGID_CACHE_USERS, CGID_NO_CACHE };

struct cgid_cache {
	struct cgroup *cgroup;
	__u64 rmdirs;           /* cgroup_rmdirs when it was made */
	__u64 cgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CGID_CACHE_USERS);
	__type(key, __u32);
	__type(value, struct cgid_cache);
} cgid_cache SEC(".maps");

__u64 cgroup_rmdirs = 0;

static __always_inline __u64 current_cgid(__u32 user)
{
	struct cgroup *cgroup;
	struct cgid_cache *c;
	__u64 rmdirs, cgid;

	/* Only where a program cannot nest in itself, which came in 5.12 with
	 * bpf_check_mtu() (and after bpf_get_current_task_btf(), 5.11): before,
	 * the cached path is dead code the verifier never sees. */
	if (user == CGID_NO_CACHE || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_check_mtu))
		return bpf_get_current_cgroup_id();
	/* rmdirs read first: a later bump can only make the entry stale. */
	rmdirs = cgroup_rmdirs;
	barrier();
	cgroup = bpf_get_current_task_btf()->cgroups->dfl_cgrp;
	c = bpf_map_lookup_elem(&cgid_cache, &user);
	if (!c)
		return bpf_get_current_cgroup_id();
	if (c->cgroup == cgroup && c->rmdirs == rmdirs)
		return c->cgid;
	cgid = bpf_get_current_cgroup_id();
	c->cgroup = cgroup;
	c->rmdirs = rmdirs;
	c->cgid = cgid;
	return cgid;
}

static __always_inline int holds(const struct biolat_start *s, __u64 id, __u32 dev)
{
	return s->id == id && s->dev == dev;
}

/* Where insert or issue, at now, stamps the request (id, dev) whose home
 * slot is idx: the slot it holds, else its home unless a live request holds
 * that, else the spill slot unless one holds that too, else its home,
 * evicting that request (counted). The spill slot is read only when the
 * home is taken or has spilled, so most stamps touch one slot. */
static __always_inline struct biolat_start *slot_to_stamp(__u32 idx, __u64 id, __u32 dev,
							  __u64 now)
{
	struct biolat_start *home = bpf_map_lookup_elem(&disk_io_start, &idx), *spill = NULL;
	__u32 spill_idx = BIOLAT_SPILL_OF(idx);
	int home_live;

	if (!home || holds(home, id, dev))
		return home;
	home_live = biolat_start_live(home, now);
	if (home->spills || home_live)
		spill = bpf_map_lookup_elem(&disk_io_start, &spill_idx);
	if (spill && home->spills && holds(spill, id, dev))
		return spill;
	if (!home_live)
		return home;
	if (spill && !biolat_start_live(spill, now)) {
		__sync_fetch_and_add(&home->spills, 1);
		return spill;
	}
	counter_inc(&bpf_map_full_misses_total, BIOLAT_START_MISSES);
	return home;
}

/* The slot completion finds the request (id, dev) with home slot idx in,
 * or NULL; one in the spill slot leaves its home's count. A spilled request
 * whose completion is never seen leaves the count up for good, which costs
 * that home's lookups a read of the spill slot, never a wrong match. */
static __always_inline struct biolat_start *slot_to_complete(__u32 idx, __u64 id, __u32 dev)
{
	struct biolat_start *home = bpf_map_lookup_elem(&disk_io_start, &idx), *spill;
	__u32 spill_idx = BIOLAT_SPILL_OF(idx);

	if (!home || holds(home, id, dev))
		return home;
	if (!home->spills)
		return NULL;
	spill = bpf_map_lookup_elem(&disk_io_start, &spill_idx);
	if (!spill || !holds(spill, id, dev))
		return NULL;
	__sync_fetch_and_add(&home->spills, -1);
	return spill;
}

/* insert and issue, at now: stamps the request (id, dev) whose home slot is
 * idx. Issue keeps the insert time of its own request and stands in for it
 * when no insert was seen (dispatched directly). cache: whose current_cgid()
 * entry, or CGID_NO_CACHE. */
static __always_inline void stamp(__u32 idx, __u64 id, __u32 dev, int is_issue, __u64 now,
				  __u32 cache)
{
	struct biolat_start *s = slot_to_stamp(idx, id, dev, now);

	if (!s)
		return;
	if (holds(s, id, dev) && is_issue && s->insert_ns) {
		/* Issued after its insert: both stamps are this request's. */
		s->issue_ns = now;
		return;
	}
	if (holds(s, id, dev) && !is_issue && s->insert_ns == now) {
		/* Inserted again under the kernel's start stamp it had (tp_btf):
		 * requeued, or the data of a flush sequence, which a kworker
		 * inserts; still its first inserter's, and not issued yet. */
		s->issue_ns = 0;
		return;
	}
	/* A new request, or a stale stamp (merged away, never completed) of a
	 * request struct now reused: this is its start, and its owner. */
	s->id = id;
	s->dev = dev;
	s->insert_ns = now;
	s->cgid = CGID_FROM_STAMP ? current_cgid(cache) : 0;
	s->issue_ns = is_issue ? now : 0;
}

/* complete: the request (id, dev) with home slot idx is done. start_ns and
 * issue_stamp_ns, when the kernel stamped the request itself (0 otherwise),
 * are its start and issue; with both, our stamps are needed only for the
 * cgroup of CGID_FROM_STAMP. kdev and op key the sample, bytes is what this
 * completion covers. */
static __always_inline void complete(__u32 idx, __u64 id, __u32 dev, __u64 start_ns,
				     __u64 issue_stamp_ns, __u32 kdev, __u32 op, __u64 bytes,
				     __u64 bio_cgid)
{
	struct biolat_start *s = slot_to_complete(idx, id, dev);
	__u64 now = bpf_ktime_get_ns(), insert_ns = 0, issue_ns = 0, s_cgid = 0;
	int kernel_stamps = start_ns && issue_stamp_ns;
	struct biolat_lat *v;
	struct hist *size;
	__u32 slot = 0, total;

	if (s) {
		insert_ns = s->insert_ns;
		issue_ns = s->issue_ns;
		s_cgid = s->cgid;
		s->id = 0;
	} else if (!kernel_stamps || CGID_FROM_STAMP) {
		return;         /* started before we attached, or evicted */
	}
	if (kernel_stamps) {
		/* Both may come from a plug's cached clock (6.9 on), issue's
		 * from another task's plug than start's, so possibly older. */
		insert_ns = start_ns;
		issue_ns = issue_stamp_ns > start_ns ? issue_stamp_ns : start_ns;
	} else if (start_ns && start_ns <= issue_ns) {
		insert_ns = start_ns;
	}
	if (!issue_ns || now < issue_ns || issue_ns < insert_ns)
		return;         /* inserted, never issued: requeued or merged away */
	v = key_slot(kdev, op, &slot);
	if (!v) {
		counter_inc(&bpf_map_full_misses_total, BIOLAT_KEY_MISSES);
		return;
	}
	total = hist_slot_ns(now - insert_ns);
	hist_add_slot(&v->total, total, now - insert_ns);
	hist_add_ns(&v->service, now - issue_ns);
	hist_add_ns(&v->queue, issue_ns - insert_ns);
	size = bpf_map_lookup_elem(&disk_io_size_bytes, &slot);
	if (size)
		hist_add_bytes(size, bytes);
	if (targ_bio_cgroup)
		s_cgid = bio_cgid;
	wl_hist_bytes_slot(&cgroup_disk_io_latency_seconds, &wl_disk_lat_cache, s_cgid, op, total,
			   now - insert_ns, bytes);
}

/* ---- tp_btf ------------------------------------------------------------ */

static __always_inline struct request *rq_arg(unsigned long long *ctx)
{
	return (struct request *)(targ_rq_arg ? ctx[1] : ctx[0]);
}

/* tp_btf types the request as a trusted pointer, which the verifier lets us
 * store and compare (we load as root) but not hash, and reading its value
 * through bpf_probe_read_kernel() costs ~60 ns here. So the slot comes from
 * scalars that stay fixed while the request is in flight (device, hardware
 * queue, scheduler tag or else driver tag: unique among in-flight requests
 * of that queue) and the pointer only confirms the slot is ours.
 *
 * A queue's tags take consecutive slots from a point its hash picks: the
 * requests in flight then share a few cache lines and pages of the table,
 * where hashing each tag on its own scattered them over all of it, and the
 * cache and TLB misses of that cost 50-75 ns an event here (a store to a
 * hashed slot of the 320 KiB table against one to a 128-slot table, side by
 * side on block_rq_issue). The point is the Fibonacci hash of q->id * 4 +
 * hardware queue: a host's queue ids are small and consecutive, which that
 * hash spreads furthest apart (16 single-queue disks 456 slots apart at
 * least). Hashing q->id << 32 instead, as we did, used only the low half of
 * the multiplier, about 1/2: ids two apart started 46 slots apart, and two
 * busy disks evicted each other's requests. */
static __always_inline __u32 slot_btf(struct request *rq)
{
	struct blk_mq_hw_ctx *hctx = rq->mq_hctx;
	int tag = rq->internal_tag >= 0 ? rq->internal_tag : rq->tag;
	__u64 queue = (__u64)rq->q->id * 4 + (hctx ? hctx->queue_num : 0);

	return (biolat_slot_of(queue, 0) + (__u32)tag) & (BIOLAT_MAX_STARTS - 1);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(biolat_insert_btf)
{
	struct request *rq = rq_arg(ctx);
	__u64 start_ns = rq->start_time_ns;

	/* With I/O accounting on, blk_mq_rq_ctx_init() already stamped the
	 * request on the clock bpf_ktime_get_ns() reads (start_time_ns, at
	 * allocation, just before insert): completion uses that, and insert
	 * runs only to note the inserting task's cgroup, taking that stamp as
	 * its time. A clock read is the dearest step here (the first of an
	 * event costs 75-100 ns). */
	if (!start_ns)
		stamp(slot_btf(rq), (__u64)rq, 0, 0, bpf_ktime_get_ns(), CGID_CACHE_INSERT);
	else if (CGID_FROM_STAMP)
		stamp(slot_btf(rq), (__u64)rq, 0, 0, start_ns, CGID_CACHE_INSERT);
	return 0;
}

/* Passthrough requests (REQ_OP_DRV_IN and up; SCSI_IN/OUT before 5.11) may
 * get no issue stamp whatever the queue: newer kernels leave them out. */
#define REQ_OP_PASSTHROUGH_ 32

static __always_inline __u32 *queue_issue_stamped(struct request *rq)
{
	__u32 idx = (__u32)rq->q->id & (BIOLAT_QUEUES - 1);

	return bpf_map_lookup_elem(&disk_queue_issue_stamped, &idx);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(biolat_issue_btf)
{
	struct request *rq = rq_arg(ctx);
	__u64 start_ns = rq->start_time_ns;
	__u32 *stamped;

	/* Where the kernel will stamp both times, completion reads them, and
	 * issue has only the cgroup to note, taking the start stamp as its
	 * time (as insert does), unless insert noted it already: every
	 * request the I/O scheduler took went through insert. */
	if (start_ns && (rq->cmd_flags & REQ_OP_MASK_) < REQ_OP_PASSTHROUGH_) {
		stamped = queue_issue_stamped(rq);
		if (stamped && *stamped == (__u32)rq->q->id + 1) {
			if (CGID_FROM_STAMP && !rq_sched_inserted_btf(rq))
				stamp(slot_btf(rq), (__u64)rq, 0, 1, start_ns, CGID_CACHE_ISSUE);
			return 0;
		}
	}
	stamp(slot_btf(rq), (__u64)rq, 0, 1, bpf_ktime_get_ns(), CGID_CACHE_ISSUE);
	return 0;
}

/* cgroup_rmdir(cgrp, path): see current_cgid(). */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(biolat_cgroup_rmdir)
{
	__sync_fetch_and_add(&cgroup_rmdirs, 1);
	return 0;
}

/* block_rq_complete(rq, error, nr_bytes): nr_bytes is what this completion
 * covers, the whole request unless it completes in parts. */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(biolat_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	__u64 issue_stamp_ns = rq->io_start_time_ns;
	__u32 *stamped, want;

	/* A request completed in parts (SCSI after an error, say) is one
	 * I/O, done at its last part: the kernel's stamps would let each part
	 * count as an I/O of its own, where no slot of ours says otherwise.
	 * __data_len is what remains, before this part is taken off. */
	if (nr_bytes < rq->__data_len)
		return 0;
	/* Only a request with data tells: an fsync's empty flush is ended by
	 * the flush machinery without ever being issued, so it never shows an
	 * issue stamp, and would unlearn the queue at each fsync. */
	if (nr_bytes && (rq->cmd_flags & REQ_OP_MASK_) < REQ_OP_PASSTHROUGH_) {
		stamped = queue_issue_stamped(rq);
		want = issue_stamp_ns ? (__u32)rq->q->id + 1 : 0;
		if (stamped && *stamped != want)
			*stamped = want;
	}
	complete(slot_btf(rq), (__u64)rq, 0, rq->start_time_ns, issue_stamp_ns, rq_dev_btf(rq),
		 op_of_flags(rq->cmd_flags), nr_bytes, targ_bio_cgroup ? rq_blkcg_id_btf(rq) : 0);
	return 0;
}

/* ---- raw_tp ------------------------------------------------------------ */

SEC("raw_tp/block_rq_insert")
int BPF_PROG(biolat_insert_raw)
{
	__u64 id = (__u64)rq_arg(ctx);

	stamp(biolat_slot_of(id, 0), id, 0, 0, bpf_ktime_get_ns(), CGID_NO_CACHE);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(biolat_issue_raw)
{
	__u64 id = (__u64)rq_arg(ctx);

	stamp(biolat_slot_of(id, 0), id, 0, 1, bpf_ktime_get_ns(), CGID_NO_CACHE);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(biolat_complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	complete(biolat_slot_of((__u64)rq, 0), (__u64)rq, 0, 0, 0, rq_dev_read(rq),
		 op_of_flags(BPF_CORE_READ(rq, cmd_flags)), nr_bytes,
		 targ_bio_cgroup ? rq_blkcg_id_read(rq) : 0);
	return 0;
}

/* ---- classic tracepoint ------------------------------------------------ */

/* Requests are known by start sector here; + 1 keeps sector 0 apart from a
 * free slot. insert/issue report blk_rq_trace_sector(), 0 for a request
 * with no position (flushes: (sector_t)-1), while complete reports
 * blk_rq_pos() itself, so -1 is folded to 0 for both to agree. */
#define TP_ID(ctx) ((ctx)->sector == ~0ULL ? 1 : (ctx)->sector + 1)

SEC("tracepoint/block/block_rq_insert")
int biolat_insert_tp(struct trace_event_raw_block_rq *ctx)
{
	stamp(biolat_slot_of(TP_ID(ctx), ctx->dev), TP_ID(ctx), ctx->dev, 0, bpf_ktime_get_ns(),
	      CGID_NO_CACHE);
	return 0;
}

SEC("tracepoint/block/block_rq_issue")
int biolat_issue_tp(struct trace_event_raw_block_rq *ctx)
{
	stamp(biolat_slot_of(TP_ID(ctx), ctx->dev), TP_ID(ctx), ctx->dev, 1, bpf_ktime_get_ns(),
	      CGID_NO_CACHE);
	return 0;
}

/* Byte by byte: each load is its own CO-RE relocation off ctx, which the
 * verifier accepts; a memcpy would offset the ctx pointer. */
#define COMPLETE_TP(ctx)                                                                        \
	complete(biolat_slot_of(TP_ID(ctx), (ctx)->dev), TP_ID(ctx), (ctx)->dev, 0, 0,          \
		 (ctx)->dev, op_of_rwbs((ctx)->rwbs[0], (ctx)->rwbs[1]),                        \
		 (__u64)(ctx)->nr_sector << SECTOR_SHIFT_, 0)

SEC("tracepoint/block/block_rq_complete")
int biolat_complete_tp(struct trace_event_raw_block_rq_completion *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_block_rq_completion))
		COMPLETE_TP(ctx);
	else
		COMPLETE_TP((struct trace_event_raw_block_rq_complete *)(void *)ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
