/* Integration check of the bpf collector against the real kernel.
 *
 * Loads the programs through collector_bpf.init() (one hook rung forced, or
 * auto), causes real work, and asserts the counts that work must cause on the
 * device or socket used:
 *   disk   O_DIRECT writes + fsync + O_DIRECT reads on a loop device: the
 *          latency (both phases) and size histograms of that device and op
 *          grow by at least the number of I/Os issued;
 *   tcp    N loopback connections with data: connect latency count grows by
 *          >= N, srtt samples appear;
 *   resets connects to a closed port and connections aborted with
 *          SO_LINGER 0: resets sent and received grow, and skb drops appear
 *          with a BTF-named reason (NO_SOCKET);
 *   runq   CPU contention: run-queue samples appear.
 * Finally the Prometheus rendering must pass `promtool check metrics` with no
 * message. Driven by tests/integration/bpf.sh; exit status 0 only if all pass.
 *
 * usage: bpf_check --hook auto|tp_btf|raw_tp|tracepoint --loop /dev/loopN [--conns 200]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "collector.h"
#include "config.h"
#include "log.h"
#include "render.h"

#include "check.h"

#define NIO 64
#define IOSZ 4096

static const struct sample *find(const struct metric_set *ms, const char *name, int nl,
				 const char *const *kv)
{
	const struct family *f = ms_find(ms, name);

	for (size_t i = 0; f && i < f->nsamples; i++) {
		const struct sample *s = &f->samples[i];
		int j;

		for (j = 0; j < nl; j++) {
			const char *v = sample_label(s, kv[2 * j]);

			if (!v || strcmp(v, kv[2 * j + 1]) != 0)
				break;
		}
		if (j == nl)
			return s;
	}
	return NULL;
}

/* Histogram count or counter value; 0 when absent. */
static double val(const struct metric_set *ms, const char *name, int nl, ...)
{
	const char *kv[8];
	const struct sample *s;
	va_list ap;

	va_start(ap, nl);
	for (int i = 0; i < 2 * nl; i++)
		kv[i] = va_arg(ap, const char *);
	va_end(ap);
	s = find(ms, name, nl, kv);
	if (!s)
		return 0;
	return s->hist ? (double)s->hist->count : s->value;
}

static struct metric_set *collect(struct collect_ctx *ctx)
{
	struct metric_set *ms = ms_new();
	int err = collector_bpf.collect(ctx, ms);

	if (err || ms_error(ms)) {
		fprintf(stderr, "collect: %s / %d\n", strerror(-err), ms_error(ms));
		exit(2);
	}
	return ms;
}

/* ---- workloads ---------------------------------------------------------- */

static int disk_work(const char *dev)
{
	void *buf;
	int fd, n = 0;

	if (posix_memalign(&buf, IOSZ, IOSZ))
		return -ENOMEM;
	memset(buf, 0xa5, IOSZ);
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (int i = 0; i < NIO; i++) {
		if (pwrite(fd, buf, IOSZ, (off_t)i * IOSZ) != IOSZ)
			break;
		n++;
	}
	fsync(fd);
	for (int i = 0; i < NIO; i++)
		if (pread(fd, buf, IOSZ, (off_t)i * IOSZ) != IOSZ)
			n = -1;
	close(fd);
	free(buf);
	return n == NIO ? 0 : -EIO;
}

struct server {
	int lfd;
	int n;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	char b[256];

	for (int i = 0; i < s->n; i++) {
		int c = accept(s->lfd, NULL, NULL);

		if (c < 0)
			continue;
		ssize_t r = read(c, b, sizeof(b));

		if (r > 0)
			write(c, b, (size_t)r);
		close(c);
	}
	return NULL;
}

static int tcp_work(int nconn)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct server s = { .n = nconn };
	pthread_t t;
	int ok = 0;

	s.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s.lfd < 0 || bind(s.lfd, (void *)&a, sizeof(a)) || listen(s.lfd, 512) ||
	    getsockname(s.lfd, (void *)&a, &alen))
		return -errno;
	pthread_create(&t, NULL, serve, &s);
	for (int i = 0; i < nconn; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		char msg[128], back[128];

		memset(msg, 'x', sizeof(msg));
		if (c >= 0 && connect(c, (void *)&a, sizeof(a)) == 0 &&
		    write(c, msg, sizeof(msg)) == (ssize_t)sizeof(msg) && read(c, back, sizeof(back)) > 0)
			ok++;
		if (c >= 0)
			close(c);
	}
	pthread_join(t, NULL);
	close(s.lfd);
	return ok;
}

/* Connects to a port nobody listens on: the kernel answers the SYN with a
 * reset, the client gets it (received), the SYN is dropped as NO_SOCKET.
 * Returns how many were refused. (Kernels before v6.10 do not trace the
 * reset sent for a segment without a socket; abort_work() covers "sent".) */
