/* Which workloads get series of their own: at most max_series, the busiest
 * by events over a window, with hysteresis so that two workloads of about
 * the same rate do not swap places every interval (each swap moves one
 * workload's total into "other" and starts the other's series from zero).
 *
 * The rate is an exponentially decaying event count with time constant
 * window_s. A workload is promoted when a place is free, or when its rate is
 * more than PROMOTE_FACTOR times the slowest exported one's; it is demoted
 * when it loses such a swap, when it has had no event for hold_s, or when it
 * is forgotten (its cgroup is gone).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "workload.h"

#define PROMOTE_FACTOR 1.5
/* Swaps per decision, so one burst of new workloads cannot churn every
 * series at once. */
#define MAX_SWAPS 4

struct sel_entry {
	uint64_t id;
	double rate;            /* decayed events */
	uint64_t pending;       /* events noted since the last decision */
	double last_event;      /* monotonic seconds */
	uint64_t epoch;         /* decision at which it was promoted, 0: not exported */
};

struct workload_selector {
	struct workload_policy p;
	struct sel_entry *e;    /* sorted by id */
	size_t n, cap;
	uint64_t seq;           /* decisions made */
	double last_decide;     /* -1: never */
	size_t exported;
};

struct workload_selector *workload_selector_new(const struct workload_policy *p)
{
	struct workload_selector *s = calloc(1, sizeof(*s));

	if (s) {
		s->p = *p;
		s->last_decide = -1;
	}
	return s;
}

void workload_selector_free(struct workload_selector *s)
{
	if (!s)
		return;
	free(s->e);
	free(s);
}

static size_t lower_bound(const struct workload_selector *s, uint64_t id)
{
	return sorted_u64_lower_bound(s->e, s->n, sizeof(*s->e), id);
}

static struct sel_entry *find(const struct workload_selector *s, uint64_t id)
{
	size_t at = lower_bound(s, id);

	return at < s->n && s->e[at].id == id ? &s->e[at] : NULL;
}

void workload_selector_note(struct workload_selector *s, uint64_t id, uint64_t events)
{
	size_t at = lower_bound(s, id);
	struct sel_entry *e;

	if (!events)
		return;
	if (at < s->n && s->e[at].id == id) {
		s->e[at].pending += events;
		return;
	}
	e = array_insert((void **)&s->e, &s->cap, &s->n, sizeof(*e), 64, at);
	if (e) /* else counted under other until memory is back */
		*e = (struct sel_entry){ .id = id, .pending = events };
}

static void demote(struct workload_selector *s, struct sel_entry *e)
{
	if (e->epoch) {
		e->epoch = 0;
		s->exported--;
	}
}

void workload_selector_forget(struct workload_selector *s, uint64_t id)
{
	struct sel_entry *e = find(s, id);

	if (!e)
		return;
	demote(s, e);
	memmove(e, e + 1, (size_t)(s->e + s->n - (e + 1)) * sizeof(*e));
	s->n--;
}

static struct sel_entry *busiest_unexported(struct workload_selector *s)
{
	struct sel_entry *best = NULL;

	/* Only a workload with an event within hold_s: another would be
	 * demoted again at once. */
	for (size_t i = 0; i < s->n; i++)
		if (!s->e[i].epoch && s->e[i].rate > 0 &&
		    s->last_decide - s->e[i].last_event <= s->p.hold_s &&
		    (!best || s->e[i].rate > best->rate))
			best = &s->e[i];
	return best;
}

static struct sel_entry *slowest_exported(struct workload_selector *s)
{
	struct sel_entry *worst = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].epoch && (!worst || s->e[i].rate < worst->rate))
			worst = &s->e[i];
	return worst;
}

void workload_selector_decide(struct workload_selector *s, double now)
{
	double dt = s->last_decide < 0 ? 0 : now - s->last_decide;
	double decay = s->p.window_s > 0 ? exp(-dt / s->p.window_s) : 0;
	size_t kept = 0;

	s->seq++;
	s->last_decide = now;
	for (size_t i = 0; i < s->n; i++) {
		struct sel_entry *e = &s->e[i];

		e->rate = e->rate * decay + (double)e->pending;
		if (e->pending)
			e->last_event = now;
		e->pending = 0;
		if (e->epoch && now - e->last_event > s->p.hold_s)
			demote(s, e);
		/* An idle workload that is not exported needs no memory here: it
		 * comes back with its next event. */
		if (!e->epoch && now - e->last_event > s->p.window_s + s->p.hold_s)
			continue;
		s->e[kept++] = *e;
	}
	s->n = kept;
	for (;;) {
		struct sel_entry *best = busiest_unexported(s);

		if (!best || s->exported >= s->p.max_series)
			break;
		best->epoch = s->seq;
		s->exported++;
	}
	for (int swaps = 0; swaps < MAX_SWAPS; swaps++) {
		struct sel_entry *best = busiest_unexported(s), *worst = slowest_exported(s);

		if (!best || !worst || best->rate <= PROMOTE_FACTOR * worst->rate)
			break;
		demote(s, worst);
		best->epoch = s->seq;
		s->exported++;
	}
}

uint64_t workload_selector_epoch(const struct workload_selector *s, uint64_t id)
{
	const struct sel_entry *e = find(s, id);

	return e ? e->epoch : 0;
}

size_t workload_selector_exported(const struct workload_selector *s)
{
	return s->exported;
}
