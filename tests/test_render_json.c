/* JSONL renderer and parser: round trip, derived values, damaged input. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "fixture.h"
#include "buf.h"
#include "render.h"
#include "source.h"
#include "snapshot.h"
#include "util.h"

#define T0 1764134414.25 /* 2025-11-26T05:20:14.250Z */

static void add_result(struct snapshot *s, const char *name, enum collector_status st, int err,
		       const char *detail)
{
	struct collector_result r = {
	    .name = name, .status = st, .err = err, .duration_seconds = 0.00125};

	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	assert_int_equal(snapshot_add_result(s, &r), 0);
}

/* Counters of one host at time T0 + t, scaled by k so that two calls make a
 * prev/cur pair with known deltas. */
static struct snapshot *host_snapshot(double t, double k, uint64_t seq)
{
	/* Each device's value is base + slope * k; sdb's read bytes go down,
	 * a counter reset. */
	static const struct {
		const char *name, *help;
		double sda, sda_k, sdb, sdb_k;
	} disk[] = {
	    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", 1000,
	     20000, 5000, -4900},
	    {"node_disk_written_bytes_total", "The total number of bytes written successfully.", 0,
	     5000, 7, 10},
	    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
	     1.0, 0.5, 1.0, 0},
	    {"node_disk_write_time_seconds_total",
	     "This is the total number of seconds spent by all writes.", 2.0, 0.5, 1.0, 0},
	    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
	     100, 10, 3, 0},
	    {"node_disk_writes_completed_total",
	     "The total number of writes completed successfully.", 50, 10, 4, 0},
	};
	struct snapshot *s = snapshot_new();
	struct metric_set *ms = ms_new(), *meta = ms_new();
	struct family *cpu, *f;
	struct nhist h = {.schema = 3, .first = -159, .nbuckets = 208};

	snprintf(s->host, sizeof(s->host), "web-1");
	s->timestamp = T0 + t;
	s->interval_seconds = 10;
	s->seq = seq;
	cpu = ms_family(ms, "node_cpu_seconds_total", METRIC_COUNTER,
			"Seconds the CPUs spent in each mode.");
	/* cpu0: +6 idle +1 iowait +2 user +1 system per unit of k;
	 * cpu1: +5 idle +5 user. */
	ms_add(ms, cpu, 100 + 6 * k, "cpu", "0", "mode", "idle", NULL);
	ms_add(ms, cpu, 10 + 1 * k, "cpu", "0", "mode", "iowait", NULL);
	ms_add(ms, cpu, 50 + 2 * k, "cpu", "0", "mode", "user", NULL);
	ms_add(ms, cpu, 20 + 1 * k, "cpu", "0", "mode", "system", NULL);
	ms_add(ms, cpu, 200 + 5 * k, "cpu", "1", "mode", "idle", NULL);
	ms_add(ms, cpu, 30 + 5 * k, "cpu", "1", "mode", "user", NULL);
	ms_set(ms, "node_memory_MemTotal_bytes", METRIC_GAUGE,
	       "Memory information field MemTotal_bytes.", 1000);
	ms_set(ms, "node_memory_MemAvailable_bytes", METRIC_GAUGE,
	       "Memory information field MemAvailable_bytes.", 250);
	for (size_t i = 0; i < ARRAY_SIZE(disk); i++) {
		f = ms_family(ms, disk[i].name, METRIC_COUNTER, disk[i].help);
		ms_add(ms, f, disk[i].sda + disk[i].sda_k * k, "device", "sda", NULL);
		ms_add(ms, f, disk[i].sdb + disk[i].sdb_k * k, "device", "sdb", NULL);
	}
	f = ms_family(ms, "node_network_receive_bytes_total", METRIC_COUNTER,
		      "Network device statistic receive_bytes.");
	ms_add(ms, f, 1e6 + 5e5 * k, "device", "eth0", NULL);
	f = ms_family(ms, "node_network_transmit_bytes_total", METRIC_COUNTER,
		      "Network device statistic transmit_bytes.");
	ms_add(ms, f, 2000 + 1000 * k, "device", "eth0", NULL);

	f = ms_family(ms, "infra_monitor_disk_latency_seconds", METRIC_HISTOGRAM,
		      "Block I/O latency.");
	h.buckets[3] = 5 + 10 * (uint64_t)k;
	h.buckets[5] = 5;
	h.buckets[7] = 10 * (uint64_t)k;
	h.count = h.buckets[3] + h.buckets[5] + h.buckets[7];
	h.sum = 0.001 * (1 + k);
	ms_add_hist(ms, f, &h, (struct label[]){{"device", "sda"}, {"op", "read"}}, 2);
	/* Second series: its count goes down between the two calls. */
	memset(h.buckets, 0, sizeof(h.buckets));
	h.buckets[1] = k ? 1 : 9;
	h.count = h.buckets[1];
	ms_add_hist(ms, f, &h, (struct label[]){{"device", "sda"}, {"op", "write"}}, 2);

	/* Awkward but legal content, to prove the escaping round-trips. */
	ms_add(ms,
	       ms_family(ms, "node_uname_info", METRIC_GAUGE,
			 "Help with \"quotes\", \\ and\nnewline."),
	       1, "version", "#1 SMP \"x\" \\ \t tab\nnl \xc3\xa9", "nodename", "", NULL);
	ms_set(ms, "node_weird_gauge", METRIC_GAUGE, "NaN and infinities.", NAN);
	ms_add(ms, ms_family(ms, "node_weird_gauge", METRIC_GAUGE, ""), INFINITY, "s", "+", NULL);
	ms_add(ms, ms_family(ms, "node_weird_gauge", METRIC_GAUGE, ""), -INFINITY, "s", "-", NULL);
	ms_set(ms, "node_small_gauge", METRIC_UNTYPED, "", 1.2345678901234567e-300);
	ms_set(ms, "node_big_counter_total", METRIC_COUNTER, "", 1.8446744073709552e19);
	ms_family(ms, "node_empty_family", METRIC_GAUGE, "Never filled.");
	assert_int_equal(ms_error(ms), 0);
	/* What the collectors would have put beside these families. */
	assert_int_equal(jsonl_summary_rebuild(&s->summary, ms), 0);
	assert_int_equal(snapshot_add_set(s, ms), 0);

	ms_add(meta,
	       ms_family(meta, "infra_monitor_collector_success", METRIC_GAUGE,
			 "Whether a collector succeeded."),
	       1, "collector", "cpu", NULL);
	ms_add(meta, ms_family(meta, "infra_monitor_collector_success", METRIC_GAUGE, ""), 0,
	       "collector", "meminfo", NULL);
	assert_int_equal(ms_error(meta), 0);
	assert_int_equal(snapshot_add_set(s, meta), 0);

	add_result(s, "cpu", COLLECTOR_OK, 0, "");
	add_result(s, "meminfo", COLLECTOR_FAILED, -ENOENT, "");
	add_result(s, "pressure", COLLECTOR_NODATA, -ENODATA, "no /proc/pressure");
	return s;
}

