#include <errno.h>
#include <stdlib.h>

#include "fixture.h"
#include "buf.h"
#include "render.h"

static const char *render(struct metric_set *ms, struct buf *b)
{
	const struct family *fams[64];
	size_t n = ms_nfamilies(ms);

	for (size_t i = 0; i < n; i++)
		fams[i] = ms_family_at(ms, i);
	buf_reset(b);
	render_prom(b, fams, n);
	return buf_cstr(b);
}

static void test_family_reuse_and_type_clash(void **state)
{
	struct metric_set *ms = ms_new();
	struct family *a = ms_family(ms, "x_total", METRIC_COUNTER, "X.");

	assert_ptr_equal(ms_family(ms, "x_total", METRIC_COUNTER, "X."), a);
	assert_int_equal(ms_error(ms), 0);
	assert_null(ms_family(ms, "x_total", METRIC_GAUGE, "X."));
	assert_int_equal(ms_error(ms), -EINVAL);
	ms_free(ms);
}

static void test_invalid_names_are_sticky_errors(void **state)
{
	struct metric_set *ms = ms_new();

	assert_null(ms_family(ms, "1bad", METRIC_GAUGE, ""));
	assert_int_equal(ms_error(ms), -EINVAL);
	ms_free(ms);

	ms = ms_new();
	ms_add(ms, ms_family(ms, "ok", METRIC_GAUGE, ""), 1, "__reserved", "v", NULL);
	assert_int_equal(ms_error(ms), -EINVAL);
	ms_free(ms);
}

static void test_many_families_index_grows(void **state)
{
	struct metric_set *ms = ms_new();
	char name[32];

	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "m_%d", i);
		ms_set(ms, name, METRIC_GAUGE, "", i);
	}
	assert_int_equal(ms_nfamilies(ms), 500);
	for (int i = 0; i < 500; i += 37) {
		snprintf(name, sizeof(name), "m_%d", i);
		assert_non_null(ms_find(ms, name));
		assert_true(ms_find(ms, name)->samples[0].value == i);
	}
	ms_free(ms);
}

static void test_render_escapes_labels_and_help(void **state)
{
	struct metric_set *ms = ms_new();
	struct buf b;

	buf_init(&b);
	ms_add(ms, ms_family(ms, "node_x", METRIC_GAUGE, "Help with \\ and\nnewline."), 0.5,
	       "device", "a\"b\\c\nd", NULL);
	assert_string_equal(render(ms, &b),
			    "# HELP node_x Help with \\\\ and\\nnewline.\n"
			    "# TYPE node_x gauge\n"
			    "node_x{device=\"a\\\"b\\\\c\\nd\"} 0.5\n");
	buf_free(&b);
	ms_free(ms);
}

static void test_render_numbers(void **state)
{
	struct metric_set *ms = ms_new();
	struct family *f = ms_family(ms, "v", METRIC_GAUGE, "");
	struct buf b;

	buf_init(&b);
	ms_add(ms, f, 0.1, "k", "a", NULL);
	ms_add(ms, f, 1e300, "k", "b", NULL);
	ms_add(ms, f, -3, "k", "c", NULL);
	ms_add(ms, f, NAN, "k", "d", NULL);
	ms_add(ms, f, -INFINITY, "k", "e", NULL);
	ms_add(ms, f, 18446744073709551615.0, "k", "f", NULL);
	assert_string_equal(render(ms, &b), "# HELP v \n# TYPE v gauge\n"
					    "v{k=\"a\"} 0.1\nv{k=\"b\"} 1e+300\nv{k=\"c\"} -3\n"
					    "v{k=\"d\"} NaN\nv{k=\"e\"} -Inf\n"
					    "v{k=\"f\"} 1.8446744073709552e+19\n");
	buf_free(&b);
	ms_free(ms);
}

static void test_histogram_buckets_cumulative(void **state)
{
	struct metric_set *ms = ms_new();
	struct family *f = ms_family(ms, "lat_seconds", METRIC_HISTOGRAM, "L.");
	/* Buckets 1..16 of schema 3: (1, 2^(1/8)] .. (2^(15/8), 4]; one value at
	 * or below 1, one above 4 (count only). */
	struct nhist h = { .schema = 3, .first = 1, .nbuckets = 16, .zero_count = 1, .count = 8,
			   .sum = 21, .buckets = { [2] = 2, [7] = 1, [11] = 3 } };
	struct label l = { "device", "sda" };
	struct buf b;

	buf_init(&b);
	ms_add_hist(ms, f, &h, &l, 1);
	assert_string_equal(render(ms, &b),
			    "# HELP lat_seconds L.\n# TYPE lat_seconds histogram\n"
			    "lat_seconds_bucket{device=\"sda\",le=\"1\"} 1\n"
			    "lat_seconds_bucket{device=\"sda\",le=\"2\"} 4\n"
			    "lat_seconds_bucket{device=\"sda\",le=\"4\"} 7\n"
			    "lat_seconds_bucket{device=\"sda\",le=\"+Inf\"} 8\n"
			    "lat_seconds_sum{device=\"sda\"} 21\n"
			    "lat_seconds_count{device=\"sda\"} 8\n");
	assert_int_equal(nhist_overflow(&h), 1);
	buf_free(&b);
	ms_free(ms);
}

