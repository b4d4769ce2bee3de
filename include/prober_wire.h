/* What the statfs prober's child sends back for each path (prober.h). Shared
 * by the daemon and the freestanding child program, so only <stdint.h>. */
#ifndef IM_PROBER_WIRE_H
#define IM_PROBER_WIRE_H

#include <stdint.h>

/* The statfs() fields the filesystem collector reports. */
struct prober_fs {
	uint64_t bsize, blocks, bfree, bavail, files, ffree;
};

struct prober_reply {
	int64_t err; /* 0 or a positive errno */
	struct prober_fs fs;
};

#endif
