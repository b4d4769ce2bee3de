/* biolat: block I/O latency and size per device and op, user side.
 *
 * Opens bpf/biolat.bpf.c for loader.c, tells it where struct request sits in
 * the block_rq_* arguments of this kernel, reads disk_io_latency_seconds and
 * disk_io_size_bytes back (summed over CPUs), names the devices through
 * diskname.c, and turns the result into the disk_io families and the disk
 * part of the terminal view.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/biolat.h"
#include "bpf/biolat.skel.h"
#include "bpf/diskname.h"
#include "bpf/loader.h"
#include "log.h"
#include "util.h"

/* The sums of one device and op since load. */
struct biolat_entry {
	uint32_t dev, op;               /* kernel dev_t (major << 20 | minor), enum biolat_op */
	struct hist total, service, queue, size;
};

/* One reading of the maps. */
struct biolat_reading {
	struct biolat_entry *e;
	size_t n, cap;
	uint64_t misses[BIOLAT_COUNTERS];
	uint64_t inflight;              /* live entries in disk_io_start */
};

struct biolat_state {
	struct biolat_reading now, shown;       /* shown: as the terminal last printed it */
	struct disk_names *disks;
	struct bpfl_wl_family wl;       /* latency, and bytes with it */
};

static const char *const op_names[BIOLAT_OP_MAX] = { "read", "write", "flush", "discard",
						     "other" };

static const char *op_name(uint32_t op)
{
	return op < BIOLAT_OP_MAX ? op_names[op] : "other";
}

