/* gzjoin: a body deflated once plus tails deflated later must inflate, with
 * the gzip CRC and length checked by zlib, to exactly body + tail. */
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

#include "fixture.h"

#include "gzjoin.h"
#include "util.h"

/* header + part + finish(tail) into out. */
static void join(const struct gzjoin_part *p, const char *tail, size_t n, struct buf *out)
{
	uint8_t hdr[GZJOIN_HEADER_LEN];

	buf_reset(out);
	gzjoin_header(hdr);
	buf_put(out, hdr, sizeof(hdr));
	buf_put(out, p->z.data, p->z.len);
	assert_int_equal(gzjoin_finish(out, p, tail, n, 6), 0);
}

static void check(const char *body, size_t blen, const char *tail, size_t tlen)
{
	struct gzjoin_part p;
	struct buf gz, out;

	gzjoin_part_init(&p);
	buf_init(&gz);
	buf_init(&out);
	assert_int_equal(gzjoin_part_deflate(&p, body, blen, 6), 0);
	assert_int_equal(p.len, blen);
	assert_int_equal(p.crc, crc32(0, (const Bytef *)body, (uInt)blen));
	/* The same part serves many tails. */
	for (int i = 0; i < 2; i++) {
		join(&p, tail, tlen, &gz);
		assert_int_equal(fixture_gunzip(gz.data, gz.len, &out), 0);
		assert_int_equal(out.len, blen + tlen);
		if (blen)
			assert_memory_equal(out.data, body, blen);
		if (tlen)
			assert_memory_equal(out.data + blen, tail, tlen);
	}
	buf_free(&out);
	buf_free(&gz);
	gzjoin_part_free(&p);
}

static void test_join_text(void **state)
{
	static const char body[] = "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\n"
				   "node_load1 0.52\n";
	static const char tail[] = "# HELP process_open_fds Number of open file descriptors.\n"
				   "# TYPE process_open_fds gauge\nprocess_open_fds 9\n";

	check(body, sizeof(body) - 1, tail, sizeof(tail) - 1);
}

static void test_join_empty_parts(void **state)
{
	check("", 0, "tail\n", 5);
	check("body\n", 5, "", 0);
	check("", 0, "", 0);
}

/* Large and incompressible bodies: stored blocks, several deflate blocks,
 * and a tail that repeats the body (no back-references across the join). */
static void test_join_large(void **state)
{
	size_t n = 3 * 1024 * 1024;
	char *body = malloc(n);
	uint32_t x = 12345;

	assert_non_null(body);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		body[i] = i < n / 2 ? (char)(x >> 24) : "abcdefgh\n"[i % 9];
	}
	check(body, n, body, 70000);
	free(body);
}

static void test_corruption_detected(void **state)
{
	static const char body[] = "node_load1 0.52\n";
	struct gzjoin_part p;
	struct buf gz, out;

	gzjoin_part_init(&p);
	buf_init(&gz);
	buf_init(&out);
	assert_int_equal(gzjoin_part_deflate(&p, body, sizeof(body) - 1, 6), 0);
	join(&p, "x 1\n", 4, &gz);
	gz.data[gz.len - 5] ^= 1;       /* the CRC's last byte */
	assert_int_not_equal(fixture_gunzip(gz.data, gz.len, &out), 0);
	buf_free(&out);
	buf_free(&gz);
	gzjoin_part_free(&p);
}

/* A body of n bytes from seed: text that compresses, different per seed. */
static char *make_body(size_t n, uint32_t seed)
{
	char *b = malloc(n);

	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		b[i] = "node_cpu{}0123 \n"[(seed >> 24) % 16];
	}
	return b;
}

/* The state kept between bodies: a body deflated after others, at the same
 * or another level, comes out byte for byte as the first one did. */
static void test_state_reused(void **state)
{
	static const int levels[] = { 1, 1, 6, 1, 9, 9 };
	size_t n = 70000;
	char *a = make_body(n, 1), *other = make_body(n / 3, 2);
	struct gzjoin_part first, p;

	gzjoin_part_init(&first);
	gzjoin_part_init(&p);
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		assert_int_equal(gzjoin_part_deflate(&first, a, n, levels[i]), 0);
		assert_int_equal(gzjoin_part_deflate(&p, other, n / 3, levels[i]), 0);
		assert_int_equal(gzjoin_part_deflate(&p, a, n, levels[i]), 0);
		assert_int_equal(p.z.len, first.z.len);
		assert_memory_equal(p.z.data, first.z.data, p.z.len);
		check(a, n, "t\n", 2);
	}
	gzjoin_part_free(&p);
	gzjoin_part_free(&first);
	free(other);
	free(a);
}

#define NRACERS 6

struct racer {
	pthread_barrier_t *start;
	char *body;
	size_t n;
	struct gzjoin_part p;
	int err;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (int i = 0; i < 20 && !r->err; i++)
		r->err = gzjoin_part_deflate(&r->p, r->body, r->n, 1);
	return NULL;
}

/* Threads deflating at once: one uses the kept state, the others their own,
 * and every stream is its own body's. */
static void test_concurrent_bodies(void **state)
{
	pthread_barrier_t start;
	pthread_t t[NRACERS];
	struct racer r[NRACERS];
	struct buf gz, out;

	buf_init(&gz);
	buf_init(&out);
	assert_int_equal(pthread_barrier_init(&start, NULL, NRACERS), 0);
	for (int i = 0; i < NRACERS; i++) {
		r[i] = (struct racer){ .start = &start, .n = 20000 + 1000 * (size_t)i };
		r[i].body = make_body(r[i].n, (uint32_t)i + 10);
		gzjoin_part_init(&r[i].p);
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < NRACERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].err, 0);
		join(&r[i].p, "", 0, &gz);
		assert_int_equal(fixture_gunzip(gz.data, gz.len, &out), 0);
		assert_int_equal(out.len, r[i].n);
		assert_memory_equal(out.data, r[i].body, r[i].n);
		gzjoin_part_free(&r[i].p);
		free(r[i].body);
	}
	pthread_barrier_destroy(&start);
	buf_free(&out);
	buf_free(&gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_text),
		cmocka_unit_test(test_join_empty_parts),
		cmocka_unit_test(test_join_large),
		cmocka_unit_test(test_corruption_detected),
		cmocka_unit_test(test_state_reused),
		cmocka_unit_test(test_concurrent_bodies),
	};
	return cmocka_run_group_tests_name("gzjoin", tests, NULL, NULL);
}
