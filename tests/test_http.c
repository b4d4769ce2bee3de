/* The HTTP server end to end on a loopback port: hand-written requests over
 * plain sockets (no HTTP client library), a hand-made snapshot, and zlib to
 * check the gzip path byte for byte. Tests run in order and share the
 * process-wide "current snapshot": the first ones run before any publish. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "pb_decode.h"

#include "config.h"
#include "health.h"
#include "http.h"
#include "render.h"
#include "snapshot.h"
#include "source.h"
#include "util.h"

#define PROM_CT "text/plain; version=0.0.4; charset=utf-8"

static struct http_server *srv;
static uint16_t port;

struct resp {
	int status;
	char headers[4096];
	char *body;
	size_t body_len;
};

static void resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

/* Value of header name in r (case-insensitive), copied to out; NULL if absent. */
static const char *resp_header(const struct resp *r, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);

	for (const char *p = r->headers; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t len;

			while (*v == ' ')
				v++;
			len = strcspn(v, "\r\n");
			snprintf(out, outsz, "%.*s", (int)len, v);
			return out;
		}
	}
	return NULL;
}

/* Sends raw request text to 127.0.0.1:port and reads until the server
 * closes ("Connection: close" in every request). */
static int raw_request(const char *req, size_t reqlen, struct resp *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct buf b;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *end;

	memset(r, 0, sizeof(*r));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	for (size_t off = 0; off < reqlen;) {
		ssize_t n = write(fd, req + off, reqlen - off);

		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	buf_init(&b);
	for (;;) {
		ssize_t n;

		buf_reserve(&b, 65536);
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n <= 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	buf_cstr(&b);
	end = strstr(b.data, "\r\n\r\n");
	if (!end || sscanf(b.data, "HTTP/1.1 %d", &r->status) != 1) {
		buf_free(&b);
		return -EPROTO;
	}
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(end + 2 - b.data), b.data);
	r->body_len = b.len - (size_t)(end + 4 - b.data);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	buf_free(&b);
	return 0;
}

static void request(const char *method, const char *path, const char *extra, struct resp *r)
{
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
			 method, path, extra ? extra : "");

	assert_int_equal(raw_request(req, (size_t)n, r), 0);
}

/* A snapshot as the runner would publish it: a loadavg-like set with a
 * label needing escapes, a histogram, and collector results. */
static struct snapshot *make_snapshot(double age, int failed)
{
	struct snapshot *s = snapshot_new();
	struct metric_set *ms = ms_new();
	struct family *f;
	static struct nhist h = { .schema = 3, .first = -79, .nbuckets = 16, .zero_count = 1,
				  .count = 3, .sum = 0.75, .buckets = { [8] = 2 } };
	struct label l = { "device", "sda" };
	struct collector_result ok = { .name = "loadavg", .status = COLLECTOR_OK,
				       .duration_seconds = 0.001 };
	struct collector_result bad = { .name = "diskstats", .status = COLLECTOR_FAILED,
					.err = -ENOENT, .duration_seconds = 0.002,
					.detail = "open /proc/diskstats: No such file" };

