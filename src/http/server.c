/* HTTP server: the snapshot to Prometheus and to people.
 *
 * The last stage of the data flow. A scrape of /metrics sends the current
 * snapshot's ready exposition as it is (or its ready deflate stream, wrapped
 * in a gzip member), followed by a short tail measured now: the process
 * metrics, the self counters and the live health lines. Nothing the
 * collectors produced is rendered or compressed here; a response holds a
 * snapshot reference and points into its buffers until the last byte is
 * sent, so a slow client costs memory only for its own tail.
 *
 * libmicrohttpd runs one internal polling thread (epoll where available):
 * every handler is a few microseconds of work, so a pool would only add
 * contention on a 2-core host. Responses that never change (/, 404, 405, 503)
 * are built once at start-up and shared.
 *
 * /health answers 200 for "ok" and for "degraded": a liveness probe that
 * restarts the daemon because one collector cannot read a file would only
 * lose the rest of the data; the body and infra_monitor_healthy say why.
 * Only "no snapshot yet" is 503, which is what a readiness probe wants.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "gzjoin.h"
#include "health.h"
#include "http.h"
#include "log.h"
#include "procself.h"
#include "render.h"
#include "snapshot.h"
#include "util.h"

#ifndef IM_VERSION
#define IM_VERSION "unknown"
#endif
#ifndef IM_REVISION
#define IM_REVISION "unknown"
#endif

#define COMPONENT "http"

/* Defaults until the web config (hardening) makes them tunable. A handful of
 * Prometheus servers and people scrape one host: 64 connections is ample and
 * bounds memory at 64 * HTTP_CONN_MEMORY. Idle keep-alive connections are
 * dropped after 30 s, well above any scrape interval's request spacing. */
#define HTTP_MAX_CONNECTIONS 64
#define HTTP_IDLE_TIMEOUT_S 30
/* Per connection: request line and headers must fit, responses do not use it. */
#define HTTP_CONN_MEMORY (32 * 1024)
#define HTTP_LISTEN_BACKLOG 128
#define HTTP_MAX_OPTIONS 16

/* The live tail is a few hundred bytes: compression level barely matters. */
#define TAIL_GZIP_LEVEL 6
/* Stale once older than this many intervals: one late collection is normal,
 * two missed ones are not. */
#define STALE_INTERVALS 2.5
#define MAX_HEALTH_ENTRIES 64
/* jansson prints doubles with 17 digits by default (0.10000000000000001). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

#define CONTENT_TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_JSON "application/json"
#define HEALTH_PATH "/health"

struct http_server {
	struct MHD_Daemon *daemon;
	char *telemetry_path;
	double interval_seconds;        /* configured; a snapshot's own wins */
	uint16_t port;
	struct MHD_Response *index;
	struct MHD_Response *not_found;
	struct MHD_Response *not_allowed;
	struct MHD_Response *no_snapshot;
	struct MHD_Response *server_error;
};

/* One /metrics response in flight: the snapshot it points into and the tail
 * that follows. Freed by libmicrohttpd when the response is done. */
struct scrape {
	struct snapshot *snap;  /* a reference, dropped in scrape_free() */
	struct buf tail;        /* live text, or its deflate stream and the gzip trailer */
	uint8_t gz_header[GZJOIN_HEADER_LEN];
};

/* ------------------------------------------------------------------------ */
/* Request parsing */

int http_parse_listen_address(const char *addr, char *host, size_t hostsz, uint16_t *port)
{
	const char *colon, *h = addr;
	size_t hlen;
	uint64_t p;

	if (!addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
		if (hlen == 0)
			return -EINVAL;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - addr);
		/* A bare IPv6 address is ambiguous with its port: Go's
		 * SplitHostPort refuses it too, so insist on brackets. */
		if (memchr(addr, ':', hlen))
			return -EINVAL;
	}
	if (hlen >= hostsz || parse_u64(colon + 1, &p) || p > 65535)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* RFC 9110 qvalue: 0, 0.x to 0.xxx, 1, 1.0 to 1.000. -1 when malformed. */