static void render(const struct snapshot *s, const struct snapshot *prev, struct buf *out)
{
	const struct family **fams;
	long n = snapshot_families(s, &fams);

	assert_true(n >= 0);
	buf_reset(out);
	render_jsonl(out, s, fams, (size_t)n, prev);
	free(fams);
	assert_false(out->oom);
	buf_cstr(out);
}

/* Owned result; decref by the caller. */
static json_t *load(const struct buf *b)
{
	json_error_t e;
	json_t *j = json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES, &e);

	if (!j)
		fail_msg("invalid JSON: %s at %d", e.text, e.position);
	return j;
}

static void test_round_trip_is_byte_identical(void **state)
{
	struct snapshot *s = host_snapshot(0, 0, 7), *back;
	struct buf a, b;
	char errbuf[256];
	int err = 1;

	buf_init(&a);
	buf_init(&b);
	render(s, NULL, &a);
	assert_int_equal(a.data[a.len - 1], '\n');
	assert_null(memchr(a.data, '\n', a.len - 1));
	json_decref(load(&a));
	back = jsonl_parse(a.data, a.len, &err, errbuf, sizeof(errbuf));
	if (!back)
		fail_msg("parse: %s", errbuf);
	assert_int_equal(err, 0);
	assert_int_equal(back->nresults, 3);
	assert_string_equal(back->results[1].name, "meminfo");
	assert_int_equal(back->results[1].err, -ENOENT);
	assert_int_equal(back->results[2].status, COLLECTOR_NODATA);
	assert_string_equal(back->results[2].detail, "no /proc/pressure");
	assert_true(back->timestamp == s->timestamp);
	assert_int_equal(back->seq, 7);
	render(back, NULL, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	/* The Prometheus view of the rebuilt snapshot is the same too. */
	{
		const struct family **f1, **f2;
		long n1 = snapshot_families(s, &f1), n2 = snapshot_families(back, &f2);

		buf_reset(&a);
		buf_reset(&b);
		render_prom(&a, f1, (size_t)n1);
		render_prom(&b, f2, (size_t)n2);
		free(f1);
		free(f2);
		assert_string_equal(buf_cstr(&a), buf_cstr(&b));
	}
	snapshot_put(back);
	snapshot_put(s);
	buf_free(&a);
	buf_free(&b);
}

static void test_content(void **state)
{
	struct snapshot *s = host_snapshot(0, 0, 1);
	struct buf a;
	json_t *j, *h;

	buf_init(&a);
	render(s, NULL, &a);
	j = load(&a);
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
			 JSONL_SCHEMA_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, "timestamp")),
			    "2025-11-26T05:20:14.250Z");
	assert_string_equal(json_string_value(json_object_get(j, "host")), "web-1");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(j, "collectors"), "meminfo"), "status")),
	    "failed");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(j, "collectors"), "meminfo"), "error")),
	    strerror(ENOENT));
	h = json_array_get(json_object_get(json_object_get(json_object_get(j, "metrics"),
							   "infra_monitor_disk_latency_seconds"),
					   "samples"),
			   0);
	assert_int_equal(json_integer_value(json_object_get(h, "count")), 10);
	assert_int_equal(json_object_size(json_object_get(h, "buckets")), 2);
	/* Keyed by native bucket index: first + 3. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(h, "buckets"), "-156")),
			 5);
	assert_int_equal(json_integer_value(json_object_get(h, "schema")), 3);
	assert_null(json_object_get(json_object_get(j, "metrics"), "node_empty_family"));
	/* Without prev: only the current-only ratio. */
	assert_true(json_is_null(json_object_get(json_object_get(j, "derived"), "cpu_busy_ratio")));
	assert_true(json_real_value(json_object_get(json_object_get(j, "derived"),
						    "memory_used_ratio")) == 0.75);
	json_decref(j);
	snapshot_put(s);
	buf_free(&a);
}

