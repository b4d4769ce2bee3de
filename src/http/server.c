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
 * contention on a 2-core host. Responses that never change (/, 401, 404, 405,
 * 413, 500, 503) are built once per web config and shared.
 *
 * Hostile networks: the web config (webconfig.c) adds TLS, client
 * certificates, basic auth and extra headers; SIGHUP swaps in a freshly
 * loaded one (struct web_state) without touching the listener, and a file that
 * does not load keeps the old one. Every connection is tracked from accept to
 * close (struct conn) so that three limits hold whatever libmicrohttpd 0.9.75
 * lacks: a deadline for the request headers (slow-header clients), a deadline
 * for the next request on an idle keep-alive connection, and, when the
 * connection count reaches HTTP_MAX_CONNECTIONS, room made for the newcomer
 * by closing the oldest connection that is not in a request. A flood of idle
 * or slow clients therefore delays nobody who sends a request at once, as a
 * scraper does; a per-address limit keeps one address from holding many.
 *
 * /health answers 200 for "ok" and for "degraded": a liveness probe that
 * restarts the daemon because one collector cannot read a file would only
 * lose the rest of the data; the body and infra_monitor_healthy say why.
 * Only "no snapshot yet" is 503, which is what a readiness probe wants.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <jansson.h>
#include <limits.h>
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
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
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
#include "webconfig.h"

#ifndef IM_VERSION
#define IM_VERSION "unknown"
#endif
#ifndef IM_REVISION
#define IM_REVISION "unknown"
#endif

#define COMPONENT "http"

/* Connection limits. A handful of Prometheus servers and people scrape one
 * host; the numbers are set for floods, not for them. Beyond
 * HTTP_MAX_CONNECTIONS the oldest connection waiting for a request is closed
 * for each new one; libmicrohttpd refuses outright only beyond the hard limit,
 * which eviction keeps it from reaching (it lags by at most one accept batch).
 * One address (a NAT gateway, a Prometheus HA pair behind one) holds at most
 * HTTP_PER_IP_CONNECTIONS. */
#define HTTP_MAX_CONNECTIONS 2048
/* sd_listen_fds(3): systemd passes its sockets from this descriptor on. */
#define SD_LISTEN_FDS_START 3
#define HTTP_HARD_CONNECTIONS (HTTP_MAX_CONNECTIONS + 64)
#define HTTP_PER_IP_CONNECTIONS 16
/* Descriptors wanted: every connection, plus collectors, JSONL, BPF maps. */
#define HTTP_NOFILE_WANTED (HTTP_HARD_CONNECTIONS + 512)
/* A new connection has this long to finish its TLS handshake and send the
 * request line and headers (Go's ReadHeaderTimeout; slowloris defence). */
#define HTTP_HEADER_TIMEOUT_S 10
/* A keep-alive connection must start its next request within this; it also
 * is libmicrohttpd's inactivity timeout (a reader that stops reading). Above
 * Prometheus' default 1m scrape interval, so its connection is reused. */
#define HTTP_IDLE_TIMEOUT_S 90
/* Per connection: request line and headers must fit (else 431, or 414 for the
 * line), responses do not use it. Prometheus sends well under 1 KiB. Above
 * 32 KiB libmicrohttpd maps each pool with mmap() rather than malloc(): pages
 * a connection never touches are never resident, and a closed connection
 * returns its pages at once. Under the flood test (1,300 connections, all
 * replaced once) that is 9.5 MB peak RSS, against 19.6 MB with 16 KiB pools
 * carved from the heap. */
#define HTTP_CONN_MEMORY (64 * 1024)
/* GET and HEAD take no body; a few bytes are tolerated, more is 413. */
#define HTTP_MAX_BODY 1024
#define HTTP_REAP_INTERVAL_MS 250
#define HTTP_LISTEN_BACKLOG 1024
#define HTTP_MAX_OPTIONS 24
/* libmicrohttpd logs every refused connection: under a flood, keep at most
 * this many lines per window and count the rest. */
