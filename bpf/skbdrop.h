/* skbdrop: packet drops by kernel drop reason. Shared by bpf/skbdrop.bpf.c
 * and src/bpf/skbdrop.c. */
#ifndef IM_BPF_SKBDROP_H
#define IM_BPF_SKBDROP_H

/* Reasons at or above this (including the subsystem-encoded ones, reason |
 * subsys << 16) are counted in the last slot, which userspace labels "other". */
#define SKBDROP_MAX_REASONS 512

#endif
