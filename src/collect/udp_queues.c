/* udp_queues: <procfs>/net/udp and udp6 → node_udp_queues{queue,ip}, the bytes
 * queued in every UDP socket's send and receive buffers, summed, as
 * node_exporter's udp_queues collector exports them.
 *
 * Each socket line is checked as procfs checks it (the "sl:" field, hex
 * address:port pairs, "tx:rx" hex queues, decimal uid, inode and drops), so a
 * garbled file fails here as it fails there. A file that does not exist
 * (IPv6 disabled) only drops its two series; both missing is -ENODATA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops */
#define UQ_COLS 13
enum { UQ_SL, UQ_LOCAL, UQ_REM, UQ_ST, UQ_QUEUES, UQ_UID = 7, UQ_INODE = 9, UQ_DROPS = 12 };

/* A whole field of hex digits, optionally ending in one given byte. */
static bool uq_hex(const char *p, char end, uint64_t *v)
{
	p = pp_x64(p, v);
	if (p && end && *p == end)
		p++;
	return p && !*p;
}

/* "hexaddr:hexport", the address 8 (IPv4) or 32 (IPv6) digits. */
static bool uq_addr(const char *f)
{
	const char *colon = strchr(f, ':');
	size_t len = colon ? (size_t)(colon - f) : 0;
	uint64_t v;

	if (len != 8 && len != 32)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((f[i] >= '0' && f[i] <= '9') || ((f[i] | 0x20) >= 'a' && (f[i] | 0x20) <= 'f')))
			return false;
	return uq_hex(colon + 1, 0, &v);
}

/* Sums the queues of one file. 0, -ENOENT, or -EINVAL naming the line. */
static int uq_sum(struct collect_ctx *ctx, const char *rel, struct buf *b, uint64_t *tx,
		  uint64_t *rx)
{
	char *cur, *line;
	uint64_t lineno = 1;
	int err = pp_read_text(ctx, ctx->procfs, rel, b);

	*tx = *rx = 0;
	if (err)
		return err;
	cur = b->data;
	next_line(&cur); /* the column names */
	while ((line = next_line(&cur))) {
		char *f[UQ_COLS + 1], *colon;
		uint64_t t, r, v;
		size_t n = split_fields(line, f, ARRAY_SIZE(f));

		lineno++;
		if (n < UQ_COLS)
			goto bad;
		colon = strchr(f[UQ_QUEUES], ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		if (!uq_hex(f[UQ_SL], ':', &v) || !uq_addr(f[UQ_LOCAL]) || !uq_addr(f[UQ_REM]) ||
		    !uq_hex(f[UQ_ST], 0, &v) || !uq_hex(f[UQ_QUEUES], 0, &t) ||
		    !uq_hex(colon + 1, 0, &r) || parse_u64(f[UQ_UID], &v) ||
		    parse_u64(f[UQ_INODE], &v) || parse_u64(f[UQ_DROPS], &v))
			goto bad;
		*tx += t;
		*rx += r;
	}
	return 0;
bad:
	snprintf(ctx->detail, sizeof(ctx->detail), "%s line %llu: not a UDP socket line", rel,
		 (unsigned long long)lineno);
	return -EINVAL;
}

static int udp_queues_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	static const char *const files[] = { "net/udp", "net/udp6" };
	static const char *const ips[] = { "v4", "v6" };
	struct family *fam = NULL;
	size_t missing = 0;
	struct buf b;
	int err = 0;

	buf_init(&b);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		uint64_t tx, rx;

		err = uq_sum(ctx, files[i], &b, &tx, &rx);
		if (err == -ENOENT) {
			missing++;
			continue;
		}
		if (err)
			goto out;
		if (!fam)
			fam = ms_family(ms, "node_udp_queues", METRIC_GAUGE,
					"Number of allocated memory in the kernel for UDP datagrams "
					"in bytes.");
		ms_add(ms, fam, (double)tx, "queue", "tx", "ip", ips[i], NULL);
		ms_add(ms, fam, (double)rx, "queue", "rx", "ip", ips[i], NULL);
	}
	err = missing == ARRAY_SIZE(files) ? -ENODATA : ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_udp_queues = {
	.name = "udp_queues",
	.help = "Bytes queued in UDP sockets from /proc/net/udp and udp6",
	.default_enabled = true,
	.collect = udp_queues_collect,
};