static int reset_work(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int probe = socket(AF_INET, SOCK_STREAM, 0), refused = 0;

	/* A port just released by us is closed. */
	if (probe < 0 || bind(probe, (void *)&a, sizeof(a)) || getsockname(probe, (void *)&a, &alen))
		return -errno;
	close(probe);
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c >= 0 && connect(c, (void *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED)
			refused++;
		if (c >= 0)
			close(c);
	}
	return refused;
}

/* Established connections closed with SO_LINGER 0: each close sends a reset
 * from a socket (tcp_send_active_reset), which the peer receives. Returns
 * how many were aborted. */
static int abort_work(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0), done = 0;

	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 64) ||
	    getsockname(l, (void *)&a, &alen))
		return -errno;
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;
		char b;

		if (c < 0 || connect(c, (void *)&a, sizeof(a)) != 0) {
			if (c >= 0)
				close(c);
			continue;
		}
		s = accept(l, NULL, NULL);
		if (s >= 0 && setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0) {
			close(c);
			c = -1;
			if (read(s, &b, 1) < 0 && errno == ECONNRESET)
				done++;
		}
		if (c >= 0)
			close(c);
		if (s >= 0)
			close(s);
	}
	close(l);
	return done;
}

static volatile int spin_stop;

static void *spin(void *arg)
{
	while (!spin_stop)
		;
	return NULL;
}