static void test_histogram_empty(void **state)
{
	struct metric_set *ms = ms_new();
	struct nhist h = { .schema = 3, .first = -159, .nbuckets = 8 };
	struct buf b;

	buf_init(&b);
	ms_add_hist(ms, ms_family(ms, "e_seconds", METRIC_HISTOGRAM, "E."), &h, NULL, 0);
	assert_string_equal(render(ms, &b),
			    "# HELP e_seconds E.\n# TYPE e_seconds histogram\n"
			    "e_seconds_bucket{le=\"9.5367431640625e-07\"} 0\n"
			    "e_seconds_bucket{le=\"1.9073486328125e-06\"} 0\n"
			    "e_seconds_bucket{le=\"+Inf\"} 0\ne_seconds_sum 0\ne_seconds_count 0\n");
	assert_true(isnan(nhist_quantile(&h, 0.5)));
	buf_free(&b);
	ms_free(ms);
}

static void test_histogram_invalid_layout_refused(void **state)
{
	struct metric_set *ms = ms_new();
	struct nhist h = { .schema = 9, .first = 1, .nbuckets = 8 };

	ms_add_hist(ms, ms_family(ms, "e_seconds", METRIC_HISTOGRAM, "E."), &h, NULL, 0);
	assert_int_equal(ms_error(ms), -EINVAL);
	ms_free(ms);
}

static void test_bounds_exact(void **state)
{
	assert_true(nhist_bound(3, -160) == ldexp(1, -20));
	assert_true(nhist_bound(3, 0) == 1);
	assert_true(nhist_bound(3, 48) == 64);
	assert_true(nhist_bound(3, 96) == 4096);
	assert_true(fabs(nhist_bound(3, -1) - exp2(-1.0 / 8)) < 1e-15);
	assert_true(fabs(nhist_bound(3, -159) - exp2(-159.0 / 8)) < 1e-20);
	assert_true(fabs(nhist_bound(4, 5) - exp2(5.0 / 16)) < 1e-15);
}

static void test_quantile_interpolates_within_bucket(void **state)
{
	/* 10 values in bucket 8 = (2^(7/8), 2]: the median lies half way. */
	struct nhist h = { .schema = 3, .first = 1, .nbuckets = 16, .count = 10,
			   .buckets = { [7] = 10 } };
	double lo = exp2(7.0 / 8);

	assert_true(fabs(nhist_quantile(&h, 0.5) - (lo + (2 - lo) / 2)) < 1e-12);
	assert_true(fabs(nhist_quantile(&h, 1.0) - 2.0) < 1e-12);
	/* Zero bucket: from 0 to the threshold; overflow: the top bound. */
	h.zero_count = 10;
	h.count = 30;
	assert_true(fabs(nhist_quantile(&h, 0.1) - 0.3) < 1e-12);
	assert_true(nhist_quantile(&h, 0.99) == 4);
}

static void test_sub_gap_on_reset(void **state)
{
	struct nhist c = { .schema = 3, .first = 1, .nbuckets = 4, .count = 5, .zero_count = 1,
			   .sum = 9, .buckets = { 2, 2 } };
	struct nhist p = { .schema = 3, .first = 1, .nbuckets = 4, .count = 3, .zero_count = 1,
			   .sum = 4, .buckets = { 1, 1 } };
	struct nhist d;

	assert_int_equal(nhist_sub(&c, &p, &d), 0);
	assert_int_equal(d.count, 2);
	assert_int_equal(d.zero_count, 0);
	assert_int_equal(d.buckets[0], 1);
	assert_true(d.sum == 5);
	p.buckets[3] = 1;       /* a bucket went down: a reset, no delta */
	assert_int_equal(nhist_sub(&c, &p, &d), -ERANGE);
	p.first = 2;
	assert_int_equal(nhist_sub(&c, &p, &d), -EINVAL);
}

static void test_json_string_escaping(void **state)
{
	struct buf b;

	buf_init(&b);
	buf_put_json_str(&b, "q\"b\\n\n\x01 \xc3\xa9 \xff end");
	assert_string_equal(buf_cstr(&b), "\"q\\\"b\\\\n\\n\\u0001 \xc3\xa9 \\ufffd end\"");
	buf_free(&b);
}

static void test_gzip_roundtrip_header(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(buf_gzip(&b, "hello hello hello", 17, 6), 0);
	assert_true(b.len > 18);
	assert_int_equal((unsigned char)b.data[0], 0x1f);
	assert_int_equal((unsigned char)b.data[1], 0x8b);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_reuse_and_type_clash),
		cmocka_unit_test(test_invalid_names_are_sticky_errors),
		cmocka_unit_test(test_many_families_index_grows),
		cmocka_unit_test(test_render_escapes_labels_and_help),
		cmocka_unit_test(test_render_numbers),
		cmocka_unit_test(test_histogram_buckets_cumulative),
		cmocka_unit_test(test_histogram_empty),
		cmocka_unit_test(test_quantile_interpolates_within_bucket),
		cmocka_unit_test(test_histogram_invalid_layout_refused),
		cmocka_unit_test(test_bounds_exact),
		cmocka_unit_test(test_sub_gap_on_reset),
		cmocka_unit_test(test_json_string_escaping),
		cmocka_unit_test(test_gzip_roundtrip_header),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