	s->seq = 7;
	s->timestamp = now_realtime() - age;
	s->interval_seconds = 15;
	ms_set(ms, "node_load1", METRIC_GAUGE, "1m load average.", 0.52);
	ms_set(ms, "node_load5", METRIC_GAUGE, "5m load average.", 0.33);
	ms_set(ms, "node_load15", METRIC_GAUGE, "15m load average.", 0.21);
	ms_set(ms, "node_memory_MemTotal_bytes", METRIC_GAUGE, "Memory information field MemTotal_bytes.",
	       8e9);
	ms_set(ms, "node_boot_time_seconds", METRIC_GAUGE, "Node boot time, in unixtime.",
	       now_realtime() - 1000);
	f = ms_family(ms, "node_cpu_seconds_total", METRIC_COUNTER, "Seconds the CPUs spent in each mode.");
	ms_add(ms, f, 10, "cpu", "0", "mode", "idle", NULL);
	ms_add(ms, f, 2, "cpu", "0", "mode", "user", NULL);
	ms_add(ms, f, 11, "cpu", "1", "mode", "idle", NULL);
	ms_add(ms, f, 3, "cpu", "1", "mode", "user", NULL);
	f = ms_family(ms, "node_test_info", METRIC_GAUGE, "A label value with \"quotes\" and \\.");
	ms_add(ms, f, 1, "v", "a \"b\" \\ c\nd", NULL);
	f = ms_family(ms, "infra_monitor_test_latency_seconds", METRIC_HISTOGRAM, "Latency.");
	ms_add_hist(ms, f, &h, &l, 1);
	assert_int_equal(ms_error(ms), 0);
	/* What the collectors would have put beside these families. */
	assert_int_equal(jsonl_summary_rebuild(&s->summary, ms), 0);
	assert_int_equal(snapshot_add_set(s, ms), 0);
	assert_int_equal(snapshot_add_result(s, &ok), 0);
	if (failed)
		assert_int_equal(snapshot_add_result(s, &bad), 0);
	assert_int_equal(snapshot_render(s, NULL), 0);
	return s;
}

static json_t *health(int want_status)
{
	struct resp r;
	json_error_t jerr;
	json_t *doc;
	char ct[128];

	request("GET", "/health", NULL, &r);
	assert_int_equal(r.status, want_status);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	doc = json_loadb(r.body, r.body_len, 0, &jerr);
	if (!doc)
		fail_msg("health is not JSON: %s: %s", jerr.text, r.body);
	resp_free(&r);
	return doc;
}

