// SPDX-License-Identifier: MIT
/* The kernel matrix's workload, static so that it runs in a bare busybox guest.
 *   kwork disk DEV N      N direct 4 KiB writes then N direct reads on DEV (O_DIRECT), an fsync
 *                         after every 8 writes; prints how many I/Os it issued and the
 *                         p50/p99 of their times as it saw them
 *   kwork tcp N           N loopback TCP connections, each sending and echoing 4 KiB
 *   kwork rst N           N connects to a closed loopback port (the kernel answers with RST), then
 *                         N connections closed with SO_LINGER 0 (an abort: a RST sent from a
 *                         socket; on 6.1 tcp:tcp_send_reset does not fire for the socket-less RST
 *                         that answers a closed port, as the matrix's probes show)
 *   kwork retrans N       a loopback listener with a full accept queue: N connects whose SYNs it
 *                         drops, each retransmitted by the kernel after its 1 s timeout; prints the
 *                         clients' own retransmit count (TCP_INFO total_retrans), what the daemon
 *                         must count
 *   kwork udpdrop N       N 1 KiB datagrams to a loopback UDP socket with the smallest receive
 *                         buffer that never reads: drops of reason SOCKET_RCVBUFF (5.19+); prints
 *                         the socket's own drop count (SO_MEMINFO)
 *   kwork cpu MS [K]      K busy processes (default 2 x CPUs) for MS milliseconds: run-queue waits
 *   kwork as UID CAPS MEMLOCK CMD...
 *                         runs CMD as user UID (- keeps root), without the capabilities CAPS (numbers,
 *                         comma-separated, dropped from the bounding set too; - drops none), with
 *                         RLIMIT_MEMLOCK soft and hard at MEMLOCK bytes (- keeps it): the hostile
 *                         settings under which `infra-monitor doctor` must name the cause
 *   kwork get PORT PATH   HTTP/1.0 GET http://127.0.0.1:PORT/PATH, body on stdout; exit 0 on 200
 *                         (busybox-static's wget crashes in a bare initramfs: no NSS)
 * Every loop is bounded; the program exits non-zero on any unexpected failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/capability.h>
#include <linux/sock_diag.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "kwork: %s: %s\n", what, strerror(errno));
	return 1;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long elapsed_ns(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* Each pwrite and pread is timed here too: the accuracy check compares the
 * daemon's latencies with this clock, which sees the same I/Os (plus the
 * syscall, which the empty device's figures take out again). */
static int disk(const char *dev, int n)
{
	void *buf;
	int fd = open(dev, O_RDWR | O_DIRECT);
	long ios = 0, flushes = 0, *ns = calloc(2 * (size_t)n + 1, sizeof(long));
	struct timespec t0;

	if (fd < 0 || !ns)
		return die(dev);
	if (posix_memalign(&buf, 4096, 4096))
		return die("posix_memalign");
	memset(buf, 0xa5, 4096);
	for (int i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (pwrite(fd, buf, 4096, (off_t)i * 8192) != 4096)
			return die("pwrite");
		ns[ios++] = elapsed_ns(&t0);
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
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (pread(fd, buf, 4096, (off_t)i * 8192) != 4096)
			return die("pread");
		ns[ios++] = elapsed_ns(&t0);
	}
	close(fd);
	qsort(ns, (size_t)ios, sizeof(long), cmp_long);
	/* Nearest rank. */
	printf("kwork disk dev=%s ios=%ld fsyncs=%ld p50_ns=%ld p99_ns=%ld\n", dev, ios, flushes,
	       ios ? ns[(ios * 50 + 99) / 100 - 1] : 0, ios ? ns[(ios * 99 + 99) / 100 - 1] : 0);
	free(ns);
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

/* SYN retransmits, the one kind a bare guest can provoke without netem or a
 * firewall: a listener whose accept queue (backlog 0) already holds one
 * connection drops every further SYN (tcp_conn_request), and each client's
 * kernel retransmits its SYN after TCP_TIMEOUT_INIT. */
static int retrans(int n)
{
	struct sockaddr_in sa;
	int lfd = listen_any(&sa), first, fds[64];
	long total = 0, done = 0;

	if (lfd < 0 || listen(lfd, 0))
		return die("listen");
	if (n > (int)(sizeof(fds) / sizeof(fds[0])))
		n = sizeof(fds) / sizeof(fds[0]);
	first = socket(AF_INET, SOCK_STREAM, 0);
	if (first < 0 || connect(first, (void *)&sa, sizeof(sa)))
		return die("connect (first)");
	usleep(20000);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0 || (connect(fds[i], (void *)&sa, sizeof(sa)) && errno != EINPROGRESS))
			return die("connect");
	}
	/* Each SYN is retransmitted after 1 s: wait until every client has
	 * retransmitted once, at most 4 s (a slow emulated guest). */
	for (int t = 0; t < 80 && done < n; t++) {
		usleep(50000);
		done = 0;
		for (int i = 0; i < n; i++) {
			struct tcp_info ti;
			socklen_t len = sizeof(ti);

			if (!getsockopt(fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) && ti.tcpi_total_retrans)
				done++;
		}
	}
	for (int i = 0; i < n; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		/* Closed before the next timeout; the count is final. */
		if (!getsockopt(fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len))
			total += ti.tcpi_total_retrans;
		close(fds[i]);
	}
	close(first);
	close(lfd);
	printf("kwork retrans clients=%d retransmits=%ld\n", n, total);
	return total < n;
}

