/* HTTP connection tracking and limits.
 *
 * Every connection is tracked from accept to close (struct conn) so that
 * three limits hold whatever libmicrohttpd 0.9.75 lacks: a deadline for the
 * request headers (slow-header clients), a deadline for the next request on
 * an idle keep-alive connection, and, when the connection count reaches
 * HTTP_MAX_CONNECTIONS, room made for the newcomer by closing the oldest
 * connection that is not in a request. A flood of idle or slow clients
 * therefore delays nobody who sends a request at once, as a scraper does; a
 * per-address limit keeps one address from holding many. The limits that
 * libmicrohttpd enforces itself are handed to it from here too, so every
 * number lives in this file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "http_internal.h"
#include "log.h"
#include "util.h"
#include "webconfig.h"

/* Connection limits. A handful of Prometheus servers and people scrape one
 * host; the numbers are set for floods, not for them. Beyond
 * HTTP_MAX_CONNECTIONS the oldest connection waiting for a request is closed
 * for each new one; libmicrohttpd refuses outright only beyond the hard limit,
 * which eviction keeps it from reaching (it lags by at most one accept batch).
 * One address (a NAT gateway, a Prometheus HA pair behind one) holds at most
 * HTTP_PER_IP_CONNECTIONS. */
#define HTTP_MAX_CONNECTIONS 2048
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

/* One accepted connection, from libmicrohttpd's STARTED to CLOSED notice. */
struct conn {
	struct conn *prev, *next;       /* srv->conns, oldest first */
	struct web_state *ws;           /* a reference: the TLS settings it started with */
	int fd;
	double deadline;                /* monotonic: a request must have begun by then */
	bool in_request;                /* headers read, response not finished */
	bool closing;                   /* shut down by us; libmicrohttpd closes it */
};

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void http_conn_request_started(struct http_server *srv, struct MHD_Connection *c)
{
	struct conn *cn = conn_of(c);

	if (!cn)
		return;
	pthread_mutex_lock(&srv->lock);
	cn->in_request = true;
	pthread_mutex_unlock(&srv->lock);
}

/* A body bigger than GET or HEAD could mean: a declared length over the
 * limit, or one of unknown length (chunked), which is refused up front rather
 * than read until it proves too long. */
bool http_body_too_large(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n;

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return cl && (parse_u64(cl, &n) || n > HTTP_MAX_BODY);
}

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
	http_web_state_put(cn->ws);
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
 * says at most once per HTTP_LOG_WINDOW_S how many it ended. */
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
		if ((srv->evicted || srv->timed_out) && now - last_log >= HTTP_LOG_WINDOW_S) {
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

int http_reaper_start(struct http_server *srv)
{
	int err = -pthread_create(&srv->reaper, NULL, reap_loop, srv);

	srv->reaper_started = !err;
	return err;
}

void http_reaper_stop(struct http_server *srv)
{
	if (!srv->reaper_started)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->wake);
	pthread_mutex_unlock(&srv->lock);
	pthread_join(srv->reaper, NULL);
	srv->reaper_started = false;
}

void http_conn_options(struct http_server *srv, struct MHD_OptionItem *o, size_t *n)
{
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, HTTP_HARD_CONNECTIONS,
					     NULL };
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					     HTTP_PER_IP_CONNECTIONS, NULL };
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
					     NULL };
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					     HTTP_CONN_MEMORY, NULL };
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
					     (intptr_t)on_connection, srv };
	o[(*n)++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed,
					     srv };
}

/* Every tracked connection needs a descriptor: raise the soft limit toward
 * HTTP_NOFILE_WANTED (systemd starts services at 1024 soft, 512Ki hard). */
void http_conn_raise_nofile(void)
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
