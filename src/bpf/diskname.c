/* Block device names for the disk latency labels: the kernel programs know a
 * device by dev_t, people and node_exporter's node_disk_* series know it by
 * its /proc/diskstats name. A small table from diskstats (major, minor, name),
 * reread when a device it has not seen appears (hot-plug, a new loop device).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/diskname.h"
#include "buf.h"
#include "util.h"

#define DISK_NAME_MAX 64

struct disk_entry {
	uint32_t dev;
	char name[DISK_NAME_MAX];
};

struct disk_names {
	char *procfs;
	struct disk_entry *e;
	size_t n;
};

static uint32_t kdev(uint32_t major, uint32_t minor)
{
	return major << 20 | (minor & 0xfffff);
}

static int reload(struct disk_names *d)
{
	struct buf b;
	char *cur, *line;
	size_t cap = 0;
	int err;

	buf_init(&b);
	err = read_file_at(d->procfs, "diskstats", &b);
	if (err)
		goto out;
	d->n = 0;
	cur = b.data;
	while ((line = next_line(&cur))) {
		char *f[4];
		uint64_t ma, mi;

		if (split_fields(line, f, 3) < 3 || parse_u64(f[0], &ma) || parse_u64(f[1], &mi) ||
		    ma > 0xfff || mi > 0xfffff)
			continue;
		if (d->n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct disk_entry *ne = realloc(d->e, nc * sizeof(*ne));

			if (!ne) {
				err = -ENOMEM;
				goto out;
			}
			d->e = ne;
			cap = nc;
		}
		d->e[d->n].dev = kdev((uint32_t)ma, (uint32_t)mi);
		snprintf(d->e[d->n].name, DISK_NAME_MAX, "%s", f[2]);
		d->n++;
	}
out:
	buf_free(&b);
	return err;
}

struct disk_names *disk_names_new(const char *procfs)
{
	struct disk_names *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->procfs = strdup(procfs ? procfs : "/proc");
	if (!d->procfs) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	reload(d);      /* a missing diskstats only costs the names */
	return d;
}

size_t disk_names_count(const struct disk_names *d)
{
	return d ? d->n : 0;
}

static const char *find(const struct disk_names *d, uint32_t dev)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].dev == dev)
			return d->e[i].name;
	return NULL;
}

const char *disk_names_get(struct disk_names *d, uint32_t dev, char *buf, size_t bufsz)
{
	const char *name = d ? find(d, dev) : NULL;

	if (!name && d && reload(d) == 0)
		name = find(d, dev);
	if (name)
		return name;
	snprintf(buf, bufsz, "%u:%u", dev >> 20, dev & 0xfffff);
	return buf;
}

void disk_names_free(struct disk_names *d)
{
	if (!d)
		return;
	free(d->e);
	free(d->procfs);
	free(d);
}
