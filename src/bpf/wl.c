/* Per-workload attribution, user side (see include/bpf/wl.h).
 *
 * Each collection: every program reads its per-workload maps into ledgers
 * and notes each named workload's events; then one decision (selector)
 * says who is exported; then every program emits its families, the
 * exported workloads under their cgroup path and everything else as
 * cgroup="other". Names come from the kernel as cgroups are made (cgnames)
 * and from walks of the cgroup2 tree. An id no longer named once the grace
 * period is over (removed, or never found) is dead: its rows are settled into
 * other and its kernel entries deleted, so short-lived cgroups do not fill
 * the maps.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/hist.h"
#include "../../bpf/workload.h"
#include "buf.h"
#include "bpf/loader.h"
#include "bpf/wl.h"
#include "bpf/wlcache.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "util.h"

/* Events are ranked over this window (decayed, see select.c). */
#define WL_WINDOW_S 60.0
/* A miss does not walk the tree again sooner than this. */
#define WL_RESCAN_S 5.0
#define WL_MAX_FAMILIES 16
#define WL_MAX_PROGS 8

struct wl_seen {
	uint64_t id;
	double first;   /* monotonic: when an event of this id was first read */
};

struct bpfl_wl {
	struct bpfl_wl_opts o;
	char root[PATH_MAX];
	struct cgroup_paths *paths;
	struct pod_names *pods;
	struct workload_selector *sel;
	regex_t include, exclude;
	bool has_include, has_exclude;
	struct bpfl_wl_family *fam[WL_MAX_FAMILIES];
	size_t nfam;
	struct wl_prog {
		const char *name;
		int ids_fd, overflow_fd;
	} progs[WL_MAX_PROGS];
	size_t nprogs;
	size_t walks;           /* cgroup_paths walks seen, to refresh the filter */
	double include_walk;    /* monotonic: the last walk for the include filter */
	struct wl_seen *seen;   /* ids with events, sorted */
	size_t nseen, seen_cap;
	double now;
	uint64_t resolve_misses, dead;
	bool tree_ok;
	char naming[160];       /* how new cgroups are named, for /health */
	double recheck_at;      /* monotonic: walk then (events were lost), 0: no */
	void (*read_names)(void *arg);
	void *read_names_arg;
	bool names_reread;      /* in this collection, on a miss */
};

void bpfl_wl_opts_from(struct bpfl_wl_opts *o, const struct config *cfg, const char *procfs,
		       const char *rootfs)
{
	*o = (struct bpfl_wl_opts){ .on = true, .max_entries = 1024, .max_series = 50,
				    .hold_s = 300, .grace_s = 120, .procfs = procfs,
				    .rootfs = rootfs, .pod_logs = "/var/log" };
	if (!cfg)
		return;
	o->on = cfg->bpf_cgroup;
	o->max_entries = cfg->bpf_cgroup_max_entries;
	o->max_series = cfg->bpf_cgroup_max_series;
	o->hold_s = (double)cfg->bpf_cgroup_hold_ms / 1000.0;
	o->grace_s = (double)cfg->bpf_cgroup_grace_ms / 1000.0;
	o->include = cfg->bpf_cgroup_include;
	o->exclude = cfg->bpf_cgroup_exclude;
	o->pod_logs = cfg->pod_logs;
	o->cgroup_root = cfg->cgroup_root;
}

struct filter_arg {
	struct bpfl_wl *w;
	int fd;
};

static void filter_one(uint64_t id, const char *path, void *arg)
{
	struct filter_arg *a = arg;
	regex_t *re = a->w->has_include ? &a->w->include : &a->w->exclude;
	__u8 one = 1;

	/* A full set (WL_FILTER_MAX ids) leaves the rest unlisted: under
	 * include they count as other, under exclude they are attributed. */
	if (!regexec(re, path, 0, NULL, 0))
		bpf_map_update_elem(a->fd, &id, &one, BPF_ANY);
}

