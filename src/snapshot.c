/* Snapshots: one interval's data and its renderings, published atomically.
 *
 * The collector thread builds a snapshot privately, sorts its families and
 * writes its JSONL line, then publishes it; from then on its data never
 * changes. Readers (HTTP handlers) hold a reference while they copy a
 * rendering out, so a slow client never blocks the next publish and never
 * sees a half-built snapshot.
 *
 * Exposition formats are rendered lazily: three formats and their deflate
 * cost several ms per interval, and a Prometheus server asks for one format,
 * often less than once per interval. The first scrape of a snapshot that asks
 * for a format renders it (and deflates it if it wants gzip) under that
 * format's lock; later scrapes of the same snapshot see the ready flag and
 * only copy. The rendering depends on nothing but the immutable families, so
 * which scrape does it, and when, cannot change a byte of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "snapshot.h"

/* Measured on this host's 38 KiB exposition: level 1 takes 0.13 ms and gives
 * 6.7 KiB, level 6 takes 0.55 ms for 5.8 KiB. Exposition text is repetitive
 * enough that the fastest level keeps most of the gain; one deflate per
 * snapshot serves every gzip scrape of it (gzjoin.c). */
#define PROM_GZIP_LEVEL 1

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;

struct snapshot *snapshot_new(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	summary_init(&s->summary);
	for (int f = 0; f < EXPO_FORMATS; f++) {
		struct snapshot_expo *e = &s->expo[f];

		pthread_mutex_init(&e->lock, NULL);
		atomic_init(&e->ready, 0);
		buf_init(&e->body);
		gzjoin_part_init(&e->z);
	}
	buf_init(&s->jsonl);
	return s;
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nsets; i++)
		ms_free(s->sets[i]);
	free(s->sets);
	summary_free(&s->summary);
	free(s->results);
	free(s->fams);
	for (int f = 0; f < EXPO_FORMATS; f++) {
		pthread_mutex_destroy(&s->expo[f].lock);
		buf_free(&s->expo[f].body);
		gzjoin_part_free(&s->expo[f].z);
	}
	buf_free(&s->jsonl);
	free(s);
}

int snapshot_add_set(struct snapshot *s, struct metric_set *ms)
{
	struct metric_set **sets = realloc(s->sets, (s->nsets + 1) * sizeof(*sets));

	if (!sets) {
		ms_free(ms);
		return -ENOMEM;
	}
	s->sets = sets;
	s->sets[s->nsets++] = ms;
	return 0;
}

int snapshot_add_result(struct snapshot *s, const struct collector_result *r)
{
	struct collector_result *res = realloc(s->results, (s->nresults + 1) * sizeof(*res));

	if (!res)
		return -ENOMEM;
	s->results = res;
	s->results[s->nresults++] = *r;
	return 0;
}

static int cmp_family(const void *a, const void *b)
{
	const struct family *fa = *(const struct family *const *)a;
	const struct family *fb = *(const struct family *const *)b;

	return strcmp(fa->name, fb->name);
}

long snapshot_families(const struct snapshot *s, const struct family ***out)
{
	size_t n = 0, k = 0;
	const struct family **fams;

	for (size_t i = 0; i < s->nsets; i++)
		n += ms_nfamilies(s->sets[i]);
	fams = malloc((n ? n : 1) * sizeof(*fams));
	if (!fams)
		return -ENOMEM;
	for (size_t i = 0; i < s->nsets; i++)
		for (size_t j = 0; j < ms_nfamilies(s->sets[i]); j++)
			fams[k++] = ms_family_at(s->sets[i], j);
	qsort(fams, n, sizeof(*fams), cmp_family);
	*out = fams;
	return (long)n;
}

/* Bits of snapshot_expo.ready. */
#define EXPO_READY_BODY 1
#define EXPO_READY_Z 2

int snapshot_render(struct snapshot *s, const struct snapshot *prev)
{
	long n;

	free(s->fams);
	n = snapshot_families(s, &s->fams);
	if (n < 0)
		return (int)n;
	s->nfams = (size_t)n;
	buf_reset(&s->jsonl);
	/* A line is about as long as the last one: one allocation, not a
	 * doubling series that copies and faults in each size on the way. */
	if (prev) {
		buf_reserve(&s->jsonl, prev->jsonl.len + prev->jsonl.len / 16);
		for (int f = 0; f < EXPO_FORMATS; f++) {
			const struct snapshot_expo *e = &prev->expo[f];
			/* prev is served meanwhile: its body length is final only
			 * once its ready bit says so (expo_fill()'s release). */
			int ready = atomic_load_explicit(&e->ready, memory_order_acquire);

			s->expo[f].size_hint = ready & EXPO_READY_BODY ? e->body.len : e->size_hint;
		}
	}
	render_jsonl(&s->jsonl, s, s->fams, s->nfams, prev);
	return s->jsonl.oom ? -ENOMEM : 0;
}

/* Renders what want asks for and is not ready yet; called with e->lock held,
 * so a caller that waited for it finds the work done and does none. */
static int expo_fill(struct snapshot *s, enum expo_format fmt, int want)
{
	struct snapshot_expo *e = &s->expo[fmt];
	int ready = atomic_load_explicit(&e->ready, memory_order_relaxed);
	int err = 0;

	if (!(ready & EXPO_READY_BODY)) {
		buf_reset(&e->body);
		if (e->size_hint)
			buf_reserve(&e->body, e->size_hint + e->size_hint / 16);
		render_expo(&e->body, fmt, s->fams, s->nfams);
		e->renders++;
		err = e->body.oom ? -ENOMEM : 0;
		ready |= err ? 0 : EXPO_READY_BODY;
	}
	if (!err && (want & EXPO_READY_Z) && !(ready & EXPO_READY_Z)) {
		err = gzjoin_part_deflate(&e->z, e->body.data, e->body.len, PROM_GZIP_LEVEL);
		ready |= err ? 0 : EXPO_READY_Z;
	}
	atomic_store_explicit(&e->ready, ready, memory_order_release);
	return err;
}

int snapshot_expo(struct snapshot *s, enum expo_format fmt, const struct buf **body,
		  const struct gzjoin_part **z)
{
	struct snapshot_expo *e = &s->expo[fmt];
	int want = EXPO_READY_BODY | (z ? EXPO_READY_Z : 0);
	int err = 0;

	/* The acquire pairs with expo_fill()'s release: a reader that sees the
	 * bits sees the finished buffers, and takes no lock. */
	if ((atomic_load_explicit(&e->ready, memory_order_acquire) & want) != want) {
		pthread_mutex_lock(&e->lock);
		err = expo_fill(s, fmt, want);
		pthread_mutex_unlock(&e->lock);
	}
	*body = &e->body;
	if (z)
		*z = &e->z;
	return err;
}

void snapshot_publish(struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = s;
	pthread_mutex_unlock(&current_lock);
	snapshot_put(old);
}

struct snapshot *snapshot_get(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&current_lock);
	s = current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&current_lock);
	return s;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void snapshot_put(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}
