/* biolat loader: block I/O latency and size per device and op.
 *
 * Opens bpf/biolat.bpf.c for loader.c, tells it where struct request sits in
 * the block_rq_* arguments of this kernel, and reads disk_io_latency_seconds
 * back (summed over CPUs) for the bpf collector and the latency view, which
 * name devices through diskname.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/biolat.skel.h"
#include "bpf/loader.h"

static const char *const op_names[BIOLAT_OP_MAX] = { "read", "write", "flush", "discard",
						     "other" };

const char *biolat_op_name(uint32_t op)
{
	return op < BIOLAT_OP_MAX ? op_names[op] : "other";
}

BPFL_SKEL_OPEN(biolat)

/* Parameters of the btf_trace_block_rq_issue prototype, the hidden context
 * pointer included: 2 since v5.11 (rq), 3 before ((q, rq)). */
static int rq_issue_nargs(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id, n = -ENOENT;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "btf_trace_block_rq_issue", BTF_KIND_TYPEDEF);
	if (id < 0)
		goto out;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;           /* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (t && btf_is_func_proto(t))
		n = btf_vlen(t);
out:
	btf__free(btf);
	return n;
}

static int biolat_prepare(struct bpfl_prog *p, int hook)
{
	struct biolat_bpf *skel = p->skel;
	int n;

	if (hook == BPFL_TRACEPOINT)
		return 0;
	n = rq_issue_nargs();
	if (n < 0) {
		snprintf(p->error, sizeof(p->error),
			 "prepare biolat: btf_trace_block_rq_issue not in kernel BTF: %s",
			 strerror(-n));
		return n;
	}
	skel->rodata->targ_rq_arg = n >= 3 ? 1 : 0;
	return 0;
}

/* Adds one CPU's slot to the entry of its key (keys may sit in different
 * slots on different CPUs). */
static void add_slot(struct biolat_data *d, const struct biolat_slot *s)
{
	struct biolat_entry *e = NULL;

	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].dev == s->key.dev && d->e[i].op == s->key.op)
			e = &d->e[i];
	if (!e) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 16;
			struct biolat_entry *ne = realloc(d->e, cap * sizeof(*ne));

			if (!ne)
				return;         /* fewer entries this time; no crash */
			d->e = ne;
			d->cap = cap;
		}
		e = &d->e[d->n++];
		memset(e, 0, sizeof(*e));
		e->dev = s->key.dev;
		e->op = s->key.op;
	}
	const uint64_t *src = (const uint64_t *)&s->v;
	uint64_t *dst = (uint64_t *)&e->total;

	for (size_t w = 0; w < sizeof(s->v) / sizeof(uint64_t); w++)
		dst[w] += src[w];
}

/* Reads the slots any CPU has claimed, one lookup (all CPUs) per slot. */
static int read_slots(struct biolat_bpf *skel, struct biolat_data *d)
{
	int ncpu = libbpf_num_possible_cpus();
	int vfd = bpf_map__fd(skel->maps.disk_io_latency_seconds);
	__u32 used[BIOLAT_MAX_KEYS], keys[BIOLAT_MAX_KEYS], count = BIOLAT_MAX_KEYS, ob = 0;
	struct biolat_slot *v;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	memset(used, 0, sizeof(used));
	err = bpf_map_lookup_batch(bpf_map__fd(skel->maps.disk_io_slots_used), NULL, &ob, keys,
				   used, &count, NULL);
	if (err && err != -ENOENT)
		return err;
	v = calloc((size_t)ncpu, sizeof(*v));   /* 8-byte multiple: no per-CPU padding */
	if (!v)
		return -ENOMEM;
	for (__u32 i = 0; i < count; i++) {
		if (!used[i])
			continue;
		if (bpf_map_lookup_elem(vfd, &keys[i], v))
			continue;
		for (int c = 0; c < ncpu; c++)
			if (v[c].used)
				add_slot(d, &v[c]);
	}
	free(v);
	return 0;
}

/* Live entries of the in-flight table: taken and not stale. One batch read
 * of BIOLAT_MAX_STARTS small entries per interval. */
static int count_inflight(int fd, uint64_t *out)
{
	struct biolat_start *v = calloc(BIOLAT_MAX_STARTS, sizeof(*v));
	__u32 *keys = calloc(BIOLAT_MAX_STARTS, sizeof(*keys));
	__u32 count = BIOLAT_MAX_STARTS, out_batch = 0;
	struct timespec ts;
	uint64_t now, n = 0;
	int err;

	if (!v || !keys) {
		err = -ENOMEM;
		goto out;
	}
	err = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, v, &count, NULL);
	if (err && err != -ENOENT)
		goto out;
	err = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);    /* bpf_ktime_get_ns()'s clock */
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (__u32 i = 0; i < count; i++) {
		uint64_t last = v[i].issue_ns > v[i].insert_ns ? v[i].issue_ns : v[i].insert_ns;

		if (v[i].id && now - last < BIOLAT_STALE_NS)
			n++;
	}
	*out = n;
out:
	free(keys);
	free(v);
	return err;
}

static int biolat_read(struct bpfl_prog *p, struct bpfl_readout *r)
{
	struct biolat_bpf *skel = p->skel;
	struct biolat_data *d = &r->disk;
	uint64_t misses[BIOLAT_COUNTERS];
	int err;

	_Static_assert(sizeof(struct biolat_val) == 3 * sizeof(struct hist), "biolat_val layout");
	_Static_assert(sizeof(struct biolat_slot) % 8 == 0, "biolat_slot: no per-CPU padding");
	_Static_assert(offsetof(struct biolat_entry, size) - offsetof(struct biolat_entry, total) ==
			       2 * sizeof(struct hist), "biolat_entry layout");
	d->n = 0;
	err = read_slots(skel, d);
	if (err)
		return err;
	for (uint32_t i = 0; i < BIOLAT_COUNTERS; i++) {
		int ncpu = libbpf_num_possible_cpus();
		uint64_t v[ncpu > 0 ? ncpu : 1];

		misses[i] = 0;
		if (ncpu > 0 &&
		    bpf_map_lookup_elem(bpf_map__fd(skel->maps.disk_io_misses), &i, v) == 0)
			bpfl_percpu_sum(v, (size_t)ncpu, sizeof(uint64_t), 1, &misses[i]);
	}
	memcpy(d->misses, misses, sizeof(misses));
	return count_inflight(bpf_map__fd(skel->maps.disk_io_start), &d->inflight);
}

const struct bpfl_prog_ops biolat_ops = {
	.name = "biolat",
	.open = biolat_open,
	.prepare = biolat_prepare,
	.read = biolat_read,
};
