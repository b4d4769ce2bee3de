/* HTTP server: the snapshot to Prometheus and to people.
 *
 * The last stage of the data flow: handlers only read published snapshots and
 * live self-state, never collectors. This file starts, reloads and stops the
 * server and routes each request; the pieces it routes to and the limits it
 * enforces live beside it (http_internal.h lists them): /metrics in
 * metrics_handler.c, /health in health_handler.c, connection tracking and
 * limits in conn.c, the listening socket in listen.c, Accept-Encoding in
 * negotiate.c.
 *
 * libmicrohttpd runs one internal polling thread (epoll where available):
 * every handler is a few microseconds of work, so a pool would only add
 * contention on a 2-core host. Responses that never change (/, 401, 404, 405,
 * 413, 500, 503) are built once per web config and shared.
 *
 * Hostile networks: the web config (webconfig.c) adds TLS, client
 * certificates, basic auth and extra headers; SIGHUP swaps in a freshly
 * loaded one (struct web_state) without touching the listener, and a file that
 * does not load keeps the old one.
 */
#include <errno.h>
#include <gnutls/abstract.h>
#include <limits.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "health.h"
#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "util.h"
#include "webconfig.h"

#define HTTP_MAX_OPTIONS 24
/* libmicrohttpd logs every refused connection: under a flood, keep at most
 * this many lines per HTTP_LOG_WINDOW_S and count the rest. */
#define MHD_LOG_BURST 5
#define AUTH_REALM "infra-monitor"

/* Servers to reload on SIGHUP (one in practice; tests start several). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_server *running;

enum MHD_Result http_queue(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r,
			   const char *what)
{
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	if (ret != MHD_YES)
		log_warnf(COMPONENT, LOG_KV("path", what), "queueing response failed");
	return ret;
}

int http_add_config_headers(struct MHD_Response *r, const struct webconfig *wc)
{
	for (size_t i = 0; wc && i < wc->nheaders; i++)
		if (MHD_add_response_header(r, wc->headers[i].name, wc->headers[i].value) != MHD_YES)
			return -ENOMEM;
	return 0;
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

struct web_state *http_web_state_get(struct http_server *srv)
{
	struct web_state *ws;

	pthread_mutex_lock(&srv->lock);
	ws = srv->ws;
	atomic_fetch_add(&ws->refs, 1);
	pthread_mutex_unlock(&srv->lock);
	return ws;
}

void http_web_state_put(struct web_state *ws)
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
		return http_queue(c, MHD_HTTP_UNAUTHORIZED, ws->unauthorized, url);
	/* Errors answer at once: the body, if any, is never read and
	 * libmicrohttpd closes the connection after the response. */
	if (rt == ROUTE_NONE)
		return http_queue(c, MHD_HTTP_NOT_FOUND, ws->not_found, url);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, ws->not_allowed, url);
	if (http_body_too_large(c))
		return http_queue(c, MHD_HTTP_CONTENT_TOO_LARGE, ws->too_large, url);
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
		self_counter_add(SELF_HTTP_REQUESTS, 1);
		http_conn_request_started(srv, c);
		ws = http_web_state_get(srv);
		ret = first_call(srv, ws, c, url, method, req_cls);
		http_web_state_put(ws);
		return ret;
	}
	if (*upload_data_size) {
		/* At most HTTP_MAX_BODY bytes (first_call checked the length),
		 * and a GET body means nothing here. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	ws = http_web_state_get(srv);
	switch (route_of(srv, url)) {
	case ROUTE_METRICS:
		ret = http_serve_metrics(srv, ws, c);
		break;
	case ROUTE_HEALTH:
		ret = http_serve_health(srv, ws, c);
		break;
	default:
		ret = http_queue(c, MHD_HTTP_OK, ws->index, url);
		break;
	}
	http_web_state_put(ws);
	return ret;
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
	if (now - srv->mhd_log_window >= HTTP_LOG_WINDOW_S) {
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
		if (!*rs[i] || http_add_config_headers(*rs[i], wc))
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
	http_conn_options(srv, o, &n);
	if (srv->tls) {
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
						  (void *)no_certificate };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)priorities };
	}
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n;
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
	http_conn_raise_nofile();
	err = cfg->systemd_socket ? http_systemd_listener(&fd, &srv->port) :
				    http_open_listener(addr, &fd, &srv->port);
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
	err = http_reaper_start(srv);
	if (err) {
		log_error_errno(COMPONENT, err, NULL, "starting the connection reaper failed");
		goto out;
	}
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
	http_web_state_put(old);
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
	http_reaper_stop(srv);
	/* Closes the listening socket and every connection; in-flight
	 * responses are freed, dropping their snapshot references, and each
	 * connection's CLOSED notice drops its web state reference. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	http_web_state_put(srv->ws);
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
