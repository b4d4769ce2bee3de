/* The health verdict, in the two places it is read: the /health document
 * (JSON, for people and probes) and the infra_monitor_healthy,
 * infra_monitor_snapshot_age_seconds and infra_monitor_component_state lines
 * at the end of every /metrics answer. One function, assess(), decides both,
 * so they cannot disagree.
 *
 * /health answers 200 for "ok" and for "degraded": a liveness probe that
 * restarts the daemon because one collector cannot read a file would only
 * lose the rest of the data; the body and infra_monitor_healthy say why.
 * Only "no snapshot yet" is 503, which is what a readiness probe wants.
 *
 * The component registry this reads is src/health.c; the verdict is here
 * because only the HTTP side reports it.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "health.h"
#include "http_internal.h"
#include "log.h"
#include "procself.h"
#include "render.h"
#include "snapshot.h"
#include "util.h"

/* Stale once older than this many intervals: one late collection is normal,
 * two missed ones are not. */
#define STALE_INTERVALS 2.5
#define MAX_HEALTH_ENTRIES 64
/* jansson prints doubles with 17 digits by default (0.10000000000000001). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

static double snapshot_interval(const struct http_server *srv, const struct snapshot *s)
{
	return s && s->interval_seconds > 0 ? s->interval_seconds : srv->interval_seconds;
}

/* A JSON string of s. jansson refuses invalid UTF-8 (json_string() returns
 * NULL), and error details quote paths and kernel text that may hold any
 * byte: those bytes become '?' rather than lose the whole detail. */
static json_t *json_text(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static void add_reason(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_reason(json_t *reasons, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!reasons)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_text(text));        /* steals */
}

/* 1 when healthy. Appends a sentence per problem to reasons (may be NULL). */
static int assess(const struct http_server *srv, const struct snapshot *s,
		  const struct health_entry *h, size_t nh, double now, json_t *reasons)
{
	double interval = snapshot_interval(srv, s);
	int ok = 1;

	if (!s) {
		add_reason(reasons, "no snapshot yet: the first collection has not finished");
		ok = 0;
	} else {
		for (size_t i = 0; i < s->nresults; i++) {
			const struct collector_result *r = &s->results[i];

			/* An ok collector with a detail did part of its job (a hung
			 * mount): worth a reason, and the host is not fully seen. */
			if (r->status == COLLECTOR_OK && r->detail[0]) {
				add_reason(reasons, "collector %s: %s", r->name, r->detail);
				ok = 0;
			}
			if (r->status != COLLECTOR_FAILED)
				continue;
			add_reason(reasons, "collector %s failed: %s", r->name,
				   r->detail[0] ? r->detail : strerror(-r->err));
			ok = 0;
		}
		if (interval > 0 && now - s->timestamp > STALE_INTERVALS * interval) {
			add_reason(reasons, "snapshot is %.1f s old, interval %.1f s",
				   now - s->timestamp, interval);
			ok = 0;
		}
	}
	for (size_t i = 0; i < nh; i++) {
		if (h[i].state != HEALTH_DEGRADED && h[i].state != HEALTH_FAILED)
			continue;
		add_reason(reasons, "component %s %s%s%s", h[i].component,
			   health_state_name(h[i].state), h[i].detail[0] ? ": " : "", h[i].detail);
		ok = 0;
	}
	return ok;
}

static size_t list_health(struct health_entry *h)
{
	size_t n = health_list(h, MAX_HEALTH_ENTRIES);

	return n < MAX_HEALTH_ENTRIES ? n : MAX_HEALTH_ENTRIES;
}

/* Health series measured now; the snapshot cannot carry them, it may be the
 * very thing that is late. */
void http_health_fill_metrics(const struct http_server *srv, const struct snapshot *s,
			      struct metric_set *ms)
{
	static const enum health_state states[] = { HEALTH_OK, HEALTH_DEGRADED, HEALTH_FAILED,
						    HEALTH_DISABLED };
	struct health_entry h[MAX_HEALTH_ENTRIES];
	size_t nh = list_health(h);
	double now = now_realtime();
	struct family *f;