#define MHD_LOG_BURST 5
#define MHD_LOG_WINDOW_S 10.0
#define AUTH_REALM "infra-monitor"

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

/* What a web config decides, swapped whole on SIGHUP. Requests use the
 * current one (a revoked user is refused on an open connection too); a TLS
 * connection keeps the one its handshake used until it closes. */
struct web_state {
	atomic_int refs;
	struct webconfig *wc;   /* NULL: no --web.config.file */
	struct MHD_Response *index;
	struct MHD_Response *not_found;
	struct MHD_Response *not_allowed;
	struct MHD_Response *no_snapshot;
	struct MHD_Response *server_error;
	struct MHD_Response *unauthorized;
	struct MHD_Response *too_large;
	struct MHD_Response *too_many;
};

/* One accepted connection, from libmicrohttpd's STARTED to CLOSED notice. */
struct conn {
	struct conn *prev, *next;       /* srv->conns, oldest first */
	struct web_state *ws;           /* a reference: the TLS settings it started with */
	int fd;
	double deadline;                /* monotonic: a request must have begun by then */
	size_t body;                    /* bytes of request body seen */
	bool in_request;                /* headers read, response not finished */
	bool closing;                   /* shut down by us; libmicrohttpd closes it */
};

struct http_server {
	struct MHD_Daemon *daemon;
	char *telemetry_path;
	char *web_config_path;          /* absolute, re-read on SIGHUP; NULL if none */
	double interval_seconds;        /* configured; a snapshot's own wins */
	uint16_t port;
	bool tls;                       /* fixed at start: the daemon is HTTPS or not */
	bool exporter_metrics;          /* process_* and infra_monitor_http_* on /metrics */
	uint64_t max_in_flight;         /* --web.max-requests; 0: no limit */
	atomic_uint_fast64_t in_flight; /* /metrics responses not yet finished */

	pthread_mutex_t lock;           /* everything below */
	struct web_state *ws;           /* current */
	struct conn *oldest, *newest;
	size_t nopen;                   /* tracked and not being closed by us */
	uint64_t evicted, timed_out;    /* since the last log line about them */
	double mhd_log_window;
	unsigned int mhd_log_lines, mhd_log_dropped;
	bool stopping;
	pthread_cond_t wake;
	pthread_t reaper;
	bool reaper_started;
	struct http_server *next_running;
};

/* Servers to reload on SIGHUP (one in practice; tests start several). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_server *running;

/* One /metrics response in flight: the snapshot it points into and the tail
 * that follows. Freed by libmicrohttpd when the response is done. */
struct scrape {
	struct http_server *srv;        /* its in_flight count holds this one */
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
		log_warn_errno(COMPONENT, err, NULL,
			       "reading process metrics failed; some are omitted");
	if (srv->exporter_metrics) {
		procself_render(out, &ps);
		self_counters_render(out);
	}
	render_health_metrics(srv, s, out);
}

static void scrape_free(void *cls)
{
	struct scrape *sc = cls;

	atomic_fetch_sub(&sc->srv->in_flight, 1);
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
		log_warnf(COMPONENT, LOG_KV("path", what), "queueing response failed");
	return ret;
}

/* The web config's extra headers (exporter-toolkit's http_server_config.headers),
 * on every response. 0 or -ENOMEM. */
static int add_config_headers(struct MHD_Response *r, const struct webconfig *wc)
{
	for (size_t i = 0; wc && i < wc->nheaders; i++)
		if (MHD_add_response_header(r, wc->headers[i].name, wc->headers[i].value) != MHD_YES)
			return -ENOMEM;
	return 0;
}