static double dnum(json_t *j, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(j, "derived"), a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	if (!json_is_number(v))
		fail_msg("derived.%s.%s.%s is not a number", a, b ?: "", c ?: "");
	return json_number_value(v);
}

static void test_derived_exact(void **state)
{
	struct snapshot *prev = host_snapshot(0, 0, 1), *cur = host_snapshot(10, 1, 2);
	struct nhist d = {.schema = 3, .first = -159, .nbuckets = 208};
	struct buf a;
	json_t *j, *der, *hs, *h0;

	buf_init(&a);
	render(cur, prev, &a);
	j = load(&a);
	der = json_object_get(j, "derived");
	assert_true(dnum(j, "window_seconds", NULL, NULL) == 10);
	/* cpu0: 10 s total, 7 idle+iowait; cpu1: 10 total, 5 idle. */
	assert_true(dnum(j, "cpu_busy_ratio", NULL, NULL) == 1.0 - 12.0 / 20.0);
	assert_true(dnum(j, "memory_used_ratio", NULL, NULL) == 1.0 - 250.0 / 1000.0);
	assert_true(dnum(j, "disks", "sda", "read_bytes_per_second") == 2000);
	assert_true(dnum(j, "disks", "sda", "write_bytes_per_second") == 500);
	assert_true(dnum(j, "disks", "sda", "io_latency_seconds") == (0.5 + 0.5) / 20.0);
	/* sdb's read bytes went down: no rate; nothing completed: no latency. */
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_object_get(der, "disks"), "sdb"), "read_bytes_per_second")));
	assert_true(dnum(j, "disks", "sdb", "write_bytes_per_second") == 1);
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_object_get(der, "disks"), "sdb"), "io_latency_seconds")));
	assert_true(dnum(j, "network", "eth0", "receive_bytes_per_second") == 50000);
	assert_true(dnum(j, "network", "eth0", "transmit_bytes_per_second") == 100);

	hs = json_object_get(json_object_get(der, "histograms"),
			     "infra_monitor_disk_latency_seconds");
	/* The op="write" series went down and is skipped. */
	assert_int_equal(json_array_size(hs), 1);
	h0 = json_array_get(hs, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(h0, "labels"), "op")),
			    "read");
	assert_int_equal(json_integer_value(json_object_get(h0, "count")), 20);
	d.count = 20;
	d.buckets[3] = 10;
	d.buckets[7] = 10;
	assert_true(json_number_value(json_object_get(h0, "p50")) == nhist_quantile(&d, 0.5));
	/* The median is the top of bucket -156: 2^(-156/8) s. */
	assert_true(json_number_value(json_object_get(h0, "p50")) == nhist_bound(3, -156));
	assert_true(json_number_value(json_object_get(h0, "p90")) == nhist_quantile(&d, 0.9));
	assert_true(json_number_value(json_object_get(h0, "p99")) == nhist_quantile(&d, 0.99));
	json_decref(j);

	/* A clock step back makes the interval unusable: no rates at all. */
	cur->timestamp = prev->timestamp - 1;
	render(cur, prev, &a);
	j = load(&a);
	der = json_object_get(j, "derived");
	assert_true(json_is_null(json_object_get(der, "window_seconds")));
	assert_true(json_is_null(json_object_get(der, "cpu_busy_ratio")));
	assert_int_equal(json_object_size(json_object_get(der, "disks")), 0);
	json_decref(j);

	snapshot_put(prev);
	snapshot_put(cur);
	buf_free(&a);
}