	ms_set(ms, "infra_monitor_healthy", METRIC_GAUGE,
	       "1 when /health reports ok, 0 when it reports degraded.",
	       assess(srv, s, h, nh, now, NULL));
	ms_set(ms, "infra_monitor_snapshot_age_seconds", METRIC_GAUGE,
	       "Seconds since the collection of the snapshot being served started.",
	       now - s->timestamp);
	if (!nh)
		return;
	/* One series per state, 1 for the current one (node_systemd_unit_state's
	 * shape): alerts select a state without knowing the encoding. */
	f = ms_family(ms, "infra_monitor_component_state", METRIC_GAUGE,
		      "State of each long-lived component: 1 for its current state.");
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < ARRAY_SIZE(states); j++)
			ms_add(ms, f, h[i].state == states[j], "component", h[i].component,
			       "state", health_state_name(states[j]), NULL);
}

/* jansson refuses NaN and Inf (json_real() returns NULL): those are null. */
static json_t *json_num(double v)
{
	/* Integral values print as integers, not "9.0". */
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_time(double unix_seconds)
{
	char ts[40];

	if (!isfinite(unix_seconds) || unix_seconds <= 0)
		return json_null();
	format_rfc3339_ms(unix_seconds, ts, sizeof(ts));
	return json_string(ts);
}

static json_t *health_system(const struct snapshot *s, double now)
{
	const struct host_summary *h = &s->summary;
	const size_t ncpus = h->list[SUMMARY_CPUS].n;
	json_t *o = json_object();

	json_object_set_new(o, "load1", json_num(h->scalar[SUMMARY_LOAD1]));
	json_object_set_new(o, "load5", json_num(h->scalar[SUMMARY_LOAD5]));
	json_object_set_new(o, "load15", json_num(h->scalar[SUMMARY_LOAD15]));
	json_object_set_new(o, "cpus", json_num(ncpus ? (double)ncpus : NAN));
	json_object_set_new(o, "memory_total_bytes",
			    json_num(h->scalar[SUMMARY_MEM_TOTAL_BYTES]));
	json_object_set_new(o, "memory_available_bytes",
			    json_num(h->scalar[SUMMARY_MEM_AVAILABLE_BYTES]));
	json_object_set_new(o, "uptime_seconds",
			    json_num(now - h->scalar[SUMMARY_BOOT_TIME_SECONDS]));
	return o;
}

static const char *collector_status_name(enum collector_status st)
{
	return st == COLLECTOR_OK ? "ok" : st == COLLECTOR_FAILED ? "failed" : "nodata";
}

static json_t *health_collectors(const struct snapshot *s)
{
	json_t *cols = json_object();

	for (size_t i = 0; i < s->nresults; i++) {
		const struct collector_result *r = &s->results[i];
		json_t *o = json_object();

		json_object_set_new(o, "status", json_string(collector_status_name(r->status)));
		json_object_set_new(o, "duration_seconds", json_num(r->duration_seconds));
		if (r->status == COLLECTOR_FAILED)
			json_object_set_new(o, "error", json_text(r->detail[0] ? r->detail :
								   strerror(-r->err)));
		else if (r->detail[0])
			json_object_set_new(o, "detail", json_text(r->detail));
		json_object_set_new(cols, r->name, o);
	}
	return cols;
}

static json_t *health_last_collection(const struct snapshot *s, double now)
{
	json_t *last = json_object();
	double duration = 0;

	/* The runner calls collectors one after another, so their durations add
	 * up to the collection's. */
	for (size_t i = 0; i < s->nresults; i++)
		duration += s->results[i].duration_seconds;
	json_object_set_new(last, "timestamp", json_time(s->timestamp));
	json_object_set_new(last, "age_seconds", json_num(now - s->timestamp));
	json_object_set_new(last, "duration_seconds", json_num(duration));
	json_object_set_new(last, "seq", json_integer((json_int_t)s->seq));
	return last;
}

static json_t *health_process(const struct procself *ps)
{
	json_t *o = json_object();

	json_object_set_new(o, "cpu_seconds_total", json_num(ps->cpu_seconds_total));
	json_object_set_new(o, "resident_memory_bytes", json_num(ps->resident_memory_bytes));
	json_object_set_new(o, "virtual_memory_bytes", json_num(ps->virtual_memory_bytes));
	json_object_set_new(o, "virtual_memory_max_bytes", json_num(ps->virtual_memory_max_bytes));
	json_object_set_new(o, "open_fds", json_num(ps->open_fds));
	json_object_set_new(o, "max_fds", json_num(ps->max_fds));
	json_object_set_new(o, "start_time_seconds", json_num(ps->start_time_seconds));
	json_object_set_new(o, "threads", json_num(ps->threads));
	return o;
}

/* The whole /health document; s may be NULL. Returns an owned reference. */
static json_t *health_doc(const struct http_server *srv, const struct snapshot *s)
{
	struct health_entry h[MAX_HEALTH_ENTRIES];
	size_t nh = list_health(h);
	double now = now_realtime();
	struct procself ps;
	json_t *doc = json_object(), *reasons = json_array(), *comps = json_object();
	int ok;

	procself_read(&ps);
	ok = assess(srv, s, h, nh, now, reasons);
	for (size_t i = 0; i < nh; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "state", json_string(health_state_name(h[i].state)));
		json_object_set_new(o, "detail", json_text(h[i].detail));
		json_object_set_new(o, "since", json_time(h[i].since));
		json_object_set_new(comps, h[i].component, o);
	}
	json_object_set_new(doc, "status", json_string(ok ? "ok" : "degraded"));
	json_object_set_new(doc, "reasons", reasons);
	json_object_set_new(doc, "version", json_string(IM_VERSION));
	json_object_set_new(doc, "revision", json_string(IM_REVISION));
	json_object_set_new(doc, "uptime_seconds", json_num(now - ps.start_time_seconds));
	json_object_set_new(doc, "last_collection", s ? health_last_collection(s, now) : json_null());
	json_object_set_new(doc, "collectors", s ? health_collectors(s) : json_object());
	json_object_set_new(doc, "components", comps);
	json_object_set_new(doc, "process", health_process(&ps));
	json_object_set_new(doc, "system", s ? health_system(s, now) : json_null());
	return doc;
}

