/* libFuzzer target: HTTP request handling, end to end. The real server
 * (libmicrohttpd plus server.c's routing, Accept-Encoding negotiation,
 * /metrics, /health, the index page and, when present, the web config's
 * authentication) listens on a loopback port inside the fuzzer; each input is
 * sent as the raw bytes of one connection, the write side is shut, and the
 * response is read to the end. The header parsers server.c exposes are also
 * called on the input directly, which is far faster per execution. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_server *srv;
static struct sockaddr_in addr;

static void start(void)
{
	char *argv[] = {"infra-monitor", "--web.listen-address=127.0.0.1:0", NULL};
	struct config cfg;
	struct snapshot *s;

	log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
	if (config_load(&cfg, 2, argv) || http_server_start(&cfg, &srv))
		abort();
	config_free(&cfg);
	s = snapshot_new();
	if (!s || snapshot_render(s, NULL))
		abort();
	snapshot_publish(s);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(http_server_port(srv));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void one_connection(const uint8_t *data, size_t size)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[65536];

	if (fd < 0)
		abort();
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		abort(); /* the server died: that is the crash to report */
	while (size) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server closed early (a 4xx): fine */
		data += n;
		size -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		/* A half-read request waits for the server's timeout; do not. */
		if (poll(&p, 1, 200) <= 0 || read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, host[256];
	uint16_t port;

	if (!srv)
		start();
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	http_accepts_gzip(text);
	http_parse_listen_address(text, host, sizeof(host), &port);
	free(text);
	one_connection(data, size);
	return 0;
}
