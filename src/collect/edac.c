/* edac: /sys/devices/system/edac/mc/mcN → node_edac_* memory error counters
 * per controller, chip-select row and channel, as node_exporter 1.12.
 *
 * The counts the kernel could not place on a row ("noinfo") are the csrow
 * "unknown". Every counter file a controller or row must have is required: a
 * missing or garbled one fails the collector, as it does there; only a
 * channel's uncorrectable count is optional (older drivers lack it). Hosts
 * without EDAC have no series and succeed, as there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

/* The digits after prefix in name (mc12 → "12"), or NULL. node_exporter's
 * glob mc[0-9]* takes "mc1x" too, reading its number as "1". */
static const char *numbered(const char *name, const char *prefix, char *num, size_t sz)
{
	size_t plen = strlen(prefix), n;

	if (strncmp(name, prefix, plen) || name[plen] < '0' || name[plen] > '9')
		return NULL;
	n = strspn(name + plen, "0123456789");
	if (n >= sz)
		return NULL;
	memcpy(num, name + plen, n);
	num[n] = '\0';
	return num;
}

static void add(struct metric_set *ms, const char *name, const char *help, double v,
		const char *mc, const char *row, const char *chan, const char *dimm)
{
	struct label l[4] = { { "controller", mc }, { "csrow", row }, { "channel", chan },
			      { "dimm_label", dimm } };

	ms_add_labels(ms, ms_family(ms, name, METRIC_COUNTER, help), v, l,
		      dimm ? 4 : row ? 2 : 1);
}

/* node_exporter's edacDimmLabel(): "mc#0csrow#1channel#0" → mc0_csrow1_channel0. */
static void dimm_label(const char *row, const char *chan, struct buf *b, char *out, size_t sz)
{
	char rel[64];
	size_t n = 0;

	snprintf(rel, sizeof(rel), "ch%s_dimm_label", chan);
	if (sysfs_read_str(NULL, row, rel, b) || !pp_label_text(b->data, b->len)) {
		snprintf(out, sz, "unknown");
		return;
	}
	for (const char *p = b->data; *p && n + 2 < sz; p++) {
		if (*p == '#')
			continue;
		if (!strncmp(p, "csrow", 5) || !strncmp(p, "channel", 7))
			out[n++] = '_';
		out[n++] = *p;
	}
	out[n] = '\0';
}

static int edac_row(struct metric_set *ms, const char *row, const char *mc, const char *rownum,
		    struct buf *b)
{
	struct sysfs_dir d;
	uint64_t ce, ue;
	int err = sysfs_read_u64(NULL, row, "ce_count", b, &ce);

	if (!err)
		err = sysfs_read_u64(NULL, row, "ue_count", b, &ue);
	if (!err)
		err = sysfs_dir_read(&d, row, NULL);
	if (err)
		return err;
	add(ms, "node_edac_csrow_correctable_errors_total",
	    "Total correctable memory errors for this csrow.", (double)ce, mc, rownum, NULL, NULL);
	add(ms, "node_edac_csrow_uncorrectable_errors_total",
	    "Total uncorrectable memory errors for this csrow.", (double)ue, mc, rownum, NULL, NULL);
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *f = sysfs_dir_name(&d, i);
		char chan[16], dimm[128], rel[64];

		if (!numbered(f, "ch", chan, sizeof(chan)) || strcmp(f + 2 + strlen(chan), "_ce_count"))
			continue;
		dimm_label(row, chan, b, dimm, sizeof(dimm));
		err = sysfs_read_u64(NULL, row, f, b, &ce);
		if (err)
			break;
		add(ms, "node_edac_channel_correctable_errors_total",
		    "Total correctable memory errors for this channel.", (double)ce, mc, rownum, chan,
		    dimm);
		snprintf(rel, sizeof(rel), "ch%s_ue_count", chan);
		if (!sysfs_read_u64(NULL, row, rel, b, &ue))
			add(ms, "node_edac_channel_uncorrectable_errors_total",
			    "Total uncorrectable memory errors for this channel.", (double)ue, mc,
			    rownum, chan, dimm);
	}
	sysfs_dir_free(&d);
	return err;
}

static int edac_controller(struct metric_set *ms, const char *dir, const char *mc, struct buf *b)
{
	static const char *const files[] = { "ce_count", "ce_noinfo_count", "ue_count",
					     "ue_noinfo_count" };
	uint64_t v[4];
	struct sysfs_dir d;
	char row[4200], num[16];
	int err = 0;

	for (size_t i = 0; !err && i < 4; i++)
		err = sysfs_read_u64(NULL, dir, files[i], b, &v[i]);
	if (!err)
		err = sysfs_dir_read(&d, dir, NULL);
	if (err)
		return err;
	add(ms, "node_edac_correctable_errors_total", "Total correctable memory errors.",
	    (double)v[0], mc, NULL, NULL, NULL);
	add(ms, "node_edac_csrow_correctable_errors_total",
	    "Total correctable memory errors for this csrow.", (double)v[1], mc, "unknown", NULL,
	    NULL);
	add(ms, "node_edac_uncorrectable_errors_total", "Total uncorrectable memory errors.",
	    (double)v[2], mc, NULL, NULL, NULL);
	add(ms, "node_edac_csrow_uncorrectable_errors_total",
	    "Total uncorrectable memory errors for this csrow.", (double)v[3], mc, "unknown", NULL,
	    NULL);
	for (size_t i = 0; !err && i < d.n; i++) {
		if (!numbered(sysfs_dir_name(&d, i), "csrow", num, sizeof(num)))
			continue;
		snprintf(row, sizeof(row), "%s/%s", dir, sysfs_dir_name(&d, i));
		err = edac_row(ms, row, mc, num, b);
	}
	sysfs_dir_free(&d);
	return err;
}

static int edac_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir d;
	char dir[4096], num[16];
	struct buf b;
	int err;

	buf_init(&b);
	err = sysfs_dir_read(&d, ctx->sysfs, "devices/system/edac/mc");
	if (err == -ENOENT)
		err = 0; /* no EDAC driver: no series, as node_exporter */
	for (size_t i = 0; !err && i < d.n; i++) {
		if (!numbered(sysfs_dir_name(&d, i), "mc", num, sizeof(num)))
			continue;
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "devices/system/edac/mc",
				 sysfs_dir_name(&d, i));
		if (!err)
			err = edac_controller(ms, dir, num, &b);
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	return err;
}

const struct collector collector_edac = {
	.name = "edac",
	.help = "Memory error counters from /sys/devices/system/edac",
	.default_enabled = true,
	.collect = edac_collect,
};