/* Follows the cgroup2 tree each collection: a walk only happens on a miss,
 * so a tree that vanished, became unreadable or was unmounted under us is
 * found by a cheap check of its root instead. While it is gone the
 * per-workload families are off (their ledgers go on counting, so the
 * series continue where they were when it is back); the host-wide families
 * never depend on it. Logged and set in /health once per change. */
static void tree_set(struct bpfl_wl *w, int err)
{
	char detail[PATH_MAX + 128];

	if (!err == w->tree_ok)
		return;
	w->tree_ok = !err;
	if (err) {
		snprintf(detail, sizeof(detail), "cgroup2 tree %s: %s: per-workload series off, "
			 "host-wide only", w->root,
			 err == -ENOTDIR ? "not a cgroup2 mount (unmounted?)" : strerror(-err));
		log_warn_errno("bpf", err, LOG_KV("path", w->root),
			       "cgroup2 tree gone or unreadable: per-workload series off, "
			       "host-wide only");
		health_set("bpf/cgroup", HEALTH_DEGRADED, detail);
	} else {
		log_infof("bpf", LOG_KV("path", w->root),
			  "cgroup2 tree readable again: per-workload series back");
		health_set("bpf/cgroup", HEALTH_OK, w->naming);
	}
}

static void tree_state(struct bpfl_wl *w)
{
	int err = cgroup_paths_check(w->paths);

	if (!err && !w->tree_ok)
		err = cgroup_paths_rescan(w->paths, w->now);
	tree_set(w, err);
}

struct bpfl_wl *bpfl_wl_new(const struct bpfl_wl_opts *o, char *why, size_t whysz)
{
	const struct workload_policy pol = { .max_series = o->max_series, .window_s = WL_WINDOW_S,
					     .hold_s = o->hold_s };
	struct bpfl_wl *w;
	char mnt[PATH_MAX];
	int err;

