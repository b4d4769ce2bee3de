/* Workloads: who a cgroup v2 id is, and which workloads get series of their
 * own.
 *
 * The kernel counts events per cgroup id (per-workload BPF maps); userspace
 * owns the names and the cardinality. An id becomes a path by walking the
 * cgroup2 mount (the directory's inode number is the id on 64-bit kernels),
 * the path becomes an identity (systemd unit, container, Kubernetes pod), and
 * the names of pods and containers come from the kubelet's own log layout
 * under --path.pod-logs: no API server, no credentials.
 *
 * Cardinality is bounded by a selector that exports at most max_series
 * workloads, chosen by events over a window with hysteresis, and by ledgers
 * that fold everything else into cgroup="other" so that, per family and key,
 * the exported series plus other always add up to the total, every exported
 * counter only grows, and a workload's series starts at its promotion.
 */
#ifndef IM_WORKLOAD_H
#define IM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum workload_kind { WORKLOAD_CGROUP, WORKLOAD_UNIT, WORKLOAD_CONTAINER, WORKLOAD_POD };

/* What a cgroup path says about its owner. Strings point into id_buf or are
 * empty, never NULL. */
struct workload_identity {
	enum workload_kind kind;
	const char *unit;               /* "nginx.service", "session-3.scope" */
	const char *container_id;       /* 64 hex digits, or a runtime's own id */
	const char *pod_uid;            /* "8b0a4cb4-4d4e-4b1a-9a63-0e1c5b1b7c1a" */
	const char *qos;                /* guaranteed, burstable, besteffort */
	const char *namespace_, *pod, *container;       /* from the pod logs */
	char id_buf[512];
};

/* identity.c */
const char *workload_kind_name(enum workload_kind k);
/* Parses a path below the cgroup2 root ("/system.slice/docker-<id>.scope"):
 * systemd units, the container scopes of docker, containerd, CRI-O and
 * podman under the systemd and cgroupfs drivers, and kubelet pod cgroups
 * with their QoS class. Anything else is kind WORKLOAD_CGROUP. Never fails. */
void workload_parse_path(const char *path, struct workload_identity *id);

/* Names of pods and containers from the kubelet's log directories:
 *   <dir>/pods/<namespace>_<pod>_<uid>/
 *   <dir>/containers/<pod>_<namespace>_<container>-<container id>.log */
struct pod_names;
struct pod_names *pod_names_new(void);
void pod_names_free(struct pod_names *n);
/* Rereads both directories. 0, or -errno when neither could be read (a
 * host without Kubernetes: -ENOENT). */
int pod_names_load(struct pod_names *n, const char *dir);
/* Fills namespace_, pod and container of id from its pod_uid and
 * container_id where the logs name them. */
void pod_names_apply(const struct pod_names *n, struct workload_identity *id);

/* cgroups.c: id -> path */
struct cgroup_paths;
/* The cgroup2 mount point from <procfs>/1/mountinfo (else self/) into out,
 * as the host sees it (join it to --path.rootfs); 0, or -ENOENT when there is
 * none (a v1-only host). */
int cgroup2_mount(const char *procfs, char *out, size_t outsz);
struct cgroup_paths *cgroup_paths_new(const char *root, double rescan_min_s, double grace_s);
void cgroup_paths_free(struct cgroup_paths *c);
/* The path below the root ("/" for the root itself) of a cgroup id, walking
 * the tree again on a miss at most every rescan_min_s. A cgroup gone from the
 * tree keeps its path for grace_s after the last walk that found it. NULL
 * when unknown or gone. The string stays valid until the next call. */
const char *cgroup_paths_lookup(struct cgroup_paths *c, uint64_t id, double now);
/* Walks the tree now. 0 or -errno (the mount vanished or became unreadable). */
int cgroup_paths_rescan(struct cgroup_paths *c, double now);
/* Whether the root is still a readable cgroup2 filesystem, without a walk:
 * 0, -errno when it cannot be opened, -ENOTDIR when what is there now is not
 * a cgroup2 mount (it was unmounted, leaving the directory under it). */