static enum MHD_Result serve_metrics(struct http_server *srv, const struct web_state *ws,
				     struct MHD_Connection *c)
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
		return queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, ws->no_snapshot, srv->telemetry_path);
	/* promhttp's MaxRequestsInFlight: a response still being written (a slow
	 * reader) holds its place until libmicrohttpd frees it. */
	if (atomic_fetch_add(&srv->in_flight, 1) >= srv->max_in_flight && srv->max_in_flight) {
		atomic_fetch_sub(&srv->in_flight, 1);
		snapshot_put(s);
		return queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, ws->too_many, srv->telemetry_path);
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		atomic_fetch_sub(&srv->in_flight, 1);
		goto out;
	}
	sc->srv = srv;
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
			log_warn_errno(COMPONENT, err, NULL,
				       "compressing the live tail failed; serving identity");
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
			     MHD_YES) ||
	    add_config_headers(r, ws->wc))
		goto out;
	ret = queue(c, MHD_HTTP_OK, r, srv->telemetry_path);
	MHD_destroy_response(r);
	buf_free(&live);
	return ret;
out:
	log_warn_errno(COMPONENT, err, NULL, "building the /metrics response failed");
	if (r)
		MHD_destroy_response(r);
	if (sc)
		scrape_free(sc);
	snapshot_put(s);
	buf_free(&live);
	return queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, ws->server_error, srv->telemetry_path);
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

static enum MHD_Result serve_health(struct http_server *srv, const struct web_state *ws,
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
	    add_config_headers(r, ws->wc))
		goto out;
	ret = queue(c, status, r, HEALTH_PATH);
	MHD_destroy_response(r);
	json_decref(doc);
	return ret;
out:
	log_warn_errno(COMPONENT, -ENOMEM, NULL, "building the /health response failed");
	if (r)
		MHD_destroy_response(r);
	free(text);
	json_decref(doc);
	return queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, ws->server_error, HEALTH_PATH);
}

/* ------------------------------------------------------------------------ */
/* Web state: the responses and settings one web config gives */

static void web_state_free(struct web_state *ws)
{
	struct MHD_Response **rs[] = { &ws->index, &ws->not_found, &ws->not_allowed,
				       &ws->no_snapshot, &ws->server_error, &ws->unauthorized,
				       &ws->too_large, &ws->too_many };

	/* libmicrohttpd counts references to responses: one still queued on
	 * a connection lives until that connection is done with it. */
	for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
		if (*rs[i])
			MHD_destroy_response(*rs[i]);
	webconfig_free(ws->wc);
	free(ws);
}

static struct web_state *web_state_get(struct http_server *srv)
{
	struct web_state *ws;

	pthread_mutex_lock(&srv->lock);
	ws = srv->ws;
	atomic_fetch_add(&ws->refs, 1);
	pthread_mutex_unlock(&srv->lock);
	return ws;
}