static const char *json_str(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* ------------------------------------------------------------------------ */

static int setup(void **state)
{
	struct config cfg = { .listen_address = "127.0.0.1:0", .telemetry_path = "/metrics",
			      .interval_ms = 15000 };

	log_setup(LOG_ERROR, LOG_FORMAT_JSON);
	/* A server closing on an oversized request must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (http_server_start(&cfg, &srv))
		return -1;
	port = http_server_port(srv);
	return port ? 0 : -1;
}

static int teardown(void **state)
{
	http_server_stop(srv);
	snapshot_publish(NULL);
	return 0;
}

static void test_metrics_before_snapshot_is_503(void **state)
{
	struct resp r;
	char v[64];

	request("GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "no snapshot yet"));
	assert_non_null(resp_header(&r, "Retry-After", v, sizeof(v)));
	assert_string_equal(v, "15");
	resp_free(&r);
}

static void test_health_before_snapshot_is_503(void **state)
{
	json_t *doc = health(503);

	assert_string_equal(json_str(doc, "status"), "degraded");
	assert_true(json_is_null(json_object_get(doc, "last_collection")));
	assert_true(json_array_size(json_object_get(doc, "reasons")) >= 1);
	json_decref(doc);
}

static void test_index(void **state)
{
	struct resp r;
	char ct[128];

	request("GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "href=\"/metrics\""));
	assert_non_null(strstr(r.body, "href=\"/health\""));
	assert_non_null(strstr(r.body, IM_VERSION));
	resp_free(&r);
}

static void test_not_found(void **state)
{
	struct resp r;

	request("GET", "/metricsx", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	request("GET", "/metrics/", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	request("POST", "/nope", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void test_method_not_allowed(void **state)
{
	static const char post[] = "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				   "Content-Length: 5\r\n\r\nhello";
	static const char *const methods[] = { "PUT", "DELETE", "OPTIONS", "PATCH" };
	struct resp r;
	char allow[64];

	assert_int_equal(raw_request(post, sizeof(post) - 1, &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(resp_header(&r, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "GET, HEAD");
	resp_free(&r);
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
		request(methods[i], "/health", NULL, &r);
		assert_int_equal(r.status, 405);
		assert_non_null(resp_header(&r, "Allow", allow, sizeof(allow)));
		resp_free(&r);
	}
}

/* Checks the /metrics text: the snapshot's exposition byte for byte, then
 * the live tail, each family once, and the request counter moving. */
static void check_exposition(const struct snapshot *s, const char *body, size_t len)
{
	static const char *const live[] = {
		"# TYPE process_cpu_seconds_total counter\n",
		"# TYPE process_resident_memory_bytes gauge\n",
		"# TYPE process_virtual_memory_bytes gauge\n",
		"# TYPE process_open_fds gauge\n",
		"# TYPE process_max_fds gauge\n",
		"# TYPE process_start_time_seconds gauge\n",
		"# TYPE infra_monitor_process_threads gauge\n",
		"# TYPE infra_monitor_http_requests_total counter\n",
		"# TYPE infra_monitor_healthy gauge\n",
		"# TYPE infra_monitor_snapshot_age_seconds gauge\n",
	};
	const char *tail = body + s->expo[EXPO_TEXT].body.len;

	assert_true(len > s->expo[EXPO_TEXT].body.len);
	assert_int_equal(strlen(body), len);
	assert_memory_equal(body, s->expo[EXPO_TEXT].body.data, s->expo[EXPO_TEXT].body.len);
	assert_true(strncmp(tail, "# HELP process_cpu_seconds_total ", 33) == 0);
	assert_int_equal(body[len - 1], '\n');
	for (size_t i = 0; i < ARRAY_SIZE(live); i++) {
		const char *at = strstr(tail, live[i]);

		if (!at)
			fail_msg("missing %s", live[i]);
		assert_null(strstr(at + 1, live[i]));
		assert_null(strstr(body, live[i]) != at ? (void *)1 : NULL);
	}
	assert_non_null(strstr(tail, "\ninfra_monitor_healthy 0\n"));
}

static void test_metrics_identity(void **state)
{
	struct snapshot *s = make_snapshot(1, 1);
	struct resp r;
	char v[128];
	uint64_t before;

	snapshot_publish(s);
	s = snapshot_get();
	before = self_counter_get(SELF_HTTP_REQUESTS);
	request("GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, PROM_CT);
	assert_null(resp_header(&r, "Content-Encoding", v, sizeof(v)));
	assert_non_null(resp_header(&r, "Content-Length", v, sizeof(v)));
	assert_int_equal(strtoul(v, NULL, 10), r.body_len);
	check_exposition(s, r.body, r.body_len);
	assert_true(self_counter_get(SELF_HTTP_REQUESTS) > before);
	/* The counter in the body includes this very request. */
	snprintf(v, sizeof(v), "\ninfra_monitor_http_requests_total %llu\n",
		 (unsigned long long)before + 1);
	assert_non_null(strstr(r.body, v));
	resp_free(&r);
	snapshot_put(s);
}

/* Each Accept gets its format, with the body rendered for the snapshot and
 * a live tail in the same format. */
static void test_metrics_negotiation(void **state)
{
	struct snapshot *s = snapshot_get();
	struct resp r;
	char v[160];

	request("GET", "/metrics",
		"Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_memory_equal(r.body, s->expo[EXPO_OPENMETRICS].body.data,
			    s->expo[EXPO_OPENMETRICS].body.len);
	assert_true(r.body_len > 6 && memcmp(r.body + r.body_len - 6, "# EOF\n", 6) == 0);
	assert_non_null(strstr(r.body, "# TYPE process_cpu_seconds counter\n"
				       "process_cpu_seconds_total "));
	assert_non_null(strstr(r.body, "# TYPE node_test info\n"));
	resp_free(&r);

	request("GET", "/metrics",
		"Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		"encoding=delimited\r\n",
		&r);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_non_null(strstr(v, "application/vnd.google.protobuf"));
	assert_memory_equal(r.body, s->expo[EXPO_PROTOBUF].body.data,
			    s->expo[EXPO_PROTOBUF].body.len);
	/* The whole body, tail included, is a sequence of delimited messages. */
	assert_true(pbd_count_messages(r.body, r.body_len) > 10);
	resp_free(&r);
	snapshot_put(s);
}

static void test_metrics_gzip(void **state)
{
	static const char *const accept[] = {
		"Accept-Encoding: gzip\r\n",
		"Accept-Encoding: gzip, deflate, br\r\n",
		"Accept-Encoding: br;q=1.0, GZIP;q=0.5\r\n",
		"Accept-Encoding: *\r\n",
		"Accept-Encoding: identity;q=1, *;q=0.1\r\n",
		"Accept-Encoding: br\r\nAccept-Encoding: x-gzip\r\n",
	};
	struct snapshot *s = snapshot_get();
	struct buf out;

	buf_init(&out);
	for (size_t i = 0; i < ARRAY_SIZE(accept); i++) {
		struct resp r;
		char v[128];

		request("GET", "/metrics", accept[i], &r);
		assert_int_equal(r.status, 200);
		if (!resp_header(&r, "Content-Encoding", v, sizeof(v)))
			fail_msg("no gzip for %s", accept[i]);
		assert_string_equal(v, "gzip");
		assert_non_null(resp_header(&r, "Vary", v, sizeof(v)));
		assert_string_equal(v, "Accept, Accept-Encoding");
		assert_true((unsigned char)r.body[0] == 0x1f && (unsigned char)r.body[1] == 0x8b);
		assert_int_equal(fixture_gunzip(r.body, r.body_len, &out), 0);
		check_exposition(s, out.data, out.len);
		/* Only the tail was compressed for this request. */
		assert_true(r.body_len < s->expo[EXPO_TEXT].z.z.len + 1024);
		resp_free(&r);
	}
	buf_free(&out);
	snapshot_put(s);
}

static void test_metrics_gzip_refused(void **state)
{
	static const char *const accept[] = {
		"Accept-Encoding: gzip;q=0\r\n",
		"Accept-Encoding: gzip; q=0.000, deflate\r\n",
		"Accept-Encoding: *, gzip;q=0\r\n",
		"Accept-Encoding: *;q=0\r\n",
		"Accept-Encoding: identity\r\n",
		"Accept-Encoding: gzipx, xgzip\r\n",
		"Accept-Encoding: gzip;q=2\r\n",
		"",
	};
	struct snapshot *s = snapshot_get();

	for (size_t i = 0; i < ARRAY_SIZE(accept); i++) {
		struct resp r;
		char v[128];

		request("GET", "/metrics", accept[i], &r);
		assert_int_equal(r.status, 200);
		if (resp_header(&r, "Content-Encoding", v, sizeof(v)))
			fail_msg("gzip for %s", accept[i]);
		check_exposition(s, r.body, r.body_len);
		resp_free(&r);
	}
	snapshot_put(s);
}

static void test_metrics_head(void **state)
{
	struct resp r;
	char v[64];

	request("HEAD", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	resp_free(&r);
}

/* Two requests on one connection: the first response must keep it open
 * (Prometheus reuses connections between scrapes). */
static void test_keep_alive(void **state)
{
	static const char two[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
				  "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct resp r;

	assert_int_equal(raw_request(two, sizeof(two) - 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.headers, "Connection: close"));
	/* The second response follows the first's body. */
	assert_true(memmem(r.body, r.body_len, "HTTP/1.1 200 OK\r\n", 17) != NULL);
	assert_true(memmem(r.body, r.body_len, "\"status\"", 8) != NULL);
	resp_free(&r);
}

static void test_health_degraded_collector(void **state)
{
	json_t *doc = health(200);
	json_t *last = json_object_get(doc, "last_collection");
	json_t *cols = json_object_get(doc, "collectors");
	json_t *sys = json_object_get(doc, "system");
	json_t *proc = json_object_get(doc, "process");
	json_t *reasons = json_object_get(doc, "reasons");

	assert_string_equal(json_str(doc, "status"), "degraded");
	assert_string_equal(json_str(doc, "version"), IM_VERSION);
	assert_true(json_is_number(json_object_get(doc, "uptime_seconds")));
	assert_int_equal(json_integer_value(json_object_get(last, "seq")), 7);
	assert_true(json_number_value(json_object_get(last, "age_seconds")) >= 1);
	assert_float_equal(json_number_value(json_object_get(last, "duration_seconds")), 0.003, 1e-9);
	assert_string_equal(json_str(json_object_get(cols, "loadavg"), "status"), "ok");
	assert_string_equal(json_str(json_object_get(cols, "diskstats"), "status"), "failed");
	assert_string_equal(json_str(json_object_get(cols, "diskstats"), "error"),
			    "open /proc/diskstats: No such file");
	assert_non_null(strstr(json_string_value(json_array_get(reasons, 0)), "diskstats"));
	assert_float_equal(json_number_value(json_object_get(sys, "load1")), 0.52, 1e-9);
	assert_float_equal(json_number_value(json_object_get(sys, "load15")), 0.21, 1e-9);
	assert_float_equal(json_number_value(json_object_get(sys, "cpus")), 2, 0);
	assert_float_equal(json_number_value(json_object_get(sys, "memory_total_bytes")), 8e9, 0);
	assert_true(json_is_null(json_object_get(sys, "memory_available_bytes")));
	assert_float_equal(json_number_value(json_object_get(sys, "uptime_seconds")), 1000, 5);
	assert_true(json_number_value(json_object_get(proc, "resident_memory_bytes")) > 0);
	assert_true(json_number_value(json_object_get(proc, "open_fds")) > 2);
	assert_true(json_number_value(json_object_get(proc, "threads")) >= 2);
	json_decref(doc);
}

static void test_health_ok_then_component_degraded(void **state)
{
	json_t *doc, *comp;
	struct resp r;

	snapshot_publish(make_snapshot(1, 0));
	doc = health(200);
	assert_string_equal(json_str(doc, "status"), "ok");
	assert_int_equal(json_array_size(json_object_get(doc, "reasons")), 0);
	json_decref(doc);
	request("GET", "/metrics", NULL, &r);
	assert_non_null(strstr(r.body, "\ninfra_monitor_healthy 1\n"));
	resp_free(&r);

	health_set("test_sink", HEALTH_DEGRADED, "disk full");
	doc = health(200);
	assert_string_equal(json_str(doc, "status"), "degraded");
	comp = json_object_get(json_object_get(doc, "components"), "test_sink");
	assert_string_equal(json_str(comp, "state"), "degraded");
	assert_string_equal(json_str(comp, "detail"), "disk full");
	assert_non_null(strstr(json_str(comp, "since"), "T"));
	json_decref(doc);
	request("GET", "/metrics", NULL, &r);
	assert_non_null(strstr(r.body, "infra_monitor_component_state{component=\"test_sink\","
				       "state=\"degraded\"} 1\n"));
	assert_non_null(strstr(r.body, "infra_monitor_component_state{component=\"test_sink\","
				       "state=\"ok\"} 0\n"));
	resp_free(&r);

	/* Invalid UTF-8 in a detail must not lose the detail (jansson refuses it). */
	health_set("test_sink", HEALTH_FAILED, "open /mnt/\xff\xfe: EIO");
	doc = health(200);
	comp = json_object_get(json_object_get(doc, "components"), "test_sink");
	assert_string_equal(json_str(comp, "detail"), "open /mnt/??: EIO");
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(doc, "reasons"), 0)),
			       "open /mnt/??: EIO"));
	json_decref(doc);

	health_set("test_sink", HEALTH_DISABLED, NULL);
	doc = health(200);
	assert_string_equal(json_str(doc, "status"), "ok");
	json_decref(doc);
}

static void test_health_stale(void **state)
{
	json_t *doc;

	/* 2.5 intervals of 15 s: 37.5 s. */
	snapshot_publish(make_snapshot(30, 0));
	doc = health(200);
	assert_string_equal(json_str(doc, "status"), "ok");
	json_decref(doc);
	snapshot_publish(make_snapshot(40, 0));
	doc = health(200);
	assert_string_equal(json_str(doc, "status"), "degraded");
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(doc, "reasons"), 0)),
			       "old"));
	json_decref(doc);
}