static const char *wl_op_name(const void *arg, uint32_t op, char *buf, size_t bufsz)
{
	return op_name(op);
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

/* log2 of the (device, op) table's slots: the smallest power of two with
 * room for four ops on every block device present now (partitions count
 * too, which leaves room for hot-plug), within the program's bounds. A
 * device added past that is counted in bpf_map_full_misses_total. */
static unsigned int key_bits_for(const char *procfs)
{
	struct disk_names *d = disk_names_new(procfs);
	size_t want = 4 * disk_names_count(d);
	unsigned int bits = BIOLAT_MIN_KEY_BITS;

	disk_names_free(d);
	while (bits < BIOLAT_KEY_BITS && (1u << bits) < want)
		bits++;
	return bits;
}

/* Whether the kernel stamps every request of block device dev, below dir
 * (rq->start_time_ns): blk_mq_rq_ctx_init() does for a queue that counts I/O
 * statistics (queue/iostats, on by default) or has an I/O scheduler. A
 * bio-based device (zram, device mapper's bio targets) makes no requests,
 * and since 6.x has no queue/scheduler to show it. */
static bool queue_stamps(const char *dir, const char *dev, struct buf *b)
{
	char rel[PATH_MAX];
	int err;

	snprintf(rel, sizeof(rel), "%s/queue/iostats", dev);
	if (read_file_at(dir, rel, b))
		return false;
	if (buf_cstr(b)[0] != '0')
		return true;
	snprintf(rel, sizeof(rel), "%s/queue/scheduler", dev);
	err = read_file_at(dir, rel, b);
	return err == -ENOENT || (!err && !strstr(buf_cstr(b), "[none]"));
}

/* queue_stamps() for every block device present; false when sysfs cannot
 * tell. */
static bool every_queue_stamps(const char *sysfs)
{
	char dir[PATH_MAX];
	struct buf b = { 0 };
	struct dirent *de;
	bool all = true;
	DIR *d;

	if (path_join(dir, sizeof(dir), sysfs ? sysfs : "/sys", "block"))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (all && (de = readdir(d)))
		if (de->d_name[0] != '.')
			all = queue_stamps(dir, de->d_name, &b);
	closedir(d);
	buf_free(&b);
	return all;
}

static int biolat_prepare(struct bpfl_prog *p, int hook)
{
	struct biolat_bpf *skel = p->skel;
	unsigned int bits = key_bits_for(p->procfs);
	bool cgid_from_task;
	struct bpf_map *keyed[] = { skel->maps.disk_io_latency_seconds, skel->maps.disk_io_size_bytes,
				    skel->maps.disk_io_slots_used };
	struct bpf_map *wl_maps[] = { skel->maps.cgroup_disk_io_latency_seconds };
	struct bpf_map *wl_caches[] = { skel->maps.wl_disk_lat_cache };
	int n = bpfl_wl_prepare(p, true, NULL, &skel->rodata->wl_on, &skel->rodata->wl_filter,
				wl_maps, ARRAY_SIZE(wl_maps), wl_caches, ARRAY_SIZE(wl_caches),
				BIOLAT_OP_MAX);

	if (n)
		return n;
	skel->rodata->key_bits = bits;
	for (size_t i = 0; i < ARRAY_SIZE(keyed); i++) {
		n = bpf_map__set_max_entries(keyed[i], 1u << bits);
		if (n)
			return n;
	}
	/* The classic tracepoints carry no request: the inserting task there. */
	skel->rodata->targ_bio_cgroup = hook != BPFL_TRACEPOINT && bpfl_wl_io_controller(p->wl);
	if (hook == BPFL_TRACEPOINT)
		return 0;
	/* On tp_btf, insert stamps only the requests the kernel did not, and
	 * otherwise runs to note the inserting task's cgroup. Where neither is
	 * needed it stays out: a program run saved on every I/O that goes
	 * through an I/O scheduler (65-100 ns here). A device added later with
	 * neither statistics nor a scheduler then has its total start at issue
	 * for the few requests inserted rather than issued directly. */
	cgid_from_task = skel->rodata->wl_on && !skel->rodata->targ_bio_cgroup;
	if (hook == BPFL_TP_BTF && !cgid_from_task && every_queue_stamps(p->sysfs))
		bpf_program__set_autoload(skel->progs.biolat_insert_btf, false);
	/* It keeps the cache of the task's cgroup honest: no task, no cache. */
	if (hook == BPFL_TP_BTF && !cgid_from_task)
		bpf_program__set_autoload(skel->progs.biolat_cgroup_rmdir, false);
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

/* The entry of (dev, op), added on first use; NULL when out of memory (the
 * reading then has fewer entries; no crash). */
static struct biolat_entry *entry(struct biolat_reading *r, uint32_t dev, uint32_t op)
{
	struct biolat_entry *e;

	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].dev == dev && r->e[i].op == op)
			return &r->e[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct biolat_entry *ne = realloc(r->e, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		r->e = ne;
		r->cap = cap;
	}
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->op = op;
	return e;
}

static void hist_acc(struct hist *dst, const struct hist *src)
{
	for (int i = 0; i < HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->sum += src->sum;
}

/* Reads the slots any CPU has claimed, one lookup (all CPUs) per slot and
 * map; keys may sit in different slots on different CPUs. */
static int read_slots(struct biolat_bpf *skel, struct biolat_reading *r)
{
	int ncpu = libbpf_num_possible_cpus();
	int lfd = bpf_map__fd(skel->maps.disk_io_latency_seconds);
	int sfd = bpf_map__fd(skel->maps.disk_io_size_bytes);
	__u32 used[BIOLAT_MAX_KEYS], keys[BIOLAT_MAX_KEYS], count = BIOLAT_MAX_KEYS, ob = 0;
	struct biolat_slot *lat = NULL;
	struct hist *size = NULL;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	memset(used, 0, sizeof(used));
	err = bpf_map_lookup_batch(bpf_map__fd(skel->maps.disk_io_slots_used), NULL, &ob, keys,
				   used, &count, NULL);
	if (err && err != -ENOENT)
		return err;
	err = 0;
	/* Both 8-byte multiples: no per-CPU padding. */
	lat = calloc((size_t)ncpu, sizeof(*lat));
	size = calloc((size_t)ncpu, sizeof(*size));
	if (!lat || !size) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < count; i++) {
		if (!used[i] || bpf_map_lookup_elem(lfd, &keys[i], lat) ||
		    bpf_map_lookup_elem(sfd, &keys[i], size))
			continue;
		for (int c = 0; c < ncpu; c++) {
			struct biolat_entry *e;

			if (!lat[c].used)
				continue;
			e = entry(r, lat[c].key.dev, lat[c].key.op);
			if (!e)
				continue;
			hist_acc(&e->total, &lat[c].v.total);
			hist_acc(&e->service, &lat[c].v.service);
			hist_acc(&e->queue, &lat[c].v.queue);
			hist_acc(&e->size, &size[c]);
		}
	}
out:
	free(size);
	free(lat);
	return err;
}

/* Live entries of the in-flight table. One batch read of BIOLAT_MAX_STARTS
 * small entries per interval. */
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
	for (__u32 i = 0; i < count; i++)
		n += biolat_start_live(&v[i], now) ? 1 : 0;
	*out = n;
out:
	free(keys);
	free(v);
	return err;
}