static double parse_qvalue(const char *s, size_t n)
{
	double q = 0, scale = 0.1;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = s[0] - '0';
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1 ? -1 : q;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims optional whitespace around [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_ows(**s))
		(*s)++, (*n)--;
	while (*n && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* The q of one "coding *( ; param )" element, or -1 when a q is malformed
 * (the element is then ignored, as if absent). */
static double element_q(const char *params, size_t n)
{
	double q = 1;

	while (n) {
		const char *semi = memchr(params, ';', n);
		size_t len = semi ? (size_t)(semi - params) : n;
		const char *p = params;
		size_t plen = len;

		trim(&p, &plen);
		if (plen >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			const char *v = p + 2;
			size_t vlen = plen - 2;

			trim(&v, &vlen);
			q = parse_qvalue(v, vlen);
			if (q < 0)
				return -1;
		}
		params += len + (semi ? 1 : 0);
		n -= len + (semi ? 1 : 0);
	}
	return q;
}

int http_accepts_gzip(const char *ae)
{
	double gzip_q = -1, star_q = -1;

	if (!ae)
		return 0;
	while (*ae) {
		size_t len = strcspn(ae, ",");
		size_t clen = strcspn(ae, ",;");
		const char *coding = ae;
		double q;

		trim(&coding, &clen);
		q = element_q(ae + strcspn(ae, ",;"), len - strcspn(ae, ",;"));
		if (q >= 0) {
			if ((clen == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
			    (clen == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
				gzip_q = fmax(gzip_q, q);
			else if (clen == 1 && coding[0] == '*')
				star_q = fmax(star_q, q);
		}
		ae += len + (ae[len] == ',' ? 1 : 0);
	}
	return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

static enum MHD_Result join_accept_encoding(void *cls, enum MHD_ValueKind kind, const char *key,
					    const char *value)
{
	struct buf *b = cls;

	if (value && strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0) {
		if (b->len)
			buf_putc(b, ',');
		buf_puts(b, value);
	}
	return MHD_YES;
}

/* Every Accept-Encoding header counts: a list may be split across several. */
static int wants_gzip(struct MHD_Connection *c)
{
	struct buf b;
	int yes;

	buf_init(&b);
	MHD_get_connection_values(c, MHD_HEADER_KIND, join_accept_encoding, &b);
	yes = b.len && !b.oom ? http_accepts_gzip(buf_cstr(&b)) : 0;
	buf_free(&b);
	return yes;
}

/* ------------------------------------------------------------------------ */
/* Health: one verdict for /health and infra_monitor_healthy */

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

/* ------------------------------------------------------------------------ */
/* /metrics */

static void put_gauge_header(struct buf *out, const char *name, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Health lines measured now; the snapshot cannot carry them, it may be the
 * very thing that is late. */
static void render_health_metrics(const struct http_server *srv, const struct snapshot *s,
				  struct buf *out)
{
	static const enum health_state states[] = { HEALTH_OK, HEALTH_DEGRADED, HEALTH_FAILED,
						    HEALTH_DISABLED };
	struct health_entry h[MAX_HEALTH_ENTRIES];
	size_t nh = list_health(h);
	double now = now_realtime();

	put_gauge_header(out, "infra_monitor_healthy",
			 "1 when /health reports ok, 0 when it reports degraded.");
	buf_printf(out, "infra_monitor_healthy %d\n", assess(srv, s, h, nh, now, NULL));
	put_gauge_header(out, "infra_monitor_snapshot_age_seconds",
			 "Seconds since the collection of the snapshot being served started.");
	buf_puts(out, "infra_monitor_snapshot_age_seconds ");
	buf_put_double(out, now - s->timestamp);
	buf_putc(out, '\n');
	if (!nh)
		return;
	/* One series per state, 1 for the current one (node_systemd_unit_state's
	 * shape): alerts select a state without knowing the encoding. */
	put_gauge_header(out, "infra_monitor_component_state",
			 "State of each long-lived component: 1 for its current state.");
	for (size_t i = 0; i < nh; i++) {
		for (size_t j = 0; j < ARRAY_SIZE(states); j++) {
			buf_puts(out, "infra_monitor_component_state{component=\"");
			render_prom_label_value(out, h[i].component);
			buf_printf(out, "\",state=\"%s\"} %d\n", health_state_name(states[j]),
				   h[i].state == states[j]);
		}
	}
}

static void render_live(const struct http_server *srv, const struct snapshot *s, struct buf *out)
{
	static atomic_int warned;
	struct procself ps;
	int err = procself_read(&ps);

	/* Repeats every scrape if it happens at all: say it once. */
	if (err && !atomic_exchange(&warned, 1))
		log_warn(COMPONENT, "reading process metrics failed; some are omitted", "err",
			 strerror(-err));
	procself_render(out, &ps);
	self_counters_render(out);
	render_health_metrics(srv, s, out);
}

static void scrape_free(void *cls)
{
	struct scrape *sc = cls;

	snapshot_put(sc->snap);
	buf_free(&sc->tail);
	free(sc);
}

static void iov_add(struct MHD_IoVec *iov, unsigned int *n, const void *p, size_t len)
{
	/* Empty parts are left out: a NULL base is not a valid entry. */
	if (len)
		iov[(*n)++] = (struct MHD_IoVec){ .iov_base = p, .iov_len = len };
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned int status,
			     struct MHD_Response *r, const char *what)
{
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	if (ret != MHD_YES)
		log_warn(COMPONENT, "queueing response failed", "path", what);
	return ret;
}

static enum MHD_Result serve_metrics(struct http_server *srv, struct MHD_Connection *c)
{
	struct snapshot *s = snapshot_get();
	struct MHD_IoVec iov[3];
	unsigned int n = 0;
	struct MHD_Response *r = NULL;
	struct scrape *sc = NULL;
	struct buf live;
	int gzip, err = -ENOMEM;
	enum MHD_Result ret;

	buf_init(&live);
	if (!s)
		return queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, srv->no_snapshot, srv->telemetry_path);
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		goto out;
	sc->snap = s;
	s = NULL;       /* now owned by sc */
	buf_init(&sc->tail);
	render_live(srv, sc->snap, &live);
	if (live.oom)
		goto out;
	gzip = wants_gzip(c) && sc->snap->prom_z.len == sc->snap->prom.len;
	if (gzip) {
		err = gzjoin_finish(&sc->tail, &sc->snap->prom_z, live.data, live.len,
				    TAIL_GZIP_LEVEL);
		if (err) {
			/* Identity always works; say once per failure why gzip did not. */
			log_warn(COMPONENT, "compressing the live tail failed; serving identity",
				 "err", strerror(-err));
			buf_reset(&sc->tail);
			gzip = 0;
		}
	}
	if (gzip) {
		gzjoin_header(sc->gz_header);
		iov_add(iov, &n, sc->gz_header, sizeof(sc->gz_header));
		iov_add(iov, &n, sc->snap->prom_z.z.data, sc->snap->prom_z.z.len);
	} else {
		buf_free(&sc->tail);
		sc->tail = live;
		buf_init(&live);
		iov_add(iov, &n, sc->snap->prom.data, sc->snap->prom.len);
	}
	iov_add(iov, &n, sc->tail.data, sc->tail.len);
	err = -ENOMEM;
	r = MHD_create_response_from_iovec(iov, n, scrape_free, sc);
	if (!r)
		goto out;
	sc = NULL;      /* now owned by r */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_PROM) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING) !=
		    MHD_YES ||
	    (gzip && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") !=
			     MHD_YES))
		goto out;
	ret = queue(c, MHD_HTTP_OK, r, srv->telemetry_path);
	MHD_destroy_response(r);
	buf_free(&live);
	return ret;
out:
	log_warn(COMPONENT, "building the /metrics response failed", "err", strerror(-err));
	if (r)
		MHD_destroy_response(r);
	if (sc)
		scrape_free(sc);
	snapshot_put(s);
	buf_free(&live);
	return queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, srv->server_error, srv->telemetry_path);
}

/* ------------------------------------------------------------------------ */
/* /health */

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

/* The first sample of a family, searched in every set; NAN if absent. */
static double snapshot_value(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nsets; i++) {
		const struct family *f = ms_find(s->sets[i], name);

		if (f && f->nsamples)
			return f->samples[0].value;
	}
	return NAN;
}

/* node_cpu_seconds_total has one mode="idle" sample per CPU. */
static double snapshot_cpus(const struct snapshot *s)
{
	for (size_t i = 0; i < s->nsets; i++) {
		const struct family *f = ms_find(s->sets[i], "node_cpu_seconds_total");
		size_t n = 0;

		if (!f)
			continue;
		for (size_t j = 0; j < f->nsamples; j++) {
			const char *mode = sample_label(&f->samples[j], "mode");

			n += mode && strcmp(mode, "idle") == 0;
		}
		return n ? (double)n : NAN;
	}
	return NAN;
}

static json_t *health_system(const struct snapshot *s, double now)
{
	double boot = snapshot_value(s, "node_boot_time_seconds");
	json_t *o = json_object();

	json_object_set_new(o, "load1", json_num(snapshot_value(s, "node_load1")));
	json_object_set_new(o, "load5", json_num(snapshot_value(s, "node_load5")));
	json_object_set_new(o, "load15", json_num(snapshot_value(s, "node_load15")));
	json_object_set_new(o, "cpus", json_num(snapshot_cpus(s)));
	json_object_set_new(o, "memory_total_bytes",
			    json_num(snapshot_value(s, "node_memory_MemTotal_bytes")));
	json_object_set_new(o, "memory_available_bytes",
			    json_num(snapshot_value(s, "node_memory_MemAvailable_bytes")));
	json_object_set_new(o, "uptime_seconds", json_num(now - boot));
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

static enum MHD_Result serve_health(struct http_server *srv, struct MHD_Connection *c)
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
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES)
		goto out;
	ret = queue(c, status, r, HEALTH_PATH);
	MHD_destroy_response(r);
	json_decref(doc);
	return ret;
out:
	log_warn(COMPONENT, "building the /health response failed", "err", strerror(ENOMEM));
	if (r)
		MHD_destroy_response(r);
	free(text);
	json_decref(doc);
	return queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, srv->server_error, HEALTH_PATH);
}

