/* The BPF side of the daemon: load the kernel programs of bpf/, choose each
 * one's hook by attaching it, read their maps back, and account for their
 * run-time cost.
 *
 * A program is one unit: bpf/NAME.bpf.c (kernel), bpf/NAME.h (types both
 * sides share), src/bpf/NAME.c (its bpfl_prog_ops: everything about it that
 * is not common) and one line in the registry of src/bpf/loader.c. Nothing
 * here knows any program's maps or data.
 *
 * A bpfl_set holds every program the caller asked for. Each program fails
 * alone: bpfl_set_open() succeeds when at least one attached, and the state
 * of every program (hook, status, error text) is in bpfl_set_progs() and in
 * /health as "bpf/NAME". Maps are never cleared; a program's reading holds
 * the sums over all CPUs since load, so the terminal view subtracts two.
 */
#ifndef IM_BPF_LOADER_H
#define IM_BPF_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "metrics.h"
#include "bpf/wl.h"
#include "../../bpf/hist.h"

struct bpf_object;
struct bpf_object_skeleton;

/* Hook rungs, in order of preference. */
enum bpfl_hook { BPFL_TP_BTF, BPFL_RAW_TP, BPFL_TRACEPOINT, BPFL_HOOKS };
enum bpfl_status { BPFL_DISABLED, BPFL_ATTACHED, BPFL_FAILED };

#define BPFL_MAX_PROGS 16       /* registry entries */
#define BPFL_MAX_MAPS 4         /* bounded maps per program */

struct bpfl_prog_ops;

/* Per-program state as the loader leaves it. */
struct bpfl_prog {
	const struct bpfl_prog_ops *ops;
	const char *name;               /* ops->name: "biolat" */
	enum bpfl_status status;
	int hook;                       /* enum bpfl_hook, or -1 */
	int read_ok;                    /* the last bpfl_set_read() read it */
	char error[200];                /* why it failed, for the log and /health */
	void *skel;                     /* the program's skeleton; owned */
	struct bpf_object *obj;         /* borrowed from skel */
	struct bpf_object_skeleton *sk; /* borrowed from skel: load, attach, destroy */
	void *state;                    /* the program's own (ops->init/free) */
	const char *procfs;             /* the set's --path.procfs; NULL: /proc */
	const char *sysfs;              /* the set's --path.sysfs; NULL: /sys */
	struct bpfl_wl *wl;             /* the set's, NULL without attribution */
	int wl_on;                      /* this program attributes (prepare decided) */
	char wl_why[120];               /* why it does not */
	/* Run-time statistics over the sampled windows (or since load with
	 * --bpf.stats=on), summed over the program's handlers. */
	uint64_t run_time_ns, run_cnt;
	double event_cost_ns;           /* last window's mean; NAN before one */
	uint32_t windows;               /* windows completed */
	/* Events the kernel did not run the program for because another BPF
	 * program was running on that CPU (an interrupt landing in it), since
	 * load; 0 before 5.12, which does not count them. */
	uint64_t recursion_misses;
};

struct bpfl_opts {
	const char *view;                       /* NULL: every program; else one ops->view */
	struct bpfl_wl_opts wl;                 /* per-workload attribution */
	const char *procfs;                     /* for names the programs look up */
	const char *sysfs;                      /* for the devices they look at */
	enum bpf_hook_pref hook;                /* auto or one forced rung */
	enum bpf_stats_mode stats;
	uint64_t stats_window_ms, stats_period_ms;
};

/* Fill of a bounded map and the events lost because it was full. */
struct bpfl_map_fill {
	const char *map;                /* the map's name in bpf/NAME.bpf.c */
	double entries, max;            /* entries < 0: not countable */
	uint64_t misses;
};

/* What loader.c needs of each program (src/bpf/NAME.c). The ones returning
 * int return 0 or -errno; open and prepare may leave a precise reason in
 * p->error. Load, attach and destroy are the same for every skeleton
 * (bpf_object_skeleton), so loader.c does them; only opening knows the
 * skeleton's type. */