static atomic_int publishing;

static void *republish(void *arg)
{
	while (atomic_load(&publishing))
		snapshot_publish(make_snapshot(0, 0));
	return NULL;
}

/* Scrapes while the current snapshot is swapped as fast as it can be: every
 * response must still be whole, since it holds its own reference. */
static void test_metrics_during_publish(void **state)
{
	pthread_t t;
	struct buf out;

	buf_init(&out);
	atomic_store(&publishing, 1);
	assert_int_equal(pthread_create(&t, NULL, republish, NULL), 0);
	for (int i = 0; i < 50; i++) {
		struct resp r;

		request("GET", "/metrics", i % 2 ? "Accept-Encoding: gzip\r\n" : NULL, &r);
		assert_int_equal(r.status, 200);
		if (i % 2) {
			assert_int_equal(fixture_gunzip(r.body, r.body_len, &out), 0);
		} else {
			buf_reset(&out);
			buf_put(&out, r.body, r.body_len);
		}
		buf_cstr(&out);
		assert_true(strncmp(out.data, "# HELP infra_monitor_test_latency_seconds", 41) == 0);
		assert_non_null(strstr(out.data, "\ninfra_monitor_http_requests_total "));
		resp_free(&r);
	}
	atomic_store(&publishing, 0);
	pthread_join(t, NULL);
	buf_free(&out);
}

