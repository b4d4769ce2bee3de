/* Metric sets: the arena-backed store a collector fills and the sinks read.
 *
 * Sits between collectors and everything downstream (snapshot, renderers).
 * Families are found by name through a small open-addressing table, so a
 * collector may ask for its family inside a loop without a linear scan.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Chunks double from the first size to the largest: most of the ~50
 * metric sets of a snapshot hold a few families and a KiB of text, and a
 * snapshot's sets stay alive until the next one is published, so a fixed
 * 16 KiB first chunk kept ~750 KiB of heap resident for nothing. */
#define ARENA_FIRST_CHUNK 1024
#define ARENA_CHUNK (16 * 1024)
#define MAX_LABELS 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct metric_set {
	struct arena_chunk *chunks;
	struct family **families;
	size_t nfamilies, cap;
	struct family **index;  /* open addressing, size index_cap (a power of 2) */
	size_t index_cap;
	int err;
};

static void *arena_alloc(struct metric_set *ms, size_t n)
{
	struct arena_chunk *c = ms->chunks;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!c || c->size - c->used < n) {
		size_t size = !c ? ARENA_FIRST_CHUNK : c->size < ARENA_CHUNK ? 2 * c->size : ARENA_CHUNK;

		if (size < n)
			size = n;

		c = malloc(sizeof(*c) + size);
		if (!c) {
			ms_set_error(ms, -ENOMEM);
			return NULL;
		}
		c->used = 0;
		c->size = size;
		c->next = ms->chunks;
		ms->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

const char *ms_strdup(struct metric_set *ms, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(ms, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

struct metric_set *ms_new(void)
{
	return calloc(1, sizeof(struct metric_set));
}

void ms_free(struct metric_set *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->nfamilies; i++)
		free(ms->families[i]->samples);
	while (ms->chunks) {
		struct arena_chunk *next = ms->chunks->next;

		free(ms->chunks);
		ms->chunks = next;
	}
	free(ms->families);
	free(ms->index);
	free(ms);
}

int ms_error(const struct metric_set *ms)
{
	return ms->err;
}

void ms_set_error(struct metric_set *ms, int err)
{
	if (!ms->err)
		ms->err = err;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct family **index_slot(struct family **index, size_t cap, const char *name)
{
	size_t i = hash_name(name) & (cap - 1);

	while (index[i] && strcmp(index[i]->name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &index[i];
}

static int index_grow(struct metric_set *ms)
{
	size_t cap = ms->index_cap ? ms->index_cap * 2 : 64;
	struct family **index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < ms->nfamilies; i++)
		*index_slot(index, cap, ms->families[i]->name) = ms->families[i];
	free(ms->index);
	ms->index = index;
	ms->index_cap = cap;
	return 0;
}

const struct family *ms_find(const struct metric_set *ms, const char *name)
{
	if (!ms->index_cap)
		return NULL;
	return *index_slot(ms->index, ms->index_cap, name);
}

struct family *ms_family(struct metric_set *ms, const char *name, enum metric_type type,
			 const char *help)
{
	struct family *f = (struct family *)ms_find(ms, name);

	if (f) {
		if (f->type != type)
			ms_set_error(ms, -EINVAL);
		return f->type == type ? f : NULL;
	}
	if (!metric_name_valid(name)) {
		ms_set_error(ms, -EINVAL);
		return NULL;
	}
	/* Keep the index at most half full. */
	if (2 * (ms->nfamilies + 1) > ms->index_cap && index_grow(ms)) {
		ms_set_error(ms, -ENOMEM);
		return NULL;
	}
	if (ms->nfamilies == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 32;
		struct family **fams = realloc(ms->families, cap * sizeof(*fams));

		if (!fams) {
			ms_set_error(ms, -ENOMEM);
			return NULL;
		}
		ms->families = fams;
		ms->cap = cap;
	}
	f = arena_alloc(ms, sizeof(*f));
	if (!f)
		return NULL;
	*f = (struct family){ .type = type };
	f->name = ms_strdup(ms, name);
	f->help = ms_strdup(ms, help ? help : "");
	if (!f->name || !f->help)
		return NULL;
	ms->families[ms->nfamilies++] = f;
	*index_slot(ms->index, ms->index_cap, name) = f;
	return f;
}

static struct sample *new_sample(struct metric_set *ms, struct family *f,
				 const struct label *labels, uint32_t nlabels)
{
	if (!f)
		return NULL;
	if (f->nsamples == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct sample *s = realloc(f->samples, cap * sizeof(*s));

		if (!s) {
			ms_set_error(ms, -ENOMEM);
			return NULL;
		}
		f->samples = s;
		f->cap = cap;
	}
	struct label *copy = nlabels ? arena_alloc(ms, nlabels * sizeof(*copy)) : NULL;

	if (nlabels && !copy)
		return NULL;
	for (uint32_t i = 0; i < nlabels; i++) {
		if (!label_name_valid(labels[i].name)) {
			ms_set_error(ms, -EINVAL);
			return NULL;
		}
		copy[i].name = ms_strdup(ms, labels[i].name);
		copy[i].value = ms_strdup(ms, labels[i].value ? labels[i].value : "");
		if (!copy[i].name || !copy[i].value)
			return NULL;
	}
	struct sample *s = &f->samples[f->nsamples++];

	*s = (struct sample){ .labels = copy, .nlabels = nlabels };
	return s;
}

void ms_add_labels(struct metric_set *ms, struct family *f, double value,
		   const struct label *labels, uint32_t nlabels)
{
	struct sample *s = new_sample(ms, f, labels, nlabels);

	if (s)
		s->value = value;
}

void ms_add(struct metric_set *ms, struct family *f, double value, ...)
{
	struct label labels[MAX_LABELS];
	uint32_t n = 0;
	va_list ap;

	va_start(ap, value);
	for (const char *name; (name = va_arg(ap, const char *));) {
		const char *val = va_arg(ap, const char *);

		if (n == MAX_LABELS) {
			ms_set_error(ms, -E2BIG);
			va_end(ap);
			return;
		}
		labels[n++] = (struct label){ name, val };
	}
	va_end(ap);
	ms_add_labels(ms, f, value, labels, n);
}

void ms_add_hist(struct metric_set *ms, struct family *f, const struct nhist *h,
		 const struct label *labels, uint32_t nlabels)
{
	struct nhist *copy;
	struct sample *s;

	if (f && (f->type != METRIC_HISTOGRAM || nhist_valid(h))) {
		ms_set_error(ms, -EINVAL);
		return;
	}
	/* Only the buckets in use are copied: most of the array is empty. */
	copy = arena_alloc(ms, offsetof(struct nhist, buckets) +
				       h->nbuckets * sizeof(h->buckets[0]));
	s = copy ? new_sample(ms, f, labels, nlabels) : NULL;
	if (!s)
		return;
	memcpy(copy, h, offsetof(struct nhist, buckets) + h->nbuckets * sizeof(h->buckets[0]));
	s->hist = copy;
	s->value = (double)h->count;
}

void ms_set(struct metric_set *ms, const char *name, enum metric_type type, const char *help,
	    double value)
{
	ms_add(ms, ms_family(ms, name, type, help), value, NULL);
}

size_t ms_nfamilies(const struct metric_set *ms)
{
	return ms->nfamilies;
}

const struct family *ms_family_at(const struct metric_set *ms, size_t i)
{
	return i < ms->nfamilies ? ms->families[i] : NULL;
}

static const char *const type_names[] = {
	[METRIC_GAUGE] = "gauge",
	[METRIC_COUNTER] = "counter",
	[METRIC_UNTYPED] = "untyped",
	[METRIC_HISTOGRAM] = "histogram",
	[METRIC_SUMMARY] = "summary",
};

void ms_add_buckets(struct metric_set *ms, struct family *f, const struct bucket_set *b,
		    const struct label *labels, uint32_t nlabels)
{
	struct bucket_set *copy;
	double *arr;
	struct sample *s;

	if (f && f->type != METRIC_HISTOGRAM && f->type != METRIC_SUMMARY) {
		ms_set_error(ms, -EINVAL);
		return;
	}
	copy = arena_alloc(ms, sizeof(*copy));
	arr = copy && b->n ? arena_alloc(ms, 2 * b->n * sizeof(*arr)) : NULL;
	if (!copy || (b->n && !arr))
		return;
	s = new_sample(ms, f, labels, nlabels);
	if (!s)
		return;
	*copy = *b;
	if (b->n) {
		memcpy(arr, b->bounds, b->n * sizeof(*arr));
		memcpy(arr + b->n, b->values, b->n * sizeof(*arr));
		copy->bounds = arr;
		copy->values = arr + b->n;
	}
	s->buckets = copy;
	s->value = b->count;
}

const char *metric_type_name(enum metric_type t)
{
	return type_names[t];
}

int metric_type_parse(const char *s, enum metric_type *t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*t = (enum metric_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int is_alpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
int metric_name_valid(const char *s)
{
	if (!*s || !(is_alpha_(*s) || *s == ':'))
		return 0;
	for (s++; *s; s++)
		if (!(is_alpha_(*s) || is_digit(*s) || *s == ':'))
			return 0;
	return 1;
}

/* [a-zA-Z_][a-zA-Z0-9_]*, and names starting "__" are reserved. */
int label_name_valid(const char *s)
{
	if (!*s || !is_alpha_(*s) || strncmp(s, "__", 2) == 0)
		return 0;
	for (s++; *s; s++)
		if (!(is_alpha_(*s) || is_digit(*s)))
			return 0;
	return 1;
}

const char *sample_label(const struct sample *s, const char *name)
{
	for (uint32_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Native histograms                                                        */
/* ------------------------------------------------------------------------ */

double nhist_bound(int32_t schema, int32_t idx)
{
	int32_t per = 1 << schema;
	/* Floor division, so that the fraction is in [0, 1) for negative idx
	 * too and every power of two comes out exact through ldexp. */
	int32_t exp = idx >= 0 ? idx / per : -((-idx + per - 1) / per);
	int32_t frac = idx - exp * per;

	return ldexp(exp2((double)frac / per), exp);
}

double nhist_zero_threshold(const struct nhist *h)
{
	return nhist_bound(h->schema, h->first - 1);
}

uint64_t nhist_overflow(const struct nhist *h)
{
	uint64_t in = h->zero_count;

	for (uint32_t i = 0; i < h->nbuckets; i++)
		in += h->buckets[i];
	return h->count > in ? h->count - in : 0;
}

/* Bounds stay normal doubles (2^-1000 .. 2^1000 base units): a zero
 * threshold that underflowed to 0 would turn the histogram classic. */
#define NHIST_MAX_EXP 1000

int nhist_valid(const struct nhist *h)
{
	if (h->schema < 0 || h->schema > 8 || h->nbuckets > NHIST_MAX_BUCKETS)
		return -EINVAL;
	/* In int64: first near INT32_MIN or MAX must not wrap. */
	if (((int64_t)h->first - 1) < -((int64_t)NHIST_MAX_EXP << h->schema) ||
	    ((int64_t)h->first + h->nbuckets) > ((int64_t)NHIST_MAX_EXP << h->schema))
		return -EINVAL;
	return 0;
}

void nhist_classic(const struct nhist *h, nhist_bucket_cb cb, void *arg)
{
	int32_t per = 1 << h->schema;
	uint64_t cum = h->zero_count;

	/* The zero threshold is bucket first - 1's upper bound. */
	for (int32_t i = h->first - 1; i < h->first + (int32_t)h->nbuckets; i++) {
		if (i >= h->first)
			cum += h->buckets[i - h->first];
		if (i % per == 0)
			cb(arg, ldexp(1.0, i / per), cum);
	}
}

int nhist_sub(const struct nhist *c, const struct nhist *p, struct nhist *d)
{
	if (c->schema != p->schema || c->first != p->first || c->nbuckets != p->nbuckets)
		return -EINVAL;
	if (c->count < p->count || c->zero_count < p->zero_count)
		return -ERANGE;
	for (uint32_t i = 0; i < c->nbuckets; i++) {
		if (c->buckets[i] < p->buckets[i])
			return -ERANGE;
		d->buckets[i] = c->buckets[i] - p->buckets[i];
	}
	d->schema = c->schema;
	d->first = c->first;
	d->nbuckets = c->nbuckets;
	d->zero_count = c->zero_count - p->zero_count;
	d->count = c->count - p->count;
	d->sum = c->sum - p->sum;
	return 0;
}

double nhist_quantile(const struct nhist *h, double q)
{
	double rank, seen;

	if (!h->count)
		return NAN;
	rank = q * (double)h->count;
	seen = (double)h->zero_count;
	if (h->zero_count && seen >= rank)
		return nhist_zero_threshold(h) * rank / seen;
	for (uint32_t i = 0; i < h->nbuckets; i++) {
		double n = (double)h->buckets[i];

		if (!h->buckets[i] || seen + n < rank) {
			seen += n;
			continue;
		}
		double lo = nhist_bound(h->schema, h->first + (int32_t)i - 1);
		double hi = nhist_bound(h->schema, h->first + (int32_t)i);

		return lo + (hi - lo) * (rank - seen) / n;
	}
	return nhist_bound(h->schema, h->first + (int32_t)h->nbuckets - 1);
}