/* ------------------------------------------------------------------------ */
/* Routing */

enum route { ROUTE_NONE, ROUTE_METRICS, ROUTE_HEALTH, ROUTE_INDEX };

static enum route route_of(const struct http_server *srv, const char *url)
{
	/* The telemetry path is checked first: it wins if set to "/health" or "/". */
	if (strcmp(url, srv->telemetry_path) == 0)
		return ROUTE_METRICS;
	if (strcmp(url, HEALTH_PATH) == 0)
		return ROUTE_HEALTH;
	if (strcmp(url, "/") == 0)
		return ROUTE_INDEX;
	return ROUTE_NONE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int request_seen;        /* only its address marks a request as seen */
	struct http_server *srv = cls;
	enum route rt = route_of(srv, url);

	if (!*req_cls) {
		self_counter_add(SELF_HTTP_REQUESTS, 1);
		/* Errors answer at once: the body, if any, is never read and
		 * libmicrohttpd closes the connection after the response. */
		if (rt == ROUTE_NONE)
			return queue(c, MHD_HTTP_NOT_FOUND, srv->not_found, url);
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, srv->not_allowed, url);
		/* A response queued before the request is complete costs the
		 * keep-alive (libmicrohttpd 0.9.75 then closes): answer on the
		 * next call, which Prometheus' connection reuse relies on. */
		*req_cls = &request_seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;  /* a GET body means nothing here */
		return MHD_YES;
	}
	switch (rt) {
	case ROUTE_METRICS:
		return serve_metrics(srv, c);
	case ROUTE_HEALTH:
		return serve_health(srv, c);
	default:
		return queue(c, MHD_HTTP_OK, srv->index, url);
	}
}

