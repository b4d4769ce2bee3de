/* Privilege separation and the capability drop.
 *
 * Sits beside the data flow, in daemon_main(): the helper is forked first,
 * while the process is still single-threaded and holds nothing; collectors
 * load and attach BPF, the outputs and the listener are opened; then
 * privsep_drop() takes every capability away from every thread before the
 * worker starts. From then on the one privileged act that recurs, switching
 * BPF run-time statistics on for a window (BPF_ENABLE_STATS, which the kernel
 * checks against CAP_SYS_ADMIN), is the helper's: it answers one request
 * type over a SOCK_SEQPACKET pair with the stats fd (SCM_RIGHTS), and the
 * daemon closes that fd to end the window.
 *
 * Capabilities are per thread in Linux, and so are the bounding set, the
 * securebits and no_new_privs. libmicrohttpd's thread and the BPF stats
 * sampler already run when we drop, so the drop is broadcast the way glibc
 * broadcasts setuid() and libcap's psx does: a signal to each thread of
 * /proc/self/task whose handler makes the (async-signal-safe, raw) system
 * calls on that thread, repeated until a pass finds no thread it has not
 * seen; then /proc/self/task/<tid>/status of every thread is checked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/securebits.h>

#include <bpf/bpf.h>

#include "collector.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "privsep.h"

#define COMPONENT "privsep"
#define OP_ENABLE_STATS 1u
#define MAX_THREADS 1024

struct privsep_req {
	uint32_t op;
};

struct privsep_rsp {
	int32_t err; /* 0: the fd rides along; else -errno */
};

/* What one thread (or the helper) ends up with. */
struct plan {
	unsigned long long keep; /* capabilities left in eff+prm+bounding */
	int have_setpcap;	 /* may touch the bounding set and securebits */
	int set_ids;
	uid_t uid;
	gid_t gid;
};

static pid_t helper_pid = -1;
static int helper_sock = -1;
static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static int ids_resolved;
static uid_t run_uid;
static gid_t run_gid;

pid_t privsep_helper_pid(void)
{
	return helper_pid;
}

/* ------------------------------------------------------------------------ */
/* /proc/<pid>/status                                                       */
/* ------------------------------------------------------------------------ */

