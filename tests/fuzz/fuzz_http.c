/* libFuzzer target: HTTP request handling, end to end. The real server
 * (libmicrohttpd plus src/http/: routing, connection limits, Accept-Encoding
 * negotiation, /metrics, /health, the index page and basic authentication with
 * one user from a web config) listens on a loopback port inside the fuzzer;
 * each input is sent as the raw bytes of one connection and the response is
 * read to the end. The parsers include/http.h exposes (listen address,
 * Accept-Encoding) are also called on the input directly, which is far faster
 * per execution. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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

/* Basic auth on, so the Authorization decoder and the user check run too:
 * alice:secret at bcrypt cost 4, cheap enough for a fuzzer. */
static const char web_yml[] =
    "basic_auth_users:\n"
    "  alice: $2b$04$frmcLhgwBzjS0c9DnvIuhOW138R8J1FqXE4n1vJOTPFdXgVWP9512\n";

static int try_start(const char *web_config)
{
	char flag[PATH_MAX + 32];
	char *argv[] = {"infra-monitor", "--web.listen-address=127.0.0.1:0", flag, NULL};
	struct config cfg;
	int err;

	snprintf(flag, sizeof(flag), "--web.config.file=%s", web_config ? web_config : "");
	if (config_load(&cfg, web_config ? 3 : 2, argv))
		return -EINVAL;
	err = http_server_start(&cfg, &srv);
	config_free(&cfg);
	return err;
}

static void start(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[PATH_MAX];
	struct snapshot *s;
	FILE *f;

	log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
	snprintf(path, sizeof(path), "%s/im-fuzz-web-%d.yml", tmp, (int)getpid());
	f = fopen(path, "w");
	if (!f || fputs(web_yml, f) < 0 || fclose(f))
		abort();
	/* Without web config support in this tree, serve without auth. */
	if (try_start(path) && try_start(NULL))
		abort();
	unlink(path);
	s = snapshot_new();
	if (!s || snapshot_render(s, NULL))
		abort();
	snapshot_publish(s);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(http_server_port(srv));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* 0 once connected. A connect() that libFuzzer's timer signal interrupts
 * (EINTR) goes on in the kernel: wait for it, up to 10 s for a server starved
 * of CPU by a parallel fuzzer. Refused, or not accepted in time, is the
 * crash to report: the server died or stopped accepting. */
static int connect_to_server(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return 0;
	if (errno == EINTR) {
		for (int waited = 0; waited < 10000 && !(p.revents & POLLOUT); waited += 100)
			if (poll(&p, 1, 100) < 0 && errno != EINTR)
				break;
		if (p.revents & POLLOUT && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) && !err)
			return 0;
		errno = err ? err : ETIMEDOUT;
	}
	fprintf(stderr, "fuzz_http: connect to the server: %s\n", strerror(errno));
	return -1;
}

static void one_connection(const uint8_t *data, size_t size)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[65536];
	int complete = memmem(data, size, "\r\n\r\n", 4) || memmem(data, size, "\n\n", 2);

	if (fd < 0)
		abort();
	/* The client closes with a reset: a FIN would park every run's port in
	 * TIME-WAIT for a minute, and a few hundred runs a second (after the
	 * flood tests' tens of thousands of connections) exhaust the ephemeral
	 * ports, which is no fault of the server. */
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ .l_onoff = 1 },
		       sizeof(struct linger)))
		abort();
	if (connect_to_server(fd))
		abort();
	while (size) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server closed early (a 4xx): fine */
		data += n;
		size -= (size_t)n;
	}
	/* No shutdown(): libmicrohttpd drops a half-closed connection
	 * unanswered. A request with its blank line gets 50 ms for the first
	 * byte of an answer, one without it 5 ms; then the answer is read
	 * until 5 ms pass without more (keep-alive holds the connection). */
	for (int first = 1;; first = 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, first && complete ? 50 : 5) <= 0 || read(fd, buf, sizeof(buf)) <= 0)
			break;
		if (getenv("FUZZ_HTTP_DEBUG"))
			fprintf(stderr, "answer: %.12s\n", buf);
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
