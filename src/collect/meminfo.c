/* meminfo: /proc/meminfo → one gauge per field, node_memory_<Field>[_bytes],
 * named exactly as node_exporter 1.5 names them so memory dashboards and
 * alerts carry over.
 *
 * The name follows from the line: "Active(anon):  1552 kB" becomes
 * node_memory_Active_anon_bytes (parentheses become one underscore), and a
 * field without a unit is a count, so "HugePages_Total:  0" keeps its name
 * without _bytes. Fields come and go with kernel version and configuration
 * (no swap, no CMA, no zswap), so whatever the file lists is exported and
 * nothing is required but MemTotal, which every kernel has.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

/* The kB of /proc/meminfo is KiB: the kernel shifts pages by (PAGE_SHIFT - 10). */
#define KIB 1024.0

#define PREFIX "node_memory_"
#define HELP_PREFIX "Memory information field "
/* Longest field name we accept; today's longest, "ShmemPmdMapped", is 14. */
#define MAX_FIELD 64

static bool field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "Key:" of a line into out with node_exporter's spelling;
 * returns the length written, or 0 for a key we cannot name. */
static size_t field_name(const char *key, size_t len, char *out)
{
	size_t n = 0;

	if (!len || len > MAX_FIELD)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '(')
			out[n++] = '_';
		else if (key[i] == ')')
			continue;
		else if (field_char(key[i]))
			out[n++] = key[i];
		else
			return 0;
	}
	return n;
}

static int parse_line(struct metric_set *ms, struct host_summary *sum, const char *line,
		      bool *memtotal)
{
	char field[MAX_FIELD + sizeof("_bytes")];
	const char *colon = strchr(line, ':');
	const char *p;
	size_t n;
	uint64_t v;
	double value;

	if (!colon)
		return -EINVAL;
	n = field_name(line, (size_t)(colon - line), field);
	if (!n)
		return -EINVAL;
	p = pp_u64_field(pp_skip_blanks(colon + 1), &v);
	if (!p)
		return -EINVAL;
	p = pp_skip_blanks(p);
	value = (double)v;
	if (p[0] == 'k' && p[1] == 'B') {
		value *= KIB;
		memcpy(field + n, "_bytes", 6);
		n += 6;
		p = pp_skip_blanks(p + 2);
	}
	if (*p)
		return -EINVAL;
	field[n] = '\0';
	if (!strcmp(field, "MemTotal_bytes")) {
		*memtotal = true;
		summary_set(sum, SUMMARY_MEM_TOTAL_BYTES, value);
	} else if (!strcmp(field, "MemAvailable_bytes")) {
		summary_set(sum, SUMMARY_MEM_AVAILABLE_BYTES, value);
	}
	return pp_add_field(ms, PREFIX, HELP_PREFIX, field, n, METRIC_GAUGE, value);
}

static int meminfo_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	bool memtotal = false;
	char *cursor, *line;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "meminfo", &b);
	if (err)
		goto out;
	cursor = b.data;
	while ((line = next_line(&cursor))) {
		err = parse_line(ms, ctx->summary, line, &memtotal);
		if (err)
			goto out;
	}
	err = memtotal ? ms_error(ms) : -EINVAL;
out:
	buf_free(&b);
	return err;
}

const struct collector collector_meminfo = {
	.name = "meminfo",
	.help = "Memory statistics from /proc/meminfo",
	.default_enabled = true,
	.collect = meminfo_collect,
};