struct bpfl_prog_ops {
	const char *name;                               /* "biolat": program label */
	const char *view;                               /* "disk": `latency disk` */
	int (*open)(struct bpfl_prog *p);               /* BPFL_SKEL_OPEN() */
	int (*prepare)(struct bpfl_prog *p, int hook);  /* optional: rodata, map sizes */
	/* Once attached: p->state (readings, names), freed by free(). */
	int (*init)(struct bpfl_prog *p, const struct bpfl_opts *o);
	int (*read)(struct bpfl_prog *p);               /* maps -> the state's reading */
	void (*fill)(struct bpfl_prog *p, struct metric_set *ms);
	/* Optional: the bounded maps' fill; returns how many (<= BPFL_MAX_MAPS). */
	size_t (*maps)(const struct bpfl_prog *p, struct bpfl_map_fill *out);
	/* The terminal view: what happened since the previous print. Keeps
	 * the reading for the next; out NULL only keeps it (a baseline). */
	void (*print)(struct bpfl_prog *p, FILE *out);
	void (*free)(struct bpfl_prog *p);              /* p->state; NULL-safe */
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

struct bpfl_set;

/* Histogram units of bpf/hist.h: latencies (buckets from HIST_FIRST_SECONDS,
 * sum in ns), sizes (buckets from HIST_FIRST_BYTES, sum in bytes). */
enum bpfl_unit { BPFL_SECONDS, BPFL_BYTES };

/* loader.c */
const char *bpfl_hook_name(int hook);
const char *bpfl_status_name(enum bpfl_status s);
/* The views of the registry, ", "-separated: "disk, tcp, drops, runq". */
void bpfl_views(char *buf, size_t bufsz);
/* 0 when o->view names a program's view (or is NULL), else -ENOENT. */
int bpfl_view_check(const struct bpfl_opts *o);
void bpfl_setup_libbpf_log(void);
/* The verifier's last word in libbpf's output: the last line of its load log
 * ("-- BEGIN PROG LOAD LOG --" ... "-- END ...") that is not its statistics;
 * "" when log has none. */
void bpfl_verifier_line(const char *log, char *out, size_t outsz);
/* The registry, for `infra-monitor doctor`: how many programs, program i's
 * label, and program i opened, loaded and attached on one rung exactly as
 * the loader does, then destroyed again: 0, or -errno with the step and the
 * reason in err. */
size_t bpfl_prog_count(void);
const char *bpfl_prog_name(size_t i);
int bpfl_try_rung(size_t i, int hook, char *err, size_t errsz);
/* Checks BTF and the bpf() syscall, then opens, attaches and initialises
 * every selected program. 0 when at least one attached; else -errno and a
 * sentence in why (no BTF, no privileges, nothing attached). */
int bpfl_set_open(struct bpfl_set **out, const struct bpfl_opts *o, char *why, size_t whysz);
/* Reads every attached program's maps; 0 or the first -errno. *nread: how
 * many programs were read (their read_ok is set). */
int bpfl_set_read(struct bpfl_set *s, size_t *nread);
/* Each program read by the last bpfl_set_read(): its series, its view
 * (out NULL: print nothing, take the reading as the baseline). */
void bpfl_set_fill(struct bpfl_set *s, struct metric_set *ms);
void bpfl_set_print(struct bpfl_set *s, FILE *out);
/* Copies the per-program state (stats under the sampler's lock) into
 * out[0..BPFL_MAX_PROGS-1]; returns how many programs the registry has. */
size_t bpfl_set_progs(struct bpfl_set *s, struct bpfl_prog *out);
/* The set's per-workload attribution, NULL with the reason in *why when
 * there is none (--no-bpf.cgroup, no cgroup2 mount). */
struct bpfl_wl *bpfl_set_wl(struct bpfl_set *s, const char **why);
/* Program i's bounded maps, when its last read succeeded; returns how many. */
size_t bpfl_set_maps(struct bpfl_set *s, size_t i, struct bpfl_map_fill *out);
void bpfl_set_free(struct bpfl_set *s);

/* Reads a per-CPU map (value_size a multiple of 8) with batch lookups, sums
 * each entry over the CPUs and calls cb; get_next_key where batch ops are
 * missing. 0 or -errno. */
typedef void (*bpfl_entry_cb)(const void *key, const uint64_t *sum, void *arg);
int bpfl_map_dump_percpu(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
			 bpfl_entry_cb cb, void *arg);
/* The same for a map whose values are not per-CPU. */
int bpfl_map_dump(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		  bpfl_entry_cb cb, void *arg);
/* A per-CPU array of n values of value_size bytes, summed over the CPUs
 * into out[0..n-1]. 0 or -errno. */
int bpfl_map_read_array(int fd, uint32_t value_size, uint32_t n, void *out);
/* Entries in a (hash) map, by walking its keys. */
int bpfl_map_count(int fd, uint32_t key_size, uint64_t *out);
/* Sums n per-CPU copies of a value made of u64 words (stride in bytes). */
void bpfl_percpu_sum(const void *percpu, size_t ncpu, size_t stride, size_t words,
		     uint64_t *out);
/* struct hist -> metrics.h nhist in base units (seconds, bytes). The
 * overflow slot counts in count (and +Inf) only. */
void bpfl_hist_export(const struct hist *h, enum bpfl_unit u, struct nhist *out);
uint64_t bpfl_hist_count(const struct hist *h);
/* Adds h to family f as one histogram sample. */
void bpfl_add_hist(struct metric_set *ms, struct family *f, const struct hist *h,
		   enum bpfl_unit u, const struct label *l, uint32_t nl);
/* The terminal view of what h gained since prev (cli_hist_print()): 0 when
 * it gained nothing and nothing was printed. */
int bpfl_print_hist(FILE *out, const char *title, const struct hist *now,
		    const struct hist *prev, enum bpfl_unit u);

#endif
