/* Unit tests of the protobuf exposition (src/render_pb.c): exact bytes of a
 * small family, and histograms read back through tests/pb_decode.h, classic
 * and native buckets against the nhist they came from. */
#include "fixture.h"
#include "buf.h"
#include "pb_decode.h"
#include "render.h"

static void render_one(const struct family *f, struct buf *b)
{
	const struct family *fams[1] = { f };

	buf_reset(b);
	render_pb(b, fams, 1);
	assert_false(b->oom);
}

static void test_gauge_bytes(void **state)
{
	static const uint8_t want[] = {
		0x14,                                   /* family length */
		0x0a, 0x01, 'a',                        /* name */
		0x12, 0x00,                             /* help "" */
		0x18, 0x01,                             /* type GAUGE */
		0x22, 0x0b,                             /* metric */
		0x12, 0x09,                             /* gauge */
		0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,     /* value 1.0 */
	};
	struct metric_set *ms = ms_new();
	struct buf b;

	buf_init(&b);
	ms_set(ms, "a", METRIC_GAUGE, "", 1);
	render_one(ms_family_at(ms, 0), &b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_free(&b);
	ms_free(ms);
}

/* Reads the one histogram metric of a one-family stream. */
static void decode_hist(const struct buf *b, struct pbd_hist *h)
{
	struct pbd d = { (const uint8_t *)b->data, (const uint8_t *)b->data + b->len };
	struct pbd_field f, m;
	uint64_t len;
	int found = 0;

	assert_int_equal(pbd_varint(&d, &len), 0);
	assert_int_equal(len, (uint64_t)(d.end - d.p));
	d.end = d.p + len;
	while (d.p < d.end) {
		assert_int_equal(pbd_field(&d, &f), 0);
		if (f.num == 3)
			assert_int_equal(f.v, 4);       /* HISTOGRAM */
		if (f.num != 4)
			continue;
		while (f.sub.p < f.sub.end) {
			assert_int_equal(pbd_field(&f.sub, &m), 0);
			if (m.num == 7) {
				assert_int_equal(pbd_histogram(m.sub, h), 0);
				found = 1;
			}
		}
	}
	assert_true(found);
}

struct classic_list {
	size_t n;
	double le[64];
	uint64_t cum[64];
};

static void collect_classic(void *arg, double le, uint64_t cum)
{
	struct classic_list *c = arg;

	c->le[c->n] = le;
	c->cum[c->n++] = cum;
}

static void check_hist(const struct nhist *src)
{
	struct metric_set *ms = ms_new();
	struct family *f = ms_family(ms, "h_seconds", METRIC_HISTOGRAM, "H.");
	static struct pbd_hist h;
	struct classic_list c = { 0 };
	size_t k = 0;
	struct buf b;

	buf_init(&b);
	ms_add_hist(ms, f, src, NULL, 0);
	render_one(f, &b);
	decode_hist(&b, &h);
	assert_int_equal(h.count, src->count);
	assert_true(h.sum == src->sum);
	assert_int_equal(h.schema, src->schema);
	assert_true(h.zero_threshold > 0);
	assert_true(h.zero_threshold == nhist_zero_threshold(src));
	assert_int_equal(h.zero_count, src->zero_count);
	nhist_classic(src, collect_classic, &c);
	assert_int_equal(h.nclassic, c.n);
	for (size_t i = 0; i < c.n; i++) {
		assert_true(h.classic_le[i] == c.le[i]);
		assert_int_equal(h.classic_cum[i], c.cum[i]);
	}
	/* Every non-empty bucket once, at its index; gap fillers are empty. */
	for (size_t i = 0; i < h.nnative; i++) {
		int64_t at = h.native_idx[i] - src->first;

		assert_true(at >= 0 && at < (int64_t)src->nbuckets);
		assert_int_equal(h.native_count[i], src->buckets[at]);
		k += h.native_count[i] != 0;
		if (i)
			assert_true(h.native_idx[i] > h.native_idx[i - 1]);
	}
	for (uint32_t i = 0; i < src->nbuckets; i++)
		k -= src->buckets[i] != 0;
	assert_int_equal(k, 0);
	buf_free(&b);
	ms_free(ms);
}

static void test_histogram_native_and_classic(void **state)
{
	static struct nhist h = { .schema = 3, .first = -159, .nbuckets = 208, .zero_count = 2,
				  .count = 40, .sum = 0.5 };

	/* Runs, a gap of two (one span), a gap of three (a new span), the top. */
	h.buckets[0] = 1;
	h.buckets[5] = 3;
	h.buckets[6] = 2;
	h.buckets[9] = 7;
	h.buckets[13] = 1;
	h.buckets[207] = 20;
	check_hist(&h);
}

static void test_histogram_empty_is_native(void **state)
{
	struct nhist h = { .schema = 3, .first = 1, .nbuckets = 208 };

	check_hist(&h);
}

static void test_every_family_type(void **state)
{
	struct metric_set *ms = ms_new();
	struct family *f = ms_family(ms, "c_total", METRIC_COUNTER, "C \"q\"\n");
	const struct family *fams[4];
	struct buf b;

	ms_add(ms, f, 3, "k", "v\xc3\xa9", NULL);
	ms_set(ms, "u", METRIC_UNTYPED, "U.", -2.5);
	ms_set(ms, "g", METRIC_GAUGE, "G.", NAN);
	for (size_t i = 0; i < ms_nfamilies(ms); i++)
		fams[i] = ms_family_at(ms, i);
	buf_init(&b);
	render_pb(&b, fams, ms_nfamilies(ms));
	assert_int_equal(pbd_count_messages(b.data, b.len), 3);
	assert_non_null(memmem(b.data, b.len, "C \"q\"\n", 6));       /* help as is */
	buf_free(&b);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gauge_bytes),
		cmocka_unit_test(test_histogram_native_and_classic),
		cmocka_unit_test(test_histogram_empty_is_native),
		cmocka_unit_test(test_every_family_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
