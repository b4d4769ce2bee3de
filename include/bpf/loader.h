/* The BPF side of the daemon: load the kernel programs of bpf/, choose each
 * one's hook by attaching it, read their maps back, and account for their
 * run-time cost.
 *
 * A bpfl_set holds every program the caller asked for. Each program fails
 * alone: bpfl_set_open() succeeds when at least one attached, and the state
 * of every program (hook, status, error text) is in set->progs[] and in
 * /health as "bpf/NAME". Maps are never cleared; a readout holds the sums
 * over all CPUs since load, so callers that want intervals subtract two.
 */
#ifndef IM_BPF_LOADER_H
#define IM_BPF_LOADER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "../../bpf/hist.h"
#include "../../bpf/biolat.h"
#include "../../bpf/tcplat.h"
#include "../../bpf/skbdrop.h"
#include "../../bpf/runqlat.h"

struct bpf_object;
struct btf;

/* Hook rungs, in order of preference. */
enum bpfl_hook { BPFL_TP_BTF, BPFL_RAW_TP, BPFL_TRACEPOINT, BPFL_HOOKS };
enum bpfl_status { BPFL_DISABLED, BPFL_ATTACHED, BPFL_FAILED };
enum bpfl_prog_id { BPFL_BIOLAT, BPFL_TCPLAT, BPFL_SKBDROP, BPFL_RUNQLAT, BPFL_PROGS };

#define BPFL_ALL ((1u << BPFL_PROGS) - 1)

/* Per-program state as the loader leaves it. */
struct bpfl_prog {
	enum bpfl_prog_id id;
	const char *name;               /* "biolat" */
	enum bpfl_status status;
	int hook;                       /* enum bpfl_hook, or -1 */
	char error[200];                /* why it failed, for the log and /health */
	void *skel;                     /* the program's skeleton; owned */
	struct bpf_object *obj;         /* borrowed from skel */
	struct bpf_object_skeleton *sk; /* borrowed from skel: load, attach, destroy */
	/* Run-time statistics over the sampled windows (or since load with
	 * --bpf.stats=on), summed over the program's handlers. */
	uint64_t run_time_ns, run_cnt;
	double event_cost_ns;           /* last window's mean; NAN before one */
	uint32_t windows;               /* windows completed */
};

struct bpfl_opts {
	unsigned int progs;                     /* mask of 1 << enum bpfl_prog_id */
	enum bpf_hook_pref hook;                /* auto or one forced rung */
	enum bpf_stats_mode stats;
	uint64_t stats_window_ms, stats_period_ms;
};

struct bpfl_set {
	struct bpfl_prog progs[BPFL_PROGS];
	struct bpfl_opts opts;
	/* --bpf.stats sampler */
	pthread_t sampler;
	int sampler_running;
	pthread_mutex_t lock;           /* guards run_* fields and stop */
	pthread_cond_t cond;
	int stop;
	int stats_fd;                   /* --bpf.stats=on: held open */
	uint64_t on_base_time[BPFL_PROGS], on_base_cnt[BPFL_PROGS];
};

/* ---- data read back ------------------------------------------------- */

struct biolat_entry {
	uint32_t dev, op;               /* kernel dev_t (major << 20 | minor), enum biolat_op */
	struct hist total, service, size;
};

struct biolat_data {
	struct biolat_entry *e;
	size_t n, cap;
	uint64_t misses[BIOLAT_COUNTERS];
	uint64_t inflight;              /* entries in disk_io_start */
};

struct tcplat_data {
	struct hist hist[TCPLAT_HISTS];
	uint64_t counters[TCPLAT_COUNTERS];
	uint64_t inflight;
};

struct skbdrop_data {
	uint64_t drops[SKBDROP_MAX_REASONS];
};

struct runqlat_data {
	struct hist lat;
	uint64_t misses[RUNQLAT_COUNTERS];
	int64_t inflight;               /* -1 with task storage (not countable) */
};

struct bpfl_readout {
	unsigned int valid;             /* mask of programs read */
	struct biolat_data disk;
	struct tcplat_data tcp;
	struct skbdrop_data drops;
	struct runqlat_data runq;
};

/* Drop-reason names from enum skb_drop_reason in BTF. */
struct skbdrop_names {
	char *name[SKBDROP_MAX_REASONS];        /* NULL where BTF has none */
};