/* ------------------------------------------------------------------------ */
/* Start and stop */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn(COMPONENT, "libmicrohttpd", "detail", msg);
}

static struct MHD_Response *static_response(const char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);

	if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return r;
}

static void put_html_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static struct MHD_Response *index_response(const char *telemetry_path)
{
	struct MHD_Response *r = NULL;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		     "<title>infra-monitor</title></head>\n<body>\n<h1>infra-monitor</h1>\n"
		     "<p>Version ");
	put_html_escaped(&b, IM_VERSION);
	buf_puts(&b, " (revision ");
	put_html_escaped(&b, IM_REVISION);
	buf_puts(&b, ")</p>\n<ul>\n<li><a href=\"");
	put_html_escaped(&b, telemetry_path);
	buf_puts(&b, "\">Metrics</a> (Prometheus text format)</li>\n"
		     "<li><a href=\"" HEALTH_PATH "\">Health</a> (JSON)</li>\n</ul>\n"
		     "</body></html>\n");
	if (!b.oom)
		r = static_response(buf_cstr(&b), CONTENT_TYPE_HTML);
	buf_free(&b);
	return r;
}

static int build_responses(struct http_server *srv)
{
	char retry[24];

	srv->index = index_response(srv->telemetry_path);
	srv->not_found = static_response("404 page not found\n", CONTENT_TYPE_TEXT);
	srv->not_allowed = static_response("405 method not allowed: use GET or HEAD\n",
					   CONTENT_TYPE_TEXT);
	srv->no_snapshot = static_response("503 no snapshot yet: the first collection has not "
					   "finished; retry after one interval\n",
					   CONTENT_TYPE_TEXT);
	srv->server_error = static_response("500 internal server error (see the daemon's log)\n",
					    CONTENT_TYPE_TEXT);
	if (!srv->index || !srv->not_found || !srv->not_allowed || !srv->no_snapshot ||
	    !srv->server_error)
		return -ENOMEM;
	snprintf(retry, sizeof(retry), "%.0f", fmax(1, ceil(srv->interval_seconds)));
	if (MHD_add_response_header(srv->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
		    MHD_YES ||
	    MHD_add_response_header(srv->no_snapshot, MHD_HTTP_HEADER_RETRY_AFTER, retry) !=
		    MHD_YES)
		return -ENOMEM;
	return 0;
}

static int bind_listen(int family, const struct sockaddr *sa, socklen_t salen, int *fd_out)
{
	int one = 1, zero = 0;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	/* Restarts must not wait out TIME_WAIT of the last scrape. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    /* "[::]" or ":port" serves IPv4 too, whatever net.ipv6.bindv6only says. */
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
					      sizeof(zero))) ||
	    bind(fd, sa, salen) || listen(fd, HTTP_LISTEN_BACKLOG)) {
		err = -errno;
		goto out;
	}
	*fd_out = fd;
	return 0;