int cgroup_paths_check(const struct cgroup_paths *c);
size_t cgroup_paths_count(const struct cgroup_paths *c);
/* Every known cgroup, in id order. */
void cgroup_paths_each(const struct cgroup_paths *c,
		       void (*cb)(uint64_t id, const char *path, void *arg), void *arg);
/* Walks done so far: a change means new cgroups may be known. */
size_t cgroup_paths_walks(const struct cgroup_paths *c);
/* A cgroup named by the kernel as it was made (cgroup:cgroup_mkdir): known
 * from now, kept as a walk's find is. 0 or -ENOMEM. */
int cgroup_paths_learn(struct cgroup_paths *c, uint64_t id, const char *path, double now);
/* A cgroup the kernel removed (cgroup:cgroup_rmdir): still named for
 * grace_s, then forgotten by cgroup_paths_expire(), which needs no walk. */
void cgroup_paths_removed(struct cgroup_paths *c, uint64_t id, double now);
void cgroup_paths_expire(struct cgroup_paths *c, double now);
/* Whether the kernel reported id removed and its grace period is over: dead
 * for sure, where a lookup would walk the tree to find it missing. True until
 * cgroup_paths_expire() forgets it. */
bool cgroup_paths_gone(const struct cgroup_paths *c, uint64_t id, double now);
/* Whether the root is the hierarchy's own (id 1), so the kernel's paths,
 * which start there, are paths below it too: not under a cgroup namespace's
 * mount or a subtree given as the root. */
bool cgroup_paths_at_top(const struct cgroup_paths *c);

/* select.c: which workloads are exported */
struct workload_policy {
	uint32_t max_series;    /* exported workloads at most */
	double window_s;        /* events counted over this window */
	double hold_s;          /* an exported workload keeps its series this long after its last event */
};
struct workload_selector;
struct workload_selector *workload_selector_new(const struct workload_policy *p);
void workload_selector_free(struct workload_selector *s);
/* Events of a workload during the interval now ending. */
void workload_selector_note(struct workload_selector *s, uint64_t id, uint64_t events);
/* A workload that is gone for good (its cgroup died past the grace period). */
void workload_selector_forget(struct workload_selector *s, uint64_t id);
/* Closes the interval: ages the windows, promotes and demotes. */
void workload_selector_decide(struct workload_selector *s, double now);
/* Non-zero epoch when exported: the promotion it belongs to, so a ledger can
 * tell a new promotion from a continuing one. 0 when folded into other. */
uint64_t workload_selector_epoch(const struct workload_selector *s, uint64_t id);
size_t workload_selector_exported(const struct workload_selector *s);


/* ledger.c: exact folding into "other" for one family */
struct workload_ledger;
/* width: counters per row (a histogram's buckets and sum); the first
 * events_words of them count events (every bucket; a counter's first word). */
struct workload_ledger *workload_ledger_new(size_t width, size_t events_words);
void workload_ledger_free(struct workload_ledger *l);
/* The cumulative values of one (workload, key) row as read from the kernel
 * now. A row read for the first time counts from zero. *events: the events
 * the row gained since its last update. */
int workload_ledger_update(struct workload_ledger *l, uint64_t id, uint32_t key,
			   const uint64_t *cur, uint64_t *events);
/* The keys of id's rows, up to max; returns how many there are. */
size_t workload_ledger_keys(const struct workload_ledger *l, uint64_t id, uint32_t *keys,
			    size_t max);
/* The kernel entries of id were deleted: its rows are settled (their counts
 * stay in the total, and so flow into other). */
void workload_ledger_drop(struct workload_ledger *l, uint64_t id);
/* Calls emit for every exported row (id != 0) and for every key's other row
 * (id 0), values since promotion (exported) or total minus exported (other). */
typedef void (*workload_emit_fn)(void *arg, uint64_t id, uint32_t key, const uint64_t *vals);
void workload_ledger_export(struct workload_ledger *l, const struct workload_selector *s,
			    workload_emit_fn emit, void *arg);
/* Calls emit for every row with its cumulative values as last read, exported
 * or not: the terminal view ranks every workload, not only those with series. */
void workload_ledger_each(const struct workload_ledger *l, workload_emit_fn emit, void *arg);

#endif