static void test_cpu_reset_skips_that_cpu(void **state)
{
	struct snapshot *prev = host_snapshot(0, 0, 1), *cur = host_snapshot(10, 1, 2);
	struct summary_obj *cpu1 = &cur->summary.list[SUMMARY_CPUS].v[1];
	struct buf a;
	json_t *j;

	buf_init(&a);
	cpu1->v[SUMMARY_CPU_USER] = 1; /* cpu1 user went down: cpu1 is left out */
	render(cur, prev, &a);
	j = load(&a);
	assert_true(dnum(j, "cpu_busy_ratio", NULL, NULL) == 1.0 - 7.0 / 10.0);
	json_decref(j);
	snapshot_put(prev);
	snapshot_put(cur);
	buf_free(&a);
}

static void expect_error(const char *line, int want_err, const char *want_msg)
{
	char errbuf[256];
	int err = 0;
	struct snapshot *s = jsonl_parse(line, strlen(line), &err, errbuf, sizeof(errbuf));

	if (s)
		fail_msg("parsed: %s", line);
	if (want_err)
		assert_int_equal(err, want_err);
	else
		assert_true(err < 0);
	if (want_msg && !strstr(errbuf, want_msg))
		fail_msg("error \"%s\" does not mention \"%s\"", errbuf, want_msg);
}

