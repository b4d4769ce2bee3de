/* Per-workload attribution for the BPF programs: the userspace half of
 * bpf/workload.bpf.h. One bpfl_wl per program set holds what the programs
 * share (the cgroup2 walk, the pod names, the selector of exported
 * workloads); each program keeps a workload ledger per family and calls the
 * helpers below from its ops. See docs/workloads.md.
 */
#ifndef IM_BPF_WL_H
#define IM_BPF_WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "workload.h"

struct bpf_map;
struct bpfl_prog;
struct bpfl_wl_cache;
struct config;

struct bpfl_wl_opts {
	bool on;
	uint32_t max_entries, max_series;
	double hold_s, grace_s;
	const char *include, *exclude;  /* regex on the path, or NULL */
	const char *procfs, *rootfs, *pod_logs;
	const char *cgroup_root;        /* the cgroup2 mount; NULL: from mountinfo */
};

/* Fills o from the configuration (defaults when cfg is NULL). */
void bpfl_wl_opts_from(struct bpfl_wl_opts *o, const struct config *cfg, const char *procfs,
		       const char *rootfs);

struct bpfl_wl;
/* NULL with why filled when attribution is off (--no-bpf.cgroup) or this host
 * has no cgroup2 mount; the programs then count host-wide only. */
struct bpfl_wl *bpfl_wl_new(const struct bpfl_wl_opts *o, char *why, size_t whysz);
void bpfl_wl_free(struct bpfl_wl *w);

/* cgroups named as they are made and let go as they are removed
 * (src/bpf/cgnames.c): that program's paths start at the hierarchy's root, so
 * it serves only a tree rooted there (bpfl_wl_at_top); bpfl_wl_naming() says
 * whether it runs (hook) or why not, in the log and /health; learn and gone
 * take what it reports; events_lost: some went unsaid (a full ring buffer),
 * so walks must find them out. */
bool bpfl_wl_at_top(const struct bpfl_wl *w);
void bpfl_wl_naming(struct bpfl_wl *w, const char *hook, const char *why);
/* How to read the cgroups made since the last read (cgnames' ring buffer).
 * A program's read that meets an id nobody named reads them once more before
 * it counts a miss: a cgroup made after this collection read the names can
 * already have events in the maps read after. */
void bpfl_wl_names_reader(struct bpfl_wl *w, void (*read_names)(void *arg), void *arg);
int bpfl_wl_learn(struct bpfl_wl *w, uint64_t id, const char *path);
void bpfl_wl_gone(struct bpfl_wl *w, uint64_t id);
void bpfl_wl_events_lost(struct bpfl_wl *w);
/* Whether per-workload series are exported now (the tree is there). */
bool bpfl_wl_exporting(const struct bpfl_wl *w);

/* prepare: the rodata switches and the size of the program's per-workload
 * maps: --bpf.cgroup.max-entries plus room for the catch-all entries of
 * nkeys keys, and WL_CACHE_SLOTS per CPU in each cache (WL_CACHE_MAP).
 * rung_ok false: this hook rung cannot attribute (reason in why). */
int bpfl_wl_prepare(struct bpfl_prog *p, bool rung_ok, const char *why, volatile uint32_t *on,
		    volatile uint32_t *filter, struct bpf_map *const *maps, size_t nmaps,
		    struct bpf_map *const *caches, size_t ncaches, uint32_t nkeys);

/* Whether the io controller is on the v2 hierarchy (listed in its root's
 * cgroup.controllers): then a bio's blkcg names the cgroup that owns an I/O. */
bool bpfl_wl_io_controller(const struct bpfl_wl *w);

/* A family a program attributes: its kernel map and ledger. */
enum bpfl_wl_value { BPFL_WL_HIST, BPFL_WL_COUNT };
struct bpfl_wl_family {
	const char *name, *help;
	enum bpfl_wl_value value;
	int fd;                         /* the kernel map */
	const char *key_label;          /* NULL when the family has no key */
	const char *(*key_name)(const void *arg, uint32_t key, char *buf, size_t bufsz);
	const void *key_arg;
	uint32_t nkeys;                 /* keys 0 .. nkeys-1, for the catch-all entries */
	const struct bpf_map *cache;    /* its WL_CACHE_MAP, or NULL */
	/* A histogram whose map holds struct wl_hist_bytes: the bytes of its
	 * events, exported as this counter family. NULL otherwise. */
	const char *bytes_name, *bytes_help;
	struct workload_ledger *ledger;
	struct bpfl_wl_cache *slots;    /* how userspace follows the cache */
};

/* A program's ops call these on its array of families:
 * init: registers the program's filter set (wl_ids) and overflow counter
 *   (wl_overflow) of bpf/workload.bpf.h, creates each family's ledger and
 *   its catch-all kernel entries;
 * read: the kernel maps into the ledgers, events noted for the selector;
 * fill: exported workloads and other, as each family's name;
 * free: the ledgers (NULL-safe on families never initialised). */
int bpfl_wl_init(struct bpfl_prog *p, int ids_fd, int overflow_fd, struct bpfl_wl_family *f,
		 size_t n);
int bpfl_wl_read(struct bpfl_prog *p, struct bpfl_wl_family *f, size_t n);
void bpfl_wl_fill_families(struct bpfl_prog *p, const struct bpfl_wl_family *f, size_t n,
			   struct metric_set *ms);
void bpfl_wl_free_families(struct bpfl_wl_family *f, size_t n);

/* The set, once per collection: after every program's read, decide who is
 * exported and settle dead cgroups (their kernel entries are deleted); after
 * the fills, the info series and the attribution's own counters. A cgroup2
 * tree that vanished, became unreadable or was unmounted turns the
 * per-workload families off (host-wide only, a log line, bpf/cgroup in
 * /health) until it is back. */
void bpfl_wl_decide(struct bpfl_wl *w);
void bpfl_wl_fill(struct bpfl_wl *w, struct metric_set *ms);

/* The terminal view (`latency --by=cgroup`) ranks every workload, exported
 * or not: each row of each family as last read, cumulative since load (the
 * id WL_OTHER holds overflow and filtered-out events). */
typedef void (*bpfl_wl_row_fn)(void *arg, const struct bpfl_wl_family *f, uint64_t id,
			       const uint64_t *vals);
void bpfl_wl_each_row(const struct bpfl_wl *w, bpfl_wl_row_fn fn, void *arg);
/* The path of a workload below the cgroup2 root and what it and the pod logs
 * say it is; NULL when no walk has named the id. */
const char *bpfl_wl_describe(struct bpfl_wl *w, uint64_t id, struct workload_identity *ident);

#endif
