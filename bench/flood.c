/* flood: holds many idle and slow-header HTTP connections against one
 * loopback port, from loopback source addresses other than 127.0.0.1, for a
 * bounded time. Used by tests/integration/flood.sh and bench/flood.sh.
 *
 *   flood --port P [--idle 1100] [--slow 200] [--per-ip 8] [--seconds 20]
 *         [--status FILE]
 *
 * Idle connections connect and send nothing. Slow-header clients send a
 * request line and then one byte of a header that never ends every second
 * (slowloris). A connection the server closes is opened again after 50 ms,
 * so the pressure holds for the whole run. Sources are 127.0.0.2 upwards,
 * per-ip connections each; the program refuses any address outside
 * 127.0.0.0/8 or equal to 127.0.0.1 (the scraper's). Every second it writes
 * "open=N idle=N slow=N opened=N closed_by_server=N closed_slow=N
 * connect_failed=N" to --status (and at exit to stdout).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 8192
#define RECONNECT_DELAY 0.05
#define SLOW_PERIOD 1.0

struct slot {
	int fd;
	bool slow;
	bool connected;
	uint32_t src;           /* host order */
	double next;            /* reconnect at, or next slow byte at */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct {
	unsigned long opened, closed_by_server, closed_slow, connect_failed;
} st;

static void drop_slot(struct slot *s, double t);

static int open_slot(struct slot *s, uint16_t port)
{
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(s->src) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	/* Loopback only, and never the scraper's address. */
	if ((s->src >> 24) != 127 || s->src == INADDR_LOOPBACK) {
		fprintf(stderr, "flood: refusing source address outside 127.0.0.2-127.255.255.254\n");
		exit(2);
	}
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&src, sizeof(src)) ||
	    (connect(s->fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS)) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		st.connect_failed++;
		return err;
	}
	s->connected = false;
	s->next = now() + SLOW_PERIOD;
	st.opened++;
	return 0;
}

/* The server ended it: refused, reset, closed, or answered with an error. */
static void server_closed(struct slot *s, double t)
{
	st.closed_by_server++;
	st.closed_slow += s->slow;
	drop_slot(s, t);
}

static void drop_slot(struct slot *s, double t)
{
	close(s->fd);
	s->fd = -1;
	s->connected = false;
	s->next = t + RECONNECT_DELAY;
}

static void status(FILE *f, const struct slot *slots, size_t n)
{
	size_t open = 0, idle = 0, slow = 0;

	for (size_t i = 0; i < n; i++) {
		if (slots[i].fd < 0 || !slots[i].connected)
			continue;
		open++;
		if (slots[i].slow)
			slow++;
		else
			idle++;
	}
	fprintf(f, "open=%zu idle=%zu slow=%zu opened=%lu closed_by_server=%lu closed_slow=%lu "
		   "connect_failed=%lu\n",
		open, idle, slow, st.opened, st.closed_by_server, st.closed_slow, st.connect_failed);
}

int main(int argc, char **argv)
{
	unsigned long idle = 1100, slow = 200, per_ip = 8, port = 0;
	double seconds = 20, end, last_status = 0;
	const char *status_path = NULL;
	struct pollfd *pfd;
	struct slot *slots;
	struct rlimit rl;
	size_t n;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--idle"))
			idle = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--slow"))
			slow = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--per-ip"))
			per_ip = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--status"))
			status_path = argv[i + 1];
		else {
			fprintf(stderr, "flood: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	n = idle + slow;
	if (!port || port > 65535 || !per_ip || n == 0 || n > MAX_CONNS || seconds <= 0 ||
	    seconds > 600 || (n + per_ip - 1) / per_ip > 0xfffffd) {
		fprintf(stderr, "usage: flood --port P [--idle N] [--slow N] [--per-ip N] "
				"[--seconds S<=600] [--status FILE]  (idle+slow <= %d)\n", MAX_CONNS);
		return 2;
	}
	/* One descriptor per connection, and a few to spare. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	slots = calloc(n, sizeof(*slots));
	pfd = calloc(n, sizeof(*pfd));
	if (!slots || !pfd)
		return 1;
	end = now() + seconds;
	for (size_t i = 0; i < n; i++) {
		slots[i].slow = i >= idle;
		slots[i].src = INADDR_LOOPBACK + 1 + (uint32_t)(i / per_ip);
		slots[i].fd = -1;
		open_slot(&slots[i], (uint16_t)port);
	}
	while (now() < end) {
		double t = now();

		for (size_t i = 0; i < n; i++) {
			struct slot *s = &slots[i];

			pfd[i].fd = s->fd;
			pfd[i].events = s->connected ? POLLIN : POLLOUT;
			pfd[i].revents = 0;
			if (s->fd < 0 && t >= s->next)
				open_slot(s, (uint16_t)port);
			pfd[i].fd = s->fd;
		}
		poll(pfd, n, 100);
		t = now();
		for (size_t i = 0; i < n; i++) {
			struct slot *s = &slots[i];
			char buf[512];

			if (s->fd < 0)
				continue;
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLIN)) {
				/* Refused, reset, closed, or answered (an error
				 * page): the server is done with us. */
				if (!s->connected || read(s->fd, buf, sizeof(buf)) <= 0 ||
				    (pfd[i].revents & (POLLERR | POLLHUP))) {
					server_closed(s, t);
					continue;
				}
			}
			if (!s->connected && (pfd[i].revents & POLLOUT)) {
				int err = 0;
				socklen_t len = sizeof(err);

				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err) {
					st.connect_failed++;
					drop_slot(s, t);
					continue;
				}
				s->connected = true;
				if (s->slow) {
					static const char line[] =
						"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";

					if (write(s->fd, line, sizeof(line) - 1) < 0) {
						drop_slot(s, t);
						continue;
					}
					s->next = t + SLOW_PERIOD;
				}
			}
			if (s->connected && s->slow && t >= s->next) {
				if (write(s->fd, "a", 1) < 0) {
					server_closed(s, t);
					continue;
				}
				s->next = t + SLOW_PERIOD;
			}
		}
		if (status_path && t - last_status >= 1.0) {
			char tmp[4096];
			FILE *f;

			snprintf(tmp, sizeof(tmp), "%s.tmp", status_path);
			f = fopen(tmp, "w");
			if (f) {
				status(f, slots, n);
				fclose(f);
				rename(tmp, status_path);
			}
			last_status = t;
		}
	}
	status(stdout, slots, n);
	for (size_t i = 0; i < n; i++)
		if (slots[i].fd >= 0)
			close(slots[i].fd);
	free(slots);
	free(pfd);
	return 0;
}
