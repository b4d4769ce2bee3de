/* The runner's time box: a collector that hangs is failed after
 * --collector.timeout, the others still run, and it is skipped until its
 * call returns. */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "collect_assert.h"
#include "runner.h"
#include "util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool released;
static int hang_calls;

static int collect_value(struct collect_ctx *ctx, struct metric_set *ms)
{
	ms_set(ms, "test_value", METRIC_GAUGE, "A value.", 1);
	return 0;
}

static int collect_hang(struct collect_ctx *ctx, struct metric_set *ms)
{
	pthread_mutex_lock(&mu);
	hang_calls++;
	while (!released)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	ms_set(ms, "test_hang", METRIC_GAUGE, "Came back.", 1);
	return 0;
}

static int collect_after(struct collect_ctx *ctx, struct metric_set *ms)
{
	ms_set(ms, "test_after", METRIC_GAUGE, "After the hang.", 1);
	return 0;
}

static const struct collector c_value = { .name = "value", .collect = collect_value };
static const struct collector c_hang = { .name = "hang", .collect = collect_hang };
static const struct collector c_after = { .name = "after", .collect = collect_after };
static const struct collector *const table[] = { &c_value, &c_hang, &c_after, NULL };

static const struct collector_result *result(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nresults; i++)
		if (!strcmp(s->results[i].name, name))
			return &s->results[i];
	fail_msg("no result for %s", name);
	return NULL;
}

static bool has_family(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nsets; i++)
		if (ms_find(s->sets[i], name))
			return true;
	return false;
}

static struct snapshot *timed_collect(struct runner *r, double *took)
{
	double t0 = now_monotonic();
	struct snapshot *s = runner_collect(r);

	*took = now_monotonic() - t0;
	assert_non_null(s);
	return s;
}

static void test_runner_time_box(void **state)
{
	struct config cfg = { .interval_ms = 1000, .collector_timeout_ms = 100 };
	struct snapshot *s;
	struct runner *r;
	double took;

	for (size_t i = 0; table[i]; i++)
		cfg.collector_enabled[i] = true;
	r = runner_new_with(&cfg, table);
	assert_non_null(r);

	/* The hang costs one time box; the collectors after it still run. */
	s = timed_collect(r, &took);
	assert_true(took >= 0.09 && took < 1.0);
	assert_int_equal(result(s, "value")->status, COLLECTOR_OK);
	assert_int_equal(result(s, "hang")->status, COLLECTOR_FAILED);
	assert_int_equal(result(s, "hang")->err, -ETIMEDOUT);
	assert_string_equal(result(s, "hang")->detail, "timed out after 0.1 s");
	assert_int_equal(result(s, "after")->status, COLLECTOR_OK);
	assert_true(has_family(s, "test_after"));
	snapshot_put(s);

	/* Still stuck: skipped at once, not asked again. */
	s = timed_collect(r, &took);
	assert_true(took < 0.09);
	assert_int_equal(result(s, "hang")->status, COLLECTOR_FAILED);
	assert_true(has_family(s, "test_value") && has_family(s, "test_after"));
	assert_int_equal(hang_calls, 1);
	snapshot_put(s);

	/* Once its call returns (its late result is dropped), it runs again. */
	pthread_mutex_lock(&mu);
	released = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 100; i++) {
		s = timed_collect(r, &took);
		if (result(s, "hang")->status == COLLECTOR_OK)
			break;
		snapshot_put(s);
		s = NULL;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000L }, NULL);
	}
	assert_non_null(s);
	assert_true(has_family(s, "test_hang"));
	assert_int_equal(hang_calls, 2);
	snapshot_put(s);
	runner_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runner_time_box),
	};
	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