static int biolat_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	struct biolat_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	p->state = st;
	st->disks = disk_names_new(o->procfs);
	if (!st->disks)
		return -errno;
	if (p->wl_on)
		log_infof("bpf", LOG_KV("program", p->name), "per-workload disk I/O is charged to %s",
			  ((struct biolat_bpf *)p->skel)->rodata->targ_bio_cgroup
				  ? "the bio's blkcg (io controller on cgroup v2)"
				  : "the task that inserted it (no io controller on cgroup v2: "
				    "writeback counts for the flusher)");
	st->wl = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_disk_io_latency_seconds",
		.help = "Block I/O latency, insert to complete (queue and service), per workload "
			"and op.",
		.value = BPFL_WL_HIST,
		.fd = bpf_map__fd(((struct biolat_bpf *)p->skel)->maps.cgroup_disk_io_latency_seconds),
		.cache = ((struct biolat_bpf *)p->skel)->maps.wl_disk_lat_cache,
		.bytes_name = "infra_monitor_cgroup_disk_io_bytes_total",
		.bytes_help = "Bytes of block I/O completed per workload and op.",
		.key_label = "op", .key_name = wl_op_name, .nkeys = BIOLAT_OP_MAX };
	return bpfl_wl_init(p, bpf_map__fd(((struct biolat_bpf *)p->skel)->maps.wl_ids),
			    bpf_map__fd(((struct biolat_bpf *)p->skel)->maps.wl_overflow), &st->wl,
			    1);
}

static int biolat_read(struct bpfl_prog *p)
{
	struct biolat_bpf *skel = p->skel;
	struct biolat_reading *r = &((struct biolat_state *)p->state)->now;
	int err;

	_Static_assert(sizeof(struct biolat_slot) % 8 == 0, "biolat_slot: no per-CPU padding");
	r->n = 0;
	err = read_slots(skel, r);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.bpf_map_full_misses_total),
					  sizeof(uint64_t), BIOLAT_COUNTERS, r->misses);
	if (!err)
		err = count_inflight(bpf_map__fd(skel->maps.disk_io_start), &r->inflight);
	if (!err)
		err = bpfl_wl_read(p, &((struct biolat_state *)p->state)->wl, 1);
	return err;
}

static void biolat_fill(struct bpfl_prog *p, struct metric_set *ms)
{
	struct biolat_state *st = p->state;
	const struct biolat_reading *r = &st->now;
	struct family *lat = ms_family(ms, "infra_monitor_disk_io_latency_seconds",
				       METRIC_HISTOGRAM,
				       "Block I/O latency by device and op; phase total is "
				       "insert to complete (queue and service), queue is "
				       "insert to issue, service is issue to complete.");
	struct family *size = ms_family(ms, "infra_monitor_disk_io_size_bytes", METRIC_HISTOGRAM,
					"Block I/O size at completion by device and op.");

	for (size_t i = 0; i < r->n; i++) {
		const struct biolat_entry *e = &r->e[i];
		char buf[32];
		const char *dev = disk_names_get(st->disks, e->dev, buf, sizeof(buf));
		struct label l[3] = { { "device", dev }, { "op", op_name(e->op) },
				      { "phase", "total" } };

		bpfl_add_hist(ms, lat, &e->total, BPFL_SECONDS, l, 3);
		l[2].value = "service";
		bpfl_add_hist(ms, lat, &e->service, BPFL_SECONDS, l, 3);
		l[2].value = "queue";
		bpfl_add_hist(ms, lat, &e->queue, BPFL_SECONDS, l, 3);
		bpfl_add_hist(ms, size, &e->size, BPFL_BYTES, l, 2);
	}
	bpfl_wl_fill_families(p, &st->wl, 1, ms);
}