static void web_state_put(struct web_state *ws)
{
	if (ws && atomic_fetch_sub(&ws->refs, 1) == 1)
		web_state_free(ws);
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

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A body bigger than GET or HEAD could mean: a declared length over the
 * limit, or one of unknown length (chunked), which is refused up front rather
 * than read until it proves too long. */
static bool body_too_large(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n;

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return cl && (parse_u64(cl, &n) || n > HTTP_MAX_BODY);
}

/* The first call of a request, once its headers are in: every refusal is
 * decided here, before any body is read. Auth comes first, as in
 * exporter-toolkit, so that without credentials not even the existence of a
 * path is revealed. */
static enum MHD_Result first_call(struct http_server *srv, const struct web_state *ws,
				  struct MHD_Connection *c, const char *url, const char *method,
				  void **req_cls)
{
	static int request_seen;        /* only its address marks a request as seen */
	enum route rt = route_of(srv, url);

	if (ws->wc && ws->wc->nusers &&
	    webconfig_check_auth(ws->wc, MHD_lookup_connection_value(
						 c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
		return queue(c, MHD_HTTP_UNAUTHORIZED, ws->unauthorized, url);
	/* Errors answer at once: the body, if any, is never read and
	 * libmicrohttpd closes the connection after the response. */
	if (rt == ROUTE_NONE)
		return queue(c, MHD_HTTP_NOT_FOUND, ws->not_found, url);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, ws->not_allowed, url);
	if (body_too_large(c))
		return queue(c, MHD_HTTP_CONTENT_TOO_LARGE, ws->too_large, url);
	/* A response queued before the request is complete costs the
	 * keep-alive (libmicrohttpd 0.9.75 then closes): answer on the
	 * next call, which Prometheus' connection reuse relies on. */
	*req_cls = &request_seen;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct http_server *srv = cls;
	struct web_state *ws;
	enum MHD_Result ret;

	if (!*req_cls) {
		struct conn *cn = conn_of(c);

		self_counter_add(SELF_HTTP_REQUESTS, 1);
		if (cn) {
			pthread_mutex_lock(&srv->lock);
			cn->in_request = true;  /* no deadline while we answer */
			pthread_mutex_unlock(&srv->lock);
		}
		ws = web_state_get(srv);
		ret = first_call(srv, ws, c, url, method, req_cls);
		web_state_put(ws);
		return ret;
	}
	if (*upload_data_size) {
		/* At most HTTP_MAX_BODY bytes (first_call checked the length),
		 * and a GET body means nothing here. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	ws = web_state_get(srv);
	switch (route_of(srv, url)) {
	case ROUTE_METRICS:
		ret = serve_metrics(srv, ws, c);
		break;
	case ROUTE_HEALTH:
		ret = serve_health(srv, ws, c);
		break;
	default:
		ret = queue(c, MHD_HTTP_OK, ws->index, url);
		break;
	}
	web_state_put(ws);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Connection tracking: header deadline, idle deadline, eviction */

/* Ends a connection from outside libmicrohttpd's thread: shutdown() wakes its
 * poll with EOF and it closes the descriptor itself. Safe against reuse of
 * the number because libmicrohttpd tells us CLOSED (which takes srv->lock)
 * before it closes. Called with srv->lock held. */
static void conn_end(struct http_server *srv, struct conn *cn)
{
	if (cn->closing)
		return;
	cn->closing = true;
	srv->nopen--;
	if (cn->fd >= 0)
		shutdown(cn->fd, SHUT_RDWR);
}

/* Room for a newcomer: the oldest connection not inside a request goes. A
 * scraper sends its request as soon as it connects, so floods of idle or
 * slow clients evict each other and never it. Called with srv->lock held. */
static void make_room(struct http_server *srv)
{
	for (struct conn *cn = srv->oldest; cn && srv->nopen > HTTP_MAX_CONNECTIONS;
	     cn = cn->next) {
		if (cn->in_request || cn->closing)
			continue;
		conn_end(srv, cn);
		srv->evicted++;
	}
}

static void conn_started(struct http_server *srv, struct MHD_Connection *c, void **ctx)
{
	const union MHD_ConnectionInfo *fdi =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn *cn = calloc(1, sizeof(*cn));

	if (!cn) {
		/* Untracked means unlimited: refuse instead. */
		if (fdi)
			shutdown(fdi->connect_fd, SHUT_RDWR);
		return;
	}
	cn->fd = fdi ? fdi->connect_fd : -1;
	cn->deadline = now_monotonic() + HTTP_HEADER_TIMEOUT_S;
	pthread_mutex_lock(&srv->lock);
	cn->ws = srv->ws;
	atomic_fetch_add(&cn->ws->refs, 1);
	cn->prev = srv->newest;
	if (srv->newest)
		srv->newest->next = cn;
	else
		srv->oldest = cn;
	srv->newest = cn;
	srv->nopen++;
	if (srv->nopen > HTTP_MAX_CONNECTIONS)
		make_room(srv);
	pthread_mutex_unlock(&srv->lock);
	*ctx = cn;
	if (srv->tls) {
		const union MHD_ConnectionInfo *ti =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

		/* Fail closed: a session we could not configure never
		 * handshakes (the daemon's own credential has no key). */
		if (!ti || !ti->tls_session || !cn->ws->wc ||
		    webconfig_tls_session(cn->ws->wc, ti->tls_session)) {
			pthread_mutex_lock(&srv->lock);
			conn_end(srv, cn);
			pthread_mutex_unlock(&srv->lock);
		}
	}
}

static void conn_closed(struct http_server *srv, struct conn *cn)
{
	if (!cn)
		return;
	pthread_mutex_lock(&srv->lock);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		srv->oldest = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	else
		srv->newest = cn->prev;
	if (!cn->closing)
		srv->nopen--;
	pthread_mutex_unlock(&srv->lock);
	web_state_put(cn->ws);
	free(cn);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(srv, c, socket_context);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		conn_closed(srv, *socket_context);
}

/* A response is done: the connection waits for its next request, which
 * must begin within the idle timeout. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct conn *cn = conn_of(c);

	if (!cn)
		return;
	pthread_mutex_lock(&srv->lock);
	cn->in_request = false;
	cn->deadline = now_monotonic() + HTTP_IDLE_TIMEOUT_S;
	pthread_mutex_unlock(&srv->lock);
}

static void log_closed_counts(uint64_t evicted, uint64_t timed_out)
{
	char e[24], t[24];

	snprintf(e, sizeof(e), "%lu", (unsigned long)evicted);
	snprintf(t, sizeof(t), "%lu", (unsigned long)timed_out);
	log_warnf(COMPONENT, LOG_KV("evicted_for_room", e, "past_deadline", t),
		  "closed connections to stay within limits");
}

/* Ends connections past their deadline, every HTTP_REAP_INTERVAL_MS, and
 * says at most once per MHD_LOG_WINDOW_S how many it ended. */
static void *reap_loop(void *arg)
{
	struct http_server *srv = arg;
	double last_log = 0;

	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
		struct timespec ts;
		double now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HTTP_REAP_INTERVAL_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&srv->wake, &srv->lock, &ts);
		now = now_monotonic();
		for (struct conn *cn = srv->oldest; cn; cn = cn->next) {
			if (!cn->in_request && !cn->closing && now > cn->deadline) {
				conn_end(srv, cn);
				srv->timed_out++;
			}
		}
		if ((srv->evicted || srv->timed_out) && now - last_log >= MHD_LOG_WINDOW_S) {
			uint64_t e = srv->evicted, t = srv->timed_out;

			srv->evicted = srv->timed_out = 0;
			last_log = now;
			pthread_mutex_unlock(&srv->lock);
			log_closed_counts(e, t);
			pthread_mutex_lock(&srv->lock);
		}
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Start, reload and stop */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *srv = cls;
	double now = now_monotonic();
	unsigned int dropped = 0;
	char msg[512], n[16];
	size_t len;
	bool say;

	/* Refused connections are logged one by one; a flood must not
	 * become a log flood. */
	pthread_mutex_lock(&srv->lock);
	if (now - srv->mhd_log_window >= MHD_LOG_WINDOW_S) {
		dropped = srv->mhd_log_dropped;
		srv->mhd_log_window = now;
		srv->mhd_log_lines = srv->mhd_log_dropped = 0;
	}
	say = srv->mhd_log_lines < MHD_LOG_BURST;
	if (say)
		srv->mhd_log_lines++;
	else
		srv->mhd_log_dropped++;
	pthread_mutex_unlock(&srv->lock);
	if (dropped) {
		snprintf(n, sizeof(n), "%u", dropped);
		log_warnf(COMPONENT, LOG_KV("count", n), "libmicrohttpd messages suppressed");
	}
	if (!say)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_warnf(COMPONENT, LOG_KV("detail", msg), "libmicrohttpd");
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
		log_errorf(COMPONENT, LOG_KV("address", addr),
			   "invalid listen address, want [host]:port");
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
			log_errorf(COMPONENT, LOG_KV("address", addr, "err", gai_strerror(rc)),
				   "resolving listen address failed");
			return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
		}
		err = -EADDRNOTAVAIL;
		/* The first address that binds, as Go's net.Listen does. */
		for (struct addrinfo *ai = res; ai && err; ai = ai->ai_next)
			err = bind_listen(ai->ai_family, ai->ai_addr, ai->ai_addrlen, fd_out);
		freeaddrinfo(res);
	}
	if (err) {
		log_error_errno(COMPONENT, err, LOG_KV("address", addr), "listening failed");
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

/* --web.systemd-socket: the first socket of systemd's socket activation
 * protocol (sd_listen_fds(3): LISTEN_PID is us, LISTEN_FDS >= 1, fds from 3).
 * exporter-toolkit serves on it likewise. 0 or -errno, logged. */
static int systemd_listener(int *fd_out, uint16_t *port_out)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint64_t p = 0, n = 0;
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (!pid || !fds || parse_u64(pid, &p) || parse_u64(fds, &n) || p != (uint64_t)getpid() ||
	    n < 1) {
		log_error(COMPONENT, "--web.systemd-socket: no socket passed by systemd "
				     "(LISTEN_PID/LISTEN_FDS unset or not for this process)");
		return -EBADF;
	}
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_STREAM ||
	    getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&ss, &sslen)) {
		log_error(COMPONENT, "--web.systemd-socket: fd 3 is not a stream socket");
		return -ENOTSOCK;
	}
	*fd_out = SD_LISTEN_FDS_START;
	*port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ss.ss_family == AF_INET   ? ntohs(((struct sockaddr_in *)&ss)->sin_port) :
						0;
	return 0;
}

/* Every response a web config fixes, built once per config with its headers.
 * Takes wc (freed on failure). 0 or -ENOMEM. */
static int web_state_new(const struct http_server *srv, struct webconfig *wc,
			 struct web_state **out)
{
	struct web_state *ws = calloc(1, sizeof(*ws));
	struct MHD_Response **rs[8];
	char retry[24];
	int err = -ENOMEM;

	if (!ws) {
		webconfig_free(wc);
		return -ENOMEM;
	}
	atomic_init(&ws->refs, 1);
	ws->wc = wc;
	ws->index = index_response(srv->telemetry_path);
	ws->not_found = static_response("404 page not found\n", CONTENT_TYPE_TEXT);
	ws->not_allowed = static_response("405 method not allowed: use GET or HEAD\n",
					  CONTENT_TYPE_TEXT);
	ws->no_snapshot = static_response("503 no snapshot yet: the first collection has not "
					  "finished; retry after one interval\n",
					  CONTENT_TYPE_TEXT);
	ws->server_error = static_response("500 internal server error (see the daemon's log)\n",
					   CONTENT_TYPE_TEXT);
	ws->unauthorized = static_response("401 Unauthorized\n", CONTENT_TYPE_TEXT);
	ws->too_large = static_response("413 request body too large: GET and HEAD take none\n",
					CONTENT_TYPE_TEXT);
	ws->too_many = static_response("503 too many /metrics requests in flight "
				       "(--web.max-requests); retry later\n",
				       CONTENT_TYPE_TEXT);
	rs[0] = &ws->index, rs[1] = &ws->not_found, rs[2] = &ws->not_allowed;
	rs[3] = &ws->no_snapshot, rs[4] = &ws->server_error, rs[5] = &ws->unauthorized;
	rs[6] = &ws->too_large, rs[7] = &ws->too_many;
	for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
		if (!*rs[i] || add_config_headers(*rs[i], wc))
			goto out;
	snprintf(retry, sizeof(retry), "%.0f", fmax(1, ceil(srv->interval_seconds)));
	if (MHD_add_response_header(ws->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
		    MHD_YES ||
	    MHD_add_response_header(ws->no_snapshot, MHD_HTTP_HEADER_RETRY_AFTER, retry) !=
		    MHD_YES ||
	    MHD_add_response_header(ws->unauthorized, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    "Basic realm=\"" AUTH_REALM "\", charset=\"UTF-8\"") != MHD_YES)
		goto out;
	*out = ws;
	return 0;
out:
	web_state_free(ws);
	return err;
}

/* The daemon's own credential is never used for a handshake: each session
 * gets the current config's in conn_started(). Should that ever not happen,
 * this refuses to present any certificate and the handshake fails. */
static int no_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			  gnutls_pcert_st **pcert, unsigned int *pcert_length,
			  gnutls_privkey_t *pkey)
{
	return -1;
}

/* Every libmicrohttpd option in one place. Returns the count, END included. */
static size_t daemon_options(struct http_server *srv, struct MHD_OptionItem *o, int listen_fd,
			     const char *priorities)
{
	size_t n = 0;

	/* The logger first, or libmicrohttpd prints its own lines until it is set.
	 * Two pointers: the function travels in value, its closure in ptr_value. */
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, srv };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, HTTP_HARD_CONNECTIONS,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					  HTTP_PER_IP_CONNECTIONS, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
					  NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection,
					  srv };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed,
					  srv };
	if (srv->tls) {
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
						  (void *)no_certificate };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)priorities };
	}
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n;
}

