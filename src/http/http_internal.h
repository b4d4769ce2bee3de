/* What the files of the HTTP server share, and nothing outside src/http/ sees:
 * the server and web-state structures, and each file's exports under its name
 * (include/http.h is the module's public contract).
 *
 *   server.c           start, reload, stop; libmicrohttpd options; routing
 *   conn.c             connection tracking and limits: deadlines, eviction
 *   listen.c           listen address parsing and the listening socket
 *   negotiate.c        Accept-Encoding negotiation
 *   metrics_handler.c  /metrics: the snapshot's exposition plus a live tail
 *   health_handler.c   the health verdict: /health and infra_monitor_healthy
 */
#ifndef IM_HTTP_INTERNAL_H
#define IM_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"

#ifndef IM_VERSION
#define IM_VERSION "unknown"
#endif
#ifndef IM_REVISION
#define IM_REVISION "unknown"
#endif

#define COMPONENT "http"
#define HEALTH_PATH "/health"

#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_JSON "application/json"
/* A condition that repeats under a flood (refused or evicted connections) is
 * logged at most once per this many seconds, with a count. */
#define HTTP_LOG_WINDOW_S 10.0

struct buf;
struct conn;
struct snapshot;
struct webconfig;

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
	/* conn.c's */
	struct conn *oldest, *newest;
	size_t nopen;                   /* tracked and not being closed by us */
	uint64_t evicted, timed_out;    /* since the last log line about them */
	bool stopping;
	pthread_cond_t wake;
	pthread_t reaper;
	bool reaper_started;
	/* server.c's */
	double mhd_log_window;
	unsigned int mhd_log_lines, mhd_log_dropped;
	struct http_server *next_running;
};

/* server.c */
/* The current web state, with a reference the caller drops. */
struct web_state *http_web_state_get(struct http_server *srv);
void http_web_state_put(struct web_state *ws);
/* Queues r, logging a failure that names what was being answered. */
enum MHD_Result http_queue(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r,
			   const char *what);
/* The web config's extra headers (exporter-toolkit's http_server_config.headers),
 * on every response. 0 or -ENOMEM. */
int http_add_config_headers(struct MHD_Response *r, const struct webconfig *wc);

/* conn.c */
/* Appends the connection limits and tracking callbacks to o at *n. */
void http_conn_options(struct http_server *srv, struct MHD_OptionItem *o, size_t *n);
/* Raises the soft open-file limit toward what the connection limits need. */
void http_conn_raise_nofile(void);
/* The request's headers are in: no deadline while it is answered. */
void http_conn_request_started(struct http_server *srv, struct MHD_Connection *c);
/* A declared body beyond what GET or HEAD could carry, or a chunked one. */
bool http_body_too_large(struct MHD_Connection *c);
/* The thread that ends connections past their deadline. 0 or -errno. */
int http_reaper_start(struct http_server *srv);
void http_reaper_stop(struct http_server *srv);

/* listen.c */
/* Opens the listening socket for addr: 0 or -errno, logged. */
int http_open_listener(const char *addr, int *fd_out, uint16_t *port_out);
/* --web.systemd-socket: the first socket systemd passed. 0 or -errno, logged. */
int http_systemd_listener(int *fd_out, uint16_t *port_out);

/* negotiate.c */
/* Whether the request's Accept-Encoding headers allow gzip. */
int http_wants_gzip(struct MHD_Connection *c);

/* metrics_handler.c */
enum MHD_Result http_serve_metrics(struct http_server *srv, const struct web_state *ws,
				   struct MHD_Connection *c);

/* health_handler.c */
enum MHD_Result http_serve_health(struct http_server *srv, const struct web_state *ws,
				  struct MHD_Connection *c);
/* infra_monitor_healthy, the snapshot's age and each component's state,
 * measured now: the snapshot cannot carry them, it may be what is late. */
void http_health_fill_metrics(const struct http_server *srv, const struct snapshot *s,
			      struct metric_set *ms);

#endif
