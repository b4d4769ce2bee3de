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
 * /health and /, with TLS, client certificates, basic auth and headers from
 * cfg->web_config_file when set (webconfig.h), and the connection limits of
 * conn.c. Reads cfg->interval_ms for staleness; cfg may be freed
 * afterwards. 0 or -errno (logged, naming the address, file or step). */
int http_server_start(const struct config *cfg, struct http_server **out);
/* Re-reads cfg->web_config_file (certificates and users included) and
 * swaps it in without touching the listener; a file that does not load, or
 * one switching between HTTP and HTTPS, keeps the old settings. Logs either
 * way. 0 or -errno; 0 when no web config is in use. */
int http_server_reload(struct http_server *srv);
/* http_server_reload() for every running server: main() calls it on SIGHUP. */
void http_servers_reload(void);
/* Stops accepting, finishes nothing in flight, frees. NULL-safe. */
void http_server_stop(struct http_server *srv);
/* The bound port (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);

/* The parsers of untrusted text, exposed for tests and fuzzing. */
/* listen.c */
/* Splits a listen address into host ("" for all addresses) and port.
 * 0 or -EINVAL. */
int http_parse_listen_address(const char *addr, char *host, size_t hostsz, uint16_t *port);
/* negotiate.c */
/* Whether an Accept-Encoding value (several headers joined with ",")
 * allows gzip: an explicit gzip or x-gzip entry decides, else "*"; q=0 refuses.
 * NULL means no header: identity only. */
int http_accepts_gzip(const char *accept_encoding);

#endif