out:
	close(fd);
	return err;
}

/* Opens the listening socket for addr: 0 or -errno, logged. Binding here, not
 * in libmicrohttpd, gives an errno to report and accepts host names. */
static int open_listener(const char *addr, int *fd_out, uint16_t *port_out)
{
	char host[256], portstr[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint16_t port;
	int err, rc;

	err = http_parse_listen_address(addr, host, sizeof(host), &port);
	if (err) {
		log_error(COMPONENT, "invalid listen address, want [host]:port", "address", addr);
		return err;
	}
	if (!host[0]) {
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
					     .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(port),
					    .sin_addr.s_addr = htonl(INADDR_ANY) };

		err = bind_listen(AF_INET6, (struct sockaddr *)&any6, sizeof(any6), fd_out);
		/* A host booted with ipv6.disable=1 still gets IPv4. */
		if (err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL)
			err = bind_listen(AF_INET, (struct sockaddr *)&any4, sizeof(any4), fd_out);
	} else {
		snprintf(portstr, sizeof(portstr), "%u", port);
		rc = getaddrinfo(host, portstr, &hints, &res);
		if (rc) {
			log_error(COMPONENT, "resolving listen address failed", "address", addr,
				  "err", gai_strerror(rc));
			return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
		}
		err = -EADDRNOTAVAIL;
		/* The first address that binds, as Go's net.Listen does. */
		for (struct addrinfo *ai = res; ai && err; ai = ai->ai_next)
			err = bind_listen(ai->ai_family, ai->ai_addr, ai->ai_addrlen, fd_out);
		freeaddrinfo(res);
	}
	if (err) {
		log_error(COMPONENT, "listening failed", "address", addr, "err", strerror(-err));
		return err;
	}
	if (getsockname(*fd_out, (struct sockaddr *)&ss, &sslen) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET6 ?
					  ((struct sockaddr_in6 *)&ss)->sin6_port :
					  ((struct sockaddr_in *)&ss)->sin_port);
	else
		*port_out = port;
	return 0;
}