/* An empty snapshot (no families) still makes a valid gzip member. */
static void test_metrics_empty_snapshot(void **state)
{
	struct snapshot *s = snapshot_new();
	struct resp r;
	struct buf out;

	s->timestamp = now_realtime();
	assert_int_equal(snapshot_render(s, NULL), 0);
	snapshot_publish(s);
	buf_init(&out);
	request("GET", "/metrics", "Accept-Encoding: gzip\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(fixture_gunzip(r.body, r.body_len, &out), 0);
	assert_true(strncmp(out.data, "# HELP process_cpu_seconds_total", 32) == 0);
	resp_free(&r);
	buf_free(&out);
}

static void test_listen_address_parse(void **state)
{
	static const struct {
		const char *in, *host;
		int port;
	} cases[] = {
		{ ":9479", "", 9479 },
		{ "[::1]:9479", "::1", 9479 },
		{ "127.0.0.1:0", "127.0.0.1", 0 },
		{ "localhost:80", "localhost", 80 },
		{ "[fe80::1%eth0]:1", "fe80::1%eth0", 1 },
		{ "::1:9479", NULL, 0 },
		{ "9479", NULL, 0 },
		{ ":", NULL, 0 },
		{ ":65536", NULL, 0 },
		{ ":-1", NULL, 0 },
		{ "[::1]9479", NULL, 0 },
		{ "[]:9479", NULL, 0 },
		{ "host:80x", NULL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char host[64];
		uint16_t p;
		int err = http_parse_listen_address(cases[i].in, host, sizeof(host), &p);

		if (!cases[i].host) {
			if (err != -EINVAL)
				fail_msg("%s accepted", cases[i].in);
			continue;
		}
		if (err)
			fail_msg("%s refused", cases[i].in);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(p, cases[i].port);
	}
}

static void test_accept_encoding(void **state)
{
	static const struct {
		const char *in;
		int gzip;
	} cases[] = {
		{ NULL, 0 },
		{ "", 0 },
		{ "gzip", 1 },
		{ " GZip ", 1 },
		{ "x-gzip", 1 },
		{ "deflate, gzip;q=1.0", 1 },
		{ "gzip;q=0", 0 },
		{ "gzip;q=0.0", 0 },
		{ "gzip ; q=0.001", 1 },
		{ "gzip;Q=0.5", 1 },
		{ "gzip;level=1;q=0", 0 },
		{ "*", 1 },
		{ "*;q=0", 0 },
		{ "*;q=0.5, gzip;q=0", 0 },
		{ "gzip;q=0, *", 0 },
		{ "gzip;q=1.5", 0 },
		{ "gzip;q=0.5000", 0 },
		{ "gzip;q=", 0 },
		{ "gzip;q=abc, *", 1 },
		{ "br, deflate", 0 },
		{ "gzipx", 0 },
		{ ",,gzip,,", 1 },
		{ "identity;q=0", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (http_accepts_gzip(cases[i].in) != cases[i].gzip)
			fail_msg("\"%s\": want %d", cases[i].in ? cases[i].in : "(null)",
				 cases[i].gzip);
}

static void test_ipv6_and_bad_address(void **state)
{
	struct config cfg = { .listen_address = "[::1]:0", .telemetry_path = "/m",
			      .interval_ms = 1000 };
	struct http_server *s6 = NULL;

	/* Hosts without IPv6 cannot bind ::1; that is not this code's failure. */
	if (http_server_start(&cfg, &s6) == 0) {
		assert_true(http_server_port(s6) > 0);
		http_server_stop(s6);
	}
	cfg.listen_address = "::1:9479";
	assert_int_equal(http_server_start(&cfg, &s6), -EINVAL);
	cfg.listen_address = "127.0.0.1:0";
	cfg.telemetry_path = "metrics";
	assert_int_equal(http_server_start(&cfg, &s6), -EINVAL);
	/* The port the main server holds is taken. */
	cfg.telemetry_path = "/metrics";
	char addr[32];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	cfg.listen_address = addr;
	assert_int_equal(http_server_start(&cfg, &s6), -EADDRINUSE);
	http_server_stop(NULL);
}

/* ------------------------------------------------------------------------ */
/* Limits and the web config */

/* Sends headers (and maybe a body) with a Connection: close request. */
static void request_raw_fmt(struct resp *r, const char *fmt, const char *arg)
{
	size_t len = strlen(fmt) + strlen(arg) + 1;
	char *req = malloc(len);
	int n = snprintf(req, len, fmt, arg);

	assert_int_equal(raw_request(req, (size_t)n, r), 0);
	free(req);
}

static void test_body_limits(void **state)
{
	struct resp r;

	/* A declared body above the limit: 413 before any of it is read. */
	request("GET", "/", "Content-Length: 100000\r\n", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	/* A body of unknown length: 413 too. */
	request_raw_fmt(&r, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n%s", "5\r\nhello\r\n0\r\n\r\n");
	assert_int_equal(r.status, 413);
	resp_free(&r);
	/* A few bytes are tolerated and ignored. */
	request_raw_fmt(&r, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "Content-Length: 5\r\n\r\n%s", "hello");
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void test_header_limits(void **state)
{
	/* Above the per-connection memory limit (64 KiB): 431 for headers, 414
	 * for the request line. */
	size_t big = 80 * 1024;
	char *fill = malloc(big + 1);
	struct resp r;

	memset(fill, 'a', big);
	fill[big] = '\0';
	request_raw_fmt(&r, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "X-Big: %s\r\n\r\n", fill);
	assert_int_equal(r.status, 431);
	resp_free(&r);
	request_raw_fmt(&r, "GET /metrics?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			fill);
	assert_int_equal(r.status, 414);
	resp_free(&r);
	free(fill);
}

/* bob: "hunter2", carol: "s3cr3t", both bcrypt cost 4. */
#define WEB_BOB "basic_auth_users:\n  bob: $2y$04$ABCDEFGHIJKLMNOPQRSTUOuTTL4icfB1GG/vt2MogfwWS8HG4KO.W\n"
#define WEB_CAROL "basic_auth_users:\n  carol: $2y$04$0123456789abcdefghijke3iQ6PCEPbS9MbgvWQFsUSwgXyE4uimm\n"
#define AUTH_BOB "Authorization: Basic Ym9iOmh1bnRlcjI=\r\n"
#define AUTH_BOB_WRONG "Authorization: Basic Ym9iOmh1bnRlcjM=\r\n"
#define AUTH_MALLORY "Authorization: Basic bWFsbG9yeTpodW50ZXIy\r\n"
#define AUTH_CAROL "Authorization: Basic Y2Fyb2w6czNjcjN0\r\n"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int status_of(const char *path, const char *extra)
{
	struct resp r;
	int st;

	request("GET", path, extra, &r);
	st = r.status;
	resp_free(&r);
	return st;
}

static void test_basic_auth_reload(void **state)
{
	char path[] = "/tmp/test_http_web_XXXXXX", v[128];
	struct config cfg = { .listen_address = "127.0.0.1:0", .telemetry_path = "/metrics",
			      .interval_ms = 15000, .web_config_file = path };
	uint16_t main_port = port;
	struct http_server *auth_srv = NULL;
	struct resp r;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_text(path, WEB_BOB "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
	assert_int_equal(http_server_start(&cfg, &auth_srv), 0);
	port = http_server_port(auth_srv);

	/* No, wrong, unknown credentials: 401 with a challenge and the
	 * configured headers; the path is not revealed either. */
	request("GET", "/", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(resp_header(&r, "WWW-Authenticate", v, sizeof(v)));
	assert_non_null(strstr(v, "Basic realm=\"infra-monitor\""));
	assert_non_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "deny");
	resp_free(&r);
	assert_int_equal(status_of("/", AUTH_BOB_WRONG), 401);
	assert_int_equal(status_of("/", AUTH_MALLORY), 401);
	assert_int_equal(status_of("/nope", NULL), 401);
	/* The right ones: served, headers on every response. */
	request("GET", "/", AUTH_BOB, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	resp_free(&r);
	request("GET", "/health", AUTH_BOB, &r);
	assert_non_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	resp_free(&r);
	assert_int_equal(status_of("/nope", AUTH_BOB), 404);

	/* Reload: carol replaces bob, the header goes. */
	write_text(path, WEB_CAROL);
	assert_int_equal(http_server_reload(auth_srv), 0);
	assert_int_equal(status_of("/", AUTH_BOB), 401);
	request("GET", "/", AUTH_CAROL, &r);
	assert_int_equal(r.status, 200);
	assert_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	resp_free(&r);

	/* A bad file keeps the old settings. */
	write_text(path, WEB_BOB "basic_auth_userz: {}\n");
	assert_int_equal(http_server_reload(auth_srv), -EINVAL);
	assert_int_equal(status_of("/", AUTH_CAROL), 200);
	assert_int_equal(status_of("/", AUTH_BOB), 401);
	/* So does one that would switch to HTTPS, which needs a restart. */
	write_text(path, "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /k\n");
	assert_true(http_server_reload(auth_srv) < 0);
	assert_int_equal(status_of("/", AUTH_CAROL), 200);

	http_server_stop(auth_srv);
	port = main_port;
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_before_snapshot_is_503),
		cmocka_unit_test(test_health_before_snapshot_is_503),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_metrics_identity),
		cmocka_unit_test(test_metrics_gzip),
		cmocka_unit_test(test_metrics_negotiation),
		cmocka_unit_test(test_metrics_gzip_refused),
		cmocka_unit_test(test_metrics_head),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_health_degraded_collector),
		cmocka_unit_test(test_health_ok_then_component_degraded),
		cmocka_unit_test(test_health_stale),
		cmocka_unit_test(test_metrics_during_publish),
		cmocka_unit_test(test_metrics_empty_snapshot),
		cmocka_unit_test(test_listen_address_parse),
		cmocka_unit_test(test_accept_encoding),
		cmocka_unit_test(test_ipv6_and_bad_address),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_basic_auth_reload),
	};
	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
