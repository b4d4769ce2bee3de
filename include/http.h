/* The HTTP side: /metrics (the current snapshot's Prometheus text plus live
 * process, self and health lines), /health (JSON), / (a small index page).
 * libmicrohttpd serves from its own thread; handlers only read published
 * snapshots and live self-state, never collectors.
 */
#ifndef IM_HTTP_H
#define IM_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct http_server;

/* server.c */
/* Binds cfg->listen_address ("[host]:port", "host:port", ":port" for every
 * address; port 0 picks a free one) and starts serving cfg->telemetry_path,
 * /health and /. Reads cfg->interval_ms for staleness; cfg may be freed
 * afterwards. 0 or -errno (logged, naming the address and the step). */
int http_server_start(const struct config *cfg, struct http_server **out);
/* Stops accepting, finishes nothing in flight, frees. NULL-safe. */
void http_server_stop(struct http_server *srv);
/* The bound port (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);

/* Exposed for tests. */
/* Splits a listen address into host ("" for all addresses) and port.
 * 0 or -EINVAL. */
int http_parse_listen_address(const char *addr, char *host, size_t hostsz, uint16_t *port);
/* Whether an Accept-Encoding value (several headers joined with ",")
 * allows gzip: an explicit gzip or x-gzip entry decides, else "*"; q=0 refuses.
 * NULL means no header: identity only. */
int http_accepts_gzip(const char *accept_encoding);

#endif