static void runq_work(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = (int)(ncpu > 0 ? ncpu : 1) * 2 + 1;
	pthread_t t[64];
	struct timespec ts = { 0, 500000000 };

	if (n > 64)
		n = 64;
	spin_stop = 0;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	nanosleep(&ts, NULL);
	spin_stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* ---- main --------------------------------------------------------------- */

static int promtool_check(struct metric_set *ms)
{
	const struct family *fams[256];
	size_t n = ms_nfamilies(ms);
	struct buf b;
	char path[] = "/tmp/bpf_check.XXXXXX", cmd[512], out[4096];
	FILE *p;
	size_t got;
	int fd;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		printf("skip - promtool not installed\n");
		return 0;
	}
	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++)
		fams[i] = ms_family_at(ms, i);
	buf_init(&b);
	render_prom(&b, fams, n);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len)
		return -EIO;
	close(fd);
	buf_free(&b);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	got = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[got] = '\0';
	if (p)
		pclose(p);
	unlink(path);
	check(got == 0, "promtool check metrics prints nothing%s%s", got ? ": " : "", out);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const progs[] = { "biolat", "tcplat", "skbdrop", "runqlat" };
	const char *hook = "auto", *loopdev = NULL, *devname;
	char flag[64], *av[] = { argv[0], flag, NULL };
	struct config cfg;
	struct collect_ctx ctx = { .cfg = &cfg, .procfs = "/proc", .sysfs = "/sys", .rootfs = "/" };
	struct metric_set *a, *b;
	int nconn = 200, ok, refused, aborted;
	struct timespec settle = { 1, 500000000 };

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--hook") == 0)
			hook = argv[i + 1];
		else if (strcmp(argv[i], "--loop") == 0)
			loopdev = argv[i + 1];
		else if (strcmp(argv[i], "--conns") == 0)
			nconn = atoi(argv[i + 1]);
	}
	/* The daemon's own flag parser, for the daemon's own check of the rung. */
	snprintf(flag, sizeof(flag), "--bpf.hook=%s", hook);
	if (config_load(&cfg, 2, av)) {
		fprintf(stderr, "bad --hook %s\n", hook);
		return 2;
	}
	cfg.bpf_stats = BPF_STATS_SAMPLED;
	cfg.bpf_stats_window_ms = 200;
	cfg.bpf_stats_period_ms = 1000;
	log_setup(getenv("BPF_CHECK_DEBUG") ? LOG_DEBUG : LOG_WARN, LOG_FORMAT_LOGFMT);
	printf("# bpf_check hook=%s loop=%s\n", hook, loopdev ? loopdev : "-");
	if (collector_bpf.init(&ctx)) {
		check(0, "collector_bpf.init (%s)", ctx.detail);
		return 1;
	}
	a = collect(&ctx);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		const char *want = strcmp(hook, "auto") == 0 ? NULL : hook;
		const struct family *f = ms_find(a, "infra_monitor_bpf_program_info");
		const char *got_hook = NULL, *status = NULL;

		for (size_t j = 0; f && j < f->nsamples; j++)
			if (strcmp(sample_label(&f->samples[j], "program"), progs[i]) == 0) {
				got_hook = sample_label(&f->samples[j], "hook");
				status = sample_label(&f->samples[j], "status");
			}
		check(status && strcmp(status, "attached") == 0 &&
			      (!want || strcmp(got_hook, want) == 0),
		      "%s attached on %s (want %s)", progs[i], got_hook ? got_hook : "?",
		      want ? want : "any");
	}

	/* disk */
	if (loopdev) {
		struct stat st;
		char nb[64];

		if (stat(loopdev, &st) != 0) {
			check(0, "stat %s: %s", loopdev, strerror(errno));
		} else {
			snprintf(nb, sizeof(nb), "%s", strrchr(loopdev, '/') ? strrchr(loopdev, '/') + 1 : loopdev);
			devname = nb;
			check(disk_work(loopdev) == 0, "%d O_DIRECT writes, fsync, %d reads on %s", NIO,
			      NIO, loopdev);
			nanosleep(&settle, NULL);
			b = collect(&ctx);
			static const char *const ops[] = { "write", "read" };
			for (int i = 0; i < 2; i++) {
				double dt = val(b, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", ops[i], "phase", "total") -
					    val(a, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", ops[i], "phase", "total");
				double ds = val(b, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", ops[i], "phase", "service") -
					    val(a, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", ops[i], "phase", "service");
				double dz = val(b, "infra_monitor_disk_io_size_bytes", 2, "device", devname, "op", ops[i]) -
					    val(a, "infra_monitor_disk_io_size_bytes", 2, "device", devname, "op", ops[i]);

				check(dt >= NIO, "disk %s %s total latency count +%.0f >= %d", devname, ops[i], dt, NIO);
				check(ds >= NIO, "disk %s %s service latency count +%.0f >= %d", devname, ops[i], ds, NIO);
				check(dz >= NIO, "disk %s %s size count +%.0f >= %d", devname, ops[i], dz, NIO);
			}
			/* The loop device advertises a write cache: fsync sends a flush. */
			check(val(b, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", "flush", "phase", "service") -
				      val(a, "infra_monitor_disk_io_latency_seconds", 3, "device", devname, "op", "flush", "phase", "service") >= 1,
			      "disk %s flush after fsync", devname);
			ms_free(a);
			a = b;
		}
	} else {
		printf("skip - disk: no --loop device\n");
	}

	/* tcp */
	ok = tcp_work(nconn);
	check(ok == nconn, "%d/%d loopback connections with data", ok, nconn);
	nanosleep(&settle, NULL);
	b = collect(&ctx);
	{
		double dc = val(b, "infra_monitor_tcp_connect_latency_seconds", 0) -
			    val(a, "infra_monitor_tcp_connect_latency_seconds", 0);
		double dr = val(b, "infra_monitor_tcp_srtt_seconds", 0) -
			    val(a, "infra_monitor_tcp_srtt_seconds", 0);

		check(dc >= nconn, "tcp connect latency count +%.0f >= %d", dc, nconn);
		check(dr > 0, "tcp srtt samples +%.0f > 0", dr);
	}
	ms_free(a);
	a = b;

	/* resets and drops */
	refused = reset_work(20);
	check(refused == 20, "%d/20 connects to a closed port refused", refused);
	aborted = abort_work(20);
	check(aborted == 20, "%d/20 connections aborted with a reset", aborted);
	nanosleep(&settle, NULL);
	b = collect(&ctx);
	{
		double ds = val(b, "infra_monitor_tcp_resets_total", 1, "direction", "sent") -
			    val(a, "infra_monitor_tcp_resets_total", 1, "direction", "sent");
		double dr = val(b, "infra_monitor_tcp_resets_total", 1, "direction", "received") -
			    val(a, "infra_monitor_tcp_resets_total", 1, "direction", "received");
		double dd = val(b, "infra_monitor_skb_drops_total", 1, "reason", "NO_SOCKET") -
			    val(a, "infra_monitor_skb_drops_total", 1, "reason", "NO_SOCKET");

		check(dr >= refused + aborted, "tcp resets received +%.0f >= %d", dr,
		      refused + aborted);
		check(ds >= aborted, "tcp resets sent +%.0f >= %d", ds, aborted);
		check(dd >= refused, "skb drops reason=NO_SOCKET +%.0f >= %d", dd, refused);
	}
	ms_free(a);
	a = b;

	/* run queue */
	runq_work();
	b = collect(&ctx);
	{
		double dq = val(b, "infra_monitor_runqueue_latency_seconds", 0) -
			    val(a, "infra_monitor_runqueue_latency_seconds", 0);

		check(dq > 0, "run-queue latency samples +%.0f > 0", dq);
	}
	ms_free(a);
	a = b;

	/* The sampler has had windows by now (200 ms every 1 s). */
	settle.tv_sec = 1;
	nanosleep(&settle, NULL);
	b = collect(&ctx);
	check(val(b, "infra_monitor_bpf_run_count_total", 1, "program", "runqlat") > 0,
	      "sampled run count for runqlat > 0");
	{
		const char *kv[] = { "program", "runqlat" };
		const struct sample *s = find(b, "infra_monitor_bpf_event_cost_seconds", 1, kv);

		check(s && s->value > 0 && s->value < 1e-4, "runqlat event cost %.0f ns",
		      s ? s->value * 1e9 : NAN);
	}
	/* Present whether statistics are on or not: the kernel always counts them. */
	check(find(b, "infra_monitor_bpf_recursion_misses_total", 1,
		   (const char *[]){ "program", "runqlat" }) != NULL,
	      "recursion misses of runqlat exported");
	promtool_check(b);
	ms_free(a);
	ms_free(b);
	collector_bpf.fini(&ctx);
	config_free(&cfg);
	printf("# %s: %d failure(s)\n", hook, failures);
	return failures ? 1 : 0;
}