/* loader.c */
const char *bpfl_hook_name(int hook);
const char *bpfl_status_name(enum bpfl_status s);
int bpfl_hook_parse(const char *s, enum bpf_hook_pref *out);
/* 0 when BTF and the bpf() syscall are usable; else -errno and a sentence. */
int bpfl_probe_env(char *why, size_t whysz);
void bpfl_setup_libbpf_log(void);
int bpfl_set_open(struct bpfl_set **out, const struct bpfl_opts *o);
/* Reads every attached program's maps; 0 or -errno. */
int bpfl_set_read(struct bpfl_set *s, struct bpfl_readout *r);
/* Copies the per-program state (stats under the sampler's lock). */
void bpfl_set_progs(struct bpfl_set *s, struct bpfl_prog out[BPFL_PROGS]);
void bpfl_set_free(struct bpfl_set *s);
void bpfl_readout_free(struct bpfl_readout *r);
/* Reads a per-CPU map (value_size a multiple of 8) with batch lookups, sums
 * each entry over the CPUs and calls cb; get_next_key where batch ops are
 * missing. 0 or -errno. */
typedef void (*bpfl_entry_cb)(const void *key, const uint64_t *sum, void *arg);
int bpfl_map_dump_percpu(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
			 bpfl_entry_cb cb, void *arg);
/* A per-CPU array of n values of value_size bytes, summed over the CPUs
 * into out[0..n-1]. 0 or -errno. */
int bpfl_map_read_array(int fd, uint32_t value_size, uint32_t n, void *out);
/* Entries in a (hash) map, by walking its keys. */
int bpfl_map_count(int fd, uint32_t key_size, uint64_t *out);
/* Sums n per-CPU copies of a value made of u64 words (stride in bytes). */
void bpfl_percpu_sum(const void *percpu, size_t ncpu, size_t stride, size_t words,
		     uint64_t *out);
/* struct hist -> metrics.h nhist: first is the native index of the first
 * bucket (HIST_FIRST_SECONDS, HIST_FIRST_BYTES), sum_scale turns the kernel
 * sum into base units (1e-9 for ns, 1 for bytes). The overflow slot counts
 * in count (and +Inf) only. */
void bpfl_hist_export(const struct hist *h, int32_t first, double sum_scale,
		      struct nhist *out);
uint64_t bpfl_hist_count(const struct hist *h);
/* d = a - b, slot by slot (a taken later than b). */
void bpfl_hist_sub(const struct hist *a, const struct hist *b, struct hist *d);

/* biolat.c, tcplat.c, skbdrop.c, runqlat.c: what loader.c needs of each
 * program. Each returns 0 or -errno and leaves a reason in p->error. Load,
 * attach and destroy are the same for every skeleton (bpf_object_skeleton),
 * so loader.c does them; only opening knows the skeleton's type. */
struct bpfl_prog_ops {
	const char *name;
	int (*open)(struct bpfl_prog *p);               /* BPFL_SKEL_OPEN() */
	int (*prepare)(struct bpfl_prog *p, int hook);  /* optional: rodata, map sizes */
	int (*read)(struct bpfl_prog *p, struct bpfl_readout *r);
};

/* Defines NAME_open() for the skeleton struct NAME_bpf. */
#define BPFL_SKEL_OPEN(name)                                                       \
	static int name##_open(struct bpfl_prog *p)                                \
	{                                                                          \
		struct name##_bpf *skel = name##_bpf__open();                      \
                                                                                   \
		if (!skel)                                                         \
			return -errno;                                             \
		p->skel = skel;                                                    \
		p->obj = skel->obj;                                                \
		p->sk = skel->skeleton;                                            \
		return 0;                                                          \
	}
extern const struct bpfl_prog_ops biolat_ops, tcplat_ops, skbdrop_ops, runqlat_ops;

/* biolat.c */
const char *biolat_op_name(uint32_t op);

/* skbdrop.c */
/* Fills names from btf (NULL: the running kernel's); 0 or -errno, in which
 * case every label falls back to its number. */
int skbdrop_names_load(struct skbdrop_names *n, const struct btf *btf);
void skbdrop_names_free(struct skbdrop_names *n);
/* "NO_SOCKET", "reason_123" when BTF has no name, "other" for the overflow. */
const char *skbdrop_reason_label(const struct skbdrop_names *n, uint32_t reason, char *buf,
				 size_t bufsz);

/* diskname.c */
/* Name of the block device dev (kernel encoding) from procfs/diskstats, or
 * "MAJ:MIN" when unknown. The table is reread when a device is not found. */
struct disk_names;
struct disk_names *disk_names_new(const char *procfs);
const char *disk_names_get(struct disk_names *d, uint32_t dev, char *buf, size_t bufsz);
void disk_names_free(struct disk_names *d);

#endif
