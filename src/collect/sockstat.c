/* sockstat: /proc/net/sockstat and sockstat6 → node_sockstat_*.
 *
 * Each line is "PROTO: key value key value ..."; every pair becomes the gauge
 * node_sockstat_<PROTO>_<key>, as node_exporter 1.5 names them, so a protocol
 * the kernel adds later shows up without a code change. "mem" counts pages:
 * node_exporter adds a _mem_bytes twin scaled by the page size, and so do we.
 * A host without IPv6 has no sockstat6 and one without either file (a bare
 * network namespace) reports -ENODATA, quietly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

/* Longer than any line the kernel writes (FRAG6 has five fields). */
#define SOCKSTAT_MAX_FIELDS 33

static int sockstat_add(struct metric_set *ms, const char *proto, const char *key, double v)
{
	char name[128], help[160];
	int a = snprintf(name, sizeof(name), "node_sockstat_%s_%s", proto, key);
	int b = snprintf(help, sizeof(help), "Number of %s sockets in state %s.", proto, key);

	if (a < 0 || (size_t)a >= sizeof(name) || b < 0 || (size_t)b >= sizeof(help) ||
	    !metric_name_valid(name))
		return -EINVAL;
	return pp_add_once(ms, name, METRIC_GAUGE, help, v);
}

static int sockstat_parse(char *text, bool v4, struct metric_set *ms, long page_size)
{
	char *cur = text, *line;

	while ((line = next_line(&cur))) {
		char *f[SOCKSTAT_MAX_FIELDS];
		size_t n = split_fields(line, f, SOCKSTAT_MAX_FIELDS);
		size_t plen;
		int64_t v;
		int err;

		if (n == 0)
			continue;
		plen = strlen(f[0]);
		/* "PROTO:" then whole key/value pairs. */
		if (plen < 2 || f[0][plen - 1] != ':' || n % 2 == 0 || n == SOCKSTAT_MAX_FIELDS)
			return -EINVAL;
		f[0][plen - 1] = '\0';
		if (!strcmp(f[0], "sockets")) {
			if (n != 3 || strcmp(f[1], "used") || parse_i64(f[2], &v))
				return -EINVAL;
			/* Only the IPv4 file counts sockets; node_exporter has no IPv6 twin. */
			if (v4) {
				struct family *fam =
				    ms_family(ms, "node_sockstat_sockets_used", METRIC_GAUGE,
					      "Number of IPv4 sockets in use.");

				if (fam && fam->nsamples)
					return -EINVAL;
				ms_add(ms, fam, (double)v, NULL);
			}
			continue;
		}
		for (size_t i = 1; i < n; i += 2) {
			err = parse_i64(f[i + 1], &v);
			if (!err)
				err = sockstat_add(ms, f[0], f[i], (double)v);
			if (!err && !strcmp(f[i], "mem"))
				err = sockstat_add(ms, f[0], "mem_bytes", (double)v * page_size);
			if (err)
				return err;
		}
	}
	return 0;
}

static int sockstat_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	static const struct {
		const char *rel;
		bool v4;
	} files[] = {{"net/sockstat", true}, {"net/sockstat6", false}};
	long page_size = sysconf(_SC_PAGESIZE);
	size_t found = 0;
	struct buf b;
	int err = 0;

	buf_init(&b);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		err = collect_read(ctx, ctx->procfs, files[i].rel, &b);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (!err)
			err = sockstat_parse(b.data, files[i].v4, ms, page_size);
		if (err) {
			snprintf(ctx->detail, sizeof(ctx->detail), "%s: %s", files[i].rel,
				 strerror(-err));
			goto out;
		}
		found++;
	}
	err = found ? ms_error(ms) : -ENODATA;
out:
	buf_free(&b);
	return err;
}

const struct collector collector_sockstat = {
    .name = "sockstat",
    .help = "Socket statistics from /proc/net/sockstat and sockstat6",
    .default_enabled = true,
    .collect = sockstat_collect,
};
