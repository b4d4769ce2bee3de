/* nvme: /sys/class/nvme/<controller> → node_nvme_info and the per-namespace
 * node_nvme_namespace_* series, as node_exporter 1.12 (procfs NVMeClass()).
 *
 * The five controller attributes are required: a controller missing one
 * fails the collector, as there. Namespace sizes follow procfs to the letter:
 * size and nuse (which the kernel counts in 512-byte sectors and in logical
 * blocks) are both multiplied by the logical block size, so dashboards built
 * on node_exporter read the same numbers; a number that does not parse counts
 * as 0, also as there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

/* procfs's nvme\d+n(\d+), unanchored: the namespace id of "nvme0n1". */
static const char *nvme_nsid(const char *name, char *out, size_t sz)
{
	for (const char *p = strstr(name, "nvme"); p; p = strstr(p + 1, "nvme")) {
		const char *q = p + 4;
		size_t d = strspn(q, "0123456789"), n;

		if (!d || q[d] != 'n')
			continue;
		n = strspn(q + d + 1, "0123456789");
		if (!n || n >= sz)
			continue;
		memcpy(out, q + d + 1, n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

static uint64_t nvme_number(const char *dir, const char *rel, struct buf *b, int *err)
{
	uint64_t v = 0;

	*err = sysfs_read_str(NULL, dir, rel, b);
	if (!*err && parse_u64(b->data, &v))
		v = 0;
	return v;
}

static int nvme_namespace(struct metric_set *ms, const char *dir, const char *dev,
			  const char *nsid, struct buf *b)
{
	uint64_t used, size, lbs;
	char ana[64];
	int err;

	used = nvme_number(dir, "nuse", b, &err);
	if (!err)
		size = nvme_number(dir, "size", b, &err);
	if (!err)
		lbs = nvme_number(dir, "queue/logical_block_size", b, &err);
	if (err)
		return err;
	snprintf(ana, sizeof(ana), "unknown");
	if (!sysfs_read_str(NULL, dir, "ana_state", b) && pp_label_text(b->data, b->len))
		snprintf(ana, sizeof(ana), "%s", b->data);
	ms_add(ms, ms_family(ms, "node_nvme_namespace_info", METRIC_GAUGE,
			     "Information about NVMe namespaces. Value is always 1"),
	       1, "device", dev, "nsid", nsid, "ana_state", ana, NULL);
	ms_add(ms, ms_family(ms, "node_nvme_namespace_capacity_bytes", METRIC_GAUGE,
			     "Capacity of the NVMe namespace in bytes. Computed as namespace_size * namespace_logical_block_size"),
	       (double)(size * lbs), "device", dev, "nsid", nsid, NULL);
	ms_add(ms, ms_family(ms, "node_nvme_namespace_size_bytes", METRIC_GAUGE,
			     "Size of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/size"),
	       (double)(size * lbs), "device", dev, "nsid", nsid, NULL);
	ms_add(ms, ms_family(ms, "node_nvme_namespace_used_bytes", METRIC_GAUGE,
			     "Used space of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/nuse"),
	       (double)(used * lbs), "device", dev, "nsid", nsid, NULL);
	ms_add(ms, ms_family(ms, "node_nvme_namespace_logical_block_size_bytes", METRIC_GAUGE,
			     "Logical block size of the NVMe namespace in bytes. Usually 4Kb. Available in /sys/class/nvme/<device>/<namespace>/queue/logical_block_size"),
	       (double)lbs, "device", dev, "nsid", nsid, NULL);
	return 0;
}

static int nvme_controller(struct metric_set *ms, const char *dir, const char *dev, struct buf *b,
			   struct buf *text)
{
	static const char *const files[] = { "firmware_rev", "model", "serial", "state", "cntlid" };
	static const char *const names[] = { "firmware_revision", "model", "serial", "state",
					     "cntlid" };
	struct label l[1 + ARRAY_SIZE(files)];
	struct sysfs_dir d;
	int err = 0;

	l[0] = (struct label){ "device", dev };
	for (size_t i = 0; !err && i < ARRAY_SIZE(files); i++) {
		err = sysfs_read_str(NULL, dir, files[i], b);
		if (err)
			break;
		sysfs_valid_utf8(text, b->data, b->len);
		l[1 + i] = (struct label){ names[i], ms_strdup(ms, text->data ? text->data : "") };
	}
	if (!err)
		err = sysfs_dir_read(&d, dir, NULL);
	if (err)
		return err;
	ms_add_labels(ms, ms_family(ms, "node_nvme_info", METRIC_GAUGE,
				    "Non-numeric data from /sys/class/nvme/<device>, value is always 1."),
		      1, l, ARRAY_SIZE(l));
	for (size_t i = 0; !err && i < d.n; i++) {
		char nsid[24], ns[4200];

		if (!nvme_nsid(sysfs_dir_name(&d, i), nsid, sizeof(nsid)))
			continue;
		snprintf(ns, sizeof(ns), "%s/%s", dir, sysfs_dir_name(&d, i));
		err = nvme_namespace(ms, ns, dev, nsid, b);
	}
	sysfs_dir_free(&d);
	return err;
}

static int nvme_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir d;
	struct buf b, text;
	char dir[4096];
	int err;

	buf_init(&b);
	buf_init(&text);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/nvme");
	if (err == -ENOENT)
		err = -ENODATA;
	for (size_t i = 0; !err && i < d.n; i++) {
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "class/nvme", sysfs_dir_name(&d, i));
		if (!err)
			err = nvme_controller(ms, dir, sysfs_dir_name(&d, i), &b, &text);
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	buf_free(&text);
	return err;
}

const struct collector collector_nvme = {
	.name = "nvme",
	.help = "NVMe controllers and namespaces from /sys/class/nvme",
	.default_enabled = true,
	.collect = nvme_collect,
};
