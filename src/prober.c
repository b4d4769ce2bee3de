/* The child process for calls that can hang (see prober.h).
 *
 * Protocol over a SOCK_SEQPACKET pair, one message each way per call: the
 * path, then a struct prober_reply. Seqpacket keeps message boundaries, so a
 * reply never has to be reassembled, and a dead child reads as EOF.
 *
 * The forked child runs src/freestanding/prober_child.c from a memfd, so it
 * does not keep a copy-on-write view of the daemon's memory: 2.4 MiB of
 * resident pages became a few KiB. Where that program cannot be run (a
 * seccomp filter, vm.memfd_noexec=2, a stand-in set by a test), the forked
 * copy answers itself, the same way.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prober.h"
#include "prober_child.h"
#include "util.h"

/* Linux 6.3+ asks that a memfd say whether it may be run. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int (*prober_statvfs_fn)(const char *path, struct statvfs *buf) = statvfs;

struct abandoned {
	pid_t pid;
	char *path; /* the call it was left in */
};

struct prober {
	pid_t pid; /* the current child, 0 when none */
	int fd;
	int program_fd; /* memfd holding prober_child_elf, or -1 */
	struct abandoned *gone;
	size_t ngone, gone_cap;
};

/* Closes every descriptor above 0 except keep (-1: none). */
static void close_above_stdin_but(int keep)
{
	if (keep < 0 && close_range(1, ~0U, 0) == 0)
		return;
	if (keep > 0 && (keep == 1 || close_range(1, (unsigned int)keep - 1, 0) == 0) &&
	    close_range((unsigned int)keep + 1, ~0U, 0) == 0)
		return;
	/* close_range() is 5.9+; the fallback is bounded by the fd limit. */
	for (int fd = 1; fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

/* Answers calls on fd 0 until EOF, in this forked copy of the daemon. */
static void __attribute__((noreturn)) serve(void)
{
	char path[PATH_MAX + 1];

	for (;;) {
		struct prober_reply r = { 0 };
		struct statvfs st;
		ssize_t n = recv(0, path, sizeof(path) - 1, 0);

		if (n <= 0)
			_exit(0);
		path[n] = '\0';
		if (prober_statvfs_fn(path, &st))
			r.err = errno;
		else
			r.fs = (struct prober_fs){ .bsize = st.f_bsize, .blocks = st.f_blocks,
						   .bfree = st.f_bfree, .bavail = st.f_bavail,
						   .files = st.f_files, .ffree = st.f_ffree };
		if (send(0, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
			_exit(0);
	}
}

/* Runs in the forked child of a multi-threaded process, so only
 * async-signal-safe calls until _exit() or the exec. */
static void __attribute__((noreturn)) child_main(int fd, int program_fd)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2 };
	static char *const argv[] = { (char *)"infra-monitor", NULL }, *const envp[] = { NULL };
	sigset_t none;

	/* Dies with us where the wait is killable (most NFS and FUSE states). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (size_t i = 0; i < ARRAY_SIZE(reset); i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The socket becomes fd 0, left open across the exec. */
	if ((fd == 0 ? fcntl(0, F_SETFD, 0) : dup2(fd, 0)) < 0)
		_exit(0);
	close_above_stdin_but(program_fd);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (program_fd > 0) {
		fexecve(program_fd, argv, envp);
		close(program_fd); /* refused: this copy answers */
	}
	serve();
}

/* A sealed memfd holding the child program, at fd 3 or above (fd 0 becomes
 * the child's socket); -1 when the kernel gives none. */
static int program_memfd(void)
{
	int fd = memfd_create("infra-monitor-prober", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	int high;

	if (fd < 0 && errno == EINVAL) /* before 6.3 */
		fd = memfd_create("infra-monitor-prober", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (write(fd, prober_child_elf, sizeof(prober_child_elf)) !=
		    (ssize_t)sizeof(prober_child_elf) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) {
		close(fd);
		return -1;
	}
	if (fd >= 3)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return high;
}

static int spawn(struct prober *p)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0)
		/* A test's stand-in for statvfs() runs only in the forked copy. */
		child_main(sv[1], prober_statvfs_fn == statvfs ? p->program_fd : -1);
	close(sv[1]);
	p->pid = pid;
	p->fd = sv[0];
	return 0;
}

/* Ends the current child: it exits when its call returns and reads EOF. */
static void drop_child(struct prober *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->pid = 0;
}

static void reap_current(struct prober *p)
{
	pid_t pid = p->pid;

	drop_child(p);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0); /* it was not inside a call: this is quick */
	}
}