/* Every tracked connection needs a descriptor: raise the soft limit toward
 * HTTP_NOFILE_WANTED (systemd starts services at 1024 soft, 512Ki hard). */
static void raise_nofile(void)
{
	struct rlimit rl;
	char have[24];

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= HTTP_NOFILE_WANTED)
		return;
	rl.rlim_cur = rl.rlim_max < HTTP_NOFILE_WANTED ? rl.rlim_max : HTTP_NOFILE_WANTED;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < HTTP_NOFILE_WANTED) {
		snprintf(have, sizeof(have), "%lu", (unsigned long)rl.rlim_cur);
		log_warnf(COMPONENT, LOG_KV("nofile", have),
			  "open-file limit is below what the connection limits need; "
			  "a flood may exhaust it");
	}
}

static void log_web_config(const char *what, const struct http_server *srv,
			   const struct webconfig *wc)
{
	static const char *const auth[] = { "NoClientCert", "RequestClientCert",
					    "RequireAnyClientCert", "VerifyClientCertIfGiven",
					    "RequireAndVerifyClientCert" };
	char users[16];

	snprintf(users, sizeof(users), "%zu", wc->nusers);
	log_infof(COMPONENT,
		  LOG_KV("path", srv->web_config_path, "tls", wc->tls ? "on" : "off",
			 "client_auth_type", wc->tls ? auth[wc->client_auth] : "none",
			 "basic_auth_users", users),
		  "%s", what);
}