#define HEAD                                                                                       \
	"{\"schema_version\":2,\"host\":\"h\",\"timestamp\":\"x\",\"unix_seconds\":1,\"seq\":1,"   \
	"\"interval_seconds\":10,\"collectors\":{},"

static void test_damaged_inputs(void **state)
{
	expect_error("", -EINVAL, "invalid JSON");
	expect_error("{", -EINVAL, "invalid JSON");
	expect_error("[]", -EINVAL, "not a JSON object");
	expect_error("\x01\x02\xff\xfe garbage", -EINVAL, "invalid JSON");
	expect_error("{\"schema_version\":1}", -EPROTONOSUPPORT, "schema_version: 1");
	expect_error("{\"schema_version\":\"1\"}", -EINVAL, "schema_version: not a non-negative");
	expect_error("{\"schema_version\":2}", -EINVAL, "host: missing");
	expect_error(HEAD "\"metrics\":[]}", -EINVAL, "metrics: not an object");
	expect_error(HEAD "\"metrics\":{\"node_x\":{\"type\":\"gauge\",\"help\":\"\",\"samples\":"
			  "[{\"labels\":{},\"value\":1},{\"labels\":{},\"value\":\"abc\"}]}}}",
		     -EINVAL, "metrics.node_x.samples[1].value: not a number");
	expect_error(HEAD "\"metrics\":{\"node_x\":{\"type\":\"gauge\",\"help\":\"\",\"samples\":"
			  "[{\"labels\":{\"1bad\":\"v\"},\"value\":1}]}}}",
		     -EINVAL, "metrics.node_x.samples[0].labels.1bad: invalid label name");
	expect_error(HEAD "\"metrics\":{\"node_x\":{\"type\":\"gauge\",\"help\":\"\",\"samples\":"
			  "[{\"labels\":{\"a\":1},\"value\":1}]}}}",
		     -EINVAL, "samples[0].labels.a: not a string");
	expect_error(HEAD "\"metrics\":{\"node x\":{}}}", -EINVAL, "invalid metric name");
	expect_error(
	    HEAD "\"metrics\":{\"node_x\":{\"type\":\"summary\",\"help\":\"\",\"samples\":[]}}}",
	    -EINVAL, "node_x.type: unknown type");
#define HIST_HEAD HEAD "\"metrics\":{\"h\":{\"type\":\"histogram\",\"help\":\"\",\"samples\":"
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":1,\"sum\":1,\"schema\":3,\"first\":-2,"
			       "\"nbuckets\":4,\"zero_count\":0,\"buckets\":{\"2\":1}}]}}}",
		     -EINVAL, "h.samples[0].buckets.2: not a bucket index");
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":1,\"sum\":1,\"schema\":3,\"first\":-2,"
			       "\"nbuckets\":4,\"zero_count\":0,\"buckets\":{\"-01\":1}}]}}}",
		     -EINVAL, "h.samples[0].buckets.-01: not a bucket index");
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":-1,\"sum\":1,\"schema\":3,\"first\":0,"
			       "\"nbuckets\":4,\"zero_count\":0,\"buckets\":{}}]}}}",
		     -EINVAL, "h.samples[0].count");
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":1,\"sum\":1,\"schema\":3,\"first\":0,"
			       "\"nbuckets\":257,\"zero_count\":0,\"buckets\":{}}]}}}",
		     -EINVAL, "h.samples[0]: schema, first or nbuckets out of range");
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":1,\"sum\":1,\"schema\":9,\"first\":0,"
			       "\"nbuckets\":4,\"zero_count\":0,\"buckets\":{}}]}}}",
		     -EINVAL, "h.samples[0]: schema, first or nbuckets out of range");
	expect_error(HIST_HEAD "[{\"labels\":{},\"count\":1,\"sum\":1,\"schema\":3,\"first\":0,"
			       "\"nbuckets\":4,\"buckets\":{}}]}}}",
		     -EINVAL, "h.samples[0].zero_count: missing");
