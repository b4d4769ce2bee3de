/* Exact folding of per-workload counters into "other", for one family.
 *
 * The kernel keeps cumulative values per (cgroup id, key) row; the selector
 * says which ids are exported. The rules, which must hold at every export:
 *   - per key, the exported rows plus other equal the total of every row
 *     ever read (rows we deleted from the kernel included);
 *   - an exported row only grows: it shows its values since its promotion
 *     (cumulative minus a base taken when promoted);
 *   - other = total - exported, so it only grows too: it takes every delta
 *     of unexported rows, a demoted or dropped row's whole exported value,
 *     and the events of a promoted row from before its promotion.
 * Nothing is stored for other: it is derived, so it cannot drift.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "workload.h"

struct row {
	uint64_t id;
	uint32_t key;
	bool fresh;     /* first read since the last export */
	uint64_t epoch; /* the promotion base was taken for, 0: none */
	uint64_t *prev; /* last cumulative values read; then base */
};

struct total {
	uint32_t key;
	uint64_t *sum;  /* then the exported part, during export */
};

struct workload_ledger {
	size_t width, events_words;
	struct row *rows;
	size_t nrows, rows_cap;
	struct total *totals;
	size_t ntotals;
	uint64_t *scratch;      /* width values */
};

struct workload_ledger *workload_ledger_new(size_t width, size_t events_words)
{
	struct workload_ledger *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->width = width;
	l->events_words = events_words;
	l->scratch = calloc(width ? width : 1, sizeof(uint64_t));
	if (!l->scratch) {
		free(l);
		return NULL;
	}
	return l;
}

void workload_ledger_free(struct workload_ledger *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nrows; i++)
		free(l->rows[i].prev);
	for (size_t i = 0; i < l->ntotals; i++)
		free(l->totals[i].sum);
	free(l->rows);
	free(l->totals);
	free(l->scratch);
	free(l);
}

/* prev and base of a row share one allocation of 2 * width values. */
static uint64_t *row_base(const struct workload_ledger *l, const struct row *r)
{
	return r->prev + l->width;
}

static struct total *total_for(struct workload_ledger *l, uint32_t key)
{
	struct total *g;

	for (size_t i = 0; i < l->ntotals; i++)
		if (l->totals[i].key == key)
			return &l->totals[i];
	g = realloc(l->totals, (l->ntotals + 1) * sizeof(*g));
	if (!g)
		return NULL;
	l->totals = g;
	g = &l->totals[l->ntotals];
	*g = (struct total){ .key = key, .sum = calloc(2 * l->width, sizeof(uint64_t)) };
	if (!g->sum)
		return NULL;
	l->ntotals++;
	return g;
}

static size_t row_at(const struct workload_ledger *l, uint64_t id, uint32_t key)
{
	size_t lo = 0, hi = l->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct row *r = &l->rows[mid];

		if (r->id < id || (r->id == id && r->key < key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int workload_ledger_update(struct workload_ledger *l, uint64_t id, uint32_t key,
			   const uint64_t *cur, uint64_t *events)
{
	size_t at = row_at(l, id, key);
	struct total *t = total_for(l, key);
	struct row *r;

	if (!t)
		return -ENOMEM;
	if (at == l->nrows || l->rows[at].id != id || l->rows[at].key != key) {
		uint64_t *vals = calloc(2 * l->width, sizeof(uint64_t));

		if (!vals)
			return -ENOMEM;
		r = array_insert((void **)&l->rows, &l->rows_cap, &l->nrows, sizeof(*r), 64, at);
		if (!r) {
			free(vals);
			return -ENOMEM;
		}
		*r = (struct row){ .id = id, .key = key, .fresh = true, .prev = vals };
	}
	r = &l->rows[at];
	*events = 0;
	for (size_t i = 0; i < l->width; i++) {
		/* A value that went down means the kernel entry was made anew
		 * (deleted behind our back): it counts from zero again. */
		uint64_t delta = cur[i] >= r->prev[i] ? cur[i] - r->prev[i] : cur[i];

		t->sum[i] += delta;
		r->prev[i] = cur[i];
		if (i < l->events_words)
			*events += delta;
	}
	return 0;
}

size_t workload_ledger_keys(const struct workload_ledger *l, uint64_t id, uint32_t *keys,
			    size_t max)
{
	size_t n = 0;

	for (size_t at = row_at(l, id, 0); at < l->nrows && l->rows[at].id == id; at++, n++)
		if (n < max)
			keys[n] = l->rows[at].key;
	return n;
}

void workload_ledger_drop(struct workload_ledger *l, uint64_t id)
{
	size_t at = row_at(l, id, 0), end = at;

	while (end < l->nrows && l->rows[end].id == id)
		free(l->rows[end++].prev);
	memmove(&l->rows[at], &l->rows[end], (l->nrows - end) * sizeof(*l->rows));
	l->nrows -= end - at;
}

void workload_ledger_export(struct workload_ledger *l, const struct workload_selector *s,
			    workload_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < l->ntotals; i++)
		memset(l->totals[i].sum + l->width, 0, l->width * sizeof(uint64_t));
	for (size_t i = 0; i < l->nrows; i++) {
		struct row *r = &l->rows[i];
		uint64_t epoch = workload_selector_epoch(s, r->id), *base = row_base(l, r);
		struct total *t = total_for(l, r->key);

		if (epoch != r->epoch) {
			/* Promoted now: its series starts here, and what other
			 * already showed of it stays there. A row first read since
			 * the last export was never part of other, so it keeps all
			 * of its counts (a new workload's first burst is its own). */
			if (r->fresh && epoch)
				memset(base, 0, l->width * sizeof(uint64_t));
			else
				memcpy(base, r->prev, l->width * sizeof(uint64_t));
			r->epoch = epoch;
		}
		r->fresh = false;
		if (!epoch || !t)
			continue;
		for (size_t k = 0; k < l->width; k++) {
			l->scratch[k] = r->prev[k] - base[k];
			t->sum[l->width + k] += l->scratch[k];
		}
		emit(arg, r->id, r->key, l->scratch);
	}
	for (size_t i = 0; i < l->ntotals; i++) {
		struct total *t = &l->totals[i];
		uint64_t any = 0;

		for (size_t k = 0; k < l->width; k++) {
			l->scratch[k] = t->sum[k] - t->sum[l->width + k];
			any |= t->sum[k];
		}
		/* A key that never had an event has no series yet (its totals
		 * only grow, so once shown it stays). */
		if (any)
			emit(arg, 0, t->key, l->scratch);
	}
}

void workload_ledger_each(const struct workload_ledger *l, workload_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < l->nrows; i++)
		emit(arg, l->rows[i].id, l->rows[i].key, l->rows[i].prev);
}