/* Every libmicrohttpd option in one place: the hardening work (TLS, limits)
 * adds its entries here. Returns the count, END included. */
static size_t daemon_options(struct MHD_OptionItem *o, int listen_fd)
{
	size_t n = 0;

	/* The logger first, or libmicrohttpd prints its own lines until it is set.
	 * Two pointers: the function travels in value, its closure in ptr_value. */
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n;
}

int http_server_start(const struct config *cfg, struct http_server **out)
{
	struct MHD_OptionItem opts[HTTP_MAX_OPTIONS];
	struct http_server *srv = calloc(1, sizeof(*srv));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	const char *addr = cfg->listen_address ? cfg->listen_address : DEFAULT_LISTEN_ADDRESS;
	const char *path = cfg->telemetry_path ? cfg->telemetry_path : "/metrics";
	int fd = -1, err = -ENOMEM;

	if (!srv)
		goto out;
	if (path[0] != '/') {
		log_error(COMPONENT, "telemetry path must start with '/'", "path", path);
		err = -EINVAL;
		goto out;
	}
	srv->telemetry_path = strdup(path);
	srv->interval_seconds = (double)cfg->interval_ms / 1000.0;
	if (!srv->telemetry_path || build_responses(srv))
		goto out;
	err = open_listener(addr, &fd, &srv->port);
	if (err)
		goto out;
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL :
									   MHD_USE_POLL;
	daemon_options(opts, fd);
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
				       opts, MHD_OPTION_END);
	if (!srv->daemon) {
		/* libmicrohttpd may already have closed fd on its way out;
		 * closing it again could hit another thread's new descriptor,
		 * and the caller exits anyway. */
		log_error(COMPONENT, "starting libmicrohttpd failed", "address", addr);
		err = -EIO;
		goto out;
	}
	/* main() logs the success line; the bound port matters with port 0. */
	log_debug(COMPONENT, "libmicrohttpd started", "address", addr, "path",
		  srv->telemetry_path);
	*out = srv;
	return 0;
out:
	if (err == -ENOMEM)
		log_error(COMPONENT, "starting the HTTP server failed", "err", strerror(ENOMEM));
	http_server_stop(srv);
	return err;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* Closes the listening socket and every connection; in-flight
	 * responses are freed, dropping their snapshot references. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	if (srv->index)
		MHD_destroy_response(srv->index);
	if (srv->not_found)
		MHD_destroy_response(srv->not_found);
	if (srv->not_allowed)
		MHD_destroy_response(srv->not_allowed);
	if (srv->no_snapshot)
		MHD_destroy_response(srv->no_snapshot);
	if (srv->server_error)
		MHD_destroy_response(srv->server_error);
	free(srv->telemetry_path);
	free(srv);
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}