#undef HIST_HEAD
	expect_error("{\"schema_version\":2,\"schema_version\":2}", -EINVAL, "duplicate");
	expect_error("{\"schema_version\":2,\"host\":\"a\\u0000b\"}", -EINVAL, NULL);
	expect_error(
	    "{\"schema_version\":2,\"host\":\"h\",\"timestamp\":\"x\",\"unix_seconds\":1,"
	    "\"seq\":1,\"interval_seconds\":10,\"collectors\":{\"cpu\":{\"status\":\"meh\"}}}",
	    -EINVAL, "collectors.cpu.status: not ok, failed or nodata");
}

/* Every prefix of a real line (a torn write) is rejected cleanly. */
static void test_every_truncation_fails_cleanly(void **state)
{
	struct snapshot *s = host_snapshot(0, 0, 1);
	struct buf a;
	char errbuf[256];

	buf_init(&a);
	render(s, NULL, &a);
	/* The whole line minus its newline is still one complete object. */
	for (size_t n = 0; n + 1 < a.len; n++) {
		int err = 0;
		struct snapshot *back = jsonl_parse(a.data, n, &err, errbuf, sizeof(errbuf));

		if (back)
			fail_msg("prefix of %zu bytes parsed", n);
		assert_true(err < 0 && errbuf[0]);
	}
	snapshot_put(s);
	buf_free(&a);
}

/* Random byte damage (deterministic): every result is a clean error or a
 * snapshot that renders again; under SANITIZE=1 this also proves no memory
 * error on hostile input. */
static void test_mutations_never_crash(void **state)
{
	struct snapshot *s = host_snapshot(0, 0, 1);
	static const char bytes[] = "{}[]\":,0123456789-+.eE\\nulltruefalse \x00\xff\x80";
	struct buf a, m, out;
	uint64_t rng = 42;
	char errbuf[256];
	int parsed = 0;

	buf_init(&a);
	buf_init(&m);
	buf_init(&out);
	render(s, NULL, &a);
	for (int i = 0; i < 3000; i++) {
		int err = 0;
		struct snapshot *back;

		buf_reset(&m);
		buf_put(&m, a.data, a.len);
		for (int k = 0; k < 1 + i % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			m.data[(rng >> 33) % (m.len - 1)] =
			    bytes[(rng >> 17) % (sizeof(bytes) - 1)];
		}
		back = jsonl_parse(m.data, m.len, &err, errbuf, sizeof(errbuf));
		if (!back) {
			assert_true(err < 0 && errbuf[0]);
			continue;
		}
		parsed++;
		render(back, s, &out);
		snapshot_put(back);
	}
	/* Some damage lands in strings and numbers and still parses. */
	assert_true(parsed > 0);
	snapshot_put(s);
	buf_free(&a);
	buf_free(&m);
	buf_free(&out);
}

/* `test_render_json --dump FILE` writes two sample lines (without and with a
 * prev) for tests/validate-jsonl.py and docs/jsonl.md. */
static int dump(const char *path)
{
	struct snapshot *prev = host_snapshot(0, 0, 1), *cur = host_snapshot(10, 1, 2);
	FILE *f = fopen(path, "w");
	struct buf a;

	if (!f)
		return 1;
	buf_init(&a);
	render(prev, NULL, &a);
	fwrite(a.data, 1, a.len, f);
	render(cur, prev, &a);
	fwrite(a.data, 1, a.len, f);
	buf_free(&a);
	snapshot_put(prev);
	snapshot_put(cur);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--dump") == 0)
		return dump(argv[2]);

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_is_byte_identical),
	    cmocka_unit_test(test_content),
	    cmocka_unit_test(test_derived_exact),
	    cmocka_unit_test(test_cpu_reset_skips_that_cpu),
	    cmocka_unit_test(test_damaged_inputs),
	    cmocka_unit_test(test_every_truncation_fails_cleanly),
	    cmocka_unit_test(test_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