/* Out of memory here only means the path is asked again next time, which
 * parks one more child on the same server: acceptable, and rare. */
static void abandon(struct prober *p, const char *path)
{
	char *copy = strdup(path);

	if (copy && p->ngone == p->gone_cap) {
		size_t cap = p->gone_cap ? 2 * p->gone_cap : 4;
		struct abandoned *g = realloc(p->gone, cap * sizeof(*g));

		if (g) {
			p->gone = g;
			p->gone_cap = cap;
		}
	}
	if (copy && p->ngone < p->gone_cap)
		p->gone[p->ngone++] = (struct abandoned){ .pid = p->pid, .path = copy };
	else
		free(copy);
	drop_child(p);
}

struct prober *prober_new(void)
{
	struct prober *p = calloc(1, sizeof(*p));

	if (p) {
		p->fd = -1;
		p->program_fd = program_memfd();
	}
	return p;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	reap_current(p);
	for (size_t i = 0; i < p->ngone; i++) {
		kill(p->gone[i].pid, SIGKILL);
		/* One in uninterruptible sleep is reparented and reaped by init. */
		waitpid(p->gone[i].pid, NULL, WNOHANG);
		free(p->gone[i].path);
	}
	free(p->gone);
	if (p->program_fd >= 0)
		close(p->program_fd);
	free(p);
}

bool prober_stuck(struct prober *p, const char *path)
{
	bool stuck = false;

	for (size_t i = 0; i < p->ngone;) {
		pid_t r = waitpid(p->gone[i].pid, NULL, WNOHANG);

		if (r == p->gone[i].pid || (r < 0 && errno == ECHILD)) {
			free(p->gone[i].path);
			p->gone[i] = p->gone[--p->ngone];
			continue;
		}
		stuck = stuck || !strcmp(p->gone[i].path, path);
		i++;
	}
	return stuck;
}

/* Waits for the reply until deadline (monotonic seconds). 1: got it, 0: the
 * deadline passed, -errno: the child is gone. */
static int await_reply(struct prober *p, double deadline, struct prober_reply *r)
{
	for (;;) {
		double left = deadline - now_monotonic();
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue; /* rounding: look at the clock again */
		if (recv(p->fd, r, sizeof(*r), 0) != (ssize_t)sizeof(*r))
			return -EPIPE;
		return 1;
	}
}

int prober_statfs(struct prober *p, const char *path, unsigned int timeout_ms,
		  struct prober_fs *out)
{
	double deadline = now_monotonic() + timeout_ms / 1000.0;
	size_t len = strlen(path);
	struct prober_reply r;
	int err;

	if (len > PATH_MAX)
		return -ENAMETOOLONG;
	/* A child that died since its last call (OOM killer) is replaced once. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!p->pid && (err = spawn(p)))
			return err;
		if (send(p->fd, path, len, MSG_NOSIGNAL) == (ssize_t)len)
			break;
		reap_current(p);
		if (attempt)
			return -EPIPE;
	}
	err = await_reply(p, deadline, &r);
	if (err == 0) {
		abandon(p, path);
		return -ETIMEDOUT;
	}
	if (err < 0) {
		reap_current(p);
		return err;
	}
	*out = r.fs;
	return -(int)r.err;
}