static size_t biolat_maps(const struct bpfl_prog *p, struct bpfl_map_fill *out)
{
	const struct biolat_reading *r = &((const struct biolat_state *)p->state)->now;

	out[0] = (struct bpfl_map_fill){ "disk_io_start", (double)r->inflight, BIOLAT_MAX_STARTS,
					 r->misses[BIOLAT_START_MISSES] };
	out[1] = (struct bpfl_map_fill){
		"disk_io_latency_seconds", (double)r->n,
		bpf_map__max_entries(((struct biolat_bpf *)p->skel)->maps.disk_io_latency_seconds),
		r->misses[BIOLAT_KEY_MISSES] };
	return 2;
}

static const struct biolat_entry *find(const struct biolat_reading *r, uint32_t dev, uint32_t op)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].dev == dev && r->e[i].op == op)
			return &r->e[i];
	return NULL;
}

/* dst = src, deep; on failure dst keeps what it had. */
static int copy_reading(struct biolat_reading *dst, const struct biolat_reading *src)
{
	if (src->n > dst->cap) {
		struct biolat_entry *e = realloc(dst->e, src->n * sizeof(*e));

		if (!e)
			return -ENOMEM;
		dst->e = e;
		dst->cap = src->n;
	}
	if (src->n)
		memcpy(dst->e, src->e, src->n * sizeof(*dst->e));
	dst->n = src->n;
	memcpy(dst->misses, src->misses, sizeof(dst->misses));
	dst->inflight = src->inflight;
	return 0;
}

/* Whether a and b gained the same since their previous readings. */
static int same_delta(const struct hist *a, const struct hist *ap, const struct hist *b,
		      const struct hist *bp)
{
	for (int i = 0; i < HIST_SLOTS; i++)
		if (a->slots[i] - ap->slots[i] != b->slots[i] - bp->slots[i])
			return 0;
	return 1;
}

static void biolat_print(struct bpfl_prog *p, FILE *out)
{
	static const struct hist zero;
	struct biolat_state *st = p->state;
	int any = 0;

	for (size_t i = 0; out && i < st->now.n; i++) {
		const struct biolat_entry *e = &st->now.e[i];
		const struct biolat_entry *was = find(&st->shown, e->dev, e->op);
		const struct hist *total = was ? &was->total : &zero;
		const struct hist *service = was ? &was->service : &zero;
		char title[128], nb[32];
		const char *dev = disk_names_get(st->disks, e->dev, nb, sizeof(nb));
		const char *op = op_name(e->op);

		/* A device that queues nothing (no scheduler, dispatched at
		 * once) has total == service: one histogram says it all. */
		if (same_delta(&e->total, total, &e->service, service)) {
			snprintf(title, sizeof(title), "disk %s %s latency (no queueing)", dev, op);
			any |= bpfl_print_hist(out, title, &e->service, service, BPFL_SECONDS);
		} else {
			snprintf(title, sizeof(title), "disk %s %s queue+service", dev, op);
			any |= bpfl_print_hist(out, title, &e->total, total, BPFL_SECONDS);
			snprintf(title, sizeof(title), "disk %s %s service", dev, op);
			any |= bpfl_print_hist(out, title, &e->service, service, BPFL_SECONDS);
		}
		snprintf(title, sizeof(title), "disk %s %s size", dev, op);
		any |= bpfl_print_hist(out, title, &e->size, was ? &was->size : &zero, BPFL_BYTES);
	}
	if (out && !any)
		fprintf(out, "  disk: no I/O completed\n\n");
	copy_reading(&st->shown, &st->now);
}

static void biolat_free(struct bpfl_prog *p)
{
	struct biolat_state *st = p->state;

	if (!st)
		return;
	bpfl_wl_free_families(&st->wl, 1);
	disk_names_free(st->disks);
	free(st->now.e);
	free(st->shown.e);
	free(st);
	p->state = NULL;
}

const struct bpfl_prog_ops biolat_ops = {
	.name = "biolat",
	.view = "disk",
	.open = biolat_open,
	.prepare = biolat_prepare,
	.init = biolat_init,
	.read = biolat_read,
	.fill = biolat_fill,
	.maps = biolat_maps,
	.print = biolat_print,
	.free = biolat_free,
};
