// SPDX-License-Identifier: MIT
/* The kernel matrix's workload, static so that it runs in a bare busybox guest.
 *   kwork disk DEV N      N direct 4 KiB writes then N direct reads on DEV (O_DIRECT), an fsync
 *                         after every 8 writes; prints how many I/Os it issued
 *   kwork tcp N           N loopback TCP connections, each sending and echoing 4 KiB
 *   kwork rst N           N connects to a closed loopback port (the kernel answers with RST), then
 *                         N connections closed with SO_LINGER 0 (an abort: a RST sent from a
 *                         socket; on 6.1 tcp:tcp_send_reset does not fire for the socket-less RST
 *                         that answers a closed port, as the matrix's probes show)
 *   kwork cpu MS [K]      K busy processes (default 2 x CPUs) for MS milliseconds: run-queue waits
 *   kwork get PORT PATH   HTTP/1.0 GET http://127.0.0.1:PORT/PATH, body on stdout; exit 0 on 200
 *                         (busybox-static's wget crashes in a bare initramfs: no NSS)
 * Every loop is bounded; the program exits non-zero on any unexpected failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "kwork: %s: %s\n", what, strerror(errno));
	return 1;
}

static int disk(const char *dev, int n)
{
	void *buf;
	int fd = open(dev, O_RDWR | O_DIRECT);
	long ios = 0, flushes = 0;

	if (fd < 0)
		return die(dev);
	if (posix_memalign(&buf, 4096, 4096))
		return die("posix_memalign");
	memset(buf, 0xa5, 4096);
	for (int i = 0; i < n; i++) {
		if (pwrite(fd, buf, 4096, (off_t)i * 8192) != 4096)
			return die("pwrite");
		ios++;
		if (i % 8 == 7) {
			if (fsync(fd))
				return die("fsync");
			flushes++;
		}
	}
	if (fsync(fd))
		return die("fsync");
	flushes++;
	for (int i = 0; i < n; i++) {
		if (pread(fd, buf, 4096, (off_t)i * 8192) != 4096)
			return die("pread");
		ios++;
	}
	close(fd);
	printf("kwork disk dev=%s ios=%ld fsyncs=%ld\n", dev, ios, flushes);
	return 0;
}

static int listen_any(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (void *)sa, sizeof(*sa)) || listen(fd, 128) ||
	    getsockname(fd, (void *)sa, &len))
		return -1;
	return fd;
}

static int tcp(int n)
{
	struct sockaddr_in sa;
	static char buf[4096];
	int lfd = listen_any(&sa), ok = 0;
	pid_t srv;

	if (lfd < 0)
		return die("listen");
	srv = fork();
	if (srv == 0) {
		for (int i = 0; i < n; i++) {
			int c = accept(lfd, NULL, NULL);
			ssize_t got = 0, r;

			if (c < 0)
				_exit(1);
			while (got < (ssize_t)sizeof(buf) && (r = read(c, buf, sizeof(buf) - got)) > 0)
				got += r;
			if (write(c, buf, got) != got)
				_exit(1);
			close(c);
		}
		_exit(0);
	}
	close(lfd);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t got = 0, r;

		if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)))
			return die("connect");
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return die("write");
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			got += r;
		close(fd);
		ok += got == sizeof(buf);
	}
	int st = 1;
	waitpid(srv, &st, 0);
	printf("kwork tcp connections=%d ok=%d server=%d\n", n, ok, st);
	return !(ok == n && st == 0);
}

static int rst(int n)
{
	struct sockaddr_in sa;
	int lfd = listen_any(&sa), refused = 0;

	if (lfd < 0)
		return die("listen");
	close(lfd); /* the port is now closed: a SYN to it is answered with RST */
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(fd, (void *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED)
			refused++;
		close(fd);
	}
	lfd = listen_any(&sa);
	if (lfd < 0)
		return die("listen");
	int aborted = 0;
	for (int i = 0; i < n; i++) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		int fd = socket(AF_INET, SOCK_STREAM, 0), c;

		if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)))
			return die("connect");
		c = accept(lfd, NULL, NULL);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		if (c >= 0)
			close(c);
		aborted++;
	}
	close(lfd);
	printf("kwork rst attempts=%d refused=%d aborted=%d\n", n, refused, aborted);
	return refused == 0;
}

static int cpu(int ms, int k)
{
	struct timespec t0, t;

	for (int i = 0; i < k; i++) {
		if (fork() == 0) {
			volatile unsigned long x = 0;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				for (int j = 0; j < 100000; j++)
					x += j;
				clock_gettime(CLOCK_MONOTONIC, &t);
			} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	printf("kwork cpu ms=%d procs=%d\n", ms, k);
	return 0;
}

static int get(int port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	static char buf[1 << 16];
	char req[512];
	size_t len = 0, cap = 1 << 20;
	char *all = malloc(cap), *body;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || !all)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (void *)&sa, sizeof(sa)))
		return die("connect");
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (write(fd, req, n) != n)
		return die("write");
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (len + r + 1 > cap) {
			cap = 2 * (len + r + 1);
			all = realloc(all, cap);
			if (!all)
				return die("realloc");
		}
		memcpy(all + len, buf, r);
		len += r;
	}
	if (r < 0)
		return die("read");
	all[len] = 0;
	close(fd);
	body = strstr(all, "\r\n\r\n");
	if (strncmp(all, "HTTP/1.", 7) || !body) {
		fprintf(stderr, "kwork: get: no HTTP response\n");
		return 1;
	}
	fwrite(body + 4, 1, len - (body + 4 - all), stdout);
	return strncmp(all + 8, " 200", 4) != 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "disk"))
		return disk(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "tcp"))
		return tcp(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "rst"))
		return rst(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "cpu"))
		return cpu(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : 2 * (int)sysconf(_SC_NPROCESSORS_ONLN));
	if (argc >= 4 && !strcmp(argv[1], "get"))
		return get(atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: kwork disk DEV N | tcp N | rst N | cpu MS [K] | get PORT PATH\n");
	return 2;
}
