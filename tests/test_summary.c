/* The host summary (summary.h): what the collectors fill on the fixture trees,
 * and that --mode=export rebuilds the same summary from the JSONL line they
 * render to. A collector that renames a family the summary is rebuilt from
 * fails here, instead of /health and the derived block going null in export
 * mode. */
#include <stdlib.h>

#include "collect_assert.h"
#include "render.h"
#include "snapshot.h"
#include "source.h"
#include "summary.h"
#include "util.h"

static const struct collector *const summary_collectors[] = {
	&collector_loadavg, &collector_meminfo,   &collector_stat,
	&collector_cpu,     &collector_diskstats, &collector_netdev,
};

/* A snapshot of those collectors on one tree, filled the way the runner fills
 * it: a collector's set and summary part are kept only when it succeeds (a
 * tree may lack a file, as oldkernel lacks loadavg). */
static struct snapshot *collect_tree(const char *tree)
{
	struct snapshot *s = snapshot_new();

	assert_non_null(s);
	for (size_t i = 0; i < ARRAY_SIZE(summary_collectors); i++) {
		const struct collector *c = summary_collectors[i];
		struct metric_set *ms = ms_new();
		struct fixture_paths p;
		struct collect_ctx ctx = fixture_ctx(&p, tree);
		struct host_summary part;
		int err;

		assert_non_null(ms);
		summary_init(&part);
		ctx.summary = &part;
		err = c->init ? c->init(&ctx) : 0;
		if (!err)
			err = c->collect(&ctx, ms);
		if (c->fini)
			c->fini(&ctx);
		if (!err)
			err = summary_error(&part);
		if (err) {
			ms_free(ms);
		} else {
			assert_int_equal(snapshot_add_set(s, ms), 0);
			summary_take(&s->summary, &part);
		}
		summary_free(&part);
	}
	s->timestamp = 1764547200;
	s->interval_seconds = 15;
	snprintf(s->host, sizeof(s->host), "fixture");
	return s;
}

static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void assert_same_summary(const struct host_summary *a, const struct host_summary *b)
{
	for (size_t k = 0; k < SUMMARY_NSCALARS; k++)
		if (!same(a->scalar[k], b->scalar[k]))
			fail_msg("scalar %zu: %g vs %g", k, a->scalar[k], b->scalar[k]);
	for (size_t k = 0; k < SUMMARY_NKINDS; k++) {
		const struct summary_list *la = &a->list[k], *lb = &b->list[k];

		assert_int_equal(la->n, lb->n);
		for (size_t i = 0; i < la->n; i++) {
			assert_string_equal(la->v[i].name, lb->v[i].name);
			for (size_t c = 0; c < SUMMARY_MAX_COUNTERS; c++)
				if (!same(la->v[i].v[c], lb->v[i].v[c]))
					fail_msg("kind %zu %s counter %zu: %g vs %g", k,
						 la->v[i].name, c, la->v[i].v[c], lb->v[i].v[c]);
		}
	}
}

/* Every figure is there on the default tree (its values are the fixture's). */
static void test_collectors_fill_it(void **state)
{
	struct snapshot *s = collect_tree("default");
	const struct host_summary *h = &s->summary;
	const struct summary_obj *o;
	size_t hint = 0;

	assert_true(h->scalar[SUMMARY_LOAD1] == 0.52);
	assert_true(h->scalar[SUMMARY_LOAD15] == 0.21);
	for (size_t k = 0; k < SUMMARY_NSCALARS; k++)
		if (!(h->scalar[k] > 0))
			fail_msg("scalar %zu not filled: %g", k, h->scalar[k]);
	assert_true(h->list[SUMMARY_CPUS].n > 0);
	assert_true(h->list[SUMMARY_DISKS].n > 0);
	assert_true(h->list[SUMMARY_NETS].n > 0);
	o = &h->list[SUMMARY_CPUS].v[0];
	for (size_t m = 0; m < SUMMARY_CPU_NMODES; m++)
		assert_false(isnan(o->v[m]));
	o = summary_find(&h->list[SUMMARY_DISKS], h->list[SUMMARY_DISKS].v[0].name, &hint);
	assert_non_null(o);
	for (size_t c = 0; c < SUMMARY_DISK_NCOUNTERS; c++)
		assert_false(isnan(o->v[c]));
	o = &h->list[SUMMARY_NETS].v[0];
	assert_false(isnan(o->v[SUMMARY_NET_RECEIVE_BYTES]));
	assert_false(isnan(o->v[SUMMARY_NET_TRANSMIT_BYTES]));
	snapshot_put(s);
}

/* Collect, render the JSONL line, parse it as --mode=export does: the
 * rebuilt summary is the collectors' own, on every tree the golden test uses. */
static void test_export_rebuilds_the_same(void **state)
{
	static const char *const trees[] = { "default", "oldkernel", "many-cpus" };

	for (size_t t = 0; t < ARRAY_SIZE(trees); t++) {
		struct snapshot *s = collect_tree(trees[t]), *back;
		char errbuf[256];
		int err;

		assert_int_equal(snapshot_render(s, NULL), 0);
		back = jsonl_parse(s->jsonl.data, s->jsonl.len, &err, errbuf, sizeof(errbuf));
		if (!back)
			fail_msg("%s: %s", trees[t], errbuf);
		assert_same_summary(&s->summary, &back->summary);
		snapshot_put(back);
		snapshot_put(s);
	}
}

/* One collector's part moves into the snapshot's; what it did not set stays. */
static void test_take(void **state)
{
	struct host_summary dst, part;
	double *v;

	summary_init(&dst);
	summary_init(&part);
	summary_set(&dst, SUMMARY_LOAD1, 1.5);
	summary_set(&part, SUMMARY_MEM_TOTAL_BYTES, 4096);
	v = summary_add(&part, SUMMARY_NETS, "eth0");
	assert_non_null(v);
	v[SUMMARY_NET_RECEIVE_BYTES] = 10;
	summary_set(NULL, SUMMARY_LOAD5, 1);
	assert_null(summary_add(NULL, SUMMARY_CPUS, "0"));
	summary_take(&dst, &part);
	assert_true(dst.scalar[SUMMARY_LOAD1] == 1.5);
	assert_true(dst.scalar[SUMMARY_MEM_TOTAL_BYTES] == 4096);
	assert_true(isnan(dst.scalar[SUMMARY_LOAD5]));
	assert_int_equal(dst.list[SUMMARY_NETS].n, 1);
	assert_true(dst.list[SUMMARY_NETS].v[0].v[SUMMARY_NET_RECEIVE_BYTES] == 10);
	assert_true(isnan(dst.list[SUMMARY_NETS].v[0].v[SUMMARY_NET_TRANSMIT_BYTES]));
	assert_int_equal(part.list[SUMMARY_NETS].n, 0);
	summary_free(&part);
	summary_free(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collectors_fill_it),
		cmocka_unit_test(test_export_rebuilds_the_same),
		cmocka_unit_test(test_take),
	};
	return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
