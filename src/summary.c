/* The host summary (summary.h): typed figures the collectors hand over beside
 * their metric sets, for the sinks that compute from them rather than print
 * them (/health's system block, the JSONL derived block).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

void summary_init(struct host_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < SUMMARY_NSCALARS; i++)
		s->scalar[i] = NAN;
}

void summary_free(struct host_summary *s)
{
	for (size_t k = 0; k < SUMMARY_NKINDS; k++)
		free(s->list[k].v);
	summary_init(s);
}

void summary_set(struct host_summary *s, enum summary_scalar k, double v)
{
	if (s)
		s->scalar[k] = v;
}

double *summary_add(struct host_summary *s, enum summary_kind kind, const char *name)
{
	struct summary_list *l;
	struct summary_obj *o;

	if (!s || s->err)
		return NULL;
	l = &s->list[kind];
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct summary_obj *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	o = &l->v[l->n++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	for (size_t i = 0; i < SUMMARY_MAX_COUNTERS; i++)
		o->v[i] = NAN;
	return o->v;
}

int summary_error(const struct host_summary *s)
{
	return s->err;
}

void summary_take(struct host_summary *dst, struct host_summary *src)
{
	for (size_t i = 0; i < SUMMARY_NSCALARS; i++)
		if (!isnan(src->scalar[i]))
			dst->scalar[i] = src->scalar[i];
	for (size_t k = 0; k < SUMMARY_NKINDS; k++) {
		/* One collector fills each kind: a filled list replaces. */
		if (!src->list[k].n)
			continue;
		free(dst->list[k].v);
		dst->list[k] = src->list[k];
		src->list[k] = (struct summary_list){ 0 };
	}
	summary_free(src);
}

struct summary_obj *summary_find(const struct summary_list *l, const char *name, size_t *hint)
{
	for (size_t k = 0; k < l->n; k++) {
		size_t j = (*hint + k) % l->n;

		if (strcmp(l->v[j].name, name) == 0) {
			*hint = j + 1;
			return &l->v[j];
		}
	}
	return NULL;
}