/* Loads the web config named at start. 0 or -errno, logged. */
static int load_web_config(struct http_server *srv, struct webconfig **out)
{
	char err[768];
	int rc = webconfig_load(srv->web_config_path, out, err, sizeof(err));

	if (rc)
		log_errorf(COMPONENT, LOG_KV("path", srv->web_config_path, "err", err),
			   "cannot load the web config");
	return rc;
}

/* Absolute, so that a later chdir cannot point SIGHUP at another file; not
 * resolved, so that a symlink swapped by a secret manager is followed anew. */
static char *absolute_path(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

int http_server_start(const struct config *cfg, struct http_server **out)
{
	struct MHD_OptionItem opts[HTTP_MAX_OPTIONS];
	struct http_server *srv = calloc(1, sizeof(*srv));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	const char *addr = cfg->listen_address ? cfg->listen_address : DEFAULT_LISTEN_ADDRESS;
	const char *path = cfg->telemetry_path ? cfg->telemetry_path : "/metrics";
	struct webconfig *wc = NULL;
	char priorities[128] = "";
	int fd = -1, err = -ENOMEM;

	if (!srv)
		goto out;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->wake, NULL);
	if (path[0] != '/') {
		log_errorf(COMPONENT, LOG_KV("path", path), "telemetry path must start with '/'");
		err = -EINVAL;
		goto out;
	}
	srv->telemetry_path = strdup(path);
	srv->interval_seconds = (double)cfg->interval_ms / 1000.0;
	srv->exporter_metrics = !cfg->disable_exporter_metrics;
	srv->max_in_flight = cfg->max_requests;
	if (!srv->telemetry_path)
		goto out;
	if (cfg->web_config_file) {
		srv->web_config_path = absolute_path(cfg->web_config_file);
		if (!srv->web_config_path)
			goto out;
		err = load_web_config(srv, &wc);
		if (err)
			goto out;
		srv->tls = wc->tls;
		if (wc->tls)
			webconfig_tls_priority(wc, priorities, sizeof(priorities));
		log_web_config("web config loaded", srv, wc);
	}
	err = web_state_new(srv, wc, &srv->ws);        /* takes wc */
	if (err)
		goto out;
	raise_nofile();
	err = cfg->systemd_socket ? systemd_listener(&fd, &srv->port) :
				    open_listener(addr, &fd, &srv->port);
	if (err)
		goto out;
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL :
									   MHD_USE_POLL;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	daemon_options(srv, opts, fd, priorities);
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
				       opts, MHD_OPTION_END);
	if (!srv->daemon) {
		/* libmicrohttpd may already have closed fd on its way out;
		 * closing it again could hit another thread's new descriptor,
		 * and the caller exits anyway. */
		log_errorf(COMPONENT, LOG_KV("address", addr), "starting libmicrohttpd failed");
		err = -EIO;
		goto out;
	}
	err = -pthread_create(&srv->reaper, NULL, reap_loop, srv);
	if (err) {
		log_error_errno(COMPONENT, err, NULL, "starting the connection reaper failed");
		goto out;
	}
	srv->reaper_started = true;
	pthread_mutex_lock(&running_lock);
	srv->next_running = running;
	running = srv;
	pthread_mutex_unlock(&running_lock);
	/* main() logs the success line; the bound port matters with port 0. */
	log_debugf(COMPONENT, LOG_KV("address", addr, "path", srv->telemetry_path),
		   "libmicrohttpd started");
	*out = srv;
	return 0;
