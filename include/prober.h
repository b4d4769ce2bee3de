/* Calls that can hang in the kernel, run in a child process.
 *
 * statfs() on a dead NFS server, or on a FUSE mount whose daemon stopped
 * answering, sleeps in the kernel for as long as the server stays away, and
 * once a FUSE request has reached its daemon not even SIGKILL ends the wait.
 * A thread of ours stuck there would keep the whole process from exiting: it
 * would linger as a zombie holding the listener, the JSONL file and stdout
 * (`once | cat` would never see EOF). So such calls run in a small child
 * process that holds none of our descriptors and no capability: when a call
 * overruns its time box we walk away from that child and start another for the
 * next call. The abandoned child exits by itself when its call returns (its
 * socket is closed by then), and is killed if we exit first; one stuck in
 * uninterruptible sleep may outlive us, holding nothing of ours.
 */
#ifndef IM_PROBER_H
#define IM_PROBER_H

#include <stdbool.h>
#include <sys/statvfs.h>

#include "prober_wire.h"

struct prober;

struct prober *prober_new(void);
/* Kills the current and the abandoned children without waiting for them. */
void prober_free(struct prober *p);

/* statfs(path) in the child, waiting at most timeout_ms. 0, the call's
 * -errno, -ETIMEDOUT (the child is abandoned, and path counts as stuck until
 * that child is gone), or -errno when no child could be started. */
int prober_statfs(struct prober *p, const char *path, unsigned int timeout_ms,
		  struct prober_fs *out);

/* Whether an abandoned child is still inside its call on path. Reaps the
 * children that have exited, so a mount that came back is asked again. */
bool prober_stuck(struct prober *p, const char *path);

/* What the child calls; tests replace it to stand in for a dead server, and
 * the child then runs in the forked copy of the daemon (prober.c). */
extern int (*prober_statvfs_fn)(const char *path, struct statvfs *buf);

#endif
