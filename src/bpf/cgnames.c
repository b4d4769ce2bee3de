/* cgnames: cgroups named as they are made and let go as they are removed,
 * user side.
 *
 * Not a program of the registry: it has no series of its own to show in a
 * view, and only serves the per-workload attribution, so the loader opens it
 * beside the others when there is attribution. Each collection drains its
 * ring buffer into the set's cgroup names before the other programs are
 * read, so a cgroup is known by the time its first events are.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/cgnames.h"
#include "bpf/cgnames.skel.h"
#include "bpf/loader.h"
#include "util.h"

struct cgnames_state {
	struct ring_buffer *rb;
	struct bpfl_wl *wl;
	uint64_t created, lost[CGNAMES_LOST_SLOTS];
};

BPFL_SKEL_OPEN(cgnames)

static int on_event(void *ctx, void *data, size_t size)
{
	struct cgnames_state *st = ctx;
	const struct cgnames_event *e = data;
	size_t head = offsetof(struct cgnames_event, path);

	if (size < head)
		return 0;
	if (!e->made) {
		bpfl_wl_gone(st->wl, e->id);
		return 0;
	}
	if (!e->len || size < head + e->len || e->path[e->len - 1])
		return 0;
	st->created++;
	return bpfl_wl_learn(st->wl, e->id, e->path);
}

static int cgnames_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	struct cgnames_bpf *skel = p->skel;
	struct cgnames_state *st = calloc(1, sizeof(*st));

	(void)o;
	if (!st)
		return -ENOMEM;
	p->state = st;
	st->wl = p->wl;
	st->rb = ring_buffer__new(bpf_map__fd(skel->maps.cgroup_events), on_event, st, NULL);
	return st->rb ? 0 : -errno;
}

static int cgnames_read(struct bpfl_prog *p)
{
	struct cgnames_bpf *skel = p->skel;
	struct cgnames_state *st = p->state;
	uint64_t full = st->lost[CGNAMES_LOST_FULL];
	int n = ring_buffer__consume(st->rb);

	if (n < 0)
		return n;
	n = bpfl_map_read_array(bpf_map__fd(skel->maps.cgnames_lost), sizeof(uint64_t),
				CGNAMES_LOST_SLOTS, st->lost);
	/* Some made or removed went unsaid: the walks find them out. */
	if (!n && st->lost[CGNAMES_LOST_FULL] != full)
		bpfl_wl_events_lost(st->wl);
	return n;
}

static void cgnames_fill(struct bpfl_prog *p, struct metric_set *ms)
{
	const struct cgnames_state *st = p->state;
	struct family *f;

	/* With the rest of the attribution's series: off while the tree is. */
	if (!bpfl_wl_exporting(st->wl))
		return;
	ms_set(ms, "infra_monitor_cgroup_created_total", METRIC_COUNTER,
	       "cgroups made on the v2 hierarchy since start, named as they were made "
	       "(cgroup:cgroup_mkdir).",
	       (double)st->created);
	f = ms_family(ms, "infra_monitor_cgroup_events_unsent_total", METRIC_COUNTER,
		      "cgroups made or removed that the kernel could not tell of (ring buffer "
		      "full, path too long): walks of the tree find them out.");
	ms_add(ms, f, (double)st->lost[CGNAMES_LOST_FULL], "reason", "ring_full", NULL);
	ms_add(ms, f, (double)st->lost[CGNAMES_LOST_LONG], "reason", "path_too_long", NULL);
}

static void cgnames_free(struct bpfl_prog *p)
{
	struct cgnames_state *st = p->state;

	if (!st)
		return;
	ring_buffer__free(st->rb);
	free(st);
	p->state = NULL;
}

const struct bpfl_prog_ops cgnames_ops = {
	.name = "cgnames",
	.open = cgnames_open,
	.init = cgnames_init,
	.read = cgnames_read,
	.fill = cgnames_fill,
	.free = cgnames_free,
};