out:
	if (err == -ENOMEM)
		log_error_errno(COMPONENT, err, NULL, "starting the HTTP server failed");
	http_server_stop(srv);
	return err;
}

int http_server_reload(struct http_server *srv)
{
	struct web_state *ws, *old;
	struct webconfig *wc = NULL;
	int err;

	if (!srv->web_config_path)
		return 0;
	err = load_web_config(srv, &wc);
	if (err) {
		log_errorf(COMPONENT, LOG_KV("path", srv->web_config_path),
			   "web config not reloaded; keeping the previous settings");
		return err;
	}
	/* libmicrohttpd decides HTTP or HTTPS once, at start. */
	if (wc->tls != srv->tls) {
		log_errorf(COMPONENT, LOG_KV("path", srv->web_config_path),
			   "web config not reloaded: switching between HTTP and HTTPS "
			   "needs a restart; keeping the previous settings");
		webconfig_free(wc);
		return -EINVAL;
	}
	err = web_state_new(srv, wc, &ws);             /* takes wc */
	if (err) {
		log_error_errno(COMPONENT, err, NULL,
				"web config not reloaded; keeping the previous settings");

		return err;
	}
	pthread_mutex_lock(&srv->lock);
	old = srv->ws;
	srv->ws = ws;
	pthread_mutex_unlock(&srv->lock);
	log_web_config("web config reloaded", srv, ws->wc);
	/* Connections that handshook with the old config keep it until they close. */
	web_state_put(old);
	return 0;
}

void http_servers_reload(void)
{
	pthread_mutex_lock(&running_lock);
	for (struct http_server *s = running; s; s = s->next_running)
		http_server_reload(s);
	pthread_mutex_unlock(&running_lock);
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_lock(&running_lock);
	for (struct http_server **p = &running; *p; p = &(*p)->next_running) {
		if (*p == srv) {
			*p = srv->next_running;
			break;
		}
	}
	pthread_mutex_unlock(&running_lock);
	if (srv->reaper_started) {
		pthread_mutex_lock(&srv->lock);
		srv->stopping = true;
		pthread_cond_broadcast(&srv->wake);
		pthread_mutex_unlock(&srv->lock);
		pthread_join(srv->reaper, NULL);
	}
	/* Closes the listening socket and every connection; in-flight
	 * responses are freed, dropping their snapshot references, and each
	 * connection's CLOSED notice drops its web state reference. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	web_state_put(srv->ws);
	free(srv->telemetry_path);
	free(srv->web_config_path);
	pthread_cond_destroy(&srv->wake);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}
