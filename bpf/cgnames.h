/* cgnames: the cgroups made and removed on the v2 hierarchy, as it happens.
 * Shared by bpf/cgnames.bpf.c and src/bpf/cgnames.c. */
#ifndef IM_BPF_CGNAMES_H
#define IM_BPF_CGNAMES_H

/* A power of two (the length is masked with it for the verifier). Longer
 * paths (a Kubernetes container's is ~170 bytes) are not sent: a walk of the
 * tree names them instead. */
#define CGNAMES_PATH_MAX 512

/* One record of the ring buffer, sent as long as it is: the head alone for a
 * removal, the head and len bytes of path (its NUL included) for a cgroup
 * made. */
struct cgnames_event {
	__u64 id;                       /* the cgroup id: its directory's inode */
	__u32 made;                     /* 1: made, 0: removed */
	__u32 len;
	char path[CGNAMES_PATH_MAX];    /* below the root, "/a/b" */
};

/* Slots of the per-CPU counter of events not sent. */
enum { CGNAMES_LOST_FULL, CGNAMES_LOST_LONG, CGNAMES_LOST_SLOTS };

#endif