	if (!o->on) {
		snprintf(why, whysz, "off (--no-bpf.cgroup)");
		return NULL;
	}
	err = o->cgroup_root ? 0 : cgroup2_mount(o->procfs, mnt, sizeof(mnt));
	if (err) {
		snprintf(why, whysz, "no cgroup2 mount in %s/1/mountinfo: host-wide only", o->procfs);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w || (o->cgroup_root ? snprintf(w->root, sizeof(w->root), "%s", o->cgroup_root) < 0
				  : path_join(w->root, sizeof(w->root), o->rootfs, mnt))) {
		free(w);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	w->o = *o;
	w->has_include = o->include && !regcomp_bounded(&w->include, o->include);
	w->has_exclude = o->exclude && !regcomp_bounded(&w->exclude, o->exclude);
	w->paths = cgroup_paths_new(w->root, WL_RESCAN_S, o->grace_s);
	w->pods = pod_names_new();
	w->sel = workload_selector_new(&pol);
	if (!w->paths || !w->pods || !w->sel) {
		bpfl_wl_free(w);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	w->now = now_monotonic();
	snprintf(w->naming, sizeof(w->naming), "per-workload attribution on");
	health_set("bpf/cgroup", HEALTH_OK, w->naming);
	w->tree_ok = true;
	err = cgroup_paths_check(w->paths);
	tree_set(w, err ? err : cgroup_paths_rescan(w->paths, w->now));
	pod_names_load(w->pods, o->pod_logs);
	return w;
}

void bpfl_wl_free(struct bpfl_wl *w)
{
	if (!w)
		return;
	if (w->has_include)
		regfree(&w->include);
	if (w->has_exclude)
		regfree(&w->exclude);
	cgroup_paths_free(w->paths);
	pod_names_free(w->pods);
	workload_selector_free(w->sel);
	free(w->seen);
	free(w);
}

/* CPUs whose events get cache slots: 1 + the highest online CPU id, so that
 * a host declaring many more possible CPUs than it runs (hotplug room) pays
 * no slots, nor the daemon's reading of them, for those. A CPU brought up
 * later finds no slot and takes the hash, as any event without one does.
 * All possible CPUs when the online mask cannot be read (or names more). */
static int cache_cpus(void)
{
	int n = 0, possible = libbpf_num_possible_cpus();
	struct buf b;

	buf_init(&b);
	if (!read_file_at("/sys/devices/system/cpu", "online", &b))
		n = wlcache_cpus(buf_cstr(&b));
	buf_free(&b);
	return n > 0 && n < possible ? n : possible;
}

int bpfl_wl_prepare(struct bpfl_prog *p, bool rung_ok, const char *why, volatile uint32_t *on,
		    volatile uint32_t *filter, struct bpf_map *const *maps, size_t nmaps,
		    struct bpf_map *const *caches, size_t ncaches, uint32_t nkeys)
{
	struct bpfl_wl *w = p->wl;
	int err = 0, ncpu;

	p->wl_on = w && rung_ok;
	/* Without w, the set says why (off by flag, no cgroup2 tree) in bpf/cgroup. */
	if (!w)
		snprintf(p->wl_why, sizeof(p->wl_why), "attribution off (see bpf/cgroup)");
	else if (!rung_ok)
		snprintf(p->wl_why, sizeof(p->wl_why), "%s", why);
	*on = (uint32_t)p->wl_on;
	*filter = !w ? WL_FILTER_NONE
		     : w->has_include ? WL_FILTER_INCLUDE
		     : w->has_exclude ? WL_FILTER_EXCLUDE : WL_FILTER_NONE;
	/* Off: one entry each, so the maps cost nothing. */
	for (size_t i = 0; !err && i < nmaps; i++)
		err = bpf_map__set_max_entries(maps[i], p->wl_on ? w->o.max_entries + nkeys : 1);
	ncpu = cache_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	for (size_t i = 0; !err && i < ncaches; i++)
		err = bpf_map__set_max_entries(caches[i],
					       p->wl_on ? (uint32_t)ncpu * WL_CACHE_SLOTS : 1);
	return err;
}

bool bpfl_wl_exporting(const struct bpfl_wl *w)
{
	return w && w->tree_ok;
}

bool bpfl_wl_at_top(const struct bpfl_wl *w)
{
	return cgroup_paths_at_top(w->paths);
}

void bpfl_wl_naming(struct bpfl_wl *w, const char *hook, const char *why)
{
	if (hook) {
		snprintf(w->naming, sizeof(w->naming),
			 "per-workload attribution on; new cgroups named as they are made "
			 "(cgroup_mkdir, %s)", hook);
		log_infof("bpf", LOG_KV("hook", hook), "new cgroups named as they are made");
	} else {
		snprintf(w->naming, sizeof(w->naming),
			 "per-workload attribution on; new cgroups named by walks of the tree "
			 "only: %s", why);
		log_warnf("bpf", LOG_KV("reason", why),
			  "new cgroups named by walks of the tree only: a cgroup that lives "
			  "less than a walk counts as other");
	}
	if (w->tree_ok)
		health_set("bpf/cgroup", HEALTH_OK, w->naming);
}

void bpfl_wl_names_reader(struct bpfl_wl *w, void (*read_names)(void *arg), void *arg)
{
	w->read_names = read_names;
	w->read_names_arg = arg;
}

/* Whether id has a name, reading the names made since once more if not. */
static bool named(struct bpfl_wl *w, uint64_t id)
{
	if (cgroup_paths_lookup(w->paths, id, w->now))
		return true;
	if (!w->read_names || w->names_reread)
		return false;
	w->names_reread = true;
	w->read_names(w->read_names_arg);
	return cgroup_paths_lookup(w->paths, id, w->now) != NULL;
}

int bpfl_wl_learn(struct bpfl_wl *w, uint64_t id, const char *path)
{
	int err = cgroup_paths_learn(w->paths, id, path, now_monotonic());

	/* Into the filter's set before its first event is counted. */
	for (size_t i = 0; !err && (w->has_include || w->has_exclude) && i < w->nprogs; i++) {
		struct filter_arg a = { w, w->progs[i].ids_fd };

		filter_one(id, path, &a);
	}
	return err;
}

void bpfl_wl_gone(struct bpfl_wl *w, uint64_t id)
{
	cgroup_paths_removed(w->paths, id, now_monotonic());
}

void bpfl_wl_events_lost(struct bpfl_wl *w)
{
	double now = now_monotonic();

	/* Now, for the cgroups made unsaid; and once their grace period is
	 * over, for those removed unsaid, which only a walk sees missing. */
	tree_set(w, cgroup_paths_rescan(w->paths, now));
	w->recheck_at = now + w->o.grace_s + WL_RESCAN_S;
}

/* Puts the ids the include/exclude regex selects into one program's set. */
static void filter_fill(struct bpfl_wl *w, int fd)
{
	struct filter_arg a = { w, fd };

	cgroup_paths_each(w->paths, filter_one, &a);
}


bool bpfl_wl_io_controller(const struct bpfl_wl *w)
{
	struct buf b;
	bool on = false;

	if (!w)
		return false;
	buf_init(&b);
	if (!read_file_at(w->root, "cgroup.controllers", &b)) {
		char *f[32];
		size_t n = split_fields(b.data, f, ARRAY_SIZE(f));

		for (size_t i = 0; i < n; i++)
			on = on || !strcmp(f[i], "io");
	}
	buf_free(&b);
	return on;
}

static size_t value_words(const struct bpfl_wl_family *f)
{
	if (f->value == BPFL_WL_COUNT)
		return sizeof(struct wl_count) / 8;
	return f->bytes_name ? sizeof(struct wl_hist_bytes) / 8 : sizeof(struct hist) / 8;
}

/* A family's cache map, mmap-ed: the kernel's slots, which wlcache.c reads
 * and frees in place. */
struct bpfl_wl_cache {
	unsigned char *mem;
	size_t memsz;
	struct wlcache *c;
};

static void cache_free(struct bpfl_wl_cache *m)
{
	if (!m)
		return;
	wlcache_free(m->c);
	if (m->mem)
		munmap(m->mem, m->memsz);
	free(m);
}

static int cache_new(const struct bpfl_wl_family *f, size_t words, struct bpfl_wl_cache **res)
{
	struct bpfl_wl_cache *m = calloc(1, sizeof(*m));
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t nslots = bpf_map__max_entries(f->cache);
	size_t stride = (bpf_map__value_size(f->cache) + 7) & ~(size_t)7;
	void *mem;
	int err = -ENOMEM;

	if (!m)
		goto out;
	m->memsz = (stride * nslots + page - 1) / page * page;
	mem = mmap(NULL, m->memsz, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(f->cache), 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	m->mem = mem;
	m->c = wlcache_new(m->mem, nslots, stride, words);
	if (!m->c) {
		err = -errno;
		goto out;
	}
	*res = m;
	return 0;
out:
	cache_free(m);
	return err;
}

static int family_init(struct bpfl_prog *p, struct bpfl_wl_family *f)
{
	size_t words = value_words(f);
	uint64_t *zero;
	int err = 0;

	f->ledger = NULL;
	f->slots = NULL;
	if (!p->wl_on)
		return 0;
	if (p->wl->nfam == WL_MAX_FAMILIES)
		return -ENOSPC;
	if (f->cache) {
		err = cache_new(f, words, &f->slots);
		if (err)
			return err;
	}
	/* Histograms count events in their slots; a counter in its first word. */
	f->ledger = workload_ledger_new(words, f->value == BPFL_WL_HIST ? HIST_SLOTS : 1);
	zero = calloc(words, sizeof(*zero));
	if (!f->ledger || !zero) {
		free(zero);
		return -ENOMEM;
	}
	/* The catch-all entries, made before the map can fill: the kernel
	 * falls back on them and must always find them. */
	for (uint32_t k = 0; !err && k < (f->nkeys ? f->nkeys : 1); k++) {
		struct wl_key key = { .cgid = WL_OTHER, .key = k };

		if (bpf_map_update_elem(f->fd, &key, zero, BPF_NOEXIST) && errno != EEXIST)
			err = -errno;
	}
	free(zero);
	if (!err)
		p->wl->fam[p->wl->nfam++] = f;
	return err;
}

int bpfl_wl_init(struct bpfl_prog *p, int ids_fd, int overflow_fd, struct bpfl_wl_family *f,
		 size_t n)
{
	struct bpfl_wl *w = p->wl;
	int err = 0;

	if (!p->wl_on)
		return 0;
	if (w->nprogs == WL_MAX_PROGS)
		return -ENOSPC;
	w->progs[w->nprogs++] = (struct wl_prog){ p->name, ids_fd, overflow_fd };
	if (w->has_include || w->has_exclude)
		filter_fill(w, ids_fd);
	for (size_t i = 0; !err && i < n; i++)
		err = family_init(p, &f[i]);
	return err;
}

void bpfl_wl_free_families(struct bpfl_wl_family *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		workload_ledger_free(f[i].ledger);
		f[i].ledger = NULL;
		cache_free(f[i].slots);
		f[i].slots = NULL;
	}
}

static struct wl_seen *seen(struct bpfl_wl *w, uint64_t id)
{
	size_t at = sorted_u64_lower_bound(w->seen, w->nseen, sizeof(*w->seen), id);
	struct wl_seen *s;

	if (at < w->nseen && w->seen[at].id == id)
		return &w->seen[at];
	s = array_insert((void **)&w->seen, &w->seen_cap, &w->nseen, sizeof(*s), 64, at);
	if (s)
		*s = (struct wl_seen){ .id = id, .first = w->now };
	return s;
}

struct read_arg {
	struct bpfl_wl *w;
	struct bpfl_wl_family *f;
	int err;
};

/* One (cgroup id, key) row's cumulative values into the ledger. */
static void read_row(struct read_arg *a, uint64_t cgid, uint32_t key, const uint64_t *vals)
{
	uint64_t events;
	int err = workload_ledger_update(a->f->ledger, cgid, key, vals, &events);

	if (err) {
		a->err = err;
		return;
	}
	/* Only a workload we can name is a candidate for a series. */
	if (!events || cgid == WL_OTHER || !seen(a->w, cgid))
		return;
	if (named(a->w, cgid))
		workload_selector_note(a->w->sel, cgid, events);
	else
		a->w->resolve_misses++;
}

/* A hash entry, plus what the cache slots gave the same row. */
static void read_entry(const void *key, const uint64_t *vals, void *arg)
{
	const struct wl_key *k = key;
	struct read_arg *a = arg;

	if (a->f->slots)
		vals = wlcache_merge(a->f->slots->c, k->cgid, k->key, vals);
	read_row(a, k->cgid, k->key, vals);
}

static void read_cached_row(void *arg, uint64_t cgid, uint32_t key, const uint64_t *vals)
{
	struct read_arg *a = arg;

	if (!a->err)
		read_row(a, cgid, key, vals);
}

int bpfl_wl_read(struct bpfl_prog *p, struct bpfl_wl_family *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct read_arg a = { .w = p->wl, .f = &f[i] };
		struct wlcache *c = f[i].slots ? f[i].slots->c : NULL;
		int err;

		if (!f[i].ledger)
			continue;
		/* Slots and hash only grow between the reads of one row (until
		 * a slot is freed, after its last read), so their sum only
		 * grows from one collection to the next, whatever the order. */
		err = c ? wlcache_read(c, now_monotonic()) : 0;
		if (!err)
			err = bpfl_map_dump(f[i].fd, sizeof(struct wl_key),
					    (uint32_t)(value_words(&f[i]) * 8),
					    p->wl->o.max_entries + (f[i].nkeys ? f[i].nkeys : 1),
					    read_entry, &a);
		if (c && !err && !a.err)
			wlcache_each_unmerged(c, read_cached_row, &a);
		if (err || a.err)
			return err ? err : a.err;
	}
	return 0;
}

/* An id is dead once the kernel reported it removed and the grace period
 * passed, or once it has gone unnamed for the grace period since its first
 * event (a cgroup may die before the first walk that would find it). */
static bool dead(struct bpfl_wl *w, const struct wl_seen *s)
{
	if (cgroup_paths_gone(w->paths, s->id, w->now))
		return true;
	return !cgroup_paths_lookup(w->paths, s->id, w->now) &&
	       w->now - s->first > w->o.grace_s + WL_RESCAN_S;
}

static void settle(struct bpfl_wl *w, uint64_t id)
{
	for (size_t i = 0; i < w->nfam; i++) {
		struct bpfl_wl_family *f = w->fam[i];
		uint32_t keys[64];
		size_t n = workload_ledger_keys(f->ledger, id, keys, 64);

		for (size_t k = 0; k < n && k < 64; k++) {
			struct wl_key key = { .cgid = id, .key = keys[k] };

			bpf_map_delete_elem(f->fd, &key);
		}
		workload_ledger_drop(f->ledger, id);
		if (f->slots)
			wlcache_forget(f->slots->c, id);
	}
	workload_selector_forget(w->sel, id);
	w->dead++;
}

void bpfl_wl_decide(struct bpfl_wl *w)
{
	size_t kept = 0;

	if (!w)
		return;
	w->names_reread = false;
	w->now = now_monotonic();
	tree_state(w);
	if (w->recheck_at && w->now >= w->recheck_at && w->tree_ok) {
		w->recheck_at = 0;
		tree_set(w, cgroup_paths_rescan(w->paths, w->now));
	}
	/* Without the tree every id would look dead: keep them for its return. */
	for (size_t i = 0; w->tree_ok && i < w->nseen; i++) {
		if (dead(w, &w->seen[i])) {
			settle(w, w->seen[i].id);
			continue;
		}
		w->seen[kept++] = w->seen[i];
	}
	if (w->tree_ok)
		w->nseen = kept;
	/* After the ids above were judged: those the kernel reported removed
	 * were found dead without the walk a lookup of a forgotten id makes. */
	cgroup_paths_expire(w->paths, w->now);
	workload_selector_decide(w->sel, w->now);
	/* Pods come and go like cgroups: names as of this collection, for the
	 * info series and the terminal alike. */
	pod_names_load(w->pods, w->o.pod_logs);
	/* Under an include filter a new cgroup's events count as other until
	 * it is in the set, so no lookup ever misses on it and no miss walks
	 * the tree: walk on a timer instead. */
	if (w->has_include && w->tree_ok && w->now - w->include_walk >= WL_RESCAN_S) {
		w->include_walk = w->now;
		tree_set(w, cgroup_paths_rescan(w->paths, w->now));
	}
	/* New cgroups join the filter's set once a walk has seen them. */
	if ((w->has_include || w->has_exclude) && cgroup_paths_walks(w->paths) != w->walks) {
		w->walks = cgroup_paths_walks(w->paths);
		for (size_t i = 0; i < w->nprogs; i++)
			filter_fill(w, w->progs[i].ids_fd);
	}
}

struct fill_arg {
	struct bpfl_wl *w;
	const struct bpfl_wl_family *f;
	struct metric_set *ms;
	struct family *fam, *bytes_fam;
};

static void fill_entry(void *arg, uint64_t id, uint32_t key, const uint64_t *vals)
{
	struct fill_arg *a = arg;
	const char *path = id ? cgroup_paths_lookup(a->w->paths, id, a->w->now) : "other";
	struct label l[2] = { { "cgroup", path ? path : "other" } };
	uint32_t nl = 1;
	char buf[64];

	if (!path)
		return; /* exported but unnamed can only be a race with its death */
	if (a->f->key_label) {
		l[1] = (struct label){ a->f->key_label,
				       a->f->key_name(a->f->key_arg, key, buf, sizeof(buf)) };
		nl = 2;
	}
	if (a->f->value == BPFL_WL_HIST) {
		struct hist h;

		memcpy(h.slots, vals, sizeof(h.slots));
		h.sum = vals[HIST_SLOTS];
		bpfl_add_hist(a->ms, a->fam, &h, BPFL_SECONDS, l, nl);
		if (a->bytes_fam)
			ms_add_labels(a->ms, a->bytes_fam, (double)vals[HIST_SLOTS + 1], l, nl);
	} else {
		ms_add_labels(a->ms, a->fam, (double)vals[0], l, nl);
	}
}

void bpfl_wl_fill_families(struct bpfl_prog *p, const struct bpfl_wl_family *f, size_t n,
			   struct metric_set *ms)
{
	for (size_t i = 0; i < n; i++) {
		struct fill_arg a = { .w = p->wl, .f = &f[i], .ms = ms };

		if (!f[i].ledger || !p->wl->tree_ok)
			continue;
		a.fam = ms_family(ms, f[i].name,
				  f[i].value == BPFL_WL_HIST ? METRIC_HISTOGRAM : METRIC_COUNTER,
				  f[i].help);
		if (f[i].bytes_name)
			a.bytes_fam = ms_family(ms, f[i].bytes_name, METRIC_COUNTER, f[i].bytes_help);
		workload_ledger_export(f[i].ledger, p->wl->sel, fill_entry, &a);
	}
}

void bpfl_wl_fill(struct bpfl_wl *w, struct metric_set *ms)
{
	struct family *info, *f;

	if (!w || !w->tree_ok)
		return;
	info = ms_family(ms, "infra_monitor_cgroup_info", METRIC_GAUGE,
			 "A workload with series of its own: what its cgroup path says it is.");
	for (size_t i = 0; i < w->nseen; i++) {
		const char *path;
		struct workload_identity id;

		if (!workload_selector_epoch(w->sel, w->seen[i].id))
			continue;
		path = cgroup_paths_lookup(w->paths, w->seen[i].id, w->now);
		if (!path)
			continue;
		workload_parse_path(path, &id);
		pod_names_apply(w->pods, &id);
		ms_add(ms, info, 1, "cgroup", path, "kind", workload_kind_name(id.kind), "unit",
		       id.unit, "container_id", id.container_id, "pod_uid", id.pod_uid, "namespace",
		       id.namespace_, "pod", id.pod, "container", id.container, NULL);
	}
	f = ms_family(ms, "infra_monitor_cgroup_overflow_events_total", METRIC_COUNTER,
		      "Events counted under other because a per-workload map was full.");
	for (size_t i = 0; i < w->nprogs; i++) {
		uint64_t n = 0;

		if (!bpfl_map_read_array(w->progs[i].overflow_fd, sizeof(n), 1, &n))
			ms_add(ms, f, (double)n, "program", w->progs[i].name, NULL);
	}
	ms_set(ms, "infra_monitor_cgroup_resolve_misses_total", METRIC_COUNTER,
	       "Per-workload readings of a cgroup id no walk of the cgroup2 tree had named yet.",
	       (double)w->resolve_misses);
	ms_set(ms, "infra_monitor_cgroup_workloads", METRIC_GAUGE,
	       "Workloads exported with series of their own (at most --bpf.cgroup.max-series).",
	       (double)workload_selector_exported(w->sel));
	ms_set(ms, "infra_monitor_cgroup_tracked", METRIC_GAUGE,
	       "Workloads with events being tracked (exported or under other).", (double)w->nseen);
	ms_set(ms, "infra_monitor_cgroup_removed_total", METRIC_COUNTER,
	       "Workloads whose cgroup went away and whose counts moved into other.",
	       (double)w->dead);
}

struct row_arg {
	const struct bpfl_wl_family *f;
	bpfl_wl_row_fn fn;
	void *arg;
};

static void row_one(void *arg, uint64_t id, uint32_t key, const uint64_t *vals)
{
	const struct row_arg *a = arg;

	(void)key;
	a->fn(a->arg, a->f, id, vals);
}

void bpfl_wl_each_row(const struct bpfl_wl *w, bpfl_wl_row_fn fn, void *arg)
{
	for (size_t i = 0; w && i < w->nfam; i++) {
		struct row_arg a = { w->fam[i], fn, arg };

		workload_ledger_each(w->fam[i]->ledger, row_one, &a);
	}
}

const char *bpfl_wl_describe(struct bpfl_wl *w, uint64_t id, struct workload_identity *ident)
{
	const char *path = cgroup_paths_lookup(w->paths, id, w->now);

	if (!path)
		return NULL;
	workload_parse_path(path, ident);
	pod_names_apply(w->pods, ident);
	return path;
}
