/* Block device names for the disk latency labels (src/bpf/diskname.c). */
#ifndef IM_BPF_DISKNAME_H
#define IM_BPF_DISKNAME_H

#include <stddef.h>
#include <stdint.h>

/* Name of the block device dev (kernel encoding) from procfs/diskstats, or
 * "MAJ:MIN" when unknown. The table is reread when a device is not found. */
struct disk_names;
struct disk_names *disk_names_new(const char *procfs);
const char *disk_names_get(struct disk_names *d, uint32_t dev, char *buf, size_t bufsz);
/* Block devices (partitions included) the table holds. */
size_t disk_names_count(const struct disk_names *d);
void disk_names_free(struct disk_names *d);

#endif
