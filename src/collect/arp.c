/* arp: <procfs>/net/arp → node_arp_entries{device}, the neighbour table's
 * IPv4 entries counted per device, as node_exporter's arp collector exports
 * them.
 *
 * node_exporter 1.12 reads the table over rtnetlink by default
 * (--collector.arp.netlink) and counts the neighbours without NUD_NOARP;
 * /proc/net/arp is what its --no-collector.arp.netlink path reads, and the
 * kernel prints exactly those entries there (arp_seq_start() iterates with
 * NEIGH_SEQ_SKIP_NOARP), so the counts are the same. This collector always
 * reads /proc/net/arp: no socket, and a file the fixture trees can hold. The
 * flag is accepted either way.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

enum { ARP_OPT_INCLUDE, ARP_OPT_EXCLUDE, ARP_OPT_NETLINK };
static const struct collector_option arp_options[] = {
	[ARP_OPT_INCLUDE] = { "collector.arp.device-include", COPT_REGEX, NULL,
			      "Regexp of arp devices to include (mutually exclusive to "
			      "device-exclude)" },
	[ARP_OPT_EXCLUDE] = { "collector.arp.device-exclude", COPT_REGEX, NULL,
			      "Regexp of arp devices to exclude (mutually exclusive to "
			      "device-include)" },
	[ARP_OPT_NETLINK] = { "collector.arp.netlink", COPT_BOOL, "true",
			      "Accepted for node_exporter; /proc/net/arp lists the same entries "
			      "and is read either way" },
	{ 0 },
};

/* IP address, HW type, Flags, HW address, Mask, Device. */
#define ARP_COLS 6
/* "IP address       HW type     Flags       HW address            Mask     Device" */
#define ARP_HEADER_COLS 9

struct arp_state {
	regex_t include, exclude;
	bool has_include, has_exclude;
};

/* The hardware address as net.ParseMAC takes it from this file: 6, 8 or 20
 * two-digit hex groups separated by ':' or '-' throughout. */
static bool arp_mac(const char *s)
{
	size_t groups = 0;
	char sep = 0;

	for (;;) {
		for (int i = 0; i < 2; i++, s++)
			if (!((*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')))
				return false;
		groups++;
		if (!*s)
			break;
		if ((*s != ':' && *s != '-') || (sep && *s != sep))
			return false;
		sep = *s++;
	}
	return groups == 6 || groups == 8 || groups == 20;
}

/* The flags column: a C-style number that fits a byte ("0x2"). */
static bool arp_flags(const char *s)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	return !*end && !errno && v <= 0xff;
}

static int arp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool arp_ignored(const struct arp_state *s, const char *dev)
{
	return (s->has_exclude && !regexec(&s->exclude, dev, 0, NULL, 0)) ||
	       (s->has_include && regexec(&s->include, dev, 0, NULL, 0));
}

static int arp_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct arp_state *s = ctx->state;
	struct family *fam = NULL;
	char **devs = NULL, *cur, *line;
	size_t ndevs = 0, cap = 0, lineno = 0;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "net/arp", &b);
	if (err)
		goto out;
	cur = b.data;
	while ((line = next_line(&cur))) {
		char *f[ARP_HEADER_COLS + 1];
		size_t n = split_fields(line, f, ARRAY_SIZE(f));

		lineno++;
		if (n == 0 || n == ARP_HEADER_COLS)
			continue;
		if (n != ARP_COLS || !arp_mac(f[3]) || !arp_flags(f[2]) ||
		    !pp_label_text(f[5], strlen(f[5]))) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "net/arp line %zu: not an ARP entry", lineno);
			err = -EINVAL;
			goto out;
		}
		if (ndevs == cap) {
			char **nd = realloc(devs, (cap ? cap * 2 : 64) * sizeof(*devs));

			if (!nd) {
				err = -ENOMEM;
				goto out;
			}
			devs = nd;
			cap = cap ? cap * 2 : 64;
		}
		devs[ndevs++] = f[5];
	}
	/* Sorted, each device's entries are one run to count. */
	if (ndevs)
		qsort(devs, ndevs, sizeof(*devs), arp_cmp);
	for (size_t i = 0, j; i < ndevs; i = j) {
		for (j = i + 1; j < ndevs && !strcmp(devs[i], devs[j]); j++)
			;
		if (arp_ignored(s, devs[i]))
			continue;
		if (!fam)
			fam = ms_family(ms, "node_arp_entries", METRIC_GAUGE, "ARP entries by device");
		ms_add(ms, fam, (double)(j - i), "device", devs[i], NULL);
	}
	err = ms_error(ms);
out:
	free(devs);
	buf_free(&b);
	return err;
}

static void arp_fini(struct collect_ctx *ctx)
{
	struct arp_state *s = ctx->state;

	if (!s)
		return;
	if (s->has_include)
		regfree(&s->include);
	if (s->has_exclude)
		regfree(&s->exclude);
	free(s);
	ctx->state = NULL;
}

static int arp_init(struct collect_ctx *ctx)
{
	struct arp_state *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	ctx->state = s;
	/* Unset is -ENODATA: no filter on that side. */
	err = collector_opt_regex(ctx, &arp_options[ARP_OPT_INCLUDE], &s->include);
	s->has_include = !err;
	if (err && err != -ENODATA)
		goto fail;
	err = collector_opt_regex(ctx, &arp_options[ARP_OPT_EXCLUDE], &s->exclude);
	s->has_exclude = !err;
	if (err && err != -ENODATA)
		goto fail;
	return 0;
fail:
	arp_fini(ctx);
	return err;
}

const struct collector collector_arp = {
	.name = "arp",
	.help = "ARP (IPv4 neighbour) entries per device from /proc/net/arp",
	.default_enabled = true,
	.options = arp_options,
	.init = arp_init,
	.collect = arp_collect,
	.fini = arp_fini,
};