static int field_hex(const char *text, const char *key, unsigned long long *out)
{
	const char *p = text;
	size_t n = strlen(key);

	while (p && *p) {
		if (strncmp(p, key, n) == 0 && p[n] == ':') {
			char *end;

			errno = 0;
			*out = strtoull(p + n + 1, &end, 16);
			return errno || end == p + n + 1 ? -EINVAL : 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int privsep_parse_status(const char *text, struct privsep_caps *c)
{
	unsigned long long nnp = 0, seccomp = 0;
	int err;

	memset(c, 0, sizeof(*c));
	if ((err = field_hex(text, "CapEff", &c->eff)) ||
	    (err = field_hex(text, "CapPrm", &c->prm)) ||
	    (err = field_hex(text, "CapBnd", &c->bnd)))
		return err;
	field_hex(text, "CapAmb", &c->amb);
	/* Decimal, but a single digit reads the same in hex. */
	c->no_new_privs = field_hex(text, "NoNewPrivs", &nnp) ? -1 : (int)nnp;
	c->seccomp = field_hex(text, "Seccomp", &seccomp) ? -1 : (int)seccomp;
	return 0;
}

static int read_caps_path(const char *path, struct privsep_caps *c)
{
	char text[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	return privsep_parse_status(text, c);
}

int privsep_read_caps(pid_t pid, struct privsep_caps *c)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	return read_caps_path(path, c);
}

static void caps_text(const struct privsep_caps *c, char *buf, size_t n)
{
	snprintf(buf, n,
		 "CapEff=%016llx CapPrm=%016llx CapBnd=%016llx CapAmb=%016llx NoNewPrivs=%d",
		 c->eff, c->prm, c->bnd, c->amb, c->no_new_privs);
}

/* ------------------------------------------------------------------------ */
/* Dropping, on the calling thread: raw system calls only (signal handler)  */
/* ------------------------------------------------------------------------ */

static int drop_self(const struct plan *p)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	if (p->have_setpcap) {
		for (int c = 0; c < 64; c++) {
			if (p->keep & CAP_BIT(c))
				continue;
			/* EINVAL: past CAP_LAST_CAP of this kernel. */
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
				return -errno;
		}
		/* uid 0 gets no capability back from execve() either. */
		if (!p->keep &&
		    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0))
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (p->set_ids) {
		gid_t g = p->gid;

		if (p->keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
			return -errno;
		if (syscall(SYS_setgroups, 1, &g) || syscall(SYS_setresgid, g, g, g) ||
		    syscall(SYS_setresuid, p->uid, p->uid, p->uid))
			return -errno;
		if (p->keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
			return -errno;
	}
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)p->keep;
	data[1].effective = data[1].permitted = (uint32_t)(p->keep >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

static int have_cap(unsigned long long mask)
{
	struct privsep_caps c;

	return privsep_read_caps(0, &c) == 0 && (c.eff & mask) == mask;
}

static int resolve_user(const char *user)
{
	struct passwd *pw;

	if (!user || ids_resolved)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return errno ? -errno : -ENOENT;
	run_uid = pw->pw_uid;
	run_gid = pw->pw_gid;
	ids_resolved = 1;
	return 0;
}

static struct plan make_plan(const char *user, unsigned long long keep)
{
	struct plan p = {.keep = keep, .have_setpcap = have_cap(CAP_BIT(CAP_SETPCAP))};

	if (user && ids_resolved) {
		p.set_ids = 1;
		p.uid = run_uid;
		p.gid = run_gid;
	}
	return p;
}

/* ------------------------------------------------------------------------ */
/* The helper                                                               */
/* ------------------------------------------------------------------------ */

static int send_rsp(int sock, int32_t err, int fd)
{
	struct privsep_rsp r = {.err = err};
	struct iovec iov = {.iov_base = &r, .iov_len = sizeof(r)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(r) ? 0 : -errno;
}

static void helper_say(const char *what, int err)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
			 "{\"level\":\"error\",\"component\":\"privsep_helper\",\"msg\":\"%s\","
			 "\"err\":\"%s\"}\n",
			 what, strerror(-err));

	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* The whole privileged program: one request type, one answer, until the
 * daemon's end of the socket closes. */
static void __attribute__((noreturn)) helper_main(int sock, const struct plan *p)
{
	sigset_t all;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "im-privsep", 0, 0, 0);
	/* The daemon decides when to stop; we go when its socket closes. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(1);
		sock = 3;
	}
	/* Nothing but stdio and the socket: not the log file, not the
	 * listener, not a BPF object (none is open yet, but be sure). */
	syscall(SYS_close_range, 4, ~0U, 0);
	err = drop_self(p);
	if (err) {
		helper_say("drop to CAP_SYS_ADMIN failed", err);
		_exit(1);
	}
	for (;;) {
		struct privsep_req q;
		ssize_t n = recv(sock, &q, sizeof(q), 0);
		int fd = -1;

		if (n == 0)
			_exit(0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(1);
		if (n != (ssize_t)sizeof(q) || q.op != OP_ENABLE_STATS) {
			err = -EINVAL;
		} else {
			fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
			err = fd < 0 ? fd : 0;
		}
		if (send_rsp(sock, err, fd) && errno != EINTR)
			_exit(1);
		if (fd >= 0)
			close(fd);
	}
}

/* Whether this run reads BPF maps (the bpf collector is on). */
static bool bpf_in_use(const struct config *cfg)
{
	for (size_t i = 0; collectors[i]; i++)
		if (collectors[i] == &collector_bpf)
			return cfg->mode != MODE_EXPORT && cfg->collector_enabled[i];
	return false;
}

static int helper_start(const char *user)
{
	struct plan p = make_plan(user, CAP_BIT(CAP_SYS_ADMIN));
	int sv[2], err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1], &p);
	}
	close(sv[1]);
	helper_sock = sv[0];
	helper_pid = pid;
	return 0;
}

int privsep_start(const struct config *cfg)
{
	int err = resolve_user(cfg->runtime_user);

	if (err) {
		log_error_errno(COMPONENT, err, LOG_KV("user", cfg->runtime_user),
				"unknown --runtime.user");
		return err;
	}
	/* Without CAP_SYS_ADMIN there is nothing to separate; without the
	 * sampler nothing to ask for. */
	if (!bpf_in_use(cfg) || cfg->bpf_stats == BPF_STATS_OFF ||
	    !have_cap(CAP_BIT(CAP_SYS_ADMIN)))
		return 0;
	err = helper_start(cfg->runtime_user);
	if (err)
		log_error_errno(COMPONENT, err, NULL, "cannot start the privileged helper");
	return err;
}

void privsep_stop(void)
{
	pthread_mutex_lock(&helper_lock);
	if (helper_sock >= 0)
		close(helper_sock);
	helper_sock = -1;
	pthread_mutex_unlock(&helper_lock);
	if (helper_pid > 0)
		waitpid(helper_pid, NULL, 0);
	helper_pid = -1;
}

static int ask_helper(void)
{
	struct privsep_req q = {.op = OP_ENABLE_STATS};
	struct privsep_rsp r;
	struct iovec iov = {.iov_base = &r, .iov_len = sizeof(r)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	int fd = -1;
	ssize_t n;

	if (send(helper_sock, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q))
		return -errno;
	do
		n = recvmsg(helper_sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(r))
		return -EPIPE; /* the helper is gone */
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (r.err) {
		if (fd >= 0)
			close(fd);
		return r.err < 0 ? r.err : -EPROTO;
	}
	return fd >= 0 ? fd : -EPROTO;
}

int privsep_enable_stats(void)
{
	int ret;

	pthread_mutex_lock(&helper_lock);
	if (helper_sock < 0) {
		ret = bpf_enable_stats(BPF_STATS_RUN_TIME);
	} else {
		ret = ask_helper();
		/* Gone (killed, crashed): say so where the masks were shown,
		 * once; nothing restarts it, since nothing here may fork a
		 * privileged process any more. */
		if (ret == -EPIPE || ret == -ECONNRESET || ret == -ENOTCONN) {
			health_set("privsep_helper", HEALTH_FAILED,
				   "the helper exited: no BPF statistics windows");
			log_error_errno(COMPONENT, ret, NULL, "privileged helper gone");
			close(helper_sock);
			helper_sock = -1;
			ret = -EPIPE;
		}
	}
	pthread_mutex_unlock(&helper_lock);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Dropping every thread's privileges                                       */
/* ------------------------------------------------------------------------ */

static struct plan g_plan;
static atomic_int g_acks, g_fails;

static void on_drop_signal(int sig)
{
	int saved = errno;

	if (drop_self(&g_plan))
		atomic_fetch_add(&g_fails, 1);
	atomic_fetch_add(&g_acks, 1);
	errno = saved;
}

static int seen_tid(const pid_t *v, size_t n, pid_t t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Runs drop_self() on every other thread; 0 or -errno. */
static int drop_other_threads(const struct plan *p)
{
	static pid_t done[MAX_THREADS];
	int sig = SIGRTMAX - 2, sent = 0, err = 0;
	pid_t self = (pid_t)syscall(SYS_gettid), pid = getpid();
	struct sigaction sa = {.sa_handler = on_drop_signal}, old;
	size_t ndone = 0;

	g_plan = *p;
	atomic_store(&g_acks, 0);
	atomic_store(&g_fails, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old))
		return -errno;
	/* A thread created by one not yet dropped inherits its creator's
	 * capabilities: pass again until a pass finds no new thread. */
	for (int round = 0; round < 20; round++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		int fresh = 0;

		if (!d) {
			err = -errno;
			break;
		}
		while ((e = readdir(d))) {
			pid_t tid = (pid_t)atoi(e->d_name);

			if (tid <= 0 || tid == self || seen_tid(done, ndone, tid))
				continue;
			if (ndone == MAX_THREADS) {
				err = -E2BIG;
				break;
			}
			done[ndone++] = tid;
			if (syscall(SYS_tgkill, pid, tid, sig) == 0) {
				sent++;
				fresh++;
			}
		}
		closedir(d);
		/* A thread that blocks the signal never answers: 2 s, then fail. */
		for (int i = 0; i < 2000 && atomic_load(&g_acks) < sent; i++)
			sleep_ms(1);
		if (err || !fresh)
			break;
	}
	if (!err && atomic_load(&g_acks) < sent)
		err = -ETIMEDOUT;
	if (!err && atomic_load(&g_fails))
		err = -EPERM;
	sigaction(sig, &old, NULL);
	return err;
}

/* Every thread holds exactly keep, and no_new_privs; 0 or -EPERM. */
static int verify_threads(const struct plan *p, char *bad, size_t badsz)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int err = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct privsep_caps c;
		char path[64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/status", e->d_name);
		if (read_caps_path(path, &c))
			continue; /* exited meanwhile */
		if (c.eff != p->keep || c.prm != p->keep || c.amb || c.no_new_privs != 1 ||
		    (p->have_setpcap && c.bnd != p->keep)) {
			char t[160];

			caps_text(&c, t, sizeof(t));
			snprintf(bad, badsz, "thread %.20s kept %.200s", e->d_name, t);
			err = -EPERM;
			break;
		}
	}
	closedir(d);
	return err;
}

/* On kernels before 6.5 (commit c8644cd0efe7, "bpf: Move unprivileged
 * checks into map_create() and bpf_prog_load()"), with
 * kernel.unprivileged_bpf_disabled set (Debian's default), every bpf()
 * command, map lookups through an fd we already hold included, needs
 * CAP_BPF. Ask the kernel rather than compare versions: a child process
 * drops everything and reads a throw-away map. */
static int bpf_reads_need_cap(const struct plan *p)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "im_privprobe", 4, 4, 1, NULL);
	int status = 0;
	pid_t pid;

	if (fd < 0)
		return 0; /* no BPF for us anyway: nothing to keep */
	pid = fork();
	if (pid == 0) {
		struct plan q = *p;
		__u32 k = 0, v;

		q.set_ids = 0;
		if (drop_self(&q))
			_exit(3);
		_exit(bpf_map_lookup_elem(fd, &k, &v) == 0 ? 0 : errno == EPERM ? 1 : 2);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	close(fd);
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

int privsep_drop(const struct config *cfg)
{
	const char *user = cfg->runtime_user;
	struct privsep_caps c;
	char bad[256] = "", daemon_txt[200], helper_txt[256];
	unsigned long long keep = 0;
	struct plan p;
	int err;

	err = resolve_user(user);
	if (err)
		return err;
	p = make_plan(user, 0);
	if (bpf_in_use(cfg) && bpf_reads_need_cap(&p)) {
		keep = CAP_BIT(CAP_BPF);
		log_warnf(COMPONENT, NULL,
			  "this kernel gates every bpf() call on CAP_BPF "
			  "(unprivileged_bpf_disabled, kernel < 6.5): keeping CAP_BPF for map reads");
	}
	p = make_plan(user, keep);
	err = drop_other_threads(&p);
	if (!err)
		err = drop_self(&p);
	if (!err)
		err = verify_threads(&p, bad, sizeof(bad));
	if (err) {
		snprintf(helper_txt, sizeof(helper_txt), "capability drop failed: %s%s%.180s",
			 strerror(-err), bad[0] ? ": " : "", bad);
		health_set("privileges", HEALTH_FAILED, helper_txt);
		log_error_errno(COMPONENT, err, LOG_KV("detail", bad), "capability drop failed");
		return err;
	}
	if (privsep_read_caps(0, &c) == 0)
		caps_text(&c, daemon_txt, sizeof(daemon_txt));
	else
		snprintf(daemon_txt, sizeof(daemon_txt), "unknown");
	{
		char detail[256];

		snprintf(detail, sizeof(detail), "pid %d uid %d: %s", (int)getpid(), (int)getuid(),
			 daemon_txt);
		health_set("privileges", HEALTH_OK, detail);
	}
	if (helper_pid > 0 && privsep_read_caps(helper_pid, &c) == 0) {
		char t[200];

		caps_text(&c, t, sizeof(t));
		snprintf(helper_txt, sizeof(helper_txt), "pid %d: %s", (int)helper_pid, t);
		health_set("privsep_helper", HEALTH_OK, helper_txt);
	} else {
		snprintf(helper_txt, sizeof(helper_txt), "none");
		health_set("privsep_helper", HEALTH_DISABLED,
			   "no helper: BPF statistics are enabled by the daemon itself, if at all");
	}
	log_infof(COMPONENT,
		  LOG_KV("daemon", daemon_txt, "helper", helper_txt, "user",
			 user ? user : "(unchanged)"),
		  "privileges dropped");

	return 0;
}
