/* top: the per-workload terminal view, `infra-monitor latency --by=cgroup`.
 *
 * latency.c hands over, each interval, every workload's cumulative histogram
 * of one family (the rows of its keys, such as disk ops, added up) with its
 * path and names; this module keeps the previous reading per workload,
 * takes the interval's difference and prints two rankings, by p99 and by
 * events, like `top` sorts processes. It sees no map and no cgroup tree, so
 * a unit test can feed it a fixed snapshot.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/loader.h"
#include "cli.h"
#include "util.h"

/* Shown in the name column: enough hex to tell containers apart, as
 * `docker ps` shortens ids. */
#define SHORT_ID 12

struct top_entry {
	uint64_t id;
	char *path;                     /* owned */
	char name[160];
	const char *kind;               /* static: workload_kind_name() */
	struct hist now, prev;
	bool seen;                      /* read this interval */
	/* Filled by cli_top_print() for the ranking. */
	uint64_t count;
	double p50, p99;
};

struct cli_top {
	char title[96];
	struct top_entry *e;
	size_t n, cap;
};

struct cli_top *cli_top_new(const char *title)
{
	struct cli_top *t = calloc(1, sizeof(*t));

	if (t)
		snprintf(t->title, sizeof(t->title), "%s", title);
	return t;
}

void cli_top_free(struct cli_top *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->e[i].path);
	free(t->e);
	free(t);
}

const char *cli_top_title(const struct cli_top *t)
{
	return t->title;
}

/* "unit nginx.service", "shop/web-7d9f8-x2k4q/nginx" for a pod's container
 * with names, else its uid and the short container id. */
static void describe(char *out, size_t outsz, const struct workload_identity *id)
{
	if (id->pod[0])
		snprintf(out, outsz, "%s/%s%s%s", id->namespace_, id->pod, id->container[0] ? "/" : "",
			 id->container);
	else if (id->pod_uid[0])
		snprintf(out, outsz, "pod %s%s%.*s", id->pod_uid, id->container_id[0] ? " " : "",
			 SHORT_ID, id->container_id);
	else if (id->container_id[0])
		snprintf(out, outsz, "%.*s", SHORT_ID, id->container_id);
	else
		snprintf(out, outsz, "%s", id->unit);
}

int cli_top_add(struct cli_top *t, uint64_t id, const char *path,
		const struct workload_identity *ident, const struct hist *h)
{
	size_t at = sorted_u64_lower_bound(t->e, t->n, sizeof(*t->e), id);
	struct top_entry *e;

	if (at == t->n || t->e[at].id != id) {
		char *p = strdup(path);

		e = p ? array_insert((void **)&t->e, &t->cap, &t->n, sizeof(*e), 16, at) : NULL;
		if (!e) {
			free(p);
			return -ENOMEM;
		}
		*e = (struct top_entry){ .id = id, .path = p };
	}
	e = &t->e[at];
	if (strcmp(e->path, path)) {
		char *p = strdup(path);

		if (!p)
			return -ENOMEM;
		free(e->path);
		e->path = p;
	}
	if (ident) {
		describe(e->name, sizeof(e->name), ident);
		e->kind = workload_kind_name(ident->kind);
	} else {
		e->name[0] = '\0';
		e->kind = "-";
	}
	if (!e->seen)
		memset(&e->now, 0, sizeof(e->now));
	e->seen = true;
	for (size_t i = 0; i < HIST_SLOTS; i++)
		e->now.slots[i] += h->slots[i];
	e->now.sum += h->sum;
	return 0;
}

/* What the entry gained since the last print. A slot that went down means
 * the kernel entry was made anew (a cgroup id settled and reused): its
 * reading counts from zero, as the ledger takes it. */
static void interval(struct top_entry *e)
{
	struct hist d;
	struct nhist nh;
	bool reset = false;

	for (size_t i = 0; i < HIST_SLOTS; i++)
		reset = reset || e->now.slots[i] < e->prev.slots[i];
	for (size_t i = 0; i < HIST_SLOTS; i++)
		d.slots[i] = reset ? e->now.slots[i] : e->now.slots[i] - e->prev.slots[i];
	d.sum = reset || e->now.sum < e->prev.sum ? e->now.sum : e->now.sum - e->prev.sum;
	bpfl_hist_export(&d, BPFL_SECONDS, &nh);
	e->count = nh.count;
	e->p50 = nhist_quantile(&nh, 0.50);
	e->p99 = nhist_quantile(&nh, 0.99);
}

static int by_p99(const void *a, const void *b)
{
	const struct top_entry *x = *(const struct top_entry *const *)a;
	const struct top_entry *y = *(const struct top_entry *const *)b;

	if (x->p99 != y->p99)
		return x->p99 < y->p99 ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_count(const void *a, const void *b)
{
	const struct top_entry *x = *(const struct top_entry *const *)a;
	const struct top_entry *y = *(const struct top_entry *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->p99 != y->p99)
		return x->p99 < y->p99 ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Cgroup names are whatever mkdir was given: control bytes would move the
 * terminal's cursor, so they show as '?'. */
static void put_safe(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void print_rank(FILE *out, const char *by, struct top_entry **r, size_t n, size_t max)
{
	fprintf(out, "    by %s:\n    %-9s %-9s %-9s %-10s %-28s %s\n", by, "p99", "p50", "events",
		"kind", "name", "cgroup");
	for (size_t i = 0; i < n && i < max; i++) {
		char p50[16], p99[16];

		cli_fmt_seconds(p50, sizeof(p50), r[i]->p50);
		cli_fmt_seconds(p99, sizeof(p99), r[i]->p99);
		fprintf(out, "    %-9s %-9s %-9llu %-10s ", p99, p50, (unsigned long long)r[i]->count,
			r[i]->kind);
		/* The name column pads; a longer name pushes the path right. */
		put_safe(out, r[i]->name);
		fprintf(out, "%*s ", strlen(r[i]->name) < 28 ? (int)(28 - strlen(r[i]->name)) : 0, "");
		put_safe(out, r[i]->path);
		fputc('\n', out);
	}
}

int cli_top_print(struct cli_top *t, FILE *out, size_t max_rows)
{
	struct top_entry **r = NULL;
	size_t n = 0, kept = 0;
	uint64_t events = 0;
	int err = 0;

	if (out && t->n) {
		r = calloc(t->n, sizeof(*r));
		if (!r)
			err = -ENOMEM;
	}
	for (size_t i = 0; r && i < t->n; i++) {
		if (!t->e[i].seen)
			continue;
		interval(&t->e[i]);
		if (t->e[i].count) {
			r[n++] = &t->e[i];
			events += t->e[i].count;
		}
	}
	if (out && !err && !n)
		fprintf(out, "  %s by workload: no events\n\n", t->title);
	if (n) {
		fprintf(out, "  %s by workload: %zu with events, %llu events\n", t->title, n,
			(unsigned long long)events);
		qsort(r, n, sizeof(*r), by_p99);
		print_rank(out, "p99", r, n, max_rows);
		qsort(r, n, sizeof(*r), by_count);
		print_rank(out, "events", r, n, max_rows);
		fputc('\n', out);
	}
	free(r);
	/* This reading is the next interval's baseline; a workload not read
	 * this time (settled, gone) leaves the view. */
	for (size_t i = 0; i < t->n; i++) {
		if (!t->e[i].seen) {
			free(t->e[i].path);
			continue;
		}
		t->e[i].prev = t->e[i].now;
		t->e[i].seen = false;
		t->e[kept++] = t->e[i];
	}
	t->n = kept;
	return err;
}