static int udpdrop(int n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0), zero = 0;
	static char buf[1024];
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t mlen = sizeof(mem);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rx < 0 || tx < 0 || setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)) ||
	    bind(rx, (void *)&sa, sizeof(sa)) || getsockname(rx, (void *)&sa, &len))
		return die("udp socket");
	for (int i = 0; i < n; i++)
		if (sendto(tx, buf, sizeof(buf), 0, (void *)&sa, sizeof(sa)) != sizeof(buf))
			return die("sendto");
	/* sk_drops of the receiving socket: every datagram it could not queue. */
	if (getsockopt(rx, SOL_SOCKET, SO_MEMINFO, mem, &mlen))
		return die("SO_MEMINFO");
	close(rx);
	close(tx);
	printf("kwork udpdrop sent=%d drops=%u\n", n, mem[SK_MEMINFO_DROPS]);
	return mem[SK_MEMINFO_DROPS] == 0;
}

static int cpu(int ms, int k)
{
	struct timespec t0;

	for (int i = 0; i < k; i++) {
		if (fork() == 0) {
			volatile unsigned long x = 0;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				for (int j = 0; j < 100000; j++)
					x += j;
			} while (elapsed_ns(&t0) / 1000000 < ms);
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

static int as(char **argv)
{
	const char *uid = argv[0], *caps = argv[1], *memlock = argv[2];

	if (strcmp(memlock, "-") != 0) {
		struct rlimit rl = { strtoull(memlock, NULL, 0), strtoull(memlock, NULL, 0) };

		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			return die("setrlimit");
	}
	if (strcmp(caps, "-") != 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		char *list = strdup(caps), *tok, *save = NULL;

		if (syscall(SYS_capget, &h, d))
			return die("capget");
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int c = atoi(tok);

			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
				return die("PR_CAPBSET_DROP");
			d[c / 32].effective &= ~(1u << (c % 32));
			d[c / 32].permitted &= ~(1u << (c % 32));
			d[c / 32].inheritable &= ~(1u << (c % 32));
		}
		free(list);
		if (syscall(SYS_capset, &h, d))
			return die("capset");
	}
	if (strcmp(uid, "-") != 0) {
		gid_t g = (gid_t)atoi(uid);

		if (setgroups(0, NULL) || setgid(g) || setuid((uid_t)atoi(uid)))
			return die("setuid");
	}
	execvp(argv[3], argv + 3);
	return die(argv[3]);
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
	if (argc >= 3 && !strcmp(argv[1], "retrans"))
		return retrans(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "udpdrop"))
		return udpdrop(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "cpu"))
		return cpu(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : 2 * (int)sysconf(_SC_NPROCESSORS_ONLN));
	if (argc >= 6 && !strcmp(argv[1], "as"))
		return as(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "get"))
		return get(atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: kwork disk DEV N | tcp N | rst N | retrans N | udpdrop N | cpu MS [K] | "
		"as UID CAPS MEMLOCK CMD... | get PORT PATH\n");
	return 2;
}