enum MHD_Result http_serve_health(struct http_server *srv, const struct web_state *ws,
				  struct MHD_Connection *c)
{
	struct snapshot *s = snapshot_get();
	json_t *doc = health_doc(srv, s);       /* owned */
	unsigned int status = s ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	struct MHD_Response *r = NULL;
	char *text = NULL, *nl;
	size_t len;
	enum MHD_Result ret;

	snapshot_put(s);
	text = json_dumps(doc, JSON_FLAGS);
	if (!text)
		goto out;
	/* json_dumps() leaves no trailing newline; curl users like one. */
	len = strlen(text);
	nl = realloc(text, len + 2);

	if (!nl)
		goto out;
	text = nl;
	text[len++] = '\n';
	text[len] = '\0';
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r)
		goto out;
	text = NULL;    /* now owned by r */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_JSON) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    http_add_config_headers(r, ws->wc))
		goto out;
	ret = http_queue(c, status, r, HEALTH_PATH);
	MHD_destroy_response(r);
	json_decref(doc);
	return ret;
out:
	log_warn_errno(COMPONENT, -ENOMEM, NULL, "building the /health response failed");
	if (r)
		MHD_destroy_response(r);
	free(text);
	json_decref(doc);
	return http_queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, ws->server_error, HEALTH_PATH);
}
