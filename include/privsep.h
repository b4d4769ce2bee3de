/* Least privilege: the daemon drops every capability once its privileged
 * start-up is done, and a tiny helper process, forked before anything else
 * is opened, keeps only CAP_SYS_ADMIN to do the one privileged thing that
 * recurs: switching the kernel's BPF run-time statistics on for a sampling
 * window (BPF_ENABLE_STATS). The daemon asks over a socket pair and gets the
 * stats fd back (SCM_RIGHTS); closing it ends the window. This is OpenBSD's
 * privilege separation, cut down to one request.
 *
 * Phases (docs/security-core.md has the full table):
 *   start-up  root or CAP_BPF+CAP_PERFMON(+CAP_SYS_RESOURCE on old kernels):
 *             load and attach BPF, open files, bind the listener
 *   running   daemon: no capability, empty bounding set, no_new_privs,
 *             optionally another uid (--runtime.user);
 *             helper: CAP_SYS_ADMIN only, bounding set {CAP_SYS_ADMIN}
 */
#ifndef IM_PRIVSEP_H
#define IM_PRIVSEP_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/capability.h>

/* Older UAPI headers (before 5.8) lack the split BPF capabilities. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define CAP_BIT(c) (1ULL << (c))

struct config;

/* privsep.c */
/* Resolves --runtime.user and, when the bpf collector samples statistics
 * and we hold CAP_SYS_ADMIN, forks the helper. Call it first in the daemon,
 * while single-threaded and before any file, BPF object or socket is open,
 * so the helper inherits nothing but its end of the socket pair and stdio.
 * 0 or -errno (an unknown user; fork failed). */
int privsep_start(const struct config *cfg);
/* Closes the socket pair and reaps the helper. Safe without one. */
void privsep_stop(void);
/* BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): a fd that keeps the statistics on
 * until closed, from the helper when there is one, else from the kernel
 * directly (once, latency). fd or -errno. */
int privsep_enable_stats(void);
/* Drops every capability of every thread of this process (effective,
 * permitted, inheritable, ambient, bounding), sets no_new_privs and
 * SECBIT_NOROOT, and switches to --runtime.user if set. Where this kernel
 * gates every bpf() call on CAP_BPF (unprivileged_bpf_disabled before
 * Linux 6.5) and the bpf collector is on, CAP_BPF alone is kept so map
 * reads through the open fds keep working, with a warning. Logs one line
 * with what each process holds and sets /health components "privileges" and
 * "privsep_helper". 0 or -errno: the caller must not go on. */
int privsep_drop(const struct config *cfg);

/* Exposed for tests and /health: the CapEff, CapPrm, CapBnd masks,
 * NoNewPrivs and the Seccomp mode of /proc/<pid>/status (pid 0: this
 * process; -1 where the kernel does not report one). 0 or -errno. */
struct privsep_caps {
	unsigned long long eff, prm, bnd, amb;
	int no_new_privs, seccomp;
};
int privsep_read_caps(pid_t pid, struct privsep_caps *c);
int privsep_parse_status(const char *text, struct privsep_caps *c);
pid_t privsep_helper_pid(void);

#endif
