/* Snapshot renderings made on demand: each format comes out byte for byte as
 * its renderer makes it from the sorted families, its deflate inflates back to
 * it, nothing is rendered before it is asked for, and concurrent first
 * requests share one rendering. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"

#include "render.h"
#include "snapshot.h"

/* Enough series that a rendering takes long enough for threads started
 * together to overlap inside it. */
#define NFAMILIES 40
#define NSERIES 200
#define NTHREADS 8

static struct snapshot *make_snapshot(void)
{
	struct snapshot *s = snapshot_new();
	struct metric_set *a = ms_new(), *b = ms_new();
	char name[64], dev[16];

	assert_non_null(s);
	assert_non_null(a);
	assert_non_null(b);
	/* Two sets whose families interleave by name: rendering must sort them. */
	for (int i = 0; i < NFAMILIES; i++) {
		struct metric_set *ms = i % 2 ? a : b;
		struct family *f;

		snprintf(name, sizeof(name), "node_test_%02d_total", NFAMILIES - i);
		f = ms_family(ms, name, METRIC_COUNTER, "A \"test\" counter\\.");
		for (int j = 0; j < NSERIES; j++) {
			snprintf(dev, sizeof(dev), "dev%d", j);
			ms_add(ms, f, i * 1000.0 + j + 0.5, "device", dev, "mode", "a\nb", NULL);
		}
	}
	assert_int_equal(ms_error(a), 0);
	assert_int_equal(ms_error(b), 0);
	assert_int_equal(snapshot_add_set(s, a), 0);
	assert_int_equal(snapshot_add_set(s, b), 0);
	assert_int_equal(snapshot_render(s, NULL), 0);
	return s;
}

/* What the renderer makes of the snapshot's families, sorted independently. */
static void direct_render(const struct snapshot *s, enum expo_format fmt, struct buf *out)
{
	const struct family **fams;
	long n = snapshot_families(s, &fams);

	assert_true(n == NFAMILIES);
	buf_init(out);
	render_expo(out, fmt, fams, (size_t)n);
	assert_false(out->oom);
	free(fams);
}

static void check_z(const struct buf *body, const struct gzjoin_part *z)
{
	uint8_t hdr[GZJOIN_HEADER_LEN];
	struct buf gz, plain;

	buf_init(&gz);
	buf_init(&plain);
	gzjoin_header(hdr);
	buf_put(&gz, hdr, sizeof(hdr));
	buf_put(&gz, z->z.data, z->z.len);
	assert_int_equal(gzjoin_finish(&gz, z, "", 0, 6), 0);
	assert_int_equal(fixture_gunzip(gz.data, gz.len, &plain), 0);
	assert_int_equal(plain.len, body->len);
	assert_memory_equal(plain.data, body->data, body->len);
	buf_free(&plain);
	buf_free(&gz);
}

static void test_formats_as_rendered(void **state)
{
	struct snapshot *s = make_snapshot();

	for (int f = 0; f < EXPO_FORMATS; f++) {
		const struct buf *body, *again;
		const struct gzjoin_part *z;
		struct buf want;

		/* The JSONL line is made with the snapshot; no format is yet. */
		assert_true(s->jsonl.len > 0);
		assert_int_equal(s->expo[f].renders, 0);
		assert_int_equal(s->expo[f].body.len, 0);
		direct_render(s, (enum expo_format)f, &want);
		assert_int_equal(snapshot_expo(s, (enum expo_format)f, &body, NULL), 0);
		assert_int_equal(body->len, want.len);
		assert_memory_equal(body->data, want.data, want.len);
		/* Plain only: nothing deflated. */
		assert_int_equal(s->expo[f].z.z.len, 0);
		assert_int_equal(snapshot_expo(s, (enum expo_format)f, &again, &z), 0);
		assert_ptr_equal(again, body);
		assert_int_equal(z->len, body->len);
		check_z(body, z);
		assert_int_equal(s->expo[f].renders, 1);
		/* Later formats untouched by this one. */
		for (int g = f + 1; g < EXPO_FORMATS; g++)
			assert_int_equal(s->expo[g].renders, 0);
		buf_free(&want);
	}
	snapshot_put(s);
}

struct racer {
	pthread_barrier_t *start;
	struct snapshot *s;
	int gzip;
	const struct buf *body;
	const struct gzjoin_part *z;
	int err;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->err = snapshot_expo(r->s, EXPO_OPENMETRICS, &r->body, r->gzip ? &r->z : NULL);
	return NULL;
}

static void test_concurrent_first_requests(void **state)
{
	pthread_barrier_t start;
	pthread_t t[NTHREADS];
	struct racer r[NTHREADS];
	struct buf want;

	/* Many rounds on fresh snapshots, so the threads meet in every order. */
	for (int round = 0; round < 20; round++) {
		struct snapshot *s = make_snapshot();

		assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
		for (int i = 0; i < NTHREADS; i++) {
			r[i] = (struct racer){.start = &start, .s = s, .gzip = i % 2};
			assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
		}
		for (int i = 0; i < NTHREADS; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		pthread_barrier_destroy(&start);
		assert_int_equal(s->expo[EXPO_OPENMETRICS].renders, 1);
		assert_int_equal(s->expo[EXPO_TEXT].renders, 0);
		assert_int_equal(s->expo[EXPO_PROTOBUF].renders, 0);
		direct_render(s, EXPO_OPENMETRICS, &want);
		for (int i = 0; i < NTHREADS; i++) {
			assert_int_equal(r[i].err, 0);
			assert_ptr_equal(r[i].body, &s->expo[EXPO_OPENMETRICS].body);
			assert_int_equal(r[i].body->len, want.len);
			assert_memory_equal(r[i].body->data, want.data, want.len);
			if (r[i].gzip)
				check_z(r[i].body, r[i].z);
		}
		buf_free(&want);
		snapshot_put(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats_as_rendered),
	    cmocka_unit_test(test_concurrent_first_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
